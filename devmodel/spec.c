// SPDX-License-Identifier: GPL-2.0
/* Parser of the sv.link<ID>= kernel parameters (see spec.h). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <splitvirt/size.h>

#include "spec.h"

#define PARAM_PREFIX "sv.link"

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

const char *dm_dev_type_name(enum dm_dev_type type)
{
	switch (type) {
	case DM_DEV_BLK:
		return "blk";
	case DM_DEV_NET:
		return "net";
	case DM_DEV_CONSOLE:
		return "console";
	case DM_DEV_RNG:
		return "rng";
	}
	return "?";
}

/* Same rule as the topology's VM names. */
static bool driver_name_ok(const char *s, size_t len)
{
	if (len < 1 || len > DM_NAME_MAX || !isalnum((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	}
	return true;
}

static bool ifname_ok(const char *s)
{
	size_t len = strlen(s);

	if (len < 1 || len > DM_IFNAME_MAX)
		return false;
	for (; *s; s++) {
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
			return false;
	}
	return true;
}

static bool path_ok(const char *s)
{
	if (s[0] != '/')
		return false;
	for (; *s; s++) {
		if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s) || *s == '"')
			return false;
	}
	return true;
}

static bool parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;

	if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
				      &b[4], &b[5], &tail) != 6)
		return false;
	for (int i = 0; i < 6; i++) {
		/* sscanf takes "+1" or " 1" for %2x: require hex digits exactly. */
		if (!isxdigit((unsigned char)s[3 * i]) || !isxdigit((unsigned char)s[3 * i + 1]))
			return false;
		mac[i] = (uint8_t)b[i];
	}
	return true;
}

static int parse_blk(const char *arg, bool ro, struct dm_dev_spec *d, const char *where, char *err,
		     size_t errlen)
{
	size_t len = strlen(arg);

	if (!ro && len >= 3 && !strcmp(arg + len - 3, ":ro")) {
		ro = true;
		len -= 3;
	}
	if (len == 0)
		return fail(err, errlen, "%s: blk needs a path; write blk=/dev/vda or blk=/img:ro",
			    where);
	if (len >= sizeof(d->path))
		return fail(err, errlen, "%s: blk path is %zu bytes; the limit is %zu", where, len,
			    sizeof(d->path) - 1);
	memcpy(d->path, arg, len);
	d->path[len] = '\0';
	if (!path_ok(d->path))
		return fail(err, errlen,
			    "%s: blk path '%.64s' must be absolute, without blanks or quotes",
			    where, d->path);
	d->type = DM_DEV_BLK;
	d->read_only = ro;
	return 0;
}

static int parse_net(const char *arg, struct dm_dev_spec *d, const char *where, char *err,
		     size_t errlen)
{
	const char *slash = strchr(arg, '/');
	size_t blen = slash ? (size_t)(slash - arg) : strlen(arg);

	if (blen == 0 || blen > DM_IFNAME_MAX)
		return fail(
			err, errlen,
			"%s: net needs a bridge name of 1-%d characters; write net=br0 or net=br0/52:54:00:12:34:56",
			where, DM_IFNAME_MAX);
	memcpy(d->bridge, arg, blen);
	d->bridge[blen] = '\0';
	if (!ifname_ok(d->bridge))
		return fail(
			err, errlen,
			"%s: '%s' is not an interface name; use letters, digits, '_', '-' or '.'",
			where, d->bridge);
	if (slash) {
		if (!parse_mac(slash + 1, d->mac))
			return fail(
				err, errlen,
				"%s: '%.32s' is not a MAC address; write e.g. 52:54:00:12:34:56",
				where, slash + 1);
		if (d->mac[0] & 1)
			return fail(err, errlen,
				    "%s: %s is a multicast address; a NIC needs a unicast one",
				    where, slash + 1);
		d->has_mac = true;
	}
	d->type = DM_DEV_NET;
	return 0;
}

static int parse_dev(const char *tok, struct dm_dev_spec *d, const char *where, char *err,
		     size_t errlen)
{
	memset(d, 0, sizeof(*d));
	if (!strncmp(tok, "blk=", 4))
		return parse_blk(tok + 4, false, d, where, err, errlen);
	if (!strncmp(tok, "blk-ro=", 7))
		return parse_blk(tok + 7, true, d, where, err, errlen);
	if (!strncmp(tok, "net=", 4))
		return parse_net(tok + 4, d, where, err, errlen);
	if (!strcmp(tok, "console")) {
		d->type = DM_DEV_CONSOLE;
		return 0;
	}
	if (!strcmp(tok, "rng")) {
		d->type = DM_DEV_RNG;
		return 0;
	}
	if (!*tok)
		return fail(err, errlen, "%s: empty device (two commas in a row?)", where);
	return fail(
		err, errlen,
		"%s: unknown device '%.40s'; use blk=PATH[:ro], net=BRIDGE[/MAC], console or rng",
		where, tok);
}

int dm_parse_link_value(const char *value, struct dm_link_spec *spec, char *err, size_t errlen)
{
	const char *colon = strchr(value, ':');
	const char *p;
	char tok[DM_PATH_MAX + 16], where[64];

	spec->nr_devs = 0;
	if (!colon)
		return fail(
			err, errlen,
			"sv.link%u: '%.40s' has no driver VM name; write sv.link%u=NAME:DEV,DEV,...",
			spec->id, value, spec->id);
	if (!driver_name_ok(value, (size_t)(colon - value)))
		return fail(
			err, errlen,
			"sv.link%u: '%.*s' is not a VM name; use 1-%d letters, digits, '-' or '_'",
			spec->id, (int)(colon - value > 40 ? 40 : colon - value), value,
			DM_NAME_MAX);
	memcpy(spec->driver, value, (size_t)(colon - value));
	spec->driver[colon - value] = '\0';

	p = colon + 1;
	if (!*p)
		return 0; /* a link without devices: the driver VM still gets START_VM */
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		struct dm_dev_spec *d;
		int ret;

		snprintf(where, sizeof(where), "sv.link%u device %u", spec->id, spec->nr_devs);
		if (spec->nr_devs == DM_MAX_DEVS)
			return fail(err, errlen, "sv.link%u: more than %d devices", spec->id,
				    DM_MAX_DEVS);
		if (len >= sizeof(tok))
			return fail(err, errlen, "%s: too long (%zu bytes)", where, len);
		memcpy(tok, p, len);
		tok[len] = '\0';
		d = &spec->devs[spec->nr_devs];
		ret = parse_dev(tok, d, where, err, errlen);
		if (ret)
			return ret;
		spec->nr_devs++;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

const struct dm_link_spec *dm_config_find(const struct dm_config *cfg, uint32_t id)
{
	for (unsigned int i = 0; i < cfg->nr_links; i++) {
		if (cfg->links[i].id == id)
			return &cfg->links[i];
	}
	return NULL;
}

/* One "sv.link<ID>=VALUE" word (quotes already removed). */
static int parse_param(const char *word, struct dm_config *cfg, char *err, size_t errlen)
{
	const char *eq = strchr(word, '=');
	char id_text[16];
	struct dm_link_spec *spec;
	unsigned long id;
	size_t idlen;

	if (!eq)
		return fail(err, errlen, "'%.40s' has no value; write sv.linkID=NAME:DEV,...",
			    word);
	idlen = (size_t)(eq - word) - strlen(PARAM_PREFIX);
	if (idlen == 0 || idlen >= sizeof(id_text))
		return fail(err, errlen, "'%.40s': the link id must follow 'sv.link'", word);
	memcpy(id_text, word + strlen(PARAM_PREFIX), idlen);
	id_text[idlen] = '\0';
	if ((idlen > 1 && id_text[0] == '0') || sv_parse_uint(id_text, 0, DM_MAX_LINK_ID, &id))
		return fail(err, errlen, "'%.40s': link id '%s' is not a number 0-%d", word,
			    id_text, DM_MAX_LINK_ID);
	if (dm_config_find(cfg, (uint32_t)id))
		return fail(err, errlen, "sv.link%lu is given twice", id);
	if (cfg->nr_links == DM_MAX_LINKS)
		return fail(err, errlen, "more than %d sv.link parameters", DM_MAX_LINKS);
	spec = &cfg->links[cfg->nr_links];
	memset(spec, 0, sizeof(*spec));
	spec->id = (uint32_t)id;
	if (dm_parse_link_value(eq + 1, spec, err, errlen))
		return -EINVAL;
	cfg->nr_links++;
	return 0;
}

int dm_parse_cmdline(const char *cmdline, struct dm_config *cfg, char *err, size_t errlen)
{
	const char *p = cmdline;
	char word[4096];

	memset(cfg, 0, sizeof(*cfg));
	for (;;) {
		size_t len = 0;
		bool quoted = false;
		int ret;

		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p)
			return 0;
		/* The kernel's rule: blanks inside double quotes do not split. */
		for (; *p && (quoted || !isspace((unsigned char)*p)); p++) {
			if (*p == '"') {
				quoted = !quoted;
				continue;
			}
			if (len + 1 < sizeof(word))
				word[len] = *p;
			len++;
		}
		if (len < strlen(PARAM_PREFIX) || strncmp(word, PARAM_PREFIX, strlen(PARAM_PREFIX)))
			continue;
		if (len + 1 > sizeof(word))
			return fail(err, errlen,
				    "an sv.link parameter is %zu bytes; the limit is %zu", len,
				    sizeof(word) - 1);
		word[len] = '\0';
		ret = parse_param(word, cfg, err, errlen);
		if (ret)
			return ret;
	}
}
