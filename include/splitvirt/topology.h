/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Topology files: which VMs exist, what each one runs, and which virtio
 * devices of a driver VM are served by which device VM. The supervisor turns
 * the resolved model into shared objects and vmm processes.
 *
 * Loading is two passes: parsing checks the YAML and the schema of every
 * entry; validation checks the VMs against each other, applies the limits
 * and resolves the links. Every problem becomes a diagnostic with the line
 * and column it was found at, so a user sees all of them at once.
 * See docs/topology.md for the file format.
 */
#ifndef SPLITVIRT_TOPOLOGY_H
#define SPLITVIRT_TOPOLOGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <splitvirt/device_type.h>
#include <splitvirt/host_pci.h>
#include <splitvirt/machine.h>

#define SV_TOPO_MAX_FILE_SIZE (1u << 20)
#define SV_TOPO_MAX_VMS 32
#define SV_TOPO_NAME_MAX 31 /* fits the dataport's 32-byte name register */
#define SV_TOPO_DEFAULT_CMDLINE "console=ttyAMA0"
#define SV_TOPO_MAX_DISKS 8 /* local, as the vmm's --disk */
#define SV_TOPO_MAX_NETS 4 /* local, as the vmm's --net */
#define SV_TOPO_MAX_DEVICES 64 /* remote devices of one driver VM */
#define SV_TOPO_DEFAULT_DOORBELLS 16
#define SV_TOPO_MAX_DOORBELLS 64 /* SV_DP_MAX_KICKS / SV_DP_MAX_CALLS */
#define SV_TOPO_CMDLINE_MAX 2047 /* arm64 COMMAND_LINE_SIZE minus the NUL */
#define SV_TOPO_MAX_PASSTHROUGH SV_VM_MAX_PASSTHROUGH

enum sv_topo_role {
	SV_TOPO_STANDALONE,
	SV_TOPO_DEVICE,
	SV_TOPO_DRIVER,
};

/* What the supervisor does when a device VM's vmm fails (a non-zero exit or a signal). */
enum sv_topo_restart {
	SV_TOPO_RESTART_NO, /* it stays stopped; its driver VMs' devices fail */
	SV_TOPO_RESTART_ON_FAILURE, /* started again after a back-off; device VMs' default */
};

/* A driver VM's `dma-window:` as the file gives it. */
enum sv_topo_dma_mode {
	SV_TOPO_DMA_AUTO, /* the default: a window if its kernel can use one */
	SV_TOPO_DMA_OFF, /* its device VMs see all of its RAM */
	SV_TOPO_DMA_SIZE, /* a window of sv_topo_vm.dma_window bytes */
};

/* Whether a kernel holds SV_KERNEL_DMA_WINDOW_MARKER (CONFIG_DMA_RESTRICTED_POOL). */
enum sv_topo_kernel_dma {
	/* not looked at: neither SV_TOPO_CHECK_FILES nor SV_TOPO_READ_KERNELS, or not here */
	SV_TOPO_KERNEL_DMA_UNKNOWN,
	SV_TOPO_KERNEL_DMA_NO,
	SV_TOPO_KERNEL_DMA_YES,
};

/* A local virtio-blk of a VM (vmm --disk PATH[,ro]). */
struct sv_topo_disk {
	char *path; /* host path, absolute after loading from a file */
	bool readonly;
	int line;
};

/* A local virtio-net of a VM (vmm --net tap=T[,mac=M][,bridge=B]). */
struct sv_topo_net {
	char *tap;
	char *mac; /* lower-case "xx:xx:xx:xx:xx:xx", or NULL: the vmm picks one */
	char *bridge; /* host bridge the vmm puts the tap on, or NULL */
	int line;
};

/* A host PCI function given to a VM through VFIO (vmm --passthrough BDF). */
struct sv_topo_pci {
	char bdf[SV_PCI_BDF_SIZE]; /* normalised: DDDD:BB:DD.F */
	int line;
};

/* A device of a driver VM served by a device VM. */
struct sv_topo_dev {
	enum sv_dev_type type; /* of the device table (device_type.h) */
	char *from; /* device VM name */
	char *backing; /* blk: path inside the device VM; fs: the shared directory there */
	bool readonly; /* blk */
	char *bridge; /* net: bridge inside the device VM */
	char *mac; /* net: lower-case; derived from the link if not given */
	char *tag; /* fs: what the driver VM mounts */
	enum sv_dev_backend backend; /* who serves it in the device VM */
	int line;
	int from_line;
	bool broken; /* had parse errors; only seen by validation of a partial model */
	/* Set by validation. */
	unsigned int device_vm; /* index into sv_topology.vms */
	unsigned int link; /* index into sv_topology.links */
};

struct sv_topo_vm {
	char *name;
	enum sv_topo_role role;
	bool role_unknown; /* role missing or invalid; only seen in a partial model */
	char *kernel; /* host paths, absolute after loading from a file */
	char *initrd; /* or NULL */
	char *cmdline;
	uint64_t memory;
	unsigned int cpus;
	struct sv_topo_disk *disks;
	unsigned int nr_disks;
	struct sv_topo_net *nets;
	unsigned int nr_nets;
	bool rng; /* local virtio-rng */
	bool console; /* local virtio-console on the vmm's stdio */
	struct sv_topo_pci *passthrough; /* device and standalone VMs only */
	unsigned int nr_passthrough;
	struct sv_topo_dev *devs; /* driver VMs only */
	unsigned int nr_devs;
	unsigned int kicks, calls; /* doorbells per link of a driver VM */
	enum sv_topo_restart restart; /* device VMs; always SV_TOPO_RESTART_NO for the others */
	/*
	 * Driver VMs: the bytes of the DMA window of each of its links, 0 for
	 * none (its device VMs then map all of its RAM). Parsing sets it for
	 * an explicit size; validation resolves SV_TOPO_DMA_AUTO from the
	 * kernel (kernel_dma), and leaves 0 when it could not look.
	 */
	uint64_t dma_window;
	enum sv_topo_dma_mode dma_mode;
	enum sv_topo_kernel_dma kernel_dma; /* set by validation, driver VMs only */
	int line, name_line, kernel_line, initrd_line, memory_line, cpus_line, dma_window_line;
};

/*
 * One (driver VM, device VM) pair. Links are numbered in topology order:
 * driver VMs in file order, and for each the device VMs in the order its
 * devices first name them.
 */
struct sv_topo_link {
	unsigned int id;
	unsigned int driver; /* index into sv_topology.vms */
	unsigned int device;
	unsigned int devs[SV_LINK_MAX_DEVICES]; /* indices into the driver's devs */
	unsigned int nr_devs;
	unsigned int nr_kicks, nr_calls;
	/*
	 * Set by validation: the driver VM's DMA window for this link, the
	 * only memory of it the device VM sees; dma_size 0 (and dma_gpa 0):
	 * none, the device VM sees all of its RAM. The window of the driver
	 * VM's k-th link (in links order, the order of its --link options)
	 * is at SV_GUEST_DMA_WINDOW_BASE + k * SV_GUEST_DMA_WINDOW_STRIDE.
	 */
	uint64_t dma_gpa, dma_size;
};

struct sv_topology {
	char *path; /* as given, or "<input>" */
	char *dir; /* folder relative paths are resolved against, or NULL */
	char *name; /* `name:` key, else the file name without extension */
	struct sv_topo_vm *vms;
	unsigned int nr_vms;
	struct sv_topo_link *links;
	unsigned int nr_links;
	int vms_line;
};

enum sv_topo_severity {
	SV_TOPO_ERROR,
	SV_TOPO_WARNING,
};

struct sv_topo_diag {
	enum sv_topo_severity severity;
	int line; /* 1-based; 0 when not tied to a place in the file */
	int column;
	char *msg;
};

/* Diagnostics of one load; at most SV_TOPO_MAX_DIAGS are kept, all are counted. */
#define SV_TOPO_MAX_DIAGS 100
struct sv_topo_diags {
	struct sv_topo_diag *v;
	unsigned int nr;
	unsigned int nr_errors;
	unsigned int nr_warnings;
	unsigned int dropped;
};

/* Flags for sv_topo_validate() and sv_topo_load(). */
/*
 * Kernel, initrd and disks must exist on this host, and each passthrough PCI
 * function too, in an IOMMU group (sysfs: sv_sysfs_root()). Driver VMs'
 * kernels are also read for SV_KERNEL_DMA_WINDOW_MARKER, which decides
 * `dma-window: auto`; without it (or SV_TOPO_READ_KERNELS) auto means no window.
 */
#define SV_TOPO_CHECK_FILES (1u << 0)
/*
 * Without SV_TOPO_CHECK_FILES: driver VMs' kernels that can be read here
 * are still read for the marker, to resolve `dma-window: auto`; one that
 * cannot is no error (auto then means no window). For `--no-file-check`,
 * whose paths may exist only where the VMs run: where they do (splitvirt
 * run inside the board), auto gets its window all the same.
 */
#define SV_TOPO_READ_KERNELS (1u << 1)

/*
 * Parses YAML text (len bytes, need not be NUL-terminated). path names the
 * input in the model and may be NULL. Relative host paths are resolved
 * against dir if it is not NULL. Returns 0 and *out, -EINVAL when a
 * diagnostic of severity error was added (*out is then NULL), -ENOMEM.
 */
int sv_topo_parse(const char *text, size_t len, const char *path, const char *dir,
		  struct sv_topology **out, struct sv_topo_diags *diags);

/*
 * Cross-checks the VMs, applies the limits, resolves the links and fills
 * sv_topo_dev.device_vm/link. Returns 0 (warnings may have been added),
 * -EINVAL on errors, -ENOMEM.
 */
int sv_topo_validate(struct sv_topology *topo, unsigned int flags, struct sv_topo_diags *diags);

/*
 * Parses and validates text as one check: when parsing finds errors in
 * readable YAML with VMs, the cross-checks (duplicates, references, links,
 * MACs, limits) still run on what could be parsed, so a user sees every
 * problem in one pass. Arguments as sv_topo_parse(), flags as
 * sv_topo_validate(). Returns 0 and *out, -EINVAL (*out NULL), -ENOMEM.
 */
int sv_topo_load_text(const char *text, size_t len, const char *path, const char *dir,
		      unsigned int flags, struct sv_topology **out, struct sv_topo_diags *diags);

/*
 * Reads the file at path and runs sv_topo_load_text() on it, with relative
 * paths resolved against the file's folder. Returns 0 and *out, or -EINVAL
 * (diagnostics say why; also for a path that is not a regular file, such as
 * a FIFO, refused without waiting for a writer), -ENOMEM, or the errno of
 * reading the file (nothing is added to diags for those: the caller reports
 * them).
 */
int sv_topo_load(const char *path, unsigned int flags, struct sv_topology **out,
		 struct sv_topo_diags *diags);

void sv_topo_free(struct sv_topology *topo);

/* Adds a diagnostic; line/column 1-based or 0. Returns -ENOMEM only. */
int sv_topo_diag_add(struct sv_topo_diags *diags, enum sv_topo_severity severity, int line,
		     int column, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void sv_topo_diags_free(struct sv_topo_diags *diags);

const char *sv_topo_role_name(enum sv_topo_role role);
/*
 * A remote device as the device table describes it (what sv.link carries):
 * 0, or -EINVAL for a field that does not fit.
 */
int sv_topo_dev_spec(const struct sv_topo_dev *dev, struct sv_dev_spec *spec);

/*
 * Whether the kernel image at path can bounce its DMA through a window: 1
 * if it holds SV_KERNEL_DMA_WINDOW_MARKER, 0 if not, or a negative errno
 * when it cannot be read (-EINVAL: not a regular file).
 */
int sv_topo_kernel_has_dma_window(const char *path);

/* The VM index of name, or -ENOENT. */
int sv_topo_find_vm(const struct sv_topology *topo, const char *name);

/*
 * Writes the device list of a link as given to the device VM's kernel:
 * "sv.link<ID>=DRIVER:blk=/dev/vda,net=br0/52:54:00:00:00:20,console,rng"
 * (format and writer: <splitvirt/link_spec.h>). Returns the length (like
 * snprintf) or a negative errno (-EINVAL: not writable; validation
 * prevents it).
 */
int sv_topo_link_param(const struct sv_topology *topo, const struct sv_topo_link *link, char *buf,
		       size_t size);

/*
 * The full kernel command line of a VM: its cmdline, and for a device VM one
 * sv.link parameter per link it serves (and panic=1 unless its cmdline sets
 * panic= or it has restart: no, so a dead kernel reboots and is restarted);
 * for a driver VM with DMA windows swiotlb=noforce unless it sets swiotlb=
 * (no default bounce buffer: the windows are its pools).
 * Same return convention.
 */
int sv_topo_vm_cmdline(const struct sv_topology *topo, unsigned int vm, char *buf, size_t size);

#endif
