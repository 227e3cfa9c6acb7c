// SPDX-License-Identifier: GPL-2.0
/* lib/rpc/state_area.c, compiled unchanged into the module (one implementation). */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include "../lib/rpc/state_area.c"
