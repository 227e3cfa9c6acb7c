// SPDX-License-Identifier: GPL-2.0
/*
 * MSI: one vector, a 64-bit message address, no per-vector masking. The
 * whole state is the capability's config bytes, so guest writes go through
 * the write mask like any other register; pci_cfg_write, pci_cfg_reset and
 * pci_cfg_load compare it before and after and report a change.
 */
#include <errno.h>
#include <string.h>

#include <linux/pci_regs.h>

#include <splitvirt/le_bytes.h>
#include <splitvirt/pci_cfg.h>

#include "pci_internal.h"

/* A 64-bit capability without mask and pending bits ends after the data. */
#define MSI_CAP_LEN (PCI_MSI_DATA_64 + 2)

int pci_cfg_add_msi(struct pci_cfg *cfg, uint8_t at)
{
	uint8_t *c;

	if (cfg->msi_cap)
		return -EINVAL;
	c = pci_cfg_add_cap(cfg, at, PCI_CAP_ID_MSI, MSI_CAP_LEN);
	if (!c)
		return -EINVAL;
	memset(c + PCI_MSI_FLAGS, 0, MSI_CAP_LEN - PCI_MSI_FLAGS);
	/* Multiple Message Capable 0: one vector, so Multiple Message Enable stays 0. */
	put_le16(c + PCI_MSI_FLAGS, PCI_MSI_FLAGS_64BIT);
	put_le16(&cfg->wmask[at + PCI_MSI_FLAGS], PCI_MSI_FLAGS_ENABLE);
	put_le32(&cfg->wmask[at + PCI_MSI_ADDRESS_LO], ~3u);
	put_le32(&cfg->wmask[at + PCI_MSI_ADDRESS_HI], ~0u);
	put_le16(&cfg->wmask[at + PCI_MSI_DATA_64], 0xffff);
	cfg->msi_cap = at;
	return 0;
}

/* pci_cfg_add_msi checked that the capability fits: these stay inside regs. */

bool pci_cfg_msi_enabled(const struct pci_cfg *cfg)
{
	return cfg->msi_cap &&
	       (get_le16(&cfg->regs[cfg->msi_cap + PCI_MSI_FLAGS]) & PCI_MSI_FLAGS_ENABLE);
}

uint64_t pci_cfg_msi_addr(const struct pci_cfg *cfg)
{
	const uint8_t *c = &cfg->regs[cfg->msi_cap];

	if (!cfg->msi_cap)
		return 0;
	return get_le32(c + PCI_MSI_ADDRESS_LO) | (uint64_t)get_le32(c + PCI_MSI_ADDRESS_HI) << 32;
}

uint32_t pci_cfg_msi_data(const struct pci_cfg *cfg)
{
	return cfg->msi_cap ? get_le16(&cfg->regs[cfg->msi_cap + PCI_MSI_DATA_64]) : 0;
}

struct pci_msi_state pci_msi_state(const struct pci_cfg *cfg)
{
	return (struct pci_msi_state){ pci_cfg_msi_enabled(cfg), pci_cfg_msi_addr(cfg),
				       pci_cfg_msi_data(cfg) };
}

void pci_msi_sync(struct pci_cfg *cfg, const struct pci_msi_state *old)
{
	struct pci_msi_state now = pci_msi_state(cfg);

	if (!cfg->msi_cap || !cfg->ops->msi_changed)
		return;
	if (old && now.enabled == old->enabled && now.addr == old->addr && now.data == old->data)
		return;
	cfg->ops->msi_changed(cfg->opaque, now.enabled, now.addr, now.data);
}
