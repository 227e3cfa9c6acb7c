/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's vhost (/dev/vhost-net) as the back-end of a device's
 * queues (lib/vhost/vhost_kernel.c): the same hand-over as vhost-user,
 * through ioctls. The owner is the calling process: the kernel's worker
 * reads the rings and buffers through its mappings (the addresses given
 * are this process's).
 */
#ifndef SPLITVIRT_VHOST_KERNEL_H
#define SPLITVIRT_VHOST_KERNEL_H

#include <stdint.h>

#include <splitvirt/vhost_user.h>

/* Opens dev (e.g. /dev/vhost-net) and becomes its owner: the fd, or -errno. */
int vhost_kernel_open(const char *dev);
int vhost_kernel_get_features(int fd, uint64_t *features);
int vhost_kernel_set_features(int fd, uint64_t features);
/* n <= VHOST_USER_MAX_REGIONS; only the addresses count (no fds: the owner's mappings). */
int vhost_kernel_set_mem_table(int fd, const struct vhost_user_mem_region *r, unsigned int n);
/* Ring q: size, first available index, addresses, kick and call eventfds (call < 0: none). */
int vhost_kernel_start_ring(int fd, uint16_t q, uint32_t num, uint32_t base,
			    const struct vhost_user_vring_addr *a, int kick, int call);
/* Stops ring q; *base is the next available index it would have used. */
int vhost_kernel_stop_ring(int fd, uint16_t q, uint32_t *base);
/* vhost-net: ring q moves frames to and from tap fd (-1: detach). */
int vhost_kernel_net_backend(int fd, uint16_t q, int tap_fd);

#endif
