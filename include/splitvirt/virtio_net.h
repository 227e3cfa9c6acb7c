/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-net device model: queue 0 receives, queue 1 transmits, no control
 * queue. Frames travel through a backend fd that either carries a 12-byte
 * struct virtio_net_hdr_v1 in front of each frame (a tap with IFF_VNET_HDR,
 * so checksum/TSO offloads pass straight through) or carries bare frames
 * (e.g. a datagram socketpair; the model adds and strips headers).
 *
 * Offload features are offered only when the backend can apply them
 * (TUNSETOFFLOAD succeeded on the tap); after DRIVER_OK the tap is told
 * which offloads the guest accepts.
 */
#ifndef SPLITVIRT_VIRTIO_NET_H
#define SPLITVIRT_VIRTIO_NET_H

#include <stdbool.h>
#include <stdint.h>

#include <splitvirt/virtio_dev.h>

#define VIRTIO_NET_HDR_SIZE 12 /* struct virtio_net_hdr_v1, always with num_buffers */
#define VIRTIO_NET_MAX_FRAME 65550 /* 64 KiB GSO frame + Ethernet/VLAN header */

struct virtio_net_backend {
	int fd; /* non-blocking, one frame per read/write */
	bool vnet_hdr; /* frames on fd are prefixed with a virtio_net_hdr_v1 */
	bool offloads; /* checksum/TSO offloads can be enabled */
	bool is_tap;
	bool own_fd;
};

/*
 * Creates a tap (name may contain %d; the kernel's name is written back to
 * name_out) with IFF_VNET_HDR when the kernel supports it, sets
 * TUNSETVNETHDRSZ to 12 and probes TUNSETOFFLOAD.
 */
int virtio_net_tap_open(struct virtio_net_backend **out, const char *name, char *name_out,
			size_t name_len);
/* Any packet fd (e.g. one end of a SOCK_DGRAM/SOCK_SEQPACKET socketpair); fd not owned. */
int virtio_net_fd_backend(struct virtio_net_backend **out, int fd, bool vnet_hdr);
void virtio_net_backend_close(struct virtio_net_backend *be);

struct virtio_net_params {
	uint8_t mac[6]; /* all-zero: 02:00:00:00:00:01 */
	uint16_t queue_size; /* 0: 256 */
};

/* Takes ownership of be. */
int virtio_net_create(struct virtio_dev **out, const struct gmem *gm, struct virtio_net_backend *be,
		      const struct virtio_net_params *params);

/* Link state for VIRTIO_NET_F_STATUS; a change raises a config interrupt. */
void virtio_net_set_link(struct virtio_dev *dev, bool up);

/* Counters for tests and monitoring. */
struct virtio_net_stats {
	uint64_t tx_packets, tx_dropped;
	uint64_t rx_packets, rx_dropped;
};
void virtio_net_get_stats(struct virtio_dev *dev, struct virtio_net_stats *st);

#endif
