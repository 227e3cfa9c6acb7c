// SPDX-License-Identifier: GPL-2.0
/* A fake sysfs and /dev for host PCI functions (fake_sysfs.h). */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake_sysfs.h"

/* Makes the folder at ROOT/<formatted path> and its parents. */
static int mkdirs(const char *root, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int mkdirs(const char *root, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	size_t n = (size_t)snprintf(path, sizeof(path), "%s/", root);

	va_start(ap, fmt);
	vsnprintf(path + n, sizeof(path) - n, fmt, ap);
	va_end(ap);
	for (char *p = path + n; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0755) < 0 && access(path, F_OK) < 0)
			return -1;
		*p = '/';
	}
	return mkdir(path, 0755) < 0 && access(path, F_OK) < 0 ? -1 : 0;
}

static int make_file(const char *root, const char *rest, mode_t mode)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rest);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fclose(f);
	return chmod(path, mode);
}

static int make_link(const char *root, const char *rest, const char *target)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rest);
	return symlink(target, path);
}

int fake_sysfs_create(char *root, size_t size)
{
	char var[PATH_MAX];

	if (snprintf(root, size, "/tmp/sv-sysfs-XXXXXX") >= (int)size || !mkdtemp(root))
		return -1;
	if (mkdirs(root, "sys/bus/pci/drivers") || mkdirs(root, "sys/devices/pci0000:00") ||
	    mkdirs(root, "sys/bus/pci/devices") || mkdirs(root, "sys/kernel/iommu_groups") ||
	    mkdirs(root, "dev/vfio") || make_file(root, "sys/bus/pci/drivers_probe", 0600) ||
	    make_file(root, "dev/vfio/vfio", 0666))
		return -1;
	snprintf(var, sizeof(var), "%s/sys", root);
	setenv("SPLITVIRT_SYSFS", var, 1);
	snprintf(var, sizeof(var), "%s/dev", root);
	setenv("SPLITVIRT_DEVFS", var, 1);
	return 0;
}

static void remove_tree(const char *path)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "# cannot remove %s\n", path);
}

void fake_sysfs_remove(const char *root)
{
	unsetenv("SPLITVIRT_SYSFS");
	unsetenv("SPLITVIRT_DEVFS");
	remove_tree(root);
}

void fake_sysfs_remove_driver(const char *root, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/sys/bus/pci/drivers/%s", root, name);
	remove_tree(path);
}

int fake_sysfs_add_driver(const char *root, const char *name)
{
	char rest[PATH_MAX];

	if (mkdirs(root, "sys/bus/pci/drivers/%s", name))
		return -1;
	snprintf(rest, sizeof(rest), "sys/bus/pci/drivers/%s/bind", name);
	if (make_file(root, rest, 0600))
		return -1;
	snprintf(rest, sizeof(rest), "sys/bus/pci/drivers/%s/unbind", name);
	return make_file(root, rest, 0600);
}

int fake_sysfs_add_pci(const char *root, const char *bdf, int group, const char *driver)
{
	char rest[PATH_MAX], target[PATH_MAX];

	if (mkdirs(root, "sys/devices/pci0000:00/%s", bdf))
		return -1;
	snprintf(rest, sizeof(rest), "sys/bus/pci/devices/%s", bdf);
	snprintf(target, sizeof(target), "../../../devices/pci0000:00/%s", bdf);
	if (make_link(root, rest, target))
		return -1;
	snprintf(rest, sizeof(rest), "sys/devices/pci0000:00/%s/driver_override", bdf);
	if (make_file(root, rest, 0644))
		return -1;
	if (group >= 0) {
		if (mkdirs(root, "sys/kernel/iommu_groups/%d", group))
			return -1;
		snprintf(rest, sizeof(rest), "sys/devices/pci0000:00/%s/iommu_group", bdf);
		snprintf(target, sizeof(target), "../../../kernel/iommu_groups/%d", group);
		if (make_link(root, rest, target))
			return -1;
		snprintf(rest, sizeof(rest), "dev/vfio/%d", group);
		if (make_file(root, rest, 0600))
			return -1;
	}
	if (!driver)
		return 0;
	if (fake_sysfs_add_driver(root, driver))
		return -1;
	snprintf(rest, sizeof(rest), "sys/devices/pci0000:00/%s/driver", bdf);
	snprintf(target, sizeof(target), "../../../bus/pci/drivers/%s", driver);
	return make_link(root, rest, target);
}

char *fake_sysfs_read(const char *root, const char *rest)
{
	char path[PATH_MAX], *buf;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rest);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	buf = calloc(1, 4096);
	n = buf ? fread(buf, 1, 4095, f) : 0;
	if (buf)
		buf[n] = '\0';
	fclose(f);
	return buf;
}
