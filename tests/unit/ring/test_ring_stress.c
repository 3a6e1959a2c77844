/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Threads moving millions of sequence-numbered tokens through one ring:
 * single producer / single consumer and 2 producers / 2 consumers, with
 * bulk and burst operations of varying sizes. Every token must arrive
 * exactly once, and each consumer must see each producer's tokens in the
 * order they were produced.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "ring.h"

_Static_assert(sizeof(void *) == 8, "tokens pack a producer id and a sequence in a pointer");

#define MAX_PRODUCERS 2
#define MAX_CONSUMERS 2
#define MAX_BATCH 32
#define SEQ_BITS 40
#define STALL_LIMIT_SEC 30

enum op_kind { OP_BULK, OP_BURST };

struct stress {
	struct ring *r;
	unsigned nb_producers, nb_consumers;
	bool single_producer, single_consumer;
	enum op_kind op;
	uint64_t per_producer;
	uint8_t *seen[MAX_PRODUCERS];  /* one flag per token */
	uint64_t consumed;             /* atomic: tokens checked so far */
	pthread_barrier_t start;       /* all threads begin together */
	int failed;                    /* atomic: first failure wins the message */
	char why[256];
};

struct worker {
	struct stress *s;
	unsigned id;
	uint64_t rng;
};

static void *token_make(unsigned producer, uint64_t seq)
{
	return (void *)(uintptr_t)(((uint64_t)(producer + 1) << SEQ_BITS) | seq);
}

static void stress_fail(struct stress *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void stress_fail(struct stress *s, const char *fmt, ...)
{
	int expected = 0;

	if (!__atomic_compare_exchange_n(&s->failed, &expected, 1, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
}

static bool stress_failed(struct stress *s)
{
	return __atomic_load_n(&s->failed, __ATOMIC_ACQUIRE) != 0;
}

static unsigned next_batch(struct worker *w)
{
	/* xorshift64: varied sizes make the batches straddle the slot array
	 * end at every offset. */
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return (unsigned)(w->rng % MAX_BATCH) + 1;
}

/* With more threads than cores, a thread spinning on a full or empty ring
 * should let the one it waits for run. */
static void backoff(unsigned *spins)
{
	if (++*spins % 64 == 0)
		sched_yield();
	else
		eal_pause();
}

static unsigned do_enqueue(struct stress *s, void *const *objs, unsigned n)
{
	if (s->op == OP_BULK)
		return s->single_producer ? ring_sp_enqueue_bulk(s->r, objs, n, NULL)
					  : ring_mp_enqueue_bulk(s->r, objs, n, NULL);
	return s->single_producer ? ring_sp_enqueue_burst(s->r, objs, n, NULL)
				  : ring_mp_enqueue_burst(s->r, objs, n, NULL);
}

static unsigned do_dequeue(struct stress *s, void **objs, unsigned n)
{
	if (s->op == OP_BULK)
		return s->single_consumer ? ring_sc_dequeue_bulk(s->r, objs, n, NULL)
					  : ring_mc_dequeue_bulk(s->r, objs, n, NULL);
	return s->single_consumer ? ring_sc_dequeue_burst(s->r, objs, n, NULL)
				  : ring_mc_dequeue_burst(s->r, objs, n, NULL);
}

static void *producer_main(void *arg)
{
	struct worker *w = arg;
	struct stress *s = w->s;
	void *objs[MAX_BATCH];
	uint64_t seq = 0;
	unsigned spins = 0;

	pthread_barrier_wait(&s->start);
	while (seq < s->per_producer && !stress_failed(s)) {
		unsigned n = next_batch(w);
		if (n > s->per_producer - seq)
			n = (unsigned)(s->per_producer - seq);
		for (unsigned i = 0; i < n; i++)
			objs[i] = token_make(w->id, seq + i);
		unsigned done = 0;
		while (done < n && !stress_failed(s)) {
			unsigned put = do_enqueue(s, &objs[done], n - done);
			if (s->op == OP_BULK && put != 0 && put != n - done)
				stress_fail(s, "bulk enqueue of %u moved %u", n - done, put);
			if (put == 0)
				backoff(&spins);
			done += put;
		}
		seq += n;
	}
	return NULL;
}

static void *consumer_main(void *arg)
{
	struct worker *w = arg;
	struct stress *s = w->s;
	const uint64_t total = s->per_producer * s->nb_producers;
	uint64_t next_seq[MAX_PRODUCERS] = { 0 };
	void *objs[MAX_BATCH];
	unsigned spins = 0;

	pthread_barrier_wait(&s->start);
	while (__atomic_load_n(&s->consumed, __ATOMIC_RELAXED) < total && !stress_failed(s)) {
		unsigned want = next_batch(w);
		unsigned got = do_dequeue(s, objs, want);
		if (got == 0) {
			backoff(&spins);
			continue;
		}
		if (s->op == OP_BULK && got != want)
			stress_fail(s, "bulk dequeue of %u moved %u", want, got);
		for (unsigned i = 0; i < got; i++) {
			uint64_t v = (uint64_t)(uintptr_t)objs[i];
			uint64_t producer = (v >> SEQ_BITS) - 1;
			uint64_t seq = v & ((1ull << SEQ_BITS) - 1);
			if (producer >= s->nb_producers || seq >= s->per_producer) {
				stress_fail(s, "consumer %u got a corrupt token 0x%llx", w->id,
					    (unsigned long long)v);
				return NULL;
			}
			/* Per-producer order as seen by this consumer. */
			if (seq < next_seq[producer]) {
				stress_fail(s, "consumer %u: producer %llu seq %llu after %llu",
					    w->id, (unsigned long long)producer,
					    (unsigned long long)seq,
					    (unsigned long long)next_seq[producer] - 1);
				return NULL;
			}
			next_seq[producer] = seq + 1;
			if (__atomic_exchange_n(&s->seen[producer][seq], 1, __ATOMIC_RELAXED)) {
				stress_fail(s, "token producer %llu seq %llu received twice",
					    (unsigned long long)producer, (unsigned long long)seq);
				return NULL;
			}
		}
		__atomic_fetch_add(&s->consumed, got, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void run_stress(unsigned ring_count_arg, unsigned nb_producers, unsigned nb_consumers,
		       enum op_kind op, uint64_t per_producer)
{
	struct stress s = {
		.nb_producers = nb_producers,
		.nb_consumers = nb_consumers,
		.single_producer = nb_producers == 1,
		.single_consumer = nb_consumers == 1,
		.op = op,
		.per_producer = per_producer,
	};
	unsigned flags = (s.single_producer ? RING_F_SP_ENQ : 0) |
			 (s.single_consumer ? RING_F_SC_DEQ : 0);
	ssize_t bytes = ring_get_memsize(ring_count_arg, flags);
	assert_true(bytes > 0);
	s.r = aligned_alloc(RING_HEADTAIL_ALIGN, (size_t)bytes);
	assert_non_null(s.r);
	assert_int_equal(ring_init(s.r, "stress", ring_count_arg, flags), 0);
	for (unsigned p = 0; p < nb_producers; p++) {
		s.seen[p] = calloc(per_producer, 1);
		assert_non_null(s.seen[p]);
	}

	assert_int_equal(pthread_barrier_init(&s.start, NULL, nb_producers + nb_consumers), 0);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct worker workers[MAX_PRODUCERS + MAX_CONSUMERS];
	pthread_t threads[MAX_PRODUCERS + MAX_CONSUMERS];
	unsigned nb = 0;
	for (unsigned c = 0; c < nb_consumers; c++, nb++) {
		workers[nb] = (struct worker){ .s = &s, .id = c, .rng = 0x9e3779b97f4a7c15ull * (nb + 1) };
		assert_int_equal(pthread_create(&threads[nb], NULL, consumer_main, &workers[nb]), 0);
	}
	for (unsigned p = 0; p < nb_producers; p++, nb++) {
		workers[nb] = (struct worker){ .s = &s, .id = p, .rng = 0x2545f4914f6cdd1dull * (nb + 1) };
		assert_int_equal(pthread_create(&threads[nb], NULL, producer_main, &workers[nb]), 0);
	}
	/* A broken ring can leave a thread spinning forever inside it: report
	 * that as a failure rather than waiting for the harness's timeout. */
	struct timespec limit;
	clock_gettime(CLOCK_REALTIME, &limit);
	limit.tv_sec += STALL_LIMIT_SEC;
	for (unsigned i = 0; i < nb; i++) {
		if (pthread_timedjoin_np(threads[i], NULL, &limit) != 0) {
			fprintf(stderr, "ring stalled: %llu of %llu tokens after %d s\n",
				(unsigned long long)__atomic_load_n(&s.consumed, __ATOMIC_RELAXED),
				(unsigned long long)(per_producer * nb_producers),
				STALL_LIMIT_SEC);
			exit(1);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
	printf("    %u producer(s), %u consumer(s), %s: %llu tokens in %.2f s\n",
	       nb_producers, nb_consumers, op == OP_BULK ? "bulk" : "burst",
	       (unsigned long long)(per_producer * nb_producers), secs);

	pthread_barrier_destroy(&s.start);
	if (s.failed)
		fail_msg("%s", s.why);
	assert_int_equal(s.consumed, per_producer * nb_producers);
	for (unsigned p = 0; p < nb_producers; p++) {
		for (uint64_t q = 0; q < per_producer; q++)
			if (s.seen[p][q] != 1)
				fail_msg("token producer %u seq %llu was lost", p,
					 (unsigned long long)q);
		free(s.seen[p]);
	}
	assert_true(ring_empty(s.r));
	assert_int_equal(s.r->prod.head, s.r->prod.tail);
	assert_int_equal(s.r->cons.head, s.r->cons.tail);
	assert_int_equal(s.r->prod.tail, (uint32_t)(per_producer * nb_producers));
	free(s.r);
}

static void test_spsc_bulk(void **state)
{
	(void)state;
	run_stress(1024, 1, 1, OP_BULK, 4u << 20);
}

static void test_spsc_burst(void **state)
{
	(void)state;
	run_stress(256, 1, 1, OP_BURST, 2u << 20);
}

static void test_mpmc_bulk(void **state)
{
	(void)state;
	run_stress(1024, 2, 2, OP_BULK, 1u << 20);
}

static void test_mpmc_burst(void **state)
{
	(void)state;
	run_stress(512, 2, 2, OP_BURST, 1u << 19);
}

static void test_mpsc_burst(void **state)
{
	(void)state;
	run_stress(256, 2, 1, OP_BURST, 1u << 19);
}

/* A ring smaller than a batch: bulk requests above capacity never succeed,
 * so this uses burst only, and exercises constant full/empty transitions. */
static void test_tiny_ring_burst(void **state)
{
	(void)state;
	run_stress(4, 2, 2, OP_BURST, 1u << 15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spsc_bulk),
		cmocka_unit_test(test_spsc_burst),
		cmocka_unit_test(test_mpmc_bulk),
		cmocka_unit_test(test_mpmc_burst),
		cmocka_unit_test(test_mpsc_burst),
		cmocka_unit_test(test_tiny_ring_burst),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
