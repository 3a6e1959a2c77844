/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "eal.h"
#include "mempool_check.h"

#define MAX_CHUNKS 65536

struct chunk_list {
	struct mempool_memhdr chunks[MAX_CHUNKS];
	unsigned n;
	size_t max_len;
	bool dma;
	bool ok;
	char why[160];
};

struct layout_check {
	const struct chunk_list *cl;
	unsigned count;
	uintptr_t prev;
	bool ok;
	char why[160];
};

static void layout_fail(struct layout_check *lc, const char *why, unsigned idx)
{
	if (lc->ok)
		snprintf(lc->why, sizeof(lc->why), "object %u: %s", idx, why);
	lc->ok = false;
}

static void check_object(struct mempool *mp, void *arg, void *obj, unsigned idx)
{
	struct layout_check *lc = arg;
	const uintptr_t a = (uintptr_t)obj;
	const unsigned elt = mempool_elt_size(mp);

	if (idx != lc->count++)
		layout_fail(lc, "index out of sequence", idx);
	if (a % CACHE_LINE_SIZE != 0)
		layout_fail(lc, "not cache-line aligned", idx);
	if (mempool_from_obj(obj) != mp)
		layout_fail(lc, "header names another pool", idx);
	uint64_t iova = mempool_virt2iova(obj);
	if (lc->cl->dma) {
		if (iova == EAL_BAD_IOVA || iova != eal_virt2iova(obj))
			layout_fail(lc, "IOVA differs from eal_virt2iova()", idx);
		if (eal_virt2iova((char *)obj + elt - 1) != iova + elt - 1)
			layout_fail(lc, "object is not IOVA-contiguous", idx);
	} else if (iova != EAL_BAD_IOVA) {
		layout_fail(lc, "object of a non-DMA pool has an IOVA", idx);
	}
	if (lc->prev != 0 && a < lc->prev + elt + sizeof(struct mempool_objhdr))
		layout_fail(lc, "overlaps the previous object or its header", idx);
	lc->prev = a;

	unsigned holders = 0;
	for (unsigned c = 0; c < lc->cl->n; c++) {
		uintptr_t lo = (uintptr_t)lc->cl->chunks[c].addr;
		uintptr_t hi = lo + lc->cl->chunks[c].len;
		if (a - sizeof(struct mempool_objhdr) >= lo && a + elt <= hi)
			holders++;
	}
	if (holders != 1)
		layout_fail(lc, "not inside exactly one memory chunk", idx);
}

static void collect_chunk(struct mempool *mp, void *arg,
			  const struct mempool_memhdr *mem, unsigned idx)
{
	struct chunk_list *cl = arg;
	(void)mp;

	if (!cl->ok)
		return;
	if (idx != cl->n || cl->n >= MAX_CHUNKS) {
		snprintf(cl->why, sizeof(cl->why), "chunk index %u out of sequence", idx);
		cl->ok = false;
		return;
	}
	uintptr_t last = (uintptr_t)mem->addr + mem->len - 1;
	if (cl->dma && (mem->iova != eal_virt2iova(mem->addr) ||
			eal_virt2iova((void *)last) != mem->iova + mem->len - 1)) {
		snprintf(cl->why, sizeof(cl->why), "chunk %u is not IOVA-contiguous", idx);
		cl->ok = false;
	}
	/* The EAL may place a chunk across two physically adjacent pages;
	 * what matters is the size limit and the IOVA contiguity above. */
	if (cl->max_len != 0 && mem->len > cl->max_len) {
		snprintf(cl->why, sizeof(cl->why), "chunk %u has %zu bytes, more than %zu",
			 idx, mem->len, cl->max_len);
		cl->ok = false;
	}
	cl->chunks[cl->n++] = *mem;
}

unsigned check_pool_layout(struct mempool *mp, size_t max_chunk_len)
{
	static struct chunk_list cl;

	memset(&cl, 0, sizeof(cl));
	cl.ok = true;
	cl.max_len = max_chunk_len;
	cl.dma = !(mp->flags & MEMPOOL_F_NO_IOVA_CONTIG);
	unsigned nb_chunks = mempool_mem_iter(mp, collect_chunk, &cl);
	if (!cl.ok)
		fail_msg("%s", cl.why);
	assert_int_equal(nb_chunks, cl.n);
	assert_true(nb_chunks >= 1);
	assert_int_equal(mempool_mem_iter(mp, NULL, NULL), nb_chunks);

	struct layout_check lc = { .cl = &cl, .ok = true };
	assert_int_equal(mempool_obj_iter(mp, check_object, &lc), mempool_size(mp));
	if (!lc.ok)
		fail_msg("%s", lc.why);
	assert_int_equal(lc.count, mempool_size(mp));
	assert_int_equal(mempool_obj_iter(mp, NULL, NULL), mempool_size(mp));
	return nb_chunks;
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
	return x < y ? -1 : x > y;
}

void assert_all_distinct(void *const *objs, unsigned n)
{
	void **sorted = malloc((n + 1) * sizeof(*sorted));
	assert_non_null(sorted);
	memcpy(sorted, objs, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_ptr);
	for (unsigned i = 1; i < n; i++)
		if (sorted[i] == sorted[i - 1])
			fail_msg("object %p handed out twice", sorted[i]);
	free(sorted);
}
