// SPDX-License-Identifier: GPL-2.0
/*
 * The supervisor's half of the vmm sandbox (docs/security.md): as root it
 * makes what a vmm needs privileges for -- /dev/kvm reachable through a
 * group, taps owned by the VM's user and already on their bridges, disk
 * images opened and passed as fds -- so that each vmm can run as its own
 * unprivileged user without capabilities. The vmm installs its seccomp
 * filter itself once its VM is built (vmm/main.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/if_tun.h>

#include <splitvirt/log.h>
#include <splitvirt/net_bridge.h>

#include "supervisor.h"

#define KVM_DEV "/dev/kvm"

/*
 * The group that may open /dev/kvm: the one it has (a distribution's "kvm"
 * group), else uid_base. No getgrnam(): the static binary has no NSS.
 */
static int kvm_group(struct sup_sandbox *sb)
{
	struct stat st;

	if (stat(KVM_DEV, &st) < 0) {
		/* No KVM here (unit tests with a fake vmm): nothing to share. */
		sb->kvm_gid = sb->uid_base;
		return 0;
	}
	if (st.st_gid != 0 && (st.st_mode & 060) == 060) {
		sb->kvm_gid = st.st_gid;
		return 0;
	}
	sb->kvm_gid = (gid_t)sb->uid_base;
	/* root:root 0600 (a bare devtmpfs, as in the board): give it to the group. */
	if (chown(KVM_DEV, st.st_uid, sb->kvm_gid) < 0 ||
	    chmod(KVM_DEV, (st.st_mode & 07777) | 060) < 0)
		return -errno;
	pr_info("sandbox: %s is now group %u, mode %o, for the vmms' users", KVM_DEV,
		(unsigned int)sb->kvm_gid, (unsigned int)((st.st_mode & 07777) | 060));
	return 0;
}

int sup_sandbox_init(struct sup_sandbox *sb, const struct sv_topology *t, bool on,
		     unsigned int uid_base)
{
	int ret;

	memset(sb, 0, sizeof(*sb));
	sb->on = on;
	sb->uid_base = uid_base;
	sb->ready = true;
	(void)t;
	for (unsigned int i = 0; i < SV_TOPO_MAX_VMS; i++) {
		for (unsigned int d = 0; d < SV_TOPO_MAX_DISKS; d++)
			sb->disk_fds[i][d] = -1;
	}
	if (!on) {
		pr_warn("sandbox off (--no-sandbox): every vmm runs as %s, without seccomp",
			geteuid() ? "this user" : "root");
		return 0;
	}
	/* Without root there is no one to drop to: no_new_privs, rlimits and seccomp only. */
	sb->drop = geteuid() == 0;
	if (!sb->drop) {
		pr_info("sandbox: not root, so the vmms keep uid %d and share our namespaces",
			(int)getuid());
		return 0;
	}
	ret = kvm_group(sb);
	if (ret)
		pr_err("sandbox: cannot give %s to group %u: %s", KVM_DEV,
		       (unsigned int)sb->kvm_gid, strerror(-ret));
	return ret;
}

uid_t sup_sandbox_uid(const struct sup_sandbox *sb, unsigned int vm)
{
	return (uid_t)(sb->uid_base + 1 + vm);
}

/*
 * udev makes /dev/net/tun 0666 on every distribution; a bare devtmpfs (the
 * board) leaves it 0600. Opening it gives nothing by itself: attaching to
 * a tap takes CAP_NET_ADMIN or owning the tap, as the VM's user does ours.
 */
static int tun_open_to_all(void)
{
	struct stat st;

	if (stat("/dev/net/tun", &st) < 0)
		return -errno;
	if ((st.st_mode & 0666) == 0666)
		return 0;
	if (chmod("/dev/net/tun", (st.st_mode & 07777) | 0666) < 0)
		return -errno;
	pr_info("sandbox: /dev/net/tun is now mode %o, as udev makes it, for the vmms' taps",
		(unsigned int)((st.st_mode & 07777) | 0666));
	return 0;
}

/*
 * TUNSETIFF on fd for tap name: multi-queue first (the vmm then opens a
 * queue per virtio-net queue pair), else as a single-queue tap, which is
 * what a tap made without IFF_MULTI_QUEUE (by an older supervisor, or by
 * hand) requires.
 */
static int tap_set_iff(int fd, const char *name, short flags)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = (short)(flags | IFF_MULTI_QUEUE);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) == 0)
		return 0;
	ifr.ifr_flags = flags;
	return ioctl(fd, TUNSETIFF, &ifr) < 0 ? -errno : 0;
}

/* A persistent tap owned by the VM's user; the vmm attaches to it without CAP_NET_ADMIN. */
static int make_tap(const char *name, uid_t uid, bool *created)
{
	int fd, ret;

	*created = if_nametoindex(name) == 0;
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* The vmm's own flags (lib/virtio/net_backend.c): a tap, no PI, vnet headers. */
	ret = tap_set_iff(fd, name, IFF_TAP | IFF_NO_PI | IFF_VNET_HDR);
	if (!ret &&
	    (ioctl(fd, TUNSETOWNER, (unsigned long)uid) < 0 ||
	     ioctl(fd, TUNSETGROUP, (unsigned long)uid) < 0 || ioctl(fd, TUNSETPERSIST, 1UL) < 0))
		ret = -errno;
	close(fd);
	return ret;
}

static void remove_tap(const char *name)
{
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	/* Not persistent any more: it goes when this last fd closes. */
	if (tap_set_iff(fd, name, IFF_TAP | IFF_NO_PI) == 0)
		ioctl(fd, TUNSETPERSIST, 0UL);
	close(fd);
}

static int prepare_nets(struct sup_sandbox *sb, const struct sv_topo_vm *vm, unsigned int i)
{
	uid_t uid = sup_sandbox_uid(sb, i);
	int ret = vm->nr_nets ? tun_open_to_all() : 0;

	if (ret) {
		pr_err("VM '%s': cannot make /dev/net/tun usable by uid %u: %s", vm->name,
		       (unsigned int)uid, strerror(-ret));
		return ret;
	}
	for (unsigned int n = 0; n < vm->nr_nets; n++) {
		const struct sv_topo_net *net = &vm->nets[n];
		bool created;

		ret = make_tap(net->tap, uid, &created);
		if (ret) {
			pr_err("VM '%s': cannot make tap %s for uid %u: %s", vm->name, net->tap,
			       (unsigned int)uid, strerror(-ret));
			return ret;
		}
		if (created && sb->nr_taps < SUP_SANDBOX_MAX_TAPS)
			snprintf(sb->taps[sb->nr_taps++], sizeof(sb->taps[0]), "%s", net->tap);
		if (net->bridge) {
			ret = sv_bridge_add_if(net->bridge, net->tap);
			if (ret) {
				pr_err("VM '%s': adding tap %s to bridge %s: %s%s", vm->name,
				       net->tap, net->bridge, strerror(-ret),
				       ret == -ENODEV ? " (does the bridge exist?)" : "");
				return ret;
			}
		}
		pr_debug("VM '%s': tap %s %s for uid %u%s%s", vm->name, net->tap,
			 created ? "created" : "handed", (unsigned int)uid,
			 net->bridge ? ", on bridge " : "", net->bridge ? net->bridge : "");
	}
	return 0;
}

static int prepare_disks(struct sup_sandbox *sb, const struct sv_topo_vm *vm, unsigned int i)
{
	for (unsigned int d = 0; d < vm->nr_disks; d++) {
		const struct sv_topo_disk *disk = &vm->disks[d];
		int fd = open(disk->path, (disk->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);

		if (fd < 0) {
			int ret = -errno;

			pr_err("VM '%s': cannot open disk %s: %s", vm->name, disk->path,
			       strerror(-ret));
			return ret;
		}
		sb->disk_fds[i][d] = fd;
	}
	return 0;
}

int sup_sandbox_prepare_vm(struct sup_sandbox *sb, const struct sv_topology *t, unsigned int i)
{
	int ret;

	if (!sb->drop || sb->prepared[i])
		return 0;
	ret = prepare_disks(sb, &t->vms[i], i);
	ret = ret ?: prepare_nets(sb, &t->vms[i], i);
	sb->prepared[i] = !ret;
	return ret;
}

void sup_sandbox_spawn_config(const struct sup_sandbox *sb, const struct sv_topology *t,
			      unsigned int i, unsigned int nr_fds, struct sup_spawn_sandbox *c)
{
	memset(c, 0, sizeof(*c));
	c->on = sb->on;
	c->drop = sb->drop;
	c->uid = sup_sandbox_uid(sb, i);
	c->gid = (gid_t)c->uid;
	c->kvm_gid = sb->kvm_gid;
	snprintf(c->hostname, sizeof(c->hostname), "%s", t->vms[i].name);
	/*
	 * Its grants, stdio, and what it opens itself: /dev/kvm, the VM, one fd
	 * per vCPU, GIC and ITS, the event loop, and two eventfds per virtqueue.
	 */
	c->nofile = nr_fds + 3 + 256;
	/* Threads count: its vCPUs, the I/O thread, and some room. */
	c->nproc = t->vms[i].cpus + 16;
	/* VFIO pins all of guest RAM for DMA, and counts it against RLIMIT_MEMLOCK. */
	if (sb->drop && t->vms[i].nr_passthrough)
		c->memlock = t->vms[i].memory + SUP_PASSTHROUGH_MEMLOCK_SLACK;
}

void sup_sandbox_close_fds(struct sup_sandbox *sb)
{
	if (!sb->ready)
		return;
	for (unsigned int i = 0; i < SV_TOPO_MAX_VMS; i++) {
		for (unsigned int d = 0; d < SV_TOPO_MAX_DISKS; d++) {
			if (sb->disk_fds[i][d] >= 0)
				close(sb->disk_fds[i][d]);
			sb->disk_fds[i][d] = -1;
		}
	}
}

void sup_sandbox_fini(struct sup_sandbox *sb)
{
	sup_sandbox_close_fds(sb);
	for (unsigned int k = 0; k < sb->nr_taps; k++)
		remove_tap(sb->taps[k]);
	sb->nr_taps = 0;
}
