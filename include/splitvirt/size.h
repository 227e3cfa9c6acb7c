/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SPLITVIRT_SIZE_H
#define SPLITVIRT_SIZE_H

#include <stdbool.h>
#include <stdint.h>

/* Whether [addr, addr + size) lies inside [base, base + len), without overflow. */
static inline bool sv_range_inside(uint64_t addr, uint64_t size, uint64_t base, uint64_t len)
{
	return addr >= base && size <= len && addr - base <= len - size;
}

/*
 * Parses "256M", "1G", "4096", "2m" (binary units). Returns 0, -EINVAL for
 * malformed text and -ERANGE for values that overflow 64 bits.
 */
int sv_parse_size(const char *text, uint64_t *out);

/* Parses a decimal unsigned integer in [min, max]; -EINVAL / -ERANGE. */
int sv_parse_uint(const char *text, unsigned long min, unsigned long max, unsigned long *out);

#endif
