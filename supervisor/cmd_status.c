// SPDX-License-Identifier: GPL-2.0
/* `splitvirt status`: what runs, from the state files in the run folder. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <splitvirt/log.h>
#include <splitvirt/sandbox.h>
#include <splitvirt/strbuf.h>

#include "supervisor.h"

/* Prints the usage; returns status, for "return usage(...)". */
static int usage(FILE *out, int status)
{
	fprintf(out,
		"Usage: splitvirt status [options]\n"
		"Lists the VMs of every running topology (from the state files).\n\n"
		"      --json            one JSON object per line, one per topology\n"
		"      --run-dir DIR     where the state files are (default $SPLITVIRT_RUN_DIR,\n"
		"                        else " SUP_DEFAULT_RUN_DIR ")\n"
		"      --log-level LVL   error, warn, info or debug\n"
		"  -h, --help            this text\n\n"
		"Exit status: 0 (also when nothing runs), 1 if the run folder is unreadable.\n");
	return status;
}

static void uptime(char *buf, size_t size, const struct sup_state_vm *vm, long long now)
{
	long long s = now - vm->started;

	if (strcmp(vm->state, "running") && strcmp(vm->state, "starting")) {
		snprintf(buf, size, "-");
		return;
	}
	if (s < 0)
		s = 0;
	snprintf(buf, size, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
}

/* What VM vm's vmm runs with, from /proc; "-" if it does not run. */
static void sandbox_of(const struct sup_state_vm *vm, char *buf, size_t size)
{
	struct sv_proc_sandbox s;

	if (vm->pid <= 0 || (strcmp(vm->state, "running") && strcmp(vm->state, "starting")) ||
	    sv_proc_sandbox_read(vm->pid, &s)) {
		snprintf(buf, size, "-");
		return;
	}
	sv_proc_sandbox_format(&s, buf, size);
}

/*
 * The LINKS column: each peer with what the link's device VM sees of the
 * driver VM, "devvm(dma:8M)" or "devvm(all-RAM)" (one word, like every
 * column); the bare names when the state file does not say.
 */
static void links_column(const struct sup_state_vm *vm, char *buf, size_t size)
{
	struct sv_strbuf o = { .buf = buf, .size = size };
	const char *p = vm->links;

	if (!vm->links[0] || !strcmp(vm->links, "-") || vm->nr_dma < 0) {
		snprintf(buf, size, "%s", vm->links[0] ? vm->links : "-");
		return;
	}
	for (int i = 0; *p; i++) {
		size_t n = strcspn(p, ",");

		sv_strbuf_put(&o, "%s%.*s", i ? "," : "", (int)n, p);
		if (i < vm->nr_dma && vm->dma[i])
			sv_strbuf_put(&o, "(dma:%lluM)", vm->dma[i] >> 20);
		else if (i < vm->nr_dma)
			sv_strbuf_put(&o, "(all-RAM)");
		p += n + (p[n] == ',');
	}
}

static void print_table(const struct sup_state *st, bool stale)
{
	long long now = (long long)time(NULL);

	printf("topology %s (%s), supervisor pid %d%s\n", st->name, st->path, st->supervisor,
	       stale ? " -- STALE: the supervisor is gone; remove the state file" : "");
	printf("  %-20s %-10s %7s  %-10s %9s %8s  %-16s %8s %7s  %-12s  %s\n", "VM", "ROLE", "PID",
	       "STATE", "UPTIME", "MEMORY", "LINKS", "RESTARTS", "REBOOTS", "PCI", "SANDBOX");
	for (unsigned int i = 0; i < st->nr_vms; i++) {
		const struct sup_state_vm *vm = &st->vms[i];
		char up[32], sb[96], links[2048];

		uptime(up, sizeof(up), vm, now);
		sandbox_of(vm, sb, sizeof(sb));
		links_column(vm, links, sizeof(links));
		printf("  %-20s %-10s %7d  %-10s %9s %7lluM  %-16s %8u %7u  %-12s  %s\n", vm->name,
		       vm->role, vm->pid, vm->state, up, vm->memory >> 20, links, vm->restarts,
		       vm->reboots, vm->pci, sb);
	}
}

/* Names are [A-Za-z0-9_-] and paths come from our own argv: only '"' and '\\' need escaping. */
static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		if ((unsigned char)*s >= 0x20)
			putchar(*s);
	}
	putchar('"');
}

/* The elements of a "BDF,BDF" list ("-": none) as JSON strings. */
static void print_json_pci(const char *list)
{
	if (!strcmp(list, "-"))
		return;
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");

		printf("%s\"%.*s\"", p == list ? "" : ",", (int)n, p);
		p += n + (p[n] == ',');
	}
}

/*
 * ,"link_windows":[{"peer":..,"dma_window":bytes},..] in the order of
 * "links" (0: the device VM sees all of the driver VM's RAM), or null when
 * the state file does not say.
 */
static void print_json_windows(const struct sup_state_vm *vm)
{
	const char *p = vm->links;

	if (vm->nr_dma < 0) {
		printf(",\"link_windows\":null");
		return;
	}
	printf(",\"link_windows\":[");
	for (int i = 0; *p && strcmp(vm->links, "-") && i < vm->nr_dma; i++) {
		size_t n = strcspn(p, ",");

		printf("%s{\"peer\":\"%.*s\",\"dma_window\":%llu}", i ? "," : "", (int)n, p,
		       vm->dma[i]);
		p += n + (p[n] == ',');
	}
	putchar(']');
}

/* ,"sandbox":{...} from /proc, or null when the vmm does not run. */
static void print_json_sandbox(const struct sup_state_vm *vm)
{
	struct sv_proc_sandbox s;
	char ns[96];

	if (vm->pid <= 0 || (strcmp(vm->state, "running") && strcmp(vm->state, "starting")) ||
	    sv_proc_sandbox_read(vm->pid, &s)) {
		printf(",\"sandbox\":null");
		return;
	}
	snprintf(ns, sizeof(ns), "%s%s%s%s%s%s", s.own_mnt ? ",\"mnt\"" : "",
		 s.own_pid ? ",\"pid\"" : "", s.own_ipc ? ",\"ipc\"" : "",
		 s.own_uts ? ",\"uts\"" : "", s.own_net ? ",\"net\"" : "",
		 s.own_user ? ",\"user\"" : "");
	printf(",\"sandbox\":{\"seccomp\":%d,\"no_new_privs\":%d,\"uid\":%ld,\"gid\":%ld,\"namespaces\":[%s]}",
	       s.seccomp, s.no_new_privs, s.uid, s.gid, ns[0] ? ns + 1 : "");
}

static void print_json(const struct sup_state *st, bool stale)
{
	long long now = (long long)time(NULL);

	printf("{\"topology\":");
	json_string(st->name);
	printf(",\"path\":");
	json_string(st->path);
	printf(",\"supervisor\":%d,\"stale\":%s,\"vms\":[", st->supervisor,
	       stale ? "true" : "false");
	for (unsigned int i = 0; i < st->nr_vms; i++) {
		const struct sup_state_vm *vm = &st->vms[i];

		printf("%s{\"name\":", i ? "," : "");
		json_string(vm->name);
		printf(",\"role\":");
		json_string(vm->role);
		printf(",\"pid\":%d,\"state\":", vm->pid);
		json_string(vm->state);
		printf(",\"uptime\":%lld,\"memory\":%llu,\"links\":",
		       vm->started ? now - vm->started : 0, vm->memory);
		json_string(vm->links);
		print_json_windows(vm);
		printf(",\"restarts\":%u,\"reboots\":%u,\"passthrough\":[", vm->restarts,
		       vm->reboots);
		print_json_pci(vm->pci);
		putchar(']');
		print_json_sandbox(vm);
		putchar('}');
	}
	printf("]}\n");
}

/* Shows one state file of the run folder; false if it is not one. */
static bool show_state(const char *path, bool json)
{
	struct sup_state *st = malloc(sizeof(*st));
	bool ok;

	if (!st)
		return false;
	ok = sup_state_read(path, st) == 0;
	if (ok && json)
		print_json(st, !sup_state_alive(st));
	else if (ok)
		print_table(st, !sup_state_alive(st));
	else
		pr_warn("%s is not a splitvirt state file; ignored", path);
	free(st);
	return ok;
}

static bool is_state_file(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len >= 7 && !strcmp(name + len - 6, ".state");
}

/* Every topology with a state file in run_dir; -errno if the folder cannot be read. */
static int show_states(const char *run_dir, bool json, unsigned int *shown)
{
	DIR *d = opendir(run_dir);
	struct dirent *e;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		char *path;

		if (!is_state_file(e->d_name))
			continue;
		if (asprintf(&path, "%s/%s", run_dir, e->d_name) < 0)
			break;
		*shown += show_state(path, json);
		free(path);
	}
	closedir(d);
	return 0;
}

int sup_cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "run-dir", required_argument, NULL, 'R' },
		SUP_COMMON_OPTIONS,
	};
	const char *run_dir = NULL;
	unsigned int shown = 0;
	bool json = false;
	int common;
	int opt, ret;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'R':
			run_dir = optarg;
			break;
		default:
			common = sup_common_option(opt, usage);
			if (common != SUP_OPT_NEXT)
				return common;
		}
	}
	if (optind != argc)
		return usage(stderr, 2);
	run_dir = sup_run_dir(run_dir);
	ret = show_states(run_dir, json, &shown);
	if (ret) {
		pr_err("cannot read %s: %s", run_dir, strerror(-ret));
		return 1;
	}
	if (!shown && !json)
		printf("no topology is running (no state files in %s)\n", run_dir);
	return 0;
}
