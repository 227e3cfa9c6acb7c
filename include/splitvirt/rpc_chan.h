/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RPC endpoints: the driver side (lends slots, sends requests, receives
 * replies and events) and the device side (receives requests, replies in
 * the same slot in any order, sends events). Kernel-compatible.
 *
 * Epochs and resets. Each side publishes an epoch (bumped by open and
 * reset) and the peer epoch it has acknowledged. Every message carries the
 * (driver, device) epoch pair it belongs to; anything stamped with another
 * pair is dropped as stale. A side acknowledges a new peer epoch in
 * *_sync(), which every receive/send call runs first:
 *  - the driver, on a new device epoch, fails every outstanding request
 *    (reported by sv_rpc_drv_recv_reply with status -ECONNRESET);
 *  - the device, on a new driver epoch, forgets every request it has not
 *    answered (sv_rpc_dev_reply then returns -ESTALE) and drops the queue.
 * The driver sends only while the device has acknowledged its current
 * epoch, so a device that is late with an old reply can never write into a
 * slot that was lent again; and it lends a failed slot again only once the
 * device's request-ring consumer index has passed the slot's old id, so
 * the device can never read a new request through an old id. Reply ids of
 * an older epoch are flushed when the epoch changes, so the driver never
 * reads a re-lent slot through an old reply id either.
 *
 * Not thread-safe: each endpoint is used under one lock private to its side
 * (e.g. a mutex in a vmm, a spinlock in the kernel module).
 */
#ifndef SPLITVIRT_RPC_CHAN_H
#define SPLITVIRT_RPC_CHAN_H

#include <splitvirt/rpc_msg.h>
#include <splitvirt/rpc_ring.h>

#define SV_RPC_SLOT_WORDS (SV_RPC_MAX_SLOTS / 64)

/* Peer misbehaviour and resets seen by one endpoint. */
struct sv_rpc_stats {
	unsigned long proto_errors; /* impossible index, slot id or message */
	unsigned long stale; /* messages of an old epoch, dropped */
	unsigned long peer_resets; /* new peer epochs acknowledged */
};

/* State shared by both endpoint kinds; all private memory. */
struct sv_rpc_endpoint {
	struct sv_rpc_layout lay;
	struct sv_rpc_side *me; /* shared */
	const struct sv_rpc_side *peer; /* shared */
	struct sv_rpc_msg *slots; /* shared */
	struct sv_rpc_ring req, rep, evt;
	__u32 epoch; /* this side's current epoch */
	__u32 peer_epoch; /* peer epoch acknowledged; 0 = none yet */
	struct sv_rpc_stats stats;
	__u8 op[SV_RPC_MAX_SLOTS]; /* opcode of each outstanding slot */
};

struct sv_rpc_drv {
	struct sv_rpc_endpoint ep;
	__u64 busy[SV_RPC_SLOT_WORDS]; /* lent to the device */
	__u64 failed[SV_RPC_SLOT_WORDS]; /* to report as -ECONNRESET */
	/* failed, id maybe still queued: not lendable until it is consumed */
	__u64 quarantine[SV_RPC_SLOT_WORDS];
	__u32 req_pos[SV_RPC_MAX_SLOTS]; /* request ring index of each id */
	int acked; /* the device acknowledged the current epoch */
};

struct sv_rpc_dev {
	struct sv_rpc_endpoint ep;
	__u64 pending[SV_RPC_SLOT_WORDS]; /* received, not answered yet */
};

/*
 * Validates the iobuf layout, attaches the rings and starts a new epoch of
 * this side (previous epoch + 1, read from the iobuf). Returns the errors of
 * sv_rpc_iobuf_validate().
 */
int sv_rpc_drv_open(struct sv_rpc_drv *d, void *base, __u32 size);
int sv_rpc_dev_open(struct sv_rpc_dev *v, void *base, __u32 size);

/*
 * For the owner of the iobuf (the supervisor) when the device side died
 * without a word (its VM was killed): starts a device epoch that
 * acknowledges nothing, as a device open that never syncs. The driver
 * then completes everything it lent with -ECONNRESET and gets -EAGAIN
 * for new requests at once, instead of each waiting for its timeout,
 * until a new device side opens and syncs. v is scratch for the caller.
 */
int sv_rpc_dev_mark_gone(struct sv_rpc_dev *v, void *base, __u32 size);

/*
 * Acknowledges a new peer epoch if there is one. Returns 1 if a peer
 * (re)start was just acknowledged (a device then re-announces its
 * configuration, a driver says HELLO again), else 0.
 */
int sv_rpc_drv_sync(struct sv_rpc_drv *d);
int sv_rpc_dev_sync(struct sv_rpc_dev *v);

/*
 * Has the peer acknowledged this side's current epoch (and vice versa)?
 * The driver version runs sv_rpc_drv_sync() first.
 */
int sv_rpc_drv_connected(struct sv_rpc_drv *d);
int sv_rpc_dev_connected(const struct sv_rpc_dev *v);

/* Starts a new epoch of this side without re-attaching. */
void sv_rpc_drv_reset(struct sv_rpc_drv *d);
void sv_rpc_dev_reset(struct sv_rpc_dev *v, __u32 reason);

/*
 * Driver: lowest slot that can be lent: not lent, no unreported failure,
 * and not possibly still readable by the device through an old queued id.
 * Returns the slot or -ENOSPC.
 */
int sv_rpc_drv_slot_alloc(struct sv_rpc_drv *d);

/*
 * Driver: lends slot (chosen by the caller, e.g. its vCPU index) for request
 * m (op and args; slot, epochs and flags are filled in). Returns 0, or
 *   -EINVAL     slot out of range or m is not a valid request
 *   -EBUSY      slot is lent, has an unreported failure, or is quarantined
 *   -EAGAIN     the device has not acknowledged this epoch yet
 *   -ENOSPC/-EPROTO  the request ring is full / its consumer index corrupt
 */
int sv_rpc_drv_send(struct sv_rpc_drv *d, __u32 slot, const struct sv_rpc_msg *m);

/*
 * Driver: takes one completion. *out is the reply (status 0 or the device's
 * negative errno), or a synthesized failure: status -ECONNRESET (device or
 * driver reset) or -EPROTO (the device's reply was invalid). The slot is free
 * again afterwards. Returns 0, -EAGAIN if none, -EPROTO if the reply ring
 * was corrupt (it is flushed; requests whose replies were lost never
 * complete: the caller's timeout or a reset recovers them).
 */
int sv_rpc_drv_recv_reply(struct sv_rpc_drv *d, struct sv_rpc_msg *out);

/* Driver: takes one valid event of the current epochs; -EAGAIN if none. */
int sv_rpc_drv_recv_event(struct sv_rpc_drv *d, struct sv_rpc_msg *out);

/*
 * Device: takes one valid request of the current epochs (out->slot names
 * the slot to answer). Invalid requests are answered with an error status
 * here and not returned; stale ones are dropped. Returns 0, -EAGAIN if none,
 * -EPROTO if the request ring was corrupt (it is flushed).
 */
int sv_rpc_dev_recv(struct sv_rpc_dev *v, struct sv_rpc_msg *out);

/*
 * Device: answers the request in m->slot with m (op unchanged; args are the
 * reply payload) and status. Returns 0, -ESTALE if that request is not
 * outstanding (e.g. forgotten by a driver reset), -EINVAL if the reply is
 * invalid, -ENOSPC/-EPROTO from the reply ring.
 */
int sv_rpc_dev_reply(struct sv_rpc_dev *v, const struct sv_rpc_msg *m, int status);

/*
 * Device: sends event m. Returns 0, -EINVAL if m is not a valid event,
 * -ENOTCONN if no driver epoch is acknowledged yet, -ENOSPC if the event
 * ring is full (the caller retries after the driver's doorbell, or drops).
 */
int sv_rpc_dev_send_event(struct sv_rpc_dev *v, const struct sv_rpc_msg *m);

#endif
