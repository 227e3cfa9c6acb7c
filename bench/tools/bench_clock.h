/* SPDX-License-Identifier: GPL-2.0 */
/* The benchmark tools' clock: seconds on the monotonic clock. */
#ifndef BENCH_TOOLS_BENCH_CLOCK_H
#define BENCH_TOOLS_BENCH_CLOCK_H

#include <time.h>

static inline double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
