/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Leveled logging for every splitvirt program. Libraries log through this
 * too, but only callers decide whether an error is fatal.
 */
#ifndef SPLITVIRT_LOG_H
#define SPLITVIRT_LOG_H

#include <stdarg.h>

enum sv_log_level {
	SV_LOG_ERROR = 0,
	SV_LOG_WARN = 1,
	SV_LOG_INFO = 2,
	SV_LOG_DEBUG = 3,
};

/* Set from --log-level or SPLITVIRT_LOG; default INFO. */
void sv_log_set_level(enum sv_log_level level);
enum sv_log_level sv_log_get_level(void);
/* Parses "error", "warn", "info", "debug"; returns -EINVAL for others. */
int sv_log_parse_level(const char *name, enum sv_log_level *out);
/*
 * Handles a --log-level ARG command-line option: sets the level, or logs
 * which values are valid and returns -EINVAL.
 */
int sv_log_level_option(const char *arg);
/* Applies SPLITVIRT_LOG from the environment if set and valid. */
void sv_log_init_from_env(void);
/* Prefix shown on every line, usually the program name. */
void sv_log_set_prefix(const char *prefix);

void sv_log(enum sv_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sv_vlog(enum sv_log_level level, const char *fmt, va_list ap);

#define pr_err(...) sv_log(SV_LOG_ERROR, __VA_ARGS__)
#define pr_warn(...) sv_log(SV_LOG_WARN, __VA_ARGS__)
#define pr_info(...) sv_log(SV_LOG_INFO, __VA_ARGS__)
#define pr_debug(...) sv_log(SV_LOG_DEBUG, __VA_ARGS__)

/*
 * Throttling for messages a guest or a peer VM can trigger at will (a
 * hostile driver writing a bad register in a loop must not flood the log
 * or slow the host down): the first SV_LOG_LIMIT_BURST occurrences are
 * logged, then every SV_LOG_LIMIT_EVERY-th, each with the running count.
 * The counter is per event source and may be shared between threads.
 */
#define SV_LOG_LIMIT_BURST 10
#define SV_LOG_LIMIT_EVERY 1000

/* Counts one occurrence; returns the new count if it should be logged, else 0. */
unsigned long sv_log_limit(unsigned long *counter);

#define sv_log_limited(level, counter, fmt, ...)                               \
	do {                                                                   \
		unsigned long n_ = sv_log_limit(counter);                      \
		if (n_)                                                        \
			sv_log(level, fmt " (%lu so far)", ##__VA_ARGS__, n_); \
	} while (0)
#define pr_warn_limited(counter, fmt, ...) sv_log_limited(SV_LOG_WARN, counter, fmt, ##__VA_ARGS__)
#define pr_info_limited(counter, fmt, ...) sv_log_limited(SV_LOG_INFO, counter, fmt, ##__VA_ARGS__)

#endif
