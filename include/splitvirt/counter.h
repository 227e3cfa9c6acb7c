/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The clock of per-request traces: on arm64 the generic timer's virtual
 * counter (CNTVCT_EL0, readable at EL0, a few ns per read). Our vmm gives
 * every guest the host's count (vmm/vcpu.c sets KVM_REG_ARM_TIMER_CNT), so
 * a stamp taken in a driver VM, in a device VM and on the host lands on one
 * time line. Elsewhere (the native unit-test build) CLOCK_MONOTONIC in ns.
 */
#ifndef SPLITVIRT_COUNTER_H
#define SPLITVIRT_COUNTER_H

#include <stdint.h>
#include <time.h>

static inline uint64_t sv_counter_read(void)
{
#if defined(__aarch64__)
	uint64_t v;

	/* The isb keeps the read from being taken early, before earlier work. */
	__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return v;
#else
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
#endif
}

/* Ticks per second of sv_counter_read(). */
static inline uint64_t sv_counter_freq(void)
{
#if defined(__aarch64__)
	uint64_t v;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
	return v;
#else
	return 1000000000ull;
#endif
}

#endif
