// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-pci function model. Config space is a byte image plus a per-byte
 * writable mask, which gives real-hardware semantics for free (BAR sizing:
 * write all-ones, read back the size mask; read-only fields stay put).
 * Registers with side effects are handled after the bytes are patched.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/pci_regs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_pci.h>

#include <splitvirt/log.h>
#include <splitvirt/le_bytes.h>
#include <splitvirt/virtio_pci.h>

#include "virtio_pci_internal.h"

#define NO_VECTOR VIRTIO_MSI_NO_VECTOR
#define ISR_QUEUE 0x1
#define ISR_CONFIG 0x2

static const uint64_t bar_size[6] = { VIRTIO_PCI_BAR0_SIZE, 0, VIRTIO_PCI_BAR2_SIZE, 0, 0, 0 };

static bool overlaps(uint64_t off, uint64_t len, uint64_t start, uint64_t n)
{
	return off < start + n && start < off + len;
}

/* ---- interrupts ---------------------------------------------------------- */

static uint16_t msix_ctrl(const struct virtio_pci *fn)
{
	return get_le16(&fn->cfg[VIRTIO_PCI_CAP_MSIX_AT + PCI_MSIX_FLAGS]);
}

static bool msix_enabled(const struct virtio_pci *fn)
{
	return msix_ctrl(fn) & PCI_MSIX_FLAGS_ENABLE;
}

static bool msix_vector_masked(const struct virtio_pci *fn, uint16_t v)
{
	return !msix_enabled(fn) || (msix_ctrl(fn) & PCI_MSIX_FLAGS_MASKALL) ||
	       (fn->msix_table[v * 16 + PCI_MSIX_ENTRY_VECTOR_CTRL] & PCI_MSIX_ENTRY_CTRL_MASKBIT);
}

static uint64_t msix_addr(const struct virtio_pci *fn, uint16_t v)
{
	return get_le64(&fn->msix_table[v * 16 + PCI_MSIX_ENTRY_LOWER_ADDR]);
}

static uint32_t msix_data(const struct virtio_pci *fn, uint16_t v)
{
	return get_le32(&fn->msix_table[v * 16 + PCI_MSIX_ENTRY_DATA]);
}

static void msix_fire(struct virtio_pci *fn, uint16_t v)
{
	if (v == NO_VECTOR || v >= fn->nvec)
		return;
	if (msix_vector_masked(fn, v)) {
		fn->pba[v / 64] |= 1ull << (v % 64);
		return;
	}
	if (fn->ops->signal_msix)
		fn->ops->signal_msix(fn->opaque, v, msix_addr(fn, v), msix_data(fn, v));
}

/* Reports vector v to the host and delivers a pending message once unmasked. */
void vpci_msix_vector_update(struct virtio_pci *fn, uint16_t v)
{
	bool masked = msix_vector_masked(fn, v);

	if (fn->ops->msix_changed)
		fn->ops->msix_changed(fn->opaque, v, msix_addr(fn, v), msix_data(fn, v), masked);
	if (!masked && (fn->pba[v / 64] & (1ull << (v % 64)))) {
		fn->pba[v / 64] &= ~(1ull << (v % 64));
		msix_fire(fn, v);
	}
}

void vpci_intx_update(struct virtio_pci *fn)
{
	uint16_t cmd = get_le16(&fn->cfg[PCI_COMMAND]);
	bool level = fn->isr && !msix_enabled(fn) && !(cmd & PCI_COMMAND_INTX_DISABLE);

	if (fn->isr && !msix_enabled(fn))
		fn->cfg[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
	else
		fn->cfg[PCI_STATUS] &= ~PCI_STATUS_INTERRUPT;
	if (level == fn->intx_level)
		return;
	fn->intx_level = level;
	if (fn->ops->set_intx)
		fn->ops->set_intx(fn->opaque, level);
}

static void pci_signal_queue(struct virtio_dev *dev, struct virtq *vq)
{
	struct virtio_pci *fn = dev->transport;

	if (msix_enabled(fn)) {
		msix_fire(fn, vq->msix_vector);
		return;
	}
	fn->isr |= ISR_QUEUE;
	vpci_intx_update(fn);
}

static void pci_signal_config(struct virtio_dev *dev)
{
	struct virtio_pci *fn = dev->transport;

	if (msix_enabled(fn)) {
		msix_fire(fn, fn->msix_config);
		return;
	}
	fn->isr |= ISR_CONFIG;
	vpci_intx_update(fn);
}

/* ---- BAR placement and notify addresses ---------------------------------- */

static uint64_t notify_gpa(const struct virtio_pci *fn, uint16_t q)
{
	return fn->bars[VIRTIO_PCI_BAR_REGS].gpa + VIRTIO_PCI_NOTIFY_OFF +
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

/* Recomputes which notify addresses the host should watch. */
void vpci_notify_sync(struct virtio_pci *fn)
{
	uint16_t q;

	for (q = 0; q < fn->dev->num_queues; q++)
		notify_set(fn, q, fn->bars[VIRTIO_PCI_BAR_REGS].mapped && fn->dev->vqs[q].enabled);
}

static void notify_clear_all(struct virtio_pci *fn)
{
	uint16_t q;

	for (q = 0; q < fn->dev->num_queues; q++)
		notify_set(fn, q, false);
}

static uint64_t bar_reg_gpa(const struct virtio_pci *fn, int bar)
{
	const uint8_t *r = &fn->cfg[PCI_BASE_ADDRESS_0 + 4 * bar];

	return (get_le32(r) & PCI_BASE_ADDRESS_MEM_MASK) | (uint64_t)get_le32(r + 4) << 32;
}

void vpci_bars_update(struct virtio_pci *fn)
{
	bool decode = get_le16(&fn->cfg[PCI_COMMAND]) & PCI_COMMAND_MEMORY;
	int bar;

	for (bar = 0; bar < 6; bar++) {
		struct bar_state *b = &fn->bars[bar];
		struct bar_state nb;

		if (!bar_size[bar])
			continue;
		nb.gpa = bar_reg_gpa(fn, bar);
		nb.mapped = decode;
		if (nb.gpa == b->gpa && nb.mapped == b->mapped)
			continue;
		if (bar == VIRTIO_PCI_BAR_REGS)
			notify_clear_all(fn);
		if (b->mapped && fn->ops->bar_changed)
			fn->ops->bar_changed(fn->opaque, bar, b->gpa, bar_size[bar], false);
		*b = nb;
		if (b->mapped && fn->ops->bar_changed)
			fn->ops->bar_changed(fn->opaque, bar, b->gpa, bar_size[bar], true);
		if (bar == VIRTIO_PCI_BAR_REGS)
			vpci_notify_sync(fn);
	}
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
		notify_set(fn, qidx, enabled && fn->bars[VIRTIO_PCI_BAR_REGS].mapped);
}

static const struct virtio_transport_ops pci_transport_ops = {
	.signal_queue = pci_signal_queue,
	.signal_config = pci_signal_config,
	.queue_state = pci_queue_state,
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
	return v < fn->nvec ? v : NO_VECTOR;
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

static uint64_t msix_bar_read(struct virtio_pci *fn, uint64_t off, uint32_t size)
{
	uint64_t v = 0, tlen = (uint64_t)fn->nvec * 16;
	uint32_t i;

	for (i = 0; i < size; i++) {
		uint64_t o = off + i;
		uint8_t b = 0;

		if (o < VIRTIO_PCI_MSIX_TABLE_OFF + tlen) {
			b = fn->msix_table[o - VIRTIO_PCI_MSIX_TABLE_OFF];
		} else if (o >= VIRTIO_PCI_MSIX_PBA_OFF &&
			   o < VIRTIO_PCI_MSIX_PBA_OFF + sizeof(fn->pba)) {
			uint64_t po = o - VIRTIO_PCI_MSIX_PBA_OFF;

			b = (uint8_t)(fn->pba[po / 8] >> (8 * (po % 8)));
		}
		v |= (uint64_t)b << (8 * i);
	}
	return v;
}

static void msix_bar_write(struct virtio_pci *fn, uint64_t off, uint32_t size, uint64_t val)
{
	uint64_t tlen = (uint64_t)fn->nvec * 16;
	uint16_t first, last, v;
	uint8_t old[32]; /* at most two entries for one access */
	uint32_t i;

	if (off >= tlen)
		return; /* the PBA is read-only */
	first = (uint16_t)(off / 16);
	last = (uint16_t)((off + size - 1 < tlen ? off + size - 1 : tlen - 1) / 16);
	memcpy(old, &fn->msix_table[first * 16], (size_t)(last - first + 1) * 16);
	for (i = 0; i < size && off + i < tlen; i++)
		fn->msix_table[off + i] = (uint8_t)(val >> (8 * i));
	for (v = first; v <= last; v++) {
		uint8_t *e = &fn->msix_table[v * 16];

		/* Only the mask bit of Vector Control is implemented. */
		e[PCI_MSIX_ENTRY_VECTOR_CTRL] &= PCI_MSIX_ENTRY_CTRL_MASKBIT;
		e[PCI_MSIX_ENTRY_VECTOR_CTRL + 1] = 0;
		e[PCI_MSIX_ENTRY_VECTOR_CTRL + 2] = 0;
		e[PCI_MSIX_ENTRY_VECTOR_CTRL + 3] = 0;
		if (memcmp(old + (v - first) * 16, e, 16))
			vpci_msix_vector_update(fn, v);
	}
}

static int bar_check(int bar, uint64_t off, uint32_t size)
{
	if (bar < 0 || bar >= 6 || !bar_size[bar])
		return -EINVAL;
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return -EINVAL;
	if (off >= bar_size[bar] || size > bar_size[bar] - off)
		return -EINVAL;
	return 0;
}

static int bar_read_locked(struct virtio_pci *fn, int bar, uint64_t off, uint32_t size,
			   uint64_t *val)
{
	int err = bar_check(bar, off, size);

	*val = 0;
	if (err) {
		*val = ~0ull;
		return err;
	}
	if (bar == VIRTIO_PCI_BAR_MSIX) {
		*val = msix_bar_read(fn, off, size);
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
	int err = bar_check(bar, off, size);

	if (err)
		return err;
	if (bar == VIRTIO_PCI_BAR_MSIX) {
		msix_bar_write(fn, off, size, val);
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

static void cap_vndr(struct virtio_pci *fn, uint8_t at, uint8_t next, uint8_t len, uint8_t type,
		     uint8_t bar, uint32_t off, uint32_t length)
{
	uint8_t *c = &fn->cfg[at];

	c[0] = PCI_CAP_ID_VNDR;
	c[1] = next;
	c[2] = len;
	c[3] = type;
	c[4] = bar;
	put_le32(c + 8, off);
	put_le32(c + 12, length);
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

static void cfg_init(struct virtio_pci *fn, const struct virtio_pci_params *p)
{
	struct virtio_dev *dev = fn->dev;
	uint32_t class = class_for(dev->device_id);
	uint8_t after_isr = dev->config_size ? VIRTIO_PCI_CAP_DEVICE_AT : VIRTIO_PCI_CAP_PCICFG_AT;
	uint8_t *m;

	put_le16(&fn->cfg[PCI_VENDOR_ID], VIRTIO_PCI_VENDOR_ID);
	put_le16(&fn->cfg[PCI_DEVICE_ID], VIRTIO_PCI_DEVICE_ID_BASE + dev->device_id);
	put_le16(&fn->cfg[PCI_STATUS], PCI_STATUS_CAP_LIST);
	fn->cfg[PCI_REVISION_ID] = 1;
	fn->cfg[PCI_CLASS_PROG] = (uint8_t) class;
	put_le16(&fn->cfg[PCI_CLASS_DEVICE], (uint16_t)(class >> 8));
	fn->cfg[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_NORMAL;
	put_le16(&fn->cfg[PCI_SUBSYSTEM_VENDOR_ID],
		 p && p->subsys_vendor ? p->subsys_vendor : VIRTIO_PCI_VENDOR_ID);
	put_le16(&fn->cfg[PCI_SUBSYSTEM_ID],
		 p && p->subsys_id ? p->subsys_id : 0x40 + dev->device_id);
	fn->cfg[PCI_CAPABILITY_LIST] = VIRTIO_PCI_CAP_COMMON_AT;
	fn->cfg[PCI_INTERRUPT_PIN] = 1; /* INTA# */

	/* BAR0 and BAR2: 64-bit memory; the mask makes sizing work. */
	put_le32(&fn->cfg[PCI_BASE_ADDRESS_0], PCI_BASE_ADDRESS_MEM_TYPE_64);
	put_le32(&fn->wmask[PCI_BASE_ADDRESS_0], ~(uint32_t)(VIRTIO_PCI_BAR0_SIZE - 1));
	put_le32(&fn->wmask[PCI_BASE_ADDRESS_1], 0xffffffff);
	put_le32(&fn->cfg[PCI_BASE_ADDRESS_2], PCI_BASE_ADDRESS_MEM_TYPE_64);
	put_le32(&fn->wmask[PCI_BASE_ADDRESS_2], ~(uint32_t)(VIRTIO_PCI_BAR2_SIZE - 1));
	put_le32(&fn->wmask[PCI_BASE_ADDRESS_3], 0xffffffff);

	put_le16(&fn->wmask[PCI_COMMAND], PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
						  PCI_COMMAND_INTX_DISABLE);
	fn->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
	fn->wmask[PCI_INTERRUPT_LINE] = 0xff;

	cap_vndr(fn, VIRTIO_PCI_CAP_COMMON_AT, VIRTIO_PCI_CAP_NOTIFY_AT, 16,
		 VIRTIO_PCI_CAP_COMMON_CFG, 0, VIRTIO_PCI_COMMON_OFF, VIRTIO_PCI_COMMON_LEN);
	cap_vndr(fn, VIRTIO_PCI_CAP_NOTIFY_AT, VIRTIO_PCI_CAP_ISR_AT, 20, VIRTIO_PCI_CAP_NOTIFY_CFG,
		 0, VIRTIO_PCI_NOTIFY_OFF, (uint32_t)dev->num_queues * VIRTIO_PCI_NOTIFY_MULT);
	put_le32(&fn->cfg[VIRTIO_PCI_CAP_NOTIFY_AT + 16], VIRTIO_PCI_NOTIFY_MULT);
	cap_vndr(fn, VIRTIO_PCI_CAP_ISR_AT, after_isr, 16, VIRTIO_PCI_CAP_ISR_CFG, 0,
		 VIRTIO_PCI_ISR_OFF, 1);
	if (dev->config_size)
		cap_vndr(fn, VIRTIO_PCI_CAP_DEVICE_AT, VIRTIO_PCI_CAP_PCICFG_AT, 16,
			 VIRTIO_PCI_CAP_DEVICE_CFG, 0, VIRTIO_PCI_DEVCFG_OFF, dev->config_size);
	cap_vndr(fn, VIRTIO_PCI_CAP_PCICFG_AT, VIRTIO_PCI_CAP_MSIX_AT, 20, VIRTIO_PCI_CAP_PCI_CFG,
		 0, 0, 0);
	/* The PCI cfg access window: bar, offset, length and data are writable. */
	m = &fn->wmask[VIRTIO_PCI_CAP_PCICFG_AT];
	m[4] = 0xff;
	memset(m + 8, 0xff, 12);

	m = &fn->cfg[VIRTIO_PCI_CAP_MSIX_AT];
	m[0] = PCI_CAP_ID_MSIX;
	m[1] = 0;
	put_le16(m + PCI_MSIX_FLAGS, (uint16_t)(fn->nvec - 1));
	put_le32(m + PCI_MSIX_TABLE, VIRTIO_PCI_MSIX_TABLE_OFF | VIRTIO_PCI_BAR_MSIX);
	put_le32(m + PCI_MSIX_PBA, VIRTIO_PCI_MSIX_PBA_OFF | VIRTIO_PCI_BAR_MSIX);
	fn->wmask[VIRTIO_PCI_CAP_MSIX_AT + PCI_MSIX_FLAGS + 1] =
		(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL) >> 8;
}

int virtio_pci_create(struct virtio_pci **out, struct virtio_dev *dev,
		      const struct virtio_pci_params *params, const struct virtio_pci_host_ops *ops,
		      void *opaque)
{
	static const struct virtio_pci_host_ops no_ops;
	struct virtio_pci *fn;
	uint16_t nvec = params && params->msix_vectors ? params->msix_vectors : dev->num_queues + 1;
	uint16_t v;

	if (dev->num_queues > VIRTIO_PCI_MAX_QUEUES || dev->config_size > VIRTIO_PCI_DEVCFG_MAX ||
	    nvec > VIRTIO_PCI_MSIX_MAX_VECTORS || dev->tops)
		return -EINVAL;
	fn = calloc(1, sizeof(*fn));
	if (!fn)
		return -ENOMEM;
	fn->dev = dev;
	fn->ops = ops ? ops : &no_ops;
	fn->opaque = opaque;
	fn->nvec = nvec;
	fn->msix_config = NO_VECTOR;
	for (v = 0; v < nvec; v++)
		fn->msix_table[v * 16 + PCI_MSIX_ENTRY_VECTOR_CTRL] = PCI_MSIX_ENTRY_CTRL_MASKBIT;
	cfg_init(fn, params);
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
	/* Then PCI: every guest-writable byte back to its power-on value (0). */
	for (unsigned int o = 0; o < VIRTIO_PCI_CFG_SIZE; o++)
		fn->cfg[o] &= (uint8_t)~fn->wmask[o];
	memset(fn->msix_table, 0, sizeof(fn->msix_table));
	for (uint16_t v = 0; v < fn->nvec; v++)
		fn->msix_table[v * 16 + PCI_MSIX_ENTRY_VECTOR_CTRL] = PCI_MSIX_ENTRY_CTRL_MASKBIT;
	memset(fn->pba, 0, sizeof(fn->pba));
	vpci_bars_update(fn);
	for (uint16_t v = 0; v < fn->nvec; v++)
		vpci_msix_vector_update(fn, v);
	vpci_intx_update(fn);
	pthread_mutex_unlock(&dev->lock);
}

struct virtio_dev *virtio_pci_dev(struct virtio_pci *fn)
{
	return fn->dev;
}

/* Makes pci_cfg_data reflect the BAR bytes selected by the access capability. */
static void pcicfg_window(struct virtio_pci *fn, bool write)
{
	uint8_t *c = &fn->cfg[VIRTIO_PCI_CAP_PCICFG_AT];
	uint8_t bar = c[4];
	uint32_t off = get_le32(c + 8), len = get_le32(c + 12);
	uint64_t v;

	/* Only naturally aligned 1/2/4-byte windows are meaningful (4.1.4.9). */
	if ((len != 1 && len != 2 && len != 4) || off % len)
		return;
	if (write) {
		bar_write_locked(fn, bar, off, len, get_le32(c + 16));
	} else if (bar_read_locked(fn, bar, off, len, &v) == 0) {
		put_le32(c + 16, (uint32_t)v);
	}
}

static int cfg_check(uint32_t off, uint32_t size)
{
	if (size != 1 && size != 2 && size != 4)
		return -EINVAL;
	if (off >= VIRTIO_PCI_EXT_CFG_SIZE || size > VIRTIO_PCI_EXT_CFG_SIZE - off)
		return -EINVAL;
	return 0;
}

int virtio_pci_cfg_read(struct virtio_pci *fn, uint32_t off, uint32_t size, uint32_t *val)
{
	uint32_t i, v = 0;
	int err = cfg_check(off, size);

	if (err) {
		*val = ~0u;
		return err;
	}
	pthread_mutex_lock(&fn->dev->lock);
	if (overlaps(off, size, VIRTIO_PCI_CAP_PCICFG_AT + 16, 4))
		pcicfg_window(fn, false);
	for (i = 0; i < size; i++)
		if (off + i < VIRTIO_PCI_CFG_SIZE)
			v |= (uint32_t)fn->cfg[off + i] << (8 * i);
	pthread_mutex_unlock(&fn->dev->lock);
	*val = v;
	return 0;
}

int virtio_pci_cfg_write(struct virtio_pci *fn, uint32_t off, uint32_t size, uint32_t val)
{
	uint16_t old_msix;
	uint16_t old_cmd;
	uint32_t i;
	uint16_t v;
	int err = cfg_check(off, size);

	if (err)
		return err;
	pthread_mutex_lock(&fn->dev->lock);
	old_msix = msix_ctrl(fn);
	old_cmd = get_le16(&fn->cfg[PCI_COMMAND]);
	for (i = 0; i < size; i++) {
		uint32_t o = off + i;
		uint8_t b = (uint8_t)(val >> (8 * i));

		if (o < VIRTIO_PCI_CFG_SIZE)
			fn->cfg[o] = (fn->cfg[o] & ~fn->wmask[o]) | (b & fn->wmask[o]);
	}
	if (overlaps(off, size, VIRTIO_PCI_CAP_PCICFG_AT + 16, 4))
		pcicfg_window(fn, true);
	if (overlaps(off, size, PCI_COMMAND, 2) || overlaps(off, size, PCI_BASE_ADDRESS_0, 24))
		vpci_bars_update(fn);
	if (msix_ctrl(fn) != old_msix) {
		for (v = 0; v < fn->nvec; v++)
			vpci_msix_vector_update(fn, v);
		vpci_intx_update(fn);
	}
	if ((old_cmd ^ get_le16(&fn->cfg[PCI_COMMAND])) & PCI_COMMAND_INTX_DISABLE)
		vpci_intx_update(fn);
	pthread_mutex_unlock(&fn->dev->lock);
	return 0;
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

static int mmio_resolve(struct virtio_pci *fn, uint64_t gpa, int *bar, uint64_t *off)
{
	int b;

	for (b = 0; b < 6; b++) {
		const struct bar_state *s = &fn->bars[b];

		if (bar_size[b] && s->mapped && gpa >= s->gpa && gpa - s->gpa < bar_size[b]) {
			*bar = b;
			*off = gpa - s->gpa;
			return 0;
		}
	}
	return -ENOENT;
}

int virtio_pci_mmio_read(struct virtio_pci *fn, uint64_t gpa, uint32_t size, uint64_t *val)
{
	uint64_t off;
	int bar, err;

	pthread_mutex_lock(&fn->dev->lock);
	err = mmio_resolve(fn, gpa, &bar, &off);
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
	err = mmio_resolve(fn, gpa, &bar, &off);
	if (!err)
		err = bar_write_locked(fn, bar, off, size, val);
	pthread_mutex_unlock(&fn->dev->lock);
	return err;
}

bool virtio_pci_bar_mapping(struct virtio_pci *fn, int bar, uint64_t *gpa, uint64_t *size)
{
	bool mapped;

	if (bar < 0 || bar >= 6 || !bar_size[bar])
		return false;
	pthread_mutex_lock(&fn->dev->lock);
	mapped = fn->bars[bar].mapped;
	if (gpa)
		*gpa = fn->bars[bar].gpa;
	if (size)
		*size = bar_size[bar];
	pthread_mutex_unlock(&fn->dev->lock);
	return mapped;
}

bool virtio_pci_msix_pending(struct virtio_pci *fn, uint16_t vector)
{
	bool p;

	if (vector >= fn->nvec)
		return false;
	pthread_mutex_lock(&fn->dev->lock);
	p = fn->pba[vector / 64] & (1ull << (vector % 64));
	pthread_mutex_unlock(&fn->dev->lock);
	return p;
}
