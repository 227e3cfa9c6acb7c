// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio_pci host ops of one function, turned into kmod calls:
 *   bar_changed    -> SV_VM_MMIO_REGION add/remove
 *   notify_changed -> SV_VM_IOEVENTFD on the queue's kick eventfd
 *   msix_changed   -> SV_VM_IRQFD (MSI, pcidev = function index)
 *   signal_msix    -> write the vector's call eventfd (the module's irqfd
 *                     rings CALL[i]); SV_VM_MSI if it has no call index
 *   set_intx       -> SV_VM_SET_IRQ (irq = function index)
 * They run with the device lock held, so they never call the library.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <linux/pci_regs.h>

#include <splitvirt/log.h>
#include <splitvirt/rpc.h>

#include "link.h"

#define VIRTIO_PCI_COMMON_STATUS 0x14

static const struct dm_kmod_ops *kops(const struct dm_fn *fn)
{
	return fn->link->km->ops;
}

static void *kctx(const struct dm_fn *fn)
{
	return fn->link->km->ctx;
}

/* ---- BAR windows --------------------------------------------------------- */

static void fn_bar_changed(void *opaque, int bar, uint64_t gpa, uint64_t size, bool mapped)
{
	struct dm_fn *fn = opaque;
	struct dm_link *l = fn->link;
	struct dm_bar_window *b;
	int ret;

	if (bar < 0 || bar >= DM_NR_BARS)
		return;
	b = &fn->bars[bar];
	if (b->registered) {
		ret = kops(fn)->mmio_region(kctx(fn), l->vm, b->gpa, b->size,
					    SV_RPC_REGION_F_REMOVE);
		if (ret)
			pr_warn("%s: BAR%d: removing window 0x%llx: %s", fn->name, bar,
				(unsigned long long)b->gpa, strerror(-ret));
		b->registered = false;
	}
	if (!mapped)
		return;
	b->gpa = gpa;
	b->size = size;
	ret = kops(fn)->mmio_region(kctx(fn), l->vm, gpa, size, 0);
	if (ret) {
		/* Requests that still arrive are served; only forwarding is missing. */
		pr_warn("%s: BAR%d at 0x%llx (+0x%llx): cannot forward: %s", fn->name, bar,
			(unsigned long long)gpa, (unsigned long long)size, strerror(-ret));
		return;
	}
	b->registered = true;
	pr_debug("%s: BAR%d at 0x%llx", fn->name, bar, (unsigned long long)gpa);
}

/* ---- kicks --------------------------------------------------------------- */

static void kick_ready(struct dm_watch *w, uint32_t events)
{
	struct dm_kick *k = dm_container_of(w, struct dm_kick, w);
	struct dm_fn *fn = k->fn;
	uint64_t cnt;
	int ret;

	(void)events;
	if (read(k->fd, &cnt, sizeof(cnt)) != sizeof(cnt))
		return;
	ret = virtio_dev_handle_queue(fn->dev, k->q);
	if (ret < 0)
		pr_debug("%s: queue %u: %s", fn->name, k->q, strerror(-ret));
	/* New guest buffers may unblock a backend we stopped polling. */
	dm_fn_backend_watch(fn, true);
}

/*
 * The kick index and eventfd of queue q, allocated on first use; false if
 * none left. A restored link arrives with the index its predecessor had
 * (the driver side's KVM ioeventfd is bound to it) and only needs the fd.
 */
static bool kick_get(struct dm_fn *fn, struct dm_kick *k)
{
	struct dm_link *l = fn->link;
	int ret;

	if (k->fd >= 0)
		return true;
	if (k->index < 0 && l->next_kick >= l->nr_kicks) {
		if (!l->kicks_exhausted_logged)
			pr_warn("%s: no kick doorbell left (%u in use); queue %u kicks go over the RPC",
				fn->name, l->nr_kicks, k->q);
		l->kicks_exhausted_logged = true;
		return false;
	}
	k->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (k->fd < 0) {
		pr_err("%s: queue %u: eventfd: %s", fn->name, k->q, strerror(errno));
		return false;
	}
	ret = dm_loop_add(l->loop, &k->w, k->fd, kick_ready);
	if (ret) {
		pr_err("%s: queue %u: epoll: %s", fn->name, k->q, strerror(-ret));
		close(k->fd);
		k->fd = -1;
		return false;
	}
	if (k->index < 0)
		k->index = (int)l->next_kick++;
	return true;
}

static int kick_bind(struct dm_fn *fn, struct dm_kick *k, bool assign)
{
	struct sv_ioeventfd a = {
		.gpa = k->gpa,
		.len = 2, /* the driver writes the 16-bit queue index */
		.flags = assign ? 0 : SV_IOEVENTFD_F_DEASSIGN,
		.fd = k->fd,
		.kick = (uint32_t)k->index,
	};

	return kops(fn)->ioeventfd(kctx(fn), fn->link->vm, &a);
}

static void fn_notify_changed(void *opaque, uint16_t q, uint64_t gpa, bool active)
{
	struct dm_fn *fn = opaque;
	struct dm_kick *k;
	int ret;

	if (q >= DM_MAX_QUEUES)
		return;
	k = &fn->kicks[q];
	if (k->bound) {
		ret = kick_bind(fn, k, false);
		if (ret)
			pr_warn("%s: queue %u: unbinding kick %d: %s", fn->name, q, k->index,
				strerror(-ret));
		k->bound = false;
	}
	if (!active || !kick_get(fn, k))
		return;
	k->gpa = gpa;
	ret = kick_bind(fn, k, true);
	if (ret) {
		/* Still works: the write then arrives as an MMIO request. */
		pr_warn("%s: queue %u: no ioeventfd at 0x%llx (%s); kicks go over the RPC",
			fn->name, q, (unsigned long long)gpa, strerror(-ret));
		return;
	}
	k->bound = true;
	pr_debug("%s: queue %u kick %d at 0x%llx", fn->name, q, k->index, (unsigned long long)gpa);
}

/* ---- interrupts ------------------------------------------------------------ */

/* Like kick_get, for the call (CALL doorbell) of MSI-X vector v. */
static bool call_get(struct dm_fn *fn, uint16_t v)
{
	struct dm_link *l = fn->link;
	struct dm_call *c = &fn->calls[v];

	if (c->fd >= 0)
		return true;
	if (c->index < 0 && l->next_call >= l->nr_calls) {
		if (!l->calls_exhausted_logged)
			pr_warn("%s: no call doorbell left (%u in use); vector %u goes over the RPC",
				fn->name, l->nr_calls, v);
		l->calls_exhausted_logged = true;
		return false;
	}
	c->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->fd < 0) {
		pr_err("%s: vector %u: eventfd: %s", fn->name, v, strerror(errno));
		return false;
	}
	if (c->index < 0)
		c->index = (int)l->next_call++;
	return true;
}

static void fn_msix_changed(void *opaque, uint16_t v, uint64_t addr, uint32_t data, bool masked)
{
	struct dm_fn *fn = opaque;
	struct sv_irqfd a;
	int ret;

	/* A masked vector is held pending in the PBA by the model: nothing to route. */
	if (v >= fn->nvectors || masked || !call_get(fn, v))
		return;
	a = (struct sv_irqfd){
		.fd = fn->calls[v].fd,
		.call = (uint32_t)fn->calls[v].index,
		.flags = SV_IRQFD_F_MSI,
		.pcidev = fn->index,
		.msi_addr = addr,
		.msi_data = data,
	};
	/* Issued on every change: the driver side re-routes the call. */
	ret = kops(fn)->irqfd(kctx(fn), fn->link->vm, &a);
	if (ret)
		pr_warn("%s: vector %u: routing call %d: %s", fn->name, v, fn->calls[v].index,
			strerror(-ret));
}

static void fn_signal_msix(void *opaque, uint16_t v, uint64_t addr, uint32_t data)
{
	struct dm_fn *fn = opaque;
	uint64_t one = 1;
	int ret = 0;

	if (v < fn->nvectors && fn->calls[v].fd >= 0) {
		if (write(fn->calls[v].fd, &one, sizeof(one)) != sizeof(one))
			ret = -errno;
	} else {
		/* No call doorbell for it: the slow path through the RPC. */
		ret = kops(fn)->msi(kctx(fn), fn->link->vm, addr, data, fn->index);
	}
	if (ret && (fn->signal_errors++ < 10 || fn->signal_errors % 1000 == 0))
		pr_warn("%s: vector %u: %s (%lu so far)", fn->name, v, strerror(-ret),
			fn->signal_errors);
}

static void fn_set_intx(void *opaque, bool level)
{
	struct dm_fn *fn = opaque;
	int ret = kops(fn)->set_irq(kctx(fn), fn->link->vm, fn->index,
				    level ? SV_RPC_IRQ_SET : SV_RPC_IRQ_CLEAR);

	if (ret)
		pr_debug("%s: INTx %d: %s", fn->name, level, strerror(-ret));
}

const struct virtio_pci_host_ops dm_fn_host_ops = {
	.signal_msix = fn_signal_msix,
	.set_intx = fn_set_intx,
	.msix_changed = fn_msix_changed,
	.notify_changed = fn_notify_changed,
	.bar_changed = fn_bar_changed,
};

/* ---- backend polling --------------------------------------------------------- */

static void backend_ready(struct dm_watch *w, uint32_t events)
{
	struct dm_fn *fn = dm_container_of(w, struct dm_fn, backend);
	int ret = virtio_dev_handle_backend(fn->dev);

	(void)events;
	if (ret < 0)
		pr_debug("%s: backend: %s", fn->name, strerror(-ret));
	/*
	 * 0: blocked on guest buffers; an error: the device needs a reset.
	 * Either way only a kick can change that, and it re-arms us.
	 */
	if (ret <= 0) {
		dm_fn_backend_watch(fn, false);
		return;
	}
	dm_fn_backend_watch(fn, true); /* follows a changed fd (console socket accept) */
}

void dm_fn_backend_watch(struct dm_fn *fn, bool on)
{
	int fd = virtio_dev_backend_fd(fn->dev);
	int ret;

	if (!on) {
		dm_loop_del(fn->link->loop, &fn->backend);
		return;
	}
	if (fn->backend.added && fn->backend.fd == fd)
		return;
	dm_loop_del(fn->link->loop, &fn->backend);
	if (fd < 0)
		return;
	ret = dm_loop_add(fn->link->loop, &fn->backend, fd, backend_ready);
	if (ret)
		pr_warn("%s: polling backend fd %d: %s", fn->name, fd, strerror(-ret));
}

/* ---- life cycle ---------------------------------------------------------------- */

int dm_fn_init(struct dm_fn *fn, struct dm_link *l, unsigned int index, struct virtio_dev *dev)
{
	struct virtio_pci_params params = { 0 };
	int ret;

	memset(fn, 0, sizeof(*fn));
	fn->link = l;
	fn->index = index;
	fn->dev = dev;
	fn->backend.fd = -1;
	snprintf(fn->name, sizeof(fn->name), "%s/%u:%s", l->spec.driver, index, dev->name);
	for (unsigned int q = 0; q < DM_MAX_QUEUES; q++)
		fn->kicks[q] =
			(struct dm_kick){ .fn = fn, .q = (uint16_t)q, .index = -1, .fd = -1 };
	for (unsigned int v = 0; v < DM_MAX_VECTORS; v++)
		fn->calls[v] = (struct dm_call){ .index = -1, .fd = -1 };
	if (dev->num_queues > DM_MAX_QUEUES) {
		ret = -EINVAL;
		goto fail;
	}
	fn->nvectors = (uint16_t)(dev->num_queues + 1);
	params.msix_vectors = fn->nvectors;
	ret = virtio_pci_create(&fn->pci, dev, &params, &dm_fn_host_ops, fn);
	if (ret)
		goto fail;
	dm_fn_backend_watch(fn, true);
	return 0;
fail:
	virtio_dev_destroy(dev);
	fn->dev = NULL;
	return ret;
}

/* Registrations die with the VM handle; only our own fds are closed here. */
void dm_fn_fini(struct dm_fn *fn)
{
	if (!fn->dev)
		return;
	dm_loop_del(fn->link->loop, &fn->backend);
	for (unsigned int q = 0; q < DM_MAX_QUEUES; q++) {
		dm_loop_del(fn->link->loop, &fn->kicks[q].w);
		if (fn->kicks[q].fd >= 0)
			close(fn->kicks[q].fd);
	}
	for (unsigned int v = 0; v < DM_MAX_VECTORS; v++) {
		if (fn->calls[v].fd >= 0)
			close(fn->calls[v].fd);
	}
	virtio_pci_destroy(fn->pci);
	virtio_dev_destroy(fn->dev);
	fn->pci = NULL;
	fn->dev = NULL;
}

void dm_fn_reset(struct dm_fn *fn)
{
	/* Virtio reset first: queues stop and their ioeventfds go. */
	virtio_pci_bar_write(fn->pci, VIRTIO_PCI_BAR_REGS, VIRTIO_PCI_COMMON_STATUS, 1, 0);
	/* Then PCI: decoding off removes the BAR windows, MSI-X off, BARs cleared. */
	virtio_pci_cfg_write(fn->pci, PCI_COMMAND, 2, 0);
	virtio_pci_cfg_write(fn->pci, VIRTIO_PCI_CAP_MSIX_AT + PCI_MSIX_FLAGS, 2, 0);
	for (int i = 0; i < DM_NR_BARS; i++)
		virtio_pci_cfg_write(fn->pci, PCI_BASE_ADDRESS_0 + 4 * i, 4, 0);
}
