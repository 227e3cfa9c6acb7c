// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk over a backend that does asynchronous I/O (a fake whose
 * transfers finish when the test says so, in any order): requests stay in
 * flight while the queue moves on, complete in the used ring in the order
 * they were popped, one interrupt per batch; a reset waits for them and
 * writes nothing into the driver's buffers afterwards.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../support/unit.h"

#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>

#include <splitvirt/virtio_blk.h>

#include "../../support/testdrv.h"

#define DISK_BYTES (64u << 10)
#define MAX_PENDING 16

struct fake_async {
	struct virtio_blk_backend be;
	uint8_t disk[DISK_BYTES];
	struct virtio_blk_aio *pending[MAX_PENDING];
	int err[MAX_PENDING];
	bool finished[MAX_PENDING];
	unsigned int nr_pending;
	bool refuse; /* submit answers -EAGAIN */
	unsigned int sync_ios, waits;
};

static struct fake_async *to_fa(struct virtio_blk_backend *be)
{
	return (struct fake_async *)be;
}

static void move(struct fake_async *fa, const struct iovec *iov, int cnt, uint64_t off, bool write)
{
	for (int i = 0; i < cnt; i++) {
		if (write)
			memcpy(fa->disk + off, iov[i].iov_base, iov[i].iov_len);
		else
			memcpy(iov[i].iov_base, fa->disk + off, iov[i].iov_len);
		off += iov[i].iov_len;
	}
}

static int fa_readv(struct virtio_blk_backend *be, const struct iovec *iov, int cnt, uint64_t off)
{
	to_fa(be)->sync_ios++;
	move(to_fa(be), iov, cnt, off, false);
	return 0;
}

static int fa_writev(struct virtio_blk_backend *be, const struct iovec *iov, int cnt, uint64_t off)
{
	to_fa(be)->sync_ios++;
	move(to_fa(be), iov, cnt, off, true);
	return 0;
}

static int fa_flush(struct virtio_blk_backend *be)
{
	(void)be;
	return 0;
}

static int fa_submit(struct virtio_blk_backend *be, struct virtio_blk_aio *aio)
{
	struct fake_async *fa = to_fa(be);

	if (fa->refuse || fa->nr_pending == MAX_PENDING)
		return -EAGAIN;
	fa->finished[fa->nr_pending] = false;
	fa->err[fa->nr_pending] = 0;
	fa->pending[fa->nr_pending++] = aio;
	return 0;
}

/* Hands back the finished transfers (the I/O happens now), keeping the others in order. */
static int complete(struct fake_async *fa, bool all, virtio_blk_aio_done_fn done, void *opaque)
{
	unsigned int kept = 0, n = 0, total = fa->nr_pending;
	struct virtio_blk_aio *p[MAX_PENDING];
	bool fin[MAX_PENDING];
	int err[MAX_PENDING];

	memcpy(p, fa->pending, sizeof(p));
	memcpy(fin, fa->finished, sizeof(fin));
	memcpy(err, fa->err, sizeof(err));
	fa->nr_pending = 0;
	for (unsigned int i = 0; i < total; i++) {
		if (!all && !fin[i]) {
			fa->pending[kept] = p[i];
			fa->finished[kept] = false;
			fa->err[kept++] = 0;
			continue;
		}
		if (!err[i])
			move(fa, p[i]->iov, p[i]->cnt, p[i]->off, p[i]->write);
		done(p[i], err[i], opaque);
		n++;
	}
	fa->nr_pending = kept;
	return (int)n;
}

static int fa_reap(struct virtio_blk_backend *be, virtio_blk_aio_done_fn done, void *opaque)
{
	uint64_t v;

	if (read(be->aio_fd, &v, sizeof(v)) < 0)
		return 0;
	return complete(to_fa(be), false, done, opaque);
}

static void fa_wait_all(struct virtio_blk_backend *be, virtio_blk_aio_done_fn done, void *opaque)
{
	to_fa(be)->waits++;
	complete(to_fa(be), true, done, opaque);
}

static void fa_close(struct virtio_blk_backend *be)
{
	close(be->aio_fd);
	free(be);
}

static const struct virtio_blk_backend_ops fa_ops = {
	.readv = fa_readv,
	.writev = fa_writev,
	.flush = fa_flush,
	.submit = fa_submit,
	.reap = fa_reap,
	.wait_all = fa_wait_all,
	.close = fa_close,
};

struct fixture {
	struct testdrv td;
	struct fake_async *fa;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct virtio_blk_params p = { .serial = "async" };
	struct virtio_dev *dev;

	f->fa = calloc(1, sizeof(*f->fa));
	f->fa->be = (struct virtio_blk_backend){ .ops = &fa_ops,
						 .size = DISK_BYTES,
						 .aio_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC) };
	assert_true(f->fa->be.aio_fd >= 0);
	for (unsigned int i = 0; i < DISK_BYTES; i++)
		f->fa->disk[i] = (uint8_t)(i * 7 + i / 512);
	assert_int_equal(td_init(&f->td), 0);
	assert_int_equal(virtio_blk_create(&dev, &f->td.gm, &f->fa->be, &p), 0);
	assert_int_equal(td_attach(&f->td, dev), 0);
	assert_int_equal(td_start(&f->td, ~0ull, 64), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	td_destroy(&f->td);
	free(f);
	return 0;
}

struct posted {
	int head;
	uint64_t data, status;
};

/* Makes a 512-byte read or write of sector available (no kick). */
static struct posted post(struct fixture *f, uint32_t type, uint64_t sector)
{
	struct testdrv *td = &f->td;
	struct posted p = { .data = gram_alloc(&td->ram, 512, 512),
			    .status = gram_alloc(&td->ram, 1, 1) };
	uint64_t hgpa = gram_alloc(&td->ram, 16, 8);
	struct virtio_blk_outhdr *h = gram_ptr(&td->ram, hgpa);
	struct gbuf bufs[3] = {
		{ hgpa, 16, false },
		{ p.data, 512, type == VIRTIO_BLK_T_IN },
		{ p.status, 1, true },
	};

	h->type = type;
	h->sector = sector;
	memset(gram_ptr(&td->ram, p.data), 0x5a, 512);
	*(uint8_t *)gram_ptr(&td->ram, p.status) = 0xee;
	p.head = gvring_add(&td->vr[0], bufs, 3);
	assert_true(p.head >= 0);
	gvring_publish(&td->vr[0]);
	return p;
}

static uint8_t status_of(struct fixture *f, const struct posted *p)
{
	return *(uint8_t *)gram_ptr(&f->td.ram, p->status);
}

/* The fake says which transfers are over; the host loop reaps them. */
static void finish(struct fixture *f, unsigned int i, int err)
{
	uint64_t one = 1;

	f->fa->finished[i] = true;
	f->fa->err[i] = err;
	assert_int_equal(write(f->fa->be.aio_fd, &one, sizeof(one)), sizeof(one));
	assert_true(sv_loop_run_once(f->td.host_loop, 100) >= 1);
}

static void test_in_flight_completes_in_order(void **state)
{
	struct fixture *f = *state;
	struct testdrv *td = &f->td;
	struct posted p[3];
	uint16_t head;
	uint32_t len;

	for (int i = 0; i < 3; i++)
		p[i] = post(f, VIRTIO_BLK_T_IN, (uint64_t)i + 1);
	td_kick(td, 0);
	td_run_host(td);
	/* All three handed to the backend; the queue did not wait for any. */
	assert_int_equal(f->fa->nr_pending, 3);
	assert_int_equal(f->fa->sync_ios, 0);
	assert_false(gvring_get_used(&td->vr[0], &head, &len));
	assert_false(td_irq(td, td_queue_vector(0)));

	/* The later two finish first: their status is written, but the first holds the ring. */
	finish(f, 1, 0);
	finish(f, 1, 0); /* now index 1 of the remaining two */
	assert_int_equal(f->fa->nr_pending, 1);
	assert_int_equal(status_of(f, &p[1]), VIRTIO_BLK_S_OK);
	assert_int_equal(status_of(f, &p[0]), 0xee);
	assert_false(gvring_get_used(&td->vr[0], &head, &len));
	assert_false(td_irq(td, td_queue_vector(0)));

	finish(f, 0, 0);
	for (int i = 0; i < 3; i++) {
		assert_true(gvring_get_used(&td->vr[0], &head, &len));
		assert_int_equal(head, p[i].head);
		assert_int_equal(len, 513);
		assert_int_equal(status_of(f, &p[i]), VIRTIO_BLK_S_OK);
		assert_memory_equal(gram_ptr(&td->ram, p[i].data), f->fa->disk + 512 * (i + 1),
				    512);
	}
	assert_true(td_irq(td, td_queue_vector(0)));
}

/* A write, an error, and a backend that cannot take more (done synchronously). */
static void test_errors_and_refusal(void **state)
{
	struct fixture *f = *state;
	struct testdrv *td = &f->td;
	struct posted w, r, s;
	uint16_t head;
	uint32_t len;

	w = post(f, VIRTIO_BLK_T_OUT, 4);
	r = post(f, VIRTIO_BLK_T_IN, 5);
	td_kick(td, 0);
	td_run_host(td);
	assert_int_equal(f->fa->nr_pending, 2);
	finish(f, 0, 0);
	finish(f, 0, -EIO);
	assert_true(gvring_get_used(&td->vr[0], &head, &len));
	assert_int_equal(len, 1); /* a write returns only its status */
	assert_int_equal(status_of(f, &w), VIRTIO_BLK_S_OK);
	assert_int_equal(f->fa->disk[4 * 512], 0x5a);
	assert_true(gvring_get_used(&td->vr[0], &head, &len));
	assert_int_equal(len, 1);
	assert_int_equal(status_of(f, &r), VIRTIO_BLK_S_IOERR);

	f->fa->refuse = true;
	s = post(f, VIRTIO_BLK_T_IN, 6);
	td_kick(td, 0);
	td_run_host(td);
	assert_int_equal(f->fa->sync_ios, 1);
	assert_true(gvring_get_used(&td->vr[0], &head, &len));
	assert_int_equal(head, s.head);
	assert_int_equal(status_of(f, &s), VIRTIO_BLK_S_OK);
}

/* A synchronous request behind ones in flight waits for them in the used ring. */
static void test_sync_behind_in_flight(void **state)
{
	struct fixture *f = *state;
	struct testdrv *td = &f->td;
	struct posted a[2], b;
	uint16_t head;
	uint32_t len;

	a[0] = post(f, VIRTIO_BLK_T_IN, 1);
	a[1] = post(f, VIRTIO_BLK_T_IN, 3);
	td_kick(td, 0);
	td_run_host(td);
	assert_int_equal(f->fa->nr_pending, 2);
	f->fa->refuse = true;
	b = post(f, VIRTIO_BLK_T_IN, 2);
	td_kick(td, 0);
	td_run_host(td);
	assert_int_equal(status_of(f, &b), VIRTIO_BLK_S_OK);
	assert_false(gvring_get_used(&td->vr[0], &head, &len));
	finish(f, 0, 0);
	finish(f, 0, 0);
	for (int i = 0; i < 2; i++) {
		assert_true(gvring_get_used(&td->vr[0], &head, &len));
		assert_int_equal(head, a[i].head);
	}
	assert_true(gvring_get_used(&td->vr[0], &head, &len));
	assert_int_equal(head, b.head);
}

/* A lone request (nothing in flight, nothing behind it) is served synchronously: cheaper. */
static void test_lone_request_sync(void **state)
{
	struct fixture *f = *state;
	struct testdrv *td = &f->td;
	struct posted p;
	uint16_t head;
	uint32_t len;

	p = post(f, VIRTIO_BLK_T_IN, 7);
	td_kick(td, 0);
	td_run_host(td);
	assert_int_equal(f->fa->nr_pending, 0);
	assert_int_equal(f->fa->sync_ios, 1);
	assert_true(gvring_get_used(&td->vr[0], &head, &len));
	assert_int_equal(head, p.head);
	assert_int_equal(status_of(f, &p), VIRTIO_BLK_S_OK);
}

/* A reset waits for what is in flight and writes nothing into the buffers afterwards. */
static void test_reset_waits_and_drops(void **state)
{
	struct fixture *f = *state;
	struct testdrv *td = &f->td;
	struct posted p, q;
	uint16_t head;
	uint32_t len;

	p = post(f, VIRTIO_BLK_T_IN, 3);
	q = post(f, VIRTIO_BLK_T_IN, 4);
	td_kick(td, 0);
	td_run_host(td);
	assert_int_equal(f->fa->nr_pending, 2);
	td_reset(td);
	assert_int_equal(f->fa->waits, 1);
	assert_int_equal(f->fa->nr_pending, 0);
	assert_int_equal(status_of(f, &p), 0xee);
	assert_int_equal(status_of(f, &q), 0xee);
	assert_false(gvring_get_used(&td->vr[0], &head, &len));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		SV_TEST(test_in_flight_completes_in_order),
		SV_TEST(test_errors_and_refusal),
		SV_TEST(test_sync_behind_in_flight),
		SV_TEST(test_reset_waits_and_drops),
		SV_TEST(test_lone_request_sync),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
