/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The argument of the vmm's --link (driver side) and --serve (device side)
 * options: the objects the supervisor created for one (driver VM, device
 * VM) link, as file descriptors the vmm inherits. The supervisor writes it
 * with sv_link_args_format(), the vmm reads it with sv_link_args_parse();
 * nothing else builds or takes apart this text.
 *
 * One argv word of comma-separated KEY=VALUE pairs, in any order:
 *
 *   id=N               link id, 0-255                             required
 *   peer=NAME          the other VM, 1-31 bytes without ','       default "link<N>"
 *   iobuf-fd=FD        RPC iobuf memfd                            required
 *   req-fd=FD          eventfd: driver -> device requests posted  required
 *   resp-fd=FD         eventfd: device -> driver replies posted   required
 *   kick-fds=FD:FD:..  guest -> device doorbells, 1-64 eventfds   optional
 *   call-fds=FD:FD:..  device -> guest interrupts, 1-64 eventfds  optional
 * --link only, all three or none (the link's DMA window: a memfd the driver
 * VM's vmm maps as guest RAM at dma-gpa, for the guest's restricted-dma-pool,
 * and the only memory of the driver VM its device VM sees):
 *   dma-fd=FD          its memfd
 *   dma-gpa=ADDR       its guest-physical base, C syntax, a multiple of
 *                      SV_GUEST_DMA_WINDOW_ALIGN
 *   dma-size=BYTES     C syntax, a multiple of SV_GUEST_DMA_WINDOW_ALIGN in
 *                      [SV_GUEST_DMA_WINDOW_MIN, SV_GUEST_DMA_WINDOW_MAX]
 * --serve only (the driver VM's RAM, mapped by the device VM's vmm):
 *   ram-fd=FD          its memfd                                  required
 *   ram-gpa=ADDR       its guest-physical base, C syntax (0x..)   default 0
 *   ram-size=BYTES     non-zero multiple of 4096, C syntax        required
 *   ram-window=0|1     1: ram-* is the link's DMA window of the   default 0
 *                      driver VM (its dma-*), not all of its RAM
 *   state-fd=FD        the link's saved-state area memfd          optional
 *                      (<splitvirt/state_area.h>; without it a restarted
 *                      device side cannot take the devices over)
 *
 * FD is a decimal number 0-65535. The parser skips empty items (",," or
 * "::") and lets a repeated key override the earlier one. The writer emits
 * the keys in the order above with dma-* or ram-* (ram-window=1 only when
 * set, and state-fd) right after peer, the addresses in hex and the sizes in
 * decimal, and leaves out an empty doorbell list and a missing window, e.g.
 *
 *   --link  id=0,peer=devvm,iobuf-fd=5,req-fd=6,resp-fd=7,kick-fds=8:9,call-fds=10:11
 *   --link  id=0,peer=devvm,dma-fd=9,dma-gpa=0x440000000,dma-size=8388608,iobuf-fd=5,...
 *   --serve id=0,peer=app,ram-fd=4,ram-gpa=0x40000000,ram-size=268435456,iobuf-fd=5,...
 *   --serve id=0,peer=app,ram-fd=4,ram-gpa=0x440000000,ram-size=8388608,ram-window=1,...
 */
#ifndef SPLITVIRT_LINK_ARGS_H
#define SPLITVIRT_LINK_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <splitvirt/machine.h>

#define SV_LINK_ARGS_MAX_ID 255
#define SV_LINK_ARGS_PEER_MAX 31 /* the dataport's 32-byte name register */
#define SV_LINK_ARGS_MAX_FD 65535
#define SV_LINK_ARGS_MAX_FDS 64 /* per doorbell list: SV_DP_MAX_KICKS / SV_DP_MAX_CALLS */
/* The longest text the parser takes, with the NUL; every valid struct fits. */
#define SV_LINK_ARGS_TEXT_MAX 1024

/* Which option the text is the argument of. */
enum sv_link_side {
	SV_LINK_DRIVER_SIDE, /* --link: in the driver VM's vmm */
	SV_LINK_DEVICE_SIDE, /* --serve: in the device VM's vmm, with the driver VM's RAM */
};

struct sv_link_args {
	unsigned int id;
	char peer[SV_LINK_ARGS_PEER_MAX + 1];
	int iobuf_fd;
	int req_fd;
	int resp_fd;
	unsigned int nkicks;
	int kick_fds[SV_LINK_ARGS_MAX_FDS];
	unsigned int ncalls;
	int call_fds[SV_LINK_ARGS_MAX_FDS];
	/* SV_LINK_DEVICE_SIDE only: the driver VM's RAM; -1 and 0 otherwise */
	int ram_fd;
	uint64_t ram_gpa;
	uint64_t ram_size;
	bool ram_window; /* the ram-* region is the driver VM's DMA window, not its RAM */
	int state_fd; /* SV_LINK_DEVICE_SIDE only, optional: -1 if none */
	/*
	 * SV_LINK_DRIVER_SIDE only, optional: the link's DMA window. dma_size 0
	 * means none (the parser then leaves dma_fd -1 and dma_gpa 0, and the
	 * writer writes no dma-* key whatever dma_fd and dma_gpa hold).
	 */
	int dma_fd;
	uint64_t dma_gpa;
	uint64_t dma_size;
};

/* "--link" or "--serve". */
const char *sv_link_side_option(enum sv_link_side side);

/*
 * Parses text into *a (all fields set; fds not given are -1). Returns 0, or
 * -EINVAL with a message naming the option and the key in err.
 */
int sv_link_args_parse(const char *text, enum sv_link_side side, struct sv_link_args *a, char *err,
		       size_t errlen);

/*
 * Writes *a as the argument of side's option into buf, like snprintf:
 * returns the length it needs without the NUL (less than
 * SV_LINK_ARGS_TEXT_MAX), or -EINVAL when *a holds a value the parser
 * would reject (sv_link_args_check() says which).
 */
int sv_link_args_format(const struct sv_link_args *a, enum sv_link_side side, char *buf,
			size_t size);

/*
 * Whether every field of *a can be written for side: 0, or -EINVAL with a
 * message in err (errlen may be 0).
 */
int sv_link_args_check(const struct sv_link_args *a, enum sv_link_side side, char *err,
		       size_t errlen);

/* Closes every fd of *a and sets it to -1 (the owner's cleanup). */
void sv_link_args_close(struct sv_link_args *a);

#endif
