// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <splitvirt/event_loop.h>
#include <splitvirt/log.h>
#include <splitvirt/sandbox.h>

#include "dataport.h"
#include "devices.h"
#include "io_proxy.h"
#include "msi.h"
#include "passthrough.h"
#include "pci.h"
#include "vfio.h"
#include "vmm.h"

struct vmm {
	struct vm *vm;
	struct pci_host *pci;
	struct sv_loop loop;
	bool loop_ready;
	struct vmm_devices devices;
	struct dataport *dataports[SV_VM_MAX_LINKS];
	struct io_proxy *proxies[SV_VM_MAX_LINKS];
	struct vfio_container vfio;
	struct passthrough *passthrough[VMM_MAX_PASSTHROUGH];
};

/* KVM memory slots: 0 our RAM, then 3 per served link, then the passthrough BARs. */
#define VMM_PASSTHROUGH_MEMSLOT_BASE 32

static int vmm_setup_passthrough(struct vmm *v, const struct vmm_args *args)
{
	for (unsigned int i = 0; i < args->npassthrough; i++) {
		int ret =
			passthrough_create(v->vm, v->pci, &v->vfio, args->passthrough[i],
					   VMM_PASSTHROUGH_MEMSLOT_BASE + i * PASSTHROUGH_MEMSLOTS,
					   &v->passthrough[i]);

		if (ret)
			return ret;
	}
	return 0;
}

static int vmm_setup_links(struct vmm *v, const struct vmm_args *args)
{
	int ret;

	/* KVM memory slot 0 is our RAM; each served link takes two more. */
	for (unsigned int i = 0; i < args->nserves; i++) {
		ret = dataport_create(v->vm, v->pci, &args->serves[i], 1 + 3 * i, &v->dataports[i]);
		if (ret)
			return ret;
	}
	for (unsigned int i = 0; i < args->nlinks; i++) {
		ret = io_proxy_create(v->vm, v->pci, &v->loop, &args->links[i], &v->proxies[i]);
		if (ret)
			return ret;
	}
	return 0;
}

static int vmm_setup_devices(struct vmm *v, const struct vmm_args *args)
{
	struct vm *vm = v->vm;
	int ret;

	/* With a virtio console, input belongs to hvc0. */
	ret = pl011_create(vm, VMM_UART_BASE, VMM_UART_SPI, !vmm_args_has(args, SV_DEV_CONSOLE));
	if (!ret)
		ret = exit_status_create(vm, VMM_EXIT_BASE);
	if (!ret)
		ret = pci_host_create(vm, &v->pci);
	if (!ret)
		ret = sv_loop_init(&v->loop);
	v->loop_ready = !ret;
	if (ret) {
		pr_err("registering devices: %s", strerror(-ret));
		return ret;
	}
	v->devices.vm = vm;
	v->devices.pci = v->pci;
	v->devices.loop = &v->loop;
	gmem_init(&v->devices.gmem);
	ret = gmem_add_region(&v->devices.gmem, vm->ram.gpa, vm->ram.size, vm->ram.host);
	if (ret)
		return ret;
	ret = devices_create(&v->devices, args);
	if (ret)
		return ret;
	ret = vmm_setup_passthrough(v, args);
	if (ret)
		return ret;
	return vmm_setup_links(v, args);
}

static int vmm_setup(struct vmm *v, const struct vmm_args *args)
{
	struct vm *vm = v->vm;
	struct boot_layout layout;
	int ret;

	ret = vm_open(vm);
	if (ret)
		return ret;
	if (args->ram_fd >= 0)
		ret = guest_ram_from_fd(&vm->ram, args->ram_fd, SV_GUEST_RAM_BASE, args->mem_size);
	else
		ret = guest_ram_create(&vm->ram, SV_GUEST_RAM_BASE, args->mem_size);
	if (ret) {
		pr_err("allocating %llu MiB of guest RAM: %s",
		       (unsigned long long)(args->mem_size >> 20), strerror(-ret));
		return ret;
	}
	pr_info("guest RAM: %llu MiB at 0x%llx, %s", (unsigned long long)(args->mem_size >> 20),
		(unsigned long long)SV_GUEST_RAM_BASE, vm->ram.backing);
	ret = vm_add_ram_slot(vm, 0, vm->ram.gpa, vm->ram.size, vm->ram.host);
	if (ret) {
		pr_err("KVM_SET_USER_MEMORY_REGION: %s", strerror(-ret));
		return ret;
	}
	ret = gic_create(vm, args->gic);
	if (ret)
		return ret;
	ret = msi_create(vm);
	if (ret)
		return ret;
	ret = vcpus_create(vm, args->cpus);
	if (ret)
		return ret;
	ret = gic_finalize(vm);
	if (!ret)
		ret = msi_finalize(vm);
	if (ret)
		return ret;
	pr_info("%u vCPU%s, GICv%d, MSI through %s", vm->ncpus, vm->ncpus > 1 ? "s" : "",
		vm->gic_version, vm->gic_version == 3 ? "ITS" : "GICv2m");
	ret = vmm_setup_devices(v, args);
	if (ret)
		return ret;
	ret = boot_load(vm, args, &layout);
	if (ret)
		return ret;
	/*
	 * Everything is open and mapped: from here on, only the fds we hold.
	 * Before the first thread, which then inherits the filter.
	 */
	ret = sv_sandbox_apply_env(SV_SANDBOX_VMM);
	if (ret)
		return ret;
	sv_sandbox_selftest(args->name);
	ret = sv_loop_start(&v->loop);
	if (ret) {
		pr_err("starting the I/O thread: %s", strerror(-ret));
		return ret;
	}
	/* Driver VMs boot only once every device VM they use is ready. */
	for (unsigned int i = 0; i < args->nlinks; i++) {
		ret = io_proxy_wait_started(v->proxies[i], args->start_timeout);
		if (ret)
			return ret;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	struct vmm_args args;
	struct vmm v = { 0 };
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
	if (args.name) {
		static char prefix[48];

		snprintf(prefix, sizeof(prefix), "vmm[%s]", args.name);
		sv_log_set_prefix(prefix);
	}
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return 1;
	vm->kvm_fd = vm->vm_fd = vm->gic_fd = -1;
	vm->reboot_fd = args.reboot_fd;
	v.vm = vm;
	vfio_container_init(&v.vfio);
	ret = vmm_setup(&v, &args);
	if (ret == 0)
		status = vcpus_run(vm);
	/* The I/O thread goes first: it may still be running device queues. */
	if (v.loop_ready)
		sv_loop_fini(&v.loop);
	for (unsigned int i = 0; i < SV_VM_MAX_LINKS; i++) {
		io_proxy_destroy(v.proxies[i]);
		dataport_destroy(v.dataports[i]);
	}
	devices_destroy(&v.devices);
	for (unsigned int i = 0; i < VMM_MAX_PASSTHROUGH; i++)
		passthrough_destroy(v.passthrough[i]);
	vfio_container_close(&v.vfio);
	pci_host_destroy(v.pci);
	pl011_destroy();
	vcpus_destroy(vm);
	msi_destroy(vm);
	guest_ram_destroy(&vm->ram);
	vm_close(vm);
	free(vm);
	return status;
}
