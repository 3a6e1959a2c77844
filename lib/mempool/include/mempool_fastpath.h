/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Inline get/put of mempool.h: the per-lcore cache in front of the ring.
 * Not an API of its own: include mempool.h. struct mempool is defined here
 * only because the fast path reads it; its fields are private.
 */
#ifndef UPDK_MEMPOOL_FASTPATH_H
#define UPDK_MEMPOOL_FASTPATH_H

#ifndef UPDK_MEMPOOL_H
#error "include mempool.h, not mempool_fastpath.h"
#endif

#include <errno.h>
#include <stddef.h>
#include "ring.h"

struct mempool_chunk;

struct mempool {
	/* Read by the fast path. */
	struct ring *ring;                 /**< the available objects not in a cache */
	struct mempool_cache *local_cache; /**< EAL_MAX_LCORES caches, or NULL */
	uint32_t cache_size;
	uint32_t size;                     /**< objects */

	/* Read by the control path. */
	char name[MEMPOOL_NAMESIZE];
	unsigned flags;
	int socket_id;
	uint32_t elt_size;
	uint32_t header_size;     /**< bytes before each object, header at its end */
	uint32_t total_elt_size;  /**< distance between two objects */
	uint32_t private_data_size;
	unsigned nb_chunks;
	struct mempool_chunk *chunks;
	size_t local_cache_bytes;
	struct mempool *next;     /**< registry link */
} __cache_aligned;

/* The cache's refill, flush and bypass paths, kept out of line so that the
 * inline part stays a few instructions. @cache is not NULL. */
int mempool_get_slow(struct mempool *mp, struct mempool_cache *cache, void **objs,
		     unsigned n);
void mempool_put_slow(struct mempool *mp, struct mempool_cache *cache,
		      void *const *objs, unsigned n);
/* Logs a put the ring refused: only a double put (or a put into the wrong
 * pool) can cause it, since the ring has room for the whole pool. */
void mempool_put_overflow(struct mempool *mp, unsigned n);

/* The calling lcore's cache, or NULL when there is none for it. */
static __eal_always_inline struct mempool_cache *
mempool_lcore_cache(const struct mempool *mp)
{
	unsigned lcore_id = eal_lcore_id();

	if (mp->local_cache == NULL || unlikely(lcore_id >= EAL_MAX_LCORES))
		return NULL;
	return &mp->local_cache[lcore_id];
}

/* Copy @n object pointers. Small counts go one by one and larger ones in
 * 64-byte blocks (a couple of vector moves each). The empty asm statements
 * hide the loops from the optimiser, which would otherwise turn them into
 * memmove() calls that cost more than the copy for the usual small n. */
static __eal_always_inline void
mempool_copy_objs(void **restrict dst, void *const *restrict src, unsigned n)
{
	for (; n >= 8; n -= 8, dst += 8, src += 8) {
		__builtin_memcpy(dst, src, 8 * sizeof(void *));
		__asm__("" : "+r"(dst));
	}
	for (unsigned i = 0; i < n; i++) {
		dst[i] = src[i];
		__asm__("" : "+r"(i));
	}
}

static __eal_always_inline void
mempool_put_bulk(struct mempool *mp, void *const *objs, unsigned n)
{
	struct mempool_cache *cache = mempool_lcore_cache(mp);

	/* No cache: the ring operation inline, as a call would cost about as
	 * much as a small bulk. */
	if (cache == NULL) {
		if (unlikely(ring_enqueue_bulk(mp->ring, objs, n, NULL) != n))
			mempool_put_overflow(mp, n);
		return;
	}
	uint32_t len = cache->len;
	if (likely(len + n <= cache->flushthresh && n <= cache->size)) {
		mempool_copy_objs(&cache->objs[len], objs, n);
		/* Relaxed atomic: mempool_avail_count() reads it from other
		 * threads. */
		__atomic_store_n(&cache->len, len + n, __ATOMIC_RELAXED);
		return;
	}
	mempool_put_slow(mp, cache, objs, n);
}

static __eal_always_inline int
mempool_get_bulk(struct mempool *mp, void **objs, unsigned n)
{
	struct mempool_cache *cache = mempool_lcore_cache(mp);

	if (cache == NULL)
		return ring_dequeue_bulk(mp->ring, objs, n, NULL) == n ? 0 : -ENOENT;
	uint32_t len = cache->len;
	if (likely(n <= len)) {
		/* The most recently put objects, likely still in the CPU cache. */
		len -= n;
		mempool_copy_objs(objs, &cache->objs[len], n);
		__atomic_store_n(&cache->len, len, __ATOMIC_RELAXED);
		return 0;
	}
	return mempool_get_slow(mp, cache, objs, n);
}

static __eal_always_inline int mempool_get(struct mempool *mp, void **obj)
{
	return mempool_get_bulk(mp, obj, 1);
}

static __eal_always_inline void mempool_put(struct mempool *mp, void *obj)
{
	mempool_put_bulk(mp, &obj, 1);
}

#endif /* UPDK_MEMPOOL_FASTPATH_H */
