// SPDX-License-Identifier: GPL-2.0
/* Creates the local devices named on the command line, through the device table. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <splitvirt/device_type.h>
#include <splitvirt/log.h>
#include <splitvirt/virtio_console.h>

#include "devices.h"
#include "local_fn.h"
#include "vmm.h"

/* A virtio console is the vmm's stdin/stdout; the PL011 then stops reading stdin. */
static int console_open_stdio(void *ctx, struct virtio_console_backend **out)
{
	int in_fd = dup(STDIN_FILENO), out_fd = dup(STDOUT_FILENO);
	int ret;

	(void)ctx;
	if (in_fd < 0 || out_fd < 0) {
		ret = -errno;
	} else {
		ret = virtio_console_fd_backend(out, in_fd, out_fd, true);
		if (!ret)
			return 0;
	}
	if (in_fd >= 0)
		close(in_fd);
	if (out_fd >= 0)
		close(out_fd);
	return ret;
}

/* How log lines name device i: by what the user wrote for it. */
static void device_label(const struct sv_dev_spec *d, unsigned int i, char *buf, size_t size)
{
	if (d->type == SV_DEV_BLK)
		snprintf(buf, size, "disk %s", d->path);
	else if (d->type == SV_DEV_NET)
		snprintf(buf, size, "net tap=%s", d->tap);
	else
		snprintf(buf, size, "%s (device %u)", sv_dev_type_name(d->type), i);
}

static int add_device(struct vmm_devices *d, const struct sv_dev_spec *spec, unsigned int i,
		      unsigned int nblk)
{
	char label[SV_DEV_PATH_MAX + 32], serial[24];
	struct sv_dev_host h = {
		.gm = &d->gmem,
		.label = label,
		.serial = serial,
		.console_open = console_open_stdio,
	};
	struct virtio_dev *dev;
	int ret;

	device_label(spec, i, label, sizeof(label));
	snprintf(serial, sizeof(serial), "splitvirt-disk%u", nblk);
	ret = sv_dev_create(spec, &h, &dev);
	if (ret)
		return ret;
	ret = local_fn_add(d->vm, d->pci, d->loop, dev, &d->fns[d->count]);
	if (ret) {
		pr_err("%s: adding the PCI function: %s", label, strerror(-ret));
		return ret;
	}
	d->count++;
	return 0;
}

int devices_create(struct vmm_devices *d, const struct vmm_args *args)
{
	unsigned int nblk = 0;
	int ret = 0;

	for (unsigned int i = 0; !ret && i < args->ndevs; i++) {
		ret = add_device(d, &args->devs[i], i, nblk);
		nblk += args->devs[i].type == SV_DEV_BLK;
	}
	return ret;
}

void devices_destroy(struct vmm_devices *d)
{
	for (unsigned int i = 0; i < d->count; i++)
		local_fn_destroy(d->fns[i]);
	d->count = 0;
}
