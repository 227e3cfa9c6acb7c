// SPDX-License-Identifier: GPL-2.0
/*
 * The link's saved-state area (<splitvirt/state_area.h>, the dataport's
 * BAR2 upper part): SV_VM_SAVE_STATE / SV_VM_LOAD_STATE. The area's format
 * is lib/rpc/state_area.c, compiled into the module; this file only moves
 * the bytes between the caller and it, through a bounce buffer so that a
 * fault in the caller's memory never happens half-way into the area.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <splitvirt/state_area.h>

#include "svk_internal.h"

long svk_vm_state_io(struct svk_link *l, struct svk_vm *vm, unsigned int cmd,
		     struct sv_state_io __user *uarg)
{
	struct sv_state_io io;
	void __user *ubuf;
	void *buf = NULL;
	u32 cap;
	long ret;

	if (copy_from_user(&io, uarg, sizeof(io)))
		return -EFAULT;
	if (io.pad)
		return -EINVAL;
	if (!l->state)
		return -EOPNOTSUPP;
	cap = sv_state_area_capacity(l->state_size);
	ubuf = u64_to_user_ptr(io.addr);
	if (cmd == SV_VM_SAVE_STATE && io.len > cap)
		return -E2BIG;
	/* A load needs at most what the area can hold. */
	if (io.len) {
		buf = kvmalloc(min(io.len, cap), GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
	}
	if (cmd == SV_VM_SAVE_STATE && io.len && copy_from_user(buf, ubuf, io.len)) {
		ret = -EFAULT;
		goto out;
	}
	mutex_lock(&l->lock);
	if (l->dead || l->vm != vm)
		ret = -ENODEV;
	else if (cmd == SV_VM_SAVE_STATE)
		ret = sv_state_area_write(l->state, l->state_size, buf, io.len);
	else
		ret = sv_state_area_read(l->state, l->state_size, buf, min(io.len, cap));
	mutex_unlock(&l->lock);
	if (cmd == SV_VM_LOAD_STATE && ret > 0 && copy_to_user(ubuf, buf, ret))
		ret = -EFAULT;
out:
	kvfree(buf);
	return ret;
}
