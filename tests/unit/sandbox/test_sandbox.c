// SPDX-License-Identifier: GPL-2.0
/* The seccomp allow-lists as data, the /proc and audit parsers, and one real filter. */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <splitvirt/sandbox.h>

/* What an attacker in the process would reach for first: none may be listed. */
static const char *const never[] = {
	"execve",
	"execveat",
	"ptrace",
	"process_vm_readv",
	"process_vm_writev",
	"mount",
	"umount2",
	"pivot_root",
	"chroot",
	"unshare",
	"setns",
	"init_module",
	"finit_module",
	"delete_module",
	"kexec_load",
	"bpf",
	"perf_event_open",
	"setuid",
	"setgid",
	"setresuid",
	"setgroups",
	"capset",
	"keyctl",
	"add_key",
	"personality",
	"userfaultfd",
	"io_uring_setup",
	"io_uring_register",
	"fork",
	"vfork",
	"kill",
	"reboot",
	"swapon",
	"mknodat",
	"symlinkat",
	"linkat",
};

static void test_vmm_list(void **state)
{
	static const char *const needed[] = {
		"read",		"write",	 "readv",      "writev",       "pread64",
		"pwrite64",	"ioctl",	 "futex",      "epoll_pwait",  "epoll_ctl",
		"eventfd2",	"mmap",		 "munmap",     "mprotect",     "madvise",
		"clone",	"exit",		 "exit_group", "rt_sigaction", "rt_sigprocmask",
		"rt_sigreturn", "tgkill",	 "close",      "fdatasync",    "fallocate",
		"getrandom",	"clock_gettime", "ppoll",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		if (!sv_sandbox_allows(SV_SANDBOX_VMM, needed[i]))
			fail_msg("the vmm needs %s", needed[i]);
	}
	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
		if (sv_sandbox_allows(SV_SANDBOX_VMM, never[i]))
			fail_msg("the vmm must not get %s", never[i]);
	}
	/* After setup the vmm opens nothing and connects nowhere. */
	assert_false(sv_sandbox_allows(SV_SANDBOX_VMM, "openat"));
	assert_false(sv_sandbox_allows(SV_SANDBOX_VMM, "open"));
	assert_false(sv_sandbox_allows(SV_SANDBOX_VMM, "socket"));
	assert_false(sv_sandbox_allows(SV_SANDBOX_VMM, "connect"));
	assert_false(sv_sandbox_allows(SV_SANDBOX_VMM, "clone3"));
	/*
	 * Its disks' rings exist before the filter: it only submits to them.
	 * A ring of its own would do unrestricted openat, connect, ...
	 */
	assert_true(sv_sandbox_allows(SV_SANDBOX_VMM, "io_uring_enter"));
	assert_false(sv_sandbox_allows(SV_SANDBOX_VMM, "io_uring_setup"));
	assert_false(sv_sandbox_allows(SV_SANDBOX_VMM, "io_uring_register"));
}

static void test_devmodel_list(void **state)
{
	(void)state;
	/* Links come back: it reopens /dev/splitvirt handles, disks, taps. */
	assert_true(sv_sandbox_allows(SV_SANDBOX_DEVMODEL, "openat"));
	assert_true(sv_sandbox_allows(SV_SANDBOX_DEVMODEL, "socket"));
	assert_true(sv_sandbox_allows(SV_SANDBOX_DEVMODEL, "accept4"));
	/* Its device state goes through the module now: no files to rename. */
	assert_false(sv_sandbox_allows(SV_SANDBOX_DEVMODEL, "renameat"));
	/* Its disks use rings prepared before the filter: no unrestricted ring of its own. */
	assert_false(sv_sandbox_allows(SV_SANDBOX_DEVMODEL, "io_uring_setup"));
	assert_false(sv_sandbox_allows(SV_SANDBOX_DEVMODEL, "io_uring_register"));
	assert_true(sv_sandbox_allows(SV_SANDBOX_DEVMODEL, "io_uring_enter"));
	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
		if (sv_sandbox_allows(SV_SANDBOX_DEVMODEL, never[i]))
			fail_msg("the devmodel must not get %s", never[i]);
	}
}

/* The argument rules: threads only, ioctls by number or family, not TIOCSTI. */
static void test_argument_rules(void **state)
{
	for (int p = SV_SANDBOX_VMM; p <= SV_SANDBOX_DEVMODEL; p++) {
		size_t n;
		const struct sv_sc_rule *r = sv_sandbox_rules((enum sv_sandbox_profile)p, &n);
		bool clone_seen = false, kvm = false;

		(void)state;
		for (size_t i = 0; i < n; i++) {
			if (!strcmp(r[i].name, "clone")) {
				clone_seen = true;
				assert_int_equal(r[i].cmp, SV_SC_EQ);
				assert_int_equal(r[i].mask & 0x00010000,
						 0x00010000); /* CLONE_THREAD */
				assert_int_equal(r[i].value, r[i].mask);
			}
			if (!strcmp(r[i].name, "clone3"))
				assert_int_equal(r[i].action, SV_SC_ENOSYS);
			if (!strcmp(r[i].name, "tgkill"))
				assert_int_equal(r[i].cmp, SV_SC_SELF_PID);
			if (!strcmp(r[i].name, "ioctl")) {
				assert_int_equal(r[i].cmp, SV_SC_EQ);
				assert_int_equal(r[i].arg, 1);
				/* Typing into the terminal would be an escape. */
				assert_false((TIOCSTI & r[i].mask) == r[i].value);
				kvm |= r[i].mask == 0xff00 && r[i].value == 0xae00;
			}
		}
		assert_true(clone_seen);
		assert_int_equal(kvm, p == SV_SANDBOX_VMM);
	}
}

/* A typo would silently leave a syscall out: every name must exist on arm64. */
static void test_names_resolve(void **state)
{
	(void)state;
	for (int p = SV_SANDBOX_VMM; p <= SV_SANDBOX_DEVMODEL; p++) {
		size_t n;
		const struct sv_sc_rule *r = sv_sandbox_rules((enum sv_sandbox_profile)p, &n);

		for (size_t i = 0; i < n; i++) {
			if (seccomp_syscall_resolve_name_arch(SCMP_ARCH_AARCH64, r[i].name) < 0)
				fail_msg("%s: no syscall %s on arm64",
					 sv_sandbox_profile_name((enum sv_sandbox_profile)p),
					 r[i].name);
		}
	}
}

static void test_mode_parse(void **state)
{
	enum sv_seccomp_mode m;

	(void)state;
	assert_int_equal(sv_seccomp_mode_parse(NULL, &m), 0);
	assert_int_equal(m, SV_SECCOMP_KILL);
	assert_int_equal(sv_seccomp_mode_parse("log", &m), 0);
	assert_int_equal(m, SV_SECCOMP_LOG);
	assert_int_equal(sv_seccomp_mode_parse("off", &m), 0);
	assert_int_equal(m, SV_SECCOMP_OFF);
	assert_int_equal(sv_seccomp_mode_parse("trap", &m), -EINVAL);
	assert_int_equal(m, SV_SECCOMP_KILL); /* unknown: the strict one */
	assert_string_equal(sv_seccomp_mode_name(SV_SECCOMP_LOG), "log");
}

static void test_proc_status(void **state)
{
	static const char text[] = "Name:\tvmm\nUmask:\t0022\nState:\tS (sleeping)\n"
				   "Tgid:\t42\nPid:\t42\nPPid:\t1\n"
				   "Uid:\t200002\t200002\t200002\t200002\n"
				   "Gid:\t200002\t200002\t200002\t200002\n"
				   "Groups:\t200000 \nNoNewPrivs:\t1\nSeccomp:\t2\n"
				   "Seccomp_filters:\t1\n";
	struct sv_proc_sandbox s = { 0 };
	char buf[128];

	(void)state;
	sv_proc_status_parse(text, &s);
	assert_int_equal(s.seccomp, 2);
	assert_int_equal(s.no_new_privs, 1);
	assert_int_equal(s.uid, 200002);
	assert_int_equal(s.gid, 200002);
	s.ns_known = true;
	s.own_mnt = s.own_ipc = s.own_uts = true;
	sv_proc_sandbox_format(&s, buf, sizeof(buf));
	assert_string_equal(buf, "seccomp=filter nnp=1 uid=200002 ns=mnt,ipc,uts");

	/* An old kernel without the fields: unknown, not 0. */
	memset(&s, 0, sizeof(s));
	sv_proc_status_parse("Name:\tx\nUid:\t0\t0\t0\t0\n", &s);
	assert_int_equal(s.seccomp, -1);
	assert_int_equal(s.no_new_privs, -1);
	assert_int_equal(s.uid, 0);
	sv_proc_sandbox_format(&s, buf, sizeof(buf));
	assert_string_equal(buf, "seccomp=? nnp=? uid=0 ns=?");
	s.ns_known = true;
	sv_proc_sandbox_format(&s, buf, sizeof(buf));
	assert_string_equal(buf, "seccomp=? nnp=? uid=0 ns=host");
}

static void test_proc_self(void **state)
{
	struct sv_proc_sandbox s;

	(void)state;
	assert_int_equal(sv_proc_sandbox_read(getpid(), &s), 0);
	assert_int_equal(s.uid, (long)getuid());
	assert_true(s.seccomp >= 0);
	assert_true(s.ns_known);
	assert_false(s.own_mnt); /* ours, compared with ourselves */
}

static void test_audit_parse(void **state)
{
	static const char line[] =
		"5,1234,5678,-;audit: type=1326 audit(1700000000.123:45): auid=4294967295 "
		"uid=200002 gid=200002 ses=4294967295 pid=1234 comm=\"vmm\" exe=\"/usr/bin/vmm\" "
		"sig=31 arch=c00000b7 syscall=117 compat=0 ip=0x4a1b2c code=0x80000000";
	long nr = 0;

	(void)state;
	assert_int_equal(sv_seccomp_audit_parse(line, 1234, &nr), 0);
	assert_int_equal(nr, 117);
	/* Another process, a prefix of the pid, and not a seccomp record. */
	assert_int_equal(sv_seccomp_audit_parse(line, 123, &nr), -ENOENT);
	assert_int_equal(sv_seccomp_audit_parse(line, 12345, &nr), -ENOENT);
	assert_int_equal(sv_seccomp_audit_parse("audit: type=1300 pid=1234 syscall=59", 1234, &nr),
			 -ENOENT);
	assert_int_equal(sv_seccomp_audit_parse("audit: type=1326 ppid=1234 syscall=59", 1234, &nr),
			 -ENOENT);
}

/* The real thing, in a child: the vmm profile kills on ptrace, log mode does not. */
static int run_child(enum sv_seccomp_mode mode)
{
	int status;
	pid_t p = fork();

	assert_true(p >= 0);
	if (p == 0) {
		if (sv_sandbox_apply(SV_SANDBOX_VMM, mode))
			_exit(3);
		/* Allowed: write, getpid. */
		if (write(STDOUT_FILENO, "", 0) < 0 || getpid() <= 0)
			_exit(4);

		syscall(SYS_ptrace, 0L, 0L, 0L, 0L);
		_exit(0);
	}
	assert_int_equal(waitpid(p, &status, 0), p);
	return status;
}

/*
 * openat is refused with EACCES, not fatal: glibc's malloc opens
 * /proc/sys/vm/overcommit_memory the first time it trims a thread's heap.
 */
static void test_vmm_open_refused(void **state)
{
	int status;
	pid_t p = fork();

	(void)state;
	assert_true(p >= 0);
	if (p == 0) {
		if (sv_sandbox_apply(SV_SANDBOX_VMM, SV_SECCOMP_KILL))
			_exit(3);
		if (open("/proc/sys/vm/overcommit_memory", O_RDONLY | O_CLOEXEC) >= 0)
			_exit(4);
		_exit(errno == EACCES ? 0 : 5);
	}
	assert_int_equal(waitpid(p, &status, 0), p);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_filter_kills(void **state)
{
	int status;

	(void)state;
	status = run_child(SV_SECCOMP_KILL);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
	status = run_child(SV_SECCOMP_LOG);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	status = run_child(SV_SECCOMP_OFF);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmm_list),       cmocka_unit_test(test_devmodel_list),
		cmocka_unit_test(test_argument_rules), cmocka_unit_test(test_names_resolve),
		cmocka_unit_test(test_mode_parse),     cmocka_unit_test(test_proc_status),
		cmocka_unit_test(test_proc_self),      cmocka_unit_test(test_audit_parse),
		cmocka_unit_test(test_filter_kills),   cmocka_unit_test(test_vmm_open_refused),
	};
	return cmocka_run_group_tests_name("sandbox", tests, NULL, NULL);
}
