// SPDX-License-Identifier: GPL-2.0
/*
 * The PCI function model (lib/pci) on its own: identity and read-only
 * bytes, BAR sizing and decode, the capability chain, MSI-X masking and
 * pending bits, table/PBA bounds against hostile accesses, MSI, INTx, reset
 * and save/check/load.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../support/unit.h"

#include <linux/pci_regs.h>

#include <splitvirt/pci_cfg.h>

#define NVEC 3
#define BAR0_SIZE 0x4000
#define BAR2_SIZE 0x1000
#define BAR4_SIZE (8ull << 30) /* wider than the low dword */
#define TABLE_OFF 0x000
#define PBA_OFF 0x800
#define VNDR_AT 0x40
#define MSIX_AT 0x50
#define MSI_AT 0x60
#define GPA0 0xe0000000ull
#define GPA2 0xe0100000ull
#define MAX_EVENTS 32

struct bar_event {
	int bar;
	uint64_t gpa, size;
	bool mapped;
	bool model_mapped; /* what the model said at the time of the call */
};

struct fix {
	struct pci_cfg cfg;
	struct bar_event bar_ev[MAX_EVENTS];
	int nbar_ev;
	int msix_changes[PCI_CFG_MSIX_MAX_VECTORS];
	bool msix_masked[PCI_CFG_MSIX_MAX_VECTORS];
	int signals[PCI_CFG_MSIX_MAX_VECTORS];
	uint64_t sig_addr;
	uint32_t sig_data;
	int msi_changes;
	bool msi_enabled;
	uint64_t msi_addr;
	uint32_t msi_data;
	bool intx;
	int intx_changes;
};

static void on_bar(void *opaque, int bar, uint64_t gpa, uint64_t size, bool mapped)
{
	struct fix *f = opaque;
	struct bar_event *e = &f->bar_ev[f->nbar_ev++ % MAX_EVENTS];

	*e = (struct bar_event){ bar, gpa, size, mapped, false };
	e->model_mapped = pci_cfg_bar_mapping(&f->cfg, bar, NULL, NULL);
}

static void on_msix_changed(void *opaque, uint16_t v, uint64_t addr, uint32_t data, bool masked)
{
	struct fix *f = opaque;

	(void)addr;
	(void)data;
	assert_true(v < NVEC);
	f->msix_changes[v]++;
	f->msix_masked[v] = masked;
}

static void on_signal(void *opaque, uint16_t v, uint64_t addr, uint32_t data)
{
	struct fix *f = opaque;

	assert_true(v < NVEC);
	assert_false(pci_cfg_msix_masked(&f->cfg, v));
	f->signals[v]++;
	f->sig_addr = addr;
	f->sig_data = data;
}

static void on_msi(void *opaque, bool enabled, uint64_t addr, uint32_t data)
{
	struct fix *f = opaque;

	/* Called with the model already showing the new state. */
	assert_int_equal(pci_cfg_msi_enabled(&f->cfg), enabled);
	assert_int_equal(pci_cfg_msi_addr(&f->cfg), addr);
	assert_int_equal(pci_cfg_msi_data(&f->cfg), data);
	f->msi_changes++;
	f->msi_enabled = enabled;
	f->msi_addr = addr;
	f->msi_data = data;
}

static void on_intx(void *opaque, bool level)
{
	struct fix *f = opaque;

	f->intx = level;
	f->intx_changes++;
}

static const struct pci_cfg_ops ops = {
	.bar_changed = on_bar,
	.msix_changed = on_msix_changed,
	.msix_signal = on_signal,
	.msi_changed = on_msi,
	.intx_changed = on_intx,
};

static const struct pci_cfg_ids ids = {
	.vendor = 0x1af4,
	.device = 0x1234,
	.class_code = 0xff0001,
	.revision = 7,
	.subsys_vendor = 0x1af4,
	.subsys_id = 0x42,
};

/* BAR0 and BAR2 (MSI-X), BAR4 prefetchable 8 GiB; a vendor cap, MSI-X, MSI. */
static void build(struct fix *f)
{
	uint8_t *c;

	memset(f, 0, sizeof(*f));
	pci_cfg_init(&f->cfg, &ids, &ops, f);
	assert_int_equal(pci_cfg_add_bar64(&f->cfg, 0, BAR0_SIZE, false), 0);
	assert_int_equal(pci_cfg_add_bar64(&f->cfg, 2, BAR2_SIZE, false), 0);
	assert_int_equal(pci_cfg_add_bar64(&f->cfg, 4, BAR4_SIZE, true), 0);
	c = pci_cfg_add_cap(&f->cfg, VNDR_AT, PCI_CAP_ID_VNDR, 16);
	assert_non_null(c);
	c[2] = 16;
	assert_int_equal(pci_cfg_add_msix(&f->cfg, MSIX_AT, NVEC, 2, TABLE_OFF, PBA_OFF), 0);
	assert_int_equal(pci_cfg_add_msi(&f->cfg, MSI_AT), 0);
}

static int setup(void **state)
{
	struct fix *f = malloc(sizeof(*f));

	build(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static uint32_t rd(struct fix *f, uint32_t off, uint32_t size)
{
	uint32_t v;

	assert_int_equal(pci_cfg_read(&f->cfg, off, size, &v), 0);
	return v;
}

static void wr(struct fix *f, uint32_t off, uint32_t size, uint32_t val)
{
	assert_int_equal(pci_cfg_write(&f->cfg, off, size, val), 0);
}

static uint64_t bar_rd(struct fix *f, uint64_t off, uint32_t size)
{
	uint64_t v = 0xdead;

	assert_true(pci_cfg_msix_read(&f->cfg, 2, off, size, &v));
	return v;
}

static void bar_wr(struct fix *f, uint64_t off, uint32_t size, uint64_t val)
{
	assert_true(pci_cfg_msix_write(&f->cfg, 2, off, size, val));
}

/* Programs vector v (addr 0xfee00000 + v, data 0x100 + v) and its mask bit. */
static void program(struct fix *f, uint16_t v, bool masked)
{
	uint64_t e = TABLE_OFF + 16u * v;

	bar_wr(f, e + PCI_MSIX_ENTRY_LOWER_ADDR, 4, 0xfee00000u + v);
	bar_wr(f, e + PCI_MSIX_ENTRY_UPPER_ADDR, 4, 0);
	bar_wr(f, e + PCI_MSIX_ENTRY_DATA, 4, 0x100u + v);
	bar_wr(f, e + PCI_MSIX_ENTRY_VECTOR_CTRL, 4, masked ? PCI_MSIX_ENTRY_CTRL_MASKBIT : 0);
}

static void place(struct fix *f, int bar, uint64_t gpa)
{
	wr(f, PCI_BASE_ADDRESS_0 + 4 * bar, 4, (uint32_t)gpa);
	wr(f, PCI_BASE_ADDRESS_0 + 4 * bar + 4, 4, (uint32_t)(gpa >> 32));
}

/* ---- identity, read-only bytes, odd accesses ---------------------------------- */

static void test_identity_and_readonly(void **state)
{
	struct fix *f = *state;
	uint32_t v;

	assert_int_equal(rd(f, PCI_VENDOR_ID, 4), 0x12341af4);
	assert_int_equal(rd(f, PCI_REVISION_ID, 4), 0xff000107);
	assert_int_equal(rd(f, PCI_HEADER_TYPE, 1), PCI_HEADER_TYPE_NORMAL);
	assert_int_equal(rd(f, PCI_SUBSYSTEM_ID, 2), 0x42);
	assert_int_equal(rd(f, PCI_INTERRUPT_PIN, 1), 1);
	/* Read-only registers ignore writes, whatever their width. */
	for (uint32_t off = 0; off < PCI_STD_HEADER_SIZEOF; off += 4) {
		uint32_t before = rd(f, off, 4);

		if (off == PCI_COMMAND ||
		    (off >= PCI_BASE_ADDRESS_0 && off <= PCI_BASE_ADDRESS_5) ||
		    off == PCI_CACHE_LINE_SIZE || off == PCI_INTERRUPT_LINE)
			continue;
		wr(f, off, 4, ~before);
		wr(f, off + 1, 2, 0x5a5a);
		assert_int_equal(rd(f, off, 4), before);
	}
	/* Only the documented command bits stick. */
	wr(f, PCI_COMMAND, 2, 0xffff);
	assert_int_equal(rd(f, PCI_COMMAND, 2), PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
							PCI_COMMAND_MASTER |
							PCI_COMMAND_INTX_DISABLE);
	wr(f, PCI_COMMAND, 2, 0);
	wr(f, PCI_CACHE_LINE_SIZE, 1, 0x10);
	wr(f, PCI_INTERRUPT_LINE, 1, 0x2a);
	assert_int_equal(rd(f, PCI_CACHE_LINE_SIZE, 1), 0x10);
	assert_int_equal(rd(f, PCI_INTERRUPT_LINE, 1), 0x2a);
	/* Unaligned accesses straddle registers; extended space is empty. */
	assert_int_equal(rd(f, 1, 2), 0x341a);
	assert_int_equal(rd(f, 0xfe, 2), 0);
	wr(f, 0x100, 4, 0xffffffff);
	assert_int_equal(rd(f, 0x100, 4), 0);
	assert_int_equal(pci_cfg_read(&f->cfg, 4095, 2, &v), -EINVAL);
	assert_int_equal(v, 0xffffffff);
	assert_int_equal(pci_cfg_read(&f->cfg, UINT32_MAX, 1, &v), -EINVAL);
	assert_int_equal(pci_cfg_read(&f->cfg, 0, 3, &v), -EINVAL);
	assert_int_equal(pci_cfg_write(&f->cfg, 4096, 1, 0), -EINVAL);
	assert_int_equal(pci_cfg_write(&f->cfg, UINT32_MAX - 1, 4, 0), -EINVAL);
	assert_int_equal(pci_cfg_write(&f->cfg, 0, 8, 0), -EINVAL);
	assert_int_equal(pci_cfg_write(&f->cfg, 0, 0, 0), -EINVAL);
}

/* ---- BARs ------------------------------------------------------------------- */

static void test_bar_sizing(void **state)
{
	struct fix *f = *state;

	assert_int_equal(rd(f, PCI_BASE_ADDRESS_0, 4), PCI_BASE_ADDRESS_MEM_TYPE_64);
	assert_int_equal(rd(f, PCI_BASE_ADDRESS_4, 4),
			 PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH);
	for (int bar = 0; bar < PCI_CFG_NR_BARS; bar++)
		wr(f, PCI_BASE_ADDRESS_0 + 4 * bar, 4, 0xffffffff);
	/* Low dwords: ~(size - 1) with the flags; high dwords: the rest of the mask. */
	assert_int_equal(rd(f, PCI_BASE_ADDRESS_0, 4),
			 (uint32_t) ~(BAR0_SIZE - 1) | PCI_BASE_ADDRESS_MEM_TYPE_64);
	assert_int_equal(rd(f, PCI_BASE_ADDRESS_1, 4), 0xffffffff);
	assert_int_equal(rd(f, PCI_BASE_ADDRESS_2, 4),
			 (uint32_t) ~(BAR2_SIZE - 1) | PCI_BASE_ADDRESS_MEM_TYPE_64);
	assert_int_equal(rd(f, PCI_BASE_ADDRESS_4, 4),
			 PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH);
	assert_int_equal(rd(f, PCI_BASE_ADDRESS_5, 4), (uint32_t)(~(BAR4_SIZE - 1) >> 32));
	/* A byte write into a BAR keeps its flag bits. */
	wr(f, PCI_BASE_ADDRESS_0, 1, 0xff);
	assert_int_equal(rd(f, PCI_BASE_ADDRESS_0, 4) & 0xf, PCI_BASE_ADDRESS_MEM_TYPE_64);
	/* No ROM BAR. */
	wr(f, PCI_ROM_ADDRESS, 4, 0xffffffff);
	assert_int_equal(rd(f, PCI_ROM_ADDRESS, 4), 0);
	assert_int_equal(pci_cfg_bar_size(&f->cfg, 0), BAR0_SIZE);
	assert_int_equal(pci_cfg_bar_size(&f->cfg, 1), 0);
	assert_int_equal(pci_cfg_bar_size(&f->cfg, 4), BAR4_SIZE);
	assert_int_equal(pci_cfg_bar_size(&f->cfg, -1), 0);
	assert_int_equal(pci_cfg_bar_size(&f->cfg, PCI_CFG_NR_BARS), 0);
	assert_false(pci_cfg_bar_mapping(&f->cfg, 7, NULL, NULL));
}

static void test_bar_add_rejects(void **state)
{
	struct pci_cfg cfg;

	(void)state;
	pci_cfg_init(&cfg, &ids, NULL, NULL);
	assert_int_equal(pci_cfg_add_bar64(&cfg, -1, 4096, false), -EINVAL);
	assert_int_equal(pci_cfg_add_bar64(&cfg, 5, 4096, false), -EINVAL); /* no upper half */
	assert_int_equal(pci_cfg_add_bar64(&cfg, 0, 3000, false), -EINVAL);
	assert_int_equal(pci_cfg_add_bar64(&cfg, 0, 8, false), -EINVAL);
	assert_int_equal(pci_cfg_add_bar64(&cfg, 0, 0, false), -EINVAL);
	assert_int_equal(pci_cfg_add_bar64(&cfg, 1, 4096, false), 0);
	assert_int_equal(pci_cfg_add_bar64(&cfg, 0, 4096, false),
			 -EINVAL); /* its upper half taken */
	assert_int_equal(pci_cfg_add_bar64(&cfg, 2, 4096, false), -EINVAL); /* is an upper half */
	assert_int_equal(pci_cfg_add_bar64(&cfg, 3, 1ull << 40, false), 0);
}

/*
 * 32-bit BARs (a passed-through device's layout): one register each, next
 * to each other; sizing, placement below 4 GiB and the sizing pattern.
 */
static void test_bar32(void **state)
{
	struct fix *f = *state;
	uint64_t gpa, size;

	(void)state;
	memset(f, 0, sizeof(*f));
	pci_cfg_init(&f->cfg, &ids, &ops, f);
	assert_int_equal(pci_cfg_add_bar32(&f->cfg, 0, 0x20000, false), 0);
	assert_int_equal(pci_cfg_add_bar32(&f->cfg, 1, 0x1000, true), 0);
	assert_int_equal(pci_cfg_add_bar64(&f->cfg, 2, 0x4000, false), 0);
	assert_int_equal(pci_cfg_add_bar32(&f->cfg, 1, 0x1000, false), -EINVAL); /* taken */
	assert_int_equal(pci_cfg_add_bar32(&f->cfg, 3, 0x1000, false), -EINVAL); /* upper half */
	assert_int_equal(pci_cfg_add_bar32(&f->cfg, 5, 4ull << 30, false), -EINVAL);
	assert_int_equal(pci_cfg_add_bar32(&f->cfg, 5, 24, false), -EINVAL);
	assert_int_equal(pci_cfg_add_bar32(&f->cfg, 6, 4096, false), -EINVAL);
	assert_int_equal(rd(f, PCI_BASE_ADDRESS_0, 4), PCI_BASE_ADDRESS_MEM_TYPE_32);
	assert_int_equal(rd(f, PCI_BASE_ADDRESS_1, 4), PCI_BASE_ADDRESS_MEM_PREFETCH);
	wr(f, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
	wr(f, PCI_BASE_ADDRESS_1, 4, 0xffffffff);
	assert_int_equal(rd(f, PCI_BASE_ADDRESS_0, 4), (uint32_t) ~(0x20000 - 1));
	assert_int_equal(rd(f, PCI_BASE_ADDRESS_1, 4),
			 (uint32_t) ~(0x1000 - 1) | PCI_BASE_ADDRESS_MEM_PREFETCH);
	/* Decoding on while BAR0 holds the sizing pattern: not mapped there. */
	wr(f, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(f->nbar_ev, 0);
	wr(f, PCI_BASE_ADDRESS_0, 4, 0x10000000);
	wr(f, PCI_BASE_ADDRESS_1, 4, 0x10020000);
	assert_true(pci_cfg_bar_mapping(&f->cfg, 0, &gpa, &size));
	assert_int_equal(gpa, 0x10000000);
	assert_int_equal(size, 0x20000);
	/* BAR1's neighbour register is BAR2's, not an upper half of BAR1. */
	assert_true(pci_cfg_bar_mapping(&f->cfg, 1, &gpa, NULL));
	assert_int_equal(gpa, 0x10020000);
	assert_int_equal(f->nbar_ev, 2);
	assert_int_equal(f->bar_ev[1].bar, 1);
	assert_true(f->bar_ev[1].mapped);
}

static void test_decode_reports_placement(void **state)
{
	struct fix *f = *state;
	uint64_t gpa, size, off;
	int bar;

	place(f, 0, GPA0);
	place(f, 4, 0x8000000000ull);
	assert_int_equal(f->nbar_ev, 0); /* decoding is off */
	assert_false(pci_cfg_bar_mapping(&f->cfg, 0, &gpa, &size));
	assert_int_equal(gpa, GPA0);
	assert_int_equal(size, BAR0_SIZE);
	wr(f, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	/* BAR2 still reads 0: not placed, so not mapped. */
	assert_int_equal(f->nbar_ev, 2);
	assert_int_equal(f->bar_ev[0].bar, 0);
	assert_int_equal(f->bar_ev[0].gpa, GPA0);
	assert_true(f->bar_ev[0].mapped && f->bar_ev[0].model_mapped);
	assert_int_equal(f->bar_ev[1].bar, 4);
	assert_int_equal(f->bar_ev[1].gpa, 0x8000000000ull);
	assert_int_equal(f->bar_ev[1].size, BAR4_SIZE);
	assert_false(pci_cfg_bar_mapping(&f->cfg, 2, NULL, NULL));
	assert_int_equal(pci_cfg_bar_find(&f->cfg, GPA0 + 0x10, &bar, &off), 0);
	assert_int_equal(bar, 0);
	assert_int_equal(off, 0x10);
	assert_int_equal(pci_cfg_bar_find(&f->cfg, GPA0 + BAR0_SIZE, &bar, &off), -ENOENT);
	assert_int_equal(pci_cfg_bar_find(&f->cfg, GPA0 - 1, &bar, &off), -ENOENT);
	/* Moving a mapped BAR: unmap at the old place (model still there), map at the new. */
	f->nbar_ev = 0;
	wr(f, PCI_BASE_ADDRESS_0, 4, 0xd0000000);
	assert_int_equal(f->nbar_ev, 2);
	assert_false(f->bar_ev[0].mapped);
	assert_int_equal(f->bar_ev[0].gpa, GPA0);
	assert_true(f->bar_ev[0].model_mapped);
	assert_true(f->bar_ev[1].mapped);
	assert_int_equal(f->bar_ev[1].gpa, 0xd0000000);
	/* Rewriting the same address reports nothing. */
	wr(f, PCI_BASE_ADDRESS_0, 4, 0xd0000000);
	assert_int_equal(f->nbar_ev, 2);
	/* Sizing with decoding on: the all-ones pattern is not a placement. */
	wr(f, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
	wr(f, PCI_BASE_ADDRESS_1, 4, 0xffffffff);
	assert_false(pci_cfg_bar_mapping(&f->cfg, 0, NULL, NULL));
	assert_false(f->bar_ev[2].mapped);
	assert_int_equal(f->bar_ev[2].gpa, 0xd0000000);
	/* Neither is 0. */
	place(f, 0, 0);
	assert_false(pci_cfg_bar_mapping(&f->cfg, 0, NULL, NULL));
	place(f, 0, GPA0);
	assert_true(pci_cfg_bar_mapping(&f->cfg, 0, NULL, NULL));
	/* Decoding off unmaps everything. */
	f->nbar_ev = 0;
	wr(f, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
	assert_int_equal(f->nbar_ev, 2);
	assert_false(f->bar_ev[0].mapped || f->bar_ev[1].mapped);
	assert_int_equal(pci_cfg_bar_find(&f->cfg, GPA0, &bar, &off), -ENOENT);
}

/* ---- capabilities ------------------------------------------------------------ */

static void test_cap_chain(void **state)
{
	struct fix *f = *state;
	struct pci_cfg cfg;
	uint8_t ids_seen[8], n = 0;

	assert_true(rd(f, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	for (uint8_t at = (uint8_t)rd(f, PCI_CAPABILITY_LIST, 1); at && n < 8;
	     at = (uint8_t)rd(f, at + PCI_CAP_LIST_NEXT, 1))
		ids_seen[n++] = (uint8_t)rd(f, at, 1);
	assert_int_equal(n, 3);
	assert_int_equal(ids_seen[0], PCI_CAP_ID_VNDR);
	assert_int_equal(ids_seen[1], PCI_CAP_ID_MSIX);
	assert_int_equal(ids_seen[2], PCI_CAP_ID_MSI);
	assert_int_equal(rd(f, MSIX_AT + PCI_CAP_LIST_NEXT, 1), MSI_AT);
	assert_int_equal(rd(f, MSI_AT + PCI_CAP_LIST_NEXT, 1), 0);
	assert_int_equal(rd(f, PCI_CAPABILITY_LIST, 1), VNDR_AT);
	assert_int_equal(rd(f, VNDR_AT + 2, 1), 16); /* the owner's body */
	assert_int_equal(rd(f, MSIX_AT + PCI_MSIX_FLAGS, 2), NVEC - 1);
	assert_int_equal(rd(f, MSIX_AT + PCI_MSIX_TABLE, 4), TABLE_OFF | 2);
	assert_int_equal(rd(f, MSIX_AT + PCI_MSIX_PBA, 4), PBA_OFF | 2);
	assert_int_equal(rd(f, MSI_AT + PCI_MSI_FLAGS, 2), PCI_MSI_FLAGS_64BIT);
	assert_int_equal(f->cfg.msi_cap, MSI_AT);
	/* The list is read-only to the guest. */
	wr(f, VNDR_AT + PCI_CAP_LIST_NEXT, 1, 0x80);
	wr(f, PCI_CAPABILITY_LIST, 1, 0x80);
	assert_int_equal(rd(f, VNDR_AT + PCI_CAP_LIST_NEXT, 1), MSIX_AT);

	/* Without capabilities, no CAP_LIST; bad places are refused, the chain kept. */
	pci_cfg_init(&cfg, &ids, NULL, NULL);
	assert_false(cfg.regs[PCI_STATUS] & PCI_STATUS_CAP_LIST);
	assert_null(pci_cfg_add_cap(&cfg, 0x3c, PCI_CAP_ID_VNDR, 4)); /* in the header */
	assert_null(pci_cfg_add_cap(&cfg, 0x42, PCI_CAP_ID_VNDR, 4)); /* misaligned */
	assert_null(pci_cfg_add_cap(&cfg, 0xf8, PCI_CAP_ID_VNDR, 12)); /* past 256 */
	assert_null(pci_cfg_add_cap(&cfg, 0x40, PCI_CAP_ID_VNDR, 1));
	assert_false(cfg.regs[PCI_STATUS] & PCI_STATUS_CAP_LIST);
	assert_non_null(pci_cfg_add_cap(&cfg, 0x40, PCI_CAP_ID_VNDR, 8));
	assert_null(pci_cfg_add_cap(&cfg, 0x44, PCI_CAP_ID_VNDR, 4)); /* overlaps */
	assert_null(pci_cfg_add_cap(&cfg, 0x40, PCI_CAP_ID_VNDR, 4));
	assert_non_null(pci_cfg_add_cap(&cfg, 0xfc, PCI_CAP_ID_VNDR, 4)); /* the last dword */
	assert_int_equal(cfg.regs[PCI_CAPABILITY_LIST], 0x40);
	assert_int_equal(cfg.regs[0x40 + PCI_CAP_LIST_NEXT], 0xfc);
	assert_int_equal(cfg.regs[0xfc + PCI_CAP_LIST_NEXT], 0);
}

static void test_msix_add_rejects(void **state)
{
	struct pci_cfg cfg;

	(void)state;
	pci_cfg_init(&cfg, &ids, NULL, NULL);
	assert_int_equal(pci_cfg_add_bar64(&cfg, 0, 0x1000, false), 0);
	assert_int_equal(pci_cfg_add_msix(&cfg, 0x40, 0, 0, 0, 0x800), -EINVAL);
	assert_int_equal(pci_cfg_add_msix(&cfg, 0x40, PCI_CFG_MSIX_MAX_VECTORS + 1, 0, 0, 0x800),
			 -EINVAL);
	assert_int_equal(pci_cfg_add_msix(&cfg, 0x40, 4, 2, 0, 0x800), -EINVAL); /* no BAR2 */
	assert_int_equal(pci_cfg_add_msix(&cfg, 0x40, 4, 1, 0, 0x800), -EINVAL); /* upper half */
	assert_int_equal(pci_cfg_add_msix(&cfg, 0x40, 4, 0, 4, 0x800), -EINVAL); /* misaligned */
	assert_int_equal(pci_cfg_add_msix(&cfg, 0x40, 4, 0, 0, 0x804), -EINVAL);
	assert_int_equal(pci_cfg_add_msix(&cfg, 0x40, 4, 0, 0xff8, 0x800), -EINVAL); /* past BAR */
	assert_int_equal(pci_cfg_add_msix(&cfg, 0x40, 4, 0, 0, 0x1000), -EINVAL);
	/* 65 vectors at 0x800 end at 0xc10: a PBA at 0xc00 would overlap. */
	assert_int_equal(pci_cfg_add_msix(&cfg, 0x40, 65, 0, 0x800, 0xc00), -EINVAL);
	assert_int_equal(pci_cfg_add_msix(&cfg, 0x40, 4, 0, 0x800, 0x830), -EINVAL);
	assert_int_equal(pci_cfg_add_msix(&cfg, 0x3c, 4, 0, 0, 0x800), -EINVAL); /* bad cap */
	assert_int_equal(cfg.msix_cap, 0);
	assert_int_equal(pci_cfg_add_msix(&cfg, 0x40, 65, 0, 0x800, 0xe00), 0);
	assert_int_equal(pci_cfg_add_msix(&cfg, 0x50, 4, 0, 0, 0x600), -EINVAL); /* a second */
	assert_int_equal(pci_cfg_msix_nvec(&cfg), 65);
}

/* ---- MSI-X ------------------------------------------------------------------- */

static void enable_msix(struct fix *f, uint16_t flags)
{
	wr(f, MSIX_AT + PCI_MSIX_FLAGS, 2, flags);
}

static void test_msix_mask_and_pending(void **state)
{
	struct fix *f = *state;

	/* All vectors start masked, in the table and in effect. */
	for (uint16_t v = 0; v < NVEC; v++) {
		assert_int_equal(bar_rd(f, 16u * v + PCI_MSIX_ENTRY_VECTOR_CTRL, 4),
				 PCI_MSIX_ENTRY_CTRL_MASKBIT);
		assert_true(pci_cfg_msix_masked(&f->cfg, v));
		program(f, v, true);
	}
	/* Disabled: a fired vector is held pending. */
	pci_cfg_msix_fire(&f->cfg, 1);
	assert_int_equal(f->signals[1], 0);
	assert_true(pci_cfg_msix_pending(&f->cfg, 1));
	assert_int_equal(bar_rd(f, PBA_OFF, 8), 1u << 1);
	/* Enabling reports every vector, still masked by its entry. */
	memset(f->msix_changes, 0, sizeof(f->msix_changes));
	enable_msix(f, PCI_MSIX_FLAGS_ENABLE);
	assert_true(pci_cfg_msix_enabled(&f->cfg));
	for (uint16_t v = 0; v < NVEC; v++) {
		assert_int_equal(f->msix_changes[v], 1);
		assert_true(f->msix_masked[v]);
	}
	assert_int_equal(f->signals[1], 0);
	/* Unmasking the entry delivers the pending message once. */
	bar_wr(f, 16 + PCI_MSIX_ENTRY_VECTOR_CTRL, 4, 0);
	assert_int_equal(f->msix_changes[1], 2);
	assert_false(f->msix_masked[1]);
	assert_int_equal(f->signals[1], 1);
	assert_int_equal(f->sig_addr, 0xfee00001);
	assert_int_equal(f->sig_data, 0x101);
	assert_false(pci_cfg_msix_pending(&f->cfg, 1));
	assert_int_equal(bar_rd(f, PBA_OFF, 8), 0);
	/* Unmasked: delivered at once. */
	pci_cfg_msix_fire(&f->cfg, 1);
	assert_int_equal(f->signals[1], 2);
	/* The function mask holds every vector; clearing it delivers. */
	enable_msix(f, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	assert_true(f->msix_masked[1]);
	pci_cfg_msix_fire(&f->cfg, 1);
	pci_cfg_msix_fire(&f->cfg, 1);
	assert_int_equal(f->signals[1], 2);
	assert_true(pci_cfg_msix_pending(&f->cfg, 1));
	enable_msix(f, PCI_MSIX_FLAGS_ENABLE);
	assert_int_equal(f->signals[1], 3); /* one message for the pending bit */
	/* Disabling holds it again; re-enabling delivers. */
	enable_msix(f, 0);
	pci_cfg_msix_fire(&f->cfg, 1);
	assert_int_equal(f->signals[1], 3);
	enable_msix(f, PCI_MSIX_FLAGS_ENABLE);
	assert_int_equal(f->signals[1], 4);
	/* Vectors past the table and NO_VECTOR (0xffff) do nothing. */
	pci_cfg_msix_fire(&f->cfg, NVEC);
	pci_cfg_msix_fire(&f->cfg, 0xffff);
	assert_false(pci_cfg_msix_pending(&f->cfg, NVEC));
	assert_true(pci_cfg_msix_masked(&f->cfg, 0xffff));
	assert_int_equal(bar_rd(f, PBA_OFF, 8), 0);
}

static void test_msix_entry_writes(void **state)
{
	struct fix *f = *state;

	program(f, 0, false);
	memset(f->msix_changes, 0, sizeof(f->msix_changes));
	/* Changing the message reports it, rewriting the same value does not. */
	bar_wr(f, PCI_MSIX_ENTRY_DATA, 4, 0x200);
	assert_int_equal(f->msix_changes[0], 1);
	bar_wr(f, PCI_MSIX_ENTRY_DATA, 4, 0x200);
	assert_int_equal(f->msix_changes[0], 1);
	/* A 64-bit address in one access; byte writes keep the other bytes. */
	bar_wr(f, PCI_MSIX_ENTRY_LOWER_ADDR, 8, 0x0000000108090a0cull);
	assert_int_equal(bar_rd(f, PCI_MSIX_ENTRY_LOWER_ADDR, 8), 0x0000000108090a0cull);
	bar_wr(f, PCI_MSIX_ENTRY_LOWER_ADDR + 1, 1, 0xff);
	assert_int_equal(bar_rd(f, PCI_MSIX_ENTRY_LOWER_ADDR, 4), 0x0809ff0c);
	/* Only the mask bit of vector control is writable. */
	bar_wr(f, PCI_MSIX_ENTRY_VECTOR_CTRL, 4, 0xfffffffe);
	assert_int_equal(bar_rd(f, PCI_MSIX_ENTRY_VECTOR_CTRL, 4), 0);
	bar_wr(f, PCI_MSIX_ENTRY_VECTOR_CTRL, 4, 0xffffffff);
	assert_int_equal(bar_rd(f, PCI_MSIX_ENTRY_VECTOR_CTRL, 4), 1);
	/* An 8-byte write across two entries updates both and reports both. */
	memset(f->msix_changes, 0, sizeof(f->msix_changes));
	bar_wr(f, 12, 8, 0x1111111100000000ull);
	assert_int_equal(bar_rd(f, PCI_MSIX_ENTRY_VECTOR_CTRL, 4), 0);
	assert_int_equal(bar_rd(f, 16, 4), 0x11111111);
	assert_int_equal(f->msix_changes[0], 1);
	assert_int_equal(f->msix_changes[1], 1);
	/* The PBA is read-only: writes are claimed and dropped. */
	pci_cfg_msix_fire(&f->cfg, 2);
	bar_wr(f, PBA_OFF, 8, 0);
	bar_wr(f, PBA_OFF, 1, 0xff);
	assert_int_equal(bar_rd(f, PBA_OFF, 8), 1u << 2);
}

/* Hostile offsets and sizes: claimed only inside the table or PBA, never out of range. */
static void test_msix_access_bounds(void **state)
{
	struct fix *f = *state;
	const uint64_t tend = TABLE_OFF + 16u * NVEC;
	uint64_t v = 0x77;

	for (uint16_t e = 0; e < NVEC; e++)
		program(f, e, false);
	/* Wrong BAR, bad sizes, wrap-around past 2^64. */
	assert_false(pci_cfg_msix_read(&f->cfg, 0, TABLE_OFF, 4, &v));
	assert_false(pci_cfg_msix_read(&f->cfg, -1, TABLE_OFF, 4, &v));
	assert_false(pci_cfg_msix_read(&f->cfg, 2, TABLE_OFF, 3, &v));
	assert_false(pci_cfg_msix_read(&f->cfg, 2, TABLE_OFF, 0, &v));
	assert_false(pci_cfg_msix_read(&f->cfg, 2, TABLE_OFF, 16, &v));
	assert_false(pci_cfg_msix_write(&f->cfg, 2, TABLE_OFF, 16, 0));
	assert_false(pci_cfg_msix_read(&f->cfg, 2, UINT64_MAX, 1, &v));
	assert_false(pci_cfg_msix_read(&f->cfg, 2, UINT64_MAX - 3, 8, &v));
	assert_false(pci_cfg_msix_write(&f->cfg, 2, UINT64_MAX - 3, 8, 0));
	assert_false(pci_cfg_msix_write(&f->cfg, 2, UINT64_MAX - 7, 8, 0));
	assert_int_equal(v, 0x77);
	/* Gaps are the owner's. */
	assert_false(pci_cfg_msix_read(&f->cfg, 2, tend, 4, &v));
	assert_false(pci_cfg_msix_write(&f->cfg, 2, PBA_OFF + 8, 8, ~0ull));
	assert_false(pci_cfg_msix_read(&f->cfg, 2, BAR2_SIZE, 8, &v));
	/* Straddling the end of the table: only table bytes count. */
	assert_int_equal(bar_rd(f, tend - 4, 8), 0); /* last vector control, unmasked */
	bar_wr(f, tend - 4, 8, 0xffffffff00000001ull);
	assert_int_equal(bar_rd(f, tend - 4, 4), PCI_MSIX_ENTRY_CTRL_MASKBIT);
	assert_int_equal(f->cfg.msix_table[tend], 0);
	/* Straddling the start of the PBA from below. */
	pci_cfg_msix_fire(&f->cfg, NVEC - 1);
	assert_int_equal(bar_rd(f, PBA_OFF - 4, 8), (uint64_t)(1u << (NVEC - 1)) << 32);
	/* Every offset and size across the BAR and beyond: the sanitizers watch. */
	for (uint64_t off = 0; off < 2 * BAR2_SIZE; off++)
		for (uint32_t size = 1; size <= 8; size <<= 1) {
			pci_cfg_msix_read(&f->cfg, 2, off, size, &v);
			pci_cfg_msix_write(&f->cfg, 2, off, size, 0x5555555555555554ull);
		}
	for (uint16_t e = 0; e < NVEC; e++)
		assert_int_equal(bar_rd(f, 16u * e + PCI_MSIX_ENTRY_VECTOR_CTRL, 4), 0);
	for (unsigned int i = NVEC * 16; i < PCI_CFG_MSIX_TABLE_BYTES; i++)
		assert_int_equal(f->cfg.msix_table[i], 0);
}

/* A full table (128 vectors) ends exactly where the model's storage does. */
static void test_msix_full_table(void **state)
{
	struct pci_cfg cfg;
	uint64_t v;

	(void)state;
	pci_cfg_init(&cfg, &ids, NULL, NULL);
	assert_int_equal(pci_cfg_add_bar64(&cfg, 0, 0x1000, false), 0);
	assert_int_equal(pci_cfg_add_msix(&cfg, 0x40, PCI_CFG_MSIX_MAX_VECTORS, 0, 0, 0x800), 0);
	for (uint64_t off = 0x7f0; off < 0x820; off++) {
		pci_cfg_msix_write(&cfg, 0, off, 8, ~0ull);
		pci_cfg_msix_read(&cfg, 0, off, 8, &v);
	}
	pci_cfg_msix_fire(&cfg, PCI_CFG_MSIX_MAX_VECTORS - 1);
	assert_true(pci_cfg_msix_pending(&cfg, PCI_CFG_MSIX_MAX_VECTORS - 1));
	assert_true(pci_cfg_msix_read(&cfg, 0, 0x808, 8, &v));
	assert_int_equal(v, 1ull << 63);
	assert_false(pci_cfg_msix_read(&cfg, 0, 0x810, 8, &v));
}

/* ---- MSI --------------------------------------------------------------------- */

static void msi_wr(struct fix *f, uint32_t reg, uint32_t size, uint32_t val)
{
	wr(f, MSI_AT + reg, size, val);
}

/* Address 0x1_fee00004, data 0x4321, enabled. */
static void program_msi(struct fix *f)
{
	msi_wr(f, PCI_MSI_ADDRESS_LO, 4, 0xfee00004);
	msi_wr(f, PCI_MSI_ADDRESS_HI, 4, 1);
	msi_wr(f, PCI_MSI_DATA_64, 2, 0x4321);
	msi_wr(f, PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE);
}

static void test_msi_add_rejects(void **state)
{
	struct pci_cfg cfg;

	(void)state;
	pci_cfg_init(&cfg, &ids, NULL, NULL);
	assert_int_equal(pci_cfg_add_msi(&cfg, 0x3c), -EINVAL); /* in the header */
	assert_int_equal(pci_cfg_add_msi(&cfg, 0x42), -EINVAL); /* misaligned */
	assert_int_equal(pci_cfg_add_msi(&cfg, 0xf4), -EINVAL); /* 14 bytes go past 256 */
	assert_int_equal(cfg.msi_cap, 0);
	assert_false(cfg.regs[PCI_STATUS] & PCI_STATUS_CAP_LIST);
	assert_false(pci_cfg_msi_enabled(&cfg));
	assert_int_equal(pci_cfg_msi_addr(&cfg), 0);
	assert_int_equal(pci_cfg_msi_data(&cfg), 0);
	assert_non_null(pci_cfg_add_cap(&cfg, 0x40, PCI_CAP_ID_VNDR, 8));
	assert_int_equal(pci_cfg_add_msi(&cfg, 0x44), -EINVAL); /* overlaps */
	assert_int_equal(pci_cfg_add_msi(&cfg, 0xf0), 0); /* the last place it fits */
	assert_int_equal(cfg.msi_cap, 0xf0);
	assert_int_equal(cfg.regs[0x40 + PCI_CAP_LIST_NEXT], 0xf0);
	assert_int_equal(cfg.regs[0xf0 + PCI_CAP_LIST_ID], PCI_CAP_ID_MSI);

	/* A second MSI is refused even where it would fit; the chain is kept. */
	pci_cfg_init(&cfg, &ids, NULL, NULL);
	assert_int_equal(pci_cfg_add_msi(&cfg, 0x40), 0);
	assert_int_equal(pci_cfg_add_msi(&cfg, 0x50), -EINVAL);
	assert_int_equal(cfg.msi_cap, 0x40);
	assert_int_equal(cfg.regs[0x40 + PCI_CAP_LIST_NEXT], 0);
	assert_int_equal(cfg.regs[0x50], 0);
	/* It ends at 0x4e: the next capability may start at the next dword. */
	assert_null(pci_cfg_add_cap(&cfg, 0x4c, PCI_CAP_ID_VNDR, 4));
	assert_non_null(pci_cfg_add_cap(&cfg, 0x50, PCI_CAP_ID_VNDR, 4));
}

static void test_msi_control(void **state)
{
	struct fix *f = *state;

	/* One vector (MMC 0), 64-bit, no per-vector masking; only enable sticks. */
	msi_wr(f, PCI_MSI_FLAGS, 2, 0xffff);
	assert_int_equal(rd(f, MSI_AT + PCI_MSI_FLAGS, 2),
			 PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_ENABLE);
	/* Multiple Message Enable 7 (128 vectors) stays 0. */
	msi_wr(f, PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_QSIZE | PCI_MSI_FLAGS_ENABLE);
	assert_int_equal(rd(f, MSI_AT + PCI_MSI_FLAGS, 2) & PCI_MSI_FLAGS_QSIZE, 0);
	assert_true(pci_cfg_msi_enabled(&f->cfg));
	msi_wr(f, PCI_MSI_FLAGS, 2, 0);
	assert_int_equal(rd(f, MSI_AT + PCI_MSI_FLAGS, 2), PCI_MSI_FLAGS_64BIT);
	msi_wr(f, PCI_MSI_FLAGS + 1, 1, 0xff); /* per-vector masking capable */
	assert_int_equal(rd(f, MSI_AT + PCI_MSI_FLAGS, 2), PCI_MSI_FLAGS_64BIT);
	/* Id and next are read-only; the data's upper half and past it are not ours. */
	wr(f, MSI_AT, 2, 0xffff);
	assert_int_equal(rd(f, MSI_AT, 2), PCI_CAP_ID_MSI);
	msi_wr(f, PCI_MSI_DATA_64, 4, 0xffffffff);
	assert_int_equal(rd(f, MSI_AT + PCI_MSI_DATA_64, 4), 0xffff);
	msi_wr(f, PCI_MSI_MASK_64, 4, 0xffffffff);
	msi_wr(f, PCI_MSI_PENDING_64, 4, 0xffffffff);
	assert_int_equal(rd(f, MSI_AT + PCI_MSI_MASK_64, 4), 0);
	assert_int_equal(rd(f, MSI_AT + PCI_MSI_PENDING_64, 4), 0);
}

/* Every change of enable, address or data is reported once, no-ops never. */
static void test_msi_message_writes(void **state)
{
	struct fix *f = *state;

	/* Disabled: programming the message is reported too. The low 2 bits read 0. */
	msi_wr(f, PCI_MSI_ADDRESS_LO, 4, 0xfee01003);
	assert_int_equal(f->msi_changes, 1);
	assert_false(f->msi_enabled);
	assert_int_equal(f->msi_addr, 0xfee01000);
	assert_int_equal(f->msi_data, 0);
	assert_int_equal(rd(f, MSI_AT + PCI_MSI_ADDRESS_LO, 4), 0xfee01000);
	msi_wr(f, PCI_MSI_ADDRESS_LO, 4, 0xfee01000); /* same value */
	msi_wr(f, PCI_MSI_ADDRESS_LO, 1, 0x03); /* only the reserved bits */
	msi_wr(f, PCI_MSI_DATA_64 + 2, 2, 0xffff); /* not ours */
	wr(f, MSI_AT, 2, 0x1234); /* id and next */
	assert_int_equal(f->msi_changes, 1);
	msi_wr(f, PCI_MSI_ADDRESS_HI, 4, 0x12);
	assert_int_equal(f->msi_changes, 2);
	assert_int_equal(f->msi_addr, 0x12fee01000ull);
	msi_wr(f, PCI_MSI_DATA_64, 2, 0x4041);
	assert_int_equal(f->msi_changes, 3);
	assert_int_equal(f->msi_data, 0x4041);
	/* Enabling with a word write reports the message with it. */
	msi_wr(f, PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE);
	assert_int_equal(f->msi_changes, 4);
	assert_true(f->msi_enabled);
	assert_int_equal(f->msi_addr, 0x12fee01000ull);
	assert_int_equal(f->msi_data, 0x4041);
	msi_wr(f, PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
	wr(f, MSI_AT, 4, (uint32_t)PCI_MSI_FLAGS_ENABLE << 16);
	assert_int_equal(f->msi_changes, 4);
	/* Byte writes while enabled. */
	msi_wr(f, PCI_MSI_DATA_64 + 1, 1, 0x50);
	assert_int_equal(f->msi_changes, 5);
	assert_int_equal(f->msi_data, 0x5041);
	msi_wr(f, PCI_MSI_ADDRESS_LO + 1, 1, 0x20);
	assert_int_equal(f->msi_changes, 6);
	assert_int_equal(f->msi_addr, 0x12fee02000ull);
	/* A dword straddling the upper address and the data: one report for both. */
	msi_wr(f, PCI_MSI_ADDRESS_HI + 2, 4, 0x60610001);
	assert_int_equal(f->msi_changes, 7);
	assert_int_equal(f->msi_addr, 0x00010012fee02000ull);
	assert_int_equal(f->msi_data, 0x6061);
	/* A dword over control and the low address: disabled and moved at once. */
	msi_wr(f, PCI_MSI_FLAGS, 4, 0x30000000);
	assert_int_equal(f->msi_changes, 8);
	assert_false(f->msi_enabled);
	assert_int_equal(f->msi_addr, 0x00010012fee03000ull);
	/* Byte-wise enable and disable. */
	msi_wr(f, PCI_MSI_FLAGS, 1, PCI_MSI_FLAGS_ENABLE);
	assert_int_equal(f->msi_changes, 9);
	assert_true(f->msi_enabled);
	assert_true(pci_cfg_msi_enabled(&f->cfg));
	assert_int_equal(pci_cfg_msi_addr(&f->cfg), 0x00010012fee03000ull);
	assert_int_equal(pci_cfg_msi_data(&f->cfg), 0x6061);
	msi_wr(f, PCI_MSI_FLAGS, 1, 0);
	assert_int_equal(f->msi_changes, 10);
	assert_false(f->msi_enabled);
	/* Writes elsewhere never report MSI. */
	wr(f, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
	wr(f, MSIX_AT + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	assert_int_equal(f->msi_changes, 10);
	/* Every offset and size over the capability: the model and the callback agree. */
	for (uint32_t off = MSI_AT - 4; off < MSI_AT + 0x14; off++)
		for (uint32_t size = 1; size <= 4; size <<= 1)
			wr(f, off, size, 0xa5a5a5a5 ^ off);
	assert_int_equal(rd(f, MSI_AT + PCI_MSI_ADDRESS_LO, 1) & 3, 0);
	assert_int_equal(rd(f, MSI_AT + PCI_MSI_FLAGS, 2) & ~PCI_MSI_FLAGS_ENABLE,
			 PCI_MSI_FLAGS_64BIT);
}

static void test_msi_intx(void **state)
{
	struct fix *f = *state;

	pci_cfg_set_intx(&f->cfg, true);
	assert_true(f->intx);
	/* With MSI enabled the function does not use INTx. */
	msi_wr(f, PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE);
	assert_false(f->intx);
	assert_false(rd(f, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	f->intx_changes = 0;
	pci_cfg_set_intx(&f->cfg, true);
	assert_int_equal(f->intx_changes, 0);
	msi_wr(f, PCI_MSI_FLAGS, 2, 0);
	assert_true(f->intx);
	assert_true(rd(f, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	/* Either enable keeps the line low on its own. */
	enable_msix(f, PCI_MSIX_FLAGS_ENABLE);
	msi_wr(f, PCI_MSI_FLAGS, 1, PCI_MSI_FLAGS_ENABLE);
	enable_msix(f, 0);
	assert_false(f->intx);
	msi_wr(f, PCI_MSI_FLAGS, 1, 0);
	assert_true(f->intx);
	/* Reset disables MSI: the line is back up while asserted. */
	msi_wr(f, PCI_MSI_FLAGS, 1, PCI_MSI_FLAGS_ENABLE);
	assert_false(f->intx);
	pci_cfg_reset(&f->cfg);
	assert_true(f->intx);
}

static void test_msi_reset(void **state)
{
	struct fix *f = *state;

	program_msi(f);
	assert_true(f->msi_enabled);
	f->msi_changes = 0;
	pci_cfg_reset(&f->cfg);
	assert_int_equal(f->msi_changes, 1);
	assert_false(f->msi_enabled);
	assert_int_equal(f->msi_addr, 0);
	assert_int_equal(f->msi_data, 0);
	assert_int_equal(rd(f, MSI_AT + PCI_MSI_FLAGS, 2), PCI_MSI_FLAGS_64BIT);
	assert_int_equal(rd(f, MSI_AT + PCI_MSI_ADDRESS_HI, 4), 0);
	/* Reported on every reset, changed or not. */
	pci_cfg_reset(&f->cfg);
	assert_int_equal(f->msi_changes, 2);
	/* A function without MSI reports nothing, whatever is written where it would be. */
	memset(f, 0, sizeof(*f));
	pci_cfg_init(&f->cfg, &ids, &ops, f);
	wr(f, MSI_AT + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE);
	pci_cfg_reset(&f->cfg);
	assert_int_equal(f->msi_changes, 0);
	assert_false(pci_cfg_msi_enabled(&f->cfg));
}

static void test_msi_save_check_load(void **state)
{
	struct fix *f = *state;
	struct fix *g = malloc(sizeof(*g));
	struct pci_cfg_state st, bad, again;

	place(f, 0, GPA0);
	wr(f, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	program_msi(f);
	pci_cfg_set_intx(&f->cfg, true); /* MSI enabled: status bit stays clear */
	pci_cfg_save(&f->cfg, &st);
	build(g);
	assert_null(pci_cfg_check(&g->cfg, &st));
	for (int c = 0; c < 7; c++) {
		bad = st;
		switch (c) {
		case 0:
			bad.regs[MSI_AT + PCI_MSI_FLAGS] |= PCI_MSI_FLAGS_QMASK;
			break;
		case 1:
			bad.regs[MSI_AT + PCI_MSI_FLAGS] |= PCI_MSI_FLAGS_QSIZE;
			break;
		case 2:
			bad.regs[MSI_AT + PCI_MSI_FLAGS] &= (uint8_t)~PCI_MSI_FLAGS_64BIT;
			break;
		case 3:
			bad.regs[MSI_AT + PCI_MSI_FLAGS + 1] |= PCI_MSI_FLAGS_MASKBIT >> 8;
			break;
		case 4:
			bad.regs[MSI_AT + PCI_MSI_ADDRESS_LO] |= 3;
			break;
		case 5:
			bad.regs[MSI_AT + PCI_MSI_DATA_64 + 2] = 1;
			break;
		default:
			bad.regs[MSI_AT + PCI_CAP_LIST_NEXT] = 0x70;
			break;
		}
		assert_non_null(pci_cfg_check(&g->cfg, &bad));
	}
	assert_int_equal(g->msi_changes, 0);
	pci_cfg_set_intx(&g->cfg, true);
	assert_true(g->intx);
	pci_cfg_load(&g->cfg, &st);
	assert_int_equal(g->msi_changes, 1);
	assert_true(g->msi_enabled);
	assert_int_equal(g->msi_addr, 0x1fee00004ull);
	assert_int_equal(g->msi_data, 0x4321);
	assert_false(g->intx); /* the loaded MSI enable gates the line */
	pci_cfg_save(&g->cfg, &again);
	assert_memory_equal(&again, &st, sizeof(st));
	/* Loading what is already there reports nothing. */
	pci_cfg_load(&g->cfg, &st);
	assert_int_equal(g->msi_changes, 1);
	/* The loaded function works on. */
	wr(g, MSI_AT + PCI_MSI_FLAGS, 2, 0);
	assert_int_equal(g->msi_changes, 2);
	assert_false(g->msi_enabled);
	assert_true(g->intx);
	free(g);
}

/* ---- INTx -------------------------------------------------------------------- */

static void test_intx(void **state)
{
	struct fix *f = *state;

	pci_cfg_set_intx(&f->cfg, true);
	assert_true(f->intx);
	assert_true(rd(f, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	/* The guest may not clear the status bit. */
	wr(f, PCI_STATUS, 2, 0);
	assert_true(rd(f, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	/* INTX_DISABLE lowers the line; the status still shows the assertion. */
	wr(f, PCI_COMMAND, 2, PCI_COMMAND_INTX_DISABLE);
	assert_false(f->intx);
	assert_true(rd(f, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	wr(f, PCI_COMMAND, 2, 0);
	assert_true(f->intx);
	/* With MSI-X enabled the function does not use INTx. */
	enable_msix(f, PCI_MSIX_FLAGS_ENABLE);
	assert_false(f->intx);
	assert_false(rd(f, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	enable_msix(f, 0);
	assert_true(f->intx);
	f->intx_changes = 0;
	pci_cfg_set_intx(&f->cfg, true);
	assert_int_equal(f->intx_changes, 0); /* no change, no report */
	pci_cfg_set_intx(&f->cfg, false);
	assert_false(f->intx);
	assert_false(rd(f, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
}

/* ---- reset, save and restore -------------------------------------------------- */

/* Everything a guest can program, with a pending bit on an unmasked vector. */
static void program_all(struct fix *f)
{
	place(f, 0, GPA0);
	place(f, 2, GPA2);
	wr(f, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	wr(f, PCI_CACHE_LINE_SIZE, 1, 0x10);
	wr(f, PCI_INTERRUPT_LINE, 1, 0x2a);
	for (uint16_t v = 0; v < NVEC; v++)
		program(f, v, v == 2);
	enable_msix(f, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	pci_cfg_msix_fire(&f->cfg, 1);
}

static void test_reset(void **state)
{
	struct fix *f = *state;
	struct fix fresh;
	uint8_t ro[PCI_CFG_SIZE];

	build(&fresh);
	program_all(f);
	for (unsigned int o = 0; o < PCI_CFG_SIZE; o++)
		ro[o] = f->cfg.regs[o] & (uint8_t)~f->cfg.wmask[o];
	f->nbar_ev = 0;
	memset(f->msix_changes, 0, sizeof(f->msix_changes));
	f->msi_changes = 0;
	pci_cfg_reset(&f->cfg);
	/* Writable bytes are 0, read-only ones untouched: a fresh function. */
	for (unsigned int o = 0; o < PCI_CFG_SIZE; o++) {
		assert_int_equal(f->cfg.regs[o] & f->cfg.wmask[o], 0);
		assert_int_equal(f->cfg.regs[o] & (uint8_t)~f->cfg.wmask[o], ro[o]);
	}
	assert_memory_equal(f->cfg.regs, fresh.cfg.regs, PCI_CFG_SIZE);
	assert_memory_equal(f->cfg.msix_table, fresh.cfg.msix_table, PCI_CFG_MSIX_TABLE_BYTES);
	/* The owner heard: BARs unmapped, every vector masked; nothing delivered. */
	assert_int_equal(f->nbar_ev, 2);
	assert_false(f->bar_ev[0].mapped || f->bar_ev[1].mapped);
	for (uint16_t v = 0; v < NVEC; v++) {
		assert_int_equal(f->msix_changes[v], 1);
		assert_true(f->msix_masked[v]);
		assert_false(pci_cfg_msix_pending(&f->cfg, v));
		assert_int_equal(f->signals[v], 0);
	}
	assert_false(pci_cfg_msix_enabled(&f->cfg));
	assert_int_equal(bar_rd(f, PBA_OFF, 8), 0);
	assert_int_equal(f->msi_changes, 1); /* MSI reported disabled */
	assert_false(f->msi_enabled);
}

static void test_save_check_load(void **state)
{
	struct fix *f = *state;
	struct fix *g = malloc(sizeof(*g));
	struct pci_cfg_state st, bad, again;

	program_all(f);
	pci_cfg_set_intx(&f->cfg, true); /* MSI-X enabled: status bit stays clear */
	pci_cfg_save(&f->cfg, &st);
	build(g);
	assert_null(pci_cfg_check(&g->cfg, &st));
	/* The interrupt status bit is the model's, not part of the check. */
	bad = st;
	bad.regs[PCI_STATUS] ^= PCI_STATUS_INTERRUPT;
	assert_null(pci_cfg_check(&g->cfg, &bad));
	for (int c = 0; c < 6; c++) {
		bad = st;
		switch (c) {
		case 0:
			bad.regs[PCI_VENDOR_ID] ^= 1;
			break;
		case 1:
			bad.regs[PCI_COMMAND + 1] |= 0x80; /* a read-only command bit */
			break;
		case 2:
			bad.regs[MSIX_AT + PCI_MSIX_FLAGS] ^= 1; /* table size */
			break;
		case 3:
			bad.msix_table[16 + PCI_MSIX_ENTRY_VECTOR_CTRL + 2] = 1;
			break;
		case 4:
			bad.msix_table[NVEC * 16] = 1;
			break;
		default:
			bad.msix_pba[1] = 1;
			break;
		}
		assert_non_null(pci_cfg_check(&g->cfg, &bad));
	}
	/* Checking had no side effect. */
	assert_int_equal(g->nbar_ev, 0);
	assert_int_equal(g->msix_changes[0], 0);
	pci_cfg_load(&g->cfg, &st);
	assert_int_equal(g->nbar_ev, 2);
	assert_true(g->bar_ev[0].mapped && g->bar_ev[1].mapped);
	assert_int_equal(g->bar_ev[0].gpa, GPA0);
	assert_int_equal(g->bar_ev[1].gpa, GPA2);
	for (uint16_t v = 0; v < NVEC; v++) {
		assert_int_equal(g->msix_changes[v], 1);
		assert_true(g->msix_masked[v]); /* function mask */
	}
	assert_true(pci_cfg_msix_pending(&g->cfg, 1));
	assert_int_equal(g->msi_changes, 0); /* MSI untouched: not reported */
	pci_cfg_save(&g->cfg, &again);
	assert_memory_equal(&again, &st, sizeof(st));
	/* The loaded function works on: clearing the function mask delivers vector 1. */
	wr(g, MSIX_AT + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	assert_int_equal(g->signals[1], 1);
	free(g);
}

#define T(fn) SV_TEST(fn)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_identity_and_readonly),
		T(test_bar_sizing),
		T(test_bar_add_rejects),
		T(test_bar32),
		T(test_decode_reports_placement),
		T(test_cap_chain),
		T(test_msix_add_rejects),
		T(test_msix_mask_and_pending),
		T(test_msix_entry_writes),
		T(test_msix_access_bounds),
		T(test_msix_full_table),
		T(test_msi_add_rejects),
		T(test_msi_control),
		T(test_msi_message_writes),
		T(test_msi_intx),
		T(test_msi_reset),
		T(test_msi_save_check_load),
		T(test_intx),
		T(test_reset),
		T(test_save_check_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
