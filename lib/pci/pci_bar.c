/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * BARs: what each one is (region info + BAR register), mapping them
 * (whole, or area by area when the backend gives sparse mmap areas), and
 * access through the region ops for what cannot be mapped.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "pci_private.h"

#define PCI_CFG_SPACE_MAX 4096

int pci_device_bind_vfio(struct pci_device *dev, struct vfio_device *vdev)
{
	struct vfio_region region;
	unsigned i;
	int rc;

	if (dev == NULL || vdev == NULL || vdev->ops == NULL)
		return -EINVAL;
	if (vdev->info.num_regions <= VFIO_PCI_CONFIG_REGION_INDEX) {
		PCI_LOG(ERR, "%s: the VFIO device has %u regions and no config space: not a PCI device?",
			dev->name, vdev->info.num_regions);
		return -ENODEV;
	}
	memset(&region, 0, sizeof(region));
	rc = vdev->ops->get_region_info(vdev, VFIO_PCI_CONFIG_REGION_INDEX, &region);
	if (rc < 0) {
		PCI_LOG(ERR, "%s: cannot get its config region: %s", dev->name, strerror(-rc));
		return rc;
	}
	if (region.size < 64) {
		PCI_LOG(ERR, "%s: config region of %llu bytes, less than a PCI header",
			dev->name, (unsigned long long)region.size);
		return -EIO;
	}
	dev->vdev = vdev;
	dev->config_size = region.size < PCI_CFG_SPACE_MAX ? region.size : PCI_CFG_SPACE_MAX;
	memset(dev->bars, 0, sizeof(dev->bars));

	for (i = 0; i < PCI_MAX_BARS; i++) {
		struct pci_bar *bar = &dev->bars[i];
		uint32_t reg = 0;

		if (i > 0 && dev->bars[i - 1].is_64bit)
			continue; /* the upper half of the previous BAR */
		memset(&bar->region, 0, sizeof(bar->region));
		if (VFIO_PCI_BAR0_REGION_INDEX + i >= vdev->info.num_regions)
			break;
		rc = vdev->ops->get_region_info(vdev, VFIO_PCI_BAR0_REGION_INDEX + i,
						&bar->region);
		if (rc < 0) {
			PCI_LOG(ERR, "%s: cannot get the region of BAR%u: %s", dev->name, i,
				strerror(-rc));
			goto fail;
		}
		if (bar->region.size == 0)
			continue;
		rc = pci_config_read32(dev, PCI_BASE_ADDRESS_0 + 4 * i, &reg);
		if (rc < 0)
			goto fail;
		bar->size = bar->region.size;
		bar->is_io = (reg & PCI_BASE_ADDRESS_SPACE) == PCI_BASE_ADDRESS_SPACE_IO;
		if (!bar->is_io) {
			bar->is_64bit = (reg & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
					PCI_BASE_ADDRESS_MEM_TYPE_64;
			bar->prefetchable = (reg & PCI_BASE_ADDRESS_MEM_PREFETCH) != 0;
		}
		bar->mmap_ok = !bar->is_io &&
			       (bar->region.flags & VFIO_REGION_INFO_FLAG_MMAP) != 0;
	}
	return 0;

fail:
	memset(dev->bars, 0, sizeof(dev->bars));
	dev->vdev = NULL;
	dev->config_size = 0;
	return rc;
}

void pci_device_unbind_vfio(struct pci_device *dev)
{
	unsigned i;

	if (dev == NULL || dev->vdev == NULL)
		return;
	(void)pci_msix_disable(dev);
	for (i = 0; i < PCI_MAX_BARS; i++)
		pci_bar_unmap(dev, i);
	memset(dev->bars, 0, sizeof(dev->bars));
	dev->vdev = NULL;
	dev->config_size = 0;
}

static size_t page_size(void)
{
	long ps = sysconf(_SC_PAGESIZE);

	return ps > 0 ? (size_t)ps : 4096;
}

/* Map each sparse area into one PROT_NONE reservation the size of the
 * BAR, so that the BAR's offsets stay offsets from one base. */
static void *map_sparse(struct pci_device *dev, unsigned idx, struct pci_bar *bar,
			size_t reserve_len)
{
	const struct vfio_region *r = &bar->region;
	char *base;
	unsigned a;

	base = mmap(NULL, reserve_len, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED) {
		int err = errno;

		PCI_LOG(ERR, "%s: BAR%u: cannot reserve %zu bytes of address space: %s",
			dev->name, idx, reserve_len, strerror(err));
		errno = err;
		return NULL;
	}
	for (a = 0; a < r->nb_areas; a++) {
		const struct vfio_mmap_area *area = &r->areas[a];
		void *m, *moved;
		int err;

		if (area->size == 0)
			continue;
		if (area->offset > bar->size || area->size > bar->size - area->offset ||
		    area->offset % page_size() != 0) {
			PCI_LOG(ERR, "%s: BAR%u: the backend's mmap area [0x%llx, +0x%llx) is not a page-aligned part of the %llu-byte BAR",
				dev->name, idx, (unsigned long long)area->offset,
				(unsigned long long)area->size, (unsigned long long)bar->size);
			munmap(base, reserve_len);
			errno = EIO;
			return NULL;
		}
		m = dev->vdev->ops->region_mmap(dev->vdev, r, area->offset, area->size);
		if (m == NULL || m == MAP_FAILED) {
			err = errno != 0 ? errno : EIO;
			PCI_LOG(ERR, "%s: BAR%u: mapping its area at 0x%llx (%llu bytes) failed: %s",
				dev->name, idx, (unsigned long long)area->offset,
				(unsigned long long)area->size, strerror(err));
			munmap(base, reserve_len);
			errno = err;
			return NULL;
		}
		/* The backend chose the address; move the mapping into place. */
		moved = mremap(m, area->size, area->size, MREMAP_MAYMOVE | MREMAP_FIXED,
			       base + area->offset);
		if (moved == MAP_FAILED) {
			err = errno;
			PCI_LOG(ERR, "%s: BAR%u: cannot move its mmap area into place: %s; use pci_bar_read()/pci_bar_write()",
				dev->name, idx, strerror(err));
			munmap(m, area->size);
			munmap(base, reserve_len);
			errno = err == EINVAL || err == EFAULT ? ENOTSUP : err;
			return NULL;
		}
	}
	return base;
}

volatile void *pci_bar_map(struct pci_device *dev, unsigned idx)
{
	struct pci_bar *bar;
	size_t len;
	void *m;

	if (dev == NULL || idx >= PCI_MAX_BARS) {
		PCI_LOG(ERR, "pci_bar_map: BAR%u: a device has BARs 0 to %u", idx,
			PCI_MAX_BARS - 1);
		errno = EINVAL;
		return NULL;
	}
	bar = &dev->bars[idx];
	if (bar->addr != NULL)
		return bar->addr;
	if (dev->vdev == NULL) {
		PCI_LOG(ERR, "%s: BAR%u: the device is not attached", dev->name, idx);
		errno = ENODEV;
		return NULL;
	}
	if (bar->size == 0) {
		PCI_LOG(ERR, "%s: BAR%u is not implemented by the device", dev->name, idx);
		errno = ENOENT;
		return NULL;
	}
	if (!bar->mmap_ok || dev->vdev->ops->region_mmap == NULL) {
		PCI_LOG(INFO, "%s: BAR%u cannot be mapped (%s): access it with pci_bar_read()/pci_bar_write()",
			dev->name, idx, bar->is_io ? "I/O ports" : "the backend does not allow it");
		errno = ENOTSUP;
		return NULL;
	}
	if (bar->size > SIZE_MAX - page_size()) {
		errno = ENOMEM;
		return NULL;
	}
	len = EAL_ALIGN_CEIL((size_t)bar->size, page_size());
	if (bar->region.nb_areas == 0) {
		errno = 0;
		m = dev->vdev->ops->region_mmap(dev->vdev, &bar->region, 0, (size_t)bar->size);
		if (m == NULL || m == MAP_FAILED) {
			int err = errno != 0 ? errno : EIO;

			PCI_LOG(ERR, "%s: mapping BAR%u (%llu bytes) failed: %s", dev->name, idx,
				(unsigned long long)bar->size, strerror(err));
			errno = err;
			return NULL;
		}
		bar->map_len = (size_t)bar->size;
		bar->fully_mapped = true;
	} else {
		uint64_t covered = 0;
		unsigned a;

		m = map_sparse(dev, idx, bar, len);
		if (m == NULL)
			return NULL;
		bar->map_len = len;
		for (a = 0; a < bar->region.nb_areas; a++)
			covered += bar->region.areas[a].size;
		/* Areas do not overlap: covering the size means no hole. */
		bar->fully_mapped = covered >= bar->size;
	}
	bar->map_base = m;
	bar->addr = m;
	return bar->addr;
}

void pci_bar_unmap(struct pci_device *dev, unsigned idx)
{
	struct pci_bar *bar;

	if (dev == NULL || idx >= PCI_MAX_BARS)
		return;
	bar = &dev->bars[idx];
	if (bar->map_base == NULL)
		return;
	/* Clear first: the inline accessors look at these. */
	bar->fully_mapped = false;
	bar->addr = NULL;
	munmap(bar->map_base, bar->map_len);
	bar->map_base = NULL;
	bar->map_len = 0;
}

static int bar_access_check(const struct pci_device *dev, unsigned idx, uint64_t offset,
			    size_t len, const char *what)
{
	if (dev == NULL || idx >= PCI_MAX_BARS)
		return -EINVAL;
	if (dev->vdev == NULL) {
		PCI_LOG(ERR, "%s: BAR%u %s: the device is not attached", dev->name, idx, what);
		return -ENODEV;
	}
	if (dev->bars[idx].size == 0) {
		PCI_LOG(ERR, "%s: BAR%u %s: the BAR is not implemented", dev->name, idx, what);
		return -EINVAL;
	}
	if (offset > dev->bars[idx].size || len > dev->bars[idx].size - offset) {
		PCI_LOG(ERR, "%s: BAR%u %s of %zu bytes at 0x%llx is beyond its %llu bytes",
			dev->name, idx, what, len, (unsigned long long)offset,
			(unsigned long long)dev->bars[idx].size);
		return -EINVAL;
	}
	return 0;
}

int pci_bar_read(struct pci_device *dev, unsigned idx, uint64_t offset, void *buf,
		 size_t len)
{
	ssize_t n;
	int rc;

	if (buf == NULL && len > 0)
		return -EINVAL;
	rc = bar_access_check(dev, idx, offset, len, "read");
	if (rc < 0 || len == 0)
		return rc;
	n = dev->vdev->ops->region_read(dev->vdev, VFIO_PCI_BAR0_REGION_INDEX + idx, offset,
					buf, len);
	if (n < 0) {
		PCI_LOG(ERR, "%s: BAR%u read of %zu bytes at 0x%llx failed: %s", dev->name, idx,
			len, (unsigned long long)offset, strerror((int)-n));
		return (int)n;
	}
	return (size_t)n == len ? 0 : -EIO;
}

int pci_bar_write(struct pci_device *dev, unsigned idx, uint64_t offset,
		  const void *buf, size_t len)
{
	ssize_t n;
	int rc;

	if (buf == NULL && len > 0)
		return -EINVAL;
	rc = bar_access_check(dev, idx, offset, len, "write");
	if (rc < 0 || len == 0)
		return rc;
	n = dev->vdev->ops->region_write(dev->vdev, VFIO_PCI_BAR0_REGION_INDEX + idx,
					 offset, buf, len, false);
	if (n < 0) {
		PCI_LOG(ERR, "%s: BAR%u write of %zu bytes at 0x%llx failed: %s", dev->name,
			idx, len, (unsigned long long)offset, strerror((int)-n));
		return (int)n;
	}
	return (size_t)n == len ? 0 : -EIO;
}

/* The mapped address of [off, off + width) when a sparse area of the
 * mapped BAR holds it, else NULL. */
static volatile void *sparse_addr(const struct pci_bar *bar, uint64_t off, unsigned width)
{
	unsigned a;

	if (bar->addr == NULL)
		return NULL;
	for (a = 0; a < bar->region.nb_areas; a++) {
		const struct vfio_mmap_area *area = &bar->region.areas[a];

		if (off >= area->offset && off + width <= area->offset + area->size)
			return (volatile char *)bar->addr + off;
	}
	return NULL;
}

uint32_t pci_bar_read_slow(struct pci_device *dev, unsigned idx, uint64_t off,
			   unsigned width)
{
	volatile void *p;
	uint32_t v = 0;

	if (dev == NULL || idx >= PCI_MAX_BARS || (width != 1 && width != 2 && width != 4))
		return UINT32_MAX;
	p = sparse_addr(&dev->bars[idx], off, width);
	if (p != NULL) {
		if (width == 4)
			return pci_mmio_read32(p, 0);
		return width == 2 ? pci_mmio_read16(p, 0) : pci_mmio_read8(p, 0);
	}
	if (pci_bar_read(dev, idx, off, &v, width) < 0)
		return width == 4 ? UINT32_MAX : (1u << (8 * width)) - 1;
	/* The little-endian bytes sit at the start of v. */
	if (width == 4)
		return le32toh(v);
	if (width == 2) {
		uint16_t h;

		memcpy(&h, &v, sizeof(h));
		return le16toh(h);
	}
	return v & 0xff;
}

void pci_bar_write_slow(struct pci_device *dev, unsigned idx, uint64_t off, uint32_t v,
			unsigned width)
{
	volatile void *p;
	uint32_t le32 = htole32(v);
	uint16_t le16 = htole16((uint16_t)v);
	uint8_t b = (uint8_t)v;
	const void *src;

	if (dev == NULL || idx >= PCI_MAX_BARS || (width != 1 && width != 2 && width != 4))
		return;
	p = sparse_addr(&dev->bars[idx], off, width);
	if (p != NULL) {
		if (width == 4)
			pci_mmio_write32(p, 0, v);
		else if (width == 2)
			pci_mmio_write16(p, 0, (uint16_t)v);
		else
			pci_mmio_write8(p, 0, (uint8_t)v);
		return;
	}
	src = width == 4 ? (const void *)&le32 : width == 2 ? (const void *)&le16 :
							      (const void *)&b;
	(void)pci_bar_write(dev, idx, off, src, width);
}
