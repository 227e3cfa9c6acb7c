// SPDX-License-Identifier: GPL-2.0
/* virtio-net through virtio-pci: socketpair stand-in for the tap, and a real tap if allowed. */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <net/if.h>
#include <linux/if_packet.h>
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

#include "../../support/testdrv.h"

#define RXQ 0
#define TXQ 1
#define HDR VIRTIO_NET_HDR_SIZE
#define ETHERTYPE_TEST 0x88b5 /* IEEE local experimental */

struct net_fixture {
	struct testdrv td;
	int sp[2]; /* sp[0] is the device's "tap", sp[1] the network */
	bool vnet_hdr;
	uint64_t rx_gpa[VIRTQ_MAX_SIZE];
	int nrx;
};

static void create_q(struct net_fixture *f, bool vnet_hdr, uint16_t queue_size)
{
	struct virtio_net_backend *be;
	struct virtio_net_params p = { .mac = { 0x52, 0x54, 0, 0xab, 0xcd, 0xef },
				       .queue_size = queue_size };
	struct virtio_dev *dev;

	f->vnet_hdr = vnet_hdr;
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
	free(f);
	return 0;
}

static void fill_frame(uint8_t *p, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static void guest_tx(struct testdrv *td, size_t len, uint8_t seed)
{
	uint64_t h = gram_alloc(&td->ram, HDR, 8), d = gram_alloc(&td->ram, len, 8);
	struct gbuf b[] = { { h, HDR, false }, { d, (uint32_t)len, false } };

	fill_frame(gram_ptr(&td->ram, d), len, seed);
	gvring_add(&td->vr[TXQ], b, 2);
	gvring_publish(&td->vr[TXQ]);
	td_kick(td, TXQ);
	td_run_host(td);
}

static void post_rx(struct net_fixture *f, int n, uint32_t size, bool kick)
{
	struct testdrv *td = &f->td;
	int i;

	for (i = 0; i < n; i++) {
		uint64_t g = gram_alloc(&td->ram, size, 8);
		struct gbuf b = { g, size, true };
		int head = gvring_add(&td->vr[RXQ], &b, 1);

		assert_true(head >= 0);
		f->rx_gpa[head] = g;
	}
	gvring_publish(&td->vr[RXQ]);
	if (kick) {
		td_kick(td, RXQ);
		td_run_host(td);
	}
}

static void peer_send(struct net_fixture *f, size_t len, uint8_t seed)
{
	uint8_t buf[HDR + 9000];
	size_t off = f->vnet_hdr ? HDR : 0;

	memset(buf, 0, HDR);
	fill_frame(buf + off, len, seed);
	assert_int_equal(send(f->sp[1], buf, off + len, 0), (ssize_t)(off + len));
}

/* Collects one received frame; returns its length (without header) or -1. */
static int guest_rx(struct net_fixture *f, uint8_t *out, uint16_t *num_buffers)
{
	struct testdrv *td = &f->td;
	uint16_t head, nb, i;
	uint32_t len;
	size_t total = 0;
	struct virtio_net_hdr_v1 *h;

	if (!gvring_get_used(&td->vr[RXQ], &head, &len))
		return -1;
	h = gram_ptr(&td->ram, f->rx_gpa[head]);
	nb = h->num_buffers;
	*num_buffers = nb;
	assert_true(len >= HDR);
	memcpy(out, (uint8_t *)h + HDR, len - HDR);
	total = len - HDR;
	for (i = 1; i < nb; i++) {
		assert_true(gvring_get_used(&td->vr[RXQ], &head, &len));
		memcpy(out + total, gram_ptr(&td->ram, f->rx_gpa[head]), len);
		total += len;
	}
	return (int)total;
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
