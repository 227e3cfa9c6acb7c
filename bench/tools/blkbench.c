// SPDX-License-Identifier: GPL-2.0
/*
 * blkbench: O_DIRECT block device benchmark for the guests of bench/blk-local
 * and bench/crossvm. One mode per run, for a fixed time (and at most a byte
 * count), synchronous, queue depth 1; prints one parseable line:
 *   BENCH test=<mode> bs=<bytes> secs=<s> ops=<n> bytes=<n> mbps=<MB/s> iops=<n>
 * MB/s are 10^6 bytes per second.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench_clock.h"

enum mode { SEQREAD, SEQWRITE, RANDREAD, RANDWRITE };

static const char *const mode_names[] = { "seqread", "seqwrite", "randread", "randwrite" };

/* Prints the usage; returns status, for "return usage(...)". */
static int usage(FILE *f, int status)
{
	fprintf(f, "Usage: blkbench -m seqread|seqwrite|randread|randwrite [-d DEV] [-b BYTES]\n"
		   "                [-t SECONDS] [-s MAXBYTES] [-n NAME]\n"
		   "O_DIRECT I/O on DEV (default /dev/vda), one request at a time, for\n"
		   "SECONDS (default 3) or until MAXBYTES were moved. Block size -b\n"
		   "(default 1M for seq*, 4K for rand*; suffixes K, M). Prints\n"
		   "  BENCH test=NAME bs=.. secs=.. ops=.. bytes=.. mbps=.. iops=..\n"
		   "(NAME defaults to the mode). Writes destroy the device's contents.\n");
	return status;
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	if (*end == 'K' || *end == 'k')
		v <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		v <<= 20, end++;
	else if (*end == 'G' || *end == 'g')
		v <<= 30, end++;
	if (*end)
		return -1;
	*out = v;
	return 0;
}

/* xorshift64*: cheap and good enough to spread offsets. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

int main(int argc, char **argv)
{
	const char *dev = "/dev/vda", *name = NULL;
	uint64_t bs = 0, maxbytes = UINT64_MAX, size, done = 0, ops = 0, off = 0,
		 seed = 88172645463325252ull;
	double secs = 3, t0, t1;
	int mode = -1, c, fd;
	struct stat st;
	void *buf;

	while ((c = getopt(argc, argv, "m:d:b:t:s:n:h")) != -1) {
		switch (c) {
		case 'm':
			for (int i = 0; i < 4; i++)
				if (!strcmp(optarg, mode_names[i]))
					mode = i;
			break;
		case 'd':
			dev = optarg;
			break;
		case 'b':
			if (parse_size(optarg, &bs) || !bs || bs % 512 || bs > (64u << 20)) {
				fprintf(stderr,
					"blkbench: bad block size '%s' (a multiple of 512, up to 64M)\n",
					optarg);
				return 2;
			}
			break;
		case 't':
			secs = strtod(optarg, NULL);
			break;
		case 's':
			if (parse_size(optarg, &maxbytes)) {
				fprintf(stderr, "blkbench: bad byte count '%s'\n", optarg);
				return 2;
			}
			break;
		case 'n':
			name = optarg;
			break;
		case 'h':
			return usage(stdout, 0);
		default:
			return usage(stderr, 2);
		}
	}
	if (mode < 0 || optind != argc || secs <= 0) {
		return usage(stderr, 2);
	}
	if (!bs)
		bs = (mode == SEQREAD || mode == SEQWRITE) ? 1u << 20 : 4096;
	if (!name)
		name = mode_names[mode];
	fd = open(dev, (mode == SEQWRITE || mode == RANDWRITE ? O_RDWR : O_RDONLY) | O_DIRECT);
	if (fd < 0) {
		fprintf(stderr, "blkbench: cannot open %s with O_DIRECT: %s\n", dev,
			strerror(errno));
		return 1;
	}
	if (fstat(fd, &st) || (S_ISBLK(st.st_mode) ? ioctl(fd, BLKGETSIZE64, &size) != 0 :
						     (size = (uint64_t)st.st_size, 0))) {
		fprintf(stderr, "blkbench: cannot size %s: %s\n", dev, strerror(errno));
		return 1;
	}
	if (size < bs) {
		fprintf(stderr, "blkbench: %s (%" PRIu64 " bytes) is smaller than a block\n", dev,
			size);
		return 1;
	}
	if (posix_memalign(&buf, 4096, bs)) {
		fprintf(stderr, "blkbench: out of memory\n");
		return 1;
	}
	for (uint64_t i = 0; i < bs; i++)
		((uint8_t *)buf)[i] = (uint8_t)(i * 131 + 7);
	t0 = bench_now();
	t1 = t0;
	while (done < maxbytes) {
		ssize_t n;

		if (mode == RANDREAD || mode == RANDWRITE)
			off = (rnd(&seed) % (size / bs)) * bs;
		else if (off + bs > size)
			off = 0;
		if (mode == SEQWRITE || mode == RANDWRITE)
			n = pwrite(fd, buf, bs, (off_t)off);
		else
			n = pread(fd, buf, bs, (off_t)off);
		if (n != (ssize_t)bs) {
			fprintf(stderr, "blkbench: %s at %" PRIu64 " on %s: %s\n", mode_names[mode],
				off, dev, n < 0 ? strerror(errno) : "short transfer");
			return 1;
		}
		off += bs;
		done += bs;
		ops++;
		/* Look at the clock every op: an op is far slower than the call. */
		t1 = bench_now();
		if (t1 - t0 >= secs)
			break;
	}
	printf("BENCH test=%s bs=%" PRIu64 " secs=%.3f ops=%" PRIu64 " bytes=%" PRIu64
	       " mbps=%.2f iops=%.1f\n",
	       name, bs, t1 - t0, ops, done, (double)done / (t1 - t0) / 1e6,
	       (double)ops / (t1 - t0));
	free(buf);
	close(fd);
	return 0;
}
