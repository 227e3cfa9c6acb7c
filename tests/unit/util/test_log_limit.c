// SPDX-License-Identifier: GPL-2.0
/* The log rate limiter (sv_log_limit): the first SV_LOG_LIMIT_BURST, then every SV_LOG_LIMIT_EVERY-th. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <splitvirt/log.h>

static void test_burst_then_every_nth(void **state)
{
	unsigned long counter = 0;

	(void)state;
	for (unsigned long n = 1; n <= 10; n++)
		assert_int_equal(sv_log_limit(&counter), n);
	for (unsigned long n = 11; n < 1000; n++)
		assert_int_equal(sv_log_limit(&counter), 0);
	assert_int_equal(sv_log_limit(&counter), 1000);
	for (unsigned long n = 1001; n < 2000; n++)
		assert_int_equal(sv_log_limit(&counter), 0);
	assert_int_equal(sv_log_limit(&counter), 2000);
	assert_int_equal(sv_log_limit(&counter), 0);
	assert_int_equal(counter, 2001);
	/* The constants say the same. */
	assert_int_equal(SV_LOG_LIMIT_BURST, 10);
	assert_int_equal(SV_LOG_LIMIT_EVERY, 1000);
}

#define THREADS 4
#define PER_THREAD 2500

struct shared {
	unsigned long counter;
	unsigned long logged[THREADS];
};

struct worker {
	struct shared *s;
	int i;
};

static void *count(void *arg)
{
	struct worker *w = arg;

	for (int k = 0; k < PER_THREAD; k++)
		if (sv_log_limit(&w->s->counter))
			w->s->logged[w->i]++;
	return NULL;
}

/* One counter shared by threads: no occurrence lost, each milestone logged once. */
static void test_shared_between_threads(void **state)
{
	struct shared s = { 0 };
	struct worker w[THREADS];
	pthread_t t[THREADS];
	unsigned long logged = 0;

	(void)state;
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .s = &s, .i = i };
		assert_int_equal(pthread_create(&t[i], NULL, count, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		logged += s.logged[i];
	}
	assert_int_equal(s.counter, THREADS * PER_THREAD);
	/* 1..10, then 1000, 2000, ... 10000 */
	assert_int_equal(logged, 10 + THREADS * PER_THREAD / 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_every_nth),
		cmocka_unit_test(test_shared_between_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
