/* SPDX-License-Identifier: GPL-2.0 */
/* The descriptors of the device table (one file each); internal to libsvdevices. */
#ifndef LIB_DEVICES_DEVICES_H
#define LIB_DEVICES_DEVICES_H

#include <splitvirt/device_type.h>

extern const struct sv_dev_desc sv_dev_blk;
extern const struct sv_dev_desc sv_dev_net;
extern const struct sv_dev_desc sv_dev_console;
extern const struct sv_dev_desc sv_dev_rng;
extern const struct sv_dev_desc sv_dev_fs;

#endif
