/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_backend.h"

struct fake_backend fake;

struct fake_device {
	struct vfio_device dev;
};

void fake_reset(void)
{
	memset(&fake, 0, sizeof(fake));
	fake.info.pgsize_bitmap = 0x1000 | 0x200000 | 0x40000000;
	fake.fail_map_error = -ENOSPC;
}

int fake_find(uint64_t iova, uint64_t len)
{
	unsigned i;

	for (i = 0; i < fake.nb_maps; i++)
		if (fake.maps[i].iova == iova && fake.maps[i].len == len)
			return (int)i;
	return -1;
}

uint64_t fake_covered(uint64_t iova, uint64_t len)
{
	uint64_t covered = 0;
	unsigned i;

	for (i = 0; i < fake.nb_maps; i++) {
		uint64_t s = EAL_MAX(iova, fake.maps[i].iova);
		uint64_t e = EAL_MIN(iova + len, fake.maps[i].iova + fake.maps[i].len);

		if (e > s)
			covered += e - s;
	}
	return covered;
}

static int fake_open(struct vfio_container *c, const char *target)
{
	(void)target;
	if (fake.fail_open != 0)
		return fake.fail_open;
	c->info = fake.info;
	c->address_space_ready = fake.ready_at_open;
	c->priv = &fake;
	return 0;
}

static void fake_release(struct vfio_container *c)
{
	fake.released = true;
	c->priv = NULL;
}

static int fake_dma_map(struct vfio_container *c, uint64_t iova, void *vaddr,
			size_t len, int fd, off_t fd_offset, unsigned prot)
{
	unsigned i;
	int ret;

	fake.nb_map_calls++;
	if (!c->address_space_ready || prot != (VFIO_DMA_READ | VFIO_DMA_WRITE))
		return -ENXIO;
	if (fake.fail_map_countdown > 0 && --fake.fail_map_countdown == 0)
		return fake.fail_map_error;
	ret = vfio_iova_check(&c->info, iova, len, vaddr);
	if (ret < 0)
		return ret;
	for (i = 0; i < fake.nb_maps; i++)
		if (iova < fake.maps[i].iova + fake.maps[i].len &&
		    fake.maps[i].iova < iova + len)
			return -EEXIST;
	if (fake.nb_maps == FAKE_MAX_MAPS)
		return -ENOSPC;
	fake.maps[fake.nb_maps++] = (struct fake_map){
		.iova = iova, .vaddr = (uintptr_t)vaddr, .len = len,
		.fd = fd, .fd_offset = fd_offset,
	};
	return 0;
}

/* Like type1 v2: the range must consist of whole mappings. */
static int fake_dma_unmap(struct vfio_container *c, uint64_t iova, size_t len,
			  unsigned flags)
{
	uint64_t end = iova + len;
	unsigned i, kept = 0;

	fake.nb_unmap_calls++;
	if (!c->address_space_ready)
		return -ENXIO;
	if (flags & VFIO_DMA_UNMAP_ALL) {
		fake.nb_maps = 0;
		return 0;
	}
	for (i = 0; i < fake.nb_maps; i++) {
		const struct fake_map *m = &fake.maps[i];
		bool overlaps = m->iova < end && iova < m->iova + m->len;

		if (overlaps && (m->iova < iova || m->iova + m->len > end))
			return -EINVAL;
	}
	for (i = 0; i < fake.nb_maps; i++) {
		const struct fake_map *m = &fake.maps[i];

		if (m->iova >= iova && m->iova + m->len <= end)
			continue;
		fake.maps[kept++] = *m;
	}
	if (kept == fake.nb_maps)
		return -ENOENT;
	fake.nb_maps = kept;
	return 0;
}

static int fake_dirty_start(struct vfio_container *c)
{
	(void)c;
	fake.dirty_on = true;
	return 0;
}

static int fake_dirty_stop(struct vfio_container *c)
{
	(void)c;
	fake.dirty_on = false;
	return 0;
}

/* Reports every mapped page dirty, as type1 does. */
static int fake_dirty_query(struct vfio_container *c, uint64_t iova, size_t len,
			    size_t pgsize, uint64_t *bitmap)
{
	uint64_t p, pages = len / pgsize;

	(void)c;
	fake.nb_dirty_queries++;
	memset(bitmap, 0, (pages + 63) / 64 * 8);
	for (p = 0; p < pages; p++)
		if (fake_covered(iova + p * pgsize, pgsize) == pgsize)
			bitmap[p / 64] |= 1ull << (p % 64);
	return 0;
}

static int fake_attach(struct vfio_container *c, const char *name,
		       struct vfio_device **dev)
{
	struct fake_device *fd;

	if (strcmp(name, "bad") == 0)
		return -ENODEV;
	fd = calloc(1, sizeof(*fd));
	if (fd == NULL)
		return -ENOMEM;
	snprintf(fd->dev.name, sizeof(fd->dev.name), "%s", name);
	fd->dev.container = c;
	fake.nb_attach++;
	c->address_space_ready = true;
	*dev = &fd->dev;
	return 0;
}

static void fake_detach(struct vfio_container *c, struct vfio_device *dev)
{
	(void)c;
	fake.nb_detach++;
	free(eal_container_of(dev, struct fake_device, dev));
}

const struct vfio_container_ops fake_ops = {
	.name = "fake",
	.maps_by_fd = false,
	.open = fake_open,
	.release = fake_release,
	.dma_map = fake_dma_map,
	.dma_unmap = fake_dma_unmap,
	.dirty_tracking_start = fake_dirty_start,
	.dirty_tracking_stop = fake_dirty_stop,
	.dirty_bitmap_query = fake_dirty_query,
	.device_attach = fake_attach,
	.device_detach = fake_detach,
};

const struct vfio_container_ops fake_fd_ops = {
	.name = "fake-fd",
	.maps_by_fd = true,
	.open = fake_open,
	.release = fake_release,
	.dma_map = fake_dma_map,
	.dma_unmap = fake_dma_unmap,
	.dirty_tracking_start = fake_dirty_start,
	.dirty_tracking_stop = fake_dirty_stop,
	.dirty_bitmap_query = fake_dirty_query,
	.device_attach = fake_attach,
	.device_detach = fake_detach,
};

static FILE *capture_stream;
static char *capture_buf;
static size_t capture_len;

void log_capture_start(void)
{
	capture_stream = open_memstream(&capture_buf, &capture_len);
	eal_log_set_stream(capture_stream);
}

char *log_capture_end(void)
{
	char *out;

	eal_log_set_stream(NULL);
	fclose(capture_stream);
	capture_stream = NULL;
	out = capture_buf;
	capture_buf = NULL;
	return out;
}
