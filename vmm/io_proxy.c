// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/pci_regs.h>

#include <splitvirt/event_loop.h>
#include <splitvirt/log.h>
#include <splitvirt/size.h>
#include <splitvirt/rpc_chan.h>
#include <splitvirt/rpc_ring.h>

#include "io_proxy.h"
#include "msi.h"
#include "pci.h"
#include "vmm.h"

/* By default a vCPU waits this long for a reply before it reads all-ones instead. */
#define IO_PROXY_REPLY_TIMEOUT_MS 5000
#define IO_PROXY_MAX_REGIONS 32
/*
 * Replies and events taken per resp doorbell, each. With more left, the
 * proxy rings its own doorbell and comes back after the I/O loop has served
 * its other fds: a device side that keeps the rings full can neither keep
 * the vmm's one I/O thread nor hold p->lock for longer than one batch.
 */
#define IO_PROXY_BATCH 32
/* How often the I/O thread lets vCPUs waiting for the lock go first. */
#define IO_PROXY_YIELDS 8

/* MSI-X table entries followed per function: a GICv2m frame has no more SPIs. */
#define IO_PROXY_MSIX_TRACKED VMM_V2M_SPI_COUNT
#define CFG_TRACKED 256 /* config bytes followed: header and capability list */

/*
 * A remote function, and what the guest programmed into it as far as the
 * proxy's checks depend on it (io_proxy.lock). Written by the guest (config
 * writes, MSI-X table writes through a forwarded region: recorded before
 * any reply or event that follows them is taken), or read by the guest
 * (config reads: the value it was given), so the device side can neither
 * change it nor get ahead of it.
 */
struct remote_fn {
	struct io_proxy *proxy;
	uint32_t index; /* the device side's PCI function index */
	int slot; /* where it sits on our bus */
	char name[64]; /* the host bridge keeps a pointer to it */
	uint32_t bar_written[PCI_STD_NUM_BARS]; /* BAR registers as the guest wrote them */
	uint32_t bar_sized[PCI_STD_NUM_BARS]; /* what it read back after writing all-ones */
	uint8_t bar_sizing; /* bit i: BAR i holds the all-ones sizing pattern */
	uint16_t command;
	bool msix_enabled; /* MSI-X Enable as the guest last wrote it */
	uint8_t cfg[CFG_TRACKED]; /* config bytes the guest read */
	uint8_t cfg_known[CFG_TRACKED / 8];
	uint8_t msix[IO_PROXY_MSIX_TRACKED][PCI_MSIX_ENTRY_SIZE]; /* table as written */
};

struct fwd_region {
	struct io_proxy *proxy;
	uint64_t gpa, size;
	bool used;
};

/* What a call eventfd raises (GICv2m: revoked once the guest reprograms it). */
struct call_route {
	bool routed;
	uint32_t pcidev;
	struct msi_msg msg;
};

struct kick_binding {
	uint64_t gpa, datamatch;
	uint32_t len, flags;
	bool bound;
};

struct io_slot {
	bool waiting, done;
	int status;
	uint64_t data;
	uint64_t addr, info; /* what was asked: arg[0] and arg[2] of the request */
};

/*
 * Kinds of log line that a device side or the guest can cause at will:
 * each is rate-limited on its own counter (pr_*_limited), so flooding one
 * does not silence another.
 */
enum proxy_log {
	PROXY_LOG_PEER_ERROR, /* corrupt rings, rejected events */
	PROXY_LOG_ACCESS, /* a guest access the device side failed */
	PROXY_LOG_HELLO, /* HELLO_EVT */
	PROXY_LOG_HELLO_REFUSED, /* the device side refused our HELLO */
	PROXY_LOG_RESET, /* RESET_EVT */
	PROXY_LOG_UNPLUG, /* REGISTER_PCI_DEV with REMOVE */
	PROXY_LOG_LATE_REGISTER, /* REGISTER_PCI_DEV after START_VM */
	PROXY_LOG_NR,
};

struct io_proxy {
	struct vm *vm;
	struct pci_host *pci;
	struct sv_loop *loop;
	struct sv_watch resp_watch; /* the device side posted replies or events */
	struct sv_link_args link; /* fds owned from here on */
	char name[48];
	void *iobuf;
	uint32_t iobuf_size;

	atomic_uint reply_timeout_ms; /* read by vCPUs before they take a lock */

	/*
	 * A device side must never keep a vCPU longer than the reply timeout:
	 * the I/O thread holds lock for one batch at a time and lets vCPUs
	 * that wait for it go first (lock_waiters); a vCPU takes it with its
	 * reply deadline (pthread_mutex_clocklock), only to send, and waits
	 * for the reply under wait_lock, which is only ever held briefly.
	 * Order: lock, then wait_lock.
	 */
	pthread_mutex_t wait_lock; /* slots[], started */
	pthread_cond_t cond; /* with wait_lock: a slot completed, or START_VM */
	struct io_slot slots[SV_RPC_MAX_SLOTS];
	bool started; /* written with both locks held */
	atomic_uint lock_waiters; /* vCPUs waiting for lock */

	pthread_mutex_t lock; /* everything below, and the channel */
	struct sv_rpc_drv drv;
	bool hello_sent;
	struct remote_fn fns[SV_RPC_MAX_PCI_DEVS];
	bool fn_registered[SV_RPC_MAX_PCI_DEVS];
	struct fwd_region regions[IO_PROXY_MAX_REGIONS];
	struct kick_binding kicks[SV_LINK_ARGS_MAX_FDS];
	int call_gsi[SV_LINK_ARGS_MAX_FDS];
	struct call_route calls[SV_LINK_ARGS_MAX_FDS];
	/* Occurrences of each kind of line a peer or the guest can repeat at will. */
	unsigned long logged[PROXY_LOG_NR];
};

static void proxy_log_peer_error(struct io_proxy *p, const char *what)
{
	/* A hostile or broken device side must not flood our log. */
	pr_warn_limited(&p->logged[PROXY_LOG_PEER_ERROR], "%s: %s", p->name, what);
}

static void ring(struct io_proxy *p, int fd, const char *which)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) < 0)
		pr_debug("%s: %s doorbell: %s", p->name, which, strerror(errno));
}

static void ring_device(struct io_proxy *p)
{
	ring(p, p->link.req_fd, "request");
}

/* ---- what the guest programmed (lock held) --------------------------------- */

static bool cfg_known(const struct remote_fn *fn, unsigned int off, unsigned int len)
{
	for (unsigned int o = off; o < off + len; o++) {
		if (o >= CFG_TRACKED || !(fn->cfg_known[o / 8] & (1u << (o % 8))))
			return false;
	}
	return true;
}

static uint32_t cfg_get(const struct remote_fn *fn, unsigned int off, unsigned int len)
{
	uint32_t v = 0;

	for (unsigned int i = 0; i < len; i++)
		v |= (uint32_t)fn->cfg[off + i] << (8 * i);
	return v;
}

/* Where the guest found the MSI-X capability (walking what it read), or -1. */
static int fn_msix_cap(const struct remote_fn *fn)
{
	unsigned int pos;

	if (!cfg_known(fn, PCI_CAPABILITY_LIST, 1))
		return -1;
	pos = fn->cfg[PCI_CAPABILITY_LIST] & ~3u;
	/* As Linux does: at most 48 capabilities, none in the header. */
	for (unsigned int ttl = 48; ttl && pos >= 0x40 && cfg_known(fn, pos, 2); ttl--) {
		if (fn->cfg[pos] == PCI_CAP_ID_MSIX)
			return (int)pos;
		pos = fn->cfg[pos + 1] & ~3u;
	}
	return -1;
}

/*
 * BAR i as the guest placed it: false unless it sized it (a memory BAR),
 * wrote an address and has memory decoding on, as a PCI function decodes
 * it (lib/pci does the same). The upper half of a 64-bit BAR is none.
 */
static bool fn_bar(const struct io_proxy *p, const struct remote_fn *fn, unsigned int i,
		   uint64_t *base, uint64_t *size)
{
	uint32_t type = fn->bar_sized[i];
	uint64_t mask = type & PCI_BASE_ADDRESS_MEM_MASK, addr = fn->bar_written[i];
	unsigned int halves = 1u << i;

	if (!(fn->command & PCI_COMMAND_MEMORY) || (type & PCI_BASE_ADDRESS_SPACE_IO))
		return false;
	if ((type & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64) {
		if (i + 1 >= PCI_STD_NUM_BARS)
			return false;
		mask |= (uint64_t)fn->bar_sized[i + 1] << 32;
		addr |= (uint64_t)fn->bar_written[i + 1] << 32;
		halves |= 2u << i;
	}
	if (!mask || (fn->bar_sizing & halves))
		return false;
	*size = mask & -mask; /* the lowest writable address bit, as Linux sizes it */
	*base = addr & PCI_BASE_ADDRESS_MEM_MASK & ~(*size - 1);
	return *base && pci_host_in_window(p->pci, *base, *size);
}

/* Whether [gpa, gpa + size) lies inside one BAR the guest gave one of this link's functions. */
static bool in_own_bar(const struct io_proxy *p, uint64_t gpa, uint64_t size)
{
	for (unsigned int f = 0; f < SV_RPC_MAX_PCI_DEVS; f++) {
		uint64_t base, len;

		if (!p->fn_registered[f])
			continue;
		for (unsigned int i = 0; i < PCI_STD_NUM_BARS; i++) {
			if (fn_bar(p, &p->fns[f], i, &base, &len) &&
			    sv_range_inside(gpa, size, base, len))
				return true;
		}
	}
	return false;
}

/*
 * Whether fn may raise msg. With an ITS the requester id (ours to set)
 * confines a function to its own vectors. A GICv2m message has no device
 * id, so it must be one the guest wrote into this function's MSI-X table,
 * with MSI-X enabled: not another device's SPI.
 */
static bool fn_msi_allowed(const struct io_proxy *p, const struct remote_fn *fn,
			   const struct msi_msg *msg)
{
	int cap = fn_msix_cap(fn);
	unsigned int nvec = IO_PROXY_MSIX_TRACKED;

	if (p->vm->gic_version == 3)
		return true;
	if (!fn->msix_enabled || cap < 0)
		return false;
	if (cfg_known(fn, (unsigned int)cap + PCI_MSIX_FLAGS, 2)) {
		unsigned int n = (cfg_get(fn, (unsigned int)cap + PCI_MSIX_FLAGS, 2) &
				  PCI_MSIX_FLAGS_QSIZE) +
				 1;

		nvec = n < nvec ? n : nvec;
	}
	for (unsigned int v = 0; v < nvec; v++) {
		const uint8_t *e = fn->msix[v];
		uint64_t addr = 0;
		uint32_t data = 0;

		for (unsigned int b = 0; b < 8; b++)
			addr |= (uint64_t)e[PCI_MSIX_ENTRY_LOWER_ADDR + b] << (8 * b);
		for (unsigned int b = 0; b < 4; b++)
			data |= (uint32_t)e[PCI_MSIX_ENTRY_DATA + b] << (8 * b);
		if (addr == msg->addr && data == msg->data)
			return true;
	}
	return false;
}

static int kick_ioeventfd(struct io_proxy *p, unsigned int k, bool assign)
{
	const struct kick_binding *b = &p->kicks[k];
	bool match = b->flags & SV_RPC_IOEVENTFD_F_DATAMATCH;

	return vm_ioeventfd(p->vm, b->gpa, b->len, p->link.kick_fds[k],
			    match ? &b->datamatch : NULL, assign);
}

/*
 * After the guest moved a BAR, turned decoding off or reprogrammed MSI-X:
 * what the device side was given there goes, so that the space or the SPI
 * the guest gives to someone else next is theirs.
 */
static void proxy_revoke_stale(struct io_proxy *p)
{
	for (unsigned int i = 0; i < IO_PROXY_MAX_REGIONS; i++) {
		struct fwd_region *fr = &p->regions[i];

		if (fr->used && !in_own_bar(p, fr->gpa, fr->size)) {
			mmio_bus_remove_own(&p->vm->bus, fr->gpa, fr);
			fr->used = false;
		}
	}
	for (unsigned int k = 0; k < p->link.nkicks; k++) {
		struct kick_binding *b = &p->kicks[k];

		if (b->bound && !in_own_bar(p, b->gpa, b->len)) {
			kick_ioeventfd(p, k, false);
			b->bound = false;
		}
	}
	for (unsigned int c = 0; c < p->link.ncalls; c++) {
		struct call_route *r = &p->calls[c];

		if (r->routed && !fn_msi_allowed(p, &p->fns[r->pcidev], &r->msg)) {
			msi_route_set(p->vm, p->call_gsi[c], &r->msg, false);
			r->routed = false;
		}
	}
}

/* The guest writes config space of fn (before it is forwarded). */
static void fn_cfg_written(struct io_proxy *p, struct remote_fn *fn, uint32_t off, uint32_t size,
			   uint64_t val)
{
	int cap = fn_msix_cap(fn);
	bool changed = false;

	for (uint32_t o = off; o < off + size; o++) {
		uint32_t b = (uint32_t)(val >> (8 * (o - off))) & 0xff;

		if (o >= PCI_BASE_ADDRESS_0 && o < PCI_BASE_ADDRESS_0 + 4 * PCI_STD_NUM_BARS) {
			unsigned int i = (o - PCI_BASE_ADDRESS_0) / 4, sh = 8 * (o % 4);

			fn->bar_written[i] = (fn->bar_written[i] & ~(0xffu << sh)) | b << sh;
			fn->bar_sizing &= (uint8_t) ~(1u << i);
			if (fn->bar_written[i] == 0xffffffffu)
				fn->bar_sizing |= (uint8_t)(1u << i);
			changed = true;
		} else if (o == PCI_COMMAND || o == PCI_COMMAND + 1) {
			unsigned int sh = 8 * (o - PCI_COMMAND);

			fn->command = (uint16_t)((fn->command & ~(0xffu << sh)) | b << sh);
			changed = true;
		} else if (cap >= 0 && o == (uint32_t)cap + PCI_MSIX_FLAGS + 1) {
			fn->msix_enabled = b & (PCI_MSIX_FLAGS_ENABLE >> 8);
			changed = true;
		}
	}
	if (changed)
		proxy_revoke_stale(p);
}

/* The guest reads config space of fn: val is what it got. */
static void fn_cfg_read(struct remote_fn *fn, uint32_t off, uint32_t size, uint64_t val)
{
	if (size == 4 && off >= PCI_BASE_ADDRESS_0 &&
	    off < PCI_BASE_ADDRESS_0 + 4 * PCI_STD_NUM_BARS) {
		unsigned int i = (off - PCI_BASE_ADDRESS_0) / 4;

		if (fn->bar_sizing & (1u << i))
			fn->bar_sized[i] = (uint32_t)val;
	}
	for (uint32_t o = off; o < off + size && o < CFG_TRACKED; o++) {
		fn->cfg[o] = (uint8_t)(val >> (8 * (o - off)));
		fn->cfg_known[o / 8] |= (uint8_t)(1u << (o % 8));
	}
}

/* The guest writes guest-physical memory the link forwards: its MSI-X tables are there. */
static void proxy_mem_written(struct io_proxy *p, uint64_t gpa, uint32_t size, uint64_t val)
{
	bool changed = false;

	for (unsigned int f = 0; f < SV_RPC_MAX_PCI_DEVS; f++) {
		struct remote_fn *fn = &p->fns[f];
		uint64_t base, len, table;
		uint32_t where;
		int cap;

		if (!p->fn_registered[f])
			continue;
		cap = fn_msix_cap(fn);
		if (cap < 0 || !cfg_known(fn, (unsigned int)cap + PCI_MSIX_TABLE, 4))
			continue;
		where = cfg_get(fn, (unsigned int)cap + PCI_MSIX_TABLE, 4);
		if (!fn_bar(p, fn, where & PCI_MSIX_TABLE_BIR, &base, &len))
			continue;
		table = base + (where & PCI_MSIX_TABLE_OFFSET);
		for (uint32_t i = 0; i < size; i++) {
			uint64_t off = gpa + i - table;

			if (gpa + i >= table && off < sizeof(fn->msix)) {
				fn->msix[off / PCI_MSIX_ENTRY_SIZE][off % PCI_MSIX_ENTRY_SIZE] =
					(uint8_t)(val >> (8 * i));
				changed = true;
			}
		}
	}
	if (changed)
		proxy_revoke_stale(p);
}

/* ---- requests from vCPU threads --------------------------------------------- */

static void deadline_after_ms(struct timespec *ts, unsigned int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* A vCPU takes the lock, or gives up at its deadline (-ETIMEDOUT). */
static int proxy_lock_vcpu(struct io_proxy *p, const struct timespec *deadline)
{
	int ret;

	atomic_fetch_add(&p->lock_waiters, 1);
	ret = pthread_mutex_clocklock(&p->lock, CLOCK_MONOTONIC, deadline);
	atomic_fetch_sub(&p->lock_waiters, 1);
	return -ret;
}

/*
 * The I/O thread takes the lock. A mutex is not fair: right after its
 * last batch the I/O thread would usually win it again before a woken
 * vCPU runs, so it first yields to vCPUs that wait for it (a bounded
 * number of times, so busy vCPUs cannot keep it from the rings).
 */
static void proxy_lock_io(struct io_proxy *p)
{
	for (unsigned int i = 0; i < IO_PROXY_YIELDS && atomic_load(&p->lock_waiters); i++)
		sched_yield();
	pthread_mutex_lock(&p->lock);
}

/*
 * One MMIO access on the device side; returns 0 with *data for reads, or
 * -errno (the caller then gives the guest all-ones / drops the write).
 */
static int proxy_mmio(struct io_proxy *p, uint16_t as, uint64_t addr, uint8_t size, bool write,
		      uint64_t *data)
{
	struct sv_rpc_mmio io = {
		.addr = addr,
		.data = write ? *data : 0,
		.size = size,
		.dir = write ? SV_RPC_MMIO_WRITE : SV_RPC_MMIO_READ,
		.as = as,
	};
	struct sv_rpc_msg m;
	struct timespec deadline;
	int slot, ret;

	ret = sv_rpc_encode_mmio(&m, &io);
	if (ret)
		return ret;
	deadline_after_ms(&deadline, atomic_load(&p->reply_timeout_ms));
	ret = proxy_lock_vcpu(p, &deadline);
	if (ret)
		return ret;
	slot = sv_rpc_drv_slot_alloc(&p->drv);
	ret = slot < 0 ? slot : sv_rpc_drv_send(&p->drv, (uint32_t)slot, &m);
	if (ret) {
		pthread_mutex_unlock(&p->lock);
		return ret;
	}
	/*
	 * Still under the lock, which the I/O thread needs to take a reply or
	 * an event: the slot waits before its reply can be taken, and what the
	 * device side may claim is updated before it can act on the write.
	 */
	pthread_mutex_lock(&p->wait_lock);
	p->slots[slot] = (struct io_slot){ .waiting = true, .addr = m.arg[0], .info = m.arg[2] };
	pthread_mutex_unlock(&p->wait_lock);
	if (write && as == SV_RPC_AS_GLOBAL)
		proxy_mem_written(p, addr, size, *data);
	else if (write && as < SV_RPC_MAX_PCI_DEVS && p->fn_registered[as])
		fn_cfg_written(p, &p->fns[as], (uint32_t)addr, size, *data);
	pthread_mutex_unlock(&p->lock);
	ring_device(p);

	pthread_mutex_lock(&p->wait_lock);
	while (!p->slots[slot].done && ret == 0)
		ret = pthread_cond_timedwait(&p->cond, &p->wait_lock, &deadline);
	if (p->slots[slot].done) {
		ret = p->slots[slot].status;
		if (!ret && !write)
			*data = p->slots[slot].data;
	} else {
		/* The slot stays lent until a reply or a reset frees it. */
		ret = -ETIMEDOUT;
	}
	p->slots[slot].waiting = false;
	pthread_mutex_unlock(&p->wait_lock);
	return ret;
}

static void proxy_access(struct io_proxy *p, uint16_t as, uint64_t addr, uint8_t *data,
			 unsigned int len, bool is_write)
{
	uint64_t v = 0;
	int ret;

	if (is_write)
		memcpy(&v, data, len < 8 ? len : 8);
	ret = proxy_mmio(p, as, addr, (uint8_t)len, is_write, &v);
	if (ret) {
		char what[128];

		snprintf(what, sizeof(what), "%s of %u bytes at %s0x%llx failed: %s",
			 is_write ? "write" : "read", len, as == SV_RPC_AS_GLOBAL ? "" : "config ",
			 (unsigned long long)addr, strerror(-ret));
		pr_warn_limited(&p->logged[PROXY_LOG_ACCESS], "%s: %s", p->name, what);
		v = ~0ull;
	}
	if (!is_write)
		memcpy(data, &v, len < 8 ? len : 8);
}

static uint32_t remote_cfg_read(void *opaque, uint32_t off, uint32_t size)
{
	struct remote_fn *fn = opaque;
	uint32_t v = 0;

	proxy_access(fn->proxy, (uint16_t)fn->index, off, (uint8_t *)&v, size, false);
	return v;
}

static void remote_cfg_write(void *opaque, uint32_t off, uint32_t size, uint32_t val)
{
	struct remote_fn *fn = opaque;

	proxy_access(fn->proxy, (uint16_t)fn->index, off, (uint8_t *)&val, size, true);
}

static const struct pci_function_ops remote_fn_ops = {
	.cfg_read = remote_cfg_read,
	.cfg_write = remote_cfg_write,
};

static void region_mmio(void *opaque, uint64_t off, uint8_t *data, unsigned int len, bool is_write)
{
	struct fwd_region *r = opaque;

	proxy_access(r->proxy, SV_RPC_AS_GLOBAL, r->gpa + off, data, len, is_write);
}

/* ---- events from the device side (I/O thread, lock held) --------------------- */

static int ev_register_pci_dev(struct io_proxy *p, const struct sv_rpc_msg *m)
{
	struct sv_rpc_pci_dev d;
	struct remote_fn *fn;
	int ret = sv_rpc_decode_pci_dev(m, &d);

	if (ret)
		return ret;
	if (d.flags & SV_RPC_PCI_F_REMOVE) {
		pr_warn_limited(
			&p->logged[PROXY_LOG_UNPLUG],
			"%s: device side removed PCI function %u; hot-unplug is not supported, it stays",
			p->name, d.index);
		return 0;
	}
	if (p->fn_registered[d.index])
		return 0; /* a restarted device side announces its functions again */
	if (p->started)
		pr_warn_limited(
			&p->logged[PROXY_LOG_LATE_REGISTER],
			"%s: PCI function %u registered after START_VM; the guest sees it only after a rescan",
			p->name, d.index);
	fn = &p->fns[d.index];
	*fn = (struct remote_fn){ .proxy = p, .index = d.index };
	snprintf(fn->name, sizeof(fn->name), "%s function %u (remote)", p->link.peer, d.index);
	ret = pci_host_add_function(p->pci, &remote_fn_ops, fn, fn->name);
	if (ret < 0)
		return ret;
	fn->slot = ret;
	p->fn_registered[d.index] = true;
	return 0;
}

static int ev_mmio_region(struct io_proxy *p, const struct sv_rpc_msg *m)
{
	struct sv_rpc_region r;
	int ret = sv_rpc_decode_region(m, &r);
	struct fwd_region *free_slot = NULL;

	if (ret)
		return ret;
	for (unsigned int i = 0; i < IO_PROXY_MAX_REGIONS; i++) {
		struct fwd_region *fr = &p->regions[i];

		if (fr->used && fr->gpa == r.gpa && fr->size == r.size) {
			if (r.flags & SV_RPC_REGION_F_REMOVE) {
				mmio_bus_remove_own(&p->vm->bus, fr->gpa, fr);
				fr->used = false;
			}
			return 0;
		}
		if (!fr->used && !free_slot)
			free_slot = fr;
	}
	if (r.flags & SV_RPC_REGION_F_REMOVE)
		return 0;
	/*
	 * Only inside a BAR the guest gave one of this link's functions (the
	 * message names no function): never RAM, the GIC, the host bridge,
	 * nor space the guest gave another device or has not given at all.
	 */
	if (!in_own_bar(p, r.gpa, r.size))
		return -EPERM;
	if (!free_slot)
		return -ENOSPC;
	*free_slot = (struct fwd_region){ .proxy = p, .gpa = r.gpa, .size = r.size, .used = true };
	ret = mmio_bus_add(&p->vm->bus, r.gpa, r.size, region_mmio, free_slot, p->name);
	if (ret)
		free_slot->used = false;
	return ret;
}

static int ev_ioeventfd(struct io_proxy *p, const struct sv_rpc_msg *m)
{
	struct sv_rpc_ioeventfd e;
	struct kick_binding *b;
	int ret = sv_rpc_decode_ioeventfd(m, &e);

	if (ret)
		return ret;
	if (e.doorbell >= p->link.nkicks)
		return -ERANGE;
	b = &p->kicks[e.doorbell];
	if (b->bound) {
		kick_ioeventfd(p, e.doorbell, false);
		b->bound = false;
	}
	if (e.flags & SV_RPC_IOEVENTFD_F_REMOVE)
		return 0;
	/* Likewise: a kick over another device's register would swallow its writes. */
	if (!in_own_bar(p, e.addr, e.len))
		return -EPERM;
	*b = (struct kick_binding){ e.addr, e.datamatch, e.len, e.flags, false };
	ret = kick_ioeventfd(p, e.doorbell, true);
	b->bound = ret == 0;
	pr_debug("%s: kick %u bound at 0x%llx (%d)", p->name, e.doorbell,
		 (unsigned long long)e.addr, ret);
	return ret;
}

static int ev_irqfd(struct io_proxy *p, const struct sv_rpc_msg *m)
{
	struct sv_rpc_irqfd f;
	struct call_route route;
	struct msi_msg msg;
	int ret = sv_rpc_decode_irqfd(m, &f);

	if (ret)
		return ret;
	if (f.event >= p->link.ncalls)
		return -ERANGE;
	if (!(f.flags & SV_RPC_IRQFD_F_MSI))
		return -EOPNOTSUPP; /* wired lines go through SET_IRQ */
	if (!p->fn_registered[f.pcidev])
		return -ENODEV;
	msg = (struct msi_msg){ f.addr, f.data,
				pci_host_devid(p->pci, (unsigned int)p->fns[f.pcidev].slot) };
	route = (struct call_route){ !(f.flags & SV_RPC_IRQFD_F_REMOVE), f.pcidev, msg };
	/* Not one of the function's vectors: the route goes rather than pointing there. */
	if (route.routed && !fn_msi_allowed(p, &p->fns[f.pcidev], &msg)) {
		msi_route_set(p->vm, p->call_gsi[f.event], &msg, false);
		p->calls[f.event].routed = false;
		return -EPERM;
	}
	ret = msi_route_set(p->vm, p->call_gsi[f.event], &msg, route.routed);
	route.routed = route.routed && ret == 0;
	p->calls[f.event] = route;
	pr_debug("%s: call %u -> MSI 0x%llx/0x%x of function %u (%d)", p->name, f.event,
		 (unsigned long long)f.addr, f.data, f.pcidev, ret);
	return ret;
}

static int ev_set_irq(struct io_proxy *p, const struct sv_rpc_msg *m)
{
	struct sv_rpc_set_irq s;
	unsigned int spi;
	int ret = sv_rpc_decode_set_irq(m, &s);

	if (ret)
		return ret;
	/* irq names a PCI function; its INTA# is what changes. */
	if (s.irq >= SV_RPC_MAX_PCI_DEVS || !p->fn_registered[s.irq])
		return -ENODEV;
	spi = pci_host_intx_spi(p->pci, (unsigned int)p->fns[s.irq].slot, 1);
	if (s.level == SV_RPC_IRQ_PULSE) {
		ret = vm_set_spi(p->vm, spi, 1);
		return ret ? ret : vm_set_spi(p->vm, spi, 0);
	}
	return vm_set_spi(p->vm, spi, s.level == SV_RPC_IRQ_SET);
}

static int ev_msi(struct io_proxy *p, const struct sv_rpc_msg *m)
{
	struct sv_rpc_msi s;
	struct msi_msg msg;
	int ret = sv_rpc_decode_msi(m, &s);

	if (ret)
		return ret;
	if (!p->fn_registered[s.pcidev])
		return -ENODEV;
	msg = (struct msi_msg){ s.addr, s.data,
				pci_host_devid(p->pci, (unsigned int)p->fns[s.pcidev].slot) };
	if (!fn_msi_allowed(p, &p->fns[s.pcidev], &msg))
		return -EPERM;
	return msi_signal(p->vm, &msg);
}

static int proxy_handle_event(struct io_proxy *p, const struct sv_rpc_msg *m)
{
	struct sv_rpc_hello h;
	uint32_t reason;

	switch (m->op) {
	case SV_RPC_OP_HELLO_EVT:
		if (sv_rpc_decode_hello(m, &h) == 0)
			pr_info_limited(&p->logged[PROXY_LOG_HELLO],
					"%s: device side '%s' is up (protocol %u.%u)", p->name,
					p->link.peer, h.version >> 16, h.version & 0xffff);
		return 0;
	case SV_RPC_OP_REGISTER_PCI_DEV:
		return ev_register_pci_dev(p, m);
	case SV_RPC_OP_MMIO_REGION:
		return ev_mmio_region(p, m);
	case SV_RPC_OP_IOEVENTFD:
		return ev_ioeventfd(p, m);
	case SV_RPC_OP_IRQFD:
		return ev_irqfd(p, m);
	case SV_RPC_OP_SET_IRQ:
		return ev_set_irq(p, m);
	case SV_RPC_OP_MSI:
		return ev_msi(p, m);
	case SV_RPC_OP_START_VM:
		if (!p->started)
			pr_info("%s: device side '%s' sent START_VM", p->name, p->link.peer);
		pthread_mutex_lock(&p->wait_lock);
		p->started = true;
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->wait_lock);
		return 0;
	case SV_RPC_OP_RESET_EVT:
		if (sv_rpc_decode_reset(m, &reason) == 0)
			pr_warn_limited(&p->logged[PROXY_LOG_RESET],
					"%s: device side '%s' restarted its protocol (reason %u)",
					p->name, p->link.peer, reason);
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

/* ---- the resp doorbell (I/O thread) ----------------------------------------- */

/*
 * Hands a reply to the vCPU waiting in its slot. The channel only checks
 * that a reply is well-formed in itself; one that answers another address,
 * size, direction or function than was asked gives the guest all-ones, not
 * a truncated or misplaced value.
 */
static void complete_slot(struct io_slot *s, const struct sv_rpc_msg *m)
{
	s->done = true;
	s->status = m->status;
	s->data = m->arg[1];
	if (!m->status && (m->arg[0] != s->addr || m->arg[2] != s->info))
		s->status = -EPROTO;
}

/* A config read the guest gets the answer to: what it learns, the proxy learns too. */
static void proxy_snoop_read(struct io_proxy *p, const struct io_slot *s)
{
	uint32_t size = s->info & 0xff, dir = (s->info >> 8) & 0xff, as = (uint32_t)(s->info >> 16);

	if (!s->status && dir == SV_RPC_MMIO_READ && as < SV_RPC_MAX_PCI_DEVS &&
	    p->fn_registered[as])
		fn_cfg_read(&p->fns[as], (uint32_t)s->addr, size, s->data);
}

static void proxy_send_hello(struct io_proxy *p)
{
	struct sv_rpc_hello h = { .version = SV_RPC_VERSION, .features = SV_RPC_FEATURES_KNOWN };
	struct sv_rpc_msg m;
	int slot;

	if (sv_rpc_encode_hello(&m, SV_RPC_OP_HELLO, &h))
		return;
	slot = sv_rpc_drv_slot_alloc(&p->drv);
	if (slot >= 0 && sv_rpc_drv_send(&p->drv, (uint32_t)slot, &m) == 0) {
		p->hello_sent = true;
		ring_device(p);
	}
}

/* Takes up to a batch of replies; true if more may be waiting. */
static bool proxy_take_replies(struct io_proxy *p)
{
	bool more = true;

	pthread_mutex_lock(&p->wait_lock);
	for (unsigned int n = 0; n < IO_PROXY_BATCH; n++) {
		struct sv_rpc_msg m;
		int ret = sv_rpc_drv_recv_reply(&p->drv, &m);

		if (ret == -EAGAIN) {
			more = false;
			break;
		}
		if (ret) {
			proxy_log_peer_error(p, "corrupt reply ring flushed");
			more = false;
			break;
		}
		if (m.op == SV_RPC_OP_HELLO) {
			struct sv_rpc_hello h;

			if (m.status || sv_rpc_decode_hello(&m, &h))
				pr_warn_limited(&p->logged[PROXY_LOG_HELLO_REFUSED],
						"%s: HELLO refused (%d)", p->name, m.status);
			continue;
		}
		if (m.slot < SV_RPC_MAX_SLOTS && p->slots[m.slot].waiting) {
			complete_slot(&p->slots[m.slot], &m);
			proxy_snoop_read(p, &p->slots[m.slot]);
		}
	}
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->wait_lock);
	return more;
}

/* Handles up to a batch of events; true if more may be waiting. */
static bool proxy_take_events(struct io_proxy *p)
{
	struct sv_rpc_msg m;

	for (unsigned int n = 0; n < IO_PROXY_BATCH; n++) {
		int ret = sv_rpc_drv_recv_event(&p->drv, &m);

		if (ret == -EAGAIN)
			return false;
		if (ret) {
			proxy_log_peer_error(p, "corrupt event ring");
			return false;
		}
		ret = proxy_handle_event(p, &m);
		if (ret) {
			char what[96];

			snprintf(what, sizeof(what), "%s event rejected: %s", sv_rpc_op_name(m.op),
				 strerror(-ret));
			proxy_log_peer_error(p, what);
		}
	}
	return true;
}

static void proxy_on_resp(struct sv_watch *w, uint32_t events)
{
	struct io_proxy *p = sv_container_of(w, struct io_proxy, resp_watch);
	uint64_t n;
	bool more;

	(void)events;
	if (read(p->link.resp_fd, &n, sizeof(n)) != sizeof(n))
		return;
	proxy_lock_io(p);
	if (sv_rpc_drv_sync(&p->drv) == 1)
		p->hello_sent = false; /* a new device epoch: greet it again */
	/* Replies first: a flood of events does not delay the vCPUs' answers. */
	more = proxy_take_replies(p);
	more |= proxy_take_events(p);
	if (!p->hello_sent && sv_rpc_drv_connected(&p->drv))
		proxy_send_hello(p);
	pthread_mutex_unlock(&p->lock);
	/* The rest on the next round of the I/O loop, after its other fds. */
	if (more)
		ring(p, p->link.resp_fd, "own resp");
}

/* ---- setup ------------------------------------------------------------------ */

void io_proxy_set_reply_timeout(struct io_proxy *p, unsigned int ms)
{
	atomic_store(&p->reply_timeout_ms, ms);
}

int io_proxy_wait_started(struct io_proxy *p, unsigned int timeout_s)
{
	struct timespec deadline;
	int ret = 0;

	deadline_after_ms(&deadline, timeout_s * 1000);
	pthread_mutex_lock(&p->wait_lock);
	while (!p->started && ret == 0)
		ret = pthread_cond_timedwait(&p->cond, &p->wait_lock, &deadline);
	ret = p->started ? 0 : -ETIMEDOUT;
	pthread_mutex_unlock(&p->wait_lock);
	if (ret)
		pr_err("%s: device VM '%s' sent no START_VM within %u s; is it running, with splitvirt.ko loaded and its devmodel serving link %u? (--start-timeout to wait longer)",
		       p->name, p->link.peer, timeout_s, p->link.id);
	return ret;
}

void io_proxy_destroy(struct io_proxy *p)
{
	if (!p)
		return;
	sv_loop_del(p->loop, &p->resp_watch);
	/* The bus and the host bridge outlive us: leave nothing there that points here. */
	for (unsigned int i = 0; i < SV_RPC_MAX_PCI_DEVS; i++) {
		if (p->fn_registered[i])
			pci_host_remove_function(p->pci, p->fns[i].slot);
	}
	for (unsigned int i = 0; i < IO_PROXY_MAX_REGIONS; i++) {
		if (p->regions[i].used)
			mmio_bus_remove_own(&p->vm->bus, p->regions[i].gpa, &p->regions[i]);
	}
	for (unsigned int k = 0; k < p->link.nkicks; k++) {
		if (p->kicks[k].bound)
			kick_ioeventfd(p, k, false);
	}
	for (unsigned int i = 0; i < p->link.ncalls; i++) {
		if (p->call_gsi[i] >= 0)
			msi_irqfd_unbind(p->vm, p->call_gsi[i], p->link.call_fds[i]);
	}
	if (p->iobuf)
		munmap(p->iobuf, p->iobuf_size);
	sv_link_args_close(&p->link);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->wait_lock);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static int proxy_map_iobuf(struct io_proxy *p)
{
	struct stat st;
	int ret;

	if (fstat(p->link.iobuf_fd, &st) < 0)
		return -errno;
	if (st.st_size < (off_t)SV_RPC_MIN_SIZE || st.st_size > (off_t)SV_RPC_MAX_SIZE)
		return -EINVAL;
	p->iobuf_size = (uint32_t)st.st_size;
	p->iobuf =
		mmap(NULL, p->iobuf_size, PROT_READ | PROT_WRITE, MAP_SHARED, p->link.iobuf_fd, 0);
	if (p->iobuf == MAP_FAILED) {
		p->iobuf = NULL;
		return -errno;
	}
	ret = sv_rpc_drv_open(&p->drv, p->iobuf, p->iobuf_size);
	if (ret)
		pr_err("%s: the iobuf is not a valid splitvirt RPC buffer (%s)", p->name,
		       strerror(-ret));
	return ret;
}

int io_proxy_create(struct vm *vm, struct pci_host *pci, struct sv_loop *loop,
		    const struct sv_link_args *link, struct io_proxy **out)
{
	struct io_proxy *p = calloc(1, sizeof(*p));
	pthread_condattr_t ca;
	int ret;

	if (!p)
		return -ENOMEM;
	p->vm = vm;
	p->pci = pci;
	p->loop = loop;
	p->link = *link;
	atomic_init(&p->reply_timeout_ms, IO_PROXY_REPLY_TIMEOUT_MS);
	snprintf(p->name, sizeof(p->name), "link%u(%s)", link->id, link->peer);
	pthread_mutex_init(&p->lock, NULL);
	pthread_mutex_init(&p->wait_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cond, &ca);
	pthread_condattr_destroy(&ca);
	for (unsigned int i = 0; i < SV_LINK_ARGS_MAX_FDS; i++)
		p->call_gsi[i] = -1;
	ret = proxy_map_iobuf(p);
	if (ret)
		goto fail;
	for (unsigned int i = 0; i < link->ncalls; i++) {
		p->call_gsi[i] = msi_route_alloc(vm);
		ret = p->call_gsi[i] < 0 ? p->call_gsi[i] :
					   msi_irqfd_bind(vm, p->call_gsi[i], link->call_fds[i]);
		if (ret)
			goto fail;
	}
	ret = sv_loop_add(loop, &p->resp_watch, link->resp_fd, proxy_on_resp);
	if (ret)
		goto fail;
	/* Let a device side that is already up see our new epoch. */
	ring_device(p);
	pr_info("%s: devices from device VM '%s' (%u kicks, %u calls)", p->name, link->peer,
		link->nkicks, link->ncalls);
	*out = p;
	return 0;
fail:
	pr_err("%s: %s", p->name, strerror(-ret));
	io_proxy_destroy(p);
	return ret;
}
