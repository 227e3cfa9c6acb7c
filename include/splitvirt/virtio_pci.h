/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-pci (modern, virtio 1.x) function model: PCI type-0 config space,
 * the virtio vendor capabilities, MSI-X, and the BAR register blocks. It
 * knows nothing about KVM; the host forwards config-space and BAR accesses
 * into it and receives interrupts and mapping changes through
 * struct virtio_pci_host_ops.
 *
 * BAR layout (see docs/virtio-library.md):
 *   BAR0 (64-bit memory, non-prefetchable, 16 KiB)
 *     0x0000 common configuration  (VIRTIO_PCI_CAP_COMMON_CFG)
 *     0x1000 ISR status            (VIRTIO_PCI_CAP_ISR_CFG, read clears)
 *     0x2000 device configuration  (VIRTIO_PCI_CAP_DEVICE_CFG)
 *     0x3000 notifications         (VIRTIO_PCI_CAP_NOTIFY_CFG), queue q at
 *            0x3000 + q * VIRTIO_PCI_NOTIFY_MULT; the driver writes the
 *            16-bit queue index there
 *   BAR2 (64-bit memory, non-prefetchable, 4 KiB)
 *     0x000  MSI-X table (16 bytes per vector)
 *     0x800  MSI-X PBA
 */
#ifndef SPLITVIRT_VIRTIO_PCI_H
#define SPLITVIRT_VIRTIO_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include <splitvirt/virtio_dev.h>

#define VIRTIO_PCI_VENDOR_ID 0x1af4
#define VIRTIO_PCI_DEVICE_ID_BASE 0x1040
#define VIRTIO_PCI_CFG_SIZE 256
#define VIRTIO_PCI_EXT_CFG_SIZE 4096

#define VIRTIO_PCI_BAR_REGS 0
#define VIRTIO_PCI_BAR_MSIX 2
#define VIRTIO_PCI_BAR0_SIZE 0x4000
#define VIRTIO_PCI_COMMON_OFF 0x0000
#define VIRTIO_PCI_COMMON_LEN 0x38
#define VIRTIO_PCI_ISR_OFF 0x1000
#define VIRTIO_PCI_DEVCFG_OFF 0x2000
#define VIRTIO_PCI_DEVCFG_MAX 0x1000
#define VIRTIO_PCI_NOTIFY_OFF 0x3000
#define VIRTIO_PCI_NOTIFY_MULT 4
#define VIRTIO_PCI_MAX_QUEUES (0x1000 / VIRTIO_PCI_NOTIFY_MULT)

#define VIRTIO_PCI_BAR2_SIZE 0x1000
#define VIRTIO_PCI_MSIX_TABLE_OFF 0x000
#define VIRTIO_PCI_MSIX_PBA_OFF 0x800
#define VIRTIO_PCI_MSIX_MAX_VECTORS 128

/* Capability offsets in config space (fixed, for tests and docs). */
#define VIRTIO_PCI_CAP_COMMON_AT 0x40
#define VIRTIO_PCI_CAP_NOTIFY_AT 0x50
#define VIRTIO_PCI_CAP_ISR_AT 0x64
#define VIRTIO_PCI_CAP_DEVICE_AT 0x74
#define VIRTIO_PCI_CAP_PCICFG_AT 0x84
#define VIRTIO_PCI_CAP_MSIX_AT 0x98

struct virtio_pci;

/*
 * What the host provides. All callbacks are optional and run with the
 * device lock held; they must not call back into the library.
 */
struct virtio_pci_host_ops {
	/*
	 * Deliver MSI-X vector (enabled and unmasked; masked vectors are held
	 * in the PBA by the model). addr/data are the guest-programmed
	 * message. With irqfd the host simply writes the vector's eventfd.
	 */
	void (*signal_msix)(void *opaque, uint16_t vector, uint64_t addr, uint32_t data);
	/* INTx line level, used while MSI-X is disabled. */
	void (*set_intx)(void *opaque, bool level);
	/*
	 * The guest (re)programmed a vector's address/data or its effective
	 * mask changed (per-vector mask, function mask, MSI-X enable). Hosts
	 * update KVM MSI routes / irqfds here.
	 */
	void (*msix_changed)(void *opaque, uint16_t vector, uint64_t addr, uint32_t data,
			     bool masked);
	/*
	 * Queue qidx's notify address became valid (active) or stopped being
	 * valid. gpa is where the driver writes the 16-bit queue index; a
	 * host can bind a KVM ioeventfd there (any length) and call
	 * virtio_dev_handle_queue() when it fires, instead of trapping.
	 */
	void (*notify_changed)(void *opaque, uint16_t qidx, uint64_t gpa, bool active);
	/* A BAR was mapped at gpa (memory decoding on) or unmapped. */
	void (*bar_changed)(void *opaque, int bar, uint64_t gpa, uint64_t size, bool mapped);
};

struct virtio_pci_params {
	uint16_t msix_vectors; /* 0: num_queues + 1 */
	uint16_t subsys_vendor; /* 0: 0x1af4 */
	uint16_t subsys_id; /* 0: 0x40 + device id */
};

/*
 * Wraps dev (which keeps its owner; destroy it after the function).
 * Returns -EINVAL for a device the layout cannot hold, -ENOMEM.
 */
int virtio_pci_create(struct virtio_pci **out, struct virtio_dev *dev,
		      const struct virtio_pci_params *params, const struct virtio_pci_host_ops *ops,
		      void *opaque);
void virtio_pci_destroy(struct virtio_pci *fn);
struct virtio_dev *virtio_pci_dev(struct virtio_pci *fn);

/*
 * Config space access, size 1, 2 or 4 at any offset. Offsets past the
 * 256-byte header (extended space up to 4 KiB) read as 0 and ignore
 * writes; -EINVAL for other sizes or offsets past 4 KiB (reads give ~0).
 */
int virtio_pci_cfg_read(struct virtio_pci *fn, uint32_t off, uint32_t size, uint32_t *val);
int virtio_pci_cfg_write(struct virtio_pci *fn, uint32_t off, uint32_t size, uint32_t val);

/* BAR access by BAR-relative offset, size 1, 2, 4 or 8. -EINVAL if outside the BAR. */
int virtio_pci_bar_read(struct virtio_pci *fn, int bar, uint64_t off, uint32_t size, uint64_t *val);
int virtio_pci_bar_write(struct virtio_pci *fn, int bar, uint64_t off, uint32_t size, uint64_t val);

/* Guest-physical MMIO into whichever BAR is mapped there; -ENOENT if none. */
int virtio_pci_mmio_read(struct virtio_pci *fn, uint64_t gpa, uint32_t size, uint64_t *val);
int virtio_pci_mmio_write(struct virtio_pci *fn, uint64_t gpa, uint32_t size, uint64_t val);

/* Where the guest placed a BAR; false if it is not mapped (decoding off). */
bool virtio_pci_bar_mapping(struct virtio_pci *fn, int bar, uint64_t *gpa, uint64_t *size);

/* True if MSI-X vector is pending in the PBA (for tests and debugging). */
bool virtio_pci_msix_pending(struct virtio_pci *fn, uint16_t vector);

#endif
