// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio-pci host glue (see <splitvirt/virtio_host.h>): turns the
 * function model's host callbacks into platform calls, and kicks and
 * backend readiness into device processing on the event loop.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <linux/virtio_pci.h>

#include <splitvirt/log.h>
#include <splitvirt/trace.h>
#include <splitvirt/virtio_dev.h>
#include <splitvirt/virtio_host.h>

struct vh_kick {
	struct sv_watch w;
	struct virtio_host *vh;
	uint16_t q;
	int fd;
	uint64_t gpa;
	bool bound;
};

struct vh_call {
	int fd;
	bool routed; /* a write to fd reaches the guest */
};

struct virtio_host {
	char name[48];
	struct virtio_dev *dev;
	struct virtio_pci *fn;
	struct sv_loop *loop;
	const struct virtio_host_platform *plat;
	void *ctx;
	uint16_t nvectors;
	struct vh_kick kicks[VIRTIO_HOST_MAX_QUEUES];
	struct vh_call calls[VIRTIO_HOST_MAX_VECTORS];
	/*
	 * The backend watch is toggled by the loop and by trapped kicks (vCPUs).
	 * The loop holds the lock from the device's "blocked" verdict until the
	 * watch is stopped, so a kick that adds buffers after the verdict
	 * re-arms the watch after it was stopped, not before.
	 */
	pthread_mutex_t backend_lock;
	struct sv_watch backend;
	/* Throttled log counters: each can be driven by the guest. */
	unsigned long stray_accesses, queue_errors, backend_errors, signal_errors;
	unsigned long platform_errors, window_errors, kick_errors;
};

/* ---- host callbacks of the function model (device lock held) ------------- */

static void vh_platform_failed(struct virtio_host *vh, const char *what, int err)
{
	pr_warn_limited(&vh->platform_errors, "%s: %s: %s", vh->name, what, strerror(-err));
}

static void vh_bar_changed(void *opaque, int bar, uint64_t gpa, uint64_t size, bool mapped)
{
	struct virtio_host *vh = opaque;
	int ret = vh->plat->mmio_window(vh->ctx, bar, gpa, size, mapped);

	/*
	 * A guest that places a BAR over RAM or another device only hurts
	 * itself, but can do it in a loop.
	 */
	if (ret && mapped)
		pr_warn_limited(&vh->window_errors, "%s: BAR%d at 0x%llx (+0x%llx) not mapped: %s",
				vh->name, bar, (unsigned long long)gpa, (unsigned long long)size,
				strerror(-ret));
	else if (mapped)
		pr_debug("%s: BAR%d at 0x%llx", vh->name, bar, (unsigned long long)gpa);
}

static void vh_notify_changed(void *opaque, uint16_t q, uint64_t gpa, bool active)
{
	struct virtio_host *vh = opaque;
	struct vh_kick *k;
	int ret;

	if (q >= vh->dev->num_queues)
		return;
	k = &vh->kicks[q];
	if (k->bound) {
		ret = vh->plat->ioeventfd(vh->ctx, q, k->gpa, k->fd, false);
		if (ret)
			vh_platform_failed(vh, "unbinding a queue's kick", ret);
		k->bound = false;
	}
	if (!active)
		return;
	k->gpa = gpa;
	ret = vh->plat->ioeventfd(vh->ctx, q, gpa, k->fd, true);
	if (ret) {
		/*
		 * Still works: the notify write then traps and is handled inline.
		 * Throttled: the guest re-enables its queues on every reset.
		 */
		pr_warn_limited(&vh->kick_errors,
				"%s: queue %u: no ioeventfd at 0x%llx (%s); kicks trap", vh->name,
				q, (unsigned long long)gpa, strerror(-ret));
		return;
	}
	k->bound = true;
	pr_debug("%s: queue %u kick at 0x%llx", vh->name, q, (unsigned long long)gpa);
}

static void vh_msix_changed(void *opaque, uint16_t v, uint64_t addr, uint32_t data, bool masked)
{
	struct virtio_host *vh = opaque;
	struct vh_call *c;
	int ret;

	if (v >= vh->nvectors)
		return;
	c = &vh->calls[v];
	ret = vh->plat->irqfd(vh->ctx, v, c->fd, addr, data, masked);
	c->routed = !masked && ret == 0;
	if (ret == -EINVAL)
		pr_warn_limited(
			&vh->platform_errors,
			"%s: MSI-X vector %u programmed with address 0x%llx data 0x%x, which is not this VM's MSI doorbell; its interrupts are dropped",
			vh->name, v, (unsigned long long)addr, data);
	else if (ret)
		vh_platform_failed(vh, "routing an MSI-X vector", ret);
}

static void vh_signal_msix(void *opaque, uint16_t v, uint64_t addr, uint32_t data)
{
	struct virtio_host *vh = opaque;
	uint64_t one = 1;
	int ret = 0;

	if (v < vh->nvectors && vh->calls[v].routed) {
		if (write(vh->calls[v].fd, &one, sizeof(one)) != sizeof(one))
			ret = -errno;
	} else if (vh->plat->msi) {
		/* No irqfd for it: the platform's slow path. */
		ret = vh->plat->msi(vh->ctx, addr, data);
	} else {
		pr_debug("%s: interrupt on unrouted vector %u dropped", vh->name, v);
	}
	if (ret)
		pr_warn_limited(&vh->signal_errors, "%s: raising vector %u: %s", vh->name, v,
				strerror(-ret));
}

static void vh_set_intx(void *opaque, bool level)
{
	struct virtio_host *vh = opaque;
	int ret = vh->plat->set_intx(vh->ctx, level);

	if (ret)
		vh_platform_failed(vh, "setting INTx", ret);
}

/*
 * A queue left with work after its drain budget: signal its own kick
 * eventfd, which the loop watches whether or not the platform bound it.
 * The loop serves it like a kick, after the watches already ready: other
 * queues, and in a devmodel other VMs, get their turn first.
 */
static bool vh_requeue(void *opaque, uint16_t q)
{
	struct virtio_host *vh = opaque;
	uint64_t one = 1;

	if (q >= vh->dev->num_queues)
		return false;
	return write(vh->kicks[q].fd, &one, sizeof(one)) == sizeof(one);
}

static const struct virtio_pci_host_ops vh_pci_ops = {
	.signal_msix = vh_signal_msix,
	.set_intx = vh_set_intx,
	.msix_changed = vh_msix_changed,
	.notify_changed = vh_notify_changed,
	.bar_changed = vh_bar_changed,
	.requeue = vh_requeue,
};

/* ---- event loop ------------------------------------------------------------ */

static void vh_backend_ready(struct sv_watch *w, uint32_t events);

/*
 * Polls the backend fd (on) or stops (off); backend_lock held. Follows a
 * changed fd: the console's socket backend swaps its fd when a client
 * connects.
 */
static void vh_backend_watch_locked(struct virtio_host *vh, bool on)
{
	int fd = virtio_dev_backend_fd(vh->dev);
	int ret = 0;

	if (!on || fd < 0 || (vh->backend.added && vh->backend.fd != fd))
		sv_loop_del(vh->loop, &vh->backend);
	if (on && fd >= 0 && !vh->backend.added)
		ret = sv_loop_add(vh->loop, &vh->backend, fd, vh_backend_ready);
	if (ret)
		pr_warn_limited(&vh->backend_errors, "%s: polling backend fd %d: %s", vh->name, fd,
				strerror(-ret));
}

static void vh_backend_watch(struct virtio_host *vh, bool on)
{
	pthread_mutex_lock(&vh->backend_lock);
	vh_backend_watch_locked(vh, on);
	pthread_mutex_unlock(&vh->backend_lock);
}

static void vh_backend_ready(struct sv_watch *w, uint32_t events)
{
	struct virtio_host *vh = sv_container_of(w, struct virtio_host, backend);
	int ret;

	(void)events;
	/*
	 * 0: blocked on guest buffers; an error: the device needs a reset.
	 * Either way only a kick can change that, and it re-arms us. One on
	 * another thread waits for the lock: it cannot re-arm in between the
	 * verdict and the stop, and be undone by the stop.
	 */
	pthread_mutex_lock(&vh->backend_lock);
	ret = virtio_dev_handle_backend(vh->dev);
	vh_backend_watch_locked(vh, ret > 0);
	pthread_mutex_unlock(&vh->backend_lock);
	if (ret < 0)
		pr_warn_limited(&vh->backend_errors, "%s: backend: %s", vh->name, strerror(-ret));
}

static void vh_kick_ready(struct sv_watch *w, uint32_t events)
{
	struct vh_kick *k = sv_container_of(w, struct vh_kick, w);
	struct virtio_host *vh = k->vh;
	uint64_t n;
	int ret;

	(void)events;
	sv_trace(SV_TP_WAKE, (uint8_t)vh->dev->device_id, k->q, 0, 0);
	if (read(k->fd, &n, sizeof(n)) != sizeof(n))
		return;
	ret = virtio_dev_handle_queue(vh->dev, k->q);
	if (ret < 0)
		pr_warn_limited(&vh->queue_errors, "%s: queue %u: %s (device needs reset)",
				vh->name, k->q, strerror(-ret));
	/* New guest buffers may unblock a backend we stopped polling. */
	vh_backend_watch(vh, true);
}

/* ---- trapped accesses ------------------------------------------------------ */

/*
 * Whether a BAR access hits a register of the layout in virtio_pci.h. The
 * model ignores the others safely; this only tells which to log, since a
 * driver that touches them is broken or hostile.
 */
static bool vh_bar_register(const struct virtio_host *vh, int bar, uint64_t off, uint32_t len,
			    bool is_write)
{
	uint64_t end = off + len;

	if (bar == VIRTIO_PCI_BAR_MSIX)
		return end <= VIRTIO_PCI_MSIX_TABLE_OFF + 16ull * vh->nvectors ||
		       (off >= VIRTIO_PCI_MSIX_PBA_OFF && !is_write &&
			end <= VIRTIO_PCI_MSIX_PBA_OFF + 8ull * ((vh->nvectors + 63) / 64));
	if (bar != VIRTIO_PCI_BAR_REGS)
		return false;
	if (end <= VIRTIO_PCI_COMMON_LEN)
		return true;
	if (off == VIRTIO_PCI_ISR_OFF)
		return !is_write;
	if (off >= VIRTIO_PCI_DEVCFG_OFF && off < VIRTIO_PCI_NOTIFY_OFF)
		return end - VIRTIO_PCI_DEVCFG_OFF <= vh->dev->config_size;
	if (off >= VIRTIO_PCI_NOTIFY_OFF)
		return (off - VIRTIO_PCI_NOTIFY_OFF) / VIRTIO_PCI_NOTIFY_MULT < vh->dev->num_queues;
	return false;
}

/* A rejected access to config space (bar < 0) or to BAR bar. */
static void vh_log_stray(struct virtio_host *vh, int bar, uint64_t off, uint32_t len, bool is_write,
			 const char *why)
{
	char where[16];

	if (bar < 0)
		snprintf(where, sizeof(where), "config");
	else
		snprintf(where, sizeof(where), "BAR%d", bar);
	pr_warn_limited(&vh->stray_accesses, "%s: %u-byte %s at %s+0x%llx rejected (%s)", vh->name,
			len, is_write ? "write" : "read", where, (unsigned long long)off, why);
}

int virtio_host_cfg_access(struct virtio_host *vh, uint32_t off, uint32_t size, uint32_t *val,
			   bool is_write)
{
	int ret = is_write ? virtio_pci_cfg_write(vh->fn, off, size, *val) :
			     virtio_pci_cfg_read(vh->fn, off, size, val);

	if (ret)
		vh_log_stray(vh, -1, off, size, is_write, strerror(-ret));
	return ret;
}

int virtio_host_bar_access(struct virtio_host *vh, int bar, uint64_t off, uint32_t size,
			   uint64_t *val, bool is_write)
{
	int ret;

	if (!vh_bar_register(vh, bar, off, size, is_write))
		vh_log_stray(vh, bar, off, size, is_write, "no register there");
	if (!is_write)
		return virtio_pci_bar_read(vh->fn, bar, off, size, val);
	ret = virtio_pci_bar_write(vh->fn, bar, off, size, *val);
	if (ret)
		vh_log_stray(vh, bar, off, size, is_write, strerror(-ret));
	else
		vh_backend_watch(vh, true); /* a trapped kick may have added buffers */
	return ret;
}

/* ---- life cycle -------------------------------------------------------------- */

void virtio_host_reset(struct virtio_host *vh)
{
	virtio_pci_reset(vh->fn);
}

void virtio_host_poll_backend(struct virtio_host *vh)
{
	vh_backend_watch(vh, true);
}

int virtio_host_poll_queues(struct virtio_host *vh)
{
	int ret = virtio_dev_poll_queues(vh->dev);

	if (ret < 0) {
		pr_warn_limited(&vh->queue_errors,
				"%s: polling its queues: %s (device needs reset)", vh->name,
				strerror(-ret));
		return 0;
	}
	/* As after a kick: new guest buffers may unblock a backend we stopped polling. */
	if (ret)
		vh_backend_watch(vh, true);
	return ret;
}

bool virtio_host_set_polled(struct virtio_host *vh, bool polled)
{
	return virtio_dev_set_polled(vh->dev, polled);
}

void virtio_host_queue_fds(const struct virtio_host *vh, uint16_t q, int *kick, int *call)
{
	uint16_t v = q < vh->dev->num_queues ? vh->dev->vqs[q].msix_vector : VIRTIO_MSI_NO_VECTOR;

	*kick = q < vh->dev->num_queues ? vh->kicks[q].fd : -1;
	*call = v < vh->nvectors ? vh->calls[v].fd : -1;
}

int virtio_host_offload_queue(struct virtio_host *vh, uint16_t q, bool offloaded)
{
	struct vh_kick *k;

	if (q >= vh->dev->num_queues)
		return -EINVAL;
	k = &vh->kicks[q];
	if (offloaded) {
		sv_loop_del(vh->loop, &k->w);
		return 0;
	}
	return k->w.added ? 0 : sv_loop_add(vh->loop, &k->w, k->fd, vh_kick_ready);
}

struct virtio_pci *virtio_host_pci(struct virtio_host *vh)
{
	return vh->fn;
}

struct virtio_dev *virtio_host_dev(struct virtio_host *vh)
{
	return vh->dev;
}

const char *virtio_host_name(const struct virtio_host *vh)
{
	return vh->name;
}

void virtio_host_destroy(struct virtio_host *vh)
{
	if (!vh)
		return;
	sv_loop_del(vh->loop, &vh->backend);
	for (unsigned int q = 0; q < VIRTIO_HOST_MAX_QUEUES; q++) {
		sv_loop_del(vh->loop, &vh->kicks[q].w);
		if (vh->kicks[q].fd >= 0)
			close(vh->kicks[q].fd);
	}
	for (unsigned int v = 0; v < VIRTIO_HOST_MAX_VECTORS; v++)
		if (vh->calls[v].fd >= 0)
			close(vh->calls[v].fd);
	virtio_pci_destroy(vh->fn);
	virtio_dev_destroy(vh->dev);
	pthread_mutex_destroy(&vh->backend_lock);
	free(vh);
}

static int vh_open_fds(struct virtio_host *vh)
{
	int ret;

	for (uint16_t q = 0; q < vh->dev->num_queues; q++) {
		struct vh_kick *k = &vh->kicks[q];

		k->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (k->fd < 0)
			return -errno;
		ret = sv_loop_add(vh->loop, &k->w, k->fd, vh_kick_ready);
		if (ret)
			return ret;
	}
	for (uint16_t v = 0; v < vh->nvectors; v++) {
		vh->calls[v].fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vh->calls[v].fd < 0)
			return -errno;
	}
	return 0;
}

int virtio_host_create(struct virtio_host **out, struct virtio_dev *dev,
		       const struct virtio_host_params *p)
{
	struct virtio_pci_params params = p->pci ? *p->pci : (struct virtio_pci_params){ 0 };
	struct virtio_host *vh = calloc(1, sizeof(*vh));
	int ret;

	if (!vh) {
		virtio_dev_destroy(dev);
		return -ENOMEM;
	}
	snprintf(vh->name, sizeof(vh->name), "%s", p->name ? p->name : dev->name);
	vh->dev = dev;
	vh->loop = p->loop;
	vh->plat = p->platform;
	vh->ctx = p->ctx;
	vh->backend.fd = -1;
	pthread_mutex_init(&vh->backend_lock, NULL);
	for (uint16_t q = 0; q < VIRTIO_HOST_MAX_QUEUES; q++)
		vh->kicks[q] = (struct vh_kick){ .vh = vh, .q = q, .fd = -1 };
	for (uint16_t v = 0; v < VIRTIO_HOST_MAX_VECTORS; v++)
		vh->calls[v] = (struct vh_call){ .fd = -1 };
	if (dev->num_queues > VIRTIO_HOST_MAX_QUEUES) {
		pr_err("%s: %u queues; a hosted function has at most %d", vh->name, dev->num_queues,
		       VIRTIO_HOST_MAX_QUEUES);
		ret = -EINVAL;
		goto fail;
	}
	vh->nvectors = (uint16_t)(dev->num_queues + 1);
	params.msix_vectors = vh->nvectors;
	ret = vh_open_fds(vh);
	if (ret)
		goto fail;
	ret = virtio_pci_create(&vh->fn, dev, &params, &vh_pci_ops, vh);
	if (ret)
		goto fail;
	vh_backend_watch(vh, true);
	*out = vh;
	return 0;
fail:
	virtio_host_destroy(vh);
	return ret;
}
