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

#include "sv_internal.h"

DEFINE_MUTEX(sv_links_lock);
LIST_HEAD(sv_links);

void sv_link_release(struct kref *ref)
{
	struct sv_link *l = container_of(ref, struct sv_link, ref);

	pci_dev_put(l->pdev);
	kfree(l);
}

void sv_link_put(struct sv_link *l)
{
	kref_put(&l->ref, sv_link_release);
}

/* Returns the link with that LINK_ID with a reference held, or NULL. */
struct sv_link *sv_link_get(u32 id)
{
	struct sv_link *l, *found = NULL;

	mutex_lock(&sv_links_lock);
	list_for_each_entry(l, &sv_links, node) {
		if (l->id == id) {
			kref_get(&l->ref);
			found = l;
			break;
		}
	}
	mutex_unlock(&sv_links_lock);
	return found;
}

static long sv_ctl_nr_links(void)
{
	struct sv_link *l;
	long n = 0;

	mutex_lock(&sv_links_lock);
	list_for_each_entry(l, &sv_links, node)
		n++;
	mutex_unlock(&sv_links_lock);
	return n;
}

static long sv_ctl_link_info(void __user *uarg)
{
	struct sv_link_info info;
	struct sv_link *l;

	if (copy_from_user(&info, uarg, sizeof(info)))
		return -EFAULT;
	l = sv_link_get(info.link_id);
	if (!l)
		return -ENOENT;
	mutex_lock(&l->lock);
	sv_fill_info(l, &info);
	mutex_unlock(&l->lock);
	sv_link_put(l);
	if (copy_to_user(uarg, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static long sv_ctl_create_vm(unsigned long id)
{
	struct sv_link *l;
	int ret;

	if (id > U32_MAX)
		return -ENOENT;
	l = sv_link_get(id);
	if (!l)
		return -ENOENT;
	/* On success the handle keeps this reference. */
	ret = sv_vm_create(l);
	if (ret < 0)
		sv_link_put(l);
	return ret;
}

static long sv_ctl_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case SV_GET_NR_LINKS:
		return sv_ctl_nr_links();
	case SV_GET_LINK_INFO:
		return sv_ctl_link_info((void __user *)arg);
	case SV_CREATE_VM:
		return sv_ctl_create_vm(arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations sv_ctl_fops = {
	.owner = THIS_MODULE,
	.open = nonseekable_open,
	.unlocked_ioctl = sv_ctl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice sv_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "splitvirt",
	.fops = &sv_ctl_fops,
	.mode = 0600,
};

static int __init sv_init(void)
{
	int ret = misc_register(&sv_misc);

	if (ret) {
		pr_err("cannot register /dev/splitvirt: %d\n", ret);
		return ret;
	}
	ret = sv_pci_init();
	if (ret) {
		misc_deregister(&sv_misc);
		return ret;
	}
	pr_info("ready: /dev/splitvirt, %ld link(s)\n", sv_ctl_nr_links());
	return 0;
}

static void __exit sv_exit(void)
{
	/*
	 * Open handles and control fds hold module references, so nothing
	 * uses a link any more: removing the functions frees them all.
	 */
	sv_pci_exit();
	misc_deregister(&sv_misc);
	pr_info("unloaded\n");
}

module_init(sv_init);
module_exit(sv_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("splitvirt device-VM side of the dataport links");
