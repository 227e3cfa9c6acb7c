// SPDX-License-Identifier: GPL-2.0
/*
 * The fast paths: kicks (driver VM -> devmodel) and calls (devmodel ->
 * driver VM) that never go through the RPC rings once set up.
 *
 * ioeventfd: (gpa, len, datamatch) -> kick k -> eventfd. The driver side is
 * told with an RPC IOEVENTFD event and binds a KVM ioeventfd that raises
 * MSI-X vector 1 + k of the dataport; svk_kick_irq() signals the eventfd.
 * An MMIO write request for the address that still comes over the RPC is
 * matched in svk_ioeventfd_match() instead. All ioeventfds of one kick share
 * one eventfd (the vector cannot tell them apart).
 *
 * irqfd: eventfd -> CALL[i]. A wait-queue hook on the eventfd writes the
 * CALL register from the signaller's context (IRQs off, eventfd lock held:
 * a posted MMIO write is all it does). The driver side is told the MSI or
 * line to inject for call i with an RPC IRQFD event.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/io.h>
#include <linux/slab.h>

#include "svk_internal.h"

bool svk_kick_has_irq(const struct svk_link *l, u32 kick)
{
	return l->nvec > 1 + kick;
}

irqreturn_t svk_kick_irq(int irq, void *data)
{
	struct svk_kick_vec *kv = data;
	struct svk_link *l = kv->link;
	struct eventfd_ctx *ctx;

	spin_lock(&l->kick_lock);
	ctx = l->kick_ctx[kv->kick];
	if (ctx)
		eventfd_signal(ctx, 1);
	else
		atomic_long_inc(&l->lost_kicks);
	spin_unlock(&l->kick_lock);
	return IRQ_HANDLED;
}

/* Registers one more ioeventfd user of kick k (ctx already checked equal). */
static void svk_kick_ref(struct svk_link *l, u32 k, struct eventfd_ctx *ctx)
{
	if (l->kick_users[k]++)
		return;
	spin_lock_irq(&l->kick_lock);
	l->kick_ctx[k] = ctx;
	spin_unlock_irq(&l->kick_lock);
}

/* Once this returns, no kick handler uses the context any more. */
static void svk_kick_unref(struct svk_link *l, u32 k)
{
	if (--l->kick_users[k])
		return;
	spin_lock_irq(&l->kick_lock);
	l->kick_ctx[k] = NULL;
	spin_unlock_irq(&l->kick_lock);
}

void svk_ioeventfd_to_rpc(const struct svk_ioeventfd_b *b, struct sv_rpc_ioeventfd *e)
{
	memset(e, 0, sizeof(*e));
	e->addr = b->gpa;
	e->datamatch = b->datamatch;
	e->len = b->len;
	e->flags = (b->flags & SV_IOEVENTFD_F_DATAMATCH) ? SV_RPC_IOEVENTFD_F_DATAMATCH : 0;
	e->doorbell = b->kick;
}

/*
 * Sends an announcement on the devmodel's behalf. Recorded announcements
 * that cannot go out because no driver epoch is acknowledged yet succeed:
 * the replay sends them once the driver side is there. A full event ring
 * is -EAGAIN (the devmodel retries); nothing is recorded then.
 */
int svk_announce(struct svk_link *l, struct sv_rpc_msg *m, bool recorded)
{
	int ret;

	if (!l->rpc_open)
		return recorded ? 0 : -ENOTCONN;
	if (sv_rpc_dev_sync(&l->rpc))
		l->ring = true;
	svk_check_peer(l);
	if (!svk_replay_run(l)) {
		if (!l->rpc.ep.peer_epoch)
			return recorded ? 0 : -ENOTCONN;
		return -EAGAIN;
	}
	ret = svk_send_event(l, m);
	if (ret == -ENOTCONN)
		return recorded ? 0 : -ENOTCONN;
	if (ret == -ENOSPC || ret == -EPROTO)
		return -EAGAIN;
	return ret;
}

static bool svk_access_len_ok(u32 len)
{
	return len == 1 || len == 2 || len == 4 || len == 8;
}

static struct svk_ioeventfd_b *svk_ioeventfd_find(struct svk_link *l, const struct sv_ioeventfd *a)
{
	struct svk_ioeventfd_b *b;

	list_for_each_entry(b, &l->ioeventfds, node) {
		if (b->gpa != a->gpa || b->len != a->len || b->kick != a->kick)
			continue;
		if ((b->flags ^ a->flags) & SV_IOEVENTFD_F_DATAMATCH)
			continue;
		if ((a->flags & SV_IOEVENTFD_F_DATAMATCH) && b->datamatch != a->datamatch)
			continue;
		return b;
	}
	return NULL;
}

/* Same address and length, and one is a wildcard or both match the same value. */
static bool svk_ioeventfd_conflict(struct svk_link *l, const struct sv_ioeventfd *a)
{
	struct svk_ioeventfd_b *b;

	list_for_each_entry(b, &l->ioeventfds, node) {
		if (b->gpa != a->gpa || b->len != a->len)
			continue;
		if (!(a->flags & SV_IOEVENTFD_F_DATAMATCH) ||
		    !(b->flags & SV_IOEVENTFD_F_DATAMATCH) || a->datamatch == b->datamatch)
			return true;
	}
	return false;
}

static void svk_ioeventfd_free(struct svk_link *l, struct svk_ioeventfd_b *b)
{
	list_del(&b->node);
	l->nr_ioeventfds--;
	svk_kick_unref(l, b->kick);
	eventfd_ctx_put(b->ctx);
	kfree(b);
}

int svk_ioeventfd(struct svk_link *l, const struct sv_ioeventfd *arg)
{
	const u32 known = SV_IOEVENTFD_F_DATAMATCH | SV_IOEVENTFD_F_DEASSIGN;
	struct sv_ioeventfd a = *arg;
	struct sv_rpc_ioeventfd e;
	struct svk_ioeventfd_b *b;
	struct eventfd_ctx *ctx;
	struct sv_rpc_msg m;
	int ret;

	if ((a.flags & ~known) || !svk_access_len_ok(a.len) || a.kick >= l->nr_kicks ||
	    a.gpa + a.len - 1 < a.gpa)
		return -EINVAL;
	if (!(a.flags & SV_IOEVENTFD_F_DATAMATCH))
		a.datamatch = 0;
	else if (a.len < 8 && (a.datamatch >> (a.len * 8)))
		return -EINVAL;
	ctx = eventfd_ctx_fdget(a.fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);

	if (a.flags & SV_IOEVENTFD_F_DEASSIGN) {
		b = svk_ioeventfd_find(l, &a);
		ret = -ENOENT;
		if (!b || b->ctx != ctx)
			goto out;
		if (svk_kick_has_irq(l, b->kick)) {
			svk_ioeventfd_to_rpc(b, &e);
			e.flags |= SV_RPC_IOEVENTFD_F_REMOVE;
			ret = sv_rpc_encode_ioeventfd(&m, &e) ?: svk_announce(l, &m, true);
			if (ret)
				goto out;
		}
		svk_ioeventfd_free(l, b);
		ret = 0;
		goto out;
	}

	ret = -ENOSPC;
	if (l->nr_ioeventfds >= SVK_MAX_IOEVENTFDS)
		goto out;
	ret = -EEXIST;
	if (svk_ioeventfd_conflict(l, &a))
		goto out;
	ret = -EBUSY;
	if (l->kick_users[a.kick] && l->kick_ctx[a.kick] != ctx)
		goto out;
	ret = -ENOMEM;
	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		goto out;
	b->gpa = a.gpa;
	b->datamatch = a.datamatch;
	b->len = a.len;
	b->flags = a.flags & SV_IOEVENTFD_F_DATAMATCH;
	b->kick = a.kick;
	/*
	 * Without a vector for this kick the driver side must not bind a KVM
	 * ioeventfd: the writes then come as MMIO requests and are matched
	 * in svk_ioeventfd_match().
	 */
	if (svk_kick_has_irq(l, b->kick)) {
		svk_ioeventfd_to_rpc(b, &e);
		ret = sv_rpc_encode_ioeventfd(&m, &e) ?: svk_announce(l, &m, true);
		if (ret) {
			kfree(b);
			goto out;
		}
	}
	b->ctx = ctx;
	ctx = NULL; /* the binding owns the reference now */
	list_add_tail(&b->node, &l->ioeventfds);
	l->nr_ioeventfds++;
	svk_kick_ref(l, b->kick, b->ctx);
	ret = 0;
out:
	if (ctx)
		eventfd_ctx_put(ctx);
	return ret;
}

bool svk_ioeventfd_match(struct svk_link *l, const struct sv_rpc_mmio *io)
{
	struct svk_ioeventfd_b *b;

	list_for_each_entry(b, &l->ioeventfds, node) {
		if (b->gpa != io->addr || b->len != io->size)
			continue;
		if ((b->flags & SV_IOEVENTFD_F_DATAMATCH) && b->datamatch != io->data)
			continue;
		eventfd_signal(b->ctx, 1);
		return true;
	}
	return false;
}

/* Called by the eventfd with its wait-queue lock held and IRQs off. */
static int svk_irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode, int sync, void *key)
{
	struct svk_irqfd_b *b = container_of(wait, struct svk_irqfd_b, wait);
	__poll_t flags = key_to_poll(key);
	u64 cnt;

	if (!(flags & EPOLLIN))
		return 0; /* EPOLLHUP: the binding stays until deassigned or closed */
	eventfd_ctx_do_read(b->ctx, &cnt);
	writel(1, b->call_reg);
	return 1;
}

static void svk_irqfd_ptable(struct file *file, wait_queue_head_t *wqh, poll_table *pt)
{
	struct svk_irqfd_b *b = container_of(pt, struct svk_irqfd_b, pt);

	/* Exclusive and first: a signal is consumed by us, not by other pollers. */
	add_wait_queue_priority(wqh, &b->wait);
}

/* After this returns the wakeup callback is neither running nor called again. */
static void svk_irqfd_free(struct svk_irqfd_b *b)
{
	u64 cnt;

	eventfd_ctx_remove_wait_queue(b->ctx, &b->wait, &cnt);
	eventfd_ctx_put(b->ctx);
	kfree(b);
}

static int svk_irqfd_deassign(struct svk_link *l, u32 call)
{
	struct svk_irqfd_b *old = l->irqfds[call];
	struct sv_rpc_irqfd route;
	struct sv_rpc_msg m;
	int ret;

	if (!old)
		return -ENOENT;
	route = old->route;
	route.flags |= SV_RPC_IRQFD_F_REMOVE;
	ret = sv_rpc_encode_irqfd(&m, &route) ?: svk_announce(l, &m, true);
	if (ret)
		return ret;
	l->irqfds[call] = NULL;
	svk_irqfd_free(old);
	return 0;
}

/* The IRQFD announcement the driver side gets for arg. */
static int svk_irqfd_encode(const struct sv_irqfd *arg, struct sv_rpc_irqfd *route,
			    struct sv_rpc_msg *m)
{
	memset(route, 0, sizeof(*route));
	route->event = arg->call;
	route->pcidev = arg->pcidev;
	if (arg->flags & SV_IRQFD_F_MSI) {
		route->flags = SV_RPC_IRQFD_F_MSI;
		route->addr = arg->msi_addr;
		route->data = arg->msi_data;
	} else {
		route->addr = arg->line;
	}
	return sv_rpc_encode_irqfd(m, route) ? -EINVAL : 0;
}

/* Hooks a new binding of call to the eventfd behind f, replacing any old one. */
static int svk_irqfd_bind(struct svk_link *l, const struct sv_irqfd *arg, struct file *file,
			  struct eventfd_ctx *ctx, const struct sv_rpc_irqfd *route,
			  struct sv_rpc_msg *m)
{
	struct svk_irqfd_b *old = l->irqfds[arg->call], *b;
	__poll_t events;
	int ret;

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	ret = svk_announce(l, m, true);
	if (ret) {
		kfree(b);
		return ret;
	}
	if (old) {
		/* Another eventfd for the same call replaces the old binding. */
		l->irqfds[arg->call] = NULL;
		svk_irqfd_free(old);
	}
	b->link = l;
	b->ctx = ctx;
	b->call = arg->call;
	b->call_reg = l->regs + SV_DP_CALL_BASE + 4 * arg->call;
	b->route = *route;
	init_waitqueue_func_entry(&b->wait, svk_irqfd_wakeup);
	init_poll_funcptr(&b->pt, svk_irqfd_ptable);
	l->irqfds[arg->call] = b;
	events = vfs_poll(file, &b->pt);
	/* Signalled before we hooked in: deliver it now. */
	if (events & EPOLLIN)
		writel(1, b->call_reg);
	return 0;
}

int svk_irqfd(struct svk_link *l, const struct sv_irqfd *arg)
{
	const u32 known = SV_IRQFD_F_DEASSIGN | SV_IRQFD_F_MSI;
	struct svk_irqfd_b *old;
	struct sv_rpc_irqfd route;
	struct eventfd_ctx *ctx;
	struct sv_rpc_msg m;
	struct fd f;
	int ret;

	if ((arg->flags & ~known) || arg->call >= l->nr_calls)
		return -EINVAL;
	if (arg->flags & SV_IRQFD_F_DEASSIGN)
		return svk_irqfd_deassign(l, arg->call);
	ret = svk_irqfd_encode(arg, &route, &m);
	if (ret)
		return ret;
	f = fdget(arg->fd);
	if (!f.file)
		return -EBADF;
	ctx = eventfd_ctx_fileget(f.file);
	if (IS_ERR(ctx)) {
		fdput(f);
		return PTR_ERR(ctx);
	}
	old = l->irqfds[arg->call];
	if (old && old->ctx == ctx) {
		/* Same eventfd: only the route changes (MSI-X reprogrammed). */
		ret = svk_announce(l, &m, true);
		if (!ret)
			old->route = route;
		eventfd_ctx_put(ctx);
	} else {
		ret = svk_irqfd_bind(l, arg, f.file, ctx, &route, &m);
		/* On success the binding keeps the context reference. */
		if (ret)
			eventfd_ctx_put(ctx);
	}
	fdput(f);
	return ret;
}

void svk_eventfds_release(struct svk_link *l)
{
	struct svk_ioeventfd_b *b, *tmp;
	unsigned int i;

	list_for_each_entry_safe(b, tmp, &l->ioeventfds, node)
		svk_ioeventfd_free(l, b);
	for (i = 0; i < SV_DP_MAX_CALLS; i++) {
		if (l->irqfds[i]) {
			svk_irqfd_free(l->irqfds[i]);
			l->irqfds[i] = NULL;
		}
	}
}
