/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sv.link<ID>= parameter of a device VM's kernel command line: which
 * devices the devmodel serves to the driver VM of one link. The topology
 * model writes it with sv_link_spec_format() (sv_topo_link_param()), the
 * devmodel reads it from /proc/cmdline with sv_link_spec_parse(); nothing
 * else builds or takes apart this text.
 *
 *   sv.link<ID>=<DRIVER>:[<DEV>[,<DEV>]...]
 *
 *   ID      decimal 0-65535, no leading zeros
 *   DRIVER  the driver VM's name: 1-31 letters, digits, '-' or '_',
 *           starting with a letter or digit
 *   DEV     <TYPE> or <TYPE>=<ARG>, as each device type of the device table
 *           (<splitvirt/device_type.h>) defines it:
 *           blk=<PATH>         raw image or block device inside the device VM
 *           blk=<PATH>:ro      the same, read-only
 *           net=<BRIDGE>       a new tap attached to that Linux bridge
 *           net=<BRIDGE>/<MAC> with this guest MAC (unicast)
 *           console
 *           rng
 *   PATH    absolute, at most 255 bytes, without blanks, control characters,
 *           '"' or ',', and not itself ending in ":ro"
 *   BRIDGE  1-15 letters, digits, '_', '-' or '.'
 *   MAC     six two-digit hex bytes separated by ':', e.g. 52:54:00:12:34:56
 *
 * Read-only has this one spelling; the older blk-ro=<PATH> is an error that
 * names blk=<PATH>:ro. A link has at most 8 devices and may have none (its
 * driver VM still gets START_VM); device k is function index k of the link
 * (its PCI address space id). Nothing needs quoting. The parser is strict:
 * anything it does not understand is an error with a message naming the
 * parameter and the device. Example:
 *
 *   sv.link0=app:blk=/dev/vda,blk=/img/base.raw:ro,net=br0/52:54:00:00:00:20,console,rng
 */
#ifndef SPLITVIRT_LINK_SPEC_H
#define SPLITVIRT_LINK_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <splitvirt/device_type.h>
#include <splitvirt/machine.h>

#define SV_LINK_SPEC_PREFIX "sv.link"
#define SV_LINK_SPEC_MAX_ID 65535
#define SV_LINK_SPEC_NAME_MAX 31 /* the dataport's 32-byte name register */

struct sv_link_spec {
	uint32_t id;
	char driver[SV_LINK_SPEC_NAME_MAX + 1];
	unsigned int nr_devs;
	struct sv_dev_spec devs[SV_LINK_MAX_DEVICES];
};

/*
 * Parses one whole "sv.link<ID>=..." word (kernel quotes already removed)
 * into *spec; fields a device type does not use are zero. Returns 0 or
 * -EINVAL with a message in err.
 */
int sv_link_spec_parse(const char *param, struct sv_link_spec *spec, char *err, size_t errlen);

/*
 * Writes *spec as "sv.link<ID>=..." into buf, like snprintf: returns the
 * length it needs without the NUL, or -EINVAL when *spec holds a value the
 * parser would reject (sv_link_spec_check() says which).
 */
int sv_link_spec_format(const struct sv_link_spec *spec, char *buf, size_t size);

/* Whether *spec can be written: 0, or -EINVAL with a message in err (errlen may be 0). */
int sv_link_spec_check(const struct sv_link_spec *spec, char *err, size_t errlen);

#endif
