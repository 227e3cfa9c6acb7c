// SPDX-License-Identifier: GPL-2.0
/*
 * The links of a device VM whose vmm is gone. Its device side of each
 * link's RPC channel died without a word, so the driver VMs' vmms would
 * wait out their reply timeout for every access they had sent and every
 * one they send until a new device VM is up. The supervisor owns the
 * iobufs: it marks the device side gone in each of them and rings the
 * driver's doorbell, and each driver vmm then fails what it sent
 * (-ECONNRESET) and refuses what it would send (-EAGAIN) at once
 * (sv_rpc_dev_mark_gone(), <splitvirt/rpc_chan.h>).
 */
#include <errno.h>
#include <stdlib.h>

#include <splitvirt/log.h>
#include <splitvirt/rpc_posix.h>
#include <splitvirt/strbuf.h>

#include "supervisor.h"

static int mark_link_gone(const struct sup_link_objs *lo, struct sv_rpc_dev *scratch)
{
	void *base;
	int ret = sv_rpc_iobuf_map(lo->iobuf, SUP_IOBUF_SIZE, &base);

	if (ret)
		return ret;
	ret = sv_rpc_dev_mark_gone(scratch, base, SUP_IOBUF_SIZE);
	sv_rpc_iobuf_unmap(base, SUP_IOBUF_SIZE);
	/* The driver vmm looks at the channel again only when woken. */
	return ret ?: sv_rpc_doorbell_ring(lo->resp);
}

int sup_links_mark_gone(const struct sv_topology *t, const struct sup_objects *o,
			const struct sup_vm_run *vms, unsigned int dev)
{
	char names[SV_TOPO_MAX_VMS * (SV_TOPO_NAME_MAX + 4)];
	struct sv_strbuf drivers = { .buf = names, .size = sizeof(names) };
	/* A few KiB of private endpoint state, only needed for the marking. */
	struct sv_rpc_dev *scratch = malloc(sizeof(*scratch));
	int ret = 0;

	if (!scratch)
		return -ENOMEM;
	names[0] = '\0';
	for (unsigned int l = 0; l < t->nr_links; l++) {
		unsigned int drv = t->links[l].driver;
		int err;

		if (t->links[l].device != dev)
			continue;
		/* Every link, even of a driver VM that is gone: the iobuf says what is true. */
		err = mark_link_gone(&o->links[l], scratch);
		ret = ret ?: err;
		if (!err && sup_vm_alive(&vms[drv]))
			sv_strbuf_put(&drivers, "%s'%s'", drivers.len ? ", " : "",
				      t->vms[drv].name);
	}
	free(scratch);
	if (drivers.len)
		pr_info("device VM '%s' is gone: failing the pending accesses of driver VM(s) %s",
			t->vms[dev].name, names);
	return ret;
}
