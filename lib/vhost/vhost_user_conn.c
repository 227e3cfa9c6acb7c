// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-user transport: whole messages and their file descriptors over a
 * connected AF_UNIX stream socket, with an optional deadline per message.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <splitvirt/vhost_user.h>

/* Room for the most descriptors a message may carry, aligned for cmsghdr. */
union fd_cmsg {
	char buf[CMSG_SPACE(sizeof(int) * VHOST_USER_MAX_FDS)];
	struct cmsghdr align;
};

struct deadline {
	bool forever;
	struct timespec end;
};

static void deadline_start(struct deadline *d, int timeout_ms)
{
	d->forever = timeout_ms < 0;
	if (d->forever)
		return;
	clock_gettime(CLOCK_MONOTONIC, &d->end);
	d->end.tv_sec += timeout_ms / 1000;
	d->end.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (d->end.tv_nsec >= 1000000000L) {
		d->end.tv_sec++;
		d->end.tv_nsec -= 1000000000L;
	}
}

/* Milliseconds left, rounded up so a wait never ends early; -1 for none. */
static int deadline_left(const struct deadline *d)
{
	struct timespec now;
	int64_t ns;

	if (d->forever)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (int64_t)(d->end.tv_sec - now.tv_sec) * 1000000000LL + (d->end.tv_nsec - now.tv_nsec);
	if (ns <= 0)
		return 0;
	return (int)((ns + 999999) / 1000000);
}

/*
 * Waits until fd is ready for events. The deadline covers the whole
 * message, so a peer trickling a byte at a time cannot stretch it.
 */
static int wait_fd(int fd, short events, const struct deadline *d)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		int left = deadline_left(d);
		int r;

		r = poll(&p, 1, left);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r > 0)
			return 0; /* readable, writable, or hung up: the I/O call tells */
		return -ETIMEDOUT;
	}
}

int vhost_user_attach_fds(struct msghdr *mh, void *buf, size_t size, const int *fds,
			  unsigned int nfds)
{
	struct cmsghdr *cm;

	if (!nfds || CMSG_SPACE(sizeof(int) * nfds) > size)
		return -EINVAL;
	memset(buf, 0, CMSG_SPACE(sizeof(int) * nfds));
	mh->msg_control = buf;
	mh->msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
	cm = CMSG_FIRSTHDR(mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	return 0;
}

int vhost_user_send_timeout(int fd, const struct vhost_user_msg *m, const int *fds,
			    unsigned int nfds, int timeout_ms)
{
	const uint8_t *p = (const uint8_t *)m;
	union fd_cmsg ctl;
	struct deadline d;
	size_t len, off = 0;

	if (m->size > VHOST_USER_MAX_PAYLOAD || nfds > VHOST_USER_MAX_FDS || (nfds && !fds))
		return -EINVAL;
	for (unsigned int i = 0; i < nfds; i++)
		if (fds[i] < 0)
			return -EINVAL;
	len = vhost_user_msg_len(m);
	deadline_start(&d, timeout_ms);
	while (off < len) {
		struct iovec iov = { .iov_base = (void *)(p + off), .iov_len = len - off };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n;

		/* Descriptors ride on the first byte only, however the send is cut. */
		if (off == 0 && nfds)
			vhost_user_attach_fds(&mh, ctl.buf, sizeof(ctl.buf), fds, nfds);
		n = sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			int err = errno;

			if (err == EINTR)
				continue;
			if (err == EAGAIN || err == EWOULDBLOCK) {
				int r = wait_fd(fd, POLLOUT, &d);

				if (r)
					return r;
				continue;
			}
			return err == EPIPE ? -ECONNRESET : -err;
		}
		if (n == 0)
			return -ECONNRESET;
		off += (size_t)n;
	}
	return 0;
}

int vhost_user_send(int fd, const struct vhost_user_msg *m, const int *fds, unsigned int nfds)
{
	return vhost_user_send_timeout(fd, m, fds, nfds, -1);
}

/* Descriptors gathered over the reads of one message. */
struct fd_sink {
	int *fds;
	unsigned int max;
	unsigned int n;
	bool excess; /* more than max arrived, or the kernel dropped some */
};

static void sink_take(struct fd_sink *s, const struct msghdr *mh)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm;
	     cm = CMSG_NXTHDR((struct msghdr *)mh, cm)) {
		size_t count;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
		    cm->cmsg_len < CMSG_LEN(0))
			continue;
		count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < count; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
			if (s->n < s->max) {
				s->fds[s->n++] = fd;
			} else {
				close(fd);
				s->excess = true;
			}
		}
	}
	/* Past our buffer the kernel closed them for us; still a bad message. */
	if (mh->msg_flags & MSG_CTRUNC)
		s->excess = true;
}

static void sink_drop(struct fd_sink *s)
{
	while (s->n)
		close(s->fds[--s->n]);
}

/*
 * Reads exactly len bytes. Every read collects descriptors: a hostile peer
 * may attach them to any byte of the message, not just the first.
 */
static int recv_exact(int fd, void *buf, size_t len, struct fd_sink *s, const struct deadline *d)
{
	size_t off = 0;

	while (off < len) {
		union fd_cmsg ctl;
		struct iovec iov = { .iov_base = (uint8_t *)buf + off, .iov_len = len - off };
		struct msghdr mh = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = ctl.buf,
			.msg_controllen = sizeof(ctl.buf),
		};
		ssize_t n;
		int r;

		r = wait_fd(fd, POLLIN, d);
		if (r)
			return r;
		n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			return -errno;
		}
		sink_take(s, &mh);
		if (n == 0)
			return -ECONNRESET;
		off += (size_t)n;
	}
	return 0;
}

int vhost_user_recv_timeout(int fd, struct vhost_user_msg *m, int *fds, unsigned int max_fds,
			    unsigned int *nfds, int timeout_ms)
{
	struct fd_sink s = { .fds = fds, .max = max_fds };
	struct deadline d;
	int r;

	/* Without nfds the caller could not know which descriptors it owns. */
	if (max_fds > VHOST_USER_MAX_FDS || (max_fds && (!fds || !nfds)))
		return -EINVAL;
	if (nfds)
		*nfds = 0;
	/* Nothing of a previous, longer message may pass for this one's payload. */
	memset(m, 0, sizeof(*m));
	deadline_start(&d, timeout_ms);
	r = recv_exact(fd, m, VHOST_USER_HDR_SIZE, &s, &d);
	if (!r && m->size > VHOST_USER_MAX_PAYLOAD)
		r = -EPROTO;
	if (!r)
		r = recv_exact(fd, &m->payload, m->size, &s, &d);
	if (!r && s.excess)
		r = -EPROTO;
	if (r) {
		sink_drop(&s);
		return r;
	}
	if (nfds)
		*nfds = s.n;
	return (int)vhost_user_msg_len(m);
}

int vhost_user_recv(int fd, struct vhost_user_msg *m, int *fds, unsigned int max_fds,
		    unsigned int *nfds)
{
	return vhost_user_recv_timeout(fd, m, fds, max_fds, nfds, -1);
}
