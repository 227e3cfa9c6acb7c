// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <splitvirt/trace.h>

#include "breakdown.h"

/* Tags as printed by devmodel/vmm --trace and blkbench -T. */
#define DEV_TAG SV_TRACE_TAG
#define USER_TAG "SVTRACE-U"
#define CLOCK_TAG "SVTRACE-CLOCK"

static const char *const stage_names[BD_NR_STAGES] = {
	[BD_KICK] = "kick",	  [BD_WAKE] = "wake", [BD_POP] = "pop",	  [BD_PARSE] = "parse",
	[BD_BACKEND] = "backend", [BD_USED] = "used", [BD_CALL] = "call", [BD_RETURN] = "return",
};

const char *bd_stage_name(enum bd_stage s)
{
	return (unsigned int)s < BD_NR_STAGES ? stage_names[s] : "?";
}

/* Room for one more element in *arr (of *cap, *n used). */
static int grow(void **arr, unsigned int *cap, unsigned int n, size_t size)
{
	unsigned int ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 1024;
	p = realloc(*arr, (size_t)ncap * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

static int bad(struct bd_events *ev)
{
	ev->bad_lines++;
	return -EINVAL;
}

static bool starts(const char *s, const char *tag)
{
	size_t n = strlen(tag);

	return !strncmp(s, tag, n) && (s[n] == ' ' || s[n] == '\0');
}

/* "... 123.456789: irq_handler_entry: irq=45 name=splitvirt0-kick0": a kick's arrival. */
static int feed_kernel(struct bd_events *ev, const char *line)
{
	const char *ev_name = strstr(line, ": irq_handler_entry: "), *p, *name;
	unsigned long long sec, usec;
	uint64_t mono_ns, ticks;
	double dt;

	if (!ev_name)
		return 0;
	name = strstr(ev_name, " name=");
	if (!name || !strstr(name, "-kick"))
		return 0;
	for (p = ev_name; p > line && p[-1] != ' '; p--)
		;
	if (sscanf(p, "%llu.%6llu:", &sec, &usec) != 2)
		return bad(ev);
	if (!ev->freq)
		return bad(ev); /* no calibration line before it */
	mono_ns = sec * 1000000000ull + usec * 1000ull;
	dt = ((double)mono_ns - (double)ev->cal_mono_ns) * (double)ev->freq / 1e9;
	ticks = (uint64_t)((double)ev->cal_ticks + dt);
	if (grow((void **)&ev->kick, &ev->cap_kick, ev->nr_kick, sizeof(*ev->kick)))
		return -ENOMEM;
	ev->kick[ev->nr_kick++] = ticks;
	return 0;
}

static int feed_dev(struct bd_events *ev, const char *line)
{
	unsigned long long mono, ticks, freq;
	struct sv_trace_rec r;

	if (starts(line, DEV_TAG "-CAL")) {
		if (sscanf(line, DEV_TAG "-CAL mono_ns=%llu ticks=%llu freq=%llu", &mono, &ticks,
			   &freq) != 3 ||
		    !freq)
			return bad(ev);
		ev->cal_mono_ns = mono;
		ev->cal_ticks = ticks;
		ev->freq = freq;
		return 0;
	}
	if (starts(line, DEV_TAG "-K"))
		return feed_kernel(ev, line);
	if (starts(line, DEV_TAG "-LOST"))
		return 0;
	if (sv_trace_parse_line(line, DEV_TAG, &r))
		return bad(ev);
	if (grow((void **)&ev->dev, &ev->cap_dev, ev->nr_dev, sizeof(*ev->dev)))
		return -ENOMEM;
	ev->dev[ev->nr_dev++] = r;
	return 0;
}

static int feed_user(struct bd_events *ev, const char *line)
{
	unsigned long long seq, s, c, off, bytes;
	struct bd_user *u;
	char name[32];

	if (sscanf(line, USER_TAG " %31s %llu %llu %llu %llu %llu", name, &seq, &s, &c, &off,
		   &bytes) != 6 ||
	    c < s)
		return bad(ev);
	if (grow((void **)&ev->user, &ev->cap_user, ev->nr_user, sizeof(*ev->user)))
		return -ENOMEM;
	u = &ev->user[ev->nr_user++];
	snprintf(u->name, sizeof(u->name), "%s", name);
	u->submit = s;
	u->complete = c;
	u->bytes = bytes;
	return 0;
}

int bd_feed_line(struct bd_events *ev, const char *line)
{
	/* Under splitvirt run every guest line starts with "[vm] ". */
	if (line[0] == '[') {
		const char *end = strstr(line, "] ");

		if (end)
			line = end + 2;
	}
	if (starts(line, USER_TAG))
		return feed_user(ev, line);
	if (!strncmp(line, DEV_TAG, strlen(DEV_TAG)) &&
	    (line[strlen(DEV_TAG)] == ' ' || line[strlen(DEV_TAG)] == '-'))
		return feed_dev(ev, line);
	return 0; /* SVTRACE-CLOCK and everything else: the device side's calibration serves */
}

void bd_events_free(struct bd_events *ev)
{
	free(ev->user);
	free(ev->dev);
	free(ev->kick);
	memset(ev, 0, sizeof(*ev));
}

static int cmp_ticks(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int cmp_rec(const void *a, const void *b)
{
	const struct sv_trace_rec *x = a, *y = b;

	return (x->ticks > y->ticks) - (x->ticks < y->ticks);
}

void bd_events_sort(struct bd_events *ev)
{
	/* Stable enough: equal stamps keep no meaningful order anyway. */
	if (ev->nr_dev)
		qsort(ev->dev, ev->nr_dev, sizeof(*ev->dev), cmp_rec);
	if (ev->nr_kick)
		qsort(ev->kick, ev->nr_kick, sizeof(*ev->kick), cmp_ticks);
}

/* First index of a[] (ascending) with a value >= t. */
static unsigned int first_kick_at(const struct bd_events *ev, uint64_t t)
{
	unsigned int lo = 0, hi = ev->nr_kick;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (ev->kick[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static unsigned int first_dev_at(const struct bd_events *ev, uint64_t t)
{
	unsigned int lo = 0, hi = ev->nr_dev;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (ev->dev[mid].ticks < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int bd_request_stages(const struct bd_events *ev, unsigned int u, uint8_t dev,
		      struct bd_request *out)
{
	const struct bd_user *usr = &ev->user[u];
	uint64_t first[SV_TP_COUNT] = { 0 }, last[SV_TP_COUNT] = { 0 };
	bool seen[SV_TP_COUNT] = { false };
	unsigned int k = first_kick_at(ev, usr->submit);

	memset(out, 0, sizeof(*out));
	for (unsigned int i = first_dev_at(ev, usr->submit);
	     i < ev->nr_dev && ev->dev[i].ticks <= usr->complete; i++) {
		const struct sv_trace_rec *r = &ev->dev[i];

		if (r->dev != dev || r->point >= SV_TP_COUNT)
			continue;
		if (!seen[r->point])
			first[r->point] = r->ticks;
		seen[r->point] = true;
		last[r->point] = r->ticks;
		if (r->point == SV_TP_POP)
			out->chains++;
	}
	/* A request a busy-polling devmodel found has no kick and no wake. */
	out->polled = !seen[SV_TP_WAKE];
	if (out->polled) {
		first[SV_TP_WAKE] = first[SV_TP_POP];
		seen[SV_TP_WAKE] = seen[SV_TP_POP];
	}
	for (int p = 0; p < SV_TP_COUNT; p++)
		if (!seen[p])
			return -ENOENT;
	out->at[BD_KICK] = usr->submit;
	if (ev->nr_kick && !out->polled) {
		/* The kick the devmodel woke for: the last one before it woke. */
		if (k >= ev->nr_kick || ev->kick[k] > first[SV_TP_WAKE])
			return -ENOENT;
		while (k + 1 < ev->nr_kick && ev->kick[k + 1] <= first[SV_TP_WAKE])
			k++;
		out->at[BD_WAKE] = ev->kick[k];
	} else {
		/*
		 * Served in the driver VM's own vmm (no VM between), or found by
		 * polling: the kick stage lasts until the wake (or the pop).
		 */
		out->at[BD_WAKE] = first[SV_TP_WAKE];
	}
	out->at[BD_POP] = first[SV_TP_WAKE];
	out->at[BD_PARSE] = first[SV_TP_POP];
	out->at[BD_BACKEND] = first[SV_TP_SUBMIT];
	out->at[BD_USED] = last[SV_TP_DONE];
	out->at[BD_CALL] = last[SV_TP_PUSH];
	out->at[BD_RETURN] = last[SV_TP_CALL];
	out->at[BD_NR_STAGES] = usr->complete;
	/*
	 * Chains of one request overlap: the driver can find the last one
	 * completed while it handles an earlier one's interrupt (last push
	 * after the last call), a chain can be popped before the wake of a
	 * later kick. A stage whose end precedes its start lasted nothing.
	 */
	for (int s = 1; s <= BD_NR_STAGES; s++) {
		if (out->at[s] < out->at[s - 1]) {
			out->at[s] = out->at[s - 1];
			out->overlapped++;
		}
	}
	return 0;
}
