// SPDX-License-Identifier: GPL-2.0
/*
 * Single-producer/single-consumer rings over shared memory. Kernel-compatible.
 *
 * Ordering rules:
 *  - producer: write entry, then store-release prod. The consumer's
 *    load-acquire of prod therefore sees the entry contents.
 *  - consumer: load-acquire prod, read entry, then store-release cons. The
 *    producer's load-acquire of cons therefore knows the read is finished
 *    before it overwrites the entry.
 *  - each side owns one index and never reads it back from shared memory
 *    (except once, in attach, where any value is a valid starting point).
 * No operation loops: full or empty is reported immediately.
 */
#include <splitvirt/rpc_ring.h>

#include "rpc_compat.h"

void sv_rpc_ring_attach(struct sv_rpc_ring *r, struct sv_rpc_ring_ctl *ctl, void *entries,
			__u32 nentries, __u32 entry_size, int producer)
{
	r->prod = &ctl->prod;
	r->cons = &ctl->cons;
	r->entries = entries;
	r->mask = nentries - 1;
	r->entry_size = entry_size;
	r->producer = producer ? 1 : 0;
	/*
	 * Start where the peer is. A producer resumes at the consumer's
	 * position and publishes it, so the ring is empty; a consumer skips
	 * whatever was queued for a previous instance of itself.
	 */
	if (producer) {
		r->pos = sv_load_acquire(r->cons);
		sv_store_release(r->prod, r->pos);
	} else {
		r->pos = sv_load_acquire(r->prod);
		sv_store_release(r->cons, r->pos);
	}
}

static void *entry_at(const struct sv_rpc_ring *r, __u32 index)
{
	return (char *)r->entries + (__u64)(index & r->mask) * r->entry_size;
}

__u32 sv_rpc_ring_peer_pos(const struct sv_rpc_ring *r)
{
	return sv_load_acquire(r->producer ? r->cons : r->prod);
}

int sv_rpc_ring_count(const struct sv_rpc_ring *r)
{
	__u32 used;

	if (r->producer)
		used = r->pos - sv_load_acquire(r->cons);
	else
		used = sv_load_acquire(r->prod) - r->pos;
	/* Unsigned distance handles wrap-around of free-running indices. */
	if (used > r->mask + 1)
		return -EPROTO;
	return (int)used;
}

int sv_rpc_ring_reserve(struct sv_rpc_ring *r, void **entry)
{
	int used = sv_rpc_ring_count(r);

	if (used < 0)
		return used;
	if ((__u32)used == r->mask + 1)
		return -ENOSPC;
	*entry = entry_at(r, r->pos);
	return 0;
}

void sv_rpc_ring_produce(struct sv_rpc_ring *r)
{
	r->pos++;
	sv_store_release(r->prod, r->pos);
}

int sv_rpc_ring_peek(struct sv_rpc_ring *r, void **entry)
{
	int avail = sv_rpc_ring_count(r);

	if (avail < 0)
		return avail;
	if (avail == 0)
		return -EAGAIN;
	*entry = entry_at(r, r->pos);
	return 0;
}

void sv_rpc_ring_consume(struct sv_rpc_ring *r)
{
	r->pos++;
	sv_store_release(r->cons, r->pos);
}

void sv_rpc_ring_flush(struct sv_rpc_ring *r)
{
	/* Any producer index is a valid "empty" position, even a corrupt one. */
	r->pos = sv_load_acquire(r->prod);
	sv_store_release(r->cons, r->pos);
}

void sv_rpc_ring_republish(struct sv_rpc_ring *r)
{
	if (r->producer)
		sv_store_release(r->prod, r->pos);
}
