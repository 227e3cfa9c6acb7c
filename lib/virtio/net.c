// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net device model.
 *
 * rx: a frame is read from the backend only when the guest has at least
 * one receive buffer, so frames wait in the backend (tap queue) instead of
 * being lost while the guest is short of buffers. A frame that needs more
 * mergeable buffers than are available is kept as "pending" and the
 * buffers already popped are given back; delivery resumes on the next rx
 * kick. A frame that needs more than a ring's worth can never fit and is
 * dropped (net_deliver).
 *
 * Multi-queue: every pair has rx state of its own (bounce buffer, pending
 * frame) and a backend queue fd. The host polls one fd per device, so with
 * more than one pair that is an epoll fd holding the rx fds of the pairs
 * in use that are not blocked on guest buffers: a pair short of buffers
 * leaves it until its rx queue is kicked, so its readable fd does not wake
 * the host in a loop while the other pairs keep it polling. The control
 * queue takes VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET only.
 *
 * Transmit queues are served whether their pair is in use or not: a tap
 * queue the kernel steers no frames to (detached) still sends.
 *
 * The pairs in use are not part of the saved state (virtio_pci_state): a
 * device restored in a new host process receives on pair 0 only (its tap
 * queue the only one attached, so every frame goes to rx queue 0, which
 * the driver reads as ever; its other rx queues just stay idle) and sends
 * on every tx queue, until the driver sends VQ_PAIRS_SET again (after a
 * reset, or when the old process died with one not yet done, which the
 * restore then redoes from the control ring).
 */
#include <endian.h>
#include <errno.h>
#include <linux/if_tun.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>

#include <splitvirt/log.h>
#include <splitvirt/virtio_net.h>

#define RX_BUDGET 256 /* frames per call, so one busy device cannot starve the loop */
/* Up to max_virtqueue_pairs: 1 when one pair is offered (no VIRTIO_NET_F_MQ). */
#define NET_CONFIG_SIZE offsetof(struct virtio_net_config, mtu)

#define F(x) (1ull << VIRTIO_NET_F_##x)

/* What a virtqueue is for, after the negotiated features (virtio 1.x 5.1.2). */
enum net_role { NET_RX, NET_TX, NET_CTRL, NET_UNUSED };

/* One pair's receive side. */
struct net_rxq {
	uint8_t *frame; /* header + frame bounce buffer */
	size_t pending_len; /* bytes of a frame waiting for rx buffers, 0 if none */
	uint16_t bufs_short; /* buffers available when a frame did not fit */
	bool polled; /* its fd is in the epoll set */
};

struct virtio_net {
	struct virtio_dev dev;
	struct virtio_net_backend *be;
	struct virtio_net_config config;
	struct virtio_net_stats stats;
	uint16_t max_pairs; /* offered as max_virtqueue_pairs */
	uint16_t pairs; /* in use: 1 until VQ_PAIRS_SET, and after a reset */
	int epfd; /* more than one pair: what the host polls; else -1 */
	struct net_rxq rx[VIRTIO_NET_MAX_QUEUE_PAIRS];
	struct virtq_chain *first; /* first rx buffer of the frame being delivered */
	/* Throttled log counters: the guest (DRIVER_OK in a loop) or a peer can repeat these. */
	unsigned long offload_errors, backend_errors, ctrl_errors, queue_errors;
	/* The buffers of the frame being delivered: at most one ring's worth. */
	uint16_t heads[VIRTQ_MAX_SIZE];
	uint32_t lens[VIRTQ_MAX_SIZE];
	struct iovec iov[VIRTQ_MAX_SEGS];
};

static enum net_role net_role(const struct virtio_net *net, uint16_t qidx, uint16_t *pair)
{
	/* Without VIRTIO_NET_F_MQ the driver uses one pair and controlq is queue 2. */
	uint16_t data_queues =
		2 * (virtio_dev_has_feature(&net->dev, VIRTIO_NET_F_MQ) ? net->max_pairs : 1);

	if (qidx < data_queues) {
		*pair = qidx / 2;
		return qidx % 2 ? NET_TX : NET_RX;
	}
	if (qidx == data_queues && virtio_dev_has_feature(&net->dev, VIRTIO_NET_F_CTRL_VQ))
		return NET_CTRL;
	return NET_UNUSED;
}

/* ---- tx ---- */

static int net_tx_chain(struct virtio_dev *dev, struct virtq *vq, struct virtq_chain *c)
{
	struct virtio_net *net = dev->priv;
	size_t skip = net->be->vnet_hdr ? 0 : VIRTIO_NET_HDR_SIZE;
	int fd = net->be->fds[vq->index / 2]; /* only tx queues of a pair get here */
	int cnt;
	ssize_t n;

	if (c->read_len <= VIRTIO_NET_HDR_SIZE) {
		net->stats.tx_dropped++;
		return 0;
	}
	/* The header (when the backend takes it) and frame go out zero-copy. */
	cnt = virtq_chain_iov(c, false, skip, c->read_len - skip, net->iov, VIRTQ_MAX_SEGS);
	if (cnt < 0) {
		net->stats.tx_dropped++;
		return 0;
	}
	do {
		n = writev(fd, net->iov, cnt);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		/* A full tap queue or a gone peer drops the frame, like a real NIC. */
		net->stats.tx_dropped++;
		return 0;
	}
	net->stats.tx_packets++;
	return 0;
}

/* A frame that may or may not have gone out: dropped, as a NIC may drop any. */
static int net_tx_fail(struct virtio_dev *dev, struct virtq *vq, struct virtq_chain *c)
{
	struct virtio_net *net = dev->priv;

	(void)vq;
	(void)c;
	net->stats.tx_dropped++;
	return 0;
}

/* ---- rx ---- */

/* Reads one frame of pair p into its bounce buffer with a header in front. 1, 0 if none, -errno. */
static int net_read_frame(struct virtio_net *net, uint16_t p)
{
	struct net_rxq *rx = &net->rx[p];
	size_t off = net->be->vnet_hdr ? 0 : VIRTIO_NET_HDR_SIZE;
	ssize_t n;

	do {
		n = read(net->be->fds[p], rx->frame + off,
			 VIRTIO_NET_HDR_SIZE + VIRTIO_NET_MAX_FRAME - off);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	if (!off && (size_t)n < VIRTIO_NET_HDR_SIZE) {
		net->stats.rx_dropped++;
		return 0;
	}
	if (off)
		memset(rx->frame, 0, VIRTIO_NET_HDR_SIZE);
	rx->pending_len = (size_t)n + off;
	return 1;
}

/* Keeps the first buffer of a frame so num_buffers can be patched at the end. */
static void save_first(struct virtio_net *net, const struct virtq_chain *c)
{
	size_t nseg = (size_t)c->nr_read + c->nr_write;

	memcpy(net->first, c, offsetof(struct virtq_chain, segs) + nseg * sizeof(c->segs[0]));
}

/*
 * Copies the pending frame into as many buffers as needed. Returns 1 when
 * delivered (or dropped as undeliverable), 0 if the guest lacks buffers,
 * -errno for a hostile ring.
 *
 * A frame takes at most one ring's worth of buffers (vq->size, which the
 * per-frame arrays hold): a driver cannot have more chains available at
 * once, each needs a head descriptor of its own. A frame that needs more
 * can never fit, and a guest that offers more by rewriting its ring while
 * we fill it is hostile; either way the frame is dropped.
 */
static int net_deliver(struct virtio_net *net, uint16_t p)
{
	struct virtio_dev *dev = &net->dev;
	struct net_rxq *rx = &net->rx[p];
	struct virtq *vq = &dev->vqs[2 * p];
	struct virtq_chain *c = dev->chain;
	bool mergeable = virtio_dev_has_feature(dev, VIRTIO_NET_F_MRG_RXBUF);
	size_t done = 0, len = rx->pending_len;
	size_t max_bufs = sizeof(net->heads) / sizeof(net->heads[0]);
	uint16_t nbufs = 0, num_buffers, i;
	int r;

	if (vq->size < max_bufs)
		max_bufs = vq->size;
	while (done < len) {
		size_t n;

		if (nbufs == max_bufs) {
			/*
			 * Never fits. The buffers were not used: they go back
			 * to the ring (what we wrote into them means nothing
			 * to the driver) and carry the next frame.
			 */
			virtq_unpop(vq, nbufs);
			net->stats.rx_dropped++;
			rx->pending_len = 0;
			return 1;
		}
		r = virtq_pop(vq, c);
		if (r <= 0) {
			/* Give back what this frame took; retry when buffers come. */
			if (r == 0) {
				virtq_unpop(vq, nbufs);
				rx->bufs_short = nbufs;
			}
			return r;
		}
		if ((!nbufs && c->write_len < VIRTIO_NET_HDR_SIZE) ||
		    (!mergeable && c->write_len < len) || !c->write_len) {
			/* Unusable for a frame this size: return the buffers empty, drop it. */
			for (i = 0; i < nbufs; i++)
				virtq_add_used(vq, net->heads[i], 0);
			virtq_add_used(vq, c->head, 0);
			virtq_publish_used(vq);
			net->stats.rx_dropped++;
			rx->pending_len = 0;
			return 1;
		}
		n = virtq_chain_write(c, 0, rx->frame + done, len - done);
		if (!nbufs)
			save_first(net, c);
		net->heads[nbufs] = c->head;
		net->lens[nbufs] = (uint32_t)n;
		nbufs++;
		done += n;
	}
	/* num_buffers lives in the first buffer's header, which may span segments. */
	num_buffers = htole16(nbufs);
	virtq_chain_write(net->first, offsetof(struct virtio_net_hdr_v1, num_buffers), &num_buffers,
			  sizeof(num_buffers));
	for (i = 0; i < nbufs; i++)
		virtq_add_used(vq, net->heads[i], net->lens[i]);
	virtq_publish_used(vq);
	net->stats.rx_packets++;
	rx->pending_len = 0;
	return 1;
}

/*
 * Moves up to budget frames from pair p's backend queue to the guest.
 * 1: keep polling, 0: blocked on buffers.
 */
static int net_rx(struct virtio_net *net, uint16_t p, int budget)
{
	struct virtio_dev *dev = &net->dev;
	struct net_rxq *rx = &net->rx[p];
	struct virtq *vq = &dev->vqs[2 * p];
	int delivered = 0, ret = 1, r;

	while (budget--) {
		if (!rx->pending_len) {
			/* Only take a frame off the backend when a buffer is waiting. */
			if (!virtq_has_avail(vq) && !virtq_enable_notify(vq)) {
				ret = 0;
				break;
			}
			r = net_read_frame(net, p);
			if (r < 0) {
				pr_warn_limited(&net->backend_errors, "%s: backend read failed: %d",
						dev->name, r);
				break;
			}
			if (r == 0)
				break;
		}
		r = net_deliver(net, p);
		if (r < 0) {
			ret = r;
			break;
		}
		if (r == 0) {
			/* Short of buffers mid-frame: wait for a kick, unless more just came. */
			if (virtq_notify_on_more(vq, rx->bufs_short))
				continue;
			ret = 0;
			break;
		}
		delivered++;
	}
	if (delivered)
		virtio_dev_notify_used(dev, vq);
	return ret;
}

/* Puts pair p's rx fd in the epoll set (on) or takes it out. */
static void net_poll_pair(struct virtio_net *net, uint16_t p, bool on)
{
	struct epoll_event ev = { .events = EPOLLIN };

	if (net->epfd < 0 || net->rx[p].polled == on)
		return;
	if (epoll_ctl(net->epfd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, net->be->fds[p], &ev)) {
		/* Kicks still serve the pair; only frames arriving between them wait. */
		pr_warn_limited(&net->backend_errors, "%s: polling rx %u: %s", net->dev.name, p,
				strerror(errno));
		return;
	}
	net->rx[p].polled = on;
}

/* net_rx() for a pair in use; one blocked on buffers is not polled until its rx kick. */
static int net_rx_pair(struct virtio_net *net, uint16_t p, int budget)
{
	int r = net_rx(net, p, budget);

	if (r == 0)
		net_poll_pair(net, p, false);
	return r;
}

/* A frame held for pair p's rx ring goes: the ring was reset or is no longer read. */
static void net_drop_pending(struct virtio_net *net, uint16_t p)
{
	if (net->rx[p].pending_len)
		net->stats.rx_dropped++;
	net->rx[p].pending_len = 0;
	net->rx[p].bufs_short = 0;
}

/*
 * Puts pairs 0..n-1 in use: their tap queues attached and their rx fds
 * polled; the tap steers no frame to the others. On failure the tap goes
 * back to the pairs in use before (best effort) and -errno is returned.
 */
static int net_set_pairs(struct virtio_net *net, uint16_t n)
{
	uint16_t old = net->pairs, p;
	int err = 0;

	for (p = 1; p < net->max_pairs && !err; p++)
		err = virtio_net_backend_set_queue(net->be, p, p < n);
	if (err) {
		for (p = 1; p < net->max_pairs; p++)
			virtio_net_backend_set_queue(net->be, p, p < old);
		pr_warn_limited(&net->queue_errors, "%s: using %u queue pairs: %s", net->dev.name,
				n, strerror(-err));
		return err;
	}
	for (p = n; p < old; p++) {
		net_drop_pending(net, p);
		net_poll_pair(net, p, false);
	}
	for (p = old; p < n; p++)
		net_poll_pair(net, p, true);
	net->pairs = n;
	return 0;
}

/* ---- control queue ---- */

/* One command; the used length is the ack byte's, or 0 for a chain that cannot take one. */
static int net_ctrl_chain(struct virtio_dev *dev, struct virtq *vq, struct virtq_chain *c)
{
	struct virtio_net *net = dev->priv;
	struct virtio_net_ctrl_hdr hdr;
	struct virtio_net_ctrl_mq mq;
	uint8_t ack = VIRTIO_NET_ERR;

	(void)vq;
	/* Without a class and command, or a place for the ack, nothing can be said back. */
	if (c->read_len < sizeof(hdr) || !c->write_len) {
		net->stats.ctrl_dropped++;
		pr_warn_limited(&net->ctrl_errors,
				"%s: control chain with %u readable and %u writable bytes dropped",
				dev->name, c->read_len, c->write_len);
		return 0;
	}
	virtq_chain_read(c, 0, &hdr, sizeof(hdr));
	if (hdr.class == VIRTIO_NET_CTRL_MQ && hdr.cmd == VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET &&
	    virtio_dev_has_feature(dev, VIRTIO_NET_F_MQ) &&
	    c->read_len == sizeof(hdr) + sizeof(mq)) {
		uint16_t n;

		virtq_chain_read(c, sizeof(hdr), &mq, sizeof(mq));
		n = le16toh(mq.virtqueue_pairs);
		if (n >= 1 && n <= net->max_pairs && !net_set_pairs(net, n))
			ack = VIRTIO_NET_OK;
	}
	/* The ack is the first device-writable byte (5.1.6.5). */
	virtq_chain_write(c, 0, &ack, sizeof(ack));
	return sizeof(ack);
}

/* ---- queues ---- */

static int net_queue_notify(struct virtio_dev *dev, struct virtq *vq)
{
	struct virtio_net *net = dev->priv;
	uint16_t p = 0;

	switch (net_role(net, vq->index, &p)) {
	case NET_TX:
		return virtio_dev_drain_queue(dev, vq, net_tx_chain);
	case NET_CTRL:
		return virtio_dev_drain_queue(dev, vq, net_ctrl_chain);
	case NET_RX:
		/* A pair not in use keeps its buffers for when the driver enables it. */
		if (p >= net->pairs)
			return 0;
		net_poll_pair(net, p, true);
		return net_rx_pair(net, p, RX_BUDGET) < 0 ? -EIO : 0;
	default:
		return 0;
	}
}

/* tx chains fail (dropped); rx buffers stay with the device for new frames. */
static virtio_chain_fn net_fail_chain(struct virtio_dev *dev, struct virtq *vq)
{
	uint16_t p;

	/* A control command is redone: VQ_PAIRS_SET twice is VQ_PAIRS_SET once. */
	return net_role(dev->priv, vq->index, &p) == NET_TX ? net_tx_fail : NULL;
}

static int net_backend_ready(struct virtio_dev *dev)
{
	struct virtio_net *net = dev->priv;
	int r;

	if (net->epfd < 0)
		return net_rx(net, 0, RX_BUDGET);
	/* The pairs share one call's budget, so one device still cannot starve the loop. */
	for (uint16_t p = 0; p < net->pairs; p++) {
		if (!net->rx[p].polled)
			continue;
		r = net_rx_pair(net, p, RX_BUDGET / net->pairs);
		if (r < 0)
			return r;
	}
	for (uint16_t p = 0; p < net->pairs; p++)
		if (net->rx[p].polled)
			return 1;
	return 0;
}

/* ---- configuration and lifecycle ---- */

static int net_features_ok(struct virtio_dev *dev, uint64_t f)
{
	/* Dependencies from virtio 1.x 5.1.3.1. */
	if ((f & (F(GUEST_TSO4) | F(GUEST_TSO6))) && !(f & F(GUEST_CSUM)))
		return -EINVAL;
	if ((f & F(GUEST_ECN)) && !(f & (F(GUEST_TSO4) | F(GUEST_TSO6))))
		return -EINVAL;
	if ((f & (F(HOST_TSO4) | F(HOST_TSO6))) && !(f & F(CSUM)))
		return -EINVAL;
	if ((f & F(HOST_ECN)) && !(f & (F(HOST_TSO4) | F(HOST_TSO6))))
		return -EINVAL;
	if ((f & F(MQ)) && !(f & F(CTRL_VQ)))
		return -EINVAL;
	(void)dev;
	return 0;
}

static void net_set_tap_offloads(struct virtio_net *net, uint64_t guest_features)
{
	if (virtio_net_backend_set_offloads(net->be, guest_features))
		pr_warn_limited(&net->offload_errors, "%s: setting the tap's offloads failed",
				net->dev.name);
}

static void net_driver_ok(struct virtio_dev *dev)
{
	net_set_tap_offloads(dev->priv, dev->driver_features);
}

static void net_reset(struct virtio_dev *dev)
{
	struct virtio_net *net = dev->priv;

	/* A frame held for the old rings is dropped; the rings are gone. */
	for (uint16_t p = 0; p < net->max_pairs; p++)
		net_drop_pending(net, p);
	/* Multi-queue is off again until the next VQ_PAIRS_SET. */
	if (net->max_pairs > 1) {
		net_set_pairs(net, 1);
		net_poll_pair(net, 0, true);
	}
	net_set_tap_offloads(net, 0);
}

static void net_config_read(struct virtio_dev *dev, uint32_t off, void *buf, uint32_t len)
{
	struct virtio_net *net = dev->priv;

	memcpy(buf, (const uint8_t *)&net->config + off, len);
}

/* The model's own allocations and the epoll fd (not the backend, not the core). */
static void net_free(struct virtio_net *net)
{
	if (!net)
		return;
	if (net->epfd >= 0)
		close(net->epfd);
	for (uint16_t p = 0; p < VIRTIO_NET_MAX_QUEUE_PAIRS; p++)
		free(net->rx[p].frame);
	free(net->first);
	free(net);
}

static void net_destroy(struct virtio_dev *dev)
{
	struct virtio_net *net = dev->priv;

	virtio_net_backend_close(net->be);
	virtio_dev_fini(dev);
	net_free(net);
}

static const struct virtio_dev_ops net_ops = {
	.config_read = net_config_read,
	.features_ok = net_features_ok,
	.driver_ok = net_driver_ok,
	.queue_notify = net_queue_notify,
	.backend_ready = net_backend_ready,
	.reset = net_reset,
	.destroy = net_destroy,
	.fail_chain = net_fail_chain,
};

/* The epoll fd the host polls, with pair 0 in it; the tap's other queues detached. */
static int net_mq_init(struct virtio_net *net)
{
	net->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (net->epfd < 0)
		return -errno;
	net_poll_pair(net, 0, true);
	if (!net->rx[0].polled)
		return -ENOMEM;
	return net_set_pairs(net, 1);
}

int virtio_net_create(struct virtio_dev **out, const struct gmem *gm, struct virtio_net_backend *be,
		      const struct virtio_net_params *p)
{
	static const uint8_t default_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	static const uint8_t zero_mac[6];
	uint64_t features = F(MAC) | F(STATUS) | F(MRG_RXBUF);
	uint16_t pairs = p && p->queue_pairs ? p->queue_pairs : 1;
	struct virtio_net *net = NULL;
	int err = -EINVAL;

	if (pairs > VIRTIO_NET_MAX_QUEUE_PAIRS)
		goto fail;
	/* A backend filled in by hand has its one fd in fd. */
	if (!be->nqueues) {
		be->nqueues = 1;
		be->fds[0] = be->fd;
		be->attached[0] = true;
	}
	if (pairs > be->nqueues)
		pairs = be->nqueues;
	err = -ENOMEM;
	net = calloc(1, sizeof(*net));
	if (!net)
		goto fail;
	net->epfd = -1;
	net->first = malloc(sizeof(*net->first));
	if (!net->first)
		goto fail;
	for (uint16_t i = 0; i < pairs; i++) {
		net->rx[i].frame = malloc(VIRTIO_NET_HDR_SIZE + VIRTIO_NET_MAX_FRAME);
		if (!net->rx[i].frame)
			goto fail;
	}
	net->be = be;
	net->max_pairs = pairs;
	net->pairs = 1;
	if (be->vnet_hdr && be->offloads)
		features |= VIRTIO_NET_OFFLOAD_FEATURES;
	if (pairs > 1)
		features |= F(MQ) | F(CTRL_VQ);
	memcpy(net->config.mac, p && memcmp(p->mac, zero_mac, 6) ? p->mac : default_mac, 6);
	net->config.status = htole16(VIRTIO_NET_S_LINK_UP);
	net->config.max_virtqueue_pairs = htole16(pairs);
	err = virtio_dev_init(&net->dev, "virtio-net", VIRTIO_ID_NET, pairs > 1 ? 2 * pairs + 1 : 2,
			      p && p->queue_size ? p->queue_size : 256, NET_CONFIG_SIZE, features,
			      gm, &net_ops, net);
	if (err)
		goto fail;
	if (pairs > 1) {
		err = net_mq_init(net);
		if (err) {
			virtio_dev_fini(&net->dev);
			goto fail;
		}
	}
	net->dev.backend_fd = net->epfd >= 0 ? net->epfd : be->fd;
	*out = &net->dev;
	return 0;
fail:
	virtio_net_backend_close(be);
	net_free(net);
	return err;
}

void virtio_net_set_link(struct virtio_dev *dev, bool up)
{
	struct virtio_net *net = dev->priv;
	uint16_t status = htole16(up ? VIRTIO_NET_S_LINK_UP : 0);

	pthread_mutex_lock(&dev->lock);
	if (net->config.status != status) {
		net->config.status = status;
		virtio_dev_config_changed(dev);
	}
	pthread_mutex_unlock(&dev->lock);
}

void virtio_net_get_stats(struct virtio_dev *dev, struct virtio_net_stats *st)
{
	struct virtio_net *net = dev->priv;

	pthread_mutex_lock(&dev->lock);
	*st = net->stats;
	pthread_mutex_unlock(&dev->lock);
}
