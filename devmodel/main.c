// SPDX-License-Identifier: GPL-2.0
/*
 * devmodel: the backend daemon of a splitvirt device VM. It serves the
 * virtio devices of every linked driver VM through splitvirt.ko; see
 * docs/devmodel.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <splitvirt/log.h>
#include <splitvirt/sandbox.h>
#include <splitvirt/trace.h>
#include <splitvirt/virtio_blk.h>

#include "args.h"
#include "daemon.h"

#define CMDLINE_MAX 65536
/* io_uring rings for disks: two blk devices per link served. */
#define DM_BLK_RINGS (2 * SV_VM_MAX_LINKS)

/* --trace: before the sandbox (the files are opened once, here). */
static int trace_start(const struct dm_args *a, struct dm_options *opt, int *kernel_fd)
{
	int ret;

	*kernel_fd = -1;
	if (!a->trace_records)
		return 0;
	opt->trace_out = a->trace_out ? fopen(a->trace_out, "we") : stdout;
	if (!opt->trace_out) {
		ret = -errno;
		pr_err("--trace-out %s: %s", a->trace_out, strerror(errno));
		return ret;
	}
	ret = sv_trace_enable(a->trace_records);
	if (ret) {
		pr_err("--trace %u: %s", a->trace_records, strerror(-ret));
		return ret;
	}
	if (a->trace_kernel) {
		*kernel_fd = open(a->trace_kernel, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (*kernel_fd < 0) {
			ret = -errno;
			pr_err("--trace-kernel %s: %s", a->trace_kernel, strerror(errno));
			return ret;
		}
		sv_trace_set_kernel_fd(*kernel_fd);
	}
	/* The calibration line now: stdio sets the stream up before the sandbox forbids that. */
	dm_trace_print(opt->trace_out);
	pr_info("tracing each request's stages (%u records)%s%s, printed to %s", a->trace_records,
		a->trace_kernel ? " and " : "", a->trace_kernel ? a->trace_kernel : "",
		a->trace_out ? a->trace_out : "stdout");
	return 0;
}

static void trace_stop(struct dm_options *opt, int kernel_fd)
{
	if (!opt->trace_out)
		return;
	/* The threads are joined: what they recorded is ours to print. */
	dm_trace_print(opt->trace_out);
	sv_trace_disable();
	if (opt->trace_out != stdout)
		fclose(opt->trace_out);
	opt->trace_out = NULL;
	if (kernel_fd >= 0)
		close(kernel_fd);
}

static int load_config(const struct dm_args *a, struct dm_config *cfg)
{
	static char text[CMDLINE_MAX];
	char err[256];
	int ret = dm_read_text_file(a->cmdline_file, text, sizeof(text));

	if (ret) {
		pr_err("reading %s: %s", a->cmdline_file, strerror(-ret));
		return ret;
	}
	if (dm_parse_cmdline(text, cfg, err, sizeof(err))) {
		pr_err("%s: %s", a->cmdline_file, err);
		return -EINVAL;
	}
	if (!cfg->nr_links) {
		pr_err("%s has no sv.link<ID>= parameter: nothing to serve", a->cmdline_file);
		return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct dm_config cfg;
	static struct dm_daemon d;
	const struct sv_link_spec *specs[SV_VM_MAX_LINKS];
	struct dm_options opt = { .console_out_fd = STDOUT_FILENO };
	struct dm_kmod km;
	struct dm_args a;
	char err[256];
	int n, ret, trace_fd;

	sv_log_set_prefix("devmodel");
	/* Console socket clients may go away under a write. */
	signal(SIGPIPE, SIG_IGN);
	sv_log_init_from_env();
	if (dm_args_parse(argc, argv, &a, err, sizeof(err))) {
		fprintf(stderr, "devmodel: %s\n", err);
		return 2;
	}
	if (a.help) {
		fputs(dm_usage, stdout);
		return 0;
	}
	sv_log_set_level(a.log_level);
	if (load_config(&a, &cfg))
		return 1;
	n = dm_select_links(&a, &cfg, specs, err, sizeof(err));
	if (n < 0) {
		pr_err("%s", err);
		return 2;
	}
	if (a.backends) {
		ret = dm_print_backends(specs, (unsigned int)n, a.vhost_dir, stdout);
		if (ret < 0)
			pr_err("the vhost-user back-ends' command lines: %s", strerror(-ret));
		return ret < 0 ? 1 : 0;
	}
	ret = dm_kmod_open(&km, a.device);
	if (ret) {
		pr_err("%s: %s%s", a.device, strerror(-ret),
		       ret == -ENOENT ? " (is splitvirt.ko loaded?)" : "");
		return 1;
	}
	dm_daemon_survey(&km, &cfg);
	if (trace_start(&a, &opt, &trace_fd)) {
		trace_stop(&opt, trace_fd);
		dm_kmod_close(&km);
		return 1;
	}
	opt.console_dir = a.console_dir;
	opt.keep_state = a.keep_state;
	opt.poll_us = a.poll_us;
	opt.vhost_dir = a.vhost_dir;
	if (a.poll_us)
		pr_info("busy-polling each link's virtqueues for up to %u us after serving it",
			a.poll_us);
	/* Links open (and reopen) their disks under the filter, which forbids io_uring_setup. */
	if (virtio_blk_prepare_rings(DM_BLK_RINGS))
		pr_warn("no io_uring for the disks: their I/O is synchronous");
	ret = dm_daemon_init(&d, &km, &opt, specs, (unsigned int)n);
	/*
	 * Set up; links that come back later are reopened under the filter,
	 * whose devmodel list allows exactly that (lib/sandbox/rules.c).
	 */
	if (!ret)
		ret = sv_sandbox_apply_env(SV_SANDBOX_DEVMODEL);
	if (!ret) {
		sv_sandbox_selftest(NULL);
		ret = dm_daemon_run(&d, 0);
	} else
		pr_err("setting up: %s", strerror(-ret));
	dm_daemon_fini(&d);
	dm_kmod_close(&km);
	trace_stop(&opt, trace_fd);
	pr_info("stopped");
	return ret ? 1 : 0;
}
