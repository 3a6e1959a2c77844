/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Lock-free ring of pointers: a bounded FIFO for passing objects between
 * threads without locks.
 *
 * The ring has two sides, producers and consumers, each with a head and a
 * tail index. Several threads may enqueue at once (multi-producer, "mp")
 * and several may dequeue at once (multi-consumer, "mc"): they reserve slots
 * with a compare-and-swap on the head. When only one thread ever uses a side
 * the single-producer ("sp") or single-consumer ("sc") variants skip the
 * CAS. The plain functions (ring_enqueue_bulk(), ...) follow the
 * RING_F_SP_ENQ / RING_F_SC_DEQ flags given at creation.
 *
 * Bulk operations move all n objects or none; burst operations move as many
 * as fit (enqueue) or as are there (dequeue). Every operation is inline and
 * makes no syscall and takes no lock.
 *
 * A thread preempted in the middle of an mp/mc operation (between its head
 * CAS and its tail update) stalls the other threads of that side until it
 * runs again, as with DPDK's default ring: run mp/mc users on dedicated
 * cores, not time-shared ones.
 *
 *     struct ring *r = ring_create("work", 1024, EAL_SOCKET_ID_ANY, 0);
 *     if (r == NULL)
 *         return -errno;
 *     if (ring_enqueue_bulk(r, objs, 32, NULL) == 0)
 *         ... ring full: nothing was enqueued ...
 *     unsigned got = ring_dequeue_burst(r, objs, 32, NULL);
 *     ring_free(r);
 */
#ifndef UPDK_RING_H
#define UPDK_RING_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "eal_common.h"
#include "ring_core.h"
#include "ring_impl.h"

/**
 * Bytes needed for a ring of @p count objects, for ring_init().
 * @param count number of slots: a power of two (usable capacity count - 1),
 *              or any value from 1 with RING_F_EXACT_SZ (capacity count)
 * @param flags RING_F_* flags (only RING_F_EXACT_SZ matters here)
 * @return the size in bytes (a multiple of RING_HEADTAIL_ALIGN, so it can be
 *         passed to aligned_alloc() with that alignment), or -EINVAL when
 *         @p count or @p flags is invalid (logged with the accepted values).
 */
ssize_t ring_get_memsize(unsigned count, unsigned flags);

/**
 * Initialise a ring in memory the caller owns (at least
 * ring_get_memsize(@p count, @p flags) bytes, aligned to
 * 2 * CACHE_LINE_SIZE). The ring is not registered: ring_lookup() does not
 * find it and ring_free() refuses it; release the memory yourself.
 * @param r     the memory
 * @param name  a name for messages and ring_dump() (< RING_NAMESIZE bytes)
 * @param count as for ring_get_memsize()
 * @param flags RING_F_SP_ENQ, RING_F_SC_DEQ, RING_F_EXACT_SZ
 * @return 0, or a negative errno: -EINVAL (NULL or misaligned @p r, NULL
 *         @p name, bad @p count, unknown flag), -ENAMETOOLONG.
 */
int ring_init(struct ring *r, const char *name, unsigned count, unsigned flags);

/**
 * Create a ring in DMA memory and register it under @p name.
 * @param name      unique name (< RING_NAMESIZE bytes), see ring_lookup()
 * @param count     as for ring_get_memsize()
 * @param socket_id NUMA node for the memory, or EAL_SOCKET_ID_ANY
 * @param flags     RING_F_SP_ENQ, RING_F_SC_DEQ, RING_F_EXACT_SZ
 * @return the ring, or NULL with errno set: EINVAL (bad argument),
 *         ENAMETOOLONG, EEXIST (name in use), ENOMEM (no DMA memory: has
 *         eal_init() run?). Each failure is logged.
 */
struct ring *ring_create(const char *name, unsigned count, int socket_id,
			 unsigned flags);

/**
 * Free a ring made by ring_create() and unregister it. NULL is ignored; a
 * ring from ring_init() is refused with a log message (its memory is not
 * ours). No thread may use the ring any more.
 */
void ring_free(struct ring *r);

/**
 * Find a ring made by ring_create().
 * @return the ring, or NULL with errno ENOENT (no such ring) or EINVAL
 *         (NULL name).
 */
struct ring *ring_lookup(const char *name);

/**
 * Empty the ring. Not thread-safe: no other thread may use the ring while
 * it runs.
 */
void ring_reset(struct ring *r);

/** Print the ring's state (size, capacity, indexes, count) to @p f (FILE *). */
void ring_dump(void *f, const struct ring *r);

/** The ring's name. */
static inline const char *ring_name(const struct ring *r)
{
	return r->name;
}

/** The ring's flags (RING_F_*). */
static inline unsigned ring_get_flags(const struct ring *r)
{
	return r->flags;
}

/** Number of slots of the ring (a power of two). */
static inline unsigned ring_get_size(const struct ring *r)
{
	return r->size;
}

/** Largest number of objects the ring holds at once. */
static inline unsigned ring_get_capacity(const struct ring *r)
{
	return r->capacity;
}

/**
 * Number of objects in the ring. Exact when no other thread is using the
 * ring; otherwise a value the ring had at some point during the call.
 */
static inline unsigned ring_count(const struct ring *r)
{
	/* Consumer tail first: the producer tail read after it can only be
	 * further ahead, so the difference is never negative. */
	uint32_t cons_tail = __atomic_load_n(&r->cons.tail, __ATOMIC_ACQUIRE);
	uint32_t prod_tail = __atomic_load_n(&r->prod.tail, __ATOMIC_ACQUIRE);
	uint32_t count = prod_tail - cons_tail;

	return count > r->capacity ? r->capacity : count;
}

/** Number of free slots (capacity - count). */
static inline unsigned ring_free_count(const struct ring *r)
{
	return r->capacity - ring_count(r);
}

/** Whether the ring holds capacity objects. */
static inline bool ring_full(const struct ring *r)
{
	return ring_free_count(r) == 0;
}

/** Whether the ring holds no object. */
static inline bool ring_empty(const struct ring *r)
{
	return ring_count(r) == 0;
}

/**
 * Enqueue @p n objects, all or none; safe with other producers.
 * @param r          the ring
 * @param objs       the pointers to enqueue
 * @param n          how many
 * @param free_space if not NULL, set to the free slots left after the call
 * @return @p n, or 0 when fewer than @p n slots were free.
 */
static __eal_always_inline unsigned
ring_mp_enqueue_bulk(struct ring *r, void *const *objs, unsigned n,
		     unsigned *free_space)
{
	return ring_do_enqueue(r, objs, n, RING_QUEUE_FIXED, false, free_space);
}

/**
 * Enqueue @p n objects, all or none; the caller must be the only producer.
 * Parameters and return as ring_mp_enqueue_bulk().
 */
static __eal_always_inline unsigned
ring_sp_enqueue_bulk(struct ring *r, void *const *objs, unsigned n,
		     unsigned *free_space)
{
	return ring_do_enqueue(r, objs, n, RING_QUEUE_FIXED, true, free_space);
}

/**
 * Enqueue @p n objects, all or none, single- or multi-producer as the ring
 * was created (RING_F_SP_ENQ). Parameters and return as
 * ring_mp_enqueue_bulk().
 */
static __eal_always_inline unsigned
ring_enqueue_bulk(struct ring *r, void *const *objs, unsigned n,
		  unsigned *free_space)
{
	return ring_do_enqueue(r, objs, n, RING_QUEUE_FIXED, r->prod.single,
			       free_space);
}

/**
 * Enqueue as many of @p n objects as fit; safe with other producers.
 * @param r          the ring
 * @param objs       the pointers to enqueue (the first ones go in)
 * @param n          how many at most
 * @param free_space if not NULL, set to the free slots left after the call
 * @return the number enqueued, 0 to @p n.
 */
static __eal_always_inline unsigned
ring_mp_enqueue_burst(struct ring *r, void *const *objs, unsigned n,
		      unsigned *free_space)
{
	return ring_do_enqueue(r, objs, n, RING_QUEUE_VARIABLE, false, free_space);
}

/**
 * Enqueue as many of @p n objects as fit; the caller must be the only
 * producer. Parameters and return as ring_mp_enqueue_burst().
 */
static __eal_always_inline unsigned
ring_sp_enqueue_burst(struct ring *r, void *const *objs, unsigned n,
		      unsigned *free_space)
{
	return ring_do_enqueue(r, objs, n, RING_QUEUE_VARIABLE, true, free_space);
}

/**
 * Enqueue as many of @p n objects as fit, single- or multi-producer as the
 * ring was created. Parameters and return as ring_mp_enqueue_burst().
 */
static __eal_always_inline unsigned
ring_enqueue_burst(struct ring *r, void *const *objs, unsigned n,
		   unsigned *free_space)
{
	return ring_do_enqueue(r, objs, n, RING_QUEUE_VARIABLE, r->prod.single,
			       free_space);
}

/**
 * Dequeue @p n objects, all or none; safe with other consumers.
 * @param r         the ring
 * @param objs      where to store the pointers, in FIFO order
 * @param n         how many
 * @param available if not NULL, set to the objects left after the call
 * @return @p n, or 0 when fewer than @p n objects were there.
 */
static __eal_always_inline unsigned
ring_mc_dequeue_bulk(struct ring *r, void **objs, unsigned n,
		     unsigned *available)
{
	return ring_do_dequeue(r, objs, n, RING_QUEUE_FIXED, false, available);
}

/**
 * Dequeue @p n objects, all or none; the caller must be the only consumer.
 * Parameters and return as ring_mc_dequeue_bulk().
 */
static __eal_always_inline unsigned
ring_sc_dequeue_bulk(struct ring *r, void **objs, unsigned n,
		     unsigned *available)
{
	return ring_do_dequeue(r, objs, n, RING_QUEUE_FIXED, true, available);
}

/**
 * Dequeue @p n objects, all or none, single- or multi-consumer as the ring
 * was created (RING_F_SC_DEQ). Parameters and return as
 * ring_mc_dequeue_bulk().
 */
static __eal_always_inline unsigned
ring_dequeue_bulk(struct ring *r, void **objs, unsigned n, unsigned *available)
{
	return ring_do_dequeue(r, objs, n, RING_QUEUE_FIXED, r->cons.single,
			       available);
}

/**
 * Dequeue up to @p n objects; safe with other consumers.
 * @param r         the ring
 * @param objs      where to store the pointers, in FIFO order
 * @param n         how many at most
 * @param available if not NULL, set to the objects left after the call
 * @return the number dequeued, 0 to @p n.
 */
static __eal_always_inline unsigned
ring_mc_dequeue_burst(struct ring *r, void **objs, unsigned n,
		      unsigned *available)
{
	return ring_do_dequeue(r, objs, n, RING_QUEUE_VARIABLE, false, available);
}

/**
 * Dequeue up to @p n objects; the caller must be the only consumer.
 * Parameters and return as ring_mc_dequeue_burst().
 */
static __eal_always_inline unsigned
ring_sc_dequeue_burst(struct ring *r, void **objs, unsigned n,
		      unsigned *available)
{
	return ring_do_dequeue(r, objs, n, RING_QUEUE_VARIABLE, true, available);
}

/**
 * Dequeue up to @p n objects, single- or multi-consumer as the ring was
 * created. Parameters and return as ring_mc_dequeue_burst().
 */
static __eal_always_inline unsigned
ring_dequeue_burst(struct ring *r, void **objs, unsigned n, unsigned *available)
{
	return ring_do_dequeue(r, objs, n, RING_QUEUE_VARIABLE, r->cons.single,
			       available);
}

/**
 * Enqueue one object; safe with other producers.
 * @return 0, or -ENOBUFS when the ring is full.
 */
static __eal_always_inline int ring_mp_enqueue(struct ring *r, void *obj)
{
	return ring_mp_enqueue_bulk(r, &obj, 1, NULL) ? 0 : -ENOBUFS;
}

/**
 * Enqueue one object; the caller must be the only producer.
 * @return 0, or -ENOBUFS when the ring is full.
 */
static __eal_always_inline int ring_sp_enqueue(struct ring *r, void *obj)
{
	return ring_sp_enqueue_bulk(r, &obj, 1, NULL) ? 0 : -ENOBUFS;
}

/**
 * Enqueue one object following the ring's RING_F_SP_ENQ flag.
 * @return 0, or -ENOBUFS when the ring is full.
 */
static __eal_always_inline int ring_enqueue(struct ring *r, void *obj)
{
	return ring_enqueue_bulk(r, &obj, 1, NULL) ? 0 : -ENOBUFS;
}

/**
 * Dequeue one object into @p *obj; safe with other consumers.
 * @return 0, or -ENOENT when the ring is empty (@p *obj untouched).
 */
static __eal_always_inline int ring_mc_dequeue(struct ring *r, void **obj)
{
	return ring_mc_dequeue_bulk(r, obj, 1, NULL) ? 0 : -ENOENT;
}

/**
 * Dequeue one object into @p *obj; the caller must be the only consumer.
 * @return 0, or -ENOENT when the ring is empty (@p *obj untouched).
 */
static __eal_always_inline int ring_sc_dequeue(struct ring *r, void **obj)
{
	return ring_sc_dequeue_bulk(r, obj, 1, NULL) ? 0 : -ENOENT;
}

/**
 * Dequeue one object following the ring's RING_F_SC_DEQ flag.
 * @return 0, or -ENOENT when the ring is empty (@p *obj untouched).
 */
static __eal_always_inline int ring_dequeue(struct ring *r, void **obj)
{
	return ring_dequeue_bulk(r, obj, 1, NULL) ? 0 : -ENOENT;
}

#endif /* UPDK_RING_H */
