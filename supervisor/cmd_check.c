// SPDX-License-Identifier: GPL-2.0
/* `splitvirt check TOPOLOGY`: parse, validate, summarize. */
#include <getopt.h>
#include <stdio.h>

#include <splitvirt/log.h>

#include "supervisor.h"

/* Prints the usage; returns status, for "return usage(...)". */
static int usage(FILE *out, int status)
{
	fprintf(out,
		"Usage: splitvirt check [options] TOPOLOGY\n"
		"Parses and validates a topology file and prints its VMs, links and devices,\n"
		"or every problem found as FILE:LINE:COLUMN: error: message.\n\n"
		"      --no-file-check   do not require kernel, initrd and disk files to exist here\n"
		"                        (for paths that exist only inside the board)\n"
		"  -q, --quiet           no summary, only problems\n"
		"      --log-level LVL   error, warn, info or debug\n"
		"  -h, --help            this text\n\n"
		"Exit status: 0 if the topology is valid (warnings allowed), 1 if not, 2 on\n"
		"bad arguments.\n");
	return status;
}

int sup_cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "no-file-check", no_argument, NULL, 'F' },
		{ "quiet", no_argument, NULL, 'q' },
		SUP_COMMON_OPTIONS,
	};
	/* --no-file-check drops the first: kernels that are here still decide dma-window: auto. */
	unsigned int flags = SV_TOPO_CHECK_FILES | SV_TOPO_READ_KERNELS;
	struct sv_topology *t;
	bool quiet = false;
	int common;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (opt) {
		default:
			common = sup_common_option(opt, usage);
			if (common != SUP_OPT_NEXT)
				return common;
			break;
		case 'F':
			flags &= ~SV_TOPO_CHECK_FILES;
			break;
		case 'q':
			quiet = true;
			break;
		}
	}
	if (optind != argc - 1)
		return usage(stderr, 2);
	t = sup_load_and_report(argv[optind], flags);
	if (!t)
		return 1;
	if (!quiet)
		sup_print_summary(stdout, t);
	sv_topo_free(t);
	return 0;
}
