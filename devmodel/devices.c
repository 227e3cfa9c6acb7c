// SPDX-License-Identifier: GPL-2.0
/* Device models over real backends, from a link's spec. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <splitvirt/log.h>
#include <splitvirt/net_bridge.h>
#include <splitvirt/virtio_blk.h>
#include <splitvirt/virtio_console.h>
#include <splitvirt/virtio_net.h>
#include <splitvirt/virtio_rng.h>

#include "console_tee.h"
#include "link.h"

static int create_blk(struct dm_link *l, unsigned int k, const struct sv_dev_spec *d,
		      struct virtio_dev **out)
{
	struct virtio_blk_params p = { .read_only = d->read_only };
	struct virtio_blk_backend *be;
	char serial[32]; /* at most 20 bytes used */
	int ret;

	ret = virtio_blk_raw_open(&be, d->path, d->read_only);
	if (ret) {
		pr_err("link %u device %u: blk %s: %s", l->spec.id, k, d->path, strerror(-ret));
		return ret;
	}
	snprintf(serial, sizeof(serial), "svl%u-blk%u", l->spec.id, k);
	p.serial = serial;
	return virtio_blk_create(out, &l->gm, be, &p);
}

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

static int create_net(struct dm_link *l, unsigned int k, const struct sv_dev_spec *d,
		      struct virtio_dev **out)
{
	struct virtio_net_params p = { 0 };
	struct virtio_net_backend *be;
	char want[32], name[32];
	int ret;

	snprintf(want, sizeof(want), "svl%un%u", l->spec.id, k);
	ret = virtio_net_tap_open(&be, want, name, sizeof(name));
	if (ret) {
		pr_err("link %u device %u: tap %s: %s", l->spec.id, k, want, strerror(-ret));
		return ret;
	}
	ret = sv_bridge_add_if(d->bridge, name);
	if (ret) {
		pr_err("link %u device %u: adding %s to bridge %s: %s%s", l->spec.id, k, name,
		       d->bridge, strerror(-ret),
		       ret == -ENODEV ? " (the device VM's init creates the bridges)" : "");
		virtio_net_backend_close(be);
		return ret;
	}
	if (d->has_mac)
		memcpy(p.mac, d->mac, 6);
	else
		default_mac(l, k, p.mac);
	ret = virtio_net_create(out, &l->gm, be, &p);
	if (!ret)
		pr_info("link %u device %u: %s on bridge %s, MAC %02x:%02x:%02x:%02x:%02x:%02x",
			l->spec.id, k, name, d->bridge, p.mac[0], p.mac[1], p.mac[2], p.mac[3],
			p.mac[4], p.mac[5]);
	return ret;
}

static int create_console(struct dm_link *l, unsigned int k, struct virtio_dev **out)
{
	struct virtio_console_backend *be;
	char path[SV_LINK_SPEC_PATH_MAX + 1 + 64];
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
	ret = dm_console_tee_open(&be, l->opt->console_out_fd, sock);
	if (ret && sock) {
		pr_warn("link %u device %u: console socket %s: %s; output only", l->spec.id, k,
			sock, strerror(-ret));
		sock = NULL;
		ret = dm_console_tee_open(&be, l->opt->console_out_fd, NULL);
	}
	if (ret)
		return ret;
	if (sock)
		pr_info("link %u device %u: console input on %s", l->spec.id, k, sock);
	return virtio_console_create(out, &l->gm, be);
}

int dm_device_create(struct dm_link *l, unsigned int k, struct virtio_dev **out)
{
	const struct sv_dev_spec *d = &l->spec.devs[k];

	switch (d->type) {
	case SV_DEV_BLK:
		return create_blk(l, k, d, out);
	case SV_DEV_NET:
		return create_net(l, k, d, out);
	case SV_DEV_CONSOLE:
		return create_console(l, k, out);
	case SV_DEV_RNG:
		return virtio_rng_create(out, &l->gm);
	}
	return -EINVAL;
}
