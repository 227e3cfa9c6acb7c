// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <splitvirt/log.h>

#include "log_lines.h"

unsigned int log_lines_while(const char *needle, void (*fn)(void *arg), void *arg)
{
	unsigned int lines = 0;
	char line[1024];
	FILE *log = tmpfile();
	int saved = dup(STDERR_FILENO);

	if (!log || saved < 0)
		return ~0u; /* fails any "at most" check */
	sv_log_set_level(SV_LOG_INFO);
	fflush(stderr);
	dup2(fileno(log), STDERR_FILENO);
	fn(arg);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	sv_log_set_level(SV_LOG_ERROR);
	rewind(log);
	while (fgets(line, sizeof(line), log))
		lines += strstr(line, needle) != NULL;
	fclose(log);
	return lines;
}
