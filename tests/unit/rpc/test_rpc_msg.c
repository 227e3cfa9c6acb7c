// SPDX-License-Identifier: GPL-2.0
/* Message encode/decode round trips and rejection of bad fields. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <splitvirt/rpc_msg.h>

static void test_mmio_roundtrip(void **state)
{
	struct sv_rpc_mmio in = { .addr = 0x10001000,
				  .data = 0xbeef,
				  .size = 2,
				  .dir = SV_RPC_MMIO_WRITE,
				  .as = SV_RPC_AS_GLOBAL };
	struct sv_rpc_mmio out;
	struct sv_rpc_msg m;

	(void)state;
	assert_int_equal(sv_rpc_encode_mmio(&m, &in), 0);
	assert_int_equal(m.op, SV_RPC_OP_MMIO);
	assert_int_equal(sv_rpc_msg_check_request(&m), 0);
	assert_int_equal(sv_rpc_decode_mmio(&m, &out), 0);
	/* Field by field: the structs have padding that need not match. */
	assert_int_equal(out.addr, in.addr);
	assert_int_equal(out.data, in.data);
	assert_int_equal(out.size, in.size);
	assert_int_equal(out.dir, in.dir);
	assert_int_equal(out.as, in.as);

	/* Config-space read of PCI function 3, and its reply. */
	in = (struct sv_rpc_mmio){ .addr = 0x10, .size = 4, .dir = SV_RPC_MMIO_READ, .as = 3 };
	assert_int_equal(sv_rpc_encode_mmio(&m, &in), 0);
	m.arg[1] = 0x12345678;
	assert_int_equal(sv_rpc_msg_check_request(&m), -EINVAL); /* read+data */
	assert_int_equal(sv_rpc_msg_make_reply(&m, 0), 0);
	assert_int_equal(sv_rpc_msg_check_reply(&m, SV_RPC_OP_MMIO), 0);
	assert_int_equal(sv_rpc_decode_mmio(&m, &out), 0);
	assert_int_equal(out.data, 0x12345678);
	m.arg[1] = 0x1ffffffffull; /* does not fit 4 bytes */
	assert_int_equal(sv_rpc_msg_check_reply(&m, SV_RPC_OP_MMIO), -EINVAL);
	m.flags &= (__u8)~SV_RPC_F_REPLY;
	assert_int_equal(sv_rpc_msg_make_reply(&m, 0), -EINVAL);
}

static void test_mmio_rejects(void **state)
{
	const struct sv_rpc_mmio bad[] = {
		{ .addr = 0, .size = 3, .dir = 0, .as = SV_RPC_AS_GLOBAL },
		{ .addr = 0, .size = 4, .dir = 2, .as = SV_RPC_AS_GLOBAL },
		{ .addr = 0, .size = 1, .dir = 1, .data = 0x100, .as = SV_RPC_AS_GLOBAL },
		{ .addr = ~0ull - 2, .size = 8, .dir = 0, .as = SV_RPC_AS_GLOBAL },
		{ .addr = 0x1000, .size = 4, .dir = 0, .as = 0 },
		{ .addr = 0x2, .size = 4, .dir = 0, .as = 0 },
		{ .addr = 0, .size = 4, .dir = 0, .as = SV_RPC_MAX_PCI_DEVS },
	};
	struct sv_rpc_msg m;

	(void)state;
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(sv_rpc_encode_mmio(&m, &bad[i]), -EINVAL);
	/* Raw messages: junk in the info word or in unused words. */
	assert_int_equal(
		sv_rpc_encode_mmio(&m, &(struct sv_rpc_mmio){ .size = 4, .as = SV_RPC_AS_GLOBAL }),
		0);
	m.arg[2] |= 1ull << 40;
	assert_int_equal(sv_rpc_msg_check_request(&m), -EINVAL);
	m.arg[2] &= ~(1ull << 40);
	m.arg[5] = 1;
	assert_int_equal(sv_rpc_msg_check_request(&m), -EINVAL);
}

static void test_events_roundtrip(void **state)
{
	struct sv_rpc_msg m;
	struct sv_rpc_set_irq irq = { .irq = 40, .level = SV_RPC_IRQ_PULSE };
	struct sv_rpc_msi msi = { .addr = 0x8020040, .data = 77, .pcidev = 3 };
	struct sv_rpc_pci_dev pd = { .index = 2, .flags = SV_RPC_PCI_F_REMOVE };
	struct sv_rpc_region rg = { .gpa = 0x10000000, .size = 0x1000 };
	struct sv_rpc_ioeventfd ev = { .addr = 0x10003000,
				       .datamatch = 1,
				       .len = 2,
				       .flags = SV_RPC_IOEVENTFD_F_DATAMATCH,
				       .doorbell = 5 };
	struct sv_rpc_irqfd fd = {
		.event = 3, .flags = SV_RPC_IRQFD_F_MSI, .addr = 0x8020040, .data = 64, .pcidev = 5
	};
	union {
		struct sv_rpc_set_irq irq;
		struct sv_rpc_msi msi;
		struct sv_rpc_pci_dev pd;
		struct sv_rpc_region rg;
		struct sv_rpc_ioeventfd ev;
		struct sv_rpc_irqfd fd;
	} o;
	__u32 reason;

	(void)state;
	assert_int_equal(sv_rpc_encode_set_irq(&m, &irq), 0);
	assert_int_equal(sv_rpc_msg_check_event(&m), 0);
	assert_int_equal(sv_rpc_decode_set_irq(&m, &o.irq), 0);
	assert_memory_equal(&o.irq, &irq, sizeof(irq));
	assert_int_equal(sv_rpc_encode_msi(&m, &msi), 0);
	assert_int_equal(sv_rpc_decode_msi(&m, &o.msi), 0);
	assert_int_equal(o.msi.data, 77);
	assert_int_equal(o.msi.pcidev, 3);
	m.arg[2] = SV_RPC_MAX_PCI_DEVS;
	assert_int_equal(sv_rpc_decode_msi(&m, &o.msi), -EINVAL);
	assert_int_equal(sv_rpc_encode_pci_dev(&m, &pd), 0);
	assert_int_equal(sv_rpc_decode_pci_dev(&m, &o.pd), 0);
	assert_memory_equal(&o.pd, &pd, sizeof(pd));
	assert_int_equal(sv_rpc_encode_region(&m, &rg), 0);
	assert_int_equal(sv_rpc_decode_region(&m, &o.rg), 0);
	assert_int_equal(o.rg.size, 0x1000);
	assert_int_equal(sv_rpc_encode_ioeventfd(&m, &ev), 0);
	assert_int_equal(sv_rpc_msg_check_event(&m), 0);
	assert_int_equal(sv_rpc_decode_ioeventfd(&m, &o.ev), 0);
	assert_int_equal(o.ev.addr, ev.addr);
	assert_int_equal(o.ev.datamatch, ev.datamatch);
	assert_int_equal(o.ev.len, ev.len);
	assert_int_equal(o.ev.flags, ev.flags);
	assert_int_equal(o.ev.doorbell, ev.doorbell);
	assert_int_equal(sv_rpc_encode_irqfd(&m, &fd), 0);
	assert_int_equal(sv_rpc_decode_irqfd(&m, &o.fd), 0);
	assert_int_equal(o.fd.data, 64);
	assert_int_equal(o.fd.pcidev, 5);
	m.arg[4] = SV_RPC_MAX_PCI_DEVS;
	assert_int_equal(sv_rpc_decode_irqfd(&m, &o.fd), -EINVAL);
	assert_int_equal(sv_rpc_encode_reset(&m, SV_RPC_OP_RESET_EVT, SV_RPC_RESET_PROTOCOL), 0);
	assert_int_equal(sv_rpc_msg_check_event(&m), 0);
	assert_int_equal(sv_rpc_decode_reset(&m, &reason), 0);
	assert_int_equal(reason, SV_RPC_RESET_PROTOCOL);
	sv_rpc_msg_init(&m, SV_RPC_OP_START_VM);
	assert_int_equal(sv_rpc_msg_check_event(&m), 0);
	m.arg[0] = 1;
	assert_int_equal(sv_rpc_msg_check_event(&m), -EINVAL);
}

static void test_event_rejects(void **state)
{
	struct sv_rpc_msg m;

	(void)state;
	assert_int_equal(
		sv_rpc_encode_set_irq(&m, &(struct sv_rpc_set_irq){ .irq = SV_RPC_MAX_IRQ }),
		-EINVAL);
	assert_int_equal(sv_rpc_encode_set_irq(&m, &(struct sv_rpc_set_irq){ .level = 3 }),
			 -EINVAL);
	assert_int_equal(
		sv_rpc_encode_region(&m, &(struct sv_rpc_region){ .gpa = ~0ull, .size = 2 }),
		-EINVAL);
	assert_int_equal(sv_rpc_encode_region(&m, &(struct sv_rpc_region){ .gpa = 0, .size = 0 }),
			 -EINVAL);
	assert_int_equal(
		sv_rpc_encode_ioeventfd(&m, &(struct sv_rpc_ioeventfd){ .len = 4, .datamatch = 1 }),
		-EINVAL); /* datamatch without the flag */
	assert_int_equal(
		sv_rpc_encode_ioeventfd(
			&m,
			&(struct sv_rpc_ioeventfd){ .len = 4, .doorbell = SV_RPC_MAX_DOORBELLS }),
		-EINVAL);
	assert_int_equal(sv_rpc_encode_irqfd(&m, &(struct sv_rpc_irqfd){ .addr = SV_RPC_MAX_IRQ }),
			 -EINVAL); /* line out of range */
	assert_int_equal(sv_rpc_encode_pci_dev(&m, &(struct sv_rpc_pci_dev){ .flags = 0x80 }),
			 -EINVAL);
	/* Wrong kinds. */
	sv_rpc_msg_init(&m, SV_RPC_OP_MMIO);
	assert_int_equal(sv_rpc_msg_check_event(&m), -EPROTO);
	sv_rpc_msg_init(&m, SV_RPC_OP_SET_IRQ);
	assert_int_equal(sv_rpc_msg_check_request(&m), -EPROTO);
	sv_rpc_msg_init(&m, 0x3f);
	assert_int_equal(sv_rpc_msg_check_event(&m), -EOPNOTSUPP);
	assert_int_equal(sv_rpc_msg_check_request(&m), -EOPNOTSUPP);
	sv_rpc_msg_init(&m, SV_RPC_OP_START_VM);
	m.slot = 1;
	assert_int_equal(sv_rpc_msg_check_event(&m), -EINVAL);
	m.slot = 0;
	m.flags = 0x80;
	assert_int_equal(sv_rpc_msg_check_event(&m), -EINVAL);
}

static void test_hello_and_replies(void **state)
{
	struct sv_rpc_hello h = { .version = SV_RPC_VERSION, .features = 0x5 };
	struct sv_rpc_msg m;
	__u64 common;

	(void)state;
	assert_int_equal(sv_rpc_encode_hello(&m, SV_RPC_OP_HELLO, &h), 0);
	assert_int_equal(sv_rpc_msg_check_request(&m), 0);
	assert_int_equal(sv_rpc_hello_negotiate(&h, 0x6, &common), 0);
	assert_int_equal(common, 0x4);
	h.version = (SV_RPC_VERSION_MAJOR + 1) << 16;
	assert_int_equal(sv_rpc_hello_negotiate(&h, 0x6, &common), -EPROTONOSUPPORT);
	/* Replies: wrong op, no flag, bad status, RESET has no normal reply. */
	assert_int_equal(sv_rpc_msg_make_reply(&m, 0), 0);
	assert_int_equal(sv_rpc_msg_check_reply(&m, SV_RPC_OP_HELLO), 0);
	assert_int_equal(sv_rpc_msg_check_reply(&m, SV_RPC_OP_NOP), -EPROTO);
	m.status = 5;
	assert_int_equal(sv_rpc_msg_check_reply(&m, SV_RPC_OP_HELLO), -EINVAL);
	m.status = -EIO;
	assert_int_equal(sv_rpc_msg_check_reply(&m, SV_RPC_OP_HELLO), 0);
	assert_int_equal(sv_rpc_msg_make_reply(&m, 1), -EINVAL);
	assert_int_equal(sv_rpc_encode_reset(&m, SV_RPC_OP_RESET, 0), 0);
	assert_int_equal(sv_rpc_msg_check_request(&m), 0);
	assert_int_equal(sv_rpc_msg_make_reply(&m, 0), 0);
	assert_int_equal(sv_rpc_msg_check_reply(&m, SV_RPC_OP_RESET), -EPROTO);
	assert_int_equal(sv_rpc_encode_reset(&m, SV_RPC_OP_RESET, 9), -EINVAL);
	assert_string_equal(sv_rpc_op_name(SV_RPC_OP_IRQFD), "IRQFD");
	assert_string_equal(sv_rpc_op_name(0xee), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mmio_roundtrip),	  cmocka_unit_test(test_mmio_rejects),
		cmocka_unit_test(test_events_roundtrip),  cmocka_unit_test(test_event_rejects),
		cmocka_unit_test(test_hello_and_replies),
	};

	return cmocka_run_group_tests_name("rpc_msg", tests, NULL, NULL);
}
