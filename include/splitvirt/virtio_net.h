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
 *
 * Multi-queue (queue_pairs > 1, a backend with as many queue fds):
 * VIRTIO_NET_F_MQ and VIRTIO_NET_F_CTRL_VQ, queues receiveq1, transmitq1,
 * ..., receiveqN, transmitqN, controlq (virtio 1.x 5.1.2). Pair i uses
 * backend queue fd i. Only pair 0 is in use until the driver sends
 * VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET (and again after a reset); the tap's
 * other queues are detached meanwhile so the kernel steers no frames to
 * them.
 */
#ifndef SPLITVIRT_VIRTIO_NET_H
#define SPLITVIRT_VIRTIO_NET_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/virtio_net.h>

#include <splitvirt/virtio_dev.h>

#define VIRTIO_NET_HDR_SIZE 12 /* struct virtio_net_hdr_v1, always with num_buffers */
#define VIRTIO_NET_MAX_FRAME 65550 /* 64 KiB GSO frame + Ethernet/VLAN header */

/*
 * At most this many queue pairs: 2 * 4 + 1 queues stay well inside what a
 * host serves (VIRTIO_HOST_MAX_QUEUES), and each pair costs a 64 KiB
 * receive bounce buffer.
 */
#define VIRTIO_NET_MAX_QUEUE_PAIRS 4

struct virtio_net_backend {
	int fd; /* fds[0]: non-blocking, one frame per read/write */
	bool vnet_hdr; /* frames on fd are prefixed with a virtio_net_hdr_v1 */
	bool offloads; /* checksum/TSO offloads can be enabled */
	bool is_tap;
	bool own_fd; /* every fds[] is closed with the backend */
	/*
	 * A tap opened with IFF_MULTI_QUEUE: its queues 1.. can be detached
	 * (TUNSETQUEUE) so the kernel stops steering frames to them.
	 */
	bool multi_queue;
	uint16_t nqueues; /* queue fds in fds[], at least 1 */
	int fds[VIRTIO_NET_MAX_QUEUE_PAIRS]; /* one per queue pair, same kind as fd */
	bool attached[VIRTIO_NET_MAX_QUEUE_PAIRS]; /* the queue takes frames; [0] always */
};

/*
 * Creates a tap (name may contain %d; the kernel's name is written back to
 * name_out) with IFF_VNET_HDR when the kernel supports it, sets
 * TUNSETVNETHDRSZ to 12 and probes TUNSETOFFLOAD.
 */
int virtio_net_tap_open(struct virtio_net_backend **out, const char *name, char *name_out,
			size_t name_len);
/*
 * The same with up to pairs (at most VIRTIO_NET_MAX_QUEUE_PAIRS) queues:
 * IFF_MULTI_QUEUE, one fd per queue, queue 0 attached and the others
 * detached. A kernel or an existing single-queue tap that refuses
 * IFF_MULTI_QUEUE gets a single-queue tap instead, and a queue that cannot
 * be added ends the list: be->nqueues says how many there are.
 */
int virtio_net_tap_open_mq(struct virtio_net_backend **out, const char *name, uint16_t pairs,
			   char *name_out, size_t name_len);
/* Any packet fd (e.g. one end of a SOCK_DGRAM/SOCK_SEQPACKET socketpair); fd not owned. */
int virtio_net_fd_backend(struct virtio_net_backend **out, int fd, bool vnet_hdr);
/* n (1..VIRTIO_NET_MAX_QUEUE_PAIRS) such fds, one per queue pair; not owned. */
int virtio_net_fd_backend_mq(struct virtio_net_backend **out, const int *fds, uint16_t n,
			     bool vnet_hdr);
/*
 * Attaches queue q (1..nqueues-1) to the tap or detaches it; queue 0
 * stays. A no-op when it is already so, or for a backend without
 * detachable queues (the flag is only kept). 0 or -errno (state unchanged).
 */
int virtio_net_backend_set_queue(struct virtio_net_backend *be, uint16_t q, bool attach);
void virtio_net_backend_close(struct virtio_net_backend *be);
/*
 * A tap's offloads (TUNSETOFFLOAD) for a driver that accepted
 * guest_features (its VIRTIO_NET_F_GUEST_* bits); 0 for none. No-op for
 * other backends. 0 or -errno.
 */
int virtio_net_backend_set_offloads(struct virtio_net_backend *be, uint64_t guest_features);

struct virtio_net_params {
	uint8_t mac[6]; /* all-zero: 02:00:00:00:00:01 */
	uint16_t queue_size; /* 0: 256 */
	/*
	 * 0 or 1: one pair, no control queue. More: VIRTIO_NET_F_MQ and
	 * VIRTIO_NET_F_CTRL_VQ with this many pairs, or with the backend's
	 * nqueues if it has fewer; above VIRTIO_NET_MAX_QUEUE_PAIRS: -EINVAL.
	 */
	uint16_t queue_pairs;
};

/* The offloads a tap with a virtio-net header gives a device (it does the work). */
#define VIRTIO_NET_OFFLOAD_FEATURES                                              \
	((1ull << VIRTIO_NET_F_CSUM) | (1ull << VIRTIO_NET_F_GUEST_CSUM) |       \
	 (1ull << VIRTIO_NET_F_GUEST_TSO4) | (1ull << VIRTIO_NET_F_GUEST_TSO6) | \
	 (1ull << VIRTIO_NET_F_GUEST_ECN) | (1ull << VIRTIO_NET_F_HOST_TSO4) |   \
	 (1ull << VIRTIO_NET_F_HOST_TSO6) | (1ull << VIRTIO_NET_F_HOST_ECN))

/* What the device table's net devices offer (local and cross-VM); see lib/devices/net.c. */
#define VIRTIO_NET_DEVICE_QUEUE_PAIRS 2

/* Takes ownership of be. */
int virtio_net_create(struct virtio_dev **out, const struct gmem *gm, struct virtio_net_backend *be,
		      const struct virtio_net_params *params);

/* Link state for VIRTIO_NET_F_STATUS; a change raises a config interrupt. */
void virtio_net_set_link(struct virtio_dev *dev, bool up);

/* Counters for tests and monitoring. */
struct virtio_net_stats {
	uint64_t tx_packets, tx_dropped;
	uint64_t rx_packets, rx_dropped;
	uint64_t ctrl_dropped; /* control chains without room for a header or the ack */
};
void virtio_net_get_stats(struct virtio_dev *dev, struct virtio_net_stats *st);

#endif
