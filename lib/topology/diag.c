// SPDX-License-Identifier: GPL-2.0
/* Diagnostics of a topology load: collected, never printed here. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <splitvirt/topology.h>

int sv_topo_diag_add(struct sv_topo_diags *diags, enum sv_topo_severity severity, int line,
		     int column, const char *fmt, ...)
{
	struct sv_topo_diag *d, *v;
	va_list ap;
	int ret;

	if (severity == SV_TOPO_ERROR)
		diags->nr_errors++;
	else
		diags->nr_warnings++;
	/* A hostile file could produce thousands; the first ones say enough. */
	if (diags->nr >= SV_TOPO_MAX_DIAGS) {
		diags->dropped++;
		return 0;
	}
	v = realloc(diags->v, (diags->nr + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	diags->v = v;
	d = &v[diags->nr];
	d->severity = severity;
	d->line = line;
	d->column = column;
	va_start(ap, fmt);
	ret = vasprintf(&d->msg, fmt, ap);
	va_end(ap);
	if (ret < 0)
		return -ENOMEM;
	diags->nr++;
	return 0;
}

void sv_topo_diags_free(struct sv_topo_diags *diags)
{
	for (unsigned int i = 0; i < diags->nr; i++)
		free(diags->v[i].msg);
	free(diags->v);
	diags->v = NULL;
	diags->nr = 0;
	diags->nr_errors = 0;
	diags->nr_warnings = 0;
	diags->dropped = 0;
}
