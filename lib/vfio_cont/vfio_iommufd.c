/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The iommufd backend: an I/O address space (IOAS) of /dev/iommu, devices
 * opened through their VFIO cdev (/dev/vfio/devices/vfioN), bound to the
 * iommufd and attached to the IOAS. Where the IOMMU can track dirty pages,
 * the devices are attached through a hardware page table (HWPT) allocated
 * with dirty tracking, which the dirty_* ops then drive.
 *
 * Needs Linux 6.6 (cdev bind/attach; 6.7 for dirty tracking). The requests
 * are built in iommufd_request.h, where the unit tests check them.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "iommufd_request.h"
#include "vfio_private.h"

/* Room for the IOVA ranges in one call; the kernel says when it needs more. */
#define IOMMUFD_RANGES_FIRST 16
#define IOMMUFD_RANGES_MAX 4096

struct iommufd_state {
	int fd;
	uint32_t ioas_id;
	uint32_t hwpt_id;   /* 0: devices attach to the IOAS directly */
	unsigned nb_devices;
	bool dirty_possible; /* every device sits on the dirty-tracking HWPT */
};

static struct iommufd_state *state_of(struct vfio_container *c)
{
	return c->priv;
}

static int iommufd_ioctl(int fd, unsigned long request, void *arg)
{
	return ioctl(fd, request, arg) < 0 ? -errno : 0;
}

/* IOMMU_IOAS_IOVA_RANGES into c->info (ranges and smallest page). */
static int iommufd_refresh_ranges(struct vfio_container *c)
{
	struct iommufd_state *st = state_of(c);
	uint32_t room = IOMMUFD_RANGES_FIRST;
	struct iommu_ioas_iova_ranges req;
	struct iommu_iova_range *ranges;
	uint64_t align;
	unsigned i, keep;
	int ret;

	for (;;) {
		ranges = calloc(room, sizeof(*ranges));
		if (ranges == NULL)
			return -ENOMEM;
		req = iommufd_req_iova_ranges(st->ioas_id, ranges, room);
		ret = iommufd_ioctl(st->fd, IOMMU_IOAS_IOVA_RANGES, &req);
		/* EMSGSIZE: too little room, num_iovas says how much. */
		if (ret != -EMSGSIZE || req.num_iovas <= room ||
		    req.num_iovas > IOMMUFD_RANGES_MAX)
			break;
		room = req.num_iovas;
		free(ranges);
	}
	if (ret < 0) {
		VFIO_LOG(ERR, "iommufd: IOMMU_IOAS_IOVA_RANGES failed: %s",
			 strerror(-ret));
		free(ranges);
		return ret;
	}
	keep = EAL_MIN(req.num_iovas, (uint32_t)VFIO_MAX_IOVA_RANGES);
	if (keep < req.num_iovas)
		VFIO_LOG(WARNING, "iommufd: %" PRIu32 " IOVA ranges, only the first "
			 "%d are used", req.num_iovas, VFIO_MAX_IOVA_RANGES);
	for (i = 0; i < keep; i++) {
		c->info.iova_ranges[i].start = ranges[i].start;
		c->info.iova_ranges[i].end = ranges[i].last;
	}
	free(ranges);
	/* An IOAS with no allowed IOVA at all would be reported as 0 ranges,
	 * which means "everything" here: refuse it instead. */
	if (keep == 0) {
		VFIO_LOG(ERR, "iommufd: the IOAS allows no IOVA at all");
		return -ENOSPC;
	}
	c->info.nb_iova_ranges = keep;
	align = req.out_iova_alignment;
	if (align == 0 || !EAL_IS_POWER_OF_2(align))
		align = (uint64_t)sysconf(_SC_PAGESIZE);
	c->info.pgsize_bitmap = ~(align - 1);
	return 0;
}

static int iommufd_open(struct vfio_container *c, const char *target)
{
	struct iommu_ioas_alloc alloc = iommufd_req_ioas_alloc();
	struct iommufd_state *st;
	char path[PATH_MAX];
	int ret;

	if (target != NULL && target[0] != '\0') {
		VFIO_LOG(ERR, "iommufd takes no target ('%s' given)", target);
		return -EINVAL;
	}
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return -ENOMEM;
	vfio_dev_path(path, sizeof(path), "iommu");
	st->fd = open(path, O_RDWR | O_CLOEXEC);
	if (st->fd < 0) {
		ret = -errno;
		if (ret == -ENOENT)
			VFIO_LOG(ERR, "no %s: kernel < 6.2 or CONFIG_IOMMUFD off; "
				 "use --vfio-mode=type1", path);
		else
			VFIO_LOG(ERR, "cannot open %s: %s%s", path, strerror(-ret),
				 ret == -EACCES ? " (run as root)" : "");
		free(st);
		return ret;
	}
	ret = iommufd_ioctl(st->fd, IOMMU_IOAS_ALLOC, &alloc);
	if (ret < 0) {
		VFIO_LOG(ERR, "iommufd: IOMMU_IOAS_ALLOC failed: %s", strerror(-ret));
		close(st->fd);
		free(st);
		return ret;
	}
	st->ioas_id = alloc.out_ioas_id;
	memset(&c->info, 0, sizeof(c->info));
	c->priv = st;
	ret = iommufd_refresh_ranges(c);
	if (ret < 0) {
		close(st->fd);
		free(st);
		c->priv = NULL;
		return ret;
	}
	/* The IOAS takes mappings before any device is attached. */
	c->address_space_ready = true;
	return 0;
}

static void iommufd_release(struct vfio_container *c)
{
	struct iommufd_state *st = state_of(c);

	if (st == NULL)
		return;
	/* Closing the iommufd destroys its objects; explicit destroys first
	 * keep the order (HWPT before the IOAS it maps) obvious. */
	if (st->hwpt_id != 0) {
		struct iommu_destroy d = iommufd_req_destroy(st->hwpt_id);

		iommufd_ioctl(st->fd, IOMMU_DESTROY, &d);
	}
	{
		struct iommu_destroy d = iommufd_req_destroy(st->ioas_id);

		iommufd_ioctl(st->fd, IOMMU_DESTROY, &d);
	}
	close(st->fd);
	free(st);
	c->priv = NULL;
	c->address_space_ready = false;
}

static int iommufd_dma_map(struct vfio_container *c, uint64_t iova, void *vaddr,
			   size_t len, int fd __eal_unused,
			   off_t fd_offset __eal_unused, unsigned prot)
{
	struct iommufd_state *st = state_of(c);
	struct iommu_ioas_map req;
	uint64_t min_pgsize;
	int ret;

	if (st == NULL)
		return -ENXIO;
	min_pgsize = vfio_min_pgsize(&c->info);
	if (len == 0 || ((uintptr_t)vaddr | iova | len) & (min_pgsize - 1) ||
	    prot == 0 || (prot & ~(VFIO_DMA_READ | VFIO_DMA_WRITE))) {
		VFIO_LOG(ERR, "iommufd: dma_map(iova 0x%" PRIx64 ", va %p, %zu "
			 "bytes, prot 0x%x): address and length must be non-empty "
			 "and %" PRIu64 "-byte aligned, prot READ and/or WRITE",
			 iova, vaddr, len, prot, min_pgsize);
		return -EINVAL;
	}
	ret = vfio_iova_check(&c->info, iova, len, vaddr);
	if (ret < 0)
		return ret;
	req = iommufd_req_ioas_map(st->ioas_id, iova, vaddr, len, prot);
	ret = iommufd_ioctl(st->fd, IOMMU_IOAS_MAP, &req);
	if (ret < 0)
		VFIO_LOG(ERR, "iommufd: IOMMU_IOAS_MAP(iova 0x%" PRIx64 ", va %p, "
			 "%zu bytes) failed: %s%s", iova, vaddr, len, strerror(-ret),
			 ret == -EEXIST ? " (overlaps an existing mapping)" :
			 ret == -ENOMEM ? " (locked memory limit? ulimit -l)" : "");
	return ret;
}

static int iommufd_dma_unmap(struct vfio_container *c, uint64_t iova, size_t len,
			     unsigned flags)
{
	struct iommufd_state *st = state_of(c);
	bool all = (flags & VFIO_DMA_UNMAP_ALL) != 0;
	struct iommu_ioas_unmap req;
	int ret;

	if (st == NULL)
		return -ENXIO;
	if ((flags & ~VFIO_DMA_UNMAP_ALL) || (all && (iova != 0 || len != 0)) ||
	    (!all && len == 0)) {
		VFIO_LOG(ERR, "iommufd: dma_unmap(0x%" PRIx64 ", %zu, flags 0x%x): "
			 "a non-empty range, or iova 0 and len 0 with "
			 "VFIO_DMA_UNMAP_ALL", iova, len, flags);
		return -EINVAL;
	}
	req = iommufd_req_ioas_unmap(st->ioas_id, iova, len, all);
	ret = iommufd_ioctl(st->fd, IOMMU_IOAS_UNMAP, &req);
	if (ret < 0)
		VFIO_LOG(ERR, "iommufd: IOMMU_IOAS_UNMAP(0x%" PRIx64 ", %zu) failed: "
			 "%s%s", iova, len, strerror(-ret),
			 ret == -ENOENT ? " (nothing mapped there)" :
			 ret == -EINVAL ? " (the range must cover whole mappings)" : "");
	return ret;
}

static int iommufd_dirty_check(struct vfio_container *c)
{
	struct iommufd_state *st = state_of(c);

	if (st == NULL)
		return -ENXIO;
	if (st->hwpt_id == 0 || !st->dirty_possible) {
		VFIO_LOG(ERR, "iommufd: no dirty tracking: %s",
			 st->nb_devices == 0 ? "no device is attached yet" :
			 "the IOMMU does not offer it (IOMMU_HW_CAP_DIRTY_TRACKING) "
			 "for every attached device");
		return -ENOTSUP;
	}
	return 0;
}

static int iommufd_set_dirty(struct vfio_container *c, bool enable)
{
	struct iommufd_state *st = state_of(c);
	struct iommu_hwpt_set_dirty_tracking req;
	int ret;

	ret = iommufd_dirty_check(c);
	if (ret < 0)
		return ret;
	req = iommufd_req_set_dirty_tracking(st->hwpt_id, enable);
	ret = iommufd_ioctl(st->fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &req);
	if (ret < 0)
		VFIO_LOG(ERR, "iommufd: IOMMU_HWPT_SET_DIRTY_TRACKING(%s) failed: %s",
			 enable ? "on" : "off", strerror(-ret));
	return ret;
}

static int iommufd_dirty_tracking_start(struct vfio_container *c)
{
	return iommufd_set_dirty(c, true);
}

static int iommufd_dirty_tracking_stop(struct vfio_container *c)
{
	return iommufd_set_dirty(c, false);
}

static int iommufd_dirty_bitmap_query(struct vfio_container *c, uint64_t iova,
				      size_t len, size_t pgsize, uint64_t *bitmap)
{
	struct iommufd_state *st = state_of(c);
	struct iommu_hwpt_get_dirty_bitmap req;
	int ret;

	ret = iommufd_dirty_check(c);
	if (ret < 0)
		return ret;
	if (bitmap == NULL || len == 0 || pgsize == 0 || !EAL_IS_POWER_OF_2(pgsize) ||
	    (iova | len) & (pgsize - 1))
		return -EINVAL;
	/* The kernel only sets bits: start from a clean bitmap. */
	memset(bitmap, 0, (len / pgsize + 63) / 64 * sizeof(uint64_t));
	req = iommufd_req_get_dirty_bitmap(st->hwpt_id, iova, len, pgsize, bitmap);
	ret = iommufd_ioctl(st->fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &req);
	if (ret < 0)
		VFIO_LOG(ERR, "iommufd: IOMMU_HWPT_GET_DIRTY_BITMAP(0x%" PRIx64
			 ", %zu, pgsize %zu) failed: %s", iova, len, pgsize,
			 strerror(-ret));
	return ret;
}

/* First device: learn whether the IOMMU tracks dirty pages for it and, if
 * so, make the HWPT every device of the container will share. */
static void iommufd_setup_hwpt(struct iommufd_state *st, uint32_t devid,
			       const char *bdf)
{
	struct iommu_hw_info info = iommufd_req_hw_info(devid);
	struct iommu_hwpt_alloc alloc;
	int ret;

	ret = iommufd_ioctl(st->fd, IOMMU_GET_HW_INFO, &info);
	if (ret < 0) {
		VFIO_LOG(INFO, "iommufd: IOMMU_GET_HW_INFO(%s) failed (%s): no "
			 "dirty tracking", bdf, strerror(-ret));
		return;
	}
	if (!(info.out_capabilities & IOMMU_HW_CAP_DIRTY_TRACKING)) {
		VFIO_LOG(INFO, "iommufd: the IOMMU of %s does not track dirty "
			 "pages", bdf);
		return;
	}
	alloc = iommufd_req_hwpt_alloc(devid, st->ioas_id, true);
	ret = iommufd_ioctl(st->fd, IOMMU_HWPT_ALLOC, &alloc);
	if (ret < 0) {
		VFIO_LOG(WARNING, "iommufd: IOMMU_HWPT_ALLOC with dirty tracking "
			 "for %s failed (%s): no dirty tracking", bdf,
			 strerror(-ret));
		return;
	}
	st->hwpt_id = alloc.out_hwpt_id;
	st->dirty_possible = true;
}

static int iommufd_device_attach(struct vfio_container *c, const char *name,
				 struct vfio_device **dev)
{
	struct iommufd_state *st = state_of(c);
	struct vfio_device_bind_iommufd bind;
	struct vfio_device_attach_iommufd_pt attach;
	struct vfio_kernel_device *kd;
	char bdf[13], cdev[PATH_MAX];
	int fd, ret;

	if (st == NULL || dev == NULL)
		return -EINVAL;
	ret = vfio_pci_device_check(name, bdf);
	if (ret < 0)
		return ret;
	ret = vfio_pci_device_cdev(bdf, cdev, sizeof(cdev));
	if (ret < 0) {
		VFIO_LOG(ERR, "%s has no VFIO device cdev (no /sys/bus/pci/devices/"
			 "%s/vfio-dev): the kernel needs CONFIG_VFIO_DEVICE_CDEV "
			 "(Linux 6.6+); use --vfio-mode=type1", bdf, bdf);
		return ret;
	}
	fd = open(cdev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		VFIO_LOG(ERR, "cannot open %s for %s: %s%s", cdev, bdf, strerror(-ret),
			 ret == -EBUSY ? " (the device is open elsewhere, maybe "
					 "through its group)" : "");
		return ret;
	}
	bind = vfio_req_bind_iommufd(st->fd);
	ret = iommufd_ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, &bind);
	if (ret < 0) {
		VFIO_LOG(ERR, "%s: VFIO_DEVICE_BIND_IOMMUFD failed: %s", bdf,
			 strerror(-ret));
		close(fd);
		return ret;
	}
	if (st->nb_devices == 0 && st->hwpt_id == 0)
		iommufd_setup_hwpt(st, bind.out_devid, bdf);
	ret = -ENOENT;
	if (st->hwpt_id != 0) {
		attach = vfio_req_attach_pt(st->hwpt_id);
		ret = iommufd_ioctl(fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach);
		if (ret < 0 && st->dirty_possible) {
			/* An IOMMU of another kind cannot share the HWPT. */
			VFIO_LOG(NOTICE, "%s cannot join the dirty-tracking page "
				 "table (%s): attached without it, dirty tracking "
				 "is off for this container", bdf, strerror(-ret));
			st->dirty_possible = false;
		}
	}
	if (ret < 0) {
		attach = vfio_req_attach_pt(st->ioas_id);
		ret = iommufd_ioctl(fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach);
	}
	if (ret < 0) {
		VFIO_LOG(ERR, "%s: VFIO_DEVICE_ATTACH_IOMMUFD_PT failed: %s%s", bdf,
			 strerror(-ret),
			 ret == -EINVAL ? " (a reserved region of the device "
					  "overlaps memory already mapped?)" : "");
		close(fd);
		return ret;
	}
	ret = vfio_kernel_device_create(c, fd, bdf, &kd);
	if (ret < 0)
		return ret;
	kd->iommufd_devid = bind.out_devid;
	st->nb_devices++;
	c->info.dirty_tracking = st->dirty_possible;
	c->info.dirty_pgsize_bitmap = st->dirty_possible ? c->info.pgsize_bitmap : 0;
	c->info.dirty_max_bitmap_bytes = 0;
	/* The device's reserved regions are now cut out of the IOAS. */
	if (iommufd_refresh_ranges(c) < 0)
		VFIO_LOG(WARNING, "iommufd: IOVA ranges not refreshed after "
			 "attaching %s", bdf);
	*dev = &kd->dev;
	return 0;
}

static void iommufd_device_detach(struct vfio_container *c, struct vfio_device *dev)
{
	struct iommufd_state *st = state_of(c);
	struct vfio_kernel_device *kd;

	if (dev == NULL)
		return;
	kd = eal_container_of(dev, struct vfio_kernel_device, dev);
	/* Closing the cdev unbinds the device from the iommufd. */
	vfio_kernel_device_free(kd);
	if (st != NULL && st->nb_devices > 0)
		st->nb_devices--;
}

static int iommufd_refresh_info(struct vfio_container *c)
{
	if (state_of(c) == NULL)
		return -ENXIO;
	return iommufd_refresh_ranges(c);
}

const struct vfio_container_ops vfio_iommufd_container_ops = {
	.name = "iommufd",
	.maps_by_fd = false,
	.open = iommufd_open,
	.release = iommufd_release,
	.dma_map = iommufd_dma_map,
	.dma_unmap = iommufd_dma_unmap,
	.dirty_tracking_start = iommufd_dirty_tracking_start,
	.dirty_tracking_stop = iommufd_dirty_tracking_stop,
	.dirty_bitmap_query = iommufd_dirty_bitmap_query,
	.refresh_info = iommufd_refresh_info,
	.device_attach = iommufd_device_attach,
	.device_detach = iommufd_device_detach,
};
