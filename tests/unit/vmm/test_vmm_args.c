// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../../vmm/args.h"

static char err[256];

#define PARSE(args, ...)                                                                   \
	({                                                                                 \
		char *argv[] = { "vmm", __VA_ARGS__, NULL };                               \
		vmm_args_parse((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv, args, err, \
			       sizeof(err));                                               \
	})

static void test_defaults(void **state)
{
	struct vmm_args a;

	(void)state;
	assert_int_equal(PARSE(&a, "--kernel", "Image"), 0);
	assert_string_equal(a.kernel, "Image");
	assert_null(a.initrd);
	assert_int_equal(a.mem_size, SV_GUEST_DEFAULT_MEM);
	assert_int_equal(a.cpus, 1);
	assert_int_equal(a.gic, VMM_GIC_AUTO);
	assert_string_equal(a.cmdline, "console=ttyAMA0");
}

static void test_all_options(void **state)
{
	struct vmm_args a;

	(void)state;
	assert_int_equal(PARSE(&a, "-k", "K", "--initrd", "I", "--cmdline", "quiet", "--mem", "1G",
			       "--cpus", "4", "--gic", "v2", "--log-level", "debug"),
			 0);
	assert_string_equal(a.initrd, "I");
	assert_string_equal(a.cmdline, "quiet");
	assert_int_equal(a.mem_size, 1ull << 30);
	assert_int_equal(a.cpus, 4);
	assert_int_equal(a.gic, VMM_GIC_V2);
	assert_int_equal(a.log_level, SV_LOG_DEBUG);
}

static void test_help(void **state)
{
	struct vmm_args a;

	(void)state;
	assert_int_equal(PARSE(&a, "--help"), 0);
	assert_true(a.help);
}

static void test_errors_name_the_problem(void **state)
{
	struct vmm_args a;

	(void)state;
	assert_int_equal(PARSE(&a, "--initrd", "x"), -EINVAL);
	assert_non_null(strstr(err, "--kernel"));
	assert_int_equal(PARSE(&a, "-k", "K", "--mem", "lots"), -EINVAL);
	assert_non_null(strstr(err, "not a size"));
	assert_int_equal(PARSE(&a, "-k", "K", "--mem", "16M"), -EINVAL);
	assert_non_null(strstr(err, "out of range"));
	assert_int_equal(PARSE(&a, "-k", "K", "--mem", "33M"), -EINVAL);
	assert_non_null(strstr(err, "multiple of 2M"));
	assert_int_equal(PARSE(&a, "-k", "K", "--cpus", "0"), -EINVAL);
	assert_int_equal(PARSE(&a, "-k", "K", "--cpus", "9"), -EINVAL);
	assert_int_equal(PARSE(&a, "-k", "K", "--gic", "v4"), -EINVAL);
	assert_non_null(strstr(err, "auto, v2 or v3"));
	assert_int_equal(PARSE(&a, "-k", "K", "--bogus"), -EINVAL);
	assert_non_null(strstr(err, "unknown option --bogus"));
	assert_int_equal(PARSE(&a, "-k", "K", "stray"), -EINVAL);
	assert_non_null(strstr(err, "unexpected argument 'stray'"));
	assert_int_equal(PARSE(&a, "-k"), -EINVAL);
	assert_non_null(strstr(err, "needs a value"));
}

static void test_devices(void **state)
{
	struct vmm_args a;

	(void)state;
	assert_int_equal(PARSE(&a, "-k", "K", "--disk", "/d/a.img", "--disk", "b.img,ro", "--net",
			       "tap=tap0,mac=52:54:00:00:00:01", "--net", "tap=tap1,bridge=br0",
			       "--rng", "--console"),
			 0);
	/* In command-line order, each through the device table. */
	assert_int_equal(a.ndevs, 6);
	assert_int_equal(a.devs[0].type, SV_DEV_BLK);
	assert_string_equal(a.devs[0].path, "/d/a.img");
	assert_false(a.devs[0].read_only);
	assert_int_equal(a.devs[1].type, SV_DEV_BLK);
	assert_string_equal(a.devs[1].path, "b.img");
	assert_true(a.devs[1].read_only);
	assert_int_equal(a.devs[2].type, SV_DEV_NET);
	assert_string_equal(a.devs[2].tap, "tap0");
	assert_true(a.devs[2].has_mac);
	assert_int_equal(a.devs[2].mac[5], 1);
	assert_string_equal(a.devs[2].bridge, "");
	assert_false(a.devs[3].has_mac);
	assert_string_equal(a.devs[3].bridge, "br0");
	assert_int_equal(a.devs[4].type, SV_DEV_RNG);
	assert_int_equal(a.devs[5].type, SV_DEV_CONSOLE);
	assert_true(vmm_args_has(&a, SV_DEV_CONSOLE));
	assert_true(vmm_args_has(&a, SV_DEV_RNG));

	/* The generic form names any type of the table. */
	assert_int_equal(PARSE(&a, "-k", "K", "--device", "blk,path=/x.img,ro", "--device",
			       "net,tap=t1,bridge=br1,mac=52:54:00:00:00:09", "--device", "rng"),
			 0);
	assert_int_equal(a.ndevs, 3);
	assert_string_equal(a.devs[0].path, "/x.img");
	assert_true(a.devs[0].read_only);
	assert_string_equal(a.devs[1].tap, "t1");
	assert_string_equal(a.devs[1].bridge, "br1");
	assert_int_equal(a.devs[1].mac[5], 9);
	assert_int_equal(a.devs[2].type, SV_DEV_RNG);
	assert_false(vmm_args_has(&a, SV_DEV_CONSOLE));
}

static void test_device_errors(void **state)
{
	struct vmm_args a;

	(void)state;
	assert_int_equal(PARSE(&a, "-k", "K", "--disk", "a.img,rw"), -EINVAL);
	assert_non_null(strstr(err, "unknown option 'rw'"));
	assert_int_equal(PARSE(&a, "-k", "K", "--disk", ",ro"), -EINVAL);
	assert_int_equal(PARSE(&a, "-k", "K", "--net", "mac=52:54:00:00:00:01"), -EINVAL);
	assert_non_null(strstr(err, "name the tap"));
	assert_int_equal(PARSE(&a, "-k", "K", "--net", "tap=t0,mac=01:00:00:00:00:01"), -EINVAL);
	assert_non_null(strstr(err, "multicast address"));
	assert_int_equal(PARSE(&a, "-k", "K", "--net", "tap=t0,mac=52:54:00:00:00"), -EINVAL);
	assert_int_equal(PARSE(&a, "-k", "K", "--net", "tap=0123456789abcdef"), -EINVAL);
	assert_int_equal(PARSE(&a, "-k", "K", "--net", "tap=t0,speed=10"), -EINVAL);
	assert_non_null(strstr(err, "net takes no option 'speed'"));
	assert_int_equal(PARSE(&a, "-k", "K", "--device", "floppy"), -EINVAL);
	assert_non_null(strstr(err, "the first word is the type: blk, net, console, rng or fs"));
	assert_int_equal(PARSE(&a, "-k", "K", "--device", "fs,path=/srv,tag=t"), -EINVAL);
	assert_non_null(strstr(err, "fs is served by a device VM only"));
	assert_int_equal(PARSE(&a, "-k", "K", "--device", "rng,path=/x"), -EINVAL);
	assert_non_null(strstr(err, "rng takes no option 'path' (its options: none)"));
	assert_int_equal(PARSE(&a, "-k", "K", "--device", "blk,ro=1,path=/x"), -EINVAL);
	assert_non_null(strstr(err, "'ro' takes no value"));
	assert_int_equal(PARSE(&a, "-k", "K", "--device", "blk"), -EINVAL);
	assert_non_null(strstr(err, "blk needs a path"));
}

/* No silent limit: the seventeenth local device is refused with the limit named. */
static void test_device_limit(void **state)
{
	char *argv[2 + 2 * (SV_VM_MAX_LOCAL_DEVICES + 1) + 1] = { "vmm", "-k", "K" };
	struct vmm_args a;
	int argc = 3;

	(void)state;
	for (int i = 0; i <= SV_VM_MAX_LOCAL_DEVICES; i++) {
		argv[argc++] = "--device";
		argv[argc++] = "rng";
	}
	assert_int_equal(vmm_args_parse(argc, argv, &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "at most 16 local devices"));
	assert_int_equal(vmm_args_parse(argc - 2, argv, &a, err, sizeof(err)), 0);
	assert_int_equal(a.ndevs, SV_VM_MAX_LOCAL_DEVICES);
}

static void test_links(void **state)
{
	struct vmm_args a;

	(void)state;
	assert_int_equal(
		PARSE(&a, "-k", "K", "--name", "app", "--ram-fd", "3", "--link",
		      "id=1,peer=dev,iobuf-fd=5,req-fd=6,resp-fd=7,kick-fds=8:9,call-fds=10"),
		0);
	assert_string_equal(a.name, "app");
	assert_int_equal(a.ram_fd, 3);
	assert_int_equal(a.nlinks, 1);
	assert_int_equal(a.links[0].id, 1);
	assert_string_equal(a.links[0].peer, "dev");
	assert_int_equal(a.links[0].nkicks, 2);
	assert_int_equal(a.links[0].kick_fds[1], 9);
	assert_int_equal(a.links[0].ncalls, 1);
	assert_int_equal(a.links[0].call_fds[0], 10);

	assert_int_equal(PARSE(&a, "-k", "K", "--serve",
			       "id=0,peer=app,ram-fd=4,ram-gpa=0x40000000,ram-size=268435456,"
			       "iobuf-fd=5,req-fd=6,resp-fd=7,kick-fds=8,call-fds=9"),
			 0);
	assert_int_equal(a.nserves, 1);
	assert_int_equal(a.serves[0].ram_gpa, 0x40000000);
	assert_int_equal(a.serves[0].ram_size, 256u << 20);

	/* The argument's own rules are tested with its parser (tests/unit/link). */
	assert_int_equal(PARSE(&a, "-k", "K", "--link", "id=0,ram-fd=4"), -EINVAL);
	assert_non_null(strstr(err, "--link: unknown key 'ram-fd'"));
	assert_int_equal(
		PARSE(&a, "-k", "K", "--serve", "id=0,iobuf-fd=5,req-fd=6,resp-fd=7,ram-fd=4"),
		-EINVAL);
	assert_non_null(strstr(err, "--serve also needs ram-fd and ram-size"));
}

static void test_too_many_links(void **state)
{
#define L "id=0,iobuf-fd=5,req-fd=6,resp-fd=7"
	struct vmm_args a;

	(void)state;
	assert_int_equal(PARSE(&a, "-k", "K", "--link", L, "--link", L, "--link", L, "--link", L,
			       "--link", L, "--link", L, "--link", L, "--link", L),
			 0);
	assert_int_equal(a.nlinks, SV_VM_MAX_LINKS);
	assert_int_equal(PARSE(&a, "-k", "K", "--link", L, "--link", L, "--link", L, "--link", L,
			       "--link", L, "--link", L, "--link", L, "--link", L, "--link", L),
			 -EINVAL);
	assert_non_null(strstr(err, "at most 8 --link options"));
#undef L
}

static void test_passthrough(void **state)
{
#define P "--passthrough", "00:01.0"
	struct vmm_args a;

	(void)state;
	assert_int_equal(
		PARSE(&a, "-k", "K", "--passthrough", "0000:00:02.0", "--passthrough", "1f:1e.7"),
		0);
	assert_int_equal(a.npassthrough, 2);
	assert_string_equal(a.passthrough[0], "0000:00:02.0");
	assert_string_equal(a.passthrough[1], "0000:1f:1e.7");
	assert_int_equal(PARSE(&a, "-k", "K", "--passthrough", "00:20.0"), -EINVAL);
	assert_non_null(strstr(err, "--passthrough 00:20.0: not a PCI address"));
	assert_int_equal(PARSE(&a, "-k", "K", "--passthrough", "00:01.8"), -EINVAL);
	assert_int_equal(PARSE(&a, "-k", "K", "--passthrough", "nvme0"), -EINVAL);
	assert_int_equal(PARSE(&a, "-k", "K", "--passthrough", "0000:00:01.0x"), -EINVAL);
	assert_int_equal(PARSE(&a, "-k", "K", "--passthrough", ""), -EINVAL);
	assert_int_equal(PARSE(&a, "-k", "K", P, P, P, P, P, P, P, P), 0);
	assert_int_equal(PARSE(&a, "-k", "K", P, P, P, P, P, P, P, P, P), -EINVAL);
	assert_non_null(strstr(err, "--passthrough: at most 8 devices"));
#undef P
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_options),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_errors_name_the_problem),
		cmocka_unit_test(test_devices),
		cmocka_unit_test(test_device_errors),
		cmocka_unit_test(test_device_limit),
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_too_many_links),
		cmocka_unit_test(test_passthrough),
	};
	return cmocka_run_group_tests_name("vmm_args", tests, NULL, NULL);
}
