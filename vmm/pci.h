/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's PCIe host bridges: each one bus behind its own ECAM window,
 * functions registered by slot. A bridge itself only decodes config
 * accesses; each function owns its config space and BARs (local virtio-pci
 * functions, the dataport, passthrough, and remote functions io_proxy
 * forwards over RPC).
 *
 * Bridge 0 holds the VM's own functions, bridge 1 + k those of its k-th
 * link: a device VM's functions get their own PCI domain, memory windows
 * (whose BARs it may announce: nothing of another link's or ours), INTx
 * lines and ITS DeviceIDs, and their own DMA window. Address plan: vmm.h.
 */
#ifndef VMM_PCI_H
#define VMM_PCI_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_MAX_SLOTS 32
#define ECAM_FN_SIZE 4096u

struct ecam_addr {
	uint8_t bus;
	uint8_t dev;
	uint8_t fn;
	uint16_t reg;
};

/* Splits an offset into the ECAM window into bus/device/function/register. */
struct ecam_addr ecam_decode(uint64_t offset);

struct pci_function_ops {
	/* size is 1, 2 or 4; off + size <= 4096. */
	uint32_t (*cfg_read)(void *opaque, uint32_t off, uint32_t size);
	void (*cfg_write)(void *opaque, uint32_t off, uint32_t size, uint32_t val);
};

struct vm;
struct pci_host;

/* Where bridge index lives: the plan of vmm.h, as the device tree describes it. */
struct pci_host_layout {
	unsigned int index; /* also its PCI domain (linux,pci-domain) */
	uint64_t ecam_base, ecam_size;
	uint64_t mmio32_base, mmio32_size; /* non-prefetchable, below 4 GiB */
	uint64_t mmio64_base, mmio64_size; /* 64-bit prefetchable */
	unsigned int intx_spi_base; /* INTA of slot 0; pci_host_intx_spi() swizzles */
	uint32_t devid_base; /* ITS DeviceID of bus 0, devfn 0 (msi-map) */
};

/* The layout of bridge index (< VMM_PCI_MAX_BRIDGES); -EINVAL past the plan. */
int pci_host_layout_of(unsigned int index, struct pci_host_layout *l);

int pci_host_create(struct vm *vm, unsigned int index, struct pci_host **out);
const struct pci_host_layout *pci_host_layout(const struct pci_host *host);
void pci_host_destroy(struct pci_host *host);
/*
 * Puts a function at the first free slot (slot 0 is the first device).
 * Returns the slot or -ENOSPC.
 */
int pci_host_add_function(struct pci_host *host, const struct pci_function_ops *ops, void *opaque,
			  const char *name);
/* Frees slot again (its config space reads as empty from then on). */
void pci_host_remove_function(struct pci_host *host, int slot);
/* The INTx SPI of pin (1..4) of slot, following the device tree's swizzle. */
unsigned int pci_host_intx_spi(const struct pci_host *host, unsigned int slot, unsigned int pin);
/* The ITS DeviceID of slot's function: its requester id in the bridge's range. */
uint32_t pci_host_devid(const struct pci_host *host, unsigned int slot);
/* Whether [gpa, gpa + size) lies inside one of the bridge's memory windows. */
bool pci_host_in_window(const struct pci_host *host, uint64_t gpa, uint64_t size);

#endif
