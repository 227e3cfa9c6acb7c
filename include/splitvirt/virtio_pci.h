/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-pci (modern, virtio 1.x) function model: PCI type-0 config space,
 * the virtio vendor capabilities, MSI-X, and the BAR register blocks (the
 * PCI part is the shared model of <splitvirt/pci_cfg.h>). It knows nothing
 * about KVM; the host forwards config-space and BAR accesses into it and
 * receives interrupts and mapping changes through struct
 * virtio_pci_host_ops.
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
	/*
	 * Queue qidx stopped at its drain budget with work left: call
	 * virtio_dev_handle_queue() for it again soon, from the event loop,
	 * as for a kick (after whatever else is ready there). Return false
	 * if that cannot happen; without the op, drains run without budget.
	 */
	bool (*requeue)(void *opaque, uint16_t qidx);
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
/*
 * Host-side reset to power-on, as a PCI function-level reset: the virtio
 * device resets, then everything the guest programmed into config space
 * and the MSI-X table goes. The host callbacks fire as for the guest's
 * own writes (notify addresses inactive, BARs unmapped, vectors masked).
 */
void virtio_pci_reset(struct virtio_pci *fn);
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

/* ---- save and restore (taking over a running guest's device) ------------ */

#define VIRTIO_PCI_STATE_VERSION 1
/* Queues a saved state can describe; functions with more cannot be saved. */
#define VIRTIO_PCI_STATE_MAX_QUEUES 16

struct virtio_pci_queue_state {
	uint64_t desc_gpa, avail_gpa, used_gpa;
	uint16_t size;
	uint16_t msix_vector;
	uint8_t enabled;
	uint8_t pad[3];
};

/*
 * What the guest programmed into a function: PCI config space (command,
 * BARs, MSI-X control, ...), the MSI-X table and PBA, and the virtio
 * registers (status, features, selectors, config vector, every queue).
 * Ring positions are not part of it: they live in guest memory (see
 * virtio_pci_restore). Plain fixed-size data without pointers, so a host
 * may store it as is for a later process of the same build; whatever is
 * read back must be treated as untrusted, and virtio_pci_restore does.
 */
struct virtio_pci_state {
	uint32_t version; /* VIRTIO_PCI_STATE_VERSION */
	uint16_t device_id;
	uint16_t num_queues;
	uint16_t nvec;
	uint16_t queue_select;
	uint16_t msix_config;
	uint8_t status;
	uint8_t config_generation;
	uint8_t isr;
	uint8_t pad[7];
	uint32_t dfselect, gfselect;
	uint64_t driver_features;
	uint8_t cfg[VIRTIO_PCI_CFG_SIZE];
	uint8_t msix_table[VIRTIO_PCI_MSIX_MAX_VECTORS * 16];
	uint64_t pba[VIRTIO_PCI_MSIX_MAX_VECTORS / 64];
	struct virtio_pci_queue_state queues[VIRTIO_PCI_STATE_MAX_QUEUES];
};

/*
 * Snapshot of fn's guest-programmed state (unused bytes zeroed, so two
 * snapshots of the same state compare equal with memcmp). -E2BIG if the
 * device has more than VIRTIO_PCI_STATE_MAX_QUEUES queues.
 */
int virtio_pci_save(struct virtio_pci *fn, struct virtio_pci_state *st);

/*
 * Puts fn (normally freshly created, at power-on) into state st as if the
 * guest had programmed it: everything is validated first (layout matches
 * this device, read-only config bytes unchanged, vectors in range, status
 * bits a driver can reach, features the device accepts, rings inside
 * guest memory); a state that fails any check gives -EINVAL and leaves
 * the function reset with no host callback fired. Then the host callbacks
 * fire as for the guest's own writes (bar_changed for mapped BARs,
 * notify_changed for active queues, msix_changed for every vector), and the
 * model's driver_ok hook runs if DRIVER_OK was set; queues are *not*
 * processed. Each enabled queue restarts from the used index the guest
 * sees (used->idx): chains published as used stay completed, every other
 * available chain is available again. That is exact because the models
 * complete chains in the order they take them. Follow with
 * virtio_dev_resume_pending() (redo them, or drop what a model drops).
 */
int virtio_pci_restore(struct virtio_pci *fn, const struct virtio_pci_state *st);

#endif
