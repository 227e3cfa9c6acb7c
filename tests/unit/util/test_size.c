// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <splitvirt/log.h>
#include <splitvirt/size.h>

static void test_size_units(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(sv_parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(sv_parse_size("256M", &v), 0);
	assert_int_equal(v, 256ull << 20);
	assert_int_equal(sv_parse_size("2g", &v), 0);
	assert_int_equal(v, 2ull << 30);
	assert_int_equal(sv_parse_size("64KiB", &v), 0);
	assert_int_equal(v, 64ull << 10);
	assert_int_equal(sv_parse_size("1MB", &v), 0);
	assert_int_equal(v, 1ull << 20);
}

static void test_size_rejects(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(sv_parse_size("", &v), -EINVAL);
	assert_int_equal(sv_parse_size("-1", &v), -EINVAL);
	assert_int_equal(sv_parse_size("12X", &v), -EINVAL);
	assert_int_equal(sv_parse_size("M", &v), -EINVAL);
	assert_int_equal(sv_parse_size("1Mx", &v), -EINVAL);
	assert_int_equal(sv_parse_size("99999999999999999999", &v), -ERANGE);
	assert_int_equal(sv_parse_size("17179869184G", &v), -ERANGE);
}

static void test_uint(void **state)
{
	unsigned long v;

	(void)state;
	assert_int_equal(sv_parse_uint("3", 1, 8, &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(sv_parse_uint("0", 1, 8, &v), -ERANGE);
	assert_int_equal(sv_parse_uint("9", 1, 8, &v), -ERANGE);
	assert_int_equal(sv_parse_uint("3x", 1, 8, &v), -EINVAL);
	assert_int_equal(sv_parse_uint("", 1, 8, &v), -EINVAL);
}

static void test_log_levels(void **state)
{
	enum sv_log_level l;

	(void)state;
	assert_int_equal(sv_log_parse_level("debug", &l), 0);
	assert_int_equal(l, SV_LOG_DEBUG);
	assert_int_equal(sv_log_parse_level("loud", &l), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_units),
		cmocka_unit_test(test_size_rejects),
		cmocka_unit_test(test_uint),
		cmocka_unit_test(test_log_levels),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
