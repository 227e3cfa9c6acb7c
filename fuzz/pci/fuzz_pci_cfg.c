// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzzes the PCI function model (lib/pci) from the guest's side. The first
 * four bytes choose a layout (where MSI-X lives, its vector count, table and
 * PBA offsets; an overlapping choice leaves the function without MSI-X; MSI
 * after it or in the last bytes of config space), then 10-byte operations
 *   kind(1) size(1) offset(4, LE) value(4, LE)
 * hit config space, the MSI-X table and PBA (offsets near 2^64 too), vector
 * firing, INTx, reset and a save/check/load round trip with one byte of
 * the saved state flipped. The callbacks check what the model promises:
 * only existing, unmasked vectors are delivered, a mapped BAR is where the
 * guest put it, aligned to its size, the MSI report is the model's state
 * (address dword aligned, 16-bit data), the INTx line is low while MSI-X or
 * MSI is enabled.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <splitvirt/pci_cfg.h>

static void bar_changed(void *opaque, int bar, uint64_t gpa, uint64_t size, bool mapped)
{
	struct pci_cfg *cfg = opaque;

	if (pci_cfg_bar_size(cfg, bar) != size || (gpa & (size - 1)) || (mapped && !gpa))
		abort();
}

static void msix_changed(void *opaque, uint16_t v, uint64_t addr, uint32_t data, bool masked)
{
	struct pci_cfg *cfg = opaque;

	(void)addr;
	(void)data;
	if (v >= pci_cfg_msix_nvec(cfg) || masked != pci_cfg_msix_masked(cfg, v))
		abort();
}

static void msix_signal(void *opaque, uint16_t v, uint64_t addr, uint32_t data)
{
	struct pci_cfg *cfg = opaque;

	(void)addr;
	(void)data;
	if (v >= pci_cfg_msix_nvec(cfg) || pci_cfg_msix_masked(cfg, v))
		abort();
}

static void msi_changed(void *opaque, bool enabled, uint64_t addr, uint32_t data)
{
	struct pci_cfg *cfg = opaque;

	if (!cfg->msi_cap || enabled != pci_cfg_msi_enabled(cfg) || addr != pci_cfg_msi_addr(cfg) ||
	    data != pci_cfg_msi_data(cfg) || (addr & 3) || data > 0xffff)
		abort();
}

static void intx_changed(void *opaque, bool level)
{
	struct pci_cfg *cfg = opaque;

	if (level && (pci_cfg_msix_enabled(cfg) || pci_cfg_msi_enabled(cfg)))
		abort();
}

static const struct pci_cfg_ops ops = {
	.bar_changed = bar_changed,
	.msix_changed = msix_changed,
	.msix_signal = msix_signal,
	.msi_changed = msi_changed,
	.intx_changed = intx_changed,
};

static const struct pci_cfg_ids ids = { .vendor = 0x1af4, .device = 0x1000, .revision = 1 };

static void build(struct pci_cfg *cfg, const uint8_t *layout)
{
	int bar = layout[0] & 1 ? 2 : 0;

	pci_cfg_init(cfg, &ids, &ops, cfg);
	pci_cfg_add_bar64(cfg, 0, 0x4000, false);
	pci_cfg_add_bar64(cfg, 2, 0x1000, true);
	pci_cfg_add_msix(cfg, 0x40 + (layout[0] & 0x3c), (uint16_t)(layout[1] % 128 + 1), bar,
			 (uint32_t)layout[2] << 4, (uint32_t)layout[3] << 4);
	pci_cfg_add_msi(cfg, layout[0] & 0x80 ? 0xf0 : 0x90);
}

static void take_over(struct pci_cfg *cfg, uint32_t off, uint32_t val)
{
	static struct pci_cfg_state st;

	pci_cfg_save(cfg, &st);
	if (val & 0x100)
		((uint8_t *)&st)[off % sizeof(st)] ^= (uint8_t)val;
	if (!pci_cfg_check(cfg, &st))
		pci_cfg_load(cfg, &st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pci_cfg cfg;

	if (size < 4)
		return 0;
	build(&cfg, data);
	for (size_t i = 4; i + 10 <= size; i += 10) {
		const uint8_t *op = data + i;
		uint32_t sz = op[1] % 9; /* bad sizes too */
		uint32_t off = (uint32_t)(op[2] | op[3] << 8 | op[4] << 16 | (uint32_t)op[5] << 24);
		uint32_t val = (uint32_t)(op[6] | op[7] << 8 | op[8] << 16 | (uint32_t)op[9] << 24);
		/* BAR offsets: small ones, or counted down from 2^64. */
		uint64_t boff = op[0] & 0x80 ? UINT64_MAX - off : off % 0x2000;
		int bar = op[0] & 0x40 ? 2 : 0;
		uint64_t v64 = val | (uint64_t)val << 32;
		uint32_t r32;

		switch (op[0] % 8) {
		case 0:
			pci_cfg_read(&cfg, off % 0x1100, sz, &r32);
			break;
		case 1:
		case 2:
			/* Mostly the header and capabilities, where the side effects are. */
			pci_cfg_write(&cfg, op[0] & 0x20 ? off : off % 0x100, sz, val);
			break;
		case 3:
			pci_cfg_msix_read(&cfg, bar, boff, sz, &v64);
			break;
		case 4:
			pci_cfg_msix_write(&cfg, bar, boff, sz, v64);
			break;
		case 5:
			pci_cfg_msix_fire(&cfg, (uint16_t)val);
			break;
		case 6:
			if (op[0] & 0x20)
				pci_cfg_reset(&cfg);
			else
				pci_cfg_set_intx(&cfg, val & 1);
			break;
		default:
			take_over(&cfg, off, val);
			break;
		}
	}
	return 0;
}
