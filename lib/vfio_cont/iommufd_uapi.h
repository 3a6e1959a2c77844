/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The iommufd and VFIO-cdev kernel ABI this project uses, written out from
 * the kernel's documented uAPI because the build host's linux-libc-dev
 * (6.1) predates it: linux/iommufd.h appeared in 6.2 (IOAS), the VFIO
 * device cdev ioctls in 6.6, HWPT allocation and dirty tracking in 6.7.
 *
 * Every struct is laid out exactly as the kernel reads it; the
 * static_asserts pin sizes and offsets so a typo cannot silently change the
 * ABI. The kernel accepts a shorter (older) struct than its own through
 * the leading size/argsz field, so these minimal layouts keep working as
 * later kernels append fields.
 *
 * Where a real linux/iommufd.h is present it is used instead and the same
 * asserts check that it agrees.
 */
#ifndef UPDK_IOMMUFD_UAPI_H
#define UPDK_IOMMUFD_UAPI_H

#include <stddef.h>
#include <stdint.h>
#include <linux/ioctl.h>
#include <linux/types.h>
#include <linux/vfio.h>

#if defined(__has_include)
#if __has_include(<linux/iommufd.h>)
#include <linux/iommufd.h>
#define UPDK_HAVE_LINUX_IOMMUFD_H 1
#endif
#endif

#ifndef UPDK_HAVE_LINUX_IOMMUFD_H

#define IOMMUFD_TYPE (';')

/* Command numbers: one enum in the kernel, starting at 0x80. */
enum {
	IOMMUFD_CMD_BASE = 0x80,
	IOMMUFD_CMD_DESTROY = IOMMUFD_CMD_BASE,
	IOMMUFD_CMD_IOAS_ALLOC = 0x81,
	IOMMUFD_CMD_IOAS_ALLOW_IOVAS = 0x82,
	IOMMUFD_CMD_IOAS_COPY = 0x83,
	IOMMUFD_CMD_IOAS_IOVA_RANGES = 0x84,
	IOMMUFD_CMD_IOAS_MAP = 0x85,
	IOMMUFD_CMD_IOAS_UNMAP = 0x86,
	IOMMUFD_CMD_OPTION = 0x87,
	IOMMUFD_CMD_VFIO_IOAS = 0x88,
	IOMMUFD_CMD_HWPT_ALLOC = 0x89,
	IOMMUFD_CMD_GET_HW_INFO = 0x8a,
	IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING = 0x8b,
	IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP = 0x8c,
};

struct iommu_destroy {
	__u32 size;
	__u32 id;
};
#define IOMMU_DESTROY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY)

struct iommu_ioas_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_ioas_id;
};
#define IOMMU_IOAS_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC)

struct iommu_iova_range {
	__aligned_u64 start;
	__aligned_u64 last; /* inclusive */
};

struct iommu_ioas_iova_ranges {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;        /* in: room in allowed_iovas; out: how many */
	__u32 __reserved;
	__aligned_u64 allowed_iovas; /* user pointer to struct iommu_iova_range[] */
	__aligned_u64 out_iova_alignment;
};
#define IOMMU_IOAS_IOVA_RANGES _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_IOVA_RANGES)

enum iommufd_ioas_map_flags {
	IOMMU_IOAS_MAP_FIXED_IOVA = 1 << 0,
	IOMMU_IOAS_MAP_WRITEABLE = 1 << 1,
	IOMMU_IOAS_MAP_READABLE = 1 << 2,
};

struct iommu_ioas_map {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 user_va;
	__aligned_u64 length;
	__aligned_u64 iova;
};
#define IOMMU_IOAS_MAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP)

struct iommu_ioas_unmap {
	__u32 size;
	__u32 ioas_id;
	__aligned_u64 iova;
	__aligned_u64 length;   /* out: bytes unmapped */
};
#define IOMMU_IOAS_UNMAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_UNMAP)

enum iommufd_hwpt_alloc_flags {
	IOMMU_HWPT_ALLOC_NEST_PARENT = 1 << 0,
	IOMMU_HWPT_ALLOC_DIRTY_TRACKING = 1 << 1,
};

enum iommu_hwpt_data_type {
	IOMMU_HWPT_DATA_NONE = 0,
};

/* The 6.7 layout; 6.11 appended fault_id and a reserved word. */
struct iommu_hwpt_alloc {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 pt_id;
	__u32 out_hwpt_id;
	__u32 __reserved;
	__u32 data_type;
	__u32 data_len;
	__aligned_u64 data_uptr;
};
#define IOMMU_HWPT_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_ALLOC)

enum iommufd_hw_capabilities {
	IOMMU_HW_CAP_DIRTY_TRACKING = 1 << 0,
};

struct iommu_hw_info {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 data_len;
	__aligned_u64 data_uptr;
	__u32 out_data_type;
	__u32 __reserved;
	__aligned_u64 out_capabilities;
};
#define IOMMU_GET_HW_INFO _IO(IOMMUFD_TYPE, IOMMUFD_CMD_GET_HW_INFO)

enum iommufd_hwpt_set_dirty_tracking_flags {
	IOMMU_HWPT_DIRTY_TRACKING_ENABLE = 1,
};

struct iommu_hwpt_set_dirty_tracking {
	__u32 size;
	__u32 flags;
	__u32 hwpt_id;
	__u32 __reserved;
};
#define IOMMU_HWPT_SET_DIRTY_TRACKING \
	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING)

enum iommufd_hwpt_get_dirty_bitmap_flags {
	IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR = 1,
};

struct iommu_hwpt_get_dirty_bitmap {
	__u32 size;
	__u32 hwpt_id;
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 page_size;
	__aligned_u64 data;     /* user pointer to the bitmap */
};
#define IOMMU_HWPT_GET_DIRTY_BITMAP \
	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP)

#endif /* !UPDK_HAVE_LINUX_IOMMUFD_H */

/* VFIO device cdev (/dev/vfio/devices/vfioN), Linux 6.6. */
#ifndef VFIO_DEVICE_BIND_IOMMUFD
struct vfio_device_bind_iommufd {
	__u32 argsz;
	__u32 flags;
	__s32 iommufd;
	__u32 out_devid;
};
#define VFIO_DEVICE_BIND_IOMMUFD _IO(VFIO_TYPE, VFIO_BASE + 18)

struct vfio_device_attach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
	__u32 pt_id;   /* in: IOAS or HWPT id; out: the HWPT attached */
};
#define VFIO_DEVICE_ATTACH_IOMMUFD_PT _IO(VFIO_TYPE, VFIO_BASE + 19)

struct vfio_device_detach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
};
#define VFIO_DEVICE_DETACH_IOMMUFD_PT _IO(VFIO_TYPE, VFIO_BASE + 20)
#endif

/* The ABI, pinned. A newer kernel header may have grown a struct: then only
 * the fields used here must sit where they always did. */
#define IOMMUFD_ABI_FIELD(type, field, off) \
	_Static_assert(offsetof(struct type, field) == (off), \
		       #type "." #field " must be at offset " #off)

#ifndef UPDK_HAVE_LINUX_IOMMUFD_H
_Static_assert(sizeof(struct iommu_destroy) == 8, "iommu_destroy is 8 bytes");
_Static_assert(sizeof(struct iommu_ioas_alloc) == 12, "iommu_ioas_alloc is 12 bytes");
_Static_assert(sizeof(struct iommu_iova_range) == 16, "iommu_iova_range is 16 bytes");
_Static_assert(sizeof(struct iommu_ioas_iova_ranges) == 32,
	       "iommu_ioas_iova_ranges is 32 bytes");
_Static_assert(sizeof(struct iommu_ioas_map) == 40, "iommu_ioas_map is 40 bytes");
_Static_assert(sizeof(struct iommu_ioas_unmap) == 24, "iommu_ioas_unmap is 24 bytes");
_Static_assert(sizeof(struct iommu_hwpt_alloc) == 40, "iommu_hwpt_alloc (6.7) is 40 bytes");
_Static_assert(sizeof(struct iommu_hw_info) == 40, "iommu_hw_info is 40 bytes");
_Static_assert(sizeof(struct iommu_hwpt_set_dirty_tracking) == 16,
	       "iommu_hwpt_set_dirty_tracking is 16 bytes");
_Static_assert(sizeof(struct iommu_hwpt_get_dirty_bitmap) == 48,
	       "iommu_hwpt_get_dirty_bitmap is 48 bytes");
_Static_assert(IOMMU_IOAS_ALLOC == 0x3b81, "IOMMU_IOAS_ALLOC is _IO(';', 0x81)");
_Static_assert(IOMMU_IOAS_MAP == 0x3b85, "IOMMU_IOAS_MAP is _IO(';', 0x85)");
_Static_assert(IOMMU_HWPT_GET_DIRTY_BITMAP == 0x3b8c,
	       "IOMMU_HWPT_GET_DIRTY_BITMAP is _IO(';', 0x8c)");
#endif
IOMMUFD_ABI_FIELD(iommu_ioas_alloc, out_ioas_id, 8);
IOMMUFD_ABI_FIELD(iommu_ioas_iova_ranges, num_iovas, 8);
IOMMUFD_ABI_FIELD(iommu_ioas_iova_ranges, allowed_iovas, 16);
IOMMUFD_ABI_FIELD(iommu_ioas_iova_ranges, out_iova_alignment, 24);
IOMMUFD_ABI_FIELD(iommu_ioas_map, ioas_id, 8);
IOMMUFD_ABI_FIELD(iommu_ioas_map, user_va, 16);
IOMMUFD_ABI_FIELD(iommu_ioas_map, length, 24);
IOMMUFD_ABI_FIELD(iommu_ioas_map, iova, 32);
IOMMUFD_ABI_FIELD(iommu_ioas_unmap, iova, 8);
IOMMUFD_ABI_FIELD(iommu_ioas_unmap, length, 16);
IOMMUFD_ABI_FIELD(iommu_hwpt_alloc, dev_id, 8);
IOMMUFD_ABI_FIELD(iommu_hwpt_alloc, pt_id, 12);
IOMMUFD_ABI_FIELD(iommu_hwpt_alloc, out_hwpt_id, 16);
IOMMUFD_ABI_FIELD(iommu_hwpt_alloc, data_uptr, 32);
IOMMUFD_ABI_FIELD(iommu_hw_info, dev_id, 8);
IOMMUFD_ABI_FIELD(iommu_hw_info, data_uptr, 16);
IOMMUFD_ABI_FIELD(iommu_hw_info, out_capabilities, 32);
IOMMUFD_ABI_FIELD(iommu_hwpt_set_dirty_tracking, hwpt_id, 8);
IOMMUFD_ABI_FIELD(iommu_hwpt_get_dirty_bitmap, flags, 8);
IOMMUFD_ABI_FIELD(iommu_hwpt_get_dirty_bitmap, iova, 16);
IOMMUFD_ABI_FIELD(iommu_hwpt_get_dirty_bitmap, page_size, 32);
IOMMUFD_ABI_FIELD(iommu_hwpt_get_dirty_bitmap, data, 40);
IOMMUFD_ABI_FIELD(vfio_device_bind_iommufd, iommufd, 8);
IOMMUFD_ABI_FIELD(vfio_device_bind_iommufd, out_devid, 12);
IOMMUFD_ABI_FIELD(vfio_device_attach_iommufd_pt, pt_id, 8);
_Static_assert(VFIO_DEVICE_BIND_IOMMUFD == 0x3b76,
	       "VFIO_DEVICE_BIND_IOMMUFD is _IO(';', 100 + 18)");
_Static_assert(VFIO_DEVICE_ATTACH_IOMMUFD_PT == 0x3b77,
	       "VFIO_DEVICE_ATTACH_IOMMUFD_PT is _IO(';', 100 + 19)");

/* The sizes this project sends: the oldest layouts that have every field it
 * uses, so older and newer kernels both accept them. */
#define IOMMUFD_HWPT_ALLOC_SIZE ((__u32)offsetof(struct iommu_hwpt_alloc, data_uptr) + 8u)
#define VFIO_BIND_IOMMUFD_SIZE ((__u32)offsetof(struct vfio_device_bind_iommufd, out_devid) + 4u)
#define VFIO_ATTACH_PT_SIZE ((__u32)offsetof(struct vfio_device_attach_iommufd_pt, pt_id) + 4u)

#endif /* UPDK_IOMMUFD_UAPI_H */
