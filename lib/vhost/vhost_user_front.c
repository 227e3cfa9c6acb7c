// SPDX-License-Identifier: GPL-2.0
/* vhost-user front-end: one synchronous, typed call per request. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <splitvirt/vhost_user.h>

void vhost_user_conn_init(struct vhost_user_conn *c, int fd, int timeout_ms)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->timeout_ms = timeout_ms;
}

static bool negotiated(const struct vhost_user_conn *c, unsigned int bit)
{
	return c->protocol_features & (1ull << bit);
}

/*
 * A refused request (-EIO) or a call refused before anything was sent
 * leaves the stream in step; anything else may have left half a message
 * behind, and a later reply could be taken for the wrong request.
 */
static int fail(struct vhost_user_conn *c, int err)
{
	if (err != -EIO && err != -EINVAL && err != -EOPNOTSUPP)
		c->broken = 1;
	return err;
}

/*
 * Sends m and, if an answer is due (the request's own reply, or the ack
 * NEED_REPLY asks for), receives and validates it into *reply. Returns the
 * reply's payload size, 0 when no answer is due or the ack said success.
 * Descriptors in rfds belong to the caller only on success.
 */
static int transact(struct vhost_user_conn *c, struct vhost_user_msg *m, const int *fds,
		    unsigned int nfds, struct vhost_user_msg *reply, int *rfds, unsigned int *nrfds)
{
	uint32_t req = m->request;
	bool own = vhost_user_request_has_reply(req);
	bool ack = !own && negotiated(c, VHOST_USER_PROTOCOL_F_REPLY_ACK);
	unsigned int max_fds = own && rfds ? vhost_user_reply_max_fds(req) : 0;
	unsigned int n = 0;
	int got, r;

	if (c->broken)
		return -ENOTCONN;
	if (ack)
		m->flags |= VHOST_USER_FLAG_NEED_REPLY;
	r = vhost_user_send_timeout(c->fd, m, fds, nfds, c->timeout_ms);
	if (r)
		return fail(c, r);
	if (!own && !ack)
		return 0;
	got = vhost_user_recv_timeout(c->fd, reply, rfds, max_fds, &n, c->timeout_ms);
	if (got < 0)
		return fail(c, got);
	r = vhost_user_check_reply(reply, (size_t)got, req);
	if (r < 0) {
		while (n)
			close(rfds[--n]);
		return fail(c, -EPROTO);
	}
	if (nrfds)
		*nrfds = n;
	if (ack)
		return reply->payload.u64 ? -EIO : 0;
	return r;
}

/* For requests that have no reply of their own. */
static int request(struct vhost_user_conn *c, struct vhost_user_msg *m, const int *fds,
		   unsigned int nfds)
{
	struct vhost_user_msg reply;
	int r = transact(c, m, fds, nfds, &reply, NULL, NULL);

	return r < 0 ? r : 0;
}

static int get_u64(struct vhost_user_conn *c, uint32_t req, uint64_t *out)
{
	struct vhost_user_msg m, reply;
	int r;

	vhost_user_msg_init(&m, req);
	r = transact(c, &m, NULL, 0, &reply, NULL, NULL);
	if (r < 0)
		return r;
	*out = reply.payload.u64;
	return 0;
}

static int set_u64(struct vhost_user_conn *c, uint32_t req, uint64_t value)
{
	struct vhost_user_msg m;

	vhost_user_msg_u64(&m, req, value);
	return request(c, &m, NULL, 0);
}

static int set_state(struct vhost_user_conn *c, uint32_t req, uint32_t index, uint32_t num)
{
	struct vhost_user_msg m;

	vhost_user_msg_state(&m, req, index, num);
	return request(c, &m, NULL, 0);
}

int vhost_user_get_features(struct vhost_user_conn *c, uint64_t *features)
{
	return get_u64(c, VHOST_USER_GET_FEATURES, features);
}

int vhost_user_set_features(struct vhost_user_conn *c, uint64_t features)
{
	int r = set_u64(c, VHOST_USER_SET_FEATURES, features);

	if (!r)
		c->features = features;
	return r;
}

int vhost_user_get_protocol_features(struct vhost_user_conn *c, uint64_t *features)
{
	return get_u64(c, VHOST_USER_GET_PROTOCOL_FEATURES, features);
}

int vhost_user_set_protocol_features(struct vhost_user_conn *c, uint64_t features)
{
	/* Sent under the old set: the back-end cannot ack what it has yet to learn. */
	int r = set_u64(c, VHOST_USER_SET_PROTOCOL_FEATURES, features);

	if (!r)
		c->protocol_features = features;
	return r;
}

int vhost_user_set_owner(struct vhost_user_conn *c)
{
	struct vhost_user_msg m;

	vhost_user_msg_init(&m, VHOST_USER_SET_OWNER);
	return request(c, &m, NULL, 0);
}

int vhost_user_reset_device(struct vhost_user_conn *c)
{
	struct vhost_user_msg m;

	if (!negotiated(c, VHOST_USER_PROTOCOL_F_RESET_DEVICE))
		return -EOPNOTSUPP;
	vhost_user_msg_init(&m, VHOST_USER_RESET_DEVICE);
	return request(c, &m, NULL, 0);
}

int vhost_user_get_queue_num(struct vhost_user_conn *c, uint64_t *num)
{
	if (!negotiated(c, VHOST_USER_PROTOCOL_F_MQ))
		return -EOPNOTSUPP;
	return get_u64(c, VHOST_USER_GET_QUEUE_NUM, num);
}

int vhost_user_set_mem_table(struct vhost_user_conn *c, const struct vhost_user_mem_region *regions,
			     const int *fds, unsigned int n)
{
	struct vhost_user_msg m;
	int r;

	if (n && !fds)
		return -EINVAL;
	r = vhost_user_msg_mem_table(&m, regions, n);
	if (r)
		return r;
	return request(c, &m, fds, n);
}

int vhost_user_set_vring_num(struct vhost_user_conn *c, uint32_t index, uint32_t num)
{
	return set_state(c, VHOST_USER_SET_VRING_NUM, index, num);
}

int vhost_user_set_vring_addr(struct vhost_user_conn *c, const struct vhost_user_vring_addr *a)
{
	struct vhost_user_msg m;

	vhost_user_msg_addr(&m, a);
	return request(c, &m, NULL, 0);
}

int vhost_user_set_vring_base(struct vhost_user_conn *c, uint32_t index, uint32_t base)
{
	return set_state(c, VHOST_USER_SET_VRING_BASE, index, base);
}

int vhost_user_get_vring_base(struct vhost_user_conn *c, uint32_t index, uint32_t *base)
{
	struct vhost_user_msg m, reply;
	int r;

	vhost_user_msg_state(&m, VHOST_USER_GET_VRING_BASE, index, 0);
	r = transact(c, &m, NULL, 0, &reply, NULL, NULL);
	if (r < 0)
		return r;
	/* Another ring's base would silently restart the wrong queue. */
	if (reply.payload.state.index != index)
		return fail(c, -EPROTO);
	*base = reply.payload.state.num;
	return 0;
}

static int set_vring_fd(struct vhost_user_conn *c, uint32_t req, uint32_t index, int fd)
{
	struct vhost_user_msg m;
	int r = vhost_user_msg_vring_fd(&m, req, index, fd);

	if (r)
		return r;
	return request(c, &m, fd < 0 ? NULL : &fd, fd < 0 ? 0 : 1);
}

int vhost_user_set_vring_kick(struct vhost_user_conn *c, uint32_t index, int fd)
{
	return set_vring_fd(c, VHOST_USER_SET_VRING_KICK, index, fd);
}

int vhost_user_set_vring_call(struct vhost_user_conn *c, uint32_t index, int fd)
{
	return set_vring_fd(c, VHOST_USER_SET_VRING_CALL, index, fd);
}

int vhost_user_set_vring_err(struct vhost_user_conn *c, uint32_t index, int fd)
{
	return set_vring_fd(c, VHOST_USER_SET_VRING_ERR, index, fd);
}

int vhost_user_set_vring_enable(struct vhost_user_conn *c, uint32_t index, int enable)
{
	return set_state(c, VHOST_USER_SET_VRING_ENABLE, index, enable ? 1 : 0);
}

int vhost_user_get_config(struct vhost_user_conn *c, uint32_t offset, uint32_t size, uint32_t flags,
			  void *buf)
{
	struct vhost_user_msg m, reply;
	int r;

	if (!negotiated(c, VHOST_USER_PROTOCOL_F_CONFIG))
		return -EOPNOTSUPP;
	if (size && !buf)
		return -EINVAL;
	r = vhost_user_msg_config(&m, VHOST_USER_GET_CONFIG, offset, size, flags, NULL);
	if (r)
		return r;
	r = transact(c, &m, NULL, 0, &reply, NULL, NULL);
	if (r < 0)
		return r;
	if (r == 0)
		return -EIO; /* the back-end's way of saying it failed */
	/* A reply for other bytes than asked must not land in the caller's view. */
	if (reply.payload.config.offset != offset || reply.payload.config.size != size)
		return fail(c, -EPROTO);
	if (size)
		memcpy(buf, reply.payload.config.payload, size);
	return 0;
}

int vhost_user_set_config(struct vhost_user_conn *c, uint32_t offset, uint32_t size, uint32_t flags,
			  const void *buf)
{
	struct vhost_user_msg m;
	int r;

	if (!negotiated(c, VHOST_USER_PROTOCOL_F_CONFIG))
		return -EOPNOTSUPP;
	if (size && !buf)
		return -EINVAL;
	r = vhost_user_msg_config(&m, VHOST_USER_SET_CONFIG, offset, size, flags, buf);
	if (r)
		return r;
	return request(c, &m, NULL, 0);
}

int vhost_user_get_inflight_fd(struct vhost_user_conn *c, uint16_t num_queues, uint16_t queue_size,
			       struct vhost_user_inflight *out, int *fd)
{
	struct vhost_user_inflight in = { .num_queues = num_queues, .queue_size = queue_size };
	struct vhost_user_msg m, reply;
	unsigned int n = 0;
	int rfd[1];
	uint64_t size, off;
	int r;

	if (!negotiated(c, VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD))
		return -EOPNOTSUPP;
	vhost_user_msg_inflight(&m, VHOST_USER_GET_INFLIGHT_FD, &in);
	r = transact(c, &m, NULL, 0, &reply, rfd, &n);
	if (r < 0)
		return r;
	size = reply.payload.inflight.mmap_size;
	off = reply.payload.inflight.mmap_offset;
	/* A buffer comes with exactly one fd; no buffer with none. */
	if (off + size < off || (size != 0) != (n == 1)) {
		if (n)
			close(rfd[0]);
		return fail(c, -EPROTO);
	}
	memcpy(out, &reply.payload.inflight, sizeof(*out));
	out->padding = 0;
	*fd = n ? rfd[0] : -1;
	return 0;
}

int vhost_user_set_inflight_fd(struct vhost_user_conn *c, const struct vhost_user_inflight *in,
			       int fd)
{
	struct vhost_user_msg m;

	if (!negotiated(c, VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD))
		return -EOPNOTSUPP;
	if (fd < 0)
		return -EINVAL;
	vhost_user_msg_inflight(&m, VHOST_USER_SET_INFLIGHT_FD, in);
	return request(c, &m, &fd, 1);
}
