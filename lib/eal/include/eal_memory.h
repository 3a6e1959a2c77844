/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * DMA memory: hugepage-backed segments and an allocator over them.
 *
 * A memory segment (struct eal_memseg) is one IOVA-contiguous piece of
 * shared memory: virtual address, IOVA, length, page size, NUMA node, and
 * the **fd and offset** of its backing file (a hugetlbfs file, a
 * memfd_create(MFD_HUGETLB), or a plain memfd with --no-huge). A vfio-user
 * peer maps the same bytes from (fd, offset); a kernel IOMMU maps them by
 * virtual address.
 *
 * IOVA=VA by default. With --iova-mode=pa each hugepage is its own segment
 * with its physical address from /proc/self/pagemap.
 *
 * Segments appear as the allocator grows and disappear when it shrinks (and
 * at eal_cleanup()). DMA containers subscribe to these events so that every
 * byte handed out by eal_dma_zalloc() is mapped for every device before the
 * caller sees it.
 */
#ifndef UPDK_EAL_MEMORY_H
#define UPDK_EAL_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "eal_common.h"

#define EAL_BAD_IOVA UINT64_MAX
/** Allocate on any NUMA node (the caller's first). */
#define EAL_SOCKET_ID_ANY (-1)

enum eal_iova_mode { EAL_IOVA_VA = 0, EAL_IOVA_PA = 1 };

struct eal_memseg {
	void *addr;        /**< start in this process */
	uint64_t iova;     /**< start as devices see it */
	size_t len;        /**< bytes, a multiple of page_size */
	size_t page_size;  /**< 4 KiB (--no-huge), 2 MiB or 1 GiB */
	int fd;            /**< backing file; stays open while the segment lives */
	off_t fd_offset;   /**< where addr starts in fd */
	int socket_id;     /**< NUMA node of the memory (0 without NUMA) */
	unsigned id;       /**< stable index, unique while the segment lives */
};

/** Calls @p fn for each live segment in address order until it returns
 *  non-zero. @return that value, 0, or -EINVAL for a NULL @p fn. Holds the
 *  memory lock: @p fn may look memory up (eal_memseg_find(),
 *  eal_virt2iova()) but not allocate or free DMA memory (refused with
 *  EDEADLK). */
int eal_memseg_walk(int (*fn)(const struct eal_memseg *seg, void *arg), void *arg);

/** The segment containing @p addr, or NULL. The pointer stays valid while
 *  the segment lives. */
const struct eal_memseg *eal_memseg_find(const void *addr);

/** IOVA of @p addr inside DMA memory, or EAL_BAD_IOVA. */
uint64_t eal_virt2iova(const void *addr);

/** Translate any virtual address of this process with /proc/self/pagemap.
 *  @return physical address, or EAL_BAD_IOVA (errno: EPERM without
 *  CAP_SYS_ADMIN, ENOENT for an unmapped page). Slow: not for fast paths. */
uint64_t eal_virt2phys(const void *addr);

/** IOVA mode of this run (EAL_IOVA_VA before eal_init()). */
enum eal_iova_mode eal_iova_mode(void);

enum eal_mem_event {
	EAL_MEM_EVENT_ALLOC, /**< segment added: map it */
	EAL_MEM_EVENT_FREE,  /**< segment about to be removed: unmap it */
};

/**
 * Memory event callback. Called with the memory lock held, in the thread
 * that grows or shrinks memory. An ALLOC callback returning non-zero fails
 * the allocation that caused it (the segment is announced FREE to those
 * already told, then released), so a container that cannot map memory
 * makes eal_dma_zalloc() fail rather than hand out unmapped memory.
 */
typedef int (*eal_mem_event_cb)(enum eal_mem_event ev,
				const struct eal_memseg *seg, void *arg);

/**
 * Subscribe to memory events. With @p replay, every live segment is first
 * announced as ALLOC (under the same lock, so none is missed or doubled);
 * if one of those fails the subscription is not made and the segments
 * already replayed are announced FREE.
 *
 * A subscription may be made before eal_init() (it then hears every
 * segment from the first). It should be undone before eal_cleanup(), which
 * announces the remaining segments FREE and then drops any subscription
 * left, with a warning naming it.
 * @return 0, -EEXIST (same cb and arg), -ENOSPC (all slots used), -EINVAL
 *         (NULL @p cb), -EDEADLK (called from a callback), or the
 *         callback's error.
 */
int eal_mem_event_callback_register(const char *name, eal_mem_event_cb cb,
				    void *arg, bool replay);
/** Unsubscribe. With @p replay, every live segment is announced FREE first.
 *  @return 0, -ENOENT (not subscribed), or -EDEADLK (from a callback). */
int eal_mem_event_callback_unregister(eal_mem_event_cb cb, void *arg, bool replay);

/**
 * Allocate zeroed DMA memory: IOVA-contiguous, pinned, shared (has an fd).
 * @param name    for statistics and error messages
 * @param size    bytes (> 0)
 * @param align   power of two, 0 means cache line
 * @param socket  NUMA node or EAL_SOCKET_ID_ANY
 * @param iova    where to store the IOVA of the result (may be NULL)
 * @return the memory, or NULL with errno: ENOMEM (no hugepages left or -m
 *         limit; the log says how many pages are needed and how to reserve
 *         them), EINVAL (bad size/align/socket, or in PA mode an alignment
 *         larger than a page), E2BIG (larger than one page in PA mode and
 *         not physically contiguous), ENODEV (before eal_init()), EDEADLK
 *         (from a memory event callback or eal_memseg_walk()), or the
 *         error of a memory event callback that refused new memory.
 */
void *eal_dma_zalloc(const char *name, size_t size, size_t align, int socket,
		     uint64_t *iova);

/** Free memory from eal_dma_zalloc(). NULL is ignored; any other pointer
 *  that is not a live allocation is logged and ignored. Memory no longer
 *  used by any allocation goes back to the system (FREE event first). */
void eal_dma_free(void *addr);

/** DMA memory statistics (eal_dma_stats_get()). */
struct eal_dma_stats {
	size_t total_bytes;  /**< mapped in segments */
	size_t used_bytes;   /**< handed out (sizes rounded up to cache lines) */
	size_t free_bytes;
	unsigned nb_segs;
	unsigned nb_allocs;
};
/** Fill @p st with a consistent snapshot (all zero before eal_init()). */
void eal_dma_stats_get(struct eal_dma_stats *st);

/** Page size the allocator uses (2 MiB, 1 GiB, or 4 KiB with --no-huge);
 *  0 before eal_init(). */
size_t eal_dma_page_size(void);

#endif /* UPDK_EAL_MEMORY_H */
