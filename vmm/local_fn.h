/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A local device: a model from the virtio library hosted in-process as a
 * virtio-pci function on the vmm's PCIe bus, through the virtio host glue
 * (<splitvirt/virtio_host.h>) on KVM:
 *  - a queue's kick eventfd becomes a KVM ioeventfd on its notify address;
 *    the vCPU that kicked resumes at once and the I/O thread serves it;
 *  - each MSI-X vector gets a GSI routed to what the guest programmed and
 *    an irqfd on the vector's call eventfd;
 *  - BAR windows are regions of the MMIO bus; config space and the
 *    common/device config registers still trap.
 */
#ifndef VMM_LOCAL_FN_H
#define VMM_LOCAL_FN_H

struct vm;
struct virtio_dev;
struct pci_host;
struct sv_loop;
struct local_fn;

/* Takes ownership of dev (also on failure). */
int local_fn_add(struct vm *vm, struct pci_host *pci, struct sv_loop *loop, struct virtio_dev *dev,
		 struct local_fn **out);
void local_fn_destroy(struct local_fn *lf);

#endif
