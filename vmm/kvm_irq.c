// SPDX-License-Identifier: GPL-2.0
/*
 * Every KVM call behind the VM's interrupts and doorbells: SPI lines, the
 * GSI routing table, irqfds, ioeventfds, injected MSIs and the in-kernel
 * ITS. The runtime that decides what to route (msi*.c, io_proxy.c,
 * pci_host.c) builds natively; only this file needs a KVM, and native tests
 * link a recording fake of it (tests/unit/vmm/fake_kvm.c) instead.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "vmm.h"

int vm_set_spi(struct vm *vm, unsigned int spi, int level)
{
	struct kvm_irq_level irq = {
		.irq = (KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT) | (spi + 32),
		.level = level,
	};

	if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &irq) < 0)
		return -errno;
	return 0;
}

int vm_set_gsi_routing(struct vm *vm, const struct kvm_irq_routing *table)
{
	return ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, table) < 0 ? -errno : 0;
}

int vm_irqfd(struct vm *vm, int gsi, int fd, bool assign)
{
	struct kvm_irqfd irqfd = {
		.fd = (uint32_t)fd,
		.gsi = (uint32_t)gsi,
		.flags = assign ? 0 : KVM_IRQFD_FLAG_DEASSIGN,
	};

	return ioctl(vm->vm_fd, KVM_IRQFD, &irqfd) < 0 ? -errno : 0;
}

int vm_irqfd_resample(struct vm *vm, int gsi, int fd, int resample_fd, bool assign)
{
	struct kvm_irqfd irqfd = {
		.fd = (uint32_t)fd,
		.gsi = (uint32_t)gsi,
		.flags = assign ? KVM_IRQFD_FLAG_RESAMPLE : KVM_IRQFD_FLAG_DEASSIGN,
		.resamplefd = assign ? (uint32_t)resample_fd : 0,
	};

	return ioctl(vm->vm_fd, KVM_IRQFD, &irqfd) < 0 ? -errno : 0;
}

int vm_ioeventfd(struct vm *vm, uint64_t gpa, uint32_t len, int fd, const uint64_t *datamatch,
		 bool assign)
{
	struct kvm_ioeventfd ioev = {
		.addr = gpa,
		.len = len,
		.fd = fd,
		.datamatch = datamatch ? *datamatch : 0,
		.flags = (datamatch ? KVM_IOEVENTFD_FLAG_DATAMATCH : 0) |
			 (assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN),
	};

	return ioctl(vm->vm_fd, KVM_IOEVENTFD, &ioev) < 0 ? -errno : 0;
}

int vm_signal_msi(struct vm *vm, uint64_t addr, uint32_t data, uint32_t devid)
{
	struct kvm_msi msi = {
		.address_lo = (uint32_t)addr,
		.address_hi = (uint32_t)(addr >> 32),
		.data = data,
		.flags = KVM_MSI_VALID_DEVID,
		.devid = devid,
	};

	/* 0 means the guest has not mapped the event yet: dropped, like hardware. */
	return ioctl(vm->vm_fd, KVM_SIGNAL_MSI, &msi) < 0 ? -errno : 0;
}

int vm_its_create(struct vm *vm, uint64_t base)
{
	struct kvm_create_device dev = { .type = KVM_DEV_TYPE_ARM_VGIC_ITS };
	int ret;

	if (ioctl(vm->vm_fd, KVM_CREATE_DEVICE, &dev) < 0)
		return -errno;
	ret = gic_set_addr((int)dev.fd, KVM_VGIC_ITS_ADDR_TYPE, base);
	if (ret) {
		close((int)dev.fd);
		return ret;
	}
	return (int)dev.fd;
}

int vm_its_init(struct vm *vm)
{
	struct kvm_device_attr attr = {
		.group = KVM_DEV_ARM_VGIC_GRP_CTRL,
		.attr = KVM_DEV_ARM_VGIC_CTRL_INIT,
	};

	return ioctl(vm->msi_fd, KVM_SET_DEVICE_ATTR, &attr) < 0 ? -errno : 0;
}
