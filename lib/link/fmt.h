/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the two link formats (link_args.c, link_spec.c) share: error
 * messages and snprintf-style writing. Internal to libsvlinkfmt.
 */
#ifndef LIB_LINK_FMT_H
#define LIB_LINK_FMT_H

#include <stddef.h>

/* Writes the message into err (if errlen) and returns -EINVAL. */
int linkfmt_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A writer's output: like snprintf, len counts what did not fit too. */
struct linkfmt_out {
	char *buf;
	size_t size;
	size_t len;
};

void linkfmt_put(struct linkfmt_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The snprintf-style result: the full length, or -EOVERFLOW past INT_MAX. */
int linkfmt_end(const struct linkfmt_out *o);

#endif
