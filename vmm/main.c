// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <splitvirt/log.h>

#include "vmm.h"

static int vmm_setup(struct vm *vm, const struct vmm_args *args)
{
	struct boot_layout layout;
	int ret;

	ret = vm_open(vm);
	if (ret)
		return ret;
	ret = guest_ram_create(&vm->ram, VMM_RAM_BASE, args->mem_size);
	if (ret) {
		pr_err("allocating %llu MiB of guest RAM: %s",
		       (unsigned long long)(args->mem_size >> 20), strerror(-ret));
		return ret;
	}
	pr_info("guest RAM: %llu MiB at 0x%llx, %s", (unsigned long long)(args->mem_size >> 20),
		(unsigned long long)VMM_RAM_BASE, vm->ram.backing);
	ret = vm_add_ram_slot(vm, 0, vm->ram.gpa, vm->ram.size, vm->ram.host);
	if (ret) {
		pr_err("KVM_SET_USER_MEMORY_REGION: %s", strerror(-ret));
		return ret;
	}
	ret = gic_create(vm, args->gic);
	if (ret)
		return ret;
	ret = vcpus_create(vm, args->cpus);
	if (ret)
		return ret;
	ret = gic_finalize(vm);
	if (ret)
		return ret;
	pr_info("%u vCPU%s, GICv%d", vm->ncpus, vm->ncpus > 1 ? "s" : "", vm->gic_version);
	ret = pl011_create(vm, VMM_UART_BASE, VMM_UART_SPI);
	if (!ret)
		ret = exit_status_create(vm, VMM_EXIT_BASE);
	if (ret) {
		pr_err("registering devices: %s", strerror(-ret));
		return ret;
	}
	return boot_load(vm, args, &layout);
}

int main(int argc, char *argv[])
{
	struct vmm_args args;
	struct vm *vm;
	char err[256];
	int ret, status = 1;

	sv_log_set_prefix("vmm");
	sv_log_init_from_env();
	if (vmm_args_parse(argc, argv, &args, err, sizeof(err))) {
		pr_err("%s", err);
		return 2;
	}
	if (args.help) {
		vmm_args_usage(stdout, argv[0]);
		return 0;
	}
	sv_log_set_level(args.log_level);
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return 1;
	vm->kvm_fd = vm->vm_fd = vm->gic_fd = -1;
	ret = vmm_setup(vm, &args);
	if (ret == 0)
		status = vcpus_run(vm);
	pl011_destroy();
	vcpus_destroy(vm);
	guest_ram_destroy(&vm->ram);
	vm_close(vm);
	free(vm);
	return status;
}
