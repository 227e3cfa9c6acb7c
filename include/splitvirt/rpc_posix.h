/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace conveniences around the RPC core: iobufs as memfds, doorbells as
 * eventfds, and bounded blocking waits with poll(). Not for the kernel.
 *
 * Doorbell rule: after anything the peer should notice (a request, a reply,
 * an event, or a *_sync() that returned 1), ring the peer's doorbell. A
 * doorbell only says "look again"; the rings and side blocks say what.
 */
#ifndef SPLITVIRT_RPC_POSIX_H
#define SPLITVIRT_RPC_POSIX_H

#include <splitvirt/rpc_chan.h>

/* Creates an iobuf memfd of size bytes (sealed against resizing). */
int sv_rpc_iobuf_create(__u32 size, int *fd);
/* Maps an iobuf memfd shared read/write; fails if its size is not size. */
int sv_rpc_iobuf_map(int fd, __u32 size, void **base);
int sv_rpc_iobuf_unmap(void *base, __u32 size);

/* A doorbell is a non-blocking eventfd. */
int sv_rpc_doorbell_create(int *fd);
int sv_rpc_doorbell_ring(int fd);
/*
 * Waits until fd is rung (and clears it) or timeout_ms passes (< 0: wait
 * forever, 0: just poll). Returns 0, -ETIMEDOUT or a negative errno.
 */
int sv_rpc_doorbell_wait(int fd, int timeout_ms);

/* Milliseconds left until deadline (CLOCK_MONOTONIC ns); 0 if passed. */
int sv_rpc_ms_left(__u64 deadline_ns);
__u64 sv_rpc_now_ns(void);

/*
 * Driver: waits until the device acknowledged this epoch, ringing tx_db so
 * it notices. Returns 0 or -ETIMEDOUT.
 */
int sv_rpc_drv_wait_connected(struct sv_rpc_drv *d, int tx_db, int rx_db, int timeout_ms);

/*
 * Driver, single-threaded use: sends req in slot, rings tx_db and waits on
 * rx_db for that slot's completion (which goes to *reply; its status may be
 * an error). Completions of other slots are dropped. Returns 0, a send error,
 * or -ETIMEDOUT (the slot then stays lent until a reset).
 */
int sv_rpc_drv_call(struct sv_rpc_drv *d, int tx_db, int rx_db, __u32 slot,
		    const struct sv_rpc_msg *req, struct sv_rpc_msg *reply, int timeout_ms);

#endif
