// SPDX-License-Identifier: GPL-2.0
#include <errno.h>

#include <splitvirt/log.h>

#include "devices.h"

int devices_add_net(struct vmm_devices *d, const struct vmm_net_arg *net)
{
	(void)d;
	pr_err("--net tap=%s: virtio-net is not available in this build yet", net->tap);
	return -ENOTSUP;
}
