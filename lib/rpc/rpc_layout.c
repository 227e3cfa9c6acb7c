// SPDX-License-Identifier: GPL-2.0
/*
 * iobuf layout: computing the standard layout, writing the header, and
 * validating a header that a possibly hostile peer may have written.
 * Kernel-compatible.
 */
#include <splitvirt/rpc_ring.h>

#include "rpc_compat.h"

_Static_assert(sizeof(struct sv_rpc_msg) == SV_RPC_MSG_SIZE, "msg size");
_Static_assert(sizeof(struct sv_rpc_header) == 64, "header size");
_Static_assert(sizeof(struct sv_rpc_side) == 64, "side size");
_Static_assert(sizeof(struct sv_rpc_ring_ctl) == 128, "ring ctl size");
_Static_assert(sizeof(sv_rpc_shared_u32) == 4, "shared index size");

/* Fixed part: header, two side blocks, three ring control blocks. */
#define SIDE0_OFF 64u
#define CTL0_OFF 256u
#define FIXED_END (CTL0_OFF + 3u * sizeof(struct sv_rpc_ring_ctl))

static __u32 align_up(__u32 v)
{
	return (v + SV_RPC_ALIGN - 1) & ~(SV_RPC_ALIGN - 1);
}

static int is_pow2(__u32 v)
{
	return v && !(v & (v - 1));
}

static int size_ok(__u32 size)
{
	return is_pow2(size) && size >= SV_RPC_MIN_SIZE && size <= SV_RPC_MAX_SIZE;
}

int sv_rpc_layout_compute(__u32 size, struct sv_rpc_layout *lay)
{
	__u32 off;

	if (!size_ok(size))
		return -EINVAL;
	memset(lay, 0, sizeof(*lay));
	lay->size = size;
	lay->version = SV_RPC_VERSION;
	lay->nslots = size / 256;
	lay->nevents = size / 128;
	if (lay->nslots > SV_RPC_MAX_SLOTS)
		lay->nslots = SV_RPC_MAX_SLOTS;
	if (lay->nevents > SV_RPC_MAX_EVENTS)
		lay->nevents = SV_RPC_MAX_EVENTS;
	lay->side_off[SV_RPC_SIDE_DRIVER] = SIDE0_OFF;
	lay->side_off[SV_RPC_SIDE_DEVICE] = SIDE0_OFF + sizeof(struct sv_rpc_side);
	lay->req_ctl_off = CTL0_OFF;
	lay->rep_ctl_off = CTL0_OFF + sizeof(struct sv_rpc_ring_ctl);
	lay->evt_ctl_off = CTL0_OFF + 2 * sizeof(struct sv_rpc_ring_ctl);
	off = FIXED_END;
	lay->slots_off = off;
	off += lay->nslots * SV_RPC_MSG_SIZE;
	lay->req_ring_off = off;
	off = align_up(off + lay->nslots * sizeof(__u16));
	lay->rep_ring_off = off;
	off = align_up(off + lay->nslots * sizeof(__u16));
	lay->evt_ring_off = off;
	off += lay->nevents * SV_RPC_MSG_SIZE;
	return off <= size ? 0 : -EINVAL;
}

int sv_rpc_iobuf_init(void *base, __u32 size)
{
	struct sv_rpc_header *hdr = base;
	struct sv_rpc_layout lay;
	int ret = sv_rpc_layout_compute(size, &lay);

	if (ret)
		return ret;
	memset(base, 0, size);
	hdr->version = lay.version;
	hdr->size = lay.size;
	hdr->msg_size = SV_RPC_MSG_SIZE;
	hdr->nslots = lay.nslots;
	hdr->nevents = lay.nevents;
	hdr->side_off[0] = lay.side_off[0];
	hdr->side_off[1] = lay.side_off[1];
	hdr->req_ctl_off = lay.req_ctl_off;
	hdr->rep_ctl_off = lay.rep_ctl_off;
	hdr->evt_ctl_off = lay.evt_ctl_off;
	hdr->req_ring_off = lay.req_ring_off;
	hdr->rep_ring_off = lay.rep_ring_off;
	hdr->evt_ring_off = lay.evt_ring_off;
	hdr->slots_off = lay.slots_off;
	/* Everything above is visible before a peer can see the magic. */
	sv_store_release((sv_rpc_shared_u32 *)&hdr->magic, SV_RPC_MAGIC);
	return 0;
}

struct region {
	__u32 off;
	__u32 len;
};

static int regions_ok(const struct region *rg, unsigned int n, __u32 size)
{
	for (unsigned int i = 0; i < n; i++) {
		if (rg[i].off % SV_RPC_ALIGN || !rg[i].len)
			return 0;
		if ((__u64)rg[i].off + rg[i].len > size)
			return 0;
		for (unsigned int j = 0; j < i; j++) {
			__u64 a0 = rg[i].off, a1 = a0 + rg[i].len;
			__u64 b0 = rg[j].off, b1 = b0 + rg[j].len;

			if (a0 < b1 && b0 < a1)
				return 0;
		}
	}
	return 1;
}

int sv_rpc_iobuf_validate(const void *base, __u32 size, struct sv_rpc_layout *lay)
{
	struct sv_rpc_header h;
	struct sv_rpc_layout l;

	/* Acquire pairs with the release in init: the rest is complete. */
	if (sv_load_acquire((const sv_rpc_shared_u32 *)base) != SV_RPC_MAGIC)
		return -ENODEV;
	sv_rpc_read_shared(&h, base, sizeof(h) / sizeof(__u64));
	if (h.magic != SV_RPC_MAGIC)
		return -ENODEV;
	if (SV_RPC_VERSION_GET_MAJOR(h.version) != SV_RPC_VERSION_MAJOR)
		return -EPROTONOSUPPORT;
	if (h.size != size || !size_ok(h.size) || h.msg_size != SV_RPC_MSG_SIZE)
		return -EINVAL;
	if (!is_pow2(h.nslots) || h.nslots > SV_RPC_MAX_SLOTS || !is_pow2(h.nevents) ||
	    h.nevents > SV_RPC_MAX_EVENTS)
		return -EINVAL;

	{
		const struct region rg[] = {
			{ 0, sizeof(struct sv_rpc_header) },
			{ h.side_off[0], sizeof(struct sv_rpc_side) },
			{ h.side_off[1], sizeof(struct sv_rpc_side) },
			{ h.req_ctl_off, sizeof(struct sv_rpc_ring_ctl) },
			{ h.rep_ctl_off, sizeof(struct sv_rpc_ring_ctl) },
			{ h.evt_ctl_off, sizeof(struct sv_rpc_ring_ctl) },
			{ h.slots_off, h.nslots * SV_RPC_MSG_SIZE },
			{ h.req_ring_off, h.nslots * (__u32)sizeof(__u16) },
			{ h.rep_ring_off, h.nslots * (__u32)sizeof(__u16) },
			{ h.evt_ring_off, h.nevents * SV_RPC_MSG_SIZE },
		};

		if (!regions_ok(rg, sizeof(rg) / sizeof(rg[0]), size))
			return -EINVAL;
	}

	memset(&l, 0, sizeof(l));
	l.size = h.size;
	l.version = h.version;
	l.nslots = h.nslots;
	l.nevents = h.nevents;
	l.side_off[0] = h.side_off[0];
	l.side_off[1] = h.side_off[1];
	l.req_ctl_off = h.req_ctl_off;
	l.rep_ctl_off = h.rep_ctl_off;
	l.evt_ctl_off = h.evt_ctl_off;
	l.req_ring_off = h.req_ring_off;
	l.rep_ring_off = h.rep_ring_off;
	l.evt_ring_off = h.evt_ring_off;
	l.slots_off = h.slots_off;
	*lay = l;
	return 0;
}
