/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sandboxing splitvirt's host-side processes (the vmm) and the device VM's
 * devmodel: a seccomp allow-list installed after setup, no_new_privs, and
 * reading back what a process runs with (/proc/<pid>/status, /proc/<pid>/ns)
 * for `splitvirt status`. See docs/security.md.
 *
 * The rule lists are plain data (sv_sandbox_rules) so unit tests can check
 * them without installing anything; sv_sandbox_apply() turns them into a
 * filter with libseccomp.
 */
#ifndef SPLITVIRT_SANDBOX_H
#define SPLITVIRT_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum sv_sandbox_profile {
	SV_SANDBOX_VMM, /* after setup: no new files, no new sockets */
	SV_SANDBOX_DEVMODEL, /* reopens links: files, taps, bridges, its console sockets */
};

/* SPLITVIRT_SECCOMP=kill (default) | log | off */
enum sv_seccomp_mode {
	SV_SECCOMP_KILL, /* a syscall outside the list kills the whole process (SIGSYS) */
	SV_SECCOMP_LOG, /* it is allowed, and the kernel logs it (dmesg, audit type=1326) */
	SV_SECCOMP_OFF,
};

enum sv_sc_action {
	SV_SC_ALLOW,
	SV_SC_ENOSYS, /* fails with ENOSYS, so that libc falls back (clone3 -> clone) */
	SV_SC_EACCES, /* refused with EACCES: libc's own lazy opens must fail, not kill */
};

enum sv_sc_cmp {
	SV_SC_ANY, /* no argument check */
	SV_SC_EQ, /* (arg & mask) == value */
	SV_SC_SELF_PID, /* arg == getpid() at install time */
};

/* One rule: several rules for one syscall are alternatives (OR). */
struct sv_sc_rule {
	const char *name; /* the syscall's name as libseccomp knows it */
	enum sv_sc_action action;
	enum sv_sc_cmp cmp;
	unsigned int arg; /* argument index for cmp */
	uint64_t mask, value;
};

/* The rules of a profile; *n gets their number. */
const struct sv_sc_rule *sv_sandbox_rules(enum sv_sandbox_profile p, size_t *n);
/* Whether the profile has any rule for syscall name (tests, docs). */
bool sv_sandbox_allows(enum sv_sandbox_profile p, const char *name);
const char *sv_sandbox_profile_name(enum sv_sandbox_profile p);

/* SPLITVIRT_SECCOMP as a mode; -EINVAL (and *mode = kill) for anything else. */
int sv_seccomp_mode_parse(const char *text, enum sv_seccomp_mode *mode);
const char *sv_seccomp_mode_name(enum sv_seccomp_mode mode);

/*
 * no_new_privs, then the profile's filter in mode (from SPLITVIRT_SECCOMP,
 * see sv_sandbox_apply_env). Call it before creating threads: threads made
 * later inherit the filter. Returns 0 or a negative errno.
 */
int sv_sandbox_apply(enum sv_sandbox_profile p, enum sv_seccomp_mode mode);
/* Same, with the mode from SPLITVIRT_SECCOMP; logs what it did or why not. */
int sv_sandbox_apply_env(enum sv_sandbox_profile p);
/*
 * SPLITVIRT_SANDBOX_SELFTEST=1 (or =NAME, matching name): makes a syscall
 * outside every profile (ptrace) so tests see the filter kill us. Returns
 * only if the filter let it through (log or off mode, or no filter).
 */
void sv_sandbox_selftest(const char *name);

/* What /proc says about a process's sandbox. */
struct sv_proc_sandbox {
	int seccomp; /* 0 none, 1 strict, 2 filter; -1 unknown */
	int no_new_privs; /* -1 unknown */
	long uid, gid; /* real ids; -1 unknown */
	/* namespaces differing from the reader's own (set when known) */
	bool own_mnt, own_pid, own_ipc, own_uts, own_net, own_user;
	bool ns_known; /* /proc/<pid>/ns was readable */
};

/* Parses /proc/<pid>/status text into s (the fields above it covers). */
void sv_proc_status_parse(const char *text, struct sv_proc_sandbox *s);
/* Reads /proc/<pid>/status, and its namespaces against ours (/proc/.../ns). */
int sv_proc_sandbox_read(pid_t pid, struct sv_proc_sandbox *s);
/* "seccomp=filter nnp=1 uid=200001 ns=mnt,ipc,uts" into buf. */
void sv_proc_sandbox_format(const struct sv_proc_sandbox *s, char *buf, size_t size);

/*
 * A kernel audit line for a seccomp action (type=1326) about pid: its
 * syscall number in *nr. Returns 0, or -ENOENT if the line is not one.
 */
int sv_seccomp_audit_parse(const char *line, pid_t pid, long *nr);
/* The last such record about pid in the kernel log (/dev/kmsg); -ENOENT if none. */
int sv_seccomp_audit_find(pid_t pid, long *nr);
/* The syscall's name for this architecture, or NULL (without libseccomp). */
const char *sv_syscall_name(long nr);

#endif
