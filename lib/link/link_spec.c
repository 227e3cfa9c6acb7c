// SPDX-License-Identifier: GPL-2.0
/* Writer and parser of the sv.link<ID>= kernel parameter (see link_spec.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <splitvirt/link_spec.h>
#include <splitvirt/size.h>

#include <splitvirt/strbuf.h>

#define RO_SUFFIX ":ro"
#define RO_SUFFIX_LEN (sizeof(RO_SUFFIX) - 1)
#define PREFIX_LEN (sizeof(SV_LINK_SPEC_PREFIX) - 1)

const char *sv_dev_type_name(enum sv_dev_type type)
{
	switch (type) {
	case SV_DEV_BLK:
		return "blk";
	case SV_DEV_NET:
		return "net";
	case SV_DEV_CONSOLE:
		return "console";
	case SV_DEV_RNG:
		return "rng";
	}
	return "?";
}

/*
 * The value rules. Both the parser and sv_link_spec_check() apply them
 * (with the same messages), so whatever the writer accepts parses back.
 * Each takes a length because the parser checks pieces of its input
 * before copying them into the struct.
 */

/* Same rule as the topology's VM names. */
static int check_driver(uint32_t id, const char *s, size_t len, char *err, size_t errlen)
{
	bool ok = len >= 1 && len <= SV_LINK_SPEC_NAME_MAX && isalnum((unsigned char)s[0]);

	for (size_t i = 0; ok && i < len; i++)
		ok = isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '-';
	if (!ok)
		return sv_errmsg(
			err, errlen,
			"sv.link%u: '%.*s' is not a VM name; use 1-%d letters, digits, '-' or '_'",
			id, (int)(len > 40 ? 40 : len), s, SV_LINK_SPEC_NAME_MAX);
	return 0;
}

static int check_blk(const char *path, size_t len, const char *where, char *err, size_t errlen)
{
	bool ok = len && path[0] == '/';

	if (len == 0)
		return sv_errmsg(err, errlen,
				    "%s: blk needs a path; write blk=/dev/vda or blk=/img:ro",
				    where);
	if (len > SV_LINK_SPEC_PATH_MAX)
		return sv_errmsg(err, errlen, "%s: blk path is %zu bytes; the limit is %d",
				    where, len, SV_LINK_SPEC_PATH_MAX);
	for (size_t i = 0; ok && i < len; i++)
		ok = !isspace((unsigned char)path[i]) && !iscntrl((unsigned char)path[i]) &&
		     path[i] != '"' && path[i] != ',';
	if (!ok)
		return sv_errmsg(
			err, errlen,
			"%s: blk path '%.*s' must be absolute, without blanks, quotes or commas",
			where, (int)(len > 64 ? 64 : len), path);
	/* blk=/a:ro would be read-only /a: such a path cannot be written. */
	if (len >= RO_SUFFIX_LEN && !memcmp(path + len - RO_SUFFIX_LEN, RO_SUFFIX, RO_SUFFIX_LEN))
		return sv_errmsg(err, errlen, "%s: blk path '%.*s' must not end in '%s'", where,
				    (int)(len > 64 ? 64 : len), path, RO_SUFFIX);
	return 0;
}

static int check_bridge(const char *s, size_t len, const char *where, char *err, size_t errlen)
{
	bool ok = true;

	if (len == 0 || len > SV_LINK_SPEC_IFNAME_MAX)
		return sv_errmsg(
			err, errlen,
			"%s: net needs a bridge name of 1-%d characters; write net=br0 or net=br0/52:54:00:12:34:56",
			where, SV_LINK_SPEC_IFNAME_MAX);
	for (size_t i = 0; ok && i < len; i++)
		ok = isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '-' || s[i] == '.';
	if (!ok)
		return sv_errmsg(
			err, errlen,
			"%s: '%.*s' is not an interface name; use letters, digits, '_', '-' or '.'",
			where, (int)len, s);
	return 0;
}

static int check_mac(const uint8_t mac[6], const char *where, char *err, size_t errlen)
{
	if (mac[0] & 1)
		return sv_errmsg(
			err, errlen,
			"%s: %02x:%02x:%02x:%02x:%02x:%02x is a multicast address; a NIC needs a unicast one",
			where, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return 0;
}

static int check_dev(const struct sv_dev_spec *d, const char *where, char *err, size_t errlen)
{
	int ret;

	switch (d->type) {
	case SV_DEV_BLK:
		return check_blk(d->path, strnlen(d->path, sizeof(d->path)), where, err, errlen);
	case SV_DEV_NET:
		ret = check_bridge(d->bridge, strnlen(d->bridge, sizeof(d->bridge)), where, err,
				   errlen);
		if (!ret && d->has_mac)
			ret = check_mac(d->mac, where, err, errlen);
		return ret;
	case SV_DEV_CONSOLE:
	case SV_DEV_RNG:
		return 0;
	}
	return sv_errmsg(err, errlen, "%s: device type %d is not blk, net, console or rng",
			    where, (int)d->type);
}

static void dev_where(char *where, size_t size, uint32_t id, unsigned int k)
{
	snprintf(where, size, "sv.link%u device %u", id, k);
}

static int too_many_devs(uint32_t id, char *err, size_t errlen)
{
	return sv_errmsg(err, errlen, "sv.link%u: more than %d devices", id,
			    SV_LINK_SPEC_MAX_DEVS);
}

int sv_link_spec_check(const struct sv_link_spec *spec, char *err, size_t errlen)
{
	char where[64];
	int ret;

	if (spec->id > SV_LINK_SPEC_MAX_ID)
		return sv_errmsg(err, errlen, "sv.link%u: the link id is over %d", spec->id,
				    SV_LINK_SPEC_MAX_ID);
	ret = check_driver(spec->id, spec->driver, strnlen(spec->driver, sizeof(spec->driver)), err,
			   errlen);
	if (ret)
		return ret;
	if (spec->nr_devs > SV_LINK_SPEC_MAX_DEVS)
		return too_many_devs(spec->id, err, errlen);
	for (unsigned int k = 0; k < spec->nr_devs; k++) {
		dev_where(where, sizeof(where), spec->id, k);
		ret = check_dev(&spec->devs[k], where, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

bool sv_link_spec_path_ok(const char *path)
{
	return !check_blk(path, strlen(path), "", NULL, 0);
}

int sv_link_spec_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;

	if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
				      &b[4], &b[5], &tail) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		/* sscanf takes "+1" or " 1" for %2x: require hex digits exactly. */
		if (!isxdigit((unsigned char)s[3 * i]) || !isxdigit((unsigned char)s[3 * i + 1]))
			return -EINVAL;
	}
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

static int parse_blk(const char *arg, struct sv_dev_spec *d, const char *where, char *err,
		     size_t errlen)
{
	size_t len = strlen(arg);
	int ret;

	if (len >= RO_SUFFIX_LEN && !strcmp(arg + len - RO_SUFFIX_LEN, RO_SUFFIX)) {
		d->read_only = true;
		len -= RO_SUFFIX_LEN;
	}
	ret = check_blk(arg, len, where, err, errlen);
	if (ret)
		return ret;
	memcpy(d->path, arg, len);
	d->type = SV_DEV_BLK;
	return 0;
}

static int parse_net(const char *arg, struct sv_dev_spec *d, const char *where, char *err,
		     size_t errlen)
{
	const char *slash = strchr(arg, '/');
	size_t blen = slash ? (size_t)(slash - arg) : strlen(arg);
	int ret = check_bridge(arg, blen, where, err, errlen);

	if (ret)
		return ret;
	memcpy(d->bridge, arg, blen);
	if (slash) {
		if (sv_link_spec_parse_mac(slash + 1, d->mac))
			return sv_errmsg(
				err, errlen,
				"%s: '%.32s' is not a MAC address; write e.g. 52:54:00:12:34:56",
				where, slash + 1);
		ret = check_mac(d->mac, where, err, errlen);
		if (ret)
			return ret;
		d->has_mac = true;
	}
	d->type = SV_DEV_NET;
	return 0;
}

/* One device; *d is zeroed. */
static int parse_dev(const char *tok, struct sv_dev_spec *d, const char *where, char *err,
		     size_t errlen)
{
	if (!strncmp(tok, "blk=", 4))
		return parse_blk(tok + 4, d, where, err, errlen);
	if (!strncmp(tok, "blk-ro=", 7))
		return sv_errmsg(err, errlen,
				    "%s: blk-ro= is not accepted; write blk=%.64s" RO_SUFFIX
				    " for a read-only disk",
				    where, tok + 7);
	if (!strncmp(tok, "net=", 4))
		return parse_net(tok + 4, d, where, err, errlen);
	if (!strcmp(tok, "console")) {
		d->type = SV_DEV_CONSOLE;
		return 0;
	}
	if (!strcmp(tok, "rng")) {
		d->type = SV_DEV_RNG;
		return 0;
	}
	if (!*tok)
		return sv_errmsg(err, errlen, "%s: empty device (two commas in a row?)", where);
	return sv_errmsg(
		err, errlen,
		"%s: unknown device '%.40s'; use blk=PATH[:ro], net=BRIDGE[/MAC], console or rng",
		where, tok);
}

/* "DRIVER:DEV,DEV,..." into spec (id set, the rest zeroed). */
static int parse_value(const char *value, struct sv_link_spec *spec, char *err, size_t errlen)
{
	const char *colon = strchr(value, ':');
	const char *p;
	char tok[SV_LINK_SPEC_PATH_MAX + 16], where[64];
	int ret;

	if (!colon)
		return sv_errmsg(
			err, errlen,
			"sv.link%u: '%.40s' has no driver VM name; write sv.link%u=NAME:DEV,DEV,...",
			spec->id, value, spec->id);
	ret = check_driver(spec->id, value, (size_t)(colon - value), err, errlen);
	if (ret)
		return ret;
	memcpy(spec->driver, value, (size_t)(colon - value));

	p = colon + 1;
	if (!*p)
		return 0; /* a link without devices: the driver VM still gets START_VM */
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		dev_where(where, sizeof(where), spec->id, spec->nr_devs);
		if (spec->nr_devs == SV_LINK_SPEC_MAX_DEVS)
			return too_many_devs(spec->id, err, errlen);
		if (len >= sizeof(tok))
			return sv_errmsg(err, errlen, "%s: too long (%zu bytes)", where, len);
		memcpy(tok, p, len);
		tok[len] = '\0';
		ret = parse_dev(tok, &spec->devs[spec->nr_devs], where, err, errlen);
		if (ret)
			return ret;
		spec->nr_devs++;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

int sv_link_spec_parse(const char *param, struct sv_link_spec *spec, char *err, size_t errlen)
{
	const char *eq = strchr(param, '=');
	char id_text[16];
	unsigned long id;
	size_t idlen;

	memset(spec, 0, sizeof(*spec));
	if (strncmp(param, SV_LINK_SPEC_PREFIX, PREFIX_LEN))
		return sv_errmsg(err, errlen, "'%.40s' is not an sv.link parameter", param);
	if (!eq)
		return sv_errmsg(err, errlen,
				    "'%.40s' has no value; write sv.linkID=NAME:DEV,...", param);
	idlen = (size_t)(eq - param) - PREFIX_LEN;
	if (idlen == 0 || idlen >= sizeof(id_text))
		return sv_errmsg(err, errlen, "'%.40s': the link id must follow 'sv.link'",
				    param);
	memcpy(id_text, param + PREFIX_LEN, idlen);
	id_text[idlen] = '\0';
	/* One spelling per id: "sv.link07" would be a second name of link 7. */
	if ((idlen > 1 && id_text[0] == '0') || sv_parse_uint(id_text, 0, SV_LINK_SPEC_MAX_ID, &id))
		return sv_errmsg(err, errlen, "'%.40s': link id '%s' is not a number 0-%d",
				    param, id_text, SV_LINK_SPEC_MAX_ID);
	spec->id = (uint32_t)id;
	return parse_value(eq + 1, spec, err, errlen);
}

int sv_link_spec_format(const struct sv_link_spec *spec, char *buf, size_t size)
{
	struct sv_strbuf o = { .buf = buf, .size = size };

	if (sv_link_spec_check(spec, NULL, 0))
		return -EINVAL;
	sv_strbuf_put(&o, SV_LINK_SPEC_PREFIX "%u=%s:", spec->id, spec->driver);
	for (unsigned int k = 0; k < spec->nr_devs; k++) {
		const struct sv_dev_spec *d = &spec->devs[k];

		sv_strbuf_put(&o, "%s%s", k ? "," : "", sv_dev_type_name(d->type));
		if (d->type == SV_DEV_BLK)
			sv_strbuf_put(&o, "=%s%s", d->path, d->read_only ? RO_SUFFIX : "");
		if (d->type == SV_DEV_NET)
			sv_strbuf_put(&o, "=%s", d->bridge);
		if (d->type == SV_DEV_NET && d->has_mac)
			sv_strbuf_put(&o, "/%02x:%02x:%02x:%02x:%02x:%02x", d->mac[0], d->mac[1],
				    d->mac[2], d->mac[3], d->mac[4], d->mac[5]);
	}
	return sv_strbuf_end(&o);
}
