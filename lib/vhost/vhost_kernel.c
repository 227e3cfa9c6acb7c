// SPDX-License-Identifier: GPL-2.0
/* The kernel's vhost through its ioctls (<splitvirt/vhost_kernel.h>). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vhost.h>

#include <splitvirt/vhost_kernel.h>

static int vk_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

int vhost_kernel_open(const char *dev)
{
	int fd = open(dev, O_RDWR | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = vk_ioctl(fd, VHOST_SET_OWNER, NULL);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

int vhost_kernel_get_features(int fd, uint64_t *features)
{
	return vk_ioctl(fd, VHOST_GET_FEATURES, features);
}

int vhost_kernel_set_features(int fd, uint64_t features)
{
	return vk_ioctl(fd, VHOST_SET_FEATURES, &features);
}

int vhost_kernel_set_mem_table(int fd, const struct vhost_user_mem_region *r, unsigned int n)
{
	struct vhost_memory *m;
	int ret;

	if (n > VHOST_USER_MAX_REGIONS)
		return -EINVAL;
	m = calloc(1, sizeof(*m) + n * sizeof(m->regions[0]));
	if (!m)
		return -ENOMEM;
	m->nregions = n;
	for (unsigned int i = 0; i < n; i++)
		m->regions[i] = (struct vhost_memory_region){
			.guest_phys_addr = r[i].guest_phys_addr,
			.memory_size = r[i].memory_size,
			.userspace_addr = r[i].userspace_addr,
		};
	ret = vk_ioctl(fd, VHOST_SET_MEM_TABLE, m);
	free(m);
	return ret;
}

int vhost_kernel_start_ring(int fd, uint16_t q, uint32_t num, uint32_t base,
			    const struct vhost_user_vring_addr *a, int kick, int call)
{
	struct vhost_vring_state st = { .index = q, .num = num };
	struct vhost_vring_addr addr = {
		.index = q,
		.desc_user_addr = a->desc_user_addr,
		.used_user_addr = a->used_user_addr,
		.avail_user_addr = a->avail_user_addr,
	};
	int ret = vk_ioctl(fd, VHOST_SET_VRING_NUM, &st);

	st.num = base;
	ret = ret ?: vk_ioctl(fd, VHOST_SET_VRING_BASE, &st);
	ret = ret ?: vk_ioctl(fd, VHOST_SET_VRING_ADDR, &addr);
	ret = ret ?: vk_ioctl(fd, VHOST_SET_VRING_KICK, &(struct vhost_vring_file){ q, kick });
	return ret ?: vk_ioctl(fd, VHOST_SET_VRING_CALL, &(struct vhost_vring_file){ q, call });
}

int vhost_kernel_stop_ring(int fd, uint16_t q, uint32_t *base)
{
	struct vhost_vring_state st = { .index = q };
	int ret = vk_ioctl(fd, VHOST_GET_VRING_BASE, &st);

	*base = st.num;
	return ret;
}

int vhost_kernel_net_backend(int fd, uint16_t q, int tap_fd)
{
	return vk_ioctl(fd, VHOST_NET_SET_BACKEND, &(struct vhost_vring_file){ q, tap_fd });
}
