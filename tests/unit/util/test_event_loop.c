// SPDX-License-Identifier: GPL-2.0
/* The event loop (lib/util/event_loop.c): watches changed from handlers, timeouts, its thread. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../support/unit.h"

#include <splitvirt/event_loop.h>

struct probe {
	struct sv_watch w;
	struct sv_loop *loop;
	int fd;
	int runs;
	uint32_t events;
	/* What the handler does besides counting. */
	struct probe *del; /* removes this watch */
	struct probe *add; /* adds this one */
	/* Set on the loop's thread when started. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t ran_on;
};

static void probe_ready(struct sv_watch *w, uint32_t events)
{
	struct probe *p = sv_container_of(w, struct probe, w);
	uint64_t cnt;

	assert_int_equal(read(p->fd, &cnt, sizeof(cnt)), sizeof(cnt));
	pthread_mutex_lock(&p->lock);
	p->runs++;
	p->events = events;
	p->ran_on = pthread_self();
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	if (p->del)
		sv_loop_del(p->loop, &p->del->w);
	if (p->add)
		assert_int_equal(sv_loop_add(p->loop, &p->add->w, p->add->fd, probe_ready), 0);
}

static void probe_init(struct probe *p, struct sv_loop *loop)
{
	*p = (struct probe){
		.loop = loop,
		.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC),
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.cond = PTHREAD_COND_INITIALIZER,
	};
	assert_true(p->fd >= 0);
}

static void fire(struct probe *p)
{
	uint64_t one = 1;

	assert_int_equal(write(p->fd, &one, sizeof(one)), sizeof(one));
}

struct fixture {
	struct sv_loop loop;
	struct probe a, b;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_int_equal(sv_loop_init(&f->loop), 0);
	probe_init(&f->a, &f->loop);
	probe_init(&f->b, &f->loop);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	sv_loop_fini(&f->loop);
	close(f->a.fd);
	close(f->b.fd);
	free(f);
	return 0;
}

static void test_add_and_del_in_handler(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(sv_loop_add(&f->loop, &f->a.w, f->a.fd, probe_ready), 0);
	/* Adding an added watch again changes nothing. */
	assert_int_equal(sv_loop_add(&f->loop, &f->a.w, f->b.fd, probe_ready), 0);
	assert_int_equal(f->a.w.fd, f->a.fd);
	/* a's handler stops a and starts b, which is ready already. */
	f->a.del = &f->a;
	f->a.add = &f->b;
	fire(&f->a);
	fire(&f->b);
	assert_int_equal(sv_loop_run_once(&f->loop, 0), 1);
	assert_int_equal(f->a.runs, 1);
	assert_false(f->a.w.added);
	assert_true(f->b.w.added);
	assert_int_equal(f->b.runs, 0);
	/* b runs from the next pass on; a no longer runs, even when ready. */
	fire(&f->a);
	assert_int_equal(sv_loop_run_once(&f->loop, 0), 1);
	assert_int_equal(f->b.runs, 1);
	assert_int_equal(f->b.events, EPOLLIN);
	assert_int_equal(f->a.runs, 1);
	assert_int_equal(sv_loop_run_once(&f->loop, 0), 0);
	/* Removing twice is harmless. */
	sv_loop_del(&f->loop, &f->b.w);
	sv_loop_del(&f->loop, &f->b.w);
	assert_false(f->b.w.added);
}

/* Whichever of two ready watches runs first removes the other: it does not run. */
static void test_del_later_in_batch(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(sv_loop_add(&f->loop, &f->a.w, f->a.fd, probe_ready), 0);
	assert_int_equal(sv_loop_add(&f->loop, &f->b.w, f->b.fd, probe_ready), 0);
	f->a.del = &f->b;
	f->b.del = &f->a;
	fire(&f->a);
	fire(&f->b);
	/* One handler ran; the other event of the batch was not handled. */
	assert_int_equal(sv_loop_run_once(&f->loop, 0), 1);
	assert_int_equal(f->a.runs + f->b.runs, 1);
	assert_true(f->a.w.added != f->b.w.added);
	assert_int_equal(sv_loop_run_once(&f->loop, 0), 0);
	assert_int_equal(f->a.runs + f->b.runs, 1);
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static void test_run_once_timeout(void **state)
{
	struct fixture *f = *state;
	struct timespec t0;

	assert_int_equal(sv_loop_add(&f->loop, &f->a.w, f->a.fd, probe_ready), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(sv_loop_run_once(&f->loop, 50), 0);
	assert_true(elapsed_ms(&t0) >= 49);
	/* Something ready: handled at once, not after the timeout. */
	fire(&f->a);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(sv_loop_run_once(&f->loop, 10000), 1);
	assert_true(elapsed_ms(&t0) < 5000);
	assert_int_equal(f->a.runs, 1);
}

/* Waits (bounded) until p's handler ran n times. */
static void wait_runs(struct probe *p, int n)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	pthread_mutex_lock(&p->lock);
	while (p->runs < n && pthread_cond_timedwait(&p->cond, &p->lock, &until) == 0)
		;
	pthread_mutex_unlock(&p->lock);
	assert_int_equal(p->runs, n);
}

static void test_thread_start_and_fini(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(sv_loop_start(&f->loop), 0);
	assert_true(f->loop.running);
	/* Added from another thread while the loop waits: served on the loop's thread. */
	assert_int_equal(sv_loop_add(&f->loop, &f->a.w, f->a.fd, probe_ready), 0);
	fire(&f->a);
	wait_runs(&f->a, 1);
	assert_false(pthread_equal(f->a.ran_on, pthread_self()));
	fire(&f->a);
	wait_runs(&f->a, 2);
	/* fini stops and joins the thread while it waits, and closes the loop's fds. */
	sv_loop_fini(&f->loop);
	assert_false(f->loop.running);
	assert_int_equal(f->loop.epfd, -1);
	assert_int_equal(f->loop.stop_fd, -1);
	fire(&f->a);
	assert_int_equal(f->a.runs, 2);
	/* A second fini (teardown's) does nothing. */
}

#define T(fn) SV_TEST(fn)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_add_and_del_in_handler),
		T(test_del_later_in_batch),
		T(test_run_once_timeout),
		T(test_thread_start_and_fini),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
