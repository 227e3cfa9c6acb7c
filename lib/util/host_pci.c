// SPDX-License-Identifier: GPL-2.0
/* Host PCI function addresses and what sysfs says about them (host_pci.h). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <splitvirt/host_pci.h>

/*
 * One field of up to max hex digits, ending at stop ('\0': the end of the
 * text); advances *p past stop. The value, or -1.
 */
static long hex_field(const char **p, unsigned int max, char stop)
{
	const char *s = *p;
	unsigned long v = 0;
	unsigned int n;

	/* Not strtoul(): it takes signs, blanks and "0x", which are no part of an address. */
	for (n = 0; isxdigit((unsigned char)*s) && n < max; s++, n++) {
		int c = tolower((unsigned char)*s);

		v = v * 16 + (unsigned long)(isdigit(c) ? c - '0' : c - 'a' + 10);
	}
	if (n == 0 || *s != stop)
		return -1;
	*p = stop ? s + 1 : s;
	return (long)v;
}

int sv_pci_bdf_parse(const char *text, char out[SV_PCI_BDF_SIZE])
{
	const char *colon = text ? strchr(text, ':') : NULL;
	const char *p = text;
	long dom = 0, bus, dev, fn;

	if (!colon)
		return -EINVAL;
	/* Two colons: the domain is given. */
	if (strchr(colon + 1, ':'))
		dom = hex_field(&p, 4, ':');
	bus = dom < 0 ? -1 : hex_field(&p, 2, ':');
	dev = bus < 0 ? -1 : hex_field(&p, 2, '.');
	fn = dev < 0 ? -1 : hex_field(&p, 1, '\0');
	if (fn < 0 || dev > 0x1f || fn > 7)
		return -EINVAL;
	/* The masks change nothing (the digits are counted); they tell the compiler so. */
	snprintf(out, SV_PCI_BDF_SIZE, "%04x:%02x:%02x.%x", (unsigned int)dom & 0xffff,
		 (unsigned int)bus & 0xff, (unsigned int)dev & 0x1f, (unsigned int)fn & 7);
	return 0;
}

/* $name if set and not empty, else fallback: the one place the roots are read. */
static const char *root_from_env(const char *name, const char *fallback)
{
	const char *root = getenv(name);

	return root && *root ? root : fallback;
}

const char *sv_sysfs_root(void)
{
	return root_from_env("SPLITVIRT_SYSFS", "/sys");
}

const char *sv_devfs_root(void)
{
	return root_from_env("SPLITVIRT_DEVFS", "/dev");
}

static int vpath(char *buf, size_t size, const char *root, const char *fmt, va_list ap)
{
	int n = snprintf(buf, size, "%s", root);

	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	n += vsnprintf(buf + n, size - (size_t)n, fmt, ap);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int sv_sysfs_path(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vpath(buf, size, sv_sysfs_root(), fmt, ap);
	va_end(ap);
	return ret;
}

int sv_devfs_path(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vpath(buf, size, sv_devfs_root(), fmt, ap);
	va_end(ap);
	return ret;
}

int sv_host_pci_check(const char *bdf)
{
	char path[512];
	struct stat st;
	int ret = sv_sysfs_path(path, sizeof(path), "/bus/pci/devices/%s", bdf);

	if (ret)
		return ret;
	if (stat(path, &st) < 0)
		return -errno;
	ret = sv_sysfs_path(path, sizeof(path), "/bus/pci/devices/%s/iommu_group", bdf);
	if (ret)
		return ret;
	/* The link to /sys/kernel/iommu_groups/N exists only when an IOMMU covers the device. */
	if (stat(path, &st) < 0)
		return errno == ENOENT ? -ENXIO : -errno;
	return 0;
}

int sv_host_pci_link(const char *bdf, const char *link, char *name, size_t size)
{
	char path[512], target[512];
	const char *base;
	ssize_t n;
	int ret = sv_sysfs_path(path, sizeof(path), "/bus/pci/devices/%s/%s", bdf, link);

	if (ret)
		return ret;
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0 && errno != ENOENT)
		return -errno;
	target[n < 0 ? 0 : n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= size)
		return -ENAMETOOLONG;
	memcpy(name, base, strlen(base) + 1);
	return 0;
}

const char *sv_host_pci_strerror(int err)
{
	switch (err) {
	case -ENOENT:
		return "no such PCI device (lspci -D lists the host's)";
	case -ENXIO:
		return "in no IOMMU group: the host has no IOMMU for it, or it is off (docs/passthrough.md)";
	default:
		return strerror(-err);
	}
}
