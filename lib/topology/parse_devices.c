// SPDX-License-Identifier: GPL-2.0
/* The 'devices:' list of a driver VM: devices served by a device VM. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <splitvirt/device_type.h>

#include "parse_util.h"

enum dev_key {
	DEV_TYPE,
	DEV_FROM,
	DEV_BACKING,
	DEV_READONLY,
	DEV_BRIDGE,
	DEV_MAC,
	DEV_TAG,
	DEV_BACKEND,
};

static const char *const dev_keys[] = {
	"type", "from", "backing", "readonly", "bridge", "mac", "tag", "backend", NULL,
};

struct dev_ctx {
	struct sv_topo_dev *dev;
	bool have_type;
	yaml_node_t *nodes[8];
};

/* The device type named by 'type:', from the device table. */
static void parse_type(struct topo_parser *p, yaml_node_t *v, struct dev_ctx *ctx)
{
	const char *s = topo_scalar(p, v, "type");

	if (!s)
		return;
	if (!sv_dev_find(s, strlen(s), &ctx->dev->type)) {
		ctx->have_type = true;
		return;
	}
	topo_err(p, v, "type: '%.64s' is not a device type; use %s", s, sv_dev_type_list());
}

static void parse_backend(struct topo_parser *p, yaml_node_t *v, struct sv_topo_dev *dev)
{
	const char *s = topo_scalar(p, v, "backend");

	if (s && sv_dev_find_backend(s, strlen(s), &dev->backend))
		topo_err(
			p, v,
			"backend: '%.64s' is not a back-end; use devmodel (the default), vhost-user or vhost-net",
			s);
}

static void parse_dev_pair(struct topo_parser *p, int key, yaml_node_t *v, void *opaque)
{
	struct dev_ctx *ctx = opaque;
	struct sv_topo_dev *dev = ctx->dev;

	ctx->nodes[key] = v;
	switch (key) {
	case DEV_TYPE:
		parse_type(p, v, ctx);
		break;
	case DEV_FROM:
		dev->from_line = NODE_LINE(v);
		topo_get_string(p, v, "from", &dev->from);
		break;
	case DEV_BACKING:
		topo_get_string(p, v, "backing", &dev->backing);
		break;
	case DEV_READONLY:
		topo_get_bool(p, v, "readonly", &dev->readonly);
		break;
	case DEV_BRIDGE:
		topo_get_ifname(p, v, "bridge", &dev->bridge);
		break;
	case DEV_MAC:
		topo_get_mac(p, v, "mac", &dev->mac);
		break;
	case DEV_TAG:
		topo_get_string(p, v, "tag", &dev->tag);
		break;
	case DEV_BACKEND:
		parse_backend(p, v, dev);
		break;
	}
}

/* The device table's option behind each key, and how to ask for a missing one. */
static const struct {
	unsigned int opt;
	const char *hint;
} key_opts[] = {
	[DEV_BACKING] = { .opt = SV_DEV_OPT_PATH,
			  .hint = "give its path inside the device VM (e.g. backing: /dev/vda)" },
	[DEV_READONLY] = { .opt = SV_DEV_OPT_RO },
	[DEV_BRIDGE] = { .opt = SV_DEV_OPT_BRIDGE,
			 .hint = "give the bridge inside the device VM (e.g. bridge: br0)" },
	[DEV_MAC] = { .opt = SV_DEV_OPT_MAC },
	[DEV_TAG] = { .opt = SV_DEV_OPT_TAG,
		      .hint = "give the name the driver VM mounts it by (e.g. tag: share)" },
};

/* Which keys the type takes and needs (its descriptor says), and whether a device VM can serve it. */
static void check_keys(struct topo_parser *p, yaml_node_t *n, struct dev_ctx *ctx,
		       const char *vmname)
{
	const struct sv_dev_desc *desc = sv_dev_desc(ctx->dev->type);
	struct sv_dev_spec spec;
	bool complete = true;
	char err[200];

	for (int k = DEV_BACKING; k <= DEV_TAG; k++) {
		if (ctx->nodes[k] && !(desc->opts & key_opts[k].opt))
			topo_err(p, ctx->nodes[k], "'%s' does not apply to a %s device; remove it",
				 dev_keys[k], desc->name);
		if (!ctx->nodes[k] && (desc->remote_needs & key_opts[k].opt)) {
			topo_err(p, n, "%s device of VM '%.40s' has no '%s:'; %s", desc->name,
				 vmname, dev_keys[k], key_opts[k].hint);
			complete = false;
		}
	}
	if (ctx->nodes[DEV_BACKEND] && ((ctx->dev->backend == SV_DEV_BACKEND_VHOST_USER &&
					 !(desc->flags & SV_DEV_F_VHOST_USER)) ||
					(ctx->dev->backend == SV_DEV_BACKEND_VHOST_NET &&
					 !(desc->flags & SV_DEV_F_VHOST_NET))))
		topo_err(
			p, ctx->nodes[DEV_BACKEND],
			"a %s device has no %s back-end; remove 'backend:' (the devmodel serves it)",
			desc->name, sv_dev_backend_name(ctx->dev->backend));
	/* What the supervisor will write into the device VM's sv.link parameter. */
	if (complete && !sv_topo_dev_spec(ctx->dev, &spec) &&
	    sv_dev_link_check(&spec, "", err, sizeof(err)))
		topo_err(p, n, "%s device of VM '%.40s'%s", desc->name, vmname, err);
}

static void parse_device(struct topo_parser *p, yaml_node_t *n, struct sv_topo_dev *dev,
			 const char *vmname)
{
	struct dev_ctx ctx = { .dev = dev };
	char what[64];

	dev->line = NODE_LINE(n);
	if (n->type != YAML_MAPPING_NODE) {
		topo_err(
			p, n,
			"devices: each device is a mapping like { type: blk, from: devvm, backing: /dev/vda }");
		return;
	}
	snprintf(what, sizeof(what), "a device of VM '%.40s'", vmname);
	topo_walk_mapping(p, n, dev_keys, what, parse_dev_pair, &ctx);
	if (!ctx.nodes[DEV_TYPE])
		topo_err(p, n, "%s has no 'type:'; use %s", what, sv_dev_type_list());
	if (!ctx.nodes[DEV_FROM])
		topo_err(p, n, "%s has no 'from:'; name the device VM that serves it", what);
	if (ctx.have_type)
		check_keys(p, n, &ctx, vmname);
}

void topo_parse_devices(struct topo_parser *p, yaml_node_t *n, struct sv_topo_vm *vm,
			const char *vmname)
{
	unsigned int count;
	yaml_node_item_t *items = topo_items(p, n, "devices", &count);

	if (!items)
		return;
	if (count > SV_TOPO_MAX_DEVICES) {
		topo_err(p, n, "devices: %u devices; a driver VM has at most %d", count,
			 SV_TOPO_MAX_DEVICES);
		return;
	}
	vm->devs = calloc(count ? count : 1, sizeof(*vm->devs));
	if (!vm->devs) {
		p->nomem = 1;
		return;
	}
	for (unsigned int i = 0; i < count; i++) {
		yaml_node_t *item = yaml_document_get_node(p->doc, items[i]);
		unsigned int errors = p->diags->nr_errors;
		struct sv_topo_dev *dev = &vm->devs[vm->nr_devs];

		if (!item)
			continue;
		vm->nr_devs++;
		parse_device(p, item, dev, vmname);
		dev->broken = p->diags->nr_errors != errors;
	}
}
