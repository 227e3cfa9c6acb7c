// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net through virtio-pci: socketpair stand-in for the tap, and a real
 * tap if allowed; multi-queue with a socketpair per queue pair.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <net/if.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/ethernet.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../support/unit.h"

#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_pci.h>

#include <splitvirt/virtio_net.h>
#include <splitvirt/virtio_pci.h>

#include "../../support/testdrv.h"

#define RXQ 0
#define TXQ 1
/* Multi-queue fixtures: two pairs, then the control queue. */
#define MQ_PAIRS 2
#define RXQ1 2
#define TXQ1 3
#define CTRLQ 4
#define HDR VIRTIO_NET_HDR_SIZE
#define ETHERTYPE_TEST 0x88b5 /* IEEE local experimental */

struct net_fixture {
	struct testdrv td;
	int sp[2]; /* sp[0] is the device's "tap", sp[1] the network */
	int sp1[2]; /* the same for queue pair 1 (multi-queue fixtures), else -1 */
	bool vnet_hdr;
	uint64_t rx_gpa[MQ_PAIRS][VIRTQ_MAX_SIZE]; /* per pair, by head */
	int nrx;
};

static void create_q(struct net_fixture *f, bool vnet_hdr, uint16_t queue_size)
{
	struct virtio_net_backend *be;
	struct virtio_net_params p = { .mac = { 0x52, 0x54, 0, 0xab, 0xcd, 0xef },
				       .queue_size = queue_size };
	struct virtio_dev *dev;

	f->vnet_hdr = vnet_hdr;
	f->sp1[0] = f->sp1[1] = -1;
	assert_int_equal(td_init(&f->td), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, f->sp), 0);
	assert_int_equal(virtio_net_fd_backend(&be, f->sp[0], vnet_hdr), 0);
	assert_int_equal(virtio_net_create(&dev, &f->td.gm, be, &p), 0);
	assert_int_equal(td_attach(&f->td, dev), 0);
}

static void create(struct net_fixture *f, bool vnet_hdr)
{
	create_q(f, vnet_hdr, 0);
}

static int setup_nostart(void **state)
{
	struct net_fixture *f = calloc(1, sizeof(*f));

	create(f, true);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	struct net_fixture *f;

	setup_nostart(state);
	f = *state;
	assert_int_equal(td_start(&f->td, ~0ull, 64), 0);
	return 0;
}

/* The largest ring, where a frame may take up to 1024 mergeable buffers. */
static int setup_big(void **state)
{
	struct net_fixture *f = calloc(1, sizeof(*f));

	create_q(f, true, VIRTQ_MAX_SIZE);
	assert_int_equal(td_start(&f->td, ~0ull, VIRTQ_MAX_SIZE), 0);
	*state = f;
	return 0;
}

static int setup_bare(void **state)
{
	struct net_fixture *f = calloc(1, sizeof(*f));

	create(f, false);
	assert_int_equal(td_start(&f->td, ~0ull, 64), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct net_fixture *f = *state;

	td_destroy(&f->td);
	close(f->sp[0]);
	close(f->sp[1]);
	if (f->sp1[0] >= 0) {
		close(f->sp1[0]);
		close(f->sp1[1]);
	}
	free(f);
	return 0;
}

static void fill_frame(uint8_t *p, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static void guest_tx_q(struct testdrv *td, uint16_t q, size_t len, uint8_t seed)
{
	uint64_t h = gram_alloc(&td->ram, HDR, 8), d = gram_alloc(&td->ram, len, 8);
	struct gbuf b[] = { { h, HDR, false }, { d, (uint32_t)len, false } };

	fill_frame(gram_ptr(&td->ram, d), len, seed);
	gvring_add(&td->vr[q], b, 2);
	gvring_publish(&td->vr[q]);
	td_kick(td, q);
	td_run_host(td);
}

static void guest_tx(struct testdrv *td, size_t len, uint8_t seed)
{
	guest_tx_q(td, TXQ, len, seed);
}

/* n receive buffers of size bytes on pair's rx queue. */
static void post_rx_q(struct net_fixture *f, uint16_t pair, int n, uint32_t size, bool kick)
{
	struct testdrv *td = &f->td;
	uint16_t q = (uint16_t)(2 * pair);
	int i;

	for (i = 0; i < n; i++) {
		uint64_t g = gram_alloc(&td->ram, size, 8);
		struct gbuf b = { g, size, true };
		int head = gvring_add(&td->vr[q], &b, 1);

		assert_true(head >= 0);
		f->rx_gpa[pair][head] = g;
	}
	gvring_publish(&td->vr[q]);
	if (kick) {
		td_kick(td, q);
		td_run_host(td);
	}
}

static void post_rx(struct net_fixture *f, int n, uint32_t size, bool kick)
{
	post_rx_q(f, 0, n, size, kick);
}

/* The network sends a frame into the device's end of socket sock's pair. */
static void peer_send_on(struct net_fixture *f, int sock, size_t len, uint8_t seed)
{
	uint8_t buf[HDR + 9000];
	size_t off = f->vnet_hdr ? HDR : 0;

	memset(buf, 0, HDR);
	fill_frame(buf + off, len, seed);
	assert_int_equal(send(sock, buf, off + len, 0), (ssize_t)(off + len));
}

static void peer_send(struct net_fixture *f, size_t len, uint8_t seed)
{
	peer_send_on(f, f->sp[1], len, seed);
}

/* Collects one frame received on pair's rx queue; returns its length (without header) or -1. */
static int guest_rx_q(struct net_fixture *f, uint16_t pair, uint8_t *out, uint16_t *num_buffers)
{
	struct testdrv *td = &f->td;
	struct gvring *vr = &td->vr[2 * pair];
	uint16_t head, nb, i;
	uint32_t len;
	size_t total = 0;
	struct virtio_net_hdr_v1 *h;

	if (!gvring_get_used(vr, &head, &len))
		return -1;
	h = gram_ptr(&td->ram, f->rx_gpa[pair][head]);
	nb = h->num_buffers;
	*num_buffers = nb;
	assert_true(len >= HDR);
	memcpy(out, (uint8_t *)h + HDR, len - HDR);
	total = len - HDR;
	for (i = 1; i < nb; i++) {
		assert_true(gvring_get_used(vr, &head, &len));
		memcpy(out + total, gram_ptr(&td->ram, f->rx_gpa[pair][head]), len);
		total += len;
	}
	return (int)total;
}

static int guest_rx(struct net_fixture *f, uint8_t *out, uint16_t *num_buffers)
{
	return guest_rx_q(f, 0, out, num_buffers);
}

static void test_config_and_features(void **state)
{
	struct net_fixture *f = *state;
	struct testdrv *td = &f->td;
	uint8_t mac[6];
	int i;

	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)td_read(td, &td->device, (uint32_t)i, 1);
	assert_memory_equal(mac, ((uint8_t[]){ 0x52, 0x54, 0, 0xab, 0xcd, 0xef }), 6);
	assert_int_equal(td_read(td, &td->device, offsetof(struct virtio_net_config, status), 2),
			 VIRTIO_NET_S_LINK_UP);
	assert_true(td->features & (1ull << VIRTIO_NET_F_MRG_RXBUF));
	assert_true(td->features & (1ull << VIRTIO_NET_F_MAC));
	/* A socketpair cannot do offloads: none offered. */
	assert_false(td->features & (1ull << VIRTIO_NET_F_CSUM));
	assert_false(td->features & (1ull << VIRTIO_NET_F_GUEST_TSO4));
	assert_int_equal(td_cfg_read(td, 2, 2), 0x1041);
	assert_int_equal(virtio_dev_backend_fd(td->dev), f->sp[0]);
}

static void test_tx(void **state)
{
	struct net_fixture *f = *state;
	uint8_t buf[2000], want[1500];
	struct virtio_net_stats st;
	uint16_t head;
	uint32_t len;

	guest_tx(&f->td, 1500, 3);
	assert_true(gvring_get_used(&f->td.vr[TXQ], &head, &len));
	assert_int_equal(len, 0);
	assert_true(td_irq(&f->td, td_queue_vector(TXQ)));
	assert_int_equal(recv(f->sp[1], buf, sizeof(buf), MSG_DONTWAIT), HDR + 1500);
	fill_frame(want, 1500, 3);
	assert_memory_equal(buf + HDR, want, 1500);
	virtio_net_get_stats(f->td.dev, &st);
	assert_int_equal(st.tx_packets, 1);
}

static void test_rx_mergeable(void **state)
{
	struct net_fixture *f = *state;
	uint8_t got[9000], want[3000];
	uint16_t nb;

	post_rx(f, 4, 1024, true);
	peer_send(f, 3000, 9);
	assert_int_equal(virtio_dev_handle_backend(f->td.dev), 1);
	assert_true(td_irq(&f->td, td_queue_vector(RXQ)));
	assert_int_equal(guest_rx(f, got, &nb), 3000);
	assert_int_equal(nb, 3);
	fill_frame(want, 3000, 9);
	assert_memory_equal(got, want, 3000);
	assert_int_equal(guest_rx(f, got, &nb), -1);
}

static void test_rx_without_buffers_keeps_frames(void **state)
{
	struct net_fixture *f = *state;
	uint8_t got[9000], want[100];
	uint16_t nb;

	peer_send(f, 100, 1);
	peer_send(f, 100, 2);
	/* No buffers: blocked, nothing read from the backend. */
	assert_int_equal(virtio_dev_handle_backend(f->td.dev), 0);
	assert_int_equal(guest_rx(f, got, &nb), -1);
	/* Buffers arrive with a kick: both frames are delivered in order. */
	post_rx(f, 4, 2048, true);
	assert_int_equal(guest_rx(f, got, &nb), 100);
	fill_frame(want, 100, 1);
	assert_memory_equal(got, want, 100);
	assert_int_equal(guest_rx(f, got, &nb), 100);
	fill_frame(want, 100, 2);
	assert_memory_equal(got, want, 100);
	assert_int_equal(nb, 1);
}

static void test_rx_short_of_buffers_mid_frame(void **state)
{
	struct net_fixture *f = *state;
	uint8_t got[9000], want[3000];
	struct virtio_net_stats st;
	uint16_t nb;

	post_rx(f, 1, 1024, true);
	peer_send(f, 3000, 5);
	assert_int_equal(virtio_dev_handle_backend(f->td.dev), 0);
	assert_int_equal(guest_rx(f, got, &nb), -1);
	post_rx(f, 2, 1024, true);
	assert_int_equal(guest_rx(f, got, &nb), 3000);
	assert_int_equal(nb, 3);
	fill_frame(want, 3000, 5);
	assert_memory_equal(got, want, 3000);
	virtio_net_get_stats(f->td.dev, &st);
	assert_int_equal(st.rx_packets, 1);
	assert_int_equal(st.rx_dropped, 0);
}

static void test_rx_without_mrg_rxbuf(void **state)
{
	struct net_fixture *f = *state;
	uint8_t got[9000], want[500];
	struct virtio_net_stats st;
	uint16_t nb, head;
	uint32_t len;

	assert_int_equal(td_start(&f->td, ~(1ull << VIRTIO_NET_F_MRG_RXBUF), 64), 0);
	post_rx(f, 1, 1024, true);
	peer_send(f, 3000, 1); /* does not fit one buffer: dropped */
	peer_send(f, 500, 2);
	assert_int_equal(virtio_dev_handle_backend(f->td.dev), 0);
	assert_true(gvring_get_used(&f->td.vr[RXQ], &head, &len));
	assert_int_equal(len, 0);
	post_rx(f, 1, 1024, true);
	assert_int_equal(guest_rx(f, got, &nb), 500);
	assert_int_equal(nb, 1);
	fill_frame(want, 500, 2);
	assert_memory_equal(got, want, 500);
	virtio_net_get_stats(f->td.dev, &st);
	assert_int_equal(st.rx_dropped, 1);
}

static void test_bare_frames(void **state)
{
	struct net_fixture *f = *state;
	uint8_t buf[2000], want[600], got[2000];
	uint16_t nb;

	guest_tx(&f->td, 600, 4);
	assert_int_equal(recv(f->sp[1], buf, sizeof(buf), MSG_DONTWAIT), 600);
	fill_frame(want, 600, 4);
	assert_memory_equal(buf, want, 600);
	post_rx(f, 2, 2048, true);
	peer_send(f, 600, 4);
	virtio_dev_handle_backend(f->td.dev);
	assert_int_equal(guest_rx(f, got, &nb), 600);
	assert_memory_equal(got, want, 600);
}

static void test_link_status(void **state)
{
	struct net_fixture *f = *state;
	struct testdrv *td = &f->td;
	uint8_t gen = (uint8_t)td_read(td, &td->common, VIRTIO_PCI_COMMON_CFGGENERATION, 1);

	virtio_net_set_link(td->dev, false);
	assert_true(td_irq(td, TD_CONFIG_VECTOR));
	assert_int_equal(td_read(td, &td->device, offsetof(struct virtio_net_config, status), 2),
			 0);
	assert_int_not_equal(td_read(td, &td->common, VIRTIO_PCI_COMMON_CFGGENERATION, 1), gen);
	virtio_net_set_link(td->dev, false);
	assert_false(td_irq(td, TD_CONFIG_VECTOR));
}

static void test_feature_dependencies(void **state)
{
	struct net_fixture *f = *state;
	struct testdrv *td = &f->td;

	/* Pretend the backend could offload, to reach the dependency checks. */
	td->dev->host_features |=
		(1ull << VIRTIO_NET_F_GUEST_TSO4) | (1ull << VIRTIO_NET_F_GUEST_CSUM);
	assert_int_equal(td_probe(td), 0);
	assert_int_equal(
		td_negotiate(td, (1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_NET_F_GUEST_TSO4)),
		-EIO);
	assert_int_equal(td_negotiate(td, (1ull << VIRTIO_F_VERSION_1) |
						  (1ull << VIRTIO_NET_F_GUEST_TSO4) |
						  (1ull << VIRTIO_NET_F_GUEST_CSUM)),
			 0);
}

static void test_hostile_rx_ring(void **state)
{
	struct net_fixture *f = *state;
	struct testdrv *td = &f->td;

	post_rx(f, 1, 1024, false);
	/* Point the buffer outside guest RAM. */
	td->vr[RXQ].desc[0].addr = 0x1000;
	peer_send(f, 100, 1);
	virtio_dev_handle_backend(td->dev);
	assert_true(td_status(td) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_true(td_irq(td, TD_CONFIG_VECTOR));
	assert_int_equal(virtio_dev_handle_backend(td->dev), 0);
}

/* The network sends a full-size (TSO) frame: header and frame in one datagram. */
static void peer_send_max(struct net_fixture *f, uint8_t *buf)
{
	const size_t len = HDR + VIRTIO_NET_MAX_FRAME;

	assert_true(f->vnet_hdr);
	assert_int_equal(send(f->sp[1], buf, len, 0), (ssize_t)len);
}

/*
 * A guest ring full of small buffers: 1024 of 32 bytes hold 32 KiB, less
 * than a 64 KiB frame. The frame can never fit, so it is dropped (and
 * counted) instead of waiting forever; the buffers stay with the guest and
 * carry the next frame.
 */
static void test_rx_frame_larger_than_ring(void **state)
{
	struct net_fixture *f = *state;
	static uint8_t big[HDR + VIRTIO_NET_MAX_FRAME], got[9000];
	uint8_t want[100];
	struct virtio_net_stats st;
	uint16_t nb;

	post_rx(f, VIRTQ_MAX_SIZE, 32, true);
	memset(big, 0, sizeof(big));
	fill_frame(big + HDR, VIRTIO_NET_MAX_FRAME, 3);
	peer_send_max(f, big);
	peer_send(f, 100, 4);
	virtio_dev_handle_backend(f->td.dev);
	virtio_net_get_stats(f->td.dev, &st);
	assert_int_equal(st.rx_dropped, 1);
	assert_int_equal(st.rx_packets, 1);
	/* 12 + 100 bytes in 32-byte buffers: 4 of them, num_buffers says so. */
	assert_int_equal(guest_rx(f, got, &nb), 100);
	assert_int_equal(nb, 4);
	fill_frame(want, 100, 4);
	assert_memory_equal(got, want, 100);
	assert_int_equal(guest_rx(f, got, &nb), -1);
	assert_false(td_status(&f->td) & VIRTIO_CONFIG_S_NEEDS_RESET);
}

/*
 * A hostile guest refills its receive ring while the device fills it: one
 * 2-byte buffer lies on avail->idx, is made available over and over, and
 * each time the frame data written into it moves avail->idx 512 entries
 * ahead. A 64 KiB frame then takes tens of thousands of buffers, far more
 * than the per-frame arrays hold. The frame must be dropped after one
 * ring's worth of buffers, not written past the arrays (ASan).
 */
static void test_rx_hostile_refill_overflow(void **state)
{
	struct net_fixture *f = *state;
	struct testdrv *td = &f->td;
	struct gvring *vr = &td->vr[RXQ];
	static uint8_t big[HDR + VIRTIO_NET_MAX_FRAME];
	struct virtio_net_stats st;
	uint16_t i;
	size_t off;

	vr->desc[0] = (struct vring_desc){ .addr = gram_alloc(&td->ram, HDR, 8),
					   .len = HDR,
					   .flags = VRING_DESC_F_WRITE };
	vr->desc[1] =
		(struct vring_desc){ .addr = vr->avail_gpa + offsetof(struct vring_avail, idx),
				     .len = 2,
				     .flags = VRING_DESC_F_WRITE };
	vr->avail->ring[0] = 0;
	for (i = 1; i < vr->size; i++)
		vr->avail->ring[i] = 1;
	/* The n-th 2-byte piece lands in avail->idx after the (n + 1)-th pop. */
	memset(big, 0, sizeof(big));
	for (i = 1, off = HDR; off + 2 <= sizeof(big); i++, off += 2) {
		uint16_t idx = htole16((uint16_t)(i + 1 + 512));

		memcpy(big + off, &idx, 2);
	}
	__atomic_store_n(&vr->avail->idx, 2, __ATOMIC_RELEASE);
	peer_send_max(f, big);
	virtio_dev_handle_backend(td->dev);
	virtio_net_get_stats(td->dev, &st);
	assert_int_equal(st.rx_dropped, 1);
	assert_int_equal(st.rx_packets, 0);
}

/* ---- multi-queue, a socketpair per queue pair ---- */

static void create_mq(struct net_fixture *f, uint16_t pairs)
{
	struct virtio_net_backend *be;
	struct virtio_net_params p = { .queue_pairs = pairs };
	struct virtio_dev *dev;

	f->vnet_hdr = true;
	assert_int_equal(td_init(&f->td), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, f->sp), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, f->sp1), 0);
	assert_int_equal(virtio_net_fd_backend_mq(&be, (int[]){ f->sp[0], f->sp1[0] }, 2, true), 0);
	assert_int_equal(be->nqueues, 2);
	assert_int_equal(be->fd, f->sp[0]);
	assert_int_equal(virtio_net_create(&dev, &f->td.gm, be, &p), 0);
	assert_int_equal(td_attach(&f->td, dev), 0);
}

static int setup_mq_nostart(void **state)
{
	struct net_fixture *f = calloc(1, sizeof(*f));

	create_mq(f, MQ_PAIRS);
	*state = f;
	return 0;
}

static int setup_mq(void **state)
{
	struct net_fixture *f;

	setup_mq_nostart(state);
	f = *state;
	assert_int_equal(td_start(&f->td, ~0ull, 64), 0);
	return 0;
}

/*
 * A control command on queue q: cmd (len bytes, none if 0) readable, then
 * ack_len writable bytes. Returns the ack byte, or -1 if the chain came
 * back with nothing written.
 */
static int ctrl_cmd_q(struct net_fixture *f, uint16_t q, const void *cmd, uint32_t len,
		      uint32_t ack_len)
{
	struct testdrv *td = &f->td;
	uint64_t c = gram_alloc(&td->ram, 16, 8), a = gram_alloc(&td->ram, 16, 8);
	uint8_t *ack = gram_ptr(&td->ram, a);
	struct gbuf b[2];
	int n = 0;
	uint16_t head;
	uint32_t used;

	assert_true(len <= 16 && ack_len <= 16);
	memcpy(gram_ptr(&td->ram, c), cmd, len);
	memset(ack, 0xee, 16);
	if (len)
		b[n++] = (struct gbuf){ c, len, false };
	if (ack_len)
		b[n++] = (struct gbuf){ a, ack_len, true };
	assert_true(gvring_add(&td->vr[q], b, n) >= 0);
	gvring_publish(&td->vr[q]);
	td_kick(td, q);
	td_run_host(td);
	assert_true(gvring_get_used(&td->vr[q], &head, &used));
	if (!used) {
		assert_int_equal(ack[0], 0xee);
		return -1;
	}
	assert_int_equal(used, 1);
	assert_int_equal(ack[1], 0xee);
	return ack[0];
}

static int ctrl_cmd(struct net_fixture *f, const void *cmd, uint32_t len)
{
	return ctrl_cmd_q(f, CTRLQ, cmd, len, 1);
}

static int vq_pairs_set(struct net_fixture *f, uint16_t n)
{
	uint8_t cmd[4] = { VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, (uint8_t)n,
			   (uint8_t)(n >> 8) };

	return ctrl_cmd(f, cmd, sizeof(cmd));
}

/* Whether the fd the host polls for the device says frames are waiting. */
static bool backend_readable(struct net_fixture *f)
{
	struct pollfd p = { .fd = virtio_dev_backend_fd(f->td.dev), .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

/* One pair, asked for (1) or what a one-fd backend allows (2): exactly as without. */
static void test_one_pair_no_mq(void **state)
{
	struct net_fixture *f = *state;
	struct testdrv *td = &f->td;
	uint16_t asks[] = { 1, 2 };

	for (unsigned int i = 0; i < 2; i++) {
		struct virtio_net_backend *be;
		struct virtio_net_params p = { .queue_pairs = asks[i] };
		struct virtio_dev *dev;

		td_destroy(td);
		assert_int_equal(td_init(td), 0);
		assert_int_equal(virtio_net_fd_backend(&be, f->sp[0], true), 0);
		assert_int_equal(be->nqueues, 1);
		assert_int_equal(virtio_net_create(&dev, &td->gm, be, &p), 0);
		assert_int_equal(td_attach(td, dev), 0);
		assert_int_equal(td_start(td, ~0ull, 64), 0);
		assert_int_equal(td->nq, 2);
		assert_false(td->features & (1ull << VIRTIO_NET_F_MQ));
		assert_false(td->features & (1ull << VIRTIO_NET_F_CTRL_VQ));
		assert_int_equal(td_read(td, &td->device,
					 offsetof(struct virtio_net_config, max_virtqueue_pairs),
					 2),
				 1);
		assert_int_equal(virtio_dev_backend_fd(td->dev), f->sp[0]);
	}
}

static void test_mq_features_and_config(void **state)
{
	struct net_fixture *f = *state;
	struct testdrv *td = &f->td;

	assert_int_equal(td->nq, 2 * MQ_PAIRS + 1);
	assert_true(td->features & (1ull << VIRTIO_NET_F_MQ));
	assert_true(td->features & (1ull << VIRTIO_NET_F_CTRL_VQ));
	assert_int_equal(td_read(td, &td->device,
				 offsetof(struct virtio_net_config, max_virtqueue_pairs), 2),
			 MQ_PAIRS);
	/* The host polls one fd for both pairs. */
	assert_true(virtio_dev_backend_fd(td->dev) >= 0);
	assert_int_not_equal(virtio_dev_backend_fd(td->dev), f->sp[0]);
	assert_int_not_equal(virtio_dev_backend_fd(td->dev), f->sp1[0]);
}

/* Too many pairs for the model; MQ without the control queue it needs. */
static void test_mq_invalid(void **state)
{
	struct net_fixture *f = *state;
	struct testdrv *td = &f->td;
	struct virtio_net_backend *be;
	struct virtio_net_params p = { .queue_pairs = VIRTIO_NET_MAX_QUEUE_PAIRS + 1 };
	struct virtio_dev *dev;
	int fds[VIRTIO_NET_MAX_QUEUE_PAIRS + 1];

	for (unsigned int i = 0; i < VIRTIO_NET_MAX_QUEUE_PAIRS + 1; i++)
		fds[i] = f->sp[0];
	assert_int_equal(virtio_net_fd_backend_mq(&be, fds, VIRTIO_NET_MAX_QUEUE_PAIRS + 1, true),
			 -EINVAL);
	assert_int_equal(virtio_net_fd_backend_mq(&be, fds, 0, true), -EINVAL);
	assert_int_equal(virtio_net_fd_backend(&be, f->sp[0], true), 0);
	assert_int_equal(virtio_net_create(&dev, &td->gm, be, &p), -EINVAL);

	assert_int_equal(td_probe(td), 0);
	assert_int_equal(td_negotiate(td, (1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_NET_F_MQ)),
			 -EIO);
	assert_int_equal(td_negotiate(td, (1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_NET_F_MQ) |
						  (1ull << VIRTIO_NET_F_CTRL_VQ)),
			 0);
}

static void test_mq_pairs_set(void **state)
{
	struct net_fixture *f = *state;
	uint8_t rx_mode[3] = { VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, 1 };
	uint8_t rss[4] = { VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_RSS_CONFIG, 2, 0 };
	uint8_t shortcmd[3] = { VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, 2 };
	uint8_t longcmd[5] = { VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, 2, 0, 0 };
	uint8_t hdr_only[2] = { VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET };
	struct virtio_net_stats st;

	assert_int_equal(vq_pairs_set(f, 2), VIRTIO_NET_OK);
	assert_int_equal(vq_pairs_set(f, 1), VIRTIO_NET_OK);
	assert_int_equal(vq_pairs_set(f, MQ_PAIRS), VIRTIO_NET_OK);
	assert_int_equal(vq_pairs_set(f, 0), VIRTIO_NET_ERR);
	assert_int_equal(vq_pairs_set(f, MQ_PAIRS + 1), VIRTIO_NET_ERR);
	assert_int_equal(vq_pairs_set(f, 0x8000), VIRTIO_NET_ERR);
	assert_int_equal(vq_pairs_set(f, 0xffff), VIRTIO_NET_ERR);
	/* Classes and commands not offered, and malformed ones, are refused. */
	assert_int_equal(ctrl_cmd(f, rx_mode, sizeof(rx_mode)), VIRTIO_NET_ERR);
	assert_int_equal(ctrl_cmd(f, rss, sizeof(rss)), VIRTIO_NET_ERR);
	assert_int_equal(ctrl_cmd(f, shortcmd, sizeof(shortcmd)), VIRTIO_NET_ERR);
	assert_int_equal(ctrl_cmd(f, longcmd, sizeof(longcmd)), VIRTIO_NET_ERR);
	assert_int_equal(ctrl_cmd(f, hdr_only, sizeof(hdr_only)), VIRTIO_NET_ERR);
	/* More writable bytes than the ack: only the ack is written. */
	assert_int_equal(ctrl_cmd_q(f, CTRLQ, rx_mode, sizeof(rx_mode), 8), VIRTIO_NET_ERR);
	virtio_net_get_stats(f->td.dev, &st);
	assert_int_equal(st.ctrl_dropped, 0);
	assert_false(td_status(&f->td) & VIRTIO_CONFIG_S_NEEDS_RESET);
}

/* Chains that cannot carry a command and its ack are dropped, and counted. */
static void test_mq_ctrl_malformed(void **state)
{
	struct net_fixture *f = *state;
	uint8_t cmd[4] = { VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, 2, 0 };
	struct virtio_net_stats st;

	assert_int_equal(ctrl_cmd_q(f, CTRLQ, cmd, sizeof(cmd), 0), -1); /* no ack byte */
	assert_int_equal(ctrl_cmd_q(f, CTRLQ, cmd, 1, 1), -1); /* half a header */
	assert_int_equal(ctrl_cmd_q(f, CTRLQ, cmd, 0, 1), -1); /* no header */
	virtio_net_get_stats(f->td.dev, &st);
	assert_int_equal(st.ctrl_dropped, 3);
	/* None of them took effect: frames on pair 1 stay where they are. */
	post_rx_q(f, 1, 2, 2048, true);
	peer_send_on(f, f->sp1[1], 100, 1);
	virtio_dev_handle_backend(f->td.dev);
	assert_false(backend_readable(f));
	assert_false(td_status(&f->td) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_int_equal(ctrl_cmd(f, cmd, sizeof(cmd)), VIRTIO_NET_OK);
	assert_true(backend_readable(f));
}

/* A driver without MQ but with the control queue finds it at queue 2 and cannot set pairs. */
static void test_ctrl_without_mq(void **state)
{
	struct net_fixture *f = *state;
	uint8_t cmd[4] = { VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, 2, 0 };
	uint8_t buf[2000];

	assert_int_equal(td_start(&f->td, ~(1ull << VIRTIO_NET_F_MQ), 64), 0);
	assert_true(f->td.features & (1ull << VIRTIO_NET_F_CTRL_VQ));
	assert_int_equal(ctrl_cmd_q(f, RXQ1, cmd, sizeof(cmd), 1), VIRTIO_NET_ERR);
	/* Queue 3 means nothing now: a kick there sends nothing. */
	guest_tx_q(&f->td, TXQ1, 100, 1);
	assert_int_equal(recv(f->sp[1], buf, sizeof(buf), MSG_DONTWAIT), -1);
	assert_int_equal(recv(f->sp1[1], buf, sizeof(buf), MSG_DONTWAIT), -1);
	guest_tx(&f->td, 100, 1);
	assert_int_equal(recv(f->sp[1], buf, sizeof(buf), MSG_DONTWAIT), HDR + 100);
}

static void test_mq_tx(void **state)
{
	struct net_fixture *f = *state;
	uint8_t buf[2000], want[600];
	uint16_t head;
	uint32_t len;

	/* Pair 1 not in use (only its receive side is idle): a driver may still send there. */
	guest_tx_q(&f->td, TXQ1, 600, 1);
	assert_true(gvring_get_used(&f->td.vr[TXQ1], &head, &len));
	assert_int_equal(recv(f->sp1[1], buf, sizeof(buf), MSG_DONTWAIT), HDR + 600);
	assert_int_equal(recv(f->sp[1], buf, sizeof(buf), MSG_DONTWAIT), -1);

	assert_int_equal(vq_pairs_set(f, 2), VIRTIO_NET_OK);
	guest_tx_q(&f->td, TXQ1, 600, 2);
	assert_true(td_irq(&f->td, td_queue_vector(TXQ1)));
	assert_int_equal(recv(f->sp1[1], buf, sizeof(buf), MSG_DONTWAIT), HDR + 600);
	fill_frame(want, 600, 2);
	assert_memory_equal(buf + HDR, want, 600);
	assert_int_equal(recv(f->sp[1], buf, sizeof(buf), MSG_DONTWAIT), -1);
	guest_tx_q(&f->td, TXQ, 600, 3);
	assert_int_equal(recv(f->sp[1], buf, sizeof(buf), MSG_DONTWAIT), HDR + 600);
	assert_int_equal(recv(f->sp1[1], buf, sizeof(buf), MSG_DONTWAIT), -1);
}

static void test_mq_rx(void **state)
{
	struct net_fixture *f = *state;
	uint8_t got[9000], want[300];
	uint16_t nb;

	post_rx_q(f, 0, 4, 2048, true);
	post_rx_q(f, 1, 4, 2048, true);
	/* Pair 1 is not in use yet: its frame waits in the backend. */
	peer_send_on(f, f->sp1[1], 300, 7);
	assert_false(backend_readable(f));
	assert_int_equal(virtio_dev_handle_backend(f->td.dev), 1);
	assert_int_equal(guest_rx_q(f, 1, got, &nb), -1);

	assert_int_equal(vq_pairs_set(f, 2), VIRTIO_NET_OK);
	assert_true(backend_readable(f));
	assert_int_equal(virtio_dev_handle_backend(f->td.dev), 1);
	assert_true(td_irq(&f->td, td_queue_vector(RXQ1)));
	assert_false(td_irq(&f->td, td_queue_vector(RXQ)));
	assert_int_equal(guest_rx_q(f, 1, got, &nb), 300);
	fill_frame(want, 300, 7);
	assert_memory_equal(got, want, 300);
	assert_int_equal(guest_rx_q(f, 0, got, &nb), -1);
	assert_false(backend_readable(f));

	/* Both pairs at once, each to its own queue. */
	peer_send_on(f, f->sp[1], 200, 8);
	peer_send_on(f, f->sp1[1], 250, 9);
	assert_int_equal(virtio_dev_handle_backend(f->td.dev), 1);
	assert_int_equal(guest_rx_q(f, 0, got, &nb), 200);
	fill_frame(want, 200, 8);
	assert_memory_equal(got, want, 200);
	assert_int_equal(guest_rx_q(f, 1, got, &nb), 250);
	fill_frame(want, 250, 9);
	assert_memory_equal(got, want, 250);
}

/*
 * A pair short of buffers leaves the poll set (its readable fd must not
 * wake the host in a loop) while the other keeps being served; its rx kick
 * brings it back.
 */
static void test_mq_rx_blocked_pair(void **state)
{
	struct net_fixture *f = *state;
	uint8_t got[9000], want[100];
	uint16_t nb;

	assert_int_equal(vq_pairs_set(f, 2), VIRTIO_NET_OK);
	post_rx_q(f, 0, 2, 2048, true);
	peer_send_on(f, f->sp1[1], 100, 1);
	assert_int_equal(virtio_dev_handle_backend(f->td.dev), 1);
	assert_false(backend_readable(f));
	peer_send_on(f, f->sp[1], 100, 2);
	assert_true(backend_readable(f));
	assert_int_equal(virtio_dev_handle_backend(f->td.dev), 1);
	assert_int_equal(guest_rx_q(f, 0, got, &nb), 100);
	fill_frame(want, 100, 2);
	assert_memory_equal(got, want, 100);
	/* Pair 0 out of buffers too: nothing left to poll. */
	peer_send_on(f, f->sp[1], 100, 3);
	peer_send_on(f, f->sp[1], 100, 4);
	assert_int_equal(virtio_dev_handle_backend(f->td.dev), 0);
	assert_false(backend_readable(f));
	/* Buffers on pair 1, with a kick: its frame comes in. */
	post_rx_q(f, 1, 1, 2048, true);
	assert_int_equal(guest_rx_q(f, 1, got, &nb), 100);
	fill_frame(want, 100, 1);
	assert_memory_equal(got, want, 100);
	/* And on pair 0: polled again, its waiting frame arrives after the one before. */
	post_rx_q(f, 0, 2, 2048, true);
	assert_int_equal(guest_rx_q(f, 0, got, &nb), 100);
	fill_frame(want, 100, 3);
	assert_memory_equal(got, want, 100);
	assert_int_equal(guest_rx_q(f, 0, got, &nb), 100);
	fill_frame(want, 100, 4);
	assert_memory_equal(got, want, 100);
	assert_false(backend_readable(f));
	peer_send_on(f, f->sp[1], 100, 5);
	assert_true(backend_readable(f));
}

/* Back to one pair (by command or reset): pair 1 is neither read nor polled; its frame goes. */
static void test_mq_back_to_one_pair(void **state)
{
	struct net_fixture *f = *state;
	struct virtio_net_stats st;
	uint8_t got[9000], buf[2000];
	uint16_t nb;

	assert_int_equal(vq_pairs_set(f, 2), VIRTIO_NET_OK);
	/* Pair 1 holds a frame that does not fit its one buffer (pending). */
	post_rx_q(f, 1, 1, 1024, true);
	peer_send_on(f, f->sp1[1], 3000, 1);
	assert_int_equal(virtio_dev_handle_backend(f->td.dev), 0);
	assert_int_equal(vq_pairs_set(f, 1), VIRTIO_NET_OK);
	virtio_net_get_stats(f->td.dev, &st);
	assert_int_equal(st.rx_dropped, 1);
	post_rx_q(f, 1, 4, 1024, true);
	peer_send_on(f, f->sp1[1], 100, 2);
	virtio_dev_handle_backend(f->td.dev);
	assert_false(backend_readable(f));
	assert_int_equal(guest_rx_q(f, 1, got, &nb), -1);

	assert_int_equal(vq_pairs_set(f, 2), VIRTIO_NET_OK);
	assert_true(backend_readable(f));
	td_reset(&f->td);
	assert_false(backend_readable(f));
	assert_int_equal(td_start(&f->td, ~0ull, 64), 0);
	post_rx_q(f, 1, 4, 2048, true);
	virtio_dev_handle_backend(f->td.dev);
	assert_int_equal(guest_rx_q(f, 1, got, &nb), -1);
	guest_tx_q(&f->td, TXQ1, 100, 1);
	assert_int_equal(recv(f->sp1[1], buf, sizeof(buf), MSG_DONTWAIT), HDR + 100);
	assert_int_equal(vq_pairs_set(f, 2), VIRTIO_NET_OK);
	assert_true(backend_readable(f));
	virtio_dev_handle_backend(f->td.dev);
	assert_int_equal(guest_rx_q(f, 1, got, &nb), 100);
}

/*
 * A new host process takes over a device using two pairs: it starts with
 * one (the pairs in use are not saved) and still serves every tx queue
 * and rx queue 0.
 */
static void test_mq_restore(void **state)
{
	struct net_fixture *f = *state;
	struct testdrv *td = &f->td;
	static struct virtio_pci_state st;
	struct virtio_net_backend *be;
	struct virtio_net_params p = { .queue_pairs = MQ_PAIRS };
	struct virtio_dev *dev;
	uint8_t got[9000], buf[2000];
	uint16_t nb;

	assert_int_equal(vq_pairs_set(f, 2), VIRTIO_NET_OK);
	post_rx_q(f, 0, 2, 2048, true);
	post_rx_q(f, 1, 2, 2048, true);
	assert_int_equal(virtio_pci_save(td->fn, &st), 0);
	assert_int_equal(virtio_net_fd_backend_mq(&be, (int[]){ f->sp[0], f->sp1[0] }, 2, true), 0);
	assert_int_equal(virtio_net_create(&dev, &td->gm, be, &p), 0);
	assert_int_equal(td_replace(td, dev), 0);
	assert_int_equal(virtio_pci_restore(td->fn, &st), 0);
	assert_int_equal(virtio_dev_resume_pending(td->dev), 0);

	guest_tx_q(td, TXQ1, 100, 1);
	assert_int_equal(recv(f->sp1[1], buf, sizeof(buf), MSG_DONTWAIT), HDR + 100);
	guest_tx_q(td, TXQ, 100, 2);
	assert_int_equal(recv(f->sp[1], buf, sizeof(buf), MSG_DONTWAIT), HDR + 100);
	peer_send(f, 100, 3);
	assert_int_equal(virtio_dev_handle_backend(td->dev), 1);
	assert_int_equal(guest_rx_q(f, 0, got, &nb), 100);
	/* The driver may set the pairs again. */
	assert_int_equal(vq_pairs_set(f, 2), VIRTIO_NET_OK);
	peer_send_on(f, f->sp1[1], 100, 4);
	assert_int_equal(virtio_dev_handle_backend(td->dev), 1);
	assert_int_equal(guest_rx_q(f, 1, got, &nb), 100);
}

/* ---- real tap ---- */

static int wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	/* Only a guard against hanging forever; not a timing assertion. */
	return poll(&p, 1, 5000);
}

static void test_real_tap(void **state)
{
	struct net_fixture *f = calloc(1, sizeof(*f));
	struct virtio_net_backend *be;
	struct virtio_dev *dev;
	struct testdrv *td = &f->td;
	char name[IFNAMSIZ];
	struct ifreq ifr;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	uint8_t frame[64], buf[2048];
	int ps, err, tries;
	uint16_t nb;

	f->sp[0] = f->sp[1] = -1;
	*state = f;
	err = virtio_net_tap_open(&be, "svtest%d", name, sizeof(name));
	if (err) {
		print_message("skipping real tap test: cannot create tap (%s)\n", strerror(-err));
		skip();
	}
	f->vnet_hdr = be->vnet_hdr;
	assert_int_equal(td_init(td), 0);
	assert_int_equal(virtio_net_create(&dev, &td->gm, be, NULL), 0);
	assert_int_equal(td_attach(td, dev), 0);
	assert_int_equal(td_start(td, ~0ull, 64), 0);
	if (be->offloads) {
		assert_true(td->features & (1ull << VIRTIO_NET_F_CSUM));
		assert_true(td->features & (1ull << VIRTIO_NET_F_GUEST_TSO4));
	}
	ps = socket(AF_PACKET, SOCK_RAW, htons(ETHERTYPE_TEST));
	if (ps < 0) {
		print_message("skipping real tap traffic: no AF_PACKET (%s)\n", strerror(errno));
		skip();
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	assert_int_equal(ioctl(ps, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	assert_int_equal(ioctl(ps, SIOCSIFFLAGS, &ifr), 0);
	sll.sll_protocol = htons(ETHERTYPE_TEST);
	sll.sll_ifindex = (int)if_nametoindex(name);
	assert_int_equal(bind(ps, (struct sockaddr *)&sll, sizeof(sll)), 0);

	/* Guest to network: a frame the guest sends shows up on the tap interface. */
	{
		uint64_t h = gram_alloc(&td->ram, HDR, 8), d = gram_alloc(&td->ram, 64, 8);
		struct gbuf b[] = { { h, HDR, false }, { d, 64, false } };
		uint8_t *p = gram_ptr(&td->ram, d);

		memset(p, 0xff, 6); /* broadcast */
		memcpy(p + 6, ((uint8_t[]){ 0x02, 0, 0, 0, 0, 1 }), 6);
		p[12] = ETHERTYPE_TEST >> 8;
		p[13] = ETHERTYPE_TEST & 0xff;
		fill_frame(p + 14, 50, 42);
		gvring_add(&td->vr[TXQ], b, 2);
		gvring_publish(&td->vr[TXQ]);
		td_kick(td, TXQ);
		td_run_host(td);
		assert_int_equal(wait_readable(ps), 1);
		assert_int_equal(recv(ps, buf, sizeof(buf), 0), 64);
		assert_memory_equal(buf + 14, p + 14, 50);
	}

	/* Network to guest: a frame sent out of the tap interface reaches the guest. */
	post_rx(f, 8, 2048, true);
	memset(frame, 0xff, 6);
	memcpy(frame + 6, ((uint8_t[]){ 0x02, 0, 0, 0, 0, 2 }), 6);
	frame[12] = ETHERTYPE_TEST >> 8;
	frame[13] = ETHERTYPE_TEST & 0xff;
	fill_frame(frame + 14, 50, 77);
	sll.sll_halen = 6;
	memset(sll.sll_addr, 0xff, 6);
	assert_int_equal(sendto(ps, frame, sizeof(frame), 0, (struct sockaddr *)&sll, sizeof(sll)),
			 (ssize_t)sizeof(frame));
	for (tries = 0; tries < 16; tries++) {
		int n;

		assert_int_equal(wait_readable(virtio_dev_backend_fd(td->dev)), 1);
		virtio_dev_handle_backend(td->dev);
		/* Skip unrelated frames (e.g. IPv6 neighbour discovery). */
		while ((n = guest_rx(f, buf, &nb)) >= 0) {
			if (n >= 64 && !memcmp(buf + 12, frame + 12, 52))
				goto got_it;
			post_rx(f, nb, 2048, true);
		}
	}
	fail_msg("frame sent into the tap never reached the guest");
got_it:
	close(ps);
}

/* The tap's attached queues, as the interface's tx queues in sysfs; -1 without sysfs. */
static int tap_queues(const char *name)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", name);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += !strncmp(e->d_name, "tx-", 3);
	closedir(d);
	return n;
}

static void test_real_tap_mq(void **state)
{
	struct net_fixture *f = calloc(1, sizeof(*f));
	struct virtio_net_backend *be, *single;
	struct virtio_net_params p = { .queue_pairs = MQ_PAIRS };
	struct virtio_dev *dev;
	struct testdrv *td = &f->td;
	char name[IFNAMSIZ], name2[IFNAMSIZ];
	int err, nq = 0;
	bool mq = true;

	f->sp[0] = f->sp[1] = f->sp1[0] = f->sp1[1] = -1;
	*state = f;
	err = virtio_net_tap_open_mq(&be, "svtest%d", MQ_PAIRS, name, sizeof(name));
	if (err) {
		print_message("skipping multi-queue tap test: cannot create tap (%s)\n",
			      strerror(-err));
		skip();
	}
	if (be->nqueues < MQ_PAIRS) {
		print_message("skipping multi-queue tap test: no IFF_MULTI_QUEUE\n");
		virtio_net_backend_close(be);
		skip();
	}
	assert_true(be->multi_queue);
	assert_int_equal(td_init(td), 0);
	assert_int_equal(virtio_net_create(&dev, &td->gm, be, &p), 0);
	assert_int_equal(td_attach(td, dev), 0);
	if (tap_queues(name) < 0) {
		print_message("skipping multi-queue tap test: no /sys/class/net\n");
		skip();
	}
	/* Queue 1 is detached from the start: no frame is steered where nobody reads. */
	assert_int_equal(tap_queues(name), 1);
	assert_int_equal(td_start(td, ~0ull, 64), 0);
	assert_true(td->features & (1ull << VIRTIO_NET_F_MQ));
	assert_int_equal(tap_queues(name), 1);
	assert_int_equal(vq_pairs_set(f, 2), VIRTIO_NET_OK);
	assert_int_equal(tap_queues(name), 2);
	assert_int_equal(vq_pairs_set(f, 2), VIRTIO_NET_OK);
	assert_int_equal(vq_pairs_set(f, 3), VIRTIO_NET_ERR);
	assert_int_equal(tap_queues(name), 2);
	assert_int_equal(vq_pairs_set(f, 1), VIRTIO_NET_OK);
	assert_int_equal(tap_queues(name), 1);
	assert_int_equal(vq_pairs_set(f, 2), VIRTIO_NET_OK);
	assert_int_equal(tap_queues(name), 2);
	td_reset(td);
	assert_int_equal(tap_queues(name), 1);

	/* An existing single-queue tap of that name: one queue, no error. */
	assert_int_equal(virtio_net_tap_open(&single, "svtest%d", name2, sizeof(name2)), 0);
	assert_int_equal(ioctl(single->fd, TUNSETPERSIST, 1), 0);
	virtio_net_backend_close(single);
	err = virtio_net_tap_open_mq(&single, name2, MQ_PAIRS, NULL, 0);
	if (!err) {
		nq = single->nqueues;
		mq = single->multi_queue;
		virtio_net_backend_close(single);
	}
	/* The persistent tap stays until told otherwise, whatever the outcome. */
	assert_int_equal(virtio_net_tap_open(&single, name2, NULL, 0), 0);
	assert_int_equal(ioctl(single->fd, TUNSETPERSIST, 0), 0);
	virtio_net_backend_close(single);
	assert_int_equal(err, 0);
	assert_int_equal(nq, 1);
	assert_false(mq);
}

static int teardown_tap(void **state)
{
	struct net_fixture *f = *state;

	if (f->td.dev)
		td_destroy(&f->td);
	free(f);
	return 0;
}

#define T(fn) SV_TEST(fn)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_config_and_features),
		T(test_tx),
		T(test_rx_mergeable),
		T(test_rx_without_buffers_keeps_frames),
		T(test_rx_short_of_buffers_mid_frame),
		cmocka_unit_test_setup_teardown(test_rx_without_mrg_rxbuf, setup_nostart, teardown),
		cmocka_unit_test_setup_teardown(test_bare_frames, setup_bare, teardown),
		T(test_link_status),
		cmocka_unit_test_setup_teardown(test_feature_dependencies, setup_nostart, teardown),
		T(test_hostile_rx_ring),
		cmocka_unit_test_setup_teardown(test_rx_frame_larger_than_ring, setup_big,
						teardown),
		cmocka_unit_test_setup_teardown(test_rx_hostile_refill_overflow, setup_big,
						teardown),
		cmocka_unit_test_teardown(test_real_tap, teardown_tap),
		cmocka_unit_test_setup_teardown(test_one_pair_no_mq, setup_nostart, teardown),
		cmocka_unit_test_setup_teardown(test_mq_features_and_config, setup_mq, teardown),
		cmocka_unit_test_setup_teardown(test_mq_invalid, setup_mq_nostart, teardown),
		cmocka_unit_test_setup_teardown(test_mq_pairs_set, setup_mq, teardown),
		cmocka_unit_test_setup_teardown(test_mq_ctrl_malformed, setup_mq, teardown),
		cmocka_unit_test_setup_teardown(test_ctrl_without_mq, setup_mq_nostart, teardown),
		cmocka_unit_test_setup_teardown(test_mq_tx, setup_mq, teardown),
		cmocka_unit_test_setup_teardown(test_mq_rx, setup_mq, teardown),
		cmocka_unit_test_setup_teardown(test_mq_rx_blocked_pair, setup_mq, teardown),
		cmocka_unit_test_setup_teardown(test_mq_back_to_one_pair, setup_mq, teardown),
		cmocka_unit_test_setup_teardown(test_mq_restore, setup_mq, teardown),
		cmocka_unit_test_teardown(test_real_tap_mq, teardown_tap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
