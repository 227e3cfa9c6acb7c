// SPDX-License-Identifier: GPL-2.0
/*
 * Adaptive busy-polling of a link's rings (devmodel --poll-us MAX, off by
 * default). A kick costs the driver VM's vCPU an exit and reaches us as an
 * interrupt into this VM and a thread wake-up: the `kick` stage of
 * bench/crossvm-trace, a third of a 4 KiB read. After the link's thread
 * served something it keeps looking at the rings for a window, with the
 * driver asked not to kick at all (virtq_set_polled), so a request that
 * comes in the window is taken without any of that. The link's own loop is
 * run without blocking meanwhile, so RPC requests and backends are served
 * as before. The window adapts as KVM's halt polling does: it doubles up
 * to MAX after a window that found work and halves, down to
 * DM_POLL_MIN_US, after one that did not. The price is this VM's vCPU,
 * busy for the window: worth it only where a vCPU can be spared.
 */
#include <time.h>

#include <splitvirt/virtio_host.h>

#include "link.h"

/* The shortest window: a poll that costs next to nothing when nothing comes. */
#define DM_POLL_MIN_US 10

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int poll_queues(struct dm_link *l)
{
	int found = 0;

	for (unsigned int k = 0; k < l->nr_fns; k++)
		found += virtio_host_poll_queues(l->fns[k].vh);
	return found;
}

static bool set_polled(struct dm_link *l, bool polled)
{
	bool more = false;

	for (unsigned int k = 0; k < l->nr_fns; k++)
		more |= virtio_host_set_polled(l->fns[k].vh, polled);
	return more;
}

int dm_link_poll(struct dm_link *l)
{
	unsigned int max = l->opt->poll_us, w;
	bool found = false;
	int64_t deadline;
	int ret = 0;

	/* Calls that wait for the driver side have their own timer (kcall.c). */
	if (!max || dm_link_waiting(l))
		return 0;
	w = l->poll_window_us ? l->poll_window_us : max;
	set_polled(l, true);
	deadline = now_us() + w;
	while (now_us() < deadline && !atomic_load(&l->stop) && !l->failed) {
		if (poll_queues(l) > 0) {
			found = true;
			deadline = now_us() + w;
		}
		ret = sv_loop_run_once(&l->loop, 0);
		if (ret < 0)
			break;
		ret = 0;
		if (dm_link_waiting(l))
			break;
	}
	/* Kicks on again; what came in between is served now, not at the next kick. */
	if (set_polled(l, false))
		poll_queues(l);
	if (found)
		w = w * 2 < max ? w * 2 : max;
	else
		w = w / 2 > DM_POLL_MIN_US ? w / 2 : DM_POLL_MIN_US;
	l->poll_window_us = w;
	return ret;
}
