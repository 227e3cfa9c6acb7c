/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test-only guest side: a "guest RAM" buffer with a bump allocator and the
 * driver half of a split virtqueue, as a Linux virtio driver would run it.
 */
#ifndef TESTS_VIRTIO_GUEST_H
#define TESTS_VIRTIO_GUEST_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/virtio_ring.h>

#include <splitvirt/gmem.h>

struct gram {
	uint8_t *base;
	int fd; /* the memfd behind base, if mapped */
	bool mapped; /* gram_init's own mapping (else base is someone else's) */
	uint64_t gpa;
	uint64_t size;
	uint64_t next;
};

int gram_init(struct gram *g, struct gmem *gm, uint64_t gpa, uint64_t size);
void gram_destroy(struct gram *g);
/* Returns a zeroed guest-physical allocation; aborts the test when out of RAM. */
uint64_t gram_alloc(struct gram *g, uint64_t size, uint64_t align);
void *gram_ptr(struct gram *g, uint64_t gpa);

#define GVRING_MAX 1024

struct gbuf {
	uint64_t gpa;
	uint32_t len;
	bool write;
};

struct gvring {
	struct gram *g;
	uint16_t size;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t free_head;
	uint16_t num_free;
	uint16_t avail_idx;
	uint16_t last_used;
	uint16_t chain_len[GVRING_MAX];
};

void gvring_init(struct gvring *r, struct gram *g, uint16_t size);
/* Adds a chain without publishing; returns the head or -ENOSPC. */
int gvring_add(struct gvring *r, const struct gbuf *bufs, int n);
/* Adds one descriptor pointing to an indirect table holding bufs. */
int gvring_add_indirect(struct gvring *r, const struct gbuf *bufs, int n);
/* Store-release of avail->idx. */
void gvring_publish(struct gvring *r);
/* A hostile driver: makes head available again (and publishes) though it is in flight. */
void gvring_republish_head(struct gvring *r, uint16_t head);
/* Pops one used element; returns false if none. Frees its descriptors. */
bool gvring_get_used(struct gvring *r, uint16_t *head, uint32_t *len);
/* Sets used_event (EVENT_IDX) and the NO_INTERRUPT flag. */
void gvring_set_used_event(struct gvring *r, uint16_t v);
void gvring_set_no_interrupt(struct gvring *r, bool on);
uint16_t gvring_avail_event(struct gvring *r);
uint16_t gvring_used_flags(struct gvring *r);

#endif
