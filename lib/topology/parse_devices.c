// SPDX-License-Identifier: GPL-2.0
/* The 'devices:' list of a driver VM: devices served by a device VM. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <splitvirt/link_spec.h>

#include <splitvirt/device_type.h>

#include "parse_util.h"

enum dev_key {
	DEV_TYPE,
	DEV_FROM,
	DEV_BACKING,
	DEV_READONLY,
	DEV_BRIDGE,
	DEV_MAC,
};

static const char *const dev_keys[] = {
	"type", "from", "backing", "readonly", "bridge", "mac", NULL,
};

struct dev_ctx {
	struct sv_topo_dev *dev;
	bool have_type;
	yaml_node_t *nodes[6];
};

/* It ends up in the device VM's sv.link parameter: the blk type's rule there. */
static void check_backing(struct topo_parser *p, yaml_node_t *v, const char *backing)
{
	struct sv_dev_spec d = { .type = SV_DEV_BLK };
	char err[160];

	if (strlen(backing) < sizeof(d.path))
		strcpy(d.path, backing);
	if (!d.path[0] || sv_dev_link_check(&d, "backing", err, sizeof(err)))
		topo_err(
			p, v,
			"backing: '%.200s' must be an absolute path in the device VM of at most 255 bytes, without blanks, commas or quotes and not ending in ':ro' (e.g. /dev/vda)",
			backing);
}

static void parse_type(struct topo_parser *p, yaml_node_t *v, struct dev_ctx *ctx)
{
	static const char *const names[] = {
		[SV_TOPO_BLK] = "blk",
		[SV_TOPO_NET] = "net",
		[SV_TOPO_CONSOLE] = "console",
		[SV_TOPO_RNG] = "rng",
	};
	const char *s = topo_scalar(p, v, "type");

	if (!s)
		return;
	for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			ctx->dev->type = (enum sv_topo_dev_type)i;
			ctx->have_type = true;
			return;
		}
	}
	topo_err(p, v, "type: '%.64s' is not a device type; use blk, net, console or rng", s);
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
		if (topo_get_string(p, v, "backing", &dev->backing))
			check_backing(p, v, dev->backing);
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
	}
}

/* Which keys each type takes, and which it needs. */
static void check_keys(struct topo_parser *p, yaml_node_t *n, struct dev_ctx *ctx,
		       const char *vmname)
{
	static const unsigned int allowed[] = {
		[SV_TOPO_BLK] = 1u << DEV_BACKING | 1u << DEV_READONLY,
		[SV_TOPO_NET] = 1u << DEV_BRIDGE | 1u << DEV_MAC,
		[SV_TOPO_CONSOLE] = 0,
		[SV_TOPO_RNG] = 0,
	};
	enum sv_topo_dev_type type = ctx->dev->type;
	const char *tname = sv_topo_dev_type_name(type);

	for (int k = DEV_BACKING; k <= DEV_MAC; k++) {
		if (ctx->nodes[k] && !(allowed[type] & (1u << k)))
			topo_err(p, ctx->nodes[k], "'%s' does not apply to a %s device; remove it",
				 dev_keys[k], tname);
	}
	if (type == SV_TOPO_BLK && !ctx->nodes[DEV_BACKING])
		topo_err(
			p, n,
			"blk device of VM '%.40s' has no 'backing:'; give the disk's path inside the device VM (e.g. backing: /dev/vda)",
			vmname);
	if (type == SV_TOPO_NET && !ctx->nodes[DEV_BRIDGE])
		topo_err(
			p, n,
			"net device of VM '%.40s' has no 'bridge:'; give the bridge inside the device VM (e.g. bridge: br0)",
			vmname);
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
		topo_err(p, n, "%s has no 'type:'; use blk, net, console or rng", what);
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
