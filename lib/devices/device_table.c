// SPDX-License-Identifier: GPL-2.0
/* The device table and what it drives generically (see <splitvirt/device_type.h>). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <splitvirt/log.h>
#include <splitvirt/strbuf.h>
#include <splitvirt/virtio_dev.h>
#include <splitvirt/virtio_host.h>

#include "devices.h"

static const struct sv_dev_desc *const table[SV_DEV_NR_TYPES] = {
	[SV_DEV_BLK] = &sv_dev_blk, [SV_DEV_NET] = &sv_dev_net, [SV_DEV_CONSOLE] = &sv_dev_console,
	[SV_DEV_RNG] = &sv_dev_rng, [SV_DEV_FS] = &sv_dev_fs,
};

const struct sv_dev_desc *sv_dev_desc(enum sv_dev_type type)
{
	return (unsigned int)type < SV_DEV_NR_TYPES ? table[type] : NULL;
}

const char *sv_dev_type_name(enum sv_dev_type type)
{
	const struct sv_dev_desc *desc = sv_dev_desc(type);

	return desc ? desc->name : "?";
}

int sv_dev_find(const char *name, size_t len, enum sv_dev_type *type)
{
	for (unsigned int t = 0; t < SV_DEV_NR_TYPES; t++) {
		if (strlen(table[t]->name) == len && !memcmp(table[t]->name, name, len)) {
			*type = (enum sv_dev_type)t;
			return 0;
		}
	}
	return -ENOENT;
}

static const char *const backend_names[SV_DEV_NR_BACKENDS] = {
	[SV_DEV_BACKEND_DEVMODEL] = "devmodel",
	[SV_DEV_BACKEND_VHOST_USER] = "vhost-user",
	[SV_DEV_BACKEND_VHOST_NET] = "vhost-net",
};

const char *sv_dev_backend_name(enum sv_dev_backend b)
{
	return (unsigned int)b < SV_DEV_NR_BACKENDS ? backend_names[b] : "?";
}

int sv_dev_find_backend(const char *name, size_t len, enum sv_dev_backend *b)
{
	for (unsigned int i = 0; i < SV_DEV_NR_BACKENDS; i++) {
		if (strlen(backend_names[i]) == len && !memcmp(backend_names[i], name, len)) {
			*b = (enum sv_dev_backend)i;
			return 0;
		}
	}
	return -ENOENT;
}

int sv_dev_vhost_socket(const char *dir, unsigned int link_id, unsigned int k, char *buf,
			size_t size)
{
	int n = snprintf(buf, size, "%s/link%u-dev%u.sock", dir ? dir : SV_DEV_VHOST_DIR, link_id,
			 k);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

const char *sv_dev_type_list(void)
{
	static char list[128];

	/* Built once from the table, so messages never miss a type. */
	if (!list[0]) {
		struct sv_strbuf o = { .buf = list, .size = sizeof(list) };

		for (unsigned int t = 0; t < SV_DEV_NR_TYPES; t++)
			sv_strbuf_put(&o, "%s%s",
				      t == 0		       ? "" :
				      t + 1 == SV_DEV_NR_TYPES ? " or " :
								 ", ",
				      table[t]->name);
	}
	return list;
}

bool sv_dev_name_ok(const char *s, size_t len, size_t max)
{
	bool ok = len >= 1 && len <= max;

	for (size_t i = 0; ok && i < len; i++)
		ok = isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '-' || s[i] == '.';
	return ok;
}

bool sv_dev_ifname_ok(const char *s, size_t len)
{
	return sv_dev_name_ok(s, len, SV_DEV_IFNAME_MAX);
}

bool sv_dev_link_path_ok(const char *s, size_t len)
{
	bool ok = len && len <= SV_DEV_LINK_PATH_MAX && s[0] == '/';

	for (size_t i = 0; ok && i < len; i++)
		ok = !isspace((unsigned char)s[i]) && !iscntrl((unsigned char)s[i]) &&
		     s[i] != '"' && s[i] != ',';
	return ok;
}

int sv_dev_parse_mac(const char *s, uint8_t mac[6])
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
		if (i < 5 && s[3 * i + 2] != ':')
			return -EINVAL;
	}
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

/* The options d has set, as SV_DEV_OPT_* bits. */
static unsigned int opts_given(const struct sv_dev_spec *d)
{
	return (d->path[0] ? SV_DEV_OPT_PATH : 0) | (d->read_only ? SV_DEV_OPT_RO : 0) |
	       (d->bridge[0] ? SV_DEV_OPT_BRIDGE : 0) | (d->tap[0] ? SV_DEV_OPT_TAP : 0) |
	       (d->has_mac ? SV_DEV_OPT_MAC : 0) | (d->tag[0] ? SV_DEV_OPT_TAG : 0);
}

int sv_dev_check(const struct sv_dev_spec *d, const char *where, char *err, size_t errlen)
{
	const struct sv_dev_desc *desc = sv_dev_desc(d->type);

	if (!desc)
		return sv_errmsg(err, errlen, "%s: device type %d is not %s", where, (int)d->type,
				 sv_dev_type_list());
	if (opts_given(d) & ~desc->opts)
		return sv_errmsg(err, errlen, "%s: an option was given that %s does not take",
				 where, desc->name);
	if ((unsigned int)d->backend >= SV_DEV_NR_BACKENDS)
		return sv_errmsg(err, errlen, "%s: unknown back-end %d", where, (int)d->backend);
	if (d->backend == SV_DEV_BACKEND_VHOST_USER && !(desc->flags & SV_DEV_F_VHOST_USER))
		return sv_errmsg(err, errlen,
				 "%s: %s has no vhost-user back-end; only the devmodel serves it",
				 where, desc->name);
	if (d->backend == SV_DEV_BACKEND_VHOST_NET && !(desc->flags & SV_DEV_F_VHOST_NET))
		return sv_errmsg(err, errlen, "%s: %s has no vhost-net back-end (net has)", where,
				 desc->name);
	return desc->check ? desc->check(d, where, err, errlen) : 0;
}

int sv_dev_link_check(const struct sv_dev_spec *d, const char *where, char *err, size_t errlen)
{
	const struct sv_dev_desc *desc = sv_dev_desc(d->type);
	int ret = sv_dev_check(d, where, err, errlen);

	if (ret || !desc->link_arg)
		return ret;
	ret = desc->link_arg(d, NULL, 0, where, err, errlen);
	return ret < 0 ? ret : 0;
}

int sv_dev_link_format(const struct sv_dev_spec *d, char *buf, size_t size)
{
	const struct sv_dev_desc *desc = sv_dev_desc(d->type);
	struct sv_strbuf o = { .buf = buf, .size = size };
	char arg[SV_DEV_PATH_MAX + 32];
	int n = 0;

	if (sv_dev_link_check(d, "", NULL, 0))
		return -EINVAL;
	if (desc->link_arg)
		n = desc->link_arg(d, arg, sizeof(arg), "", NULL, 0);
	if (n < 0 || (size_t)n >= sizeof(arg))
		return -EINVAL;
	sv_strbuf_put(&o, "%s%s%s%s%s", desc->name, d->backend ? "@" : "",
		      d->backend ? sv_dev_backend_name(d->backend) : "", n ? "=" : "",
		      n ? arg : "");
	return sv_strbuf_end(&o);
}

int sv_dev_link_parse(const char *tok, struct sv_dev_spec *d, const char *where, char *err,
		      size_t errlen)
{
	const char *eq = strchr(tok, '=');
	size_t nlen = eq ? (size_t)(eq - tok) : strlen(tok);
	const char *at = memchr(tok, '@', nlen);
	const struct sv_dev_desc *desc;
	enum sv_dev_backend backend = SV_DEV_BACKEND_DEVMODEL;
	int ret;

	memset(d, 0, sizeof(*d));
	if (!*tok)
		return sv_errmsg(err, errlen, "%s: empty device (two commas in a row?)", where);
	if (nlen == 6 && !memcmp(tok, "blk-ro", 6))
		return sv_errmsg(
			err, errlen,
			"%s: blk-ro= is not accepted; write blk=%.64s:ro for a read-only disk",
			where, eq ? eq + 1 : "");
	if (at) {
		size_t blen = nlen - (size_t)(at + 1 - tok);

		if (sv_dev_find_backend(at + 1, blen, &backend))
			return sv_errmsg(
				err, errlen,
				"%s: unknown back-end '%.*s'; write NAME@vhost-user, NAME@vhost-net or just NAME",
				where, (int)(blen > 40 ? 40 : blen), at + 1);
		nlen = (size_t)(at - tok);
	}
	if (sv_dev_find(tok, nlen, &d->type))
		return sv_errmsg(err, errlen, "%s: unknown device '%.40s'; use %s", where, tok,
				 sv_dev_type_list());
	desc = sv_dev_desc(d->type);
	if (eq && !desc->link_parse)
		return sv_errmsg(err, errlen, "%s: %s takes no argument; write just '%s'", where,
				 desc->name, desc->name);
	if (desc->link_parse) {
		ret = desc->link_parse(d, eq ? eq + 1 : NULL, where, err, errlen);
		if (ret)
			return ret;
	}
	d->backend = backend;
	return sv_dev_check(d, where, err, errlen);
}

int sv_dev_create(const struct sv_dev_spec *d, const struct sv_dev_host *h, struct virtio_dev **out)
{
	const struct sv_dev_desc *desc = sv_dev_desc(d->type);
	int ret;

	if (!desc)
		return -EINVAL;
	if (sv_dev_uses_vhost_user(d))
		ret = desc->vhost_user_create && h->vhost_socket ?
			      desc->vhost_user_create(d, h, out) :
			      -EOPNOTSUPP;
	else if (d->backend == SV_DEV_BACKEND_VHOST_NET)
		ret = desc->vhost_net_create && h->regions ? desc->vhost_net_create(d, h, out) :
							     -EOPNOTSUPP;
	else
		ret = desc->create(d, h, out);
	if (ret)
		return ret;
	/* A model that outgrows its declared limit would be cut short by a host. */
	if ((*out)->num_queues > desc->max_queues || (*out)->num_queues > VIRTIO_HOST_MAX_QUEUES) {
		pr_err("%s: %s has %u queues, more than the %u its type declares", h->label,
		       desc->name, (*out)->num_queues, desc->max_queues);
		virtio_dev_destroy(*out);
		*out = NULL;
		return -EINVAL;
	}
	return 0;
}

bool sv_dev_uses_vhost_user(const struct sv_dev_spec *d)
{
	const struct sv_dev_desc *desc = sv_dev_desc(d->type);

	return desc && (d->backend == SV_DEV_BACKEND_VHOST_USER ||
			(!desc->create && (desc->flags & SV_DEV_F_VHOST_USER)));
}

bool sv_dev_offloaded(const struct sv_dev_spec *d)
{
	return sv_dev_uses_vhost_user(d) || d->backend == SV_DEV_BACKEND_VHOST_NET;
}

int sv_dev_vhost_command(const struct sv_dev_spec *d, const char *socket, char *buf, size_t size)
{
	const struct sv_dev_desc *desc = sv_dev_desc(d->type);

	if (!desc || !sv_dev_uses_vhost_user(d) || !desc->vhost_user_command)
		return -EINVAL;
	return desc->vhost_user_command(d, socket, buf, size);
}
