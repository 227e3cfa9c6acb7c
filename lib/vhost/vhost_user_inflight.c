// SPDX-License-Identifier: GPL-2.0
/*
 * Reading a vhost-user back-end's in-flight records (the shared buffer of
 * VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD, split rings) after the back-end is
 * gone, to complete with an error what it had taken and not finished.
 *
 * Layout (vhost-user specification, "Inflight I/O tracking"): the buffer
 * holds one region per queue, equally sized (mmap_size / num_queues);
 * a region is a 16-byte header {u64 features; u16 version; u16 desc_num;
 * u16 last_batch_head; u16 used_idx} and desc_num 16-byte records
 * {u8 inflight; u8 pad[5]; u16 next; u64 counter}, record i for the
 * descriptor head i. The back-end sets inflight when it takes a head from
 * the avail ring and clears it after publishing its used entry, then
 * stores used_idx: a used index in the ring that differs from the
 * region's means the last batch's head (last_batch_head) was published
 * but not yet cleared.
 *
 * Everything in the buffer is the back-end's, hence hostile: sizes and
 * indices are checked against the buffer and the ring before use, each
 * field is read once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <splitvirt/vhost_user.h>

/* Header offsets: desc_num, last_batch_head, used_idx. */
#define OFF_DESC_NUM 10
#define OFF_BATCH_HEAD 12
#define OFF_USED_IDX 14
#define REGION_HDR 16u
#define RECORD 16u

struct rec {
	uint16_t head;
	uint64_t counter;
};

static uint16_t ld16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t ld64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The region of queue q and how many records it may hold, or NULL. */
static uint8_t *region_of(void *buf, uint64_t size, uint16_t num_queues, uint16_t q,
			  uint16_t ring_size, uint32_t *nrec)
{
	uint64_t stride, have;
	uint16_t desc_num;
	uint8_t *r;

	if (!buf || !num_queues || q >= num_queues)
		return NULL;
	stride = size / num_queues;
	if (stride < REGION_HDR)
		return NULL;
	r = (uint8_t *)buf + stride * q;
	desc_num = ld16(r + OFF_DESC_NUM);
	have = (stride - REGION_HDR) / RECORD;
	/* Heads beyond the ring cannot be ours, records beyond the region not read. */
	*nrec = desc_num;
	if (*nrec > ring_size)
		*nrec = ring_size;
	if (*nrec > have)
		*nrec = (uint32_t)have;
	return r;
}

static int by_counter(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	return x->counter < y->counter ? -1 : x->counter > y->counter;
}

int vhost_user_inflight_heads(const void *buf, uint64_t size, uint16_t num_queues, uint16_t q,
			      uint16_t ring_size, uint16_t used_idx, uint16_t *heads)
{
	uint32_t nrec, n = 0;
	const uint8_t *r = region_of((void *)buf, size, num_queues, q, ring_size, &nrec);
	uint16_t batch_head;
	struct rec *recs;

	if (!r)
		return -EINVAL;
	if (!nrec)
		return 0;
	recs = calloc(nrec, sizeof(*recs));
	if (!recs)
		return -ENOMEM;
	/* Published but not cleared: already in the used ring. */
	batch_head = ld16(r + OFF_USED_IDX) != used_idx ? ld16(r + OFF_BATCH_HEAD) : UINT16_MAX;
	for (uint32_t i = 0; i < nrec; i++) {
		const uint8_t *d = r + REGION_HDR + (uint64_t)RECORD * i;

		if (d[0] != 1 || i == batch_head)
			continue;
		recs[n].head = (uint16_t)i;
		recs[n].counter = ld64(d + 8);
		n++;
	}
	/* The order the back-end took them in: completions in that order. */
	qsort(recs, n, sizeof(*recs), by_counter);
	for (uint32_t i = 0; i < n; i++)
		heads[i] = recs[i].head;
	free(recs);
	return (int)n;
}

int vhost_user_inflight_forget(void *buf, uint64_t size, uint16_t num_queues, uint16_t q,
			       uint16_t ring_size, uint16_t used_idx)
{
	uint32_t nrec;
	uint8_t *r = region_of(buf, size, num_queues, q, ring_size, &nrec);

	if (!r)
		return -EINVAL;
	for (uint32_t i = 0; i < nrec; i++)
		r[REGION_HDR + (uint64_t)RECORD * i] = 0;
	/* The records now agree with the ring: nothing left in the last batch. */
	memcpy(r + OFF_USED_IDX, &used_idx, sizeof(used_idx));
	return 0;
}
