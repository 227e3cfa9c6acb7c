// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

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
	OPT_NAME,
	OPT_RAM_FD,
	OPT_LINK,
	OPT_SERVE,
	OPT_START_TIMEOUT,
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
	{ "name", required_argument, NULL, OPT_NAME },
	{ "ram-fd", required_argument, NULL, OPT_RAM_FD },
	{ "link", required_argument, NULL, OPT_LINK },
	{ "serve", required_argument, NULL, OPT_SERVE },
	{ "start-timeout", required_argument, NULL, OPT_START_TIMEOUT },
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
		"      --disk FILE[,ro]  virtio-blk over a raw image file (repeatable, up to %d)\n"
		"      --net tap=NAME[,mac=MAC][,bridge=BR]\n"
		"                        virtio-net over tap NAME (created if missing; added to\n"
		"                        bridge BR and brought up if given; repeatable, up to %d)\n"
		"      --console         virtio-console (hvc0) on the vmm's stdin/stdout\n"
		"      --rng             virtio-rng fed by getrandom()\n"
		"\nCross-VM links (normally set up by the splitvirt supervisor):\n"
		"      --name NAME       VM name for logs\n"
		"      --ram-fd FD       guest RAM is this memfd (shared with linked device VMs)\n"
		"      --link id=N,peer=NAME,iobuf-fd=FD,req-fd=FD,resp-fd=FD,kick-fds=FD:..,call-fds=FD:..\n"
		"                        driver side: devices of device VM NAME appear on our PCI bus\n"
		"      --serve id=N,peer=NAME,ram-fd=FD,ram-gpa=ADDR,ram-size=BYTES,iobuf-fd=FD,...\n"
		"                        device side: a dataport PCI function for driver VM NAME\n"
		"      --start-timeout S seconds to wait for every linked device VM's START_VM (default 60)\n"
		"  -h, --help            this text\n\n"
		"Exit status: the guest's status (written to the exit-status register before\n"
		"PSCI SYSTEM_OFF, 0 if never written); 1 on a vmm error.\n",
		prog, VMM_MAX_CPUS, VMM_MAX_DISKS, VMM_MAX_NETS);
}

int vmm_parse_disk(const char *text, struct vmm_disk_arg *disk, char *err, size_t errlen)
{
	const char *comma = strchr(text, ',');
	size_t len;

	memset(disk, 0, sizeof(*disk));
	if (!*text || comma == text)
		return sv_errmsg(err, errlen, "--disk needs a file: --disk FILE[,ro]");
	if (comma) {
		if (strcmp(comma + 1, "ro") != 0)
			return sv_errmsg(err, errlen,
					 "--disk %s: unknown option '%s'; the only one is 'ro'",
					 text, comma + 1);
		disk->read_only = 1;
	}
	len = comma ? (size_t)(comma - text) : strlen(text);
	if (len >= sizeof(disk->path))
		return sv_errmsg(err, errlen, "--disk: path too long");
	memcpy(disk->path, text, len);
	disk->path[len] = '\0';
	return 0;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	/* Multicast addresses cannot be a NIC's own address. */
	return (mac[0] & 1) ? -EINVAL : 0;
}

int vmm_parse_net(const char *text, struct vmm_net_arg *net, char *err, size_t errlen)
{
	char buf[128];
	char *save = NULL;

	memset(net, 0, sizeof(*net));
	if (strlen(text) >= sizeof(buf))
		return sv_errmsg(err, errlen, "--net %s: too long", text);
	strcpy(buf, text);
	for (char *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		if (!strncmp(kv, "tap=", 4)) {
			if (!kv[4] || strlen(kv + 4) >= sizeof(net->tap))
				return sv_errmsg(err, errlen,
						 "--net %s: tap name must be 1-15 characters",
						 text);
			strcpy(net->tap, kv + 4);
		} else if (!strncmp(kv, "bridge=", 7)) {
			if (!kv[7] || strlen(kv + 7) >= sizeof(net->bridge))
				return sv_errmsg(err, errlen,
						 "--net %s: bridge name must be 1-15 characters",
						 text);
			strcpy(net->bridge, kv + 7);
		} else if (!strncmp(kv, "mac=", 4)) {
			if (parse_mac(kv + 4, net->mac))
				return sv_errmsg(
					err, errlen,
					"--net %s: '%s' is not a unicast MAC like 52:54:00:12:34:56",
					text, kv + 4);
			net->has_mac = 1;
		} else {
			return sv_errmsg(
				err, errlen,
				"--net %s: unknown option '%s' (use tap=NAME,mac=MAC,bridge=BR)",
				text, kv);
		}
	}
	if (!net->tap[0])
		return sv_errmsg(err, errlen, "--net %s: name the tap device: --net tap=NAME",
				 text);
	return 0;
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
	args->ram_fd = -1;
	args->start_timeout = 60;
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
				return sv_errmsg(
					err, errlen,
					"--mem %s: not a size; use a number with an optional K, M or G suffix, e.g. --mem 256M",
					optarg);
			if (args->mem_size < VMM_MIN_MEM || args->mem_size > VMM_MAX_MEM)
				return sv_errmsg(err, errlen,
						 "--mem %s: out of range; give between 32M and 16G",
						 optarg);
			if (args->mem_size & ((2u << 20) - 1))
				return sv_errmsg(
					err, errlen,
					"--mem %s: must be a multiple of 2M (guest RAM uses 2 MiB pages)",
					optarg);
			break;
		case 'p':
			ret = sv_parse_uint(optarg, 1, VMM_MAX_CPUS, &cpus);
			if (ret)
				return sv_errmsg(err, errlen,
						 "--cpus %s: give a number from 1 to %d", optarg,
						 VMM_MAX_CPUS);
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
				return sv_errmsg(err, errlen, "--gic %s: use auto, v2 or v3",
						 optarg);
			break;
		case OPT_LOG_LEVEL:
			if (sv_log_parse_level(optarg, &args->log_level))
				return sv_errmsg(err, errlen,
						 "--log-level %s: use error, warn, info or debug",
						 optarg);
			break;
		case OPT_DISK:
			if (args->ndisks == VMM_MAX_DISKS)
				return sv_errmsg(err, errlen, "at most %d --disk options",
						 VMM_MAX_DISKS);
			ret = vmm_parse_disk(optarg, &args->disks[args->ndisks], err, errlen);
			if (ret)
				return ret;
			args->ndisks++;
			break;
		case OPT_NET:
			if (args->nnets == VMM_MAX_NETS)
				return sv_errmsg(err, errlen, "at most %d --net options",
						 VMM_MAX_NETS);
			ret = vmm_parse_net(optarg, &args->nets[args->nnets], err, errlen);
			if (ret)
				return ret;
			args->nnets++;
			break;
		case OPT_CONSOLE:
			args->console = 1;
			break;
		case OPT_RNG:
			args->rng = 1;
			break;
		case OPT_NAME:
			args->name = optarg;
			break;
		case OPT_RAM_FD:
			ret = sv_parse_uint(optarg, 0, 65535, &cpus);
			if (ret)
				return sv_errmsg(err, errlen, "--ram-fd %s: not a file descriptor",
						 optarg);
			args->ram_fd = (int)cpus;
			break;
		case OPT_LINK:
		case OPT_SERVE: {
			bool serve = opt == OPT_SERVE;
			enum sv_link_side side = serve ? SV_LINK_DEVICE_SIDE : SV_LINK_DRIVER_SIDE;
			unsigned int *n = serve ? &args->nserves : &args->nlinks;

			if (*n == VMM_MAX_LINKS)
				return sv_errmsg(err, errlen, "at most %d %s options",
						 VMM_MAX_LINKS, sv_link_side_option(side));
			ret = sv_link_args_parse(optarg, side,
						 serve ? &args->serves[*n] : &args->links[*n], err,
						 errlen);
			if (ret)
				return ret;
			(*n)++;
			break;
		}
		case OPT_START_TIMEOUT:
			ret = sv_parse_uint(optarg, 1, 3600, &cpus);
			if (ret)
				return sv_errmsg(err, errlen,
						 "--start-timeout %s: give 1-3600 seconds", optarg);
			args->start_timeout = (unsigned int)cpus;
			break;
		case 'h':
			args->help = 1;
			return 0;
		case ':':
			return sv_errmsg(err, errlen, "%s needs a value (see --help)",
					 argv[optind - 1]);
		default:
			return sv_errmsg(err, errlen, "unknown option %s (see --help)",
					 argv[optind - 1]);
		}
	}
	if (optind < argc)
		return sv_errmsg(err, errlen, "unexpected argument '%s' (see --help)",
				 argv[optind]);
	if (!args->kernel)
		return sv_errmsg(err, errlen, "no kernel given; use --kernel IMAGE (see --help)");
	return 0;
}
