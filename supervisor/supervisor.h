/* SPDX-License-Identifier: GPL-2.0 */
/* The splitvirt supervisor's internal interfaces. */
#ifndef SUP_SUPERVISOR_H
#define SUP_SUPERVISOR_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include <splitvirt/topology.h>

#define SUP_IOBUF_SIZE (2u * 4096u)
#define SUP_DEFAULT_RUN_DIR "/run/splitvirt"
#define SUP_DEFAULT_STOP_TIMEOUT 10

/* The objects of one link, shared by the driver VM's and the device VM's vmm. */
struct sup_link_objs {
	int iobuf; /* memfd, SUP_IOBUF_SIZE bytes, RPC layout initialised */
	/*
	 * memfd, SV_STATE_AREA_SIZE bytes, zero-filled: the device side's
	 * saved state, granted to the device VM's vmm only; it outlives the
	 * device VM, so a restarted one takes the driver VM's devices over
	 */
	int state;
	/*
	 * memfd of sv_topo_link.dma_size bytes, zero-filled: the link's DMA
	 * window, mapped by both vmms in place of the driver VM's RAM on the
	 * device side; -1: none (the device VM gets the RAM memfd)
	 */
	int dma;
	int req; /* eventfd: driver vmm -> device VM (dataport MSI-X vector 0) */
	int resp; /* eventfd: device VM doorbell -> driver vmm */
	int *kick; /* nr_kicks eventfds */
	int *call; /* nr_calls eventfds */
	unsigned int nr_kicks, nr_calls;
};

/* Everything the supervisor creates for a topology; all fds are CLOEXEC. */
struct sup_objects {
	int *ram; /* per VM: guest-RAM memfd of a driver VM, else -1 */
	struct sup_link_objs *links;
	unsigned int nr_vms, nr_links;
	bool hugetlb; /* at least one RAM memfd is on hugetlbfs */
};

/* File descriptors needed for t, to size RLIMIT_NOFILE. */
unsigned int sup_objects_count(const struct sv_topology *t);
int sup_objects_create(const struct sv_topology *t, struct sup_objects *o);
void sup_objects_close(struct sup_objects *o);

struct sup_sandbox;

/* A NULL-terminated argv and the fds it names (the grants of one vmm). */
struct sup_vmm_cmd {
	char **argv;
	unsigned int argc, cap;
	int *fds;
	unsigned int nr_fds, fds_cap;
};

/* Appends "OPTION FD" and grants fd. */
int sup_vmm_cmd_add_fd(struct sup_vmm_cmd *cmd, const char *option, int fd);
/* Builds "vmm --name ..." for VM vm; see docs/topology.md. */
/*
 * With sb->drop, disks are the fds sb opened (--disk /dev/fd/N) and taps are
 * on their bridges already (no bridge=); sb may be NULL.
 */
int sup_vmm_cmd_build(const struct sv_topology *t, const struct sup_objects *o, unsigned int vm,
		      const char *vmm_path, const struct sup_sandbox *sb, struct sup_vmm_cmd *cmd);
void sup_vmm_cmd_free(struct sup_vmm_cmd *cmd);

/* The sandbox of the vmms (sandbox.c, docs/security.md). */
#define SUP_SANDBOX_MAX_TAPS (SV_TOPO_MAX_VMS * SV_TOPO_MAX_NETS)
#define SUP_DEFAULT_UID_BASE 200000u

struct sup_sandbox {
	bool ready; /* sup_sandbox_init ran: the fields below are set */
	bool on; /* default; off with --no-sandbox */
	bool drop; /* we are root: per-VM users, namespaces, our taps and disk fds */
	unsigned int uid_base; /* VM i runs as uid and gid uid_base + 1 + i */
	gid_t kvm_gid; /* may open /dev/kvm; every vmm's supplementary group */
	int disk_fds[SV_TOPO_MAX_VMS][SV_TOPO_MAX_DISKS]; /* opened for the vmm, or -1 */
	bool prepared
		[SV_TOPO_MAX_VMS]; /* disks and taps of VM i are ready (a reboot reuses them) */
	char taps[SUP_SANDBOX_MAX_TAPS][16]; /* taps we created, removed at the end */
	unsigned int nr_taps;
};

/* What the child does before exec (spawn.c). */
struct sup_spawn_sandbox {
	bool on; /* rlimits and no_new_privs; off: SPLITVIRT_SECCOMP=off for the vmm */
	bool drop; /* namespaces and the user below */
	uid_t uid;
	gid_t gid, kvm_gid;
	char hostname[SV_TOPO_NAME_MAX + 1]; /* in its own UTS namespace */
	unsigned long nofile, nproc; /* RLIMIT_NOFILE, RLIMIT_NPROC */
	unsigned long memlock; /* with drop: RLIMIT_MEMLOCK raised to at least this; 0: as ours */
};

/*
 * RLIMIT_MEMLOCK of a sandboxed vmm with passthrough beyond its guest RAM,
 * which VFIO pins for DMA: room for what the vmm locks besides.
 */
#define SUP_PASSTHROUGH_MEMLOCK_SLACK (64ul << 20)

/* Logs its errors. */
int sup_sandbox_init(struct sup_sandbox *sb, const struct sv_topology *t, bool on,
		     unsigned int uid_base);
uid_t sup_sandbox_uid(const struct sup_sandbox *sb, unsigned int vm);
/* Disks and taps of VM i for its user; logs its errors. */
int sup_sandbox_prepare_vm(struct sup_sandbox *sb, const struct sv_topology *t, unsigned int i);
void sup_sandbox_spawn_config(const struct sup_sandbox *sb, const struct sv_topology *t,
			      unsigned int i, unsigned int nr_fds, struct sup_spawn_sandbox *c);
/* Once the vmms hold their disks. */
void sup_sandbox_close_fds(struct sup_sandbox *sb);
/* At the end of the run: also removes the taps it created. */
void sup_sandbox_fini(struct sup_sandbox *sb);

/* A host PCI function given to a VM (passthrough.c). */
struct sup_pci_fn {
	char bdf[SV_PCI_BDF_SIZE];
	unsigned int vm;
	char driver[64]; /* its driver before the run, "" for none */
	char group[16]; /* its IOMMU group */
	/* What we changed, undone at the end of the run: */
	bool overridden; /* its driver_override says vfio-pci */
	bool bound; /* we bound it to vfio-pci */
	bool chowned; /* /dev/vfio/<group> given to the VM's user: owner below restored */
	uid_t group_uid;
	gid_t group_gid;
};

/* The PCI functions of a run's VMs: bound to vfio-pci once, kept there until the end. */
struct sup_passthrough {
	struct sup_pci_fn fns[SV_TOPO_MAX_VMS * SV_TOPO_MAX_PASSTHROUGH];
	unsigned int nr;
	bool taken[SV_TOPO_MAX_VMS]; /* VM i's functions are ready (a restart reuses them) */
};

/*
 * Before VM vm's vmm first starts: binds each of its PCI functions to
 * vfio-pci and, sandboxed (sb->drop), gives its VFIO group node to the VM's
 * user. Once per run: later calls for vm do nothing. Logs its errors.
 */
int sup_passthrough_take(struct sup_passthrough *pt, const struct sv_topology *t, unsigned int vm,
			 const struct sup_sandbox *sb);
/* At the end of the run, every vmm gone: each function back to the driver it had. */
void sup_passthrough_give_back(struct sup_passthrough *pt);

/* The stdio of a vmm. */
struct sup_spawn_stdio {
	bool keep_stdin; /* else /dev/null */
	int out, err; /* its stdout and stderr (fds above 2), or -1: the supervisor's */
};

/*
 * Starts argv[0] (searched in PATH) with only fds[] and stdio open, in the
 * sandbox sb (NULL: none). Returns 0 and *pid once the exec succeeded, or
 * the negative errno of the step that failed (*failed_step, for
 * sup_spawn_step_name()).
 */
int sup_spawn(char *const argv[], const int *fds, unsigned int nr_fds,
	      const struct sup_spawn_stdio *stdio, const struct sup_spawn_sandbox *sb, pid_t *pid,
	      int *failed_step);
const char *sup_spawn_step_name(int step);

/* The VM whose vmm keeps the terminal's stdin, or -1. */
int sup_stdin_owner(const struct sv_topology *t);

enum sup_vm_state {
	SUP_VM_PENDING, /* not started yet */
	SUP_VM_STARTING,
	SUP_VM_RUNNING,
	SUP_VM_EXITED, /* status in code */
	SUP_VM_KILLED, /* signal in code */
	SUP_VM_RESTARTING, /* its vmm failed; started again at restart_at */
};

struct sup_vm_run {
	pid_t pid;
	enum sup_vm_state state;
	int code;
	long long started; /* Unix time */
	long long started_ms; /* CLOCK_MONOTONIC, in ms: how long it ran before failing */
	int reboot_fd; /* eventfd the vmm signals on the guest's PSCI SYSTEM_RESET, or -1 */
	unsigned int reboots;
	unsigned int restarts; /* started again after a failure (device VMs) */
	unsigned int failures; /* in a row, each soon after its start (run.c) */
	long long restart_at; /* SUP_VM_RESTARTING: CLOCK_MONOTONIC, in ms */
	int wstatus; /* SUP_VM_RESTARTING: of the vmm that failed, for when it is not restarted */
};

/* Whether VM r's vmm runs (or is being started). */
static inline bool sup_vm_alive(const struct sup_vm_run *r)
{
	return r->state == SUP_VM_STARTING || r->state == SUP_VM_RUNNING;
}

/* Reboots in place a VM may ask for in one run before it is left stopped. */
#define SUP_MAX_REBOOTS 1000

/*
 * Device VM dev's vmm is gone (links.c): marks its device side of each of
 * its links gone and rings the driver's doorbell, so the driver VMs' vmms
 * fail their pending accesses at once and refuse new ones until a new
 * device side opens. vms says which driver VMs run (named in the log).
 * Returns 0 or the first negative errno (the other links are marked anyway).
 */
int sup_links_mark_gone(const struct sv_topology *t, const struct sup_objects *o,
			const struct sup_vm_run *vms, unsigned int dev);

/* The state file of a running topology (status reads it). */
struct sup_state_file {
	char *path;
	char *tmp;
};

int sup_state_open(struct sup_state_file *sf, const char *run_dir, const char *topo_name);
int sup_state_write(struct sup_state_file *sf, const struct sv_topology *t,
		    const struct sup_vm_run *vms);
void sup_state_remove(struct sup_state_file *sf);
const char *sup_run_dir(const char *option);

/*
 * The options every command takes, --log-level (getopt value 'L') and
 * --help ('h'), and unknown ones: SUP_OPT_NEXT to go on parsing, or the
 * exit status the command returns (usage printed as needed).
 */
#define SUP_OPT_NEXT (-1)
/* The getopt_long rows of those options, ending the command's table. */
#define SUP_COMMON_OPTIONS                                                                 \
	{ "log-level", required_argument, NULL, 'L' }, { "help", no_argument, NULL, 'h' }, \
	{                                                                                  \
		NULL, 0, NULL, 0                                                           \
	}
int sup_common_option(int opt, int (*usage)(FILE *out, int status));

/* A state file as read back by status (and by run, to refuse a second start). */
/* A VM's passthrough functions in the state file: "BDF,BDF...", at most 8. */
#define SUP_STATE_PCI_MAX 128
_Static_assert(SV_TOPO_MAX_PASSTHROUGH *SV_PCI_BDF_SIZE < SUP_STATE_PCI_MAX,
	       "every passthrough function fits in the state file's PCI field");

/* A VM's DMA windows in the state file: "BYTES,BYTES...", one per link (at most 32). */
#define SUP_STATE_DMA_MAX 704
_Static_assert(SV_TOPO_MAX_VMS * 21 < SUP_STATE_DMA_MAX,
	       "a window size per link fits in the state file's DMA field");

struct sup_state_vm {
	char name[SV_TOPO_NAME_MAX + 1];
	char role[16];
	int pid;
	char state[32];
	long long started;
	unsigned long long memory;
	char links[SV_TOPO_MAX_VMS * (SV_TOPO_NAME_MAX + 1) + 2];
	unsigned int restarts, reboots; /* 0 in a state file written before they were */
	char pci[SUP_STATE_PCI_MAX]; /* "-" or BDF,BDF (passthrough) */
	/*
	 * The DMA window of each link in links, in bytes; 0: its device VM
	 * sees all of the driver VM's RAM. nr_dma is -1 when the state file
	 * does not say (written before windows, or unreadable).
	 */
	unsigned long long dma[SV_TOPO_MAX_VMS];
	int nr_dma;
};

struct sup_state {
	int supervisor;
	long long started;
	char name[SV_TOPO_NAME_MAX + 1];
	char path[4096];
	struct sup_state_vm vms[SV_TOPO_MAX_VMS];
	unsigned int nr_vms;
};

/* Parses a state file; -EINVAL if it is not one. */
int sup_state_read(const char *path, struct sup_state *st);
/* Whether the supervisor that wrote st still runs. */
bool sup_state_alive(const struct sup_state *st);

struct sup_run_opts {
	const char *vmm_path;
	const char *run_dir;
	unsigned int stop_timeout; /* seconds between SIGTERM and SIGKILL */
	/* NULL: VM output on our stdout/stderr, "[name] " per line; else DIR/<name>.log */
	const char *console_dir;
	bool no_sandbox; /* --no-sandbox */
	unsigned int uid_base; /* --uid-base */
};

/* Runs the topology to the end; returns the exit status for the CLI. */
int sup_run(const struct sv_topology *t, const struct sup_run_opts *opts);

/* Commands: argc/argv start at the command name; return the exit status. */
int sup_cmd_check(int argc, char **argv);
int sup_cmd_run(int argc, char **argv);
int sup_cmd_status(int argc, char **argv);

/* Shared by check and run: loads and prints the diagnostics; NULL on failure. */
struct sv_topology *sup_load_and_report(const char *path, unsigned int flags);
void sup_print_summary(FILE *out, const struct sv_topology *t);
/*
 * What the device VM of link l sees of its driver VM, as text for check and
 * run ("device VM 'devvm' sees an 8 MiB DMA window of driver VM 'app'").
 * Returns true when it sees all of the driver VM's RAM (no window), which
 * is worth a warning.
 */
bool sup_link_view(const struct sv_topology *t, const struct sv_topo_link *l, char *buf,
		   size_t size);

#endif
