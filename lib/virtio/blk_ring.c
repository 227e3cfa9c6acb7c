// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring rings for the blk backends. Requests on a ring bypass seccomp,
 * so every ring is created disabled, restricted to READV and WRITEV with
 * no SQE flags, given its eventfd and only then enabled; after that the
 * kernel refuses every io_uring_register on it, and the restrictions hold
 * for good. A process that opens disks under its seccomp filter (the
 * devmodel reopens links) prepares its rings before the filter
 * (virtio_blk_prepare_rings) and is never allowed io_uring_setup: a
 * compromised process cannot make an unrestricted ring of its own. Rings
 * are reused when a backend closes.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <splitvirt/log.h>
#include <splitvirt/virtio_blk.h>

#include "blk_ring.h"

/* The model keeps at most 64 requests in flight (BLK_MAX_IN_FLIGHT in blk.c). */
#define BLK_RING_ENTRIES 64u
/*
 * Kernel worker threads per submitting thread (bounded: files and block
 * devices; unbounded: the rest) for requests that cannot complete inline.
 * They count against the sandboxed vmm's RLIMIT_NPROC; a few keep a
 * disk's queue busy.
 */
#define BLK_RING_MAX_WORKERS 4u

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct blk_ring *pool;
static unsigned int pool_size;
static bool pool_prepared;

/*
 * io_uring_register_restrictions() and io_uring_enable_rings() themselves:
 * Debian 12's liburing.so.2.3 does not export them (its symbol map gained
 * them in 2.4), only its static liburing.a has them.
 */
static int ring_register(struct io_uring *ring, unsigned int op, void *arg, unsigned int n)
{
	return syscall(__NR_io_uring_register, ring->ring_fd, op, arg, n) < 0 ? -errno : 0;
}

static int ring_create(struct blk_ring *r)
{
	struct io_uring_restriction res[] = {
		{ .opcode = IORING_RESTRICTION_SQE_OP, .sqe_op = IORING_OP_READV },
		{ .opcode = IORING_RESTRICTION_SQE_OP, .sqe_op = IORING_OP_WRITEV },
		/* No IOSQE_* flag: no fixed files, links, buffer selection, ... */
		{ .opcode = IORING_RESTRICTION_SQE_FLAGS_ALLOWED, .sqe_flags = 0 },
	};
	struct io_uring_params p = { .flags = IORING_SETUP_R_DISABLED };
	const char *step = "io_uring_setup";
	int ret;

	r->efd = -1;
	ret = io_uring_queue_init_params(BLK_RING_ENTRIES, &r->ring, &p);
	if (ret)
		goto out;
	/* Before the restrictions, which forbid every register operation. */
	if (ring_register(&r->ring, IORING_REGISTER_IOWQ_MAX_WORKERS,
			  (unsigned int[2]){ BLK_RING_MAX_WORKERS, BLK_RING_MAX_WORKERS }, 2))
		pr_debug("virtio-blk: io_uring workers not capped: %s", strerror(errno));
	step = "restricting the ring";
	ret = ring_register(&r->ring, IORING_REGISTER_RESTRICTIONS, res,
			    sizeof(res) / sizeof(res[0]));
	if (!ret) {
		step = "eventfd";
		r->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		ret = r->efd < 0 ? -errno : 0;
	}
	/* Before enabling: an enabled restricted ring refuses every register call. */
	if (!ret) {
		step = "registering the eventfd";
		ret = io_uring_register_eventfd(&r->ring, r->efd);
	}
	if (!ret) {
		step = "enabling the ring";
		ret = ring_register(&r->ring, IORING_REGISTER_ENABLE_RINGS, NULL, 0);
	}
	if (!ret)
		return 0;
	if (r->efd >= 0)
		close(r->efd);
	r->efd = -1;
	io_uring_queue_exit(&r->ring);
out:
	pr_debug("virtio-blk: no io_uring (%s: %s), synchronous I/O only", step, strerror(-ret));
	return ret;
}

static void ring_destroy(struct blk_ring *r)
{
	io_uring_queue_exit(&r->ring);
	close(r->efd);
}

int virtio_blk_prepare_rings(unsigned int count)
{
	int ret = 0;

	pthread_mutex_lock(&pool_lock);
	if (pool_prepared) {
		pthread_mutex_unlock(&pool_lock);
		return -EBUSY;
	}
	pool_prepared = true;
	pool = calloc(count, sizeof(*pool));
	if (!pool && count)
		ret = -ENOMEM;
	for (unsigned int i = 0; pool && i < count; i++) {
		ret = ring_create(&pool[i]);
		if (ret)
			break;
		pool[i].pooled = true;
		pool_size++;
	}
	pthread_mutex_unlock(&pool_lock);
	/* Rings that could not be made: the disks they were for stay synchronous. */
	return pool_size ? 0 : ret;
}

struct blk_ring *blk_ring_get(void)
{
	struct blk_ring *r = NULL;

	pthread_mutex_lock(&pool_lock);
	if (pool_prepared) {
		for (unsigned int i = 0; i < pool_size && !r; i++)
			if (!pool[i].in_use)
				r = &pool[i];
		if (r)
			r->in_use = true;
		else
			pr_info("virtio-blk: all %u prepared io_uring rings in use; this disk's I/O is synchronous",
				pool_size);
	}
	pthread_mutex_unlock(&pool_lock);
	if (pool_prepared)
		return r;
	r = calloc(1, sizeof(*r));
	if (r && ring_create(r)) {
		free(r);
		r = NULL;
	}
	if (r)
		r->in_use = true;
	return r;
}

void blk_ring_put(struct blk_ring *r)
{
	uint64_t v;

	if (!r)
		return;
	if (!r->pooled) {
		ring_destroy(r);
		free(r);
		return;
	}
	/* The next owner starts without a stale wake-up. */
	if (read(r->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		pr_debug("virtio-blk: clearing a ring's eventfd: %s", strerror(errno));
	pthread_mutex_lock(&pool_lock);
	r->in_use = false;
	pthread_mutex_unlock(&pool_lock);
}
