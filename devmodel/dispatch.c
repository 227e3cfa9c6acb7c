// SPDX-License-Identifier: GPL-2.0
/*
 * Requests from the driver side (SV_VM_GET_IO): config-space accesses of a
 * function (as = function index) and accesses to its BARs (as = global, by
 * guest-physical address). Every field comes from the other VM and is
 * checked before use; a bad request is answered with an error status (the
 * driver's vCPU reads all-ones) and counted, never trusted.
 */
#include <errno.h>
#include <string.h>

#include <splitvirt/log.h>
#include <splitvirt/rpc.h>

#include "link.h"

static void log_bad(struct dm_link *l, const struct sv_ioreq *req, const char *why)
{
	/* A guest can do this in a loop. */
	pr_warn_limited(&l->bad_requests, "link %u (%s): %u-byte %s as %u at 0x%llx rejected: %s",
			l->spec.id, l->spec.driver, req->size,
			req->dir == SV_RPC_MMIO_WRITE ? "write" : "read", req->as,
			(unsigned long long)req->addr, why);
}

/* Rejected by the function model, which logged it already. */
static void count_bad(struct dm_link *l)
{
	l->bad_requests++;
}

static uint64_t size_mask(uint8_t size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static void dispatch_cfg(struct dm_link *l, struct sv_ioreq *req)
{
	struct dm_fn *fn = &l->fns[req->as];
	uint32_t v = 0xffffffff;
	int ret;

	if (req->size != 1 && req->size != 2 && req->size != 4) {
		req->status = -EINVAL;
		log_bad(l, req, "config access size");
		return;
	}
	if (req->addr >= SV_RPC_PCI_CFG_SIZE || req->addr + req->size > SV_RPC_PCI_CFG_SIZE) {
		req->status = -EINVAL;
		log_bad(l, req, "past the config space");
		return;
	}
	if (req->dir == SV_RPC_MMIO_WRITE)
		v = (uint32_t)(req->data & size_mask(req->size));
	ret = virtio_host_cfg_access(fn->vh, (uint32_t)req->addr, req->size, &v,
				     req->dir == SV_RPC_MMIO_WRITE);
	if (req->dir != SV_RPC_MMIO_WRITE)
		req->data = v;
	req->status = ret;
	if (ret)
		count_bad(l);
}

/* The function and BAR mapped at [addr, addr + size); false if none holds it all. */
static bool find_bar(struct dm_link *l, uint64_t addr, uint8_t size, struct dm_fn **fnp, int *barp,
		     uint64_t *offp, bool *straddle)
{
	*straddle = false;
	for (unsigned int i = 0; i < l->nr_fns; i++) {
		for (int bar = 0; bar < PCI_CFG_NR_BARS; bar++) {
			uint64_t gpa, len;

			if (!virtio_pci_bar_mapping(l->fns[i].pci, bar, &gpa, &len))
				continue;
			if (addr < gpa || addr - gpa >= len)
				continue;
			if (size > len - (addr - gpa)) {
				*straddle = true;
				return false;
			}
			*fnp = &l->fns[i];
			*barp = bar;
			*offp = addr - gpa;
			return true;
		}
	}
	return false;
}

static void dispatch_mmio(struct dm_link *l, struct sv_ioreq *req)
{
	struct dm_fn *fn;
	uint64_t off, v = 0;
	bool straddle;
	int bar, ret;

	if (req->size != 1 && req->size != 2 && req->size != 4 && req->size != 8) {
		req->status = -EINVAL;
		log_bad(l, req, "access size");
		return;
	}
	if (!find_bar(l, req->addr, req->size, &fn, &bar, &off, &straddle)) {
		req->status = straddle ? -EINVAL : -ENODEV;
		log_bad(l, req, straddle ? "crosses the end of a BAR" : "no BAR there");
		return;
	}
	if (req->dir == SV_RPC_MMIO_WRITE)
		v = req->data & size_mask(req->size);
	ret = virtio_host_bar_access(fn->vh, bar, off, req->size, &v,
				     req->dir == SV_RPC_MMIO_WRITE);
	if (req->dir != SV_RPC_MMIO_WRITE)
		req->data = v & size_mask(req->size);
	req->status = ret;
	if (ret)
		count_bad(l);
}

void dm_link_dispatch(struct dm_link *l, struct sv_ioreq *req)
{
	req->status = 0;
	if (req->dir != SV_RPC_MMIO_READ && req->dir != SV_RPC_MMIO_WRITE) {
		req->status = -EINVAL;
		log_bad(l, req, "direction");
	} else if (req->as == SV_RPC_AS_GLOBAL) {
		dispatch_mmio(l, req);
	} else if (req->as < l->nr_fns) {
		dispatch_cfg(l, req);
	} else {
		req->status = -ENODEV;
		log_bad(l, req, "no such PCI function");
	}
	if (req->status && req->dir == SV_RPC_MMIO_READ)
		req->data = ~0ull;
	/* Before the driver side sees the reply: a restart must know what it saw. */
	dm_link_persist(l);
}

void dm_link_reset(struct dm_link *l, uint64_t reason)
{
	pr_info("link %u (%s): driver side %s; resetting %u device(s)", l->spec.id, l->spec.driver,
		reason == SV_RPC_RESET_REQUESTED ? "asked for a reset" : "restarted", l->nr_fns);
	for (unsigned int i = 0; i < l->nr_fns; i++)
		dm_fn_reset(&l->fns[i]);
	/* A devmodel restarted from now on must not revive the old devices. */
	dm_link_forget(l);
}

int dm_link_drain(struct dm_link *l)
{
	const struct dm_kmod_ops *ops = l->km->ops;
	int n;

	/* While calls wait, a reply would only queue up behind them. */
	for (n = 0; n < DM_DRAIN_BUDGET && !dm_link_waiting(l); n++) {
		struct sv_ioreq req;
		int ret;

		memset(&req, 0, sizeof(req));
		ret = ops->get_io(l->km->ctx, l->vm, &req);
		if (ret == -EAGAIN)
			break;
		if (ret < 0) {
			pr_err("link %u (%s): taking a request: %s", l->spec.id, l->spec.driver,
			       strerror(-ret));
			l->failed = true;
			return ret;
		}
		if (req.dir == SV_IOREQ_RESET) {
			dm_link_reset(l, req.data);
			continue;
		}
		dm_link_dispatch(l, &req);
		ret = dm_link_call(l, &(struct dm_kcall){ .op = DM_KC_COMPLETE_IO, .u.io = req });
		/* -ESTALE: a reset voided it in between; the driver side knows. */
		if (ret && ret != -ESTALE)
			pr_warn("link %u (%s): completing request %u: %s", l->spec.id,
				l->spec.driver, req.id, strerror(-ret));
	}
	return n;
}
