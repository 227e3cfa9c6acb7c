// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-fs: a directory of the device VM shared with a driver VM, served
 * by Debian's virtiofsd (a vhost-user back-end; there is no devmodel
 * model). The devmodel presents the function and its config (the tag);
 * the driver VM mounts it with `mount -t virtiofs TAG DIR`.
 * sv.link: fs=TAG:PATH.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/virtio_ids.h>

#include <splitvirt/device_type.h>
#include <splitvirt/log.h>
#include <splitvirt/strbuf.h>
#include <splitvirt/vhost_user_dev.h>
#include <splitvirt/virtio_fs.h>

#include "devices.h"

#define VIRTIOFSD "/usr/lib/qemu/virtiofsd"

static int fs_check(const struct sv_dev_spec *d, const char *where, char *err, size_t errlen)
{
	size_t len = strnlen(d->path, sizeof(d->path));

	if (!sv_dev_link_path_ok(d->path, len))
		return sv_errmsg(
			err, errlen,
			"%s: fs needs the shared directory's absolute path in the device VM (at most %d bytes, no blanks, quotes or commas)",
			where, SV_DEV_LINK_PATH_MAX);
	if (!sv_dev_name_ok(d->tag, strnlen(d->tag, sizeof(d->tag)), SV_DEV_TAG_MAX))
		return sv_errmsg(
			err, errlen,
			"%s: fs needs a tag the driver VM mounts: 1-%d letters, digits, '_', '-' or '.'",
			where, SV_DEV_TAG_MAX);
	return 0;
}

static int fs_link_parse(struct sv_dev_spec *d, const char *arg, const char *where, char *err,
			 size_t errlen)
{
	const char *colon = arg ? strchr(arg, ':') : NULL;
	size_t tlen = colon ? (size_t)(colon - arg) : 0;

	if (!colon || !sv_dev_name_ok(arg, tlen, SV_DEV_TAG_MAX) ||
	    !sv_dev_link_path_ok(colon + 1, strlen(colon + 1)))
		return sv_errmsg(err, errlen,
				 "%s: write fs=TAG:/path/in/the/device/vm (got '%.64s')", where,
				 arg ? arg : "");
	memcpy(d->tag, arg, tlen);
	strcpy(d->path, colon + 1);
	return 0;
}

static int fs_link_arg(const struct sv_dev_spec *d, char *buf, size_t size, const char *where,
		       char *err, size_t errlen)
{
	int ret = fs_check(d, where, err, errlen);

	return ret ?: snprintf(buf, size, "%s:%s", d->tag, d->path);
}

static int fs_vhost_user_create(const struct sv_dev_spec *d, const struct sv_dev_host *h,
				struct virtio_dev **out)
{
	struct virtio_fs_config cfg;
	struct vhost_user_dev_params p = {
		.name = h->label,
		.socket = h->vhost_socket,
		.device_id = VIRTIO_ID_FS,
		.num_queues = VIRTIO_FS_DEVICE_QUEUES,
		.config_size = sizeof(cfg),
		.config = &cfg,
		.gm = h->gm,
		.regions = h->regions,
		.nr_regions = h->nr_regions,
		.fail_chain = virtio_fs_fail_request,
	};
	int ret;

	virtio_fs_config_fill(&cfg, d->tag);
	ret = vhost_user_dev_create(out, &p);
	if (ret) {
		pr_err("%s: fs %s through virtiofsd (%s): %s", h->label, d->path, h->vhost_socket,
		       strerror(-ret));
		return ret;
	}
	pr_info("%s: virtio-fs '%s' sharing %s, served by virtiofsd (vhost-user at %s)", h->label,
		d->tag, d->path, h->vhost_socket);
	return 0;
}

/*
 * chroot, not namespaces: the device VM's root is an initramfs, where
 * pivot_root cannot go.
 */
static int fs_vhost_user_command(const struct sv_dev_spec *d, const char *socket, char *buf,
				 size_t size)
{
	int n = snprintf(buf, size, VIRTIOFSD " --socket-path=%s -o source=%s -o sandbox=chroot",
			 socket, d->path);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : n;
}

const struct sv_dev_desc sv_dev_fs = {
	.name = "fs",
	.virtio_id = VIRTIO_ID_FS,
	.flags = SV_DEV_F_UNIQUE_PATH | SV_DEV_F_VHOST_USER | SV_DEV_F_ONE_TAG,
	.max_queues = VIRTIO_FS_DEVICE_QUEUES,
	.opts = SV_DEV_OPT_PATH | SV_DEV_OPT_TAG,
	.remote_needs = SV_DEV_OPT_PATH | SV_DEV_OPT_TAG,
	.check = fs_check,
	.link_parse = fs_link_parse,
	.link_arg = fs_link_arg,
	.vhost_user_command = fs_vhost_user_command,
	.vhost_user_create = fs_vhost_user_create,
};
