/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Type-0 PCI config space for functions the vmm emulates itself (the
 * dataport): header registers, memory BARs with the usual sizing protocol
 * (write all-ones, read back the size mask), the command register and an
 * MSI-X capability. The owner learns about BAR placement through
 * bar_changed and about MSI-X control changes through msix_control.
 */
#ifndef VMM_PCI_CFG_H
#define VMM_PCI_CFG_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_CFG_SIZE 256
#define PCI_CFG_NR_BARS 6

struct pci_cfg_ops {
	/* BAR moved or memory decoding toggled; called after the change. */
	void (*bar_changed)(void *opaque, int bar, uint64_t gpa, uint64_t size, bool mapped);
	/* MSI-X enable or function mask changed. */
	void (*msix_control)(void *opaque, bool enabled, bool masked);
};

struct pci_cfg {
	uint8_t regs[PCI_CFG_SIZE];
	uint8_t wmask[PCI_CFG_SIZE];
	uint64_t bar_size[PCI_CFG_NR_BARS]; /* 0: no BAR (or upper half of a 64-bit one) */
	uint64_t bar_gpa[PCI_CFG_NR_BARS];
	bool bar_mapped[PCI_CFG_NR_BARS];
	uint8_t msix_cap; /* 0: none */
	const struct pci_cfg_ops *ops;
	void *opaque;
};

void pci_cfg_init(struct pci_cfg *cfg, uint16_t vendor, uint16_t device, uint32_t class_code,
		  uint8_t revision, uint16_t subsys_vendor, uint16_t subsys_id,
		  const struct pci_cfg_ops *ops, void *opaque);
/* A 64-bit memory BAR at index bar (uses bar + 1 too); size a power of two >= 4 KiB. */
void pci_cfg_add_bar64(struct pci_cfg *cfg, int bar, uint64_t size, bool prefetchable);
/* MSI-X capability at config offset at: nvec vectors, table and PBA at BAR offsets. */
void pci_cfg_add_msix(struct pci_cfg *cfg, uint8_t at, uint16_t nvec, int bar, uint32_t table_off,
		      uint32_t pba_off);
bool pci_cfg_msix_enabled(const struct pci_cfg *cfg);
bool pci_cfg_msix_masked(const struct pci_cfg *cfg);

/* size 1, 2 or 4, naturally aligned, off + size <= 4096 (beyond 256 reads 0). */
uint32_t pci_cfg_read(struct pci_cfg *cfg, uint32_t off, uint32_t size);
void pci_cfg_write(struct pci_cfg *cfg, uint32_t off, uint32_t size, uint32_t val);

#endif
