// SPDX-License-Identifier: GPL-2.0
/* virtio-rng: fills each writable buffer from the kernel CSPRNG. */
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#include <linux/virtio_ids.h>

#include <splitvirt/log.h>
#include <splitvirt/virtio_rng.h>

struct virtio_rng {
	struct virtio_dev dev;
	unsigned long errors; /* throttles the log: each guest request can fail again */
};

static int fill_random(void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = getrandom((char *)buf + done, len - done, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += (size_t)n;
	}
	return 0;
}

static int rng_chain(struct virtio_dev *dev, struct virtq *vq, struct virtq_chain *c)
{
	struct virtio_rng *rng = dev->priv;
	size_t budget = VIRTIO_RNG_MAX_PER_REQUEST, written = 0;
	unsigned int i;

	(void)vq;
	for (i = c->nr_read; i < (unsigned int)c->nr_read + c->nr_write && budget; i++) {
		size_t n = c->segs[i].len < budget ? c->segs[i].len : budget;
		int err = fill_random(c->segs[i].base, n);

		if (err) {
			/* Hand back what we have; the driver simply asks again. */
			pr_warn_limited(&rng->errors, "%s: getrandom failed: %d", dev->name, err);
			break;
		}
		written += n;
		budget -= n;
	}
	return (int)written;
}

static int rng_queue_notify(struct virtio_dev *dev, struct virtq *vq)
{
	return virtio_dev_drain_queue(dev, vq, rng_chain);
}

static void rng_config_read(struct virtio_dev *dev, uint32_t off, void *buf, uint32_t len)
{
	(void)dev;
	(void)off;
	(void)buf;
	(void)len;
}

static void rng_destroy(struct virtio_dev *dev)
{
	struct virtio_rng *rng = dev->priv;

	virtio_dev_fini(dev);
	free(rng);
}

static const struct virtio_dev_ops rng_ops = {
	.config_read = rng_config_read,
	.queue_notify = rng_queue_notify,
	.destroy = rng_destroy,
};

int virtio_rng_create(struct virtio_dev **out, const struct gmem *gm)
{
	struct virtio_rng *rng = calloc(1, sizeof(*rng));
	int err;

	if (!rng)
		return -ENOMEM;
	err = virtio_dev_init(&rng->dev, "virtio-rng", VIRTIO_ID_RNG, 1, 256, 0, 0, gm, &rng_ops,
			      rng);
	if (err) {
		free(rng);
		return err;
	}
	*out = &rng->dev;
	return 0;
}
