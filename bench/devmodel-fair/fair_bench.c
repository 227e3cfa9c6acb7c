// SPDX-License-Identifier: GPL-2.0
/*
 * How much one flooding driver VM costs another one on the same devmodel:
 * two links served by the devmodel's own code (dm_link_open, the request
 * dispatcher, the virtio host glue, an rng function each) over the unit
 * tests' fake splitvirt.ko (thread-safe). Link "flood" always has -q
 * config requests queued (its driver side refills as completions come);
 * link "victim" does one request/reply round trip at a time, and its
 * latency is what is measured. The driver sides are threads of their own.
 *
 * Modes (-m):
 *   one     both links on one event loop, one thread: each link's loop
 *           gets one turn per iteration (dm_link_open on a shared loop)
 *   thread  each link on a thread of its own (dm_link_start, the daemon's way)
 *   alone   the victim without the flooder, on a thread of its own (the floor)
 * -c N pins the devmodel's thread(s) to CPU N and the driver sides to the
 * other CPUs: the device VM has one vCPU by default. -s turns crash
 * containment on (each link's state saved through the fake module's
 * saved-state area), and the flooder writes config space, so each of its
 * requests also saves its link's state: the expensive request. Not part of
 * CI.
 */
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/pci_regs.h>

#include <splitvirt/log.h>
#include <splitvirt/rpc.h>

#include "../../devmodel/link.h"
#include "../../devmodel/spec.h"
#include "../../tests/support/fake_kmod.h"

#define RAM_SIZE (1u << 20)

struct run {
	struct fake_kmod flood, victim;
	unsigned int depth; /* the flooder's queued requests */
	unsigned int rounds; /* the victim's round trips */
	bool writes; /* the flooder writes config space */
	int cpu; /* devmodel CPU, -1: not pinned */
	atomic_bool stop;
	struct sv_loop host;
	double *lat_us;
	double seconds;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The devmodel's threads on cpu, the driver sides on the others. */
static void pin(int cpu, bool devmodel)
{
	cpu_set_t set;
	int n = (int)sysconf(_SC_NPROCESSORS_ONLN);

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	for (int c = 0; c < n; c++)
		if ((c == cpu) == devmodel)
			CPU_SET(c, &set);
	if (CPU_COUNT(&set))
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *flooder(void *arg)
{
	struct run *r = arg;
	struct fake_kmod *fk = &r->flood;
	uint32_t id = 0;

	pin(r->cpu, false);
	while (!atomic_load(&r->stop)) {
		unsigned long seen = fk_counter(fk, &fk->nr_completions);

		while (fk_pending(fk) < r->depth) {
			struct sv_ioreq req = { .id = id, .as = 0, .size = 2 };

			if (r->writes) {
				/* A different value each time: the state file is rewritten. */
				req.dir = SV_RPC_MMIO_WRITE;
				req.addr = PCI_INTERRUPT_LINE;
				req.size = 1;
				req.data = id & 0xff;
			} else {
				req.dir = SV_RPC_MMIO_READ;
				req.addr = PCI_VENDOR_ID;
			}
			fk_push(fk, &req);
			id++;
		}
		/* Refill as replies come; look at the stop flag now and then. */
		fk_wait_completions(fk, seen + 1, 50);
	}
	return NULL;
}

static void *victim(void *arg)
{
	struct run *r = arg;
	struct fake_kmod *fk = &r->victim;
	double t0 = now_s();

	pin(r->cpu, false);
	for (unsigned int i = 0; i < r->rounds; i++) {
		struct sv_ioreq req = {
			.id = i, .as = 0, .size = 2, .dir = SV_RPC_MMIO_READ, .addr = PCI_DEVICE_ID
		};
		unsigned long want = fk_counter(fk, &fk->nr_completions) + 1;
		double s = now_s();

		fk_push(fk, &req);
		fk_wait_completions(fk, want, -1);
		r->lat_us[i] = (now_s() - s) * 1e6;
		/* The done log is bounded: the count is what matters. */
		fk_lock(fk);
		fk->nr_log = fk->nr_done = 0;
		fk_unlock(fk);
	}
	r->seconds = now_s() - t0;
	atomic_store(&r->stop, true);
	return NULL;
}

/* Runs the shared loop of mode "one". */
static void *host_main(void *arg)
{
	struct run *r = arg;

	while (!atomic_load(&r->stop))
		sv_loop_run_once(&r->host, 50);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [-m one|thread|alone] [-n rounds] [-q depth] [-c cpu] [-s]\n",
		argv0);
}

static void report(const struct run *r, const char *mode, bool flood)
{
	const double *l = r->lat_us;
	unsigned int n = r->rounds;

	printf("mode %-6s depth %u%s cpu %d: victim round trip us: p50 %.1f p90 %.1f p99 %.1f max %.1f; %.0f round trips/s; flooder %.0f requests/s\n",
	       mode, flood ? r->depth : 0, r->writes ? " (writes, saved state)" : "", r->cpu,
	       l[n / 2], l[n * 9 / 10], l[n * 99 / 100], l[n - 1], n / r->seconds,
	       r->flood.nr_completions / r->seconds);
}

int main(int argc, char **argv)
{
	const char *mode = "one";
	struct run *r = calloc(1, sizeof(*r));
	struct dm_options opt = { .console_out_fd = -1 };
	struct dm_config cfg;
	struct dm_link *lf = NULL, *lv = NULL;
	pthread_t tf, tv, th;
	char err[128];
	bool flood, threads;
	int c;

	if (!r)
		return 1;
	r->depth = 256;
	r->rounds = 20000;
	r->cpu = -1;
	while ((c = getopt(argc, argv, "m:n:q:c:sh")) != -1) {
		switch (c) {
		case 'm':
			mode = optarg;
			break;
		case 'n':
			r->rounds = (unsigned int)atoi(optarg);
			break;
		case 'q':
			r->depth = (unsigned int)atoi(optarg);
			break;
		case 'c':
			r->cpu = atoi(optarg);
			break;
		case 's':
			opt.keep_state = true;
			r->writes = true;
			break;
		default:
			usage(argv[0]);
			return 2;
		}
	}
	flood = strcmp(mode, "alone") != 0;
	threads = strcmp(mode, "one") != 0;
	if ((flood && threads && strcmp(mode, "thread")) || !r->rounds || r->depth > FK_MAX_REQS) {
		usage(argv[0]);
		return 2;
	}
	sv_log_set_level(SV_LOG_ERROR);
	r->lat_us = calloc(r->rounds, sizeof(double));
	if (!r->lat_us ||
	    dm_parse_cmdline("sv.link0=flood:rng sv.link1=victim:rng", &cfg, err, sizeof(err)) ||
	    fk_init(&r->flood, "flood", RAM_SIZE, 4, 4) ||
	    fk_init(&r->victim, "victim", RAM_SIZE, 4, 4) || sv_loop_init(&r->host))
		return 1;
	r->victim.info.link_id = 1;
	/* The links' threads inherit it; the driver sides move elsewhere. */
	pin(r->cpu, true);
	if (dm_link_open(&lf, &r->flood.km, &r->host, &cfg.links[0], &opt) ||
	    dm_link_open(&lv, &r->victim.km, &r->host, &cfg.links[1], &opt)) {
		fprintf(stderr, "opening the links failed\n");
		return 1;
	}
	if (threads) {
		if (dm_link_start(lf, -1) || dm_link_start(lv, -1))
			return 1;
	} else {
		pthread_create(&th, NULL, host_main, r);
	}
	if (flood)
		pthread_create(&tf, NULL, flooder, r);
	pthread_create(&tv, NULL, victim, r);
	pthread_join(tv, NULL);
	if (flood)
		pthread_join(tf, NULL);
	if (!threads)
		pthread_join(th, NULL);
	dm_link_close(lf);
	dm_link_close(lv);

	qsort(r->lat_us, r->rounds, sizeof(double), cmp_double);
	report(r, mode, flood);
	sv_loop_fini(&r->host);
	fk_fini(&r->flood);
	fk_fini(&r->victim);
	free(r->lat_us);
	free(r);
	return 0;
}
