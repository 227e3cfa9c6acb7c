// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include <splitvirt/arm64_image.h>
#include <splitvirt/le_bytes.h>

enum arm64_image_error arm64_image_parse(const void *buf, size_t len, uint64_t file_size,
					 struct arm64_image_info *info)
{
	const uint8_t *p = buf;

	if (len < 4 || file_size < 4)
		return ARM64_IMAGE_TOO_SMALL;
	/* Recognise the formats people hand us by mistake, to say what to do. */
	if (p[0] == 0x1f && p[1] == 0x8b)
		return ARM64_IMAGE_GZIP;
	if (get_le32(p) == 0xfd2fb528u)
		return ARM64_IMAGE_ZSTD;
	if (memcmp(p, "\177ELF", 4) == 0)
		return ARM64_IMAGE_ELF;
	if (len < ARM64_IMAGE_HEADER_SIZE || file_size < ARM64_IMAGE_HEADER_SIZE)
		return ARM64_IMAGE_TOO_SMALL;
	if (get_le32(p + 56) != ARM64_IMAGE_MAGIC)
		return ARM64_IMAGE_BAD_MAGIC;

	info->text_offset = get_le64(p + 8);
	info->image_size = get_le64(p + 16);
	info->flags = get_le64(p + 24);
	/* Kernels before 3.17 leave image_size 0 and expect a 0x80000 offset. */
	if (info->image_size == 0) {
		info->text_offset = 0x80000;
		info->image_size = file_size;
	}
	if (info->flags & 1)
		return ARM64_IMAGE_BIG_ENDIAN;
	if (info->image_size < file_size || info->text_offset >= (2u << 20) ||
	    info->image_size > (1ull << 32))
		return ARM64_IMAGE_BAD_SIZE;
	return ARM64_IMAGE_OK;
}

const char *arm64_image_strerror(enum arm64_image_error err)
{
	switch (err) {
	case ARM64_IMAGE_OK:
		return "valid arm64 Image";
	case ARM64_IMAGE_TOO_SMALL:
		return "file is too small to be an arm64 Image (truncated download?)";
	case ARM64_IMAGE_GZIP:
		return "file is gzip-compressed; decompress it first (zcat FILE > Image)";
	case ARM64_IMAGE_ZSTD:
		return "file is zstd-compressed; decompress it first (zstd -d FILE -o Image)";
	case ARM64_IMAGE_ELF:
		return "file is an ELF (vmlinux?); pass the raw arm64 Image (arch/arm64/boot/Image or Debian's /boot/vmlinuz-*-arm64)";
	case ARM64_IMAGE_BAD_MAGIC:
		return "no arm64 Image magic \"ARM\\x64\" at offset 56; this is not an arm64 Linux kernel Image";
	case ARM64_IMAGE_BIG_ENDIAN:
		return "kernel is built big-endian; splitvirt boots little-endian arm64 kernels only";
	case ARM64_IMAGE_BAD_SIZE:
		return "Image header has an impossible text_offset or image_size (corrupt kernel?)";
	}
	return "unknown error";
}
