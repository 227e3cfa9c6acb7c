/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A well-behaved vhost-user back-end on a thread, for front-end tests: it
 * answers the requests a device set-up sends, checks each one against the
 * specification (NEED_REPLY exactly when REPLY_ACK is on, fds as announced,
 * memory regions that map and hold what the test wrote) and counts what
 * it found wrong instead of failing on the spot, so the test thread asserts.
 */
#ifndef TESTS_UNIT_VHOST_FAKE_BACKEND_H
#define TESTS_UNIT_VHOST_FAKE_BACKEND_H

#include <pthread.h>
#include <stdint.h>

#include <splitvirt/vhost_user.h>

#define FAKE_BE_RINGS 2

struct fake_be {
	int fd;
	pthread_t thread;
	/* What it offers. */
	uint64_t features;
	uint64_t protocol_features;
	uint64_t queue_num;
	/* What it was told. */
	uint64_t acked_features;
	uint64_t acked_protocol_features;
	int owner;
	unsigned int regions_checked;
	uint32_t vring_num[FAKE_BE_RINGS];
	uint32_t vring_base[FAKE_BE_RINGS];
	uint64_t vring_desc[FAKE_BE_RINGS];
	int kick_fds[FAKE_BE_RINGS]; /* fds received, signalled once, then closed */
	int call_fds[FAKE_BE_RINGS];
	int call_nofd[FAKE_BE_RINGS];
	int enabled[FAKE_BE_RINGS];
	uint8_t config[VHOST_USER_MAX_CONFIG];
	unsigned int requests;
	unsigned int acks;
	/* In-flight records (PROTOCOL_F_INFLIGHT_SHMFD): the buffer it made or was given. */
	uint8_t *inflight;
	uint64_t inflight_size;
	uint16_t inflight_queues, inflight_qsize;
	unsigned int inflight_gets, inflight_sets;
	/* What it found wrong; first_error says where. */
	unsigned int errors;
	char first_error[128];
};

/* Starts serving fd until the front-end closes its end. */
void fake_be_start(struct fake_be *be, int fd);
/* Waits for the thread to finish (after the front-end closed its end). */
void fake_be_join(struct fake_be *be);
/* Unmaps the in-flight buffer (after join). */
void fake_be_fini(struct fake_be *be);
/* Bytes of one queue's region in the in-flight buffer, as libvhost-user lays it out. */
uint64_t fake_be_inflight_stride(uint16_t qsize);

#endif
