// SPDX-License-Identifier: GPL-2.0
/* virtio-blk over a raw image file or block device. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <linux/virtio_ids.h>

#include <splitvirt/device_type.h>
#include <splitvirt/log.h>
#include <splitvirt/strbuf.h>
#include <splitvirt/vhost_user_dev.h>
#include <splitvirt/virtio_blk.h>

#include "devices.h"

#define RO_SUFFIX ":ro"
#define RO_SUFFIX_LEN (sizeof(RO_SUFFIX) - 1)

static int blk_check(const struct sv_dev_spec *d, const char *where, char *err, size_t errlen)
{
	size_t len = strnlen(d->path, sizeof(d->path));

	if (len == 0)
		return sv_errmsg(err, errlen, "%s: blk needs a path (a raw image or block device)",
				 where);
	if (len > SV_DEV_PATH_MAX)
		return sv_errmsg(err, errlen, "%s: blk path is over %d bytes", where,
				 SV_DEV_PATH_MAX);
	for (size_t i = 0; i < len; i++)
		if (iscntrl((unsigned char)d->path[i]))
			return sv_errmsg(err, errlen, "%s: blk path has a control character",
					 where);
	return 0;
}

/* What sv.link can carry: it is one word of a kernel command line. */
static int blk_link_path_ok(const char *path, size_t len, const char *where, char *err,
			    size_t errlen)
{
	if (len == 0)
		return sv_errmsg(err, errlen,
				 "%s: blk needs a path; write blk=/dev/vda or blk=/img:ro", where);
	if (len > SV_DEV_LINK_PATH_MAX)
		return sv_errmsg(err, errlen, "%s: blk path is %zu bytes; the limit is %d", where,
				 len, SV_DEV_LINK_PATH_MAX);
	if (!sv_dev_link_path_ok(path, len))
		return sv_errmsg(
			err, errlen,
			"%s: blk path '%.*s' must be absolute, without blanks, quotes or commas",
			where, (int)(len > 64 ? 64 : len), path);
	/* blk=/a:ro would be read-only /a: such a path cannot be written. */
	if (len >= RO_SUFFIX_LEN && !memcmp(path + len - RO_SUFFIX_LEN, RO_SUFFIX, RO_SUFFIX_LEN))
		return sv_errmsg(err, errlen, "%s: blk path '%.*s' must not end in '%s'", where,
				 (int)(len > 64 ? 64 : len), path, RO_SUFFIX);
	return 0;
}

static int blk_link_parse(struct sv_dev_spec *d, const char *arg, const char *where, char *err,
			  size_t errlen)
{
	size_t len = arg ? strlen(arg) : 0;
	int ret;

	if (len >= RO_SUFFIX_LEN && !strcmp(arg + len - RO_SUFFIX_LEN, RO_SUFFIX)) {
		d->read_only = true;
		len -= RO_SUFFIX_LEN;
	}
	ret = blk_link_path_ok(arg, len, where, err, errlen);
	if (ret)
		return ret;
	memcpy(d->path, arg, len);
	return 0;
}

static int blk_link_arg(const struct sv_dev_spec *d, char *buf, size_t size, const char *where,
			char *err, size_t errlen)
{
	int ret = blk_link_path_ok(d->path, strnlen(d->path, sizeof(d->path)), where, err, errlen);

	return ret ?: snprintf(buf, size, "%s%s", d->path, d->read_only ? RO_SUFFIX : "");
}

/*
 * "/dev/fd/N": the image an inherited fd N holds (the sandboxed vmm gets
 * its disks opened by the supervisor, docs/security.md). Reopening the
 * path would check the file's permissions against our user, which may
 * not have them: the fd is the grant.
 */
static int blk_open(const struct sv_dev_spec *d, struct virtio_blk_backend **be)
{
	unsigned int fd;
	int n = 0, dup_fd, ret;

	if (sscanf(d->path, "/dev/fd/%u%n", &fd, &n) != 1 || d->path[n] != '\0')
		return virtio_blk_raw_open(be, d->path, d->read_only);
	/* Our own copy: the backend closes it, the inherited one stays as granted. */
	dup_fd = fcntl((int)fd, F_DUPFD_CLOEXEC, 3);
	if (dup_fd < 0)
		return -errno;
	ret = virtio_blk_raw_from_fd(be, dup_fd, d->read_only);
	if (ret)
		close(dup_fd);
	return ret;
}

static int blk_create(const struct sv_dev_spec *d, const struct sv_dev_host *h,
		      struct virtio_dev **out)
{
	struct virtio_blk_params p = { .read_only = d->read_only,
				       .serial = h->serial,
				       .num_queues = VIRTIO_BLK_DEVICE_QUEUES };
	struct virtio_blk_backend *be;
	int ret;

	ret = blk_open(d, &be);
	if (ret && h->in_use) {
		pr_err("%s: blk %s: %s; the driver VM was using it: its pending and new requests fail with IOERR (a devmodel started once the disk is back serves it again)",
		       h->label, d->path, strerror(-ret));
		ret = virtio_blk_gone_open(&be, d->read_only, -EIO);
	} else if (ret) {
		pr_err("%s: blk %s: %s", h->label, d->path, strerror(-ret));
	}
	if (ret)
		return ret;
	ret = virtio_blk_create(out, h->gm, be, &p);
	if (ret) {
		pr_err("%s: blk %s: %s", h->label, d->path, strerror(-ret));
		return ret;
	}
	pr_info("%s: virtio-blk on %s (%llu MiB%s)", h->label, d->path,
		(unsigned long long)(be->size >> 20), d->read_only ? ", read-only" : "");
	return 0;
}

/*
 * Served by qemu-storage-daemon's vhost-user-blk export: the devmodel
 * keeps the PCI function, the daemon the queues. Buffered I/O (no
 * cache.direct): the driver VM's buffers are the RAM BAR's, which has no
 * struct pages for O_DIRECT; the guest's FLUSH reaches the disk as fsync.
 */
static int blk_vhost_user_create(const struct sv_dev_spec *d, const struct sv_dev_host *h,
				 struct virtio_dev **out)
{
	struct vhost_user_dev_params p = {
		.name = h->label,
		.socket = h->vhost_socket,
		.device_id = VIRTIO_ID_BLOCK,
		.num_queues = VIRTIO_BLK_DEVICE_QUEUES,
		.config_size = VIRTIO_BLK_VHOST_USER_CONFIG_SIZE,
		.device_features = VIRTIO_BLK_VHOST_USER_FEATURES,
		.gm = h->gm,
		.regions = h->regions,
		.nr_regions = h->nr_regions,
		.fail_chain = virtio_blk_fail_request,
		.config_fixup = virtio_blk_config_fit_queues,
	};
	int ret = vhost_user_dev_create(out, &p);

	if (ret) {
		pr_err("%s: blk %s through vhost-user (%s): %s", h->label, d->path, h->vhost_socket,
		       strerror(-ret));
		return ret;
	}
	pr_info("%s: virtio-blk on %s, served by qemu-storage-daemon (vhost-user at %s)%s",
		h->label, d->path, h->vhost_socket, d->read_only ? ", read-only" : "");
	return 0;
}

static int blk_vhost_user_command(const struct sv_dev_spec *d, const char *socket, char *buf,
				  size_t size)
{
	struct stat st;
	/* host_device for block devices (the file driver refuses them in newer QEMUs). */
	const char *driver = !stat(d->path, &st) && S_ISBLK(st.st_mode) ? "host_device" : "file";
	int n = snprintf(
		buf, size,
		"qemu-storage-daemon --blockdev driver=%s,node-name=disk,filename=%s,read-only=%s"
		" --export type=vhost-user-blk,id=disk,node-name=disk,addr.type=unix,addr.path=%s,writable=%s,num-queues=%d",
		driver, d->path, d->read_only ? "on" : "off", socket, d->read_only ? "off" : "on",
		VIRTIO_BLK_DEVICE_QUEUES);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : n;
}

const struct sv_dev_desc sv_dev_blk = {
	.name = "blk",
	.virtio_id = VIRTIO_ID_BLOCK,
	.flags = SV_DEV_F_UNIQUE_PATH | SV_DEV_F_VHOST_USER,
	.max_queues = VIRTIO_BLK_DEVICE_QUEUES,
	.opts = SV_DEV_OPT_PATH | SV_DEV_OPT_RO,
	.remote_needs = SV_DEV_OPT_PATH,
	.check = blk_check,
	.link_parse = blk_link_parse,
	.link_arg = blk_link_arg,
	.create = blk_create,
	.vhost_user_create = blk_vhost_user_create,
	.vhost_user_command = blk_vhost_user_command,
};
