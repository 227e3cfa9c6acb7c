/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host's VFIO interface for PCI passthrough: one container (one IOMMU
 * domain holding the guest's RAM at IOVA = guest-physical address) per vmm,
 * a group per IOMMU group, a device fd per passed-through function. Every
 * failure a user can fix is logged here with what to do (the device is not
 * bound to vfio-pci, its group is shared, the platform cannot isolate MSIs).
 */
#ifndef VMM_VFIO_H
#define VMM_VFIO_H

#include <stdbool.h>
#include <stdint.h>

#define VFIO_MAX_DEVICES 8
#define VFIO_MAX_AREAS 8 /* mmap-able parts of one BAR */

struct vfio_area {
	uint64_t off, size; /* in the BAR */
};

struct vfio_bar {
	uint64_t size; /* 0: no BAR */
	uint64_t offset; /* of the region in the device fd */
	bool mem64, prefetch, io;
	void *map; /* the whole region, when any of it can be mmapped */
	struct vfio_area areas[VFIO_MAX_AREAS]; /* what may be mapped into the guest */
	unsigned int nr_areas;
};

struct vfio_device {
	char bdf[16];
	int fd;
	int group; /* index into the container's groups */
	uint64_t cfg_offset, cfg_size; /* the config-space region */
	struct vfio_bar bars[6];
	/* What VFIO offers per interrupt kind (enum vfio_irq_kind). */
	uint32_t irq_count[3];
	bool can_reset;
};

/* VFIO's interrupt indexes of a PCI function (VFIO_PCI_*_IRQ_INDEX). */
enum vfio_irq_kind { VFIO_IRQ_INTX = 0, VFIO_IRQ_MSI = 1, VFIO_IRQ_MSIX = 2 };

struct vfio_container {
	int fd; /* -1 until the first device */
	int groups[VFIO_MAX_DEVICES]; /* fds */
	int group_ids[VFIO_MAX_DEVICES];
	unsigned int nr_groups;
	bool dma_mapped;
};

void vfio_container_init(struct vfio_container *c);
/*
 * Opens BDF (DDDD:BB:DD.F) through its IOMMU group into c (the container
 * is set up with the first device), resets it, and reads its regions.
 */
int vfio_device_open(struct vfio_container *c, const char *bdf, struct vfio_device *d);
/* Maps guest RAM for the devices' DMA at IOVA gpa (once per container). */
int vfio_dma_map(struct vfio_container *c, uint64_t gpa, uint64_t size, void *host);
/* Config space of the real function (size 1, 2 or 4). */
int vfio_cfg_read(const struct vfio_device *d, uint32_t off, uint32_t size, uint32_t *val);
int vfio_cfg_write(const struct vfio_device *d, uint32_t off, uint32_t size, uint32_t val);
/* An access of 1, 2, 4 or 8 bytes to BAR bar at off, through the device fd. */
int vfio_bar_rw(const struct vfio_device *d, int bar, uint64_t off, void *data, unsigned int len,
		bool write);
/*
 * Interrupts of kind 0..n-1 signal eventfds fds[i]; n 0 turns the kind off.
 * VFIO has one kind on at a time: turn the current one off first.
 */
int vfio_irq_set(const struct vfio_device *d, enum vfio_irq_kind kind, const int *fds,
		 unsigned int n);
/* INTx: a write to fd (the resample eventfd) unmasks it at the host. */
int vfio_intx_unmask_fd(const struct vfio_device *d, int fd);
/* Bus mastering off, interrupts off, reset, fds closed. */
void vfio_device_close(struct vfio_device *d);
void vfio_container_close(struct vfio_container *c);

#endif
