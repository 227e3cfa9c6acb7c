// SPDX-License-Identifier: GPL-2.0
/*
 * Crash containment against the fake module: the link's saved state (in
 * the module's saved-state area, which outlives the devmodel and the
 * device VM) follows the driver's requests; a devmodel opening the link
 * again takes the devices over with the same doorbell indices and
 * announcements, carries out the blk requests left pending (a restart
 * costs a delay, not data) and serves new ones; a reset notice, a driver VM that restarted meanwhile, or a
 * damaged state means power-on.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../support/unit.h"

#include <linux/pci_regs.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_pci.h>

#include <splitvirt/rpc.h>
#include <splitvirt/state_area.h>

#include "../../../devmodel/state.h"
#include "../../support/link_fixture.h"
#include "../../support/log_lines.h"

#define NFN 3

static int setup(void **state)
{
	*state = fixture_new(16, 16, true);
	return 0;
}

static int teardown(void **state)
{
	fixture_free(*state);
	return 0;
}

/* What the fake module's saved-state area holds: its length (0: nothing). */
static int area_read(struct fixture *f, struct dm_link_state *st)
{
	return sv_state_area_read(f->fk.state_area, f->fk.state_size, st, sizeof(*st));
}

static bool saved(struct fixture *f)
{
	struct dm_link_state *st = malloc(sizeof(*st));
	int len;

	assert_non_null(st);
	len = area_read(f, st);
	free(st);
	assert_true(len >= 0);
	return len > 0;
}

/* What a previous device VM (compromised, say) left in the area. */
static void area_write(struct fixture *f, const void *buf, uint32_t len)
{
	assert_int_equal(sv_state_area_write(f->fk.state_area, f->fk.state_size, buf, len), 0);
}

/* The devmodel dies (the module drops its registrations) and a new one opens the link. */
static void restart(struct fixture *f)
{
	dm_link_close(f->link);
	f->link = NULL;
	f->fk.nr_log = 0;
	assert_int_equal(dm_link_open(&f->link, &f->fk.km, &f->loop, &f->spec, &f->opt), 0);
	f->gd.link = f->link;
}

/* A blk request on function 0, made available; kicked and run if kick is set. */
static uint64_t blk_post(struct fixture *f, uint32_t type, uint64_t sector, uint64_t data,
			 uint32_t len, bool kick)
{
	struct guestdrv *gd = &f->gd;
	uint64_t hgpa = gram_alloc(&gd->ram, 16, 8), sgpa = gram_alloc(&gd->ram, 1, 1);
	struct virtio_blk_outhdr *h = gram_ptr(&gd->ram, hgpa);
	struct gbuf bufs[3] = {
		{ hgpa, 16, false },
		{ data, len, type == VIRTIO_BLK_T_IN },
		{ sgpa, 1, true },
	};

	h->type = type;
	h->sector = sector;
	*(uint8_t *)gram_ptr(&gd->ram, sgpa) = 0xee;
	assert_true(gvring_add(&gd->vr[0][0], bufs, 3) >= 0);
	gvring_publish(&gd->vr[0][0]);
	if (kick) {
		gd_kick(gd, &f->fk, 0, 0);
		for (int i = 0; i < 10 && *(uint8_t *)gram_ptr(&gd->ram, sgpa) == 0xee; i++)
			assert_true(sv_loop_run_once(&f->loop, 100) >= 0);
	}
	return sgpa;
}

static uint8_t blk_do(struct fixture *f, uint32_t type, uint64_t sector, uint32_t len, int fill)
{
	uint64_t buf = gram_alloc(&f->gd.ram, len, 512);
	uint64_t s;
	uint16_t head;
	uint32_t used;

	memset(gram_ptr(&f->gd.ram, buf), fill, len);
	s = blk_post(f, type, sector, buf, len, true);
	assert_true(gvring_get_used(&f->gd.vr[0][0], &head, &used));
	return *(uint8_t *)gram_ptr(&f->gd.ram, s);
}

static void test_saved_state_round_trip(void **state)
{
	struct fixture *f = *state;
	struct dm_link_state *now = calloc(1, sizeof(*now)), *read = calloc(1, sizeof(*read));
	const char *why;

	/* Power-on needs nothing saved; the driver's first change saves. */
	assert_false(saved(f));
	gd_start(&f->gd, 0, 16);
	assert_true(saved(f));
	dm_state_capture(f->link, now);
	assert_int_equal(area_read(f, read), sizeof(*read));
	assert_int_equal(dm_state_unseal(read, sizeof(*read)), 0);
	assert_memory_equal(now, read, DM_STATE_CMP_LEN);
	assert_int_equal(dm_state_check(read, f->link, &why), 0);
	assert_int_equal(read->fns[0].pci.status, 0x0f);
	assert_int_equal(read->driver_epoch, 1);

	/* Same link, other driver VM; a duplicate doorbell index; another incarnation. */
	strcpy(read->driver, "other");
	assert_int_equal(dm_state_check(read, f->link, &why), -EINVAL);
	assert_int_equal(area_read(f, read), sizeof(*read));
	read->fns[1].kick[0] = read->fns[0].kick[0];
	read->next_kick = 16;
	assert_int_equal(dm_state_check(read, f->link, &why), -EINVAL);
	assert_string_equal(why, "bad doorbell indices");
	assert_int_equal(area_read(f, read), sizeof(*read));
	read->driver_epoch = 7;
	assert_int_equal(dm_state_check(read, f->link, &why), -EINVAL);

	/* One flipped byte, a short image. */
	assert_int_equal(area_read(f, read), sizeof(*read));
	((uint8_t *)read)[100] ^= 0x40;
	assert_int_equal(dm_state_unseal(read, sizeof(*read)), -EINVAL);
	assert_int_equal(area_read(f, read), sizeof(*read));
	assert_int_equal(dm_state_unseal(read, 64), -EINVAL);
	free(now);
	free(read);
}

struct doorbells {
	int kick[NFN][GD_MAX_Q]; /* -1 none */
	struct fk_irqfd calls[FK_MAX_CALLS];
};

static void doorbells(const struct fixture *f, struct doorbells *d)
{
	for (unsigned int fn = 0; fn < NFN; fn++) {
		for (unsigned int q = 0; q < GD_MAX_Q; q++) {
			uint32_t k;
			uint64_t gpa = gd_bar0(fn) + VIRTIO_PCI_NOTIFY_OFF + q * 4;

			d->kick[fn][q] = fk_kick_fd(&f->fk, gpa, &k) >= 0 ? (int)k : -1;
		}
	}
	memcpy(d->calls, f->fk.irqfds, sizeof(d->calls));
}

static void test_restart_same_doorbells(void **state)
{
	struct fixture *f = *state;
	struct doorbells before, after;
	int start = -1;

	/* Not in function order, so the indices are not simply 0, 1, 2, ... */
	gd_start(&f->gd, 2, 16);
	gd_start(&f->gd, 0, 16);
	gd_start(&f->gd, 1, 16);
	assert_int_equal(blk_do(f, VIRTIO_BLK_T_OUT, 0, 512, 0x5a), VIRTIO_BLK_S_OK);
	doorbells(f, &before);
	assert_int_equal(before.kick[2][0], 0);
	assert_int_equal(before.kick[0][0], 2);

	restart(f);
	assert_true(f->link->restored);
	/* Everything announced again: BAR windows, kicks and calls at their old indices. */
	assert_int_equal(f->fk.nr_regions, 2 * NFN);
	doorbells(f, &after);
	assert_memory_equal(before.kick, after.kick, sizeof(before.kick));
	for (unsigned int c = 0; c < FK_MAX_CALLS; c++) {
		assert_int_equal(before.calls[c].used, after.calls[c].used);
		if (!before.calls[c].used)
			continue;
		assert_int_equal(before.calls[c].pcidev, after.calls[c].pcidev);
		assert_int_equal(before.calls[c].addr, after.calls[c].addr);
		assert_int_equal(before.calls[c].data, after.calls[c].data);
	}
	assert_int_equal(fk_count(&f->fk, FK_REGISTER_PCI_DEV, NULL), NFN);
	assert_int_equal(fk_count(&f->fk, FK_START_VM, &start), 1);
	/* The driver keeps using its device: config reads and I/O as before. */
	assert_int_equal(gd_common_read(&f->gd, 0, VIRTIO_PCI_COMMON_STATUS, 1), 0x0f);
	assert_int_equal(gd_cfg_read(&f->gd, 1, PCI_COMMAND, 2),
			 PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	assert_int_equal(blk_do(f, VIRTIO_BLK_T_IN, 0, 512, 0), VIRTIO_BLK_S_OK);
}

static void test_restart_replays_pending(void **state)
{
	struct fixture *f = *state;
	struct gvring *vr = &f->gd.vr[0][0];
	uint64_t s1, s2, wbuf, rbuf;
	uint8_t cnt[8];
	uint16_t head;
	uint32_t len;
	int qfd;

	gd_start(&f->gd, 0, 16);
	assert_int_equal(blk_do(f, VIRTIO_BLK_T_OUT, 0, 512, 0x11), VIRTIO_BLK_S_OK);
	/* Submitted, kick lost: the devmodel died first. */
	wbuf = gram_alloc(&f->gd.ram, 512, 512);
	memset(gram_ptr(&f->gd.ram, wbuf), 0x33, 512);
	rbuf = gram_alloc(&f->gd.ram, 512, 512);
	s1 = blk_post(f, VIRTIO_BLK_T_OUT, 4, wbuf, 512, false);
	s2 = blk_post(f, VIRTIO_BLK_T_IN, 0, rbuf, 512, false);

	restart(f);
	/*
	 * Both carried out by the new devmodel (asynchronously: through its
	 * loop; a status byte is written when its request completes, the used
	 * ring in ring order).
	 */
	for (int i = 0; i < 20 && (*(uint8_t *)gram_ptr(&f->gd.ram, s1) == 0xee ||
				   *(uint8_t *)gram_ptr(&f->gd.ram, s2) == 0xee ||
				   vr->used->idx != (uint16_t)(vr->last_used + 2));
	     i++)
		assert_true(sv_loop_run_once(&f->loop, 100) >= 0);
	assert_int_equal(*(uint8_t *)gram_ptr(&f->gd.ram, s1), VIRTIO_BLK_S_OK);
	assert_int_equal(*(uint8_t *)gram_ptr(&f->gd.ram, s2), VIRTIO_BLK_S_OK);
	assert_int_equal(*(uint8_t *)gram_ptr(&f->gd.ram, rbuf), 0x11);
	assert_true(gvring_get_used(vr, &head, &len));
	assert_int_equal(len, 1);
	assert_true(gvring_get_used(vr, &head, &len));
	assert_int_equal(len, 513);
	assert_false(gvring_get_used(vr, &head, &len));
	/* The guest was interrupted through the (new) call eventfd of queue 0. */
	qfd = -1;
	for (unsigned int c = 0; c < FK_MAX_CALLS; c++)
		if (f->fk.irqfds[c].used && f->fk.irqfds[c].data == 0x001)
			qfd = f->fk.irqfds[c].fd;
	assert_true(qfd >= 0);
	assert_int_equal(read(qfd, cnt, sizeof(cnt)), sizeof(cnt));
	/* The write is on the disk, and the device works on. */
	rbuf = gram_alloc(&f->gd.ram, 512, 512);
	s1 = blk_post(f, VIRTIO_BLK_T_IN, 4, rbuf, 512, true);
	assert_true(gvring_get_used(vr, &head, &len));
	assert_int_equal(*(uint8_t *)gram_ptr(&f->gd.ram, s1), VIRTIO_BLK_S_OK);
	assert_int_equal(*(uint8_t *)gram_ptr(&f->gd.ram, rbuf), 0x33);
	assert_int_equal(blk_do(f, VIRTIO_BLK_T_OUT, 4, 512, 0x22), VIRTIO_BLK_S_OK);
	/* A second restart with nothing pending redoes nothing. */
	restart(f);
	assert_false(gvring_get_used(vr, &head, &len));
	assert_int_equal(blk_do(f, VIRTIO_BLK_T_IN, 4, 512, 0), VIRTIO_BLK_S_OK);
}

/* Runs the new devmodel's loop until vr's used index is want and the status byte at s is set. */
static void run_until_used(struct fixture *f, struct gvring *vr, uint16_t want, uint64_t s)
{
	for (int i = 0; i < 20 && (*(uint8_t *)gram_ptr(&f->gd.ram, s) == 0xee ||
				   __atomic_load_n(&vr->used->idx, __ATOMIC_ACQUIRE) != want);
	     i++)
		assert_true(sv_loop_run_once(&f->loop, 100) >= 0);
	assert_int_equal(__atomic_load_n(&vr->used->idx, __ATOMIC_ACQUIRE), want);
}

/*
 * The devmodel dies at each step of a write's life: made available and
 * not seen; carried out with the completion not yet published (the used
 * index not stored); published. The next devmodel, through the module's
 * saved state, leaves the guest with exactly one completion, OK, and the
 * data on the disk.
 */
static void test_restart_crash_points(void **state)
{
	enum { AVAILABLE, EXECUTED, PUBLISHED, NPOINTS };
	struct fixture *f = *state;
	struct gvring *vr = &f->gd.vr[0][0];

	gd_start(&f->gd, 0, 16);
	for (int point = AVAILABLE; point < NPOINTS; point++) {
		uint64_t sector = 8 + 8 * (uint64_t)point, wbuf, rbuf, s;
		uint16_t idx = vr->used->idx, head;
		uint32_t len;

		wbuf = gram_alloc(&f->gd.ram, 512, 512);
		memset(gram_ptr(&f->gd.ram, wbuf), 0x60 + point, 512);
		s = blk_post(f, VIRTIO_BLK_T_OUT, sector, wbuf, 512, point >= EXECUTED);
		if (point >= EXECUTED)
			run_until_used(f, vr, (uint16_t)(idx + 1), s);
		if (point == EXECUTED) {
			__atomic_store_n(&vr->used->idx, idx, __ATOMIC_RELEASE);
			*(uint8_t *)gram_ptr(&f->gd.ram, s) = 0xee;
		}
		restart(f);
		run_until_used(f, vr, (uint16_t)(idx + 1), s);
		assert_int_equal(*(uint8_t *)gram_ptr(&f->gd.ram, s), VIRTIO_BLK_S_OK);
		assert_true(gvring_get_used(vr, &head, &len));
		assert_int_equal(len, 1);
		assert_false(gvring_get_used(vr, &head, &len));
		rbuf = gram_alloc(&f->gd.ram, 512, 512);
		s = blk_post(f, VIRTIO_BLK_T_IN, sector, rbuf, 512, true);
		assert_true(gvring_get_used(vr, &head, &len));
		assert_int_equal(*(uint8_t *)gram_ptr(&f->gd.ram, s), VIRTIO_BLK_S_OK);
		assert_int_equal(*(uint8_t *)gram_ptr(&f->gd.ram, rbuf), 0x60 + point);
		assert_int_equal(*(uint8_t *)gram_ptr(&f->gd.ram, rbuf + 511), 0x60 + point);
	}
}

static void restart_cb(void *arg)
{
	restart(arg);
}

/*
 * The disk is gone when the devmodel restarts: the driver VM's pending
 * write and its new requests fail with IOERR (logged with the reason)
 * instead of waiting for a device that cannot come; the link's other
 * devices are served. A devmodel started once the disk is back serves it.
 */
static void test_restart_disk_gone(void **state)
{
	struct fixture *f = *state;
	struct gvring *vr = &f->gd.vr[0][0];
	uint64_t wbuf, s;
	uint16_t head;
	uint32_t len;
	int fd;

	gd_start(&f->gd, 0, 16);
	assert_int_equal(blk_do(f, VIRTIO_BLK_T_OUT, 0, 512, 0x44), VIRTIO_BLK_S_OK);
	wbuf = gram_alloc(&f->gd.ram, 512, 512);
	s = blk_post(f, VIRTIO_BLK_T_OUT, 4, wbuf, 512, false);
	assert_int_equal(unlink(f->disk), 0);

	assert_int_equal(log_lines_while("fail with IOERR", restart_cb, f), 1);
	assert_true(f->link->restored);
	assert_int_equal(f->link->nr_fns, NFN);
	run_until_used(f, vr, (uint16_t)(vr->last_used + 1), s);
	assert_int_equal(*(uint8_t *)gram_ptr(&f->gd.ram, s), VIRTIO_BLK_S_IOERR);
	assert_true(gvring_get_used(vr, &head, &len));
	assert_int_equal(len, 1);
	assert_int_equal(blk_do(f, VIRTIO_BLK_T_IN, 0, 512, 0), VIRTIO_BLK_S_IOERR);
	assert_int_equal(blk_do(f, VIRTIO_BLK_T_OUT, 8, 512, 0x55), VIRTIO_BLK_S_IOERR);

	/* A disk is back at that path. */
	fd = open(f->disk, O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, DISK_SIZE), 0);
	close(fd);
	restart(f);
	assert_true(f->link->restored);
	assert_int_equal(blk_do(f, VIRTIO_BLK_T_IN, 0, 512, 0), VIRTIO_BLK_S_OK);
}

/* At power-on a missing disk is a configuration error: no device, the link waits for it. */
static void test_power_on_disk_missing(void **state)
{
	struct fixture *f = *state;

	dm_link_close(f->link);
	f->link = NULL;
	f->opt.keep_state = false;
	assert_int_equal(unlink(f->disk), 0);
	assert_int_equal(dm_link_open(&f->link, &f->fk.km, &f->loop, &f->spec, &f->opt), -ENOENT);
	f->link = NULL;
}

static void test_reset_notice_forgets(void **state)
{
	struct fixture *f = *state;
	struct sv_ioreq req = { .dir = SV_IOREQ_RESET, .data = SV_RPC_RESET_RESTART };

	gd_start(&f->gd, 0, 16);
	assert_true(saved(f));
	fk_push(&f->fk, &req);
	assert_true(sv_loop_run_once(&f->loop, 1000) >= 1);
	assert_false(saved(f));
	restart(f);
	assert_false(f->link->restored);
	assert_int_equal(f->fk.nr_regions, 0);
	assert_int_equal(gd_cfg_read(&f->gd, 0, PCI_COMMAND, 2), 0);
	/* The rebooted driver sets it up again, and that is saved again. */
	f->gd.ram.next = 0;
	gd_start(&f->gd, 0, 16);
	assert_true(saved(f));
	assert_int_equal(blk_do(f, VIRTIO_BLK_T_IN, 0, 512, 0), VIRTIO_BLK_S_OK);
}

/*
 * The driver VM rebooted while no devmodel ran (its device VM was down):
 * its new incarnation has a new epoch, and the old devices must not come
 * back into its memory.
 */
static void test_driver_restarted_meanwhile(void **state)
{
	struct fixture *f = *state;

	gd_start(&f->gd, 0, 16);
	assert_true(saved(f));
	dm_link_close(f->link);
	f->link = NULL;
	f->fk.info.driver_epoch = 2;
	assert_int_equal(dm_link_open(&f->link, &f->fk.km, &f->loop, &f->spec, &f->opt), 0);
	f->gd.link = f->link;
	assert_false(f->link->restored);
	assert_false(saved(f));
	assert_int_equal(f->fk.nr_regions, 0);
}

static void test_bad_state_means_power_on(void **state)
{
	struct fixture *f = *state;
	struct dm_link_state *st = calloc(1, sizeof(*st));

	gd_start(&f->gd, 0, 16);
	/* A sealed image with an invalid device state inside. */
	assert_int_equal(area_read(f, st), sizeof(*st));
	st->fns[0].pci.queues[0].desc_gpa = 0x1000;
	dm_state_seal(st);
	area_write(f, st, sizeof(*st));
	restart(f);
	assert_false(f->link->restored);
	assert_false(saved(f));
	assert_int_equal(f->fk.nr_regions, 0);
	assert_int_equal(gd_cfg_read(&f->gd, 0, PCI_COMMAND, 2), 0);

	/* Garbage of the right size, and of a wrong one. */
	memset(st, 0x5a, sizeof(*st));
	st->link_id = 0;
	area_write(f, st, sizeof(*st));
	restart(f);
	assert_false(f->link->restored);
	assert_false(saved(f));
	area_write(f, st, 100);
	restart(f);
	assert_false(f->link->restored);
	assert_false(saved(f));
	free(st);
}

static void test_without_keep_state(void **state)
{
	struct fixture *f = *state;

	dm_link_close(f->link);
	f->opt.keep_state = false;
	assert_int_equal(dm_link_open(&f->link, &f->fk.km, &f->loop, &f->spec, &f->opt), 0);
	f->gd.link = f->link;
	gd_start(&f->gd, 0, 16);
	assert_false(saved(f));
	assert_null(f->link->saved);
}

/* A link without a saved-state area (an older vmm) serves, without containment. */
static void test_without_area(void **state)
{
	struct fixture *f = *state;

	dm_link_close(f->link);
	f->fk.info.state_capacity = 0;
	assert_int_equal(dm_link_open(&f->link, &f->fk.km, &f->loop, &f->spec, &f->opt), 0);
	f->gd.link = f->link;
	assert_null(f->link->saved);
	gd_start(&f->gd, 0, 16);
	assert_false(saved(f));
	assert_int_equal(blk_do(f, VIRTIO_BLK_T_IN, 0, 512, 0), VIRTIO_BLK_S_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		SV_TEST(test_saved_state_round_trip),
		SV_TEST(test_restart_same_doorbells),
		SV_TEST(test_restart_replays_pending),
		SV_TEST(test_restart_crash_points),
		SV_TEST(test_restart_disk_gone),
		SV_TEST(test_power_on_disk_missing),
		SV_TEST(test_reset_notice_forgets),
		SV_TEST(test_driver_restarted_meanwhile),
		SV_TEST(test_bad_state_means_power_on),
		SV_TEST(test_without_keep_state),
		SV_TEST(test_without_area),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
