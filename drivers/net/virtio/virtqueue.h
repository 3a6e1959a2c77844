/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The driver side of a split virtqueue (spec 2.7): where its three parts
 * lie in one DMA allocation, the free descriptor list, publishing chains
 * in the available ring, reading the used ring, and whether the device
 * wants to be notified. Knows nothing of PCI: the queue owner notifies.
 *
 * Indices are free-running 16-bit counters (spec 2.7.6, 2.7.8): a ring
 * slot is counter & (size - 1), and unsigned 16-bit subtraction gives the
 * distance across the wrap.
 */
#ifndef VIRTQUEUE_H
#define VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "virtio_spec.h"

/* Where the parts of a queue of `size` entries lie, from the start of its
 * memory. The avail and used rings start on cache lines of their own: the
 * driver writes one and the device the other. */
struct virtq_layout {
	size_t desc_off;
	size_t avail_off;
	size_t used_off;
	size_t total;     /* bytes to allocate */
};

struct virtqueue {
	volatile struct virtq_desc *desc;
	volatile struct virtq_avail *avail;
	volatile struct virtq_used *used;
	/* The extra fields after each ring (2.7.10 with VIRTIO_F_RING_EVENT_IDX). */
	volatile uint16_t *used_event;   /* in the avail ring: written by us */
	volatile uint16_t *avail_event;  /* in the used ring: written by the device */
	uint16_t size;
	uint16_t mask;
	uint16_t free_head;     /* first free descriptor, chained through next */
	uint16_t num_free;
	uint16_t avail_idx;     /* our copy of avail->idx, not yet published */
	uint16_t kicked_idx;    /* avail->idx at the last notify decision */
	uint16_t last_used_idx; /* used entries consumed */
	bool event_idx;         /* VIRTIO_F_RING_EVENT_IDX negotiated */
	uint16_t *chain_len;    /* descriptors in the chain headed by each id */
	void **cookie;          /* what each chain head carries (an mbuf) */
	uint64_t desc_iova, avail_iova, used_iova;
};

/**
 * Compute the layout of a queue of @p size entries (spec 2.7: table
 * "Virtqueue Part Sizes" and "Virtqueue Part Alignment").
 * @return 0, or -EINVAL when @p size is not a power of two in 1..32768.
 */
int virtq_layout_get(uint16_t size, struct virtq_layout *lay);

/**
 * Lay a queue of @p size entries over @p mem (zeroed by the call; at
 * least virtq_layout_get()'s total bytes, 16-byte aligned) whose device
 * address is @p iova. @p chain_len and @p cookie are arrays of @p size
 * entries the queue keeps its bookkeeping in. All descriptors are free
 * afterwards; the device is told nothing.
 * @return 0, or -EINVAL (bad size, misaligned memory).
 */
int virtq_init(struct virtqueue *vq, void *mem, uint64_t iova, uint16_t size,
	       bool event_idx, uint16_t *chain_len, void **cookie);

/* Take @p n chained descriptors off the free list; the first is returned,
 * each one's next names the following one (ours to overwrite in flags).
 * The caller checked num_free >= n. */
static inline uint16_t virtq_desc_take(struct virtqueue *vq, uint16_t n)
{
	uint16_t head = vq->free_head, last = head, i;

	for (i = 1; i < n; i++)
		last = vq->desc[last].next;
	vq->free_head = vq->desc[last].next;
	vq->num_free = (uint16_t)(vq->num_free - n);
	vq->chain_len[head] = n;
	return head;
}

/* Give the chain headed by @p head (as long as virtq_desc_take() made it)
 * back to the free list. Walks the chain by its next fields, which the
 * device does not write (spec 2.7.5: device-readable). */
static inline void virtq_desc_give(struct virtqueue *vq, uint16_t head)
{
	uint16_t n = vq->chain_len[head], last = head, i;

	for (i = 1; i < n; i++)
		last = vq->desc[last].next;
	vq->desc[last].next = vq->free_head;
	vq->free_head = head;
	vq->num_free = (uint16_t)(vq->num_free + n);
	vq->cookie[head] = NULL;
}

/* Put chain @p head in the next available slot (not yet visible). */
static inline void virtq_avail_add(struct virtqueue *vq, uint16_t head)
{
	vq->avail->ring[vq->avail_idx & vq->mask] = head;
	vq->avail_idx++;
}

/* Make the slots added since the last publish visible to the device: the
 * ring entries and descriptors are ordered before the index (2.7.13). */
static inline void virtq_avail_publish(struct virtqueue *vq)
{
	__atomic_store_n(&vq->avail->idx, vq->avail_idx, __ATOMIC_RELEASE);
}

/* 2.7.10: with event_idx, notify when the new index passed avail_event
 * since the last notification decision (the vring_need_event() test). */
static inline bool virtq_need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old_idx);
}

/* After virtq_avail_publish(): does the device want a notification?
 * (2.7.13.4 / 2.7.10). Resets the window when it says so or not. */
static inline bool virtq_kick_needed(struct virtqueue *vq)
{
	uint16_t old_idx = vq->kicked_idx, new_idx = vq->avail_idx;
	bool need;

	if (old_idx == new_idx)
		return false;
	/* The index store must be visible before we read the device's
	 * suppression state, or we may both wait (2.7.13.4). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	vq->kicked_idx = new_idx;
	if (vq->event_idx)
		need = virtq_need_event(__atomic_load_n(vq->avail_event, __ATOMIC_RELAXED),
					new_idx, old_idx);
	else
		need = !(__atomic_load_n(&vq->used->flags, __ATOMIC_RELAXED) &
			 VIRTQ_USED_F_NO_NOTIFY);
	return need;
}

/* Used entries the device published that we have not consumed. Entries
 * are read only after the index (acquire). */
static inline uint16_t virtq_used_pending(const struct virtqueue *vq)
{
	return (uint16_t)(__atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE) -
			  vq->last_used_idx);
}

/* The used entry @p ahead places after the next unconsumed one. */
static inline const volatile struct virtq_used_elem *
virtq_used_elem(const struct virtqueue *vq, uint16_t ahead)
{
	return &vq->used->ring[(uint16_t)(vq->last_used_idx + ahead) & vq->mask];
}

/* Ask the device for no interrupts (we poll): flag without event_idx,
 * used_event far behind with it (2.7.7, 2.7.10). */
static inline void virtq_interrupts_off(struct virtqueue *vq)
{
	vq->avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	if (vq->event_idx)
		*vq->used_event = (uint16_t)(vq->last_used_idx - 1u);
}

#endif /* VIRTQUEUE_H */
