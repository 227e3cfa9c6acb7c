// SPDX-License-Identifier: GPL-2.0
/* Device models over real backends, from a link's spec, through the device table. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <splitvirt/device_type.h>
#include <splitvirt/log.h>
#include <splitvirt/vhost_user_dev.h>

#include "console_tee.h"
#include "link.h"

/* Where the MAC is not given: locally administered, unique per link and device. */
static void default_mac(const struct dm_link *l, unsigned int k, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0x53;
	mac[2] = 0x56;
	mac[3] = (uint8_t)(l->spec.id >> 8);
	mac[4] = (uint8_t)l->spec.id;
	mac[5] = (uint8_t)k;
}

/* The console: output to the devmodel's stdout, input from a per-driver socket. */
static int console_open(void *ctx, struct virtio_console_backend **out)
{
	struct dm_link *l = ctx;
	char path[PATH_MAX];
	const char *sock = NULL;
	int ret;

	if (l->opt->console_dir) {
		/* Not fatal: the console still writes to stdout without it. */
		if (mkdir(l->opt->console_dir, 0700) && errno != EEXIST)
			pr_warn("link %u: mkdir %s: %s", l->spec.id, l->opt->console_dir,
				strerror(errno));
		snprintf(path, sizeof(path), "%s/%s-console.sock", l->opt->console_dir,
			 l->spec.driver);
		sock = path;
	}
	ret = dm_console_tee_open(out, l->opt->console_out_fd, sock);
	if (ret && sock) {
		pr_warn("link %u: console socket %s: %s; output only", l->spec.id, sock,
			strerror(-ret));
		sock = NULL;
		ret = dm_console_tee_open(out, l->opt->console_out_fd, NULL);
	}
	if (!ret && sock)
		pr_info("link %u: console input on %s", l->spec.id, sock);
	return ret;
}

int dm_device_create(struct dm_link *l, unsigned int k, struct virtio_dev **out)
{
	char label[48], serial[32], tap[32], sock[128];
	/* What a vhost-user back-end maps: the link's RAM (or DMA window), by its VM handle. */
	const struct vhost_user_dev_region ram = {
		.gpa = l->info.ram_gpa,
		.size = l->info.ram_size,
		.hva = l->ram,
		.fd = l->km->ops->ram_fd(l->km->ctx, l->vm),
	};
	uint8_t mac[6];
	struct sv_dev_host h = {
		.gm = &l->gm,
		.label = label,
		.serial = serial,
		.tap = tap,
		.default_mac = mac,
		.console_open = console_open,
		.ctx = l,
		.in_use = l->taking_over,
		.regions = &ram,
		.nr_regions = 1,
	};

	snprintf(label, sizeof(label), "link %u device %u", l->spec.id, k);
	snprintf(serial, sizeof(serial), "svl%u-blk%u", l->spec.id, k); /* at most 20 bytes */
	snprintf(tap, sizeof(tap), "svl%un%u", l->spec.id, k);
	default_mac(l, k, mac);
	if (!sv_dev_vhost_socket(l->opt->vhost_dir, l->spec.id, k, sock, sizeof(sock)))
		h.vhost_socket = sock;
	return sv_dev_create(&l->spec.devs[k], &h, out);
}
