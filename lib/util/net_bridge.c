// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/sockios.h>

#include <splitvirt/net_bridge.h>

static int ifreq_name(struct ifreq *ifr, const char *name)
{
	memset(ifr, 0, sizeof(*ifr));
	if (strlen(name) >= sizeof(ifr->ifr_name))
		return -EINVAL;
	strncpy(ifr->ifr_name, name, sizeof(ifr->ifr_name) - 1);
	return 0;
}

int sv_bridge_add_if(const char *bridge, const char *ifname)
{
	unsigned int idx = if_nametoindex(ifname);
	struct ifreq ifr;
	int s, ret = 0;

	if (!idx)
		return -errno;
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	ret = ifreq_name(&ifr, bridge);
	if (ret)
		goto out;
	ifr.ifr_ifindex = (int)idx;
	if (ioctl(s, SIOCBRADDIF, &ifr) < 0) {
		ret = -errno;
		goto out;
	}
	ret = ifreq_name(&ifr, ifname);
	if (ret)
		goto out;
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		ret = -errno;
		goto out;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		ret = -errno;
out:
	close(s);
	return ret;
}
