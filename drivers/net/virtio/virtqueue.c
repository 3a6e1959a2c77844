/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>
#include "eal_common.h"
#include "virtqueue.h"

int virtq_layout_get(uint16_t size, struct virtq_layout *lay)
{
	size_t avail_bytes, used_bytes;

	if (lay == NULL || size == 0 || !EAL_IS_POWER_OF_2(size) || size > VIRTQ_MAX_SIZE)
		return -EINVAL;
	/* 2.7 "Virtqueue Part Sizes": desc 16 * size; avail 6 + 2 * size
	 * (flags, idx, ring, used_event); used 6 + 8 * size (flags, idx,
	 * ring, avail_event). */
	avail_bytes = 6u + 2u * (size_t)size;
	used_bytes = 6u + 8u * (size_t)size;
	lay->desc_off = 0;
	lay->avail_off = EAL_ALIGN_CEIL(lay->desc_off + sizeof(struct virtq_desc) * size,
					(size_t)CACHE_LINE_SIZE);
	lay->used_off = EAL_ALIGN_CEIL(lay->avail_off + avail_bytes, (size_t)CACHE_LINE_SIZE);
	lay->total = EAL_ALIGN_CEIL(lay->used_off + used_bytes, (size_t)CACHE_LINE_SIZE);
	return 0;
}

int virtq_init(struct virtqueue *vq, void *mem, uint64_t iova, uint16_t size,
	       bool event_idx, uint16_t *chain_len, void **cookie)
{
	struct virtq_layout lay;
	char *base = mem;
	uint16_t i;

	if (vq == NULL || mem == NULL || chain_len == NULL || cookie == NULL ||
	    virtq_layout_get(size, &lay) < 0 || ((uintptr_t)mem % VIRTQ_DESC_ALIGN) != 0 ||
	    (iova % VIRTQ_DESC_ALIGN) != 0)
		return -EINVAL;
	memset(mem, 0, lay.total);
	memset(vq, 0, sizeof(*vq));
	vq->desc = (volatile struct virtq_desc *)(void *)(base + lay.desc_off);
	vq->avail = (volatile struct virtq_avail *)(void *)(base + lay.avail_off);
	vq->used = (volatile struct virtq_used *)(void *)(base + lay.used_off);
	vq->used_event = &vq->avail->ring[size];
	vq->avail_event = (volatile uint16_t *)(volatile void *)&vq->used->ring[size];
	vq->desc_iova = iova + lay.desc_off;
	vq->avail_iova = iova + lay.avail_off;
	vq->used_iova = iova + lay.used_off;
	vq->size = size;
	vq->mask = (uint16_t)(size - 1u);
	vq->event_idx = event_idx;
	vq->chain_len = chain_len;
	vq->cookie = cookie;
	for (i = 0; i < size; i++) {
		vq->desc[i].next = (uint16_t)(i + 1u);
		chain_len[i] = 0;
		cookie[i] = NULL;
	}
	vq->free_head = 0;
	vq->num_free = size;
	return 0;
}
