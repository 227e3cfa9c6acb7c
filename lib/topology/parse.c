// SPDX-License-Identifier: GPL-2.0
/* Topology YAML -> model: the document, its VMs and their local devices. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <splitvirt/size.h>

#include "parse_util.h"

enum vm_key {
	VM_NAME,
	VM_ROLE,
	VM_KERNEL,
	VM_INITRD,
	VM_CMDLINE,
	VM_MEMORY,
	VM_CPUS,
	VM_DISKS,
	VM_NETS,
	VM_RNG,
	VM_CONSOLE,
	VM_DEVICES,
	VM_KICKS,
	VM_CALLS,
	VM_RESTART,
	VM_PASSTHROUGH,
	VM_DMA_WINDOW,
};

static const char *const vm_keys[] = {
	"name",	 "role",  "kernel",  "initrd",	    "cmdline",	  "memory",
	"cpus",	 "disks", "nets",    "rng",	    "console",	  "devices",
	"kicks", "calls", "restart", "passthrough", "dma-window", NULL,
};

struct vm_ctx {
	struct sv_topo_vm *vm;
	const char *label; /* "VM 'app'" */
	const char *vmname;
	yaml_node_t *devices;
	yaml_node_t *restart;
	yaml_node_t *passthrough;
	yaml_node_t *dma_window;
};

static void parse_disk(struct topo_parser *p, yaml_node_t *n, struct sv_topo_disk *disk)
{
	disk->line = NODE_LINE(n);
	if (n->type == YAML_MAPPING_NODE) {
		bool have_path = false;

		for (yaml_node_pair_t *pair = n->data.mapping.pairs.start;
		     pair < n->data.mapping.pairs.top; pair++) {
			yaml_node_t *k = yaml_document_get_node(p->doc, pair->key);
			yaml_node_t *v = yaml_document_get_node(p->doc, pair->value);
			const char *name = k ? topo_scalar(p, k, "disk key") : NULL;

			if (!name || !v)
				continue;
			if (!strcmp(name, "path")) {
				have_path = true;
				topo_get_host_path(p, v, "disks: path", &disk->path);
			} else if (!strcmp(name, "readonly"))
				topo_get_bool(p, v, "disks: readonly", &disk->readonly);
			else
				topo_err(
					p, k,
					"unknown key '%.64s' in a disk; known keys: path, readonly",
					name);
		}
		if (!have_path)
			topo_err(p, n, "a disk needs 'path:' (the raw image file on the host)");
	} else if (!topo_get_host_path(p, n, "disks", &disk->path)) {
		return;
	}
	/* The vmm's --disk takes FILE[,ro]: a comma would be read as an option. */
	if (disk->path && strchr(disk->path, ','))
		topo_err(p, n, "disks: the path '%.200s' contains a comma; rename the file",
			 disk->path);
}

static void parse_disks(struct topo_parser *p, yaml_node_t *n, struct sv_topo_vm *vm)
{
	unsigned int count;
	yaml_node_item_t *items = topo_items(p, n, "disks", &count);

	if (!items)
		return;
	if (count > SV_TOPO_MAX_DISKS) {
		topo_err(p, n, "disks: %u disks; a VM has at most %d local disks", count,
			 SV_TOPO_MAX_DISKS);
		return;
	}
	vm->disks = calloc(count ? count : 1, sizeof(*vm->disks));
	if (!vm->disks) {
		p->nomem = 1;
		return;
	}
	for (unsigned int i = 0; i < count; i++) {
		yaml_node_t *item = yaml_document_get_node(p->doc, items[i]);

		if (item)
			parse_disk(p, item, &vm->disks[vm->nr_disks++]);
	}
}

static void parse_net_pair(struct topo_parser *p, int key, yaml_node_t *v, void *ctx)
{
	struct sv_topo_net *net = ctx;

	if (key == 0)
		topo_get_ifname(p, v, "nets: tap", &net->tap);
	else if (key == 1)
		topo_get_mac(p, v, "nets: mac", &net->mac);
	else
		topo_get_ifname(p, v, "nets: bridge", &net->bridge);
}

static void parse_nets(struct topo_parser *p, yaml_node_t *n, struct sv_topo_vm *vm)
{
	static const char *const net_keys[] = { "tap", "mac", "bridge", NULL };
	unsigned int count;
	yaml_node_item_t *items = topo_items(p, n, "nets", &count);

	if (!items)
		return;
	if (count > SV_TOPO_MAX_NETS) {
		topo_err(p, n, "nets: %u NICs; a VM has at most %d local NICs", count,
			 SV_TOPO_MAX_NETS);
		return;
	}
	vm->nets = calloc(count ? count : 1, sizeof(*vm->nets));
	if (!vm->nets) {
		p->nomem = 1;
		return;
	}
	for (unsigned int i = 0; i < count; i++) {
		yaml_node_t *item = yaml_document_get_node(p->doc, items[i]);
		struct sv_topo_net *net = &vm->nets[vm->nr_nets];

		if (!item)
			continue;
		vm->nr_nets++;
		net->line = NODE_LINE(item);
		if (item->type != YAML_MAPPING_NODE) {
			topo_err(p, item, "nets: each NIC is a mapping like { tap: sv-tap0 }");
			continue;
		}
		if (!(topo_walk_mapping(p, item, net_keys, "a NIC", parse_net_pair, net) & 1))
			topo_err(p, item, "nets: a NIC needs 'tap:' (an existing tap device)");
	}
}

static void parse_role(struct topo_parser *p, yaml_node_t *v, struct sv_topo_vm *vm)
{
	const char *s = topo_scalar(p, v, "role");

	if (!s)
		return;
	if (!strcmp(s, "device"))
		vm->role = SV_TOPO_DEVICE;
	else if (!strcmp(s, "driver"))
		vm->role = SV_TOPO_DRIVER;
	else if (!strcmp(s, "standalone"))
		vm->role = SV_TOPO_STANDALONE;
	else {
		topo_err(p, v, "role: '%.64s' is not a role; use device, driver or standalone", s);
		return;
	}
	vm->role_unknown = false;
}

static void parse_vm_pair(struct topo_parser *p, int key, yaml_node_t *v, void *opaque)
{
	struct vm_ctx *ctx = opaque;
	struct sv_topo_vm *vm = ctx->vm;

	switch (key) {
	case VM_NAME:
		vm->name_line = NODE_LINE(v);
		if (topo_get_string(p, v, "name", &vm->name) && !topo_name_ok(vm->name))
			topo_err(
				p, v,
				"name: '%.64s' is not a valid VM name; use 1-%d letters, digits, '-' or '_', starting with a letter or digit",
				vm->name, SV_TOPO_NAME_MAX);
		break;
	case VM_ROLE:
		parse_role(p, v, vm);
		break;
	case VM_KERNEL:
		vm->kernel_line = NODE_LINE(v);
		topo_get_host_path(p, v, "kernel", &vm->kernel);
		break;
	case VM_INITRD:
		vm->initrd_line = NODE_LINE(v);
		topo_get_host_path(p, v, "initrd", &vm->initrd);
		break;
	case VM_CMDLINE:
		if (topo_get_string(p, v, "cmdline", &vm->cmdline) && strpbrk(vm->cmdline, "\n\r"))
			topo_err(p, v, "cmdline: must be a single line");
		break;
	case VM_MEMORY:
		vm->memory_line = NODE_LINE(v);
		topo_get_size(p, v, "memory", &vm->memory);
		break;
	case VM_CPUS:
		vm->cpus_line = NODE_LINE(v);
		topo_get_uint(p, v, "cpus", 1, SV_GUEST_MAX_CPUS, &vm->cpus);
		break;
	case VM_DISKS:
		parse_disks(p, v, vm);
		break;
	case VM_NETS:
		parse_nets(p, v, vm);
		break;
	case VM_RNG:
		topo_get_bool(p, v, "rng", &vm->rng);
		break;
	case VM_CONSOLE:
		topo_get_bool(p, v, "console", &vm->console);
		break;
	case VM_DEVICES:
		ctx->devices = v; /* parsed once the role is known */
		break;
	case VM_KICKS:
		topo_get_uint(p, v, "kicks", 1, SV_TOPO_MAX_DOORBELLS, &vm->kicks);
		break;
	case VM_CALLS:
		topo_get_uint(p, v, "calls", 1, SV_TOPO_MAX_DOORBELLS, &vm->calls);
		break;
	case VM_RESTART:
		ctx->restart = v; /* checked once the role is known */
		break;
	case VM_PASSTHROUGH:
		ctx->passthrough = v; /* parsed once the role is known */
		break;
	case VM_DMA_WINDOW:
		ctx->dma_window = v; /* checked once the role is known */
		break;
	}
}

/*
 * Only a device VM is restarted when its vmm fails: a driver or standalone
 * VM failing is the workload's result (the run's exit status), and every
 * VM is started again anyway when its guest reboots.
 */
static void parse_restart(struct topo_parser *p, yaml_node_t *v, struct vm_ctx *ctx)
{
	struct sv_topo_vm *vm = ctx->vm;
	const char *s;

	if (!vm->role_unknown && vm->role != SV_TOPO_DEVICE) {
		topo_err(
			p, v,
			"%s has role %s but 'restart:'; restart only applies to device VMs (role: device)",
			ctx->label, sv_topo_role_name(vm->role));
		return;
	}
	s = topo_scalar(p, v, "restart");
	if (!s)
		return;
	if (!strcmp(s, "on-failure"))
		vm->restart = SV_TOPO_RESTART_ON_FAILURE;
	else if (!strcmp(s, "no"))
		vm->restart = SV_TOPO_RESTART_NO;
	else
		topo_err(
			p, v,
			"restart of %s: '%.64s' is not allowed; use on-failure (the default) or no",
			ctx->label, s);
}

/*
 * Host PCI functions, normalised. A driver VM gets its devices from device
 * VMs: the hardware behind them belongs to a device VM.
 */
static void parse_passthrough(struct topo_parser *p, yaml_node_t *n, struct vm_ctx *ctx)
{
	struct sv_topo_vm *vm = ctx->vm;
	yaml_node_item_t *items;
	unsigned int count;

	if (!vm->role_unknown && vm->role == SV_TOPO_DRIVER) {
		topo_err(
			p, n,
			"%s has role driver but 'passthrough:'; a driver VM gets its devices from device VMs: give the PCI function to a device VM (or make this VM role: standalone)",
			ctx->label);
		return;
	}
	items = topo_items(p, n, "passthrough", &count);
	if (!items)
		return;
	if (count > SV_TOPO_MAX_PASSTHROUGH) {
		topo_err(p, n, "passthrough of %s: %u PCI functions; a VM has at most %d",
			 ctx->label, count, SV_TOPO_MAX_PASSTHROUGH);
		return;
	}
	vm->passthrough = calloc(count ? count : 1, sizeof(*vm->passthrough));
	if (!vm->passthrough) {
		p->nomem = 1;
		return;
	}
	for (unsigned int i = 0; i < count; i++) {
		yaml_node_t *item = yaml_document_get_node(p->doc, items[i]);
		struct sv_topo_pci *pci = &vm->passthrough[vm->nr_passthrough];
		const char *s = item ? topo_scalar(p, item, "passthrough") : NULL;

		if (!s)
			continue;
		if (sv_pci_bdf_parse(s, pci->bdf)) {
			topo_err(
				p, item,
				"passthrough of %s: '%.64s' is not a PCI address; write " SV_PCI_BDF_FORM,
				ctx->label, s);
			continue;
		}
		pci->line = NODE_LINE(item);
		vm->nr_passthrough++;
	}
}

/*
 * A driver VM's DMA window: the only memory of it its device VMs see. A
 * device or standalone VM serves itself, so it has no window to give.
 * The kernel decides auto, in validation.
 */
static void parse_dma_window(struct topo_parser *p, yaml_node_t *v, struct vm_ctx *ctx)
{
	struct sv_topo_vm *vm = ctx->vm;
	const char *s;
	char what[48] = "";
	uint64_t size = 0;

	vm->dma_window_line = NODE_LINE(v);
	if (!vm->role_unknown && vm->role != SV_TOPO_DRIVER) {
		topo_err(
			p, v,
			"%s has role %s but 'dma-window:'; only a driver VM has DMA windows (the part of its memory its device VMs see)",
			ctx->label, sv_topo_role_name(vm->role));
		return;
	}
	s = topo_scalar(p, v, "dma-window");
	if (!s)
		return;
	if (!strcmp(s, "auto") || !strcmp(s, "off")) {
		vm->dma_mode = s[0] == 'a' ? SV_TOPO_DMA_AUTO : SV_TOPO_DMA_OFF;
		return;
	}
	if (sv_parse_size(s, &size))
		snprintf(what, sizeof(what), "is not a size");
	else if (size < SV_GUEST_DMA_WINDOW_MIN || size > SV_GUEST_DMA_WINDOW_MAX)
		snprintf(what, sizeof(what), "is out of range");
	else if (size % SV_GUEST_DMA_WINDOW_ALIGN)
		snprintf(what, sizeof(what), "is not a multiple of %lluM",
			 SV_GUEST_DMA_WINDOW_ALIGN >> 20);
	if (what[0]) {
		topo_err(
			p, v,
			"dma-window of %s: '%.64s' %s; give %lluM to %lluM in steps of %lluM (e.g. %lluM), off, or auto (the default)",
			ctx->label, s, what, SV_GUEST_DMA_WINDOW_MIN >> 20,
			SV_GUEST_DMA_WINDOW_MAX >> 20, SV_GUEST_DMA_WINDOW_ALIGN >> 20,
			SV_GUEST_DEFAULT_DMA_WINDOW >> 20);
		return;
	}
	vm->dma_mode = SV_TOPO_DMA_SIZE;
	vm->dma_window = size;
}

/* The name of a VM mapping before it is parsed, for messages. */
static const char *peek_name(struct topo_parser *p, yaml_node_t *map)
{
	for (yaml_node_pair_t *pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(p->doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(p->doc, pair->value);

		if (k && v && k->type == YAML_SCALAR_NODE && v->type == YAML_SCALAR_NODE &&
		    !strcmp((const char *)k->data.scalar.value, "name"))
			return (const char *)v->data.scalar.value;
	}
	return NULL;
}

static void parse_vm(struct topo_parser *p, yaml_node_t *n, struct sv_topo_vm *vm,
		     unsigned int index)
{
	struct vm_ctx ctx = { .vm = vm };
	char label[64];
	const char *name;
	unsigned int seen;

	vm->line = NODE_LINE(n);
	vm->role_unknown = true; /* until parse_role() reads a valid one */
	vm->memory = SV_GUEST_DEFAULT_MEM;
	vm->cpus = 1;
	vm->kicks = SV_TOPO_DEFAULT_DOORBELLS;
	vm->calls = SV_TOPO_DEFAULT_DOORBELLS;
	if (n->type != YAML_MAPPING_NODE) {
		topo_err(p, n, "vms: each VM is a mapping that starts like '- name: app'");
		return;
	}
	name = peek_name(p, n);
	if (name)
		snprintf(label, sizeof(label), "VM '%.40s'", name);
	else
		snprintf(label, sizeof(label), "VM #%u", index + 1);
	ctx.label = label;
	ctx.vmname = name ? name : label;
	seen = topo_walk_mapping(p, n, vm_keys, label, parse_vm_pair, &ctx);
	if (!(seen & (1u << VM_NAME)))
		topo_err(p, n, "%s has no 'name:'; add one (e.g. name: app)", label);
	if (!(seen & (1u << VM_ROLE)))
		topo_err(p, n, "%s has no 'role:'; add role: device, driver or standalone", label);
	if (!(seen & (1u << VM_KERNEL)))
		topo_err(p, n, "%s has no 'kernel:'; add the path of an arm64 Image", label);
	if (!vm->cmdline && !p->nomem) {
		vm->cmdline = strdup(SV_TOPO_DEFAULT_CMDLINE);
		if (!vm->cmdline)
			p->nomem = 1;
	}
	if (vm->role == SV_TOPO_DEVICE && !vm->role_unknown)
		vm->restart = SV_TOPO_RESTART_ON_FAILURE;
	if (ctx.restart)
		parse_restart(p, ctx.restart, &ctx);
	if (ctx.passthrough)
		parse_passthrough(p, ctx.passthrough, &ctx);
	if (ctx.dma_window)
		parse_dma_window(p, ctx.dma_window, &ctx);
	if (ctx.devices) {
		if (vm->role == SV_TOPO_DRIVER)
			topo_parse_devices(p, ctx.devices, vm, ctx.vmname);
		else if (seen & (1u << VM_ROLE))
			topo_err(
				p, ctx.devices,
				"%s has role %s but 'devices:'; only driver VMs get devices from a device VM (set role: driver)",
				label, sv_topo_role_name(vm->role));
	}
}

static void parse_vms(struct topo_parser *p, yaml_node_t *n)
{
	struct sv_topology *t = p->topo;
	unsigned int count;
	yaml_node_item_t *items;

	t->vms_line = NODE_LINE(n);
	if (n->type == YAML_SCALAR_NODE && n->data.scalar.length == 0)
		return; /* "vms:" with nothing: validation reports "no VMs" */
	items = topo_items(p, n, "vms", &count);
	if (!items)
		return;
	if (count > SV_TOPO_MAX_VMS) {
		topo_err(p, n, "vms: %u VMs; at most %d are supported", count, SV_TOPO_MAX_VMS);
		return;
	}
	t->vms = calloc(count ? count : 1, sizeof(*t->vms));
	if (!t->vms) {
		p->nomem = 1;
		return;
	}
	for (unsigned int i = 0; i < count && !p->nomem; i++) {
		yaml_node_t *item = yaml_document_get_node(p->doc, items[i]);

		if (item)
			parse_vm(p, item, &t->vms[t->nr_vms++], i);
	}
}

static void parse_top_pair(struct topo_parser *p, int key, yaml_node_t *v, void *ctx)
{
	(void)ctx;
	if (key == 0) {
		if (topo_get_string(p, v, "name", &p->topo->name) && !topo_name_ok(p->topo->name))
			topo_err(
				p, v,
				"name: '%.64s' is not a valid topology name; use 1-%d letters, digits, '-' or '_'",
				p->topo->name, SV_TOPO_NAME_MAX);
	} else {
		parse_vms(p, v);
	}
}

static void parse_root(struct topo_parser *p, yaml_node_t *root)
{
	static const char *const top_keys[] = { "name", "vms", NULL };

	if (root->type != YAML_MAPPING_NODE) {
		topo_err(p, root, "the file must be a mapping with a 'vms:' list at the top");
		return;
	}
	if (!(topo_walk_mapping(p, root, top_keys, "the top level", parse_top_pair, NULL) & 2))
		topo_err(p, root, "no 'vms:' list; add one with at least one VM");
}

/* Topology name from the file name: "dir/demo.yaml" -> "demo". */
static int default_name(struct topo_parser *p, const char *path)
{
	const char *base = strrchr(path, '/');
	const char *dot;
	size_t len;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	p->topo->name = strndup(base, len);
	if (!p->topo->name)
		return -ENOMEM;
	if (!topo_name_ok(p->topo->name))
		topo_err(
			p, NULL,
			"the topology name '%.64s' (from the file name) may only use letters, digits, '-' and '_' (max %d); add a top-level 'name:' key",
			p->topo->name, SV_TOPO_NAME_MAX);
	return 0;
}

static void syntax_error(struct topo_parser *p, yaml_parser_t *yp)
{
	const yaml_mark_t *m = &yp->problem_mark;
	const char *problem = yp->problem ? yp->problem : "malformed YAML";
	const char *context = yp->context ? yp->context : NULL;

	if (yp->error == YAML_MEMORY_ERROR) {
		p->nomem = 1;
		return;
	}
	if (sv_topo_diag_add(
		    p->diags, SV_TOPO_ERROR, (int)m->line + 1, (int)m->column + 1,
		    "YAML syntax error: %s%s%s (check indentation, colons and quotes here or just above)",
		    context ? context : "", context ? ": " : "", problem))
		p->nomem = 1;
}

static int load_document(struct topo_parser *p, const char *text, size_t len)
{
	yaml_parser_t yp;
	yaml_document_t extra;
	yaml_node_t *root;
	int ret = 0;

	if (!yaml_parser_initialize(&yp))
		return -ENOMEM;
	yaml_parser_set_input_string(&yp, (const unsigned char *)text, len);
	if (!yaml_parser_load(&yp, p->doc)) {
		syntax_error(p, &yp);
		yaml_parser_delete(&yp);
		return p->nomem ? -ENOMEM : -EINVAL;
	}
	root = yaml_document_get_root_node(p->doc);
	if (!root) {
		topo_err(p, NULL, "the file is empty; it needs a 'vms:' list");
		ret = -EINVAL;
	} else if (!yaml_parser_load(&yp, &extra)) {
		syntax_error(p, &yp);
		ret = -EINVAL;
	} else {
		yaml_node_t *next = yaml_document_get_root_node(&extra);

		if (next) {
			topo_err(
				p, next,
				"a second YAML document ('---') starts here; a topology is one document");
			ret = -EINVAL;
		}
		yaml_document_delete(&extra);
	}
	yaml_parser_delete(&yp);
	if (ret)
		yaml_document_delete(p->doc);
	return ret;
}

int topo_parse_partial(const char *text, size_t len, const char *path, const char *dir,
		       struct sv_topology **out, struct sv_topo_diags *diags)
{
	yaml_document_t doc;
	struct topo_parser p = { .doc = &doc, .diags = diags, .dir = dir };
	unsigned int errors = diags->nr_errors;
	int ret;

	*out = NULL;
	p.topo = calloc(1, sizeof(*p.topo));
	if (!p.topo)
		return -ENOMEM;
	p.topo->path = strdup(path ? path : "<input>");
	p.topo->dir = dir ? strdup(dir) : NULL;
	if (!p.topo->path || (dir && !p.topo->dir)) {
		sv_topo_free(p.topo);
		return -ENOMEM;
	}
	ret = load_document(&p, text, len);
	if (ret) {
		sv_topo_free(p.topo);
		return ret;
	}
	parse_root(&p, yaml_document_get_root_node(&doc));
	yaml_document_delete(&doc);
	if (!p.topo->name && !p.nomem && default_name(&p, p.topo->path))
		p.nomem = 1;
	if (p.nomem) {
		sv_topo_free(p.topo);
		return -ENOMEM;
	}
	/* Without VMs, cross-checks would only add "no VMs" to the errors above. */
	if (diags->nr_errors != errors && !p.topo->nr_vms) {
		sv_topo_free(p.topo);
		return -EINVAL;
	}
	*out = p.topo;
	return diags->nr_errors != errors ? -EINVAL : 0;
}

int sv_topo_parse(const char *text, size_t len, const char *path, const char *dir,
		  struct sv_topology **out, struct sv_topo_diags *diags)
{
	int ret = topo_parse_partial(text, len, path, dir, out, diags);

	if (ret && *out) {
		sv_topo_free(*out);
		*out = NULL;
	}
	return ret;
}
