// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "vmm.h"

int gic_v2_create(struct vm *vm)
{
	struct kvm_create_device dev = { .type = KVM_DEV_TYPE_ARM_VGIC_V2 };
	int ret;

	if (ioctl(vm->vm_fd, KVM_CREATE_DEVICE, &dev) < 0)
		return -errno;
	ret = gic_set_addr((int)dev.fd, KVM_VGIC_V2_ADDR_TYPE_DIST, VMM_GIC_DIST_BASE);
	if (!ret)
		ret = gic_set_addr((int)dev.fd, KVM_VGIC_V2_ADDR_TYPE_CPU, VMM_GIC_CPU_BASE);
	if (ret) {
		close((int)dev.fd);
		return ret;
	}
	vm->gic_fd = (int)dev.fd;
	vm->gic_version = 2;
	return 0;
}
