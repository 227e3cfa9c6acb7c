// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk model throughput against a plain pread/pwrite loop on the same
 * file. The virtio side is the unit-test driver playing the guest: requests
 * are built in "guest RAM", published in batches of --qd, kicked through
 * an eventfd and processed by the host step, exactly as in the tests.
 * Prints MB/s (or IOPS) for both and the ratio virtio/plain.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/virtio_blk.h>

#include <splitvirt/log.h>
#include <splitvirt/virtio_blk.h>

#include "../../tests/support/testdrv.h"

#define MAX_QD 8
#define MAX_SEGS 64

struct bench {
	struct testdrv td;
	int fd;
	uint64_t file_size;
	unsigned int qd;
	uint32_t seg_size;
	uint64_t hdr_gpa[MAX_QD], st_gpa[MAX_QD], buf_gpa[MAX_QD];
	uint64_t rnd;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t next_rand(struct bench *b)
{
	/* xorshift64: deterministic offsets, same sequence for both methods. */
	b->rnd ^= b->rnd << 13;
	b->rnd ^= b->rnd >> 7;
	b->rnd ^= b->rnd << 17;
	return b->rnd;
}

static uint64_t offset_for(struct bench *b, uint64_t i, uint32_t bs, bool random)
{
	uint64_t slots = b->file_size / bs;

	return (random ? next_rand(b) % slots : i % slots) * bs;
}

static void submit(struct bench *b, unsigned int slot, bool write, uint64_t off, uint32_t bs)
{
	struct testdrv *td = &b->td;
	struct virtio_blk_outhdr *h = gram_ptr(&td->ram, b->hdr_gpa[slot]);
	struct gbuf bufs[MAX_SEGS + 2];
	uint32_t seg = bs < b->seg_size ? bs : b->seg_size, done;
	int n = 0;

	h->type = write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
	h->sector = off >> 9;
	bufs[n++] = (struct gbuf){ b->hdr_gpa[slot], 16, false };
	for (done = 0; done < bs; done += seg)
		bufs[n++] = (struct gbuf){ b->buf_gpa[slot] + done, seg, !write };
	bufs[n++] = (struct gbuf){ b->st_gpa[slot], 1, true };
	if (gvring_add(&td->vr[0], bufs, n) < 0) {
		fprintf(stderr, "ring full\n");
		exit(1);
	}
}

static double run_virtio(struct bench *b, bool write, bool random, uint32_t bs, uint64_t ops)
{
	struct testdrv *td = &b->td;
	double t0 = now();
	uint64_t i = 0;

	while (i < ops) {
		unsigned int k, batch = (unsigned int)(ops - i < b->qd ? ops - i : b->qd);
		uint16_t head;
		uint32_t len;

		for (k = 0; k < batch; k++)
			submit(b, k, write, offset_for(b, i + k, bs, random), bs);
		gvring_publish(&td->vr[0]);
		td_kick(td, 0);
		td_run_host(td);
		td_irq(td, td_queue_vector(0));
		for (k = 0; k < batch; k++) {
			if (!gvring_get_used(&td->vr[0], &head, &len) ||
			    *(uint8_t *)gram_ptr(&td->ram, b->st_gpa[k]) != VIRTIO_BLK_S_OK) {
				fprintf(stderr, "request failed\n");
				exit(1);
			}
		}
		i += batch;
	}
	return now() - t0;
}

static double run_plain(struct bench *b, bool write, bool random, uint32_t bs, uint64_t ops)
{
	uint8_t *buf = gram_ptr(&b->td.ram, b->buf_gpa[0]);
	double t0 = now();
	uint64_t i;

	for (i = 0; i < ops; i++) {
		uint64_t off = offset_for(b, i, bs, random);
		ssize_t n = write ? pwrite(b->fd, buf, bs, (off_t)off) :
				    pread(b->fd, buf, bs, (off_t)off);

		if (n != (ssize_t)bs) {
			perror("pread/pwrite");
			exit(1);
		}
	}
	return now() - t0;
}

static void workload(struct bench *b, const char *name, bool write, bool random, uint32_t bs,
		     uint64_t ops)
{
	double tv, tp;
	double mb = (double)bs * (double)ops / 1e6;

	b->rnd = 0x9e3779b97f4a7c15ull;
	run_plain(b, write, random, bs, ops / 4 + 1); /* warm the page cache */
	b->rnd = 0x9e3779b97f4a7c15ull;
	tp = run_plain(b, write, random, bs, ops);
	b->rnd = 0x9e3779b97f4a7c15ull;
	tv = run_virtio(b, write, random, bs, ops);
	if (bs >= (1u << 20))
		printf("%-16s plain %9.1f MB/s   virtio-blk %9.1f MB/s   ratio %.3f\n", name,
		       mb / tp, mb / tv, tp / tv);
	else
		printf("%-16s plain %9.0f IOPS   virtio-blk %9.0f IOPS   ratio %.3f\n", name,
		       (double)ops / tp, (double)ops / tv, tp / tv);
}

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [-f file] [-s size_mb] [-q qd(1..%d)] [-g seg_kb] [-n rand_ops]\n"
		"  -f  image file to use (default: a temp file in $TMPDIR or /tmp, removed)\n",
		argv0, MAX_QD);
}

int main(int argc, char **argv)
{
	static struct bench b;
	const char *path = NULL, *tmpdir = getenv("TMPDIR");
	char tmp[256];
	uint64_t size_mb = 256, rand_ops = 20000;
	struct virtio_blk_backend *be;
	struct virtio_dev *dev;
	unsigned int k;
	int opt, err;

	b.qd = 4;
	b.seg_size = 64 << 10;
	while ((opt = getopt(argc, argv, "f:s:q:g:n:h")) != -1) {
		switch (opt) {
		case 'f':
			path = optarg;
			break;
		case 's':
			size_mb = strtoull(optarg, NULL, 0);
			break;
		case 'q':
			b.qd = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'g':
			b.seg_size = (uint32_t)strtoul(optarg, NULL, 0) << 10;
			break;
		case 'n':
			rand_ops = strtoull(optarg, NULL, 0);
			break;
		default:
			usage(argv[0]);
			return 2;
		}
	}
	if (!b.qd || b.qd > MAX_QD || b.seg_size < 4096 || (1u << 20) / b.seg_size > MAX_SEGS ||
	    size_mb < 2) {
		usage(argv[0]);
		return 2;
	}
	sv_log_set_level(SV_LOG_WARN);
	if (!path) {
		snprintf(tmp, sizeof(tmp), "%s/svbench-XXXXXX", tmpdir ? tmpdir : "/tmp");
		b.fd = mkstemp(tmp);
		if (b.fd >= 0)
			unlink(tmp);
	} else {
		b.fd = open(path, O_RDWR | O_CREAT, 0600);
	}
	if (b.fd < 0) {
		perror("open image");
		return 1;
	}
	b.file_size = size_mb << 20;
	if (ftruncate(b.fd, (off_t)b.file_size)) {
		perror("ftruncate");
		return 1;
	}
	if (td_init(&b.td)) {
		fprintf(stderr, "guest RAM allocation failed\n");
		return 1;
	}
	/* The model gets its own descriptor of the same open file. */
	err = virtio_blk_raw_from_fd(&be, dup(b.fd), false);
	if (!err)
		err = virtio_blk_create(&dev, &b.td.gm, be, NULL);
	if (!err)
		err = td_attach(&b.td, dev);
	if (!err)
		err = td_start(&b.td, ~0ull, 256);
	if (err) {
		fprintf(stderr, "virtio-blk setup failed: %s\n", strerror(-err));
		return 1;
	}
	for (k = 0; k < b.qd; k++) {
		b.hdr_gpa[k] = gram_alloc(&b.td.ram, 16, 16);
		b.st_gpa[k] = gram_alloc(&b.td.ram, 1, 1);
		b.buf_gpa[k] = gram_alloc(&b.td.ram, 1 << 20, 4096);
		memset(gram_ptr(&b.td.ram, b.buf_gpa[k]), 0xa5, 1 << 20);
	}
	/* Fill the image so reads return real data. */
	run_plain(&b, true, false, 1 << 20, size_mb);
	printf("virtio-blk bench: file %llu MiB, queue depth %u, segment %u KiB, %llu random ops\n",
	       (unsigned long long)size_mb, b.qd, b.seg_size >> 10, (unsigned long long)rand_ops);
	workload(&b, "seq-read-1M", false, false, 1 << 20, size_mb);
	workload(&b, "seq-write-1M", true, false, 1 << 20, size_mb);
	workload(&b, "rand-read-4K", false, true, 4096, rand_ops);
	workload(&b, "rand-write-4K", true, true, 4096, rand_ops);
	td_destroy(&b.td);
	close(b.fd);
	return 0;
}
