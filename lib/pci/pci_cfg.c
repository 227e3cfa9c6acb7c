// SPDX-License-Identifier: GPL-2.0
/*
 * PCI type-0 config space: a byte image plus a per-byte writable mask, which
 * gives real-hardware semantics for free (BAR sizing: write all-ones, read
 * back the size mask; read-only bytes stay put). Registers with side effects
 * (command, BARs, MSI-X control, MSI) are looked at after the bytes are
 * patched.
 */
#include <errno.h>
#include <string.h>

#include <linux/pci_regs.h>

#include <splitvirt/le_bytes.h>
#include <splitvirt/pci_cfg.h>

#include "pci_internal.h"

static const struct pci_cfg_ops no_ops;

static bool overlaps(uint32_t off, uint32_t len, uint32_t start, uint32_t n)
{
	return off < start + n && start < off + len;
}

void pci_cfg_init(struct pci_cfg *cfg, const struct pci_cfg_ids *ids, const struct pci_cfg_ops *ops,
		  void *opaque)
{
	uint8_t *r;

	memset(cfg, 0, sizeof(*cfg));
	r = cfg->regs;
	cfg->ops = ops ? ops : &no_ops;
	cfg->opaque = opaque;
	put_le16(&r[PCI_VENDOR_ID], ids->vendor);
	put_le16(&r[PCI_DEVICE_ID], ids->device);
	r[PCI_REVISION_ID] = ids->revision;
	r[PCI_CLASS_PROG] = (uint8_t)ids->class_code;
	put_le16(&r[PCI_CLASS_DEVICE], (uint16_t)(ids->class_code >> 8));
	r[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_NORMAL;
	put_le16(&r[PCI_SUBSYSTEM_VENDOR_ID], ids->subsys_vendor);
	put_le16(&r[PCI_SUBSYSTEM_ID], ids->subsys_id);
	r[PCI_INTERRUPT_PIN] = 1; /* INTA# */
	put_le16(&cfg->wmask[PCI_COMMAND], PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
						   PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
	cfg->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
	cfg->wmask[PCI_INTERRUPT_LINE] = 0xff;
}

int pci_cfg_add_bar64(struct pci_cfg *cfg, int bar, uint64_t size, bool prefetchable)
{
	uint32_t reg = PCI_BASE_ADDRESS_0 + 4u * (uint32_t)bar;
	uint64_t mask = ~(size - 1);

	if (bar < 0 || bar + 1 >= PCI_CFG_NR_BARS || size < 16 || (size & (size - 1)))
		return -EINVAL;
	if (cfg->bars[bar].size || cfg->bars[bar + 1].size || get_le32(&cfg->wmask[reg]) ||
	    get_le32(&cfg->wmask[reg + 4]))
		return -EINVAL;
	cfg->bars[bar].size = size;
	put_le32(&cfg->regs[reg],
		 PCI_BASE_ADDRESS_MEM_TYPE_64 | (prefetchable ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0));
	/* The flag bits stay read-only, so sizing reads back ~(size - 1) | flags. */
	put_le32(&cfg->wmask[reg], (uint32_t)mask & (uint32_t)PCI_BASE_ADDRESS_MEM_MASK);
	put_le32(&cfg->wmask[reg + 4], (uint32_t)(mask >> 32));
	return 0;
}

int pci_cfg_add_bar32(struct pci_cfg *cfg, int bar, uint64_t size, bool prefetchable)
{
	uint32_t reg = PCI_BASE_ADDRESS_0 + 4u * (uint32_t)bar;

	if (bar < 0 || bar >= PCI_CFG_NR_BARS || size < 16 || size > (1ull << 31) ||
	    (size & (size - 1)))
		return -EINVAL;
	if (cfg->bars[bar].size || get_le32(&cfg->wmask[reg]))
		return -EINVAL;
	cfg->bars[bar].size = size;
	cfg->bars[bar].mem32 = true;
	put_le32(&cfg->regs[reg],
		 PCI_BASE_ADDRESS_MEM_TYPE_32 | (prefetchable ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0));
	put_le32(&cfg->wmask[reg], (uint32_t) ~(size - 1) & (uint32_t)PCI_BASE_ADDRESS_MEM_MASK);
	return 0;
}

uint8_t *pci_cfg_add_cap(struct pci_cfg *cfg, uint8_t at, uint8_t id, uint8_t len)
{
	uint8_t *c = &cfg->regs[at];

	if (at < PCI_STD_HEADER_SIZEOF || at % 4 || len < 2 || at < cfg->cap_end ||
	    (uint32_t)at + len > PCI_CFG_SIZE)
		return NULL;
	if (cfg->cap_last)
		cfg->regs[cfg->cap_last + PCI_CAP_LIST_NEXT] = at;
	else
		cfg->regs[PCI_CAPABILITY_LIST] = at;
	cfg->regs[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	c[PCI_CAP_LIST_ID] = id;
	c[PCI_CAP_LIST_NEXT] = 0;
	cfg->cap_last = at;
	cfg->cap_end = (uint16_t)(at + len);
	return c;
}

/* ---- BARs ------------------------------------------------------------------ */

uint64_t pci_cfg_bar_size(const struct pci_cfg *cfg, int bar)
{
	return bar >= 0 && bar < PCI_CFG_NR_BARS ? cfg->bars[bar].size : 0;
}

bool pci_cfg_bar_mapping(const struct pci_cfg *cfg, int bar, uint64_t *gpa, uint64_t *size)
{
	if (!pci_cfg_bar_size(cfg, bar))
		return false;
	if (gpa)
		*gpa = cfg->bars[bar].gpa;
	if (size)
		*size = cfg->bars[bar].size;
	return cfg->bars[bar].mapped;
}

int pci_cfg_bar_find(const struct pci_cfg *cfg, uint64_t gpa, int *bar, uint64_t *off)
{
	for (int b = 0; b < PCI_CFG_NR_BARS; b++) {
		const struct pci_cfg_bar *s = &cfg->bars[b];

		if (s->size && s->mapped && gpa >= s->gpa && gpa - s->gpa < s->size) {
			*bar = b;
			*off = gpa - s->gpa;
			return 0;
		}
	}
	return -ENOENT;
}

void pci_bars_sync(struct pci_cfg *cfg)
{
	bool decode = get_le16(&cfg->regs[PCI_COMMAND]) & PCI_COMMAND_MEMORY;

	for (int bar = 0; bar < PCI_CFG_NR_BARS; bar++) {
		struct pci_cfg_bar *b = &cfg->bars[bar];
		const uint8_t *r = &cfg->regs[PCI_BASE_ADDRESS_0 + 4 * bar];
		uint64_t gpa;
		bool mapped;

		if (!b->size)
			continue;
		gpa = get_le32(r) & PCI_BASE_ADDRESS_MEM_MASK;
		if (!b->mem32)
			gpa |= (uint64_t)get_le32(r + 4) << 32;
		/*
		 * A BAR at 0 or still holding the sizing pattern was not placed:
		 * guests that size with decoding on must not get it mapped there.
		 */
		mapped = decode && gpa != 0 &&
			 gpa != (~(b->size - 1) & (b->mem32 ? (uint32_t)PCI_BASE_ADDRESS_MEM_MASK :
							      PCI_BASE_ADDRESS_MEM_MASK));
		if (gpa == b->gpa && mapped == b->mapped)
			continue;
		if (b->mapped && cfg->ops->bar_changed)
			cfg->ops->bar_changed(cfg->opaque, bar, b->gpa, b->size, false);
		b->gpa = gpa;
		b->mapped = mapped;
		if (mapped && cfg->ops->bar_changed)
			cfg->ops->bar_changed(cfg->opaque, bar, gpa, b->size, true);
	}
}

/* ---- INTx ------------------------------------------------------------------ */

void pci_intx_sync(struct pci_cfg *cfg)
{
	/* A function with MSI-X or MSI enabled must not signal INTx. */
	bool pending =
		cfg->intx_asserted && !pci_cfg_msix_enabled(cfg) && !pci_cfg_msi_enabled(cfg);
	bool level = pending && !(get_le16(&cfg->regs[PCI_COMMAND]) & PCI_COMMAND_INTX_DISABLE);

	if (pending)
		cfg->regs[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
	else
		cfg->regs[PCI_STATUS] &= (uint8_t)~PCI_STATUS_INTERRUPT;
	if (level == cfg->intx_level)
		return;
	cfg->intx_level = level;
	if (cfg->ops->intx_changed)
		cfg->ops->intx_changed(cfg->opaque, level);
}

void pci_cfg_set_intx(struct pci_cfg *cfg, bool asserted)
{
	cfg->intx_asserted = asserted;
	pci_intx_sync(cfg);
}

/* ---- guest accesses -------------------------------------------------------- */

static int cfg_check(uint32_t off, uint32_t size)
{
	if (size != 1 && size != 2 && size != 4)
		return -EINVAL;
	if (off >= PCI_CFG_EXT_SIZE || size > PCI_CFG_EXT_SIZE - off)
		return -EINVAL;
	return 0;
}

int pci_cfg_read(const struct pci_cfg *cfg, uint32_t off, uint32_t size, uint32_t *val)
{
	uint32_t v = 0;
	int err = cfg_check(off, size);

	if (err) {
		*val = ~0u;
		return err;
	}
	for (uint32_t i = 0; i < size; i++)
		if (off + i < PCI_CFG_SIZE)
			v |= (uint32_t)cfg->regs[off + i] << (8 * i);
	*val = v;
	return 0;
}

int pci_cfg_write(struct pci_cfg *cfg, uint32_t off, uint32_t size, uint32_t val)
{
	uint16_t old_msix = pci_msix_flags(cfg);
	struct pci_msi_state old_msi = pci_msi_state(cfg);
	int err = cfg_check(off, size);

	if (err)
		return err;
	for (uint32_t i = 0; i < size && off + i < PCI_CFG_SIZE; i++) {
		uint8_t m = cfg->wmask[off + i];

		cfg->regs[off + i] = (uint8_t)((cfg->regs[off + i] & ~m) | ((val >> (8 * i)) & m));
	}
	if (overlaps(off, size, PCI_COMMAND, 2) ||
	    overlaps(off, size, PCI_BASE_ADDRESS_0, 4 * PCI_CFG_NR_BARS))
		pci_bars_sync(cfg);
	if (pci_msix_flags(cfg) != old_msix)
		pci_msix_sync_all(cfg);
	/* A write straddling registers is compared as a whole: one report at most. */
	pci_msi_sync(cfg, &old_msi);
	/* INTX_DISABLE, MSI-X enable and MSI enable gate the line. */
	pci_intx_sync(cfg);
	return 0;
}

/* ---- reset ------------------------------------------------------------------ */

void pci_cfg_reset(struct pci_cfg *cfg)
{
	for (unsigned int o = 0; o < PCI_CFG_SIZE; o++)
		cfg->regs[o] &= (uint8_t)~cfg->wmask[o];
	pci_msix_clear(cfg);
	pci_bars_sync(cfg);
	pci_msix_sync_all(cfg);
	pci_msi_sync(cfg, NULL);
	pci_intx_sync(cfg);
}
