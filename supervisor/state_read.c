// SPDX-License-Identifier: GPL-2.0
/* Reading state files back (status, and run's "already running" check). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor.h"

/*
 * The DMA field: one number per link, or "-" for none. Anything else
 * leaves nr_dma -1 (status then shows the links without it): the rest of
 * the line is still worth showing.
 */
static void parse_dma(const char *text, struct sup_state_vm *vm)
{
	int n = 0;

	vm->nr_dma = -1;
	if (!strcmp(text, "-")) {
		vm->nr_dma = 0;
		return;
	}
	for (const char *p = text; *p;) {
		char *end;

		if (n == SV_TOPO_MAX_VMS || *p < '0' || *p > '9')
			return;
		errno = 0;
		vm->dma[n++] = strtoull(p, &end, 10);
		if (errno || (*end && *end != ','))
			return;
		p = *end ? end + 1 : end;
	}
	vm->nr_dma = n;
}

static int parse_line(char *line, struct sup_state *st, bool *magic)
{
	char dma[SUP_STATE_DMA_MAX];
	struct sup_state_vm *vm;
	int n;

	line[strcspn(line, "\n")] = '\0';
	if (!strcmp(line, "splitvirt-state 1")) {
		*magic = true;
		return 0;
	}
	if (!strncmp(line, "supervisor ", 11))
		return sscanf(line + 11, "%d %lld", &st->supervisor, &st->started) == 2 ? 0 :
											  -EINVAL;
	if (!strncmp(line, "topology ", 9)) {
		char *space = strchr(line + 9, ' ');
		size_t len = space ? (size_t)(space - (line + 9)) : strlen(line + 9);

		if (len >= sizeof(st->name))
			return -EINVAL;
		memcpy(st->name, line + 9, len);
		st->name[len] = '\0';
		snprintf(st->path, sizeof(st->path), "%s", space ? space + 1 : "");
		return 0;
	}
	if (strncmp(line, "vm ", 3))
		return 0; /* unknown lines are for newer versions */
	if (st->nr_vms == SV_TOPO_MAX_VMS)
		return -EINVAL;
	vm = &st->vms[st->nr_vms];
	/*
	 * Field widths follow the struct sizes above; the counts, the PCI
	 * functions and the DMA windows came later (0, "-" and unknown if
	 * absent).
	 */
	_Static_assert(sizeof(vm->pci) == 128, "the %127s below fits");
	_Static_assert(sizeof(dma) == 704, "the %703s below fits");
	n = sscanf(line + 3, "%31s %15s %d %31s %lld %llu %1023s %u %u %127s %703s", vm->name,
		   vm->role, &vm->pid, vm->state, &vm->started, &vm->memory, vm->links,
		   &vm->restarts, &vm->reboots, vm->pci, dma);
	if (n != 7 && n != 9 && n != 10 && n != 11)
		return -EINVAL;
	if (n < 10)
		snprintf(vm->pci, sizeof(vm->pci), "-");
	if (n == 11)
		parse_dma(dma, vm);
	else
		vm->nr_dma = -1;
	st->nr_vms++;
	return 0;
}

int sup_state_read(const char *path, struct sup_state *st)
{
	char line[8192];
	bool magic = false;
	FILE *f = fopen(path, "re");
	int ret = 0;

	if (!f)
		return -errno;
	memset(st, 0, sizeof(*st));
	while (!ret && fgets(line, sizeof(line), f))
		ret = parse_line(line, st, &magic);
	fclose(f);
	if (!ret && (!magic || !st->supervisor))
		ret = -EINVAL;
	return ret;
}

bool sup_state_alive(const struct sup_state *st)
{
	return st->supervisor > 0 && (kill(st->supervisor, 0) == 0 || errno == EPERM);
}
