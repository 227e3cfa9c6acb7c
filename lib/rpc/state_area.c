// SPDX-License-Identifier: GPL-2.0
/*
 * The link's saved-state area (<splitvirt/state_area.h>): two slots and a
 * sequence number, so a writer that dies at any instant leaves a complete
 * copy. Kernel-compatible like the RPC core.
 */
#include <splitvirt/state_area.h>

#include "rpc_compat.h"

#ifdef __KERNEL__
typedef __u64 shared_u64;
typedef __u32 shared_u32;
#else
typedef _Atomic __u64 shared_u64;
typedef _Atomic __u32 shared_u32;
#endif

struct area_hdr {
	shared_u64 seq; /* store-release by the writer, after the slot */
	shared_u32 len[2];
	__u32 reserved[12];
};

_Static_assert(sizeof(struct area_hdr) == SV_STATE_AREA_HDR, "state area header size");

__u32 sv_state_area_capacity(__u32 size)
{
	if (size <= SV_STATE_AREA_HDR || size > SV_STATE_AREA_MAX)
		return 0;
	return ((size - SV_STATE_AREA_HDR) / 2) & ~63u;
}

static char *slot_at(void *area, __u32 size, __u64 seq)
{
	return (char *)area + SV_STATE_AREA_HDR + (seq & 1) * sv_state_area_capacity(size);
}

int sv_state_area_write(void *area, __u32 size, const void *buf, __u32 len)
{
	struct area_hdr *h = area;
	__u32 cap = sv_state_area_capacity(size);
	__u64 next;

	if (!cap)
		return -EINVAL;
	if (len > cap)
		return -E2BIG;
	/* Only this writer moves seq; whatever it holds, the other slot is free. */
	next = sv_load_acquire(&h->seq) + 1;
	if (!next)
		next = 2; /* seq 0 is "nothing saved"; keep the parity rule */
	if (len)
		memcpy(slot_at(area, size, next), buf, len);
	sv_store_release(&h->len[next & 1], len);
	/* The slot and its length before the sequence that names them. */
	sv_store_release(&h->seq, next);
	return 0;
}

int sv_state_area_read(const void *area, __u32 size, void *buf, __u32 cap)
{
	struct area_hdr *h = (struct area_hdr *)area;
	__u32 have = sv_state_area_capacity(size);
	__u64 seq;
	__u32 len;

	if (!have)
		return -EINVAL;
	seq = sv_load_acquire(&h->seq);
	if (!seq)
		return 0;
	len = sv_load_acquire(&h->len[seq & 1]);
	if (len > have)
		return -EINVAL;
	if (len > cap)
		return -E2BIG;
	/* "Nothing saved" (len 0) may be read with no buffer at all. */
	if (len)
		memcpy(buf, slot_at((void *)area, size, seq), len);
	return (int)len;
}
