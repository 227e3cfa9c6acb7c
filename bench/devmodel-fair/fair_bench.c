// SPDX-License-Identifier: GPL-2.0
/*
 * How much one flooding driver VM costs another one on the same devmodel:
 * two links served by the devmodel's own code (dm_link_open, the request
 * dispatcher, the virtio host glue, an rng function each) over a
 * thread-safe stand-in for splitvirt.ko. Link "flood" always has -q
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
 * other CPUs: the device VM has one vCPU by default. -s DIR turns crash
 * containment on (a state file per link in DIR), and the flooder writes
 * config space, so each of its requests also writes its state file: the
 * expensive request. Not part of CI.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <linux/pci_regs.h>

#include <splitvirt/log.h>
#include <splitvirt/rpc.h>

#include "../../devmodel/link.h"
#include "../../devmodel/spec.h"

#define RAM_SIZE (1u << 20)
#define MAX_QUEUED 1024

/* One link of the stand-in module; every field under lock. */
struct bk {
	struct dm_kmod km;
	struct sv_link_info info;
	pthread_mutex_t lock;
	pthread_cond_t done_cv;
	void *ram;
	int vm; /* eventfd: readable while requests are queued */
	struct sv_ioreq reqs[MAX_QUEUED];
	unsigned int head, tail;
	unsigned long completed;
};

static struct bk *bk_of(void *ctx)
{
	return ctx;
}

static int b_nr_links(void *ctx)
{
	(void)ctx;
	return 1;
}

static int b_link_info(void *ctx, uint32_t id, struct sv_link_info *info)
{
	(void)id;
	*info = bk_of(ctx)->info;
	return 0;
}

static int b_create_vm(void *ctx, uint32_t id)
{
	struct bk *b = bk_of(ctx);

	(void)id;
	b->vm = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return b->vm < 0 ? -errno : b->vm;
}

static void b_close_vm(void *ctx, int vm)
{
	(void)ctx;
	close(vm);
}

static int b_get_info(void *ctx, int vm, struct sv_link_info *info)
{
	(void)vm;
	*info = bk_of(ctx)->info;
	return 0;
}

static int b_map_ram(void *ctx, int vm, uint64_t size, void **hva)
{
	(void)vm;
	(void)size;
	*hva = bk_of(ctx)->ram;
	return 0;
}

static void b_unmap_ram(void *ctx, void *hva, uint64_t size)
{
	(void)ctx;
	(void)hva;
	(void)size;
}

static int b_get_io(void *ctx, int vm, struct sv_ioreq *req)
{
	struct bk *b = bk_of(ctx);
	uint64_t n;
	int ret = 0;

	pthread_mutex_lock(&b->lock);
	if (b->head == b->tail) {
		/* Empty: not readable any more until the next push (under the same lock). */
		if (read(vm, &n, sizeof(n)) < 0 && errno != EAGAIN)
			ret = -errno;
		else
			ret = -EAGAIN;
	} else {
		*req = b->reqs[b->head++ % MAX_QUEUED];
	}
	pthread_mutex_unlock(&b->lock);
	return ret;
}

static int b_complete_io(void *ctx, int vm, const struct sv_ioreq *req)
{
	struct bk *b = bk_of(ctx);

	(void)vm;
	(void)req;
	pthread_mutex_lock(&b->lock);
	b->completed++;
	pthread_cond_broadcast(&b->done_cv);
	pthread_mutex_unlock(&b->lock);
	return 0;
}

static int b_ioeventfd(void *ctx, int vm, const struct sv_ioeventfd *a)
{
	(void)ctx;
	(void)vm;
	(void)a;
	return 0;
}

static int b_irqfd(void *ctx, int vm, const struct sv_irqfd *a)
{
	(void)ctx;
	(void)vm;
	(void)a;
	return 0;
}

static int b_set_irq(void *ctx, int vm, uint32_t irq, uint32_t level)
{
	(void)ctx;
	(void)vm;
	(void)irq;
	(void)level;
	return 0;
}

static int b_msi(void *ctx, int vm, uint64_t addr, uint32_t data, uint32_t pcidev)
{
	(void)ctx;
	(void)vm;
	(void)addr;
	(void)data;
	(void)pcidev;
	return 0;
}

static int b_register_pci_dev(void *ctx, int vm, uint32_t index, uint32_t flags)
{
	(void)ctx;
	(void)vm;
	(void)index;
	(void)flags;
	return 0;
}

static int b_mmio_region(void *ctx, int vm, uint64_t gpa, uint64_t size, uint32_t flags)
{
	(void)ctx;
	(void)vm;
	(void)gpa;
	(void)size;
	(void)flags;
	return 0;
}

static int b_start_vm(void *ctx, int vm)
{
	(void)ctx;
	(void)vm;
	return 0;
}

static const struct dm_kmod_ops bk_ops = {
	.nr_links = b_nr_links,
	.link_info = b_link_info,
	.create_vm = b_create_vm,
	.close_vm = b_close_vm,
	.get_info = b_get_info,
	.map_ram = b_map_ram,
	.unmap_ram = b_unmap_ram,
	.get_io = b_get_io,
	.complete_io = b_complete_io,
	.ioeventfd = b_ioeventfd,
	.irqfd = b_irqfd,
	.set_irq = b_set_irq,
	.msi = b_msi,
	.register_pci_dev = b_register_pci_dev,
	.mmio_region = b_mmio_region,
	.start_vm = b_start_vm,
};

static void bk_init(struct bk *b, uint32_t id, const char *name)
{
	memset(b, 0, sizeof(*b));
	b->km = (struct dm_kmod){ .ops = &bk_ops, .ctx = b };
	b->info.link_id = id;
	b->info.nr_kicks = 4;
	b->info.nr_calls = 4;
	b->info.ram_gpa = 0x40000000;
	b->info.ram_size = RAM_SIZE;
	b->info.connected = 1;
	snprintf(b->info.name, sizeof(b->info.name), "%s", name);
	b->ram = aligned_alloc(4096, RAM_SIZE);
	if (!b->ram)
		abort();
	memset(b->ram, 0, RAM_SIZE);
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->done_cv, NULL);
}

/* Queues a request and makes the handle readable; the caller holds the lock. */
static void bk_push_locked(struct bk *b, const struct sv_ioreq *req)
{
	uint64_t one = 1;

	b->reqs[b->tail++ % MAX_QUEUED] = *req;
	if (write(b->vm, &one, sizeof(one)) != sizeof(one))
		abort();
}

/* ---- the two driver sides ---------------------------------------------------- */

struct run {
	struct bk flood, victim;
	unsigned int depth; /* the flooder's queued requests */
	unsigned int rounds; /* the victim's round trips */
	bool writes; /* the flooder writes config space */
	int cpu; /* devmodel CPU, -1: not pinned */
	atomic_bool stop;
	struct sv_loop host;
	double *lat_us;
	unsigned long flood_done;
	double seconds;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

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
	struct bk *b = &r->flood;
	uint32_t id = 0;

	pin(r->cpu, false);
	pthread_mutex_lock(&b->lock);
	while (!atomic_load(&r->stop)) {
		while (b->tail - b->head < r->depth) {
			struct sv_ioreq req = { .id = id++, .as = 0, .size = 2 };

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
			bk_push_locked(b, &req);
		}
		pthread_cond_wait(&b->done_cv, &b->lock);
	}
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

static void *victim(void *arg)
{
	struct run *r = arg;
	struct bk *b = &r->victim;
	double t0 = now_s();

	pin(r->cpu, false);
	for (unsigned int i = 0; i < r->rounds; i++) {
		struct sv_ioreq req = {
			.id = i, .as = 0, .size = 2, .dir = SV_RPC_MMIO_READ, .addr = PCI_DEVICE_ID
		};
		double s = now_s();
		unsigned long want;

		pthread_mutex_lock(&b->lock);
		want = b->completed + 1;
		bk_push_locked(b, &req);
		while (b->completed < want)
			pthread_cond_wait(&b->done_cv, &b->lock);
		pthread_mutex_unlock(&b->lock);
		r->lat_us[i] = (now_s() - s) * 1e6;
	}
	r->seconds = now_s() - t0;
	atomic_store(&r->stop, true);
	return NULL;
}

/* ---- the devmodel side --------------------------------------------------------- */

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
	fprintf(stderr,
		"usage: %s [-m one|thread|alone] [-n rounds] [-q depth] [-c cpu] [-s statedir]\n",
		argv0);
}

int main(int argc, char **argv)
{
	const char *mode = "one", *state_dir = NULL;
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
	while ((c = getopt(argc, argv, "m:n:q:c:s:h")) != -1) {
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
			state_dir = optarg;
			r->writes = true;
			break;
		default:
			usage(argv[0]);
			return 2;
		}
	}
	flood = strcmp(mode, "alone") != 0;
	threads = strcmp(mode, "one") != 0;
	if ((strcmp(mode, "one") && strcmp(mode, "thread") && flood) || !r->rounds ||
	    r->depth > MAX_QUEUED) {
		usage(argv[0]);
		return 2;
	}
	sv_log_set_level(SV_LOG_ERROR);
	opt.state_dir = state_dir;
	r->lat_us = calloc(r->rounds, sizeof(double));
	if (!r->lat_us)
		return 1;
	if (dm_parse_cmdline("sv.link0=flood:rng sv.link1=victim:rng", &cfg, err, sizeof(err)))
		return 1;
	bk_init(&r->flood, 0, "flood");
	bk_init(&r->victim, 1, "victim");
	if (sv_loop_init(&r->host))
		return 1;
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
	if (flood) {
		pthread_mutex_lock(&r->flood.lock);
		pthread_cond_broadcast(&r->flood.done_cv);
		pthread_mutex_unlock(&r->flood.lock);
		pthread_join(tf, NULL);
	}
	if (!threads)
		pthread_join(th, NULL);
	r->flood_done = r->flood.completed;

	qsort(r->lat_us, r->rounds, sizeof(double), cmp_double);
	printf("mode %-6s depth %u%s cpu %d: victim round trip us: p50 %.1f p90 %.1f p99 %.1f max %.1f; "
	       "%.0f round trips/s; flooder %.0f requests/s\n",
	       mode, flood ? r->depth : 0, r->writes ? " (writes, state files)" : "", r->cpu,
	       r->lat_us[r->rounds / 2], r->lat_us[r->rounds * 9 / 10],
	       r->lat_us[r->rounds * 99 / 100], r->lat_us[r->rounds - 1], r->rounds / r->seconds,
	       r->flood_done / r->seconds);
	dm_link_close(lf);
	dm_link_close(lv);
	sv_loop_fini(&r->host);
	free(r->flood.ram);
	free(r->victim.ram);
	free(r->lat_us);
	free(r);
	return 0;
}
