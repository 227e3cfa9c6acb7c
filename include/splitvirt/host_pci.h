/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host PCI functions for passthrough (docs/passthrough.md): the address
 * syntax the topology and the vmm accept, what sysfs says about a
 * function, and where sysfs and the device nodes are, so that tests can
 * point every path at a fake tree.
 */
#ifndef SPLITVIRT_HOST_PCI_H
#define SPLITVIRT_HOST_PCI_H

#include <stddef.h>

/* "DDDD:BB:DD.F" and its NUL: a PCI function as sysfs and `lspci -D` name it. */
#define SV_PCI_BDF_SIZE 13
/* The form messages ask for. */
#define SV_PCI_BDF_FORM "DDDD:BB:DD.F as lspci -D shows it (e.g. 0000:01:00.0), or BB:DD.F"

/*
 * Parses a PCI function address, "DDDD:BB:DD.F" or "BB:DD.F" (domain 0),
 * hex digits only (up to 4 for the domain, 2 for the bus and the device, 1
 * for the function; device <= 0x1f, function <= 7), and writes it to out in
 * sysfs' full lower-case form. Returns 0, or -EINVAL (out untouched).
 */
int sv_pci_bdf_parse(const char *text, char out[SV_PCI_BDF_SIZE]);

/* The sysfs root: $SPLITVIRT_SYSFS (a fake tree, for tests), else "/sys". */
const char *sv_sysfs_root(void);
/* The device-node root: $SPLITVIRT_DEVFS (a fake tree, for tests), else "/dev". */
const char *sv_devfs_root(void);

/*
 * buf = sv_sysfs_root() (or sv_devfs_root()) followed by the formatted
 * rest, e.g. "/bus/pci/devices/%s/driver". 0, or -ENAMETOOLONG.
 */
int sv_sysfs_path(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int sv_devfs_path(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Whether the host has PCI function bdf (normalised) in an IOMMU group, as
 * VFIO needs: 0, -ENOENT (no such PCI device), -ENXIO (in no IOMMU group),
 * or the errno of looking.
 */
int sv_host_pci_check(const char *bdf);
/*
 * The name sysfs link /bus/pci/devices/<bdf>/<link> points at (its last
 * part): the driver's name for "driver", the group number for
 * "iommu_group"; "" when there is no such link. 0 or -errno.
 */
int sv_host_pci_link(const char *bdf, const char *link, char *name, size_t size);
/* What sv_host_pci_check()'s errors mean for a user, with the fix. */
const char *sv_host_pci_strerror(int err);

#endif
