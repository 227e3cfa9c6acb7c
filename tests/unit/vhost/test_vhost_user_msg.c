// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-user wire format: layout as the specification draws it, request
 * builders and their limits, and the reply table of vhost_user_check_reply.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <splitvirt/log.h>
#include <splitvirt/vhost_user.h>

#define REPLY (VHOST_USER_VERSION | VHOST_USER_FLAG_REPLY)

/* Byte offsets on the wire, from the start of the message. */
static void test_layout(void **state)
{
	struct vhost_user_msg m;
	const uint8_t *b = (const uint8_t *)&m;
	struct vhost_user_vring_addr a = { .index = 1,
					   .flags = 2,
					   .desc_user_addr = 3,
					   .used_user_addr = 4,
					   .avail_user_addr = 5,
					   .log_guest_addr = 6 };
	struct vhost_user_mem_region r = { 0x1000, 0x2000, 0x3000, 0x4000 };
	struct vhost_user_inflight in = { .mmap_size = 1, .num_queues = 2, .queue_size = 3 };

	(void)state;
	assert_int_equal(sizeof(m), 12 + 268);
	vhost_user_msg_u64(&m, VHOST_USER_SET_FEATURES, 0x0102030405060708ull);
	assert_int_equal(vhost_user_msg_len(&m), 20);
	assert_memory_equal(b, "\x02\0\0\0\x01\0\0\0\x08\0\0\0\x08\x07\x06\x05\x04\x03\x02\x01",
			    20);

	vhost_user_msg_state(&m, VHOST_USER_SET_VRING_NUM, 3, 256);
	assert_int_equal(m.size, 8);
	assert_memory_equal(b + 12, "\x03\0\0\0\0\x01\0\0", 8);

	vhost_user_msg_addr(&m, &a);
	assert_int_equal(m.request, VHOST_USER_SET_VRING_ADDR);
	assert_int_equal(m.size, 40);
	assert_int_equal(b[12], 1);
	assert_int_equal(b[16], 2);
	assert_int_equal(b[20], 3);
	assert_int_equal(b[28], 4);
	assert_int_equal(b[36], 5);
	assert_int_equal(b[44], 6);

	assert_int_equal(vhost_user_msg_mem_table(&m, &r, 1), 0);
	assert_int_equal(m.size, 8 + 32);
	assert_int_equal(b[12], 1); /* nregions */
	assert_int_equal(b[20 + 1], 0x10);
	assert_int_equal(b[28 + 1], 0x20);
	assert_int_equal(b[36 + 1], 0x30);
	assert_int_equal(b[44 + 1], 0x40);

	assert_int_equal(vhost_user_msg_config(&m, VHOST_USER_SET_CONFIG, 4, 3, 1, "xyz"), 0);
	assert_int_equal(m.size, 12 + 3);
	assert_memory_equal(b + 12, "\x04\0\0\0\x03\0\0\0\x01\0\0\0xyz", 15);

	vhost_user_msg_inflight(&m, VHOST_USER_GET_INFLIGHT_FD, &in);
	assert_int_equal(m.size, 24);
	assert_int_equal(b[12], 1);
	assert_int_equal(b[28], 2);
	assert_int_equal(b[30], 3);
}

static void test_builders_limits(void **state)
{
	struct vhost_user_mem_region r[VHOST_USER_MAX_REGIONS + 1];
	struct vhost_user_msg m;
	uint8_t big[VHOST_USER_MAX_CONFIG] = { 0 };

	(void)state;
	memset(r, 0, sizeof(r));
	for (unsigned int i = 0; i < VHOST_USER_MAX_REGIONS + 1; i++)
		r[i].memory_size = 0x1000;
	assert_int_equal(vhost_user_msg_mem_table(&m, r, VHOST_USER_MAX_REGIONS), 0);
	assert_int_equal(m.size, 8 + 8 * 32);
	assert_int_equal(vhost_user_msg_mem_table(&m, r, VHOST_USER_MAX_REGIONS + 1), -EINVAL);
	assert_int_equal(vhost_user_msg_mem_table(&m, NULL, 1), -EINVAL);
	assert_int_equal(vhost_user_msg_mem_table(&m, NULL, 0), 0);
	assert_int_equal(m.size, 8);
	r[0].memory_size = 0;
	assert_int_equal(vhost_user_msg_mem_table(&m, r, 1), -EINVAL);
	r[0].memory_size = 0x1000;
	r[0].guest_phys_addr = UINT64_MAX - 0xfff;
	assert_int_equal(vhost_user_msg_mem_table(&m, r, 1), -EINVAL);
	r[0].guest_phys_addr = 0;
	r[0].userspace_addr = UINT64_MAX;
	assert_int_equal(vhost_user_msg_mem_table(&m, r, 1), -EINVAL);
	r[0].userspace_addr = 0;
	r[0].mmap_offset = UINT64_MAX - 1;
	assert_int_equal(vhost_user_msg_mem_table(&m, r, 1), -EINVAL);

	assert_int_equal(
		vhost_user_msg_config(&m, VHOST_USER_SET_CONFIG, 0, VHOST_USER_MAX_CONFIG, 0, big),
		0);
	assert_int_equal(m.size, VHOST_USER_MAX_PAYLOAD);
	assert_int_equal(vhost_user_msg_config(&m, VHOST_USER_SET_CONFIG, 0,
					       VHOST_USER_MAX_CONFIG + 1, 0, big),
			 -EINVAL);

	assert_int_equal(vhost_user_msg_vring_fd(&m, VHOST_USER_SET_VRING_CALL, 255, -1), 0);
	assert_int_equal(m.payload.u64, 255 | VHOST_USER_VRING_NOFD);
	assert_int_equal(vhost_user_msg_vring_fd(&m, VHOST_USER_SET_VRING_KICK, 4, 9), 0);
	assert_int_equal(m.payload.u64, 4);
	assert_int_equal(vhost_user_msg_vring_fd(&m, VHOST_USER_SET_VRING_ERR, 256, 9), -EINVAL);
	assert_int_equal(vhost_user_msg_vring_fd(&m, VHOST_USER_SET_FEATURES, 1, 9), -EINVAL);
}

static void test_request_table(void **state)
{
	(void)state;
	assert_string_equal(vhost_user_request_name(VHOST_USER_GET_FEATURES), "GET_FEATURES");
	assert_string_equal(vhost_user_request_name(VHOST_USER_GET_STATUS), "GET_STATUS");
	assert_string_equal(vhost_user_request_name(0), "?");
	assert_string_equal(vhost_user_request_name(VHOST_USER_REQUEST_MAX + 1), "?");
	assert_true(vhost_user_request_has_reply(VHOST_USER_GET_FEATURES));
	assert_true(vhost_user_request_has_reply(VHOST_USER_GET_VRING_BASE));
	assert_true(vhost_user_request_has_reply(VHOST_USER_GET_CONFIG));
	assert_true(vhost_user_request_has_reply(VHOST_USER_GET_INFLIGHT_FD));
	assert_false(vhost_user_request_has_reply(VHOST_USER_SET_MEM_TABLE));
	assert_false(vhost_user_request_has_reply(VHOST_USER_SET_VRING_KICK));
	assert_false(vhost_user_request_has_reply(0xffffffffu));
	assert_int_equal(vhost_user_reply_max_fds(VHOST_USER_GET_INFLIGHT_FD), 1);
	assert_int_equal(vhost_user_reply_max_fds(VHOST_USER_GET_FEATURES), 0);
	assert_int_equal(vhost_user_reply_max_fds(VHOST_USER_SET_VRING_CALL), 0);
}

static int check(uint32_t request, uint32_t flags, uint32_t size, size_t got, uint32_t expected)
{
	struct vhost_user_msg m;

	memset(&m, 0, sizeof(m));
	m.request = request;
	m.flags = flags;
	m.size = size;
	return vhost_user_check_reply(&m, got, expected);
}

/* Every known request: its own reply or a u64 ack, of exactly its size. */
static void test_check_reply_all(void **state)
{
	(void)state;
	for (uint32_t req = 1; req <= VHOST_USER_REQUEST_MAX; req++) {
		int sized = check(req, REPLY, 8, 20, req);

		if (req == VHOST_USER_GET_CONFIG || req == VHOST_USER_GET_INFLIGHT_FD) {
			assert_int_equal(sized, -EPROTO);
			continue;
		}
		if (req == VHOST_USER_SET_LOG_BASE || req == VHOST_USER_CREATE_CRYPTO_SESSION ||
		    req == VHOST_USER_POSTCOPY_ADVISE) {
			assert_int_equal(sized, -EOPNOTSUPP);
			continue;
		}
		assert_int_equal(sized, 8);
		assert_int_equal(check(req, REPLY | VHOST_USER_FLAG_NEED_REPLY, 8, 20, req), 8);
		assert_int_equal(check(req, REPLY, 8, 20,
				       req == VHOST_USER_GET_FEATURES ? VHOST_USER_SET_FEATURES :
									VHOST_USER_GET_FEATURES),
				 -EPROTO);
		assert_int_equal(check(req, VHOST_USER_VERSION, 8, 20, req), -EPROTO);
		assert_int_equal(check(req, VHOST_USER_FLAG_REPLY | 2, 8, 20, req), -EPROTO);
		assert_int_equal(check(req, REPLY | 0x10, 8, 20, req), -EPROTO);
		assert_int_equal(check(req, REPLY, 8, 19, req), -EPROTO);
		assert_int_equal(check(req, REPLY, 8, 12, req), -EPROTO);
		assert_int_equal(check(req, REPLY, 7, 19, req), -EPROTO);
		assert_int_equal(check(req, REPLY, 9, 21, req), -EPROTO);
		assert_int_equal(check(req, REPLY, 0, 12, req), -EPROTO);
		assert_int_equal(check(req, REPLY, 8, 11, req), -EPROTO);
		assert_int_equal(check(req, REPLY, 0, 0, req), -EPROTO);
	}
	assert_int_equal(check(0, REPLY, 8, 20, 0), -EOPNOTSUPP);
	assert_int_equal(check(41, REPLY, 8, 20, 41), -EOPNOTSUPP);
	assert_int_equal(check(0xffffffffu, REPLY, 8, 20, 0xffffffffu), -EOPNOTSUPP);
	/* got larger than the buffer is the caller's bug, not the peer's. */
	assert_int_equal(check(1, REPLY, 8, sizeof(struct vhost_user_msg) + 1, 1), -EINVAL);
}

static void test_check_reply_config(void **state)
{
	struct vhost_user_msg m;
	const uint32_t req = VHOST_USER_GET_CONFIG;

	(void)state;
	assert_int_equal(check(req, REPLY, 0, 12, req), 0); /* the back-end's failure */
	vhost_user_msg_config(&m, req, 0, 4, 0, NULL);
	m.flags = REPLY;
	assert_int_equal(vhost_user_check_reply(&m, 12 + 16, req), 16);
	assert_int_equal(vhost_user_check_reply(&m, 16, req), -EPROTO);
	m.payload.config.size = 5;
	assert_int_equal(vhost_user_check_reply(&m, 12 + 16, req), -EPROTO);
	m.payload.config.size = 0;
	m.size = 12;
	assert_int_equal(vhost_user_check_reply(&m, 24, req), 12);
	assert_int_equal(check(req, REPLY, 11, 23, req), -EPROTO);
	vhost_user_msg_config(&m, req, 0, VHOST_USER_MAX_CONFIG, 0, NULL);
	m.flags = REPLY;
	assert_int_equal(vhost_user_check_reply(&m, sizeof(m), req), (int)VHOST_USER_MAX_PAYLOAD);
	m.payload.config.size = 0xfffffff4u; /* 12 + size wraps to 0 in 32 bits */
	m.size = 0;
	assert_int_equal(vhost_user_check_reply(&m, 12, req), 0);
	m.size = 12;
	assert_int_equal(vhost_user_check_reply(&m, 24, req), -EPROTO);
}

static void test_check_reply_inflight(void **state)
{
	const uint32_t req = VHOST_USER_GET_INFLIGHT_FD;

	(void)state;
	assert_int_equal(check(req, REPLY, 24, 36, req), 24);
	assert_int_equal(check(req, REPLY, 20, 32, req), 20);
	assert_int_equal(check(req, REPLY, 19, 31, req), -EPROTO);
	assert_int_equal(check(req, REPLY, 25, 37, req), -EPROTO);
	assert_int_equal(check(req, REPLY, 0, 12, req), -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_builders_limits),
		cmocka_unit_test(test_request_table),
		cmocka_unit_test(test_check_reply_all),
		cmocka_unit_test(test_check_reply_config),
		cmocka_unit_test(test_check_reply_inflight),
	};

	sv_log_set_level(SV_LOG_ERROR);
	return cmocka_run_group_tests_name("vhost_user_msg", tests, NULL, NULL);
}
