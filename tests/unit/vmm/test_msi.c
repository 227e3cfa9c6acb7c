// SPDX-License-Identifier: GPL-2.0
/*
 * MSI routing and validation for both controllers, checked on what reaches
 * KVM (fake_kvm.h): only messages aimed at this VM's doorbell (and, for
 * GICv2m, at one of the frame's SPIs) are ever routed or injected.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <splitvirt/log.h>

#include "../../../vmm/msi.h"
#include "../../../vmm/vmm.h"
#include "fake_kvm.h"
#include "../../support/log_lines.h"

#define ITS_DOORBELL (VMM_ITS_BASE + 0x10040)
#define V2M_SETSPI (VMM_V2M_BASE + 0x40)
#define V2M_TYPER (VMM_V2M_BASE + 0x08)
#define V2M_FIRST_INTID (VMM_V2M_SPI_BASE + 32)

/* The initial state is the GIC version (GIC_TEST). */
static int setup(void **state)
{
	fake_kvm_reset();
	*state = fake_vm_new(*(int *)*state);
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	fake_vm_free(*state);
	return 0;
}

static void test_its_created_at_its_frame(void **state)
{
	struct vm *vm = *state;

	assert_int_equal(fake_kvm.count[FK_ITS_CREATE], 1);
	assert_int_equal(fake_kvm_last(FK_ITS_CREATE)->addr, VMM_ITS_BASE);
	assert_true(vm->msi_fd >= 0);
	assert_int_equal(fake_kvm.count[FK_ITS_INIT], 1);
	assert_int_equal(fake_kvm_last(FK_ITS_INIT)->fd, vm->msi_fd);
}

static void test_its_routes(void **state)
{
	struct vm *vm = *state;
	struct msi_msg ok = { .addr = ITS_DOORBELL, .data = 33, .devid = 2 << 3 };
	struct msi_msg elsewhere = { .addr = SV_GUEST_RAM_BASE, .data = 33, .devid = 2 << 3 };
	const struct kvm_irq_routing_entry *r;
	int a = msi_route_alloc(vm), b = msi_route_alloc(vm);

	assert_int_equal(a, 0);
	assert_int_equal(b, 1);
	assert_true(msi_msg_valid(vm, &ok));
	assert_false(msi_msg_valid(vm, &elsewhere));
	assert_int_equal(msi_route_set(vm, a, &ok, true), 0);
	assert_int_equal(msi_route_set(vm, b, &ok, true), 0);
	r = fake_kvm_route(0);
	assert_non_null(r);
	assert_int_equal(r->type, KVM_IRQ_ROUTING_MSI);
	assert_int_equal(r->flags, KVM_MSI_VALID_DEVID);
	assert_int_equal(r->u.msi.address_lo, (uint32_t)ITS_DOORBELL);
	assert_int_equal(r->u.msi.address_hi, 0);
	assert_int_equal(r->u.msi.data, 33);
	assert_int_equal(r->u.msi.devid, 2 << 3);
	assert_int_equal(fake_kvm.nr_routes, 2);

	/* Anywhere but the doorbell: -EINVAL and the old route is gone. */
	assert_int_equal(msi_route_set(vm, a, &elsewhere, true), -EINVAL);
	assert_null(fake_kvm_route(0));
	assert_non_null(fake_kvm_route(1));
	elsewhere.addr = ITS_DOORBELL + 4;
	assert_int_equal(msi_route_set(vm, a, &elsewhere, true), -EINVAL);
	assert_null(fake_kvm_route(0));
	/* Masked: no route, no error. */
	assert_int_equal(msi_route_set(vm, b, &ok, false), 0);
	assert_int_equal(fake_kvm.nr_routes, 0);
}

static void test_route_bounds(void **state)
{
	struct vm *vm = *state;
	struct msi_msg ok = { .addr = ITS_DOORBELL };
	unsigned long n = fake_kvm.count[FK_GSI_ROUTING];
	int gsi = 0;

	assert_int_equal(msi_route_set(vm, -1, &ok, true), -EINVAL);
	assert_int_equal(msi_route_set(vm, 256, &ok, true), -EINVAL);
	assert_int_equal(fake_kvm.count[FK_GSI_ROUTING], n);
	for (int i = 0; i < 256; i++)
		gsi = msi_route_alloc(vm);
	assert_int_equal(gsi, 255);
	assert_int_equal(msi_route_alloc(vm), -ENOSPC);
	/* KVM refusing the table is reported. */
	fake_kvm.fail_errno[FK_GSI_ROUTING] = ENOMEM;
	assert_int_equal(msi_route_set(vm, 3, &ok, true), -ENOMEM);
}

static void test_its_signal_and_irqfd(void **state)
{
	struct vm *vm = *state;
	struct msi_msg ok = { .addr = ITS_DOORBELL, .data = 5, .devid = 1 << 3 };
	struct msi_msg bad = { .addr = V2M_SETSPI, .data = 100 };
	const struct fake_kvm_call *c;

	assert_int_equal(msi_signal(vm, &ok), 0);
	c = fake_kvm_last(FK_SIGNAL_MSI);
	assert_non_null(c);
	assert_int_equal(c->addr, ITS_DOORBELL);
	assert_int_equal(c->data, 5);
	assert_int_equal(c->devid, 1 << 3);
	/* A GICv2m message on an ITS VM is not ours. */
	assert_int_equal(msi_signal(vm, &bad), -EINVAL);
	assert_int_equal(fake_kvm.count[FK_SIGNAL_MSI], 1);

	assert_int_equal(msi_irqfd_bind(vm, 4, 17), 0);
	c = fake_kvm_last(FK_IRQFD);
	assert_true(c->assign);
	assert_int_equal(c->a, 4);
	assert_int_equal(c->b, 17);
	assert_int_equal(msi_irqfd_unbind(vm, 4, 17), 0);
	assert_false(fake_kvm_last(FK_IRQFD)->assign);
}

static void test_v2m_routes(void **state)
{
	struct vm *vm = *state;
	struct msi_msg m = { .addr = V2M_SETSPI, .data = V2M_FIRST_INTID };
	const struct kvm_irq_routing_entry *r;
	int gsi = msi_route_alloc(vm);

	assert_int_equal(vm->msi_fd, -1);
	assert_int_equal(fake_kvm.count[FK_ITS_CREATE], 0);
	assert_int_equal(msi_route_set(vm, gsi, &m, true), 0);
	r = fake_kvm_route((unsigned int)gsi);
	assert_non_null(r);
	assert_int_equal(r->type, KVM_IRQ_ROUTING_IRQCHIP);
	assert_int_equal(r->u.irqchip.irqchip, 0);
	assert_int_equal(r->u.irqchip.pin, VMM_V2M_SPI_BASE);
	m.data = V2M_FIRST_INTID + VMM_V2M_SPI_COUNT - 1;
	assert_int_equal(msi_route_set(vm, gsi, &m, true), 0);
	assert_int_equal(fake_kvm_route((unsigned int)gsi)->u.irqchip.pin,
			 VMM_V2M_SPI_BASE + VMM_V2M_SPI_COUNT - 1);

	/* Just outside the frame's SPIs, or not the frame's register. */
	m.data = V2M_FIRST_INTID + VMM_V2M_SPI_COUNT;
	assert_int_equal(msi_route_set(vm, gsi, &m, true), -EINVAL);
	assert_null(fake_kvm_route((unsigned int)gsi));
	m.data = V2M_FIRST_INTID - 1;
	assert_false(msi_msg_valid(vm, &m));
	m = (struct msi_msg){ .addr = ITS_DOORBELL, .data = V2M_FIRST_INTID };
	assert_false(msi_msg_valid(vm, &m));
	m = (struct msi_msg){ .addr = V2M_TYPER, .data = V2M_FIRST_INTID };
	assert_false(msi_msg_valid(vm, &m));
}

static void test_v2m_signal_pulses_spi(void **state)
{
	struct vm *vm = *state;
	struct msi_msg m = { .addr = V2M_SETSPI, .data = V2M_FIRST_INTID + 3 };
	const struct fake_kvm_call *c;

	assert_int_equal(msi_signal(vm, &m), 0);
	assert_int_equal(fake_kvm.count[FK_SET_SPI], 2);
	assert_int_equal(fake_kvm.log[0].a, VMM_V2M_SPI_BASE + 3);
	assert_int_equal(fake_kvm.log[0].b, 1);
	c = fake_kvm_last(FK_SET_SPI);
	assert_int_equal(c->a, VMM_V2M_SPI_BASE + 3);
	assert_int_equal(c->b, 0);
	m.data = 0;
	assert_int_equal(msi_signal(vm, &m), -EINVAL);
	assert_int_equal(fake_kvm.count[FK_SET_SPI], 2);
	assert_int_equal(fake_kvm.count[FK_SIGNAL_MSI], 0);
}

/* The guest's view of the GICv2m frame. */
static void test_v2m_frame(void **state)
{
	struct vm *vm = *state;
	uint32_t v = 0;

	assert_true(mmio_bus_dispatch(&vm->bus, V2M_TYPER, (uint8_t *)&v, 4, false));
	assert_int_equal(v, (V2M_FIRST_INTID << 16) | VMM_V2M_SPI_COUNT);
	v = 0xdead;
	assert_true(mmio_bus_dispatch(&vm->bus, VMM_V2M_BASE + 0xfcc, (uint8_t *)&v, 4, false));
	assert_int_equal(v, 0);

	v = V2M_FIRST_INTID + 10;
	assert_true(mmio_bus_dispatch(&vm->bus, V2M_SETSPI, (uint8_t *)&v, 4, true));
	assert_int_equal(fake_kvm.count[FK_SET_SPI], 2);
	assert_int_equal(fake_kvm_last(FK_SET_SPI)->a, VMM_V2M_SPI_BASE + 10);
	/* Outside the frame's SPIs (the UART's SPI, say), or not a 32-bit write. */
	v = VMM_UART_SPI + 32;
	assert_true(mmio_bus_dispatch(&vm->bus, V2M_SETSPI, (uint8_t *)&v, 4, true));
	v = V2M_FIRST_INTID;
	assert_true(mmio_bus_dispatch(&vm->bus, V2M_SETSPI, (uint8_t *)&v, 2, true));
	assert_true(mmio_bus_dispatch(&vm->bus, V2M_SETSPI + 4, (uint8_t *)&v, 4, true));
	assert_int_equal(fake_kvm.count[FK_SET_SPI], 2);
}

static void bad_setspi_burst(void *arg)
{
	struct vm *vm = arg;

	for (uint32_t i = 0; i < 200; i++) {
		uint32_t intid = i; /* below the frame's SPIs */

		mmio_bus_dispatch(&vm->bus, V2M_SETSPI, (uint8_t *)&intid, 4, true);
	}
}

/* A guest writing bad SPIs to the frame in a loop does not flood the log. */
static void test_v2m_bad_writes_log_limited(void **state)
{
	unsigned int lines = log_lines_while("outside SPIs", bad_setspi_burst, *state);

	assert_true(lines >= 1);
	assert_true(lines <= SV_LOG_LIMIT_BURST);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		GIC_TEST(test_its_created_at_its_frame, 3),
		GIC_TEST(test_its_routes, 3),
		GIC_TEST(test_route_bounds, 3),
		GIC_TEST(test_its_signal_and_irqfd, 3),
		GIC_TEST(test_v2m_routes, 2),
		GIC_TEST(test_v2m_signal_pulses_spi, 2),
		GIC_TEST(test_v2m_frame, 2),
		GIC_TEST(test_v2m_bad_writes_log_limited, 2),
	};

	sv_log_set_level(SV_LOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
