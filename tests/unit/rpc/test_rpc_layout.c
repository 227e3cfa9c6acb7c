// SPDX-License-Identifier: GPL-2.0
/* iobuf layout: standard layouts, and headers a peer must refuse. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../support/unit.h"

#include <splitvirt/rpc_ring.h>

#define SIZE (2 * SV_RPC_PAGE_SIZE)

static int setup(void **state)
{
	void *buf = aligned_alloc(SV_RPC_PAGE_SIZE, SV_RPC_MAX_SIZE);

	assert_non_null(buf);
	assert_int_equal(sv_rpc_iobuf_init(buf, SIZE), 0);
	*state = buf;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static struct sv_rpc_header *hdr(void **state)
{
	return *state;
}

static void test_standard_sizes(void **state)
{
	struct sv_rpc_layout lay;

	for (__u32 pages = 1; pages <= 16; pages *= 2) {
		__u32 size = pages * SV_RPC_PAGE_SIZE;

		assert_int_equal(sv_rpc_iobuf_init(*state, size), 0);
		assert_int_equal(sv_rpc_iobuf_validate(*state, size, &lay), 0);
		assert_int_equal(lay.size, size);
		assert_int_equal(lay.nslots, size / 256);
		assert_int_equal(lay.nevents, size / 128);
	}
	assert_int_equal(sv_rpc_layout_compute(SIZE, &lay), 0);
	assert_int_equal(lay.nslots, 32);
	assert_int_equal(lay.nevents, 64);
	assert_int_equal(lay.slots_off, 640);
}

static void test_bad_init_sizes(void **state)
{
	struct sv_rpc_layout lay;

	assert_int_equal(sv_rpc_iobuf_init(*state, 0), -EINVAL);
	assert_int_equal(sv_rpc_iobuf_init(*state, 2048), -EINVAL);
	assert_int_equal(sv_rpc_iobuf_init(*state, 3 * SV_RPC_PAGE_SIZE), -EINVAL);
	assert_int_equal(sv_rpc_layout_compute(32 * SV_RPC_PAGE_SIZE, &lay), -EINVAL);
}

static void test_good(void **state)
{
	struct sv_rpc_layout lay;

	assert_int_equal(sv_rpc_iobuf_validate(*state, SIZE, &lay), 0);
	assert_int_equal(lay.version, SV_RPC_VERSION);
}

static void test_bad_magic(void **state)
{
	struct sv_rpc_layout lay;

	hdr(state)->magic = 0;
	assert_int_equal(sv_rpc_iobuf_validate(*state, SIZE, &lay), -ENODEV);
	hdr(state)->magic = SV_RPC_MAGIC ^ 1;
	assert_int_equal(sv_rpc_iobuf_validate(*state, SIZE, &lay), -ENODEV);
}

static void test_bad_version(void **state)
{
	struct sv_rpc_layout lay;

	hdr(state)->version = (SV_RPC_VERSION_MAJOR + 1) << 16;
	assert_int_equal(sv_rpc_iobuf_validate(*state, SIZE, &lay), -EPROTONOSUPPORT);
	/* A newer minor version is compatible. */
	hdr(state)->version = SV_RPC_VERSION + 1;
	assert_int_equal(sv_rpc_iobuf_validate(*state, SIZE, &lay), 0);
}

static void test_bad_sizes(void **state)
{
	struct sv_rpc_layout lay;
	struct sv_rpc_header good = *hdr(state);

	/* Header and mapping disagree. */
	assert_int_equal(sv_rpc_iobuf_validate(*state, 4 * SV_RPC_PAGE_SIZE, &lay), -EINVAL);
	hdr(state)->size = 4 * SV_RPC_PAGE_SIZE;
	assert_int_equal(sv_rpc_iobuf_validate(*state, SIZE, &lay), -EINVAL);
	*hdr(state) = good;
	hdr(state)->msg_size = 32;
	assert_int_equal(sv_rpc_iobuf_validate(*state, SIZE, &lay), -EINVAL);
	*hdr(state) = good;
	hdr(state)->nslots = 24; /* not a power of two */
	assert_int_equal(sv_rpc_iobuf_validate(*state, SIZE, &lay), -EINVAL);
	*hdr(state) = good;
	hdr(state)->nslots = 0;
	assert_int_equal(sv_rpc_iobuf_validate(*state, SIZE, &lay), -EINVAL);
	*hdr(state) = good;
	hdr(state)->nevents = 1u << 20;
	assert_int_equal(sv_rpc_iobuf_validate(*state, SIZE, &lay), -EINVAL);
	*hdr(state) = good;
	hdr(state)->nslots = 64; /* slots now overlap the request ring */
	assert_int_equal(sv_rpc_iobuf_validate(*state, SIZE, &lay), -EINVAL);
}

static void test_bad_offsets(void **state)
{
	struct sv_rpc_layout lay;
	struct sv_rpc_header good = *hdr(state);

	hdr(state)->evt_ring_off = SIZE - 64; /* runs past the end */
	assert_int_equal(sv_rpc_iobuf_validate(*state, SIZE, &lay), -EINVAL);
	*hdr(state) = good;
	hdr(state)->slots_off = 0xfffffc0u; /* far outside, 32-bit overflow bait */
	assert_int_equal(sv_rpc_iobuf_validate(*state, SIZE, &lay), -EINVAL);
	*hdr(state) = good;
	hdr(state)->side_off[1] = hdr(state)->side_off[0]; /* overlap */
	assert_int_equal(sv_rpc_iobuf_validate(*state, SIZE, &lay), -EINVAL);
	*hdr(state) = good;
	hdr(state)->req_ctl_off = 0; /* on top of the header */
	assert_int_equal(sv_rpc_iobuf_validate(*state, SIZE, &lay), -EINVAL);
	*hdr(state) = good;
	hdr(state)->rep_ring_off += 2; /* misaligned */
	assert_int_equal(sv_rpc_iobuf_validate(*state, SIZE, &lay), -EINVAL);
	*hdr(state) = good;
	assert_int_equal(sv_rpc_iobuf_validate(*state, SIZE, &lay), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		SV_TEST(test_standard_sizes), SV_TEST(test_bad_init_sizes), SV_TEST(test_good),
		SV_TEST(test_bad_magic),      SV_TEST(test_bad_version),    SV_TEST(test_bad_sizes),
		SV_TEST(test_bad_offsets),
	};

	return cmocka_run_group_tests_name("rpc_layout", tests, NULL, NULL);
}
