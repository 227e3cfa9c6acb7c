/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every call the devmodel makes into splitvirt.ko (<splitvirt/kmod_uapi.h>),
 * behind one ops table: kmod_ioctl.c implements it with ioctls on
 * /dev/splitvirt and the VM handles, unit tests and the fuzzer with a fake.
 * All return 0 (or an fd / a count) or a negative errno. "vm" is the VM
 * handle returned by create_vm.
 *
 * -EAGAIN from get_io means "no request pending"; from an announcement
 * (ioeventfd, irqfd, set_irq, msi, register_pci_dev, mmio_region,
 * start_vm) or complete_io it means the driver side is behind (its event
 * or reply ring is full): nothing was sent or recorded, and the caller
 * retries later without sleeping (kcall.c). No implementation blocks.
 */
#ifndef DEVMODEL_KMOD_H
#define DEVMODEL_KMOD_H

#include <stdint.h>

#include <splitvirt/kmod_uapi.h>

struct dm_kmod_ops {
	/* Control device. */
	int (*nr_links)(void *ctx);
	int (*link_info)(void *ctx, uint32_t link_id, struct sv_link_info *info);
	int (*create_vm)(void *ctx, uint32_t link_id);
	/* VM handle. */
	void (*close_vm)(void *ctx, int vm);
	int (*get_info)(void *ctx, int vm, struct sv_link_info *info);
	/* Maps the driver VM's RAM (offset 0, size bytes) shared and read-write. */
	int (*map_ram)(void *ctx, int vm, uint64_t size, void **hva);
	void (*unmap_ram)(void *ctx, void *hva, uint64_t size);
	/*
	 * An fd another process (a vhost-user back-end) maps the same RAM
	 * through, from offset 0; the handle's, valid while it is open.
	 */
	int (*ram_fd)(void *ctx, int vm);
	int (*get_io)(void *ctx, int vm, struct sv_ioreq *req);
	int (*complete_io)(void *ctx, int vm, const struct sv_ioreq *req);
	int (*ioeventfd)(void *ctx, int vm, const struct sv_ioeventfd *arg);
	int (*irqfd)(void *ctx, int vm, const struct sv_irqfd *arg);
	int (*set_irq)(void *ctx, int vm, uint32_t irq, uint32_t level);
	int (*msi)(void *ctx, int vm, uint64_t addr, uint32_t data, uint32_t pcidev);
	int (*register_pci_dev)(void *ctx, int vm, uint32_t index, uint32_t flags);
	int (*mmio_region)(void *ctx, int vm, uint64_t gpa, uint64_t size, uint32_t flags);
	int (*start_vm)(void *ctx, int vm);
	/*
	 * The link's saved-state area, which outlives this process and the
	 * device VM: save stores len bytes (0: nothing saved) atomically with
	 * respect to a crash; load returns the saved length (0: none) or
	 * -E2BIG / -EINVAL / -EOPNOTSUPP (no area).
	 */
	int (*save_state)(void *ctx, int vm, const void *buf, uint32_t len);
	int (*load_state)(void *ctx, int vm, void *buf, uint32_t cap);
};

struct dm_kmod {
	const struct dm_kmod_ops *ops;
	void *ctx;
};

/* Opens /dev/splitvirt (or path) for the ioctl implementation. */
int dm_kmod_open(struct dm_kmod *km, const char *path);
void dm_kmod_close(struct dm_kmod *km);

#endif
