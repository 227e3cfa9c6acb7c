// SPDX-License-Identifier: GPL-2.0
/* SPSC ring: order, full/empty, index wrap-around, corrupt peer indices. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <splitvirt/rpc_ring.h>

#define N 8

struct shared {
	struct sv_rpc_ring_ctl ctl;
	__u32 entries[N];
};

struct fixture {
	struct shared sh;
	struct sv_rpc_ring prod, cons;
};

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	sv_rpc_ring_attach(&f.prod, &f.sh.ctl, f.sh.entries, N, sizeof(__u32), 1);
	sv_rpc_ring_attach(&f.cons, &f.sh.ctl, f.sh.entries, N, sizeof(__u32), 0);
	*state = &f;
	return 0;
}

static int push(struct sv_rpc_ring *r, __u32 v)
{
	void *e;
	int ret = sv_rpc_ring_reserve(r, &e);

	if (ret)
		return ret;
	*(__u32 *)e = v;
	sv_rpc_ring_produce(r);
	return 0;
}

static int pop(struct sv_rpc_ring *r, __u32 *v)
{
	void *e;
	int ret = sv_rpc_ring_peek(r, &e);

	if (ret)
		return ret;
	*v = *(__u32 *)e;
	sv_rpc_ring_consume(r);
	return 0;
}

static void test_fifo_full_empty(void **state)
{
	struct fixture *f = *state;
	__u32 v;

	assert_int_equal(pop(&f->cons, &v), -EAGAIN);
	for (__u32 i = 0; i < N; i++)
		assert_int_equal(push(&f->prod, 100 + i), 0);
	assert_int_equal(push(&f->prod, 999), -ENOSPC);
	assert_int_equal(sv_rpc_ring_count(&f->cons), N);
	assert_int_equal(sv_rpc_ring_count(&f->prod), N);
	for (__u32 i = 0; i < N; i++) {
		assert_int_equal(pop(&f->cons, &v), 0);
		assert_int_equal(v, 100 + i);
	}
	assert_int_equal(pop(&f->cons, &v), -EAGAIN);
	assert_int_equal(sv_rpc_ring_count(&f->cons), 0);
}

static void test_wraparound(void **state)
{
	struct fixture *f = *state;
	__u32 v;

	/* Both sides start just below the 32-bit wrap point. */
	f->prod.pos = f->cons.pos = UINT32_MAX - 3;
	f->sh.ctl.prod = f->sh.ctl.cons = UINT32_MAX - 3;
	for (__u32 round = 0; round < 5 * N; round++) {
		assert_int_equal(push(&f->prod, round), 0);
		assert_int_equal(push(&f->prod, round + 1000), 0);
		assert_int_equal(pop(&f->cons, &v), 0);
		assert_int_equal(v, round);
		assert_int_equal(pop(&f->cons, &v), 0);
		assert_int_equal(v, round + 1000);
	}
	assert_true(f->prod.pos < 100); /* it really wrapped */
	for (__u32 i = 0; i < N; i++)
		assert_int_equal(push(&f->prod, i), 0);
	assert_int_equal(push(&f->prod, 0), -ENOSPC);
}

static void test_corrupt_indices(void **state)
{
	struct fixture *f = *state;
	__u32 v;

	/* Hostile producer index: far ahead of the consumer. */
	f->sh.ctl.prod = f->cons.pos + N + 1;
	assert_int_equal(pop(&f->cons, &v), -EPROTO);
	assert_int_equal(sv_rpc_ring_count(&f->cons), -EPROTO);
	/* "Behind" the consumer is just as impossible (huge distance). */
	f->sh.ctl.prod = f->cons.pos - 1;
	assert_int_equal(pop(&f->cons, &v), -EPROTO);
	/* Flush recovers whatever the value. */
	sv_rpc_ring_flush(&f->cons);
	assert_int_equal(pop(&f->cons, &v), -EAGAIN);

	/* Hostile consumer index seen by the producer. */
	f->sh.ctl.cons = f->prod.pos + 5;
	assert_int_equal(push(&f->prod, 1), -EPROTO);
	/* Our own shared index being overwritten does not move us. */
	f->sh.ctl.cons = f->prod.pos;
	f->sh.ctl.prod = 12345;
	assert_int_equal(push(&f->prod, 7), 0);
	assert_int_equal(f->sh.ctl.prod, f->prod.pos);
}

static void test_attach_resumes_empty(void **state)
{
	struct fixture *f = *state;
	struct sv_rpc_ring again;
	__u32 v;

	assert_int_equal(push(&f->prod, 1), 0);
	assert_int_equal(push(&f->prod, 2), 0);
	/* A restarted consumer skips what was queued for its predecessor. */
	sv_rpc_ring_attach(&again, &f->sh.ctl, f->sh.entries, N, sizeof(__u32), 0);
	assert_int_equal(pop(&again, &v), -EAGAIN);
	/* A restarted producer starts at the consumer's position. */
	sv_rpc_ring_attach(&again, &f->sh.ctl, f->sh.entries, N, sizeof(__u32), 1);
	assert_int_equal(sv_rpc_ring_count(&again), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_fifo_full_empty, setup),
		cmocka_unit_test_setup(test_wraparound, setup),
		cmocka_unit_test_setup(test_corrupt_indices, setup),
		cmocka_unit_test_setup(test_attach_resumes_empty, setup),
	};

	return cmocka_run_group_tests_name("rpc_ring", tests, NULL, NULL);
}
