// SPDX-License-Identifier: GPL-2.0
/* The fake vhost-user back-end of fake_backend.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fake_backend.h"

static void bad(struct fake_be *be, const char *fmt, ...)
{
	va_list ap;

	if (be->errors++)
		return;
	va_start(ap, fmt);
	vsnprintf(be->first_error, sizeof(be->first_error), fmt, ap);
	va_end(ap);
}

static void reply(struct fake_be *be, const struct vhost_user_msg *req, struct vhost_user_msg *m)
{
	m->request = req->request;
	m->flags = VHOST_USER_VERSION | VHOST_USER_FLAG_REPLY;
	if (vhost_user_send(be->fd, m, NULL, 0))
		bad(be, "reply to %s not sent", vhost_user_request_name(req->request));
}

static void reply_u64(struct fake_be *be, const struct vhost_user_msg *req, uint64_t v)
{
	struct vhost_user_msg m;

	vhost_user_msg_u64(&m, req->request, v);
	reply(be, req, &m);
}

static void check_region(struct fake_be *be, const struct vhost_user_mem_region *r, int fd)
{
	size_t len = r->mmap_offset + r->memory_size;
	const uint8_t *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	uint64_t head, tail;

	if (p == MAP_FAILED) {
		bad(be, "region %#llx does not map", (unsigned long long)r->guest_phys_addr);
		return;
	}
	/* The test wrote each region's guest address at both of its ends. */
	memcpy(&head, p + r->mmap_offset, sizeof(head));
	memcpy(&tail, p + len - sizeof(tail), sizeof(tail));
	if (head != r->guest_phys_addr || tail != r->guest_phys_addr)
		bad(be, "region %#llx holds %#llx..%#llx", (unsigned long long)r->guest_phys_addr,
		    (unsigned long long)head, (unsigned long long)tail);
	else
		be->regions_checked++;
	munmap((void *)p, len);
}

static void set_mem_table(struct fake_be *be, const struct vhost_user_msg *m, const int *fds,
			  unsigned int nfds)
{
	uint32_t n = m->payload.memory.nregions;

	if (n > VHOST_USER_MAX_REGIONS || n != nfds ||
	    m->size != VHOST_USER_MEMORY_HDR_SIZE + n * sizeof(struct vhost_user_mem_region)) {
		bad(be, "SET_MEM_TABLE: %u regions, %u fds, %u bytes", n, nfds, m->size);
		return;
	}
	for (uint32_t i = 0; i < n; i++)
		check_region(be, &m->payload.memory.regions[i], fds[i]);
}

static void signal_fd(struct fake_be *be, int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		bad(be, "fd %d cannot be signalled", fd);
}

static void vring_fd(struct fake_be *be, const struct vhost_user_msg *m, const int *fds,
		     unsigned int nfds)
{
	uint64_t v = m->payload.u64;
	uint32_t index = v & VHOST_USER_VRING_INDEX_MASK;
	int nofd = !!(v & VHOST_USER_VRING_NOFD);

	if (m->size != 8 || index >= FAKE_BE_RINGS || (v >> 9) || nfds != (nofd ? 0u : 1u)) {
		bad(be, "%s: %#llx with %u fds", vhost_user_request_name(m->request),
		    (unsigned long long)v, nfds);
		return;
	}
	if (m->request == VHOST_USER_SET_VRING_CALL)
		be->call_nofd[index] = nofd;
	if (nofd)
		return;
	signal_fd(be, fds[0]);
	if (m->request == VHOST_USER_SET_VRING_KICK)
		be->kick_fds[index]++;
	else
		be->call_fds[index]++;
}

static int ring(struct fake_be *be, const struct vhost_user_msg *m)
{
	if (m->size < sizeof(uint32_t) || m->payload.state.index >= FAKE_BE_RINGS) {
		bad(be, "%s: ring %u", vhost_user_request_name(m->request), m->payload.state.index);
		return -1;
	}
	return (int)m->payload.state.index;
}

uint64_t fake_be_inflight_stride(uint16_t qsize)
{
	return (16ull * qsize + 16 + 63) & ~63ull;
}

static void inflight_map(struct fake_be *be, int fd, uint64_t size, uint64_t off)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)off);

	if (p == MAP_FAILED) {
		bad(be, "in-flight buffer of %llu bytes does not map", (unsigned long long)size);
		return;
	}
	if (be->inflight)
		munmap(be->inflight, be->inflight_size);
	be->inflight = p;
	be->inflight_size = size;
}

static void get_inflight(struct fake_be *be, const struct vhost_user_msg *m)
{
	struct vhost_user_inflight in = m->payload.inflight;
	struct vhost_user_msg r;
	int fd = memfd_create("fake-inflight", MFD_CLOEXEC);

	in.mmap_size = fake_be_inflight_stride(in.queue_size) * in.num_queues;
	in.mmap_offset = 0;
	if (fd < 0 || ftruncate(fd, (off_t)in.mmap_size)) {
		bad(be, "no in-flight buffer");
		return;
	}
	inflight_map(be, fd, in.mmap_size, 0);
	for (uint16_t q = 0; be->inflight && q < in.num_queues; q++)
		memcpy(be->inflight + fake_be_inflight_stride(in.queue_size) * q + 10,
		       &in.queue_size, 2);
	be->inflight_queues = in.num_queues;
	be->inflight_qsize = in.queue_size;
	be->inflight_gets++;
	vhost_user_msg_inflight(&r, m->request, &in);
	r.flags = VHOST_USER_VERSION | VHOST_USER_FLAG_REPLY;
	if (vhost_user_send(be->fd, &r, &fd, 1))
		bad(be, "in-flight reply not sent");
	close(fd);
}

/* Handles one request; returns whether it failed (for a REPLY_ACK). */
static int serve(struct fake_be *be, const struct vhost_user_msg *m, const int *fds,
		 unsigned int nfds)
{
	struct vhost_user_msg r;
	int q;

	switch (m->request) {
	case VHOST_USER_GET_FEATURES:
		reply_u64(be, m, be->features);
		return 0;
	case VHOST_USER_GET_PROTOCOL_FEATURES:
		reply_u64(be, m, be->protocol_features);
		return 0;
	case VHOST_USER_GET_QUEUE_NUM:
		reply_u64(be, m, be->queue_num);
		return 0;
	case VHOST_USER_SET_PROTOCOL_FEATURES:
		be->acked_protocol_features = m->payload.u64;
		return 0;
	case VHOST_USER_SET_FEATURES:
		be->acked_features = m->payload.u64;
		return 0;
	case VHOST_USER_SET_OWNER:
		be->owner++;
		return 0;
	case VHOST_USER_SET_MEM_TABLE:
		set_mem_table(be, m, fds, nfds);
		return 0;
	case VHOST_USER_SET_VRING_NUM:
		q = ring(be, m);
		if (q >= 0)
			be->vring_num[q] = m->payload.state.num;
		return q < 0;
	case VHOST_USER_SET_VRING_BASE:
		q = ring(be, m);
		if (q >= 0)
			be->vring_base[q] = m->payload.state.num;
		return q < 0;
	case VHOST_USER_SET_VRING_ENABLE:
		q = ring(be, m);
		if (q >= 0)
			be->enabled[q] = (int)m->payload.state.num;
		return q < 0;
	case VHOST_USER_SET_VRING_ADDR:
		q = ring(be, m);
		if (q >= 0 && m->size == sizeof(struct vhost_user_vring_addr))
			be->vring_desc[q] = m->payload.addr.desc_user_addr;
		return q < 0;
	case VHOST_USER_GET_VRING_BASE:
		q = ring(be, m);
		vhost_user_msg_state(&r, m->request, m->payload.state.index,
				     q < 0 ? 0 : be->vring_base[q]);
		reply(be, m, &r);
		return 0;
	case VHOST_USER_SET_VRING_KICK:
	case VHOST_USER_SET_VRING_CALL:
		vring_fd(be, m, fds, nfds);
		return 0;
	case VHOST_USER_GET_INFLIGHT_FD:
		get_inflight(be, m);
		return 0;
	case VHOST_USER_SET_INFLIGHT_FD:
		if (nfds != 1 || m->size < 20) {
			bad(be, "SET_INFLIGHT_FD with %u fds, %u bytes", nfds, m->size);
			return 1;
		}
		inflight_map(be, fds[0], m->payload.inflight.mmap_size,
			     m->payload.inflight.mmap_offset);
		be->inflight_queues = m->payload.inflight.num_queues;
		be->inflight_qsize = m->payload.inflight.queue_size;
		be->inflight_sets++;
		return 0;
	case VHOST_USER_GET_CONFIG: {
		const struct vhost_user_config *c = &m->payload.config;

		if (c->offset > VHOST_USER_MAX_CONFIG ||
		    c->size > VHOST_USER_MAX_CONFIG - c->offset) {
			vhost_user_msg_init(&r, m->request); /* size 0: failure */
		} else {
			vhost_user_msg_config(&r, m->request, c->offset, c->size, c->flags,
					      be->config + c->offset);
		}
		reply(be, m, &r);
		return 0;
	}
	case VHOST_USER_SET_CONFIG: {
		const struct vhost_user_config *c = &m->payload.config;

		if (c->offset > VHOST_USER_MAX_CONFIG ||
		    c->size > VHOST_USER_MAX_CONFIG - c->offset ||
		    m->size != VHOST_USER_CONFIG_HDR_SIZE + c->size)
			return 1;
		memcpy(be->config + c->offset, c->payload, c->size);
		return 0;
	}
	default:
		bad(be, "unexpected request %u", m->request);
		return 1;
	}
}

static void *run(void *arg)
{
	struct fake_be *be = arg;

	for (;;) {
		struct vhost_user_msg m;
		int fds[VHOST_USER_MAX_FDS];
		unsigned int nfds = 0;
		int failed, ack_on, need;
		int got =
			vhost_user_recv_timeout(be->fd, &m, fds, VHOST_USER_MAX_FDS, &nfds, 10000);

		if (got == -ECONNRESET)
			break;
		if (got < 0) {
			bad(be, "receive: %s", strerror(-got));
			break;
		}
		be->requests++;
		if ((m.flags & ~VHOST_USER_FLAG_NEED_REPLY) != VHOST_USER_VERSION)
			bad(be, "%s: flags %#x", vhost_user_request_name(m.request), m.flags);
		/* The front-end must ask for an ack exactly when REPLY_ACK is on. */
		ack_on =
			!!(be->acked_protocol_features & (1ull << VHOST_USER_PROTOCOL_F_REPLY_ACK));
		need = !!(m.flags & VHOST_USER_FLAG_NEED_REPLY);
		if (!vhost_user_request_has_reply(m.request) && need != ack_on)
			bad(be, "%s: NEED_REPLY %d with REPLY_ACK %d",
			    vhost_user_request_name(m.request), need, ack_on);
		failed = serve(be, &m, fds, nfds);
		if (need && !vhost_user_request_has_reply(m.request)) {
			reply_u64(be, &m, failed ? 1 : 0);
			be->acks++;
		}
		while (nfds)
			close(fds[--nfds]);
	}
	return NULL;
}

void fake_be_start(struct fake_be *be, int fd)
{
	be->fd = fd;
	if (pthread_create(&be->thread, NULL, run, be))
		bad(be, "no thread");
}

void fake_be_join(struct fake_be *be)
{
	pthread_join(be->thread, NULL);
}

void fake_be_fini(struct fake_be *be)
{
	if (be->inflight)
		munmap(be->inflight, be->inflight_size);
	be->inflight = NULL;
}
