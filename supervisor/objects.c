// SPDX-License-Identifier: GPL-2.0
/*
 * The shared objects of a topology: one guest-RAM memfd per driver VM and,
 * per link, an iobuf memfd, its doorbell eventfds, its saved-state area
 * memfd (for the device VM only) and, if the driver VM has DMA windows,
 * the link's window memfd. The supervisor creates them all before
 * any vmm starts, so no vmm ever needs to ask for or look up an object: it
 * holds exactly what it was handed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <splitvirt/log.h>
#include <splitvirt/rpc_ring.h>
#include <splitvirt/state_area.h>

#include "supervisor.h"

#ifndef MFD_HUGE_2MB
#define MFD_HUGE_2MB (21u << 26)
#endif

/* Neither side may resize a shared memfd: a shrink would SIGBUS the peer. */
static int seal_size(int fd)
{
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) < 0)
		return -errno;
	return 0;
}

/*
 * hugetlb first, as the vmm does for its own RAM; a shared hugetlb mapping
 * reserves its pages at mmap time, so mapping once proves they exist.
 */
static int ram_hugetlb(const char *name, uint64_t size)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | MFD_HUGE_2MB);
	void *p;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0 || seal_size(fd))
		goto fail;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	munmap(p, size);
	return fd;
fail:
	close(fd);
	return -ENOMEM;
}

/* A zero-filled shmem memfd of size bytes whose size is sealed. */
static int sealed_memfd(const char *name, uint64_t size)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	int ret;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	ret = seal_size(fd);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

static int create_ram(struct sup_objects *o, const struct sv_topo_vm *vm, unsigned int i)
{
	bool hugetlb = true;
	char name[64];
	int fd;

	snprintf(name, sizeof(name), "splitvirt-ram-%s", vm->name);
	fd = ram_hugetlb(name, vm->memory);
	if (fd < 0) {
		hugetlb = false;
		fd = sealed_memfd(name, vm->memory);
	}
	if (fd < 0) {
		pr_err("cannot create the %llu MiB RAM memfd of VM '%s': %s",
		       (unsigned long long)(vm->memory >> 20), vm->name, strerror(-fd));
		return fd;
	}
	pr_debug("RAM of VM '%s': fd %d, %llu MiB on %s", vm->name, fd,
		 (unsigned long long)(vm->memory >> 20), hugetlb ? "hugetlb pages" : "shmem");
	o->hugetlb |= hugetlb;
	o->ram[i] = fd;
	return 0;
}

static int create_iobuf(const struct sv_topology *t, const struct sv_topo_link *l)
{
	char name[96];
	void *p;
	int fd, ret;

	snprintf(name, sizeof(name), "splitvirt-iobuf-%u-%s-%s", l->id, t->vms[l->driver].name,
		 t->vms[l->device].name);
	fd = sealed_memfd(name, SUP_IOBUF_SIZE);
	if (fd < 0)
		return fd;
	p = mmap(NULL, SUP_IOBUF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		goto fail;
	}
	ret = sv_rpc_iobuf_init(p, SUP_IOBUF_SIZE);
	munmap(p, SUP_IOBUF_SIZE);
	if (ret)
		goto fail;
	return fd;
fail:
	close(fd);
	return ret;
}

/*
 * Zero-filled means "nothing saved" (<splitvirt/state_area.h>): the first
 * devmodel of the link starts from scratch, a later one takes over.
 */
static int create_state_area(const struct sv_topology *t, const struct sv_topo_link *l)
{
	char name[96];

	snprintf(name, sizeof(name), "splitvirt-state-%u-%s-%s", l->id, t->vms[l->driver].name,
		 t->vms[l->device].name);
	return sealed_memfd(name, SV_STATE_AREA_SIZE);
}

/*
 * The only memory of the driver VM the device VM maps when the link has a
 * window; the driver VM's kernel bounces its virtio buffers through it.
 */
static int create_dma_window(const struct sv_topology *t, const struct sv_topo_link *l)
{
	char name[96];

	snprintf(name, sizeof(name), "splitvirt-dma-%u-%s-%s", l->id, t->vms[l->driver].name,
		 t->vms[l->device].name);
	return sealed_memfd(name, l->dma_size);
}

/* Doorbells are non-blocking eventfds (the flag is shared by both holders). */
static int create_eventfds(int *fds, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		fds[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (fds[i] < 0)
			return -errno;
	}
	return 0;
}

static int create_link(const struct sv_topology *t, const struct sv_topo_link *l,
		       struct sup_link_objs *lo)
{
	int ret;

	lo->kick = malloc(l->nr_kicks * sizeof(int));
	lo->call = malloc(l->nr_calls * sizeof(int));
	if (!lo->kick || !lo->call)
		return -ENOMEM;
	memset(lo->kick, -1, l->nr_kicks * sizeof(int));
	memset(lo->call, -1, l->nr_calls * sizeof(int));
	lo->nr_kicks = l->nr_kicks;
	lo->nr_calls = l->nr_calls;
	lo->iobuf = create_iobuf(t, l);
	if (lo->iobuf < 0) {
		ret = lo->iobuf;
		pr_err("cannot create the iobuf of link %u: %s", l->id, strerror(-ret));
		return ret;
	}
	lo->state = create_state_area(t, l);
	if (lo->state < 0) {
		ret = lo->state;
		pr_err("cannot create the saved-state area of link %u: %s", l->id, strerror(-ret));
		return ret;
	}
	if (l->dma_size) {
		lo->dma = create_dma_window(t, l);
		if (lo->dma < 0) {
			ret = lo->dma;
			lo->dma = -1;
			pr_err("cannot create the %llu MiB DMA window of link %u: %s",
			       (unsigned long long)(l->dma_size >> 20), l->id, strerror(-ret));
			return ret;
		}
	}
	ret = create_eventfds(&lo->req, 1);
	if (!ret)
		ret = create_eventfds(&lo->resp, 1);
	if (!ret)
		ret = create_eventfds(lo->kick, lo->nr_kicks);
	if (!ret)
		ret = create_eventfds(lo->call, lo->nr_calls);
	if (ret)
		pr_err("cannot create the eventfds of link %u: %s", l->id, strerror(-ret));
	return ret;
}

unsigned int sup_objects_count(const struct sv_topology *t)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < t->nr_vms; i++)
		n += t->vms[i].role == SV_TOPO_DRIVER;
	for (unsigned int i = 0; i < t->nr_links; i++)
		n += 4 + t->links[i].nr_kicks + t->links[i].nr_calls + /* iobuf, state, req, resp */
		     !!t->links[i].dma_size;
	return n;
}

int sup_objects_create(const struct sv_topology *t, struct sup_objects *o)
{
	int ret = 0;

	memset(o, 0, sizeof(*o));
	o->ram = malloc((t->nr_vms + 1) * sizeof(int));
	o->links = calloc(t->nr_links + 1, sizeof(*o->links));
	if (!o->ram || !o->links) {
		sup_objects_close(o);
		return -ENOMEM;
	}
	o->nr_vms = t->nr_vms;
	o->nr_links = t->nr_links;
	for (unsigned int i = 0; i < t->nr_vms; i++)
		o->ram[i] = -1;
	for (unsigned int i = 0; i < t->nr_links; i++)
		o->links[i].iobuf = o->links[i].state = o->links[i].dma = o->links[i].req =
			o->links[i].resp = -1;
	for (unsigned int i = 0; i < t->nr_vms && !ret; i++) {
		if (t->vms[i].role == SV_TOPO_DRIVER)
			ret = create_ram(o, &t->vms[i], i);
	}
	for (unsigned int i = 0; i < t->nr_links && !ret; i++)
		ret = create_link(t, &t->links[i], &o->links[i]);
	if (ret)
		sup_objects_close(o);
	return ret;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void sup_objects_close(struct sup_objects *o)
{
	for (unsigned int i = 0; o->ram && i < o->nr_vms; i++)
		close_fd(&o->ram[i]);
	for (unsigned int i = 0; o->links && i < o->nr_links; i++) {
		struct sup_link_objs *lo = &o->links[i];

		close_fd(&lo->iobuf);
		close_fd(&lo->state);
		close_fd(&lo->dma);
		close_fd(&lo->req);
		close_fd(&lo->resp);
		for (unsigned int k = 0; lo->kick && k < lo->nr_kicks; k++)
			close_fd(&lo->kick[k]);
		for (unsigned int k = 0; lo->call && k < lo->nr_calls; k++)
			close_fd(&lo->call[k]);
		free(lo->kick);
		free(lo->call);
	}
	free(o->ram);
	free(o->links);
	memset(o, 0, sizeof(*o));
}
