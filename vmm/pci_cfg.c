// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include <linux/pci_regs.h>

#include <splitvirt/le_bytes.h>

#include "pci_cfg.h"

void pci_cfg_init(struct pci_cfg *cfg, uint16_t vendor, uint16_t device, uint32_t class_code,
		  uint8_t revision, uint16_t subsys_vendor, uint16_t subsys_id,
		  const struct pci_cfg_ops *ops, void *opaque)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->ops = ops;
	cfg->opaque = opaque;
	put_le16(&cfg->regs[PCI_VENDOR_ID], vendor);
	put_le16(&cfg->regs[PCI_DEVICE_ID], device);
	cfg->regs[PCI_REVISION_ID] = revision;
	cfg->regs[PCI_CLASS_PROG] = (uint8_t)class_code;
	put_le16(&cfg->regs[PCI_CLASS_DEVICE], (uint16_t)(class_code >> 8));
	put_le16(&cfg->regs[PCI_SUBSYSTEM_VENDOR_ID], subsys_vendor);
	put_le16(&cfg->regs[PCI_SUBSYSTEM_ID], subsys_id);
	cfg->regs[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_NORMAL;
	cfg->regs[PCI_INTERRUPT_PIN] = 1;
	/* Memory decoding and bus mastering are all a guest may toggle. */
	put_le16(&cfg->wmask[PCI_COMMAND],
		 PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
	cfg->wmask[PCI_INTERRUPT_LINE] = 0xff;
}

void pci_cfg_add_bar64(struct pci_cfg *cfg, int bar, uint64_t size, bool prefetchable)
{
	uint8_t *r = &cfg->regs[PCI_BASE_ADDRESS_0 + 4 * bar];
	uint64_t mask = ~(size - 1);

	cfg->bar_size[bar] = size;
	put_le32(r,
		 PCI_BASE_ADDRESS_MEM_TYPE_64 | (prefetchable ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0));
	put_le32(&cfg->wmask[PCI_BASE_ADDRESS_0 + 4 * bar], (uint32_t)mask & ~0xfu);
	put_le32(&cfg->wmask[PCI_BASE_ADDRESS_0 + 4 * (bar + 1)], (uint32_t)(mask >> 32));
}

void pci_cfg_add_msix(struct pci_cfg *cfg, uint8_t at, uint16_t nvec, int bar, uint32_t table_off,
		      uint32_t pba_off)
{
	uint8_t *c = &cfg->regs[at];

	cfg->msix_cap = at;
	put_le16(&cfg->regs[PCI_STATUS], PCI_STATUS_CAP_LIST);
	cfg->regs[PCI_CAPABILITY_LIST] = at;
	c[0] = PCI_CAP_ID_MSIX;
	c[1] = 0;
	put_le16(c + PCI_MSIX_FLAGS, (uint16_t)(nvec - 1));
	put_le32(c + PCI_MSIX_TABLE, table_off | (uint32_t)bar);
	put_le32(c + PCI_MSIX_PBA, pba_off | (uint32_t)bar);
	put_le16(&cfg->wmask[at + PCI_MSIX_FLAGS], PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
}

static uint16_t msix_flags(const struct pci_cfg *cfg)
{
	const uint8_t *p = &cfg->regs[cfg->msix_cap + PCI_MSIX_FLAGS];

	return cfg->msix_cap ? (uint16_t)(p[0] | p[1] << 8) : 0;
}

bool pci_cfg_msix_enabled(const struct pci_cfg *cfg)
{
	return msix_flags(cfg) & PCI_MSIX_FLAGS_ENABLE;
}

bool pci_cfg_msix_masked(const struct pci_cfg *cfg)
{
	return msix_flags(cfg) & PCI_MSIX_FLAGS_MASKALL;
}

uint32_t pci_cfg_read(struct pci_cfg *cfg, uint32_t off, uint32_t size)
{
	uint32_t v = 0;

	if (off >= PCI_CFG_SIZE || off + size > PCI_CFG_SIZE)
		return 0;
	memcpy(&v, &cfg->regs[off], size);
	return v;
}

static void bars_sync(struct pci_cfg *cfg)
{
	bool decode = cfg->regs[PCI_COMMAND] & PCI_COMMAND_MEMORY;

	for (int bar = 0; bar < PCI_CFG_NR_BARS; bar++) {
		const uint8_t *r = &cfg->regs[PCI_BASE_ADDRESS_0 + 4 * bar];
		uint64_t gpa;
		bool mapped;

		if (!cfg->bar_size[bar])
			continue;
		gpa = (get_le32(r) & PCI_BASE_ADDRESS_MEM_MASK) | (uint64_t)get_le32(r + 4) << 32;
		/* A BAR still holding the sizing pattern is not placed yet. */
		mapped = decode && gpa != 0 && gpa != (~(cfg->bar_size[bar] - 1) & ~0xfull);
		if (gpa == cfg->bar_gpa[bar] && mapped == cfg->bar_mapped[bar])
			continue;
		if (cfg->bar_mapped[bar] && cfg->ops->bar_changed)
			cfg->ops->bar_changed(cfg->opaque, bar, cfg->bar_gpa[bar],
					      cfg->bar_size[bar], false);
		cfg->bar_gpa[bar] = gpa;
		cfg->bar_mapped[bar] = mapped;
		if (mapped && cfg->ops->bar_changed)
			cfg->ops->bar_changed(cfg->opaque, bar, gpa, cfg->bar_size[bar], true);
	}
}

void pci_cfg_write(struct pci_cfg *cfg, uint32_t off, uint32_t size, uint32_t val)
{
	uint16_t old_msix = msix_flags(cfg);

	if (off >= PCI_CFG_SIZE || off + size > PCI_CFG_SIZE)
		return;
	for (uint32_t i = 0; i < size; i++) {
		uint8_t m = cfg->wmask[off + i];
		uint8_t b = (uint8_t)(val >> (8 * i));

		cfg->regs[off + i] = (uint8_t)((cfg->regs[off + i] & ~m) | (b & m));
	}
	if (off < PCI_BASE_ADDRESS_0 + 4 * PCI_CFG_NR_BARS && off + size > PCI_COMMAND)
		bars_sync(cfg);
	if (cfg->msix_cap && msix_flags(cfg) != old_msix && cfg->ops->msix_control)
		cfg->ops->msix_control(cfg->opaque, pci_cfg_msix_enabled(cfg),
				       pci_cfg_msix_masked(cfg));
}
