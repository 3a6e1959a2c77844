/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The device API over a fake VFIO device (its ops serve a byte array as
 * config space and memfds as BARs): config access, capability walks,
 * BAR discovery and mapping (sparse areas, fallback to region ops),
 * MSI-X parsing and eventfd routing, bus mastering, reset, dump.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/vfio.h>
#include <cmocka.h>

#include "pci_fakes.h"

struct fixture {
	struct fake_device fake;
	struct pci_device dev;
};

/* A virtio-net-like device: PM, MSI-X, four vendor caps, PCIe; extended
 * AER, serial number and a vendor one. BAR0 mem32 mappable, BAR1 I/O,
 * BAR2 (+3) mem64 with a hole, BAR4 mem32 not mappable. */
static int setup(void **state)
{
	static const struct vfio_mmap_area bar2_areas[] = {
		{ .offset = 0, .size = 0x1000 },
		{ .offset = 0x2000, .size = 0x2000 },
	};
	struct fixture *fx = calloc(1, sizeof(*fx));
	uint8_t vendor_body[14] = { 16 };
	uint8_t pm_body[6] = { 0x03 };
	uint8_t exp_body[58] = { 0x02 };

	if (fx == NULL)
		return -1;
	fake_device_init(&fx->fake, "0000:02:00.0", 0x1af4, 0x1041, 4096);
	fake_add_cap(&fx->fake, 0x40, PCI_CAP_ID_PM, pm_body, sizeof(pm_body));
	fake_add_msix(&fx->fake, 0x48, 3, 2, 0x0000, 2, 0x0800);
	for (uint8_t at = 0x54; at <= 0x84; at += 0x10) {
		vendor_body[1] = (uint8_t)(at - 0x50); /* cfg_type-like byte */
		fake_add_cap(&fx->fake, at, PCI_CAP_ID_VNDR, vendor_body, sizeof(vendor_body));
	}
	fake_add_cap(&fx->fake, 0x94, PCI_CAP_ID_EXP, exp_body, sizeof(exp_body));
	fake_add_ext_cap(&fx->fake, 0x100, PCI_EXT_CAP_ID_ERR);
	fake_add_ext_cap(&fx->fake, 0x148, PCI_EXT_CAP_ID_DSN);
	fake_add_ext_cap(&fx->fake, 0x158, PCI_EXT_CAP_ID_VNDR);

	fake_set_bar(&fx->fake, 0, 0x4000, false, true, NULL, 0);
	fake_set_io_bar(&fx->fake, 1, 0x20);
	fake_set_bar(&fx->fake, 2, 0x4000, true, true, bar2_areas, EAL_DIM(bar2_areas));
	fake_set_bar(&fx->fake, 4, 0x1000, false, false, NULL, 0);

	fx->dev.numa_node = -1;
	fx->dev.iommu_group = -1;
	snprintf(fx->dev.name, sizeof(fx->dev.name), "0000:02:00.0");
	if (pci_device_bind_vfio(&fx->dev, &fx->fake.vdev) != 0 ||
	    pci_device_read_ids(&fx->dev) != 0)
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	pci_device_unbind_vfio(&fx->dev);
	fake_device_fini(&fx->fake);
	free(fx);
	return 0;
}

static void test_config_access(void **state)
{
	struct fixture *fx = *state;
	uint8_t b;
	uint16_t w;
	uint32_t d;
	uint8_t buf[4];

	assert_int_equal(fx->dev.config_size, 4096);
	assert_int_equal(pci_config_read16(&fx->dev, PCI_VENDOR_ID, &w), 0);
	assert_int_equal(w, 0x1af4);
	assert_int_equal(pci_config_read16(&fx->dev, PCI_DEVICE_ID, &w), 0);
	assert_int_equal(w, 0x1041);
	assert_int_equal(pci_config_read32(&fx->dev, PCI_VENDOR_ID, &d), 0);
	assert_int_equal(d, 0x10411af4);
	assert_int_equal(pci_config_read8(&fx->dev, PCI_REVISION_ID, &b), 0);
	assert_int_equal(b, 3);

	/* Writes land little-endian in the device's config space. */
	assert_int_equal(pci_config_write32(&fx->dev, 0xf0, 0x11223344), 0);
	assert_int_equal(fx->fake.config[0xf0], 0x44);
	assert_int_equal(fx->fake.config[0xf3], 0x11);
	assert_int_equal(pci_config_write16(&fx->dev, 0xf4, 0xabcd), 0);
	assert_int_equal(pci_config_read16(&fx->dev, 0xf4, &w), 0);
	assert_int_equal(w, 0xabcd);
	assert_int_equal(pci_config_write8(&fx->dev, 0xf6, 0x5a), 0);
	assert_int_equal(fx->fake.config[0xf6], 0x5a);

	/* The last bytes are reachable, one more is not. */
	assert_int_equal(pci_config_read(&fx->dev, buf, 4, 4092), 0);
	log_capture_begin();
	assert_int_equal(pci_config_read(&fx->dev, buf, 4, 4093), -EINVAL);
	assert_int_equal(pci_config_write(&fx->dev, buf, 2, UINT64_MAX), -EINVAL);
	const char *log = log_capture_end();
	assert_non_null(strstr(log, "beyond its 4096-byte config space"));
	assert_int_equal(pci_config_read(NULL, buf, 1, 0), -EINVAL);
	assert_int_equal(pci_config_read16(&fx->dev, 0, NULL), -EINVAL);
}

static void test_config_needs_attached_device(void **state)
{
	struct pci_device d;
	uint16_t w;
	const char *log;

	(void)state;
	memset(&d, 0, sizeof(d));
	snprintf(d.name, sizeof(d.name), "0000:09:00.0");
	log_capture_begin();
	assert_int_equal(pci_config_read16(&d, 0, &w), -ENODEV);
	assert_int_equal(pci_cap_find(&d, PCI_CAP_ID_MSIX), -ENODEV);
	assert_int_equal(pci_device_reset(&d), -ENODEV);
	assert_int_equal(pci_msix_enable(&d, 1, NULL), -ENODEV);
	errno = 0;
	assert_null(pci_bar_map(&d, 0));
	assert_int_equal(errno, ENODEV);
	log = log_capture_end();
	assert_non_null(strstr(log, "0000:09:00.0"));
	assert_non_null(strstr(log, "not attached"));
}

static void test_cap_walk(void **state)
{
	struct fixture *fx = *state;
	struct pci_cap caps[16];
	static const struct { uint16_t off, id; bool ext; } want[] = {
		{ 0x40, PCI_CAP_ID_PM, false }, { 0x48, PCI_CAP_ID_MSIX, false },
		{ 0x54, PCI_CAP_ID_VNDR, false }, { 0x64, PCI_CAP_ID_VNDR, false },
		{ 0x74, PCI_CAP_ID_VNDR, false }, { 0x84, PCI_CAP_ID_VNDR, false },
		{ 0x94, PCI_CAP_ID_EXP, false }, { 0x100, PCI_EXT_CAP_ID_ERR, true },
		{ 0x148, PCI_EXT_CAP_ID_DSN, true }, { 0x158, PCI_EXT_CAP_ID_VNDR, true },
	};
	int n, i;

	n = pci_cap_list(&fx->dev, caps, EAL_DIM(caps));
	assert_int_equal(n, EAL_DIM(want));
	for (i = 0; i < n; i++) {
		assert_int_equal(caps[i].offset, want[i].off);
		assert_int_equal(caps[i].id, want[i].id);
		assert_int_equal(caps[i].extended, want[i].ext);
		if (want[i].ext)
			assert_int_equal(caps[i].version, 1);
	}
	/* A short array still gets the total. */
	assert_int_equal(pci_cap_list(&fx->dev, caps, 2), EAL_DIM(want));
	assert_int_equal(pci_cap_list(&fx->dev, NULL, 0), EAL_DIM(want));
}

static void test_cap_find(void **state)
{
	struct fixture *fx = *state;
	uint16_t offs[8];
	int off;

	assert_int_equal(pci_cap_find(&fx->dev, PCI_CAP_ID_MSIX), 0x48);
	assert_int_equal(pci_cap_find(&fx->dev, PCI_CAP_ID_EXP), 0x94);
	assert_int_equal(pci_cap_find(&fx->dev, PCI_CAP_ID_MSI), -ENOENT);
	/* Every vendor capability, as virtio needs. */
	assert_int_equal(pci_cap_find_all(&fx->dev, PCI_CAP_ID_VNDR, offs, EAL_DIM(offs)), 4);
	assert_int_equal(offs[0], 0x54);
	assert_int_equal(offs[1], 0x64);
	assert_int_equal(offs[2], 0x74);
	assert_int_equal(offs[3], 0x84);
	assert_int_equal(pci_cap_find_all(&fx->dev, PCI_CAP_ID_VNDR, offs, 1), 4);
	/* The same one by one. */
	off = pci_cap_find(&fx->dev, PCI_CAP_ID_VNDR);
	assert_int_equal(off, 0x54);
	off = pci_cap_find_next(&fx->dev, PCI_CAP_ID_VNDR, off);
	assert_int_equal(off, 0x64);
	off = pci_cap_find_next(&fx->dev, PCI_CAP_ID_VNDR, 0x84);
	assert_int_equal(off, -ENOENT);
	/* Extended ones. */
	assert_int_equal(pci_ext_cap_find(&fx->dev, PCI_EXT_CAP_ID_DSN), 0x148);
	assert_int_equal(pci_ext_cap_find(&fx->dev, PCI_EXT_CAP_ID_VNDR), 0x158);
	assert_int_equal(pci_ext_cap_find(&fx->dev, PCI_EXT_CAP_ID_SRIOV), -ENOENT);
	/* The vendor id is not confused between the two lists. */
	assert_int_equal(pci_cap_find(&fx->dev, PCI_EXT_CAP_ID_DSN), -ENOENT);
	assert_string_equal(pci_cap_name(PCI_CAP_ID_MSIX, false), "MSI-X");
	assert_string_equal(pci_cap_name(PCI_CAP_ID_VNDR, false), "vendor");
	assert_string_equal(pci_cap_name(PCI_EXT_CAP_ID_ERR, true), "AER");
	assert_string_equal(pci_cap_name(0xee, false), "?");
}

static void test_cap_parse_malformed(void **state)
{
	uint8_t cfg[4096];
	struct pci_cap caps[8];
	const char *log;

	(void)state;
	memset(cfg, 0, sizeof(cfg));
	/* No capability list bit: no standard capabilities. */
	cfg[PCI_CAPABILITY_LIST] = 0x40;
	cfg[0x40] = PCI_CAP_ID_PM;
	assert_int_equal(pci_cap_parse(cfg, 256, "t", caps, 8), 0);

	cfg[PCI_STATUS] = PCI_STATUS_CAP_LIST;
	assert_int_equal(pci_cap_parse(cfg, 256, "t", caps, 8), 1);

	log_capture_begin();
	/* A loop. */
	cfg[0x41] = 0x50;
	cfg[0x50] = PCI_CAP_ID_MSI;
	cfg[0x51] = 0x40;
	assert_int_equal(pci_cap_parse(cfg, 256, "dev-a", caps, 8), -EIO);
	/* A pointer into the header. */
	cfg[0x51] = 0x20;
	assert_int_equal(pci_cap_parse(cfg, 256, "dev-b", caps, 8), -EIO);
	/* The low bits of a pointer are ignored (reserved). */
	cfg[0x51] = 0x63;
	cfg[0x60] = PCI_CAP_ID_VNDR;
	assert_int_equal(pci_cap_parse(cfg, 256, "t", caps, 8), 3);
	assert_int_equal(caps[2].offset, 0x60);
	/* An extended list that loops. */
	cfg[0x100] = PCI_EXT_CAP_ID_ERR;
	cfg[0x102] = 0x01;
	cfg[0x103] = 0x10; /* next 0x100: itself */
	assert_int_equal(pci_cap_parse(cfg, 4096, "dev-c", caps, 8), -EIO);
	/* One that points beyond config space. */
	cfg[0x103] = 0xff;
	cfg[0x102] = 0xf1; /* next 0xfff & ~3 = 0xffc: 4 bytes fit */
	assert_int_equal(pci_cap_parse(cfg, 4096, "t", caps, 8), 4);
	assert_int_equal(pci_cap_parse(cfg, 0x200, "dev-d", caps, 8), -EIO);
	log = log_capture_end();
	assert_non_null(strstr(log, "dev-a: malformed capability list: it loops back to 0x40"));
	assert_non_null(strstr(log, "dev-b: malformed capability list: pointer 0x20 points into the header"));
	assert_non_null(strstr(log, "dev-c: malformed extended capability list: it loops back to 0x100"));
	assert_non_null(strstr(log, "dev-d: malformed extended capability list"));

	/* 256 bytes of config space: the extended list is not looked at. */
	assert_int_equal(pci_cap_parse(cfg, 256, "t", caps, 8), 3);
	/* All ones at 0x100 (a conventional device behind a port): none. */
	memset(cfg + 0x100, 0xff, 4);
	assert_int_equal(pci_cap_parse(cfg, 4096, "t", caps, 8), 3);
	/* A device that reads all ones everywhere loops on 0xfc. */
	memset(cfg, 0xff, sizeof(cfg));
	log_capture_begin();
	assert_int_equal(pci_cap_parse(cfg, 256, "gone", caps, 8), -EIO);
	log_capture_end();
}

static void test_bars_discovered(void **state)
{
	struct fixture *fx = *state;
	const struct pci_bar *b = fx->dev.bars;

	assert_int_equal(b[0].size, 0x4000);
	assert_false(b[0].is_io);
	assert_false(b[0].is_64bit);
	assert_true(b[0].mmap_ok);
	assert_int_equal(b[1].size, 0x20);
	assert_true(b[1].is_io);
	assert_false(b[1].mmap_ok);
	assert_int_equal(b[2].size, 0x4000);
	assert_true(b[2].is_64bit);
	assert_int_equal(b[2].region.nb_areas, 2);
	/* The upper half of BAR2. */
	assert_int_equal(b[3].size, 0);
	assert_int_equal(b[4].size, 0x1000);
	assert_false(b[4].mmap_ok);
	assert_int_equal(b[5].size, 0);
}

static void test_bar_map_whole(void **state)
{
	struct fixture *fx = *state;
	volatile void *regs;
	uint32_t v = 0x12345678, got;

	fake_bar_poke(&fx->fake, 0, 0x8, &v, sizeof(v));
	regs = pci_bar_map(&fx->dev, 0);
	assert_non_null(regs);
	assert_true(fx->dev.bars[0].fully_mapped);
	/* Mapping twice gives the same mapping. */
	assert_ptr_equal(pci_bar_map(&fx->dev, 0), regs);
	assert_int_equal(fx->fake.mmaps, 1);

	assert_int_equal(pci_mmio_read32(regs, 0x8), 0x12345678);
	assert_int_equal(pci_bar_read32(&fx->dev, 0, 0x8), 0x12345678);
	assert_int_equal(pci_bar_read16(&fx->dev, 0, 0xa), 0x1234);
	assert_int_equal(pci_bar_read8(&fx->dev, 0, 0x8), 0x78);
	/* MMIO writes reach the device; no region op is used for them. */
	unsigned writes = fx->fake.region_writes;
	pci_bar_write32(&fx->dev, 0, 0x3ffc, 0xcafef00d);
	pci_bar_write16(&fx->dev, 0, 0x10, 0xbeef);
	pci_bar_write8(&fx->dev, 0, 0x12, 0x42);
	assert_int_equal(fx->fake.region_writes, writes);
	fake_bar_peek(&fx->fake, 0, 0x3ffc, &got, sizeof(got));
	assert_int_equal(got, 0xcafef00d);
	fake_bar_peek(&fx->fake, 0, 0x10, &got, sizeof(got));
	assert_int_equal(got, 0x0042beef);

	pci_bar_unmap(&fx->dev, 0);
	assert_null(fx->dev.bars[0].addr);
	assert_false(fx->dev.bars[0].fully_mapped);
	/* Unmapped: the accessors fall back to region ops. */
	unsigned reads = fx->fake.region_reads;
	assert_int_equal(pci_bar_read32(&fx->dev, 0, 0x8), 0x12345678);
	assert_int_equal(fx->fake.region_reads, reads + 1);
	pci_bar_unmap(&fx->dev, 0);
}

static void test_bar_map_sparse(void **state)
{
	struct fixture *fx = *state;
	volatile uint8_t *bar;
	uint32_t pattern[0x4000 / 4];
	unsigned i, reads;

	for (i = 0; i < EAL_DIM(pattern); i++)
		pattern[i] = 0xa0000000u | i;
	fake_bar_poke(&fx->fake, 2, 0, pattern, sizeof(pattern));
	bar = pci_bar_map(&fx->dev, 2);
	assert_non_null(bar);
	assert_false(fx->dev.bars[2].fully_mapped);
	assert_int_equal(fx->fake.mmaps, 2);
	/* Both areas sit at their BAR offsets from one base. */
	assert_int_equal(pci_mmio_read32(bar, 0x0), 0xa0000000u);
	assert_int_equal(pci_mmio_read32(bar, 0xffc), 0xa0000000u | 0x3ff);
	assert_int_equal(pci_mmio_read32(bar, 0x2000), 0xa0000000u | 0x800);
	assert_int_equal(pci_mmio_read32(bar, 0x3ffc), 0xa0000000u | 0xfff);

	/* The accessors: MMIO inside an area, region ops in the hole. */
	reads = fx->fake.region_reads;
	assert_int_equal(pci_bar_read32(&fx->dev, 2, 0x2004), 0xa0000000u | 0x801);
	assert_int_equal(fx->fake.region_reads, reads);
	assert_int_equal(pci_bar_read32(&fx->dev, 2, 0x1800), 0xa0000000u | 0x600);
	assert_int_equal(fx->fake.region_reads, reads + 1);
	pci_bar_write32(&fx->dev, 2, 0x1000, 0x600dcafe);
	pci_bar_write32(&fx->dev, 2, 0x3000, 0x0badf00d);
	assert_int_equal(pci_bar_read32(&fx->dev, 2, 0x1000), 0x600dcafe);
	assert_int_equal(pci_mmio_read32(bar, 0x3000), 0x0badf00d);
	pci_bar_unmap(&fx->dev, 2);
}

static void test_bar_map_refused(void **state)
{
	struct fixture *fx = *state;
	uint32_t v = 0xfeedface, got;
	const char *log;

	log_capture_begin();
	errno = 0;
	assert_null(pci_bar_map(&fx->dev, 1));
	assert_int_equal(errno, ENOTSUP);
	errno = 0;
	assert_null(pci_bar_map(&fx->dev, 4));
	assert_int_equal(errno, ENOTSUP);
	errno = 0;
	assert_null(pci_bar_map(&fx->dev, 5));
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_null(pci_bar_map(&fx->dev, 6));
	assert_int_equal(errno, EINVAL);
	log = log_capture_end();
	assert_non_null(strstr(log, "BAR5 is not implemented"));

	/* What cannot be mapped is still reachable. */
	fake_bar_poke(&fx->fake, 4, 0x100, &v, sizeof(v));
	assert_int_equal(pci_bar_read32(&fx->dev, 4, 0x100), 0xfeedface);
	pci_bar_write32(&fx->dev, 4, 0x104, 0x01020304);
	fake_bar_peek(&fx->fake, 4, 0x104, &got, sizeof(got));
	assert_int_equal(got, 0x01020304);
	pci_bar_write8(&fx->dev, 1, 0x3, 0x99);
	assert_int_equal(pci_bar_read8(&fx->dev, 1, 0x3), 0x99);
	assert_int_equal(pci_bar_read(&fx->dev, 4, 0x100, &got, 4), 0);
	assert_int_equal(got, 0xfeedface);

	/* Out of range: logged, reads as all ones, never touches memory. */
	log_capture_begin();
	assert_int_equal(pci_bar_read32(&fx->dev, 4, 0x1000), 0xffffffffu);
	assert_int_equal(pci_bar_read16(&fx->dev, 5, 0), 0xffff);
	assert_int_equal(pci_bar_read(&fx->dev, 4, 0xffe, &got, 4), -EINVAL);
	log = log_capture_end();
	assert_non_null(strstr(log, "beyond its 4096 bytes"));
}

static void test_msix_info(void **state)
{
	struct fixture *fx = *state;
	struct pci_msix_info mi;

	assert_int_equal(pci_msix_info_get(&fx->dev, &mi), 0);
	assert_int_equal(mi.cap_offset, 0x48);
	assert_int_equal(mi.table_size, 3);
	assert_int_equal(mi.table_bar, 2);
	assert_int_equal(mi.table_offset, 0);
	assert_int_equal(mi.pba_bar, 2);
	assert_int_equal(mi.pba_offset, 0x800);
	assert_false(mi.enabled);
	assert_false(mi.function_masked);
}

static void test_msix_parse(void **state)
{
	uint8_t cfg[256];
	uint64_t sizes[PCI_MAX_BARS] = { 0x20000, 0, 0, 0x4000, 0, 0 };
	struct pci_msix_info mi;
	const char *log;

	(void)state;
	memset(cfg, 0, sizeof(cfg));
	cfg[0xa0] = PCI_CAP_ID_MSIX;
	/* 5 vectors, enabled and masked; table BAR3+0x0, PBA BAR3+0x2000. */
	cfg[0xa2] = 4;
	cfg[0xa3] = 0xc0;
	cfg[0xa4] = 3;
	cfg[0xa8] = 3;
	cfg[0xa9] = 0x20;
	assert_int_equal(pci_msix_parse(cfg, sizeof(cfg), 0xa0, sizes, "t", &mi), 0);
	assert_int_equal(mi.table_size, 5);
	assert_true(mi.enabled);
	assert_true(mi.function_masked);
	assert_int_equal(mi.table_bar, 3);
	assert_int_equal(mi.pba_bar, 3);
	assert_int_equal(mi.pba_offset, 0x2000);
	/* 2048 vectors: the largest table. */
	cfg[0xa2] = 0xff;
	cfg[0xa3] = 0x07;
	assert_int_equal(pci_msix_parse(cfg, sizeof(cfg), 0xa0, sizes, "t", &mi), -EIO);
	sizes[3] = 0x10000;
	assert_int_equal(pci_msix_parse(cfg, sizeof(cfg), 0xa0, sizes, "t", &mi), 0);
	assert_int_equal(mi.table_size, 2048);

	log_capture_begin();
	/* Table in a BAR that does not exist. */
	cfg[0xa4] = 7;
	assert_int_equal(pci_msix_parse(cfg, sizeof(cfg), 0xa0, sizes, "bir7", &mi), -EIO);
	cfg[0xa4] = 1;
	assert_int_equal(pci_msix_parse(cfg, sizeof(cfg), 0xa0, sizes, "bir1", &mi), -EIO);
	/* PBA beyond its BAR. */
	cfg[0xa4] = 3;
	cfg[0xa9] = 0x00;
	cfg[0xaa] = 0x01; /* 0x10000 */
	assert_int_equal(pci_msix_parse(cfg, sizeof(cfg), 0xa0, sizes, "pba", &mi), -EIO);
	log = log_capture_end();
	assert_non_null(strstr(log, "bir7: malformed MSI-X capability"));
	assert_non_null(strstr(log, "BAR7"));
	assert_non_null(strstr(log, "pba: malformed MSI-X capability at 0xa0: its pending bit array"));
	/* Not an MSI-X capability at all. */
	assert_int_equal(pci_msix_parse(cfg, sizeof(cfg), 0x40, sizes, "t", &mi), -EINVAL);
}

static void test_msix_enable_routes_eventfds(void **state)
{
	struct fixture *fx = *state;
	int fds[3] = { -1, -1, -1 };
	uint64_t count;
	unsigned i;

	assert_int_equal(pci_msix_enable(&fx->dev, 3, fds), 0);
	assert_int_equal(fx->dev.msix_nb_vectors, 3);
	assert_int_equal(fx->fake.irq_index, VFIO_PCI_MSIX_IRQ_INDEX);
	assert_int_equal(fx->fake.irq_start, 0);
	assert_int_equal(fx->fake.irq_count, 3);
	assert_int_equal(fx->fake.irq_flags,
			 VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER);
	for (i = 0; i < 3; i++) {
		assert_true(fds[i] >= 0);
		/* The backend got the very fds the caller got. */
		assert_int_equal(fx->fake.irq_fds[i], fds[i]);
		assert_true(fcntl(fds[i], F_GETFL) & O_NONBLOCK);
		assert_true(fcntl(fds[i], F_GETFD) & FD_CLOEXEC);
	}
	/* Nothing pending yet; a vector firing (the kernel signals its fd)
	 * is seen on that fd only. */
	assert_int_equal(read(fds[1], &count, sizeof(count)), -1);
	assert_int_equal(errno, EAGAIN);
	count = 1;
	assert_int_equal(write(fx->fake.irq_fds[1], &count, sizeof(count)), sizeof(count));
	assert_int_equal(read(fds[1], &count, sizeof(count)), sizeof(count));
	assert_int_equal(count, 1);
	assert_int_equal(read(fds[0], &count, sizeof(count)), -1);

	log_capture_begin();
	assert_int_equal(pci_msix_enable(&fx->dev, 1, NULL), -EBUSY);
	log_capture_end();

	assert_int_equal(pci_msix_disable(&fx->dev), 0);
	assert_int_equal(fx->fake.irq_count, 0);
	assert_int_equal(fx->fake.irq_flags,
			 VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER);
	assert_int_equal(fx->dev.msix_nb_vectors, 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(fcntl(fds[i], F_GETFD), -1);
	/* Disabling twice is fine. */
	assert_int_equal(pci_msix_disable(&fx->dev), 0);
}

static void test_msix_enable_errors(void **state)
{
	struct fixture *fx = *state;
	int fds[4];
	const char *log;
	unsigned calls;

	log_capture_begin();
	assert_int_equal(pci_msix_enable(&fx->dev, 4, fds), -EINVAL);
	assert_int_equal(pci_msix_enable(&fx->dev, 0, fds), -EINVAL);
	/* The backend offers fewer vectors than the table has. */
	fx->fake.msix_irq_count = 2;
	assert_int_equal(pci_msix_enable(&fx->dev, 3, fds), -EINVAL);
	fx->fake.msix_irq_count = 3;
	/* The backend refuses: nothing stays enabled, no fd leaks. */
	fx->fake.fail_set_irqs = -EINVAL;
	assert_int_equal(pci_msix_enable(&fx->dev, 2, fds), -EINVAL);
	assert_int_equal(fx->dev.msix_nb_vectors, 0);
	fx->fake.fail_set_irqs = 0;
	log = log_capture_end();
	assert_non_null(strstr(log, "4 vectors asked; the device offers 1 to 3"));
	assert_non_null(strstr(log, "(table 3, backend 2)"));

	/* A device without MSI-X. */
	calls = fx->fake.set_irqs_calls;
	fx->fake.config[0x40 + 1] = 0x54; /* PM -> vendor: skips MSI-X */
	log_capture_begin();
	assert_int_equal(pci_msix_enable(&fx->dev, 1, fds), -ENOTSUP);
	log = log_capture_end();
	assert_non_null(strstr(log, "no MSI-X capability"));
	assert_int_equal(fx->fake.set_irqs_calls, calls);
	fx->fake.config[0x40 + 1] = 0x48;
}

static void test_bus_master_and_reset(void **state)
{
	struct fixture *fx = *state;
	uint16_t cmd;

	assert_int_equal(pci_bus_master_set(&fx->dev, true), 0);
	assert_int_equal(pci_config_read16(&fx->dev, PCI_COMMAND, &cmd), 0);
	assert_int_equal(cmd, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	/* Already set: no write. */
	unsigned writes = fx->fake.region_writes;
	assert_int_equal(pci_bus_master_set(&fx->dev, true), 0);
	assert_int_equal(fx->fake.region_writes, writes);
	assert_int_equal(pci_bus_master_set(&fx->dev, false), 0);
	assert_int_equal(pci_config_read16(&fx->dev, PCI_COMMAND, &cmd), 0);
	assert_int_equal(cmd, PCI_COMMAND_MEMORY);

	assert_int_equal(pci_device_reset(&fx->dev), 0);
	assert_int_equal(fx->fake.reset_calls, 1);
	fx->fake.vdev.info.flags &= ~VFIO_DEVICE_FLAGS_RESET;
	log_capture_begin();
	assert_int_equal(pci_device_reset(&fx->dev), -ENOTSUP);
	const char *log = log_capture_end();
	assert_non_null(strstr(log, "offers no reset"));
	assert_int_equal(fx->fake.reset_calls, 1);
	fx->fake.vdev.info.flags |= VFIO_DEVICE_FLAGS_RESET;
}

static void test_ids_from_config_space(void **state)
{
	struct fixture *fx = *state;
	struct pci_device d;

	/* What a vfio-user device gets: identity from config space only. */
	memset(&d, 0, sizeof(d));
	snprintf(d.name, sizeof(d.name), "vfio-user:/run/x.sock");
	d.kind = PCI_DEVICE_VFIO_USER;
	assert_int_equal(pci_device_bind_vfio(&d, &fx->fake.vdev), 0);
	assert_int_equal(pci_device_read_ids(&d), 0);
	assert_int_equal(d.vendor_id, 0x1af4);
	assert_int_equal(d.device_id, 0x1041);
	assert_int_equal(d.subsystem_vendor_id, 0x1af4);
	assert_int_equal(d.subsystem_device_id, 0x1100);
	assert_int_equal(d.class_id, 0x020000);
	assert_int_equal(d.revision, 3);
	/* A bridge header has no subsystem ids at 0x2c. */
	fx->fake.config[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_BRIDGE;
	d.subsystem_vendor_id = 0;
	assert_int_equal(pci_device_read_ids(&d), 0);
	assert_int_equal(d.subsystem_vendor_id, 0);
	fx->fake.config[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_NORMAL;
	/* A device that is gone reads all ones. */
	fx->fake.config[0] = 0xff;
	fx->fake.config[1] = 0xff;
	log_capture_begin();
	assert_int_equal(pci_device_read_ids(&d), -ENODEV);
	log_capture_end();
	fx->fake.config[0] = 0xf4;
	fx->fake.config[1] = 0x1a;
	pci_device_unbind_vfio(&d);
}

static void test_small_config_space(void **state)
{
	struct fake_device f;
	struct pci_device d;
	struct pci_cap caps[8];

	(void)state;
	fake_device_init(&f, "0000:00:05.0", 0x8086, 0x100e, 256);
	fake_add_cap(&f, 0xdc, PCI_CAP_ID_PM, NULL, 0);
	memset(&d, 0, sizeof(d));
	assert_int_equal(pci_device_bind_vfio(&d, &f.vdev), 0);
	assert_int_equal(d.config_size, 256);
	assert_int_equal(pci_cap_list(&d, caps, 8), 1);
	assert_int_equal(pci_ext_cap_find(&d, PCI_EXT_CAP_ID_ERR), -ENOENT);
	pci_device_unbind_vfio(&d);
	fake_device_fini(&f);
}

static void test_dump(void **state)
{
	struct fixture *fx = *state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_non_null(pci_bar_map(&fx->dev, 0));
	pci_device_dump(f, &fx->dev);
	fclose(f);
	fputs(buf, stdout);
	assert_non_null(strstr(buf, "0000:02:00.0: 1af4:1041"));
	assert_non_null(strstr(buf, "class 020000"));
	assert_non_null(strstr(buf, "BAR0: mem32, 16 KiB, mappable, mapped at"));
	assert_non_null(strstr(buf, "BAR1: I/O, 32 B, region access only"));
	assert_non_null(strstr(buf, "BAR2: mem64, 16 KiB, mappable in 2 sparse areas"));
	assert_non_null(strstr(buf, "BAR4: mem32, 4 KiB, not mappable"));
	assert_non_null(strstr(buf, "capabilities: 10"));
	assert_non_null(strstr(buf, "0x048 MSI-X (id 0x11): 3 vectors, table BAR2+0x0, PBA BAR2+0x800"));
	assert_non_null(strstr(buf, "0x054 vendor (id 0x09)"));
	assert_non_null(strstr(buf, "0x100 ext AER (id 0x01, version 1)"));
	free(buf);
	pci_bar_unmap(&fx->dev, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config_access, setup, teardown),
		cmocka_unit_test(test_config_needs_attached_device),
		cmocka_unit_test_setup_teardown(test_cap_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap_find, setup, teardown),
		cmocka_unit_test(test_cap_parse_malformed),
		cmocka_unit_test_setup_teardown(test_bars_discovered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bar_map_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bar_map_sparse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bar_map_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msix_info, setup, teardown),
		cmocka_unit_test(test_msix_parse),
		cmocka_unit_test_setup_teardown(test_msix_enable_routes_eventfds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msix_enable_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bus_master_and_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ids_from_config_space, setup, teardown),
		cmocka_unit_test(test_small_config_space),
		cmocka_unit_test_setup_teardown(test_dump, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
