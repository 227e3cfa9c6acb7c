// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk device model. Requests are
 *   readable:  struct virtio_blk_outhdr (16 bytes) [+ data for OUT/DISCARD/...]
 *   writable:  [data for IN / GET_ID] + 1 status byte (the last writable byte)
 * With VIRTIO_F_VERSION_1 (ANY_LAYOUT) the split into descriptors is
 * arbitrary, so everything is addressed as byte offsets into the readable
 * and writable parts. A request without room for a header or status byte
 * cannot even be failed and is treated as a hostile driver.
 *
 * With a backend that does asynchronous I/O (aio_fd), reads and writes
 * that have company (others in flight or waiting in the ring) are handed
 * to it and the queue moves on: up to BLK_MAX_IN_FLIGHT requests
 * are in flight, each in a slot that keeps what its completion needs (the
 * head, the status byte's place, the data iov). Completions come through
 * backend_ready (the backend's fd), are published in the order the chains
 * were popped (virtio_dev_complete_chain) and cost one interrupt per batch.
 * Everything else (flush, discard, GET_ID) and what the backend cannot
 * take now is done synchronously as before.
 */
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_ids.h>

#include <splitvirt/event_loop.h>
#include <splitvirt/log.h>
#include <splitvirt/trace.h>
#include <splitvirt/virtio_blk.h>

#define SECTOR_SHIFT 9
#define SECTOR_SIZE (1u << SECTOR_SHIFT)
#define BLK_CONFIG_SIZE (offsetof(struct virtio_blk_config, unused1) + 3)
/* Enough for a driver's queue depth of 32 on each of two queues' worth of I/O. */
#define BLK_MAX_IN_FLIGHT 64

struct virtio_blk;

struct blk_slot {
	struct virtio_blk_aio aio;
	struct virtio_blk *blk;
	struct virtq *vq;
	uint8_t *status; /* the request's status byte, in guest memory */
	uint64_t sector;
	uint16_t head;
	bool busy;
	struct iovec *iov; /* seg_max entries */
};

struct virtio_blk {
	struct virtio_dev dev;
	struct virtio_blk_backend *be;
	struct virtio_blk_config config; /* little-endian, as the driver sees it */
	uint64_t capacity; /* sectors */
	bool read_only;
	uint32_t seg_max, size_max; /* as advertised, host byte order */
	/* Throttled log counters: a guest can trigger each in a loop. */
	unsigned long limit_errors, io_errors, malformed;
	char serial[VIRTIO_BLK_ID_BYTES];
	struct iovec iov[VIRTQ_MAX_SEGS];
	/* Asynchronous I/O (NULL without): slots, and how many are busy. */
	struct blk_slot *slots;
	unsigned int nr_busy;
	bool dropping; /* a reset waits for the slots: their results go nowhere */
};

/* True if [sector, sector + nr) lies inside the disk, without overflow. */
static bool in_bounds(const struct virtio_blk *blk, uint64_t sector, uint64_t nr)
{
	return sector <= blk->capacity && nr <= blk->capacity - sector;
}

/*
 * A read's or write's status once the backend is done with it (err): the
 * flush a write still owes without FLUSH negotiated (write-through), and
 * the log line of a failure. Synchronous and asynchronous alike.
 */
static uint8_t blk_rw_status(struct virtio_blk *blk, bool write, size_t len, uint64_t sector,
			     int err)
{
	if (!err && write && !virtio_dev_has_feature(&blk->dev, VIRTIO_BLK_F_FLUSH))
		err = blk->be->ops->flush(blk->be);
	if (!err)
		return VIRTIO_BLK_S_OK;
	pr_warn_limited(&blk->io_errors, "%s: %s of %zu bytes at sector %llu failed: %d",
			blk->dev.name, write ? "write" : "read", len, (unsigned long long)sector,
			err);
	return VIRTIO_BLK_S_IOERR;
}

/* A finished asynchronous transfer: its status, then its place in the used ring. */
static void blk_aio_done(struct virtio_blk_aio *aio, int err, void *opaque)
{
	struct blk_slot *s = sv_container_of(aio, struct blk_slot, aio);
	struct virtio_blk *blk = opaque;
	uint8_t status;

	sv_trace(SV_TP_DONE, VIRTIO_ID_BLOCK, s->vq->index, s->head, (uint32_t)aio->len);
	status = blk_rw_status(blk, aio->write, aio->len, s->sector, err);
	s->busy = false;
	blk->nr_busy--;
	/* After a reset the buffers are the driver's again: not a byte more into them. */
	if (blk->dropping)
		return;
	__atomic_store_n(s->status, status, __ATOMIC_RELAXED);
	virtio_dev_complete_chain(
		&blk->dev, s->vq, s->head,
		(status == VIRTIO_BLK_S_OK && !aio->write ? (uint32_t)aio->len : 0) + 1);
}

/*
 * Hands the transfer to the backend: VIRTIO_CHAIN_IN_FLIGHT, or -EAGAIN
 * when it (or we) cannot take it now and it is to be done synchronously.
 */
static int blk_rw_async(struct virtio_blk *blk, struct virtq *vq, struct virtq_chain *c,
			uint64_t sector, bool write, size_t off, size_t len)
{
	struct blk_slot *s = NULL;
	int cnt, err;

	if (!blk->slots || blk->nr_busy == BLK_MAX_IN_FLIGHT)
		return -EAGAIN;
	/*
	 * A lone request gains nothing from waiting in parallel and costs a
	 * hand-off to a kernel worker thread when it misses the page cache
	 * (bench/crossvm-trace: 4 KiB reads ~15 % slower): only requests with
	 * company go asynchronous.
	 */
	if (!blk->nr_busy && !virtq_has_avail(vq))
		return -EAGAIN;
	for (unsigned int i = 0; i < BLK_MAX_IN_FLIGHT && !s; i++)
		if (!blk->slots[i].busy)
			s = &blk->slots[i];
	if (!s)
		return -EAGAIN;
	/* blk_within_limits() let at most seg_max data segments through. */
	cnt = virtq_chain_iov(c, !write, off, len, s->iov, (int)blk->seg_max);
	if (cnt < 0)
		return -EAGAIN;
	s->aio = (struct virtio_blk_aio){ .iov = s->iov,
					  .cnt = cnt,
					  .off = sector << SECTOR_SHIFT,
					  .len = len,
					  .write = write,
					  .backend_slot = -1 };
	s->vq = vq;
	s->head = c->head;
	s->sector = sector;
	/* The last writable byte; write_len >= 1 was checked. */
	s->status = (uint8_t *)c->segs[c->nr_read + c->nr_write - 1].base +
		    c->segs[c->nr_read + c->nr_write - 1].len - 1;
	err = blk->be->ops->submit(blk->be, &s->aio);
	if (err)
		return err;
	s->busy = true;
	blk->nr_busy++;
	return VIRTIO_CHAIN_IN_FLIGHT;
}

/* A status (VIRTIO_BLK_S_*), or VIRTIO_CHAIN_IN_FLIGHT when the backend took it. */
static int blk_rw(struct virtio_blk *blk, struct virtq *vq, struct virtq_chain *c, uint64_t sector,
		  bool write, uint32_t *written)
{
	size_t len = write ? c->read_len - sizeof(struct virtio_blk_outhdr) : c->write_len - 1;
	size_t off = write ? sizeof(struct virtio_blk_outhdr) : 0;
	int cnt, err;
	uint8_t status;

	if (len % SECTOR_SIZE || !in_bounds(blk, sector, len >> SECTOR_SHIFT))
		return VIRTIO_BLK_S_IOERR;
	if (write && blk->read_only)
		return VIRTIO_BLK_S_IOERR;
	if (!len)
		return VIRTIO_BLK_S_OK;
	sv_trace(SV_TP_SUBMIT, VIRTIO_ID_BLOCK, vq->index, c->head, (uint32_t)len);
	err = blk_rw_async(blk, vq, c, sector, write, off, len);
	if (err == VIRTIO_CHAIN_IN_FLIGHT)
		return err;
	if (err != -EAGAIN)
		return blk_rw_status(blk, write, len, sector, err);
	/* A disk write takes data from the device-readable part and vice versa. */
	cnt = virtq_chain_iov(c, !write, off, len, blk->iov, VIRTQ_MAX_SEGS);
	if (cnt < 0)
		return VIRTIO_BLK_S_IOERR;
	if (write)
		err = blk->be->ops->writev(blk->be, blk->iov, cnt, sector << SECTOR_SHIFT);
	else
		err = blk->be->ops->readv(blk->be, blk->iov, cnt, sector << SECTOR_SHIFT);
	sv_trace(SV_TP_DONE, VIRTIO_ID_BLOCK, vq->index, c->head, (uint32_t)len);
	status = blk_rw_status(blk, write, len, sector, err);
	if (status != VIRTIO_BLK_S_OK)
		return status;
	if (!write)
		*written = (uint32_t)len;
	return VIRTIO_BLK_S_OK;
}

static uint8_t blk_get_id(struct virtio_blk *blk, struct virtq_chain *c, uint32_t *written)
{
	size_t n = c->write_len - 1;

	if (n > VIRTIO_BLK_ID_BYTES)
		n = VIRTIO_BLK_ID_BYTES;
	*written = (uint32_t)virtq_chain_write(c, 0, blk->serial, n);
	return VIRTIO_BLK_S_OK;
}

static uint8_t blk_discard_zeroes(struct virtio_blk *blk, struct virtq_chain *c, uint32_t type)
{
	bool discard = type == VIRTIO_BLK_T_DISCARD;
	size_t bytes = c->read_len - sizeof(struct virtio_blk_outhdr);
	size_t nseg = bytes / sizeof(struct virtio_blk_discard_write_zeroes), i;
	unsigned int feature = discard ? VIRTIO_BLK_F_DISCARD : VIRTIO_BLK_F_WRITE_ZEROES;

	if (!virtio_dev_has_feature(&blk->dev, feature))
		return VIRTIO_BLK_S_UNSUPP;
	if (blk->read_only)
		return VIRTIO_BLK_S_IOERR;
	if (!nseg || bytes % sizeof(struct virtio_blk_discard_write_zeroes) ||
	    nseg > VIRTIO_BLK_MAX_DISCARD_SEG)
		return VIRTIO_BLK_S_IOERR;
	for (i = 0; i < nseg; i++) {
		struct virtio_blk_discard_write_zeroes seg;
		uint64_t sector;
		uint32_t nr, flags;
		int err;

		virtq_chain_read(c, sizeof(struct virtio_blk_outhdr) + i * sizeof(seg), &seg,
				 sizeof(seg));
		sector = le64toh(seg.sector);
		nr = le32toh(seg.num_sectors);
		flags = le32toh(seg.flags);
		if (discard ? flags : flags & ~VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP)
			return VIRTIO_BLK_S_UNSUPP;
		if (nr > VIRTIO_BLK_MAX_DISCARD_SECTORS || !in_bounds(blk, sector, nr))
			return VIRTIO_BLK_S_IOERR;
		if (!nr)
			continue;
		if (discard)
			err = blk->be->ops->discard ?
				      blk->be->ops->discard(blk->be, sector << SECTOR_SHIFT,
							    (uint64_t)nr << SECTOR_SHIFT) :
				      0;
		else
			err = blk->be->ops->write_zeroes(
				blk->be, sector << SECTOR_SHIFT, (uint64_t)nr << SECTOR_SHIFT,
				flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
		/* Discard is a hint: a filesystem without hole punching is fine. */
		if (err == -EOPNOTSUPP && discard)
			err = 0;
		if (err) {
			pr_warn_limited(&blk->io_errors, "%s: %s at sector %llu failed: %d",
					blk->dev.name, discard ? "discard" : "write-zeroes",
					(unsigned long long)sector, err);
			return VIRTIO_BLK_S_IOERR;
		}
	}
	return VIRTIO_BLK_S_OK;
}

/*
 * Whether the request keeps to the advertised limits: at most seg_max
 * segments carrying data, none with more than size_max data bytes. The
 * header (the first 16 readable bytes) and the status byte (the last
 * writable one) do not count, wherever ANY_LAYOUT put them. Requests are
 * served synchronously on a thread shared with other devices (and other
 * VMs in a devmodel), so this also bounds how long one request can take.
 */
static bool blk_within_limits(const struct virtio_blk *blk, const struct virtq_chain *c)
{
	unsigned int i, n = (unsigned int)c->nr_read + c->nr_write;
	uint32_t hdr_left = sizeof(struct virtio_blk_outhdr), nseg = 0;

	for (i = 0; i < n; i++) {
		uint32_t len = c->segs[i].len;

		if (i < c->nr_read) {
			uint32_t h = len < hdr_left ? len : hdr_left;

			len -= h;
			hdr_left -= h;
		} else if (i == n - 1) {
			len--; /* the status byte; write_len >= 1 was checked */
		}
		if (!len)
			continue;
		if (len > blk->size_max || ++nseg > blk->seg_max)
			return false;
	}
	return true;
}

static int blk_chain(struct virtio_dev *dev, struct virtq *vq, struct virtq_chain *c)
{
	struct virtio_blk *blk = dev->priv;
	struct virtio_blk_outhdr hdr;
	uint32_t written = 0, type;
	int status, err;

	if (c->read_len < sizeof(hdr) || c->write_len < 1) {
		pr_warn_limited(&blk->malformed, "%s: request without header or status byte",
				dev->name);
		return -EPROTO;
	}
	/* One copy of the header: the guest may change it under us. */
	virtq_chain_read(c, 0, &hdr, sizeof(hdr));
	type = le32toh(hdr.type);
	if (!blk_within_limits(blk, c)) {
		pr_warn_limited(&blk->limit_errors,
				"%s: request beyond seg_max %u / size_max %u failed without I/O",
				dev->name, blk->seg_max, blk->size_max);
		status = VIRTIO_BLK_S_IOERR;
		goto done;
	}
	switch (type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		status =
			blk_rw(blk, vq, c, le64toh(hdr.sector), type == VIRTIO_BLK_T_OUT, &written);
		if (status == VIRTIO_CHAIN_IN_FLIGHT)
			return status;
		break;
	case VIRTIO_BLK_T_FLUSH:
		if (!virtio_dev_has_feature(dev, VIRTIO_BLK_F_FLUSH)) {
			status = VIRTIO_BLK_S_UNSUPP;
			break;
		}
		err = blk->be->ops->flush(blk->be);
		if (err)
			pr_warn_limited(&blk->io_errors, "%s: flush failed: %d", dev->name, err);
		status = err ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
		break;
	case VIRTIO_BLK_T_GET_ID:
		status = blk_get_id(blk, c, &written);
		break;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		status = blk_discard_zeroes(blk, c, type);
		break;
	default:
		status = VIRTIO_BLK_S_UNSUPP;
		break;
	}
done:
	virtq_chain_write(c, c->write_len - 1, &(uint8_t){ (uint8_t)status }, 1);
	return (int)(written + 1);
}

static int blk_queue_notify(struct virtio_dev *dev, struct virtq *vq)
{
	return virtio_dev_drain_queue(dev, vq, blk_chain);
}

static void blk_config_read(struct virtio_dev *dev, uint32_t off, void *buf, uint32_t len)
{
	struct virtio_blk *blk = dev->priv;

	memcpy(buf, (const uint8_t *)&blk->config + off, len);
}

/* Completions of the backend's asynchronous transfers; each queue interrupted once. */
static int blk_backend_ready(struct virtio_dev *dev)
{
	struct virtio_blk *blk = dev->priv;
	int n = blk->be->ops->reap(blk->be, blk_aio_done, blk);

	for (uint16_t q = 0; q < dev->num_queues; q++)
		virtio_dev_publish_completed(dev, &dev->vqs[q]);
	/* The fd only wakes us for completions: watching it costs nothing. */
	return n < 0 ? n : 1;
}

/* Waits out what is in flight, its results dropped (the queues are reset next). */
static void blk_drop_in_flight(struct virtio_blk *blk)
{
	if (!blk->nr_busy)
		return;
	blk->dropping = true;
	blk->be->ops->wait_all(blk->be, blk_aio_done, blk);
	blk->dropping = false;
}

static void blk_reset(struct virtio_dev *dev)
{
	blk_drop_in_flight(dev->priv);
}

static void blk_destroy(struct virtio_dev *dev)
{
	struct virtio_blk *blk = dev->priv;

	blk_drop_in_flight(blk);
	blk->be->ops->close(blk->be);
	virtio_dev_fini(dev);
	if (blk->slots)
		for (unsigned int i = 0; i < BLK_MAX_IN_FLIGHT; i++)
			free(blk->slots[i].iov);
	free(blk->slots);
	free(blk);
}

static const struct virtio_dev_ops blk_ops = {
	.config_read = blk_config_read,
	.queue_notify = blk_queue_notify,
	.backend_ready = blk_backend_ready,
	.reset = blk_reset,
	.destroy = blk_destroy,
};

/* Slots for asynchronous I/O if the backend does it; without them everything is synchronous. */
static void blk_alloc_slots(struct virtio_blk *blk)
{
	struct virtio_blk_backend *be = blk->be;

	if (!be->ops->submit || !be->ops->reap || !be->ops->wait_all || be->aio_fd < 0)
		return;
	blk->slots = calloc(BLK_MAX_IN_FLIGHT, sizeof(*blk->slots));
	for (unsigned int i = 0; blk->slots && i < BLK_MAX_IN_FLIGHT; i++) {
		blk->slots[i].blk = blk;
		blk->slots[i].iov = calloc(blk->seg_max, sizeof(struct iovec));
		if (!blk->slots[i].iov) {
			for (unsigned int j = 0; j < i; j++)
				free(blk->slots[j].iov);
			free(blk->slots);
			blk->slots = NULL;
		}
	}
	if (blk->slots)
		blk->dev.backend_fd = be->aio_fd;
}

static void blk_fill_config(struct virtio_blk *blk, const struct virtio_blk_params *p)
{
	struct virtio_blk_config *cfg = &blk->config;
	uint32_t blk_size = p && p->blk_size ? p->blk_size : SECTOR_SIZE;

	cfg->capacity = htole64(blk->capacity);
	cfg->size_max = htole32(blk->size_max);
	cfg->seg_max = htole32(blk->seg_max);
	cfg->blk_size = htole32(blk_size);
	cfg->max_discard_sectors = htole32(VIRTIO_BLK_MAX_DISCARD_SECTORS);
	cfg->max_discard_seg = htole32(VIRTIO_BLK_MAX_DISCARD_SEG);
	cfg->discard_sector_alignment = htole32(blk_size >> SECTOR_SHIFT);
	cfg->max_write_zeroes_sectors = htole32(VIRTIO_BLK_MAX_DISCARD_SECTORS);
	cfg->max_write_zeroes_seg = htole32(VIRTIO_BLK_MAX_DISCARD_SEG);
	cfg->write_zeroes_may_unmap = 1;
}

int virtio_blk_create(struct virtio_dev **out, const struct gmem *gm, struct virtio_blk_backend *be,
		      const struct virtio_blk_params *p)
{
	struct virtio_blk *blk;
	uint64_t features = (1ull << VIRTIO_BLK_F_SIZE_MAX) | (1ull << VIRTIO_BLK_F_SEG_MAX) |
			    (1ull << VIRTIO_BLK_F_BLK_SIZE) | (1ull << VIRTIO_BLK_F_FLUSH);
	uint16_t qsize = p && p->queue_size ? p->queue_size : 256;
	uint32_t seg_max = p && p->seg_max ? p->seg_max : VIRTIO_BLK_DEFAULT_SEG_MAX;
	uint32_t size_max = p && p->size_max ? p->size_max : VIRTIO_BLK_DEFAULT_SIZE_MAX;
	uint16_t nq = p && p->num_queues ? p->num_queues : 1;
	int err;

	/*
	 * Header and status take two more segments of a chain. Linux raises a
	 * segment limit below a page to a page, which would then fail.
	 */
	if (seg_max > VIRTQ_MAX_SEGS - 2 || size_max < VIRTIO_BLK_MIN_SIZE_MAX ||
	    (uint64_t)seg_max * size_max > VIRTIO_BLK_MAX_REQUEST_BYTES ||
	    (p && p->blk_size &&
	     (p->blk_size < SECTOR_SIZE || (p->blk_size & (p->blk_size - 1)))) ||
	    nq > VIRTIO_BLK_MAX_QUEUES) {
		be->ops->close(be);
		return -EINVAL;
	}
	blk = calloc(1, sizeof(*blk));
	if (!blk) {
		be->ops->close(be);
		return -ENOMEM;
	}
	blk->be = be;
	blk->seg_max = seg_max;
	blk->size_max = size_max;
	blk->capacity = be->size >> SECTOR_SHIFT;
	blk->read_only = be->read_only || (p && p->read_only);
	if (blk->read_only) {
		features |= 1ull << VIRTIO_BLK_F_RO;
	} else {
		if (be->ops->discard)
			features |= 1ull << VIRTIO_BLK_F_DISCARD;
		if (be->ops->write_zeroes)
			features |= 1ull << VIRTIO_BLK_F_WRITE_ZEROES;
	}
	/* The ID is 20 bytes, NUL-terminated only if shorter. */
	if (p && p->serial)
		memcpy(blk->serial, p->serial, strnlen(p->serial, sizeof(blk->serial)));
	if (nq > 1)
		features |= 1ull << VIRTIO_BLK_F_MQ;
	blk_fill_config(blk, p);
	blk->config.num_queues = htole16(nq);
	err = virtio_dev_init(&blk->dev, "virtio-blk", VIRTIO_ID_BLOCK, nq, qsize, BLK_CONFIG_SIZE,
			      features, gm, &blk_ops, blk);
	if (err) {
		be->ops->close(be);
		free(blk);
		return err;
	}
	blk_alloc_slots(blk);
	*out = &blk->dev;
	return 0;
}

/* ---- for blk devices another process serves (vhost-user) ---------------------- */

int virtio_blk_fail_request(struct virtio_dev *dev, struct virtq *vq, struct virtq_chain *c)
{
	uint8_t status = VIRTIO_BLK_S_IOERR;

	(void)dev, (void)vq;
	/* The status byte ends the chain's writable part; none: nothing to say it in. */
	if (!c->write_len)
		return 0;
	virtq_chain_write(c, c->write_len - 1, &status, 1);
	return 1;
}

void virtio_blk_config_fit_queues(void *config, uint16_t num_queues)
{
	struct virtio_blk_config *cfg = config;

	if (le16toh(cfg->num_queues) > num_queues || !cfg->num_queues)
		cfg->num_queues = htole16(num_queues);
}
