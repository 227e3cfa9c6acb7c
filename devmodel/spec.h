/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the devmodel serves: the sv.link<ID>= parameters of the device VM's
 * kernel command line, one per link. The format of one parameter, its
 * writer and its parser are in <splitvirt/link_spec.h>; this is the
 * devmodel's side of it: finding them on the command line.
 */
#ifndef DEVMODEL_SPEC_H
#define DEVMODEL_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include <splitvirt/link_spec.h>
#include <splitvirt/machine.h>

struct dm_config {
	unsigned int nr_links;
	struct sv_link_spec links[SV_VM_MAX_LINKS];
};

/*
 * Collects every sv.link<ID>= parameter of a kernel command line; other
 * parameters are ignored. Returns 0, or -EINVAL with a message in err
 * (malformed parameter, duplicate link id, too many links).
 */
int dm_parse_cmdline(const char *cmdline, struct dm_config *cfg, char *err, size_t errlen);

/* The spec of link id, or NULL. */
const struct sv_link_spec *dm_config_find(const struct dm_config *cfg, uint32_t id);

#endif
