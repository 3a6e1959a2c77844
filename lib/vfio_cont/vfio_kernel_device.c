/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * struct vfio_device_ops over a kernel VFIO device fd. type1 and noiommu get
 * the fd from their group (VFIO_GROUP_GET_DEVICE_FD), iommufd from the
 * device's cdev; from then on the device ioctls are the same.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "vfio_private.h"

/* Region info answers with a capability chain grow beyond the fixed part;
 * this covers every chain seen so far in one call. */
#define REGION_INFO_FIRST_SIZE 256
/* A longer answer than this is not a region description. */
#define REGION_INFO_MAX_SIZE (64 * 1024)
/* VFIO_DEVICE_SET_IRQS with more vectors than this is not a NIC. */
#define SET_IRQS_MAX 2048

static struct vfio_kernel_device *kdev(struct vfio_device *d)
{
	return eal_container_of(d, struct vfio_kernel_device, dev);
}

static int kernel_get_info(struct vfio_device *d, struct vfio_cont_device_info *out)
{
	struct vfio_kernel_device *kd = kdev(d);
	struct vfio_device_info info = { .argsz = sizeof(info) };

	if (ioctl(kd->fd, VFIO_DEVICE_GET_INFO, &info) < 0) {
		int err = errno;

		VFIO_LOG(ERR, "%s: VFIO_DEVICE_GET_INFO failed: %s", d->name,
			 strerror(err));
		return -err;
	}
	out->flags = info.flags;
	out->num_regions = info.num_regions;
	out->num_irqs = info.num_irqs;
	return 0;
}

static int kernel_get_region_info(struct vfio_device *d, uint32_t index,
				  struct vfio_region *region)
{
	struct vfio_kernel_device *kd = kdev(d);
	size_t size = REGION_INFO_FIRST_SIZE;
	struct vfio_region_info *info;
	int ret, attempt;

	if (region == NULL)
		return -EINVAL;
	for (attempt = 0; attempt < 2; attempt++) {
		info = calloc(1, size);
		if (info == NULL)
			return -ENOMEM;
		info->argsz = (uint32_t)size;
		info->index = index;
		if (ioctl(kd->fd, VFIO_DEVICE_GET_REGION_INFO, info) < 0) {
			ret = -errno;
			VFIO_LOG(ERR, "%s: VFIO_DEVICE_GET_REGION_INFO(%" PRIu32
				 ") failed: %s%s", d->name, index, strerror(-ret),
				 ret == -EINVAL ? " (no such region index)" : "");
			free(info);
			return ret;
		}
		/* The kernel says how much the whole chain needs. */
		if (info->argsz <= size)
			break;
		size = info->argsz;
		free(info);
		info = NULL;
		if (size > REGION_INFO_MAX_SIZE) {
			VFIO_LOG(ERR, "%s: region %" PRIu32 " info wants %zu bytes",
				 d->name, index, size);
			return -EINVAL;
		}
	}
	if (info == NULL)
		return -EAGAIN;
	region->fd = kd->fd;
	ret = vfio_region_info_parse(info, size, region);
	free(info);
	if (ret < 0)
		return ret;
	if (!(region->flags & VFIO_REGION_INFO_FLAG_MMAP))
		region->fd = -1;
	if (index < VFIO_KDEV_REGION_CACHE) {
		kd->regions[index].offset = region->offset;
		kd->regions[index].size = region->size;
		kd->regions[index].known = true;
	}
	return 0;
}

/* The region's file offset, after checking that [offset, offset + len)
 * stays inside it. */
static int region_span(struct vfio_device *d, uint32_t index, uint64_t offset,
		       size_t len, off_t *pos)
{
	struct vfio_kernel_device *kd = kdev(d);
	uint64_t region_offset, region_size;

	if (index < VFIO_KDEV_REGION_CACHE && kd->regions[index].known) {
		region_offset = kd->regions[index].offset;
		region_size = kd->regions[index].size;
	} else {
		struct vfio_region r = { .fd = -1 };
		int ret = kernel_get_region_info(d, index, &r);

		if (ret < 0)
			return ret;
		region_offset = r.offset;
		region_size = r.size;
	}
	if (len > region_size || offset > region_size - len) {
		VFIO_LOG(ERR, "%s: access of %zu bytes at 0x%" PRIx64 " is beyond "
			 "region %" PRIu32 " (%" PRIu64 " bytes)", d->name, len,
			 offset, index, region_size);
		return -EINVAL;
	}
	*pos = (off_t)(region_offset + offset);
	return 0;
}

static ssize_t kernel_region_read(struct vfio_device *d, uint32_t index,
				  uint64_t offset, void *buf, size_t len)
{
	struct vfio_kernel_device *kd = kdev(d);
	size_t done = 0;
	off_t pos;
	int ret;

	ret = region_span(d, index, offset, len, &pos);
	if (ret < 0)
		return ret;
	while (done < len) {
		ssize_t n = pread(kd->fd, (char *)buf + done, len - done,
				  pos + (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			VFIO_LOG(ERR, "%s: read of region %" PRIu32 " at 0x%" PRIx64
				 " failed: %s", d->name, index, offset + done,
				 strerror(-ret));
			return ret;
		}
		done += (size_t)n;
	}
	return (ssize_t)done;
}

/* The kernel has no posted writes: every pwrite reaches the device. */
static ssize_t kernel_region_write(struct vfio_device *d, uint32_t index,
				   uint64_t offset, const void *buf, size_t len,
				   bool posted __eal_unused)
{
	struct vfio_kernel_device *kd = kdev(d);
	size_t done = 0;
	off_t pos;
	int ret;

	ret = region_span(d, index, offset, len, &pos);
	if (ret < 0)
		return ret;
	while (done < len) {
		ssize_t n = pwrite(kd->fd, (const char *)buf + done, len - done,
				   pos + (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			VFIO_LOG(ERR, "%s: write of region %" PRIu32 " at 0x%" PRIx64
				 " failed: %s", d->name, index, offset + done,
				 strerror(-ret));
			return ret;
		}
		done += (size_t)n;
	}
	return (ssize_t)done;
}

static bool mmap_allowed(const struct vfio_region *r, uint64_t offset, size_t len)
{
	unsigned i;

	if (!(r->flags & VFIO_REGION_INFO_FLAG_MMAP) || r->fd < 0 || len == 0)
		return false;
	if (r->nb_areas == 0)
		return len <= r->size && offset <= r->size - len;
	for (i = 0; i < r->nb_areas; i++) {
		const struct vfio_mmap_area *a = &r->areas[i];

		if (offset >= a->offset && len <= a->size &&
		    offset - a->offset <= a->size - len)
			return true;
	}
	return false;
}

static void *kernel_region_mmap(struct vfio_device *d, const struct vfio_region *r,
				uint64_t offset, size_t len)
{
	int prot = 0;
	void *addr;

	if (r == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if (!mmap_allowed(r, offset, len)) {
		VFIO_LOG(ERR, "%s: region %" PRIu32 " cannot be mapped at 0x%" PRIx64
			 "+%zu: %s", d->name, r->index, offset, len,
			 !(r->flags & VFIO_REGION_INFO_FLAG_MMAP) ?
				 "the region is not mmap-able (use region_read/write)" :
				 "outside its mmap-able areas");
		errno = EACCES;
		return NULL;
	}
	if (r->flags & VFIO_REGION_INFO_FLAG_READ)
		prot |= PROT_READ;
	if (r->flags & VFIO_REGION_INFO_FLAG_WRITE)
		prot |= PROT_WRITE;
	addr = mmap(NULL, len, prot, MAP_SHARED, r->fd, (off_t)(r->offset + offset));
	if (addr == MAP_FAILED) {
		int err = errno;

		VFIO_LOG(ERR, "%s: mmap of region %" PRIu32 " (0x%" PRIx64 "+%zu) "
			 "failed: %s", d->name, r->index, offset, len, strerror(err));
		errno = err;
		return NULL;
	}
	return addr;
}

static int kernel_get_irq_info(struct vfio_device *d, uint32_t index,
			       struct vfio_cont_irq_info *out)
{
	struct vfio_kernel_device *kd = kdev(d);
	struct vfio_irq_info info = { .argsz = sizeof(info), .index = index };

	if (out == NULL)
		return -EINVAL;
	if (ioctl(kd->fd, VFIO_DEVICE_GET_IRQ_INFO, &info) < 0) {
		int err = errno;

		VFIO_LOG(ERR, "%s: VFIO_DEVICE_GET_IRQ_INFO(%" PRIu32 ") failed: %s",
			 d->name, index, strerror(err));
		return -err;
	}
	out->index = info.index;
	out->flags = info.flags;
	out->count = info.count;
	return 0;
}

static int kernel_set_irqs(struct vfio_device *d, uint32_t index, uint32_t start,
			   uint32_t count, uint32_t flags, const int *fds)
{
	struct vfio_kernel_device *kd = kdev(d);
	uint32_t data_type = flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	struct vfio_irq_set *set;
	size_t data_len = 0, argsz;
	uint32_t i;
	int ret = 0;

	if (count > SET_IRQS_MAX ||
	    (data_type != VFIO_IRQ_SET_DATA_NONE && count > 0 && fds == NULL)) {
		VFIO_LOG(ERR, "%s: set_irqs(index %" PRIu32 ", %" PRIu32
			 " vectors): %s", d->name, index, count,
			 count > SET_IRQS_MAX ? "too many vectors" :
						"no data given for the vectors");
		return -EINVAL;
	}
	if (data_type == VFIO_IRQ_SET_DATA_EVENTFD)
		data_len = count * sizeof(int32_t);
	else if (data_type == VFIO_IRQ_SET_DATA_BOOL)
		data_len = count * sizeof(uint8_t);
	argsz = sizeof(*set) + data_len;
	set = calloc(1, argsz);
	if (set == NULL)
		return -ENOMEM;
	set->argsz = (uint32_t)argsz;
	set->flags = flags;
	set->index = index;
	set->start = start;
	set->count = count;
	for (i = 0; i < count && data_type != VFIO_IRQ_SET_DATA_NONE; i++) {
		if (data_type == VFIO_IRQ_SET_DATA_EVENTFD) {
			int32_t fd = fds[i];

			memcpy(set->data + i * sizeof(fd), &fd, sizeof(fd));
		} else {
			set->data[i] = fds[i] != 0;
		}
	}
	if (ioctl(kd->fd, VFIO_DEVICE_SET_IRQS, set) < 0) {
		ret = -errno;
		VFIO_LOG(ERR, "%s: VFIO_DEVICE_SET_IRQS(index %" PRIu32 ", start %"
			 PRIu32 ", count %" PRIu32 ", flags 0x%" PRIx32 ") failed: %s",
			 d->name, index, start, count, flags, strerror(-ret));
	}
	free(set);
	return ret;
}

static int kernel_reset(struct vfio_device *d)
{
	struct vfio_kernel_device *kd = kdev(d);

	if (!(d->info.flags & VFIO_DEVICE_FLAGS_RESET)) {
		VFIO_LOG(ERR, "%s: the device offers no reset (no FLR or PM reset; "
			 "a PCIe device behind a root port usually has one)",
			 d->name);
		return -ENOTSUP;
	}
	if (ioctl(kd->fd, VFIO_DEVICE_RESET) < 0) {
		int err = errno;

		VFIO_LOG(ERR, "%s: VFIO_DEVICE_RESET failed: %s", d->name,
			 strerror(err));
		return -err;
	}
	return 0;
}

static int kernel_feature(struct vfio_device *d, uint32_t flags, void *data,
			  size_t len)
{
	struct vfio_kernel_device *kd = kdev(d);
	struct vfio_device_feature *feat;
	size_t argsz = sizeof(*feat) + len;
	int ret = 0;

	if (len > REGION_INFO_MAX_SIZE || (len > 0 && data == NULL))
		return -EINVAL;
	feat = calloc(1, argsz);
	if (feat == NULL)
		return -ENOMEM;
	feat->argsz = (uint32_t)argsz;
	feat->flags = flags;
	if (len > 0)
		memcpy(feat->data, data, len);
	if (ioctl(kd->fd, VFIO_DEVICE_FEATURE, feat) < 0) {
		ret = -errno;
		/* PROBE failing is the expected answer for a missing feature. */
		if (flags & VFIO_DEVICE_FEATURE_PROBE)
			VFIO_LOG(DEBUG, "%s: feature %" PRIu32 " not offered: %s",
				 d->name, flags & VFIO_DEVICE_FEATURE_MASK,
				 strerror(-ret));
		else
			VFIO_LOG(ERR, "%s: VFIO_DEVICE_FEATURE(%" PRIu32 ", flags 0x%"
				 PRIx32 ") failed: %s", d->name,
				 flags & VFIO_DEVICE_FEATURE_MASK, flags, strerror(-ret));
	} else if (len > 0 && (flags & VFIO_DEVICE_FEATURE_GET)) {
		memcpy(data, feat->data, len);
	}
	free(feat);
	return ret;
}

/* The kernel keeps the device for as long as we hold its fd: a hot unplug
 * is announced through the REQ IRQ, which the driver handles, not here. */
static int kernel_poll_events(struct vfio_device *d)
{
	(void)d;
	return 0;
}

const struct vfio_device_ops vfio_kernel_device_ops = {
	.get_info = kernel_get_info,
	.get_region_info = kernel_get_region_info,
	.region_read = kernel_region_read,
	.region_write = kernel_region_write,
	.region_mmap = kernel_region_mmap,
	.get_irq_info = kernel_get_irq_info,
	.set_irqs = kernel_set_irqs,
	.reset = kernel_reset,
	.feature = kernel_feature,
	.poll_events = kernel_poll_events,
	.migration_get_flags = vfio_kernel_migration_get_flags,
	.migration_get_state = vfio_kernel_migration_get_state,
	.migration_set_state = vfio_kernel_migration_set_state,
	.migration_data_read = vfio_kernel_migration_data_read,
	.migration_data_write = vfio_kernel_migration_data_write,
};

int vfio_kernel_device_create(struct vfio_container *c, int fd, const char *bdf,
			      struct vfio_kernel_device **out)
{
	struct vfio_kernel_device *kd;
	int ret;

	kd = calloc(1, sizeof(*kd));
	if (kd == NULL) {
		close(fd);
		return -ENOMEM;
	}
	kd->fd = fd;
	kd->mig_data_fd = -1;
	kd->dev.ops = &vfio_kernel_device_ops;
	kd->dev.container = c;
	snprintf(kd->dev.name, sizeof(kd->dev.name), "%s", bdf);
	ret = kernel_get_info(&kd->dev, &kd->dev.info);
	if (ret < 0) {
		close(fd);
		free(kd);
		return ret;
	}
	if (!(kd->dev.info.flags & VFIO_DEVICE_FLAGS_PCI))
		VFIO_LOG(WARNING, "%s: not a vfio-pci device (flags 0x%" PRIx32 ")",
			 bdf, kd->dev.info.flags);
	*out = kd;
	return 0;
}

void vfio_kernel_device_free(struct vfio_kernel_device *kd)
{
	if (kd == NULL)
		return;
	/* Releasing the fd makes the kernel disable the device's interrupts
	 * and reset it (when it can), so no DMA outlives the detach. */
	if (kd->mig_data_fd >= 0)
		close(kd->mig_data_fd);
	close(kd->fd);
	free(kd);
}
