/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The backend-independent half of a DMA container: choosing the backend,
 * following the EAL's memory events so every DMA segment is mapped while it
 * lives, and keeping the table of mappings that lets contiguous segments
 * share one IOMMU mapping (type1 has a limited number of them: DMA_AVAIL).
 *
 * No backend can grow, shrink or split a mapping, so a merge unmaps the
 * neighbour and maps the union, and freeing a segment in the middle of a
 * merged mapping unmaps all of it and maps back what is left.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vfio_private.h"

EAL_LOG_COMPONENT_REGISTER(vfio_cont_logtype, "vfio_cont", EAL_LOG_NOTICE);

#define MEM_EVENT_NAME "vfio_cont"
#define MAPS_INITIAL 16
#define DMA_PROT_RW (VFIO_DMA_READ | VFIO_DMA_WRITE)

static struct vfio_container_state *state_of(struct vfio_container *c)
{
	return eal_container_of(c, struct vfio_container_state, pub);
}

static const struct vfio_container_state *cstate_of(const struct vfio_container *c)
{
	/* pub is the first member (eal_container_of would drop const). */
	return (const struct vfio_container_state *)(const void *)c;
}

/* ---- IOVA ranges ---------------------------------------------------------- */

uint64_t vfio_min_pgsize(const struct vfio_container_info *info)
{
	if (info->pgsize_bitmap == 0)
		return 4096;
	return info->pgsize_bitmap & (~info->pgsize_bitmap + 1);
}

int vfio_iova_range_find(const struct vfio_container_info *info, uint64_t iova,
			 uint64_t len)
{
	uint64_t last;
	unsigned i;

	if (len == 0 || iova + (len - 1) < iova)
		return -1;
	last = iova + (len - 1);
	if (info->nb_iova_ranges == 0)
		return 0;
	for (i = 0; i < info->nb_iova_ranges && i < VFIO_MAX_IOVA_RANGES; i++)
		if (iova >= info->iova_ranges[i].start &&
		    last <= info->iova_ranges[i].end)
			return (int)i;
	return -1;
}

/* The first reserved hole (gap around the usable ranges) that overlaps
 * [first, last]. @return false when none does. */
static bool iova_hole_find(const struct vfio_container_info *info, uint64_t first,
			   uint64_t last, uint64_t *hole_start, uint64_t *hole_end)
{
	uint64_t start = 0;
	bool more = true; /* false once a range ends at UINT64_MAX */
	unsigned i;

	for (i = 0; i < info->nb_iova_ranges && more; i++) {
		const struct vfio_cont_iova_range *r = &info->iova_ranges[i];

		if (r->start > start && first <= r->start - 1 && last >= start) {
			*hole_start = start;
			*hole_end = r->start - 1;
			return true;
		}
		if (r->end == UINT64_MAX)
			more = false;
		else
			start = r->end + 1;
	}
	if (more && last >= start) {
		*hole_start = start;
		*hole_end = UINT64_MAX;
		return true;
	}
	return false;
}

int vfio_iova_check(const struct vfio_container_info *info, uint64_t iova,
		    uint64_t len, const void *vaddr)
{
	uint64_t last, hole_start, hole_end;
	char usable[256], where[40] = "";
	size_t used = 0;
	unsigned i;

	if (vfio_iova_range_find(info, iova, len) >= 0)
		return 0;
	if (len == 0 || iova + (len - 1) < iova) {
		VFIO_LOG(ERR, "IOVA 0x%" PRIx64 " + %" PRIu64 " bytes is empty or "
			 "wraps around the address space", iova, len);
		return -EINVAL;
	}
	last = iova + (len - 1);
	if (vaddr != NULL)
		snprintf(where, sizeof(where), " at VA %p", vaddr);
	usable[0] = '\0';
	for (i = 0; i < info->nb_iova_ranges && used < sizeof(usable); i++) {
		int n = snprintf(usable + used, sizeof(usable) - used,
				 "%s0x%" PRIx64 "-0x%" PRIx64, i > 0 ? ", " : "",
				 info->iova_ranges[i].start, info->iova_ranges[i].end);

		if (n > 0)
			used += (size_t)n;
	}
	if (iova_hole_find(info, iova, last, &hole_start, &hole_end))
		VFIO_LOG(ERR, "IOVA 0x%" PRIx64 "-0x%" PRIx64 " (%" PRIu64 " bytes"
			 "%s) falls in the reserved IOVA range 0x%" PRIx64
			 "-0x%" PRIx64 ", which the IOMMU cannot map (usable: %s)",
			 iova, last, len, where, hole_start, hole_end, usable);
	else
		VFIO_LOG(ERR, "IOVA 0x%" PRIx64 "-0x%" PRIx64 " spans two usable "
			 "IOVA ranges (%s); map it in two parts", iova, last, usable);
	if (vaddr != NULL && (uintptr_t)vaddr == iova)
		VFIO_LOG(ERR, "with IOVA as VA the memory's virtual address is its "
			 "IOVA, and this memory was placed inside that range: use "
			 "--iova-mode=pa, or keep the process's mappings out of it");
	return -ERANGE;
}

/* ---- backends and AUTO ----------------------------------------------------- */

const struct vfio_container_ops *vfio_container_ops_get(enum eal_vfio_mode mode)
{
	switch (mode) {
	case EAL_VFIO_TYPE1:
		return &vfio_type1_container_ops;
	case EAL_VFIO_NOIOMMU:
		return &vfio_noiommu_container_ops;
	case EAL_VFIO_IOMMUFD:
		return &vfio_iommufd_container_ops;
	case EAL_VFIO_USER:
#ifdef VFIO_CONT_HAVE_USER
		return &vfio_user_container_ops;
#else
		return NULL;
#endif
	case EAL_VFIO_AUTO:
	default:
		return NULL;
	}
}

static bool dev_node_exists(const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	vfio_dev_path(path, sizeof(path), rel);
	return stat(path, &st) == 0;
}

/* A VFIO device cdev exists (Linux 6.6+ with CONFIG_VFIO_DEVICE_CDEV and
 * at least one device bound to vfio-pci). */
static bool dev_vfio_cdev_exists(void)
{
	char path[PATH_MAX];
	struct dirent *de;
	bool found = false;
	DIR *dir;

	vfio_dev_path(path, sizeof(path), "vfio/devices");
	dir = opendir(path);
	if (dir == NULL)
		return false;
	while (!found && (de = readdir(dir)) != NULL)
		found = strncmp(de->d_name, "vfio", 4) == 0;
	closedir(dir);
	return found;
}

int vfio_mode_resolve(enum eal_vfio_mode mode)
{
	const char *dev = vfio_dev_root();
	bool iommu, cdev;

	if (mode != EAL_VFIO_AUTO) {
		if ((unsigned)mode > EAL_VFIO_USER) {
			VFIO_LOG(ERR, "unknown VFIO mode %d", (int)mode);
			return -EINVAL;
		}
		return (int)mode;
	}
	iommu = dev_node_exists("iommu");
	cdev = dev_vfio_cdev_exists();
	if (iommu && cdev)
		return EAL_VFIO_IOMMUFD;
	if (dev_node_exists("vfio/vfio"))
		return EAL_VFIO_TYPE1;
	VFIO_LOG(ERR,
		 "no VFIO backend on this machine: no %s/vfio/vfio: load the "
		 "vfio-pci module (modprobe vfio-pci) and bind the NICs to it; "
		 "%s%s%s",
		 dev,
		 iommu ? "" : "no ",
		 iommu ? "" : dev,
		 iommu ? "iommufd's /dev/iommu is there but no VFIO device cdev "
			 "(/dev/vfio/devices/vfioN: Linux 6.6+ with "
			 "CONFIG_VFIO_DEVICE_CDEV, device bound to vfio-pci)" :
			 "/iommu either (iommufd: kernel < 6.2 or CONFIG_IOMMUFD off)");
	return -ENODEV;
}

/* ---- the mapping table ------------------------------------------------------ */

unsigned vfio_container_mapping_count(const struct vfio_container *c)
{
	return c != NULL ? cstate_of(c)->nb_maps : 0;
}

const struct vfio_dma_mapping *vfio_container_mapping(const struct vfio_container *c,
						      unsigned i)
{
	const struct vfio_container_state *cs;

	if (c == NULL)
		return NULL;
	cs = cstate_of(c);
	return i < cs->nb_maps ? &cs->maps[i] : NULL;
}

/* Index of the first mapping whose IOVA is >= @iova. */
static unsigned maps_lower_bound(const struct vfio_container_state *cs,
				 uint64_t iova)
{
	unsigned lo = 0, hi = cs->nb_maps;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (cs->maps[mid].iova < iova)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Room for one more mapping, taken before anything is changed so that
 * recording a mapping the backend made cannot fail. */
static int maps_reserve(struct vfio_container_state *cs)
{
	struct vfio_dma_mapping *maps;
	unsigned max;

	if (cs->nb_maps < cs->max_maps)
		return 0;
	max = cs->max_maps != 0 ? cs->max_maps * 2 : MAPS_INITIAL;
	maps = realloc(cs->maps, max * sizeof(*maps));
	if (maps == NULL) {
		VFIO_LOG(ERR, "out of memory for the container's mapping table");
		return -ENOMEM;
	}
	cs->maps = maps;
	cs->max_maps = max;
	return 0;
}

static int maps_insert(struct vfio_container_state *cs,
		       const struct vfio_dma_mapping *m)
{
	unsigned pos;
	int ret;

	ret = maps_reserve(cs);
	if (ret < 0)
		return ret;
	pos = maps_lower_bound(cs, m->iova);
	memmove(&cs->maps[pos + 1], &cs->maps[pos],
		(cs->nb_maps - pos) * sizeof(cs->maps[0]));
	cs->maps[pos] = *m;
	cs->nb_maps++;
	return 0;
}

static void maps_remove(struct vfio_container_state *cs, unsigned pos)
{
	memmove(&cs->maps[pos], &cs->maps[pos + 1],
		(cs->nb_maps - pos - 1) * sizeof(cs->maps[0]));
	cs->nb_maps--;
}

/* @b starts exactly where @a ends, in every address the backend uses. */
static bool mapping_continues(const struct vfio_container *c,
			      const struct vfio_dma_mapping *a,
			      const struct vfio_dma_mapping *b)
{
	if (a->iova + a->len != b->iova || a->vaddr + a->len != b->vaddr)
		return false;
	if (!c->ops->maps_by_fd)
		return true;
	return a->fd >= 0 && a->fd == b->fd &&
	       a->fd_offset + (off_t)a->len == b->fd_offset;
}

static int backend_map(struct vfio_container *c, const struct vfio_dma_mapping *m)
{
	return c->ops->dma_map(c, m->iova, (void *)m->vaddr, m->len, m->fd,
			       m->fd_offset, DMA_PROT_RW);
}

static int backend_unmap(struct vfio_container *c, const struct vfio_dma_mapping *m)
{
	return c->ops->dma_unmap(c, m->iova, m->len, 0);
}

/* Map a piece left over after a neighbour went away, and keep it in the
 * table. A failure means live memory lost its mapping: say so loudly. */
static void remap_piece(struct vfio_container_state *cs,
			const struct vfio_dma_mapping *piece, bool backend_gone)
{
	int ret = maps_reserve(cs);

	/* With the backend gone the table alone keeps the rest, so that
	 * its segments going away later find their mapping. */
	if (ret == 0 && !backend_gone)
		ret = backend_map(&cs->pub, piece);
	if (ret == 0)
		maps_insert(cs, piece); /* cannot fail: room was reserved */
	if (ret < 0)
		VFIO_LOG(ERR, "memory at IOVA 0x%" PRIx64 "+%" PRIu64 " is still in "
			 "use but could not be mapped again (%s): devices of this "
			 "container can no longer reach it", piece->iova,
			 piece->len, strerror(-ret));
}

static int map_segment(struct vfio_container_state *cs,
		       const struct eal_memseg *seg)
{
	struct vfio_container *c = &cs->pub;
	const uint64_t pg = vfio_min_pgsize(&c->info);
	const struct vfio_dma_mapping m = {
		.iova = seg->iova,
		.vaddr = (uintptr_t)seg->addr,
		.len = seg->len,
		.fd = seg->fd,
		.fd_offset = seg->fd_offset,
	};
	struct vfio_dma_mapping merged = m, prev = m, next = m;
	bool merge_prev = false, merge_next = false;
	unsigned pos;
	int ret;

	if (m.len == 0 || ((m.iova | m.vaddr | m.len) & (pg - 1)) != 0 ||
	    seg->iova == EAL_BAD_IOVA) {
		VFIO_LOG(ERR, "segment %u (IOVA 0x%" PRIx64 ", %p, %" PRIu64 " bytes)"
			 " is empty, has no IOVA or is not aligned to the IOMMU "
			 "page of %" PRIu64 " bytes", seg->id, m.iova, seg->addr,
			 m.len, pg);
		return -EINVAL;
	}
	ret = vfio_iova_check(&c->info, m.iova, m.len, seg->addr);
	if (ret == 0)
		ret = maps_reserve(cs);
	if (ret < 0)
		return ret;
	pos = maps_lower_bound(cs, m.iova);
	if ((pos > 0 && cs->maps[pos - 1].iova + cs->maps[pos - 1].len > m.iova) ||
	    (pos < cs->nb_maps && cs->maps[pos].iova < m.iova + m.len)) {
		VFIO_LOG(ERR, "segment %u (IOVA 0x%" PRIx64 "+%" PRIu64 ") overlaps "
			 "a mapping the container already has", seg->id, m.iova,
			 m.len);
		return -EEXIST;
	}
	if (pos > 0 && mapping_continues(c, &cs->maps[pos - 1], &m)) {
		prev = cs->maps[pos - 1];
		merge_prev = vfio_iova_range_find(&c->info, prev.iova,
						  prev.len + m.len) >= 0;
	}
	if (pos < cs->nb_maps && mapping_continues(c, &m, &cs->maps[pos])) {
		next = cs->maps[pos];
		merge_next = vfio_iova_range_find(&c->info, m.iova,
						  m.len + next.len) >= 0;
	}
	if (merge_prev && merge_next &&
	    vfio_iova_range_find(&c->info, prev.iova,
				 prev.len + m.len + next.len) < 0)
		merge_next = false;
	/* A neighbour that cannot be unmapped stays as it is. */
	if (merge_prev && backend_unmap(c, &prev) < 0)
		merge_prev = false;
	if (merge_next && backend_unmap(c, &next) < 0)
		merge_next = false;
	if (merge_prev) {
		merged.iova = prev.iova;
		merged.vaddr = prev.vaddr;
		merged.fd = prev.fd;
		merged.fd_offset = prev.fd_offset;
		merged.len += prev.len;
	}
	if (merge_next)
		merged.len += next.len;
	ret = backend_map(c, &merged);
	if (ret < 0) {
		/* Put the neighbours back as they were; the segment is refused.
		 * One that cannot be mapped again leaves the table too. */
		if (merge_next && backend_map(c, &next) < 0) {
			VFIO_LOG(ERR, "mapping 0x%" PRIx64 "+%" PRIu64 " lost while "
				 "refusing segment %u", next.iova, next.len, seg->id);
			maps_remove(cs, pos);
		}
		if (merge_prev && backend_map(c, &prev) < 0) {
			VFIO_LOG(ERR, "mapping 0x%" PRIx64 "+%" PRIu64 " lost while "
				 "refusing segment %u", prev.iova, prev.len, seg->id);
			maps_remove(cs, pos - 1);
		}
		return ret;
	}
	if (merge_next)
		maps_remove(cs, pos);
	if (merge_prev)
		maps_remove(cs, pos - 1);
	maps_insert(cs, &merged); /* cannot fail: room was reserved */
	VFIO_LOG(DEBUG, "segment %u mapped: IOVA 0x%" PRIx64 "+%" PRIu64
		 "%s%s (mapping 0x%" PRIx64 "+%" PRIu64 ")", seg->id, m.iova, m.len,
		 merge_prev ? ", merged with the one below" : "",
		 merge_next ? ", merged with the one above" : "", merged.iova,
		 merged.len);
	return 0;
}

static int unmap_segment(struct vfio_container_state *cs,
			 const struct eal_memseg *seg)
{
	struct vfio_container *c = &cs->pub;
	struct vfio_dma_mapping m, left, right;
	uint64_t first = seg->iova, end = seg->iova + seg->len;
	unsigned pos;
	int ret;

	pos = maps_lower_bound(cs, first + 1);
	if (pos == 0 || seg->len == 0 || end < first ||
	    end > cs->maps[pos - 1].iova + cs->maps[pos - 1].len) {
		VFIO_LOG(WARNING, "segment %u (IOVA 0x%" PRIx64 "+%zu) goes away "
			 "but was not mapped by this container", seg->id, first,
			 seg->len);
		return -ENOENT;
	}
	pos--;
	m = cs->maps[pos];
	ret = backend_unmap(c, &m);
	if (ret == -ENOTCONN) {
		/* A vfio-user server that went away cannot be asked to unmap;
		 * the spec has it drop a client's mappings when the client's
		 * connection ends, so the memory is treated as unmapped. */
		VFIO_LOG(DEBUG, "segment %u freed after the device's vfio-user server went "
			 "away: nothing left to tell it", seg->id);
	} else if (ret < 0) {
		/* The kernel still maps it, so the table must say so too. */
		VFIO_LOG(ERR, "segment %u is freed while devices can still reach it "
			 "by DMA: its unmap failed (%s)", seg->id, strerror(-ret));
		return ret;
	}
	maps_remove(cs, pos);
	left = m;
	left.len = first - m.iova;
	right = m;
	right.iova = end;
	right.vaddr = m.vaddr + (end - m.iova);
	right.fd_offset = m.fd_offset + (off_t)(end - m.iova);
	right.len = m.iova + m.len - end;
	if (left.len > 0)
		remap_piece(cs, &left, ret == -ENOTCONN);
	if (right.len > 0)
		remap_piece(cs, &right, ret == -ENOTCONN);
	VFIO_LOG(DEBUG, "segment %u unmapped (IOVA 0x%" PRIx64 "+%zu)%s", seg->id,
		 first, seg->len,
		 left.len > 0 || right.len > 0 ? ", the rest of its mapping remapped" : "");
	return 0;
}

int vfio_container_mem_event(enum eal_mem_event ev, const struct eal_memseg *seg,
			     void *arg)
{
	struct vfio_container_state *cs = arg;

	if (cs == NULL || seg == NULL)
		return -EINVAL;
	if (ev == EAL_MEM_EVENT_ALLOC)
		return map_segment(cs, seg);
	return unmap_segment(cs, seg);
}

static int mem_events_subscribe(struct vfio_container *c)
{
	int ret;

	ret = eal_mem_event_callback_register(MEM_EVENT_NAME, vfio_container_mem_event,
					      state_of(c), true);
	if (ret < 0) {
		VFIO_LOG(ERR, "container (%s): cannot map the DMA memory: %s",
			 c->ops->name, strerror(-ret));
		return ret;
	}
	c->mem_events = true;
	return 0;
}

/* Unmap what the table holds, one mapping at a time: exact ranges work on
 * every backend, UNMAP_ALL would also drop what callers mapped themselves.
 * Errors are logged by the backend. */
static void unmap_all(struct vfio_container_state *cs)
{
	while (cs->nb_maps > 0) {
		if (cs->pub.address_space_ready)
			backend_unmap(&cs->pub, &cs->maps[cs->nb_maps - 1]);
		cs->nb_maps--;
	}
}

/* ---- containers -------------------------------------------------------------- */

static bool ops_complete(const struct vfio_container_ops *ops)
{
	return ops->name != NULL && ops->open != NULL && ops->release != NULL &&
	       ops->dma_map != NULL && ops->dma_unmap != NULL &&
	       ops->dirty_tracking_start != NULL && ops->dirty_tracking_stop != NULL &&
	       ops->dirty_bitmap_query != NULL && ops->device_attach != NULL &&
	       ops->device_detach != NULL;
}

struct vfio_container *vfio_container_create_with_ops(
	const struct vfio_container_ops *ops, enum eal_vfio_mode mode,
	const char *target)
{
	struct vfio_container_state *cs;
	struct vfio_container *c;
	int ret;

	if (ops == NULL || !ops_complete(ops)) {
		VFIO_LOG(ERR, "container: backend ops missing or incomplete");
		errno = EINVAL;
		return NULL;
	}
	cs = calloc(1, sizeof(*cs));
	if (cs == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	c = &cs->pub;
	c->ops = ops;
	c->mode = mode;
	ret = ops->open(c, target);
	if (ret < 0) {
		VFIO_LOG(ERR, "container: the %s backend did not open: %s", ops->name,
			 strerror(-ret));
		free(cs);
		errno = -ret;
		return NULL;
	}
	if (c->address_space_ready) {
		ret = mem_events_subscribe(c);
		if (ret < 0) {
			ops->release(c);
			free(cs->maps);
			free(cs);
			errno = -ret;
			return NULL;
		}
	}
	VFIO_LOG(INFO, "container created: backend %s%s", ops->name,
		 c->mem_events ? ", DMA memory mapped" :
				 ", DMA memory mapped at the first attach");
	return c;
}

struct vfio_container *vfio_container_create(enum eal_vfio_mode mode,
					     const char *target)
{
	const struct vfio_container_ops *ops;
	int resolved;

	resolved = vfio_mode_resolve(mode);
	if (resolved < 0) {
		errno = -resolved;
		return NULL;
	}
	ops = vfio_container_ops_get((enum eal_vfio_mode)resolved);
	if (ops == NULL) {
		VFIO_LOG(ERR, "container: the %s backend is not part of this build",
			 eal_vfio_mode_name((enum eal_vfio_mode)resolved));
		errno = ENOTSUP;
		return NULL;
	}
	return vfio_container_create_with_ops(ops, (enum eal_vfio_mode)resolved,
					      target);
}

void vfio_container_destroy(struct vfio_container *c)
{
	struct vfio_container_state *cs;

	if (c == NULL)
		return;
	cs = state_of(c);
	if (c->mem_events) {
		eal_mem_event_callback_unregister(vfio_container_mem_event, cs, false);
		c->mem_events = false;
	}
	unmap_all(cs);
	while (c->devices != NULL) {
		struct vfio_device *d = c->devices;

		c->devices = d->next;
		c->ops->device_detach(c, d);
	}
	c->ops->release(c);
	free(cs->maps);
	free(cs);
}

int vfio_container_attach(struct vfio_container *c, const char *name,
			  struct vfio_device **dev)
{
	struct vfio_device *d = NULL;
	int ret;

	if (c == NULL || dev == NULL) {
		VFIO_LOG(ERR, "vfio_container_attach: container or result pointer "
			 "is NULL");
		return -EINVAL;
	}
	/* The kernel lets a device be opened more than once: two objects for
	 * one device would fight over it. */
	if (name != NULL) {
		char canon[13];
		const char *key = eal_pci_addr_parse(name, canon) == 0 ? canon : name;

		for (d = c->devices; d != NULL; d = d->next) {
			if (strcmp(d->name, key) == 0) {
				VFIO_LOG(ERR, "%s is already attached to this container",
					 key);
				return -EEXIST;
			}
		}
	}
	ret = c->ops->device_attach(c, name != NULL ? name : "", &d);
	if (ret < 0)
		return ret;
	d->container = c;
	if (!c->mem_events && c->address_space_ready) {
		ret = mem_events_subscribe(c);
		if (ret < 0) {
			c->ops->device_detach(c, d);
			return ret;
		}
	}
	d->next = c->devices;
	c->devices = d;
	*dev = d;
	return 0;
}

void vfio_container_detach(struct vfio_container *c, struct vfio_device *dev)
{
	struct vfio_device **p;

	if (c == NULL || dev == NULL)
		return;
	for (p = &c->devices; *p != NULL; p = &(*p)->next) {
		if (*p == dev) {
			*p = dev->next;
			c->ops->device_detach(c, dev);
			return;
		}
	}
	VFIO_LOG(ERR, "vfio_container_detach: %s is not a device of this container",
		 dev->name);
}

/* ---- dirty tracking ------------------------------------------------------------ */

int vfio_container_dirty_tracking_start(struct vfio_container *c)
{
	int ret;

	if (c == NULL)
		return -EINVAL;
	if (!c->info.dirty_tracking) {
		VFIO_LOG(ERR, "the %s backend of this container cannot track dirty "
			 "pages%s", c->ops->name,
			 c->devices == NULL ? " (or will once a device is attached)" : "");
		return -ENOTSUP;
	}
	if (c->dirty_tracking_on)
		return -EALREADY;
	ret = c->ops->dirty_tracking_start(c);
	if (ret == 0)
		c->dirty_tracking_on = true;
	return ret;
}

int vfio_container_dirty_tracking_stop(struct vfio_container *c)
{
	int ret;

	if (c == NULL)
		return -EINVAL;
	if (!c->dirty_tracking_on)
		return -EALREADY;
	ret = c->ops->dirty_tracking_stop(c);
	if (ret == 0)
		c->dirty_tracking_on = false;
	return ret;
}

int vfio_container_dirty_bitmap_query(struct vfio_container *c, uint64_t iova,
				      size_t len, size_t pgsize, uint64_t *bitmap)
{
	const struct vfio_container_info *info;
	uint64_t bytes;

	if (c == NULL || bitmap == NULL) {
		VFIO_LOG(ERR, "dirty bitmap query: container or bitmap is NULL");
		return -EINVAL;
	}
	info = &c->info;
	if (!info->dirty_tracking)
		return -ENOTSUP;
	if (!c->dirty_tracking_on) {
		VFIO_LOG(ERR, "dirty bitmap query: tracking is not started "
			 "(vfio_container_dirty_tracking_start)");
		return -EALREADY;
	}
	if (pgsize == 0 || !EAL_IS_POWER_OF_2(pgsize) ||
	    (info->dirty_pgsize_bitmap != 0 &&
	     !(info->dirty_pgsize_bitmap & pgsize))) {
		VFIO_LOG(ERR, "dirty bitmap query: page size %zu is not one the "
			 "backend reports in (0x%" PRIx64 ")", pgsize,
			 info->dirty_pgsize_bitmap);
		return -EINVAL;
	}
	if (len == 0 || (iova | len) & (pgsize - 1) || iova + (len - 1) < iova) {
		VFIO_LOG(ERR, "dirty bitmap query: range 0x%" PRIx64 "+%zu must be "
			 "non-empty and %zu-byte aligned", iova, len, pgsize);
		return -EINVAL;
	}
	bytes = (len / pgsize + 63) / 64 * sizeof(uint64_t);
	if (info->dirty_max_bitmap_bytes != 0 && bytes > info->dirty_max_bitmap_bytes) {
		VFIO_LOG(ERR, "dirty bitmap query: %" PRIu64 " bitmap bytes asked, "
			 "the backend gives at most %" PRIu64 "; query a smaller "
			 "range", bytes, info->dirty_max_bitmap_bytes);
		return -EINVAL;
	}
	return c->ops->dirty_bitmap_query(c, iova, len, pgsize, bitmap);
}
