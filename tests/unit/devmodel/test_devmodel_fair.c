// SPDX-License-Identifier: GPL-2.0
/*
 * Two driver VMs, "a" (link 0) and "b" (link 1), each with an rng
 * function, on fake modules, served by one devmodel daemon (a thread per
 * link) or by one event loop (links opened on it and not started). What
 * one driver VM does must cost the other at most a bounded share of
 * service:
 *   - a driver side that is behind (the module answers -EAGAIN to
 *     announcements and COMPLETE_IO) makes its own link wait, nothing
 *     else; its calls reach the module later and in order;
 *   - a driver VM flooding requests leaves the other one's round trip a
 *     bounded number of loop iterations, on one loop and with threads.
 * The calls that the real implementation used to retry go through
 * kmod_ioctl.c itself: this program is linked with --wrap=ioctl, and the
 * ioctls on a fake's VM handle are answered by the fake (fk_ioctl).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "../../support/unit.h"

#include <linux/pci_regs.h>

#include <splitvirt/rpc.h>

#include "../../../devmodel/daemon.h"
#include "../../support/fake_kmod.h"

#define RAM_SIZE (1u << 20)
#define BAR0_GPA 0x10000000u
/* A round trip of the other link, with ASan on a shared machine: generous. */
#define ROUND_TRIP_MAX_MS 200
/* What must happen eventually. */
#define EVENTUALLY_MS 5000

struct two {
	struct fake_kmod fa, fb;
	struct fk_set set;
	struct dm_kmod real; /* kmod_ioctl.c, its ioctls answered by the fakes */
	struct dm_kmod km; /* what the daemon uses */
	struct dm_config cfg;
	const struct sv_link_spec *specs[2];
	struct dm_options opt;
	struct dm_daemon d;
	bool started;
};

/* For __wrap_ioctl: the fakes of the running test. */
static struct fk_set *ioctl_set;

int __real_ioctl(int fd, unsigned long cmd, ...);
int __wrap_ioctl(int fd, unsigned long cmd, ...);

int __wrap_ioctl(int fd, unsigned long cmd, ...)
{
	struct fake_kmod *fk = ioctl_set ? fk_set_find_vm(ioctl_set, fd) : NULL;
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return fk ? fk_ioctl(fk, cmd, arg) : __real_ioctl(fd, cmd, arg);
}

static struct two *the_two;

/* Handle calls the old implementation retried: through kmod_ioctl.c. */
#define REAL_OP(name, decl, ...)                                                      \
	static int r_##name decl                                                      \
	{                                                                             \
		(void)ctx;                                                            \
		return the_two->real.ops->name(the_two->real.ctx, vm, ##__VA_ARGS__); \
	}

REAL_OP(complete_io, (void *ctx, int vm, const struct sv_ioreq *r), r)
REAL_OP(ioeventfd, (void *ctx, int vm, const struct sv_ioeventfd *a), a)
REAL_OP(irqfd, (void *ctx, int vm, const struct sv_irqfd *a), a)
REAL_OP(set_irq, (void *ctx, int vm, uint32_t irq, uint32_t level), irq, level)
REAL_OP(msi, (void *ctx, int vm, uint64_t a, uint32_t d, uint32_t p), a, d, p)
REAL_OP(register_pci_dev, (void *ctx, int vm, uint32_t i, uint32_t f), i, f)
REAL_OP(mmio_region, (void *ctx, int vm, uint64_t g, uint64_t s, uint32_t f), g, s, f)
REAL_OP(start_vm, (void *ctx, int vm))

static struct dm_kmod_ops mixed_ops;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void run(struct two *t, unsigned int iterations)
{
	assert_int_equal(dm_daemon_run(&t->d, iterations), 0);
}

static struct dm_link *link_of(struct two *t, unsigned int i)
{
	return t->d.slots[i].link;
}

static void start_daemon(struct two *t)
{
	assert_int_equal(dm_daemon_init(&t->d, &t->km, &t->opt, t->specs, 2), 0);
	t->started = true;
	for (int i = 0; i < 5 && !(link_of(t, 0) && link_of(t, 1)); i++)
		run(t, 1);
	assert_non_null(link_of(t, 0));
	assert_non_null(link_of(t, 1));
}

static int setup(void **state)
{
	struct two *t = calloc(1, sizeof(*t));
	struct fake_kmod *fks[2];
	char err[128];

	assert_non_null(t);
	the_two = t;
	assert_int_equal(fk_init(&t->fa, "a", RAM_SIZE, 4, 4), 0);
	assert_int_equal(fk_init(&t->fb, "b", RAM_SIZE, 4, 4), 0);
	t->fa.info.link_id = 0;
	t->fb.info.link_id = 1;
	fks[0] = &t->fa;
	fks[1] = &t->fb;
	fk_set_init(&t->set, fks, 2);
	ioctl_set = &t->set;
	assert_int_equal(dm_kmod_open(&t->real, "/dev/null"), 0);
	mixed_ops = *t->set.km.ops;
	mixed_ops.complete_io = r_complete_io;
	mixed_ops.ioeventfd = r_ioeventfd;
	mixed_ops.irqfd = r_irqfd;
	mixed_ops.set_irq = r_set_irq;
	mixed_ops.msi = r_msi;
	mixed_ops.register_pci_dev = r_register_pci_dev;
	mixed_ops.mmio_region = r_mmio_region;
	mixed_ops.start_vm = r_start_vm;
	t->km = (struct dm_kmod){ .ops = &mixed_ops, .ctx = &t->set };
	assert_int_equal(
		dm_parse_cmdline("sv.link0=a:rng sv.link1=b:rng", &t->cfg, err, sizeof(err)), 0);
	t->specs[0] = dm_config_find(&t->cfg, 0);
	t->specs[1] = dm_config_find(&t->cfg, 1);
	t->opt.console_out_fd = -1;
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct two *t = *state;

	if (t->started)
		dm_daemon_fini(&t->d);
	dm_kmod_close(&t->real);
	ioctl_set = NULL;
	fk_fini(&t->fa);
	fk_fini(&t->fb);
	free(t);
	return 0;
}

static void push_cfg(struct fake_kmod *fk, uint32_t id, uint8_t dir, uint32_t off, uint8_t size,
		     uint32_t val)
{
	struct sv_ioreq req = {
		.id = id, .as = 0, .size = size, .dir = dir, .addr = off, .data = val
	};

	fk_push(fk, &req);
}

/* Index in fk's log of the completion of request id, or -1. */
static int completion_at(struct fake_kmod *fk, uint32_t id)
{
	int at = -1;

	fk_lock(fk);
	for (unsigned int i = 0; i < fk->nr_log && at < 0; i++)
		if (fk->log[i].op == FK_COMPLETE_IO && fk->log[i].a == id)
			at = (int)i;
	fk_unlock(fk);
	return at;
}

/* A field of fk's log entry i, read under its lock. */
static uint64_t log_b(struct fake_kmod *fk, int i)
{
	uint64_t b;

	fk_lock(fk);
	b = fk->log[i].b;
	fk_unlock(fk);
	return b;
}

/* Asserting with the lock held would leave it held: read first, assert after. */
static unsigned int regions(struct fake_kmod *fk)
{
	unsigned int n;

	fk_lock(fk);
	n = fk->nr_regions;
	fk_unlock(fk);
	return n;
}

/*
 * Waits (up to ms) for fk to complete request id, running the daemon's
 * own loop meanwhile as main() does: the links' threads serve, the
 * daemon only reaps. (Without threads, the daemon's loop would serve.)
 */
static void wait_completion(struct fake_kmod *fk, uint32_t id, int64_t ms)
{
	int64_t deadline = now_ms() + ms;

	while (completion_at(fk, id) < 0) {
		assert_true(now_ms() < deadline);
		run(the_two, 1);
	}
}

/*
 * Driver side a is behind while its guest places a BAR: the MMIO_REGION
 * announcement and the reply are refused. b is served meanwhile, at its
 * usual pace; a's calls reach the module in order once it catches up, and
 * a's next request is taken only after them.
 */
static void test_busy_link_waits_alone(void **state)
{
	struct two *t = *state;
	int64_t t0, elapsed;
	int region = -1;

	start_daemon(t);
	push_cfg(&t->fa, 1, SV_RPC_MMIO_WRITE, PCI_BASE_ADDRESS_0, 4, BAR0_GPA);
	push_cfg(&t->fa, 2, SV_RPC_MMIO_WRITE, PCI_BASE_ADDRESS_0 + 4, 4, 0);
	wait_completion(&t->fa, 2, EVENTUALLY_MS);

	fk_lock(&t->fa);
	t->fa.busy = true;
	fk_unlock(&t->fa);
	t0 = now_ms();
	push_cfg(&t->fa, 3, SV_RPC_MMIO_WRITE, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	push_cfg(&t->fa, 4, SV_RPC_MMIO_READ, PCI_VENDOR_ID, 2, 0);
	for (uint32_t id = 100; id < 120; id++) {
		int64_t r0 = now_ms();

		push_cfg(&t->fb, id, SV_RPC_MMIO_READ, PCI_VENDOR_ID, 2, 0);
		/* The old code slept up to 0.5 s per refused call of a on the way. */
		wait_completion(&t->fb, id, ROUND_TRIP_MAX_MS);
		assert_true(now_ms() - r0 < ROUND_TRIP_MAX_MS);
		assert_non_null(link_of(t, 0)); /* waiting is not failing */
	}
	/* a has taken request 3 and met the full ring by now. */
	assert_true(fk_counter(&t->fa, &t->fa.nr_refused) >= 1);
	assert_int_equal(fk_counter(&t->fb, &t->fb.nr_completions), 20);
	/* a: nothing got through, its second request was not even taken. */
	assert_int_equal(completion_at(&t->fa, 3), -1);
	assert_int_equal(regions(&t->fa), 0);
	assert_int_equal(fk_pending(&t->fa), 1);
	/* Retried on a timer, not in a spin: at most about one try per ms. */
	elapsed = now_ms() - t0;
	assert_true(fk_counter(&t->fa, &t->fa.nr_refused) <= (unsigned long)elapsed + 2);

	/* a catches up: the region, then the reply that placed it, then the next request. */
	fk_lock(&t->fa);
	t->fa.busy = false;
	fk_unlock(&t->fa);
	wait_completion(&t->fa, 4, EVENTUALLY_MS);
	fk_lock(&t->fa);
	for (unsigned int i = 0; i < t->fa.nr_log; i++)
		if (t->fa.log[i].op == FK_MMIO_REGION && t->fa.log[i].a == BAR0_GPA &&
		    !(t->fa.log[i].c & SV_RPC_REGION_F_REMOVE))
			region = (int)i;
	fk_unlock(&t->fa);
	assert_true(regions(&t->fa) >= 1);
	assert_true(region >= 0);
	assert_true(region < completion_at(&t->fa, 3));
	assert_true(completion_at(&t->fa, 3) < completion_at(&t->fa, 4));
	assert_int_equal(log_b(&t->fa, completion_at(&t->fa, 4)), 0x1af4);
	/* And a is served as before. */
	push_cfg(&t->fa, 5, SV_RPC_MMIO_READ, PCI_DEVICE_ID, 2, 0);
	wait_completion(&t->fa, 5, ROUND_TRIP_MAX_MS);
	assert_int_equal(log_b(&t->fa, completion_at(&t->fa, 5)), 0x1044);
}

/* A driver side behind from the start: registration waits, START_VM stays last. */
static void test_busy_at_open(void **state)
{
	struct two *t = *state;
	int start = -1, reg = -1;

	t->fa.busy = true; /* no thread yet */
	start_daemon(t);
	assert_int_equal(fk_count(&t->fa, FK_START_VM, NULL), 0);
	push_cfg(&t->fa, 1, SV_RPC_MMIO_READ, PCI_VENDOR_ID, 2, 0);
	push_cfg(&t->fb, 2, SV_RPC_MMIO_READ, PCI_VENDOR_ID, 2, 0);
	wait_completion(&t->fb, 2, ROUND_TRIP_MAX_MS);
	run(t, 3);
	assert_int_equal(completion_at(&t->fa, 1), -1);
	assert_int_equal(fk_count(&t->fa, FK_START_VM, NULL), 0);

	fk_lock(&t->fa);
	t->fa.busy = false;
	fk_unlock(&t->fa);
	wait_completion(&t->fa, 1, EVENTUALLY_MS);
	assert_int_equal(fk_count(&t->fa, FK_REGISTER_PCI_DEV, &reg), 1);
	assert_int_equal(fk_count(&t->fa, FK_START_VM, &start), 1);
	assert_true(reg < start);
	assert_true(start < completion_at(&t->fa, 1));
}

/*
 * kmod_ioctl.c itself: a refused call comes back at once, after one
 * ioctl (it used to sleep and retry for up to 0.5 s).
 */
static void test_ioctl_does_not_sleep(void **state)
{
	struct two *t = *state;
	struct sv_ioreq req = { .id = 7, .size = 4, .dir = SV_RPC_MMIO_READ };
	int vm = t->set.km.ops->create_vm(&t->set, 0);
	int64_t t0 = now_ms();

	assert_true(vm >= 0);
	t->fa.busy = true;
	assert_int_equal(t->real.ops->complete_io(t->real.ctx, vm, &req), -EAGAIN);
	assert_int_equal(t->real.ops->start_vm(t->real.ctx, vm), -EAGAIN);
	assert_int_equal(t->real.ops->msi(t->real.ctx, vm, 0xfee00000, 1, 0), -EAGAIN);
	assert_int_equal(t->fa.nr_refused, 3);
	assert_true(now_ms() - t0 < 100);
	t->fa.busy = false;
	assert_int_equal(t->real.ops->complete_io(t->real.ctx, vm, &req), 0);
	assert_int_equal(t->real.ops->start_vm(t->real.ctx, vm), 0);
	assert_int_equal(completion_at(&t->fa, 7), 1);
	t->set.km.ops->close_vm(&t->set, vm);
}

/* Tops a up to 300 queued config reads. */
static void flood(struct two *t, uint32_t *next_id)
{
	while (fk_pending(&t->fa) < 300)
		push_cfg(&t->fa, (*next_id)++, SV_RPC_MMIO_READ, PCI_VENDOR_ID, 2, 0);
}

/*
 * On one event loop (links opened on it, not started: how tests and the
 * fuzzer run them): a keeps hundreds of config requests queued at all
 * times; each of b's requests still completes within two iterations of
 * the loop, and a is served too, at most a drain budget per iteration.
 */
static void test_flood_one_loop(void **state)
{
	struct two *t = *state;
	struct dm_link *la, *lb;
	struct sv_loop loop;
	uint32_t next_a = 1000;

	assert_int_equal(sv_loop_init(&loop), 0);
	assert_int_equal(dm_link_open(&la, &t->km, &loop, t->specs[0], &t->opt), 0);
	assert_int_equal(dm_link_open(&lb, &t->km, &loop, t->specs[1], &t->opt), 0);
	for (uint32_t id = 1; id <= 20; id++) {
		unsigned long before = t->fa.nr_completions;
		unsigned int it = 0;

		flood(t, &next_a);
		push_cfg(&t->fb, id, SV_RPC_MMIO_READ, PCI_VENDOR_ID, 2, 0);
		while (completion_at(&t->fb, id) < 0) {
			assert_true(++it <= 2);
			assert_true(sv_loop_run_once(&loop, 100) >= 1);
		}
		assert_true(t->fa.nr_completions > before);
		assert_true(t->fa.nr_completions - before <= (unsigned long)it * DM_DRAIN_BUDGET);
		/* The log is bounded; completions are counted. */
		t->fa.nr_log = t->fb.nr_log = 0;
		t->fa.nr_done = t->fb.nr_done = 0;
	}
	assert_true(fk_pending(&t->fa) > 0);
	dm_link_close(la);
	dm_link_close(lb);
	sv_loop_fini(&loop);
}

/*
 * The daemon (a thread per link): with a flooding, each of b's round
 * trips takes at most two iterations of b's loop and little time.
 */
static void test_flood_threads(void **state)
{
	struct two *t = *state;
	uint32_t next_a = 1000;
	unsigned long a_before;

	start_daemon(t);
	a_before = fk_counter(&t->fa, &t->fa.nr_completions);
	for (uint32_t id = 1; id <= 50; id++) {
		unsigned long turns = atomic_load(&link_of(t, 1)->turns);
		int64_t r0 = now_ms();

		flood(t, &next_a);
		push_cfg(&t->fb, id, SV_RPC_MMIO_READ, PCI_VENDOR_ID, 2, 0);
		wait_completion(&t->fb, id, ROUND_TRIP_MAX_MS);
		assert_true(now_ms() - r0 < ROUND_TRIP_MAX_MS);
		assert_true(atomic_load(&link_of(t, 1)->turns) - turns <= 2);
		fk_lock(&t->fa);
		t->fa.nr_log = 0;
		t->fa.nr_done = 0;
		fk_unlock(&t->fa);
	}
	assert_true(fk_counter(&t->fa, &t->fa.nr_completions) > a_before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		SV_TEST(test_busy_link_waits_alone), SV_TEST(test_busy_at_open),
		SV_TEST(test_ioctl_does_not_sleep),  SV_TEST(test_flood_one_loop),
		SV_TEST(test_flood_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
