/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCI type-0 function model shared by every function we emulate (the
 * virtio-pci transport, the dataport): the 256-byte config image with a
 * per-byte writable mask (real-hardware semantics: BAR sizing by writing
 * all-ones, read-only bytes stay put), 64-bit memory BARs and their decode,
 * the capability list, MSI-X (capability, table, PBA), MSI (one vector) and
 * the INTx status.
 *
 * Everything a guest passes in (offsets, sizes, values) is untrusted and
 * checked here. The model has no lock: its owner serialises calls. Callbacks
 * run inside the call that caused them and must not re-enter the model with
 * a write (reads and accessors are fine).
 */
#ifndef SPLITVIRT_PCI_CFG_H
#define SPLITVIRT_PCI_CFG_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_CFG_SIZE 256 /* the type-0 header plus capabilities */
#define PCI_CFG_EXT_SIZE 4096 /* PCIe extended space: reads 0, writes ignored */
#define PCI_CFG_NR_BARS 6
#define PCI_CFG_MSIX_MAX_VECTORS 128
#define PCI_CFG_MSIX_ENTRY 16 /* bytes per MSI-X table entry */
#define PCI_CFG_MSIX_TABLE_BYTES (PCI_CFG_MSIX_MAX_VECTORS * PCI_CFG_MSIX_ENTRY)
#define PCI_CFG_PBA_WORDS (PCI_CFG_MSIX_MAX_VECTORS / 64)

struct pci_cfg_ids {
	uint16_t vendor, device;
	uint32_t class_code; /* base class << 16 | sub-class << 8 | prog-if */
	uint8_t revision;
	uint16_t subsys_vendor, subsys_id;
};

/* What the owner hears about; every callback is optional. */
struct pci_cfg_ops {
	/*
	 * A BAR was unmapped (called before the model forgets the old place) or
	 * mapped (called after it records the new one). Moving a mapped BAR is
	 * an unmap at the old address followed by a map at the new one.
	 */
	void (*bar_changed)(void *opaque, int bar, uint64_t gpa, uint64_t size, bool mapped);
	/*
	 * MSI-X vector v's message changed or its effective mask did (entry mask,
	 * function mask, MSI-X enable). Hosts update interrupt routes here.
	 */
	void (*msix_changed)(void *opaque, uint16_t v, uint64_t addr, uint32_t data, bool masked);
	/* Deliver vector v: it fired while enabled and unmasked, or got unmasked pending. */
	void (*msix_signal)(void *opaque, uint16_t v, uint64_t addr, uint32_t data);
	/*
	 * The MSI capability's enable bit, address or data changed (called after
	 * any config write that touches the capability and changes one of them,
	 * and on reset with enabled false). One vector only.
	 */
	void (*msi_changed)(void *opaque, bool enabled, uint64_t addr, uint32_t data);
	/* The INTx line level changed (see pci_cfg_set_intx). */
	void (*intx_changed)(void *opaque, bool level);
};

struct pci_cfg_bar {
	uint64_t size; /* 0: no BAR here (or the upper half of a 64-bit one) */
	uint64_t gpa;
	bool mapped;
	bool mem32; /* a 32-bit memory BAR (one register); else 64-bit (two) */
};

/*
 * Embedded by value in its owner. Owners read regs directly and fill the
 * bodies of their own capabilities there (pci_cfg_add_cap); all other
 * changes go through the functions below.
 */
struct pci_cfg {
	uint8_t regs[PCI_CFG_SIZE];
	uint8_t wmask[PCI_CFG_SIZE];
	struct pci_cfg_bar bars[PCI_CFG_NR_BARS];
	uint8_t cap_last; /* offset of the last capability, 0: none */
	uint16_t cap_end; /* first byte past it (capabilities go in ascending order) */

	uint8_t msix_cap; /* 0: no MSI-X */
	uint8_t msix_bar;
	uint16_t msix_nvec;
	uint32_t msix_table_off, msix_pba_off;
	uint8_t msix_table[PCI_CFG_MSIX_TABLE_BYTES];
	uint64_t msix_pba[PCI_CFG_PBA_WORDS];

	uint8_t msi_cap; /* 0: no MSI */

	bool intx_asserted; /* what the owner says */
	bool intx_level; /* what the line does (last reported) */

	const struct pci_cfg_ops *ops;
	void *opaque;
};

/* ---- building a function (host side, before the guest sees it) ----------- */

/*
 * Header registers: ids, INTA#, and the writable bits a guest may program:
 * command (IO, MEM, MASTER, INTX_DISABLE), cache line size, interrupt line.
 */
void pci_cfg_init(struct pci_cfg *cfg, const struct pci_cfg_ids *ids, const struct pci_cfg_ops *ops,
		  void *opaque);
/*
 * A 64-bit memory BAR at index bar (0..4, bar + 1 holds the upper half),
 * size a power of two >= 16. -EINVAL otherwise or if either index is taken.
 */
int pci_cfg_add_bar64(struct pci_cfg *cfg, int bar, uint64_t size, bool prefetchable);
/*
 * A 32-bit memory BAR at index bar (0..5), size a power of two from 16
 * bytes to 2 GiB (it must fit below 4 GiB). -EINVAL otherwise or if taken.
 * For functions whose drivers expect a BAR layout (passed-through devices).
 */
int pci_cfg_add_bar32(struct pci_cfg *cfg, int bar, uint64_t size, bool prefetchable);
/*
 * Appends a capability of len bytes at config offset at to the list and
 * writes its id and next pointer; returns where the owner fills the rest,
 * or NULL unless at is dword aligned, at least 0x40, past the previous
 * capability and the capability fits in the 256 bytes.
 */
uint8_t *pci_cfg_add_cap(struct pci_cfg *cfg, uint8_t at, uint8_t id, uint8_t len);
/*
 * MSI-X capability at config offset at: nvec vectors (1..128), table and
 * PBA at BAR-relative offsets (8-byte aligned, inside the BAR, not
 * overlapping) of 64-bit BAR bar. All vectors start masked. -EINVAL if not.
 */
int pci_cfg_add_msix(struct pci_cfg *cfg, uint8_t at, uint16_t nvec, int bar, uint32_t table_off,
		     uint32_t pba_off);
/*
 * MSI capability at config offset at: 64-bit address, one vector (Multiple
 * Message Capable 0), no per-vector masking. The guest may write the enable
 * bit, Multiple Message Enable (only 0 is kept: the field is read-only 0 since
 * one vector is offered), the address (low 2 bits read 0) and the 16-bit
 * data. -EINVAL if the capability does not fit (see pci_cfg_add_cap) or the
 * function already has one.
 */
int pci_cfg_add_msi(struct pci_cfg *cfg, uint8_t at);

/* ---- guest accesses -------------------------------------------------------- */

/*
 * Config space, size 1, 2 or 4 at any offset below 4 KiB, byte-wise
 * (unaligned accesses straddle registers). Bytes past 256 read 0 and
 * ignore writes. -EINVAL for other sizes and offsets (reads give ~0).
 * Writes report BAR placement, MSI-X control, MSI and INTx changes.
 */
int pci_cfg_read(const struct pci_cfg *cfg, uint32_t off, uint32_t size, uint32_t *val);
int pci_cfg_write(struct pci_cfg *cfg, uint32_t off, uint32_t size, uint32_t val);

/*
 * An access of size 1, 2, 4 or 8 at BAR-relative off of BAR bar, as far as
 * it falls into the MSI-X table or PBA: reads fill those bytes (others 0),
 * table writes update entries (only the mask bit of vector control is
 * writable), the PBA is read-only. Returns false, touching nothing, if the
 * access misses both (another BAR, a bad size, or the owner's registers).
 */
bool pci_cfg_msix_read(const struct pci_cfg *cfg, int bar, uint64_t off, uint32_t size,
		       uint64_t *val);
bool pci_cfg_msix_write(struct pci_cfg *cfg, int bar, uint64_t off, uint32_t size, uint64_t val);

/* ---- the function's side ------------------------------------------------- */

/* Size of BAR bar, 0 if there is none (out-of-range indices included). */
uint64_t pci_cfg_bar_size(const struct pci_cfg *cfg, int bar);
/*
 * A BAR is mapped while memory decoding is on and the guest placed it (not
 * at 0, not holding the sizing pattern). Returns whether bar is mapped and,
 * if it exists, where it was placed and its size.
 */
bool pci_cfg_bar_mapping(const struct pci_cfg *cfg, int bar, uint64_t *gpa, uint64_t *size);
/* Which mapped BAR gpa falls into, and the offset in it; -ENOENT if none. */
int pci_cfg_bar_find(const struct pci_cfg *cfg, uint64_t gpa, int *bar, uint64_t *off);

uint16_t pci_cfg_msix_nvec(const struct pci_cfg *cfg);
bool pci_cfg_msix_enabled(const struct pci_cfg *cfg);
/* Whether vector v cannot be delivered now (disabled, function or entry mask). */
bool pci_cfg_msix_masked(const struct pci_cfg *cfg, uint16_t v);
bool pci_cfg_msix_pending(const struct pci_cfg *cfg, uint16_t v);
/*
 * Vector v fires: delivered through msix_signal, or, while masked, held as
 * its pending bit until unmasked. Vectors >= nvec (VIRTIO's NO_VECTOR
 * included) are ignored.
 */
void pci_cfg_msix_fire(struct pci_cfg *cfg, uint16_t v);

bool pci_cfg_msi_enabled(const struct pci_cfg *cfg);
/* The message the guest programmed (meaningful while enabled). */
uint64_t pci_cfg_msi_addr(const struct pci_cfg *cfg);
uint32_t pci_cfg_msi_data(const struct pci_cfg *cfg);

/*
 * The function asserts or deasserts INTx. The line follows, unless MSI-X
 * or MSI is enabled (then the function must not use INTx) or the guest set
 * INTX_DISABLE; the status register's interrupt bit shows the assertion
 * (clear while MSI-X or MSI is enabled).
 */
void pci_cfg_set_intx(struct pci_cfg *cfg, bool asserted);

/*
 * Power-on state: every guest-writable config byte back to 0, table
 * entries cleared and masked, PBA clear, MSI disabled with a zero message.
 * The callbacks fire as for guest writes (BARs unmapped, every vector
 * reported masked, INTx level), and msi_changed (disabled) if there is MSI.
 */
void pci_cfg_reset(struct pci_cfg *cfg);

/* ---- save and restore ------------------------------------------------------ */

/* What the guest programmed, as plain data (table entries past nvec are 0). */
struct pci_cfg_state {
	uint8_t regs[PCI_CFG_SIZE];
	uint8_t msix_table[PCI_CFG_MSIX_TABLE_BYTES];
	uint64_t msix_pba[PCI_CFG_PBA_WORDS];
};

void pci_cfg_save(const struct pci_cfg *cfg, struct pci_cfg_state *st);
/*
 * Why st (untrusted) cannot be loaded into cfg, or NULL if it can: only
 * guest-writable bits may differ from cfg's (the interrupt status bit is
 * the model's to compute), vector control has only its mask bit, nothing
 * past the table or its pending bits. No side effect.
 */
const char *pci_cfg_check(const struct pci_cfg *cfg, const struct pci_cfg_state *st);
/*
 * Takes st's guest-writable bytes, table and PBA (check it first), then
 * fires the callbacks as after guest writes: bar_changed for BARs that
 * moved, msix_changed for every vector (pending unmasked vectors are
 * delivered), msi_changed if the MSI enable bit or message differs from
 * before the load, INTx.
 */
void pci_cfg_load(struct pci_cfg *cfg, const struct pci_cfg_state *st);

#endif
