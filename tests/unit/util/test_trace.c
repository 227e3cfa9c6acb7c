// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <splitvirt/trace.h>

static int teardown(void **state)
{
	(void)state;
	sv_trace_disable();
	return 0;
}

/* Dumps into memory; returns the text (caller frees). */
static char *dump_text(const char *tag, uint64_t *printed)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	*printed = sv_trace_dump(f, tag);
	fclose(f);
	return text;
}

/* The record lines of text that parse, in order; returns how many. */
static unsigned int parse_all(char *text, const char *tag, struct sv_trace_rec *out,
			      unsigned int max)
{
	unsigned int n = 0;

	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
		if (n < max && !sv_trace_parse_line(line, tag, &out[n]))
			n++;
	return n;
}

static void test_off_records_nothing(void **state)
{
	uint64_t printed;
	char *text;

	(void)state;
	assert_false(sv_trace_on());
	sv_trace(SV_TP_POP, 2, 0, 1, 4096);
	assert_int_equal(sv_trace_pending(), 0);
	text = dump_text("T", &printed);
	assert_int_equal(printed, 0);
	assert_string_equal(text, "");
	free(text);
}

static void test_round_trip(void **state)
{
	struct sv_trace_rec got[8];
	uint64_t printed;
	char *text;

	(void)state;
	assert_int_equal(sv_trace_enable(16), 0);
	assert_true(sv_trace_on());
	for (int p = 0; p < SV_TP_COUNT; p++)
		sv_trace((enum sv_trace_point)p, 2, 3, (uint16_t)(100 + p),
			 0xfffffff0u + (unsigned)p);
	assert_int_equal(sv_trace_pending(), SV_TP_COUNT);
	text = dump_text("SVT-D", &printed);
	assert_int_equal(printed, SV_TP_COUNT);
	assert_non_null(strstr(text, "SVT-D-CAL mono_ns="));
	assert_int_equal(parse_all(text, "SVT-D", got, 8), SV_TP_COUNT);
	for (int p = 0; p < SV_TP_COUNT; p++) {
		assert_int_equal(got[p].point, p);
		assert_int_equal(got[p].dev, 2);
		assert_int_equal(got[p].queue, 3);
		assert_int_equal(got[p].head, 100 + p);
		assert_int_equal(got[p].arg, 0xfffffff0u + (unsigned)p);
		/* Stamps in the order taken. */
		if (p)
			assert_true(got[p].ticks >= got[p - 1].ticks);
	}
	free(text);
	/* Printed once: the next dump has only what came since. */
	sv_trace(SV_TP_CALL, 1, 0, 7, 0);
	text = dump_text("SVT-D", &printed);
	assert_int_equal(printed, 1);
	assert_int_equal(parse_all(text, "SVT-D", got, 8), 1);
	assert_int_equal(got[0].point, SV_TP_CALL);
	free(text);
}

static void test_overflow_reports_lost(void **state)
{
	struct sv_trace_rec got[8];
	uint64_t printed;
	char *text;

	(void)state;
	assert_int_equal(sv_trace_enable(3), 0); /* rounded up to 4 */
	for (uint16_t i = 0; i < 10; i++)
		sv_trace(SV_TP_PUSH, 2, 0, i, 0);
	text = dump_text("X", &printed);
	assert_int_equal(printed, 4);
	assert_non_null(strstr(text, "X-LOST 6\n"));
	assert_int_equal(parse_all(text, "X", got, 8), 4);
	/* The newest survive. */
	assert_int_equal(got[0].head, 6);
	assert_int_equal(got[3].head, 9);
	free(text);
}

static void test_rejects(void **state)
{
	struct sv_trace_rec r;

	(void)state;
	assert_int_equal(sv_trace_enable(0), -EINVAL);
	assert_int_equal(sv_trace_enable(8), 0);
	assert_int_equal(sv_trace_enable(8), -EBUSY);
	assert_int_equal(sv_trace_parse_line("T pop 2 0 1 4096 123", "T", &r), 0);
	assert_int_equal(sv_trace_parse_line("T pop 2 0 1 4096", "T", &r), -EINVAL);
	assert_int_equal(sv_trace_parse_line("T nope 2 0 1 4096 123", "T", &r), -EINVAL);
	assert_int_equal(sv_trace_parse_line("T pop 256 0 1 4096 123", "T", &r), -EINVAL);
	assert_int_equal(sv_trace_parse_line("T pop 2 65536 1 4096 123", "T", &r), -EINVAL);
	assert_int_equal(sv_trace_parse_line("T pop 2 0 1 4096 123 x", "T", &r), -EINVAL);
	assert_int_equal(sv_trace_parse_line("TT pop 2 0 1 4096 123", "T", &r), -EINVAL);
	assert_int_equal(sv_trace_parse_line("T-CAL mono_ns=1 ticks=2 freq=3", "T", &r), -EINVAL);
	assert_int_equal(sv_trace_point_parse("call"), SV_TP_CALL);
	assert_int_equal(sv_trace_point_parse("calls"), -1);
	assert_string_equal(sv_trace_point_name((enum sv_trace_point)99), "?");
}

static void test_kernel_lines_pass_through(void **state)
{
	uint64_t printed;
	char *text;
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(sv_trace_enable(8), 0);
	sv_trace_set_kernel_fd(p[0]);
	assert_int_equal(write(p[1], "irq one\nirq tw", 14), 14);
	close(p[1]);
	text = dump_text("T", &printed);
	assert_non_null(strstr(text, "T-K irq one\n"));
	/* The unfinished line waits for its end. */
	assert_null(strstr(text, "irq tw"));
	free(text);
	close(p[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_off_records_nothing, teardown),
		cmocka_unit_test_teardown(test_round_trip, teardown),
		cmocka_unit_test_teardown(test_overflow_reports_lost, teardown),
		cmocka_unit_test_teardown(test_rejects, teardown),
		cmocka_unit_test_teardown(test_kernel_lines_pass_through, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
