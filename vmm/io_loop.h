/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vmm's I/O thread: an epoll loop over eventfds (virtqueue kicks from
 * KVM ioeventfds) and backend fds (tap, pty). vCPU threads never run
 * device queues; they only trap config and register accesses.
 */
#ifndef VMM_IO_LOOP_H
#define VMM_IO_LOOP_H

#include <stdint.h>

struct io_loop;
typedef void (*io_handler_t)(void *opaque, uint32_t events);

int io_loop_create(struct io_loop **out);
/* Watches fd for events (EPOLLIN...). Handlers run on the I/O thread. */
int io_loop_add(struct io_loop *loop, int fd, uint32_t events, io_handler_t fn, void *opaque);
int io_loop_modify(struct io_loop *loop, int fd, uint32_t events);
int io_loop_start(struct io_loop *loop);
/* Stops the thread (if started) and frees everything. */
void io_loop_destroy(struct io_loop *loop);

#endif
