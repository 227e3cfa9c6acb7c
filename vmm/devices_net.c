// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>

#include <splitvirt/log.h>
#include <splitvirt/net_bridge.h>
#include <splitvirt/virtio_net.h>

#include "devices.h"

/* Attaches to tap NAME (created if it does not exist; bridging it is the host's job). */
int devices_add_net(struct vmm_devices *d, const struct vmm_net_arg *net)
{
	struct virtio_net_params params = { 0 };
	struct virtio_net_backend *be;
	struct virtio_dev *dev;
	char name[32];
	int ret;

	ret = virtio_net_tap_open(&be, net->tap, name, sizeof(name));
	if (ret) {
		pr_err("--net tap=%s: cannot open the tap: %s%s", net->tap, strerror(-ret),
		       ret == -EPERM ? " (needs CAP_NET_ADMIN or a tap owned by this user)" : "");
		return ret;
	}
	if (net->bridge[0]) {
		ret = sv_bridge_add_if(net->bridge, name);
		if (ret) {
			pr_err("--net tap=%s: adding it to bridge %s: %s%s", name, net->bridge,
			       strerror(-ret), ret == -ENODEV ? " (does the bridge exist?)" : "");
			virtio_net_backend_close(be);
			return ret;
		}
	}
	if (net->has_mac)
		memcpy(params.mac, net->mac, 6);
	ret = virtio_net_create(&dev, &d->gmem, be, &params);
	if (ret) {
		pr_err("--net tap=%s: %s", net->tap, strerror(-ret));
		return ret;
	}
	pr_info("virtio-net: tap %s%s%s%s", name, net->bridge[0] ? " on bridge " : "", net->bridge,
		be->offloads ? ", with offloads" : "");
	return devices_add_virtio(d, dev, name);
}
