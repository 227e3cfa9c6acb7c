/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Encoding, decoding and validation of RPC messages (struct sv_rpc_msg).
 * Kernel-compatible. All functions work on a private copy of a message,
 * never on the shared iobuf, and return 0 or a negative errno:
 *   -EINVAL      a field is out of range or a reserved word is non-zero
 *   -EOPNOTSUPP  unknown opcode
 *   -EPROTO      message kind does not fit (event where request expected...)
 */
#ifndef SPLITVIRT_RPC_MSG_H
#define SPLITVIRT_RPC_MSG_H

#include <splitvirt/rpc.h>

struct sv_rpc_hello {
	__u32 version;
	__u64 features;
};

struct sv_rpc_mmio {
	__u64 addr; /* gpa (SV_RPC_AS_GLOBAL) or config-space offset */
	__u64 data; /* write value, or value read (reply) */
	__u8 size; /* 1, 2, 4 or 8 */
	__u8 dir; /* SV_RPC_MMIO_READ / SV_RPC_MMIO_WRITE */
	__u16 as; /* SV_RPC_AS_GLOBAL or PCI function index */
};

struct sv_rpc_set_irq {
	__u32 irq;
	__u32 level; /* enum sv_rpc_irq_level */
};

struct sv_rpc_msi {
	__u64 addr;
	__u32 data;
	__u32 pcidev; /* sending PCI function (its requester id is the ITS device id) */
};

struct sv_rpc_pci_dev {
	__u32 index; /* < SV_RPC_MAX_PCI_DEVS */
	__u32 flags; /* SV_RPC_PCI_F_* */
};

struct sv_rpc_region {
	__u64 gpa;
	__u64 size;
	__u32 flags; /* SV_RPC_REGION_F_* */
};

struct sv_rpc_ioeventfd {
	__u64 addr;
	__u64 datamatch;
	__u32 len; /* 1, 2, 4 or 8 */
	__u32 flags; /* SV_RPC_IOEVENTFD_F_* */
	__u32 doorbell; /* < SV_RPC_MAX_DOORBELLS */
};

struct sv_rpc_irqfd {
	__u32 event; /* < SV_RPC_MAX_EVENT_IDX */
	__u32 flags; /* SV_RPC_IRQFD_F_* */
	__u64 addr; /* MSI address, or irq line without F_MSI */
	__u32 data; /* MSI data */
	__u32 pcidev; /* PCI function the MSI belongs to (ignored for lines) */
};

/* Is op a request (driver -> device) / an event (device -> driver)? */
int sv_rpc_op_is_request(__u32 op);
int sv_rpc_op_is_event(__u32 op);
/* Short name for logs; "?" for unknown opcodes. */
const char *sv_rpc_op_name(__u32 op);

/*
 * Checks a request as the device receives it, an event as the driver
 * receives it, or a reply for a request of opcode req_op as the driver
 * receives it. Does not check epochs or slot ownership (the channel does).
 */
int sv_rpc_msg_check_request(const struct sv_rpc_msg *m);
int sv_rpc_msg_check_event(const struct sv_rpc_msg *m);
int sv_rpc_msg_check_reply(const struct sv_rpc_msg *m, __u32 req_op);

/*
 * Encoders fill a zeroed message (op, args) from a validated struct; the
 * channel adds slot, epochs and flags. Decoders check and extract.
 */
void sv_rpc_msg_init(struct sv_rpc_msg *m, __u32 op);
int sv_rpc_encode_hello(struct sv_rpc_msg *m, __u32 op, const struct sv_rpc_hello *h);
int sv_rpc_decode_hello(const struct sv_rpc_msg *m, struct sv_rpc_hello *h);
int sv_rpc_encode_mmio(struct sv_rpc_msg *m, const struct sv_rpc_mmio *io);
int sv_rpc_decode_mmio(const struct sv_rpc_msg *m, struct sv_rpc_mmio *io);
int sv_rpc_encode_reset(struct sv_rpc_msg *m, __u32 op, __u32 reason);
int sv_rpc_decode_reset(const struct sv_rpc_msg *m, __u32 *reason);
int sv_rpc_encode_set_irq(struct sv_rpc_msg *m, const struct sv_rpc_set_irq *s);
int sv_rpc_decode_set_irq(const struct sv_rpc_msg *m, struct sv_rpc_set_irq *s);
int sv_rpc_encode_msi(struct sv_rpc_msg *m, const struct sv_rpc_msi *msi);
int sv_rpc_decode_msi(const struct sv_rpc_msg *m, struct sv_rpc_msi *msi);
int sv_rpc_encode_pci_dev(struct sv_rpc_msg *m, const struct sv_rpc_pci_dev *p);
int sv_rpc_decode_pci_dev(const struct sv_rpc_msg *m, struct sv_rpc_pci_dev *p);
int sv_rpc_encode_region(struct sv_rpc_msg *m, const struct sv_rpc_region *r);
int sv_rpc_decode_region(const struct sv_rpc_msg *m, struct sv_rpc_region *r);
int sv_rpc_encode_ioeventfd(struct sv_rpc_msg *m, const struct sv_rpc_ioeventfd *e);
int sv_rpc_decode_ioeventfd(const struct sv_rpc_msg *m, struct sv_rpc_ioeventfd *e);
int sv_rpc_encode_irqfd(struct sv_rpc_msg *m, const struct sv_rpc_irqfd *f);
int sv_rpc_decode_irqfd(const struct sv_rpc_msg *m, struct sv_rpc_irqfd *f);

/*
 * HELLO negotiation: accepts a peer's version/features if the major version
 * matches; *common gets the features both support.
 */
int sv_rpc_hello_negotiate(const struct sv_rpc_hello *peer, __u64 mine, __u64 *common);

/*
 * Turns a received request into its reply: keeps op and slot, sets the
 * REPLY flag and status. For a successful MMIO read, data is the value
 * read; it must fit the access size.
 */
int sv_rpc_msg_make_reply(struct sv_rpc_msg *m, int status);

#endif
