// SPDX-License-Identifier: GPL-2.0
/* bench/tools/breakdown.c: the stamps of three sources put on one time line and cut into stages. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <linux/virtio_ids.h>

#include "../../../bench/tools/breakdown.h"

/* 1 tick = 1 ns; the device VM's CLOCK_MONOTONIC is ticks + 999995000. */
static const char *const round_lines[] = {
	"[devvm] devvm: links: 1",
	"[devvm] SVT-D-CAL mono_ns=1000000000 ticks=5000 freq=1000000000",
	/* A kick before the request and the net device's work: not this request's. */
	"[devvm] SVT-D-K   <idle>-0  [000] d.h1.   1.000001: irq_handler_entry: irq=40 name=splitvirt0-kick2",
	"[devvm] SVT-D-K   <idle>-0  [000] d.h1.   1.000006: irq_handler_entry: irq=41 name=splitvirt0-kick0",
	"[devvm] SVT-D-K   <idle>-0  [000] d.h1.   1.000006: irq_handler_entry: irq=42 name=virtio1-input.0",
	"[devvm] SVT-D wake 2 0 0 0 12000",
	"[devvm] SVT-D wake 1 1 0 0 12100",
	"[devvm] SVT-D pop 2 0 5 4113 12500",
	"[devvm] SVT-D submit 2 0 5 4096 13000",
	"[devvm] SVT-D done 2 0 5 4096 17000",
	"[devvm] SVT-D push 2 0 5 4097 17500",
	"[devvm] SVT-D call 2 0 0 0 18000",
	"[devvm] SVT-D push 1 1 3 0 18100",
	"[app] SVTRACE-CLOCK freq=1000000000",
	"[app] SVTRACE-U randread 0 10000 20000 4096 4096",
	/* Nothing traced in the device VM while this one ran. */
	"[app] SVTRACE-U randread 1 30000 40000 8192 4096",
	"[app] BENCH test=randread bs=4096",
};

static void feed(struct bd_events *ev)
{
	for (size_t i = 0; i < sizeof(round_lines) / sizeof(round_lines[0]); i++)
		assert_int_equal(bd_feed_line(ev, round_lines[i]), 0);
}

static void test_one_request(void **state)
{
	static const uint64_t want[BD_NR_STAGES] = { 1000, 1000, 500, 500, 4000, 500, 500, 2000 };
	struct bd_events ev = { 0 };
	struct bd_request r;

	(void)state;
	feed(&ev);
	assert_int_equal(ev.nr_user, 2);
	assert_int_equal(ev.nr_dev, 8);
	assert_int_equal(ev.nr_kick, 2); /* only splitvirt kicks */
	assert_int_equal(ev.bad_lines, 0);
	assert_int_equal(bd_request_stages(&ev, 0, VIRTIO_ID_BLOCK, &r), 0);
	assert_int_equal(r.chains, 1);
	for (int s = 0; s < BD_NR_STAGES; s++)
		assert_int_equal(r.at[s + 1] - r.at[s], want[s]);
	assert_int_equal(bd_request_stages(&ev, 1, VIRTIO_ID_BLOCK, &r), -ENOENT);
	bd_events_free(&ev);
}

static void test_bad_lines(void **state)
{
	struct bd_events ev = { 0 };

	(void)state;
	/* A kernel line before any calibration cannot be placed. */
	assert_int_equal(bd_feed_line(&ev, "SVT-D-K x 1.000006: irq_handler_entry: irq=4 "
					   "name=splitvirt0-kick0"),
			 -EINVAL);
	assert_int_equal(bd_feed_line(&ev, "SVT-D-CAL mono_ns=1 ticks=2 freq=0"), -EINVAL);
	assert_int_equal(bd_feed_line(&ev, "SVT-D pop 2 0"), -EINVAL);
	assert_int_equal(bd_feed_line(&ev, "SVTRACE-U t 0 20 10 0 4096"), -EINVAL);
	assert_int_equal(ev.bad_lines, 4);
	assert_int_equal(bd_feed_line(&ev, "SVT-DX pop 2 0 1 1 1"), 0);
	assert_int_equal(bd_feed_line(&ev, "unrelated"), 0);
	assert_string_equal(bd_stage_name(BD_BACKEND), "backend");
	bd_events_free(&ev);
}

/* Stages of overlapping chains out of order: clamped to zero length. */
static void test_out_of_order(void **state)
{
	struct bd_events ev = { 0 };
	struct bd_request r;

	(void)state;
	assert_int_equal(bd_feed_line(&ev, "SVT-D-CAL mono_ns=0 ticks=0 freq=1000000000"), 0);
	assert_int_equal(bd_feed_line(&ev, "SVT-D-K x 0.000011: irq_handler_entry: irq=4 "
					   "name=splitvirt0-kick0"),
			 0);
	assert_int_equal(bd_feed_line(&ev, "SVT-D wake 2 0 0 0 12000"), 0);
	assert_int_equal(bd_feed_line(&ev, "SVT-D pop 2 0 1 1 12100"), 0);
	assert_int_equal(bd_feed_line(&ev, "SVT-D submit 2 0 1 1 12200"), 0);
	assert_int_equal(bd_feed_line(&ev, "SVT-D done 2 0 1 1 12300"), 0);
	assert_int_equal(bd_feed_line(&ev, "SVT-D push 2 0 1 1 12250"), 0);
	assert_int_equal(bd_feed_line(&ev, "SVT-D call 2 0 0 0 12400"), 0);
	assert_int_equal(bd_feed_line(&ev, "SVTRACE-U t 0 10000 13000 0 4096"), 0);
	/* The push before the done (chains overlap): "used" lasted nothing, nothing went back in time. */
	assert_int_equal(bd_request_stages(&ev, 0, VIRTIO_ID_BLOCK, &r), 0);
	assert_int_equal(r.overlapped, 1);
	assert_int_equal(r.at[BD_CALL] - r.at[BD_USED], 0);
	for (int s = 0; s < BD_NR_STAGES; s++)
		assert_true(r.at[s + 1] >= r.at[s]);
	/* Stamps outside the request (clocks not shared): missing, not wrong. */
	assert_int_equal(bd_feed_line(&ev, "SVTRACE-U t 1 20000 21000 0 4096"), 0);
	assert_int_equal(bd_request_stages(&ev, 1, VIRTIO_ID_BLOCK, &r), -ENOENT);
	bd_events_free(&ev);
}

/* Devices of the driver VM's own vmm: no device VM kernel, the kick lasts until the wake. */
static void test_local(void **state)
{
	struct bd_events ev = { 0 };
	struct bd_request r;

	(void)state;
	for (size_t i = 0; i < sizeof(round_lines) / sizeof(round_lines[0]); i++)
		if (!strstr(round_lines[i], "SVT-D-K"))
			assert_int_equal(bd_feed_line(&ev, round_lines[i]), 0);
	assert_int_equal(bd_request_stages(&ev, 0, VIRTIO_ID_BLOCK, &r), 0);
	assert_int_equal(r.at[BD_WAKE] - r.at[BD_KICK], 2000);
	assert_int_equal(r.at[BD_POP] - r.at[BD_WAKE], 0);
	bd_events_free(&ev);
}

/* Found by polling: no kick interrupt, no wake; the kick stage lasts until the pop. */
static void test_polled(void **state)
{
	struct bd_events ev = { 0 };
	struct bd_request r;

	(void)state;
	for (size_t i = 0; i < sizeof(round_lines) / sizeof(round_lines[0]); i++)
		if (!strstr(round_lines[i], "SVT-D wake"))
			assert_int_equal(bd_feed_line(&ev, round_lines[i]), 0);
	assert_int_equal(bd_request_stages(&ev, 0, VIRTIO_ID_BLOCK, &r), 0);
	assert_true(r.polled);
	assert_int_equal(r.at[BD_WAKE] - r.at[BD_KICK], 2500);
	assert_int_equal(r.at[BD_POP] - r.at[BD_WAKE], 0);
	assert_int_equal(r.at[BD_PARSE] - r.at[BD_POP], 0);
	bd_events_free(&ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_request),  cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_out_of_order), cmocka_unit_test(test_local),
		cmocka_unit_test(test_polled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
