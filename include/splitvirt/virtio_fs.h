/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-fs, as far as the front-end of a vhost-user back-end (virtiofsd)
 * needs it: the device config space it presents itself, and how it fails
 * a FUSE request while no back-end serves the queues.
 */
#ifndef SPLITVIRT_VIRTIO_FS_H
#define SPLITVIRT_VIRTIO_FS_H

#include <stdint.h>

#include <linux/virtio_fs.h>

#include <splitvirt/virtio_dev.h>

/* Bytes of a tag (UTF-8, not NUL-terminated in the config space). */
#define VIRTIO_FS_TAG_MAX 36
/* Queues of the device: hiprio, then the request queues. */
#define VIRTIO_FS_REQUEST_QUEUES 1
#define VIRTIO_FS_DEVICE_QUEUES (1 + VIRTIO_FS_REQUEST_QUEUES)

/* The config space for tag (at most VIRTIO_FS_TAG_MAX bytes used). */
void virtio_fs_config_fill(struct virtio_fs_config *cfg, const char *tag);
/*
 * Completes a FUSE request with -EIO (a virtio_chain_fn): the reply header
 * carries the request's unique id; a chain too short for either gets no
 * reply bytes.
 */
int virtio_fs_fail_request(struct virtio_dev *dev, struct virtq *vq, struct virtq_chain *c);

#endif
