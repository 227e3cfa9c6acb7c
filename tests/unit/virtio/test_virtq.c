// SPDX-License-Identifier: GPL-2.0
/* Split virtqueue and guest memory map: normal operation and hostile rings. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../support/unit.h"

#include <splitvirt/gmem.h>
#include <splitvirt/virtio_queue.h>

#include "../../support/guest.h"

#define RAM_GPA 0x40000000ull
#define RAM_SIZE (1u << 20)
#define QSZ 8

struct fixture {
	struct gmem gm;
	struct gram g;
	struct gvring r;
	struct virtq vq;
	struct virtq_chain chain;
	int errors;
	int last_err;
};

static void on_error(struct virtq *vq, int err, void *opaque)
{
	struct fixture *f = opaque;

	(void)vq;
	f->errors++;
	f->last_err = err;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	gmem_init(&f->gm);
	assert_int_equal(gram_init(&f->g, &f->gm, RAM_GPA, RAM_SIZE), 0);
	gvring_init(&f->r, &f->g, QSZ);
	virtq_init(&f->vq, 0, QSZ, &f->gm, on_error, f);
	f->vq.desc_gpa = f->r.desc_gpa;
	f->vq.avail_gpa = f->r.avail_gpa;
	f->vq.used_gpa = f->r.used_gpa;
	assert_int_equal(virtq_enable(&f->vq, false, true), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	gram_destroy(&f->g);
	free(f);
	return 0;
}

static void expect_broken(struct fixture *f, int err)
{
	assert_int_equal(virtq_pop(&f->vq, &f->chain), err);
	assert_true(f->vq.broken);
	assert_int_equal(f->errors, 1);
	/* Stays broken, without a second error report. */
	assert_int_equal(virtq_pop(&f->vq, &f->chain), -EIO);
	assert_int_equal(f->errors, 1);
}

static void test_gmem_translate(void **state)
{
	struct gmem gm;
	static uint8_t a[4096], b[4096];

	(void)state;
	gmem_init(&gm);
	assert_int_equal(gmem_add_region(&gm, 0x1000, sizeof(a), a), 0);
	assert_int_equal(gmem_add_region(&gm, 0x1800, 16, b), -EINVAL);
	assert_int_equal(gmem_add_region(&gm, 0, 0x1001, b), -EINVAL);
	assert_int_equal(gmem_add_region(&gm, UINT64_MAX - 10, 100, b), -EINVAL);
	assert_int_equal(gmem_add_region(&gm, 0, 0, b), -EINVAL);
	assert_int_equal(gmem_add_region(&gm, 0x10000, sizeof(b), b), 0);

	assert_ptr_equal(gmem_translate(&gm, 0x1000, 4096), a);
	assert_ptr_equal(gmem_translate(&gm, 0x1fff, 1), a + 4095);
	assert_null(gmem_translate(&gm, 0x1fff, 2));
	assert_null(gmem_translate(&gm, 0xfff, 2));
	assert_null(gmem_translate(&gm, 0x2000, 0));
	assert_ptr_equal(gmem_translate(&gm, 0x10010, 0), b + 16);
	/* Ranges crossing two regions are refused even if both are mapped. */
	assert_null(gmem_translate(&gm, 0x1000, 0x20000));
	assert_null(gmem_translate(&gm, 0x1800, UINT64_MAX));
	assert_null(gmem_translate(&gm, UINT64_MAX, 2));
	assert_null(gmem_translate(&gm, 0x10000, (uint64_t)-0x10000));
	assert_null(gmem_translate_aligned(&gm, 0x1001, 4, 4));
	assert_int_equal(gmem_remove_region(&gm, 0x1000), 0);
	assert_null(gmem_translate(&gm, 0x1000, 1));
	assert_int_equal(gmem_remove_region(&gm, 0x1000), -ENOENT);
}

static void test_pop_simple_chain(void **state)
{
	struct fixture *f = *state;
	uint64_t b0 = gram_alloc(&f->g, 16, 8), b1 = gram_alloc(&f->g, 100, 8);
	uint64_t b2 = gram_alloc(&f->g, 64, 8);
	struct gbuf bufs[] = { { b0, 16, false }, { b1, 100, false }, { b2, 64, true } };
	uint16_t head;
	uint32_t len;
	char tmp[8];
	int h;

	memcpy(gram_ptr(&f->g, b0), "header..", 8);
	assert_int_equal(virtq_pop(&f->vq, &f->chain), 0);
	h = gvring_add(&f->r, bufs, 3);
	assert_true(h >= 0);
	/* Not published yet: nothing to pop. */
	assert_int_equal(virtq_pop(&f->vq, &f->chain), 0);
	gvring_publish(&f->r);
	assert_true(virtq_has_avail(&f->vq));
	assert_int_equal(virtq_pop(&f->vq, &f->chain), 1);
	assert_int_equal(f->chain.head, h);
	assert_int_equal(f->chain.nr_read, 2);
	assert_int_equal(f->chain.nr_write, 1);
	assert_int_equal(f->chain.read_len, 116);
	assert_int_equal(f->chain.write_len, 64);
	assert_ptr_equal(f->chain.segs[2].base, gram_ptr(&f->g, b2));
	assert_int_equal(virtq_chain_read(&f->chain, 0, tmp, 8), 8);
	assert_memory_equal(tmp, "header..", 8);
	assert_int_equal(virtq_chain_write(&f->chain, 60, "abcdefgh", 8), 4);
	assert_memory_equal(gram_ptr(&f->g, b2 + 60), "abcd", 4);
	assert_int_equal(virtq_pop(&f->vq, &f->chain), 0);

	assert_false(gvring_get_used(&f->r, &head, &len));
	virtq_push(&f->vq, f->chain.head, 64);
	assert_true(gvring_get_used(&f->r, &head, &len));
	assert_int_equal(head, h);
	assert_int_equal(len, 64);
	assert_int_equal(f->errors, 0);
}

static void test_chain_iov(void **state)
{
	struct fixture *f = *state;
	uint64_t b0 = gram_alloc(&f->g, 10, 8), b1 = gram_alloc(&f->g, 10, 8);
	uint64_t b2 = gram_alloc(&f->g, 10, 8);
	struct gbuf bufs[] = { { b0, 10, true }, { b1, 10, true }, { b2, 10, true } };
	struct iovec iov[3];

	gvring_add(&f->r, bufs, 3);
	gvring_publish(&f->r);
	assert_int_equal(virtq_pop(&f->vq, &f->chain), 1);
	assert_int_equal(virtq_chain_iov(&f->chain, true, 5, 20, iov, 3), 3);
	assert_ptr_equal(iov[0].iov_base, (uint8_t *)gram_ptr(&f->g, b0) + 5);
	assert_int_equal(iov[0].iov_len, 5);
	assert_int_equal(iov[1].iov_len, 10);
	assert_int_equal(iov[2].iov_len, 5);
	assert_int_equal(virtq_chain_iov(&f->chain, true, 5, 20, iov, 2), -ENOBUFS);
	assert_int_equal(virtq_chain_iov(&f->chain, true, 25, 6, iov, 3), -ERANGE);
	assert_int_equal(virtq_chain_iov(&f->chain, false, 0, 1, iov, 3), -ERANGE);
	assert_int_equal(virtq_chain_iov(&f->chain, true, 30, 0, iov, 3), 0);
}

static void test_indirect_chain(void **state)
{
	struct fixture *f = *state;
	uint64_t b0 = gram_alloc(&f->g, 16, 8), b1 = gram_alloc(&f->g, 512, 8);
	struct gbuf bufs[] = { { b0, 16, false }, { b1, 512, true } };
	int h = gvring_add_indirect(&f->r, bufs, 2);

	gvring_publish(&f->r);
	assert_int_equal(virtq_pop(&f->vq, &f->chain), 1);
	assert_int_equal(f->chain.head, h);
	assert_int_equal(f->chain.nr_read, 1);
	assert_int_equal(f->chain.nr_write, 1);
	assert_int_equal(f->chain.write_len, 512);
}

static void test_indirect_not_negotiated(void **state)
{
	struct fixture *f = *state;
	uint64_t b0 = gram_alloc(&f->g, 16, 8);
	struct gbuf bufs[] = { { b0, 16, false } };

	f->vq.enabled = false;
	assert_int_equal(virtq_enable(&f->vq, false, false), 0);
	gvring_add_indirect(&f->r, bufs, 1);
	gvring_publish(&f->r);
	expect_broken(f, -EPROTO);
}

static void test_nested_indirect(void **state)
{
	struct fixture *f = *state;
	uint64_t b0 = gram_alloc(&f->g, 16, 8);
	struct gbuf bufs[] = { { b0, 16, false } };
	int h = gvring_add_indirect(&f->r, bufs, 1);
	struct vring_desc *t = gram_ptr(&f->g, f->r.desc[h].addr);

	/* The indirect table entry points at the table itself. */
	t[0].addr = f->r.desc[h].addr;
	t[0].len = 16;
	t[0].flags = VRING_DESC_F_INDIRECT;
	gvring_publish(&f->r);
	expect_broken(f, -EPROTO);
}

static void test_indirect_bad_len_and_next(void **state)
{
	struct fixture *f = *state;
	uint64_t b0 = gram_alloc(&f->g, 16, 8);
	struct gbuf bufs[] = { { b0, 16, false } };
	int h = gvring_add_indirect(&f->r, bufs, 1);

	f->r.desc[h].len = 20;
	gvring_publish(&f->r);
	expect_broken(f, -EPROTO);

	virtq_reset(&f->vq);
	f->errors = 0;
	f->r.desc[h].len = 16;
	f->r.desc[h].flags = VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT;
	f->vq.desc_gpa = f->r.desc_gpa;
	f->vq.avail_gpa = f->r.avail_gpa;
	f->vq.used_gpa = f->r.used_gpa;
	assert_int_equal(virtq_enable(&f->vq, false, true), 0);
	expect_broken(f, -EPROTO);
}

static void test_indirect_loop(void **state)
{
	struct fixture *f = *state;
	uint64_t b0 = gram_alloc(&f->g, 16, 8);
	struct gbuf bufs[] = { { b0, 16, false }, { b0, 16, false } };
	int h = gvring_add_indirect(&f->r, bufs, 2);
	struct vring_desc *t = gram_ptr(&f->g, f->r.desc[h].addr);

	t[1].next = 0;
	t[1].flags = VRING_DESC_F_NEXT;
	gvring_publish(&f->r);
	expect_broken(f, -ELOOP);
}

static void test_loop(void **state)
{
	struct fixture *f = *state;
	uint64_t b0 = gram_alloc(&f->g, 16, 8);
	struct gbuf bufs[] = { { b0, 16, false }, { b0, 16, false } };
	int h = gvring_add(&f->r, bufs, 2);

	f->r.desc[f->r.desc[h].next].flags |= VRING_DESC_F_NEXT;
	f->r.desc[f->r.desc[h].next].next = (uint16_t)h;
	gvring_publish(&f->r);
	expect_broken(f, -ELOOP);
}

static void test_next_out_of_range(void **state)
{
	struct fixture *f = *state;
	uint64_t b0 = gram_alloc(&f->g, 16, 8);
	struct gbuf bufs[] = { { b0, 16, false }, { b0, 16, false } };
	int h = gvring_add(&f->r, bufs, 2);

	f->r.desc[h].next = QSZ;
	gvring_publish(&f->r);
	expect_broken(f, -EPROTO);
}

static void test_bad_address_and_length(void **state)
{
	struct fixture *f = *state;
	struct gbuf bufs[] = { { RAM_GPA + RAM_SIZE - 8, 16, false } };

	gvring_add(&f->r, bufs, 1);
	gvring_publish(&f->r);
	expect_broken(f, -EFAULT);
}

static void test_address_wraps(void **state)
{
	struct fixture *f = *state;
	struct gbuf bufs[] = { { UINT64_MAX - 4, 16, true } };

	gvring_add(&f->r, bufs, 1);
	gvring_publish(&f->r);
	expect_broken(f, -EFAULT);
}

static void test_full_ram_descriptors_ok(void **state)
{
	struct fixture *f = *state;
	/* Descriptors may alias each other and cover all of guest RAM. */
	struct gbuf bufs[] = { { RAM_GPA, RAM_SIZE, false } };
	int i;

	for (i = 0; i < QSZ; i++)
		gvring_add(&f->r, bufs, 1);
	gvring_publish(&f->r);
	for (i = 0; i < QSZ; i++)
		assert_int_equal(virtq_pop(&f->vq, &f->chain), 1);
	assert_int_equal(virtq_pop(&f->vq, &f->chain), 0);
	assert_int_equal(f->errors, 0);
}

static void test_write_before_read(void **state)
{
	struct fixture *f = *state;
	uint64_t b0 = gram_alloc(&f->g, 16, 8);
	struct gbuf bufs[] = { { b0, 16, true }, { b0, 16, false } };

	gvring_add(&f->r, bufs, 2);
	gvring_publish(&f->r);
	expect_broken(f, -EPROTO);
}

static void test_avail_idx_too_far(void **state)
{
	struct fixture *f = *state;

	f->r.avail->idx = QSZ + 1;
	expect_broken(f, -EPROTO);
}

static void test_head_out_of_range(void **state)
{
	struct fixture *f = *state;

	f->r.avail->ring[0] = 0x7fff;
	f->r.avail->idx = 1;
	expect_broken(f, -EPROTO);
}

static void test_zero_length_desc_tolerated(void **state)
{
	struct fixture *f = *state;
	uint64_t b0 = gram_alloc(&f->g, 16, 8);
	struct gbuf bufs[] = { { 0xdead0000, 0, false }, { b0, 16, true } };

	gvring_add(&f->r, bufs, 2);
	gvring_publish(&f->r);
	assert_int_equal(virtq_pop(&f->vq, &f->chain), 1);
	assert_int_equal(f->chain.nr_read, 0);
	assert_int_equal(f->chain.nr_write, 1);
}

static void test_reset_clears_broken(void **state)
{
	struct fixture *f = *state;

	f->r.avail->idx = 100;
	expect_broken(f, -EPROTO);
	virtq_reset(&f->vq);
	assert_false(f->vq.broken);
	assert_false(f->vq.enabled);
	assert_int_equal(f->vq.size, QSZ);
}

static void test_enable_validation(void **state)
{
	struct fixture *f = *state;

	virtq_reset(&f->vq);
	f->vq.desc_gpa = f->r.desc_gpa;
	f->vq.avail_gpa = f->r.avail_gpa;
	f->vq.used_gpa = f->r.used_gpa;
	f->vq.size = 6;
	assert_int_equal(virtq_enable(&f->vq, false, false), -EINVAL);
	f->vq.size = 16;
	assert_int_equal(virtq_enable(&f->vq, false, false), -EINVAL);
	f->vq.size = 0;
	assert_int_equal(virtq_enable(&f->vq, false, false), -EINVAL);
	f->vq.size = QSZ;
	f->vq.desc_gpa = f->r.desc_gpa + 8;
	assert_int_equal(virtq_enable(&f->vq, false, false), -EINVAL);
	f->vq.desc_gpa = RAM_GPA + RAM_SIZE - 64;
	assert_int_equal(virtq_enable(&f->vq, false, false), -EINVAL);
	f->vq.desc_gpa = f->r.desc_gpa;
	f->vq.used_gpa = f->r.used_gpa + 2;
	assert_int_equal(virtq_enable(&f->vq, false, false), -EINVAL);
	assert_false(f->vq.enabled);
	/* A disabled queue pops nothing and publishes nothing. */
	assert_int_equal(virtq_pop(&f->vq, &f->chain), 0);
}

static void test_no_interrupt_flag(void **state)
{
	struct fixture *f = *state;

	virtq_push(&f->vq, 0, 0);
	assert_true(virtq_should_notify(&f->vq));
	gvring_set_no_interrupt(&f->r, true);
	virtq_push(&f->vq, 0, 0);
	assert_false(virtq_should_notify(&f->vq));
}

static void test_event_idx(void **state)
{
	struct fixture *f = *state;
	uint64_t b0 = gram_alloc(&f->g, 16, 8);
	struct gbuf bufs[] = { { b0, 16, false } };

	f->vq.enabled = false;
	assert_int_equal(virtq_enable(&f->vq, true, false), 0);
	/* First decision always notifies. */
	virtq_push(&f->vq, 0, 0);
	assert_true(virtq_should_notify(&f->vq));
	/* used_event = 0: the driver wanted an interrupt after entry 0 only. */
	virtq_push(&f->vq, 0, 0);
	assert_false(virtq_should_notify(&f->vq));
	gvring_set_used_event(&f->r, 2);
	virtq_push(&f->vq, 0, 0);
	assert_true(virtq_should_notify(&f->vq));
	/* Batch of two crossing used_event=4: one interrupt. */
	gvring_set_used_event(&f->r, 4);
	virtq_add_used(&f->vq, 0, 0);
	virtq_add_used(&f->vq, 0, 0);
	virtq_publish_used(&f->vq);
	assert_true(virtq_should_notify(&f->vq));
	/* Nothing new published: no interrupt. */
	assert_false(virtq_should_notify(&f->vq));

	/* Kick suppression: avail_event follows what we consumed. */
	gvring_add(&f->r, bufs, 1);
	gvring_publish(&f->r);
	assert_int_equal(virtq_pop(&f->vq, &f->chain), 1);
	assert_false(virtq_enable_notify(&f->vq));
	assert_int_equal(gvring_avail_event(&f->r), 1);
	gvring_add(&f->r, bufs, 1);
	gvring_publish(&f->r);
	assert_true(virtq_enable_notify(&f->vq));
}

static void test_notify_flags_without_event_idx(void **state)
{
	struct fixture *f = *state;

	virtq_disable_notify(&f->vq);
	assert_int_equal(gvring_used_flags(&f->r), VRING_USED_F_NO_NOTIFY);
	assert_false(virtq_enable_notify(&f->vq));
	assert_int_equal(gvring_used_flags(&f->r), 0);
}

static void test_unpop(void **state)
{
	struct fixture *f = *state;
	uint64_t b0 = gram_alloc(&f->g, 16, 8);
	struct gbuf bufs[] = { { b0, 16, true } };
	int h1 = gvring_add(&f->r, bufs, 1);

	gvring_add(&f->r, bufs, 1);
	gvring_publish(&f->r);
	assert_int_equal(virtq_pop(&f->vq, &f->chain), 1);
	assert_int_equal(virtq_pop(&f->vq, &f->chain), 1);
	virtq_unpop(&f->vq, 2);
	assert_int_equal(virtq_pop(&f->vq, &f->chain), 1);
	assert_int_equal(f->chain.head, h1);
}

static void test_notify_on_more(void **state)
{
	struct fixture *f = *state;
	uint64_t b0 = gram_alloc(&f->g, 16, 8);
	struct gbuf bufs[] = { { b0, 16, true } };

	f->vq.enabled = false;
	assert_int_equal(virtq_enable(&f->vq, true, false), 0);
	gvring_add(&f->r, bufs, 1);
	gvring_publish(&f->r);
	/* One buffer is there but the device needs two: wait for more. */
	assert_false(virtq_notify_on_more(&f->vq, 1));
	/* The driver must kick when it publishes past index 1. */
	assert_int_equal(gvring_avail_event(&f->r), 1);
	gvring_add(&f->r, bufs, 1);
	gvring_publish(&f->r);
	assert_true(virtq_notify_on_more(&f->vq, 1));
}

/* Polled: no kicks asked for however far the driver goes, arrivals still reported. */
static void test_polled_event_idx(void **state)
{
	struct fixture *f = *state;
	uint64_t b0 = gram_alloc(&f->g, 16, 8);
	struct gbuf bufs[] = { { b0, 16, true } };

	f->vq.enabled = false;
	assert_int_equal(virtq_enable(&f->vq, true, false), 0);
	assert_false(virtq_set_polled(&f->vq, true));
	/* avail_event just behind what we consumed: a kick only after a 16-bit wrap. */
	assert_int_equal(gvring_avail_event(&f->r), 0xffff);
	gvring_add(&f->r, bufs, 1);
	gvring_publish(&f->r);
	assert_int_equal(virtq_pop(&f->vq, &f->chain), 1);
	/* The drain's "kicks on again" keeps them off while polled, and still tells. */
	assert_false(virtq_enable_notify(&f->vq));
	assert_int_equal(gvring_avail_event(&f->r), 0);
	gvring_add(&f->r, bufs, 1);
	gvring_publish(&f->r);
	assert_true(virtq_enable_notify(&f->vq));
	assert_int_equal(gvring_avail_event(&f->r), 0);
	/* Off again: kicks asked for at what we consumed; the waiting buffer is reported. */
	assert_true(virtq_set_polled(&f->vq, false));
	assert_int_equal(gvring_avail_event(&f->r), 1);
	assert_int_equal(virtq_pop(&f->vq, &f->chain), 1);
	assert_false(virtq_set_polled(&f->vq, false));
	/* A re-enabled queue starts unpolled. */
	assert_false(virtq_set_polled(&f->vq, true));
	f->vq.enabled = false;
	assert_int_equal(virtq_enable(&f->vq, true, false), 0);
	assert_false(f->vq.polled);
}

static void test_polled_flags_without_event_idx(void **state)
{
	struct fixture *f = *state;

	assert_false(virtq_set_polled(&f->vq, true));
	assert_int_equal(gvring_used_flags(&f->r), VRING_USED_F_NO_NOTIFY);
	assert_false(virtq_enable_notify(&f->vq));
	assert_int_equal(gvring_used_flags(&f->r), VRING_USED_F_NO_NOTIFY);
	assert_false(virtq_set_polled(&f->vq, false));
	assert_int_equal(gvring_used_flags(&f->r), 0);
	/* A broken queue is never polled. */
	f->vq.broken = true;
	assert_false(virtq_set_polled(&f->vq, true));
	assert_false(f->vq.polled);
}

/* Completed out of order, published in the order popped. */
static void test_deferred_in_order(void **state)
{
	struct fixture *f = *state;
	uint64_t b0 = gram_alloc(&f->g, 16, 8);
	struct gbuf bufs[] = { { b0, 16, true } };
	int h[3];
	uint16_t head;
	uint32_t len;

	for (int i = 0; i < 3; i++)
		h[i] = gvring_add(&f->r, bufs, 1);
	gvring_publish(&f->r);
	for (int i = 0; i < 3; i++)
		assert_int_equal(virtq_pop(&f->vq, &f->chain), 1);
	virtq_defer(&f->vq, (uint16_t)h[0], false, 0);
	virtq_defer(&f->vq, (uint16_t)h[1], false, 0);
	virtq_defer(&f->vq, (uint16_t)h[2], true, 12);
	assert_int_equal(virtq_complete(&f->vq, (uint16_t)h[1], 11), 0);
	/* The oldest is still in flight: nothing reaches the used ring. */
	assert_int_equal(virtq_publish_done(&f->vq), 0);
	assert_false(gvring_get_used(&f->r, &head, &len));
	assert_int_equal(virtq_complete(&f->vq, (uint16_t)h[1], 11), -ENOENT);
	assert_int_equal(virtq_complete(&f->vq, (uint16_t)h[0], 10), 0);
	assert_int_equal(virtq_publish_done(&f->vq), 3);
	for (int i = 0; i < 3; i++) {
		assert_true(gvring_get_used(&f->r, &head, &len));
		assert_int_equal(head, h[i]);
		assert_int_equal(len, 10 + i);
	}
	assert_int_equal(f->vq.nr_deferred, 0);
	assert_int_equal(virtq_complete(&f->vq, (uint16_t)h[0], 10), -ENOENT);
}

/* A driver replaying heads cannot make us hold more than a ring's worth; a resync forgets. */
static void test_deferred_bounded(void **state)
{
	struct fixture *f = *state;
	uint64_t b0 = gram_alloc(&f->g, 16, 8);
	struct gbuf bufs[] = { { b0, 16, true } };
	int h = gvring_add(&f->r, bufs, 1);

	for (int i = 0; i < QSZ; i++) {
		gvring_republish_head(&f->r, (uint16_t)h);
		assert_int_equal(virtq_pop(&f->vq, &f->chain), 1);
		virtq_defer(&f->vq, (uint16_t)h, false, 0);
	}
	gvring_republish_head(&f->r, (uint16_t)h);
	assert_int_equal(virtq_pop(&f->vq, &f->chain), -EPROTO);
	assert_true(f->vq.broken);
	f->vq.broken = false;
	virtq_resync(&f->vq);
	assert_int_equal(f->vq.nr_deferred, 0);
}

#define T(fn) SV_TEST(fn)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gmem_translate),
		T(test_pop_simple_chain),
		T(test_chain_iov),
		T(test_indirect_chain),
		T(test_indirect_not_negotiated),
		T(test_nested_indirect),
		T(test_indirect_bad_len_and_next),
		T(test_indirect_loop),
		T(test_loop),
		T(test_next_out_of_range),
		T(test_bad_address_and_length),
		T(test_address_wraps),
		T(test_full_ram_descriptors_ok),
		T(test_write_before_read),
		T(test_avail_idx_too_far),
		T(test_head_out_of_range),
		T(test_zero_length_desc_tolerated),
		T(test_reset_clears_broken),
		T(test_enable_validation),
		T(test_no_interrupt_flag),
		T(test_event_idx),
		T(test_notify_flags_without_event_idx),
		T(test_unpop),
		T(test_polled_event_idx),
		T(test_polled_flags_without_event_idx),
		T(test_deferred_in_order),
		T(test_deferred_bounded),
		T(test_notify_on_more),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
