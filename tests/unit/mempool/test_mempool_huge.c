/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mempool on real hugepages: IOVA-VA mode (one chunk) and, as root,
 * IOVA-PA mode (chunks of at most one page, IOVAs from the physical
 * addresses). Skips, saying why, when no hugepage is free.
 */
#include <errno.h>
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "eal.h"
#include "mempool.h"
#include "mempool_check.h"

#define SKIP_STATUS 77

static char file_prefix[64];

static unsigned long free_hugepages(void)
{
	glob_t g;
	unsigned long total = 0;

	if (glob("/sys/kernel/mm/hugepages/hugepages-*/free_hugepages", 0, NULL, &g) != 0)
		return 0;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		FILE *f = fopen(g.gl_pathv[i], "r");
		unsigned long n = 0;
		if (f != NULL) {
			if (fscanf(f, "%lu", &n) == 1)
				total += n;
			fclose(f);
		}
	}
	globfree(&g);
	return total;
}

static int eal_start(const char *iova_mode)
{
	char iova_opt[32];
	snprintf(iova_opt, sizeof(iova_opt), "--iova-mode=%s", iova_mode);
	char *argv[] = { "test_mempool_huge", "-l", "0", "--file-prefix", file_prefix,
			 iova_opt, NULL };
	return eal_init((int)EAL_DIM(argv) - 1, argv);
}

static void exercise(struct mempool *mp)
{
	unsigned n = mempool_size(mp);
	void **objs = calloc(n, sizeof(*objs));
	assert_non_null(objs);
	for (unsigned i = 0; i < n; i += 32)
		assert_int_equal(mempool_get_bulk(mp, &objs[i], EAL_MIN(32u, n - i)), 0);
	assert_true(mempool_empty(mp));
	assert_all_distinct(objs, n);
	/* Every byte of every object is writable memory of the pool. */
	for (unsigned i = 0; i < n; i++)
		memset(objs[i], (int)i, mempool_elt_size(mp));
	for (unsigned i = 0; i < n; i += 32)
		mempool_put_bulk(mp, &objs[i], EAL_MIN(32u, n - i));
	assert_true(mempool_full(mp));
	free(objs);
}

static void test_va_pool(void **state)
{
	(void)state;
	assert_int_equal(eal_iova_mode(), EAL_IOVA_VA);
	struct mempool *mp = mempool_create("huge_va", 4096, 2176, 256, 64, NULL, NULL,
					    NULL, NULL, EAL_SOCKET_ID_ANY, 0);
	assert_non_null(mp);
	void *obj;
	assert_int_equal(mempool_get(mp, &obj), 0);
	const struct eal_memseg *seg = eal_memseg_find(obj);
	assert_non_null(seg);
	printf("    objects on %zu kB pages\n", seg->page_size >> 10);
	assert_true(seg->page_size > 4096);
	assert_int_equal(seg->page_size, eal_dma_page_size());
	mempool_put(mp, obj);

	assert_int_equal(check_pool_layout(mp, 0), 1); /* VA: one chunk */
	exercise(mp);
	mempool_free(mp);
}

static void test_pa_pool(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		printf("    IOVA-PA mode reads /proc/self/pagemap, which needs root: skipped\n");
		skip();
	}
	eal_cleanup();
	int ret = eal_start("pa");
	if (ret < 0)
		fail_msg("eal_init --iova-mode=pa failed as root with free hugepages: %s",
			 strerror(-ret));
	size_t page = eal_dma_page_size();
	assert_int_equal(eal_iova_mode(), EAL_IOVA_PA);

	/* 2176 + 64 bytes per object: several pages, so several chunks. */
	const unsigned n = 3000, stride = 2176 + 64;
	struct mempool *mp = mempool_create("huge_pa", n, 2176, 128, 0, NULL, NULL,
					    NULL, NULL, EAL_SOCKET_ID_ANY, 0);
	assert_non_null(mp);
	unsigned per_page = (unsigned)(page / stride);
	unsigned chunks = check_pool_layout(mp, page);
	printf("    %u objects in %u chunks of at most %u objects (%zu kB pages)\n", n,
	       chunks, per_page, page >> 10);
	assert_int_equal(chunks, (n + per_page - 1) / per_page);
	exercise(mp);
	mempool_free(mp);

	/* An object larger than a page cannot be IOVA-contiguous in PA mode... */
	errno = 0;
	assert_null(mempool_create("huge_pa_big", 4, (unsigned)page, 0, 0, NULL, NULL,
				   NULL, NULL, EAL_SOCKET_ID_ANY, 0));
	assert_int_equal(errno, EINVAL);
	/* ...unless the pool is not for DMA. */
	mp = mempool_create("huge_pa_big", 4, (unsigned)page, 0, 0, NULL, NULL, NULL, NULL,
			    EAL_SOCKET_ID_ANY, MEMPOOL_F_NO_IOVA_CONTIG);
	assert_non_null(mp);
	check_pool_layout(mp, 0);
	exercise(mp);
	mempool_free(mp);

	eal_cleanup();
	ret = eal_start("va");
	assert_int_equal(ret < 0 ? ret : 0, 0);
}

static int group_teardown(void **state)
{
	(void)state;
	eal_cleanup();
	return 0;
}

int main(void)
{
	unsigned long nb_free = free_hugepages();
	if (nb_free == 0) {
		printf("SKIP: no free hugepages; reserve some to run this test, e.g.\n"
		       "  echo 512 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages\n");
		return SKIP_STATUS;
	}
	snprintf(file_prefix, sizeof(file_prefix), "test_mempool_huge_%d", (int)getpid());
	int ret = eal_start("va");
	if (ret < 0) {
		if (geteuid() != 0) {
			printf("SKIP: eal_init on hugepages failed (%s) and this is not root: "
			       "hugetlbfs access needs root or a mount this user may write\n",
			       strerror(-ret));
			return SKIP_STATUS;
		}
		fprintf(stderr, "eal_init on hugepages failed with %lu free: %s\n", nb_free,
			strerror(-ret));
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_va_pool),
		cmocka_unit_test(test_pa_pool),
	};
	return cmocka_run_group_tests(tests, NULL, group_teardown);
}
