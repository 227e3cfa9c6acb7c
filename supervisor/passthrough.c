// SPDX-License-Identifier: GPL-2.0
/*
 * The supervisor's half of PCI passthrough (docs/passthrough.md). The vmm
 * opens its PCI functions through VFIO itself, which needs each function
 * bound to vfio-pci and, when the vmm runs as the VM's own user, that user
 * owning the function's VFIO group node. Both take root, so the supervisor
 * does them before the VM's first start. The functions stay with vfio-pci
 * for the whole run, so a restarted or rebooted VM finds them again, and go
 * back to the driver they had when the run ends.
 *
 * Every path goes through sv_sysfs_path() and sv_devfs_path(), so the tests
 * run this on a fake tree, where the kernel's bind files are plain files.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <splitvirt/host_pci.h>
#include <splitvirt/log.h>

#include "supervisor.h"

#define VFIO_DRIVER "vfio-pci"

/* Writes value in one write, as `echo value > path` does. */
static int write_value(const char *path, const char *value)
{
	size_t len = strlen(value);
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ssize_t n;
	int ret = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, value, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	close(fd);
	return ret;
}

/*
 * Writes value to the sysfs file fmt names (under the root); on failure
 * logs "WHO: cannot write 'VALUE' to PATH: ERROR" at level.
 */
static int sysfs_write(enum sv_log_level level, const char *who, const char *value, const char *fmt,
		       ...) __attribute__((format(printf, 4, 5)));
static int sysfs_write(enum sv_log_level level, const char *who, const char *value, const char *fmt,
		       ...)
{
	char rest[PATH_MAX], path[PATH_MAX];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vsnprintf(rest, sizeof(rest), fmt, ap) < (int)sizeof(rest) ? 0 : -ENAMETOOLONG;
	va_end(ap);
	ret = ret ?: sv_sysfs_path(path, sizeof(path), "%s", rest);
	ret = ret ?: write_value(path, value);
	if (ret)
		sv_log(level, "%s: cannot write '%.*s' to %s%s: %s", who, (int)strcspn(value, "\n"),
		       value, sv_sysfs_root(), rest, strerror(-ret));
	return ret;
}

static struct sup_pci_fn *find_fn(struct sup_passthrough *pt, const char *bdf)
{
	for (unsigned int k = 0; k < pt->nr; k++) {
		if (!strcmp(pt->fns[k].bdf, bdf))
			return &pt->fns[k];
	}
	return NULL;
}

/* Another function of fn's IOMMU group, or NULL; with other_vm_only, one of another VM. */
static const struct sup_pci_fn *group_peer(const struct sup_passthrough *pt,
					   const struct sup_pci_fn *fn, bool other_vm_only)
{
	for (unsigned int k = 0; k < pt->nr; k++) {
		const struct sup_pci_fn *peer = &pt->fns[k];

		if (peer != fn && !strcmp(peer->group, fn->group) &&
		    (!other_vm_only || peer->vm != fn->vm))
			return peer;
	}
	return NULL;
}

/* Records function bdf of VM vm with its driver and group as the host has them now. */
static int add_fn(struct sup_passthrough *pt, const struct sv_topology *t, unsigned int vm,
		  const char *bdf, const char *who, struct sup_pci_fn **out)
{
	const struct sup_pci_fn *peer;
	struct sup_pci_fn *fn;
	int ret;

	/* Validation allows no more: at most 8 per VM, none twice. */
	if (pt->nr == sizeof(pt->fns) / sizeof(pt->fns[0])) {
		pr_err("%s: more than %u PCI functions in one run", who, pt->nr);
		return -ENOSPC;
	}
	fn = &pt->fns[pt->nr];
	ret = sv_host_pci_check(bdf);
	if (ret) {
		pr_err("%s: %s", who, sv_host_pci_strerror(ret));
		return ret;
	}
	memset(fn, 0, sizeof(*fn));
	snprintf(fn->bdf, sizeof(fn->bdf), "%s", bdf);
	fn->vm = vm;
	ret = sv_host_pci_link(bdf, "iommu_group", fn->group, sizeof(fn->group));
	if (!ret && !fn->group[0])
		ret = -ENXIO; /* gone since the check */
	ret = ret ?: sv_host_pci_link(bdf, "driver", fn->driver, sizeof(fn->driver));
	if (ret) {
		pr_err("%s: cannot read its IOMMU group and driver in %s: %s", who, sv_sysfs_root(),
		       strerror(-ret));
		return ret;
	}
	/* One container, so one vmm, holds a group: all of it goes to one VM. */
	peer = group_peer(pt, fn, true);
	if (peer) {
		pr_err("%s: it shares IOMMU group %s with %s of VM '%s', and VFIO gives a group to one VM; pass both to the same VM",
		       who, fn->group, peer->bdf, t->vms[peer->vm].name);
		return -EBUSY;
	}
	pt->nr++;
	*out = fn;
	return 0;
}

/* driver_override first: once unbound, no other driver may grab it. */
static int bind_vfio(struct sup_pci_fn *fn, const char *who, const char *vmname)
{
	char path[PATH_MAX];
	int ret = sv_sysfs_path(path, sizeof(path), "/bus/pci/drivers/" VFIO_DRIVER);

	if (!ret && access(path, F_OK) < 0)
		ret = -errno;
	if (ret) {
		pr_err("%s: " VFIO_DRIVER " is not loaded: modprobe " VFIO_DRIVER " (no %s: %s)",
		       who, path, strerror(-ret));
		return ret;
	}
	ret = sysfs_write(SV_LOG_ERROR, who, VFIO_DRIVER, "/bus/pci/devices/%s/driver_override",
			  fn->bdf);
	if (ret)
		return ret;
	fn->overridden = true;
	if (fn->driver[0])
		ret = sysfs_write(SV_LOG_ERROR, who, fn->bdf, "/bus/pci/devices/%s/driver/unbind",
				  fn->bdf);
	ret = ret   ?:
		      sysfs_write(SV_LOG_ERROR, who, fn->bdf,
				  "/bus/pci/drivers/" VFIO_DRIVER "/bind");
	if (ret)
		return ret;
	fn->bound = true;
	if (fn->driver[0])
		pr_info("passthrough %s: taken from %s for VM '%s'", fn->bdf, fn->driver, vmname);
	else
		pr_info("passthrough %s: bound to " VFIO_DRIVER " (it had no driver) for VM '%s'",
			fn->bdf, vmname);
	return 0;
}

/*
 * The container node grants nothing by itself (a group fd is needed too);
 * udev and the kernel make it 0666. Only checked: a host that closed it
 * did so on purpose.
 */
static int check_container_node(const char *who)
{
	char path[PATH_MAX];
	struct stat st;
	int ret = sv_devfs_path(path, sizeof(path), "/vfio/vfio");

	if (!ret && stat(path, &st) < 0)
		ret = -errno;
	if (ret) {
		pr_err("%s: cannot use %s: %s (modprobe " VFIO_DRIVER " loads VFIO)", who, path,
		       strerror(-ret));
		return ret;
	}
	if ((st.st_mode & 0006) != 0006) {
		pr_err("%s: %s is mode %o, so the VM's user cannot open it; make it 0666 as udev does (chmod 0666 %s)",
		       who, path, (unsigned int)(st.st_mode & 07777), path);
		return -EACCES;
	}
	return 0;
}

/* The sandboxed vmm, as the VM's user, opens /dev/vfio/<group> itself. */
static int give_group(struct sup_passthrough *pt, struct sup_pci_fn *fn, uid_t uid, const char *who)
{
	const struct sup_pci_fn *peer = group_peer(pt, fn, false);
	char path[PATH_MAX];
	struct stat st;
	int ret;

	/* Another function of the group (of this VM, add_fn() saw to it) has it already. */
	if (peer && peer->chowned)
		return 0;
	ret = check_container_node(who);
	if (ret)
		return ret;
	ret = sv_devfs_path(path, sizeof(path), "/vfio/%s", fn->group);
	if (!ret && stat(path, &st) < 0)
		ret = -errno;
	if (!ret && chown(path, uid, (gid_t)uid) < 0)
		ret = -errno;
	if (ret) {
		pr_err("%s: cannot give its VFIO group %s to uid %u: %s", who, path,
		       (unsigned int)uid, strerror(-ret));
		return ret;
	}
	fn->chowned = true;
	fn->group_uid = st.st_uid;
	fn->group_gid = st.st_gid;
	pr_debug("%s: %s now belongs to uid %u", who, path, (unsigned int)uid);
	return 0;
}

int sup_passthrough_take(struct sup_passthrough *pt, const struct sv_topology *t, unsigned int vm,
			 const struct sup_sandbox *sb)
{
	const struct sv_topo_vm *v = &t->vms[vm];

	if (pt->taken[vm])
		return 0;
	for (unsigned int j = 0; j < v->nr_passthrough; j++) {
		const char *bdf = v->passthrough[j].bdf;
		struct sup_pci_fn *fn = find_fn(pt, bdf);
		char who[96];
		int ret = 0;

		snprintf(who, sizeof(who), "VM '%s': passthrough %s", v->name, bdf);
		/* Known: an earlier attempt failed part-way; it goes on from there. */
		if (!fn) {
			ret = add_fn(pt, t, vm, bdf, who, &fn);
			if (!ret && !strcmp(fn->driver, VFIO_DRIVER))
				pr_info("passthrough %s: on " VFIO_DRIVER
					" already, for VM '%s' (left there at the end)",
					bdf, v->name);
		}
		if (!ret && !fn->bound && strcmp(fn->driver, VFIO_DRIVER))
			ret = bind_vfio(fn, who, v->name);
		if (!ret && sb->drop && !fn->chowned)
			ret = give_group(pt, fn, sup_sandbox_uid(sb, vm), who);
		if (ret)
			return ret;
	}
	pt->taken[vm] = true;
	return 0;
}

/* As bind_vfio() left it, undone in reverse; stops at the first step that fails. */
static void give_back_fn(const struct sup_pci_fn *fn)
{
	char who[128];
	int ret = 0;

	snprintf(who, sizeof(who), "passthrough %s: not given back to %s (see docs/passthrough.md)",
		 fn->bdf, fn->driver[0] ? fn->driver : "the host");
	if (fn->bound)
		ret = sysfs_write(SV_LOG_WARN, who, fn->bdf,
				  "/bus/pci/drivers/" VFIO_DRIVER "/unbind");
	ret = ret   ?:
		      sysfs_write(SV_LOG_WARN, who, "\n", "/bus/pci/devices/%s/driver_override",
				  fn->bdf);
	if (ret)
		return;
	if (fn->driver[0]) {
		if (!sysfs_write(SV_LOG_WARN, who, fn->bdf, "/bus/pci/drivers/%s/bind", fn->driver))
			pr_info("passthrough %s: given back to %s", fn->bdf, fn->driver);
	} else if (!sysfs_write(SV_LOG_WARN, who, fn->bdf, "/bus/pci/drivers_probe")) {
		pr_info("passthrough %s: given back to the host (it had no driver: probed again)",
			fn->bdf);
	}
}

void sup_passthrough_give_back(struct sup_passthrough *pt)
{
	/* Group nodes first: one goes away with its group's last vfio-pci function. */
	for (unsigned int k = 0; k < pt->nr; k++) {
		const struct sup_pci_fn *fn = &pt->fns[k];
		char path[PATH_MAX];

		if (!fn->chowned || sv_devfs_path(path, sizeof(path), "/vfio/%s", fn->group))
			continue;
		if (chown(path, fn->group_uid, fn->group_gid) < 0 && errno != ENOENT)
			pr_warn("passthrough %s: cannot give %s back to uid %u: %s", fn->bdf, path,
				(unsigned int)fn->group_uid, strerror(errno));
	}
	for (unsigned int k = 0; k < pt->nr; k++) {
		if (pt->fns[k].overridden)
			give_back_fn(&pt->fns[k]);
	}
	memset(pt, 0, sizeof(*pt));
}
