/* SPDX-License-Identifier: GPL-2.0 */
/* Internals of the PCI function model shared by its files. Not for owners. */
#ifndef SPLITVIRT_PCI_INTERNAL_H
#define SPLITVIRT_PCI_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <splitvirt/pci_cfg.h>

/* Re-reads command and BAR registers; reports BARs that moved or (un)mapped. */
void pci_bars_sync(struct pci_cfg *cfg);
/* Recomputes the status interrupt bit and the INTx line; reports a new level. */
void pci_intx_sync(struct pci_cfg *cfg);

/* The MSI-X Message Control register (0 without MSI-X). */
uint16_t pci_msix_flags(const struct pci_cfg *cfg);
/* Reports every vector, then delivers those unmasked with a pending bit. */
void pci_msix_sync_all(struct pci_cfg *cfg);
/* Power-on table (entries zero and masked) and PBA (clear); reports nothing. */
void pci_msix_clear(struct pci_cfg *cfg);

/* What msi_changed reports, taken before and after a change. */
struct pci_msi_state {
	bool enabled;
	uint64_t addr;
	uint32_t data;
};

struct pci_msi_state pci_msi_state(const struct pci_cfg *cfg);
/* Reports the MSI state if it differs from old, or always if old is NULL. */
void pci_msi_sync(struct pci_cfg *cfg, const struct pci_msi_state *old);

#endif
