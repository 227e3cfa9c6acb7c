/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the devmodel serves, from the device VM's kernel command line: one
 * parameter per link, written by the supervisor (lib/topology/model.c):
 *
 *   sv.link<ID>=<driver>:<dev>,<dev>,...
 *     blk=<path>        raw image or block device inside the device VM
 *     blk=<path>:ro     read-only (also spelled blk-ro=<path>)
 *     net=<bridge>      a new tap attached to that Linux bridge
 *     net=<bridge>/<mac>
 *     console
 *     rng
 *
 * Function index k of the link (its PCI address space id) is device k of
 * the list. The parser is strict: anything it does not understand is an
 * error with a message naming the parameter and the device.
 */
#ifndef DEVMODEL_SPEC_H
#define DEVMODEL_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DM_MAX_LINKS 16
#define DM_MAX_DEVS 8 /* SV_TOPO_MAX_DEVICES_PER_LINK */
#define DM_MAX_LINK_ID 65535
#define DM_NAME_MAX 31 /* the dataport's 32-byte name register */
#define DM_PATH_MAX 256
#define DM_IFNAME_MAX 15

enum dm_dev_type {
	DM_DEV_BLK,
	DM_DEV_NET,
	DM_DEV_CONSOLE,
	DM_DEV_RNG,
};

struct dm_dev_spec {
	enum dm_dev_type type;
	char path[DM_PATH_MAX]; /* blk */
	bool read_only; /* blk */
	char bridge[DM_IFNAME_MAX + 1]; /* net */
	uint8_t mac[6]; /* net, if has_mac */
	bool has_mac;
};

struct dm_link_spec {
	uint32_t id;
	char driver[DM_NAME_MAX + 1];
	unsigned int nr_devs;
	struct dm_dev_spec devs[DM_MAX_DEVS];
};

struct dm_config {
	unsigned int nr_links;
	struct dm_link_spec links[DM_MAX_LINKS];
};

/*
 * Parses the value of one sv.link<ID> parameter ("app:blk=/dev/vda,rng")
 * into spec (id is set by the caller). Returns 0 or -EINVAL with a message
 * in err.
 */
int dm_parse_link_value(const char *value, struct dm_link_spec *spec, char *err, size_t errlen);

/*
 * Collects every sv.link<ID>= parameter of a kernel command line; other
 * parameters are ignored. Returns 0, or -EINVAL with a message in err
 * (malformed parameter, duplicate link id, too many links).
 */
int dm_parse_cmdline(const char *cmdline, struct dm_config *cfg, char *err, size_t errlen);

/* The spec of link id, or NULL. */
const struct dm_link_spec *dm_config_find(const struct dm_config *cfg, uint32_t id);

const char *dm_dev_type_name(enum dm_dev_type type);

#endif
