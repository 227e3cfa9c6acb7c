// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <splitvirt/log.h>

#include "pci.h"
#include "vmm.h"

struct pci_slot {
	const struct pci_function_ops *ops;
	void *opaque;
	const char *name;
};

struct pci_host {
	struct vm *vm;
	pthread_mutex_t lock;
	struct pci_slot slots[PCI_MAX_SLOTS];
	unsigned long malformed_logged; /* the guest can repeat them at will */
};

unsigned int pci_intx_spi(unsigned int slot, unsigned int pin)
{
	return VMM_PCI_INTX_SPI_BASE + (slot + pin - 1) % 4;
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

int pci_host_create(struct vm *vm, struct pci_host **out)
{
	struct pci_host *host = calloc(1, sizeof(*host));
	int ret;

	if (!host)
		return -ENOMEM;
	host->vm = vm;
	pthread_mutex_init(&host->lock, NULL);
	ret = mmio_bus_add(&vm->bus, VMM_PCI_ECAM_BASE, VMM_PCI_ECAM_SIZE, ecam_mmio, host,
			   "pci-ecam");
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
		pr_info("PCI 00:%02x.0: %s", ret, name);
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
