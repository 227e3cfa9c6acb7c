// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzzes the devmodel's request dispatcher with what a hostile driver side
 * controls. The input is a sequence of 32-byte struct sv_ioreq records
 * against a link serving blk, rng and console (fake splitvirt.ko). The
 * record's pad word, which the module always zeroes, picks how it is used
 * so that the fuzzer can also build rings and ring doorbells:
 *   pad % 4 == 0  dm_link_dispatch(req) directly
 *   pad % 4 == 1  guest RAM write: 8 bytes of data at addr % RAM size
 *   pad % 4 == 2  kick: signal bound ioeventfd number addr, run the loop
 *   pad % 4 == 3  queue req in the fake module and run the event loop
 *                 (SV_VM_GET_IO / COMPLETE_IO, reset notices)
 *   pad & 4       first the driver side falls behind or catches up (the
 *                 fake answers -EAGAIN to announcements and COMPLETE_IO,
 *                 the link queues them); every record is followed by a
 *                 retry of what waits, as the daemon's timer would
 * Invariants: statuses are 0 or a small negative errno, a failed read
 * returns all-ones, nothing outside guest RAM is touched (ASan), and once
 * the driver side catches up nothing waits.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <splitvirt/log.h>
#include <splitvirt/rpc.h>

#include "../../devmodel/link.h"
#include "../../tests/support/fake_kmod.h"

#define RAM_SIZE 0x10000
#define DISK_SIZE 0x10000
#define REC_SIZE 32
#define MAX_RECS 512

static char disk_path[64];
static int devnull = -1;

static void init_once(void)
{
	int fd;

	if (disk_path[0])
		return;
	sv_log_set_level(SV_LOG_ERROR);
	fd = memfd_create("fuzzdisk", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, DISK_SIZE))
		abort();
	/* Opening the memfd through /proc gives the blk backend its own fd. */
	snprintf(disk_path, sizeof(disk_path), "/proc/self/fd/%d", fd);
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (devnull < 0)
		abort();
}

static void check(const struct sv_ioreq *req)
{
	if (req->status > 0 || req->status < -4095)
		abort();
	if (req->status && req->dir == SV_RPC_MMIO_READ && req->data != ~0ull)
		abort();
}

static void kick(struct fake_kmod *fk, struct sv_loop *loop, uint64_t which)
{
	const struct fk_ioeventfd *b = &fk->ioeventfds[which % FK_MAX_IOEVENTFDS];
	uint64_t one = 1;

	if (!b->used)
		return;
	if (write(b->fd, &one, sizeof(one)) != sizeof(one))
		abort();
	sv_loop_run_once(loop, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dm_options opt = { .console_out_fd = -1 };
	struct sv_link_spec spec = { .id = 0, .driver = "fuzz", .nr_devs = 3 };
	struct fake_kmod fk;
	struct sv_loop loop;
	struct dm_link *l;
	size_t nrec = size / REC_SIZE;
	int64_t now = dm_now_ms();

	init_once();
	opt.console_out_fd = devnull;
	spec.devs[0].type = SV_DEV_BLK;
	strcpy(spec.devs[0].path, disk_path);
	spec.devs[1].type = SV_DEV_RNG;
	spec.devs[2].type = SV_DEV_CONSOLE;
	if (fk_init(&fk, "fuzz", RAM_SIZE, 8, 8) || sv_loop_init(&loop))
		abort();
	if (dm_link_open(&l, &fk.km, &loop, &spec, &opt))
		abort();
	if (nrec > MAX_RECS)
		nrec = MAX_RECS;
	for (size_t i = 0; i < nrec; i++) {
		struct sv_ioreq req;

		memcpy(&req, data + i * REC_SIZE, sizeof(req));
		if (req.pad & 4)
			fk.busy = !fk.busy;
		switch (req.pad % 4) {
		case 0:
			req.pad = 0;
			dm_link_dispatch(l, &req);
			check(&req);
			break;
		case 1:
			memcpy(fk.ram + (req.addr % (RAM_SIZE - 7)), &req.data, 8);
			break;
		case 2:
			kick(&fk, &loop, req.addr);
			break;
		case 3:
			req.pad = 0;
			req.status = 0;
			fk_push(&fk, &req);
			sv_loop_run_once(&loop, 0);
			break;
		}
		/* Past every retry deadline the queue can have set. */
		now += 1000;
		dm_link_retry(l, now);
		if (dm_link_failed(l))
			abort(); /* nothing a request carries may break the link */
	}
	fk.busy = false;
	while (dm_link_waiting(l) && dm_link_retry(l, now += 1000) >= 0)
		;
	if (dm_link_waiting(l))
		abort();
	for (unsigned int i = 0; i < fk.nr_done; i++)
		check(&fk.done[i]);
	dm_link_close(l);
	sv_loop_fini(&loop);
	fk_fini(&fk);
	return 0;
}
