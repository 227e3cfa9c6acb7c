// SPDX-License-Identifier: GPL-2.0
/*
 * blkbench: O_DIRECT block device benchmark for the guests of bench/blk-local
 * and bench/crossvm. One mode per run, for a fixed time (and at most a byte
 * count), at queue depth 1 (synchronous pread/pwrite) or DEPTH (Linux native
 * AIO through raw syscalls: the binary is static, and libaio would be one
 * more library for the guest image); prints one parseable line:
 *   BENCH test=<name> bs=<bytes> secs=<s> ops=<n> bytes=<n> mbps=<MB/s>
 *         iops=<n> qd=<depth> p50us=<us> p99us=<us> t0=<ticks> t1=<ticks>
 * MB/s are 10^6 bytes per second; t0/t1 are sv_counter_read() at the start
 * and end of the timed part (one time line across the VMs of a board). New
 * fields go at the end so that parsers of the older line keep working.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/aio_abi.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "splitvirt/counter.h"

enum mode { SEQREAD, SEQWRITE, RANDREAD, RANDWRITE };

static const char *const mode_names[] = { "seqread", "seqwrite", "randread", "randwrite" };

#define MAX_DEPTH 256
/* 32 MiB of latencies at most: a 256 MiB guest must still have room to run. */
#define MAX_LAT (4u << 20)
/* -T: the trace is for looking at single requests, not a second data set. */
#define MAX_TRACE 4096

/* One request of the -T trace, indexed by its submission sequence number. */
struct trace_rec {
	uint64_t submit, complete, off;
};

struct run {
	const char *dev, *name;
	int fd, mode, depth;
	bool trace;
	uint64_t bs, size, maxbytes, limit_ns, seed, seq_off;
	/* Results: completed requests and bytes, the timed part's bounds. */
	uint64_t ops, done, t0, t1, tick0, tick1;
	uint64_t *lat;
	size_t nlat, lat_cap;
	struct trace_rec *tr;
};

/* Prints the usage; returns status, for "return usage(...)". */
static int usage(FILE *f, int status)
{
	fprintf(f, "Usage: blkbench -m seqread|seqwrite|randread|randwrite [-d DEV] [-b BYTES]\n"
		   "                [-t SECONDS] [-s MAXBYTES] [-q DEPTH] [-n NAME] [-T]\n"
		   "O_DIRECT I/O on DEV (default /dev/vda) for SECONDS (default 3) or until\n"
		   "MAXBYTES were moved. -q DEPTH (1-256, default 1): requests in flight;\n"
		   "1 is synchronous pread/pwrite, more uses Linux native AIO with one buffer\n"
		   "per request, each completed one replaced at once. Block size -b (default\n"
		   "1M for seq*, 4K for rand*; suffixes K, M); rand* use random aligned\n"
		   "offsets, seq* advance and wrap. Prints\n"
		   "  BENCH test=NAME bs=.. secs=.. ops=.. bytes=.. mbps=.. iops=.. qd=..\n"
		   "        p50us=.. p99us=.. t0=.. t1=..\n"
		   "(NAME defaults to the mode; p50us/p99us: nearest-rank percentiles of the\n"
		   "requests' submit-to-completion times; t0/t1: arm64 virtual counter at the\n"
		   "start and end of the timed part). -T then prints SVTRACE-CLOCK freq=HZ and\n"
		   "for the first 4096 requests\n"
		   "  SVTRACE-U NAME SEQ SUBMIT_TICKS COMPLETE_TICKS OFFSET BYTES\n"
		   "Writes destroy the device's contents.\n");
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

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static bool is_write(const struct run *r)
{
	return r->mode == SEQWRITE || r->mode == RANDWRITE;
}

static uint64_t next_offset(struct run *r)
{
	uint64_t off;

	if (r->mode == RANDREAD || r->mode == RANDWRITE)
		return (rnd(&r->seed) % (r->size / r->bs)) * r->bs;
	if (r->seq_off + r->bs > r->size)
		r->seq_off = 0;
	off = r->seq_off;
	r->seq_off += r->bs;
	return off;
}

/*
 * Keeps one latency. Growing by doubling is rare and, for large arrays, a
 * remap rather than a copy; past MAX_LAT or without memory the percentiles
 * cover the requests that completed first (said on stderr after the run).
 */
static void keep_latency(struct run *r, uint64_t ns)
{
	if (r->nlat == r->lat_cap) {
		size_t cap = r->lat_cap ? r->lat_cap * 2 : 4096;
		uint64_t *p;

		if (cap > MAX_LAT)
			cap = MAX_LAT;
		p = cap > r->lat_cap ? realloc(r->lat, cap * sizeof(*p)) : NULL;
		if (!p)
			return;
		r->lat = p;
		r->lat_cap = cap;
	}
	r->lat[r->nlat++] = ns;
}

static int io_fail(const struct run *r, uint64_t off, const char *why)
{
	fprintf(stderr, "blkbench: %s at %" PRIu64 " on %s: %s\n", mode_names[r->mode], off, r->dev,
		why);
	return -1;
}

/* Queue depth 1: one pread/pwrite at a time, as blkbench always did. */
static int run_sync(struct run *r, void *buf)
{
	uint64_t seq = 0;

	while (r->done < r->maxbytes) {
		uint64_t off = next_offset(r), ts, tc, ks = 0, kc = 0;
		bool traced = r->trace && seq < MAX_TRACE;
		ssize_t n;

		/* The counter innermost: the trace is about the syscall alone. */
		ts = now_ns();
		if (traced)
			ks = sv_counter_read();
		if (is_write(r))
			n = pwrite(r->fd, buf, r->bs, (off_t)off);
		else
			n = pread(r->fd, buf, r->bs, (off_t)off);
		if (traced)
			kc = sv_counter_read();
		tc = now_ns();
		if (traced)
			r->tr[seq] = (struct trace_rec){ ks, kc, off };
		if (n != (ssize_t)r->bs)
			return io_fail(r, off, n < 0 ? strerror(errno) : "short transfer");
		seq++;
		r->done += r->bs;
		r->ops++;
		keep_latency(r, tc - ts);
		r->t1 = tc;
		/* Look at the clock every op: an op is far slower than the call. */
		if (r->t1 - r->t0 >= r->limit_ns)
			break;
	}
	r->tick1 = sv_counter_read();
	return 0;
}

/* One request slot of the AIO loop: its iocb (on the slot's own buffer) and request. */
struct slot {
	struct iocb cb;
	uint64_t seq, off, submit_ns;
};

/*
 * Fills slots idx[0..n-1] with the next requests and submits them in one
 * io_submit (again for the rest if the kernel takes only part of them).
 */
static int aio_submit(struct run *r, aio_context_t ctx, struct slot *slots, const int *idx, int n,
		      uint64_t *seq)
{
	struct iocb *cbs[MAX_DEPTH];
	int first = 0;

	for (int i = 0; i < n; i++) {
		struct slot *s = &slots[idx[i]];

		s->off = next_offset(r);
		s->seq = (*seq)++;
		s->cb.aio_offset = (int64_t)s->off;
		cbs[i] = &s->cb;
	}
	while (first < n) {
		uint64_t ks = 0, ts = now_ns();
		long got;

		for (int i = first; i < n; i++)
			slots[idx[i]].submit_ns = ts;
		if (r->trace)
			ks = sv_counter_read();
		got = syscall(SYS_io_submit, ctx, (long)(n - first), &cbs[first]);
		if (got <= 0)
			return io_fail(r, slots[idx[first]].off,
				       got < 0 ? strerror(errno) : "io_submit took nothing");
		/* Stored after the call so that the stamp stays next to it. */
		for (int i = first; r->trace && i < first + got; i++) {
			struct slot *s = &slots[idx[i]];

			if (s->seq < MAX_TRACE)
				r->tr[s->seq] = (struct trace_rec){ ks, 0, s->off };
		}
		first += (int)got;
	}
	return 0;
}

/*
 * Queue depth > 1: keeps depth requests in flight, refilling the slots of
 * each batch of completions with one io_submit. When the time or byte count
 * is reached no more are submitted and the ones in flight are waited for:
 * they count, so every counted byte moved between t0 and t1.
 */
static int run_aio(struct run *r, void *bufs)
{
	struct io_event ev[MAX_DEPTH];
	struct slot slots[MAX_DEPTH];
	aio_context_t ctx = 0;
	uint64_t seq = 0, submitted = 0;
	int idx[MAX_DEPTH] = { 0 }, inflight = 0, n = 0, ret = -1;

	if (syscall(SYS_io_setup, (long)r->depth, &ctx)) {
		fprintf(stderr, "blkbench: io_setup(%d): %s\n", r->depth, strerror(errno));
		return -1;
	}
	memset(slots, 0, sizeof(slots));
	for (int i = 0; i < r->depth; i++) {
		slots[i].cb.aio_data = (uint64_t)i;
		slots[i].cb.aio_lio_opcode = is_write(r) ? IOCB_CMD_PWRITE : IOCB_CMD_PREAD;
		slots[i].cb.aio_fildes = (uint32_t)r->fd;
		slots[i].cb.aio_buf = (uint64_t)(uintptr_t)((uint8_t *)bufs + (size_t)i * r->bs);
		slots[i].cb.aio_nbytes = r->bs;
	}
	while (n < r->depth && submitted < r->maxbytes) {
		idx[n] = n;
		n++;
		submitted += r->bs;
	}
	if (aio_submit(r, ctx, slots, idx, n, &seq))
		goto out;
	inflight = n;
	while (inflight > 0) {
		uint64_t tc, kc = 0, left;
		long got = syscall(SYS_io_getevents, ctx, 1L, (long)r->depth, ev, NULL);

		if (r->trace)
			kc = sv_counter_read();
		tc = now_ns();
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			fprintf(stderr, "blkbench: io_getevents: %s\n",
				got < 0 ? strerror(errno) : "no event");
			goto out;
		}
		n = 0;
		for (long i = 0; i < got; i++) {
			struct slot *s = &slots[ev[i].data];

			if (ev[i].res != (int64_t)r->bs) {
				io_fail(r, s->off,
					ev[i].res < 0 ? strerror((int)-ev[i].res) :
							"short transfer");
				goto out;
			}
			if (r->trace && s->seq < MAX_TRACE)
				r->tr[s->seq].complete = kc;
			r->done += r->bs;
			r->ops++;
			keep_latency(r, tc - s->submit_ns);
			idx[n++] = (int)ev[i].data;
		}
		inflight -= (int)got;
		r->t1 = tc;
		if (r->t1 - r->t0 >= r->limit_ns)
			continue;
		/* As at depth 1, the last request may pass -s by less than a block. */
		left = submitted < r->maxbytes ? r->maxbytes - submitted : 0;
		left = left / r->bs + !!(left % r->bs);
		if ((uint64_t)n > left)
			n = (int)left;
		if (!n)
			continue;
		if (aio_submit(r, ctx, slots, idx, n, &seq))
			goto out;
		submitted += (uint64_t)n * r->bs;
		inflight += n;
	}
	/* Before io_destroy, which can take tens of ms (an RCU grace period). */
	r->tick1 = sv_counter_read();
	ret = 0;
out:
	/* Waits for whatever is still in flight (an error path) before the buffers go. */
	syscall(SYS_io_destroy, ctx);
	return ret;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest rank: the smallest value with at least pct % of them at or below it. */
static double percentile_us(const uint64_t *v, size_t n, unsigned int pct)
{
	size_t rank = (n * pct + 99) / 100;

	if (!n)
		return 0;
	return (double)v[rank ? rank - 1 : 0] / 1e3;
}

static int parse_depth(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > MAX_DEPTH)
		return -1;
	*out = (int)v;
	return 0;
}

int main(int argc, char **argv)
{
	struct run r = { .dev = "/dev/vda",
			 .maxbytes = UINT64_MAX,
			 .seed = 88172645463325252ull,
			 .mode = -1,
			 .depth = 1 };
	double secs = 3, elapsed;
	int c;
	struct stat st;
	void *buf;

	while ((c = getopt(argc, argv, "m:d:b:t:s:q:n:Th")) != -1) {
		switch (c) {
		case 'm':
			for (int i = 0; i < 4; i++)
				if (!strcmp(optarg, mode_names[i]))
					r.mode = i;
			break;
		case 'd':
			r.dev = optarg;
			break;
		case 'b':
			if (parse_size(optarg, &r.bs) || !r.bs || r.bs % 512 ||
			    r.bs > (64u << 20)) {
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
			if (parse_size(optarg, &r.maxbytes)) {
				fprintf(stderr, "blkbench: bad byte count '%s'\n", optarg);
				return 2;
			}
			break;
		case 'q':
			if (parse_depth(optarg, &r.depth)) {
				fprintf(stderr,
					"blkbench: bad queue depth '%s' (a whole number of requests in flight, 1 to %d)\n",
					optarg, MAX_DEPTH);
				return 2;
			}
			break;
		case 'n':
			r.name = optarg;
			break;
		case 'T':
			r.trace = true;
			break;
		case 'h':
			return usage(stdout, 0);
		default:
			return usage(stderr, 2);
		}
	}
	if (r.mode < 0 || optind != argc || !(secs > 0))
		return usage(stderr, 2);
	if (!r.bs)
		r.bs = (r.mode == SEQREAD || r.mode == SEQWRITE) ? 1u << 20 : 4096;
	if (!r.name)
		r.name = mode_names[r.mode];
	r.limit_ns = secs >= 1e10 ? UINT64_MAX : (uint64_t)(secs * 1e9);
	r.fd = open(r.dev, (is_write(&r) ? O_RDWR : O_RDONLY) | O_DIRECT);
	if (r.fd < 0) {
		fprintf(stderr, "blkbench: cannot open %s with O_DIRECT: %s\n", r.dev,
			strerror(errno));
		return 1;
	}
	if (fstat(r.fd, &st) || (S_ISBLK(st.st_mode) ? ioctl(r.fd, BLKGETSIZE64, &r.size) != 0 :
						       (r.size = (uint64_t)st.st_size, 0))) {
		fprintf(stderr, "blkbench: cannot size %s: %s\n", r.dev, strerror(errno));
		return 1;
	}
	if (r.size < r.bs) {
		fprintf(stderr, "blkbench: %s (%" PRIu64 " bytes) is smaller than a block\n", r.dev,
			r.size);
		return 1;
	}
	if (posix_memalign(&buf, 4096, (size_t)r.bs * (size_t)r.depth) ||
	    (r.trace && !(r.tr = calloc(MAX_TRACE, sizeof(*r.tr))))) {
		fprintf(stderr, "blkbench: out of memory\n");
		return 1;
	}
	for (uint64_t i = 0; i < r.bs * (uint64_t)r.depth; i++)
		((uint8_t *)buf)[i] = (uint8_t)(i * 131 + 7);
	r.tick0 = sv_counter_read();
	r.t0 = now_ns();
	r.t1 = r.t0;
	if (r.depth == 1 ? run_sync(&r, buf) : run_aio(&r, buf))
		return 1;
	elapsed = (double)(r.t1 - r.t0) / 1e9;
	qsort(r.lat, r.nlat, sizeof(*r.lat), cmp_u64);
	printf("BENCH test=%s bs=%" PRIu64 " secs=%.3f ops=%" PRIu64 " bytes=%" PRIu64
	       " mbps=%.2f iops=%.1f qd=%d p50us=%.1f p99us=%.1f t0=%" PRIu64 " t1=%" PRIu64 "\n",
	       r.name, r.bs, elapsed, r.ops, r.done, (double)r.done / elapsed / 1e6,
	       (double)r.ops / elapsed, r.depth, percentile_us(r.lat, r.nlat, 50),
	       percentile_us(r.lat, r.nlat, 99), r.tick0, r.tick1);
	if (r.nlat < r.ops)
		fprintf(stderr,
			"blkbench: %s: p50us/p99us are of the first %zu of %" PRIu64
			" requests to complete\n",
			r.name, r.nlat, r.ops);
	if (r.trace) {
		printf("SVTRACE-CLOCK freq=%" PRIu64 "\n", sv_counter_freq());
		for (uint64_t i = 0; i < r.ops && i < MAX_TRACE; i++)
			printf("SVTRACE-U %s %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
			       " %" PRIu64 "\n",
			       r.name, i, r.tr[i].submit, r.tr[i].complete, r.tr[i].off, r.bs);
	}
	free(r.tr);
	free(r.lat);
	free(buf);
	close(r.fd);
	return 0;
}
