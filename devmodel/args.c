// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <splitvirt/device_type.h>
#include <splitvirt/size.h>

#include "args.h"

const char dm_usage[] =
	"usage: devmodel [--link ID]... [--cmdline-file F] [--log-level L]\n"
	"                [--device PATH] [--console-dir DIR | --no-console-input]\n"
	"                [--no-state] [--poll-us N]\n"
	"                [--trace N [--trace-kernel F] [--trace-out F]]\n"
	"                [--backends] [--vhost-dir DIR] [--help]\n"
	"\n"
	"Serves the virtio devices of the driver VMs linked to this device VM, as\n"
	"listed by sv.link<ID>=<driver>:<dev>,... parameters of the kernel command line:\n"
	"  blk[@vhost-user]=<path>[:ro]  net=<bridge>[/<mac>]  console  rng\n"
	"(blk@vhost-user: qemu-storage-daemon serves the disk's queues, see --backends)\n"
	"\n"
	"  --link ID            serve only this link (repeatable; default: all of them)\n"
	"  --cmdline-file F     read the parameters from F (default /proc/cmdline)\n"
	"  --log-level L        error, warn, info (default) or debug\n"
	"  --device PATH        the splitvirt.ko control device (default /dev/splitvirt)\n"
	"  --console-dir DIR    console input sockets DIR/<driver>-console.sock\n"
	"                       (default /run/splitvirt)\n"
	"  --no-console-input   consoles write to stdout only\n"
	"  --no-state           do not keep each link's device state in its saved-state\n"
	"                       area (by default a devmodel restarted after a crash, or\n"
	"                       in a restarted device VM, takes the devices over and\n"
	"                       carries out again the requests that were in flight;\n"
	"                       without it the\n"
	"                       devices start at power-on and a running driver VM's\n"
	"                       I/O hangs)\n"
	"  --poll-us N          after serving a link, keep looking at its virtqueues for\n"
	"                       up to N microseconds (adaptive), the driver asked not to\n"
	"                       kick meanwhile: fewer exits and wake-ups per request, a\n"
	"                       busy vCPU in this VM. Off (0) by default\n"
	"  --trace N            keep a stamp of each stage of each request (kick seen,\n"
	"                       popped, backend submit/done, used, interrupt) in a ring\n"
	"                       of N records and print them (SVT-D lines on stdout)\n"
	"                       whenever no request came for a second; for\n"
	"                       bench/crossvm-trace. Off by default\n"
	"  --trace-kernel FILE  with --trace, also pass through the lines of FILE (the\n"
	"                       kernel's ftrace trace_pipe) at each print, as SVT-D-K\n"
	"  --trace-out FILE     with --trace, print there instead of stdout, synced after\n"
	"                       each print (a console is slow: a disk the host reads)\n"
	"  --backends           print, one per line, the socket and the command line of\n"
	"                       each vhost-user back-end the selected links need (it\n"
	"                       listens where this devmodel connects), and exit: the\n"
	"                       device VM's init runs and restarts them\n"
	"  --vhost-dir DIR      where the vhost-user back-ends' sockets are\n"
	"                       (default " SV_DEV_VHOST_DIR ")\n"
	"  --help               this text\n";

enum {
	OPT_LINK = 1,
	OPT_CMDLINE,
	OPT_LEVEL,
	OPT_DEVICE,
	OPT_CONSOLE_DIR,
	OPT_NO_INPUT,
	OPT_NO_STATE,
	OPT_TRACE,
	OPT_TRACE_KERNEL,
	OPT_TRACE_OUT,
	OPT_POLL_US,
	OPT_BACKENDS,
	OPT_VHOST_DIR,
};

static const struct option options[] = {
	{ .name = "link", .has_arg = required_argument, .val = OPT_LINK },
	{ .name = "cmdline-file", .has_arg = required_argument, .val = OPT_CMDLINE },
	{ .name = "log-level", .has_arg = required_argument, .val = OPT_LEVEL },
	{ .name = "device", .has_arg = required_argument, .val = OPT_DEVICE },
	{ .name = "console-dir", .has_arg = required_argument, .val = OPT_CONSOLE_DIR },
	{ .name = "no-console-input", .has_arg = no_argument, .val = OPT_NO_INPUT },
	{ .name = "no-state", .has_arg = no_argument, .val = OPT_NO_STATE },
	{ .name = "trace", .has_arg = required_argument, .val = OPT_TRACE },
	{ .name = "trace-kernel", .has_arg = required_argument, .val = OPT_TRACE_KERNEL },
	{ .name = "trace-out", .has_arg = required_argument, .val = OPT_TRACE_OUT },
	{ .name = "poll-us", .has_arg = required_argument, .val = OPT_POLL_US },
	{ .name = "backends", .has_arg = no_argument, .val = OPT_BACKENDS },
	{ .name = "vhost-dir", .has_arg = required_argument, .val = OPT_VHOST_DIR },
	{ .name = "help", .has_arg = no_argument, .val = 'h' },
	{ 0 },
};

static int add_link(struct dm_args *a, const char *text, char *err, size_t errlen)
{
	unsigned long id;

	if (sv_parse_uint(text, 0, SV_LINK_SPEC_MAX_ID, &id)) {
		snprintf(err, errlen, "--link: '%.32s' is not a link id 0-%d", text,
			 SV_LINK_SPEC_MAX_ID);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < a->nr_links; i++) {
		if (a->links[i] == id) {
			snprintf(err, errlen, "--link %lu given twice", id);
			return -EINVAL;
		}
	}
	if (a->nr_links == SV_VM_MAX_LINKS) {
		snprintf(err, errlen, "--link: at most %d links", SV_VM_MAX_LINKS);
		return -EINVAL;
	}
	a->links[a->nr_links++] = (uint32_t)id;
	return 0;
}

/* --name's value text: what (e.g. "a record count") from min to max; 0 or -EINVAL. */
static int uint_option(const char *name, const char *text, unsigned long min, unsigned long max,
		       const char *what, unsigned int *out, char *err, size_t errlen)
{
	unsigned long n;

	if (sv_parse_uint(text, min, max, &n)) {
		snprintf(err, errlen, "--%s: '%.32s' is not %s %lu-%lu", name, text, what, min,
			 max);
		return -EINVAL;
	}
	*out = (unsigned int)n;
	return 0;
}

int dm_args_parse(int argc, char **argv, struct dm_args *a, char *err, size_t errlen)
{
	int c;

	memset(a, 0, sizeof(*a));
	a->cmdline_file = DM_DEFAULT_CMDLINE;
	a->device = DM_DEFAULT_DEVICE;
	a->console_dir = DM_DEFAULT_CONSOLE_DIR;
	a->keep_state = true;
	a->log_level = sv_log_get_level();
	optind = 0; /* full re-initialisation, so tests can parse repeatedly */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case OPT_LINK:
			if (add_link(a, optarg, err, errlen))
				return -EINVAL;
			break;
		case OPT_CMDLINE:
			a->cmdline_file = optarg;
			break;
		case OPT_LEVEL:
			if (sv_log_parse_level(optarg, &a->log_level)) {
				snprintf(
					err, errlen,
					"--log-level: '%.32s' is not one of error, warn, info, debug",
					optarg);
				return -EINVAL;
			}
			break;
		case OPT_DEVICE:
			a->device = optarg;
			break;
		case OPT_CONSOLE_DIR:
		case OPT_NO_INPUT:
			a->console_dir = c == OPT_CONSOLE_DIR ? optarg : NULL;
			break;
		case OPT_NO_STATE:
			a->keep_state = false;
			break;
		case OPT_TRACE:
			if (uint_option("trace", optarg, 1, DM_TRACE_MAX_RECORDS, "a record count",
					&a->trace_records, err, errlen))
				return -EINVAL;
			break;
		case OPT_TRACE_KERNEL:
			a->trace_kernel = optarg;
			break;
		case OPT_TRACE_OUT:
			a->trace_out = optarg;
			break;
		case OPT_POLL_US:
			if (uint_option("poll-us", optarg, 0, DM_POLL_MAX_US, "microseconds",
					&a->poll_us, err, errlen))
				return -EINVAL;
			break;
		case OPT_BACKENDS:
			a->backends = true;
			break;
		case OPT_VHOST_DIR:
			a->vhost_dir = optarg;
			break;
		case 'h':
			a->help = true;
			break;
		default:
			snprintf(err, errlen, "unknown or incomplete option '%.40s' (see --help)",
				 argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%.40s' (see --help)", argv[optind]);
		return -EINVAL;
	}
	if ((a->trace_kernel || a->trace_out) && !a->trace_records) {
		snprintf(err, errlen, "--%s needs --trace N",
			 a->trace_kernel ? "trace-kernel" : "trace-out");
		return -EINVAL;
	}
	return 0;
}

int dm_read_text_file(const char *path, char *buf, size_t size)
{
	size_t used = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (used + 1 < size) {
		ssize_t n = read(fd, buf + used, size - 1 - used);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int ret = -errno;

			close(fd);
			return ret;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	if (used + 1 >= size)
		return -EFBIG;
	buf[used] = '\0';
	return 0;
}

int dm_select_links(const struct dm_args *a, const struct dm_config *cfg,
		    const struct sv_link_spec **out, char *err, size_t errlen)
{
	if (!a->nr_links) {
		for (unsigned int i = 0; i < cfg->nr_links; i++)
			out[i] = &cfg->links[i];
		return (int)cfg->nr_links;
	}
	for (unsigned int i = 0; i < a->nr_links; i++) {
		out[i] = dm_config_find(cfg, a->links[i]);
		if (!out[i]) {
			snprintf(err, errlen,
				 "--link %u: the command line has no sv.link%u= parameter",
				 a->links[i], a->links[i]);
			return -EINVAL;
		}
	}
	return (int)a->nr_links;
}

int dm_print_backends(const struct sv_link_spec *const *specs, unsigned int n, const char *dir,
		      FILE *out)
{
	char sock[128], cmd[2 * SV_DEV_PATH_MAX];
	int count = 0, ret;

	for (unsigned int i = 0; i < n; i++) {
		for (unsigned int k = 0; k < specs[i]->nr_devs; k++) {
			const struct sv_dev_spec *d = &specs[i]->devs[k];

			if (!sv_dev_uses_vhost_user(d))
				continue;
			ret = sv_dev_vhost_socket(dir, specs[i]->id, k, sock, sizeof(sock));
			ret = ret ?: sv_dev_vhost_command(d, sock, cmd, sizeof(cmd));
			if (ret < 0)
				return ret;
			fprintf(out, "%s %s\n", sock, cmd);
			count++;
		}
	}
	return count;
}
