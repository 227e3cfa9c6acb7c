/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-blk device model over a pluggable storage backend. The raw-image
 * backend (blk_raw.c) uses pread/pwritev, fdatasync for FLUSH and
 * fallocate for DISCARD / WRITE_ZEROES.
 */
#ifndef SPLITVIRT_VIRTIO_BLK_H
#define SPLITVIRT_VIRTIO_BLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <linux/virtio_blk.h>

#include <splitvirt/virtio_dev.h>

struct virtio_blk_backend;

/*
 * One asynchronous transfer (ops->submit). The caller owns it and its iov
 * (guest buffers) until the backend hands it back through done; the
 * backend_* fields are the backend's.
 */
struct virtio_blk_aio {
	const struct iovec *iov;
	int cnt;
	uint64_t off; /* bytes */
	size_t len; /* the sum of iov's lengths */
	bool write;
	int backend_slot; /* the backend's bookkeeping (e.g. a bounce buffer), -1: none */
	size_t backend_done; /* bytes the backend moved so far */
};

/* A transfer is over: err 0 when all of len moved, else -errno. */
typedef void (*virtio_blk_aio_done_fn)(struct virtio_blk_aio *aio, int err, void *opaque);

/* Offsets and lengths are bytes and already bounds-checked by the model. */
struct virtio_blk_backend_ops {
	/* Full transfers or -errno (short transfers are retried inside). */
	int (*readv)(struct virtio_blk_backend *be, const struct iovec *iov, int cnt, uint64_t off);
	int (*writev)(struct virtio_blk_backend *be, const struct iovec *iov, int cnt,
		      uint64_t off);
	/* Makes completed writes durable (stable storage). */
	int (*flush)(struct virtio_blk_backend *be);
	/* Optional: deallocate; contents of the range become zero. */
	int (*discard)(struct virtio_blk_backend *be, uint64_t off, uint64_t len);
	/* Optional: zero the range; unmap allows deallocation. */
	int (*write_zeroes)(struct virtio_blk_backend *be, uint64_t off, uint64_t len, bool unmap);
	/*
	 * Optional asynchronous reads and writes, usable while aio_fd >= 0.
	 * submit queues aio and returns 0 (done is called later, from reap or
	 * wait_all), -EAGAIN when it cannot take it now (the caller moves it
	 * with readv/writev instead), or -errno. reap calls done for each
	 * finished transfer without blocking and returns how many, or -errno;
	 * wait_all blocks until none is in flight, calling done for each.
	 * Short transfers are finished inside: done's err is 0 only when all
	 * of len moved.
	 */
	int (*submit)(struct virtio_blk_backend *be, struct virtio_blk_aio *aio);
	int (*reap)(struct virtio_blk_backend *be, virtio_blk_aio_done_fn done, void *opaque);
	void (*wait_all)(struct virtio_blk_backend *be, virtio_blk_aio_done_fn done, void *opaque);
	void (*close)(struct virtio_blk_backend *be);
};

struct virtio_blk_backend {
	const struct virtio_blk_backend_ops *ops;
	uint64_t size; /* bytes */
	bool read_only;
	/* Readable while finished async transfers wait for reap; -1: no async I/O. */
	int aio_fd;
};

/*
 * How the raw backend uses the host page cache. AUTO: on block devices,
 * every aligned write and aligned reads of 64 KiB or more use O_DIRECT
 * (through a bounce buffer), smaller reads the page cache; files always
 * use the page cache.
 * DIRECT: every aligned request uses O_DIRECT, files too (-EINVAL etc. if
 * the filesystem cannot do it, e.g. tmpfs). BUFFERED: never O_DIRECT.
 */
enum virtio_blk_raw_cache {
	VIRTIO_BLK_RAW_AUTO = 0,
	VIRTIO_BLK_RAW_DIRECT,
	VIRTIO_BLK_RAW_BUFFERED,
};

/*
 * Creates count io_uring rings for raw backends opened later, in a process
 * about to forbid io_uring_setup (its seccomp filter): backends then take
 * rings from these only (synchronous I/O once all are in use). Without it
 * each backend creates its own ring. 0 if at least one ring was made,
 * -EBUSY if called twice, else -errno (everything stays synchronous).
 */
int virtio_blk_prepare_rings(unsigned int count);

/* Opens a raw image file or block device (VIRTIO_BLK_RAW_AUTO). */
int virtio_blk_raw_open(struct virtio_blk_backend **out, const char *path, bool read_only);
int virtio_blk_raw_open_cache(struct virtio_blk_backend **out, const char *path, bool read_only,
			      enum virtio_blk_raw_cache cache);
/* Wraps an open fd (the backend takes ownership of fd). */
int virtio_blk_raw_from_fd(struct virtio_blk_backend **out, int fd, bool read_only);

/*
 * A backend whose backing store is gone (blk_gone.c): size 0, every op
 * fails with err (-EIO if err is not negative), so every request
 * completes with VIRTIO_BLK_S_IOERR. For a device a driver already uses.
 */
int virtio_blk_gone_open(struct virtio_blk_backend **out, bool read_only, int err);

/*
 * seg_max and size_max are advertised and enforced: a request with more
 * data segments, or a segment with more data bytes, completes with
 * VIRTIO_BLK_S_IOERR and no I/O. Requests are served synchronously on the
 * thread that serves the queue, so seg_max * size_max (at most
 * VIRTIO_BLK_MAX_REQUEST_BYTES) bounds how long one request holds it.
 * size_max must be at least the guest's page size (Linux raises a smaller
 * limit to a page): 4 KiB at least, 64 KiB for 64K-page arm64 guests.
 */
struct virtio_blk_params {
	const char *serial; /* GET_ID string, at most 20 bytes used */
	bool read_only; /* also forced by a read-only backend */
	uint16_t queue_size; /* 0: 256 */
	uint32_t seg_max; /* 0: VIRTIO_BLK_DEFAULT_SEG_MAX; at most VIRTQ_MAX_SEGS - 2 */
	uint32_t size_max; /* 0: VIRTIO_BLK_DEFAULT_SIZE_MAX */
	uint32_t blk_size; /* 0: 512 */
	/*
	 * 0 or 1: one queue. More: VIRTIO_BLK_F_MQ, and a driver uses
	 * min(num_queues, its CPUs), one per CPU (no lock shared between them).
	 */
	uint16_t num_queues;
};

#define VIRTIO_BLK_MAX_QUEUES 8
/* What the device table's blk devices offer (local and cross-VM). */
#define VIRTIO_BLK_DEVICE_QUEUES 4

#define VIRTIO_BLK_DEFAULT_SEG_MAX 126
#define VIRTIO_BLK_DEFAULT_SIZE_MAX (1u << 20)
#define VIRTIO_BLK_MIN_SIZE_MAX 4096u
#define VIRTIO_BLK_MAX_REQUEST_BYTES (128ull << 20)

#define VIRTIO_BLK_MAX_DISCARD_SEG 32
#define VIRTIO_BLK_MAX_DISCARD_SECTORS (1u << 22)

/*
 * Creates the model; it takes ownership of be (closed on destroy or
 * failure). -EINVAL for limits outside the bounds above.
 */
int virtio_blk_create(struct virtio_dev **out, const struct gmem *gm, struct virtio_blk_backend *be,
		      const struct virtio_blk_params *params);

/*
 * For a blk device whose queues another process serves (a vhost-user
 * back-end, <splitvirt/vhost_user_dev.h>): fail_request completes a
 * request with VIRTIO_BLK_S_IOERR (a virtio_chain_fn); config_fit_queues
 * makes a back-end's struct virtio_blk_config announce at most the
 * function's num_queues; the feature bits such a device may pass on.
 */
#define VIRTIO_BLK_VHOST_USER_FEATURES                                      \
	((1ull << VIRTIO_BLK_F_SIZE_MAX) | (1ull << VIRTIO_BLK_F_SEG_MAX) | \
	 (1ull << VIRTIO_BLK_F_GEOMETRY) | (1ull << VIRTIO_BLK_F_RO) |      \
	 (1ull << VIRTIO_BLK_F_BLK_SIZE) | (1ull << VIRTIO_BLK_F_FLUSH) |   \
	 (1ull << VIRTIO_BLK_F_TOPOLOGY) | (1ull << VIRTIO_BLK_F_MQ) |      \
	 (1ull << VIRTIO_BLK_F_DISCARD) | (1ull << VIRTIO_BLK_F_WRITE_ZEROES))
/* Config bytes such a device shows: up to the fields its features use (QEMU 7.2 knows no more). */
#define VIRTIO_BLK_VHOST_USER_CONFIG_SIZE \
	offsetof(struct virtio_blk_config, max_secure_erase_sectors)
int virtio_blk_fail_request(struct virtio_dev *dev, struct virtq *vq, struct virtq_chain *c);
void virtio_blk_config_fit_queues(void *config, uint16_t num_queues);

#endif
