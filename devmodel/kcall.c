// SPDX-License-Identifier: GPL-2.0
/*
 * The calls a link makes into the module that the driver side has to take
 * in: announcements (REGISTER_PCI_DEV, MMIO_REGION, IOEVENTFD, IRQFD,
 * SET_IRQ, MSI, START_VM) go onto the event ring, COMPLETE_IO onto the
 * reply ring. The module answers -EAGAIN, having sent and recorded
 * nothing, while the ring is full. Sleeping until it is not would stop
 * the link's kicks and backends too (and every link sharing its loop), so
 * a refused call waits in the link's queue and so does every later one of
 * that link (the driver side must see them in the order they were made:
 * registrations before START_VM, a BAR window before the reply to the
 * write that placed it). The link's thread retries the queue on a short
 * timer (its loop's timeout); meanwhile the link takes no new requests
 * (their replies would only queue up behind), and other links are served.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <splitvirt/log.h>
#include <splitvirt/rpc.h>

#include "link.h"

/* The old synchronous retry's pace first: the driver side drains in microseconds. */
#define KC_RETRY_MIN_MS 1
/* A driver side that stopped consuming costs one ioctl per this much. */
#define KC_RETRY_MAX_MS 16
/* Blocked this long: worth a warning (once per episode). */
#define KC_WARN_AFTER_MS 1000

int64_t dm_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *kc_name(enum dm_kcall_op op)
{
	static const char *const names[] = {
		[DM_KC_COMPLETE_IO] = "COMPLETE_IO",
		[DM_KC_IOEVENTFD] = "IOEVENTFD",
		[DM_KC_IRQFD] = "IRQFD",
		[DM_KC_SET_IRQ] = "SET_IRQ",
		[DM_KC_MSI] = "MSI",
		[DM_KC_REGISTER_PCI_DEV] = "REGISTER_PCI_DEV",
		[DM_KC_MMIO_REGION] = "MMIO_REGION",
		[DM_KC_START_VM] = "START_VM",
	};

	return names[op];
}

static int kc_issue(struct dm_link *l, const struct dm_kcall *c)
{
	const struct dm_kmod_ops *ops = l->km->ops;
	void *ctx = l->km->ctx;

	switch (c->op) {
	case DM_KC_COMPLETE_IO:
		return ops->complete_io(ctx, l->vm, &c->u.io);
	case DM_KC_IOEVENTFD:
		return ops->ioeventfd(ctx, l->vm, &c->u.ioeventfd);
	case DM_KC_IRQFD:
		return ops->irqfd(ctx, l->vm, &c->u.irqfd);
	case DM_KC_SET_IRQ:
		return ops->set_irq(ctx, l->vm, c->u.set_irq.irq, c->u.set_irq.level);
	case DM_KC_MSI:
		return ops->msi(ctx, l->vm, c->u.msi.addr, c->u.msi.data, c->u.msi.pcidev);
	case DM_KC_REGISTER_PCI_DEV:
		return ops->register_pci_dev(ctx, l->vm, c->u.pci_dev.index, c->u.pci_dev.flags);
	case DM_KC_MMIO_REGION:
		return ops->mmio_region(ctx, l->vm, c->u.region.gpa, c->u.region.size,
					c->u.region.flags);
	case DM_KC_START_VM:
		return ops->start_vm(ctx, l->vm);
	}
	return -EINVAL;
}

static struct dm_kcall *kc_at(struct dm_kcall_queue *q, unsigned int i)
{
	return &q->calls[(q->head + i) % DM_KC_MAX];
}

/*
 * Interrupts raised while an identical one still waits add nothing: the
 * waiting one reaches the guest after every ring update that the new one
 * announces (as an MSI-X pending bit would), and a line already set (or
 * cleared) by the last waiting SET_IRQ stays so. Without this a guest that
 * keeps kicking a queue whose vector has no call doorbell would fill the
 * queue while its driver side is not looking.
 */
static bool kc_redundant(struct dm_kcall_queue *q, const struct dm_kcall *c)
{
	for (unsigned int i = q->len; i-- > 0;) {
		const struct dm_kcall *w = kc_at(q, i);

		if (w->op != c->op)
			continue;
		if (c->op == DM_KC_MSI && !memcmp(&w->u.msi, &c->u.msi, sizeof(c->u.msi)))
			return true;
		if (c->op == DM_KC_SET_IRQ && w->u.set_irq.irq == c->u.set_irq.irq)
			return c->u.set_irq.level != SV_RPC_IRQ_PULSE &&
			       w->u.set_irq.level == c->u.set_irq.level;
	}
	return false;
}

/* The first refused call: stop taking requests, retry soon. */
static void kc_block(struct dm_link *l, const struct dm_kcall *c)
{
	struct dm_kcall_queue *q = &l->kc;

	q->since_ms = dm_now_ms();
	q->delay_ms = KC_RETRY_MIN_MS;
	q->retry_at_ms = q->since_ms + q->delay_ms;
	q->warned = false;
	dm_link_hold_requests(l, true);
	pr_debug("link %u (%s): %s: driver side busy; this and later calls wait", l->spec.id,
		 l->spec.driver, kc_name(c->op));
}

int dm_link_call(struct dm_link *l, const struct dm_kcall *c)
{
	struct dm_kcall_queue *q = &l->kc;
	int ret;

	if (!q->len) {
		ret = kc_issue(l, c);
		if (ret != -EAGAIN)
			return ret;
		kc_block(l, c);
	} else if (kc_redundant(q, c)) {
		return 0;
	} else if (q->len == DM_KC_MAX) {
		/* What the old synchronous retry gave after 0.5 s. */
		pr_warn_limited(&q->overflows, "link %u (%s): %s dropped: %u calls wait already",
				l->spec.id, l->spec.driver, kc_name(c->op), q->len);
		return -ENOBUFS;
	}
	*kc_at(q, q->len++) = *c;
	return 0;
}

/*
 * A waiting call that the module finally refused for good: the caller got
 * 0 back long ago, so it is only logged. Registration failing means the
 * link cannot come up: reopened as if the open had failed.
 */
static void kc_failed(struct dm_link *l, const struct dm_kcall *c, int ret)
{
	/* -ESTALE: a reset voided the request in between; the driver side knows. */
	if (c->op == DM_KC_COMPLETE_IO && ret == -ESTALE)
		return;
	pr_warn_limited(&l->kc.errors, "link %u (%s): %s (after waiting): %s", l->spec.id,
			l->spec.driver, kc_name(c->op), strerror(-ret));
	/* -ENODEV: the function is gone (the hang-up is not watched while we wait). */
	if (ret == -ENODEV || c->op == DM_KC_REGISTER_PCI_DEV || c->op == DM_KC_START_VM)
		l->failed = true;
}

int dm_link_retry(struct dm_link *l, int64_t now_ms)
{
	struct dm_kcall_queue *q = &l->kc;
	unsigned int n;

	if (!q->len || l->failed)
		return -1;
	if (now_ms < q->retry_at_ms)
		return (int)(q->retry_at_ms - now_ms);
	/* Bounded like a drain: a long queue goes on at the next iteration. */
	for (n = 0; q->len && n < DM_DRAIN_BUDGET; n++) {
		int ret = kc_issue(l, kc_at(q, 0));

		if (ret == -EAGAIN) {
			if (!q->warned && now_ms - q->since_ms >= KC_WARN_AFTER_MS) {
				pr_warn("link %u (%s): its driver side has taken no events or replies for %lld ms; %u calls and its requests wait",
					l->spec.id, l->spec.driver,
					(long long)(now_ms - q->since_ms), q->len);
				q->warned = true;
			}
			q->delay_ms = q->delay_ms * 2 > KC_RETRY_MAX_MS ? KC_RETRY_MAX_MS :
									  q->delay_ms * 2;
			q->retry_at_ms = now_ms + q->delay_ms;
			return (int)q->delay_ms;
		}
		if (ret)
			kc_failed(l, kc_at(q, 0), ret);
		q->head = (q->head + 1) % DM_KC_MAX;
		q->len--;
	}
	if (q->len) {
		q->retry_at_ms = now_ms;
		return 0;
	}
	if (q->warned)
		pr_info("link %u (%s): driver side caught up after %lld ms", l->spec.id,
			l->spec.driver, (long long)(now_ms - q->since_ms));
	if (!l->failed)
		dm_link_hold_requests(l, false);
	return -1;
}

void dm_link_kcalls_drop(struct dm_link *l)
{
	if (l->kc.len)
		pr_debug("link %u (%s): closing with %u calls waiting", l->spec.id, l->spec.driver,
			 l->kc.len);
	l->kc.head = l->kc.len = 0;
}
