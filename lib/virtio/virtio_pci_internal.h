/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of the virtio-pci function model shared by virtio_pci.c (the
 * register model) and virtio_pci_state.c (save/restore). Not for hosts.
 */
#ifndef SPLITVIRT_VIRTIO_PCI_INTERNAL_H
#define SPLITVIRT_VIRTIO_PCI_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <splitvirt/virtio_pci.h>

struct bar_state {
	uint64_t gpa;
	bool mapped;
};

struct virtio_pci {
	struct virtio_dev *dev;
	const struct virtio_pci_host_ops *ops;
	void *opaque;

	uint8_t cfg[VIRTIO_PCI_CFG_SIZE];
	uint8_t wmask[VIRTIO_PCI_CFG_SIZE];
	struct bar_state bars[6];

	uint16_t nvec;
	uint8_t msix_table[VIRTIO_PCI_MSIX_MAX_VECTORS * 16];
	uint64_t pba[VIRTIO_PCI_MSIX_MAX_VECTORS / 64];

	uint32_t dfselect, gfselect;
	uint16_t queue_select;
	uint16_t msix_config;
	uint8_t isr;
	bool intx_level;
	bool notify_active[VIRTIO_PCI_MAX_QUEUES];
};

/* Re-reads command/BAR registers and reports BAR and notify changes to the host. */
void vpci_bars_update(struct virtio_pci *fn);
/* Recomputes which notify addresses the host should watch. */
void vpci_notify_sync(struct virtio_pci *fn);
/* Reports vector v to the host and delivers a pending message once unmasked. */
void vpci_msix_vector_update(struct virtio_pci *fn, uint16_t v);
/* Recomputes the INTx level and the status register's interrupt bit. */
void vpci_intx_update(struct virtio_pci *fn);

#endif
