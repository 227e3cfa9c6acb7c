/* SPDX-License-Identifier: GPL-2.0 */
/* Test helpers for real vhost-user back-ends (qemu-storage-daemon) run as child processes. */
#ifndef TESTS_SUPPORT_BACKEND_PROC_H
#define TESTS_SUPPORT_BACKEND_PROC_H

#include <stdbool.h>
#include <sys/types.h>

/* Whether program is on PATH. */
bool bp_have(const char *program);
/* Starts argv (stdout to /dev/null) and waits up to 5 s for it to listen on sock; cmocka-asserts. */
pid_t bp_start(char *const argv[], const char *sock);
/* SIGKILL and reap. */
void bp_kill(pid_t pid);

#endif
