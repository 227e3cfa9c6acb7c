// SPDX-License-Identifier: GPL-2.0
/* Writer and parser of the vmm's --link / --serve argument (see link_args.h). */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <splitvirt/link_args.h>
#include <splitvirt/size.h>

#include <splitvirt/strbuf.h>

/* Keys the parser must have seen. */
#define SEEN_ID (1u << 0)
#define SEEN_IOBUF (1u << 1)
#define SEEN_REQ (1u << 2)
#define SEEN_RESP (1u << 3)
#define SEEN_RAM_FD (1u << 4)
#define SEEN_RAM_SIZE (1u << 5)
#define SEEN_DMA_FD (1u << 6)
#define SEEN_DMA_GPA (1u << 7)
#define SEEN_DMA_SIZE (1u << 8)
#define SEEN_LINK (SEEN_ID | SEEN_IOBUF | SEEN_REQ | SEEN_RESP)
#define SEEN_RAM (SEEN_RAM_FD | SEEN_RAM_SIZE)
#define SEEN_DMA (SEEN_DMA_FD | SEEN_DMA_GPA | SEEN_DMA_SIZE)

/*
 * The value rules, shared by the parser and sv_link_args_check() so that
 * whatever the writer accepts parses back.
 */
static bool fd_ok(int fd)
{
	return fd >= 0 && fd <= SV_LINK_ARGS_MAX_FD;
}

static bool peer_ok(const char *peer, size_t len)
{
	return len >= 1 && len <= SV_LINK_ARGS_PEER_MAX && !memchr(peer, ',', len);
}

static bool ram_size_ok(uint64_t size)
{
	return size && !(size & 0xfff);
}

static bool dma_size_ok(uint64_t size)
{
	return size >= SV_GUEST_DMA_WINDOW_MIN && size <= SV_GUEST_DMA_WINDOW_MAX &&
	       !(size % SV_GUEST_DMA_WINDOW_ALIGN);
}

static bool dma_gpa_ok(uint64_t gpa)
{
	return !(gpa % SV_GUEST_DMA_WINDOW_ALIGN);
}

/* The window must not wrap around the address space. */
static bool dma_fits(uint64_t gpa, uint64_t size)
{
	return gpa <= UINT64_MAX - size;
}

/* What the value of key must be, for its error message ("" if nothing to add). */
static const char *value_hint(const char *key, char *buf, size_t size)
{
	buf[0] = '\0';
	if (!strcmp(key, "dma-size"))
		snprintf(buf, size, "; give a multiple of %llu from %llu to %llu",
			 SV_GUEST_DMA_WINDOW_ALIGN, SV_GUEST_DMA_WINDOW_MIN,
			 SV_GUEST_DMA_WINDOW_MAX);
	else if (!strcmp(key, "dma-gpa"))
		snprintf(buf, size, "; give a multiple of 0x%llx", SV_GUEST_DMA_WINDOW_ALIGN);
	else if (!strcmp(key, "ram-window"))
		snprintf(buf, size, "; give 0 or 1");
	return buf;
}

const char *sv_link_side_option(enum sv_link_side side)
{
	return side == SV_LINK_DEVICE_SIDE ? "--serve" : "--link";
}

static int parse_fd(const char *v, int *fd)
{
	unsigned long n;

	if (sv_parse_uint(v, 0, SV_LINK_ARGS_MAX_FD, &n))
		return -EINVAL;
	*fd = (int)n;
	return 0;
}

static int parse_fd_list(char *v, int *fds, unsigned int *count)
{
	char *save = NULL;

	*count = 0;
	for (char *t = strtok_r(v, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
		if (*count == SV_LINK_ARGS_MAX_FDS || parse_fd(t, &fds[*count]))
			return -EINVAL;
		(*count)++;
	}
	return *count ? 0 : -EINVAL;
}

/* C syntax (strtoull base 0), but no sign or blank: "-1" is not an address. */
static int parse_u64(const char *v, uint64_t *out)
{
	char *end;

	if (!isdigit((unsigned char)*v))
		return -EINVAL;
	errno = 0;
	*out = strtoull(v, &end, 0);
	return (*end || errno) ? -EINVAL : 0;
}

/* One KEY=VALUE item; v is the value, *seen collects the required keys. */
static int parse_item(const char *key, char *v, enum sv_link_side side, struct sv_link_args *a,
		      unsigned int *seen)
{
	bool serve = side == SV_LINK_DEVICE_SIDE;
	unsigned long id;

	if (!strcmp(key, "id")) {
		*seen |= SEEN_ID;
		if (sv_parse_uint(v, 0, SV_LINK_ARGS_MAX_ID, &id))
			return -EINVAL;
		a->id = (unsigned int)id;
		return 0;
	}
	if (!strcmp(key, "peer")) {
		if (!peer_ok(v, strlen(v)))
			return -EINVAL;
		strcpy(a->peer, v);
		return 0;
	}
	if (!strcmp(key, "iobuf-fd")) {
		*seen |= SEEN_IOBUF;
		return parse_fd(v, &a->iobuf_fd);
	}
	if (!strcmp(key, "req-fd")) {
		*seen |= SEEN_REQ;
		return parse_fd(v, &a->req_fd);
	}
	if (!strcmp(key, "resp-fd")) {
		*seen |= SEEN_RESP;
		return parse_fd(v, &a->resp_fd);
	}
	if (!strcmp(key, "kick-fds"))
		return parse_fd_list(v, a->kick_fds, &a->nkicks);
	if (!strcmp(key, "call-fds"))
		return parse_fd_list(v, a->call_fds, &a->ncalls);
	if (serve && !strcmp(key, "ram-fd")) {
		*seen |= SEEN_RAM_FD;
		return parse_fd(v, &a->ram_fd);
	}
	if (serve && !strcmp(key, "state-fd"))
		return parse_fd(v, &a->state_fd);
	if (serve && !strcmp(key, "ram-gpa"))
		return parse_u64(v, &a->ram_gpa);
	if (serve && !strcmp(key, "ram-size")) {
		*seen |= SEEN_RAM_SIZE;
		if (parse_u64(v, &a->ram_size) || !ram_size_ok(a->ram_size))
			return -EINVAL;
		return 0;
	}
	if (serve && !strcmp(key, "ram-window")) {
		if (strcmp(v, "0") && strcmp(v, "1"))
			return -EINVAL;
		a->ram_window = v[0] == '1';
		return 0;
	}
	if (!serve && !strcmp(key, "dma-fd")) {
		*seen |= SEEN_DMA_FD;
		return parse_fd(v, &a->dma_fd);
	}
	if (!serve && !strcmp(key, "dma-gpa")) {
		*seen |= SEEN_DMA_GPA;
		return parse_u64(v, &a->dma_gpa) || !dma_gpa_ok(a->dma_gpa) ? -EINVAL : 0;
	}
	if (!serve && !strcmp(key, "dma-size")) {
		*seen |= SEEN_DMA_SIZE;
		return parse_u64(v, &a->dma_size) || !dma_size_ok(a->dma_size) ? -EINVAL : 0;
	}
	return -ENOENT;
}

int sv_link_args_parse(const char *text, enum sv_link_side side, struct sv_link_args *a, char *err,
		       size_t errlen)
{
	const char *opt = sv_link_side_option(side);
	char buf[SV_LINK_ARGS_TEXT_MAX], *save = NULL;
	unsigned int seen = 0;

	*a = (struct sv_link_args){ .iobuf_fd = -1,
				    .req_fd = -1,
				    .resp_fd = -1,
				    .ram_fd = -1,
				    .state_fd = -1,
				    .dma_fd = -1 };
	if (strlen(text) >= sizeof(buf))
		return sv_errmsg(err, errlen, "%s: argument too long", opt);
	strcpy(buf, text);
	for (char *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *v = strchr(kv, '=');
		const char *orig;
		char hint[96];
		size_t vlen;
		int ret;

		if (!v)
			return sv_errmsg(err, errlen, "%s: '%.64s' is not key=value", opt, kv);
		*v++ = '\0';
		/* The value as given: parsing a list cuts it up. */
		orig = text + (v - buf);
		vlen = strcspn(orig, ",");
		ret = parse_item(kv, v, side, a, &seen);
		if (ret == -ENOENT)
			return sv_errmsg(err, errlen, "%s: unknown key '%.64s'", opt, kv);
		if (ret)
			return sv_errmsg(err, errlen, "%s: bad value '%.*s' for %s%s", opt,
					 (int)(vlen > 64 ? 64 : vlen), orig, kv,
					 value_hint(kv, hint, sizeof(hint)));
	}
	if ((seen & SEEN_LINK) != SEEN_LINK)
		return sv_errmsg(err, errlen, "%s needs id, iobuf-fd, req-fd and resp-fd", opt);
	if (side == SV_LINK_DEVICE_SIDE && (seen & SEEN_RAM) != SEEN_RAM)
		return sv_errmsg(err, errlen, "%s also needs ram-fd and ram-size", opt);
	if ((seen & SEEN_DMA) && (seen & SEEN_DMA) != SEEN_DMA)
		return sv_errmsg(err, errlen,
				 "%s: dma-fd, dma-gpa and dma-size go together; %s is missing", opt,
				 !(seen & SEEN_DMA_FD)	? "dma-fd" :
				 !(seen & SEEN_DMA_GPA) ? "dma-gpa" :
							  "dma-size");
	if (!dma_fits(a->dma_gpa, a->dma_size))
		return sv_errmsg(err, errlen, "%s: the DMA window at dma-gpa 0x%llx wraps around",
				 opt, (unsigned long long)a->dma_gpa);
	if (!a->peer[0])
		snprintf(a->peer, sizeof(a->peer), "link%u", a->id);
	return 0;
}

static int check_fds(const char *opt, const char *key, const int *fds, unsigned int n, char *err,
		     size_t errlen)
{
	if (n > SV_LINK_ARGS_MAX_FDS)
		return sv_errmsg(err, errlen, "%s: %u %s; the limit is %d", opt, n, key,
				 SV_LINK_ARGS_MAX_FDS);
	for (unsigned int i = 0; i < n; i++) {
		if (!fd_ok(fds[i]))
			return sv_errmsg(err, errlen, "%s: %s has %d; an fd is 0-%d", opt, key,
					 fds[i], SV_LINK_ARGS_MAX_FD);
	}
	return 0;
}

/* The driver side's DMA window, if it has one (dma_size not 0). */
static int check_dma(const char *opt, const struct sv_link_args *a, char *err, size_t errlen)
{
	int ret;

	if (!a->dma_size)
		return 0;
	ret = check_fds(opt, "dma-fd", &a->dma_fd, 1, err, errlen);
	if (ret)
		return ret;
	if (!dma_size_ok(a->dma_size))
		return sv_errmsg(err, errlen,
				 "%s: dma-size %llu is not a multiple of %llu from %llu to %llu",
				 opt, (unsigned long long)a->dma_size, SV_GUEST_DMA_WINDOW_ALIGN,
				 SV_GUEST_DMA_WINDOW_MIN, SV_GUEST_DMA_WINDOW_MAX);
	if (!dma_gpa_ok(a->dma_gpa))
		return sv_errmsg(err, errlen, "%s: dma-gpa 0x%llx is not a multiple of 0x%llx", opt,
				 (unsigned long long)a->dma_gpa, SV_GUEST_DMA_WINDOW_ALIGN);
	if (!dma_fits(a->dma_gpa, a->dma_size))
		return sv_errmsg(err, errlen, "%s: the DMA window at dma-gpa 0x%llx wraps around",
				 opt, (unsigned long long)a->dma_gpa);
	return 0;
}

int sv_link_args_check(const struct sv_link_args *a, enum sv_link_side side, char *err,
		       size_t errlen)
{
	const char *opt = sv_link_side_option(side);
	int ret;

	if (a->id > SV_LINK_ARGS_MAX_ID)
		return sv_errmsg(err, errlen, "%s: id %u is over %d", opt, a->id,
				 SV_LINK_ARGS_MAX_ID);
	if (!peer_ok(a->peer, strnlen(a->peer, sizeof(a->peer))))
		return sv_errmsg(err, errlen, "%s: peer must be 1-%d bytes without ','", opt,
				 SV_LINK_ARGS_PEER_MAX);
	ret = check_fds(opt, "iobuf-fd", &a->iobuf_fd, 1, err, errlen);
	ret = ret ?: check_fds(opt, "req-fd", &a->req_fd, 1, err, errlen);
	ret = ret ?: check_fds(opt, "resp-fd", &a->resp_fd, 1, err, errlen);
	ret = ret ?: check_fds(opt, "kick-fds", a->kick_fds, a->nkicks, err, errlen);
	ret = ret ?: check_fds(opt, "call-fds", a->call_fds, a->ncalls, err, errlen);
	if (ret)
		return ret;
	if (side == SV_LINK_DRIVER_SIDE)
		return check_dma(opt, a, err, errlen);
	ret = check_fds(opt, "ram-fd", &a->ram_fd, 1, err, errlen);
	if (!ret && a->state_fd != -1)
		ret = check_fds(opt, "state-fd", &a->state_fd, 1, err, errlen);
	if (!ret && !ram_size_ok(a->ram_size))
		return sv_errmsg(err, errlen,
				 "%s: ram-size %llu is not a non-zero multiple of 4096", opt,
				 (unsigned long long)a->ram_size);
	return ret;
}

static void put_fds(struct sv_strbuf *o, const char *key, const int *fds, unsigned int n)
{
	/* An empty list is left out: "kick-fds=" would not parse. */
	for (unsigned int i = 0; i < n; i++)
		sv_strbuf_put(o, "%s%d", i ? ":" : key, fds[i]);
}

int sv_link_args_format(const struct sv_link_args *a, enum sv_link_side side, char *buf,
			size_t size)
{
	struct sv_strbuf o = { .buf = buf, .size = size };
	int len;

	if (sv_link_args_check(a, side, NULL, 0))
		return -EINVAL;
	sv_strbuf_put(&o, "id=%u,peer=%s,", a->id, a->peer);
	if (side == SV_LINK_DRIVER_SIDE && a->dma_size)
		sv_strbuf_put(&o, "dma-fd=%d,dma-gpa=0x%llx,dma-size=%llu,", a->dma_fd,
			      (unsigned long long)a->dma_gpa, (unsigned long long)a->dma_size);
	if (side == SV_LINK_DEVICE_SIDE)
		sv_strbuf_put(&o, "ram-fd=%d,ram-gpa=0x%llx,ram-size=%llu,", a->ram_fd,
			      (unsigned long long)a->ram_gpa, (unsigned long long)a->ram_size);
	if (side == SV_LINK_DEVICE_SIDE && a->ram_window)
		sv_strbuf_put(&o, "ram-window=1,");
	if (side == SV_LINK_DEVICE_SIDE && a->state_fd >= 0)
		sv_strbuf_put(&o, "state-fd=%d,", a->state_fd);
	sv_strbuf_put(&o, "iobuf-fd=%d,req-fd=%d,resp-fd=%d", a->iobuf_fd, a->req_fd, a->resp_fd);
	put_fds(&o, ",kick-fds=", a->kick_fds, a->nkicks);
	put_fds(&o, ",call-fds=", a->call_fds, a->ncalls);
	len = sv_strbuf_end(&o);
	/* Cannot happen with the limits above; the parser would refuse it. */
	return len >= SV_LINK_ARGS_TEXT_MAX ? -E2BIG : len;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void sv_link_args_close(struct sv_link_args *a)
{
	close_fd(&a->iobuf_fd);
	close_fd(&a->ram_fd);
	close_fd(&a->state_fd);
	close_fd(&a->dma_fd);
	close_fd(&a->req_fd);
	close_fd(&a->resp_fd);
	for (unsigned int i = 0; i < a->nkicks; i++)
		close_fd(&a->kick_fds[i]);
	for (unsigned int i = 0; i < a->ncalls; i++)
		close_fd(&a->call_fds[i]);
}
