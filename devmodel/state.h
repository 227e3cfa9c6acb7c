/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The saved state of one link: what a devmodel restarted after a crash (or
 * started in a restarted device VM) needs to take over the driver VM's
 * devices without the driver VM noticing more than failed in-flight
 * requests (docs/devmodel.md, "Crash containment"). Per function: the
 * guest-programmed virtio-pci state and the kick/call doorbell indices the
 * driver side's KVM ioeventfds and irqfds are bound to.
 *
 * It is a fixed-size binary image for the same build (magic, version,
 * size, FNV-1a checksum) kept in the link's saved-state area through the
 * module (<splitvirt/state_area.h>: a reader sees an old or a new image,
 * never a torn one). What is read back is still checked field by field
 * before use: an earlier device VM may have been compromised.
 */
#ifndef DEVMODEL_STATE_H
#define DEVMODEL_STATE_H

#include <stddef.h>
#include <stdint.h>

#include <splitvirt/virtio_pci.h>

#include "link.h"

#define DM_STATE_MAGIC "SVDMSTAT"
#define DM_STATE_VERSION 3 /* 3: the driver side's epoch */

struct dm_fn_state {
	uint32_t type; /* enum dm_dev_type */
	int16_t kick[VIRTIO_HOST_MAX_QUEUES]; /* -1: none allocated */
	int16_t call[VIRTIO_HOST_MAX_VECTORS];
	struct virtio_pci_state pci;
};

struct dm_link_state {
	char magic[8];
	uint32_t version;
	uint32_t size; /* sizeof(struct dm_link_state) */
	uint32_t link_id;
	char driver[SV_LINK_SPEC_NAME_MAX + 1];
	uint32_t driver_epoch; /* the driver VM incarnation served (RPC epoch; 0: unknown) */
	uint32_t nr_fns;
	uint32_t nr_kicks, nr_calls; /* the link's usable doorbells */
	uint32_t next_kick, next_call; /* indices handed out so far */
	struct dm_fn_state fns[SV_LINK_MAX_DEVICES];
	uint64_t checksum; /* FNV-1a over everything before it */
};

/* Bytes that describe the state (everything but the checksum): compare these. */
#define DM_STATE_CMP_LEN offsetof(struct dm_link_state, checksum)

/* Snapshot of link l (checksum left 0). */
void dm_state_capture(struct dm_link *l, struct dm_link_state *st);
/*
 * Whether st can describe link l: same link, driver VM, devices and
 * doorbell counts, doorbell indices in range and distinct. 0, or -EINVAL
 * with the reason in *why. The virtio-pci states are checked by
 * virtio_pci_restore() when applied.
 */
int dm_state_check(const struct dm_link_state *st, const struct dm_link *l, const char **why);

/* Sets the checksum: st is ready to be saved. */
void dm_state_seal(struct dm_link_state *st);
/*
 * Whether the len bytes read back into st are a sealed image of this
 * build (size, magic, version, checksum): 0 or -EINVAL.
 */
int dm_state_unseal(const struct dm_link_state *st, int len);

#endif
