/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMM_TAP_BRIDGE_H
#define VMM_TAP_BRIDGE_H

/* Enslaves tap to bridge and sets it up. -ENODEV etc. from the ioctls. */
int tap_bridge_attach(const char *tap, const char *bridge);

#endif
