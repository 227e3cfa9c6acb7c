// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "fake_platform.h"

static int fp_mmio_window(void *ctx, int bar, uint64_t gpa, uint64_t size, bool add)
{
	struct fake_platform *fp = ctx;
	struct fp_window *w;

	fp->window_calls++;
	if (fp->fail_window)
		return fp->fail_window;
	if (bar < 0 || bar >= FP_NR_BARS) {
		fp->misuse++;
		return -EINVAL;
	}
	w = &fp->win[bar];
	if (!add) {
		if (!w->active || w->gpa != gpa || w->size != size) {
			fp->misuse++;
			return -ENOENT;
		}
		w->active = false;
		return 0;
	}
	/* Adding over an active window moves it, as the KVM platform does. */
	*w = (struct fp_window){ .active = true, .gpa = gpa, .size = size };
	return 0;
}

static int fp_ioeventfd(void *ctx, uint16_t q, uint64_t gpa, int fd, bool assign)
{
	struct fake_platform *fp = ctx;
	struct fp_kick *k;

	fp->ioeventfd_calls++;
	if (fp->fail_ioeventfd)
		return fp->fail_ioeventfd;
	if (q >= VIRTIO_HOST_MAX_QUEUES || fd < 0) {
		fp->misuse++;
		return -EINVAL;
	}
	k = &fp->kick[q];
	if (!assign) {
		if (!k->bound || k->gpa != gpa || k->fd != fd) {
			fp->misuse++;
			return -ENOENT;
		}
		k->bound = false;
		return 0;
	}
	for (unsigned int i = 0; i < VIRTIO_HOST_MAX_QUEUES; i++) {
		if (fp->kick[i].bound && (i == q || fp->kick[i].gpa == gpa)) {
			fp->misuse++;
			return -EEXIST;
		}
	}
	*k = (struct fp_kick){ .bound = true, .gpa = gpa, .fd = fd };
	return 0;
}

static int fp_irqfd(void *ctx, uint16_t v, int fd, uint64_t addr, uint32_t data, bool masked)
{
	struct fake_platform *fp = ctx;

	fp->irqfd_calls++;
	if (fp->fail_irqfd)
		return fp->fail_irqfd;
	if (v >= VIRTIO_HOST_MAX_VECTORS || fd < 0) {
		fp->misuse++;
		return -EINVAL;
	}
	fp->route[v] = (struct fp_route){
		.set = true,
		.masked = masked,
		.fd = fd,
		.addr = addr,
		.data = data,
	};
	return 0;
}

static int fp_msi(void *ctx, uint64_t addr, uint32_t data)
{
	struct fake_platform *fp = ctx;

	fp->msi_calls++;
	if (fp->fail_msi)
		return fp->fail_msi;
	if (fp->nmsi == FP_MAX_MSI)
		return -ENOSPC;
	fp->msi[fp->nmsi++] = (struct fp_msi){ .addr = addr, .data = data };
	if (fp->on_msi)
		fp->on_msi(fp->on_msi_arg);
	return 0;
}

static int fp_set_intx(void *ctx, bool level)
{
	struct fake_platform *fp = ctx;

	fp->intx_calls++;
	if (fp->fail_intx)
		return fp->fail_intx;
	fp->intx = level;
	return 0;
}

const struct virtio_host_platform fake_platform_ops = {
	.mmio_window = fp_mmio_window,
	.ioeventfd = fp_ioeventfd,
	.irqfd = fp_irqfd,
	.msi = fp_msi,
	.set_intx = fp_set_intx,
};

const struct virtio_host_platform fake_platform_ops_no_msi = {
	.mmio_window = fp_mmio_window,
	.ioeventfd = fp_ioeventfd,
	.irqfd = fp_irqfd,
	.set_intx = fp_set_intx,
};

void fp_init(struct fake_platform *fp)
{
	memset(fp, 0, sizeof(*fp));
	for (unsigned int q = 0; q < VIRTIO_HOST_MAX_QUEUES; q++)
		fp->kick[q].fd = -1;
	for (unsigned int v = 0; v < VIRTIO_HOST_MAX_VECTORS; v++)
		fp->route[v].fd = -1;
}

int fp_mmio(struct fake_platform *fp, struct virtio_host *vh, uint64_t gpa, uint32_t size,
	    uint64_t *val, bool is_write, int *err)
{
	uint64_t one = 1;

	/* A KVM ioeventfd bound with len 2 takes the driver's 16-bit notify writes. */
	for (unsigned int q = 0; is_write && size == 2 && q < VIRTIO_HOST_MAX_QUEUES; q++) {
		if (fp->kick[q].bound && fp->kick[q].gpa == gpa) {
			*err = write(fp->kick[q].fd, &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
			return FP_KICKED;
		}
	}
	for (int bar = 0; bar < FP_NR_BARS; bar++) {
		const struct fp_window *w = &fp->win[bar];

		if (w->active && gpa >= w->gpa && gpa - w->gpa < w->size) {
			*err = virtio_host_bar_access(vh, bar, gpa - w->gpa, size, val, is_write);
			return FP_TRAPPED;
		}
	}
	return -ENOENT;
}

uint64_t fp_window_gpa(const struct fake_platform *fp, int bar)
{
	return fp->win[bar].active ? fp->win[bar].gpa : 0;
}

unsigned int fp_take_msi(struct fake_platform *fp, uint64_t addr, uint32_t data)
{
	unsigned int kept = 0, taken = 0;

	for (unsigned int i = 0; i < fp->nmsi; i++) {
		if (fp->msi[i].addr == addr && fp->msi[i].data == data)
			taken++;
		else
			fp->msi[kept++] = fp->msi[i];
	}
	fp->nmsi = kept;
	return taken;
}

uint64_t fp_eventfd_take(int fd)
{
	uint64_t cnt;

	if (fd < 0 || read(fd, &cnt, sizeof(cnt)) != sizeof(cnt))
		return 0;
	return cnt;
}
