// SPDX-License-Identifier: GPL-2.0
/* virtio-console backends: fd pair (stdio, pipes), pty, unix socket server. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <splitvirt/log.h>
#include <splitvirt/virtio_console.h>

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

static ssize_t fd_readv(int fd, const struct iovec *iov, int cnt)
{
	ssize_t n;

	do {
		n = readv(fd, iov, cnt);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return n;
}

static ssize_t fd_writev(int fd, const struct iovec *iov, int cnt)
{
	ssize_t n;

	if (fd < 0)
		return -ENOTCONN;
	do {
		n = writev(fd, iov, cnt);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return n;
}

/* ---- fd pair ---- */

struct con_fds {
	struct virtio_console_backend be;
	int in_fd, out_fd;
	bool own;
};

static ssize_t fds_readv(struct virtio_console_backend *be, const struct iovec *iov, int cnt)
{
	return fd_readv(((struct con_fds *)be)->in_fd, iov, cnt);
}

static ssize_t fds_writev(struct virtio_console_backend *be, const struct iovec *iov, int cnt)
{
	return fd_writev(((struct con_fds *)be)->out_fd, iov, cnt);
}

static int fds_poll_fd(struct virtio_console_backend *be)
{
	return ((struct con_fds *)be)->in_fd;
}

static void fds_close(struct virtio_console_backend *be)
{
	struct con_fds *f = (struct con_fds *)be;

	if (f->own) {
		close(f->in_fd);
		if (f->out_fd != f->in_fd)
			close(f->out_fd);
	}
	free(f);
}

static const struct virtio_console_backend_ops fds_ops = {
	.readv = fds_readv,
	.writev = fds_writev,
	.poll_fd = fds_poll_fd,
	.close = fds_close,
};

int virtio_console_fd_backend(struct virtio_console_backend **out, int in_fd, int out_fd,
			      bool own_fds)
{
	struct con_fds *f;
	int err = set_nonblock(in_fd);

	if (!err)
		err = set_nonblock(out_fd);
	if (err)
		return err;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->be.ops = &fds_ops;
	f->in_fd = in_fd;
	f->out_fd = out_fd;
	f->own = own_fds;
	*out = &f->be;
	return 0;
}

/* ---- pty ---- */

struct con_pty {
	struct virtio_console_backend be;
	int master;
	int slave; /* kept open so the master never reads EIO when no one is attached */
};

static ssize_t pty_readv(struct virtio_console_backend *be, const struct iovec *iov, int cnt)
{
	ssize_t n = fd_readv(((struct con_pty *)be)->master, iov, cnt);

	return n == -EIO ? -EAGAIN : n;
}

static ssize_t pty_writev(struct virtio_console_backend *be, const struct iovec *iov, int cnt)
{
	return fd_writev(((struct con_pty *)be)->master, iov, cnt);
}

static int pty_poll_fd(struct virtio_console_backend *be)
{
	return ((struct con_pty *)be)->master;
}

static void pty_close(struct virtio_console_backend *be)
{
	struct con_pty *p = (struct con_pty *)be;

	close(p->slave);
	close(p->master);
	free(p);
}

static const struct virtio_console_backend_ops pty_ops = {
	.readv = pty_readv,
	.writev = pty_writev,
	.poll_fd = pty_poll_fd,
	.close = pty_close,
};

int virtio_console_pty_backend(struct virtio_console_backend **out, char *slave_path,
			       size_t path_len)
{
	struct con_pty *p;
	struct termios tio;
	int m, s, err;

	m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (m < 0)
		return -errno;
	if (grantpt(m) || unlockpt(m) || ptsname_r(m, slave_path, path_len)) {
		err = -errno;
		close(m);
		return err;
	}
	s = open(slave_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0) {
		err = -errno;
		close(m);
		return err;
	}
	/* Raw mode: the guest's tty does line discipline, not ours. */
	if (!tcgetattr(s, &tio)) {
		cfmakeraw(&tio);
		tcsetattr(s, TCSANOW, &tio);
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		close(s);
		close(m);
		return -ENOMEM;
	}
	p->be.ops = &pty_ops;
	p->master = m;
	p->slave = s;
	*out = &p->be;
	return 0;
}

/* ---- unix socket server, one client at a time ---- */

struct con_sock {
	struct virtio_console_backend be;
	int listen_fd;
	int client_fd;
};

static ssize_t sock_readv(struct virtio_console_backend *be, const struct iovec *iov, int cnt)
{
	struct con_sock *s = (struct con_sock *)be;
	ssize_t n;

	if (s->client_fd < 0)
		return 0;
	n = fd_readv(s->client_fd, iov, cnt);
	if (n == 0 || (n < 0 && n != -EAGAIN)) {
		/* Client left: go back to accepting. */
		close(s->client_fd);
		s->client_fd = -1;
		return 0;
	}
	return n;
}

static ssize_t sock_writev(struct virtio_console_backend *be, const struct iovec *iov, int cnt)
{
	struct con_sock *s = (struct con_sock *)be;

	if (s->client_fd < 0)
		return -ENOTCONN;
	return fd_writev(s->client_fd, iov, cnt);
}

static int sock_poll_fd(struct virtio_console_backend *be)
{
	struct con_sock *s = (struct con_sock *)be;

	return s->client_fd >= 0 ? s->client_fd : s->listen_fd;
}

static void sock_event(struct virtio_console_backend *be)
{
	struct con_sock *s = (struct con_sock *)be;
	int fd;

	if (s->client_fd >= 0)
		return;
	fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd >= 0)
		s->client_fd = fd;
}

static void sock_close(struct virtio_console_backend *be)
{
	struct con_sock *s = (struct con_sock *)be;

	if (s->client_fd >= 0)
		close(s->client_fd);
	close(s->listen_fd);
	free(s);
}

static const struct virtio_console_backend_ops sock_ops = {
	.readv = sock_readv,
	.writev = sock_writev,
	.poll_fd = sock_poll_fd,
	.event = sock_event,
	.close = sock_close,
};

int virtio_console_socket_backend(struct virtio_console_backend **out, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct con_sock *s;
	struct stat st;
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	/* Only a stale socket is replaced, never a regular file. */
	if (!stat(path, &st) && S_ISSOCK(st.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 1)) {
		err = -errno;
		close(fd);
		return err;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		return -ENOMEM;
	}
	s->be.ops = &sock_ops;
	s->listen_fd = fd;
	s->client_fd = -1;
	*out = &s->be;
	return 0;
}
