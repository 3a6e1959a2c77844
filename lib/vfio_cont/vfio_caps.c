/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VFIO "info" answers carry a chain of capabilities after their fixed part:
 * each starts with struct vfio_info_cap_header, whose @next is the offset of
 * the following one from the start of the buffer (0 ends the chain). The
 * parsers here take the raw buffer so that the unit tests can feed crafted
 * (and broken) chains; nothing in a chain is trusted to stay in bounds.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <linux/vfio.h>

#include "vfio_private.h"

/* A chain longer than this is a loop or garbage; real ones have 1-4. */
#define CAP_CHAIN_MAX 64

/* @cap points at the capability (header included, maybe unaligned: read it
 * with memcpy), @avail bytes of the buffer from there on. */
typedef int (*cap_handler)(uint16_t id, const uint8_t *cap, size_t avail,
			   void *arg);

/*
 * Call @fn for every capability of the chain starting at @first in @buf
 * (@len bytes, the fixed part being @fixed bytes). Offsets must point past
 * the fixed part, leave room for a header, be 4-byte aligned and increase,
 * so a malicious or corrupt chain can neither escape the buffer nor loop.
 */
static int cap_chain_walk(const uint8_t *buf, size_t len, size_t fixed,
			  uint32_t first, const char *what, cap_handler fn,
			  void *arg)
{
	uint32_t off = first;
	unsigned count = 0;

	while (off != 0) {
		struct vfio_info_cap_header hdr;
		int ret;

		if (off < fixed || off % 4 != 0 ||
		    (size_t)off + sizeof(hdr) > len || ++count > CAP_CHAIN_MAX) {
			VFIO_LOG(ERR,
				 "%s: capability at offset %" PRIu32 " is outside "
				 "the %zu-byte answer or misaligned (kernel/uAPI "
				 "mismatch?)", what, off, len);
			return -EINVAL;
		}
		memcpy(&hdr, buf + off, sizeof(hdr));
		ret = fn(hdr.id, buf + off, len - off, arg);
		if (ret < 0)
			return ret;
		if (hdr.next != 0 && hdr.next <= off) {
			VFIO_LOG(ERR,
				 "%s: capability %u at offset %" PRIu32 " points "
				 "back to offset %" PRIu32 " (a loop)", what,
				 hdr.id, off, hdr.next);
			return -EINVAL;
		}
		off = hdr.next;
	}
	return 0;
}

/* ---- VFIO_IOMMU_GET_INFO ------------------------------------------------- */

static int type1_iova_ranges(const uint8_t *p, size_t avail,
			     struct vfio_container_info *info)
{
	struct vfio_iommu_type1_info_cap_iova_range cap;
	unsigned i, keep;

	if (avail < sizeof(cap)) {
		VFIO_LOG(ERR, "type1 info: IOVA range capability truncated");
		return -EINVAL;
	}
	memcpy(&cap, p, sizeof(cap));
	if (cap.nr_iovas == 0 ||
	    (avail - sizeof(cap)) / sizeof(struct vfio_iova_range) < cap.nr_iovas) {
		VFIO_LOG(ERR, "type1 info: IOVA range capability lists %" PRIu32
			 " ranges in %zu bytes", cap.nr_iovas, avail);
		return -EINVAL;
	}
	keep = cap.nr_iovas;
	if (keep > VFIO_MAX_IOVA_RANGES) {
		/* Fewer usable ranges than the kernel offers is safe: maps
		 * beyond them are refused by us, never accepted wrongly. */
		VFIO_LOG(WARNING, "type1 info: %" PRIu32 " IOVA ranges, only the "
			 "first %d are used", cap.nr_iovas, VFIO_MAX_IOVA_RANGES);
		keep = VFIO_MAX_IOVA_RANGES;
	}
	for (i = 0; i < keep; i++) {
		struct vfio_iova_range r;

		memcpy(&r, p + sizeof(cap) + i * sizeof(r), sizeof(r));
		if (r.end < r.start ||
		    (i > 0 && r.start <= info->iova_ranges[i - 1].end)) {
			VFIO_LOG(ERR, "type1 info: IOVA range %u (0x%" PRIx64
				 "-0x%" PRIx64 ") is empty, unsorted or overlaps",
				 i, (uint64_t)r.start, (uint64_t)r.end);
			return -EINVAL;
		}
		info->iova_ranges[i].start = r.start;
		info->iova_ranges[i].end = r.end;
	}
	info->nb_iova_ranges = keep;
	return 0;
}

static int type1_migration(const uint8_t *p, size_t avail,
			   struct vfio_container_info *info)
{
	struct vfio_iommu_type1_info_cap_migration cap;

	if (avail < sizeof(cap)) {
		VFIO_LOG(ERR, "type1 info: migration capability truncated");
		return -EINVAL;
	}
	memcpy(&cap, p, sizeof(cap));
	info->dirty_tracking = cap.pgsize_bitmap != 0;
	info->dirty_pgsize_bitmap = cap.pgsize_bitmap;
	info->dirty_max_bitmap_bytes = cap.max_dirty_bitmap_size;
	return 0;
}

static int type1_dma_avail(const uint8_t *p, size_t avail,
			   struct vfio_container_info *info)
{
	struct vfio_iommu_type1_info_dma_avail cap;

	if (avail < sizeof(cap)) {
		VFIO_LOG(ERR, "type1 info: DMA_AVAIL capability truncated");
		return -EINVAL;
	}
	memcpy(&cap, p, sizeof(cap));
	info->dma_avail = cap.avail;
	return 0;
}

static int type1_cap(uint16_t id, const uint8_t *cap, size_t avail, void *arg)
{
	struct vfio_container_info *info = arg;

	switch (id) {
	case VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE:
		return type1_iova_ranges(cap, avail, info);
	case VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION:
		return type1_migration(cap, avail, info);
	case VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL:
		return type1_dma_avail(cap, avail, info);
	default:
		/* Newer kernels add capabilities; they are not errors. */
		VFIO_LOG(DEBUG, "type1 info: capability %u ignored", id);
		return 0;
	}
}

int vfio_type1_info_parse(const void *buf, size_t len,
			  struct vfio_container_info *info)
{
	struct vfio_iommu_type1_info fixed;
	/* Without the capability chain the answer ends after iova_pgsizes. */
	const size_t min_len = offsetof(struct vfio_iommu_type1_info, cap_offset);
	struct vfio_container_info parsed = *info;
	int ret;

	if (buf == NULL || len < min_len) {
		VFIO_LOG(ERR, "type1 info: answer of %zu bytes, at least %zu needed",
			 len, min_len);
		return -EINVAL;
	}
	memset(&fixed, 0, sizeof(fixed));
	memcpy(&fixed, buf, EAL_MIN(len, sizeof(fixed)));
	if (fixed.argsz > len) {
		VFIO_LOG(ERR, "type1 info: the kernel wants %" PRIu32 " bytes, "
			 "%zu given", fixed.argsz, len);
		return -EINVAL;
	}
	if (fixed.flags & VFIO_IOMMU_INFO_PGSIZES)
		parsed.pgsize_bitmap = fixed.iova_pgsizes;
	if ((fixed.flags & VFIO_IOMMU_INFO_CAPS) &&
	    len >= offsetof(struct vfio_iommu_type1_info, cap_offset) +
			   sizeof(fixed.cap_offset)) {
		ret = cap_chain_walk(buf, len, sizeof(fixed), fixed.cap_offset,
				     "type1 info", type1_cap, &parsed);
		if (ret < 0)
			return ret;
	}
	*info = parsed;
	return 0;
}

/* ---- VFIO_DEVICE_GET_REGION_INFO ----------------------------------------- */

static int region_sparse_mmap(const uint8_t *p, size_t avail,
			      struct vfio_region *region)
{
	struct vfio_region_info_cap_sparse_mmap cap;
	unsigned i, keep;

	if (avail < sizeof(cap)) {
		VFIO_LOG(ERR, "region %u info: sparse mmap capability truncated",
			 region->index);
		return -EINVAL;
	}
	memcpy(&cap, p, sizeof(cap));
	if ((avail - sizeof(cap)) / sizeof(struct vfio_region_sparse_mmap_area) <
	    cap.nr_areas) {
		VFIO_LOG(ERR, "region %u info: sparse mmap capability lists %"
			 PRIu32 " areas in %zu bytes", region->index,
			 cap.nr_areas, avail);
		return -EINVAL;
	}
	keep = EAL_MIN(cap.nr_areas, (uint32_t)VFIO_MAX_MMAP_AREAS);
	if (keep < cap.nr_areas)
		VFIO_LOG(WARNING, "region %u: %" PRIu32 " mmap areas, only the "
			 "first %d can be mapped", region->index, cap.nr_areas,
			 VFIO_MAX_MMAP_AREAS);
	for (i = 0; i < keep; i++) {
		struct vfio_region_sparse_mmap_area a;

		memcpy(&a, p + sizeof(cap) + i * sizeof(a), sizeof(a));
		if (a.size > region->size || a.offset > region->size - a.size) {
			VFIO_LOG(ERR, "region %u info: mmap area %u (0x%" PRIx64
				 "+0x%" PRIx64 ") beyond the region's %" PRIu64
				 " bytes", region->index, i, (uint64_t)a.offset,
				 (uint64_t)a.size, region->size);
			return -EINVAL;
		}
		region->areas[i].offset = a.offset;
		region->areas[i].size = a.size;
	}
	region->nb_areas = keep;
	/* A sparse capability with no area means: nothing may be mapped. */
	if (cap.nr_areas == 0)
		region->flags &= ~(uint32_t)VFIO_REGION_INFO_FLAG_MMAP;
	return 0;
}

static int region_cap(uint16_t id, const uint8_t *cap, size_t avail, void *arg)
{
	struct vfio_region *region = arg;

	if (region->nb_caps < EAL_DIM(region->cap_ids))
		region->cap_ids[region->nb_caps++] = id;
	if (id == VFIO_REGION_INFO_CAP_SPARSE_MMAP)
		return region_sparse_mmap(cap, avail, region);
	return 0;
}

int vfio_region_info_parse(const void *buf, size_t len, struct vfio_region *region)
{
	struct vfio_region_info fixed;
	struct vfio_region parsed;
	int ret;

	if (buf == NULL || len < sizeof(fixed)) {
		VFIO_LOG(ERR, "region info: answer of %zu bytes, at least %zu needed",
			 len, sizeof(fixed));
		return -EINVAL;
	}
	memcpy(&fixed, buf, sizeof(fixed));
	if (fixed.argsz > len) {
		VFIO_LOG(ERR, "region %u info: the kernel wants %" PRIu32 " bytes, "
			 "%zu given", fixed.index, fixed.argsz, len);
		return -EINVAL;
	}
	memset(&parsed, 0, sizeof(parsed));
	parsed.fd = region->fd;
	parsed.index = fixed.index;
	parsed.flags = fixed.flags;
	parsed.size = fixed.size;
	parsed.offset = fixed.offset;
	if (fixed.flags & VFIO_REGION_INFO_FLAG_CAPS) {
		ret = cap_chain_walk(buf, len, sizeof(fixed), fixed.cap_offset,
				     "region info", region_cap, &parsed);
		if (ret < 0)
			return ret;
	}
	*region = parsed;
	return 0;
}
