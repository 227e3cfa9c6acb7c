/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arm64 Linux "Image" header (Documentation/arch/arm64/booting.rst).
 * Debian's arm64 vmlinuz is already a raw Image; everything else is
 * rejected with a reason the user can act on.
 */
#ifndef SPLITVIRT_ARM64_IMAGE_H
#define SPLITVIRT_ARM64_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#define ARM64_IMAGE_MAGIC 0x644d5241u /* "ARM\x64" */
#define ARM64_IMAGE_HEADER_SIZE 64

struct arm64_image_info {
	uint64_t text_offset; /* load offset from a 2 MiB aligned base */
	uint64_t image_size; /* bytes the kernel needs there, including bss */
	uint64_t flags;
};

enum arm64_image_error {
	ARM64_IMAGE_OK = 0,
	ARM64_IMAGE_TOO_SMALL,
	ARM64_IMAGE_GZIP,
	ARM64_IMAGE_ZSTD,
	ARM64_IMAGE_ELF,
	ARM64_IMAGE_BAD_MAGIC,
	ARM64_IMAGE_BIG_ENDIAN,
	ARM64_IMAGE_BAD_SIZE,
};

/*
 * Parses the header of an image of file_size bytes whose first bytes are
 * in buf (len >= min(file_size, 64)). Returns ARM64_IMAGE_OK or the
 * reason the image cannot be booted.
 */
enum arm64_image_error arm64_image_parse(const void *buf, size_t len, uint64_t file_size,
					 struct arm64_image_info *info);

/* A sentence explaining the error and what to do about it. */
const char *arm64_image_strerror(enum arm64_image_error err);

#endif
