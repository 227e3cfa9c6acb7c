// SPDX-License-Identifier: GPL-2.0
/* virtio-console device model, single port. */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_console.h>
#include <linux/virtio_ids.h>

#include <splitvirt/log.h>
#include <splitvirt/virtio_console.h>

#define RXQ 0
#define TXQ 1

struct virtio_console {
	struct virtio_dev dev;
	struct virtio_console_backend *be;
	struct virtio_console_config config;
	unsigned long dropped; /* guest output bytes the backend could not take */
	struct iovec iov[VIRTQ_MAX_SEGS];
};

static void console_sync_fd(struct virtio_console *con)
{
	con->dev.backend_fd = con->be->ops->poll_fd(con->be);
}

/* Guest output: best effort, never blocks the device. */
static int console_tx_chain(struct virtio_dev *dev, struct virtq *vq, struct virtq_chain *c)
{
	struct virtio_console *con = dev->priv;
	int cnt = virtq_chain_iov(c, false, 0, c->read_len, con->iov, VIRTQ_MAX_SEGS);
	ssize_t n;

	(void)vq;
	if (cnt <= 0)
		return 0;
	n = con->be->ops->writev(con->be, con->iov, cnt);
	if (n < (ssize_t)c->read_len) {
		if (!con->dropped)
			pr_warn("%s: backend not keeping up, dropping output", dev->name);
		con->dropped += c->read_len - (n > 0 ? (size_t)n : 0);
	}
	return 0; /* nothing written into a tx buffer */
}

/*
 * Moves host input into guest receive buffers. Returns 1 to keep polling,
 * 0 if blocked. At most a drain budget of buffers per call: with input
 * still waiting the backend fd stays readable, and the loop comes back
 * after serving whatever else is ready.
 */
static int console_rx(struct virtio_console *con)
{
	struct virtio_dev *dev = &con->dev;
	struct virtq *vq = &dev->vqs[RXQ];
	struct virtq_chain *c = dev->chain;
	int delivered = 0, ret = 1;

	while (delivered < VIRTIO_DEV_DRAIN_CHAINS) {
		ssize_t n;
		int cnt, r;

		r = virtq_pop(vq, c);
		if (r < 0)
			return r;
		if (r == 0) {
			/* No buffers: ask for a kick and leave the input queued in the backend. */
			if (virtq_enable_notify(vq))
				continue;
			ret = 0;
			break;
		}
		cnt = virtq_chain_iov(c, true, 0, c->write_len, con->iov, VIRTQ_MAX_SEGS);
		n = cnt > 0 ? con->be->ops->readv(con->be, con->iov, cnt) : 0;
		if (n <= 0) {
			virtq_unpop(vq, 1);
			if (n == 0) {
				/*
				 * EOF or peer gone. Keep polling only if the backend
				 * re-armed on a new fd (socket: accept again); a
				 * closed pipe would otherwise be readable forever.
				 */
				int old_fd = dev->backend_fd;

				console_sync_fd(con);
				ret = dev->backend_fd != old_fd;
			}
			break;
		}
		virtq_push(vq, c->head, (uint32_t)n);
		delivered++;
	}
	if (delivered)
		virtio_dev_notify_used(dev, vq);
	return ret;
}

static int console_queue_notify(struct virtio_dev *dev, struct virtq *vq)
{
	struct virtio_console *con = dev->priv;

	if (vq->index == TXQ)
		return virtio_dev_drain_queue(dev, vq, console_tx_chain);
	/* New receive buffers: pending input can flow again. */
	return console_rx(con) < 0 ? -EIO : 0;
}

static int console_backend_ready(struct virtio_dev *dev)
{
	struct virtio_console *con = dev->priv;

	if (con->be->ops->event)
		con->be->ops->event(con->be);
	console_sync_fd(con);
	return console_rx(con);
}

static void console_config_read(struct virtio_dev *dev, uint32_t off, void *buf, uint32_t len)
{
	struct virtio_console *con = dev->priv;

	memcpy(buf, (const uint8_t *)&con->config + off, len);
}

static void console_config_write(struct virtio_dev *dev, uint32_t off, const void *buf,
				 uint32_t len)
{
	struct virtio_console *con = dev->priv;
	const uint32_t at = offsetof(struct virtio_console_config, emerg_wr);
	struct iovec iov;

	/* Emergency write: the low byte of emerg_wr is a character to output. */
	if (off != at || !len || !virtio_dev_has_feature(dev, VIRTIO_CONSOLE_F_EMERG_WRITE))
		return;
	iov.iov_base = (void *)buf;
	iov.iov_len = 1;
	con->be->ops->writev(con->be, &iov, 1);
}

static void console_destroy(struct virtio_dev *dev)
{
	struct virtio_console *con = dev->priv;

	con->be->ops->close(con->be);
	virtio_dev_fini(dev);
	free(con);
}

static const struct virtio_dev_ops console_ops = {
	.config_read = console_config_read,
	.config_write = console_config_write,
	.queue_notify = console_queue_notify,
	.backend_ready = console_backend_ready,
	.destroy = console_destroy,
};

int virtio_console_create(struct virtio_dev **out, const struct gmem *gm,
			  struct virtio_console_backend *be)
{
	struct virtio_console *con = calloc(1, sizeof(*con));
	int err;

	if (!con) {
		be->ops->close(be);
		return -ENOMEM;
	}
	con->be = be;
	con->config.max_nr_ports = htole32(1);
	err = virtio_dev_init(&con->dev, "virtio-console", VIRTIO_ID_CONSOLE, 2, 256,
			      sizeof(con->config), 1ull << VIRTIO_CONSOLE_F_EMERG_WRITE, gm,
			      &console_ops, con);
	if (err) {
		be->ops->close(be);
		free(con);
		return err;
	}
	console_sync_fd(con);
	*out = &con->dev;
	return 0;
}

int virtio_console_poll_fd(struct virtio_dev *dev)
{
	struct virtio_console *con = dev->priv;
	int fd;

	pthread_mutex_lock(&dev->lock);
	console_sync_fd(con);
	fd = dev->backend_fd;
	pthread_mutex_unlock(&dev->lock);
	return fd;
}
