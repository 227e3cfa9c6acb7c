// SPDX-License-Identifier: GPL-2.0
/*
 * Writers take a slot with one relaxed fetch-add and fill it; nothing
 * orders the fill against other threads, because only sv_trace_dump()
 * reads the ring, at a quiet moment, after the writers' work became
 * visible to it through the event that made the moment quiet (a thread
 * join, an idle epoll round). A slot overwritten while it is printed is
 * the documented price of not locking the hot path.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <splitvirt/counter.h>
#include <splitvirt/trace.h>

struct sv_trace_rec *sv_trace_ring_;
static uint64_t ring_mask;
static atomic_uint_fast64_t ring_next;
static uint64_t dumped; /* records [0, dumped) were printed or lost */
static int kernel_fd = -1;
/* A kernel line whose end has not come yet. */
static char kernel_buf[8192];
static size_t kernel_have;

static const char *const point_names[SV_TP_COUNT] = {
	[SV_TP_WAKE] = "wake", [SV_TP_POP] = "pop",   [SV_TP_SUBMIT] = "submit",
	[SV_TP_DONE] = "done", [SV_TP_PUSH] = "push", [SV_TP_CALL] = "call",
};

const char *sv_trace_point_name(enum sv_trace_point point)
{
	return (unsigned int)point < SV_TP_COUNT ? point_names[point] : "?";
}

int sv_trace_point_parse(const char *name)
{
	for (int i = 0; i < SV_TP_COUNT; i++)
		if (!strcmp(name, point_names[i]))
			return i;
	return -1;
}

int sv_trace_parse_line(const char *line, const char *tag, struct sv_trace_rec *out)
{
	size_t n = strlen(tag);
	unsigned int dev, queue, head, arg;
	unsigned long long ticks;
	char name[16], end;
	int point;

	if (strncmp(line, tag, n) || line[n] != ' ')
		return -EINVAL;
	if (sscanf(line + n + 1, "%15s %u %u %u %u %llu%c", name, &dev, &queue, &head, &arg, &ticks,
		   &end) != 6)
		return -EINVAL;
	point = sv_trace_point_parse(name);
	if (point < 0 || dev > UINT8_MAX || queue > UINT16_MAX || head > UINT16_MAX)
		return -EINVAL;
	*out = (struct sv_trace_rec){ .ticks = ticks,
				      .arg = arg,
				      .queue = (uint16_t)queue,
				      .head = (uint16_t)head,
				      .point = (uint8_t)point,
				      .dev = (uint8_t)dev };
	return 0;
}

void sv_trace_record(enum sv_trace_point point, uint8_t dev, uint16_t queue, uint16_t head,
		     uint32_t arg)
{
	uint64_t i = atomic_fetch_add_explicit(&ring_next, 1, memory_order_relaxed);
	struct sv_trace_rec *r = &sv_trace_ring_[i & ring_mask];

	*r = (struct sv_trace_rec){ .ticks = sv_counter_read(),
				    .arg = arg,
				    .queue = queue,
				    .head = head,
				    .point = (uint8_t)point,
				    .dev = dev };
}

int sv_trace_enable(unsigned int nr_records)
{
	uint64_t n = 1;

	if (!nr_records || nr_records > (1u << 24))
		return -EINVAL;
	if (sv_trace_ring_)
		return -EBUSY;
	while (n < nr_records)
		n <<= 1;
	sv_trace_ring_ = calloc(n, sizeof(*sv_trace_ring_));
	if (!sv_trace_ring_)
		return -ENOMEM;
	ring_mask = n - 1;
	atomic_store(&ring_next, 0);
	dumped = 0;
	return 0;
}

void sv_trace_disable(void)
{
	free(sv_trace_ring_);
	sv_trace_ring_ = NULL;
	ring_mask = 0;
	kernel_fd = -1;
	kernel_have = 0;
}

void sv_trace_set_kernel_fd(int fd)
{
	kernel_fd = fd;
}

uint64_t sv_trace_pending(void)
{
	return sv_trace_ring_ ? atomic_load(&ring_next) - dumped : 0;
}

/* Passes the kernel's lines through, each prefixed; a partial last line waits for the next dump. */
static void dump_kernel(FILE *f, const char *tag)
{
	char *buf = kernel_buf;
	size_t have = kernel_have;
	ssize_t n;

	if (kernel_fd < 0)
		return;
	while ((n = read(kernel_fd, buf + have, sizeof(kernel_buf) - 1 - have)) > 0) {
		char *line = buf, *nl;

		have += (size_t)n;
		buf[have] = '\0';
		while ((nl = memchr(line, '\n', have - (size_t)(line - buf)))) {
			*nl = '\0';
			fprintf(f, "%s-K %s\n", tag, line);
			line = nl + 1;
		}
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
		/* A line longer than the buffer: print what we have. */
		if (have == sizeof(kernel_buf) - 1) {
			fprintf(f, "%s-K %.*s\n", tag, (int)have, buf);
			have = 0;
		}
	}
	kernel_have = have;
}

uint64_t sv_trace_dump(FILE *f, const char *tag)
{
	uint64_t end, start, i;
	struct timespec ts;

	if (!sv_trace_ring_)
		return 0;
	end = atomic_load_explicit(&ring_next, memory_order_acquire);
	start = dumped;
	/* Two clocks read back to back: how a reader maps the kernel's ns onto our ticks. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	fprintf(f, "%s-CAL mono_ns=%llu ticks=%llu freq=%llu\n", tag,
		(unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec,
		(unsigned long long)sv_counter_read(), (unsigned long long)sv_counter_freq());
	if (end - start > ring_mask + 1) {
		fprintf(f, "%s-LOST %llu\n", tag,
			(unsigned long long)(end - start - ring_mask - 1));
		start = end - ring_mask - 1;
	}
	for (i = start; i < end; i++) {
		const struct sv_trace_rec *r = &sv_trace_ring_[i & ring_mask];

		fprintf(f, "%s %s %u %u %u %u %llu\n", tag, sv_trace_point_name(r->point), r->dev,
			r->queue, r->head, r->arg, (unsigned long long)r->ticks);
	}
	dumped = end;
	dump_kernel(f, tag);
	fflush(f);
	return end - start;
}
