// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <splitvirt/log.h>
#include <splitvirt/pci_cfg.h>
#include <splitvirt/virtio_dev.h>
#include <splitvirt/virtio_host.h>

#include "local_fn.h"
#include "msi.h"
#include "pci.h"
#include "vmm.h"

struct lf_bar {
	struct local_fn *lf;
	int bar;
	uint64_t gpa;
	bool mapped;
};

struct local_fn {
	struct vm *vm;
	struct pci_host *pci;
	struct virtio_host *vh;
	int slot;
	struct lf_bar bars[PCI_CFG_NR_BARS];
	int gsi[VIRTIO_HOST_MAX_VECTORS];
	bool irqfd_bound[VIRTIO_HOST_MAX_VECTORS];
};

/* ---- trapped accesses (vCPU threads) --------------------------------------- */

static uint32_t lf_cfg_read(void *opaque, uint32_t off, uint32_t size)
{
	struct local_fn *lf = opaque;
	uint32_t v = 0xffffffff;

	virtio_host_cfg_access(lf->vh, off, size, &v, false);
	return v;
}

static void lf_cfg_write(void *opaque, uint32_t off, uint32_t size, uint32_t val)
{
	struct local_fn *lf = opaque;

	virtio_host_cfg_access(lf->vh, off, size, &val, true);
}

static const struct pci_function_ops lf_pci_ops = {
	.cfg_read = lf_cfg_read,
	.cfg_write = lf_cfg_write,
};

static void lf_bar_mmio(void *opaque, uint64_t off, uint8_t *data, unsigned int len, bool is_write)
{
	struct lf_bar *b = opaque;
	uint64_t v = 0;

	if (is_write)
		memcpy(&v, data, len < 8 ? len : 8);
	virtio_host_bar_access(b->lf->vh, b->bar, off, len, &v, is_write);
	if (!is_write)
		memcpy(data, &v, len < 8 ? len : 8);
}

/* ---- the glue's platform: KVM (device lock held) ----------------------------- */

static int lf_mmio_window(void *ctx, int bar, uint64_t gpa, uint64_t size, bool add)
{
	struct local_fn *lf = ctx;
	struct lf_bar *b;
	int ret;

	if (bar < 0 || bar >= PCI_CFG_NR_BARS)
		return -EINVAL;
	b = &lf->bars[bar];
	if (b->mapped) {
		mmio_bus_remove(&lf->vm->bus, b->gpa);
		b->mapped = false;
	}
	if (!add)
		return 0;
	ret = mmio_bus_add(&lf->vm->bus, gpa, size, lf_bar_mmio, b, virtio_host_name(lf->vh));
	if (ret)
		return ret;
	b->gpa = gpa;
	b->mapped = true;
	return 0;
}

static int lf_ioeventfd(void *ctx, uint16_t q, uint64_t gpa, int fd, bool assign)
{
	struct local_fn *lf = ctx;

	(void)q;
	/* The driver writes the 16-bit queue index; any value kicks. */
	return vm_ioeventfd(lf->vm, gpa, 2, fd, NULL, assign);
}

static int lf_irqfd(void *ctx, uint16_t v, int fd, uint64_t addr, uint32_t data, bool masked)
{
	struct local_fn *lf = ctx;
	/* bus 0, function 0: the requester id the ITS sees */
	struct msi_msg msg = { .addr = addr,
			       .data = data,
			       .devid = pci_host_devid(lf->pci, (unsigned int)lf->slot) };
	int ret;

	if (v >= VIRTIO_HOST_MAX_VECTORS || lf->gsi[v] < 0)
		return -EINVAL;
	if (!lf->irqfd_bound[v]) {
		ret = msi_irqfd_bind(lf->vm, lf->gsi[v], fd);
		if (ret)
			return ret;
		lf->irqfd_bound[v] = true;
	}
	return msi_route_set(lf->vm, lf->gsi[v], &msg, !masked);
}

static int lf_set_intx(void *ctx, bool level)
{
	struct local_fn *lf = ctx;

	vm_set_spi(lf->vm, pci_host_intx_spi(lf->pci, (unsigned int)lf->slot, 1), level);
	return 0;
}

static const struct virtio_host_platform lf_platform = {
	.mmio_window = lf_mmio_window,
	.ioeventfd = lf_ioeventfd,
	.irqfd = lf_irqfd,
	.set_intx = lf_set_intx,
};

/* ---- setup --------------------------------------------------------------------- */

void local_fn_destroy(struct local_fn *lf)
{
	if (!lf)
		return;
	pci_host_remove_function(lf->pci, lf->slot);
	/* Unbinds kicks and routes and removes the windows while the VM is alive. */
	if (lf->vh)
		virtio_host_reset(lf->vh);
	virtio_host_destroy(lf->vh);
	free(lf);
}

int local_fn_add(struct vm *vm, struct pci_host *pci, struct sv_loop *loop, struct virtio_dev *dev,
		 struct local_fn **out)
{
	struct local_fn *lf = calloc(1, sizeof(*lf));
	struct virtio_host_params params = {
		.loop = loop,
		.platform = &lf_platform,
	};
	char name[32];
	int ret;

	if (!lf) {
		virtio_dev_destroy(dev);
		return -ENOMEM;
	}
	lf->vm = vm;
	lf->pci = pci;
	lf->slot = -1;
	for (int b = 0; b < PCI_CFG_NR_BARS; b++)
		lf->bars[b] = (struct lf_bar){ .lf = lf, .bar = b };
	/* GSIs now: routes are allocated at setup, before vCPUs run. */
	for (unsigned int v = 0; v < VIRTIO_HOST_MAX_VECTORS; v++)
		lf->gsi[v] = -1;
	for (unsigned int v = 0; v < dev->num_queues + 1u && v < VIRTIO_HOST_MAX_VECTORS; v++) {
		lf->gsi[v] = msi_route_alloc(vm);
		if (lf->gsi[v] < 0) {
			ret = lf->gsi[v];
			virtio_dev_destroy(dev);
			goto fail;
		}
	}
	ret = pci_host_add_function(pci, &lf_pci_ops, lf, dev->name);
	if (ret < 0) {
		virtio_dev_destroy(dev);
		goto fail;
	}
	/* No vCPU runs yet: nothing reaches the slot before the glue exists. */
	lf->slot = ret;
	snprintf(name, sizeof(name), "%s@%02x", dev->name, lf->slot);
	params.name = name;
	params.ctx = lf;
	ret = virtio_host_create(&lf->vh, dev, &params);
	if (ret)
		goto fail;
	*out = lf;
	return 0;
fail:
	local_fn_destroy(lf);
	return ret;
}
