/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The type1 backend: a legacy VFIO container with the TYPE1v2 IOMMU model.
 *
 * The address space exists only once the first group has joined and
 * VFIO_SET_IOMMU was done; VFIO_IOMMU_GET_INFO and the extension checks
 * that depend on the model (UNMAP_ALL, UPDATE_VADDR) are only meaningful
 * from then on, so they run at the first attach, not at open.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "vfio_private.h"

/* The first GET_INFO guess; the kernel tells the real size if larger. */
#define TYPE1_INFO_FIRST_SIZE 512
#define TYPE1_INFO_MAX_SIZE (64 * 1024)

struct type1_state {
	struct vfio_legacy lg;
	bool unmap_all;     /* VFIO_UNMAP_ALL extension */
	bool update_vaddr;  /* VFIO_UPDATE_VADDR extension */
};

static struct type1_state *state_of(struct vfio_container *c)
{
	return c->priv;
}

static int type1_open(struct vfio_container *c, const char *target)
{
	struct type1_state *st;
	int ret;

	if (target != NULL && target[0] != '\0') {
		VFIO_LOG(ERR, "type1 takes no target ('%s' given)", target);
		return -EINVAL;
	}
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return -ENOMEM;
	ret = vfio_legacy_open(&st->lg, VFIO_TYPE1v2_IOMMU);
	if (ret < 0) {
		free(st);
		return ret;
	}
	memset(&c->info, 0, sizeof(c->info));
	c->priv = st;
	c->address_space_ready = false;
	return 0;
}

static void type1_release(struct vfio_container *c)
{
	struct type1_state *st = state_of(c);

	if (st == NULL)
		return;
	vfio_legacy_close(&st->lg);
	free(st);
	c->priv = NULL;
	c->address_space_ready = false;
}

/* VFIO_IOMMU_GET_INFO with its capability chain, into c->info. */
static int type1_refresh_info(struct vfio_container *c)
{
	struct type1_state *st = state_of(c);
	size_t size = TYPE1_INFO_FIRST_SIZE;
	struct vfio_iommu_type1_info *info;
	struct vfio_container_info parsed;
	int attempt, ret;

	for (attempt = 0; attempt < 3; attempt++) {
		info = calloc(1, size);
		if (info == NULL)
			return -ENOMEM;
		info->argsz = (uint32_t)size;
		if (ioctl(st->lg.container_fd, VFIO_IOMMU_GET_INFO, info) < 0) {
			ret = -errno;
			VFIO_LOG(ERR, "VFIO_IOMMU_GET_INFO failed: %s", strerror(-ret));
			free(info);
			return ret;
		}
		if (info->argsz <= size)
			break;
		size = info->argsz;
		free(info);
		info = NULL;
		if (size > TYPE1_INFO_MAX_SIZE) {
			VFIO_LOG(ERR, "VFIO_IOMMU_GET_INFO wants %zu bytes", size);
			return -EINVAL;
		}
	}
	if (info == NULL)
		return -EAGAIN;
	/* Start from nothing: capabilities absent now are absent. */
	memset(&parsed, 0, sizeof(parsed));
	ret = vfio_type1_info_parse(info, size, &parsed);
	free(info);
	if (ret < 0)
		return ret;
	if (parsed.pgsize_bitmap == 0) {
		VFIO_LOG(ERR, "VFIO_IOMMU_GET_INFO reports no IOMMU page size");
		return -EINVAL;
	}
	c->info = parsed;
	return 0;
}

/* DMA_AVAIL moves with every mapping; tools and tests re-read it. */
static int type1_refresh_info_op(struct vfio_container *c)
{
	if (state_of(c) == NULL || !c->address_space_ready)
		return -ENXIO;
	return type1_refresh_info(c);
}

static void type1_log_info(const struct vfio_container *c)
{
	const struct vfio_container_info *in = &c->info;
	unsigned i;

	VFIO_LOG(INFO, "type1: page sizes 0x%" PRIx64 ", %u IOVA range(s), "
		 "DMA_AVAIL %" PRIu32 ", dirty tracking %s (pgsizes 0x%" PRIx64
		 ", bitmap <= %" PRIu64 " bytes)", in->pgsize_bitmap,
		 in->nb_iova_ranges, in->dma_avail,
		 in->dirty_tracking ? "yes" : "no", in->dirty_pgsize_bitmap,
		 in->dirty_max_bitmap_bytes);
	for (i = 0; i < in->nb_iova_ranges; i++)
		VFIO_LOG(DEBUG, "type1: IOVA range 0x%" PRIx64 "-0x%" PRIx64,
			 in->iova_ranges[i].start, in->iova_ranges[i].end);
}

static int type1_device_attach(struct vfio_container *c, const char *name,
			       struct vfio_device **dev)
{
	struct type1_state *st = state_of(c);
	struct vfio_group *group;
	bool first_group;
	char bdf[13];
	int fd, ret;

	if (st == NULL || dev == NULL)
		return -EINVAL;
	fd = vfio_legacy_device_open(&st->lg, name, bdf, &group, &first_group);
	if (fd < 0)
		return fd;
	if (first_group) {
		/* Before SET_IOMMU these extensions read 0 whatever the kernel. */
		st->unmap_all = ioctl(st->lg.container_fd, VFIO_CHECK_EXTENSION,
				      VFIO_UNMAP_ALL) > 0;
		st->update_vaddr = ioctl(st->lg.container_fd, VFIO_CHECK_EXTENSION,
					 VFIO_UPDATE_VADDR) > 0;
	}
	/* Every group may cut more reserved ranges out of the space. */
	ret = type1_refresh_info(c);
	if (ret < 0) {
		close(fd);
		group->nb_devices--;
		return ret;
	}
	if (first_group) {
		type1_log_info(c);
		VFIO_LOG(DEBUG, "type1: UNMAP_ALL %s, UPDATE_VADDR %s",
			 st->unmap_all ? "yes" : "no", st->update_vaddr ? "yes" : "no");
	}
	c->address_space_ready = true;
	return vfio_legacy_device_wrap(c, fd, bdf, group, dev);
}

static int type1_ioctl_unmap(int fd, struct vfio_iommu_type1_dma_unmap *unmap,
			     uint64_t min_pgsize)
{
	while (ioctl(fd, VFIO_IOMMU_UNMAP_DMA, unmap) < 0) {
		/*
		 * Kernels from v4.15 (71a7d3d78e3c) until the fix in v5.0 have
		 * an overflow in the wrap-around check of type1's unmap, so a
		 * range ending at the very top of the address space (iova +
		 * size wraps to 0) fails with EINVAL. Nothing is ever mapped
		 * in that last page, so retry without it.
		 */
		if (errno == EINVAL && unmap->size > min_pgsize &&
		    unmap->iova + unmap->size == 0) {
			unmap->size -= min_pgsize;
			continue;
		}
		return -errno;
	}
	return 0;
}

static int type1_dma_unmap(struct vfio_container *c, uint64_t iova, size_t len,
			   unsigned flags)
{
	struct type1_state *st = state_of(c);
	struct vfio_iommu_type1_dma_unmap unmap = { .argsz = sizeof(unmap) };
	uint64_t min_pgsize = vfio_min_pgsize(&c->info);
	int ret;

	if (st == NULL || !c->address_space_ready) {
		VFIO_LOG(ERR, "type1: dma_unmap before a device was attached "
			 "(the address space does not exist yet)");
		return -ENXIO;
	}
	if (flags & ~VFIO_DMA_UNMAP_ALL)
		return -EINVAL;
	if (flags & VFIO_DMA_UNMAP_ALL) {
		if (iova != 0 || len != 0) {
			VFIO_LOG(ERR, "type1: dma_unmap with VFIO_DMA_UNMAP_ALL "
				 "takes iova 0 and len 0");
			return -EINVAL;
		}
		if (st->unmap_all) {
			unmap.flags = VFIO_DMA_UNMAP_FLAG_ALL;
		} else {
			/* The whole space in one range that does not wrap. */
			unmap.iova = 0;
			unmap.size = (uint64_t)0 - min_pgsize;
		}
	} else {
		if (len == 0 || (iova | len) & (min_pgsize - 1)) {
			VFIO_LOG(ERR, "type1: dma_unmap(0x%" PRIx64 ", %zu): must be "
				 "non-empty and %" PRIu64 "-byte aligned", iova, len,
				 min_pgsize);
			return -EINVAL;
		}
		unmap.iova = iova;
		unmap.size = len;
	}
	ret = type1_ioctl_unmap(st->lg.container_fd, &unmap, min_pgsize);
	if (ret < 0) {
		VFIO_LOG(ERR, "type1: VFIO_IOMMU_UNMAP_DMA(0x%" PRIx64 ", %zu%s) "
			 "failed: %s%s", iova, len,
			 (flags & VFIO_DMA_UNMAP_ALL) ? ", all" : "", strerror(-ret),
			 ret == -EINVAL ? " (the range must cover whole mappings)" : "");
		return ret;
	}
	return 0;
}

static int type1_dma_map(struct vfio_container *c, uint64_t iova, void *vaddr,
			 size_t len, int fd __eal_unused, off_t fd_offset __eal_unused,
			 unsigned prot)
{
	struct type1_state *st = state_of(c);
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.vaddr = (uint64_t)(uintptr_t)vaddr,
		.iova = iova,
		.size = len,
	};
	uint64_t min_pgsize;
	int ret;

	if (st == NULL || !c->address_space_ready) {
		VFIO_LOG(ERR, "type1: dma_map before a device was attached (the "
			 "IOMMU model is set when the first group joins)");
		return -ENXIO;
	}
	min_pgsize = vfio_min_pgsize(&c->info);
	if (len == 0 || ((uintptr_t)vaddr | iova | len) & (min_pgsize - 1) ||
	    prot == 0 || (prot & ~(VFIO_DMA_READ | VFIO_DMA_WRITE))) {
		VFIO_LOG(ERR, "type1: dma_map(iova 0x%" PRIx64 ", va %p, %zu bytes, "
			 "prot 0x%x): address and length must be non-empty and %"
			 PRIu64 "-byte aligned, prot READ and/or WRITE", iova,
			 vaddr, len, prot, min_pgsize);
		return -EINVAL;
	}
	ret = vfio_iova_check(&c->info, iova, len, vaddr);
	if (ret < 0)
		return ret;
	if (prot & VFIO_DMA_READ)
		map.flags |= VFIO_DMA_MAP_FLAG_READ;
	if (prot & VFIO_DMA_WRITE)
		map.flags |= VFIO_DMA_MAP_FLAG_WRITE;
	/*
	 * A map can fail with EBUSY where something stale still sits at these
	 * IOVAs (seen in the VGA ROM space by QEMU); unmapping the range and
	 * mapping once more clears it.
	 */
	if (ioctl(st->lg.container_fd, VFIO_IOMMU_MAP_DMA, &map) == 0)
		return 0;
	ret = -errno;
	if (ret == -EBUSY) {
		struct vfio_iommu_type1_dma_unmap unmap = {
			.argsz = sizeof(unmap), .iova = iova, .size = len,
		};

		VFIO_LOG(DEBUG, "type1: map of 0x%" PRIx64 "+%zu busy, unmapping "
			 "and retrying once", iova, len);
		if (type1_ioctl_unmap(st->lg.container_fd, &unmap, min_pgsize) == 0 &&
		    ioctl(st->lg.container_fd, VFIO_IOMMU_MAP_DMA, &map) == 0)
			return 0;
		ret = -errno;
	}
	if (ret == -ENOSPC)
		VFIO_LOG(ERR, "type1: VFIO_IOMMU_MAP_DMA(iova 0x%" PRIx64 ", %zu "
			 "bytes) failed: no DMA mapping entries left (DMA_AVAIL "
			 "was %" PRIu32 "; raise vfio_iommu_type1's dma_entry_limit "
			 "module parameter)", iova, len, c->info.dma_avail);
	else if (ret == -ENOMEM || ret == -EPERM)
		VFIO_LOG(ERR, "type1: VFIO_IOMMU_MAP_DMA(iova 0x%" PRIx64 ", %zu "
			 "bytes) failed: %s: pinning the memory exceeds the locked "
			 "memory limit (ulimit -l) or the machine's memory",
			 iova, len, strerror(-ret));
	else
		VFIO_LOG(ERR, "type1: VFIO_IOMMU_MAP_DMA(iova 0x%" PRIx64 ", va %p, "
			 "%zu bytes) failed: %s%s", iova, vaddr, len, strerror(-ret),
			 ret == -EEXIST ? " (overlaps an existing mapping)" :
			 ret == -EINVAL ? " (IOVA beyond the IOMMU's address width? "
					  "an emulated intel-iommu needs aw-bits=48 "
					  "for IOVA = VA)" : "");
	return ret;
}

static int type1_dirty_pages(struct vfio_container *c, uint32_t flag)
{
	struct type1_state *st = state_of(c);
	struct vfio_iommu_type1_dirty_bitmap dirty = {
		.argsz = sizeof(dirty), .flags = flag,
	};

	if (st == NULL || !c->address_space_ready)
		return -ENXIO;
	if (!c->info.dirty_tracking) {
		VFIO_LOG(ERR, "type1: the kernel reports no dirty page tracking "
			 "(no migration capability in VFIO_IOMMU_GET_INFO)");
		return -ENOTSUP;
	}
	if (ioctl(st->lg.container_fd, VFIO_IOMMU_DIRTY_PAGES, &dirty) < 0) {
		int err = errno;

		VFIO_LOG(ERR, "type1: VFIO_IOMMU_DIRTY_PAGES(%s) failed: %s",
			 flag == VFIO_IOMMU_DIRTY_PAGES_FLAG_START ? "start" : "stop",
			 strerror(err));
		return -err;
	}
	return 0;
}

static int type1_dirty_tracking_start(struct vfio_container *c)
{
	return type1_dirty_pages(c, VFIO_IOMMU_DIRTY_PAGES_FLAG_START);
}

static int type1_dirty_tracking_stop(struct vfio_container *c)
{
	return type1_dirty_pages(c, VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP);
}

static int type1_dirty_bitmap_query(struct vfio_container *c, uint64_t iova,
				    size_t len, size_t pgsize, uint64_t *bitmap)
{
	struct type1_state *st = state_of(c);
	struct vfio_iommu_type1_dirty_bitmap hdr;
	struct vfio_iommu_type1_dirty_bitmap_get range;
	/* The header's data[] is the range: one buffer holds both, 8-aligned. */
	uint64_t req[(sizeof(hdr) + sizeof(range) + 7) / 8];
	uint64_t pages;

	if (st == NULL || !c->address_space_ready)
		return -ENXIO;
	if (!c->info.dirty_tracking)
		return -ENOTSUP;
	if (bitmap == NULL || pgsize == 0 || !EAL_IS_POWER_OF_2(pgsize) ||
	    len == 0 || (iova | len) & (pgsize - 1))
		return -EINVAL;
	pages = len / pgsize;
	memset(&hdr, 0, sizeof(hdr));
	memset(&range, 0, sizeof(range));
	memset(req, 0, sizeof(req));
	hdr.argsz = sizeof(hdr) + sizeof(range);
	hdr.flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP;
	range.iova = iova;
	range.size = len;
	range.bitmap.pgsize = pgsize;
	/* The kernel wants whole 64-bit words. */
	range.bitmap.size = (pages + 63) / 64 * sizeof(uint64_t);
	range.bitmap.data = (__u64 *)bitmap;
	memcpy(req, &hdr, sizeof(hdr));
	memcpy((uint8_t *)req + sizeof(hdr), &range, sizeof(range));
	if (ioctl(st->lg.container_fd, VFIO_IOMMU_DIRTY_PAGES, req) < 0) {
		int err = errno;

		VFIO_LOG(ERR, "type1: VFIO_IOMMU_DIRTY_PAGES(get, iova 0x%" PRIx64
			 ", %zu bytes, pgsize %zu) failed: %s%s", iova, len, pgsize,
			 strerror(err),
			 err == EINVAL ? " (the range must start and end on mapping "
					 "boundaries, pgsize be the smallest IOMMU "
					 "page, and tracking be started)" : "");
		return -err;
	}
	return 0;
}

const struct vfio_container_ops vfio_type1_container_ops = {
	.name = "type1",
	.maps_by_fd = false,
	.open = type1_open,
	.release = type1_release,
	.dma_map = type1_dma_map,
	.dma_unmap = type1_dma_unmap,
	.dirty_tracking_start = type1_dirty_tracking_start,
	.dirty_tracking_stop = type1_dirty_tracking_stop,
	.dirty_bitmap_query = type1_dirty_bitmap_query,
	.refresh_info = type1_refresh_info_op,
	.device_attach = type1_device_attach,
	.device_detach = vfio_legacy_device_detach,
};
