/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hosts a device model as a virtio-pci function, wired for the fast path.
 * The one glue between the virtio library and whatever serves a function:
 * the vmm (local devices, on KVM) and the devmodel (remote devices, on
 * splitvirt.ko) both use it, through a small platform interface:
 *
 *   - each queue has a kick eventfd; once the driver enables the queue the
 *     platform binds it to the queue's notify address (KVM ioeventfd, or
 *     the module's ioeventfd that rings a KICK doorbell) and the glue
 *     processes the queue when it fires, on its event loop; a queue left
 *     with work after its drain budget (virtio_dev.h) gets its kick
 *     eventfd signalled again by the glue, so the loop comes back to it
 *     after serving whatever else is ready;
 *   - each MSI-X vector has a call eventfd; the platform routes it to what
 *     the guest programmed (KVM irqfd + MSI route, or the module's irqfd
 *     that rings a CALL doorbell), and raising the vector is one write;
 *   - BAR windows are announced to the platform, which forwards trapped
 *     accesses to virtio_host_bar_access();
 *   - the backend fd is polled while the device can make progress on it.
 *
 * Threads: the platform callbacks run with the device lock held (they
 * come from the function model), so they must not call back into the
 * library. The glue's handlers run on its event loop's thread; the access
 * entry points may be called from other threads (vCPUs).
 */
#ifndef SPLITVIRT_VIRTIO_HOST_H
#define SPLITVIRT_VIRTIO_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include <splitvirt/event_loop.h>
#include <splitvirt/virtio_pci.h>

/*
 * Queues a hosted function may have: one kick and one vector each, plus the
 * config vector. The same bound as what a function's saved state holds, so
 * every hosted function can also be taken over after a backend restart.
 */
#define VIRTIO_HOST_MAX_QUEUES VIRTIO_PCI_STATE_MAX_QUEUES
#define VIRTIO_HOST_MAX_VECTORS (VIRTIO_HOST_MAX_QUEUES + 1)

/* All return 0 or -errno and run with the device lock held. */
struct virtio_host_platform {
	/*
	 * BAR bar is now decoded at [gpa, gpa + size) (add) or no longer.
	 * Accesses there reach virtio_host_bar_access() through the platform.
	 */
	int (*mmio_window)(void *ctx, int bar, uint64_t gpa, uint64_t size, bool add);
	/*
	 * Binds (assign) or unbinds eventfd fd to queue q's notify address: the
	 * driver writes the 16-bit queue index to gpa. -ENOSPC if the platform
	 * has no doorbell left; kicks then arrive as trapped writes.
	 */
	int (*ioeventfd)(void *ctx, uint16_t q, uint64_t gpa, int fd, bool assign);
	/*
	 * Routes vector v: a write to fd raises the guest-programmed MSI
	 * addr/data. masked: the vector may not fire now (the model holds its
	 * messages in the PBA meanwhile); a platform may tear the route down.
	 */
	int (*irqfd)(void *ctx, uint16_t v, int fd, uint64_t addr, uint32_t data, bool masked);
	/* Optional: raises one MSI without an irqfd, for vectors irqfd could not route. */
	int (*msi)(void *ctx, uint64_t addr, uint32_t data);
	/* INTx line level, while MSI-X is off. */
	int (*set_intx)(void *ctx, bool level);
};

struct virtio_host_params {
	const char *name; /* in every log line about the function */
	struct sv_loop *loop; /* kicks and the backend are served here */
	const struct virtio_host_platform *platform;
	void *ctx; /* the platform's */
	const struct virtio_pci_params *pci; /* optional */
};

struct virtio_host;

/*
 * Wraps dev (owned from here on, also on failure) in a virtio-pci function.
 * -EINVAL, with a log line, for a device with more than
 * VIRTIO_HOST_MAX_QUEUES queues.
 */
int virtio_host_create(struct virtio_host **out, struct virtio_dev *dev,
		       const struct virtio_host_params *p);
/*
 * Closes the glue's fds and frees the function and the device. Bindings
 * made through the platform go with the VM (the KVM VM, the module's VM
 * handle); a platform that outlives the VM undoes them first with
 * virtio_host_reset().
 */
void virtio_host_destroy(struct virtio_host *vh);

/*
 * A trapped access: config space (size 1, 2, 4) or BAR-relative (size 1,
 * 2, 4, 8). Accesses to no register are logged (throttled: a guest can do
 * it in a loop) and contained. Returns 0 or -errno (reads then leave *val
 * as the model left it).
 */
int virtio_host_cfg_access(struct virtio_host *vh, uint32_t off, uint32_t size, uint32_t *val,
			   bool is_write);
int virtio_host_bar_access(struct virtio_host *vh, int bar, uint64_t off, uint32_t size,
			   uint64_t *val, bool is_write);

/* Back to power-on, as after a PCI reset: windows, kicks and routes are undone. */
void virtio_host_reset(struct virtio_host *vh);
/* Polls the backend again (new guest buffers may unblock it). Any thread. */
void virtio_host_poll_backend(struct virtio_host *vh);
/*
 * Busy-polling hosts, on the thread that serves the kicks: serves the
 * queues with buffers waiting (as kicks would); returns how many had some
 * (errors are logged: the device then needs a reset, as after a kick).
 */
int virtio_host_poll_queues(struct virtio_host *vh);
/* virtio_dev_set_polled(): true if buffers arrived while turning it off. */
bool virtio_host_set_polled(struct virtio_host *vh, bool polled);

/*
 * For a model whose queues another process serves (a vhost-user back-end):
 * queue q's kick eventfd and the call eventfd of its MSI-X vector (-1 if
 * it has none routable). The back-end reads the kick and writes the call
 * itself, so the interrupt path stays in the platform (irqfd) and the
 * kick path too (ioeventfd). Safe under the device lock.
 */
void virtio_host_queue_fds(const struct virtio_host *vh, uint16_t q, int *kick, int *call);
/*
 * offloaded: the glue stops reading queue q's kick eventfd (the back-end
 * does); back to false: it serves the kicks again. Safe under the device
 * lock; 0 or -errno.
 */
int virtio_host_offload_queue(struct virtio_host *vh, uint16_t q, bool offloaded);

struct virtio_pci *virtio_host_pci(struct virtio_host *vh);
struct virtio_dev *virtio_host_dev(struct virtio_host *vh);
const char *virtio_host_name(const struct virtio_host *vh);

#endif
