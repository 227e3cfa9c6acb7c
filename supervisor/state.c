// SPDX-License-Identifier: GPL-2.0
/*
 * The state file of a running topology, <run dir>/<name>.state, rewritten
 * (atomically: temp file + rename) on every change and removed at the end.
 * Line format (space-separated, one VM per "vm" line, see docs/topology.md):
 *   splitvirt-state 1
 *   supervisor PID START
 *   topology NAME PATH...
 *   vm NAME ROLE PID STATE START MEMORY LINKS RESTARTS REBOOTS PCI DMA
 * (fields added at the end, so a reader of the older formats, without the
 * last ones, still reads them). DMA is the DMA window of each link in
 * LINKS, in bytes, 0 for none ("8388608,0"), or "-" without links.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <splitvirt/log.h>
#include <splitvirt/strbuf.h>

#include "supervisor.h"

const char *sup_run_dir(const char *option)
{
	const char *env = getenv("SPLITVIRT_RUN_DIR");

	if (option)
		return option;
	return env && *env ? env : SUP_DEFAULT_RUN_DIR;
}

int sup_state_open(struct sup_state_file *sf, const char *run_dir, const char *topo_name)
{
	memset(sf, 0, sizeof(*sf));
	if (mkdir(run_dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	if (asprintf(&sf->path, "%s/%s.state", run_dir, topo_name) < 0) {
		sf->path = NULL;
		return -ENOMEM;
	}
	if (asprintf(&sf->tmp, "%s/.%s.state.tmp", run_dir, topo_name) < 0) {
		sf->tmp = NULL;
		free(sf->path);
		sf->path = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void state_word(char *buf, size_t size, const struct sup_vm_run *r)
{
	switch (r->state) {
	case SUP_VM_PENDING:
		snprintf(buf, size, "pending");
		break;
	case SUP_VM_STARTING:
		snprintf(buf, size, "starting");
		break;
	case SUP_VM_RUNNING:
		snprintf(buf, size, "running");
		break;
	case SUP_VM_EXITED:
		snprintf(buf, size, "exited:%d", r->code);
		break;
	case SUP_VM_KILLED:
		snprintf(buf, size, "killed:%d", r->code);
		break;
	case SUP_VM_RESTARTING:
		snprintf(buf, size, "restarting");
		break;
	}
}

/* Comma-separated names of the VMs linked to vm, or "-". */
static void peers(char *buf, size_t size, const struct sv_topology *t, unsigned int vm)
{
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < t->nr_links; i++) {
		const struct sv_topo_link *l = &t->links[i];
		int peer = l->driver == vm ? (int)l->device : l->device == vm ? (int)l->driver : -1;

		if (peer >= 0 && len < size)
			len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? "," : "",
						t->vms[peer].name);
	}
	if (!buf[0])
		snprintf(buf, size, "-");
}

/* The DMA window bytes of each link of peers(), in its order, or "-". */
static void link_windows(char *buf, size_t size, const struct sv_topology *t, unsigned int vm)
{
	struct sv_strbuf o = { .buf = buf, .size = size };

	buf[0] = '\0';
	for (unsigned int i = 0; i < t->nr_links; i++) {
		const struct sv_topo_link *l = &t->links[i];

		if (l->driver == vm || l->device == vm)
			sv_strbuf_put(&o, "%s%llu", o.len ? "," : "",
				      (unsigned long long)l->dma_size);
	}
	if (!buf[0])
		snprintf(buf, size, "-");
}

/* "BDF,BDF" of the VM's passthrough functions, or "-". */
static void pci_list(char *buf, size_t size, const struct sv_topo_vm *vm)
{
	struct sv_strbuf o = { .buf = buf, .size = size };

	buf[0] = '\0';
	for (unsigned int j = 0; j < vm->nr_passthrough; j++)
		sv_strbuf_put(&o, "%s%s", j ? "," : "", vm->passthrough[j].bdf);
	if (!buf[0])
		snprintf(buf, size, "-");
}

static long long start_time;

int sup_state_write(struct sup_state_file *sf, const struct sv_topology *t,
		    const struct sup_vm_run *vms)
{
	FILE *f;
	int fd, ret = 0;

	if (!start_time)
		start_time = (long long)time(NULL);
	fd = open(sf->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -errno;
	}
	fprintf(f, "splitvirt-state 1\nsupervisor %d %lld\ntopology %s %s\n", (int)getpid(),
		start_time, t->name, t->path);
	for (unsigned int i = 0; i < t->nr_vms; i++) {
		char state[32], links[SV_TOPO_MAX_VMS * (SV_TOPO_NAME_MAX + 1) + 2];

		char pci[SUP_STATE_PCI_MAX], dma[SUP_STATE_DMA_MAX];

		state_word(state, sizeof(state), &vms[i]);
		peers(links, sizeof(links), t, i);
		pci_list(pci, sizeof(pci), &t->vms[i]);
		link_windows(dma, sizeof(dma), t, i);
		fprintf(f, "vm %s %s %d %s %lld %llu %s %u %u %s %s\n", t->vms[i].name,
			sv_topo_role_name(t->vms[i].role), (int)vms[i].pid, state, vms[i].started,
			(unsigned long long)t->vms[i].memory, links, vms[i].restarts,
			vms[i].reboots, pci, dma);
	}
	if (fflush(f) != 0)
		ret = -errno;
	if (fclose(f) != 0 && !ret)
		ret = -errno;
	if (!ret && rename(sf->tmp, sf->path) < 0)
		ret = -errno;
	if (ret)
		unlink(sf->tmp);
	return ret;
}

void sup_state_remove(struct sup_state_file *sf)
{
	if (sf->path)
		unlink(sf->path);
	if (sf->tmp)
		unlink(sf->tmp);
	free(sf->path);
	free(sf->tmp);
	memset(sf, 0, sizeof(*sf));
}
