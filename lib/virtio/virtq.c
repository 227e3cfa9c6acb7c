// SPDX-License-Identifier: GPL-2.0
/*
 * Device side of a virtio 1.x split virtqueue.
 *
 * Memory ordering with the guest driver (virtio 1.x 2.7.13 / 2.7.7):
 *  - The driver writes descriptors and avail->ring[] and then publishes
 *    avail->idx with a write barrier. We load avail->idx with acquire
 *    semantics before reading the ring entry and descriptors it covers.
 *  - We write used->ring[] entries and publish used->idx with a release
 *    store, so the driver never sees an index before its elements.
 *  - Interrupt suppression and kick suppression are "store then load"
 *    patterns on both sides (we store used->idx / avail_event, then load
 *    used_event / avail->idx); those need a full (seq_cst) fence, matched
 *    by the full barrier the driver uses in virtqueue_kick_prepare() and
 *    virtqueue_enable_cb().
 * Guest memory is plain shared memory, not _Atomic objects, so the
 * __atomic builtins (the C11 memory model on ordinary objects) are used for
 * ring indices; virtio is little-endian, hence the le16toh/htole conversions.
 */
#include <endian.h>
#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include <linux/virtio_ring.h>

#include <splitvirt/log.h>
#include <splitvirt/virtio_queue.h>

static inline uint16_t ring_load_acquire(const uint16_t *p)
{
	return le16toh(__atomic_load_n(p, __ATOMIC_ACQUIRE));
}

static inline uint16_t ring_load(const uint16_t *p)
{
	return le16toh(__atomic_load_n(p, __ATOMIC_RELAXED));
}

static inline void ring_store(uint16_t *p, uint16_t v)
{
	__atomic_store_n(p, htole16(v), __ATOMIC_RELAXED);
}

static inline void ring_store_release(uint16_t *p, uint16_t v)
{
	__atomic_store_n(p, htole16(v), __ATOMIC_RELEASE);
}

/* used_event lives after the avail ring, avail_event after the used ring. */
static inline uint16_t *used_event_ptr(struct virtq *vq)
{
	return (uint16_t *)&vq->avail->ring[vq->size];
}

static inline uint16_t *avail_event_ptr(struct virtq *vq)
{
	return (uint16_t *)&vq->used->ring[vq->size];
}

size_t virtq_desc_bytes(uint16_t n)
{
	return (size_t)n * sizeof(struct vring_desc);
}

size_t virtq_avail_bytes(uint16_t n)
{
	/* flags, idx, ring[n], used_event */
	return 2 * sizeof(uint16_t) + (size_t)n * sizeof(uint16_t) + sizeof(uint16_t);
}

size_t virtq_used_bytes(uint16_t n)
{
	/* flags, idx, ring[n], avail_event */
	return 2 * sizeof(uint16_t) + (size_t)n * sizeof(struct vring_used_elem) + sizeof(uint16_t);
}

void virtq_init(struct virtq *vq, uint16_t index, uint16_t max_size, const struct gmem *gm,
		virtq_error_fn on_error, void *opaque)
{
	memset(vq, 0, sizeof(*vq));
	vq->index = index;
	vq->max_size = max_size;
	vq->gmem = gm;
	vq->on_error = on_error;
	vq->error_opaque = opaque;
	virtq_reset(vq);
}

void virtq_reset(struct virtq *vq)
{
	vq->size = vq->max_size;
	vq->msix_vector = 0xffff; /* VIRTIO_MSI_NO_VECTOR */
	vq->enabled = false;
	vq->desc_gpa = vq->avail_gpa = vq->used_gpa = 0;
	vq->event_idx = vq->indirect = false;
	vq->desc = NULL;
	vq->avail = NULL;
	vq->used = NULL;
	vq->last_avail_idx = 0;
	vq->used_idx = 0;
	vq->published_used_idx = 0;
	vq->signalled_used = 0;
	vq->signalled_used_valid = false;
	vq->broken = false;
	vq->polled = false;
	vq->last_error = 0;
	vq->deferred_first = vq->nr_deferred = 0;
}

static int virtq_fail(struct virtq *vq, int err, const char *why)
{
	if (!vq->broken) {
		pr_warn_limited(&vq->hostile_logs,
				"virtq %u: hostile ring: %s (%d), device needs reset", vq->index,
				why, err);
		vq->broken = true;
		vq->last_error = err;
		if (vq->on_error)
			vq->on_error(vq, err, vq->error_opaque);
	}
	return err;
}

int virtq_enable(struct virtq *vq, bool event_idx, bool indirect)
{
	uint16_t n = vq->size;

	if (!n || (n & (n - 1)) || n > vq->max_size)
		return -EINVAL;
	/* Alignment per virtio 1.x 2.7: desc 16, avail 2, used 4. */
	vq->desc = gmem_translate_aligned(vq->gmem, vq->desc_gpa, virtq_desc_bytes(n), 16);
	vq->avail = gmem_translate_aligned(vq->gmem, vq->avail_gpa, virtq_avail_bytes(n), 2);
	vq->used = gmem_translate_aligned(vq->gmem, vq->used_gpa, virtq_used_bytes(n), 4);
	if (!vq->desc || !vq->avail || !vq->used) {
		vq->desc = NULL;
		vq->avail = NULL;
		vq->used = NULL;
		return -EINVAL;
	}
	vq->event_idx = event_idx;
	vq->indirect = indirect;
	vq->last_avail_idx = 0;
	vq->used_idx = 0;
	vq->published_used_idx = 0;
	vq->signalled_used_valid = false;
	vq->broken = false;
	vq->polled = false;
	vq->deferred_first = vq->nr_deferred = 0;
	vq->enabled = true;
	return 0;
}

void virtq_resync(struct virtq *vq)
{
	uint16_t used;

	if (!vq->enabled)
		return;
	/*
	 * A hostile value only makes the next pop see "too far ahead" and
	 * break the queue; nothing is dereferenced on its account.
	 */
	used = ring_load_acquire(&vq->used->idx);
	vq->last_avail_idx = used;
	vq->used_idx = used;
	vq->published_used_idx = used;
	/* Whoever held chains in flight is gone: they count as not popped. */
	vq->deferred_first = vq->nr_deferred = 0;
	/* We do not know what the last interrupt covered: the next one goes out. */
	vq->signalled_used_valid = false;
}

/* Reads one descriptor exactly once; the guest may rewrite it concurrently. */
static void desc_read(const struct vring_desc *table, uint32_t i, struct vring_desc *out)
{
	memcpy(out, &table[i], sizeof(*out));
	/* Keep the compiler from re-fetching fields from guest memory later. */
	atomic_signal_fence(memory_order_seq_cst);
	out->addr = le64toh(out->addr);
	out->len = le32toh(out->len);
	out->flags = le16toh(out->flags);
	out->next = le16toh(out->next);
}

static int chain_add_seg(struct virtq *vq, struct virtq_chain *c, const struct vring_desc *d)
{
	uint16_t nr = c->nr_read + c->nr_write;
	bool writable = d->flags & VRING_DESC_F_WRITE;
	void *p;

	if (!d->len)
		return 0; /* nothing to transfer; tolerated */
	if (nr >= VIRTQ_MAX_SEGS)
		return virtq_fail(vq, -E2BIG, "chain has too many segments");
	if ((uint64_t)c->read_len + c->write_len + d->len > VIRTQ_MAX_CHAIN_BYTES)
		return virtq_fail(vq, -E2BIG, "chain too long in bytes");
	p = gmem_translate(vq->gmem, d->addr, d->len);
	if (!p)
		return virtq_fail(vq, -EFAULT, "descriptor outside guest memory");
	if (!writable && c->nr_write)
		return virtq_fail(vq, -EPROTO, "readable descriptor after writable one");
	c->segs[nr].base = p;
	c->segs[nr].len = d->len;
	if (writable) {
		c->nr_write++;
		c->write_len += d->len;
	} else {
		c->nr_read++;
		c->read_len += d->len;
	}
	return 0;
}

/*
 * Walks the chain starting at head. Each table (the ring's descriptor table
 * or one indirect table) is walked at most table-size steps, so a loop is
 * detected as "too long" without remembering visited entries.
 */
static int chain_walk(struct virtq *vq, uint16_t head, struct virtq_chain *c)
{
	const struct vring_desc *table = vq->desc;
	uint32_t table_size = vq->size;
	uint32_t steps = 0;
	bool in_indirect = false;
	uint32_t i = head;
	int err;

	c->head = head;
	c->nr_read = c->nr_write = 0;
	c->read_len = c->write_len = 0;
	for (;;) {
		struct vring_desc d;

		if (i >= table_size)
			return virtq_fail(vq, -EPROTO, "descriptor index out of range");
		if (++steps > table_size)
			return virtq_fail(vq, -ELOOP, "descriptor chain loops or exceeds table");
		desc_read(table, i, &d);
		if (d.flags & VRING_DESC_F_INDIRECT) {
			if (!vq->indirect)
				return virtq_fail(vq, -EPROTO,
						  "indirect descriptor not negotiated");
			if (in_indirect)
				return virtq_fail(vq, -EPROTO, "nested indirect descriptor");
			if (d.flags & VRING_DESC_F_NEXT)
				return virtq_fail(vq, -EPROTO, "indirect descriptor with NEXT");
			if (!d.len || d.len % sizeof(struct vring_desc) ||
			    d.len / sizeof(struct vring_desc) > VIRTQ_MAX_SEGS)
				return virtq_fail(vq, -EPROTO, "bad indirect table length");
			table = gmem_translate(vq->gmem, d.addr, d.len);
			if (!table)
				return virtq_fail(vq, -EFAULT,
						  "indirect table outside guest memory");
			table_size = d.len / sizeof(struct vring_desc);
			in_indirect = true;
			steps = 0;
			i = 0;
			continue;
		}
		err = chain_add_seg(vq, c, &d);
		if (err)
			return err;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		i = d.next;
	}
}

int virtq_pop(struct virtq *vq, struct virtq_chain *chain)
{
	uint16_t avail_idx, pending, head;
	int err;

	if (vq->broken)
		return -EIO;
	if (!vq->enabled)
		return 0;
	/* Acquire: the ring entry and descriptors below were written before idx. */
	avail_idx = ring_load_acquire(&vq->avail->idx);
	pending = (uint16_t)(avail_idx - vq->last_avail_idx);
	if (pending > vq->size)
		return virtq_fail(vq, -EPROTO, "avail index too far ahead");
	if (!pending)
		return 0;
	/* A driver has only size descriptors to put in flight; more is a replayed head. */
	if (vq->nr_deferred >= vq->size)
		return virtq_fail(vq, -EPROTO, "more chains in flight than the ring holds");
	head = ring_load(&vq->avail->ring[vq->last_avail_idx & (vq->size - 1)]);
	if (head >= vq->size)
		return virtq_fail(vq, -EPROTO, "avail ring head out of range");
	err = chain_walk(vq, head, chain);
	if (err)
		return err;
	vq->last_avail_idx++;
	return 1;
}

int virtq_chain_at(struct virtq *vq, uint16_t head, struct virtq_chain *chain)
{
	if (vq->broken)
		return -EIO;
	if (!vq->enabled || head >= vq->size)
		return -EINVAL;
	return chain_walk(vq, head, chain);
}

void virtq_unpop(struct virtq *vq, uint16_t n)
{
	vq->last_avail_idx -= n;
}

bool virtq_has_avail(struct virtq *vq)
{
	if (!vq->enabled || vq->broken)
		return false;
	return ring_load_acquire(&vq->avail->idx) != vq->last_avail_idx;
}

void virtq_add_used(struct virtq *vq, uint16_t head, uint32_t len)
{
	struct vring_used_elem *e;

	if (!vq->enabled || vq->broken)
		return;
	e = &vq->used->ring[vq->used_idx & (vq->size - 1)];
	__atomic_store_n(&e->id, htole32(head), __ATOMIC_RELAXED);
	__atomic_store_n(&e->len, htole32(len), __ATOMIC_RELAXED);
	vq->used_idx++;
}

void virtq_publish_used(struct virtq *vq)
{
	if (!vq->enabled || vq->broken || vq->published_used_idx == vq->used_idx)
		return;
	/* Release: the used elements above become visible before the index. */
	ring_store_release(&vq->used->idx, vq->used_idx);
	vq->published_used_idx = vq->used_idx;
}

/* virtq_pop refuses a chain beyond a ring's worth in flight: the records never overflow. */
void virtq_defer(struct virtq *vq, uint16_t head, bool done, uint32_t len)
{
	struct virtq_deferred *d;

	if (vq->nr_deferred >= VIRTQ_MAX_SIZE)
		return;
	d = &vq->deferred[(vq->deferred_first + vq->nr_deferred) % VIRTQ_MAX_SIZE];
	*d = (struct virtq_deferred){ .head = head, .done = done, .len = len };
	vq->nr_deferred++;
}

int virtq_complete(struct virtq *vq, uint16_t head, uint32_t len)
{
	for (uint16_t i = 0; i < vq->nr_deferred; i++) {
		struct virtq_deferred *d = &vq->deferred[(vq->deferred_first + i) % VIRTQ_MAX_SIZE];

		if (d->head == head && !d->done) {
			d->done = true;
			d->len = len;
			return 0;
		}
	}
	return -ENOENT;
}

unsigned int virtq_publish_done(struct virtq *vq)
{
	unsigned int n = 0;

	while (vq->nr_deferred && vq->deferred[vq->deferred_first].done) {
		const struct virtq_deferred *d = &vq->deferred[vq->deferred_first];

		virtq_add_used(vq, d->head, d->len);
		vq->deferred_first = (uint16_t)((vq->deferred_first + 1) % VIRTQ_MAX_SIZE);
		vq->nr_deferred--;
		n++;
	}
	if (n)
		virtq_publish_used(vq);
	return n;
}

void virtq_push(struct virtq *vq, uint16_t head, uint32_t len)
{
	virtq_add_used(vq, head, len);
	virtq_publish_used(vq);
}

bool virtq_should_notify(struct virtq *vq)
{
	uint16_t old, new, event;
	bool valid;

	if (!vq->enabled || vq->broken)
		return false;
	/*
	 * Full fence: our used->idx store must be visible before we read the
	 * driver's suppression state, else we could miss its re-enable.
	 */
	atomic_thread_fence(memory_order_seq_cst);
	if (!vq->event_idx)
		return !(ring_load(&vq->avail->flags) & VRING_AVAIL_F_NO_INTERRUPT);
	old = vq->signalled_used;
	valid = vq->signalled_used_valid;
	new = vq->published_used_idx;
	vq->signalled_used = new;
	vq->signalled_used_valid = true;
	if (!valid)
		return true;
	event = ring_load(used_event_ptr(vq));
	/* Interrupt iff used_event lies in [old, new): the driver asked for it. */
	return (uint16_t)(new - event - 1) < (uint16_t)(new - old);
}

void virtq_disable_notify(struct virtq *vq)
{
	if (!vq->enabled || vq->broken)
		return;
	/* With EVENT_IDX the driver kicks only when it passes avail_event. */
	if (!vq->event_idx)
		ring_store(&vq->used->flags, VRING_USED_F_NO_NOTIFY);
}

/*
 * Kicks off for good: with EVENT_IDX an avail_event just behind what we
 * consumed, which the driver reaches only after wrapping the 16-bit index
 * (we poll long before); else the NO_NOTIFY flag.
 */
static void suppress_kicks(struct virtq *vq)
{
	if (vq->event_idx)
		ring_store(avail_event_ptr(vq), (uint16_t)(vq->last_avail_idx - 1));
	else
		ring_store(&vq->used->flags, VRING_USED_F_NO_NOTIFY);
}

bool virtq_set_polled(struct virtq *vq, bool polled)
{
	if (!vq->enabled || vq->broken) {
		vq->polled = false;
		return false;
	}
	vq->polled = polled;
	if (polled) {
		suppress_kicks(vq);
		return false;
	}
	return virtq_notify_on_more(vq, 0);
}

bool virtq_notify_on_more(struct virtq *vq, uint16_t have)
{
	uint16_t event = (uint16_t)(vq->last_avail_idx + have);

	if (!vq->enabled || vq->broken)
		return false;
	if (vq->polled) {
		/* The poller looks again soon: keep kicks off, just tell. */
		suppress_kicks(vq);
		return (uint16_t)(ring_load_acquire(&vq->avail->idx) - vq->last_avail_idx) > have;
	}
	/* The driver kicks when its avail idx moves past avail_event. */
	if (vq->event_idx)
		ring_store(avail_event_ptr(vq), event);
	else
		ring_store(&vq->used->flags, 0);
	/* Full fence: publish the request before re-checking avail->idx. */
	atomic_thread_fence(memory_order_seq_cst);
	return (uint16_t)(ring_load_acquire(&vq->avail->idx) - vq->last_avail_idx) > have;
}

bool virtq_enable_notify(struct virtq *vq)
{
	return virtq_notify_on_more(vq, 0);
}

/* Walks segments [first, first + nr) starting at byte off, calling fn on each piece. */
static size_t chain_copy(const struct virtq_chain *c, bool write, size_t off, void *buf,
			 const void *src, size_t len)
{
	unsigned int first = write ? c->nr_read : 0;
	unsigned int nr = write ? c->nr_write : c->nr_read;
	size_t done = 0;
	unsigned int i;

	for (i = first; i < first + nr && done < len; i++) {
		const struct virtq_seg *s = &c->segs[i];
		size_t n;

		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		n = s->len - off;
		if (n > len - done)
			n = len - done;
		if (write)
			memcpy((uint8_t *)s->base + off, (const uint8_t *)src + done, n);
		else
			memcpy((uint8_t *)buf + done, (const uint8_t *)s->base + off, n);
		done += n;
		off = 0;
	}
	return done;
}

size_t virtq_chain_read(const struct virtq_chain *c, size_t off, void *buf, size_t len)
{
	return chain_copy(c, false, off, buf, NULL, len);
}

size_t virtq_chain_write(const struct virtq_chain *c, size_t off, const void *buf, size_t len)
{
	return chain_copy(c, true, off, NULL, buf, len);
}

int virtq_chain_iov(const struct virtq_chain *c, bool write, size_t off, size_t len,
		    struct iovec *iov, int max)
{
	unsigned int first = write ? c->nr_read : 0;
	unsigned int nr = write ? c->nr_write : c->nr_read;
	size_t total = write ? c->write_len : c->read_len;
	unsigned int i;
	int cnt = 0;

	if (off > total || len > total - off)
		return -ERANGE;
	for (i = first; i < first + nr && len; i++) {
		const struct virtq_seg *s = &c->segs[i];
		size_t n;

		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		if (cnt == max)
			return -ENOBUFS;
		n = s->len - off;
		if (n > len)
			n = len;
		iov[cnt].iov_base = (uint8_t *)s->base + off;
		iov[cnt].iov_len = n;
		cnt++;
		len -= n;
		off = 0;
	}
	return cnt;
}
