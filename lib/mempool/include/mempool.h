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
 * cache (correct, slower). As with any multi-producer ring, two threads
 * using one pool should not share a CPU: one preempted inside a ring
 * operation stalls the other until it runs again (see ring.h).
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
/** The objects are never used for DMA: they are placed in ordinary memory
 *  (one anonymous mapping, any object size, any IOVA mode, no hugepages),
 *  and their IOVA is EAL_BAD_IOVA. */
#define MEMPOOL_F_NO_IOVA_CONTIG 0x4
/** Every flag mempool_create() accepts. */
#define MEMPOOL_F_MASK (MEMPOOL_F_SP_PUT | MEMPOOL_F_SC_GET | MEMPOOL_F_NO_IOVA_CONTIG)

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
 * @param name     unique name (< MEMPOOL_NAMESIZE bytes), see mempool_lookup()
 * @param n        number of objects (1 .. 2^30 - 1)
 * @param elt_size usable bytes per object (1 .. 1 GiB)
 * @param cache_size per-lcore cache (0 = none, at most MEMPOOL_CACHE_MAX_SIZE
 *                   and at most n / 1.5)
 * @param private_data_size bytes after struct mempool for the pool's user
 *                   (mbuf keeps its pool parameters there)
 * @param mp_init  called once on the pool (may be NULL)
 * @param mp_init_arg  passed to @p mp_init
 * @param obj_init called on each object (may be NULL)
 * @param obj_init_arg passed to @p obj_init
 * @param socket_id NUMA node or EAL_SOCKET_ID_ANY
 * @param flags    MEMPOOL_F_*
 * @return the pool, or NULL with errno (EINVAL bad arguments, ENAMETOOLONG
 *         name of MEMPOOL_NAMESIZE bytes or more, EEXIST name in use, ENOMEM
 *         no DMA memory left, ENODEV eal_init() not run) and a log message.
 *
 * Objects are cache-line aligned, each preceded by a struct mempool_objhdr
 * (so a pool uses elt_size rounded up to a cache line, plus one line, per
 * object). In IOVA-PA mode a chunk is at most one page, so elt_size plus
 * one cache line must fit in eal_dma_page_size() unless
 * MEMPOOL_F_NO_IOVA_CONTIG is given. @p mp_init runs before the objects
 * exist (it may fill the private area, which @p obj_init may then read),
 * @p obj_init on each object before it becomes available.
 */
struct mempool *mempool_create(const char *name, unsigned n, unsigned elt_size,
			       unsigned cache_size, unsigned private_data_size,
			       mempool_ctor_t *mp_init, void *mp_init_arg,
			       mempool_obj_cb_t *obj_init, void *obj_init_arg,
			       int socket_id, unsigned flags);

/** Free a pool and its memory. NULL is ignored. Objects still in use become
 *  invalid: check mempool_in_use_count() first if that matters. */
void mempool_free(struct mempool *mp);

/**
 * Find a pool by name.
 * @return the pool, or NULL with errno ENOENT (no such pool) or EINVAL
 *         (NULL name).
 */
struct mempool *mempool_lookup(const char *name);

/**
 * Get @p n objects, all or none. Served from the calling lcore's cache
 * when it holds them; otherwise the cache is refilled from the ring in one
 * operation, except for requests larger than the cache size, which go to
 * the ring directly, as do all requests of threads that are not EAL lcores
 * and of pools without cache. Inline, no lock, no syscall.
 * @param mp   the pool
 * @param objs where to store the object pointers
 * @param n    how many (0 is a no-op success)
 * @return 0, or -ENOENT when fewer than @p n objects are available to this
 *         caller (nothing is taken then). Objects sitting in the caches of
 *         other lcores are not available to this caller.
 */
static inline int mempool_get_bulk(struct mempool *mp, void **objs, unsigned n);

/**
 * Return @p n objects obtained from @p mp. They go to the calling lcore's
 * cache; when it would grow past 1.5 x the cache size, the cache is brought
 * back to its size by moving objects to the ring. Inline, no lock, no
 * syscall. Putting an object twice, or into another pool, is a bug that
 * corrupts the pool (it is detected only when the ring overflows, and
 * logged).
 */
static inline void mempool_put_bulk(struct mempool *mp, void *const *objs,
				    unsigned n);

/** Get one object into @p *obj. @return 0 or -ENOENT (see mempool_get_bulk()). */
static inline int mempool_get(struct mempool *mp, void **obj);

/** Return one object (see mempool_put_bulk()). */
static inline void mempool_put(struct mempool *mp, void *obj);

/**
 * Move every object of the calling lcore's cache back to the ring, so that
 * other lcores can get them (for example before a worker stops for good).
 * No-op for a pool without cache or a thread that is not an EAL lcore.
 */
void mempool_cache_flush(struct mempool *mp);

/** Objects available (ring + every cache). Approximate while others run:
 *  the ring and the caches are read one after another, without a lock. */
unsigned mempool_avail_count(const struct mempool *mp);
/** Objects handed out: mempool_size() - mempool_avail_count(). */
unsigned mempool_in_use_count(const struct mempool *mp);
/** Whether every object is available (none in use). */
bool mempool_full(const struct mempool *mp);
/** Whether no object is available (all in use). */
bool mempool_empty(const struct mempool *mp);

/** The pool's name. */
const char *mempool_name(const struct mempool *mp);
/** Number of objects the pool was created with. */
unsigned mempool_size(const struct mempool *mp);
/** Usable bytes of each object (the elt_size given at creation). */
unsigned mempool_elt_size(const struct mempool *mp);
/** Per-lcore cache size given at creation (0 when there is no cache). */
unsigned mempool_cache_size(const struct mempool *mp);
/** The private_data_size bytes reserved after the pool header for its
 *  user, cache-line aligned and zeroed at creation (a valid pointer even
 *  when private_data_size is 0). */
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

/**
 * Call @p fn on every object, in memory order, whether available or in
 * use; obj_idx counts from 0. @p fn may be NULL to only count.
 * @return number of objects (mempool_size()).
 */
unsigned mempool_obj_iter(struct mempool *mp, mempool_obj_cb_t *fn, void *arg);
/**
 * Call @p fn on every memory chunk (IOVA-contiguous, holding whole objects
 * and their headers), in creation order; mem_idx counts from 0. @p fn may
 * be NULL to only count.
 * @return number of chunks.
 */
unsigned mempool_mem_iter(struct mempool *mp, mempool_mem_cb_t *fn, void *arg);

/**
 * Call @p fn on every pool, under the registry lock. @p fn may look pools
 * up and free the pool it is given, but must not create pools.
 */
void mempool_walk(void (*fn)(struct mempool *mp, void *arg), void *arg);

/** Print a pool's state (counts, caches, chunks) to @p f (FILE *). */
void mempool_dump(void *f, const struct mempool *mp);

/* The inline fast path (get/put through the lcore cache) is defined in: */
#include "mempool_fastpath.h"

#endif /* UPDK_MEMPOOL_H */
