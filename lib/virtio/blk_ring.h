/* SPDX-License-Identifier: GPL-2.0 */
/* io_uring rings for the blk backends (blk_ring.c); internal to lib/virtio. */
#ifndef LIB_VIRTIO_BLK_RING_H
#define LIB_VIRTIO_BLK_RING_H

#include <liburing.h>
#include <stdbool.h>

struct blk_ring {
	struct io_uring ring;
	int efd; /* registered: readable while completions wait */
	bool pooled; /* from virtio_blk_prepare_rings(): goes back there */
	bool in_use;
};

/*
 * A restricted ring (READV/WRITEV only, no SQE flags) with its eventfd:
 * one of the prepared ones if virtio_blk_prepare_rings() was called (none
 * left: NULL, never a new one, since a sandbox may forbid io_uring_setup
 * by then), else a new one. NULL: synchronous I/O only (logged at debug).
 */
struct blk_ring *blk_ring_get(void);
/* Back to the pool (the caller reaped everything) or destroyed. */
void blk_ring_put(struct blk_ring *r);

#endif
