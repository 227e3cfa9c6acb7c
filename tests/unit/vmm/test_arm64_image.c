// SPDX-License-Identifier: GPL-2.0
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <splitvirt/arm64_image.h>

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A header like Debian's kernels have: EFI "MZ" stub, text_offset 0. */
static void make_header(uint8_t *h, uint64_t text_offset, uint64_t image_size, uint64_t flags)
{
	memset(h, 0, ARM64_IMAGE_HEADER_SIZE);
	h[0] = 'M';
	h[1] = 'Z';
	put_le64(h + 8, text_offset);
	put_le64(h + 16, image_size);
	put_le64(h + 24, flags);
	memcpy(h + 56, "ARM\x64", 4);
}

static void test_good_image(void **state)
{
	uint8_t h[ARM64_IMAGE_HEADER_SIZE];
	struct arm64_image_info info;

	(void)state;
	make_header(h, 0, 40u << 20, 0xa);
	assert_int_equal(arm64_image_parse(h, sizeof(h), 32u << 20, &info), ARM64_IMAGE_OK);
	assert_int_equal(info.text_offset, 0);
	assert_int_equal(info.image_size, 40u << 20);
	assert_int_equal(info.flags, 0xa);
}

static void test_legacy_image_size_zero(void **state)
{
	uint8_t h[ARM64_IMAGE_HEADER_SIZE];
	struct arm64_image_info info;

	(void)state;
	make_header(h, 0, 0, 0);
	assert_int_equal(arm64_image_parse(h, sizeof(h), 1u << 20, &info), ARM64_IMAGE_OK);
	assert_int_equal(info.text_offset, 0x80000);
	assert_int_equal(info.image_size, 1u << 20);
}

static void test_corrupt_images(void **state)
{
	uint8_t h[ARM64_IMAGE_HEADER_SIZE];
	struct arm64_image_info info;

	(void)state;
	make_header(h, 0, 4u << 20, 0);
	h[57] = 'X';
	assert_int_equal(arm64_image_parse(h, sizeof(h), 4u << 20, &info), ARM64_IMAGE_BAD_MAGIC);

	make_header(h, 0, 4u << 20, 1);
	assert_int_equal(arm64_image_parse(h, sizeof(h), 4u << 20, &info), ARM64_IMAGE_BIG_ENDIAN);

	/* image_size smaller than the file: header lies. */
	make_header(h, 0, 1u << 20, 0);
	assert_int_equal(arm64_image_parse(h, sizeof(h), 4u << 20, &info), ARM64_IMAGE_BAD_SIZE);

	make_header(h, 3u << 20, 4u << 20, 0);
	assert_int_equal(arm64_image_parse(h, sizeof(h), 4u << 20, &info), ARM64_IMAGE_BAD_SIZE);

	make_header(h, 0, 1ull << 40, 0);
	assert_int_equal(arm64_image_parse(h, sizeof(h), 4u << 20, &info), ARM64_IMAGE_BAD_SIZE);

	assert_int_equal(arm64_image_parse(h, 10, 10, &info), ARM64_IMAGE_TOO_SMALL);
	assert_int_equal(arm64_image_parse(h, 0, 0, &info), ARM64_IMAGE_TOO_SMALL);
}

static void test_wrong_formats_named(void **state)
{
	uint8_t h[ARM64_IMAGE_HEADER_SIZE] = { 0 };
	struct arm64_image_info info;

	(void)state;
	h[0] = 0x1f;
	h[1] = 0x8b;
	assert_int_equal(arm64_image_parse(h, sizeof(h), 1000, &info), ARM64_IMAGE_GZIP);
	memcpy(h, "\x28\xb5\x2f\xfd", 4);
	assert_int_equal(arm64_image_parse(h, sizeof(h), 1000, &info), ARM64_IMAGE_ZSTD);
	memcpy(h, "\177ELF", 4);
	assert_int_equal(arm64_image_parse(h, sizeof(h), 1000, &info), ARM64_IMAGE_ELF);
	assert_non_null(strstr(arm64_image_strerror(ARM64_IMAGE_GZIP), "decompress"));
	assert_non_null(strstr(arm64_image_strerror(ARM64_IMAGE_BAD_MAGIC), "not an arm64"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_image),
		cmocka_unit_test(test_legacy_image_size_zero),
		cmocka_unit_test(test_corrupt_images),
		cmocka_unit_test(test_wrong_formats_named),
	};
	return cmocka_run_group_tests_name("arm64_image", tests, NULL, NULL);
}
