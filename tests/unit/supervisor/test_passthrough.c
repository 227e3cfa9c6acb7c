// SPDX-License-Identifier: GPL-2.0
/*
 * The supervisor's PCI passthrough (passthrough.c) on a fake sysfs and
 * /dev: what it writes to bind a function to vfio-pci and to give it back,
 * once per run, its errors, the VFIO group node given to the VM's user,
 * and the vmm's RLIMIT_MEMLOCK.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../support/fake_sysfs.h"
#include "../../support/unit.h"
#include "../../support/log_lines.h"

#include "../../../supervisor/supervisor.h"

/*
 * dev: 01.0 (nvme, group 3) and 02.0 (no driver, group 4); s: 03.0 (on
 * vfio-pci, group 5, so vfio-pci is loaded).
 */
static const char topo_text[] =
	"vms:\n"
	"  - { name: dev, role: device, kernel: K, memory: 512M,\n"
	"      passthrough: [ \"0000:00:01.0\", \"0000:00:02.0\" ] }\n"
	"  - { name: app, role: driver, kernel: K, devices: [ { type: rng, from: dev } ] }\n"
	"  - { name: s, role: standalone, kernel: K, passthrough: [ \"0000:00:03.0\" ] }\n";
enum { DEV, APP, S };

static char root[64];
static struct sv_topology *topo;
static struct sup_sandbox sb;
static struct sup_passthrough pt;
static int ret; /* of the last call() */

static void load(const char *text)
{
	struct sv_topo_diags diags = { 0 };

	if (sv_topo_load_text(text, strlen(text), "t.yaml", NULL, 0, &topo, &diags))
		fail_msg("topology refused: %s", diags.nr ? diags.v[0].msg : "?");
	sv_topo_diags_free(&diags);
}

static int setup(void **state)
{
	(void)state;
	if (fake_sysfs_create(root, sizeof(root)) ||
	    fake_sysfs_add_pci(root, "0000:00:01.0", 3, "nvme") ||
	    fake_sysfs_add_pci(root, "0000:00:02.0", 4, NULL) ||
	    fake_sysfs_add_pci(root, "0000:00:03.0", 5, "vfio-pci"))
		return -1;
	memset(&sb, 0, sizeof(sb));
	sb.uid_base = SUP_DEFAULT_UID_BASE;
	memset(&pt, 0, sizeof(pt));
	load(topo_text);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sv_topo_free(topo);
	topo = NULL;
	fake_sysfs_remove(root);
	return 0;
}

/* Asserts that ROOT/rest holds want. */
static void expect_file(const char *rest, const char *want)
{
	char *text = fake_sysfs_read(root, rest);

	if (!text || strcmp(text, want))
		fail_msg("%s holds '%s', expected '%s'", rest, text ? text : "(missing)", want);
	free(text);
}

static void clear_file(const char *rest)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rest);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
}

static unsigned int take_vm;

static void take(void *arg)
{
	(void)arg;
	ret = sup_passthrough_take(&pt, topo, take_vm, &sb);
}

static void give_back(void *arg)
{
	(void)arg;
	sup_passthrough_give_back(&pt);
}

/* Takes VM vm's functions; asserts how many log lines contain needle. */
static int call_take(unsigned int vm, const char *needle, unsigned int lines)
{
	take_vm = vm;
	assert_int_equal(log_lines_while(needle, take, NULL), lines);
	return ret;
}

#define DEV1 "sys/devices/pci0000:00/0000:00:01.0/"
#define DEV2 "sys/devices/pci0000:00/0000:00:02.0/"
#define DEV3 "sys/devices/pci0000:00/0000:00:03.0/"
#define DRIVERS "sys/bus/pci/drivers/"

static void test_take_and_give_back(void **state)
{
	(void)state;
	assert_int_equal(
		call_take(DEV, "passthrough 0000:00:01.0: taken from nvme for VM 'dev'", 1), 0);
	expect_file(DEV1 "driver_override", "vfio-pci");
	expect_file(DRIVERS "nvme/unbind", "0000:00:01.0");
	expect_file(DEV2 "driver_override", "vfio-pci");
	expect_file(DRIVERS "vfio-pci/bind", "0000:00:02.0"); /* the last one written */
	/* Once per run: a restart or reboot of the VM takes nothing again. */
	clear_file(DRIVERS "vfio-pci/bind");
	assert_int_equal(call_take(DEV, "passthrough", 0), 0);
	expect_file(DRIVERS "vfio-pci/bind", "");
	/* On vfio-pci already: left as it is, then and at the end. */
	assert_int_equal(
		call_take(S, "passthrough 0000:00:03.0: on vfio-pci already, for VM 's'", 1), 0);
	expect_file(DEV3 "driver_override", "");
	expect_file(DRIVERS "vfio-pci/bind", "");

	assert_int_equal(
		log_lines_while("passthrough 0000:00:01.0: given back to nvme", give_back, NULL),
		1);
	expect_file(DRIVERS "vfio-pci/unbind", "0000:00:02.0");
	expect_file(DEV1 "driver_override", "\n");
	expect_file(DEV2 "driver_override", "\n");
	expect_file(DRIVERS "nvme/bind", "0000:00:01.0");
	/* It had no driver: the kernel probes it again. */
	expect_file("sys/bus/pci/drivers_probe", "0000:00:02.0");
	expect_file(DEV3 "driver_override", "");
	assert_int_equal(pt.nr, 0);
}

/* Each refusal names the function, the VM and the fix; nothing is left changed. */
static void test_take_errors(void **state)
{
	static const struct {
		const char *text;
		bool vfio_loaded;
		int ret;
		const char *log;
	} cases[] = {
		{ "vms: [ { name: x, role: standalone, kernel: K, passthrough: [ \"00:01.0\" ] } ]\n",
		  false, -ENOENT,
		  "VM 'x': passthrough 0000:00:01.0: vfio-pci is not loaded: modprobe vfio-pci" },
		{ "vms: [ { name: x, role: standalone, kernel: K, passthrough: [ \"00:09.0\" ] } ]\n",
		  true, -ENOENT, "VM 'x': passthrough 0000:00:09.0: no such PCI device" },
		{ "vms: [ { name: x, role: standalone, kernel: K, passthrough: [ \"00:0a.0\" ] } ]\n",
		  true, -ENXIO,
		  "VM 'x': passthrough 0000:00:0a.0: in no IOMMU group: the host has no IOMMU for it" },
	};

	(void)state;
	assert_int_equal(fake_sysfs_add_pci(root, "0000:00:0a.0", -1, "nvme"), 0);
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sv_topo_free(topo);
		load(cases[i].text);
		if (cases[i].vfio_loaded)
			assert_int_equal(fake_sysfs_add_driver(root, "vfio-pci"), 0);
		else
			fake_sysfs_remove_driver(root, "vfio-pci");
		if (call_take(0, cases[i].log, 1) != cases[i].ret)
			fail_msg("case %u: %d, expected %d", i, ret, cases[i].ret);
		expect_file(DEV1 "driver_override", "");
		sup_passthrough_give_back(&pt);
		expect_file(DEV1 "driver_override", "");
	}
}

/* One vmm holds a group: two VMs cannot share one. */
static void test_group_of_two_vms(void **state)
{
	(void)state;
	assert_int_equal(fake_sysfs_add_pci(root, "0000:00:04.0", 3, NULL), 0);
	sv_topo_free(topo);
	load("vms:\n"
	     "  - { name: a, role: standalone, kernel: K, passthrough: [ \"00:01.0\" ] }\n"
	     "  - { name: b, role: standalone, kernel: K, passthrough: [ \"00:04.0\" ] }\n");
	assert_int_equal(call_take(0, "taken from nvme for VM 'a'", 1), 0);
	assert_int_equal(
		call_take(
			1,
			"VM 'b': passthrough 0000:00:04.0: it shares IOMMU group 3 with 0000:00:01.0 of VM 'a', and VFIO gives a group to one VM",
			1),
		-EBUSY);
	expect_file(DEV1 "driver_override", "vfio-pci");
	expect_file("sys/devices/pci0000:00/0000:00:04.0/driver_override", "");
}

/* Bound part-way: what was done is undone, no more. */
static void test_bind_fails(void **state)
{
	char path[PATH_MAX];

	(void)state;
	snprintf(path, sizeof(path), "%s/" DRIVERS "vfio-pci/bind", root);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(
		call_take(DEV,
			  "VM 'dev': passthrough 0000:00:01.0: cannot write '0000:00:01.0' to ", 1),
		-ENOENT);
	expect_file(DRIVERS "nvme/unbind", "0000:00:01.0");
	assert_int_equal(log_lines_while("given back to nvme", give_back, NULL), 1);
	expect_file(DRIVERS "vfio-pci/unbind", ""); /* it never got there */
	expect_file(DEV1 "driver_override", "\n");
	expect_file(DRIVERS "nvme/bind", "0000:00:01.0");
	expect_file(DEV2 "driver_override", ""); /* not reached */
}

/* Sandboxed: the VM's user gets the group node, the vmm a RLIMIT_MEMLOCK for its RAM. */
static void test_sandboxed(void **state)
{
	struct sup_spawn_sandbox c;
	char path[PATH_MAX];
	struct stat st;

	(void)state;
	sup_sandbox_spawn_config(&sb, topo, DEV, 10, &c);
	assert_int_equal(c.memlock, 0); /* not dropped: our limit stays */
	sb.drop = true;
	sup_sandbox_spawn_config(&sb, topo, DEV, 10, &c);
	assert_int_equal(c.memlock, (512ul << 20) + SUP_PASSTHROUGH_MEMLOCK_SLACK);
	sup_sandbox_spawn_config(&sb, topo, APP, 10, &c);
	assert_int_equal(c.memlock, 0);
	if (geteuid() != 0) {
		fprintf(stderr, "# not root: the group node's owner is not checked\n");
		return;
	}
	assert_int_equal(call_take(DEV, "taken from nvme", 1), 0);
	snprintf(path, sizeof(path), "%s/dev/vfio/3", root);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_uid, sup_sandbox_uid(&sb, DEV));
	assert_int_equal(st.st_gid, sup_sandbox_uid(&sb, DEV));
	snprintf(path, sizeof(path), "%s/dev/vfio/4", root);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_uid, sup_sandbox_uid(&sb, DEV));
	sup_passthrough_give_back(&pt);
	snprintf(path, sizeof(path), "%s/dev/vfio/3", root);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(st.st_gid, 0);

	/* A container node the VM's user cannot open is refused, with the fix. */
	snprintf(path, sizeof(path), "%s/dev/vfio/vfio", root);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(
		call_take(DEV, "is mode 600, so the VM's user cannot open it; make it 0666", 1),
		-EACCES);
	sup_passthrough_give_back(&pt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		SV_TEST(test_take_and_give_back), SV_TEST(test_take_errors),
		SV_TEST(test_group_of_two_vms),	  SV_TEST(test_bind_fails),
		SV_TEST(test_sandboxed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
