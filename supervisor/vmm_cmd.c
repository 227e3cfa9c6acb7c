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

#include "supervisor.h"

static int push(struct sv_vmm_cmd *cmd, char *arg)
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

static int pushf(struct sv_vmm_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int pushf(struct sv_vmm_cmd *cmd, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return push(cmd, n < 0 ? NULL : s);
}

static int grant(struct sv_vmm_cmd *cmd, int fd)
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

/* "FD:FD:..." for a doorbell list, granting each fd. */
static char *fd_list(struct sv_vmm_cmd *cmd, const int *fds, unsigned int n)
{
	char *s = malloc((size_t)n * 12 + 1);
	size_t len = 0;

	if (!s)
		return NULL;
	s[0] = '\0';
	for (unsigned int i = 0; i < n; i++) {
		if (grant(cmd, fds[i])) {
			free(s);
			return NULL;
		}
		len += (size_t)sprintf(s + len, "%s%d", i ? ":" : "", fds[i]);
	}
	return s;
}

/* --link (driver side) or --serve (device side) for link l. */
static int push_link(struct sv_vmm_cmd *cmd, const struct sv_topology *t,
		     const struct sv_objects *o, const struct sv_topo_link *l, bool serve)
{
	const struct sv_link_objs *lo = &o->links[l->id];
	char *kicks = fd_list(cmd, lo->kick, lo->nr_kicks);
	char *calls = fd_list(cmd, lo->call, lo->nr_calls);
	char ram[128] = "";
	int ret = -ENOMEM;

	if (!kicks || !calls)
		goto out;
	if (grant(cmd, lo->iobuf) || grant(cmd, lo->req) || grant(cmd, lo->resp))
		goto out;
	if (serve) {
		const struct sv_topo_vm *drv = &t->vms[l->driver];

		if (grant(cmd, o->ram[l->driver]))
			goto out;
		snprintf(ram, sizeof(ram), "ram-fd=%d,ram-gpa=0x%llx,ram-size=%llu,",
			 o->ram[l->driver], SV_TOPO_RAM_GPA, (unsigned long long)drv->memory);
	}
	ret = push(cmd, strdup(serve ? "--serve" : "--link"));
	if (!ret)
		ret = pushf(
			cmd,
			"id=%u,peer=%s,%siobuf-fd=%d,req-fd=%d,resp-fd=%d,kick-fds=%s,call-fds=%s",
			l->id, t->vms[serve ? l->driver : l->device].name, ram, lo->iobuf, lo->req,
			lo->resp, kicks, calls);
out:
	free(kicks);
	free(calls);
	return ret;
}

static int push_vm(struct sv_vmm_cmd *cmd, const struct sv_topology *t, unsigned int i)
{
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
				    vm->nets[n].bridge ? ",bridge=" : "",
				    vm->nets[n].bridge ? vm->nets[n].bridge : "");
	}
	if (vm->rng)
		ret = ret ?: push(cmd, strdup("--rng"));
	if (vm->console)
		ret = ret ?: push(cmd, strdup("--console"));
	return ret;
}

int sv_vmm_cmd_build(const struct sv_topology *t, const struct sv_objects *o, unsigned int vm,
		     const char *vmm_path, struct sv_vmm_cmd *cmd)
{
	int ret;

	memset(cmd, 0, sizeof(*cmd));
	ret = push(cmd, strdup(vmm_path));
	ret = ret ?: push_vm(cmd, t, vm);
	if (!ret && t->vms[vm].role == SV_TOPO_DRIVER) {
		ret = grant(cmd, o->ram[vm]);
		ret = ret ?: push(cmd, strdup("--ram-fd"));
		ret = ret ?: pushf(cmd, "%d", o->ram[vm]);
	}
	for (unsigned int l = 0; l < t->nr_links && !ret; l++) {
		if (t->links[l].driver == vm)
			ret = push_link(cmd, t, o, &t->links[l], false);
		else if (t->links[l].device == vm)
			ret = push_link(cmd, t, o, &t->links[l], true);
	}
	if (ret)
		sv_vmm_cmd_free(cmd);
	return ret;
}

void sv_vmm_cmd_free(struct sv_vmm_cmd *cmd)
{
	for (unsigned int i = 0; i < cmd->argc; i++)
		free(cmd->argv[i]);
	free(cmd->argv);
	free(cmd->fds);
	memset(cmd, 0, sizeof(*cmd));
}
