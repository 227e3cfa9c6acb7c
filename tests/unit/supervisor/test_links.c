// SPDX-License-Identifier: GPL-2.0
/*
 * The supervisor's shared objects (objects.c) and a dead device VM's links
 * (links.c), natively: each link's saved-state area, and what a driver
 * VM's vmm sees on its RPC channel once the supervisor marked the device
 * side gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../support/unit.h"

#include <splitvirt/rpc_posix.h>
#include <splitvirt/state_area.h>
#include <splitvirt/topology.h>

#include "../../../supervisor/supervisor.h"

/* Links: 0 app1 -> devvm, 1 app1 -> other, 2 app2 -> devvm. */
static const char topo_text[] =
	"vms:\n"
	"  - { name: devvm, role: device, kernel: K }\n"
	"  - { name: other, role: device, kernel: K }\n"
	"  - { name: app1, role: driver, kernel: K, memory: 64M,\n"
	"      devices: [ { type: rng, from: devvm }, { type: console, from: other } ] }\n"
	"  - { name: app2, role: driver, kernel: K, memory: 64M,\n"
	"      devices: [ { type: rng, from: devvm } ] }\n";

enum { DEVVM, OTHER, APP1, APP2, NR_VMS };
#define NR_LINKS 3

/* One link as both vmms hold it: the driver's and the device's endpoints. */
struct link_ends {
	void *base;
	struct sv_rpc_drv drv;
	struct sv_rpc_dev dev;
};

struct fixture {
	struct sv_topology *t;
	struct sup_objects o;
	struct sup_vm_run vms[NR_VMS];
	struct link_ends ends[NR_LINKS];
};

static int open_fds(void)
{
	char path[64];
	int n = 0;

	for (int fd = 0; fd < 4096; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n += access(path, F_OK) == 0;
	}
	return n;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sv_topo_diags diags = { 0 };

	assert_non_null(f);
	assert_int_equal(
		sv_topo_load_text(topo_text, strlen(topo_text), "t.yaml", NULL, 0, &f->t, &diags),
		0);
	sv_topo_diags_free(&diags);
	assert_int_equal(f->t->nr_links, NR_LINKS);
	assert_int_equal(f->t->links[2].driver, APP2);
	assert_int_equal(sup_objects_create(f->t, &f->o), 0);
	for (unsigned int i = 0; i < NR_VMS; i++)
		f->vms[i] = (struct sup_vm_run){ .state = SUP_VM_RUNNING, .reboot_fd = -1 };
	/* Both sides of every link up, as once the driver VM has probed its devices. */
	for (unsigned int l = 0; l < NR_LINKS; l++) {
		struct link_ends *e = &f->ends[l];

		assert_int_equal(sv_rpc_iobuf_map(f->o.links[l].iobuf, SUP_IOBUF_SIZE, &e->base),
				 0);
		assert_int_equal(sv_rpc_drv_open(&e->drv, e->base, SUP_IOBUF_SIZE), 0);
		assert_int_equal(sv_rpc_dev_open(&e->dev, e->base, SUP_IOBUF_SIZE), 0);
		assert_int_equal(sv_rpc_dev_sync(&e->dev), 1);
		assert_int_equal(sv_rpc_drv_sync(&e->drv), 1);
		assert_true(sv_rpc_drv_connected(&e->drv));
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	for (unsigned int l = 0; l < NR_LINKS; l++)
		sv_rpc_iobuf_unmap(f->ends[l].base, SUP_IOBUF_SIZE);
	sup_objects_close(&f->o);
	sv_topo_free(f->t);
	free(f);
	return 0;
}

static struct sv_rpc_msg mmio_read(__u64 addr)
{
	struct sv_rpc_mmio io = {
		.addr = addr, .size = 4, .dir = SV_RPC_MMIO_READ, .as = SV_RPC_AS_GLOBAL
	};
	struct sv_rpc_msg m;

	assert_int_equal(sv_rpc_encode_mmio(&m, &io), 0);
	return m;
}

/* Whether the doorbell fd was rung since the last call (and clears it). */
static bool rung(int fd)
{
	uint64_t n = 0;

	return read(fd, &n, sizeof(n)) == sizeof(n) && n;
}

/* The driver side of link l after its device side was marked gone. */
static void expect_gone(struct fixture *f, unsigned int l, int lent_slot)
{
	struct link_ends *e = &f->ends[l];
	struct sv_rpc_msg m = mmio_read(0x1000), rep;

	assert_true(rung(f->o.links[l].resp));
	/* What it lent fails at once, instead of waiting for its timeout... */
	assert_int_equal(sv_rpc_drv_recv_reply(&e->drv, &rep), 0);
	assert_int_equal(rep.status, -ECONNRESET);
	assert_int_equal(rep.slot, lent_slot);
	assert_int_equal(sv_rpc_drv_recv_reply(&e->drv, &rep), -EAGAIN);
	/* ... and so does what it would send, until a new device side is up. */
	assert_false(sv_rpc_drv_connected(&e->drv));
	assert_int_equal(sv_rpc_drv_send(&e->drv, lent_slot + 1, &m), -EAGAIN);
}

/* A link untouched by the marking still works. */
static void expect_up(struct fixture *f, unsigned int l)
{
	struct link_ends *e = &f->ends[l];
	struct sv_rpc_msg m = mmio_read(0x2000), rep;

	assert_false(rung(f->o.links[l].resp));
	assert_true(sv_rpc_drv_connected(&e->drv));
	assert_int_equal(sv_rpc_drv_send(&e->drv, 7, &m), 0);
	assert_int_equal(sv_rpc_dev_recv(&e->dev, &m), 0);
	assert_int_equal(sv_rpc_dev_reply(&e->dev, &m, 0), 0);
	assert_int_equal(sv_rpc_drv_recv_reply(&e->drv, &rep), 0);
	assert_int_equal(rep.status, 0);
	assert_int_equal(rep.slot, 7);
}

static void test_mark_gone(void **state)
{
	struct fixture *f = *state;
	struct sv_rpc_msg m = mmio_read(0x1000);

	/* Link 0: an access the device side took and never answered; link 2: one not taken yet. */
	assert_int_equal(sv_rpc_drv_send(&f->ends[0].drv, 3, &m), 0);
	assert_int_equal(sv_rpc_dev_recv(&f->ends[0].dev, &m), 0);
	assert_int_equal(sv_rpc_drv_send(&f->ends[2].drv, 0, &m), 0);
	assert_int_equal(sup_links_mark_gone(f->t, &f->o, f->vms, DEVVM), 0);
	expect_gone(f, 0, 3);
	expect_gone(f, 2, 0);
	expect_up(f, 1); /* other's link */

	/* A new device VM's device side: the driver's link works again. */
	assert_int_equal(sv_rpc_dev_open(&f->ends[0].dev, f->ends[0].base, SUP_IOBUF_SIZE), 0);
	assert_int_equal(sv_rpc_dev_sync(&f->ends[0].dev), 1);
	assert_int_equal(sv_rpc_drv_sync(&f->ends[0].drv), 1);
	expect_up(f, 0);
}

/*
 * The driver VM of a link is gone too: its link is marked anyway (nothing
 * else uses it); one link that cannot be marked does not stop the others.
 */
static void test_mark_gone_errors(void **state)
{
	struct fixture *f = *state;
	struct sv_rpc_msg m = mmio_read(0x1000);
	int iobuf = f->o.links[0].iobuf, small;

	f->vms[APP2].state = SUP_VM_EXITED;
	assert_int_equal(sv_rpc_iobuf_create(4096, &small), 0);
	f->o.links[0].iobuf = small;
	assert_int_equal(sv_rpc_drv_send(&f->ends[2].drv, 5, &m), 0);
	assert_int_equal(sup_links_mark_gone(f->t, &f->o, f->vms, DEVVM), -EINVAL);
	f->o.links[0].iobuf = iobuf;
	close(small);
	expect_gone(f, 2, 5);
	expect_up(f, 0);
	expect_up(f, 1);
	/* A device VM without links has nothing to mark. */
	assert_int_equal(sup_links_mark_gone(f->t, &f->o, f->vms, APP1), 0);
	expect_up(f, 0);
}

/* Each link's saved-state area: the device side's, empty, sealed; counted in the fds. */
static void test_state_area_objects(void **state)
{
	struct fixture *f = *state;
	struct sup_objects o;
	char path[64], target[256];
	unsigned char *p;
	struct stat st;
	int before = open_fds();
	ssize_t n;
	int fd;

	assert_int_equal(sup_objects_create(f->t, &o), 0);
	assert_int_equal(open_fds() - before, (int)sup_objects_count(f->t));
	fd = o.links[2].state;
	assert_true(fd > 2);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	assert_string_equal(target, "/memfd:splitvirt-state-2-app2-devvm (deleted)");
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, SV_STATE_AREA_SIZE);
	/* Neither side may resize it under the other. */
	assert_int_equal(fcntl(fd, F_GET_SEALS), F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
	assert_int_equal(fcntl(fd, F_GETFD), FD_CLOEXEC);
	p = mmap(NULL, SV_STATE_AREA_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	/* Zero-filled: nothing saved, so the first devmodel starts from scratch. */
	assert_int_equal(sv_state_area_read(p, SV_STATE_AREA_SIZE, target, sizeof(target)), 0);
	for (unsigned int i = 0; i < SV_STATE_AREA_SIZE; i++)
		assert_int_equal(p[i], 0);
	munmap(p, SV_STATE_AREA_SIZE);
	assert_int_not_equal(o.links[0].state, o.links[1].state);
	sup_objects_close(&o);
	assert_int_equal(open_fds(), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		SV_TEST(test_mark_gone),
		SV_TEST(test_mark_gone_errors),
		SV_TEST(test_state_area_objects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
