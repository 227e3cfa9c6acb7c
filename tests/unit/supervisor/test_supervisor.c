// SPDX-License-Identifier: GPL-2.0
/*
 * The splitvirt supervisor with a fake vmm (sv_fake_vmm): argv per VM,
 * start order, the fds each vmm holds (capability isolation), the state
 * file and status, the exit status rule, stopping on SIGTERM, a device VM
 * restarted after failures (with its back-off) or rebooted in place,
 * check's report, the VMs' output as whole lines (prefixed, or per-VM
 * files), and a PCI function bound to vfio-pci for the run (fake sysfs).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../support/fake_sysfs.h"
#include "../../support/unit.h"

#include <splitvirt/link_args.h>

static char bindir[PATH_MAX];
static char dir[64];
static char sysfs[64]; /* fake sysfs and /dev: 0000:00:01.0 on nvme, vfio-pci loaded */

/* One VM's dump from the fake vmm. */
struct dump {
	char *argv[128];
	int argc;
	int fds[512];
	char *targets[512];
	int nfds;
};

static void path_in(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

static void write_file(const char *name, const char *text)
{
	char p[PATH_MAX];
	FILE *f;

	path_in(p, sizeof(p), name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *read_file(const char *name)
{
	char p[PATH_MAX], *buf = calloc(1, 1 << 16);
	FILE *f;
	size_t n;

	path_in(p, sizeof(p), name);
	f = fopen(p, "r");
	if (!f) {
		free(buf);
		return NULL;
	}
	n = fread(buf, 1, (1 << 16) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static bool exists(const char *name)
{
	char p[PATH_MAX];

	path_in(p, sizeof(p), name);
	return access(p, F_OK) == 0;
}

static void wait_for(const char *name)
{
	for (int i = 0; i < 500 && !exists(name); i++)
		usleep(10000);
	if (!exists(name))
		fail_msg("%s/%s did not appear", dir, name);
}

/*
 * Every fake vmm of topo_text has set up its SIGTERM handling (it writes
 * its dump afterwards): one still starting would die of the signal.
 */
static void wait_for_all(void)
{
	wait_for("devvm.out");
	wait_for("app1.out");
	wait_for("app2.out");
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/sv-super-XXXXXX");
	assert_non_null(mkdtemp(dir));
	write_file("Image", "kernel");
	write_file("initrd.cpio", "initrd");
	write_file("d.img", "disk");
	setenv("FAKE_VMM_DIR", dir, 1);
	/*
	 * These tests check argv and grants as the topology says; run as root,
	 * the sandbox would pass disks as fds and keep the fake vmm, as
	 * another user, out of the test folder. test_sandbox turns it on.
	 */
	setenv("SPLITVIRT_SANDBOX", "off", 1);
	if (fake_sysfs_create(sysfs, sizeof(sysfs)) ||
	    fake_sysfs_add_pci(sysfs, "0000:00:01.0", 3, "nvme") ||
	    fake_sysfs_add_driver(sysfs, "vfio-pci"))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	fake_sysfs_remove(sysfs);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return -1;
	for (char **e = environ; *e;) {
		if (!strncmp(*e, "FAKE_VMM_", 9)) {
			char name[128];

			snprintf(name, sizeof(name), "%.*s", (int)(strchr(*e, '=') - *e), *e);
			unsetenv(name);
		} else {
			e++;
		}
	}
	return 0;
}

/* Starts splitvirt with args (NULL-ended) and output to DIR/log; returns its pid. */
static pid_t start_argv(const char *const *args)
{
	char *argv[32], prog[PATH_MAX + 16], log[PATH_MAX];
	int argc = 0;
	pid_t pid;

	snprintf(prog, sizeof(prog), "%s/splitvirt", bindir);
	argv[argc++] = prog;
	for (; *args && argc < 31; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	path_in(log, sizeof(log), "log");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		dup2(fd, 1);
		dup2(fd, 2);
		execv(prog, argv);
		_exit(126);
	}
	return pid;
}

#define start(...) start_argv((const char *const[]){ __VA_ARGS__, NULL })

static int finish(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* Runs `splitvirt run` on DIR/t.yaml with the fake vmm. */
static pid_t start_run(const char *extra)
{
	static char vmm[PATH_MAX + 16], topo[PATH_MAX], rundir[PATH_MAX];

	snprintf(vmm, sizeof(vmm), "%s/sv_fake_vmm", bindir);
	path_in(topo, sizeof(topo), "t.yaml");
	path_in(rundir, sizeof(rundir), "run");
	if (extra)
		return start("run", "--vmm", vmm, "--run-dir", rundir, extra, topo);
	return start("run", "--vmm", vmm, "--run-dir", rundir, topo);
}

static void load_dump(const char *vm, struct dump *d)
{
	char name[64], *text, *save = NULL;

	snprintf(name, sizeof(name), "%s.out", vm);
	wait_for(name);
	text = read_file(name);
	assert_non_null(text);
	memset(d, 0, sizeof(*d));
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "argv ", 5) && d->argc < 127) {
			d->argv[d->argc++] = strdup(line + 5);
		} else if (!strncmp(line, "fd ", 3) && d->nfds < 512) {
			char *sp = strchr(line + 3, ' ');

			d->fds[d->nfds] = atoi(line + 3);
			d->targets[d->nfds++] = strdup(sp ? sp + 1 : "");
		}
	}
	free(text);
}

static void free_dump(struct dump *d)
{
	for (int i = 0; i < d->argc; i++)
		free(d->argv[i]);
	for (int i = 0; i < d->nfds; i++)
		free(d->targets[i]);
}

static const char *fd_target(const struct dump *d, int fd)
{
	for (int i = 0; i < d->nfds; i++) {
		if (d->fds[i] == fd)
			return d->targets[i];
	}
	return NULL;
}

/*
 * The fd numbers an argv names: --ram-fd N, --reboot-fd N, and those of
 * --link and --serve as the vmm's parser reads them (ram-fd and state-fd
 * or a DMA window's dma-fd first, then iobuf, req, resp, kicks, calls).
 */
static int argv_fds(const struct dump *d, int *out)
{
	int n = 0;

	for (int i = 1; i < d->argc; i++) {
		const char *opt = d->argv[i - 1];
		enum sv_link_side side =
			strcmp(opt, "--serve") ? SV_LINK_DRIVER_SIDE : SV_LINK_DEVICE_SIDE;
		struct sv_link_args a;
		char err[256];

		if (!strcmp(opt, "--ram-fd") || !strcmp(opt, "--reboot-fd")) {
			out[n++] = atoi(d->argv[i]);
			continue;
		}
		if (strcmp(opt, sv_link_side_option(side)))
			continue;
		if (sv_link_args_parse(d->argv[i], side, &a, err, sizeof(err)))
			fail_msg("%s %s: %s", opt, d->argv[i], err);
		if (side == SV_LINK_DEVICE_SIDE) {
			out[n++] = a.ram_fd;
			out[n++] = a.state_fd;
		} else if (a.dma_size) {
			out[n++] = a.dma_fd;
		}
		out[n++] = a.iobuf_fd;
		out[n++] = a.req_fd;
		out[n++] = a.resp_fd;
		for (unsigned int k = 0; k < a.nkicks; k++)
			out[n++] = a.kick_fds[k];
		for (unsigned int k = 0; k < a.ncalls; k++)
			out[n++] = a.call_fds[k];
	}
	return n;
}

static bool has(const int *v, int n, int x)
{
	for (int i = 0; i < n; i++) {
		if (v[i] == x)
			return true;
	}
	return false;
}

/* Every fd above stdio that the vmm holds is named in its argv, and vice versa. */
static void assert_only_granted(const struct dump *d, int *granted, int *ngranted)
{
	*ngranted = argv_fds(d, granted);
	for (int i = 0; i < d->nfds; i++) {
		if (d->fds[i] > 2 && !has(granted, *ngranted, d->fds[i]))
			fail_msg("%s holds fd %d (%s) it was not granted", d->argv[2], d->fds[i],
				 d->targets[i]);
	}
	for (int i = 0; i < *ngranted; i++) {
		if (!fd_target(d, granted[i]))
			fail_msg("%s was granted fd %d but does not hold it", d->argv[2],
				 granted[i]);
	}
}

static const char topo_text[] =
	"vms:\n"
	"  - name: app1\n"
	"    role: driver\n"
	"    kernel: Image\n"
	"    initrd: initrd.cpio\n"
	"    devices:\n"
	"      - { type: blk, from: devvm, backing: /dev/vda }\n"
	"      - { type: net, from: devvm, bridge: br0, mac: \"52:54:00:00:00:20\" }\n"
	"      - { type: console, from: devvm }\n"
	"  - name: devvm\n"
	"    role: device\n"
	"    kernel: Image\n"
	"    initrd: initrd.cpio\n"
	"    cmdline: quiet\n"
	"    memory: 512M\n"
	"    cpus: 2\n"
	"    disks: [ d.img, { path: d.img, readonly: true } ]\n"
	"    nets: [ { tap: sv-dev0, mac: \"52:54:00:00:00:10\" } ]\n"
	"    rng: true\n"
	"  - name: app2\n"
	"    role: driver\n"
	"    kernel: Image\n"
	"    memory: 128M\n"
	"    kicks: 2\n"
	"    calls: 1\n"
	"    devices:\n"
	"      - { type: blk, from: devvm, backing: /dev/vdb, readonly: true }\n"
	"      - { type: rng, from: devvm }\n";

static void write_topo_devvm(const char *extra);

/* Asserts that the fake sysfs file rest holds want. */
static void expect_sysfs(const char *rest, const char *want)
{
	char path[PATH_MAX], *text;

	snprintf(path, sizeof(path), "sys/%s", rest);
	text = fake_sysfs_read(sysfs, path);
	if (!text || strcmp(text, want))
		fail_msg("%s holds '%s', expected '%s'", rest, text ? text : "(missing)", want);
	free(text);
}

static void expect_argv(const struct dump *d, const char *const *want)
{
	int i;

	for (i = 0; want[i]; i++) {
		assert_true(i + 1 < d->argc);
		if (strcmp(d->argv[i + 1], want[i]))
			fail_msg("argv[%d] is '%s', expected '%s'", i + 1, d->argv[i + 1], want[i]);
	}
	assert_int_equal(d->argc, i + 1);
}

static void test_argv_order_and_isolation(void **state)
{
	struct dump app1, app2, dev;
	int g1[256], g2[256], gd[256], n1, n2, nd, leak;
	char img[PATH_MAX], initrd[PATH_MAX], disk[PATH_MAX], diskro[PATH_MAX + 4];
	char link[512], serve0[512], serve1[512], rebootfd[16], err[256], *order;
	struct sv_link_args sa;
	pid_t pid;

	(void)state;
	write_topo_devvm("    passthrough: [ \"00:01.0\" ]\n");
	setenv("FAKE_VMM_WAIT_devvm", "1", 1);
	/* An fd the supervisor inherits without CLOEXEC must not reach any vmm. */
	leak = open("/dev/zero", O_RDONLY);
	assert_true(leak > 2);
	pid = start_run(NULL);
	close(leak);
	assert_int_equal(finish(pid), 0);

	/* Spawn order, as logged once each exec succeeded (the fakes' own order races). */
	order = read_file("log");
	assert_non_null(strstr(order, "started device VM 'devvm'"));
	assert_true(strstr(order, "started device VM 'devvm'") <
		    strstr(order, "started driver VM 'app1'"));
	assert_true(strstr(order, "started driver VM 'app1'") <
		    strstr(order, "started driver VM 'app2'"));
	/* Its PCI function is on vfio-pci before the device VM starts, and back after the run. */
	assert_non_null(strstr(order, "passthrough 0000:00:01.0: taken from nvme for VM 'devvm'"));
	assert_true(strstr(order, "passthrough 0000:00:01.0: taken from nvme for VM 'devvm'") <
		    strstr(order, "started device VM 'devvm'"));
	assert_true(strstr(order, "passthrough 0000:00:01.0: given back to nvme") >
		    strstr(order, "VM 'devvm' (pid "));
	free(order);
	expect_sysfs("bus/pci/drivers/vfio-pci/bind", "0000:00:01.0");
	expect_sysfs("bus/pci/drivers/vfio-pci/unbind", "0000:00:01.0");
	expect_sysfs("bus/pci/devices/0000:00:01.0/driver_override", "\n");
	expect_sysfs("bus/pci/drivers/nvme/bind", "0000:00:01.0");
	order = read_file("order");
	assert_non_null(order);
	assert_int_equal(strlen(order), strlen("devvm\napp1\napp2\n"));
	free(order);
	assert_true(exists("devvm.sigterm")); /* stopped once the drivers were done */

	load_dump("app1", &app1);
	load_dump("app2", &app2);
	load_dump("devvm", &dev);
	path_in(img, sizeof(img), "Image");
	path_in(initrd, sizeof(initrd), "initrd.cpio");
	path_in(disk, sizeof(disk), "d.img");
	snprintf(diskro, sizeof(diskro), "%s,ro", disk);

	assert_only_granted(&app1, g1, &n1);
	assert_only_granted(&app2, g2, &n2);
	assert_only_granted(&dev, gd, &nd);
	/* RAM, iobuf + 2 doorbells, kicks, calls; the reboot eventfd of every VM. */
	assert_int_equal(n1, 1 + 3 + 16 + 16 + 1);
	assert_int_equal(n2, 1 + 3 + 2 + 1 + 1);
	/* The device VM: per link the same and its saved-state area, but one reboot eventfd. */
	assert_int_equal(nd, (n1 - 1 + 1) + (n2 - 1 + 1) + 1);
	for (int i = 0; i < n2 - 1; i++) {
		assert_false(has(g1, n1, g2[i])); /* drivers share nothing */
		assert_true(has(gd, nd, g2[i])); /* the device VM holds both links */
		assert_string_equal(fd_target(&dev, g2[i]), fd_target(&app2, g2[i]));
	}
	assert_false(has(g1, n1, leak) || has(g2, n2, leak) || has(gd, nd, leak));
	/* What the device side saves is for the device VM alone. */
	for (int i = 0; i < app1.nfds; i++)
		assert_null(strstr(app1.targets[i], "splitvirt-state"));
	for (int i = 0; i < app2.nfds; i++)
		assert_null(strstr(app2.targets[i], "splitvirt-state"));
	/* stdin: the first driver VM keeps it, the others read /dev/null. */
	assert_string_equal(fd_target(&dev, 0), "/dev/null");
	assert_string_equal(fd_target(&app2, 0), "/dev/null");

	/* app2: RAM memfd and one link, with its doorbell counts. */
	assert_string_equal(fd_target(&app2, g2[0]), "/memfd:splitvirt-ram-app2 (deleted)");
	snprintf(link, sizeof(link),
		 "id=1,peer=devvm,iobuf-fd=%d,req-fd=%d,resp-fd=%d,kick-fds=%d:%d,call-fds=%d",
		 g2[1], g2[2], g2[3], g2[4], g2[5], g2[6]);
	{
		char ramfd[16];
		const char *want[] = {
			"--name", "app2", "--kernel",	 img,	   "--cmdline", "console=ttyAMA0",
			"--mem",  "128M", "--cpus",	 "1",	   "--ram-fd",	ramfd,
			"--link", link,	  "--reboot-fd", rebootfd, NULL
		};

		snprintf(ramfd, sizeof(ramfd), "%d", g2[0]);
		snprintf(rebootfd, sizeof(rebootfd), "%d", g2[n2 - 1]);
		expect_argv(&app2, want);
		assert_string_equal(fd_target(&app2, g2[n2 - 1]), "anon_inode:[eventfd]");
	}
	assert_string_equal(fd_target(&app2, g2[1]),
			    "/memfd:splitvirt-iobuf-1-app2-devvm (deleted)");
	assert_string_equal(fd_target(&app2, g2[4]), "anon_inode:[eventfd]");

	/* devvm: local devices, sv.link parameters, one --serve per link. */
	snprintf(serve0, sizeof(serve0),
		 "id=0,peer=app1,ram-fd=%d,ram-gpa=0x40000000,ram-size=%llu,state-fd=", g1[0],
		 256ull << 20);
	assert_true(dev.argc > 25);
	if (sv_link_args_parse(dev.argv[25], SV_LINK_DEVICE_SIDE, &sa, err, sizeof(err)))
		fail_msg("%s: %s", dev.argv[25], err);
	assert_string_equal(fd_target(&dev, sa.state_fd),
			    "/memfd:splitvirt-state-1-app2-devvm (deleted)");
	snprintf(
		serve1, sizeof(serve1),
		"id=1,peer=app2,ram-fd=%d,ram-gpa=0x40000000,ram-size=%llu,state-fd=%d,iobuf-fd=%d,req-fd=%d,resp-fd=%d,kick-fds=%d:%d,call-fds=%d",
		g2[0], 128ull << 20, sa.state_fd, g2[1], g2[2], g2[3], g2[4], g2[5], g2[6]);
	snprintf(rebootfd, sizeof(rebootfd), "%d", gd[nd - 1]);
	{
		const char *want[] = {
			"--name",
			"devvm",
			"--kernel",
			img,
			"--initrd",
			initrd,
			"--cmdline",
			"quiet panic=1 sv.link0=app1:blk=/dev/vda,net=br0/52:54:00:00:00:20,console sv.link1=app2:blk=/dev/vdb:ro,rng",
			"--mem",
			"512M",
			"--cpus",
			"2",
			"--disk",
			disk,
			"--disk",
			diskro,
			"--net",
			"tap=sv-dev0,mac=52:54:00:00:00:10",
			"--rng",
			"--passthrough",
			"0000:00:01.0",
			"--serve",
			dev.argv[23],
			"--serve",
			serve1,
			"--reboot-fd",
			rebootfd,
			NULL
		};

		expect_argv(&dev, want);
	}
	assert_int_equal(strncmp(dev.argv[23], serve0, strlen(serve0)), 0);
	assert_string_equal(fd_target(&dev, g1[0]), "/memfd:splitvirt-ram-app1 (deleted)");
	free_dump(&app1);
	free_dump(&app2);
	free_dump(&dev);
}

/* topo_text with lines added to devvm's keys (e.g. "    restart: no\n"). */
static void write_topo_devvm(const char *extra)
{
	static const char key[] = "    role: device\n";
	const char *at = strstr(topo_text, key) + strlen(key);
	char text[sizeof(topo_text) + 256];

	snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - topo_text), topo_text, extra, at);
	write_file("t.yaml", text);
}

/* Waits until DIR/log says text; returns the log. */
static char *wait_log(const char *text)
{
	for (int i = 0; i < 1500; i++) {
		char *log = read_file("log");

		if (log && strstr(log, text))
			return log;
		free(log);
		usleep(10000);
	}
	fail_msg("the log never said '%s'", text);
	return NULL;
}

/* The pid of the n-th start (from 1) of VM vm in log, or 0. */
static int started_pid(const char *log, const char *role, const char *vm, int n)
{
	char mark[96];
	const char *p = log;

	snprintf(mark, sizeof(mark), "started %s VM '%s' (pid ", role, vm);
	for (int i = 0; i < n && p; i++) {
		p = strstr(p, mark);
		if (p)
			p += strlen(mark);
	}
	return p ? atoi(p) : 0;
}

/* Asserts log has the line "VM 'vm' (pid <pid of its n-th start>) <rest>". */
static void expect_end_line(const char *log, const char *vm, int n, const char *rest)
{
	char want[256];

	snprintf(want, sizeof(want), "VM '%s' (pid %d) %s\n", vm, started_pid(log, "device", vm, n),
		 rest);
	if (!strstr(log, want))
		fail_msg("no line '%s' in:\n%s", want, log);
}

static int count_lines(const char *name, const char *line)
{
	char *text = read_file(name), *save = NULL;
	int n = 0;

	assert_non_null(text);
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		n += !strcmp(l, line);
	free(text);
	return n;
}

/* Waits until the fake vmm of vm started n times (the supervisor logs a start before it runs). */
static void wait_starts(const char *vm, int n)
{
	for (int i = 0; i < 500 && count_lines("order", vm) < n; i++)
		usleep(10000);
	assert_int_equal(count_lines("order", vm), n);
}

/* Waits until the state file's line of vm contains text (it is written after the log line). */
static void wait_state(const char *vm, const char *text)
{
	char head[64];

	snprintf(head, sizeof(head), "vm %s ", vm);
	for (int i = 0; i < 500; i++) {
		char *st = read_file("run/t.state"), *line = st ? strstr(st, head) : NULL;
		bool found;

		if (line)
			line[strcspn(line, "\n")] = '\0';
		found = line && strstr(line, text);
		free(st);
		if (found)
			return;
		usleep(10000);
	}
	fail_msg("the state of VM %s never had '%s'", vm, text);
}

/* The whitespace-separated fields of the line of out that starts with "  <vm> ". */
static int status_fields(const char *out, const char *vm, char fields[][64], int max)
{
	char start[48], line[512];
	const char *p;
	int n = 0;

	snprintf(start, sizeof(start), "\n  %s ", vm);
	p = strstr(out, start);
	assert_non_null(p);
	snprintf(line, sizeof(line), "%.*s", (int)strcspn(p + 1, "\n"), p + 1);
	for (char *save = NULL, *f = strtok_r(line, " ", &save); f && n < max;
	     f = strtok_r(NULL, " ", &save))
		snprintf(fields[n++], 64, "%s", f);
	return n;
}

static void test_exit_status_rule(void **state)
{
	(void)state;
	write_file("t.yaml", topo_text);
	setenv("FAKE_VMM_WAIT_devvm", "1", 1);
	setenv("FAKE_VMM_EXIT_devvm", "9", 1); /* device VMs do not count */
	setenv("FAKE_VMM_EXIT_app1", "3", 1);
	setenv("FAKE_VMM_EXIT_app2", "5", 1);
	setenv("FAKE_VMM_DELAY_MS_app2", "300", 1);
	assert_int_equal(finish(start_run(NULL)), 3);
	teardown(NULL);
	setup(NULL);
	write_file("t.yaml", topo_text);
	setenv("FAKE_VMM_WAIT_devvm", "1", 1);
	setenv("FAKE_VMM_EXIT_devvm", "9", 1);
	assert_int_equal(finish(start_run(NULL)), 0);
}

/* restart: no: the device VM stays stopped, and its driver VMs are told why their devices fail. */
static void test_device_vm_exit_is_reported(void **state)
{
	char *log;

	(void)state;
	write_topo_devvm("    restart: no\n");
	setenv("FAKE_VMM_EXIT_devvm", "4", 1);
	setenv("FAKE_VMM_DELAY_MS_app1", "800", 1);
	setenv("FAKE_VMM_DELAY_MS_app2", "800", 1);
	assert_int_equal(finish(start_run(NULL)), 0);
	log = read_file("log");
	expect_end_line(log, "devvm", 1, "exited with status 4");
	assert_non_null(strstr(
		log,
		"device VM 'devvm' is gone: failing the pending accesses of driver VM(s) 'app1', 'app2'"));
	assert_non_null(strstr(log, "device VM 'devvm' is gone while driver VM 'app1' runs"));
	assert_non_null(strstr(log, "device VM 'devvm' is gone while driver VM 'app2' runs"));
	assert_null(strstr(log, "restarting it in"));
	free(log);
	assert_int_equal(count_lines("order", "devvm"), 1);
}

static char *run_status(const char *opt)
{
	char rundir[PATH_MAX];
	pid_t pid;

	path_in(rundir, sizeof(rundir), "run");
	unlink(strcat(strcpy((char[PATH_MAX]){ 0 }, dir), "/log"));
	pid = opt ? start("status", "--run-dir", rundir, opt) :
		    start("status", "--run-dir", rundir);
	assert_int_equal(finish(pid), 0);
	return read_file("log");
}

/*
 * A VM's passthrough functions in the state file and in status, and state
 * files of older versions (without them, without the counts) still read.
 */
static void test_status_pci_column(void **state)
{
	char text[1024], rundir[PATH_MAX], *out, fields[12][64];

	(void)state;
	path_in(rundir, sizeof(rundir), "run");
	mkdir(rundir, 0755);
	snprintf(text, sizeof(text),
		 "splitvirt-state 1\nsupervisor %d 0\ntopology pt /t.yaml\n"
		 "vm devvm device 0 running 0 536870912 app 1 0 0000:00:01.0,0000:00:02.0\n"
		 "vm app driver 0 running 0 268435456 devvm 0 0 -\n"
		 "vm old driver 0 running 0 268435456 devvm 3 1\n"
		 "vm older driver 0 running 0 268435456 devvm\n",
		 (int)getpid());
	write_file("run/pt.state", text);
	out = run_status(NULL);
	assert_true(status_fields(out, "VM", fields, 12) >= 11);
	assert_string_equal(fields[9], "PCI");
	assert_true(status_fields(out, "devvm", fields, 12) >= 10);
	assert_string_equal(fields[9], "0000:00:01.0,0000:00:02.0");
	assert_true(status_fields(out, "app", fields, 12) >= 10);
	assert_string_equal(fields[9], "-");
	assert_true(status_fields(out, "old", fields, 12) >= 10);
	assert_string_equal(fields[7], "3");
	assert_string_equal(fields[9], "-");
	assert_true(status_fields(out, "older", fields, 12) >= 10);
	assert_string_equal(fields[9], "-");
	free(out);
	out = run_status("--json");
	assert_non_null(strstr(out, "\"passthrough\":[\"0000:00:01.0\",\"0000:00:02.0\"]"));
	assert_non_null(strstr(out, "{\"name\":\"app\""));
	free(out);
	path_in(rundir, sizeof(rundir), "run/pt.state");
	unlink(rundir);
}

/*
 * The DMA windows in status: "peer(dma:8M)" or "peer(all-RAM)" per link,
 * "link_windows" in --json; a state file without them shows bare names
 * and null.
 */
static void test_status_dma_column(void **state)
{
	char text[1024], rundir[PATH_MAX], *out, fields[12][64], *line;

	(void)state;
	path_in(rundir, sizeof(rundir), "run");
	mkdir(rundir, 0755);
	snprintf(text, sizeof(text),
		 "splitvirt-state 1\nsupervisor %d 0\ntopology dw /t.yaml\n"
		 "vm devvm device 0 running 0 536870912 app,app2 0 0 - 8388608,0\n"
		 "vm app driver 0 running 0 268435456 devvm 0 0 - 8388608\n"
		 "vm app2 driver 0 running 0 268435456 devvm 0 0 - 0\n"
		 "vm solo standalone 0 running 0 268435456 - 0 0 - -\n"
		 "vm old driver 0 running 0 268435456 devvm 0 0 -\n"
		 "vm bad driver 0 running 0 268435456 devvm 0 0 - 8M\n",
		 (int)getpid());
	write_file("run/dw.state", text);
	out = run_status(NULL);
	assert_true(status_fields(out, "VM", fields, 12) >= 11);
	assert_string_equal(fields[6], "LINKS");
	assert_true(status_fields(out, "devvm", fields, 12) >= 10);
	assert_string_equal(fields[6], "app(dma:8M),app2(all-RAM)");
	assert_string_equal(fields[7], "0"); /* the columns after it stay in place */
	assert_true(status_fields(out, "app", fields, 12) >= 10);
	assert_string_equal(fields[6], "devvm(dma:8M)");
	assert_true(status_fields(out, "app2", fields, 12) >= 10);
	assert_string_equal(fields[6], "devvm(all-RAM)");
	assert_true(status_fields(out, "solo", fields, 12) >= 10);
	assert_string_equal(fields[6], "-");
	assert_true(status_fields(out, "old", fields, 12) >= 10);
	assert_string_equal(fields[6], "devvm");
	assert_true(status_fields(out, "bad", fields, 12) >= 10);
	assert_string_equal(fields[6], "devvm");
	free(out);
	out = run_status("--json");
	line = strstr(out, "{\"name\":\"devvm\"");
	assert_non_null(line);
	assert_non_null(strstr(
		line,
		"\"links\":\"app,app2\",\"link_windows\":[{\"peer\":\"app\",\"dma_window\":8388608},{\"peer\":\"app2\",\"dma_window\":0}],\"restarts\":0"));
	assert_non_null(strstr(out, "\"links\":\"-\",\"link_windows\":[],"));
	line = strstr(out, "{\"name\":\"old\"");
	assert_non_null(line);
	assert_non_null(strstr(line, "\"links\":\"devvm\",\"link_windows\":null,"));
	free(out);
	path_in(rundir, sizeof(rundir), "run/dw.state");
	unlink(rundir);
}

/* topo_text with app1 on a kernel that can use a DMA window (and lines added to app2's keys). */
static void write_topo_dma(const char *app2_extra)
{
	static const char key[] = "    memory: 128M\n";
	const char *app1 = strstr(topo_text, "    kernel: Image\n");
	const char *app2 = strstr(topo_text, key) + strlen(key);
	char text[sizeof(topo_text) + 256];

	snprintf(text, sizeof(text), "%.*s    kernel: Image-dma\n%.*s%s%s", (int)(app1 - topo_text),
		 topo_text, (int)(app2 - app1 - strlen("    kernel: Image\n")),
		 app1 + strlen("    kernel: Image\n"), app2_extra, app2);
	write_file("t.yaml", text);
	write_file("Image-dma", "Image ... compatible = " SV_KERNEL_DMA_WINDOW_MARKER " ...");
}

/*
 * A driver VM with a DMA window: its vmm gets the window's memfd on its
 * --link, the device VM's vmm gets that memfd as the link's RAM
 * (ram-window=1) and never the driver VM's RAM memfd; a link without a
 * window is as before. The run logs what each device VM sees, the state
 * file and status say it.
 */
static void test_dma_window_grants(void **state)
{
	struct dump app1, app2, dev;
	int g1[256], g2[256], gd[256], n1, n2, nd;
	struct sv_link_args la, sa, sa2;
	char err[256], want[256], *log, *out, fields[12][64];
	pid_t pid;

	(void)state;
	write_topo_dma("");
	setenv("FAKE_VMM_WAIT_devvm", "1", 1);
	setenv("FAKE_VMM_WAIT_app1", "1", 1);
	setenv("FAKE_VMM_WAIT_app2", "1", 1);
	pid = start_run(NULL);
	wait_for_all();
	wait_state("app2", " running ");
	wait_state("devvm", " app1,app2 0 0 - 8388608,0");
	wait_state("app1", " devvm 0 0 - 8388608");
	wait_state("app2", " devvm 0 0 - 0");
	/* (status writes over the log: read it first) */
	log = wait_log("started driver VM 'app2'");
	assert_non_null(strstr(
		log,
		"info: link 0: device VM 'devvm' sees an 8 MiB DMA window of driver VM 'app1'\n"));
	assert_non_null(strstr(
		log,
		"warn: link 1: device VM 'devvm' sees all 128 MiB of driver VM 'app2's RAM (no DMA window: kernel without restricted-dma-pool support; build one with `make kernel`)\n"));
	free(log);
	out = run_status(NULL);
	assert_true(status_fields(out, "devvm", fields, 12) >= 10);
	assert_string_equal(fields[6], "app1(dma:8M),app2(all-RAM)");
	assert_true(status_fields(out, "app1", fields, 12) >= 10);
	assert_string_equal(fields[6], "devvm(dma:8M)");
	free(out);
	kill(pid, SIGTERM);
	assert_int_equal(finish(pid), 0);

	load_dump("app1", &app1);
	load_dump("app2", &app2);
	load_dump("devvm", &dev);
	assert_only_granted(&app1, g1, &n1);
	assert_only_granted(&app2, g2, &n2);
	assert_only_granted(&dev, gd, &nd);
	/* app1: RAM, the window, iobuf + 2 doorbells, kicks, calls, reboot eventfd. */
	assert_int_equal(n1, 1 + 1 + 3 + 16 + 16 + 1);
	assert_int_equal(n2, 1 + 3 + 2 + 1 + 1);
	/* The device VM: per link the RAM or window, the state area and the same doorbells. */
	assert_int_equal(nd, (1 + 1 + 3 + 16 + 16) + (1 + 1 + 3 + 2 + 1) + 1);

	/* app1's --link carries its window, right after peer. */
	assert_string_equal(app1.argv[15], "--link");
	if (sv_link_args_parse(app1.argv[16], SV_LINK_DRIVER_SIDE, &la, err, sizeof(err)))
		fail_msg("%s: %s", app1.argv[16], err);
	snprintf(want, sizeof(want), "id=0,peer=devvm,dma-fd=%d,dma-gpa=0x%llx,dma-size=%llu,",
		 la.dma_fd, SV_GUEST_DMA_WINDOW_BASE, SV_GUEST_DEFAULT_DMA_WINDOW);
	if (strncmp(app1.argv[16], want, strlen(want)))
		fail_msg("--link %s does not start with %s", app1.argv[16], want);
	assert_string_equal(fd_target(&app1, la.dma_fd),
			    "/memfd:splitvirt-dma-0-app1-devvm (deleted)");
	assert_string_equal(fd_target(&app1, g1[0]), "/memfd:splitvirt-ram-app1 (deleted)");

	/* The device VM maps the window as app1's memory, and nothing else of app1's. */
	assert_string_equal(dev.argv[20], "--serve");
	if (sv_link_args_parse(dev.argv[21], SV_LINK_DEVICE_SIDE, &sa, err, sizeof(err)))
		fail_msg("%s: %s", dev.argv[21], err);
	assert_int_equal(sa.ram_fd, la.dma_fd);
	assert_int_equal(sa.ram_gpa, SV_GUEST_DMA_WINDOW_BASE);
	assert_int_equal(sa.ram_size, SV_GUEST_DEFAULT_DMA_WINDOW);
	assert_true(sa.ram_window);
	assert_non_null(strstr(dev.argv[21], ",ram-size=8388608,ram-window=1,state-fd="));
	assert_string_equal(fd_target(&dev, sa.ram_fd),
			    "/memfd:splitvirt-dma-0-app1-devvm (deleted)");
	for (int i = 0; i < dev.nfds; i++)
		assert_null(strstr(dev.targets[i], "splitvirt-ram-app1"));
	/* app2 has no window: all of its RAM, as before. */
	if (sv_link_args_parse(dev.argv[23], SV_LINK_DEVICE_SIDE, &sa2, err, sizeof(err)))
		fail_msg("%s: %s", dev.argv[23], err);
	assert_false(sa2.ram_window);
	assert_int_equal(sa2.ram_fd, g2[0]);
	assert_int_equal(sa2.ram_size, 128ull << 20);
	assert_null(strstr(dev.argv[23], "ram-window"));
	for (int i = 0; i < app2.nfds; i++)
		assert_null(strstr(app2.targets[i], "splitvirt-dma"));
	for (int i = 0; i < app2.argc; i++)
		assert_null(strstr(app2.argv[i], "dma-"));
	free_dump(&app1);
	free_dump(&app2);
	free_dump(&dev);
}

/* check says per link what the device VM sees, and why it is all of the RAM when it is. */
static void test_check_dma_windows(void **state)
{
	char topo[PATH_MAX], *log;

	(void)state;
	path_in(topo, sizeof(topo), "t.yaml");
	write_topo_dma("");
	assert_int_equal(finish(start("check", topo)), 0);
	log = read_file("log");
	assert_non_null(strstr(
		log,
		"\n      link 0: device VM 'devvm' sees an 8 MiB DMA window of driver VM 'app1'\n"));
	assert_non_null(strstr(
		log,
		"\n      link 1: warning: device VM 'devvm' sees all 128 MiB of driver VM 'app2's RAM (no DMA window: kernel without restricted-dma-pool support; build one with `make kernel`)\n"));
	free(log);
	unlink(strcat(strcpy((char[PATH_MAX]){ 0 }, dir), "/log"));

	/*
	 * Without the file checks, a kernel that is here still decides (as
	 * inside the board); one that is not means no window, and no error.
	 */
	assert_int_equal(finish(start("check", "--no-file-check", topo)), 0);
	log = read_file("log");
	assert_non_null(strstr(
		log, "link 0: device VM 'devvm' sees an 8 MiB DMA window of driver VM 'app1'\n"));
	free(log);
	unlink(strcat(strcpy((char[PATH_MAX]){ 0 }, dir), "/log"));
	unlink(strcat(strcpy((char[PATH_MAX]){ 0 }, dir), "/Image-dma"));
	assert_int_equal(finish(start("check", "--no-file-check", topo)), 0);
	log = read_file("log");
	assert_non_null(strstr(
		log,
		"link 0: warning: device VM 'devvm' sees all 256 MiB of driver VM 'app1's RAM (no DMA window: dma-window: auto, and its kernel could not be read here)\n"));
	free(log);
	unlink(strcat(strcpy((char[PATH_MAX]){ 0 }, dir), "/log"));

	write_topo_dma("    dma-window: off\n");
	assert_int_equal(finish(start("check", topo)), 0);
	log = read_file("log");
	assert_non_null(strstr(log, "(no DMA window: dma-window: off)\n"));
	free(log);
	unlink(strcat(strcpy((char[PATH_MAX]){ 0 }, dir), "/log"));

	/* A size on a kernel without the support: a window, and a warning naming the kernel. */
	write_topo_dma("    dma-window: 16M\n");
	assert_int_equal(finish(start("check", topo)), 0);
	log = read_file("log");
	assert_non_null(strstr(
		log, "link 1: device VM 'devvm' sees a 16 MiB DMA window of driver VM 'app2'\n"));
	assert_non_null(strstr(log, "t.yaml:24: warning: dma-window of VM 'app2': its kernel '"));
	assert_non_null(strstr(log, "/Image' has no restricted-dma-pool support"));
	free(log);
}

static void test_state_status_and_sigterm(void **state)
{
	char *st, *out;
	pid_t pid;

	(void)state;
	write_file("t.yaml", topo_text);
	setenv("FAKE_VMM_WAIT_devvm", "1", 1);
	setenv("FAKE_VMM_WAIT_app1", "1", 1);
	setenv("FAKE_VMM_WAIT_app2", "1", 1);
	setenv("FAKE_VMM_EXIT_app2", "6", 1);
	pid = start_run(NULL);
	wait_for_all();
	/* The state is written after each start; app2 started last. */
	for (int i = 0; i < 500; i++) {
		st = read_file("run/t.state");
		if (st && strstr(st, "vm app2 driver") && strstr(st, "app2 driver ") &&
		    strstr(strstr(st, "vm app2"), "running"))
			break;
		free(st);
		st = NULL;
		usleep(10000);
	}
	assert_non_null(st);
	assert_non_null(strstr(st, "splitvirt-state 1\n"));
	assert_non_null(strstr(st, "topology t "));
	assert_non_null(strstr(st, " running "));
	assert_non_null(strstr(st, " 536870912 app1,app2 0 0 - 0,0\n"));
	assert_non_null(strstr(st, " 268435456 devvm 0 0 - 0\n"));
	free(st);

	out = run_status(NULL);
	assert_non_null(strstr(out, "topology t ("));
	assert_non_null(strstr(out, "devvm"));
	assert_non_null(strstr(out, "device"));
	assert_non_null(strstr(out, "running"));
	assert_non_null(strstr(out, "app1(all-RAM),app2(all-RAM)"));
	free(out);
	out = run_status("--json");
	assert_non_null(strstr(out, "{\"topology\":\"t\""));
	assert_non_null(strstr(out, "{\"name\":\"app2\",\"role\":\"driver\""));
	assert_non_null(strstr(out, "\"stale\":false"));
	free(out);

	kill(pid, SIGTERM);
	/* app2 exits 6 on SIGTERM: the first failing driver decides. */
	assert_int_equal(finish(pid), 6);
	assert_true(exists("devvm.sigterm"));
	assert_true(exists("app1.sigterm"));
	assert_true(exists("app2.sigterm"));
	assert_false(exists("run/t.state"));
	out = run_status(NULL);
	assert_non_null(strstr(out, "no topology is running"));
	free(out);
}

static void test_sigkill_after_timeout(void **state)
{
	pid_t pid;

	(void)state;
	write_file("t.yaml", topo_text);
	setenv("FAKE_VMM_WAIT_devvm", "1", 1);
	setenv("FAKE_VMM_WAIT_app1", "1", 1);
	setenv("FAKE_VMM_IGNORE_TERM_app2", "1", 1);
	pid = start_run("--stop-timeout=1");
	wait_for_all();
	kill(pid, SIGINT);
	assert_int_equal(finish(pid), 128 + SIGKILL);
	assert_false(exists("app2.sigterm"));
	assert_true(exists("app1.sigterm"));
}

/* The device VM runs through seq (fake_vmm's FAKE_VMM_SEQ); the driver VMs wait for "go". */
static pid_t start_with_devvm_seq(const char *seq)
{
	write_file("t.yaml", topo_text);
	setenv("FAKE_VMM_SEQ_devvm", seq, 1);
	setenv("FAKE_VMM_UNTIL_app1", "go", 1);
	setenv("FAKE_VMM_UNTIL_app2", "go", 1);
	return start_run(NULL);
}

/*
 * A device VM that fails is started again after 1 s, then 2 s; its driver
 * VMs are told at once and keep running; status counts the restarts.
 */
static void test_device_vm_restarts(void **state)
{
	char *log, *line, *out, fields[12][64];
	struct timespec t0, t1;
	long long ms;
	pid_t pid;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Exits 1, then is killed by SIGKILL, then stays up. */
	pid = start_with_devvm_seq("1,k9,w");
	free(wait_log("restarting it in 2 s (failure 2 of 5 in a row)"));
	/* Waiting out the back-off: the state file says so. */
	wait_state("devvm", " restarting ");
	wait_state("devvm", " app1,app2 1 0");

	log = wait_log("restarted device VM 'devvm' (restart 2)\n");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000LL + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms >= 2900); /* 1 s, then 2 s */
	expect_end_line(log, "devvm", 1,
			"exited with status 1; restarting it in 1 s (failure 1 of 5 in a row)");
	expect_end_line(
		log, "devvm", 2,
		"was killed by signal 9 (Killed); restarting it in 2 s (failure 2 of 5 in a row)");
	assert_non_null(strstr(log, "warn: VM 'devvm' (pid "));
	assert_non_null(strstr(log, "restarted device VM 'devvm' (restart 1)\n"));
	assert_non_null(strstr(
		log,
		"device VM 'devvm' is gone: failing the pending accesses of driver VM(s) 'app1', 'app2'"));
	assert_null(strstr(log, "is gone while driver VM"));
	assert_int_equal(started_pid(log, "device", "devvm", 4), 0);
	free(log);
	/* The driver VMs' vmms were left alone. */
	wait_starts("devvm", 3);
	assert_int_equal(count_lines("order", "app1"), 1);
	assert_int_equal(count_lines("order", "app2"), 1);

	/* (status writes over the log: it is read above) */
	out = run_status(NULL);
	assert_true(status_fields(out, "VM", fields, 12) >= 10);
	assert_string_equal(fields[7], "RESTARTS");
	assert_string_equal(fields[8], "REBOOTS");
	assert_true(status_fields(out, "devvm", fields, 12) >= 10);
	assert_string_equal(fields[3], "running");
	assert_string_equal(fields[7], "2");
	assert_string_equal(fields[8], "0");
	assert_true(status_fields(out, "app1", fields, 12) >= 10);
	assert_string_equal(fields[7], "0");
	free(out);
	out = run_status("--json");
	line = strstr(out, "{\"name\":\"devvm\"");
	assert_non_null(line);
	assert_non_null(
		strstr(line, ",\"restarts\":2,\"reboots\":0,\"passthrough\":[],\"sandbox\":"));
	free(out);

	write_file("go", "");
	assert_int_equal(finish(pid), 0);
	assert_true(exists("devvm.sigterm"));
}

/* A device VM whose guest reboots is started again at once, as a driver VM is. */
static void test_device_vm_reboot(void **state)
{
	char *log, want[128];
	pid_t pid;

	(void)state;
	pid = start_with_devvm_seq("r,w");
	log = wait_log("rebooted itself (PSCI SYSTEM_RESET): starting it again (1 so far)");
	snprintf(want, sizeof(want), "VM 'devvm' (pid %d) rebooted itself",
		 started_pid(log, "device", "devvm", 1));
	assert_non_null(strstr(log, want));
	assert_non_null(strstr(
		log,
		"device VM 'devvm' is gone: failing the pending accesses of driver VM(s) 'app1', 'app2'"));
	free(log);
	wait_starts("devvm", 2);
	wait_state("devvm", " running ");
	wait_state("devvm", " app1,app2 0 1");
	write_file("go", "");
	assert_int_equal(finish(pid), 0);
	log = read_file("log");
	assert_null(strstr(log, "restarting it in"));
	free(log);
	assert_true(exists("devvm.sigterm"));
	assert_int_equal(count_lines("order", "app1"), 1);
}

/* A powered-off guest (status 0) is no failure; a stopping run restarts nothing. */
static void test_device_vm_not_restarted(void **state)
{
	char *log;

	(void)state;
	write_file("t.yaml", topo_text);
	setenv("FAKE_VMM_DELAY_MS_app1", "500", 1);
	setenv("FAKE_VMM_DELAY_MS_app2", "500", 1);
	assert_int_equal(finish(start_run(NULL)), 0);
	log = read_file("log");
	expect_end_line(log, "devvm", 1, "exited with status 0");
	assert_null(strstr(log, "restarting it in"));
	assert_non_null(strstr(log, "device VM 'devvm' is gone while driver VM 'app1' runs"));
	free(log);
	assert_int_equal(count_lines("order", "devvm"), 1);
	teardown(NULL);
	setup(NULL);

	/* The drivers end during the back-off. */
	write_file("t.yaml", topo_text);
	setenv("FAKE_VMM_EXIT_devvm", "1", 1);
	setenv("FAKE_VMM_DELAY_MS_app1", "300", 1);
	setenv("FAKE_VMM_DELAY_MS_app2", "300", 1);
	assert_int_equal(finish(start_run(NULL)), 0);
	log = read_file("log");
	expect_end_line(log, "devvm", 1,
			"exited with status 1; restarting it in 1 s (failure 1 of 5 in a row)");
	assert_non_null(strstr(log, "VM 'devvm' is not restarted: the run is stopping"));
	assert_null(strstr(log, "restarted device VM"));
	free(log);
	assert_int_equal(count_lines("order", "devvm"), 1);
}

static void test_missing_vmm_and_bad_topology(void **state)
{
	char topo[PATH_MAX], rundir[PATH_MAX], *log;

	(void)state;
	write_file("t.yaml", topo_text);
	path_in(topo, sizeof(topo), "t.yaml");
	path_in(rundir, sizeof(rundir), "run");
	assert_int_equal(
		finish(start("run", "--vmm", "/nonexistent/vmm", "--run-dir", rundir, topo)), 1);
	log = read_file("log");
	assert_non_null(strstr(log, "cannot start the vmm of VM 'devvm'"));
	free(log);
	assert_false(exists("run/t.state"));

	write_file("bad.yaml", "vms:\n  - name: a\n    role: driver\n    kernel: nope\n");
	path_in(topo, sizeof(topo), "bad.yaml");
	assert_int_equal(finish(start("check", topo)), 1);
	log = read_file("log");
	assert_non_null(strstr(log, "bad.yaml:4: error: kernel of VM 'a': cannot read"));
	assert_non_null(strstr(log, "bad.yaml:2: warning: driver VM 'a' has no devices"));
	free(log);
	assert_int_equal(finish(start("check", "--no-file-check", topo)), 0);
	assert_int_equal(finish(start("check", "--help")), 0);
	assert_int_equal(finish(start("run", "--help")), 0);
	assert_int_equal(finish(start("status", "--help")), 0);
	assert_int_equal(finish(start("--help")), 0);
	assert_int_equal(finish(start("frobnicate")), 2);
	assert_int_equal(finish(start("check")), 2);
}

/* A PCI function that cannot be bound: its VM does not start, nor does the run. */
static void test_passthrough_refused(void **state)
{
	char *log;

	(void)state;
	fake_sysfs_remove_driver(sysfs, "vfio-pci");
	write_topo_devvm("    passthrough: [ \"00:01.0\" ]\n");
	assert_int_equal(finish(start_run(NULL)), 1);
	log = read_file("log");
	assert_non_null(strstr(
		log,
		"VM 'devvm': passthrough 0000:00:01.0: vfio-pci is not loaded: modprobe vfio-pci"));
	assert_null(strstr(log, "started "));
	free(log);
	assert_false(exists("order"));
	expect_sysfs("bus/pci/devices/0000:00:01.0/driver_override", "");
	expect_sysfs("bus/pci/drivers/nvme/unbind", "");

	/* check (and run) without --no-file-check: no such function on this host. */
	write_topo_devvm("    passthrough: [ \"00:02.0\" ]\n");
	assert_int_equal(finish(start_run(NULL)), 1);
	log = read_file("log");
	assert_non_null(strstr(
		log,
		"t.yaml:12: error: passthrough of VM 'devvm': 0000:00:02.0: no such PCI device"));
	free(log);
	assert_false(exists("order"));
}

/* One check reports parse errors and cross-checks together, in line order. */
static void test_check_reports_everything(void **state)
{
	char topo[PATH_MAX], *log, *typo, *dup;

	(void)state;
	write_file("mixed.yaml", "vms:\n"
				 "  - name: d\n"
				 "    role: device\n"
				 "    kernel: Image\n"
				 "    memroy: 1G\n" /* 5 */
				 "  - name: a\n"
				 "    role: driver\n"
				 "    kernel: Image\n"
				 "    devices:\n"
				 "      - { type: rng, from: d }\n" /* 10 */
				 "      - { type: rng, from: d }\n");
	path_in(topo, sizeof(topo), "mixed.yaml");
	assert_int_equal(finish(start("check", topo)), 1);
	log = read_file("log");
	typo = strstr(log, "mixed.yaml:5:5: error: unknown key 'memroy'");
	dup = strstr(log, "mixed.yaml:11: error: VM 'a' already gets an rng from 'd' (line 10)");
	assert_non_null(typo);
	assert_non_null(dup);
	assert_true(typo < dup);
	assert_non_null(strstr(log, "mixed.yaml: 2 errors, 0 warnings"));
	free(log);
}

/* A FIFO as the topology: a clear error at once, not a wait for a writer. */
static void test_fifo_topology(void **state)
{
	char fifo[PATH_MAX], rundir[PATH_MAX], *log;

	(void)state;
	path_in(fifo, sizeof(fifo), "t.yaml");
	path_in(rundir, sizeof(rundir), "run");
	assert_int_equal(mkfifo(fifo, 0600), 0);
	alarm(20); /* a regression blocks in open(): fail instead of hanging */
	assert_int_equal(finish(start("check", fifo)), 1);
	assert_int_equal(
		finish(start("run", "--vmm", "/nonexistent/vmm", "--run-dir", rundir, fifo)), 1);
	alarm(0);
	log = read_file("log");
	assert_non_null(strstr(log, "t.yaml: error: is a FIFO (named pipe), not a regular file"));
	free(log);
}

/*
 * The lines fake_vmm's chatter() gives VM vm in text (prefix "[vm] " or
 * none): all of them, whole and in order, and nothing else of vm's.
 */
static void expect_chatter(const char *text, const char *vm, bool prefixed, int lines)
{
	char *copy = strdup(text), *save = NULL, prefix[48], want[160], mark[3][64];
	int console = 0, log = 0, tail = 0;

	assert_non_null(copy);
	snprintf(prefix, sizeof(prefix), "%s%s%s", prefixed ? "[" : "", prefixed ? vm : "",
		 prefixed ? "] " : "");
	snprintf(mark[0], sizeof(mark[0]), "chatter %s ", vm);
	snprintf(mark[1], sizeof(mark[1]), "log %s ", vm);
	snprintf(mark[2], sizeof(mark[2]), "tail of %s", vm);
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (strstr(l, "abcdefghij") && !strstr(l, "chatter "))
			fail_msg("a piece of a line: '%s'", l);
		snprintf(want, sizeof(want),
			 "%schatter %s line %d abcdefghijklmnopqrstuvwxyz 0123456789", prefix, vm,
			 console);
		if (!strcmp(l, want)) {
			console++;
			continue;
		}
		snprintf(want, sizeof(want), "%slog %s %d", prefix, vm, log);
		if (!strcmp(l, want)) {
			log++;
			continue;
		}
		snprintf(want, sizeof(want), "%stail of %s", prefix, vm);
		if (!strcmp(l, want)) {
			tail++;
			continue;
		}
		for (int m = 0; m < 3; m++) {
			if (strstr(l, mark[m]))
				fail_msg("broken or out-of-order line of %s: '%s'", vm, l);
		}
	}
	free(copy);
	assert_int_equal(console, lines);
	assert_int_equal(log, lines);
	assert_int_equal(tail, 1); /* flushed at EOF, with its own newline */
}

static const char *const topo_vms[] = { "devvm", "app1", "app2" };

/* Every VM of topo_text writes n lines in pieces (see fake_vmm.c). */
static void set_chatter(const char *n)
{
	for (unsigned int i = 0; i < 3; i++) {
		char key[64];

		snprintf(key, sizeof(key), "FAKE_VMM_CHATTER_%s", topo_vms[i]);
		setenv(key, n, 1);
	}
}

/* Three VMs write lines in pieces at once: each reaches the output whole, prefixed. */
static void test_console_lines(void **state)
{
	char *log, *started, *tail, *exited, exit_line[96];

	(void)state;
	write_file("t.yaml", topo_text);
	setenv("FAKE_VMM_WAIT_devvm", "1", 1);
	set_chatter("40");
	assert_int_equal(finish(start_run(NULL)), 0);
	log = read_file("log");
	for (unsigned int i = 0; i < 3; i++)
		expect_chatter(log, topo_vms[i], true, 40);
	/* What a VM wrote comes before the line saying it exited. */
	started = strstr(log, "started driver VM 'app1' (pid ");
	assert_non_null(started);
	snprintf(exit_line, sizeof(exit_line), "VM 'app1' (pid %d) exited with status 0",
		 atoi(started + strlen("started driver VM 'app1' (pid ")));
	tail = strstr(log, "[app1] tail of app1\n");
	exited = strstr(log, exit_line);
	assert_non_null(tail);
	assert_non_null(exited);
	assert_true(tail < exited);
	free(log);
}

/* --console-dir: each VM's lines in its own file, unprefixed; none on our output. */
static void test_console_dir(void **state)
{
	char opt[PATH_MAX + 16], order[PATH_MAX], *log;

	(void)state;
	write_file("t.yaml", topo_text);
	setenv("FAKE_VMM_WAIT_devvm", "1", 1);
	set_chatter("20");
	write_file("old.log", "");
	snprintf(opt, sizeof(opt), "--console-dir=%s/cons", dir);
	assert_int_equal(finish(start_run(opt)), 0);
	for (unsigned int i = 0; i < 3; i++) {
		char name[64], *text;

		snprintf(name, sizeof(name), "cons/%s.log", topo_vms[i]);
		text = read_file(name);
		assert_non_null(text);
		expect_chatter(text, topo_vms[i], false, 20);
		free(text);
	}
	log = read_file("log");
	assert_null(strstr(log, "chatter"));
	assert_non_null(strstr(log, "/cons/<VM name>.log"));
	free(log);
	/* A folder that cannot be created: the run fails before any VM starts. */
	path_in(order, sizeof(order), "order");
	unlink(order);
	snprintf(opt, sizeof(opt), "--console-dir=%s/old.log/x", dir);
	assert_int_equal(finish(start_run(opt)), 1);
	assert_false(exists("order"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		SV_TEST(test_argv_order_and_isolation),
		SV_TEST(test_exit_status_rule),
		SV_TEST(test_device_vm_exit_is_reported),
		SV_TEST(test_status_pci_column),
		SV_TEST(test_status_dma_column),
		SV_TEST(test_dma_window_grants),
		SV_TEST(test_check_dma_windows),
		SV_TEST(test_state_status_and_sigterm),
		SV_TEST(test_sigkill_after_timeout),
		SV_TEST(test_device_vm_restarts),
		SV_TEST(test_device_vm_reboot),
		SV_TEST(test_device_vm_not_restarted),
		SV_TEST(test_missing_vmm_and_bad_topology),
		SV_TEST(test_passthrough_refused),
		SV_TEST(test_check_reports_everything),
		SV_TEST(test_fifo_topology),
		SV_TEST(test_console_lines),
		SV_TEST(test_console_dir),
	};
	ssize_t n = readlink("/proc/self/exe", bindir, sizeof(bindir) - 1);
	char *slash;

	/* build/native/tests/test_supervisor -> build/native/bin */
	if (n <= 0)
		return 1;
	bindir[n] = '\0';
	slash = strrchr(bindir, '/');
	if (!slash)
		return 1;
	strcpy(slash, "/../bin");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
