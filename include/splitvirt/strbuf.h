/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Error messages into a caller's buffer, and snprintf-style writing of
 * text in pieces: what every parser and writer of a format or a command
 * line needs.
 */
#ifndef SPLITVIRT_STRBUF_H
#define SPLITVIRT_STRBUF_H

#include <stddef.h>

/* Writes the message into err (if errlen) and returns -EINVAL. */
int sv_errmsg(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A writer's output: like snprintf, len also counts what did not fit. */
struct sv_strbuf {
	char *buf;
	size_t size;
	size_t len;
};

void sv_strbuf_put(struct sv_strbuf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The snprintf-style result: the full length, or -EOVERFLOW past INT_MAX. */
int sv_strbuf_end(const struct sv_strbuf *o);

#endif
