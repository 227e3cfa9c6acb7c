// SPDX-License-Identifier: GPL-2.0
/*
 * The dataport function. Everything on the data path is wired in KVM once:
 *  - BAR2 (iobuf) and BAR4 (driver VM RAM) are KVM memory slots over the
 *    supervisor's memfds, placed wherever the guest put the BARs;
 *  - DOORBELL and CALL[i] in BAR0 are KVM ioeventfds on the link's resp and
 *    call eventfds, which the driver VM's vmm watches (resp) or has bound as
 *    irqfds (call);
 *  - MSI-X vector 0 and 1 + k are irqfds on the link's req and kick[k]
 *    eventfds, routed to whatever the guest programmed.
 * Only register reads and MSI-X table writes trap to this process. Config
 * space, BAR placement and the MSI-X table are the PCI model's (lib/pci).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <splitvirt/dataport.h>
#include <splitvirt/state_area.h>
#include <splitvirt/log.h>
#include <splitvirt/pci_cfg.h>

#include "dataport.h"
#include "msi.h"
#include "pci.h"
#include "vmm.h"

/* The KVM side of an MSI-X vector; the table entry itself is in dp->cfg. */
struct dp_vector {
	int gsi;
	int fd; /* req_fd or kick_fds[k]; owned by the link arg copy */
	bool routed;
};

/*
 * Kinds of log line the device VM's guest can cause at will (it owns the
 * function's registers, BAR placement and MSI-X table): each rate-limited
 * on its own counter.
 */
enum dp_log {
	DP_LOG_VECTOR, /* a vector aimed elsewhere, or KVM refusing its route */
	DP_LOG_REGISTER, /* a write to a read-only or unknown register */
	DP_LOG_DOORBELLS, /* KVM refusing the doorbell ioeventfds */
	DP_LOG_BAR, /* a BAR placed over another window or refused by KVM */
	DP_LOG_NR,
};

struct dataport {
	struct vm *vm;
	struct pci_host *pci;
	struct sv_link_args link; /* fds owned from here on */
	struct pci_cfg cfg;
	pthread_mutex_t lock;
	int slot; /* PCI slot on our bus */
	unsigned int memslot_base;
	void *iobuf;
	uint64_t iobuf_size;
	void *state; /* the saved-state area, or NULL */
	uint64_t state_size, state_off; /* in BAR2 */
	void *ram;
	uint64_t ram_bar_size;
	uint16_t nvec;
	struct dp_vector vec[SV_DP_MSIX_VECTORS];
	bool doorbells_bound;
	bool regs_mapped; /* BAR0's window is ours on the bus (its add succeeded) */
	uint64_t regs_gpa;
	char name[48];
	unsigned long logged[DP_LOG_NR];
};

static uint64_t pow2_roundup(uint64_t v)
{
	uint64_t p = 4096;

	while (p < v)
		p <<= 1;
	return p;
}

/* ---- MSI-X ---------------------------------------------------------------- */

/*
 * The PCI model reports vector v (its message or effective mask changed):
 * point the vector's irqfd route at the message, or disable it.
 */
static void dp_msix_changed(void *opaque, uint16_t v, uint64_t addr, uint32_t data, bool masked)
{
	struct dataport *dp = opaque;
	struct dp_vector *vec = &dp->vec[v];
	struct msi_msg msg = {
		.addr = addr,
		.data = data,
		.devid = pci_host_devid(dp->pci, (unsigned int)dp->slot),
	};
	uint64_t one = 1;
	int ret;

	if (v >= dp->nvec)
		return;
	ret = msi_route_set(dp->vm, vec->gsi, &msg, !masked);
	if (ret == -EINVAL)
		pr_warn_limited(
			&dp->logged[DP_LOG_VECTOR],
			"%s: MSI-X vector %u points at 0x%llx, not our MSI doorbell; ignored",
			dp->name, v, (unsigned long long)msg.addr);
	else if (ret)
		pr_warn_limited(&dp->logged[DP_LOG_VECTOR], "%s: routing MSI-X vector %u: %s",
				dp->name, v, strerror(-ret));
	/*
	 * A signal that arrived while the vector was masked went nowhere (KVM
	 * has no pending bit for irqfds, so neither has our PBA); fire once on
	 * unmask so no kick or request is lost. A spurious one costs the module
	 * a look at its queues.
	 */
	if (!masked && ret == 0 && !vec->routed && write(vec->fd, &one, sizeof(one)) < 0)
		pr_debug("%s: replaying vector %u: %s", dp->name, v, strerror(errno));
	vec->routed = !masked && ret == 0;
}

/* ---- BAR0 registers ------------------------------------------------------- */

static uint64_t dp_reg_read(struct dataport *dp, uint64_t off, unsigned int len)
{
	uint64_t v = 0;

	if (pci_cfg_msix_read(&dp->cfg, SV_DP_BAR_REGS, off, len, &v))
		return v;
	switch (off) {
	case SV_DP_MAGIC:
		return SV_DP_MAGIC_VALUE;
	case SV_DP_VERSION:
		return SV_DP_VERSION_VALUE;
	case SV_DP_LINK_ID:
		return dp->link.id;
	case SV_DP_NR_KICKS:
		return dp->link.nkicks;
	case SV_DP_NR_CALLS:
		return dp->link.ncalls;
	case SV_DP_IOBUF_SIZE:
		return dp->iobuf_size;
	case SV_DP_STATE_OFF:
		return dp->state_off;
	case SV_DP_STATE_SIZE:
		return dp->state_size;
	case SV_DP_RAM_FLAGS:
		return dp->link.ram_window ? SV_DP_RAM_F_WINDOW : 0;
	case SV_DP_RAM_GPA:
		return len == 8 ? dp->link.ram_gpa : (uint32_t)dp->link.ram_gpa;
	case SV_DP_RAM_GPA + 4:
		return dp->link.ram_gpa >> 32;
	case SV_DP_RAM_SIZE:
		return len == 8 ? dp->link.ram_size : (uint32_t)dp->link.ram_size;
	case SV_DP_RAM_SIZE + 4:
		return dp->link.ram_size >> 32;
	default:
		break;
	}
	if (off >= SV_DP_NAME && off + len <= SV_DP_NAME + SV_DP_NAME_LEN) {
		char name[SV_DP_NAME_LEN] = { 0 };

		memcpy(name, dp->link.peer, strnlen(dp->link.peer, sizeof(name) - 1));
		memcpy(&v, name + (off - SV_DP_NAME), len);
	}
	return v;
}

static void dp_ring(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) < 0)
		pr_debug("doorbell: %s", strerror(errno));
}

static void dp_reg_write(struct dataport *dp, uint64_t off, unsigned int len, uint64_t val)
{
	if (pci_cfg_msix_write(&dp->cfg, SV_DP_BAR_REGS, off, len, val))
		return;
	/* Doorbells normally never get here (ioeventfds); other access sizes do. */
	if (off == SV_DP_DOORBELL) {
		dp_ring(dp->link.resp_fd);
		return;
	}
	if (off >= SV_DP_CALL_BASE && off < SV_DP_CALL_BASE + 4u * dp->link.ncalls) {
		dp_ring(dp->link.call_fds[(off - SV_DP_CALL_BASE) / 4]);
		return;
	}
	pr_warn_limited(
		&dp->logged[DP_LOG_REGISTER],
		"%s: %u-byte write of 0x%llx to read-only or unknown register 0x%llx ignored",
		dp->name, len, (unsigned long long)val, (unsigned long long)off);
}

static void dp_regs_mmio(void *opaque, uint64_t off, uint8_t *data, unsigned int len, bool is_write)
{
	struct dataport *dp = opaque;
	uint64_t v = 0;

	pthread_mutex_lock(&dp->lock);
	if (is_write) {
		memcpy(&v, data, len < 8 ? len : 8);
		dp_reg_write(dp, off, len, v);
	} else {
		v = dp_reg_read(dp, off, len);
		memcpy(data, &v, len < 8 ? len : 8);
	}
	pthread_mutex_unlock(&dp->lock);
}

/* ---- BAR placement ---------------------------------------------------------- */

static int dp_ioeventfd(struct dataport *dp, uint64_t gpa, int fd, bool assign)
{
	return vm_ioeventfd(dp->vm, gpa, 4, fd, NULL, assign);
}

static void dp_bind_doorbells(struct dataport *dp, uint64_t base, bool bind)
{
	int ret = dp_ioeventfd(dp, base + SV_DP_DOORBELL, dp->link.resp_fd, bind);

	for (unsigned int i = 0; !ret && i < dp->link.ncalls; i++)
		ret = dp_ioeventfd(dp, base + SV_DP_CALL_BASE + 4 * i, dp->link.call_fds[i], bind);
	if (ret && bind)
		pr_warn_limited(&dp->logged[DP_LOG_DOORBELLS],
				"%s: doorbell ioeventfds: %s; doorbells will trap", dp->name,
				strerror(-ret));
	dp->doorbells_bound = bind && !ret;
}

/* KVM slot memslot_base + idx: 0 the iobuf, 1 the driver VM's RAM, 2 the state area. */
static void dp_map_slot(struct dataport *dp, int bar, unsigned int idx, uint64_t gpa, uint64_t len,
			void *host, bool mapped)
{
	int ret = vm_add_ram_slot(dp->vm, dp->memslot_base + idx, gpa, mapped ? len : 0, host);

	if (ret)
		pr_warn_limited(&dp->logged[DP_LOG_BAR], "%s: %s BAR%d at 0x%llx: %s", dp->name,
				mapped ? "mapping" : "unmapping", bar, (unsigned long long)gpa,
				strerror(-ret));
	else
		pr_debug("%s: BAR%d %s at 0x%llx", dp->name, bar, mapped ? "mapped" : "unmapped",
			 (unsigned long long)gpa);
}

static void dp_bar_changed(void *opaque, int bar, uint64_t gpa, uint64_t size, bool mapped)
{
	struct dataport *dp = opaque;

	if (bar == SV_DP_BAR_REGS) {
		if (!mapped) {
			if (dp->doorbells_bound)
				dp_bind_doorbells(dp, dp->regs_gpa, false);
			/* Only our own window: after a failed add another one sits there. */
			if (dp->regs_mapped)
				mmio_bus_remove_own(&dp->vm->bus, dp->regs_gpa, dp);
			dp->regs_mapped = false;
			return;
		}
		dp->regs_gpa = gpa;
		dp->regs_mapped =
			!mmio_bus_add(&dp->vm->bus, gpa, size, dp_regs_mmio, dp, dp->name);
		/* No doorbells over the other window: they would swallow its writes. */
		if (!dp->regs_mapped)
			pr_warn_limited(&dp->logged[DP_LOG_BAR],
					"%s: BAR0 at 0x%llx overlaps another region", dp->name,
					(unsigned long long)gpa);
		else
			dp_bind_doorbells(dp, gpa, true);
		return;
	}
	if (bar == SV_DP_BAR_IOBUF) {
		dp_map_slot(dp, bar, 0, gpa, dp->iobuf_size, dp->iobuf, mapped);
		if (dp->state)
			dp_map_slot(dp, bar, 2, gpa + dp->state_off, dp->state_size, dp->state,
				    mapped);
		return;
	}
	/* Only the backed part of the BAR is memory; the RAM BAR's tail stays a hole. */
	dp_map_slot(dp, bar, 1, gpa, dp->link.ram_size, dp->ram, mapped);
}

static const struct pci_cfg_ops dp_cfg_ops = {
	.bar_changed = dp_bar_changed,
	.msix_changed = dp_msix_changed,
};

static uint32_t dp_cfg_read(void *opaque, uint32_t off, uint32_t size)
{
	struct dataport *dp = opaque;
	uint32_t v;

	pthread_mutex_lock(&dp->lock);
	/* The host bridge only passes sizes 1, 2 and 4 inside the 4 KiB. */
	pci_cfg_read(&dp->cfg, off, size, &v);
	pthread_mutex_unlock(&dp->lock);
	return v;
}

static void dp_cfg_write(void *opaque, uint32_t off, uint32_t size, uint32_t val)
{
	struct dataport *dp = opaque;

	pthread_mutex_lock(&dp->lock);
	pci_cfg_write(&dp->cfg, off, size, val);
	pthread_mutex_unlock(&dp->lock);
}

static const struct pci_function_ops dp_pci_ops = {
	.cfg_read = dp_cfg_read,
	.cfg_write = dp_cfg_write,
};

/* ---- setup ------------------------------------------------------------------ */

static int dp_map_state(struct dataport *dp)
{
	struct stat st;

	if (dp->link.state_fd < 0) {
		pr_warn("%s: no saved-state area: a restarted device VM cannot take driver VM '%s''s devices over",
			dp->name, dp->link.peer);
		return 0;
	}
	if (fstat(dp->link.state_fd, &st) < 0)
		return -errno;
	dp->state_size = (uint64_t)st.st_size;
	if (dp->state_size < 4096 || dp->state_size > SV_STATE_AREA_MAX ||
	    (dp->state_size & 4095)) {
		pr_err("%s: saved-state area of %llu bytes; it must be 4 KiB to %u KiB in whole pages",
		       dp->name, (unsigned long long)dp->state_size, SV_STATE_AREA_MAX >> 10);
		return -EINVAL;
	}
	dp->state = mmap(NULL, dp->state_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 dp->link.state_fd, 0);
	if (dp->state == MAP_FAILED) {
		dp->state = NULL;
		return -errno;
	}
	dp->state_off =
		pow2_roundup(dp->iobuf_size > dp->state_size ? dp->iobuf_size : dp->state_size);
	return 0;
}

static int dp_map(struct dataport *dp)
{
	struct stat st;

	if (fstat(dp->link.iobuf_fd, &st) < 0)
		return -errno;
	dp->iobuf_size = (uint64_t)st.st_size;
	if (dp->iobuf_size < 4096 || (dp->iobuf_size & (dp->iobuf_size - 1))) {
		pr_err("%s: iobuf of %llu bytes; it must be a power-of-two number of pages",
		       dp->name, (unsigned long long)dp->iobuf_size);
		return -EINVAL;
	}
	dp->iobuf = mmap(NULL, dp->iobuf_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 dp->link.iobuf_fd, 0);
	if (dp->iobuf == MAP_FAILED) {
		dp->iobuf = NULL;
		return -errno;
	}
	if (fstat(dp->link.ram_fd, &st) < 0)
		return -errno;
	if ((uint64_t)st.st_size < dp->link.ram_size) {
		pr_err("%s: RAM memfd has %lld bytes, ram-size says %llu", dp->name,
		       (long long)st.st_size, (unsigned long long)dp->link.ram_size);
		return -EINVAL;
	}
	dp->ram = mmap(NULL, dp->link.ram_size, PROT_READ | PROT_WRITE, MAP_SHARED, dp->link.ram_fd,
		       0);
	if (dp->ram == MAP_FAILED) {
		dp->ram = NULL;
		return -errno;
	}
	dp->ram_bar_size = pow2_roundup(dp->link.ram_size);
	return dp_map_state(dp);
}

/* BAR2's upper half, so both parts stay naturally aligned. */
static uint64_t dp_iobuf_bar_size(const struct dataport *dp)
{
	return dp->state ? 2 * dp->state_off : dp->iobuf_size;
}

/* Config space of the layout in <splitvirt/dataport.h>; MSI-X starts masked. */
static int dp_cfg_init(struct dataport *dp)
{
	const struct pci_cfg_ids ids = {
		.vendor = SV_DP_VENDOR_ID,
		.device = SV_DP_DEVICE_ID,
		.class_code = SV_DP_CLASS,
		.revision = SV_DP_REVISION,
		.subsys_vendor = SV_DP_VENDOR_ID,
		.subsys_id = (uint16_t)dp->link.id,
	};

	pci_cfg_init(&dp->cfg, &ids, &dp_cfg_ops, dp);
	if (pci_cfg_add_bar64(&dp->cfg, SV_DP_BAR_REGS, SV_DP_REGS_SIZE, false) ||
	    pci_cfg_add_bar64(&dp->cfg, SV_DP_BAR_IOBUF, dp_iobuf_bar_size(dp), true) ||
	    pci_cfg_add_bar64(&dp->cfg, SV_DP_BAR_RAM, dp->ram_bar_size, true) ||
	    pci_cfg_add_msix(&dp->cfg, SV_DP_CAP_MSIX, dp->nvec, SV_DP_BAR_REGS, SV_DP_MSIX_TABLE,
			     SV_DP_MSIX_PBA))
		return -EINVAL;
	return 0;
}

void dataport_destroy(struct dataport *dp)
{
	if (!dp)
		return;
	for (unsigned int v = 0; v < dp->nvec; v++) {
		if (dp->vec[v].gsi >= 0)
			msi_irqfd_unbind(dp->vm, dp->vec[v].gsi, dp->vec[v].fd);
	}
	if (dp->doorbells_bound)
		dp_bind_doorbells(dp, dp->regs_gpa, false);
	if (dp->iobuf)
		munmap(dp->iobuf, dp->iobuf_size);
	if (dp->ram)
		munmap(dp->ram, dp->link.ram_size);
	if (dp->state)
		munmap(dp->state, dp->state_size);
	sv_link_args_close(&dp->link);
	pthread_mutex_destroy(&dp->lock);
	free(dp);
}

int dataport_create(struct vm *vm, struct pci_host *pci, const struct sv_link_args *link,
		    unsigned int memslot_base, struct dataport **out)
{
	struct dataport *dp = calloc(1, sizeof(*dp));
	int ret;

	if (!dp)
		return -ENOMEM;
	dp->vm = vm;
	dp->pci = pci;
	dp->link = *link;
	dp->memslot_base = memslot_base;
	pthread_mutex_init(&dp->lock, NULL);
	snprintf(dp->name, sizeof(dp->name), "dataport%u(%s)", link->id, link->peer);
	for (unsigned int v = 0; v < SV_DP_MSIX_VECTORS; v++)
		dp->vec[v].gsi = -1;
	if (link->nkicks > SV_DP_MAX_KICKS || link->ncalls > SV_DP_MAX_CALLS) {
		pr_err("%s: %u kicks and %u calls; at most %d of each", dp->name, link->nkicks,
		       link->ncalls, SV_DP_MAX_KICKS);
		ret = -EINVAL;
		goto fail;
	}
	ret = dp_map(dp);
	if (ret)
		goto fail;
	dp->nvec = (uint16_t)(1 + link->nkicks);
	for (unsigned int v = 0; v < dp->nvec; v++) {
		struct dp_vector *vec = &dp->vec[v];

		vec->fd = v == SV_DP_VEC_RPC ? link->req_fd : link->kick_fds[v - 1];
		vec->gsi = msi_route_alloc(vm);
		ret = vec->gsi < 0 ? vec->gsi : msi_irqfd_bind(vm, vec->gsi, vec->fd);
		if (ret)
			goto fail;
	}
	ret = dp_cfg_init(dp);
	if (ret)
		goto fail;
	ret = pci_host_add_function(pci, &dp_pci_ops, dp, dp->name);
	if (ret < 0)
		goto fail;
	dp->slot = ret;
	pr_info("%s: serving driver VM '%s': %llu MiB %s at 0x%llx, %llu KiB iobuf, %llu KiB state area, %u kicks, %u calls",
		dp->name, link->peer, (unsigned long long)(link->ram_size >> 20),
		link->ram_window ? "DMA window" : "RAM (all of it)",
		(unsigned long long)link->ram_gpa, (unsigned long long)(dp->iobuf_size >> 10),
		(unsigned long long)(dp->state_size >> 10), link->nkicks, link->ncalls);
	*out = dp;
	return 0;
fail:
	pr_err("%s: %s", dp->name, strerror(-ret));
	dataport_destroy(dp);
	return ret;
}
