// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <splitvirt/event_loop.h>
#include <splitvirt/log.h>

#define SV_LOOP_BATCH 32

static void loop_stop_ready(struct sv_watch *w, uint32_t events)
{
	struct sv_loop *loop = sv_container_of(w, struct sv_loop, stop);

	(void)events;
	loop->stopping = true;
}

int sv_loop_init(struct sv_loop *loop)
{
	int ret;

	memset(loop, 0, sizeof(*loop));
	loop->stop_fd = -1;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0)
		return -errno;
	loop->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (loop->stop_fd < 0) {
		ret = -errno;
		sv_loop_fini(loop);
		return ret;
	}
	ret = sv_loop_add(loop, &loop->stop, loop->stop_fd, loop_stop_ready);
	if (ret)
		sv_loop_fini(loop);
	return ret;
}

void sv_loop_fini(struct sv_loop *loop)
{
	uint64_t one = 1;

	if (loop->running) {
		if (write(loop->stop_fd, &one, sizeof(one)) == sizeof(one))
			pthread_join(loop->thread, NULL);
		else
			pthread_cancel(loop->thread);
		loop->running = false;
	}
	if (loop->stop_fd >= 0)
		close(loop->stop_fd);
	if (loop->epfd >= 0)
		close(loop->epfd);
	loop->stop_fd = loop->epfd = -1;
}

int sv_loop_add(struct sv_loop *loop, struct sv_watch *w, int fd, sv_watch_fn fn)
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

void sv_loop_del(struct sv_loop *loop, struct sv_watch *w)
{
	if (!w->added)
		return;
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->added = false;
}

int sv_loop_run_once(struct sv_loop *loop, int timeout_ms)
{
	struct epoll_event ev[SV_LOOP_BATCH];
	int n = epoll_wait(loop->epfd, ev, SV_LOOP_BATCH, timeout_ms), handled = 0;

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		struct sv_watch *w = ev[i].data.ptr;

		/* An earlier handler of this batch may have stopped the watch. */
		if (!w->added)
			continue;
		w->fn(w, ev[i].events);
		handled++;
	}
	return handled;
}

static void *loop_thread(void *arg)
{
	struct sv_loop *loop = arg;

	while (!loop->stopping) {
		int ret = sv_loop_run_once(loop, -1);

		if (ret < 0) {
			pr_err("I/O loop: %s", strerror(-ret));
			break;
		}
	}
	return NULL;
}

int sv_loop_start(struct sv_loop *loop)
{
	int ret = pthread_create(&loop->thread, NULL, loop_thread, loop);

	if (ret)
		return -ret;
	loop->running = true;
	return 0;
}
