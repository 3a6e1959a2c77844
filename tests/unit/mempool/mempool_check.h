/* SPDX-License-Identifier: BSD-3-Clause */
/* Checks shared by the mempool test programs (cmocka assertions). */
#ifndef UPDK_TEST_MEMPOOL_CHECK_H
#define UPDK_TEST_MEMPOOL_CHECK_H

#include <stddef.h>
#include "mempool.h"

/*
 * Walk every chunk and every object of @mp: objects are cache-line aligned,
 * in sequence, do not overlap, name @mp in their header, lie in exactly one
 * chunk, and (for DMA pools) have the IOVA eal_virt2iova() gives, contiguous
 * over the object, as every chunk is. With @max_chunk_len, no chunk may be
 * longer. @return the number of chunks.
 */
unsigned check_pool_layout(struct mempool *mp, size_t max_chunk_len);

/* Fail if any pointer of @objs appears twice. */
void assert_all_distinct(void *const *objs, unsigned n);

#endif
