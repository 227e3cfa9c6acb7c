// SPDX-License-Identifier: GPL-2.0
/* Guest-physical to host-virtual translation with full range checks. */
#include <errno.h>
#include <string.h>

#include <splitvirt/gmem.h>

void gmem_init(struct gmem *gm)
{
	memset(gm, 0, sizeof(*gm));
}

/* True if [a, a + alen) and [b, b + blen) intersect; sizes are non-zero and do not wrap. */
static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a <= b + (blen - 1) && b <= a + (alen - 1);
}

int gmem_add_region(struct gmem *gm, uint64_t gpa, uint64_t size, void *hva)
{
	unsigned int i;

	if (!size || !hva || gpa + (size - 1) < gpa)
		return -EINVAL;
	for (i = 0; i < gm->nr_regions; i++) {
		const struct gmem_region *r = &gm->regions[i];

		if (ranges_overlap(gpa, size, r->gpa, r->size))
			return -EINVAL;
	}
	if (gm->nr_regions == GMEM_MAX_REGIONS)
		return -ENOSPC;
	gm->regions[gm->nr_regions++] =
		(struct gmem_region){ .gpa = gpa, .size = size, .hva = hva };
	return 0;
}

int gmem_remove_region(struct gmem *gm, uint64_t gpa)
{
	unsigned int i;

	for (i = 0; i < gm->nr_regions; i++) {
		if (gm->regions[i].gpa != gpa)
			continue;
		gm->regions[i] = gm->regions[--gm->nr_regions];
		return 0;
	}
	return -ENOENT;
}

void *gmem_translate(const struct gmem *gm, uint64_t gpa, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < gm->nr_regions; i++) {
		const struct gmem_region *r = &gm->regions[i];
		uint64_t off;

		if (gpa < r->gpa)
			continue;
		off = gpa - r->gpa;
		if (off >= r->size)
			continue;
		/* off < size, so size - off cannot underflow; no gpa + len sum is formed. */
		if (len > r->size - off)
			return NULL;
		return (uint8_t *)r->hva + off;
	}
	return NULL;
}

void *gmem_translate_aligned(const struct gmem *gm, uint64_t gpa, uint64_t len, size_t align)
{
	void *p = gmem_translate(gm, gpa, len);

	if (p && ((uintptr_t)p & (align - 1)))
		return NULL;
	return p;
}
