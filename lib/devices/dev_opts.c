// SPDX-License-Identifier: GPL-2.0
/* Device options as KEY=VALUE words: the vmm's --device TYPE[,KEY=VALUE...]. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <splitvirt/strbuf.h>

#include "devices.h"

static const struct {
	const char *key;
	unsigned int opt;
	bool flag; /* takes no value */
} keys[] = {
	{ .key = "path", .opt = SV_DEV_OPT_PATH },
	{ .key = "ro", .opt = SV_DEV_OPT_RO, .flag = true },
	{ .key = "bridge", .opt = SV_DEV_OPT_BRIDGE },
	{ .key = "tap", .opt = SV_DEV_OPT_TAP },
	{ .key = "mac", .opt = SV_DEV_OPT_MAC },
	{ .key = "tag", .opt = SV_DEV_OPT_TAG },
};

#define NR_KEYS (sizeof(keys) / sizeof(keys[0]))

/* "path, ro" for the options type takes. */
static void keys_of(const struct sv_dev_desc *desc, char *buf, size_t size)
{
	struct sv_strbuf o = { .buf = buf, .size = size };

	for (unsigned int i = 0; i < NR_KEYS; i++)
		if (desc->opts & keys[i].opt)
			sv_strbuf_put(&o, "%s%s", o.len ? ", " : "", keys[i].key);
	if (!o.len)
		sv_strbuf_put(&o, "none");
	sv_strbuf_end(&o);
}

static int copy_ifname(char *dst, const char *v, const char *what, const char *where, char *err,
		       size_t errlen)
{
	if (!sv_dev_ifname_ok(v, strlen(v)))
		return sv_errmsg(
			err, errlen,
			"%s: %s '%.32s' is not an interface name; use 1-%d letters, digits, '_', '-' or '.'",
			where, what, v, SV_DEV_IFNAME_MAX);
	strcpy(dst, v);
	return 0;
}

int sv_dev_parse_opt(struct sv_dev_spec *d, const char *key, const char *value, const char *where,
		     char *err, size_t errlen)
{
	const struct sv_dev_desc *desc = sv_dev_desc(d->type);
	unsigned int i;
	char list[64];

	for (i = 0; i < NR_KEYS && strcmp(keys[i].key, key); i++)
		;
	if (!desc)
		return -EINVAL;
	if (i == NR_KEYS || !(desc->opts & keys[i].opt)) {
		keys_of(desc, list, sizeof(list));
		return sv_errmsg(err, errlen, "%s: %s takes no option '%.32s' (its options: %s)",
				 where, desc->name, key, list);
	}
	if (keys[i].flag != !value)
		return sv_errmsg(err, errlen,
				 keys[i].flag ? "%s: '%s' takes no value" :
						"%s: '%s' needs a value: %s=...",
				 where, key, key);
	switch (keys[i].opt) {
	case SV_DEV_OPT_PATH:
		if (strlen(value) >= sizeof(d->path))
			return sv_errmsg(err, errlen, "%s: path is over %d bytes", where,
					 SV_DEV_PATH_MAX);
		strcpy(d->path, value);
		return 0;
	case SV_DEV_OPT_RO:
		d->read_only = true;
		return 0;
	case SV_DEV_OPT_BRIDGE:
		return copy_ifname(d->bridge, value, "bridge", where, err, errlen);
	case SV_DEV_OPT_TAP:
		return copy_ifname(d->tap, value, "tap", where, err, errlen);
	case SV_DEV_OPT_MAC:
		if (sv_dev_parse_mac(value, d->mac))
			return sv_errmsg(
				err, errlen,
				"%s: mac '%.32s' is not a MAC address; write e.g. 52:54:00:12:34:56",
				where, value);
		d->has_mac = true;
		return 0;
	case SV_DEV_OPT_TAG:
		if (strlen(value) >= sizeof(d->tag))
			return sv_errmsg(err, errlen, "%s: tag is over %d bytes", where,
					 SV_DEV_TAG_MAX);
		strcpy(d->tag, value);
		return 0;
	}
	return -EINVAL;
}

int sv_dev_parse_opts(const char *text, struct sv_dev_spec *d, char *err, size_t errlen)
{
	char buf[SV_DEV_PATH_MAX + 128], *save = NULL, *tok;
	const char *where = "--device";
	int ret;

	memset(d, 0, sizeof(*d));
	if (strlen(text) >= sizeof(buf))
		return sv_errmsg(err, errlen, "%s: too long", where);
	strcpy(buf, text);
	tok = strtok_r(buf, ",", &save);
	if (!tok || sv_dev_find(tok, strlen(tok), &d->type))
		return sv_errmsg(err, errlen, "%s %.40s: the first word is the type: %s", where,
				 text, sv_dev_type_list());
	if (!sv_dev_desc(d->type)->create)
		return sv_errmsg(
			err, errlen,
			"%s: %s is served by a device VM only (a vhost-user back-end there); declare it under a driver VM's devices: in a topology",
			where, tok);
	while ((tok = strtok_r(NULL, ",", &save))) {
		char *eq = strchr(tok, '=');

		if (eq)
			*eq = '\0';
		ret = sv_dev_parse_opt(d, tok, eq ? eq + 1 : NULL, where, err, errlen);
		if (ret)
			return ret;
	}
	return sv_dev_check(d, where, err, errlen);
}
