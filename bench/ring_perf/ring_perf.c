/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * updk-ring-perf: cycles per element of ring operations on one lcore, the
 * single-lcore cases of dpdk-test's ring_perf_autotest measured the same
 * way (see bench/mempool-vs-dpdk.sh for the comparison):
 *   single          enqueue 1 + dequeue 1, cycles per pair
 *   burst, bulk     enqueue n + dequeue n, cycles per element (n = 8, 32)
 *   empty_bulk_deq  a bulk dequeue of 8 from an empty ring, cycles per call
 * each for SP/SC and MP/MC, on a 4096-slot ring.
 *
 *   updk-ring-perf [EAL options] -- [--scale S]   (S scales the iterations)
 *
 * One line per case:
 *   ring_perf impl=updk op=bulk sync=SP/SC size=32 cycles=1.23
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eal.h"
#include "ring.h"

#define RING_SLOTS 4096
#define MAX_BURST 32

/* Read through volatiles so that the compiler cannot specialise the
 * operations for a constant size, as in the DPDK test. */
static const volatile unsigned burst_sizes[] = { 8, 32 };
static volatile unsigned one = 1;

enum sync_mode { SYNC_SPSC, SYNC_MPMC };
static const char *const sync_names[] = { "SP/SC", "MP/MC" };

static unsigned enq(struct ring *r, void *const *objs, unsigned n, enum sync_mode s, bool bulk)
{
	if (bulk)
		return s == SYNC_SPSC ? ring_sp_enqueue_bulk(r, objs, n, NULL)
				      : ring_mp_enqueue_bulk(r, objs, n, NULL);
	return s == SYNC_SPSC ? ring_sp_enqueue_burst(r, objs, n, NULL)
			      : ring_mp_enqueue_burst(r, objs, n, NULL);
}

static unsigned deq(struct ring *r, void **objs, unsigned n, enum sync_mode s, bool bulk)
{
	if (bulk)
		return s == SYNC_SPSC ? ring_sc_dequeue_bulk(r, objs, n, NULL)
				      : ring_mc_dequeue_bulk(r, objs, n, NULL);
	return s == SYNC_SPSC ? ring_sc_dequeue_burst(r, objs, n, NULL)
			      : ring_mc_dequeue_burst(r, objs, n, NULL);
}

/* The mode and kind are loop-invariant: with the functions above inlined
 * the compiler hoists the tests out of the timed loops. */
static double time_pairs(struct ring *r, enum sync_mode s, bool bulk, unsigned n,
			 uint64_t iterations)
{
	void *objs[MAX_BURST];

	for (unsigned i = 0; i < MAX_BURST; i++)
		objs[i] = &objs[i];
	const uint64_t start = eal_rdtsc();
	for (uint64_t i = 0; i < iterations; i++) {
		enq(r, objs, n, s, bulk);
		deq(r, objs, n, s, bulk);
	}
	const uint64_t end = eal_rdtsc();
	return (double)(end - start) / (double)iterations;
}

static double time_empty_dequeue(struct ring *r, enum sync_mode s, uint64_t iterations)
{
	void *objs[MAX_BURST];
	const unsigned n = burst_sizes[0];
	const uint64_t start = eal_rdtsc();
	for (uint64_t i = 0; i < iterations; i++)
		deq(r, objs, n, s, true);
	const uint64_t end = eal_rdtsc();
	return (double)(end - start) / (double)iterations;
}

int main(int argc, char **argv)
{
	int consumed = eal_init(argc, argv);
	if (consumed < 0)
		return eal_exit_status(consumed);
	argc -= consumed;
	argv += consumed;

	double scale = 1.0;
	if (argc == 2 && strcmp(argv[0], "--scale") == 0) {
		char *end;
		scale = strtod(argv[1], &end);
		if (*end != '\0' || !(scale > 0 && scale <= 64)) {
			fprintf(stderr, "--scale %s: give a factor in (0, 64]\n", argv[1]);
			eal_cleanup();
			return 2;
		}
	} else if (argc != 0) {
		fprintf(stderr, "usage: updk-ring-perf [EAL options] -- [--scale S]\n");
		eal_cleanup();
		return 2;
	}

	struct ring *r = ring_create("ring_perf", RING_SLOTS, eal_socket_id(), 0);
	if (r == NULL) {
		fprintf(stderr, "ring_create: %s\n", strerror(errno));
		eal_cleanup();
		return 1;
	}
	const uint64_t single_iters = (uint64_t)((double)(1u << 24) * scale);
	const uint64_t burst_iters = (uint64_t)((double)(1u << 23) * scale);
	const uint64_t empty_iters = (uint64_t)((double)(1u << 26) * scale);

	/* Warm-up. */
	time_pairs(r, SYNC_SPSC, true, burst_sizes[1], burst_iters / 8);

	for (int s = SYNC_SPSC; s <= SYNC_MPMC; s++)
		printf("ring_perf impl=updk op=single sync=%s size=1 cycles=%.2f\n", sync_names[s],
		       time_pairs(r, s, true, one, single_iters));
	for (int bulk = 0; bulk <= 1; bulk++)
		for (int s = SYNC_SPSC; s <= SYNC_MPMC; s++)
			for (unsigned b = 0; b < EAL_DIM(burst_sizes); b++) {
				unsigned n = burst_sizes[b];
				double c = time_pairs(r, s, bulk, n, burst_iters) / n;
				printf("ring_perf impl=updk op=%s sync=%s size=%u cycles=%.2f\n",
				       bulk ? "bulk" : "burst", sync_names[s], n, c);
			}
	for (int s = SYNC_SPSC; s <= SYNC_MPMC; s++)
		printf("ring_perf impl=updk op=empty_bulk_deq sync=%s size=%u cycles=%.2f\n",
		       sync_names[s], burst_sizes[0], time_empty_dequeue(r, s, empty_iters));

	ring_free(r);
	eal_cleanup();
	return 0;
}
