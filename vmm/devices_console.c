// SPDX-License-Identifier: GPL-2.0
#include <errno.h>

#include <splitvirt/log.h>

#include "devices.h"

int devices_add_console(struct vmm_devices *d)
{
	(void)d;
	pr_err("--console: virtio-console is not available in this build yet");
	return -ENOTSUP;
}
