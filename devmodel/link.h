/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One served driver VM: its VM handle, its RAM mapped into a gmem, and one
 * virtio-pci function per device of its sv.link spec, all watched by the
 * link's own event loop. Until dm_link_start() the opener's loop runs that
 * loop, one turn per iteration (tests, the fuzzer); after it, a worker
 * thread of the link's own does, and only that thread touches the link
 * until dm_link_close() has joined it (docs/devmodel.md, "Threads and
 * fairness").
 *
 *   link.c      open (create VM, map RAM, devices, registration, START_VM),
 *               close
 *   fn_kmod.c   a function: the virtio host glue's platform on splitvirt.ko
 *               (BAR windows, kick and call doorbells, INTx)
 *   dispatch.c  MMIO/config requests from the driver side, reset notices
 *   kcall.c     calls into the module that wait while the driver side is behind
 *   devices.c   device models and their backends from the spec
 *   persist.c   crash containment: the saved state, taking over after a restart
 *   state.c     the saved state's format
 */
#ifndef DEVMODEL_LINK_H
#define DEVMODEL_LINK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

#include <splitvirt/gmem.h>
#include <splitvirt/kmod_uapi.h>
#include <splitvirt/pci_cfg.h>
#include <splitvirt/virtio_dev.h>
#include <splitvirt/virtio_host.h>
#include <splitvirt/virtio_pci.h>

#include "kmod.h"
#include <splitvirt/event_loop.h>
#include "spec.h"

/* Requests handled per wake-up before kicks get their turn. */
#define DM_DRAIN_BUDGET 64

struct dm_options {
	int console_out_fd; /* guest console output, usually stdout */
	/* Console input: <dir>/<driver>-console.sock; NULL for output only. */
	const char *console_dir;
	/* Keep each link's state in its saved-state area (crash containment). */
	bool keep_state;
	/* --trace: where the stamps go (stdout or --trace-out), NULL when off. */
	FILE *trace_out;
	/* --poll-us: the longest busy-poll window after serving a link (0: off; poll.c). */
	unsigned int poll_us;
	/* Where vhost-user back-ends listen (sv_dev_vhost_socket); NULL: SV_DEV_VHOST_DIR. */
	const char *vhost_dir;
};

struct dm_fn;
struct dm_link_state;

/* A call into the module that the driver side has to take in (kcall.c). */
enum dm_kcall_op {
	DM_KC_COMPLETE_IO,
	DM_KC_IOEVENTFD,
	DM_KC_IRQFD,
	DM_KC_SET_IRQ,
	DM_KC_MSI,
	DM_KC_REGISTER_PCI_DEV,
	DM_KC_MMIO_REGION,
	DM_KC_START_VM,
};

struct dm_kcall {
	enum dm_kcall_op op;
	union sv_vm_arg u;
};

/*
 * Calls waiting behind one the module refused with -EAGAIN. Bounded: the
 * link takes no requests while any wait, so what comes in meanwhile is
 * one request's announcements and reply, and interrupts (deduplicated).
 * The most at once is a restore at open: per function 2 BAR windows, 16
 * ioeventfds and 17 irqfds, 8 functions, their registrations, START_VM.
 */
#define DM_KC_MAX 512

struct dm_kcall_queue {
	struct dm_kcall calls[DM_KC_MAX];
	unsigned int head, len;
	int64_t since_ms; /* the first refusal of this episode */
	int64_t retry_at_ms;
	unsigned int delay_ms;
	bool warned;
	unsigned long errors, overflows; /* throttled log counters */
};

struct dm_bar_window {
	uint64_t gpa, size;
	bool registered; /* announced with SV_VM_MMIO_REGION */
};

struct dm_fn {
	struct dm_link *link;
	unsigned int index; /* PCI function index = config address space id */
	char name[48];
	struct virtio_host *vh; /* owns the device and its virtio_pci function */
	struct virtio_dev *dev; /* vh's, for state and crash containment */
	struct virtio_pci *pci; /* vh's */
	/* Doorbell indices of the link: -1 until the queue/vector is first used. */
	int kick_index[VIRTIO_HOST_MAX_QUEUES];
	int call_index[VIRTIO_HOST_MAX_VECTORS];
	struct dm_bar_window bars[PCI_CFG_NR_BARS];
};

struct dm_link {
	const struct dm_kmod *km;
	struct sv_loop loop; /* the link's own: its handle, kicks and backends */
	struct sv_loop *host; /* the opener's, running loop a turn at a time until started */
	struct sv_watch turn; /* loop's epoll fd on host */
	const struct dm_options *opt;
	struct sv_link_spec spec;
	struct sv_link_info info;
	int vm;
	void *ram;
	struct gmem gm;
	struct sv_watch vm_watch;
	unsigned int nr_fns;
	struct dm_fn fns[SV_LINK_MAX_DEVICES];
	unsigned int nr_kicks, nr_calls; /* usable: min(link's, dataport max) */
	unsigned int next_kick, next_call;
	bool kicks_exhausted_logged, calls_exhausted_logged;
	atomic_bool failed; /* the handle hung up or broke: the owner closes the link */
	unsigned long bad_requests;
	/* persist.c: the image last written (NULL: off) and a scratch one. */
	struct dm_link_state *saved, *scratch;
	bool restored; /* took over from a previous devmodel's state */
	/* A predecessor saved state at open: a driver may be using the devices. */
	bool taking_over;
	unsigned long state_errors;
	struct dm_kcall_queue kc;
	/* Iterations of loop (turns on host, or the worker's): tests count them. */
	atomic_ulong turns;
	/* The worker (dm_link_start). */
	pthread_t worker;
	bool has_worker;
	atomic_bool stop; /* set by the closer, who then writes wake_fd */
	atomic_bool done; /* the worker ended (on its own: the link failed) */
	int wake_fd;
	struct sv_watch wake_watch;
	int notify_fd; /* written by the worker when it ends on its own; -1: none */
	unsigned int poll_window_us; /* poll.c: the current window, adapted */
};

/*
 * Opens link spec->id: creates the VM handle, maps the driver VM's RAM,
 * creates the devices, registers the functions and sends START_VM.
 * Returns -errno with everything undone. The link is served by host (one
 * turn of the link's loop, at most SV_LOOP_BATCH ready watches, per ready
 * iteration of host) until dm_link_start().
 */
int dm_link_open(struct dm_link **out, const struct dm_kmod *km, struct sv_loop *host,
		 const struct sv_link_spec *spec, const struct dm_options *opt);
/*
 * Leaves host and serves the link on a thread of its own, which also
 * retries its waiting calls (kcall.c). When the link fails the thread ends
 * and writes 1 to notify_fd (an eventfd; -1: none); dm_link_done() is
 * true from then on and the owner closes the link.
 */
int dm_link_start(struct dm_link *l, int notify_fd);
/* Stops the worker if started, destroys the devices, closes the handle (the module undoes the rest). */
void dm_link_close(struct dm_link *l);
static inline bool dm_link_failed(const struct dm_link *l)
{
	return atomic_load(&l->failed);
}
/* The worker ended: on its own (the link failed), or it was stopped. */
static inline bool dm_link_done(const struct dm_link *l)
{
	return atomic_load(&l->done);
}
/* Stops (hold) or resumes taking requests from the handle: kcall.c while calls wait. */
void dm_link_hold_requests(struct dm_link *l, bool hold);

/* ---- fn_kmod.c ---- */
/* Hosts dev (owned, also on failure) as function index of link l. */
int dm_fn_init(struct dm_fn *fn, struct dm_link *l, unsigned int index, struct virtio_dev *dev);
void dm_fn_fini(struct dm_fn *fn);
/* Returns the function to its power-on state (driver VM reboot or reset). */
void dm_fn_reset(struct dm_fn *fn);

/* ---- dispatch.c ---- */
/*
 * Answers one MMIO or config request: fills req->data for reads and
 * req->status (0 or -errno). Every field is validated; never fails hard.
 */
void dm_link_dispatch(struct dm_link *l, struct sv_ioreq *req);
/* Handles pending requests (up to DM_DRAIN_BUDGET). Returns how many, or -errno. */
int dm_link_drain(struct dm_link *l);
/* A reset notice: every function goes back to its power-on state. */
void dm_link_reset(struct dm_link *l, uint64_t reason);

/* ---- kcall.c ---- */
/*
 * A call into the module that reaches the driver side, for this link: made
 * at once, or, while an earlier one waits, queued behind it; one the
 * module refuses with -EAGAIN (its ring to the driver side is full) is
 * queued too, and the link stops taking requests until the queue is
 * through. Returns the module's answer, 0 if queued (a later failure is
 * logged), -ENOBUFS if the queue is full.
 */
int dm_link_call(struct dm_link *l, const struct dm_kcall *c);
static inline bool dm_link_waiting(const struct dm_link *l)
{
	return l->kc.len > 0;
}
/*
 * Retries the waiting calls if due at now_ms (dm_now_ms()), at most
 * DM_DRAIN_BUDGET of them. Returns the ms until it wants to be called
 * again, -1 if nothing waits.
 */
int dm_link_retry(struct dm_link *l, int64_t now_ms);
/* Closing: the module drops what was never sent with the handle. */
void dm_link_kcalls_drop(struct dm_link *l);
/* CLOCK_MONOTONIC in ms. */
int64_t dm_now_ms(void);

/*
 * With --poll-us (poll.c): busy-polls the link's rings and loop, kicks
 * suppressed, for an adaptive window after the loop served something.
 * On the link's thread; 0 or -errno from its loop.
 */
int dm_link_poll(struct dm_link *l);

/* ---- persist.c ---- */
/*
 * Sets up state tracking (with opt->keep_state and a saved-state area on
 * the link) for a link with its functions.
 */
int dm_link_persist_init(struct dm_link *l);
void dm_link_persist_fini(struct dm_link *l);
/* Saves the state if the functions' state changed since the last save. */
void dm_link_persist(struct dm_link *l);
/* The driver side reset: its devices are at power-on, the saved state goes. */
void dm_link_forget(struct dm_link *l);
/* Whether a predecessor saved a state (before the functions exist; keep_state only). */
bool dm_link_has_saved_state(struct dm_link *l);
/*
 * Before registration: if a state is saved, restore every function from
 * it (re-announcing BAR windows, ioeventfds, irqfds with the old doorbell
 * indices). Returns 1 if restored, 0 if the link starts at power-on
 * (nothing saved, or a state that fails validation: it is cleared).
 */
int dm_link_restore(struct dm_link *l);
/*
 * After START_VM on a restored link: takes up every request the previous
 * devmodel left pending (virtio_dev_resume_pending: run again, not
 * failed), logs it, saves the state again. Returns the number taken up.
 */
int dm_link_resume_pending(struct dm_link *l);

/* ---- devices.c ---- */
/* Device model k of the link's spec over its real backend. */
int dm_device_create(struct dm_link *l, unsigned int k, struct virtio_dev **out);

#endif
