/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobuf layout and single-producer/single-consumer rings. Kernel-compatible.
 *
 * A ring handle keeps, privately, the index its side owns (prod for the
 * producer, cons for the consumer): the copy in shared memory is only ever
 * written from it, never read back, so a peer scribbling on it cannot move
 * our position. The peer's index is loaded with acquire semantics, once per
 * operation, and checked: prod - cons must never exceed the ring size.
 *
 * A ring handle is not thread-safe. If several threads of one side produce
 * into (or consume from) the same ring, they serialize with a lock that is
 * private to that side (never in shared memory).
 */
#ifndef SPLITVIRT_RPC_RING_H
#define SPLITVIRT_RPC_RING_H

#include <splitvirt/rpc.h>

/* A validated copy of the header; the only source of offsets and sizes. */
struct sv_rpc_layout {
	__u32 size;
	__u32 version;
	__u32 nslots;
	__u32 nevents;
	__u32 side_off[2];
	__u32 req_ctl_off, rep_ctl_off, evt_ctl_off;
	__u32 req_ring_off, rep_ring_off, evt_ring_off;
	__u32 slots_off;
};

/*
 * Computes the standard layout for an iobuf of size bytes (a power-of-two
 * number of 4 KiB pages between SV_RPC_MIN_SIZE and SV_RPC_MAX_SIZE):
 * size/256 request slots and size/128 event entries (2 pages: 32 and 64).
 */
int sv_rpc_layout_compute(__u32 size, struct sv_rpc_layout *lay);

/*
 * Zeroes the iobuf and writes the header of the standard layout; the magic
 * is stored last, with release semantics. Done once by the creator of the
 * iobuf (the supervisor), before either side attaches.
 */
int sv_rpc_iobuf_init(void *base, __u32 size);

/*
 * Copies the header at base (an iobuf of size bytes as mapped by the caller)
 * and checks magic, major version, sizes, alignment, bounds and
 * non-overlap of every region. Returns 0 and fills *lay, or:
 *   -ENODEV  no magic (not initialized yet)
 *   -EPROTONOSUPPORT  different major version
 *   -EINVAL  any size or offset is wrong
 */
int sv_rpc_iobuf_validate(const void *base, __u32 size, struct sv_rpc_layout *lay);

struct sv_rpc_ring {
	sv_rpc_shared_u32 *prod; /* in shared memory */
	sv_rpc_shared_u32 *cons; /* in shared memory */
	void *entries; /* in shared memory */
	__u32 mask; /* entries - 1 */
	__u32 entry_size;
	__u32 pos; /* private copy of the index this side owns */
	__u32 producer; /* 1 if this handle produces */
};

/*
 * Binds a ring handle to a control block and entry array. pos starts at the
 * peer's current index, so the ring starts out empty from this side's point
 * of view (nothing queued is replayed after a restart). entries must be a
 * power of two.
 */
void sv_rpc_ring_attach(struct sv_rpc_ring *r, struct sv_rpc_ring_ctl *ctl, void *entries,
			__u32 nentries, __u32 entry_size, int producer);

/*
 * Producer: returns a pointer to the next free entry, or -ENOSPC if the
 * ring is full, -EPROTO if the consumer index is impossible.
 * The caller writes the entry, then calls sv_rpc_ring_produce().
 */
int sv_rpc_ring_reserve(struct sv_rpc_ring *r, void **entry);
/* Publishes the reserved entry (store-release of prod). */
void sv_rpc_ring_produce(struct sv_rpc_ring *r);

/*
 * Consumer: returns a pointer to the oldest entry, -EAGAIN if the ring is
 * empty, -EPROTO if the producer index is impossible. The caller copies the
 * entry out, then calls sv_rpc_ring_consume() (store-release of cons, so the
 * copy is complete before the producer may reuse the entry).
 */
int sv_rpc_ring_peek(struct sv_rpc_ring *r, void **entry);
void sv_rpc_ring_consume(struct sv_rpc_ring *r);

/*
 * Consumer: drops everything queued (cons := prod, whatever prod is). Used
 * after a protocol error or a peer reset, so a corrupt producer index never
 * wedges the consumer for good.
 */
void sv_rpc_ring_flush(struct sv_rpc_ring *r);

/*
 * Producer: stores its private index into the shared prod again. Done on a
 * reset: a peer may have scribbled on the shared copy, and the consumer's
 * flush on the new epoch must land on the producer's real position, or
 * every later reserve would see an impossible consumer index.
 */
void sv_rpc_ring_republish(struct sv_rpc_ring *r);

/* The peer's index (load-acquire): cons for a producer, prod for a consumer. */
__u32 sv_rpc_ring_peer_pos(const struct sv_rpc_ring *r);

/* Entries queued (consumer) or in use (producer); -EPROTO if impossible. */
int sv_rpc_ring_count(const struct sv_rpc_ring *r);

#endif
