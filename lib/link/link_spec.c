// SPDX-License-Identifier: GPL-2.0
/* Writer and parser of the sv.link<ID>= kernel parameter (see link_spec.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <splitvirt/device_type.h>
#include <splitvirt/link_spec.h>
#include <splitvirt/size.h>

#include <splitvirt/strbuf.h>

#define PREFIX_LEN (sizeof(SV_LINK_SPEC_PREFIX) - 1)

/*
 * The value rules. Both the parser and sv_link_spec_check() apply them
 * (with the same messages), so whatever the writer accepts parses back.
 * The devices' own rules and syntax are their types' (the device table).
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

static void dev_where(char *where, size_t size, uint32_t id, unsigned int k)
{
	snprintf(where, size, "sv.link%u device %u", id, k);
}

static int too_many_devs(uint32_t id, char *err, size_t errlen)
{
	return sv_errmsg(err, errlen, "sv.link%u: more than %d devices", id, SV_LINK_MAX_DEVICES);
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
	if (spec->nr_devs > SV_LINK_MAX_DEVICES)
		return too_many_devs(spec->id, err, errlen);
	for (unsigned int k = 0; k < spec->nr_devs; k++) {
		dev_where(where, sizeof(where), spec->id, k);
		ret = sv_dev_link_check(&spec->devs[k], where, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

/* "DRIVER:DEV,DEV,..." into spec (id set, the rest zeroed). */
static int parse_value(const char *value, struct sv_link_spec *spec, char *err, size_t errlen)
{
	const char *colon = strchr(value, ':');
	const char *p;
	char tok[SV_DEV_PATH_MAX + 32], where[64];
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
		if (spec->nr_devs == SV_LINK_MAX_DEVICES)
			return too_many_devs(spec->id, err, errlen);
		if (len >= sizeof(tok))
			return sv_errmsg(err, errlen, "%s: too long (%zu bytes)", where, len);
		memcpy(tok, p, len);
		tok[len] = '\0';
		ret = sv_dev_link_parse(tok, &spec->devs[spec->nr_devs], where, err, errlen);
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
		return sv_errmsg(err, errlen, "'%.40s' has no value; write sv.linkID=NAME:DEV,...",
				 param);
	idlen = (size_t)(eq - param) - PREFIX_LEN;
	if (idlen == 0 || idlen >= sizeof(id_text))
		return sv_errmsg(err, errlen, "'%.40s': the link id must follow 'sv.link'", param);
	memcpy(id_text, param + PREFIX_LEN, idlen);
	id_text[idlen] = '\0';
	/* One spelling per id: "sv.link07" would be a second name of link 7. */
	if ((idlen > 1 && id_text[0] == '0') || sv_parse_uint(id_text, 0, SV_LINK_SPEC_MAX_ID, &id))
		return sv_errmsg(err, errlen, "'%.40s': link id '%s' is not a number 0-%d", param,
				 id_text, SV_LINK_SPEC_MAX_ID);
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
		size_t room;
		int n;

		sv_strbuf_put(&o, "%s", k ? "," : "");
		room = o.len < o.size ? o.size - o.len : 0;
		n = sv_dev_link_format(&spec->devs[k], room ? o.buf + o.len : NULL, room);
		if (n < 0)
			return n;
		o.len += (size_t)n;
	}
	return sv_strbuf_end(&o);
}
