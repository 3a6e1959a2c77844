/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --iova-mode=pa: every segment is one hugepage, IOVAs are the physical
 * addresses that /proc/self/pagemap reports (read here independently), and
 * without CAP_SYS_ADMIN the mode is refused with a clear message.
 */
#include <errno.h>
#include <linux/capability.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "eal.h"
#include "mem_test_util.h"

#define SMALL_PAGE 4096u

static const char *const pa_args[] = { "--iova-mode=pa", NULL };

/* Root can read PFNs; check it the way the kernel decides, not by uid. */
static bool pfns_readable(void)
{
	volatile char probe = 1;

	return mt_pagemap_pa((const void *)(uintptr_t)&probe) != UINT64_MAX;
}

#define REQUIRE_PA()                                                        \
	do {                                                                \
		const char *why_ = mt_hugepage_unavailable(true, 16);       \
		if (why_[0] != '\0') {                                      \
			print_message("skipped: %s\n", why_);               \
			skip();                                             \
		}                                                           \
		if (!pfns_readable()) {                                     \
			print_message("skipped: physical addresses need "   \
				      "root (CAP_SYS_ADMIN)\n");            \
			skip();                                             \
		}                                                           \
	} while (0)

static int teardown_eal(void **state)
{
	(void)state;
	eal_cleanup();
	return 0;
}

/* Each 4 KiB piece of [p, p + len) is where the IOVA says, physically. */
static void check_phys_contig(const char *p, size_t len, uint64_t iova)
{
	size_t off;

	for (off = 0; off < len; off += SMALL_PAGE) {
		uint64_t pa = mt_pagemap_pa(p + off);

		if (pa != iova + off)
			fail_msg("offset %zu: pagemap says 0x%llx, IOVA 0x%llx", off,
				 (unsigned long long)pa,
				 (unsigned long long)(iova + off));
	}
	assert_int_equal(mt_pagemap_pa(p + len - 1), iova + len - 1);
}

static int check_pa_segment(const struct eal_memseg *seg, void *arg)
{
	volatile unsigned char *mine = seg->addr, *alias;
	unsigned *n = arg;
	unsigned char saved;
	void *map;

	assert_int_equal(seg->len, seg->page_size);
	assert_int_equal(seg->iova, mt_pagemap_pa(seg->addr));
	assert_int_equal(seg->iova % seg->page_size, 0);
	assert_int_equal(eal_virt2phys(seg->addr), seg->iova);
	/* Pages may be mapped out of file order to be physically sorted:
	 * the segment's (fd, offset) must still name its own bytes. */
	map = mmap(NULL, seg->len, PROT_READ | PROT_WRITE, MAP_SHARED, seg->fd,
		   seg->fd_offset);
	assert_true(map != MAP_FAILED);
	alias = map;
	saved = mine[seg->len - 1];
	mine[seg->len - 1] = (unsigned char)(0x80 | *n);
	assert_int_equal(alias[seg->len - 1], 0x80 | *n);
	mine[seg->len - 1] = saved;
	assert_int_equal(mt_pagemap_pa(map), seg->iova);
	munmap(map, seg->len);
	(*n)++;
	return 0;
}

static void test_pa_translation(void **state)
{
	struct eal_dma_stats st;
	unsigned nsegs = 0;
	uint64_t iova;
	size_t page;
	char *p, *q;

	(void)state;
	REQUIRE_PA();
	assert_true(mt_eal_init(pa_args) >= 0);
	assert_int_equal(eal_iova_mode(), EAL_IOVA_PA);
	page = eal_dma_page_size();

	p = eal_dma_zalloc("pa", 64 * 1024, 0, EAL_SOCKET_ID_ANY, &iova);
	assert_non_null(p);
	assert_int_equal(iova, mt_pagemap_pa(p));
	assert_int_equal(eal_virt2iova(p + 12345), iova + 12345);
	check_phys_contig(p, 64 * 1024, iova);

	/* One segment per hugepage, each with its own physical address. */
	assert_int_equal(eal_memseg_walk(check_pa_segment, &nsegs), 0);
	eal_dma_stats_get(&st);
	assert_int_equal(nsegs, st.nb_segs);
	assert_int_equal(st.total_bytes, (size_t)nsegs * page);
	assert_true(nsegs >= 1);
	mt_check_segments();

	/* A whole page fits in a page: no header in front of it. */
	q = eal_dma_zalloc("page", page, page, EAL_SOCKET_ID_ANY, &iova);
	assert_non_null(q);
	assert_int_equal((uintptr_t)q % page, 0);
	assert_int_equal(iova % page, 0);
	check_phys_contig(q, page, iova);
	eal_dma_free(q);

	/* Alignment beyond a page cannot be promised physically. */
	errno = 0;
	mt_log_capture_start();
	q = eal_dma_zalloc("align", 64, page * 2, EAL_SOCKET_ID_ANY, NULL);
	free(mt_log_capture_end());
	assert_null(q);
	assert_int_equal(errno, EINVAL);
	eal_dma_free(p);
}

/* Larger than a page: physically contiguous, or E2BIG with a message. */
static void test_pa_multi_page(void **state)
{
	uint64_t iova = 0;
	size_t page;
	char *p, *log;

	(void)state;
	REQUIRE_PA();
	assert_true(mt_eal_init(pa_args) >= 0);
	page = eal_dma_page_size();
	mt_log_capture_start();
	errno = 0;
	p = eal_dma_zalloc("multi", 2 * page + 4096, 0, EAL_SOCKET_ID_ANY, &iova);
	log = mt_log_capture_end();
	if (p != NULL) {
		check_phys_contig(p, 2 * page + 4096, iova);
		eal_dma_free(p);
	} else {
		struct eal_dma_stats st;

		assert_int_equal(errno, E2BIG);
		assert_non_null(strstr(log, "--iova-mode=va"));
		eal_dma_stats_get(&st);
		assert_int_equal(st.nb_segs, 0); /* the useless pages went back */
		print_message("note: no physically contiguous pages this time (E2BIG)\n");
	}
	free(log);
}

static void test_virt2phys_errors(void **state)
{
	volatile int on_stack = 7;
	void *untouched;

	(void)state;
	untouched = mmap(NULL, SMALL_PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(untouched != MAP_FAILED);
	errno = 0;
	assert_int_equal(eal_virt2phys(untouched), EAL_BAD_IOVA);
	assert_int_equal(errno, ENOENT);
	munmap(untouched, SMALL_PAGE);

	if (pfns_readable()) {
		assert_int_equal(eal_virt2phys((const void *)(uintptr_t)&on_stack),
				 mt_pagemap_pa((const void *)(uintptr_t)&on_stack));
	} else {
		errno = 0;
		assert_int_equal(eal_virt2phys((const void *)(uintptr_t)&on_stack),
				 EAL_BAD_IOVA);
		assert_int_equal(errno, EPERM);
	}
}

static int drop_cap_sys_admin(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data) < 0)
		return -1;
	data[CAP_SYS_ADMIN / 32].effective &= ~(1u << (CAP_SYS_ADMIN % 32));
	data[CAP_SYS_ADMIN / 32].permitted &= ~(1u << (CAP_SYS_ADMIN % 32));
	data[CAP_SYS_ADMIN / 32].inheritable &= ~(1u << (CAP_SYS_ADMIN % 32));
	return (int)syscall(SYS_capset, &hdr, data);
}

/* Without CAP_SYS_ADMIN PFNs read as 0: PA mode must be refused at init
 * with the way out in the message. Runs in a child that drops the
 * capability (or as is, when the tests already run without it). */
static void test_pa_needs_cap_sys_admin(void **state)
{
	int status = 0;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *log;
		int ret;

		if (pfns_readable() && drop_cap_sys_admin() < 0)
			_exit(77);
		if (pfns_readable())
			_exit(78); /* the drop did not take */
		mt_log_capture_start();
		ret = mt_eal_init(pa_args);
		log = mt_log_capture_end();
		if (ret != -EPERM)
			_exit(10);
		if (strstr(log, "CAP_SYS_ADMIN") == NULL ||
		    strstr(log, "--iova-mode=va") == NULL)
			_exit(11);
		free(log);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77 || WEXITSTATUS(status) == 78) {
		print_message("skipped: cannot drop CAP_SYS_ADMIN here\n");
		skip();
	}
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_pa_translation, teardown_eal),
		cmocka_unit_test_teardown(test_pa_multi_page, teardown_eal),
		cmocka_unit_test(test_virt2phys_errors),
		cmocka_unit_test(test_pa_needs_cap_sys_admin),
	};

	mt_set_prefix("upa");
	return cmocka_run_group_tests_name("eal_memory_pa", tests, NULL, NULL);
}
