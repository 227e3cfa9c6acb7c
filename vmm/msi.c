// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/kvm.h>

#include <splitvirt/log.h>

#include "msi_internal.h"
#include "vmm.h"

#define MSI_MAX_ROUTES 256

/* KVM replaces the whole table on every update, so we keep all of it. */
struct msi_routes {
	pthread_mutex_t lock;
	unsigned int allocated;
	bool valid[MSI_MAX_ROUTES];
	struct kvm_irq_routing_entry entry[MSI_MAX_ROUTES];
};

static struct msi_routes *routes_of(struct vm *vm)
{
	return vm->msi_routes;
}

int msi_create(struct vm *vm)
{
	struct msi_routes *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	pthread_mutex_init(&r->lock, NULL);
	vm->msi_routes = r;
	vm->msi_fd = -1;
	return vm->gic_version == 3 ? msi_its_create(vm) : msi_v2m_create(vm);
}

int msi_finalize(struct vm *vm)
{
	return vm->gic_version == 3 ? msi_its_finalize(vm) : 0;
}

void msi_destroy(struct vm *vm)
{
	if (vm->msi_fd >= 0)
		close(vm->msi_fd);
	vm->msi_fd = -1;
	free(vm->msi_routes);
	vm->msi_routes = NULL;
}

bool msi_msg_valid(const struct vm *vm, const struct msi_msg *msg)
{
	return vm->gic_version == 3 ? msi_its_valid(msg) : msi_v2m_valid(msg);
}

int msi_route_alloc(struct vm *vm)
{
	struct msi_routes *r = routes_of(vm);
	int gsi = -ENOSPC;

	pthread_mutex_lock(&r->lock);
	if (r->allocated < MSI_MAX_ROUTES)
		gsi = (int)r->allocated++;
	pthread_mutex_unlock(&r->lock);
	return gsi;
}

/* Called with the lock held. */
static int routes_commit(struct vm *vm, struct msi_routes *r)
{
	struct kvm_irq_routing *table;
	unsigned int n = 0;
	int ret = 0;

	table = calloc(1, sizeof(*table) + MSI_MAX_ROUTES * sizeof(table->entries[0]));
	if (!table)
		return -ENOMEM;
	for (unsigned int i = 0; i < r->allocated; i++) {
		if (r->valid[i])
			table->entries[n++] = r->entry[i];
	}
	table->nr = n;
	ret = vm_set_gsi_routing(vm, table);
	free(table);
	return ret;
}

/* Stores gsi's route (or its absence) and hands KVM the whole table. */
static int route_store(struct vm *vm, int gsi, bool valid, const struct kvm_irq_routing_entry *e)
{
	struct msi_routes *r = routes_of(vm);
	int ret;

	pthread_mutex_lock(&r->lock);
	r->valid[gsi] = valid;
	r->entry[gsi] = *e;
	ret = routes_commit(vm, r);
	pthread_mutex_unlock(&r->lock);
	return ret;
}

int msi_route_set(struct vm *vm, int gsi, const struct msi_msg *msg, bool enabled)
{
	struct kvm_irq_routing_entry e = { .gsi = (uint32_t)gsi };
	bool valid = enabled && msi_msg_valid(vm, msg);
	int ret;

	if (gsi < 0 || (unsigned int)gsi >= MSI_MAX_ROUTES)
		return -EINVAL;
	if (valid) {
		if (vm->gic_version == 3)
			msi_its_route(msg, &e);
		else
			msi_v2m_route(msg, &e);
	}
	ret = route_store(vm, gsi, valid, &e);
	if (ret)
		return ret;
	return enabled && !valid ? -EINVAL : 0;
}

int msi_route_set_spi(struct vm *vm, int gsi, unsigned int spi)
{
	const struct kvm_irq_routing_entry e = {
		.gsi = (uint32_t)gsi,
		.type = KVM_IRQ_ROUTING_IRQCHIP,
		.u.irqchip = { .irqchip = 0, .pin = spi },
	};

	if (gsi < 0 || (unsigned int)gsi >= MSI_MAX_ROUTES || spi >= VMM_GIC_NR_IRQS - 32)
		return -EINVAL;
	return route_store(vm, gsi, true, &e);
}

int msi_irqfd_bind(struct vm *vm, int gsi, int fd)
{
	return vm_irqfd(vm, gsi, fd, true);
}

int msi_irqfd_unbind(struct vm *vm, int gsi, int fd)
{
	return vm_irqfd(vm, gsi, fd, false);
}

int msi_signal(struct vm *vm, const struct msi_msg *msg)
{
	if (!msi_msg_valid(vm, msg))
		return -EINVAL;
	return vm->gic_version == 3 ? msi_its_signal(vm, msg) : msi_v2m_signal(vm, msg);
}
