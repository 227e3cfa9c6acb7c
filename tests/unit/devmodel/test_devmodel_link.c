// SPDX-License-Identifier: GPL-2.0
/*
 * A devmodel link against the fake module: registration, the host ops
 * turned into kmod calls, the request dispatcher, a blk request end to end
 * (kick eventfd -> event loop -> model -> raw file -> call eventfd), reset
 * notices, hang-up and reopen.
 */
#include <errno.h>
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
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>

#include <splitvirt/kmod_uapi.h>
#include <splitvirt/rpc.h>
#include <splitvirt/trace.h>
#include <splitvirt/virtio_blk.h>

#include "../../support/link_fixture.h"

static int setup(void **state)
{
	*state = fixture_new(16, 16, false);
	return 0;
}

/* One kick doorbell and no call doorbells: the RPC fallbacks. */
static int setup_scarce(void **state)
{
	*state = fixture_new(1, 0, false);
	return 0;
}

static int teardown(void **state)
{
	fixture_free(*state);
	return 0;
}

static void test_registration(void **state)
{
	struct fixture *f = *state;
	const struct fake_kmod *fk = &f->fk;
	int start = -1;

	assert_int_equal(fk->log[0].op, FK_CREATE_VM);
	assert_int_equal(fk_count(fk, FK_REGISTER_PCI_DEV, NULL), 3);
	for (unsigned int k = 0; k < 3; k++) {
		assert_int_equal(fk->log[1 + k].op, FK_REGISTER_PCI_DEV);
		assert_int_equal(fk->log[1 + k].a, k);
		assert_int_equal(fk->log[1 + k].b, 0);
	}
	assert_int_equal(fk_count(fk, FK_START_VM, &start), 1);
	assert_int_equal(start, (int)fk->nr_log - 1); /* last */
}

static void test_config_reaches_function(void **state)
{
	struct fixture *f = *state;

	/* virtio device ids: blk 2, rng 4, console 3. */
	assert_int_equal(gd_cfg_read(&f->gd, 0, PCI_VENDOR_ID, 2), 0x1af4);
	assert_int_equal(gd_cfg_read(&f->gd, 0, PCI_DEVICE_ID, 2), 0x1042);
	assert_int_equal(gd_cfg_read(&f->gd, 1, PCI_DEVICE_ID, 2), 0x1044);
	assert_int_equal(gd_cfg_read(&f->gd, 2, PCI_DEVICE_ID, 2), 0x1043);
	assert_int_equal(gd_cfg_read(&f->gd, 2, 0, 4), 0x10431af4);
	/* Writes land in the addressed function only. */
	gd_cfg_write(&f->gd, 1, PCI_INTERRUPT_LINE, 1, 0x5a);
	assert_int_equal(gd_cfg_read(&f->gd, 1, PCI_INTERRUPT_LINE, 1), 0x5a);
	assert_int_equal(gd_cfg_read(&f->gd, 0, PCI_INTERRUPT_LINE, 1), 0);
	/* Extended config space reads as zero. */
	assert_int_equal(gd_cfg_read(&f->gd, 0, 0xffc, 4), 0);
}

static bool has_region(const struct fake_kmod *fk, uint64_t gpa, uint64_t size, uint32_t flags)
{
	for (unsigned int i = 0; i < fk->nr_log; i++) {
		const struct fk_call *c = &fk->log[i];

		if (c->op == FK_MMIO_REGION && c->a == gpa && c->b == size && c->c == flags)
			return true;
	}
	return false;
}

static void test_bar_placement(void **state)
{
	struct fixture *f = *state;
	struct fake_kmod *fk = &f->fk;
	uint64_t moved = 0x20000000ull, v = 0;

	assert_int_equal(fk_count(fk, FK_MMIO_REGION, NULL), 0);
	gd_place_bars(&f->gd, 1);
	assert_true(has_region(fk, gd_bar0(1), VIRTIO_PCI_BAR0_SIZE, 0));
	assert_true(has_region(fk, gd_bar2(1), VIRTIO_PCI_BAR2_SIZE, 0));
	assert_int_equal(fk->nr_regions, 2);
	/* The window answers through the dispatcher: device feature word 1 has VERSION_1. */
	gd_common_write(&f->gd, 1, VIRTIO_PCI_COMMON_DFSELECT, 4, 1);
	assert_int_equal(gd_common_read(&f->gd, 1, VIRTIO_PCI_COMMON_DF, 4) & 1, 1);

	/* Moving BAR0 with decoding on: the old window goes, the new one comes. */
	gd_cfg_write(&f->gd, 1, PCI_BASE_ADDRESS_0, 4, (uint32_t)moved);
	assert_true(has_region(fk, gd_bar0(1), VIRTIO_PCI_BAR0_SIZE, SV_RPC_REGION_F_REMOVE));
	assert_true(has_region(fk, moved, VIRTIO_PCI_BAR0_SIZE, 0));
	assert_int_equal(fk->nr_regions, 2);
	assert_int_equal(gd_req(&f->gd, SV_RPC_AS_GLOBAL, SV_RPC_MMIO_READ,
				gd_bar0(1) + VIRTIO_PCI_COMMON_STATUS, 1, &v),
			 -ENODEV);
	assert_int_equal(gd_req(&f->gd, SV_RPC_AS_GLOBAL, SV_RPC_MMIO_READ,
				moved + VIRTIO_PCI_COMMON_STATUS, 1, &v),
			 0);

	/* Decoding off: every window goes. */
	gd_cfg_write(&f->gd, 1, PCI_COMMAND, 2, 0);
	assert_int_equal(fk->nr_regions, 0);
}

static void test_queue_enable_binds_kicks(void **state)
{
	struct fixture *f = *state;
	struct fake_kmod *fk = &f->fk;
	uint32_t k_blk, k_rng, k_con0, k_con1;
	int fd_blk, fd_rng;

	gd_start(&f->gd, 0, 16);
	gd_start(&f->gd, 1, 16);
	gd_start(&f->gd, 2, 16);
	fd_blk = fk_kick_fd(fk, gd_bar0(0) + VIRTIO_PCI_NOTIFY_OFF, &k_blk);
	fd_rng = fk_kick_fd(fk, gd_bar0(1) + VIRTIO_PCI_NOTIFY_OFF, &k_rng);
	assert_true(fd_blk >= 0 && fd_rng >= 0);
	assert_true(fk_kick_fd(fk, gd_bar0(2) + VIRTIO_PCI_NOTIFY_OFF, &k_con0) >= 0);
	assert_true(fk_kick_fd(fk, gd_bar0(2) + VIRTIO_PCI_NOTIFY_OFF + 4, &k_con1) >= 0);
	assert_int_not_equal(fd_blk, fd_rng);
	/* Distinct kick indices across functions and queues. */
	assert_int_not_equal(k_blk, k_rng);
	assert_int_not_equal(k_blk, k_con0);
	assert_int_not_equal(k_rng, k_con0);
	assert_int_not_equal(k_con0, k_con1);
	/* blk offers VIRTIO_BLK_DEVICE_QUEUES queues and this driver enables them all. */
	assert_int_equal(fk_count(fk, FK_IOEVENTFD, NULL), VIRTIO_BLK_DEVICE_QUEUES + 1 + 2);

	/* Reset of the rng function: its ioeventfd is deassigned. */
	gd_common_write(&f->gd, 1, VIRTIO_PCI_COMMON_STATUS, 1, 0);
	assert_int_equal(fk_kick_fd(fk, gd_bar0(1) + VIRTIO_PCI_NOTIFY_OFF, NULL), -1);
	assert_true(fk_kick_fd(fk, gd_bar0(0) + VIRTIO_PCI_NOTIFY_OFF, NULL) >= 0);
}

static void test_msix_routes_calls(void **state)
{
	struct fixture *f = *state;
	struct fake_kmod *fk = &f->fk;
	unsigned int seen = 0;

	gd_place_bars(&f->gd, 1);
	gd_enable_msix(&f->gd, 1);
	/* rng: 2 vectors; every route names function 1 and carries its message. */
	for (unsigned int c = 0; c < FK_MAX_CALLS; c++) {
		if (!fk->irqfds[c].used)
			continue;
		seen++;
		assert_int_equal(fk->irqfds[c].pcidev, 1);
		assert_int_equal(fk->irqfds[c].addr, GD_MSI_ADDR);
		assert_true(fk->irqfds[c].data == 0x100 || fk->irqfds[c].data == 0x101);
	}
	assert_int_equal(seen, 2);
	for (unsigned int i = 0; i < fk->nr_log; i++) {
		if (fk->log[i].op == FK_IRQFD)
			assert_true(fk->log[i].c < fk->info.nr_calls);
	}
}

/* Puts a blk request on function 0's queue 0 (no kick); returns its status byte's address. */
static uint64_t blk_post(struct fixture *f, uint32_t type, uint64_t sector, uint64_t data_gpa,
			 uint32_t len)
{
	struct guestdrv *gd = &f->gd;
	struct gvring *vr = &gd->vr[0][0];
	uint64_t hgpa = gram_alloc(&gd->ram, 16, 8), sgpa = gram_alloc(&gd->ram, 1, 1);
	struct virtio_blk_outhdr *h = gram_ptr(&gd->ram, hgpa);
	struct gbuf bufs[3] = {
		{ hgpa, 16, false },
		{ data_gpa, len, type == VIRTIO_BLK_T_IN },
		{ sgpa, 1, true },
	};

	h->type = type;
	h->sector = sector;
	*(uint8_t *)gram_ptr(&gd->ram, sgpa) = 0xee;
	assert_true(gvring_add(vr, bufs, 3) >= 0);
	gvring_publish(vr);
	return sgpa;
}

/* Submits one blk request on function 0 and lets the event loop run it. */
static int blk_request(struct fixture *f, uint32_t type, uint64_t sector, uint64_t data_gpa,
		       uint32_t len)
{
	struct guestdrv *gd = &f->gd;
	struct gvring *vr = &gd->vr[0][0];
	uint64_t sgpa = blk_post(f, type, sector, data_gpa, len);
	uint16_t head;
	uint32_t used;

	gd_kick(gd, &f->fk, 0, 0);
	for (int i = 0; i < 10 && !gvring_get_used(vr, &head, &used); i++)
		assert_true(sv_loop_run_once(&f->loop, 100) >= 0);
	return *(uint8_t *)gram_ptr(&gd->ram, sgpa);
}

/* The call eventfd routed for MSI data, or -1. */
static int call_fd(const struct fake_kmod *fk, uint32_t data)
{
	for (unsigned int c = 0; c < FK_MAX_CALLS; c++) {
		if (fk->irqfds[c].used && fk->irqfds[c].data == data)
			return fk->irqfds[c].fd;
	}
	return -1;
}

/* The devices' high feature word (features 32..63). */
static uint32_t device_features_hi(struct fixture *f, unsigned int fn)
{
	gd_common_write(&f->gd, fn, VIRTIO_PCI_COMMON_DFSELECT, 4, 1);
	return (uint32_t)gd_common_read(&f->gd, fn, VIRTIO_PCI_COMMON_DF, 4);
}

/* Whether the device takes FEATURES_OK for these features 32..63. */
static bool features_ok(struct fixture *f, unsigned int fn, uint32_t hi)
{
	uint8_t s = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;

	gd_common_write(&f->gd, fn, VIRTIO_PCI_COMMON_STATUS, 1, 0);
	gd_common_write(&f->gd, fn, VIRTIO_PCI_COMMON_STATUS, 1, s);
	gd_common_write(&f->gd, fn, VIRTIO_PCI_COMMON_GFSELECT, 4, 1);
	gd_common_write(&f->gd, fn, VIRTIO_PCI_COMMON_GF, 4, hi);
	gd_common_write(&f->gd, fn, VIRTIO_PCI_COMMON_STATUS, 1, s | VIRTIO_CONFIG_S_FEATURES_OK);
	return gd_common_read(&f->gd, fn, VIRTIO_PCI_COMMON_STATUS, 1) &
	       VIRTIO_CONFIG_S_FEATURES_OK;
}

#define HI_VERSION_1 (1u << (VIRTIO_F_VERSION_1 - 32))
#define HI_ACCESS_PLATFORM (1u << (VIRTIO_F_ACCESS_PLATFORM - 32))

/*
 * Through a DMA window every device requires VIRTIO_F_ACCESS_PLATFORM:
 * a driver that would hand it physical addresses outside the window (no
 * DMA API, no bounce) does not get FEATURES_OK. With all of the driver
 * VM's RAM it is not offered.
 */
static void test_dma_window_requires_access_platform(void **state)
{
	struct fixture *f = *state, *w;

	for (unsigned int fn = 0; fn < 3; fn++) {
		gd_place_bars(&f->gd, fn);
		assert_false(device_features_hi(f, fn) & HI_ACCESS_PLATFORM);
		assert_true(features_ok(f, fn, HI_VERSION_1));
	}
	w = fixture_new_flags(16, 16, false, SV_LINK_F_DMA_WINDOW);
	for (unsigned int fn = 0; fn < 3; fn++) {
		gd_place_bars(&w->gd, fn);
		assert_true(device_features_hi(w, fn) & HI_ACCESS_PLATFORM);
		assert_false(features_ok(w, fn, HI_VERSION_1));
		assert_true(features_ok(w, fn, HI_VERSION_1 | HI_ACCESS_PLATFORM));
	}
	fixture_free(w);
}

/*
 * The devmodel's guest memory on a windowed link is the window: a request
 * whose buffer lies past it (in the driver VM's RAM, which the device VM
 * does not have) is refused, and the device reports NEEDS_RESET.
 */
static void test_dma_window_refuses_outside(void **state)
{
	struct fixture *w = fixture_new_flags(16, 16, false, SV_LINK_F_DMA_WINDOW);
	uint64_t inside = gram_alloc(&w->gd.ram, 4096, 4096);

	(void)state;
	gd_start_features(&w->gd, 0, 16, HI_VERSION_1 | HI_ACCESS_PLATFORM);
	assert_int_equal(blk_request(w, VIRTIO_BLK_T_IN, 0, inside, 4096), VIRTIO_BLK_S_OK);
	assert_false(gd_common_read(&w->gd, 0, VIRTIO_PCI_COMMON_STATUS, 1) &
		     VIRTIO_CONFIG_S_NEEDS_RESET);
	blk_request(w, VIRTIO_BLK_T_IN, 0, w->fk.info.ram_gpa + w->fk.info.ram_size, 4096);
	assert_true(gd_common_read(&w->gd, 0, VIRTIO_PCI_COMMON_STATUS, 1) &
		    VIRTIO_CONFIG_S_NEEDS_RESET);
	fixture_free(w);
}

static void test_blk_end_to_end(void **state)
{
	struct fixture *f = *state;
	uint64_t wbuf = gram_alloc(&f->gd.ram, 4096, 4096);
	uint64_t rbuf = gram_alloc(&f->gd.ram, 4096, 4096);
	uint8_t disk[4096], cnt[8];
	int qfd;

	gd_start(&f->gd, 0, 16);
	qfd = call_fd(&f->fk, 0x001); /* function 0, vector 1 = queue 0 */
	assert_true(qfd >= 0);
	while (read(qfd, cnt, sizeof(cnt)) > 0)
		;

	memset(gram_ptr(&f->gd.ram, wbuf), 0xa5, 4096);
	assert_int_equal(blk_request(f, VIRTIO_BLK_T_OUT, 8, wbuf, 4096), VIRTIO_BLK_S_OK);
	/* The completion interrupt went out through the call eventfd. */
	assert_int_equal(read(qfd, cnt, sizeof(cnt)), sizeof(cnt));
	assert_int_equal(pread(f->disk_fd, disk, sizeof(disk), 8 * 512), sizeof(disk));
	assert_int_equal(disk[0], 0xa5);
	assert_int_equal(disk[4095], 0xa5);

	assert_int_equal(blk_request(f, VIRTIO_BLK_T_IN, 8, rbuf, 4096), VIRTIO_BLK_S_OK);
	assert_memory_equal(gram_ptr(&f->gd.ram, rbuf), disk, 4096);
	/* Out of range: an error status for the request, the device stays up. */
	assert_int_equal(blk_request(f, VIRTIO_BLK_T_IN, DISK_SIZE / 512, rbuf, 512),
			 VIRTIO_BLK_S_IOERR);
	assert_int_equal(blk_request(f, VIRTIO_BLK_T_IN, 0, rbuf, 512), VIRTIO_BLK_S_OK);
	assert_int_equal(fk_count(&f->fk, FK_MSI, NULL), 0);
}

/* With tracing on, a request leaves its stages in order, under its own head. */
static void test_blk_trace_stages(void **state)
{
	static const enum sv_trace_point want[] = { SV_TP_WAKE, SV_TP_POP,  SV_TP_SUBMIT,
						    SV_TP_DONE, SV_TP_PUSH, SV_TP_CALL };
	struct fixture *f = *state;
	uint64_t rbuf = gram_alloc(&f->gd.ram, 4096, 4096);
	struct sv_trace_rec r[16];
	unsigned int n = 0;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	gd_start(&f->gd, 0, 16);
	assert_int_equal(sv_trace_enable(64), 0);
	assert_int_equal(blk_request(f, VIRTIO_BLK_T_IN, 8, rbuf, 4096), VIRTIO_BLK_S_OK);
	out = open_memstream(&text, &len);
	assert_non_null(out);
	sv_trace_dump(out, "T");
	fclose(out);
	sv_trace_disable();
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
		if (n < 16 && !sv_trace_parse_line(line, "T", &r[n]))
			n++;
	free(text);
	assert_int_equal(n, 6);
	for (unsigned int i = 0; i < n; i++) {
		assert_int_equal(r[i].point, want[i]);
		assert_int_equal(r[i].dev, VIRTIO_ID_BLOCK);
		assert_int_equal(r[i].queue, 0);
		if (i)
			assert_true(r[i].ticks >= r[i - 1].ticks);
	}
	/* pop to push carry the chain's head; submit and done the data bytes. */
	assert_int_equal(r[1].head, r[4].head);
	assert_int_equal(r[2].head, r[1].head);
	assert_int_equal(r[1].arg, 16 + 4096 + 1);
	assert_int_equal(r[2].arg, 4096);
	assert_int_equal(r[4].arg, 4096 + 1);
}

/* --poll-us: a request the driver did not kick for is served by polling, kicks off meanwhile. */
static void test_poll_serves_without_kick(void **state)
{
	struct fixture *f = *state;
	struct gvring *vr = &f->gd.vr[0][0];
	uint64_t rbuf = gram_alloc(&f->gd.ram, 4096, 4096), sgpa;
	uint16_t head;
	uint32_t used;

	gd_start(&f->gd, 0, 16);
	/* Off: nothing happens without a kick. */
	sgpa = blk_post(f, VIRTIO_BLK_T_IN, 8, rbuf, 4096);
	assert_int_equal(dm_link_poll(f->link), 0);
	assert_false(gvring_get_used(vr, &head, &used));
	f->opt.poll_us = 2000;
	assert_int_equal(dm_link_poll(f->link), 0);
	assert_true(gvring_get_used(vr, &head, &used));
	assert_int_equal(*(uint8_t *)gram_ptr(&f->gd.ram, sgpa), VIRTIO_BLK_S_OK);
	/* The window found work: it grew (to the maximum). */
	assert_int_equal(f->link->poll_window_us, 2000);
	/* Afterwards the driver is asked to kick again (no EVENT_IDX here: the flag). */
	assert_int_equal(gvring_used_flags(vr), 0);
	/* A window that found nothing shrinks. */
	assert_int_equal(dm_link_poll(f->link), 0);
	assert_int_equal(f->link->poll_window_us, 1000);
	f->opt.poll_us = 0;
}

static void test_scarce_doorbells(void **state)
{
	struct fixture *f = *state;
	uint64_t buf = gram_alloc(&f->gd.ram, 512, 8);
	uint16_t head;
	uint32_t len;
	struct gbuf b = { buf, 64, true };

	gd_start(&f->gd, 0, 16); /* takes the only kick */
	gd_start(&f->gd, 1, 16);
	assert_int_equal(fk_count(&f->fk, FK_IOEVENTFD, NULL), 1);
	assert_int_equal(fk_count(&f->fk, FK_IRQFD, NULL), 0);
	/* rng's kick arrives as an MMIO write and its interrupt as an RPC MSI. */
	assert_true(gvring_add(&f->gd.vr[1][0], &b, 1) >= 0);
	gvring_publish(&f->gd.vr[1][0]);
	gd_kick(&f->gd, &f->fk, 1, 0);
	assert_true(gvring_get_used(&f->gd.vr[1][0], &head, &len));
	assert_int_equal(len, 64);
	assert_true(fk_count(&f->fk, FK_MSI, NULL) >= 1);
	assert_int_equal(f->fk.log[f->fk.nr_log - 1].a, GD_MSI_ADDR);
	assert_int_equal(f->fk.log[f->fk.nr_log - 1].b, 0x101);
	assert_int_equal(f->fk.log[f->fk.nr_log - 1].c, 1);
	/* blk still works through its kick eventfd. */
	assert_int_equal(blk_request(f, VIRTIO_BLK_T_IN, 0, buf, 512), VIRTIO_BLK_S_OK);
}

static void test_malformed_requests(void **state)
{
	struct fixture *f = *state;
	struct guestdrv *gd = &f->gd;
	struct sv_ioreq req;
	uint64_t v;

	gd_place_bars(gd, 0);
	v = 0;
	assert_int_equal(gd_req(gd, 3, SV_RPC_MMIO_READ, 0, 4, &v), -ENODEV); /* no fn 3 */
	assert_int_equal(v, ~0ull);
	assert_int_equal(gd_req(gd, 255, SV_RPC_MMIO_READ, 0, 4, &v), -ENODEV);
	assert_int_equal(gd_req(gd, 0xfffe, SV_RPC_MMIO_READ, 0, 4, &v), -ENODEV);
	assert_int_equal(gd_req(gd, 0, SV_RPC_MMIO_READ, 0, 3, &v), -EINVAL);
	assert_int_equal(gd_req(gd, 0, SV_RPC_MMIO_READ, 0, 8, &v), -EINVAL);
	assert_int_equal(gd_req(gd, 0, SV_RPC_MMIO_READ, 0, 0, &v), -EINVAL);
	assert_int_equal(gd_req(gd, 0, SV_RPC_MMIO_READ, 4096, 4, &v), -EINVAL);
	assert_int_equal(gd_req(gd, 0, SV_RPC_MMIO_READ, 4094, 4, &v), -EINVAL);
	assert_int_equal(gd_req(gd, 0, SV_RPC_MMIO_READ, ~0ull - 1, 4, &v), -EINVAL);
	v = 0;
	assert_int_equal(gd_req(gd, SV_RPC_AS_GLOBAL, SV_RPC_MMIO_WRITE, 0x1234, 4, &v), -ENODEV);
	assert_int_equal(gd_req(gd, SV_RPC_AS_GLOBAL, SV_RPC_MMIO_READ, ~0ull - 3, 8, &v), -ENODEV);
	assert_int_equal(gd_req(gd, SV_RPC_AS_GLOBAL, SV_RPC_MMIO_READ, gd_bar0(0), 16, &v),
			 -EINVAL);
	/* Straddling the end of BAR0. */
	assert_int_equal(gd_req(gd, SV_RPC_AS_GLOBAL, SV_RPC_MMIO_READ,
				gd_bar0(0) + VIRTIO_PCI_BAR0_SIZE - 2, 4, &v),
			 -EINVAL);
	/* Unknown direction. */
	req = (struct sv_ioreq){ .as = 0, .size = 4, .dir = 7 };
	dm_link_dispatch(f->link, &req);
	assert_int_equal(req.status, -EINVAL);
	assert_true(f->link->bad_requests >= 13);
	/* The link still serves good requests. */
	assert_int_equal(gd_cfg_read(gd, 0, PCI_VENDOR_ID, 2), 0x1af4);
}

static void test_requests_through_handle(void **state)
{
	struct fixture *f = *state;
	struct sv_ioreq req = { .id = 41, .as = 1, .size = 2, .dir = SV_RPC_MMIO_READ };

	fk_push(&f->fk, &req);
	req = (struct sv_ioreq){ .id = 42, .as = 9, .size = 4, .dir = SV_RPC_MMIO_READ };
	fk_push(&f->fk, &req);
	req = (struct sv_ioreq){ .id = 43,
				 .as = 2,
				 .size = 1,
				 .dir = SV_RPC_MMIO_WRITE,
				 .addr = PCI_INTERRUPT_LINE,
				 .data = 0x77 };
	fk_push(&f->fk, &req);
	assert_true(sv_loop_run_once(&f->loop, 1000) >= 1);
	assert_int_equal(f->fk.nr_done, 3);
	assert_int_equal(f->fk.done[0].id, 41);
	assert_int_equal(f->fk.done[0].status, 0);
	assert_int_equal(f->fk.done[0].data, 0x1af4);
	assert_int_equal(f->fk.done[1].id, 42);
	assert_int_equal(f->fk.done[1].status, -ENODEV);
	assert_int_equal(f->fk.done[2].status, 0);
	assert_int_equal(gd_cfg_read(&f->gd, 2, PCI_INTERRUPT_LINE, 1), 0x77);
	/* Drained: the handle is quiet again. */
	assert_int_equal(sv_loop_run_once(&f->loop, 0), 0);
}

static void test_reset_notice(void **state)
{
	struct fixture *f = *state;
	struct sv_ioreq req = { .dir = SV_IOREQ_RESET, .data = SV_RPC_RESET_RESTART };

	gd_start(&f->gd, 0, 16);
	assert_int_equal(f->fk.nr_regions, 2);
	assert_true(fk_kick_fd(&f->fk, gd_bar0(0) + VIRTIO_PCI_NOTIFY_OFF, NULL) >= 0);
	fk_push(&f->fk, &req);
	assert_true(sv_loop_run_once(&f->loop, 1000) >= 1);
	/* No completion for a notice; the function is back to power-on state. */
	assert_int_equal(f->fk.nr_done, 0);
	assert_int_equal(f->fk.nr_regions, 0);
	assert_int_equal(fk_kick_fd(&f->fk, gd_bar0(0) + VIRTIO_PCI_NOTIFY_OFF, NULL), -1);
	assert_int_equal(gd_cfg_read(&f->gd, 0, PCI_COMMAND, 2), 0);
	assert_int_equal(gd_cfg_read(&f->gd, 0, PCI_BASE_ADDRESS_0, 4) & ~0xfu, 0);
	/* And it comes up again like after a reboot. */
	f->gd.ram.next = 0;
	gd_start(&f->gd, 0, 16);
	assert_int_equal(blk_request(f, VIRTIO_BLK_T_IN, 0, gram_alloc(&f->gd.ram, 512, 8), 512),
			 VIRTIO_BLK_S_OK);
}

static void test_console_output(void **state)
{
	struct fixture *f = *state;
	struct gvring *tx = &f->gd.vr[2][1];
	uint64_t buf = gram_alloc(&f->gd.ram, 16, 8);
	struct gbuf b = { buf, 6, false };
	char out[16] = { 0 };
	uint16_t head;
	uint32_t len;

	gd_start(&f->gd, 2, 16);
	memcpy(gram_ptr(&f->gd.ram, buf), "hello\n", 6);
	assert_true(gvring_add(tx, &b, 1) >= 0);
	gvring_publish(tx);
	gd_kick(&f->gd, &f->fk, 2, 1);
	for (int i = 0; i < 10 && !gvring_get_used(tx, &head, &len); i++)
		sv_loop_run_once(&f->loop, 100);
	assert_int_equal(read(f->con_pipe[0], out, sizeof(out)), 6);
	assert_string_equal(out, "hello\n");
}

static void test_name_mismatch(void **state)
{
	struct fixture *f = *state;
	struct sv_link_spec spec = f->spec;
	struct dm_link *l;

	dm_link_close(f->link);
	f->link = NULL;
	strcpy(spec.driver, "other");
	assert_int_equal(dm_link_open(&l, &f->fk.km, &f->loop, &spec, &f->opt), -EINVAL);
	/* The handle was closed again: the right spec can open it. */
	assert_int_equal(dm_link_open(&f->link, &f->fk.km, &f->loop, &f->spec, &f->opt), 0);
}

static void test_daemon_reopens_after_hangup(void **state)
{
	struct fixture *f = *state;
	const struct sv_link_spec *specs[1] = { &f->spec };
	struct dm_daemon *d = calloc(1, sizeof(*d));
	unsigned int creates;

	dm_link_close(f->link);
	f->link = NULL;
	creates = f->fk.nr_creates;
	assert_int_equal(dm_daemon_init(d, &f->fk.km, &f->opt, specs, 1), 0);
	assert_int_equal(dm_daemon_run(d, 2), 0);
	assert_non_null(d->slots[0].link);
	assert_int_equal(f->fk.nr_creates, creates + 1);

	/* The link's thread sees the hang-up and tells the daemon, which closes the link. */
	fk_hangup(&f->fk);
	for (int i = 0; i < 500 && d->slots[0].link; i++)
		assert_int_equal(dm_daemon_run(d, 1), 0);
	assert_null(d->slots[0].link); /* closed, waiting to reopen */
	assert_int_equal(fk_count(&f->fk, FK_CLOSE_VM, NULL), 2);
	d->slots[0].retry_at = (struct timespec){ 0, 0 };
	assert_int_equal(dm_daemon_run(d, 1), 0);
	assert_non_null(d->slots[0].link);
	assert_int_equal(f->fk.nr_creates, creates + 2);

	/* A link the module does not have is retried, not fatal. */
	dm_link_close(d->slots[0].link);
	d->slots[0].link = NULL;
	f->fk.present = false;
	d->slots[0].retry_at = (struct timespec){ 0, 0 };
	assert_int_equal(dm_daemon_run(d, 1), 0);
	assert_null(d->slots[0].link);
	assert_int_equal(d->slots[0].last_err, -ENOENT);
	dm_daemon_fini(d);
	free(d);
	f->fk.present = true;
	assert_int_equal(dm_link_open(&f->link, &f->fk.km, &f->loop, &f->spec, &f->opt), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		SV_TEST(test_registration),
		SV_TEST(test_config_reaches_function),
		SV_TEST(test_bar_placement),
		SV_TEST(test_queue_enable_binds_kicks),
		SV_TEST(test_msix_routes_calls),
		SV_TEST(test_blk_end_to_end),
		SV_TEST(test_dma_window_requires_access_platform),
		SV_TEST(test_dma_window_refuses_outside),
		cmocka_unit_test_setup_teardown(test_scarce_doorbells, setup_scarce, teardown),
		SV_TEST(test_blk_trace_stages),
		SV_TEST(test_poll_serves_without_kick),
		SV_TEST(test_malformed_requests),
		SV_TEST(test_requests_through_handle),
		SV_TEST(test_reset_notice),
		SV_TEST(test_console_output),
		SV_TEST(test_name_mismatch),
		SV_TEST(test_daemon_reopens_after_hangup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
