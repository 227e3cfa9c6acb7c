// SPDX-License-Identifier: GPL-2.0
/*
 * The link's saved-state area: round trip, clearing, bounds, a writer that
 * dies at every byte of a write (the old content stays readable), and a
 * header scribbled by a hostile earlier incarnation.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <splitvirt/state_area.h>

#define SIZE 4096u

static unsigned char area[SIZE] __attribute__((aligned(64)));

static void fill(unsigned char *b, unsigned int len, unsigned char seed)
{
	for (unsigned int i = 0; i < len; i++)
		b[i] = (unsigned char)(seed + i * 7);
}

static void test_round_trip(void **state)
{
	unsigned char in[1000], out[2048];
	__u32 cap = sv_state_area_capacity(SIZE);

	(void)state;
	memset(area, 0, sizeof(area));
	assert_int_equal(cap, (SIZE - 64) / 2 / 64 * 64);
	assert_int_equal(sv_state_area_read(area, SIZE, out, sizeof(out)), 0);
	for (unsigned char round = 0; round < 5; round++) {
		fill(in, sizeof(in), round);
		assert_int_equal(sv_state_area_write(area, SIZE, in, sizeof(in)), 0);
		assert_int_equal(sv_state_area_read(area, SIZE, out, sizeof(out)), sizeof(in));
		assert_memory_equal(in, out, sizeof(in));
	}
	/* Cleared: nothing saved. */
	assert_int_equal(sv_state_area_write(area, SIZE, NULL, 0), 0);
	assert_int_equal(sv_state_area_read(area, SIZE, out, sizeof(out)), 0);
}

static void test_bounds(void **state)
{
	static unsigned char big[SIZE];
	unsigned char out[16];

	(void)state;
	memset(area, 0, sizeof(area));
	assert_int_equal(sv_state_area_capacity(64), 0);
	assert_int_equal(sv_state_area_capacity(SV_STATE_AREA_MAX + 4096), 0);
	assert_int_equal(sv_state_area_write(area, 64, big, 1), -EINVAL);
	assert_int_equal(sv_state_area_read(area, 64, out, sizeof(out)), -EINVAL);
	assert_int_equal(sv_state_area_write(area, SIZE, big, sv_state_area_capacity(SIZE) + 1),
			 -E2BIG);
	assert_int_equal(sv_state_area_write(area, SIZE, big, 100), 0);
	assert_int_equal(sv_state_area_read(area, SIZE, out, sizeof(out)), -E2BIG);
}

/*
 * A writer killed after any number of bytes of its copy, or after its
 * length store, before it published seq: the reader gets the old content.
 */
static void test_torn_write(void **state)
{
	static unsigned char snapshot[SIZE], done[SIZE];
	unsigned char old[600], new[700], out[2048];

	(void)state;
	memset(area, 0, sizeof(area));
	fill(old, sizeof(old), 1);
	fill(new, sizeof(new), 2);
	assert_int_equal(sv_state_area_write(area, SIZE, old, sizeof(old)), 0);
	memcpy(snapshot, area, SIZE);
	/* The complete write, to learn what it changes. */
	assert_int_equal(sv_state_area_write(area, SIZE, new, sizeof(new)), 0);
	memcpy(done, area, SIZE);
	/* The slot's bytes in the order the copy stores them. */
	for (unsigned int k = SV_STATE_AREA_HDR; k <= SIZE; k++) {
		memcpy(area, snapshot, SIZE);
		memcpy(area + SV_STATE_AREA_HDR, done + SV_STATE_AREA_HDR, k - SV_STATE_AREA_HDR);
		assert_int_equal(sv_state_area_read(area, SIZE, out, sizeof(out)), sizeof(old));
		assert_memory_equal(out, old, sizeof(old));
	}
	/* Slot and length stored, seq not yet: still the old content. */
	memcpy(area, done, SIZE);
	memcpy(area, snapshot, 8);
	assert_int_equal(sv_state_area_read(area, SIZE, out, sizeof(out)), sizeof(old));
	assert_memory_equal(out, old, sizeof(old));
	/* Published: the new one. */
	memcpy(area, done, SIZE);
	assert_int_equal(sv_state_area_read(area, SIZE, out, sizeof(out)), sizeof(new));
	assert_memory_equal(out, new, sizeof(new));
}

static void test_hostile_header(void **state)
{
	unsigned char in[100], out[4096];
	uint64_t seq = ~0ull;
	uint32_t len = 0xffffffffu;

	(void)state;
	memset(area, 0, sizeof(area));
	fill(in, sizeof(in), 3);
	assert_int_equal(sv_state_area_write(area, SIZE, in, sizeof(in)), 0);
	/* A length no writer stores is refused, never followed. */
	memcpy(area + 8, &len, 4);
	memcpy(area + 12, &len, 4);
	assert_int_equal(sv_state_area_read(area, SIZE, out, sizeof(out)), -EINVAL);
	/* Any seq names one of the two slots; the next write still works. */
	memcpy(area, &seq, 8);
	assert_int_equal(sv_state_area_write(area, SIZE, in, sizeof(in)), 0);
	assert_int_equal(sv_state_area_read(area, SIZE, out, sizeof(out)), sizeof(in));
	assert_memory_equal(in, out, sizeof(in));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_torn_write),
		cmocka_unit_test(test_hostile_header),
	};

	return cmocka_run_group_tests_name("state_area", tests, NULL, NULL);
}
