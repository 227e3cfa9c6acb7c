// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <sys/mman.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <splitvirt/state_area.h>

#include "fake_kmod.h"

static struct fake_kmod *fk_of(void *ctx)
{
	return ctx;
}

static void fk_log(struct fake_kmod *fk, enum fk_op op, uint64_t a, uint64_t b, uint32_t c,
		   uint32_t d)
{
	if (fk->nr_log < FK_MAX_LOG)
		fk->log[fk->nr_log++] = (struct fk_call){ op, a, b, c, d };
}

static bool vm_ok(struct fake_kmod *fk, int vm)
{
	return fk->vm_fd >= 0 && vm == fk->vm_fd;
}

/* Like the module with a full ring: nothing sent, nothing recorded. */
static bool fk_refuse(struct fake_kmod *fk)
{
	if (fk->busy)
		fk->nr_refused++;
	return fk->busy;
}

/* The handle is readable exactly while requests are queued. */
static void fk_sync_readable(struct fake_kmod *fk)
{
	char buf[64];

	if (fk->peer_fd < 0)
		return;
	while (recv(fk->vm_fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	if (fk->req_head != fk->req_tail)
		send(fk->peer_fd, "r", 1, MSG_DONTWAIT);
}

static int f_nr_links(void *ctx)
{
	return fk_of(ctx)->present ? 1 : 0;
}

static int f_link_info(void *ctx, uint32_t id, struct sv_link_info *info)
{
	struct fake_kmod *fk = fk_of(ctx);

	if (!fk->present || id != fk->info.link_id)
		return -ENOENT;
	*info = fk->info;
	return 0;
}

static int f_create_vm(void *ctx, uint32_t id)
{
	struct fake_kmod *fk = fk_of(ctx);
	int sv[2];

	if (!fk->present || id != fk->info.link_id)
		return -ENOENT;
	if (fk->vm_fd >= 0)
		return -EBUSY;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -errno;
	fk->vm_fd = sv[0];
	fk->peer_fd = sv[1];
	fk->nr_creates++;
	fk->req_head = fk->req_tail = 0;
	fk_log(fk, FK_CREATE_VM, id, 0, 0, 0);
	return fk->vm_fd;
}

static void f_close_vm(void *ctx, int vm)
{
	struct fake_kmod *fk = fk_of(ctx);

	if (!vm_ok(fk, vm))
		abort(); /* closing something that is not the handle */
	fk_log(fk, FK_CLOSE_VM, 0, 0, 0, 0);
	close(fk->vm_fd);
	if (fk->peer_fd >= 0)
		close(fk->peer_fd);
	fk->vm_fd = fk->peer_fd = -1;
	/* Like the module: every registration of the handle goes with it. */
	memset(fk->ioeventfds, 0, sizeof(fk->ioeventfds));
	memset(fk->irqfds, 0, sizeof(fk->irqfds));
	fk->nr_regions = 0;
}

static int f_get_info(void *ctx, int vm, struct sv_link_info *info)
{
	struct fake_kmod *fk = fk_of(ctx);

	if (!vm_ok(fk, vm))
		return -EBADF;
	*info = fk->info;
	return 0;
}

static int f_map_ram(void *ctx, int vm, uint64_t size, void **hva)
{
	struct fake_kmod *fk = fk_of(ctx);

	if (!vm_ok(fk, vm) || size != fk->info.ram_size)
		return -EINVAL;
	*hva = fk->ram;
	return 0;
}

static int f_ram_fd(void *ctx, int vm)
{
	struct fake_kmod *fk = fk_of(ctx);

	return vm_ok(fk, vm) ? fk->ram_fd : -EBADF;
}

static void f_unmap_ram(void *ctx, void *hva, uint64_t size)
{
	struct fake_kmod *fk = fk_of(ctx);

	if (hva != fk->ram || size != fk->info.ram_size)
		abort();
}

static int f_get_io(void *ctx, int vm, struct sv_ioreq *req)
{
	struct fake_kmod *fk = fk_of(ctx);

	if (!vm_ok(fk, vm))
		return -EBADF;
	if (fk->req_head == fk->req_tail) {
		fk_sync_readable(fk);
		return -EAGAIN;
	}
	*req = fk->reqs[fk->req_head++ % FK_MAX_REQS];
	return 0;
}

static int f_complete_io(void *ctx, int vm, const struct sv_ioreq *req)
{
	struct fake_kmod *fk = fk_of(ctx);

	if (!vm_ok(fk, vm))
		return -EBADF;
	if (fk_refuse(fk))
		return -EAGAIN;
	if (req->status > 0 || req->status < -4095)
		return -EINVAL;
	if (fk->nr_done < FK_MAX_REQS)
		fk->done[fk->nr_done++] = *req;
	fk->nr_completions++;
	pthread_cond_broadcast(&fk->completed);
	fk_log(fk, FK_COMPLETE_IO, req->id, req->data, (uint32_t)req->status, 0);
	return 0;
}

static int f_ioeventfd(void *ctx, int vm, const struct sv_ioeventfd *a)
{
	struct fake_kmod *fk = fk_of(ctx);
	struct fk_ioeventfd *free_slot = NULL;

	if (!vm_ok(fk, vm))
		return -EBADF;
	if (fk_refuse(fk))
		return -EAGAIN;
	if (a->len != 2 || a->kick >= fk->info.nr_kicks ||
	    (a->flags & ~(uint32_t)SV_IOEVENTFD_F_DEASSIGN))
		return -EINVAL;
	fk_log(fk, FK_IOEVENTFD, a->gpa, a->flags, a->kick, (uint32_t)a->fd);
	for (unsigned int i = 0; i < FK_MAX_IOEVENTFDS; i++) {
		struct fk_ioeventfd *b = &fk->ioeventfds[i];

		if (b->used && b->gpa == a->gpa) {
			if (!(a->flags & SV_IOEVENTFD_F_DEASSIGN))
				return -EEXIST;
			if (b->kick != a->kick || b->fd != a->fd)
				return -ENOENT;
			b->used = false;
			return 0;
		}
		if (!b->used && !free_slot)
			free_slot = b;
	}
	if (a->flags & SV_IOEVENTFD_F_DEASSIGN)
		return -ENOENT;
	if (!free_slot)
		return -ENOSPC;
	*free_slot = (struct fk_ioeventfd){ a->gpa, a->kick, a->fd, true };
	return 0;
}

static int f_irqfd(void *ctx, int vm, const struct sv_irqfd *a)
{
	struct fake_kmod *fk = fk_of(ctx);

	if (!vm_ok(fk, vm))
		return -EBADF;
	if (fk_refuse(fk))
		return -EAGAIN;
	if (a->call >= fk->info.nr_calls || a->call >= FK_MAX_CALLS)
		return -EINVAL;
	fk_log(fk, FK_IRQFD, a->msi_addr, a->msi_data, a->call, a->pcidev);
	if (a->flags & SV_IRQFD_F_DEASSIGN) {
		fk->irqfds[a->call].used = false;
		return 0;
	}
	fk->irqfds[a->call] = (struct fk_irqfd){ a->fd, a->pcidev, a->msi_addr, a->msi_data, true };
	return 0;
}

static int f_set_irq(void *ctx, int vm, uint32_t irq, uint32_t level)
{
	struct fake_kmod *fk = fk_of(ctx);

	if (!vm_ok(fk, vm))
		return -EBADF;
	if (fk_refuse(fk))
		return -EAGAIN;
	fk_log(fk, FK_SET_IRQ, irq, level, 0, 0);
	return 0;
}

static int f_msi(void *ctx, int vm, uint64_t addr, uint32_t data, uint32_t pcidev)
{
	struct fake_kmod *fk = fk_of(ctx);

	if (!vm_ok(fk, vm))
		return -EBADF;
	if (fk_refuse(fk))
		return -EAGAIN;
	fk_log(fk, FK_MSI, addr, data, pcidev, 0);
	return 0;
}

static int f_register_pci_dev(void *ctx, int vm, uint32_t index, uint32_t flags)
{
	struct fake_kmod *fk = fk_of(ctx);

	if (!vm_ok(fk, vm))
		return -EBADF;
	if (fk_refuse(fk))
		return -EAGAIN;
	fk_log(fk, FK_REGISTER_PCI_DEV, index, flags, 0, 0);
	return 0;
}

static int f_mmio_region(void *ctx, int vm, uint64_t gpa, uint64_t size, uint32_t flags)
{
	struct fake_kmod *fk = fk_of(ctx);

	if (!vm_ok(fk, vm))
		return -EBADF;
	if (fk_refuse(fk))
		return -EAGAIN;
	if (!size || gpa + size - 1 < gpa)
		return -EINVAL;
	fk_log(fk, FK_MMIO_REGION, gpa, size, flags, 0);
	if (flags & 1)
		fk->nr_regions--;
	else
		fk->nr_regions++;
	return 0;
}

static int f_start_vm(void *ctx, int vm)
{
	struct fake_kmod *fk = fk_of(ctx);

	if (!vm_ok(fk, vm))
		return -EBADF;
	if (fk_refuse(fk))
		return -EAGAIN;
	fk_log(fk, FK_START_VM, 0, 0, 0, 0);
	return 0;
}

/*
 * The ops take the fake's lock: a daemon serves each link on a thread of
 * its own while the test pushes requests and reads the log.
 */
static int f_save_state(void *ctx, int vm, const void *buf, uint32_t len)
{
	struct fake_kmod *fk = fk_of(ctx);

	if (!vm_ok(fk, vm))
		return -EBADF;
	if (!fk->state_area)
		return -EOPNOTSUPP;
	return sv_state_area_write(fk->state_area, fk->state_size, buf, len);
}

static int f_load_state(void *ctx, int vm, void *buf, uint32_t cap)
{
	struct fake_kmod *fk = fk_of(ctx);

	if (!vm_ok(fk, vm))
		return -EBADF;
	if (!fk->state_area)
		return -EOPNOTSUPP;
	return sv_state_area_read(fk->state_area, fk->state_size, buf, cap);
}

static void fk_lock_c(const struct fake_kmod *fk)
{
	pthread_mutex_lock((pthread_mutex_t *)&fk->lock);
}

static void fk_unlock_c(const struct fake_kmod *fk)
{
	pthread_mutex_unlock((pthread_mutex_t *)&fk->lock);
}

#define LOCKED(name, decl, args)                   \
	static int l_##name decl                   \
	{                                          \
		struct fake_kmod *fk = fk_of(ctx); \
		int ret;                           \
                                                   \
		fk_lock_c(fk);                     \
		ret = f_##name args;               \
		fk_unlock_c(fk);                   \
		return ret;                        \
	}

LOCKED(nr_links, (void *ctx), (ctx))
LOCKED(link_info, (void *ctx, uint32_t id, struct sv_link_info *i), (ctx, id, i))
LOCKED(create_vm, (void *ctx, uint32_t id), (ctx, id))
LOCKED(get_info, (void *ctx, int vm, struct sv_link_info *i), (ctx, vm, i))
LOCKED(map_ram, (void *ctx, int vm, uint64_t size, void **hva), (ctx, vm, size, hva))
LOCKED(ram_fd, (void *ctx, int vm), (ctx, vm))
LOCKED(get_io, (void *ctx, int vm, struct sv_ioreq *r), (ctx, vm, r))
LOCKED(complete_io, (void *ctx, int vm, const struct sv_ioreq *r), (ctx, vm, r))
LOCKED(ioeventfd, (void *ctx, int vm, const struct sv_ioeventfd *a), (ctx, vm, a))
LOCKED(irqfd, (void *ctx, int vm, const struct sv_irqfd *a), (ctx, vm, a))
LOCKED(set_irq, (void *ctx, int vm, uint32_t irq, uint32_t level), (ctx, vm, irq, level))
LOCKED(msi, (void *ctx, int vm, uint64_t a, uint32_t d, uint32_t p), (ctx, vm, a, d, p))
LOCKED(register_pci_dev, (void *ctx, int vm, uint32_t i, uint32_t f), (ctx, vm, i, f))
LOCKED(mmio_region, (void *ctx, int vm, uint64_t g, uint64_t s, uint32_t f), (ctx, vm, g, s, f))
LOCKED(start_vm, (void *ctx, int vm), (ctx, vm))
LOCKED(save_state, (void *ctx, int vm, const void *b, uint32_t n), (ctx, vm, b, n))
LOCKED(load_state, (void *ctx, int vm, void *b, uint32_t n), (ctx, vm, b, n))

static void l_close_vm(void *ctx, int vm)
{
	fk_lock_c(ctx);
	f_close_vm(ctx, vm);
	fk_unlock_c(ctx);
}

static void l_unmap_ram(void *ctx, void *hva, uint64_t size)
{
	fk_lock_c(ctx);
	f_unmap_ram(ctx, hva, size);
	fk_unlock_c(ctx);
}

void fk_lock(struct fake_kmod *fk)
{
	fk_lock_c(fk);
}

void fk_unlock(struct fake_kmod *fk)
{
	fk_unlock_c(fk);
}

unsigned long fk_counter(struct fake_kmod *fk, const unsigned long *field)
{
	unsigned long v;

	fk_lock_c(fk);
	v = *field;
	fk_unlock_c(fk);
	return v;
}

bool fk_wait_completions(struct fake_kmod *fk, unsigned long n, int timeout_ms)
{
	struct timespec deadline;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	fk_lock_c(fk);
	while (fk->nr_completions < n) {
		if (timeout_ms < 0)
			pthread_cond_wait(&fk->completed, &fk->lock);
		else if (pthread_cond_timedwait(&fk->completed, &fk->lock, &deadline))
			break;
	}
	ok = fk->nr_completions >= n;
	fk_unlock_c(fk);
	return ok;
}

static const struct dm_kmod_ops fake_ops = {
	.nr_links = l_nr_links,
	.link_info = l_link_info,
	.create_vm = l_create_vm,
	.close_vm = l_close_vm,
	.get_info = l_get_info,
	.map_ram = l_map_ram,
	.unmap_ram = l_unmap_ram,
	.ram_fd = l_ram_fd,
	.get_io = l_get_io,
	.complete_io = l_complete_io,
	.ioeventfd = l_ioeventfd,
	.irqfd = l_irqfd,
	.set_irq = l_set_irq,
	.msi = l_msi,
	.register_pci_dev = l_register_pci_dev,
	.mmio_region = l_mmio_region,
	.start_vm = l_start_vm,
	.save_state = l_save_state,
	.load_state = l_load_state,
};

int fk_init(struct fake_kmod *fk, const char *name, uint64_t ram_size, uint32_t nr_kicks,
	    uint32_t nr_calls)
{
	memset(fk, 0, sizeof(*fk));
	pthread_mutex_init(&fk->lock, NULL);
	pthread_cond_init(&fk->completed, NULL);
	fk->km.ops = &fake_ops;
	fk->km.ctx = fk;
	fk->present = true;
	fk->vm_fd = fk->peer_fd = -1;
	fk->info.link_id = 0;
	fk->info.nr_kicks = nr_kicks;
	fk->info.nr_calls = nr_calls;
	fk->info.iobuf_size = 16384;
	fk->info.ram_gpa = FK_RAM_GPA;
	fk->info.ram_size = ram_size;
	fk->info.connected = 1;
	strncpy(fk->info.name, name, sizeof(fk->info.name) - 1);
	fk->state_size = SV_STATE_AREA_SIZE;
	fk->state_area = calloc(1, fk->state_size);
	fk->info.state_capacity = sv_state_area_capacity(fk->state_size);
	fk->info.driver_epoch = 1;
	/* A memfd, as the module's BAR: a vhost-user back-end under test maps it too. */
	fk->ram_fd = memfd_create("fake-ram", MFD_CLOEXEC);
	if (fk->ram_fd < 0 || ftruncate(fk->ram_fd, (off_t)ram_size) || !fk->state_area)
		return -ENOMEM;
	fk->ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE, MAP_SHARED, fk->ram_fd, 0);
	if (fk->ram == MAP_FAILED) {
		fk->ram = NULL;
		return -ENOMEM;
	}
	return 0;
}

void fk_fini(struct fake_kmod *fk)
{
	if (fk->vm_fd >= 0)
		close(fk->vm_fd);
	if (fk->peer_fd >= 0)
		close(fk->peer_fd);
	if (fk->ram)
		munmap(fk->ram, fk->info.ram_size);
	if (fk->ram_fd >= 0)
		close(fk->ram_fd);
	fk->ram = NULL;
	fk->ram_fd = -1;
	free(fk->state_area);
	fk->state_area = NULL;
	pthread_cond_destroy(&fk->completed);
	pthread_mutex_destroy(&fk->lock);
}

void fk_push(struct fake_kmod *fk, const struct sv_ioreq *req)
{
	fk_lock_c(fk);
	if (fk->req_tail - fk->req_head >= FK_MAX_REQS)
		abort();
	fk->reqs[fk->req_tail++ % FK_MAX_REQS] = *req;
	fk_sync_readable(fk);
	fk_unlock_c(fk);
}

void fk_hangup(struct fake_kmod *fk)
{
	fk_lock_c(fk);
	if (fk->peer_fd >= 0)
		close(fk->peer_fd);
	fk->peer_fd = -1;
	fk_unlock_c(fk);
}

unsigned int fk_count(const struct fake_kmod *fk, enum fk_op op, int *last)
{
	unsigned int n = 0;

	fk_lock_c(fk);
	for (unsigned int i = 0; i < fk->nr_log; i++) {
		if (fk->log[i].op == op) {
			n++;
			if (last)
				*last = (int)i;
		}
	}
	fk_unlock_c(fk);
	return n;
}

int fk_kick_fd(const struct fake_kmod *fk, uint64_t gpa, uint32_t *kick)
{
	int fd = -1;

	fk_lock_c(fk);
	for (unsigned int i = 0; i < FK_MAX_IOEVENTFDS && fd < 0; i++) {
		if (fk->ioeventfds[i].used && fk->ioeventfds[i].gpa == gpa) {
			if (kick)
				*kick = fk->ioeventfds[i].kick;
			fd = fk->ioeventfds[i].fd;
		}
	}
	fk_unlock_c(fk);
	return fd;
}

unsigned int fk_pending(const struct fake_kmod *fk)
{
	unsigned int n;

	fk_lock_c(fk);
	n = fk->req_tail - fk->req_head;
	fk_unlock_c(fk);
	return n;
}

/* ---- several fakes behind one dm_kmod ---- */

static struct fk_set *set_of(void *ctx)
{
	return ctx;
}

static struct fake_kmod *set_find_id(void *ctx, uint32_t id)
{
	struct fk_set *set = set_of(ctx);

	for (unsigned int i = 0; i < set->n; i++)
		if (set->fk[i]->info.link_id == id)
			return set->fk[i];
	return NULL;
}

struct fake_kmod *fk_set_find_vm(const struct fk_set *set, int fd)
{
	for (unsigned int i = 0; i < set->n; i++) {
		bool found;

		fk_lock_c(set->fk[i]);
		found = set->fk[i]->vm_fd >= 0 && set->fk[i]->vm_fd == fd;
		fk_unlock_c(set->fk[i]);
		if (found)
			return set->fk[i];
	}
	return NULL;
}

static int s_nr_links(void *ctx)
{
	struct fk_set *set = set_of(ctx);
	int n = 0;

	for (unsigned int i = 0; i < set->n; i++)
		n += l_nr_links(set->fk[i]);
	return n;
}

static int s_link_info(void *ctx, uint32_t id, struct sv_link_info *info)
{
	struct fake_kmod *fk = set_find_id(ctx, id);

	return fk ? l_link_info(fk, id, info) : -ENOENT;
}

static int s_create_vm(void *ctx, uint32_t id)
{
	struct fake_kmod *fk = set_find_id(ctx, id);

	return fk ? l_create_vm(fk, id) : -ENOENT;
}

static void s_close_vm(void *ctx, int vm)
{
	struct fake_kmod *fk = fk_set_find_vm(ctx, vm);

	if (!fk)
		abort();
	l_close_vm(fk, vm);
}

static void s_unmap_ram(void *ctx, void *hva, uint64_t size)
{
	struct fk_set *set = set_of(ctx);

	for (unsigned int i = 0; i < set->n; i++) {
		if (set->fk[i]->ram == hva) {
			l_unmap_ram(set->fk[i], hva, size);
			return;
		}
	}
	abort();
}

/* The other calls name a VM handle: the fake that has it. */
#define S_VM_OP(name, decl, args)                               \
	static int s_##name decl                                \
	{                                                       \
		struct fake_kmod *fk = fk_set_find_vm(ctx, vm); \
                                                                \
		return fk ? l_##name args : -EBADF;             \
	}

S_VM_OP(get_info, (void *ctx, int vm, struct sv_link_info *i), (fk, vm, i))
S_VM_OP(map_ram, (void *ctx, int vm, uint64_t size, void **hva), (fk, vm, size, hva))
S_VM_OP(ram_fd, (void *ctx, int vm), (fk, vm))
S_VM_OP(get_io, (void *ctx, int vm, struct sv_ioreq *r), (fk, vm, r))
S_VM_OP(complete_io, (void *ctx, int vm, const struct sv_ioreq *r), (fk, vm, r))
S_VM_OP(ioeventfd, (void *ctx, int vm, const struct sv_ioeventfd *a), (fk, vm, a))
S_VM_OP(irqfd, (void *ctx, int vm, const struct sv_irqfd *a), (fk, vm, a))
S_VM_OP(set_irq, (void *ctx, int vm, uint32_t irq, uint32_t level), (fk, vm, irq, level))
S_VM_OP(msi, (void *ctx, int vm, uint64_t a, uint32_t d, uint32_t p), (fk, vm, a, d, p))
S_VM_OP(register_pci_dev, (void *ctx, int vm, uint32_t i, uint32_t f), (fk, vm, i, f))
S_VM_OP(mmio_region, (void *ctx, int vm, uint64_t g, uint64_t s, uint32_t f), (fk, vm, g, s, f))
S_VM_OP(start_vm, (void *ctx, int vm), (fk, vm))
S_VM_OP(save_state, (void *ctx, int vm, const void *b, uint32_t n), (fk, vm, b, n))
S_VM_OP(load_state, (void *ctx, int vm, void *b, uint32_t n), (fk, vm, b, n))

static const struct dm_kmod_ops set_ops = {
	.nr_links = s_nr_links,
	.link_info = s_link_info,
	.create_vm = s_create_vm,
	.close_vm = s_close_vm,
	.get_info = s_get_info,
	.map_ram = s_map_ram,
	.unmap_ram = s_unmap_ram,
	.ram_fd = s_ram_fd,
	.get_io = s_get_io,
	.complete_io = s_complete_io,
	.ioeventfd = s_ioeventfd,
	.irqfd = s_irqfd,
	.set_irq = s_set_irq,
	.msi = s_msi,
	.register_pci_dev = s_register_pci_dev,
	.mmio_region = s_mmio_region,
	.start_vm = s_start_vm,
	.save_state = s_save_state,
	.load_state = s_load_state,
};

void fk_set_init(struct fk_set *set, struct fake_kmod *const *fks, unsigned int n)
{
	memset(set, 0, sizeof(*set));
	if (n > FK_SET_MAX)
		abort();
	for (unsigned int i = 0; i < n; i++)
		set->fk[i] = fks[i];
	set->n = n;
	set->km.ops = &set_ops;
	set->km.ctx = set;
}

/* ---- the ioctls of a VM handle ---- */

int fk_ioctl(struct fake_kmod *fk, unsigned long cmd, void *arg)
{
	int vm, ret;

	fk_lock_c(fk);
	vm = fk->vm_fd;
	switch (cmd) {
	case SV_VM_GET_IO:
		ret = f_get_io(fk, vm, arg);
		break;
	case SV_VM_COMPLETE_IO:
		ret = f_complete_io(fk, vm, arg);
		break;
	case SV_VM_GET_INFO:
		ret = f_get_info(fk, vm, arg);
		break;
	case SV_VM_IOEVENTFD:
		ret = f_ioeventfd(fk, vm, arg);
		break;
	case SV_VM_IRQFD:
		ret = f_irqfd(fk, vm, arg);
		break;
	case SV_VM_SET_IRQ: {
		const struct sv_set_irq *a = arg;

		ret = f_set_irq(fk, vm, a->irq, a->level);
		break;
	}
	case SV_VM_MSI: {
		const struct sv_msi *a = arg;

		ret = f_msi(fk, vm, a->addr, a->data, a->pcidev);
		break;
	}
	case SV_VM_REGISTER_PCI_DEV: {
		const struct sv_pci_dev *a = arg;

		ret = f_register_pci_dev(fk, vm, a->index, a->flags);
		break;
	}
	case SV_VM_MMIO_REGION: {
		const struct sv_mmio_region *a = arg;

		ret = f_mmio_region(fk, vm, a->gpa, a->size, a->flags);
		break;
	}
	case SV_VM_START_VM:
		ret = f_start_vm(fk, vm);
		break;
	case SV_VM_SAVE_STATE:
	case SV_VM_LOAD_STATE: {
		const struct sv_state_io *a = arg;
		void *buf = (void *)(uintptr_t)a->addr;

		ret = a->pad		      ? -EINVAL :
		      cmd == SV_VM_SAVE_STATE ? f_save_state(fk, vm, buf, a->len) :
						f_load_state(fk, vm, buf, a->len);
		break;
	}
	default:
		ret = -ENOTTY;
	}
	fk_unlock_c(fk);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}
