// SPDX-License-Identifier: GPL-2.0
/*
 * A page with one register: the guest writes its exit status there before
 * PSCI SYSTEM_OFF (PSCI itself carries no status), and the vmm exits with
 * it. Reading returns the last value written.
 */
#include <string.h>

#include "vmm.h"

static void exit_status_mmio(void *opaque, uint64_t off, uint8_t *data, unsigned int len,
			     bool is_write)
{
	struct vm *vm = opaque;
	uint32_t v = 0;

	if (off != 0) {
		if (!is_write)
			memset(data, 0, len);
		return;
	}
	if (is_write) {
		memcpy(&v, data, len < 4 ? len : 4);
		atomic_store(&vm->exit_status, (int)(v & 0xff));
	} else {
		v = (uint32_t)atomic_load(&vm->exit_status);
		memcpy(data, &v, len < 4 ? len : 4);
	}
}

int exit_status_create(struct vm *vm, uint64_t base)
{
	return mmio_bus_add(&vm->bus, base, 0x1000, exit_status_mmio, vm, "exit-status");
}
