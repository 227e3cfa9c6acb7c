// SPDX-License-Identifier: GPL-2.0
/* virtio-console (hvc0): where its I/O goes is the host's choice. */
#include <errno.h>
#include <string.h>

#include <linux/virtio_ids.h>

#include <splitvirt/device_type.h>
#include <splitvirt/log.h>
#include <splitvirt/virtio_console.h>

#include "devices.h"

static int console_create(const struct sv_dev_spec *d, const struct sv_dev_host *h,
			  struct virtio_dev **out)
{
	struct virtio_console_backend *be;
	int ret;

	(void)d;
	if (!h->console_open) {
		pr_err("%s: this host has nowhere to put a console", h->label);
		return -EOPNOTSUPP;
	}
	ret = h->console_open(h->ctx, &be);
	if (!ret)
		ret = virtio_console_create(out, h->gm, be);
	if (ret)
		pr_err("%s: console: %s", h->label, strerror(-ret));
	return ret;
}

const struct sv_dev_desc sv_dev_console = {
	.name = "console",
	.virtio_id = VIRTIO_ID_CONSOLE,
	.flags = SV_DEV_F_ONE_PER_VM,
	.max_queues = 2,
	.create = console_create,
};
