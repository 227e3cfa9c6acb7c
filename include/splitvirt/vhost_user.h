/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vhost-user, front-end side: the protocol layer only (lib/vhost, svvhost).
 *
 * The devmodel becomes a vhost-user front-end so that standard back-ends
 * (qemu-storage-daemon's vhost-user-blk, virtiofsd, ...) can serve devices.
 * This layer knows the wire format and the request/reply rules of the
 * vhost-user protocol (QEMU's docs/interop/vhost-user.rst); it knows nothing
 * about guests, virtqueues or which device a back-end implements. Three parts:
 *
 *   messages   (vhost_user_msg.c)   build requests, validate replies;
 *   transport  (vhost_user_conn.c)  one whole message (and its fds) over a
 *                                   connected AF_UNIX SOCK_STREAM socket;
 *   front-end  (vhost_user_front.c) one typed, synchronous call per request,
 *                                   REPLY_ACK handled for the caller.
 *
 * The back-end is untrusted (it may be buggy, compromised, or simply not the
 * program we think): every reply is read into a fixed buffer, its size is
 * never trusted beyond what arrived, it must carry exactly the payload its
 * request calls for, and file descriptors that come with a reply that should
 * carry none are closed. Such a reply fails with -EPROTO.
 *
 * Errors: functions return 0 (or a size) or a negative errno.
 *   -EPROTO       the back-end broke the protocol (the caller must drop it)
 *   -ECONNRESET   the back-end closed the socket, or a message was cut short
 *   -ETIMEDOUT    no whole message within the connection's timeout
 *   -EIO          the back-end answered a REPLY_ACK or GET_CONFIG with failure
 *   -EOPNOTSUPP   the request needs a protocol feature not negotiated
 *   -EINVAL       the caller's arguments are out of range
 * After anything but -EIO, -EOPNOTSUPP or -EINVAL the byte stream may be out
 * of step; a struct vhost_user_conn then refuses further calls (-ENOTCONN)
 * and the caller reconnects, as the specification prescribes.
 *
 * Numbers travel in the host's byte order (the specification's rule); every
 * host we build for is little-endian, which the sources assert.
 */
#ifndef SPLITVIRT_VHOST_USER_H
#define SPLITVIRT_VHOST_USER_H

#include <stddef.h>
#include <stdint.h>

/* Front-end requests ("front-end message types" in the specification). */
enum vhost_user_request {
	VHOST_USER_GET_FEATURES = 1,
	VHOST_USER_SET_FEATURES = 2,
	VHOST_USER_SET_OWNER = 3,
	VHOST_USER_RESET_OWNER = 4,
	VHOST_USER_SET_MEM_TABLE = 5,
	VHOST_USER_SET_LOG_BASE = 6,
	VHOST_USER_SET_LOG_FD = 7,
	VHOST_USER_SET_VRING_NUM = 8,
	VHOST_USER_SET_VRING_ADDR = 9,
	VHOST_USER_SET_VRING_BASE = 10,
	VHOST_USER_GET_VRING_BASE = 11,
	VHOST_USER_SET_VRING_KICK = 12,
	VHOST_USER_SET_VRING_CALL = 13,
	VHOST_USER_SET_VRING_ERR = 14,
	VHOST_USER_GET_PROTOCOL_FEATURES = 15,
	VHOST_USER_SET_PROTOCOL_FEATURES = 16,
	VHOST_USER_GET_QUEUE_NUM = 17,
	VHOST_USER_SET_VRING_ENABLE = 18,
	VHOST_USER_SEND_RARP = 19,
	VHOST_USER_NET_SET_MTU = 20,
	VHOST_USER_SET_BACKEND_REQ_FD = 21,
	VHOST_USER_IOTLB_MSG = 22,
	VHOST_USER_SET_VRING_ENDIAN = 23,
	VHOST_USER_GET_CONFIG = 24,
	VHOST_USER_SET_CONFIG = 25,
	VHOST_USER_CREATE_CRYPTO_SESSION = 26,
	VHOST_USER_CLOSE_CRYPTO_SESSION = 27,
	VHOST_USER_POSTCOPY_ADVISE = 28,
	VHOST_USER_POSTCOPY_LISTEN = 29,
	VHOST_USER_POSTCOPY_END = 30,
	VHOST_USER_GET_INFLIGHT_FD = 31,
	VHOST_USER_SET_INFLIGHT_FD = 32,
	VHOST_USER_GPU_SET_SOCKET = 33,
	VHOST_USER_RESET_DEVICE = 34,
	VHOST_USER_VRING_KICK = 35,
	VHOST_USER_GET_MAX_MEM_SLOTS = 36,
	VHOST_USER_ADD_MEM_REG = 37,
	VHOST_USER_REM_MEM_REG = 38,
	VHOST_USER_SET_STATUS = 39,
	VHOST_USER_GET_STATUS = 40,
	VHOST_USER_REQUEST_MAX = VHOST_USER_GET_STATUS,
};

/* Header flags: the version in bits 0-1, then REPLY and NEED_REPLY. */
#define VHOST_USER_VERSION 0x1u
#define VHOST_USER_VERSION_MASK 0x3u
#define VHOST_USER_FLAG_REPLY 0x4u
#define VHOST_USER_FLAG_NEED_REPLY 0x8u

/* The virtio feature bit (unused by virtio itself) that gates protocol features. */
#define VHOST_USER_F_PROTOCOL_FEATURES 30

/* Protocol feature bit numbers. */
#define VHOST_USER_PROTOCOL_F_MQ 0
#define VHOST_USER_PROTOCOL_F_LOG_SHMFD 1
#define VHOST_USER_PROTOCOL_F_RARP 2
#define VHOST_USER_PROTOCOL_F_REPLY_ACK 3
#define VHOST_USER_PROTOCOL_F_MTU 4
#define VHOST_USER_PROTOCOL_F_BACKEND_REQ 5
#define VHOST_USER_PROTOCOL_F_CROSS_ENDIAN 6
#define VHOST_USER_PROTOCOL_F_CRYPTO_SESSION 7
#define VHOST_USER_PROTOCOL_F_PAGEFAULT 8
#define VHOST_USER_PROTOCOL_F_CONFIG 9
#define VHOST_USER_PROTOCOL_F_BACKEND_SEND_FD 10
#define VHOST_USER_PROTOCOL_F_HOST_NOTIFIER 11
#define VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD 12
#define VHOST_USER_PROTOCOL_F_RESET_DEVICE 13
#define VHOST_USER_PROTOCOL_F_INBAND_NOTIFICATIONS 14
#define VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS 15
#define VHOST_USER_PROTOCOL_F_STATUS 16

/* The protocol features this layer implements: acknowledge no others. */
#define VHOST_USER_PROTOCOL_SUPPORTED                                                              \
	((1ull << VHOST_USER_PROTOCOL_F_MQ) | (1ull << VHOST_USER_PROTOCOL_F_REPLY_ACK) |          \
	 (1ull << VHOST_USER_PROTOCOL_F_CONFIG) | (1ull << VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD) | \
	 (1ull << VHOST_USER_PROTOCOL_F_RESET_DEVICE))

#define VHOST_USER_MAX_FDS 8 /* file descriptors per message */
#define VHOST_USER_MAX_REGIONS 8 /* regions in SET_MEM_TABLE */
#define VHOST_USER_MAX_CONFIG 256 /* bytes of device config per message */

/* SET_VRING_KICK/CALL/ERR payload: ring index in bits 0-7, bit 8 = no fd. */
#define VHOST_USER_VRING_INDEX_MASK 0xffu
#define VHOST_USER_VRING_NOFD 0x100u

/* vhost_user_vring_addr.flags: log used-ring writes at log_guest_addr. */
#define VHOST_USER_VRING_F_LOG 0x1u

/* vhost_user_config.flags */
#define VHOST_USER_CONFIG_F_WRITABLE 0x0u
#define VHOST_USER_CONFIG_F_MIGRATION 0x1u

/*
 * Payloads. Packed because the header is 12 bytes: every payload starts at
 * an offset a u64 does not naturally align to, and field access must not
 * assume alignment (pointers to these structs are fine, they have none).
 */
struct vhost_user_vring_state {
	uint32_t index;
	uint32_t num;
} __attribute__((packed));

struct vhost_user_vring_addr {
	uint32_t index;
	uint32_t flags; /* VHOST_USER_VRING_F_* */
	uint64_t desc_user_addr;
	uint64_t used_user_addr;
	uint64_t avail_user_addr;
	uint64_t log_guest_addr;
} __attribute__((packed));

struct vhost_user_mem_region {
	uint64_t guest_phys_addr;
	uint64_t memory_size;
	uint64_t userspace_addr;
	uint64_t mmap_offset; /* where the region starts in its fd */
} __attribute__((packed));

struct vhost_user_memory {
	uint32_t nregions;
	uint32_t padding;
	struct vhost_user_mem_region regions[VHOST_USER_MAX_REGIONS];
} __attribute__((packed));

/* Only offset, size, flags and size bytes of payload travel. */
struct vhost_user_config {
	uint32_t offset;
	uint32_t size;
	uint32_t flags; /* VHOST_USER_CONFIG_F_* */
	uint8_t payload[VHOST_USER_MAX_CONFIG];
} __attribute__((packed));

/*
 * The C implementations that defined this message send their compiler's
 * layout, tail padding included: 24 bytes on the wire, not 20.
 */
struct vhost_user_inflight {
	uint64_t mmap_size;
	uint64_t mmap_offset;
	uint16_t num_queues;
	uint16_t queue_size;
	uint32_t padding;
} __attribute__((packed));

#define VHOST_USER_HDR_SIZE 12u
#define VHOST_USER_CONFIG_HDR_SIZE 12u
#define VHOST_USER_MEMORY_HDR_SIZE 8u
#define VHOST_USER_MAX_PAYLOAD ((uint32_t)sizeof(struct vhost_user_config))

/* One message as it travels: header, then size bytes of payload. */
struct vhost_user_msg {
	uint32_t request; /* enum vhost_user_request */
	uint32_t flags; /* VHOST_USER_VERSION | VHOST_USER_FLAG_* */
	uint32_t size; /* payload bytes that follow */
	union {
		uint64_t u64;
		struct vhost_user_vring_state state;
		struct vhost_user_vring_addr addr;
		struct vhost_user_memory memory;
		struct vhost_user_config config;
		struct vhost_user_inflight inflight;
		uint8_t raw[VHOST_USER_MAX_PAYLOAD];
	} __attribute__((packed)) payload;
} __attribute__((packed));

/* ---- messages (vhost_user_msg.c) ---- */

/* Short name for logs; "?" for numbers this layer does not know. */
const char *vhost_user_request_name(uint32_t request);
/* Does the back-end always answer this request (GET_*), REPLY_ACK or not? */
int vhost_user_request_has_reply(uint32_t request);
/* How many fds a valid reply to this request may carry (0 or 1). */
unsigned int vhost_user_reply_max_fds(uint32_t request);

/* Bytes on the wire: header plus payload. */
static inline size_t vhost_user_msg_len(const struct vhost_user_msg *m)
{
	return VHOST_USER_HDR_SIZE + m->size;
}

/*
 * Request builders: each zeroes *m, sets request, version and payload size.
 * Those that can fail return 0 or -EINVAL (argument out of range).
 */
void vhost_user_msg_init(struct vhost_user_msg *m, uint32_t request);
void vhost_user_msg_u64(struct vhost_user_msg *m, uint32_t request, uint64_t value);
void vhost_user_msg_state(struct vhost_user_msg *m, uint32_t request, uint32_t index, uint32_t num);
void vhost_user_msg_addr(struct vhost_user_msg *m, const struct vhost_user_vring_addr *a);
/* n <= VHOST_USER_MAX_REGIONS, each region non-empty and not wrapping. */
int vhost_user_msg_mem_table(struct vhost_user_msg *m, const struct vhost_user_mem_region *r,
			     unsigned int n);
/* size <= VHOST_USER_MAX_CONFIG; data NULL sends zeroes (GET_CONFIG). */
int vhost_user_msg_config(struct vhost_user_msg *m, uint32_t request, uint32_t offset,
			  uint32_t size, uint32_t flags, const void *data);
void vhost_user_msg_inflight(struct vhost_user_msg *m, uint32_t request,
			     const struct vhost_user_inflight *in);
/* SET_VRING_KICK/CALL/ERR: index <= 0xff; fd < 0 sets VHOST_USER_VRING_NOFD. */
int vhost_user_msg_vring_fd(struct vhost_user_msg *m, uint32_t request, uint32_t index, int fd);

/*
 * Validates a reply to expected_request of which got bytes (header
 * included) arrived in *m: the request number, the REPLY flag, version 1,
 * no unknown flag, size equal to what arrived and within what the request
 * allows (a u64 ack for requests with no reply of their own). Returns the
 * payload size, -EPROTO for a bad reply, -EINVAL if got exceeds *m,
 * -EOPNOTSUPP for a request whose reply this layer cannot validate.
 * A GET_CONFIG reply of size 0 is valid here: it is the back-end's way to
 * report failure (vhost_user_get_config turns it into -EIO).
 */
int vhost_user_check_reply(const struct vhost_user_msg *m, size_t got, uint32_t expected_request);

/* ---- transport (vhost_user_conn.c) ---- */

struct msghdr;
/*
 * Puts nfds descriptors on mh as one SCM_RIGHTS message in buf (size
 * bytes, aligned for struct cmsghdr); -EINVAL if none or they do not fit.
 * vhost_user_send() uses it; a test playing a hostile back-end sends more
 * than a message may carry with it.
 */
int vhost_user_attach_fds(struct msghdr *mh, void *buf, size_t size, const int *fds,
			  unsigned int nfds);
/*
 * Sends the whole message with nfds (<= VHOST_USER_MAX_FDS) descriptors
 * attached, retrying after EINTR and partial writes. Never raises SIGPIPE:
 * a closed peer is -ECONNRESET. timeout_ms < 0 waits as long as it takes.
 */
int vhost_user_send(int fd, const struct vhost_user_msg *m, const int *fds, unsigned int nfds);
int vhost_user_send_timeout(int fd, const struct vhost_user_msg *m, const int *fds,
			    unsigned int nfds, int timeout_ms);

/*
 * Receives one message: exactly a header, then exactly size bytes if size
 * <= VHOST_USER_MAX_PAYLOAD (else -EPROTO without reading on). Up to
 * max_fds (<= VHOST_USER_MAX_FDS) descriptors are stored in fds (close-on-
 * exec) and counted in *nfds; more than max_fds is -EPROTO. On any error
 * every descriptor received is closed, so the caller owns fds only after
 * success. Returns the bytes received (header included, the `got` of
 * vhost_user_check_reply), -ECONNRESET on EOF or a cut message,
 * -ETIMEDOUT when timeout_ms (>= 0) passes before the whole message.
 */
int vhost_user_recv(int fd, struct vhost_user_msg *m, int *fds, unsigned int max_fds,
		    unsigned int *nfds);
int vhost_user_recv_timeout(int fd, struct vhost_user_msg *m, int *fds, unsigned int max_fds,
			    unsigned int *nfds, int timeout_ms);

/* ---- front-end (vhost_user_front.c) ---- */

/*
 * One connection to one back-end, one call at a time (calls block until
 * their reply). The caller owns and closes fd.
 */
struct vhost_user_conn {
	int fd;
	int timeout_ms; /* per call, < 0 for none */
	int broken; /* the stream is out of step: every call fails */
	uint64_t features; /* last SET_FEATURES accepted */
	uint64_t protocol_features; /* last SET_PROTOCOL_FEATURES accepted */
};

void vhost_user_conn_init(struct vhost_user_conn *c, int fd, int timeout_ms);

/*
 * One request, and its reply if it has one. Once REPLY_ACK is negotiated,
 * requests without a reply of their own carry NEED_REPLY and wait for the
 * back-end's u64 ack (non-zero: -EIO). All return 0 or a negative errno.
 */
int vhost_user_get_features(struct vhost_user_conn *c, uint64_t *features);
int vhost_user_set_features(struct vhost_user_conn *c, uint64_t features);
int vhost_user_get_protocol_features(struct vhost_user_conn *c, uint64_t *features);
int vhost_user_set_protocol_features(struct vhost_user_conn *c, uint64_t features);
int vhost_user_set_owner(struct vhost_user_conn *c);
/* Needs VHOST_USER_PROTOCOL_F_RESET_DEVICE. */
int vhost_user_reset_device(struct vhost_user_conn *c);
/* Needs VHOST_USER_PROTOCOL_F_MQ. */
int vhost_user_get_queue_num(struct vhost_user_conn *c, uint64_t *num);
/* fds[i] backs regions[i]; the back-end maps it from regions[i].mmap_offset. */
int vhost_user_set_mem_table(struct vhost_user_conn *c, const struct vhost_user_mem_region *regions,
			     const int *fds, unsigned int n);
int vhost_user_set_vring_num(struct vhost_user_conn *c, uint32_t index, uint32_t num);
int vhost_user_set_vring_addr(struct vhost_user_conn *c, const struct vhost_user_vring_addr *a);
int vhost_user_set_vring_base(struct vhost_user_conn *c, uint32_t index, uint32_t base);
/* Stops the ring; *base is the next available index the back-end would use. */
int vhost_user_get_vring_base(struct vhost_user_conn *c, uint32_t index, uint32_t *base);
/* fd < 0: no descriptor (the back-end polls, or never signals). */
int vhost_user_set_vring_kick(struct vhost_user_conn *c, uint32_t index, int fd);
int vhost_user_set_vring_call(struct vhost_user_conn *c, uint32_t index, int fd);
int vhost_user_set_vring_err(struct vhost_user_conn *c, uint32_t index, int fd);
int vhost_user_set_vring_enable(struct vhost_user_conn *c, uint32_t index, int enable);
/* Need VHOST_USER_PROTOCOL_F_CONFIG; size <= VHOST_USER_MAX_CONFIG. */
int vhost_user_get_config(struct vhost_user_conn *c, uint32_t offset, uint32_t size, uint32_t flags,
			  void *buf);
int vhost_user_set_config(struct vhost_user_conn *c, uint32_t offset, uint32_t size, uint32_t flags,
			  const void *buf);
/*
 * Need VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD. get: *fd is the back-end's
 * buffer (the caller closes it), or -1 if the back-end gave none (mmap_size 0).
 */
int vhost_user_get_inflight_fd(struct vhost_user_conn *c, uint16_t num_queues, uint16_t queue_size,
			       struct vhost_user_inflight *out, int *fd);
int vhost_user_set_inflight_fd(struct vhost_user_conn *c, const struct vhost_user_inflight *in,
			       int fd);

/* ---- in-flight records (vhost_user_inflight.c) ---- */

/*
 * The heads of queue q a back-end that is gone had taken and not
 * completed, from its in-flight buffer (size bytes, num_queues regions),
 * in the order it took them; used_idx is the ring's used index now, ring
 * queue q's size. heads has room for ring_size entries. Returns their
 * number, or -EINVAL if the buffer has no region for q, -ENOMEM.
 */
int vhost_user_inflight_heads(const void *buf, uint64_t size, uint16_t num_queues, uint16_t q,
			      uint16_t ring_size, uint16_t used_idx, uint16_t *heads);
/*
 * After the front-end completed them itself: queue q's records say nothing
 * is in flight and agree with used_idx, so a back-end given the buffer
 * again does not redo them. 0 or -EINVAL.
 */
int vhost_user_inflight_forget(void *buf, uint64_t size, uint16_t num_queues, uint16_t q,
			       uint16_t ring_size, uint16_t used_idx);

#endif
