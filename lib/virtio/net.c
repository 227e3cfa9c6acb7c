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
 */
#include <endian.h>
#include <errno.h>
#include <linux/if_tun.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>

#include <splitvirt/log.h>
#include <splitvirt/virtio_net.h>

#define RXQ 0
#define TXQ 1
#define RX_BUDGET 256 /* frames per call, so one busy device cannot starve the loop */
#define NET_CONFIG_SIZE offsetof(struct virtio_net_config, mtu)

#define F(x) (1ull << VIRTIO_NET_F_##x)
#define OFFLOAD_FEATURES                                                                         \
	(F(CSUM) | F(GUEST_CSUM) | F(GUEST_TSO4) | F(GUEST_TSO6) | F(GUEST_ECN) | F(HOST_TSO4) | \
	 F(HOST_TSO6) | F(HOST_ECN))

struct virtio_net {
	struct virtio_dev dev;
	struct virtio_net_backend *be;
	struct virtio_net_config config;
	struct virtio_net_stats stats;
	uint8_t *frame; /* header + frame bounce buffer for rx */
	size_t pending_len; /* bytes of a frame waiting for rx buffers, 0 if none */
	struct virtq_chain *first; /* first rx buffer of the frame being delivered */
	uint16_t bufs_short; /* buffers available when a frame did not fit */
	/* Throttled log counters: the guest (DRIVER_OK in a loop) or a peer can repeat these. */
	unsigned long offload_errors, backend_errors;
	/* The buffers of the frame being delivered: at most one ring's worth. */
	uint16_t heads[VIRTQ_MAX_SIZE];
	uint32_t lens[VIRTQ_MAX_SIZE];
	struct iovec iov[VIRTQ_MAX_SEGS];
};

/* ---- tx ---- */

static int net_tx_chain(struct virtio_dev *dev, struct virtq *vq, struct virtq_chain *c)
{
	struct virtio_net *net = dev->priv;
	size_t skip = net->be->vnet_hdr ? 0 : VIRTIO_NET_HDR_SIZE;
	int cnt;
	ssize_t n;

	(void)vq;
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
		n = writev(net->be->fd, net->iov, cnt);
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

/* Reads one frame into net->frame with a header in front. 1, 0 if none, -errno. */
static int net_read_frame(struct virtio_net *net)
{
	size_t off = net->be->vnet_hdr ? 0 : VIRTIO_NET_HDR_SIZE;
	ssize_t n;

	do {
		n = read(net->be->fd, net->frame + off,
			 VIRTIO_NET_HDR_SIZE + VIRTIO_NET_MAX_FRAME - off);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	if (!off && (size_t)n < VIRTIO_NET_HDR_SIZE) {
		net->stats.rx_dropped++;
		return 0;
	}
	if (off)
		memset(net->frame, 0, VIRTIO_NET_HDR_SIZE);
	net->pending_len = (size_t)n + off;
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
static int net_deliver(struct virtio_net *net)
{
	struct virtio_dev *dev = &net->dev;
	struct virtq *vq = &dev->vqs[RXQ];
	struct virtq_chain *c = dev->chain;
	bool mergeable = virtio_dev_has_feature(dev, VIRTIO_NET_F_MRG_RXBUF);
	size_t done = 0, len = net->pending_len;
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
			net->pending_len = 0;
			return 1;
		}
		r = virtq_pop(vq, c);
		if (r <= 0) {
			/* Give back what this frame took; retry when buffers come. */
			if (r == 0) {
				virtq_unpop(vq, nbufs);
				net->bufs_short = nbufs;
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
			net->pending_len = 0;
			return 1;
		}
		n = virtq_chain_write(c, 0, net->frame + done, len - done);
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
	net->pending_len = 0;
	return 1;
}

/* Moves frames from the backend to the guest. 1: keep polling, 0: blocked on buffers. */
static int net_rx(struct virtio_net *net)
{
	struct virtio_dev *dev = &net->dev;
	struct virtq *vq = &dev->vqs[RXQ];
	int budget = RX_BUDGET, delivered = 0, ret = 1, r;

	while (budget--) {
		if (!net->pending_len) {
			/* Only take a frame off the backend when a buffer is waiting. */
			if (!virtq_has_avail(vq) && !virtq_enable_notify(vq)) {
				ret = 0;
				break;
			}
			r = net_read_frame(net);
			if (r < 0) {
				pr_warn_limited(&net->backend_errors, "%s: backend read failed: %d",
						dev->name, r);
				break;
			}
			if (r == 0)
				break;
		}
		r = net_deliver(net);
		if (r < 0) {
			ret = r;
			break;
		}
		if (r == 0) {
			/* Short of buffers mid-frame: wait for a kick, unless more just came. */
			if (virtq_notify_on_more(vq, net->bufs_short))
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

static int net_queue_notify(struct virtio_dev *dev, struct virtq *vq)
{
	struct virtio_net *net = dev->priv;

	if (vq->index == TXQ)
		return virtio_dev_drain_queue(dev, vq, net_tx_chain);
	return net_rx(net) < 0 ? -EIO : 0;
}

/* tx chains fail (dropped); rx buffers stay with the device for new frames. */
static virtio_chain_fn net_fail_chain(struct virtio_dev *dev, struct virtq *vq)
{
	(void)dev;
	return vq->index == TXQ ? net_tx_fail : NULL;
}

static int net_backend_ready(struct virtio_dev *dev)
{
	return net_rx(dev->priv);
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
	(void)dev;
	return 0;
}

static void net_set_tap_offloads(struct virtio_net *net, unsigned int flags)
{
	if (!net->be->is_tap || !net->be->offloads)
		return;
	if (ioctl(net->be->fd, TUNSETOFFLOAD, flags))
		pr_warn_limited(&net->offload_errors, "%s: TUNSETOFFLOAD %#x failed", net->dev.name,
				flags);
}

static void net_driver_ok(struct virtio_dev *dev)
{
	struct virtio_net *net = dev->priv;
	unsigned int flags = 0;

	/* The tap may only hand us what the guest accepts (GUEST_*). */
	if (virtio_dev_has_feature(dev, VIRTIO_NET_F_GUEST_CSUM))
		flags |= TUN_F_CSUM;
	if (virtio_dev_has_feature(dev, VIRTIO_NET_F_GUEST_TSO4))
		flags |= TUN_F_TSO4;
	if (virtio_dev_has_feature(dev, VIRTIO_NET_F_GUEST_TSO6))
		flags |= TUN_F_TSO6;
	if (virtio_dev_has_feature(dev, VIRTIO_NET_F_GUEST_ECN))
		flags |= TUN_F_TSO_ECN;
	net_set_tap_offloads(net, flags);
}

static void net_reset(struct virtio_dev *dev)
{
	struct virtio_net *net = dev->priv;

	/* A frame held for the old rings is dropped; the rings are gone. */
	if (net->pending_len)
		net->stats.rx_dropped++;
	net->pending_len = 0;
	net_set_tap_offloads(net, 0);
}

static void net_config_read(struct virtio_dev *dev, uint32_t off, void *buf, uint32_t len)
{
	struct virtio_net *net = dev->priv;

	memcpy(buf, (const uint8_t *)&net->config + off, len);
}

static void net_destroy(struct virtio_dev *dev)
{
	struct virtio_net *net = dev->priv;

	virtio_net_backend_close(net->be);
	virtio_dev_fini(dev);
	free(net->frame);
	free(net->first);
	free(net);
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

int virtio_net_create(struct virtio_dev **out, const struct gmem *gm, struct virtio_net_backend *be,
		      const struct virtio_net_params *p)
{
	static const uint8_t default_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	static const uint8_t zero_mac[6];
	uint64_t features = F(MAC) | F(STATUS) | F(MRG_RXBUF);
	struct virtio_net *net = calloc(1, sizeof(*net));
	int err = -ENOMEM;

	if (!net)
		goto fail;
	net->frame = malloc(VIRTIO_NET_HDR_SIZE + VIRTIO_NET_MAX_FRAME);
	net->first = malloc(sizeof(*net->first));
	if (!net->frame || !net->first)
		goto fail;
	net->be = be;
	if (be->vnet_hdr && be->offloads)
		features |= OFFLOAD_FEATURES;
	memcpy(net->config.mac, p && memcmp(p->mac, zero_mac, 6) ? p->mac : default_mac, 6);
	net->config.status = htole16(VIRTIO_NET_S_LINK_UP);
	net->config.max_virtqueue_pairs = htole16(1);
	err = virtio_dev_init(&net->dev, "virtio-net", VIRTIO_ID_NET, 2,
			      p && p->queue_size ? p->queue_size : 256, NET_CONFIG_SIZE, features,
			      gm, &net_ops, net);
	if (err)
		goto fail;
	net->dev.backend_fd = be->fd;
	*out = &net->dev;
	return 0;
fail:
	virtio_net_backend_close(be);
	if (net) {
		free(net->frame);
		free(net->first);
		free(net);
	}
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
