// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for the vmm in supervisor tests. It writes what it was given
 * to $FAKE_VMM_DIR/<name>.out (argv, one per line, then every open fd and
 * what it points to), appends its name to $FAKE_VMM_DIR/order, then behaves
 * as the environment says, per VM name:
 *   FAKE_VMM_DELAY_MS_<name>=N   sleep N ms, then exit
 *   FAKE_VMM_WAIT_<name>=1       run until SIGTERM (writes <name>.sigterm)
 *   FAKE_VMM_IGNORE_TERM_<name>=1  ignore SIGTERM (only SIGKILL stops it)
 *   FAKE_VMM_EXIT_<name>=N       exit status (default 0)
 *   FAKE_VMM_CHATTER_<name>=N    N console lines on stdout and N log lines
 *                                on stderr, each written in pieces, then
 *                                "tail of <name>" without a newline
 *   FAKE_VMM_UNTIL_<name>=FILE   run until $FAKE_VMM_DIR/FILE exists (or SIGTERM)
 *   FAKE_VMM_SEQ_<name>=A,B,..   what its n-th start does, after the above
 *                                (the last item for any later start): a
 *                                number exits with it, kN kills itself with
 *                                signal N, w runs until SIGTERM, r reboots
 *                                (signals --reboot-fd, exits 0)
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got_term;

static void on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void put(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) < 0)
		_exit(97);
}

/*
 * Lines in three pieces with pauses between them, so that the VMs' pieces
 * reach the supervisor mixed: the relay must still print whole lines.
 */
static void chatter(const char *name, int lines)
{
	char head[96];

	for (int i = 0; i < lines; i++) {
		snprintf(head, sizeof(head), "chatter %s line %d ", name, i);
		put(1, head);
		sleep_ms(1);
		put(1, "abcdefghijklmnopqrstuvwxyz ");
		put(2, "log ");
		sleep_ms(1);
		put(1, "0123456789\n");
		snprintf(head, sizeof(head), "%s %d\n", name, i);
		put(2, head);
	}
	snprintf(head, sizeof(head), "tail of %s", name);
	put(1, head);
}

static const char *env_for(const char *what, const char *name)
{
	char key[128];

	snprintf(key, sizeof(key), "FAKE_VMM_%s_%s", what, name);
	return getenv(key);
}

/* How many times VM name was started so far, this start included (its lines in order). */
static int starts(const char *order, const char *name)
{
	FILE *f = fopen(order, "r");
	char line[128];
	int n = 0;

	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		n += !strcmp(line, name);
	}
	if (f)
		fclose(f);
	return n;
}

/* The item of seq for start n (1-based): the last one past the end. */
static void seq_item(const char *seq, int n, char *item, size_t size)
{
	const char *p = seq;

	for (int i = 1; i < n && strchr(p, ','); i++)
		p = strchr(p, ',') + 1;
	snprintf(item, size, "%.*s", (int)strcspn(p, ","), p);
}

/* What the vmm does on the guest's PSCI SYSTEM_RESET. */
static int reboot(int argc, char **argv)
{
	uint64_t one = 1;

	for (int i = 1; i + 1 < argc; i++) {
		if (!strcmp(argv[i], "--reboot-fd"))
			return write(atoi(argv[i + 1]), &one, sizeof(one)) == sizeof(one) ? 0 : 96;
	}
	return 95;
}

static void wait_term(const char *dir, const char *name)
{
	char path[PATH_MAX];
	FILE *f;

	while (!got_term)
		pause();
	snprintf(path, sizeof(path), "%s/%s.sigterm", dir, name);
	f = fopen(path, "w");
	if (f)
		fclose(f);
}

static void dump(FILE *f, int argc, char **argv)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	fprintf(f, "pid %d\n", (int)getpid());
	for (int i = 0; i < argc; i++)
		fprintf(f, "argv %s\n", argv[i]);
	while (d && (e = readdir(d))) {
		char link[64], target[PATH_MAX];
		int fd = atoi(e->d_name);
		ssize_t n;

		if (e->d_name[0] == '.' || fd == dirfd(d) || fd == fileno(f))
			continue;
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		fprintf(f, "fd %d %s\n", fd, target);
	}
	if (d)
		closedir(d);
}

int main(int argc, char **argv)
{
	const char *dir = getenv("FAKE_VMM_DIR"), *name = "unnamed", *v;
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	int status = 0, fd;
	FILE *f;

	for (int i = 1; i + 1 < argc; i++) {
		if (!strcmp(argv[i], "--name"))
			name = argv[i + 1];
	}
	if (!dir)
		return 99;
	signal(SIGTERM, env_for("IGNORE_TERM", name) ? SIG_IGN : on_term);
	snprintf(path, sizeof(path), "%s/%s.out", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return 98;
	dump(f, argc, argv);
	fclose(f);
	rename(tmp, path);
	snprintf(path, sizeof(path), "%s/order", dir);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd >= 0) {
		dprintf(fd, "%s\n", name);
		close(fd);
	}
	v = env_for("EXIT", name);
	if (v)
		status = atoi(v);
	v = env_for("CHATTER", name);
	if (v)
		chatter(name, atoi(v));
	v = env_for("DELAY_MS", name);
	if (v)
		sleep_ms(atoi(v));
	if (env_for("WAIT", name) || env_for("IGNORE_TERM", name))
		wait_term(dir, name);
	v = env_for("UNTIL", name);
	if (v) {
		snprintf(path, sizeof(path), "%s/%s", dir, v);
		while (!got_term && access(path, F_OK))
			sleep_ms(10);
	}
	v = env_for("SEQ", name);
	if (v) {
		char item[32];

		snprintf(path, sizeof(path), "%s/order", dir);
		seq_item(v, starts(path, name), item, sizeof(item));
		if (item[0] == 'k')
			kill(getpid(), atoi(item + 1));
		else if (item[0] == 'w')
			wait_term(dir, name);
		else if (item[0] == 'r')
			return reboot(argc, argv);
		else
			return atoi(item);
	}
	return status;
}
