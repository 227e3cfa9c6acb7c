// SPDX-License-Identifier: GPL-2.0
/* Cross-checks of a parsed topology, limits, and link resolution. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <splitvirt/topology.h>

#include "parse_util.h"

/*
 * A partial model (parse errors, see topo_parse_partial()) is checked too,
 * so a user sees every problem at once. Its holes are skipped, never
 * reported again: VMs without a name, roles that did not parse
 * (role_unknown), devices with errors (broken), missing paths.
 */
struct checker {
	struct sv_topology *t;
	struct sv_topo_diags *d;
	unsigned int flags;
	int nomem;
};

#define ERR(c, line, ...)                                                            \
	do {                                                                         \
		if (sv_topo_diag_add((c)->d, SV_TOPO_ERROR, (line), 0, __VA_ARGS__)) \
			(c)->nomem = 1;                                              \
	} while (0)
#define WARN(c, line, ...)                                                             \
	do {                                                                           \
		if (sv_topo_diag_add((c)->d, SV_TOPO_WARNING, (line), 0, __VA_ARGS__)) \
			(c)->nomem = 1;                                                \
	} while (0)

/* Whether the file can be read; reports it if not. */
static bool check_file(struct checker *c, const char *what, const char *path, int line,
		       const char *vm)
{
	if (!path || access(path, R_OK) == 0)
		return true;
	ERR(c, line,
	    "%s of VM '%s': cannot read '%s': %s; fix the path (relative paths start at the topology's folder) or skip this check with --no-file-check where the files exist only inside the board",
	    what, vm, path, strerror(errno));
	return false;
}

/* Bytes read at a time when looking for the marker in a kernel image. */
#define KERNEL_SCAN_CHUNK (64u * 1024u)

int sv_topo_kernel_has_dma_window(const char *path)
{
	static const char marker[] = SV_KERNEL_DMA_WINDOW_MARKER;
	const size_t len = sizeof(marker) - 1;
	/* What may be the start of a marker cut by the end of a chunk. */
	const size_t keep = len - 1;
	size_t have = 0;
	struct stat st;
	char *buf;
	int fd, ret = 0;

	/*
	 * Only a regular file: a FIFO would hang the check (hence O_NONBLOCK
	 * until fstat says what it is), /dev/zero would never end.
	 */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		ret = -errno;
	else if (!S_ISREG(st.st_mode))
		ret = -EINVAL;
	if (ret) {
		close(fd);
		return ret;
	}
	buf = malloc(KERNEL_SCAN_CHUNK + keep);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t n = read(fd, buf + have, KERNEL_SCAN_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		if (memmem(buf, have, marker, len)) {
			ret = 1;
			break;
		}
		if (have > keep) {
			memmove(buf, buf + have - keep, keep);
			have = keep;
		}
	}
	free(buf);
	close(fd);
	return ret;
}

/*
 * A driver VM's window is only useful if its kernel bounces its virtio DMA
 * through it (a restricted-dma-pool); without that the guest puts buffers
 * anywhere in its RAM, which its device VMs then cannot reach. So auto
 * takes a window only for a kernel known to have the support, and an
 * explicit size for a kernel known to lack it is worth a warning.
 */
static void resolve_dma_window(struct checker *c, struct sv_topo_vm *vm, bool kernel_checked)
{
	bool check = c->flags & SV_TOPO_CHECK_FILES;
	bool look;
	int ret;

	vm->kernel_dma = SV_TOPO_KERNEL_DMA_UNKNOWN;
	if (vm->role != SV_TOPO_DRIVER || vm->role_unknown) {
		vm->dma_window = 0;
		return;
	}
	/* Without the file checks, a kernel that is not here is no error: auto is then off. */
	if (check)
		look = kernel_checked;
	else
		look = (c->flags & SV_TOPO_READ_KERNELS) && vm->kernel &&
		       access(vm->kernel, R_OK) == 0;
	if (look && vm->kernel) {
		ret = sv_topo_kernel_has_dma_window(vm->kernel);
		if (ret < 0 && check)
			ERR(c, vm->kernel_line,
			    "kernel of VM '%s': cannot read '%s' to see whether it can use a DMA window: %s",
			    vm->name, vm->kernel,
			    ret == -EINVAL ? "not a regular file" : strerror(-ret));
		else if (ret >= 0)
			vm->kernel_dma = ret ? SV_TOPO_KERNEL_DMA_YES : SV_TOPO_KERNEL_DMA_NO;
	}
	switch (vm->dma_mode) {
	case SV_TOPO_DMA_AUTO:
		vm->dma_window =
			vm->kernel_dma == SV_TOPO_KERNEL_DMA_YES ? SV_GUEST_DEFAULT_DMA_WINDOW : 0;
		break;
	case SV_TOPO_DMA_OFF:
		vm->dma_window = 0;
		break;
	case SV_TOPO_DMA_SIZE:
		if (vm->kernel_dma == SV_TOPO_KERNEL_DMA_NO)
			WARN(c, vm->dma_window_line,
			     "dma-window of VM '%s': its kernel '%s' has no " SV_KERNEL_DMA_WINDOW_MARKER
			     " support, so the devices it gets from its device VMs will not work: a driver VM with a DMA window needs a kernel with CONFIG_DMA_RESTRICTED_POOL (build ours with `make kernel`), or set dma-window: off",
			     vm->name, vm->kernel);
		break;
	}
}

/* What VFIO needs of the host for each PCI function: it exists and an IOMMU covers it. */
static void check_host_pci(struct checker *c, const struct sv_topo_vm *vm)
{
	for (unsigned int j = 0; j < vm->nr_passthrough; j++) {
		const struct sv_topo_pci *pci = &vm->passthrough[j];
		int ret = sv_host_pci_check(pci->bdf);

		if (ret)
			ERR(c, pci->line,
			    "passthrough of VM '%s': %s: %s; or skip this check with --no-file-check where the device exists only on another host",
			    vm->name, pci->bdf, sv_host_pci_strerror(ret));
	}
}

static void check_vm(struct checker *c, unsigned int i)
{
	struct sv_topo_vm *vm = &c->t->vms[i];
	int line = vm->memory_line ? vm->memory_line : vm->line;
	unsigned long long mib = (unsigned long long)(vm->memory >> 20);
	bool kernel_ok = false;

	/* Unnamed: already an error, and every message below names the VM. */
	if (!vm->name)
		return;
	for (unsigned int j = 0; j < i; j++) {
		if (c->t->vms[j].name && !strcmp(c->t->vms[j].name, vm->name))
			ERR(c, vm->name_line,
			    "VM name '%s' is already used at line %d; give each VM its own name",
			    vm->name, c->t->vms[j].name_line);
	}
	if (vm->memory % SV_GUEST_MEM_ALIGN)
		ERR(c, line,
		    "memory of VM '%s' is not a multiple of 2M (guest RAM uses 2 MiB pages); use e.g. %lluM",
		    vm->name, (mib + 1) & ~1ull);
	if (vm->memory < SV_GUEST_MIN_MEM || vm->memory > SV_GUEST_MAX_MEM)
		ERR(c, line, "memory of VM '%s' is out of range; give between 32M and 16G",
		    vm->name);
	else if (vm->initrd && vm->memory < SV_GUEST_MIN_MEM_INITRD)
		ERR(c, line,
		    "memory of VM '%s' is %lluM, too small for a kernel with an initrd; give at least 64M",
		    vm->name, mib);
	if (vm->role == SV_TOPO_DRIVER && vm->nr_devs == 0 && !(c->flags & TOPO_VALIDATE_PARTIAL))
		WARN(c, vm->line,
		     "driver VM '%s' has no devices from a device VM; list them under 'devices:' or make it role: standalone",
		     vm->name);
	if (c->flags & SV_TOPO_CHECK_FILES)
		kernel_ok = check_file(c, "kernel", vm->kernel, vm->kernel_line, vm->name);
	resolve_dma_window(c, vm, kernel_ok);
	if (c->flags & SV_TOPO_CHECK_FILES) {
		if (vm->initrd)
			check_file(c, "initrd", vm->initrd, vm->initrd_line, vm->name);
		for (unsigned int j = 0; j < vm->nr_disks; j++)
			check_file(c, "disk", vm->disks[j].path, vm->disks[j].line, vm->name);
		check_host_pci(c, vm);
	}
}

/* Resolves 'from' of every device of a driver VM; false if any is wrong. */
static void resolve_from(struct checker *c, unsigned int i)
{
	struct sv_topo_vm *vm = &c->t->vms[i];

	for (unsigned int j = 0; j < vm->nr_devs; j++) {
		struct sv_topo_dev *dev = &vm->devs[j];
		int line = dev->from_line ? dev->from_line : dev->line;
		int dv;

		dev->device_vm = (unsigned int)-1;
		if (dev->broken || !vm->name)
			continue;
		dv = sv_topo_find_vm(c->t, dev->from);
		if (dv < 0) {
			ERR(c, line,
			    "device of VM '%s' comes from '%s', but no VM has that name; name a VM with role: device",
			    vm->name, dev->from);
		} else if ((unsigned int)dv == i) {
			ERR(c, line,
			    "driver VM '%s' names itself in 'from'; a device must come from a device VM",
			    vm->name);
		} else if (c->t->vms[dv].role_unknown) {
			continue; /* its role is already an error */
		} else if (c->t->vms[dv].role != SV_TOPO_DEVICE) {
			ERR(c, line,
			    "device of VM '%s' comes from '%s', whose role is %s; only VMs with role: device serve devices",
			    vm->name, dev->from, sv_topo_role_name(c->t->vms[dv].role));
		} else {
			dev->device_vm = (unsigned int)dv;
		}
	}
}

/* Whether the VM also has a local device of type (its own keys: disks, nets, console, rng). */
static bool has_local(const struct sv_topo_vm *vm, enum sv_dev_type type)
{
	switch (type) {
	case SV_DEV_BLK:
		return vm->nr_disks;
	case SV_DEV_NET:
		return vm->nr_nets;
	case SV_DEV_CONSOLE:
		return vm->console;
	case SV_DEV_RNG:
		return vm->rng;
	default:
		return false;
	}
}

/* Two remote devices the device table's rules (sv_dev_desc.flags) say are one too many. */
static void check_pair(struct checker *c, const struct sv_topo_vm *vm,
		       const struct sv_topo_dev *prev, const struct sv_topo_dev *dev)
{
	const struct sv_dev_desc *desc = sv_dev_desc(dev->type);

	if (prev->broken || prev->type != dev->type)
		return;
	if (desc->flags & SV_DEV_F_ONE_PER_VM)
		ERR(c, dev->line, "VM '%s' has a second %s (first at line %d); keep one %s",
		    vm->name, desc->name, prev->line, desc->name);
	else if ((desc->flags & SV_DEV_F_ONE_TAG) && prev->tag && dev->tag &&
		 !strcmp(prev->tag, dev->tag))
		ERR(c, dev->line,
		    "VM '%s' already has a %s tagged '%s' (line %d); give each its own tag",
		    vm->name, desc->name, dev->tag, prev->line);
	else if (strcmp(prev->from, dev->from))
		return;
	else if ((desc->flags & SV_DEV_F_UNIQUE_PATH) && !strcmp(prev->backing, dev->backing))
		ERR(c, dev->line,
		    "VM '%s' already gets %s %s from '%s' (line %d); remove the duplicate",
		    vm->name, desc->name, dev->backing, dev->from, prev->line);
	else if (desc->flags & SV_DEV_F_ONE_PER_LINK)
		ERR(c, dev->line,
		    "VM '%s' already gets an %s from '%s' (line %d); remove the duplicate",
		    vm->name, desc->name, dev->from, prev->line);
}

static void check_duplicates(struct checker *c, struct sv_topo_vm *vm)
{
	for (unsigned int j = 0; j < vm->nr_devs; j++) {
		struct sv_topo_dev *dev = &vm->devs[j];
		const struct sv_dev_desc *desc = sv_dev_desc(dev->type);
		unsigned int first = 0;

		if (dev->broken || !vm->name)
			continue;
		if ((desc->flags & SV_DEV_F_ONE_PER_VM) && has_local(vm, dev->type))
			ERR(c, dev->line,
			    "VM '%s' gets a %s from '%s' and has a local one ('%s: true'); keep one %s",
			    vm->name, desc->name, dev->from, desc->name, desc->name);
		/* One report per device: against the first earlier one it clashes with. */
		for (unsigned int k = 0; k < j && !first; k++) {
			unsigned int before = c->d->nr_errors;

			check_pair(c, vm, &vm->devs[k], dev);
			first = c->d->nr_errors != before;
		}
	}
}

static struct sv_topo_link *find_link(struct sv_topology *t, unsigned int drv, unsigned int dev)
{
	for (unsigned int i = 0; i < t->nr_links; i++) {
		if (t->links[i].driver == drv && t->links[i].device == dev)
			return &t->links[i];
	}
	return NULL;
}

static unsigned int count_links(struct sv_topology *t, unsigned int vm, bool device_side)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < t->nr_links; i++)
		n += (device_side ? t->links[i].device : t->links[i].driver) == vm;
	return n;
}

static void add_to_link(struct checker *c, unsigned int drv, unsigned int j)
{
	struct sv_topology *t = c->t;
	struct sv_topo_vm *vm = &t->vms[drv];
	struct sv_topo_dev *dev = &vm->devs[j];
	struct sv_topo_link *link = find_link(t, drv, dev->device_vm);

	if (!link) {
		if (count_links(t, dev->device_vm, true) == SV_VM_MAX_LINKS) {
			ERR(c, dev->line,
			    "device VM '%s' already serves %d driver VMs, the limit; serve VM '%s' from another device VM",
			    dev->from, SV_VM_MAX_LINKS, vm->name);
			return;
		}
		if (count_links(t, drv, false) == SV_VM_MAX_LINKS) {
			ERR(c, dev->line,
			    "VM '%s' already uses %d device VMs, the limit; take this device from one of them",
			    vm->name, SV_VM_MAX_LINKS);
			return;
		}
		link = &t->links[t->nr_links];
		memset(link, 0, sizeof(*link));
		link->id = t->nr_links++;
		link->driver = drv;
		link->device = dev->device_vm;
		link->nr_kicks = vm->kicks;
		link->nr_calls = vm->calls;
	}
	if (link->nr_devs == SV_LINK_MAX_DEVICES) {
		ERR(c, dev->line,
		    "VM '%s' already gets %d devices from '%s', the limit per link; move this one to another device VM",
		    vm->name, SV_LINK_MAX_DEVICES, dev->from);
		return;
	}
	dev->link = link->id;
	link->devs[link->nr_devs++] = j;
}

static void build_links(struct checker *c)
{
	struct sv_topology *t = c->t;

	free(t->links);
	t->nr_links = 0;
	t->links = calloc((size_t)t->nr_vms * SV_VM_MAX_LINKS + 1, sizeof(*t->links));
	if (!t->links) {
		c->nomem = 1;
		return;
	}
	for (unsigned int i = 0; i < t->nr_vms; i++) {
		for (unsigned int j = 0; j < t->vms[i].nr_devs; j++) {
			if (t->vms[i].devs[j].device_vm != (unsigned int)-1)
				add_to_link(c, i, j);
		}
	}
	/* In a partial model, its drivers' devices may be the ones that failed. */
	if (c->flags & TOPO_VALIDATE_PARTIAL)
		return;
	for (unsigned int i = 0; i < t->nr_vms; i++) {
		if (t->vms[i].role == SV_TOPO_DEVICE && !count_links(t, i, true))
			WARN(c, t->vms[i].line,
			     "device VM '%s' serves no driver VM; add devices with from: %s or remove it",
			     t->vms[i].name, t->vms[i].name);
	}
}

/*
 * Each link of a driver VM gets its own window, the k-th (in links order,
 * the order of its --link options) at SV_GUEST_DMA_WINDOW_BASE + k *
 * stride: one address per link in the model, so the driver side (its
 * memory slot and device tree) and the device side (the dataport) are
 * handed the same one.
 */
static void place_dma_windows(struct sv_topology *t)
{
	for (unsigned int i = 0; i < t->nr_links; i++) {
		struct sv_topo_link *l = &t->links[i];
		unsigned int k = 0;

		for (unsigned int j = 0; j < i; j++)
			k += t->links[j].driver == l->driver;
		l->dma_size = t->vms[l->driver].dma_window;
		l->dma_gpa =
			l->dma_size ? SV_GUEST_DMA_WINDOW_BASE + k * SV_GUEST_DMA_WINDOW_STRIDE : 0;
	}
}

/* Gives remote NICs without a MAC a stable one: 52:54:00:a5:<link>:<index>. */
static void derive_macs(struct checker *c)
{
	struct sv_topology *t = c->t;

	for (unsigned int l = 0; l < t->nr_links; l++) {
		struct sv_topo_link *link = &t->links[l];

		for (unsigned int i = 0; i < link->nr_devs; i++) {
			struct sv_topo_dev *dev = &t->vms[link->driver].devs[link->devs[i]];

			if (dev->type != SV_DEV_NET || dev->mac)
				continue;
			if (asprintf(&dev->mac, "52:54:00:a5:%02x:%02x", link->id, i) < 0) {
				dev->mac = NULL;
				c->nomem = 1;
			}
		}
	}
}

struct mac_use {
	const char *mac;
	const char *vm;
	int line;
};

static void check_macs(struct checker *c)
{
	struct sv_topology *t = c->t;
	struct mac_use *seen;
	unsigned int n = 0, cap = 0;

	for (unsigned int i = 0; i < t->nr_vms; i++)
		cap += t->vms[i].nr_nets + t->vms[i].nr_devs;
	seen = calloc(cap + 1, sizeof(*seen));
	if (!seen) {
		c->nomem = 1;
		return;
	}
	for (unsigned int i = 0; i < t->nr_vms; i++) {
		struct sv_topo_vm *vm = &t->vms[i];
		unsigned int total = vm->nr_nets + vm->nr_devs;

		for (unsigned int j = 0; j < total; j++) {
			bool local = j < vm->nr_nets;
			const char *mac = local ? vm->nets[j].mac : vm->devs[j - vm->nr_nets].mac;
			int line = local ? vm->nets[j].line : vm->devs[j - vm->nr_nets].line;

			if (!mac || !vm->name ||
			    (!local && (vm->devs[j - vm->nr_nets].type != SV_DEV_NET ||
					vm->devs[j - vm->nr_nets].broken)))
				continue;
			for (unsigned int k = 0; k < n; k++) {
				if (!strcmp(seen[k].mac, mac))
					ERR(c, line,
					    "MAC %s of VM '%s' is already used by VM '%s' (line %d); give each NIC its own MAC",
					    mac, vm->name, seen[k].vm, seen[k].line);
			}
			seen[n++] = (struct mac_use){ .mac = mac, .vm = vm->name, .line = line };
		}
	}
	free(seen);
}

/* The earlier use of PCI function bdf than VM vm's entry j, or NULL; *owner gets its VM. */
static const struct sv_topo_pci *earlier_pci(const struct sv_topology *t, unsigned int vm,
					     unsigned int j, const char *bdf, unsigned int *owner)
{
	for (unsigned int i = 0; i <= vm; i++) {
		unsigned int end = i == vm ? j : t->vms[i].nr_passthrough;

		for (unsigned int k = 0; k < end && t->vms[i].name; k++) {
			if (!strcmp(t->vms[i].passthrough[k].bdf, bdf)) {
				*owner = i;
				return &t->vms[i].passthrough[k];
			}
		}
	}
	return NULL;
}

/* A PCI function goes to one VM, once: VFIO gives its group to one vmm. */
static void check_pci_twice(struct checker *c)
{
	const struct sv_topology *t = c->t;

	for (unsigned int i = 0; i < t->nr_vms; i++) {
		const struct sv_topo_vm *vm = &t->vms[i];

		for (unsigned int j = 0; j < vm->nr_passthrough && vm->name; j++) {
			const struct sv_topo_pci *pci = &vm->passthrough[j];
			unsigned int owner;
			const struct sv_topo_pci *first = earlier_pci(t, i, j, pci->bdf, &owner);

			if (first && owner == i)
				ERR(c, pci->line,
				    "passthrough of VM '%s' lists %s twice (first at line %d); remove one",
				    vm->name, pci->bdf, first->line);
			else if (first)
				ERR(c, pci->line,
				    "passthrough of VM '%s': %s is already given to VM '%s' (line %d); a PCI function can go to one VM only",
				    vm->name, pci->bdf, t->vms[owner].name, first->line);
		}
	}
}

static void check_cmdlines(struct checker *c)
{
	for (unsigned int i = 0; i < c->t->nr_vms; i++) {
		int len;

		if (!c->t->vms[i].name || !c->t->vms[i].cmdline)
			continue;
		len = sv_topo_vm_cmdline(c->t, i, NULL, 0);

		/* Parsing already applied the parameter's rules: a bug if it fires. */
		if (len < 0)
			ERR(c, c->t->vms[i].line,
			    "the sv.link parameters of VM '%s' cannot be written: %s",
			    c->t->vms[i].name, strerror(-len));
		else if (len > SV_TOPO_CMDLINE_MAX)
			ERR(c, c->t->vms[i].line,
			    "the kernel command line of VM '%s' would be %d bytes with its sv.link parameters; the limit is %d: shorten cmdline or backing paths",
			    c->t->vms[i].name, len, SV_TOPO_CMDLINE_MAX);
	}
}

int sv_topo_validate(struct sv_topology *topo, unsigned int flags, struct sv_topo_diags *diags)
{
	struct checker c = { .t = topo, .d = diags, .flags = flags };
	unsigned int errors = diags->nr_errors;

	if (!topo->nr_vms)
		ERR(&c, topo->vms_line ? topo->vms_line : 1,
		    "no VMs; list at least one under 'vms:' (see docs/topology.md)");
	for (unsigned int i = 0; i < topo->nr_vms; i++)
		check_vm(&c, i);
	check_pci_twice(&c);
	for (unsigned int i = 0; i < topo->nr_vms; i++) {
		resolve_from(&c, i);
		check_duplicates(&c, &topo->vms[i]);
	}
	build_links(&c);
	if (!c.nomem) {
		place_dma_windows(topo);
		derive_macs(&c);
		check_macs(&c);
		check_cmdlines(&c);
	}
	if (c.nomem)
		return -ENOMEM;
	return diags->nr_errors != errors ? -EINVAL : 0;
}
