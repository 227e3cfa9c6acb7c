// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <splitvirt/size.h>

#include "link_args.h"

static int link_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int parse_fd(const char *v, int *fd)
{
	unsigned long n;

	if (sv_parse_uint(v, 0, 65535, &n))
		return -EINVAL;
	*fd = (int)n;
	return 0;
}

static int parse_fd_list(char *v, int *fds, unsigned int *count)
{
	char *save = NULL;

	*count = 0;
	for (char *t = strtok_r(v, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
		if (*count == VMM_LINK_MAX_FDS || parse_fd(t, &fds[*count]))
			return -EINVAL;
		(*count)++;
	}
	return *count ? 0 : -EINVAL;
}

static int parse_u64(const char *v, uint64_t *out)
{
	char *end;

	if (!*v)
		return -EINVAL;
	errno = 0;
	*out = strtoull(v, &end, 0);
	return (*end || errno) ? -EINVAL : 0;
}

int vmm_parse_link(const char *text, int serve, struct vmm_link_arg *link, char *err, size_t errlen)
{
	const char *opt = serve ? "--serve" : "--link";
	unsigned int seen = 0;
	char buf[1024], *save = NULL;
	unsigned long id;

	memset(link, 0, sizeof(*link));
	link->iobuf_fd = link->req_fd = link->resp_fd = link->ram_fd = -1;
	if (strlen(text) >= sizeof(buf))
		return link_fail(err, errlen, "%s: argument too long", opt);
	strcpy(buf, text);
	for (char *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *v = strchr(kv, '=');
		int ret = -EINVAL;

		if (!v)
			return link_fail(err, errlen, "%s: '%s' is not key=value", opt, kv);
		*v++ = '\0';
		if (!strcmp(kv, "id")) {
			ret = sv_parse_uint(v, 0, 255, &id);
			link->id = (unsigned int)id;
			seen |= 1;
		} else if (!strcmp(kv, "peer")) {
			ret = (*v && strlen(v) < sizeof(link->peer)) ? 0 : -EINVAL;
			if (!ret)
				strcpy(link->peer, v);
		} else if (!strcmp(kv, "iobuf-fd")) {
			ret = parse_fd(v, &link->iobuf_fd);
			seen |= 2;
		} else if (!strcmp(kv, "req-fd")) {
			ret = parse_fd(v, &link->req_fd);
			seen |= 4;
		} else if (!strcmp(kv, "resp-fd")) {
			ret = parse_fd(v, &link->resp_fd);
			seen |= 8;
		} else if (!strcmp(kv, "kick-fds")) {
			ret = parse_fd_list(v, link->kick_fds, &link->nkicks);
		} else if (!strcmp(kv, "call-fds")) {
			ret = parse_fd_list(v, link->call_fds, &link->ncalls);
		} else if (serve && !strcmp(kv, "ram-fd")) {
			ret = parse_fd(v, &link->ram_fd);
			seen |= 16;
		} else if (serve && !strcmp(kv, "ram-gpa")) {
			ret = parse_u64(v, &link->ram_gpa);
		} else if (serve && !strcmp(kv, "ram-size")) {
			ret = parse_u64(v, &link->ram_size);
			if (!ret && (link->ram_size == 0 || link->ram_size & 0xfff))
				ret = -EINVAL;
			seen |= 32;
		} else {
			return link_fail(err, errlen, "%s: unknown key '%s'", opt, kv);
		}
		if (ret)
			return link_fail(err, errlen, "%s: bad value '%s' for %s", opt, v, kv);
	}
	if ((seen & 15) != 15)
		return link_fail(err, errlen, "%s needs id, iobuf-fd, req-fd and resp-fd", opt);
	if (serve && (seen & 48) != 48)
		return link_fail(err, errlen, "%s also needs ram-fd and ram-size", opt);
	if (!link->peer[0])
		snprintf(link->peer, sizeof(link->peer), "link%u", link->id);
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void vmm_link_close(struct vmm_link_arg *link)
{
	close_fd(&link->iobuf_fd);
	close_fd(&link->ram_fd);
	close_fd(&link->req_fd);
	close_fd(&link->resp_fd);
	for (unsigned int i = 0; i < link->nkicks; i++)
		close_fd(&link->kick_fds[i]);
	for (unsigned int i = 0; i < link->ncalls; i++)
		close_fd(&link->call_fds[i]);
}
