/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's PCIe host bridge: one bus behind an ECAM window, functions
 * registered by slot. The bridge itself only decodes config accesses; each
 * function owns its config space and BARs (local virtio-pci functions, the
 * dataport, and remote functions io_proxy forwards over RPC).
 *
 * Address plan (see vmm.h): ECAM at VMM_PCI_ECAM_BASE, 32-bit window below
 * it, 64-bit prefetchable window high up; INTx swizzled onto four SPIs.
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

int pci_host_create(struct vm *vm, struct pci_host **out);
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
unsigned int pci_intx_spi(unsigned int slot, unsigned int pin);

#endif
