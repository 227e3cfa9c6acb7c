// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "guest.h"

/* A memfd, as a vmm's guest RAM: a vhost-user back-end under test can map it too. */
int gram_init(struct gram *g, struct gmem *gm, uint64_t gpa, uint64_t size)
{
	void *p;

	g->fd = memfd_create("gram", MFD_CLOEXEC);
	if (g->fd < 0)
		return -errno;
	p = ftruncate(g->fd, (off_t)size) ?
		    MAP_FAILED :
		    mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, g->fd, 0);
	if (p == MAP_FAILED) {
		close(g->fd);
		return -ENOMEM;
	}
	g->base = p;
	g->mapped = true;
	g->gpa = gpa;
	g->size = size;
	g->next = 0;
	return gmem_add_region(gm, gpa, size, g->base);
}

void gram_destroy(struct gram *g)
{
	if (g->mapped) {
		munmap(g->base, g->size);
		close(g->fd);
	}
	g->mapped = false;
	g->base = NULL;
}

uint64_t gram_alloc(struct gram *g, uint64_t size, uint64_t align)
{
	uint64_t off = (g->next + align - 1) & ~(align - 1);

	if (off + size > g->size)
		abort();
	g->next = off + size;
	memset(g->base + off, 0, size);
	return g->gpa + off;
}

void *gram_ptr(struct gram *g, uint64_t gpa)
{
	if (gpa < g->gpa || gpa - g->gpa >= g->size)
		abort();
	return g->base + (gpa - g->gpa);
}

void gvring_init(struct gvring *r, struct gram *g, uint16_t size)
{
	uint16_t i;

	memset(r, 0, sizeof(*r));
	r->g = g;
	r->size = size;
	r->desc_gpa = gram_alloc(g, 16u * size, 16);
	r->avail_gpa = gram_alloc(g, 6u + 2u * size, 2);
	r->used_gpa = gram_alloc(g, 6u + 8u * size, 4);
	r->desc = gram_ptr(g, r->desc_gpa);
	r->avail = gram_ptr(g, r->avail_gpa);
	r->used = gram_ptr(g, r->used_gpa);
	for (i = 0; i < size; i++)
		r->desc[i].next = (uint16_t)(i + 1);
	r->num_free = size;
	r->free_head = 0;
}

static void put_avail(struct gvring *r, uint16_t head)
{
	r->avail->ring[r->avail_idx & (r->size - 1)] = head;
	r->avail_idx++;
}

int gvring_add(struct gvring *r, const struct gbuf *bufs, int n)
{
	uint16_t head = r->free_head, i = head;
	int k;

	if (n <= 0 || n > r->num_free)
		return -ENOSPC;
	for (k = 0; k < n; k++) {
		struct vring_desc *d = &r->desc[i];

		d->addr = bufs[k].gpa;
		d->len = bufs[k].len;
		d->flags = (bufs[k].write ? VRING_DESC_F_WRITE : 0) |
			   (k + 1 < n ? VRING_DESC_F_NEXT : 0);
		if (k + 1 < n)
			i = d->next;
	}
	r->free_head = r->desc[i].next;
	r->num_free -= n;
	r->chain_len[head] = n;
	put_avail(r, head);
	return head;
}

int gvring_add_indirect(struct gvring *r, const struct gbuf *bufs, int n)
{
	uint64_t tgpa = gram_alloc(r->g, 16u * n, 16);
	struct vring_desc *t = gram_ptr(r->g, tgpa);
	uint16_t head = r->free_head;
	int k;

	if (!r->num_free)
		return -ENOSPC;
	for (k = 0; k < n; k++) {
		t[k].addr = bufs[k].gpa;
		t[k].len = bufs[k].len;
		t[k].flags = (bufs[k].write ? VRING_DESC_F_WRITE : 0) |
			     (k + 1 < n ? VRING_DESC_F_NEXT : 0);
		t[k].next = (uint16_t)(k + 1);
	}
	r->desc[head].addr = tgpa;
	r->desc[head].len = 16u * n;
	r->desc[head].flags = VRING_DESC_F_INDIRECT;
	r->free_head = r->desc[head].next;
	r->num_free--;
	r->chain_len[head] = 1;
	put_avail(r, head);
	return head;
}

void gvring_publish(struct gvring *r)
{
	__atomic_store_n(&r->avail->idx, r->avail_idx, __ATOMIC_RELEASE);
}

void gvring_republish_head(struct gvring *r, uint16_t head)
{
	put_avail(r, head);
	gvring_publish(r);
}

bool gvring_get_used(struct gvring *r, uint16_t *head, uint32_t *len)
{
	uint16_t idx = __atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE);
	struct vring_used_elem *e;
	uint16_t h, last;
	int k;

	if (idx == r->last_used)
		return false;
	e = &r->used->ring[r->last_used & (r->size - 1)];
	h = (uint16_t)e->id;
	*head = h;
	*len = e->len;
	r->last_used++;
	/* Like Linux with EVENT_IDX: interrupt me for the next used entry. */
	gvring_set_used_event(r, r->last_used);
	/* Return the chain's descriptors to the free list. */
	last = h;
	for (k = 1; k < r->chain_len[h]; k++)
		last = r->desc[last].next;
	r->desc[last].next = r->free_head;
	r->free_head = h;
	r->num_free += r->chain_len[h];
	return true;
}

void gvring_set_used_event(struct gvring *r, uint16_t v)
{
	uint16_t *ue = (uint16_t *)&r->avail->ring[r->size];

	__atomic_store_n(ue, v, __ATOMIC_SEQ_CST);
}

void gvring_set_no_interrupt(struct gvring *r, bool on)
{
	__atomic_store_n(&r->avail->flags, on ? VRING_AVAIL_F_NO_INTERRUPT : 0, __ATOMIC_SEQ_CST);
}

uint16_t gvring_avail_event(struct gvring *r)
{
	return __atomic_load_n((uint16_t *)&r->used->ring[r->size], __ATOMIC_SEQ_CST);
}

uint16_t gvring_used_flags(struct gvring *r)
{
	return __atomic_load_n(&r->used->flags, __ATOMIC_SEQ_CST);
}
