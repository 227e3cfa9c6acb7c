/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A host PCI function given to the guest through VFIO (--passthrough BDF):
 * see passthrough.c for what the guest sees and what traps.
 */
#ifndef VMM_PASSTHROUGH_H
#define VMM_PASSTHROUGH_H

struct vm;
struct pci_host;
struct vfio_container;
struct passthrough;

/* KVM memory slots one passed-through function may use for its BARs. */
#define PASSTHROUGH_MEMSLOTS 16

/*
 * Opens bdf through c (shared by the VM's passthrough functions; guest RAM
 * is mapped for DMA with the first) and puts it on our PCI bus. Its BARs
 * use KVM slots memslot_base .. + PASSTHROUGH_MEMSLOTS - 1.
 */
int passthrough_create(struct vm *vm, struct pci_host *pci, struct vfio_container *c,
		       const char *bdf, unsigned int memslot_base, struct passthrough **out);
/* Bus mastering and interrupts off, device reset, everything released. */
void passthrough_destroy(struct passthrough *pt);

#endif
