// SPDX-License-Identifier: GPL-2.0
/*
 * The device side of a link's RPC (<splitvirt/rpc_chan.h>). Everything
 * here runs under link->lock. Requests are taken off the iobuf by a worker
 * (vector 0 only queues it). HELLO and NOP are answered here, MMIO writes
 * that hit an ioeventfd are completed here, other MMIO requests wait in the
 * request table for userspace. Announcements (PCI devices, MMIO regions,
 * ioeventfds, irqfds, START_VM) are recorded so that a new driver epoch, or
 * a new device epoch, gets them again ("replay").
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/ratelimit.h>

#include "svk_internal.h"

/*
 * Rings the driver side after this section produced something. writel()
 * orders the iobuf stores before the doorbell store (its barrier covers
 * normal memory), so the peer sees the entries when it looks.
 */
void svk_unlock_ring(struct svk_link *l)
{
	bool ring = l->ring && !l->dead;

	l->ring = false;
	if (ring)
		writel(1, l->regs + SV_DP_DOORBELL);
	mutex_unlock(&l->lock);
}

void svk_drop_requests(struct svk_link *l)
{
	unsigned int i;

	for (i = 0; i < SV_RPC_MAX_SLOTS; i++)
		l->reqs[i].state = SVK_REQ_FREE;
	l->fifo_head = 0;
	l->fifo_tail = 0;
}

/* Answers every request userspace has or will get with status, then forgets them. */
void svk_fail_requests(struct svk_link *l, int status)
{
	unsigned int i;

	for (i = 0; i < SV_RPC_MAX_SLOTS; i++) {
		struct svk_req *r = &l->reqs[i];

		if (r->state == SVK_REQ_FREE)
			continue;
		if (!sv_rpc_dev_reply(&l->rpc, &r->msg, status))
			l->ring = true;
	}
	svk_drop_requests(l);
}

static void svk_replay_from_start(struct svk_link *l)
{
	l->replay = true;
	l->replay_pos = 0;
	l->ring = true;
}

/*
 * Called after every library call that may have synced: a new driver epoch
 * voids the request table (the library forgot those requests too) and asks
 * for every announcement again.
 */
void svk_check_peer(struct svk_link *l)
{
	u32 pe = l->rpc.ep.peer_epoch;

	if (pe == l->seen_peer)
		return;
	if (l->seen_peer && l->vm) {
		l->notice = true;
		l->notice_reason = SV_RPC_RESET_RESTART;
		wake_up_interruptible(&l->wq);
	}
	svk_drop_requests(l);
	l->seen_peer = pe;
	svk_replay_from_start(l);
}

/* Starts a new device epoch (attaching first if needed) and re-announces. */
void svk_rpc_start(struct svk_link *l, u32 reason)
{
	if (!l->rpc_open) {
		int ret = sv_rpc_dev_open(&l->rpc, l->iobuf, l->iobuf_size);

		if (ret) {
			dev_warn_ratelimited(&l->pdev->dev, "link %u: iobuf not ready (%d)\n",
					     l->id, ret);
			return;
		}
		l->rpc_open = true;
		l->seen_peer = 0;
	} else {
		sv_rpc_dev_reset(&l->rpc, reason);
		svk_check_peer(l);
	}
	svk_drop_requests(l);
	svk_replay_from_start(l);
	svk_replay_run(l);
}

int svk_send_event(struct svk_link *l, struct sv_rpc_msg *m)
{
	int ret = sv_rpc_dev_send_event(&l->rpc, m);

	svk_check_peer(l);
	if (!ret)
		l->ring = true;
	return ret;
}

/*
 * The idx-th announcement in replay order: HELLO_EVT, PCI devices, MMIO
 * regions, ioeventfds (those whose kick has a vector), irqfds, START_VM.
 * Returns 1 with *m filled, 0 past the end.
 */
static int svk_replay_item(struct svk_link *l, u32 idx, struct sv_rpc_msg *m)
{
	struct sv_rpc_hello h = { .version = SV_RPC_VERSION, .features = SV_RPC_FEATURES_KNOWN };
	struct svk_ioeventfd_b *b;
	unsigned int bit;
	u32 i;

	if (idx-- == 0)
		return !sv_rpc_encode_hello(m, SV_RPC_OP_HELLO_EVT, &h);
	for_each_set_bit(bit, l->pci_devs, SV_RPC_MAX_PCI_DEVS) {
		if (idx-- == 0) {
			struct sv_rpc_pci_dev p = { .index = bit };

			return !sv_rpc_encode_pci_dev(m, &p);
		}
	}
	if (idx < l->nr_regions) {
		struct sv_rpc_region r = { .gpa = l->regions[idx].gpa,
					   .size = l->regions[idx].size };

		return !sv_rpc_encode_region(m, &r);
	}
	idx -= l->nr_regions;
	list_for_each_entry(b, &l->ioeventfds, node) {
		if (!svk_kick_has_irq(l, b->kick))
			continue;
		if (idx-- == 0) {
			struct sv_rpc_ioeventfd e;

			svk_ioeventfd_to_rpc(b, &e);
			return !sv_rpc_encode_ioeventfd(m, &e);
		}
	}
	for (i = 0; i < l->nr_calls; i++) {
		if (l->irqfds[i] && idx-- == 0)
			return !sv_rpc_encode_irqfd(m, &l->irqfds[i]->route);
	}
	if (l->started && idx == 0) {
		sv_rpc_msg_init(m, SV_RPC_OP_START_VM);
		return 1;
	}
	return 0;
}

static void svk_retry_later(struct svk_link *l)
{
	l->retry_ms = clamp(l->retry_ms * 2, 1u, (unsigned int)SVK_RETRY_MS_MAX);
	mod_delayed_work(system_wq, &l->poll_work, msecs_to_jiffies(l->retry_ms));
}

/*
 * Sends what is left of the replay. Returns true when nothing is left. A
 * full event ring (the driver side is behind) is retried from a timer with
 * back-off; no driver epoch yet means the replay starts over once there is.
 */
bool svk_replay_run(struct svk_link *l)
{
	unsigned int rounds = 0;
	struct sv_rpc_msg m;

	if (!l->replay)
		return true;
	if (!l->rpc_open || l->dead)
		return false;
	/* Bounded: a peer flipping its epoch forever only delays us. */
	while (rounds++ < 4 * (1 + SV_RPC_MAX_PCI_DEVS + SVK_MAX_REGIONS + SVK_MAX_IOEVENTFDS +
			       SV_DP_MAX_CALLS + 1)) {
		u32 peer = l->seen_peer;
		int ret;

		if (!l->rpc.ep.peer_epoch)
			return false;
		if (!svk_replay_item(l, l->replay_pos, &m)) {
			l->replay = false;
			l->retry_ms = 0;
			return true;
		}
		ret = svk_send_event(l, &m);
		if (l->seen_peer != peer)
			continue; /* restarted from the first item */
		if (ret == -ENOSPC || ret == -EPROTO) {
			svk_retry_later(l);
			return false;
		}
		if (ret == -ENOTCONN)
			return false;
		l->replay_pos++;
	}
	svk_retry_later(l);
	return false;
}

static void svk_reply(struct svk_link *l, struct sv_rpc_msg *m, int status)
{
	int ret = sv_rpc_dev_reply(&l->rpc, m, status);

	svk_check_peer(l);
	if (!ret) {
		l->ring = true;
		return;
	}
	/* Only a driver side that stopped consuming replies gets here. */
	atomic_long_inc(&l->bad_requests);
	dev_warn_ratelimited(&l->pdev->dev, "link %u: cannot reply to %s in slot %u: %d\n", l->id,
			     sv_rpc_op_name(m->op), m->slot, ret);
}

static void svk_hello(struct svk_link *l, struct sv_rpc_msg *m)
{
	struct sv_rpc_hello peer;
	u64 common;

	if (sv_rpc_decode_hello(m, &peer) ||
	    sv_rpc_hello_negotiate(&peer, SV_RPC_FEATURES_KNOWN, &common)) {
		svk_reply(l, m, -EPROTONOSUPPORT);
		return;
	}
	m->arg[0] = SV_RPC_VERSION;
	m->arg[1] = common;
	svk_reply(l, m, 0);
}

static void svk_queue(struct svk_link *l, struct sv_rpc_msg *m)
{
	struct svk_req *r = &l->reqs[m->slot];

	/* The library never hands out a slot twice while it is pending. */
	if (WARN_ON_ONCE(r->state != SVK_REQ_FREE)) {
		svk_reply(l, m, -EBUSY);
		return;
	}
	r->state = SVK_REQ_QUEUED;
	r->id = ((l->seq++ & 0xffffff) << 8) | m->slot;
	r->msg = *m;
	l->fifo[l->fifo_tail++ % SV_RPC_MAX_SLOTS] = m->slot;
	wake_up_interruptible(&l->wq);
}

static void svk_mmio(struct svk_link *l, struct sv_rpc_msg *m)
{
	struct sv_rpc_mmio io;

	if (sv_rpc_decode_mmio(m, &io)) {
		svk_reply(l, m, -EINVAL);
		return;
	}
	if (!l->vm) {
		/* No device model is attached: the access fails (all-ones). */
		svk_reply(l, m, -EIO);
		return;
	}
	if (io.dir == SV_RPC_MMIO_WRITE && io.as == SV_RPC_AS_GLOBAL &&
	    svk_ioeventfd_match(l, &io)) {
		svk_reply(l, m, 0);
		return;
	}
	svk_queue(l, m);
}

static void svk_request(struct svk_link *l, struct sv_rpc_msg *m)
{
	switch (m->op) {
	case SV_RPC_OP_HELLO:
		svk_hello(l, m);
		break;
	case SV_RPC_OP_NOP:
		svk_reply(l, m, 0);
		break;
	case SV_RPC_OP_RESET:
		/* Completes, with everything else, as -ECONNRESET on the driver. */
		svk_rpc_start(l, SV_RPC_RESET_REQUESTED);
		if (l->vm) {
			l->notice = true;
			l->notice_reason = SV_RPC_RESET_REQUESTED;
			wake_up_interruptible(&l->wq);
		}
		break;
	case SV_RPC_OP_MMIO:
		svk_mmio(l, m);
		break;
	default:
		svk_reply(l, m, -EOPNOTSUPP);
		break;
	}
}

/* Takes every request off the iobuf; a bounded batch per run. */
void svk_service(struct svk_link *l)
{
	const unsigned int budget = 2 * SV_RPC_MAX_SLOTS;
	unsigned int n;
	struct sv_rpc_msg m;

	mutex_lock(&l->lock);
	if (l->dead)
		goto out;
	if (!l->rpc_open)
		svk_rpc_start(l, SV_RPC_RESET_RESTART);
	if (!l->rpc_open)
		goto out;
	/* A driver restart is noticed even when nothing is queued. */
	if (sv_rpc_dev_sync(&l->rpc))
		l->ring = true;
	svk_check_peer(l);
	for (n = 0; n < budget; n++) {
		int ret = sv_rpc_dev_recv(&l->rpc, &m);

		svk_check_peer(l);
		if (ret == -EPROTO) {
			dev_warn_ratelimited(&l->pdev->dev,
					     "link %u: corrupt request ring, flushed\n", l->id);
			continue;
		}
		if (ret)
			break;
		svk_request(l, &m);
	}
	if (n == budget)
		queue_work(system_highpri_wq, &l->rx_work);
	svk_replay_run(l);
out:
	svk_unlock_ring(l);
}

void svk_rx_work(struct work_struct *w)
{
	svk_service(container_of(w, struct svk_link, rx_work));
}

void svk_poll_work(struct work_struct *w)
{
	struct svk_link *l = container_of(to_delayed_work(w), struct svk_link, poll_work);

	svk_service(l);
	/* Without MSI-X nothing tells us about requests: look periodically. */
	if (!l->nvec && !READ_ONCE(l->dead))
		mod_delayed_work(system_wq, &l->poll_work, msecs_to_jiffies(SVK_POLL_MS));
}

void svk_fill_info(struct svk_link *l, struct sv_link_info *info)
{
	memset(info, 0, sizeof(*info));
	info->link_id = l->id;
	info->nr_kicks = l->nr_kicks;
	info->nr_calls = l->nr_calls;
	info->iobuf_size = l->iobuf_size;
	info->ram_gpa = l->ram_gpa;
	info->ram_size = l->ram_size;
	memcpy(info->name, l->name, sizeof(info->name));
	info->connected = l->rpc_open && !l->dead && sv_rpc_dev_connected(&l->rpc);
	if (l->nvec > 1)
		info->flags |= SV_LINK_F_KICK_IRQS;
	if (!l->nvec)
		info->flags |= SV_LINK_F_POLLED;
	if (l->vm)
		info->flags |= SV_LINK_F_OPEN;
	if (l->ram_window)
		info->flags |= SV_LINK_F_DMA_WINDOW;
	info->state_capacity = l->state ? sv_state_area_capacity(l->state_size) : 0;
	/* What the driver side published, acknowledged or not: tells its incarnation. */
	info->driver_epoch = l->rpc_open ? smp_load_acquire(&l->rpc.ep.peer->epoch) : 0;
}
