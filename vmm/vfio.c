// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO for PCI passthrough (see vfio.h): container and groups, the device
 * fd, its regions (with the sparse-mmap capability that keeps the MSI-X
 * table out of what may be mapped), DMA mapping of guest RAM and MSI-X
 * eventfds. The PCI function the guest sees is passthrough.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include <splitvirt/host_pci.h>
#include <splitvirt/log.h>

#include "vfio.h"

#define SYSFS_PCI "/sys/bus/pci/devices"

void vfio_container_init(struct vfio_container *c)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* The devices of IOMMU group id, comma-separated, for error messages. */
static void group_members(int id, char *out, size_t size)
{
	char path[PATH_MAX];
	struct dirent *e;
	size_t len = 0;
	DIR *dir;

	out[0] = '\0';
	if (sv_sysfs_path(path, sizeof(path), "/kernel/iommu_groups/%d/devices", id))
		return;
	dir = opendir(path);
	if (!dir)
		return;
	while ((e = readdir(dir)) && len + 1 < size) {
		if (e->d_name[0] == '.')
			continue;
		len += (size_t)snprintf(out + len, size - len, "%s%s", len ? ", " : "", e->d_name);
	}
	closedir(dir);
}

/* bdf's IOMMU group, once it is known to be with vfio-pci. */
static int group_id_of(const char *bdf)
{
	char name[64], driver[64], *end;
	int ret = sv_host_pci_check(bdf);
	long id;

	if (ret) {
		pr_err("passthrough %s: %s", bdf, sv_host_pci_strerror(ret));
		return ret;
	}
	ret = sv_host_pci_link(bdf, "iommu_group", name, sizeof(name));
	ret = ret ?: sv_host_pci_link(bdf, "driver", driver, sizeof(driver));
	if (ret) {
		pr_err("passthrough %s: reading its IOMMU group and driver: %s", bdf,
		       strerror(-ret));
		return ret;
	}
	id = strtol(name, &end, 10);
	if (!name[0] || *end || id < 0 || id > INT_MAX)
		return -EINVAL;
	if (strcmp(driver, "vfio-pci")) {
		pr_err("passthrough %s: the device is bound to %s, not vfio-pci; give it to vfio-pci: echo vfio-pci > " SYSFS_PCI
		       "/%s/driver_override; %secho %s > /sys/bus/pci/drivers/vfio-pci/bind (modprobe vfio-pci first; splitvirt run does this for a topology's passthrough)",
		       bdf, driver[0] ? driver : "no driver", bdf,
		       driver[0] ? "echo BDF > " SYSFS_PCI "/BDF/driver/unbind; " : "", bdf);
		return -EBUSY;
	}
	return (int)id;
}

static int container_setup(struct vfio_container *c)
{
	char path[PATH_MAX];
	int fd = sv_devfs_path(path, sizeof(path), "/vfio/vfio") ? -1 :
								   open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		int ret = -errno;

		pr_err("passthrough: /dev/vfio/vfio: %s (modprobe vfio-pci)", strerror(errno));
		return ret;
	}
	if (ioctl(fd, VFIO_GET_API_VERSION) != VFIO_API_VERSION ||
	    ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) != 1) {
		pr_err("passthrough: this kernel's VFIO offers no type-1 v2 IOMMU");
		close(fd);
		return -EOPNOTSUPP;
	}
	c->fd = fd;
	return 0;
}

/* The group's index in c, opening and attaching it the first time. */
static int group_attach(struct vfio_container *c, const char *bdf, int id)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	char path[PATH_MAX], members[512];
	unsigned int i;
	int fd, ret;

	for (i = 0; i < c->nr_groups; i++)
		if (c->group_ids[i] == id)
			return (int)i;
	if (c->nr_groups == VFIO_MAX_DEVICES)
		return -E2BIG;
	fd = sv_devfs_path(path, sizeof(path), "/vfio/%d", id) ? -1 :
								 open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		pr_err("passthrough %s: %s: %s%s", bdf, path, strerror(errno),
		       errno == EBUSY ? " (another process, e.g. another vmm, holds the group)" :
					"");
		return ret;
	}
	if (ioctl(fd, VFIO_GROUP_GET_STATUS, &st) < 0 || !(st.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		group_members(id, members, sizeof(members));
		pr_err("passthrough %s: IOMMU group %d is not viable: every device in it (%s) must be bound to vfio-pci or to no driver, and all of them go to this VM",
		       bdf, id, members);
		close(fd);
		return -EPERM;
	}
	if (ioctl(fd, VFIO_GROUP_SET_CONTAINER, &c->fd) < 0) {
		ret = -errno;
		pr_err("passthrough %s: attaching group %d: %s", bdf, id, strerror(errno));
		close(fd);
		return ret;
	}
	if (!c->nr_groups && ioctl(c->fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0) {
		ret = -errno;
		if (errno == EPERM)
			pr_err("passthrough %s: the IOMMU cannot isolate this device's MSIs (no interrupt remapping: a GICv2 without an ITS); a device could then raise any interrupt of the host. To accept that, load vfio_iommu_type1 with allow_unsafe_interrupts=1",
			       bdf);
		else
			pr_err("passthrough %s: VFIO_SET_IOMMU: %s", bdf, strerror(errno));
		close(fd);
		return ret;
	}
	c->groups[c->nr_groups] = fd;
	c->group_ids[c->nr_groups] = id;
	return (int)c->nr_groups++;
}

/* The mmap-able parts of a region, from its sparse-mmap capability. */
static void region_areas(const struct vfio_region_info *info, struct vfio_bar *b)
{
	const char *base = (const char *)info;
	uint32_t off = info->cap_offset;

	b->nr_areas = 0;
	if (!(info->flags & VFIO_REGION_INFO_FLAG_MMAP))
		return;
	while ((info->flags & VFIO_REGION_INFO_FLAG_CAPS) && off &&
	       off + sizeof(struct vfio_info_cap_header) <= info->argsz) {
		const struct vfio_info_cap_header *h = (const void *)(base + off);

		if (h->id == VFIO_REGION_INFO_CAP_SPARSE_MMAP) {
			const struct vfio_region_info_cap_sparse_mmap *sp = (const void *)h;

			for (uint32_t i = 0; i < sp->nr_areas && b->nr_areas < VFIO_MAX_AREAS;
			     i++) {
				if (off + sizeof(*sp) + (i + 1) * sizeof(sp->areas[0]) >
				    info->argsz)
					break;
				if (!sp->areas[i].size ||
				    sp->areas[i].offset + sp->areas[i].size > info->size)
					continue;
				b->areas[b->nr_areas++] = (struct vfio_area){ sp->areas[i].offset,
									      sp->areas[i].size };
			}
			return;
		}
		if (h->next <= off)
			break;
		off = h->next;
	}
	/* No sparse list: all of it. */
	b->areas[0] = (struct vfio_area){ 0, info->size };
	b->nr_areas = 1;
}

static int read_bar(struct vfio_device *d, int i)
{
	char buf[sizeof(struct vfio_region_info) + 512] __attribute__((aligned(8)));
	struct vfio_region_info *info = (struct vfio_region_info *)buf;
	struct vfio_bar *b = &d->bars[i];
	uint32_t reg = 0;

	memset(buf, 0, sizeof(buf));
	info->argsz = sizeof(buf);
	info->index = VFIO_PCI_BAR0_REGION_INDEX + (uint32_t)i;
	if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, info) < 0)
		return -errno;
	if (!info->size)
		return 0;
	b->size = info->size;
	b->offset = info->offset;
	vfio_cfg_read(d, PCI_BASE_ADDRESS_0 + 4 * (uint32_t)i, 4, &reg);
	b->io = reg & PCI_BASE_ADDRESS_SPACE_IO;
	b->mem64 = !b->io && (reg & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64;
	b->prefetch = !b->io && (reg & PCI_BASE_ADDRESS_MEM_PREFETCH);
	region_areas(info, b);
	if (b->nr_areas) {
		b->map = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd,
			      (off_t)b->offset);
		if (b->map == MAP_FAILED) {
			/* Then every access traps: slow, but correct. */
			pr_warn("passthrough %s: BAR%d cannot be mapped (%s); its accesses trap",
				d->bdf, i, strerror(errno));
			b->map = NULL;
			b->nr_areas = 0;
		}
	}
	return 0;
}

static int read_regions(struct vfio_device *d)
{
	struct vfio_region_info cfg = { .argsz = sizeof(cfg),
					.index = VFIO_PCI_CONFIG_REGION_INDEX };
	int ret;

	if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &cfg) < 0)
		return -errno;
	d->cfg_offset = cfg.offset;
	d->cfg_size = cfg.size;
	for (int i = 0; i < 6; i++) {
		ret = read_bar(d, i);
		if (ret)
			return ret;
	}
	for (unsigned int k = VFIO_IRQ_INTX; k <= VFIO_IRQ_MSIX; k++) {
		struct vfio_irq_info irq = { .argsz = sizeof(irq), .index = k };

		if (ioctl(d->fd, VFIO_DEVICE_GET_IRQ_INFO, &irq) == 0)
			d->irq_count[k] = irq.count;
	}
	return 0;
}

int vfio_device_open(struct vfio_container *c, const char *bdf, struct vfio_device *d)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	int id, g, ret;

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	snprintf(d->bdf, sizeof(d->bdf), "%s", bdf);
	id = group_id_of(bdf);
	if (id < 0)
		return id;
	if (c->fd < 0) {
		ret = container_setup(c);
		if (ret)
			return ret;
	}
	g = group_attach(c, bdf, id);
	if (g < 0)
		return g;
	d->group = g;
	d->fd = ioctl(c->groups[g], VFIO_GROUP_GET_DEVICE_FD, d->bdf);
	if (d->fd < 0) {
		ret = -errno;
		pr_err("passthrough %s: VFIO_GROUP_GET_DEVICE_FD: %s", bdf, strerror(errno));
		return ret;
	}
	if (ioctl(d->fd, VFIO_DEVICE_GET_INFO, &info) < 0 ||
	    !(info.flags & VFIO_DEVICE_FLAGS_PCI)) {
		pr_err("passthrough %s: not a VFIO PCI device", bdf);
		return -ENODEV;
	}
	d->can_reset = info.flags & VFIO_DEVICE_FLAGS_RESET;
	/* Whatever a previous user left behind goes. */
	if (d->can_reset && ioctl(d->fd, VFIO_DEVICE_RESET) < 0)
		pr_warn("passthrough %s: reset: %s", bdf, strerror(errno));
	ret = read_regions(d);
	if (ret)
		pr_err("passthrough %s: reading its regions: %s", bdf, strerror(-ret));
	return ret;
}

/* Whether [gpa, gpa + size) lies in one of the IOMMU's usable IOVA ranges. */
static int check_iova(struct vfio_container *c, uint64_t gpa, uint64_t size)
{
	char buf[4096] __attribute__((aligned(8)));
	struct vfio_iommu_type1_info *info = (void *)buf;
	uint32_t off;

	memset(buf, 0, sizeof(buf));
	info->argsz = sizeof(buf);
	if (ioctl(c->fd, VFIO_IOMMU_GET_INFO, info) < 0 || !(info->flags & VFIO_IOMMU_INFO_CAPS))
		return 0; /* an older kernel: MAP_DMA will say */
	for (off = info->cap_offset;
	     off && off + sizeof(struct vfio_info_cap_header) <= sizeof(buf);) {
		const struct vfio_info_cap_header *h = (const void *)(buf + off);

		if (h->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
			const struct vfio_iommu_type1_info_cap_iova_range *r = (const void *)h;

			for (uint32_t i = 0;
			     i < r->nr_iovas &&
			     off + sizeof(*r) + (i + 1) * sizeof(r->iova_ranges[0]) <= sizeof(buf);
			     i++) {
				if (gpa >= r->iova_ranges[i].start &&
				    gpa + size - 1 <= r->iova_ranges[i].end)
					return 0;
			}
			pr_err("passthrough: guest RAM 0x%llx+0x%llx is not inside one usable IOVA range of the IOMMU",
			       (unsigned long long)gpa, (unsigned long long)size);
			return -ERANGE;
		}
		if (h->next <= off)
			break;
		off = h->next;
	}
	return 0;
}

int vfio_dma_map(struct vfio_container *c, uint64_t gpa, uint64_t size, void *host)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uint64_t)(uintptr_t)host,
		.iova = gpa,
		.size = size,
	};
	int ret;

	if (c->dma_mapped || c->fd < 0)
		return 0;
	ret = check_iova(c, gpa, size);
	if (ret)
		return ret;
	if (ioctl(c->fd, VFIO_IOMMU_MAP_DMA, &map) < 0) {
		ret = -errno;
		pr_err("passthrough: mapping guest RAM for DMA: %s%s", strerror(errno),
		       errno == ENOMEM ? " (RLIMIT_MEMLOCK too low to pin the guest's RAM?)" : "");
		return ret;
	}
	c->dma_mapped = true;
	return 0;
}

int vfio_cfg_read(const struct vfio_device *d, uint32_t off, uint32_t size, uint32_t *val)
{
	uint32_t v = 0;

	if (off + size > d->cfg_size ||
	    pread(d->fd, &v, size, (off_t)(d->cfg_offset + off)) != (ssize_t)size) {
		*val = ~0u;
		return -EIO;
	}
	*val = v;
	return 0;
}

int vfio_cfg_write(const struct vfio_device *d, uint32_t off, uint32_t size, uint32_t val)
{
	if (off + size > d->cfg_size ||
	    pwrite(d->fd, &val, size, (off_t)(d->cfg_offset + off)) != (ssize_t)size)
		return -EIO;
	return 0;
}

int vfio_bar_rw(const struct vfio_device *d, int bar, uint64_t off, void *data, unsigned int len,
		bool write)
{
	const struct vfio_bar *b;
	ssize_t n;

	if (bar < 0 || bar >= 6)
		return -EINVAL;
	b = &d->bars[bar];
	if (off >= b->size || len > b->size - off)
		return -EINVAL;
	n = write ? pwrite(d->fd, data, len, (off_t)(b->offset + off)) :
		    pread(d->fd, data, len, (off_t)(b->offset + off));
	return n == (ssize_t)len ? 0 : -EIO;
}

_Static_assert((int)VFIO_IRQ_INTX == (int)VFIO_PCI_INTX_IRQ_INDEX &&
		       (int)VFIO_IRQ_MSI == (int)VFIO_PCI_MSI_IRQ_INDEX &&
		       (int)VFIO_IRQ_MSIX == (int)VFIO_PCI_MSIX_IRQ_INDEX,
	       "our interrupt kinds are VFIO's indexes");

static int irq_set_fds(const struct vfio_device *d, unsigned int index, uint32_t action,
		       const int *fds, unsigned int n)
{
	char buf[sizeof(struct vfio_irq_set) + 4 * 2048] __attribute__((aligned(8)));
	struct vfio_irq_set *set = (struct vfio_irq_set *)buf;

	if (index > VFIO_IRQ_MSIX || n > d->irq_count[index] || n > 2048)
		return -EINVAL;
	memset(buf, 0, sizeof(struct vfio_irq_set));
	set->argsz = (uint32_t)(sizeof(*set) + 4 * n);
	set->flags = (n ? VFIO_IRQ_SET_DATA_EVENTFD : VFIO_IRQ_SET_DATA_NONE) | action;
	set->index = index;
	set->start = 0;
	set->count = n;
	if (n)
		memcpy(set->data, fds, 4 * n);
	return ioctl(d->fd, VFIO_DEVICE_SET_IRQS, set) < 0 ? -errno : 0;
}

int vfio_irq_set(const struct vfio_device *d, enum vfio_irq_kind kind, const int *fds,
		 unsigned int n)
{
	return irq_set_fds(d, kind, VFIO_IRQ_SET_ACTION_TRIGGER, fds, n);
}

int vfio_intx_unmask_fd(const struct vfio_device *d, int fd)
{
	return irq_set_fds(d, VFIO_IRQ_INTX, VFIO_IRQ_SET_ACTION_UNMASK, &fd, 1);
}

void vfio_device_close(struct vfio_device *d)
{
	uint32_t cmd;

	if (d->fd < 0)
		return;
	/* No DMA into a guest that is going away. */
	if (!vfio_cfg_read(d, PCI_COMMAND, 2, &cmd))
		vfio_cfg_write(d, PCI_COMMAND, 2, cmd & ~(uint32_t)PCI_COMMAND_MASTER);
	for (unsigned int k = VFIO_IRQ_INTX; k <= VFIO_IRQ_MSIX; k++)
		if (d->irq_count[k])
			vfio_irq_set(d, k, NULL, 0);
	if (d->can_reset)
		ioctl(d->fd, VFIO_DEVICE_RESET);
	for (int i = 0; i < 6; i++)
		if (d->bars[i].map)
			munmap(d->bars[i].map, d->bars[i].size);
	close(d->fd);
	d->fd = -1;
}

void vfio_container_close(struct vfio_container *c)
{
	for (unsigned int i = 0; i < c->nr_groups; i++)
		close(c->groups[i]);
	if (c->fd >= 0)
		close(c->fd);
	vfio_container_init(c);
}
