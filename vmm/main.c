// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <splitvirt/event_loop.h>
#include <splitvirt/log.h>
#include <splitvirt/trace.h>
#include <splitvirt/sandbox.h>
#include <splitvirt/size.h>

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
	struct pci_host *pci; /* bridge 0: our own functions */
	struct pci_host *link_pci[SV_VM_MAX_LINKS]; /* bridge 1 + k: link k's functions */
	struct guest_ram dma_windows[SV_VM_MAX_LINKS]; /* link k's, if it has one */
	struct sv_loop loop;
	bool loop_ready;
	struct vmm_devices devices;
	struct dataport *dataports[SV_VM_MAX_LINKS];
	struct io_proxy *proxies[SV_VM_MAX_LINKS];
	struct vfio_container vfio;
	struct passthrough *passthrough[VMM_MAX_PASSTHROUGH];
};

/*
 * KVM memory slots: 0 our RAM, then 3 per served link, then the
 * passthrough BARs, then the DMA windows of our links.
 */
#define VMM_PASSTHROUGH_MEMSLOT_BASE 32
#define VMM_DMA_WINDOW_MEMSLOT_BASE \
	(VMM_PASSTHROUGH_MEMSLOT_BASE + VMM_MAX_PASSTHROUGH * PASSTHROUGH_MEMSLOTS)

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

/*
 * Link k's DMA window, the only memory of ours its device VM sees: mapped
 * where the supervisor placed it, above our RAM, as a memory slot of its
 * own. The device tree makes it link k's bridge's restricted-dma-pool.
 */
_Static_assert(SV_GUEST_DMA_WINDOW_BASE >= SV_GUEST_RAM_BASE + SV_GUEST_MAX_MEM &&
		       SV_GUEST_DMA_WINDOW_BASE < VMM_PCI_MMIO64_BASE,
	       "DMA windows sit between the largest guest RAM and the PCI 64-bit window");

static int vmm_map_dma_window(struct vmm *v, unsigned int k, const struct sv_link_args *link)
{
	struct guest_ram *w = &v->dma_windows[k];
	int fd, ret;

	if (!link->dma_size)
		return 0;
	/* The windows' range lies above the largest RAM, below PCI: no overlap with either. */
	if (!sv_range_inside(link->dma_gpa, link->dma_size, SV_GUEST_DMA_WINDOW_BASE,
			     VMM_PCI_MMIO64_BASE - SV_GUEST_DMA_WINDOW_BASE)) {
		pr_err("link %u: DMA window 0x%llx+0x%llx is not between 0x%llx (above any RAM) and 0x%llx",
		       link->id, (unsigned long long)link->dma_gpa,
		       (unsigned long long)link->dma_size,
		       (unsigned long long)SV_GUEST_DMA_WINDOW_BASE,
		       (unsigned long long)VMM_PCI_MMIO64_BASE);
		return -EINVAL;
	}
	/* io_proxy owns the link's fds; the window keeps its own. */
	fd = fcntl(link->dma_fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return -errno;
	ret = guest_ram_from_fd(w, fd, link->dma_gpa, link->dma_size);
	if (ret) {
		close(fd);
		pr_err("link %u: mapping its DMA window: %s", link->id, strerror(-ret));
		return ret;
	}
	ret = vm_add_ram_slot(v->vm, VMM_DMA_WINDOW_MEMSLOT_BASE + k, w->gpa, w->size, w->host);
	if (ret) {
		pr_err("link %u: KVM memory slot of its DMA window: %s", link->id, strerror(-ret));
		return ret;
	}
	pr_info("link %u (%s): DMA window of %llu MiB at 0x%llx, the only memory it sees", link->id,
		link->peer, (unsigned long long)(w->size >> 20), (unsigned long long)w->gpa);
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
		ret = pci_host_create(v->vm, 1 + i, &v->link_pci[i]);
		if (ret) {
			pr_err("link %u: its PCIe host bridge: %s", args->links[i].id,
			       strerror(-ret));
			return ret;
		}
		ret = vmm_map_dma_window(v, i, &args->links[i]);
		ret = ret   ?:
			      io_proxy_create(v->vm, v->link_pci[i], &v->loop, &args->links[i],
					      &v->proxies[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/* Each bridge as the device tree describes it, with the DMA window of its link. */
static void vmm_describe_pci(const struct vmm *v, const struct vmm_args *args, struct boot_pci *pci)
{
	const struct pci_host *hosts[VMM_PCI_MAX_BRIDGES] = { v->pci };

	for (unsigned int i = 0; i < args->nlinks; i++)
		hosts[1 + i] = v->link_pci[i];
	pci->nr = 1 + args->nlinks;
	for (unsigned int b = 0; b < pci->nr; b++) {
		const struct pci_host_layout *l = pci_host_layout(hosts[b]);
		const struct guest_ram *w = b ? &v->dma_windows[b - 1] : NULL;

		pci->bridges[b] = (struct guest_fdt_pci){
			.domain = l->index,
			.ecam_base = l->ecam_base,
			.ecam_size = l->ecam_size,
			.mmio32_base = l->mmio32_base,
			.mmio32_size = l->mmio32_size,
			.mmio64_base = l->mmio64_base,
			.mmio64_size = l->mmio64_size,
			.intx_spi_base = l->intx_spi_base,
			.msi_devid_base = l->devid_base,
			.dma_base = w && w->host ? w->gpa : 0,
			.dma_size = w && w->host ? w->size : 0,
		};
	}
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
		ret = pci_host_create(vm, 0, &v->pci);
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
	struct boot_pci pci;
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
	vmm_describe_pci(v, args, &pci);
	ret = boot_load(vm, args, &pci, &layout);
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
	for (unsigned int i = 0; i < SV_VM_MAX_LINKS; i++)
		v.dma_windows[i].memfd = -1;
	vfio_container_init(&v.vfio);
	ret = args.trace_records ? sv_trace_enable(args.trace_records) : 0;
	if (ret)
		pr_err("--trace %u: %s", args.trace_records, strerror(-ret));
	/* The calibration line now: stdio sets stdout up before the sandbox forbids that. */
	sv_trace_dump(stdout, SV_TRACE_TAG);
	ret = ret ?: vmm_setup(&v, &args);
	if (ret == 0)
		status = vcpus_run(vm);
	/*
	 * Stopped by a signal: die of it as before, whoever waits for us sees
	 * that. A guest that never wrote a byte never reached its init: the
	 * system tests tell that apart (board/scenarios/system-tests.sh).
	 */
	if (vcpus_stop_signal()) {
		pr_info("the guest wrote %lu bytes to its console", pl011_tx_bytes());
		signal(vcpus_stop_signal(), SIG_DFL);
		raise(vcpus_stop_signal());
	}
	/* The I/O thread goes first: it may still be running device queues. */
	if (v.loop_ready)
		sv_loop_fini(&v.loop);
	for (unsigned int i = 0; i < SV_VM_MAX_LINKS; i++) {
		io_proxy_destroy(v.proxies[i]);
		dataport_destroy(v.dataports[i]);
		pci_host_destroy(v.link_pci[i]);
		guest_ram_destroy(&v.dma_windows[i]);
	}
	devices_destroy(&v.devices);
	/* Every thread that records is gone; the guest's own output is over. */
	sv_trace_dump(stdout, SV_TRACE_TAG);
	sv_trace_disable();
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
