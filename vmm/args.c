// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <string.h>

#include <splitvirt/size.h>

#include "args.h"

enum {
	OPT_LOG_LEVEL = 0x100,
	OPT_GIC,
};

static const struct option vmm_options[] = {
	{ "kernel", required_argument, NULL, 'k' },
	{ "initrd", required_argument, NULL, 'i' },
	{ "cmdline", required_argument, NULL, 'c' },
	{ "mem", required_argument, NULL, 'm' },
	{ "cpus", required_argument, NULL, 'p' },
	{ "gic", required_argument, NULL, OPT_GIC },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

void vmm_args_usage(FILE *out, const char *prog)
{
	fprintf(out,
		"Usage: %s --kernel IMAGE [options]\n"
		"Runs one arm64 Linux guest on KVM.\n\n"
		"  -k, --kernel FILE     arm64 Linux Image (raw, uncompressed; Debian's vmlinuz-*-arm64)\n"
		"  -i, --initrd FILE     initramfs to load\n"
		"  -c, --cmdline STR     kernel command line (default: \"console=ttyAMA0\")\n"
		"  -m, --mem SIZE        guest RAM, e.g. 256M or 1G (default 256M, min 32M)\n"
		"  -p, --cpus N          vCPUs, 1-%d (default 1)\n"
		"      --gic VER         interrupt controller: auto, v2 or v3 (default auto:\n"
		"                        v3 where the host supports it, else v2)\n"
		"      --log-level LVL   error, warn, info or debug (default info; env SPLITVIRT_LOG)\n"
		"  -h, --help            this text\n\n"
		"Exit status: the guest's status (written to the exit-status register before\n"
		"PSCI SYSTEM_OFF, 0 if never written); 1 on a vmm error.\n",
		prog, VMM_MAX_CPUS);
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int vmm_args_parse(int argc, char *const argv[], struct vmm_args *args, char *err, size_t errlen)
{
	unsigned long cpus;
	int opt, ret;

	memset(args, 0, sizeof(*args));
	args->mem_size = VMM_DEFAULT_MEM;
	args->cpus = 1;
	args->cmdline = "console=ttyAMA0";
	args->log_level = sv_log_get_level();
	err[0] = '\0';

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":k:i:c:m:p:h", vmm_options, NULL)) != -1) {
		switch (opt) {
		case 'k':
			args->kernel = optarg;
			break;
		case 'i':
			args->initrd = optarg;
			break;
		case 'c':
			args->cmdline = optarg;
			break;
		case 'm':
			ret = sv_parse_size(optarg, &args->mem_size);
			if (ret)
				return fail(
					err, errlen,
					"--mem %s: not a size; use a number with an optional K, M or G suffix, e.g. --mem 256M",
					optarg);
			if (args->mem_size < VMM_MIN_MEM || args->mem_size > VMM_MAX_MEM)
				return fail(err, errlen,
					    "--mem %s: out of range; give between 32M and 16G",
					    optarg);
			if (args->mem_size & ((2u << 20) - 1))
				return fail(
					err, errlen,
					"--mem %s: must be a multiple of 2M (guest RAM uses 2 MiB pages)",
					optarg);
			break;
		case 'p':
			ret = sv_parse_uint(optarg, 1, VMM_MAX_CPUS, &cpus);
			if (ret)
				return fail(err, errlen, "--cpus %s: give a number from 1 to %d",
					    optarg, VMM_MAX_CPUS);
			args->cpus = (unsigned int)cpus;
			break;
		case OPT_GIC:
			if (!strcmp(optarg, "auto"))
				args->gic = VMM_GIC_AUTO;
			else if (!strcmp(optarg, "v2") || !strcmp(optarg, "2"))
				args->gic = VMM_GIC_V2;
			else if (!strcmp(optarg, "v3") || !strcmp(optarg, "3"))
				args->gic = VMM_GIC_V3;
			else
				return fail(err, errlen, "--gic %s: use auto, v2 or v3", optarg);
			break;
		case OPT_LOG_LEVEL:
			if (sv_log_parse_level(optarg, &args->log_level))
				return fail(err, errlen,
					    "--log-level %s: use error, warn, info or debug",
					    optarg);
			break;
		case 'h':
			args->help = 1;
			return 0;
		case ':':
			return fail(err, errlen, "%s needs a value (see --help)", argv[optind - 1]);
		default:
			return fail(err, errlen, "unknown option %s (see --help)",
				    argv[optind - 1]);
		}
	}
	if (optind < argc)
		return fail(err, errlen, "unexpected argument '%s' (see --help)", argv[optind]);
	if (!args->kernel)
		return fail(err, errlen, "no kernel given; use --kernel IMAGE (see --help)");
	return 0;
}
