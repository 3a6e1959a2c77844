/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pool creation, memory population, registry and diagnostics. The get/put
 * fast path is inline in include/mempool_fastpath.h.
 *
 * One DMA allocation holds the pool header, the user's private area and the
 * ring of available objects; the objects live in separate chunks, each one
 * eal_dma_zalloc() block:
 *
 *   chunk: | hdr line | object | hdr line | object | ...
 *                   ^ struct mempool_objhdr ends where the object starts
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "eal.h"
#include "eal_log.h"
#include "eal_memory.h"
#include "mempool.h"

EAL_LOG_COMPONENT_REGISTER(mempool_logtype, "mempool", EAL_LOG_NOTICE);

/* One block of objects. */
struct mempool_chunk {
	struct mempool_memhdr mem;
	void *first_obj;
	unsigned nb_objs;
	bool dma;        /* from eal_dma_zalloc(), else an anonymous mapping */
};

/* Pools by name. Recursive so that mempool_walk() callbacks may look up
 * and free pools. Never taken on the fast path. */
static pthread_mutex_t mempool_registry_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static struct mempool *mempool_registry;

/* Largest object: keeps every size computation far from 32-bit overflow. */
#define MEMPOOL_ELT_SIZE_MAX (1u << 30)

/* Where the private area starts; the ring after it needs the ring's
 * doubled cache-line alignment, so both are rounded to it. */
static size_t mempool_header_bytes(void)
{
	return EAL_ALIGN_CEIL(sizeof(struct mempool), (size_t)RING_HEADTAIL_ALIGN);
}

void *mempool_get_priv(struct mempool *mp)
{
	return (char *)mp + mempool_header_bytes();
}

/* Caller holds mempool_registry_lock. */
static struct mempool *mempool_registry_find(const char *name)
{
	for (struct mempool *mp = mempool_registry; mp != NULL; mp = mp->next)
		if (strcmp(mp->name, name) == 0)
			return mp;
	return NULL;
}

struct mempool *mempool_lookup(const char *name)
{
	if (name == NULL) {
		errno = EINVAL;
		return NULL;
	}
	pthread_mutex_lock(&mempool_registry_lock);
	struct mempool *mp = mempool_registry_find(name);
	pthread_mutex_unlock(&mempool_registry_lock);
	if (mp == NULL)
		errno = ENOENT;
	return mp;
}

/* Every mempool_create() argument check; logs and returns a negative errno. */
static int mempool_check_args(const char *name, unsigned n, unsigned elt_size,
			      unsigned cache_size, unsigned flags)
{
	if (name == NULL) {
		EAL_LOG(mempool_logtype, ERR, "mempool_create: name is NULL; give the pool a name");
		return -EINVAL;
	}
	if (strnlen(name, MEMPOOL_NAMESIZE) >= MEMPOOL_NAMESIZE) {
		EAL_LOG(mempool_logtype, ERR,
			"mempool_create: name \"%.*s...\" is too long: at most %d characters",
			MEMPOOL_NAMESIZE - 1, name, MEMPOOL_NAMESIZE - 1);
		return -ENAMETOOLONG;
	}
	if (n == 0 || n > RING_SIZE_MAX - 1) {
		EAL_LOG(mempool_logtype, ERR,
			"mempool_create(\"%s\"): %u objects is out of range: 1..%u",
			name, n, RING_SIZE_MAX - 1);
		return -EINVAL;
	}
	if (elt_size == 0 || elt_size > MEMPOOL_ELT_SIZE_MAX) {
		EAL_LOG(mempool_logtype, ERR,
			"mempool_create(\"%s\"): element size %u is out of range: 1..%u bytes",
			name, elt_size, MEMPOOL_ELT_SIZE_MAX);
		return -EINVAL;
	}
	if (cache_size > MEMPOOL_CACHE_MAX_SIZE) {
		EAL_LOG(mempool_logtype, ERR,
			"mempool_create(\"%s\"): cache size %u is larger than the maximum %u "
			"(meson option mempool_cache_max)",
			name, cache_size, MEMPOOL_CACHE_MAX_SIZE);
		return -EINVAL;
	}
	/* A cache that may hold 1.5 x its size could starve every other
	 * lcore of a pool that small. */
	if ((uint64_t)cache_size * 3 > (uint64_t)n * 2) {
		EAL_LOG(mempool_logtype, ERR,
			"mempool_create(\"%s\"): cache size %u is too large for %u objects: "
			"at most n / 1.5 = %u",
			name, cache_size, n, (unsigned)((uint64_t)n * 2 / 3));
		return -EINVAL;
	}
	if (flags & ~MEMPOOL_F_MASK) {
		EAL_LOG(mempool_logtype, ERR,
			"mempool_create(\"%s\"): unknown flags 0x%x; accepted: MEMPOOL_F_SP_PUT, "
			"MEMPOOL_F_SC_GET, MEMPOOL_F_NO_IOVA_CONTIG (mask 0x%x)",
			name, flags & ~MEMPOOL_F_MASK, MEMPOOL_F_MASK);
		return -EINVAL;
	}
	return 0;
}

static void mempool_chunk_free(void *addr, size_t len, bool dma)
{
	if (dma)
		eal_dma_free(addr);
	else
		munmap(addr, len);
}

static void mempool_release(struct mempool *mp)
{
	for (unsigned i = 0; i < mp->nb_chunks; i++)
		mempool_chunk_free(mp->chunks[i].mem.addr, mp->chunks[i].mem.len,
				   mp->chunks[i].dma);
	free(mp->chunks);
	if (mp->local_cache != NULL)
		munmap(mp->local_cache, mp->local_cache_bytes);
	eal_dma_free(mp);
}

/* Record a chunk, or free it and return -ENOMEM. */
static int mempool_add_chunk(struct mempool *mp, void *addr, uint64_t iova,
			     unsigned nb_objs, bool dma)
{
	struct mempool_chunk *chunks = realloc(mp->chunks,
					       (mp->nb_chunks + 1) * sizeof(*chunks));
	if (chunks == NULL) {
		mempool_chunk_free(addr, (size_t)nb_objs * mp->total_elt_size, dma);
		EAL_LOG(mempool_logtype, ERR,
			"mempool_create(\"%s\"): out of memory for the chunk list", mp->name);
		return -ENOMEM;
	}
	mp->chunks = chunks;
	struct mempool_chunk *c = &chunks[mp->nb_chunks++];
	c->mem.addr = addr;
	c->mem.iova = iova;
	c->mem.len = (size_t)nb_objs * mp->total_elt_size;
	c->first_obj = (char *)addr + mp->header_size;
	c->nb_objs = nb_objs;
	c->dma = dma;
	return 0;
}

/* Objects of a MEMPOOL_F_NO_IOVA_CONTIG pool: ordinary memory in one
 * mapping, since nothing needs it to be DMA-able or contiguous. */
static int mempool_populate_plain(struct mempool *mp)
{
	size_t len = (size_t)mp->size * mp->total_elt_size;
	void *addr = mmap(NULL, len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (addr == MAP_FAILED) {
		int err = errno;
		EAL_LOG(mempool_logtype, ERR,
			"mempool_create(\"%s\"): cannot map %zu bytes for %u objects: %s",
			mp->name, len, mp->size, strerror(err));
		return -err;
	}
	return mempool_add_chunk(mp, addr, EAL_BAD_IOVA, mp->size, false);
}

/*
 * Allocate the object chunks from DMA memory. In IOVA-PA mode a chunk is at
 * most a page, the largest run the EAL can promise to be physically
 * contiguous; in VA mode the whole pool is one chunk.
 */
static int mempool_populate(struct mempool *mp)
{
	const size_t stride = mp->total_elt_size;
	unsigned max_per_chunk = mp->size;

	if (mp->flags & MEMPOOL_F_NO_IOVA_CONTIG)
		return mempool_populate_plain(mp);
	if (eal_iova_mode() == EAL_IOVA_PA) {
		size_t page = eal_dma_page_size();
		if (stride > page) {
			EAL_LOG(mempool_logtype, ERR,
				"mempool_create(\"%s\"): an object takes %zu bytes with its header, "
				"more than one %zu-byte page, which IOVA-PA mode cannot make "
				"contiguous: use --iova-mode=va, larger hugepages, or "
				"MEMPOOL_F_NO_IOVA_CONTIG if the objects are not used for DMA",
				mp->name, stride, page);
			return -EINVAL;
		}
		max_per_chunk = (unsigned)EAL_MIN(page / stride, (size_t)mp->size);
	}

	for (unsigned remaining = mp->size; remaining > 0;) {
		unsigned nb = EAL_MIN(remaining, max_per_chunk);
		uint64_t iova = EAL_BAD_IOVA;

		errno = 0;
		void *addr = eal_dma_zalloc(mp->name, (size_t)nb * stride, CACHE_LINE_SIZE,
					    mp->socket_id, &iova);
		if (addr == NULL) {
			int err = errno != 0 ? errno : ENOMEM;
			EAL_LOG(mempool_logtype, ERR,
				"mempool_create(\"%s\"): cannot allocate %zu bytes of DMA memory "
				"for %u objects (%u of %u still to place): %s%s",
				mp->name, (size_t)nb * stride, nb, remaining, mp->size,
				strerror(err),
				eal_initialized() ? "" : "; call eal_init() first");
			return -err;
		}
		int rc = mempool_add_chunk(mp, addr, iova, nb, true);
		if (rc < 0)
			return rc;
		remaining -= nb;
	}
	return 0;
}

/* Write each object's header, run obj_init and make the objects available. */
static void mempool_init_objects(struct mempool *mp, mempool_obj_cb_t *obj_init,
				 void *obj_init_arg)
{
	unsigned idx = 0;

	for (unsigned c = 0; c < mp->nb_chunks; c++) {
		const struct mempool_chunk *chunk = &mp->chunks[c];
		char *obj = chunk->first_obj;
		for (unsigned i = 0; i < chunk->nb_objs; i++, obj += mp->total_elt_size) {
			struct mempool_objhdr *hdr = (struct mempool_objhdr *)(void *)obj - 1;
			hdr->mp = mp;
			/* Chunks are IOVA-contiguous, so no per-object lookup. */
			hdr->iova = chunk->mem.iova == EAL_BAD_IOVA ? EAL_BAD_IOVA :
				    chunk->mem.iova + (uint64_t)(obj - (char *)chunk->mem.addr);
			if (obj_init != NULL)
				obj_init(mp, obj_init_arg, obj, idx);
			idx++;
			void *objp = obj;
			/* Cannot fail: the ring holds exactly mp->size objects. */
			ring_sp_enqueue_bulk(mp->ring, &objp, 1, NULL);
		}
	}
}

static int mempool_setup_caches(struct mempool *mp, unsigned cache_size)
{
	if (cache_size == 0)
		return 0;
	/* Anonymous memory: a cache page is only backed once its lcore (or
	 * this set-up) touches it, so the EAL_MAX_LCORES caches cost little. */
	mp->local_cache_bytes = sizeof(struct mempool_cache) * EAL_MAX_LCORES;
	void *mem = mmap(NULL, mp->local_cache_bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		int err = errno;
		EAL_LOG(mempool_logtype, ERR,
			"mempool_create(\"%s\"): cannot map %zu bytes for the lcore caches: %s",
			mp->name, mp->local_cache_bytes, strerror(err));
		return -err;
	}
	mp->local_cache = mem;
	for (unsigned i = 0; i < EAL_MAX_LCORES; i++) {
		mp->local_cache[i].size = cache_size;
		mp->local_cache[i].flushthresh = cache_size * 3 / 2;
		mp->local_cache[i].len = 0;
	}
	return 0;
}

struct mempool *mempool_create(const char *name, unsigned n, unsigned elt_size,
			       unsigned cache_size, unsigned private_data_size,
			       mempool_ctor_t *mp_init, void *mp_init_arg,
			       mempool_obj_cb_t *obj_init, void *obj_init_arg,
			       int socket_id, unsigned flags)
{
	int rc = mempool_check_args(name, n, elt_size, cache_size, flags);
	if (rc < 0) {
		errno = -rc;
		return NULL;
	}
	/* Fail early on a duplicate; checked again before registering since
	 * the callbacks run without the lock. */
	if (mempool_lookup(name) != NULL) {
		EAL_LOG(mempool_logtype, ERR,
			"mempool_create: a pool named \"%s\" already exists; choose another "
			"name or mempool_free() the old one", name);
		errno = EEXIST;
		return NULL;
	}

	unsigned ring_flags = RING_F_EXACT_SZ |
			      ((flags & MEMPOOL_F_SP_PUT) ? RING_F_SP_ENQ : 0) |
			      ((flags & MEMPOOL_F_SC_GET) ? RING_F_SC_DEQ : 0);
	ssize_t ring_bytes = ring_get_memsize(n, ring_flags);
	if (ring_bytes < 0) {
		errno = (int)-ring_bytes;
		return NULL;
	}
	size_t priv_bytes = EAL_ALIGN_CEIL((size_t)private_data_size,
					   (size_t)RING_HEADTAIL_ALIGN);
	size_t header_bytes = mempool_header_bytes();
	size_t total = header_bytes + priv_bytes + (size_t)ring_bytes;
	struct mempool *mp = eal_dma_zalloc(name, total, RING_HEADTAIL_ALIGN,
					    socket_id, NULL);
	if (mp == NULL) {
		int err = errno != 0 ? errno : ENOMEM;
		EAL_LOG(mempool_logtype, ERR,
			"mempool_create(\"%s\"): cannot allocate the %zu-byte pool header: %s%s",
			name, total, strerror(err),
			eal_initialized() ? "" : "; call eal_init() first");
		errno = err;
		return NULL;
	}
	memcpy(mp->name, name, strlen(name) + 1);
	mp->flags = flags;
	mp->socket_id = socket_id;
	mp->size = n;
	mp->elt_size = elt_size;
	mp->cache_size = cache_size;
	mp->private_data_size = private_data_size;
	mp->header_size = (uint32_t)EAL_ALIGN_CEIL(sizeof(struct mempool_objhdr),
						   (size_t)CACHE_LINE_SIZE);
	mp->total_elt_size = mp->header_size +
			     (uint32_t)EAL_ALIGN_CEIL((size_t)elt_size, (size_t)CACHE_LINE_SIZE);
	mp->ring = (struct ring *)(void *)((char *)mp + header_bytes + priv_bytes);
	rc = ring_init(mp->ring, name, n, ring_flags);
	if (rc == 0)
		rc = mempool_setup_caches(mp, cache_size);
	if (rc < 0)
		goto fail;

	if (mp_init != NULL)
		mp_init(mp, mp_init_arg);
	rc = mempool_populate(mp);
	if (rc < 0)
		goto fail;
	mempool_init_objects(mp, obj_init, obj_init_arg);

	pthread_mutex_lock(&mempool_registry_lock);
	if (mempool_registry_find(name) != NULL) {
		pthread_mutex_unlock(&mempool_registry_lock);
		EAL_LOG(mempool_logtype, ERR,
			"mempool_create: a pool named \"%s\" was created meanwhile by "
			"another thread; choose another name", name);
		rc = -EEXIST;
		goto fail;
	}
	mp->next = mempool_registry;
	mempool_registry = mp;
	pthread_mutex_unlock(&mempool_registry_lock);

	EAL_LOG(mempool_logtype, DEBUG,
		"pool \"%s\": %u objects of %u bytes (stride %u) in %u chunks, cache %u",
		name, n, elt_size, mp->total_elt_size, mp->nb_chunks, cache_size);
	return mp;

fail:
	mempool_release(mp);
	errno = -rc;
	return NULL;
}

void mempool_free(struct mempool *mp)
{
	if (mp == NULL)
		return;
	pthread_mutex_lock(&mempool_registry_lock);
	struct mempool **link = &mempool_registry;
	while (*link != NULL && *link != mp)
		link = &(*link)->next;
	if (*link == NULL) {
		pthread_mutex_unlock(&mempool_registry_lock);
		EAL_LOG(mempool_logtype, ERR,
			"mempool_free(%p): not a registered pool (freed twice?)", (void *)mp);
		return;
	}
	*link = mp->next;
	pthread_mutex_unlock(&mempool_registry_lock);

	unsigned in_use = mempool_in_use_count(mp);
	if (in_use != 0)
		EAL_LOG(mempool_logtype, INFO,
			"mempool_free(\"%s\"): %u objects are still in use and become invalid",
			mp->name, in_use);
	mempool_release(mp);
}

void mempool_put_overflow(struct mempool *mp, unsigned n)
{
	EAL_LOG(mempool_logtype, ERR,
		"pool \"%s\": %u objects put back do not fit: the pool holds %u, so an "
		"object was put twice or into the wrong pool; they are dropped",
		mp->name, n, mp->size);
}

static void mempool_ring_put(struct mempool *mp, void *const *objs, unsigned n)
{
	if (unlikely(ring_enqueue_bulk(mp->ring, objs, n, NULL) != n))
		mempool_put_overflow(mp, n);
}

void mempool_put_slow(struct mempool *mp, struct mempool_cache *cache,
		      void *const *objs, unsigned n)
{
	if (n > cache->size) {
		mempool_ring_put(mp, objs, n);
		return;
	}
	/* The cache would pass 1.5 x its size: bring it back to exactly its
	 * size with the new objects on top, so it absorbs the next size/2 puts
	 * without touching the ring. n <= size means len covers the excess. */
	uint32_t len = cache->len;
	unsigned excess = len + n - cache->size;
	len -= excess;
	mempool_ring_put(mp, &cache->objs[len], excess);
	mempool_copy_objs(&cache->objs[len], objs, n);
	__atomic_store_n(&cache->len, len + n, __ATOMIC_RELAXED);
}

int mempool_get_slow(struct mempool *mp, struct mempool_cache *cache, void **objs,
		     unsigned n)
{
	if (n > cache->size)
		return ring_dequeue_bulk(mp->ring, objs, n, NULL) == n ? 0 : -ENOENT;

	/* Refill so that the cache is back at its size after this get. */
	uint32_t len = cache->len;
	unsigned refill = cache->size + n - len;
	if (ring_dequeue_bulk(mp->ring, &cache->objs[len], refill, NULL) == refill) {
		len += refill - n;
		mempool_copy_objs(objs, &cache->objs[len], n);
		__atomic_store_n(&cache->len, len, __ATOMIC_RELAXED);
		return 0;
	}
	/* The pool is nearly exhausted: rather than fail while the cache and
	 * the ring together hold enough, hand out the whole cache plus the
	 * rest from the ring. */
	unsigned from_ring = n - len;
	if (ring_dequeue_bulk(mp->ring, objs, from_ring, NULL) != from_ring)
		return -ENOENT;
	mempool_copy_objs(&objs[from_ring], cache->objs, len);
	__atomic_store_n(&cache->len, 0, __ATOMIC_RELAXED);
	return 0;
}

void mempool_cache_flush(struct mempool *mp)
{
	struct mempool_cache *cache = mempool_lcore_cache(mp);

	if (cache == NULL || cache->len == 0)
		return;
	mempool_ring_put(mp, cache->objs, cache->len);
	__atomic_store_n(&cache->len, 0, __ATOMIC_RELAXED);
}

unsigned mempool_avail_count(const struct mempool *mp)
{
	unsigned count = ring_count(mp->ring);

	if (mp->local_cache != NULL)
		for (unsigned i = 0; i < EAL_MAX_LCORES; i++)
			count += __atomic_load_n(&mp->local_cache[i].len, __ATOMIC_RELAXED);
	/* The ring and the caches are read at different times: an object
	 * moving between them meanwhile may be counted twice. */
	return count > mp->size ? mp->size : count;
}

unsigned mempool_in_use_count(const struct mempool *mp)
{
	return mp->size - mempool_avail_count(mp);
}

bool mempool_full(const struct mempool *mp)
{
	return mempool_avail_count(mp) == mp->size;
}

bool mempool_empty(const struct mempool *mp)
{
	return mempool_avail_count(mp) == 0;
}

const char *mempool_name(const struct mempool *mp)
{
	return mp->name;
}

unsigned mempool_size(const struct mempool *mp)
{
	return mp->size;
}

unsigned mempool_elt_size(const struct mempool *mp)
{
	return mp->elt_size;
}

unsigned mempool_cache_size(const struct mempool *mp)
{
	return mp->cache_size;
}

unsigned mempool_obj_iter(struct mempool *mp, mempool_obj_cb_t *fn, void *arg)
{
	unsigned idx = 0;

	for (unsigned c = 0; c < mp->nb_chunks; c++) {
		char *obj = mp->chunks[c].first_obj;
		for (unsigned i = 0; i < mp->chunks[c].nb_objs; i++, obj += mp->total_elt_size) {
			if (fn != NULL)
				fn(mp, arg, obj, idx);
			idx++;
		}
	}
	return idx;
}

unsigned mempool_mem_iter(struct mempool *mp, mempool_mem_cb_t *fn, void *arg)
{
	if (fn != NULL)
		for (unsigned c = 0; c < mp->nb_chunks; c++)
			fn(mp, arg, &mp->chunks[c].mem, c);
	return mp->nb_chunks;
}

void mempool_walk(void (*fn)(struct mempool *mp, void *arg), void *arg)
{
	pthread_mutex_lock(&mempool_registry_lock);
	for (struct mempool *mp = mempool_registry, *next; mp != NULL; mp = next) {
		/* Read before the call: fn may free mp. */
		next = mp->next;
		fn(mp, arg);
	}
	pthread_mutex_unlock(&mempool_registry_lock);
}

void mempool_dump(void *f, const struct mempool *mp)
{
	FILE *out = f != NULL ? f : stdout;

	if (mp == NULL) {
		fprintf(out, "mempool <NULL>\n");
		return;
	}
	unsigned ring_avail = ring_count(mp->ring);
	unsigned avail = mempool_avail_count(mp);
	fprintf(out, "mempool \"%s\" at %p\n", mp->name, (const void *)mp);
	fprintf(out, "  flags=0x%x socket=%d\n", mp->flags, mp->socket_id);
	fprintf(out, "  size=%u elt_size=%u header_size=%u total_elt_size=%u private_data_size=%u\n",
		mp->size, mp->elt_size, mp->header_size, mp->total_elt_size,
		mp->private_data_size);
	fprintf(out, "  avail=%u in_use=%u (ring %u, caches %u)\n", avail, mp->size - avail,
		ring_avail, avail > ring_avail ? avail - ring_avail : 0);
	fprintf(out, "  cache_size=%u\n", mp->cache_size);
	if (mp->local_cache != NULL)
		for (unsigned i = 0; i < EAL_MAX_LCORES; i++) {
			unsigned len = __atomic_load_n(&mp->local_cache[i].len, __ATOMIC_RELAXED);
			if (len != 0)
				fprintf(out, "    lcore %u: %u cached\n", i, len);
		}
	fprintf(out, "  chunks=%u\n", mp->nb_chunks);
	for (unsigned c = 0; c < mp->nb_chunks; c++)
		fprintf(out, "    [%u] addr=%p iova=0x%llx len=%zu objs=%u\n", c,
			mp->chunks[c].mem.addr, (unsigned long long)mp->chunks[c].mem.iova,
			mp->chunks[c].mem.len, mp->chunks[c].nb_objs);
}

/* eal_cleanup() releases all DMA memory: free the pools still registered
 * so that mempool_lookup() cannot return freed memory afterwards. */
static void mempool_eal_cleanup(void)
{
	pthread_mutex_lock(&mempool_registry_lock);
	struct mempool *mp = mempool_registry;
	mempool_registry = NULL;
	pthread_mutex_unlock(&mempool_registry_lock);
	while (mp != NULL) {
		struct mempool *next = mp->next;
		EAL_LOG(mempool_logtype, INFO, "eal_cleanup: freeing pool \"%s\"", mp->name);
		mempool_release(mp);
		mp = next;
	}
}

/* Cleanup hooks run in decreasing order: after the device layers (which
 * hold pools for their queues) and before the rings (order 10). */
static struct eal_hook mempool_hook = {
	.name = "mempool",
	.order = 20,
	.cleanup = mempool_eal_cleanup,
};

__attribute__((constructor)) static void mempool_hook_register(void)
{
	eal_hook_register(&mempool_hook);
}
