/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mbufs on real hugepages: in IOVA-VA mode and, as root, in IOVA-PA mode
 * every buffer's buf_iova is the IOVA the EAL gives for buf_addr (in PA
 * mode the physical address), and each buffer is IOVA-contiguous from its
 * first to its last byte, so a NIC can DMA a whole frame into it. Exits 77
 * (skipped), saying why, when no hugepage is free.
 */
#include <errno.h>
#include <glob.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "eal.h"
#include "mbuf.h"

#define SKIP_STATUS 77
#define NB_MBUFS 4095

static char file_prefix[64];

static unsigned long free_hugepages(void)
{
	unsigned long total = 0;
	glob_t g;

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
	char *argv[] = { "test_mbuf_huge", "-l", "0", "--file-prefix", file_prefix, iova_opt, NULL };
	return eal_init((int)EAL_DIM(argv) - 1, argv);
}

struct iova_stats {
	unsigned checked;
	unsigned bad_iova;       /* buf_iova != eal_virt2iova(buf_addr) */
	unsigned not_contiguous; /* last byte not at buf_iova + buf_len - 1 */
	unsigned not_physical;   /* PA mode: buf_iova != eal_virt2phys(buf_addr) */
	bool pa;
};

static void check_mbuf(struct mempool *mp, void *arg, void *obj, unsigned idx)
{
	struct iova_stats *s = arg;
	const struct mbuf *m = obj;
	const char *last = (const char *)m->buf_addr + m->buf_len - 1;

	(void)mp;
	(void)idx;
	s->checked++;
	if (m->buf_iova == EAL_BAD_IOVA || m->buf_iova != eal_virt2iova(m->buf_addr))
		s->bad_iova++;
	if (eal_virt2iova(last) != m->buf_iova + m->buf_len - 1)
		s->not_contiguous++;
	if (s->pa && eal_virt2phys(m->buf_addr) != m->buf_iova)
		s->not_physical++;
}

static void check_pool(bool pa)
{
	struct iova_stats s = { .pa = pa };
	struct mempool *mp;
	struct mbuf *m;

	mp = pktmbuf_pool_create(pa ? "mbuf_huge_pa" : "mbuf_huge_va", NB_MBUFS, 256, 0,
				 MBUF_DEFAULT_BUF_SIZE, EAL_SOCKET_ID_ANY);
	assert_non_null(mp);
	m = pktmbuf_alloc(mp);
	assert_non_null(m);
	assert_true(eal_memseg_find(m)->page_size > 4096);
	/* The data pointer's IOVA follows data_off. */
	assert_non_null(pktmbuf_append(m, 1500));
	assert_non_null(pktmbuf_adj(m, 14));
	assert_true(pktmbuf_iova(m) == eal_virt2iova(pktmbuf_mtod(m, void *)));
	pktmbuf_free(m);

	assert_int_equal(mempool_obj_iter(mp, check_mbuf, &s), NB_MBUFS);
	printf("    %u mbufs checked (%s)\n", s.checked, pa ? "IOVA = PA" : "IOVA = VA");
	assert_int_equal(s.bad_iova, 0);
	assert_int_equal(s.not_contiguous, 0);
	assert_int_equal(s.not_physical, 0);
	mempool_free(mp);
}

static void test_va(void **state)
{
	(void)state;
	assert_int_equal(eal_iova_mode(), EAL_IOVA_VA);
	check_pool(false);
}

static void test_pa(void **state)
{
	int ret;

	(void)state;
	if (geteuid() != 0) {
		printf("    IOVA-PA mode reads /proc/self/pagemap, which needs root: skipped\n");
		skip();
	}
	eal_cleanup();
	ret = eal_start("pa");
	if (ret < 0)
		fail_msg("eal_init --iova-mode=pa failed as root with free hugepages: %s",
			 strerror(-ret));
	assert_int_equal(eal_iova_mode(), EAL_IOVA_PA);
	check_pool(true);
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
	int ret;

	if (nb_free == 0) {
		printf("SKIP: no free hugepages; reserve some to run this test, e.g.\n"
		       "  echo 512 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages\n");
		return SKIP_STATUS;
	}
	snprintf(file_prefix, sizeof(file_prefix), "test_mbuf_huge_%d", (int)getpid());
	ret = eal_start("va");
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
		cmocka_unit_test(test_va),
		cmocka_unit_test(test_pa),
	};
	return cmocka_run_group_tests(tests, NULL, group_teardown);
}
