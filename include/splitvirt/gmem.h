/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest memory map: which guest-physical ranges are backed by which host
 * memory. Every guest address the virtio library dereferences goes through
 * gmem_translate(), which only hands out a host pointer when the whole
 * [gpa, gpa + len) range lies inside a single region. A guest can therefore
 * never make the host touch memory it was not granted.
 */
#ifndef SPLITVIRT_GMEM_H
#define SPLITVIRT_GMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GMEM_MAX_REGIONS 16

struct gmem_region {
	uint64_t gpa;
	uint64_t size;
	void *hva;
};

struct gmem {
	unsigned int nr_regions;
	struct gmem_region regions[GMEM_MAX_REGIONS];
};

void gmem_init(struct gmem *gm);

/*
 * Adds [gpa, gpa + size) backed by hva. Returns -EINVAL for an empty,
 * wrapping or overlapping region, -ENOSPC when the map is full.
 */
int gmem_add_region(struct gmem *gm, uint64_t gpa, uint64_t size, void *hva);

/* Removes the region starting at gpa; -ENOENT if there is none. */
int gmem_remove_region(struct gmem *gm, uint64_t gpa);

/*
 * Host pointer for [gpa, gpa + len), or NULL unless the whole range is
 * inside one region. len == 0 is accepted if gpa itself is mapped.
 * Overflow-safe for any 64-bit gpa and len.
 */
void *gmem_translate(const struct gmem *gm, uint64_t gpa, uint64_t len);

/* Like gmem_translate() but also requires hva to be align-aligned (power of 2). */
void *gmem_translate_aligned(const struct gmem *gm, uint64_t gpa, uint64_t len, size_t align);

#endif
