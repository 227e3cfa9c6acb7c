// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <splitvirt/host_pci.h>
#include <splitvirt/size.h>
#include <splitvirt/strbuf.h>

#include "args.h"

enum {
	OPT_LOG_LEVEL = 0x100,
	OPT_GIC,
	OPT_DISK,
	OPT_NET,
	OPT_CONSOLE,
	OPT_RNG,
	OPT_DEVICE,
	OPT_NAME,
	OPT_RAM_FD,
	OPT_LINK,
	OPT_SERVE,
	OPT_START_TIMEOUT,
	OPT_REBOOT_FD,
	OPT_PASSTHROUGH,
	OPT_TRACE,
};

static const struct option vmm_options[] = {
	{ "kernel", required_argument, NULL, 'k' },
	{ "initrd", required_argument, NULL, 'i' },
	{ "cmdline", required_argument, NULL, 'c' },
	{ "mem", required_argument, NULL, 'm' },
	{ "cpus", required_argument, NULL, 'p' },
	{ "gic", required_argument, NULL, OPT_GIC },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "disk", required_argument, NULL, OPT_DISK },
	{ "net", required_argument, NULL, OPT_NET },
	{ "console", no_argument, NULL, OPT_CONSOLE },
	{ "rng", no_argument, NULL, OPT_RNG },
	{ "device", required_argument, NULL, OPT_DEVICE },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "ram-fd", required_argument, NULL, OPT_RAM_FD },
	{ "link", required_argument, NULL, OPT_LINK },
	{ "serve", required_argument, NULL, OPT_SERVE },
	{ "start-timeout", required_argument, NULL, OPT_START_TIMEOUT },
	{ "reboot-fd", required_argument, NULL, OPT_REBOOT_FD },
	{ "passthrough", required_argument, NULL, OPT_PASSTHROUGH },
	{ "trace", required_argument, NULL, OPT_TRACE },
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
		"\nLocal virtio-pci devices (served in this process):\n"
		"      --disk FILE[,ro]  virtio-blk over a raw image file (repeatable)\n"
		"      --net tap=NAME[,mac=MAC][,bridge=BR]\n"
		"                        virtio-net over tap NAME (created if missing; added to\n"
		"                        bridge BR and brought up if given; repeatable)\n"
		"      --console         virtio-console (hvc0) on the vmm's stdin/stdout\n"
		"      --rng             virtio-rng fed by getrandom()\n"
		"      --device TYPE[,KEY=VALUE|ro]...\n"
		"                        any device of the device table: %s\n"
		"                        (keys: path, ro, bridge, tap, mac; --disk F,ro is\n"
		"                        --device blk,path=F,ro and --net OPTS is --device net,OPTS)\n"
		"                        Up to %d local devices in all.\n"
		"      --passthrough BDF host PCI function DDDD:BB:DD.F (or BB:DD.F), bound to\n"
		"                        vfio-pci, given to the guest through VFIO and the IOMMU\n"
		"                        (repeatable, up to %d; MSI-X devices with 64-bit BARs)\n"
		"\nCross-VM links (normally set up by the splitvirt supervisor):\n"
		"      --name NAME       VM name for logs\n"
		"      --ram-fd FD       guest RAM is this memfd (shared with linked device VMs)\n"
		"      --link id=N,peer=NAME,iobuf-fd=FD,req-fd=FD,resp-fd=FD,kick-fds=FD:..,call-fds=FD:..\n"
		"                        driver side: devices of device VM NAME appear on our PCI bus\n"
		"      --serve id=N,peer=NAME,ram-fd=FD,ram-gpa=ADDR,ram-size=BYTES,iobuf-fd=FD,...\n"
		"                        device side: a dataport PCI function for driver VM NAME\n"
		"      --start-timeout S seconds to wait for every linked device VM's START_VM (default 60)\n"
		"      --reboot-fd FD    on the guest's PSCI SYSTEM_RESET, signal this eventfd and exit\n"
		"                        (the supervisor then starts the VM again); without it a reset\n"
		"                        stops the VM\n"
		"      --trace N         stamp each stage of each request of the local devices in a\n"
		"                        ring of N records, printed (SVT-D lines) when the VM stops;\n"
		"                        for bench/crossvm-trace. Off by default\n"
		"  -h, --help            this text\n\n"
		"Exit status: the guest's status (written to the exit-status register before\n"
		"PSCI SYSTEM_OFF, 0 if never written); 1 on a vmm error.\n",
		prog, SV_GUEST_MAX_CPUS, sv_dev_type_list(), SV_VM_MAX_LOCAL_DEVICES,
		VMM_MAX_PASSTHROUGH);
}

/* --passthrough [DDDD:]BB:DD.F, kept in sysfs' full form. */
static int add_passthrough(const char *text, struct vmm_args *args, char *err, size_t errlen)
{
	if (args->npassthrough == VMM_MAX_PASSTHROUGH)
		return sv_errmsg(err, errlen, "--passthrough: at most %d devices",
				 VMM_MAX_PASSTHROUGH);
	if (sv_pci_bdf_parse(text, args->passthrough[args->npassthrough]))
		return sv_errmsg(err, errlen, "--passthrough %.32s: not a PCI address; use %s",
				 text, SV_PCI_BDF_FORM);
	args->npassthrough++;
	return 0;
}

/* --disk FILE[,ro]: a local file may be any path, relative ones too. */
static int parse_disk(const char *text, struct sv_dev_spec *d, char *err, size_t errlen)
{
	const char *comma = strchr(text, ',');
	size_t len = comma ? (size_t)(comma - text) : strlen(text);

	*d = (struct sv_dev_spec){ .type = SV_DEV_BLK };
	if (len == 0)
		return sv_errmsg(err, errlen, "--disk needs a file: --disk FILE[,ro]");
	if (comma && strcmp(comma + 1, "ro") != 0)
		return sv_errmsg(err, errlen,
				 "--disk %s: unknown option '%s'; the only one is 'ro'", text,
				 comma + 1);
	if (len >= sizeof(d->path))
		return sv_errmsg(err, errlen, "--disk: path is over %d bytes", SV_DEV_PATH_MAX);
	memcpy(d->path, text, len);
	d->read_only = comma != NULL;
	return sv_dev_check(d, "--disk", err, errlen);
}

/* --net tap=NAME[,mac=MAC][,bridge=BR] */
static int parse_net(const char *text, struct sv_dev_spec *d, char *err, size_t errlen)
{
	char buf[160];
	int ret;

	if (snprintf(buf, sizeof(buf), "net,%s", text) >= (int)sizeof(buf))
		return sv_errmsg(err, errlen, "--net %.40s: too long", text);
	ret = sv_dev_parse_opts(buf, d, err, errlen);
	if (!ret && !d->tap[0])
		return sv_errmsg(err, errlen, "--net %s: name the tap device: --net tap=NAME",
				 text);
	return ret;
}

static int parse_device(int opt, const char *text, struct sv_dev_spec *d, char *err, size_t errlen)
{
	switch (opt) {
	case OPT_DISK:
		return parse_disk(text, d, err, errlen);
	case OPT_NET:
		return parse_net(text, d, err, errlen);
	case OPT_CONSOLE:
		*d = (struct sv_dev_spec){ .type = SV_DEV_CONSOLE };
		return 0;
	case OPT_RNG:
		*d = (struct sv_dev_spec){ .type = SV_DEV_RNG };
		return 0;
	default:
		return sv_dev_parse_opts(text, d, err, errlen);
	}
}

bool vmm_args_has(const struct vmm_args *args, enum sv_dev_type type)
{
	for (unsigned int i = 0; i < args->ndevs; i++)
		if (args->devs[i].type == type)
			return true;
	return false;
}

static int parse_mem(const char *arg, struct vmm_args *args, char *err, size_t errlen)
{
	if (sv_parse_size(arg, &args->mem_size))
		return sv_errmsg(
			err, errlen,
			"--mem %s: not a size; use a number with an optional K, M or G suffix, e.g. --mem 256M",
			arg);
	if (args->mem_size < SV_GUEST_MIN_MEM || args->mem_size > SV_GUEST_MAX_MEM)
		return sv_errmsg(err, errlen, "--mem %s: out of range; give between 32M and 16G",
				 arg);
	if (args->mem_size & ((2u << 20) - 1))
		return sv_errmsg(err, errlen,
				 "--mem %s: must be a multiple of 2M (guest RAM uses 2 MiB pages)",
				 arg);
	return 0;
}

static int parse_gic(const char *arg, struct vmm_args *args, char *err, size_t errlen)
{
	if (!strcmp(arg, "auto"))
		args->gic = VMM_GIC_AUTO;
	else if (!strcmp(arg, "v2") || !strcmp(arg, "2"))
		args->gic = VMM_GIC_V2;
	else if (!strcmp(arg, "v3") || !strcmp(arg, "3"))
		args->gic = VMM_GIC_V3;
	else
		return sv_errmsg(err, errlen, "--gic %s: use auto, v2 or v3", arg);
	return 0;
}

static int parse_uint_opt(const char *opt, const char *arg, unsigned long min, unsigned long max,
			  const char *what, unsigned long *out, char *err, size_t errlen)
{
	if (sv_parse_uint(arg, min, max, out))
		return sv_errmsg(err, errlen, "%s %s: give %s", opt, arg, what);
	return 0;
}

static int add_device(int opt, const char *arg, struct vmm_args *args, char *err, size_t errlen)
{
	int ret;

	if (args->ndevs == SV_VM_MAX_LOCAL_DEVICES)
		return sv_errmsg(err, errlen,
				 "at most %d local devices (--disk, --net, --device...)",
				 SV_VM_MAX_LOCAL_DEVICES);
	ret = parse_device(opt, arg, &args->devs[args->ndevs], err, errlen);
	if (!ret)
		args->ndevs++;
	return ret;
}

static int add_link(int opt, const char *arg, struct vmm_args *args, char *err, size_t errlen)
{
	bool serve = opt == OPT_SERVE;
	enum sv_link_side side = serve ? SV_LINK_DEVICE_SIDE : SV_LINK_DRIVER_SIDE;
	unsigned int *n = serve ? &args->nserves : &args->nlinks;
	int ret;

	if (*n == SV_VM_MAX_LINKS)
		return sv_errmsg(err, errlen, "at most %d %s options", SV_VM_MAX_LINKS,
				 sv_link_side_option(side));
	ret = sv_link_args_parse(arg, side, serve ? &args->serves[*n] : &args->links[*n], err,
				 errlen);
	if (!ret)
		(*n)++;
	return ret;
}

/* One option (getopt's opt, its optarg): 0 or -EINVAL with a message. */
static int parse_option(int opt, const char *arg, struct vmm_args *args, char *err, size_t errlen)
{
	unsigned long n = 0;
	int ret = 0;

	switch (opt) {
	case 'k':
		args->kernel = arg;
		return 0;
	case 'i':
		args->initrd = arg;
		return 0;
	case 'c':
		args->cmdline = arg;
		return 0;
	case 'm':
		return parse_mem(arg, args, err, errlen);
	case 'p':
		ret = parse_uint_opt("--cpus", arg, 1, SV_GUEST_MAX_CPUS, "a number from 1 to 8",
				     &n, err, errlen);
		args->cpus = (unsigned int)n;
		return ret;
	case OPT_GIC:
		return parse_gic(arg, args, err, errlen);
	case OPT_LOG_LEVEL:
		if (sv_log_parse_level(arg, &args->log_level))
			return sv_errmsg(err, errlen,
					 "--log-level %s: use error, warn, info or debug", arg);
		return 0;
	case OPT_DISK:
	case OPT_NET:
	case OPT_CONSOLE:
	case OPT_RNG:
	case OPT_DEVICE:
		return add_device(opt, arg, args, err, errlen);
	case OPT_NAME:
		args->name = arg;
		return 0;
	case OPT_RAM_FD:
		ret = parse_uint_opt("--ram-fd", arg, 0, 65535, "a file descriptor", &n, err,
				     errlen);
		args->ram_fd = (int)n;
		return ret;
	case OPT_LINK:
	case OPT_SERVE:
		return add_link(opt, arg, args, err, errlen);
	case OPT_REBOOT_FD:
		ret = parse_uint_opt("--reboot-fd", arg, 0, 65535, "a file descriptor", &n, err,
				     errlen);
		args->reboot_fd = (int)n;
		return ret;
	case OPT_PASSTHROUGH:
		return add_passthrough(arg, args, err, errlen);
	case OPT_TRACE:
		ret = parse_uint_opt("--trace", arg, 1, 1u << 24, "a record count 1-16777216", &n,
				     err, errlen);
		args->trace_records = (unsigned int)n;
		return ret;
	case OPT_START_TIMEOUT:
		ret = parse_uint_opt("--start-timeout", arg, 1, 3600, "1-3600 seconds", &n, err,
				     errlen);
		args->start_timeout = (unsigned int)n;
		return ret;
	case 'h':
		args->help = 1;
		return 0;
	}
	return -EINVAL;
}

int vmm_args_parse(int argc, char *const argv[], struct vmm_args *args, char *err, size_t errlen)
{
	int opt, ret;

	memset(args, 0, sizeof(*args));
	args->mem_size = SV_GUEST_DEFAULT_MEM;
	args->cpus = 1;
	args->cmdline = "console=ttyAMA0";
	args->log_level = sv_log_get_level();
	args->ram_fd = -1;
	args->reboot_fd = -1;
	args->start_timeout = 60;
	err[0] = '\0';

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":k:i:c:m:p:h", vmm_options, NULL)) != -1) {
		if (opt == ':')
			return sv_errmsg(err, errlen, "%s needs a value (see --help)",
					 argv[optind - 1]);
		if (opt == '?')
			return sv_errmsg(err, errlen, "unknown option %s (see --help)",
					 argv[optind - 1]);
		ret = parse_option(opt, optarg, args, err, errlen);
		if (ret)
			return ret;
		if (args->help)
			return 0;
	}
	if (optind < argc)
		return sv_errmsg(err, errlen, "unexpected argument '%s' (see --help)",
				 argv[optind]);
	if (!args->kernel)
		return sv_errmsg(err, errlen, "no kernel given; use --kernel IMAGE (see --help)");
	return 0;
}
