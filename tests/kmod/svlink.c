// SPDX-License-Identifier: GPL-2.0
/*
 * svlink: end-to-end test of splitvirt.ko over a real dataport function,
 * run on the board host. It plays the supervisor (creates the link's
 * memfds and eventfds), starts a device VM (our vmm with --serve) whose
 * init loads splitvirt.ko and runs "svctl devtest", and plays the driver
 * VM's vmm itself: it speaks the driver side of the RPC directly, so every
 * request, event, kick and call can be checked from here.
 *
 *   svlink [--vmm PATH] [--kernel IMAGE] [--initrd CPIO] [--timeout SEC]
 *
 * The constants below are shared with svctl devtest (tests/kmod/svtest.h).
 * Prints "N passed, N failed"; exit status 0 when everything passed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <splitvirt/link_args.h>
#include <splitvirt/state_area.h>
#include <splitvirt/rpc_posix.h>

#include "svtest.h"

#define IOBUF_SIZE 8192u
#define NKICKS 2
#define NCALLS 2

static int passed, failed;
static struct sv_rpc_drv drv;
static int req_db, resp_db, kick_fd[NKICKS], call_fd[NCALLS];
static void *iobuf;
static char *ram;

#define CHECK(what, cond)                                   \
	do {                                                \
		if (cond) {                                 \
			passed++;                           \
			printf("svlink: ok: %s\n", what);   \
		} else {                                    \
			failed++;                           \
			printf("svlink: FAIL: %s\n", what); \
		}                                           \
	} while (0)

static int call(const struct sv_rpc_msg *req, struct sv_rpc_msg *rep, int timeout_ms)
{
	int slot = sv_rpc_drv_slot_alloc(&drv);

	if (slot < 0)
		return slot;
	return sv_rpc_drv_call(&drv, req_db, resp_db, (__u32)slot, req, rep, timeout_ms);
}

static int mmio(__u16 as, __u64 addr, __u8 size, __u8 dir, __u64 data, struct sv_rpc_msg *rep)
{
	struct sv_rpc_mmio io = { .addr = addr, .data = data, .size = size, .dir = dir, .as = as };
	struct sv_rpc_msg m;
	int ret = sv_rpc_encode_mmio(&m, &io);

	return ret ? ret : call(&m, rep, 10000);
}

/*
 * Collects events until START_VM (or timeout); returns a bitmask of the
 * opcodes seen (bit op - 0x20) and checks the announcements' contents.
 */
static unsigned int collect_events(int timeout_ms, const char *when)
{
	__u64 deadline = sv_rpc_now_ns() + (__u64)timeout_ms * 1000000;
	unsigned int seen = 0;
	int ioevt_ok = 0, irqfd_ok = 0;

	while (sv_rpc_ms_left(deadline)) {
		struct sv_rpc_msg ev;
		struct sv_rpc_ioeventfd e;
		struct sv_rpc_irqfd f;

		if (sv_rpc_drv_recv_event(&drv, &ev)) {
			sv_rpc_doorbell_ring(req_db); /* let the module notice a new epoch */
			sv_rpc_doorbell_wait(resp_db, 20);
			continue;
		}
		printf("svlink: event %s\n", sv_rpc_op_name(ev.op));
		seen |= 1u << (ev.op - SV_RPC_OP_FIRST_EVENT);
		if (ev.op == SV_RPC_OP_IOEVENTFD && !sv_rpc_decode_ioeventfd(&ev, &e))
			ioevt_ok = e.addr == SVT_KICK_GPA && e.len == 4 && e.doorbell == 0 &&
				   !(e.flags & SV_RPC_IOEVENTFD_F_REMOVE);
		if (ev.op == SV_RPC_OP_IRQFD && !sv_rpc_decode_irqfd(&ev, &f))
			irqfd_ok = f.event == 0 && (f.flags & SV_RPC_IRQFD_F_MSI) &&
				   f.addr == SVT_MSI_ADDR && f.data == SVT_MSI_DATA;
		if (ev.op == SV_RPC_OP_START_VM)
			break;
	}
	printf("svlink: %s: events seen %#x\n", when, seen);
	CHECK("HELLO_EVT", seen & (1u << (SV_RPC_OP_HELLO_EVT - SV_RPC_OP_FIRST_EVENT)));
	CHECK("REGISTER_PCI_DEV",
	      seen & (1u << (SV_RPC_OP_REGISTER_PCI_DEV - SV_RPC_OP_FIRST_EVENT)));
	CHECK("MMIO_REGION", seen & (1u << (SV_RPC_OP_MMIO_REGION - SV_RPC_OP_FIRST_EVENT)));
	CHECK("IOEVENTFD announced as registered", ioevt_ok);
	CHECK("IRQFD announced as registered", irqfd_ok);
	CHECK("START_VM", seen & (1u << (SV_RPC_OP_START_VM - SV_RPC_OP_FIRST_EVENT)));
	return seen;
}

static int wait_fd(int fd, int timeout_ms)
{
	return sv_rpc_doorbell_wait(fd, timeout_ms);
}

static void test_requests(void)
{
	struct sv_rpc_hello h = { .version = SV_RPC_VERSION };
	struct sv_rpc_msg m, rep;
	struct sv_rpc_hello got;
	__u64 one = 1;
	int ret;

	sv_rpc_encode_hello(&m, SV_RPC_OP_HELLO, &h);
	ret = call(&m, &rep, 10000);
	CHECK("HELLO answered by the kernel",
	      !ret && !rep.status && !sv_rpc_decode_hello(&rep, &got) &&
		      SV_RPC_VERSION_GET_MAJOR(got.version) == SV_RPC_VERSION_MAJOR);

	sv_rpc_msg_init(&m, SV_RPC_OP_NOP);
	m.arg[0] = 0x1122334455667788ull;
	m.arg[5] = 42;
	ret = call(&m, &rep, 10000);
	CHECK("NOP echoed", !ret && !rep.status && rep.arg[0] == m.arg[0] && rep.arg[5] == 42);

	ret = mmio(SV_RPC_AS_GLOBAL, SVT_REGION_GPA, 4, SV_RPC_MMIO_READ, 0, &rep);
	CHECK("MMIO read answered by the devmodel",
	      !ret && !rep.status && rep.arg[1] == SVT_READ_VALUE);
	ret = mmio(SV_RPC_AS_GLOBAL, SVT_REGION_GPA + 8, 2, SV_RPC_MMIO_READ, 0, &rep);
	CHECK("2-byte MMIO read truncated to its size",
	      !ret && !rep.status && rep.arg[1] == (SVT_READ_VALUE & 0xffff));
	ret = mmio(0, 0, 4, SV_RPC_MMIO_READ, 0, &rep);
	CHECK("config-space read", !ret && !rep.status && rep.arg[1] == SVT_CFG_VALUE);
	ret = mmio(SV_RPC_AS_GLOBAL, SVT_REGION_GPA + 4, 4, SV_RPC_MMIO_WRITE, 0xabcd, &rep);
	CHECK("MMIO write completed by the devmodel", !ret && !rep.status);

	/* A write that hits the ioeventfd: completed in the kernel, kick -> call echo. */
	while (!wait_fd(call_fd[0], 0))
		;
	ret = mmio(SV_RPC_AS_GLOBAL, SVT_KICK_GPA, 4, SV_RPC_MMIO_WRITE, 0, &rep);
	CHECK("ioeventfd write completed", !ret && !rep.status);
	CHECK("ioeventfd write reached the devmodel (CALL[0] rang back)",
	      !wait_fd(call_fd[0], 10000));

	/* The fast path: the driver VM's KVM ioeventfd would write kick_fd[0]. */
	for (int i = 0; i < 3; i++) {
		if (write(kick_fd[0], &one, 8) != 8)
			perror("kick");
		ret = wait_fd(call_fd[0], 10000);
		if (ret)
			break;
	}
	CHECK("3 kicks by MSI-X vector 1 came back as CALL[0]", !ret);
}

/* Shared-memory writes a buggy or hostile driver side could make. */
static void test_hostile(void)
{
	struct sv_rpc_ring *r = &drv.ep.req;
	struct sv_rpc_msg *slots = drv.ep.slots;
	__u16 *ids = r->entries;
	__u32 pos = r->pos;
	struct sv_rpc_msg m;

	/* 1: a slot id out of range */
	ids[pos++ & r->mask] = 0xffff;
	/* 2: an unknown opcode in a valid slot, with the right epochs */
	memset(&m, 0, sizeof(m));
	m.op = 0x1f;
	m.slot = 3;
	m.drv_epoch = drv.ep.epoch;
	m.dev_epoch = drv.ep.peer_epoch;
	memcpy(&slots[3], &m, sizeof(m));
	ids[pos++ & r->mask] = 3;
	/* 3: an MMIO request of size 3 */
	m.op = SV_RPC_OP_MMIO;
	m.slot = 4;
	m.arg[0] = SVT_REGION_GPA;
	m.arg[2] = SV_RPC_MMIO_INFO(3, SV_RPC_MMIO_READ, SV_RPC_AS_GLOBAL);
	memcpy(&slots[4], &m, sizeof(m));
	ids[pos++ & r->mask] = 4;
	/* 4: garbage */
	memset(&slots[5], 0xa5, sizeof(slots[5]));
	ids[pos++ & r->mask] = 5;
	__atomic_store_n(r->prod, pos, __ATOMIC_RELEASE);
	sv_rpc_doorbell_ring(req_db);
	usleep(500000);
	CHECK("unknown opcode rejected with -EOPNOTSUPP",
	      slots[3].flags == SV_RPC_F_REPLY && slots[3].status == -EOPNOTSUPP);
	CHECK("bad MMIO size rejected with -EINVAL",
	      slots[4].flags == SV_RPC_F_REPLY && slots[4].status == -EINVAL);
	/* 5: an impossible producer index */
	__atomic_store_n(r->prod, pos + 100000, __ATOMIC_RELEASE);
	sv_rpc_doorbell_ring(req_db);
	usleep(500000);
	/* Random bytes over the whole ring area and the slots, twice. */
	for (int round = 0; round < 2; round++) {
		for (__u32 i = 0; i < drv.ep.lay.nslots * SV_RPC_MSG_SIZE; i++)
			((unsigned char *)slots)[i] = (unsigned char)rand();
		for (__u32 i = 0; i <= r->mask; i++)
			ids[i] = (__u16)rand();
		__atomic_store_n(r->prod, (__u32)rand(), __ATOMIC_RELEASE);
		sv_rpc_doorbell_ring(req_db);
		usleep(300000);
	}
}

static int spawn_vm(const char *vmm, const char *kernel, const char *initrd)
{
	struct sv_link_args link = {
		.id = SVT_LINK_ID,
		.peer = SVT_PEER,
		.nkicks = NKICKS,
		.ncalls = NCALLS,
		.ram_gpa = SVT_RAM_GPA,
		.ram_size = SVT_RAM_SIZE,
	};
	char serve[SV_LINK_ARGS_TEXT_MAX];
	int ram_fd, iobuf_fd, state_fd;
	pid_t pid;

	ram_fd = memfd_create("svlink-ram", 0);
	if (ram_fd < 0 || ftruncate(ram_fd, SVT_RAM_SIZE) < 0) {
		perror("ram memfd");
		exit(1);
	}
	ram = mmap(NULL, SVT_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, ram_fd, 0);
	if (ram == MAP_FAILED) {
		perror("mmap ram");
		exit(1);
	}
	state_fd = memfd_create("svlink-state", 0);
	if (state_fd < 0 || ftruncate(state_fd, SV_STATE_AREA_SIZE) < 0) {
		perror("state memfd");
		exit(1);
	}
	memcpy(ram, SVT_RAM_MAGIC, sizeof(SVT_RAM_MAGIC));
	memcpy(ram + SVT_RAM_SIZE - sizeof(SVT_RAM_MAGIC), SVT_RAM_MAGIC, sizeof(SVT_RAM_MAGIC));
	if (sv_rpc_iobuf_create(IOBUF_SIZE, &iobuf_fd) ||
	    sv_rpc_iobuf_map(iobuf_fd, IOBUF_SIZE, &iobuf) ||
	    sv_rpc_iobuf_init(iobuf, IOBUF_SIZE)) {
		fprintf(stderr, "svlink: iobuf setup failed\n");
		exit(1);
	}
	sv_rpc_doorbell_create(&req_db);
	sv_rpc_doorbell_create(&resp_db);
	for (int i = 0; i < NKICKS; i++)
		sv_rpc_doorbell_create(&kick_fd[i]);
	for (int i = 0; i < NCALLS; i++)
		sv_rpc_doorbell_create(&call_fd[i]);
	link.ram_fd = ram_fd;
	link.state_fd = state_fd;
	link.iobuf_fd = iobuf_fd;
	link.req_fd = req_db;
	link.resp_fd = resp_db;
	memcpy(link.kick_fds, kick_fd, sizeof(kick_fd));
	memcpy(link.call_fds, call_fd, sizeof(call_fd));
	if (sv_link_args_format(&link, SV_LINK_DEVICE_SIDE, serve, sizeof(serve)) < 0) {
		fprintf(stderr, "svlink: cannot write the --serve argument\n");
		exit(1);
	}
	printf("svlink: vmm --serve %s\n", serve);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int fds[] = { ram_fd,	  iobuf_fd,   req_db,	  resp_db,   state_fd,
			      kick_fd[0], kick_fd[1], call_fd[0], call_fd[1] };

		for (unsigned int i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
			fcntl(fds[i], F_SETFD, 0);
		execlp(vmm, vmm, "--kernel", kernel, "--initrd", initrd, "--mem", "256M", "--cpus",
		       "1", "--serve", serve, "--cmdline", "console=ttyAMA0 quiet sv.run=kmod-dev",
		       (char *)NULL);
		perror("exec vmm");
		_exit(127);
	}
	close(ram_fd);
	close(iobuf_fd);
	close(state_fd);
	return pid;
}

int main(int argc, char **argv)
{
	const char *vmm = "vmm", *kernel = "/guest/Image", *initrd = "/guest/kmod-initrd.cpio";
	int timeout = 120, status = 0, ret;
	struct sv_rpc_msg rep;
	pid_t pid;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--vmm"))
			vmm = argv[i + 1];
		else if (!strcmp(argv[i], "--kernel"))
			kernel = argv[i + 1];
		else if (!strcmp(argv[i], "--initrd"))
			initrd = argv[i + 1];
		else if (!strcmp(argv[i], "--timeout"))
			timeout = atoi(argv[i + 1]);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(timeout);
	pid = spawn_vm(vmm, kernel, initrd);
	if (sv_rpc_drv_open(&drv, iobuf, IOBUF_SIZE)) {
		fprintf(stderr, "svlink: drv open failed\n");
		return 1;
	}

	ret = sv_rpc_drv_wait_connected(&drv, req_db, resp_db, 60000);
	CHECK("the module acknowledged the driver epoch", !ret);
	if (ret)
		goto out;
	collect_events(60000, "first devmodel");
	test_requests();

	printf("svlink: hostile iobuf writes\n");
	test_hostile();
	printf("svlink: driver restart\n");
	ret = sv_rpc_drv_open(&drv, iobuf, IOBUF_SIZE);
	CHECK("driver re-open", !ret);
	ret = sv_rpc_drv_wait_connected(&drv, req_db, resp_db, 10000);
	CHECK("the module acknowledged the new driver epoch", !ret);
	collect_events(10000, "replay after a driver restart");
	test_requests();

	/* The devmodel exits on this read without answering: the module fails it. */
	ret = mmio(SV_RPC_AS_GLOBAL, SVT_QUIT_GPA, 4, SV_RPC_MMIO_READ, 0, &rep);
	printf("svlink: quit read: ret %d status %d\n", ret, ret ? 0 : rep.status);
	CHECK("pending request failed when the devmodel died",
	      !ret && (rep.status == -EIO || rep.status == -ECONNRESET));
	usleep(200000);
	ret = mmio(SV_RPC_AS_GLOBAL, SVT_REGION_GPA, 4, SV_RPC_MMIO_READ, 0, &rep);
	if (!ret && rep.status == -ECONNRESET) /* the close started a new device epoch */
		ret = mmio(SV_RPC_AS_GLOBAL, SVT_REGION_GPA, 4, SV_RPC_MMIO_READ, 0, &rep);
	CHECK("no devmodel: MMIO fails with -EIO", !ret && rep.status == -EIO);
	CHECK("the devmodel saw our RAM and wrote into it",
	      !memcmp(ram + SVT_RAM_REPLY_OFF, SVT_RAM_REPLY, sizeof(SVT_RAM_REPLY)));
out:
	/* The device VM now unloads the module and powers off. */
	if (waitpid(pid, &status, 0) == pid)
		printf("svlink: device VM exited with status %d\n",
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	CHECK("device VM (devtest, rmmod) succeeded", WIFEXITED(status) && !WEXITSTATUS(status));
	printf("svlink: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
