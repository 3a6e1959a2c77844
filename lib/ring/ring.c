/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ring creation, registry and diagnostics. The data path is inline in
 * include/ring.h and include/ring_impl.h.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "eal.h"
#include "eal_log.h"
#include "eal_memory.h"
#include "ring.h"

EAL_LOG_COMPONENT_REGISTER(ring_logtype, "ring", EAL_LOG_NOTICE);

/* Rings from ring_create(), linked through ring->next. Only creation,
 * lookup and free take the lock; the data path never does. */
static pthread_mutex_t ring_registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ring *ring_registry;

/* Slot count for @count, or 0 after logging why @count is not acceptable. */
static uint32_t ring_slots_for(const char *who, unsigned count, unsigned flags)
{
	if (flags & RING_F_EXACT_SZ) {
		if (count == 0 || count > RING_SIZE_MAX - 1) {
			EAL_LOG(ring_logtype, ERR,
				"%s: count %u out of range: with RING_F_EXACT_SZ it must be 1..%u",
				who, count, RING_SIZE_MAX - 1);
			return 0;
		}
		/* One spare slot keeps the slot array a power of two strictly
		 * larger than the capacity, as without the flag. */
		return eal_align32pow2(count + 1);
	}
	if (count < 2 || count > RING_SIZE_MAX || !EAL_IS_POWER_OF_2(count)) {
		EAL_LOG(ring_logtype, ERR,
			"%s: count %u must be a power of two in 2..%u (the ring holds count - 1); "
			"pass RING_F_EXACT_SZ to hold exactly count objects",
			who, count, RING_SIZE_MAX);
		return 0;
	}
	return count;
}

static bool ring_flags_valid(const char *who, unsigned flags)
{
	if (flags & ~RING_F_MASK) {
		EAL_LOG(ring_logtype, ERR,
			"%s: unknown flags 0x%x; accepted: RING_F_SP_ENQ (0x%x), "
			"RING_F_SC_DEQ (0x%x), RING_F_EXACT_SZ (0x%x)",
			who, flags & ~RING_F_MASK, RING_F_SP_ENQ, RING_F_SC_DEQ,
			RING_F_EXACT_SZ);
		return false;
	}
	return true;
}

/* 0, or a negative errno after logging what is wrong with @name. */
static int ring_name_check(const char *who, const char *name)
{
	if (name == NULL) {
		EAL_LOG(ring_logtype, ERR, "%s: name is NULL; give the ring a name", who);
		return -EINVAL;
	}
	if (strnlen(name, RING_NAMESIZE) >= RING_NAMESIZE) {
		EAL_LOG(ring_logtype, ERR,
			"%s: name \"%.*s...\" is too long: at most %d characters",
			who, RING_NAMESIZE - 1, name, RING_NAMESIZE - 1);
		return -ENAMETOOLONG;
	}
	return 0;
}

/* Rounded to the ring's alignment so that aligned_alloc() accepts it. */
static size_t ring_bytes(uint32_t slots)
{
	return EAL_ALIGN_CEIL(sizeof(struct ring) + (size_t)slots * sizeof(void *),
			      (size_t)RING_HEADTAIL_ALIGN);
}

ssize_t ring_get_memsize(unsigned count, unsigned flags)
{
	if (!ring_flags_valid("ring_get_memsize", flags))
		return -EINVAL;
	uint32_t slots = ring_slots_for("ring_get_memsize", count, flags);
	if (slots == 0)
		return -EINVAL;
	return (ssize_t)ring_bytes(slots);
}

/* ring_init() without the argument checks, which the callers did. */
static void ring_setup(struct ring *r, const char *name, uint32_t slots,
		       unsigned count, unsigned flags)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->name, name, strlen(name) + 1);
	r->flags = flags;
	r->size = slots;
	r->mask = slots - 1;
	r->capacity = (flags & RING_F_EXACT_SZ) ? count : slots - 1;
	r->prod.single = (flags & RING_F_SP_ENQ) != 0;
	r->cons.single = (flags & RING_F_SC_DEQ) != 0;
}

int ring_init(struct ring *r, const char *name, unsigned count, unsigned flags)
{
	int rc = ring_name_check("ring_init", name);
	if (rc < 0)
		return rc;
	if (r == NULL) {
		EAL_LOG(ring_logtype, ERR, "ring_init(\"%s\"): ring memory is NULL", name);
		return -EINVAL;
	}
	if ((uintptr_t)r % RING_HEADTAIL_ALIGN != 0) {
		EAL_LOG(ring_logtype, ERR,
			"ring_init(\"%s\"): memory %p is not aligned to %d bytes",
			name, (void *)r, RING_HEADTAIL_ALIGN);
		return -EINVAL;
	}
	if (!ring_flags_valid("ring_init", flags))
		return -EINVAL;
	uint32_t slots = ring_slots_for("ring_init", count, flags);
	if (slots == 0)
		return -EINVAL;
	ring_setup(r, name, slots, count, flags);
	return 0;
}

/* Caller holds ring_registry_lock. */
static struct ring *ring_registry_find(const char *name)
{
	for (struct ring *r = ring_registry; r != NULL; r = r->next)
		if (strcmp(r->name, name) == 0)
			return r;
	return NULL;
}

struct ring *ring_create(const char *name, unsigned count, int socket_id,
			 unsigned flags)
{
	int rc = ring_name_check("ring_create", name);
	if (rc < 0) {
		errno = -rc;
		return NULL;
	}
	if (!ring_flags_valid("ring_create", flags)) {
		errno = EINVAL;
		return NULL;
	}
	uint32_t slots = ring_slots_for("ring_create", count, flags);
	if (slots == 0) {
		errno = EINVAL;
		return NULL;
	}

	pthread_mutex_lock(&ring_registry_lock);
	if (ring_registry_find(name) != NULL) {
		pthread_mutex_unlock(&ring_registry_lock);
		EAL_LOG(ring_logtype, ERR,
			"ring_create: a ring named \"%s\" already exists; "
			"choose another name or ring_free() the old one", name);
		errno = EEXIST;
		return NULL;
	}
	struct ring *r = eal_dma_zalloc(name, ring_bytes(slots), RING_HEADTAIL_ALIGN,
					socket_id, NULL);
	if (r == NULL) {
		int err = errno != 0 ? errno : ENOMEM;
		pthread_mutex_unlock(&ring_registry_lock);
		EAL_LOG(ring_logtype, ERR,
			"ring_create(\"%s\"): cannot allocate %zu bytes on socket %d: %s%s",
			name, ring_bytes(slots), socket_id, strerror(err),
			eal_initialized() ? "" : " (call eal_init() first)");
		errno = err;
		return NULL;
	}
	ring_setup(r, name, slots, count, flags);
	r->owned = true;
	r->next = ring_registry;
	ring_registry = r;
	pthread_mutex_unlock(&ring_registry_lock);
	return r;
}

void ring_free(struct ring *r)
{
	if (r == NULL)
		return;
	if (!r->owned) {
		EAL_LOG(ring_logtype, ERR,
			"ring_free(\"%s\"): this ring was made with ring_init() on the "
			"caller's memory; release that memory instead", r->name);
		return;
	}
	pthread_mutex_lock(&ring_registry_lock);
	struct ring **link = &ring_registry;
	while (*link != NULL && *link != r)
		link = &(*link)->next;
	if (*link == NULL) {
		pthread_mutex_unlock(&ring_registry_lock);
		EAL_LOG(ring_logtype, ERR,
			"ring_free(%p): not a registered ring (freed twice?)", (void *)r);
		return;
	}
	*link = r->next;
	pthread_mutex_unlock(&ring_registry_lock);
	eal_dma_free(r);
}

struct ring *ring_lookup(const char *name)
{
	if (name == NULL) {
		errno = EINVAL;
		return NULL;
	}
	pthread_mutex_lock(&ring_registry_lock);
	struct ring *r = ring_registry_find(name);
	pthread_mutex_unlock(&ring_registry_lock);
	if (r == NULL)
		errno = ENOENT;
	return r;
}

void ring_reset(struct ring *r)
{
	r->prod.head = r->prod.tail = 0;
	r->cons.head = r->cons.tail = 0;
}

void ring_dump(void *f, const struct ring *r)
{
	FILE *out = f != NULL ? f : stdout;

	if (r == NULL) {
		fprintf(out, "ring <NULL>\n");
		return;
	}
	fprintf(out, "ring \"%s\" at %p\n", r->name, (const void *)r);
	fprintf(out, "  flags=0x%x (%s producer, %s consumer%s)\n", r->flags,
		r->prod.single ? "single" : "multi", r->cons.single ? "single" : "multi",
		(r->flags & RING_F_EXACT_SZ) ? ", exact size" : "");
	fprintf(out, "  size=%u capacity=%u\n", r->size, r->capacity);
	fprintf(out, "  prod.head=%u prod.tail=%u\n",
		__atomic_load_n(&r->prod.head, __ATOMIC_RELAXED),
		__atomic_load_n(&r->prod.tail, __ATOMIC_RELAXED));
	fprintf(out, "  cons.head=%u cons.tail=%u\n",
		__atomic_load_n(&r->cons.head, __ATOMIC_RELAXED),
		__atomic_load_n(&r->cons.tail, __ATOMIC_RELAXED));
	fprintf(out, "  used=%u free=%u\n", ring_count(r), ring_free_count(r));
}

/* eal_cleanup() releases all DMA memory: drop the rings living in it so
 * that a later ring_lookup() cannot return freed memory. */
static void ring_eal_cleanup(void)
{
	pthread_mutex_lock(&ring_registry_lock);
	struct ring *r = ring_registry;
	ring_registry = NULL;
	pthread_mutex_unlock(&ring_registry_lock);
	while (r != NULL) {
		struct ring *next = r->next;
		EAL_LOG(ring_logtype, INFO, "eal_cleanup: freeing ring \"%s\"", r->name);
		eal_dma_free(r);
		r = next;
	}
}

/* After the device layers (higher order) have stopped using rings. */
static struct eal_hook ring_hook = {
	.name = "ring",
	.order = 10,
	.cleanup = ring_eal_cleanup,
};

__attribute__((constructor)) static void ring_hook_register(void)
{
	eal_hook_register(&ring_hook);
}
