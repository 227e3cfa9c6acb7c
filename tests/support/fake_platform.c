// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "fake_platform.h"

/* A call that contradicts the platform's state: counted, and refused with err. */
static int fp_misuse(struct fake_platform *fp, int err)
{
	fp->misuse++;
	return err;
}

/*
 * Counts a call of an op; returns the failure injected for it, -EINVAL
 * (a misuse) if its arguments are out of range, or 0.
 */
static int fp_call(struct fake_platform *fp, unsigned int *calls, int fail, bool args_ok)
{
	(*calls)++;
	if (fail)
		return fail;
	return args_ok ? 0 : fp_misuse(fp, -EINVAL);
}

/* Takes down what *active says is up, if it is the one the caller names (same). */
static int fp_take_down(struct fake_platform *fp, bool *active, bool same)
{
	if (!*active || !same)
		return fp_misuse(fp, -ENOENT);
	*active = false;
	return 0;
}

static int fp_mmio_window(void *ctx, int bar, uint64_t gpa, uint64_t size, bool add)
{
	struct fake_platform *fp = ctx;
	int ret = fp_call(fp, &fp->window_calls, fp->fail_window, bar >= 0 && bar < FP_NR_BARS);

	if (ret)
		return ret;
	if (!add)
		return fp_take_down(fp, &fp->win[bar].active,
				    fp->win[bar].gpa == gpa && fp->win[bar].size == size);
	/* Adding over an active window moves it, as the KVM platform does. */
	fp->win[bar] = (struct fp_window){ .active = true, .gpa = gpa, .size = size };
	return 0;
}

static int fp_ioeventfd(void *ctx, uint16_t q, uint64_t gpa, int fd, bool assign)
{
	struct fake_platform *fp = ctx;
	int ret = fp_call(fp, &fp->ioeventfd_calls, fp->fail_ioeventfd,
			  q < VIRTIO_HOST_MAX_QUEUES && fd >= 0);

	if (ret)
		return ret;
	if (!assign)
		return fp_take_down(fp, &fp->kick[q].bound,
				    fp->kick[q].gpa == gpa && fp->kick[q].fd == fd);
	for (unsigned int i = 0; i < VIRTIO_HOST_MAX_QUEUES; i++) {
		if (fp->kick[i].bound && (i == q || fp->kick[i].gpa == gpa))
			return fp_misuse(fp, -EEXIST);
	}
	fp->kick[q] = (struct fp_kick){ .bound = true, .gpa = gpa, .fd = fd };
	return 0;
}

static int fp_irqfd(void *ctx, uint16_t v, int fd, uint64_t addr, uint32_t data, bool masked)
{
	struct fake_platform *fp = ctx;
	int ret = fp_call(fp, &fp->irqfd_calls, fp->fail_irqfd,
			  v < VIRTIO_HOST_MAX_VECTORS && fd >= 0);

	if (ret)
		return ret;
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
	int ret = fp_call(fp, &fp->msi_calls, fp->fail_msi, true);

	if (ret)
		return ret;
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
	int ret = fp_call(fp, &fp->intx_calls, fp->fail_intx, true);

	if (ret)
		return ret;
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
