// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>

#include <splitvirt/strbuf.h>

int sv_errmsg(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

void sv_strbuf_put(struct sv_strbuf *o, const char *fmt, ...)
{
	size_t room = o->len < o->size ? o->size - o->len : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

int sv_strbuf_end(const struct sv_strbuf *o)
{
	/* vsnprintf already terminated a truncated piece; an empty output needs it here. */
	if (o->size && o->len == 0)
		o->buf[0] = '\0';
	return o->len > INT_MAX ? -EOVERFLOW : (int)o->len;
}
