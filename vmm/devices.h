/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMM_DEVICES_H
#define VMM_DEVICES_H

#include <splitvirt/gmem.h>

#include "args.h"

struct vm;
struct pci_host;
struct sv_loop;
struct local_fn;

struct vmm_devices {
	struct vm *vm;
	struct pci_host *pci;
	struct sv_loop *loop;
	struct gmem gmem; /* guest RAM as the device models see it */
	unsigned int count;
	struct local_fn *fns[SV_VM_MAX_LOCAL_DEVICES];
};

int devices_create(struct vmm_devices *d, const struct vmm_args *args);
void devices_destroy(struct vmm_devices *d);

#endif
