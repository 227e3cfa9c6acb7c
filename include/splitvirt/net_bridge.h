/* SPDX-License-Identifier: GPL-2.0 */
/* Plugging a tap into a Linux bridge (the vmm on a host, the devmodel in a device VM). */
#ifndef SPLITVIRT_NET_BRIDGE_H
#define SPLITVIRT_NET_BRIDGE_H

/*
 * Adds interface ifname to bridge (SIOCBRADDIF) and brings it up
 * (SIOCSIFFLAGS). -ENODEV if either does not exist.
 */
int sv_bridge_add_if(const char *bridge, const char *ifname);

#endif
