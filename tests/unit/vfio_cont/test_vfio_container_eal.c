/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The container following the EAL's real memory (--no-huge, so it runs on
 * any machine) through the fake backend: replay of the segments that exist
 * when the container is created or its address space appears, segments that
 * come and go later, a refusal failing the allocation, destroy.
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "fake_backend.h"

#define MiB ((size_t)1 << 20)
/* Larger than the EAL's growth step (16 MiB): always a new segment. */
#define BIG_ALLOC (40 * MiB)

struct walk_check {
	unsigned segs;
	unsigned runs;          /* runs of VA- and IOVA-contiguous segments */
	const struct eal_memseg *prev;
	struct eal_memseg last;
	bool all_covered;
};

static int walk_fn(const struct eal_memseg *seg, void *arg)
{
	struct walk_check *w = arg;

	if (fake_covered(seg->iova, seg->len) != seg->len)
		w->all_covered = false;
	if (w->segs == 0 ||
	    (uintptr_t)w->last.addr + w->last.len != (uintptr_t)seg->addr ||
	    w->last.iova + w->last.len != seg->iova)
		w->runs++;
	w->last = *seg;
	w->segs++;
	return 0;
}

/* Every live segment is mapped, and contiguous ones share a mapping.
 * @return the number of live segments. */
static unsigned check_all_segments_mapped(const struct vfio_container *c)
{
	struct walk_check w = { .all_covered = true };

	eal_memseg_walk(walk_fn, &w);
	assert_true(w.all_covered);
	assert_int_equal(vfio_container_mapping_count(c), w.runs);
	assert_int_equal(fake.nb_maps, w.runs);
	return w.segs;
}

static struct eal_memseg seg_of(const void *p)
{
	const struct eal_memseg *s = eal_memseg_find(p);

	assert_non_null(s);
	return *s;
}

static void test_replay_at_create(void **state)
{
	struct vfio_container *c;
	void *p;

	(void)state;
	fake_reset();
	fake.ready_at_open = true;
	p = eal_dma_zalloc("before", MiB, 0, EAL_SOCKET_ID_ANY, NULL);
	assert_non_null(p);
	c = vfio_container_create_with_ops(&fake_ops, EAL_VFIO_TYPE1, NULL);
	assert_non_null(c);
	assert_true(c->mem_events);
	assert_true(check_all_segments_mapped(c) > 0);
	vfio_container_destroy(c);
	assert_int_equal(fake.nb_maps, 0);
	eal_dma_free(p);
}

static void test_replay_at_first_attach(void **state)
{
	struct vfio_container *c;
	struct vfio_device *d;
	void *p;

	(void)state;
	fake_reset();
	fake.ready_at_open = false; /* like type1: no space before a group */
	c = vfio_container_create_with_ops(&fake_ops, EAL_VFIO_TYPE1, NULL);
	assert_non_null(c);
	assert_false(c->mem_events);
	p = eal_dma_zalloc("unmapped-yet", MiB, 0, EAL_SOCKET_ID_ANY, NULL);
	assert_non_null(p);
	assert_int_equal(fake.nb_map_calls, 0);
	assert_int_equal(vfio_container_attach(c, "0000:00:01.0", &d), 0);
	assert_true(c->mem_events);
	assert_true(check_all_segments_mapped(c) > 0);
	vfio_container_destroy(c);
	assert_int_equal(fake.nb_maps, 0);
	eal_dma_free(p);
}

static void test_segments_follow_allocations(void **state)
{
	struct vfio_container *c;
	struct eal_memseg seg;
	uint64_t iova = 0;
	void *big;

	(void)state;
	fake_reset();
	fake.ready_at_open = true;
	c = vfio_container_create_with_ops(&fake_ops, EAL_VFIO_TYPE1, NULL);
	assert_non_null(c);
	big = eal_dma_zalloc("big", BIG_ALLOC, 0, EAL_SOCKET_ID_ANY, &iova);
	assert_non_null(big);
	seg = seg_of(big);
	/* Mapped before the allocation returned. */
	assert_int_equal(fake_covered(seg.iova, seg.len), seg.len);
	assert_int_equal(fake_covered(iova, BIG_ALLOC), BIG_ALLOC);
	assert_true(check_all_segments_mapped(c) > 0);
	/* Its area goes back to the system: unmapped, the others stay. */
	eal_dma_free(big);
	assert_null(eal_memseg_find(big));
	assert_int_equal(fake_covered(seg.iova, seg.len), 0);
	check_all_segments_mapped(c);
	vfio_container_destroy(c);
}

/* Areas mmap()ed one after the other usually sit next to each other (the
 * kernel places mappings top-down): whatever the layout, the container
 * must have exactly one mapping per run of contiguous segments, before and
 * after the middle one goes. */
static void test_real_segments_merge_and_split(void **state)
{
	struct vfio_container *c;
	void *p[3];
	unsigned i, segs;

	(void)state;
	fake_reset();
	fake.ready_at_open = true;
	c = vfio_container_create_with_ops(&fake_ops, EAL_VFIO_TYPE1, NULL);
	assert_non_null(c);
	for (i = 0; i < 3; i++) {
		p[i] = eal_dma_zalloc("merge", BIG_ALLOC, 0, EAL_SOCKET_ID_ANY, NULL);
		assert_non_null(p[i]);
	}
	segs = check_all_segments_mapped(c);
	assert_true(segs >= 3);
	print_message("%u segments in %u mapping(s)\n", segs,
		      vfio_container_mapping_count(c));
	eal_dma_free(p[1]);
	check_all_segments_mapped(c);
	eal_dma_free(p[0]);
	eal_dma_free(p[2]);
	check_all_segments_mapped(c);
	vfio_container_destroy(c);
	assert_int_equal(fake.nb_maps, 0);
}

static void test_refusal_fails_allocation(void **state)
{
	struct vfio_container *c;
	struct eal_dma_stats before, after;
	unsigned maps;
	void *big;
	char *log;

	(void)state;
	fake_reset();
	fake.ready_at_open = true;
	c = vfio_container_create_with_ops(&fake_ops, EAL_VFIO_TYPE1, NULL);
	assert_non_null(c);
	maps = fake.nb_maps;
	eal_dma_stats_get(&before);
	fake.fail_map_countdown = 1;
	fake.fail_map_error = -ENOSPC;
	log_capture_start();
	big = eal_dma_zalloc("refused", BIG_ALLOC, 0, EAL_SOCKET_ID_ANY, NULL);
	log = log_capture_end();
	assert_null(big);
	assert_non_null(strstr(log, "refused segment"));
	free(log);
	eal_dma_stats_get(&after);
	assert_int_equal(after.nb_segs, before.nb_segs);
	assert_int_equal(fake.nb_maps, maps);
	check_all_segments_mapped(c);
	vfio_container_destroy(c);
}

static void test_destroy_unsubscribes(void **state)
{
	struct vfio_container *c;
	unsigned calls;
	void *big;

	(void)state;
	fake_reset();
	fake.ready_at_open = true;
	c = vfio_container_create_with_ops(&fake_ops, EAL_VFIO_TYPE1, NULL);
	assert_non_null(c);
	vfio_container_destroy(c);
	assert_int_equal(fake.nb_maps, 0);
	assert_true(fake.released);
	calls = fake.nb_map_calls;
	big = eal_dma_zalloc("after-destroy", BIG_ALLOC, 0, EAL_SOCKET_ID_ANY, NULL);
	assert_non_null(big);
	assert_int_equal(fake.nb_map_calls, calls);
	eal_dma_free(big);
}

static int first_cpu(void)
{
	cpu_set_t set;
	int cpu;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
			if (CPU_ISSET(cpu, &set))
				return cpu;
	return 0;
}

static int group_setup(void **state)
{
	char cpu[16], prefix[64];
	char *argv[] = {
		(char *)(uintptr_t)"test_vfio_container_eal",
		(char *)(uintptr_t)"-l", cpu,
		(char *)(uintptr_t)"--no-huge",
		(char *)(uintptr_t)"--file-prefix", prefix,
		(char *)(uintptr_t)"--log-level", (char *)(uintptr_t)"warning",
		NULL,
	};
	int ret;

	(void)state;
	snprintf(cpu, sizeof(cpu), "%d", first_cpu());
	snprintf(prefix, sizeof(prefix), "uvc%d_", (int)getpid());
	ret = eal_init((int)EAL_DIM(argv) - 1, argv);
	if (ret < 0) {
		fprintf(stderr, "eal_init failed: %d\n", ret);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	eal_cleanup();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_at_create),
		cmocka_unit_test(test_replay_at_first_attach),
		cmocka_unit_test(test_segments_follow_allocations),
		cmocka_unit_test(test_real_segments_merge_and_split),
		cmocka_unit_test(test_refusal_fails_allocation),
		cmocka_unit_test(test_destroy_unsubscribes),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
