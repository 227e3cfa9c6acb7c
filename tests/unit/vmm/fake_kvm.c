// SPDX-License-Identifier: GPL-2.0
/*
 * Recording fake of vmm/kvm_irq.c (see fake_kvm.h), and of the one call of
 * vmm/kvm_vm.c the dataport makes (vm_add_ram_slot). Calls come from the
 * test's threads and the proxy's I/O loop alike, hence the lock.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../../vmm/msi.h"
#include "../../../vmm/vmm.h"
#include "fake_kvm.h"

struct fake_kvm fake_kvm;
static pthread_mutex_t fk_lock = PTHREAD_MUTEX_INITIALIZER;

void fake_kvm_reset(void)
{
	pthread_mutex_lock(&fk_lock);
	memset(&fake_kvm, 0, sizeof(fake_kvm));
	pthread_mutex_unlock(&fk_lock);
}

struct vm *fake_vm_new(int gic_version)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	if (!vm)
		return NULL;
	vm->kvm_fd = vm->vm_fd = vm->gic_fd = vm->msi_fd = -1;
	vm->gic_version = gic_version;
	mmio_bus_init(&vm->bus);
	if (msi_create(vm) || msi_finalize(vm)) {
		fake_vm_free(vm);
		return NULL;
	}
	return vm;
}

void fake_vm_free(struct vm *vm)
{
	if (!vm)
		return;
	msi_destroy(vm);
	mmio_bus_destroy(&vm->bus);
	free(vm);
}

/* Logs c; returns the injected failure for its op, or 0. Lock held. */
static int record(const struct fake_kvm_call *c)
{
	fake_kvm.log[fake_kvm.ncalls++ % FAKE_KVM_LOG] = *c;
	fake_kvm.count[c->op]++;
	return -fake_kvm.fail_errno[c->op];
}

static int record_unlocked(const struct fake_kvm_call *c)
{
	unsigned int delay = atomic_load(&fake_kvm.delay_us[c->op]);
	int ret;

	pthread_mutex_lock(&fk_lock);
	ret = record(c);
	pthread_mutex_unlock(&fk_lock);
	if (delay)
		usleep(delay);
	return ret;
}

const struct fake_kvm_call *fake_kvm_last(enum fake_kvm_op op)
{
	unsigned long n = fake_kvm.ncalls;

	for (unsigned long i = 0; i < n && i < FAKE_KVM_LOG; i++) {
		const struct fake_kvm_call *c = &fake_kvm.log[(n - 1 - i) % FAKE_KVM_LOG];

		if (c->op == op)
			return c;
	}
	return NULL;
}

const struct kvm_irq_routing_entry *fake_kvm_route(unsigned int gsi)
{
	for (unsigned int i = 0; i < fake_kvm.nr_routes; i++) {
		if (fake_kvm.routes[i].gsi == gsi)
			return &fake_kvm.routes[i];
	}
	return NULL;
}

int vm_set_spi(struct vm *vm, unsigned int spi, int level)
{
	(void)vm;
	return record_unlocked(&(struct fake_kvm_call){ .op = FK_SET_SPI, .a = spi, .b = level });
}

int vm_set_gsi_routing(struct vm *vm, const struct kvm_irq_routing *table)
{
	struct fake_kvm_call c = { .op = FK_GSI_ROUTING, .nr_routes = table->nr };
	int ret;

	(void)vm;
	pthread_mutex_lock(&fk_lock);
	ret = record(&c);
	if (!ret) {
		fake_kvm.nr_routes =
			table->nr < FAKE_KVM_MAX_ROUTES ? table->nr : FAKE_KVM_MAX_ROUTES;
		memcpy(fake_kvm.routes, table->entries,
		       fake_kvm.nr_routes * sizeof(fake_kvm.routes[0]));
	}
	pthread_mutex_unlock(&fk_lock);
	return ret;
}

int vm_irqfd(struct vm *vm, int gsi, int fd, bool assign)
{
	(void)vm;
	return record_unlocked(
		&(struct fake_kvm_call){ .op = FK_IRQFD, .a = gsi, .b = fd, .assign = assign });
}

int vm_irqfd_resample(struct vm *vm, int gsi, int fd, int resample_fd, bool assign)
{
	(void)vm;
	return record_unlocked(&(struct fake_kvm_call){
		.op = FK_IRQFD_RESAMPLE, .a = gsi, .b = fd, .fd = resample_fd, .assign = assign });
}

int vm_ioeventfd(struct vm *vm, uint64_t gpa, uint32_t len, int fd, const uint64_t *datamatch,
		 bool assign)
{
	(void)vm;
	return record_unlocked(&(struct fake_kvm_call){ .op = FK_IOEVENTFD,
							.addr = gpa,
							.len = len,
							.fd = fd,
							.has_datamatch = datamatch != NULL,
							.datamatch = datamatch ? *datamatch : 0,
							.assign = assign });
}

int vm_signal_msi(struct vm *vm, uint64_t addr, uint32_t data, uint32_t devid)
{
	(void)vm;
	return record_unlocked(&(struct fake_kvm_call){
		.op = FK_SIGNAL_MSI, .addr = addr, .data = data, .devid = devid });
}

int vm_its_create(struct vm *vm, uint64_t base)
{
	int ret;

	(void)vm;
	ret = record_unlocked(&(struct fake_kvm_call){ .op = FK_ITS_CREATE, .addr = base });
	/* A real fd, so that msi_destroy() closes something of ours. */
	return ret ? ret : open("/dev/null", O_RDONLY | O_CLOEXEC);
}

int vm_its_init(struct vm *vm)
{
	return record_unlocked(&(struct fake_kvm_call){ .op = FK_ITS_INIT, .fd = vm->msi_fd });
}

int vm_add_ram_slot(struct vm *vm, unsigned int slot, uint64_t gpa, uint64_t size, void *host)
{
	(void)vm;
	(void)host;
	return record_unlocked(&(struct fake_kvm_call){
		.op = FK_RAM_SLOT, .a = slot, .addr = gpa, .datamatch = size });
}
