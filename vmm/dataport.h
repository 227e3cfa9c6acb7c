/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Device-VM side of a link: the dataport PCI function (layout in
 * <splitvirt/dataport.h>) through which the device VM's kernel module
 * reaches one driver VM's RAM, the link's iobuf and its doorbells.
 */
#ifndef VMM_DATAPORT_H
#define VMM_DATAPORT_H

#include <splitvirt/link_args.h>

struct vm;
struct pci_host;
struct dataport;

/* Takes ownership of the link's fds. memslot_base: three KVM slots (BAR2's iobuf and state area, BAR4). */
int dataport_create(struct vm *vm, struct pci_host *pci, const struct sv_link_args *link,
		    unsigned int memslot_base, struct dataport **out);
void dataport_destroy(struct dataport *dp);

#endif
