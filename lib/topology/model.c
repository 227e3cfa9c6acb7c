// SPDX-License-Identifier: GPL-2.0
/* The resolved topology model: lifetime, names and the device VM's link parameters. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <splitvirt/link_spec.h>
#include <splitvirt/topology.h>

static void free_vm(struct sv_topo_vm *vm)
{
	free(vm->name);
	free(vm->kernel);
	free(vm->initrd);
	free(vm->cmdline);
	for (unsigned int i = 0; i < vm->nr_disks; i++)
		free(vm->disks[i].path);
	free(vm->disks);
	for (unsigned int i = 0; i < vm->nr_nets; i++) {
		free(vm->nets[i].tap);
		free(vm->nets[i].mac);
		free(vm->nets[i].bridge);
	}
	free(vm->nets);
	free(vm->passthrough);
	for (unsigned int i = 0; i < vm->nr_devs; i++) {
		free(vm->devs[i].from);
		free(vm->devs[i].backing);
		free(vm->devs[i].tag);
		free(vm->devs[i].bridge);
		free(vm->devs[i].mac);
	}
	free(vm->devs);
}

void sv_topo_free(struct sv_topology *topo)
{
	if (!topo)
		return;
	for (unsigned int i = 0; i < topo->nr_vms; i++)
		free_vm(&topo->vms[i]);
	free(topo->vms);
	free(topo->links);
	free(topo->path);
	free(topo->dir);
	free(topo->name);
	free(topo);
}

const char *sv_topo_role_name(enum sv_topo_role role)
{
	switch (role) {
	case SV_TOPO_DEVICE:
		return "device";
	case SV_TOPO_DRIVER:
		return "driver";
	case SV_TOPO_STANDALONE:
		return "standalone";
	}
	return "?";
}

int sv_topo_find_vm(const struct sv_topology *topo, const char *name)
{
	for (unsigned int i = 0; i < topo->nr_vms; i++) {
		if (topo->vms[i].name && !strcmp(topo->vms[i].name, name))
			return (int)i;
	}
	return -ENOENT;
}

/* snprintf that keeps a running length and never writes past size. */
static void append(char *buf, size_t size, size_t *len, const char *fmt, const char *a,
		   const char *b)
{
	size_t room = *len < size ? size - *len : 0;
	int n = snprintf(room ? buf + *len : NULL, room, fmt, a, b);

	if (n > 0)
		*len += (size_t)n;
}

/* The parameter's arrays must hold what validation lets through. */
_Static_assert(SV_LINK_MAX_DEVICES == SV_LINK_MAX_DEVICES, "devices per link");
_Static_assert(SV_TOPO_NAME_MAX == SV_LINK_SPEC_NAME_MAX, "VM names");

/* Copies src into a fixed array; -EINVAL where it does not fit (the writer would miss it). */
static int copy_str(char *dst, size_t size, const char *src)
{
	return (size_t)snprintf(dst, size, "%s", src ? src : "") < size ? 0 : -EINVAL;
}

int sv_topo_dev_spec(const struct sv_topo_dev *dev, struct sv_dev_spec *d)
{
	*d = (struct sv_dev_spec){ .type = dev->type,
				   .read_only = dev->readonly,
				   .backend = dev->backend };
	d->has_mac = dev->mac != NULL;
	if (d->has_mac && sv_dev_parse_mac(dev->mac, d->mac))
		return -EINVAL;
	return copy_str(d->path, sizeof(d->path), dev->backing)		   ?:
		       copy_str(d->bridge, sizeof(d->bridge), dev->bridge) ?:
		       copy_str(d->tag, sizeof(d->tag), dev->tag);
}

int sv_topo_link_param(const struct sv_topology *topo, const struct sv_topo_link *link, char *buf,
		       size_t size)
{
	const struct sv_topo_vm *drv = &topo->vms[link->driver];
	struct sv_link_spec spec = { .id = link->id, .nr_devs = link->nr_devs };
	int ret;

	if (link->nr_devs > SV_LINK_MAX_DEVICES)
		return -EINVAL;
	ret = copy_str(spec.driver, sizeof(spec.driver), drv->name);
	for (unsigned int i = 0; i < link->nr_devs && !ret; i++)
		ret = sv_topo_dev_spec(&drv->devs[link->devs[i]], &spec.devs[i]);
	return ret ?: sv_link_spec_format(&spec, buf, size);
}

/* Whether the kernel command line sets word key (e.g. "panic=") itself. */
static bool cmdline_has(const char *cmdline, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = cmdline; (p = strstr(p, key)); p += n)
		if (p == cmdline || p[-1] == ' ')
			return true;
	return false;
}

int sv_topo_vm_cmdline(const struct sv_topology *topo, unsigned int vm, char *buf, size_t size)
{
	const struct sv_topo_vm *v = &topo->vms[vm];
	size_t len = 0;

	append(buf, size, &len, "%s%s", "", v->cmdline);
	/*
	 * A device VM whose kernel dies must come back like one whose vmm
	 * dies: a panic then reboots it (PSCI reset), and the supervisor
	 * restarts it, instead of it hanging while its driver VMs wait.
	 */
	if (v->role == SV_TOPO_DEVICE && v->restart == SV_TOPO_RESTART_ON_FAILURE &&
	    !cmdline_has(v->cmdline, "panic="))
		append(buf, size, &len, "%s%s", len ? " " : "", "panic=1");
	/*
	 * The DMA windows are memory above 4 GiB, which makes an arm64 kernel
	 * set aside a 64 MiB default bounce buffer in its low RAM for devices
	 * that cannot reach there. A driver VM has none such: its windowed
	 * links bounce through their own pools, its other devices need none.
	 */
	if (v->role == SV_TOPO_DRIVER && v->dma_window && !cmdline_has(v->cmdline, "swiotlb="))
		append(buf, size, &len, "%s%s", len ? " " : "", "swiotlb=noforce");
	for (unsigned int i = 0; i < topo->nr_links; i++) {
		const struct sv_topo_link *link = &topo->links[i];
		size_t room;
		int n;

		if (link->device != vm)
			continue;
		append(buf, size, &len, "%s%s", len ? " " : "", "");
		room = len < size ? size - len : 0;
		n = sv_topo_link_param(topo, link, room ? buf + len : NULL, room);
		if (n < 0)
			return n;
		len += (size_t)n;
	}
	if (size && len >= size)
		buf[size - 1] = '\0';
	return len > INT_MAX ? -EOVERFLOW : (int)len;
}
