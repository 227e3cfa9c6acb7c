/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One VM on KVM/arm64: the objects every vmm component sees.
 * Guest physical memory map (QEMU-virt-like, so guests need no quirks):
 *
 *   0x0800_0000  GIC distributor (64K)
 *   0x0801_0000  GICv2 CPU interface (8K)        [GICv2 only]
 *   0x080a_0000  GICv3 redistributors (128K/vCPU) [GICv3 only]
 *   0x0802_0000  GICv2m MSI frame (4K), SPIs 64-127 [GICv2 only]
 *   0x0808_0000  GICv3 ITS (128K)                [GICv3 only]
 *   0x0900_0000  PL011 UART (4K), SPI 1
 *   0x0901_0000  exit-status register (4K)
 *   0x1000_0000  PCI 32-bit memory windows: bridge 0 (256M), then 32M per link bridge
 *   0x3000_0000  PCI ECAM, 1M (bus 0) per bridge; INTx of bridge b on SPIs 4+4b..7+4b
 *   0x4000_0000  RAM
 *   0x4_4000_0000  DMA windows, 1G apart (SV_GUEST_DMA_WINDOW_BASE, above the largest RAM)
 *   0x80_0000_0000  PCI 64-bit prefetchable windows: bridge 0 (64G), then 4G per link bridge
 *
 * PCIe host bridges (pci.h): bridge 0 holds the VM's own devices (local
 * virtio functions, dataports, passthrough), bridge 1 + k the functions
 * of its k-th link (--link), each with its own ECAM, windows, INTx lines,
 * ITS DeviceIDs and PCI domain.
 */
#ifndef VMM_VMM_H
#define VMM_VMM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <splitvirt/guest_fdt.h>

#include "args.h"
#include "mmio_bus.h"

#define VMM_GIC_DIST_BASE 0x08000000ull
#define VMM_GIC_DIST_SIZE 0x10000ull
#define VMM_GIC_CPU_BASE 0x08010000ull
#define VMM_GIC_CPU_SIZE 0x2000ull
#define VMM_GIC_REDIST_BASE 0x080a0000ull
#define VMM_GIC_REDIST_STRIDE 0x20000ull
#define VMM_UART_BASE 0x09000000ull
#define VMM_UART_SPI 1
#define VMM_EXIT_BASE 0x09010000ull
#define VMM_GIC_NR_IRQS 256
#define VMM_ITS_BASE 0x08080000ull
#define VMM_ITS_SIZE 0x20000ull
#define VMM_V2M_BASE 0x08020000ull
#define VMM_V2M_SIZE 0x1000ull
#define VMM_V2M_SPI_BASE 64
#define VMM_V2M_SPI_COUNT 64
#define VMM_PCI_MAX_BRIDGES (1 + SV_VM_MAX_LINKS)
#define VMM_PCI_MMIO32_BASE 0x10000000ull
#define VMM_PCI_MMIO32_SIZE 0x10000000ull /* bridge 0 */
#define VMM_PCI_LINK_MMIO32_BASE 0x20000000ull
#define VMM_PCI_LINK_MMIO32_SIZE 0x2000000ull /* per link bridge */
#define VMM_PCI_ECAM_BASE 0x30000000ull
#define VMM_PCI_ECAM_SIZE 0x100000ull /* per bridge: bus 0 only */
#define VMM_PCI_MMIO64_BASE 0x8000000000ull
#define VMM_PCI_MMIO64_SIZE 0x1000000000ull /* bridge 0 */
#define VMM_PCI_LINK_MMIO64_BASE 0x9000000000ull
#define VMM_PCI_LINK_MMIO64_SIZE 0x100000000ull /* per link bridge */
#define VMM_PCI_INTX_SPI_BASE 4 /* bridge 0; 4 more per bridge */

struct guest_ram {
	int memfd;
	void *host;
	uint64_t gpa;
	uint64_t size;
	const char *backing; /* human-readable: what pages back it */
};

struct vcpu {
	struct vm *vm;
	unsigned int id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	uint64_t mpidr;
	unsigned long exits; /* KVM_RUN returns: tells a busy guest from one asleep */
};

struct vm {
	int kvm_fd;
	int vm_fd;
	size_t run_size;
	unsigned int ncpus;
	struct vcpu vcpus[SV_GUEST_MAX_CPUS];
	struct guest_ram ram;
	struct mmio_bus bus;
	int gic_fd;
	int gic_version; /* 2 or 3 */
	int msi_fd; /* ITS device, -1 with GICv2m */
	struct msi_routes *msi_routes;
	/* Set once by the first vCPU that sees SYSTEM_OFF/RESET or a fatal error. */
	atomic_bool stopping;
	atomic_int exit_status;
	int reboot_fd; /* --reboot-fd, or -1: a guest reset stops the VM */
};

/* kvm_vm.c */
int vm_open(struct vm *vm);
void vm_close(struct vm *vm);
int vm_add_ram_slot(struct vm *vm, unsigned int slot, uint64_t gpa, uint64_t size, void *host);
void vm_request_stop(struct vm *vm, int status);
/* Tells whoever started us that the guest asked for a reset (--reboot-fd); -ENOTSUP without one. */
int vm_request_reboot(struct vm *vm);

/*
 * kvm_irq.c: the KVM calls behind interrupts and doorbells, in one file so
 * that native tests can link a recording fake (tests/unit/vmm/fake_kvm.c).
 * All return 0 or -errno.
 */
struct kvm_irq_routing;
/* Raises or lowers a level-triggered SPI (number is SPI, INTID - 32). */
int vm_set_spi(struct vm *vm, unsigned int spi, int level);
/* Replaces KVM's whole GSI routing table. */
int vm_set_gsi_routing(struct vm *vm, const struct kvm_irq_routing *table);
/* Binds (assign) or unbinds eventfd fd to gsi: a write to fd raises the GSI. */
int vm_irqfd(struct vm *vm, int gsi, int fd, bool assign);
/*
 * A level-triggered irqfd: a write to fd asserts gsi's line until the guest
 * ends the interrupt (EOI), which deasserts it and signals resample_fd.
 */
int vm_irqfd_resample(struct vm *vm, int gsi, int fd, int resample_fd, bool assign);
/*
 * Guest writes of len bytes at gpa (only those of value *datamatch unless
 * datamatch is NULL) signal eventfd fd instead of exiting to a vCPU thread.
 */
int vm_ioeventfd(struct vm *vm, uint64_t gpa, uint32_t len, int fd, const uint64_t *datamatch,
		 bool assign);
/* Injects one MSI through the ITS; devid is the PCI requester id. */
int vm_signal_msi(struct vm *vm, uint64_t addr, uint32_t data, uint32_t devid);
/* Creates the in-kernel ITS with its frame at base; returns its device fd. */
int vm_its_create(struct vm *vm, uint64_t base);
/* Initializes the ITS in vm->msi_fd (after the vGIC is initialized). */
int vm_its_init(struct vm *vm);

/* guest_ram.c */
int guest_ram_create(struct guest_ram *ram, uint64_t gpa, uint64_t size);
int guest_ram_from_fd(struct guest_ram *ram, int fd, uint64_t gpa, uint64_t size);
void guest_ram_destroy(struct guest_ram *ram);
void *guest_ram_ptr(struct guest_ram *ram, uint64_t gpa, uint64_t len);

/* gic.c, gic_v2.c, gic_v3.c */
int gic_create(struct vm *vm, enum vmm_gic_choice choice);
int gic_finalize(struct vm *vm);
int gic_set_addr(int fd, uint64_t type, uint64_t addr);
int gic_v2_create(struct vm *vm);
int gic_v3_create(struct vm *vm);

/* vcpu.c */
int vcpus_create(struct vm *vm, unsigned int n);
int vcpu_set_boot_regs(struct vcpu *vcpu, uint64_t pc, uint64_t x0);
int vcpus_run(struct vm *vm);
/*
 * The signal (SIGTERM, SIGINT) that stopped vcpus_run, or 0. Each vCPU has
 * logged where it was: a guest that never got anywhere can be told apart
 * from one waiting for an interrupt. The caller re-raises it.
 */
int vcpus_stop_signal(void);
void vcpus_destroy(struct vm *vm);

/* boot_arm64.c */
struct boot_layout {
	uint64_t kernel_gpa, kernel_size;
	uint64_t initrd_gpa, initrd_size;
	uint64_t dtb_gpa;
};
/* The PCIe host bridges the device tree describes. */
struct boot_pci {
	struct guest_fdt_pci bridges[VMM_PCI_MAX_BRIDGES];
	unsigned int nr;
};
int boot_load(struct vm *vm, const struct vmm_args *args, const struct boot_pci *pci,
	      struct boot_layout *layout);

/* pl011.c, exit_status.c */
int pl011_create(struct vm *vm, uint64_t base, unsigned int spi, bool read_stdin);
void pl011_destroy(void);
/* Bytes the guest has written to the console so far. */
unsigned long pl011_tx_bytes(void);
int exit_status_create(struct vm *vm, uint64_t base);

#endif
