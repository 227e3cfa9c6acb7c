/* SPDX-License-Identifier: GPL-2.0 */
/* virtio-rng (entropy device): one request queue filled from getrandom(). */
#ifndef SPLITVIRT_VIRTIO_RNG_H
#define SPLITVIRT_VIRTIO_RNG_H

#include <splitvirt/virtio_dev.h>

/* Largest amount of entropy handed out per request (the device may give less). */
#define VIRTIO_RNG_MAX_PER_REQUEST 65536

int virtio_rng_create(struct virtio_dev **out, const struct gmem *gm);

#endif
