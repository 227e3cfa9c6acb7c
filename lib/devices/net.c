// SPDX-License-Identifier: GPL-2.0
/* virtio-net over a tap, optionally attached to a Linux bridge. */
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <linux/virtio_ids.h>

#include <splitvirt/device_type.h>
#include <splitvirt/log.h>
#include <splitvirt/net_bridge.h>
#include <splitvirt/strbuf.h>
#include <splitvirt/vhost_kernel.h>
#include <splitvirt/vhost_user_dev.h>
#include <splitvirt/virtio_net.h>

#include "devices.h"

/*
 * Queues: VIRTIO_NET_DEVICE_QUEUE_PAIRS rx/tx pairs and a control queue.
 * A link has 16 kick and 16 call doorbells by default
 * (SV_TOPO_DEFAULT_DOORBELLS); beyond them kicks and interrupts go over
 * the RPC, which works but is slow. With 2 pairs a link with blk (4
 * queues), net (2 * 2 + 1), console (2) and rng (1) takes 4 + 5 + 2 + 1 =
 * 12 kicks, and 5 + 5 + 3 + 2 = 15 calls (a vector per queue and one for
 * each function's config; Linux gives the control queue none, 16 if a
 * driver does). 4 pairs would take 16 kicks and 19 calls.
 */
#define NET_QUEUES (2 * VIRTIO_NET_DEVICE_QUEUE_PAIRS + 1)
_Static_assert(VIRTIO_NET_DEVICE_QUEUE_PAIRS <= VIRTIO_NET_MAX_QUEUE_PAIRS,
	       "the model offers at most VIRTIO_NET_MAX_QUEUE_PAIRS");

static int net_check(const struct sv_dev_spec *d, const char *where, char *err, size_t errlen)
{
	const uint8_t *m = d->mac;

	if (d->bridge[0] && !sv_dev_ifname_ok(d->bridge, strnlen(d->bridge, sizeof(d->bridge))))
		return sv_errmsg(
			err, errlen,
			"%s: bridge '%.16s' is not an interface name; use 1-%d letters, digits, '_', '-' or '.'",
			where, d->bridge, SV_DEV_IFNAME_MAX);
	if (d->tap[0] && !sv_dev_ifname_ok(d->tap, strnlen(d->tap, sizeof(d->tap))))
		return sv_errmsg(
			err, errlen,
			"%s: tap '%.16s' is not an interface name; use 1-%d letters, digits, '_', '-' or '.'",
			where, d->tap, SV_DEV_IFNAME_MAX);
	if (d->has_mac && (m[0] & 1))
		return sv_errmsg(
			err, errlen,
			"%s: %02x:%02x:%02x:%02x:%02x:%02x is a multicast address; a NIC needs a unicast one",
			where, m[0], m[1], m[2], m[3], m[4], m[5]);
	return 0;
}

/* sv.link: net=BRIDGE[/MAC] */
static int net_link_parse(struct sv_dev_spec *d, const char *arg, const char *where, char *err,
			  size_t errlen)
{
	const char *slash = arg ? strchr(arg, '/') : NULL;
	size_t blen = !arg ? 0 : slash ? (size_t)(slash - arg) : strlen(arg);

	if (blen == 0 || blen > SV_DEV_IFNAME_MAX)
		return sv_errmsg(
			err, errlen,
			"%s: net needs a bridge name of 1-%d characters; write net=br0 or net=br0/52:54:00:12:34:56",
			where, SV_DEV_IFNAME_MAX);
	memcpy(d->bridge, arg, blen);
	if (slash) {
		if (sv_dev_parse_mac(slash + 1, d->mac))
			return sv_errmsg(
				err, errlen,
				"%s: '%.32s' is not a MAC address; write e.g. 52:54:00:12:34:56",
				where, slash + 1);
		d->has_mac = true;
	}
	return net_check(d, where, err, errlen);
}

static int net_link_arg(const struct sv_dev_spec *d, char *buf, size_t size, const char *where,
			char *err, size_t errlen)
{
	const uint8_t *m = d->mac;
	struct sv_strbuf o = { .buf = buf, .size = size };

	if (!d->bridge[0])
		return sv_errmsg(
			err, errlen,
			"%s: net needs a bridge name of 1-%d characters; write net=br0 or net=br0/52:54:00:12:34:56",
			where, SV_DEV_IFNAME_MAX);
	if (d->tap[0])
		return sv_errmsg(err, errlen, "%s: a device VM names its taps itself; give no tap",
				 where);
	sv_strbuf_put(&o, "%s", d->bridge);
	if (d->has_mac)
		sv_strbuf_put(&o, "/%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
			      m[5]);
	return sv_strbuf_end(&o);
}

/* The device's tap (pairs queues at most), on its bridge if it has one; its name in name. */
static int net_open_tap(const struct sv_dev_spec *d, const struct sv_dev_host *h, uint16_t pairs,
			struct virtio_net_backend **be, char *name, size_t name_len)
{
	const char *want = d->tap[0] ? d->tap : h->tap;
	int ret;

	if (!want || !want[0]) {
		pr_err("%s: net needs a tap name", h->label);
		return -EINVAL;
	}
	ret = virtio_net_tap_open_mq(be, want, pairs, name, name_len);
	if (ret) {
		pr_err("%s: tap %s: %s%s", h->label, want, strerror(-ret),
		       ret == -EPERM ? " (needs CAP_NET_ADMIN or a tap owned by this user)" : "");
		return ret;
	}
	if (d->bridge[0]) {
		ret = sv_bridge_add_if(d->bridge, name);
		if (ret) {
			pr_err("%s: adding %s to bridge %s: %s%s", h->label, name, d->bridge,
			       strerror(-ret), ret == -ENODEV ? " (does the bridge exist?)" : "");
			virtio_net_backend_close(*be);
			return ret;
		}
	}
	return 0;
}

static void net_mac(const struct sv_dev_spec *d, const struct sv_dev_host *h, uint8_t mac[6])
{
	if (d->has_mac)
		memcpy(mac, d->mac, 6);
	else if (h->default_mac)
		memcpy(mac, h->default_mac, 6);
}

static int net_create(const struct sv_dev_spec *d, const struct sv_dev_host *h,
		      struct virtio_dev **out)
{
	struct virtio_net_params p = { .queue_pairs = VIRTIO_NET_DEVICE_QUEUE_PAIRS };
	struct virtio_net_backend *be;
	char name[32], qp[24];
	const uint8_t *m = p.mac;
	unsigned int pairs;
	bool offloads;
	int ret;

	ret = net_open_tap(d, h, VIRTIO_NET_DEVICE_QUEUE_PAIRS, &be, name, sizeof(name));
	if (ret)
		return ret;
	net_mac(d, h, p.mac);
	/* A tap that could not have them all (single-queue, an old kernel) offers fewer. */
	pairs = be->nqueues < p.queue_pairs ? be->nqueues : p.queue_pairs;
	offloads = be->offloads;
	ret = virtio_net_create(out, h->gm, be, &p);
	if (ret) {
		pr_err("%s: net on %s: %s", h->label, name, strerror(-ret));
		return ret;
	}
	snprintf(qp, sizeof(qp), ", %u queue pairs", pairs);
	pr_info("%s: virtio-net on tap %s%s%s, MAC %02x:%02x:%02x:%02x:%02x:%02x%s%s", h->label,
		name, d->bridge[0] ? " on bridge " : "", d->bridge, m[0], m[1], m[2], m[3], m[4],
		m[5], offloads ? ", with offloads" : "", pairs > 1 ? qp : "");
	return 0;
}

/* ---- vhost-net: the device VM kernel moves the frames between the rings and the tap ---- */

static int vhost_net_queue_fd(void *ctx, uint16_t q)
{
	(void)q; /* one pair: rx and tx on the tap's one queue */
	return ((struct virtio_net_backend *)ctx)->fd;
}

static void vhost_net_features_ok(void *ctx, uint64_t features)
{
	virtio_net_backend_set_offloads(ctx, features);
}

static void vhost_net_release(void *ctx)
{
	virtio_net_backend_close(ctx);
}

/* Never called: the kernel does not go away. */
static int vhost_net_no_fail(struct virtio_dev *dev, struct virtq *vq, struct virtq_chain *c)
{
	(void)dev, (void)vq, (void)c;
	return 0;
}

/*
 * One rx/tx pair, no control queue: the MAC and the link state are in the
 * config space the devmodel presents. The tap has a 12-byte virtio-net
 * header (virtio 1.x, mergeable buffers), so vhost-net moves frames with
 * their headers as they are, and its offloads follow the driver's.
 */
static int net_vhost_net_create(const struct sv_dev_spec *d, const struct sv_dev_host *h,
				struct virtio_dev **out)
{
	struct virtio_net_config cfg = { .status = htole16(VIRTIO_NET_S_LINK_UP) };
	struct virtio_net_backend *be;
	struct vhost_kernel_params k = {
		.device = "/dev/vhost-net",
		.queue_fd = vhost_net_queue_fd,
		.features_ok = vhost_net_features_ok,
		.release = vhost_net_release,
	};
	struct vhost_user_dev_params p = {
		.name = h->label,
		.kernel = &k,
		.device_id = VIRTIO_ID_NET,
		.num_queues = 2,
		.config_size = offsetof(struct virtio_net_config, mtu),
		.config = &cfg,
		.gm = h->gm,
		.regions = h->regions,
		.nr_regions = h->nr_regions,
		.fail_chain = vhost_net_no_fail,
	};
	const uint8_t *m = cfg.mac;
	char name[32];
	int ret;

	ret = net_open_tap(d, h, 1, &be, name, sizeof(name));
	if (ret)
		return ret;
	if (!be->vnet_hdr) {
		pr_err("%s: tap %s has no virtio-net header: vhost-net needs one", h->label, name);
		virtio_net_backend_close(be);
		return -EOPNOTSUPP;
	}
	k.ctx = be;
	net_mac(d, h, cfg.mac);
	p.device_features = (1ull << VIRTIO_NET_F_MAC) | (1ull << VIRTIO_NET_F_STATUS) |
			    (1ull << VIRTIO_NET_F_MRG_RXBUF) |
			    (be->offloads ? VIRTIO_NET_OFFLOAD_FEATURES : 0);
	ret = vhost_user_dev_create(out, &p); /* owns be from here, also on failure */
	if (ret) {
		pr_err("%s: net on %s through vhost-net: %s", h->label, name, strerror(-ret));
		return ret;
	}
	pr_info("%s: virtio-net on tap %s%s%s, MAC %02x:%02x:%02x:%02x:%02x:%02x, served by the kernel's vhost-net",
		h->label, name, d->bridge[0] ? " on bridge " : "", d->bridge, m[0], m[1], m[2],
		m[3], m[4], m[5]);
	return 0;
}

const struct sv_dev_desc sv_dev_net = {
	.name = "net",
	.virtio_id = VIRTIO_ID_NET,
	.max_queues = NET_QUEUES,
	.opts = SV_DEV_OPT_BRIDGE | SV_DEV_OPT_TAP | SV_DEV_OPT_MAC,
	.remote_needs = SV_DEV_OPT_BRIDGE,
	.flags = SV_DEV_F_VHOST_NET,
	.check = net_check,
	.link_parse = net_link_parse,
	.link_arg = net_link_arg,
	.create = net_create,
	.vhost_net_create = net_vhost_net_create,
};
