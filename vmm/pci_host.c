// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <splitvirt/log.h>
#include <splitvirt/size.h>

#include "pci.h"
#include "vmm.h"

struct pci_slot {
	const struct pci_function_ops *ops;
	void *opaque;
	const char *name;
};

struct pci_host {
	struct vm *vm;
	struct pci_host_layout layout;
	pthread_mutex_t lock;
	struct pci_slot slots[PCI_MAX_SLOTS];
	unsigned long malformed_logged; /* the guest can repeat them at will */
	char ecam_name[16]; /* the bus keeps the pointer */
};

int pci_host_layout_of(unsigned int index, struct pci_host_layout *l)
{
	if (index >= VMM_PCI_MAX_BRIDGES)
		return -EINVAL;
	*l = (struct pci_host_layout){
		.index = index,
		.ecam_base = VMM_PCI_ECAM_BASE + index * VMM_PCI_ECAM_SIZE,
		.ecam_size = VMM_PCI_ECAM_SIZE,
		.mmio32_base = VMM_PCI_MMIO32_BASE,
		.mmio32_size = VMM_PCI_MMIO32_SIZE,
		.mmio64_base = VMM_PCI_MMIO64_BASE,
		.mmio64_size = VMM_PCI_MMIO64_SIZE,
		/* Lines of their own: a link's level never masks another's. */
		.intx_spi_base = VMM_PCI_INTX_SPI_BASE + 4 * index,
		/* One bus per bridge: 256 requester ids each, within KVM's 16-bit DeviceIDs. */
		.devid_base = index << 8,
	};
	if (index) {
		l->mmio32_base = VMM_PCI_LINK_MMIO32_BASE + (index - 1) * VMM_PCI_LINK_MMIO32_SIZE;
		l->mmio32_size = VMM_PCI_LINK_MMIO32_SIZE;
		l->mmio64_base = VMM_PCI_LINK_MMIO64_BASE + (index - 1) * VMM_PCI_LINK_MMIO64_SIZE;
		l->mmio64_size = VMM_PCI_LINK_MMIO64_SIZE;
	}
	return 0;
}

const struct pci_host_layout *pci_host_layout(const struct pci_host *host)
{
	return &host->layout;
}

unsigned int pci_host_intx_spi(const struct pci_host *host, unsigned int slot, unsigned int pin)
{
	return host->layout.intx_spi_base + (slot + pin - 1) % 4;
}

uint32_t pci_host_devid(const struct pci_host *host, unsigned int slot)
{
	return host->layout.devid_base + (slot << 3);
}

bool pci_host_in_window(const struct pci_host *host, uint64_t gpa, uint64_t size)
{
	const struct pci_host_layout *l = &host->layout;

	return sv_range_inside(gpa, size, l->mmio32_base, l->mmio32_size) ||
	       sv_range_inside(gpa, size, l->mmio64_base, l->mmio64_size);
}

static struct pci_slot *ecam_lookup(struct pci_host *host, uint64_t off, struct ecam_addr *a)
{
	*a = ecam_decode(off);
	/* One bus, single-function devices: everything else is absent. */
	if (a->bus != 0 || a->fn != 0 || a->dev >= PCI_MAX_SLOTS)
		return NULL;
	return host->slots[a->dev].ops ? &host->slots[a->dev] : NULL;
}

static void ecam_mmio(void *opaque, uint64_t off, uint8_t *data, unsigned int len, bool is_write)
{
	struct pci_host *host = opaque;
	struct pci_slot slot = { 0 };
	struct ecam_addr a;
	struct pci_slot *s;
	uint32_t v = 0xffffffff;

	/*
	 * Call the function unlocked: a remote function's config access waits
	 * for an RPC reply, and the thread that delivers it may be adding a
	 * function. Slots are never emptied while the VM runs.
	 */
	pthread_mutex_lock(&host->lock);
	s = ecam_lookup(host, off, &a);
	if (s)
		slot = *s;
	pthread_mutex_unlock(&host->lock);
	/* Absent functions and malformed accesses read as all-ones, writes vanish. */
	if (slot.ops && (len == 1 || len == 2 || len == 4) && (a.reg & (len - 1)) == 0) {
		if (is_write) {
			/* Exactly len bytes: the upper ones of a narrow write are zero. */
			v = 0;
			memcpy(&v, data, len);
			slot.ops->cfg_write(slot.opaque, a.reg, len, v);
		} else {
			v = slot.ops->cfg_read(slot.opaque, a.reg, len);
		}
	} else if (slot.ops) {
		pr_warn_limited(
			&host->malformed_logged,
			"PCI %02x:%02x.%x: %u-byte config %s at 0x%x ignored (unaligned or bad size)",
			a.bus, a.dev, a.fn, len, is_write ? "write" : "read", a.reg);
	}
	if (!is_write) {
		memset(data, 0xff, len);
		memcpy(data, &v, len < 4 ? len : 4);
	}
}

int pci_host_create(struct vm *vm, unsigned int index, struct pci_host **out)
{
	struct pci_host *host = calloc(1, sizeof(*host));
	int ret;

	if (!host)
		return -ENOMEM;
	ret = pci_host_layout_of(index, &host->layout);
	if (ret) {
		free(host);
		return ret;
	}
	host->vm = vm;
	pthread_mutex_init(&host->lock, NULL);
	snprintf(host->ecam_name, sizeof(host->ecam_name), "pci-ecam%u", index);
	ret = mmio_bus_add(&vm->bus, host->layout.ecam_base, host->layout.ecam_size, ecam_mmio,
			   host, host->ecam_name);
	if (ret) {
		free(host);
		return ret;
	}
	*out = host;
	return 0;
}

void pci_host_destroy(struct pci_host *host)
{
	if (!host)
		return;
	mmio_bus_remove_own(&host->vm->bus, host->layout.ecam_base, host);
	pthread_mutex_destroy(&host->lock);
	free(host);
}

int pci_host_add_function(struct pci_host *host, const struct pci_function_ops *ops, void *opaque,
			  const char *name)
{
	int ret = -ENOSPC;

	pthread_mutex_lock(&host->lock);
	for (unsigned int i = 0; i < PCI_MAX_SLOTS; i++) {
		if (!host->slots[i].ops) {
			host->slots[i] = (struct pci_slot){ ops, opaque, name };
			ret = (int)i;
			break;
		}
	}
	pthread_mutex_unlock(&host->lock);
	if (ret >= 0)
		pr_info("PCI %04x:00:%02x.0: %s", host->layout.index, ret, name);
	return ret;
}

void pci_host_remove_function(struct pci_host *host, int slot)
{
	if (slot < 0 || slot >= PCI_MAX_SLOTS)
		return;
	pthread_mutex_lock(&host->lock);
	host->slots[slot] = (struct pci_slot){ 0 };
	pthread_mutex_unlock(&host->lock);
}
