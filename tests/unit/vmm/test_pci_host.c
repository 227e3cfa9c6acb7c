// SPDX-License-Identifier: GPL-2.0
/*
 * The ECAM host bridge and the MMIO bus under it: which guest accesses
 * reach which function's config space, and which never reach any.
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

#include <splitvirt/log.h>

#include "../../../vmm/pci.h"
#include "../../../vmm/vmm.h"
#include "../../support/log_lines.h"

/* A function that records the config accesses it gets. */
struct rec_fn {
	unsigned int reads, writes;
	uint32_t off, size, val;
};

static uint32_t rec_read(void *opaque, uint32_t off, uint32_t size)
{
	struct rec_fn *f = opaque;

	f->reads++;
	f->off = off;
	f->size = size;
	return 0x12345678u & (size == 4 ? ~0u : (1u << (size * 8)) - 1);
}

static void rec_write(void *opaque, uint32_t off, uint32_t size, uint32_t val)
{
	struct rec_fn *f = opaque;

	f->writes++;
	f->off = off;
	f->size = size;
	f->val = val;
}

static const struct pci_function_ops rec_ops = { .cfg_read = rec_read, .cfg_write = rec_write };

struct host {
	struct vm vm;
	struct pci_host *pci;
	struct rec_fn fn[2];
};

static int setup(void **state)
{
	struct host *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	mmio_bus_init(&h->vm.bus);
	assert_int_equal(pci_host_create(&h->vm, 0, &h->pci), 0);
	assert_int_equal(pci_host_add_function(h->pci, &rec_ops, &h->fn[0], "fn0"), 0);
	assert_int_equal(pci_host_add_function(h->pci, &rec_ops, &h->fn[1], "fn1"), 1);
	*state = h;
	return 0;
}

static int teardown(void **state)
{
	struct host *h = *state;

	pci_host_destroy(h->pci);
	mmio_bus_destroy(&h->vm.bus);
	free(h);
	return 0;
}

static uint64_t ecam(unsigned int bus, unsigned int dev, unsigned int fn, unsigned int reg)
{
	return VMM_PCI_ECAM_BASE + ((uint64_t)bus << 20) + ((uint64_t)dev << 15) +
	       ((uint64_t)fn << 12) + reg;
}

static uint64_t rd(struct host *h, uint64_t gpa, unsigned int len)
{
	uint64_t v = 0;

	assert_true(mmio_bus_dispatch(&h->vm.bus, gpa, (uint8_t *)&v, len, false));
	return v;
}

static void wr(struct host *h, uint64_t gpa, unsigned int len, uint64_t v)
{
	assert_true(mmio_bus_dispatch(&h->vm.bus, gpa, (uint8_t *)&v, len, true));
}

static void test_ecam_decode(void **state)
{
	struct ecam_addr a = ecam_decode((0xabull << 20) | (0x1full << 15) | (5u << 12) | 0xffc);

	(void)state;
	assert_int_equal(a.bus, 0xab);
	assert_int_equal(a.dev, 0x1f);
	assert_int_equal(a.fn, 5);
	assert_int_equal(a.reg, 0xffc);
	a = ecam_decode(0);
	assert_int_equal(a.bus | a.dev | a.fn | a.reg, 0);
	/* Bits above the bus number are not part of any field. */
	a = ecam_decode((1ull << 28) | (3u << 15) | 0x10);
	assert_int_equal(a.bus, 0);
	assert_int_equal(a.dev, 3);
	assert_int_equal(a.reg, 0x10);
}

static void test_config_reaches_its_function(void **state)
{
	struct host *h = *state;

	assert_int_equal(rd(h, ecam(0, 1, 0, 0x10), 4), 0x12345678);
	assert_int_equal(h->fn[1].reads, 1);
	assert_int_equal(h->fn[1].off, 0x10);
	assert_int_equal(h->fn[1].size, 4);
	assert_int_equal(h->fn[0].reads, 0);
	assert_int_equal(rd(h, ecam(0, 0, 0, 0xfff), 1), 0x78);
	assert_int_equal(h->fn[0].off, 0xfff);
	assert_int_equal(rd(h, ecam(0, 0, 0, 0x06), 2), 0x5678);
	wr(h, ecam(0, 0, 0, 0x04), 2, 0x0406);
	assert_int_equal(h->fn[0].writes, 1);
	assert_int_equal(h->fn[0].off, 0x04);
	assert_int_equal(h->fn[0].size, 2);
	assert_int_equal(h->fn[0].val, 0x0406);
}

static void test_absent_functions_read_all_ones(void **state)
{
	struct host *h = *state;

	/* Empty slot, other functions of a slot, the last device number. */
	assert_int_equal(rd(h, ecam(0, 2, 0, 0), 4), 0xffffffff);
	assert_int_equal(rd(h, ecam(0, 0, 1, 0), 4), 0xffffffff);
	assert_int_equal(rd(h, ecam(0, 1, 7, 0x10), 2), 0xffff);
	assert_int_equal(rd(h, ecam(0, 31, 0, 0), 4), 0xffffffff);
	wr(h, ecam(0, 0, 3, 0x04), 4, 0);
	assert_int_equal(h->fn[0].reads + h->fn[0].writes + h->fn[1].reads + h->fn[1].writes, 0);
	/* Bus 1 is outside the window (bus 0 only): no handler at all. */
	assert_false(mmio_bus_dispatch(&h->vm.bus, ecam(1, 0, 0, 0), (uint8_t[4]){ 0 }, 4, false));
	/* A slot removed again reads as empty. */
	pci_host_remove_function(h->pci, 1);
	pci_host_remove_function(h->pci, -1);
	pci_host_remove_function(h->pci, PCI_MAX_SLOTS);
	assert_int_equal(rd(h, ecam(0, 1, 0, 0), 4), 0xffffffff);
	assert_int_equal(h->fn[1].reads, 0);
}

static void test_malformed_accesses_ignored(void **state)
{
	static const struct {
		unsigned int reg, len;
	} bad[] = { { 0x01, 2 }, { 0x02, 4 }, { 0x03, 4 }, { 0x00, 3 }, { 0x00, 8 }, { 0xffe, 4 } };
	struct host *h = *state;

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t all_ones = bad[i].len == 8 ? ~0ull : (1ull << (bad[i].len * 8)) - 1;

		assert_int_equal(rd(h, ecam(0, 0, 0, bad[i].reg), bad[i].len), all_ones);
		wr(h, ecam(0, 0, 0, bad[i].reg), bad[i].len, 0);
	}
	assert_int_equal(h->fn[0].reads + h->fn[0].writes, 0);
	/* Across the end of the window: not the bridge's. */
	assert_false(mmio_bus_dispatch(&h->vm.bus, VMM_PCI_ECAM_BASE + VMM_PCI_ECAM_SIZE - 2,
				       (uint8_t[4]){ 0 }, 4, false));
}

static void test_slots_run_out(void **state)
{
	struct host *h = *state;
	struct rec_fn extra;

	for (int i = 2; i < PCI_MAX_SLOTS; i++)
		assert_int_equal(pci_host_add_function(h->pci, &rec_ops, &extra, "extra"), i);
	assert_int_equal(pci_host_add_function(h->pci, &rec_ops, &extra, "extra"), -ENOSPC);
	pci_host_remove_function(h->pci, 7);
	assert_int_equal(pci_host_add_function(h->pci, &rec_ops, &extra, "extra"), 7);
}

static void test_intx_swizzle(void **state)
{
	struct host *h = *state;

	assert_int_equal(pci_host_intx_spi(h->pci, 0, 1), VMM_PCI_INTX_SPI_BASE);
	assert_int_equal(pci_host_intx_spi(h->pci, 1, 1), VMM_PCI_INTX_SPI_BASE + 1);
	assert_int_equal(pci_host_intx_spi(h->pci, 3, 2), VMM_PCI_INTX_SPI_BASE);
	assert_int_equal(pci_host_intx_spi(h->pci, 31, 4), VMM_PCI_INTX_SPI_BASE + 2);
	assert_int_equal(pci_host_devid(h->pci, 0), 0);
	assert_int_equal(pci_host_devid(h->pci, 31), 31 << 3);
}

/*
 * Every bridge of the plan has windows, ECAM, INTx lines and DeviceIDs
 * that no other bridge shares, inside the guest's address map.
 */
static void test_bridge_layouts_disjoint(void **state)
{
	struct pci_host_layout l[VMM_PCI_MAX_BRIDGES], extra;

	(void)state;
	for (unsigned int i = 0; i < VMM_PCI_MAX_BRIDGES; i++) {
		assert_int_equal(pci_host_layout_of(i, &l[i]), 0);
		assert_int_equal(l[i].index, i);
		/* Below RAM (32-bit window and ECAM), above the DMA windows (64-bit). */
		assert_true(l[i].mmio32_base + l[i].mmio32_size <= VMM_PCI_ECAM_BASE);
		assert_true(l[i].ecam_base + l[i].ecam_size <= SV_GUEST_RAM_BASE);
		assert_true(l[i].mmio64_base >= VMM_PCI_MMIO64_BASE);
		assert_true(l[i].mmio64_base + l[i].mmio64_size <= 1ull << 40); /* KVM's IPA */
		assert_true(l[i].intx_spi_base + 4 <= VMM_V2M_SPI_BASE);
		assert_true(l[i].devid_base + 256 <= 1u << 16); /* KVM's ITS DeviceID bits */
		for (unsigned int j = 0; j < i; j++) {
			assert_true(l[j].mmio32_base + l[j].mmio32_size <= l[i].mmio32_base);
			assert_true(l[j].mmio64_base + l[j].mmio64_size <= l[i].mmio64_base);
			assert_true(l[j].ecam_base + l[j].ecam_size <= l[i].ecam_base);
			assert_true(l[j].intx_spi_base + 4 <= l[i].intx_spi_base);
			assert_true(l[j].devid_base + 256 <= l[i].devid_base);
		}
	}
	assert_int_equal(pci_host_layout_of(VMM_PCI_MAX_BRIDGES, &extra), -EINVAL);
}

/* A second bridge decodes its own ECAM only: no function of one shows on the other. */
static void test_two_bridges_no_crosstalk(void **state)
{
	struct host *h = *state;
	const struct pci_host_layout *l1;
	struct pci_host *second;
	struct rec_fn other = { 0 };
	uint64_t b1;

	assert_int_equal(pci_host_create(&h->vm, 1, &second), 0);
	l1 = pci_host_layout(second);
	b1 = l1->ecam_base;
	assert_int_equal(pci_host_add_function(second, &rec_ops, &other, "other"), 0);
	/* Slot 0 of bridge 1 is "other", slot 0 of bridge 0 still fn0. */
	rd(h, b1, 4);
	assert_int_equal(other.reads, 1);
	assert_int_equal(h->fn[0].reads, 0);
	rd(h, ecam(0, 0, 0, 0), 4);
	assert_int_equal(h->fn[0].reads, 1);
	assert_int_equal(other.reads, 1);
	/* Slot 1 of bridge 1 is empty although bridge 0 has fn1 there. */
	assert_int_equal(rd(h, b1 + (1u << 15), 4), 0xffffffff);
	assert_int_equal(h->fn[1].reads, 0);
	/* Its lines, DeviceIDs and windows are its own. */
	assert_int_equal(pci_host_intx_spi(second, 0, 1), VMM_PCI_INTX_SPI_BASE + 4);
	assert_int_equal(pci_host_devid(second, 2), (1u << 8) | (2u << 3));
	assert_true(pci_host_in_window(second, l1->mmio32_base, 0x1000));
	assert_false(pci_host_in_window(second, VMM_PCI_MMIO32_BASE, 0x1000));
	assert_false(pci_host_in_window(h->pci, l1->mmio64_base, 0x1000));
	assert_false(pci_host_in_window(second, l1->mmio32_base + l1->mmio32_size - 8, 16));
	pci_host_destroy(second);
	/* Gone from the bus with it. */
	assert_false(mmio_bus_dispatch(&h->vm.bus, b1, (uint8_t[4]){ 0 }, 4, false));
}

static void malformed_burst(void *arg)
{
	struct host *h = arg;

	for (unsigned int i = 0; i < 200; i++) {
		uint64_t v = 0;

		mmio_bus_dispatch(&h->vm.bus, ecam(0, 0, 0, 1 + i % 3), (uint8_t *)&v, 4, i & 1);
	}
}

/* A guest repeating malformed config accesses does not flood the log. */
static void test_malformed_accesses_log_limited(void **state)
{
	unsigned int lines = log_lines_while("ignored (unaligned", malformed_burst, *state);

	assert_true(lines >= 1);
	assert_true(lines <= SV_LOG_LIMIT_BURST);
}

static void noop(void *opaque, uint64_t off, uint8_t *data, unsigned int len, bool is_write)
{
	(void)opaque;
	(void)off;
	(void)is_write;
	memset(data, 0xee, len);
}

static void test_mmio_bus_windows(void **state)
{
	struct host *h = *state;
	struct mmio_bus *bus = &h->vm.bus;
	uint8_t b[8] = { 0 };

	assert_int_equal(mmio_bus_add(bus, 0x1000, 0, noop, NULL, "empty"), -EINVAL);
	assert_int_equal(mmio_bus_add(bus, ~0ull - 0xfff, 0x2000, noop, NULL, "wraps"), -EINVAL);
	assert_int_equal(mmio_bus_add(bus, 0x1000, 0x1000, noop, NULL, "a"), 0);
	assert_int_equal(mmio_bus_add(bus, 0x1800, 0x1000, noop, NULL, "overlap"), -EBUSY);
	assert_int_equal(mmio_bus_add(bus, 0x0800, 0x0801, noop, NULL, "overlap"), -EBUSY);
	assert_int_equal(mmio_bus_add(bus, 0x2000, 0x1000, noop, NULL, "b"), 0);
	assert_true(mmio_bus_dispatch(bus, 0x1ff8, b, 8, false));
	assert_int_equal(b[7], 0xee);
	/* Straddling two windows belongs to neither; reads see zeroes. */
	assert_false(mmio_bus_dispatch(bus, 0x1ffc, b, 8, false));
	assert_int_equal(b[0], 0);
	/* Only the owner's remove takes a window off (a failed add owns nothing). */
	assert_int_equal(mmio_bus_add(bus, 0x1000, 0x800, noop, &b[1], "same base"), -EBUSY);
	assert_int_equal(mmio_bus_remove_own(bus, 0x1000, &b[1]), -ENOENT);
	assert_true(mmio_bus_dispatch(bus, 0x1000, b, 4, false));
	assert_int_equal(mmio_bus_remove(bus, 0x1000), 0);
	assert_int_equal(mmio_bus_remove(bus, 0x1000), -ENOENT);
	assert_false(mmio_bus_dispatch(bus, 0x1000, b, 4, false));
	assert_int_equal(mmio_bus_add(bus, 0x1000, 0x800, noop, &b[1], "again"), 0);
	assert_int_equal(mmio_bus_remove_own(bus, 0x1000, &b[1]), 0);
	assert_false(mmio_bus_dispatch(bus, 0x1000, b, 4, false));
	for (unsigned int i = bus->count; i < MMIO_BUS_MAX; i++)
		assert_int_equal(
			mmio_bus_add(bus, 0x100000 + i * 0x1000ull, 0x1000, noop, NULL, "n"), 0);
	assert_int_equal(mmio_bus_add(bus, 0x900000, 0x1000, noop, NULL, "full"), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ecam_decode),
		SV_TEST(test_config_reaches_its_function),
		cmocka_unit_test_setup_teardown(test_absent_functions_read_all_ones, setup,
						teardown),
		SV_TEST(test_malformed_accesses_ignored),
		SV_TEST(test_slots_run_out),
		SV_TEST(test_intx_swizzle),
		cmocka_unit_test(test_bridge_layouts_disjoint),
		SV_TEST(test_two_bridges_no_crosstalk),
		SV_TEST(test_mmio_bus_windows),
		SV_TEST(test_malformed_accesses_log_limited),
	};

	sv_log_set_level(SV_LOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
