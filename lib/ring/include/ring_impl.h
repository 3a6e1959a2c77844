/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Inline implementation behind the enqueue/dequeue functions of ring.h.
 * Not an API: include ring.h.
 *
 * An operation has three steps on one side of the ring:
 *  1. move the head forward by n, reserving n slots (a CAS when several
 *     threads share that side, a plain store otherwise);
 *  2. copy the objects into (or out of) the reserved slots;
 *  3. move the tail to the new head once every earlier reservation on the
 *     same side has moved it to ours, which publishes the slots to the
 *     other side in reservation order.
 *
 * Memory ordering (C11 model, via the __atomic builtins):
 *  - a tail is stored with release and loaded with acquire, so the slot
 *    writes of producers happen before the reads of the consumers that see
 *    the new producer tail, and the slot reads of consumers happen before
 *    the writes of producers that see the new consumer tail;
 *  - waiting for the previous tail (step 3) is an acquire load, so that the
 *    earlier threads' slot accesses are ordered before our release of the
 *    tail as well (a plain store by us does not extend their release
 *    sequence);
 *  - the head CAS is release on success and acquire when (re)loading: the
 *    next thread on the same side then sees at least the other side's tail
 *    that we saw, so its free/used count can never be computed from an
 *    older tail than the one our reservation was based on.
 *  On x86 all of these are plain loads and stores (plus the locked CAS).
 */
#ifndef UPDK_RING_IMPL_H
#define UPDK_RING_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include "eal_common.h"
#include "ring_core.h"

/** How many objects an operation may move. */
enum ring_queue_behavior {
	RING_QUEUE_FIXED = 0, /**< exactly n, or none */
	RING_QUEUE_VARIABLE,  /**< as many as possible, up to n */
};

/*
 * Reserve up to @n slots for producers. Stores the reservation in
 * @old_head/@new_head and the free slots seen before it in @free_entries.
 * Returns the number reserved (0 when there is no room for a FIXED request).
 */
static __eal_always_inline unsigned
ring_move_prod_head(struct ring *r, bool single, unsigned n,
		    enum ring_queue_behavior behavior, uint32_t *old_head,
		    uint32_t *new_head, uint32_t *free_entries)
{
	const uint32_t capacity = r->capacity;
	const unsigned wanted = n;
	bool reserved;

	*old_head = __atomic_load_n(&r->prod.head, __ATOMIC_ACQUIRE);
	do {
		n = wanted;
		uint32_t cons_tail = __atomic_load_n(&r->cons.tail, __ATOMIC_ACQUIRE);
		/* Unsigned arithmetic handles the indexes wrapping at 2^32. */
		*free_entries = capacity + cons_tail - *old_head;
		if (unlikely(n > *free_entries))
			n = behavior == RING_QUEUE_FIXED ? 0 : *free_entries;
		if (unlikely(n == 0))
			return 0;
		*new_head = *old_head + n;
		if (single) {
			__atomic_store_n(&r->prod.head, *new_head, __ATOMIC_RELAXED);
			reserved = true;
		} else {
			reserved = __atomic_compare_exchange_n(&r->prod.head, old_head,
							       *new_head, false,
							       __ATOMIC_ACQ_REL,
							       __ATOMIC_ACQUIRE);
		}
	} while (unlikely(!reserved));
	return n;
}

/* The consumer-side counterpart of ring_move_prod_head(): @entries is the
 * number of objects seen before the reservation. */
static __eal_always_inline unsigned
ring_move_cons_head(struct ring *r, bool single, unsigned n,
		    enum ring_queue_behavior behavior, uint32_t *old_head,
		    uint32_t *new_head, uint32_t *entries)
{
	const unsigned wanted = n;
	bool reserved;

	*old_head = __atomic_load_n(&r->cons.head, __ATOMIC_ACQUIRE);
	do {
		n = wanted;
		uint32_t prod_tail = __atomic_load_n(&r->prod.tail, __ATOMIC_ACQUIRE);
		*entries = prod_tail - *old_head;
		if (unlikely(n > *entries))
			n = behavior == RING_QUEUE_FIXED ? 0 : *entries;
		if (unlikely(n == 0))
			return 0;
		*new_head = *old_head + n;
		if (single) {
			__atomic_store_n(&r->cons.head, *new_head, __ATOMIC_RELAXED);
			reserved = true;
		} else {
			reserved = __atomic_compare_exchange_n(&r->cons.head, old_head,
							       *new_head, false,
							       __ATOMIC_ACQ_REL,
							       __ATOMIC_ACQUIRE);
		}
	} while (unlikely(!reserved));
	return n;
}

/* Publish [old_tail, new_tail) to the other side, after the reservations
 * made before ours on this side have been published. */
static __eal_always_inline void
ring_update_tail(struct ring_headtail *ht, uint32_t old_tail, uint32_t new_tail,
		 bool single)
{
	if (!single) {
		while (unlikely(__atomic_load_n(&ht->tail, __ATOMIC_ACQUIRE) != old_tail))
			eal_pause();
	}
	__atomic_store_n(&ht->tail, new_tail, __ATOMIC_RELEASE);
}

/* Copy @n pointers: 64-byte blocks (a couple of vector moves each), then
 * one by one. The empty asm statements hide the loops from the optimiser,
 * which would otherwise turn them into memmove() calls that cost more than
 * the copy itself for the usual burst sizes. */
static __eal_always_inline void
ring_copy_ptrs(void **restrict dst, void *const *restrict src, unsigned n)
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

/* Copy @n pointers into the slots starting at index @head. */
static __eal_always_inline void
ring_copy_to_slots(struct ring *r, uint32_t head, void *const *objs, unsigned n)
{
	const uint32_t idx = head & r->mask;

	if (likely(idx + n <= r->size)) {
		ring_copy_ptrs(&r->slots[idx], objs, n);
	} else {
		/* The reservation wraps past the end of the array. */
		const unsigned first = r->size - idx;
		ring_copy_ptrs(&r->slots[idx], objs, first);
		ring_copy_ptrs(r->slots, objs + first, n - first);
	}
}

/* Copy @n pointers out of the slots starting at index @head. */
static __eal_always_inline void
ring_copy_from_slots(const struct ring *r, uint32_t head, void **objs, unsigned n)
{
	const uint32_t idx = head & r->mask;

	if (likely(idx + n <= r->size)) {
		ring_copy_ptrs(objs, &r->slots[idx], n);
	} else {
		const unsigned first = r->size - idx;
		ring_copy_ptrs(objs, &r->slots[idx], first);
		ring_copy_ptrs(objs + first, r->slots, n - first);
	}
}

/* Enqueue following @behavior; @single selects the CAS-free head move. */
static __eal_always_inline unsigned
ring_do_enqueue(struct ring *r, void *const *objs, unsigned n,
		enum ring_queue_behavior behavior, bool single,
		unsigned *free_space)
{
	uint32_t old_head, new_head, free_entries;

	n = ring_move_prod_head(r, single, n, behavior, &old_head, &new_head,
				&free_entries);
	if (likely(n != 0)) {
		ring_copy_to_slots(r, old_head, objs, n);
		ring_update_tail(&r->prod, old_head, new_head, single);
	}
	if (free_space != NULL)
		*free_space = free_entries - n;
	return n;
}

/* Dequeue following @behavior; @single selects the CAS-free head move. */
static __eal_always_inline unsigned
ring_do_dequeue(struct ring *r, void **objs, unsigned n,
		enum ring_queue_behavior behavior, bool single,
		unsigned *available)
{
	uint32_t old_head, new_head, entries;

	n = ring_move_cons_head(r, single, n, behavior, &old_head, &new_head,
				&entries);
	if (likely(n != 0)) {
		ring_copy_from_slots(r, old_head, objs, n);
		ring_update_tail(&r->cons, old_head, new_head, single);
	}
	if (available != NULL)
		*available = entries - n;
	return n;
}

#endif /* UPDK_RING_IMPL_H */
