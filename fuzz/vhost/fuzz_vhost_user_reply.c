// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a hostile vhost-user back-end's replies. Input:
 *   byte 0   the first front-end call (then the following ones in turn)
 *   byte 1   bits 0-1: fds the back-end attaches; bit 2: REPLY_ACK on;
 *            bit 3: attach them further into the stream, at byte 2
 *   byte 2   where to cut the stream in two writes
 *   rest     everything the back-end writes before it closes its side
 * The front-end makes calls until its connection fails or gives up. The
 * same bytes are also checked as one reply to every request there is.
 * Nothing may crash, overread, hang, or leak a descriptor.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <splitvirt/log.h>
#include <splitvirt/vhost_user.h>

#define PF(bit) (1ull << VHOST_USER_PROTOCOL_F_##bit)
#define CALLS 12
#define MAX_CALLS 8

/* Lowest free descriptor: a leak shows as a different one after a run. */
static int lowest_free_fd(void)
{
	int fd = eventfd(0, EFD_CLOEXEC);

	if (fd < 0)
		__builtin_trap(); /* out of descriptors: something leaks them */
	close(fd);
	return fd;
}

static void write_stream(int fd, const uint8_t *p, size_t len, unsigned int nfds, size_t fd_at)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 3)];
		struct cmsghdr align;
	} ctl;
	int fds[3];
	size_t off = 0;

	for (unsigned int i = 0; i < nfds; i++) {
		fds[i] = eventfd(0, EFD_CLOEXEC);
		if (fds[i] < 0)
			__builtin_trap();
	}
	while (off < len) {
		size_t end = off < fd_at ? fd_at : len;
		struct iovec iov = { .iov_base = (void *)(p + off), .iov_len = end - off };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n;

		if (off == fd_at && nfds)
			vhost_user_attach_fds(&mh, ctl.buf, sizeof(ctl.buf), fds, nfds);
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (n <= 0)
			__builtin_trap(); /* the socket buffer holds any input we accept */
		off += (size_t)n;
	}
	for (unsigned int i = 0; i < nfds; i++)
		close(fds[i]);
}

/* One front-end call; returns its result. */
static int call(struct vhost_user_conn *c, unsigned int kind)
{
	uint8_t cfg[VHOST_USER_MAX_CONFIG];
	struct vhost_user_inflight io;
	uint64_t v;
	uint32_t base;
	int fd = -1, r;

	switch (kind % CALLS) {
	case 0:
		return vhost_user_get_features(c, &v);
	case 1:
		return vhost_user_get_protocol_features(c, &v);
	case 2:
		return vhost_user_get_queue_num(c, &v);
	case 3:
		return vhost_user_get_vring_base(c, 1, &base);
	case 4:
		return vhost_user_get_config(c, 8, 4, 0, cfg);
	case 5:
		return vhost_user_get_config(c, 0, VHOST_USER_MAX_CONFIG, 0, cfg);
	case 6:
		r = vhost_user_get_inflight_fd(c, 2, 128, &io, &fd);
		if (!r && fd >= 0)
			close(fd);
		else if (r && fd != -1)
			__builtin_trap(); /* no fd may come out of a failed call */
		return r;
	case 7:
		return vhost_user_set_owner(c);
	case 8:
		return vhost_user_set_vring_enable(c, 0, 1);
	case 9:
		return vhost_user_set_config(c, 0, 4, 0, "abcd");
	case 10:
		return vhost_user_set_vring_call(c, 0, -1);
	default:
		return vhost_user_set_features(c, 1);
	}
}

/* The bytes as one reply, to every request number, without a socket. */
static void check_all(const uint8_t *data, size_t size)
{
	struct vhost_user_msg m;
	size_t got = size < sizeof(m) ? size : sizeof(m);

	memset(&m, 0, sizeof(m));
	memcpy(&m, data, got);
	for (uint32_t req = 0; req <= VHOST_USER_REQUEST_MAX + 1; req++) {
		int r = vhost_user_check_reply(&m, got, req);

		if (r >= 0 && ((size_t)r + VHOST_USER_HDR_SIZE != got || (uint32_t)r != m.size ||
			       (uint32_t)r > VHOST_USER_MAX_PAYLOAD))
			__builtin_trap();
		if (r < 0 && r != -EPROTO && r != -EOPNOTSUPP)
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int quiet;
	struct vhost_user_conn c;
	unsigned int nfds, calls = 0;
	size_t len, fd_at;
	int sv[2], before;
	uint8_t kind, opt;

	if (!quiet) {
		sv_log_set_level(SV_LOG_ERROR);
		quiet = 1;
	}
	if (size < 3)
		return 0;
	kind = data[0];
	opt = data[1];
	fd_at = data[2];
	data += 3;
	len = size - 3;
	check_all(data, len);
	/* The socket buffer must take it all in one go: the writer never reads. */
	if (len > 16384)
		return 0;

	before = lowest_free_fd();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		__builtin_trap();
	nfds = len ? opt & 3 : 0;
	if (!(opt & 8) || fd_at >= len)
		fd_at = 0;
	write_stream(sv[1], data, len, nfds, fd_at);
	/* EOF after the bytes: a call can end, never wait. */
	shutdown(sv[1], SHUT_WR);

	/* Timeout 0: everything the back-end will ever say is already queued. */
	vhost_user_conn_init(&c, sv[0], 0);
	c.protocol_features = PF(MQ) | PF(CONFIG) | PF(INFLIGHT_SHMFD);
	if (opt & 4)
		c.protocol_features |= PF(REPLY_ACK);
	while (!c.broken && calls < MAX_CALLS) {
		int r = call(&c, kind + calls);

		if (r > 0)
			__builtin_trap(); /* calls return 0 or a negative errno */
		calls++;
	}

	close(sv[0]);
	close(sv[1]);
	if (lowest_free_fd() != before)
		__builtin_trap();
	return 0;
}
