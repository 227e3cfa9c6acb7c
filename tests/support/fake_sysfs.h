/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake sysfs and /dev for host PCI functions (SPLITVIRT_SYSFS and
 * SPLITVIRT_DEVFS, include/splitvirt/host_pci.h), laid out as the kernel
 * does: the links are real symlinks, the bind files plain files that keep
 * what was written last.
 */
#ifndef TESTS_SUPPORT_FAKE_SYSFS_H
#define TESTS_SUPPORT_FAKE_SYSFS_H

#include <stddef.h>

/*
 * Creates a temporary folder with sys/ and dev/ in it and points
 * SPLITVIRT_SYSFS and SPLITVIRT_DEVFS there; root gets the folder (at
 * least 64 bytes). Returns 0 or -1.
 */
int fake_sysfs_create(char *root, size_t size);
/* Removes the folder and unsets the variables. */
void fake_sysfs_remove(const char *root);

/* ROOT/sys/bus/pci/drivers/NAME with empty bind and unbind files. */
int fake_sysfs_add_driver(const char *root, const char *name);
/* Without it, as if its module were not loaded. */
void fake_sysfs_remove_driver(const char *root, const char *name);
/*
 * PCI function bdf: its folder under ROOT/sys/devices/pci0000:00, linked
 * from bus/pci/devices, with an empty driver_override; in IOMMU group
 * group (< 0: none; its /dev/vfio node is created, mode 0600) and bound
 * to driver (NULL: none; the driver is added).
 */
int fake_sysfs_add_pci(const char *root, const char *bdf, int group, const char *driver);

/* The text of ROOT/rest ("" if empty, NULL if missing); the caller frees it. */
char *fake_sysfs_read(const char *root, const char *rest);

#endif
