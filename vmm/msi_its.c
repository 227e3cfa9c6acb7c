// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include <splitvirt/log.h>

#include "msi_internal.h"
#include "vmm.h"

#define GITS_TRANSLATER 0x10040

int msi_its_create(struct vm *vm)
{
	struct kvm_create_device dev = { .type = KVM_DEV_TYPE_ARM_VGIC_ITS };
	int ret;

	if (ioctl(vm->vm_fd, KVM_CREATE_DEVICE, &dev) < 0) {
		ret = -errno;
		pr_err("creating the in-kernel GICv3 ITS: %s", strerror(errno));
		return ret;
	}
	ret = gic_set_addr((int)dev.fd, KVM_VGIC_ITS_ADDR_TYPE, VMM_ITS_BASE);
	if (ret) {
		pr_err("placing the ITS at 0x%llx: %s", (unsigned long long)VMM_ITS_BASE,
		       strerror(-ret));
		close((int)dev.fd);
		return ret;
	}
	vm->msi_fd = (int)dev.fd;
	return 0;
}

int msi_its_finalize(struct vm *vm)
{
	struct kvm_device_attr attr = {
		.group = KVM_DEV_ARM_VGIC_GRP_CTRL,
		.attr = KVM_DEV_ARM_VGIC_CTRL_INIT,
	};

	if (ioctl(vm->msi_fd, KVM_SET_DEVICE_ATTR, &attr) < 0) {
		pr_err("ITS init: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

bool msi_its_valid(const struct msi_msg *m)
{
	return m->addr == VMM_ITS_BASE + GITS_TRANSLATER;
}

void msi_its_route(const struct msi_msg *m, struct kvm_irq_routing_entry *e)
{
	e->type = KVM_IRQ_ROUTING_MSI;
	e->flags = KVM_MSI_VALID_DEVID;
	e->u.msi.address_lo = (uint32_t)m->addr;
	e->u.msi.address_hi = (uint32_t)(m->addr >> 32);
	e->u.msi.data = m->data;
	e->u.msi.devid = m->devid;
}

int msi_its_signal(struct vm *vm, const struct msi_msg *m)
{
	struct kvm_msi msi = {
		.address_lo = (uint32_t)m->addr,
		.address_hi = (uint32_t)(m->addr >> 32),
		.data = m->data,
		.flags = KVM_MSI_VALID_DEVID,
		.devid = m->devid,
	};

	/* 0 means the guest has not mapped the event yet: dropped, like hardware. */
	return ioctl(vm->vm_fd, KVM_SIGNAL_MSI, &msi) < 0 ? -errno : 0;
}
