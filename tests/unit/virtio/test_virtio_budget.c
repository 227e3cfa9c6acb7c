// SPDX-License-Identifier: GPL-2.0
/*
 * The drain budget: one wake-up of a queue handles at most
 * VIRTIO_DEV_DRAIN_CHAINS chains (or VIRTIO_DEV_DRAIN_BYTES of them), and
 * a queue left with work is served again from the loop without a kick.
 * Device A is a test model whose guest refills its ring as fast as the
 * device consumes it (each handled chain makes the guest add another, as a
 * vCPU could meanwhile); device B, an rng of another "VM", is served on
 * the same loop, as a devmodel serves all its driver VMs on one thread.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../support/unit.h"

#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>

#include <splitvirt/virtio_rng.h>

#include "../../support/testdrv.h"

#define QSIZE 64
#define TOTAL 1000 /* requests guest A makes in all */

struct refill_dev {
	struct virtio_dev dev;
	struct testdrv *td; /* guest A */
	uint64_t buf; /* what every request of guest A points at */
	uint32_t buf_len;
	unsigned int refills; /* requests guest A still adds, one per completion */
	unsigned int handled, failed; /* by the device */
	unsigned int completed; /* seen used by guest A */
};

struct fixture {
	struct testdrv a, b;
	struct refill_dev *r;
};

/* Guest A makes one request available (no kick). */
static void guest_add(struct refill_dev *r)
{
	struct gbuf b = { r->buf, r->buf_len, false };

	assert_true(gvring_add(&r->td->vr[0], &b, 1) >= 0);
	gvring_publish(&r->td->vr[0]);
}

/* Guest A takes its completions; returns how many there were. */
static unsigned int guest_reap(struct refill_dev *r)
{
	unsigned int n = 0;
	uint16_t head;
	uint32_t len;

	while (gvring_get_used(&r->td->vr[0], &head, &len))
		n++;
	r->completed += n;
	return n;
}

/*
 * What a vCPU of guest A does while the device works: reap, and refill
 * the descriptors that frees.
 */
static void guest_refill(struct refill_dev *r)
{
	guest_reap(r);
	if (r->refills && r->td->vr[0].num_free) {
		r->refills--;
		guest_add(r);
	}
}

/* One chain done by the device (counted in *done); the guest refills meanwhile. */
static int refill_done(struct virtio_dev *dev, unsigned int *done)
{
	(*done)++;
	guest_refill(dev->priv);
	return 0;
}

static int refill_chain(struct virtio_dev *dev, struct virtq *vq, struct virtq_chain *c)
{
	(void)vq;
	(void)c;
	return refill_done(dev, &((struct refill_dev *)dev->priv)->handled);
}

static int refill_fail(struct virtio_dev *dev, struct virtq *vq, struct virtq_chain *c)
{
	(void)vq;
	(void)c;
	return refill_done(dev, &((struct refill_dev *)dev->priv)->failed);
}

static int refill_notify(struct virtio_dev *dev, struct virtq *vq)
{
	return virtio_dev_drain_queue(dev, vq, refill_chain);
}

static virtio_chain_fn refill_fail_chain(struct virtio_dev *dev, struct virtq *vq)
{
	(void)dev;
	(void)vq;
	return refill_fail;
}

/* No config space (config_size 0): never called, but the core wants one. */
static void refill_config_read(struct virtio_dev *dev, uint32_t off, void *buf, uint32_t len)
{
	(void)dev, (void)off, (void)buf, (void)len;
}

static void refill_destroy(struct virtio_dev *dev)
{
	virtio_dev_fini(dev);
	free(dev->priv);
}

static const struct virtio_dev_ops refill_ops = {
	.config_read = refill_config_read,
	.queue_notify = refill_notify,
	.destroy = refill_destroy,
	.fail_chain = refill_fail_chain,
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct refill_dev *r = calloc(1, sizeof(*r));
	struct virtio_dev *rng;

	assert_int_equal(td_init(&f->a), 0);
	assert_int_equal(td_init(&f->b), 0);
	td_share_loop(&f->b, &f->a);
	r->td = &f->a;
	r->buf_len = 64;
	r->buf = gram_alloc(&f->a.ram, r->buf_len, 8);
	assert_int_equal(virtio_dev_init(&r->dev, "refill", VIRTIO_ID_RNG, 1, 256, 0, 0, &f->a.gm,
					 &refill_ops, r),
			 0);
	assert_int_equal(td_attach(&f->a, &r->dev), 0);
	assert_int_equal(virtio_rng_create(&rng, &f->b.gm), 0);
	assert_int_equal(td_attach(&f->b, rng), 0);
	assert_int_equal(td_start(&f->b, ~0ull, QSIZE), 0);
	f->r = r;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	td_destroy(&f->b); /* it runs on a's loop */
	td_destroy(&f->a);
	free(f);
	return 0;
}

/* Guest B asks for 16 random bytes and kicks. */
static void rng_ask(struct testdrv *td)
{
	struct gbuf b = { gram_alloc(&td->ram, 16, 8), 16, true };

	assert_true(gvring_add(&td->vr[0], &b, 1) >= 0);
	gvring_publish(&td->vr[0]);
	td_kick(td, 0);
}

static bool rng_answered(struct testdrv *td)
{
	uint16_t head;
	uint32_t len;

	return gvring_get_used(&td->vr[0], &head, &len) && len == 16;
}

/*
 * Guest A keeps its ring full; guest B asks for one thing per loop step.
 * Every step serves B, A gets at most one budget, and in the end every
 * request of A completed, with kicks asked for again and an interrupt
 * for the last completions.
 */
static void refilling_guest(struct fixture *f, uint64_t want)
{
	struct refill_dev *r = f->r;
	unsigned int i, before, steps = 0;

	assert_int_equal(td_start(&f->a, want, QSIZE), 0);
	for (i = 0; i < QSIZE; i++)
		guest_add(r);
	r->refills = TOTAL - QSIZE;
	td_kick(&f->a, 0);
	while (r->handled < TOTAL) {
		assert_true(steps < 2 * TOTAL / VIRTIO_DEV_DRAIN_CHAINS);
		rng_ask(&f->b);
		before = r->handled;
		td_irq(&f->a, td_queue_vector(0));
		td_run_host(&f->a);
		steps++;
		assert_true(r->handled - before <= VIRTIO_DEV_DRAIN_CHAINS);
		/* The other VM was served in the same step. */
		assert_true(rng_answered(&f->b));
	}
	assert_true(steps >= TOTAL / VIRTIO_DEV_DRAIN_CHAINS);
	/* The last step published completions: an interrupt for them. */
	assert_true(td_irq(&f->a, td_queue_vector(0)));
	guest_reap(r);
	assert_int_equal(r->completed, TOTAL);
	/* Nothing left over; the queue is idle and asks for kicks again. */
	td_run_host_idle(&f->a, 2);
	assert_int_equal(r->handled, TOTAL);
	if (want & (1ull << VIRTIO_RING_F_EVENT_IDX))
		assert_int_equal(gvring_avail_event(&f->a.vr[0]), f->a.vr[0].avail_idx);
	else
		assert_int_equal(gvring_used_flags(&f->a.vr[0]), 0);
	/* So a new request and its kick are served at once. */
	guest_add(r);
	td_kick(&f->a, 0);
	td_run_host(&f->a);
	assert_int_equal(r->handled, TOTAL + 1);
	assert_false(td_status(&f->a) & VIRTIO_CONFIG_S_NEEDS_RESET);
}

static void test_refilling_guest_event_idx(void **state)
{
	refilling_guest(*state, ~0ull);
}

static void test_refilling_guest_no_event_idx(void **state)
{
	refilling_guest(*state, ~(1ull << VIRTIO_RING_F_EVENT_IDX));
}

/*
 * Without an ioeventfd the kick traps and the queue is processed on the
 * vCPU's thread: one budget there, the rest on the loop.
 */
static void test_trapped_kick_rest_on_loop(void **state)
{
	struct fixture *f = *state;
	struct refill_dev *r = f->r;
	int i, steps = 0;

	f->a.fp.fail_ioeventfd = -ENOSPC;
	assert_int_equal(td_start(&f->a, ~0ull, 256), 0);
	for (i = 0; i < 200; i++)
		guest_add(r);
	td_kick(&f->a, 0);
	assert_int_equal(r->handled, VIRTIO_DEV_DRAIN_CHAINS);
	while (r->handled < 200) {
		assert_true(steps < 10);
		assert_true(sv_loop_run_once(f->a.host_loop, 0) >= 1);
		steps++;
	}
	assert_int_equal(steps, (200 - 1) / VIRTIO_DEV_DRAIN_CHAINS);
	/* The last pass did not spend its budget: nothing more to do. */
	assert_int_equal(sv_loop_run_once(f->a.host_loop, 0), 0);
	guest_reap(r);
	assert_int_equal(r->completed, 200);
}

/* Large requests: the byte budget ends a pass before the chain budget. */
static void test_byte_budget(void **state)
{
	struct fixture *f = *state;
	struct refill_dev *r = f->r;
	const unsigned int per_pass = 4, n = 3 * per_pass;
	unsigned int i;

	assert_int_equal(td_start(&f->a, ~0ull, QSIZE), 0);
	r->buf_len = VIRTIO_DEV_DRAIN_BYTES / per_pass;
	r->buf = gram_alloc(&f->a.ram, r->buf_len, 4096);
	for (i = 0; i < n; i++)
		guest_add(r);
	td_kick(&f->a, 0);
	td_run_host(&f->a);
	assert_int_equal(r->handled, per_pass);
	td_run_host(&f->a);
	assert_int_equal(r->handled, 2 * per_pass);
	td_run_host_idle(&f->a, 3);
	assert_int_equal(r->handled, n);
}

/*
 * Crash containment fails what was available when it ran (at most a
 * ring's worth); what the guest adds meanwhile is new and is processed
 * normally, from the loop.
 */
static void test_resume_drops_bounded(void **state)
{
	struct fixture *f = *state;
	struct refill_dev *r = f->r;
	unsigned int i;

	assert_int_equal(td_start(&f->a, ~0ull, QSIZE), 0);
	for (i = 0; i < QSIZE; i++)
		guest_add(r);
	r->refills = 100;
	assert_int_equal(virtio_dev_resume_pending(&r->dev), QSIZE);
	assert_int_equal(r->failed, QSIZE);
	assert_int_equal(r->handled, 0);
	td_run_host_idle(&f->a, 10);
	assert_int_equal(r->failed, QSIZE);
	assert_int_equal(r->handled, 100);
	guest_reap(r);
	assert_int_equal(r->completed, QSIZE + 100);
}

#define T(fn) SV_TEST(fn)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_refilling_guest_event_idx), T(test_refilling_guest_no_event_idx),
		T(test_trapped_kick_rest_on_loop), T(test_byte_budget),
		T(test_resume_drops_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
