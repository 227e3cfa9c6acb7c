// SPDX-License-Identifier: GPL-2.0
/* Scalar conversions and mapping walks with diagnostics for the topology parser. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <splitvirt/size.h>

#include "parse_util.h"

static void vdiag(struct topo_parser *p, enum sv_topo_severity sev, const yaml_node_t *n,
		  const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (sv_topo_diag_add(p->diags, sev, n ? NODE_LINE(n) : 0, n ? NODE_COL(n) : 0, "%s", msg))
		p->nomem = 1;
}

void topo_err(struct topo_parser *p, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(p, SV_TOPO_ERROR, n, fmt, ap);
	va_end(ap);
}

void topo_warn(struct topo_parser *p, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(p, SV_TOPO_WARNING, n, fmt, ap);
	va_end(ap);
}

/* Levenshtein distance, capped: only used to suggest a key for a typo. */
static unsigned int edit_distance(const char *a, const char *b)
{
	unsigned int row[33], la = strlen(a), lb = strlen(b);

	if (la > 32 || lb > 32)
		return 99;
	for (unsigned int j = 0; j <= lb; j++)
		row[j] = j;
	for (unsigned int i = 1; i <= la; i++) {
		unsigned int diag = row[0];

		row[0] = i;
		for (unsigned int j = 1; j <= lb; j++) {
			unsigned int up = row[j];
			unsigned int best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static void unknown_key(struct topo_parser *p, yaml_node_t *k, const char *name,
			const char *const *keys, const char *what)
{
	char known[256] = "";
	const char *close = NULL;
	size_t used = 0;

	for (unsigned int i = 0; keys[i]; i++) {
		used += snprintf(known + used, sizeof(known) - used, "%s%s", i ? ", " : "",
				 keys[i]);
		if (used >= sizeof(known))
			break;
		if (!close && edit_distance(name, keys[i]) <= 2)
			close = keys[i];
	}
	if (close)
		topo_err(p, k, "unknown key '%.64s' in %s; did you mean '%s'?", name, what, close);
	else
		topo_err(p, k, "unknown key '%.64s' in %s; known keys: %s", name, what, known);
}

unsigned int topo_walk_mapping(struct topo_parser *p, yaml_node_t *map, const char *const *keys,
			       const char *what, topo_pair_fn fn, void *ctx)
{
	unsigned int seen = 0;

	for (yaml_node_pair_t *pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(p->doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(p->doc, pair->value);
		const char *name;
		int idx = -1;

		if (!k || !v)
			continue;
		if (k->type != YAML_SCALAR_NODE) {
			topo_err(p, k, "keys in %s must be plain words like 'name'", what);
			continue;
		}
		name = (const char *)k->data.scalar.value;
		for (int i = 0; keys[i]; i++) {
			if (!strcmp(name, keys[i])) {
				idx = i;
				break;
			}
		}
		if (idx < 0) {
			unknown_key(p, k, name, keys, what);
			continue;
		}
		if (seen & (1u << idx)) {
			topo_err(p, k, "key '%s' appears twice in %s; keep one", name, what);
			continue;
		}
		seen |= 1u << idx;
		fn(p, idx, v, ctx);
	}
	return seen;
}

const char *topo_scalar(struct topo_parser *p, yaml_node_t *n, const char *key)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE) {
		topo_err(p, n, "%s: expected a single value, not a %s", key,
			 n->type == YAML_SEQUENCE_NODE ? "list" : "mapping");
		return NULL;
	}
	s = (const char *)n->data.scalar.value;
	if (strlen(s) != n->data.scalar.length) {
		topo_err(p, n, "%s: the value contains a NUL character", key);
		return NULL;
	}
	return s;
}

static bool set_string(struct topo_parser *p, char **dst, const char *s)
{
	char *copy = strdup(s);

	if (!copy) {
		p->nomem = 1;
		return false;
	}
	free(*dst);
	*dst = copy;
	return true;
}

bool topo_get_string(struct topo_parser *p, yaml_node_t *n, const char *key, char **dst)
{
	const char *s = topo_scalar(p, n, key);

	if (!s)
		return false;
	if (!*s) {
		topo_err(p, n, "%s: empty value; give one or remove the key", key);
		return false;
	}
	return set_string(p, dst, s);
}

bool topo_get_host_path(struct topo_parser *p, yaml_node_t *n, const char *key, char **dst)
{
	char *path = NULL;

	if (!topo_get_string(p, n, key, &path))
		return false;
	if (path[0] != '/' && p->dir) {
		char *abs;

		if (asprintf(&abs, "%s/%s", p->dir, path) < 0) {
			free(path);
			p->nomem = 1;
			return false;
		}
		free(path);
		path = abs;
	}
	free(*dst);
	*dst = path;
	return true;
}

bool topo_get_bool(struct topo_parser *p, yaml_node_t *n, const char *key, bool *dst)
{
	const char *s = topo_scalar(p, n, key);

	if (!s)
		return false;
	if (!strcmp(s, "true")) {
		*dst = true;
		return true;
	}
	if (!strcmp(s, "false")) {
		*dst = false;
		return true;
	}
	topo_err(p, n, "%s: '%.64s' is not a boolean; write true or false", key, s);
	return false;
}

bool topo_get_uint(struct topo_parser *p, yaml_node_t *n, const char *key, unsigned long min,
		   unsigned long max, unsigned int *dst)
{
	const char *s = topo_scalar(p, n, key);
	unsigned long v;
	int ret;

	if (!s)
		return false;
	ret = sv_parse_uint(s, min, max, &v);
	if (ret == -ERANGE) {
		topo_err(p, n, "%s: %.64s is out of range; give %lu to %lu", key, s, min, max);
		return false;
	}
	if (ret) {
		topo_err(p, n, "%s: '%.64s' is not a number; give %lu to %lu", key, s, min, max);
		return false;
	}
	*dst = (unsigned int)v;
	return true;
}

bool topo_get_size(struct topo_parser *p, yaml_node_t *n, const char *key, uint64_t *dst)
{
	const char *s = topo_scalar(p, n, key);

	if (!s)
		return false;
	if (sv_parse_size(s, dst)) {
		topo_err(p, n, "%s: '%.64s' is not a size; write e.g. 256M or 1G", key, s);
		return false;
	}
	return true;
}

static bool ifname_ok(const char *s)
{
	size_t len = strlen(s);

	if (len < 1 || len > 15)
		return false;
	for (; *s; s++) {
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
			return false;
	}
	return true;
}

bool topo_get_ifname(struct topo_parser *p, yaml_node_t *n, const char *key, char **dst)
{
	const char *s = topo_scalar(p, n, key);

	if (!s)
		return false;
	if (!ifname_ok(s)) {
		topo_err(
			p, n,
			"%s: '%.64s' is not an interface name; use 1-15 letters, digits, '_', '-' or '.'",
			key, s);
		return false;
	}
	return set_string(p, dst, s);
}

bool topo_get_mac(struct topo_parser *p, yaml_node_t *n, const char *key, char **dst)
{
	const char *s = topo_scalar(p, n, key);
	unsigned int b[6];
	char tail, text[64];

	if (!s)
		return false;
	if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
				      &b[4], &b[5], &tail) != 6) {
		topo_err(p, n, "%s: '%.64s' is not a MAC address; write e.g. \"52:54:00:12:34:56\"",
			 key, s);
		return false;
	}
	if (b[0] & 1) {
		topo_err(
			p, n,
			"%s: %s is a multicast address; a NIC needs a unicast one (even first byte)",
			key, s);
		return false;
	}
	snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4],
		 b[5]);
	return set_string(p, dst, text);
}

bool topo_name_ok(const char *name)
{
	size_t len = strlen(name);

	if (len < 1 || len > SV_TOPO_NAME_MAX || !isalnum((unsigned char)name[0]))
		return false;
	for (; *name; name++) {
		if (!isalnum((unsigned char)*name) && *name != '_' && *name != '-')
			return false;
	}
	return true;
}

yaml_node_item_t *topo_items(struct topo_parser *p, yaml_node_t *n, const char *key,
			     unsigned int *count)
{
	if (n->type != YAML_SEQUENCE_NODE) {
		topo_err(p, n, "%s: expected a list ('- item' lines or [a, b])", key);
		return NULL;
	}
	*count = (unsigned int)(n->data.sequence.items.top - n->data.sequence.items.start);
	return n->data.sequence.items.start;
}
