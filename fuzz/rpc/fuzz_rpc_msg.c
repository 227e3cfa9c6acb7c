// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: RPC message validation and decoding. The input is one
 * message as a hostile peer could write it (padded to 64 bytes), plus one
 * byte naming the request opcode a reply is checked against. Whatever
 * decodes must encode back to the same message.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <splitvirt/rpc_msg.h>

/* Re-encodes a decoded message and checks the round trip. */
static void roundtrip(const struct sv_rpc_msg *in, int (*encode)(struct sv_rpc_msg *))
{
	struct sv_rpc_msg out;

	if (encode(&out))
		__builtin_trap(); /* decoded fields must be encodable */
	if (memcmp(in->arg, out.arg, sizeof(in->arg)) || in->op != out.op)
		__builtin_trap();
}

static struct sv_rpc_msg cur;
static union {
	struct sv_rpc_hello h;
	struct sv_rpc_mmio io;
	struct sv_rpc_set_irq irq;
	struct sv_rpc_msi msi;
	struct sv_rpc_pci_dev pd;
	struct sv_rpc_region rg;
	struct sv_rpc_ioeventfd ev;
	struct sv_rpc_irqfd fd;
	__u32 reason;
} d;

static int enc_hello(struct sv_rpc_msg *m)
{
	return sv_rpc_encode_hello(m, cur.op, &d.h);
}

static int enc_mmio(struct sv_rpc_msg *m)
{
	return sv_rpc_encode_mmio(m, &d.io);
}

static int enc_irq(struct sv_rpc_msg *m)
{
	return sv_rpc_encode_set_irq(m, &d.irq);
}

static int enc_msi(struct sv_rpc_msg *m)
{
	return sv_rpc_encode_msi(m, &d.msi);
}

static int enc_pci(struct sv_rpc_msg *m)
{
	return sv_rpc_encode_pci_dev(m, &d.pd);
}

static int enc_region(struct sv_rpc_msg *m)
{
	return sv_rpc_encode_region(m, &d.rg);
}

static int enc_ioeventfd(struct sv_rpc_msg *m)
{
	return sv_rpc_encode_ioeventfd(m, &d.ev);
}

static int enc_irqfd(struct sv_rpc_msg *m)
{
	return sv_rpc_encode_irqfd(m, &d.fd);
}

static int enc_reset(struct sv_rpc_msg *m)
{
	return sv_rpc_encode_reset(m, cur.op, d.reason);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sv_rpc_msg reply;
	__u32 req_op = size > sizeof(cur) ? data[sizeof(cur)] : SV_RPC_OP_MMIO;
	int ret;

	memset(&cur, 0, sizeof(cur));
	memcpy(&cur, data, size < sizeof(cur) ? size : sizeof(cur));

	ret = sv_rpc_msg_check_request(&cur);
	if (!ret && !sv_rpc_op_is_request(cur.op))
		__builtin_trap();
	ret = sv_rpc_msg_check_event(&cur);
	if (!ret && !sv_rpc_op_is_event(cur.op))
		__builtin_trap();
	sv_rpc_msg_check_reply(&cur, req_op);
	(void)sv_rpc_op_name(cur.op);

	if (!sv_rpc_msg_check_request(&cur) && !(cur.flags & SV_RPC_F_REPLY)) {
		reply = cur;
		ret = sv_rpc_msg_make_reply(&reply, 0);
		/* A valid request turned into a reply stays valid, except
		 * RESET, which has no normal reply. */
		if (!ret && cur.op != SV_RPC_OP_RESET && sv_rpc_msg_check_reply(&reply, cur.op))
			__builtin_trap();
	}

	if (!sv_rpc_decode_hello(&cur, &d.h))
		roundtrip(&cur, enc_hello);
	if (!sv_rpc_decode_mmio(&cur, &d.io) && !(cur.flags & SV_RPC_F_REPLY))
		roundtrip(&cur, enc_mmio);
	if (!sv_rpc_decode_set_irq(&cur, &d.irq))
		roundtrip(&cur, enc_irq);
	if (!sv_rpc_decode_msi(&cur, &d.msi))
		roundtrip(&cur, enc_msi);
	if (!sv_rpc_decode_pci_dev(&cur, &d.pd))
		roundtrip(&cur, enc_pci);
	if (!sv_rpc_decode_region(&cur, &d.rg))
		roundtrip(&cur, enc_region);
	if (!sv_rpc_decode_ioeventfd(&cur, &d.ev))
		roundtrip(&cur, enc_ioeventfd);
	if (!sv_rpc_decode_irqfd(&cur, &d.fd))
		roundtrip(&cur, enc_irqfd);
	if (!sv_rpc_decode_reset(&cur, &d.reason))
		roundtrip(&cur, enc_reset);
	return 0;
}
