/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The iommufd backend's ioctl requests, built by small pure functions so
 * that a unit test can check every field and size on a machine whose kernel
 * has no iommufd (the build host runs 6.1 in its test guest). The backend
 * only adds the ioctl() around them.
 */
#ifndef UPDK_IOMMUFD_REQUEST_H
#define UPDK_IOMMUFD_REQUEST_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "iommufd_uapi.h"
#include "vfio_cont.h"

static inline struct iommu_ioas_alloc iommufd_req_ioas_alloc(void)
{
	struct iommu_ioas_alloc req;

	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	return req;
}

static inline struct iommu_destroy iommufd_req_destroy(uint32_t id)
{
	struct iommu_destroy req;

	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.id = id;
	return req;
}

/* @ranges has room for @nb_ranges entries (0 to ask how many there are). */
static inline struct iommu_ioas_iova_ranges
iommufd_req_iova_ranges(uint32_t ioas_id, struct iommu_iova_range *ranges,
			uint32_t nb_ranges)
{
	struct iommu_ioas_iova_ranges req;

	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.ioas_id = ioas_id;
	req.num_iovas = nb_ranges;
	req.allowed_iovas = (uint64_t)(uintptr_t)ranges;
	return req;
}

/* Always at a fixed IOVA: the container decides where memory sits. @prot is
 * VFIO_DMA_READ | VFIO_DMA_WRITE. */
static inline struct iommu_ioas_map
iommufd_req_ioas_map(uint32_t ioas_id, uint64_t iova, const void *vaddr,
		     uint64_t len, unsigned prot)
{
	struct iommu_ioas_map req;

	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.flags = IOMMU_IOAS_MAP_FIXED_IOVA;
	if (prot & VFIO_DMA_READ)
		req.flags |= IOMMU_IOAS_MAP_READABLE;
	if (prot & VFIO_DMA_WRITE)
		req.flags |= IOMMU_IOAS_MAP_WRITEABLE;
	req.ioas_id = ioas_id;
	req.user_va = (uint64_t)(uintptr_t)vaddr;
	req.length = len;
	req.iova = iova;
	return req;
}

/* @all: every mapping of the IOAS (iova 0, length UINT64_MAX is the
 * kernel's spelling of it). */
static inline struct iommu_ioas_unmap
iommufd_req_ioas_unmap(uint32_t ioas_id, uint64_t iova, uint64_t len, bool all)
{
	struct iommu_ioas_unmap req;

	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.ioas_id = ioas_id;
	req.iova = all ? 0 : iova;
	req.length = all ? UINT64_MAX : len;
	return req;
}

static inline struct iommu_hw_info iommufd_req_hw_info(uint32_t dev_id)
{
	struct iommu_hw_info req;

	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.dev_id = dev_id;
	return req;
}

/* A page table of IOAS @ioas_id for device @dev_id, able to track dirty
 * pages when @dirty_tracking. */
static inline struct iommu_hwpt_alloc
iommufd_req_hwpt_alloc(uint32_t dev_id, uint32_t ioas_id, bool dirty_tracking)
{
	struct iommu_hwpt_alloc req;

	memset(&req, 0, sizeof(req));
	req.size = IOMMUFD_HWPT_ALLOC_SIZE;
	req.flags = dirty_tracking ? IOMMU_HWPT_ALLOC_DIRTY_TRACKING : 0;
	req.dev_id = dev_id;
	req.pt_id = ioas_id;
	req.data_type = IOMMU_HWPT_DATA_NONE;
	return req;
}

static inline struct iommu_hwpt_set_dirty_tracking
iommufd_req_set_dirty_tracking(uint32_t hwpt_id, bool enable)
{
	struct iommu_hwpt_set_dirty_tracking req;

	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.flags = enable ? IOMMU_HWPT_DIRTY_TRACKING_ENABLE : 0;
	req.hwpt_id = hwpt_id;
	return req;
}

/* Reads and clears the dirty bits of [iova, iova + len) into @bitmap. */
static inline struct iommu_hwpt_get_dirty_bitmap
iommufd_req_get_dirty_bitmap(uint32_t hwpt_id, uint64_t iova, uint64_t len,
			     uint64_t pgsize, uint64_t *bitmap)
{
	struct iommu_hwpt_get_dirty_bitmap req;

	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.hwpt_id = hwpt_id;
	req.iova = iova;
	req.length = len;
	req.page_size = pgsize;
	req.data = (uint64_t)(uintptr_t)bitmap;
	return req;
}

static inline struct vfio_device_bind_iommufd vfio_req_bind_iommufd(int iommufd)
{
	struct vfio_device_bind_iommufd req;

	memset(&req, 0, sizeof(req));
	req.argsz = VFIO_BIND_IOMMUFD_SIZE;
	req.iommufd = iommufd;
	return req;
}

/* @pt_id: an IOAS (the kernel picks a page table) or a HWPT. */
static inline struct vfio_device_attach_iommufd_pt vfio_req_attach_pt(uint32_t pt_id)
{
	struct vfio_device_attach_iommufd_pt req;

	memset(&req, 0, sizeof(req));
	req.argsz = VFIO_ATTACH_PT_SIZE;
	req.pt_id = pt_id;
	return req;
}

#endif /* UPDK_IOMMUFD_REQUEST_H */
