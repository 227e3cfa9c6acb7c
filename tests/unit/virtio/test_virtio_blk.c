// SPDX-License-Identifier: GPL-2.0
/* virtio-blk over a raw temp file, driven through virtio-pci by the test driver. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../support/unit.h"

#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>

#include <splitvirt/virtio_blk.h>

#include "../../support/testdrv.h"

#define DISK_SIZE (4u << 20)
#define CAPACITY (DISK_SIZE / 512)

struct blk_fixture {
	struct testdrv td;
	char path[64];
	int fd; /* our own view of the image */
};

static int make_disk_with(void **state, const struct virtio_blk_params *p, bool start)
{
	struct blk_fixture *f = calloc(1, sizeof(*f));
	struct virtio_blk_backend *be;
	struct virtio_dev *dev;

	strcpy(f->path, "/tmp/svblk-XXXXXX");
	f->fd = mkstemp(f->path);
	assert_true(f->fd >= 0);
	assert_int_equal(ftruncate(f->fd, DISK_SIZE), 0);
	assert_int_equal(td_init(&f->td), 0);
	assert_int_equal(virtio_blk_raw_open(&be, f->path, p->read_only), 0);
	assert_int_equal(virtio_blk_create(&dev, &f->td.gm, be, p), 0);
	assert_int_equal(td_attach(&f->td, dev), 0);
	if (start)
		assert_int_equal(td_start(&f->td, ~0ull, 64), 0);
	*state = f;
	return 0;
}

static int make_disk(void **state, bool ro, bool start)
{
	struct virtio_blk_params p = { .serial = "splitvirt-disk-0", .read_only = ro };

	return make_disk_with(state, &p, start);
}

static int setup(void **state)
{
	return make_disk(state, false, true);
}

static int setup_ro(void **state)
{
	return make_disk(state, true, true);
}

static int setup_nostart(void **state)
{
	return make_disk(state, false, false);
}

#define LIMIT_SEGS 4
#define LIMIT_SEG_BYTES 8192u

/* A disk advertising small limits: 4 data segments of at most 8 KiB. */
static int setup_limits(void **state)
{
	struct virtio_blk_params p = { .serial = "limits",
				       .seg_max = LIMIT_SEGS,
				       .size_max = LIMIT_SEG_BYTES };

	return make_disk_with(state, &p, true);
}

static int teardown(void **state)
{
	struct blk_fixture *f = *state;

	td_destroy(&f->td);
	close(f->fd);
	unlink(f->path);
	free(f);
	return 0;
}

struct req {
	uint32_t type;
	uint64_t sector;
	uint64_t data_gpa;
	uint32_t data_len;
	bool data_write; /* device writes the data (IN, GET_ID) */
	int nsplit; /* split data into this many descriptors */
	bool indirect;
};

/* Makes one chain available, kicks and takes its completion; false if there is none. */
static bool submit_chain(struct testdrv *td, const struct gbuf *bufs, int n, bool indirect,
			 uint32_t *used_len)
{
	uint16_t head;
	uint32_t len;
	bool got;

	if (indirect)
		gvring_add_indirect(&td->vr[0], bufs, n);
	else
		gvring_add(&td->vr[0], bufs, n);
	gvring_publish(&td->vr[0]);
	td_kick(td, 0);
	td_run_host(td);
	/* An asynchronous backend (io_uring) completes through the loop a little later. */
	got = gvring_get_used(&td->vr[0], &head, &len);
	for (int i = 0; i < 40 && !got; i++) {
		sv_loop_run_once(td->host_loop, 5);
		got = gvring_get_used(&td->vr[0], &head, &len);
	}
	if (!got)
		return false;
	if (used_len)
		*used_len = len;
	return true;
}

/* Submits one request and completes it; returns the status byte, or -1. */
static int blk_submit(struct blk_fixture *f, const struct req *r, uint32_t *used_len)
{
	struct testdrv *td = &f->td;
	uint64_t hgpa = gram_alloc(&td->ram, 16, 8), sgpa = gram_alloc(&td->ram, 1, 1);
	struct virtio_blk_outhdr *h = gram_ptr(&td->ram, hgpa);
	struct gbuf bufs[40];
	int n = 0, k, nsplit = r->nsplit ? r->nsplit : 1;

	h->type = r->type;
	h->sector = r->sector;
	bufs[n++] = (struct gbuf){ hgpa, 16, false };
	for (k = 0; k < nsplit && r->data_len; k++) {
		uint32_t piece = r->data_len / nsplit;
		uint32_t off = piece * k;

		if (k == nsplit - 1)
			piece = r->data_len - off;
		bufs[n++] = (struct gbuf){ r->data_gpa + off, piece, r->data_write };
	}
	bufs[n++] = (struct gbuf){ sgpa, 1, true };
	*(uint8_t *)gram_ptr(&td->ram, sgpa) = 0xee;
	if (!submit_chain(td, bufs, n, r->indirect, used_len))
		return -1;
	return *(uint8_t *)gram_ptr(&td->ram, sgpa);
}

static uint64_t buf_with(struct blk_fixture *f, uint32_t len, int pattern)
{
	uint64_t gpa = gram_alloc(&f->td.ram, len, 512);

	memset(gram_ptr(&f->td.ram, gpa), pattern, len);
	return gpa;
}

/*
 * O_DIRECT through the bounce buffer (what a device VM uses on its disk):
 * aligned requests go direct, unaligned ones fall back to the page cache,
 * and both views stay coherent. Needs a filesystem with O_DIRECT (not tmpfs).
 */
static void test_direct_io(void **state)
{
	struct virtio_blk_params p = { .serial = "direct" };
	struct blk_fixture *f = calloc(1, sizeof(*f));
	struct virtio_blk_backend *be;
	struct virtio_dev *dev;
	uint8_t disk[8192];
	uint64_t w, r;
	int ret;

	(void)state;
	strcpy(f->path, "/var/tmp/svblkd-XXXXXX");
	f->fd = mkstemp(f->path);
	assert_true(f->fd >= 0);
	assert_int_equal(ftruncate(f->fd, DISK_SIZE), 0);
	ret = virtio_blk_raw_open_cache(&be, f->path, false, VIRTIO_BLK_RAW_DIRECT);
	if (ret) {
		close(f->fd);
		unlink(f->path);
		free(f);
		skip(); /* no O_DIRECT on this filesystem */
	}
	assert_int_equal(td_init(&f->td), 0);
	assert_int_equal(virtio_blk_create(&dev, &f->td.gm, be, &p), 0);
	assert_int_equal(td_attach(&f->td, dev), 0);
	assert_int_equal(td_start(&f->td, ~0ull, 64), 0);

	/* Aligned 8 KiB at sector 8 (4 KiB): the direct path, in three segments. */
	w = buf_with(f, 8192, 0x3c);
	memset((uint8_t *)gram_ptr(&f->td.ram, w) + 5000, 0xc3, 3192);
	assert_int_equal(
		blk_submit(f, &(struct req){ VIRTIO_BLK_T_OUT, 8, w, 8192, false, 3 }, NULL),
		VIRTIO_BLK_S_OK);
	assert_int_equal(pread(f->fd, disk, sizeof(disk), 8 * 512), sizeof(disk));
	assert_memory_equal(disk, gram_ptr(&f->td.ram, w), sizeof(disk));
	/* Unaligned 512 bytes at sector 9: buffered, inside the range written direct. */
	w = buf_with(f, 512, 0x77);
	assert_int_equal(
		blk_submit(f, &(struct req){ VIRTIO_BLK_T_OUT, 9, w, 512, false, 1 }, NULL),
		VIRTIO_BLK_S_OK);
	/* Read all 8 KiB back direct: the buffered write must be visible. */
	r = buf_with(f, 8192, 0);
	assert_int_equal(blk_submit(f, &(struct req){ VIRTIO_BLK_T_IN, 8, r, 8192, true, 2 }, NULL),
			 VIRTIO_BLK_S_OK);
	memset(disk + 512, 0x77, 512);
	assert_memory_equal(gram_ptr(&f->td.ram, r), disk, sizeof(disk));
	teardown((void **)&f);
}

static void test_config(void **state)
{
	struct blk_fixture *f = *state;
	struct testdrv *td = &f->td;

	assert_int_equal(td_read(td, &td->device, offsetof(struct virtio_blk_config, capacity), 8),
			 CAPACITY);
	assert_int_equal(td_read(td, &td->device, offsetof(struct virtio_blk_config, seg_max), 4),
			 126);
	assert_int_equal(td_read(td, &td->device, offsetof(struct virtio_blk_config, blk_size), 4),
			 512);
	assert_int_equal(td->device.len, offsetof(struct virtio_blk_config, unused1) + 3);
	/* Reads past the config structure give zeros, not garbage. */
	assert_int_equal(td_read(td, &td->device, td->device.len - 1, 8), 0);
	assert_true(td->features & (1ull << VIRTIO_BLK_F_FLUSH));
	assert_true(td->features & (1ull << VIRTIO_BLK_F_DISCARD));
	assert_false(td->features & (1ull << VIRTIO_BLK_F_RO));
	assert_int_equal(td_cfg_read(td, 2, 2), 0x1042);
	assert_int_equal(td_cfg_read(td, 0x0a, 2), 0x0180);
}

static void test_write_read(void **state)
{
	struct blk_fixture *f = *state;
	uint64_t w = buf_with(f, 8192, 0x5a), r = buf_with(f, 8192, 0);
	struct req wr = { VIRTIO_BLK_T_OUT, 100, w, 8192, false, 3, false };
	struct req rd = { VIRTIO_BLK_T_IN, 100, r, 8192, true, 5, true };
	uint8_t disk[8192];
	uint32_t used;

	memset((uint8_t *)gram_ptr(&f->td.ram, w) + 4096, 0xa5, 4096);
	assert_int_equal(blk_submit(f, &wr, &used), VIRTIO_BLK_S_OK);
	assert_int_equal(used, 1);
	assert_true(td_irq(&f->td, td_queue_vector(0)));
	assert_int_equal(pread(f->fd, disk, sizeof(disk), 100 * 512), sizeof(disk));
	assert_memory_equal(disk, gram_ptr(&f->td.ram, w), sizeof(disk));
	assert_int_equal(blk_submit(f, &rd, &used), VIRTIO_BLK_S_OK);
	assert_int_equal(used, 8193);
	assert_memory_equal(gram_ptr(&f->td.ram, r), disk, sizeof(disk));
	assert_true(td_irq(&f->td, td_queue_vector(0)));
}

static void test_last_sector_and_bounds(void **state)
{
	struct blk_fixture *f = *state;
	uint64_t b = buf_with(f, 1024, 1);
	struct req r = { VIRTIO_BLK_T_OUT, CAPACITY - 1, b, 512, false, 1, false };

	assert_int_equal(blk_submit(f, &r, NULL), VIRTIO_BLK_S_OK);
	r.data_len = 1024; /* one sector past the end */
	assert_int_equal(blk_submit(f, &r, NULL), VIRTIO_BLK_S_IOERR);
	r.sector = CAPACITY;
	r.data_len = 0;
	assert_int_equal(blk_submit(f, &r, NULL), VIRTIO_BLK_S_OK);
	r.sector = UINT64_MAX - 1; /* sector + count would wrap */
	r.data_len = 1024;
	assert_int_equal(blk_submit(f, &r, NULL), VIRTIO_BLK_S_IOERR);
	r.type = VIRTIO_BLK_T_IN;
	r.data_write = true;
	r.sector = (UINT64_MAX >> 9) + 1; /* sector << 9 would overflow */
	assert_int_equal(blk_submit(f, &r, NULL), VIRTIO_BLK_S_IOERR);
	r.sector = 0;
	r.data_len = 100; /* not a sector multiple */
	assert_int_equal(blk_submit(f, &r, NULL), VIRTIO_BLK_S_IOERR);
	/* The device is still healthy. */
	assert_false(td_status(&f->td) & VIRTIO_CONFIG_S_NEEDS_RESET);
}

static void test_flush_and_get_id(void **state)
{
	struct blk_fixture *f = *state;
	uint64_t id = buf_with(f, 20, 0);
	struct req fl = { .type = VIRTIO_BLK_T_FLUSH };
	struct req gi = { VIRTIO_BLK_T_GET_ID, 0, id, 20, true, 1, false };
	uint32_t used;

	assert_int_equal(blk_submit(f, &fl, NULL), VIRTIO_BLK_S_OK);
	assert_int_equal(blk_submit(f, &gi, &used), VIRTIO_BLK_S_OK);
	assert_int_equal(used, 21);
	assert_string_equal((char *)gram_ptr(&f->td.ram, id), "splitvirt-disk-0");
}

/* Multi-queue: MQ and num_queues offered; each queue serves requests of its own. */
static int setup_mq(void **state)
{
	struct virtio_blk_params p = { .serial = "mq", .num_queues = 3 };

	return make_disk_with(state, &p, true);
}

static void test_multi_queue(void **state)
{
	struct blk_fixture *f = *state;
	struct testdrv *td = &f->td;
	uint64_t hgpa = gram_alloc(&td->ram, 16, 8), sgpa = gram_alloc(&td->ram, 1, 1);
	uint64_t data = buf_with(f, 512, 0x77);
	struct virtio_blk_outhdr *h = gram_ptr(&td->ram, hgpa);
	struct gbuf bufs[3] = { { hgpa, 16, false }, { data, 512, false }, { sgpa, 1, true } };
	struct virtio_blk_params bad = { .num_queues = VIRTIO_BLK_MAX_QUEUES + 1 };
	struct virtio_blk_backend *be;
	struct virtio_dev *dev;
	uint8_t disk[512];
	uint16_t head;
	uint32_t len;
	bool got;

	assert_true(td->features & (1ull << VIRTIO_BLK_F_MQ));
	assert_int_equal(td->nq, 3);
	assert_int_equal(
		td_read(td, &td->device, offsetof(struct virtio_blk_config, num_queues), 2), 3);
	h->type = VIRTIO_BLK_T_OUT;
	h->sector = 9;
	gvring_add(&td->vr[2], bufs, 3);
	gvring_publish(&td->vr[2]);
	td_kick(td, 2);
	td_run_host(td);
	got = gvring_get_used(&td->vr[2], &head, &len);
	for (int i = 0; i < 40 && !got; i++) {
		sv_loop_run_once(td->host_loop, 5);
		got = gvring_get_used(&td->vr[2], &head, &len);
	}
	assert_true(got);
	assert_int_equal(*(uint8_t *)gram_ptr(&td->ram, sgpa), VIRTIO_BLK_S_OK);
	assert_int_equal(pread(f->fd, disk, sizeof(disk), 9 * 512), sizeof(disk));
	assert_int_equal(disk[0], 0x77);
	assert_true(td_irq(td, td_queue_vector(2)));
	/* More than the model allows: refused. */
	assert_int_equal(virtio_blk_raw_open(&be, f->path, false), 0);
	assert_int_equal(virtio_blk_create(&dev, &td->gm, be, &bad), -EINVAL);
}

static void test_discard_and_write_zeroes(void **state)
{
	struct blk_fixture *f = *state;
	uint64_t w = buf_with(f, 65536, 0x77), seg = gram_alloc(&f->td.ram, 32, 8);
	struct virtio_blk_discard_write_zeroes *s = gram_ptr(&f->td.ram, seg);
	struct req wr = { VIRTIO_BLK_T_OUT, 0, w, 65536, false, 1, false };
	struct req dis = { VIRTIO_BLK_T_DISCARD, 0, seg, 16, false, 1, false };
	uint8_t disk[65536], zero[8192] = { 0 };

	assert_int_equal(blk_submit(f, &wr, NULL), VIRTIO_BLK_S_OK);
	s[0] = (struct virtio_blk_discard_write_zeroes){ .sector = 16, .num_sectors = 16 };
	assert_int_equal(blk_submit(f, &dis, NULL), VIRTIO_BLK_S_OK);
	assert_int_equal(pread(f->fd, disk, sizeof(disk), 0), sizeof(disk));
	assert_memory_equal(disk + 16 * 512, zero, 8192);
	assert_int_equal(disk[16 * 512 - 1], 0x77);
	assert_int_equal(disk[32 * 512], 0x77);

	/* Two write-zeroes segments, one allowed to unmap. */
	s[0] = (struct virtio_blk_discard_write_zeroes){ .sector = 40, .num_sectors = 8 };
	s[1] = (struct virtio_blk_discard_write_zeroes){
		.sector = 64, .num_sectors = 8, .flags = VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP
	};
	dis.type = VIRTIO_BLK_T_WRITE_ZEROES;
	dis.data_len = 32;
	assert_int_equal(blk_submit(f, &dis, NULL), VIRTIO_BLK_S_OK);
	assert_int_equal(pread(f->fd, disk, sizeof(disk), 0), sizeof(disk));
	assert_memory_equal(disk + 40 * 512, zero, 4096);
	assert_memory_equal(disk + 64 * 512, zero, 4096);
	assert_int_equal(disk[48 * 512], 0x77);

	/* Out of range, reserved flags and malformed segment arrays fail. */
	s[0] = (struct virtio_blk_discard_write_zeroes){ .sector = CAPACITY - 1, .num_sectors = 2 };
	dis.data_len = 16;
	assert_int_equal(blk_submit(f, &dis, NULL), VIRTIO_BLK_S_IOERR);
	s[0] = (struct virtio_blk_discard_write_zeroes){ .sector = 0,
							 .num_sectors = 1,
							 .flags = 2 };
	assert_int_equal(blk_submit(f, &dis, NULL), VIRTIO_BLK_S_UNSUPP);
	dis.type = VIRTIO_BLK_T_DISCARD;
	s[0].flags = VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP;
	assert_int_equal(blk_submit(f, &dis, NULL), VIRTIO_BLK_S_UNSUPP);
	dis.data_len = 12;
	assert_int_equal(blk_submit(f, &dis, NULL), VIRTIO_BLK_S_IOERR);
}

static void test_read_only(void **state)
{
	struct blk_fixture *f = *state;
	uint64_t b = buf_with(f, 512, 0x33), seg = gram_alloc(&f->td.ram, 16, 8);
	struct req wr = { VIRTIO_BLK_T_OUT, 0, b, 512, false, 1, false };
	struct req rd = { VIRTIO_BLK_T_IN, 0, b, 512, true, 1, false };
	struct req dis = { VIRTIO_BLK_T_DISCARD, 0, seg, 16, false, 1, false };
	struct virtio_blk_discard_write_zeroes *s = gram_ptr(&f->td.ram, seg);
	uint8_t disk[512], zero[512] = { 0 };

	assert_true(f->td.features & (1ull << VIRTIO_BLK_F_RO));
	assert_int_equal(blk_submit(f, &wr, NULL), VIRTIO_BLK_S_IOERR);
	assert_int_equal(pread(f->fd, disk, sizeof(disk), 0), sizeof(disk));
	assert_memory_equal(disk, zero, sizeof(disk));
	s->num_sectors = 1;
	/* DISCARD is not even offered on a read-only disk. */
	assert_int_equal(blk_submit(f, &dis, NULL), VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(blk_submit(f, &rd, NULL), VIRTIO_BLK_S_OK);
	assert_memory_equal(gram_ptr(&f->td.ram, b), zero, sizeof(zero));
}

static void test_unsupported_type(void **state)
{
	struct blk_fixture *f = *state;
	struct req r = { .type = 0x1234 };

	assert_int_equal(blk_submit(f, &r, NULL), VIRTIO_BLK_S_UNSUPP);
	r.type = VIRTIO_BLK_T_SCSI_CMD;
	assert_int_equal(blk_submit(f, &r, NULL), VIRTIO_BLK_S_UNSUPP);
}

static void test_malformed_request_needs_reset(void **state)
{
	struct blk_fixture *f = *state;
	struct testdrv *td = &f->td;
	uint64_t g = gram_alloc(&td->ram, 64, 8);
	struct gbuf shorthdr[] = { { g, 8, false }, { g + 32, 1, true } };
	struct gbuf nostatus[] = { { g, 16, false } };

	gvring_add(&td->vr[0], shorthdr, 2);
	gvring_publish(&td->vr[0]);
	td_kick(td, 0);
	td_run_host(td);
	assert_true(td_status(td) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_true(td_irq(td, TD_CONFIG_VECTOR));

	td->ram.next = 0;
	assert_int_equal(td_start(td, ~0ull, 64), 0);
	gvring_add(&td->vr[0], nostatus, 1);
	gvring_publish(&td->vr[0]);
	td_kick(td, 0);
	td_run_host(td);
	assert_true(td_status(td) & VIRTIO_CONFIG_S_NEEDS_RESET);
}

static void test_batch_one_interrupt(void **state)
{
	struct blk_fixture *f = *state;
	struct testdrv *td = &f->td;
	uint64_t b = buf_with(f, 512 * 8, 0x11), hdr, st;
	uint16_t head;
	uint32_t len;
	int i, done = 0;

	assert_true(td->features & (1ull << VIRTIO_RING_F_EVENT_IDX));
	for (i = 0; i < 8; i++) {
		struct virtio_blk_outhdr *h;
		struct gbuf bufs[3];

		hdr = gram_alloc(&td->ram, 16, 8);
		st = gram_alloc(&td->ram, 1, 1);
		h = gram_ptr(&td->ram, hdr);
		h->type = VIRTIO_BLK_T_OUT;
		h->sector = (uint64_t)i;
		bufs[0] = (struct gbuf){ hdr, 16, false };
		bufs[1] = (struct gbuf){ b + 512u * i, 512, false };
		bufs[2] = (struct gbuf){ st, 1, true };
		gvring_add(&td->vr[0], bufs, 3);
	}
	gvring_publish(&td->vr[0]);
	td_kick(td, 0);
	td_run_host(td);
	/* Asynchronous completions (io_uring) come through the loop, in batches. */
	for (i = 0; i < 40 && done < 8; i++) {
		while (gvring_get_used(&td->vr[0], &head, &len))
			done++;
		if (done < 8)
			sv_loop_run_once(td->host_loop, 5);
	}
	assert_int_equal(done, 8);
	assert_true(td_irq(td, td_queue_vector(0)));
	assert_false(td_irq(td, td_queue_vector(0)));
}

static void test_flush_not_negotiated_is_writethrough(void **state)
{
	struct blk_fixture *f = *state;
	struct testdrv *td = &f->td;
	uint64_t b = buf_with(f, 512, 0x42);
	struct req wr = { VIRTIO_BLK_T_OUT, 3, b, 512, false, 1, false };
	struct req fl = { .type = VIRTIO_BLK_T_FLUSH };

	assert_int_equal(td_start(td, ~(1ull << VIRTIO_BLK_F_FLUSH), 64), 0);
	assert_int_equal(blk_submit(f, &wr, NULL), VIRTIO_BLK_S_OK);
	assert_int_equal(blk_submit(f, &fl, NULL), VIRTIO_BLK_S_UNSUPP);
}

/* Reads the disk at sector 0 and checks it still holds only zeros. */
static void assert_disk_zero(struct blk_fixture *f, size_t len)
{
	static uint8_t disk[4 * LIMIT_SEG_BYTES], zero[4 * LIMIT_SEG_BYTES];

	assert_true(len <= sizeof(disk));
	assert_int_equal(pread(f->fd, disk, len, 0), (ssize_t)len);
	assert_memory_equal(disk, zero, len);
}

/*
 * The advertised seg_max and size_max are enforced: a request beyond them
 * completes with IOERR and no I/O is done (the disk and the guest's
 * buffers are untouched); the device stays usable.
 */
static void test_seg_and_size_limits(void **state)
{
	struct blk_fixture *f = *state;
	struct testdrv *td = &f->td;
	uint64_t w = buf_with(f, 4 * LIMIT_SEG_BYTES, 0x5a);
	uint64_t r = buf_with(f, 4 * LIMIT_SEG_BYTES, 0xee);
	struct req big = { VIRTIO_BLK_T_OUT, 0, w, 2 * LIMIT_SEG_BYTES, false, 1, false };
	struct req many = { VIRTIO_BLK_T_OUT, 0, w, 5 * 512, false, LIMIT_SEGS + 1, false };
	struct req rd = { VIRTIO_BLK_T_IN, 0, r, 2 * LIMIT_SEG_BYTES, true, 1, false };
	struct req ok = { VIRTIO_BLK_T_OUT, 0, w, 4 * LIMIT_SEG_BYTES, false, LIMIT_SEGS, true };
	uint8_t *rp = gram_ptr(&td->ram, r);
	uint32_t used;

	assert_int_equal(td_read(td, &td->device, offsetof(struct virtio_blk_config, seg_max), 4),
			 LIMIT_SEGS);
	assert_int_equal(td_read(td, &td->device, offsetof(struct virtio_blk_config, size_max), 4),
			 LIMIT_SEG_BYTES);
	/* One segment larger than size_max, written and read. */
	assert_int_equal(blk_submit(f, &big, &used), VIRTIO_BLK_S_IOERR);
	assert_int_equal(used, 1);
	assert_disk_zero(f, 2 * LIMIT_SEG_BYTES);
	assert_int_equal(blk_submit(f, &rd, &used), VIRTIO_BLK_S_IOERR);
	assert_int_equal(used, 1);
	assert_int_equal(rp[0], 0xee);
	/* More data segments than seg_max, also through an indirect table. */
	assert_int_equal(blk_submit(f, &many, NULL), VIRTIO_BLK_S_IOERR);
	assert_disk_zero(f, 5 * 512);
	many.indirect = true;
	assert_int_equal(blk_submit(f, &many, NULL), VIRTIO_BLK_S_IOERR);
	assert_disk_zero(f, 5 * 512);
	/* Exactly at the limits: done. */
	assert_int_equal(blk_submit(f, &ok, NULL), VIRTIO_BLK_S_OK);
	assert_false(td_status(td) & VIRTIO_CONFIG_S_NEEDS_RESET);
}

/*
 * With ANY_LAYOUT the header and status byte may share a descriptor with
 * the data; they do not count against size_max or seg_max.
 */
static void test_limits_any_layout(void **state)
{
	struct blk_fixture *f = *state;
	struct testdrv *td = &f->td;
	uint64_t g = gram_alloc(&td->ram, 16 + LIMIT_SEG_BYTES + 1, 512);
	uint8_t *p = gram_ptr(&td->ram, g);
	struct virtio_blk_outhdr *h = (struct virtio_blk_outhdr *)p;
	struct gbuf out[] = { { g, 16 + LIMIT_SEG_BYTES, false },
			      { g + 16 + LIMIT_SEG_BYTES, 1, true } };
	struct gbuf in[] = { { g, 16, false }, { g + 16, LIMIT_SEG_BYTES + 1, true } };
	uint8_t disk[LIMIT_SEG_BYTES];
	uint32_t len;

	/* Header and 8 KiB of data in one readable descriptor. */
	h->type = VIRTIO_BLK_T_OUT;
	h->sector = 0;
	memset(p + 16, 0x6b, LIMIT_SEG_BYTES);
	assert_true(submit_chain(td, out, 2, false, NULL));
	assert_int_equal(p[16 + LIMIT_SEG_BYTES], VIRTIO_BLK_S_OK);
	assert_int_equal(pread(f->fd, disk, sizeof(disk), 0), (ssize_t)sizeof(disk));
	assert_memory_equal(disk, p + 16, sizeof(disk));
	/* 8 KiB of data and the status byte in one writable descriptor. */
	h->type = VIRTIO_BLK_T_IN;
	memset(p + 16, 0, LIMIT_SEG_BYTES);
	assert_true(submit_chain(td, in, 2, false, &len));
	assert_int_equal(len, LIMIT_SEG_BYTES + 1);
	assert_int_equal(p[16 + LIMIT_SEG_BYTES], VIRTIO_BLK_S_OK);
	assert_memory_equal(disk, p + 16, sizeof(disk));
}

/* Limits whose product would let one synchronous request grow past the bound. */
static void test_limits_params(void **state)
{
	struct virtio_blk_params p = { .seg_max = 1000, .size_max = 1u << 20 };
	struct virtio_blk_backend *be;
	struct virtio_dev *dev;
	char path[] = "/tmp/svblk-XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, DISK_SIZE), 0);
	assert_int_equal(virtio_blk_raw_open(&be, path, false), 0);
	assert_int_equal(virtio_blk_create(&dev, NULL, be, &p), -EINVAL);
	/* A segment limit below a page: Linux would not honour it. */
	p = (struct virtio_blk_params){ .size_max = 2048 };
	assert_int_equal(virtio_blk_raw_open(&be, path, false), 0);
	assert_int_equal(virtio_blk_create(&dev, NULL, be, &p), -EINVAL);
	close(fd);
	unlink(path);
}

static void test_backend_open_errors(void **state)
{
	struct virtio_blk_backend *be;
	int fd[2];

	(void)state;
	assert_int_equal(virtio_blk_raw_open(&be, "/nonexistent/disk.img", false), -ENOENT);
	assert_int_equal(pipe(fd), 0);
	assert_int_equal(virtio_blk_raw_from_fd(&be, fd[0], false), -EINVAL);
	close(fd[0]);
	close(fd[1]);
}

#define T(fn) SV_TEST(fn)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_config),
		T(test_write_read),
		T(test_last_sector_and_bounds),
		T(test_flush_and_get_id),
		T(test_discard_and_write_zeroes),
		cmocka_unit_test_setup_teardown(test_multi_queue, setup_mq, teardown),
		cmocka_unit_test_setup_teardown(test_read_only, setup_ro, teardown),
		T(test_unsupported_type),
		T(test_malformed_request_needs_reset),
		T(test_batch_one_interrupt),
		cmocka_unit_test_setup_teardown(test_flush_not_negotiated_is_writethrough,
						setup_nostart, teardown),
		cmocka_unit_test_setup_teardown(test_seg_and_size_limits, setup_limits, teardown),
		cmocka_unit_test_setup_teardown(test_limits_any_layout, setup_limits, teardown),
		cmocka_unit_test(test_limits_params),
		cmocka_unit_test(test_backend_open_errors),
		cmocka_unit_test(test_direct_io),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
