/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DMA memory: areas of shared, pinned pages mapped on demand, the segments
 * they are announced as, and a first-fit allocator over them.
 *
 * An area is one mapping of one backing fd (a hugetlbfs file, a hugetlb
 * memfd, or a plain memfd with --no-huge). With IOVA as VA it is announced as
 * one segment; with IOVA as PA as one segment per page, because only a page
 * is known to be physically contiguous.
 *
 * The allocator's bookkeeping (struct heap_block) lives in malloc'ed memory,
 * not in front of the returned memory: a whole page can then be handed out
 * (PA mode needs that to stay within one page), and a DMA overrun cannot
 * corrupt the allocator.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <numa.h>
#include <numaif.h>
#include <pthread.h>
#include <sched.h>
#include <search.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <linux/memfd.h>
#include <unistd.h>

#include "eal_private.h"

EAL_LOG_COMPONENT_REGISTER(eal_mem_logtype, "eal.memory", EAL_LOG_NOTICE);

#define MEM_EVENT_MAX_CALLBACKS 16
#define MEM_EVENT_NAME_LEN 32
#define BLOCK_NAME_LEN 32
/* Grow by at least this much: every segment costs each DMA container an
 * IOMMU mapping, so many small steps would be slow and hit mapping limits. */
#define GROW_MIN_BYTES ((size_t)16 << 20)
#define MAX_ALIGN ((size_t)1 << 30)
/* Far beyond any machine's memory, and small enough that rounding it up to
 * pages and adding alignment cannot overflow. */
#define MAX_ALLOC_SIZE ((size_t)1 << 46)
#define NODEMASK_BITS 1024
#define NODEMASK_WORDS (NODEMASK_BITS / (8 * sizeof(unsigned long)))

enum mem_backing {
	BACKING_HUGETLBFS,  /* files in a hugetlbfs mount */
	BACKING_HUGE_MEMFD, /* --in-memory: memfd_create(MFD_HUGETLB) */
	BACKING_MEMFD,      /* --no-huge: plain memfd */
};

struct mem_area;

/* A run of an area's bytes, either handed out (busy) or free. */
struct heap_block {
	struct heap_block *prev, *next;           /* neighbours in address order */
	struct heap_block *free_prev, *free_next; /* the area's free list */
	struct mem_area *area;
	char *addr;
	size_t len;
	bool busy;
	char name[BLOCK_NAME_LEN];
};

struct mem_area {
	struct mem_area *next;
	char *addr;
	size_t len;
	int fd;
	int socket_id;           /* the node it was bound to (limits count here) */
	char path[PATH_MAX];     /* hugetlbfs file; "" for a memfd */
	uint64_t *page_iova;     /* PA mode: physical address of each page */
	off_t *page_off;         /* PA mode: where each page is in the fd */
	unsigned *seg_ids;       /* the segments announcing this area */
	unsigned nb_segs;
	bool accounted;          /* counted in the -m / --socket-mem totals */
	struct heap_block *blocks;
	struct heap_block *free_list;
};

struct mem_callback {
	bool used;
	char name[MEM_EVENT_NAME_LEN];
	eal_mem_event_cb cb;
	void *arg;
};

/* Everything below is protected by mem_lock. It is recursive so that an
 * event callback may call eal_memseg_walk()/find() or eal_virt2iova(); the
 * calls that change memory refuse to run from a callback instead. */
static pthread_mutex_t mem_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

static struct {
	bool initialized;
	enum mem_backing backing;
	size_t page_size;
	char dir[PATH_MAX];
	char prefix[EAL_FILE_PREFIX_MAX];
	int lock_fd;
	unsigned file_seq;

	uint64_t mem_limit;   /* 0: none */
	bool socket_limit_set;
	uint64_t socket_limit[UPDK_MAX_NUMA_NODES];
	uint64_t socket_mapped[UPDK_MAX_NUMA_NODES];
	size_t total_mapped;

	bool numa;
	int max_node;
	bool mlock_warned;

	struct mem_area *areas;
	void *busy_tree;      /* tsearch tree of busy blocks by address */
	unsigned nb_allocs;
	size_t used_bytes;

	unsigned nb_segs;
	unsigned sorted[UPDK_MAX_MEMSEGS];     /* live slots in address order */
	struct mem_area *seg_area[UPDK_MAX_MEMSEGS]; /* NULL: slot free */
	struct eal_memseg segs[UPDK_MAX_MEMSEGS];

	struct mem_callback callbacks[MEM_EVENT_MAX_CALLBACKS];
	/* > 0 while an event callback or an eal_memseg_walk() function runs:
	 * they hold the lock, and changing memory under them is refused. */
	unsigned reentry_depth;
} mem = { .lock_fd = -1 };

static void mem_log(bool quiet, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Errors of a step that will be retried elsewhere (another NUMA node) are
 * only worth a debug line; the last attempt's error is the one to show. */
static void mem_log(bool quiet, const char *fmt, ...)
{
	int level = quiet ? EAL_LOG_DEBUG : EAL_LOG_ERR;
	va_list ap;

	if (eal_mem_logtype.level < level)
		return;
	va_start(ap, fmt);
	eal_log_vwrite(&eal_mem_logtype, level, fmt, ap);
	va_end(ap);
}

static size_t mib(size_t bytes)
{
	return (bytes + ((size_t)1 << 20) - 1) >> 20;
}

/* ---- segments ---------------------------------------------------------- */

/* Index in mem.sorted of the first live segment starting above @addr. */
static unsigned seg_upper_bound(uintptr_t addr)
{
	unsigned lo = 0, hi = mem.nb_segs;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if ((uintptr_t)mem.segs[mem.sorted[mid]].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct eal_memseg *seg_lookup(const void *addr)
{
	uintptr_t a = (uintptr_t)addr;
	const struct eal_memseg *seg;
	unsigned pos;

	pos = seg_upper_bound(a);
	if (pos == 0)
		return NULL;
	seg = &mem.segs[mem.sorted[pos - 1]];
	if (a - (uintptr_t)seg->addr >= seg->len)
		return NULL;
	return seg;
}

static int seg_insert(struct mem_area *area, char *addr, uint64_t iova,
		      size_t len, off_t fd_offset, int socket_id)
{
	struct eal_memseg *seg;
	unsigned slot, pos;

	if (mem.nb_segs >= UPDK_MAX_MEMSEGS)
		return -ENOSPC;
	for (slot = 0; mem.seg_area[slot] != NULL; slot++)
		;
	seg = &mem.segs[slot];
	*seg = (struct eal_memseg){
		.addr = addr,
		.iova = iova,
		.len = len,
		.page_size = mem.page_size,
		.fd = area->fd,
		.fd_offset = fd_offset,
		.socket_id = socket_id,
		.id = slot,
	};
	mem.seg_area[slot] = area;
	pos = seg_upper_bound((uintptr_t)addr);
	memmove(&mem.sorted[pos + 1], &mem.sorted[pos],
		(mem.nb_segs - pos) * sizeof(mem.sorted[0]));
	mem.sorted[pos] = slot;
	mem.nb_segs++;
	return (int)slot;
}

static void seg_remove(unsigned slot)
{
	unsigned pos = seg_upper_bound((uintptr_t)mem.segs[slot].addr) - 1;

	memmove(&mem.sorted[pos], &mem.sorted[pos + 1],
		(mem.nb_segs - pos - 1) * sizeof(mem.sorted[0]));
	mem.nb_segs--;
	mem.seg_area[slot] = NULL;
	memset(&mem.segs[slot], 0, sizeof(mem.segs[slot]));
	mem.segs[slot].fd = -1;
}

/* ---- events ------------------------------------------------------------ */

static int call_callback(struct mem_callback *c, enum eal_mem_event ev,
			 const struct eal_memseg *seg)
{
	int ret;

	mem.reentry_depth++;
	ret = c->cb(ev, seg, c->arg);
	mem.reentry_depth--;
	return ret;
}

/* Tell every subscriber that @area's segments are going away, last first. */
static void announce_area_free(const struct mem_area *area)
{
	unsigned s = area->nb_segs;

	while (s-- > 0) {
		unsigned c;

		for (c = 0; c < MEM_EVENT_MAX_CALLBACKS; c++)
			if (mem.callbacks[c].used)
				call_callback(&mem.callbacks[c], EAL_MEM_EVENT_FREE,
					      &mem.segs[area->seg_ids[s]]);
	}
}

/* Announce @area's segments; on a refusal, take back what was announced so
 * that every subscriber ends where it began. */
static int announce_area_alloc(const struct mem_area *area)
{
	unsigned s, c;

	for (s = 0; s < area->nb_segs; s++) {
		const struct eal_memseg *seg = &mem.segs[area->seg_ids[s]];

		for (c = 0; c < MEM_EVENT_MAX_CALLBACKS; c++) {
			struct mem_callback *cb = &mem.callbacks[c];
			int ret;

			if (!cb->used)
				continue;
			ret = call_callback(cb, EAL_MEM_EVENT_ALLOC, seg);
			if (ret == 0)
				continue;
			EAL_LOG(eal_mem_logtype, ERR,
				"memory event callback '%s' refused segment %u "
				"(%zu bytes at %p, iova 0x%" PRIx64 "): %d; the "
				"allocation that needed it fails",
				cb->name, seg->id, seg->len, seg->addr, seg->iova, ret);
			while (c-- > 0)
				if (mem.callbacks[c].used)
					call_callback(&mem.callbacks[c],
						      EAL_MEM_EVENT_FREE, seg);
			while (s-- > 0) {
				for (c = 0; c < MEM_EVENT_MAX_CALLBACKS; c++)
					if (mem.callbacks[c].used)
						call_callback(&mem.callbacks[c],
							      EAL_MEM_EVENT_FREE,
							      &mem.segs[area->seg_ids[s]]);
			}
			return ret;
		}
	}
	return 0;
}

int eal_mem_event_callback_register(const char *name, eal_mem_event_cb cb,
				    void *arg, bool replay)
{
	struct mem_callback *slot = NULL;
	unsigned i, done;
	int ret = 0;

	if (cb == NULL) {
		EAL_LOG(eal_mem_logtype, ERR,
			"eal_mem_event_callback_register: callback is NULL");
		return -EINVAL;
	}
	pthread_mutex_lock(&mem_lock);
	if (mem.reentry_depth > 0) {
		EAL_LOG(eal_mem_logtype, ERR,
			"memory event callbacks cannot (un)register from inside "
			"a callback or eal_memseg_walk()");
		ret = -EDEADLK;
		goto out;
	}
	for (i = 0; i < MEM_EVENT_MAX_CALLBACKS; i++) {
		struct mem_callback *c = &mem.callbacks[i];

		if (c->used && c->cb == cb && c->arg == arg) {
			ret = -EEXIST;
			goto out;
		}
		if (!c->used && slot == NULL)
			slot = c;
	}
	if (slot == NULL) {
		EAL_LOG(eal_mem_logtype, ERR,
			"cannot register memory event callback '%s': all %d slots "
			"are in use", name != NULL ? name : "?",
			MEM_EVENT_MAX_CALLBACKS);
		ret = -ENOSPC;
		goto out;
	}
	snprintf(slot->name, sizeof(slot->name), "%s", name != NULL ? name : "?");
	slot->cb = cb;
	slot->arg = arg;
	if (replay) {
		for (done = 0; done < mem.nb_segs; done++) {
			ret = call_callback(slot, EAL_MEM_EVENT_ALLOC,
					    &mem.segs[mem.sorted[done]]);
			if (ret != 0)
				break;
		}
		if (ret != 0) {
			EAL_LOG(eal_mem_logtype, ERR,
				"memory event callback '%s' refused existing "
				"segment %u: %d; not registered",
				slot->name, mem.segs[mem.sorted[done]].id, ret);
			while (done-- > 0)
				call_callback(slot, EAL_MEM_EVENT_FREE,
					      &mem.segs[mem.sorted[done]]);
			memset(slot, 0, sizeof(*slot));
			goto out;
		}
	}
	slot->used = true;
out:
	pthread_mutex_unlock(&mem_lock);
	return ret;
}

int eal_mem_event_callback_unregister(eal_mem_event_cb cb, void *arg, bool replay)
{
	unsigned i, s;
	int ret = -ENOENT;

	pthread_mutex_lock(&mem_lock);
	if (mem.reentry_depth > 0) {
		EAL_LOG(eal_mem_logtype, ERR,
			"memory event callbacks cannot (un)register from inside "
			"a callback or eal_memseg_walk()");
		ret = -EDEADLK;
		goto out;
	}
	for (i = 0; i < MEM_EVENT_MAX_CALLBACKS; i++) {
		struct mem_callback *c = &mem.callbacks[i];

		if (!c->used || c->cb != cb || c->arg != arg)
			continue;
		if (replay)
			for (s = mem.nb_segs; s-- > 0;)
				call_callback(c, EAL_MEM_EVENT_FREE,
					      &mem.segs[mem.sorted[s]]);
		memset(c, 0, sizeof(*c));
		ret = 0;
		break;
	}
out:
	pthread_mutex_unlock(&mem_lock);
	return ret;
}

/* ---- NUMA -------------------------------------------------------------- */

static int caller_socket(void)
{
	int cpu, node;

	if (!mem.numa)
		return 0;
	cpu = sched_getcpu();
	if (cpu < 0)
		return 0;
	node = numa_node_of_cpu(cpu);
	if (node < 0 || node > mem.max_node)
		return 0;
	return node;
}

struct saved_policy {
	bool saved;
	int mode;
	unsigned long mask[NODEMASK_WORDS];
};

/* The pages of a hugetlbfs file are allocated by fallocate(), which follows
 * the calling thread's policy, not a mapping's mbind(): bind the thread for
 * the duration of the allocation. */
static void bind_thread(int node, struct saved_policy *sp)
{
	unsigned long mask[NODEMASK_WORDS] = { 0 };

	sp->saved = false;
	if (!mem.numa)
		return;
	if (get_mempolicy(&sp->mode, sp->mask, NODEMASK_BITS, NULL, 0) < 0)
		return;
	mask[(unsigned)node / (8 * sizeof(unsigned long))] |=
		1ul << ((unsigned)node % (8 * sizeof(unsigned long)));
	if (set_mempolicy(MPOL_BIND, mask, NODEMASK_BITS) < 0) {
		EAL_LOG(eal_mem_logtype, DEBUG,
			"set_mempolicy(MPOL_BIND, node %d): %s; memory is placed "
			"by the kernel's default policy", node, strerror(errno));
		return;
	}
	sp->saved = true;
}

static void restore_thread(const struct saved_policy *sp)
{
	if (!sp->saved)
		return;
	if (set_mempolicy(sp->mode, sp->mode == MPOL_DEFAULT ? NULL : sp->mask,
			  NODEMASK_BITS) < 0)
		EAL_LOG(eal_mem_logtype, WARNING,
			"cannot restore the thread's memory policy: %s",
			strerror(errno));
}

static void bind_mapping(void *addr, size_t len, int node)
{
	unsigned long mask[NODEMASK_WORDS] = { 0 };

	if (!mem.numa)
		return;
	mask[(unsigned)node / (8 * sizeof(unsigned long))] |=
		1ul << ((unsigned)node % (8 * sizeof(unsigned long)));
	if (mbind(addr, len, MPOL_BIND, mask, NODEMASK_BITS, 0) < 0)
		EAL_LOG(eal_mem_logtype, DEBUG, "mbind(node %d): %s", node,
			strerror(errno));
}

/* NUMA node of a touched page; @fallback when it cannot be asked. */
static int node_of(void *addr, int fallback)
{
	int node;

	if (!mem.numa)
		return 0;
	if (get_mempolicy(&node, NULL, 0, addr, MPOL_F_NODE | MPOL_F_ADDR) < 0)
		return fallback;
	return node;
}

/* ---- areas ------------------------------------------------------------- */

static void area_destroy(struct mem_area *area)
{
	struct heap_block *b, *next;

	for (b = area->blocks; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	if (area->addr != NULL)
		munmap(area->addr, area->len);
	if (area->fd >= 0)
		close(area->fd);
	if (area->path[0] != '\0' && unlink(area->path) < 0)
		EAL_LOG(eal_mem_logtype, WARNING, "cannot remove %s: %s",
			area->path, strerror(errno));
	free(area->page_iova);
	free(area->page_off);
	free(area->seg_ids);
	free(area);
}

static void area_unaccount(struct mem_area *area)
{
	unsigned s;

	for (s = 0; s < area->nb_segs; s++)
		seg_remove(area->seg_ids[s]);
	area->nb_segs = 0;
	if (area->accounted) {
		mem.total_mapped -= area->len;
		mem.socket_mapped[area->socket_id] -= area->len;
		area->accounted = false;
	}
}

/* Announce FREE, then forget and unmap an area with no busy block. */
static void area_release(struct mem_area *area)
{
	struct mem_area **pp;

	announce_area_free(area);
	for (pp = &mem.areas; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == area) {
			*pp = area->next;
			break;
		}
	}
	area_unaccount(area);
	area_destroy(area);
}

static int open_backing(struct mem_area *area, bool quiet)
{
	char name[EAL_FILE_PREFIX_MAX + 32];
	unsigned flags = MFD_CLOEXEC;
	unsigned attempt;
	int err;

	if (mem.backing != BACKING_HUGETLBFS) {
		snprintf(name, sizeof(name), "%smap_%u", mem.prefix, mem.file_seq++);
		if (mem.backing == BACKING_HUGE_MEMFD)
			flags |= MFD_HUGETLB | ((unsigned)__builtin_ctzl(mem.page_size)
						<< MFD_HUGE_SHIFT);
		area->fd = memfd_create(name, flags);
		if (area->fd < 0) {
			err = errno;
			if (err == ENOMEM || err == ENOSPC || err == EMFILE) {
				mem_log(quiet, "memfd_create(%s): %s", name,
					strerror(err));
				return -ENOMEM;
			}
			EAL_LOG(eal_mem_logtype, ERR, "memfd_create(%s): %s", name,
				strerror(err));
			return -err;
		}
		return 0;
	}
	/* Names from an earlier run were reclaimed at init, but another file
	 * could still sit on a number: just take the next. */
	for (attempt = 0; attempt < 1000; attempt++) {
		if ((size_t)snprintf(area->path, sizeof(area->path), "%s/%smap_%u",
				     mem.dir, mem.prefix, mem.file_seq++) >=
		    sizeof(area->path)) {
			EAL_LOG(eal_mem_logtype, ERR,
				"hugepage file path too long in %s", mem.dir);
			area->path[0] = '\0';
			return -ENAMETOOLONG;
		}
		area->fd = open(area->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
				0600);
		if (area->fd >= 0)
			break;
		if (errno != EEXIST) {
			err = errno;
			EAL_LOG(eal_mem_logtype, ERR,
				"cannot create hugepage file %s: %s",
				area->path, strerror(err));
			area->path[0] = '\0';
			return -err;
		}
	}
	if (area->fd < 0) {
		EAL_LOG(eal_mem_logtype, ERR,
			"cannot find a free hugepage file name in %s", mem.dir);
		area->path[0] = '\0';
		return -EEXIST;
	}
	/* The shared lock tells eal_hugepage_reclaim() of other processes
	 * that this file is alive. */
	if (flock(area->fd, LOCK_SH) < 0) {
		err = errno;
		EAL_LOG(eal_mem_logtype, ERR, "flock(%s): %s", area->path,
			strerror(err));
		return -err;
	}
	return 0;
}

/* Backing pages: allocate them now so that a shortage is an error here, not
 * a SIGBUS at first touch. */
static int allocate_pages(struct mem_area *area, int node, bool quiet)
{
	struct saved_policy sp;
	int ret, err;

	bind_thread(node, &sp);
	ret = fallocate(area->fd, 0, 0, (off_t)area->len);
	err = errno;
	restore_thread(&sp);
	if (ret == 0)
		return 0;
	if (err == EOPNOTSUPP && mem.backing == BACKING_MEMFD) {
		/* Old shmem: MAP_POPULATE below allocates instead. */
		if (ftruncate(area->fd, (off_t)area->len) == 0)
			return 0;
		err = errno;
	}
	if (err == ENOSPC || err == ENOMEM) {
		if (mem.backing == BACKING_MEMFD) {
			mem_log(quiet, "out of memory for %zu MiB of --no-huge DMA "
				"memory on node %d", mib(area->len), node);
		} else if (quiet) {
			EAL_LOG(eal_mem_logtype, DEBUG,
				"no %zu free hugepages of %zu kB on node %d",
				area->len / mem.page_size, mem.page_size >> 10, node);
		} else {
			unsigned free_pages[UPDK_MAX_NUMA_NODES];
			long total = eal_hugepage_free_pages(mem.page_size,
							     free_pages);

			eal_hugepage_log_shortage("out of hugepages", mem.page_size,
						  node, area->len / mem.page_size,
						  total < 0 ? 0 : free_pages[node]);
		}
		return -ENOMEM;
	}
	EAL_LOG(eal_mem_logtype, ERR,
		"cannot allocate %zu MiB of pages (fallocate %s): %s",
		mib(area->len), area->path[0] ? area->path : "memfd", strerror(err));
	return -err;
}

struct phys_page {
	uint64_t pa;
	off_t file_off;
};

static int cmp_phys_page(const void *a, const void *b)
{
	uint64_t x = ((const struct phys_page *)a)->pa;
	uint64_t y = ((const struct phys_page *)b)->pa;

	return x < y ? -1 : x > y;
}

/* PA mode: learn each page's physical address and, when the kernel handed
 * them out of order (its free lists often give descending addresses), map
 * them again in physical order. Physically adjacent pages then become
 * virtually adjacent too, and an allocation larger than a page can find an
 * IOVA-contiguous run. */
static int map_pages_in_phys_order(struct mem_area *area)
{
	size_t page = mem.page_size, npages = area->len / page, i;
	struct phys_page *pages;
	bool in_order = true;
	char *raw, *base;
	int ret = 0;

	pages = calloc(npages, sizeof(*pages));
	area->page_iova = calloc(npages, sizeof(area->page_iova[0]));
	area->page_off = calloc(npages, sizeof(area->page_off[0]));
	if (pages == NULL || area->page_iova == NULL || area->page_off == NULL) {
		free(pages);
		return -ENOMEM;
	}
	for (i = 0; i < npages; i++) {
		pages[i].pa = eal_virt2phys(area->addr + i * page);
		pages[i].file_off = (off_t)(i * page);
		if (pages[i].pa == EAL_BAD_IOVA) {
			ret = -errno;
			EAL_LOG(eal_mem_logtype, ERR,
				"cannot translate %p to a physical address: %s",
				(void *)(area->addr + i * page), strerror(-ret));
			goto out;
		}
		if (i > 0 && pages[i].pa != pages[i - 1].pa + page)
			in_order = false;
	}
	if (!in_order) {
		qsort(pages, npages, sizeof(*pages), cmp_phys_page);
		/* A hugepage mapping must start on a page boundary: reserve
		 * one page more and trim. */
		raw = mmap(NULL, area->len + page, PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (raw == MAP_FAILED) {
			ret = -errno;
			EAL_LOG(eal_mem_logtype, ERR,
				"cannot reserve %zu MiB of address space: %s",
				mib(area->len), strerror(-ret));
			goto out;
		}
		base = (char *)EAL_ALIGN_CEIL((uintptr_t)raw, page);
		if (base > raw)
			munmap(raw, (size_t)(base - raw));
		munmap(base + area->len, page - (size_t)(base - raw));
		for (i = 0; i < npages; i++) {
			if (mmap(base + i * page, page, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_FIXED | MAP_POPULATE, area->fd,
				 pages[i].file_off) == MAP_FAILED) {
				ret = -errno;
				EAL_LOG(eal_mem_logtype, ERR,
					"cannot remap a hugepage: %s", strerror(-ret));
				munmap(base, area->len);
				goto out;
			}
		}
		munmap(area->addr, area->len);
		area->addr = base;
	}
	for (i = 0; i < npages; i++) {
		area->page_iova[i] = pages[i].pa;
		area->page_off[i] = pages[i].file_off;
	}
out:
	free(pages);
	return ret;
}

static int map_area(struct mem_area *area, int node, bool quiet)
{
	void *addr;
	int err;

	addr = mmap(NULL, area->len, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_POPULATE, area->fd, 0);
	if (addr == MAP_FAILED) {
		err = errno;
		if (err == ENOMEM) {
			mem_log(quiet, "cannot map %zu MiB of DMA memory: %s",
				mib(area->len), strerror(err));
			return -ENOMEM;
		}
		EAL_LOG(eal_mem_logtype, ERR, "cannot map %zu MiB of DMA memory: %s",
			mib(area->len), strerror(err));
		return -err;
	}
	area->addr = addr;
	if (eal_iova_mode() == EAL_IOVA_PA) {
		int ret = map_pages_in_phys_order(area);

		if (ret < 0)
			return ret;
		addr = area->addr;
	}
	bind_mapping(addr, area->len, node);
	/* Pinning is best effort. Hugetlb pages are never swapped. 4 KiB
	 * memfd pages (--no-huge, IOVA as VA only) could be, but a VFIO
	 * container pins what it maps and a vfio-user peer maps the same fd,
	 * so swapping cannot pull memory from under a device; refusing to run
	 * under the usual 8 MiB RLIMIT_MEMLOCK would only stop development
	 * setups. */
	if (mlock(addr, area->len) < 0 && !mem.mlock_warned) {
		EAL_LOG(eal_mem_logtype, WARNING,
			"cannot lock %zu MiB of DMA memory (%s); continuing "
			"unlocked. Raise the locked-memory limit (ulimit -l, "
			"RLIMIT_MEMLOCK) or run as root to pin it",
			mib(area->len), strerror(errno));
		mem.mlock_warned = true;
	}
	return 0;
}

/* Learn where the pages landed and announce the area as segments. */
static int area_make_segments(struct mem_area *area, int node, bool quiet)
{
	size_t npages = area->len / mem.page_size, p;
	bool pa = eal_iova_mode() == EAL_IOVA_PA;
	unsigned nsegs = pa ? (unsigned)npages : 1;
	int ret;

	if (nsegs > UPDK_MAX_MEMSEGS - mem.nb_segs) {
		mem_log(quiet, "out of memory segments: %u in use of %d; rebuild "
			"with a larger meson -Dmax_memsegs or use larger pages",
			mem.nb_segs, UPDK_MAX_MEMSEGS);
		return -ENOMEM;
	}
	area->seg_ids = calloc(nsegs, sizeof(area->seg_ids[0]));
	if (area->seg_ids == NULL)
		return -ENOMEM;
	area->socket_id = node;
	/* Accounted from here on: area_unaccount() undoes it. */
	mem.total_mapped += area->len;
	mem.socket_mapped[node] += area->len;
	area->accounted = true;
	for (p = 0; p < nsegs; p++) {
		size_t seg_len = pa ? mem.page_size : area->len;
		char *addr = area->addr + p * seg_len;

		ret = seg_insert(area, addr,
				 pa ? area->page_iova[p] : (uint64_t)(uintptr_t)addr,
				 seg_len, pa ? area->page_off[p] : 0,
				 node_of(addr, node));
		if (ret < 0)
			return ret; /* cannot happen: counted above */
		area->seg_ids[area->nb_segs++] = (unsigned)ret;
	}
	return 0;
}

static struct heap_block *block_new(struct mem_area *area, char *addr, size_t len)
{
	struct heap_block *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	b->area = area;
	b->addr = addr;
	b->len = len;
	return b;
}

static void free_list_add(struct heap_block *b)
{
	struct mem_area *area = b->area;

	b->busy = false;
	b->free_prev = NULL;
	b->free_next = area->free_list;
	if (area->free_list != NULL)
		area->free_list->free_prev = b;
	area->free_list = b;
}

static void free_list_del(struct heap_block *b)
{
	if (b->free_prev != NULL)
		b->free_prev->free_next = b->free_next;
	else
		b->area->free_list = b->free_next;
	if (b->free_next != NULL)
		b->free_next->free_prev = b->free_prev;
	b->free_prev = b->free_next = NULL;
}

/* Map a new area of @len bytes on @node and announce it. @quiet keeps
 * shortages (-ENOMEM: worth retrying smaller or elsewhere) out of the error
 * log. *refused tells that a memory event callback said no.
 * @return 0 with *out set, or negative errno. */
static int area_create(size_t len, int node, bool quiet, struct mem_area **out,
		       bool *refused)
{
	struct mem_area *area;
	int ret;

	area = calloc(1, sizeof(*area));
	if (area == NULL)
		return -ENOMEM;
	area->fd = -1;
	area->len = len;
	area->socket_id = node;
	ret = open_backing(area, quiet);
	if (ret == 0)
		ret = allocate_pages(area, node, quiet);
	if (ret == 0)
		ret = map_area(area, node, quiet);
	if (ret == 0)
		ret = area_make_segments(area, node, quiet);
	if (ret == 0) {
		area->blocks = block_new(area, area->addr, area->len);
		if (area->blocks == NULL)
			ret = -ENOMEM;
		else
			free_list_add(area->blocks);
	}
	if (ret == 0) {
		ret = announce_area_alloc(area);
		if (ret != 0) {
			*refused = true;
			ret = ret < 0 ? ret : -ENOMEM;
		}
	}
	if (ret != 0) {
		area_unaccount(area);
		area_destroy(area);
		return ret;
	}
	area->next = mem.areas;
	mem.areas = area;
	*out = area;
	return 0;
}

/* ---- allocator --------------------------------------------------------- */

static int block_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct heap_block *)a)->addr;
	uintptr_t y = (uintptr_t)((const struct heap_block *)b)->addr;

	return x < y ? -1 : x > y;
}

/* PA mode: is [off, off + len) of @area physically contiguous? If not,
 * *retry is the first offset worth trying next. */
static bool area_range_contig(const struct mem_area *area, size_t off,
			      size_t len, size_t *retry)
{
	size_t first = off / mem.page_size, last = (off + len - 1) / mem.page_size;
	size_t p;

	if (area->page_iova == NULL)
		return true;
	for (p = first; p < last; p++) {
		if (area->page_iova[p + 1] != area->page_iova[p] + mem.page_size) {
			*retry = (p + 1) * mem.page_size;
			return false;
		}
	}
	return true;
}

/* First fit in @area for @len bytes aligned to @align. @return the free
 * block and *start (an address inside it), or NULL. */
static struct heap_block *area_fit(struct mem_area *area, size_t len,
				   size_t align, char **start)
{
	struct heap_block *b;

	for (b = area->free_list; b != NULL; b = b->free_next) {
		size_t base = (size_t)(b->addr - area->addr);
		size_t end = base + b->len;
		size_t off = EAL_ALIGN_CEIL((uintptr_t)b->addr, align) -
			     (uintptr_t)area->addr;

		while (off + len <= end) {
			size_t retry;

			if (area_range_contig(area, off, len, &retry)) {
				*start = area->addr + off;
				return b;
			}
			off = EAL_ALIGN_CEIL((uintptr_t)area->addr + retry, align) -
			      (uintptr_t)area->addr;
		}
	}
	return NULL;
}

/* Carve [start, start + len) out of free block @b: it becomes busy, what is
 * left on either side stays free. */
static struct heap_block *block_carve(struct heap_block *b, char *start,
				      size_t len, const char *name)
{
	size_t front = (size_t)(start - b->addr);
	size_t back = b->len - front - len;
	struct heap_block *head = NULL, *tail = NULL;

	if (front > 0 && (head = block_new(b->area, b->addr, front)) == NULL)
		return NULL;
	if (back > 0 && (tail = block_new(b->area, start + len, back)) == NULL) {
		free(head);
		return NULL;
	}
	if (head != NULL) {
		head->prev = b->prev;
		head->next = b;
		if (b->prev != NULL)
			b->prev->next = head;
		else
			b->area->blocks = head;
		b->prev = head;
		free_list_add(head);
	}
	if (tail != NULL) {
		tail->next = b->next;
		tail->prev = b;
		if (b->next != NULL)
			b->next->prev = tail;
		b->next = tail;
		free_list_add(tail);
	}
	free_list_del(b);
	b->addr = start;
	b->len = len;
	b->busy = true;
	snprintf(b->name, sizeof(b->name), "%s", name);
	return b;
}

static uint64_t block_iova(const struct heap_block *b)
{
	const struct mem_area *area = b->area;
	size_t off = (size_t)(b->addr - area->addr);

	if (area->page_iova == NULL)
		return (uint64_t)(uintptr_t)b->addr;
	return area->page_iova[off / mem.page_size] + off % mem.page_size;
}

/* Bytes still allowed on @node by -m and --socket-mem. */
static size_t limit_left(int node)
{
	size_t left = SIZE_MAX;

	if (mem.mem_limit != 0)
		left = mem.mem_limit > mem.total_mapped ?
			(size_t)(mem.mem_limit - mem.total_mapped) : 0;
	if (mem.socket_limit_set) {
		size_t s = mem.socket_limit[node] > mem.socket_mapped[node] ?
			(size_t)(mem.socket_limit[node] - mem.socket_mapped[node]) : 0;

		left = EAL_MIN(left, s);
	}
	return left;
}

/* Map a new area on @node big enough for @len at @align. */
static int heap_grow(const char *name, size_t len, size_t align, int node,
		     bool quiet, struct mem_area **out, bool *refused)
{
	size_t page = mem.page_size;
	size_t need, step, left;
	int ret;

	/* The area starts page-aligned: a larger alignment may waste up to
	 * (align - page) bytes at its start. */
	need = EAL_ALIGN_CEIL(len, page) + (align > page ? align - page : 0);
	left = EAL_ALIGN_FLOOR(limit_left(node), page);
	if (need > left) {
		if (mem.mem_limit != 0 && need > mem.mem_limit - mem.total_mapped)
			mem_log(quiet, "allocation '%s' of %zu bytes needs %zu MiB "
				"more DMA memory, but -m allows %zu MiB and %zu MiB "
				"are mapped: raise -m or free memory", name, len,
				mib(need), mib(mem.mem_limit), mib(mem.total_mapped));
		else
			mem_log(quiet, "allocation '%s' of %zu bytes needs %zu MiB "
				"more DMA memory on node %d, but --socket-mem "
				"allows %zu MiB there and %zu MiB are mapped: "
				"raise --socket-mem or free memory", name, len,
				mib(need), node, mib(mem.socket_limit[node]),
				mib(mem.socket_mapped[node]));
		return -ENOMEM;
	}
	step = EAL_MIN(EAL_MAX(need, EAL_MAX(GROW_MIN_BYTES, page)), left);
	ret = -ENOMEM;
	if (step > need) {
		ret = area_create(step, node, true, out, refused);
		if (ret == -ENOMEM && !*refused)
			EAL_LOG(eal_mem_logtype, DEBUG,
				"growing by %zu MiB failed, trying %zu MiB",
				mib(step), mib(need));
	}
	if (ret == -ENOMEM && !*refused) {
		step = need;
		ret = area_create(step, node, quiet, out, refused);
	}
	if (ret == 0)
		EAL_LOG(eal_mem_logtype, DEBUG,
			"mapped %zu MiB on node %d for '%s' (%zu MiB in total)",
			mib(step), node, name, mib(mem.total_mapped));
	return ret;
}

/* Merge free block @b with its free neighbour @next (which follows it). */
static void block_merge_next(struct heap_block *b)
{
	struct heap_block *next = b->next;

	free_list_del(next);
	b->len += next->len;
	b->next = next->next;
	if (next->next != NULL)
		next->next->prev = b;
	free(next);
}

/* @b is no longer busy: merge it with free neighbours. An area left with
 * nothing busy goes back to the system (and out of every IOMMU). */
static void block_release(struct heap_block *b)
{
	struct mem_area *area = b->area;

	free_list_add(b);
	if (b->next != NULL && !b->next->busy)
		block_merge_next(b);
	if (b->prev != NULL && !b->prev->busy) {
		b = b->prev;
		block_merge_next(b);
	}
	if (b->prev == NULL && b->next == NULL)
		area_release(area);
}

static bool socket_valid(int socket)
{
	return socket == EAL_SOCKET_ID_ANY ||
	       (socket >= 0 && socket <= mem.max_node &&
		socket < UPDK_MAX_NUMA_NODES);
}

void *eal_dma_zalloc(const char *name, size_t size, size_t align, int socket,
		     uint64_t *iova)
{
	int nodes[UPDK_MAX_NUMA_NODES], nb_nodes = 0, i, err = ENOMEM;
	struct heap_block *b = NULL, *busy;
	struct mem_area *area;
	char *start = NULL;
	size_t len;

	if (name == NULL)
		name = "?";
	if (size == 0 || size > MAX_ALLOC_SIZE) {
		EAL_LOG(eal_mem_logtype, ERR,
			"eal_dma_zalloc('%s'): size %zu is %s", name, size,
			size == 0 ? "zero" : "larger than any machine's memory");
		errno = size == 0 ? EINVAL : ENOMEM;
		return NULL;
	}
	if (align == 0)
		align = CACHE_LINE_SIZE;
	if (!EAL_IS_POWER_OF_2(align) || align > MAX_ALIGN) {
		EAL_LOG(eal_mem_logtype, ERR,
			"eal_dma_zalloc('%s'): alignment %zu must be a power of "
			"two up to 1 GiB (0 means a cache line)", name, align);
		errno = EINVAL;
		return NULL;
	}
	align = EAL_MAX(align, (size_t)CACHE_LINE_SIZE);
	len = EAL_ALIGN_CEIL(size, (size_t)CACHE_LINE_SIZE);

	pthread_mutex_lock(&mem_lock);
	if (!mem.initialized) {
		EAL_LOG(eal_mem_logtype, ERR,
			"eal_dma_zalloc('%s'): DMA memory is not set up: call "
			"eal_init() first", name);
		err = ENODEV;
		goto fail;
	}
	if (mem.reentry_depth > 0) {
		EAL_LOG(eal_mem_logtype, ERR,
			"eal_dma_zalloc('%s') from a memory event callback or "
			"eal_memseg_walk() would change memory under it: "
			"allocate outside", name);
		err = EDEADLK;
		goto fail;
	}
	if (!socket_valid(socket)) {
		EAL_LOG(eal_mem_logtype, ERR,
			"eal_dma_zalloc('%s'): NUMA node %d does not exist; use "
			"0..%d or EAL_SOCKET_ID_ANY", name, socket, mem.max_node);
		err = EINVAL;
		goto fail;
	}
	if (eal_iova_mode() == EAL_IOVA_PA && align > mem.page_size) {
		EAL_LOG(eal_mem_logtype, ERR,
			"eal_dma_zalloc('%s'): alignment %zu is larger than a "
			"page (%zu kB), which --iova-mode=pa cannot give; use "
			"--iova-mode=va", name, align, mem.page_size >> 10);
		err = EINVAL;
		goto fail;
	}

	/* EAL_SOCKET_ID_ANY: the caller's node first, then the others. */
	if (socket == EAL_SOCKET_ID_ANY) {
		int own = caller_socket();

		nodes[nb_nodes++] = own;
		for (i = 0; i <= mem.max_node && i < UPDK_MAX_NUMA_NODES; i++)
			if (i != own)
				nodes[nb_nodes++] = i;
	} else {
		nodes[nb_nodes++] = socket;
	}

	for (i = 0; i < nb_nodes && b == NULL; i++)
		for (area = mem.areas; area != NULL && b == NULL; area = area->next)
			if (area->socket_id == nodes[i])
				b = area_fit(area, len, align, &start);

	for (i = 0; i < nb_nodes && b == NULL; i++) {
		bool refused = false;
		int ret = heap_grow(name, len, align, nodes[i], i + 1 < nb_nodes,
				    &area, &refused);

		if (ret != 0) {
			err = -ret;
			if (ret != -ENOMEM || refused)
				break;
			continue;
		}
		b = area_fit(area, len, align, &start);
		if (b == NULL) {
			/* Only PA mode gets here: the new pages are not
			 * physically adjacent. */
			EAL_LOG(eal_mem_logtype, ERR,
				"eal_dma_zalloc('%s'): %zu bytes span %zu pages of "
				"%zu kB, and --iova-mode=pa found no physically "
				"contiguous run of them; allocate at most one page "
				"at a time, or use --iova-mode=va (IOMMU)", name,
				len, (len + mem.page_size - 1) / mem.page_size,
				mem.page_size >> 10);
			area_release(area);
			err = E2BIG;
			break;
		}
	}
	if (b == NULL)
		goto fail;

	busy = block_carve(b, start, len, name);
	if (busy == NULL || tsearch(busy, &mem.busy_tree, block_cmp) == NULL) {
		if (busy != NULL)
			block_release(busy);
		EAL_LOG(eal_mem_logtype, ERR,
			"eal_dma_zalloc('%s'): out of heap memory for bookkeeping",
			name);
		err = ENOMEM;
		goto fail;
	}
	mem.nb_allocs++;
	mem.used_bytes += len;
	/* Fresh pages are zero, but freed blocks are reused. */
	memset(start, 0, len);
	if (iova != NULL)
		*iova = block_iova(busy);
	pthread_mutex_unlock(&mem_lock);
	return start;

fail:
	pthread_mutex_unlock(&mem_lock);
	errno = err;
	return NULL;
}

void eal_dma_free(void *addr)
{
	struct heap_block key = { .addr = addr }, *b;
	void **node;

	if (addr == NULL)
		return;
	pthread_mutex_lock(&mem_lock);
	if (mem.reentry_depth > 0) {
		EAL_LOG(eal_mem_logtype, ERR,
			"eal_dma_free(%p) from a memory event callback or "
			"eal_memseg_walk() would change memory under it: "
			"free outside", addr);
		goto out;
	}
	node = tfind(&key, &mem.busy_tree, block_cmp);
	if (node == NULL) {
		EAL_LOG(eal_mem_logtype, ERR,
			"eal_dma_free(%p): %s", addr,
			seg_lookup(addr) != NULL ?
				"not the start of a live allocation (freed twice?)" :
				"not memory from eal_dma_zalloc()");
		goto out;
	}
	b = *node;
	tdelete(&key, &mem.busy_tree, block_cmp);
	mem.nb_allocs--;
	mem.used_bytes -= b->len;
	block_release(b);
out:
	pthread_mutex_unlock(&mem_lock);
}

void eal_dma_stats_get(struct eal_dma_stats *st)
{
	if (st == NULL)
		return;
	pthread_mutex_lock(&mem_lock);
	st->total_bytes = mem.total_mapped;
	st->used_bytes = mem.used_bytes;
	st->free_bytes = mem.total_mapped - mem.used_bytes;
	st->nb_segs = mem.nb_segs;
	st->nb_allocs = mem.nb_allocs;
	pthread_mutex_unlock(&mem_lock);
}

size_t eal_dma_page_size(void)
{
	size_t page;

	pthread_mutex_lock(&mem_lock);
	page = mem.initialized ? mem.page_size : 0;
	pthread_mutex_unlock(&mem_lock);
	return page;
}

int eal_memseg_walk(int (*fn)(const struct eal_memseg *seg, void *arg), void *arg)
{
	unsigned i;
	int ret = 0;

	if (fn == NULL)
		return -EINVAL;
	pthread_mutex_lock(&mem_lock);
	mem.reentry_depth++;
	for (i = 0; i < mem.nb_segs && ret == 0; i++)
		ret = fn(&mem.segs[mem.sorted[i]], arg);
	mem.reentry_depth--;
	pthread_mutex_unlock(&mem_lock);
	return ret;
}

const struct eal_memseg *eal_memseg_find(const void *addr)
{
	const struct eal_memseg *seg;

	pthread_mutex_lock(&mem_lock);
	seg = seg_lookup(addr);
	pthread_mutex_unlock(&mem_lock);
	return seg;
}

uint64_t eal_virt2iova(const void *addr)
{
	const struct eal_memseg *seg;
	uint64_t iova = EAL_BAD_IOVA;

	pthread_mutex_lock(&mem_lock);
	seg = seg_lookup(addr);
	if (seg != NULL)
		iova = seg->iova + (uint64_t)((uintptr_t)addr - (uintptr_t)seg->addr);
	pthread_mutex_unlock(&mem_lock);
	return iova;
}

/* ---- init / cleanup ---------------------------------------------------- */

static int check_prefix(const char *prefix)
{
	if (prefix[0] == '\0' || strchr(prefix, '/') != NULL ||
	    strcmp(prefix, ".") == 0 || strcmp(prefix, "..") == 0) {
		EAL_LOG(eal_mem_logtype, ERR,
			"--file-prefix '%s' is not usable as a file name: use "
			"letters, digits, '_' or '-'", prefix);
		return -EINVAL;
	}
	return 0;
}

static int check_limits(const struct eal_config *cfg)
{
	int node;

	mem.mem_limit = cfg->mem_bytes;
	mem.socket_limit_set = cfg->socket_mem_set;
	for (node = 0; node < UPDK_MAX_NUMA_NODES; node++) {
		mem.socket_limit[node] = cfg->socket_mem[node];
		if (cfg->socket_mem_set && cfg->socket_mem[node] > 0 &&
		    node > mem.max_node) {
			EAL_LOG(eal_mem_logtype, ERR,
				"--socket-mem gives memory to NUMA node %d, but "
				"this machine has nodes 0..%d", node, mem.max_node);
			return -EINVAL;
		}
	}
	return 0;
}

/* Enough free hugepages for -m / --socket-mem (or at least one page)? */
static int check_free_pages(const struct eal_hugepage_info *hp)
{
	unsigned long need;
	int node;

	if (mem.socket_limit_set) {
		for (node = 0; node <= mem.max_node && node < UPDK_MAX_NUMA_NODES;
		     node++) {
			need = (unsigned long)((mem.socket_limit[node] +
						hp->page_size - 1) / hp->page_size);
			if (need > hp->free_pages[node]) {
				eal_hugepage_log_shortage("--socket-mem",
							  hp->page_size, node, need,
							  hp->free_pages[node]);
				return -ENOMEM;
			}
		}
		return 0;
	}
	need = mem.mem_limit != 0 ?
		(unsigned long)((mem.mem_limit + hp->page_size - 1) / hp->page_size) : 1;
	if (need > hp->total_free) {
		eal_hugepage_log_shortage(mem.mem_limit != 0 ? "-m" :
					  "no free hugepages", hp->page_size, -1,
					  need, hp->total_free);
		return -ENOMEM;
	}
	return 0;
}

static int check_huge_memfd(size_t page_size)
{
	unsigned flags = MFD_CLOEXEC | MFD_HUGETLB |
			 ((unsigned)__builtin_ctzl(page_size) << MFD_HUGE_SHIFT);
	int fd = memfd_create("updk_probe", flags);

	if (fd < 0) {
		int err = errno;

		EAL_LOG(eal_mem_logtype, ERR,
			"--in-memory needs memfd_create(MFD_HUGETLB) for %zu kB "
			"pages (Linux 4.14+): %s; use a hugetlbfs mount instead",
			page_size >> 10, strerror(err));
		return -err;
	}
	close(fd);
	return 0;
}

static int setup_hugepages(const struct eal_config *cfg)
{
	struct eal_hugepage_info hp[8];
	int n, ret;

	n = eal_hugepage_discover(cfg, hp, EAL_DIM(hp));
	if (n < 0)
		return n;
	mem.page_size = hp[0].page_size;
	if (cfg->in_memory) {
		mem.backing = BACKING_HUGE_MEMFD;
		ret = check_huge_memfd(mem.page_size);
		if (ret < 0)
			return ret;
	} else {
		mem.backing = BACKING_HUGETLBFS;
		snprintf(mem.dir, sizeof(mem.dir), "%s", hp[0].mount);
		ret = eal_hugepage_prefix_lock(mem.dir, mem.prefix);
		if (ret < 0)
			return ret;
		mem.lock_fd = ret;
		/* Files of a dead process hold pages: count after reclaiming. */
		if (eal_hugepage_reclaim(mem.dir, mem.prefix) > 0) {
			long total = eal_hugepage_free_pages(hp[0].page_size,
							     hp[0].free_pages);

			hp[0].total_free = total > 0 ? (unsigned)total : 0;
		}
	}
	return check_free_pages(&hp[0]);
}

/* Forget everything but the subscribers: a container may subscribe before
 * eal_init() and hear every segment from the first. */
static void reset_state(void)
{
	struct mem_callback callbacks[MEM_EVENT_MAX_CALLBACKS];
	unsigned i;

	memcpy(callbacks, mem.callbacks, sizeof(callbacks));
	memset(&mem, 0, sizeof(mem));
	memcpy(mem.callbacks, callbacks, sizeof(callbacks));
	mem.lock_fd = -1;
	for (i = 0; i < UPDK_MAX_MEMSEGS; i++)
		mem.segs[i].fd = -1;
}

int eal_memory_init(const struct eal_config *cfg)
{
	int ret;

	if (cfg == NULL)
		return -EINVAL;
	pthread_mutex_lock(&mem_lock);
	if (mem.initialized) {
		pthread_mutex_unlock(&mem_lock);
		return -EALREADY;
	}
	reset_state();
	mem.numa = numa_available() >= 0;
	mem.max_node = mem.numa ? numa_max_node() : 0;
	if (mem.max_node < 0)
		mem.max_node = 0;
	if (mem.max_node >= UPDK_MAX_NUMA_NODES)
		mem.max_node = UPDK_MAX_NUMA_NODES - 1;
	snprintf(mem.prefix, sizeof(mem.prefix), "%s", cfg->file_prefix);

	ret = check_prefix(mem.prefix);
	if (ret == 0)
		ret = check_limits(cfg);
	if (ret == 0)
		ret = eal_iova_init(cfg->iova_mode, cfg->no_huge);
	if (ret == 0) {
		if (cfg->no_huge) {
			long page = sysconf(_SC_PAGESIZE);

			mem.backing = BACKING_MEMFD;
			mem.page_size = page > 0 ? (size_t)page : 4096;
		} else {
			ret = setup_hugepages(cfg);
		}
	}
	if (ret < 0) {
		eal_hugepage_prefix_unlock(mem.lock_fd, mem.dir, mem.prefix);
		eal_iova_cleanup();
		reset_state();
		pthread_mutex_unlock(&mem_lock);
		return ret;
	}
	mem.initialized = true;
	EAL_LOG(eal_mem_logtype, INFO,
		"DMA memory: %zu kB pages from %s%s, IOVA as %s, prefix '%s'%s",
		mem.page_size >> 10,
		mem.backing == BACKING_HUGETLBFS ? "hugetlbfs " :
		mem.backing == BACKING_HUGE_MEMFD ? "hugetlb memfd" : "memfd",
		mem.backing == BACKING_HUGETLBFS ? mem.dir : "",
		eal_iova_mode() == EAL_IOVA_PA ? "PA" : "VA", mem.prefix,
		mem.numa ? "" : ", no NUMA");
	pthread_mutex_unlock(&mem_lock);
	return 0;
}

static void noop_free(void *p)
{
	(void)p;
}

void eal_memory_cleanup(void)
{
	unsigned i;

	pthread_mutex_lock(&mem_lock);
	if (!mem.initialized) {
		pthread_mutex_unlock(&mem_lock);
		return;
	}
	if (mem.nb_allocs > 0 && EAL_LOG_ENABLED(eal_mem_logtype, DEBUG)) {
		const struct mem_area *area;
		const struct heap_block *b;

		EAL_LOG(eal_mem_logtype, DEBUG,
			"%u DMA allocation(s), %zu bytes, were not freed before "
			"cleanup: released anyway", mem.nb_allocs, mem.used_bytes);
		for (area = mem.areas; area != NULL; area = area->next)
			for (b = area->blocks; b != NULL; b = b->next)
				if (b->busy)
					EAL_LOG(eal_mem_logtype, DEBUG,
						"  not freed: '%s', %zu bytes at %p",
						b->name, b->len, (void *)b->addr);
	}
	while (mem.areas != NULL)
		area_release(mem.areas);
	tdestroy(mem.busy_tree, noop_free);
	mem.busy_tree = NULL;
	eal_hugepage_prefix_unlock(mem.lock_fd, mem.dir, mem.prefix);
	eal_iova_cleanup();
	reset_state();
	/* A subscriber left now would be called with a stale argument by the
	 * next eal_init(): drop it, and name it so its owner can be fixed. */
	for (i = 0; i < MEM_EVENT_MAX_CALLBACKS; i++) {
		if (!mem.callbacks[i].used)
			continue;
		EAL_LOG(eal_mem_logtype, WARNING,
			"memory event callback '%s' was still registered at "
			"eal_cleanup(): dropped; unregister it in its cleanup hook",
			mem.callbacks[i].name);
		memset(&mem.callbacks[i], 0, sizeof(mem.callbacks[i]));
	}
	pthread_mutex_unlock(&mem_lock);
}
