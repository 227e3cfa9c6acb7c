// SPDX-License-Identifier: GPL-2.0
/*
 * devmodel: the backend daemon of a splitvirt device VM. It serves the
 * virtio devices of every linked driver VM through splitvirt.ko; see
 * docs/devmodel.md.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <splitvirt/log.h>
#include <splitvirt/sandbox.h>

#include "args.h"
#include "daemon.h"

#define CMDLINE_MAX 65536

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
	int n, ret;

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
	ret = dm_kmod_open(&km, a.device);
	if (ret) {
		pr_err("%s: %s%s", a.device, strerror(-ret),
		       ret == -ENOENT ? " (is splitvirt.ko loaded?)" : "");
		return 1;
	}
	dm_daemon_survey(&km, &cfg);
	opt.console_dir = a.console_dir;
	opt.keep_state = a.keep_state;
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
	pr_info("stopped");
	return ret ? 1 : 0;
}
