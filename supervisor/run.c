// SPDX-License-Identifier: GPL-2.0
/*
 * `splitvirt run`: objects -> vmm processes (device VMs first) -> wait.
 *
 * The supervisor is single-threaded and takes signals synchronously:
 * SIGCHLD, SIGINT, SIGTERM and SIGHUP stay blocked and are read from a
 * signalfd, polled with the vmms' output pipes, so there are no handlers
 * and no races with waitpid().
 *
 * Each vmm's stdout and stderr are pipes to the supervisor, which relays
 * them line by line (relay.h): prefixed with the VM's name on its own
 * stdout/stderr, or into a per-VM file with --console-dir.
 *
 * A VM whose guest reboots is started again at once, with the same
 * objects. A device VM whose vmm fails (a non-zero exit or a signal) is
 * started again after a back-off (topology key restart: on-failure); its
 * driver VMs keep running, and are told at once that it is gone
 * (links.c), so their pending accesses fail instead of timing out.
 *
 * The run ends when every driver and standalone VM has exited; device VMs
 * left then get SIGTERM (nobody needs them any more). A SIGINT/SIGTERM to
 * the supervisor forwards SIGTERM to every vmm; whatever still runs after
 * the stop timeout gets SIGKILL.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <splitvirt/log.h>
#include <splitvirt/sandbox.h>

#include "relay.h"
#include "supervisor.h"

struct run {
	const struct sv_topology *t;
	const struct sup_run_opts *opts;
	struct sup_vm_run *vms;
	struct sup_state_file state;
	bool stopping;
	long long deadline; /* SIGKILL time once stopping (now_ms()) */
	bool killed_all;
	int status; /* exit status of the first failed driver VM, 0 so far */
	int sigfd;
	struct sup_relay *relays; /* VM i: [2 * i] its stdout, [2 * i + 1] its stderr */
	long long *hold; /* per relay: its pipe is not polled before this (now_ms()) */
	int *logs; /* --console-dir: VM i's log file, else NULL */
	struct sup_sandbox sb;
	struct sup_passthrough pt; /* PCI functions on vfio-pci until the run ends */
	struct sup_objects
		*objects; /* kept for the whole run: a VM that reboots is granted them again */
	int stdin_owner;
};

/*
 * A serial console writes a byte at a time: once a read leaves a line
 * unfinished, its pipe rests this long, so the line gathers in the pipe
 * instead of waking us for every byte. Lines show at most this much later.
 */
#define OUTPUT_HOLD_MS 10

/*
 * A device VM that fails is started again after 1 s, then twice as long
 * after each failure in a row, up to 30 s; after RESTART_MAX_FAILURES in a
 * row it stays stopped. A failure after a run of RESTART_HEALTHY_MS or
 * more starts the count over: a VM that fails at once (a broken image, a
 * guest that panics at boot) costs little, one that crashes now and then
 * keeps coming back quickly.
 */
#define RESTART_FIRST_DELAY_S 1u
#define RESTART_MAX_DELAY_S 30u
#define RESTART_MAX_FAILURES 5u
#define RESTART_HEALTHY_MS (60 * 1000LL)

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool is_workload(const struct sv_topo_vm *vm)
{
	return vm->role != SV_TOPO_DEVICE;
}

static void save_state(struct run *run)
{
	int ret = sup_state_write(&run->state, run->t, run->vms);

	if (ret)
		pr_warn("cannot write the state file %s: %s", run->state.path, strerror(-ret));
}

/* Up to the fds we are about to create, if the hard limit allows it. */
static int raise_fd_limit(const struct sv_topology *t)
{
	/* + per VM: its two output pipes and its log file */
	rlim_t need = sup_objects_count(t) + 3 * t->nr_vms + 64;
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
		if (sup_vm_alive(&run->vms[i]) && run->vms[i].pid > 0)
			kill(run->vms[i].pid, sig);
	}
}

/* Sets VM r's final state and code from its vmm's wait status; returns its exit status. */
static int set_ended(struct sup_vm_run *r, int wstatus)
{
	if (WIFSIGNALED(wstatus)) {
		r->state = SUP_VM_KILLED;
		r->code = WTERMSIG(wstatus);
		return 128 + r->code;
	}
	r->state = SUP_VM_EXITED;
	r->code = WEXITSTATUS(wstatus);
	return r->code;
}

/* A stopping run starts nothing again: the VMs waiting for a restart stay stopped. */
static void cancel_restarts(struct run *run)
{
	bool changed = false;

	for (unsigned int i = 0; i < run->t->nr_vms; i++) {
		struct sup_vm_run *r = &run->vms[i];

		if (r->state != SUP_VM_RESTARTING)
			continue;
		set_ended(r, r->wstatus);
		pr_info("VM '%s' is not restarted: the run is stopping", run->t->vms[i].name);
		changed = true;
	}
	if (changed)
		save_state(run);
}

static void begin_stop(struct run *run, const char *why)
{
	if (run->stopping)
		return;
	run->stopping = true;
	pr_info("%s: sending SIGTERM to every vmm (SIGKILL after %u s)", why,
		run->opts->stop_timeout);
	run->deadline = now_ms() + run->opts->stop_timeout * 1000LL;
	signal_all(run, SIGTERM);
	cancel_restarts(run);
}

/*
 * A pipe whose read end (ours) is non-blocking. The vmm's end blocks: a
 * guest console that outpaces us waits rather than losing bytes.
 */
static int output_pipe(int p[2])
{
	int ret;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	if (fcntl(p[0], F_SETFL, O_NONBLOCK) == 0)
		return 0;
	ret = -errno;
	close(p[0]);
	close(p[1]);
	return ret;
}

/* The vmm's stdout and stderr, each a pipe into VM i's relay. */
static int open_outputs(struct run *run, unsigned int i, struct sup_spawn_stdio *stdio)
{
	const char *name = run->t->vms[i].name;
	int po[2], pe[2], ret;

	ret = output_pipe(po);
	if (ret)
		return ret;
	ret = output_pipe(pe);
	if (ret) {
		close(po[0]);
		close(po[1]);
		return ret;
	}
	sup_relay_init(&run->relays[2 * i], po[0], run->logs ? run->logs[i] : STDOUT_FILENO, name,
		       !run->logs);
	sup_relay_init(&run->relays[2 * i + 1], pe[0], run->logs ? run->logs[i] : STDERR_FILENO,
		       name, !run->logs);
	stdio->out = po[1];
	stdio->err = pe[1];
	return 0;
}

/* Everything a VM wrote before it exited, before the line that says so. */
static void drain_vm(struct run *run, unsigned int i)
{
	for (unsigned int k = 2 * i; k < 2 * i + 2; k++) {
		struct sup_relay *r = &run->relays[k];
		int ret;

		/* Bounded: a pipe holds 64 KiB, unless a child of the vmm keeps writing. */
		for (int n = 0; n < 64 && (ret = sup_relay_read(r)) == 1; n++)
			;
		/* Still open: a child of the vmm holds it. Its line so far goes now. */
		if (ret == -EAGAIN)
			sup_relay_flush(r);
	}
}

static const char *sandbox_summary(const struct sup_sandbox *sb, unsigned int i)
{
	static char buf[64];

	if (!sb->on)
		snprintf(buf, sizeof(buf), "no sandbox");
	else if (!sb->drop)
		snprintf(buf, sizeof(buf), "sandbox without a user of its own");
	else
		snprintf(buf, sizeof(buf), "sandboxed as uid %u",
			 (unsigned int)sup_sandbox_uid(sb, i));
	return buf;
}

static int start_vm(struct run *run, struct sup_objects *o, unsigned int i, int stdin_owner)
{
	const struct sv_topo_vm *vm = &run->t->vms[i];
	struct sup_vm_run *r = &run->vms[i];
	struct sup_spawn_stdio stdio = { .keep_stdin = (int)i == stdin_owner };
	struct sup_spawn_sandbox sbc;
	struct sup_vmm_cmd cmd;
	int ret, step = 0;

	ret = sup_sandbox_prepare_vm(&run->sb, run->t, i);
	ret = ret ?: sup_passthrough_take(&run->pt, run->t, i, &run->sb);
	if (ret)
		return ret;
	ret = sup_vmm_cmd_build(run->t, o, i, run->opts->vmm_path, &run->sb, &cmd);
	/* A guest's PSCI SYSTEM_RESET: its vmm signals this and exits, we start it again. */
	if (!ret && r->reboot_fd < 0) {
		r->reboot_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ret = r->reboot_fd < 0 ? -errno : 0;
	}
	ret = ret   ?:
		      (r->reboot_fd >= 0 ? sup_vmm_cmd_add_fd(&cmd, "--reboot-fd", r->reboot_fd) :
					   0);
	if (ret) {
		pr_err("cannot build the vmm command of VM '%s': %s", vm->name, strerror(-ret));
		return ret;
	}
	ret = open_outputs(run, i, &stdio);
	if (ret) {
		pr_err("cannot create the output pipes of VM '%s': %s", vm->name, strerror(-ret));
		sup_vmm_cmd_free(&cmd);
		return ret;
	}
	if (sv_log_get_level() >= SV_LOG_DEBUG) {
		for (unsigned int a = 0; a < cmd.argc; a++)
			pr_debug("VM '%s' argv[%u] = %s", vm->name, a, cmd.argv[a]);
	}
	r->state = SUP_VM_STARTING;
	r->started = (long long)time(NULL);
	r->started_ms = now_ms();
	save_state(run);
	sup_sandbox_spawn_config(&run->sb, run->t, i, cmd.nr_fds, &sbc);
	ret = sup_spawn(cmd.argv, cmd.fds, cmd.nr_fds, &stdio, &sbc, &r->pid, &step);
	/* The vmm has its copies; ours would keep its pipes from ever reaching EOF. */
	close(stdio.out);
	close(stdio.err);
	if (ret && step) {
		pr_err("cannot start the vmm of VM '%s': %s: %s%s", vm->name,
		       sup_spawn_step_name(step), strerror(-ret),
		       run->sb.drop ? "; --no-sandbox runs it unconfined" : "");
		r->state = SUP_VM_EXITED;
		r->code = 127;
	} else if (ret) {
		pr_err("cannot start the vmm of VM '%s' (%s): %s; give its path with --vmm",
		       vm->name, cmd.argv[0], strerror(-ret));
		r->state = SUP_VM_EXITED;
		r->code = 127;
	} else {
		r->state = SUP_VM_RUNNING;
		pr_info("started %s VM '%s' (pid %d, %u fds granted, %s)",
			sv_topo_role_name(vm->role), vm->name, (int)r->pid, cmd.nr_fds,
			sandbox_summary(&run->sb, i));
	}
	save_state(run);
	sup_vmm_cmd_free(&cmd);
	return ret;
}

/* Device VMs first, so their dataports exist before any driver VM probes. */
static int start_all(struct run *run, struct sup_objects *o)
{
	int stdin_owner = run->stdin_owner = sup_stdin_owner(run->t);
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

		if (t->links[l].device == dev && sup_vm_alive(&run->vms[drv]))
			pr_err("device VM '%s' is gone while driver VM '%s' runs: its devices from '%s' will fail with I/O errors",
			       t->vms[dev].name, t->vms[drv].name, t->vms[dev].name);
	}
}

/*
 * SIGSYS is what the vmm's seccomp filter kills with. The kernel logs which
 * syscall it was (audit type=1326, in dmesg); without that record, say how
 * to find out.
 */
static void report_seccomp_kill(const char *name, pid_t pid, const char *then)
{
	const char *sc;
	long nr;

	if (sv_seccomp_audit_find(pid, &nr)) {
		pr_err("vmm[%s] killed by seccomp (SIGSYS, pid %d); the syscall is not in the kernel log: run with SPLITVIRT_SECCOMP=log to have violations logged instead of killed, then look for type=1326 in dmesg (docs/security.md)%s",
		       name, (int)pid, then);
		return;
	}
	sc = sv_syscall_name(nr);
	pr_err("vmm[%s] killed by seccomp (syscall %ld%s%s, pid %d); if the vmm needs it, add it to lib/sandbox/rules.c (docs/security.md)%s",
	       name, nr, sc ? ", " : "", sc ? sc : "", (int)pid, then);
}

/* The line saying how VM i's vmm ended; then says what comes next, or is "". */
static void report_end(struct run *run, unsigned int i, pid_t pid, const char *then)
{
	const struct sup_vm_run *r = &run->vms[i];
	const char *name = run->t->vms[i].name;
	bool killed = r->state == SUP_VM_KILLED;
	/* A restart and a failing status are news; a signal is mostly our own SIGTERM or SIGKILL. */
	enum sv_log_level level = *then || (!killed && r->code) ? SV_LOG_WARN : SV_LOG_INFO;

	if (killed && r->code == SIGSYS)
		report_seccomp_kill(name, pid, then);
	else if (killed)
		sv_log(level, "VM '%s' (pid %d) was killed by signal %d (%s)%s", name, (int)pid,
		       r->code, strsignal(r->code), then);
	else
		sv_log(level, "VM '%s' (pid %d) exited with status %d%s", name, (int)pid, r->code,
		       then);
}

/* Whether VM i's vmm exited because its guest asked for a reset. */
static bool reboot_requested(const struct sup_vm_run *r)
{
	uint64_t n = 0;

	return r->reboot_fd >= 0 && read(r->reboot_fd, &n, sizeof(n)) == sizeof(n) && n;
}

/*
 * VM i again, with the objects it had (its RAM, links, doorbells, saved
 * state), in a new vmm with new output pipes.
 */
static int start_again(struct run *run, unsigned int i)
{
	sup_relay_close(&run->relays[2 * i]);
	sup_relay_close(&run->relays[2 * i + 1]);
	return start_vm(run, run->objects, i, run->stdin_owner);
}

/*
 * Reboot in place: the same VM, with the same objects, in a new vmm. Its
 * device VMs see the driver side restart and reset its devices, as they do
 * for any new driver side; a device VM's driver VMs were told it is gone.
 */
static bool reboot_vm(struct run *run, unsigned int i, pid_t pid)
{
	struct sup_vm_run *r = &run->vms[i];

	if (run->stopping || r->reboots >= SUP_MAX_REBOOTS)
		return false;
	r->reboots++;
	pr_info("VM '%s' (pid %d) rebooted itself (PSCI SYSTEM_RESET): starting it again (%u so far)",
		run->t->vms[i].name, (int)pid, r->reboots);
	return start_again(run, i) == 0;
}

/* Whether VM i's exit is a failure to restart it after; counts it if so. */
static bool count_failure(struct run *run, unsigned int i, int wstatus)
{
	const struct sv_topo_vm *vm = &run->t->vms[i];
	struct sup_vm_run *r = &run->vms[i];

	/* Status 0: its guest powered off, which is no failure. */
	if (run->stopping || vm->role != SV_TOPO_DEVICE ||
	    vm->restart != SV_TOPO_RESTART_ON_FAILURE ||
	    (WIFEXITED(wstatus) && !WEXITSTATUS(wstatus)))
		return false;
	if (now_ms() - r->started_ms >= RESTART_HEALTHY_MS)
		r->failures = 0;
	r->failures++;
	return true;
}

/* The back-off before the next start of a VM that failed failures times in a row. */
static unsigned int backoff_s(unsigned int failures)
{
	unsigned int s = RESTART_FIRST_DELAY_S;

	for (unsigned int n = 1; n < failures && s < RESTART_MAX_DELAY_S; n++)
		s *= 2;
	return s < RESTART_MAX_DELAY_S ? s : RESTART_MAX_DELAY_S;
}

/* VM i's vmm ended and was not rebooted: records and reports it, and maybe restarts it later. */
static void record_end(struct run *run, unsigned int i, pid_t pid, int wstatus)
{
	const struct sv_topo_vm *vm = &run->t->vms[i];
	struct sup_vm_run *r = &run->vms[i];
	bool failed = count_failure(run, i, wstatus);
	unsigned int delay =
		failed && r->failures < RESTART_MAX_FAILURES ? backoff_s(r->failures) : 0;
	char then[96] = "";
	int code = set_ended(r, wstatus);

	if (delay)
		snprintf(then, sizeof(then), "; restarting it in %u s (failure %u of %u in a row)",
			 delay, r->failures, RESTART_MAX_FAILURES);
	report_end(run, i, pid, then);
	if (delay) {
		r->state = SUP_VM_RESTARTING;
		r->wstatus = wstatus;
		r->restart_at = now_ms() + delay * 1000LL;
	}
	if (failed && !delay)
		pr_err("VM '%s' failed %u times in a row within %lld s each; not restarting it again",
		       vm->name, r->failures, RESTART_HEALTHY_MS / 1000);
	if (is_workload(vm) && code && !run->status)
		run->status = code;
	if (vm->role == SV_TOPO_DEVICE && !run->stopping && !delay)
		report_orphans(run, i);
	save_state(run);
}

/* Device VM i's vmm is gone: its driver VMs stop waiting for it at once. */
static void device_gone(struct run *run, unsigned int i)
{
	int ret = sup_links_mark_gone(run->t, run->objects, run->vms, i);

	if (ret)
		pr_warn("cannot tell the driver VMs of device VM '%s' that it is gone: %s; their pending accesses time out instead",
			run->t->vms[i].name, strerror(-ret));
}

static void record_exit(struct run *run, pid_t pid, int wstatus)
{
	const struct sv_topology *t = run->t;

	for (unsigned int i = 0; i < t->nr_vms; i++) {
		struct sup_vm_run *r = &run->vms[i];

		if (r->pid != pid || !sup_vm_alive(r))
			continue;
		/* First: until then, every access of its driver VMs waits on it. */
		if (t->vms[i].role == SV_TOPO_DEVICE && !run->stopping)
			device_gone(run, i);
		drain_vm(run, i);
		if (WIFEXITED(wstatus) && reboot_requested(r) && reboot_vm(run, i, pid))
			return;
		record_end(run, i, pid, wstatus);
		return;
	}
}

/* Starts the VMs whose back-off is over; returns whether it tried any. */
static bool restart_due(struct run *run)
{
	long long now = now_ms();
	bool tried = false;

	for (unsigned int i = 0; i < run->t->nr_vms; i++) {
		struct sup_vm_run *r = &run->vms[i];

		if (r->state != SUP_VM_RESTARTING || r->restart_at > now)
			continue;
		tried = true;
		r->restarts++;
		if (start_again(run, i) == 0) {
			pr_info("restarted device VM '%s' (restart %u)", run->t->vms[i].name,
				r->restarts);
			continue;
		}
		/* start_vm() said why; when it failed before the spawn, the state is still ours. */
		if (r->state == SUP_VM_RESTARTING)
			set_ended(r, r->wstatus);
		report_orphans(run, i);
		save_state(run);
	}
	return tried;
}

static bool restart_pending(const struct run *run)
{
	for (unsigned int i = 0; i < run->t->nr_vms; i++) {
		if (run->vms[i].state == SUP_VM_RESTARTING)
			return true;
	}
	return false;
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
		if (sup_vm_alive(&run->vms[i]) && (!workload_only || is_workload(&run->t->vms[i])))
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

/* Milliseconds until the next thing due: the SIGKILL deadline or a restart. */
static long wait_ms(struct run *run)
{
	long long now = now_ms(), next = now + 3600 * 1000LL;

	if (run->stopping && !run->killed_all && run->deadline < next)
		next = run->deadline;
	for (unsigned int i = 0; i < run->t->nr_vms; i++) {
		if (run->vms[i].state == SUP_VM_RESTARTING && run->vms[i].restart_at < next)
			next = run->vms[i].restart_at;
	}
	return next > now ? (long)(next - now) : 0;
}

static void stop_signal(struct run *run, int sig)
{
	char why[64];

	if (run->stopping && !run->killed_all) {
		pr_warn("second %s: sending SIGKILL", strsignal(sig));
		signal_all(run, SIGKILL);
		run->killed_all = true;
		return;
	}
	snprintf(why, sizeof(why), "got %s", strsignal(sig));
	begin_stop(run, why);
}

static void read_signals(struct run *run)
{
	struct signalfd_siginfo si;

	/* SIGCHLD needs nothing here: every round of the loop reaps. */
	while (read(run->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM || si.ssi_signo == SIGHUP)
			stop_signal(run, (int)si.ssi_signo);
	}
}

/* Waits up to ms for a signal or vmm output, and handles what came. */
static void wait_events(struct run *run, long ms)
{
	struct pollfd pfd[1 + 2 * SV_TOPO_MAX_VMS];
	unsigned int relay_of[1 + 2 * SV_TOPO_MAX_VMS];
	unsigned int n = 1;
	long long now = now_ms();

	pfd[0] = (struct pollfd){ .fd = run->sigfd, .events = POLLIN };
	for (unsigned int k = 0; k < 2 * run->t->nr_vms; k++) {
		if (run->relays[k].in < 0)
			continue;
		if (run->hold[k] > now) {
			if (run->hold[k] - now < ms)
				ms = (long)(run->hold[k] - now);
			continue;
		}
		relay_of[n] = k;
		pfd[n++] = (struct pollfd){ .fd = run->relays[k].in, .events = POLLIN };
	}
	if (poll(pfd, n, ms > INT_MAX ? INT_MAX : (int)ms) < 0) {
		if (errno != EINTR) {
			pr_err("poll: %s", strerror(errno));
			usleep(100 * 1000); /* no busy loop if it persists */
		}
		return;
	}
	for (unsigned int j = 1; j < n; j++) {
		unsigned int k = relay_of[j];

		if (pfd[j].revents && sup_relay_read(&run->relays[k]) == -EAGAIN &&
		    run->relays[k].len)
			run->hold[k] = now_ms() + OUTPUT_HOLD_MS;
	}
	if (pfd[0].revents)
		read_signals(run);
}

static void wait_loop(struct run *run)
{
	bool workload = has_workload(run->t);

	for (;;) {
		reap(run);
		if (!any_alive(run, false) && !restart_pending(run))
			return;
		if (workload && !run->stopping && !any_alive(run, true)) {
			begin_stop(run, "every driver VM has exited");
			continue; /* it cancelled the restarts: maybe nothing is left */
		}
		if (restart_due(run))
			continue;
		if (run->stopping && !run->killed_all && now_ms() >= run->deadline) {
			pr_warn("VMs still run %u s after SIGTERM: sending SIGKILL",
				run->opts->stop_timeout);
			signal_all(run, SIGKILL);
			run->killed_all = true;
			continue;
		}
		wait_events(run, wait_ms(run));
	}
}

static int check_not_running(const char *path, const char *name)
{
	struct sup_state st;

	if (sup_state_read(path, &st) == 0 && sup_state_alive(&st) && st.supervisor != getpid()) {
		pr_err("topology '%s' already runs (supervisor pid %d); stop it first (kill %d)",
		       name, st.supervisor, st.supervisor);
		return -EBUSY;
	}
	return 0;
}

/* The vmms' output pipes must not be fds 0-2, where their dup2() would clash. */
static int ensure_stdio(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* open() takes the lowest free fd: this one. */
		if (open("/dev/null", O_RDWR) < 0)
			return -errno;
	}
	return 0;
}

/* --console-dir: DIR/<VM>.log per VM, truncated, before any VM starts. */
static int open_logs(struct run *run)
{
	const char *dir = run->opts->console_dir;
	const struct sv_topology *t = run->t;
	int ret;

	if (!dir)
		return 0;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		ret = -errno;
		pr_err("cannot create the console folder %s: %s", dir, strerror(-ret));
		return ret;
	}
	run->logs = malloc(t->nr_vms * sizeof(*run->logs));
	if (!run->logs) {
		pr_err("out of memory");
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < t->nr_vms; i++)
		run->logs[i] = -1;
	for (unsigned int i = 0; i < t->nr_vms; i++) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s.log", dir, t->vms[i].name);
		run->logs[i] =
			open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
		if (run->logs[i] < 0) {
			ret = -errno;
			pr_err("cannot create the console log %s: %s", path, strerror(-ret));
			return ret;
		}
	}
	pr_info("console output of each VM goes to %s/<VM name>.log", dir);
	return 0;
}

/* Everything of a run but the state file and the objects; logs its errors. */
static int run_setup(struct run *run, const sigset_t *signals)
{
	unsigned int nr = run->t->nr_vms;
	int ret = ensure_stdio();

	if (ret) {
		pr_err("cannot open /dev/null for a closed stdin, stdout or stderr: %s",
		       strerror(-ret));
		return ret;
	}
	run->relays = calloc(2 * nr, sizeof(*run->relays));
	for (unsigned int k = 0; run->relays && k < 2 * nr; k++)
		run->relays[k].in = -1; /* until the VM starts */
	run->hold = calloc(2 * nr, sizeof(*run->hold));
	run->vms = calloc(nr, sizeof(*run->vms));
	for (unsigned int i = 0; run->vms && i < nr; i++)
		run->vms[i].reboot_fd = -1;
	if (!run->vms || !run->relays || !run->hold) {
		pr_err("out of memory");
		return -ENOMEM;
	}
	ret = open_logs(run);
	if (ret)
		return ret;
	run->sigfd = signalfd(-1, signals, SFD_CLOEXEC | SFD_NONBLOCK);
	if (run->sigfd < 0) {
		ret = -errno;
		pr_err("signalfd: %s", strerror(-ret));
		return ret;
	}
	return 0;
}

static void run_teardown(struct run *run)
{
	/* What orphans of the vmms still hold open: its last line goes out. */
	for (unsigned int k = 0; run->relays && k < 2 * run->t->nr_vms; k++)
		sup_relay_close(&run->relays[k]);
	for (unsigned int i = 0; run->logs && i < run->t->nr_vms; i++) {
		if (run->logs[i] >= 0)
			close(run->logs[i]);
	}
	for (unsigned int i = 0; run->vms && i < run->t->nr_vms; i++) {
		if (run->vms[i].reboot_fd >= 0)
			close(run->vms[i].reboot_fd);
	}
	if (run->sigfd >= 0)
		close(run->sigfd);
	/* Every vmm is gone, so VFIO lets go of the functions. */
	sup_passthrough_give_back(&run->pt);
	free(run->logs);
	free(run->hold);
	free(run->relays);
	free(run->vms);
}

/* What each device VM sees of its driver VMs: a warning where it is all of the RAM. */
static void log_link_views(const struct sv_topology *t)
{
	char view[256];

	for (unsigned int i = 0; i < t->nr_links; i++) {
		if (sup_link_view(t, &t->links[i], view, sizeof(view)))
			pr_warn("link %u: %s", t->links[i].id, view);
		else
			pr_info("link %u: %s", t->links[i].id, view);
	}
}

int sup_run(const struct sv_topology *t, const struct sup_run_opts *opts)
{
	struct run run = { .t = t, .opts = opts, .sigfd = -1 };
	struct timespec now = { 0 };
	struct sup_objects objs;
	sigset_t set, blocked, old, pipe_only;
	int ret;

	ret = raise_fd_limit(t);
	if (ret)
		return 1;
	ret = sup_state_open(&run.state, opts->run_dir, t->name);
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
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	/* A closed stdout is an EPIPE for the relay (its VM's lines are lost), not our end. */
	sigemptyset(&pipe_only);
	sigaddset(&pipe_only, SIGPIPE);
	blocked = set;
	sigaddset(&blocked, SIGPIPE);
	sigprocmask(SIG_BLOCK, &blocked, &old);

	if (run_setup(&run, &set)) {
		run.status = 1;
	} else if (sup_sandbox_init(&run.sb, t, !opts->no_sandbox, opts->uid_base)) {
		run.status = 1;
	} else if ((ret = sup_objects_create(t, &objs))) {
		pr_err("cannot create the shared objects of topology '%s': %s", t->name,
		       strerror(-ret));
		run.status = 1;
	} else {
		pr_info("topology '%s': %u VMs, %u links, guest RAM %s", t->name, t->nr_vms,
			t->nr_links, objs.hugetlb ? "on hugetlb pages where reserved" : "on shmem");
		log_link_views(t);
		save_state(&run);
		run.objects = &objs;
		if (start_all(&run, &objs)) {
			run.status = 1;
			begin_stop(&run, "a vmm did not start");
		}
		wait_loop(&run);
		/* Kept until now: a VM that reboots is granted the same objects again. */
		sup_objects_close(&objs);
		sup_sandbox_close_fds(&run.sb);
	}
	sup_sandbox_fini(&run.sb);
	run_teardown(&run);
	sup_state_remove(&run.state);
	/* A SIGPIPE left pending would end us once unblocked. */
	while (sigtimedwait(&pipe_only, NULL, &now) == SIGPIPE)
		;
	sigprocmask(SIG_SETMASK, &old, NULL);
	pr_info("topology '%s' ended, exit status %d", t->name, run.status);
	return run.status;
}
