// SPDX-License-Identifier: GPL-2.0
/*
 * Starting a vmm with exactly its grants. Everything the supervisor opens is
 * CLOEXEC, but the supervisor may itself have inherited fds from whoever
 * started it; so the child marks every fd above stdio CLOEXEC and then
 * clears the flag on its grants only, right before exec.
 *
 * Sandboxed (docs/security.md), the child also sets its rlimits, enters
 * new mount, IPC and UTS namespaces, drops to the VM's user (keeping only
 * the KVM group) and sets no_new_privs, in that order: the namespaces and
 * the drop need root, and what comes after the drop cannot undo it.
 */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervisor.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1u << 2)
#endif

/* Async-signal-safe enough for a fork child of a single-threaded parent. */
static void cloexec_all_but_stdio(void)
{
	DIR *d;
	struct dirent *e;

	if (syscall(SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	/* Kernels before 5.11: walk /proc/self/fd. */
	d = opendir("/proc/self/fd");
	if (!d)
		return;
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);

		if (fd > 2 && fd != dirfd(d))
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	closedir(d);
}

/* What failed in the child, for the parent's message. */
enum spawn_step {
	STEP_EXEC,
	STEP_STDIO,
	STEP_RLIMIT,
	STEP_MEMLOCK,
	STEP_UNSHARE,
	STEP_MOUNT,
	STEP_HOSTNAME,
	STEP_SETGROUPS,
	STEP_SETGID,
	STEP_SETUID,
	STEP_NNP,
};

static const char *const step_names[] = {
	[STEP_EXEC] = "exec",
	[STEP_STDIO] = "setting up its stdio",
	[STEP_RLIMIT] = "setting its rlimits",
	[STEP_MEMLOCK] =
		"raising its RLIMIT_MEMLOCK for the guest RAM VFIO pins (this needs CAP_SYS_RESOURCE)",
	[STEP_UNSHARE] = "entering new mount/IPC/UTS namespaces",
	[STEP_MOUNT] = "making its mounts private",
	[STEP_HOSTNAME] = "setting its hostname",
	[STEP_SETGROUPS] = "setting its groups (the KVM group)",
	[STEP_SETGID] = "setting its gid",
	[STEP_SETUID] = "setting its uid",
	[STEP_NNP] = "setting no_new_privs",
};

struct spawn_err {
	int step, err;
};

static int set_limit(int resource, unsigned long n)
{
	struct rlimit rl = { .rlim_cur = n, .rlim_max = n };

	return setrlimit(resource, &rl);
}

/* To at least n: a higher limit (or none) stays. Raising the hard one takes CAP_SYS_RESOURCE. */
static int raise_limit(int resource, unsigned long n)
{
	struct rlimit rl;

	if (getrlimit(resource, &rl) < 0)
		return -1;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= n)
		return 0;
	rl.rlim_cur = n;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < n)
		rl.rlim_max = n;
	return setrlimit(resource, &rl);
}

/* Returns the failed step, or -1. */
static int enter_sandbox(const struct sup_spawn_sandbox *sb)
{
	if (!sb || !sb->on) {
		/* The vmm then installs no filter either. */
		setenv("SPLITVIRT_SECCOMP", "off", 1);
		return -1;
	}
	/* Guest RAM is mapped in the vmm: a core dump would write it out. */
	if (set_limit(RLIMIT_CORE, 0) || set_limit(RLIMIT_NOFILE, sb->nofile))
		return STEP_RLIMIT;
	if (sb->drop) {
		/* Counted per user: each VM has its own, so this bounds its threads. */
		if (set_limit(RLIMIT_NPROC, sb->nproc))
			return STEP_RLIMIT;
		if (sb->memlock && raise_limit(RLIMIT_MEMLOCK, sb->memlock))
			return STEP_MEMLOCK;
		if (unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS) < 0)
			return STEP_UNSHARE;
		/* Nothing it mounts (it cannot, but) reaches the host's view. */
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			return STEP_MOUNT;
		if (sethostname(sb->hostname, strlen(sb->hostname)) < 0)
			return STEP_HOSTNAME;
		if (setgroups(1, &sb->kvm_gid) < 0)
			return STEP_SETGROUPS;
		if (setresgid(sb->gid, sb->gid, sb->gid) < 0)
			return STEP_SETGID;
		/* From root to another uid: every capability goes with it. */
		if (setresuid(sb->uid, sb->uid, sb->uid) < 0)
			return STEP_SETUID;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return STEP_NNP;
	return -1;
}

static void child(char *const argv[], const int *fds, unsigned int nr_fds,
		  const struct sup_spawn_stdio *stdio, const struct sup_spawn_sandbox *sb,
		  int err_pipe, pid_t parent)
{
	struct spawn_err e = { .step = STEP_STDIO };
	sigset_t none;
	int step;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (!stdio->keep_stdin) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (null >= 0 && null != 0) {
			dup2(null, 0);
			close(null);
		}
	}
	/* dup2() leaves the copies without CLOEXEC; the originals go at exec. */
	if ((stdio->out >= 0 && dup2(stdio->out, 1) < 0) ||
	    (stdio->err >= 0 && dup2(stdio->err, 2) < 0))
		goto fail;
	cloexec_all_but_stdio();
	for (unsigned int i = 0; i < nr_fds; i++) {
		if (fcntl(fds[i], F_SETFD, 0) < 0)
			goto fail;
	}
	step = enter_sandbox(sb);
	if (step >= 0) {
		e.step = step;
		goto fail;
	}
	/*
	 * A vmm must not outlive a supervisor that was killed outright. After
	 * the uid change, which clears it.
	 */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(127);
	e.step = STEP_EXEC;
	execvp(argv[0], argv);
fail:
	e.err = errno;
	if (write(err_pipe, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

const char *sup_spawn_step_name(int step)
{
	return step >= 0 && step < (int)(sizeof(step_names) / sizeof(step_names[0])) ?
		       step_names[step] :
		       "?";
}

int sup_spawn(char *const argv[], const int *fds, unsigned int nr_fds,
	      const struct sup_spawn_stdio *stdio, const struct sup_spawn_sandbox *sb, pid_t *pid,
	      int *failed_step)
{
	pid_t parent = getpid();
	struct spawn_err e = { 0 };
	int pipefd[2], err = 0;
	ssize_t n;
	pid_t p;

	/* The write end closes on a successful exec: EOF means it worked. */
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	p = fork();
	if (p < 0) {
		err = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return err;
	}
	if (p == 0)
		child(argv, fds, nr_fds, stdio, sb, pipefd[1], parent);
	close(pipefd[1]);
	do {
		n = read(pipefd[0], &e, sizeof(e));
	} while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	*pid = p;
	if (n == sizeof(e)) {
		waitpid(p, NULL, 0);
		*failed_step = e.step;
		return -e.err;
	}
	return 0;
}

int sup_stdin_owner(const struct sv_topology *t)
{
	static const enum sv_topo_role order[] = { SV_TOPO_DRIVER, SV_TOPO_STANDALONE };

	for (unsigned int i = 0; i < t->nr_vms; i++) {
		if (t->vms[i].console)
			return (int)i;
	}
	for (unsigned int r = 0; r < 2; r++) {
		for (unsigned int i = 0; i < t->nr_vms; i++) {
			if (t->vms[i].role == order[r])
				return (int)i;
		}
	}
	return -1;
}
