// SPDX-License-Identifier: GPL-2.0
/* Whole, prefixed lines from a vmm's pipe to the supervisor's output (see relay.h). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <splitvirt/log.h>

#include "relay.h"

void sup_relay_init(struct sup_relay *r, int in, int out, const char *name, bool prefix)
{
	memset(r, 0, sizeof(*r));
	r->in = in;
	r->out = out;
	snprintf(r->name, sizeof(r->name), "%s", name);
	if (prefix)
		snprintf(r->prefix, sizeof(r->prefix), "[%s] ", r->name);
	r->prefix_len = strlen(r->prefix);
}

/* Skips the iovecs (and the part of one) that n bytes of a short write covered. */
static int advance(struct iovec *iov, int cnt, size_t n)
{
	int i = 0;

	while (i < cnt && n >= iov[i].iov_len)
		n -= iov[i++].iov_len;
	if (i < cnt) {
		iov[i].iov_base = (char *)iov[i].iov_base + n;
		iov[i].iov_len -= n;
	}
	memmove(iov, iov + i, (size_t)(cnt - i) * sizeof(*iov));
	return cnt - i;
}

/*
 * One writev() per line keeps it whole against the other relays' lines
 * (a pipe or terminal takes it at once; O_APPEND files too). Short writes
 * and a non-blocking output are still handled, so nothing is lost.
 */
static void emit(struct sup_relay *r, const char *data, size_t n, bool newline)
{
	struct iovec iov[3] = {
		{ .iov_base = r->prefix, .iov_len = r->prefix_len },
		{ .iov_base = (void *)data, .iov_len = n },
		{ .iov_base = "\n", .iov_len = newline ? 1 : 0 },
	};
	int cnt = 3;

	while (!r->err && cnt) {
		ssize_t w = writev(r->out, iov, cnt);

		if (w < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = r->out, .events = POLLOUT };

			poll(&p, 1, -1);
			continue;
		}
		if (w < 0 && errno != EINTR) {
			r->err = -errno;
			pr_warn("output of VM '%s' is lost from here on: %s", r->name,
				strerror(errno));
			return;
		}
		if (w > 0)
			cnt = advance(iov, cnt, (size_t)w);
	}
}

/*
 * Where a full buffer is cut: before a UTF-8 sequence its last bytes would
 * split (it then starts the next piece), else at the end.
 */
static size_t cut_point(const char *buf, size_t n)
{
	size_t lead = n;
	unsigned char b;
	size_t need;

	while (lead > 0 && n - lead < 3 && ((unsigned char)buf[lead - 1] & 0xc0) == 0x80)
		lead--;
	if (lead < 2)
		return n;
	b = (unsigned char)buf[lead - 1];
	need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
	return need > 1 && n - (lead - 1) < need ? lead - 1 : n;
}

/* Writes the lines buf holds; from is where the bytes not yet scanned start. */
static void drain(struct sup_relay *r, size_t from)
{
	size_t start = 0;
	char *nl;

	while ((nl = memchr(r->buf + from, '\n', r->len - from))) {
		size_t end = (size_t)(nl - r->buf) + 1;

		emit(r, r->buf + start, end - start, false);
		start = from = end;
	}
	if (r->len - start == sizeof(r->buf)) {
		size_t cut = cut_point(r->buf, sizeof(r->buf));

		emit(r, r->buf, cut, true);
		start = cut;
	}
	r->len -= start;
	memmove(r->buf, r->buf + start, r->len);
}

int sup_relay_feed(struct sup_relay *r, const char *data, size_t len)
{
	while (len) {
		size_t n = sizeof(r->buf) - r->len;
		size_t old = r->len;

		if (n > len)
			n = len;
		memcpy(r->buf + r->len, data, n);
		r->len += n;
		data += n;
		len -= n;
		drain(r, old);
	}
	return r->err;
}

int sup_relay_flush(struct sup_relay *r)
{
	if (r->len)
		emit(r, r->buf, r->len, true);
	r->len = 0;
	return r->err;
}

void sup_relay_close(struct sup_relay *r)
{
	sup_relay_flush(r);
	if (r->in >= 0)
		close(r->in);
	r->in = -1;
}

int sup_relay_read(struct sup_relay *r)
{
	/* Bounded, so one chatty VM cannot keep the others waiting. */
	for (int i = 0; i < 16 && r->in >= 0; i++) {
		size_t old = r->len;
		ssize_t n = read(r->in, r->buf + r->len, sizeof(r->buf) - r->len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return -EAGAIN;
		if (n <= 0) {
			int ret = n < 0 ? -errno : 0;

			sup_relay_close(r);
			return ret;
		}
		r->len += (size_t)n;
		drain(r, old);
	}
	return r->in >= 0 ? 1 : 0;
}
