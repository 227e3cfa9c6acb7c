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

int virtio_net_tap_open(struct virtio_net_backend **out, const char *name, char *name_out,
			size_t name_len)
{
	struct virtio_net_backend *be;
	unsigned int features = 0;
	int fd, err, hdr = VIRTIO_NET_HDR_SIZE;
	bool vnet = true;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Some kernels report no features at all; then just try VNET_HDR. */
	if (!ioctl(fd, TUNGETFEATURES, &features) && features && !(features & IFF_VNET_HDR))
		vnet = false;
	err = tap_set_iff(fd, name, IFF_TAP | IFF_NO_PI | (vnet ? IFF_VNET_HDR : 0), name_out,
			  name_len);
	if (err == -EINVAL && vnet) {
		vnet = false;
		err = tap_set_iff(fd, name, IFF_TAP | IFF_NO_PI, name_out, name_len);
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
	be->fd = fd;
	be->vnet_hdr = vnet;
	be->is_tap = true;
	be->own_fd = true;
	/* Offloads need the header to describe them; probe, then start with none. */
	if (vnet && !ioctl(fd, TUNSETOFFLOAD, TAP_ALL_OFFLOADS)) {
		be->offloads = true;
		ioctl(fd, TUNSETOFFLOAD, 0);
	}
	*out = be;
	return 0;
}

int virtio_net_fd_backend(struct virtio_net_backend **out, int fd, bool vnet_hdr)
{
	struct virtio_net_backend *be;
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK))
		return -errno;
	be = calloc(1, sizeof(*be));
	if (!be)
		return -ENOMEM;
	be->fd = fd;
	be->vnet_hdr = vnet_hdr;
	*out = be;
	return 0;
}

void virtio_net_backend_close(struct virtio_net_backend *be)
{
	if (!be)
		return;
	if (be->own_fd)
		close(be->fd);
	free(be);
}
