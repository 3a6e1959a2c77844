/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DMA memory through eal_init() with real options. Built three times, once
 * per backing (MT_BACKING): --no-huge (runs anywhere), hugetlbfs files, and
 * --in-memory (both need free hugepages and skip without them).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <cmocka.h>

#include "eal.h"
#include "mem_test_util.h"

#define BACKING_NOHUGE 0
#define BACKING_HUGETLBFS 1
#define BACKING_INMEMORY 2

#ifndef MT_BACKING
#error "build with -DMT_BACKING=0|1|2"
#endif

#if MT_BACKING == BACKING_NOHUGE
static const char *const backing_args[] = { "--no-huge", NULL };
#define BACKING_TAG "umn"
#elif MT_BACKING == BACKING_HUGETLBFS
static const char *const backing_args[] = { NULL };
#define BACKING_TAG "umh"
#else
static const char *const backing_args[] = { "--in-memory", NULL };
#define BACKING_TAG "umi"
#endif

#define MiB ((size_t)1 << 20)

/* Free hugepages the program needs at most at once. */
#define NEED_PAGES 48

static const char *unavailable(void)
{
#if MT_BACKING == BACKING_NOHUGE
	return "";
#else
	return mt_hugepage_unavailable(MT_BACKING == BACKING_HUGETLBFS, NEED_PAGES);
#endif
}

#define REQUIRE_BACKING()                                                   \
	do {                                                                \
		const char *why_ = unavailable();                           \
		if (why_[0] != '\0') {                                      \
			print_message("skipped: %s\n", why_);               \
			skip();                                             \
		}                                                           \
	} while (0)

/* eal_init with the backing's options plus @extra (NULL-terminated). */
static int init_with(const char *const *extra)
{
	const char *args[24];
	unsigned n = 0, i;

	for (i = 0; backing_args[i] != NULL; i++)
		args[n++] = backing_args[i];
	for (i = 0; extra != NULL && extra[i] != NULL && n < 23; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	return mt_eal_init(args);
}

static void init_default(void)
{
	int ret = init_with(NULL);

	if (ret < 0)
		fail_msg("eal_init failed: %d (%s)", ret, strerror(-ret));
}

static int teardown_eal(void **state)
{
	(void)state;
	eal_cleanup();
	return 0;
}

static bool all_zero(const void *p, size_t len)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (c[i] != 0)
			return false;
	return true;
}

/* ---- before eal_init ---------------------------------------------------- */

static void test_not_initialised(void **state)
{
	struct eal_dma_stats st;
	char *log;

	(void)state;
	mt_log_capture_start();
	errno = 0;
	assert_null(eal_dma_zalloc("early", 64, 0, EAL_SOCKET_ID_ANY, NULL));
	assert_int_equal(errno, ENODEV);
	log = mt_log_capture_end();
	assert_non_null(strstr(log, "eal_init"));
	free(log);
	assert_int_equal(eal_dma_page_size(), 0);
	eal_dma_stats_get(&st);
	assert_int_equal(st.nb_segs, 0);
	assert_int_equal(st.total_bytes, 0);
	assert_int_equal(eal_virt2iova(&st), EAL_BAD_IOVA);
	eal_dma_free(NULL);
}

/* ---- allocation --------------------------------------------------------- */

static void test_alloc_basic(void **state)
{
	const struct eal_memseg *seg;
	struct eal_dma_stats st;
	uint64_t iova = 0;
	size_t page;
	char *p;

	(void)state;
	REQUIRE_BACKING();
	init_default();
	page = eal_dma_page_size();
#if MT_BACKING == BACKING_NOHUGE
	assert_int_equal(page, (size_t)sysconf(_SC_PAGESIZE));
#else
	assert_int_equal(page, mt_default_hugepage_size());
#endif
	assert_int_equal(eal_iova_mode(), EAL_IOVA_VA);

	p = eal_dma_zalloc("basic", 1000, 0, EAL_SOCKET_ID_ANY, &iova);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % CACHE_LINE_SIZE, 0);
	assert_true(all_zero(p, 1000));
	memset(p, 0xa5, 1000);
	/* IOVA as VA */
	assert_int_equal(iova, (uint64_t)(uintptr_t)p);
	assert_int_equal(eal_virt2iova(p + 999), iova + 999);

	seg = eal_memseg_find(p);
	assert_non_null(seg);
	assert_true((char *)seg->addr <= p && p + 1000 <= (char *)seg->addr + seg->len);
	assert_int_equal(seg->page_size, page);
	assert_true(seg->socket_id >= 0 && seg->socket_id < UPDK_MAX_NUMA_NODES);
	assert_true(seg->fd >= 0);

	eal_dma_stats_get(&st);
	assert_int_equal(st.nb_allocs, 1);
	assert_true(st.used_bytes >= 1000 && st.used_bytes < 1000 + CACHE_LINE_SIZE);
	assert_int_equal(mt_check_segments(), 1);

	eal_dma_free(p);
	eal_dma_stats_get(&st);
	assert_int_equal(st.nb_allocs, 0);
	assert_int_equal(st.used_bytes, 0);
	/* A wholly free area goes back to the system. */
	assert_int_equal(st.nb_segs, 0);
	assert_int_equal(st.total_bytes, 0);
}

static void test_alignment(void **state)
{
	size_t aligns[] = { 0, 1, 2, 8, 64, 128, 256, 4096, 65536, (size_t)2 << 20 };
	void *ptrs[EAL_DIM(aligns) * 3];
	unsigned i, n = 0;

	(void)state;
	REQUIRE_BACKING();
	init_default();
	for (i = 0; i < EAL_DIM(aligns); i++) {
		size_t sizes[] = { 1, 100, 5000 };
		size_t want = aligns[i] < CACHE_LINE_SIZE ? CACHE_LINE_SIZE : aligns[i];
		unsigned k;

		for (k = 0; k < EAL_DIM(sizes); k++) {
			char *p = eal_dma_zalloc("align", sizes[k], aligns[i], 0, NULL);

			assert_non_null(p);
			if ((uintptr_t)p % want != 0)
				fail_msg("size %zu align %zu gave %p", sizes[k],
					 aligns[i], (void *)p);
			assert_true(all_zero(p, sizes[k]));
			memset(p, 0x5a, sizes[k]);
			ptrs[n++] = p;
		}
	}
	mt_check_segments();
	for (i = 0; i < n; i++)
		eal_dma_free(ptrs[i]);
	mt_check_segments();
}

static void test_zeroing_after_reuse(void **state)
{
	struct eal_dma_stats st;
	char *keep, *p, *q;

	(void)state;
	REQUIRE_BACKING();
	init_default();
	/* Keep the area alive so that the freed block is really reused. */
	keep = eal_dma_zalloc("keep", 64, 0, 0, NULL);
	assert_non_null(keep);
	p = eal_dma_zalloc("dirty", 256 * 1024, 0, 0, NULL);
	assert_non_null(p);
	memset(p, 0xff, 256 * 1024);
	eal_dma_free(p);
	q = eal_dma_zalloc("clean", 256 * 1024, 0, 0, NULL);
	assert_non_null(q);
	assert_ptr_equal(p, q); /* first fit: the same place */
	assert_true(all_zero(q, 256 * 1024));
	eal_dma_stats_get(&st);
	assert_int_equal(st.nb_segs, 1);
	eal_dma_free(q);
	eal_dma_free(keep);
}

struct live_alloc {
	unsigned char *p;
	size_t size;
	unsigned char tag;
};

static int cmp_live(const void *a, const void *b)
{
	const struct live_alloc *x = a, *y = b;

	return x->p < y->p ? -1 : x->p > y->p;
}

static void check_live(const struct live_alloc *live, unsigned n)
{
	struct live_alloc sorted[256];
	struct eal_dma_stats st;
	size_t sum = 0;
	unsigned i;

	memcpy(sorted, live, n * sizeof(*live));
	qsort(sorted, n, sizeof(*sorted), cmp_live);
	for (i = 0; i < n; i++) {
		const struct eal_memseg *seg = eal_memseg_find(sorted[i].p);

		sum += sorted[i].size;
		if (i + 1 < n && sorted[i].p + sorted[i].size > sorted[i + 1].p)
			fail_msg("allocations %p+%zu and %p overlap", (void *)sorted[i].p,
				 sorted[i].size, (void *)sorted[i + 1].p);
		assert_non_null(seg);
		/* IOVA as VA: an allocation never leaves its segment */
		assert_ptr_equal(eal_memseg_find(sorted[i].p + sorted[i].size - 1), seg);
	}
	eal_dma_stats_get(&st);
	assert_int_equal(st.nb_allocs, n);
	assert_true(st.used_bytes >= sum);
	assert_true(st.used_bytes <= sum + (size_t)n * CACHE_LINE_SIZE);
	mt_check_segments();
}

static void test_many_alloc_free(void **state)
{
	struct live_alloc live[256];
	struct eal_dma_stats st;
	unsigned n = 0, op, i;
	unsigned char tag = 1;

	(void)state;
	REQUIRE_BACKING();
	init_default();
	srand(12345);
	for (op = 0; op < 3000; op++) {
		bool do_alloc = n == 0 || (n < EAL_DIM(live) && rand() % 100 < 55);

		if (do_alloc) {
			size_t size = 1 + (size_t)rand() % (rand() % 8 == 0 ? 512 * 1024 : 4096);
			size_t align = (size_t)1 << (rand() % 13);
			struct live_alloc *a = &live[n];

			a->p = eal_dma_zalloc("many", size, align, EAL_SOCKET_ID_ANY, NULL);
			assert_non_null(a->p);
			assert_int_equal((uintptr_t)a->p % (align < 64 ? 64 : align), 0);
			if (!all_zero(a->p, size))
				fail_msg("allocation %u of %zu bytes is not zeroed", op, size);
			a->size = size;
			a->tag = tag++;
			if (tag == 0)
				tag = 1;
			memset(a->p, a->tag, size);
			n++;
		} else {
			unsigned k = (unsigned)rand() % n;
			struct live_alloc *a = &live[k];

			/* Nobody else wrote into it: no overlap with neighbours. */
			for (i = 0; i < a->size; i++)
				if (a->p[i] != a->tag)
					fail_msg("allocation %p byte %u overwritten",
						 (void *)a->p, i);
			eal_dma_free(a->p);
			live[k] = live[--n];
		}
		if (op % 100 == 0)
			check_live(live, n);
	}
	check_live(live, n);
	while (n > 0)
		eal_dma_free(live[--n].p);
	eal_dma_stats_get(&st);
	assert_int_equal(st.nb_allocs, 0);
	assert_int_equal(st.used_bytes, 0);
	assert_int_equal(st.nb_segs, 0);
	assert_int_equal(st.total_bytes, 0);
}

/* Threads allocating and freeing at once: the lock keeps every allocation
 * to itself (each thread checks its own pattern). */
struct worker {
	pthread_t tid;
	unsigned seed;
	unsigned char tag;
	int failures;
};

static void *alloc_free_worker(void *arg)
{
	struct worker *w = arg;
	unsigned char *held[16] = { NULL };
	size_t sizes[16] = { 0 };
	unsigned i, k;

	for (i = 0; i < 400; i++) {
		k = (unsigned)rand_r(&w->seed) % 16;
		if (held[k] != NULL) {
			size_t j;

			for (j = 0; j < sizes[k]; j++)
				if (held[k][j] != w->tag)
					w->failures++;
			eal_dma_free(held[k]);
			held[k] = NULL;
			continue;
		}
		sizes[k] = 1 + (size_t)rand_r(&w->seed) % 20000;
		held[k] = eal_dma_zalloc("thread", sizes[k], 0, EAL_SOCKET_ID_ANY, NULL);
		if (held[k] == NULL || !all_zero(held[k], sizes[k])) {
			w->failures++;
			continue;
		}
		memset(held[k], w->tag, sizes[k]);
	}
	for (k = 0; k < 16; k++)
		eal_dma_free(held[k]);
	return NULL;
}

static void test_concurrent_alloc_free(void **state)
{
	struct worker workers[4];
	struct eal_dma_stats st;
	unsigned i;

	(void)state;
	REQUIRE_BACKING();
	init_default();
	for (i = 0; i < EAL_DIM(workers); i++) {
		workers[i] = (struct worker){ .seed = 77 + i, .tag = (unsigned char)(0x10 + i) };
		assert_int_equal(pthread_create(&workers[i].tid, NULL, alloc_free_worker,
						&workers[i]), 0);
	}
	for (i = 0; i < EAL_DIM(workers); i++) {
		assert_int_equal(pthread_join(workers[i].tid, NULL), 0);
		assert_int_equal(workers[i].failures, 0);
	}
	eal_dma_stats_get(&st);
	assert_int_equal(st.nb_allocs, 0);
	assert_int_equal(st.nb_segs, 0);
}

static void test_large_alloc(void **state)
{
	const struct eal_memseg *seg;
	size_t size = 40 * MiB + 12345;
	unsigned char *p;

	(void)state;
	REQUIRE_BACKING();
	init_default();
	p = eal_dma_zalloc("large", size, 0, EAL_SOCKET_ID_ANY, NULL);
	assert_non_null(p);
	seg = eal_memseg_find(p);
	assert_non_null(seg);
	assert_ptr_equal(eal_memseg_find(p + size - 1), seg);
	assert_int_equal(eal_virt2iova(p + size - 1), eal_virt2iova(p) + size - 1);
	assert_true(all_zero(p + size - 4096, 4096));
	p[size - 1] = 1;
	mt_check_segments();
	eal_dma_free(p);
}

/* The (fd, offset) of a segment is what a vfio-user peer maps: check that a
 * second mapping of it shows the same bytes, both ways. */
static void test_fd_offset_maps_same_bytes(void **state)
{
	const struct eal_memseg *seg;
	size_t page, in_seg, in_page;
	volatile unsigned char *alias;
	unsigned char *p, *q;
	off_t file_off;
	void *map;

	(void)state;
	REQUIRE_BACKING();
	init_default();
	/* A first allocation so that the interesting one is not at offset 0. */
	q = eal_dma_zalloc("first", 3 * 4096 + 64, 0, 0, NULL);
	assert_non_null(q);
	p = eal_dma_zalloc("shared", 4096, 4096, 0, NULL);
	assert_non_null(p);
	seg = eal_memseg_find(p);
	assert_non_null(seg);
	page = seg->page_size;
	in_seg = (size_t)(p - (unsigned char *)seg->addr);
	in_page = in_seg % page;
	file_off = seg->fd_offset + (off_t)(in_seg - in_page);

	map = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, seg->fd, file_off);
	assert_true(map != MAP_FAILED);
	alias = (volatile unsigned char *)map + in_page;
	assert_ptr_not_equal((void *)(uintptr_t)alias, p);

	p[0] = 0x11;
	p[4095] = 0x22;
	assert_int_equal(alias[0], 0x11);
	assert_int_equal(alias[4095], 0x22);
	alias[100] = 0x33;
	assert_int_equal(p[100], 0x33);
	munmap(map, page);
	eal_dma_free(p);
	eal_dma_free(q);
}

/* ---- events ------------------------------------------------------------- */

#define MAX_EVENTS 64

struct event_log {
	unsigned n;
	struct {
		enum eal_mem_event ev;
		struct eal_memseg seg;
	} e[MAX_EVENTS];
	/* refuse the ALLOC numbered fail_at (1-based) with fail_ret */
	unsigned allocs_seen;
	unsigned fail_at;
	int fail_ret;
};

static int record_event(enum eal_mem_event ev, const struct eal_memseg *seg,
			void *arg)
{
	struct event_log *log = arg;

	if (ev == EAL_MEM_EVENT_ALLOC && ++log->allocs_seen == log->fail_at)
		return log->fail_ret;
	if (log->n < MAX_EVENTS) {
		log->e[log->n].ev = ev;
		log->e[log->n].seg = *seg;
		log->n++;
	}
	return 0;
}

static void test_events_growth_and_release(void **state)
{
	struct event_log log = { 0 };
	const struct eal_memseg *seg;
	struct eal_memseg copy;
	char *a, *b;

	(void)state;
	REQUIRE_BACKING();
	init_default();
	assert_int_equal(eal_mem_event_callback_register("rec", record_event, &log, true), 0);
	assert_int_equal(log.n, 0); /* nothing mapped yet */

	a = eal_dma_zalloc("a", 4096, 0, 0, NULL);
	assert_non_null(a);
	assert_int_equal(log.n, 1);
	assert_int_equal(log.e[0].ev, EAL_MEM_EVENT_ALLOC);
	seg = eal_memseg_find(a);
	assert_non_null(seg);
	assert_int_equal(log.e[0].seg.id, seg->id);
	assert_ptr_equal(log.e[0].seg.addr, seg->addr);
	assert_int_equal(log.e[0].seg.len, seg->len);
	assert_int_equal(log.e[0].seg.iova, seg->iova);
	assert_int_equal(log.e[0].seg.fd, seg->fd);
	copy = *seg;

	/* Fits in the same segment: no event. */
	b = eal_dma_zalloc("b", 4096, 0, 0, NULL);
	assert_non_null(b);
	assert_ptr_equal(eal_memseg_find(b), seg);
	assert_int_equal(log.n, 1);

	eal_dma_free(a);
	assert_int_equal(log.n, 1); /* b still lives there */
	eal_dma_free(b);
	assert_int_equal(log.n, 2);
	assert_int_equal(log.e[1].ev, EAL_MEM_EVENT_FREE);
	assert_int_equal(log.e[1].seg.id, copy.id);
	assert_ptr_equal(log.e[1].seg.addr, copy.addr);
	assert_int_equal(log.e[1].seg.len, copy.len);

	assert_int_equal(eal_mem_event_callback_unregister(record_event, &log, false), 0);
	a = eal_dma_zalloc("after", 64, 0, 0, NULL);
	assert_non_null(a);
	assert_int_equal(log.n, 2); /* unsubscribed */
	eal_dma_free(a);
	assert_int_equal(eal_mem_event_callback_unregister(record_event, &log, false),
			 -ENOENT);
}

/* A container may subscribe before eal_init(): it hears the first segment. */
static void test_events_subscribed_before_init(void **state)
{
	struct event_log log = { 0 };
	char *p;

	(void)state;
	REQUIRE_BACKING();
	assert_int_equal(eal_mem_event_callback_register("early", record_event, &log, true), 0);
	init_default();
	p = eal_dma_zalloc("first", 64, 0, 0, NULL);
	assert_non_null(p);
	assert_int_equal(log.n, 1);
	assert_int_equal(log.e[0].ev, EAL_MEM_EVENT_ALLOC);
	assert_int_equal(log.e[0].seg.id, eal_memseg_find(p)->id);
	eal_dma_free(p);
	assert_int_equal(log.n, 2);
	assert_int_equal(eal_mem_event_callback_unregister(record_event, &log, false), 0);
}

struct walk_ids {
	unsigned n;
	unsigned id[MAX_EVENTS];
};

static int collect_ids(const struct eal_memseg *seg, void *arg)
{
	struct walk_ids *w = arg;

	if (w->n < MAX_EVENTS)
		w->id[w->n++] = seg->id;
	return 0;
}

/* Two areas: each allocation is bigger than what the first area has left. */
static void alloc_two_areas(char **a, char **b)
{
	struct eal_dma_stats st;

	*a = eal_dma_zalloc("area1", 17 * MiB, 0, 0, NULL);
	assert_non_null(*a);
	*b = eal_dma_zalloc("area2", 17 * MiB, 0, 0, NULL);
	assert_non_null(*b);
	eal_dma_stats_get(&st);
	assert_true(st.nb_segs >= 2);
}

static void test_events_replay(void **state)
{
	struct event_log log = { 0 };
	struct walk_ids ids = { 0 };
	unsigned i;
	char *a, *b;

	(void)state;
	REQUIRE_BACKING();
	init_default();
	alloc_two_areas(&a, &b);
	assert_int_equal(eal_memseg_walk(collect_ids, &ids), 0);

	assert_int_equal(eal_mem_event_callback_register("replay", record_event, &log, true), 0);
	assert_int_equal(log.n, ids.n);
	for (i = 0; i < ids.n; i++) {
		assert_int_equal(log.e[i].ev, EAL_MEM_EVENT_ALLOC);
		assert_int_equal(log.e[i].seg.id, ids.id[i]);
	}
	/* Same callback and argument: refused, nothing replayed. */
	assert_int_equal(eal_mem_event_callback_register("again", record_event, &log, true),
			 -EEXIST);
	assert_int_equal(log.n, ids.n);

	assert_int_equal(eal_mem_event_callback_unregister(record_event, &log, true), 0);
	assert_int_equal(log.n, 2 * ids.n);
	for (i = 0; i < ids.n; i++)
		assert_int_equal(log.e[ids.n + i].ev, EAL_MEM_EVENT_FREE);

	/* Without replay nothing is announced either way. */
	log.n = 0;
	assert_int_equal(eal_mem_event_callback_register("quiet", record_event, &log, false), 0);
	assert_int_equal(eal_mem_event_callback_unregister(record_event, &log, false), 0);
	assert_int_equal(log.n, 0);

	/* A replay refused half-way: the segments already told are taken
	 * back and the subscription is not made. */
	memset(&log, 0, sizeof(log));
	log.fail_at = 2;
	log.fail_ret = -EFAULT;
	mt_log_capture_start();
	assert_int_equal(eal_mem_event_callback_register("refuse", record_event, &log, true),
			 -EFAULT);
	free(mt_log_capture_end());
	assert_int_equal(log.n, 2);
	assert_int_equal(log.e[0].ev, EAL_MEM_EVENT_ALLOC);
	assert_int_equal(log.e[1].ev, EAL_MEM_EVENT_FREE);
	assert_int_equal(log.e[1].seg.id, log.e[0].seg.id);
	assert_int_equal(eal_mem_event_callback_unregister(record_event, &log, false),
			 -ENOENT);

	eal_dma_free(a);
	eal_dma_free(b);
}

static void test_events_refusal_fails_allocation(void **state)
{
	struct event_log first = { 0 }, refuser = { 0 };
	struct eal_dma_stats before, after;
	int files_before = 0;
	char *keep, *p;

	(void)state;
	REQUIRE_BACKING();
	init_default();
	keep = eal_dma_zalloc("keep", 64, 0, 0, NULL);
	assert_non_null(keep);
	assert_int_equal(eal_mem_event_callback_register("first", record_event, &first, true), 0);
	assert_int_equal(eal_mem_event_callback_register("refuser", record_event, &refuser, true), 0);
	assert_int_equal(first.n, 1);
	assert_int_equal(refuser.n, 1);

	eal_dma_stats_get(&before);
	files_before = mt_count_files_all_mounts(mt_prefix);
	refuser.fail_at = refuser.allocs_seen + 1;
	refuser.fail_ret = -ENOSPC;
	mt_log_capture_start();
	errno = 0;
	p = eal_dma_zalloc("refused", 32 * MiB, 0, 0, NULL);
	free(mt_log_capture_end());
	assert_null(p);
	assert_int_equal(errno, ENOSPC);

	/* No trace of the refused segment, and "first" heard both ends. */
	eal_dma_stats_get(&after);
	assert_int_equal(after.nb_segs, before.nb_segs);
	assert_int_equal(after.total_bytes, before.total_bytes);
	assert_int_equal(after.nb_allocs, before.nb_allocs);
	mt_check_segments();
	assert_int_equal(mt_count_files_all_mounts(mt_prefix), files_before);
	assert_int_equal(first.n, 3);
	assert_int_equal(first.e[1].ev, EAL_MEM_EVENT_ALLOC);
	assert_int_equal(first.e[2].ev, EAL_MEM_EVENT_FREE);
	assert_int_equal(first.e[2].seg.id, first.e[1].seg.id);
	assert_int_equal(refuser.n, 1);

	/* Accepted again: the allocation works. */
	refuser.fail_at = 0;
	p = eal_dma_zalloc("accepted", 32 * MiB, 0, 0, NULL);
	assert_non_null(p);
	assert_int_equal(refuser.n, 2);
	eal_dma_free(p);
	eal_dma_free(keep);
	assert_int_equal(eal_mem_event_callback_unregister(record_event, &first, false), 0);
	assert_int_equal(eal_mem_event_callback_unregister(record_event, &refuser, false), 0);
}

static void test_events_slots(void **state)
{
	struct event_log logs[64];
	unsigned n = 0, i;
	int ret = 0;

	(void)state;
	REQUIRE_BACKING();
	init_default();
	mt_log_capture_start();
	assert_int_equal(eal_mem_event_callback_register("null", NULL, NULL, false), -EINVAL);
	for (n = 0; n < EAL_DIM(logs); n++) {
		ret = eal_mem_event_callback_register("slot", record_event, &logs[n], false);
		if (ret != 0)
			break;
	}
	free(mt_log_capture_end());
	assert_int_equal(ret, -ENOSPC);
	assert_true(n >= 4);
	for (i = 0; i < n; i++)
		assert_int_equal(eal_mem_event_callback_unregister(record_event, &logs[i], false), 0);
	/* Slots are reusable. */
	assert_int_equal(eal_mem_event_callback_register("slot", record_event, &logs[0], false), 0);
	assert_int_equal(eal_mem_event_callback_unregister(record_event, &logs[0], false), 0);
}

struct reentry {
	int find_ok;
	int alloc_errno;
	int calls;
};

static int reentrant_cb(enum eal_mem_event ev, const struct eal_memseg *seg, void *arg)
{
	struct reentry *r = arg;
	void *p;

	if (ev != EAL_MEM_EVENT_ALLOC)
		return 0;
	r->calls++;
	/* Looking memory up from a callback is allowed ... */
	r->find_ok = eal_memseg_find(seg->addr) == seg &&
		     eal_virt2iova(seg->addr) == seg->iova;
	/* ... changing it is refused instead of deadlocking. */
	errno = 0;
	p = eal_dma_zalloc("inside", 64, 0, 0, NULL);
	r->alloc_errno = p == NULL ? errno : 0;
	eal_dma_free(p);
	return 0;
}

static int alloc_in_walk(const struct eal_memseg *seg, void *arg)
{
	int *err = arg;
	void *p;

	(void)seg;
	errno = 0;
	p = eal_dma_zalloc("walk", 64, 0, 0, NULL);
	*err = p == NULL ? errno : 0;
	eal_dma_free(p);
	return 1;
}

static void test_callback_reentry(void **state)
{
	struct reentry r = { 0 };
	char *p;

	(void)state;
	REQUIRE_BACKING();
	init_default();
	assert_int_equal(eal_mem_event_callback_register("reenter", reentrant_cb, &r, true), 0);
	mt_log_capture_start();
	p = eal_dma_zalloc("outer", 64, 0, 0, NULL);
	free(mt_log_capture_end());
	assert_non_null(p);
	assert_int_equal(r.calls, 1);
	assert_true(r.find_ok);
	assert_int_equal(r.alloc_errno, EDEADLK);
	/* the same inside a walk */
	mt_log_capture_start();
	r.alloc_errno = 0;
	assert_int_equal(eal_memseg_walk(alloc_in_walk, &r.alloc_errno), 1);
	free(mt_log_capture_end());
	assert_int_equal(r.alloc_errno, EDEADLK);
	eal_dma_free(p);
	assert_int_equal(eal_mem_event_callback_unregister(reentrant_cb, &r, false), 0);
}

/* ---- limits and bad input ----------------------------------------------- */

static void test_mem_limit(void **state)
{
	const char *const args[] = { "-m", "32", NULL };
	struct eal_dma_stats st;
	char *a, *b, *c, *log;

	(void)state;
	REQUIRE_BACKING();
	assert_true(init_with(args) >= 0);
	a = eal_dma_zalloc("a", 20 * MiB, 0, EAL_SOCKET_ID_ANY, NULL);
	assert_non_null(a);
	mt_log_capture_start();
	errno = 0;
	b = eal_dma_zalloc("too-much", 20 * MiB, 0, EAL_SOCKET_ID_ANY, NULL);
	log = mt_log_capture_end();
	assert_null(b);
	assert_int_equal(errno, ENOMEM);
	if (strstr(log, "raise -m") == NULL)
		fail_msg("the -m error does not say what to do: %s", log);
	free(log);
	/* What is left under the limit is still usable. */
	c = eal_dma_zalloc("small", 1 * MiB, 0, EAL_SOCKET_ID_ANY, NULL);
	assert_non_null(c);
	eal_dma_stats_get(&st);
	assert_true(st.total_bytes <= 32 * MiB);
	eal_dma_free(a);
	eal_dma_free(c);
}

static void test_socket_mem_limit(void **state)
{
	const char *const args[] = { "--socket-mem", "16", NULL };
	char *a, *b, *log;

	(void)state;
	REQUIRE_BACKING();
	assert_true(init_with(args) >= 0);
	a = eal_dma_zalloc("a", 8 * MiB, 0, 0, NULL);
	assert_non_null(a);
	mt_log_capture_start();
	errno = 0;
	b = eal_dma_zalloc("b", 16 * MiB, 0, 0, NULL);
	log = mt_log_capture_end();
	assert_null(b);
	assert_int_equal(errno, ENOMEM);
	if (strstr(log, "--socket-mem") == NULL)
		fail_msg("the --socket-mem error does not say what to do: %s", log);
	free(log);
	eal_dma_free(a);
}

static void test_bad_arguments(void **state)
{
	struct eal_dma_stats st;
	int on_stack = 0;
	char *p, *log;

	(void)state;
	REQUIRE_BACKING();
	init_default();
	mt_log_capture_start();
	errno = 0;
	assert_null(eal_dma_zalloc("zero", 0, 0, 0, NULL));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(eal_dma_zalloc("align3", 64, 3, 0, NULL));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(eal_dma_zalloc("align2G", 64, (size_t)1 << 31, 0, NULL));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(eal_dma_zalloc("node", 64, 0, UPDK_MAX_NUMA_NODES, NULL));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(eal_dma_zalloc("node", 64, 0, -2, NULL));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(eal_dma_zalloc("huge", SIZE_MAX - 10, 0, 0, NULL));
	assert_int_equal(errno, ENOMEM);
	errno = 0;
	assert_null(eal_dma_zalloc(NULL, 0, 0, 0, NULL));
	assert_int_equal(errno, EINVAL);

	/* Frees of things that are not allocations are reported, not fatal. */
	p = eal_dma_zalloc("p", 128, 0, 0, NULL);
	assert_non_null(p);
	eal_dma_free(&on_stack);
	eal_dma_free(p + 64);
	eal_dma_free(p);
	eal_dma_free(p); /* twice */
	log = mt_log_capture_end();
	assert_non_null(strstr(log, "power of two"));
	assert_non_null(strstr(log, "not memory from eal_dma_zalloc"));
	free(log);
	eal_dma_stats_get(&st);
	assert_int_equal(st.nb_allocs, 0);
	assert_int_equal(eal_virt2iova(&on_stack), EAL_BAD_IOVA);
	assert_null(eal_memseg_find(&on_stack));
	assert_int_equal(eal_memseg_walk(NULL, NULL), -EINVAL);
}

/* ---- backing ------------------------------------------------------------ */

struct first_fd {
	int fd;
};

static int grab_fd(const struct eal_memseg *seg, void *arg)
{
	((struct first_fd *)arg)->fd = seg->fd;
	return 1;
}

static void test_backing(void **state)
{
	struct first_fd ff = { -1 };
	char link[64], target[PATH_MAX];
	ssize_t n;
	char *p;

	(void)state;
	REQUIRE_BACKING();
	init_default();
	p = eal_dma_zalloc("backing", 4096, 0, 0, NULL);
	assert_non_null(p);
	assert_int_equal(eal_memseg_walk(grab_fd, &ff), 1);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", ff.fd);
	n = readlink(link, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
#if MT_BACKING == BACKING_HUGETLBFS
	{
		struct statfs sfs;
		char name[128];

		/* "<mount>/<prefix>map_<N>" on hugetlbfs */
		snprintf(name, sizeof(name), "/%smap_", mt_prefix);
		if (strstr(target, name) == NULL)
			fail_msg("segment file %s is not named %s<N>", target, name);
		assert_int_equal(fstatfs(ff.fd, &sfs), 0);
		assert_true((unsigned long)sfs.f_type == (unsigned long)HUGETLBFS_MAGIC);
		/* the file and the prefix lock while running, nothing after */
		assert_int_equal(mt_count_files_all_mounts(mt_prefix), 2);
		eal_dma_free(p);
		assert_int_equal(mt_count_files_all_mounts(mt_prefix), 1);
		eal_cleanup();
		assert_int_equal(mt_count_files_all_mounts(mt_prefix), 0);
	}
#else
	/* memfd: no file anywhere */
	if (strncmp(target, "/memfd:", 7) != 0)
		fail_msg("segment fd is %s, not a memfd", target);
	assert_int_equal(mt_count_files_all_mounts(mt_prefix), 0);
	eal_dma_free(p);
	eal_cleanup();
	assert_int_equal(mt_count_files_all_mounts(mt_prefix), 0);
#endif
}

/* eal_cleanup() with allocations still live releases everything. */
static void test_cleanup_with_live_allocations(void **state)
{
	struct eal_dma_stats st;
	struct event_log log = { 0 };
	char *log_text;

	(void)state;
	REQUIRE_BACKING();
	init_default();
	assert_non_null(eal_dma_zalloc("leak1", 1 * MiB, 0, 0, NULL));
	assert_non_null(eal_dma_zalloc("leak2", 20 * MiB, 0, 0, NULL));
	assert_int_equal(eal_mem_event_callback_register("late", record_event, &log, false), 0);
	mt_log_capture_start();
	eal_cleanup();
	log_text = mt_log_capture_end();
	/* left registered: dropped, and named */
	assert_non_null(strstr(log_text, "'late' was still registered"));
	free(log_text);
	/* Subscribers still registered hear every segment go. */
	assert_true(log.n >= 2);
	assert_int_equal(log.e[0].ev, EAL_MEM_EVENT_FREE);
	eal_dma_stats_get(&st);
	assert_int_equal(st.nb_segs, 0);
	assert_int_equal(st.nb_allocs, 0);
	assert_int_equal(mt_count_files_all_mounts(mt_prefix), 0);
	/* and a new run starts clean */
	init_default();
	assert_int_equal(eal_mem_event_callback_unregister(record_event, &log, false), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_initialised),
		cmocka_unit_test_teardown(test_alloc_basic, teardown_eal),
		cmocka_unit_test_teardown(test_alignment, teardown_eal),
		cmocka_unit_test_teardown(test_zeroing_after_reuse, teardown_eal),
		cmocka_unit_test_teardown(test_many_alloc_free, teardown_eal),
		cmocka_unit_test_teardown(test_concurrent_alloc_free, teardown_eal),
		cmocka_unit_test_teardown(test_large_alloc, teardown_eal),
		cmocka_unit_test_teardown(test_fd_offset_maps_same_bytes, teardown_eal),
		cmocka_unit_test_teardown(test_events_growth_and_release, teardown_eal),
		cmocka_unit_test_teardown(test_events_subscribed_before_init, teardown_eal),
		cmocka_unit_test_teardown(test_events_replay, teardown_eal),
		cmocka_unit_test_teardown(test_events_refusal_fails_allocation, teardown_eal),
		cmocka_unit_test_teardown(test_events_slots, teardown_eal),
		cmocka_unit_test_teardown(test_callback_reentry, teardown_eal),
		cmocka_unit_test_teardown(test_mem_limit, teardown_eal),
		cmocka_unit_test_teardown(test_socket_mem_limit, teardown_eal),
		cmocka_unit_test_teardown(test_bad_arguments, teardown_eal),
		cmocka_unit_test_teardown(test_backing, teardown_eal),
		cmocka_unit_test_teardown(test_cleanup_with_live_allocations, teardown_eal),
	};

	mt_set_prefix(BACKING_TAG);
	return cmocka_run_group_tests_name("eal_memory_" BACKING_TAG, tests, NULL, NULL);
}
