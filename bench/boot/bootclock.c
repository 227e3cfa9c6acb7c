// SPDX-License-Identifier: GPL-2.0
/*
 * bootclock: run a command, watch its output for a marker line, and report
 * how long after the start the marker appeared and the command exited.
 *
 *   bootclock [-m MARKER] [-t SECONDS] [-o FILE] [-l LABEL] -- CMD [ARG...]
 *
 * The clock (CLOCK_MONOTONIC) starts just before fork(); the marker time is
 * taken when the chunk holding the marker's last byte is read from the
 * child's stdout+stderr pipe (stdin is /dev/null). Prints one line:
 *
 *   bootclock: label=L marker_ms=1234.567 exit_ms=2345.678 status=0
 *
 * marker_ms is -1 when the marker never appeared; status is the exit code,
 * 128+N for signal N, or "timeout" after -t seconds (the child is killed).
 * Exit code: 0 when the marker was seen and the child exited with 0, else 1
 * (2 for usage errors).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Prints the usage; returns status, for "return usage(...)". */
static int usage(FILE *f, int status)
{
	fprintf(f,
		"Usage: bootclock [-m MARKER] [-t SECONDS] [-o FILE] [-l LABEL] -- CMD [ARG...]\n"
		"Runs CMD with stdout+stderr on a pipe, prints the milliseconds from its\n"
		"start to the first output containing MARKER and to its exit.\n"
		"  -m MARKER   text to wait for (default \"guest: init reached\")\n"
		"  -t SECONDS  kill CMD after this long (default 120)\n"
		"  -o FILE     also write CMD's output to FILE\n"
		"  -l LABEL    label for the result line (default: CMD's name)\n");
	return status;
}

int main(int argc, char **argv)
{
	const char *marker = "guest: init reached";
	const char *label = NULL;
	const char *outpath = NULL;
	double timeout_ms = 120e3;
	int opt;

	while ((opt = getopt(argc, argv, "+m:t:o:l:h")) != -1) {
		switch (opt) {
		case 'm':
			marker = optarg;
			break;
		case 't':
			timeout_ms = atof(optarg) * 1e3;
			break;
		case 'o':
			outpath = optarg;
			break;
		case 'l':
			label = optarg;
			break;
		case 'h':
			return usage(stdout, 0);
		default:
			return usage(stderr, 2);
		}
	}
	if (optind >= argc || !*marker || timeout_ms <= 0) {
		return usage(stderr, 2);
	}
	if (!label)
		label = argv[optind];

	FILE *out = NULL;
	if (outpath && !(out = fopen(outpath, "w"))) {
		fprintf(stderr, "bootclock: %s: %s\n", outpath, strerror(errno));
		return 2;
	}
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		perror("bootclock: pipe");
		return 2;
	}

	double t0 = now_ms();
	pid_t pid = fork();
	if (pid < 0) {
		perror("bootclock: fork");
		return 2;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		if (null < 0 || dup2(null, 0) < 0 || dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0)
			_exit(126);
		execvp(argv[optind], &argv[optind]);
		dprintf(2, "bootclock: cannot run %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	close(p[1]);

	/* Keep the last len(marker)-1 bytes so a marker split across reads is found. */
	size_t mlen = strlen(marker);
	char *win = malloc(mlen + 4096 + 1);
	if (!win) {
		kill(pid, SIGKILL);
		return 2;
	}
	size_t wlen = 0;
	double t_marker = -1, t_exit;
	int timed_out = 0;

	for (;;) {
		double left = timeout_ms - (now_ms() - t0);
		if (left <= 0) {
			timed_out = 1;
			kill(pid, SIGKILL);
			break;
		}
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		int r = poll(&pfd, 1, (int)left + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		ssize_t n = read(p[0], win + wlen, 4096);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* EOF: the command (and anything it started) closed the pipe */
		double t = now_ms();
		if (out)
			fwrite(win + wlen, 1, n, out);
		wlen += n;
		win[wlen] = 0;
		if (t_marker < 0 && memmem(win, wlen, marker, mlen))
			t_marker = t - t0;
		if (wlen >= mlen) {
			memmove(win, win + wlen - (mlen - 1), mlen - 1);
			wlen = mlen - 1;
		}
	}

	/* The pipe may close before the exit: keep the timeout while waiting. */
	int st = 0;
	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid || (w < 0 && errno != EINTR))
			break;
		if (!timed_out && now_ms() - t0 > timeout_ms) {
			timed_out = 1;
			kill(pid, SIGKILL);
		}
		if (w == 0)
			usleep(200);
	}
	t_exit = now_ms() - t0;
	if (out)
		fclose(out);

	char status[32];
	if (timed_out)
		snprintf(status, sizeof(status), "timeout");
	else if (WIFEXITED(st))
		snprintf(status, sizeof(status), "%d", WEXITSTATUS(st));
	else
		snprintf(status, sizeof(status), "%d", 128 + WTERMSIG(st));
	printf("bootclock: label=%s marker_ms=%.3f exit_ms=%.3f status=%s\n", label, t_marker,
	       t_exit, status);
	fflush(stdout);
	return (!timed_out && t_marker >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0) ? 0 : 1;
}
