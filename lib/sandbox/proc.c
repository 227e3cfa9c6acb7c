// SPDX-License-Identifier: GPL-2.0
/*
 * Reading back what a process runs with, for `splitvirt status` and the
 * supervisor's report of a seccomp kill. Parsers take text so unit tests
 * feed them fixed input; the readers only fetch it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <splitvirt/sandbox.h>

/* The value after "Key:" at the start of a line of text, or NULL. */
static const char *field(const char *text, const char *key)
{
	size_t len = strlen(key);

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		if (!strncmp(l, key, len) && l[len] == ':')
			return l + len + 1;
	}
	return NULL;
}

static long number(const char *v)
{
	char *end;
	long n;

	if (!v)
		return -1;
	n = strtol(v, &end, 10);
	return end == v ? -1 : n;
}

void sv_proc_status_parse(const char *text, struct sv_proc_sandbox *s)
{
	s->seccomp = (int)number(field(text, "Seccomp"));
	s->no_new_privs = (int)number(field(text, "NoNewPrivs"));
	/* "Uid:\treal\teffective\tsaved\tfs": the real one */
	s->uid = number(field(text, "Uid"));
	s->gid = number(field(text, "Gid"));
}

static const struct {
	const char *name;
	size_t off;
} namespaces[] = {
	{ "mnt", offsetof(struct sv_proc_sandbox, own_mnt) },
	{ "pid", offsetof(struct sv_proc_sandbox, own_pid) },
	{ "ipc", offsetof(struct sv_proc_sandbox, own_ipc) },
	{ "uts", offsetof(struct sv_proc_sandbox, own_uts) },
	{ "net", offsetof(struct sv_proc_sandbox, own_net) },
	{ "user", offsetof(struct sv_proc_sandbox, own_user) },
};

int sv_proc_sandbox_read(pid_t pid, struct sv_proc_sandbox *s)
{
	char path[64], text[4096];
	ssize_t n;
	int fd;

	memset(s, 0, sizeof(*s));
	s->seccomp = s->no_new_privs = -1;
	s->uid = s->gid = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	text[n] = '\0';
	sv_proc_status_parse(text, s);
	/* Reading another user's ns links takes ptrace rights: root's status shows them. */
	s->ns_known = true;
	for (unsigned int i = 0; i < sizeof(namespaces) / sizeof(namespaces[0]); i++) {
		char mine[64], theirs[64], self[64];
		ssize_t a, b;

		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, namespaces[i].name);
		snprintf(self, sizeof(self), "/proc/self/ns/%s", namespaces[i].name);
		a = readlink(path, theirs, sizeof(theirs) - 1);
		b = readlink(self, mine, sizeof(mine) - 1);
		if (a < 0 || b < 0) {
			s->ns_known = false;
			continue;
		}
		theirs[a] = mine[b] = '\0';
		*(bool *)((char *)s + namespaces[i].off) = strcmp(theirs, mine) != 0;
	}
	return 0;
}

void sv_proc_sandbox_format(const struct sv_proc_sandbox *s, char *buf, size_t size)
{
	static const char *const modes[] = { "none", "strict", "filter" };
	char ns[64] = "", uid[24] = "?";
	size_t len = 0;

	for (unsigned int i = 0; i < sizeof(namespaces) / sizeof(namespaces[0]); i++) {
		if (*(const bool *)((const char *)s + namespaces[i].off))
			len += (size_t)snprintf(ns + len, sizeof(ns) - len, "%s%s", len ? "," : "",
						namespaces[i].name);
	}
	if (!s->ns_known)
		snprintf(ns, sizeof(ns), "?");
	else if (!len)
		snprintf(ns, sizeof(ns), "host");
	if (s->uid >= 0)
		snprintf(uid, sizeof(uid), "%ld", s->uid);
	snprintf(buf, size, "seccomp=%s nnp=%s uid=%s ns=%s",
		 s->seccomp >= 0 && s->seccomp <= 2 ? modes[s->seccomp] : "?",
		 s->no_new_privs < 0 ? "?" :
		 s->no_new_privs     ? "1" :
				       "0",
		 uid, ns);
}

/*
 * The kernel's record of a seccomp action, in dmesg as
 *   audit: type=1326 audit(...): auid=... uid=... ses=... pid=1234 comm="vmm"
 *   exe="/usr/bin/vmm" sig=31 arch=c00000b7 syscall=117 compat=0 ip=... code=0x80000000
 * (with auditd running, the same fields go to its log instead).
 */
int sv_seccomp_audit_parse(const char *line, pid_t pid, long *nr)
{
	char want[32];
	const char *p, *sc;
	size_t wl;

	if (!strstr(line, "type=1326"))
		return -ENOENT;
	wl = (size_t)snprintf(want, sizeof(want), "pid=%d", (int)pid);
	/* " pid=" exactly: not "ppid=" */
	for (p = strstr(line, want); p; p = strstr(p + 1, want)) {
		if (p > line && p[-1] == ' ' && (p[wl] == ' ' || p[wl] == '\0'))
			break;
	}
	if (!p)
		return -ENOENT;
	sc = strstr(line, " syscall=");
	if (!sc)
		return -ENOENT;
	*nr = number(sc + 9);
	return *nr < 0 ? -ENOENT : 0;
}

int sv_seccomp_audit_find(pid_t pid, long *nr)
{
	/* /dev/kmsg gives one record per read(); a record is at most 8 KiB. */
	char rec[8192];
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	int ret = -ENOENT;
	ssize_t n;

	if (fd < 0)
		return -errno;
	for (;;) {
		long v;

		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue; /* overwritten while we read: the next one is there */
		if (n <= 0)
			break;
		rec[n] = '\0';
		if (!sv_seccomp_audit_parse(rec, pid, &v)) {
			*nr = v;
			ret = 0;
		}
	}
	close(fd);
	return ret;
}
