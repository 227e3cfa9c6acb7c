// SPDX-License-Identifier: GPL-2.0
/*
 * A passed-through function's interrupts (vmm/passthrough.c over a fake
 * VFIO and a fake KVM): INTx until the guest enables MSI or MSI-X, one kind
 * on at a time in VFIO, routes that follow what the guest programs, the
 * guest's INTx disable passed on.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <linux/pci_regs.h>

#include "../../support/unit.h"

#include "../../../vmm/passthrough.h"
#include "../../../vmm/pci.h"
#include "../../../vmm/vmm.h"
#include "fake_kvm.h"
#include "fake_vfio.h"
#include "../../support/log_lines.h"

#define MSI_DOORBELL (VMM_ITS_BASE + 0x10040)
#define BAR3_GPA 0x10010000ull

struct env {
	struct vm *vm;
	struct pci_host *pci;
	struct vfio_container c;
	struct passthrough *pt;
};

static void put16(uint32_t off, uint16_t v)
{
	memcpy(&fake_vfio.cfg[off], &v, 2);
}

static void put32(uint32_t off, uint32_t v)
{
	memcpy(&fake_vfio.cfg[off], &v, 4);
}

/* Like QEMU's e1000e: INTA#, MSI (64-bit) at 0x50, MSI-X (5 vectors, BAR3) at 0x70. */
static void device_e1000e_like(bool intx, bool msi, bool msix)
{
	uint8_t *last = &fake_vfio.cfg[PCI_CAPABILITY_LIST];

	fake_vfio_reset();
	put16(PCI_VENDOR_ID, 0x8086);
	put16(PCI_DEVICE_ID, 0x10d3);
	put32(PCI_CLASS_REVISION, 0x02000000);
	fake_vfio.cfg[PCI_INTERRUPT_PIN] = intx;
	fake_vfio.irq_count[VFIO_IRQ_INTX] = intx;
	put16(PCI_STATUS, PCI_STATUS_CAP_LIST);
	if (msi) {
		*last = 0x50;
		fake_vfio.cfg[0x50] = PCI_CAP_ID_MSI;
		put16(0x52, PCI_MSI_FLAGS_64BIT);
		last = &fake_vfio.cfg[0x51];
		fake_vfio.irq_count[VFIO_IRQ_MSI] = 1;
	}
	if (msix) {
		*last = 0x70;
		fake_vfio.cfg[0x70] = PCI_CAP_ID_MSIX;
		put16(0x72, 4); /* 5 vectors */
		put32(0x74, 3); /* table: BAR3 + 0 */
		put32(0x78, 0x2000 | 3); /* PBA: BAR3 + 0x2000 */
		fake_vfio.irq_count[VFIO_IRQ_MSIX] = 5;
	}
	fake_vfio.bars[0] = (struct vfio_bar){ .size = 0x20000 };
	fake_vfio.bars[3] = (struct vfio_bar){ .size = 0x4000 };
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	fake_kvm_reset();
	e->vm = fake_vm_new(3);
	assert_non_null(e->vm);
	assert_int_equal(pci_host_create(e->vm, 0, &e->pci), 0);
	vfio_container_init(&e->c);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	passthrough_destroy(e->pt);
	pci_host_destroy(e->pci);
	fake_vm_free(e->vm);
	free(e);
	return 0;
}

static void create(struct env *e)
{
	assert_int_equal(passthrough_create(e->vm, e->pci, &e->c, "0000:00:02.0", 32, &e->pt), 0);
}

/* Slot 0: the passed-through function is the only one on the bus. */
static uint64_t cfg_gpa(uint32_t reg)
{
	return VMM_PCI_ECAM_BASE + reg;
}

static uint64_t rd(struct env *e, uint64_t gpa, unsigned int len)
{
	uint64_t v = 0;

	assert_true(mmio_bus_dispatch(&e->vm->bus, gpa, (uint8_t *)&v, len, false));
	return v;
}

static void wr(struct env *e, uint64_t gpa, unsigned int len, uint64_t v)
{
	assert_true(mmio_bus_dispatch(&e->vm->bus, gpa, (uint8_t *)&v, len, true));
}

/* The GSI of the last table's MSI route to data, -1 if none. */
static int msi_route_gsi(uint32_t data)
{
	for (unsigned int i = 0; i < fake_kvm.nr_routes; i++) {
		const struct kvm_irq_routing_entry *r = &fake_kvm.routes[i];

		if (r->type == KVM_IRQ_ROUTING_MSI && r->u.msi.data == data)
			return (int)r->gsi;
	}
	return -1;
}

static void test_intx_until_msi(void **state)
{
	struct env *e = *state;
	const struct fake_kvm_call *irqfd;
	const struct kvm_irq_routing_entry *route;
	int gsi;

	device_e1000e_like(true, true, true);
	create(e);
	/* The guest sees INTA#, MSI-X at 0x40 and MSI at 0x50. */
	assert_int_equal(rd(e, cfg_gpa(PCI_INTERRUPT_PIN), 1), 1);
	assert_int_equal(rd(e, cfg_gpa(PCI_CAPABILITY_LIST), 1), 0x40);
	assert_int_equal(rd(e, cfg_gpa(0x40), 1), PCI_CAP_ID_MSIX);
	assert_int_equal(rd(e, cfg_gpa(0x41), 1), 0x50);
	assert_int_equal(rd(e, cfg_gpa(0x50), 1), PCI_CAP_ID_MSI);

	/* INTx is on from the start: a level irqfd on the slot's SPI, resampled by VFIO's unmask. */
	assert_int_equal(fake_vfio.on[VFIO_IRQ_INTX], 1);
	irqfd = fake_kvm_last(FK_IRQFD_RESAMPLE);
	assert_non_null(irqfd);
	assert_true(irqfd->assign);
	assert_int_equal(irqfd->b, fake_vfio.fds[VFIO_IRQ_INTX][0]);
	assert_int_equal(irqfd->fd, fake_vfio.unmask_fd);
	route = fake_kvm_route((unsigned int)irqfd->a);
	assert_non_null(route);
	assert_int_equal(route->type, KVM_IRQ_ROUTING_IRQCHIP);
	assert_int_equal(route->u.irqchip.pin, VMM_PCI_INTX_SPI_BASE);

	/* The guest programs and enables MSI: INTx goes off first, MSI on. */
	wr(e, cfg_gpa(0x50 + PCI_MSI_ADDRESS_LO), 4, MSI_DOORBELL);
	wr(e, cfg_gpa(0x50 + PCI_MSI_ADDRESS_HI), 4, 0);
	wr(e, cfg_gpa(0x50 + PCI_MSI_DATA_64), 2, 0x21);
	assert_int_equal(fake_vfio.on[VFIO_IRQ_MSI], 0);
	wr(e, cfg_gpa(0x50 + PCI_MSI_FLAGS), 2, PCI_MSI_FLAGS_ENABLE);
	assert_int_equal(fake_vfio.on[VFIO_IRQ_INTX], 0);
	assert_int_equal(fake_vfio.on[VFIO_IRQ_MSI], 1);
	gsi = msi_route_gsi(0x21);
	assert_true(gsi >= 0);
	route = fake_kvm_route((unsigned int)gsi);
	assert_int_equal(route->u.msi.address_lo, (uint32_t)MSI_DOORBELL);
	assert_int_equal(route->u.msi.devid, 0); /* slot 0, function 0 */

	/* A new message while enabled moves the route, VFIO untouched. */
	unsigned int sets = fake_vfio.irq_sets;

	wr(e, cfg_gpa(0x50 + PCI_MSI_DATA_64), 2, 0x22);
	assert_int_equal(msi_route_gsi(0x22), gsi);
	assert_int_equal(fake_vfio.irq_sets, sets);

	/* MSI off: back to INTx, unmask armed again. */
	wr(e, cfg_gpa(0x50 + PCI_MSI_FLAGS), 2, 0);
	assert_int_equal(fake_vfio.on[VFIO_IRQ_MSI], 0);
	assert_int_equal(fake_vfio.on[VFIO_IRQ_INTX], 1);
	assert_true(fake_vfio.unmask_fd >= 0);
	assert_int_equal(msi_route_gsi(0x22), -1);
}

static void test_msix_vectors_replace_intx(void **state)
{
	struct env *e = *state;
	const uint64_t entry0 = BAR3_GPA;

	device_e1000e_like(true, true, true);
	create(e);
	wr(e, cfg_gpa(PCI_BASE_ADDRESS_3), 4, BAR3_GPA);
	wr(e, cfg_gpa(PCI_COMMAND), 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	/* MSI-X on, every vector masked: VFIO has nothing on (INTx must be off). */
	wr(e, cfg_gpa(0x40 + PCI_MSIX_FLAGS), 2, PCI_MSIX_FLAGS_ENABLE);
	assert_int_equal(fake_vfio.on[VFIO_IRQ_INTX], 0);
	assert_int_equal(fake_vfio.on[VFIO_IRQ_MSIX], 0);
	/* Vector 0 programmed and unmasked through the trapped table. */
	wr(e, entry0 + PCI_MSIX_ENTRY_LOWER_ADDR, 4, MSI_DOORBELL);
	wr(e, entry0 + PCI_MSIX_ENTRY_UPPER_ADDR, 4, 0);
	wr(e, entry0 + PCI_MSIX_ENTRY_DATA, 4, 0x30);
	wr(e, entry0 + PCI_MSIX_ENTRY_VECTOR_CTRL, 4, 0);
	assert_int_equal(fake_vfio.on[VFIO_IRQ_MSIX], 1);
	assert_true(msi_route_gsi(0x30) >= 0);
	/* Enabling MSI as well changes nothing: MSI-X wins. */
	wr(e, cfg_gpa(0x50 + PCI_MSI_FLAGS), 2, PCI_MSI_FLAGS_ENABLE);
	assert_int_equal(fake_vfio.on[VFIO_IRQ_MSI], 0);
	assert_int_equal(fake_vfio.on[VFIO_IRQ_MSIX], 1);
	wr(e, cfg_gpa(0x50 + PCI_MSI_FLAGS), 2, 0);
	/* MSI-X off: INTx again. */
	wr(e, cfg_gpa(0x40 + PCI_MSIX_FLAGS), 2, 0);
	assert_int_equal(fake_vfio.on[VFIO_IRQ_MSIX], 0);
	assert_int_equal(fake_vfio.on[VFIO_IRQ_INTX], 1);
}

static void test_intx_disable_passed_on(void **state)
{
	struct env *e = *state;

	device_e1000e_like(true, false, true);
	create(e);
	wr(e, cfg_gpa(PCI_COMMAND), 2,
	   PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
	assert_int_equal(fake_vfio.cmd,
			 PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
	wr(e, cfg_gpa(PCI_COMMAND), 2, PCI_COMMAND_MEMORY);
	assert_int_equal(fake_vfio.cmd, PCI_COMMAND_MEMORY);
	/* Bits that are not the device's to act on stay ours. */
	wr(e, cfg_gpa(PCI_COMMAND), 2, PCI_COMMAND_IO | PCI_COMMAND_SERR);
	assert_int_equal(fake_vfio.cmd & (PCI_COMMAND_IO | PCI_COMMAND_SERR), 0);
}

static void test_no_intx_keeps_it_disabled(void **state)
{
	struct env *e = *state;

	device_e1000e_like(false, false, true);
	create(e);
	assert_int_equal(rd(e, cfg_gpa(PCI_INTERRUPT_PIN), 1), 0);
	assert_int_equal(fake_vfio.on[VFIO_IRQ_INTX], 0);
	assert_null(fake_kvm_last(FK_IRQFD_RESAMPLE));
	wr(e, cfg_gpa(PCI_COMMAND), 2, PCI_COMMAND_MEMORY);
	assert_int_equal(fake_vfio.cmd, PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE);
}

static void test_msi_only_device(void **state)
{
	struct env *e = *state;

	device_e1000e_like(false, true, false);
	create(e);
	assert_int_equal(rd(e, cfg_gpa(PCI_CAPABILITY_LIST), 1), 0x50);
	for (unsigned int k = 0; k <= VFIO_IRQ_MSIX; k++)
		assert_int_equal(fake_vfio.on[k], 0);
	wr(e, cfg_gpa(0x50 + PCI_MSI_ADDRESS_LO), 4, MSI_DOORBELL);
	wr(e, cfg_gpa(0x50 + PCI_MSI_FLAGS), 2, PCI_MSI_FLAGS_ENABLE);
	assert_int_equal(fake_vfio.on[VFIO_IRQ_MSI], 1);
}

static void create_refused(void *arg)
{
	struct env *e = arg;

	assert_int_equal(passthrough_create(e->vm, e->pci, &e->c, "0000:00:02.0", 32, &e->pt),
			 -EOPNOTSUPP);
}

static void test_no_interrupts_refused(void **state)
{
	struct env *e = *state;

	device_e1000e_like(false, false, false);
	assert_int_equal(log_lines_while("no MSI-X, MSI or INTx", create_refused, e), 1);
	assert_null(e->pt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_intx_until_msi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msix_vectors_replace_intx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_intx_disable_passed_on, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_intx_keeps_it_disabled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msi_only_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_interrupts_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
