// SPDX-License-Identifier: GPL-2.0
/*
 * Save and restore of what a guest programmed into a PCI function, for a
 * new host process taking over a running guest's device. A state to load
 * is untrusted: pci_cfg_check applies the rules the model enforces on the
 * guest's own writes before pci_cfg_load touches anything.
 */
#include <string.h>

#include <linux/pci_regs.h>

#include <splitvirt/pci_cfg.h>

#include "pci_internal.h"

void pci_cfg_save(const struct pci_cfg *cfg, struct pci_cfg_state *st)
{
	memcpy(st->regs, cfg->regs, sizeof(st->regs));
	memcpy(st->msix_table, cfg->msix_table, sizeof(st->msix_table));
	memcpy(st->msix_pba, cfg->msix_pba, sizeof(st->msix_pba));
}

static bool zeroes(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

const char *pci_cfg_check(const struct pci_cfg *cfg, const struct pci_cfg_state *st)
{
	size_t tlen = (size_t)cfg->msix_nvec * PCI_CFG_MSIX_ENTRY;

	for (unsigned int o = 0; o < PCI_CFG_SIZE; o++) {
		uint8_t ro = (uint8_t)~cfg->wmask[o];

		/* The interrupt status bit is ours to compute. */
		if (o == PCI_STATUS)
			ro &= (uint8_t)~PCI_STATUS_INTERRUPT;
		if ((st->regs[o] & ro) != (cfg->regs[o] & ro))
			return "read-only config space differs";
	}
	for (uint16_t v = 0; v < cfg->msix_nvec; v++) {
		const uint8_t *ctrl = &st->msix_table[(size_t)v * PCI_CFG_MSIX_ENTRY +
						      PCI_MSIX_ENTRY_VECTOR_CTRL];

		/* Only the mask bit of Vector Control is writable. */
		if ((ctrl[0] & ~PCI_MSIX_ENTRY_CTRL_MASKBIT) || !zeroes(ctrl + 1, 3))
			return "MSI-X vector control";
	}
	if (!zeroes(st->msix_table + tlen, sizeof(st->msix_table) - tlen))
		return "MSI-X entries past the table";
	for (unsigned int v = cfg->msix_nvec; v < PCI_CFG_MSIX_MAX_VECTORS; v++)
		if (st->msix_pba[v / 64] & (1ull << (v % 64)))
			return "MSI-X pending bit past the table";
	return NULL;
}

void pci_cfg_load(struct pci_cfg *cfg, const struct pci_cfg_state *st)
{
	/* MSI lives in regs: it is reported only if the load changed it. */
	struct pci_msi_state old_msi = pci_msi_state(cfg);

	for (unsigned int o = 0; o < PCI_CFG_SIZE; o++)
		cfg->regs[o] =
			(uint8_t)((cfg->regs[o] & ~cfg->wmask[o]) | (st->regs[o] & cfg->wmask[o]));
	memcpy(cfg->msix_table, st->msix_table, sizeof(cfg->msix_table));
	memcpy(cfg->msix_pba, st->msix_pba, sizeof(cfg->msix_pba));
	pci_bars_sync(cfg);
	pci_msix_sync_all(cfg);
	pci_msi_sync(cfg, &old_msi);
	pci_intx_sync(cfg);
}
