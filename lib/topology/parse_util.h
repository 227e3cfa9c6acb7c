/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the topology parser's files (not a public API). */
#ifndef SV_TOPO_PARSE_UTIL_H
#define SV_TOPO_PARSE_UTIL_H

#include <stdbool.h>
#include <yaml.h>

#include <splitvirt/topology.h>

struct topo_parser {
	yaml_document_t *doc;
	struct sv_topo_diags *diags;
	struct sv_topology *topo;
	const char *dir;
	int nomem;
};

#define NODE_LINE(n) ((int)(n)->start_mark.line + 1)
#define NODE_COL(n) ((int)(n)->start_mark.column + 1)

void topo_err(struct topo_parser *p, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void topo_warn(struct topo_parser *p, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Walks the pairs of a mapping whose keys must come from keys[] (NULL-ended). */
typedef void (*topo_pair_fn)(struct topo_parser *p, int key, yaml_node_t *value, void *ctx);
/*
 * Calls fn for each known key; reports non-scalar, duplicate and unknown keys
 * (naming what, e.g. "VM 'app'"). Returns a bitmask of the keys seen.
 */
unsigned int topo_walk_mapping(struct topo_parser *p, yaml_node_t *map, const char *const *keys,
			       const char *what, topo_pair_fn fn, void *ctx);

/* The scalar text of n, or NULL after reporting "key: expected ..." */
const char *topo_scalar(struct topo_parser *p, yaml_node_t *n, const char *key);
/* A non-empty string copied into *dst (freeing an old one); false on error. */
bool topo_get_string(struct topo_parser *p, yaml_node_t *n, const char *key, char **dst);
/* A host path, made absolute against the topology folder. */
bool topo_get_host_path(struct topo_parser *p, yaml_node_t *n, const char *key, char **dst);
bool topo_get_bool(struct topo_parser *p, yaml_node_t *n, const char *key, bool *dst);
bool topo_get_uint(struct topo_parser *p, yaml_node_t *n, const char *key, unsigned long min,
		   unsigned long max, unsigned int *dst);
bool topo_get_size(struct topo_parser *p, yaml_node_t *n, const char *key, uint64_t *dst);
/* A network interface name (tap, bridge): 1-15 of [A-Za-z0-9_.-]. */
bool topo_get_ifname(struct topo_parser *p, yaml_node_t *n, const char *key, char **dst);
/* A unicast MAC, stored lower-case. */
bool topo_get_mac(struct topo_parser *p, yaml_node_t *n, const char *key, char **dst);
/* A VM or topology name: 1-31 of [A-Za-z0-9_-], starting with a letter or digit. */
bool topo_name_ok(const char *name);

/* A sequence's items, or NULL after reporting "key: expected a list". */
yaml_node_item_t *topo_items(struct topo_parser *p, yaml_node_t *n, const char *key,
			     unsigned int *count);

void topo_parse_devices(struct topo_parser *p, yaml_node_t *n, struct sv_topo_vm *vm,
			const char *vmname);

/*
 * sv_topo_parse(), except that on -EINVAL *out may still be a partial model
 * (readable YAML with at least one VM; the caller frees it): what could not
 * be parsed is missing or marked (sv_topo_vm.role_unknown,
 * sv_topo_dev.broken), so validation can add its cross-checks.
 */
int topo_parse_partial(const char *text, size_t len, const char *path, const char *dir,
		       struct sv_topology **out, struct sv_topo_diags *diags);

/* sv_topo_validate() flag: the model is partial; skip what only repeats its errors. */
#define TOPO_VALIDATE_PARTIAL (1u << 31)

#endif
