// SPDX-License-Identifier: GPL-2.0
/* Topology parser and validator: good files give the right model, bad ones the right message and line. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../support/unit.h"

#include <splitvirt/topology.h>

#include "../../support/fake_sysfs.h"

static struct sv_topo_diags diags;
static struct sv_topology *topo;

static int setup(void **state)
{
	(void)state;
	memset(&diags, 0, sizeof(diags));
	topo = NULL;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sv_topo_free(topo);
	sv_topo_diags_free(&diags);
	return 0;
}

/* Parses and validates text as `splitvirt check` does (no file checks). */
static int load(const char *text)
{
	return sv_topo_load_text(text, strlen(text), "t.yaml", NULL, 0, &topo, &diags);
}

static void dump_diags(void)
{
	for (unsigned int i = 0; i < diags.nr; i++)
		fprintf(stderr, "# line %d: %s\n", diags.v[i].line, diags.v[i].msg);
}

/* Asserts a diagnostic of severity sev at line whose message contains text. */
static void expect_diag(enum sv_topo_severity sev, int line, const char *text)
{
	for (unsigned int i = 0; i < diags.nr; i++) {
		if (diags.v[i].severity == sev && diags.v[i].line == line &&
		    strstr(diags.v[i].msg, text))
			return;
	}
	dump_diags();
	fail_msg("no %s at line %d containing '%s'", sev == SV_TOPO_ERROR ? "error" : "warning",
		 line, text);
}

static void expect_error(const char *text, int line, const char *msg)
{
	assert_int_equal(load(text), -EINVAL);
	expect_diag(SV_TOPO_ERROR, line, msg);
}

#define DEVVM                        \
	"  - name: devvm\n"          \
	"    role: device\n"         \
	"    kernel: /guest/Image\n" \
	"    initrd: /guest/dev.cpio\n"
/* A driver VM 'a' after "vms:\n" DEVVM: lines 6-9, its devices from line 10. */
#define DRV_A                \
	"  - name: a\n"      \
	"    role: driver\n" \
	"    kernel: K\n"    \
	"    devices:\n"
/* ... with a blk (line 10) and a console (line 11) from devvm. */
#define DRV_A_BLK_CON                                                                  \
	"vms:\n" DEVVM DRV_A "      - { type: blk, from: devvm, backing: /dev/vda }\n" \
	"      - { type: console, from: devvm }\n"

/* A file that must be refused, and the errors it must get. */
struct bad_file {
	const char *text;
	struct {
		int line;
		const char *msg; /* part of the message */
	} want[2];
	unsigned int errors; /* exactly this many errors, if not 0 */
};

#define BAD(t, l, m)                                                 \
	{                                                            \
		.text = (t), .want = { { .line = (l), .msg = (m) } } \
	}
/* Two errors, and exactly n in all. */
#define BAD2(t, l1, m1, l2, m2, n)                                                        \
	{                                                                                 \
		.text = (t),                                                              \
		.want = { { .line = (l1), .msg = (m1) }, { .line = (l2), .msg = (m2) } }, \
		.errors = (n)                                                             \
	}

static const struct bad_file bad_files[] = {
	/* YAML and the document */
	BAD("vms:\n  - name: a\n    role: [driver\n", 4, "YAML syntax error"),
	BAD("vms:\n  - name: a\n   role: x\n", 3, "YAML syntax error"),
	BAD("", 0, "empty"),
	BAD("- a\n- b\n", 1, "must be a mapping"),
	BAD("name: x\n", 1, "no 'vms:'"),
	BAD("vms: []\n---\nvms: []\n", 3, "second YAML document"),
	BAD("vms: []\n", 1, "no VMs"),
	BAD("vms:\n", 1, "no VMs"),
	/* unknown and repeated keys */
	BAD("vms:\n" DEVVM "    memroy: 1G\n", 6, "did you mean 'memory'"),
	BAD("vms:\n" DEVVM "    colour: red\n", 6, "known keys: name, role"),
	BAD("vmz: []\n", 1, "did you mean 'vms'"),
	BAD("vms:\n" DEVVM "    nets: [ { tap: t0, speed: 10 } ]\n", 6,
	    "unknown key 'speed' in a NIC"),
	BAD("vms:\n" DEVVM DRV_A "      - { type: blk, from: devvm, backing: /b, size: 1 }\n", 10,
	    "unknown key 'size' in a device of VM 'a'"),
	BAD("vms:\n" DEVVM "    name: again\n", 6, "appears twice"),
	/* missing keys */
	BAD("vms:\n  - role: device\n    kernel: K\n", 2, "has no 'name:'"),
	BAD("vms:\n  - name: a\n    kernel: K\n", 2, "VM 'a' has no 'role:'"),
	BAD("vms:\n  - name: a\n    role: device\n", 2, "VM 'a' has no 'kernel:'"),
	BAD("vms:\n" DEVVM DRV_A "      - { type: blk, from: devvm }\n", 10, "has no 'backing:'"),
	BAD("vms:\n" DEVVM DRV_A "      - { from: devvm }\n", 10, "has no 'type:'"),
	BAD("vms:\n" DEVVM DRV_A "      - { type: net, from: devvm }\n", 10, "has no 'bridge:'"),
	BAD("vms:\n" DEVVM DRV_A "      - { type: rng }\n", 10, "has no 'from:'"),
	/* bad values */
	BAD("vms:\n" DEVVM "    memory: 12Q\n", 6, "not a size"),
	BAD("vms:\n" DEVVM "    cpus: two\n", 6, "not a number"),
	BAD("vms:\n" DEVVM "    cpus: 9\n", 6, "out of range; give 1 to 8"),
	BAD("vms:\n" DEVVM "    cpus: 0\n", 6, "out of range"),
	BAD("vms:\n" DEVVM "    rng: yes\n", 6, "write true or false"),
	BAD("vms:\n  - { name: a, kernel: K,\n      role: master }\n", 3,
	    "use device, driver or standalone"),
	BAD("vms:\n  - name: a b\n    role: device\n    kernel: K\n", 2, "not a valid VM name"),
	BAD("vms:\n" DEVVM "    nets: [ { tap: t0, mac: \"01:00:00:00:00:01\" } ]\n", 6,
	    "multicast"),
	BAD("vms:\n" DEVVM "    nets: [ { tap: t0, mac: 52-54 } ]\n", 6, "not a MAC address"),
	BAD("vms:\n" DEVVM "    nets: [ { tap: a-very-long-tap-name } ]\n", 6,
	    "not an interface name"),
	BAD("vms:\n" DEVVM "    cmdline: [a]\n", 6, "expected a single value"),
	BAD("vms:\n" DEVVM "    disks: /a.img\n", 6, "expected a list"),
	BAD("vms:\n" DEVVM "    disks: [ \"/a,b.img\" ]\n", 6, "contains a comma"),
	BAD("vms:\n" DEVVM "    cmdline: \"\"\n", 6, "empty value"),
	BAD("vms:\n" DEVVM DRV_A "      - { type: blk, from: devvm, backing: \"dev/vd a\" }\n", 10,
	    "must be absolute"),
	/* blk=/x:ro would be read-only /x in the device VM. */
	BAD("vms:\n" DEVVM DRV_A "      - { type: blk, from: devvm, backing: \"/x:ro\" }\n", 10,
	    "must not end in ':ro'"),
	BAD("vms:\n" DEVVM DRV_A "      - { type: rng, from: devvm, backing: /x }\n", 10,
	    "'backing' does not apply to a rng device"),
	BAD("vms:\n" DEVVM DRV_A "      - { type: gpu, from: devvm }\n", 10, "not a device type"),
	BAD("vms:\n" DEVVM "    devices: [ { type: rng, from: x } ]\n", 6,
	    "only driver VMs get devices"),
	/* restart: device VMs only, two policies */
	BAD("vms:\n" DEVVM "    restart: always\n", 6,
	    "restart of VM 'devvm': 'always' is not allowed; use on-failure (the default) or no"),
	BAD("vms:\n" DEVVM "    restart: [ no ]\n", 6, "restart: expected a single value"),
	BAD("vms:\n" DEVVM "    restrat: no\n", 6, "did you mean 'restart'"),
	BAD("vms:\n" DEVVM "    restart: no\n    restart: no\n", 7, "appears twice"),
	BAD("vms:\n" DEVVM DRV_A "      - { type: rng, from: devvm }\n    restart: no\n", 11,
	    "VM 'a' has role driver but 'restart:'; restart only applies to device VMs"),
	BAD("vms:\n  - { name: s, role: standalone, kernel: K, restart: on-failure }\n", 2,
	    "VM 's' has role standalone but 'restart:'; restart only applies to device VMs"),
	/* memory */
	BAD("vms:\n" DEVVM "    memory: 48M\n", 6, "give at least 64M"),
	BAD("vms:\n" DEVVM "    memory: 257M\n", 6, "not a multiple of 2M"),
	BAD("vms:\n" DEVVM "    memory: 16M\n", 6, "between 32M and 16G"),
	BAD("vms:\n" DEVVM "    memory: 32G\n", 6, "between 32M and 16G"),
	/* references between VMs */
	BAD("vms:\n" DEVVM "  - name: devvm\n    role: driver\n    kernel: K\n", 6,
	    "already used at line 2"),
	BAD("vms:\n" DEVVM DRV_A "      - { type: rng, from: nope }\n", 10, "no VM has that name"),
	BAD("vms:\n" DEVVM DRV_A "      - { type: rng,\n          from: a }\n", 11, "names itself"),
	BAD("vms:\n" DEVVM DRV_A "      - { type: rng, from: s }\n"
	    "  - { name: s, role: standalone, kernel: K }\n",
	    10, "whose role is standalone"),
	/* duplicates */
	BAD(DRV_A_BLK_CON "      - { type: blk, from: devvm, backing: /dev/vda }\n", 12,
	    "already gets blk /dev/vda from 'devvm' (line 10)"),
	BAD(DRV_A_BLK_CON "      - { type: console, from: devvm }\n", 12,
	    "second console (first at line 11)"),
	BAD(DRV_A_BLK_CON "    console: true\n", 11, "keep one console"),
	BAD(DRV_A_BLK_CON
	    "      - { type: rng, from: devvm }\n      - { type: rng, from: devvm }\n",
	    13, "already gets an rng"),
	BAD(DRV_A_BLK_CON
	    "      - { type: net, from: devvm, bridge: b, mac: \"52:54:00:00:00:01\" }\n"
	    "    nets: [ { tap: t, mac: \"52:54:00:00:00:01\" } ]\n",
	    12, "already used by VM 'a' (line 13)"),
	/* parse errors and cross-checks reported together, nothing twice */
	BAD2("vms:\n" DEVVM "    memroy: 1G\n" /* 6 */
	     "  - name: a\n    role: driver\n    kernel: K\n    devices:\n"
	     "      - { type: blk, from: devvm, backing: /dev/vda }\n" /* 11 */
	     "      - { type: blk, from: devvm, backing: /dev/vda }\n",
	     6, "did you mean 'memory'", 12, "already gets blk /dev/vda", 2),
	BAD2("vms:\n  - { role: device, kernel: K }\n"
	     "  - { name: s, role: standalone, kernel: K }\n"
	     "  - { name: s, role: standalone, kernel: K }\n",
	     2, "has no 'name:'", 4, "'s' is already used at line 3", 2),
	/* A device VM whose role did not parse: its drivers get no second error. */
	BAD2("vms:\n  - { name: d, role: dev, kernel: K }\n"
	     "  - { name: a, role: driver, kernel: K, devices: [ { type: rng, from: d } ] }\n",
	     2, "'dev' is not a role", 0, NULL, 1),
	/* A broken device is left out; a MAC used twice is still found. */
	BAD2("vms:\n" DEVVM "    nets: [ { tap: t0, mac: \"52:54:00:00:00:01\" } ]\n" /* 6 */
	     "  - name: a\n    role: driver\n    kernel: K\n"
	     "    nets: [ { tap: t1, mac: \"52:54:00:00:00:01\" } ]\n" /* 10 */
	     "    devices: [ { type: gpu, from: devvm }, { type: rng, from: devvm } ]\n",
	     11, "'gpu' is not a device type", 10, "already used by VM 'devvm' (line 6)", 2),
	/* passthrough: a list of PCI addresses, on device and standalone VMs, each once */
	BAD("vms:\n" DEVVM "    passthrough: [ \"00:20.0\" ]\n", 6,
	    "passthrough of VM 'devvm': '00:20.0' is not a PCI address; write DDDD:BB:DD.F as lspci -D shows it (e.g. 0000:01:00.0), or BB:DD.F"),
	BAD("vms:\n" DEVVM "    passthrough: [ \"00:01.8\" ]\n", 6,
	    "'00:01.8' is not a PCI address"),
	BAD("vms:\n" DEVVM "    passthrough: [ \"0000:00:01\" ]\n", 6,
	    "'0000:00:01' is not a PCI address"),
	BAD("vms:\n" DEVVM "    passthrough: [ nvme0 ]\n", 6, "'nvme0' is not a PCI address"),
	BAD("vms:\n" DEVVM "    passthrough: [ \"00:01.0\",\n        \"10000:00:01.0\" ]\n", 7,
	    "passthrough of VM 'devvm': '10000:00:01.0' is not a PCI address"),
	BAD("vms:\n" DEVVM "    passthrough: \"0000:00:01.0\"\n", 6,
	    "passthrough: expected a list"),
	BAD("vms:\n" DEVVM "    passthrough: [ { bdf: \"00:01.0\" } ]\n", 6,
	    "passthrough: expected a single value, not a mapping"),
	BAD("vms:\n" DEVVM
	    "    passthrough: [ \"00:01.0\", \"00:02.0\", \"00:03.0\", \"00:04.0\",\n"
	    "      \"00:05.0\", \"00:06.0\", \"00:07.0\", \"00:08.0\", \"00:09.0\" ]\n",
	    6, "passthrough of VM 'devvm': 9 PCI functions; a VM has at most 8"),
	BAD("vms:\n" DEVVM "    pasthrough: [ \"00:01.0\" ]\n", 6, "did you mean 'passthrough'"),
	BAD("vms:\n" DEVVM DRV_A "      - { type: rng, from: devvm }\n"
	    "    passthrough: [ \"0000:00:01.0\" ]\n",
	    11,
	    "VM 'a' has role driver but 'passthrough:'; a driver VM gets its devices from device VMs"),
	/* ... also when the role comes after the key */
	BAD("vms:\n  - { name: a, passthrough: [ \"00:01.0\" ], role: driver, kernel: K }\n", 2,
	    "VM 'a' has role driver but 'passthrough:'"),
	BAD2("vms:\n" DEVVM "    passthrough:\n      - 0000:00:01.0\n      - 00:01.0\n", 8,
	     "passthrough of VM 'devvm' lists 0000:00:01.0 twice (first at line 7); remove one", 0,
	     NULL, 1),
	BAD2("vms:\n" DEVVM "    passthrough: [ \"00:01.0\" ]\n" /* 6 */
	     "  - name: s\n    role: standalone\n    kernel: K\n"
	     "    passthrough: [ \"0000:00:02.0\", \"0000:00:01.0\" ]\n", /* 10 */
	     10,
	     "passthrough of VM 's': 0000:00:01.0 is already given to VM 'devvm' (line 6); a PCI function can go to one VM only",
	     0, NULL, 1),
	/* A malformed one and a duplicate among the rest: both reported. */
	BAD2("vms:\n" DEVVM "    passthrough: [ \"00:01.0\" ]\n" /* 6 */
	     "  - { name: s, role: standalone, kernel: K,\n"
	     "      passthrough: [ \"00:1.x\", \"00:01.0\" ] }\n", /* 8 */
	     8, "'00:1.x' is not a PCI address", 8, "is already given to VM 'devvm' (line 6)", 2),
};

static void test_bad_file(void **state)
{
	const struct bad_file *b = *state;

	if (load(b->text) != -EINVAL) {
		dump_diags();
		fail_msg("accepted:\n%s", b->text);
	}
	assert_null(topo);
	for (unsigned int i = 0; i < sizeof(b->want) / sizeof(b->want[0]) && b->want[i].msg; i++)
		expect_diag(SV_TOPO_ERROR, b->want[i].line, b->want[i].msg);
	if (b->errors && diags.nr_errors != b->errors) {
		dump_diags();
		fail_msg("%u errors, expected %u", diags.nr_errors, b->errors);
	}
}

static const char demo_text[] = "vms:\n" DEVVM /* lines 2-5 */
				"  - name: app\n" /* 6 */
				"    role: driver\n"
				"    kernel: /guest/Image\n"
				"    initrd: /guest/initrd.cpio\n"
				"    memory: 128M\n" /* 10 */
				"    cpus: 2\n"
				"    devices:\n"
				"      - { type: blk, from: devvm, backing: /dev/vda }\n" /* 13 */
				"      - { type: net, from: devvm, bridge: br0 }\n"
				"      - { type: console, from: devvm }\n"
				"      - { type: rng, from: devvm }\n";

static void test_good_model(void **state)
{
	const struct sv_topo_vm *dev, *app;
	const struct sv_topo_link *l;

	(void)state;
	assert_int_equal(load(demo_text), 0);
	assert_int_equal(diags.nr_errors, 0);
	assert_int_equal(diags.nr_warnings, 0);
	assert_string_equal(topo->name, "t");
	assert_int_equal(topo->nr_vms, 2);
	dev = &topo->vms[0];
	app = &topo->vms[1];
	assert_string_equal(dev->name, "devvm");
	assert_int_equal(dev->role, SV_TOPO_DEVICE);
	assert_int_equal(dev->memory, SV_GUEST_DEFAULT_MEM);
	assert_int_equal(dev->cpus, 1);
	assert_string_equal(dev->cmdline, SV_TOPO_DEFAULT_CMDLINE);
	assert_int_equal(app->role, SV_TOPO_DRIVER);
	assert_int_equal(app->memory, 128ull << 20);
	assert_int_equal(app->cpus, 2);
	assert_int_equal(app->nr_devs, 4);
	assert_int_equal(app->devs[0].type, SV_DEV_BLK);
	assert_string_equal(app->devs[0].backing, "/dev/vda");
	assert_int_equal(app->devs[0].line, 13);
	assert_int_equal(app->devs[1].type, SV_DEV_NET);
	assert_string_equal(app->devs[1].mac, "52:54:00:a5:00:01"); /* derived */
	assert_int_equal(topo->nr_links, 1);
	l = &topo->links[0];
	assert_int_equal(l->id, 0);
	assert_int_equal(l->driver, 1);
	assert_int_equal(l->device, 0);
	assert_int_equal(l->nr_devs, 4);
	assert_int_equal(l->nr_kicks, SV_TOPO_DEFAULT_DOORBELLS);
	assert_int_equal(l->nr_calls, SV_TOPO_DEFAULT_DOORBELLS);
	for (unsigned int i = 0; i < 4; i++) {
		assert_int_equal(l->devs[i], i);
		assert_int_equal(app->devs[i].link, 0);
		assert_int_equal(app->devs[i].device_vm, 0);
	}
}

/* The restart policy of each VM, as the file gives it or by default. */
static void test_restart_policy(void **state)
{
	static const struct {
		const char *text;
		enum sv_topo_restart want[2]; /* of VM 0 and VM 1 */
	} cases[] = {
		{ "vms:\n" DEVVM DRV_A "      - { type: rng, from: devvm }\n",
		  { SV_TOPO_RESTART_ON_FAILURE, SV_TOPO_RESTART_NO } },
		{ "vms:\n" DEVVM "    restart: no\n" DRV_A "      - { type: rng, from: devvm }\n",
		  { SV_TOPO_RESTART_NO, SV_TOPO_RESTART_NO } },
		{ "vms:\n" DEVVM "    restart: on-failure\n" DRV_A
		  "      - { type: rng, from: devvm }\n",
		  { SV_TOPO_RESTART_ON_FAILURE, SV_TOPO_RESTART_NO } },
		/* Quoted, it is the same word. */
		{ "vms:\n  - { name: d, role: device, kernel: K, restart: \"no\" }\n"
		  "  - { name: s, role: standalone, kernel: K }\n",
		  { SV_TOPO_RESTART_NO, SV_TOPO_RESTART_NO } },
	};

	(void)state;
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (load(cases[i].text)) {
			dump_diags();
			fail_msg("case %u refused", i);
		}
		assert_int_equal(topo->vms[0].restart, cases[i].want[0]);
		assert_int_equal(topo->vms[1].restart, cases[i].want[1]);
		teardown(NULL);
		setup(NULL);
	}
}

/* PCI functions are stored as sysfs names them, whatever form the file used. */
static void test_passthrough_model(void **state)
{
	static const char text[] =
		"vms:\n" DEVVM /* lines 2-5 */
		"    passthrough:\n"
		"      - 0000:00:01.0\n" /* 7 */
		"      - \"01:00.0\"\n"
		"  - { name: s, role: standalone, kernel: K, passthrough: [ ABCD:EF:1a.7 ] }\n"
		"  - { name: t, role: standalone, kernel: K, passthrough: [] }\n";
	const struct sv_topo_vm *dev, *s, *t;

	(void)state;
	if (load(text)) {
		dump_diags();
		fail_msg("refused");
	}
	dev = &topo->vms[0];
	s = &topo->vms[1];
	t = &topo->vms[2];
	assert_int_equal(dev->nr_passthrough, 2);
	assert_string_equal(dev->passthrough[0].bdf, "0000:00:01.0");
	assert_int_equal(dev->passthrough[0].line, 7);
	assert_string_equal(dev->passthrough[1].bdf, "0000:01:00.0");
	assert_int_equal(dev->passthrough[1].line, 8);
	assert_int_equal(s->nr_passthrough, 1);
	assert_string_equal(s->passthrough[0].bdf, "abcd:ef:1a.7");
	assert_int_equal(t->nr_passthrough, 0);
}

/* With the file checks, each function must exist and be in an IOMMU group (fake sysfs). */
static void test_passthrough_host_check(void **state)
{
	static const char text[] = "vms:\n"
				   "  - name: s\n"
				   "    role: standalone\n"
				   "    kernel: /\n"
				   "    passthrough:\n"
				   "      - 0000:00:01.0\n" /* 6: fine */
				   "      - 0000:00:02.0\n" /* 7: no IOMMU group */
				   "      - 0000:00:03.0\n"; /* 8: missing */
	char root[64];

	(void)state;
	assert_int_equal(fake_sysfs_create(root, sizeof(root)), 0);
	assert_int_equal(fake_sysfs_add_pci(root, "0000:00:01.0", 7, "nvme"), 0);
	assert_int_equal(fake_sysfs_add_pci(root, "0000:00:02.0", -1, NULL), 0);
	assert_int_equal(sv_topo_load_text(text, strlen(text), "t.yaml", NULL, SV_TOPO_CHECK_FILES,
					   &topo, &diags),
			 -EINVAL);
	expect_diag(
		SV_TOPO_ERROR, 7,
		"passthrough of VM 's': 0000:00:02.0: in no IOMMU group: the host has no IOMMU for it");
	expect_diag(SV_TOPO_ERROR, 8, "passthrough of VM 's': 0000:00:03.0: no such PCI device");
	expect_diag(SV_TOPO_ERROR, 8, "skip this check with --no-file-check");
	assert_int_equal(diags.nr_errors, 2);
	sv_topo_diags_free(&diags);
	/* --no-file-check: the host is not asked. */
	assert_int_equal(load(text), 0);
	fake_sysfs_remove(root);
}

static void test_link_param_and_cmdline(void **state)
{
	char buf[512];
	int n;

	(void)state;
	assert_int_equal(load(demo_text), 0);
	n = sv_topo_link_param(topo, &topo->links[0], buf, sizeof(buf));
	assert_string_equal(buf, "sv.link0=app:blk=/dev/vda,net=br0/52:54:00:a5:00:01,console,rng");
	assert_int_equal(n, (int)strlen(buf));
	n = sv_topo_vm_cmdline(topo, 0, buf, sizeof(buf));
	assert_string_equal(buf, "console=ttyAMA0 panic=1 "
				 "sv.link0=app:blk=/dev/vda,net=br0/52:54:00:a5:00:01,console,rng");
	assert_int_equal(n, (int)strlen(buf));
	/* Truncation reports the full length and stays NUL-terminated. */
	assert_int_equal(sv_topo_vm_cmdline(topo, 0, buf, 10), n);
	assert_int_equal(strlen(buf), 9);
	assert_int_equal(sv_topo_vm_cmdline(topo, 1, buf, sizeof(buf)), strlen("console=ttyAMA0"));
}

/* Two drivers, two device VMs: link ids follow driver order, then first use. */
static void test_link_order(void **state)
{
	static const char text[] =
		"vms:\n"
		"  - { name: a, role: driver, kernel: K, devices: [ {type: rng, from: d2}, {type: blk, from: d1, backing: /x}, {type: rng, from: d1} ] }\n"
		"  - { name: d1, role: device, kernel: K }\n"
		"  - { name: d2, role: device, kernel: K }\n"
		"  - { name: b, role: driver, kernel: K, kicks: 4, calls: 2, devices: [ {type: blk, from: d1, backing: /x, readonly: true} ] }\n";
	char buf[256];

	(void)state;
	assert_int_equal(load(text), 0);
	assert_int_equal(topo->nr_links, 3);
	assert_int_equal(topo->links[0].driver, 0);
	assert_int_equal(topo->links[0].device, 2);
	assert_int_equal(topo->links[1].driver, 0);
	assert_int_equal(topo->links[1].device, 1);
	assert_int_equal(topo->links[1].nr_devs, 2);
	assert_int_equal(topo->links[2].driver, 3);
	assert_int_equal(topo->links[2].nr_kicks, 4);
	assert_int_equal(topo->links[2].nr_calls, 2);
	sv_topo_vm_cmdline(topo, 1, buf, sizeof(buf));
	assert_string_equal(buf,
			    "console=ttyAMA0 panic=1 sv.link1=a:blk=/x,rng sv.link2=b:blk=/x:ro");
}

/* A device VM's dead kernel reboots (panic=1), unless it says otherwise. */
static void test_device_vm_panic_reboots(void **state)
{
	static const char text[] =
		"vms:\n"
		"  - { name: d1, role: device, kernel: K, cmdline: \"quiet panic=30\" }\n"
		"  - { name: d2, role: device, kernel: K, cmdline: \"quiet nopanic=1\", restart: no }\n"
		"  - { name: d3, role: device, kernel: K, cmdline: \"quiet xpanic=5\" }\n"
		"  - { name: s, role: standalone, kernel: K, cmdline: quiet }\n";
	char buf[256];

	(void)state;
	assert_int_equal(load(text), 0);
	sv_topo_vm_cmdline(topo, 0, buf, sizeof(buf));
	assert_string_equal(buf, "quiet panic=30");
	sv_topo_vm_cmdline(topo, 1, buf, sizeof(buf));
	assert_string_equal(buf, "quiet nopanic=1");
	sv_topo_vm_cmdline(topo, 2, buf, sizeof(buf));
	assert_string_equal(buf, "quiet xpanic=5 panic=1");
	sv_topo_vm_cmdline(topo, 3, buf, sizeof(buf));
	assert_string_equal(buf, "quiet");
}

static void test_relative_paths(void **state)
{
	static const char text[] =
		"vms: [ { name: s, role: standalone, kernel: img/Image, initrd: /abs/i, disks: [ d.img, { path: ro.img, readonly: true } ], nets: [ { tap: t0 }, { tap: t1, bridge: br0 } ], console: true, rng: true } ]\n";

	(void)state;
	assert_int_equal(sv_topo_parse(text, strlen(text), "/x/y/t.yaml", "/x/y", &topo, &diags),
			 0);
	assert_string_equal(topo->vms[0].kernel, "/x/y/img/Image");
	assert_string_equal(topo->vms[0].initrd, "/abs/i");
	assert_int_equal(topo->vms[0].nr_disks, 2);
	assert_string_equal(topo->vms[0].disks[0].path, "/x/y/d.img");
	assert_false(topo->vms[0].disks[0].readonly);
	assert_true(topo->vms[0].disks[1].readonly);
	assert_string_equal(topo->vms[0].nets[0].tap, "t0");
	assert_null(topo->vms[0].nets[0].mac);
	assert_null(topo->vms[0].nets[0].bridge);
	assert_string_equal(topo->vms[0].nets[1].bridge, "br0");
	assert_true(topo->vms[0].console);
	assert_true(topo->vms[0].rng);
}

static void test_warnings(void **state)
{
	(void)state;
	assert_int_equal(load("vms:\n" DEVVM "  - { name: a, role: driver, kernel: K }\n"), 0);
	expect_diag(SV_TOPO_WARNING, 2, "serves no driver VM");
	expect_diag(SV_TOPO_WARNING, 6, "has no devices");
	assert_int_equal(diags.nr_warnings, 2);
	teardown(NULL);
	setup(NULL);
	/* Without an initrd, 48M is allowed. */
	assert_int_equal(load("vms:\n  - { name: s, role: standalone, kernel: K, memory: 48M }\n"),
			 0);
}

/* Builds a topology with ndev device VMs and ndrv driver VMs, each driver taking nper rngs... */
static char *limits_text(unsigned int ndrv, unsigned int nblk)
{
	size_t cap = 65536, len = 0;
	char *t = malloc(cap);

	len += snprintf(t + len, cap - len, "vms:\n  - { name: d, role: device, kernel: K }\n");
	for (unsigned int i = 0; i < ndrv; i++) {
		len += snprintf(t + len, cap - len,
				"  - name: v%u\n    role: driver\n    kernel: K\n    devices:\n",
				i);
		for (unsigned int j = 0; j < nblk; j++)
			len += snprintf(t + len, cap - len,
					"      - { type: blk, from: d, backing: /dev/vd%c }\n",
					'a' + j);
	}
	return t;
}

static void test_limits(void **state)
{
	char *text;

	(void)state;
	text = limits_text(8, 8);
	assert_int_equal(load(text), 0);
	assert_int_equal(topo->nr_links, 8);
	free(text);
	teardown(NULL);
	setup(NULL);
	/* Ninth driver VM: its first device (line 2 + 8 * 12 + 5) hits the limit. */
	text = limits_text(9, 1);
	expect_error(text, 2 + 8 * 5 + 5, "already serves 8 driver VMs");
	free(text);
	teardown(NULL);
	setup(NULL);
	text = limits_text(1, 9);
	expect_error(text, 2 + 4 + 9, "already gets 8 devices from 'd'");
	free(text);
}

static void test_file_check(void **state)
{
	char dir[] = "/tmp/sv-topo-XXXXXX", path[PATH_MAX];
	static const char text[] = "vms:\n  - name: s\n    role: standalone\n"
				   "    kernel: Image\n    initrd: missing.cpio\n";
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/Image", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/t.yaml", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(sv_topo_load(path, SV_TOPO_CHECK_FILES, &topo, &diags), -EINVAL);
	expect_diag(SV_TOPO_ERROR, 5, "initrd of VM 's': cannot read");
	assert_int_equal(diags.nr_errors, 1);
	sv_topo_diags_free(&diags);
	assert_int_equal(sv_topo_load(path, 0, &topo, &diags), 0);
	assert_string_equal(topo->name, "t");
	snprintf(path, sizeof(path), "%s/Image", dir);
	assert_string_equal(topo->vms[0].kernel, path);
	sv_topo_free(topo);
	topo = NULL;
	unlink(path);
	snprintf(path, sizeof(path), "%s/t.yaml", dir);
	unlink(path);
	rmdir(dir);
	assert_int_equal(sv_topo_load(path, 0, &topo, &diags), -ENOENT);
}

/* A FIFO would block a plain open() until a writer came: refused at once instead. */
static void test_not_a_regular_file(void **state)
{
	static const struct {
		const char *name; /* in the temporary folder; "" is the folder */
		const char *kind;
	} cases[] = {
		{ .name = "/t.fifo", .kind = "is a FIFO (named pipe), not a regular file" },
		{ .name = "", .kind = "is a folder, not a regular file" },
	};
	char dir[] = "/tmp/sv-topo-XXXXXX", path[PATH_MAX];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	alarm(10); /* a regression hangs: fail instead */
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", dir, cases[i].name);
		assert_int_equal(sv_topo_load(path, 0, &topo, &diags), -EINVAL);
		assert_null(topo);
		expect_diag(SV_TOPO_ERROR, 0, cases[i].kind);
		assert_int_equal(diags.nr_errors, 1);
		sv_topo_diags_free(&diags);
	}
	assert_int_equal(sv_topo_load("/dev/null", 0, &topo, &diags), -EINVAL);
	expect_diag(SV_TOPO_ERROR, 0, "is a character device");
	alarm(0);
	snprintf(path, sizeof(path), "%s/t.fifo", dir);
	unlink(path);
	rmdir(dir);
}

/* A backing path must fit the device VM's kernel command line. */
static void test_backing_too_long(void **state)
{
	char text[1024], path[300];

	(void)state;
	memset(path, 'p', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	snprintf(text, sizeof(text),
		 "vms:\n" DEVVM DRV_A "      - { type: blk, from: devvm, backing: %s }\n", path);
	expect_error(text, 10, "the limit is 255");
}

static void test_cmdline_too_long(void **state)
{
	char text[4096];
	char big[2100];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(text, sizeof(text),
		 "vms:\n  - { name: s, role: standalone, kernel: K, cmdline: %s }\n", big);
	expect_error(text, 2, "the limit is 2047");
}

static void test_demo_file(void **state)
{
	char exe[PATH_MAX], path[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *cut;

	(void)state;
	assert_true(n > 0);
	exe[n] = '\0';
	/* build/native/tests/test_topology -> repository root */
	for (int i = 0; i < 4 && (cut = strrchr(exe, '/')); i++)
		*cut = '\0';
	snprintf(path, sizeof(path), "%s/topologies/demo.yaml", exe);
	assert_int_equal(sv_topo_load(path, 0, &topo, &diags), 0);
	assert_int_equal(diags.nr_warnings, 0);
	assert_string_equal(topo->name, "demo");
	assert_int_equal(topo->nr_vms, 2);
	assert_int_equal(topo->nr_links, 1);
	/* The device VM owns the board's NVMe and NIC; nothing comes from its vmm. */
	assert_int_equal(topo->vms[0].nr_passthrough, 2);
	assert_string_equal(topo->vms[0].passthrough[0].bdf, "0000:00:01.0");
	assert_string_equal(topo->vms[0].passthrough[1].bdf, "0000:00:02.0");
	assert_int_equal(topo->vms[0].nr_disks, 0);
	assert_int_equal(topo->vms[0].nr_nets, 0);
	assert_int_equal(topo->links[0].nr_devs, 4);
	sv_topo_free(topo);
	topo = NULL;
	snprintf(path, sizeof(path), "%s/topologies/demo-virtio.yaml", exe);
	assert_int_equal(sv_topo_load(path, 0, &topo, &diags), 0);
	assert_int_equal(diags.nr_warnings, 0);
	assert_int_equal(topo->vms[0].nr_disks, 1);
	assert_string_equal(topo->vms[0].nets[0].mac, "52:54:00:00:00:10");
	assert_int_equal(topo->links[0].nr_devs, 4);
	sv_topo_free(topo);
	topo = NULL;
	snprintf(path, sizeof(path), "%s/topologies/two-drivers.yaml", exe);
	assert_int_equal(sv_topo_load(path, 0, &topo, &diags), 0);
	assert_int_equal(topo->nr_links, 2);
}

#define NR_BAD (sizeof(bad_files) / sizeof(bad_files[0]))

int main(void)
{
	static const struct CMUnitTest good[] = {
		SV_TEST(test_good_model),
		SV_TEST(test_restart_policy),
		SV_TEST(test_passthrough_model),
		SV_TEST(test_passthrough_host_check),
		SV_TEST(test_link_param_and_cmdline),
		SV_TEST(test_device_vm_panic_reboots),
		SV_TEST(test_link_order),
		SV_TEST(test_relative_paths),
		SV_TEST(test_warnings),
		SV_TEST(test_limits),
		SV_TEST(test_file_check),
		SV_TEST(test_not_a_regular_file),
		SV_TEST(test_backing_too_long),
		SV_TEST(test_cmdline_too_long),
		SV_TEST(test_demo_file),
	};
	static char names[NR_BAD][96];
	struct CMUnitTest tests[sizeof(good) / sizeof(good[0]) + NR_BAD];
	unsigned int n = 0;

	for (unsigned int i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		tests[n++] = good[i];
	/* One test per table row, named after what it expects. */
	for (unsigned int i = 0; i < NR_BAD; i++) {
		snprintf(names[i], sizeof(names[i]), "bad_file_%u: line %d: %s", i,
			 bad_files[i].want[0].line, bad_files[i].want[0].msg);
		tests[n++] = (struct CMUnitTest){
			.name = names[i],
			.test_func = test_bad_file,
			.setup_func = setup,
			.teardown_func = teardown,
			.initial_state = (void *)&bad_files[i],
		};
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
