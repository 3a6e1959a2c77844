/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The measuring loop shared by updk-mempool-perf and dpdk-mempool-perf, so
 * that both pools are timed by exactly the same code. The includer defines:
 *   PERF_POOL            the pool type
 *   PERF_GET(mp, o, n)   get n objects, 0 on success
 *   PERF_PUT(mp, o, n)   put n objects back
 *   PERF_RDTSC()         read the cycle counter
 *
 * Like dpdk-test's mempool_perf_autotest: get n_keep objects in bulks of
 * n_bulk, put them back in bulks of n_bulk, repeat; one get+put of one
 * object is one "object" in the rate. The bulk size is read through a
 * volatile so the compiler cannot specialise for it (constant_n=0 there).
 */
#ifndef MEMPOOL_PERF_LOOP_H
#define MEMPOOL_PERF_LOOP_H

#include <stdint.h>

#define PERF_MAX_KEEP 512
/* Objects per timing check, as DPDK's N. */
#define PERF_BATCH 65536u

struct perf_result {
	uint64_t objects;
	uint64_t cycles;
	int error;       /* a get failed: the pool is too small */
};

static struct perf_result perf_run(PERF_POOL *mp, unsigned bulk_arg, unsigned keep_arg,
				   uint64_t duration_cycles)
{
	static void *objs[PERF_MAX_KEEP];
	volatile unsigned bulk_v = bulk_arg, keep_v = keep_arg;
	const unsigned bulk = bulk_v, keep = keep_v;
	struct perf_result res = { 0, 0, 0 };
	const uint64_t start = PERF_RDTSC();
	uint64_t now;

	do {
		for (unsigned i = 0; i < PERF_BATCH / keep; i++) {
			for (unsigned idx = 0; idx < keep; idx += bulk) {
				if (PERF_GET(mp, &objs[idx], bulk) != 0) {
					res.error = 1;
					return res;
				}
			}
			for (unsigned idx = 0; idx < keep; idx += bulk)
				PERF_PUT(mp, &objs[idx], bulk);
		}
		res.objects += PERF_BATCH / keep * keep;
		now = PERF_RDTSC();
	} while (now - start < duration_cycles);
	res.cycles = now - start;
	return res;
}

#endif
