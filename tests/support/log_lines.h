/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counting what the vmm's code logs while a test drives it, for the
 * rate-limit tests: a guest or a device VM repeating a logged mistake at
 * will must not flood the log.
 */
#ifndef TESTS_VMM_LOG_LINES_H
#define TESTS_VMM_LOG_LINES_H

/*
 * Runs fn(arg) with the log at info level and stderr captured; returns how
 * many lines contain needle. The level is left at errors afterwards.
 */
unsigned int log_lines_while(const char *needle, void (*fn)(void *arg), void *arg);

#endif
