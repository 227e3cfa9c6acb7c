// SPDX-License-Identifier: GPL-2.0
/*
 * The vhost-user device model against the fake back-end (fake_backend.h),
 * where the test plays the back-end's part on the rings: the hand-over of
 * memory, rings, kick and call eventfds at DRIVER_OK; in-flight records
 * used when the back-end dies (requests it completed out of order stay
 * completed once, those it had fail with IOERR after the grace period, its
 * records are cleared for the next one); a reset taking the rings back;
 * a back-end that does not offer VERSION_1 or lacks the config refused.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>

#include <splitvirt/log.h>
#include <splitvirt/vhost_user_dev.h>
#include <splitvirt/virtio_blk.h>

#include "../../support/testdrv.h"
#include "fake_backend.h"

#define QSIZE 16
#define GRACE_MS 500

struct fixture {
	char dir[32], sock[64];
	int lfd;
	pthread_t acceptor;
	struct fake_be be;
	bool be_running;
	struct testdrv td;
};

static void *accept_one(void *arg)
{
	struct fixture *f = arg;
	int fd = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd >= 0)
		fake_be_start(&f->be, fd);
	return NULL;
}

/* A fresh fake back-end waits for the next connection. */
static void be_listen(struct fixture *f, uint64_t features, uint64_t protocol_features)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct virtio_blk_config *cfg;

	/* Listening only while a back-end is there, as a real one: else connect is refused. */
	unlink(f->sock);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->sock);
	f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->lfd >= 0);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->lfd, 4), 0);
	fake_be_fini(&f->be);
	memset(&f->be, 0, sizeof(f->be));
	f->be.features = features;
	f->be.protocol_features = protocol_features;
	f->be.queue_num = 1;
	cfg = (struct virtio_blk_config *)f->be.config;
	cfg->capacity = htole64(2048);
	cfg->num_queues = htole16(4);
	assert_int_equal(pthread_create(&f->acceptor, NULL, accept_one, f), 0);
	f->be_running = true;
}

/* The back-end dies: its end of the socket closes. */
static void be_die(struct fixture *f)
{
	pthread_join(f->acceptor, NULL);
	close(f->lfd);
	f->lfd = -1;
	shutdown(f->be.fd, SHUT_RDWR);
	fake_be_join(&f->be);
	close(f->be.fd);
	f->be_running = false;
}

#define BLK_FEATURES                                                               \
	((1ull << VIRTIO_F_VERSION_1) | (1ull << VHOST_USER_F_PROTOCOL_FEATURES) | \
	 (1ull << VIRTIO_BLK_F_FLUSH) | (1ull << VIRTIO_BLK_F_MQ) |                \
	 (1ull << VIRTIO_RING_F_INDIRECT_DESC))
#define BLK_PROTOCOL                                                                          \
	((1ull << VHOST_USER_PROTOCOL_F_REPLY_ACK) | (1ull << VHOST_USER_PROTOCOL_F_CONFIG) | \
	 (1ull << VHOST_USER_PROTOCOL_F_MQ) | (1ull << VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD))

static int create(struct fixture *f, struct virtio_dev **dev)
{
	struct vhost_user_dev_region r = {
		.gpa = TD_RAM_GPA,
		.size = TD_RAM_SIZE,
		.hva = f->td.ram.base,
		.fd = f->td.ram.fd,
	};
	struct vhost_user_dev_params p = {
		.name = "vu-test",
		.socket = f->sock,
		.device_id = VIRTIO_ID_BLOCK,
		.num_queues = 1,
		.queue_size = QSIZE,
		.config_size = VIRTIO_BLK_VHOST_USER_CONFIG_SIZE,
		.device_features = VIRTIO_BLK_VHOST_USER_FEATURES,
		.gm = &f->td.gm,
		.regions = &r,
		.nr_regions = 1,
		.fail_chain = virtio_blk_fail_request,
		.config_fixup = virtio_blk_config_fit_queues,
		.grace_ms = GRACE_MS,
		.timeout_ms = 100,
	};

	return vhost_user_dev_create(dev, &p);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/svvud-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->sock, sizeof(f->sock), "%s/be.sock", f->dir);
	f->lfd = -1;
	assert_int_equal(td_init(&f->td), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	td_destroy(&f->td);
	if (f->be_running)
		be_die(f);
	fake_be_fini(&f->be);
	unlink(f->sock);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* The device hosted and started by the test driver, served by a fake back-end. */
static void start(struct fixture *f)
{
	struct virtio_dev *dev;
	uint64_t mark = TD_RAM_GPA;
	uint64_t first = gram_alloc(&f->td.ram, 8, 8);

	/* The fake back-end checks the region it maps holds its address at both ends. */
	memcpy(gram_ptr(&f->td.ram, first), &mark, 8);
	memcpy(f->td.ram.base + TD_RAM_SIZE - 8, &mark, 8);
	be_listen(f, BLK_FEATURES, BLK_PROTOCOL);
	assert_int_equal(create(f, &dev), 0);
	assert_int_equal(td_attach(&f->td, dev), 0);
	vhost_user_dev_attach(f->td.dev, f->td.vh);
	assert_int_equal(td_start(&f->td, ~0ull, QSIZE), 0);
	assert_true(td_status(&f->td) & VIRTIO_CONFIG_S_DRIVER_OK);
}

static void host_run(struct fixture *f, int ms)
{
	for (int t = 0; t < ms; t++) {
		assert_true(sv_loop_run_once(f->td.host_loop, 0) >= 0);
		usleep(1000);
	}
}

/* A write request made available (the fake back-end never serves rings). */
static uint16_t post(struct fixture *f, uint64_t *status)
{
	struct testdrv *td = &f->td;
	uint64_t h = gram_alloc(&td->ram, 16, 16), d = gram_alloc(&td->ram, 512, 512);
	struct virtio_blk_outhdr *hdr = gram_ptr(&td->ram, h);
	struct gbuf bufs[3];
	int head;

	*status = gram_alloc(&td->ram, 1, 1);
	bufs[0] = (struct gbuf){ h, 16, false };
	bufs[1] = (struct gbuf){ d, 512, false };
	bufs[2] = (struct gbuf){ *status, 1, true };
	hdr->type = VIRTIO_BLK_T_OUT;
	*(uint8_t *)gram_ptr(&td->ram, *status) = 0xee;
	head = gvring_add(&td->vr[0], bufs, 3);
	assert_true(head >= 0);
	gvring_publish(&td->vr[0]);
	td_kick(td, 0);
	return (uint16_t)head;
}

/* What the back-end does when it takes head: its record says so (libvhost-user's layout). */
static void record_taken(struct fixture *f, uint16_t head, uint64_t counter)
{
	uint8_t *d = f->be.inflight + 16 + 16ull * head;

	d[0] = 1;
	memcpy(d + 8, &counter, 8);
}

/* What the back-end does when it completes head: used entry, then index, then record. */
static void backend_complete(struct fixture *f, uint16_t head)
{
	struct vring_used *u = gram_ptr(&f->td.ram, f->td.vr[0].used_gpa);
	uint16_t idx = u->idx;

	u->ring[idx % QSIZE].id = head;
	u->ring[idx % QSIZE].len = 1;
	__atomic_store_n(&u->idx, (uint16_t)(idx + 1), __ATOMIC_RELEASE);
	f->be.inflight[16 + 16ull * head] = 0;
	memcpy(f->be.inflight + 14, &(uint16_t){ (uint16_t)(idx + 1) }, 2);
}

static void test_hand_over(void **state)
{
	struct fixture *f = *state;

	start(f);
	host_run(f, 10);
	assert_int_equal(f->be.errors, 0);
	/* DRIVER_OK handed the back-end memory, ring, kick and call. */
	assert_int_equal(f->be.regions_checked, 1);
	assert_int_equal(f->be.vring_num[0], QSIZE);
	assert_int_equal(f->be.vring_base[0], 0);
	assert_int_equal(f->be.vring_desc[0],
			 (uintptr_t)gram_ptr(&f->td.ram, f->td.vr[0].desc_gpa));
	assert_int_equal(f->be.kick_fds[0], 1);
	assert_int_equal(f->be.call_fds[0], 1);
	assert_int_equal(f->be.enabled[0], 1);
	assert_int_equal(f->be.inflight_gets, 1);
	assert_int_equal(f->be.inflight_sets, 1);
	/* Transport features the front-end does not pass on are not acked. */
	assert_int_equal(f->be.acked_features & ~BLK_FEATURES, 0);
	/* The config says as many queues as the function has, not the back-end's 4. */
	assert_int_equal(
		td_read(&f->td, &f->td.device, offsetof(struct virtio_blk_config, num_queues), 2),
		1);
	assert_true(vhost_user_dev_connected(f->td.dev));
	/* A busy-polling host leaves the back-end's rings and notification flags alone. */
	post(f, &(uint64_t){ 0 });
	assert_false(virtio_dev_set_polled(f->td.dev, true));
	assert_int_equal(virtio_dev_poll_queues(f->td.dev), 0);
	assert_int_equal(((struct vring_used *)gram_ptr(&f->td.ram, f->td.vr[0].used_gpa))->flags,
			 0);
	/* A reset takes the rings back (GET_VRING_BASE stops them in the back-end). */
	td_reset(&f->td);
	host_run(f, 5);
	assert_int_equal(f->be.errors, 0);
}

/*
 * The back-end completed a later request out of order and had two others
 * when it died: after the grace period those two fail with IOERR, the
 * completed one is not completed again, and the records the next back-end
 * gets say nothing is in flight.
 */
static void test_death_uses_records(void **state)
{
	struct fixture *f = *state;
	uint64_t s[3];
	uint16_t h[3], head;
	uint32_t len;
	int seen[QSIZE] = { 0 }, n = 0;

	start(f);
	for (int i = 0; i < 3; i++)
		h[i] = post(f, &s[i]);
	host_run(f, 5);
	assert_non_null(f->be.inflight);
	for (int i = 0; i < 3; i++)
		record_taken(f, h[i], (uint64_t)i);
	*(uint8_t *)gram_ptr(&f->td.ram, s[1]) = VIRTIO_BLK_S_OK;
	backend_complete(f, h[1]);
	be_die(f);
	host_run(f, 5);
	assert_false(vhost_user_dev_connected(f->td.dev));
	/* Within the grace period nothing is failed. */
	assert_int_equal(*(uint8_t *)gram_ptr(&f->td.ram, s[0]), 0xee);
	host_run(f, GRACE_MS + 300);
	assert_int_equal(*(uint8_t *)gram_ptr(&f->td.ram, s[0]), VIRTIO_BLK_S_IOERR);
	assert_int_equal(*(uint8_t *)gram_ptr(&f->td.ram, s[1]), VIRTIO_BLK_S_OK);
	assert_int_equal(*(uint8_t *)gram_ptr(&f->td.ram, s[2]), VIRTIO_BLK_S_IOERR);
	while (gvring_get_used(&f->td.vr[0], &head, &len)) {
		assert_true(head < QSIZE);
		seen[head]++;
		n++;
	}
	assert_int_equal(n, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(seen[h[i]], 1);
	/* Requests now fail at once... */
	h[0] = post(f, &s[0]);
	host_run(f, 5);
	assert_int_equal(*(uint8_t *)gram_ptr(&f->td.ram, s[0]), VIRTIO_BLK_S_IOERR);
	assert_true(gvring_get_used(&f->td.vr[0], &head, &len));
	/* ...until a back-end is back: it gets the cleared records and the ring where it is. */
	be_listen(f, BLK_FEATURES, BLK_PROTOCOL);
	host_run(f, 3 * VHOST_USER_DEV_RETRY_MS);
	assert_true(vhost_user_dev_connected(f->td.dev));
	assert_int_equal(f->be.errors, 0);
	assert_int_equal(f->be.inflight_sets, 1);
	assert_int_equal(f->be.vring_base[0], 4);
	for (uint16_t i = 0; i < QSIZE; i++)
		assert_int_equal(f->be.inflight[16 + 16 * i], 0);
	assert_int_equal(*(uint16_t *)(f->be.inflight + 14), 4);
}

/* Back within the grace period: nothing fails; the new back-end gets the records to redo. */
static void test_back_within_grace(void **state)
{
	struct fixture *f = *state;
	uint64_t s;
	uint16_t h;

	start(f);
	h = post(f, &s);
	host_run(f, 5);
	record_taken(f, h, 0);
	be_die(f);
	be_listen(f, BLK_FEATURES, BLK_PROTOCOL);
	host_run(f, 2 * VHOST_USER_DEV_RETRY_MS);
	assert_true(vhost_user_dev_connected(f->td.dev));
	assert_int_equal(*(uint8_t *)gram_ptr(&f->td.ram, s), 0xee);
	assert_int_equal(f->be.inflight_sets, 1);
	assert_int_equal(f->be.inflight[16 + 16 * h], 1);
	assert_int_equal(f->be.vring_base[0], 0);
	host_run(f, GRACE_MS);
	assert_int_equal(*(uint8_t *)gram_ptr(&f->td.ram, s), 0xee);
}

/*
 * A back-end that accepts and never answers (hung, or stopped): each try
 * costs a call timeout on the device's thread, so the tries back off; the
 * grace period still ends on time and requests fail.
 */
static void test_hung_backend_backs_off(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timespec t0, t;
	uint64_t s;
	int lfd, tries = 0, fd;

	start(f);
	be_die(f);
	unlink(f->sock);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->sock);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 64), 0);
	post(f, &s);
	/* 2.6 s of wall time, however slow each loop pass is (sanitizers, a loaded machine). */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		host_run(f, 1);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < 2600);
	while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		close(fd);
		tries++;
	}
	close(lfd);
	/* Tries at about 0.2, 0.7, 1.6 s (each 0.1 s of timeout, then 0.4, 0.8, 1.6 s apart). */
	assert_true(tries >= 2 && tries <= 4);
	assert_int_equal(*(uint8_t *)gram_ptr(&f->td.ram, s), VIRTIO_BLK_S_IOERR);
}

/* Back-ends the model cannot use: no device. */
static void test_unusable_backends(void **state)
{
	struct fixture *f = *state;
	struct virtio_dev *dev;

	be_listen(f, BLK_FEATURES & ~(1ull << VIRTIO_F_VERSION_1), BLK_PROTOCOL);
	assert_int_equal(create(f, &dev), -EPROTO);
	be_die(f);
	be_listen(f, BLK_FEATURES, BLK_PROTOCOL & ~(1ull << VHOST_USER_PROTOCOL_F_CONFIG));
	assert_int_equal(create(f, &dev), -EPROTO);
	be_die(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hand_over, setup, teardown),
		cmocka_unit_test_setup_teardown(test_death_uses_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_back_within_grace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hung_backend_backs_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unusable_backends, setup, teardown),
	};

	sv_log_set_level(getenv("SV_TEST_LOG") ? SV_LOG_DEBUG : SV_LOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
