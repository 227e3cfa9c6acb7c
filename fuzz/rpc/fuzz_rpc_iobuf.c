// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: both RPC endpoints working on an iobuf that a hostile
 * peer keeps scribbling on. The input is a script: each step either patches
 * bytes anywhere in the shared iobuf (indices, slot ids, messages, epochs,
 * the header) or runs one endpoint operation. Every operation must return
 * an error or a valid result; none may crash or touch memory outside the
 * iobuf, and no endpoint's private layout may change.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <splitvirt/log.h>
#include <splitvirt/rpc_chan.h>

#define SIZE (2 * SV_RPC_PAGE_SIZE)

struct input {
	const uint8_t *p;
	size_t left;
};

static unsigned int next(struct input *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

static void patch(struct input *in, uint8_t *buf)
{
	unsigned int off = (next(in) | next(in) << 8) % SIZE;
	unsigned int len = next(in) % 64;

	if (len > in->left)
		len = (unsigned int)in->left;
	if (len > SIZE - off)
		len = SIZE - off;
	memcpy(buf + off, in->p, len);
	in->p += len;
	in->left -= len;
}

static void check_reply(const struct sv_rpc_drv *d, const struct sv_rpc_msg *m)
{
	if (m->slot >= d->ep.lay.nslots || !(m->flags & SV_RPC_F_REPLY))
		__builtin_trap();
	if (m->status == 0 && sv_rpc_msg_check_reply(m, m->op))
		__builtin_trap();
}

static void drv_send(struct sv_rpc_drv *d, unsigned int slot)
{
	struct sv_rpc_mmio io = {
		.addr = 0x1000 + slot, .size = 4, .dir = SV_RPC_MMIO_READ, .as = SV_RPC_AS_GLOBAL
	};
	struct sv_rpc_msg m;

	sv_rpc_encode_mmio(&m, &io);
	sv_rpc_drv_send(d, slot % 40, &m); /* some slots out of range */
}

static void dev_serve(struct sv_rpc_dev *v, unsigned int how)
{
	struct sv_rpc_msg m;

	if (sv_rpc_dev_recv(v, &m))
		return;
	if (m.slot >= v->ep.lay.nslots || sv_rpc_msg_check_request(&m))
		__builtin_trap();
	if (m.op == SV_RPC_OP_MMIO)
		m.arg[1] = how & 1 ? 0x1234 : 0;
	sv_rpc_dev_reply(v, &m, how & 2 ? -5 : 0);
}

static void dev_event(struct sv_rpc_dev *v, unsigned int irq)
{
	struct sv_rpc_set_irq s = { .irq = irq, .level = SV_RPC_IRQ_PULSE };
	struct sv_rpc_msg m;

	sv_rpc_encode_set_irq(&m, &s);
	sv_rpc_dev_send_event(v, &m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sv_rpc_drv d;
	static struct sv_rpc_dev v;
	struct input in = { data, size };
	struct sv_rpc_layout lay, dlay, vlay;
	struct sv_rpc_msg m;
	uint8_t *buf = aligned_alloc(SV_RPC_PAGE_SIZE, SIZE);
	int steps = 0;

	sv_log_set_level(SV_LOG_ERROR);
	if (!buf || sv_rpc_iobuf_init(buf, SIZE) || sv_rpc_drv_open(&d, buf, SIZE) ||
	    sv_rpc_dev_open(&v, buf, SIZE))
		__builtin_trap();
	sv_rpc_dev_sync(&v);
	sv_rpc_drv_sync(&d);
	dlay = d.ep.lay;
	vlay = v.ep.lay;

	while (in.left && steps++ < 512) {
		unsigned int op = next(&in);
		unsigned int arg = next(&in);

		switch (op % 10) {
		case 0:
		case 1:
			patch(&in, buf);
			break;
		case 2:
			if (!sv_rpc_drv_recv_reply(&d, &m))
				check_reply(&d, &m);
			break;
		case 3:
			if (!sv_rpc_drv_recv_event(&d, &m) && sv_rpc_msg_check_event(&m))
				__builtin_trap();
			break;
		case 4:
			dev_serve(&v, arg);
			break;
		case 5:
			drv_send(&d, arg);
			break;
		case 6:
			dev_event(&v, arg * 5);
			break;
		case 7:
			if (arg & 1)
				sv_rpc_drv_reset(&d);
			else
				sv_rpc_dev_reset(&v, arg >> 1);
			break;
		case 8:
			sv_rpc_drv_sync(&d);
			sv_rpc_dev_sync(&v);
			(void)sv_rpc_drv_slot_alloc(&d);
			(void)sv_rpc_dev_connected(&v);
			break;
		default:
			/* The header may be garbage by now: validate only. */
			sv_rpc_iobuf_validate(buf, SIZE, &lay);
			break;
		}
		if (memcmp(&dlay, &d.ep.lay, sizeof(dlay)) ||
		    memcmp(&vlay, &v.ep.lay, sizeof(vlay)))
			__builtin_trap();
		for (unsigned int i = 0; i < SV_RPC_SLOT_WORDS; i++)
			if (d.busy[i] & d.failed[i])
				__builtin_trap();
	}
	free(buf);
	return 0;
}
