// SPDX-License-Identifier: GPL-2.0
/*
 * A host PCI function passed through to the guest (--passthrough BDF).
 *
 * The guest sees a config space of our PCI model (lib/pci) built from the
 * real one: the device's ids and class, its memory BARs with their sizes,
 * and an MSI-X capability describing the device's table. Everything else of
 * the real config space stays hidden. The guest's BAR placement is ours:
 * each BAR's mmap-able parts become KVM memory slots over the VFIO mapping
 * (no exits on the data path), the pages holding the MSI-X table and PBA
 * and whatever VFIO does not let us map trap into this file, which keeps
 * the table (lib/pci) and passes other accesses to the device.
 *
 * Interrupts, in the mode the guest picked (VFIO has one on at a time):
 *  - MSI-X: one eventfd per vector, given to VFIO (SET_IRQS) while the guest
 *    has MSI-X enabled and bound to a KVM irqfd whose route follows what the
 *    guest writes into the table (through the ITS or the GICv2m frame,
 *    validated like every other MSI);
 *  - MSI (one vector; our capability offers no more): the same with the
 *    address and data of our MSI capability;
 *  - INTx, while neither is enabled: VFIO's INTx eventfd drives a level
 *    irqfd on the slot's SPI (the interrupt-map's swizzle) and the guest's
 *    EOI comes back through KVM's resample eventfd as VFIO's unmask, so the
 *    line stays up exactly as long as the device holds it and the guest has
 *    not served it. INTx lines are shared by slots 4 apart: the other
 *    functions on it are ours and use MSI-X under Linux.
 * Command-register bits that act on the device (memory decode, bus master,
 * INTx disable) are passed on. I/O-port BARs are left out (our bus has no
 * I/O window). Not yet: expansion ROMs.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <linux/pci_regs.h>

#include <splitvirt/log.h>
#include <splitvirt/pci_cfg.h>

#include "mmio_bus.h"
#include "msi.h"
#include "passthrough.h"
#include "pci.h"
#include "vfio.h"
#include "vmm.h"

#define PT_PAGE 4096ull
#define PT_MAX_WINDOWS 8 /* per BAR: trapped or mapped runs */
#define PT_CAP_MSIX 0x40
#define PT_CAP_MSI 0x50

enum pt_irq_mode { PT_IRQ_NONE, PT_IRQ_INTX, PT_IRQ_MSI, PT_IRQ_MSIX };

struct pt_window {
	struct passthrough *pt;
	int bar;
	uint64_t off, size; /* in the BAR */
	bool mapped; /* a memory slot (else trapped) */
	bool added; /* currently in KVM / on the bus */
};

struct passthrough {
	struct vm *vm;
	struct pci_host *pci;
	struct vfio_device dev;
	struct pci_cfg cfg;
	pthread_mutex_t lock; /* cfg and everything below; vCPUs race on it */
	int slot;
	unsigned int memslot_base, nr_memslots;
	char name[48];
	uint16_t nvec;
	int efd[PCI_CFG_MSIX_MAX_VECTORS];
	int gsi[PCI_CFG_MSIX_MAX_VECTORS];
	bool routed[PCI_CFG_MSIX_MAX_VECTORS];
	unsigned int msix_on; /* vectors whose eventfds VFIO has (0: MSI-X off) */
	enum pt_irq_mode mode; /* what VFIO has on */
	bool has_msix, has_msi, has_intx;
	int msi_efd, msi_gsi;
	int intx_efd, intx_resample_fd, intx_gsi;
	struct pt_window win[6][PT_MAX_WINDOWS];
	unsigned int nr_win[6];
	uint64_t bar_gpa[6];
	unsigned long logged;
};

/* ---- interrupts ----------------------------------------------------------- */

/*
 * Gives VFIO the eventfds of vectors 0 .. the highest unmasked one: host
 * interrupt vectors are scarce (a GICv2m frame has 64 SPIs for everyone),
 * and drivers use few of what a device offers. Growing the set means
 * turning MSI-X off and on again at the device (VFIO cannot grow it in
 * place), so afterwards every unmasked vector fires once: an interrupt in
 * that gap is not lost, at worst one is spurious.
 */
static void pt_msix_sync(struct passthrough *pt)
{
	unsigned int want = 0;
	uint64_t one = 1;
	int ret = 0;

	if (pci_cfg_msix_enabled(&pt->cfg))
		for (uint16_t v = 0; v < pt->nvec; v++)
			if (!pci_cfg_msix_masked(&pt->cfg, v))
				want = v + 1u;
	if (want ? want <= pt->msix_on : !pt->msix_on)
		return;
	if (pt->msix_on)
		ret = vfio_irq_set(&pt->dev, VFIO_IRQ_MSIX, NULL, 0);
	if (!ret && want)
		ret = vfio_irq_set(&pt->dev, VFIO_IRQ_MSIX, pt->efd, want);
	if (ret)
		pr_warn_limited(&pt->logged, "%s: giving MSI-X vectors 0-%u to the device: %s",
				pt->name, want ? want - 1 : 0, strerror(-ret));
	pt->msix_on = ret ? 0 : want;
	for (unsigned int v = 0; v < pt->msix_on; v++)
		if (pt->routed[v] && write(pt->efd[v], &one, sizeof(one)) < 0)
			pr_debug("%s: replaying vector %u: %s", pt->name, v, strerror(errno));
}

static enum pt_irq_mode pt_irq_wanted(const struct passthrough *pt)
{
	if (pt->has_msix && pci_cfg_msix_enabled(&pt->cfg))
		return PT_IRQ_MSIX;
	if (pt->has_msi && pci_cfg_msi_enabled(&pt->cfg))
		return PT_IRQ_MSI;
	return pt->has_intx ? PT_IRQ_INTX : PT_IRQ_NONE;
}

static void pt_irq_off(struct passthrough *pt)
{
	int ret = 0;

	if (pt->mode == PT_IRQ_MSIX && pt->msix_on)
		ret = vfio_irq_set(&pt->dev, VFIO_IRQ_MSIX, NULL, 0);
	else if (pt->mode == PT_IRQ_MSI)
		ret = vfio_irq_set(&pt->dev, VFIO_IRQ_MSI, NULL, 0);
	else if (pt->mode == PT_IRQ_INTX)
		ret = vfio_irq_set(&pt->dev, VFIO_IRQ_INTX, NULL, 0);
	if (ret)
		pr_warn_limited(&pt->logged, "%s: turning its interrupts off: %s", pt->name,
				strerror(-ret));
	pt->msix_on = 0;
	pt->mode = PT_IRQ_NONE;
}

static int pt_irq_on(struct passthrough *pt, enum pt_irq_mode mode)
{
	uint64_t one = 1;
	int ret = 0;

	switch (mode) {
	case PT_IRQ_INTX:
		ret = vfio_irq_set(&pt->dev, VFIO_IRQ_INTX, &pt->intx_efd, 1);
		ret = ret ?: vfio_intx_unmask_fd(&pt->dev, pt->intx_resample_fd);
		break;
	case PT_IRQ_MSI:
		ret = vfio_irq_set(&pt->dev, VFIO_IRQ_MSI, &pt->msi_efd, 1);
		/* An interrupt raised while switching over is not lost: at worst one is spurious. */
		if (!ret && write(pt->msi_efd, &one, sizeof(one)) < 0)
			pr_debug("%s: replaying MSI: %s", pt->name, strerror(errno));
		break;
	default:
		break; /* MSI-X: pt_msix_sync() gives the vectors */
	}
	return ret;
}

/* Puts VFIO in the interrupt mode the guest's config space asks for. */
static void pt_irq_sync(struct passthrough *pt)
{
	enum pt_irq_mode want = pt_irq_wanted(pt);

	if (want != pt->mode) {
		int ret;

		pt_irq_off(pt);
		ret = pt_irq_on(pt, want);
		if (ret)
			pr_warn_limited(&pt->logged, "%s: turning %s on: %s", pt->name,
					want == PT_IRQ_INTX ? "INTx" : "MSI", strerror(-ret));
		pt->mode = ret ? PT_IRQ_NONE : want;
	}
	if (pt->mode == PT_IRQ_MSIX)
		pt_msix_sync(pt);
}

static void pt_msi_changed(void *opaque, bool enabled, uint64_t addr, uint32_t data)
{
	struct passthrough *pt = opaque;
	struct msi_msg msg = { .addr = addr,
			       .data = data,
			       .devid = pci_host_devid(pt->pci, (unsigned int)pt->slot) };
	int ret;

	if (!pt->has_msi)
		return;
	ret = msi_route_set(pt->vm, pt->msi_gsi, &msg, enabled);
	if (ret)
		pr_warn_limited(&pt->logged, "%s: MSI to 0x%llx: %s", pt->name,
				(unsigned long long)addr, strerror(-ret));
	pt_irq_sync(pt);
}

static void pt_msix_changed(void *opaque, uint16_t v, uint64_t addr, uint32_t data, bool masked)
{
	struct passthrough *pt = opaque;
	struct msi_msg msg = { .addr = addr,
			       .data = data,
			       .devid = pci_host_devid(pt->pci, (unsigned int)pt->slot) };
	uint64_t one = 1;
	int ret;

	if (v >= pt->nvec)
		return;
	ret = msi_route_set(pt->vm, pt->gsi[v], &msg, !masked);
	if (ret)
		pr_warn_limited(&pt->logged, "%s: MSI-X vector %u to 0x%llx: %s", pt->name, v,
				(unsigned long long)addr, strerror(-ret));
	/*
	 * The device may have signalled while the vector was masked: KVM keeps
	 * no pending bit for irqfds, so fire once on unmask. Drivers check
	 * their queues on an interrupt; a spurious one costs a look.
	 */
	if (!masked && !ret && !pt->routed[v] && v < pt->msix_on &&
	    write(pt->efd[v], &one, sizeof(one)) < 0)
		pr_debug("%s: replaying vector %u: %s", pt->name, v, strerror(errno));
	pt->routed[v] = !masked && !ret;
	pt_irq_sync(pt);
}

/* ---- BARs -------------------------------------------------------------------- */

static void pt_bar_mmio(void *opaque, uint64_t off, uint8_t *data, unsigned int len, bool is_write)
{
	struct pt_window *w = opaque;
	struct passthrough *pt = w->pt;
	uint64_t at = w->off + off, v = 0;
	int ret;

	pthread_mutex_lock(&pt->lock);
	if (is_write) {
		memcpy(&v, data, len < 8 ? len : 8);
		if (!pci_cfg_msix_write(&pt->cfg, w->bar, at, len, v)) {
			ret = vfio_bar_rw(&pt->dev, w->bar, at, data, len, true);
			if (ret)
				pr_warn_limited(&pt->logged, "%s: BAR%d write at 0x%llx: %s",
						pt->name, w->bar, (unsigned long long)at,
						strerror(-ret));
		}
	} else if (pci_cfg_msix_read(&pt->cfg, w->bar, at, len, &v)) {
		memcpy(data, &v, len < 8 ? len : 8);
	} else if (vfio_bar_rw(&pt->dev, w->bar, at, data, len, false)) {
		memset(data, 0xff, len);
	}
	pthread_mutex_unlock(&pt->lock);
}

/* Whether page p of BAR bar holds part of the MSI-X table or PBA. */
static bool msix_page(const struct pci_cfg *cfg, int bar, uint64_t p)
{
	uint64_t lo = p * PT_PAGE, hi = lo + PT_PAGE;
	uint32_t tbl = (uint32_t)pci_cfg_msix_nvec(cfg) * PCI_CFG_MSIX_ENTRY;
	uint32_t pba = ((uint32_t)pci_cfg_msix_nvec(cfg) + 63) / 64 * 8;

	if (!cfg->msix_cap || cfg->msix_bar != bar)
		return false;
	return (lo < cfg->msix_table_off + tbl && cfg->msix_table_off < hi) ||
	       (lo < cfg->msix_pba_off + pba && cfg->msix_pba_off < hi);
}

static bool page_mappable(const struct passthrough *pt, int bar, uint64_t p)
{
	const struct vfio_bar *b = &pt->dev.bars[bar];
	uint64_t lo = p * PT_PAGE;

	if (!b->map || msix_page(&pt->cfg, bar, p))
		return false;
	for (unsigned int i = 0; i < b->nr_areas; i++)
		if (lo >= b->areas[i].off && lo + PT_PAGE <= b->areas[i].off + b->areas[i].size)
			return true;
	return false;
}

/* Splits BAR bar into runs of pages that are mapped or trapped. */
static int pt_plan_bar(struct passthrough *pt, int bar)
{
	uint64_t pages = (pt->dev.bars[bar].size + PT_PAGE - 1) / PT_PAGE;
	unsigned int n = 0;

	for (uint64_t p = 0; p < pages;) {
		bool m = page_mappable(pt, bar, p);
		uint64_t q = p + 1;

		while (q < pages && page_mappable(pt, bar, q) == m)
			q++;
		if (n == PT_MAX_WINDOWS)
			return -E2BIG;
		pt->win[bar][n] = (struct pt_window){
			.pt = pt,
			.bar = bar,
			.off = p * PT_PAGE,
			.size = (q - p) * PT_PAGE < pt->dev.bars[bar].size - p * PT_PAGE ?
					(q - p) * PT_PAGE :
					pt->dev.bars[bar].size - p * PT_PAGE,
			.mapped = m,
		};
		if (m)
			pt->nr_memslots++;
		n++;
		p = q;
	}
	pt->nr_win[bar] = n;
	return 0;
}

static unsigned int memslot_of(const struct passthrough *pt, int bar, unsigned int k)
{
	unsigned int s = 0;

	for (int b = 0; b < bar; b++)
		for (unsigned int i = 0; i < pt->nr_win[b]; i++)
			s += pt->win[b][i].mapped;
	for (unsigned int i = 0; i < k; i++)
		s += pt->win[bar][i].mapped;
	return pt->memslot_base + s;
}

static void pt_bar_changed(void *opaque, int bar, uint64_t gpa, uint64_t size, bool mapped)
{
	struct passthrough *pt = opaque;

	(void)size;
	for (unsigned int k = 0; k < pt->nr_win[bar]; k++) {
		struct pt_window *w = &pt->win[bar][k];
		uint64_t at = (mapped ? gpa : pt->bar_gpa[bar]) + w->off;
		int ret = 0;

		if (mapped == w->added)
			continue;
		if (w->mapped)
			ret = vm_add_ram_slot(pt->vm, memslot_of(pt, bar, k), at,
					      mapped ? w->size : 0,
					      (char *)pt->dev.bars[bar].map + w->off);
		else if (mapped)
			ret = mmio_bus_add(&pt->vm->bus, at, w->size, pt_bar_mmio, w, pt->name);
		else
			ret = mmio_bus_remove_own(&pt->vm->bus, at, w);
		if (ret)
			pr_warn_limited(&pt->logged, "%s: %s BAR%d part at 0x%llx: %s", pt->name,
					mapped ? "placing" : "removing", bar,
					(unsigned long long)at, strerror(-ret));
		w->added = mapped && !ret;
	}
	if (mapped)
		pt->bar_gpa[bar] = gpa;
}

static const struct pci_cfg_ops pt_cfg_ops = {
	.bar_changed = pt_bar_changed,
	.msix_changed = pt_msix_changed,
	.msi_changed = pt_msi_changed,
};

/* ---- config space -------------------------------------------------------- */

static uint32_t pt_cfg_read(void *opaque, uint32_t off, uint32_t size)
{
	struct passthrough *pt = opaque;
	uint32_t v;

	pthread_mutex_lock(&pt->lock);
	pci_cfg_read(&pt->cfg, off, size, &v);
	pthread_mutex_unlock(&pt->lock);
	return v;
}

static void pt_cfg_write(void *opaque, uint32_t off, uint32_t size, uint32_t val)
{
	struct passthrough *pt = opaque;
	const uint16_t live = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE;

	pthread_mutex_lock(&pt->lock);
	pci_cfg_write(&pt->cfg, off, size, val);
	/* What the device itself must do: decode, DMA, INTx off. */
	if (off < PCI_COMMAND + 2 && off + size > PCI_COMMAND) {
		uint16_t cmd =
			(uint16_t)(pt->cfg.regs[PCI_COMMAND] | pt->cfg.regs[PCI_COMMAND + 1] << 8);

		/* VFIO keeps a guest's INTX_DISABLE virtual (it masks INTx itself). */
		if (!pt->has_intx)
			cmd |= PCI_COMMAND_INTX_DISABLE;
		if (vfio_cfg_write(&pt->dev, PCI_COMMAND, 2, cmd & live))
			pr_warn_limited(&pt->logged, "%s: command register write failed", pt->name);
	}
	pthread_mutex_unlock(&pt->lock);
}

static const struct pci_function_ops pt_pci_ops = {
	.cfg_read = pt_cfg_read,
	.cfg_write = pt_cfg_write,
};

/* ---- setup ------------------------------------------------------------------ */

static uint32_t dev_cfg(const struct passthrough *pt, uint32_t off, uint32_t size)
{
	uint32_t v;

	vfio_cfg_read(&pt->dev, off, size, &v);
	return v;
}

/* Offset of the device's capability id, 0 if it has none. */
static uint8_t find_cap(const struct passthrough *pt, uint8_t id)
{
	uint8_t at = (uint8_t)dev_cfg(pt, PCI_CAPABILITY_LIST, 1) & ~3u;

	if (!(dev_cfg(pt, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return 0;
	/* At most 48 capabilities fit: a loop in the list ends here. */
	for (int n = 0; at >= 0x40 && n < 48; n++) {
		if (dev_cfg(pt, at, 1) == id)
			return at;
		at = (uint8_t)dev_cfg(pt, at + 1u, 1) & ~3u;
	}
	return 0;
}

static int pt_model_msix(struct passthrough *pt, uint8_t cap)
{
	uint32_t table, pba;

	pt->nvec = (uint16_t)((dev_cfg(pt, cap + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_QSIZE) + 1);
	if (pt->nvec > PCI_CFG_MSIX_MAX_VECTORS)
		pt->nvec = PCI_CFG_MSIX_MAX_VECTORS;
	if (pt->nvec > pt->dev.irq_count[VFIO_IRQ_MSIX])
		pt->nvec = (uint16_t)pt->dev.irq_count[VFIO_IRQ_MSIX];
	table = dev_cfg(pt, cap + PCI_MSIX_TABLE, 4);
	pba = dev_cfg(pt, cap + PCI_MSIX_PBA, 4);
	if ((table & PCI_MSIX_TABLE_BIR) != (pba & PCI_MSIX_PBA_BIR) ||
	    pci_cfg_add_msix(&pt->cfg, PT_CAP_MSIX, pt->nvec, (int)(table & PCI_MSIX_TABLE_BIR),
			     table & PCI_MSIX_TABLE_OFFSET, pba & PCI_MSIX_PBA_OFFSET)) {
		pr_err("%s: its MSI-X table (0x%x) and PBA (0x%x) cannot be modelled", pt->name,
		       table, pba);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int pt_model(struct passthrough *pt)
{
	const struct pci_cfg_ids ids = {
		.vendor = (uint16_t)dev_cfg(pt, PCI_VENDOR_ID, 2),
		.device = (uint16_t)dev_cfg(pt, PCI_DEVICE_ID, 2),
		.class_code = dev_cfg(pt, PCI_CLASS_REVISION, 4) >> 8,
		.revision = (uint8_t)dev_cfg(pt, PCI_REVISION_ID, 1),
		.subsys_vendor = (uint16_t)dev_cfg(pt, PCI_SUBSYSTEM_VENDOR_ID, 2),
		.subsys_id = (uint16_t)dev_cfg(pt, PCI_SUBSYSTEM_ID, 2),
	};
	uint8_t cap = find_cap(pt, PCI_CAP_ID_MSIX);

	pt->has_intx = dev_cfg(pt, PCI_INTERRUPT_PIN, 1) && pt->dev.irq_count[VFIO_IRQ_INTX];
	pt->has_msi = find_cap(pt, PCI_CAP_ID_MSI) && pt->dev.irq_count[VFIO_IRQ_MSI];
	pt->has_msix = cap && pt->dev.irq_count[VFIO_IRQ_MSIX];
	pci_cfg_init(&pt->cfg, &ids, &pt_cfg_ops, pt);
	if (!pt->has_intx)
		pt->cfg.regs[PCI_INTERRUPT_PIN] = 0;
	for (int i = 0; i < 6; i++) {
		const struct vfio_bar *b = &pt->dev.bars[i];

		if (!b->size)
			continue;
		/* Our bus has no I/O-port window; drivers of such devices use memory BARs. */
		if (b->io) {
			pr_info("%s: BAR%d (I/O ports) is not passed through", pt->name, i);
			continue;
		}
		if (b->mem64 ? pci_cfg_add_bar64(&pt->cfg, i, b->size, b->prefetch) :
			       pci_cfg_add_bar32(&pt->cfg, i, b->size, b->prefetch)) {
			pr_err("%s: BAR%d of 0x%llx bytes cannot be modelled", pt->name, i,
			       (unsigned long long)b->size);
			return -EINVAL;
		}
		i += b->mem64; /* the upper half */
	}
	if (!pt->has_msix && !pt->has_msi && !pt->has_intx) {
		pr_err("%s: the device has no interrupt VFIO can give us (no MSI-X, MSI or INTx)",
		       pt->name);
		return -EOPNOTSUPP;
	}
	if (pt->has_msix && pt_model_msix(pt, cap))
		return -EOPNOTSUPP;
	if (pt->has_msi && pci_cfg_add_msi(&pt->cfg, PT_CAP_MSI)) {
		pr_err("%s: its MSI capability cannot be modelled", pt->name);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int pt_vectors(struct passthrough *pt)
{
	for (unsigned int v = 0; v < pt->nvec; v++) {
		int ret;

		pt->efd[v] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (pt->efd[v] < 0)
			return -errno;
		pt->gsi[v] = msi_route_alloc(pt->vm);
		if (pt->gsi[v] < 0)
			return pt->gsi[v];
		ret = msi_irqfd_bind(pt->vm, pt->gsi[v], pt->efd[v]);
		if (ret)
			return ret;
	}
	if (pt->has_msi) {
		pt->msi_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (pt->msi_efd < 0)
			return -errno;
		pt->msi_gsi = msi_route_alloc(pt->vm);
		if (pt->msi_gsi < 0)
			return pt->msi_gsi;
		return msi_irqfd_bind(pt->vm, pt->msi_gsi, pt->msi_efd);
	}
	return 0;
}

/* INTx on the slot's line (known once the function is on the bus). */
static int pt_intx(struct passthrough *pt)
{
	int ret;

	if (!pt->has_intx)
		return 0;
	pt->intx_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pt->intx_resample_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (pt->intx_efd < 0 || pt->intx_resample_fd < 0)
		return -errno;
	pt->intx_gsi = msi_route_alloc(pt->vm);
	if (pt->intx_gsi < 0)
		return pt->intx_gsi;
	ret = msi_route_set_spi(pt->vm, pt->intx_gsi,
				pci_host_intx_spi(pt->pci, (unsigned int)pt->slot, 1));
	if (!ret)
		ret = vm_irqfd_resample(pt->vm, pt->intx_gsi, pt->intx_efd, pt->intx_resample_fd,
					true);
	if (ret)
		pt->intx_gsi = -1;
	return ret;
}

void passthrough_destroy(struct passthrough *pt)
{
	if (!pt)
		return;
	for (int b = 0; b < 6; b++)
		if (pt->nr_win[b])
			pt_bar_changed(pt, b, 0, 0, false);
	vfio_device_close(&pt->dev);
	for (unsigned int v = 0; v < pt->nvec; v++) {
		if (pt->gsi[v] >= 0 && pt->efd[v] >= 0)
			msi_irqfd_unbind(pt->vm, pt->gsi[v], pt->efd[v]);
		if (pt->efd[v] >= 0)
			close(pt->efd[v]);
	}
	if (pt->msi_gsi >= 0 && pt->msi_efd >= 0)
		msi_irqfd_unbind(pt->vm, pt->msi_gsi, pt->msi_efd);
	if (pt->intx_gsi >= 0)
		vm_irqfd_resample(pt->vm, pt->intx_gsi, pt->intx_efd, -1, false);
	if (pt->msi_efd >= 0)
		close(pt->msi_efd);
	if (pt->intx_efd >= 0)
		close(pt->intx_efd);
	if (pt->intx_resample_fd >= 0)
		close(pt->intx_resample_fd);
	pthread_mutex_destroy(&pt->lock);
	free(pt);
}

int passthrough_create(struct vm *vm, struct pci_host *pci, struct vfio_container *c,
		       const char *bdf, unsigned int memslot_base, struct passthrough **out)
{
	struct passthrough *pt = calloc(1, sizeof(*pt));
	int ret;

	if (!pt)
		return -ENOMEM;
	pt->vm = vm;
	pt->pci = pci;
	pt->memslot_base = memslot_base;
	pthread_mutex_init(&pt->lock, NULL);
	snprintf(pt->name, sizeof(pt->name), "passthrough(%s)", bdf);
	for (unsigned int v = 0; v < PCI_CFG_MSIX_MAX_VECTORS; v++)
		pt->efd[v] = pt->gsi[v] = -1;
	pt->msi_efd = pt->msi_gsi = pt->intx_efd = pt->intx_resample_fd = pt->intx_gsi = -1;
	ret = vfio_device_open(c, bdf, &pt->dev);
	ret = ret ?: vfio_dma_map(c, vm->ram.gpa, vm->ram.size, vm->ram.host);
	ret = ret ?: pt_model(pt);
	for (int b = 0; !ret && b < 6; b++)
		if (pci_cfg_bar_size(&pt->cfg, b))
			ret = pt_plan_bar(pt, b);
	if (!ret && pt->nr_memslots > PASSTHROUGH_MEMSLOTS) {
		pr_err("%s: its BARs need %u memory slots, at most %d", pt->name, pt->nr_memslots,
		       PASSTHROUGH_MEMSLOTS);
		ret = -E2BIG;
	}
	ret = ret ?: pt_vectors(pt);
	if (!ret) {
		ret = pci_host_add_function(pci, &pt_pci_ops, pt, pt->name);
		pt->slot = ret;
		ret = ret < 0 ? ret : 0;
	}
	ret = ret ?: pt_intx(pt);
	if (!ret) {
		/* INTx until the guest enables MSI-X or MSI. */
		pthread_mutex_lock(&pt->lock);
		pt_irq_sync(pt);
		pthread_mutex_unlock(&pt->lock);
	}
	if (ret) {
		pr_err("%s: %s", pt->name, strerror(-ret));
		passthrough_destroy(pt);
		return ret;
	}
	pr_info("%s: %04x:%04x class %06x, %u MSI-X vectors%s%s, %u BAR part(s) mapped", pt->name,
		pt->cfg.regs[PCI_VENDOR_ID] | pt->cfg.regs[PCI_VENDOR_ID + 1] << 8,
		pt->cfg.regs[PCI_DEVICE_ID] | pt->cfg.regs[PCI_DEVICE_ID + 1] << 8,
		pt->cfg.regs[PCI_CLASS_PROG] | pt->cfg.regs[PCI_CLASS_DEVICE] << 8 |
			pt->cfg.regs[PCI_CLASS_DEVICE + 1] << 16,
		pt->nvec, pt->has_msi ? ", MSI" : "", pt->has_intx ? ", INTx" : "",
		pt->nr_memslots);
	*out = pt;
	return 0;
}
