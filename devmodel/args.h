/* SPDX-License-Identifier: GPL-2.0 */
/* devmodel command line. */
#ifndef DEVMODEL_ARGS_H
#define DEVMODEL_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <splitvirt/log.h>

#include "spec.h"

#define DM_DEFAULT_DEVICE "/dev/splitvirt"
#define DM_DEFAULT_CMDLINE "/proc/cmdline"
#define DM_DEFAULT_CONSOLE_DIR "/run/splitvirt"
/* 16 Mi records of 24 bytes: more than any console would print. */
#define DM_TRACE_MAX_RECORDS (1 << 24)
/* A window longer than this only burns the vCPU: requests are not that far apart. */
#define DM_POLL_MAX_US 100000

struct dm_args {
	uint32_t links[SV_VM_MAX_LINKS]; /* --link; none: every sv.link of the cmdline */
	unsigned int nr_links;
	const char *cmdline_file;
	const char *device;
	const char *console_dir; /* NULL: console output only */
	bool keep_state; /* false (--no-state): no crash containment */
	enum sv_log_level log_level;
	unsigned int trace_records; /* --trace; 0: off */
	const char *trace_kernel; /* --trace-kernel */
	const char *trace_out; /* --trace-out; NULL: stdout */
	unsigned int poll_us; /* --poll-us; 0: off */
	bool backends; /* --backends: print the vhost-user back-ends' command lines */
	const char *vhost_dir; /* --vhost-dir: where their sockets are */
	bool help;
};

extern const char dm_usage[];

/* Returns 0 or -EINVAL with a message in err. Resets getopt itself. */
int dm_args_parse(int argc, char **argv, struct dm_args *a, char *err, size_t errlen);

/* Reads a whole small text file (the kernel command line) into a NUL-terminated buffer. */
int dm_read_text_file(const char *path, char *buf, size_t size);

/*
 * The specs to serve: those named by --link (each must be in cfg), or all
 * of cfg. Returns the count or -EINVAL with a message in err.
 */
int dm_select_links(const struct dm_args *a, const struct dm_config *cfg,
		    const struct sv_link_spec **out, char *err, size_t errlen);

/*
 * Writes "SOCKET COMMAND..." for every vhost-user back-end the n links
 * need to out, one per line: where the device connects, and the command
 * line of a back-end listening there. Returns how many, or -errno.
 */
int dm_print_backends(const struct sv_link_spec *const *specs, unsigned int n, const char *dir,
		      FILE *out);

#endif
