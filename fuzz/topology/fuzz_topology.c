// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: topology YAML text through the parser, the validator and
 * the sv.link/cmdline builders. Files come from users, but a supervisor
 * running as root must still never crash or overrun on one, and whatever
 * it validated must reach the devmodel intact: every sv.link parameter it
 * writes parses back to the link's devices.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <splitvirt/link_spec.h>
#include <splitvirt/log.h>
#include <splitvirt/topology.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sv_topo_diags diags = { 0 };
	struct sv_topology *t = NULL;
	static struct sv_link_spec spec;
	char buf[4096];

	if (size > 64 * 1024)
		return 0;
	sv_log_set_level(SV_LOG_ERROR);
	/* As `splitvirt check`: partial models with parse errors are validated too. */
	if (sv_topo_load_text((const char *)data, size, "fuzz.yaml", "/base", 0, &t, &diags) == 0) {
		for (unsigned int i = 0; i < t->nr_links; i++) {
			int n = sv_topo_link_param(t, &t->links[i], buf, sizeof(buf));

			if (n < 0 || ((size_t)n < sizeof(buf) && strlen(buf) != (size_t)n))
				abort();
			if ((size_t)n < sizeof(buf) &&
			    (sv_link_spec_parse(buf, &spec, NULL, 0) || spec.id != t->links[i].id ||
			     spec.nr_devs != t->links[i].nr_devs))
				abort();
		}
		for (unsigned int i = 0; i < t->nr_vms; i++) {
			int n = sv_topo_vm_cmdline(t, i, buf, sizeof(buf));

			if (n < 0 || n > SV_TOPO_CMDLINE_MAX)
				abort(); /* validation must have refused it */
		}
		sv_topo_free(t);
	} else if (t) {
		abort(); /* a failed load hands out no model */
	}
	for (unsigned int i = 0; i < diags.nr; i++) {
		if (!diags.v[i].msg)
			abort();
	}
	sv_topo_diags_free(&diags);
	return 0;
}
