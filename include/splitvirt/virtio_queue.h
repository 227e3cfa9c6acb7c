/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Device side of a virtio 1.x split virtqueue.
 *
 * The rings live in guest memory that the guest writes concurrently, so
 * every value read from them is treated as hostile: indices, lengths and
 * addresses are validated and each descriptor is read exactly once into a
 * local copy. A malformed ring makes the call return a negative errno and
 * marks the queue broken; the owner (struct virtio_dev) then sets
 * DEVICE_NEEDS_RESET. A broken queue refuses all further work until reset.
 */
#ifndef SPLITVIRT_VIRTIO_QUEUE_H
#define SPLITVIRT_VIRTIO_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <splitvirt/gmem.h>

/* Largest queue size a device offers; split queue sizes are powers of two. */
#define VIRTQ_MAX_SIZE 1024
/* A chain has at most this many non-empty segments (direct + indirect). */
#define VIRTQ_MAX_SEGS VIRTQ_MAX_SIZE
/* Upper bound on the bytes of one chain; larger chains are rejected. */
#define VIRTQ_MAX_CHAIN_BYTES (1u << 30)

struct virtq;

/* Called once when the queue detects a hostile ring (err < 0). */
typedef void (*virtq_error_fn)(struct virtq *vq, int err, void *opaque);

struct virtq {
	/* Configuration written by the driver through the transport. */
	uint16_t size; /* current queue size, power of two */
	uint16_t max_size; /* what the device offers */
	uint16_t msix_vector;
	bool enabled;
	uint64_t desc_gpa, avail_gpa, used_gpa;

	/* Negotiated features relevant to the ring. */
	bool event_idx;
	bool indirect;

	/* Host views of the rings, translated once at enable time. */
	const struct gmem *gmem;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;

	/* Device-private ring state. */
	uint16_t last_avail_idx; /* next avail ring slot to consume */
	uint16_t used_idx; /* next used ring slot to fill (published or not) */
	uint16_t published_used_idx; /* last value stored to used->idx */
	uint16_t signalled_used; /* used idx at the last interrupt decision */
	bool signalled_used_valid;
	bool broken;
	/* A poller watches the ring (virtq_set_polled): kicks stay suppressed. */
	bool polled;
	int last_error;
	/* Throttles the "hostile ring" line: a guest can break, reset, repeat. */
	unsigned long hostile_logs;

	uint16_t index; /* queue number, for logging */
	virtq_error_fn on_error;
	void *error_opaque;

	/*
	 * Chains popped and not yet in the used ring, in the order they were
	 * popped (virtq_defer): a model that completes requests out of order
	 * still publishes them in order, so the published used index always
	 * says which chains are over and a restarted device can take up the
	 * ring from it (virtq_resync). A ring of deferred_first.. + nr_deferred.
	 */
	struct virtq_deferred {
		uint16_t head;
		bool done;
		uint32_t len;
	} deferred[VIRTQ_MAX_SIZE];
	uint16_t deferred_first, nr_deferred;
};

/* One device-readable or device-writable piece of a chain. */
struct virtq_seg {
	void *base;
	uint32_t len;
};

/*
 * A popped descriptor chain: nr_read device-readable segments followed by
 * nr_write device-writable ones (the spec requires that order).
 */
struct virtq_chain {
	uint16_t head;
	uint16_t nr_read;
	uint16_t nr_write;
	uint32_t read_len;
	uint32_t write_len;
	struct virtq_seg segs[VIRTQ_MAX_SEGS];
};

/* Sets up an idle queue (not enabled) offering max_size entries. */
void virtq_init(struct virtq *vq, uint16_t index, uint16_t max_size, const struct gmem *gm,
		virtq_error_fn on_error, void *opaque);

/* Returns the queue to its post-reset state (size = max_size, disabled). */
void virtq_reset(struct virtq *vq);

/*
 * Validates size/addresses/alignment, translates the three rings and marks
 * the queue enabled. -EINVAL if the configuration is unusable.
 */
int virtq_enable(struct virtq *vq, bool event_idx, bool indirect);

/*
 * After a restore into a new host process: the device-private indices
 * restart from the used index the guest sees, so every chain not yet
 * published as used is available again. Needs an enabled queue.
 */
void virtq_resync(struct virtq *vq);

/*
 * Pops the next available chain into *chain. Returns 1 with a chain, 0 if
 * the ring is empty, or a negative errno for a hostile ring (queue broken).
 */
int virtq_pop(struct virtq *vq, struct virtq_chain *chain);

/*
 * The chain that starts at head, for a device told the head by someone
 * else (a vhost-user back-end's in-flight records): the checks of
 * virtq_pop (a hostile chain breaks the queue), nothing consumed. 0,
 * -EINVAL for a head outside the ring, or -errno.
 */
int virtq_chain_at(struct virtq *vq, uint16_t head, struct virtq_chain *chain);

/* Gives back the last n popped chains that were not pushed (e.g. rx had too few buffers). */
void virtq_unpop(struct virtq *vq, uint16_t n);

/* True if the driver has made chains available that were not popped yet. */
bool virtq_has_avail(struct virtq *vq);

/* Writes a used element (not yet visible to the driver). */
void virtq_add_used(struct virtq *vq, uint16_t head, uint32_t len);
/* Makes all added used elements visible (store-release of used->idx). */
void virtq_publish_used(struct virtq *vq);
/* virtq_add_used() + virtq_publish_used(). */
void virtq_push(struct virtq *vq, uint16_t head, uint32_t len);

/*
 * Whether the driver wants an interrupt for the used entries published
 * since the last call (EVENT_IDX used_event, or VRING_AVAIL_F_NO_INTERRUPT).
 */
bool virtq_should_notify(struct virtq *vq);

/* Asks the driver not to kick (we are polling the ring anyway). */
void virtq_disable_notify(struct virtq *vq);
/*
 * Asks the driver to kick on new buffers. Returns true if buffers arrived
 * meanwhile, in which case the caller must process the ring again.
 */
bool virtq_enable_notify(struct virtq *vq);
/*
 * Like virtq_enable_notify() when the device already holds back `have`
 * unconsumed chains (too few for its need): asks for a kick once more
 * arrive and returns true if they already have.
 */
bool virtq_notify_on_more(struct virtq *vq, uint16_t have);

/*
 * Completion of popped chains out of order, published in order. defer
 * records a popped chain, done (its used length is len) or still in flight;
 * complete marks the oldest in-flight record of head done (-ENOENT if there
 * is none); publish_done moves the done records at the front into the used
 * ring and publishes them, returning how many. While records are deferred,
 * every later chain of the queue must be deferred too (done or not).
 */
void virtq_defer(struct virtq *vq, uint16_t head, bool done, uint32_t len);
int virtq_complete(struct virtq *vq, uint16_t head, uint32_t len);
unsigned int virtq_publish_done(struct virtq *vq);

/*
 * Polled mode (the host busy-polls the ring): on, the driver is asked not
 * to kick at all, and virtq_enable_notify()/virtq_notify_on_more() keep it
 * so while still telling whether buffers arrived. Off, kicks are asked for
 * again; returns true if buffers arrived meanwhile (process the ring).
 */
bool virtq_set_polled(struct virtq *vq, bool polled);

/* Ring footprints in guest memory for queue size n (including event fields). */
size_t virtq_desc_bytes(uint16_t n);
size_t virtq_avail_bytes(uint16_t n);
size_t virtq_used_bytes(uint16_t n);

/*
 * Copies up to len bytes starting at byte offset off of the chain's readable
 * (or writable) part. Returns the number of bytes copied.
 */
size_t virtq_chain_read(const struct virtq_chain *c, size_t off, void *buf, size_t len);
size_t virtq_chain_write(const struct virtq_chain *c, size_t off, const void *buf, size_t len);

/*
 * Builds an iovec for [off, off + len) of the readable (write == false) or
 * writable part. Returns the iovec count, or -ENOBUFS if max is too small,
 * -ERANGE if the range exceeds that part.
 */
int virtq_chain_iov(const struct virtq_chain *c, bool write, size_t off, size_t len,
		    struct iovec *iov, int max);

#endif
