// SPDX-License-Identifier: GPL-2.0
/* virtio-net backends: a tap device, or any packet fd standing in for one. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <splitvirt/log.h>
#include <linux/virtio_net.h>

#include <splitvirt/virtio_net.h>

#define TAP_ALL_OFFLOADS (TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN)

static int tap_set_iff(int fd, const char *name, short flags, char *name_out, size_t name_len)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = flags;
	if (name)
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr))
		return -errno;
	if (name_out)
		snprintf(name_out, name_len, "%s", ifr.ifr_name);
	return 0;
}

static short tap_flags(bool vnet, bool mq)
{
	return (short)(IFF_TAP | IFF_NO_PI | (vnet ? IFF_VNET_HDR : 0) |
		       (mq ? IFF_MULTI_QUEUE : 0));
}

static int tap_set_queue(int fd, bool attach)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = attach ? IFF_ATTACH_QUEUE : IFF_DETACH_QUEUE;
	return ioctl(fd, TUNSETQUEUE, &ifr) ? -errno : 0;
}

/*
 * Queues 1.. of the multi-queue tap be->fds[0] belongs to (its kernel name
 * is name), up to pairs in all. They stop at the first the kernel refuses
 * (a queue limit, memory): fewer pairs work as well. Each is detached
 * once open, since only pair 0 is read until the driver asks for more.
 */
static void tap_add_queues(struct virtio_net_backend *be, const char *name, short flags,
			   uint16_t pairs)
{
	while (be->nqueues < pairs) {
		int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

		if (fd < 0)
			return;
		if (tap_set_iff(fd, name, flags, NULL, 0) || tap_set_queue(fd, false)) {
			close(fd);
			return;
		}
		be->fds[be->nqueues++] = fd;
	}
}

int virtio_net_tap_open_mq(struct virtio_net_backend **out, const char *name, uint16_t pairs,
			   char *name_out, size_t name_len)
{
	struct virtio_net_backend *be;
	unsigned int features = 0;
	int fd, err, hdr = VIRTIO_NET_HDR_SIZE;
	char kname[IFNAMSIZ] = "";
	bool vnet = true, mq = pairs > 1;

	if (pairs > VIRTIO_NET_MAX_QUEUE_PAIRS)
		return -EINVAL;
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Some kernels report no features at all; then just try VNET_HDR (and MULTI_QUEUE). */
	if (!ioctl(fd, TUNGETFEATURES, &features) && features) {
		if (!(features & IFF_VNET_HDR))
			vnet = false;
		if (!(features & IFF_MULTI_QUEUE))
			mq = false;
	}
	err = tap_set_iff(fd, name, tap_flags(vnet, mq), kname, sizeof(kname));
	if (err && mq) {
		/* An existing single-queue tap of that name (or an old kernel): one queue, then. */
		mq = false;
		err = tap_set_iff(fd, name, tap_flags(vnet, false), kname, sizeof(kname));
	}
	if (err == -EINVAL && vnet) {
		vnet = false;
		err = tap_set_iff(fd, name, tap_flags(false, false), kname, sizeof(kname));
	}
	if (!err && vnet && ioctl(fd, TUNSETVNETHDRSZ, &hdr))
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	be = calloc(1, sizeof(*be));
	if (!be) {
		close(fd);
		return -ENOMEM;
	}
	be->fd = be->fds[0] = fd;
	be->nqueues = 1;
	be->attached[0] = true;
	be->vnet_hdr = vnet;
	be->is_tap = true;
	be->own_fd = true;
	be->multi_queue = mq;
	/* The header size and offloads are the interface's: queue 0 sets them for all. */
	if (mq)
		tap_add_queues(be, kname, tap_flags(vnet, true), pairs);
	/* Offloads need the header to describe them; probe, then start with none. */
	if (vnet && !ioctl(fd, TUNSETOFFLOAD, TAP_ALL_OFFLOADS)) {
		be->offloads = true;
		ioctl(fd, TUNSETOFFLOAD, 0);
	}
	if (name_out)
		snprintf(name_out, name_len, "%s", kname);
	*out = be;
	return 0;
}

int virtio_net_backend_set_offloads(struct virtio_net_backend *be, uint64_t guest_features)
{
	unsigned int flags = 0;

	if (!be->is_tap || !be->offloads)
		return 0;
	/* The tap may only hand the guest what it accepts (GUEST_*). */
	if (guest_features & (1ull << VIRTIO_NET_F_GUEST_CSUM))
		flags |= TUN_F_CSUM;
	if (guest_features & (1ull << VIRTIO_NET_F_GUEST_TSO4))
		flags |= TUN_F_TSO4;
	if (guest_features & (1ull << VIRTIO_NET_F_GUEST_TSO6))
		flags |= TUN_F_TSO6;
	if (guest_features & (1ull << VIRTIO_NET_F_GUEST_ECN))
		flags |= TUN_F_TSO_ECN;
	/* The interface's, not a queue's: set through queue 0, they hold for every queue. */
	return ioctl(be->fd, TUNSETOFFLOAD, flags) ? -errno : 0;
}

int virtio_net_tap_open(struct virtio_net_backend **out, const char *name, char *name_out,
			size_t name_len)
{
	return virtio_net_tap_open_mq(out, name, 1, name_out, name_len);
}

int virtio_net_fd_backend_mq(struct virtio_net_backend **out, const int *fds, uint16_t n,
			     bool vnet_hdr)
{
	struct virtio_net_backend *be;

	if (n < 1 || n > VIRTIO_NET_MAX_QUEUE_PAIRS)
		return -EINVAL;
	for (uint16_t i = 0; i < n; i++) {
		int fl = fcntl(fds[i], F_GETFL);

		if (fl < 0 || fcntl(fds[i], F_SETFL, fl | O_NONBLOCK))
			return -errno;
	}
	be = calloc(1, sizeof(*be));
	if (!be)
		return -ENOMEM;
	memcpy(be->fds, fds, n * sizeof(fds[0]));
	be->fd = fds[0];
	be->nqueues = n;
	be->attached[0] = true;
	be->vnet_hdr = vnet_hdr;
	*out = be;
	return 0;
}

int virtio_net_fd_backend(struct virtio_net_backend **out, int fd, bool vnet_hdr)
{
	return virtio_net_fd_backend_mq(out, &fd, 1, vnet_hdr);
}

int virtio_net_backend_set_queue(struct virtio_net_backend *be, uint16_t q, bool attach)
{
	int err;

	if (q == 0 || q >= be->nqueues)
		return -EINVAL;
	/* The kernel refuses to attach an attached queue (or detach a detached one). */
	if (be->attached[q] == attach)
		return 0;
	if (be->multi_queue) {
		err = tap_set_queue(be->fds[q], attach);
		if (err)
			return err;
	}
	be->attached[q] = attach;
	return 0;
}

void virtio_net_backend_close(struct virtio_net_backend *be)
{
	if (!be)
		return;
	if (be->own_fd)
		for (uint16_t i = 0; i < be->nqueues; i++)
			close(be->fds[i]);
	free(be);
}
