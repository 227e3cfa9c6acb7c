// SPDX-License-Identifier: GPL-2.0
/*
 * RPC endpoints over the rings (see rpc_chan.h for the epoch rules).
 * Kernel-compatible. Every loop below is bounded by a ring size.
 *
 * Ordering rules beyond the rings' own:
 *  - a request slot is written before its id is published on the request
 *    ring (the ring's release), and read by the device only after it took
 *    the id (the ring's acquire); replies work the same way back;
 *  - epochs and acks are stored with release after the private state they
 *    summarize has been updated, and loaded with acquire.
 */
#include <splitvirt/rpc_chan.h>

#include "rpc_compat.h"

#define MSG_WORDS (SV_RPC_MSG_SIZE / 8)

static int bit_test(const __u64 *map, __u32 bit)
{
	return (map[bit / 64] >> (bit % 64)) & 1;
}

static void bit_set(__u64 *map, __u32 bit)
{
	map[bit / 64] |= 1ull << (bit % 64);
}

static void bit_clear(__u64 *map, __u32 bit)
{
	map[bit / 64] &= ~(1ull << (bit % 64));
}

static void proto_error(struct sv_rpc_endpoint *ep, const char *what)
{
	ep->stats.proto_errors++;
	if (sv_rpc_should_log(ep->stats.proto_errors))
		pr_warn("rpc: peer protocol error: %s (%lu so far)", what, ep->stats.proto_errors);
}

static __u32 next_epoch(__u32 epoch)
{
	return epoch + 1 ? epoch + 1 : 1; /* 0 means "never attached" */
}

static int endpoint_open(struct sv_rpc_endpoint *ep, void *base, __u32 size,
			 enum sv_rpc_side_id side)
{
	char *b = base;
	int driver = side == SV_RPC_SIDE_DRIVER;
	int ret;

	memset(ep, 0, sizeof(*ep));
	ret = sv_rpc_iobuf_validate(base, size, &ep->lay);
	if (ret)
		return ret;
	ep->me = (struct sv_rpc_side *)(b + ep->lay.side_off[side]);
	ep->peer = (const struct sv_rpc_side *)(b + ep->lay.side_off[!side]);
	ep->slots = (struct sv_rpc_msg *)(b + ep->lay.slots_off);
	sv_rpc_ring_attach(&ep->req, (struct sv_rpc_ring_ctl *)(b + ep->lay.req_ctl_off),
			   b + ep->lay.req_ring_off, ep->lay.nslots, sizeof(__u16), driver);
	sv_rpc_ring_attach(&ep->rep, (struct sv_rpc_ring_ctl *)(b + ep->lay.rep_ctl_off),
			   b + ep->lay.rep_ring_off, ep->lay.nslots, sizeof(__u16), !driver);
	sv_rpc_ring_attach(&ep->evt, (struct sv_rpc_ring_ctl *)(b + ep->lay.evt_ctl_off),
			   b + ep->lay.evt_ring_off, ep->lay.nevents, SV_RPC_MSG_SIZE, !driver);
	/* Our previous epoch is in shared memory; any value will do. */
	ep->epoch = next_epoch(sv_load_acquire(&ep->me->epoch));
	sv_store_release(&ep->me->ack, 0);
	sv_store_release(&ep->me->epoch, ep->epoch);
	return 0;
}

/* Reads the peer's epoch; returns it if it is new and non-zero, else 0. */
static __u32 new_peer_epoch(const struct sv_rpc_endpoint *ep)
{
	__u32 pe = sv_load_acquire(&ep->peer->epoch);

	return pe && pe != ep->peer_epoch ? pe : 0;
}

static void ack_peer(struct sv_rpc_endpoint *ep, __u32 pe)
{
	ep->peer_epoch = pe;
	ep->stats.peer_resets++;
	sv_store_release(&ep->me->ack, pe);
}

static int endpoint_connected(const struct sv_rpc_endpoint *ep)
{
	return ep->peer_epoch && sv_load_acquire(&ep->peer->ack) == ep->epoch;
}

static void stamp(const struct sv_rpc_endpoint *ep, struct sv_rpc_msg *m, int driver)
{
	m->drv_epoch = driver ? ep->epoch : ep->peer_epoch;
	m->dev_epoch = driver ? ep->peer_epoch : ep->epoch;
}

static int stamp_ok(const struct sv_rpc_endpoint *ep, const struct sv_rpc_msg *m, int driver)
{
	struct sv_rpc_msg want;

	stamp(ep, &want, driver);
	return m->drv_epoch == want.drv_epoch && m->dev_epoch == want.dev_epoch;
}

/*
 * Looks at the oldest slot id of a ring of ids without consuming it: the
 * caller copies the slot first and consumes afterwards, so the peer knows,
 * from our consumer index, when we have stopped reading the slot.
 * Returns -EAGAIN, -EPROTO (the ring is flushed) or the id.
 */
static int peek_id(struct sv_rpc_endpoint *ep, struct sv_rpc_ring *r)
{
	void *e;
	int ret = sv_rpc_ring_peek(r, &e);

	if (ret == -EPROTO) {
		proto_error(ep, "impossible ring index");
		sv_rpc_ring_flush(r);
	}
	if (ret)
		return ret;
	return *(volatile __u16 *)e;
}

/* Writes m into its slot, then publishes the slot id on ring r. */
static int put_slot(struct sv_rpc_endpoint *ep, struct sv_rpc_ring *r, const struct sv_rpc_msg *m)
{
	void *e;
	int ret = sv_rpc_ring_reserve(r, &e);

	if (ret)
		return ret;
	sv_rpc_write_shared(&ep->slots[m->slot], m, MSG_WORDS);
	*(volatile __u16 *)e = m->slot;
	sv_rpc_ring_produce(r);
	return 0;
}

/* ---- driver side ---- */

int sv_rpc_drv_open(struct sv_rpc_drv *d, void *base, __u32 size)
{
	memset(d, 0, sizeof(*d));
	return endpoint_open(&d->ep, base, size, SV_RPC_SIDE_DRIVER);
}

/*
 * Every lent slot completes with -ECONNRESET. Its id may still sit in the
 * request ring, where the device would read the slot through it: the slot
 * stays quarantined until the device's consumer index has passed that id.
 */
static void drv_fail_all(struct sv_rpc_drv *d)
{
	for (unsigned int i = 0; i < SV_RPC_SLOT_WORDS; i++) {
		d->failed[i] |= d->busy[i];
		d->quarantine[i] |= d->busy[i];
		d->busy[i] = 0;
	}
}

/* Can slot be lent (again)? Lifts a quarantine once it has expired. */
static int drv_slot_free(struct sv_rpc_drv *d, __u32 slot)
{
	if (bit_test(d->busy, slot) || bit_test(d->failed, slot))
		return 0;
	if (bit_test(d->quarantine, slot)) {
		__u32 cons = sv_rpc_ring_peer_pos(&d->ep.req);

		/* Passed when cons is beyond the id's ring position. */
		if ((__s32)(cons - d->req_pos[slot]) <= 0)
			return 0;
		bit_clear(d->quarantine, slot);
	}
	return 1;
}

int sv_rpc_drv_sync(struct sv_rpc_drv *d)
{
	__u32 pe = new_peer_epoch(&d->ep);

	/*
	 * The device acknowledged our epoch: it has written its last answer
	 * to an older one. Those answers' ids are all visible now (acquire of
	 * the ack); drop them before any slot is lent again, or their ids
	 * would name the slots' new contents.
	 */
	if (!d->acked && endpoint_connected(&d->ep)) {
		sv_rpc_ring_flush(&d->ep.rep);
		d->acked = 1;
	}
	if (!pe)
		return 0;
	/*
	 * The device restarted: nothing lent to its old epoch will be
	 * answered, and every answer it gave before is visible now (acquire
	 * of its epoch): drop them for the same reason. Events of the old
	 * epoch are dropped by their stamps; new-epoch events survive.
	 */
	drv_fail_all(d);
	sv_rpc_ring_flush(&d->ep.rep);
	ack_peer(&d->ep, pe);
	d->acked = endpoint_connected(&d->ep);
	return 1;
}

int sv_rpc_drv_connected(struct sv_rpc_drv *d)
{
	sv_rpc_drv_sync(d);
	return d->acked && endpoint_connected(&d->ep);
}

void sv_rpc_drv_reset(struct sv_rpc_drv *d)
{
	drv_fail_all(d);
	d->acked = 0;
	/* Before the epoch: the device flushes to prod when it sees the epoch. */
	sv_rpc_ring_republish(&d->ep.req);
	d->ep.epoch = next_epoch(d->ep.epoch);
	sv_store_release(&d->ep.me->epoch, d->ep.epoch);
}

int sv_rpc_drv_slot_alloc(struct sv_rpc_drv *d)
{
	for (__u32 s = 0; s < d->ep.lay.nslots; s++)
		if (drv_slot_free(d, s))
			return (int)s;
	return -ENOSPC;
}

int sv_rpc_drv_send(struct sv_rpc_drv *d, __u32 slot, const struct sv_rpc_msg *m)
{
	struct sv_rpc_msg req;
	int ret;

	if (slot >= d->ep.lay.nslots)
		return -EINVAL;
	if (!sv_rpc_drv_connected(d))
		return -EAGAIN;
	if (!drv_slot_free(d, slot))
		return -EBUSY;
	req = *m;
	req.slot = (__u16)slot;
	req.flags = 0;
	req.status = 0;
	stamp(&d->ep, &req, 1);
	ret = sv_rpc_msg_check_request(&req);
	if (ret)
		return ret == -EOPNOTSUPP || ret == -EPROTO ? -EINVAL : ret;
	d->req_pos[slot] = d->ep.req.pos;
	ret = put_slot(&d->ep, &d->ep.req, &req);
	if (ret)
		return ret;
	bit_set(d->busy, slot);
	d->ep.op[slot] = req.op;
	return 0;
}

/* A completion the device did not (validly) write. */
static void drv_synth(struct sv_rpc_drv *d, __u32 slot, int status, struct sv_rpc_msg *out)
{
	sv_rpc_msg_init(out, d->ep.op[slot]);
	out->flags = SV_RPC_F_REPLY;
	out->slot = (__u16)slot;
	out->status = status;
	stamp(&d->ep, out, 1);
}

static int drv_report_failed(struct sv_rpc_drv *d, struct sv_rpc_msg *out)
{
	for (__u32 s = 0; s < d->ep.lay.nslots; s++) {
		if (bit_test(d->failed, s)) {
			bit_clear(d->failed, s);
			drv_synth(d, s, -ECONNRESET, out);
			return 1;
		}
	}
	return 0;
}

int sv_rpc_drv_recv_reply(struct sv_rpc_drv *d, struct sv_rpc_msg *out)
{
	struct sv_rpc_msg rep;

	sv_rpc_drv_sync(d);
	if (drv_report_failed(d, out))
		return 0;
	/* At most one full ring of entries is looked at per call. */
	for (__u32 n = 0; n <= d->ep.lay.nslots; n++) {
		int id = peek_id(&d->ep, &d->ep.rep);

		if (id < 0)
			return id;
		if ((__u32)id >= d->ep.lay.nslots) {
			sv_rpc_ring_consume(&d->ep.rep);
			proto_error(&d->ep, "reply slot id out of range");
			continue;
		}
		if (!bit_test(d->busy, id)) {
			/* A late answer to a request failed by a reset. */
			sv_rpc_ring_consume(&d->ep.rep);
			d->ep.stats.stale++;
			continue;
		}
		bit_clear(d->busy, id);
		sv_rpc_read_shared(&rep, &d->ep.slots[id], MSG_WORDS);
		sv_rpc_ring_consume(&d->ep.rep);
		if (rep.slot != id || !stamp_ok(&d->ep, &rep, 1) ||
		    sv_rpc_msg_check_reply(&rep, d->ep.op[id])) {
			proto_error(&d->ep, "invalid reply");
			drv_synth(d, id, -EPROTO, out);
			return 0;
		}
		*out = rep;
		return 0;
	}
	return -EAGAIN;
}

int sv_rpc_drv_recv_event(struct sv_rpc_drv *d, struct sv_rpc_msg *out)
{
	struct sv_rpc_msg ev;

	sv_rpc_drv_sync(d);
	for (__u32 n = 0; n <= d->ep.lay.nevents; n++) {
		void *e;
		int ret = sv_rpc_ring_peek(&d->ep.evt, &e);

		if (ret == -EPROTO) {
			proto_error(&d->ep, "impossible event ring index");
			sv_rpc_ring_flush(&d->ep.evt);
		}
		if (ret)
			return ret;
		sv_rpc_read_shared(&ev, e, MSG_WORDS);
		sv_rpc_ring_consume(&d->ep.evt);
		/* An event of a device epoch we have not seen yet: catch up. */
		if (ev.dev_epoch != d->ep.peer_epoch)
			sv_rpc_drv_sync(d);
		if (!stamp_ok(&d->ep, &ev, 1)) {
			d->ep.stats.stale++;
			continue;
		}
		if (sv_rpc_msg_check_event(&ev)) {
			proto_error(&d->ep, "invalid event");
			continue;
		}
		*out = ev;
		return 0;
	}
	return -EAGAIN;
}

/* ---- device side ---- */

int sv_rpc_dev_open(struct sv_rpc_dev *v, void *base, __u32 size)
{
	memset(v, 0, sizeof(*v));
	return endpoint_open(&v->ep, base, size, SV_RPC_SIDE_DEVICE);
}

int sv_rpc_dev_mark_gone(struct sv_rpc_dev *v, void *base, __u32 size)
{
	/* endpoint_open() publishes ack = 0 before the new epoch. */
	return sv_rpc_dev_open(v, base, size);
}

/* Forget every unanswered request and everything queued. */
static void dev_drop_all(struct sv_rpc_dev *v)
{
	memset(v->pending, 0, sizeof(v->pending));
	sv_rpc_ring_flush(&v->ep.req);
}

int sv_rpc_dev_sync(struct sv_rpc_dev *v)
{
	__u32 pe = new_peer_epoch(&v->ep);

	if (!pe)
		return 0;
	/*
	 * The driver restarted. Its new epoch cannot have requests queued
	 * yet (it waits for our ack), so the whole queue is old. After the
	 * ack, no answer to an old request is ever written.
	 */
	dev_drop_all(v);
	ack_peer(&v->ep, pe);
	return 1;
}

int sv_rpc_dev_connected(const struct sv_rpc_dev *v)
{
	return endpoint_connected(&v->ep);
}

void sv_rpc_dev_reset(struct sv_rpc_dev *v, __u32 reason)
{
	struct sv_rpc_msg m;

	dev_drop_all(v);
	/* Before the epoch: the driver flushes the reply ring when it sees it. */
	sv_rpc_ring_republish(&v->ep.rep);
	sv_rpc_ring_republish(&v->ep.evt);
	v->ep.epoch = next_epoch(v->ep.epoch);
	sv_store_release(&v->ep.me->epoch, v->ep.epoch);
	/* Best effort: the epoch in the side block is what counts. */
	if (!sv_rpc_encode_reset(&m, SV_RPC_OP_RESET_EVT, reason))
		sv_rpc_dev_send_event(v, &m);
}

/* Answers an invalid request in place so the driver is not left waiting. */
static void dev_reject(struct sv_rpc_dev *v, struct sv_rpc_msg *req, int status)
{
	req->flags = SV_RPC_F_REPLY;
	req->status = status;
	memset(req->arg, 0, sizeof(req->arg));
	if (put_slot(&v->ep, &v->ep.rep, req))
		proto_error(&v->ep, "reply ring full while rejecting");
}

int sv_rpc_dev_recv(struct sv_rpc_dev *v, struct sv_rpc_msg *out)
{
	struct sv_rpc_msg req;

	sv_rpc_dev_sync(v);
	for (__u32 n = 0; n <= v->ep.lay.nslots; n++) {
		int id = peek_id(&v->ep, &v->ep.req);
		int ret;

		if (id < 0)
			return id;
		if ((__u32)id >= v->ep.lay.nslots) {
			sv_rpc_ring_consume(&v->ep.req);
			proto_error(&v->ep, "request slot id out of range");
			continue;
		}
		if (bit_test(v->pending, id)) {
			sv_rpc_ring_consume(&v->ep.req);
			proto_error(&v->ep, "request slot reused while pending");
			continue;
		}
		/* Release of cons (consume) tells the driver we are done reading. */
		sv_rpc_read_shared(&req, &v->ep.slots[id], MSG_WORDS);
		sv_rpc_ring_consume(&v->ep.req);
		if (!stamp_ok(&v->ep, &req, 0)) {
			v->ep.stats.stale++;
			continue;
		}
		if (req.slot != id) {
			proto_error(&v->ep, "slot field does not match id");
			continue;
		}
		ret = sv_rpc_msg_check_request(&req);
		if (ret) {
			proto_error(&v->ep, "invalid request");
			dev_reject(v, &req, ret);
			continue;
		}
		bit_set(v->pending, id);
		v->ep.op[id] = req.op;
		*out = req;
		return 0;
	}
	return -EAGAIN;
}

int sv_rpc_dev_reply(struct sv_rpc_dev *v, const struct sv_rpc_msg *m, int status)
{
	struct sv_rpc_msg rep;
	int ret;

	if (m->slot >= v->ep.lay.nslots || !bit_test(v->pending, m->slot))
		return -ESTALE;
	if (m->op != v->ep.op[m->slot])
		return -EINVAL;
	rep = *m;
	rep.flags = 0;
	ret = sv_rpc_msg_make_reply(&rep, status);
	if (ret)
		return ret;
	stamp(&v->ep, &rep, 0);
	ret = sv_rpc_msg_check_reply(&rep, rep.op);
	if (ret)
		return -EINVAL;
	ret = put_slot(&v->ep, &v->ep.rep, &rep);
	if (ret)
		return ret;
	bit_clear(v->pending, m->slot);
	return 0;
}

int sv_rpc_dev_send_event(struct sv_rpc_dev *v, const struct sv_rpc_msg *m)
{
	struct sv_rpc_msg ev = *m;
	void *e;
	int ret;

	sv_rpc_dev_sync(v);
	ev.slot = 0;
	ev.flags = 0;
	ev.status = 0;
	stamp(&v->ep, &ev, 0);
	if (sv_rpc_msg_check_event(&ev))
		return -EINVAL;
	if (!v->ep.peer_epoch)
		return -ENOTCONN;
	ret = sv_rpc_ring_reserve(&v->ep.evt, &e);
	if (ret)
		return ret;
	sv_rpc_write_shared(e, &ev, MSG_WORDS);
	sv_rpc_ring_produce(&v->ep.evt);
	return 0;
}
