// SPDX-License-Identifier: GPL-2.0
/*
 * The sv.link<ID>= parameter: what the writer produces parses back to the
 * same struct, and what the parser or the writer must refuse.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <splitvirt/link_spec.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static char err[256];

/* A 255-byte absolute path: "/" and 254 letters. */
static const char long_path[] =
	"/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

struct round_trip {
	struct sv_link_spec spec;
	const char *text; /* what the writer must produce, or NULL: not checked */
};

static const struct round_trip round_trips[] = {
	{
		.spec = {
			.id = 0,
			.driver = "app",
			.nr_devs = 5,
			.devs = {
				{ .type = SV_DEV_BLK, .path = "/dev/vda" },
				{ .type = SV_DEV_BLK, .path = "/img/base.raw", .read_only = true },
				{ .type = SV_DEV_NET, .bridge = "br0", .has_mac = true,
				  .mac = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x20 } },
				{ .type = SV_DEV_CONSOLE },
				{ .type = SV_DEV_RNG },
			},
		},
		.text = "sv.link0=app:blk=/dev/vda,blk=/img/base.raw:ro,"
			"net=br0/52:54:00:00:00:20,console,rng",
	},
	/* No devices: the driver VM still gets START_VM. */
	{ .spec = { .id = 8, .driver = "idle" }, .text = "sv.link8=idle:" },
	{
		.spec = {
			.id = 3,
			.driver = "db",
			.nr_devs = 3,
			.devs = {
				{ .type = SV_DEV_BLK, .path = "/dev/vdb", .read_only = true },
				{ .type = SV_DEV_NET, .bridge = "br-1" },
				{ .type = SV_DEV_NET, .bridge = "a.b_c-D", .has_mac = true,
				  .mac = { 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54 } },
			},
		},
		.text = "sv.link3=db:blk=/dev/vdb:ro,net=br-1,net=a.b_c-D/fe:dc:ba:98:76:54",
	},
	/* Disks a vhost-user back-end serves in the device VM. */
	{
		.spec = {
			.id = 4,
			.driver = "vu",
			.nr_devs = 3,
			.devs = {
				{ .type = SV_DEV_BLK, .path = "/dev/vdb",
				  .backend = SV_DEV_BACKEND_VHOST_USER },
				{ .type = SV_DEV_BLK, .path = "/img/a@b", .read_only = true,
				  .backend = SV_DEV_BACKEND_VHOST_USER },
				{ .type = SV_DEV_BLK, .path = "/dev/vdc" },
			},
		},
		.text = "sv.link4=vu:blk@vhost-user=/dev/vdb,blk@vhost-user=/img/a@b:ro,blk=/dev/vdc",
	},
	/* Limits: the largest id, a 31-byte name, 8 devices, 15-byte bridges. */
	{
		.spec = {
			.id = SV_LINK_SPEC_MAX_ID,
			.driver = "V-m_012345678901234567890123456",
			.nr_devs = SV_LINK_MAX_DEVICES,
			.devs = {
				{ .type = SV_DEV_RNG },
				{ .type = SV_DEV_CONSOLE },
				{ .type = SV_DEV_NET, .bridge = "bridge-name-15c" },
				{ .type = SV_DEV_NET, .bridge = "b", .has_mac = true,
				  .mac = { 0x02, 0, 0, 0, 0, 0xff } },
				{ .type = SV_DEV_BLK, .path = "/" },
				{ .type = SV_DEV_BLK, .path = "/r", .read_only = true },
				{ .type = SV_DEV_BLK, .path = "/a:r:o", .read_only = true },
				{ .type = SV_DEV_RNG },
			},
		},
		.text = "sv.link65535=V-m_012345678901234567890123456:rng,console,"
			"net=bridge-name-15c,net=b/02:00:00:00:00:ff,blk=/,blk=/r:ro,"
			"blk=/a:r:o:ro,rng",
	},
};

static void assert_dev_equal(const struct sv_dev_spec *a, const struct sv_dev_spec *b)
{
	assert_int_equal(a->type, b->type);
	assert_string_equal(a->path, b->path);
	assert_int_equal(a->read_only, b->read_only);
	assert_string_equal(a->bridge, b->bridge);
	assert_int_equal(a->has_mac, b->has_mac);
	assert_memory_equal(a->mac, b->mac, sizeof(a->mac));
	assert_int_equal(a->backend, b->backend);
}

static void assert_spec_equal(const struct sv_link_spec *a, const struct sv_link_spec *b)
{
	assert_int_equal(a->id, b->id);
	assert_string_equal(a->driver, b->driver);
	assert_int_equal(a->nr_devs, b->nr_devs);
	for (unsigned int k = 0; k < a->nr_devs; k++)
		assert_dev_equal(&a->devs[k], &b->devs[k]);
}

/* Writes spec, checks the text if given, parses it back and compares. */
static void round_trip(const struct sv_link_spec *spec, const char *want)
{
	static struct sv_link_spec back;
	char text[4096];
	int n = sv_link_spec_format(spec, text, sizeof(text));

	assert_true(n > 0);
	assert_int_equal(n, (int)strlen(text));
	if (want)
		assert_string_equal(text, want);
	assert_int_equal(sv_link_spec_check(spec, err, sizeof(err)), 0);
	if (sv_link_spec_parse(text, &back, err, sizeof(err)))
		fail_msg("'%s' does not parse back: %s", text, err);
	assert_spec_equal(&back, spec);
}

static void test_round_trips(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(round_trips); i++)
		round_trip(&round_trips[i].spec, round_trips[i].text);
}

static void test_round_trip_long_path(void **state)
{
	static struct sv_link_spec spec = {
		.id = 1,
		.driver = "a",
		.nr_devs = 2,
		.devs = { { .type = SV_DEV_BLK }, { .type = SV_DEV_BLK, .read_only = true } },
	};

	(void)state;
	assert_int_equal(strlen(long_path), 255); /* the most sv.link carries */
	strcpy(spec.devs[0].path, long_path);
	strcpy(spec.devs[1].path, long_path);
	round_trip(&spec, NULL);
}

/* Every MAC byte value, a device each, through the writer and back. */
static void test_round_trip_macs(void **state)
{
	static struct sv_link_spec spec = { .id = 2, .driver = "m" };

	(void)state;
	for (unsigned int v = 0; v < 256; v += SV_LINK_MAX_DEVICES) {
		spec.nr_devs = SV_LINK_MAX_DEVICES;
		for (unsigned int k = 0; k < SV_LINK_MAX_DEVICES; k++) {
			uint8_t b = (uint8_t)(v + k);

			spec.devs[k] = (struct sv_dev_spec){
				.type = SV_DEV_NET,
				.bridge = "br0",
				.has_mac = true,
				.mac = { (uint8_t)(b & 0xfe), b, b, b, b, b },
			};
		}
		round_trip(&spec, NULL);
	}
}

/* snprintf rules: the full length whatever fits, always NUL-terminated. */
static void test_format_truncates(void **state)
{
	const struct sv_link_spec *spec = &round_trips[0].spec;
	int full = (int)strlen(round_trips[0].text);
	char buf[16];

	(void)state;
	assert_int_equal(sv_link_spec_format(spec, NULL, 0), full);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(sv_link_spec_format(spec, buf, sizeof(buf)), full);
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
	assert_memory_equal(buf, round_trips[0].text, sizeof(buf) - 1);
}

struct bad_spec {
	struct sv_link_spec spec;
	const char *msg; /* a substring of sv_link_spec_check()'s message */
};

#define ONE_DEV(...) .driver = "a", .nr_devs = 1, .devs = { { __VA_ARGS__ } }

static const struct bad_spec bad_specs[] = {
	{ .spec = { .id = SV_LINK_SPEC_MAX_ID + 1, .driver = "a" },
	  .msg = "link id is over 65535" },
	{ .spec = { .driver = "" }, .msg = "not a VM name" },
	{ .spec = { .driver = "-x" }, .msg = "not a VM name" },
	{ .spec = { .driver = "a b" }, .msg = "not a VM name" },
	{ .spec = { .driver = "a", .nr_devs = SV_LINK_MAX_DEVICES + 1 },
	  .msg = "more than 8 devices" },
	{ .spec = { ONE_DEV(.type = SV_DEV_BLK) }, .msg = "device 0: blk needs a path" },
	{ .spec = { ONE_DEV(.type = SV_DEV_BLK, .path = "dev/vda") }, .msg = "must be absolute" },
	{ .spec = { ONE_DEV(.type = SV_DEV_BLK, .path = "/a,b") },
	  .msg = "must be absolute, without blanks, quotes or commas" },
	{ .spec = { ONE_DEV(.type = SV_DEV_BLK, .path = "/a b") }, .msg = "must be absolute" },
	{ .spec = { ONE_DEV(.type = SV_DEV_BLK, .path = "/a\"b") }, .msg = "must be absolute" },
	/* It would be read as read-only /x. */
	{ .spec = { ONE_DEV(.type = SV_DEV_BLK, .path = "/x:ro") },
	  .msg = "must not end in ':ro'" },
	{ .spec = { .driver = "a",
		    .nr_devs = 2,
		    .devs = { { .type = SV_DEV_RNG }, { .type = SV_DEV_NET } } },
	  .msg = "sv.link0 device 1: net needs a bridge name" },
	{ .spec = { ONE_DEV(.type = SV_DEV_NET, .bridge = "br*0") },
	  .msg = "not an interface name" },
	{ .spec = { ONE_DEV(.type = SV_DEV_NET, .bridge = "br0", .has_mac = true, .mac = { 1 }) },
	  .msg = "01:00:00:00:00:00 is a multicast address" },
	{ .spec = { ONE_DEV(.type = (enum sv_dev_type)9) },
	  .msg = "device type 9 is not blk, net, console, rng or fs" },
};

static void test_format_refuses(void **state)
{
	char buf[256];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad_specs); i++) {
		const struct bad_spec *b = &bad_specs[i];
		int ret = sv_link_spec_check(&b->spec, err, sizeof(err));

		if (ret != -EINVAL || !strstr(err, b->msg))
			fail_msg("bad spec %zu: got %d '%s', want '%s'", i, ret, err, b->msg);
		assert_int_equal(sv_link_spec_format(&b->spec, buf, sizeof(buf)), -EINVAL);
	}
}

/* Fixed arrays filled to the brim are not strings: refused, not overread. */
static void test_format_refuses_unterminated(void **state)
{
	static struct sv_link_spec spec = {
		.driver = "a",
		.nr_devs = 1,
		.devs = { { .type = SV_DEV_BLK } },
	};

	(void)state;
	memset(spec.devs[0].path, 'a', sizeof(spec.devs[0].path));
	spec.devs[0].path[0] = '/';
	assert_int_equal(sv_link_spec_check(&spec, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "blk path is over 1023 bytes"));
	spec.devs[0] = (struct sv_dev_spec){ .type = SV_DEV_NET };
	memset(spec.devs[0].bridge, 'b', sizeof(spec.devs[0].bridge));
	assert_int_equal(sv_link_spec_check(&spec, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "is not an interface name"));
	memset(spec.driver, 'd', sizeof(spec.driver));
	assert_int_equal(sv_link_spec_format(&spec, NULL, 0), -EINVAL);
}

struct bad_param {
	const char *param;
	const char *msg; /* a substring of the error */
};

static const struct bad_param bad_params[] = {
	{ "sv.lin=app:rng", "is not an sv.link parameter" },
	{ "sv.link0=app", "no driver VM name" },
	{ "sv.link0=:rng", "not a VM name" },
	{ "sv.link0=-x:rng", "not a VM name" },
	{ "sv.link0=a_very_long_driver_vm_name_over_31:rng", "not a VM name" },
	{ "sv.link0", "has no value" },
	{ "sv.link=app:rng", "link id must follow" },
	{ "sv.link01234567890123456789=app:rng", "link id must follow" },
	{ "sv.linkx=app:rng", "is not a number" },
	{ "sv.link07=app:rng", "is not a number" },
	{ "sv.link-1=app:rng", "is not a number" },
	{ "sv.link70000=app:rng", "is not a number" },
	{ "sv.link0=app:disk=/x", "unknown device 'disk=/x'" },
	{ "sv.link0=app:rng,,console", "device 1: empty device" },
	{ "sv.link0=app:rng,", "device 1: empty device" },
	{ "sv.link0=app:,rng", "device 0: empty device" },
	{ "sv.link0=app:blk=", "blk needs a path" },
	{ "sv.link0=app:blk=:ro", "blk needs a path" },
	{ "sv.link0=app:blk=dev/vda", "must be absolute" },
	{ "sv.link0=app:blk=/a:ro:ro", "must not end in ':ro'" },
	{ "sv.link0=app:blk-ro=/img/base.raw",
	  "device 0: blk-ro= is not accepted; write blk=/img/base.raw:ro" },
	{ "sv.link0=app:net=", "bridge name" },
	{ "sv.link0=app:net=/52:54:00:00:00:01", "bridge name" },
	{ "sv.link0=app:net=bridge-name-too-long", "bridge name" },
	{ "sv.link0=app:net=br*0", "not an interface name" },
	{ "sv.link0=app:net=br0/52:54:00:00:00", "not a MAC address" },
	{ "sv.link0=app:net=br0/52:54:00:00:00:2g", "not a MAC address" },
	{ "sv.link0=app:net=br0/52:54:00:00:00:200", "not a MAC address" },
	{ "sv.link0=app:net=br0/52:54:00:00:+0:20", "not a MAC address" },
	{ "sv.link0=app:net=br0/01:00:5e:00:00:01", "multicast" },
	{ "sv.link0=app:rng,rng,rng,rng,rng,rng,rng,rng,rng", "more than 8 devices" },
	{ "sv.link2=app:console,Rng", "sv.link2 device 1: unknown device 'Rng'" },
	{ "sv.link0=app:blk@vhost=/dev/vda",
	  "unknown back-end 'vhost'; write NAME@vhost-user, NAME@vhost-net" },
	{ "sv.link0=app:rng@vhost-user", "rng has no vhost-user back-end" },
	{ "sv.link0=app:blk@=/dev/vda", "unknown back-end ''" },
	{ "sv.link0=app:blk@vhost-user=", "blk needs a path" },
};

static void test_parse_refuses(void **state)
{
	static struct sv_link_spec spec;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad_params); i++) {
		int ret;

		err[0] = '\0';
		ret = sv_link_spec_parse(bad_params[i].param, &spec, err, sizeof(err));
		if (ret != -EINVAL || !strstr(err, bad_params[i].msg))
			fail_msg("'%s': got %d '%s', want '%s'", bad_params[i].param, ret, err,
				 bad_params[i].msg);
	}
}

static void test_parse_long_tokens(void **state)
{
	static struct sv_link_spec spec;
	char param[2048], huge[1200];

	(void)state;
	snprintf(param, sizeof(param), "sv.link0=a:blk=%sb", long_path);
	assert_int_equal(sv_link_spec_parse(param, &spec, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "blk path is 256 bytes; the limit is 255"));
	snprintf(param, sizeof(param), "sv.link0=a:blk=%s%s:ro", long_path, long_path);
	assert_int_equal(sv_link_spec_parse(param, &spec, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "blk path is 510 bytes; the limit is 255"));
	memset(huge, 'x', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	snprintf(param, sizeof(param), "sv.link0=a:blk=/%s", huge);
	assert_int_equal(sv_link_spec_parse(param, &spec, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "device 0: too long"));
	/* Without an error buffer the result is the same. */
	assert_int_equal(sv_link_spec_parse("sv.link0=a:x", &spec, NULL, 0), -EINVAL);
}

/* Whether a device VM can serve a blk device on path. */
static bool blk_path_ok(const char *path)
{
	struct sv_dev_spec d = { .type = SV_DEV_BLK };

	strcpy(d.path, path);
	return sv_dev_link_check(&d, "test", NULL, 0) == 0;
}

static void test_helpers(void **state)
{
	uint8_t mac[6];

	(void)state;
	assert_true(blk_path_ok("/dev/vda"));
	assert_true(blk_path_ok(long_path));
	assert_false(blk_path_ok(""));
	assert_false(blk_path_ok("dev/vda"));
	assert_false(blk_path_ok("/a,b"));
	assert_false(blk_path_ok("/a\tb"));
	assert_false(blk_path_ok("/a:ro"));
	assert_true(blk_path_ok("/a:rw"));

	assert_int_equal(sv_dev_parse_mac("52:54:00:AB:cd:01", mac), 0);
	assert_int_equal(mac[0], 0x52);
	assert_int_equal(mac[3], 0xab);
	assert_int_equal(mac[4], 0xcd);
	assert_int_equal(mac[5], 0x01);
	assert_int_equal(sv_dev_parse_mac("52:54:00:ab:cd", mac), -EINVAL);
	assert_int_equal(sv_dev_parse_mac("52:54:00:ab:cd:0", mac), -EINVAL);
	assert_int_equal(sv_dev_parse_mac("52:54:00:ab:cd: 1", mac), -EINVAL);
	assert_int_equal(sv_dev_parse_mac("52-54-00-ab-cd-01", mac), -EINVAL);

	assert_string_equal(sv_dev_type_name(SV_DEV_BLK), "blk");
	assert_string_equal(sv_dev_type_name(SV_DEV_NET), "net");
	assert_string_equal(sv_dev_type_name(SV_DEV_CONSOLE), "console");
	assert_string_equal(sv_dev_type_name(SV_DEV_RNG), "rng");
	assert_string_equal(sv_dev_type_name((enum sv_dev_type)7), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_round_trip_long_path),
		cmocka_unit_test(test_round_trip_macs),
		cmocka_unit_test(test_format_truncates),
		cmocka_unit_test(test_format_refuses),
		cmocka_unit_test(test_format_refuses_unterminated),
		cmocka_unit_test(test_parse_refuses),
		cmocka_unit_test(test_parse_long_tokens),
		cmocka_unit_test(test_helpers),
	};

	return cmocka_run_group_tests_name("link_spec", tests, NULL, NULL);
}
