/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A virtio device whose queues a vhost-user back-end serves (lib/vhost,
 * vhost_user_dev.c), or the kernel's vhost (vhost-net, with the same
 * hand-over through ioctls): the model keeps the PCI function (config space,
 * feature negotiation, reset) and hands the back-end the guest's memory
 * and, per queue, the kick and call eventfds of the host glue, so
 * steady-state I/O goes guest -> platform ioeventfd -> back-end ->
 * platform irqfd -> guest without this process.
 *
 * A back-end that dies (its socket closes, or it breaks the protocol) is
 * reconnected to, every 200 ms (backing off to 5 s while it accepts and
 * then does not answer). What it had in flight waits for it for a
 * grace period and is then redone by it (its in-flight records,
 * VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD); once the grace period is over
 * the model completes those requests and every new one with an error
 * (params.fail_chain) until a back-end is back, and the back-end then
 * takes the queues up again where they are.
 */
#ifndef SPLITVIRT_VHOST_USER_DEV_H
#define SPLITVIRT_VHOST_USER_DEV_H

#include <stdint.h>

#include <splitvirt/virtio_dev.h>

struct virtio_host;

/* Guest memory the back-end maps: [gpa, gpa + size) at hva here, fd at fd_offset there. */
struct vhost_user_dev_region {
	uint64_t gpa;
	uint64_t size;
	void *hva;
	int fd; /* not owned */
	uint64_t fd_offset;
};

#define VHOST_USER_DEV_MAX_REGIONS 4

/*
 * The kernel's vhost instead of a vhost-user back-end. It never goes
 * away: no reconnect, no grace period; what it refuses makes the device
 * need a reset.
 */
struct vhost_kernel_params {
	const char *device; /* e.g. "/dev/vhost-net" */
	/* The fd ring q moves frames through (VHOST_NET_SET_BACKEND: a tap queue's). */
	int (*queue_fd)(void *ctx, uint16_t q);
	/* Optional: the driver's final features (e.g. its tap's offloads); 0 after a reset. */
	void (*features_ok)(void *ctx, uint64_t driver_features);
	/* Optional: frees ctx once the device is gone (also when creating it fails). */
	void (*release)(void *ctx);
	void *ctx;
};
#define VHOST_USER_DEV_GRACE_MS 5000
#define VHOST_USER_DEV_TIMEOUT_MS 5000
#define VHOST_USER_DEV_RETRY_MS 200
/* A back-end that accepts and then times out is tried again at most this often. */
#define VHOST_USER_DEV_RETRY_MAX_MS 5000

struct vhost_user_dev_params {
	const char *name; /* in log lines */
	const char *socket; /* the back-end's listening AF_UNIX socket, or NULL with kernel */
	const struct vhost_kernel_params *kernel;
	uint16_t device_id; /* VIRTIO_ID_* */
	uint16_t num_queues; /* at most what the back-end has */
	uint16_t queue_size; /* 0: 256 */
	uint32_t config_size; /* bytes of device config space */
	/* The config space, or NULL to read it from the back-end (PROTOCOL_F_CONFIG). */
	const void *config;
	/*
	 * Device-specific feature bits (0-23) the driver may see, of what the
	 * back-end offers; with kernel, offered as they are (the tap has them).
	 */
	uint64_t device_features;
	const struct gmem *gm;
	const struct vhost_user_dev_region *regions;
	unsigned int nr_regions; /* 1..VHOST_USER_DEV_MAX_REGIONS */
	/* Completes a request with an error while no back-end serves it. */
	virtio_chain_fn fail_chain;
	/* Optional: adjusts the back-end's config to the function (e.g. its queue count). */
	void (*config_fixup)(void *config, uint16_t num_queues);
	int grace_ms; /* 0: VHOST_USER_DEV_GRACE_MS; < 0: fail at the first retry */
	int timeout_ms; /* per message; 0: VHOST_USER_DEV_TIMEOUT_MS */
};

/*
 * Connects to the back-end and learns its features and config: -errno
 * (with a log line) if it is not there or not usable (then no device).
 */
int vhost_user_dev_create(struct virtio_dev **out, const struct vhost_user_dev_params *p);
/*
 * Once the device is hosted (virtio_host_create): the glue whose queue
 * eventfds the back-end gets. Before it the device serves nothing.
 */
void vhost_user_dev_attach(struct virtio_dev *dev, struct virtio_host *vh);
/* Whether a back-end is connected now (for status views and tests). */
bool vhost_user_dev_connected(struct virtio_dev *dev);

#endif
