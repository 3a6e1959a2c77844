/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk-mempool-perf: the loop of updk-mempool-perf (mempool_perf_loop.h)
 * timing DPDK's rte_mempool, built only when libdpdk is installed. It gives
 * the same cases as dpdk-test's mempool_perf_autotest in seconds instead of
 * the autotest's hour, with the same compiler and flags as updk.
 *
 *   dpdk-mempool-perf [DPDK EAL options] -- [--seconds S] [--bulk 1,4,32] [--keep 32]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mempool.h>

#define PERF_POOL struct rte_mempool
#define PERF_GET(mp, o, n) rte_mempool_get_bulk((mp), (o), (n))
#define PERF_PUT(mp, o, n) rte_mempool_put_bulk((mp), (o), (n))
#define PERF_RDTSC() rte_rdtsc()
#include "mempool_perf_loop.h"
#include "perf_args.h"

#define POOL_ELT_SIZE 2048

int main(int argc, char **argv)
{
	int consumed = rte_eal_init(argc, argv);
	if (consumed < 0) {
		fprintf(stderr, "rte_eal_init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	struct perf_args args;
	if (perf_args_parse(argc - consumed, argv + consumed, 1, &args) < 0) {
		rte_eal_cleanup();
		return 2;
	}
	if (args.keep > PERF_MAX_KEEP) {
		fprintf(stderr, "--keep %u: at most %u\n", args.keep, PERF_MAX_KEEP);
		rte_eal_cleanup();
		return 2;
	}

	const unsigned caches[] = { 0, 512 };
	unsigned pool_size = rte_lcore_count() * (PERF_MAX_KEEP + 512 * 3) - 1;
	int status = 0;

	for (unsigned c = 0; c < sizeof(caches) / sizeof(caches[0]) && status == 0; c++) {
		char name[32];
		snprintf(name, sizeof(name), "perf_cache%u", caches[c]);
		struct rte_mempool *mp = rte_mempool_create(name, pool_size, POOL_ELT_SIZE,
							    caches[c], 0, NULL, NULL, NULL, NULL,
							    (int)rte_socket_id(), 0);
		if (mp == NULL) {
			fprintf(stderr, "rte_mempool_create(%s): %s\n", name,
				rte_strerror(rte_errno));
			status = 1;
			break;
		}
		for (unsigned b = 0; b < args.nb_bulks; b++) {
			perf_run(mp, args.bulks[b], args.keep, rte_get_tsc_hz() / 20);
			struct perf_result res = perf_run(mp, args.bulks[b], args.keep,
							  (uint64_t)(args.seconds * (double)rte_get_tsc_hz()));
			if (res.error) {
				fprintf(stderr, "get failed: pool %s too small\n", name);
				status = 1;
				break;
			}
			double cpo = (double)res.cycles / (double)res.objects;
			printf("mempool_perf impl=dpdk cache=%u bulk=%u keep=%u cycles_per_obj=%.2f "
			       "rate_persec=%.0f tsc_hz=%llu\n", caches[c], args.bulks[b], args.keep,
			       cpo, (double)rte_get_tsc_hz() / cpo,
			       (unsigned long long)rte_get_tsc_hz());
			fflush(stdout);
		}
		rte_mempool_free(mp);
	}
	rte_eal_cleanup();
	return status;
}
