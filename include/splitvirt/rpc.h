/* SPDX-License-Identifier: GPL-2.0 */
/*
 * splitvirt RPC wire format: the layout of the shared "iobuf" between a
 * driver side (the driver VM's vmm) and a device side (splitvirt.ko or the
 * devmodel in the device VM), and the fixed-size messages exchanged in it.
 *
 * This header is shared by the Linux kernel module and userspace, so it
 * uses only <linux/types.h> types and no libc. Both peers are little-endian
 * (arm64, x86_64); fields are stored in native byte order.
 *
 * Trust model: the peer is hostile. It can write any byte of the iobuf at
 * any time. Every field read from the iobuf is read once into a local,
 * validated, and only the local is used (see rpc_ring.h, rpc_msg.h).
 *
 * Channels (all single-producer/single-consumer rings, see docs/rpc-protocol.md):
 *   request ring  driver -> device  slot ids; the message is in slots[id]
 *   reply ring    device -> driver  slot ids; the reply overwrote slots[id]
 *   event ring    device -> driver  whole messages, fire-and-forget
 */
#ifndef SPLITVIRT_RPC_H
#define SPLITVIRT_RPC_H

#include <linux/types.h>

/*
 * Indices shared between the two sides. Only one side ever writes a given
 * field; the other side only reads it. In the kernel they are accessed with
 * smp_load_acquire/smp_store_release, in userspace with C11 atomics
 * (memory_order_acquire/release), through the helpers in lib/rpc.
 */
#ifdef __KERNEL__
typedef __u32 sv_rpc_shared_u32;
#else
typedef _Atomic __u32 sv_rpc_shared_u32;
#endif

#define SV_RPC_MAGIC 0x50525653u /* "SVRP" in memory order */
#define SV_RPC_VERSION_MAJOR 1u
#define SV_RPC_VERSION_MINOR 0u
#define SV_RPC_VERSION ((SV_RPC_VERSION_MAJOR << 16) | SV_RPC_VERSION_MINOR)
#define SV_RPC_VERSION_GET_MAJOR(v) ((__u32)(v) >> 16)

#define SV_RPC_PAGE_SIZE 4096u
#define SV_RPC_MIN_SIZE SV_RPC_PAGE_SIZE
#define SV_RPC_MAX_SIZE (16u * SV_RPC_PAGE_SIZE)
#define SV_RPC_MSG_SIZE 64u
#define SV_RPC_ALIGN 64u /* every region starts on a cache line */
#define SV_RPC_MAX_SLOTS 256u
#define SV_RPC_MAX_EVENTS 1024u

/* Sides, used to index header.side_off[] and name epochs. */
enum sv_rpc_side_id {
	SV_RPC_SIDE_DRIVER = 0,
	SV_RPC_SIDE_DEVICE = 1,
};

/*
 * Offset 0 of the iobuf. Written once by whoever creates the iobuf
 * (sv_rpc_iobuf_init), magic last with release semantics. A peer copies it,
 * checks it (sv_rpc_iobuf_validate) and then only uses its validated copy.
 */
struct sv_rpc_header {
	__u32 magic; /* SV_RPC_MAGIC */
	__u32 version; /* SV_RPC_VERSION of the layout and wire format */
	__u32 size; /* total iobuf bytes: power-of-two number of 4 KiB pages */
	__u32 msg_size; /* SV_RPC_MSG_SIZE */
	__u32 nslots; /* request slots = request/reply ring entries (2^n) */
	__u32 nevents; /* event ring entries (2^n) */
	__u32 side_off[2]; /* struct sv_rpc_side, by enum sv_rpc_side_id */
	__u32 req_ctl_off; /* struct sv_rpc_ring_ctl of the request ring */
	__u32 rep_ctl_off; /* ... of the reply ring */
	__u32 evt_ctl_off; /* ... of the event ring */
	__u32 req_ring_off; /* __u16 slot ids [nslots] */
	__u32 rep_ring_off; /* __u16 slot ids [nslots] */
	__u32 evt_ring_off; /* struct sv_rpc_msg [nevents] */
	__u32 slots_off; /* struct sv_rpc_msg [nslots] */
	__u32 reserved;
};

/*
 * Per-side state, written only by its side.
 * epoch: incremented each time that side (re)starts or resets its protocol
 *        instance; 0 means "never attached".
 * ack:   the peer epoch this side has caught up with: it has dropped all
 *        work belonging to older peer epochs and will never touch slots on
 *        their behalf again.
 * Stored with release, loaded with acquire.
 */
struct sv_rpc_side {
	sv_rpc_shared_u32 epoch;
	sv_rpc_shared_u32 ack;
	__u32 reserved[14];
};

/*
 * Control block of one ring. Free-running 32-bit indices; the entry used is
 * index & (entries - 1). prod is written only by the producer, cons only by
 * the consumer; they sit on separate cache lines. A ring is empty when
 * prod == cons and full when prod - cons == entries; any other distance
 * greater than entries is a protocol error.
 */
struct sv_rpc_ring_ctl {
	sv_rpc_shared_u32 prod;
	__u32 pad0[15];
	sv_rpc_shared_u32 cons;
	__u32 pad1[15];
};

/*
 * One message, 64 bytes. Requests and replies live in slots[slot]; events
 * live in the event ring itself.
 *   op        enum sv_rpc_op
 *   flags     SV_RPC_F_*
 *   slot      request slot id (requests/replies); 0 for events
 *   status    replies: 0 or a negative errno; otherwise 0
 *   drv_epoch driver epoch the message belongs to
 *   dev_epoch device epoch the message belongs to
 *   arg[]     opcode-specific payload; unused words must be 0
 */
struct sv_rpc_msg {
	__u8 op;
	__u8 flags;
	__u16 slot;
	__s32 status;
	__u32 drv_epoch;
	__u32 dev_epoch;
	__u64 arg[6];
};

#define SV_RPC_F_REPLY 0x01u /* set by the device in a reply */
#define SV_RPC_F_ALL SV_RPC_F_REPLY

/*
 * Opcodes. 0x01-0x1f are requests (driver -> device, answered by a reply in
 * the same slot); 0x20-0x3f are events (device -> driver, no reply).
 */
enum sv_rpc_op {
	SV_RPC_OP_INVALID = 0x00,

	/*
	 * Requests.
	 * HELLO:  arg0 driver SV_RPC_VERSION, arg1 driver feature bits.
	 *         reply: arg0 device version, arg1 features both support.
	 * MMIO:   arg0 address (guest-physical, or offset in the config space
	 *         of a PCI function), arg1 data (write: value; reply of a read:
	 *         value read), arg2 SV_RPC_MMIO_INFO(size, dir, as).
	 * RESET:  arg0 enum sv_rpc_reset_reason. Asks the device side to reset
	 *         itself; it never gets a normal reply: it completes, with every
	 *         other outstanding request, with -ECONNRESET when the device's
	 *         new epoch is seen.
	 * NOP:    arg0..arg5 echoed back in the reply (liveness, benchmarks).
	 */
	SV_RPC_OP_HELLO = 0x01,
	SV_RPC_OP_MMIO = 0x02,
	SV_RPC_OP_RESET = 0x03,
	SV_RPC_OP_NOP = 0x04,

	/*
	 * Events.
	 * HELLO_EVT:       arg0 device version, arg1 device features. Sent by
	 *                  the device at the start of each device epoch.
	 * SET_IRQ:         arg0 irq line, arg1 enum sv_rpc_irq_level.
	 * MSI:             arg0 doorbell address, arg1 data (32 bits), arg2 PCI
 *                  function index it comes from (an ITS needs the
 *                  requester id as device id).
	 * REGISTER_PCI_DEV: arg0 PCI function index, arg1 SV_RPC_PCI_F_*.
	 * MMIO_REGION:     arg0 gpa, arg1 size (> 0, no wrap),
	 *                  arg2 SV_RPC_REGION_F_*: forward accesses in
	 *                  [gpa, gpa+size) as MMIO requests (or stop doing so).
	 * START_VM:        no arguments: all registrations are done.
	 * IOEVENTFD:       arg0 notify gpa, arg1 datamatch,
	 *                  arg2 SV_RPC_IOEVENTFD_INFO(len, flags),
	 *                  arg3 doorbell index: guest writes of len bytes at
	 *                  gpa (equal to datamatch if DATAMATCH) ring doorbell
	 *                  index arg3 of the device side directly.
	 * IRQFD:           arg0 event index, arg1 MSI address or irq line,
	 *                  arg2 MSI data (MSI) or 0, arg3 SV_RPC_IRQFD_F_*:
	 *                  a signal on event index arg0 injects that interrupt.
	 * RESET_EVT:       arg0 enum sv_rpc_reset_reason. First event of a new
	 *                  device epoch after a reset (informational; the epoch
	 *                  in the side state is authoritative).
	 */
	SV_RPC_OP_HELLO_EVT = 0x20,
	SV_RPC_OP_SET_IRQ = 0x21,
	SV_RPC_OP_MSI = 0x22,
	SV_RPC_OP_REGISTER_PCI_DEV = 0x23,
	SV_RPC_OP_MMIO_REGION = 0x24,
	SV_RPC_OP_START_VM = 0x25,
	SV_RPC_OP_IOEVENTFD = 0x26,
	SV_RPC_OP_IRQFD = 0x27,
	SV_RPC_OP_RESET_EVT = 0x28,
};

#define SV_RPC_OP_FIRST_EVENT 0x20u

/* MMIO arg2: size in bits 0-7, direction in bits 8-15, address space 16-31. */
#define SV_RPC_MMIO_READ 0u
#define SV_RPC_MMIO_WRITE 1u
#define SV_RPC_AS_GLOBAL 0xffffu /* guest-physical address space */
#define SV_RPC_MAX_PCI_DEVS 256u /* AS 0..255: config space of PCI function */
#define SV_RPC_PCI_CFG_SIZE 4096u
#define SV_RPC_MMIO_INFO(size, dir, as) ((__u64)(size) | ((__u64)(dir) << 8) | ((__u64)(as) << 16))

enum sv_rpc_irq_level {
	SV_RPC_IRQ_CLEAR = 0,
	SV_RPC_IRQ_SET = 1,
	SV_RPC_IRQ_PULSE = 2,
};
#define SV_RPC_MAX_IRQ 1024u /* GIC INTIDs */

#define SV_RPC_PCI_F_REMOVE 0x1u /* hot-unplug instead of hot-add */
#define SV_RPC_REGION_F_REMOVE 0x1u

/* IOEVENTFD arg2: len in bits 0-7, flags in bits 8-15. */
#define SV_RPC_IOEVENTFD_F_DATAMATCH 0x1u
#define SV_RPC_IOEVENTFD_F_REMOVE 0x2u
#define SV_RPC_IOEVENTFD_INFO(len, flags) ((__u64)(len) | ((__u64)(flags) << 8))
#define SV_RPC_MAX_DOORBELLS 1024u

#define SV_RPC_IRQFD_F_MSI 0x1u /* arg1/arg2 are MSI address/data, else line */
#define SV_RPC_IRQFD_F_REMOVE 0x2u
#define SV_RPC_MAX_EVENT_IDX 1024u

enum sv_rpc_reset_reason {
	SV_RPC_RESET_RESTART = 0, /* the sender restarted */
	SV_RPC_RESET_REQUESTED = 1, /* the peer asked for it */
	SV_RPC_RESET_PROTOCOL = 2, /* the sender saw a protocol violation */
	SV_RPC_RESET_MAX = SV_RPC_RESET_PROTOCOL,
};

/* Feature bits negotiated by HELLO. None defined in version 1.0. */
#define SV_RPC_FEATURES_KNOWN 0ull

#endif
