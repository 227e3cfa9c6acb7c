// SPDX-License-Identifier: GPL-2.0
/* Transport-independent virtio device core. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include <splitvirt/log.h>
#include <splitvirt/trace.h>
#include <splitvirt/virtio_dev.h>

static void vq_error(struct virtq *vq, int err, void *opaque)
{
	struct virtio_dev *dev = opaque;

	(void)vq;
	(void)err;
	virtio_dev_set_needs_reset(dev, "hostile virtqueue");
}

int virtio_dev_init(struct virtio_dev *dev, const char *name, uint16_t device_id,
		    uint16_t num_queues, uint16_t queue_size, uint32_t config_size,
		    uint64_t features, const struct gmem *gm, const struct virtio_dev_ops *ops,
		    void *priv)
{
	uint16_t i;

	if (!num_queues || !queue_size || queue_size > VIRTQ_MAX_SIZE ||
	    (queue_size & (queue_size - 1)) || !ops || !ops->queue_notify || !ops->config_read)
		return -EINVAL;
	memset(dev, 0, sizeof(*dev));
	dev->vqs = calloc(num_queues, sizeof(*dev->vqs));
	dev->chain = malloc(sizeof(*dev->chain));
	if (!dev->vqs || !dev->chain) {
		free(dev->vqs);
		free(dev->chain);
		return -ENOMEM;
	}
	dev->name = name;
	dev->device_id = device_id;
	dev->host_features = features | VIRTIO_DEV_BASE_FEATURES;
	dev->config_size = config_size;
	dev->num_queues = num_queues;
	dev->gmem = gm;
	dev->ops = ops;
	dev->priv = priv;
	dev->backend_fd = -1;
	for (i = 0; i < num_queues; i++)
		virtq_init(&dev->vqs[i], i, queue_size, gm, vq_error, dev);
	pthread_mutex_init(&dev->lock, NULL);
	return 0;
}

void virtio_dev_fini(struct virtio_dev *dev)
{
	pthread_mutex_destroy(&dev->lock);
	free(dev->vqs);
	free(dev->chain);
	dev->vqs = NULL;
	dev->chain = NULL;
}

void virtio_dev_destroy(struct virtio_dev *dev)
{
	if (dev)
		dev->ops->destroy(dev);
}

void virtio_dev_offer_access_platform(struct virtio_dev *dev, bool required)
{
	pthread_mutex_lock(&dev->lock);
	dev->host_features |= 1ull << VIRTIO_F_ACCESS_PLATFORM;
	dev->require_access_platform = required;
	pthread_mutex_unlock(&dev->lock);
}

bool virtio_dev_has_feature(const struct virtio_dev *dev, unsigned int bit)
{
	return bit < 64 && (dev->driver_features & (1ull << bit));
}

bool virtio_dev_ready(const struct virtio_dev *dev)
{
	return (dev->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
	       !(dev->status & VIRTIO_CONFIG_S_NEEDS_RESET);
}

void virtio_dev_reset(struct virtio_dev *dev)
{
	uint16_t i;

	if (dev->ops->reset)
		dev->ops->reset(dev);
	for (i = 0; i < dev->num_queues; i++)
		virtq_reset(&dev->vqs[i]);
	dev->driver_features = 0;
	dev->status = 0;
	if (dev->tops && dev->tops->queue_state)
		dev->tops->queue_state(dev, UINT16_MAX, false);
}

bool virtio_dev_features_acceptable(struct virtio_dev *dev)
{
	uint64_t f = dev->driver_features;

	if (f & ~dev->host_features) {
		pr_warn_limited(&dev->log_features, "%s: driver accepted unoffered features %#llx",
				dev->name, (unsigned long long)(f & ~dev->host_features));
		return false;
	}
	if (!(f & (1ull << VIRTIO_F_VERSION_1))) {
		pr_warn_limited(&dev->log_features,
				"%s: driver did not accept VIRTIO_F_VERSION_1 (legacy unsupported)",
				dev->name);
		return false;
	}
	if (dev->require_access_platform && !(f & (1ull << VIRTIO_F_ACCESS_PLATFORM))) {
		pr_warn_limited(&dev->log_features,
				"%s: driver refused required VIRTIO_F_ACCESS_PLATFORM", dev->name);
		return false;
	}
	return !dev->ops->features_ok || dev->ops->features_ok(dev, f) == 0;
}

void virtio_dev_write_status(struct virtio_dev *dev, uint8_t status)
{
	uint8_t old = dev->status, added;
	uint16_t i;

	if (status == 0) {
		virtio_dev_reset(dev);
		return;
	}
	/* NEEDS_RESET belongs to the device; the driver can neither set nor clear it. */
	status = (status & ~VIRTIO_CONFIG_S_NEEDS_RESET) | (old & VIRTIO_CONFIG_S_NEEDS_RESET);
	if (old & ~status) {
		/* Only a reset clears status bits; ignore the attempt. */
		pr_warn_limited(&dev->log_status, "%s: driver tried to clear status bits %#x",
				dev->name, old & ~status);
		return;
	}
	added = status & ~old;
	if ((added & VIRTIO_CONFIG_S_FEATURES_OK) && !virtio_dev_features_acceptable(dev))
		status &= ~VIRTIO_CONFIG_S_FEATURES_OK;
	if ((added & VIRTIO_CONFIG_S_DRIVER_OK) && !(status & VIRTIO_CONFIG_S_FEATURES_OK)) {
		pr_warn_limited(&dev->log_status, "%s: DRIVER_OK without FEATURES_OK", dev->name);
		status &= ~VIRTIO_CONFIG_S_DRIVER_OK;
	}
	dev->status = status;
	if ((status & ~old) & VIRTIO_CONFIG_S_DRIVER_OK) {
		if (dev->ops->driver_ok)
			dev->ops->driver_ok(dev);
		/* Buffers made available before DRIVER_OK were not consumed yet. */
		for (i = 0; i < dev->num_queues; i++)
			if (dev->vqs[i].enabled)
				virtio_dev_process_queue_locked(dev, i);
	}
}

int virtio_dev_enable_queue(struct virtio_dev *dev, uint16_t qidx)
{
	struct virtq *vq;
	int err;

	if (qidx >= dev->num_queues)
		return -EINVAL;
	vq = &dev->vqs[qidx];
	if (vq->enabled)
		return 0;
	if (!(dev->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
		virtio_dev_set_needs_reset(dev, "queue enabled before FEATURES_OK");
		return -EINVAL;
	}
	err = virtq_enable(vq, virtio_dev_has_feature(dev, VIRTIO_RING_F_EVENT_IDX),
			   virtio_dev_has_feature(dev, VIRTIO_RING_F_INDIRECT_DESC));
	if (err) {
		pr_warn_limited(&dev->log_queue, "%s: queue %u: invalid size %u or ring addresses",
				dev->name, qidx, vq->size);
		virtio_dev_set_needs_reset(dev, "invalid queue configuration");
		return err;
	}
	if (dev->tops && dev->tops->queue_state)
		dev->tops->queue_state(dev, qidx, true);
	return 0;
}

void virtio_dev_set_needs_reset(struct virtio_dev *dev, const char *why)
{
	uint16_t i;

	if (dev->status & VIRTIO_CONFIG_S_NEEDS_RESET)
		return;
	pr_warn_limited(&dev->log_reset, "%s: device needs reset: %s", dev->name, why);
	dev->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	/* Stop all queues: nothing more is consumed until the driver resets. */
	for (i = 0; i < dev->num_queues; i++)
		dev->vqs[i].broken = true;
	if ((dev->status & VIRTIO_CONFIG_S_DRIVER_OK) && dev->tops && dev->tops->signal_config)
		dev->tops->signal_config(dev);
}

void virtio_dev_notify_used(struct virtio_dev *dev, struct virtq *vq)
{
	if (virtq_should_notify(vq) && dev->tops && dev->tops->signal_queue) {
		sv_trace(SV_TP_CALL, (uint8_t)dev->device_id, vq->index, 0, 0);
		dev->tops->signal_queue(dev, vq);
	}
}

void virtio_dev_config_changed(struct virtio_dev *dev)
{
	dev->config_generation++;
	if ((dev->status & VIRTIO_CONFIG_S_DRIVER_OK) && dev->tops && dev->tops->signal_config)
		dev->tops->signal_config(dev);
}

int virtio_dev_process_queue_locked(struct virtio_dev *dev, uint16_t qidx)
{
	if (qidx >= dev->num_queues)
		return -EINVAL;
	if (dev->status & VIRTIO_CONFIG_S_NEEDS_RESET)
		return -EIO;
	/* Kicks before DRIVER_OK are remembered by the ring itself. */
	if (!(dev->status & VIRTIO_CONFIG_S_DRIVER_OK) || !dev->vqs[qidx].enabled)
		return 0;
	return dev->ops->queue_notify(dev, &dev->vqs[qidx]);
}

int virtio_dev_handle_queue(struct virtio_dev *dev, uint16_t qidx)
{
	int ret;

	pthread_mutex_lock(&dev->lock);
	ret = virtio_dev_process_queue_locked(dev, qidx);
	pthread_mutex_unlock(&dev->lock);
	return ret;
}

int virtio_dev_poll_queues(struct virtio_dev *dev)
{
	int found = 0, ret = 0;

	pthread_mutex_lock(&dev->lock);
	for (uint16_t q = 0; q < dev->num_queues && ret >= 0 && !dev->rings_elsewhere; q++) {
		if (!virtq_has_avail(&dev->vqs[q]))
			continue;
		found++;
		ret = virtio_dev_process_queue_locked(dev, q);
	}
	pthread_mutex_unlock(&dev->lock);
	return ret < 0 ? ret : found;
}

bool virtio_dev_set_polled(struct virtio_dev *dev, bool polled)
{
	bool more = false;

	pthread_mutex_lock(&dev->lock);
	/* Not ours to suppress kicks on: the back-end's notification state. */
	for (uint16_t q = 0; q < dev->num_queues && !dev->rings_elsewhere; q++)
		more |= virtq_set_polled(&dev->vqs[q], polled);
	pthread_mutex_unlock(&dev->lock);
	return more;
}

int virtio_dev_handle_backend(struct virtio_dev *dev)
{
	int ret = 0;

	pthread_mutex_lock(&dev->lock);
	if (!dev->ops->backend_ready)
		ret = 0;
	else if (dev->status & VIRTIO_CONFIG_S_NEEDS_RESET)
		ret = 0;
	else if (dev->status & VIRTIO_CONFIG_S_DRIVER_OK)
		ret = dev->ops->backend_ready(dev);
	pthread_mutex_unlock(&dev->lock);
	return ret;
}

int virtio_dev_backend_fd(const struct virtio_dev *dev)
{
	return dev->backend_fd;
}

uint8_t virtio_dev_get_status(struct virtio_dev *dev)
{
	uint8_t s;

	pthread_mutex_lock(&dev->lock);
	s = dev->status;
	pthread_mutex_unlock(&dev->lock);
	return s;
}

/*
 * Completes available chains of vq with fn until the ring is empty (kicks
 * asked for again) or max_chains chains / max_bytes bytes are done and the
 * transport will come back for the rest (kicks left suppressed meanwhile).
 * Each completion is published at once: the guest may reuse the buffer
 * while later chains are served. Returns the number of chains or -errno.
 */
static int drain(struct virtio_dev *dev, struct virtq *vq, virtio_chain_fn fn, int max_chains,
		 uint64_t max_bytes)
{
	uint64_t bytes = 0;
	int n = 0, r, len;

	virtq_disable_notify(vq);
	for (;;) {
		if (n >= max_chains || bytes >= max_bytes) {
			if (dev->tops && dev->tops->requeue && dev->tops->requeue(dev, vq))
				return n;
			/* Nobody would come back: finish the ring instead. */
			max_chains = INT_MAX;
			max_bytes = UINT64_MAX;
		}
		r = virtq_pop(vq, dev->chain);
		if (r < 0)
			return r;
		if (!r) {
			if (!virtq_enable_notify(vq))
				return n;
			/* More arrived meanwhile: they are ours, not a kick's. */
			virtq_disable_notify(vq);
			continue;
		}
		sv_trace(SV_TP_POP, (uint8_t)dev->device_id, vq->index, dev->chain->head,
			 dev->chain->read_len + dev->chain->write_len);
		len = fn(dev, vq, dev->chain);
		if (len == VIRTIO_CHAIN_IN_FLIGHT) {
			/* The model completes it later (virtio_dev_complete_chain). */
			virtq_defer(vq, dev->chain->head, false, 0);
		} else if (len < 0) {
			virtio_dev_set_needs_reset(dev, "malformed request");
			return len;
		} else if (vq->nr_deferred) {
			/* Done, but used only after the ones in flight before it. */
			virtq_defer(vq, dev->chain->head, true, (uint32_t)len);
			virtq_publish_done(vq);
		} else {
			virtq_push(vq, dev->chain->head, (uint32_t)len);
			sv_trace(SV_TP_PUSH, (uint8_t)dev->device_id, vq->index, dev->chain->head,
				 (uint32_t)len);
		}
		n++;
		bytes += (uint64_t)dev->chain->read_len + dev->chain->write_len;
	}
}

int virtio_dev_drain_queue(struct virtio_dev *dev, struct virtq *vq, virtio_chain_fn fn)
{
	uint16_t published = vq->published_used_idx;
	int n = drain(dev, vq, fn, VIRTIO_DEV_DRAIN_CHAINS, VIRTIO_DEV_DRAIN_BYTES);

	/* After an error the queue is broken: no interrupt either way; none for chains in flight. */
	if (n > 0 && vq->published_used_idx != published)
		virtio_dev_notify_used(dev, vq);
	return n;
}

int virtio_dev_complete_chain(struct virtio_dev *dev, struct virtq *vq, uint16_t head, uint32_t len)
{
	int ret = virtq_complete(vq, head, len);

	if (!ret)
		sv_trace(SV_TP_PUSH, (uint8_t)dev->device_id, vq->index, head, len);
	return ret;
}

void virtio_dev_publish_completed(struct virtio_dev *dev, struct virtq *vq)
{
	if (virtq_publish_done(vq))
		virtio_dev_notify_used(dev, vq);
}

int virtio_dev_resume_pending(struct virtio_dev *dev)
{
	int taken = 0, err = 0;
	uint16_t q;

	pthread_mutex_lock(&dev->lock);
	for (q = 0; q < dev->num_queues && virtio_dev_ready(dev); q++) {
		struct virtq *vq = &dev->vqs[q];
		uint16_t first = vq->last_avail_idx;
		virtio_chain_fn drop;
		int n;

		if (!vq->enabled)
			continue;
		/*
		 * virtq_resync() left last_avail_idx at the used index: as chains
		 * reach the used ring in the order they were popped, everything
		 * from there on is what the dead process had not completed, and
		 * the driver cannot have touched those avail slots meanwhile.
		 */
		/* cppcheck takes the returned function pointer for an integer. */
		// cppcheck-suppress AssignmentIntegerToAddress
		drop = dev->ops->fail_chain ? dev->ops->fail_chain(dev, vq) : NULL;
		if (drop)
			n = drain(dev, vq, drop, vq->size, UINT64_MAX);
		else
			n = virtio_dev_process_queue_locked(dev, q);
		if (n < 0) {
			err = n;
			continue;
		}
		taken += (uint16_t)(vq->last_avail_idx - first);
		if (virtio_dev_ready(dev) && dev->tops && dev->tops->signal_queue)
			dev->tops->signal_queue(dev, vq);
	}
	pthread_mutex_unlock(&dev->lock);
	return err ? err : taken;
}
