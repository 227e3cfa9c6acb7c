// SPDX-License-Identifier: GPL-2.0
/*
 * Two processes over a shared memfd iobuf with eventfd doorbells: a driver
 * keeps several requests in flight, a device answers each batch in reverse
 * order and sends events; every payload is checked. A second run has the
 * device reset itself now and then, and the driver resends what failed.
 * Bounded: each run gives up after a few seconds.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <splitvirt/log.h>
#include <splitvirt/rpc_posix.h>

#define SIZE (2 * SV_RPC_PAGE_SIZE)
#define ROUND_TRIPS 50000
#define IN_FLIGHT 8
#define STOP_MAGIC 0x5709570957095709ull
#define RUN_MS 4000

struct link {
	int iobuf, to_dev, to_drv;
};

/* Device process: answers until STOP; returns the exit status. */
static int device_main(const struct link *l, int reset_every)
{
	struct sv_rpc_dev dev;
	struct sv_rpc_msg batch[IN_FLIGHT * 4];
	__u64 deadline = sv_rpc_now_ns() + RUN_MS * 1000000ull;
	unsigned long answered = 0;
	void *base;

	if (sv_rpc_iobuf_map(l->iobuf, SIZE, &base) || sv_rpc_dev_open(&dev, base, SIZE))
		return 10;
	while (sv_rpc_ms_left(deadline)) {
		unsigned int n = 0;
		int stop = 0;

		sv_rpc_doorbell_wait(l->to_dev, 50);
		if (sv_rpc_dev_sync(&dev))
			sv_rpc_doorbell_ring(l->to_drv);
		while (n < sizeof(batch) / sizeof(batch[0]) &&
		       sv_rpc_dev_recv(&dev, &batch[n]) == 0)
			n++;
		/* Reverse order: completions arrive out of order. */
		while (n--) {
			struct sv_rpc_msg *m = &batch[n];

			if (m->op == SV_RPC_OP_NOP && m->arg[0] == STOP_MAGIC)
				stop = 1;
			for (int i = 0; i < 6; i++)
				m->arg[i] = ~m->arg[i];
			if (sv_rpc_dev_reply(&dev, m, 0) && !reset_every)
				return 11;
			if (++answered % 64 == 0) {
				struct sv_rpc_msg ev;
				struct sv_rpc_set_irq irq = { .irq = (__u32)(answered / 64 % 1000),
							      .level = SV_RPC_IRQ_PULSE };

				sv_rpc_encode_set_irq(&ev, &irq);
				sv_rpc_dev_send_event(&dev, &ev); /* may be full */
			}
			if (reset_every && answered % reset_every == 0) {
				sv_rpc_dev_reset(&dev, SV_RPC_RESET_RESTART);
				break; /* the rest of the batch is stale now */
			}
		}
		sv_rpc_doorbell_ring(l->to_drv);
		if (stop)
			return 0;
	}
	return 12;
}

static pid_t child = -1;

/* On a failed assertion the device process must not outlive the test. */
static int kill_child(void **state)
{
	(void)state;
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	child = -1;
	return 0;
}

struct drv_state {
	struct sv_rpc_drv drv;
	__u64 seq_of_slot[SV_RPC_MAX_SLOTS];
	unsigned long done, sent, resent, events;
};

static void fill(struct sv_rpc_msg *m, __u64 seq)
{
	sv_rpc_msg_init(m, SV_RPC_OP_NOP);
	for (int i = 0; i < 6; i++)
		m->arg[i] = seq * 6 + (__u64)i + 1;
}

static int send_seq(struct drv_state *s, const struct link *l, __u64 seq)
{
	struct sv_rpc_msg m;
	int slot = sv_rpc_drv_slot_alloc(&s->drv);

	if (slot < 0)
		return slot;
	fill(&m, seq);
	if (seq == ROUND_TRIPS)
		m.arg[0] = STOP_MAGIC;
	s->seq_of_slot[slot] = seq;
	for (int tries = 0; tries < 1000; tries++) {
		int ret = sv_rpc_drv_send(&s->drv, (__u32)slot, &m);

		if (ret != -EAGAIN)
			return ret ? ret : sv_rpc_doorbell_ring(l->to_dev);
		sv_rpc_doorbell_wait(l->to_drv, 1);
	}
	return -ETIMEDOUT;
}

/* Driver: ROUND_TRIPS checked NOPs, then a STOP. */
static void driver_run(const struct link *l, struct drv_state *s)
{
	__u64 deadline = sv_rpc_now_ns() + RUN_MS * 1000000ull;
	__u64 next = 0;
	void *base;

	assert_int_equal(sv_rpc_iobuf_map(l->iobuf, SIZE, &base), 0);
	assert_int_equal(sv_rpc_drv_open(&s->drv, base, SIZE), 0);
	assert_int_equal(sv_rpc_drv_wait_connected(&s->drv, l->to_dev, l->to_drv, RUN_MS), 0);
	while (s->done < ROUND_TRIPS) {
		struct sv_rpc_msg rep;
		int ret;

		assert_true(sv_rpc_ms_left(deadline) > 0);
		while (next < ROUND_TRIPS && s->sent - s->done < IN_FLIGHT) {
			assert_int_equal(send_seq(s, l, next), 0);
			next++;
			s->sent++;
		}
		sv_rpc_doorbell_wait(l->to_drv, 10);
		while ((ret = sv_rpc_drv_recv_reply(&s->drv, &rep)) == 0) {
			__u64 seq = s->seq_of_slot[rep.slot];
			struct sv_rpc_msg want;

			if (rep.status == -ECONNRESET) {
				/* Failed by a device reset: send it again. */
				assert_int_equal(send_seq(s, l, seq), 0);
				s->resent++;
				continue;
			}
			assert_int_equal(rep.status, 0);
			fill(&want, seq);
			for (int i = 0; i < 6; i++)
				assert_int_equal(rep.arg[i], ~want.arg[i]);
			s->done++;
		}
		assert_int_equal(ret, -EAGAIN);
		while (sv_rpc_drv_recv_event(&s->drv, &rep) == 0)
			s->events++;
	}
	/* Stop the device; the STOP may be failed by a reset too. */
	for (int tries = 0; tries < 100; tries++) {
		struct sv_rpc_msg m, rep;
		int slot = sv_rpc_drv_slot_alloc(&s->drv);

		assert_true(slot >= 0);
		fill(&m, ROUND_TRIPS);
		m.arg[0] = STOP_MAGIC;
		if (sv_rpc_drv_call(&s->drv, l->to_dev, l->to_drv, (__u32)slot, &m, &rep, 1000) ==
			    0 &&
		    rep.status == 0)
			break;
	}
}

static void run(int reset_every, struct drv_state *s)
{
	struct link l;
	void *base;
	int status;

	assert_int_equal(sv_rpc_iobuf_create(SIZE, &l.iobuf), 0);
	assert_int_equal(sv_rpc_iobuf_map(l.iobuf, SIZE, &base), 0);
	assert_int_equal(sv_rpc_iobuf_init(base, SIZE), 0);
	assert_int_equal(sv_rpc_iobuf_unmap(base, SIZE), 0);
	assert_int_equal(sv_rpc_doorbell_create(&l.to_dev), 0);
	assert_int_equal(sv_rpc_doorbell_create(&l.to_drv), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0)
		_exit(device_main(&l, reset_every));
	driver_run(&l, s);
	assert_int_equal(waitpid(child, &status, 0), child);
	child = -1;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(l.iobuf);
	close(l.to_dev);
	close(l.to_drv);
}

static void test_round_trips(void **state)
{
	static struct drv_state s;

	(void)state;
	run(0, &s);
	print_message("%lu round trips, %lu events\n", s.done, s.events);
	assert_int_equal(s.done, ROUND_TRIPS);
	assert_int_equal(s.resent, 0);
	assert_true(s.events > 0);
	assert_int_equal(s.drv.ep.stats.proto_errors, 0);
}

static void test_round_trips_with_device_resets(void **state)
{
	static struct drv_state s;

	(void)state;
	run(997, &s);
	print_message("%lu round trips, %lu resent after %lu device resets\n", s.done, s.resent,
		      s.drv.ep.stats.peer_resets - 1);
	assert_int_equal(s.done, ROUND_TRIPS);
	assert_true(s.resent > 0);
	assert_true(s.drv.ep.stats.peer_resets > 1);
	assert_int_equal(s.drv.ep.stats.proto_errors, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_round_trips, kill_child),
		cmocka_unit_test_teardown(test_round_trips_with_device_resets, kill_child),
	};

	sv_log_set_level(SV_LOG_ERROR);
	return cmocka_run_group_tests_name("rpc_stress", tests, NULL, NULL);
}
