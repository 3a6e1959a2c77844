/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mempool under an EAL with --no-huge (no hugepages needed): creation and
 * errors, object layout and IOVAs, memory chunks, the per-lcore cache's
 * accounting, all-or-nothing gets at exhaustion, non-EAL threads, and two
 * lcores plus a non-EAL thread hammering one pool.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "eal.h"
#include "mempool.h"
#include "mempool_check.h"

static bool two_lcores;

static int eal_start(void)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "test_mempool_%d", (int)getpid());
	char *argv[] = { "test_mempool", "--no-huge", "-l", "0-1", "--file-prefix", prefix, NULL };
	int ret = eal_init((int)EAL_DIM(argv) - 1, argv);
	if (ret >= 0) {
		two_lcores = true;
		return 0;
	}
	/* A one-CPU machine: run everything but the two-lcore case. */
	argv[3] = "0";
	ret = eal_init((int)EAL_DIM(argv) - 1, argv);
	if (ret < 0)
		fprintf(stderr, "eal_init(--no-huge) failed: %s\n", strerror(-ret));
	return ret < 0 ? -1 : 0;
}

static int group_setup(void **state)
{
	(void)state;
	return eal_start();
}

static int group_teardown(void **state)
{
	(void)state;
	eal_cleanup();
	return 0;
}

/* White-box views of the fast path's state. */
static unsigned cache_len(const struct mempool *mp)
{
	return mp->local_cache[eal_lcore_id()].len;
}

static unsigned ring_len(const struct mempool *mp)
{
	return ring_count(mp->ring);
}

static void test_create_errors(void **state)
{
	(void)state;
	static const char long_name[] = "a_pool_name_longer_than_31_chars";

	errno = 0;
	assert_null(mempool_create(NULL, 64, 64, 0, 0, NULL, NULL, NULL, NULL, -1, 0));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(mempool_create(long_name, 64, 64, 0, 0, NULL, NULL, NULL, NULL, -1, 0));
	assert_int_equal(errno, ENAMETOOLONG);
	errno = 0;
	assert_null(mempool_create("e", 0, 64, 0, 0, NULL, NULL, NULL, NULL, -1, 0));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(mempool_create("e", 64, 0, 0, 0, NULL, NULL, NULL, NULL, -1, 0));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(mempool_create("e", 100000, 64, MEMPOOL_CACHE_MAX_SIZE + 1, 0,
				   NULL, NULL, NULL, NULL, -1, 0));
	assert_int_equal(errno, EINVAL);
	/* cache x 1.5 must not exceed n */
	errno = 0;
	assert_null(mempool_create("e", 95, 64, 64, 0, NULL, NULL, NULL, NULL, -1, 0));
	assert_int_equal(errno, EINVAL);
	struct mempool *mp = mempool_create("e", 96, 64, 64, 0, NULL, NULL, NULL, NULL, -1, 0);
	assert_non_null(mp);
	errno = 0;
	assert_null(mempool_create("e", 64, 64, 0, 0, NULL, NULL, NULL, NULL, -1, 0));
	assert_int_equal(errno, EEXIST);
	mempool_free(mp);
	errno = 0;
	assert_null(mempool_create("e", 64, 64, 0, 0, NULL, NULL, NULL, NULL, -1, 0x100));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(mempool_create("e", 64, 64, 0, 0, NULL, NULL, NULL, NULL, 1000, 0));
	assert_int_not_equal(errno, 0);
	assert_null(mempool_lookup("e"));
}

struct init_counts {
	unsigned mp_init_calls;
	unsigned obj_init_calls;
	unsigned next_idx;
	bool priv_seen_zero;
	struct mempool *seen_mp;
	bool order_ok;
};

static void count_mp_init(struct mempool *mp, void *arg)
{
	struct init_counts *c = arg;
	const unsigned char *priv = mempool_get_priv(mp);

	c->mp_init_calls++;
	c->seen_mp = mp;
	c->priv_seen_zero = true;
	for (unsigned i = 0; i < 24; i++)
		if (priv[i] != 0)
			c->priv_seen_zero = false;
	/* Objects are initialised after the pool: they may read this. */
	memcpy(mempool_get_priv(mp), "priv", 5);
}

static void count_obj_init(struct mempool *mp, void *arg, void *obj, unsigned idx)
{
	struct init_counts *c = arg;

	c->obj_init_calls++;
	if (idx != c->next_idx++ || mp != c->seen_mp ||
	    strcmp(mempool_get_priv(mp), "priv") != 0 || mempool_from_obj(obj) != mp)
		c->order_ok = false;
	memset(obj, 0xa5, mempool_elt_size(mp));
}

static void test_create_lookup_free(void **state)
{
	(void)state;
	struct init_counts c = { .order_ok = true };
	struct mempool *mp = mempool_create("mp_basic", 100, 200, 0, 24,
					    count_mp_init, &c, count_obj_init, &c,
					    EAL_SOCKET_ID_ANY, 0);
	assert_non_null(mp);
	assert_int_equal(c.mp_init_calls, 1);
	assert_true(c.priv_seen_zero);
	assert_int_equal(c.obj_init_calls, 100);
	assert_true(c.order_ok);

	assert_ptr_equal(mempool_lookup("mp_basic"), mp);
	errno = 0;
	assert_null(mempool_lookup("mp_nope"));
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_null(mempool_lookup(NULL));
	assert_int_equal(errno, EINVAL);

	assert_string_equal(mempool_name(mp), "mp_basic");
	assert_int_equal(mempool_size(mp), 100);
	assert_int_equal(mempool_elt_size(mp), 200);
	assert_int_equal(mempool_cache_size(mp), 0);
	assert_int_equal((uintptr_t)mempool_get_priv(mp) % CACHE_LINE_SIZE, 0);
	assert_int_equal(mempool_avail_count(mp), 100);
	assert_int_equal(mempool_in_use_count(mp), 0);
	assert_true(mempool_full(mp));
	assert_false(mempool_empty(mp));

	/* obj_init's writes are what the user gets. */
	void *obj;
	assert_int_equal(mempool_get(mp, &obj), 0);
	for (unsigned i = 0; i < 200; i++)
		assert_int_equal(((unsigned char *)obj)[i], 0xa5);
	assert_int_equal(mempool_in_use_count(mp), 1);
	mempool_put(mp, obj);

	mempool_free(mp);
	assert_null(mempool_lookup("mp_basic"));
	mempool_free(NULL);
}

static void test_layout_iova_chunks(void **state)
{
	(void)state;
	static const unsigned elt_sizes[] = { 1, 64, 100, 2176, 9000 };
	static const unsigned flag_sets[] = { 0, MEMPOOL_F_NO_IOVA_CONTIG };

	for (size_t f = 0; f < EAL_DIM(flag_sets); f++)
	for (size_t i = 0; i < EAL_DIM(elt_sizes); i++) {
		struct mempool *mp = mempool_create("mp_layout", 1000, elt_sizes[i], 32, 0,
						    NULL, NULL, NULL, NULL,
						    EAL_SOCKET_ID_ANY, flag_sets[f]);
		assert_non_null(mp);
		/* --no-huge runs in IOVA-VA mode: no page limit on chunks. */
		check_pool_layout(mp, 0);
		/* Objects handed out are pool objects, and come back. */
		void *objs[10];
		assert_int_equal(mempool_get_bulk(mp, objs, 10), 0);
		for (unsigned k = 0; k < 10; k++)
			assert_ptr_equal(mempool_from_obj(objs[k]), mp);
		mempool_put_bulk(mp, objs, 10);
		assert_true(mempool_full(mp));
		mempool_free(mp);
	}
}

static void check_exhaustion(unsigned cache_size, unsigned bulk)
{
	enum { N = 96 };
	struct mempool *mp = mempool_create("mp_exhaust", N, 32, cache_size, 0,
					    NULL, NULL, NULL, NULL, EAL_SOCKET_ID_ANY, 0);
	assert_non_null(mp);
	void *objs[N + 1];
	unsigned held = 0;

	/* Everything can be taken, in bulks, even through a cache. */
	while (held + bulk <= N) {
		assert_int_equal(mempool_get_bulk(mp, &objs[held], bulk), 0);
		held += bulk;
	}
	assert_int_equal(mempool_avail_count(mp), N - held);
	/* One more than is left: nothing is taken. */
	unsigned left = N - held;
	void *sentinel = (void *)0x1;
	objs[held] = sentinel;
	assert_int_equal(mempool_get_bulk(mp, &objs[held], left + 1), -ENOENT);
	assert_ptr_equal(objs[held], sentinel);
	assert_int_equal(mempool_avail_count(mp), left);
	if (left > 0) {
		assert_int_equal(mempool_get_bulk(mp, &objs[held], left), 0);
		held += left;
	}
	assert_true(mempool_empty(mp));
	assert_int_equal(mempool_get(mp, &objs[N]), -ENOENT);
	assert_int_equal(mempool_in_use_count(mp), N);
	assert_all_distinct(objs, N);

	/* Give back in odd-sized bulks. */
	for (unsigned i = 0; i < N;) {
		unsigned n = EAL_MIN(7u, N - i);
		mempool_put_bulk(mp, &objs[i], n);
		i += n;
	}
	assert_true(mempool_full(mp));
	assert_int_equal(mempool_in_use_count(mp), 0);
	mempool_free(mp);
}

static void test_exhaustion_all_or_nothing(void **state)
{
	(void)state;
	check_exhaustion(0, 1);
	check_exhaustion(0, 10);
	check_exhaustion(32, 1);
	check_exhaustion(32, 8);
	check_exhaustion(32, 10);
	check_exhaustion(64, 32);
	check_exhaustion(16, 20); /* bulks larger than the cache bypass it */
}

/* The cache's exact bookkeeping: refill to size + n, flush back to size
 * past 1.5 x size, bypass for larger requests. */
static void test_cache_accounting(void **state)
{
	(void)state;
	enum { N = 1024, CACHE = 64 };
	struct mempool *mp = mempool_create("mp_cache", N, 64, CACHE, 0,
					    NULL, NULL, NULL, NULL, EAL_SOCKET_ID_ANY, 0);
	assert_non_null(mp);
	void *objs[256];

	assert_int_equal(mp->local_cache[eal_lcore_id()].flushthresh, CACHE * 3 / 2);
	assert_int_equal(cache_len(mp), 0);
	assert_int_equal(mempool_get_bulk(mp, objs, 32), 0);
	assert_int_equal(cache_len(mp), 64);          /* refilled with 96 */
	assert_int_equal(ring_len(mp), N - 96);
	assert_int_equal(mempool_get_bulk(mp, &objs[32], 32), 0);
	assert_int_equal(mempool_get_bulk(mp, &objs[64], 32), 0);
	assert_int_equal(cache_len(mp), 0);
	assert_int_equal(ring_len(mp), N - 96);
	assert_int_equal(mempool_get_bulk(mp, &objs[96], 32), 0);
	assert_int_equal(cache_len(mp), 64);
	assert_int_equal(ring_len(mp), N - 192);
	assert_int_equal(mempool_in_use_count(mp), 128);
	assert_int_equal(mempool_avail_count(mp), N - 128);
	assert_all_distinct(objs, 128);

	mempool_put_bulk(mp, objs, 32);
	assert_int_equal(cache_len(mp), 96);          /* at the threshold: kept */
	assert_int_equal(ring_len(mp), N - 192);
	mempool_put_bulk(mp, &objs[32], 32);
	assert_int_equal(cache_len(mp), 64);          /* flushed back to size */
	assert_int_equal(ring_len(mp), N - 128);
	mempool_put_bulk(mp, &objs[64], 32);
	mempool_put_bulk(mp, &objs[96], 32);
	assert_int_equal(cache_len(mp), 64);
	assert_int_equal(ring_len(mp), N - 64);
	assert_true(mempool_full(mp));

	/* Larger than the cache: straight to and from the ring. */
	assert_int_equal(mempool_get_bulk(mp, objs, 100), 0);
	assert_int_equal(cache_len(mp), 64);
	assert_int_equal(ring_len(mp), N - 164);
	mempool_put_bulk(mp, objs, 100);
	assert_int_equal(cache_len(mp), 64);
	assert_int_equal(ring_len(mp), N - 64);

	/* Gets return the most recently put objects first. */
	void *one, *again;
	assert_int_equal(mempool_get(mp, &one), 0);
	mempool_put(mp, one);
	assert_int_equal(mempool_get(mp, &again), 0);
	assert_ptr_equal(one, again);
	mempool_put(mp, again);

	mempool_cache_flush(mp);
	assert_int_equal(cache_len(mp), 0);
	assert_int_equal(ring_len(mp), N);
	mempool_cache_flush(mp);
	assert_true(mempool_full(mp));
	mempool_free(mp);
}

struct foreign_thread_arg {
	struct mempool *mp;
	unsigned cache_before, cache_after;
	unsigned ring_before, ring_during, ring_after;
	int get_ret;
	unsigned lcore;
};

static void *foreign_thread(void *arg)
{
	struct foreign_thread_arg *a = arg;
	void *objs[10];

	a->lcore = eal_lcore_id();
	a->ring_before = ring_len(a->mp);
	a->get_ret = mempool_get_bulk(a->mp, objs, 10);
	a->ring_during = ring_len(a->mp);
	if (a->get_ret == 0)
		mempool_put_bulk(a->mp, objs, 10);
	a->ring_after = ring_len(a->mp);
	return NULL;
}

static void test_non_eal_thread_bypasses_cache(void **state)
{
	(void)state;
	struct mempool *mp = mempool_create("mp_foreign", 256, 64, 32, 0,
					    NULL, NULL, NULL, NULL, EAL_SOCKET_ID_ANY, 0);
	assert_non_null(mp);
	void *obj;
	assert_int_equal(mempool_get(mp, &obj), 0); /* fill this lcore's cache */
	unsigned cached = cache_len(mp);

	struct foreign_thread_arg a = { .mp = mp };
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, foreign_thread, &a), 0);
	pthread_join(t, NULL);
	assert_int_equal(a.lcore, EAL_LCORE_ID_ANY);
	assert_int_equal(a.get_ret, 0);
	assert_int_equal(a.ring_during, a.ring_before - 10);
	assert_int_equal(a.ring_after, a.ring_before);
	assert_int_equal(cache_len(mp), cached);
	mempool_put(mp, obj);
	assert_true(mempool_full(mp));
	mempool_free(mp);
}

/* --- two lcores and a non-EAL thread on one pool ----------------------- */

/* Each thread runs at least HAMMER_NSEC and HAMMER_MIN_GETS gets, so the
 * threads overlap even on a loaded machine, but stops at HAMMER_MAX_NSEC. */
#define HAMMER_NSEC 500000000ull
#define HAMMER_MAX_NSEC 5000000000ull
#define HAMMER_MIN_GETS 20000
#define HAMMER_HOLD 96

struct hammer {
	struct mempool *mp;
	uint64_t deadline_ns, hard_deadline_ns;
	int failed;
	char why[160];
	uint64_t gets[3];
	uint64_t enoent[3];
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void hammer_fail(struct hammer *h, const char *why, unsigned worker)
{
	int expected = 0;
	if (__atomic_compare_exchange_n(&h->failed, &expected, 1, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		snprintf(h->why, sizeof(h->why), "worker %u: %s", worker, why);
}

/* The first word of each object records who holds it: claiming an object
 * already held means the pool handed it out twice. */
static int hammer_run(struct hammer *h, unsigned worker)
{
	void *held[HAMMER_HOLD];
	unsigned nb_held = 0;
	uint64_t rng = 0x9e3779b97f4a7c15ull * (worker + 1);
	uintptr_t me = worker + 1;

	for (uint64_t iter = 1; !__atomic_load_n(&h->failed, __ATOMIC_RELAXED); iter++) {
		if (iter % 256 == 0) {
			uint64_t now = now_ns();
			if ((now > h->deadline_ns && h->gets[worker] >= HAMMER_MIN_GETS) ||
			    now > h->hard_deadline_ns)
				break;
		}
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		unsigned n = (unsigned)(rng % 40) + 1; /* some above the cache size */
		if (nb_held + n <= HAMMER_HOLD && (rng & 0x100)) {
			h->gets[worker]++;
			if (mempool_get_bulk(h->mp, &held[nb_held], n) != 0) {
				h->enoent[worker]++;
				continue;
			}
			for (unsigned i = 0; i < n; i++) {
				uintptr_t expected = 0;
				if (!__atomic_compare_exchange_n((uintptr_t *)held[nb_held + i],
								 &expected, me, false,
								 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
					hammer_fail(h, "got an object another thread holds", worker);
					return -1;
				}
			}
			nb_held += n;
		} else if (nb_held > 0) {
			n = EAL_MIN(n, nb_held);
			nb_held -= n;
			for (unsigned i = 0; i < n; i++)
				__atomic_store_n((uintptr_t *)held[nb_held + i], 0, __ATOMIC_RELEASE);
			mempool_put_bulk(h->mp, &held[nb_held], n);
		}
	}
	for (unsigned i = 0; i < nb_held; i++)
		__atomic_store_n((uintptr_t *)held[i], 0, __ATOMIC_RELEASE);
	mempool_put_bulk(h->mp, held, nb_held);
	return 0;
}

static int hammer_lcore(void *arg)
{
	return hammer_run(arg, eal_lcore_id() == eal_main_lcore() ? 0 : 1);
}

static void *hammer_thread(void *arg)
{
	hammer_run(arg, 2);
	return NULL;
}

static void check_owner_clear(struct mempool *mp, void *arg, void *obj, unsigned idx)
{
	(void)mp;
	(void)idx;
	if (*(uintptr_t *)obj != 0)
		++*(unsigned *)arg;
}

static void hammer_report(const struct hammer *h, const char *phase)
{
	printf("    %s: gets main %llu, worker %llu, non-EAL %llu; "
	       "refused (pool empty) %llu/%llu/%llu\n", phase,
	       (unsigned long long)h->gets[0], (unsigned long long)h->gets[1],
	       (unsigned long long)h->gets[2], (unsigned long long)h->enoent[0],
	       (unsigned long long)h->enoent[1], (unsigned long long)h->enoent[2]);
}

static void hammer_arm(struct hammer *h)
{
	uint64_t start = now_ns();
	h->deadline_ns = start + HAMMER_NSEC;
	h->hard_deadline_ns = start + HAMMER_MAX_NSEC;
	memset(h->gets, 0, sizeof(h->gets));
	memset(h->enoent, 0, sizeof(h->enoent));
}

static void test_two_lcores_hammer(void **state)
{
	(void)state;
	if (!two_lcores)
		skip(); /* eal_init -l 0-1 failed: this machine has one CPU */
	/* Few objects for threads holding up to 96 each: gets fail often, so
	 * the exhaustion paths race too. */
	struct mempool *mp = mempool_create("mp_hammer", 256, 64, 32, 0,
					    NULL, NULL, NULL, NULL, EAL_SOCKET_ID_ANY, 0);
	assert_non_null(mp);
	struct hammer h = { .mp = mp };
	unsigned worker = eal_lcore_next(UINT32_MAX, true);
	assert_true(worker < EAL_MAX_LCORES);

	/* Phase 1: the main lcore and the worker lcore, each with its cache. */
	hammer_arm(&h);
	assert_int_equal(eal_mp_remote_launch(hammer_lcore, &h, true), 0);
	eal_mp_wait_lcore();
	if (h.failed)
		fail_msg("%s", h.why);
	hammer_report(&h, "main + worker lcores");
	assert_true(h.gets[0] >= HAMMER_MIN_GETS && h.gets[1] >= HAMMER_MIN_GETS);

	/* Phase 2: the worker lcore and a non-EAL thread (no cache). The
	 * thread inherits the main lcore's CPU, so the main lcore only waits:
	 * two users of one multi-producer ring must not share a CPU (see
	 * ring.h), or each preemption inside an operation stalls the other. */
	pthread_t t;
	hammer_arm(&h);
	assert_int_equal(eal_remote_launch(hammer_lcore, &h, worker), 0);
	assert_int_equal(pthread_create(&t, NULL, hammer_thread, &h), 0);
	pthread_join(t, NULL);
	assert_int_equal(eal_wait_lcore(worker), 0);
	if (h.failed)
		fail_msg("%s", h.why);
	hammer_report(&h, "worker lcore + non-EAL thread");
	assert_true(h.gets[1] >= HAMMER_MIN_GETS && h.gets[2] >= HAMMER_MIN_GETS);

	/* Every object is back: in the ring or a cache. */
	assert_int_equal(mempool_avail_count(mp), 256);
	assert_int_equal(mempool_in_use_count(mp), 0);
	assert_true(mempool_full(mp));
	unsigned still_owned = 0;
	mempool_obj_iter(mp, check_owner_clear, &still_owned);
	assert_int_equal(still_owned, 0);
	/* And they can all be taken again, each once. */
	void *objs[256];
	unsigned got = 0;
	while (got < 256 && mempool_get(mp, &objs[got]) == 0)
		got++;
	/* The worker's cache keeps what it holds from this (main) lcore. */
	assert_int_equal(got + mp->local_cache[worker].len, 256);
	assert_all_distinct(objs, got);
	mempool_put_bulk(mp, objs, got);
	assert_true(mempool_full(mp));
	mempool_free(mp);
}

struct walk_seen {
	bool a, b;
	unsigned total;
};

static void walk_cb(struct mempool *mp, void *arg)
{
	struct walk_seen *w = arg;
	w->total++;
	if (strcmp(mempool_name(mp), "mp_walk_a") == 0)
		w->a = true;
	if (strcmp(mempool_name(mp), "mp_walk_b") == 0)
		w->b = true;
}

static void free_cb(struct mempool *mp, void *arg)
{
	(void)arg;
	if (strncmp(mempool_name(mp), "mp_walk_", 8) == 0)
		mempool_free(mp);
}

static void test_walk_and_dump(void **state)
{
	(void)state;
	struct mempool *a = mempool_create("mp_walk_a", 64, 64, 0, 0, NULL, NULL, NULL,
					   NULL, EAL_SOCKET_ID_ANY, MEMPOOL_F_SP_PUT | MEMPOOL_F_SC_GET);
	struct mempool *b = mempool_create("mp_walk_b", 128, 64, 16, 0, NULL, NULL, NULL,
					   NULL, EAL_SOCKET_ID_ANY, 0);
	assert_non_null(a);
	assert_non_null(b);
	struct walk_seen w = { 0 };
	mempool_walk(walk_cb, &w);
	assert_true(w.a && w.b);
	assert_true(w.total >= 2);

	void *obj;
	assert_int_equal(mempool_get(b, &obj), 0);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	mempool_dump(f, b);
	mempool_dump(f, NULL);
	fclose(f);
	assert_non_null(strstr(buf, "\"mp_walk_b\""));
	assert_non_null(strstr(buf, "avail=127 in_use=1"));
	assert_non_null(strstr(buf, "cached"));
	assert_non_null(strstr(buf, "chunks="));
	free(buf);
	mempool_put(b, obj);

	/* A walk callback may free the pool it is given. */
	mempool_walk(free_cb, NULL);
	assert_null(mempool_lookup("mp_walk_a"));
	assert_null(mempool_lookup("mp_walk_b"));
}

/* Pools left at eal_cleanup() are freed with the memory, so a new EAL
 * session starts with an empty registry. Runs last: it restarts the EAL. */
static void test_cleanup_frees_pools(void **state)
{
	(void)state;
	assert_non_null(mempool_create("mp_left", 64, 64, 0, 0, NULL, NULL, NULL, NULL,
				       EAL_SOCKET_ID_ANY, 0));
	eal_cleanup();
	assert_null(mempool_lookup("mp_left"));
	errno = 0;
	assert_null(mempool_create("mp_no_eal", 64, 64, 0, 0, NULL, NULL, NULL, NULL,
				   EAL_SOCKET_ID_ANY, 0));
	assert_int_not_equal(errno, 0);
	assert_int_equal(eal_start(), 0);
	assert_null(mempool_lookup("mp_left"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_create_lookup_free),
		cmocka_unit_test(test_layout_iova_chunks),
		cmocka_unit_test(test_exhaustion_all_or_nothing),
		cmocka_unit_test(test_cache_accounting),
		cmocka_unit_test(test_non_eal_thread_bypasses_cache),
		cmocka_unit_test(test_two_lcores_hammer),
		cmocka_unit_test(test_walk_and_dump),
		cmocka_unit_test(test_cleanup_frees_pools),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
