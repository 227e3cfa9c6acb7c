// SPDX-License-Identifier: GPL-2.0
/* Loading a topology for a command: diagnostics as FILE:LINE:COL lines, and the summary. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <splitvirt/log.h>

#include "supervisor.h"

/* File order; diagnostics of one line in the order they were found. */
static int by_line(const void *a, const void *b)
{
	const struct sv_topo_diag *x = *(const struct sv_topo_diag *const *)a;
	const struct sv_topo_diag *y = *(const struct sv_topo_diag *const *)b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x < y ? -1 : x > y;
}

/*
 * Parse errors come first and cross-checks after them; a reader wants
 * them by line. Without memory for the order, they print as found.
 */
static void print_diags(const char *path, const struct sv_topo_diags *d)
{
	const struct sv_topo_diag **order = calloc(d->nr ? d->nr : 1, sizeof(*order));

	for (unsigned int i = 0; i < d->nr && order; i++)
		order[i] = &d->v[i];
	if (order)
		qsort(order, d->nr, sizeof(*order), by_line);
	for (unsigned int i = 0; i < d->nr; i++) {
		const struct sv_topo_diag *g = order ? order[i] : &d->v[i];
		const char *sev = g->severity == SV_TOPO_ERROR ? "error" : "warning";

		if (g->line && g->column)
			fprintf(stderr, "%s:%d:%d: %s: %s\n", path, g->line, g->column, sev,
				g->msg);
		else if (g->line)
			fprintf(stderr, "%s:%d: %s: %s\n", path, g->line, sev, g->msg);
		else
			fprintf(stderr, "%s: %s: %s\n", path, sev, g->msg);
	}
	if (d->dropped)
		fprintf(stderr, "%s: %u more problems not shown\n", path, d->dropped);
	free(order);
}

struct sv_topology *sup_load_and_report(const char *path, unsigned int flags)
{
	struct sv_topo_diags diags = { 0 };
	struct sv_topology *t = NULL;
	int ret = sv_topo_load(path, flags, &t, &diags);

	print_diags(path, &diags);
	if (ret == -EINVAL)
		fprintf(stderr, "%s: %u error%s, %u warning%s\n", path, diags.nr_errors,
			diags.nr_errors == 1 ? "" : "s", diags.nr_warnings,
			diags.nr_warnings == 1 ? "" : "s");
	else if (ret)
		pr_err("cannot read topology %s: %s", path, strerror(-ret));
	sv_topo_diags_free(&diags);
	return t;
}

static void print_devices(FILE *out, const struct sv_topology *t, const struct sv_topo_link *l)
{
	const struct sv_topo_vm *drv = &t->vms[l->driver];

	for (unsigned int i = 0; i < l->nr_devs; i++) {
		const struct sv_topo_dev *d = &drv->devs[l->devs[i]];

		fprintf(out, "      %-8s", sv_dev_type_name(d->type));
		if (d->backing)
			fprintf(out, "%s%s", d->backing, d->readonly ? " (read-only)" : "");
		if (d->bridge)
			fprintf(out, "bridge %s, mac %s", d->bridge, d->mac ? d->mac : "(derived)");
		if (d->tag)
			fprintf(out, ", tag %s", d->tag);
		if (d->backend != SV_DEV_BACKEND_DEVMODEL)
			fprintf(out, ", served by %s", sv_dev_backend_name(d->backend));
		fputc('\n', out);
	}
}

static void print_view(FILE *out, const struct sv_topology *t, const struct sv_topo_link *l)
{
	char view[256];
	bool all = sup_link_view(t, l, view, sizeof(view));

	fprintf(out, "      link %u: %s%s\n", l->id, all ? "warning: " : "", view);
}

static void print_link_param(FILE *out, const struct sv_topology *t, const struct sv_topo_link *l)
{
	int len = sv_topo_link_param(t, l, NULL, 0);
	char *buf = len > 0 ? malloc((size_t)len + 1) : NULL;

	if (!buf)
		return;
	sv_topo_link_param(t, l, buf, (size_t)len + 1);
	fprintf(out, "      device VM kernel parameter: %s\n", buf);
	free(buf);
}

/* "a" or "an" before the number n said in English (an 8, an 11, an 18, an 80..89). */
static const char *article(unsigned long long n)
{
	while (n >= 1000)
		n /= 1000;
	if (n == 11 || n == 18 || n == 8 || n / 10 == 8 || n / 100 == 8)
		return "an";
	return "a";
}

/* Why the driver VM of a link has no DMA window. */
static const char *no_window_reason(const struct sv_topo_vm *drv)
{
	if (drv->dma_mode == SV_TOPO_DMA_OFF)
		return "dma-window: off";
	if (drv->kernel_dma == SV_TOPO_KERNEL_DMA_NO)
		return "kernel without " SV_KERNEL_DMA_WINDOW_MARKER
		       " support; build one with `make kernel`";
	return "dma-window: auto, and its kernel could not be read here";
}

bool sup_link_view(const struct sv_topology *t, const struct sv_topo_link *l, char *buf,
		   size_t size)
{
	const struct sv_topo_vm *drv = &t->vms[l->driver];
	const char *dev = t->vms[l->device].name;
	unsigned long long mib = (unsigned long long)(l->dma_size >> 20);

	if (l->dma_size) {
		snprintf(buf, size, "device VM '%s' sees %s %llu MiB DMA window of driver VM '%s'",
			 dev, article(mib), mib, drv->name);
		return false;
	}
	snprintf(buf, size,
		 "device VM '%s' sees all %llu MiB of driver VM '%s's RAM (no DMA window: %s)", dev,
		 (unsigned long long)(drv->memory >> 20), drv->name, no_window_reason(drv));
	return true;
}

void sup_print_summary(FILE *out, const struct sv_topology *t)
{
	fprintf(out, "topology %s (%s): %u VM%s, %u link%s\n", t->name, t->path, t->nr_vms,
		t->nr_vms == 1 ? "" : "s", t->nr_links, t->nr_links == 1 ? "" : "s");
	fprintf(out, "  %-20s %-10s %8s %4s  %s\n", "VM", "ROLE", "MEMORY", "CPUS",
		"LOCAL DEVICES");
	for (unsigned int i = 0; i < t->nr_vms; i++) {
		const struct sv_topo_vm *vm = &t->vms[i];

		fprintf(out, "  %-20s %-10s %7lluM %4u  %u disk%s, %u nic%s%s%s", vm->name,
			sv_topo_role_name(vm->role), (unsigned long long)(vm->memory >> 20),
			vm->cpus, vm->nr_disks, vm->nr_disks == 1 ? "" : "s", vm->nr_nets,
			vm->nr_nets == 1 ? "" : "s", vm->rng ? ", rng" : "",
			vm->console ? ", console" : "");
		for (unsigned int j = 0; j < vm->nr_passthrough; j++)
			fprintf(out, ", pci %s", vm->passthrough[j].bdf);
		fputc('\n', out);
	}
	for (unsigned int i = 0; i < t->nr_links; i++) {
		const struct sv_topo_link *l = &t->links[i];

		fprintf(out, "  link %u: %s -> %s (%u kick%s, %u call%s)\n", l->id,
			t->vms[l->driver].name, t->vms[l->device].name, l->nr_kicks,
			l->nr_kicks == 1 ? "" : "s", l->nr_calls, l->nr_calls == 1 ? "" : "s");
		print_view(out, t, l);
		print_devices(out, t, l);
		print_link_param(out, t, l);
	}
}
