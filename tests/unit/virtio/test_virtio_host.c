// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio-pci host glue (lib/virtio/virtio_host.c) on the fake platform:
 * what it asks the platform for as the guest programs the function (BAR
 * windows, kick bindings, MSI routes), how it raises interrupts, when it
 * polls the backend, and what it does with accesses to no register. The
 * guest is the test driver; rng stands for a device without a backend fd,
 * console (on pipes) for one with.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../support/unit.h"

#include <linux/pci_regs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_pci.h>

#include <splitvirt/log.h>
#include <splitvirt/virtio_console.h>
#include <splitvirt/virtio_rng.h>

#include "../../support/testdrv.h"

#define RXQ 0
#define TXQ 1
#define QSIZE 16

struct fixture {
	struct testdrv td;
	int to_guest[2]; /* console input: the test writes [1] */
	int from_guest[2]; /* console output: the test reads [0] */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->to_guest[0] = f->to_guest[1] = f->from_guest[0] = f->from_guest[1] = -1;
	assert_int_equal(td_init(&f->td), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	td_destroy(&f->td);
	/* The console's backend closed its own ends. */
	if (f->to_guest[1] >= 0)
		close(f->to_guest[1]);
	if (f->from_guest[0] >= 0)
		close(f->from_guest[0]);
	free(f);
	return 0;
}

static void attach_rng(struct fixture *f)
{
	struct virtio_dev *dev;

	assert_int_equal(virtio_rng_create(&dev, &f->td.gm), 0);
	assert_int_equal(td_attach(&f->td, dev), 0);
}

static void attach_console(struct fixture *f)
{
	struct virtio_console_backend *be;
	struct virtio_dev *dev;

	assert_int_equal(pipe(f->to_guest), 0);
	assert_int_equal(pipe(f->from_guest), 0);
	assert_int_equal(fcntl(f->from_guest[0], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(virtio_console_fd_backend(&be, f->to_guest[0], f->from_guest[1], true), 0);
	assert_int_equal(virtio_console_create(&dev, &f->td.gm, be), 0);
	assert_int_equal(td_attach(&f->td, dev), 0);
}

/* Makes a buffer of len bytes available on queue q (no kick); returns its gpa. */
static uint64_t post(struct testdrv *td, uint16_t q, uint32_t len, bool device_writes)
{
	struct gbuf b = { gram_alloc(&td->ram, len, 8), len, device_writes };

	assert_true(gvring_add(&td->vr[q], &b, 1) >= 0);
	gvring_publish(&td->vr[q]);
	return b.gpa;
}

/* The used length of queue q's next completed buffer, or -1. */
static int used(struct testdrv *td, uint16_t q)
{
	uint16_t head;
	uint32_t len;

	return gvring_get_used(&td->vr[q], &head, &len) ? (int)len : -1;
}

/* What the driver writes to queue q's notify address, routed by the platform. */
static int notify_write(struct testdrv *td, uint16_t q)
{
	uint64_t gpa = fp_window_gpa(&td->fp, VIRTIO_PCI_BAR_REGS) + VIRTIO_PCI_NOTIFY_OFF +
		       q * VIRTIO_PCI_NOTIFY_MULT;
	uint64_t val = q;
	int err = -1, how = fp_mmio(&td->fp, td->vh, gpa, 2, &val, true, &err);

	assert_int_equal(err, 0);
	return how;
}

static uint64_t msg_addr(uint16_t v)
{
	return 0xfee00000ull + v; /* as td_probe programs them */
}

static uint32_t msg_data(uint16_t v)
{
	return 0x100u + v;
}

static void mask_vector(struct testdrv *td, uint16_t v, bool mask)
{
	struct td_region t = { .bar = td->msix_bar, .off = td->msix_table_off + 16u * v };

	td_write(td, &t, PCI_MSIX_ENTRY_VECTOR_CTRL, 4, mask ? PCI_MSIX_ENTRY_CTRL_MASKBIT : 0);
}

/* ---- BAR windows ------------------------------------------------------------- */

static void test_windows_follow_decoding(void **state)
{
	struct fixture *f = *state;
	struct testdrv *td = &f->td;
	uint64_t v = 0;
	int err;

	attach_rng(f);
	assert_int_equal(td->fp.window_calls, 0);
	/* Placing the BARs and turning memory decoding on announces both. */
	assert_int_equal(td_probe(td), 0);
	assert_true(td->fp.win[0].active);
	assert_int_equal(td->fp.win[0].gpa, TD_BAR0_GPA);
	assert_int_equal(td->fp.win[0].size, VIRTIO_PCI_BAR0_SIZE);
	assert_true(td->fp.win[2].active);
	assert_int_equal(td->fp.win[2].gpa, TD_BAR2_GPA);
	assert_int_equal(td->fp.win[2].size, VIRTIO_PCI_BAR2_SIZE);
	assert_false(td->fp.win[1].active || td->fp.win[3].active || td->fp.win[4].active);
	/* What the platform forwards from there reaches the function. */
	assert_int_equal(fp_mmio(&td->fp, td->vh, TD_BAR0_GPA + 0x12, 2, &v, false, &err),
			 FP_TRAPPED);
	assert_int_equal(err, 0);
	assert_int_equal(v, 1); /* num_queues */

	/* Decoding off: both windows go. */
	td_cfg_write(td, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
	assert_false(td->fp.win[0].active || td->fp.win[2].active);
	assert_int_equal(fp_mmio(&td->fp, td->vh, TD_BAR0_GPA + 0x12, 2, &v, false, &err), -ENOENT);
	/* Moved while off, then on again: announced at the new place only. */
	td_cfg_write(td, PCI_BASE_ADDRESS_2, 4, 0xd0000000);
	td_cfg_write(td, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	assert_true(td->fp.win[0].active && td->fp.win[2].active);
	assert_int_equal(td->fp.win[0].gpa, TD_BAR0_GPA);
	assert_int_equal(td->fp.win[2].gpa, 0xd0000000);
	/* Moved while decoding: the window follows. */
	td_cfg_write(td, PCI_BASE_ADDRESS_0, 4, 0xc0000000);
	assert_true(td->fp.win[0].active);
	assert_int_equal(td->fp.win[0].gpa, 0xc0000000);

	/* A host-side reset takes them away. */
	virtio_host_reset(td->vh);
	assert_false(td->fp.win[0].active || td->fp.win[2].active);
	assert_int_equal(td->fp.misuse, 0);
}

/* ---- kicks --------------------------------------------------------------------- */

static void test_kicks_follow_queue_enable(void **state)
{
	struct fixture *f = *state;
	struct testdrv *td = &f->td;
	char out[8] = { 0 };
	uint64_t g;

	attach_console(f);
	assert_int_equal(td_probe(td), 0);
	assert_int_equal(td_negotiate(td, td->dev->host_features), 0);
	assert_int_equal(td->fp.ioeventfd_calls, 0);
	/* Each queue's kick is bound when the driver enables it, at its own address. */
	assert_int_equal(td_setup_queue(td, RXQ, QSIZE), 0);
	assert_true(td->fp.kick[RXQ].bound);
	assert_false(td->fp.kick[TXQ].bound);
	assert_int_equal(td->fp.kick[RXQ].gpa, TD_BAR0_GPA + VIRTIO_PCI_NOTIFY_OFF);
	assert_int_equal(td_setup_queue(td, TXQ, QSIZE), 0);
	assert_true(td->fp.kick[TXQ].bound);
	assert_int_equal(td->fp.kick[TXQ].gpa,
			 TD_BAR0_GPA + VIRTIO_PCI_NOTIFY_OFF + VIRTIO_PCI_NOTIFY_MULT);
	assert_true(td->fp.kick[RXQ].fd >= 0 && td->fp.kick[TXQ].fd >= 0);
	assert_int_not_equal(td->fp.kick[RXQ].fd, td->fp.kick[TXQ].fd);
	td_driver_ok(td);

	/* A notify write there signals the eventfd; the loop processes the queue. */
	g = post(td, TXQ, 2, false);
	memcpy(gram_ptr(&td->ram, g), "hi", 2);
	assert_int_equal(notify_write(td, TXQ), FP_KICKED);
	assert_int_equal(used(td, TXQ), -1);
	assert_int_equal(td_run_host(td), 1);
	assert_int_equal(used(td, TXQ), 0);
	assert_int_equal(read(f->from_guest[0], out, sizeof(out)), 2);
	assert_string_equal(out, "hi");

	/* The driver's reset unbinds them; so does a host-side reset. */
	td_reset(td);
	assert_false(td->fp.kick[RXQ].bound || td->fp.kick[TXQ].bound);
	assert_int_equal(td_start(td, ~0ull, QSIZE), 0);
	assert_true(td->fp.kick[RXQ].bound && td->fp.kick[TXQ].bound);
	virtio_host_reset(td->vh);
	assert_false(td->fp.kick[RXQ].bound || td->fp.kick[TXQ].bound);
	assert_int_equal(td->fp.ioeventfd_calls, 8);
	assert_int_equal(td->fp.misuse, 0);
}

static void test_kicks_trap_without_ioeventfd(void **state)
{
	struct fixture *f = *state;
	struct testdrv *td = &f->td;

	attach_rng(f);
	td->fp.fail_ioeventfd = -ENOSPC;
	assert_int_equal(td_start(td, ~0ull, QSIZE), 0);
	assert_int_equal(td->fp.ioeventfd_calls, 1);
	assert_false(td->fp.kick[0].bound);
	/* The notify write traps, and the queue is processed right away. */
	post(td, 0, 32, true);
	assert_int_equal(notify_write(td, 0), FP_TRAPPED);
	assert_int_equal(used(td, 0), 32);
	assert_true(td_irq(td, td_queue_vector(0)));
	assert_int_equal(td_run_host(td), 0);

	/* Room again: the next enable binds the kick. */
	td->fp.fail_ioeventfd = 0;
	td_reset(td);
	assert_int_equal(td_start(td, ~0ull, QSIZE), 0);
	assert_true(td->fp.kick[0].bound);
	post(td, 0, 32, true);
	assert_int_equal(notify_write(td, 0), FP_KICKED);
	assert_int_equal(td_run_host(td), 1);
	assert_int_equal(used(td, 0), 32);
	assert_int_equal(td->fp.misuse, 0);
}

/* ---- interrupts ------------------------------------------------------------------ */

static void test_routes_follow_masking(void **state)
{
	struct fixture *f = *state;
	struct testdrv *td = &f->td;
	unsigned int calls;

	attach_rng(f);
	assert_int_equal(td->fp.irqfd_calls, 0);
	/* td_probe programs and unmasks each vector, then enables MSI-X. */
	assert_int_equal(td_probe(td), 0);
	for (uint16_t v = 0; v < 2; v++) {
		assert_true(td->fp.route[v].set);
		assert_false(td->fp.route[v].masked);
		assert_int_equal(td->fp.route[v].addr, msg_addr(v));
		assert_int_equal(td->fp.route[v].data, msg_data(v));
		assert_true(td->fp.route[v].fd >= 0);
	}
	assert_int_not_equal(td->fp.route[0].fd, td->fp.route[1].fd);
	assert_false(td->fp.route[2].set);

	/* A masked vector's route is masked, and unmasked with it. */
	calls = td->fp.irqfd_calls;
	mask_vector(td, 1, true);
	assert_int_equal(td->fp.irqfd_calls, calls + 1);
	assert_true(td->fp.route[1].masked);
	assert_false(td->fp.route[0].masked);
	mask_vector(td, 1, false);
	assert_false(td->fp.route[1].masked);
	/* The function mask and MSI-X off mask every route. */
	td_cfg_write(td, td->msix_at + PCI_MSIX_FLAGS, 2,
		     PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	assert_true(td->fp.route[0].masked && td->fp.route[1].masked);
	td_cfg_write(td, td->msix_at + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	assert_false(td->fp.route[0].masked || td->fp.route[1].masked);
	td_cfg_write(td, td->msix_at + PCI_MSIX_FLAGS, 2, 0);
	assert_true(td->fp.route[0].masked && td->fp.route[1].masked);
	td_cfg_write(td, td->msix_at + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	/* A host-side reset masks them too. */
	virtio_host_reset(td->vh);
	assert_true(td->fp.route[0].masked && td->fp.route[1].masked);
	assert_int_equal(td->fp.misuse, 0);
}

/* One rng request on a started function, kicked and completed. */
static void rng_request(struct testdrv *td)
{
	post(td, 0, 16, true);
	td_kick(td, 0);
	td_run_host(td);
	assert_int_equal(used(td, 0), 16);
}

static void test_signal_through_call_fd(void **state)
{
	struct fixture *f = *state;
	struct testdrv *td = &f->td;
	const struct fp_route *r = &td->fp.route[td_queue_vector(0)];

	attach_rng(f);
	assert_int_equal(td_start(td, ~0ull, QSIZE), 0);
	rng_request(td);
	/* Routed: one write to the call fd, nothing through the platform. */
	assert_int_equal(fp_eventfd_take(r->fd), 1);
	assert_int_equal(td->fp.msi_calls, 0);
	/* Masked meanwhile: held, then delivered through the call fd on unmask. */
	mask_vector(td, td_queue_vector(0), true);
	rng_request(td);
	assert_int_equal(fp_eventfd_take(r->fd), 0);
	mask_vector(td, td_queue_vector(0), false);
	assert_int_equal(fp_eventfd_take(r->fd), 1);
	assert_int_equal(td->fp.msi_calls, 0);
}

static void test_signal_through_platform_msi(void **state)
{
	struct fixture *f = *state;
	struct testdrv *td = &f->td;
	const uint16_t v = td_queue_vector(0);

	attach_rng(f);
	/* The platform cannot route the vectors (no call doorbell, bad address ...). */
	td->fp.fail_irqfd = -EINVAL;
	assert_int_equal(td_start(td, ~0ull, QSIZE), 0);
	assert_false(td->fp.route[v].set);
	rng_request(td);
	assert_int_equal(td->fp.msi_calls, 1);
	assert_int_equal(fp_take_msi(&td->fp, msg_addr(v), msg_data(v)), 1);
	/* Routed later: the call fd is used from then on, and had nothing before. */
	td->fp.fail_irqfd = 0;
	mask_vector(td, v, true);
	mask_vector(td, v, false);
	assert_true(td->fp.route[v].set && !td->fp.route[v].masked);
	assert_int_equal(fp_eventfd_take(td->fp.route[v].fd), 0);
	rng_request(td);
	assert_int_equal(fp_eventfd_take(td->fp.route[v].fd), 1);
	assert_int_equal(td->fp.msi_calls, 1);
}

static void test_signal_dropped_without_route_or_msi(void **state)
{
	struct fixture *f = *state;
	struct testdrv *td = &f->td;
	const uint16_t v = td_queue_vector(0);

	/* KVM-like: no msi op. */
	td->platform = &fake_platform_ops_no_msi;
	attach_rng(f);
	td->fp.fail_irqfd = -EINVAL;
	assert_int_equal(td_start(td, ~0ull, QSIZE), 0);
	/* The request completes; its interrupt goes nowhere. */
	rng_request(td);
	assert_int_equal(td->fp.msi_calls, 0);
	assert_int_equal(td->fp.nmsi, 0);
	/* Dropped, not queued: a route made later has nothing pending. */
	td->fp.fail_irqfd = 0;
	mask_vector(td, v, true);
	mask_vector(td, v, false);
	assert_int_equal(fp_eventfd_take(td->fp.route[v].fd), 0);
	assert_false(virtio_pci_msix_pending(td->fn, v));
	rng_request(td);
	assert_int_equal(fp_eventfd_take(td->fp.route[v].fd), 1);
}

static void test_intx_level(void **state)
{
	struct fixture *f = *state;
	struct testdrv *td = &f->td;

	attach_rng(f);
	assert_int_equal(td_start(td, ~0ull, QSIZE), 0);
	td_cfg_write(td, td->msix_at + PCI_MSIX_FLAGS, 2, 0);
	assert_int_equal(td->fp.intx_calls, 0);
	rng_request(td);
	assert_true(td->fp.intx);
	assert_int_equal(td->fp.intx_calls, 1);
	/* Reading the ISR lowers the line. */
	assert_int_equal(td_read(td, &td->isr, 0, 1), 1);
	assert_false(td->fp.intx);
	assert_int_equal(td->fp.intx_calls, 2);
	/* A platform that fails is logged, and the function goes on. */
	td->fp.fail_intx = -EIO;
	rng_request(td);
	assert_false(td->fp.intx);
	assert_int_equal(td_read(td, &td->isr, 0, 1), 1);
}

/* ---- the backend ------------------------------------------------------------------- */

static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

static void console_in(struct fixture *f, const char *s)
{
	assert_int_equal(write(f->to_guest[1], s, strlen(s)), (ssize_t)strlen(s));
}

/* Receive buffer g holds s, completed. */
static void assert_received(struct testdrv *td, uint64_t g, const char *s)
{
	assert_int_equal(used(td, RXQ), (int)strlen(s));
	assert_memory_equal(gram_ptr(&td->ram, g), s, strlen(s));
}

/*
 * Input without receive buffers blocks the device: the glue stops polling
 * (the pipe stays readable, the loop has nothing to do). A kick with new
 * buffers delivers the input and resumes polling, which then delivers new
 * input into a buffer posted without a kick.
 */
static void blocked_backend_resumes_on_kick(struct fixture *f, bool trapped_kicks)
{
	struct testdrv *td = &f->td;
	uint64_t g;

	attach_console(f);
	if (trapped_kicks)
		td->fp.fail_ioeventfd = -ENOSPC;
	assert_int_equal(td_start(td, ~0ull, QSIZE), 0);
	assert_int_equal(td->fp.kick[RXQ].bound, !trapped_kicks);
	console_in(f, "abc");
	assert_int_equal(sv_loop_run_once(&td->loop, 0), 1);
	assert_true(readable(f->to_guest[0]));
	assert_int_equal(sv_loop_run_once(&td->loop, 0), 0);

	g = post(td, RXQ, 16, true);
	assert_int_equal(notify_write(td, RXQ), trapped_kicks ? FP_TRAPPED : FP_KICKED);
	assert_int_equal(td_run_host(td), trapped_kicks ? 0 : 1);
	assert_received(td, g, "abc");

	g = post(td, RXQ, 16, true);
	console_in(f, "def");
	assert_int_equal(td_run_host(td), 0);
	assert_received(td, g, "def");
}

static void test_backend_resumes_on_kick(void **state)
{
	blocked_backend_resumes_on_kick(*state, false);
}

static void test_backend_resumes_on_trapped_kick(void **state)
{
	blocked_backend_resumes_on_kick(*state, true);
}

static void test_backend_resumes_on_poll_backend(void **state)
{
	struct fixture *f = *state;
	struct testdrv *td = &f->td;
	uint64_t g;

	attach_console(f);
	assert_int_equal(td_start(td, ~0ull, QSIZE), 0);
	console_in(f, "xyz");
	assert_int_equal(sv_loop_run_once(&td->loop, 0), 1);
	/* Buffers the host learns about without a kick (e.g. after a restart). */
	g = post(td, RXQ, 16, true);
	assert_int_equal(sv_loop_run_once(&td->loop, 0), 0);
	assert_int_equal(used(td, RXQ), -1);
	virtio_host_poll_backend(td->vh);
	assert_int_equal(sv_loop_run_once(&td->loop, 0), 1);
	assert_received(td, g, "xyz");
}

/*
 * A kick on another thread (a vCPU's trapped notify write, or
 * virtio_host_poll_backend) that comes after the device found no receive
 * buffers, but before the loop acted on that and stopped polling, must not
 * be undone by the stop. The fake's msi hook runs inside the device's
 * backend processing right after that verdict (the used-buffer interrupt):
 * there the guest posts a buffer and another thread asks for polling
 * again. The glue must be polling afterwards.
 */
struct late_kick {
	struct testdrv *td;
	uint64_t g;
	bool hooked;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
};

static void *late_kick_thread(void *arg)
{
	struct late_kick *k = arg;

	virtio_host_poll_backend(k->td->vh);
	pthread_mutex_lock(&k->lock);
	k->done = true;
	pthread_cond_signal(&k->cond);
	pthread_mutex_unlock(&k->lock);
	return NULL;
}

static void late_kick_hook(void *arg)
{
	struct late_kick *k = arg;
	struct timespec until;

	k->td->fp.on_msi = NULL;
	k->hooked = true;
	k->g = post(k->td, RXQ, 16, true);
	assert_int_equal(pthread_create(&k->thread, NULL, late_kick_thread, k), 0);
	/*
	 * Give it time to re-arm now. A correct glue keeps it waiting until
	 * the loop is done with the verdict, so this times out.
	 */
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += 200 * 1000 * 1000;
	if (until.tv_nsec >= 1000 * 1000 * 1000) {
		until.tv_sec++;
		until.tv_nsec -= 1000 * 1000 * 1000;
	}
	pthread_mutex_lock(&k->lock);
	while (!k->done && pthread_cond_timedwait(&k->cond, &k->lock, &until) == 0)
		;
	pthread_mutex_unlock(&k->lock);
}

static void test_backend_late_kick_not_lost(void **state)
{
	struct fixture *f = *state;
	struct testdrv *td = &f->td;
	struct late_kick k = {
		.td = td,
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.cond = PTHREAD_COND_INITIALIZER,
	};
	uint64_t g;

	attach_console(f);
	/* Interrupts through the platform's msi op, where the hook is. */
	td->fp.fail_irqfd = -EINVAL;
	assert_int_equal(td_start(td, ~0ull, QSIZE), 0);
	g = post(td, RXQ, 16, true);
	td_kick(td, RXQ);
	td_run_host(td);
	td->fp.on_msi = late_kick_hook;
	td->fp.on_msi_arg = &k;
	/* Fills the only buffer: blocked. */
	console_in(f, "1");
	assert_int_equal(sv_loop_run_once(&td->loop, 0), 1);
	assert_true(k.hooked);
	assert_int_equal(pthread_join(k.thread, NULL), 0);
	assert_received(td, g, "1");
	/* The buffer posted meanwhile takes the next input. */
	console_in(f, "2");
	assert_int_equal(sv_loop_run_once(&td->loop, 0), 1);
	assert_received(td, k.g, "2");
}

/* ---- creation ---------------------------------------------------------------------- */

struct counted_dev {
	struct virtio_dev dev;
	int *destroyed;
};

static int counted_notify(struct virtio_dev *dev, struct virtq *vq)
{
	(void)dev;
	(void)vq;
	return 0;
}

static void counted_config_read(struct virtio_dev *dev, uint32_t off, void *buf, uint32_t len)
{
	(void)dev;
	(void)off;
	memset(buf, 0, len);
}

static void counted_destroy(struct virtio_dev *dev)
{
	struct counted_dev *c = dev->priv;

	(*c->destroyed)++;
	virtio_dev_fini(dev);
	free(c);
}

static const struct virtio_dev_ops counted_ops = {
	.config_read = counted_config_read,
	.queue_notify = counted_notify,
	.destroy = counted_destroy,
};

static struct virtio_dev *counted_create(struct testdrv *td, uint16_t nq, int *destroyed)
{
	struct counted_dev *c = calloc(1, sizeof(*c));

	c->destroyed = destroyed;
	assert_int_equal(virtio_dev_init(&c->dev, "counted", VIRTIO_ID_RNG, nq, 64, 0, 0, &td->gm,
					 &counted_ops, c),
			 0);
	return &c->dev;
}

static void test_queue_limit(void **state)
{
	struct fixture *f = *state;
	struct testdrv *td = &f->td;
	int destroyed = 0;
	const uint16_t last = VIRTIO_HOST_MAX_QUEUES - 1;

	/* One queue too many: refused, and the device is freed. */
	assert_int_equal(td_attach(td, counted_create(td, VIRTIO_HOST_MAX_QUEUES + 1, &destroyed)),
			 -EINVAL);
	assert_int_equal(destroyed, 1);
	assert_null(td->vh);
	assert_int_equal(td->fp.window_calls + td->fp.ioeventfd_calls + td->fp.irqfd_calls, 0);

	/* At the limit: one vector per queue plus config, every kick bindable. */
	assert_int_equal(td_attach(td, counted_create(td, VIRTIO_HOST_MAX_QUEUES, &destroyed)), 0);
	assert_int_equal(td_probe(td), 0);
	assert_int_equal(td->msix_table_size, VIRTIO_HOST_MAX_VECTORS);
	assert_true(td->fp.route[VIRTIO_HOST_MAX_VECTORS - 1].set);
	assert_int_equal(td_negotiate(td, 1ull << VIRTIO_F_VERSION_1), 0);
	td_write(td, &td->common, 0x16, 2, last);
	gvring_init(&td->vr[0], &td->ram, 8);
	td_write(td, &td->common, 0x18, 2, 8);
	td_write(td, &td->common, 0x20, 8, td->vr[0].desc_gpa);
	td_write(td, &td->common, 0x28, 8, td->vr[0].avail_gpa);
	td_write(td, &td->common, 0x30, 8, td->vr[0].used_gpa);
	td_write(td, &td->common, 0x1c, 2, 1);
	assert_true(td->fp.kick[last].bound);
	assert_int_equal(td->fp.kick[last].gpa,
			 TD_BAR0_GPA + VIRTIO_PCI_NOTIFY_OFF + last * VIRTIO_PCI_NOTIFY_MULT);
	td_destroy(td);
	assert_int_equal(destroyed, 2);
	assert_int_equal(td_init(td), 0);
}

/* ---- stray accesses ---------------------------------------------------------------- */

/* Log lines go to stderr: the test reads them from a file meanwhile. */
struct capture {
	FILE *f;
	int saved;
};

static void capture_start(struct capture *c)
{
	fflush(stderr);
	c->f = tmpfile();
	assert_non_null(c->f);
	c->saved = dup(STDERR_FILENO);
	assert_true(dup2(fileno(c->f), STDERR_FILENO) >= 0);
}

/* Stops capturing; returns how many captured lines contain what. */
static int capture_end(struct capture *c, const char *what, char *last, size_t last_size)
{
	char line[512];
	int n = 0;

	fflush(stderr);
	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	rewind(c->f);
	while (fgets(line, sizeof(line), c->f)) {
		if (!strstr(line, what))
			continue;
		n++;
		snprintf(last, last_size, "%s", line);
	}
	fclose(c->f);
	return n;
}

struct stray {
	int bar; /* -1: config space */
	uint64_t off;
	uint32_t size;
	bool is_write;
	int ret;
};

static const struct stray strays[] = {
	{ VIRTIO_PCI_BAR_REGS, 0x100, 8, false, 0 }, /* past the common structure */
	{ VIRTIO_PCI_BAR_REGS, VIRTIO_PCI_ISR_OFF, 1, true, 0 }, /* the ISR is read-only */
	{ VIRTIO_PCI_BAR_REGS, VIRTIO_PCI_ISR_OFF + 4, 4, false, 0 },
	{ VIRTIO_PCI_BAR_REGS, VIRTIO_PCI_DEVCFG_OFF, 4, false, 0 }, /* rng: no config */
	{ VIRTIO_PCI_BAR_REGS, VIRTIO_PCI_NOTIFY_OFF + 5 * VIRTIO_PCI_NOTIFY_MULT, 2, true, 0 },
	{ VIRTIO_PCI_BAR_MSIX, VIRTIO_PCI_MSIX_PBA_OFF, 8, true, 0 }, /* the PBA is read-only */
	{ VIRTIO_PCI_BAR_MSIX, 16 * 5, 4, true, 0 }, /* past the table */
	{ VIRTIO_PCI_BAR_REGS, VIRTIO_PCI_BAR0_SIZE - 2, 4, false, -EINVAL }, /* past the BAR */
	{ 1, 0, 4, false, -EINVAL }, /* the upper half of BAR0 */
	{ -1, VIRTIO_PCI_EXT_CFG_SIZE - 1, 2, false, -EINVAL },
};

#define NR_STRAYS ((int)(sizeof(strays) / sizeof(strays[0])))

static int stray_access(struct testdrv *td, const struct stray *s)
{
	uint64_t v = 0;
	uint32_t cv = 0;

	if (s->bar < 0)
		return virtio_host_cfg_access(td->vh, (uint32_t)s->off, s->size, &cv, s->is_write);
	return virtio_host_bar_access(td->vh, s->bar, s->off, s->size, &v, s->is_write);
}

static void test_stray_accesses(void **state)
{
	struct fixture *f = *state;
	struct testdrv *td = &f->td;
	struct virtio_pci_state before, after;
	struct capture c;
	char last[512] = "", want[32];
	int ret[NR_STRAYS], i;

	assert_true(NR_STRAYS <= SV_LOG_LIMIT_BURST);

	attach_rng(f);
	assert_int_equal(td_start(td, ~0ull, QSIZE), 0);
	assert_int_equal(virtio_pci_save(td->fn, &before), 0);
	capture_start(&c);
	for (i = 0; i < NR_STRAYS; i++)
		ret[i] = stray_access(td, &strays[i]);
	/* Each is logged once (all within the burst), with the running count. */
	assert_int_equal(capture_end(&c, "rejected", last, sizeof(last)), NR_STRAYS);
	for (i = 0; i < NR_STRAYS; i++)
		assert_int_equal(ret[i], strays[i].ret);
	snprintf(want, sizeof(want), "(%d so far)", NR_STRAYS);
	assert_non_null(strstr(last, want));
	/* Nothing changed, nothing was processed or raised, and the function works. */
	assert_int_equal(virtio_pci_save(td->fn, &after), 0);
	assert_memory_equal(&before, &after, sizeof(before));
	assert_int_equal(used(td, 0), -1);
	assert_false(td_irq(td, TD_CONFIG_VECTOR));
	assert_false(td_irq(td, td_queue_vector(0)));
	rng_request(td);

	/* A guest doing it in a loop: the count goes on, the log only every 1000th. */
	capture_start(&c);
	for (i = NR_STRAYS; i < 2 * SV_LOG_LIMIT_EVERY; i++)
		stray_access(td, &strays[i % NR_STRAYS]);
	assert_int_equal(capture_end(&c, "rejected", last, sizeof(last)),
			 (SV_LOG_LIMIT_BURST > NR_STRAYS) + 2);
	snprintf(want, sizeof(want), "(%d so far)", 2 * SV_LOG_LIMIT_EVERY);
	assert_non_null(strstr(last, want));
}

/*
 * The platform refusing what the guest asks for: logged, but throttled,
 * since the guest can ask again in a loop (reset and re-enable its queues,
 * toggle memory decoding).
 */
static void test_platform_refusals_log_throttled(void **state)
{
	struct fixture *f = *state;
	struct testdrv *td = &f->td;
	struct capture c;
	char last[512];

	attach_rng(f);
	td->fp.fail_ioeventfd = -ENOSPC;
	assert_int_equal(td_probe(td), 0);
	capture_start(&c);
	for (int i = 0; i < 3 * SV_LOG_LIMIT_BURST; i++) {
		assert_int_equal(td_negotiate(td, 1ull << VIRTIO_F_VERSION_1), 0);
		assert_int_equal(td_setup_queue(td, 0, QSIZE), 0);
	}
	assert_int_equal(capture_end(&c, "no ioeventfd", last, sizeof(last)), SV_LOG_LIMIT_BURST);
	assert_int_equal(td->fp.ioeventfd_calls, 3 * SV_LOG_LIMIT_BURST);

	td->fp.fail_window = -EEXIST;
	capture_start(&c);
	for (int i = 0; i < 3 * SV_LOG_LIMIT_BURST; i++) {
		td_cfg_write(td, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
		td_cfg_write(td, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	}
	/* Two BARs per round. */
	assert_int_equal(capture_end(&c, "not mapped", last, sizeof(last)), SV_LOG_LIMIT_BURST);
	assert_int_equal(td->fp.window_calls, 2 + 4 * 3 * SV_LOG_LIMIT_BURST);
}

/*
 * Device-level complaints about what the driver wrote: a guest can write
 * its status or features in a loop, so they are throttled per device.
 */
static void test_driver_errors_log_throttled(void **state)
{
	struct fixture *f = *state;
	struct testdrv *td = &f->td;
	uint8_t s;
	struct capture c;
	char last[512];
	int i;

	attach_rng(f);
	assert_int_equal(td_start(td, ~0ull, QSIZE), 0);
	s = td_status(td);
	capture_start(&c);
	for (i = 0; i < 3 * SV_LOG_LIMIT_BURST; i++)
		td_write(td, &td->common, VIRTIO_PCI_COMMON_STATUS, 1,
			 s & ~VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(capture_end(&c, "tried to clear status bits", last, sizeof(last)),
			 SV_LOG_LIMIT_BURST);
	assert_int_equal(td_status(td), s);

	/* Features the device never offered, accepted again and again. */
	capture_start(&c);
	for (i = 0; i < 3 * SV_LOG_LIMIT_BURST; i++)
		assert_int_equal(td_negotiate(td, (1ull << VIRTIO_F_VERSION_1) | (1ull << 40)),
				 -EIO);
	assert_int_equal(capture_end(&c, "unoffered features", last, sizeof(last)),
			 SV_LOG_LIMIT_BURST);
}

#define T(fn) SV_TEST(fn)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_windows_follow_decoding),
		T(test_kicks_follow_queue_enable),
		T(test_kicks_trap_without_ioeventfd),
		T(test_routes_follow_masking),
		T(test_signal_through_call_fd),
		T(test_signal_through_platform_msi),
		T(test_signal_dropped_without_route_or_msi),
		T(test_intx_level),
		T(test_backend_resumes_on_kick),
		T(test_backend_resumes_on_trapped_kick),
		T(test_backend_resumes_on_poll_backend),
		T(test_backend_late_kick_not_lost),
		T(test_queue_limit),
		T(test_stray_accesses),
		T(test_platform_refusals_log_throttled),
		T(test_driver_errors_log_throttled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
