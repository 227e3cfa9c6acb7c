// SPDX-License-Identifier: GPL-2.0
/*
 * Crash containment for one link: the functions' state follows every
 * request into the link's saved-state area (kept by splitvirt.ko behind
 * the dataport, outside this process and outside the device VM), and a
 * devmodel started while a driver VM is running -- after a crash of its
 * predecessor, or in a restarted device VM -- takes its devices over from
 * it instead of presenting them at power-on (docs/devmodel.md, "Crash
 * containment").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <splitvirt/log.h>

#include "kmod.h"
#include "state.h"

static int save(struct dm_link *l, const struct dm_link_state *st)
{
	return l->km->ops->save_state(l->km->ctx, l->vm, st, st ? sizeof(*st) : 0);
}

int dm_link_persist_init(struct dm_link *l)
{
	if (!l->opt->keep_state)
		return 0;
	if (l->info.state_capacity < sizeof(struct dm_link_state)) {
		pr_warn("link %u (%s): %s: a devmodel or device VM restart will not take its devices over",
			l->spec.id, l->spec.driver,
			l->info.state_capacity ? "its saved-state area is too small" :
						 "the link has no saved-state area");
		return 0;
	}
	l->saved = calloc(1, sizeof(*l->saved));
	l->scratch = calloc(1, sizeof(*l->scratch));
	if (!l->saved || !l->scratch)
		return -ENOMEM;
	/* Power-on is what "nothing saved" means: nothing to write yet. */
	dm_state_capture(l, l->saved);
	return 0;
}

void dm_link_persist_fini(struct dm_link *l)
{
	free(l->saved);
	free(l->scratch);
	l->saved = l->scratch = NULL;
}

static void write_state(struct dm_link *l, struct dm_link_state *st)
{
	struct dm_link_state *t;
	int ret;

	dm_state_seal(st);
	ret = save(l, st);
	if (ret) {
		/* Serving goes on; only a later restart would lose track. */
		pr_warn_limited(&l->state_errors, "link %u (%s): saving its state: %s", l->spec.id,
				l->spec.driver, strerror(-ret));
		return;
	}
	if (st == l->scratch) {
		t = l->saved;
		l->saved = l->scratch;
		l->scratch = t;
	}
}

void dm_link_persist(struct dm_link *l)
{
	if (!l->saved)
		return;
	dm_state_capture(l, l->scratch);
	if (!memcmp(l->scratch, l->saved, DM_STATE_CMP_LEN))
		return;
	write_state(l, l->scratch);
}

void dm_link_forget(struct dm_link *l)
{
	int ret;

	if (!l->saved)
		return;
	/* A new driver side: its epoch ties what is saved from now on to it. */
	ret = l->km->ops->get_info(l->km->ctx, l->vm, &l->info);
	ret = ret ?: save(l, NULL);
	if (ret)
		pr_warn("link %u (%s): forgetting its saved state: %s", l->spec.id, l->spec.driver,
			strerror(-ret));
	dm_state_capture(l, l->saved);
}

/* Gives every function back the doorbell indices its predecessor had. */
static void take_indices(struct dm_link *l, const struct dm_link_state *st)
{
	l->next_kick = st->next_kick;
	l->next_call = st->next_call;
	for (unsigned int k = 0; k < l->nr_fns; k++) {
		for (unsigned int q = 0; q < VIRTIO_HOST_MAX_QUEUES; q++)
			l->fns[k].kick_index[q] = st->fns[k].kick[q];
		for (unsigned int v = 0; v < VIRTIO_HOST_MAX_VECTORS; v++)
			l->fns[k].call_index[v] = st->fns[k].call[v];
	}
}

static void discard(struct dm_link *l, const char *why)
{
	pr_warn("link %u (%s): not taking over from the saved state (%s); its devices start at power-on, and a driver VM still using them waits until it resets them",
		l->spec.id, l->spec.driver, why);
	save(l, NULL);
}

bool dm_link_has_saved_state(struct dm_link *l)
{
	/* No room to load into: -E2BIG says something is there. */
	int len = l->opt->keep_state ? l->km->ops->load_state(l->km->ctx, l->vm, NULL, 0) : 0;

	return len == -E2BIG || len > 0;
}

int dm_link_restore(struct dm_link *l)
{
	struct dm_link_state *st = l->scratch;
	const char *why;
	unsigned int k;
	int len;

	if (!l->saved)
		return 0;
	len = l->km->ops->load_state(l->km->ctx, l->vm, st, sizeof(*st));
	if (len == 0)
		return 0;
	if (len < 0 || dm_state_unseal(st, len)) {
		discard(l, "the saved state is damaged");
		return 0;
	}
	if (dm_state_check(st, l, &why)) {
		discard(l, why);
		return 0;
	}
	take_indices(l, st);
	for (k = 0; k < l->nr_fns; k++)
		if (virtio_pci_restore(l->fns[k].pci, &st->fns[k].pci))
			break;
	if (k < l->nr_fns) {
		/* Undo what the others announced: all or nothing. */
		for (unsigned int i = 0; i < k; i++)
			dm_fn_reset(&l->fns[i]);
		discard(l, "a device's saved state is invalid");
		return 0;
	}
	l->restored = true;
	return 1;
}

int dm_link_resume_pending(struct dm_link *l)
{
	int taken = 0;

	if (!l->restored)
		return 0;
	for (unsigned int k = 0; k < l->nr_fns; k++) {
		struct dm_fn *fn = &l->fns[k];
		int n = virtio_dev_resume_pending(fn->dev);

		if (n < 0)
			pr_warn("%s: its rings were unusable after the restart: %s", fn->name,
				strerror(-n));
		else
			taken += n;
		/* Buffers may be waiting for backend input again. */
		virtio_host_poll_backend(fn->vh);
	}
	pr_info("restored link %u after a devmodel restart; %d requests taken up again (driver VM '%s', %u device(s))",
		l->spec.id, taken, l->spec.driver, l->nr_fns);
	/* The area now says what this process serves. */
	dm_state_capture(l, l->scratch);
	write_state(l, l->scratch);
	return taken;
}
