// SPDX-License-Identifier: GPL-2.0
/*
 * `splitvirt run`: objects -> vmm processes (device VMs first) -> wait.
 *
 * The supervisor is single-threaded and takes signals synchronously:
 * SIGCHLD, SIGINT, SIGTERM and SIGHUP stay blocked and are collected with
 * sigtimedwait(), so there are no handlers and no races with waitpid().
 *
 * The run ends when every driver and standalone VM has exited; device VMs
 * left then get SIGTERM (nobody needs them any more). A SIGINT/SIGTERM to
 * the supervisor forwards SIGTERM to every vmm; whatever still runs after
 * the stop timeout gets SIGKILL.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <splitvirt/log.h>

#include "supervisor.h"

struct run {
	const struct sv_topology *t;
	const struct sv_run_opts *opts;
	struct sv_vm_run *vms;
	struct sv_state_file state;
	bool stopping;
	struct timespec deadline; /* SIGKILL time once stopping */
	bool killed_all;
	int status; /* exit status of the first failed driver VM, 0 so far */
};

static bool is_workload(const struct sv_topo_vm *vm)
{
	return vm->role != SV_TOPO_DEVICE;
}

static bool alive(const struct sv_vm_run *r)
{
	return r->state == SV_VM_STARTING || r->state == SV_VM_RUNNING;
}

static void save_state(struct run *run)
{
	int ret = sv_state_write(&run->state, run->t, run->vms);

	if (ret)
		pr_warn("cannot write the state file %s: %s", run->state.path, strerror(-ret));
}

/* Up to the fds we are about to create, if the hard limit allows it. */
static int raise_fd_limit(const struct sv_topology *t)
{
	rlim_t need = sv_objects_count(t) + 64;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	if (rl.rlim_cur >= need)
		return 0;
	if (rl.rlim_max < need) {
		pr_err("topology '%s' needs %llu file descriptors, but the limit is %llu; raise it (ulimit -n)",
		       t->name, (unsigned long long)need, (unsigned long long)rl.rlim_max);
		return -EMFILE;
	}
	rl.rlim_cur = need;
	return setrlimit(RLIMIT_NOFILE, &rl) < 0 ? -errno : 0;
}

static void signal_all(struct run *run, int sig)
{
	for (unsigned int i = 0; i < run->t->nr_vms; i++) {
		if (alive(&run->vms[i]) && run->vms[i].pid > 0)
			kill(run->vms[i].pid, sig);
	}
}

static void begin_stop(struct run *run, const char *why)
{
	if (run->stopping)
		return;
	run->stopping = true;
	pr_info("%s: sending SIGTERM to every vmm (SIGKILL after %u s)", why,
		run->opts->stop_timeout);
	clock_gettime(CLOCK_MONOTONIC, &run->deadline);
	run->deadline.tv_sec += run->opts->stop_timeout;
	signal_all(run, SIGTERM);
}

static int start_vm(struct run *run, struct sv_objects *o, unsigned int i, int stdin_owner)
{
	const struct sv_topo_vm *vm = &run->t->vms[i];
	struct sv_vm_run *r = &run->vms[i];
	struct sv_vmm_cmd cmd;
	int ret;

	ret = sv_vmm_cmd_build(run->t, o, i, run->opts->vmm_path, &cmd);
	if (ret) {
		pr_err("cannot build the vmm command of VM '%s': %s", vm->name, strerror(-ret));
		return ret;
	}
	if (sv_log_get_level() >= SV_LOG_DEBUG) {
		for (unsigned int a = 0; a < cmd.argc; a++)
			pr_debug("VM '%s' argv[%u] = %s", vm->name, a, cmd.argv[a]);
	}
	r->state = SV_VM_STARTING;
	r->started = (long long)time(NULL);
	save_state(run);
	ret = sv_spawn(cmd.argv, cmd.fds, cmd.nr_fds, (int)i == stdin_owner, &r->pid);
	if (ret) {
		pr_err("cannot start the vmm of VM '%s' (%s): %s; give its path with --vmm",
		       vm->name, cmd.argv[0], strerror(-ret));
		r->state = SV_VM_EXITED;
		r->code = 127;
	} else {
		r->state = SV_VM_RUNNING;
		pr_info("started %s VM '%s' (pid %d, %u fds granted)", sv_topo_role_name(vm->role),
			vm->name, (int)r->pid, cmd.nr_fds);
	}
	save_state(run);
	sv_vmm_cmd_free(&cmd);
	return ret;
}

/* Device VMs first, so their dataports exist before any driver VM probes. */
static int start_all(struct run *run, struct sv_objects *o)
{
	int stdin_owner = sv_stdin_owner(run->t);
	int ret = 0;

	for (unsigned int pass = 0; pass < 2 && !ret; pass++) {
		for (unsigned int i = 0; i < run->t->nr_vms && !ret; i++) {
			bool device = run->t->vms[i].role == SV_TOPO_DEVICE;

			if (device == (pass == 0))
				ret = start_vm(run, o, i, stdin_owner);
		}
	}
	return ret;
}

static void report_orphans(struct run *run, unsigned int dev)
{
	const struct sv_topology *t = run->t;

	for (unsigned int l = 0; l < t->nr_links; l++) {
		unsigned int drv = t->links[l].driver;

		if (t->links[l].device == dev && alive(&run->vms[drv]))
			pr_err("device VM '%s' is gone while driver VM '%s' runs: its devices from '%s' will fail with I/O errors",
			       t->vms[dev].name, t->vms[drv].name, t->vms[dev].name);
	}
}

static void record_exit(struct run *run, pid_t pid, int wstatus)
{
	const struct sv_topology *t = run->t;
	int code;

	for (unsigned int i = 0; i < t->nr_vms; i++) {
		struct sv_vm_run *r = &run->vms[i];

		if (r->pid != pid || !alive(r))
			continue;
		if (WIFSIGNALED(wstatus)) {
			r->state = SV_VM_KILLED;
			r->code = WTERMSIG(wstatus);
			code = 128 + r->code;
			pr_info("VM '%s' (pid %d) was killed by signal %d (%s)", t->vms[i].name,
				(int)pid, r->code, strsignal(r->code));
		} else {
			r->state = SV_VM_EXITED;
			r->code = WEXITSTATUS(wstatus);
			code = r->code;
			if (code)
				pr_warn("VM '%s' (pid %d) exited with status %d", t->vms[i].name,
					(int)pid, code);
			else
				pr_info("VM '%s' (pid %d) exited with status 0", t->vms[i].name,
					(int)pid);
		}
		if (is_workload(&t->vms[i]) && code && !run->status)
			run->status = code;
		if (t->vms[i].role == SV_TOPO_DEVICE && !run->stopping)
			report_orphans(run, i);
		save_state(run);
		return;
	}
}

static void reap(struct run *run)
{
	int wstatus;
	pid_t pid;

	while ((pid = waitpid(-1, &wstatus, WNOHANG)) > 0)
		record_exit(run, pid, wstatus);
}

static bool any_alive(struct run *run, bool workload_only)
{
	for (unsigned int i = 0; i < run->t->nr_vms; i++) {
		if (alive(&run->vms[i]) && (!workload_only || is_workload(&run->t->vms[i])))
			return true;
	}
	return false;
}

static bool has_workload(const struct sv_topology *t)
{
	for (unsigned int i = 0; i < t->nr_vms; i++) {
		if (is_workload(&t->vms[i]))
			return true;
	}
	return false;
}

/* Milliseconds until the SIGKILL deadline (or a long wait when not stopping). */
static long wait_ms(struct run *run)
{
	struct timespec now;
	long ms;

	if (!run->stopping || run->killed_all)
		return 3600 * 1000L;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (run->deadline.tv_sec - now.tv_sec) * 1000L +
	     (run->deadline.tv_nsec - now.tv_nsec) / 1000000L;
	return ms < 0 ? 0 : ms;
}

static void wait_loop(struct run *run, const sigset_t *set)
{
	bool workload = has_workload(run->t);

	for (;;) {
		struct timespec ts;
		siginfo_t info;
		long ms;
		int sig;

		reap(run);
		if (!any_alive(run, false))
			return;
		if (workload && !any_alive(run, true))
			begin_stop(run, "every driver VM has exited");
		ms = wait_ms(run);
		if (ms == 0 && !run->killed_all) {
			pr_warn("VMs still run %u s after SIGTERM: sending SIGKILL",
				run->opts->stop_timeout);
			signal_all(run, SIGKILL);
			run->killed_all = true;
			continue;
		}
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (ms % 1000) * 1000000L;
		sig = sigtimedwait(set, &info, &ts);
		if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
			char why[64];

			if (run->stopping && !run->killed_all) {
				pr_warn("second %s: sending SIGKILL", strsignal(sig));
				signal_all(run, SIGKILL);
				run->killed_all = true;
				continue;
			}
			snprintf(why, sizeof(why), "got %s", strsignal(sig));
			begin_stop(run, why);
		}
	}
}

static int check_not_running(const char *path, const char *name)
{
	struct sv_state st;

	if (sv_state_read(path, &st) == 0 && sv_state_alive(&st) && st.supervisor != getpid()) {
		pr_err("topology '%s' already runs (supervisor pid %d); stop it first (kill %d)",
		       name, st.supervisor, st.supervisor);
		return -EBUSY;
	}
	return 0;
}

int sv_run(const struct sv_topology *t, const struct sv_run_opts *opts)
{
	struct run run = { .t = t, .opts = opts };
	struct sv_objects objs;
	sigset_t set, old;
	int ret;

	ret = raise_fd_limit(t);
	if (ret)
		return 1;
	ret = sv_state_open(&run.state, opts->run_dir, t->name);
	if (ret) {
		pr_err("cannot use the run folder %s: %s; set SPLITVIRT_RUN_DIR or --run-dir",
		       opts->run_dir, strerror(-ret));
		return 1;
	}
	if (check_not_running(run.state.path, t->name)) {
		free(run.state.path);
		free(run.state.tmp);
		return 1;
	}
	run.vms = calloc(t->nr_vms, sizeof(*run.vms));
	if (!run.vms) {
		sv_state_remove(&run.state);
		return 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &old);

	ret = sv_objects_create(t, &objs);
	if (ret) {
		pr_err("cannot create the shared objects of topology '%s': %s", t->name,
		       strerror(-ret));
		run.status = 1;
	} else {
		pr_info("topology '%s': %u VMs, %u links, guest RAM %s", t->name, t->nr_vms,
			t->nr_links, objs.hugetlb ? "on hugetlb pages where reserved" : "on shmem");
		save_state(&run);
		if (start_all(&run, &objs)) {
			run.status = 1;
			begin_stop(&run, "a vmm did not start");
		}
		/* The vmms hold what they need; our copies would only pin memory. */
		sv_objects_close(&objs);
		wait_loop(&run, &set);
	}
	sv_state_remove(&run.state);
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(run.vms);
	pr_info("topology '%s' ended, exit status %d", t->name, run.status);
	return run.status;
}
