// SPDX-License-Identifier: GPL-2.0
/*
 * A virtio device served by a vhost-user back-end (<splitvirt/vhost_user_dev.h>).
 *
 * Threads and locking: every entry point runs with the device lock held
 * (model ops from the transport and the host glue), so the connection,
 * the queues' hand-over and the recovery state change under one lock.
 * Calls to the back-end block under it for at most the connection's
 * timeout; a back-end slower than that is dropped like a dead one.
 *
 * Who owns a queue: while `offloaded[q]`, the glue does not read q's kick
 * eventfd. With a connected, started back-end that is the back-end's; with
 * a dead one nobody reads it (requests wait) until the grace period ends,
 * then the glue serves the queue again and this model fails what comes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include <splitvirt/log.h>
#include <splitvirt/vhost_kernel.h>
#include <splitvirt/vhost_user.h>
#include <splitvirt/vhost_user_dev.h>
#include <splitvirt/virtio_host.h>

/* Transport bits the model passes through when the back-end has them. */
#define VU_TRANSPORT_FEATURES                                                   \
	((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_RING_F_INDIRECT_DESC) | \
	 (1ull << VIRTIO_RING_F_EVENT_IDX) | (1ull << VIRTIO_F_ANY_LAYOUT) |    \
	 (1ull << VIRTIO_F_NOTIFY_ON_EMPTY))
#define VU_DEVICE_BITS ((1ull << 24) - 1)

struct vu_dev;

/*
 * How the rings reach the back-end: vhost-user messages, or the kernel's
 * vhost ioctls. The rest (when, with which memory and eventfds, what a
 * reset or a dead back-end means) is one logic for both.
 */
struct vu_backend_ops {
	int (*set_features)(struct vu_dev *v, uint64_t f);
	int (*set_mem_table)(struct vu_dev *v, const struct vhost_user_mem_region *r,
			     const int *fds, unsigned int n);
	int (*start_ring)(struct vu_dev *v, uint16_t q, uint32_t num, uint32_t base,
			  const struct vhost_user_vring_addr *a, int kick, int call);
	int (*stop_ring)(struct vu_dev *v, uint16_t q);
};

struct vu_dev {
	struct virtio_dev dev;
	const struct vu_backend_ops *ops;
	struct vhost_kernel_params kernel; /* ops == &vk_ops */
	int kfd; /* the kernel vhost device; -1 for vhost-user */
	char name[64];
	char socket[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct vhost_user_dev_params p;
	struct vhost_user_dev_region regions[VHOST_USER_DEV_MAX_REGIONS];
	uint8_t config[VHOST_USER_MAX_CONFIG];
	struct virtio_host *vh;

	struct vhost_user_conn conn; /* conn.fd < 0: no back-end */
	uint64_t backend_features;
	int epfd, timerfd; /* the device's backend fd: the socket and the retry timer */

	bool started; /* the back-end has the rings */
	bool offloaded[VIRTIO_HOST_MAX_QUEUES];
	bool failing; /* the grace period is over: requests fail until a back-end is back */
	int64_t down_since_ms;
	/*
	 * Reconnect pacing: a back-end that accepts and then does not answer
	 * holds this device's thread for a whole call timeout per attempt, so
	 * after each timeout the next attempt waits twice as long (to 5 s).
	 */
	int64_t next_try_ms;
	int retry_ms;

	/* The back-end's in-flight records (PROTOCOL_F_INFLIGHT_SHMFD), kept across reconnects. */
	struct vhost_user_inflight inflight;
	int inflight_fd;
	void *inflight_map;
	uint16_t *heads;

	unsigned long log_backend, log_kick;
};

static struct vu_dev *vu_of(struct virtio_dev *dev)
{
	return (struct vu_dev *)dev;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void arm_retry(struct vu_dev *v, bool on)
{
	long ns = on ? VHOST_USER_DEV_RETRY_MS * 1000000L : 0;
	struct itimerspec it = { .it_interval = { 0, ns }, .it_value = { 0, ns } };

	timerfd_settime(v->timerfd, 0, &it, NULL);
}

/* ---- in-flight records ------------------------------------------------------- */

static void inflight_drop(struct vu_dev *v)
{
	if (v->inflight_map)
		munmap(v->inflight_map, v->inflight.mmap_size);
	if (v->inflight_fd >= 0)
		close(v->inflight_fd);
	v->inflight_map = NULL;
	v->inflight_fd = -1;
	memset(&v->inflight, 0, sizeof(v->inflight));
}

/* The first start gets the back-end's buffer; later ones give the same back. */
static int inflight_setup(struct vu_dev *v)
{
	struct vhost_user_inflight got;
	int fd, ret;
	void *map;

	if (!(v->conn.protocol_features & (1ull << VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD)))
		return 0;
	if (v->inflight_fd < 0) {
		ret = vhost_user_get_inflight_fd(&v->conn, v->dev.num_queues, v->p.queue_size, &got,
						 &fd);
		if (ret)
			return ret;
		if (fd < 0)
			return 0;
		if (!got.mmap_size || got.mmap_size > (64ull << 20)) {
			close(fd);
			return -EPROTO;
		}
		map = mmap(NULL, got.mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			   (off_t)got.mmap_offset);
		if (map == MAP_FAILED) {
			close(fd);
			return -EPROTO;
		}
		v->inflight = got;
		v->inflight_fd = fd;
		v->inflight_map = map;
	}
	return vhost_user_set_inflight_fd(&v->conn, &v->inflight, v->inflight_fd);
}

/* ---- the connection ------------------------------------------------------------- */

static int sock_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

/*
 * Ownership, features, protocol features, queues and config: the part of
 * the handshake that does not depend on the driver. first: at creation
 * (learns what to offer), else a reconnect (checks the back-end still
 * offers what the driver took).
 */
static int handshake(struct vu_dev *v, bool first, const char **why)
{
	uint64_t f, pf = 0, nq;
	uint8_t cfg[VHOST_USER_MAX_CONFIG];
	int ret;

	*why = "the handshake failed";
	ret = vhost_user_set_owner(&v->conn);
	ret = ret ?: vhost_user_get_features(&v->conn, &f);
	if (!ret && (f & (1ull << VHOST_USER_F_PROTOCOL_FEATURES))) {
		ret = vhost_user_get_protocol_features(&v->conn, &pf);
		ret = ret   ?:
			      vhost_user_set_protocol_features(&v->conn,
							       pf & VHOST_USER_PROTOCOL_SUPPORTED);
	}
	if (ret)
		return ret;
	if (!(f & (1ull << VIRTIO_F_VERSION_1))) {
		*why = "the back-end does not offer VIRTIO_F_VERSION_1";
		return -EPROTO;
	}
	if (v->conn.protocol_features & (1ull << VHOST_USER_PROTOCOL_F_MQ)) {
		ret = vhost_user_get_queue_num(&v->conn, &nq);
		if (ret)
			return ret;
		if (nq < v->dev.num_queues) {
			*why = "the back-end has fewer queues than the device";
			return -EPROTO;
		}
	}
	if (!v->p.config) {
		if (!(v->conn.protocol_features & (1ull << VHOST_USER_PROTOCOL_F_CONFIG))) {
			*why = "the back-end cannot tell its config (no PROTOCOL_F_CONFIG)";
			return -EPROTO;
		}
		ret = vhost_user_get_config(&v->conn, 0, v->dev.config_size, 0, cfg);
		if (ret)
			return ret;
		if (v->p.config_fixup)
			v->p.config_fixup(cfg, v->dev.num_queues);
		if (!first && memcmp(cfg, v->config, v->dev.config_size)) {
			memcpy(v->config, cfg, v->dev.config_size);
			if (v->dev.status & VIRTIO_CONFIG_S_DRIVER_OK)
				virtio_dev_config_changed(&v->dev);
		}
		if (first)
			memcpy(v->config, cfg, v->dev.config_size);
	}
	if (!first && (v->dev.status & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    (v->dev.driver_features & ~(1ull << VIRTIO_F_ACCESS_PLATFORM) & ~f)) {
		*why = "the back-end lacks features the driver uses";
		return -EPROTO;
	}
	v->backend_features = f;
	return 0;
}

static int backend_connect(struct vu_dev *v, bool first)
{
	const char *why;
	int fd = sock_connect(v->socket), ret;

	if (fd < 0)
		return fd;
	vhost_user_conn_init(&v->conn, fd, v->p.timeout_ms);
	ret = handshake(v, first, &why);
	if (!ret &&
	    epoll_ctl(v->epfd, EPOLL_CTL_ADD, fd,
		      &(struct epoll_event){ .events = EPOLLIN | EPOLLRDHUP, .data.fd = fd }))
		ret = -errno;
	if (ret) {
		pr_warn_limited(&v->log_backend, "%s: vhost-user back-end at %s: %s: %s", v->name,
				v->socket, why, strerror(-ret));
		close(fd);
		v->conn.fd = -1;
	}
	return ret;
}

/* ---- handing the rings over ------------------------------------------------------- */

static bool connected(const struct vu_dev *v)
{
	return v->kfd >= 0 || v->conn.fd >= 0;
}

static int vu_set_features(struct vu_dev *v, uint64_t f)
{
	return vhost_user_set_features(&v->conn, f);
}

static int vu_set_mem_table(struct vu_dev *v, const struct vhost_user_mem_region *r, const int *fds,
			    unsigned int n)
{
	return vhost_user_set_mem_table(&v->conn, r, fds, n);
}

static int vu_start_ring(struct vu_dev *v, uint16_t q, uint32_t num, uint32_t base,
			 const struct vhost_user_vring_addr *a, int kick, int call)
{
	int ret = vhost_user_set_vring_num(&v->conn, q, num);

	ret = ret ?: vhost_user_set_vring_base(&v->conn, q, base);
	ret = ret ?: vhost_user_set_vring_addr(&v->conn, a);
	ret = ret ?: vhost_user_set_vring_kick(&v->conn, q, kick);
	ret = ret ?: vhost_user_set_vring_call(&v->conn, q, call);
	/* With protocol features, rings start disabled. */
	if (!ret && (v->conn.features & (1ull << VHOST_USER_F_PROTOCOL_FEATURES)))
		ret = vhost_user_set_vring_enable(&v->conn, q, 1);
	return ret;
}

static int vu_stop_ring(struct vu_dev *v, uint16_t q)
{
	uint32_t base;

	return vhost_user_get_vring_base(&v->conn, q, &base);
}

static const struct vu_backend_ops vu_user_ops = {
	.set_features = vu_set_features,
	.set_mem_table = vu_set_mem_table,
	.start_ring = vu_start_ring,
	.stop_ring = vu_stop_ring,
};

static int vk_set_features(struct vu_dev *v, uint64_t f)
{
	int ret = vhost_kernel_set_features(v->kfd, f);

	/* The tap takes the offloads the driver accepted. */
	if (!ret && v->kernel.features_ok)
		v->kernel.features_ok(v->kernel.ctx, v->dev.driver_features);
	return ret;
}

static int vk_set_mem_table(struct vu_dev *v, const struct vhost_user_mem_region *r, const int *fds,
			    unsigned int n)
{
	(void)fds; /* the kernel walks our own mappings */
	return vhost_kernel_set_mem_table(v->kfd, r, n);
}

static int vk_start_ring(struct vu_dev *v, uint16_t q, uint32_t num, uint32_t base,
			 const struct vhost_user_vring_addr *a, int kick, int call)
{
	int ret = vhost_kernel_start_ring(v->kfd, q, num, base, a, kick, call);

	return ret ?: vhost_kernel_net_backend(v->kfd, q, v->kernel.queue_fd(v->kernel.ctx, q));
}

static int vk_stop_ring(struct vu_dev *v, uint16_t q)
{
	uint32_t base;
	int ret = vhost_kernel_net_backend(v->kfd, q, -1);

	return ret ?: vhost_kernel_stop_ring(v->kfd, q, &base);
}

static const struct vu_backend_ops vk_ops = {
	.set_features = vk_set_features,
	.set_mem_table = vk_set_mem_table,
	.start_ring = vk_start_ring,
	.stop_ring = vk_stop_ring,
};

static void queue_offload(struct vu_dev *v, uint16_t q, bool on)
{
	if (v->offloaded[q] == on || !v->vh)
		return;
	if (!virtio_host_offload_queue(v->vh, q, on))
		v->offloaded[q] = on;
}

static int start_queue(struct vu_dev *v, uint16_t q)
{
	struct virtq *vq = &v->dev.vqs[q];
	struct vhost_user_vring_addr a = {
		.index = q,
		.desc_user_addr = (uintptr_t)vq->desc,
		.avail_user_addr = (uintptr_t)vq->avail,
		.used_user_addr = (uintptr_t)vq->used,
	};
	uint64_t one = 1;
	int kick, call, ret;

	virtio_host_queue_fds(v->vh, q, &kick, &call);
	/* Where the guest sees the ring: the back-end adds what its records hold. */
	virtq_resync(vq);
	/* Served with errors since the last one died: nothing is in flight anywhere. */
	if (v->failing && v->inflight_map)
		vhost_user_inflight_forget(v->inflight_map, v->inflight.mmap_size,
					   v->inflight.num_queues, q, vq->size, vq->used_idx);
	ret = v->ops->start_ring(v, q, vq->size, vq->last_avail_idx, &a, kick, call);
	if (ret)
		return ret;
	queue_offload(v, q, true);
	/* Buffers made available before the hand-over: have the back-end look. */
	if (write(kick, &one, sizeof(one)) != sizeof(one))
		return -errno;
	return 0;
}

static int backend_start(struct vu_dev *v)
{
	struct vhost_user_mem_region r[VHOST_USER_DEV_MAX_REGIONS];
	int fds[VHOST_USER_DEV_MAX_REGIONS];
	uint64_t f = v->dev.driver_features & ~(1ull << VIRTIO_F_ACCESS_PLATFORM);
	int ret;

	for (unsigned int i = 0; i < v->p.nr_regions; i++) {
		r[i] = (struct vhost_user_mem_region){
			.guest_phys_addr = v->regions[i].gpa,
			.memory_size = v->regions[i].size,
			.userspace_addr = (uintptr_t)v->regions[i].hva,
			.mmap_offset = v->regions[i].fd_offset,
		};
		fds[i] = v->regions[i].fd;
	}
	/* The device bits a kernel vhost leaves to the tap are not its to see. */
	f &= v->backend_features;
	if (v->backend_features & (1ull << VHOST_USER_F_PROTOCOL_FEATURES))
		f |= 1ull << VHOST_USER_F_PROTOCOL_FEATURES;
	ret = v->ops->set_features(v, f);
	ret = ret ?: inflight_setup(v);
	ret = ret ?: v->ops->set_mem_table(v, r, fds, v->p.nr_regions);
	for (uint16_t q = 0; !ret && q < v->dev.num_queues; q++)
		if (v->dev.vqs[q].enabled)
			ret = start_queue(v, q);
	v->started = !ret;
	return ret;
}

/* The rings back from a connected back-end (a reset): it stops using them. */
static void backend_stop(struct vu_dev *v)
{
	for (uint16_t q = 0; q < v->dev.num_queues; q++) {
		if (v->started && v->dev.vqs[q].enabled && connected(v))
			v->ops->stop_ring(v, q);
		queue_offload(v, q, false);
	}
	v->started = false;
	if (v->kernel.features_ok)
		v->kernel.features_ok(v->kernel.ctx, 0);
}

static void backend_lost(struct vu_dev *v, const char *why)
{
	if (v->conn.fd < 0)
		return;
	pr_warn_limited(&v->log_backend,
			"%s: vhost-user back-end at %s %s; requests wait %d ms for it, then fail",
			v->name, v->socket, why, v->p.grace_ms);
	epoll_ctl(v->epfd, EPOLL_CTL_DEL, v->conn.fd, NULL);
	close(v->conn.fd);
	v->conn.fd = -1;
	v->started = false;
	v->down_since_ms = now_ms();
	v->next_try_ms = 0;
	v->retry_ms = VHOST_USER_DEV_RETRY_MS;
	v->failing = false;
	arm_retry(v, true);
}

/* ---- no back-end: completing requests with an error -------------------------------- */

/* What the dead back-end had taken: completed here, its records cleared. */
static int fail_taken(struct vu_dev *v, struct virtq *vq)
{
	struct virtq_chain *c = v->dev.chain;
	int n, failed = 0;

	virtq_resync(vq);
	if (!v->inflight_map)
		return 0;
	n = vhost_user_inflight_heads(v->inflight_map, v->inflight.mmap_size,
				      v->inflight.num_queues, vq->index, vq->size, vq->used_idx,
				      v->heads);
	for (int i = 0; i < n; i++) {
		int len;

		if (virtq_chain_at(vq, v->heads[i], c))
			return -EIO; /* a hostile ring: broken, the device needs a reset */
		len = v->p.fail_chain(&v->dev, vq, c);
		virtq_add_used(vq, v->heads[i], len < 0 ? 0 : (uint32_t)len);
		failed++;
	}
	virtq_publish_used(vq);
	vq->last_avail_idx = vq->used_idx;
	vhost_user_inflight_forget(v->inflight_map, v->inflight.mmap_size, v->inflight.num_queues,
				   vq->index, vq->size, vq->used_idx);
	virtio_dev_notify_used(&v->dev, vq);
	return failed;
}

static void grace_over(struct vu_dev *v)
{
	int failed = 0, n;

	v->failing = true;
	for (uint16_t q = 0; q < v->dev.num_queues; q++) {
		struct virtq *vq = &v->dev.vqs[q];

		if (!v->offloaded[q])
			continue;
		queue_offload(v, q, false);
		if (!vq->enabled)
			continue;
		n = fail_taken(v, vq);
		if (n < 0) {
			virtio_dev_set_needs_reset(&v->dev,
						   "a request the back-end had is malformed");
			return;
		}
		failed += n;
		/* What came meanwhile (and, without records, what it had). */
		n = virtio_dev_drain_queue(&v->dev, vq, v->p.fail_chain);
		failed += n > 0 ? n : 0;
	}
	pr_warn("%s: vhost-user back-end at %s still gone after %d ms: %d pending request(s) failed; new ones fail until it is back",
		v->name, v->socket, v->p.grace_ms, failed);
}

static void backend_tick(struct vu_dev *v)
{
	uint64_t n;
	int ret;

	if (read(v->timerfd, &n, sizeof(n)) < 0)
		return;
	if (v->conn.fd >= 0)
		return;
	ret = now_ms() >= v->next_try_ms ? backend_connect(v, false) : -EAGAIN;
	if (ret) {
		if (ret == -ETIMEDOUT) {
			v->retry_ms = v->retry_ms * 2 > VHOST_USER_DEV_RETRY_MAX_MS ?
					      VHOST_USER_DEV_RETRY_MAX_MS :
					      v->retry_ms * 2;
			v->next_try_ms = now_ms() + v->retry_ms;
		}
		if (!v->failing && now_ms() - v->down_since_ms >= v->p.grace_ms)
			grace_over(v);
		return;
	}
	arm_retry(v, false);
	if ((v->dev.status & VIRTIO_CONFIG_S_DRIVER_OK) && v->vh && backend_start(v)) {
		backend_lost(v, "failed to take the queues back");
		return;
	}
	pr_info("%s: vhost-user back-end at %s is back; it serves the device again", v->name,
		v->socket);
	v->failing = false;
}

/* ---- model ops ----------------------------------------------------------------------- */

static void vu_config_read(struct virtio_dev *dev, uint32_t off, void *buf, uint32_t len)
{
	memcpy(buf, vu_of(dev)->config + off, len);
}

static void vu_driver_ok(struct virtio_dev *dev)
{
	struct vu_dev *v = vu_of(dev);
	int ret;

	if (!connected(v) || !v->vh)
		return;
	ret = backend_start(v);
	if (!ret)
		return;
	if (v->kfd < 0) {
		backend_lost(v, "failed to take the queues");
		return;
	}
	/* The kernel does not come and go: what it refused stays refused. */
	pr_err("%s: %s refused the queues: %s", v->name, v->kernel.device, strerror(-ret));
	backend_stop(v);
	virtio_dev_set_needs_reset(dev, "the kernel's vhost refused the queues");
}

static int vu_queue_notify(struct virtio_dev *dev, struct virtq *vq)
{
	struct vu_dev *v = vu_of(dev);
	uint64_t one = 1;
	int kick, call;

	if (v->started && v->offloaded[vq->index]) {
		/* A kick that trapped (no ioeventfd): hand it on. */
		virtio_host_queue_fds(v->vh, vq->index, &kick, &call);
		if (write(kick, &one, sizeof(one)) != sizeof(one))
			pr_warn_limited(&v->log_kick, "%s: forwarding a kick: %s", v->name,
					strerror(errno));
		return 0;
	}
	if (v->failing)
		return virtio_dev_drain_queue(dev, vq, v->p.fail_chain);
	return 0; /* waiting for a back-end */
}

static int vu_backend_ready(struct virtio_dev *dev)
{
	struct vu_dev *v = vu_of(dev);
	struct epoll_event ev[2];
	int n = epoll_wait(v->epfd, ev, 2, 0);
	char b;

	for (int i = 0; i < n; i++) {
		if (ev[i].data.fd == v->timerfd) {
			backend_tick(v);
			continue;
		}
		if (ev[i].data.fd != v->conn.fd)
			continue;
		/* Nothing is asked of it now: data is a protocol breach, EOF a death. */
		if (recv(v->conn.fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) > 0)
			backend_lost(v, "sent a message nobody asked for");
		else
			backend_lost(v, "closed its socket");
	}
	return 1;
}

static void vu_reset(struct virtio_dev *dev)
{
	struct vu_dev *v = vu_of(dev);

	backend_stop(v);
	/* Old rings' records must not be redone on the next start. */
	inflight_drop(v);
}

static void vu_destroy(struct virtio_dev *dev)
{
	struct vu_dev *v = vu_of(dev);

	inflight_drop(v);
	if (v->conn.fd >= 0)
		close(v->conn.fd);
	if (v->kfd >= 0)
		close(v->kfd);
	if (v->kernel.release)
		v->kernel.release(v->kernel.ctx);
	if (v->timerfd >= 0)
		close(v->timerfd);
	if (v->epfd >= 0)
		close(v->epfd);
	free(v->heads);
	virtio_dev_fini(dev);
	free(v);
}

static const struct virtio_dev_ops vu_ops = {
	.config_read = vu_config_read,
	.driver_ok = vu_driver_ok,
	.queue_notify = vu_queue_notify,
	.backend_ready = vu_backend_ready,
	.reset = vu_reset,
	.destroy = vu_destroy,
};

/* ---- life cycle --------------------------------------------------------------------- */

static int kernel_open(struct vu_dev *v)
{
	int fd = vhost_kernel_open(v->kernel.device), ret;

	if (fd < 0) {
		pr_err("%s: %s: %s%s", v->name, v->kernel.device, strerror(-fd),
		       fd == -ENOENT ? " (is vhost_net loaded?)" : "");
		return fd;
	}
	v->kfd = fd;
	ret = vhost_kernel_get_features(fd, &v->backend_features);
	if (!ret && !(v->backend_features & (1ull << VIRTIO_F_VERSION_1)))
		ret = -EPROTO;
	if (ret)
		pr_err("%s: %s: features: %s", v->name, v->kernel.device, strerror(-ret));
	return ret;
}

static int params_check(const struct vhost_user_dev_params *p)
{
	if (p->kernel && (p->socket || !p->kernel->device || !p->kernel->queue_fd))
		return -EINVAL;
	if (!p->kernel &&
	    (!p->socket || strlen(p->socket) >= sizeof(((struct sockaddr_un *)0)->sun_path)))
		return -EINVAL;
	if (!p->num_queues || p->num_queues > VIRTIO_HOST_MAX_QUEUES ||
	    p->config_size > VHOST_USER_MAX_CONFIG || !p->nr_regions ||
	    p->nr_regions > VHOST_USER_DEV_MAX_REGIONS || !p->fail_chain || !p->gm)
		return -EINVAL;
	return 0;
}

int vhost_user_dev_create(struct virtio_dev **out, const struct vhost_user_dev_params *p)
{
	struct vu_dev *v;
	int ret;

	if (params_check(p) || !(v = calloc(1, sizeof(*v)))) {
		if (p->kernel && p->kernel->release)
			p->kernel->release(p->kernel->ctx);
		return params_check(p) ? -EINVAL : -ENOMEM;
	}
	v->p = *p;
	v->ops = &vu_user_ops;
	v->kfd = -1;
	if (p->kernel) {
		v->kernel = *p->kernel;
		v->ops = &vk_ops;
	}
	v->p.queue_size = p->queue_size ? p->queue_size : 256;
	v->p.timeout_ms = p->timeout_ms ? p->timeout_ms : VHOST_USER_DEV_TIMEOUT_MS;
	v->p.grace_ms = p->grace_ms ? p->grace_ms : VHOST_USER_DEV_GRACE_MS;
	snprintf(v->name, sizeof(v->name), "%s", p->name ? p->name : "vhost-user");
	snprintf(v->socket, sizeof(v->socket), "%s", p->kernel ? p->kernel->device : p->socket);
	memcpy(v->regions, p->regions, p->nr_regions * sizeof(*p->regions));
	if (p->config)
		memcpy(v->config, p->config, p->config_size);
	v->conn.fd = v->inflight_fd = -1;
	v->epfd = epoll_create1(EPOLL_CLOEXEC);
	v->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	v->heads = calloc(VIRTQ_MAX_SIZE, sizeof(*v->heads));
	ret = virtio_dev_init(&v->dev, v->name, p->device_id, p->num_queues, v->p.queue_size,
			      p->config_size, 0, p->gm, &vu_ops, v);
	if (ret) {
		free(v->heads);
		if (v->epfd >= 0)
			close(v->epfd);
		if (v->timerfd >= 0)
			close(v->timerfd);
		if (v->kernel.release)
			v->kernel.release(v->kernel.ctx);
		free(v);
		return ret;
	}
	if (v->epfd < 0 || v->timerfd < 0 || !v->heads)
		ret = -ENOMEM;
	else if (epoll_ctl(v->epfd, EPOLL_CTL_ADD, v->timerfd,
			   &(struct epoll_event){ .events = EPOLLIN, .data.fd = v->timerfd }))
		ret = -errno;
	if (!ret && p->kernel)
		ret = kernel_open(v);
	else if (!ret)
		ret = backend_connect(v, true);
	if (ret) {
		vu_destroy(&v->dev);
		return ret;
	}
	v->dev.rings_elsewhere = true;
	/* What the driver may see: the back-end's, of what this transport and the type allow. */
	v->dev.host_features = v->backend_features &
			       (VU_TRANSPORT_FEATURES | (p->device_features & VU_DEVICE_BITS));
	if (p->kernel) {
		v->dev.host_features |= p->device_features & VU_DEVICE_BITS;
		pr_info("%s: queues served by the kernel's vhost (%s, features %#llx)", v->name,
			v->socket, (unsigned long long)v->backend_features);
		*out = &v->dev;
		return 0;
	}
	v->dev.backend_fd = v->epfd;
	pr_info("%s: vhost-user back-end at %s (features %#llx, protocol features %#llx)", v->name,
		v->socket, (unsigned long long)v->backend_features,
		(unsigned long long)v->conn.protocol_features);
	if (!(v->conn.protocol_features & (1ull << VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD)))
		pr_info("%s: the back-end keeps no in-flight records: should it die, the requests after the ring's used index count as the ones it had (exact if it completes in order)",
			v->name);
	*out = &v->dev;
	return 0;
}

void vhost_user_dev_attach(struct virtio_dev *dev, struct virtio_host *vh)
{
	pthread_mutex_lock(&dev->lock);
	vu_of(dev)->vh = vh;
	pthread_mutex_unlock(&dev->lock);
}

bool vhost_user_dev_connected(struct virtio_dev *dev)
{
	bool on;

	pthread_mutex_lock(&dev->lock);
	on = vu_of(dev)->conn.fd >= 0;
	pthread_mutex_unlock(&dev->lock);
	return on;
}
