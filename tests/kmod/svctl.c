// SPDX-License-Identifier: GPL-2.0
/*
 * svctl: a small client of /dev/splitvirt (<splitvirt/kmod_uapi.h>) for
 * trying splitvirt.ko by hand and from board scenarios.
 *
 *   svctl list                      links and their state
 *   svctl info ID                   one link (SV_GET_LINK_INFO)
 *   svctl hold ID SECONDS           keep a VM handle open (module refcount tests)
 *   svctl serve ID [-v VAL] [-n N] [-t SEC] [-s]
 *                                   open a VM handle, announce START_VM with -s,
 *                                   answer MMIO reads with VAL and writes with
 *                                   success, N requests or SEC seconds
 *   svctl ctltest                   control-device checks (works with no link)
 *   svctl selftest ID               every VM-handle ioctl, good and bad arguments
 *   svctl devtest ID [SEC]          the devmodel half of svlink's end-to-end test
 *   svctl unplugtest ID             hold a handle with RAM mapped until the function
 *                                   is removed, then check it is dead (-ENODEV, SIGBUS)
 *   svctl scan ID SECRET [CONTROL]  a compromised device side looking for a driver VM's
 *                                   secret: maps everything of the driver VM the link
 *                                   lets it (and tries more), searches it for SECRET
 *                                   (must not be found) and CONTROL (proves the search
 *                                   sees the driver's DMA: must be found)
 *   svctl hostile ID SEC            a hostile device side for SEC seconds: registers
 *                                   function 0 and START_VM, then floods valid and
 *                                   invalid announcements (regions, ioeventfds, irqfds,
 *                                   registration replays) and never answers a request
 *
 * Exit status 0 on success; the tests print "N passed, N failed".
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <splitvirt/kmod_uapi.h>
#include <splitvirt/state_area.h>
#include <splitvirt/rpc.h>

#include "svtest.h"

#define DEV "/dev/splitvirt"
#define MAX_SCAN_IDS 1024u

static int passed, failed;

static int open_ctl(void)
{
	int fd = open(DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "svctl: %s: %s\n", DEV, strerror(errno));
		exit(1);
	}
	return fd;
}

static void print_info(const struct sv_link_info *i)
{
	printf("link %u \"%.32s\": kicks %u calls %u iobuf %u RAM %#llx+%#llx %s%s%s%s%s\n",
	       i->link_id, i->name, i->nr_kicks, i->nr_calls, i->iobuf_size,
	       (unsigned long long)i->ram_gpa, (unsigned long long)i->ram_size,
	       i->connected ? "connected" : "not-connected",
	       (i->flags & SV_LINK_F_KICK_IRQS) ? " kick-irqs" : "",
	       (i->flags & SV_LINK_F_POLLED) ? " polled" : "",
	       (i->flags & SV_LINK_F_OPEN) ? " open" : "",
	       (i->flags & SV_LINK_F_DMA_WINDOW) ? " dma-window" : "");
}

static int cmd_list(void)
{
	int fd = open_ctl();
	int n = ioctl(fd, SV_GET_NR_LINKS);
	int found = 0;

	if (n < 0) {
		perror("SV_GET_NR_LINKS");
		return 1;
	}
	printf("%d link(s)\n", n);
	/* Link ids are small (topology order): scan until all are found. */
	for (unsigned int id = 0; id < MAX_SCAN_IDS && found < n; id++) {
		struct sv_link_info info = { .link_id = id };

		if (ioctl(fd, SV_GET_LINK_INFO, &info) == 0) {
			print_info(&info);
			found++;
		}
	}
	close(fd);
	return 0;
}

static int cmd_info(unsigned int id)
{
	int fd = open_ctl();
	struct sv_link_info info = { .link_id = id };

	if (ioctl(fd, SV_GET_LINK_INFO, &info)) {
		fprintf(stderr, "svctl: link %u: %s\n", id, strerror(errno));
		return 1;
	}
	print_info(&info);
	close(fd);
	return 0;
}

static int open_vm(unsigned int id)
{
	int fd = open_ctl();
	int vm = ioctl(fd, SV_CREATE_VM, (unsigned long)id);

	if (vm < 0) {
		fprintf(stderr, "svctl: SV_CREATE_VM %u: %s\n", id, strerror(errno));
		exit(1);
	}
	close(fd);
	return vm;
}

static int cmd_hold(unsigned int id, unsigned int seconds)
{
	int vm = open_vm(id);

	printf("svctl: holding a VM handle of link %u for %u s\n", id, seconds);
	fflush(stdout);
	sleep(seconds);
	close(vm);
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* An ioctl that may find the event ring full: retry for a while. */
static int ioctl_retry(int fd, unsigned long cmd, void *arg)
{
	for (int i = 0; i < 1000; i++) {
		int ret = ioctl(fd, cmd, arg);

		if (ret == 0 || errno != EAGAIN)
			return ret;
		usleep(1000);
	}
	return -1;
}

static int cmd_serve(unsigned int id, uint64_t value, long count, double timeout, int start)
{
	int vm = open_vm(id);
	struct sv_link_info info;
	double end = now() + timeout;
	long served = 0;

	if (ioctl(vm, SV_VM_GET_INFO, &info)) {
		perror("SV_VM_GET_INFO");
		return 1;
	}
	print_info(&info);
	if (start && ioctl_retry(vm, SV_VM_START_VM, NULL)) {
		perror("SV_VM_START_VM");
		return 1;
	}
	while ((count < 0 || served < count) && now() < end) {
		struct pollfd p = { .fd = vm, .events = POLLIN };
		struct sv_ioreq io;
		int ret = poll(&p, 1, 200);

		if (ret < 0) {
			perror("poll");
			return 1;
		}
		if (p.revents & (POLLHUP | POLLERR)) {
			fprintf(stderr, "svctl: link %u went away\n", id);
			return 1;
		}
		while (ioctl(vm, SV_VM_GET_IO, &io) == 0) {
			if (io.dir == SV_IOREQ_RESET) {
				printf("svctl: driver side reset (reason %llu)\n",
				       (unsigned long long)io.data);
				continue;
			}
			printf("svctl: %s as %#x addr %#llx size %u data %#llx\n",
			       io.dir == SV_RPC_MMIO_WRITE ? "write" : "read", io.as,
			       (unsigned long long)io.addr, io.size, (unsigned long long)io.data);
			if (io.dir == SV_RPC_MMIO_READ)
				io.data = value;
			io.status = 0;
			if (ioctl_retry(vm, SV_VM_COMPLETE_IO, &io))
				fprintf(stderr, "svctl: complete %#x: %s\n", io.id,
					strerror(errno));
			served++;
		}
	}
	printf("svctl: served %ld request(s)\n", served);
	close(vm);
	return 0;
}

#define CHECK(what, expr)                                                                 \
	do {                                                                              \
		if (expr) {                                                               \
			passed++;                                                         \
		} else {                                                                  \
			failed++;                                                         \
			printf("FAIL: %s (errno %d %s)\n", what, errno, strerror(errno)); \
		}                                                                         \
	} while (0)

/* ioctl expected to fail with exactly err. */
#define EXPECT_ERR(what, call, err) CHECK(what, (call) == -1 && errno == (err))
/* Succeeds, or, for transient events with no driver side, ENOTCONN. */
#define EXPECT_OK(what, call) CHECK(what, (call) == 0)

static int finish(void)
{
	printf("svctl: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

static int cmd_ctltest(void)
{
	int fd = open_ctl();
	struct sv_link_info info = { .link_id = 0xfffffff0u };
	int n = ioctl(fd, SV_GET_NR_LINKS);

	CHECK("SV_GET_NR_LINKS", n >= 0);
	EXPECT_ERR("LINK_INFO of an unknown link", ioctl(fd, SV_GET_LINK_INFO, &info), ENOENT);
	EXPECT_ERR("CREATE_VM of an unknown link", ioctl(fd, SV_CREATE_VM, 0xfffffff0ul), ENOENT);
	EXPECT_ERR("CREATE_VM of an id > 32 bits", ioctl(fd, SV_CREATE_VM, ~0ul), ENOENT);
	EXPECT_ERR("unknown ioctl", ioctl(fd, _IO(SV_IOCTL_TYPE, 0x7f)), ENOTTY);
	if (n == 0)
		EXPECT_ERR("CREATE_VM with no links", ioctl(fd, SV_CREATE_VM, 0ul), ENOENT);
	close(fd);
	return finish();
}

static int transient_ok(int ret)
{
	return ret == 0 || (ret == -1 && (errno == ENOTCONN || errno == EAGAIN));
}

/* SV_VM_SAVE_STATE / SV_VM_LOAD_STATE on the link's saved-state area. */
static void selftest_state_area(int vm, const struct sv_link_info *info)
{
	static char in[SV_STATE_AREA_SIZE], out[SV_STATE_AREA_SIZE];
	struct sv_state_io io = { .addr = (uintptr_t)in, .len = 1000 };

	CHECK("a saved-state area",
	      info->state_capacity >= 1000 && info->state_capacity <= sizeof(in));
	if (info->state_capacity < 1000 || info->state_capacity > sizeof(in))
		return;
	for (unsigned int i = 0; i < sizeof(in); i++)
		in[i] = (char)(i * 7 + 3);
	CHECK("SAVE_STATE", ioctl(vm, SV_VM_SAVE_STATE, &io) == 0);
	io = (struct sv_state_io){ .addr = (uintptr_t)out, .len = sizeof(out) };
	CHECK("LOAD_STATE returns the length", ioctl(vm, SV_VM_LOAD_STATE, &io) == 1000);
	CHECK("LOAD_STATE gives it back", !memcmp(in, out, 1000));
	io.len = 999;
	EXPECT_ERR("LOAD_STATE into too little room", ioctl(vm, SV_VM_LOAD_STATE, &io), E2BIG);
	io = (struct sv_state_io){ .addr = (uintptr_t)in, .len = info->state_capacity + 1 };
	EXPECT_ERR("SAVE_STATE over the capacity", ioctl(vm, SV_VM_SAVE_STATE, &io), E2BIG);
	io = (struct sv_state_io){ .addr = (uintptr_t)in, .len = 10, .pad = 1 };
	EXPECT_ERR("SAVE_STATE with pad set", ioctl(vm, SV_VM_SAVE_STATE, &io), EINVAL);
	io = (struct sv_state_io){ .addr = 8, .len = 100 };
	EXPECT_ERR("SAVE_STATE from a bad address", ioctl(vm, SV_VM_SAVE_STATE, &io), EFAULT);
	io = (struct sv_state_io){ .addr = (uintptr_t)out, .len = sizeof(out) };
	CHECK("a failed SAVE_STATE keeps the old content",
	      ioctl(vm, SV_VM_LOAD_STATE, &io) == 1000 && !memcmp(in, out, 1000));
	io = (struct sv_state_io){ .addr = (uintptr_t)in, .len = info->state_capacity };
	CHECK("SAVE_STATE of the whole capacity", ioctl(vm, SV_VM_SAVE_STATE, &io) == 0);
	io = (struct sv_state_io){ .len = 0 };
	CHECK("SAVE_STATE of nothing", ioctl(vm, SV_VM_SAVE_STATE, &io) == 0);
	io = (struct sv_state_io){ .addr = (uintptr_t)out, .len = sizeof(out) };
	CHECK("LOAD_STATE after clearing", ioctl(vm, SV_VM_LOAD_STATE, &io) == 0);
}

static int cmd_selftest(unsigned int id)
{
	int ctl = open_ctl();
	int vm = open_vm(id);
	int e1 = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int e2 = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct sv_link_info info, info2 = { .link_id = id };
	struct sv_ioreq io;
	void *ram;

	CHECK("GET_INFO", ioctl(vm, SV_VM_GET_INFO, &info) == 0);
	CHECK("LINK_INFO", ioctl(ctl, SV_GET_LINK_INFO, &info2) == 0);
	CHECK("same info", info.ram_size == info2.ram_size && info.link_id == id);
	CHECK("handle open flag", info2.flags & SV_LINK_F_OPEN);
	EXPECT_ERR("second CREATE_VM", ioctl(ctl, SV_CREATE_VM, (unsigned long)id), EBUSY);

	selftest_state_area(vm, &info);

	/* RAM mapping */
	ram = mmap(NULL, info.ram_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm, 0);
	CHECK("mmap RAM", ram != MAP_FAILED);
	if (ram != MAP_FAILED) {
		volatile uint32_t *first = ram;
		volatile uint32_t *last = (uint32_t *)((char *)ram + info.ram_size - 4);

		(void)*first;
		(void)*last;
		munmap(ram, info.ram_size);
	}
	CHECK("mmap past RAM",
	      mmap(NULL, info.ram_size + 4096, PROT_READ, MAP_SHARED, vm, 0) == MAP_FAILED &&
		      errno == EINVAL);
	CHECK("mmap at RAM end",
	      mmap(NULL, 4096, PROT_READ, MAP_SHARED, vm, info.ram_size) == MAP_FAILED &&
		      errno == EINVAL);
	CHECK("private mmap",
	      mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, vm, 0) == MAP_FAILED && errno == EINVAL);

	/* Requests */
	memset(&io, 0, sizeof(io));
	io.id = 0x12345600;
	EXPECT_ERR("COMPLETE_IO of a stale id", ioctl(vm, SV_VM_COMPLETE_IO, &io), ESTALE);
	io.status = 1;
	EXPECT_ERR("COMPLETE_IO positive status", ioctl(vm, SV_VM_COMPLETE_IO, &io), EINVAL);

	/* ioeventfd */
	if (info.nr_kicks) {
		struct sv_ioeventfd a = { .gpa = 0x10001000, .len = 4, .fd = e1, .kick = 0 };
		struct sv_ioeventfd b = a;

		b.len = 3;
		EXPECT_ERR("ioeventfd len 3", ioctl(vm, SV_VM_IOEVENTFD, &b), EINVAL);
		b = a;
		b.kick = info.nr_kicks;
		EXPECT_ERR("ioeventfd kick out of range", ioctl(vm, SV_VM_IOEVENTFD, &b), EINVAL);
		b = a;
		b.flags = SV_IOEVENTFD_F_DATAMATCH;
		b.len = 1;
		b.datamatch = 0x100;
		EXPECT_ERR("datamatch too wide", ioctl(vm, SV_VM_IOEVENTFD, &b), EINVAL);
		b = a;
		b.fd = 0;
		CHECK("ioeventfd on a non-eventfd", ioctl(vm, SV_VM_IOEVENTFD, &b) == -1);
		EXPECT_OK("ioeventfd assign", ioctl_retry(vm, SV_VM_IOEVENTFD, &a));
		EXPECT_ERR("ioeventfd duplicate", ioctl(vm, SV_VM_IOEVENTFD, &a), EEXIST);
		b = a;
		b.gpa += 4;
		b.fd = e2;
		EXPECT_ERR("other eventfd on the same kick", ioctl(vm, SV_VM_IOEVENTFD, &b), EBUSY);
		b.fd = e1;
		EXPECT_OK("second address, same kick", ioctl_retry(vm, SV_VM_IOEVENTFD, &b));
		b.flags = SV_IOEVENTFD_F_DEASSIGN;
		EXPECT_OK("ioeventfd deassign", ioctl_retry(vm, SV_VM_IOEVENTFD, &b));
		EXPECT_ERR("ioeventfd deassign again", ioctl(vm, SV_VM_IOEVENTFD, &b), ENOENT);
		/* a stays registered: closing the handle must clean it up. */
	}

	/* irqfd */
	if (info.nr_calls) {
		struct sv_irqfd f = { .fd = e2,
				      .call = 0,
				      .flags = SV_IRQFD_F_MSI,
				      .msi_addr = 0x8090040,
				      .msi_data = 0x40,
				      .pcidev = 1 };
		struct sv_irqfd g = f;
		uint64_t one = 1;

		g.call = info.nr_calls;
		EXPECT_ERR("irqfd call out of range", ioctl(vm, SV_VM_IRQFD, &g), EINVAL);
		g = f;
		g.flags = 0;
		g.line = 5000;
		EXPECT_ERR("irqfd line out of range", ioctl(vm, SV_VM_IRQFD, &g), EINVAL);
		g = f;
		g.pcidev = 300;
		EXPECT_ERR("irqfd pcidev out of range", ioctl(vm, SV_VM_IRQFD, &g), EINVAL);
		EXPECT_OK("irqfd assign", ioctl_retry(vm, SV_VM_IRQFD, &f));
		CHECK("signal irqfd", write(e2, &one, 8) == 8);
		f.msi_data = 0x41;
		EXPECT_OK("irqfd re-route", ioctl_retry(vm, SV_VM_IRQFD, &f));
		CHECK("signal irqfd again", write(e2, &one, 8) == 8);
		CHECK("irqfd consumed the count", read(e2, &one, 8) == -1 || one != 2);
		f.flags = SV_IRQFD_F_DEASSIGN;
		EXPECT_OK("irqfd deassign", ioctl_retry(vm, SV_VM_IRQFD, &f));
		EXPECT_ERR("irqfd deassign again", ioctl(vm, SV_VM_IRQFD, &f), ENOENT);
		f.flags = SV_IRQFD_F_MSI;
		EXPECT_OK("irqfd assign, left for close", ioctl_retry(vm, SV_VM_IRQFD, &f));
	}

	/* Events */
	{
		struct sv_pci_dev pd = { .index = 256 };
		struct sv_mmio_region r = { .gpa = 0x10000000, .size = 0 };
		struct sv_set_irq si = { .irq = 5000 };
		struct sv_msi msi = { .addr = 0x8090040, .data = 1, .pcidev = 300 };

		EXPECT_ERR("PCI dev index 256", ioctl(vm, SV_VM_REGISTER_PCI_DEV, &pd), EINVAL);
		pd.index = 0;
		EXPECT_OK("PCI dev 0", ioctl_retry(vm, SV_VM_REGISTER_PCI_DEV, &pd));
		EXPECT_ERR("region of size 0", ioctl(vm, SV_VM_MMIO_REGION, &r), EINVAL);
		r.size = 0x100000;
		EXPECT_OK("region", ioctl_retry(vm, SV_VM_MMIO_REGION, &r));
		r.flags = SV_RPC_REGION_F_REMOVE;
		EXPECT_OK("region remove", ioctl_retry(vm, SV_VM_MMIO_REGION, &r));
		EXPECT_ERR("region remove again", ioctl(vm, SV_VM_MMIO_REGION, &r), ENOENT);
		r.flags = 0;
		EXPECT_OK("region again", ioctl_retry(vm, SV_VM_MMIO_REGION, &r));
		EXPECT_ERR("SET_IRQ irq 5000", ioctl(vm, SV_VM_SET_IRQ, &si), EINVAL);
		si.irq = 40;
		si.level = 3;
		EXPECT_ERR("SET_IRQ level 3", ioctl(vm, SV_VM_SET_IRQ, &si), EINVAL);
		si.level = SV_RPC_IRQ_PULSE;
		CHECK("SET_IRQ", transient_ok(ioctl(vm, SV_VM_SET_IRQ, &si)));
		EXPECT_ERR("MSI pcidev 300", ioctl(vm, SV_VM_MSI, &msi), EINVAL);
		msi.pcidev = 0;
		CHECK("MSI", transient_ok(ioctl(vm, SV_VM_MSI, &msi)));
		EXPECT_OK("START_VM", ioctl_retry(vm, SV_VM_START_VM, NULL));
		EXPECT_OK("RESET", ioctl(vm, SV_VM_RESET));
		EXPECT_ERR("GET_IO with nothing queued", ioctl(vm, SV_VM_GET_IO, &io), EAGAIN);
		EXPECT_ERR("unknown VM ioctl", ioctl(vm, _IO(SV_IOCTL_TYPE, 0x7f)), ENOTTY);
	}

	close(vm);
	vm = ioctl(ctl, SV_CREATE_VM, (unsigned long)id);
	CHECK("reopen after close", vm >= 0);
	if (vm >= 0) {
		/* The old ioeventfd went away with the old handle. */
		struct sv_ioeventfd a = { .gpa = 0x10001000, .len = 4, .fd = e1, .kick = 0 };

		if (info.nr_kicks)
			EXPECT_OK("old ioeventfd gone", ioctl_retry(vm, SV_VM_IOEVENTFD, &a));
		close(vm);
	}
	close(e1);
	close(e2);
	close(ctl);
	return finish();
}

/*
 * The devmodel half of the end-to-end test (svlink plays the driver side):
 * checks the RAM mapping, registers one of everything, answers reads with
 * fixed values, echoes every kick on kick 0 as a signal on call 0, and exits
 * without answering a read of SVT_QUIT_GPA.
 */
static int cmd_devtest(unsigned int id, double timeout)
{
	int vm = open_vm(id);
	int kfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int cfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct sv_ioeventfd ioe = { .gpa = SVT_KICK_GPA, .len = 4, .fd = kfd, .kick = 0 };
	struct sv_irqfd irq = { .fd = cfd,
				.call = 0,
				.flags = SV_IRQFD_F_MSI,
				.msi_addr = SVT_MSI_ADDR,
				.msi_data = SVT_MSI_DATA };
	struct sv_pci_dev pd = { .index = 0 };
	struct sv_mmio_region reg = { .gpa = SVT_REGION_GPA, .size = SVT_REGION_SIZE };
	struct sv_link_info info;
	double end = now() + timeout;
	long kicks = 0, reqs = 0, resets = 0;
	char *ram;

	CHECK("GET_INFO", ioctl(vm, SV_VM_GET_INFO, &info) == 0);
	print_info(&info);
	ram = mmap(NULL, info.ram_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm, 0);
	CHECK("mmap RAM", ram != MAP_FAILED);
	if (ram != MAP_FAILED) {
		CHECK("RAM start holds the driver's magic",
		      !memcmp(ram, SVT_RAM_MAGIC, sizeof(SVT_RAM_MAGIC)));
		CHECK("RAM end holds the driver's magic",
		      !memcmp(ram + info.ram_size - sizeof(SVT_RAM_MAGIC), SVT_RAM_MAGIC,
			      sizeof(SVT_RAM_MAGIC)));
		memcpy(ram + SVT_RAM_REPLY_OFF, SVT_RAM_REPLY, sizeof(SVT_RAM_REPLY));
	}
	EXPECT_OK("ioeventfd", ioctl_retry(vm, SV_VM_IOEVENTFD, &ioe));
	EXPECT_OK("irqfd", ioctl_retry(vm, SV_VM_IRQFD, &irq));
	EXPECT_OK("PCI dev", ioctl_retry(vm, SV_VM_REGISTER_PCI_DEV, &pd));
	EXPECT_OK("MMIO region", ioctl_retry(vm, SV_VM_MMIO_REGION, &reg));
	EXPECT_OK("START_VM", ioctl_retry(vm, SV_VM_START_VM, NULL));

	while (now() < end) {
		struct pollfd p[2] = { { .fd = vm, .events = POLLIN },
				       { .fd = kfd, .events = POLLIN } };
		struct sv_ioreq io;
		uint64_t cnt, one = 1;

		if (poll(p, 2, 200) < 0)
			break;
		if (p[0].revents & (POLLHUP | POLLERR)) {
			printf("svctl: link went away\n");
			break;
		}
		if (read(kfd, &cnt, 8) == 8) {
			kicks += (long)cnt;
			if (write(cfd, &one, 8) != 8)
				perror("call");
		}
		while (ioctl(vm, SV_VM_GET_IO, &io) == 0) {
			if (io.dir == SV_IOREQ_RESET) {
				printf("svctl: devtest: driver side reset (reason %llu)\n",
				       (unsigned long long)io.data);
				resets++;
				continue;
			}
			reqs++;
			if (io.dir == SV_RPC_MMIO_READ && io.as == SV_RPC_AS_GLOBAL &&
			    io.addr == SVT_QUIT_GPA) {
				printf("svctl: devtest: quit after %ld requests, %ld kicks, %ld resets\n",
				       reqs, kicks, resets);
				CHECK("kicks seen", kicks >= 4);
				CHECK("a driver reset notice seen", resets >= 1);
				return finish(); /* exit closes the handle, the read unanswered */
			}
			if (io.dir == SV_RPC_MMIO_READ)
				io.data =
					io.as == SV_RPC_AS_GLOBAL ? SVT_READ_VALUE : SVT_CFG_VALUE;
			io.status = 0;
			if (ioctl_retry(vm, SV_VM_COMPLETE_IO, &io))
				printf("svctl: complete %#x: %s\n", io.id, strerror(errno));
		}
	}
	CHECK("quit request before the timeout", 0);
	return finish();
}

/*
 * One round of announcements a hostile device VM can make at will: regions
 * and ioeventfds inside and outside the driver's PCI window, added and
 * removed, irqfd routes to the VM's doorbell and elsewhere, registrations
 * replayed and removed. Returns how many the module accepted.
 */
static long hostile_round(int vm, int efd, unsigned int round)
{
	uint64_t gpa = 0x10000000ull + (uint64_t)(round % 64) * 0x10000;
	struct sv_mmio_region reg = { .gpa = gpa, .size = 0x1000 };
	struct sv_mmio_region ram = { .gpa = 0x40000000ull, .size = 0x1000 };
	struct sv_ioeventfd ioe = { .gpa = gpa + 0x3000, .len = 2, .fd = efd, .kick = round % 4 };
	struct sv_irqfd good = { .fd = efd,
				 .call = round % 4,
				 .flags = SV_IRQFD_F_MSI,
				 .msi_addr = 0x08090040,
				 .msi_data = round };
	struct sv_irqfd bad = good;
	struct sv_pci_dev pd = { .index = round % 3 };
	long accepted = 0;

	bad.msi_addr = 0x40000000ull + round;
	accepted += ioctl(vm, SV_VM_MMIO_REGION, &reg) == 0;
	accepted += ioctl(vm, SV_VM_MMIO_REGION, &ram) == 0;
	accepted += ioctl(vm, SV_VM_IOEVENTFD, &ioe) == 0;
	accepted += ioctl(vm, SV_VM_IRQFD, &good) == 0;
	accepted += ioctl(vm, SV_VM_IRQFD, &bad) == 0;
	accepted += ioctl(vm, SV_VM_REGISTER_PCI_DEV, &pd) == 0;
	ioe.flags = SV_IOEVENTFD_F_DEASSIGN;
	accepted += ioctl(vm, SV_VM_IOEVENTFD, &ioe) == 0;
	reg.flags = SV_RPC_REGION_F_REMOVE;
	accepted += ioctl(vm, SV_VM_MMIO_REGION, &reg) == 0;
	return accepted;
}

static int cmd_hostile(unsigned int id, double seconds)
{
	int vm = open_vm(id);
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct sv_pci_dev pd = { .index = 0 };
	double end = now() + seconds;
	long accepted = 0, ignored = 0;
	unsigned int round = 0;

	if (efd < 0 || ioctl_retry(vm, SV_VM_REGISTER_PCI_DEV, &pd) ||
	    ioctl_retry(vm, SV_VM_START_VM, NULL)) {
		perror("svctl: hostile: setup");
		return 1;
	}
	printf("svctl: hostile: flooding link %u for %.0f s, answering nothing\n", id, seconds);
	fflush(stdout);
	while (now() < end) {
		struct sv_ioreq io;

		accepted += hostile_round(vm, efd, round++);
		/* Taken and dropped: the driver side's vCPUs wait for replies that never come. */
		while (ioctl(vm, SV_VM_GET_IO, &io) == 0)
			ignored++;
	}
	printf("svctl: hostile: %u rounds, %ld announcements accepted, %ld requests ignored\n",
	       round, accepted, ignored);
	printf("fact: hostile_rounds=%u\nfact: hostile_accepted=%ld\nfact: hostile_ignored=%ld\n",
	       round, accepted, ignored);
	return 0;
}

/* Offset of the first copy of needle in [p, p + len), or -1. */
static long find_bytes(const uint8_t *p, uint64_t len, const char *needle)
{
	const uint8_t *at = memmem(p, len, needle, strlen(needle));

	return at ? (long)(at - p) : -1;
}

static int cmd_scan(unsigned int id, const char *secret, const char *control)
{
	int vm = open_vm(id);
	struct sv_link_info info;
	const uint8_t *ram;
	long at;

	CHECK("GET_INFO", ioctl(vm, SV_VM_GET_INFO, &info) == 0);
	printf("svctl: scan: link %u maps %llu bytes of driver VM '%.32s' at %#llx (%s)\n", id,
	       (unsigned long long)info.ram_size, info.name, (unsigned long long)info.ram_gpa,
	       (info.flags & SV_LINK_F_DMA_WINDOW) ? "its DMA window" : "all of its RAM");
	printf("fact: scan_bytes=%llu\nfact: scan_window=%d\n", (unsigned long long)info.ram_size,
	       !!(info.flags & SV_LINK_F_DMA_WINDOW));
	/* More than the link has, at any offset past it: nothing. */
	CHECK("mmap past the RAM the link has",
	      mmap(NULL, info.ram_size + 4096, PROT_READ, MAP_SHARED, vm, 0) == MAP_FAILED);
	CHECK("mmap at an offset past it",
	      mmap(NULL, 4096, PROT_READ, MAP_SHARED, vm, (off_t)info.ram_size) == MAP_FAILED);
	ram = mmap(NULL, info.ram_size, PROT_READ, MAP_SHARED, vm, 0);
	CHECK("mmap what the link has", ram != MAP_FAILED);
	if (ram == MAP_FAILED)
		return finish();
	at = find_bytes(ram, info.ram_size, secret);
	printf("fact: scan_secret=%s\n", at < 0 ? "absent" : "found");
	CHECK("the driver VM's secret is nowhere in what the link maps", at < 0);
	if (control) {
		at = find_bytes(ram, info.ram_size, control);
		printf("fact: scan_control=%s\n", at < 0 ? "absent" : "found");
		if (at >= 0)
			printf("svctl: scan: the control (the driver's last DMA) is at offset %#lx\n",
			       at);
		CHECK("the driver VM's DMA data (control) is in what the link maps", at >= 0);
	}
	munmap((void *)ram, info.ram_size);
	close(vm);
	return finish();
}

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

static int cmd_unplugtest(unsigned int id)
{
	int vm = open_vm(id);
	struct sv_link_info info;
	volatile uint32_t *ram;
	struct pollfd p = { .fd = vm, .events = POLLIN };
	int got_bus = 0;

	CHECK("GET_INFO", ioctl(vm, SV_VM_GET_INFO, &info) == 0);
	ram = mmap(NULL, info.ram_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm, 0);
	CHECK("mmap RAM", ram != MAP_FAILED);
	if (ram == MAP_FAILED)
		return finish();
	(void)ram[0];
	printf("svctl: unplugtest: waiting for the function to go away\n");
	CHECK("POLLHUP on removal", poll(&p, 1, 30000) == 1 && (p.revents & POLLHUP));
	EXPECT_ERR("GET_INFO after removal", ioctl(vm, SV_VM_GET_INFO, &info), ENODEV);
	CHECK("mmap after removal",
	      mmap(NULL, 4096, PROT_READ, MAP_SHARED, vm, 0) == MAP_FAILED && errno == ENODEV);
	signal(SIGBUS, on_sigbus);
	if (sigsetjmp(bus_jmp, 1) == 0)
		(void)ram[0];
	else
		got_bus = 1;
	signal(SIGBUS, SIG_DFL);
	CHECK("old RAM mapping zapped (SIGBUS)", got_bus);
	close(vm);
	return finish();
}

static void usage(void)
{
	fprintf(stderr,
		"usage: svctl list | info ID | hold ID SEC | serve ID [-v VAL] [-n N] "
		"[-t SEC] [-s] | ctltest | selftest ID | devtest ID [SEC] | unplugtest ID |\n"
		"       hostile ID SEC | scan ID SECRET [CONTROL]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "list"))
		return cmd_list();
	if (!strcmp(argv[1], "ctltest"))
		return cmd_ctltest();
	if (argc < 3)
		usage();
	unsigned int id = strtoul(argv[2], NULL, 0);

	if (!strcmp(argv[1], "info"))
		return cmd_info(id);
	if (!strcmp(argv[1], "hold"))
		return cmd_hold(id, argc > 3 ? strtoul(argv[3], NULL, 0) : 10);
	if (!strcmp(argv[1], "selftest"))
		return cmd_selftest(id);
	if (!strcmp(argv[1], "unplugtest"))
		return cmd_unplugtest(id);
	if (!strcmp(argv[1], "scan") && argc > 3)
		return cmd_scan(id, argv[3], argc > 4 ? argv[4] : NULL);
	if (!strcmp(argv[1], "hostile"))
		return cmd_hostile(id, argc > 3 ? strtod(argv[3], NULL) : 30);
	if (!strcmp(argv[1], "devtest"))
		return cmd_devtest(id, argc > 3 ? strtod(argv[3], NULL) : 120);
	if (!strcmp(argv[1], "serve")) {
		uint64_t value = 0xffffffff;
		long count = -1;
		double timeout = 10;
		int start = 0;

		for (int i = 3; i < argc; i++) {
			if (!strcmp(argv[i], "-v") && i + 1 < argc)
				value = strtoull(argv[++i], NULL, 0);
			else if (!strcmp(argv[i], "-n") && i + 1 < argc)
				count = strtol(argv[++i], NULL, 0);
			else if (!strcmp(argv[i], "-t") && i + 1 < argc)
				timeout = strtod(argv[++i], NULL);
			else if (!strcmp(argv[i], "-s"))
				start = 1;
			else
				usage();
		}
		return cmd_serve(id, value, count, timeout, start);
	}
	usage();
	return 2;
}
