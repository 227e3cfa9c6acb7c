// SPDX-License-Identifier: GPL-2.0
/* The per-link state file (see state.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int dm_state_path(char *buf, size_t size, const char *dir, uint32_t id)
{
	int n = snprintf(buf, size, "%s/link%u.state", dir, id);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

int dm_state_write(const char *dir, struct dm_link_state *st)
{
	char path[4096], tmp[4096 + 8];
	int fd, ret;

	ret = dm_state_path(path, sizeof(path), dir, st->link_id);
	if (ret)
		return ret;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	st->checksum = fnv1a(st, DM_STATE_CMP_LEN);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	ret = write_all(fd, st, sizeof(*st));
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path) < 0)
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

int dm_state_read(const char *dir, uint32_t id, struct dm_link_state *st)
{
	char path[4096];
	ssize_t n;
	int fd, ret = dm_state_path(path, sizeof(path), dir, id);

	if (ret)
		return ret;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* One byte more than expected tells a longer file from a right one. */
	n = read(fd, st, sizeof(*st));
	if (n == (ssize_t)sizeof(*st)) {
		char extra;

		if (read(fd, &extra, 1) != 0)
			n = -1;
	}
	close(fd);
	if (n != (ssize_t)sizeof(*st))
		return -EINVAL;
	if (memcmp(st->magic, DM_STATE_MAGIC, sizeof(st->magic)) ||
	    st->version != DM_STATE_VERSION || st->size != sizeof(*st) ||
	    st->checksum != fnv1a(st, DM_STATE_CMP_LEN))
		return -EINVAL;
	return 0;
}

int dm_state_remove(const char *dir, uint32_t id)
{
	char path[4096];
	int ret = dm_state_path(path, sizeof(path), dir, id);

	if (ret)
		return ret;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}
