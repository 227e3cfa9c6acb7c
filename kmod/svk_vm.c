// SPDX-License-Identifier: GPL-2.0
/*
 * VM handles: the anon-inode fd SV_CREATE_VM returns, one per link at a
 * time. Its ioctls, poll and mmap are the devmodel's whole view of one
 * driver VM. Closing it (or the devmodel dying) undoes everything done
 * through it and starts a new device epoch, so a restarted devmodel finds
 * the link clean.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "svk_internal.h"

/* Pages mapped per fault of the RAM mapping: fewer faults, bounded lock hold. */
#define SVK_FAULT_AROUND 64

/* Drops what the devmodel registered, answering its requests with -EIO. */
static void svk_vm_teardown(struct svk_link *l)
{
	svk_fail_requests(l, -EIO);
	svk_eventfds_release(l);
	bitmap_zero(l->pci_devs, SV_RPC_MAX_PCI_DEVS);
	l->nr_regions = 0;
	l->started = false;
	l->notice = false;
}

/* The function is going away (link->lock held, link->dead set). */
void svk_vm_unplug(struct svk_link *l)
{
	struct svk_vm *vm = l->vm;

	if (!vm)
		return;
	svk_vm_teardown(l);
	/* Faults check link->dead under link->lock: no page comes back. */
	if (vm->mapping)
		unmap_mapping_range(vm->mapping, 0, 0, 1);
	l->vm = NULL;
}

static int svk_vm_release(struct inode *inode, struct file *f)
{
	struct svk_vm *vm = f->private_data;
	struct svk_link *l = vm->link;

	mutex_lock(&l->lock);
	if (l->vm == vm) {
		svk_vm_teardown(l);
		l->vm = NULL;
		svk_rpc_start(l, SV_RPC_RESET_RESTART);
	}
	svk_unlock_ring(l);
	svk_link_put(l);
	kfree(vm);
	return 0;
}

static __poll_t svk_vm_poll(struct file *f, poll_table *pt)
{
	struct svk_vm *vm = f->private_data;
	struct svk_link *l = vm->link;

	poll_wait(f, &l->wq, pt);
	if (READ_ONCE(l->dead) || READ_ONCE(l->vm) != vm)
		return EPOLLHUP | EPOLLERR;
	if (READ_ONCE(l->notice) || READ_ONCE(l->fifo_tail) != READ_ONCE(l->fifo_head))
		return EPOLLIN | EPOLLRDNORM;
	return 0;
}

/*
 * Driver VM RAM: BAR4 is ordinary memory shared with the driver VM (a host
 * memfd), so it is mapped cached, like RAM. Pages are inserted on fault,
 * under link->lock, so that an unplug (which zaps the mapping under the same
 * lock) can never race with a mapping being populated.
 */
static vm_fault_t svk_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct svk_vm *vm = vma->vm_private_data;
	struct svk_link *l = vm->link;
	unsigned long addr = vmf->address & PAGE_MASK;
	unsigned long pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
	vm_fault_t ret = VM_FAULT_SIGBUS;
	unsigned int i;

	mutex_lock(&l->lock);
	if (l->dead || l->vm != vm || pgoff >= (l->ram_size >> PAGE_SHIFT))
		goto out;
	ret = vmf_insert_pfn(vma, addr, PHYS_PFN(l->ram_phys) + pgoff);
	for (i = 1; i < SVK_FAULT_AROUND; i++) {
		unsigned long a = addr + i * PAGE_SIZE;

		if (a >= vma->vm_end || pgoff + i >= (l->ram_size >> PAGE_SHIFT))
			break;
		vmf_insert_pfn(vma, a, PHYS_PFN(l->ram_phys) + pgoff + i);
	}
out:
	mutex_unlock(&l->lock);
	return ret;
}

static const struct vm_operations_struct svk_vm_vmops = {
	.fault = svk_vm_fault,
};

static int svk_vm_mmap(struct file *f, struct vm_area_struct *vma)
{
	struct svk_vm *vm = f->private_data;
	struct svk_link *l = vm->link;
	unsigned long size = vma->vm_end - vma->vm_start;
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	int ret = 0;

	/* A private mapping would be a copy-on-write of a PFN map: refuse. */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	mutex_lock(&l->lock);
	if (l->dead || l->vm != vm)
		ret = -ENODEV;
	else if (off >= l->ram_size || size > l->ram_size - off)
		ret = -EINVAL;
	if (!ret) {
		vm->mapping = f->f_mapping;
		vma->vm_flags |= VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP;
		vma->vm_ops = &svk_vm_vmops;
		vma->vm_private_data = vm;
	}
	mutex_unlock(&l->lock);
	return ret;
}

static int svk_vm_get_io(struct svk_link *l, struct sv_ioreq *io)
{
	struct sv_rpc_mmio mmio;
	struct svk_req *r;
	u16 slot;

	memset(io, 0, sizeof(*io));
	if (l->notice) {
		l->notice = false;
		io->dir = SV_IOREQ_RESET;
		io->data = l->notice_reason;
		return 0;
	}
	if (l->fifo_head == l->fifo_tail)
		return -EAGAIN;
	slot = l->fifo[l->fifo_head++ % SV_RPC_MAX_SLOTS];
	r = &l->reqs[slot];
	/* Validated by the library when it was received. */
	if (sv_rpc_decode_mmio(&r->msg, &mmio))
		return -EIO;
	r->state = SVK_REQ_USER;
	io->id = r->id;
	io->as = mmio.as;
	io->size = mmio.size;
	io->dir = mmio.dir;
	io->addr = mmio.addr;
	io->data = mmio.data;
	return 0;
}

static int svk_vm_complete_io(struct svk_link *l, const struct sv_ioreq *io)
{
	u32 slot = io->id & 0xff;
	struct sv_rpc_mmio mmio;
	struct sv_rpc_msg m;
	struct svk_req *r;
	int ret;

	if (io->status > 0 || io->status < -4095)
		return -EINVAL;
	if (!l->rpc_open || slot >= l->rpc.ep.lay.nslots)
		return -ESTALE;
	r = &l->reqs[slot];
	if (r->state != SVK_REQ_USER || r->id != io->id)
		return -ESTALE;
	m = r->msg;
	if (sv_rpc_decode_mmio(&m, &mmio))
		return -EIO;
	if (!io->status && mmio.dir == SV_RPC_MMIO_READ)
		m.arg[1] = mmio.size == 8 ? io->data : io->data & ((1ull << (mmio.size * 8)) - 1);
	ret = sv_rpc_dev_reply(&l->rpc, &m, io->status);
	svk_check_peer(l);
	if (ret == -ENOSPC || ret == -EPROTO)
		return -EAGAIN; /* the driver side is behind; the request stays ours */
	r->state = SVK_REQ_FREE;
	if (!ret)
		l->ring = true;
	return ret;
}

static int svk_vm_region(struct svk_link *l, const struct sv_mmio_region *a)
{
	struct sv_rpc_region r = { .gpa = a->gpa, .size = a->size, .flags = a->flags };
	bool remove = a->flags & SV_RPC_REGION_F_REMOVE;
	struct sv_rpc_msg m;
	u32 i;
	int ret;

	if (a->pad || sv_rpc_encode_region(&m, &r))
		return -EINVAL;
	for (i = 0; i < l->nr_regions; i++)
		if (l->regions[i].gpa == a->gpa && l->regions[i].size == a->size)
			break;
	if (remove && i == l->nr_regions)
		return -ENOENT;
	if (!remove && i == l->nr_regions && l->nr_regions == SVK_MAX_REGIONS)
		return -ENOSPC;
	ret = svk_announce(l, &m, true);
	if (ret)
		return ret;
	if (remove) {
		l->regions[i] = l->regions[--l->nr_regions];
	} else if (i == l->nr_regions) {
		l->regions[i].gpa = a->gpa;
		l->regions[i].size = a->size;
		l->nr_regions++;
	}
	return 0;
}

static int svk_vm_pci_dev(struct svk_link *l, const struct sv_pci_dev *a)
{
	struct sv_rpc_pci_dev p = { .index = a->index, .flags = a->flags };
	struct sv_rpc_msg m;
	int ret;

	if (sv_rpc_encode_pci_dev(&m, &p))
		return -EINVAL;
	ret = svk_announce(l, &m, true);
	if (ret)
		return ret;
	if (a->flags & SV_RPC_PCI_F_REMOVE)
		clear_bit(a->index, l->pci_devs);
	else
		set_bit(a->index, l->pci_devs);
	return 0;
}

/* Everything under link->lock; the user copies happen outside it. */
static long svk_vm_cmd(struct svk_link *l, unsigned int cmd, union sv_vm_arg *a)
{
	struct sv_rpc_msg m;

	switch (cmd) {
	case SV_VM_GET_IO:
		return svk_vm_get_io(l, &a->io);
	case SV_VM_COMPLETE_IO:
		return svk_vm_complete_io(l, &a->io);
	case SV_VM_GET_INFO:
		svk_fill_info(l, &a->info);
		return 0;
	case SV_VM_IOEVENTFD:
		return svk_ioeventfd(l, &a->ioeventfd);
	case SV_VM_IRQFD:
		return svk_irqfd(l, &a->irqfd);
	case SV_VM_SET_IRQ: {
		struct sv_rpc_set_irq s = { .irq = a->set_irq.irq, .level = a->set_irq.level };

		if (sv_rpc_encode_set_irq(&m, &s))
			return -EINVAL;
		return svk_announce(l, &m, false);
	}
	case SV_VM_MSI: {
		struct sv_rpc_msi msi = { .addr = a->msi.addr,
					  .data = a->msi.data,
					  .pcidev = a->msi.pcidev };

		if (sv_rpc_encode_msi(&m, &msi))
			return -EINVAL;
		return svk_announce(l, &m, false);
	}
	case SV_VM_REGISTER_PCI_DEV:
		return svk_vm_pci_dev(l, &a->pci_dev);
	case SV_VM_MMIO_REGION:
		return svk_vm_region(l, &a->region);
	case SV_VM_START_VM: {
		int ret;

		sv_rpc_msg_init(&m, SV_RPC_OP_START_VM);
		ret = svk_announce(l, &m, true);
		if (!ret)
			l->started = true;
		return ret;
	}
	case SV_VM_RESET:
		/* Registrations stay and are announced again in the new epoch. */
		svk_rpc_start(l, SV_RPC_RESET_RESTART);
		return l->rpc_open ? 0 : -ENOTCONN;
	default:
		return -ENOTTY;
	}
}

static bool svk_vm_cmd_known(unsigned int cmd)
{
	switch (cmd) {
	case SV_VM_GET_IO:
	case SV_VM_COMPLETE_IO:
	case SV_VM_GET_INFO:
	case SV_VM_IOEVENTFD:
	case SV_VM_IRQFD:
	case SV_VM_SET_IRQ:
	case SV_VM_MSI:
	case SV_VM_REGISTER_PCI_DEV:
	case SV_VM_MMIO_REGION:
	case SV_VM_START_VM:
	case SV_VM_RESET:
		return true;
	default:
		return false;
	}
}

static long svk_vm_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct svk_vm *vm = f->private_data;
	struct svk_link *l = vm->link;
	void __user *uarg = (void __user *)arg;
	unsigned int size = _IOC_SIZE(cmd);
	union sv_vm_arg a;
	long ret;

	if (cmd == SV_VM_SAVE_STATE || cmd == SV_VM_LOAD_STATE)
		return svk_vm_state_io(l, vm, cmd, uarg);
	if (!svk_vm_cmd_known(cmd))
		return -ENOTTY;
	BUILD_BUG_ON(sizeof(a) > 128);
	if (size > sizeof(a))
		return -ENOTTY;
	memset(&a, 0, sizeof(a));
	if ((_IOC_DIR(cmd) & _IOC_WRITE) && copy_from_user(&a, uarg, size))
		return -EFAULT;

	mutex_lock(&l->lock);
	if (l->dead || l->vm != vm)
		ret = -ENODEV;
	else
		ret = svk_vm_cmd(l, cmd, &a);
	svk_unlock_ring(l);

	if (!ret && (_IOC_DIR(cmd) & _IOC_READ) && copy_to_user(uarg, &a, size))
		return -EFAULT;
	return ret;
}

static const struct file_operations svk_vm_fops = {
	.owner = THIS_MODULE,
	.release = svk_vm_release,
	.unlocked_ioctl = svk_vm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.poll = svk_vm_poll,
	.mmap = svk_vm_mmap,
	.llseek = noop_llseek,
};

/* Returns the new handle's fd; on success the handle owns the caller's link reference. */
int svk_vm_create(struct svk_link *l)
{
	struct svk_vm *vm = kzalloc(sizeof(*vm), GFP_KERNEL);
	int fd;

	if (!vm)
		return -ENOMEM;
	vm->link = l;
	mutex_lock(&l->lock);
	if (l->dead) {
		fd = -ENODEV;
	} else if (l->vm) {
		fd = -EBUSY;
	} else {
		/*
		 * A private inode per handle (the _secure variant), so that
		 * unmap_mapping_range() on unplug reaches this handle's
		 * mappings and nobody else's.
		 */
		fd = anon_inode_getfd_secure("splitvirt-vm", &svk_vm_fops, vm, O_RDWR | O_CLOEXEC,
					     NULL);
		if (fd >= 0) {
			l->vm = vm;
			svk_rpc_start(l, SV_RPC_RESET_RESTART);
			l->notice = false;
		}
	}
	svk_unlock_ring(l);
	if (fd < 0)
		kfree(vm);
	return fd;
}
