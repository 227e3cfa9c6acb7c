// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>

#include "mmio_bus.h"

void mmio_bus_init(struct mmio_bus *bus)
{
	memset(bus, 0, sizeof(*bus));
	pthread_rwlock_init(&bus->lock, NULL);
}

void mmio_bus_destroy(struct mmio_bus *bus)
{
	pthread_rwlock_destroy(&bus->lock);
}

static bool overlaps(const struct mmio_window *w, uint64_t base, uint64_t size)
{
	return base < w->base + w->size && w->base < base + size;
}

int mmio_bus_add(struct mmio_bus *bus, uint64_t base, uint64_t size, mmio_handler_t handler,
		 void *opaque, const char *name)
{
	int ret = 0;

	if (!size || base + size < base)
		return -EINVAL;
	pthread_rwlock_wrlock(&bus->lock);
	for (unsigned int i = 0; i < bus->count; i++) {
		if (overlaps(&bus->win[i], base, size)) {
			ret = -EBUSY;
			goto out;
		}
	}
	if (bus->count == MMIO_BUS_MAX) {
		ret = -ENOSPC;
		goto out;
	}
	bus->win[bus->count++] = (struct mmio_window){ base, size, handler, opaque, name };
out:
	pthread_rwlock_unlock(&bus->lock);
	return ret;
}

/* The window at base (owned by opaque unless any_owner); -ENOENT if none. */
static int remove_window(struct mmio_bus *bus, uint64_t base, const void *opaque, bool any_owner)
{
	int ret = -ENOENT;

	pthread_rwlock_wrlock(&bus->lock);
	for (unsigned int i = 0; i < bus->count; i++) {
		if (bus->win[i].base == base && (any_owner || bus->win[i].opaque == opaque)) {
			bus->win[i] = bus->win[--bus->count];
			ret = 0;
			break;
		}
	}
	pthread_rwlock_unlock(&bus->lock);
	return ret;
}

int mmio_bus_remove(struct mmio_bus *bus, uint64_t base)
{
	return remove_window(bus, base, NULL, true);
}

int mmio_bus_remove_own(struct mmio_bus *bus, uint64_t base, const void *opaque)
{
	return remove_window(bus, base, opaque, false);
}

bool mmio_bus_dispatch(struct mmio_bus *bus, uint64_t addr, uint8_t *data, unsigned int len,
		       bool is_write)
{
	struct mmio_window hit = { 0 };
	bool found = false;

	/*
	 * Copy the window and call it unlocked: a handler may add or remove
	 * windows (a PCI config write that moves a BAR). Windows are only
	 * removed, never freed, while vCPUs run, so the copy stays valid.
	 */
	pthread_rwlock_rdlock(&bus->lock);
	for (unsigned int i = 0; i < bus->count; i++) {
		const struct mmio_window *w = &bus->win[i];

		if (addr >= w->base && addr - w->base < w->size &&
		    len <= w->size - (addr - w->base)) {
			hit = *w;
			found = true;
			break;
		}
	}
	pthread_rwlock_unlock(&bus->lock);
	if (found)
		hit.handler(hit.opaque, addr - hit.base, data, len, is_write);
	else if (!is_write)
		memset(data, 0, len);
	return found;
}
