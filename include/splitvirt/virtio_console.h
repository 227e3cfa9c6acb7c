/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-console, single port (no MULTIPORT): queue 0 receives (host to
 * guest), queue 1 transmits (guest to host). Backends: an fd pair (stdio or
 * pipes), a pty, or a unix socket server accepting one client at a time.
 *
 * Flow control: guest output that the backend cannot take right now
 * (EAGAIN, no client connected) is dropped, so a stuck reader never stalls
 * the device. Host input is only read when the guest has a receive buffer;
 * otherwise it stays in the backend until buffers arrive.
 */
#ifndef SPLITVIRT_VIRTIO_CONSOLE_H
#define SPLITVIRT_VIRTIO_CONSOLE_H

#include <stdbool.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <splitvirt/virtio_dev.h>

struct virtio_console_backend;

struct virtio_console_backend_ops {
	/* Non-blocking; bytes read, 0 at EOF / no peer, -EAGAIN if nothing yet. */
	ssize_t (*readv)(struct virtio_console_backend *be, const struct iovec *iov, int cnt);
	/* Non-blocking; bytes taken (may be short), -EAGAIN, or -errno. */
	ssize_t (*writev)(struct virtio_console_backend *be, const struct iovec *iov, int cnt);
	/* The fd the host polls for input; may change (socket accept), -1 if none. */
	int (*poll_fd)(struct virtio_console_backend *be);
	/* Called when poll_fd is readable but readv would not consume (accept etc.). */
	void (*event)(struct virtio_console_backend *be);
	void (*close)(struct virtio_console_backend *be);
};

struct virtio_console_backend {
	const struct virtio_console_backend_ops *ops;
};

/* Reads in_fd, writes out_fd (e.g. 0 and 1). The fds are made non-blocking; owned if own_fds. */
int virtio_console_fd_backend(struct virtio_console_backend **out, int in_fd, int out_fd,
			      bool own_fds);
/* Allocates a pty; slave_path receives the slave's name (e.g. /dev/pts/3). */
int virtio_console_pty_backend(struct virtio_console_backend **out, char *slave_path,
			       size_t path_len);
/* Listens on a unix stream socket at path (replacing a stale socket file). */
int virtio_console_socket_backend(struct virtio_console_backend **out, const char *path);

/* Takes ownership of be. cols/rows are reported in config (0 = not offered). */
int virtio_console_create(struct virtio_dev **out, const struct gmem *gm,
			  struct virtio_console_backend *be);

/* Re-reads the backend's poll fd into dev->backend_fd (after accept/hangup). */
int virtio_console_poll_fd(struct virtio_dev *dev);

#endif
