/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MMIO dispatch: devices register address windows; a vCPU's MMIO exit is
 * routed to the window's handler. The table is filled before vCPUs start
 * and read-only afterwards except through mmio_bus_add/remove, which take
 * the lock (PCI BAR moves happen at run time).
 */
#ifndef VMM_MMIO_BUS_H
#define VMM_MMIO_BUS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define MMIO_BUS_MAX 64

struct mmio_dev;
typedef void (*mmio_handler_t)(void *opaque, uint64_t offset, uint8_t *data, unsigned int len,
			       bool is_write);

struct mmio_window {
	uint64_t base;
	uint64_t size;
	mmio_handler_t handler;
	void *opaque;
	const char *name;
};

struct mmio_bus {
	pthread_rwlock_t lock;
	unsigned int count;
	struct mmio_window win[MMIO_BUS_MAX];
};

void mmio_bus_init(struct mmio_bus *bus);
void mmio_bus_destroy(struct mmio_bus *bus);
/* -EBUSY if the window overlaps another, -ENOSPC if the table is full. */
int mmio_bus_add(struct mmio_bus *bus, uint64_t base, uint64_t size, mmio_handler_t handler,
		 void *opaque, const char *name);
/* Removes the window at base, whoever added it; -ENOENT if there is none. */
int mmio_bus_remove(struct mmio_bus *bus, uint64_t base);
/*
 * Removes the window at base only if opaque added it: a caller whose add
 * failed (another window was there) or that already removed its window
 * cannot take someone else's off the bus.
 */
int mmio_bus_remove_own(struct mmio_bus *bus, uint64_t base, const void *opaque);
/* Returns false if no window covers [addr, addr+len). Reads then see 0. */
bool mmio_bus_dispatch(struct mmio_bus *bus, uint64_t addr, uint8_t *data, unsigned int len,
		       bool is_write);

#endif
