// SPDX-License-Identifier: GPL-2.0
/*
 * The vhost-user front-end over a socketpair: a full device set-up against
 * a fake back-end thread, then hostile replies written ahead of each call
 * (wrong request, flags, sizes, descriptors, cut messages, silence, nacks).
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../support/unit.h"
#include "fake_backend.h"

#include <splitvirt/log.h>
#include <splitvirt/vhost_user.h>

#define REPLY (VHOST_USER_VERSION | VHOST_USER_FLAG_REPLY)
#define NEED (VHOST_USER_VERSION | VHOST_USER_FLAG_NEED_REPLY)
#define PF(bit) (1ull << VHOST_USER_PROTOCOL_F_##bit)

struct fixture {
	int sv[2]; /* front-end, back-end */
	struct vhost_user_conn c;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, f->sv), 0);
	vhost_user_conn_init(&f->c, f->sv[0], 2000);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->sv[0] >= 0)
		close(f->sv[0]);
	if (f->sv[1] >= 0)
		close(f->sv[1]);
	free(f);
	return 0;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Writes bytes as a back-end would, descriptors on the first byte. */
static void raw_send(int fd, const void *buf, size_t len, const int *fds, unsigned int nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 32)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	assert_true(nfds <= 32);
	if (nfds)
		assert_int_equal(vhost_user_attach_fds(&mh, ctl.buf, sizeof(ctl.buf), fds, nfds),
				 0);
	assert_int_equal(sendmsg(fd, &mh, MSG_NOSIGNAL), (ssize_t)len);
}

static struct vhost_user_msg reply_u64(uint32_t request, uint64_t v)
{
	struct vhost_user_msg m;

	vhost_user_msg_u64(&m, request, v);
	m.flags = REPLY;
	return m;
}

static void queue(int fd, const struct vhost_user_msg *m)
{
	raw_send(fd, m, vhost_user_msg_len(m), NULL, 0);
}

/* Reads the request the front-end sent, as the back-end would. */
static struct vhost_user_msg expect_request(int fd, uint32_t request, uint32_t flags,
					    unsigned int want_fds)
{
	struct vhost_user_msg m;
	int fds[VHOST_USER_MAX_FDS];
	unsigned int n = 0;
	int got = vhost_user_recv_timeout(fd, &m, fds, VHOST_USER_MAX_FDS, &n, 1000);

	assert_int_equal(got, (int)vhost_user_msg_len(&m));
	assert_int_equal(m.request, request);
	assert_int_equal(m.flags, flags);
	assert_int_equal(n, want_fds);
	while (n)
		close(fds[--n]);
	return m;
}

/* Nothing more was sent: the front-end did not retry or run ahead. */
static void expect_silence(int fd)
{
	struct vhost_user_msg m;

	assert_int_equal(vhost_user_recv_timeout(fd, &m, NULL, 0, NULL, 0), -ETIMEDOUT);
}

static int memfd_region(struct vhost_user_mem_region *r, uint64_t gpa, uint64_t off)
{
	int fd = memfd_create("vhost-test", MFD_CLOEXEC);
	uint64_t tail = off + 0x1000 - 8;

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)(off + 0x1000)), 0);
	assert_int_equal(pwrite(fd, &gpa, 8, (off_t)off), 8);
	assert_int_equal(pwrite(fd, &gpa, 8, (off_t)tail), 8);
	*r = (struct vhost_user_mem_region){ .guest_phys_addr = gpa,
					     .memory_size = 0x1000,
					     .userspace_addr = 0x7f0000000000ull + gpa,
					     .mmap_offset = off };
	return fd;
}

static uint64_t read_eventfd(int fd)
{
	uint64_t v = 0;

	assert_int_equal(read(fd, &v, sizeof(v)), (ssize_t)sizeof(v));
	return v;
}

/* The whole set-up a front-end does for a two-queue device, then teardown. */
static void test_negotiation(void **state)
{
	struct fixture *f = *state;
	/* Static: a failed assertion leaves the test while the thread still runs. */
	static struct fake_be be;
	struct vhost_user_mem_region regions[2];
	int memfds[2], kick[2], call[2];
	uint64_t features, pf, qn;
	uint8_t cfg[8] = { 0 };
	uint32_t base;
	int fds_before = count_fds();

	be = (struct fake_be){ .features = (1ull << 32) | (1ull << VHOST_USER_F_PROTOCOL_FEATURES),
			       .protocol_features = PF(MQ) | PF(REPLY_ACK) | PF(CONFIG) | PF(RARP),
			       .queue_num = 2 };
	fake_be_start(&be, f->sv[1]);
	assert_int_equal(vhost_user_get_features(&f->c, &features), 0);
	assert_int_equal(features, be.features);
	assert_int_equal(vhost_user_get_protocol_features(&f->c, &pf), 0);
	assert_int_equal(pf, be.protocol_features);
	pf &= VHOST_USER_PROTOCOL_SUPPORTED;
	assert_int_equal(vhost_user_set_protocol_features(&f->c, pf), 0);
	assert_int_equal(f->c.protocol_features, PF(MQ) | PF(REPLY_ACK) | PF(CONFIG));
	/* From here on, every request without a reply of its own is acked. */
	assert_int_equal(vhost_user_set_owner(&f->c), 0);
	assert_int_equal(vhost_user_get_queue_num(&f->c, &qn), 0);
	assert_int_equal(qn, 2);
	assert_int_equal(vhost_user_set_features(&f->c, features), 0);
	assert_int_equal(f->c.features, features);

	memfds[0] = memfd_region(&regions[0], 0x40000000, 0);
	memfds[1] = memfd_region(&regions[1], 0x80000000, 0x2000);
	assert_int_equal(vhost_user_set_mem_table(&f->c, regions, memfds, 2), 0);
	close(memfds[0]);
	close(memfds[1]);

	for (uint32_t q = 0; q < 2; q++) {
		struct vhost_user_vring_addr a = { .index = q,
						   .desc_user_addr = 0x7f0040000000ull + q * 0x1000,
						   .used_user_addr = 0x7f0040000800ull + q * 0x1000,
						   .avail_user_addr =
							   0x7f0040000400ull + q * 0x1000 };

		kick[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		call[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		assert_true(kick[q] >= 0 && call[q] >= 0);
		assert_int_equal(vhost_user_set_vring_num(&f->c, q, 256), 0);
		assert_int_equal(vhost_user_set_vring_addr(&f->c, &a), 0);
		assert_int_equal(vhost_user_set_vring_base(&f->c, q, 7 + q), 0);
		assert_int_equal(vhost_user_set_vring_kick(&f->c, q, kick[q]), 0);
		assert_int_equal(vhost_user_set_vring_call(&f->c, q, call[q]), 0);
		assert_int_equal(vhost_user_set_vring_enable(&f->c, q, 1), 0);
	}
	assert_int_equal(vhost_user_set_vring_call(&f->c, 1, -1), 0);
	assert_int_equal(vhost_user_get_vring_base(&f->c, 1, &base), 0);
	assert_int_equal(base, 8);
	assert_int_equal(
		vhost_user_set_config(&f->c, 0x10, 4, VHOST_USER_CONFIG_F_WRITABLE, "abcd"), 0);
	assert_int_equal(vhost_user_get_config(&f->c, 0x0e, 8, 0, cfg), 0);
	assert_memory_equal(cfg, "\0\0abcd\0\0", 8);
	/* Past the end of the fake's config space: it answers with size 0. */
	assert_int_equal(vhost_user_get_config(&f->c, 250, 8, 0, cfg), -EIO);
	assert_false(f->c.broken);

	shutdown(f->sv[0], SHUT_RDWR);
	fake_be_join(&be);
	if (be.errors)
		fail_msg("back-end saw %u errors, first: %s", be.errors, be.first_error);
	assert_int_equal(be.acked_protocol_features, pf);
	assert_int_equal(be.acked_features, features);
	assert_int_equal(be.owner, 1);
	assert_int_equal(be.regions_checked, 2);
	for (uint32_t q = 0; q < 2; q++) {
		assert_int_equal(be.vring_num[q], 256);
		assert_int_equal(be.vring_base[q], 7 + q);
		assert_int_equal(be.vring_desc[q], 0x7f0040000000ull + q * 0x1000);
		assert_int_equal(be.enabled[q], 1);
		assert_int_equal(be.kick_fds[q], 1);
		assert_int_equal(be.call_fds[q], 1);
		/* The back-end signalled the very eventfds we passed. */
		assert_int_equal(read_eventfd(kick[q]), 1);
		assert_int_equal(read_eventfd(call[q]), 1);
		close(kick[q]);
		close(call[q]);
	}
	assert_int_equal(be.call_nofd[1], 1);
	/* SET_PROTOCOL_FEATURES went out before REPLY_ACK was on; GETs never ack. */
	assert_int_equal(be.acks, be.requests - 7);
	assert_int_equal(count_fds(), fds_before);
}

/* Without REPLY_ACK nothing waits for an answer and nothing asks for one. */
static void test_no_reply_ack(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(vhost_user_set_owner(&f->c), 0);
	assert_int_equal(vhost_user_set_vring_num(&f->c, 0, 128), 0);
	assert_int_equal(vhost_user_set_vring_kick(&f->c, 3, -1), 0);
	expect_request(f->sv[1], VHOST_USER_SET_OWNER, VHOST_USER_VERSION, 0);
	expect_request(f->sv[1], VHOST_USER_SET_VRING_NUM, VHOST_USER_VERSION, 0);
	assert_int_equal(expect_request(f->sv[1], VHOST_USER_SET_VRING_KICK, VHOST_USER_VERSION, 0)
				 .payload.u64,
			 3 | VHOST_USER_VRING_NOFD);
}

/* Two replies queued back to back are read one at a time, each whole. */
static void test_back_to_back(void **state)
{
	struct fixture *f = *state;
	struct vhost_user_msg r1 = reply_u64(VHOST_USER_GET_FEATURES, 0x1234);
	struct vhost_user_msg r2 = reply_u64(VHOST_USER_GET_PROTOCOL_FEATURES, 0x8);
	uint8_t both[2 * (VHOST_USER_HDR_SIZE + 8)];
	uint64_t v;

	memcpy(both, &r1, VHOST_USER_HDR_SIZE + 8);
	memcpy(both + VHOST_USER_HDR_SIZE + 8, &r2, VHOST_USER_HDR_SIZE + 8);
	raw_send(f->sv[1], both, sizeof(both), NULL, 0);
	assert_int_equal(vhost_user_get_features(&f->c, &v), 0);
	assert_int_equal(v, 0x1234);
	assert_int_equal(vhost_user_get_protocol_features(&f->c, &v), 0);
	assert_int_equal(v, 0x8);
}

/* A reply echoing NEED_REPLY is accepted: some back-ends keep the flags. */
static void test_need_reply_echo(void **state)
{
	struct fixture *f = *state;
	struct vhost_user_msg r = reply_u64(VHOST_USER_SET_OWNER, 0);

	f->c.protocol_features = PF(REPLY_ACK);
	r.flags |= VHOST_USER_FLAG_NEED_REPLY;
	queue(f->sv[1], &r);
	assert_int_equal(vhost_user_set_owner(&f->c), 0);
	expect_request(f->sv[1], VHOST_USER_SET_OWNER, NEED, 0);
}

/*
 * Queues a GET_FEATURES reply with the given header and len bytes of it
 * (cut short if len is less than the header says), optionally closing the
 * back-end's sending side after it; the call must fail with want, and a
 * connection left out of step must refuse what comes next.
 */
static void hostile_get_features(struct fixture *f, uint32_t request, uint32_t flags, uint32_t size,
				 size_t len, int eof, int want)
{
	struct vhost_user_msg r = reply_u64(request, 0x5555);
	uint64_t v = 0xdead;

	r.flags = flags;
	r.size = size;
	assert_true(len <= sizeof(r));
	raw_send(f->sv[1], &r, len, NULL, 0);
	if (eof)
		shutdown(f->sv[1], SHUT_WR);
	assert_int_equal(vhost_user_get_features(&f->c, &v), want);
	assert_int_equal(v, 0xdead);
	expect_request(f->sv[1], VHOST_USER_GET_FEATURES, VHOST_USER_VERSION, 0);
	assert_true(f->c.broken);
	assert_int_equal(vhost_user_get_features(&f->c, &v), -ENOTCONN);
	expect_silence(f->sv[1]);
}

static void test_wrong_request(void **state)
{
	hostile_get_features(*state, VHOST_USER_GET_PROTOCOL_FEATURES, REPLY, 8, 20, 0, -EPROTO);
}

static void test_no_reply_flag(void **state)
{
	hostile_get_features(*state, VHOST_USER_GET_FEATURES, VHOST_USER_VERSION, 8, 20, 0,
			     -EPROTO);
}

static void test_bad_version(void **state)
{
	struct fixture *f = *state;

	hostile_get_features(f, VHOST_USER_GET_FEATURES, VHOST_USER_FLAG_REPLY | 0x2, 8, 20, 0,
			     -EPROTO);
}

static void test_version_zero(void **state)
{
	hostile_get_features(*state, VHOST_USER_GET_FEATURES, VHOST_USER_FLAG_REPLY, 8, 20, 0,
			     -EPROTO);
}

static void test_unknown_flag(void **state)
{
	hostile_get_features(*state, VHOST_USER_GET_FEATURES, REPLY | 0x100, 8, 20, 0, -EPROTO);
}

/* The header claims 4 GiB: refused before a byte of it is read. */
static void test_oversized_size(void **state)
{
	hostile_get_features(*state, VHOST_USER_GET_FEATURES, REPLY, 0xffffffffu, 12, 0, -EPROTO);
}

static void test_size_over_max_payload(void **state)
{
	hostile_get_features(*state, VHOST_USER_GET_FEATURES, REPLY, VHOST_USER_MAX_PAYLOAD + 1, 12,
			     0, -EPROTO);
}

static void test_size_too_small(void **state)
{
	hostile_get_features(*state, VHOST_USER_GET_FEATURES, REPLY, 4, 16, 0, -EPROTO);
}

static void test_size_zero(void **state)
{
	hostile_get_features(*state, VHOST_USER_GET_FEATURES, REPLY, 0, 12, 0, -EPROTO);
}

/* A whole, well-framed message, just too long for a u64. */
static void test_size_too_big(void **state)
{
	hostile_get_features(*state, VHOST_USER_GET_FEATURES, REPLY, 16, 28, 0, -EPROTO);
}

static void test_truncated_header(void **state)
{
	hostile_get_features(*state, VHOST_USER_GET_FEATURES, REPLY, 8, 6, 1, -ECONNRESET);
}

static void test_truncated_payload(void **state)
{
	hostile_get_features(*state, VHOST_USER_GET_FEATURES, REPLY, 8, 16, 1, -ECONNRESET);
}

static void test_backend_eof(void **state)
{
	hostile_get_features(*state, VHOST_USER_GET_FEATURES, REPLY, 8, 0, 1, -ECONNRESET);
}

/* The back-end is gone before we send: no SIGPIPE, just -ECONNRESET. */
static void test_backend_closed(void **state)
{
	struct fixture *f = *state;
	uint64_t v;

	close(f->sv[1]);
	f->sv[1] = -1;
	assert_int_equal(vhost_user_set_owner(&f->c), -ECONNRESET);
	assert_int_equal(vhost_user_get_features(&f->c, &v), -ENOTCONN);
}

static void test_timeout(void **state)
{
	struct fixture *f = *state;
	struct timespec t0, t1;
	uint64_t v;
	long ms;

	f->c.timeout_ms = 50;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(vhost_user_get_features(&f->c, &v), -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms >= 49 && ms < 2000);
	assert_true(f->c.broken);
	expect_request(f->sv[1], VHOST_USER_GET_FEATURES, VHOST_USER_VERSION, 0);
}

/* A back-end that stops reading: the send waits for room, then gives up. */
static void test_send_timeout(void **state)
{
	struct fixture *f = *state;
	static const uint8_t junk[4096];

	while (send(f->sv[0], junk, sizeof(junk), MSG_DONTWAIT | MSG_NOSIGNAL) > 0)
		;
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
	f->c.timeout_ms = 50;
	assert_int_equal(vhost_user_set_owner(&f->c), -ETIMEDOUT);
	assert_true(f->c.broken);
}

/* Half a header, then silence: the deadline covers the whole message. */
static void test_timeout_mid_message(void **state)
{
	struct fixture *f = *state;
	struct vhost_user_msg r = reply_u64(VHOST_USER_GET_FEATURES, 1);
	uint64_t v;

	f->c.timeout_ms = 50;
	raw_send(f->sv[1], &r, 14, NULL, 0);
	assert_int_equal(vhost_user_get_features(&f->c, &v), -ETIMEDOUT);
}

/* Sends a valid GET_FEATURES reply carrying nfds copies of an eventfd. */
static void features_with_fds(struct fixture *f, unsigned int nfds, int split)
{
	struct vhost_user_msg r = reply_u64(VHOST_USER_GET_FEATURES, 1);
	int efd = eventfd(0, EFD_CLOEXEC);
	int fds[32];
	uint64_t v;

	assert_true(efd >= 0);
	for (unsigned int i = 0; i < nfds; i++)
		fds[i] = efd;
	if (split) {
		/* The fds ride on the payload, after a header that carried none. */
		raw_send(f->sv[1], &r, VHOST_USER_HDR_SIZE, NULL, 0);
		raw_send(f->sv[1], &r.payload, 8, fds, nfds);
	} else {
		raw_send(f->sv[1], &r, vhost_user_msg_len(&r), fds, nfds);
	}
	close(efd);
	assert_int_equal(vhost_user_get_features(&f->c, &v), -EPROTO);
}

static void test_extra_fds(void **state)
{
	struct fixture *f = *state;
	int before = count_fds();

	features_with_fds(f, 3, 0);
	assert_int_equal(count_fds(), before);
}

/* More than fit in a message: the kernel drops the rest, we close ours. */
static void test_many_fds(void **state)
{
	struct fixture *f = *state;
	int before = count_fds();

	features_with_fds(f, 20, 0);
	assert_int_equal(count_fds(), before);
}

static void test_fds_on_payload(void **state)
{
	struct fixture *f = *state;
	int before = count_fds();

	features_with_fds(f, 1, 1);
	assert_int_equal(count_fds(), before);
}

static void test_reply_ack_nack(void **state)
{
	struct fixture *f = *state;
	struct vhost_user_msg nack = reply_u64(VHOST_USER_SET_VRING_ENABLE, 1);
	struct vhost_user_msg ack = reply_u64(VHOST_USER_SET_VRING_ENABLE, 0);

	f->c.protocol_features = PF(REPLY_ACK);
	queue(f->sv[1], &nack);
	assert_int_equal(vhost_user_set_vring_enable(&f->c, 0, 1), -EIO);
	/* A refusal is an answer: the stream is still in step. */
	assert_false(f->c.broken);
	queue(f->sv[1], &ack);
	assert_int_equal(vhost_user_set_vring_enable(&f->c, 0, 1), 0);
	expect_request(f->sv[1], VHOST_USER_SET_VRING_ENABLE, NEED, 0);
	expect_request(f->sv[1], VHOST_USER_SET_VRING_ENABLE, NEED, 0);
}

static void test_reply_ack_bad(void **state)
{
	struct fixture *f = *state;
	struct vhost_user_msg ack = reply_u64(VHOST_USER_SET_OWNER, 0);
	int before = count_fds();
	int efd = eventfd(0, EFD_CLOEXEC);

	f->c.protocol_features = PF(REPLY_ACK);
	/* An ack for another request. */
	queue(f->sv[1], &ack);
	assert_int_equal(vhost_user_set_features(&f->c, 1), -EPROTO);
	assert_int_equal(f->c.features, 0);
	/* An ack of 4 bytes. */
	vhost_user_conn_init(&f->c, f->sv[0], 1000);
	f->c.protocol_features = PF(REPLY_ACK);
	ack.request = VHOST_USER_SET_FEATURES;
	ack.size = 4;
	queue(f->sv[1], &ack);
	assert_int_equal(vhost_user_set_features(&f->c, 1), -EPROTO);
	/* An ack with an fd. */
	vhost_user_conn_init(&f->c, f->sv[0], 1000);
	f->c.protocol_features = PF(REPLY_ACK);
	ack.size = 8;
	raw_send(f->sv[1], &ack, vhost_user_msg_len(&ack), &efd, 1);
	close(efd);
	assert_int_equal(vhost_user_set_features(&f->c, 1), -EPROTO);
	assert_int_equal(count_fds(), before);
}

static void test_vring_base_wrong_ring(void **state)
{
	struct fixture *f = *state;
	struct vhost_user_msg r;
	uint32_t base = 0xdead;

	vhost_user_msg_state(&r, VHOST_USER_GET_VRING_BASE, 1, 42);
	r.flags = REPLY;
	queue(f->sv[1], &r);
	assert_int_equal(vhost_user_get_vring_base(&f->c, 0, &base), -EPROTO);
	assert_int_equal(base, 0xdead);
	assert_int_equal(expect_request(f->sv[1], VHOST_USER_GET_VRING_BASE, VHOST_USER_VERSION, 0)
				 .payload.state.index,
			 0);
}

/* Queues a GET_CONFIG reply; the call asks for 4 bytes at offset 8. */
static int get_config_with(struct fixture *f, uint32_t offset, uint32_t csize, uint32_t msize)
{
	struct vhost_user_msg r;
	uint8_t buf[4] = { 0x11, 0x22, 0x33, 0x44 };
	int ret;

	vhost_user_conn_init(&f->c, f->sv[0], 1000);
	f->c.protocol_features = PF(CONFIG);
	vhost_user_msg_init(&r, VHOST_USER_GET_CONFIG);
	r.flags = REPLY;
	r.payload.config.offset = offset;
	r.payload.config.size = csize;
	memset(r.payload.config.payload, 0xab, sizeof(r.payload.config.payload));
	r.size = msize;
	queue(f->sv[1], &r);
	ret = vhost_user_get_config(&f->c, 8, 4, 0, buf);
	expect_request(f->sv[1], VHOST_USER_GET_CONFIG, VHOST_USER_VERSION, 0);
	if (ret)
		assert_memory_equal(buf, "\x11\x22\x33\x44", 4);
	else
		assert_memory_equal(buf, "\xab\xab\xab\xab", 4);
	return ret;
}

static void test_get_config_hostile(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(get_config_with(f, 8, 4, 16), 0);
	assert_int_equal(get_config_with(f, 8, 4, 0), -EIO);
	assert_int_equal(get_config_with(f, 0, 4, 16), -EPROTO); /* other bytes */
	assert_int_equal(get_config_with(f, 8, 8, 20), -EPROTO); /* more than asked */
	assert_int_equal(get_config_with(f, 8, 4, 20), -EPROTO); /* size disagrees */
	assert_int_equal(get_config_with(f, 8, 4, 12), -EPROTO);
	assert_int_equal(get_config_with(f, 8, 0xffffff00u, 16), -EPROTO);
	assert_int_equal(get_config_with(f, 8, 4, 8), -EPROTO); /* shorter than its header */
}

static void test_inflight(void **state)
{
	struct fixture *f = *state;
	struct vhost_user_msg r;
	struct vhost_user_inflight in = { .mmap_size = 0x3000, .mmap_offset = 0x1000 };
	struct vhost_user_inflight out;
	int before = count_fds();
	int mfd = memfd_create("inflight", MFD_CLOEXEC);
	int fd = -2;
	int two[2] = { mfd, mfd };

	assert_true(mfd >= 0);
	f->c.protocol_features = PF(INFLIGHT_SHMFD);
	vhost_user_msg_inflight(&r, VHOST_USER_GET_INFLIGHT_FD, &in);
	r.flags = REPLY;
	raw_send(f->sv[1], &r, vhost_user_msg_len(&r), &mfd, 1);
	assert_int_equal(vhost_user_get_inflight_fd(&f->c, 2, 256, &out, &fd), 0);
	assert_true(fd >= 0 && fd != mfd);
	assert_int_equal(out.mmap_size, 0x3000);
	assert_int_equal(out.mmap_offset, 0x1000);
	close(fd);
	r = expect_request(f->sv[1], VHOST_USER_GET_INFLIGHT_FD, VHOST_USER_VERSION, 0);
	assert_int_equal(r.size, sizeof(struct vhost_user_inflight));
	assert_int_equal(r.payload.inflight.num_queues, 2);
	assert_int_equal(r.payload.inflight.queue_size, 256);

	/* A buffer without its fd. */
	vhost_user_msg_inflight(&r, VHOST_USER_GET_INFLIGHT_FD, &in);
	r.flags = REPLY;
	queue(f->sv[1], &r);
	assert_int_equal(vhost_user_get_inflight_fd(&f->c, 2, 256, &out, &fd), -EPROTO);

	/* Two fds for one buffer. */
	vhost_user_conn_init(&f->c, f->sv[0], 1000);
	f->c.protocol_features = PF(INFLIGHT_SHMFD);
	raw_send(f->sv[1], &r, vhost_user_msg_len(&r), two, 2);
	assert_int_equal(vhost_user_get_inflight_fd(&f->c, 2, 256, &out, &fd), -EPROTO);

	/* An fd with no buffer. */
	vhost_user_conn_init(&f->c, f->sv[0], 1000);
	f->c.protocol_features = PF(INFLIGHT_SHMFD);
	in.mmap_size = 0;
	vhost_user_msg_inflight(&r, VHOST_USER_GET_INFLIGHT_FD, &in);
	r.flags = REPLY;
	raw_send(f->sv[1], &r, vhost_user_msg_len(&r), &mfd, 1);
	assert_int_equal(vhost_user_get_inflight_fd(&f->c, 2, 256, &out, &fd), -EPROTO);

	/* A buffer whose end wraps around. */
	vhost_user_conn_init(&f->c, f->sv[0], 1000);
	f->c.protocol_features = PF(INFLIGHT_SHMFD);
	in.mmap_size = 0x2000;
	in.mmap_offset = UINT64_MAX - 0x1000;
	vhost_user_msg_inflight(&r, VHOST_USER_GET_INFLIGHT_FD, &in);
	r.flags = REPLY;
	raw_send(f->sv[1], &r, vhost_user_msg_len(&r), &mfd, 1);
	assert_int_equal(vhost_user_get_inflight_fd(&f->c, 2, 256, &out, &fd), -EPROTO);

	/* SET_INFLIGHT_FD carries the fd back. */
	vhost_user_conn_init(&f->c, f->sv[0], 1000);
	f->c.protocol_features = PF(INFLIGHT_SHMFD);
	while (vhost_user_recv_timeout(f->sv[1], &r, NULL, 0, NULL, 0) != -ETIMEDOUT)
		;
	assert_int_equal(vhost_user_set_inflight_fd(&f->c, &out, mfd), 0);
	expect_request(f->sv[1], VHOST_USER_SET_INFLIGHT_FD, VHOST_USER_VERSION, 1);
	close(mfd);
	assert_int_equal(count_fds(), before);
}

/* Requests gated on a protocol feature fail before anything is sent. */
static void test_feature_gates(void **state)
{
	struct fixture *f = *state;
	struct vhost_user_inflight io = { 0 };
	uint8_t buf[4];
	uint64_t v;
	int fd;

	assert_int_equal(vhost_user_get_config(&f->c, 0, 4, 0, buf), -EOPNOTSUPP);
	assert_int_equal(vhost_user_set_config(&f->c, 0, 4, 0, buf), -EOPNOTSUPP);
	assert_int_equal(vhost_user_get_queue_num(&f->c, &v), -EOPNOTSUPP);
	assert_int_equal(vhost_user_reset_device(&f->c), -EOPNOTSUPP);
	assert_int_equal(vhost_user_get_inflight_fd(&f->c, 1, 1, &io, &fd), -EOPNOTSUPP);
	assert_int_equal(vhost_user_set_inflight_fd(&f->c, &io, 0), -EOPNOTSUPP);
	assert_false(f->c.broken);
	expect_silence(f->sv[1]);
}

static void test_bad_arguments(void **state)
{
	struct fixture *f = *state;
	struct vhost_user_mem_region regions[VHOST_USER_MAX_REGIONS + 1] = { 0 };
	int fds[VHOST_USER_MAX_REGIONS + 1] = { 0 };
	struct vhost_user_msg m;
	uint8_t buf[VHOST_USER_MAX_CONFIG + 1] = { 0 };
	unsigned int n;

	f->c.protocol_features = PF(CONFIG);
	for (unsigned int i = 0; i < VHOST_USER_MAX_REGIONS + 1; i++)
		regions[i].memory_size = 0x1000;
	assert_int_equal(vhost_user_set_mem_table(&f->c, regions, fds, 9), -EINVAL);
	assert_int_equal(vhost_user_set_mem_table(&f->c, regions, NULL, 1), -EINVAL);
	assert_int_equal(vhost_user_set_vring_kick(&f->c, 256, -1), -EINVAL);
	assert_int_equal(vhost_user_set_config(&f->c, 0, sizeof(buf), 0, buf), -EINVAL);
	assert_int_equal(vhost_user_get_config(&f->c, 0, sizeof(buf), 0, buf), -EINVAL);
	assert_int_equal(vhost_user_get_config(&f->c, 0, 4, 0, NULL), -EINVAL);
	assert_false(f->c.broken);
	expect_silence(f->sv[1]);

	vhost_user_msg_init(&m, VHOST_USER_SET_OWNER);
	assert_int_equal(vhost_user_send(f->sv[0], &m, fds, VHOST_USER_MAX_FDS + 1), -EINVAL);
	assert_int_equal(vhost_user_send(f->sv[0], &m, NULL, 1), -EINVAL);
	fds[0] = -1;
	assert_int_equal(vhost_user_send(f->sv[0], &m, fds, 1), -EINVAL);
	m.size = VHOST_USER_MAX_PAYLOAD + 1;
	assert_int_equal(vhost_user_send(f->sv[0], &m, NULL, 0), -EINVAL);
	assert_int_equal(vhost_user_recv(f->sv[0], &m, fds, VHOST_USER_MAX_FDS + 1, &n), -EINVAL);
	assert_int_equal(vhost_user_recv(f->sv[0], &m, fds, 1, NULL), -EINVAL);
	expect_silence(f->sv[1]);
}

/* Transport: a message and its fds arrive whole, however they were cut. */
static void test_recv_fds(void **state)
{
	struct fixture *f = *state;
	struct vhost_user_msg m = reply_u64(VHOST_USER_GET_INFLIGHT_FD, 7), got;
	int efd = eventfd(0, EFD_CLOEXEC);
	int fds[2] = { efd, efd };
	int rfds[2] = { -1, -1 };
	unsigned int n = 9;
	int before;

	assert_true(efd >= 0);
	before = count_fds();
	assert_int_equal(vhost_user_send(f->sv[1], &m, fds, 2), 0);
	assert_int_equal(vhost_user_recv(f->sv[0], &got, rfds, 2, &n), 20);
	assert_int_equal(n, 2);
	assert_memory_equal(&got, &m, 20);
	assert_int_equal(count_fds(), before + 2);
	close(rfds[0]);
	close(rfds[1]);
	/* One more than allowed: none are kept. */
	assert_int_equal(vhost_user_send(f->sv[1], &m, fds, 2), 0);
	assert_int_equal(vhost_user_recv(f->sv[0], &got, rfds, 1, &n), -EPROTO);
	assert_int_equal(n, 0);
	assert_int_equal(count_fds(), before);
	/* A message cut in three writes. */
	raw_send(f->sv[1], &m, 5, NULL, 0);
	raw_send(f->sv[1], (uint8_t *)&m + 5, 10, &efd, 1);
	raw_send(f->sv[1], (uint8_t *)&m + 15, 5, NULL, 0);
	assert_int_equal(vhost_user_recv(f->sv[0], &got, rfds, 1, &n), 20);
	assert_int_equal(n, 1);
	close(rfds[0]);
	close(efd);
}

int main(void)
{
#define T(fn) SV_TEST(fn)
	const struct CMUnitTest tests[] = {
		T(test_negotiation),
		T(test_no_reply_ack),
		T(test_back_to_back),
		T(test_need_reply_echo),
		T(test_wrong_request),
		T(test_no_reply_flag),
		T(test_bad_version),
		T(test_version_zero),
		T(test_unknown_flag),
		T(test_oversized_size),
		T(test_size_over_max_payload),
		T(test_size_too_small),
		T(test_size_zero),
		T(test_size_too_big),
		T(test_truncated_header),
		T(test_truncated_payload),
		T(test_backend_eof),
		T(test_backend_closed),
		T(test_timeout),
		T(test_timeout_mid_message),
		T(test_send_timeout),
		T(test_extra_fds),
		T(test_many_fds),
		T(test_fds_on_payload),
		T(test_reply_ack_nack),
		T(test_reply_ack_bad),
		T(test_vring_base_wrong_ring),
		T(test_get_config_hostile),
		T(test_inflight),
		T(test_feature_gates),
		T(test_bad_arguments),
		T(test_recv_fds),
	};
#undef T

	sv_log_set_level(SV_LOG_ERROR);
	return cmocka_run_group_tests_name("vhost_user", tests, NULL, NULL);
}
