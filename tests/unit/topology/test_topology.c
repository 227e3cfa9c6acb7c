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

/* DRV_A with an rng from devvm (line 10) and dma-window: v (line 11). */
#define DMA_A(v) "vms:\n" DEVVM DRV_A "      - { type: rng, from: devvm }\n    dma-window: " v "\n"

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
	/* dma-window: driver VMs only, a size in range and in steps, off or auto */
	BAD(DMA_A("3.5M"), 11,
	    "dma-window of VM 'a': '3.5M' is not a size; give 1M to 256M in steps of 1M (e.g. 8M), off, or auto (the default)"),
	BAD(DMA_A("512M"), 11, "dma-window of VM 'a': '512M' is out of range; give 1M to 256M"),
	BAD(DMA_A("257M"), 11, "'257M' is out of range"),
	BAD(DMA_A("512K"), 11, "'512K' is out of range"),
	BAD(DMA_A("0"), 11, "'0' is out of range"),
	BAD(DMA_A("1536K"), 11, "dma-window of VM 'a': '1536K' is not a multiple of 1M; give 1M"),
	BAD(DMA_A("Auto"), 11, "'Auto' is not a size"),
	BAD(DMA_A("[ 8M ]"), 11, "dma-window: expected a single value, not a list"),
	BAD("vms:\n" DEVVM DRV_A "      - { type: rng, from: devvm }\n    dma-windw: 8M\n", 11,
	    "did you mean 'dma-window'"),
	BAD("vms:\n" DEVVM DRV_A "      - { type: rng, from: devvm }\n"
	    "    dma-window: 8M\n    dma-window: off\n",
	    12, "key 'dma-window' appears twice"),
	BAD("vms:\n" DEVVM "    dma-window: 8M\n" DRV_A "      - { type: rng, from: devvm }\n", 6,
	    "VM 'devvm' has role device but 'dma-window:'; only a driver VM has DMA windows"),
	BAD("vms:\n  - { name: s, dma-window: off, role: standalone, kernel: K }\n", 2,
	    "VM 's' has role standalone but 'dma-window:'"),
	/* backend: devmodel or vhost-user, the latter for types that have one */
	BAD("vms:\n" DEVVM DRV_A "      - { type: blk, from: devvm, backing: /v, backend: qsd }\n",
	    10,
	    "backend: 'qsd' is not a back-end; use devmodel (the default), vhost-user or vhost-net"),
	BAD("vms:\n" DEVVM DRV_A "      - { type: rng, from: devvm, backend: vhost-user }\n", 10,
	    "a rng device has no vhost-user back-end; remove 'backend:'"),
	BAD("vms:\n" DEVVM DRV_A
	    "      - { type: blk, from: devvm, backing: /v, backend: vhost-net }\n",
	    10, "a blk device has no vhost-net back-end"),
	BAD("vms:\n" DEVVM DRV_A
	    "      - { type: blk, from: devvm, backing: /v, bakend: vhost-user }\n",
	    10, "did you mean 'backend'"),
	/* fs: a directory and a tag, each tag once per driver VM */
	BAD("vms:\n" DEVVM DRV_A "      - { type: fs, from: devvm, backing: /srv }\n", 10,
	    "fs device of VM 'a' has no 'tag:'; give the name the driver VM mounts it by"),
	BAD("vms:\n" DEVVM DRV_A "      - { type: fs, from: devvm, tag: t }\n", 10,
	    "fs device of VM 'a' has no 'backing:'"),
	BAD("vms:\n" DEVVM DRV_A "      - { type: fs, from: devvm, backing: /srv, tag: \"a b\" }\n",
	    10, "fs needs a tag the driver VM mounts"),
	BAD("vms:\n" DEVVM DRV_A "      - { type: blk, from: devvm, backing: /v, tag: t }\n", 10,
	    "'tag' does not apply to a blk device"),
	BAD("vms:\n" DEVVM DRV_A "      - { type: fs, from: devvm, backing: /a, tag: t }\n"
	    "      - { type: fs, from: devvm, backing: /b, tag: t }\n",
	    11, "VM 'a' already has a fs tagged 't' (line 10); give each its own tag"),
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

/* dma-window as written, and what validation makes of it without reading the kernel. */
static void test_dma_window_model(void **state)
{
	static const struct {
		const char *value; /* NULL: no key */
		enum sv_topo_dma_mode mode;
		uint64_t window;
	} cases[] = {
		{ NULL, SV_TOPO_DMA_AUTO, 0 }, /* auto, and the kernel was not looked at */
		{ "auto", SV_TOPO_DMA_AUTO, 0 },
		{ "off", SV_TOPO_DMA_OFF, 0 },
		{ "\"off\"", SV_TOPO_DMA_OFF, 0 },
		{ "8M", SV_TOPO_DMA_SIZE, 8ull << 20 },
		{ "1M", SV_TOPO_DMA_SIZE, SV_GUEST_DMA_WINDOW_MIN },
		{ "256M", SV_TOPO_DMA_SIZE, SV_GUEST_DMA_WINDOW_MAX },
		{ "3072K", SV_TOPO_DMA_SIZE, 3ull << 20 },
		{ "16m", SV_TOPO_DMA_SIZE, 16ull << 20 },
		{ "1048576", SV_TOPO_DMA_SIZE, 1ull << 20 },
	};
	char text[512];

	(void)state;
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct sv_topo_link *l;

		snprintf(text, sizeof(text),
			 "vms:\n" DEVVM DRV_A "      - { type: rng, from: devvm }\n%s%s%s",
			 cases[i].value ? "    dma-window: " : "",
			 cases[i].value ? cases[i].value : "", cases[i].value ? "\n" : "");
		if (load(text)) {
			dump_diags();
			fail_msg("case %u (%s) refused", i, cases[i].value);
		}
		assert_int_equal(diags.nr_warnings, 0);
		assert_int_equal(topo->vms[1].dma_mode, cases[i].mode);
		assert_int_equal(topo->vms[1].dma_window, cases[i].window);
		assert_int_equal(topo->vms[1].kernel_dma, SV_TOPO_KERNEL_DMA_UNKNOWN);
		assert_int_equal(topo->vms[1].dma_window_line, cases[i].value ? 11 : 0);
		assert_int_equal(topo->vms[0].dma_window, 0); /* the device VM has none */
		l = &topo->links[0];
		assert_int_equal(l->dma_size, cases[i].window);
		assert_int_equal(l->dma_gpa, cases[i].window ? SV_GUEST_DMA_WINDOW_BASE : 0);
		teardown(NULL);
		setup(NULL);
	}
	/* The error points at the value. */
	expect_error(DMA_A("9G"), 11, "'9G' is out of range");
	assert_int_equal(diags.v[0].column, 17);
}

/* Writes size bytes of 'x' with text at offset off (or none if text is NULL) to path. */
static void write_kernel(const char *path, size_t size, size_t off, const char *text)
{
	char *buf = malloc(size);
	FILE *f = fopen(path, "w");

	assert_non_null(buf);
	assert_non_null(f);
	memset(buf, 'x', size);
	if (text)
		memcpy(buf + off, text, strlen(text));
	assert_int_equal(fwrite(buf, 1, size, f), size);
	fclose(f);
	free(buf);
}

/* The marker is found wherever it is, also across the scan's reads; a near miss is not it. */
static void test_kernel_scan(void **state)
{
	static const char marker[] = SV_KERNEL_DMA_WINDOW_MARKER;
	char dir[] = "/tmp/sv-topo-XXXXXX", path[PATH_MAX];
	const size_t len = sizeof(marker) - 1, size = 300 * 1024;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/Image", dir);
	/* Across every 4 KiB boundary up to 256 KiB: whatever the read size, one is a read's end. */
	for (size_t b = 4096; b <= 256 * 1024; b += 4096) {
		for (size_t cut = 1; cut < len; cut += 6) {
			write_kernel(path, size, b - cut, marker);
			if (sv_topo_kernel_has_dma_window(path) != 1)
				fail_msg("marker at %zu (across %zu) not found", b - cut, b);
		}
	}
	write_kernel(path, size, 0, marker);
	assert_int_equal(sv_topo_kernel_has_dma_window(path), 1);
	write_kernel(path, size, size - len, marker);
	assert_int_equal(sv_topo_kernel_has_dma_window(path), 1);
	write_kernel(path, len, 0, marker); /* the file is the marker */
	assert_int_equal(sv_topo_kernel_has_dma_window(path), 1);
	/* Cut short at the end of the file, or across a read with a wrong byte. */
	write_kernel(path, size, size - len + 1, "restricted-dma-poo");
	assert_int_equal(sv_topo_kernel_has_dma_window(path), 0);
	write_kernel(path, size, 65536 - 8, "restricted-dXa-pool");
	assert_int_equal(sv_topo_kernel_has_dma_window(path), 0);
	write_kernel(path, 0, 0, NULL);
	assert_int_equal(sv_topo_kernel_has_dma_window(path), 0);
	unlink(path);
	assert_int_equal(sv_topo_kernel_has_dma_window(path), -ENOENT);
	assert_int_equal(sv_topo_kernel_has_dma_window(dir), -EINVAL); /* not a regular file */
	rmdir(dir);
}

/*
 * With the file checks, auto takes a window for a kernel with the marker
 * only; an explicit size for a kernel without it is a warning naming the
 * kernel. Each link of a driver VM has its own window address.
 */
static void test_dma_window_auto(void **state)
{
	static const char text[] =
		"vms:\n"
		"  - { name: d1, role: device, kernel: plain }\n"
		"  - { name: d2, role: device, kernel: plain }\n"
		"  - name: a\n" /* 4 */
		"    role: driver\n"
		"    kernel: dma\n"
		"    devices: [ { type: rng, from: d1 }, { type: rng, from: d2 } ]\n"
		"  - { name: b, role: driver, kernel: plain, devices: [ { type: console, from: d1 } ] }\n"
		"  - name: c\n" /* 9 */
		"    role: driver\n"
		"    kernel: plain\n"
		"    dma-window: 16M\n" /* 12 */
		"    devices: [ { type: blk, from: d2, backing: /x } ]\n"
		"  - { name: e, role: driver, kernel: dma, dma-window: off,\n"
		"      devices: [ { type: blk, from: d1, backing: /y } ] }\n";
	static const struct {
		unsigned int driver;
		uint64_t gpa, size;
	} links[] = {
		{ 2, SV_GUEST_DMA_WINDOW_BASE, SV_GUEST_DEFAULT_DMA_WINDOW },
		/* a's second link: the next window slot */
		{ 2, SV_GUEST_DMA_WINDOW_BASE + SV_GUEST_DMA_WINDOW_STRIDE,
		  SV_GUEST_DEFAULT_DMA_WINDOW },
		{ 3, 0, 0 },
		{ 4, SV_GUEST_DMA_WINDOW_BASE, 16ull << 20 }, /* c's first link */
		{ 5, 0, 0 },
	};
	char dir[] = "/tmp/sv-topo-XXXXXX", dma[PATH_MAX], plain[PATH_MAX], want[PATH_MAX + 64];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(dma, sizeof(dma), "%s/dma", dir);
	snprintf(plain, sizeof(plain), "%s/plain", dir);
	write_kernel(dma, 100000, 70000, "compatible=" SV_KERNEL_DMA_WINDOW_MARKER ";");
	write_kernel(plain, 100000, 70000, "compatible=shared-dma-pool;");
	if (sv_topo_load_text(text, strlen(text), "t.yaml", dir, SV_TOPO_CHECK_FILES, &topo,
			      &diags)) {
		dump_diags();
		fail_msg("refused");
	}
	assert_int_equal(topo->vms[2].kernel_dma, SV_TOPO_KERNEL_DMA_YES);
	assert_int_equal(topo->vms[2].dma_window, SV_GUEST_DEFAULT_DMA_WINDOW);
	assert_int_equal(topo->vms[3].kernel_dma, SV_TOPO_KERNEL_DMA_NO);
	assert_int_equal(topo->vms[3].dma_window, 0);
	assert_int_equal(topo->vms[4].dma_window, 16ull << 20);
	assert_int_equal(topo->vms[5].kernel_dma, SV_TOPO_KERNEL_DMA_YES);
	assert_int_equal(topo->vms[5].dma_window, 0);
	/* Device VMs' kernels are not looked at. */
	assert_int_equal(topo->vms[0].kernel_dma, SV_TOPO_KERNEL_DMA_UNKNOWN);
	assert_int_equal(topo->nr_links, 5);
	for (unsigned int i = 0; i < 5; i++) {
		assert_int_equal(topo->links[i].driver, links[i].driver);
		assert_int_equal(topo->links[i].dma_gpa, links[i].gpa);
		assert_int_equal(topo->links[i].dma_size, links[i].size);
	}
	snprintf(want, sizeof(want), "dma-window of VM 'c': its kernel '%s' has no ", plain);
	expect_diag(SV_TOPO_WARNING, 12, want);
	expect_diag(
		SV_TOPO_WARNING, 12,
		"will not work: a driver VM with a DMA window needs a kernel with CONFIG_DMA_RESTRICTED_POOL (build ours with `make kernel`)");
	assert_int_equal(diags.nr_warnings, 1);
	sv_topo_free(topo);
	sv_topo_diags_free(&diags);

	/* --no-file-check: the kernels that are here are read all the same. */
	assert_int_equal(sv_topo_load_text(text, strlen(text), "t.yaml", dir, SV_TOPO_READ_KERNELS,
					   &topo, &diags),
			 0);
	assert_int_equal(topo->vms[2].kernel_dma, SV_TOPO_KERNEL_DMA_YES);
	assert_int_equal(topo->links[1].dma_gpa,
			 SV_GUEST_DMA_WINDOW_BASE + SV_GUEST_DMA_WINDOW_STRIDE);
	assert_int_equal(diags.nr_warnings, 1);
	sv_topo_free(topo);
	sv_topo_diags_free(&diags);

	/* Neither flag: auto means none, nothing was read. */
	assert_int_equal(sv_topo_load_text(text, strlen(text), "t.yaml", dir, 0, &topo, &diags), 0);
	assert_int_equal(diags.nr_warnings, 0);
	assert_int_equal(topo->vms[2].kernel_dma, SV_TOPO_KERNEL_DMA_UNKNOWN);
	assert_int_equal(topo->vms[2].dma_window, 0);
	assert_int_equal(topo->links[0].dma_size, 0);
	assert_int_equal(topo->links[3].dma_gpa, SV_GUEST_DMA_WINDOW_BASE);
	assert_int_equal(topo->links[3].dma_size, 16ull << 20);
	sv_topo_free(topo);
	topo = NULL;
	sv_topo_diags_free(&diags);

	/* A kernel that cannot be read is reported once, and gets no window. */
	unlink(dma);
	assert_int_equal(sv_topo_load_text(text, strlen(text), "t.yaml", dir, SV_TOPO_CHECK_FILES,
					   &topo, &diags),
			 -EINVAL);
	expect_diag(SV_TOPO_ERROR, 6, "kernel of VM 'a': cannot read");
	assert_int_equal(diags.nr_errors, 2); /* a and e */
	sv_topo_diags_free(&diags);
	/* ... unless the files need not be here: then it has no window, and no error. */
	assert_int_equal(sv_topo_load_text(text, strlen(text), "t.yaml", dir, SV_TOPO_READ_KERNELS,
					   &topo, &diags),
			 0);
	assert_int_equal(topo->vms[2].kernel_dma, SV_TOPO_KERNEL_DMA_UNKNOWN);
	assert_int_equal(topo->vms[2].dma_window, 0);
	assert_int_equal(topo->vms[3].kernel_dma, SV_TOPO_KERNEL_DMA_NO);
	assert_int_equal(diags.nr_errors, 0);
	sv_topo_free(topo);
	topo = NULL;
	sv_topo_diags_free(&diags);
	/* Something that is not a regular file is not read (a FIFO would hang it). */
	assert_int_equal(mkfifo(dma, 0600), 0);
	alarm(10);
	assert_int_equal(sv_topo_load_text(text, strlen(text), "t.yaml", dir, SV_TOPO_CHECK_FILES,
					   &topo, &diags),
			 -EINVAL);
	alarm(0);
	expect_diag(SV_TOPO_ERROR, 6, "to see whether it can use a DMA window: not a regular file");
	unlink(dma);
	unlink(plain);
	rmdir(dir);
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

/* Devices other back-ends serve, as sv.link writes them: NAME@BACKEND, fs always virtiofsd's. */
static void test_other_backends(void **state)
{
	static const struct {
		const char *devices, *param;
	} cases[] = {
		{ "      - { type: blk, from: devvm, backing: /dev/vdb, backend: vhost-user }\n"
		  "      - { type: blk, from: devvm, backing: /dev/vdc, backend: devmodel }\n",
		  "sv.link0=a:blk@vhost-user=/dev/vdb,blk=/dev/vdc" },
		{ "      - { type: fs, from: devvm, backing: /srv/share, tag: share }\n",
		  "sv.link0=a:fs=share:/srv/share" },
		{ "      - { type: net, from: devvm, bridge: br0, backend: vhost-net }\n",
		  "sv.link0=a:net@vhost-net=br0/52:54:00:a5:00:00" },
	};
	char text[512], buf[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "vms:\n" DEVVM DRV_A "%s", cases[i].devices);
		assert_int_equal(load(text), 0);
		sv_topo_link_param(topo, &topo->links[0], buf, sizeof(buf));
		assert_string_equal(buf, cases[i].param);
		sv_topo_free(topo);
		topo = NULL;
	}
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

/* A driver VM with DMA windows gets no default bounce buffer, unless it sets one. */
static void test_dma_window_swiotlb(void **state)
{
	static const char text[] =
		"vms:\n"
		"  - { name: d, role: device, kernel: K, cmdline: quiet }\n"
		"  - { name: a, role: driver, kernel: K, cmdline: quiet, dma-window: 8M, devices: [ { type: rng, from: d } ] }\n"
		"  - { name: b, role: driver, kernel: K, cmdline: \"quiet swiotlb=512\", dma-window: 8M, devices: [ { type: rng, from: d } ] }\n"
		"  - { name: c, role: driver, kernel: K, cmdline: quiet, dma-window: off, devices: [ { type: rng, from: d } ] }\n";
	char buf[256];

	(void)state;
	assert_int_equal(load(text), 0);
	sv_topo_vm_cmdline(topo, 1, buf, sizeof(buf));
	assert_string_equal(buf, "quiet swiotlb=noforce");
	sv_topo_vm_cmdline(topo, 2, buf, sizeof(buf));
	assert_string_equal(buf, "quiet swiotlb=512");
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
	sv_topo_free(topo);
	topo = NULL;
	snprintf(path, sizeof(path), "%s/topologies/standard-backends.yaml", exe);
	assert_int_equal(sv_topo_load(path, 0, &topo, &diags), 0);
	assert_int_equal(diags.nr_warnings, 0);
	assert_int_equal(topo->vms[1].devs[0].backend, SV_DEV_BACKEND_VHOST_USER);
	assert_int_equal(topo->vms[1].devs[1].backend, SV_DEV_BACKEND_VHOST_NET);
	assert_int_equal(topo->vms[1].devs[2].type, SV_DEV_FS);
}

#define NR_BAD (sizeof(bad_files) / sizeof(bad_files[0]))

int main(void)
{
	static const struct CMUnitTest good[] = {
		SV_TEST(test_good_model),
		SV_TEST(test_restart_policy),
		SV_TEST(test_passthrough_model),
		SV_TEST(test_passthrough_host_check),
		SV_TEST(test_dma_window_model),
		SV_TEST(test_dma_window_swiotlb),
		SV_TEST(test_kernel_scan),
		SV_TEST(test_dma_window_auto),
		SV_TEST(test_other_backends),
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
