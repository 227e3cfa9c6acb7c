// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <sys/uio.h>

#include "console_tee.h"

struct console_tee {
	struct virtio_console_backend be;
	int out_fd;
	struct virtio_console_backend *sock; /* NULL: output only */
};

static struct console_tee *tee_of(struct virtio_console_backend *be)
{
	return (struct console_tee *)be;
}

static ssize_t tee_readv(struct virtio_console_backend *be, const struct iovec *iov, int cnt)
{
	struct console_tee *t = tee_of(be);

	return t->sock ? t->sock->ops->readv(t->sock, iov, cnt) : -EAGAIN;
}

static ssize_t tee_writev(struct virtio_console_backend *be, const struct iovec *iov, int cnt)
{
	struct console_tee *t = tee_of(be);
	ssize_t n;

	/* The socket client gets a copy if it keeps up; stdout decides what was taken. */
	if (t->sock)
		t->sock->ops->writev(t->sock, iov, cnt);
	do {
		n = writev(t->out_fd, iov, cnt);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

static int tee_poll_fd(struct virtio_console_backend *be)
{
	struct console_tee *t = tee_of(be);

	return t->sock ? t->sock->ops->poll_fd(t->sock) : -1;
}

static void tee_event(struct virtio_console_backend *be)
{
	struct console_tee *t = tee_of(be);

	if (t->sock && t->sock->ops->event)
		t->sock->ops->event(t->sock);
}

static void tee_close(struct virtio_console_backend *be)
{
	struct console_tee *t = tee_of(be);

	if (t->sock)
		t->sock->ops->close(t->sock);
	free(t);
}

static const struct virtio_console_backend_ops tee_ops = {
	.readv = tee_readv,
	.writev = tee_writev,
	.poll_fd = tee_poll_fd,
	.event = tee_event,
	.close = tee_close,
};

int dm_console_tee_open(struct virtio_console_backend **out, int out_fd, const char *socket_path)
{
	struct console_tee *t = calloc(1, sizeof(*t));
	int ret;

	if (!t)
		return -ENOMEM;
	t->be.ops = &tee_ops;
	t->out_fd = out_fd;
	if (socket_path) {
		ret = virtio_console_socket_backend(&t->sock, socket_path);
		if (ret) {
			free(t);
			return ret;
		}
	}
	*out = &t->be;
	return 0;
}
