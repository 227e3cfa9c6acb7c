// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <splitvirt/log.h>

static enum sv_log_level current_level = SV_LOG_INFO;
static const char *log_prefix = "splitvirt";

static const char *const level_names[] = {
	[SV_LOG_ERROR] = "error",
	[SV_LOG_WARN] = "warn",
	[SV_LOG_INFO] = "info",
	[SV_LOG_DEBUG] = "debug",
};

void sv_log_set_level(enum sv_log_level level)
{
	current_level = level;
}

enum sv_log_level sv_log_get_level(void)
{
	return current_level;
}

void sv_log_set_prefix(const char *prefix)
{
	log_prefix = prefix;
}

int sv_log_parse_level(const char *name, enum sv_log_level *out)
{
	for (unsigned int i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum sv_log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

int sv_log_level_option(const char *arg)
{
	enum sv_log_level level;

	if (sv_log_parse_level(arg, &level)) {
		sv_log(SV_LOG_ERROR, "--log-level %s: use error, warn, info or debug", arg);
		return -EINVAL;
	}
	current_level = level;
	return 0;
}

void sv_log_init_from_env(void)
{
	const char *env = getenv("SPLITVIRT_LOG");
	enum sv_log_level level;

	if (env && sv_log_parse_level(env, &level) == 0)
		current_level = level;
}

void sv_vlog(enum sv_log_level level, const char *fmt, va_list ap)
{
	struct timespec ts;
	char line[1024];

	if (level > current_level)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	vsnprintf(line, sizeof(line), fmt, ap);
	/* One fprintf per line so concurrent threads do not interleave. */
	fprintf(stderr, "[%5ld.%06ld] %s: %s: %s\n", (long)ts.tv_sec, ts.tv_nsec / 1000, log_prefix,
		level_names[level], line);
}

void sv_log(enum sv_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sv_vlog(level, fmt, ap);
	va_end(ap);
}

unsigned long sv_log_limit(unsigned long *counter)
{
	/* Relaxed: only the count matters, not its order against other memory. */
	unsigned long n = __atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);

	return (n <= SV_LOG_LIMIT_BURST || n % SV_LOG_LIMIT_EVERY == 0) ? n : 0;
}
