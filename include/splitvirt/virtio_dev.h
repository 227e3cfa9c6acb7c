/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Transport-independent virtio device core: feature negotiation, the
 * device status state machine, queues, reset, and error containment.
 *
 * Three parties meet here:
 *  - a device model (blk, net, console, rng) implements virtio_dev_ops;
 *  - a transport (virtio_pci) implements virtio_transport_ops to raise
 *    interrupts and drives status/feature/queue registers;
 *  - a host (vmm or devmodel) calls virtio_dev_handle_queue() when a
 *    queue is kicked and virtio_dev_handle_backend() when the backend fd
 *    is readable, typically from an epoll loop over eventfds.
 *
 * Locking: every public entry point (here and in virtio_pci.h) takes
 * dev->lock, so a vCPU thread doing config accesses and an I/O thread
 * processing queues can share a device. Callbacks into the host are made
 * with the lock held and must not call back into the library.
 */
#ifndef SPLITVIRT_VIRTIO_DEV_H
#define SPLITVIRT_VIRTIO_DEV_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <splitvirt/gmem.h>
#include <splitvirt/virtio_queue.h>

struct virtio_dev;

/*
 * Handles one chain; returns the number of bytes written into the chain's
 * writable part (the used length), VIRTIO_CHAIN_IN_FLIGHT when the model
 * took it to complete later (virtio_dev_complete_chain), or -errno if the
 * request is malformed beyond reporting (the device then needs reset).
 */
typedef int (*virtio_chain_fn)(struct virtio_dev *dev, struct virtq *vq, struct virtq_chain *c);

#define VIRTIO_CHAIN_IN_FLIGHT (-EINPROGRESS)

/* Implemented by each device model. Called with dev->lock held. */
struct virtio_dev_ops {
	/* Device-specific config space; off/len are already clipped to config_size. */
	void (*config_read)(struct virtio_dev *dev, uint32_t off, void *buf, uint32_t len);
	/* Optional; config writes are ignored without it. */
	void (*config_write)(struct virtio_dev *dev, uint32_t off, const void *buf, uint32_t len);
	/* Optional veto when the driver sets FEATURES_OK; return 0 to accept. */
	int (*features_ok)(struct virtio_dev *dev, uint64_t features);
	/* Optional; the driver set DRIVER_OK (features are final). */
	void (*driver_ok)(struct virtio_dev *dev);
	/* A queue was kicked; process its available chains. */
	int (*queue_notify)(struct virtio_dev *dev, struct virtq *vq);
	/*
	 * Optional; the backend fd is readable. Returns 1 if the host should
	 * keep polling the fd, 0 if the device is blocked on guest buffers
	 * (the host may stop polling until the next queue kick), or -errno.
	 */
	int (*backend_ready)(struct virtio_dev *dev);
	/* Optional; drop in-flight state. The core resets queues and features. */
	void (*reset)(struct virtio_dev *dev);
	/* Frees the model (which embeds struct virtio_dev). */
	void (*destroy)(struct virtio_dev *dev);
	/*
	 * Optional; for virtio_dev_resume_pending(): the function that ends a
	 * chain of vq the previous process left pending without redoing it
	 * (net and console tx: dropped, a lost frame being what a network
	 * tolerates), or NULL if vq's chains are simply processed again (blk
	 * requests, receive buffers). Without the op every queue redoes.
	 */
	virtio_chain_fn (*fail_chain)(struct virtio_dev *dev, struct virtq *vq);
};

/* Implemented by the transport. Called with dev->lock held. */
struct virtio_transport_ops {
	void (*signal_queue)(struct virtio_dev *dev, struct virtq *vq);
	void (*signal_config)(struct virtio_dev *dev);
	/* Queue enabled or all queues reset (qidx == UINT16_MAX). */
	void (*queue_state)(struct virtio_dev *dev, uint16_t qidx, bool enabled);
	/*
	 * Optional: a drain stopped at its budget with work left. Have the
	 * host process vq again soon, from its event loop and without a
	 * guest kick (virtio_host signals the queue's own kick eventfd).
	 * Returns false if it cannot; the drain then goes on without budget.
	 */
	bool (*requeue)(struct virtio_dev *dev, struct virtq *vq);
};

struct virtio_dev {
	const char *name;
	uint16_t device_id; /* VIRTIO_ID_* */
	uint64_t host_features; /* offered to the driver */
	uint64_t driver_features; /* written by the driver; final after FEATURES_OK */
	bool require_access_platform;
	uint8_t status;
	uint8_t config_generation;
	uint32_t config_size;
	uint16_t num_queues;
	struct virtq *vqs;
	struct virtq_chain *chain; /* scratch for the model; one chain at a time */
	const struct gmem *gmem;
	const struct virtio_dev_ops *ops;
	void *priv;
	const struct virtio_transport_ops *tops;
	void *transport;
	int backend_fd; /* -1 if the model has nothing to poll */
	/*
	 * Its rings are served by another (a vhost back-end): a busy-polling
	 * host leaves them alone (virtio_dev_poll_queues, virtio_dev_set_polled).
	 */
	bool rings_elsewhere;
	pthread_mutex_t lock;
	/*
	 * Throttled log counters (pr_warn_limited) for what the driver can
	 * get wrong in a loop: status and feature writes, queue setup,
	 * entering DEVICE_NEEDS_RESET (a guest can reset and repeat).
	 */
	unsigned long log_status, log_features, log_queue, log_reset;
};

/* Features every device offers through the core. */
#define VIRTIO_DEV_BASE_FEATURES                                                \
	((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_RING_F_INDIRECT_DESC) | \
	 (1ull << VIRTIO_RING_F_EVENT_IDX))

/*
 * Initialises the core for a model. features are model features; the
 * base features are added. Returns -ENOMEM or -EINVAL.
 */
int virtio_dev_init(struct virtio_dev *dev, const char *name, uint16_t device_id,
		    uint16_t num_queues, uint16_t queue_size, uint32_t config_size,
		    uint64_t features, const struct gmem *gm, const struct virtio_dev_ops *ops,
		    void *priv);
/* Frees core resources (not the model); models call it from ops->destroy. */
void virtio_dev_fini(struct virtio_dev *dev);
/* Destroys the model through ops->destroy. */
void virtio_dev_destroy(struct virtio_dev *dev);

/*
 * Offers VIRTIO_F_ACCESS_PLATFORM. With required, FEATURES_OK fails unless
 * the driver accepts it (the device may only see DMA-able memory).
 */
void virtio_dev_offer_access_platform(struct virtio_dev *dev, bool required);

/* Host entry points (take the lock). */
int virtio_dev_handle_queue(struct virtio_dev *dev, uint16_t qidx);
int virtio_dev_handle_backend(struct virtio_dev *dev);
int virtio_dev_backend_fd(const struct virtio_dev *dev);
/*
 * Busy-polling hosts: serves every ready queue that has buffers waiting,
 * as a kick would; returns how many had some, or -errno from a queue (the
 * device then needs a reset, as after a kick).
 */
int virtio_dev_poll_queues(struct virtio_dev *dev);
/*
 * Turns polled mode (virtq_set_polled) on or off for every enabled queue;
 * off returns true if buffers arrived meanwhile (poll once more).
 */
bool virtio_dev_set_polled(struct virtio_dev *dev, bool polled);
uint8_t virtio_dev_get_status(struct virtio_dev *dev);

/* Model/transport helpers; the caller holds the lock. */
bool virtio_dev_has_feature(const struct virtio_dev *dev, unsigned int bit);
bool virtio_dev_ready(const struct virtio_dev *dev); /* DRIVER_OK and not broken */
void virtio_dev_write_status(struct virtio_dev *dev, uint8_t status);
void virtio_dev_reset(struct virtio_dev *dev);
/* Validates and enables queue qidx; on failure the device needs reset. */
int virtio_dev_enable_queue(struct virtio_dev *dev, uint16_t qidx);
/* Enters the error state: DEVICE_NEEDS_RESET + config interrupt. */
void virtio_dev_set_needs_reset(struct virtio_dev *dev, const char *why);
/* Raises a used-buffer interrupt if the driver wants one. */
void virtio_dev_notify_used(struct virtio_dev *dev, struct virtq *vq);
/* Bumps config_generation and raises a config interrupt. */
void virtio_dev_config_changed(struct virtio_dev *dev);
int virtio_dev_process_queue_locked(struct virtio_dev *dev, uint16_t qidx);
/* Would FEATURES_OK be granted for the current driver features? (logs why not) */
bool virtio_dev_features_acceptable(struct virtio_dev *dev);

/*
 * The drain budget: one wake-up of a queue handles at most this many
 * chains, or chains of at most about this many bytes (read + write
 * lengths; the chain that crosses it still completes). The devmodel
 * serves every driver VM on one thread: a guest refilling its ring as fast
 * as the device consumes it must not keep the thread from the others.
 */
#define VIRTIO_DEV_DRAIN_CHAINS 64
#define VIRTIO_DEV_DRAIN_BYTES (16u << 20)

/*
 * Pops and completes available chains with kick suppression while busy,
 * then interrupts once. With the budget spent and the transport able to
 * requeue, it stops and leaves kicks suppressed: the host processes the
 * queue again from its loop, after whatever else was ready (the next pass
 * starts where this one stopped and, once the ring is empty, asks for
 * kicks again, so nothing is lost). Returns the number of chains or -errno.
 */
int virtio_dev_drain_queue(struct virtio_dev *dev, struct virtq *vq, virtio_chain_fn fn);

/*
 * A chain the model took (VIRTIO_CHAIN_IN_FLIGHT) is over, with used
 * length len; -ENOENT if head is not in flight on vq (the queue was reset
 * meanwhile). Chains reach the used ring in the order they were popped:
 * virtio_dev_publish_completed() publishes those now at the front and
 * interrupts once, so a batch of completions costs one interrupt. Both
 * with the lock held.
 */
int virtio_dev_complete_chain(struct virtio_dev *dev, struct virtq *vq, uint16_t head,
			      uint32_t len);
void virtio_dev_publish_completed(struct virtio_dev *dev, struct virtq *vq);

/*
 * Crash recovery, after virtio_pci_restore() in a new host process: every
 * chain the guest made available and has not seen completed was either in
 * flight in the process that died or never started; either way it is
 * processed now, as after a kick: blk requests run again (reads and writes
 * of whole blocks are idempotent, a flush comes after the writes before it
 * in the ring as before), receive buffers wait for input; queues whose
 * model has a fail_chain function drop theirs instead (at most a ring's
 * worth, as many as can be pending; chains beyond are new and processed
 * normally after a requeue). A backend that fails now
 * fails the request as it would have then. Each enabled queue gets one
 * interrupt (the dead process may have published completions without
 * one; a spurious interrupt is harmless). Takes the lock. Returns the
 * number of chains taken up (popped) now, or -errno (the device then
 * needs reset: a hostile ring).
 */
int virtio_dev_resume_pending(struct virtio_dev *dev);

#endif
