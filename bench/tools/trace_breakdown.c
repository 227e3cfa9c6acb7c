// SPDX-License-Identifier: GPL-2.0
/*
 * trace_breakdown: where the time of cross-VM block requests goes, from one
 * traced bench round (bench/crossvm-trace): the output of `splitvirt run`
 * with the driver VM's blkbench -T lines and the device VM's devmodel
 * --trace lines. Prints, per test, the median and mean of each stage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_ids.h>

#include "breakdown.h"

static int usage(FILE *f, int status)
{
	fprintf(f,
		"Usage: trace_breakdown [-l LABEL] FILE...\n"
		"Reads the output of a traced `splitvirt run` (blkbench -T in the driver VM,\n"
		"devmodel --trace in the device VM; see bench/crossvm-trace/README.md) and\n"
		"prints per test the median and mean microseconds of each stage of a block\n"
		"request, from the user's submit to its completion:\n"
		"  kick     driver VM submit .. device VM kernel takes the kick interrupt\n"
		"  wake     .. the devmodel's thread sees the kick (eventfd)\n"
		"  pop      .. the first chain is taken from the avail ring\n"
		"  parse    .. handed to the backend\n"
		"  backend  .. the backend finished (the device VM's own disk)\n"
		"  used     .. in the used ring\n"
		"  call     .. interrupt sent (call eventfd)\n"
		"  return   .. the driver VM's blkbench has the completion\n"
		"A request a polling devmodel found without a kick counts its kick until the pop;\n"
		"a stage that ended before it began (its chains overlapped) counts as 0.\n"
		"Lines: BREAKDOWN label=L test=T reqs=N/M polled=P overlapped=O chains=C\n"
		"total_us=X mean_us=Y, then\n"
		"BREAKDOWN-STAGE label=L test=T stage=S median_us=X mean_us=Y share=Z%%.\n");
	return status;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Prints the breakdown of the user requests named name; 0 or -errno. */
static int report(const struct bd_events *ev, const char *label, const char *name)
{
	double *stage[BD_NR_STAGES + 1], sum[BD_NR_STAGES + 1] = { 0 }, med[BD_NR_STAGES + 1];
	double *chains, us = 1e6 / (double)ev->freq;
	unsigned int n = 0, total = 0, polled = 0, overlapped = 0;

	for (int s = 0; s <= BD_NR_STAGES; s++)
		stage[s] = calloc(ev->nr_user, sizeof(double));
	chains = calloc(ev->nr_user, sizeof(double));
	for (unsigned int u = 0; u < ev->nr_user && chains; u++) {
		struct bd_request r;

		if (strcmp(ev->user[u].name, name))
			continue;
		total++;
		if (!stage[BD_NR_STAGES] || bd_request_stages(ev, u, VIRTIO_ID_BLOCK, &r))
			continue;
		for (int s = 0; s < BD_NR_STAGES; s++)
			stage[s][n] = (double)(r.at[s + 1] - r.at[s]) * us;
		stage[BD_NR_STAGES][n] = (double)(r.at[BD_NR_STAGES] - r.at[0]) * us;
		chains[n] = r.chains;
		polled += r.polled;
		overlapped += r.overlapped > 0;
		n++;
	}
	if (n) {
		for (int s = 0; s <= BD_NR_STAGES; s++) {
			for (unsigned int i = 0; i < n; i++)
				sum[s] += stage[s][i];
			med[s] = median(stage[s], n);
		}
		printf("BREAKDOWN label=%s test=%s reqs=%u/%u polled=%u overlapped=%u chains=%.0f "
		       "total_us=%.1f mean_us=%.1f\n",
		       label, name, n, total, polled, overlapped, median(chains, n),
		       med[BD_NR_STAGES], sum[BD_NR_STAGES] / n);
		for (int s = 0; s < BD_NR_STAGES; s++)
			printf("BREAKDOWN-STAGE label=%s test=%s stage=%-7s median_us=%.1f mean_us=%.1f share=%.0f%%\n",
			       label, name, bd_stage_name((enum bd_stage)s), med[s], sum[s] / n,
			       100.0 * sum[s] / sum[BD_NR_STAGES]);
	} else {
		printf("BREAKDOWN label=%s test=%s reqs=0/%u (no request has every stage traced)\n",
		       label, name, total);
	}
	for (int s = 0; s <= BD_NR_STAGES; s++)
		free(stage[s]);
	free(chains);
	return chains ? 0 : -ENOMEM;
}

int main(int argc, char **argv)
{
	static char line[4096];
	struct bd_events ev = { 0 };
	const char *label = "-";
	int i = 1, ret = 0;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		return usage(stdout, 0);
	if (argc > 2 && !strcmp(argv[1], "-l")) {
		label = argv[2];
		i = 3;
	}
	if (i >= argc)
		return usage(stderr, 2);
	for (; i < argc; i++) {
		FILE *f = fopen(argv[i], "r");

		if (!f) {
			fprintf(stderr, "trace_breakdown: %s: %s\n", argv[i], strerror(errno));
			bd_events_free(&ev);
			return 1;
		}
		while (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\r\n")] = '\0';
			if (bd_feed_line(&ev, line) == -ENOMEM) {
				fprintf(stderr, "trace_breakdown: out of memory\n");
				fclose(f);
				bd_events_free(&ev);
				return 1;
			}
		}
		fclose(f);
	}
	if (!ev.freq || !ev.nr_user) {
		fprintf(stderr,
			"trace_breakdown: no %s in the input (devmodel --trace calibration: %s; "
			"blkbench -T requests: %u)\n",
			!ev.freq ? "device-side trace" : "driver-side request",
			ev.freq ? "yes" : "no", ev.nr_user);
		bd_events_free(&ev);
		return 1;
	}
	bd_events_sort(&ev);
	if (ev.bad_lines)
		fprintf(stderr, "trace_breakdown: %lu trace line(s) did not parse\n", ev.bad_lines);
	/* Each test name once, in the order they ran. */
	for (unsigned int u = 0; u < ev.nr_user && !ret; u++) {
		unsigned int v;

		for (v = 0; v < u && strcmp(ev.user[v].name, ev.user[u].name); v++)
			;
		if (v == u)
			ret = report(&ev, label, ev.user[u].name);
	}
	bd_events_free(&ev);
	return ret ? 1 : 0;
}
