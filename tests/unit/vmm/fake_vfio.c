// SPDX-License-Identifier: GPL-2.0
/* Fake of vmm/vfio.c (see fake_vfio.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/pci_regs.h>

#include "fake_vfio.h"

struct fake_vfio fake_vfio;

void fake_vfio_reset(void)
{
	memset(&fake_vfio, 0, sizeof(fake_vfio));
	fake_vfio.unmask_fd = -1;
}

void vfio_container_init(struct vfio_container *c)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

int vfio_device_open(struct vfio_container *c, const char *bdf, struct vfio_device *d)
{
	(void)c;
	memset(d, 0, sizeof(*d));
	snprintf(d->bdf, sizeof(d->bdf), "%s", bdf);
	d->fd = 1000; /* never used as an fd by the code under test */
	d->cfg_size = sizeof(fake_vfio.cfg);
	memcpy(d->bars, fake_vfio.bars, sizeof(d->bars));
	memcpy(d->irq_count, fake_vfio.irq_count, sizeof(d->irq_count));
	d->can_reset = true;
	return 0;
}

int vfio_dma_map(struct vfio_container *c, uint64_t gpa, uint64_t size, void *host)
{
	(void)c;
	(void)gpa;
	(void)size;
	(void)host;
	return 0;
}

int vfio_cfg_read(const struct vfio_device *d, uint32_t off, uint32_t size, uint32_t *val)
{
	uint32_t v = 0;

	if (off + size > d->cfg_size) {
		*val = ~0u;
		return -EIO;
	}
	memcpy(&v, &fake_vfio.cfg[off], size);
	*val = v;
	return 0;
}

int vfio_cfg_write(const struct vfio_device *d, uint32_t off, uint32_t size, uint32_t val)
{
	if (off + size > d->cfg_size)
		return -EIO;
	if (off == PCI_COMMAND && size == 2) {
		fake_vfio.cmd_writes++;
		fake_vfio.cmd = (uint16_t)val;
	}
	return 0;
}

int vfio_bar_rw(const struct vfio_device *d, int bar, uint64_t off, void *data, unsigned int len,
		bool write)
{
	(void)d;
	(void)bar;
	(void)off;
	if (!write)
		memset(data, 0, len);
	return 0;
}

int vfio_irq_set(const struct vfio_device *d, enum vfio_irq_kind kind, const int *fds,
		 unsigned int n)
{
	if ((unsigned int)kind > VFIO_IRQ_MSIX || n > d->irq_count[kind] || n > 8)
		return -EINVAL;
	/* VFIO has one kind on at a time. */
	for (unsigned int k = 0; n && k <= VFIO_IRQ_MSIX; k++)
		if (k != kind && fake_vfio.on[k])
			return -EINVAL;
	fake_vfio.irq_sets++;
	fake_vfio.on[kind] = (int)n;
	if (n)
		memcpy(fake_vfio.fds[kind], fds, n * sizeof(*fds));
	if (kind == VFIO_IRQ_INTX && !n)
		fake_vfio.unmask_fd = -1;
	return 0;
}

int vfio_intx_unmask_fd(const struct vfio_device *d, int fd)
{
	(void)d;
	if (!fake_vfio.on[VFIO_IRQ_INTX])
		return -EINVAL;
	fake_vfio.unmask_fd = fd;
	return 0;
}

void vfio_device_close(struct vfio_device *d)
{
	for (unsigned int k = 0; k <= VFIO_IRQ_MSIX; k++)
		fake_vfio.on[k] = 0;
	fake_vfio.resets++;
	fake_vfio.closes++;
	d->fd = -1;
}

void vfio_container_close(struct vfio_container *c)
{
	vfio_container_init(c);
}
