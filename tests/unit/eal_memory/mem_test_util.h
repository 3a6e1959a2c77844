/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers shared by the DMA memory tests: starting the EAL with real
 * options, finding out what the machine offers, reading /proc/self/pagemap
 * independently of the EAL, and checking the allocator's invariants.
 */
#ifndef MEM_TEST_UTIL_H
#define MEM_TEST_UTIL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eal.h"

/* This process's --file-prefix ("<tag><pid>_"), unique among tests that
 * run in parallel. */
extern char mt_prefix[32];
void mt_set_prefix(const char *tag);

/* eal_init("-l <cpu> --file-prefix <mt_prefix> args...") with @args
 * NULL-terminated. @return eal_init()'s result. */
int mt_eal_init(const char *const *args);
/* The same with another prefix. */
int mt_eal_init_prefix(const char *prefix, const char *const *args);

/* Default hugepage size from /proc/meminfo (0: none) and its free pages. */
size_t mt_default_hugepage_size(void);
unsigned long mt_free_hugepages(size_t page_size);
/* First writable hugetlbfs mount of @page_size in /proc/mounts into @dir. */
bool mt_hugetlbfs_mount(size_t page_size, char dir[PATH_MAX]);
/* Why hugepage tests cannot run here ("" when they can): @need_mount for
 * the hugetlbfs file mode, @need_pages free pages of the default size. */
const char *mt_hugepage_unavailable(bool need_mount, unsigned long need_pages);

/* Entries of @dir whose name starts with @prefix. */
int mt_count_files(const char *dir, const char *prefix);
/* Same over every hugetlbfs mount. */
int mt_count_files_all_mounts(const char *prefix);

/* Physical address of @addr read from /proc/self/pagemap by the test
 * itself; UINT64_MAX when unknown (no root, not mapped). */
uint64_t mt_pagemap_pa(const void *addr);

/* Route EAL log messages into a buffer; mt_log_capture_end() returns
 * what was logged (free() it) and restores stderr. */
void mt_log_capture_start(void);
char *mt_log_capture_end(void);

/* Segment list invariants: address order, no overlap, page multiples, an
 * open fd, lookups that agree, and totals equal to eal_dma_stats_get().
 * @return the number of segments. */
unsigned mt_check_segments(void);

#endif /* MEM_TEST_UTIL_H */
