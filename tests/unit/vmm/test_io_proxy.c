// SPDX-License-Identifier: GPL-2.0
/*
 * io_proxy against a device side played on a real iobuf (proxy_peer.h):
 * what a device VM can make the driver VM's vmm do, and what it cannot.
 */
#include <errno.h>
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

#include <linux/pci_regs.h>

#include <splitvirt/log.h>
#include <splitvirt/rpc_posix.h>
#include <splitvirt/rpc_msg.h>

#include "../../../vmm/io_proxy.h"
#include "../../../vmm/pci.h"
#include "../../../vmm/vmm.h"
#include "fake_kvm.h"
#include "../../support/log_lines.h"
#include "proxy_peer.h"

#define ITS_DOORBELL (VMM_ITS_BASE + 0x10040)
#define V2M_DOORBELL (VMM_V2M_BASE + 0x40)
#define REGION_GPA PEER_MMIO32_BASE
#define NO_REQUEST_MS 30

/* The initial state is the GIC version (GIC_TEST). */
static int setup(void **state)
{
	int gic = *(int *)*state;
	struct proxy_peer *pp = calloc(1, sizeof(*pp));

	assert_non_null(pp);
	fake_kvm_reset();
	assert_int_equal(peer_open(pp, gic), 0);
	assert_int_equal(peer_connect(pp), 0);
	*state = pp;
	return 0;
}

static int teardown(void **state)
{
	struct proxy_peer *pp = *state;

	peer_close(pp);
	free(pp);
	return 0;
}

static struct sv_rpc_mmio decode(const struct sv_rpc_msg *m)
{
	struct sv_rpc_mmio io;

	assert_int_equal(m->op, SV_RPC_OP_MMIO);
	assert_int_equal(sv_rpc_decode_mmio(m, &io), 0);
	return io;
}

/* The device side receives the driver's next request (which must come). */
static struct sv_rpc_msg expect_request(struct proxy_peer *pp, uint16_t as, uint64_t addr,
					uint8_t size, uint8_t dir)
{
	struct sv_rpc_msg m;
	struct sv_rpc_mmio io;

	assert_int_equal(peer_recv(pp, &m, 1000), 0);
	io = decode(&m);
	assert_int_equal(io.as, as);
	assert_int_equal(io.addr, addr);
	assert_int_equal(io.size, size);
	assert_int_equal(io.dir, dir);
	return m;
}

static void expect_no_request(struct proxy_peer *pp)
{
	struct sv_rpc_msg m;

	assert_int_equal(peer_recv(pp, &m, NO_REQUEST_MS), -ETIMEDOUT);
}

/* A guest read that the device side answers with value (or status). */
static uint64_t answered_read(struct proxy_peer *pp, uint64_t gpa, unsigned int len, uint16_t as,
			      uint64_t addr, uint64_t value, int status)
{
	struct vcpu_access a;
	struct sv_rpc_msg m;

	assert_int_equal(vcpu_access_start(&a, pp, gpa, len, false, 0), 0);
	m = expect_request(pp, as, addr, (uint8_t)len, SV_RPC_MMIO_READ);
	assert_int_equal(peer_reply(pp, &m, value, status), 0);
	return vcpu_access_finish(&a);
}

static uint64_t cfg_read(struct proxy_peer *pp, unsigned int slot, uint16_t index, unsigned int off,
			 unsigned int len, uint64_t value)
{
	return answered_read(pp, peer_ecam(slot, off), len, index, off, value, 0);
}

/* A guest access the device side answers (reads: with value). */
static void answered_write(struct proxy_peer *pp, uint64_t gpa, unsigned int len, uint16_t as,
			   uint64_t addr, uint64_t value)
{
	struct vcpu_access a;
	struct sv_rpc_msg m;

	assert_int_equal(vcpu_access_start(&a, pp, gpa, len, true, value), 0);
	m = expect_request(pp, as, addr, (uint8_t)len, SV_RPC_MMIO_WRITE);
	assert_int_equal(decode(&m).data, value);
	assert_int_equal(peer_reply(pp, &m, 0, 0), 0);
	vcpu_access_finish(&a);
}

static void cfg_write(struct proxy_peer *pp, unsigned int slot, uint16_t index, unsigned int off,
		      unsigned int len, uint32_t value)
{
	answered_write(pp, peer_ecam(slot, off), len, index, off, value);
}

static void mem_write(struct proxy_peer *pp, uint64_t gpa, unsigned int len, uint64_t value)
{
	answered_write(pp, gpa, len, SV_RPC_AS_GLOBAL, gpa, value);
}

/*
 * The guest sizes BAR bar of the function in slot (a memory BAR of size
 * bytes; 64-bit if gpa is above 4 GiB), places it at gpa and turns memory
 * decoding on, the device side answering as a PCI function would.
 */
static void place_bar(struct proxy_peer *pp, unsigned int slot, uint16_t index, unsigned int bar,
		      uint64_t gpa, uint64_t size)
{
	unsigned int off = PCI_BASE_ADDRESS_0 + 4 * bar;
	bool is64 = gpa >> 32;
	uint64_t mask = ~(size - 1);

	cfg_write(pp, slot, index, off, 4, 0xffffffff);
	cfg_read(pp, slot, index, off, 4,
		 ((uint32_t)mask & ~0xfu) | (is64 ? PCI_BASE_ADDRESS_MEM_TYPE_64 : 0));
	cfg_write(pp, slot, index, off, 4, (uint32_t)gpa);
	if (is64) {
		cfg_write(pp, slot, index, off + 4, 4, 0xffffffff);
		cfg_read(pp, slot, index, off + 4, 4, (uint32_t)(mask >> 32));
		cfg_write(pp, slot, index, off + 4, 4, (uint32_t)(gpa >> 32));
	}
	cfg_write(pp, slot, index, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
}

#define MSIX_CAP 0x40

/*
 * A function whose BAR 0 (4 KiB at table, forwarded) holds its MSI-X
 * table of nvec vectors: the guest places the BAR, finds the capability
 * (at MSIX_CAP) and enables MSI-X.
 */
static void msix_function(struct proxy_peer *pp, unsigned int slot, uint16_t index, uint64_t table,
			  unsigned int nvec)
{
	place_bar(pp, slot, index, 0, table, 0x1000);
	assert_int_equal(peer_region(pp, table, 0x1000, 0), 0);
	cfg_read(pp, slot, index, PCI_CAPABILITY_LIST, 1, MSIX_CAP);
	cfg_read(pp, slot, index, MSIX_CAP, 2, PCI_CAP_ID_MSIX); /* the last one */
	cfg_read(pp, slot, index, MSIX_CAP + PCI_MSIX_FLAGS, 2, nvec - 1);
	cfg_read(pp, slot, index, MSIX_CAP + PCI_MSIX_TABLE, 4, 0); /* BAR 0, offset 0 */
	cfg_write(pp, slot, index, MSIX_CAP + PCI_MSIX_FLAGS, 2,
		  PCI_MSIX_FLAGS_ENABLE | (nvec - 1));
}

/* The guest programs vector v of the table at table (a forwarded region). */
static void program_vector(struct proxy_peer *pp, uint64_t table, unsigned int v, uint64_t addr,
			   uint32_t data)
{
	uint64_t e = table + (uint64_t)v * PCI_MSIX_ENTRY_SIZE;

	mem_write(pp, e + PCI_MSIX_ENTRY_LOWER_ADDR, 4, (uint32_t)addr);
	mem_write(pp, e + PCI_MSIX_ENTRY_UPPER_ADDR, 4, (uint32_t)(addr >> 32));
	mem_write(pp, e + PCI_MSIX_ENTRY_DATA, 4, data);
}

/* "A signal on call eventfd event raises this MSI of function pcidev." */
static struct sv_rpc_irqfd msi_irqfd(uint32_t event, uint64_t addr, uint32_t data, uint32_t pcidev)
{
	return (struct sv_rpc_irqfd){ .event = event,
				      .flags = SV_RPC_IRQFD_F_MSI,
				      .addr = addr,
				      .data = data,
				      .pcidev = pcidev };
}

/* Encodes value with encode() and sends it as an event; 0 once delivered. */
#define SEND(pp, encode, value)                             \
	({                                                  \
		struct sv_rpc_msg m_;                       \
		assert_int_equal(encode(&m_, &(value)), 0); \
		peer_event(pp, &m_);                        \
	})

static void test_registration_then_start(void **state)
{
	struct proxy_peer *pp = *state;

	assert_int_equal(io_proxy_wait_started(pp->proxy, 0), -ETIMEDOUT);
	assert_int_equal(peer_register(pp, 0), 0);
	assert_int_equal(peer_register(pp, 7), 0);
	assert_int_equal(io_proxy_wait_started(pp->proxy, 0), -ETIMEDOUT);
	assert_int_equal(peer_start(pp), 0);
	assert_int_equal(io_proxy_wait_started(pp->proxy, 0), 0);
	/* Slots in registration order; each forwards to its own index. */
	assert_int_equal(cfg_read(pp, 0, 0, 0, 4, 0x10421af4), 0x10421af4);
	assert_int_equal(cfg_read(pp, 1, 7, 0, 4, 0x10441af4), 0x10441af4);
	/* Registered after START_VM: still added (a rescan finds it). */
	assert_int_equal(peer_register(pp, 9), 0);
	assert_int_equal(cfg_read(pp, 2, 9, 0x2c, 2, 0x1af4), 0x1af4);
}

static void test_config_accesses_forwarded(void **state)
{
	struct proxy_peer *pp = *state;
	struct vcpu_access a;
	struct sv_rpc_msg m;

	assert_int_equal(peer_register(pp, 4), 0);
	assert_int_equal(cfg_read(pp, 0, 4, 0x3d, 1, 0x01), 0x01);
	assert_int_equal(cfg_read(pp, 0, 4, 0x06, 2, 0x0010), 0x0010);
	assert_int_equal(cfg_read(pp, 0, 4, 0xffc, 4, 0xdeadbeef), 0xdeadbeef);

	assert_int_equal(vcpu_access_start(&a, pp, peer_ecam(0, 0x04), 2, true, 0x0006), 0);
	m = expect_request(pp, 4, 0x04, 2, SV_RPC_MMIO_WRITE);
	assert_int_equal(decode(&m).data, 0x0006);
	assert_int_equal(peer_reply(pp, &m, 0, 0), 0);
	vcpu_access_finish(&a);

	/* The device side's error reads as all-ones. */
	assert_int_equal(answered_read(pp, peer_ecam(0, 0x10), 4, 4, 0x10, 0, -EIO), 0xffffffff);
	/* Malformed config accesses never reach the device side. */
	assert_int_equal(vcpu_access(pp, peer_ecam(0, 0x02), 4, false, 0), 0xffffffff);
	assert_int_equal(vcpu_access(pp, peer_ecam(0, 0x01), 2, false, 0), 0xffff);
	vcpu_access(pp, peer_ecam(0, 0x08), 8, true, 1);
	expect_no_request(pp);
}

static void test_unregistered_functions(void **state)
{
	struct proxy_peer *pp = *state;
	struct sv_rpc_irqfd f = msi_irqfd(0, ITS_DOORBELL, 0, 3);
	struct sv_rpc_msi msi = { .addr = ITS_DOORBELL, .data = 1, .pcidev = 3 };
	struct sv_rpc_set_irq irq = { .irq = 3, .level = SV_RPC_IRQ_SET };
	unsigned long calls;

	assert_int_equal(peer_register(pp, 2), 0);
	/* Nothing at slot 1: all-ones, and the device side hears nothing. */
	assert_int_equal(vcpu_access(pp, peer_ecam(1, 0), 4, false, 0), 0xffffffff);
	expect_no_request(pp);
	calls = fake_kvm.ncalls;
	assert_int_equal(SEND(pp, sv_rpc_encode_irqfd, f), 0);
	assert_int_equal(SEND(pp, sv_rpc_encode_msi, msi), 0);
	assert_int_equal(SEND(pp, sv_rpc_encode_set_irq, irq), 0);
	assert_int_equal(fake_kvm.ncalls, calls);
	/* Index 2 does work. */
	msi.pcidev = 2;
	assert_int_equal(SEND(pp, sv_rpc_encode_msi, msi), 0);
	assert_int_equal(fake_kvm.count[FK_SIGNAL_MSI], 1);
	/* Slot 0 of bridge 1: DeviceIDs 256.. (the device tree's msi-map). */
	assert_int_equal(fake_kvm_last(FK_SIGNAL_MSI)->devid, (PEER_BRIDGE << 8) | (0 << 3));
}

static void test_regions_only_in_own_bars(void **state)
{
	static const struct {
		uint64_t gpa, size;
	} bad[] = {
		{ SV_GUEST_RAM_BASE, 0x1000 }, /* guest RAM */
		{ VMM_GIC_DIST_BASE, 0x1000 }, /* the GIC */
		{ PEER_ECAM_BASE + 0x80000, 0x1000 }, /* the host bridge (an empty slot) */
		{ PEER_MMIO32_BASE - 0x1000, 0x2000 }, /* starts below the window */
		{ PEER_MMIO32_BASE + PEER_MMIO32_SIZE - 0x1000, 0x2000 }, /* into the next */
		{ PEER_MMIO64_BASE + PEER_MMIO64_SIZE - 0x1000, 0x2000 },
		{ PEER_MMIO32_BASE, PEER_MMIO32_SIZE + 1 },
		/* the VM's own bridge's windows: its local devices, dataports, passthrough */
		{ VMM_PCI_MMIO32_BASE, 0x1000 },
		{ VMM_PCI_MMIO64_BASE, 0x1000 },
		{ 0xfffffffffffff000ull, 0x1000 },
	};
	struct proxy_peer *pp = *state;

	assert_int_equal(peer_register(pp, 0), 0);
	assert_int_equal(peer_register(pp, 1), 0);
	place_bar(pp, 0, 0, 0, REGION_GPA, 0x1000);
	place_bar(pp, 0, 0, 2, PEER_MMIO64_BASE, 0x4000);
	place_bar(pp, 1, 1, 0, REGION_GPA + 0x1000, 0x1000);
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(peer_region(pp, bad[i].gpa, bad[i].size, 0), 0);
		vcpu_access(pp, bad[i].gpa, 4, false, 0);
		expect_no_request(pp);
	}
	assert_int_equal(peer_region(pp, REGION_GPA, 0x1000, 0), 0);
	assert_int_equal(peer_region(pp, PEER_MMIO64_BASE, 0x4000, 0), 0);
	assert_int_equal(answered_read(pp, REGION_GPA + 0x10, 4, SV_RPC_AS_GLOBAL,
				       REGION_GPA + 0x10, 0x12345678, 0),
			 0x12345678);
	assert_int_equal(answered_read(pp, PEER_MMIO64_BASE + 0x3ff8, 8, SV_RPC_AS_GLOBAL,
				       PEER_MMIO64_BASE + 0x3ff8, 0x1122334455667788ull, 0),
			 0x1122334455667788ull);
	/* An access across the region's end is not the device side's. */
	vcpu_access(pp, REGION_GPA + 0xffe, 4, false, 0);
	expect_no_request(pp);
	/* Across two functions' BARs, or overlapping a forwarded region: refused. */
	assert_int_equal(peer_region(pp, REGION_GPA + 0x800, 0x1000, 0), 0);
	vcpu_access(pp, REGION_GPA + 0x1000, 4, false, 0);
	expect_no_request(pp);
	/* Removing it stops forwarding. */
	assert_int_equal(peer_region(pp, REGION_GPA, 0x1000, SV_RPC_REGION_F_REMOVE), 0);
	vcpu_access(pp, REGION_GPA + 0x10, 4, false, 0);
	expect_no_request(pp);
}

/*
 * The window space no BAR of the link's functions covers is not the
 * device side's: not what the guest left free, nor the BAR it gave
 * another device; and what it had goes when the guest moves the BAR.
 */
static void test_regions_follow_the_guests_bars(void **state)
{
	struct proxy_peer *pp = *state;
	const uint64_t local_bar = REGION_GPA + 0x100000; /* another device's, say */
	struct sv_rpc_ioeventfd kick = { .addr = REGION_GPA + 0x10, .len = 2, .doorbell = 0 };

	assert_int_equal(peer_register(pp, 0), 0);
	/* Not placed yet (sized only, or placed with decoding off): nothing. */
	cfg_write(pp, 0, 0, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
	cfg_read(pp, 0, 0, PCI_BASE_ADDRESS_0, 4, 0xfffff000);
	assert_int_equal(peer_region(pp, 0xfffff000, 0x1000, 0), 0);
	cfg_write(pp, 0, 0, PCI_BASE_ADDRESS_0, 4, (uint32_t)REGION_GPA);
	assert_int_equal(peer_region(pp, REGION_GPA, 0x1000, 0), 0);
	vcpu_access(pp, REGION_GPA, 4, false, 0);
	expect_no_request(pp);
	cfg_write(pp, 0, 0, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	/* Inside the window but outside the function's 4 KiB BAR. */
	assert_int_equal(peer_region(pp, local_bar, 0x1000, 0), 0);
	vcpu_access(pp, local_bar, 4, false, 0);
	expect_no_request(pp);
	assert_int_equal(peer_region(pp, REGION_GPA, 0x2000, 0), 0);
	vcpu_access(pp, REGION_GPA + 0x1000, 4, false, 0);
	expect_no_request(pp);
	/* Inside it: forwarded, and a kick bound. */
	assert_int_equal(peer_region(pp, REGION_GPA, 0x1000, 0), 0);
	assert_int_equal(answered_read(pp, REGION_GPA, 4, SV_RPC_AS_GLOBAL, REGION_GPA, 7, 0), 7);
	assert_int_equal(SEND(pp, sv_rpc_encode_ioeventfd, kick), 0);
	assert_true(fake_kvm_last(FK_IOEVENTFD)->assign);
	/* The guest moves the BAR: the old range goes with it, even unannounced. */
	cfg_write(pp, 0, 0, PCI_BASE_ADDRESS_0, 4, (uint32_t)local_bar);
	vcpu_access(pp, REGION_GPA, 4, false, 0);
	expect_no_request(pp);
	assert_false(fake_kvm_last(FK_IOEVENTFD)->assign);
	assert_int_equal(fake_kvm_last(FK_IOEVENTFD)->addr, REGION_GPA + 0x10);
	assert_int_equal(peer_region(pp, REGION_GPA, 0x1000, 0), 0);
	vcpu_access(pp, REGION_GPA, 4, false, 0);
	expect_no_request(pp);
	assert_int_equal(peer_region(pp, local_bar, 0x1000, 0), 0);
	assert_int_equal(answered_read(pp, local_bar, 4, SV_RPC_AS_GLOBAL, local_bar, 8, 0), 8);
	/* Decoding off: gone too. */
	cfg_write(pp, 0, 0, PCI_COMMAND, 2, 0);
	vcpu_access(pp, local_bar, 4, false, 0);
	expect_no_request(pp);
}

static void test_ioeventfd_binding(void **state)
{
	struct proxy_peer *pp = *state;
	struct sv_rpc_ioeventfd e = { .addr = REGION_GPA + 0x100,
				      .len = 4,
				      .flags = SV_RPC_IOEVENTFD_F_DATAMATCH,
				      .datamatch = 3,
				      .doorbell = 0 };
	const struct fake_kvm_call *c;
	unsigned long n;

	assert_int_equal(peer_register(pp, 0), 0);
	place_bar(pp, 0, 0, 0, REGION_GPA, 0x1000);
	assert_int_equal(SEND(pp, sv_rpc_encode_ioeventfd, e), 0);
	c = fake_kvm_last(FK_IOEVENTFD);
	assert_non_null(c);
	assert_true(c->assign);
	assert_int_equal(c->addr, REGION_GPA + 0x100);
	assert_int_equal(c->len, 4);
	assert_int_equal(c->fd, pp->link.kick_fds[0]);
	assert_true(c->has_datamatch);
	assert_int_equal(c->datamatch, 3);

	e = (struct sv_rpc_ioeventfd){ .addr = REGION_GPA + 0x104, .len = 2, .doorbell = 1 };
	assert_int_equal(SEND(pp, sv_rpc_encode_ioeventfd, e), 0);
	c = fake_kvm_last(FK_IOEVENTFD);
	assert_int_equal(c->fd, pp->link.kick_fds[1]);
	assert_false(c->has_datamatch);

	/* A doorbell the link does not have, an address outside its BARs or the window. */
	n = fake_kvm.count[FK_IOEVENTFD];
	e.doorbell = PEER_NKICKS;
	assert_int_equal(SEND(pp, sv_rpc_encode_ioeventfd, e), 0);
	assert_int_equal(fake_kvm.count[FK_IOEVENTFD], n);
	e = (struct sv_rpc_ioeventfd){ .addr = REGION_GPA + 0xffe, .len = 4, .doorbell = 0 };
	assert_int_equal(SEND(pp, sv_rpc_encode_ioeventfd, e), 0);
	e.addr = REGION_GPA + 0x2000;
	assert_int_equal(SEND(pp, sv_rpc_encode_ioeventfd, e), 0);
	/* Doorbell 0's binding went with each refusal; it is rebound below. */
	assert_int_equal(fake_kvm.count[FK_IOEVENTFD], n + 1);
	e = (struct sv_rpc_ioeventfd){ .addr = REGION_GPA + 0x100,
				       .len = 4,
				       .flags = SV_RPC_IOEVENTFD_F_DATAMATCH,
				       .datamatch = 3,
				       .doorbell = 0 };
	assert_int_equal(SEND(pp, sv_rpc_encode_ioeventfd, e), 0);
	n = fake_kvm.count[FK_IOEVENTFD];
	e = (struct sv_rpc_ioeventfd){ .addr = SV_GUEST_RAM_BASE, .len = 4, .doorbell = 1 };
	assert_int_equal(SEND(pp, sv_rpc_encode_ioeventfd, e), 0);
	/* The old binding of doorbell 1 went; no new one came. */
	assert_int_equal(fake_kvm.count[FK_IOEVENTFD], n + 1);
	c = fake_kvm_last(FK_IOEVENTFD);
	assert_false(c->assign);
	assert_int_equal(c->addr, REGION_GPA + 0x104);

	/* KVM refusing a binding: nothing to undo later. */
	fake_kvm.fail_errno[FK_IOEVENTFD] = EEXIST;
	e = (struct sv_rpc_ioeventfd){ .addr = REGION_GPA + 0x108, .len = 4, .doorbell = 1 };
	assert_int_equal(SEND(pp, sv_rpc_encode_ioeventfd, e), 0);
	fake_kvm.fail_errno[FK_IOEVENTFD] = 0;

	/* Destroying the proxy unbinds doorbell 0 (and only it) and both calls. */
	n = fake_kvm.count[FK_IOEVENTFD];
	io_proxy_destroy(pp->proxy);
	pp->proxy = NULL;
	assert_int_equal(fake_kvm.count[FK_IOEVENTFD], n + 1);
	c = fake_kvm_last(FK_IOEVENTFD);
	assert_false(c->assign);
	assert_int_equal(c->addr, REGION_GPA + 0x100);
	assert_int_equal(c->fd, pp->link.kick_fds[0]);
	c = fake_kvm_last(FK_IRQFD);
	assert_false(c->assign);
}

static void test_irqfd_routes(void **state)
{
	struct proxy_peer *pp = *state;
	struct sv_rpc_irqfd f = msi_irqfd(1, ITS_DOORBELL, 7, 5);
	const struct kvm_irq_routing_entry *r;
	const struct fake_kvm_call *c;
	unsigned long n;

	/* io_proxy_create bound one irqfd per call eventfd, on GSIs 0 and 1. */
	assert_int_equal(fake_kvm.count[FK_IRQFD], PEER_NCALLS);
	c = fake_kvm_last(FK_IRQFD);
	assert_true(c->assign);
	assert_int_equal(c->a, 1);
	assert_int_equal(c->b, pp->link.call_fds[1]);

	assert_int_equal(peer_register(pp, 0), 0);
	assert_int_equal(peer_register(pp, 5), 0);
	assert_int_equal(SEND(pp, sv_rpc_encode_irqfd, f), 0);
	r = fake_kvm_route(1);
	assert_non_null(r);
	assert_int_equal(r->type, KVM_IRQ_ROUTING_MSI);
	assert_int_equal(r->u.msi.devid, (PEER_BRIDGE << 8) | (1 << 3)); /* index 5: slot 1 */
	assert_int_equal(r->u.msi.address_lo, (uint32_t)ITS_DOORBELL);
	assert_int_equal(r->u.msi.data, 7);

	/* Not our doorbell: the route goes rather than pointing anywhere. */
	f.addr = VMM_ITS_BASE;
	assert_int_equal(SEND(pp, sv_rpc_encode_irqfd, f), 0);
	assert_null(fake_kvm_route(1));
	f.addr = ITS_DOORBELL;
	assert_int_equal(SEND(pp, sv_rpc_encode_irqfd, f), 0);
	assert_non_null(fake_kvm_route(1));
	f.flags |= SV_RPC_IRQFD_F_REMOVE;
	assert_int_equal(SEND(pp, sv_rpc_encode_irqfd, f), 0);
	assert_null(fake_kvm_route(1));

	/* Wired lines and events the link has no eventfd for change nothing. */
	n = fake_kvm.count[FK_GSI_ROUTING];
	f = (struct sv_rpc_irqfd){ .event = 0, .addr = 5, .pcidev = 0 };
	assert_int_equal(SEND(pp, sv_rpc_encode_irqfd, f), 0);
	f = (struct sv_rpc_irqfd){ .event = PEER_NCALLS,
				   .flags = SV_RPC_IRQFD_F_MSI,
				   .addr = ITS_DOORBELL };
	assert_int_equal(SEND(pp, sv_rpc_encode_irqfd, f), 0);
	assert_int_equal(fake_kvm.count[FK_GSI_ROUTING], n);
}

static void test_intx_and_msi_v2m(void **state)
{
	struct proxy_peer *pp = *state;
	struct sv_rpc_set_irq s = { .irq = 6, .level = SV_RPC_IRQ_SET };
	struct sv_rpc_msi msi = { .addr = V2M_DOORBELL, .data = 100, .pcidev = 6 };
	struct sv_rpc_irqfd f = msi_irqfd(0, V2M_DOORBELL, 96, 6);
	/* Slot 1 pin A of bridge 1: its own four lines, 4 above bridge 0's. */
	unsigned int spi = VMM_PCI_INTX_SPI_BASE + 4 * PEER_BRIDGE + 1;
	const struct fake_kvm_call *c;
	unsigned long n;

	assert_int_equal(peer_register(pp, 1), 0);
	assert_int_equal(peer_register(pp, 6), 0); /* slot 1 */
	assert_int_equal(SEND(pp, sv_rpc_encode_set_irq, s), 0);
	c = fake_kvm_last(FK_SET_SPI);
	assert_int_equal(c->a, spi);
	assert_int_equal(c->b, 1);
	s.level = SV_RPC_IRQ_CLEAR;
	assert_int_equal(SEND(pp, sv_rpc_encode_set_irq, s), 0);
	assert_int_equal(fake_kvm_last(FK_SET_SPI)->b, 0);
	n = fake_kvm.count[FK_SET_SPI];
	s.level = SV_RPC_IRQ_PULSE;
	assert_int_equal(SEND(pp, sv_rpc_encode_set_irq, s), 0);
	assert_int_equal(fake_kvm.count[FK_SET_SPI], n + 2);

	/* Function 6's vectors, as the guest programs them: SPIs 100 and 96. */
	msix_function(pp, 1, 6, REGION_GPA, 2);
	program_vector(pp, REGION_GPA, 0, V2M_DOORBELL, 100);
	program_vector(pp, REGION_GPA, 1, V2M_DOORBELL, 96);

	/* A GICv2m MSI is an edge on its SPI; outside the frame's SPIs it is dropped. */
	n = fake_kvm.count[FK_SET_SPI];
	assert_int_equal(SEND(pp, sv_rpc_encode_msi, msi), 0);
	assert_int_equal(fake_kvm.count[FK_SET_SPI], n + 2);
	c = fake_kvm_last(FK_SET_SPI);
	assert_int_equal(c->a, 100 - 32);
	assert_int_equal(c->b, 0);
	msi.data = 95;
	assert_int_equal(SEND(pp, sv_rpc_encode_msi, msi), 0);
	msi.data = 100;
	msi.addr = V2M_DOORBELL + 4;
	assert_int_equal(SEND(pp, sv_rpc_encode_msi, msi), 0);
	assert_int_equal(fake_kvm.count[FK_SET_SPI], n + 2);
	assert_int_equal(fake_kvm.count[FK_SIGNAL_MSI], 0);

	assert_int_equal(SEND(pp, sv_rpc_encode_irqfd, f), 0);
	assert_non_null(fake_kvm_route(0));
	assert_int_equal(fake_kvm_route(0)->type, KVM_IRQ_ROUTING_IRQCHIP);
	assert_int_equal(fake_kvm_route(0)->u.irqchip.pin, 96 - 32);
}

/*
 * GICv2m: a function raises, and routes its calls to, only the SPIs the
 * guest wrote into its own MSI-X table, with MSI-X enabled; not another
 * function's (or a local device's), and not one the guest has since
 * reprogrammed.
 */
static void test_v2m_msi_only_own_vectors(void **state)
{
	struct proxy_peer *pp = *state;
	struct sv_rpc_msi msi = { .addr = V2M_DOORBELL, .data = 100, .pcidev = 0 };
	struct sv_rpc_irqfd f = msi_irqfd(1, V2M_DOORBELL, 100, 0);
	const uint64_t table0 = REGION_GPA, table1 = REGION_GPA + 0x1000;
	unsigned long n;

	assert_int_equal(peer_register(pp, 0), 0);
	assert_int_equal(peer_register(pp, 1), 0);
	msix_function(pp, 0, 0, table0, 4);
	msix_function(pp, 1, 1, table1, 4);
	program_vector(pp, table0, 0, V2M_DOORBELL, 100);
	program_vector(pp, table1, 3, V2M_DOORBELL, 101);

	/* Function 0 raises its own SPI, not function 1's nor an unprogrammed one. */
	n = fake_kvm.count[FK_SET_SPI];
	assert_int_equal(SEND(pp, sv_rpc_encode_msi, msi), 0);
	assert_int_equal(fake_kvm.count[FK_SET_SPI], n + 2);
	assert_int_equal(fake_kvm_last(FK_SET_SPI)->a, 100 - 32);
	msi.data = 101;
	assert_int_equal(SEND(pp, sv_rpc_encode_msi, msi), 0);
	msi.data = 120;
	assert_int_equal(SEND(pp, sv_rpc_encode_msi, msi), 0);
	assert_int_equal(fake_kvm.count[FK_SET_SPI], n + 2);
	/* Function 1 does raise 101. */
	msi = (struct sv_rpc_msi){ .addr = V2M_DOORBELL, .data = 101, .pcidev = 1 };
	assert_int_equal(SEND(pp, sv_rpc_encode_msi, msi), 0);
	assert_int_equal(fake_kvm.count[FK_SET_SPI], n + 4);

	/* Routes likewise: 100 for function 0, not 101. */
	assert_int_equal(SEND(pp, sv_rpc_encode_irqfd, f), 0);
	assert_non_null(fake_kvm_route(1));
	assert_int_equal(fake_kvm_route(1)->u.irqchip.pin, 100 - 32);
	f.data = 101;
	assert_int_equal(SEND(pp, sv_rpc_encode_irqfd, f), 0);
	assert_null(fake_kvm_route(1));
	f.data = 100;
	assert_int_equal(SEND(pp, sv_rpc_encode_irqfd, f), 0);
	assert_non_null(fake_kvm_route(1));
	/* The guest gives vector 0 another SPI: the old route goes unasked. */
	program_vector(pp, table0, 0, V2M_DOORBELL, 102);
	assert_null(fake_kvm_route(1));
	/* MSI-X off: nothing from function 0, even its current vector. */
	msi = (struct sv_rpc_msi){ .addr = V2M_DOORBELL, .data = 102, .pcidev = 0 };
	cfg_write(pp, 0, 0, MSIX_CAP + PCI_MSIX_FLAGS, 2, 3);
	n = fake_kvm.count[FK_SET_SPI];
	assert_int_equal(SEND(pp, sv_rpc_encode_msi, msi), 0);
	assert_int_equal(fake_kvm.count[FK_SET_SPI], n);
	cfg_write(pp, 0, 0, MSIX_CAP + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE | 3);
	assert_int_equal(SEND(pp, sv_rpc_encode_msi, msi), 0);
	assert_int_equal(fake_kvm.count[FK_SET_SPI], n + 2);
}

/* A reply id for a slot the driver never lent completes nothing. */
static void test_reply_to_unused_slot(void **state)
{
	struct proxy_peer *pp = *state;
	struct vcpu_access a;
	struct sv_rpc_msg m, forged;

	assert_int_equal(peer_register(pp, 0), 0);
	assert_int_equal(vcpu_access_start(&a, pp, peer_ecam(0, 0), 4, false, 0), 0);
	m = expect_request(pp, 0, 0, 4, SV_RPC_MMIO_READ);
	forged = m;
	forged.flags = SV_RPC_F_REPLY;
	forged.arg[1] = 0x0bad0bad;
	forged.slot = (uint16_t)(m.slot + 3);
	assert_int_equal(peer_forge_reply(pp, &forged, forged.slot), 0);
	assert_int_equal(peer_forge_reply(pp, &forged, 0x7fff), 0);
	usleep(20000);
	assert_false(atomic_load(&a.done));
	assert_int_equal(peer_reply(pp, &m, 0x1af4, 0), 0);
	assert_int_equal(vcpu_access_finish(&a), 0x1af4);
}

/* A reply must describe the access that was asked for; else all-ones. */
static void test_reply_wrong_size(void **state)
{
	struct proxy_peer *pp = *state;
	struct vcpu_access a;
	struct sv_rpc_msg m, forged;

	assert_int_equal(peer_register(pp, 0), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(vcpu_access_start(&a, pp, peer_ecam(0, 0), 2, false, 0), 0);
		m = expect_request(pp, 0, 0, 2, SV_RPC_MMIO_READ);
		forged = m;
		forged.flags = SV_RPC_F_REPLY;
		forged.arg[1] = 0x1af4;
		if (i == 0) {
			/* 8 bytes answered for 2 asked */
			forged.arg[2] = SV_RPC_MMIO_INFO(8, SV_RPC_MMIO_READ, 0);
			forged.arg[1] = 0x1122334455667788ull;
		} else if (i == 1) {
			/* 1 byte answered for 2 asked */
			forged.arg[2] = SV_RPC_MMIO_INFO(1, SV_RPC_MMIO_READ, 0);
			forged.arg[1] = 0xf4;
		} else if (i == 2) {
			/* a value that does not fit the size */
			forged.arg[1] = 0x12345;
		} else {
			/* another register's value */
			forged.arg[0] = 4;
		}
		assert_int_equal(peer_forge_reply(pp, &forged, m.slot), 0);
		assert_int_equal(vcpu_access_finish(&a), 0xffff);
	}
	/* The link still works. */
	assert_int_equal(cfg_read(pp, 0, 0, 2, 2, 0x1041), 0x1041);
}

static void test_events_replayed(void **state)
{
	struct proxy_peer *pp = *state;
	struct sv_rpc_ioeventfd e = { .addr = REGION_GPA + 0x100, .len = 2, .doorbell = 0 };
	struct sv_rpc_irqfd f = msi_irqfd(0, ITS_DOORBELL, 2, 0);
	const struct fake_kvm_call *c;
	struct vcpu_access a;
	unsigned long n;

	for (int round = 0; round < 2; round++) {
		assert_int_equal(peer_register(pp, 0), 0);
		if (!round)
			place_bar(pp, 0, 0, 0, REGION_GPA, 0x1000);
		assert_int_equal(peer_region(pp, REGION_GPA, 0x1000, 0), 0);
		n = fake_kvm.count[FK_IOEVENTFD];
		assert_int_equal(SEND(pp, sv_rpc_encode_ioeventfd, e), 0);
		assert_int_equal(SEND(pp, sv_rpc_encode_irqfd, f), 0);
		assert_int_equal(peer_start(pp), 0);
		/* The replay rebinds the kick: old binding off, the same one on. */
		assert_int_equal(fake_kvm.count[FK_IOEVENTFD], n + (round ? 2 : 1));
		c = fake_kvm_last(FK_IOEVENTFD);
		assert_true(c->assign);
		assert_int_equal(c->addr, REGION_GPA + 0x100);
		assert_non_null(fake_kvm_route(0));
		if (round)
			break;
		/* The device side restarts with a request in flight. */
		assert_int_equal(vcpu_access_start(&a, pp, REGION_GPA, 4, false, 0), 0);
		expect_request(pp, SV_RPC_AS_GLOBAL, REGION_GPA, 4, SV_RPC_MMIO_READ);
		assert_int_equal(peer_restart(pp), 0);
		assert_int_equal(vcpu_access_finish(&a), 0xffffffff);
	}
	/* One function, one region: no duplicates. */
	assert_int_equal(vcpu_access(pp, peer_ecam(1, 0), 4, false, 0), 0xffffffff);
	expect_no_request(pp);
	assert_int_equal(cfg_read(pp, 0, 0, 0, 4, 0x10421af4), 0x10421af4);
	assert_int_equal(
		answered_read(pp, REGION_GPA + 4, 4, SV_RPC_AS_GLOBAL, REGION_GPA + 4, 9, 0), 9);
	assert_int_equal(io_proxy_wait_started(pp->proxy, 0), 0);
}

/*
 * The device VM dies without a word and the supervisor marks its side
 * gone: a vCPU waiting for a reply gets all-ones at once, and so does the
 * next access, without a request (the reply timeout is 10 minutes here: a
 * proxy that waited for it would hang the test). A new device side
 * brings the function back, registrations and all.
 */
static void test_device_gone(void **state)
{
	struct proxy_peer *pp = *state;
	struct sv_rpc_dev *gone = calloc(1, sizeof(*gone));
	struct vcpu_access a;

	assert_non_null(gone);
	assert_int_equal(peer_register(pp, 0), 0);
	assert_int_equal(peer_start(pp), 0);
	io_proxy_set_reply_timeout(pp->proxy, 600000);
	assert_int_equal(vcpu_access_start(&a, pp, peer_ecam(0, 0), 4, false, 0), 0);
	expect_request(pp, 0, 0, 4, SV_RPC_MMIO_READ);
	assert_int_equal(sv_rpc_dev_mark_gone(gone, pp->iobuf, PEER_IOBUF_SIZE), 0);
	assert_int_equal(peer_deliver(pp), 0);
	assert_int_equal(vcpu_access_finish(&a), 0xffffffff);
	assert_int_equal(vcpu_access(pp, peer_ecam(0, 4), 4, false, 0), 0xffffffff);
	expect_no_request(pp);

	/* The restarted device VM's side: same function, served again. */
	assert_int_equal(sv_rpc_dev_open(&pp->dev, pp->iobuf, PEER_IOBUF_SIZE), 0);
	assert_int_equal(peer_connect(pp), 0);
	assert_int_equal(peer_register(pp, 0), 0);
	assert_int_equal(peer_start(pp), 0);
	assert_int_equal(cfg_read(pp, 0, 0, 0, 4, 0x10421af4), 0x10421af4);
	free(gone);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void test_reply_timeout(void **state)
{
	struct proxy_peer *pp = *state;
	struct sv_rpc_msg late, m;
	struct vcpu_access a;
	uint64_t t0;

	assert_int_equal(peer_register(pp, 0), 0);
	io_proxy_set_reply_timeout(pp->proxy, 50);
	t0 = now_ms();
	assert_int_equal(vcpu_access_start(&a, pp, peer_ecam(0, 0), 4, false, 0), 0);
	late = expect_request(pp, 0, 0, 4, SV_RPC_MMIO_READ);
	assert_int_equal(vcpu_access_finish(&a), 0xffffffff);
	assert_true(now_ms() - t0 >= 50);

	/* The unanswered slot stays lent: the next request gets another one. */
	io_proxy_set_reply_timeout(pp->proxy, PEER_REPLY_TIMEOUT_MS);
	assert_int_equal(vcpu_access_start(&a, pp, peer_ecam(0, 4), 4, false, 0), 0);
	m = expect_request(pp, 0, 4, 4, SV_RPC_MMIO_READ);
	assert_int_not_equal(m.slot, late.slot);
	assert_int_equal(peer_reply(pp, &m, 0x100006, 0), 0);
	assert_int_equal(vcpu_access_finish(&a), 0x100006);

	/* The late answer completes nothing, then frees its slot for reuse. */
	assert_int_equal(peer_reply(pp, &late, 0x0bad, 0), 0);
	assert_int_equal(vcpu_access_start(&a, pp, peer_ecam(0, 8), 4, false, 0), 0);
	m = expect_request(pp, 0, 8, 4, SV_RPC_MMIO_READ);
	assert_int_equal(m.slot, late.slot);
	assert_int_equal(peer_reply(pp, &m, 0x01000001, 0), 0);
	assert_int_equal(vcpu_access_finish(&a), 0x01000001);
}

/*
 * A device side that floods valid events without pause while a vCPU reads
 * config space: every read completes (answered, or all-ones at the reply
 * timeout) and the test ends. The I/O loop runs on a thread of its own
 * here, as in the vmm; the device endpoint is shared by the flooding and
 * the answering thread, hence flood.lock.
 */
#define FLOOD_READS 10
#define FLOOD_TIMEOUT_MS 500
#define FLOOD_DEADLINE_MS 10000

struct flood {
	struct proxy_peer *pp;
	pthread_mutex_t lock; /* pp->dev */
	atomic_bool stop;
	atomic_uint reads_done;
	uint64_t value[FLOOD_READS];
	uint64_t took_ms[FLOOD_READS];
};

static void *flood_io_thread(void *arg)
{
	struct flood *f = arg;

	while (!atomic_load(&f->stop))
		sv_loop_run_once(&f->pp->loop, 10);
	return NULL;
}

/*
 * INTx pulses and IRQFD route changes. Each costs the proxy KVM calls,
 * made slow here, so the device side refills the ring faster than the
 * proxy empties it: the proxy never finds it empty.
 */
static void *flood_events_thread(void *arg)
{
	struct flood *f = arg;
	struct sv_rpc_set_irq s = { .irq = 0, .level = SV_RPC_IRQ_PULSE };
	struct sv_rpc_irqfd fd = msi_irqfd(0, ITS_DOORBELL, 1, 0);
	struct sv_rpc_msg m[2];
	unsigned long n = 0;

	sv_rpc_encode_set_irq(&m[0], &s);
	sv_rpc_encode_irqfd(&m[1], &fd);
	while (!atomic_load(&f->stop)) {
		int ret;

		pthread_mutex_lock(&f->lock);
		ret = sv_rpc_dev_send_event(&f->pp->dev, &m[n % 2]);
		pthread_mutex_unlock(&f->lock);
		if (ret == 0)
			n++;
		else
			sv_rpc_doorbell_ring(f->pp->resp_db);
	}
	return NULL;
}

static void *flood_vcpu_thread(void *arg)
{
	struct flood *f = arg;

	for (unsigned int i = 0; i < FLOOD_READS; i++) {
		uint64_t t0 = now_ms();
		uint32_t v = 0;

		mmio_bus_dispatch(&f->pp->vm->bus, peer_ecam(0, 0), (uint8_t *)&v, 4, false);
		f->took_ms[i] = now_ms() - t0;
		f->value[i] = v;
		atomic_fetch_add(&f->reads_done, 1);
	}
	return NULL;
}

/* The device side's answering thread: config reads of function 0 read 0x10421af4. */
static void flood_answer(struct flood *f, uint64_t deadline_ms)
{
	while (atomic_load(&f->reads_done) < FLOOD_READS && now_ms() < deadline_ms) {
		struct sv_rpc_msg req;
		int ret;

		pthread_mutex_lock(&f->lock);
		ret = sv_rpc_dev_recv(&f->pp->dev, &req);
		if (ret == 0) {
			if (req.op == SV_RPC_OP_MMIO)
				req.arg[1] = 0x10421af4;
			ret = sv_rpc_dev_reply(&f->pp->dev, &req, 0);
		}
		pthread_mutex_unlock(&f->lock);
		if (ret == 0)
			sv_rpc_doorbell_ring(f->pp->resp_db);
		else
			sv_rpc_doorbell_wait(f->pp->req_db, 10);
	}
}

static void test_event_flood_does_not_block_vcpus(void **state)
{
	struct proxy_peer *pp = *state;
	struct flood flood = { .pp = pp }, *f = &flood;
	pthread_t io, events, vcpu;
	unsigned int answered = 0;

	assert_int_equal(peer_register(pp, 0), 0);
	assert_int_equal(peer_start(pp), 0);
	io_proxy_set_reply_timeout(pp->proxy, FLOOD_TIMEOUT_MS);
	atomic_store(&fake_kvm.delay_us[FK_SET_SPI], 1000);
	atomic_store(&fake_kvm.delay_us[FK_GSI_ROUTING], 1000);
	pthread_mutex_init(&f->lock, NULL);
	assert_int_equal(pthread_create(&io, NULL, flood_io_thread, f), 0);
	assert_int_equal(pthread_create(&events, NULL, flood_events_thread, f), 0);
	usleep(50000); /* the flood is on before the first read */
	assert_int_equal(pthread_create(&vcpu, NULL, flood_vcpu_thread, f), 0);
	flood_answer(f, now_ms() + FLOOD_DEADLINE_MS);
	/* Whatever happened, stop the flood so that every thread ends. */
	atomic_store(&f->stop, true);
	pthread_join(events, NULL);
	pthread_join(io, NULL);
	/* Answer what a vCPU still stuck behind the flood asks now. */
	while (atomic_load(&f->reads_done) < FLOOD_READS) {
		sv_loop_run_once(&pp->loop, 10);
		flood_answer(f, now_ms() + 100);
	}
	pthread_join(vcpu, NULL);
	atomic_store(&fake_kvm.delay_us[FK_SET_SPI], 0);
	atomic_store(&fake_kvm.delay_us[FK_GSI_ROUTING], 0);
	for (unsigned int i = 0; i < FLOOD_READS; i++) {
		/* Never longer than the reply timeout (plus scheduling slack). */
		assert_true(f->took_ms[i] <= FLOOD_TIMEOUT_MS + 500);
		assert_true(f->value[i] == 0x10421af4 || f->value[i] == 0xffffffff);
		answered += f->value[i] == 0x10421af4;
	}
	/* Replies are taken before more events: the device side's answers get through. */
	assert_true(answered >= FLOOD_READS / 2);
	pthread_mutex_destroy(&f->lock);
}

/* More functions than the bus has slots: the extra ones are refused, nothing leaks. */
static void test_register_failure_no_leak(void **state)
{
	struct proxy_peer *pp = *state;
	struct sv_rpc_msi msi = { .addr = ITS_DOORBELL, .data = 1, .pcidev = PCI_MAX_SLOTS };

	for (uint32_t i = 0; i <= PCI_MAX_SLOTS; i++)
		assert_int_equal(peer_register(pp, i), 0);
	assert_int_equal(peer_start(pp), 0);
	assert_int_equal(peer_register(pp, PCI_MAX_SLOTS + 1), 0);
	assert_int_equal(cfg_read(pp, PCI_MAX_SLOTS - 1, PCI_MAX_SLOTS - 1, 0, 4, 0x10421af4),
			 0x10421af4);
	assert_int_equal(SEND(pp, sv_rpc_encode_msi, msi), 0);
	assert_int_equal(fake_kvm.count[FK_SIGNAL_MSI], 0);
}

/* After io_proxy_destroy nothing on the bus points into the freed proxy. */
static void test_destroy_detaches(void **state)
{
	struct proxy_peer *pp = *state;

	assert_int_equal(peer_register(pp, 0), 0);
	place_bar(pp, 0, 0, 0, REGION_GPA, 0x1000);
	assert_int_equal(peer_region(pp, REGION_GPA, 0x1000, 0), 0);
	assert_true(mmio_bus_dispatch(&pp->vm->bus, REGION_GPA, (uint8_t[4]){ 0 }, 0, false));
	assert_int_equal(peer_start(pp), 0);
	io_proxy_destroy(pp->proxy);
	pp->proxy = NULL;
	assert_int_equal(vcpu_access(pp, peer_ecam(0, 0), 4, false, 0), 0xffffffff);
	assert_false(mmio_bus_dispatch(&pp->vm->bus, REGION_GPA, (uint8_t[4]){ 0 }, 4, false));
}

/* 300 announcements a device side may legitimately send once in a while. */
static void announcement_burst(void *arg)
{
	struct proxy_peer *pp = arg;
	struct sv_rpc_hello h = { .version = SV_RPC_VERSION };
	struct sv_rpc_pci_dev unplug = { .index = 0, .flags = SV_RPC_PCI_F_REMOVE };

	for (int i = 0; i < 100; i++) {
		struct sv_rpc_msg m[3];

		assert_int_equal(sv_rpc_encode_reset(&m[0], SV_RPC_OP_RESET_EVT, 0), 0);
		assert_int_equal(sv_rpc_encode_hello(&m[1], SV_RPC_OP_HELLO_EVT, &h), 0);
		assert_int_equal(sv_rpc_encode_pci_dev(&m[2], &unplug), 0);
		for (int j = 0; j < 3; j++)
			assert_int_equal(sv_rpc_dev_send_event(&pp->dev, &m[j]), 0);
		assert_int_equal(peer_deliver(pp), 0);
	}
}

static int encode_hello_evt(struct sv_rpc_msg *m, const struct sv_rpc_hello *h)
{
	return sv_rpc_encode_hello(m, SV_RPC_OP_HELLO_EVT, h);
}

/* 100 HELLO_EVTs and as many events it must refuse (a function it does not have). */
static void hello_and_refusal_burst(void *arg)
{
	struct proxy_peer *pp = arg;
	struct sv_rpc_hello h = { .version = SV_RPC_VERSION };
	struct sv_rpc_set_irq s = { .irq = 9, .level = SV_RPC_IRQ_SET };

	for (int i = 0; i < 100; i++) {
		assert_int_equal(SEND(pp, encode_hello_evt, h), 0);
		assert_int_equal(SEND(pp, sv_rpc_encode_set_irq, s), 0);
	}
}

static void one_reset(void *arg)
{
	struct proxy_peer *pp = arg;

	assert_int_equal(peer_restart(pp), 0);
}

static void one_failed_access(void *arg)
{
	struct proxy_peer *pp = arg;

	/* The device side answers with an error. */
	assert_int_equal(answered_read(pp, peer_ecam(0, 0), 4, 0, 0, 0, -EIO), 0xffffffff);
}

/*
 * Each kind of line has its own limit: a device side that floods one kind
 * does not silence another, nor the guest's failed accesses.
 */
static void test_log_limits_per_source(void **state)
{
	struct proxy_peer *pp = *state;

	assert_int_equal(peer_register(pp, 0), 0);
	assert_true(log_lines_while("is up", hello_and_refusal_burst, pp) <= SV_LOG_LIMIT_BURST);
	assert_int_equal(log_lines_while("restarted its protocol", one_reset, pp), 1);
	assert_int_equal(log_lines_while("read of 4 bytes at config", one_failed_access, pp), 1);
}

/* A device side repeating them in a loop must not flood the driver VM's log. */
static void test_announcements_rate_limited(void **state)
{
	struct proxy_peer *pp = *state;
	unsigned int lines;

	assert_int_equal(peer_register(pp, 0), 0);
	/* The proxy names itself "link0(dev)" in each of its lines; three kinds, each limited. */
	lines = log_lines_while("link0(dev)", announcement_burst, pp);
	assert_true(lines >= 3);
	assert_true(lines <= 3 * SV_LOG_LIMIT_BURST);
	/* Still served. */
	assert_int_equal(cfg_read(pp, 0, 0, 0, 4, 0x10421af4), 0x10421af4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		GIC_TEST(test_registration_then_start, 3),
		GIC_TEST(test_config_accesses_forwarded, 3),
		GIC_TEST(test_unregistered_functions, 3),
		GIC_TEST(test_regions_only_in_own_bars, 3),
		GIC_TEST(test_regions_follow_the_guests_bars, 3),
		GIC_TEST(test_ioeventfd_binding, 3),
		GIC_TEST(test_irqfd_routes, 3),
		GIC_TEST(test_intx_and_msi_v2m, 2),
		GIC_TEST(test_v2m_msi_only_own_vectors, 2),
		GIC_TEST(test_reply_to_unused_slot, 3),
		GIC_TEST(test_reply_wrong_size, 3),
		GIC_TEST(test_events_replayed, 3),
		GIC_TEST(test_reply_timeout, 3),
		GIC_TEST(test_device_gone, 3),
		GIC_TEST(test_register_failure_no_leak, 3),
		GIC_TEST(test_destroy_detaches, 3),
		GIC_TEST(test_announcements_rate_limited, 3),
		GIC_TEST(test_event_flood_does_not_block_vcpus, 3),
		GIC_TEST(test_log_limits_per_source, 3),
	};

	/* Rejections are logged as warnings; keep the test log to errors. */
	sv_log_set_level(SV_LOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
