// SPDX-License-Identifier: GPL-2.0
/*
 * splitvirt.ko: the device VM's side of splitvirt links. This file holds the
 * module entry points, the list of links and the control device
 * /dev/splitvirt (<splitvirt/kmod_uapi.h>).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "svk_internal.h"

DEFINE_MUTEX(svk_links_lock);
LIST_HEAD(svk_links);

void svk_link_release(struct kref *ref)
{
	struct svk_link *l = container_of(ref, struct svk_link, ref);

	pci_dev_put(l->pdev);
	kfree(l);
}

void svk_link_put(struct svk_link *l)
{
	kref_put(&l->ref, svk_link_release);
}

/* Returns the link with that LINK_ID with a reference held, or NULL. */
struct svk_link *svk_link_get(u32 id)
{
	struct svk_link *l, *found = NULL;

	mutex_lock(&svk_links_lock);
	list_for_each_entry(l, &svk_links, node) {
		if (l->id == id) {
			kref_get(&l->ref);
			found = l;
			break;
		}
	}
	mutex_unlock(&svk_links_lock);
	return found;
}

static long svk_ctl_nr_links(void)
{
	struct svk_link *l;
	long n = 0;

	mutex_lock(&svk_links_lock);
	list_for_each_entry(l, &svk_links, node)
		n++;
	mutex_unlock(&svk_links_lock);
	return n;
}

static long svk_ctl_link_info(void __user *uarg)
{
	struct sv_link_info info;
	struct svk_link *l;

	if (copy_from_user(&info, uarg, sizeof(info)))
		return -EFAULT;
	l = svk_link_get(info.link_id);
	if (!l)
		return -ENOENT;
	mutex_lock(&l->lock);
	svk_fill_info(l, &info);
	mutex_unlock(&l->lock);
	svk_link_put(l);
	if (copy_to_user(uarg, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static long svk_ctl_create_vm(unsigned long id)
{
	struct svk_link *l;
	int ret;

	if (id > U32_MAX)
		return -ENOENT;
	l = svk_link_get(id);
	if (!l)
		return -ENOENT;
	/* On success the handle keeps this reference. */
	ret = svk_vm_create(l);
	if (ret < 0)
		svk_link_put(l);
	return ret;
}

static long svk_ctl_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case SV_GET_NR_LINKS:
		return svk_ctl_nr_links();
	case SV_GET_LINK_INFO:
		return svk_ctl_link_info((void __user *)arg);
	case SV_CREATE_VM:
		return svk_ctl_create_vm(arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations svk_ctl_fops = {
	.owner = THIS_MODULE,
	.open = nonseekable_open,
	.unlocked_ioctl = svk_ctl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice svk_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "splitvirt",
	.fops = &svk_ctl_fops,
	.mode = 0600,
};

static int __init svk_init(void)
{
	int ret = misc_register(&svk_misc);

	if (ret) {
		pr_err("cannot register /dev/splitvirt: %d\n", ret);
		return ret;
	}
	ret = svk_pci_init();
	if (ret) {
		misc_deregister(&svk_misc);
		return ret;
	}
	pr_info("ready: /dev/splitvirt, %ld link(s)\n", svk_ctl_nr_links());
	return 0;
}

static void __exit svk_exit(void)
{
	/*
	 * Open handles and control fds hold module references, so nothing
	 * uses a link any more: removing the functions frees them all.
	 */
	svk_pci_exit();
	misc_deregister(&svk_misc);
	pr_info("unloaded\n");
}

module_init(svk_init);
module_exit(svk_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("splitvirt device-VM side of the dataport links");
