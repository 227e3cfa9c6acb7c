/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one event loop of every splitvirt process that serves devices (the
 * vmm's I/O thread, the devmodel's main loop): epoll over virtqueue kick
 * eventfds, backend fds (tap, pty, sockets) and RPC doorbells.
 *
 * A watch is embedded in the object that owns the fd; its handler finds the
 * object with sv_container_of(). Watches may be added and removed at any
 * time, also from inside a handler and (through epoll's own locking) from
 * another thread; the owner of a watch keeps it alive until the loop no
 * longer runs or the watch was removed from the loop's own thread.
 */
#ifndef SPLITVIRT_EVENT_LOOP_H
#define SPLITVIRT_EVENT_LOOP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define sv_container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

struct sv_watch;
typedef void (*sv_watch_fn)(struct sv_watch *w, uint32_t events);

struct sv_watch {
	int fd;
	sv_watch_fn fn;
	bool added;
};

struct sv_loop {
	int epfd;
	int stop_fd; /* sv_loop_start's thread leaves when it becomes readable */
	struct sv_watch stop;
	bool stopping;
	bool running;
	pthread_t thread;
};

int sv_loop_init(struct sv_loop *loop);
/* Stops the loop's thread (if started) and closes the epoll fd; watches stay with their owners. */
void sv_loop_fini(struct sv_loop *loop);
/*
 * Watches fd for input (hang-ups and errors are always reported). A no-op
 * if w is already added.
 */
int sv_loop_add(struct sv_loop *loop, struct sv_watch *w, int fd, sv_watch_fn fn);
/*
 * Stops watching; a no-op if not added. Removed rather than given an empty
 * mask: epoll reports EPOLLHUP even then, and a hung-up tap or socket would
 * wake the loop forever.
 */
void sv_loop_del(struct sv_loop *loop, struct sv_watch *w);
/*
 * Waits up to timeout_ms (-1: forever) and runs the handlers of ready
 * watches. Returns the number of events handled (0 on timeout or EINTR) or
 * -errno. Handlers must not free watches: owners defer that until this
 * returns.
 */
int sv_loop_run_once(struct sv_loop *loop, int timeout_ms);
/* Runs the loop on a thread of its own until sv_loop_fini(). */
int sv_loop_start(struct sv_loop *loop);

#endif
