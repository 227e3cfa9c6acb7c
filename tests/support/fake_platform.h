/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A virtio_host platform for unit tests: records what the glue asked for
 * (BAR windows, kick bindings with their eventfds, MSI routes with their
 * call eventfds, MSIs, the INTx level) and can be told to fail. It also
 * plays the part of the hypervisor for a test guest's MMIO: a 2-byte write
 * to a bound notify address signals the kick eventfd (as a KVM ioeventfd
 * does), any other access inside a window is forwarded to the glue.
 */
#ifndef TESTS_VIRTIO_FAKE_PLATFORM_H
#define TESTS_VIRTIO_FAKE_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

#include <splitvirt/virtio_host.h>

#define FP_NR_BARS 6
#define FP_MAX_MSI 64

struct fp_window {
	bool active;
	uint64_t gpa, size;
};

struct fp_kick {
	bool bound;
	uint64_t gpa;
	int fd; /* the last fd bound for the queue, kept after unbinding; -1 if none */
};

struct fp_route {
	bool set; /* irqfd was called for the vector */
	bool masked;
	int fd;
	uint64_t addr;
	uint32_t data;
};

struct fp_msi {
	uint64_t addr;
	uint32_t data;
};

struct fake_platform {
	struct fp_window win[FP_NR_BARS];
	struct fp_kick kick[VIRTIO_HOST_MAX_QUEUES];
	struct fp_route route[VIRTIO_HOST_MAX_VECTORS];
	bool intx;
	/* MSIs raised through the msi op and not yet taken, oldest first. */
	struct fp_msi msi[FP_MAX_MSI];
	unsigned int nmsi;

	/* Calls per op, failed ones included. */
	unsigned int window_calls, ioeventfd_calls, irqfd_calls, msi_calls, intx_calls;
	/*
	 * Calls that contradict the platform's state: removing a window that
	 * is not there, binding a bound queue or an address in use, unbinding
	 * what is not bound (or with another fd or address), an out-of-range
	 * index. A real platform would fail them too.
	 */
	unsigned int misuse;

	/* Failure injection: an op with a nonzero value returns it and records nothing. */
	int fail_window, fail_ioeventfd, fail_irqfd, fail_msi, fail_intx;
	/*
	 * Called after an MSI is recorded: a test's hook into the middle of
	 * the device's processing (device lock held, as for every op).
	 */
	void (*on_msi)(void *arg);
	void *on_msi_arg;
};

/* All five ops, as splitvirt.ko offers them; and without msi, as KVM. */
extern const struct virtio_host_platform fake_platform_ops;
extern const struct virtio_host_platform fake_platform_ops_no_msi;

/* Empty records, nothing failing. */
void fp_init(struct fake_platform *fp);

enum fp_route_kind {
	FP_KICKED = 1, /* the write hit a bound notify address: its eventfd was signalled */
	FP_TRAPPED = 2, /* forwarded to virtio_host_bar_access() */
};

/*
 * A guest access at gpa, routed as the platform would: returns FP_KICKED
 * or FP_TRAPPED (the glue's return value is in *err), or -ENOENT if no
 * window is there.
 */
int fp_mmio(struct fake_platform *fp, struct virtio_host *vh, uint64_t gpa, uint32_t size,
	    uint64_t *val, bool is_write, int *err);

/* Where BAR bar is decoded: its gpa, or 0 if no window is active (asserts nothing). */
uint64_t fp_window_gpa(const struct fake_platform *fp, int bar);

/* Removes the MSIs recorded with this message; returns how many there were. */
unsigned int fp_take_msi(struct fake_platform *fp, uint64_t addr, uint32_t data);

/* Reads and clears an eventfd's count (0 if it had not fired). */
uint64_t fp_eventfd_take(int fd);

#endif
