/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * updk-mempool-perf: cycles per object for bulk get+put on one lcore, with
 * and without a per-lcore cache (see mempool_perf_loop.h). Compare with
 * DPDK using bench/mempool-vs-dpdk.sh.
 *
 *   updk-mempool-perf [EAL options] -- [--seconds S] [--bulk 1,4,32] [--keep 32]
 *
 * One line per case:
 *   mempool_perf impl=updk cache=512 bulk=32 keep=32 cycles_per_obj=3.10 rate_persec=... tsc_hz=...
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eal.h"
#include "mempool.h"

#define PERF_POOL struct mempool
#define PERF_GET(mp, o, n) mempool_get_bulk((mp), (o), (n))
#define PERF_PUT(mp, o, n) mempool_put_bulk((mp), (o), (n))
#define PERF_RDTSC() eal_rdtsc()
#include "mempool_perf_loop.h"
#include "perf_args.h"

/* As dpdk-test: room for the kept objects and a full cache per lcore. */
#define POOL_ELT_SIZE 2048

int main(int argc, char **argv)
{
	int consumed = eal_init(argc, argv);
	if (consumed < 0)
		return eal_exit_status(consumed);
	struct perf_args args;
	if (perf_args_parse(argc - consumed, argv + consumed, 0, &args) < 0) {
		eal_cleanup();
		return 2;
	}
	if (args.keep > PERF_MAX_KEEP) {
		fprintf(stderr, "--keep %u: at most %u\n", args.keep, PERF_MAX_KEEP);
		eal_cleanup();
		return 2;
	}

	const unsigned caches[] = { 0, 512 };
	unsigned pool_size = eal_lcore_count() * (PERF_MAX_KEEP + 512 * 3) - 1;
	int status = 0;

	for (unsigned c = 0; c < EAL_DIM(caches) && status == 0; c++) {
		char name[32];
		snprintf(name, sizeof(name), "perf_cache%u", caches[c]);
		struct mempool *mp = mempool_create(name, pool_size, POOL_ELT_SIZE, caches[c], 0,
						    NULL, NULL, NULL, NULL, eal_socket_id(), 0);
		if (mp == NULL) {
			fprintf(stderr, "mempool_create(%s): %s\n", name, strerror(errno));
			status = 1;
			break;
		}
		for (unsigned b = 0; b < args.nb_bulks; b++) {
			/* Warm-up: fill the cache and the CPU caches. */
			perf_run(mp, args.bulks[b], args.keep, eal_tsc_hz() / 20);
			struct perf_result res = perf_run(mp, args.bulks[b], args.keep,
							  (uint64_t)(args.seconds * (double)eal_tsc_hz()));
			if (res.error) {
				fprintf(stderr, "get failed: pool %s too small\n", name);
				status = 1;
				break;
			}
			double cpo = (double)res.cycles / (double)res.objects;
			printf("mempool_perf impl=updk cache=%u bulk=%u keep=%u cycles_per_obj=%.2f "
			       "rate_persec=%.0f tsc_hz=%llu\n", caches[c], args.bulks[b], args.keep,
			       cpo, (double)eal_tsc_hz() / cpo, (unsigned long long)eal_tsc_hz());
			fflush(stdout);
		}
		mempool_free(mp);
	}
	eal_cleanup();
	return status;
}
