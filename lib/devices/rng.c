// SPDX-License-Identifier: GPL-2.0
/* virtio-rng fed by getrandom(). */
#include <string.h>

#include <linux/virtio_ids.h>

#include <splitvirt/device_type.h>
#include <splitvirt/log.h>
#include <splitvirt/virtio_rng.h>

#include "devices.h"

static int rng_create(const struct sv_dev_spec *d, const struct sv_dev_host *h,
		      struct virtio_dev **out)
{
	int ret = virtio_rng_create(out, h->gm);

	(void)d;
	if (ret)
		pr_err("%s: rng: %s", h->label, strerror(-ret));
	return ret;
}

const struct sv_dev_desc sv_dev_rng = {
	.name = "rng",
	.virtio_id = VIRTIO_ID_RNG,
	.flags = SV_DEV_F_ONE_PER_LINK,
	.max_queues = 1,
	.create = rng_create,
};
