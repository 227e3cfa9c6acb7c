// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "loop.h"

#define DM_LOOP_BATCH 32

int dm_loop_init(struct dm_loop *loop)
{
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	return loop->epfd < 0 ? -errno : 0;
}

void dm_loop_fini(struct dm_loop *loop)
{
	if (loop->epfd >= 0)
		close(loop->epfd);
	loop->epfd = -1;
}

int dm_loop_add(struct dm_loop *loop, struct dm_watch *w, int fd, dm_watch_fn fn)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = w };

	if (w->added)
		return 0;
	w->fd = fd;
	w->fn = fn;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	w->added = true;
	return 0;
}

void dm_loop_del(struct dm_loop *loop, struct dm_watch *w)
{
	if (!w->added)
		return;
	/*
	 * Removed rather than set to an empty mask: epoll reports EPOLLHUP
	 * even then, and a tap or socket can hang up while paused.
	 */
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->added = false;
}

int dm_loop_run_once(struct dm_loop *loop, int timeout_ms)
{
	struct epoll_event ev[DM_LOOP_BATCH];
	int n = epoll_wait(loop->epfd, ev, DM_LOOP_BATCH, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		struct dm_watch *w = ev[i].data.ptr;

		/* An earlier handler of this batch may have stopped the watch. */
		if (w->added)
			w->fn(w, ev[i].events);
	}
	return n;
}
