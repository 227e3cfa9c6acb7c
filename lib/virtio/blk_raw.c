// SPDX-License-Identifier: GPL-2.0
/* Raw image backend for virtio-blk: a regular file or a block device. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <splitvirt/virtio_blk.h>

struct blk_raw {
	struct virtio_blk_backend be;
	int fd;
};

static struct blk_raw *to_raw(struct virtio_blk_backend *be)
{
	return (struct blk_raw *)be;
}

/* Advances iov past n bytes; returns the new count. */
static int iov_advance(struct iovec **iov, int cnt, size_t n)
{
	while (cnt && n >= (*iov)->iov_len) {
		n -= (*iov)->iov_len;
		(*iov)++;
		cnt--;
	}
	if (cnt && n) {
		(*iov)->iov_base = (uint8_t *)(*iov)->iov_base + n;
		(*iov)->iov_len -= n;
	}
	return cnt;
}

static int raw_rw(struct virtio_blk_backend *be, const struct iovec *iov_in, int cnt, uint64_t off,
		  bool write)
{
	struct iovec local[IOV_MAX], *iov = local;
	int fd = to_raw(be)->fd;

	if (cnt > IOV_MAX)
		return -EINVAL;
	memcpy(local, iov_in, sizeof(*iov) * (size_t)cnt);
	while (cnt) {
		ssize_t n = write ? pwritev(fd, iov, cnt, (off_t)off) :
				    preadv(fd, iov, cnt, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0) /* EOF inside the advertised capacity: device shrank */
			return -EIO;
		off += (uint64_t)n;
		cnt = iov_advance(&iov, cnt, (size_t)n);
	}
	return 0;
}

static int raw_readv(struct virtio_blk_backend *be, const struct iovec *iov, int cnt, uint64_t off)
{
	return raw_rw(be, iov, cnt, off, false);
}

static int raw_writev(struct virtio_blk_backend *be, const struct iovec *iov, int cnt, uint64_t off)
{
	return raw_rw(be, iov, cnt, off, true);
}

static int raw_flush(struct virtio_blk_backend *be)
{
	/* fdatasync reaches stable storage (and flushes the disk cache). */
	return fdatasync(to_raw(be)->fd) ? -errno : 0;
}

static int raw_discard(struct virtio_blk_backend *be, uint64_t off, uint64_t len)
{
	if (fallocate(to_raw(be)->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off,
		      (off_t)len))
		return -errno;
	return 0;
}

static int write_zero_buffers(struct virtio_blk_backend *be, uint64_t off, uint64_t len)
{
	static const uint8_t zeros[65536];

	while (len) {
		struct iovec iov = { (void *)zeros, len < sizeof(zeros) ? len : sizeof(zeros) };
		int err = raw_rw(be, &iov, 1, off, true);

		if (err)
			return err;
		off += iov.iov_len;
		len -= iov.iov_len;
	}
	return 0;
}

static int raw_write_zeroes(struct virtio_blk_backend *be, uint64_t off, uint64_t len, bool unmap)
{
	int fd = to_raw(be)->fd;
	int mode = unmap ? FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE :
			   FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;

	if (!fallocate(fd, mode, (off_t)off, (off_t)len))
		return 0;
	if (errno != EOPNOTSUPP && errno != EINVAL && errno != ENODEV)
		return -errno;
	return write_zero_buffers(be, off, len);
}

static void raw_close(struct virtio_blk_backend *be)
{
	struct blk_raw *raw = to_raw(be);

	close(raw->fd);
	free(raw);
}

static const struct virtio_blk_backend_ops raw_ops = {
	.readv = raw_readv,
	.writev = raw_writev,
	.flush = raw_flush,
	.discard = raw_discard,
	.write_zeroes = raw_write_zeroes,
	.close = raw_close,
};

int virtio_blk_raw_from_fd(struct virtio_blk_backend **out, int fd, bool read_only)
{
	struct blk_raw *raw;
	struct stat st;
	uint64_t size;

	if (fstat(fd, &st))
		return -errno;
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &size))
			return -errno;
	} else if (S_ISREG(st.st_mode)) {
		size = (uint64_t)st.st_size;
	} else {
		return -EINVAL;
	}
	raw = calloc(1, sizeof(*raw));
	if (!raw)
		return -ENOMEM;
	raw->be.ops = &raw_ops;
	raw->be.size = size;
	raw->be.read_only = read_only;
	raw->fd = fd;
	*out = &raw->be;
	return 0;
}

int virtio_blk_raw_open(struct virtio_blk_backend **out, const char *path, bool read_only)
{
	int fd = open(path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	int err;

	if (fd < 0)
		return -errno;
	err = virtio_blk_raw_from_fd(out, fd, read_only);
	if (err)
		close(fd);
	return err;
}
