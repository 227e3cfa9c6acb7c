/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The devmodel's single-threaded event loop: epoll over VM handles, kick
 * eventfds and backend fds. A watch is embedded in the object that owns
 * the fd; handlers find their object with container_of().
 */
#ifndef DEVMODEL_LOOP_H
#define DEVMODEL_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define dm_container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

struct dm_watch;
typedef void (*dm_watch_fn)(struct dm_watch *w, uint32_t events);

struct dm_watch {
	int fd;
	dm_watch_fn fn;
	bool added;
};

struct dm_loop {
	int epfd;
};

int dm_loop_init(struct dm_loop *loop);
void dm_loop_fini(struct dm_loop *loop);
/* Watches fd for input (hang-ups and errors are always reported). */
int dm_loop_add(struct dm_loop *loop, struct dm_watch *w, int fd, dm_watch_fn fn);
/* Stops watching; a no-op if not added. Safe from inside a handler. */
void dm_loop_del(struct dm_loop *loop, struct dm_watch *w);
/*
 * Waits up to timeout_ms (-1: forever) and runs the handlers of ready
 * watches. Returns the number of events handled (0 on timeout or EINTR) or
 * -errno. Handlers must not free watches: owners defer that (see
 * dm_link_failed()) until this returns.
 */
int dm_loop_run_once(struct dm_loop *loop, int timeout_ms);

#endif
