// SPDX-License-Identifier: GPL-2.0
/*
 * RPC endpoints in one process: handshake, request/reply, out-of-order
 * replies, slot exhaustion, events, resets, and hostile peers on both sides.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../support/unit.h"

#include <splitvirt/log.h>
#include <splitvirt/rpc_chan.h>

#define SIZE (2 * SV_RPC_PAGE_SIZE)

struct fixture {
	char *buf;
	struct sv_rpc_drv drv;
	struct sv_rpc_dev dev;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->buf = aligned_alloc(SV_RPC_PAGE_SIZE, SIZE);
	assert_non_null(f->buf);
	assert_int_equal(sv_rpc_iobuf_init(f->buf, SIZE), 0);
	assert_int_equal(sv_rpc_drv_open(&f->drv, f->buf, SIZE), 0);
	assert_int_equal(sv_rpc_dev_open(&f->dev, f->buf, SIZE), 0);
	assert_int_equal(sv_rpc_dev_sync(&f->dev), 1);
	assert_int_equal(sv_rpc_drv_sync(&f->drv), 1);
	assert_true(sv_rpc_drv_connected(&f->drv));
	assert_true(sv_rpc_dev_connected(&f->dev));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->buf);
	free(f);
	return 0;
}

static struct sv_rpc_ring_ctl *ctl(struct fixture *f, __u32 off)
{
	return (struct sv_rpc_ring_ctl *)(f->buf + off);
}

static struct sv_rpc_msg *slot_msg(struct fixture *f, __u32 slot)
{
	return (struct sv_rpc_msg *)(f->buf + f->drv.ep.lay.slots_off) + slot;
}

static struct sv_rpc_msg mmio(__u64 addr, __u64 data, __u8 dir)
{
	struct sv_rpc_mmio io = {
		.addr = addr, .data = data, .size = 8, .dir = dir, .as = SV_RPC_AS_GLOBAL
	};
	struct sv_rpc_msg m;

	assert_int_equal(sv_rpc_encode_mmio(&m, &io), 0);
	return m;
}

/* Device answers one request: reads return addr ^ 0x5a5a. */
static void dev_answer_one(struct fixture *f)
{
	struct sv_rpc_msg req;
	struct sv_rpc_mmio io;

	assert_int_equal(sv_rpc_dev_recv(&f->dev, &req), 0);
	assert_int_equal(sv_rpc_decode_mmio(&req, &io), 0);
	if (io.dir == SV_RPC_MMIO_READ)
		req.arg[1] = io.addr ^ 0x5a5a;
	assert_int_equal(sv_rpc_dev_reply(&f->dev, &req, 0), 0);
}

static void test_handshake(void **state)
{
	struct fixture *f = *state;
	struct sv_rpc_hello h = { .version = SV_RPC_VERSION, .features = 3 };
	struct sv_rpc_hello got;
	struct sv_rpc_msg m, rep;
	__u64 common;

	/* A fresh driver must wait for the device's acknowledgement. */
	assert_int_equal(sv_rpc_drv_open(&f->drv, f->buf, SIZE), 0);
	assert_false(sv_rpc_drv_connected(&f->drv));
	assert_int_equal(sv_rpc_encode_hello(&m, SV_RPC_OP_HELLO, &h), 0);
	assert_int_equal(sv_rpc_drv_send(&f->drv, 0, &m), -EAGAIN);
	assert_int_equal(sv_rpc_dev_sync(&f->dev), 1);
	assert_int_equal(sv_rpc_dev_sync(&f->dev), 0);
	assert_int_equal(sv_rpc_drv_send(&f->drv, 0, &m), 0);

	assert_int_equal(sv_rpc_dev_recv(&f->dev, &m), 0);
	assert_int_equal(sv_rpc_decode_hello(&m, &got), 0);
	assert_int_equal(sv_rpc_hello_negotiate(&got, 1, &common), 0);
	h.features = common;
	assert_int_equal(sv_rpc_encode_hello(&rep, SV_RPC_OP_HELLO, &h), 0);
	rep.slot = m.slot;
	assert_int_equal(sv_rpc_dev_reply(&f->dev, &rep, 0), 0);

	assert_int_equal(sv_rpc_drv_recv_reply(&f->drv, &rep), 0);
	assert_int_equal(rep.status, 0);
	assert_int_equal(sv_rpc_decode_hello(&rep, &got), 0);
	assert_int_equal(got.features, 1);
	assert_int_equal(sv_rpc_drv_recv_reply(&f->drv, &rep), -EAGAIN);
}

static void test_request_reply(void **state)
{
	struct fixture *f = *state;
	struct sv_rpc_msg m = mmio(0x1000, 0, SV_RPC_MMIO_READ), rep;

	assert_int_equal(sv_rpc_drv_send(&f->drv, 3, &m), 0);
	assert_int_equal(sv_rpc_drv_send(&f->drv, 3, &m), -EBUSY);
	assert_int_equal(sv_rpc_drv_send(&f->drv, 32, &m), -EINVAL);
	dev_answer_one(f);
	assert_int_equal(sv_rpc_drv_recv_reply(&f->drv, &rep), 0);
	assert_int_equal(rep.slot, 3);
	assert_int_equal(rep.status, 0);
	assert_int_equal(rep.arg[1], 0x1000 ^ 0x5a5a);
	/* Invalid requests are refused locally. */
	m = mmio(0x1000, 0, SV_RPC_MMIO_READ);
	m.arg[2] = SV_RPC_MMIO_INFO(3, 0, SV_RPC_AS_GLOBAL);
	assert_int_equal(sv_rpc_drv_send(&f->drv, 3, &m), -EINVAL);
	sv_rpc_msg_init(&m, SV_RPC_OP_SET_IRQ);
	assert_int_equal(sv_rpc_drv_send(&f->drv, 3, &m), -EINVAL);
}

static void test_out_of_order(void **state)
{
	struct fixture *f = *state;
	struct sv_rpc_msg req[8], rep;

	for (__u32 s = 0; s < 8; s++) {
		struct sv_rpc_msg m = mmio(0x100 * s, 0, SV_RPC_MMIO_READ);

		assert_int_equal(sv_rpc_drv_send(&f->drv, s, &m), 0);
	}
	for (__u32 i = 0; i < 8; i++)
		assert_int_equal(sv_rpc_dev_recv(&f->dev, &req[i]), 0);
	assert_int_equal(sv_rpc_dev_recv(&f->dev, &rep), -EAGAIN);
	/* Answer in reverse, with a device error for slot 2. */
	for (int i = 7; i >= 0; i--) {
		req[i].arg[1] = 0x77 + (__u64)i;
		assert_int_equal(sv_rpc_dev_reply(&f->dev, &req[i], i == 2 ? -EIO : 0), 0);
	}
	/* A second answer for the same request is refused. */
	assert_int_equal(sv_rpc_dev_reply(&f->dev, &req[0], 0), -ESTALE);
	for (int i = 7; i >= 0; i--) {
		assert_int_equal(sv_rpc_drv_recv_reply(&f->drv, &rep), 0);
		assert_int_equal(rep.slot, i);
		assert_int_equal(rep.status, i == 2 ? -EIO : 0);
		if (i != 2)
			assert_int_equal(rep.arg[1], 0x77 + (__u64)i);
	}
	assert_int_equal(sv_rpc_drv_recv_reply(&f->drv, &rep), -EAGAIN);
}

static void test_slot_exhaustion(void **state)
{
	struct fixture *f = *state;
	struct sv_rpc_msg m, rep;
	int s;

	sv_rpc_msg_init(&m, SV_RPC_OP_NOP);
	for (__u32 i = 0; i < f->drv.ep.lay.nslots; i++) {
		s = sv_rpc_drv_slot_alloc(&f->drv);
		assert_int_equal(s, (int)i);
		assert_int_equal(sv_rpc_drv_send(&f->drv, (__u32)s, &m), 0);
	}
	assert_int_equal(sv_rpc_drv_slot_alloc(&f->drv), -ENOSPC);
	/* Many rounds: the free-running indices pass the ring size often. */
	for (int round = 0; round < 100; round++) {
		assert_int_equal(sv_rpc_dev_recv(&f->dev, &m), 0);
		m.arg[0] = (__u64)round;
		assert_int_equal(sv_rpc_dev_reply(&f->dev, &m, 0), 0);
		assert_int_equal(sv_rpc_drv_recv_reply(&f->drv, &rep), 0);
		assert_int_equal(rep.arg[0], (__u64)round);
		s = sv_rpc_drv_slot_alloc(&f->drv);
		assert_int_equal(s, rep.slot);
		sv_rpc_msg_init(&m, SV_RPC_OP_NOP);
		assert_int_equal(sv_rpc_drv_send(&f->drv, (__u32)s, &m), 0);
	}
}

static void test_events(void **state)
{
	struct fixture *f = *state;
	struct sv_rpc_set_irq irq = { .irq = 33, .level = SV_RPC_IRQ_SET };
	struct sv_rpc_msg m = { 0 }, got;
	__u32 n = f->dev.ep.lay.nevents;

	for (__u32 i = 0; i < n; i++) {
		irq.irq = 32 + i;
		assert_int_equal(sv_rpc_encode_set_irq(&m, &irq), 0);
		assert_int_equal(sv_rpc_dev_send_event(&f->dev, &m), 0);
	}
	assert_int_equal(sv_rpc_dev_send_event(&f->dev, &m), -ENOSPC);
	for (__u32 i = 0; i < n; i++) {
		assert_int_equal(sv_rpc_drv_recv_event(&f->drv, &got), 0);
		assert_int_equal(got.op, SV_RPC_OP_SET_IRQ);
		assert_int_equal(got.arg[0], 32 + i);
	}
	assert_int_equal(sv_rpc_drv_recv_event(&f->drv, &got), -EAGAIN);
	sv_rpc_msg_init(&m, SV_RPC_OP_NOP);
	assert_int_equal(sv_rpc_dev_send_event(&f->dev, &m), -EINVAL);
}

static void test_event_before_driver(void **state)
{
	struct fixture *f = *state;
	struct sv_rpc_msg m;

	/* A device with no driver yet cannot send events. */
	assert_int_equal(sv_rpc_iobuf_init(f->buf, SIZE), 0);
	assert_int_equal(sv_rpc_dev_open(&f->dev, f->buf, SIZE), 0);
	sv_rpc_msg_init(&m, SV_RPC_OP_START_VM);
	assert_int_equal(sv_rpc_dev_send_event(&f->dev, &m), -ENOTCONN);
	assert_int_equal(sv_rpc_drv_open(&f->drv, f->buf, SIZE), 0);
	assert_int_equal(sv_rpc_dev_send_event(&f->dev, &m), 0);
	assert_int_equal(sv_rpc_drv_recv_event(&f->drv, &m), 0);
	assert_int_equal(m.op, SV_RPC_OP_START_VM);
}

static void test_device_reset(void **state)
{
	struct fixture *f = *state;
	struct sv_rpc_msg m = mmio(0x2000, 0, SV_RPC_MMIO_READ), req, rep;
	__u32 reason;

	assert_int_equal(sv_rpc_drv_send(&f->drv, 0, &m), 0);
	assert_int_equal(sv_rpc_drv_send(&f->drv, 1, &m), 0);
	assert_int_equal(sv_rpc_dev_recv(&f->dev, &req), 0);
	sv_rpc_dev_reset(&f->dev, SV_RPC_RESET_REQUESTED);
	/* The answer to a request of the old epoch is refused. */
	assert_int_equal(sv_rpc_dev_reply(&f->dev, &req, 0), -ESTALE);
	/* Both outstanding requests fail; the RESET event follows. */
	assert_int_equal(sv_rpc_drv_recv_reply(&f->drv, &rep), 0);
	assert_int_equal(rep.status, -ECONNRESET);
	assert_int_equal(rep.slot, 0);
	assert_int_equal(sv_rpc_drv_recv_reply(&f->drv, &rep), 0);
	assert_int_equal(rep.status, -ECONNRESET);
	assert_int_equal(rep.slot, 1);
	assert_int_equal(sv_rpc_drv_recv_reply(&f->drv, &rep), -EAGAIN);
	assert_int_equal(sv_rpc_drv_recv_event(&f->drv, &m), 0);
	assert_int_equal(m.op, SV_RPC_OP_RESET_EVT);
	assert_int_equal(sv_rpc_decode_reset(&m, &reason), 0);
	assert_int_equal(reason, SV_RPC_RESET_REQUESTED);
	assert_int_equal(f->drv.ep.stats.peer_resets, 2);
	/* And the channel works again. */
	m = mmio(0x3000, 0, SV_RPC_MMIO_READ);
	assert_int_equal(sv_rpc_drv_send(&f->drv, 0, &m), 0);
	dev_answer_one(f);
	assert_int_equal(sv_rpc_drv_recv_reply(&f->drv, &rep), 0);
	assert_int_equal(rep.status, 0);
	assert_int_equal(rep.arg[1], 0x3000 ^ 0x5a5a);
}

/*
 * The device VM died: the supervisor marks the device side gone. What the
 * driver lent fails at once and new requests are refused at once (no
 * timeouts), until a new device side opens.
 */
static void test_device_gone(void **state)
{
	struct fixture *f = *state;
	struct sv_rpc_msg m = mmio(0x2000, 0, SV_RPC_MMIO_READ), rep;
	struct sv_rpc_dev *scratch = calloc(1, sizeof(*scratch));

	assert_non_null(scratch);
	assert_int_equal(sv_rpc_drv_send(&f->drv, 0, &m), 0);
	assert_int_equal(sv_rpc_drv_send(&f->drv, 5, &m), 0);
	assert_int_equal(sv_rpc_dev_mark_gone(scratch, f->buf, SIZE), 0);
	assert_int_equal(sv_rpc_drv_sync(&f->drv), 1);
	assert_int_equal(sv_rpc_drv_recv_reply(&f->drv, &rep), 0);
	assert_int_equal(rep.status, -ECONNRESET);
	assert_int_equal(sv_rpc_drv_recv_reply(&f->drv, &rep), 0);
	assert_int_equal(rep.status, -ECONNRESET);
	assert_int_equal(sv_rpc_drv_recv_reply(&f->drv, &rep), -EAGAIN);
	assert_false(sv_rpc_drv_connected(&f->drv));
	assert_int_equal(sv_rpc_drv_send(&f->drv, 1, &m), -EAGAIN);
	/* A dead device's garbage in the request ring does not survive either. */
	ctl(f, f->drv.ep.lay.req_ctl_off)->cons = 0xdead;
	/* A new device VM's side opens: the link works again. */
	assert_int_equal(sv_rpc_dev_open(&f->dev, f->buf, SIZE), 0);
	assert_int_equal(sv_rpc_dev_sync(&f->dev), 1);
	assert_int_equal(sv_rpc_drv_sync(&f->drv), 1);
	assert_true(sv_rpc_drv_connected(&f->drv));
	m = mmio(0x3000, 0, SV_RPC_MMIO_READ);
	assert_int_equal(sv_rpc_drv_send(&f->drv, 2, &m), 0);
	dev_answer_one(f);
	assert_int_equal(sv_rpc_drv_recv_reply(&f->drv, &rep), 0);
	assert_int_equal(rep.status, 0);
	assert_int_equal(rep.arg[1], 0x3000 ^ 0x5a5a);
	free(scratch);
}

static void test_reset_request(void **state)
{
	struct fixture *f = *state;
	struct sv_rpc_msg m, rep;

	assert_int_equal(sv_rpc_encode_reset(&m, SV_RPC_OP_RESET, SV_RPC_RESET_REQUESTED), 0);
	assert_int_equal(sv_rpc_drv_send(&f->drv, 5, &m), 0);
	assert_int_equal(sv_rpc_dev_recv(&f->dev, &m), 0);
	assert_int_equal(m.op, SV_RPC_OP_RESET);
	sv_rpc_dev_reset(&f->dev, SV_RPC_RESET_REQUESTED);
	assert_int_equal(sv_rpc_drv_recv_reply(&f->drv, &rep), 0);
	assert_int_equal(rep.op, SV_RPC_OP_RESET);
	assert_int_equal(rep.status, -ECONNRESET);
}

static void test_driver_reset(void **state)
{
	struct fixture *f = *state;
	struct sv_rpc_msg m = mmio(0x4000, 0, SV_RPC_MMIO_READ), req, rep;
	struct sv_rpc_msg ev;

	assert_int_equal(sv_rpc_drv_send(&f->drv, 7, &m), 0);
	assert_int_equal(sv_rpc_dev_recv(&f->dev, &req), 0);
	/* An event sent for the old driver epoch is dropped by the new one. */
	sv_rpc_msg_init(&ev, SV_RPC_OP_START_VM);
	assert_int_equal(sv_rpc_dev_send_event(&f->dev, &ev), 0);
	sv_rpc_drv_reset(&f->drv);
	assert_int_equal(sv_rpc_drv_recv_reply(&f->drv, &rep), 0);
	assert_int_equal(rep.slot, 7);
	assert_int_equal(rep.status, -ECONNRESET);
	/* No new request until the device acknowledged the new epoch. */
	assert_false(sv_rpc_drv_connected(&f->drv));
	assert_int_equal(sv_rpc_drv_send(&f->drv, 7, &m), -EAGAIN);
	assert_int_equal(sv_rpc_drv_recv_event(&f->drv, &ev), -EAGAIN);
	assert_int_equal(sv_rpc_dev_sync(&f->dev), 1);
	assert_int_equal(sv_rpc_dev_reply(&f->dev, &req, 0), -ESTALE);
	assert_true(sv_rpc_drv_connected(&f->drv));
	assert_int_equal(sv_rpc_drv_send(&f->drv, 7, &m), 0);
	dev_answer_one(f);
	assert_int_equal(sv_rpc_drv_recv_reply(&f->drv, &rep), 0);
	assert_int_equal(rep.status, 0);
	assert_int_equal(rep.arg[1], 0x4000 ^ 0x5a5a);
}

static void test_driver_restart(void **state)
{
	struct fixture *f = *state;
	struct sv_rpc_msg m = mmio(0x5000, 0, SV_RPC_MMIO_READ), rep;
	__u32 old = f->drv.ep.epoch;

	/* A new process: all private state lost, the iobuf kept. */
	assert_int_equal(sv_rpc_drv_send(&f->drv, 1, &m), 0);
	memset(&f->drv, 0xa5, sizeof(f->drv));
	assert_int_equal(sv_rpc_drv_open(&f->drv, f->buf, SIZE), 0);
	assert_int_equal(f->drv.ep.epoch, old + 1);
	assert_int_equal(sv_rpc_dev_sync(&f->dev), 1);
	assert_int_equal(sv_rpc_drv_sync(&f->drv), 1);
	assert_int_equal(sv_rpc_dev_recv(&f->dev, &rep), -EAGAIN);
	assert_int_equal(sv_rpc_drv_send(&f->drv, 1, &m), 0);
	dev_answer_one(f);
	assert_int_equal(sv_rpc_drv_recv_reply(&f->drv, &rep), 0);
	assert_int_equal(rep.arg[1], 0x5000 ^ 0x5a5a);
}

static void test_stale_reply_ids(void **state)
{
	struct fixture *f = *state;
	struct sv_rpc_msg m = mmio(0x8000, 0, SV_RPC_MMIO_READ), req, rep;

	/* Slot 0 answered, but the device resets before the driver looks. */
	assert_int_equal(sv_rpc_drv_send(&f->drv, 0, &m), 0);
	assert_int_equal(sv_rpc_dev_recv(&f->dev, &req), 0);
	assert_int_equal(sv_rpc_dev_reply(&f->dev, &req, 0), 0);
	sv_rpc_dev_reset(&f->dev, SV_RPC_RESET_RESTART);
	assert_int_equal(sv_rpc_drv_recv_reply(&f->drv, &rep), 0);
	assert_int_equal(rep.status, -ECONNRESET);
	/* Slot 0 lent again: the old reply id must not complete it. */
	m = mmio(0x9000, 0, SV_RPC_MMIO_READ);
	assert_int_equal(sv_rpc_drv_send(&f->drv, 0, &m), 0);
	assert_int_equal(sv_rpc_drv_recv_reply(&f->drv, &rep), -EAGAIN);
	dev_answer_one(f);
	assert_int_equal(sv_rpc_drv_recv_reply(&f->drv, &rep), 0);
	assert_int_equal(rep.status, 0);
	assert_int_equal(rep.arg[1], 0x9000 ^ 0x5a5a);
	assert_int_equal(f->drv.ep.stats.proto_errors, 0);
}

static void test_quarantine(void **state)
{
	struct fixture *f = *state;
	struct sv_rpc_side *dev_side = (struct sv_rpc_side *)(f->buf + f->drv.ep.lay.side_off[1]);
	struct sv_rpc_ring_ctl *req_ctl = ctl(f, f->drv.ep.lay.req_ctl_off);
	struct sv_rpc_msg m = mmio(0xa000, 0, SV_RPC_MMIO_READ), rep;

	assert_int_equal(sv_rpc_drv_send(&f->drv, 0, &m), 0);
	/* A new device epoch, but its id 0 is still queued, unread. */
	dev_side->epoch = f->dev.ep.epoch + 1;
	assert_int_equal(sv_rpc_drv_recv_reply(&f->drv, &rep), 0);
	assert_int_equal(rep.status, -ECONNRESET);
	dev_side->ack = f->drv.ep.epoch;
	assert_int_equal(sv_rpc_drv_slot_alloc(&f->drv), 1);
	assert_int_equal(sv_rpc_drv_send(&f->drv, 0, &m), -EBUSY);
	/* Once the device's consumer index passes the id, 0 is free. */
	req_ctl->cons = req_ctl->cons + 1;
	assert_int_equal(sv_rpc_drv_slot_alloc(&f->drv), 0);
	assert_int_equal(sv_rpc_drv_send(&f->drv, 0, &m), 0);
}

static void test_hostile_device(void **state)
{
	struct fixture *f = *state;
	struct sv_rpc_ring_ctl *rep_ctl = ctl(f, f->drv.ep.lay.rep_ctl_off);
	__u16 *rep_ring = (__u16 *)(f->buf + f->drv.ep.lay.rep_ring_off);
	struct sv_rpc_ring_ctl *evt_ctl = ctl(f, f->drv.ep.lay.evt_ctl_off);
	struct sv_rpc_msg *evt_ring = (struct sv_rpc_msg *)(f->buf + f->drv.ep.lay.evt_ring_off);
	struct sv_rpc_msg m = mmio(0x6000, 0, SV_RPC_MMIO_READ), rep;
	__u32 p;

	assert_int_equal(sv_rpc_drv_send(&f->drv, 4, &m), 0);
	/* Reply ids out of range and for slots never lent. */
	p = rep_ctl->prod;
	rep_ring[p++ & 31] = 0xffff;
	rep_ring[p++ & 31] = 9;
	rep_ctl->prod = p;
	assert_int_equal(sv_rpc_drv_recv_reply(&f->drv, &rep), -EAGAIN);
	assert_int_equal(f->drv.ep.stats.proto_errors, 1);
	assert_int_equal(f->drv.ep.stats.stale, 1);
	/* A reply for the lent slot with a garbage opcode: fails -EPROTO. */
	memset(slot_msg(f, 4), 0xff, sizeof(struct sv_rpc_msg));
	rep_ring[p++ & 31] = 4;
	rep_ctl->prod = p;
	assert_int_equal(sv_rpc_drv_recv_reply(&f->drv, &rep), 0);
	assert_int_equal(rep.slot, 4);
	assert_int_equal(rep.status, -EPROTO);
	assert_int_equal(rep.op, SV_RPC_OP_MMIO);
	/* An impossible producer index: error once, then the ring recovers. */
	rep_ctl->prod = p + 1000;
	assert_int_equal(sv_rpc_drv_recv_reply(&f->drv, &rep), -EPROTO);
	assert_int_equal(sv_rpc_drv_recv_reply(&f->drv, &rep), -EAGAIN);

	/* Events: garbage opcode, wrong stamps, impossible index. */
	p = evt_ctl->prod;
	memset(&evt_ring[p++ & 63], 0xee, sizeof(struct sv_rpc_msg));
	evt_ring[p & 63] = (struct sv_rpc_msg){ .op = SV_RPC_OP_START_VM,
						.drv_epoch = 77,
						.dev_epoch = f->drv.ep.peer_epoch };
	p++;
	evt_ctl->prod = p;
	assert_int_equal(sv_rpc_drv_recv_event(&f->drv, &rep), -EAGAIN);
	evt_ctl->prod = p - 5;
	assert_int_equal(sv_rpc_drv_recv_event(&f->drv, &rep), -EPROTO);
	assert_int_equal(sv_rpc_drv_recv_event(&f->drv, &rep), -EAGAIN);
	/* A hostile device epoch value of 0 is ignored. */
	((struct sv_rpc_side *)(f->buf + f->drv.ep.lay.side_off[1]))->epoch = 0;
	assert_int_equal(sv_rpc_drv_sync(&f->drv), 0);
}

static void test_hostile_driver(void **state)
{
	struct fixture *f = *state;
	struct sv_rpc_ring_ctl *req_ctl = ctl(f, f->dev.ep.lay.req_ctl_off);
	__u16 *req_ring = (__u16 *)(f->buf + f->dev.ep.lay.req_ring_off);
	struct sv_rpc_msg m = mmio(0x7000, 0, SV_RPC_MMIO_READ), got, rep;
	__u32 p;

	/* Slot id out of range, then a slot whose message says another id. */
	p = req_ctl->prod;
	req_ring[p++ & 31] = 500;
	*slot_msg(f, 2) = m;
	slot_msg(f, 2)->slot = 3;
	slot_msg(f, 2)->drv_epoch = f->dev.ep.peer_epoch;
	slot_msg(f, 2)->dev_epoch = f->dev.ep.epoch;
	req_ring[p++ & 31] = 2;
	/* A stale request (wrong epochs): silently dropped. */
	*slot_msg(f, 6) = m;
	slot_msg(f, 6)->slot = 6;
	req_ring[p++ & 31] = 6;
	req_ctl->prod = p;
	assert_int_equal(sv_rpc_dev_recv(&f->dev, &got), -EAGAIN);
	assert_int_equal(f->dev.ep.stats.proto_errors, 2);
	assert_int_equal(f->dev.ep.stats.stale, 1);

	/* An invalid opcode is answered with an error, not returned. */
	slot_msg(f, 2)->slot = 2;
	slot_msg(f, 2)->op = 0x1f;
	req_ring[p++ & 31] = 2;
	req_ctl->prod = p;
	f->drv.busy[0] |= 1u << 2; /* pretend the driver lent it */
	f->drv.ep.op[2] = 0x1f;
	assert_int_equal(sv_rpc_dev_recv(&f->dev, &got), -EAGAIN);
	assert_int_equal(sv_rpc_drv_recv_reply(&f->drv, &rep), 0);
	assert_int_equal(rep.slot, 2);
	assert_int_equal(rep.status, -EOPNOTSUPP); /* the device's answer */

	/* The same slot queued twice while pending. */
	f->drv.ep.req.pos = req_ctl->prod; /* the real driver resumes */
	assert_int_equal(sv_rpc_drv_send(&f->drv, 1, &m), 0);
	p = req_ctl->prod;
	req_ring[p++ & 31] = 1;
	req_ctl->prod = p;
	assert_int_equal(sv_rpc_dev_recv(&f->dev, &got), 0);
	assert_int_equal(sv_rpc_dev_recv(&f->dev, &got), -EAGAIN);
	assert_int_equal(f->dev.ep.stats.proto_errors, 4);

	/* Impossible index: error once, then recovered. */
	req_ctl->prod = p + 77;
	assert_int_equal(sv_rpc_dev_recv(&f->dev, &got), -EPROTO);
	assert_int_equal(sv_rpc_dev_recv(&f->dev, &got), -EAGAIN);
	/* An impossible consumer index for the device's reply ring. */
	ctl(f, f->dev.ep.lay.rep_ctl_off)->cons += 1000;
	m.slot = 1;
	assert_int_equal(sv_rpc_dev_reply(&f->dev, &m, 0), -EPROTO);
}

/*
 * A peer that overwrites everything after the header with noise: every
 * call stays bounded, the noise is counted, and once both sides reset the
 * channel works again (old requests complete with -ECONNRESET first).
 */
static void test_garbage_iobuf(void **state)
{
	struct fixture *f = *state;
	struct sv_rpc_msg m, rep;
	unsigned long drv_errors, dev_resets;
	int slot, completions = 0;

	srand(1);
	for (__u32 i = 64; i < SIZE; i++)
		f->buf[i] = (char)rand();
	for (int i = 0; i < 200; i++) {
		sv_rpc_drv_recv_reply(&f->drv, &m);
		sv_rpc_drv_recv_event(&f->drv, &m);
		sv_rpc_dev_recv(&f->dev, &m);
		sv_rpc_msg_init(&m, SV_RPC_OP_NOP);
		sv_rpc_drv_send(&f->drv, (__u32)i % 32, &m);
		for (__u32 j = 64; j < 640; j += 4)
			f->buf[j + (__u32)rand() % 4] = (char)rand();
	}
	/*
	 * The driver sees impossible ring indices and replies; the device
	 * reads the noise in the driver's side block as new driver epochs,
	 * each of which drops its queue (so it never parses a request).
	 */
	drv_errors = f->drv.ep.stats.proto_errors;
	dev_resets = f->dev.ep.stats.peer_resets;
	assert_true(drv_errors >= 10);
	assert_true(f->drv.ep.stats.stale > 0);
	assert_true(dev_resets > 10);

	/* The noise stops; the device restarts and the driver resets. */
	assert_int_equal(sv_rpc_dev_open(&f->dev, f->buf, SIZE), 0);
	sv_rpc_drv_reset(&f->drv);
	assert_int_equal(sv_rpc_dev_sync(&f->dev), 1);
	assert_int_equal(sv_rpc_drv_sync(&f->drv), 1);
	assert_true(sv_rpc_drv_connected(&f->drv));
	assert_true(sv_rpc_dev_connected(&f->dev));
	while (sv_rpc_drv_recv_reply(&f->drv, &rep) == 0) {
		assert_int_equal(rep.status, -ECONNRESET);
		completions++;
	}
	assert_true(completions <= 32);
	/* A full round of slots works, each answered with its own data. */
	for (__u64 i = 0; i < 40; i++) {
		slot = sv_rpc_drv_slot_alloc(&f->drv);
		assert_true(slot >= 0);
		m = mmio(0x8000 + i * 8, 0, SV_RPC_MMIO_READ);
		assert_int_equal(sv_rpc_drv_send(&f->drv, (__u32)slot, &m), 0);
		dev_answer_one(f);
		assert_int_equal(sv_rpc_drv_recv_reply(&f->drv, &rep), 0);
		assert_int_equal(rep.status, 0);
		assert_int_equal(rep.slot, slot);
		assert_int_equal(rep.arg[1], (0x8000 + i * 8) ^ 0x5a5a);
	}
	/* Nothing new was counted once the peer behaved. */
	assert_int_equal(f->drv.ep.stats.proto_errors, drv_errors);
	assert_int_equal(f->dev.ep.stats.proto_errors, 0);
}

int main(void)
{
#define T(fn) SV_TEST(fn)
	const struct CMUnitTest tests[] = {
		T(test_handshake),	 T(test_request_reply),	 T(test_out_of_order),
		T(test_slot_exhaustion), T(test_events),	 T(test_event_before_driver),
		T(test_device_reset),	 T(test_device_gone),	 T(test_reset_request),
		T(test_driver_reset),	 T(test_driver_restart), T(test_stale_reply_ids),
		T(test_quarantine),	 T(test_hostile_device), T(test_hostile_driver),
		T(test_garbage_iobuf),
	};
#undef T

	sv_log_set_level(SV_LOG_ERROR);
	return cmocka_run_group_tests_name("rpc_chan", tests, NULL, NULL);
}
