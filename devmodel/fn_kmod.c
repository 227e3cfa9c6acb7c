// SPDX-License-Identifier: GPL-2.0
/*
 * One served function: a device model hosted through the virtio host glue
 * (<splitvirt/virtio_host.h>), whose platform is splitvirt.ko:
 *   mmio_window -> SV_VM_MMIO_REGION add/remove
 *   ioeventfd   -> SV_VM_IOEVENTFD: the queue's kick eventfd on a KICK
 *                  doorbell index of the link
 *   irqfd       -> SV_VM_IRQFD (MSI, pcidev = function index): the
 *                  vector's call eventfd rings a CALL doorbell index
 *   msi         -> SV_VM_MSI, for a vector without a call doorbell
 *   set_intx    -> SV_VM_SET_IRQ (irq = function index)
 * Doorbell indices are handed out on first use and kept for the life of
 * the link (the driver side's KVM ioeventfds and irqfds are bound to them);
 * a restarted devmodel gets them back from the state file. Every call goes
 * through the link's queue (kcall.c): while the driver side is behind,
 * the glue is told 0 and the call reaches the module later, in order.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <splitvirt/log.h>
#include <splitvirt/rpc.h>

#include "link.h"

static int fn_region(struct dm_fn *fn, uint64_t gpa, uint64_t size, uint32_t flags)
{
	return dm_link_call(
		fn->link,
		&(struct dm_kcall){ .op = DM_KC_MMIO_REGION,
				    .u.region = { .gpa = gpa, .size = size, .flags = flags } });
}

static int fn_mmio_window(void *ctx, int bar, uint64_t gpa, uint64_t size, bool add)
{
	struct dm_fn *fn = ctx;
	struct dm_bar_window *b;
	int ret = 0;

	if (bar < 0 || bar >= PCI_CFG_NR_BARS)
		return -EINVAL;
	b = &fn->bars[bar];
	if (b->registered) {
		ret = fn_region(fn, b->gpa, b->size, SV_RPC_REGION_F_REMOVE);
		b->registered = false;
	}
	if (!add)
		return ret;
	/* Requests that still arrive are served; only forwarding would be missing. */
	ret = fn_region(fn, gpa, size, 0);
	if (ret)
		return ret;
	*b = (struct dm_bar_window){ .gpa = gpa, .size = size, .registered = true };
	return 0;
}

/*
 * Doorbell index *index, or the next free one of the link's pool (next,
 * nr); -ENOSPC, logged once per link and kind, when none is left: that
 * queue's kicks (or vector's interrupts) then go over the RPC.
 */
static int doorbell_get(struct dm_fn *fn, int *index, unsigned int *next, unsigned int nr,
			bool *logged, const char *kind)
{
	if (*index >= 0)
		return 0;
	if (*next >= nr) {
		if (!*logged)
			pr_warn("%s: no %s doorbell left (%u in use); the rest go over the RPC",
				fn->name, kind, nr);
		*logged = true;
		return -ENOSPC;
	}
	*index = (int)(*next)++;
	return 0;
}

static int fn_ioeventfd(void *ctx, uint16_t q, uint64_t gpa, int fd, bool assign)
{
	struct dm_fn *fn = ctx;
	struct dm_link *l = fn->link;
	struct dm_kcall c = {
		.op = DM_KC_IOEVENTFD,
		.u.ioeventfd = {
			.gpa = gpa,
			.len = 2, /* the driver writes the 16-bit queue index */
			.flags = assign ? 0 : SV_IOEVENTFD_F_DEASSIGN,
			.fd = fd,
		},
	};
	int ret;

	if (q >= VIRTIO_HOST_MAX_QUEUES)
		return -EINVAL;
	ret = doorbell_get(fn, &fn->kick_index[q], &l->next_kick, l->nr_kicks,
			   &l->kicks_exhausted_logged, "kick");
	if (ret)
		return ret;
	c.u.ioeventfd.kick = (uint32_t)fn->kick_index[q];
	return dm_link_call(l, &c);
}

static int fn_irqfd(void *ctx, uint16_t v, int fd, uint64_t addr, uint32_t data, bool masked)
{
	struct dm_fn *fn = ctx;
	struct dm_link *l = fn->link;
	struct dm_kcall c = { .op = DM_KC_IRQFD };
	int ret;

	/* A masked vector is held pending in the PBA by the model: nothing to route. */
	if (masked)
		return 0;
	if (v >= VIRTIO_HOST_MAX_VECTORS)
		return -EINVAL;
	ret = doorbell_get(fn, &fn->call_index[v], &l->next_call, l->nr_calls,
			   &l->calls_exhausted_logged, "call");
	if (ret)
		return ret;
	c.u.irqfd = (struct sv_irqfd){
		.fd = fd,
		.call = (uint32_t)fn->call_index[v],
		.flags = SV_IRQFD_F_MSI,
		.pcidev = fn->index,
		.msi_addr = addr,
		.msi_data = data,
	};
	/* Issued on every change: the driver side re-routes the call. */
	return dm_link_call(l, &c);
}

static int fn_msi(void *ctx, uint64_t addr, uint32_t data)
{
	struct dm_fn *fn = ctx;

	return dm_link_call(
		fn->link,
		&(struct dm_kcall){ .op = DM_KC_MSI,
				    .u.msi = { .addr = addr, .data = data, .pcidev = fn->index } });
}

static int fn_set_intx(void *ctx, bool level)
{
	struct dm_fn *fn = ctx;

	struct dm_kcall c = {
		.op = DM_KC_SET_IRQ,
		.u.set_irq = { .irq = fn->index,
			       .level = level ? SV_RPC_IRQ_SET : SV_RPC_IRQ_CLEAR },
	};

	return dm_link_call(fn->link, &c);
}

static const struct virtio_host_platform fn_platform = {
	.mmio_window = fn_mmio_window,
	.ioeventfd = fn_ioeventfd,
	.irqfd = fn_irqfd,
	.msi = fn_msi,
	.set_intx = fn_set_intx,
};

int dm_fn_init(struct dm_fn *fn, struct dm_link *l, unsigned int index, struct virtio_dev *dev)
{
	struct virtio_host_params params = {
		.name = fn->name,
		.loop = &l->loop,
		.platform = &fn_platform,
		.ctx = fn,
	};
	int ret;

	memset(fn, 0, sizeof(*fn));
	fn->link = l;
	fn->index = index;
	snprintf(fn->name, sizeof(fn->name), "%s/%u:%s", l->spec.driver, index, dev->name);
	for (unsigned int q = 0; q < VIRTIO_HOST_MAX_QUEUES; q++)
		fn->kick_index[q] = -1;
	for (unsigned int v = 0; v < VIRTIO_HOST_MAX_VECTORS; v++)
		fn->call_index[v] = -1;
	ret = virtio_host_create(&fn->vh, dev, &params);
	if (ret)
		return ret;
	fn->dev = virtio_host_dev(fn->vh);
	fn->pci = virtio_host_pci(fn->vh);
	return 0;
}

/* Registrations die with the VM handle; only our own fds are closed here. */
void dm_fn_fini(struct dm_fn *fn)
{
	virtio_host_destroy(fn->vh);
	fn->vh = NULL;
	fn->dev = NULL;
	fn->pci = NULL;
}

void dm_fn_reset(struct dm_fn *fn)
{
	virtio_host_reset(fn->vh);
}
