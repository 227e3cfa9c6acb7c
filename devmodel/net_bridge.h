/* SPDX-License-Identifier: GPL-2.0 */
/* Plugging a tap into a Linux bridge of the device VM. */
#ifndef DEVMODEL_NET_BRIDGE_H
#define DEVMODEL_NET_BRIDGE_H

/*
 * Adds interface ifname to bridge (SIOCBRADDIF) and brings it up
 * (SIOCSIFFLAGS). -ENODEV if either does not exist.
 */
int dm_bridge_add_if(const char *bridge, const char *ifname);

#endif
