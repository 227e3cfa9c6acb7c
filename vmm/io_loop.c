// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <splitvirt/log.h>

#include "io_loop.h"

#define IO_LOOP_MAX_WATCHES 256

struct io_watch {
	int fd;
	bool in_epoll;
	io_handler_t fn;
	void *opaque;
};

struct io_loop {
	int epfd;
	int stop_fd;
	pthread_t thread;
	bool running;
	unsigned int nwatches;
	struct io_watch watches[IO_LOOP_MAX_WATCHES];
};

int io_loop_create(struct io_loop **out)
{
	struct io_loop *loop = calloc(1, sizeof(*loop));
	struct epoll_event ev = { .events = EPOLLIN };

	int ret;

	if (!loop)
		return -ENOMEM;
	loop->stop_fd = -1;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	loop->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (loop->epfd < 0 || loop->stop_fd < 0)
		goto fail;
	ev.data.ptr = NULL; /* NULL marks the stop eventfd */
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, loop->stop_fd, &ev) < 0)
		goto fail;
	*out = loop;
	return 0;
fail:
	ret = -errno;
	io_loop_destroy(loop);
	return ret;
}

int io_loop_add(struct io_loop *loop, int fd, uint32_t events, io_handler_t fn, void *opaque)
{
	struct epoll_event ev = { .events = events };
	struct io_watch *w;

	/* Watches are only added before the loop starts, so no lock is needed. */
	if (loop->running || loop->nwatches == IO_LOOP_MAX_WATCHES)
		return -ENOSPC;
	w = &loop->watches[loop->nwatches];
	*w = (struct io_watch){ .fd = fd, .fn = fn, .opaque = opaque };
	ev.data.ptr = w;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	w->in_epoll = true;
	loop->nwatches++;
	return 0;
}

/*
 * events == 0 takes the fd out of the epoll set entirely: epoll reports
 * EPOLLHUP and EPOLLERR even for an empty mask, and a hung-up pipe would
 * then wake the loop forever.
 */
int io_loop_modify(struct io_loop *loop, int fd, uint32_t events)
{
	for (unsigned int i = 0; i < loop->nwatches; i++) {
		struct io_watch *w = &loop->watches[i];
		struct epoll_event ev = { .events = events, .data.ptr = w };
		int op;

		if (w->fd != fd)
			continue;
		if (!events) {
			if (!w->in_epoll)
				return 0;
			op = EPOLL_CTL_DEL;
		} else {
			op = w->in_epoll ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
		}
		if (epoll_ctl(loop->epfd, op, fd, &ev) < 0)
			return -errno;
		w->in_epoll = events != 0;
		return 0;
	}
	return -ENOENT;
}

static void *io_loop_thread(void *arg)
{
	struct io_loop *loop = arg;
	struct epoll_event evs[32];

	for (;;) {
		int n = epoll_wait(loop->epfd, evs, 32, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			pr_err("I/O loop: epoll_wait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			struct io_watch *w = evs[i].data.ptr;

			if (!w)
				return NULL;
			w->fn(w->opaque, evs[i].events);
		}
	}
	return NULL;
}

int io_loop_start(struct io_loop *loop)
{
	int ret = pthread_create(&loop->thread, NULL, io_loop_thread, loop);

	if (ret)
		return -ret;
	loop->running = true;
	return 0;
}

void io_loop_destroy(struct io_loop *loop)
{
	uint64_t one = 1;

	if (!loop)
		return;
	if (loop->running) {
		if (write(loop->stop_fd, &one, sizeof(one)) == sizeof(one))
			pthread_join(loop->thread, NULL);
		else
			pthread_cancel(loop->thread);
	}
	if (loop->stop_fd >= 0)
		close(loop->stop_fd);
	if (loop->epfd >= 0)
		close(loop->epfd);
	free(loop);
}
