// SPDX-License-Identifier: GPL-2.0
/* A link's saved state: capture, checks, sealing (see state.h). */
#include <errno.h>
#include <string.h>

#include "state.h"

static uint64_t fnv1a(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

void dm_state_capture(struct dm_link *l, struct dm_link_state *st)
{
	memset(st, 0, sizeof(*st));
	memcpy(st->magic, DM_STATE_MAGIC, sizeof(st->magic));
	st->version = DM_STATE_VERSION;
	st->size = sizeof(*st);
	st->link_id = l->spec.id;
	memcpy(st->driver, l->spec.driver, sizeof(st->driver));
	st->driver_epoch = l->info.driver_epoch;
	st->nr_fns = l->nr_fns;
	st->nr_kicks = l->nr_kicks;
	st->nr_calls = l->nr_calls;
	st->next_kick = l->next_kick;
	st->next_call = l->next_call;
	for (unsigned int k = 0; k < l->nr_fns; k++) {
		struct dm_fn *fn = &l->fns[k];
		struct dm_fn_state *fs = &st->fns[k];

		fs->type = l->spec.devs[k].type;
		for (unsigned int q = 0; q < VIRTIO_HOST_MAX_QUEUES; q++)
			fs->kick[q] = (int16_t)fn->kick_index[q];
		for (unsigned int v = 0; v < VIRTIO_HOST_MAX_VECTORS; v++)
			fs->call[v] = (int16_t)fn->call_index[v];
		/* Hosted functions have at most VIRTIO_PCI_STATE_MAX_QUEUES queues: cannot fail. */
		virtio_pci_save(fn->pci, &fs->pci);
	}
}

/* Indices of one kind: each -1 or below next, no two alike across the link. */
static bool indices_ok(const int16_t *idx, unsigned int n, unsigned int used, uint32_t next,
		       uint64_t *seen)
{
	for (unsigned int i = 0; i < n; i++) {
		if (idx[i] == -1)
			continue;
		if (i >= used || idx[i] < 0 || (uint32_t)idx[i] >= next)
			return false;
		if (seen[idx[i] / 64] & (1ull << (idx[i] % 64)))
			return false;
		seen[idx[i] / 64] |= 1ull << (idx[i] % 64);
	}
	return true;
}

int dm_state_check(const struct dm_link_state *st, const struct dm_link *l, const char **why)
{
	uint64_t kicks[(INT16_MAX + 1) / 64] = { 0 }, calls[(INT16_MAX + 1) / 64] = { 0 };

	*why = NULL;
	if (st->link_id != l->spec.id || strncmp(st->driver, l->spec.driver, sizeof(st->driver)))
		*why = "saved for another link or driver VM";
	else if (st->driver_epoch && l->info.driver_epoch &&
		 st->driver_epoch != l->info.driver_epoch)
		*why = "the driver VM restarted since: its devices are at power-on";
	else if (st->nr_fns != l->nr_fns)
		*why = "another number of devices";
	else if (st->nr_kicks != l->nr_kicks || st->nr_calls != l->nr_calls)
		*why = "another number of doorbells";
	else if (st->next_kick > st->nr_kicks || st->next_call > st->nr_calls)
		*why = "doorbell counters out of range";
	for (unsigned int k = 0; !*why && k < l->nr_fns; k++) {
		const struct dm_fn_state *fs = &st->fns[k];
		const struct dm_fn *fn = &l->fns[k];

		if (fs->type != (uint32_t)l->spec.devs[k].type)
			*why = "another kind of device";
		else if (!indices_ok(fs->kick, VIRTIO_HOST_MAX_QUEUES, fn->dev->num_queues,
				     st->next_kick, kicks) ||
			 !indices_ok(fs->call, VIRTIO_HOST_MAX_VECTORS, fn->dev->num_queues + 1u,
				     st->next_call, calls))
			*why = "bad doorbell indices";
	}
	return *why ? -EINVAL : 0;
}

void dm_state_seal(struct dm_link_state *st)
{
	st->checksum = fnv1a(st, DM_STATE_CMP_LEN);
}

int dm_state_unseal(const struct dm_link_state *st, int len)
{
	if (len != (int)sizeof(*st) || memcmp(st->magic, DM_STATE_MAGIC, sizeof(st->magic)) ||
	    st->version != DM_STATE_VERSION || st->size != sizeof(*st) ||
	    st->checksum != fnv1a(st, DM_STATE_CMP_LEN))
		return -EINVAL;
	return 0;
}
