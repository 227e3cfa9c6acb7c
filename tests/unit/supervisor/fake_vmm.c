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
 */
#include <dirent.h>
#include <fcntl.h>
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
	if (env_for("WAIT", name) || env_for("IGNORE_TERM", name)) {
		while (!got_term)
			pause();
		snprintf(path, sizeof(path), "%s/%s.sigterm", dir, name);
		f = fopen(path, "w");
		if (f)
			fclose(f);
	}
	return status;
}
