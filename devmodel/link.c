// SPDX-License-Identifier: GPL-2.0
/* Opening and closing one link (see link.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <splitvirt/dataport.h>
#include <splitvirt/log.h>
#include <splitvirt/vhost_user_dev.h>

#include "link.h"

static void vm_ready(struct sv_watch *w, uint32_t events)
{
	struct dm_link *l = sv_container_of(w, struct dm_link, vm_watch);

	if (events & (EPOLLHUP | EPOLLERR)) {
		/* Link reset or the dataport went away; the owner reopens later. */
		pr_warn("link %u (%s): VM handle hung up", l->spec.id, l->spec.driver);
		sv_loop_del(&l->loop, &l->vm_watch);
		l->failed = true;
		return;
	}
	if (events & EPOLLIN)
		dm_link_drain(l);
}

void dm_link_hold_requests(struct dm_link *l, bool hold)
{
	/* Removed, not ignored: the handle stays readable and would wake the loop in a spin. */
	if (hold)
		sv_loop_del(&l->loop, &l->vm_watch);
	else if (!l->failed && sv_loop_add(&l->loop, &l->vm_watch, l->vm, vm_ready))
		l->failed = true; /* cannot watch it: reopened */
}

static unsigned int min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* The handle's view of the link, checked against the spec and the dataport limits. */
static int link_check_info(struct dm_link *l)
{
	struct sv_link_info *i = &l->info;
	int ret = l->km->ops->get_info(l->km->ctx, l->vm, i);

	if (ret) {
		pr_err("link %u: SV_VM_GET_INFO: %s", l->spec.id, strerror(-ret));
		return ret;
	}
	i->name[sizeof(i->name) - 1] = '\0';
	if (strcmp(i->name, l->spec.driver)) {
		/* Serving the wrong VM would hand it another VM's disks. */
		pr_err("link %u is driver VM '%s', but sv.link%u names '%s'; not serving it",
		       l->spec.id, i->name, l->spec.id, l->spec.driver);
		return -EINVAL;
	}
	if (!i->ram_size || i->ram_gpa + i->ram_size < i->ram_gpa) {
		pr_err("link %u (%s): bad RAM window 0x%llx+0x%llx", l->spec.id, l->spec.driver,
		       (unsigned long long)i->ram_gpa, (unsigned long long)i->ram_size);
		return -EINVAL;
	}
	l->nr_kicks = min_u32(i->nr_kicks, SV_DP_MAX_KICKS);
	l->nr_calls = min_u32(i->nr_calls, SV_DP_MAX_CALLS);
	return 0;
}

static int link_map_ram(struct dm_link *l)
{
	int ret = l->km->ops->map_ram(l->km->ctx, l->vm, l->info.ram_size, &l->ram);

	if (ret) {
		l->ram = NULL;
		pr_err("link %u (%s): mapping %llu bytes of RAM: %s", l->spec.id, l->spec.driver,
		       (unsigned long long)l->info.ram_size, strerror(-ret));
		return ret;
	}
	gmem_init(&l->gm);
	return gmem_add_region(&l->gm, l->info.ram_gpa, l->info.ram_size, l->ram);
}

static int link_create_fns(struct dm_link *l)
{
	for (unsigned int k = 0; k < l->spec.nr_devs; k++) {
		struct virtio_dev *dev;
		int ret = dm_device_create(l, k, &dev);

		/*
		 * Through a DMA window the driver must map its buffers with the
		 * DMA API (which bounces them into the window): required, or it
		 * would hand us addresses we cannot see.
		 */
		if (!ret && (l->info.flags & SV_LINK_F_DMA_WINDOW))
			virtio_dev_offer_access_platform(dev, true);
		if (!ret)
			ret = dm_fn_init(&l->fns[k], l, k, dev);
		/* Its back-end (vhost-user, vhost-net) gets the function's kick and call eventfds. */
		if (!ret && sv_dev_offloaded(&l->spec.devs[k]))
			vhost_user_dev_attach(l->fns[k].dev, l->fns[k].vh);
		if (ret) {
			pr_err("link %u (%s): device %u (%s): %s", l->spec.id, l->spec.driver, k,
			       sv_dev_type_name(l->spec.devs[k].type), strerror(-ret));
			return ret;
		}
		l->nr_fns++;
	}
	return 0;
}

/*
 * Functions first, START_VM last: the driver VM boots once it sees them
 * all. A driver side that is behind gets them later (kcall.c); one that
 * fails then makes the daemon reopen the link.
 */
static int link_register(struct dm_link *l)
{
	int ret;

	for (unsigned int k = 0; k < l->nr_fns; k++) {
		ret = dm_link_call(l, &(struct dm_kcall){ .op = DM_KC_REGISTER_PCI_DEV,
							  .u.pci_dev = { .index = k } });
		if (ret) {
			pr_err("link %u (%s): registering function %u: %s", l->spec.id,
			       l->spec.driver, k, strerror(-ret));
			return ret;
		}
	}
	ret = dm_link_call(l, &(struct dm_kcall){ .op = DM_KC_START_VM });
	if (ret)
		pr_err("link %u (%s): START_VM: %s", l->spec.id, l->spec.driver, strerror(-ret));
	return ret;
}

/*
 * One turn of the link on its host's loop: the watches of the link that
 * are ready, each once (at most SV_LOOP_BATCH), each handler bounded by
 * its own budget. The host's epoll reports its ready fds in rotation, so
 * links take turns however many fds each has.
 */
static void link_turn(struct sv_watch *w, uint32_t events)
{
	struct dm_link *l = sv_container_of(w, struct dm_link, turn);
	int ret;

	(void)events;
	atomic_fetch_add(&l->turns, 1);
	ret = sv_loop_run_once(&l->loop, 0);
	if (ret < 0) {
		pr_err("link %u (%s): its event loop: %s", l->spec.id, l->spec.driver,
		       strerror(-ret));
		sv_loop_del(l->host, &l->turn);
		l->failed = true;
	}
}

int dm_link_open(struct dm_link **out, const struct dm_kmod *km, struct sv_loop *host,
		 const struct sv_link_spec *spec, const struct dm_options *opt)
{
	struct dm_link *l = calloc(1, sizeof(*l));
	int ret;

	if (!l)
		return -ENOMEM;
	*l = (struct dm_link){
		.km = km,
		.host = host,
		.opt = opt,
		.spec = *spec,
		.vm = -1,
		.wake_fd = -1,
		.notify_fd = -1,
	};
	ret = sv_loop_init(&l->loop);
	if (ret) {
		free(l);
		return ret;
	}
	l->vm = km->ops->create_vm(km->ctx, spec->id);
	if (l->vm < 0) {
		ret = l->vm;
		l->vm = -1;
		dm_link_close(l);
		return ret;
	}
	ret = link_check_info(l);
	ret = ret ?: link_map_ram(l);
	l->taking_over = !ret && dm_link_has_saved_state(l);
	ret = ret ?: link_create_fns(l);
	ret = ret ?: dm_link_persist_init(l);
	if (!ret)
		dm_link_restore(l);
	/* Restoring may have had to queue announcements: requests wait for them. */
	if (!ret && !dm_link_waiting(l))
		ret = sv_loop_add(&l->loop, &l->vm_watch, l->vm, vm_ready);
	ret = ret ?: sv_loop_add(host, &l->turn, l->loop.epfd, link_turn);
	ret = ret ?: link_register(l);
	if (ret) {
		dm_link_close(l);
		return ret;
	}
	/* The driver VM's pending I/O runs again: a restart costs a delay, not data. */
	dm_link_resume_pending(l);
	pr_info("link %u: serving driver VM '%s': %u device(s), %s 0x%llx+0x%llx", spec->id,
		spec->driver, l->nr_fns,
		l->info.flags & SV_LINK_F_DMA_WINDOW ? "DMA window" : "all of its RAM",
		(unsigned long long)l->info.ram_gpa, (unsigned long long)l->info.ram_size);
	*out = l;
	return 0;
}

static void link_wake(struct sv_watch *w, uint32_t events)
{
	struct dm_link *l = sv_container_of(w, struct dm_link, wake_watch);
	uint64_t n;

	(void)events;
	/* It only wakes the loop up: link_worker() looks at the stop flag. */
	if (read(l->wake_fd, &n, sizeof(n)) < 0)
		return;
}

static void *link_worker(void *arg)
{
	struct dm_link *l = arg;
	uint64_t one = 1;

	while (!atomic_load(&l->stop) && !l->failed) {
		/* No timeout unless calls wait for the driver side (kcall.c). */
		int ret = sv_loop_run_once(&l->loop, dm_link_retry(l, dm_now_ms()));

		if (ret >= 0)
			ret = dm_link_poll(l);
		atomic_fetch_add(&l->turns, 1);
		if (ret < 0) {
			pr_err("link %u (%s): its event loop: %s", l->spec.id, l->spec.driver,
			       strerror(-ret));
			l->failed = true;
		}
	}
	atomic_store(&l->done, true);
	/* Only the daemon closes links: tell it this one is over. */
	if (l->failed && l->notify_fd >= 0 && write(l->notify_fd, &one, sizeof(one)) != sizeof(one))
		pr_err("link %u (%s): telling the daemon it failed: %s", l->spec.id, l->spec.driver,
		       strerror(errno));
	return NULL;
}

int dm_link_start(struct dm_link *l, int notify_fd)
{
	int ret;

	if (l->has_worker)
		return -EBUSY;
	l->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (l->wake_fd < 0)
		return -errno;
	ret = sv_loop_add(&l->loop, &l->wake_watch, l->wake_fd, link_wake);
	if (ret)
		return ret;
	l->notify_fd = notify_fd;
	sv_loop_del(l->host, &l->turn);
	/* From here on only the worker touches the link (pthread_create orders what we wrote). */
	ret = -pthread_create(&l->worker, NULL, link_worker, l);
	if (ret) {
		sv_loop_add(l->host, &l->turn, l->loop.epfd, link_turn);
		return ret;
	}
	l->has_worker = true;
	return 0;
}

static void link_stop(struct dm_link *l)
{
	uint64_t one = 1;

	if (!l->has_worker)
		return;
	atomic_store(&l->stop, true);
	/* An eventfd write only fails on overflow, and then it is readable anyway. */
	if (write(l->wake_fd, &one, sizeof(one)) != sizeof(one))
		pr_debug("link %u: waking its worker: %s", l->spec.id, strerror(errno));
	pthread_join(l->worker, NULL);
	l->has_worker = false;
}

void dm_link_close(struct dm_link *l)
{
	if (!l)
		return;
	/* Joined: what the worker did is ours to see and undo. */
	link_stop(l);
	sv_loop_del(l->host, &l->turn);
	for (unsigned int k = 0; k < l->nr_fns; k++)
		dm_fn_fini(&l->fns[k]);
	sv_loop_del(&l->loop, &l->vm_watch);
	sv_loop_del(&l->loop, &l->wake_watch);
	if (l->wake_fd >= 0)
		close(l->wake_fd);
	dm_link_kcalls_drop(l);
	if (l->ram)
		l->km->ops->unmap_ram(l->km->ctx, l->ram, l->info.ram_size);
	/* The module fails pending requests and drops every registration. */
	if (l->vm >= 0)
		l->km->ops->close_vm(l->km->ctx, l->vm);
	dm_link_persist_fini(l);
	sv_loop_fini(&l->loop);
	free(l);
}
