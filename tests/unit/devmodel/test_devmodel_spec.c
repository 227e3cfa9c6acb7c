// SPDX-License-Identifier: GPL-2.0
/* sv.link<ID>= command-line parsing and the devmodel's own options. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../../../devmodel/args.h"
#include "../../../devmodel/spec.h"

static struct dm_config cfg;
static char err[256];

static void test_full_cmdline(void **state)
{
	const char *line =
		"console=ttyAMA0 root=/dev/ram0 sv.link0=app:blk=/dev/vda,net=br0/52:54:00:00:00:20,console,rng quiet "
		"sv.link3=db:blk=/img/base.raw:ro,blk=/dev/vdb:ro,net=br-1 sv.run=init\n";
	const struct sv_link_spec *l;

	(void)state;
	assert_int_equal(dm_parse_cmdline(line, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.nr_links, 2);
	l = dm_config_find(&cfg, 0);
	assert_non_null(l);
	assert_string_equal(l->driver, "app");
	assert_int_equal(l->nr_devs, 4);
	assert_int_equal(l->devs[0].type, SV_DEV_BLK);
	assert_string_equal(l->devs[0].path, "/dev/vda");
	assert_false(l->devs[0].read_only);
	assert_int_equal(l->devs[1].type, SV_DEV_NET);
	assert_string_equal(l->devs[1].bridge, "br0");
	assert_true(l->devs[1].has_mac);
	assert_int_equal(l->devs[1].mac[0], 0x52);
	assert_int_equal(l->devs[1].mac[5], 0x20);
	assert_int_equal(l->devs[2].type, SV_DEV_CONSOLE);
	assert_int_equal(l->devs[3].type, SV_DEV_RNG);

	l = dm_config_find(&cfg, 3);
	assert_non_null(l);
	assert_string_equal(l->driver, "db");
	assert_int_equal(l->nr_devs, 3);
	assert_string_equal(l->devs[0].path, "/img/base.raw");
	assert_true(l->devs[0].read_only);
	assert_string_equal(l->devs[1].path, "/dev/vdb");
	assert_true(l->devs[1].read_only);
	assert_string_equal(l->devs[2].bridge, "br-1");
	assert_false(l->devs[2].has_mac);
	assert_null(dm_config_find(&cfg, 1));
}

static void test_quotes_and_empty(void **state)
{
	(void)state;
	assert_int_equal(dm_parse_cmdline("a=\"x y\" sv.link7=\"vm-1:rng\" sv.link8=idle:", &cfg,
					  err, sizeof(err)),
			 0);
	assert_int_equal(cfg.nr_links, 2);
	assert_string_equal(cfg.links[0].driver, "vm-1");
	assert_int_equal(cfg.links[0].nr_devs, 1);
	/* A link without devices is served: its driver VM still needs START_VM. */
	assert_int_equal(cfg.links[1].nr_devs, 0);
	assert_int_equal(dm_parse_cmdline("", &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.nr_links, 0);
}

struct bad_case {
	const char *line;
	const char *msg; /* a substring of the error */
};

/* One parameter's own rules are tested with its parser (tests/unit/link). */
static const struct bad_case bad_cases[] = {
	{ .line = "sv.link0=app:rng sv.link0=b:rng", .msg = "sv.link0 is given twice" },
	{ .line = "quiet sv.link0=app:rng sv.link2=app:console,Rng",
	  .msg = "sv.link2 device 1: unknown device 'Rng'" },
	{ .line = "sv.link0=app:blk-ro=/x", .msg = "blk-ro= is not accepted; write blk=/x:ro" },
	{ .line = "sv.links=1", .msg = "'sv.links=1': link id 's' is not a number" },
	{ .line = "a sv.link0", .msg = "has no value" },
};

static void test_bad_specs(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		err[0] = '\0';
		int ret = dm_parse_cmdline(bad_cases[i].line, &cfg, err, sizeof(err));

		if (ret != -EINVAL || !strstr(err, bad_cases[i].msg))
			fail_msg("'%s': got %d '%s', want '%s'", bad_cases[i].line, ret, err,
				 bad_cases[i].msg);
	}
}

static void test_word_too_long(void **state)
{
	static char line[5000];

	(void)state;
	memset(line, 'a', sizeof(line) - 1);
	memcpy(line, "x=\"a b\" sv.link0=a:blk=/", 24);
	assert_int_equal(dm_parse_cmdline(line, &cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "an sv.link parameter is 4991 bytes; the limit is 4095"));
	/* Other long words are none of the devmodel's business. */
	line[8] = 'x';
	assert_int_equal(dm_parse_cmdline(line, &cfg, err, sizeof(err)), 0);
}

static void test_too_many_links(void **state)
{
	char line[2048] = "";

	(void)state;
	for (int i = 0; i <= SV_VM_MAX_LINKS; i++) {
		char p[48];

		snprintf(p, sizeof(p), " sv.link%d=v%d:rng", i, i);
		strcat(line, p);
	}
	assert_int_equal(dm_parse_cmdline(line, &cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "more than 8 sv.link parameters"));
}

static int parse(struct dm_args *a, int argc, const char **argv)
{
	return dm_args_parse(argc, (char **)argv, a, err, sizeof(err));
}

static void test_args(void **state)
{
	const char *ok[] = {
		"devmodel",	  "--link", "3",	   "--link", "0",
		"--cmdline-file", "/tmp/c", "--log-level", "debug",  "--no-console-input"
	};
	const char *dup[] = { "devmodel", "--link", "1", "--link", "1" };
	const char *badlvl[] = { "devmodel", "--log-level", "loud" };
	const char *badopt[] = { "devmodel", "--frobnicate" };
	const char *extra[] = { "devmodel", "stray" };
	const char *badid[] = { "devmodel", "--link", "-1" };
	const char *help[] = { "devmodel", "--help" };
	const char *sdir[] = { "devmodel", "--state-dir",
			       "/tmp/st" }; /* gone: the area replaced it */
	const char *nostate[] = { "devmodel", "--no-state" };
	const char *trace[] = { "devmodel", "--trace", "4096", "--trace-kernel", "/t/pipe" };
	const char *trace0[] = { "devmodel", "--trace", "0" };
	const char *tkonly[] = { "devmodel", "--trace-kernel", "/t/pipe" };
	const char *toonly[] = { "devmodel", "--trace-out", "/dev/vdb" };
	const char *poll[] = { "devmodel", "--poll-us", "500" };
	const char *badpoll[] = { "devmodel", "--poll-us", "100001" };
	const struct sv_link_spec *specs[SV_VM_MAX_LINKS];
	struct dm_args a;

	(void)state;
	assert_int_equal(parse(&a, 10, ok), 0);
	assert_int_equal(a.nr_links, 2);
	assert_int_equal(a.links[0], 3);
	assert_string_equal(a.cmdline_file, "/tmp/c");
	assert_int_equal(a.log_level, SV_LOG_DEBUG);
	assert_null(a.console_dir);
	assert_string_equal(a.device, "/dev/splitvirt");

	assert_int_equal(dm_parse_cmdline("sv.link0=a:rng sv.link1=b:rng", &cfg, err, sizeof(err)),
			 0);
	assert_int_equal(dm_select_links(&a, &cfg, specs, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "--link 3: the command line has no sv.link3="));
	a.links[0] = 1;
	assert_int_equal(dm_select_links(&a, &cfg, specs, err, sizeof(err)), 2);
	assert_int_equal(specs[0]->id, 1);
	a.nr_links = 0;
	assert_int_equal(dm_select_links(&a, &cfg, specs, err, sizeof(err)), 2);

	assert_int_equal(a.trace_records, 0);
	assert_int_equal(parse(&a, 5, trace), 0);
	assert_int_equal(a.trace_records, 4096);
	assert_string_equal(a.trace_kernel, "/t/pipe");
	assert_int_equal(parse(&a, 3, trace0), -EINVAL);
	assert_non_null(strstr(err, "--trace: '0' is not a record count"));
	assert_int_equal(parse(&a, 3, tkonly), -EINVAL);
	assert_non_null(strstr(err, "--trace-kernel needs --trace N"));
	assert_int_equal(parse(&a, 3, toonly), -EINVAL);
	assert_non_null(strstr(err, "--trace-out needs --trace N"));
	assert_int_equal(parse(&a, 3, poll), 0);
	assert_int_equal(a.poll_us, 500);
	assert_int_equal(parse(&a, 3, badpoll), -EINVAL);
	assert_non_null(strstr(err, "--poll-us: '100001' is not microseconds 0-100000"));

	assert_int_equal(parse(&a, 5, dup), -EINVAL);
	assert_non_null(strstr(err, "given twice"));
	assert_int_equal(parse(&a, 3, badlvl), -EINVAL);
	assert_non_null(strstr(err, "--log-level"));
	assert_int_equal(parse(&a, 2, badopt), -EINVAL);
	assert_non_null(strstr(err, "--frobnicate"));
	assert_int_equal(parse(&a, 2, extra), -EINVAL);
	assert_int_equal(parse(&a, 3, badid), -EINVAL);
	assert_int_equal(parse(&a, 2, help), 0);
	assert_true(a.help);
	assert_string_equal(a.console_dir, "/run/splitvirt");
	assert_true(a.keep_state);
	assert_int_equal(parse(&a, 3, sdir), -EINVAL);
	assert_int_equal(parse(&a, 2, nostate), 0);
	assert_false(a.keep_state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_cmdline),   cmocka_unit_test(test_quotes_and_empty),
		cmocka_unit_test(test_bad_specs),      cmocka_unit_test(test_word_too_long),
		cmocka_unit_test(test_too_many_links), cmocka_unit_test(test_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
