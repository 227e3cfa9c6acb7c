// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/pci_regs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>

#include "testdrv.h"

/* ---- host side: the glue on the fake platform ---- */

int td_init(struct testdrv *td)
{
	int err;

	memset(td, 0, sizeof(*td));
	gmem_init(&td->gm);
	fp_init(&td->fp);
	td->host_loop = &td->loop;
	err = sv_loop_init(&td->loop);
	if (err)
		return err;
	return gram_init(&td->ram, &td->gm, TD_RAM_GPA, TD_RAM_SIZE);
}

void td_share_loop(struct testdrv *td, struct testdrv *other)
{
	td->host_loop = other->host_loop;
}

int td_attach(struct testdrv *td, struct virtio_dev *dev)
{
	const struct virtio_host_params p = {
		.name = "testdrv",
		.loop = td->host_loop,
		.platform = td->platform ? td->platform : &fake_platform_ops,
		.ctx = &td->fp,
	};
	int err = virtio_host_create(&td->vh, dev, &p);

	if (err) {
		td->vh = NULL;
		td->dev = NULL;
		td->fn = NULL;
		return err;
	}
	td->dev = virtio_host_dev(td->vh);
	td->fn = virtio_host_pci(td->vh);
	return 0;
}

void td_destroy(struct testdrv *td)
{
	virtio_host_destroy(td->vh);
	td->vh = NULL;
	td->dev = NULL;
	td->fn = NULL;
	sv_loop_fini(&td->loop);
	gram_destroy(&td->ram);
}

int td_replace(struct testdrv *td, struct virtio_dev *dev)
{
	virtio_host_destroy(td->vh);
	td->vh = NULL;
	fp_init(&td->fp);
	return td_attach(td, dev);
}

/* ---- guest accessors ---- */

uint32_t td_cfg_read(struct testdrv *td, uint32_t off, uint32_t size)
{
	uint32_t v;

	assert_int_equal(virtio_host_cfg_access(td->vh, off, size, &v, false), 0);
	return v;
}

void td_cfg_write(struct testdrv *td, uint32_t off, uint32_t size, uint32_t val)
{
	assert_int_equal(virtio_host_cfg_access(td->vh, off, size, &val, true), 0);
}

/* Wherever the platform last saw the BAR decoded. */
static uint64_t region_gpa(struct testdrv *td, const struct td_region *r, uint32_t off)
{
	return fp_window_gpa(&td->fp, r->bar) + r->off + off;
}

static int guest_mmio(struct testdrv *td, const struct td_region *r, uint32_t off, uint32_t size,
		      uint64_t *val, bool is_write)
{
	uint64_t gpa = region_gpa(td, r, off);
	int err = 0, how = fp_mmio(&td->fp, td->vh, gpa, size, val, is_write, &err);

	assert_true(how > 0); /* something is mapped there */
	assert_int_equal(err, 0);
	return how;
}

uint64_t td_read(struct testdrv *td, const struct td_region *r, uint32_t off, uint32_t size)
{
	uint64_t v = 0;

	guest_mmio(td, r, off, size, &v, false);
	return v;
}

void td_write(struct testdrv *td, const struct td_region *r, uint32_t off, uint32_t size,
	      uint64_t val)
{
	guest_mmio(td, r, off, size, &val, true);
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
	td_write(td, &td->notify, q * td->notify_mult, 2, q);
}

/* How many of the kick eventfds the platform was given are signalled. */
static int kicks_pending(struct testdrv *td)
{
	struct pollfd p[VIRTIO_HOST_MAX_QUEUES];
	int n = 0, kicked = 0;

	for (unsigned int q = 0; q < VIRTIO_HOST_MAX_QUEUES; q++)
		if (td->fp.kick[q].fd >= 0)
			p[n++] = (struct pollfd){ .fd = td->fp.kick[q].fd, .events = POLLIN };
	assert_true(poll(p, (nfds_t)n, 0) >= 0);
	for (int i = 0; i < n; i++)
		kicked += !!(p[i].revents & POLLIN);
	return kicked;
}

int td_run_host(struct testdrv *td)
{
	int kicked = kicks_pending(td);

	/* A batch takes every ready watch: all those kicks are handled. */
	assert_true(sv_loop_run_once(td->host_loop, 0) >= kicked);
	return kicked;
}

int td_run_host_idle(struct testdrv *td, int max)
{
	int steps = 0;

	do {
		assert_true(steps < max);
		td_run_host(td);
		steps++;
	} while (kicks_pending(td));
	return steps;
}

bool td_irq(struct testdrv *td, uint16_t vector)
{
	const struct fp_route *r = &td->fp.route[vector];
	/* The harness programs addr = 0xfee00000 + vector, data = 0x100 + vector. */
	uint64_t addr = 0xfee00000ull + vector;
	uint32_t data = 0x100u + vector;
	bool fired = false;

	assert_true(vector < VIRTIO_HOST_MAX_VECTORS);
	if (r->set && fp_eventfd_take(r->fd)) {
		assert_int_equal(r->addr, addr);
		assert_int_equal(r->data, data);
		fired = true;
	}
	if (fp_take_msi(&td->fp, addr, data))
		fired = true;
	return fired;
}
