/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The noiommu backend: VFIO's unsafe no-IOMMU mode. Devices get their BARs
 * and interrupts through VFIO but nothing translates or checks their DMA:
 * the IOVA a driver gives a device is the physical address it reaches, and
 * a bad one corrupts whatever lives there. There is nothing to map; dma_map
 * only proves that each IOVA is the physical address of its page.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "vfio_private.h"

#define NOIOMMU_PARAM "module/vfio/parameters/enable_unsafe_noiommu_mode"

struct noiommu_state {
	struct vfio_legacy lg;
};

static bool noiommu_warned;

static struct noiommu_state *state_of(struct vfio_container *c)
{
	return c->priv;
}

static int noiommu_check_enabled(void)
{
	char value[16];
	ssize_t n;

	n = vfio_sysfs_read(NOIOMMU_PARAM, value, sizeof(value));
	if (n < 0) {
		VFIO_LOG(ERR, "no-IOMMU mode: cannot read /sys/%s (%s): load vfio "
			 "first (modprobe vfio enable_unsafe_noiommu_mode=1); the "
			 "kernel needs CONFIG_VFIO_NOIOMMU", NOIOMMU_PARAM,
			 strerror((int)-n));
		return -ENOTSUP;
	}
	if (strcmp(value, "Y") != 0 && strcmp(value, "1") != 0) {
		VFIO_LOG(ERR, "no-IOMMU mode is off (/sys/%s is %s): enable it with "
			 "'echo 1 > /sys/%s' (or load vfio with "
			 "enable_unsafe_noiommu_mode=1), then rebind the devices "
			 "to vfio-pci. It lets devices DMA anywhere in memory",
			 NOIOMMU_PARAM, value, NOIOMMU_PARAM);
		return -ENOTSUP;
	}
	return 0;
}

static int noiommu_open(struct vfio_container *c, const char *target)
{
	struct noiommu_state *st;
	int ret;

	if (target != NULL && target[0] != '\0') {
		VFIO_LOG(ERR, "noiommu takes no target ('%s' given)", target);
		return -EINVAL;
	}
	ret = noiommu_check_enabled();
	if (ret < 0)
		return ret;
	if (eal_initialized() && eal_iova_mode() != EAL_IOVA_PA) {
		VFIO_LOG(ERR, "no-IOMMU mode needs physical IOVAs: start with "
			 "--iova-mode=pa (devices would DMA to the virtual "
			 "addresses as if they were physical ones)");
		return -EINVAL;
	}
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return -ENOMEM;
	ret = vfio_legacy_open(&st->lg, VFIO_NOIOMMU_IOMMU);
	if (ret < 0) {
		free(st);
		return ret;
	}
	if (!noiommu_warned) {
		noiommu_warned = true;
		VFIO_LOG(WARNING, "**************************************************");
		VFIO_LOG(WARNING, "* VFIO no-IOMMU mode: devices can DMA ANYWHERE in *");
		VFIO_LOG(WARNING, "* memory. A driver bug or a bad packet buffer    *");
		VFIO_LOG(WARNING, "* address corrupts the kernel or other programs. *");
		VFIO_LOG(WARNING, "* Use an IOMMU (type1/iommufd) wherever you can. *");
		VFIO_LOG(WARNING, "**************************************************");
	}
	memset(&c->info, 0, sizeof(c->info));
	c->info.pgsize_bitmap = ~(uint64_t)((uint64_t)sysconf(_SC_PAGESIZE) - 1);
	c->info.iova_is_pa = true;
	c->priv = st;
	/* Nothing is mapped, so "mapping" (the IOVA check) works from now. */
	c->address_space_ready = true;
	return 0;
}

static void noiommu_release(struct vfio_container *c)
{
	struct noiommu_state *st = state_of(c);

	if (st == NULL)
		return;
	vfio_legacy_close(&st->lg);
	free(st);
	c->priv = NULL;
	c->address_space_ready = false;
}

static int noiommu_dma_map(struct vfio_container *c, uint64_t iova, void *vaddr,
			   size_t len, int fd __eal_unused,
			   off_t fd_offset __eal_unused, unsigned prot __eal_unused)
{
	const struct eal_memseg *seg = eal_memseg_find(vaddr);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t off;

	if (state_of(c) == NULL)
		return -ENXIO;
	if (len == 0)
		return -EINVAL;
	/* A hugepage is physically contiguous: one lookup per page suffices. */
	if (seg != NULL && seg->page_size > page &&
	    (uintptr_t)vaddr % seg->page_size == 0 && len % seg->page_size == 0)
		page = seg->page_size;
	for (off = 0; off < len; off += page) {
		const void *va = (const char *)vaddr + off;
		uint64_t pa = eal_virt2phys(va);

		if (pa == EAL_BAD_IOVA) {
			int err = errno;

			VFIO_LOG(ERR, "no-IOMMU: cannot learn the physical address "
				 "of %p: %s%s", va, strerror(err),
				 err == EPERM ? " (reading physical addresses needs "
						"root: CAP_SYS_ADMIN)" : "");
			return err == 0 ? -EIO : -err;
		}
		if (pa != iova + off) {
			VFIO_LOG(ERR, "no-IOMMU: IOVA 0x%" PRIx64 " given for %p, "
				 "whose physical address is 0x%" PRIx64 ": without "
				 "an IOMMU the device would DMA to the wrong memory. "
				 "Use --iova-mode=pa", iova + off, va, pa);
			return -EINVAL;
		}
	}
	return 0;
}

static int noiommu_dma_unmap(struct vfio_container *c, uint64_t iova __eal_unused,
			     size_t len __eal_unused, unsigned flags)
{
	if (state_of(c) == NULL)
		return -ENXIO;
	return (flags & ~VFIO_DMA_UNMAP_ALL) ? -EINVAL : 0;
}

static int noiommu_dirty_unsupported(struct vfio_container *c __eal_unused)
{
	VFIO_LOG(ERR, "no-IOMMU mode cannot track dirty pages: nothing sees the "
		 "devices' DMA");
	return -ENOTSUP;
}

static int noiommu_dirty_bitmap_query(struct vfio_container *c __eal_unused,
				      uint64_t iova __eal_unused,
				      size_t len __eal_unused,
				      size_t pgsize __eal_unused,
				      uint64_t *bitmap __eal_unused)
{
	return -ENOTSUP;
}

static int noiommu_device_attach(struct vfio_container *c, const char *name,
				 struct vfio_device **dev)
{
	struct noiommu_state *st = state_of(c);
	struct vfio_group *group;
	bool first_group;
	char bdf[13];
	int fd;

	if (st == NULL || dev == NULL)
		return -EINVAL;
	fd = vfio_legacy_device_open(&st->lg, name, bdf, &group, &first_group);
	if (fd < 0)
		return fd;
	return vfio_legacy_device_wrap(c, fd, bdf, group, dev);
}

const struct vfio_container_ops vfio_noiommu_container_ops = {
	.name = "noiommu",
	.maps_by_fd = false,
	.open = noiommu_open,
	.release = noiommu_release,
	.dma_map = noiommu_dma_map,
	.dma_unmap = noiommu_dma_unmap,
	.dirty_tracking_start = noiommu_dirty_unsupported,
	.dirty_tracking_stop = noiommu_dirty_unsupported,
	.dirty_bitmap_query = noiommu_dirty_bitmap_query,
	.refresh_info = NULL,
	.device_attach = noiommu_device_attach,
	.device_detach = vfio_legacy_device_detach,
};
