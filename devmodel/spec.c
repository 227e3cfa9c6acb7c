// SPDX-License-Identifier: GPL-2.0
/* The sv.link<ID>= parameters of a kernel command line (see spec.h). */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "spec.h"

#define PREFIX_LEN (sizeof(SV_LINK_SPEC_PREFIX) - 1)

const struct sv_link_spec *dm_config_find(const struct dm_config *cfg, uint32_t id)
{
	for (unsigned int i = 0; i < cfg->nr_links; i++) {
		if (cfg->links[i].id == id)
			return &cfg->links[i];
	}
	return NULL;
}

/* One "sv.link<ID>=VALUE" word (quotes already removed). */
static int add_param(const char *word, struct dm_config *cfg, char *err, size_t errlen)
{
	struct sv_link_spec *spec = &cfg->links[cfg->nr_links];

	if (cfg->nr_links == SV_VM_MAX_LINKS) {
		snprintf(err, errlen, "more than %d sv.link parameters", SV_VM_MAX_LINKS);
		return -EINVAL;
	}
	if (sv_link_spec_parse(word, spec, err, errlen))
		return -EINVAL;
	if (dm_config_find(cfg, spec->id)) {
		snprintf(err, errlen, "sv.link%u is given twice", spec->id);
		return -EINVAL;
	}
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
		if (len < PREFIX_LEN || strncmp(word, SV_LINK_SPEC_PREFIX, PREFIX_LEN))
			continue;
		if (len + 1 > sizeof(word)) {
			snprintf(err, errlen, "an sv.link parameter is %zu bytes; the limit is %zu",
				 len, sizeof(word) - 1);
			return -EINVAL;
		}
		word[len] = '\0';
		ret = add_param(word, cfg, err, errlen);
		if (ret)
			return ret;
	}
}
