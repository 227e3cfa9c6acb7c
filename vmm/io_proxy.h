/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Driver-VM side of a link (the original's io_proxy): PCI functions that a
 * device VM registers appear on our bus, their config space and the MMIO
 * windows it forwards become RPC requests (the faulting vCPU waits for the
 * reply), and its IOEVENTFD/IRQFD announcements become KVM ioeventfds and
 * irqfds, so virtqueue kicks and completion interrupts never pass through
 * this process. The guest does not start before the device side sends
 * START_VM.
 */
#ifndef VMM_IO_PROXY_H
#define VMM_IO_PROXY_H

#include <splitvirt/link_args.h>

struct vm;
struct pci_host;
struct sv_loop;
struct io_proxy;

/* Takes ownership of the link's fds. Call before the I/O loop starts. */
int io_proxy_create(struct vm *vm, struct pci_host *pci, struct sv_loop *loop,
		    const struct sv_link_args *link, struct io_proxy **out);
/* Waits for START_VM; -ETIMEDOUT after timeout_s seconds (the I/O loop must run). */
int io_proxy_wait_started(struct io_proxy *p, unsigned int timeout_s);
/*
 * Takes the link's functions off the host bridge and its regions off the
 * MMIO bus, unbinds its ioeventfds and irqfds. No vCPU may run any more
 * (one could still be inside a function or region it looked up).
 */
void io_proxy_destroy(struct io_proxy *p);
/*
 * How long a vCPU waits for the device side's reply before it reads
 * all-ones (default 5000 ms). Tests shorten it instead of sleeping.
 */
void io_proxy_set_reply_timeout(struct io_proxy *p, unsigned int ms);

#endif
