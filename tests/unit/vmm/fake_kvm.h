/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A recording fake of vmm/kvm_irq.c for native tests and fuzzers: every
 * call is logged (the last FAKE_KVM_LOG of them) and succeeds unless a
 * failure was injected; the last GSI routing table is kept whole.
 */
#ifndef TESTS_VMM_FAKE_KVM_H
#define TESTS_VMM_FAKE_KVM_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

struct vm;

#define FAKE_KVM_LOG 256
#define FAKE_KVM_MAX_ROUTES 1024

enum fake_kvm_op {
	FK_SET_SPI,
	FK_GSI_ROUTING,
	FK_IRQFD,
	FK_IOEVENTFD,
	FK_SIGNAL_MSI,
	FK_ITS_CREATE,
	FK_ITS_INIT,
	FK_RAM_SLOT,
	FK_IRQFD_RESAMPLE,
	FK_NR_OPS,
};

struct fake_kvm_call {
	enum fake_kvm_op op;
	/*
	 * SET_SPI: a = spi, b = level. IRQFD: a = gsi, b = fd.
	 * IRQFD_RESAMPLE: a = gsi, b = fd, fd = the resample fd.
	 */
	int64_t a, b;
	bool assign; /* IRQFD, IOEVENTFD */
	/*
	 * IOEVENTFD: gpa, len, fd, datamatch. SIGNAL_MSI/ITS_CREATE: addr/data/devid.
	 * RAM_SLOT: a = slot, addr = gpa, datamatch = size (0 removes it).
	 */
	uint64_t addr, datamatch;
	uint32_t len, data, devid;
	int fd;
	bool has_datamatch;
	unsigned int nr_routes; /* GSI_ROUTING */
};

struct fake_kvm {
	unsigned long ncalls; /* ever made */
	unsigned long count[FK_NR_OPS];
	struct fake_kvm_call log[FAKE_KVM_LOG]; /* call i is log[i % FAKE_KVM_LOG] */
	struct kvm_irq_routing_entry routes[FAKE_KVM_MAX_ROUTES]; /* last table */
	unsigned int nr_routes;
	int fail_errno[FK_NR_OPS]; /* != 0: that call fails with -fail_errno */
	/* Each call of that op takes this long (a slow KVM, for contention tests). */
	_Atomic unsigned int delay_us[FK_NR_OPS];
};

extern struct fake_kvm fake_kvm;

void fake_kvm_reset(void);
/*
 * A VM set up as the vmm does, minus KVM: MMIO bus and MSI (an ITS for
 * gic_version 3, the GICv2m frame for 2). NULL on failure.
 */
struct vm *fake_vm_new(int gic_version);
void fake_vm_free(struct vm *vm);
/* A cmocka test whose setup() finds the GIC version as its initial state. */
#define GIC_TEST(test, gic_version) \
	cmocka_unit_test_prestate_setup_teardown(test, setup, teardown, (int[]){ gic_version })
/* The most recent call of op, or NULL. */
const struct fake_kvm_call *fake_kvm_last(enum fake_kvm_op op);
/* The route of gsi in the last table, or NULL if it has none. */
const struct kvm_irq_routing_entry *fake_kvm_route(unsigned int gsi);

#endif
