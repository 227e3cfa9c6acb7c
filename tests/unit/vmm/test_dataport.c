// SPDX-License-Identifier: GPL-2.0
/*
 * The dataport function (vmm/dataport.c) against the fake KVM: what a
 * guest's accesses to its BAR0 registers and MSI-X table reach, and that
 * placing BAR0 where the bus is taken leaves the other window alone.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/pci_regs.h>

#include "../../support/unit.h"

#include <splitvirt/dataport.h>
#include <splitvirt/state_area.h>
#include <splitvirt/log.h>
#include <splitvirt/rpc_posix.h>

#include "../../../vmm/dataport.h"
#include "../../../vmm/pci.h"
#include "../../../vmm/vmm.h"
#include "fake_kvm.h"
#include "../../support/log_lines.h"

#define IOBUF_SIZE 8192u
#define RAM_SIZE 0x200000ull
#define NKICKS SV_DP_MAX_KICKS /* the largest table: 65 vectors */
#define NCALLS 2u
#define BAR0_GPA 0x10000000ull

struct dp_fixture {
	struct vm *vm;
	struct pci_host *pci;
	struct dataport *dp, *dp2;
	unsigned int slot;
};

static int link_new(struct sv_link_args *l)
{
	int ret;

	memset(l, 0, sizeof(*l));
	l->iobuf_fd = l->req_fd = l->resp_fd = l->state_fd = -1;
	strcpy(l->peer, "drv");
	l->ram_gpa = SV_GUEST_RAM_BASE;
	l->ram_size = RAM_SIZE;
	l->ram_fd = memfd_create("ram", MFD_CLOEXEC);
	if (l->ram_fd < 0 || ftruncate(l->ram_fd, (off_t)RAM_SIZE) < 0)
		return -errno;
	l->state_fd = memfd_create("state", MFD_CLOEXEC);
	if (l->state_fd < 0 || ftruncate(l->state_fd, (off_t)SV_STATE_AREA_SIZE) < 0)
		return -errno;
	ret = sv_rpc_iobuf_create(IOBUF_SIZE, &l->iobuf_fd);
	if (!ret)
		ret = sv_rpc_doorbell_create(&l->req_fd);
	if (!ret)
		ret = sv_rpc_doorbell_create(&l->resp_fd);
	for (; !ret && l->nkicks < NKICKS; l->nkicks++)
		ret = sv_rpc_doorbell_create(&l->kick_fds[l->nkicks]);
	for (; !ret && l->ncalls < NCALLS; l->ncalls++)
		ret = sv_rpc_doorbell_create(&l->call_fds[l->ncalls]);
	return ret;
}

static int setup(void **state)
{
	struct dp_fixture *f = calloc(1, sizeof(*f));
	struct sv_link_args link;

	assert_non_null(f);
	fake_kvm_reset();
	f->vm = fake_vm_new(3);
	assert_non_null(f->vm);
	assert_int_equal(pci_host_create(f->vm, 0, &f->pci), 0);
	assert_int_equal(link_new(&link), 0);
	assert_int_equal(dataport_create(f->vm, f->pci, &link, 1, &f->dp), 0);
	f->slot = 0;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct dp_fixture *f = *state;

	dataport_destroy(f->dp);
	dataport_destroy(f->dp2);
	pci_host_destroy(f->pci);
	fake_vm_free(f->vm);
	free(f);
	return 0;
}

static uint64_t guest(struct dp_fixture *f, uint64_t gpa, unsigned int len, bool write, uint64_t v)
{
	assert_true(mmio_bus_dispatch(&f->vm->bus, gpa, (uint8_t *)&v, len, write));
	return v & (len == 8 ? ~0ull : (1ull << (8 * len)) - 1);
}

static void cfg_write(struct dp_fixture *f, unsigned int off, unsigned int len, uint32_t v)
{
	guest(f, VMM_PCI_ECAM_BASE + ((uint64_t)f->slot << 15) + off, len, true, v);
}

/* The guest puts BAR0 (64-bit) at gpa and turns memory decoding on or off. */
static void place_bar0(struct dp_fixture *f, uint64_t gpa, bool decode)
{
	cfg_write(f, PCI_BASE_ADDRESS_0, 4, (uint32_t)gpa);
	cfg_write(f, PCI_BASE_ADDRESS_1, 4, (uint32_t)(gpa >> 32));
	cfg_write(f, PCI_COMMAND, 2, decode ? PCI_COMMAND_MEMORY : 0);
}

/*
 * Reads of every size at every offset of the last MSI-X entries, aligned
 * or not, read exactly the table's bytes (zero past its end); the vmm's
 * own table code once copied up to 3 bytes past a 16-byte stack copy of
 * an entry for an unaligned read (ASan reports any such overrun here).
 */
static void test_msix_unaligned_reads(void **state)
{
	struct dp_fixture *f = *state;
	const uint64_t table = BAR0_GPA + SV_DP_MSIX_TABLE;
	const unsigned int nvec = 1 + NKICKS;
	static const unsigned int sizes[] = { 1, 2, 4, 8 };
	uint8_t expect[2 * 16 + 16] = { 0 };

	place_bar0(f, BAR0_GPA, true);
	/* Fill the last two entries with a distinct byte each (4-byte writes). */
	for (unsigned int i = 0; i < 32; i += 4) {
		uint32_t w = 0;

		for (unsigned int b = 0; b < 4; b++) {
			expect[i + b] = (uint8_t)(0x10 + i + b);
			w |= (uint32_t)expect[i + b] << (8 * b);
		}
		/* Vector control: only the mask bit is kept. */
		if (i % 16 == 12) {
			w = 1;
			memset(&expect[i], 0, 4);
			expect[i] = 1;
		}
		guest(f, table + 16ull * (nvec - 2) + i, 4, true, w);
	}
	for (unsigned int s = 0; s < 4; s++) {
		for (unsigned int off = 0; off < 32; off++) {
			uint64_t want = 0;

			for (unsigned int b = 0; b < sizes[s]; b++)
				want |= (uint64_t)expect[off + b] << (8 * b);
			assert_int_equal(
				guest(f, table + 16ull * (nvec - 2) + off, sizes[s], false, 0),
				want);
		}
	}
}

static unsigned int other_hits;

static void other_window(void *opaque, uint64_t off, uint8_t *data, unsigned int len, bool is_write)
{
	(void)opaque;
	(void)off;
	(void)is_write;
	other_hits++;
	memset(data, 0xab, len);
}

/*
 * The guest places BAR0 over a window that is already there (a mistake, or
 * a BAR another device got): the dataport's add fails, and turning decoding
 * off again must not take the other window off the bus.
 */
static void test_bar0_over_taken_window(void **state)
{
	struct dp_fixture *f = *state;
	const struct fake_kvm_call *c;
	unsigned long ioeventfds;

	assert_int_equal(mmio_bus_add(&f->vm->bus, BAR0_GPA, 0x1000, other_window, NULL, "other"),
			 0);
	ioeventfds = fake_kvm.count[FK_IOEVENTFD];
	place_bar0(f, BAR0_GPA, true);
	other_hits = 0;
	assert_int_equal(guest(f, BAR0_GPA + SV_DP_MAGIC, 4, false, 0), 0xabababab);
	assert_int_equal(other_hits, 1);
	/* No doorbell bound over the other window either. */
	assert_int_equal(fake_kvm.count[FK_IOEVENTFD], ioeventfds);
	place_bar0(f, BAR0_GPA, false);
	assert_int_equal(guest(f, BAR0_GPA + SV_DP_MAGIC, 4, false, 0), 0xabababab);
	assert_int_equal(other_hits, 2);

	/* Placed where it is free, it works and comes off cleanly. */
	place_bar0(f, BAR0_GPA + 0x10000, true);
	assert_int_equal(guest(f, BAR0_GPA + 0x10000 + SV_DP_MAGIC, 4, false, 0),
			 SV_DP_MAGIC_VALUE);
	c = fake_kvm_last(FK_IOEVENTFD);
	assert_non_null(c);
	assert_true(c->assign);
	place_bar0(f, BAR0_GPA + 0x10000, false);
	assert_false(
		mmio_bus_dispatch(&f->vm->bus, BAR0_GPA + 0x10000, (uint8_t[4]){ 0 }, 4, false));
	assert_int_equal(guest(f, BAR0_GPA, 4, false, 0), 0xabababab);
}

static void bad_register_writes(void *arg)
{
	struct dp_fixture *f = arg;

	for (unsigned int i = 0; i < 200; i++)
		guest(f, BAR0_GPA + SV_DP_MAGIC, 4, true, i);
}

/* Vector 0 pointed at guest RAM, 200 times. */
static void bad_vector_writes(void *arg)
{
	struct dp_fixture *f = arg;
	const uint64_t entry = BAR0_GPA + SV_DP_MSIX_TABLE;

	guest(f, entry + 12, 4, true, 0); /* unmasked */
	for (unsigned int i = 0; i < 200; i++)
		guest(f, entry, 4, true, SV_GUEST_RAM_BASE + 4 * (i % 2));
}

static void bar0_overlap_toggles(void *arg)
{
	struct dp_fixture *f = arg;

	for (unsigned int i = 0; i < 100; i++)
		place_bar0(f, BAR0_GPA, i & 1);
}

/*
 * What the guest can repeat at will is logged rate-limited, each kind on
 * its own: flooding one does not silence the next.
 */
static void test_guest_mistakes_log_limited(void **state)
{
	struct dp_fixture *f = *state;
	unsigned int lines;

	place_bar0(f, BAR0_GPA, true);
	cfg_write(f, SV_DP_CAP_MSIX + 2, 2, 0x8000); /* MSI-X on */
	lines = log_lines_while("read-only or unknown register", bad_register_writes, f);
	assert_true(lines >= 1 && lines <= SV_LOG_LIMIT_BURST);
	lines = log_lines_while("not our MSI doorbell", bad_vector_writes, f);
	assert_true(lines >= 1 && lines <= SV_LOG_LIMIT_BURST);
	place_bar0(f, BAR0_GPA, false);
	assert_int_equal(mmio_bus_add(&f->vm->bus, BAR0_GPA, 0x1000, other_window, NULL, "other"),
			 0);
	lines = log_lines_while("overlaps another region", bar0_overlap_toggles, f);
	assert_true(lines >= 1 && lines <= SV_LOG_LIMIT_BURST);
}

/*
 * The saved-state area sits in BAR2's upper half, in its own KVM slot, and
 * the registers say where; the iobuf keeps the lower half.
 */
/* A link served through its DMA window says so; RAM_GPA/RAM_SIZE are the window's. */
static void test_ram_flags(void **state)
{
	struct dp_fixture *f = *state;
	struct sv_link_args link;
	struct dataport *dp;

	place_bar0(f, BAR0_GPA, true);
	assert_int_equal(guest(f, BAR0_GPA + SV_DP_RAM_FLAGS, 4, false, 0), 0);
	assert_int_equal(link_new(&link), 0);
	link.ram_window = true;
	link.ram_gpa = SV_GUEST_DMA_WINDOW_BASE;
	assert_int_equal(dataport_create(f->vm, f->pci, &link, 4, &dp), 0);
	f->dp2 = dp;
	f->slot = 1;
	place_bar0(f, BAR0_GPA + 0x1000, true);
	assert_int_equal(guest(f, BAR0_GPA + 0x1000 + SV_DP_RAM_FLAGS, 4, false, 0),
			 SV_DP_RAM_F_WINDOW);
	assert_int_equal(guest(f, BAR0_GPA + 0x1000 + SV_DP_RAM_GPA, 8, false, 0),
			 SV_GUEST_DMA_WINDOW_BASE);
}

static void test_state_area_in_bar2(void **state)
{
	struct dp_fixture *f = *state;
	const uint64_t bar2 = 0x20000000ull, off = SV_STATE_AREA_SIZE;
	const struct fake_kvm_call *c;
	unsigned long slots;
	uint32_t lo;

	place_bar0(f, BAR0_GPA, true);
	assert_int_equal(guest(f, BAR0_GPA + SV_DP_STATE_OFF, 4, false, 0), off);
	assert_int_equal(guest(f, BAR0_GPA + SV_DP_STATE_SIZE, 4, false, 0), SV_STATE_AREA_SIZE);
	assert_int_equal(guest(f, BAR0_GPA + SV_DP_IOBUF_SIZE, 4, false, 0), IOBUF_SIZE);
	/* Sizing: all-ones reads back the size mask. */
	cfg_write(f, PCI_BASE_ADDRESS_2, 4, 0xffffffffu);
	lo = (uint32_t)guest(f, VMM_PCI_ECAM_BASE + ((uint64_t)f->slot << 15) + PCI_BASE_ADDRESS_2,
			     4, false, 0);
	assert_int_equal(lo & ~0xfu, (uint32_t) ~(2 * off - 1));
	slots = fake_kvm.count[FK_RAM_SLOT];
	cfg_write(f, PCI_BASE_ADDRESS_2, 4, (uint32_t)bar2);
	cfg_write(f, PCI_BASE_ADDRESS_3, 4, 0);
	cfg_write(f, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	/* BAR2: the iobuf and the state area (BAR4 is still at 0: not mapped). */
	assert_true(fake_kvm.count[FK_RAM_SLOT] >= slots + 2);
	c = fake_kvm_last(FK_RAM_SLOT);
	assert_true(c && c->a == 3 && c->addr == bar2 + off);
	for (unsigned int i = 0; i < FAKE_KVM_LOG; i++) {
		const struct fake_kvm_call *k = &fake_kvm.log[i];

		if (k->op != FK_RAM_SLOT || k->addr < bar2 || k->addr >= bar2 + 2 * off)
			continue;
		if (k->a == 1)
			assert_true(k->addr == bar2 && k->datamatch == IOBUF_SIZE);
		else
			assert_true(k->a == 3 && k->addr == bar2 + off &&
				    k->datamatch == SV_STATE_AREA_SIZE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		SV_TEST(test_msix_unaligned_reads),
		SV_TEST(test_bar0_over_taken_window),
		SV_TEST(test_guest_mistakes_log_limited),
		SV_TEST(test_state_area_in_bar2),
		SV_TEST(test_ram_flags),
	};

	sv_log_set_level(SV_LOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
