/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Layout of struct ring and the constants its users need.
 *
 * Included by ring.h; applications should include ring.h only. The fields
 * are visible because the enqueue/dequeue fast path is inline, but they are
 * private: use the accessors in ring.h.
 */
#ifndef UPDK_RING_CORE_H
#define UPDK_RING_CORE_H

#include <stdbool.h>
#include <stdint.h>
#include "eal_common.h"

/** Longest ring name, terminating NUL included. */
#define RING_NAMESIZE 32

/** Flags for ring_create() and ring_init(). */
#define RING_F_SP_ENQ 0x1u   /**< default enqueue is single-producer */
#define RING_F_SC_DEQ 0x2u   /**< default dequeue is single-consumer */
/**
 * The ring holds exactly the requested count. Without it count must be a
 * power of two and the ring holds count - 1 objects (as DPDK's rte_ring);
 * with it the slot array is rounded up to the next power of two, so it may
 * use up to twice the memory.
 */
#define RING_F_EXACT_SZ 0x4u
/** Every flag ring_create() and ring_init() accept. */
#define RING_F_MASK (RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ)

/**
 * Largest slot array (a power of two). Indexes run freely over 32 bits and
 * are reduced with the mask, which stays correct while the array is at most
 * half the index space; keeping a wide margin below that costs nothing.
 */
#define RING_SIZE_MAX (1u << 30)

/*
 * The prefetcher of many x86 cores pulls cache lines in aligned pairs, so
 * the producer and consumer indexes are kept two lines apart: otherwise a
 * producer writing its head would still steal the consumer's line.
 */
#define RING_HEADTAIL_ALIGN (2 * CACHE_LINE_SIZE)

/** One side of the ring: producers or consumers. */
struct ring_headtail {
	/** Next index to reserve. Claimed with a CAS unless @c single. */
	uint32_t head;
	/** Every index below it has been completely written (producer side)
	 *  or read (consumer side) and can be handed to the other side. */
	uint32_t tail;
	/** Non-zero when the default operation of this side is single-thread. */
	uint32_t single;
};

/** A lock-free FIFO of pointers. Fields are private. */
struct ring {
	char name[RING_NAMESIZE];
	unsigned flags;       /**< RING_F_* given at creation */
	uint32_t size;        /**< slots, a power of two */
	uint32_t mask;        /**< size - 1 */
	uint32_t capacity;    /**< usable slots (size - 1, or the exact count) */
	bool owned;           /**< memory from ring_create(): ring_free() may free it */
	struct ring *next;    /**< registry link (ring_create() rings only) */

	struct ring_headtail prod __attribute__((aligned(RING_HEADTAIL_ALIGN)));
	struct ring_headtail cons __attribute__((aligned(RING_HEADTAIL_ALIGN)));
	/** size object slots */
	void *slots[] __attribute__((aligned(RING_HEADTAIL_ALIGN)));
};

#endif /* UPDK_RING_CORE_H */
