// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include <linux/kvm.h>

#include <splitvirt/log.h>

#include "msi_internal.h"
#include "vmm.h"

#define GITS_TRANSLATER 0x10040

int msi_its_create(struct vm *vm)
{
	int fd = vm_its_create(vm, VMM_ITS_BASE);

	if (fd < 0) {
		pr_err("creating the in-kernel GICv3 ITS at 0x%llx: %s",
		       (unsigned long long)VMM_ITS_BASE, strerror(-fd));
		return fd;
	}
	vm->msi_fd = fd;
	return 0;
}

int msi_its_finalize(struct vm *vm)
{
	int ret = vm_its_init(vm);

	if (ret)
		pr_err("ITS init: %s", strerror(-ret));
	return ret;
}

bool msi_its_valid(const struct msi_msg *m)
{
	return m->addr == VMM_ITS_BASE + GITS_TRANSLATER;
}

void msi_its_route(const struct msi_msg *m, struct kvm_irq_routing_entry *e)
{
	e->type = KVM_IRQ_ROUTING_MSI;
	e->flags = KVM_MSI_VALID_DEVID;
	e->u.msi.address_lo = (uint32_t)m->addr;
	e->u.msi.address_hi = (uint32_t)(m->addr >> 32);
	e->u.msi.data = m->data;
	e->u.msi.devid = m->devid;
}

int msi_its_signal(struct vm *vm, const struct msi_msg *m)
{
	return vm_signal_msi(vm, m->addr, m->data, m->devid);
}
