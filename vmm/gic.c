// SPDX-License-Identifier: GPL-2.0
/*
 * Picks the in-kernel vGIC model. A GICv3 host without GICv2 compatibility
 * can only offer a vGICv3 and a GICv2 host (GIC-400, as on a Raspberry Pi 4)
 * only a vGICv2, so "auto" tries v3 first and falls back to v2.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

#include <splitvirt/log.h>

#include "vmm.h"

int gic_set_addr(int fd, uint64_t type, uint64_t addr)
{
	struct kvm_device_attr attr = {
		.group = KVM_DEV_ARM_VGIC_GRP_ADDR,
		.attr = type,
		.addr = (uint64_t)(uintptr_t)&addr,
	};

	return ioctl(fd, KVM_SET_DEVICE_ATTR, &attr) < 0 ? -errno : 0;
}

int gic_create(struct vm *vm, enum vmm_gic_choice choice)
{
	int ret;

	switch (choice) {
	case VMM_GIC_V3:
		ret = gic_v3_create(vm);
		if (ret)
			pr_err("cannot create a GICv3 (%s); this host's KVM may only offer GICv2: try --gic v2 or --gic auto",
			       strerror(-ret));
		return ret;
	case VMM_GIC_V2:
		ret = gic_v2_create(vm);
		if (ret)
			pr_err("cannot create a GICv2 (%s); a GICv3 host without GICv2 compatibility cannot emulate one: try --gic v3 or --gic auto",
			       strerror(-ret));
		return ret;
	case VMM_GIC_AUTO:
	default:
		ret = gic_v3_create(vm);
		if (ret == 0)
			return 0;
		ret = gic_v2_create(vm);
		if (ret)
			pr_err("this host's KVM offers neither a GICv3 nor a GICv2 (%s)",
			       strerror(-ret));
		return ret;
	}
}

int gic_finalize(struct vm *vm)
{
	struct kvm_device_attr attr = {
		.group = KVM_DEV_ARM_VGIC_GRP_CTRL,
		.attr = KVM_DEV_ARM_VGIC_CTRL_INIT,
	};
	uint32_t nr_irqs = VMM_GIC_NR_IRQS;
	struct kvm_device_attr nr = {
		.group = KVM_DEV_ARM_VGIC_GRP_NR_IRQS,
		.addr = (uint64_t)(uintptr_t)&nr_irqs,
	};

	if (ioctl(vm->gic_fd, KVM_SET_DEVICE_ATTR, &nr) < 0) {
		pr_err("vGIC: setting %u interrupts: %s", nr_irqs, strerror(errno));
		return -errno;
	}
	if (ioctl(vm->gic_fd, KVM_SET_DEVICE_ATTR, &attr) < 0) {
		pr_err("vGIC: init: %s", strerror(errno));
		return -errno;
	}
	return 0;
}
