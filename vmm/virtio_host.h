/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hosts a device model from the virtio library in-process as a virtio-pci
 * function on the vmm's PCIe bus ("local device"), wired for the fast path:
 *  - each queue's notify address is a KVM ioeventfd whose eventfd the I/O
 *    thread watches; the vCPU that kicked resumes at once;
 *  - each MSI-X vector has a GSI routed to what the guest programmed and
 *    an irqfd; the device raises it with one eventfd write.
 * Config space and the common/device config registers still trap.
 */
#ifndef VMM_VIRTIO_HOST_H
#define VMM_VIRTIO_HOST_H

struct vm;
struct virtio_dev;
struct pci_host;
struct io_loop;
struct virtio_host;

/* Takes ownership of dev. */
int virtio_host_add(struct vm *vm, struct pci_host *pci, struct io_loop *loop,
		    struct virtio_dev *dev, struct virtio_host **out);
void virtio_host_destroy(struct virtio_host *vh);

#endif
