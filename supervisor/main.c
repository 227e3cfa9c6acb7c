// SPDX-License-Identifier: GPL-2.0
/* splitvirt: the supervisor CLI (run, check, status). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <splitvirt/log.h>

#include "supervisor.h"

int sup_common_option(int opt, int (*usage)(FILE *out, int status))
{
	switch (opt) {
	case 'L':
		if (sv_log_level_option(optarg))
			return 2;
		/* The vmms read the same variable. */
		setenv("SPLITVIRT_LOG", optarg, 1);
		return SUP_OPT_NEXT;
	case 'h':
		return usage(stdout, 0);
	default:
		return usage(stderr, 2);
	}
}

/* Prints the usage; returns status, for "return usage(...)". */
static int usage(FILE *out, int status)
{
	fprintf(out,
		"Usage: splitvirt [--log-level LVL] COMMAND [options] ...\n"
		"Runs topologies of VMs whose virtio devices are served by device VMs.\n\n"
		"Commands:\n"
		"  run TOPOLOGY     create the shared objects and run one vmm per VM\n"
		"  check TOPOLOGY   validate a topology file and print what it describes\n"
		"  status           list running topologies and their VMs\n"
		"  help [COMMAND]   this text, or a command's (also: COMMAND --help)\n\n"
		"Global options:\n"
		"  --log-level LVL  error, warn, info or debug (default info; env SPLITVIRT_LOG)\n"
		"  -h, --help       this text\n\n"
		"The topology file format is described in docs/topology.md.\n");
	return status;
}

static int dispatch(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "run", sup_cmd_run },
		{ "check", sup_cmd_check },
		{ "status", sup_cmd_status },
	};

	if (!strcmp(argv[0], "help")) {
		if (argc > 1) {
			char *help_argv[] = { argv[1], "--help", NULL };

			return dispatch(2, help_argv);
		}
		return usage(stdout, 0);
	}
	for (unsigned int i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (!strcmp(argv[0], cmds[i].name))
			return cmds[i].fn(argc, argv);
	}
	fprintf(stderr, "splitvirt: unknown command '%s'; use run, check or status (see --help)\n",
		argv[0]);
	return 2;
}

int main(int argc, char **argv)
{
	int i = 1;

	sv_log_set_prefix("splitvirt");
	sv_log_init_from_env();
	/* Global options come before the command. */
	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			return usage(stdout, 0);
		}
		if (!strcmp(argv[i], "--log-level") && i + 1 < argc) {
			if (sv_log_level_option(argv[i + 1]))
				return 2;
			setenv("SPLITVIRT_LOG", argv[i + 1], 1);
			i += 2;
			continue;
		}
		fprintf(stderr, "splitvirt: unknown option %s (see --help)\n", argv[i]);
		return 2;
	}
	if (i == argc) {
		return usage(stderr, 2);
	}
	return dispatch(argc - i, argv + i);
}
