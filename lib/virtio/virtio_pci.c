// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-pci function model: what is virtio about a virtio-pci function.
 * The vendor capabilities, the common/ISR/device-config/notify registers in
 * BAR0 and the transport ops a device model calls. Config space, BAR decode,
 * MSI-X and INTx are the generic PCI function model's (lib/pci); we hear
 * from it through vpci_pci_ops and pass that on to the host.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <linux/pci_regs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_pci.h>

#include <splitvirt/log.h>
#include <splitvirt/le_bytes.h>
#include <splitvirt/pci_cfg.h>
#include <splitvirt/virtio_pci.h>

#include "virtio_pci_internal.h"

#define NO_VECTOR VIRTIO_MSI_NO_VECTOR
#define ISR_QUEUE 0x1
#define ISR_CONFIG 0x2

static bool overlaps(uint64_t off, uint64_t len, uint64_t start, uint64_t n)
{
	return off < start + n && start < off + len;
}

/* ---- interrupts ---------------------------------------------------------- */

void vpci_intx_update(struct virtio_pci *fn)
{
	pci_cfg_set_intx(&fn->pci, fn->isr != 0);
}

static void pci_signal_queue(struct virtio_dev *dev, struct virtq *vq)
{
	struct virtio_pci *fn = dev->transport;

	if (pci_cfg_msix_enabled(&fn->pci)) {
		pci_cfg_msix_fire(&fn->pci, vq->msix_vector);
		return;
	}
	fn->isr |= ISR_QUEUE;
	vpci_intx_update(fn);
}

static void pci_signal_config(struct virtio_dev *dev)
{
	struct virtio_pci *fn = dev->transport;

	if (pci_cfg_msix_enabled(&fn->pci)) {
		pci_cfg_msix_fire(&fn->pci, fn->msix_config);
		return;
	}
	fn->isr |= ISR_CONFIG;
	vpci_intx_update(fn);
}

/* ---- notify addresses ------------------------------------------------------ */

static uint64_t notify_gpa(const struct virtio_pci *fn, uint16_t q)
{
	return fn->pci.bars[VIRTIO_PCI_BAR_REGS].gpa + VIRTIO_PCI_NOTIFY_OFF +
	       (uint64_t)q * VIRTIO_PCI_NOTIFY_MULT;
}

static void notify_set(struct virtio_pci *fn, uint16_t q, bool active)
{
	if (fn->notify_active[q] == active)
		return;
	fn->notify_active[q] = active;
	if (fn->ops->notify_changed)
		fn->ops->notify_changed(fn->opaque, q, notify_gpa(fn, q), active);
}

static bool regs_mapped(const struct virtio_pci *fn)
{
	return pci_cfg_bar_mapping(&fn->pci, VIRTIO_PCI_BAR_REGS, NULL, NULL);
}

/* Recomputes which notify addresses the host should watch. */
void vpci_notify_sync(struct virtio_pci *fn)
{
	uint16_t q;

	for (q = 0; q < fn->dev->num_queues; q++)
		notify_set(fn, q, regs_mapped(fn) && fn->dev->vqs[q].enabled);
}

static void notify_clear_all(struct virtio_pci *fn)
{
	uint16_t q;

	for (q = 0; q < fn->dev->num_queues; q++)
		notify_set(fn, q, false);
}

static void pci_queue_state(struct virtio_dev *dev, uint16_t qidx, bool enabled)
{
	struct virtio_pci *fn = dev->transport;

	if (qidx == UINT16_MAX) {
		/* Device reset: the virtio part of the function returns to defaults. */
		notify_clear_all(fn);
		fn->msix_config = NO_VECTOR;
		fn->queue_select = 0;
		fn->dfselect = fn->gfselect = 0;
		fn->isr = 0;
		vpci_intx_update(fn);
		return;
	}
	if (qidx < dev->num_queues)
		notify_set(fn, qidx, enabled && regs_mapped(fn));
}

static bool pci_requeue(struct virtio_dev *dev, struct virtq *vq)
{
	struct virtio_pci *fn = dev->transport;

	return fn->ops->requeue && fn->ops->requeue(fn->opaque, vq->index);
}

static const struct virtio_transport_ops pci_transport_ops = {
	.signal_queue = pci_signal_queue,
	.signal_config = pci_signal_config,
	.queue_state = pci_queue_state,
	.requeue = pci_requeue,
};

/* ---- what the PCI model reports ---------------------------------------------- */

static void vpci_bar_changed(void *opaque, int bar, uint64_t gpa, uint64_t size, bool mapped)
{
	struct virtio_pci *fn = opaque;

	/* Notify addresses live in BAR0: released before it goes, bound after it comes. */
	if (bar == VIRTIO_PCI_BAR_REGS && !mapped)
		notify_clear_all(fn);
	if (fn->ops->bar_changed)
		fn->ops->bar_changed(fn->opaque, bar, gpa, size, mapped);
	if (bar == VIRTIO_PCI_BAR_REGS && mapped)
		vpci_notify_sync(fn);
}

static void vpci_msix_changed(void *opaque, uint16_t v, uint64_t addr, uint32_t data, bool masked)
{
	struct virtio_pci *fn = opaque;

	if (fn->ops->msix_changed)
		fn->ops->msix_changed(fn->opaque, v, addr, data, masked);
}

static void vpci_msix_signal(void *opaque, uint16_t v, uint64_t addr, uint32_t data)
{
	struct virtio_pci *fn = opaque;

	if (fn->ops->signal_msix)
		fn->ops->signal_msix(fn->opaque, v, addr, data);
}

static void vpci_intx_changed(void *opaque, bool level)
{
	struct virtio_pci *fn = opaque;

	if (fn->ops->set_intx)
		fn->ops->set_intx(fn->opaque, level);
}

static const struct pci_cfg_ops vpci_pci_ops = {
	.bar_changed = vpci_bar_changed,
	.msix_changed = vpci_msix_changed,
	.msix_signal = vpci_msix_signal,
	.intx_changed = vpci_intx_changed,
};

/* ---- common configuration ------------------------------------------------ */

static struct virtq *selected_queue(struct virtio_pci *fn)
{
	if (fn->queue_select >= fn->dev->num_queues)
		return NULL;
	return &fn->dev->vqs[fn->queue_select];
}

static void common_image(struct virtio_pci *fn, uint8_t *img)
{
	struct virtio_dev *dev = fn->dev;
	struct virtq *vq = selected_queue(fn);

	memset(img, 0, VIRTIO_PCI_COMMON_LEN);
	put_le32(img + VIRTIO_PCI_COMMON_DFSELECT, fn->dfselect);
	if (fn->dfselect < 2)
		put_le32(img + VIRTIO_PCI_COMMON_DF,
			 (uint32_t)(dev->host_features >> (32 * fn->dfselect)));
	put_le32(img + VIRTIO_PCI_COMMON_GFSELECT, fn->gfselect);
	if (fn->gfselect < 2)
		put_le32(img + VIRTIO_PCI_COMMON_GF,
			 (uint32_t)(dev->driver_features >> (32 * fn->gfselect)));
	put_le16(img + VIRTIO_PCI_COMMON_MSIX, fn->msix_config);
	put_le16(img + VIRTIO_PCI_COMMON_NUMQ, dev->num_queues);
	img[VIRTIO_PCI_COMMON_STATUS] = dev->status;
	img[VIRTIO_PCI_COMMON_CFGGENERATION] = dev->config_generation;
	put_le16(img + VIRTIO_PCI_COMMON_Q_SELECT, fn->queue_select);
	if (!vq)
		return; /* queue_size 0 tells the driver the queue does not exist */
	put_le16(img + VIRTIO_PCI_COMMON_Q_SIZE, vq->size);
	put_le16(img + VIRTIO_PCI_COMMON_Q_MSIX, vq->msix_vector);
	put_le16(img + VIRTIO_PCI_COMMON_Q_ENABLE, vq->enabled);
	put_le16(img + VIRTIO_PCI_COMMON_Q_NOFF, fn->queue_select);
	put_le64(img + VIRTIO_PCI_COMMON_Q_DESCLO, vq->desc_gpa);
	put_le64(img + VIRTIO_PCI_COMMON_Q_AVAILLO, vq->avail_gpa);
	put_le64(img + VIRTIO_PCI_COMMON_Q_USEDLO, vq->used_gpa);
}

static uint16_t valid_vector(const struct virtio_pci *fn, uint16_t v)
{
	/* Unsupported vectors read back as NO_VECTOR (virtio 1.x 4.1.5.1.2). */
	return v < pci_cfg_msix_nvec(&fn->pci) ? v : NO_VECTOR;
}

static void set_half(uint64_t *v, bool hi, uint32_t half)
{
	if (hi)
		*v = (*v & 0xffffffffull) | (uint64_t)half << 32;
	else
		*v = (*v & ~0xffffffffull) | half;
}

/* Applies the value of the common-config field at off from img. */
static void common_apply(struct virtio_pci *fn, unsigned int off, const uint8_t *img)
{
	struct virtio_dev *dev = fn->dev;
	struct virtq *vq = selected_queue(fn);
	bool cfg_open = vq && !vq->enabled;
	uint64_t mask;

	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT:
		fn->dfselect = get_le32(img + off);
		break;
	case VIRTIO_PCI_COMMON_GFSELECT:
		fn->gfselect = get_le32(img + off);
		break;
	case VIRTIO_PCI_COMMON_GF:
		/* Features are frozen once FEATURES_OK is set. */
		if (fn->gfselect >= 2 || (dev->status & VIRTIO_CONFIG_S_FEATURES_OK))
			break;
		mask = 0xffffffffull << (32 * fn->gfselect);
		dev->driver_features = (dev->driver_features & ~mask) |
				       ((uint64_t)get_le32(img + off) << (32 * fn->gfselect));
		break;
	case VIRTIO_PCI_COMMON_MSIX:
		fn->msix_config = valid_vector(fn, get_le16(img + off));
		break;
	case VIRTIO_PCI_COMMON_STATUS:
		virtio_dev_write_status(dev, img[off]);
		break;
	case VIRTIO_PCI_COMMON_Q_SELECT:
		fn->queue_select = get_le16(img + off);
		break;
	case VIRTIO_PCI_COMMON_Q_SIZE:
		if (cfg_open)
			vq->size = get_le16(img + off);
		break;
	case VIRTIO_PCI_COMMON_Q_MSIX:
		if (vq)
			vq->msix_vector = valid_vector(fn, get_le16(img + off));
		break;
	case VIRTIO_PCI_COMMON_Q_ENABLE:
		/* Writing 0 is not allowed by the spec; queues stop only on reset. */
		if (vq && get_le16(img + off) == 1)
			virtio_dev_enable_queue(dev, fn->queue_select);
		break;
	case VIRTIO_PCI_COMMON_Q_DESCLO:
	case VIRTIO_PCI_COMMON_Q_DESCHI:
		if (cfg_open)
			set_half(&vq->desc_gpa, off == VIRTIO_PCI_COMMON_Q_DESCHI,
				 get_le32(img + off));
		break;
	case VIRTIO_PCI_COMMON_Q_AVAILLO:
	case VIRTIO_PCI_COMMON_Q_AVAILHI:
		if (cfg_open)
			set_half(&vq->avail_gpa, off == VIRTIO_PCI_COMMON_Q_AVAILHI,
				 get_le32(img + off));
		break;
	case VIRTIO_PCI_COMMON_Q_USEDLO:
	case VIRTIO_PCI_COMMON_Q_USEDHI:
		if (cfg_open)
			set_half(&vq->used_gpa, off == VIRTIO_PCI_COMMON_Q_USEDHI,
				 get_le32(img + off));
		break;
	default:
		break; /* read-only */
	}
}

/* Every field of the common structure, in offset order: where and how wide. */
static const struct {
	uint8_t off, width;
} common_fields[] = {
	{ VIRTIO_PCI_COMMON_DFSELECT, 4 },  { VIRTIO_PCI_COMMON_DF, 4 },
	{ VIRTIO_PCI_COMMON_GFSELECT, 4 },  { VIRTIO_PCI_COMMON_GF, 4 },
	{ VIRTIO_PCI_COMMON_MSIX, 2 },	    { VIRTIO_PCI_COMMON_NUMQ, 2 },
	{ VIRTIO_PCI_COMMON_STATUS, 1 },    { VIRTIO_PCI_COMMON_CFGGENERATION, 1 },
	{ VIRTIO_PCI_COMMON_Q_SELECT, 2 },  { VIRTIO_PCI_COMMON_Q_SIZE, 2 },
	{ VIRTIO_PCI_COMMON_Q_MSIX, 2 },    { VIRTIO_PCI_COMMON_Q_ENABLE, 2 },
	{ VIRTIO_PCI_COMMON_Q_NOFF, 2 },    { VIRTIO_PCI_COMMON_Q_DESCLO, 4 },
	{ VIRTIO_PCI_COMMON_Q_DESCHI, 4 },  { VIRTIO_PCI_COMMON_Q_AVAILLO, 4 },
	{ VIRTIO_PCI_COMMON_Q_AVAILHI, 4 }, { VIRTIO_PCI_COMMON_Q_USEDLO, 4 },
	{ VIRTIO_PCI_COMMON_Q_USEDHI, 4 },
};

static uint64_t common_read(struct virtio_pci *fn, uint64_t off, uint32_t size)
{
	uint8_t img[VIRTIO_PCI_COMMON_LEN];
	uint64_t v = 0;
	uint32_t i;

	common_image(fn, img);
	for (i = 0; i < size; i++)
		if (off + i < VIRTIO_PCI_COMMON_LEN)
			v |= (uint64_t)img[off + i] << (8 * i);
	return v;
}

static void common_write(struct virtio_pci *fn, uint64_t off, uint32_t size, uint64_t val)
{
	uint8_t img[VIRTIO_PCI_COMMON_LEN];
	size_t k;
	uint32_t i;

	/*
	 * Partial writes of a field keep its other bytes: patch the current
	 * image, then apply each field the access touched, in offset order.
	 */
	common_image(fn, img);
	for (i = 0; i < size; i++)
		if (off + i < VIRTIO_PCI_COMMON_LEN)
			img[off + i] = (uint8_t)(val >> (8 * i));
	for (k = 0; k < sizeof(common_fields) / sizeof(common_fields[0]); k++)
		if (overlaps(off, size, common_fields[k].off, common_fields[k].width))
			common_apply(fn, common_fields[k].off, img);
}

/* ---- BAR register blocks ------------------------------------------------- */

static uint64_t devcfg_read(struct virtio_pci *fn, uint64_t off, uint32_t size)
{
	struct virtio_dev *dev = fn->dev;
	uint8_t buf[8] = { 0 };
	uint64_t v = 0;
	uint32_t n, i;

	if (off >= dev->config_size)
		return 0;
	n = size;
	if (n > dev->config_size - off)
		n = (uint32_t)(dev->config_size - off);
	dev->ops->config_read(dev, (uint32_t)off, buf, n);
	for (i = 0; i < size; i++)
		v |= (uint64_t)buf[i] << (8 * i);
	return v;
}

static void devcfg_write(struct virtio_pci *fn, uint64_t off, uint32_t size, uint64_t val)
{
	struct virtio_dev *dev = fn->dev;
	uint8_t buf[8];
	uint32_t n, i;

	if (off >= dev->config_size || !dev->ops->config_write)
		return;
	for (i = 0; i < size; i++)
		buf[i] = (uint8_t)(val >> (8 * i));
	n = size;
	if (n > dev->config_size - off)
		n = (uint32_t)(dev->config_size - off);
	dev->ops->config_write(dev, (uint32_t)off, buf, n);
}

static int bar_check(const struct virtio_pci *fn, int bar, uint64_t off, uint32_t size)
{
	uint64_t len = pci_cfg_bar_size(&fn->pci, bar);

	if (!len || (size != 1 && size != 2 && size != 4 && size != 8))
		return -EINVAL;
	if (off >= len || size > len - off)
		return -EINVAL;
	return 0;
}

static int bar_read_locked(struct virtio_pci *fn, int bar, uint64_t off, uint32_t size,
			   uint64_t *val)
{
	int err = bar_check(fn, bar, off, size);

	*val = 0;
	if (err) {
		*val = ~0ull;
		return err;
	}
	if (bar == VIRTIO_PCI_BAR_MSIX) {
		/* The rest of the MSI-X BAR reads as zero. */
		pci_cfg_msix_read(&fn->pci, bar, off, size, val);
	} else if (off < VIRTIO_PCI_ISR_OFF) {
		*val = common_read(fn, off, size);
	} else if (off < VIRTIO_PCI_DEVCFG_OFF) {
		if (off == VIRTIO_PCI_ISR_OFF) {
			/* Reading ISR acknowledges it and lowers INTx. */
			*val = fn->isr;
			fn->isr = 0;
			vpci_intx_update(fn);
		}
	} else if (off < VIRTIO_PCI_NOTIFY_OFF) {
		*val = devcfg_read(fn, off - VIRTIO_PCI_DEVCFG_OFF, size);
	}
	/* Notify region reads as zero. */
	if (size < 8)
		*val &= (1ull << (8 * size)) - 1;
	return 0;
}

static int bar_write_locked(struct virtio_pci *fn, int bar, uint64_t off, uint32_t size,
			    uint64_t val)
{
	int err = bar_check(fn, bar, off, size);

	if (err)
		return err;
	if (bar == VIRTIO_PCI_BAR_MSIX) {
		pci_cfg_msix_write(&fn->pci, bar, off, size, val);
	} else if (off < VIRTIO_PCI_ISR_OFF) {
		common_write(fn, off, size, val);
	} else if (off < VIRTIO_PCI_DEVCFG_OFF) {
		/* ISR is read-only. */
	} else if (off < VIRTIO_PCI_NOTIFY_OFF) {
		devcfg_write(fn, off - VIRTIO_PCI_DEVCFG_OFF, size, val);
	} else {
		uint64_t q = (off - VIRTIO_PCI_NOTIFY_OFF) / VIRTIO_PCI_NOTIFY_MULT;

		/* A trapped kick: process the queue right here. */
		if (q < fn->dev->num_queues)
			virtio_dev_process_queue_locked(fn->dev, (uint16_t)q);
	}
	return 0;
}

/* ---- config space --------------------------------------------------------- */

/* Appends a virtio vendor capability pointing at BAR0 + off, length bytes. */
static int cap_vndr(struct virtio_pci *fn, uint8_t at, uint8_t len, uint8_t type, uint32_t off,
		    uint32_t length)
{
	uint8_t *c = pci_cfg_add_cap(&fn->pci, at, PCI_CAP_ID_VNDR, len);

	if (!c)
		return -EINVAL;
	c[VIRTIO_PCI_CAP_LEN] = len;
	c[VIRTIO_PCI_CAP_CFG_TYPE] = type;
	c[VIRTIO_PCI_CAP_BAR] = VIRTIO_PCI_BAR_REGS;
	put_le32(c + VIRTIO_PCI_CAP_OFFSET, off);
	put_le32(c + VIRTIO_PCI_CAP_LENGTH, length);
	return 0;
}

static uint32_t class_for(uint16_t device_id)
{
	switch (device_id) {
	case VIRTIO_ID_NET:
		return 0x020000; /* network, ethernet */
	case VIRTIO_ID_BLOCK:
		return 0x018000; /* mass storage, other */
	case VIRTIO_ID_CONSOLE:
		return 0x078000; /* simple communication, other */
	default:
		return 0xff0000; /* unassigned class */
	}
}

/* The capability list of the layout in virtio_pci.h. */
static int caps_init(struct virtio_pci *fn, uint16_t nvec)
{
	struct virtio_dev *dev = fn->dev;
	uint8_t *m;

	if (cap_vndr(fn, VIRTIO_PCI_CAP_COMMON_AT, sizeof(struct virtio_pci_cap),
		     VIRTIO_PCI_CAP_COMMON_CFG, VIRTIO_PCI_COMMON_OFF, VIRTIO_PCI_COMMON_LEN) ||
	    cap_vndr(fn, VIRTIO_PCI_CAP_NOTIFY_AT, sizeof(struct virtio_pci_notify_cap),
		     VIRTIO_PCI_CAP_NOTIFY_CFG, VIRTIO_PCI_NOTIFY_OFF,
		     (uint32_t)dev->num_queues * VIRTIO_PCI_NOTIFY_MULT) ||
	    cap_vndr(fn, VIRTIO_PCI_CAP_ISR_AT, sizeof(struct virtio_pci_cap),
		     VIRTIO_PCI_CAP_ISR_CFG, VIRTIO_PCI_ISR_OFF, 1) ||
	    (dev->config_size &&
	     cap_vndr(fn, VIRTIO_PCI_CAP_DEVICE_AT, sizeof(struct virtio_pci_cap),
		      VIRTIO_PCI_CAP_DEVICE_CFG, VIRTIO_PCI_DEVCFG_OFF, dev->config_size)) ||
	    cap_vndr(fn, VIRTIO_PCI_CAP_PCICFG_AT, sizeof(struct virtio_pci_cfg_cap),
		     VIRTIO_PCI_CAP_PCI_CFG, 0, 0))
		return -EINVAL;
	put_le32(&fn->pci.regs[VIRTIO_PCI_CAP_NOTIFY_AT + VIRTIO_PCI_NOTIFY_CAP_MULT],
		 VIRTIO_PCI_NOTIFY_MULT);
	/* The PCI cfg access window: bar, offset, length and data are writable. */
	m = &fn->pci.wmask[VIRTIO_PCI_CAP_PCICFG_AT];
	m[VIRTIO_PCI_CAP_BAR] = 0xff;
	memset(m + VIRTIO_PCI_CAP_OFFSET, 0xff, 12);
	return pci_cfg_add_msix(&fn->pci, VIRTIO_PCI_CAP_MSIX_AT, nvec, VIRTIO_PCI_BAR_MSIX,
				VIRTIO_PCI_MSIX_TABLE_OFF, VIRTIO_PCI_MSIX_PBA_OFF);
}

static int cfg_init(struct virtio_pci *fn, const struct virtio_pci_params *p, uint16_t nvec)
{
	uint16_t id = fn->dev->device_id;
	struct pci_cfg_ids ids = {
		.vendor = VIRTIO_PCI_VENDOR_ID,
		.device = (uint16_t)(VIRTIO_PCI_DEVICE_ID_BASE + id),
		.class_code = class_for(id),
		.revision = 1,
		.subsys_vendor = p && p->subsys_vendor ? p->subsys_vendor : VIRTIO_PCI_VENDOR_ID,
		.subsys_id = p && p->subsys_id ? p->subsys_id : (uint16_t)(0x40 + id),
	};

	pci_cfg_init(&fn->pci, &ids, &vpci_pci_ops, fn);
	if (pci_cfg_add_bar64(&fn->pci, VIRTIO_PCI_BAR_REGS, VIRTIO_PCI_BAR0_SIZE, false) ||
	    pci_cfg_add_bar64(&fn->pci, VIRTIO_PCI_BAR_MSIX, VIRTIO_PCI_BAR2_SIZE, false))
		return -EINVAL;
	return caps_init(fn, nvec);
}

int virtio_pci_create(struct virtio_pci **out, struct virtio_dev *dev,
		      const struct virtio_pci_params *params, const struct virtio_pci_host_ops *ops,
		      void *opaque)
{
	static const struct virtio_pci_host_ops no_ops;
	struct virtio_pci *fn;
	uint16_t nvec = params && params->msix_vectors ? params->msix_vectors : dev->num_queues + 1;

	if (dev->num_queues > VIRTIO_PCI_MAX_QUEUES || dev->config_size > VIRTIO_PCI_DEVCFG_MAX ||
	    nvec > VIRTIO_PCI_MSIX_MAX_VECTORS || dev->tops)
		return -EINVAL;
	fn = calloc(1, sizeof(*fn));
	if (!fn)
		return -ENOMEM;
	fn->dev = dev;
	fn->ops = ops ? ops : &no_ops;
	fn->opaque = opaque;
	fn->msix_config = NO_VECTOR;
	if (cfg_init(fn, params, nvec)) {
		free(fn);
		return -EINVAL;
	}
	pthread_mutex_lock(&dev->lock);
	dev->tops = &pci_transport_ops;
	dev->transport = fn;
	pthread_mutex_unlock(&dev->lock);
	*out = fn;
	return 0;
}

void virtio_pci_destroy(struct virtio_pci *fn)
{
	if (!fn)
		return;
	pthread_mutex_lock(&fn->dev->lock);
	fn->dev->tops = NULL;
	fn->dev->transport = NULL;
	pthread_mutex_unlock(&fn->dev->lock);
	free(fn);
}

void virtio_pci_reset(struct virtio_pci *fn)
{
	struct virtio_dev *dev = fn->dev;

	pthread_mutex_lock(&dev->lock);
	/* Virtio first: queues stop and their notify addresses go. */
	virtio_dev_reset(dev);
	/* Then PCI: config space, MSI-X table and PBA back to power-on. */
	pci_cfg_reset(&fn->pci);
	pthread_mutex_unlock(&dev->lock);
}

struct virtio_dev *virtio_pci_dev(struct virtio_pci *fn)
{
	return fn->dev;
}

/* Makes pci_cfg_data reflect the BAR bytes selected by the access capability. */
static void pcicfg_window(struct virtio_pci *fn, bool write)
{
	uint8_t *c = &fn->pci.regs[VIRTIO_PCI_CAP_PCICFG_AT];
	uint8_t *data = c + offsetof(struct virtio_pci_cfg_cap, pci_cfg_data);
	uint8_t bar = c[VIRTIO_PCI_CAP_BAR];
	uint32_t off = get_le32(c + VIRTIO_PCI_CAP_OFFSET);
	uint32_t len = get_le32(c + VIRTIO_PCI_CAP_LENGTH);
	uint64_t v;

	/* Only naturally aligned 1/2/4-byte windows are meaningful (4.1.4.9). */
	if ((len != 1 && len != 2 && len != 4) || off % len)
		return;
	if (write) {
		bar_write_locked(fn, bar, off, len, get_le32(data));
	} else if (bar_read_locked(fn, bar, off, len, &v) == 0) {
		put_le32(data, (uint32_t)v);
	}
}

static bool in_pcicfg_window(uint32_t off, uint32_t size)
{
	return overlaps(off, size,
			VIRTIO_PCI_CAP_PCICFG_AT +
				offsetof(struct virtio_pci_cfg_cap, pci_cfg_data),
			sizeof(((struct virtio_pci_cfg_cap *)0)->pci_cfg_data));
}

int virtio_pci_cfg_read(struct virtio_pci *fn, uint32_t off, uint32_t size, uint32_t *val)
{
	int err;

	pthread_mutex_lock(&fn->dev->lock);
	err = pci_cfg_read(&fn->pci, off, size, val);
	/* A valid read of the window's data does the BAR read first. */
	if (!err && in_pcicfg_window(off, size)) {
		pcicfg_window(fn, false);
		err = pci_cfg_read(&fn->pci, off, size, val);
	}
	pthread_mutex_unlock(&fn->dev->lock);
	return err;
}

int virtio_pci_cfg_write(struct virtio_pci *fn, uint32_t off, uint32_t size, uint32_t val)
{
	int err;

	pthread_mutex_lock(&fn->dev->lock);
	err = pci_cfg_write(&fn->pci, off, size, val);
	if (!err && in_pcicfg_window(off, size))
		pcicfg_window(fn, true);
	pthread_mutex_unlock(&fn->dev->lock);
	return err;
}

int virtio_pci_bar_read(struct virtio_pci *fn, int bar, uint64_t off, uint32_t size, uint64_t *val)
{
	int err;

	pthread_mutex_lock(&fn->dev->lock);
	err = bar_read_locked(fn, bar, off, size, val);
	pthread_mutex_unlock(&fn->dev->lock);
	return err;
}

int virtio_pci_bar_write(struct virtio_pci *fn, int bar, uint64_t off, uint32_t size, uint64_t val)
{
	int err;

	pthread_mutex_lock(&fn->dev->lock);
	err = bar_write_locked(fn, bar, off, size, val);
	pthread_mutex_unlock(&fn->dev->lock);
	return err;
}

int virtio_pci_mmio_read(struct virtio_pci *fn, uint64_t gpa, uint32_t size, uint64_t *val)
{
	uint64_t off;
	int bar, err;

	pthread_mutex_lock(&fn->dev->lock);
	err = pci_cfg_bar_find(&fn->pci, gpa, &bar, &off);
	if (!err)
		err = bar_read_locked(fn, bar, off, size, val);
	else
		*val = ~0ull;
	pthread_mutex_unlock(&fn->dev->lock);
	return err;
}

int virtio_pci_mmio_write(struct virtio_pci *fn, uint64_t gpa, uint32_t size, uint64_t val)
{
	uint64_t off;
	int bar, err;

	pthread_mutex_lock(&fn->dev->lock);
	err = pci_cfg_bar_find(&fn->pci, gpa, &bar, &off);
	if (!err)
		err = bar_write_locked(fn, bar, off, size, val);
	pthread_mutex_unlock(&fn->dev->lock);
	return err;
}

bool virtio_pci_bar_mapping(struct virtio_pci *fn, int bar, uint64_t *gpa, uint64_t *size)
{
	bool mapped;

	pthread_mutex_lock(&fn->dev->lock);
	mapped = pci_cfg_bar_mapping(&fn->pci, bar, gpa, size);
	pthread_mutex_unlock(&fn->dev->lock);
	return mapped;
}

bool virtio_pci_msix_pending(struct virtio_pci *fn, uint16_t vector)
{
	bool p;

	pthread_mutex_lock(&fn->dev->lock);
	p = pci_cfg_msix_pending(&fn->pci, vector);
	pthread_mutex_unlock(&fn->dev->lock);
	return p;
}
