// SPDX-License-Identifier: GPL-2.0
/*
 * The backend of a disk whose backing store is gone: a devmodel taking a
 * device over after a restart finds its image or block device missing.
 * The driver VM already uses the device, so the function stays (its
 * saved state needs the same features: every optional op exists) and
 * every request fails with IOERR, the pending ones first, instead of the
 * driver waiting for a device that cannot come back.
 */
#include <errno.h>
#include <stdlib.h>

#include <splitvirt/virtio_blk.h>

struct blk_gone {
	struct virtio_blk_backend be;
	int err;
};

static int gone_err(struct virtio_blk_backend *be)
{
	return ((struct blk_gone *)be)->err;
}

static int gone_rw(struct virtio_blk_backend *be, const struct iovec *iov, int cnt, uint64_t off)
{
	(void)iov, (void)cnt, (void)off;
	return gone_err(be);
}

static int gone_flush(struct virtio_blk_backend *be)
{
	return gone_err(be);
}

static int gone_discard(struct virtio_blk_backend *be, uint64_t off, uint64_t len)
{
	(void)off, (void)len;
	return gone_err(be);
}

static int gone_write_zeroes(struct virtio_blk_backend *be, uint64_t off, uint64_t len, bool unmap)
{
	(void)off, (void)len, (void)unmap;
	return gone_err(be);
}

static void gone_close(struct virtio_blk_backend *be)
{
	free(be);
}

static const struct virtio_blk_backend_ops blk_gone_ops = {
	.readv = gone_rw,
	.writev = gone_rw,
	.flush = gone_flush,
	.discard = gone_discard,
	.write_zeroes = gone_write_zeroes,
	.close = gone_close,
};

int virtio_blk_gone_open(struct virtio_blk_backend **out, bool read_only, int err)
{
	struct blk_gone *g = calloc(1, sizeof(*g));

	if (!g)
		return -ENOMEM;
	/* Size 0: a driver that re-reads the capacity sees the disk is gone. */
	g->be = (struct virtio_blk_backend){
		.ops = &blk_gone_ops, .size = 0, .read_only = read_only, .aio_fd = -1
	};
	g->err = err < 0 ? err : -EIO;
	*out = &g->be;
	return 0;
}
