// SPDX-License-Identifier: GPL-2.0
/* Creates the local virtio devices named on the command line. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <splitvirt/log.h>
#include <splitvirt/virtio_blk.h>
#include <splitvirt/virtio_rng.h>

#include "devices.h"
#include "local_fn.h"
#include "vmm.h"

int devices_add_virtio(struct vmm_devices *d, struct virtio_dev *dev, const char *what)
{
	int ret;

	if (d->count == VMM_MAX_DEVICES) {
		virtio_dev_destroy(dev);
		pr_err("%s: too many devices (at most %d)", what, VMM_MAX_DEVICES);
		return -ENOSPC;
	}
	ret = local_fn_add(d->vm, d->pci, d->loop, dev, &d->fns[d->count]);
	if (ret) {
		pr_err("%s: adding the PCI function: %s", what, strerror(-ret));
		return ret;
	}
	d->count++;
	return 0;
}

static int add_disk(struct vmm_devices *d, const struct vmm_disk_arg *disk, unsigned int idx)
{
	struct virtio_blk_params params = { 0 };
	struct virtio_blk_backend *be;
	struct virtio_dev *dev;
	char serial[24];
	int ret;

	ret = virtio_blk_raw_open(&be, disk->path, disk->read_only);
	if (ret) {
		pr_err("--disk %s: %s", disk->path, strerror(-ret));
		return ret;
	}
	snprintf(serial, sizeof(serial), "splitvirt-disk%u", idx);
	params.serial = serial;
	params.read_only = disk->read_only;
	ret = virtio_blk_create(&dev, &d->gmem, be, &params);
	if (ret) {
		pr_err("--disk %s: %s", disk->path, strerror(-ret));
		return ret;
	}
	pr_info("virtio-blk: %s (%llu MiB%s)", disk->path, (unsigned long long)(be->size >> 20),
		disk->read_only ? ", read-only" : "");
	return devices_add_virtio(d, dev, disk->path);
}

static int add_rng(struct vmm_devices *d)
{
	struct virtio_dev *dev;
	int ret = virtio_rng_create(&dev, &d->gmem);

	if (ret) {
		pr_err("--rng: %s", strerror(-ret));
		return ret;
	}
	return devices_add_virtio(d, dev, "virtio-rng");
}

int devices_create(struct vmm_devices *d, const struct vmm_args *args)
{
	int ret = 0;

	for (unsigned int i = 0; !ret && i < args->ndisks; i++)
		ret = add_disk(d, &args->disks[i], i);
	for (unsigned int i = 0; !ret && i < args->nnets; i++)
		ret = devices_add_net(d, &args->nets[i]);
	if (!ret && args->console)
		ret = devices_add_console(d);
	if (!ret && args->rng)
		ret = add_rng(d);
	return ret;
}

void devices_destroy(struct vmm_devices *d)
{
	for (unsigned int i = 0; i < d->count; i++)
		local_fn_destroy(d->fns[i]);
	d->count = 0;
}
