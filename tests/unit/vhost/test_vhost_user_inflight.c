// SPDX-License-Identifier: GPL-2.0
/*
 * Reading a dead back-end's in-flight records: heads in the order it took
 * them, the last batch's head left out when the ring's used index shows
 * it was published, hostile sizes bounded, forgetting clears them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <splitvirt/vhost_user.h>

#define QSIZE 8
#define STRIDE 192 /* 16 + 16 * 8, rounded up to 64 */

static uint8_t area[2 * STRIDE];

static void region(unsigned int q, uint16_t desc_num, uint16_t batch, uint16_t used)
{
	uint8_t *r = area + STRIDE * q;

	memcpy(r + 10, &desc_num, 2);
	memcpy(r + 12, &batch, 2);
	memcpy(r + 14, &used, 2);
}

static void taken(unsigned int q, uint16_t head, uint64_t counter)
{
	uint8_t *d = area + STRIDE * q + 16 + 16 * head;

	d[0] = 1;
	memcpy(d + 8, &counter, 8);
}

static int setup(void **state)
{
	(void)state;
	memset(area, 0, sizeof(area));
	return 0;
}

static void test_order_of_taking(void **state)
{
	uint16_t heads[QSIZE];

	(void)state;
	region(1, QSIZE, 0, 5);
	taken(1, 6, 30);
	taken(1, 2, 10);
	taken(1, 4, 20);
	taken(0, 1, 1); /* another queue's */
	assert_int_equal(vhost_user_inflight_heads(area, sizeof(area), 2, 1, QSIZE, 5, heads), 3);
	assert_int_equal(heads[0], 2);
	assert_int_equal(heads[1], 4);
	assert_int_equal(heads[2], 6);
}

/* Published (the ring's used index moved) before its record was cleared: not in flight. */
static void test_last_batch_published(void **state)
{
	uint16_t heads[QSIZE];

	(void)state;
	region(0, QSIZE, 3, 7);
	taken(0, 3, 1);
	taken(0, 5, 2);
	assert_int_equal(vhost_user_inflight_heads(area, sizeof(area), 2, 0, QSIZE, 8, heads), 1);
	assert_int_equal(heads[0], 5);
	/* The records agree with the ring: both still in flight. */
	assert_int_equal(vhost_user_inflight_heads(area, sizeof(area), 2, 0, QSIZE, 7, heads), 2);
}

static void test_hostile_sizes(void **state)
{
	uint16_t heads[QSIZE];

	(void)state;
	assert_int_equal(vhost_user_inflight_heads(area, sizeof(area), 0, 0, QSIZE, 0, heads),
			 -EINVAL);
	assert_int_equal(vhost_user_inflight_heads(area, sizeof(area), 2, 2, QSIZE, 0, heads),
			 -EINVAL);
	assert_int_equal(vhost_user_inflight_heads(area, 8, 1, 0, QSIZE, 0, heads), -EINVAL);
	assert_int_equal(vhost_user_inflight_heads(NULL, 0, 1, 0, QSIZE, 0, heads), -EINVAL);
	/* desc_num beyond the region and the ring: only records inside both are read. */
	region(0, 60000, 0, 0);
	taken(0, 7, 1);
	memset(area + STRIDE + 16, 1, 1); /* queue 1's first record, past queue 0's region */
	assert_int_equal(vhost_user_inflight_heads(area, STRIDE + 32, 2, 0, 4, 0, heads), 0);
	assert_int_equal(vhost_user_inflight_heads(area, sizeof(area), 2, 0, QSIZE, 0, heads), 1);
	assert_int_equal(heads[0], 7);
}

static void test_forget(void **state)
{
	uint16_t heads[QSIZE], used;

	(void)state;
	region(0, QSIZE, 0, 0);
	taken(0, 1, 1);
	taken(0, 2, 2);
	assert_int_equal(vhost_user_inflight_forget(area, sizeof(area), 2, 0, QSIZE, 9), 0);
	assert_int_equal(vhost_user_inflight_heads(area, sizeof(area), 2, 0, QSIZE, 9, heads), 0);
	memcpy(&used, area + 14, 2);
	assert_int_equal(used, 9);
	assert_int_equal(vhost_user_inflight_forget(area, sizeof(area), 2, 3, QSIZE, 9), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_order_of_taking, setup),
		cmocka_unit_test_setup(test_last_batch_published, setup),
		cmocka_unit_test_setup(test_hostile_sizes, setup),
		cmocka_unit_test_setup(test_forget, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
