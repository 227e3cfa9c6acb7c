/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest device tree builder (libfdt). The vmm describes the machine it
 * emulates in a guest_fdt_desc; the builder turns it into a blob. Later
 * devices (PCIe host, GICv2m frame) add their nodes with the same helpers
 * through guest_fdt_open()/guest_fdt_finish().
 */
#ifndef SPLITVIRT_GUEST_FDT_H
#define SPLITVIRT_GUEST_FDT_H

#include <stddef.h>
#include <stdint.h>

#define GUEST_FDT_MAX_CPUS 64
#define GUEST_FDT_PHANDLE_GIC 1
#define GUEST_FDT_PHANDLE_CLK 2
#define GUEST_FDT_PHANDLE_MSI 3
/* The DMA window of PCI domain d (a restricted-dma-pool) has phandle BASE + d. */
#define GUEST_FDT_PHANDLE_DMA_BASE 16
#define GUEST_FDT_MAX_PCI 16

enum guest_msi_kind {
	GUEST_MSI_NONE = 0,
	GUEST_MSI_ITS, /* GICv3 ITS (in-kernel) */
	GUEST_MSI_V2M, /* GICv2m frame (emulated by the vmm) */
};

/* The MSI controller every PCIe host bridge sends its MSIs to. */
struct guest_fdt_msi {
	enum guest_msi_kind kind;
	uint64_t base, size; /* ITS or GICv2m frame */
	uint32_t v2m_spi_base, v2m_spi_count;
};

/*
 * A pci-host-ecam-generic bridge with its own PCI domain. With a DMA
 * window, every function behind it bounces its DMA through that memory (a
 * restricted-dma-pool, which the guest's kernel must support): it is
 * described as memory of its own, reserved, and the bridge's memory-region.
 */
struct guest_fdt_pci {
	unsigned int domain; /* linux,pci-domain; unique, < GUEST_FDT_MAX_PCI */
	uint64_t ecam_base, ecam_size;
	uint64_t mmio32_base, mmio32_size; /* non-prefetchable, below 4 GiB */
	uint64_t mmio64_base, mmio64_size; /* 64-bit prefetchable */
	uint32_t intx_spi_base; /* INTA..INTD of slot 0 are SPIs base..base+3, swizzled */
	uint32_t msi_devid_base; /* ITS: DeviceID = this + requester id */
	uint64_t dma_base, dma_size; /* DMA window; dma_size 0: none */
};

enum guest_gic_version {
	GUEST_GIC_V2 = 2,
	GUEST_GIC_V3 = 3,
};

struct guest_fdt_desc {
	uint64_t mem_base;
	uint64_t mem_size;
	unsigned int ncpus;
	uint64_t mpidr[GUEST_FDT_MAX_CPUS]; /* affinity bits of each vCPU */

	enum guest_gic_version gic;
	uint64_t gic_dist_base, gic_dist_size;
	uint64_t gic_redist_base, gic_redist_size; /* GICv3 only */
	uint64_t gic_cpu_base, gic_cpu_size; /* GICv2 only */

	uint64_t uart_base;
	uint32_t uart_spi; /* SPI number (INTID - 32) */
	uint64_t exit_base; /* splitvirt exit-status register page, 0 = none */

	struct guest_fdt_msi msi;
	const struct guest_fdt_pci *pci; /* nr_pci bridges */
	unsigned int nr_pci;

	const char *bootargs;
	uint64_t initrd_start, initrd_end; /* initrd_end == 0: no initrd */
};

/* Builds the whole tree into buf. Returns the blob size or -errno. */
int guest_fdt_build(const struct guest_fdt_desc *desc, void *buf, size_t size);

#endif
