/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-request trace: a stamp (include/splitvirt/counter.h) at each stage a
 * virtio request passes in a device model, kept in one ring in memory and
 * printed only when asked (sv_trace_dump), so that tracing costs a counter
 * read and a store per stage and no I/O while requests are timed. Off
 * unless sv_trace_enable() was called; then every sv_trace() is one test of
 * a pointer. bench/tools/trace_breakdown.c puts the stages of all VMs on
 * one time line.
 */
#ifndef SPLITVIRT_TRACE_H
#define SPLITVIRT_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* The tag of the lines sv_trace_dump() prints in our programs (devmodel, vmm). */
#define SV_TRACE_TAG "SVT-D"

/* The stages, in the order a request passes them. */
enum sv_trace_point {
	SV_TP_WAKE, /* the queue's kick seen by the thread that serves it */
	SV_TP_POP, /* a chain taken from the avail ring (arg: its bytes) */
	SV_TP_SUBMIT, /* handed to the backend (arg: bytes) */
	SV_TP_DONE, /* the backend finished it */
	SV_TP_PUSH, /* in the used ring */
	SV_TP_CALL, /* the driver interrupted (call eventfd written) */
	SV_TP_COUNT
};

struct sv_trace_rec {
	uint64_t ticks;
	uint32_t arg;
	uint16_t queue;
	uint16_t head;
	uint8_t point; /* enum sv_trace_point */
	uint8_t dev; /* VIRTIO_ID_* of the device */
};

/* Set once, before any thread records; NULL while tracing is off. */
extern struct sv_trace_rec *sv_trace_ring_;

static inline bool sv_trace_on(void)
{
	return __builtin_expect(sv_trace_ring_ != NULL, 0);
}

void sv_trace_record(enum sv_trace_point point, uint8_t dev, uint16_t queue, uint16_t head,
		     uint32_t arg);

static inline void sv_trace(enum sv_trace_point point, uint8_t dev, uint16_t queue, uint16_t head,
			    uint32_t arg)
{
	if (sv_trace_on())
		sv_trace_record(point, dev, queue, head, arg);
}

/*
 * Turns tracing on with a ring of nr_records (rounded up to a power of
 * two; the oldest are overwritten). Call before the threads that record
 * start. 0 or -errno.
 */
int sv_trace_enable(unsigned int nr_records);
/* Off again; the ring is freed. Only when no thread records any more. */
void sv_trace_disable(void);
/*
 * Lines of a kernel trace (e.g. ftrace's trace_pipe opened non-blocking)
 * to pass through at each dump, after ours; -1 for none. Not owned.
 */
void sv_trace_set_kernel_fd(int fd);
/* Records not yet dumped. */
uint64_t sv_trace_pending(void);
/*
 * Prints the records not yet printed, oldest first, as
 *   <tag>-CAL mono_ns=N ticks=N freq=N
 *   <tag> <point> <dev> <queue> <head> <arg> <ticks>
 * then "<tag>-K <line>" for each line from the kernel fd, and
 * "<tag>-LOST N" if the ring overwrote records before they were printed.
 * Meant for moments no request is in flight: a record being written
 * while it is printed may come out half-old. Returns the number printed.
 */
uint64_t sv_trace_dump(FILE *f, const char *tag);
/*
 * Reads back one "<tag> ..." record line of a dump (without its newline);
 * 0, or -EINVAL if it is not one (CAL/K/LOST lines are not records).
 */
int sv_trace_parse_line(const char *line, const char *tag, struct sv_trace_rec *out);
/* The name of a point ("wake", "pop", ...), for readers of the dump. */
const char *sv_trace_point_name(enum sv_trace_point point);
/* The point named name, or -1. */
int sv_trace_point_parse(const char *name);

#endif
