/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ring API on one thread: sizes and flags, argument errors, bulk vs burst at
 * the full and empty boundaries, wrap-around of the slot array and of the
 * 32-bit indexes, every sp/mp/sc/mc variant, and the DMA-backed registry
 * (ring_create / ring_lookup / ring_free) under an EAL with --no-huge.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "eal.h"
#include "ring.h"

/* A ring on ordinary memory, aligned as ring_init() requires. */
static struct ring *ring_alloc(const char *name, unsigned count, unsigned flags)
{
	ssize_t bytes = ring_get_memsize(count, flags);
	assert_true(bytes > 0);
	struct ring *r = aligned_alloc(RING_HEADTAIL_ALIGN, (size_t)bytes);
	assert_non_null(r);
	assert_int_equal(ring_init(r, name, count, flags), 0);
	return r;
}

/* Distinct non-NULL pointer values that encode their sequence number. */
static void *token(uintptr_t seq)
{
	return (void *)((seq << 4) | 0x8);
}

static void test_memsize(void **state)
{
	(void)state;
	assert_int_equal(ring_get_memsize(0, 0), -EINVAL);
	assert_int_equal(ring_get_memsize(1, 0), -EINVAL);
	assert_int_equal(ring_get_memsize(3, 0), -EINVAL);
	assert_int_equal(ring_get_memsize(1000, 0), -EINVAL);
	assert_int_equal(ring_get_memsize(RING_SIZE_MAX * 2u, 0), -EINVAL);
	assert_int_equal(ring_get_memsize(0, RING_F_EXACT_SZ), -EINVAL);
	assert_int_equal(ring_get_memsize(RING_SIZE_MAX, RING_F_EXACT_SZ), -EINVAL);
	assert_int_equal(ring_get_memsize(8, 0x100), -EINVAL);

	ssize_t s8 = ring_get_memsize(8, 0);
	assert_true(s8 >= (ssize_t)(sizeof(struct ring) + 8 * sizeof(void *)));
	assert_int_equal(s8 % CACHE_LINE_SIZE, 0);
	/* An exact count of 8 needs 16 slots. */
	ssize_t e8 = ring_get_memsize(8, RING_F_EXACT_SZ);
	assert_true(e8 >= (ssize_t)(sizeof(struct ring) + 16 * sizeof(void *)));
	assert_true(ring_get_memsize(1000, RING_F_EXACT_SZ) > 0);
	assert_true(ring_get_memsize(RING_SIZE_MAX, 0) > 0);
}

static void test_init_errors(void **state)
{
	(void)state;
	struct ring *r = ring_alloc("ok", 16, 0);
	char long_name[RING_NAMESIZE + 8];

	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_int_equal(ring_init(r, long_name, 16, 0), -ENAMETOOLONG);
	long_name[RING_NAMESIZE] = '\0'; /* exactly RING_NAMESIZE characters */
	assert_int_equal(ring_init(r, long_name, 16, 0), -ENAMETOOLONG);
	long_name[RING_NAMESIZE - 1] = '\0'; /* the longest accepted */
	assert_int_equal(ring_init(r, long_name, 16, 0), 0);
	assert_string_equal(ring_name(r), long_name);

	assert_int_equal(ring_init(r, NULL, 16, 0), -EINVAL);
	assert_int_equal(ring_init(NULL, "x", 16, 0), -EINVAL);
	assert_int_equal(ring_init((struct ring *)(void *)((char *)r + 64), "x", 16, 0),
			 -EINVAL);
	assert_int_equal(ring_init(r, "x", 12, 0), -EINVAL);
	assert_int_equal(ring_init(r, "x", 16, RING_F_MASK + 1), -EINVAL);
	free(r);
}

static void test_sizes_and_flags(void **state)
{
	(void)state;
	static const struct {
		unsigned count, flags, size, capacity;
	} cases[] = {
		{ 2, 0, 2, 1 },
		{ 8, 0, 8, 7 },
		{ 1024, 0, 1024, 1023 },
		{ 1, RING_F_EXACT_SZ, 2, 1 },
		{ 7, RING_F_EXACT_SZ, 8, 7 },
		{ 8, RING_F_EXACT_SZ, 16, 8 },
		{ 1000, RING_F_EXACT_SZ, 1024, 1000 },
	};
	for (size_t i = 0; i < EAL_DIM(cases); i++) {
		struct ring *r = ring_alloc("sizes", cases[i].count, cases[i].flags);
		assert_int_equal(ring_get_size(r), cases[i].size);
		assert_int_equal(ring_get_capacity(r), cases[i].capacity);
		assert_int_equal(ring_count(r), 0);
		assert_int_equal(ring_free_count(r), cases[i].capacity);
		assert_true(ring_empty(r));
		assert_false(ring_full(r));

		/* The capacity is really usable, and not one more. */
		for (unsigned k = 0; k < cases[i].capacity; k++)
			assert_int_equal(ring_enqueue(r, token(k)), 0);
		assert_true(ring_full(r));
		assert_int_equal(ring_enqueue(r, token(0)), -ENOBUFS);
		free(r);
	}

	struct ring *r = ring_alloc("flags", 16, RING_F_SP_ENQ | RING_F_SC_DEQ);
	assert_int_equal(ring_get_flags(r), RING_F_SP_ENQ | RING_F_SC_DEQ);
	assert_int_not_equal(r->prod.single, 0);
	assert_int_not_equal(r->cons.single, 0);
	free(r);
	r = ring_alloc("flags", 16, 0);
	assert_int_equal(r->prod.single, 0);
	assert_int_equal(r->cons.single, 0);
	free(r);
}

static void test_bulk_boundaries(void **state)
{
	(void)state;
	struct ring *r = ring_alloc("bulk", 16, 0); /* capacity 15 */
	void *in[32], *out[32];
	unsigned free_space = 12345, avail = 12345;

	for (unsigned i = 0; i < 32; i++)
		in[i] = token(i);

	/* Empty: nothing to dequeue. */
	assert_int_equal(ring_dequeue_bulk(r, out, 1, &avail), 0);
	assert_int_equal(avail, 0);
	assert_int_equal(ring_dequeue_burst(r, out, 4, &avail), 0);
	assert_int_equal(avail, 0);
	assert_int_equal(ring_dequeue(r, &out[0]), -ENOENT);

	/* More than the capacity never goes in as a bulk, and nothing moves. */
	assert_int_equal(ring_enqueue_bulk(r, in, 16, &free_space), 0);
	assert_int_equal(free_space, 15);
	assert_int_equal(ring_count(r), 0);

	assert_int_equal(ring_enqueue_bulk(r, in, 10, &free_space), 10);
	assert_int_equal(free_space, 5);
	assert_int_equal(ring_enqueue_bulk(r, &in[10], 6, &free_space), 0);
	assert_int_equal(free_space, 5);
	assert_int_equal(ring_count(r), 10);
	assert_int_equal(ring_enqueue_bulk(r, &in[10], 5, &free_space), 5);
	assert_int_equal(free_space, 0);
	assert_true(ring_full(r));
	assert_int_equal(ring_enqueue_bulk(r, in, 1, &free_space), 0);
	assert_int_equal(free_space, 0);

	/* Full: a bulk dequeue of more than there is takes nothing. */
	assert_int_equal(ring_dequeue_bulk(r, out, 16, &avail), 0);
	assert_int_equal(avail, 15);
	assert_int_equal(ring_dequeue_bulk(r, out, 15, &avail), 15);
	assert_int_equal(avail, 0);
	for (unsigned i = 0; i < 15; i++)
		assert_ptr_equal(out[i], in[i]);
	assert_true(ring_empty(r));

	/* Zero-sized requests succeed trivially and report the state. */
	assert_int_equal(ring_enqueue_bulk(r, in, 0, &free_space), 0);
	assert_int_equal(free_space, 15);
	assert_int_equal(ring_dequeue_bulk(r, out, 0, &avail), 0);
	assert_int_equal(avail, 0);
	free(r);
}

static void test_burst_boundaries(void **state)
{
	(void)state;
	struct ring *r = ring_alloc("burst", 8, 0); /* capacity 7 */
	void *in[16], *out[16];
	unsigned free_space, avail;

	for (unsigned i = 0; i < 16; i++)
		in[i] = token(i);
	assert_int_equal(ring_enqueue_burst(r, in, 5, &free_space), 5);
	assert_int_equal(free_space, 2);
	/* Only what fits goes in: the first objects of the array. */
	assert_int_equal(ring_enqueue_burst(r, &in[5], 5, &free_space), 2);
	assert_int_equal(free_space, 0);
	assert_int_equal(ring_enqueue_burst(r, &in[7], 5, &free_space), 0);
	assert_int_equal(free_space, 0);

	assert_int_equal(ring_dequeue_burst(r, out, 3, &avail), 3);
	assert_int_equal(avail, 4);
	assert_int_equal(ring_dequeue_burst(r, &out[3], 16, &avail), 4);
	assert_int_equal(avail, 0);
	for (unsigned i = 0; i < 7; i++)
		assert_ptr_equal(out[i], in[i]);
	assert_int_equal(ring_dequeue_burst(r, out, 16, &avail), 0);

	/* NULL out-parameters are allowed. */
	assert_int_equal(ring_enqueue_burst(r, in, 16, NULL), 7);
	assert_int_equal(ring_dequeue_burst(r, out, 16, NULL), 7);
	free(r);
}

/* FIFO order through many laps of the slot array with odd-sized batches,
 * so that batches straddle the end of the array at every offset. */
static void check_fifo_laps(struct ring *r, unsigned laps)
{
	void *in[64], *out[64];
	uintptr_t next_in = 0, next_out = 0;
	unsigned batch = 1;

	while (next_out < (uintptr_t)laps * ring_get_size(r)) {
		unsigned n = EAL_MIN(batch, ring_get_capacity(r));
		for (unsigned i = 0; i < n; i++)
			in[i] = token(next_in + i);
		assert_int_equal(ring_enqueue_bulk(r, in, n, NULL), n);
		next_in += n;
		assert_int_equal(ring_count(r), next_in - next_out);
		unsigned got = ring_dequeue_burst(r, out, n, NULL);
		assert_int_equal(got, n);
		for (unsigned i = 0; i < got; i++)
			assert_ptr_equal(out[i], token(next_out + i));
		next_out += got;
		batch = batch % 13 + 1;
	}
	assert_true(ring_empty(r));
}

static void test_wraparound(void **state)
{
	(void)state;
	struct ring *r = ring_alloc("wrap", 16, 0);

	check_fifo_laps(r, 50);

	/* Indexes near 2^32: the free and used counts must survive the
	 * unsigned wrap of head and tail. */
	ring_reset(r);
	r->prod.head = r->prod.tail = UINT32_MAX - 20;
	r->cons.head = r->cons.tail = UINT32_MAX - 20;
	assert_int_equal(ring_count(r), 0);
	assert_int_equal(ring_free_count(r), 15);
	check_fifo_laps(r, 10);
	assert_true(r->prod.tail < 1000); /* really wrapped */

	/* Same with an exact-size ring, whose capacity is below the mask. */
	free(r);
	r = ring_alloc("wrap-exact", 10, RING_F_EXACT_SZ);
	r->prod.head = r->prod.tail = UINT32_MAX - 3;
	r->cons.head = r->cons.tail = UINT32_MAX - 3;
	void *in[10], *out[10];
	for (unsigned i = 0; i < 10; i++)
		in[i] = token(i);
	assert_int_equal(ring_enqueue_bulk(r, in, 10, NULL), 10);
	assert_true(ring_full(r));
	assert_int_equal(ring_enqueue(r, in[0]), -ENOBUFS);
	assert_int_equal(ring_count(r), 10);
	assert_int_equal(ring_dequeue_bulk(r, out, 10, NULL), 10);
	for (unsigned i = 0; i < 10; i++)
		assert_ptr_equal(out[i], in[i]);
	check_fifo_laps(r, 20);
	free(r);
}

typedef unsigned (*enqueue_fn)(struct ring *, void *const *, unsigned, unsigned *);
typedef unsigned (*dequeue_fn)(struct ring *, void **, unsigned, unsigned *);

static unsigned enq_mp_bulk(struct ring *r, void *const *o, unsigned n, unsigned *f)
{ return ring_mp_enqueue_bulk(r, o, n, f); }
static unsigned enq_sp_bulk(struct ring *r, void *const *o, unsigned n, unsigned *f)
{ return ring_sp_enqueue_bulk(r, o, n, f); }
static unsigned enq_bulk(struct ring *r, void *const *o, unsigned n, unsigned *f)
{ return ring_enqueue_bulk(r, o, n, f); }
static unsigned enq_mp_burst(struct ring *r, void *const *o, unsigned n, unsigned *f)
{ return ring_mp_enqueue_burst(r, o, n, f); }
static unsigned enq_sp_burst(struct ring *r, void *const *o, unsigned n, unsigned *f)
{ return ring_sp_enqueue_burst(r, o, n, f); }
static unsigned enq_burst(struct ring *r, void *const *o, unsigned n, unsigned *f)
{ return ring_enqueue_burst(r, o, n, f); }
static unsigned deq_mc_bulk(struct ring *r, void **o, unsigned n, unsigned *a)
{ return ring_mc_dequeue_bulk(r, o, n, a); }
static unsigned deq_sc_bulk(struct ring *r, void **o, unsigned n, unsigned *a)
{ return ring_sc_dequeue_bulk(r, o, n, a); }
static unsigned deq_bulk(struct ring *r, void **o, unsigned n, unsigned *a)
{ return ring_dequeue_bulk(r, o, n, a); }
static unsigned deq_mc_burst(struct ring *r, void **o, unsigned n, unsigned *a)
{ return ring_mc_dequeue_burst(r, o, n, a); }
static unsigned deq_sc_burst(struct ring *r, void **o, unsigned n, unsigned *a)
{ return ring_sc_dequeue_burst(r, o, n, a); }
static unsigned deq_burst(struct ring *r, void **o, unsigned n, unsigned *a)
{ return ring_dequeue_burst(r, o, n, a); }

static void test_all_variants(void **state)
{
	(void)state;
	static const struct { enqueue_fn fn; bool burst; const char *name; } enq[] = {
		{ enq_mp_bulk, false, "mp_bulk" }, { enq_sp_bulk, false, "sp_bulk" },
		{ enq_bulk, false, "bulk" }, { enq_mp_burst, true, "mp_burst" },
		{ enq_sp_burst, true, "sp_burst" }, { enq_burst, true, "burst" },
	};
	static const struct { dequeue_fn fn; bool burst; const char *name; } deq[] = {
		{ deq_mc_bulk, false, "mc_bulk" }, { deq_sc_bulk, false, "sc_bulk" },
		{ deq_bulk, false, "bulk" }, { deq_mc_burst, true, "mc_burst" },
		{ deq_sc_burst, true, "sc_burst" }, { deq_burst, true, "burst" },
	};
	static const unsigned flag_sets[] = { 0, RING_F_SP_ENQ | RING_F_SC_DEQ };
	void *in[40], *out[40];
	unsigned free_space, avail;

	for (unsigned i = 0; i < 40; i++)
		in[i] = token(i + 100);
	for (size_t f = 0; f < EAL_DIM(flag_sets); f++)
	for (size_t e = 0; e < EAL_DIM(enq); e++)
	for (size_t d = 0; d < EAL_DIM(deq); d++) {
		struct ring *r = ring_alloc("variants", 32, flag_sets[f]); /* capacity 31 */
		uintptr_t base = 0;

		/* Several rounds so the batches wrap around the slot array. */
		for (unsigned round = 0; round < 5; round++) {
			for (unsigned i = 0; i < 40; i++)
				in[i] = token(base + i);
			assert_int_equal(enq[e].fn(r, in, 20, &free_space), 20);
			assert_int_equal(free_space, 11);
			/* 20 more do not fit: bulk takes none, burst takes 11. */
			unsigned put = enq[e].fn(r, &in[20], 20, &free_space);
			assert_int_equal(put, enq[e].burst ? 11 : 0);
			assert_int_equal(free_space, enq[e].burst ? 0 : 11);
			unsigned held = 20 + put;
			assert_int_equal(ring_count(r), held);

			/* Ask for one more than is there. */
			unsigned got = deq[d].fn(r, out, held + 1, &avail);
			assert_int_equal(got, deq[d].burst ? held : 0);
			assert_int_equal(avail, deq[d].burst ? 0 : held);
			if (!deq[d].burst) {
				assert_int_equal(deq[d].fn(r, out, held, &avail), held);
				assert_int_equal(avail, 0);
			}
			for (unsigned i = 0; i < held; i++)
				if (out[i] != token(base + i))
					fail_msg("%s/%s flags 0x%x round %u: object %u out of order",
						 enq[e].name, deq[d].name, flag_sets[f], round, i);
			assert_true(ring_empty(r));
			base += held;
		}
		free(r);
	}
}

static void test_single_object_variants(void **state)
{
	(void)state;
	int (*const enq1[])(struct ring *, void *) = {
		ring_mp_enqueue, ring_sp_enqueue, ring_enqueue,
	};
	int (*const deq1[])(struct ring *, void **) = {
		ring_mc_dequeue, ring_sc_dequeue, ring_dequeue,
	};
	for (size_t e = 0; e < EAL_DIM(enq1); e++)
	for (size_t d = 0; d < EAL_DIM(deq1); d++) {
		struct ring *r = ring_alloc("single", 4, 0); /* capacity 3 */
		void *obj = (void *)0x1;

		for (uintptr_t i = 0; i < 3; i++)
			assert_int_equal(enq1[e](r, token(i)), 0);
		assert_int_equal(enq1[e](r, token(9)), -ENOBUFS);
		for (uintptr_t i = 0; i < 3; i++) {
			assert_int_equal(deq1[d](r, &obj), 0);
			assert_ptr_equal(obj, token(i));
		}
		assert_int_equal(deq1[d](r, &obj), -ENOENT);
		assert_ptr_equal(obj, token(2)); /* untouched on failure */
		free(r);
	}
}

static void test_reset_and_dump(void **state)
{
	(void)state;
	struct ring *r = ring_alloc("dumped", 64, RING_F_SC_DEQ);
	void *objs[5] = { token(1), token(2), token(3), token(4), token(5) };
	char *buf = NULL;
	size_t len = 0;

	assert_int_equal(ring_enqueue_bulk(r, objs, 5, NULL), 5);
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	ring_dump(f, r);
	ring_dump(f, NULL);
	fclose(f);
	assert_non_null(strstr(buf, "\"dumped\""));
	assert_non_null(strstr(buf, "capacity=63"));
	assert_non_null(strstr(buf, "used=5 free=58"));
	assert_non_null(strstr(buf, "multi producer, single consumer"));
	free(buf);

	ring_reset(r);
	assert_true(ring_empty(r));
	assert_int_equal(ring_free_count(r), 63);
	free(r);
}

/* ring_create() needs the EAL's DMA memory: --no-huge needs no hugepages. */
static int eal_setup(void **state)
{
	(void)state;
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "test_ring_%d", (int)getpid());
	char *argv[] = { "test_ring", "--no-huge", "-l", "0", "--file-prefix", prefix,
			 NULL };
	int ret = eal_init((int)EAL_DIM(argv) - 1, argv);
	if (ret < 0) {
		fprintf(stderr, "eal_init failed: %s\n", strerror(-ret));
		return -1;
	}
	return 0;
}

static int eal_teardown(void **state)
{
	(void)state;
	eal_cleanup();
	return 0;
}

static void test_create_lookup_free(void **state)
{
	(void)state;
	struct ring *r = ring_create("rc_a", 1024, EAL_SOCKET_ID_ANY, RING_F_SP_ENQ);
	assert_non_null(r);
	assert_int_equal(ring_get_capacity(r), 1023);
	assert_int_equal(ring_get_flags(r), RING_F_SP_ENQ);
	assert_true(ring_empty(r));
	assert_int_equal((uintptr_t)r % RING_HEADTAIL_ALIGN, 0);

	struct ring *r2 = ring_create("rc_b", 100, 0, RING_F_EXACT_SZ);
	assert_non_null(r2);
	assert_int_equal(ring_get_capacity(r2), 100);

	assert_ptr_equal(ring_lookup("rc_a"), r);
	assert_ptr_equal(ring_lookup("rc_b"), r2);
	errno = 0;
	assert_null(ring_lookup("rc_c"));
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_null(ring_lookup(NULL));
	assert_int_equal(errno, EINVAL);

	/* Errors: duplicate name, bad count, long name, bad flags, bad node. */
	errno = 0;
	assert_null(ring_create("rc_a", 64, EAL_SOCKET_ID_ANY, 0));
	assert_int_equal(errno, EEXIST);
	errno = 0;
	assert_null(ring_create("rc_d", 100, EAL_SOCKET_ID_ANY, 0));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(ring_create("rc_d", 0, EAL_SOCKET_ID_ANY, RING_F_EXACT_SZ));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(ring_create("a_name_that_is_far_too_long_for_a_ring", 64,
				EAL_SOCKET_ID_ANY, 0));
	assert_int_equal(errno, ENAMETOOLONG);
	errno = 0;
	assert_null(ring_create("rc_d", 64, EAL_SOCKET_ID_ANY, 0x80));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(ring_create("rc_d", 64, 4000, 0));
	assert_int_not_equal(errno, 0);
	assert_null(ring_lookup("rc_d"));

	/* The DMA ring works like any other. */
	void *objs[8], *out[8];
	for (unsigned i = 0; i < 8; i++)
		objs[i] = token(i);
	assert_int_equal(ring_enqueue_bulk(r, objs, 8, NULL), 8);
	assert_int_equal(ring_dequeue_bulk(r, out, 8, NULL), 8);
	assert_memory_equal(out, objs, sizeof(objs));

	/* A ring on caller memory is refused by ring_free() (logged), not
	 * freed or crashed on. */
	struct ring *local = ring_alloc("local", 8, 0);
	ring_free(local);
	assert_int_equal(ring_get_size(local), 8);
	free(local);

	ring_free(r);
	assert_null(ring_lookup("rc_a"));
	ring_free(NULL);
	/* The name is free again. */
	r = ring_create("rc_a", 64, EAL_SOCKET_ID_ANY, 0);
	assert_non_null(r);
	ring_free(r);
	ring_free(r2);
}

static void test_create_without_eal(void **state)
{
	(void)state;
	assert_false(eal_initialized());
	errno = 0;
	assert_null(ring_create("no_eal", 64, EAL_SOCKET_ID_ANY, 0));
	assert_int_not_equal(errno, 0);
}

/* Rings still registered at eal_cleanup() are released by it, so a lookup
 * after a new eal_init() finds nothing stale. */
static void test_cleanup_releases_rings(void **state)
{
	assert_int_equal(eal_setup(state), 0);
	assert_non_null(ring_create("left_over", 64, EAL_SOCKET_ID_ANY, 0));
	eal_cleanup();
	assert_int_equal(eal_setup(state), 0);
	assert_null(ring_lookup("left_over"));
	eal_cleanup();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memsize),
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_sizes_and_flags),
		cmocka_unit_test(test_bulk_boundaries),
		cmocka_unit_test(test_burst_boundaries),
		cmocka_unit_test(test_wraparound),
		cmocka_unit_test(test_all_variants),
		cmocka_unit_test(test_single_object_variants),
		cmocka_unit_test(test_reset_and_dump),
		cmocka_unit_test(test_create_without_eal),
		cmocka_unit_test_setup_teardown(test_create_lookup_free, eal_setup,
						eal_teardown),
		cmocka_unit_test(test_cleanup_releases_rings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
