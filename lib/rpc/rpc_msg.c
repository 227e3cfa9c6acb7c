// SPDX-License-Identifier: GPL-2.0
/*
 * RPC message encoding, decoding and validation. Kernel-compatible: no libc
 * beyond what rpc_compat.h maps. Every decoder rejects out-of-range fields and
 * non-zero unused words, so a later protocol minor version can give them a
 * meaning behind a HELLO feature bit.
 */
#include <splitvirt/rpc_msg.h>

#include "rpc_compat.h"

#define MASK_BITS(n) ((n) >= 64 ? ~0ull : ((1ull << (n)) - 1))

static int access_size_ok(__u64 size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

/* Does value fit in an access of size bytes (1, 2, 4, 8)? */
static int fits_size(__u64 value, __u64 size)
{
	return (value & ~MASK_BITS(size * 8)) == 0;
}

/* Are arg[first..5] all zero? */
static int unused_zero(const struct sv_rpc_msg *m, unsigned int first)
{
	for (unsigned int i = first; i < 6; i++)
		if (m->arg[i])
			return 0;
	return 1;
}

int sv_rpc_op_is_request(__u32 op)
{
	return op >= SV_RPC_OP_HELLO && op <= SV_RPC_OP_NOP;
}

int sv_rpc_op_is_event(__u32 op)
{
	return op >= SV_RPC_OP_HELLO_EVT && op <= SV_RPC_OP_RESET_EVT;
}

const char *sv_rpc_op_name(__u32 op)
{
	switch (op) {
	case SV_RPC_OP_HELLO:
		return "HELLO";
	case SV_RPC_OP_MMIO:
		return "MMIO";
	case SV_RPC_OP_RESET:
		return "RESET";
	case SV_RPC_OP_NOP:
		return "NOP";
	case SV_RPC_OP_HELLO_EVT:
		return "HELLO_EVT";
	case SV_RPC_OP_SET_IRQ:
		return "SET_IRQ";
	case SV_RPC_OP_MSI:
		return "MSI";
	case SV_RPC_OP_REGISTER_PCI_DEV:
		return "REGISTER_PCI_DEV";
	case SV_RPC_OP_MMIO_REGION:
		return "MMIO_REGION";
	case SV_RPC_OP_START_VM:
		return "START_VM";
	case SV_RPC_OP_IOEVENTFD:
		return "IOEVENTFD";
	case SV_RPC_OP_IRQFD:
		return "IRQFD";
	case SV_RPC_OP_RESET_EVT:
		return "RESET_EVT";
	default:
		return "?";
	}
}

void sv_rpc_msg_init(struct sv_rpc_msg *m, __u32 op)
{
	memset(m, 0, sizeof(*m));
	m->op = (__u8)op;
}

int sv_rpc_encode_hello(struct sv_rpc_msg *m, __u32 op, const struct sv_rpc_hello *h)
{
	if (op != SV_RPC_OP_HELLO && op != SV_RPC_OP_HELLO_EVT)
		return -EINVAL;
	sv_rpc_msg_init(m, op);
	m->arg[0] = h->version;
	m->arg[1] = h->features;
	return 0;
}

int sv_rpc_decode_hello(const struct sv_rpc_msg *m, struct sv_rpc_hello *h)
{
	if (m->op != SV_RPC_OP_HELLO && m->op != SV_RPC_OP_HELLO_EVT)
		return -EPROTO;
	if (m->arg[0] > 0xffffffffull || !unused_zero(m, 2))
		return -EINVAL;
	h->version = (__u32)m->arg[0];
	h->features = m->arg[1];
	return 0;
}

int sv_rpc_hello_negotiate(const struct sv_rpc_hello *peer, __u64 mine, __u64 *common)
{
	if (SV_RPC_VERSION_GET_MAJOR(peer->version) != SV_RPC_VERSION_MAJOR)
		return -EPROTONOSUPPORT;
	*common = peer->features & mine;
	return 0;
}

static int mmio_check(const struct sv_rpc_mmio *io)
{
	if (!access_size_ok(io->size))
		return -EINVAL;
	if (io->dir != SV_RPC_MMIO_READ && io->dir != SV_RPC_MMIO_WRITE)
		return -EINVAL;
	if (io->dir == SV_RPC_MMIO_WRITE && !fits_size(io->data, io->size))
		return -EINVAL;
	if (io->dir == SV_RPC_MMIO_READ && io->data)
		return -EINVAL;
	if (io->as == SV_RPC_AS_GLOBAL) {
		if (io->addr + io->size - 1 < io->addr)
			return -EINVAL; /* wraps around the address space */
		return 0;
	}
	if (io->as >= SV_RPC_MAX_PCI_DEVS)
		return -EINVAL;
	/* Config space: naturally aligned, inside the 4 KiB extended space. */
	if (io->addr >= SV_RPC_PCI_CFG_SIZE || (io->addr & (io->size - 1)))
		return -EINVAL;
	return 0;
}

int sv_rpc_encode_mmio(struct sv_rpc_msg *m, const struct sv_rpc_mmio *io)
{
	int ret = mmio_check(io);

	if (ret)
		return ret;
	sv_rpc_msg_init(m, SV_RPC_OP_MMIO);
	m->arg[0] = io->addr;
	m->arg[1] = io->data;
	m->arg[2] = SV_RPC_MMIO_INFO(io->size, io->dir, io->as);
	return 0;
}

/* Splits arg2; rejects bits above the address-space field. */
static int mmio_unpack(const struct sv_rpc_msg *m, struct sv_rpc_mmio *io)
{
	__u64 info = m->arg[2];

	if (m->op != SV_RPC_OP_MMIO)
		return -EPROTO;
	if ((info >> 32) || !unused_zero(m, 3))
		return -EINVAL;
	io->addr = m->arg[0];
	io->data = m->arg[1];
	io->size = (__u8)(info & 0xff);
	io->dir = (__u8)((info >> 8) & 0xff);
	io->as = (__u16)(info >> 16);
	return 0;
}

int sv_rpc_decode_mmio(const struct sv_rpc_msg *m, struct sv_rpc_mmio *io)
{
	struct sv_rpc_mmio tmp;
	int ret = mmio_unpack(m, &tmp);

	if (ret)
		return ret;
	/* A reply to a read carries the value read, which check rejects. */
	if (m->flags & SV_RPC_F_REPLY) {
		__u64 data = tmp.data;

		tmp.data = tmp.dir == SV_RPC_MMIO_READ ? 0 : data;
		ret = mmio_check(&tmp);
		if (!ret && !fits_size(data, tmp.size))
			ret = -EINVAL;
		tmp.data = data;
	} else {
		ret = mmio_check(&tmp);
	}
	if (ret)
		return ret;
	*io = tmp;
	return 0;
}

int sv_rpc_encode_reset(struct sv_rpc_msg *m, __u32 op, __u32 reason)
{
	if (op != SV_RPC_OP_RESET && op != SV_RPC_OP_RESET_EVT)
		return -EINVAL;
	if (reason > SV_RPC_RESET_MAX)
		return -EINVAL;
	sv_rpc_msg_init(m, op);
	m->arg[0] = reason;
	return 0;
}

int sv_rpc_decode_reset(const struct sv_rpc_msg *m, __u32 *reason)
{
	if (m->op != SV_RPC_OP_RESET && m->op != SV_RPC_OP_RESET_EVT)
		return -EPROTO;
	if (m->arg[0] > SV_RPC_RESET_MAX || !unused_zero(m, 1))
		return -EINVAL;
	*reason = (__u32)m->arg[0];
	return 0;
}

int sv_rpc_encode_set_irq(struct sv_rpc_msg *m, const struct sv_rpc_set_irq *s)
{
	if (s->irq >= SV_RPC_MAX_IRQ || s->level > SV_RPC_IRQ_PULSE)
		return -EINVAL;
	sv_rpc_msg_init(m, SV_RPC_OP_SET_IRQ);
	m->arg[0] = s->irq;
	m->arg[1] = s->level;
	return 0;
}

int sv_rpc_decode_set_irq(const struct sv_rpc_msg *m, struct sv_rpc_set_irq *s)
{
	if (m->op != SV_RPC_OP_SET_IRQ)
		return -EPROTO;
	if (m->arg[0] >= SV_RPC_MAX_IRQ || m->arg[1] > SV_RPC_IRQ_PULSE || !unused_zero(m, 2))
		return -EINVAL;
	s->irq = (__u32)m->arg[0];
	s->level = (__u32)m->arg[1];
	return 0;
}

int sv_rpc_encode_msi(struct sv_rpc_msg *m, const struct sv_rpc_msi *msi)
{
	sv_rpc_msg_init(m, SV_RPC_OP_MSI);
	if (msi->pcidev >= SV_RPC_MAX_PCI_DEVS)
		return -EINVAL;
	m->arg[0] = msi->addr;
	m->arg[1] = msi->data;
	m->arg[2] = msi->pcidev;
	return 0;
}

int sv_rpc_decode_msi(const struct sv_rpc_msg *m, struct sv_rpc_msi *msi)
{
	if (m->op != SV_RPC_OP_MSI)
		return -EPROTO;
	if (m->arg[1] > 0xffffffffull || m->arg[2] >= SV_RPC_MAX_PCI_DEVS || !unused_zero(m, 3))
		return -EINVAL;
	msi->addr = m->arg[0];
	msi->data = (__u32)m->arg[1];
	msi->pcidev = (__u32)m->arg[2];
	return 0;
}

int sv_rpc_encode_pci_dev(struct sv_rpc_msg *m, const struct sv_rpc_pci_dev *p)
{
	if (p->index >= SV_RPC_MAX_PCI_DEVS || (p->flags & ~SV_RPC_PCI_F_REMOVE))
		return -EINVAL;
	sv_rpc_msg_init(m, SV_RPC_OP_REGISTER_PCI_DEV);
	m->arg[0] = p->index;
	m->arg[1] = p->flags;
	return 0;
}

int sv_rpc_decode_pci_dev(const struct sv_rpc_msg *m, struct sv_rpc_pci_dev *p)
{
	if (m->op != SV_RPC_OP_REGISTER_PCI_DEV)
		return -EPROTO;
	if (m->arg[0] >= SV_RPC_MAX_PCI_DEVS || (m->arg[1] & ~(__u64)SV_RPC_PCI_F_REMOVE) ||
	    !unused_zero(m, 2))
		return -EINVAL;
	p->index = (__u32)m->arg[0];
	p->flags = (__u32)m->arg[1];
	return 0;
}

static int region_check(__u64 gpa, __u64 size, __u64 flags)
{
	if (!size || gpa + size - 1 < gpa)
		return -EINVAL;
	if (flags & ~(__u64)SV_RPC_REGION_F_REMOVE)
		return -EINVAL;
	return 0;
}

int sv_rpc_encode_region(struct sv_rpc_msg *m, const struct sv_rpc_region *r)
{
	int ret = region_check(r->gpa, r->size, r->flags);

	if (ret)
		return ret;
	sv_rpc_msg_init(m, SV_RPC_OP_MMIO_REGION);
	m->arg[0] = r->gpa;
	m->arg[1] = r->size;
	m->arg[2] = r->flags;
	return 0;
}

int sv_rpc_decode_region(const struct sv_rpc_msg *m, struct sv_rpc_region *r)
{
	if (m->op != SV_RPC_OP_MMIO_REGION)
		return -EPROTO;
	if (region_check(m->arg[0], m->arg[1], m->arg[2]) || !unused_zero(m, 3))
		return -EINVAL;
	r->gpa = m->arg[0];
	r->size = m->arg[1];
	r->flags = (__u32)m->arg[2];
	return 0;
}

static int ioeventfd_check(__u64 addr, __u64 datamatch, __u64 len, __u64 flags, __u64 doorbell)
{
	const __u64 known = SV_RPC_IOEVENTFD_F_DATAMATCH | SV_RPC_IOEVENTFD_F_REMOVE;

	if (!access_size_ok(len) || (flags & ~known))
		return -EINVAL;
	if (addr + len - 1 < addr || doorbell >= SV_RPC_MAX_DOORBELLS)
		return -EINVAL;
	if (flags & SV_RPC_IOEVENTFD_F_DATAMATCH) {
		if (!fits_size(datamatch, len))
			return -EINVAL;
	} else if (datamatch) {
		return -EINVAL;
	}
	return 0;
}

int sv_rpc_encode_ioeventfd(struct sv_rpc_msg *m, const struct sv_rpc_ioeventfd *e)
{
	int ret = ioeventfd_check(e->addr, e->datamatch, e->len, e->flags, e->doorbell);

	if (ret)
		return ret;
	sv_rpc_msg_init(m, SV_RPC_OP_IOEVENTFD);
	m->arg[0] = e->addr;
	m->arg[1] = e->datamatch;
	m->arg[2] = SV_RPC_IOEVENTFD_INFO(e->len, e->flags);
	m->arg[3] = e->doorbell;
	return 0;
}

int sv_rpc_decode_ioeventfd(const struct sv_rpc_msg *m, struct sv_rpc_ioeventfd *e)
{
	__u64 info = m->arg[2];

	if (m->op != SV_RPC_OP_IOEVENTFD)
		return -EPROTO;
	if ((info >> 16) || !unused_zero(m, 4))
		return -EINVAL;
	if (ioeventfd_check(m->arg[0], m->arg[1], info & 0xff, (info >> 8) & 0xff, m->arg[3]))
		return -EINVAL;
	e->addr = m->arg[0];
	e->datamatch = m->arg[1];
	e->len = (__u32)(info & 0xff);
	e->flags = (__u32)((info >> 8) & 0xff);
	e->doorbell = (__u32)m->arg[3];
	return 0;
}

static int irqfd_check(__u64 event, __u64 addr, __u64 data, __u64 flags, __u64 pcidev)
{
	const __u64 known = SV_RPC_IRQFD_F_MSI | SV_RPC_IRQFD_F_REMOVE;

	if (event >= SV_RPC_MAX_EVENT_IDX || (flags & ~known) || pcidev >= SV_RPC_MAX_PCI_DEVS)
		return -EINVAL;
	if (flags & SV_RPC_IRQFD_F_MSI)
		return data > 0xffffffffull ? -EINVAL : 0;
	/* A wired line: addr is the irq number, no data. */
	if (addr >= SV_RPC_MAX_IRQ || data)
		return -EINVAL;
	return 0;
}

int sv_rpc_encode_irqfd(struct sv_rpc_msg *m, const struct sv_rpc_irqfd *f)
{
	int ret = irqfd_check(f->event, f->addr, f->data, f->flags, f->pcidev);

	if (ret)
		return ret;
	sv_rpc_msg_init(m, SV_RPC_OP_IRQFD);
	m->arg[0] = f->event;
	m->arg[1] = f->addr;
	m->arg[2] = f->data;
	m->arg[3] = f->flags;
	m->arg[4] = f->pcidev;
	return 0;
}

int sv_rpc_decode_irqfd(const struct sv_rpc_msg *m, struct sv_rpc_irqfd *f)
{
	if (m->op != SV_RPC_OP_IRQFD)
		return -EPROTO;
	if (irqfd_check(m->arg[0], m->arg[1], m->arg[2], m->arg[3], m->arg[4]) ||
	    !unused_zero(m, 5))
		return -EINVAL;
	f->event = (__u32)m->arg[0];
	f->addr = m->arg[1];
	f->data = (__u32)m->arg[2];
	f->flags = (__u32)m->arg[3];
	f->pcidev = (__u32)m->arg[4];
	return 0;
}

/* Header fields common to every message kind. */
static int check_common(const struct sv_rpc_msg *m)
{
	if (m->flags & ~SV_RPC_F_ALL)
		return -EINVAL;
	return 0;
}

int sv_rpc_msg_check_request(const struct sv_rpc_msg *m)
{
	struct sv_rpc_hello h;
	struct sv_rpc_mmio io;
	__u32 reason;

	if (check_common(m) || m->status)
		return -EINVAL;
	if (m->flags & SV_RPC_F_REPLY)
		return -EPROTO;
	switch (m->op) {
	case SV_RPC_OP_HELLO:
		return sv_rpc_decode_hello(m, &h);
	case SV_RPC_OP_MMIO:
		return sv_rpc_decode_mmio(m, &io);
	case SV_RPC_OP_RESET:
		return sv_rpc_decode_reset(m, &reason);
	case SV_RPC_OP_NOP:
		return 0;
	default:
		return sv_rpc_op_is_event(m->op) ? -EPROTO : -EOPNOTSUPP;
	}
}

int sv_rpc_msg_check_event(const struct sv_rpc_msg *m)
{
	union {
		struct sv_rpc_hello h;
		struct sv_rpc_set_irq s;
		struct sv_rpc_msi msi;
		struct sv_rpc_pci_dev p;
		struct sv_rpc_region r;
		struct sv_rpc_ioeventfd e;
		struct sv_rpc_irqfd f;
		__u32 reason;
	} u;

	if (check_common(m) || m->status || m->slot)
		return -EINVAL;
	if (m->flags & SV_RPC_F_REPLY)
		return -EPROTO;
	switch (m->op) {
	case SV_RPC_OP_HELLO_EVT:
		return sv_rpc_decode_hello(m, &u.h);
	case SV_RPC_OP_SET_IRQ:
		return sv_rpc_decode_set_irq(m, &u.s);
	case SV_RPC_OP_MSI:
		return sv_rpc_decode_msi(m, &u.msi);
	case SV_RPC_OP_REGISTER_PCI_DEV:
		return sv_rpc_decode_pci_dev(m, &u.p);
	case SV_RPC_OP_MMIO_REGION:
		return sv_rpc_decode_region(m, &u.r);
	case SV_RPC_OP_START_VM:
		return unused_zero(m, 0) ? 0 : -EINVAL;
	case SV_RPC_OP_IOEVENTFD:
		return sv_rpc_decode_ioeventfd(m, &u.e);
	case SV_RPC_OP_IRQFD:
		return sv_rpc_decode_irqfd(m, &u.f);
	case SV_RPC_OP_RESET_EVT:
		return sv_rpc_decode_reset(m, &u.reason);
	default:
		return sv_rpc_op_is_request(m->op) ? -EPROTO : -EOPNOTSUPP;
	}
}

int sv_rpc_msg_check_reply(const struct sv_rpc_msg *m, __u32 req_op)
{
	struct sv_rpc_hello h;
	struct sv_rpc_mmio io;

	if (check_common(m) || !(m->flags & SV_RPC_F_REPLY))
		return -EPROTO;
	if (m->op != req_op)
		return -EPROTO;
	/* Error statuses are negative errnos; the Linux range is 1..4095. */
	if (m->status > 0 || m->status < -4095)
		return -EINVAL;
	if (m->status)
		return 0; /* the payload of a failed request is not used */
	switch (m->op) {
	case SV_RPC_OP_HELLO:
		return sv_rpc_decode_hello(m, &h);
	case SV_RPC_OP_MMIO:
		return sv_rpc_decode_mmio(m, &io);
	case SV_RPC_OP_NOP:
		return 0;
	default:
		/* RESET never gets a normal reply. */
		return -EPROTO;
	}
}

int sv_rpc_msg_make_reply(struct sv_rpc_msg *m, int status)
{
	if (status > 0 || status < -4095)
		return -EINVAL;
	m->flags |= SV_RPC_F_REPLY;
	m->status = status;
	if (status || m->op != SV_RPC_OP_MMIO)
		return 0;
	return sv_rpc_decode_mmio(m, &(struct sv_rpc_mmio){ 0 });
}
