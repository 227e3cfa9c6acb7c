/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The devmodel daemon: keeps every selected link served, each by a thread
 * of its own (dm_link_start). The daemon's thread opens and closes links
 * and takes the signals. A link that cannot be opened (dataport not there
 * yet, another devmodel holds it) or whose handle hangs up (driver side
 * gone, link reset) is closed and reopened after DM_RETRY_MS. SIGTERM/
 * SIGINT stop it cleanly.
 */
#ifndef DEVMODEL_DAEMON_H
#define DEVMODEL_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "kmod.h"
#include "link.h"
#include <splitvirt/event_loop.h>
#include "spec.h"

#define DM_RETRY_MS 1000
#define DM_PROBE_MAX_ID 255 /* link ids probed to list what the module has */

struct dm_slot {
	const struct sv_link_spec *spec;
	struct dm_link *link;
	struct timespec retry_at;
	int last_err; /* logged once per distinct error */
};

struct dm_daemon {
	struct dm_kmod km;
	struct sv_loop loop;
	struct dm_options opt;
	unsigned int nr_slots;
	struct dm_slot slots[SV_VM_MAX_LINKS];
	struct sv_watch sig_watch;
	int sig_fd;
	struct sv_watch reap_watch;
	int reap_fd; /* a link's thread ended: written by it, read here */
	bool stop;
	uint64_t trace_pending; /* records waiting to be printed (--trace) */
	int64_t trace_quiet_since; /* when that count last changed, ms */
};

/* With --trace: no request for this long before the trace is printed. */
#define DM_TRACE_QUIET_MS 1000

/*
 * Serves specs[0..n) through km (not owned) until a stop signal (or, with
 * max_iterations > 0, that many loop iterations, for tests). Returns 0 on
 * a clean stop, -errno if the loop itself failed.
 */
int dm_daemon_init(struct dm_daemon *d, const struct dm_kmod *km, const struct dm_options *opt,
		   const struct sv_link_spec *const *specs, unsigned int n);
int dm_daemon_run(struct dm_daemon *d, unsigned int max_iterations);
void dm_daemon_fini(struct dm_daemon *d);

/* Prints what --trace recorded since the last print (sv_trace_dump) and syncs it. */
void dm_trace_print(FILE *out);

/* Logs which links the module has and which of them the command line covers. */
void dm_daemon_survey(const struct dm_kmod *km, const struct dm_config *cfg);

#endif
