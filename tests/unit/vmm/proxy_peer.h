/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device side of one link, played by a unit test or a fuzzer against a
 * real io_proxy: a real iobuf and eventfd doorbells, the vmm's MMIO bus,
 * ECAM host bridge and MSI code, and the fake KVM (fake_kvm.h). The test
 * thread is the device side and runs the proxy's I/O loop itself, one
 * doorbell at a time, so every step is deterministic; vCPU accesses run on
 * threads of their own because they wait for the device side's reply.
 * Functions return 0 or -errno and never assert, so fuzzers can use them.
 */
#ifndef TESTS_VMM_PROXY_PEER_H
#define TESTS_VMM_PROXY_PEER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <splitvirt/event_loop.h>
#include <splitvirt/rpc_chan.h>

#include <splitvirt/link_args.h>

#define PEER_IOBUF_SIZE 8192u
#define PEER_NKICKS 2u
#define PEER_NCALLS 2u
/* What a fixture's vCPU waits for a reply unless a test changes it. */
#define PEER_REPLY_TIMEOUT_MS 2000u
/* The link's functions sit on a bridge of their own, as the vmm's link 0. */
#define PEER_BRIDGE 1u
/* Its memory windows (pci_host_layout_of(PEER_BRIDGE)), from vmm.h's plan. */
#define PEER_MMIO32_BASE VMM_PCI_LINK_MMIO32_BASE
#define PEER_MMIO32_SIZE VMM_PCI_LINK_MMIO32_SIZE
#define PEER_MMIO64_BASE VMM_PCI_LINK_MMIO64_BASE
#define PEER_MMIO64_SIZE VMM_PCI_LINK_MMIO64_SIZE
#define PEER_ECAM_BASE (VMM_PCI_ECAM_BASE + PEER_BRIDGE * VMM_PCI_ECAM_SIZE)
#define PEER_INTX_SPI_BASE (VMM_PCI_INTX_SPI_BASE + 4 * PEER_BRIDGE)

struct vm;
struct pci_host;
struct io_proxy;

struct proxy_peer {
	struct vm *vm;
	struct pci_host *pci;
	struct sv_loop loop;
	struct io_proxy *proxy;
	struct sv_rpc_dev dev; /* the device side's endpoint */
	void *iobuf;
	int req_db, resp_db; /* our own ends of the link's doorbells */
	int vcpu_db; /* rung by each vCPU access when it completes */
	struct sv_link_args link; /* the fd numbers given to the proxy */
	bool link_given; /* the proxy owns (and closes) the link's fds */
	bool loop_ready;
};

/*
 * A VM with a GICv2m (gic 2) or an ITS (gic 3), a host bridge and a proxy.
 * Call peer_close() afterwards even if it failed.
 */
int peer_open(struct proxy_peer *pp, int gic_version);
/* Destroys the proxy first, as the vmm does, then the host bridge and VM. */
void peer_close(struct proxy_peer *pp);

/* Rings the driver's doorbell and runs the proxy's loop once. */
int peer_deliver(struct proxy_peer *pp);
/* Acknowledges the driver's epoch, lets it see ours and answers its HELLO. */
int peer_connect(struct proxy_peer *pp);
/* Sends one event and delivers it. */
int peer_event(struct proxy_peer *pp, const struct sv_rpc_msg *m);
int peer_register(struct proxy_peer *pp, uint32_t index);
int peer_region(struct proxy_peer *pp, uint64_t gpa, uint64_t size, uint32_t flags);
int peer_start(struct proxy_peer *pp);
/* Waits up to timeout_ms for the driver's next request. */
int peer_recv(struct proxy_peer *pp, struct sv_rpc_msg *req, int timeout_ms);
/*
 * Waits up to timeout_ms for the request vCPU access a makes: 0 and *req,
 * 1 if the access completed without one, or -ETIMEDOUT. HELLOs on the way
 * are answered.
 */
struct vcpu_access;
int peer_recv_for(struct proxy_peer *pp, struct vcpu_access *a, struct sv_rpc_msg *req,
		  int timeout_ms);
/* Answers req (data is the value read, for reads) and delivers the reply. */
int peer_reply(struct proxy_peer *pp, const struct sv_rpc_msg *req, uint64_t data, int status);
/*
 * A reply the channel API refuses to write: m goes into slots[m->slot %
 * nslots] as is, id onto the reply ring, then it is delivered. The device
 * side forgets the request in slot id, as if it had answered it.
 */
int peer_forge_reply(struct proxy_peer *pp, const struct sv_rpc_msg *m, uint16_t id);
/* Restarts the device side (a new epoch, as after a devmodel crash). */
int peer_restart(struct proxy_peer *pp);

/* Guest-physical address of config register off of the function in slot. */
uint64_t peer_ecam(unsigned int slot, unsigned int off);

/* One guest access, as a vCPU thread's MMIO exit would make it. */
struct vcpu_access {
	struct proxy_peer *pp;
	uint64_t gpa;
	unsigned int len;
	bool write;
	uint8_t data[8];
	bool handled; /* some MMIO window covered it */
	atomic_bool done;
	pthread_t thread;
};

int vcpu_access_start(struct vcpu_access *a, struct proxy_peer *pp, uint64_t gpa, unsigned int len,
		      bool write, uint64_t value);
/* Joins the vCPU thread; returns the value it read (or wrote). */
uint64_t vcpu_access_finish(struct vcpu_access *a);
/* Both, for accesses that must not wait for the device side. */
uint64_t vcpu_access(struct proxy_peer *pp, uint64_t gpa, unsigned int len, bool write,
		     uint64_t value);

#endif
