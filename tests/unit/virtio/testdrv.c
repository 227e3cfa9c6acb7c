// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/pci_regs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>

#include "testdrv.h"

/* ---- host side callbacks ---- */

static void host_signal_msix(void *opaque, uint16_t vector, uint64_t addr, uint32_t data)
{
	struct testdrv *td = opaque;
	uint64_t one = 1;

	/* The harness programs addr = vector, data = vector + 0x100. */
	assert_int_equal(addr, 0xfee00000ull + vector);
	assert_int_equal(data, 0x100u + vector);
	assert_true(vector < TD_MAX_VEC);
	assert_int_equal(write(td->irq_fd[vector], &one, sizeof(one)), sizeof(one));
}

static void host_set_intx(void *opaque, bool level)
{
	struct testdrv *td = opaque;

	td->intx = level;
}

static void host_msix_changed(void *opaque, uint16_t vector, uint64_t addr, uint32_t data,
			      bool masked)
{
	struct testdrv *td = opaque;

	(void)vector;
	(void)addr;
	(void)data;
	(void)masked;
	td->msix_changes++;
}

static void host_notify_changed(void *opaque, uint16_t q, uint64_t gpa, bool active)
{
	struct testdrv *td = opaque;

	assert_true(q < TD_MAX_Q);
	/* A real host would (de)assign a KVM ioeventfd on gpa here. */
	td->notify_bound[q] = active;
	td->notify_gpa[q] = gpa;
}

static void host_bar_changed(void *opaque, int bar, uint64_t gpa, uint64_t size, bool mapped)
{
	struct testdrv *td = opaque;

	(void)size;
	td->bar_changes++;
	td->bar_gpa[bar] = gpa;
	td->bar_mapped[bar] = mapped;
}

static const struct virtio_pci_host_ops host_ops = {
	.signal_msix = host_signal_msix,
	.set_intx = host_set_intx,
	.msix_changed = host_msix_changed,
	.notify_changed = host_notify_changed,
	.bar_changed = host_bar_changed,
};

int td_init(struct testdrv *td)
{
	int i;

	memset(td, 0, sizeof(*td));
	gmem_init(&td->gm);
	for (i = 0; i < TD_MAX_VEC; i++)
		td->irq_fd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	for (i = 0; i < TD_MAX_Q; i++)
		td->kick_fd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	return gram_init(&td->ram, &td->gm, TD_RAM_GPA, TD_RAM_SIZE);
}

int td_attach(struct testdrv *td, struct virtio_dev *dev)
{
	td->dev = dev;
	return virtio_pci_create(&td->fn, dev, NULL, &host_ops, td);
}

void td_destroy(struct testdrv *td)
{
	int i;

	virtio_pci_destroy(td->fn);
	virtio_dev_destroy(td->dev);
	for (i = 0; i < TD_MAX_VEC; i++)
		close(td->irq_fd[i]);
	for (i = 0; i < TD_MAX_Q; i++)
		close(td->kick_fd[i]);
	gram_destroy(&td->ram);
}

int td_replace(struct testdrv *td, struct virtio_dev *dev)
{
	uint64_t cnt;
	int i;

	virtio_pci_destroy(td->fn);
	virtio_dev_destroy(td->dev);
	td->fn = NULL;
	td->dev = NULL;
	for (i = 0; i < TD_MAX_VEC; i++)
		while (read(td->irq_fd[i], &cnt, sizeof(cnt)) == sizeof(cnt))
			;
	for (i = 0; i < TD_MAX_Q; i++) {
		while (read(td->kick_fd[i], &cnt, sizeof(cnt)) == sizeof(cnt))
			;
		td->notify_bound[i] = false;
		td->notify_gpa[i] = 0;
	}
	for (i = 0; i < 6; i++) {
		td->bar_gpa[i] = 0;
		td->bar_mapped[i] = false;
	}
	td->intx = false;
	td->msix_changes = 0;
	td->bar_changes = 0;
	return td_attach(td, dev);
}

/* ---- guest accessors ---- */

uint32_t td_cfg_read(struct testdrv *td, uint32_t off, uint32_t size)
{
	uint32_t v;

	assert_int_equal(virtio_pci_cfg_read(td->fn, off, size, &v), 0);
	return v;
}

void td_cfg_write(struct testdrv *td, uint32_t off, uint32_t size, uint32_t val)
{
	assert_int_equal(virtio_pci_cfg_write(td->fn, off, size, val), 0);
}

static uint64_t region_gpa(struct testdrv *td, const struct td_region *r, uint32_t off)
{
	uint64_t base = 0;

	/* Wherever the guest last placed the BAR. */
	virtio_pci_bar_mapping(td->fn, r->bar, &base, NULL);
	return base + r->off + off;
}

uint64_t td_read(struct testdrv *td, const struct td_region *r, uint32_t off, uint32_t size)
{
	uint64_t v;

	assert_int_equal(virtio_pci_mmio_read(td->fn, region_gpa(td, r, off), size, &v), 0);
	return v;
}

void td_write(struct testdrv *td, const struct td_region *r, uint32_t off, uint32_t size,
	      uint64_t val)
{
	assert_int_equal(virtio_pci_mmio_write(td->fn, region_gpa(td, r, off), size, val), 0);
}

/* ---- probing ---- */

static void size_bars(struct testdrv *td)
{
	int i;

	for (i = 0; i < 6; i++) {
		uint32_t reg = PCI_BASE_ADDRESS_0 + 4 * i;
		uint32_t orig = td_cfg_read(td, reg, 4), lo, hi = 0xffffffff;
		uint64_t mask;

		td_cfg_write(td, reg, 4, 0xffffffff);
		lo = td_cfg_read(td, reg, 4);
		td_cfg_write(td, reg, 4, orig);
		if (!lo)
			continue;
		if ((lo & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64) {
			uint32_t orig_hi = td_cfg_read(td, reg + 4, 4);

			td_cfg_write(td, reg + 4, 4, 0xffffffff);
			hi = td_cfg_read(td, reg + 4, 4);
			td_cfg_write(td, reg + 4, 4, orig_hi);
		}
		mask = ((uint64_t)hi << 32) | (lo & PCI_BASE_ADDRESS_MEM_MASK);
		td->bar_size[i] = ~mask + 1;
		if ((lo & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64)
			i++;
	}
}

static void place_bar(struct testdrv *td, int bar, uint64_t gpa)
{
	td_cfg_write(td, PCI_BASE_ADDRESS_0 + 4 * bar, 4, (uint32_t)gpa);
	td_cfg_write(td, PCI_BASE_ADDRESS_0 + 4 * bar + 4, 4, (uint32_t)(gpa >> 32));
}

static void parse_vndr_cap(struct testdrv *td, uint8_t at)
{
	uint8_t type = (uint8_t)td_cfg_read(td, at + VIRTIO_PCI_CAP_CFG_TYPE, 1);
	struct td_region r = {
		.bar = (int)td_cfg_read(td, at + VIRTIO_PCI_CAP_BAR, 1),
		.off = td_cfg_read(td, at + VIRTIO_PCI_CAP_OFFSET, 4),
		.len = td_cfg_read(td, at + VIRTIO_PCI_CAP_LENGTH, 4),
	};

	switch (type) {
	case VIRTIO_PCI_CAP_COMMON_CFG:
		td->common = r;
		break;
	case VIRTIO_PCI_CAP_NOTIFY_CFG:
		td->notify = r;
		td->notify_mult = td_cfg_read(td, at + VIRTIO_PCI_NOTIFY_CAP_MULT, 4);
		break;
	case VIRTIO_PCI_CAP_ISR_CFG:
		td->isr = r;
		break;
	case VIRTIO_PCI_CAP_DEVICE_CFG:
		td->device = r;
		break;
	case VIRTIO_PCI_CAP_PCI_CFG:
		td->pcicfg_at = at;
		break;
	}
}

int td_probe(struct testdrv *td)
{
	uint8_t at;
	int guard = 0;
	uint16_t v;

	if (td_cfg_read(td, PCI_VENDOR_ID, 2) != 0x1af4)
		return -ENODEV;
	if (!(td_cfg_read(td, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return -ENODEV;
	for (at = (uint8_t)td_cfg_read(td, PCI_CAPABILITY_LIST, 1); at && guard < 48; guard++) {
		uint8_t id = (uint8_t)td_cfg_read(td, at, 1);

		if (id == PCI_CAP_ID_VNDR) {
			parse_vndr_cap(td, at);
		} else if (id == PCI_CAP_ID_MSIX) {
			uint32_t t = td_cfg_read(td, at + PCI_MSIX_TABLE, 4);

			td->msix_at = at;
			td->msix_table_size =
				(td_cfg_read(td, at + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_QSIZE) +
				1;
			td->msix_bar = t & PCI_MSIX_TABLE_BIR;
			td->msix_table_off = t & PCI_MSIX_TABLE_OFFSET;
			td->msix_pba_off =
				td_cfg_read(td, at + PCI_MSIX_PBA, 4) & PCI_MSIX_PBA_OFFSET;
		}
		at = (uint8_t)td_cfg_read(td, at + PCI_CAP_LIST_NEXT, 1);
	}
	if (!td->common.len || !td->notify.len || !td->isr.len || !td->msix_at)
		return -ENODEV;
	size_bars(td);
	place_bar(td, 0, TD_BAR0_GPA);
	place_bar(td, 2, TD_BAR2_GPA);
	td_cfg_write(td, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);

	/* MSI-X: program every vector (addr/data encode the vector), then enable. */
	for (v = 0; v < td->msix_table_size && v < TD_MAX_VEC; v++) {
		struct td_region t = { .bar = td->msix_bar, .off = td->msix_table_off + 16u * v };

		td_write(td, &t, PCI_MSIX_ENTRY_LOWER_ADDR, 4, 0xfee00000u + v);
		td_write(td, &t, PCI_MSIX_ENTRY_UPPER_ADDR, 4, 0);
		td_write(td, &t, PCI_MSIX_ENTRY_DATA, 4, 0x100u + v);
		td_write(td, &t, PCI_MSIX_ENTRY_VECTOR_CTRL, 4, 0);
	}
	td_cfg_write(td, td->msix_at + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	td->nq = (uint16_t)td_read(td, &td->common, VIRTIO_PCI_COMMON_NUMQ, 2);
	return 0;
}

uint8_t td_status(struct testdrv *td)
{
	return (uint8_t)td_read(td, &td->common, VIRTIO_PCI_COMMON_STATUS, 1);
}

void td_reset(struct testdrv *td)
{
	td_write(td, &td->common, VIRTIO_PCI_COMMON_STATUS, 1, 0);
	/* The driver waits for status to read back 0. */
	assert_int_equal(td_status(td), 0);
}

int td_negotiate(struct testdrv *td, uint64_t features)
{
	uint8_t s = VIRTIO_CONFIG_S_ACKNOWLEDGE;

	td_reset(td);
	td_write(td, &td->common, VIRTIO_PCI_COMMON_STATUS, 1, s);
	s |= VIRTIO_CONFIG_S_DRIVER;
	td_write(td, &td->common, VIRTIO_PCI_COMMON_STATUS, 1, s);
	td_write(td, &td->common, VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
	td_write(td, &td->common, VIRTIO_PCI_COMMON_GF, 4, (uint32_t)features);
	td_write(td, &td->common, VIRTIO_PCI_COMMON_GFSELECT, 4, 1);
	td_write(td, &td->common, VIRTIO_PCI_COMMON_GF, 4, (uint32_t)(features >> 32));
	s |= VIRTIO_CONFIG_S_FEATURES_OK;
	td_write(td, &td->common, VIRTIO_PCI_COMMON_STATUS, 1, s);
	if (!(td_status(td) & VIRTIO_CONFIG_S_FEATURES_OK))
		return -EIO;
	td->features = features;
	td_write(td, &td->common, VIRTIO_PCI_COMMON_MSIX, 2, TD_CONFIG_VECTOR);
	return 0;
}

static uint64_t device_features(struct testdrv *td)
{
	uint64_t f;

	td_write(td, &td->common, VIRTIO_PCI_COMMON_DFSELECT, 4, 0);
	f = td_read(td, &td->common, VIRTIO_PCI_COMMON_DF, 4);
	td_write(td, &td->common, VIRTIO_PCI_COMMON_DFSELECT, 4, 1);
	return f | td_read(td, &td->common, VIRTIO_PCI_COMMON_DF, 4) << 32;
}

int td_setup_queue(struct testdrv *td, uint16_t q, uint16_t size)
{
	uint16_t max;

	td_write(td, &td->common, VIRTIO_PCI_COMMON_Q_SELECT, 2, q);
	max = (uint16_t)td_read(td, &td->common, VIRTIO_PCI_COMMON_Q_SIZE, 2);
	if (!max)
		return -ENOENT;
	if (size > max)
		size = max;
	gvring_init(&td->vr[q], &td->ram, size);
	td_write(td, &td->common, VIRTIO_PCI_COMMON_Q_SIZE, 2, size);
	td_write(td, &td->common, VIRTIO_PCI_COMMON_Q_MSIX, 2, td_queue_vector(q));
	td_write(td, &td->common, VIRTIO_PCI_COMMON_Q_DESCLO, 4, (uint32_t)td->vr[q].desc_gpa);
	td_write(td, &td->common, VIRTIO_PCI_COMMON_Q_DESCHI, 4,
		 (uint32_t)(td->vr[q].desc_gpa >> 32));
	td_write(td, &td->common, VIRTIO_PCI_COMMON_Q_AVAILLO, 4, (uint32_t)td->vr[q].avail_gpa);
	td_write(td, &td->common, VIRTIO_PCI_COMMON_Q_AVAILHI, 4,
		 (uint32_t)(td->vr[q].avail_gpa >> 32));
	td_write(td, &td->common, VIRTIO_PCI_COMMON_Q_USEDLO, 8, td->vr[q].used_gpa);
	td_write(td, &td->common, VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	return td_read(td, &td->common, VIRTIO_PCI_COMMON_Q_ENABLE, 2) == 1 ? 0 : -EIO;
}

void td_driver_ok(struct testdrv *td)
{
	td_write(td, &td->common, VIRTIO_PCI_COMMON_STATUS, 1,
		 td_status(td) | VIRTIO_CONFIG_S_DRIVER_OK);
}

int td_start(struct testdrv *td, uint64_t want, uint16_t qsize)
{
	uint16_t q;
	int err = td_probe(td);

	if (err)
		return err;
	err = td_negotiate(td, device_features(td) & want);
	if (err)
		return err;
	for (q = 0; q < td->nq; q++) {
		err = td_setup_queue(td, q, qsize);
		if (err)
			return err;
	}
	td_driver_ok(td);
	return 0;
}

/* ---- kicks and interrupts ---- */

void td_kick(struct testdrv *td, uint16_t q)
{
	uint64_t one = 1;

	if (td->notify_bound[q]) {
		/* What KVM does when the guest writes a bound notify address. */
		assert_int_equal(write(td->kick_fd[q], &one, sizeof(one)), sizeof(one));
		return;
	}
	td_write(td, &td->notify, q * td->notify_mult, 2, q);
}

int td_run_host(struct testdrv *td)
{
	int n = 0;
	uint16_t q;

	for (q = 0; q < td->nq && q < TD_MAX_Q; q++) {
		uint64_t cnt;

		if (read(td->kick_fd[q], &cnt, sizeof(cnt)) == sizeof(cnt)) {
			virtio_dev_handle_queue(td->dev, q);
			n++;
		}
	}
	return n;
}

bool td_irq(struct testdrv *td, uint16_t vector)
{
	uint64_t cnt;

	return read(td->irq_fd[vector], &cnt, sizeof(cnt)) == sizeof(cnt);
}
