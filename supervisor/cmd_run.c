// SPDX-License-Identifier: GPL-2.0
/* `splitvirt run TOPOLOGY`: options, then sup_run(). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <splitvirt/log.h>
#include <splitvirt/size.h>

#include "relay.h"
#include "supervisor.h"

/* Prints the usage; returns status, for "return usage(...)". */
static int usage(FILE *out, int status)
{
	fprintf(out,
		"Usage: splitvirt run [options] TOPOLOGY\n"
		"Creates the shared objects of a topology and runs one vmm per VM, device VMs\n"
		"first; each vmm gets only the memory and doorbells the topology grants it.\n\n"
		"      --vmm PATH         the vmm program (default: vmm, searched in PATH)\n"
		"      --no-file-check    do not check kernel, initrd and disk files beforehand\n"
		"      --run-dir DIR      where the state file goes (default $SPLITVIRT_RUN_DIR,\n"
		"                         else " SUP_DEFAULT_RUN_DIR ")\n"
		"      --stop-timeout S   seconds between SIGTERM and SIGKILL when stopping (default %d)\n"
		"      --console-dir DIR  write each VM's console and log lines to DIR/<VM name>.log\n"
		"                         (created if missing, truncated) instead of to our output\n"
		"      --log-level LVL    error, warn, info or debug; also passed on to the vmms\n"
		"      --no-sandbox       run the vmms unconfined, for debugging: as our user, in\n"
		"                         our namespaces, without seccomp (docs/security.md)\n"
		"                         (also SPLITVIRT_SANDBOX=off)\n"
		"      --uid-base N       sandboxed VM i runs as uid and gid N+1+i (default %u,\n"
		"                         or $SPLITVIRT_UID_BASE); need not be in /etc/passwd\n"
		"  -h, --help             this text\n\n"
		"Without --console-dir, each line a VM writes (guest console, vmm log) appears\n"
		"whole on our stdout (stderr for the vmm's stderr) as \"[VM name] line\"; a line\n"
		"shows once it ends, exceeds %d bytes (split) or the VM exits. stdin goes to\n"
		"one VM, as docs/topology.md says.\n\n"
		"SIGINT or SIGTERM stops every VM. Exit status: 0 if every driver and standalone\n"
		"VM exited with 0, else the status of the first one that did not (128+N if killed\n"
		"by signal N); 1 if the topology is invalid or the objects cannot be created;\n"
		"2 on bad arguments.\n",
		SUP_DEFAULT_STOP_TIMEOUT, SUP_DEFAULT_UID_BASE, SUP_RELAY_LINE_MAX);
	return status;
}

int sup_cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vmm", required_argument, NULL, 'V' },
		{ "no-file-check", no_argument, NULL, 'F' },
		{ "run-dir", required_argument, NULL, 'R' },
		{ "stop-timeout", required_argument, NULL, 'S' },
		{ "console-dir", required_argument, NULL, 'C' },
		{ "no-sandbox", no_argument, NULL, 'N' },
		{ "uid-base", required_argument, NULL, 'U' },
		SUP_COMMON_OPTIONS,
	};
	struct sup_run_opts ro = { .vmm_path = "vmm",
				   .stop_timeout = SUP_DEFAULT_STOP_TIMEOUT,
				   .uid_base = SUP_DEFAULT_UID_BASE };
	const char *base = getenv("SPLITVIRT_UID_BASE"), *sandbox = getenv("SPLITVIRT_SANDBOX");
	/* --no-file-check drops the first: kernels that are here still decide dma-window: auto. */
	unsigned int flags = SV_TOPO_CHECK_FILES | SV_TOPO_READ_KERNELS;
	const char *run_dir = NULL;
	struct sv_topology *t;
	unsigned long secs;
	int opt, status, common;

	/* As --no-sandbox, for whoever cannot change the command line (tests). */
	if (sandbox && !strcmp(sandbox, "off"))
		ro.no_sandbox = true;
	/* The ids are 32-bit; leave room for the VMs above the base. */
	if (base && sv_parse_uint(base, 1, 4000000000ul, &secs) == 0)
		ro.uid_base = (unsigned int)secs;
	else if (base)
		pr_warn("SPLITVIRT_UID_BASE=%s is not a uid; using %u", base, ro.uid_base);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'N':
			ro.no_sandbox = true;
			break;
		case 'U':
			if (sv_parse_uint(optarg, 1, 4000000000ul, &secs)) {
				pr_err("--uid-base %s: give a uid from 1 to 4000000000", optarg);
				return 2;
			}
			ro.uid_base = (unsigned int)secs;
			break;
		case 'V':
			ro.vmm_path = optarg;
			break;
		case 'F':
			flags &= ~SV_TOPO_CHECK_FILES;
			break;
		case 'R':
			run_dir = optarg;
			break;
		case 'C':
			ro.console_dir = optarg;
			break;
		case 'S':
			if (sv_parse_uint(optarg, 0, 3600, &secs)) {
				pr_err("--stop-timeout %s: give 0 to 3600 seconds", optarg);
				return 2;
			}
			ro.stop_timeout = (unsigned int)secs;
			break;
		default:
			common = sup_common_option(opt, usage);
			if (common != SUP_OPT_NEXT)
				return common;
		}
	}
	if (optind != argc - 1)
		return usage(stderr, 2);
	ro.run_dir = sup_run_dir(run_dir);
	t = sup_load_and_report(argv[optind], flags);
	if (!t)
		return 1;
	status = sup_run(t, &ro);
	sv_topo_free(t);
	return status;
}
