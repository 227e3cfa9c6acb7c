/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a cross-VM request's time goes: the stamps of one traced bench
 * round (a driver VM's blkbench -T, the device VM's devmodel --trace and
 * its kernel's kick interrupts) put on one time line (the counter our vmm
 * shares with every VM) and cut, per request, into stages.
 */
#ifndef BENCH_TOOLS_BREAKDOWN_H
#define BENCH_TOOLS_BREAKDOWN_H

#include <stdint.h>

#include <splitvirt/trace.h>

/* The stages of one request, in order; each ends where the next begins. */
enum bd_stage {
	BD_KICK, /* user submit -> the device VM's kernel takes the kick interrupt */
	BD_WAKE, /* -> the devmodel's thread sees the kick (0 when served by the driver's vmm) */
	BD_POP, /* -> the first chain taken from the avail ring */
	BD_PARSE, /* -> handed to the backend */
	BD_BACKEND, /* -> the backend finished (the last chain) */
	BD_USED, /* -> in the used ring */
	BD_CALL, /* -> interrupt sent */
	BD_RETURN, /* -> the driver VM's blkbench has the completion */
	BD_NR_STAGES
};

struct bd_user {
	char name[32];
	uint64_t submit, complete; /* ticks */
	uint64_t bytes;
};

struct bd_events {
	struct bd_user *user;
	unsigned int nr_user, cap_user;
	struct sv_trace_rec *dev; /* devmodel records, as printed (in time order) */
	unsigned int nr_dev, cap_dev;
	uint64_t *kick; /* kick interrupts in the device VM, ticks, ascending */
	unsigned int nr_kick, cap_kick;
	uint64_t freq; /* ticks per second */
	/* The device VM's CLOCK_MONOTONIC (its ftrace clock) against ticks. */
	uint64_t cal_mono_ns, cal_ticks;
	unsigned long bad_lines;
};

/*
 * Takes one line of a `splitvirt run` output (a "[vm] " prefix is
 * skipped); what is not a trace line is ignored. 0, -ENOMEM, or -EINVAL
 * for a trace line that does not parse (counted in bad_lines).
 */
int bd_feed_line(struct bd_events *ev, const char *line);
void bd_events_free(struct bd_events *ev);
/* Puts the device-side stamps in time order (inputs may come in any order); before bd_request_stages. */
void bd_events_sort(struct bd_events *ev);

struct bd_request {
	uint64_t at[BD_NR_STAGES + 1]; /* stage s runs from at[s] to at[s + 1] */
	unsigned int chains; /* virtio requests the block layer made of it */
	bool polled; /* found by a polling devmodel: no kick, no wake (both stages 0) */
	unsigned int overlapped; /* stages that ended before they began (counted as 0) */
};

/*
 * The stages of the user request u, from the device VM's stamps between
 * its submit and its completion (device dev, VIRTIO_ID_*); without any
 * kernel kick stamps (devices of the driver VM's own vmm) the kick stage
 * lasts until the wake; without a wake (found by polling) until the pop.
 * Chains overlap: a stage that ends before it begins counts as 0
 * (overlapped). -ENOENT if a stage has no stamp there. Stamps are looked
 * for only between the request's own submit and completion, so clocks
 * that are not shared show as missing stages, not as wrong ones.
 */
int bd_request_stages(const struct bd_events *ev, unsigned int u, uint8_t dev,
		      struct bd_request *out);

const char *bd_stage_name(enum bd_stage s);

#endif
