// SPDX-License-Identifier: GPL-2.0
/*
 * struct dm_kmod_ops over the real /dev/splitvirt ioctls: one ioctl per
 * call (restarted on EINTR), -errno passed on. An -EAGAIN from an
 * announcement or COMPLETE_IO (the driver side is behind) is the caller's
 * to retry: sleeping here would stall every link (kcall.c queues it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kmod.h"

struct kmod_ioctl {
	int ctl_fd;
};

static int ctl_fd(void *ctx)
{
	return ((struct kmod_ioctl *)ctx)->ctl_fd;
}

static int do_ioctl(int fd, unsigned long cmd, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, cmd, arg);
	} while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : ret;
}

static int k_nr_links(void *ctx)
{
	return do_ioctl(ctl_fd(ctx), SV_GET_NR_LINKS, NULL);
}

static int k_link_info(void *ctx, uint32_t link_id, struct sv_link_info *info)
{
	*info = (struct sv_link_info){ .link_id = link_id };
	return do_ioctl(ctl_fd(ctx), SV_GET_LINK_INFO, info);
}

static int k_create_vm(void *ctx, uint32_t link_id)
{
	int ret;

	do {
		ret = ioctl(ctl_fd(ctx), SV_CREATE_VM, (unsigned long)link_id);
	} while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : ret;
}

static void k_close_vm(void *ctx, int vm)
{
	(void)ctx;
	close(vm);
}

static int k_get_info(void *ctx, int vm, struct sv_link_info *info)
{
	(void)ctx;
	return do_ioctl(vm, SV_VM_GET_INFO, info);
}

static int k_map_ram(void *ctx, int vm, uint64_t size, void **hva)
{
	void *p;

	(void)ctx;
	if (size == 0 || size > SIZE_MAX)
		return -EINVAL;
	p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, vm, 0);
	if (p == MAP_FAILED)
		return -errno;
	*hva = p;
	return 0;
}

/* The VM handle maps the RAM in any process it is passed to (svk_vm_mmap). */
static int k_ram_fd(void *ctx, int vm)
{
	(void)ctx;
	return vm;
}

static void k_unmap_ram(void *ctx, void *hva, uint64_t size)
{
	(void)ctx;
	munmap(hva, (size_t)size);
}

static int k_get_io(void *ctx, int vm, struct sv_ioreq *req)
{
	(void)ctx;
	return do_ioctl(vm, SV_VM_GET_IO, req);
}

static int k_complete_io(void *ctx, int vm, const struct sv_ioreq *req)
{
	(void)ctx;
	return do_ioctl(vm, SV_VM_COMPLETE_IO, (void *)req);
}

static int k_ioeventfd(void *ctx, int vm, const struct sv_ioeventfd *arg)
{
	(void)ctx;
	return do_ioctl(vm, SV_VM_IOEVENTFD, (void *)arg);
}

static int k_irqfd(void *ctx, int vm, const struct sv_irqfd *arg)
{
	(void)ctx;
	return do_ioctl(vm, SV_VM_IRQFD, (void *)arg);
}

static int k_set_irq(void *ctx, int vm, uint32_t irq, uint32_t level)
{
	struct sv_set_irq a = { .irq = irq, .level = level };

	(void)ctx;
	return do_ioctl(vm, SV_VM_SET_IRQ, &a);
}

static int k_msi(void *ctx, int vm, uint64_t addr, uint32_t data, uint32_t pcidev)
{
	struct sv_msi a = { .addr = addr, .data = data, .pcidev = pcidev };

	(void)ctx;
	return do_ioctl(vm, SV_VM_MSI, &a);
}

static int k_register_pci_dev(void *ctx, int vm, uint32_t index, uint32_t flags)
{
	struct sv_pci_dev a = { .index = index, .flags = flags };

	(void)ctx;
	return do_ioctl(vm, SV_VM_REGISTER_PCI_DEV, &a);
}

static int k_mmio_region(void *ctx, int vm, uint64_t gpa, uint64_t size, uint32_t flags)
{
	struct sv_mmio_region a = { .gpa = gpa, .size = size, .flags = flags };

	(void)ctx;
	return do_ioctl(vm, SV_VM_MMIO_REGION, &a);
}

static int k_start_vm(void *ctx, int vm)
{
	(void)ctx;
	return do_ioctl(vm, SV_VM_START_VM, NULL);
}

static int k_save_state(void *ctx, int vm, const void *buf, uint32_t len)
{
	struct sv_state_io a = { .addr = (uintptr_t)buf, .len = len };

	(void)ctx;
	return do_ioctl(vm, SV_VM_SAVE_STATE, &a);
}

static int k_load_state(void *ctx, int vm, void *buf, uint32_t cap)
{
	struct sv_state_io a = { .addr = (uintptr_t)buf, .len = cap };

	(void)ctx;
	return do_ioctl(vm, SV_VM_LOAD_STATE, &a);
}

static const struct dm_kmod_ops kmod_ioctl_ops = {
	.nr_links = k_nr_links,
	.link_info = k_link_info,
	.create_vm = k_create_vm,
	.close_vm = k_close_vm,
	.get_info = k_get_info,
	.map_ram = k_map_ram,
	.unmap_ram = k_unmap_ram,
	.ram_fd = k_ram_fd,
	.get_io = k_get_io,
	.complete_io = k_complete_io,
	.ioeventfd = k_ioeventfd,
	.irqfd = k_irqfd,
	.set_irq = k_set_irq,
	.msi = k_msi,
	.register_pci_dev = k_register_pci_dev,
	.mmio_region = k_mmio_region,
	.start_vm = k_start_vm,
	.save_state = k_save_state,
	.load_state = k_load_state,
};

int dm_kmod_open(struct dm_kmod *km, const char *path)
{
	struct kmod_ioctl *k = calloc(1, sizeof(*k));

	if (!k)
		return -ENOMEM;
	k->ctl_fd = open(path, O_RDWR | O_CLOEXEC);
	if (k->ctl_fd < 0) {
		int ret = -errno;

		free(k);
		return ret;
	}
	km->ops = &kmod_ioctl_ops;
	km->ctx = k;
	return 0;
}

void dm_kmod_close(struct dm_kmod *km)
{
	struct kmod_ioctl *k = km->ctx;

	if (!k)
		return;
	close(k->ctl_fd);
	free(k);
	km->ctx = NULL;
}
