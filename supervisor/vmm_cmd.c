// SPDX-License-Identifier: GPL-2.0
/*
 * The command line of one vmm: its VM's settings, and the fds of the
 * objects the topology grants it. The fd numbers in the argv are the
 * supervisor's own (children inherit them unchanged), and every fd named
 * there is recorded as a grant, so what the argv says and what the process
 * holds cannot drift apart.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <splitvirt/link_args.h>

#include "supervisor.h"

static int push(struct sup_vmm_cmd *cmd, char *arg)
{
	if (!arg)
		return -ENOMEM;
	if (cmd->argc + 2 > cmd->cap) {
		unsigned int cap = cmd->cap ? cmd->cap * 2 : 32;
		char **v = realloc(cmd->argv, cap * sizeof(*v));

		if (!v) {
			free(arg);
			return -ENOMEM;
		}
		cmd->argv = v;
		cmd->cap = cap;
	}
	cmd->argv[cmd->argc++] = arg;
	cmd->argv[cmd->argc] = NULL;
	return 0;
}

static int pushf(struct sup_vmm_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int pushf(struct sup_vmm_cmd *cmd, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return push(cmd, n < 0 ? NULL : s);
}

static int grant(struct sup_vmm_cmd *cmd, int fd)
{
	if (cmd->nr_fds == cmd->fds_cap) {
		unsigned int cap = cmd->fds_cap ? cmd->fds_cap * 2 : 64;
		int *v = realloc(cmd->fds, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		cmd->fds = v;
		cmd->fds_cap = cap;
	}
	cmd->fds[cmd->nr_fds++] = fd;
	return 0;
}

static int grant_all(struct sup_vmm_cmd *cmd, const int *fds, unsigned int n)
{
	int ret = 0;

	for (unsigned int i = 0; i < n && !ret; i++)
		ret = grant(cmd, fds[i]);
	return ret;
}

int sup_vmm_cmd_add_fd(struct sup_vmm_cmd *cmd, const char *option, int fd)
{
	return push(cmd, strdup(option)) ?: pushf(cmd, "%d", fd) ?: grant(cmd, fd);
}

/* The doorbell lists of the argument are fixed arrays; the topology caps them. */
_Static_assert(SV_TOPO_MAX_DOORBELLS <= SV_LINK_ARGS_MAX_FDS, "doorbells per link");
_Static_assert(SV_TOPO_NAME_MAX <= SV_LINK_ARGS_PEER_MAX, "peer names");

/*
 * What the device side of link l maps of the driver VM: its DMA window if
 * the link has one, so nothing else of the driver VM's memory reaches the
 * device VM's vmm (not even as an fd), else all of its RAM.
 */
static void set_device_view(struct sv_link_args *a, const struct sv_topology *t,
			    const struct sup_objects *o, const struct sv_topo_link *l)
{
	if (l->dma_size) {
		a->ram_fd = o->links[l->id].dma;
		a->ram_gpa = l->dma_gpa;
		a->ram_size = l->dma_size;
		a->ram_window = true;
		return;
	}
	a->ram_fd = o->ram[l->driver];
	a->ram_gpa = SV_GUEST_RAM_BASE;
	a->ram_size = t->vms[l->driver].memory;
}

/* --link (driver side) or --serve (device side) for link l. */
static int push_link(struct sup_vmm_cmd *cmd, const struct sv_topology *t,
		     const struct sup_objects *o, const struct sv_topo_link *l,
		     enum sv_link_side side)
{
	const struct sup_link_objs *lo = &o->links[l->id];
	bool serve = side == SV_LINK_DEVICE_SIDE;
	struct sv_link_args a = {
		.id = l->id,
		.iobuf_fd = lo->iobuf,
		.req_fd = lo->req,
		.resp_fd = lo->resp,
		.nkicks = lo->nr_kicks,
		.ncalls = lo->nr_calls,
		.ram_fd = -1,
		/* What the device side saved is none of the driver VM's business. */
		.state_fd = serve ? lo->state : -1,
		.dma_fd = serve || !l->dma_size ? -1 : lo->dma,
		.dma_gpa = serve ? 0 : l->dma_gpa,
		.dma_size = serve ? 0 : l->dma_size,
	};
	char text[SV_LINK_ARGS_TEXT_MAX];
	int ret;

	if (lo->nr_kicks > SV_LINK_ARGS_MAX_FDS || lo->nr_calls > SV_LINK_ARGS_MAX_FDS)
		return -E2BIG;
	for (unsigned int i = 0; i < lo->nr_kicks; i++)
		a.kick_fds[i] = lo->kick[i];
	for (unsigned int i = 0; i < lo->nr_calls; i++)
		a.call_fds[i] = lo->call[i];
	if (serve)
		set_device_view(&a, t, o, l);
	snprintf(a.peer, sizeof(a.peer), "%s", t->vms[serve ? l->driver : l->device].name);
	ret = sv_link_args_format(&a, side, text, sizeof(text));
	if (ret < 0)
		return ret;
	ret = grant_all(cmd, a.kick_fds, a.nkicks);
	ret = ret ?: grant_all(cmd, a.call_fds, a.ncalls);
	ret = ret ?: grant(cmd, a.iobuf_fd);
	ret = ret ?: grant(cmd, a.req_fd);
	ret = ret ?: grant(cmd, a.resp_fd);
	if (serve) {
		ret = ret ?: grant(cmd, a.ram_fd);
		ret = ret ?: grant(cmd, a.state_fd);
	} else if (a.dma_size) {
		ret = ret ?: grant(cmd, a.dma_fd);
	}
	ret = ret ?: push(cmd, strdup(sv_link_side_option(side)));
	return ret ?: push(cmd, strdup(text));
}

static int push_vm(struct sup_vmm_cmd *cmd, const struct sv_topology *t, unsigned int i,
		   const struct sup_sandbox *sb)
{
	/* Sandboxed: the vmm's user may not open the image nor touch the bridge. */
	bool prepared = sb && sb->drop;
	const struct sv_topo_vm *vm = &t->vms[i];
	int len = sv_topo_vm_cmdline(t, i, NULL, 0);
	char *cmdline;
	int ret;

	if (len < 0)
		return len;
	cmdline = malloc((size_t)len + 1);
	if (!cmdline)
		return -ENOMEM;
	sv_topo_vm_cmdline(t, i, cmdline, (size_t)len + 1);
	ret = push(cmd, strdup("--name"));
	ret = ret ?: push(cmd, strdup(vm->name));
	ret = ret ?: push(cmd, strdup("--kernel"));
	ret = ret ?: push(cmd, strdup(vm->kernel));
	if (vm->initrd) {
		ret = ret ?: push(cmd, strdup("--initrd"));
		ret = ret ?: push(cmd, strdup(vm->initrd));
	}
	ret = ret ?: push(cmd, strdup("--cmdline"));
	if (ret) {
		free(cmdline);
		return ret;
	}
	ret = push(cmd, cmdline);
	ret = ret ?: push(cmd, strdup("--mem"));
	ret = ret ?: pushf(cmd, "%lluM", (unsigned long long)(vm->memory >> 20));
	ret = ret ?: push(cmd, strdup("--cpus"));
	ret = ret ?: pushf(cmd, "%u", vm->cpus);
	for (unsigned int d = 0; d < vm->nr_disks; d++) {
		ret = ret ?: push(cmd, strdup("--disk"));
		if (prepared) {
			ret = ret ?: grant(cmd, sb->disk_fds[i][d]);
			ret = ret   ?:
				      pushf(cmd, "/dev/fd/%d%s", sb->disk_fds[i][d],
					    vm->disks[d].readonly ? ",ro" : "");
			continue;
		}
		ret = ret   ?:
			      pushf(cmd, "%s%s", vm->disks[d].path,
				    vm->disks[d].readonly ? ",ro" : "");
	}
	for (unsigned int n = 0; n < vm->nr_nets; n++) {
		ret = ret ?: push(cmd, strdup("--net"));
		ret = ret   ?:
			      pushf(cmd, "tap=%s%s%s%s%s", vm->nets[n].tap,
				    vm->nets[n].mac ? ",mac=" : "",
				    vm->nets[n].mac ? vm->nets[n].mac : "",
				    vm->nets[n].bridge && !prepared ? ",bridge=" : "",
				    vm->nets[n].bridge && !prepared ? vm->nets[n].bridge : "");
	}
	if (vm->rng)
		ret = ret ?: push(cmd, strdup("--rng"));
	if (vm->console)
		ret = ret ?: push(cmd, strdup("--console"));
	/* Bound to vfio-pci by then (passthrough.c); the vmm opens them through VFIO. */
	for (unsigned int p = 0; p < vm->nr_passthrough; p++) {
		ret = ret ?: push(cmd, strdup("--passthrough"));
		ret = ret ?: push(cmd, strdup(vm->passthrough[p].bdf));
	}
	return ret;
}

int sup_vmm_cmd_build(const struct sv_topology *t, const struct sup_objects *o, unsigned int vm,
		      const char *vmm_path, const struct sup_sandbox *sb, struct sup_vmm_cmd *cmd)
{
	int ret;

	memset(cmd, 0, sizeof(*cmd));
	ret = push(cmd, strdup(vmm_path));
	ret = ret ?: push_vm(cmd, t, vm, sb);
	if (!ret && t->vms[vm].role == SV_TOPO_DRIVER) {
		ret = grant(cmd, o->ram[vm]);
		ret = ret ?: push(cmd, strdup("--ram-fd"));
		ret = ret ?: pushf(cmd, "%d", o->ram[vm]);
	}
	for (unsigned int l = 0; l < t->nr_links && !ret; l++) {
		if (t->links[l].driver == vm)
			ret = push_link(cmd, t, o, &t->links[l], SV_LINK_DRIVER_SIDE);
		else if (t->links[l].device == vm)
			ret = push_link(cmd, t, o, &t->links[l], SV_LINK_DEVICE_SIDE);
	}
	if (ret)
		sup_vmm_cmd_free(cmd);
	return ret;
}

void sup_vmm_cmd_free(struct sup_vmm_cmd *cmd)
{
	for (unsigned int i = 0; i < cmd->argc; i++)
		free(cmd->argv[i]);
	free(cmd->argv);
	free(cmd->fds);
	memset(cmd, 0, sizeof(*cmd));
}
