/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MSI delivery, the two ways real arm64 boards do it:
 *  - GICv3: KVM's in-kernel ITS; an MSI is (doorbell address, event id,
 *    device id = PCI requester id), routed by KVM_IRQ_ROUTING_MSI.
 *  - GICv2 (GIC-400): a GICv2m frame the vmm emulates; an MSI is a write
 *    of an SPI number to SETSPI_NSR, routed as an irqchip pin.
 * Devices get a GSI per vector; msi_route_set() keeps KVM's routing table
 * in step with what the guest programmed, so an irqfd on the GSI reaches
 * the right interrupt with no userspace hop. Guest-programmed messages are
 * validated: a vector pointing anywhere but our doorbell is left unrouted
 * (its interrupts are dropped and logged), never forwarded blindly.
 */
#ifndef VMM_MSI_H
#define VMM_MSI_H

#include <stdbool.h>
#include <stdint.h>

struct vm;

struct msi_msg {
	uint64_t addr;
	uint32_t data;
	uint32_t devid; /* PCI requester id (ITS only) */
};

/* After gic_create(): creates the ITS (GICv3) or the GICv2m frame (GICv2). */
int msi_create(struct vm *vm);
/* After gic_finalize(). */
int msi_finalize(struct vm *vm);
void msi_destroy(struct vm *vm);

/* Allocates a GSI with no route yet; -ENOSPC when all are used. */
int msi_route_alloc(struct vm *vm);
/*
 * Points gsi at msg (enabled) or removes its route (disabled, masked).
 * Returns -EINVAL if msg is not a valid MSI for this VM's controller (the
 * route is then removed).
 */
int msi_route_set(struct vm *vm, int gsi, const struct msi_msg *msg, bool enabled);
/*
 * Points gsi at SPI spi (a level-triggered line, e.g. a passed-through
 * function's INTx) for good; -EINVAL if spi is not one of the VM's.
 */
int msi_route_set_spi(struct vm *vm, int gsi, unsigned int spi);
/* Binds an eventfd to gsi (KVM_IRQFD): a write to it raises the MSI. */
int msi_irqfd_bind(struct vm *vm, int gsi, int fd);
int msi_irqfd_unbind(struct vm *vm, int gsi, int fd);
/* Raises msg once (slow path, no route); -EINVAL for an invalid message. */
int msi_signal(struct vm *vm, const struct msi_msg *msg);
/* True if msg targets this VM's MSI doorbell with a valid payload. */
bool msi_msg_valid(const struct vm *vm, const struct msi_msg *msg);

#endif
