// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <splitvirt/log.h>
#include <splitvirt/virtio_console.h>

#include "devices.h"

/* virtio-console on the vmm's stdin/stdout; the PL011 then stops reading stdin. */
int devices_add_console(struct vmm_devices *d)
{
	struct virtio_console_backend *be;
	struct virtio_dev *dev;
	int in_fd = dup(STDIN_FILENO), out_fd = dup(STDOUT_FILENO);
	int ret;

	if (in_fd < 0 || out_fd < 0) {
		ret = -errno;
		goto fail_fds;
	}
	ret = virtio_console_fd_backend(&be, in_fd, out_fd, true);
	if (ret)
		goto fail_fds;
	ret = virtio_console_create(&dev, &d->gmem, be);
	if (ret) {
		pr_err("--console: %s", strerror(-ret));
		return ret;
	}
	return devices_add_virtio(d, dev, "virtio-console");
fail_fds:
	pr_err("--console: %s", strerror(-ret));
	if (in_fd >= 0)
		close(in_fd);
	if (out_fd >= 0)
		close(out_fd);
	return ret;
}
