// SPDX-License-Identifier: GPL-2.0
/*
 * MSI-X: the capability's Message Control (enable, function mask), the
 * table (address, data, vector control per entry) and the pending bit
 * array. A vector that fires while masked sets its pending bit; becoming
 * unmasked (entry write, function-mask clear, enable) delivers it once.
 */
#include <errno.h>
#include <string.h>

#include <linux/pci_regs.h>

#include <splitvirt/le_bytes.h>
#include <splitvirt/pci_cfg.h>

#include "pci_internal.h"

/* Bytes of PBA for nvec vectors: whole qwords, as the spec lays it out. */
static uint32_t pba_bytes(uint16_t nvec)
{
	return 8u * ((nvec + 63u) / 64u);
}

int pci_cfg_add_msix(struct pci_cfg *cfg, uint8_t at, uint16_t nvec, int bar, uint32_t table_off,
		     uint32_t pba_off)
{
	uint64_t bar_size = pci_cfg_bar_size(cfg, bar);
	uint64_t tend = (uint64_t)table_off + (uint64_t)nvec * PCI_CFG_MSIX_ENTRY;
	uint64_t pend = (uint64_t)pba_off + pba_bytes(nvec);
	uint8_t *c;

	if (cfg->msix_cap || !nvec || nvec > PCI_CFG_MSIX_MAX_VECTORS || !bar_size)
		return -EINVAL;
	/* The low three bits of the offset registers hold the BAR index. */
	if (((table_off | pba_off) & PCI_MSIX_TABLE_BIR) || tend > bar_size || pend > bar_size ||
	    (table_off < pend && pba_off < tend))
		return -EINVAL;
	c = pci_cfg_add_cap(cfg, at, PCI_CAP_ID_MSIX, PCI_CAP_MSIX_SIZEOF);
	if (!c)
		return -EINVAL;
	put_le16(c + PCI_MSIX_FLAGS, (uint16_t)(nvec - 1));
	put_le32(c + PCI_MSIX_TABLE, table_off | (uint32_t)bar);
	put_le32(c + PCI_MSIX_PBA, pba_off | (uint32_t)bar);
	put_le16(&cfg->wmask[at + PCI_MSIX_FLAGS], PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	cfg->msix_cap = at;
	cfg->msix_bar = (uint8_t)bar;
	cfg->msix_nvec = nvec;
	cfg->msix_table_off = table_off;
	cfg->msix_pba_off = pba_off;
	pci_msix_clear(cfg);
	return 0;
}

uint16_t pci_msix_flags(const struct pci_cfg *cfg)
{
	return cfg->msix_cap ? get_le16(&cfg->regs[cfg->msix_cap + PCI_MSIX_FLAGS]) : 0;
}

uint16_t pci_cfg_msix_nvec(const struct pci_cfg *cfg)
{
	return cfg->msix_nvec;
}

bool pci_cfg_msix_enabled(const struct pci_cfg *cfg)
{
	return pci_msix_flags(cfg) & PCI_MSIX_FLAGS_ENABLE;
}

static uint8_t *entry(struct pci_cfg *cfg, uint16_t v)
{
	return &cfg->msix_table[(size_t)v * PCI_CFG_MSIX_ENTRY];
}

static const uint8_t *entry_ro(const struct pci_cfg *cfg, uint16_t v)
{
	return &cfg->msix_table[(size_t)v * PCI_CFG_MSIX_ENTRY];
}

bool pci_cfg_msix_masked(const struct pci_cfg *cfg, uint16_t v)
{
	uint16_t flags = pci_msix_flags(cfg);

	if (v >= cfg->msix_nvec)
		return true;
	return !(flags & PCI_MSIX_FLAGS_ENABLE) || (flags & PCI_MSIX_FLAGS_MASKALL) ||
	       (entry_ro(cfg, v)[PCI_MSIX_ENTRY_VECTOR_CTRL] & PCI_MSIX_ENTRY_CTRL_MASKBIT);
}

bool pci_cfg_msix_pending(const struct pci_cfg *cfg, uint16_t v)
{
	return v < cfg->msix_nvec && (cfg->msix_pba[v / 64] & (1ull << (v % 64)));
}

static void deliver(struct pci_cfg *cfg, uint16_t v)
{
	const uint8_t *e = entry_ro(cfg, v);

	if (cfg->ops->msix_signal)
		cfg->ops->msix_signal(cfg->opaque, v, get_le64(e + PCI_MSIX_ENTRY_LOWER_ADDR),
				      get_le32(e + PCI_MSIX_ENTRY_DATA));
}

void pci_cfg_msix_fire(struct pci_cfg *cfg, uint16_t v)
{
	if (v >= cfg->msix_nvec)
		return;
	if (pci_cfg_msix_masked(cfg, v)) {
		cfg->msix_pba[v / 64] |= 1ull << (v % 64);
		return;
	}
	deliver(cfg, v);
}

/* Reports vector v to the owner and delivers a pending message once unmasked. */
static void vector_sync(struct pci_cfg *cfg, uint16_t v)
{
	const uint8_t *e = entry_ro(cfg, v);
	bool masked = pci_cfg_msix_masked(cfg, v);

	if (cfg->ops->msix_changed)
		cfg->ops->msix_changed(cfg->opaque, v, get_le64(e + PCI_MSIX_ENTRY_LOWER_ADDR),
				       get_le32(e + PCI_MSIX_ENTRY_DATA), masked);
	if (!masked && pci_cfg_msix_pending(cfg, v)) {
		cfg->msix_pba[v / 64] &= ~(1ull << (v % 64));
		deliver(cfg, v);
	}
}

void pci_msix_sync_all(struct pci_cfg *cfg)
{
	for (uint16_t v = 0; v < cfg->msix_nvec; v++)
		vector_sync(cfg, v);
}

void pci_msix_clear(struct pci_cfg *cfg)
{
	memset(cfg->msix_table, 0, sizeof(cfg->msix_table));
	memset(cfg->msix_pba, 0, sizeof(cfg->msix_pba));
	for (uint16_t v = 0; v < cfg->msix_nvec; v++)
		entry(cfg, v)[PCI_MSIX_ENTRY_VECTOR_CTRL] = PCI_MSIX_ENTRY_CTRL_MASKBIT;
}

/* ---- table and PBA accesses -------------------------------------------------- */

/*
 * The part [*lo, *hi) of [off, off + size) inside [start, start + len),
 * relative to start; false if they do not meet.
 */
static bool clip(uint64_t off, uint32_t size, uint64_t start, uint64_t len, uint64_t *lo,
		 uint64_t *hi)
{
	uint64_t end = off + size;

	if (off >= start + len || end <= start)
		return false;
	*lo = (off > start ? off : start) - start;
	*hi = (end < start + len ? end : start + len) - start;
	return true;
}

/* Whether an access may touch our table or PBA at all (no wrap-around past 2^64). */
static bool access_ok(const struct pci_cfg *cfg, int bar, uint64_t off, uint32_t size)
{
	if (!cfg->msix_cap || bar != cfg->msix_bar)
		return false;
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return false;
	return off <= UINT64_MAX - size;
}

bool pci_cfg_msix_read(const struct pci_cfg *cfg, int bar, uint64_t off, uint32_t size,
		       uint64_t *val)
{
	uint64_t tlen = (uint64_t)cfg->msix_nvec * PCI_CFG_MSIX_ENTRY, lo, hi, v = 0;
	bool hit = false;

	if (!access_ok(cfg, bar, off, size))
		return false;
	if (clip(off, size, cfg->msix_table_off, tlen, &lo, &hi)) {
		uint64_t shift = cfg->msix_table_off + lo - off;

		for (uint64_t o = lo; o < hi; o++, shift++)
			v |= (uint64_t)cfg->msix_table[o] << (8 * shift);
		hit = true;
	}
	if (clip(off, size, cfg->msix_pba_off, pba_bytes(cfg->msix_nvec), &lo, &hi)) {
		uint64_t shift = cfg->msix_pba_off + lo - off;

		for (uint64_t o = lo; o < hi; o++, shift++)
			v |= (uint64_t)(uint8_t)(cfg->msix_pba[o / 8] >> (8 * (o % 8)))
			     << (8 * shift);
		hit = true;
	}
	if (hit)
		*val = v;
	return hit;
}

bool pci_cfg_msix_write(struct pci_cfg *cfg, int bar, uint64_t off, uint32_t size, uint64_t val)
{
	uint64_t tlen = (uint64_t)cfg->msix_nvec * PCI_CFG_MSIX_ENTRY, lo, hi, plo, phi;
	uint8_t old[2 * PCI_CFG_MSIX_ENTRY]; /* an access of <= 8 bytes meets <= 2 entries */
	uint16_t first, last;
	bool in_pba;

	if (!access_ok(cfg, bar, off, size))
		return false;
	/* The PBA is read-only: a write there is claimed and dropped. */
	in_pba = clip(off, size, cfg->msix_pba_off, pba_bytes(cfg->msix_nvec), &plo, &phi);
	if (!clip(off, size, cfg->msix_table_off, tlen, &lo, &hi))
		return in_pba;
	first = (uint16_t)(lo / PCI_CFG_MSIX_ENTRY);
	last = (uint16_t)((hi - 1) / PCI_CFG_MSIX_ENTRY);
	memcpy(old, entry(cfg, first), (size_t)(last - first + 1) * PCI_CFG_MSIX_ENTRY);
	for (uint64_t o = lo, shift = cfg->msix_table_off + lo - off; o < hi; o++, shift++)
		cfg->msix_table[o] = (uint8_t)(val >> (8 * shift));
	for (uint16_t v = first; v <= last; v++) {
		uint8_t *e = entry(cfg, v);

		/* Only the mask bit of Vector Control is implemented. */
		e[PCI_MSIX_ENTRY_VECTOR_CTRL] &= PCI_MSIX_ENTRY_CTRL_MASKBIT;
		memset(e + PCI_MSIX_ENTRY_VECTOR_CTRL + 1, 0, 3);
		if (memcmp(old + (v - first) * PCI_CFG_MSIX_ENTRY, e, PCI_CFG_MSIX_ENTRY))
			vector_sync(cfg, v);
	}
	return true;
}
