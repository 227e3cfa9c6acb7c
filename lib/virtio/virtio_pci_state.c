// SPDX-License-Identifier: GPL-2.0
/*
 * Save and restore of a virtio-pci function's guest-programmed state, so a
 * new host process can take over the devices of a guest that keeps
 * running (the devmodel restarting after a crash). A restored state is
 * untrusted input: it is checked completely before anything is applied,
 * with the rules the register model enforces on the guest's own writes.
 */
#include <errno.h>
#include <string.h>

#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>

#include <splitvirt/log.h>
#include <splitvirt/pci_cfg.h>
#include <splitvirt/virtio_pci.h>

#include "virtio_pci_internal.h"

#define STATUS_KNOWN                                                                          \
	(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK | \
	 VIRTIO_CONFIG_S_DRIVER_OK | VIRTIO_CONFIG_S_NEEDS_RESET | VIRTIO_CONFIG_S_FAILED)
#define ISR_KNOWN 0x3

/* The PCI part of the format is the PCI model's state, field by field. */
_Static_assert(sizeof(((struct virtio_pci_state *)0)->cfg) == PCI_CFG_SIZE, "cfg");
_Static_assert(sizeof(((struct virtio_pci_state *)0)->msix_table) == PCI_CFG_MSIX_TABLE_BYTES,
	       "msix_table");
_Static_assert(sizeof(((struct virtio_pci_state *)0)->pba) == sizeof(uint64_t) * PCI_CFG_PBA_WORDS,
	       "pba");

static void pci_state_out(const struct pci_cfg_state *ps, struct virtio_pci_state *st)
{
	memcpy(st->cfg, ps->regs, sizeof(st->cfg));
	memcpy(st->msix_table, ps->msix_table, sizeof(st->msix_table));
	memcpy(st->pba, ps->msix_pba, sizeof(st->pba));
}

static void pci_state_in(const struct virtio_pci_state *st, struct pci_cfg_state *ps)
{
	memcpy(ps->regs, st->cfg, sizeof(ps->regs));
	memcpy(ps->msix_table, st->msix_table, sizeof(ps->msix_table));
	memcpy(ps->msix_pba, st->pba, sizeof(ps->msix_pba));
}

int virtio_pci_save(struct virtio_pci *fn, struct virtio_pci_state *st)
{
	struct virtio_dev *dev = fn->dev;
	struct pci_cfg_state ps;
	uint16_t q;

	memset(st, 0, sizeof(*st));
	if (dev->num_queues > VIRTIO_PCI_STATE_MAX_QUEUES)
		return -E2BIG;
	pthread_mutex_lock(&dev->lock);
	st->version = VIRTIO_PCI_STATE_VERSION;
	st->device_id = dev->device_id;
	st->num_queues = dev->num_queues;
	st->nvec = pci_cfg_msix_nvec(&fn->pci);
	st->queue_select = fn->queue_select;
	st->msix_config = fn->msix_config;
	st->status = dev->status;
	st->config_generation = dev->config_generation;
	st->isr = fn->isr;
	st->dfselect = fn->dfselect;
	st->gfselect = fn->gfselect;
	st->driver_features = dev->driver_features;
	pci_cfg_save(&fn->pci, &ps);
	pci_state_out(&ps, st);
	for (q = 0; q < dev->num_queues; q++) {
		const struct virtq *vq = &dev->vqs[q];

		st->queues[q] = (struct virtio_pci_queue_state){
			.desc_gpa = vq->desc_gpa,
			.avail_gpa = vq->avail_gpa,
			.used_gpa = vq->used_gpa,
			.size = vq->size,
			.msix_vector = vq->msix_vector,
			.enabled = vq->enabled,
		};
	}
	pthread_mutex_unlock(&dev->lock);
	return 0;
}

/* ---- validation (no side effects) ----------------------------------------- */

static bool vector_ok(const struct virtio_pci *fn, uint16_t v)
{
	return v == VIRTIO_MSI_NO_VECTOR || v < pci_cfg_msix_nvec(&fn->pci);
}

static bool zeroes(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* The virtio part, except what needs the rings (checked when enabling them). */
static const char *check_virtio(struct virtio_pci *fn, const struct virtio_pci_state *st)
{
	struct virtio_dev *dev = fn->dev;
	uint8_t s = st->status;
	uint16_t q;

	if (s & ~STATUS_KNOWN)
		return "unknown status bits";
	if ((s & VIRTIO_CONFIG_S_DRIVER_OK) && !(s & VIRTIO_CONFIG_S_FEATURES_OK))
		return "DRIVER_OK without FEATURES_OK";
	if (st->isr & ~ISR_KNOWN)
		return "ISR bits";
	if (!vector_ok(fn, st->msix_config))
		return "config vector";
	for (q = 0; q < VIRTIO_PCI_STATE_MAX_QUEUES; q++) {
		const struct virtio_pci_queue_state *qs = &st->queues[q];

		if (q >= dev->num_queues) {
			if (!zeroes(qs, sizeof(*qs)))
				return "state for a queue the device does not have";
			continue;
		}
		if (!vector_ok(fn, qs->msix_vector) || qs->enabled > 1 || !zeroes(qs->pad, 3))
			return "queue vector or enable flag";
		if (qs->enabled && !(s & VIRTIO_CONFIG_S_FEATURES_OK))
			return "queue enabled before FEATURES_OK";
	}
	return NULL;
}

/* ---- applying ------------------------------------------------------------- */

/* Status, features and queues, in the order a driver sets them up. */
static const char *apply_virtio(struct virtio_pci *fn, const struct virtio_pci_state *st)
{
	struct virtio_dev *dev = fn->dev;
	uint8_t s = st->status;
	uint16_t q;

	dev->driver_features = st->driver_features;
	dev->status = s & (VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	if (s & VIRTIO_CONFIG_S_FEATURES_OK) {
		if (!virtio_dev_features_acceptable(dev))
			return "features the device does not accept";
		dev->status |= VIRTIO_CONFIG_S_FEATURES_OK;
	}
	for (q = 0; q < dev->num_queues; q++) {
		const struct virtio_pci_queue_state *qs = &st->queues[q];
		struct virtq *vq = &dev->vqs[q];

		vq->size = qs->size;
		vq->msix_vector = qs->msix_vector;
		vq->desc_gpa = qs->desc_gpa;
		vq->avail_gpa = qs->avail_gpa;
		vq->used_gpa = qs->used_gpa;
		if (!qs->enabled)
			continue;
		if (virtq_enable(vq, virtio_dev_has_feature(dev, VIRTIO_RING_F_EVENT_IDX),
				 virtio_dev_has_feature(dev, VIRTIO_RING_F_INDIRECT_DESC)))
			return "queue size or rings outside guest memory";
		virtq_resync(vq);
	}
	fn->msix_config = st->msix_config;
	fn->queue_select = st->queue_select;
	fn->dfselect = st->dfselect;
	fn->gfselect = st->gfselect;
	dev->config_generation = st->config_generation;
	return NULL;
}

/* Config space and MSI-X, then the host hears about it as after guest writes. */
static void apply_pci(struct virtio_pci *fn, const struct pci_cfg_state *ps, uint8_t isr)
{
	fn->isr = isr;
	pci_cfg_load(&fn->pci, ps);
	vpci_notify_sync(fn);
	vpci_intx_update(fn);
}

int virtio_pci_restore(struct virtio_pci *fn, const struct virtio_pci_state *st)
{
	struct virtio_dev *dev = fn->dev;
	struct pci_cfg_state ps;
	const char *why = NULL;

	if (st->version != VIRTIO_PCI_STATE_VERSION || st->device_id != dev->device_id ||
	    st->num_queues != dev->num_queues || st->nvec != pci_cfg_msix_nvec(&fn->pci))
		why = "another device or layout";
	pci_state_in(st, &ps);
	pthread_mutex_lock(&dev->lock);
	why = why ?: pci_cfg_check(&fn->pci, &ps);
	why = why ?: check_virtio(fn, st);
	if (!why) {
		/* From power-on: with BARs unmapped no host callback fires yet. */
		virtio_dev_reset(dev);
		why = apply_virtio(fn, st);
		if (why)
			virtio_dev_reset(dev);
	}
	if (why) {
		pthread_mutex_unlock(&dev->lock);
		pr_warn("%s: saved state rejected: %s", dev->name, why);
		return -EINVAL;
	}
	apply_pci(fn, &ps, st->isr);
	if (st->status & VIRTIO_CONFIG_S_DRIVER_OK) {
		dev->status |= VIRTIO_CONFIG_S_DRIVER_OK;
		/* Features are final; net programs the (new) tap's offloads here. */
		if (dev->ops->driver_ok)
			dev->ops->driver_ok(dev);
	}
	dev->status |= st->status & VIRTIO_CONFIG_S_FAILED;
	if (st->status & VIRTIO_CONFIG_S_NEEDS_RESET)
		virtio_dev_set_needs_reset(dev, "it was broken when saved");
	pthread_mutex_unlock(&dev->lock);
	return 0;
}
