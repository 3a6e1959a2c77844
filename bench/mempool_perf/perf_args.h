/* SPDX-License-Identifier: BSD-3-Clause */
/* Options after "--" shared by updk-mempool-perf and dpdk-mempool-perf. */
#ifndef MEMPOOL_PERF_ARGS_H
#define MEMPOOL_PERF_ARGS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PERF_MAX_BULKS 8

struct perf_args {
	double seconds;
	unsigned bulks[PERF_MAX_BULKS];
	unsigned nb_bulks;
	unsigned keep;
};

/* Parse argv[first..argc-1]: updk's eal_init() leaves the first option at
 * argv[0], DPDK's rte_eal_init() leaves the program name there. */
static int perf_args_parse(int argc, char **argv, int first, struct perf_args *a)
{
	a->seconds = 1.0;
	a->bulks[0] = 1;
	a->bulks[1] = 4;
	a->bulks[2] = 32;
	a->nb_bulks = 3;
	a->keep = 32;
	for (int i = first; i < argc; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		char *end;
		if (val == NULL) {
			fprintf(stderr, "%s needs a value\n", opt);
			return -1;
		}
		i++;
		if (strcmp(opt, "--seconds") == 0) {
			a->seconds = strtod(val, &end);
			if (*end != '\0' || !(a->seconds > 0 && a->seconds <= 600)) {
				fprintf(stderr, "--seconds %s: give a number of seconds in (0, 600]\n", val);
				return -1;
			}
		} else if (strcmp(opt, "--keep") == 0) {
			unsigned long k = strtoul(val, &end, 10);
			if (*end != '\0' || k == 0 || k > 512) {
				fprintf(stderr, "--keep %s: give 1..512 objects\n", val);
				return -1;
			}
			a->keep = (unsigned)k;
		} else if (strcmp(opt, "--bulk") == 0) {
			a->nb_bulks = 0;
			for (const char *p = val; *p != '\0';) {
				unsigned long b = strtoul(p, &end, 10);
				if (end == p || b == 0 || b > 512 || a->nb_bulks == PERF_MAX_BULKS ||
				    (*end != ',' && *end != '\0')) {
					fprintf(stderr, "--bulk %s: give up to %d sizes 1..512, "
						"comma-separated\n", val, PERF_MAX_BULKS);
					return -1;
				}
				a->bulks[a->nb_bulks++] = (unsigned)b;
				p = *end == ',' ? end + 1 : end;
			}
		} else {
			fprintf(stderr, "unknown option %s; accepted: --seconds S, --bulk B1,B2,.., "
				"--keep K\n", opt);
			return -1;
		}
	}
	for (unsigned b = 0; b < a->nb_bulks; b++)
		if (a->keep % a->bulks[b] != 0) {
			fprintf(stderr, "--keep %u must be a multiple of every bulk size (%u)\n",
				a->keep, a->bulks[b]);
			return -1;
		}
	return 0;
}

#endif
