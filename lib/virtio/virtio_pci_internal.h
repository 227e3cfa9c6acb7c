/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of the virtio-pci function model shared by virtio_pci.c (the
 * register model) and virtio_pci_state.c (save/restore). Not for hosts.
 */
#ifndef SPLITVIRT_VIRTIO_PCI_INTERNAL_H
#define SPLITVIRT_VIRTIO_PCI_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <splitvirt/pci_cfg.h>
#include <splitvirt/virtio_pci.h>

struct virtio_pci {
	struct virtio_dev *dev;
	const struct virtio_pci_host_ops *ops;
	void *opaque;

	/* Config space, BARs, MSI-X and INTx: the generic PCI part. */
	struct pci_cfg pci;

	uint32_t dfselect, gfselect;
	uint16_t queue_select;
	uint16_t msix_config;
	uint8_t isr;
	bool notify_active[VIRTIO_PCI_MAX_QUEUES];
};

/* Recomputes which notify addresses the host should watch. */
void vpci_notify_sync(struct virtio_pci *fn);
/* Asserts INTx while ISR has bits (the PCI model gates it on MSI-X and INTX_DISABLE). */
void vpci_intx_update(struct virtio_pci *fn);

#endif
