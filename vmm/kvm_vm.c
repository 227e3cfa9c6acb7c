// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include <splitvirt/log.h>

#include "vmm.h"

int vm_open(struct vm *vm)
{
	int ret;

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		ret = -errno;
		if (ret == -ENOENT)
			pr_err("/dev/kvm does not exist: this kernel has no KVM, or it did not start at EL2. "
			       "Run on an arm64 host booted at EL2 (in QEMU: -M virt,virtualization=on)");
		else
			pr_err("cannot open /dev/kvm: %s (run as root or join the kvm group)",
			       strerror(errno));
		return ret;
	}
	ret = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (ret != KVM_API_VERSION) {
		pr_err("KVM API version %d, expected %d", ret, KVM_API_VERSION);
		return -ENOTSUP;
	}
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		ret = -errno;
		pr_err("KVM_CREATE_VM: %s", strerror(errno));
		return ret;
	}
	ret = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (ret <= 0) {
		pr_err("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		return -errno;
	}
	vm->run_size = (size_t)ret;
	vm->gic_fd = -1;
	atomic_init(&vm->stopping, false);
	atomic_init(&vm->exit_status, 0);
	mmio_bus_init(&vm->bus);
	return 0;
}

void vm_close(struct vm *vm)
{
	if (vm->gic_fd >= 0)
		close(vm->gic_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	mmio_bus_destroy(&vm->bus);
}

int vm_add_ram_slot(struct vm *vm, unsigned int slot, uint64_t gpa, uint64_t size, void *host)
{
	struct kvm_userspace_memory_region region = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)host,
	};

	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return -errno;
	return 0;
}

int vm_request_reboot(struct vm *vm)
{
	uint64_t one = 1;

	if (vm->reboot_fd < 0)
		return -ENOTSUP;
	return write(vm->reboot_fd, &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
}

void vm_request_stop(struct vm *vm, int status)
{
	bool expected = false;

	if (atomic_compare_exchange_strong(&vm->stopping, &expected, true))
		atomic_store(&vm->exit_status, status);
}
