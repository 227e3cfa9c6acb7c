/* SPDX-License-Identifier: GPL-2.0 */
/*
 * splitvirt.ko internals: one struct svk_link per bound dataport function,
 * at most one open VM handle (struct svk_vm) per link. docs/kmod.md has the
 * whole picture; the rules that matter when touching this code:
 *
 * Locks, outermost first:
 *   svk_links_lock   the list of links (lookup takes a kref on the link)
 *   mmap_lock       (taken by the VFS around our mmap)
 *   link->lock      mutex: the RPC device endpoint, the request table, the
 *                   announcement records, link->vm, link->dead. Never copy
 *                   to or from userspace under it (a fault would take
 *                   mmap_lock inside it, the reverse of mmap's order).
 *   link->kick_lock spinlock, IRQ-safe: kick_ctx[], read by kick handlers
 *   eventfd wqh     taken by eventfd around our irqfd wakeup callback
 *
 * The driver VM's RAM (BAR4) is never touched by the kernel; only userspace
 * maps it. The iobuf (BAR2) is only read and written by lib/rpc, which
 * validates everything the peer can write.
 */
#ifndef SVK_INTERNAL_H
#define SVK_INTERNAL_H

#include <linux/eventfd.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/poll.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <splitvirt/dataport.h>
#include <splitvirt/kmod_uapi.h>
#include <splitvirt/rpc_chan.h>
#include <splitvirt/state_area.h>

#define SVK_MAX_IOEVENTFDS 256
#define SVK_MAX_REGIONS 64
#define SVK_POLL_MS 10 /* request polling period without MSI-X */
#define SVK_RETRY_MS_MAX 100 /* longest back-off of an announcement replay */

enum svk_req_state {
	SVK_REQ_FREE = 0,
	SVK_REQ_QUEUED, /* waiting for SV_VM_GET_IO */
	SVK_REQ_USER, /* handed to userspace, waiting for SV_VM_COMPLETE_IO */
};

/* An MMIO request the kernel could not answer itself, by RPC slot. */
struct svk_req {
	u8 state;
	u32 id; /* (sequence << 8) | slot: a stale id never names a newer request */
	struct sv_rpc_msg msg;
};

struct svk_ioeventfd_b {
	struct list_head node;
	struct eventfd_ctx *ctx;
	u64 gpa;
	u64 datamatch;
	u32 len;
	u32 flags; /* SV_IOEVENTFD_F_DATAMATCH */
	u32 kick;
};

struct svk_irqfd_b {
	struct svk_link *link;
	struct eventfd_ctx *ctx;
	wait_queue_entry_t wait;
	poll_table pt;
	void __iomem *call_reg; /* CALL[call] in BAR0 */
	u32 call;
	struct sv_rpc_irqfd route; /* what the driver side was told */
};

struct svk_region {
	u64 gpa;
	u64 size;
};

struct svk_vm {
	struct svk_link *link;
	/* This handle's own inode mapping (set by mmap): zapped on unplug. */
	struct address_space *mapping;
};

struct svk_kick_vec {
	struct svk_link *link;
	u32 kick;
	char name[32];
};

struct svk_link {
	struct kref ref;
	struct list_head node; /* in svk_links, under svk_links_lock */
	struct pci_dev *pdev;
	void __iomem *regs; /* BAR0 */
	void *iobuf; /* BAR2, memremap WB */
	void *state; /* the saved-state area in BAR2 (memremap WB), or NULL */
	u32 state_off, state_size;
	phys_addr_t ram_phys; /* BAR4 */
	u32 id;
	u32 nr_kicks;
	u32 nr_calls;
	u32 iobuf_size;
	u64 ram_gpa;
	u64 ram_size;
	bool ram_window; /* ram_* is the link's DMA window (SV_DP_RAM_F_WINDOW) */
	char name[SV_DP_NAME_LEN + 1];
	/* MSI-X vectors in use: 1 + nr_kicks, 1 (no kick vectors) or 0 (polled). */
	unsigned int nvec;
	char rpc_irq_name[32];
	struct svk_kick_vec kick_vec[SV_DP_MAX_KICKS];

	struct mutex lock;
	bool dead; /* function removed: every call fails with -ENODEV */
	struct sv_rpc_dev rpc;
	bool rpc_open;
	bool ring; /* something for the driver side: ring DOORBELL on unlock */
	u32 seen_peer; /* driver epoch the request table belongs to */
	struct svk_vm *vm; /* the open handle, if any */
	struct svk_req reqs[SV_RPC_MAX_SLOTS];
	u16 fifo[SV_RPC_MAX_SLOTS];
	u32 fifo_head, fifo_tail; /* free-running, tail - head = queued */
	u32 seq;
	bool notice; /* an SV_IOREQ_RESET is due to userspace */
	u32 notice_reason;

	/* What was announced to the driver side, re-sent to a new driver epoch. */
	DECLARE_BITMAP(pci_devs, SV_RPC_MAX_PCI_DEVS);
	struct svk_region regions[SVK_MAX_REGIONS];
	u32 nr_regions;
	struct list_head ioeventfds;
	u32 nr_ioeventfds;
	struct svk_irqfd_b *irqfds[SV_DP_MAX_CALLS];
	bool started;
	bool replay; /* announcements still to be re-sent from replay_pos */
	u32 replay_pos;
	unsigned int retry_ms;

	struct work_struct rx_work; /* vector 0: take requests off the iobuf */
	struct delayed_work poll_work; /* polled mode, replay retries */
	wait_queue_head_t wq; /* pollers of the VM handle */

	spinlock_t kick_lock;
	struct eventfd_ctx *kick_ctx[SV_DP_MAX_KICKS];
	u32 kick_users[SV_DP_MAX_KICKS]; /* ioeventfds naming the kick; under lock */

	/* Counters for dmesg rate limiting and SV_VM_GET_INFO-level debugging. */
	atomic_long_t bad_requests;
	atomic_long_t lost_kicks;
};

/* svk_main.c */
extern struct mutex svk_links_lock;
extern struct list_head svk_links;
struct svk_link *svk_link_get(u32 id);
void svk_link_put(struct svk_link *l);
void svk_link_release(struct kref *ref);

/* svk_pci.c */
int svk_pci_init(void);
void svk_pci_exit(void);

/* svk_rpc.c: the device side of the RPC, all under link->lock */
void svk_service(struct svk_link *l);
void svk_rx_work(struct work_struct *w);
void svk_poll_work(struct work_struct *w);
void svk_unlock_ring(struct svk_link *l);
void svk_check_peer(struct svk_link *l);
void svk_rpc_start(struct svk_link *l, u32 reason);
void svk_drop_requests(struct svk_link *l);
void svk_fail_requests(struct svk_link *l, int status);
int svk_send_event(struct svk_link *l, struct sv_rpc_msg *m);
bool svk_replay_run(struct svk_link *l);
void svk_fill_info(struct svk_link *l, struct sv_link_info *info);

/* svk_state.c */
long svk_vm_state_io(struct svk_link *l, struct svk_vm *vm, unsigned int cmd,
		     struct sv_state_io __user *uarg);

/* svk_vm.c */
int svk_vm_create(struct svk_link *l);
void svk_vm_unplug(struct svk_link *l);

/* svk_eventfd.c: under link->lock */
int svk_announce(struct svk_link *l, struct sv_rpc_msg *m, bool recorded);
int svk_ioeventfd(struct svk_link *l, const struct sv_ioeventfd *arg);
int svk_irqfd(struct svk_link *l, const struct sv_irqfd *arg);
bool svk_ioeventfd_match(struct svk_link *l, const struct sv_rpc_mmio *io);
void svk_eventfds_release(struct svk_link *l);
void svk_ioeventfd_to_rpc(const struct svk_ioeventfd_b *b, struct sv_rpc_ioeventfd *e);
bool svk_kick_has_irq(const struct svk_link *l, u32 kick);
irqreturn_t svk_kick_irq(int irq, void *data);

#endif
