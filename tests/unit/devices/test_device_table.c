// SPDX-License-Identifier: GPL-2.0
/* The device table: descriptors, options, the sv.link syntax of each type, creation. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <splitvirt/device_type.h>
#include <splitvirt/topology.h>
#include <splitvirt/virtio_dev.h>
#include <splitvirt/virtio_host.h>

static char err[256];

/* Every descriptor is complete and within what a host can serve. */
static void test_descriptors(void **state)
{
	(void)state;
	for (unsigned int t = 0; t < SV_DEV_NR_TYPES; t++) {
		const struct sv_dev_desc *d = sv_dev_desc((enum sv_dev_type)t);
		enum sv_dev_type found;

		assert_non_null(d);
		assert_non_null(d->name);
		/* A model of its own, or a vhost-user back-end's (virtio-fs: virtiofsd). */
		assert_true(d->create ||
			    ((d->flags & SV_DEV_F_VHOST_USER) && d->vhost_user_create));
		if (d->flags & SV_DEV_F_VHOST_USER)
			assert_true(d->vhost_user_create && d->vhost_user_command);
		assert_true(d->virtio_id > 0);
		assert_true(d->max_queues >= 1 && d->max_queues <= VIRTIO_HOST_MAX_QUEUES);
		/* What a remote device must give, it must be able to take. */
		assert_int_equal(d->remote_needs & ~d->opts, 0);
		assert_int_equal(sv_dev_find(d->name, strlen(d->name), &found), 0);
		assert_int_equal(found, t);
		assert_string_equal(sv_dev_type_name((enum sv_dev_type)t), d->name);
		assert_non_null(strstr(sv_dev_type_list(), d->name));
	}
	assert_null(sv_dev_desc(SV_DEV_NR_TYPES));
	assert_string_equal(sv_dev_type_name((enum sv_dev_type)99), "?");
	assert_int_equal(sv_dev_find("floppy", 6, &(enum sv_dev_type){ 0 }), -ENOENT);
	assert_string_equal(sv_dev_type_list(), "blk, net, console, rng or fs");
}

/*
 * A link with one device of each type (the demo's) fits the default
 * doorbells: one kick per queue within SV_TOPO_DEFAULT_DOORBELLS, so no
 * kick falls back to the slow RPC path (multi-queue blk and net add up).
 */
static void test_one_of_each_fits_the_doorbells(void **state)
{
	unsigned int kicks = 0;

	(void)state;
	for (unsigned int t = 0; t < SV_DEV_NR_TYPES; t++)
		kicks += sv_dev_desc((enum sv_dev_type)t)->max_queues;
	assert_true(kicks <= SV_TOPO_DEFAULT_DOORBELLS);
}

struct link_case {
	const char *text; /* NAME[=ARG] as in sv.link */
	struct sv_dev_spec want;
};

static const struct link_case link_cases[] = {
	{ .text = "blk=/dev/vda", .want = { .type = SV_DEV_BLK, .path = "/dev/vda" } },
	{ .text = "blk=/img/base.raw:ro",
	  .want = { .type = SV_DEV_BLK, .path = "/img/base.raw", .read_only = true } },
	{ .text = "net=br0", .want = { .type = SV_DEV_NET, .bridge = "br0" } },
	{ .text = "net=br-x.1/52:54:00:ab:cd:ef",
	  .want = { .type = SV_DEV_NET,
		    .bridge = "br-x.1",
		    .mac = { 0x52, 0x54, 0, 0xab, 0xcd, 0xef },
		    .has_mac = true } },
	{ .text = "console", .want = { .type = SV_DEV_CONSOLE } },
	{ .text = "rng", .want = { .type = SV_DEV_RNG } },
	{ .text = "blk@vhost-user=/dev/vdb:ro",
	  .want = { .type = SV_DEV_BLK,
		    .path = "/dev/vdb",
		    .read_only = true,
		    .backend = SV_DEV_BACKEND_VHOST_USER } },
	{ .text = "net@vhost-net=br0",
	  .want = { .type = SV_DEV_NET, .bridge = "br0", .backend = SV_DEV_BACKEND_VHOST_NET } },
	{ .text = "fs=share:/srv/share",
	  .want = { .type = SV_DEV_FS, .path = "/srv/share", .tag = "share" } },
	{ .text = "fs=a-b.C_9:/", .want = { .type = SV_DEV_FS, .path = "/", .tag = "a-b.C_9" } },
};

/* Each type's sv.link syntax: parse, compare, write back the same text. */
static void test_link_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(link_cases) / sizeof(link_cases[0]); i++) {
		const struct link_case *c = &link_cases[i];
		struct sv_dev_spec d;
		char out[128];

		assert_int_equal(sv_dev_link_parse(c->text, &d, "dev", err, sizeof(err)), 0);
		assert_memory_equal(&d, &c->want, sizeof(d));
		assert_int_equal(sv_dev_link_format(&d, out, sizeof(out)), (int)strlen(c->text));
		assert_string_equal(out, c->text);
	}
}

struct bad_case {
	const char *text;
	const char *msg;
};

static const struct bad_case bad_links[] = {
	{ .text = "", .msg = "empty device" },
	{ .text = "floppy", .msg = "unknown device 'floppy'; use blk, net, console, rng or fs" },
	{ .text = "blk-ro=/x", .msg = "write blk=/x:ro" },
	{ .text = "blk", .msg = "blk needs a path" },
	{ .text = "blk=dev/vda", .msg = "must be absolute" },
	{ .text = "blk=/a b", .msg = "without blanks" },
	{ .text = "blk=/a:ro:ro", .msg = "must not end in ':ro'" },
	{ .text = "net", .msg = "net needs a bridge name" },
	{ .text = "net=br0/01:00:00:00:00:01", .msg = "multicast" },
	{ .text = "net=br0/52:54:00", .msg = "not a MAC address" },
	{ .text = "net=br@0", .msg = "not an interface name" },
	{ .text = "rng=1", .msg = "rng takes no argument" },
	{ .text = "fs", .msg = "write fs=TAG:/path/in/the/device/vm" },
	{ .text = "fs=/srv", .msg = "write fs=TAG:/path" },
	{ .text = "fs=tag:srv", .msg = "write fs=TAG:/path" },
	{ .text = "fs=t a:/srv", .msg = "write fs=TAG:/path" },
	{ .text = "fs=:/srv", .msg = "write fs=TAG:/path" },
	{ .text = "fs=a23456789012345678901234567890123456:/srv", .msg = "write fs=TAG:/path" },
	{ .text = "console@vhost-user", .msg = "console has no vhost-user back-end" },
	{ .text = "blk@vhost-net=/dev/vda", .msg = "blk has no vhost-net back-end (net has)" },
	{ .text = "net@vhost-user=br0", .msg = "net has no vhost-user back-end" },
};

static void test_link_refusals(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_links) / sizeof(bad_links[0]); i++) {
		struct sv_dev_spec d;

		err[0] = '\0';
		assert_int_equal(sv_dev_link_parse(bad_links[i].text, &d, "dev", err, sizeof(err)),
				 -EINVAL);
		if (!strstr(err, bad_links[i].msg))
			fail_msg("'%s': got '%s', want '%s'", bad_links[i].text, err,
				 bad_links[i].msg);
	}
}

/* What a local device may be that a device VM cannot serve. */
static void test_link_check(void **state)
{
	struct sv_dev_spec local = { .type = SV_DEV_BLK, .path = "disk.img" };
	struct sv_dev_spec tap = { .type = SV_DEV_NET, .bridge = "br0", .tap = "t0" };

	(void)state;
	assert_int_equal(sv_dev_check(&local, "--disk", err, sizeof(err)), 0);
	assert_int_equal(sv_dev_link_check(&local, "dev", err, sizeof(err)), -EINVAL);
	assert_int_equal(sv_dev_link_format(&local, NULL, 0), -EINVAL);
	assert_int_equal(sv_dev_check(&tap, "--net", err, sizeof(err)), 0);
	assert_int_equal(sv_dev_link_check(&tap, "dev", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "names its taps itself"));
}

static void test_options(void **state)
{
	struct sv_dev_spec d;

	(void)state;
	assert_int_equal(sv_dev_parse_opts("blk,path=/x.img,ro", &d, err, sizeof(err)), 0);
	assert_int_equal(d.type, SV_DEV_BLK);
	assert_string_equal(d.path, "/x.img");
	assert_true(d.read_only);
	assert_int_equal(sv_dev_parse_opts("net,tap=t0,bridge=br0,mac=52:54:00:00:00:02", &d, err,
					   sizeof(err)),
			 0);
	assert_string_equal(d.tap, "t0");
	assert_string_equal(d.bridge, "br0");
	assert_int_equal(d.mac[5], 2);
	assert_int_equal(sv_dev_parse_opts("console", &d, err, sizeof(err)), 0);
	assert_int_equal(d.type, SV_DEV_CONSOLE);

	assert_int_equal(sv_dev_parse_opts("", &d, err, sizeof(err)), -EINVAL);
	assert_int_equal(sv_dev_parse_opts("net,path=/x", &d, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "net takes no option 'path' (its options: bridge, tap, mac)"));
	assert_int_equal(sv_dev_parse_opts("blk,path", &d, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "'path' needs a value"));
	assert_int_equal(sv_dev_parse_opts("net,mac=ff:ff:ff:ff:ff:ff", &d, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "multicast"));
	assert_int_equal(sv_dev_parse_opts("net,tap=0123456789abcdef", &d, err, sizeof(err)),
			 -EINVAL);
	/* A field set behind the parser's back is caught by the generic check. */
	d = (struct sv_dev_spec){ .type = SV_DEV_RNG, .read_only = true };
	assert_int_equal(sv_dev_check(&d, "x", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "rng does not take"));
}

static int fake_console(void *ctx, struct virtio_console_backend **out)
{
	(void)ctx;
	(void)out;
	return -ENOTTY;
}

/* Creation through the table, with a real backend where one is cheap. */
static void test_create(void **state)
{
	static uint8_t ram[1 << 16];
	struct gmem gm;
	struct sv_dev_host h = { .gm = &gm, .label = "test", .serial = "s1" };
	struct sv_dev_spec blk = { .type = SV_DEV_BLK };
	struct sv_dev_spec rng = { .type = SV_DEV_RNG };
	struct sv_dev_spec con = { .type = SV_DEV_CONSOLE };
	struct virtio_dev *dev;
	char path[] = "/tmp/sv-devtab-XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 1 << 20), 0);
	close(fd);
	gmem_init(&gm);
	assert_int_equal(gmem_add_region(&gm, 0x40000000, sizeof(ram), ram), 0);
	strcpy(blk.path, path);
	assert_int_equal(sv_dev_create(&blk, &h, &dev), 0);
	assert_int_equal(dev->device_id, sv_dev_desc(SV_DEV_BLK)->virtio_id);
	assert_true(dev->num_queues <= sv_dev_desc(SV_DEV_BLK)->max_queues);
	virtio_dev_destroy(dev);
	assert_int_equal(sv_dev_create(&rng, &h, &dev), 0);
	assert_int_equal(dev->device_id, sv_dev_desc(SV_DEV_RNG)->virtio_id);
	virtio_dev_destroy(dev);
	/* The console goes where the host says; a host without one gets a clear error. */
	assert_int_equal(sv_dev_create(&con, &h, &dev), -EOPNOTSUPP);
	h.console_open = fake_console;
	assert_int_equal(sv_dev_create(&con, &h, &dev), -ENOTTY);
	strcpy(blk.path, "/nonexistent/disk.img");
	assert_int_equal(sv_dev_create(&blk, &h, &dev), -ENOENT);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptors),
		cmocka_unit_test(test_one_of_each_fits_the_doorbells),
		cmocka_unit_test(test_link_round_trip),
		cmocka_unit_test(test_link_refusals),
		cmocka_unit_test(test_link_check),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_create),
	};

	return cmocka_run_group_tests_name("device_table", tests, NULL, NULL);
}
