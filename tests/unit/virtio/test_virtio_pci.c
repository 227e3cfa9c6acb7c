// SPDX-License-Identifier: GPL-2.0
/* virtio-pci function model driven by the test driver, with virtio-rng behind it. */
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
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>

#include <splitvirt/virtio_rng.h>

#include "../../support/testdrv.h"

static int setup(void **state)
{
	struct testdrv *td = calloc(1, sizeof(*td));
	struct virtio_dev *dev;

	assert_int_equal(td_init(td), 0);
	assert_int_equal(virtio_rng_create(&dev, &td->gm), 0);
	assert_int_equal(td_attach(td, dev), 0);
	*state = td;
	return 0;
}

static int teardown(void **state)
{
	struct testdrv *td = *state;

	td_destroy(td);
	free(td);
	return 0;
}

/* Submits one rng request of len bytes; returns the used length or -1. */
static int rng_request(struct testdrv *td, uint32_t len, uint64_t *gpa_out)
{
	uint64_t gpa = gram_alloc(&td->ram, len, 8);
	struct gbuf b = { gpa, len, true };
	uint16_t head;
	uint32_t used;

	gvring_add(&td->vr[0], &b, 1);
	gvring_publish(&td->vr[0]);
	td_kick(td, 0);
	td_run_host(td);
	if (gpa_out)
		*gpa_out = gpa;
	if (!gvring_get_used(&td->vr[0], &head, &used))
		return -1;
	return (int)used;
}

static void test_identity(void **state)
{
	struct testdrv *td = *state;

	assert_int_equal(td_cfg_read(td, PCI_VENDOR_ID, 2), 0x1af4);
	assert_int_equal(td_cfg_read(td, PCI_DEVICE_ID, 2), 0x1044);
	assert_int_equal(td_cfg_read(td, PCI_REVISION_ID, 1), 1);
	assert_int_equal(td_cfg_read(td, PCI_CLASS_DEVICE, 2), 0xff00);
	assert_int_equal(td_cfg_read(td, PCI_HEADER_TYPE, 1), 0);
	assert_int_equal(td_cfg_read(td, PCI_SUBSYSTEM_VENDOR_ID, 2), 0x1af4);
	assert_true(td_cfg_read(td, PCI_SUBSYSTEM_ID, 2) >= 0x40);
	assert_int_equal(td_cfg_read(td, PCI_INTERRUPT_PIN, 1), 1);
	/* Read-only registers ignore writes. */
	td_cfg_write(td, PCI_VENDOR_ID, 4, 0x12345678);
	assert_int_equal(td_cfg_read(td, PCI_VENDOR_ID, 4), 0x10441af4);
}

static void test_probe_caps_and_bars(void **state)
{
	struct testdrv *td = *state;
	uint64_t gpa, size;

	assert_int_equal(td_probe(td), 0);
	assert_int_equal(td->bar_size[0], VIRTIO_PCI_BAR0_SIZE);
	assert_int_equal(td->bar_size[2], VIRTIO_PCI_BAR2_SIZE);
	assert_int_equal(td->bar_size[4], 0);
	assert_int_equal(td->notify_mult, VIRTIO_PCI_NOTIFY_MULT);
	assert_int_equal(td->common.bar, 0);
	assert_int_equal(td->common.len, VIRTIO_PCI_COMMON_LEN);
	assert_int_equal(td->isr.off, VIRTIO_PCI_ISR_OFF);
	assert_int_equal(td->device.len, 0); /* rng has no config space */
	assert_int_equal(td->pcicfg_at, VIRTIO_PCI_CAP_PCICFG_AT);
	assert_int_equal(td->msix_table_size, 2);
	assert_int_equal(td->msix_bar, 2);
	assert_int_equal(td->msix_pba_off, VIRTIO_PCI_MSIX_PBA_OFF);
	assert_int_equal(td->nq, 1);
	assert_true(virtio_pci_bar_mapping(td->fn, 0, &gpa, &size));
	assert_int_equal(gpa, TD_BAR0_GPA);
	assert_int_equal(size, VIRTIO_PCI_BAR0_SIZE);
	/* The platform was told where the guest placed them. */
	assert_true(td->fp.win[0].active && td->fp.win[2].active);
	assert_int_equal(td->fp.win[0].gpa, TD_BAR0_GPA);
	assert_int_equal(td->fp.win[0].size, VIRTIO_PCI_BAR0_SIZE);
	assert_int_equal(td->fp.win[2].gpa, TD_BAR2_GPA);
	assert_int_equal(td->fp.win[2].size, VIRTIO_PCI_BAR2_SIZE);
}

static void test_cfg_odd_accesses(void **state)
{
	struct testdrv *td = *state;
	uint32_t v;

	/* Unaligned reads straddle registers byte-wise. */
	assert_int_equal(td_cfg_read(td, 1, 2), 0x441a);
	assert_int_equal(td_cfg_read(td, 0xfe, 2), 0);
	/* Extended config space is empty: no PCIe extended capabilities. */
	assert_int_equal(td_cfg_read(td, 0x100, 4), 0);
	td_cfg_write(td, 0x200, 4, 0xffffffff);
	assert_int_equal(virtio_pci_cfg_read(td->fn, 4095, 2, &v), -EINVAL);
	assert_int_equal(v, 0xffffffff);
	assert_int_equal(virtio_pci_cfg_read(td->fn, 0, 3, &v), -EINVAL);
	assert_int_equal(virtio_pci_cfg_write(td->fn, 4096, 1, 0), -EINVAL);
	assert_int_equal(virtio_pci_cfg_write(td->fn, 0, 8, 0), -EINVAL);
	/* Unused BARs read 0 even after all-ones writes. */
	td_cfg_write(td, PCI_BASE_ADDRESS_4, 4, 0xffffffff);
	assert_int_equal(td_cfg_read(td, PCI_BASE_ADDRESS_4, 4), 0);
	td_cfg_write(td, PCI_ROM_ADDRESS, 4, 0xffffffff);
	assert_int_equal(td_cfg_read(td, PCI_ROM_ADDRESS, 4), 0);
	/* A byte write into the BAR keeps the flag bits. */
	td_cfg_write(td, PCI_BASE_ADDRESS_0, 1, 0xff);
	assert_int_equal(td_cfg_read(td, PCI_BASE_ADDRESS_0, 4) & 0xf,
			 PCI_BASE_ADDRESS_MEM_TYPE_64);
}

static void test_bar_access_bounds(void **state)
{
	struct testdrv *td = *state;
	uint64_t v;

	assert_int_equal(virtio_pci_bar_read(td->fn, 0, VIRTIO_PCI_BAR0_SIZE - 2, 4, &v), -EINVAL);
	assert_int_equal(virtio_pci_bar_read(td->fn, 1, 0, 4, &v), -EINVAL);
	assert_int_equal(virtio_pci_bar_read(td->fn, 7, 0, 4, &v), -EINVAL);
	assert_int_equal(virtio_pci_bar_read(td->fn, 0, 0, 3, &v), -EINVAL);
	assert_int_equal(virtio_pci_bar_write(td->fn, 2, UINT64_MAX, 1, 0), -EINVAL);
	assert_int_equal(virtio_pci_bar_read(td->fn, 0, VIRTIO_PCI_COMMON_NUMQ, 2, &v), 0);
	assert_int_equal(v, 1); /* num_queues */
	/* Past the common structure and in the gaps: zero. */
	assert_int_equal(virtio_pci_bar_read(td->fn, 0, 0x100, 8, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(virtio_pci_bar_read(td->fn, 0, VIRTIO_PCI_DEVCFG_OFF, 4, &v), 0);
	assert_int_equal(v, 0);
	/* Not mapped yet: MMIO by address finds nothing. */
	assert_int_equal(virtio_pci_mmio_read(td->fn, TD_BAR0_GPA, 4, &v), -ENOENT);
}

static void test_bar_move(void **state)
{
	struct testdrv *td = *state;
	uint64_t v;

	assert_int_equal(td_start(td, ~0ull, 16), 0);
	assert_true(td->fp.kick[0].bound);
	assert_int_equal(td->fp.kick[0].gpa, TD_BAR0_GPA + VIRTIO_PCI_NOTIFY_OFF);
	/* Disable decoding: BARs unmapped, notify address released. */
	td_cfg_write(td, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
	assert_false(td->fp.win[0].active);
	assert_false(td->fp.kick[0].bound);
	assert_int_equal(virtio_pci_mmio_read(td->fn, TD_BAR0_GPA, 4, &v), -ENOENT);
	td_cfg_write(td, PCI_BASE_ADDRESS_0, 4, 0xd0000000);
	td_cfg_write(td, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	assert_true(td->fp.win[0].active);
	assert_int_equal(td->fp.win[0].gpa, 0xd0000000);
	assert_true(td->fp.kick[0].bound);
	assert_int_equal(td->fp.kick[0].gpa, 0xd0000000 + VIRTIO_PCI_NOTIFY_OFF);
	assert_int_equal(virtio_pci_mmio_read(td->fn, 0xd0000000 + VIRTIO_PCI_COMMON_NUMQ, 2, &v),
			 0);
	assert_int_equal(v, 1);
	/* The guest's next kick goes to the new address, through the eventfd. */
	assert_int_equal(rng_request(td, 8, NULL), 8);
	assert_int_equal(td->fp.misuse, 0);
}

static void test_rng_request(void **state)
{
	struct testdrv *td = *state;
	uint64_t gpa;
	uint8_t *p;
	int i, nz = 0;

	assert_int_equal(td_start(td, ~0ull, 16), 0);
	assert_int_equal(td_status(td), VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
						VIRTIO_CONFIG_S_FEATURES_OK |
						VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(rng_request(td, 64, &gpa), 64);
	assert_true(td_irq(td, td_queue_vector(0)));
	p = gram_ptr(&td->ram, gpa);
	for (i = 0; i < 64; i++)
		nz += p[i] != 0;
	assert_true(nz > 32);
	/* Trapped kick path: the platform has no ioeventfd left for the queue. */
	td_reset(td);
	td->fp.fail_ioeventfd = -ENOSPC;
	assert_int_equal(td_start(td, ~0ull, 16), 0);
	assert_false(td->fp.kick[0].bound);
	assert_int_equal(rng_request(td, 16, NULL), 16);
	assert_true(td_irq(td, td_queue_vector(0)));
	assert_false(td_irq(td, td_queue_vector(0)));
}

static void test_rng_cap_per_request(void **state)
{
	struct testdrv *td = *state;

	assert_int_equal(td_start(td, ~0ull, 16), 0);
	assert_int_equal(rng_request(td, 1u << 20, NULL), VIRTIO_RNG_MAX_PER_REQUEST);
}

static void test_feature_negotiation(void **state)
{
	struct testdrv *td = *state;

	assert_int_equal(td_probe(td), 0);
	/* Legacy drivers (no VERSION_1) are refused. */
	assert_int_equal(td_negotiate(td, 0), -EIO);
	/* Features the device did not offer are refused. */
	assert_int_equal(td_negotiate(td, (1ull << VIRTIO_F_VERSION_1) | (1ull << 50)), -EIO);
	assert_int_equal(td_negotiate(td, 1ull << VIRTIO_F_VERSION_1), 0);
	/* Frozen after FEATURES_OK. */
	td_write(td, &td->common, VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
	td_write(td, &td->common, VIRTIO_PCI_COMMON_GF, 4, 1u << VIRTIO_RING_F_EVENT_IDX);
	assert_int_equal(td_read(td, &td->common, VIRTIO_PCI_COMMON_GF, 4), 0);
	td_write(td, &td->common, VIRTIO_PCI_COMMON_GFSELECT, 4, 1);
	assert_int_equal(td_read(td, &td->common, VIRTIO_PCI_COMMON_GF, 4), 1);
	/* Out-of-range feature select reads zero. */
	td_write(td, &td->common, VIRTIO_PCI_COMMON_DFSELECT, 4, 7);
	assert_int_equal(td_read(td, &td->common, VIRTIO_PCI_COMMON_DF, 4), 0);
}

static void test_access_platform(void **state)
{
	struct testdrv *td = *state;

	virtio_dev_offer_access_platform(td->dev, true);
	assert_int_equal(td_probe(td), 0);
	assert_int_equal(td_negotiate(td, 1ull << VIRTIO_F_VERSION_1), -EIO);
	assert_int_equal(
		td_negotiate(td, (1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_F_ACCESS_PLATFORM)),
		0);
}

static void test_status_machine(void **state)
{
	struct testdrv *td = *state;
	uint8_t s = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;

	assert_int_equal(td_probe(td), 0);
	td_write(td, &td->common, VIRTIO_PCI_COMMON_STATUS, 1, s);
	/* DRIVER_OK without FEATURES_OK is refused. */
	td_write(td, &td->common, VIRTIO_PCI_COMMON_STATUS, 1, s | VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(td_status(td), s);
	/* The driver cannot clear bits or set NEEDS_RESET. */
	td_write(td, &td->common, VIRTIO_PCI_COMMON_STATUS, 1, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	assert_int_equal(td_status(td), s);
	td_write(td, &td->common, VIRTIO_PCI_COMMON_STATUS, 1, s | VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_int_equal(td_status(td), s);
	/* Queue enable before FEATURES_OK: the device needs reset. */
	assert_int_equal(td_setup_queue(td, 0, 16), -EIO);
	assert_true(td_status(td) & VIRTIO_CONFIG_S_NEEDS_RESET);
	td_reset(td);
	assert_int_equal(td_start(td, ~0ull, 16), 0);
}

static void test_queue_registers(void **state)
{
	struct testdrv *td = *state;

	assert_int_equal(td_probe(td), 0);
	assert_int_equal(td_negotiate(td, 1ull << VIRTIO_F_VERSION_1), 0);
	td_write(td, &td->common, VIRTIO_PCI_COMMON_Q_SELECT, 2, 5);
	assert_int_equal(td_read(td, &td->common, VIRTIO_PCI_COMMON_Q_SIZE, 2), 0);
	td_write(td, &td->common, VIRTIO_PCI_COMMON_Q_ENABLE, 2,
		 1); /* enabling a missing queue: ignored */
	td_write(td, &td->common, VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
	assert_int_equal(td_read(td, &td->common, VIRTIO_PCI_COMMON_Q_SIZE, 2), 256);
	assert_int_equal(td_read(td, &td->common, VIRTIO_PCI_COMMON_Q_NOFF, 2), 0);
	/* Vectors beyond the table read back as NO_VECTOR. */
	td_write(td, &td->common, VIRTIO_PCI_COMMON_Q_MSIX, 2, 9);
	assert_int_equal(td_read(td, &td->common, VIRTIO_PCI_COMMON_Q_MSIX, 2),
			 VIRTIO_MSI_NO_VECTOR);
	td_write(td, &td->common, VIRTIO_PCI_COMMON_MSIX, 2, 2);
	assert_int_equal(td_read(td, &td->common, VIRTIO_PCI_COMMON_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	/* 64-bit register through two 32-bit halves and one 8-byte access. */
	td_write(td, &td->common, VIRTIO_PCI_COMMON_Q_DESCLO, 4, 0x11223344);
	td_write(td, &td->common, VIRTIO_PCI_COMMON_Q_DESCHI, 4, 0x55667788);
	assert_int_equal(td_read(td, &td->common, VIRTIO_PCI_COMMON_Q_DESCLO, 8),
			 0x5566778811223344ull);
	/* Byte write into the middle of a field keeps the other bytes. */
	td_write(td, &td->common, VIRTIO_PCI_COMMON_Q_DESCLO + 1, 1, 0xaa);
	assert_int_equal(td_read(td, &td->common, VIRTIO_PCI_COMMON_Q_DESCLO, 4), 0x1122aa44);
	/* A non-power-of-two size is refused at enable: needs reset. */
	td_write(td, &td->common, VIRTIO_PCI_COMMON_Q_SIZE, 2, 100);
	td_write(td, &td->common, VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	assert_int_equal(td_read(td, &td->common, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	assert_true(td_status(td) & VIRTIO_CONFIG_S_NEEDS_RESET);
}

static void test_msix_masking(void **state)
{
	struct testdrv *td = *state;
	struct td_region t;
	int changes;

	assert_int_equal(td_start(td, ~0ull, 16), 0);
	t = (struct td_region){ .bar = 2, .off = 16u * td_queue_vector(0) };
	changes = td->fp.irqfd_calls;
	td_write(td, &t, PCI_MSIX_ENTRY_VECTOR_CTRL, 4, PCI_MSIX_ENTRY_CTRL_MASKBIT);
	assert_int_equal(td->fp.irqfd_calls, changes + 1);
	assert_true(td->fp.route[td_queue_vector(0)].masked);
	assert_int_equal(rng_request(td, 8, NULL), 8);
	assert_false(td_irq(td, td_queue_vector(0)));
	assert_true(virtio_pci_msix_pending(td->fn, td_queue_vector(0)));
	struct td_region pba = { .bar = 2, .off = VIRTIO_PCI_MSIX_PBA_OFF };
	assert_int_equal(td_read(td, &pba, 0, 8), 1u << td_queue_vector(0));
	/* Unmasking delivers the pending message. */
	td_write(td, &t, PCI_MSIX_ENTRY_VECTOR_CTRL, 4, 0);
	assert_true(td_irq(td, td_queue_vector(0)));
	assert_false(virtio_pci_msix_pending(td->fn, td_queue_vector(0)));
	/* Function mask works the same way. */
	td_cfg_write(td, td->msix_at + PCI_MSIX_FLAGS, 2,
		     PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	assert_int_equal(rng_request(td, 8, NULL), 8);
	assert_false(td_irq(td, td_queue_vector(0)));
	td_cfg_write(td, td->msix_at + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	assert_true(td_irq(td, td_queue_vector(0)));
	/* Reprogramming the address reaches the host hook; the PBA is read-only. */
	changes = td->fp.irqfd_calls;
	td_write(td, &t, PCI_MSIX_ENTRY_DATA, 4, 0x100u + td_queue_vector(0));
	assert_int_equal(td->fp.irqfd_calls, changes);
	td_write(td, &t, PCI_MSIX_ENTRY_LOWER_ADDR, 4, 0xfee00010);
	assert_int_equal(td->fp.irqfd_calls, changes + 1);
	assert_int_equal(td->fp.route[td_queue_vector(0)].addr, 0xfee00010);
	td_write(td, &t, PCI_MSIX_ENTRY_LOWER_ADDR, 4, 0xfee00000u + td_queue_vector(0));
	td_write(td, &pba, 0, 8, ~0ull);
	assert_int_equal(td_read(td, &pba, 0, 8), 0);
	/* The reserved Vector Control bits read as 0. */
	td_write(td, &t, PCI_MSIX_ENTRY_VECTOR_CTRL, 4, 0xfffffffe);
	assert_int_equal(td_read(td, &t, PCI_MSIX_ENTRY_VECTOR_CTRL, 4), 0);
}

static void test_intx_and_isr(void **state)
{
	struct testdrv *td = *state;

	assert_int_equal(td_start(td, ~0ull, 16), 0);
	td_cfg_write(td, td->msix_at + PCI_MSIX_FLAGS, 2, 0);
	assert_int_equal(rng_request(td, 8, NULL), 8);
	assert_false(td_irq(td, td_queue_vector(0)));
	assert_true(td->fp.intx);
	assert_true(td_cfg_read(td, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	/* INTx disable in the command register lowers the line. */
	td_cfg_write(td, PCI_COMMAND, 2,
		     PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
	assert_false(td->fp.intx);
	td_cfg_write(td, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	assert_true(td->fp.intx);
	assert_int_equal(td_read(td, &td->isr, 0, 1), 1);
	assert_false(td->fp.intx);
	assert_int_equal(td_read(td, &td->isr, 0, 1), 0);
}

/* Where the PCI cfg access capability keeps the data of its BAR window. */
#define PCICFG_DATA offsetof(struct virtio_pci_cfg_cap, pci_cfg_data)

static void test_pci_cfg_access_cap(void **state)
{
	struct testdrv *td = *state;
	uint8_t at;

	assert_int_equal(td_probe(td), 0);
	at = td->pcicfg_at;
	td_cfg_write(td, at + VIRTIO_PCI_CAP_BAR, 1, 0);
	td_cfg_write(td, at + VIRTIO_PCI_CAP_OFFSET, 4, VIRTIO_PCI_COMMON_NUMQ);
	td_cfg_write(td, at + VIRTIO_PCI_CAP_LENGTH, 4, 2);
	assert_int_equal(td_cfg_read(td, at + PCICFG_DATA, 2), 1); /* num_queues via the window */
	td_cfg_write(td, at + VIRTIO_PCI_CAP_OFFSET, 4, VIRTIO_PCI_COMMON_STATUS);
	td_cfg_write(td, at + VIRTIO_PCI_CAP_LENGTH, 4, 1);
	td_cfg_write(td, at + PCICFG_DATA, 1, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	assert_int_equal(td_status(td), VIRTIO_CONFIG_S_ACKNOWLEDGE);
	/* Bad windows (misaligned, bad length, bad BAR) do nothing. */
	td_cfg_write(td, at + VIRTIO_PCI_CAP_OFFSET, 4, VIRTIO_PCI_COMMON_STATUS - 1);
	td_cfg_write(td, at + VIRTIO_PCI_CAP_LENGTH, 4, 2);
	td_cfg_write(td, at + PCICFG_DATA, 2, 0);
	td_cfg_write(td, at + VIRTIO_PCI_CAP_LENGTH, 4, 3);
	td_cfg_write(td, at + PCICFG_DATA, 4, 0);
	td_cfg_write(td, at + VIRTIO_PCI_CAP_BAR, 1, 5);
	td_cfg_write(td, at + VIRTIO_PCI_CAP_LENGTH, 4, 4);
	td_cfg_write(td, at + VIRTIO_PCI_CAP_OFFSET, 4, 0);
	td_cfg_write(td, at + PCICFG_DATA, 4, 0);
	assert_int_equal(td_status(td), VIRTIO_CONFIG_S_ACKNOWLEDGE);
}

static void test_hostile_ring_needs_reset(void **state)
{
	struct testdrv *td = *state;
	struct gvring *r;

	assert_int_equal(td_start(td, ~0ull, 16), 0);
	r = &td->vr[0];
	/* Guest publishes an avail index far ahead of what exists. */
	r->avail->idx = (uint16_t)(r->avail_idx + 100);
	td_kick(td, 0);
	td_run_host(td);
	assert_true(td_status(td) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_true(td_irq(td, TD_CONFIG_VECTOR));
	/* Further kicks are ignored until reset. */
	td_kick(td, 0);
	td_run_host(td);
	assert_int_equal(virtio_dev_handle_queue(td->dev, 0), -EIO);
	/* Reset and start again: the device works. */
	td->ram.next = 0;
	td_reset(td);
	assert_false(td->fp.kick[0].bound);
	assert_int_equal(td_start(td, ~0ull, 16), 0);
	assert_int_equal(rng_request(td, 32, NULL), 32);
}

static void test_reset_mid_operation(void **state)
{
	struct testdrv *td = *state;
	uint64_t gpa = 0;
	struct gbuf b;

	assert_int_equal(td_start(td, ~0ull, 16), 0);
	gpa = gram_alloc(&td->ram, 16, 8);
	b = (struct gbuf){ gpa, 16, true };
	gvring_add(&td->vr[0], &b, 1);
	gvring_publish(&td->vr[0]);
	td_kick(td, 0);
	/* Reset before the host loop ran: the kick arrives at a reset device. */
	td_reset(td);
	assert_int_equal(td_run_host(td), 1);
	assert_int_equal(td->vr[0].used->idx, 0);
	assert_int_equal(td_read(td, &td->common, VIRTIO_PCI_COMMON_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	assert_int_equal(td_start(td, ~0ull, 16), 0);
	assert_int_equal(rng_request(td, 16, NULL), 16);
}

static void test_buffers_before_driver_ok(void **state)
{
	struct testdrv *td = *state;
	uint64_t gpa;
	struct gbuf b;
	uint16_t head;
	uint32_t len;

	assert_int_equal(td_probe(td), 0);
	assert_int_equal(td_negotiate(td, 1ull << VIRTIO_F_VERSION_1), 0);
	assert_int_equal(td_setup_queue(td, 0, 8), 0);
	gpa = gram_alloc(&td->ram, 16, 8);
	b = (struct gbuf){ gpa, 16, true };
	gvring_add(&td->vr[0], &b, 1);
	gvring_publish(&td->vr[0]);
	td_kick(td, 0);
	td_run_host(td);
	assert_false(gvring_get_used(&td->vr[0], &head, &len));
	/* DRIVER_OK makes the device look at the queue. */
	td_driver_ok(td);
	assert_true(gvring_get_used(&td->vr[0], &head, &len));
	assert_int_equal(len, 16);
}

#define T(fn) SV_TEST(fn)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_identity),
		T(test_probe_caps_and_bars),
		T(test_cfg_odd_accesses),
		T(test_bar_access_bounds),
		T(test_bar_move),
		T(test_rng_request),
		T(test_rng_cap_per_request),
		T(test_feature_negotiation),
		T(test_access_platform),
		T(test_status_machine),
		T(test_queue_registers),
		T(test_msix_masking),
		T(test_intx_and_isr),
		T(test_pci_cfg_access_cap),
		T(test_hostile_ring_needs_reset),
		T(test_reset_mid_operation),
		T(test_buffers_before_driver_ok),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
