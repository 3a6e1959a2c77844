/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What of the kernel backends can be checked without a kernel that has
 * VFIO: the type1 and region capability-chain parsers on crafted answers,
 * the iommufd requests field by field, AUTO resolution and the open errors
 * against fake /dev trees, and the device/group messages against a fake
 * sysfs (UPDK_SYSFS_ROOT, UPDK_DEV_ROOT).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/vfio.h>
#include <cmocka.h>

#include "fake_backend.h"
#include "iommufd_request.h"

static char tmp_root[64];
static char sys_root[128];
static char dev_root[128];

/* ---- helpers ------------------------------------------------------------ */

static void mkdirs(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void mkdirs(const char *fmt, ...)
{
	char path[512], *p;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	mkdir(path, 0755);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A sysfs-like symlink @link (under the fake sysfs) to @target. */
static void sys_link(const char *target, const char *link)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", sys_root, link);
	assert_int_equal(symlink(target, path), 0);
}

static void sys_pci_device(const char *bdf, const char *driver, int group)
{
	char rel[256], target[256];

	mkdirs("%s/bus/pci/devices/%s", sys_root, bdf);
	if (driver != NULL) {
		mkdirs("%s/bus/pci/drivers/%s", sys_root, driver);
		snprintf(target, sizeof(target), "../../../../bus/pci/drivers/%s", driver);
		snprintf(rel, sizeof(rel), "bus/pci/devices/%s/driver", bdf);
		sys_link(target, rel);
	}
	if (group >= 0) {
		mkdirs("%s/kernel/iommu_groups/%d/devices", sys_root, group);
		snprintf(target, sizeof(target), "../../../../kernel/iommu_groups/%d", group);
		snprintf(rel, sizeof(rel), "bus/pci/devices/%s/iommu_group", bdf);
		sys_link(target, rel);
		snprintf(target, sizeof(target), "../../../../bus/pci/devices/%s", bdf);
		snprintf(rel, sizeof(rel), "kernel/iommu_groups/%d/devices/%s", group, bdf);
		sys_link(target, rel);
	}
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void dev_reset(void)
{
	nftw(dev_root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	mkdirs("%s", dev_root);
}

static void dev_touch(const char *rel)
{
	char path[512], *slash;

	snprintf(path, sizeof(path), "%s/%s", dev_root, rel);
	slash = strrchr(path, '/');
	*slash = '\0';
	mkdirs("%s", path);
	*slash = '/';
	write_file(path, "");
}

static int group_setup(void **state)
{
	(void)state;
	snprintf(tmp_root, sizeof(tmp_root), "/tmp/updk-vfio-test-XXXXXX");
	if (mkdtemp(tmp_root) == NULL)
		return -1;
	snprintf(sys_root, sizeof(sys_root), "%s/sys", tmp_root);
	snprintf(dev_root, sizeof(dev_root), "%s/dev", tmp_root);
	mkdirs("%s", dev_root);
	/* The machine the sysfs tests look at. */
	sys_pci_device("0000:01:00.0", "e1000e", 7);
	sys_pci_device("0000:02:00.0", "vfio-pci", 8);
	mkdirs("%s/bus/pci/devices/0000:02:00.0/vfio-dev/vfio3", sys_root);
	sys_pci_device("0000:03:00.0", NULL, -1);
	/* Group 9: a NIC on vfio-pci, its audio function on a kernel driver,
	 * and the bridge above them (harmless). */
	sys_pci_device("0000:04:00.0", "vfio-pci", 9);
	sys_pci_device("0000:04:00.1", "snd_hda_intel", 9);
	sys_pci_device("0000:00:1c.0", "pcieport", 9);
	mkdirs("%s/module/vfio/parameters", sys_root);
	setenv("UPDK_SYSFS_ROOT", sys_root, 1);
	setenv("UPDK_DEV_ROOT", dev_root, 1);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	unsetenv("UPDK_SYSFS_ROOT");
	unsetenv("UPDK_DEV_ROOT");
	nftw(tmp_root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

#define EXPECT_LOG(call, expected_ret, ...)                                  \
	do {                                                                 \
		const char *needles_[] = { __VA_ARGS__, NULL };              \
		char *log_;                                                  \
		unsigned n_;                                                 \
		log_capture_start();                                         \
		assert_int_equal((call), (expected_ret));                    \
		log_ = log_capture_end();                                    \
		for (n_ = 0; needles_[n_] != NULL; n_++) {                   \
			if (strstr(log_, needles_[n_]) == NULL)              \
				fail_msg("'%s' not in the log:\n%s",         \
					 needles_[n_], log_);                \
		}                                                            \
		free(log_);                                                  \
	} while (0)

/* ---- type1 VFIO_IOMMU_GET_INFO -------------------------------------------- */

struct info_buf {
	uint8_t bytes[1024];
	size_t len;
};

static void put(struct info_buf *b, size_t off, const void *data, size_t len)
{
	assert_true(off + len <= sizeof(b->bytes));
	memcpy(b->bytes + off, data, len);
	if (off + len > b->len)
		b->len = off + len;
}

/* A type1 answer like the 6.1 guest's: IOVA ranges with the MSI window cut
 * out, migration (4 KiB, 256 MiB bitmaps), DMA_AVAIL; in the order
 * @order (i: ranges, m: migration, d: dma avail). */
static void craft_type1_info(struct info_buf *b, const char *order)
{
	struct vfio_iommu_type1_info head;
	size_t off = sizeof(head);
	const char *o;

	memset(b, 0, sizeof(*b));
	memset(&head, 0, sizeof(head));
	head.flags = VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS;
	head.iova_pgsizes = 0x40201000ull;
	head.cap_offset = (uint32_t)off;
	for (o = order; *o != '\0'; o++) {
		struct vfio_info_cap_header hdr = { .version = 1 };
		size_t size;

		if (*o == 'i') {
			struct vfio_iommu_type1_info_cap_iova_range cap;
			struct vfio_iova_range r[2] = {
				{ 0, 0xfedfffffull },
				{ 0xfef00000ull, (1ull << 48) - 1 },
			};

			memset(&cap, 0, sizeof(cap));
			hdr.id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE;
			cap.nr_iovas = 2;
			size = sizeof(cap) + sizeof(r);
			hdr.next = o[1] != '\0' ? (uint32_t)(off + size) : 0;
			cap.header = hdr;
			put(b, off, &cap, sizeof(cap));
			put(b, off + sizeof(cap), r, sizeof(r));
		} else if (*o == 'm') {
			struct vfio_iommu_type1_info_cap_migration cap;

			memset(&cap, 0, sizeof(cap));
			hdr.id = VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION;
			size = sizeof(cap);
			hdr.next = o[1] != '\0' ? (uint32_t)(off + size) : 0;
			cap.header = hdr;
			cap.pgsize_bitmap = 4096;
			cap.max_dirty_bitmap_size = 256ull << 20;
			put(b, off, &cap, sizeof(cap));
		} else if (*o == 'd') {
			struct vfio_iommu_type1_info_dma_avail cap;

			memset(&cap, 0, sizeof(cap));
			hdr.id = VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL;
			size = 16; /* 12 bytes padded, as the kernel aligns caps */
			hdr.next = o[1] != '\0' ? (uint32_t)(off + size) : 0;
			cap.header = hdr;
			cap.avail = 65535;
			put(b, off, &cap, sizeof(cap));
		} else {
			/* an unknown capability of 16 bytes */
			hdr.id = 99;
			size = 16;
			hdr.next = o[1] != '\0' ? (uint32_t)(off + size) : 0;
			put(b, off, &hdr, sizeof(hdr));
		}
		off += size;
	}
	head.argsz = (uint32_t)off;
	put(b, 0, &head, sizeof(head));
	b->len = off;
}

static void check_guest_info(const struct vfio_container_info *info)
{
	assert_int_equal(info->pgsize_bitmap, 0x40201000ull);
	assert_int_equal(info->nb_iova_ranges, 2);
	assert_int_equal(info->iova_ranges[0].start, 0);
	assert_int_equal(info->iova_ranges[0].end, 0xfedfffffull);
	assert_int_equal(info->iova_ranges[1].start, 0xfef00000ull);
	assert_int_equal(info->iova_ranges[1].end, (1ull << 48) - 1);
	assert_true(info->dirty_tracking);
	assert_int_equal(info->dirty_pgsize_bitmap, 4096);
	assert_int_equal(info->dirty_max_bitmap_bytes, 256ull << 20);
	assert_int_equal(info->dma_avail, 65535);
}

static void test_type1_info_parse(void **state)
{
	static const char *const orders[] = { "imd", "dmi", "mxid", "xdim" };
	struct vfio_container_info info;
	struct info_buf b;
	unsigned i;

	(void)state;
	for (i = 0; i < EAL_DIM(orders); i++) {
		craft_type1_info(&b, orders[i]);
		memset(&info, 0, sizeof(info));
		assert_int_equal(vfio_type1_info_parse(b.bytes, b.len, &info), 0);
		check_guest_info(&info);
	}
}

static void test_type1_info_without_caps(void **state)
{
	struct vfio_iommu_type1_info head;
	struct vfio_container_info info;

	(void)state;
	memset(&head, 0, sizeof(head));
	memset(&info, 0, sizeof(info));
	head.argsz = 16;
	head.flags = VFIO_IOMMU_INFO_PGSIZES;
	head.iova_pgsizes = 0x1000;
	/* An old kernel's answer: only up to iova_pgsizes. */
	assert_int_equal(vfio_type1_info_parse(&head, 16, &info), 0);
	assert_int_equal(info.pgsize_bitmap, 0x1000);
	assert_int_equal(info.nb_iova_ranges, 0);
	assert_false(info.dirty_tracking);
	assert_int_equal(vfio_type1_info_parse(&head, 8, &info), -EINVAL);
	assert_int_equal(vfio_type1_info_parse(NULL, 64, &info), -EINVAL);
}

static void test_type1_info_malformed(void **state)
{
	struct vfio_iommu_type1_info head;
	struct vfio_info_cap_header hdr;
	struct vfio_container_info info, before;
	struct info_buf b;
	uint32_t v;

	(void)state;
	memset(&before, 0xa5, sizeof(before));

	/* First capability beyond the answer. */
	craft_type1_info(&b, "imd");
	memcpy(&head, b.bytes, sizeof(head));
	head.cap_offset = (uint32_t)b.len;
	memcpy(b.bytes, &head, sizeof(head));
	info = before;
	EXPECT_LOG(vfio_type1_info_parse(b.bytes, b.len, &info), -EINVAL,
		   "outside the");
	assert_memory_equal(&info, &before, sizeof(info));

	/* Pointing into the fixed part, misaligned. */
	head.cap_offset = 8;
	memcpy(b.bytes, &head, sizeof(head));
	assert_int_equal(vfio_type1_info_parse(b.bytes, b.len, &info), -EINVAL);
	craft_type1_info(&b, "imd");
	memcpy(&head, b.bytes, sizeof(head));
	head.cap_offset += 2;
	memcpy(b.bytes, &head, sizeof(head));
	assert_int_equal(vfio_type1_info_parse(b.bytes, b.len, &info), -EINVAL);

	/* A loop: the last capability points back to the first. */
	craft_type1_info(&b, "im");
	memcpy(&hdr, b.bytes + b.len - sizeof(struct vfio_iommu_type1_info_cap_migration),
	       sizeof(hdr));
	hdr.next = sizeof(struct vfio_iommu_type1_info);
	memcpy(b.bytes + b.len - sizeof(struct vfio_iommu_type1_info_cap_migration),
	       &hdr, sizeof(hdr));
	EXPECT_LOG(vfio_type1_info_parse(b.bytes, b.len, &info), -EINVAL, "a loop");

	/* More ranges claimed than the buffer holds. */
	craft_type1_info(&b, "i");
	v = 1000;
	memcpy(b.bytes + sizeof(head) + sizeof(hdr), &v, sizeof(v));
	assert_int_equal(vfio_type1_info_parse(b.bytes, b.len, &info), -EINVAL);

	/* Overlapping (unsorted) ranges. */
	craft_type1_info(&b, "i");
	{
		uint64_t start = 0xfed00000ull;

		memcpy(b.bytes + sizeof(head) + sizeof(struct vfio_iommu_type1_info_cap_iova_range) +
			       sizeof(struct vfio_iova_range), &start, sizeof(start));
	}
	assert_int_equal(vfio_type1_info_parse(b.bytes, b.len, &info), -EINVAL);

	/* Truncated: the kernel asked for more than was given. */
	craft_type1_info(&b, "imd");
	assert_int_equal(vfio_type1_info_parse(b.bytes, b.len - 4, &info), -EINVAL);
	/* A capability cut by the end of the buffer (DMA_AVAIL is the last:
	 * 12 bytes padded to 16, 8 left). */
	memcpy(&head, b.bytes, sizeof(head));
	head.argsz = (uint32_t)b.len - 8;
	memcpy(b.bytes, &head, sizeof(head));
	EXPECT_LOG(vfio_type1_info_parse(b.bytes, b.len - 8, &info), -EINVAL,
		   "DMA_AVAIL capability truncated");
	assert_memory_equal(&info, &before, sizeof(info));
}

static void test_type1_info_many_ranges(void **state)
{
	struct vfio_iommu_type1_info head;
	struct vfio_iommu_type1_info_cap_iova_range cap;
	struct vfio_container_info info;
	struct info_buf b;
	unsigned i;

	(void)state;
	memset(&b, 0, sizeof(b));
	memset(&head, 0, sizeof(head));
	memset(&cap, 0, sizeof(cap));
	head.flags = VFIO_IOMMU_INFO_CAPS;
	head.cap_offset = sizeof(head);
	cap.header.id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE;
	cap.nr_iovas = 20;
	put(&b, sizeof(head), &cap, sizeof(cap));
	for (i = 0; i < 20; i++) {
		struct vfio_iova_range r = { i * 0x10000ull, i * 0x10000ull + 0xfff };

		put(&b, sizeof(head) + sizeof(cap) + i * sizeof(r), &r, sizeof(r));
	}
	head.argsz = (uint32_t)b.len;
	put(&b, 0, &head, sizeof(head));
	memset(&info, 0, sizeof(info));
	EXPECT_LOG(vfio_type1_info_parse(b.bytes, b.len, &info), 0,
		   "20 IOVA ranges, only the first 16");
	assert_int_equal(info.nb_iova_ranges, VFIO_MAX_IOVA_RANGES);
	assert_int_equal(info.iova_ranges[15].start, 15 * 0x10000ull);
}

/* ---- region info ------------------------------------------------------------ */

static void craft_region(struct info_buf *b, uint32_t nr_areas, uint64_t area1_size)
{
	struct vfio_region_info head;
	struct vfio_region_info_cap_sparse_mmap cap;
	struct vfio_region_sparse_mmap_area areas[2] = {
		{ 0, 0x3000 }, { 0x4000, 0 },
	};
	struct vfio_region_info_cap_type type;

	memset(b, 0, sizeof(*b));
	memset(&head, 0, sizeof(head));
	memset(&cap, 0, sizeof(cap));
	memset(&type, 0, sizeof(type));
	areas[1].size = area1_size;
	head.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
		     VFIO_REGION_INFO_FLAG_MMAP | VFIO_REGION_INFO_FLAG_CAPS;
	head.index = VFIO_PCI_BAR0_REGION_INDEX;
	head.size = 0x20000;
	head.offset = 0x10000000000ull;
	head.cap_offset = sizeof(head);
	cap.header.id = VFIO_REGION_INFO_CAP_SPARSE_MMAP;
	cap.header.version = 1;
	cap.header.next = (uint32_t)(sizeof(head) + sizeof(cap) + sizeof(areas));
	cap.nr_areas = nr_areas;
	put(b, sizeof(head), &cap, sizeof(cap));
	put(b, sizeof(head) + sizeof(cap), areas, sizeof(areas));
	type.header.id = VFIO_REGION_INFO_CAP_TYPE;
	type.type = 1;
	put(b, cap.header.next, &type, sizeof(type));
	head.argsz = (uint32_t)b->len;
	put(b, 0, &head, sizeof(head));
}

static void test_region_info_parse(void **state)
{
	struct vfio_region r = { .fd = 42 };
	struct info_buf b;

	(void)state;
	/* BAR0 of a NIC whose MSI-X table sits at 0x3000-0x3fff. */
	craft_region(&b, 2, 0x1c000);
	assert_int_equal(vfio_region_info_parse(b.bytes, b.len, &r), 0);
	assert_int_equal(r.index, VFIO_PCI_BAR0_REGION_INDEX);
	assert_int_equal(r.size, 0x20000);
	assert_int_equal(r.offset, 0x10000000000ull);
	assert_int_equal(r.fd, 42);
	assert_true(r.flags & VFIO_REGION_INFO_FLAG_MMAP);
	assert_int_equal(r.nb_areas, 2);
	assert_int_equal(r.areas[0].offset, 0);
	assert_int_equal(r.areas[0].size, 0x3000);
	assert_int_equal(r.areas[1].offset, 0x4000);
	assert_int_equal(r.areas[1].size, 0x1c000);
	assert_int_equal(r.nb_caps, 2);
	assert_int_equal(r.cap_ids[0], VFIO_REGION_INFO_CAP_SPARSE_MMAP);
	assert_int_equal(r.cap_ids[1], VFIO_REGION_INFO_CAP_TYPE);

	/* An area beyond the region. */
	craft_region(&b, 2, 0x1d000);
	assert_int_equal(vfio_region_info_parse(b.bytes, b.len, &r), -EINVAL);
	/* No area at all: nothing may be mapped. */
	craft_region(&b, 0, 0);
	assert_int_equal(vfio_region_info_parse(b.bytes, b.len, &r), 0);
	assert_int_equal(r.nb_areas, 0);
	assert_false(r.flags & VFIO_REGION_INFO_FLAG_MMAP);
	/* More areas claimed than present. */
	craft_region(&b, 9, 0x1000);
	assert_int_equal(vfio_region_info_parse(b.bytes, b.len, &r), -EINVAL);
	assert_int_equal(vfio_region_info_parse(b.bytes, 8, &r), -EINVAL);
}

/* ---- iommufd requests ---------------------------------------------------------- */

static void test_iommufd_requests(void **state)
{
	struct iommu_iova_range ranges[4];
	uint64_t bitmap[4];
	char buf[8192];

	(void)state;
	{
		struct iommu_ioas_alloc r = iommufd_req_ioas_alloc();

		assert_int_equal(r.size, 12);
		assert_int_equal(r.flags, 0);
		assert_int_equal(r.out_ioas_id, 0);
	}
	{
		struct iommu_destroy r = iommufd_req_destroy(5);

		assert_int_equal(r.size, 8);
		assert_int_equal(r.id, 5);
	}
	{
		struct iommu_ioas_iova_ranges r = iommufd_req_iova_ranges(3, ranges, 4);

		assert_int_equal(r.size, 32);
		assert_int_equal(r.ioas_id, 3);
		assert_int_equal(r.num_iovas, 4);
		assert_int_equal(r.__reserved, 0);
		assert_int_equal(r.allowed_iovas, (uintptr_t)ranges);
	}
	{
		struct iommu_ioas_map r = iommufd_req_ioas_map(3, 0x7f0000000000ull, buf,
							       0x200000,
							       VFIO_DMA_READ | VFIO_DMA_WRITE);

		assert_int_equal(r.size, 40);
		assert_int_equal(r.flags, IOMMU_IOAS_MAP_FIXED_IOVA |
					  IOMMU_IOAS_MAP_READABLE |
					  IOMMU_IOAS_MAP_WRITEABLE);
		assert_int_equal(r.flags, 0x7);
		assert_int_equal(r.ioas_id, 3);
		assert_int_equal(r.__reserved, 0);
		assert_int_equal(r.user_va, (uintptr_t)buf);
		assert_int_equal(r.length, 0x200000);
		assert_int_equal(r.iova, 0x7f0000000000ull);
		r = iommufd_req_ioas_map(3, 0, buf, 4096, VFIO_DMA_READ);
		assert_int_equal(r.flags, IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE);
		r = iommufd_req_ioas_map(3, 0, buf, 4096, VFIO_DMA_WRITE);
		assert_int_equal(r.flags, IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE);
	}
	{
		struct iommu_ioas_unmap r = iommufd_req_ioas_unmap(3, 0x10000, 0x2000, false);

		assert_int_equal(r.size, 24);
		assert_int_equal(r.ioas_id, 3);
		assert_int_equal(r.iova, 0x10000);
		assert_int_equal(r.length, 0x2000);
		r = iommufd_req_ioas_unmap(3, 0x10000, 0x2000, true);
		assert_int_equal(r.iova, 0);
		assert_int_equal(r.length, UINT64_MAX);
	}
	{
		struct iommu_hw_info r = iommufd_req_hw_info(17);

		assert_int_equal(r.size, 40);
		assert_int_equal(r.dev_id, 17);
		assert_int_equal(r.data_len, 0);
		assert_int_equal(r.data_uptr, 0);
	}
	{
		struct iommu_hwpt_alloc r = iommufd_req_hwpt_alloc(17, 3, true);

		/* The 6.7 layout: older and newer kernels take it. */
		assert_int_equal(r.size, 40);
		assert_int_equal(r.flags, IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
		assert_int_equal(r.flags, 2);
		assert_int_equal(r.dev_id, 17);
		assert_int_equal(r.pt_id, 3);
		assert_int_equal(r.data_type, IOMMU_HWPT_DATA_NONE);
		assert_int_equal(r.data_len, 0);
		assert_int_equal(r.data_uptr, 0);
		r = iommufd_req_hwpt_alloc(17, 3, false);
		assert_int_equal(r.flags, 0);
	}
	{
		struct iommu_hwpt_set_dirty_tracking r = iommufd_req_set_dirty_tracking(9, true);

		assert_int_equal(r.size, 16);
		assert_int_equal(r.flags, IOMMU_HWPT_DIRTY_TRACKING_ENABLE);
		assert_int_equal(r.hwpt_id, 9);
		r = iommufd_req_set_dirty_tracking(9, false);
		assert_int_equal(r.flags, 0);
	}
	{
		struct iommu_hwpt_get_dirty_bitmap r =
			iommufd_req_get_dirty_bitmap(9, 0x200000, 0x400000, 4096, bitmap);

		assert_int_equal(r.size, 48);
		assert_int_equal(r.hwpt_id, 9);
		assert_int_equal(r.flags, 0); /* clear what was read */
		assert_int_equal(r.iova, 0x200000);
		assert_int_equal(r.length, 0x400000);
		assert_int_equal(r.page_size, 4096);
		assert_int_equal(r.data, (uintptr_t)bitmap);
	}
	{
		struct vfio_device_bind_iommufd r = vfio_req_bind_iommufd(11);

		assert_int_equal(r.argsz, 16);
		assert_int_equal(r.flags, 0);
		assert_int_equal(r.iommufd, 11);
	}
	{
		struct vfio_device_attach_iommufd_pt r = vfio_req_attach_pt(3);

		assert_int_equal(r.argsz, 12);
		assert_int_equal(r.flags, 0);
		assert_int_equal(r.pt_id, 3);
	}
	/* The ioctl numbers: type ';' (0x3b), no direction or size bits. */
	assert_int_equal(IOMMU_DESTROY, 0x3b80);
	assert_int_equal(IOMMU_IOAS_ALLOC, 0x3b81);
	assert_int_equal(IOMMU_IOAS_IOVA_RANGES, 0x3b84);
	assert_int_equal(IOMMU_IOAS_MAP, 0x3b85);
	assert_int_equal(IOMMU_IOAS_UNMAP, 0x3b86);
	assert_int_equal(IOMMU_HWPT_ALLOC, 0x3b89);
	assert_int_equal(IOMMU_GET_HW_INFO, 0x3b8a);
	assert_int_equal(IOMMU_HWPT_SET_DIRTY_TRACKING, 0x3b8b);
	assert_int_equal(IOMMU_HWPT_GET_DIRTY_BITMAP, 0x3b8c);
	assert_int_equal(VFIO_DEVICE_BIND_IOMMUFD, 0x3b76);
	assert_int_equal(VFIO_DEVICE_ATTACH_IOMMUFD_PT, 0x3b77);
	assert_int_equal(VFIO_DEVICE_DETACH_IOMMUFD_PT, 0x3b78);
}

/* ---- AUTO and opening the backends ---------------------------------------------- */

static void test_auto_resolution_fake_dev(void **state)
{
	char expect[256];

	(void)state;
	dev_reset();
	snprintf(expect, sizeof(expect), "no %s/vfio/vfio: load the vfio-pci module "
		 "(modprobe vfio-pci)", dev_root);
	EXPECT_LOG(vfio_mode_resolve(EAL_VFIO_AUTO), -ENODEV, expect,
		   "/iommu either (iommufd: kernel < 6.2 or CONFIG_IOMMUFD off)");
	errno = 0;
	log_capture_start();
	assert_null(vfio_container_create(EAL_VFIO_AUTO, NULL));
	free(log_capture_end());
	assert_int_equal(errno, ENODEV);

	dev_touch("vfio/vfio");
	assert_int_equal(vfio_mode_resolve(EAL_VFIO_AUTO), EAL_VFIO_TYPE1);
	/* /dev/iommu without a device cdev is not enough for iommufd. */
	dev_touch("iommu");
	assert_int_equal(vfio_mode_resolve(EAL_VFIO_AUTO), EAL_VFIO_TYPE1);
	dev_touch("vfio/devices/vfio0");
	assert_int_equal(vfio_mode_resolve(EAL_VFIO_AUTO), EAL_VFIO_IOMMUFD);

	dev_reset();
	dev_touch("iommu");
	EXPECT_LOG(vfio_mode_resolve(EAL_VFIO_AUTO), -ENODEV,
		   "/dev/iommu is there but no VFIO device cdev");

	assert_int_equal(vfio_mode_resolve(EAL_VFIO_TYPE1), EAL_VFIO_TYPE1);
	assert_int_equal(vfio_mode_resolve(EAL_VFIO_USER), EAL_VFIO_USER);
	assert_int_equal(vfio_mode_resolve((enum eal_vfio_mode)42), -EINVAL);
	assert_null(vfio_container_ops_get(EAL_VFIO_AUTO));
	assert_ptr_equal(vfio_container_ops_get(EAL_VFIO_TYPE1), &vfio_type1_container_ops);
	assert_ptr_equal(vfio_container_ops_get(EAL_VFIO_NOIOMMU), &vfio_noiommu_container_ops);
	assert_ptr_equal(vfio_container_ops_get(EAL_VFIO_IOMMUFD), &vfio_iommufd_container_ops);
	dev_reset();
}

/* This machine, as it is: the test suite's host has no VFIO loaded. */
static void test_auto_resolution_this_host(void **state)
{
	struct stat st;

	(void)state;
	unsetenv("UPDK_DEV_ROOT");
	if (stat("/dev/vfio/vfio", &st) == 0 || stat("/dev/iommu", &st) == 0) {
		setenv("UPDK_DEV_ROOT", dev_root, 1);
		skip(); /* this host has VFIO: the fake-dev test covers the errors */
	}
	EXPECT_LOG(vfio_mode_resolve(EAL_VFIO_AUTO), -ENODEV,
		   "no /dev/vfio/vfio: load the vfio-pci module (modprobe vfio-pci)");
	setenv("UPDK_DEV_ROOT", dev_root, 1);
}

static void test_open_errors(void **state)
{
	struct vfio_container c;
	char expect[256];

	(void)state;
	dev_reset();
	memset(&c, 0, sizeof(c));
	snprintf(expect, sizeof(expect), "no %s/vfio/vfio: load the vfio-pci module",
		 dev_root);
	EXPECT_LOG(vfio_type1_container_ops.open(&c, NULL), -ENOENT, expect);
	snprintf(expect, sizeof(expect), "no %s/iommu: kernel < 6.2 or CONFIG_IOMMUFD off",
		 dev_root);
	EXPECT_LOG(vfio_iommufd_container_ops.open(&c, NULL), -ENOENT, expect);
	EXPECT_LOG(vfio_type1_container_ops.open(&c, "/some/socket"), -EINVAL,
		   "type1 takes no target");

	/* noiommu: the module parameter decides first. */
	EXPECT_LOG(vfio_noiommu_container_ops.open(&c, NULL), -ENOTSUP,
		   "modprobe vfio enable_unsafe_noiommu_mode=1");
	{
		char path[256];

		snprintf(path, sizeof(path),
			 "%s/module/vfio/parameters/enable_unsafe_noiommu_mode", sys_root);
		write_file(path, "N\n");
		EXPECT_LOG(vfio_noiommu_container_ops.open(&c, NULL), -ENOTSUP,
			   "no-IOMMU mode is off",
			   "echo 1 > /sys/module/vfio/parameters/enable_unsafe_noiommu_mode");
		write_file(path, "Y\n");
		EXPECT_LOG(vfio_noiommu_container_ops.open(&c, NULL), -ENOENT,
			   "vfio/vfio: load the vfio-pci module");
		unlink(path);
	}
	assert_null(c.priv);
}

/* The iommufd backend for real, where the kernel has it. */
static void test_iommufd_runtime(void **state)
{
	struct vfio_container c;
	struct stat st;
	int ret;

	(void)state;
	if (stat("/dev/iommu", &st) != 0) {
		print_message("SKIP: no /dev/iommu: kernel < 6.2 or CONFIG_IOMMUFD off\n");
		skip();
	}
	unsetenv("UPDK_DEV_ROOT");
	memset(&c, 0, sizeof(c));
	ret = vfio_iommufd_container_ops.open(&c, NULL);
	setenv("UPDK_DEV_ROOT", dev_root, 1);
	if (ret == -EACCES || ret == -EPERM) {
		print_message("SKIP: /dev/iommu needs root\n");
		skip();
	}
	assert_int_equal(ret, 0);
	assert_true(c.address_space_ready);
	assert_true(c.info.nb_iova_ranges >= 1);
	assert_true(c.info.pgsize_bitmap != 0);
	vfio_iommufd_container_ops.release(&c);
}

/* noiommu's dma_map maps nothing: it proves that each IOVA is the physical
 * address of its page. Needs root to read physical addresses. */
static void test_noiommu_iova_must_be_physical(void **state)
{
	struct vfio_container c;
	uint8_t *buf;
	uint64_t pa0;
	int dummy_state;
	char *log;

	(void)state;
	buf = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE | MAP_LOCKED, -1, 0);
	if (buf == MAP_FAILED)
		buf = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	assert_true(buf != MAP_FAILED);
	memset(buf, 1, 2 * 4096);
	pa0 = eal_virt2phys(buf);
	if (pa0 == EAL_BAD_IOVA) {
		munmap(buf, 2 * 4096);
		print_message("SKIP: physical addresses unreadable here (%s): needs root\n",
			      strerror(errno));
		skip();
	}
	/* The check needs no VFIO: an open-looking container is enough. */
	memset(&c, 0, sizeof(c));
	c.priv = &dummy_state;
	log_capture_start();
	assert_int_equal(vfio_noiommu_container_ops.dma_map(&c, pa0, buf, 4096, -1, 0,
							     VFIO_DMA_READ), 0);
	assert_int_equal(vfio_noiommu_container_ops.dma_map(&c, (uint64_t)(uintptr_t)buf,
							     buf, 4096, -1, 0,
							     VFIO_DMA_READ),
			 (uint64_t)(uintptr_t)buf == pa0 ? 0 : -EINVAL);
	log = log_capture_end();
	if ((uint64_t)(uintptr_t)buf != pa0)
		assert_non_null(strstr(log, "whose physical address is"));
	if ((uint64_t)(uintptr_t)buf != pa0)
		assert_non_null(strstr(log, "--iova-mode=pa"));
	free(log);
	/* Two pages: the second must follow the first physically too. */
	if (eal_virt2phys(buf + 4096) != pa0 + 4096) {
		log_capture_start();
		assert_int_equal(vfio_noiommu_container_ops.dma_map(&c, pa0, buf, 2 * 4096,
								     -1, 0, VFIO_DMA_READ),
				 -EINVAL);
		free(log_capture_end());
	}
	assert_int_equal(vfio_noiommu_container_ops.dma_unmap(&c, pa0, 4096, 0), 0);
	assert_int_equal(vfio_noiommu_container_ops.dirty_tracking_start(&c), -ENOTSUP);
	munmap(buf, 2 * 4096);
}

/* ---- devices in sysfs --------------------------------------------------------------- */

static void test_bad_bdf(void **state)
{
	char bdf[13];

	(void)state;
	EXPECT_LOG(vfio_pci_device_check("zz:1", bdf), -EINVAL,
		   "'zz:1' is not a PCI address", "0000:01:00.0");
	EXPECT_LOG(vfio_pci_device_check("0000:01:00.9", bdf), -EINVAL,
		   "is not a PCI address");
	EXPECT_LOG(vfio_pci_device_check(NULL, bdf), -EINVAL, "(null)");
	EXPECT_LOG(vfio_pci_device_check("0000:09:00.0", bdf), -ENODEV,
		   "no PCI device 0000:09:00.0", "lspci -D");
}

static void test_device_on_kernel_driver(void **state)
{
	char bdf[13];

	(void)state;
	/* Short form, canonicalised in the messages. */
	EXPECT_LOG(vfio_pci_device_check("01:00.0", bdf), -EBUSY,
		   "PCI device 0000:01:00.0 is bound to the kernel driver 'e1000e'",
		   "usertools/updk-devbind --bind=vfio-pci 0000:01:00.0",
		   "echo 0000:01:00.0 > /sys/bus/pci/devices/0000:01:00.0/driver/unbind",
		   "echo vfio-pci > /sys/bus/pci/devices/0000:01:00.0/driver_override",
		   "echo 0000:01:00.0 > /sys/bus/pci/drivers_probe");
	assert_string_equal(bdf, "0000:01:00.0");
	EXPECT_LOG(vfio_pci_device_check("0000:03:00.0", bdf), -EBUSY,
		   "0000:03:00.0 is not bound to any driver",
		   "echo vfio-pci > /sys/bus/pci/devices/0000:03:00.0/driver_override");
}

static void test_device_on_vfio(void **state)
{
	char bdf[13], cdev[256], expect[256];

	(void)state;
	assert_int_equal(vfio_pci_device_check("0000:02:00.0", bdf), 0);
	assert_int_equal(vfio_pci_iommu_group(bdf), 8);
	assert_int_equal(vfio_pci_device_cdev(bdf, cdev, sizeof(cdev)), 0);
	snprintf(expect, sizeof(expect), "%s/vfio/devices/vfio3", dev_root);
	assert_string_equal(cdev, expect);
	assert_int_equal(vfio_pci_device_cdev("0000:04:00.0", cdev, sizeof(cdev)),
			 -ENOENT);
	EXPECT_LOG(vfio_pci_iommu_group("0000:03:00.0"), -ENODEV,
		   "0000:03:00.0 has no IOMMU group", "intel_iommu=on",
		   "--vfio-mode=noiommu");
}

static void test_group_offenders(void **state)
{
	char buf[256];

	(void)state;
	assert_int_equal(vfio_group_offenders(9, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "0000:04:00.1 (driver snd_hda_intel)");
	assert_int_equal(vfio_group_offenders(8, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(vfio_group_offenders(7, buf, sizeof(buf)), 1);
	assert_int_equal(vfio_group_offenders(1234, buf, sizeof(buf)), 0);
	/* A short buffer still counts every offender. */
	assert_int_equal(vfio_group_offenders(9, buf, 4), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type1_info_parse),
		cmocka_unit_test(test_type1_info_without_caps),
		cmocka_unit_test(test_type1_info_malformed),
		cmocka_unit_test(test_type1_info_many_ranges),
		cmocka_unit_test(test_region_info_parse),
		cmocka_unit_test(test_iommufd_requests),
		cmocka_unit_test(test_auto_resolution_fake_dev),
		cmocka_unit_test(test_auto_resolution_this_host),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_iommufd_runtime),
		cmocka_unit_test(test_noiommu_iova_must_be_physical),
		cmocka_unit_test(test_bad_bdf),
		cmocka_unit_test(test_device_on_kernel_driver),
		cmocka_unit_test(test_device_on_vfio),
		cmocka_unit_test(test_group_offenders),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
