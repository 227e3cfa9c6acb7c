/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The devmodel's console backend: guest output goes to out_fd (the
 * devmodel's stdout, so it lands in the device VM's console log) and, when
 * a client is attached, to the unix socket; input comes from the socket's
 * client. Without a socket path the console is output-only.
 */
#ifndef DEVMODEL_CONSOLE_TEE_H
#define DEVMODEL_CONSOLE_TEE_H

#include <splitvirt/virtio_console.h>

/* out_fd is not owned. socket_path may be NULL. */
int dm_console_tee_open(struct virtio_console_backend **out, int out_fd, const char *socket_path);

#endif
