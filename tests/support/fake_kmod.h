/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A stand-in for splitvirt.ko behind struct dm_kmod_ops: one link whose
 * "driver VM RAM" is a heap buffer, a request queue the test fills, and a
 * log of every call the devmodel made. The VM handle is one end of a
 * socketpair: readable while requests are queued, and hung up when the
 * test closes the other end (the link going away). A driver side that is
 * behind is "busy": announcements and COMPLETE_IO get -EAGAIN. Several
 * fakes go behind one dm_kmod with struct fk_set (a daemon serving
 * several links), and fk_ioctl() answers the real ioctls for a test that
 * runs kmod_ioctl.c against a fake.
 */
#ifndef TESTS_DEVMODEL_FAKE_KMOD_H
#define TESTS_DEVMODEL_FAKE_KMOD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <splitvirt/kmod_uapi.h>

#include "../../devmodel/kmod.h"

#define FK_RAM_GPA 0x40000000ull
#define FK_MAX_LOG 512
#define FK_MAX_REQS 512
#define FK_MAX_IOEVENTFDS 64
#define FK_MAX_CALLS 64

enum fk_op {
	FK_CREATE_VM,
	FK_CLOSE_VM,
	FK_IOEVENTFD,
	FK_IRQFD,
	FK_SET_IRQ,
	FK_MSI,
	FK_REGISTER_PCI_DEV,
	FK_MMIO_REGION,
	FK_START_VM,
	FK_COMPLETE_IO, /* a = id, b = data, c = status */
};

struct fk_call {
	enum fk_op op;
	uint64_t a, b; /* gpa/size, addr/data, irq/level, index/flags ... */
	uint32_t c, d; /* kick/call index, flags, pcidev ... */
};

struct fk_ioeventfd {
	uint64_t gpa;
	uint32_t kick;
	int fd;
	bool used;
};

struct fk_irqfd {
	int fd;
	uint32_t pcidev;
	uint64_t addr;
	uint32_t data;
	bool used;
};

struct fake_kmod {
	struct dm_kmod km;
	/*
	 * Taken by every op and helper below: links served by threads of
	 * their own call in concurrently. A test reading fields while a
	 * daemon runs takes it too (fk_lock).
	 */
	pthread_mutex_t lock;
	struct sv_link_info info;
	bool present; /* LINK_INFO / CREATE_VM find the link */
	uint8_t *ram;
	int ram_fd; /* the memfd behind ram, for vhost-user back-ends under test */
	int vm_fd; /* the devmodel's end; -1 while closed */
	int peer_fd; /* ours */
	unsigned int nr_creates;

	struct sv_ioreq reqs[FK_MAX_REQS];
	unsigned int req_head, req_tail;
	struct sv_ioreq done[FK_MAX_REQS];
	unsigned int nr_done;

	struct fk_call log[FK_MAX_LOG];
	unsigned int nr_log;
	struct fk_ioeventfd ioeventfds[FK_MAX_IOEVENTFDS];
	struct fk_irqfd irqfds[FK_MAX_CALLS];
	unsigned int nr_regions;

	/* Set by the test: the event and reply rings are full. */
	bool busy;
	unsigned long nr_refused; /* -EAGAIN answers given while busy */
	unsigned long nr_completions; /* all of them, also past FK_MAX_REQS */
	pthread_cond_t completed; /* broadcast with each completion */
	/* The saved-state area: outlives the handle, like the module's (NULL: none). */
	uint8_t *state_area;
	uint32_t state_size;
};

/* Up to FK_SET_MAX fakes (distinct info.link_id) behind one dm_kmod. */
#define FK_SET_MAX 4

struct fk_set {
	struct dm_kmod km;
	struct fake_kmod *fk[FK_SET_MAX];
	unsigned int n;
};

/* A link "name" with ram_size bytes of RAM, nr_kicks/nr_calls doorbells. */
int fk_init(struct fake_kmod *fk, const char *name, uint64_t ram_size, uint32_t nr_kicks,
	    uint32_t nr_calls);
void fk_fini(struct fake_kmod *fk);
/* Queues a request for SV_VM_GET_IO and makes the handle readable. */
void fk_push(struct fake_kmod *fk, const struct sv_ioreq *req);
/* The driver side goes away: the handle reports a hang-up. */
void fk_hangup(struct fake_kmod *fk);
/* Log entries of one kind; returns the count and the index of the last one in *last. */
unsigned int fk_count(const struct fake_kmod *fk, enum fk_op op, int *last);
/* The kick eventfd bound at gpa, or -1. */
int fk_kick_fd(const struct fake_kmod *fk, uint64_t gpa, uint32_t *kick);
/* Requests queued and not taken yet. */
unsigned int fk_pending(const struct fake_kmod *fk);
void fk_lock(struct fake_kmod *fk);
void fk_unlock(struct fake_kmod *fk);
/* One of fk's counters (nr_refused, nr_completions), read under its lock. */
unsigned long fk_counter(struct fake_kmod *fk, const unsigned long *field);
/*
 * Waits until fk has completed at least n requests in all (nr_completions)
 * or timeout_ms passed (-1: no limit); returns whether it has.
 */
bool fk_wait_completions(struct fake_kmod *fk, unsigned long n, int timeout_ms);

void fk_set_init(struct fk_set *set, struct fake_kmod *const *fks, unsigned int n);
/* The fake whose VM handle is fd, or NULL. */
struct fake_kmod *fk_set_find_vm(const struct fk_set *set, int fd);
/*
 * An ioctl on fk's VM handle as splitvirt.ko would take it (the
 * <splitvirt/kmod_uapi.h> commands of a VM handle): 0 or -1 with errno.
 */
int fk_ioctl(struct fake_kmod *fk, unsigned long cmd, void *arg);

#endif
