/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The container's common layer against the fake backend, fed crafted memory
 * segments through its memory event callback: merging of contiguous
 * segments, splitting on free, IOVA hole refusal, rollback when a backend
 * fails, destroy, attach, the dirty tracking checks.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fake_backend.h"

#define KiB ((uint64_t)1 << 10)
#define MiB ((uint64_t)1 << 20)
/* Crafted segments live at made-up addresses: nothing dereferences them. */
#define VA_BASE ((uintptr_t)0x7f0000000000ull)

static struct vfio_container *cont;

static struct eal_memseg seg_make(unsigned id, uint64_t iova, uintptr_t va,
				  uint64_t len, int fd, off_t off)
{
	struct eal_memseg s = {
		.addr = (void *)va,
		.iova = iova,
		.len = len,
		.page_size = 4096,
		.fd = fd,
		.fd_offset = off,
		.socket_id = 0,
		.id = id,
	};
	return s;
}

/* IOVA = VA segment @id of @len at @off bytes from the base. */
static struct eal_memseg seg_va(unsigned id, uint64_t off, uint64_t len)
{
	return seg_make(id, VA_BASE + off, VA_BASE + off, len, 10, (off_t)off);
}

static int alloc_ev(const struct eal_memseg *s)
{
	return vfio_container_mem_event(EAL_MEM_EVENT_ALLOC, s, cont);
}

static int free_ev(const struct eal_memseg *s)
{
	return vfio_container_mem_event(EAL_MEM_EVENT_FREE, s, cont);
}

/* A container whose address space exists but that does not follow the
 * EAL (the tests play the EAL's part). */
static struct vfio_container *open_fake(const struct vfio_container_ops *ops)
{
	struct vfio_container *c;

	fake.ready_at_open = false;
	c = vfio_container_create_with_ops(ops, EAL_VFIO_TYPE1, NULL);
	assert_non_null(c);
	assert_false(c->mem_events);
	c->address_space_ready = true;
	return c;
}

static int setup(void **state)
{
	(void)state;
	fake_reset();
	cont = open_fake(&fake_ops);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	vfio_container_destroy(cont);
	cont = NULL;
	assert_true(fake.released);
	assert_int_equal(fake.nb_maps, 0);
	return 0;
}

/* The table and the backend agree, mapping by mapping. */
static void check_table_matches_backend(void)
{
	unsigned i, n = vfio_container_mapping_count(cont);

	assert_int_equal(n, fake.nb_maps);
	for (i = 0; i < n; i++) {
		const struct vfio_dma_mapping *m = vfio_container_mapping(cont, i);

		assert_non_null(m);
		assert_true(fake_find(m->iova, m->len) >= 0);
		if (i > 0) {
			const struct vfio_dma_mapping *p = vfio_container_mapping(cont, i - 1);

			assert_true(p->iova + p->len <= m->iova);
		}
	}
}

static void test_single_segment(void **state)
{
	struct eal_memseg a = seg_va(1, 0, 64 * KiB);

	(void)state;
	assert_int_equal(alloc_ev(&a), 0);
	assert_int_equal(fake.nb_maps, 1);
	assert_int_equal(fake.maps[0].iova, a.iova);
	assert_int_equal(fake.maps[0].vaddr, (uintptr_t)a.addr);
	assert_int_equal(fake.maps[0].len, a.len);
	check_table_matches_backend();
	assert_int_equal(free_ev(&a), 0);
	assert_int_equal(fake.nb_maps, 0);
	assert_int_equal(vfio_container_mapping_count(cont), 0);
}

static void test_merge_two(void **state)
{
	struct eal_memseg a = seg_va(1, 0, 64 * KiB);
	struct eal_memseg b = seg_va(2, 64 * KiB, 128 * KiB);

	(void)state;
	assert_int_equal(alloc_ev(&a), 0);
	assert_int_equal(alloc_ev(&b), 0);
	assert_int_equal(fake.nb_maps, 1);
	assert_true(fake_find(a.iova, 192 * KiB) >= 0);
	check_table_matches_backend();
	/* A segment just below a mapping merges too. */
	{
		struct eal_memseg z = seg_make(3, VA_BASE - 32 * KiB,
					       VA_BASE - 32 * KiB, 32 * KiB, 10, 0);

		assert_int_equal(alloc_ev(&z), 0);
		assert_int_equal(fake.nb_maps, 1);
		assert_true(fake_find(z.iova, 224 * KiB) >= 0);
	}
}

static void test_merge_fills_gap(void **state)
{
	struct eal_memseg a = seg_va(1, 0, 64 * KiB);
	struct eal_memseg b = seg_va(2, 64 * KiB, 64 * KiB);
	struct eal_memseg c = seg_va(3, 128 * KiB, 64 * KiB);

	(void)state;
	assert_int_equal(alloc_ev(&a), 0);
	assert_int_equal(alloc_ev(&c), 0);
	assert_int_equal(fake.nb_maps, 2);
	assert_int_equal(alloc_ev(&b), 0);
	assert_int_equal(fake.nb_maps, 1);
	assert_true(fake_find(a.iova, 192 * KiB) >= 0);
	check_table_matches_backend();
}

static void test_no_merge_when_va_jumps(void **state)
{
	struct eal_memseg a = seg_va(1, 0, 64 * KiB);
	/* IOVA continues, VA does not (PA mode pages look like this). */
	struct eal_memseg b = seg_make(2, a.iova + a.len, VA_BASE + 1 * MiB,
				       64 * KiB, 10, 0);

	(void)state;
	assert_int_equal(alloc_ev(&a), 0);
	assert_int_equal(alloc_ev(&b), 0);
	assert_int_equal(fake.nb_maps, 2);
	check_table_matches_backend();
}

static void test_fd_backend_needs_fd_contiguity(void **state)
{
	/* Same VA/IOVA layout: merged only where fd and offset continue. */
	struct eal_memseg a = seg_make(1, VA_BASE, VA_BASE, 64 * KiB, 10, 0);
	struct eal_memseg b = seg_make(2, VA_BASE + 64 * KiB, VA_BASE + 64 * KiB,
				       64 * KiB, 11, 64 * KiB);
	struct eal_memseg c = seg_make(3, VA_BASE + 128 * KiB, VA_BASE + 128 * KiB,
				       64 * KiB, 11, 128 * KiB);
	struct eal_memseg d = seg_make(4, VA_BASE + 192 * KiB, VA_BASE + 192 * KiB,
				       64 * KiB, 11, 0);

	(void)state;
	vfio_container_destroy(cont);
	fake_reset();
	cont = open_fake(&fake_fd_ops);
	assert_int_equal(alloc_ev(&a), 0);
	assert_int_equal(alloc_ev(&b), 0);
	assert_int_equal(fake.nb_maps, 2); /* another fd */
	assert_int_equal(alloc_ev(&c), 0);
	assert_int_equal(fake.nb_maps, 2); /* b+c: same fd, offset continues */
	assert_true(fake_find(b.iova, 128 * KiB) >= 0);
	assert_int_equal(alloc_ev(&d), 0);
	assert_int_equal(fake.nb_maps, 3); /* same fd, offset jumps back */
	assert_int_equal(fake.maps[fake_find(b.iova, 128 * KiB)].fd, 11);
	assert_int_equal(fake.maps[fake_find(b.iova, 128 * KiB)].fd_offset, 64 * KiB);
	check_table_matches_backend();
}

static void test_split_middle(void **state)
{
	struct eal_memseg a = seg_va(1, 0, 64 * KiB);
	struct eal_memseg b = seg_va(2, 64 * KiB, 64 * KiB);
	struct eal_memseg c = seg_va(3, 128 * KiB, 64 * KiB);
	int i;

	(void)state;
	assert_int_equal(alloc_ev(&a), 0);
	assert_int_equal(alloc_ev(&b), 0);
	assert_int_equal(alloc_ev(&c), 0);
	assert_int_equal(fake.nb_maps, 1);
	assert_int_equal(free_ev(&b), 0);
	/* Unmapped whole, the two ends mapped back on their own. */
	assert_int_equal(fake.nb_maps, 2);
	assert_true(fake_find(a.iova, a.len) >= 0);
	i = fake_find(c.iova, c.len);
	assert_true(i >= 0);
	assert_int_equal(fake.maps[i].vaddr, (uintptr_t)c.addr);
	assert_int_equal(fake.maps[i].fd_offset, c.fd_offset);
	assert_int_equal(fake_covered(b.iova, b.len), 0);
	check_table_matches_backend();
	assert_int_equal(free_ev(&a), 0);
	assert_int_equal(free_ev(&c), 0);
	assert_int_equal(fake.nb_maps, 0);
}

static void test_split_edges(void **state)
{
	struct eal_memseg a = seg_va(1, 0, 64 * KiB);
	struct eal_memseg b = seg_va(2, 64 * KiB, 64 * KiB);
	struct eal_memseg c = seg_va(3, 128 * KiB, 64 * KiB);

	(void)state;
	assert_int_equal(alloc_ev(&a), 0);
	assert_int_equal(alloc_ev(&b), 0);
	assert_int_equal(alloc_ev(&c), 0);
	assert_int_equal(free_ev(&a), 0);
	assert_int_equal(fake.nb_maps, 1);
	assert_true(fake_find(b.iova, 128 * KiB) >= 0); /* b+c stay merged */
	assert_int_equal(free_ev(&c), 0);
	assert_int_equal(fake.nb_maps, 1);
	assert_true(fake_find(b.iova, b.len) >= 0);
	check_table_matches_backend();
}

static void test_iova_hole_refused(void **state)
{
	/* The layout type1 reports on x86: the MSI window is cut out. */
	struct eal_memseg in_hole = seg_make(7, 0xfee00000ull, 0x10000000ull,
					     64 * KiB, 10, 0);
	struct eal_memseg across = seg_make(8, 0xfed00000ull, 0x10000000ull,
					    2 * MiB, 10, 0);
	struct eal_memseg va_hole = seg_make(9, 0xfee10000ull, 0xfee10000ull,
					     64 * KiB, 10, 0);
	struct eal_memseg ok = seg_make(10, 0xfef00000ull, 0x10000000ull,
					64 * KiB, 10, 0);
	char *log;

	(void)state;
	vfio_container_destroy(cont);
	fake_reset();
	fake.info.nb_iova_ranges = 2;
	fake.info.iova_ranges[0].start = 0;
	fake.info.iova_ranges[0].end = 0xfedfffffull;
	fake.info.iova_ranges[1].start = 0xfef00000ull;
	fake.info.iova_ranges[1].end = (1ull << 48) - 1;
	cont = open_fake(&fake_ops);

	log_capture_start();
	assert_int_equal(alloc_ev(&in_hole), -ERANGE);
	log = log_capture_end();
	assert_non_null(strstr(log, "0xfee00000-0xfee0ffff"));
	assert_non_null(strstr(log, "reserved IOVA range 0xfee00000-0xfeefffff"));
	assert_non_null(strstr(log, "usable: 0x0-0xfedfffff, 0xfef00000-0xffffffffffff"));
	free(log);

	log_capture_start();
	assert_int_equal(alloc_ev(&across), -ERANGE);
	log = log_capture_end();
	assert_non_null(strstr(log, "reserved IOVA range 0xfee00000-0xfeefffff"));
	free(log);

	/* IOVA = VA memory landing in the hole: the message says so. */
	log_capture_start();
	assert_int_equal(alloc_ev(&va_hole), -ERANGE);
	log = log_capture_end();
	assert_non_null(strstr(log, "IOVA as VA"));
	assert_non_null(strstr(log, "--iova-mode=pa"));
	free(log);

	assert_int_equal(fake.nb_map_calls, 0); /* refused before the backend */
	assert_int_equal(alloc_ev(&ok), 0);
	assert_int_equal(fake.nb_maps, 1);

	/* Beyond the last range (above the 48-bit space). */
	{
		struct eal_memseg high = seg_make(11, 1ull << 48, 0x10000000ull,
						  64 * KiB, 10, 0);

		log_capture_start();
		assert_int_equal(alloc_ev(&high), -ERANGE);
		log = log_capture_end();
		assert_non_null(strstr(log, "reserved IOVA range 0x1000000000000-"
					    "0xffffffffffffffff"));
		free(log);
	}
}

static void test_no_merge_across_ranges(void **state)
{
	/* Two usable ranges that touch: each segment fits one, the union
	 * would span both, which no single kernel mapping may. */
	struct eal_memseg a = seg_make(1, 0x1f0000, 0x1f0000, 64 * KiB, 10, 0);
	struct eal_memseg b = seg_make(2, 0x200000, 0x200000, 64 * KiB, 10, 64 * KiB);

	(void)state;
	vfio_container_destroy(cont);
	fake_reset();
	fake.info.nb_iova_ranges = 2;
	fake.info.iova_ranges[0].start = 0;
	fake.info.iova_ranges[0].end = 0x1fffff;
	fake.info.iova_ranges[1].start = 0x200000;
	fake.info.iova_ranges[1].end = 0xffffffff;
	cont = open_fake(&fake_ops);
	assert_int_equal(alloc_ev(&a), 0);
	assert_int_equal(alloc_ev(&b), 0);
	assert_int_equal(fake.nb_maps, 2);
	check_table_matches_backend();
}

static void test_failed_merge_restores_neighbours(void **state)
{
	struct eal_memseg a = seg_va(1, 0, 64 * KiB);
	struct eal_memseg b = seg_va(2, 64 * KiB, 64 * KiB);
	struct eal_memseg c = seg_va(3, 128 * KiB, 64 * KiB);

	(void)state;
	assert_int_equal(alloc_ev(&a), 0);
	assert_int_equal(alloc_ev(&c), 0);
	fake.fail_map_countdown = 1; /* the merged map fails */
	fake.fail_map_error = -ENOSPC;
	assert_int_equal(alloc_ev(&b), -ENOSPC);
	assert_int_equal(fake.nb_maps, 2);
	assert_true(fake_find(a.iova, a.len) >= 0);
	assert_true(fake_find(c.iova, c.len) >= 0);
	assert_int_equal(fake_covered(b.iova, b.len), 0);
	check_table_matches_backend();
	/* And the segment can come later. */
	assert_int_equal(alloc_ev(&b), 0);
	assert_int_equal(fake.nb_maps, 1);
}

static void test_bad_segments(void **state)
{
	struct eal_memseg a = seg_va(1, 0, 64 * KiB);
	struct eal_memseg overlap = seg_va(2, 32 * KiB, 64 * KiB);
	struct eal_memseg unaligned = seg_va(3, 1 * MiB + 512, 64 * KiB);
	struct eal_memseg empty = seg_va(4, 2 * MiB, 0);
	struct eal_memseg unknown = seg_va(5, 4 * MiB, 64 * KiB);

	(void)state;
	assert_int_equal(alloc_ev(&a), 0);
	assert_int_equal(alloc_ev(&a), -EEXIST);
	assert_int_equal(alloc_ev(&overlap), -EEXIST);
	assert_int_equal(alloc_ev(&unaligned), -EINVAL);
	assert_int_equal(alloc_ev(&empty), -EINVAL);
	assert_int_equal(free_ev(&unknown), -ENOENT);
	assert_int_equal(fake.nb_maps, 1);
	assert_int_equal(vfio_container_mem_event(EAL_MEM_EVENT_ALLOC, NULL, cont),
			 -EINVAL);
	check_table_matches_backend();
}

static void test_many_segments(void **state)
{
	/* Every other 64 KiB page first, then the gaps: 64 mappings collapse
	 * into one; then every fourth freed splits it again. */
	struct eal_memseg s[128];
	unsigned i;

	(void)state;
	for (i = 0; i < 128; i++)
		s[i] = seg_va(i, (uint64_t)i * 64 * KiB, 64 * KiB);
	for (i = 0; i < 128; i += 2)
		assert_int_equal(alloc_ev(&s[i]), 0);
	assert_int_equal(fake.nb_maps, 64);
	for (i = 1; i < 128; i += 2)
		assert_int_equal(alloc_ev(&s[i]), 0);
	assert_int_equal(fake.nb_maps, 1);
	for (i = 3; i < 128; i += 4)
		assert_int_equal(free_ev(&s[i]), 0);
	assert_int_equal(fake.nb_maps, 32);
	assert_int_equal(fake_covered(VA_BASE, 128 * 64 * KiB), 96 * 64 * KiB);
	check_table_matches_backend();
}

static void test_destroy_unmaps_all(void **state)
{
	struct eal_memseg a = seg_va(1, 0, 64 * KiB);
	struct eal_memseg b = seg_va(2, 1 * MiB, 64 * KiB);

	(void)state;
	assert_int_equal(alloc_ev(&a), 0);
	assert_int_equal(alloc_ev(&b), 0);
	assert_int_equal(fake.nb_maps, 2);
	/* teardown checks that destroy leaves the backend empty */
}

static void test_attach_detach(void **state)
{
	struct vfio_device *d1 = NULL, *d2 = NULL, *bad = NULL;

	(void)state;
	assert_int_equal(vfio_container_attach(cont, "0000:00:01.0", &d1), 0);
	assert_int_equal(vfio_container_attach(cont, "0000:00:02.0", &d2), 0);
	assert_int_equal(vfio_container_attach(cont, "bad", &bad), -ENODEV);
	/* The same device twice, in another spelling of its address. */
	assert_int_equal(vfio_container_attach(cont, "00:01.0", &bad), -EEXIST);
	assert_int_equal(fake.nb_attach, 2);
	assert_null(bad);
	assert_ptr_equal(d1->container, cont);
	assert_ptr_equal(cont->devices, d2);
	assert_ptr_equal(d2->next, d1);
	/* The address space was made by open_fake(), not the attach: the
	 * container subscribes to memory events now. */
	assert_true(cont->mem_events);
	vfio_container_detach(cont, d2);
	assert_ptr_equal(cont->devices, d1);
	assert_int_equal(fake.nb_detach, 1);
	assert_int_equal(vfio_container_attach(cont, "0000:00:01.0", NULL), -EINVAL);
	/* d1 is detached by destroy */
}

static void test_attach_makes_address_space(void **state)
{
	struct vfio_device *d = NULL;

	(void)state;
	vfio_container_destroy(cont);
	fake_reset();
	fake.ready_at_open = false;
	cont = vfio_container_create_with_ops(&fake_ops, EAL_VFIO_TYPE1, NULL);
	assert_non_null(cont);
	assert_false(cont->address_space_ready);
	assert_false(cont->mem_events);
	assert_int_equal(vfio_container_attach(cont, "0000:00:01.0", &d), 0);
	assert_true(cont->address_space_ready);
	assert_true(cont->mem_events);
}

static void test_open_failure(void **state)
{
	struct vfio_container *c;
	struct vfio_container_ops incomplete = fake_ops;

	(void)state;
	fake.fail_open = -ENODEV;
	errno = 0;
	c = vfio_container_create_with_ops(&fake_ops, EAL_VFIO_TYPE1, NULL);
	assert_null(c);
	assert_int_equal(errno, ENODEV);
	fake.fail_open = 0;
	incomplete.dma_map = NULL;
	c = vfio_container_create_with_ops(&incomplete, EAL_VFIO_TYPE1, NULL);
	assert_null(c);
	assert_int_equal(errno, EINVAL);
	assert_null(vfio_container_create_with_ops(NULL, EAL_VFIO_TYPE1, NULL));
	vfio_container_destroy(NULL);
}

static void test_dirty_tracking_dispatch(void **state)
{
	struct eal_memseg a = seg_va(1, 0, 64 * KiB);
	uint64_t bitmap[2] = { 0, 0 };

	(void)state;
	assert_int_equal(alloc_ev(&a), 0);
	/* The fake says it cannot: nothing reaches it. */
	assert_int_equal(vfio_container_dirty_tracking_start(cont), -ENOTSUP);
	assert_false(fake.dirty_on);
	cont->info.dirty_tracking = true;
	cont->info.dirty_pgsize_bitmap = 4096;
	cont->info.dirty_max_bitmap_bytes = 8;
	assert_int_equal(vfio_container_dirty_bitmap_query(cont, a.iova, a.len, 4096,
							    bitmap), -EALREADY);
	assert_int_equal(vfio_container_dirty_tracking_stop(cont), -EALREADY);
	assert_int_equal(vfio_container_dirty_tracking_start(cont), 0);
	assert_true(fake.dirty_on);
	assert_true(cont->dirty_tracking_on);
	assert_int_equal(vfio_container_dirty_tracking_start(cont), -EALREADY);
	/* Page size the backend does not report in, misaligned range, a
	 * bitmap larger than allowed (65 pages need 16 bytes > 8). */
	assert_int_equal(vfio_container_dirty_bitmap_query(cont, a.iova, a.len,
							    2 * MiB, bitmap), -EINVAL);
	assert_int_equal(vfio_container_dirty_bitmap_query(cont, a.iova + 1, a.len,
							    4096, bitmap), -EINVAL);
	assert_int_equal(vfio_container_dirty_bitmap_query(cont, a.iova, 65 * 4096,
							    4096, bitmap), -EINVAL);
	assert_int_equal(vfio_container_dirty_bitmap_query(cont, a.iova, a.len, 4096,
							    NULL), -EINVAL);
	assert_int_equal(fake.nb_dirty_queries, 0);
	assert_int_equal(vfio_container_dirty_bitmap_query(cont, a.iova, a.len, 4096,
							    bitmap), 0);
	assert_int_equal(fake.nb_dirty_queries, 1);
	assert_int_equal(bitmap[0], 0xffff); /* 16 pages of 4 KiB */
	assert_int_equal(vfio_container_dirty_tracking_stop(cont), 0);
	assert_false(fake.dirty_on);
}

static void test_iova_range_helpers(void **state)
{
	struct vfio_container_info info;

	(void)state;
	memset(&info, 0, sizeof(info));
	/* No ranges: everything but empty or wrapping ranges. */
	assert_int_equal(vfio_iova_range_find(&info, 0, 4096), 0);
	assert_int_equal(vfio_iova_range_find(&info, UINT64_MAX - 4095, 4096), 0);
	assert_int_equal(vfio_iova_range_find(&info, UINT64_MAX - 4095, 8192), -1);
	assert_int_equal(vfio_iova_range_find(&info, 0, 0), -1);
	info.nb_iova_ranges = 2;
	info.iova_ranges[0].start = 0x1000;
	info.iova_ranges[0].end = 0x1fff;
	info.iova_ranges[1].start = 0x4000;
	info.iova_ranges[1].end = UINT64_MAX;
	assert_int_equal(vfio_iova_range_find(&info, 0x1000, 0x1000), 0);
	assert_int_equal(vfio_iova_range_find(&info, 0x1000, 0x1001), -1);
	assert_int_equal(vfio_iova_range_find(&info, 0, 0x1000), -1);
	assert_int_equal(vfio_iova_range_find(&info, 0x5000, 0x1000), 1);
	assert_int_equal(vfio_iova_check(&info, 0x2000, 0x1000, NULL), -ERANGE);
	assert_int_equal(vfio_iova_check(&info, 0x4000, 0x1000, NULL), 0);
	assert_int_equal(vfio_iova_check(&info, 0x4000, 0, NULL), -EINVAL);
	assert_int_equal(vfio_min_pgsize(&info), 4096);
	info.pgsize_bitmap = 0x40201000ull & ~0x1000ull;
	assert_int_equal(vfio_min_pgsize(&info), 0x200000);
}

#define CASE(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(test_single_segment),
		CASE(test_merge_two),
		CASE(test_merge_fills_gap),
		CASE(test_no_merge_when_va_jumps),
		CASE(test_fd_backend_needs_fd_contiguity),
		CASE(test_split_middle),
		CASE(test_split_edges),
		CASE(test_iova_hole_refused),
		CASE(test_no_merge_across_ranges),
		CASE(test_failed_merge_restores_neighbours),
		CASE(test_bad_segments),
		CASE(test_many_segments),
		CASE(test_destroy_unmaps_all),
		CASE(test_attach_detach),
		CASE(test_attach_makes_address_space),
		CASE(test_open_failure),
		CASE(test_dirty_tracking_dispatch),
		CASE(test_iova_range_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
