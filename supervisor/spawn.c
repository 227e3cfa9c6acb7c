// SPDX-License-Identifier: GPL-2.0
/*
 * Starting a vmm with exactly its grants. Everything the supervisor opens is
 * CLOEXEC, but the supervisor may itself have inherited fds from whoever
 * started it; so the child marks every fd above stdio CLOEXEC and then
 * clears the flag on its grants only, right before exec.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervisor.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1u << 2)
#endif

/* Async-signal-safe enough for a fork child of a single-threaded parent. */
static void cloexec_all_but_stdio(void)
{
	DIR *d;
	struct dirent *e;

	if (syscall(SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	/* Kernels before 5.11: walk /proc/self/fd. */
	d = opendir("/proc/self/fd");
	if (!d)
		return;
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);

		if (fd > 2 && fd != dirfd(d))
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	closedir(d);
}

static void child(char *const argv[], const int *fds, unsigned int nr_fds,
		  const struct sup_spawn_stdio *stdio, int err_pipe, pid_t parent)
{
	sigset_t none;
	int ret;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* A vmm must not outlive a supervisor that was killed outright. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(127);
	if (!stdio->keep_stdin) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (null >= 0 && null != 0) {
			dup2(null, 0);
			close(null);
		}
	}
	/* dup2() leaves the copies without CLOEXEC; the originals go at exec. */
	if ((stdio->out >= 0 && dup2(stdio->out, 1) < 0) ||
	    (stdio->err >= 0 && dup2(stdio->err, 2) < 0))
		goto fail;
	cloexec_all_but_stdio();
	for (unsigned int i = 0; i < nr_fds; i++) {
		if (fcntl(fds[i], F_SETFD, 0) < 0)
			goto fail;
	}
	execvp(argv[0], argv);
fail:
	ret = errno;
	if (write(err_pipe, &ret, sizeof(ret)) < 0)
		_exit(127);
	_exit(127);
}

int sup_spawn(char *const argv[], const int *fds, unsigned int nr_fds,
	      const struct sup_spawn_stdio *stdio, pid_t *pid)
{
	pid_t parent = getpid();
	int pipefd[2], err = 0;
	ssize_t n;
	pid_t p;

	/* The write end closes on a successful exec: EOF means it worked. */
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	p = fork();
	if (p < 0) {
		err = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return err;
	}
	if (p == 0)
		child(argv, fds, nr_fds, stdio, pipefd[1], parent);
	close(pipefd[1]);
	do {
		n = read(pipefd[0], &err, sizeof(err));
	} while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	*pid = p;
	if (n == sizeof(err)) {
		waitpid(p, NULL, 0);
		return -err;
	}
	return 0;
}

int sup_stdin_owner(const struct sv_topology *t)
{
	static const enum sv_topo_role order[] = { SV_TOPO_DRIVER, SV_TOPO_STANDALONE };

	for (unsigned int i = 0; i < t->nr_vms; i++) {
		if (t->vms[i].console)
			return (int)i;
	}
	for (unsigned int r = 0; r < 2; r++) {
		for (unsigned int i = 0; i < t->nr_vms; i++) {
			if (t->vms[i].role == order[r])
				return (int)i;
		}
	}
	return -1;
}
