// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include <splitvirt/log.h>
#include <splitvirt/virtio_dev.h>
#include <splitvirt/virtio_pci.h>

#include "io_loop.h"
#include "msi.h"
#include "pci.h"
#include "virtio_host.h"
#include "vmm.h"

#define VH_MAX_QUEUES 16
#define VH_MAX_VECTORS (VH_MAX_QUEUES + 1)
#define VH_NR_BARS 6

struct vh_kick {
	struct virtio_host *vh;
	uint16_t qidx;
	int fd;
	uint64_t gpa;
	bool bound;
};

struct virtio_host {
	struct vm *vm;
	struct virtio_dev *dev;
	struct virtio_pci *fn;
	struct io_loop *loop;
	int slot;
	char name[32];
	uint16_t nvectors;
	struct vh_kick kick[VH_MAX_QUEUES];
	int vec_fd[VH_MAX_VECTORS];
	int vec_gsi[VH_MAX_VECTORS];
	bool vec_routed[VH_MAX_VECTORS];
	uint64_t bar_gpa[VH_NR_BARS];
	bool bar_mapped[VH_NR_BARS];
	bool backend_polling;
	unsigned long stray_accesses;
};

static uint32_t vh_requester_id(const struct virtio_host *vh)
{
	return (uint32_t)vh->slot << 3; /* bus 0, function 0 */
}

/* ---- config space and BARs (trapped, vCPU threads) ---------------------- */

static uint32_t vh_cfg_read(void *opaque, uint32_t off, uint32_t size)
{
	struct virtio_host *vh = opaque;
	uint32_t v = 0xffffffff;

	virtio_pci_cfg_read(vh->fn, off, size, &v);
	return v;
}

static void vh_cfg_write(void *opaque, uint32_t off, uint32_t size, uint32_t val)
{
	struct virtio_host *vh = opaque;

	virtio_pci_cfg_write(vh->fn, off, size, val);
}

static const struct pci_function_ops vh_pci_ops = {
	.cfg_read = vh_cfg_read,
	.cfg_write = vh_cfg_write,
};

struct vh_bar_window {
	struct virtio_host *vh;
	int bar;
};

static struct vh_bar_window bar_windows[PCI_MAX_SLOTS][VH_NR_BARS];

/*
 * Whether a BAR access hits a register of the layout in virtio_pci.h. The
 * model ignores the others safely; we only use this to log them, since a
 * driver that touches them is broken or hostile.
 */
static bool vh_bar_access_known(const struct virtio_host *vh, int bar, uint64_t off,
				unsigned int len, bool is_write)
{
	uint64_t end = off + len;

	if (bar == VIRTIO_PCI_BAR_MSIX)
		return end <= VIRTIO_PCI_MSIX_TABLE_OFF + 16ull * vh->nvectors ||
		       (off >= VIRTIO_PCI_MSIX_PBA_OFF && !is_write &&
			end <= VIRTIO_PCI_MSIX_PBA_OFF + 8ull * ((vh->nvectors + 63) / 64));
	if (bar != VIRTIO_PCI_BAR_REGS)
		return false;
	if (end <= VIRTIO_PCI_COMMON_LEN)
		return true;
	if (off == VIRTIO_PCI_ISR_OFF)
		return !is_write;
	if (off >= VIRTIO_PCI_DEVCFG_OFF && off < VIRTIO_PCI_NOTIFY_OFF)
		return end - VIRTIO_PCI_DEVCFG_OFF <= vh->dev->config_size;
	if (off >= VIRTIO_PCI_NOTIFY_OFF)
		return (off - VIRTIO_PCI_NOTIFY_OFF) / VIRTIO_PCI_NOTIFY_MULT < vh->dev->num_queues;
	return false;
}

static void vh_log_stray(struct virtio_host *vh, int bar, uint64_t off, unsigned int len,
			 bool is_write, const char *why)
{
	/* A guest can do this in a loop: log the first ones, then every 1000th. */
	unsigned long n = __atomic_add_fetch(&vh->stray_accesses, 1, __ATOMIC_RELAXED);

	if (n <= 10 || n % 1000 == 0)
		pr_warn("%s: %u-byte %s at BAR%d+0x%llx rejected (%s; %lu so far)", vh->name, len,
			is_write ? "write" : "read", bar, (unsigned long long)off, why, n);
}

static void vh_bar_mmio(void *opaque, uint64_t off, uint8_t *data, unsigned int len, bool is_write)
{
	struct vh_bar_window *w = opaque;
	uint64_t v = 0;
	int ret;

	if (!vh_bar_access_known(w->vh, w->bar, off, len, is_write))
		vh_log_stray(w->vh, w->bar, off, len, is_write, "no register there");
	if (is_write) {
		memcpy(&v, data, len < 8 ? len : 8);
		ret = virtio_pci_bar_write(w->vh->fn, w->bar, off, len, v);
	} else {
		ret = virtio_pci_bar_read(w->vh->fn, w->bar, off, len, &v);
		memcpy(data, &v, len < 8 ? len : 8);
	}
	if (ret)
		vh_log_stray(w->vh, w->bar, off, len, is_write, strerror(-ret));
}

/* ---- host ops called by the function model (device lock held) ----------- */

static void vh_bar_changed(void *opaque, int bar, uint64_t gpa, uint64_t size, bool mapped)
{
	struct virtio_host *vh = opaque;
	struct vh_bar_window *w = &bar_windows[vh->slot][bar];
	int ret;

	if (bar < 0 || bar >= VH_NR_BARS)
		return;
	if (vh->bar_mapped[bar]) {
		mmio_bus_remove(&vh->vm->bus, vh->bar_gpa[bar]);
		vh->bar_mapped[bar] = false;
	}
	if (!mapped)
		return;
	w->vh = vh;
	w->bar = bar;
	ret = mmio_bus_add(&vh->vm->bus, gpa, size, vh_bar_mmio, w, vh->name);
	if (ret) {
		/* A guest that places a BAR over RAM or another device only hurts itself. */
		pr_warn("%s: BAR%d at 0x%llx (+0x%llx) overlaps another region; not mapped",
			vh->name, bar, (unsigned long long)gpa, (unsigned long long)size);
		return;
	}
	vh->bar_gpa[bar] = gpa;
	vh->bar_mapped[bar] = true;
	pr_debug("%s: BAR%d at 0x%llx", vh->name, bar, (unsigned long long)gpa);
}

static int vh_ioeventfd(struct virtio_host *vh, struct vh_kick *k, bool assign)
{
	struct kvm_ioeventfd ioev = {
		.addr = k->gpa,
		.len = 2, /* the driver writes the 16-bit queue index */
		.fd = k->fd,
		.flags = assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN,
	};

	return ioctl(vh->vm->vm_fd, KVM_IOEVENTFD, &ioev) < 0 ? -errno : 0;
}

static void vh_notify_changed(void *opaque, uint16_t qidx, uint64_t gpa, bool active)
{
	struct virtio_host *vh = opaque;
	struct vh_kick *k;
	int ret;

	if (qidx >= VH_MAX_QUEUES)
		return;
	k = &vh->kick[qidx];
	if (k->bound) {
		vh_ioeventfd(vh, k, false);
		k->bound = false;
	}
	if (!active)
		return;
	k->gpa = gpa;
	ret = vh_ioeventfd(vh, k, true);
	if (ret) {
		/* Still works, through the trapped BAR write path. */
		pr_warn("%s: queue %u: no ioeventfd at 0x%llx (%s); kicks will trap", vh->name,
			qidx, (unsigned long long)gpa, strerror(-ret));
		return;
	}
	k->bound = true;
}

static void vh_msix_changed(void *opaque, uint16_t vector, uint64_t addr, uint32_t data,
			    bool masked)
{
	struct virtio_host *vh = opaque;
	struct msi_msg msg = { .addr = addr, .data = data, .devid = vh_requester_id(vh) };
	int ret;

	if (vector >= vh->nvectors)
		return;
	ret = msi_route_set(vh->vm, vh->vec_gsi[vector], &msg, !masked);
	vh->vec_routed[vector] = !masked && ret == 0;
	if (ret == -EINVAL)
		pr_warn("%s: MSI-X vector %u programmed with address 0x%llx data 0x%x, which is not this VM's MSI doorbell; its interrupts are dropped",
			vh->name, vector, (unsigned long long)addr, data);
	else if (ret)
		pr_err("%s: routing MSI-X vector %u: %s", vh->name, vector, strerror(-ret));
}

static void vh_signal_msix(void *opaque, uint16_t vector, uint64_t addr, uint32_t data)
{
	struct virtio_host *vh = opaque;
	uint64_t one = 1;

	(void)addr;
	(void)data;
	if (vector >= vh->nvectors || !vh->vec_routed[vector]) {
		pr_debug("%s: interrupt on unrouted vector %u dropped", vh->name, vector);
		return;
	}
	if (write(vh->vec_fd[vector], &one, sizeof(one)) != sizeof(one))
		pr_warn("%s: raising vector %u: %s", vh->name, vector, strerror(errno));
}

static void vh_set_intx(void *opaque, bool level)
{
	struct virtio_host *vh = opaque;

	vm_set_spi(vh->vm, pci_intx_spi((unsigned int)vh->slot, 1), level);
}

static const struct virtio_pci_host_ops vh_host_ops = {
	.signal_msix = vh_signal_msix,
	.set_intx = vh_set_intx,
	.msix_changed = vh_msix_changed,
	.notify_changed = vh_notify_changed,
	.bar_changed = vh_bar_changed,
};

/* ---- I/O thread ---------------------------------------------------------- */

static void vh_backend_watch(struct virtio_host *vh, bool on)
{
	int fd = virtio_dev_backend_fd(vh->dev);

	if (fd < 0 || vh->backend_polling == on)
		return;
	if (io_loop_modify(vh->loop, fd, on ? EPOLLIN : 0) == 0)
		vh->backend_polling = on;
}

static void vh_kick_ready(void *opaque, uint32_t events)
{
	struct vh_kick *k = opaque;
	uint64_t n;
	int ret;

	(void)events;
	if (read(k->fd, &n, sizeof(n)) != sizeof(n))
		return;
	ret = virtio_dev_handle_queue(k->vh->dev, k->qidx);
	pr_debug("%s: queue %u kicked (%d)", k->vh->name, k->qidx, ret);
	if (ret < 0)
		pr_warn("%s: queue %u: %s (device needs reset)", k->vh->name, k->qidx,
			strerror(-ret));
	/* New guest buffers may unblock a backend we stopped polling. */
	vh_backend_watch(k->vh, true);
}

static void vh_backend_ready(void *opaque, uint32_t events)
{
	struct virtio_host *vh = opaque;
	int ret;

	(void)events;
	ret = virtio_dev_handle_backend(vh->dev);
	pr_debug("%s: backend ready (%d)", vh->name, ret);
	if (ret == 0)
		vh_backend_watch(vh, false);
	else if (ret < 0)
		pr_warn("%s: backend: %s", vh->name, strerror(-ret));
}

/* ---- setup --------------------------------------------------------------- */

void virtio_host_destroy(struct virtio_host *vh)
{
	if (!vh)
		return;
	for (unsigned int q = 0; q < VH_MAX_QUEUES; q++) {
		if (vh->kick[q].bound)
			vh_ioeventfd(vh, &vh->kick[q], false);
		if (vh->kick[q].fd >= 0)
			close(vh->kick[q].fd);
	}
	for (unsigned int v = 0; v < VH_MAX_VECTORS; v++) {
		if (vh->vec_fd[v] >= 0) {
			if (vh->vec_gsi[v] >= 0)
				msi_irqfd_unbind(vh->vm, vh->vec_gsi[v], vh->vec_fd[v]);
			close(vh->vec_fd[v]);
		}
	}
	if (vh->fn)
		virtio_pci_destroy(vh->fn);
	if (vh->dev)
		virtio_dev_destroy(vh->dev);
	free(vh);
}

static int vh_setup_fds(struct virtio_host *vh)
{
	int ret;

	for (unsigned int q = 0; q < vh->dev->num_queues; q++) {
		vh->kick[q].fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vh->kick[q].fd < 0)
			return -errno;
		ret = io_loop_add(vh->loop, vh->kick[q].fd, EPOLLIN, vh_kick_ready, &vh->kick[q]);
		if (ret)
			return ret;
	}
	for (unsigned int v = 0; v < vh->nvectors; v++) {
		vh->vec_fd[v] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vh->vec_fd[v] < 0)
			return -errno;
		vh->vec_gsi[v] = msi_route_alloc(vh->vm);
		if (vh->vec_gsi[v] < 0)
			return vh->vec_gsi[v];
		ret = msi_irqfd_bind(vh->vm, vh->vec_gsi[v], vh->vec_fd[v]);
		if (ret)
			return ret;
	}
	if (virtio_dev_backend_fd(vh->dev) >= 0) {
		ret = io_loop_add(vh->loop, virtio_dev_backend_fd(vh->dev), EPOLLIN,
				  vh_backend_ready, vh);
		if (ret)
			return ret;
		vh->backend_polling = true;
	}
	return 0;
}

int virtio_host_add(struct vm *vm, struct pci_host *pci, struct io_loop *loop,
		    struct virtio_dev *dev, struct virtio_host **out)
{
	struct virtio_host *vh = calloc(1, sizeof(*vh));
	struct virtio_pci_params params = { 0 };
	int ret;

	if (!vh) {
		virtio_dev_destroy(dev);
		return -ENOMEM;
	}
	vh->vm = vm;
	vh->dev = dev;
	vh->loop = loop;
	vh->slot = -1;
	for (unsigned int q = 0; q < VH_MAX_QUEUES; q++) {
		vh->kick[q].fd = -1;
		vh->kick[q].vh = vh;
		vh->kick[q].qidx = (uint16_t)q;
	}
	for (unsigned int v = 0; v < VH_MAX_VECTORS; v++) {
		vh->vec_fd[v] = -1;
		vh->vec_gsi[v] = -1;
	}
	if (dev->num_queues > VH_MAX_QUEUES) {
		ret = -EINVAL;
		goto fail;
	}
	vh->nvectors = dev->num_queues + 1;
	params.msix_vectors = vh->nvectors;
	ret = vh_setup_fds(vh);
	if (ret)
		goto fail;
	ret = virtio_pci_create(&vh->fn, dev, &params, &vh_host_ops, vh);
	if (ret)
		goto fail;
	ret = pci_host_add_function(pci, &vh_pci_ops, vh, dev->name);
	if (ret < 0)
		goto fail;
	vh->slot = ret;
	snprintf(vh->name, sizeof(vh->name), "%s@%02x", dev->name, vh->slot);
	*out = vh;
	return 0;
fail:
	virtio_host_destroy(vh);
	return ret;
}
