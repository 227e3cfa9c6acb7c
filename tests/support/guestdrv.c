// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/pci_regs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>

#include <splitvirt/rpc.h>

#include "guestdrv.h"

void gd_init(struct guestdrv *gd, struct dm_link *l, struct fake_kmod *fk)
{
	memset(gd, 0, sizeof(*gd));
	gd->link = l;
	gd->ram.base = fk->ram;
	gd->ram.gpa = FK_RAM_GPA;
	gd->ram.size = fk->info.ram_size;
	gd->ram.next = 0;
}

int gd_req(struct guestdrv *gd, uint16_t as, uint8_t dir, uint64_t addr, uint8_t size,
	   uint64_t *val)
{
	struct sv_ioreq req = { .id = 1, .as = as, .size = size, .dir = dir, .addr = addr };

	if (dir == SV_RPC_MMIO_WRITE)
		req.data = *val;
	dm_link_dispatch(gd->link, &req);
	if (dir == SV_RPC_MMIO_READ && val)
		*val = req.data;
	return req.status;
}

uint32_t gd_cfg_read(struct guestdrv *gd, unsigned int fn, uint32_t off, uint8_t size)
{
	uint64_t v = 0;

	assert_int_equal(gd_req(gd, (uint16_t)fn, SV_RPC_MMIO_READ, off, size, &v), 0);
	return (uint32_t)v;
}

void gd_cfg_write(struct guestdrv *gd, unsigned int fn, uint32_t off, uint8_t size, uint32_t v)
{
	uint64_t val = v;

	assert_int_equal(gd_req(gd, (uint16_t)fn, SV_RPC_MMIO_WRITE, off, size, &val), 0);
}

uint64_t gd_bar0(unsigned int fn)
{
	return GD_BAR_BASE + fn * 0x100000ull;
}

uint64_t gd_bar2(unsigned int fn)
{
	return gd_bar0(fn) + 0x10000;
}

uint64_t gd_common_read(struct guestdrv *gd, unsigned int fn, uint32_t off, uint8_t size)
{
	uint64_t v = 0;

	assert_int_equal(
		gd_req(gd, SV_RPC_AS_GLOBAL, SV_RPC_MMIO_READ, gd_bar0(fn) + off, size, &v), 0);
	return v;
}

void gd_common_write(struct guestdrv *gd, unsigned int fn, uint32_t off, uint8_t size, uint64_t v)
{
	assert_int_equal(
		gd_req(gd, SV_RPC_AS_GLOBAL, SV_RPC_MMIO_WRITE, gd_bar0(fn) + off, size, &v), 0);
}

static void place_bar(struct guestdrv *gd, unsigned int fn, int bar, uint64_t gpa)
{
	gd_cfg_write(gd, fn, PCI_BASE_ADDRESS_0 + 4 * bar, 4, (uint32_t)gpa);
	gd_cfg_write(gd, fn, PCI_BASE_ADDRESS_0 + 4 * bar + 4, 4, (uint32_t)(gpa >> 32));
}

void gd_place_bars(struct guestdrv *gd, unsigned int fn)
{
	place_bar(gd, fn, 0, gd_bar0(fn));
	place_bar(gd, fn, 2, gd_bar2(fn));
	gd_cfg_write(gd, fn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

void gd_enable_msix(struct guestdrv *gd, unsigned int fn)
{
	uint16_t n = (uint16_t)((gd_cfg_read(gd, fn, VIRTIO_PCI_CAP_MSIX_AT + PCI_MSIX_FLAGS, 2) &
				 PCI_MSIX_FLAGS_QSIZE) +
				1);

	for (uint16_t v = 0; v < n; v++) {
		uint64_t e = gd_bar2(fn) + VIRTIO_PCI_MSIX_TABLE_OFF + 16u * v;
		uint64_t addr = GD_MSI_ADDR, data = fn * 0x100u + v, ctrl = 0, hi = 0;

		assert_int_equal(gd_req(gd, SV_RPC_AS_GLOBAL, SV_RPC_MMIO_WRITE,
					e + PCI_MSIX_ENTRY_LOWER_ADDR, 4, &addr),
				 0);
		assert_int_equal(gd_req(gd, SV_RPC_AS_GLOBAL, SV_RPC_MMIO_WRITE,
					e + PCI_MSIX_ENTRY_UPPER_ADDR, 4, &hi),
				 0);
		assert_int_equal(gd_req(gd, SV_RPC_AS_GLOBAL, SV_RPC_MMIO_WRITE,
					e + PCI_MSIX_ENTRY_DATA, 4, &data),
				 0);
		assert_int_equal(gd_req(gd, SV_RPC_AS_GLOBAL, SV_RPC_MMIO_WRITE,
					e + PCI_MSIX_ENTRY_VECTOR_CTRL, 4, &ctrl),
				 0);
	}
	gd_cfg_write(gd, fn, VIRTIO_PCI_CAP_MSIX_AT + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
}

void gd_start(struct guestdrv *gd, unsigned int fn, uint16_t qsize)
{
	gd_start_features(gd, fn, qsize, 1); /* VIRTIO_F_VERSION_1 (bit 32) */
}

void gd_start_features(struct guestdrv *gd, unsigned int fn, uint16_t qsize, uint32_t features_hi)
{
	uint8_t s = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;
	uint16_t nq;

	gd_place_bars(gd, fn);
	gd_enable_msix(gd, fn);
	gd_common_write(gd, fn, VIRTIO_PCI_COMMON_STATUS, 1, 0);
	gd_common_write(gd, fn, VIRTIO_PCI_COMMON_STATUS, 1, s);
	gd_common_write(gd, fn, VIRTIO_PCI_COMMON_GFSELECT, 4, 1);
	gd_common_write(gd, fn, VIRTIO_PCI_COMMON_GF, 4, features_hi);
	s |= VIRTIO_CONFIG_S_FEATURES_OK;
	gd_common_write(gd, fn, VIRTIO_PCI_COMMON_STATUS, 1, s);
	assert_true(gd_common_read(gd, fn, VIRTIO_PCI_COMMON_STATUS, 1) &
		    VIRTIO_CONFIG_S_FEATURES_OK);
	gd_common_write(gd, fn, VIRTIO_PCI_COMMON_MSIX, 2, 0); /* config vector 0 */
	nq = (uint16_t)gd_common_read(gd, fn, VIRTIO_PCI_COMMON_NUMQ, 2);
	assert_true(nq <= GD_MAX_Q);
	for (uint16_t q = 0; q < nq; q++) {
		struct gvring *r = &gd->vr[fn][q];

		gd_common_write(gd, fn, VIRTIO_PCI_COMMON_Q_SELECT, 2, q);
		gvring_init(r, &gd->ram, qsize);
		gd_common_write(gd, fn, VIRTIO_PCI_COMMON_Q_SIZE, 2, qsize);
		gd_common_write(gd, fn, VIRTIO_PCI_COMMON_Q_MSIX, 2, q + 1u);
		gd_common_write(gd, fn, VIRTIO_PCI_COMMON_Q_DESCLO, 8, r->desc_gpa);
		gd_common_write(gd, fn, VIRTIO_PCI_COMMON_Q_AVAILLO, 8, r->avail_gpa);
		gd_common_write(gd, fn, VIRTIO_PCI_COMMON_Q_USEDLO, 8, r->used_gpa);
		gd_common_write(gd, fn, VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	}
	gd_common_write(gd, fn, VIRTIO_PCI_COMMON_STATUS, 1, s | VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(gd_common_read(gd, fn, VIRTIO_PCI_COMMON_STATUS, 1),
			 s | VIRTIO_CONFIG_S_DRIVER_OK);
}

void gd_kick(struct guestdrv *gd, struct fake_kmod *fk, unsigned int fn, uint16_t q)
{
	uint64_t gpa = gd_bar0(fn) + VIRTIO_PCI_NOTIFY_OFF + q * VIRTIO_PCI_NOTIFY_MULT;
	int fd = fk_kick_fd(fk, gpa, NULL);
	uint64_t one = 1, v = q;

	if (fd >= 0) {
		assert_int_equal(write(fd, &one, sizeof(one)), sizeof(one));
		return;
	}
	/* No ioeventfd: the write comes over the RPC as an MMIO request. */
	assert_int_equal(gd_req(gd, SV_RPC_AS_GLOBAL, SV_RPC_MMIO_WRITE, gpa, 2, &v), 0);
}
