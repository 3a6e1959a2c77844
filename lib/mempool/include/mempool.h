/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Fixed-size object pools in DMA memory, with per-lcore caches.
 *
 * Objects live in memory from eal_dma_zalloc(), so each has an IOVA
 * (mempool_virt2iova()) and every DMA container already maps it. The free
 * objects sit in a multi-producer/multi-consumer ring; each lcore keeps a
 * private cache in front of it so that get/put in bursts touch no shared
 * cache line most of the time. Threads that are not EAL lcores bypass the
 * cache (correct, slower).
 *
 * Memory is obtained in chunks (each IOVA-contiguous; in PA mode at most a
 * page) that mempool_mem_iter() walks, for a DMA container or an AF_XDP
 * UMEM that must register the pool's memory itself.
 */
#ifndef UPDK_MEMPOOL_H
#define UPDK_MEMPOOL_H

#include <stdbool.h>
#include <stdint.h>
#include "eal_common.h"
#include "eal_lcore.h"

#define MEMPOOL_NAMESIZE 32
#define MEMPOOL_CACHE_MAX_SIZE UPDK_MEMPOOL_CACHE_MAX

/** Flags for mempool_create(). */
#define MEMPOOL_F_SP_PUT 0x1   /**< only one thread puts to the ring */
#define MEMPOOL_F_SC_GET 0x2   /**< only one thread gets from the ring */
#define MEMPOOL_F_NO_IOVA_CONTIG 0x4 /**< objects may straddle chunks (no DMA) */

struct mempool;

/** Per-object header, just before each object. */
struct mempool_objhdr {
	struct mempool *mp;
	uint64_t iova;   /**< IOVA of the object (not of this header) */
};

/** One IOVA-contiguous memory chunk of a pool. */
struct mempool_memhdr {
	void *addr;
	uint64_t iova;
	size_t len;
};

/** Per-lcore cache. The cache may hold up to 1.5 x size objects before
 *  flushing back to the ring, like DPDK's, to avoid ping-pong. */
struct mempool_cache {
	uint32_t size;
	uint32_t flushthresh;
	uint32_t len;
	void *objs[MEMPOOL_CACHE_MAX_SIZE * 2] __cache_aligned;
} __cache_aligned;

typedef void (mempool_ctor_t)(struct mempool *mp, void *arg);
typedef void (mempool_obj_cb_t)(struct mempool *mp, void *arg, void *obj,
				unsigned obj_idx);
typedef void (mempool_mem_cb_t)(struct mempool *mp, void *arg,
				const struct mempool_memhdr *mem, unsigned mem_idx);

/**
 * Create a pool of @p n objects of @p elt_size bytes.
 * @param cache_size per-lcore cache (0 = none, at most MEMPOOL_CACHE_MAX_SIZE
 *                   and at most n / 1.5)
 * @param private_data_size bytes after struct mempool for the pool's user
 *                   (mbuf keeps its pool parameters there)
 * @param mp_init  called once on the pool (may be NULL)
 * @param obj_init called on each object (may be NULL)
 * @param socket_id NUMA node or EAL_SOCKET_ID_ANY
 * @return the pool, or NULL with errno (EINVAL bad arguments, EEXIST name
 *         in use, ENOMEM) and a log message.
 */
struct mempool *mempool_create(const char *name, unsigned n, unsigned elt_size,
			       unsigned cache_size, unsigned private_data_size,
			       mempool_ctor_t *mp_init, void *mp_init_arg,
			       mempool_obj_cb_t *obj_init, void *obj_init_arg,
			       int socket_id, unsigned flags);

/** Free a pool and its memory. NULL is ignored. Objects still in use become
 *  invalid: check mempool_in_use_count() first if that matters. */
void mempool_free(struct mempool *mp);

struct mempool *mempool_lookup(const char *name);

/** Get @p n objects, all or none. @return 0 or -ENOENT. */
int mempool_get_bulk(struct mempool *mp, void **objs, unsigned n);
/** Return @p n objects. */
void mempool_put_bulk(struct mempool *mp, void *const *objs, unsigned n);
static inline int mempool_get(struct mempool *mp, void **obj);
static inline void mempool_put(struct mempool *mp, void *obj);

/** Objects available (ring + every cache). Approximate while others run. */
unsigned mempool_avail_count(const struct mempool *mp);
/** Objects handed out. */
unsigned mempool_in_use_count(const struct mempool *mp);
bool mempool_full(const struct mempool *mp);
bool mempool_empty(const struct mempool *mp);

const char *mempool_name(const struct mempool *mp);
unsigned mempool_size(const struct mempool *mp);
unsigned mempool_elt_size(const struct mempool *mp);
unsigned mempool_cache_size(const struct mempool *mp);
void *mempool_get_priv(struct mempool *mp);

/** IOVA of an object of any pool. */
static inline uint64_t mempool_virt2iova(const void *obj)
{
	return ((const struct mempool_objhdr *)obj - 1)->iova;
}
/** Pool an object belongs to. */
static inline struct mempool *mempool_from_obj(const void *obj)
{
	return ((const struct mempool_objhdr *)obj - 1)->mp;
}

/** Call @p fn on every object. @return number of objects. */
unsigned mempool_obj_iter(struct mempool *mp, mempool_obj_cb_t *fn, void *arg);
/** Call @p fn on every memory chunk. @return number of chunks. */
unsigned mempool_mem_iter(struct mempool *mp, mempool_mem_cb_t *fn, void *arg);

/** Call @p fn on every pool. */
void mempool_walk(void (*fn)(struct mempool *mp, void *arg), void *arg);

/** Print a pool's state (counts, caches, chunks) to @p f (FILE *). */
void mempool_dump(void *f, const struct mempool *mp);

/* The inline fast path (get/put through the lcore cache) is defined in: */
#include "mempool_fastpath.h"

#endif /* UPDK_MEMPOOL_H */
