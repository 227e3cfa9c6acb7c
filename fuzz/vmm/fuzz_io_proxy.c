// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: io_proxy (the driver VM's side of a link) against a
 * hostile device side (tests/unit/vmm/proxy_peer.h: real iobuf, real
 * doorbells, fake KVM). The input is a script; each step starts with an
 * opcode byte (taken modulo 10):
 *   0 event   op byte, 6 x 8-byte args: sent through the channel (it
 *             drops what is not a well-formed event), not yet delivered
 *   1 raw     64 raw bytes straight into the event ring; a flag byte says
 *             whether to stamp them with the current epochs
 *   2 patch   2-byte offset, 1-byte length, bytes: written anywhere in the
 *             iobuf (indices, slots, epochs, the header)
 *   3 ring    ring the driver's doorbell and run its I/O loop once
 *   4 access  a guest access (ECAM or PCI window; size, direction, value)
 *             and how the device side answers it: properly, with an
 *             error, with a forged reply in its slot or under any id, or
 *             not at all; the vCPU waits 200 ms, or not at all (flag
 *             0x80: the slot stays lent), and a vCPU still waiting after
 *             the answer is freed by a device reset
 *   5 reset   the device side starts a new epoch (reason byte)
 *   6 reopen  the device side re-attaches (as a restarted devmodel)
 *   7 serve   answer the requests left unanswered, then whatever is
 *             queued (a byte each: success or error; HELLOs need none)
 *   8 bar     the guest sizes, places and enables a BAR of the function
 *             in a slot (slot, BAR, size order, 16-bit base in 4 KiB
 *             units, 64-bit flag), the device side answering properly
 *   9 msix    the guest finds a function's MSI-X capability at 0x40
 *             (slot, vectors, table BAR) and turns MSI-X on or off
 * After every step, what reached KVM and the MMIO bus is checked: kicks
 * and forwarded regions only inside the PCI window and never over the
 * BAR of a local device (a decoy window no remote BAR is ever placed
 * over: the script's BAR writes and the size masks the guest reads back
 * are kept off it), routes and injected interrupts only to this VM's MSI
 * doorbell / INTx and GICv2m SPIs with the sending function's requester
 * id, and never the SPI of a local device's vector (one no guest write
 * into the PCI windows ever carries). No step may take longer than
 * STEP_MS. Failed guest reads read all-ones.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <splitvirt/size.h>
#include <splitvirt/log.h>
#include <splitvirt/rpc_msg.h>

#include "../../tests/unit/vmm/fake_kvm.h"
#include "../../tests/unit/vmm/proxy_peer.h"
#include "../../vmm/io_proxy.h"
#include "../../vmm/pci.h"
#include "../../vmm/vmm.h"

#define MAX_STEPS 256
#define MAX_LATE 8
#define MAX_ACCESSES 48
/*
 * A prompt answer takes microseconds; these only bound how long an access
 * whose request the device side never sees (stale after a patch) costs.
 */
#define REPLY_TIMEOUT_MS 200
#define RECV_TIMEOUT_MS 250
#define ITS_DOORBELL (VMM_ITS_BASE + 0x10040)
#define V2M_DOORBELL (VMM_V2M_BASE + 0x40)
/*
 * A local device's BAR: the top 16 MiB of bridge 0's 32-bit window. The
 * script's BAR registers never get 0x1f as their top byte and the BAR
 * sizes the guest reads back are at most 16 MiB, so no remote BAR can
 * reach it (nor may the link announce anything outside its own bridge).
 */
#define DECOY_GPA 0x1f000000ull
#define DECOY_SIZE 0x01000000ull
#define DECOY_TOP 0x1f
/* A local device's MSI: no byte the guest writes into the PCI windows is 0x9f. */
#define DECOY_INTID 0x9fu
/* Each step (at most two reply timeouts and a receive) ends well before this. */
#define STEP_MS 3000

struct input {
	const uint8_t *p;
	size_t left;
};

/* Requests the device side received and left unanswered, for "serve". */
static struct sv_rpc_msg late[MAX_LATE];
static unsigned int nlate;

static uint8_t next8(struct input *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

static uint16_t next16(struct input *in)
{
	uint16_t lo = next8(in);

	return (uint16_t)(lo | next8(in) << 8);
}

static uint64_t next64(struct input *in)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)next8(in) << (8 * i);
	return v;
}

static void take(struct input *in, void *buf, size_t len)
{
	memset(buf, 0, len);
	if (len > in->left)
		len = in->left;
	memcpy(buf, in->p, len);
	in->p += len;
	in->left -= len;
}

static bool in_window(uint64_t gpa, uint64_t size)
{
	return sv_range_inside(gpa, size, PEER_MMIO32_BASE, PEER_MMIO32_SIZE) ||
	       sv_range_inside(gpa, size, PEER_MMIO64_BASE, PEER_MMIO64_SIZE);
}

/* A DeviceID of function 0 of one of the link's slots, on its own bridge. */
static bool peer_devid_ok(uint32_t devid)
{
	return devid >> 8 == PEER_BRIDGE && !(devid & 7) && ((devid & 0xff) >> 3) < PCI_MAX_SLOTS;
}

static void check_route(const struct proxy_peer *pp, const struct kvm_irq_routing_entry *r)
{
	if (pp->vm->gic_version == 3) {
		if (r->type != KVM_IRQ_ROUTING_MSI ||
		    r->u.msi.address_lo != (uint32_t)ITS_DOORBELL || r->u.msi.address_hi ||
		    !peer_devid_ok(r->u.msi.devid))
			abort();
	} else if (r->type != KVM_IRQ_ROUTING_IRQCHIP || r->u.irqchip.pin < VMM_V2M_SPI_BASE ||
		   r->u.irqchip.pin >= VMM_V2M_SPI_BASE + VMM_V2M_SPI_COUNT ||
		   r->u.irqchip.pin == DECOY_INTID - 32) {
		abort();
	}
}

static bool overlaps_decoy(uint64_t gpa, uint64_t size)
{
	return gpa < DECOY_GPA + DECOY_SIZE && DECOY_GPA < gpa + size;
}

static bool is_kick_fd(const struct proxy_peer *pp, int fd)
{
	for (unsigned int i = 0; i < pp->link.nkicks; i++)
		if (pp->link.kick_fds[i] == fd)
			return true;
	return false;
}

static void check_call(const struct proxy_peer *pp, const struct fake_kvm_call *c)
{
	switch (c->op) {
	case FK_IOEVENTFD:
		if (!in_window(c->addr, c->len) || !is_kick_fd(pp, c->fd) ||
		    (c->assign && overlaps_decoy(c->addr, c->len)))
			abort();
		break;
	case FK_SET_SPI:
		if ((c->b != 0 && c->b != 1) ||
		    !((c->a >= PEER_INTX_SPI_BASE && c->a < PEER_INTX_SPI_BASE + 4) ||
		      (c->a >= VMM_V2M_SPI_BASE && c->a < VMM_V2M_SPI_BASE + VMM_V2M_SPI_COUNT)) ||
		    c->a == DECOY_INTID - 32)
			abort();
		break;
	case FK_SIGNAL_MSI:
		if (c->addr != ITS_DOORBELL || !peer_devid_ok(c->devid))
			abort();
		break;
	default:
		break;
	}
}

static unsigned long decoy_hits;

static void decoy_mmio(void *opaque, uint64_t off, uint8_t *data, unsigned int len, bool is_write)
{
	(void)off;
	(*(unsigned long *)opaque)++;
	if (!is_write)
		memset(data, 0, len);
}

/* What the device side made the proxy do since the last check. */
static void check_effects(const struct proxy_peer *pp, unsigned long *checked)
{
	const struct mmio_bus *bus = &pp->vm->bus;
	unsigned long n = fake_kvm.ncalls;

	if (n - *checked > FAKE_KVM_LOG)
		*checked = n - FAKE_KVM_LOG;
	for (; *checked < n; (*checked)++)
		check_call(pp, &fake_kvm.log[*checked % FAKE_KVM_LOG]);
	for (unsigned int i = 0; i < fake_kvm.nr_routes; i++)
		check_route(pp, &fake_kvm.routes[i]);
	for (unsigned int i = 0; i < bus->count; i++) {
		const struct mmio_window *w = &bus->win[i];

		if (w->base == PEER_ECAM_BASE || w->base == VMM_V2M_BASE ||
		    (w->base == DECOY_GPA && w->opaque == &decoy_hits))
			continue;
		if (!in_window(w->base, w->size) || overlaps_decoy(w->base, w->size))
			abort();
	}
}

static void send_event(struct proxy_peer *pp, struct input *in)
{
	struct sv_rpc_msg m;

	sv_rpc_msg_init(&m, SV_RPC_OP_FIRST_EVENT + next8(in) % 9);
	for (int i = 0; i < 6; i++)
		m.arg[i] = next64(in);
	sv_rpc_dev_send_event(&pp->dev, &m);
}

static void raw_event(struct proxy_peer *pp, struct input *in)
{
	struct sv_rpc_endpoint *ep = &pp->dev.ep;
	bool stamp = next8(in) & 1;
	struct sv_rpc_msg m;
	void *e;

	take(in, &m, sizeof(m));
	if (stamp) {
		m.drv_epoch = ep->peer_epoch;
		m.dev_epoch = ep->epoch;
	}
	if (sv_rpc_ring_reserve(&ep->evt, &e) == 0) {
		memcpy(e, &m, sizeof(m));
		sv_rpc_ring_produce(&ep->evt);
	}
}

static void patch(struct proxy_peer *pp, struct input *in)
{
	unsigned int off = next16(in) % PEER_IOBUF_SIZE;
	unsigned int len = next8(in) % 64;

	if (len > PEER_IOBUF_SIZE - off)
		len = PEER_IOBUF_SIZE - off;
	take(in, (uint8_t *)pp->iobuf + off, len);
}

static bool is_bar_reg(uint64_t gpa)
{
	uint64_t off = (gpa - PEER_ECAM_BASE) % ECAM_FN_SIZE;

	return gpa >= PEER_ECAM_BASE && off >= 0x10 && off < 0x28;
}

/*
 * Keeps the guest's writes off the decoys: no BAR register byte 3 of
 * DECOY_TOP, no byte DECOY_INTID into the PCI windows.
 */
static uint64_t filter_write(uint64_t gpa, unsigned int len, uint64_t value)
{
	bool ecam = gpa >= PEER_ECAM_BASE && gpa - PEER_ECAM_BASE < VMM_PCI_ECAM_SIZE;

	for (unsigned int i = 0; i < len && i < 8; i++) {
		uint8_t b = (uint8_t)(value >> (8 * i));
		bool bar_top = is_bar_reg(gpa + i) && (gpa + i) % 4 == 3 && b == DECOY_TOP;

		if (bar_top || (!ecam && b == DECOY_INTID))
			value ^= 1ull << (8 * i);
	}
	return value;
}

/* A BAR size mask the guest reads back is at most 16 MiB: its top byte is all ones. */
static uint64_t filter_answer(const struct sv_rpc_msg *req, uint64_t data)
{
	struct sv_rpc_mmio io;

	if (sv_rpc_decode_mmio(req, &io) == 0 && io.as != SV_RPC_AS_GLOBAL &&
	    io.dir == SV_RPC_MMIO_READ && io.size == 4 && io.addr >= 0x10 && io.addr < 0x28)
		data |= 0xff000000u;
	return data;
}

/* Answers req as the script says (how % 5: data, error, forged x2, nothing). */
static void answer(struct proxy_peer *pp, struct sv_rpc_msg *req, unsigned int how, uint64_t data,
		   struct input *in)
{
	struct sv_rpc_msg forged = *req;

	data = filter_answer(req, data);
	switch (how % 5) {
	case 0:
		peer_reply(pp, req, data, 0);
		break;
	case 1:
		peer_reply(pp, req, 0, -(int)(1 + next8(in) % 200));
		break;
	case 2:
		forged.flags = SV_RPC_F_REPLY;
		forged.arg[0] = next64(in);
		forged.arg[1] = data;
		forged.arg[2] = next64(in);
		peer_forge_reply(pp, &forged, req->slot);
		break;
	case 3:
		take(in, &forged, sizeof(forged));
		forged.arg[1] = filter_answer(req, forged.arg[1]);
		peer_forge_reply(pp, &forged, next16(in));
		break;
	default:
		if (nlate < MAX_LATE)
			late[nlate++] = *req; /* maybe later */
		break;
	}
}

static uint64_t access_gpa(struct input *in, uint8_t where)
{
	uint16_t off = next16(in);

	switch (where % 3) {
	case 0:
		return peer_ecam(where / 3 % 4, off % ECAM_FN_SIZE);
	case 1:
		return PEER_MMIO32_BASE + off;
	default:
		return PEER_MMIO64_BASE + off;
	}
}

static void guest_access(struct proxy_peer *pp, struct input *in)
{
	static const unsigned int sizes[] = { 1, 2, 4, 8, 3 };
	uint8_t where = next8(in), flags = next8(in), how = next8(in);
	uint64_t gpa = access_gpa(in, where), value = next64(in), got;
	unsigned int len = sizes[(flags & 0x7f) % 5];
	bool write = flags & 0x80, answered_error = false;
	struct vcpu_access a;
	struct sv_rpc_msg req;
	int ret;

	if (write)
		value = filter_write(gpa, len, value);
	/* "No answer" either waits for a reset or times out at once. */
	io_proxy_set_reply_timeout(pp->proxy, (how & 0x80) ? 0 : REPLY_TIMEOUT_MS);
	if (vcpu_access_start(&a, pp, gpa, len, write, value))
		abort();
	ret = peer_recv_for(pp, &a, &req, RECV_TIMEOUT_MS);
	if (ret == 0) {
		answered_error = (how & 0x7f) % 5 == 1;
		answer(pp, &req, how & 0x7f, value, in);
	}
	if (!atomic_load(&a.done)) {
		/* A device restart fails whatever is outstanding. */
		sv_rpc_dev_reset(&pp->dev, SV_RPC_RESET_RESTART);
		peer_deliver(pp);
	}
	got = vcpu_access_finish(&a);
	if (write)
		return;
	/* An error, or no device answer at all on the bridge, reads all-ones. */
	if ((answered_error || (ret == 1 && where % 3 == 0)) &&
	    got != (len == 8 ? ~0ull : (1ull << (len * 8)) - 1))
		abort();
}

/* One guest access that the device side answers properly (reads: with answer). */
static void proper_access(struct proxy_peer *pp, uint64_t gpa, unsigned int len, bool write,
			  uint64_t value, uint64_t answer)
{
	struct vcpu_access a;
	struct sv_rpc_msg req;

	io_proxy_set_reply_timeout(pp->proxy, REPLY_TIMEOUT_MS);
	if (vcpu_access_start(&a, pp, gpa, len, write, write ? filter_write(gpa, len, value) : 0))
		abort();
	if (peer_recv_for(pp, &a, &req, RECV_TIMEOUT_MS) == 0)
		peer_reply(pp, &req, filter_answer(&req, answer), 0);
	if (!atomic_load(&a.done)) {
		sv_rpc_dev_reset(&pp->dev, SV_RPC_RESET_RESTART);
		peer_deliver(pp);
	}
	vcpu_access_finish(&a);
}

/* The guest sizes, places and enables a memory BAR, as Linux does. */
static void place_bar(struct proxy_peer *pp, struct input *in)
{
	unsigned int slot = next8(in) % 4, bar = next8(in) % 6;
	uint64_t size = 1ull << (12 + next8(in) % 13); /* 4 KiB to 16 MiB */
	bool is64 = next8(in) & 1;
	uint64_t gpa = (is64 ? PEER_MMIO64_BASE : PEER_MMIO32_BASE) + ((uint64_t)next16(in) << 12);
	uint64_t reg = peer_ecam(slot, 0x10 + 4 * bar), mask = ~(size - 1);

	gpa &= mask;
	proper_access(pp, reg, 4, true, 0xffffffff, 0);
	proper_access(pp, reg, 4, false, 0, ((uint32_t)mask & ~0xfu) | (is64 ? 4 : 0));
	proper_access(pp, reg, 4, true, (uint32_t)gpa, 0);
	if (is64 && bar < 5) {
		proper_access(pp, reg + 4, 4, true, 0xffffffff, 0);
		proper_access(pp, reg + 4, 4, false, 0, (uint32_t)(mask >> 32));
		proper_access(pp, reg + 4, 4, true, (uint32_t)(gpa >> 32), 0);
	}
	proper_access(pp, peer_ecam(slot, 4), 2, true, 2 /* memory decoding */, 0);
}

/* The guest finds an MSI-X capability at 0x40 and turns MSI-X on or off. */
static void msix(struct proxy_peer *pp, struct input *in)
{
	unsigned int slot = next8(in) % 4, nvec = 1 + next8(in) % 64, bar = next8(in) % 6;
	bool on = next8(in) & 1;

	proper_access(pp, peer_ecam(slot, 0x34), 1, false, 0, 0x40);
	proper_access(pp, peer_ecam(slot, 0x40), 2, false, 0, 0x11);
	proper_access(pp, peer_ecam(slot, 0x42), 2, false, 0, nvec - 1);
	proper_access(pp, peer_ecam(slot, 0x44), 4, false, 0, bar);
	proper_access(pp, peer_ecam(slot, 0x42), 2, true, (on ? 0x8000u : 0) | (nvec - 1), 0);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A restarted device side attaches again (unless it patched the header). */
static void reopen(struct proxy_peer *pp)
{
	struct sv_rpc_dev old = pp->dev;

	if (sv_rpc_dev_open(&pp->dev, pp->iobuf, PEER_IOBUF_SIZE))
		pp->dev = old;
	nlate = 0;
	peer_deliver(pp);
}

/* Answers what it left unanswered and everything queued, as a device side catching up would. */
static void serve(struct proxy_peer *pp, struct input *in)
{
	struct sv_rpc_msg req;

	for (unsigned int i = 0; i < nlate; i++)
		sv_rpc_dev_reply(&pp->dev, &late[i], next8(in) & 1 ? -EIO : 0);
	nlate = 0;
	while (sv_rpc_dev_recv(&pp->dev, &req) == 0) {
		if (req.op == SV_RPC_OP_HELLO) {
			req.arg[0] = SV_RPC_VERSION;
			req.arg[1] = 0;
			sv_rpc_dev_reply(&pp->dev, &req, 0);
			continue;
		}
		sv_rpc_dev_reply(&pp->dev, &req, next8(in) & 1 ? -EIO : 0);
	}
	peer_deliver(pp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct proxy_peer pp;
	unsigned long checked = 0;
	int steps = 0, accesses = 0;

	sv_log_set_level(SV_LOG_ERROR);
	fake_kvm_reset();
	nlate = 0;
	if (peer_open(&pp, next8(&in) & 1 ? 3 : 2) || peer_connect(&pp))
		abort();
	if (mmio_bus_add(&pp.vm->bus, DECOY_GPA, 0x1000, decoy_mmio, &decoy_hits, "decoy"))
		abort();
	while (in.left && steps++ < MAX_STEPS) {
		uint64_t t0 = now_ms();

		switch (next8(&in) % 10) {
		case 0:
			send_event(&pp, &in);
			break;
		case 1:
			raw_event(&pp, &in);
			break;
		case 2:
			patch(&pp, &in);
			break;
		case 3:
			peer_deliver(&pp);
			break;
		case 4:
			if (accesses++ < MAX_ACCESSES)
				guest_access(&pp, &in);
			break;
		case 5:
			sv_rpc_dev_reset(&pp.dev, next8(&in) % (SV_RPC_RESET_MAX + 1));
			peer_deliver(&pp);
			break;
		case 6:
			reopen(&pp);
			break;
		case 7:
			serve(&pp, &in);
			break;
		case 8:
			place_bar(&pp, &in);
			break;
		default:
			msix(&pp, &in);
			break;
		}
		if (now_ms() - t0 > STEP_MS)
			abort();
		check_effects(&pp, &checked);
	}
	peer_close(&pp);
	return 0;
}
