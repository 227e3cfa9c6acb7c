// SPDX-License-Identifier: GPL-2.0
/* vhost-user wire format: building requests, validating replies. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <splitvirt/log.h>
#include <splitvirt/vhost_user.h>

/* The specification sends host-order numbers; we only speak little-endian. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "vhost-user: little-endian hosts only");

_Static_assert(offsetof(struct vhost_user_msg, flags) == 4, "header layout");
_Static_assert(offsetof(struct vhost_user_msg, size) == 8, "header layout");
_Static_assert(offsetof(struct vhost_user_msg, payload) == VHOST_USER_HDR_SIZE, "header size");
_Static_assert(sizeof(struct vhost_user_vring_state) == 8, "vring state");
_Static_assert(sizeof(struct vhost_user_vring_addr) == 40, "vring address");
_Static_assert(offsetof(struct vhost_user_vring_addr, desc_user_addr) == 8, "vring address");
_Static_assert(offsetof(struct vhost_user_vring_addr, log_guest_addr) == 32, "vring address");
_Static_assert(sizeof(struct vhost_user_mem_region) == 32, "memory region");
_Static_assert(offsetof(struct vhost_user_memory, regions) == VHOST_USER_MEMORY_HDR_SIZE,
	       "memory table");
_Static_assert(sizeof(struct vhost_user_memory) == 8 + 8 * 32, "memory table");
_Static_assert(offsetof(struct vhost_user_config, payload) == VHOST_USER_CONFIG_HDR_SIZE, "config");
_Static_assert(sizeof(struct vhost_user_config) == 12 + 256, "config");
_Static_assert(offsetof(struct vhost_user_inflight, num_queues) == 16, "inflight");
_Static_assert(sizeof(struct vhost_user_inflight) == 24, "inflight");
_Static_assert(VHOST_USER_MAX_PAYLOAD >= sizeof(struct vhost_user_memory), "largest payload");
_Static_assert(sizeof(struct vhost_user_msg) == VHOST_USER_HDR_SIZE + VHOST_USER_MAX_PAYLOAD,
	       "message");

enum reply_kind {
	R_UNKNOWN = 0, /* not a request we know: nothing to validate against */
	R_ACK, /* no reply of its own: only the u64 of REPLY_ACK */
	R_DATA, /* always answered with a payload of [min, max] bytes */
	/*
	 * Answered in some modes with payloads this layer does not parse
	 * (postcopy, crypto sessions): refusing beats guessing at them.
	 */
	R_UNSUPPORTED,
};

struct reply_fmt {
	const char *name;
	uint8_t kind;
	uint8_t max_fds;
	uint16_t min;
	uint16_t max;
};

#define ACK(n)                    \
	{                         \
		n, R_ACK, 0, 8, 8 \
	}
#define DATA(n, lo, hi, fds)           \
	{                              \
		n, R_DATA, fds, lo, hi \
	}
#define UNSUP(n)                          \
	{                                 \
		n, R_UNSUPPORTED, 0, 0, 0 \
	}

static const struct reply_fmt fmts[VHOST_USER_REQUEST_MAX + 1] = {
	[VHOST_USER_GET_FEATURES] = DATA("GET_FEATURES", 8, 8, 0),
	[VHOST_USER_SET_FEATURES] = ACK("SET_FEATURES"),
	[VHOST_USER_SET_OWNER] = ACK("SET_OWNER"),
	[VHOST_USER_RESET_OWNER] = ACK("RESET_OWNER"),
	/* Its postcopy reply (a memory table) is never asked for: no LISTEN. */
	[VHOST_USER_SET_MEM_TABLE] = ACK("SET_MEM_TABLE"),
	/* With LOG_SHMFD it has a reply; logging is for migration we do not do. */
	[VHOST_USER_SET_LOG_BASE] = UNSUP("SET_LOG_BASE"),
	[VHOST_USER_SET_LOG_FD] = ACK("SET_LOG_FD"),
	[VHOST_USER_SET_VRING_NUM] = ACK("SET_VRING_NUM"),
	[VHOST_USER_SET_VRING_ADDR] = ACK("SET_VRING_ADDR"),
	[VHOST_USER_SET_VRING_BASE] = ACK("SET_VRING_BASE"),
	[VHOST_USER_GET_VRING_BASE] = DATA("GET_VRING_BASE", 8, 8, 0),
	[VHOST_USER_SET_VRING_KICK] = ACK("SET_VRING_KICK"),
	[VHOST_USER_SET_VRING_CALL] = ACK("SET_VRING_CALL"),
	[VHOST_USER_SET_VRING_ERR] = ACK("SET_VRING_ERR"),
	[VHOST_USER_GET_PROTOCOL_FEATURES] = DATA("GET_PROTOCOL_FEATURES", 8, 8, 0),
	[VHOST_USER_SET_PROTOCOL_FEATURES] = ACK("SET_PROTOCOL_FEATURES"),
	[VHOST_USER_GET_QUEUE_NUM] = DATA("GET_QUEUE_NUM", 8, 8, 0),
	[VHOST_USER_SET_VRING_ENABLE] = ACK("SET_VRING_ENABLE"),
	[VHOST_USER_SEND_RARP] = ACK("SEND_RARP"),
	[VHOST_USER_NET_SET_MTU] = ACK("NET_SET_MTU"),
	[VHOST_USER_SET_BACKEND_REQ_FD] = ACK("SET_BACKEND_REQ_FD"),
	[VHOST_USER_IOTLB_MSG] = DATA("IOTLB_MSG", 8, 8, 0),
	[VHOST_USER_SET_VRING_ENDIAN] = ACK("SET_VRING_ENDIAN"),
	[VHOST_USER_GET_CONFIG] =
		DATA("GET_CONFIG", VHOST_USER_CONFIG_HDR_SIZE, VHOST_USER_MAX_PAYLOAD, 0),
	[VHOST_USER_SET_CONFIG] = ACK("SET_CONFIG"),
	[VHOST_USER_CREATE_CRYPTO_SESSION] = UNSUP("CREATE_CRYPTO_SESSION"),
	[VHOST_USER_CLOSE_CRYPTO_SESSION] = ACK("CLOSE_CRYPTO_SESSION"),
	[VHOST_USER_POSTCOPY_ADVISE] = UNSUP("POSTCOPY_ADVISE"),
	[VHOST_USER_POSTCOPY_LISTEN] = ACK("POSTCOPY_LISTEN"),
	[VHOST_USER_POSTCOPY_END] = DATA("POSTCOPY_END", 8, 8, 0),
	/*
	 * The specification's table says "N/A", but its Communication section
	 * and every implementation answer with the description and the fd.
	 * 20 bytes from a back-end that packs the struct, 24 with C's padding.
	 */
	[VHOST_USER_GET_INFLIGHT_FD] = DATA("GET_INFLIGHT_FD", 20, 24, 1),
	[VHOST_USER_SET_INFLIGHT_FD] = ACK("SET_INFLIGHT_FD"),
	[VHOST_USER_GPU_SET_SOCKET] = ACK("GPU_SET_SOCKET"),
	[VHOST_USER_RESET_DEVICE] = ACK("RESET_DEVICE"),
	[VHOST_USER_VRING_KICK] = ACK("VRING_KICK"),
	[VHOST_USER_GET_MAX_MEM_SLOTS] = DATA("GET_MAX_MEM_SLOTS", 8, 8, 0),
	[VHOST_USER_ADD_MEM_REG] = ACK("ADD_MEM_REG"),
	[VHOST_USER_REM_MEM_REG] = ACK("REM_MEM_REG"),
	[VHOST_USER_SET_STATUS] = ACK("SET_STATUS"),
	[VHOST_USER_GET_STATUS] = DATA("GET_STATUS", 8, 8, 0),
};

static const struct reply_fmt *fmt(uint32_t request)
{
	if (request > VHOST_USER_REQUEST_MAX || fmts[request].kind == R_UNKNOWN)
		return NULL;
	return &fmts[request];
}

const char *vhost_user_request_name(uint32_t request)
{
	const struct reply_fmt *f = fmt(request);

	return f ? f->name : "?";
}

int vhost_user_request_has_reply(uint32_t request)
{
	const struct reply_fmt *f = fmt(request);

	return f && f->kind == R_DATA;
}

unsigned int vhost_user_reply_max_fds(uint32_t request)
{
	const struct reply_fmt *f = fmt(request);

	return f ? f->max_fds : 0;
}

void vhost_user_msg_init(struct vhost_user_msg *m, uint32_t request)
{
	memset(m, 0, sizeof(*m));
	m->request = request;
	m->flags = VHOST_USER_VERSION;
}

void vhost_user_msg_u64(struct vhost_user_msg *m, uint32_t request, uint64_t value)
{
	vhost_user_msg_init(m, request);
	m->payload.u64 = value;
	m->size = sizeof(m->payload.u64);
}

void vhost_user_msg_state(struct vhost_user_msg *m, uint32_t request, uint32_t index, uint32_t num)
{
	vhost_user_msg_init(m, request);
	m->payload.state.index = index;
	m->payload.state.num = num;
	m->size = sizeof(m->payload.state);
}

void vhost_user_msg_addr(struct vhost_user_msg *m, const struct vhost_user_vring_addr *a)
{
	vhost_user_msg_init(m, VHOST_USER_SET_VRING_ADDR);
	memcpy(&m->payload.addr, a, sizeof(*a));
	m->size = sizeof(m->payload.addr);
}

int vhost_user_msg_mem_table(struct vhost_user_msg *m, const struct vhost_user_mem_region *r,
			     unsigned int n)
{
	if (n > VHOST_USER_MAX_REGIONS || (n && !r))
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++) {
		uint64_t sz = r[i].memory_size;

		/* The back-end would map and translate through these sums. */
		if (!sz || r[i].guest_phys_addr + sz < sz || r[i].userspace_addr + sz < sz ||
		    r[i].mmap_offset + sz < sz)
			return -EINVAL;
	}
	vhost_user_msg_init(m, VHOST_USER_SET_MEM_TABLE);
	m->payload.memory.nregions = n;
	if (n)
		memcpy(m->payload.memory.regions, r, n * sizeof(*r));
	/* Only the regions in use travel; back-ends size-check against nregions. */
	m->size = VHOST_USER_MEMORY_HDR_SIZE + n * (uint32_t)sizeof(*r);
	return 0;
}

int vhost_user_msg_config(struct vhost_user_msg *m, uint32_t request, uint32_t offset,
			  uint32_t size, uint32_t flags, const void *data)
{
	if (size > VHOST_USER_MAX_CONFIG)
		return -EINVAL;
	vhost_user_msg_init(m, request);
	m->payload.config.offset = offset;
	m->payload.config.size = size;
	m->payload.config.flags = flags;
	if (data && size)
		memcpy(m->payload.config.payload, data, size);
	m->size = VHOST_USER_CONFIG_HDR_SIZE + size;
	return 0;
}

void vhost_user_msg_inflight(struct vhost_user_msg *m, uint32_t request,
			     const struct vhost_user_inflight *in)
{
	vhost_user_msg_init(m, request);
	memcpy(&m->payload.inflight, in, sizeof(*in));
	m->payload.inflight.padding = 0;
	m->size = sizeof(m->payload.inflight);
}

int vhost_user_msg_vring_fd(struct vhost_user_msg *m, uint32_t request, uint32_t index, int fd)
{
	if (index > VHOST_USER_VRING_INDEX_MASK)
		return -EINVAL;
	if (request != VHOST_USER_SET_VRING_KICK && request != VHOST_USER_SET_VRING_CALL &&
	    request != VHOST_USER_SET_VRING_ERR)
		return -EINVAL;
	vhost_user_msg_u64(m, request, index | (fd < 0 ? VHOST_USER_VRING_NOFD : 0));
	return 0;
}

int vhost_user_check_reply(const struct vhost_user_msg *m, size_t got, uint32_t expected_request)
{
	const struct reply_fmt *f = fmt(expected_request);
	const uint32_t known =
		VHOST_USER_VERSION_MASK | VHOST_USER_FLAG_REPLY | VHOST_USER_FLAG_NEED_REPLY;
	uint32_t min, max;

	if (got > sizeof(*m))
		return -EINVAL;
	if (!f || f->kind == R_UNSUPPORTED)
		return -EOPNOTSUPP;
	if (got < VHOST_USER_HDR_SIZE)
		return -EPROTO;
	if (m->request != expected_request) {
		pr_debug("vhost-user: reply %u to %s", m->request, f->name);
		return -EPROTO;
	}
	/*
	 * NEED_REPLY is tolerated: some back-ends echo the request's flags
	 * into the reply. Bits the specification does not define are not.
	 */
	if ((m->flags & VHOST_USER_VERSION_MASK) != VHOST_USER_VERSION ||
	    !(m->flags & VHOST_USER_FLAG_REPLY) || (m->flags & ~known)) {
		pr_debug("vhost-user: reply to %s with flags %#x", f->name, m->flags);
		return -EPROTO;
	}
	/* The header's size is the peer's claim; what arrived is the fact. */
	if (m->size != got - VHOST_USER_HDR_SIZE) {
		pr_debug("vhost-user: reply to %s claims %u bytes, %zu arrived", f->name, m->size,
			 got - VHOST_USER_HDR_SIZE);
		return -EPROTO;
	}
	min = f->min;
	max = f->max;
	if (expected_request == VHOST_USER_GET_CONFIG) {
		if (m->size == 0)
			return 0;
		if (m->size < min || m->payload.config.size > VHOST_USER_MAX_CONFIG ||
		    m->size != VHOST_USER_CONFIG_HDR_SIZE + m->payload.config.size) {
			pr_debug("vhost-user: GET_CONFIG reply of %u bytes", m->size);
			return -EPROTO;
		}
	}
	if (m->size < min || m->size > max) {
		pr_debug("vhost-user: reply to %s of %u bytes, want %u..%u", f->name, m->size, min,
			 max);
		return -EPROTO;
	}
	return (int)m->size;
}
