/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The saved-state area of a link: a memfd the supervisor creates per link
 * and keeps for the whole run, that only the device VM maps (the dataport's
 * BAR2, after the iobuf, see <splitvirt/dataport.h>). It outlives the
 * devmodel and the device VM itself, so a devmodel restarted in the same
 * or in a restarted device VM takes the driver VM's devices over from it.
 * Kernel-compatible: splitvirt.ko reads and writes it; the devmodel's fake
 * module in the unit tests uses the same code.
 *
 * Layout: a 64-byte header, then two slots of (size - 64) / 2 bytes
 * (rounded down to 64). The header's seq names the current slot (seq & 1);
 * seq 0 means "nothing saved". len[i] is the byte count of slot i.
 *
 * Crash consistency: one writer at a time (the devmodel serving the link,
 * through the module). A write fills the slot seq does not name and its
 * len, then publishes seq + 1 with a store-release; a reader loads seq
 * with acquire and copies the named slot once. A writer that dies at any
 * instant leaves seq naming a complete slot: the old one, or the new one
 * once published. What is read is not trusted: a previous incarnation of
 * the device VM may have been compromised and scribbled anything, so the
 * blob carries its own checksum and is validated field by field by its
 * user (devmodel/state.c); here only lengths are bounded.
 */
#ifndef SPLITVIRT_STATE_AREA_H
#define SPLITVIRT_STATE_AREA_H

#include <linux/types.h>

#define SV_STATE_AREA_HDR 64u
/* What the supervisor creates: two copies of a devmodel link state. */
#define SV_STATE_AREA_SIZE (64u * 1024u)
#define SV_STATE_AREA_MAX (1024u * 1024u)

/* Bytes one slot holds in an area of size bytes (0 if size is too small). */
__u32 sv_state_area_capacity(__u32 size);

/*
 * Saves len bytes of buf as the area's content (len 0: "nothing saved").
 * -EINVAL for an unusable area size, -E2BIG if len exceeds the capacity.
 */
int sv_state_area_write(void *area, __u32 size, const void *buf, __u32 len);

/*
 * Copies the area's content into buf (cap bytes): returns its length, 0
 * when nothing is saved, -E2BIG if it does not fit in cap, -EINVAL for a
 * length no writer could have stored or an unusable area size.
 */
int sv_state_area_read(const void *area, __u32 size, void *buf, __u32 cap);

#endif
