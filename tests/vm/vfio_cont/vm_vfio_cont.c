/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DMA container through its real API, inside the test guest (kernel
 * VFIO type1 on an emulated VT-d, an e1000e and a virtio-net on vfio-pci).
 *
 *   vm_vfio_cont main --nonce HEX    both NICs on vfio-pci (the default bed)
 *   vm_vfio_cont errors              e1000e left on its kernel driver
 *
 * Each case reports in cmocka's format ([ RUN ] / [ OK ] / [ FAILED ] /
 * [ SKIPPED ] after a "SKIP: why" line), so the project's test summary
 * counts them. Lines starting with "VM-" are for the host-side checker
 * (vm_vfio_cont_check.py), which also looks at the e1000e's pcap and the
 * guest's kernel log. Exit status 0 when nothing failed.
 *
 * Static, libc only besides the project's own eal and vfio_cont (compiled
 * for this guest's CPU); no cmocka, which has no static library here.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "e1000e_tx.h"
#include "eal.h"
#include "vfio_cont.h"
#include "vfio_private.h"

#define MiB ((size_t)1 << 20)
/* Larger than the EAL's 16 MiB growth step: always a segment of its own. */
#define BIG_ALLOC (40 * MiB)
#define MSI_WINDOW_START 0xfee00000ull
#define MSI_WINDOW_END 0xfeefffffull
#define TX_TIMEOUT_MS 5000
#define E1000E_IDS 0x10d38086u  /* device << 16 | vendor */
#define VIRTIO_NET_IDS 0x10411af4u

struct ctx {
	const char *e1000e_bdf;
	const char *virtio_bdf;
	const char *nonce;
	struct vfio_container *a;   /* e1000e */
	struct vfio_container *b;   /* virtio-net */
	struct vfio_device *e1000e;
	struct vfio_device *virtio;
	void *resident;             /* DMA memory that lives through the cases */
	char why[256];
};

static unsigned nb_ok, nb_failed, nb_skipped;

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		if (!(cond)) {                                               \
			printf("    check failed at line %d: %s: ", __LINE__, #cond); \
			printf(__VA_ARGS__);                                 \
			printf("\n");                                        \
			return -1;                                           \
		}                                                            \
	} while (0)

#define SKIP(ctx, ...)                                                       \
	do {                                                                 \
		snprintf((ctx)->why, sizeof((ctx)->why), __VA_ARGS__);       \
		return 1;                                                    \
	} while (0)

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static const char *suite_name = "";

/* cmocka's line format, so scripts/test-summary.py counts every case (and
 * lists each skip with the line before it as the reason). */
static void run_case(struct ctx *ctx, const char *name, int (*fn)(struct ctx *))
{
	double start = now_ms();
	int ret;

	ctx->why[0] = '\0';
	printf("[ RUN      ] %s.%s\n", suite_name, name);
	fflush(stdout);
	ret = fn(ctx);
	if (ret == 0) {
		nb_ok++;
		printf("    (%.0f ms)\n[       OK ] %s.%s\n", now_ms() - start, suite_name, name);
	} else if (ret > 0) {
		nb_skipped++;
		printf("SKIP: %s\n[  SKIPPED ] %s.%s\n", ctx->why, suite_name, name);
	} else {
		nb_failed++;
		printf("    (%.0f ms)\n[  FAILED  ] %s.%s\n", now_ms() - start, suite_name, name);
	}
	fflush(stdout);
}

/* ---- log capture ----------------------------------------------------------- */

static FILE *log_stream;
static char *log_buf;
static size_t log_len;

static void log_start(void)
{
	fflush(stdout);
	log_stream = open_memstream(&log_buf, &log_len);
	eal_log_set_stream(log_stream);
}

/* @return what was logged (caller frees); it is echoed, indented. */
static char *log_end(void)
{
	char *out, *line, *save = NULL;

	eal_log_set_stream(NULL);
	fclose(log_stream);
	out = log_buf;
	log_buf = NULL;
	if (out != NULL && out[0] != '\0') {
		char *copy = strdup(out);

		for (line = strtok_r(copy, "\n", &save); line != NULL;
		     line = strtok_r(NULL, "\n", &save))
			printf("    | %s\n", line);
		free(copy);
	}
	return out != NULL ? out : strdup("");
}

static bool has(const char *log, const char *needle)
{
	if (strstr(log, needle) != NULL)
		return true;
	printf("    expected in the log: '%s'\n", needle);
	return false;
}

/* ---- helpers --------------------------------------------------------------- */

static uint32_t avail(struct vfio_container *c)
{
	if (c->ops->refresh_info == NULL || c->ops->refresh_info(c) < 0)
		return 0;
	return c->info.dma_avail;
}

static void *anon_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* @len bytes for crafted segments, with @len more on each side that stay
 * out of every container: so they never continue an EAL segment's mapping
 * (mmap may place them right next to one). Undo with guarded_unmap(). */
static uint8_t *guarded_map(size_t len)
{
	uint8_t *p = anon_map(3 * len);

	return p != NULL ? p + len : NULL;
}

static void guarded_unmap(uint8_t *p, size_t len)
{
	munmap(p - len, 3 * len);
}

static struct eal_memseg crafted_seg(unsigned id, void *va, size_t len)
{
	struct eal_memseg s;

	memset(&s, 0, sizeof(s));
	s.addr = va;
	s.iova = (uint64_t)(uintptr_t)va;
	s.len = len;
	s.page_size = 4096;
	s.fd = -1;
	s.id = id;
	return s;
}

static bool table_covers(const struct vfio_container *c, uint64_t iova, uint64_t len)
{
	unsigned i;

	for (i = 0; i < vfio_container_mapping_count(c); i++) {
		const struct vfio_dma_mapping *m = vfio_container_mapping(c, i);

		if (iova >= m->iova && iova + len <= m->iova + m->len)
			return true;
	}
	return false;
}

static bool table_touches(const struct vfio_container *c, uint64_t iova, uint64_t len)
{
	unsigned i;

	for (i = 0; i < vfio_container_mapping_count(c); i++) {
		const struct vfio_dma_mapping *m = vfio_container_mapping(c, i);

		if (iova < m->iova + m->len && m->iova < iova + len)
			return true;
	}
	return false;
}

struct seg_walk {
	const struct vfio_container *c;
	unsigned segs, uncovered;
};

static int seg_walk_fn(const struct eal_memseg *seg, void *arg)
{
	struct seg_walk *w = arg;

	w->segs++;
	if (!table_covers(w->c, seg->iova, seg->len))
		w->uncovered++;
	return 0;
}

static int config_read(struct vfio_device *d, uint64_t off, void *buf, size_t len)
{
	ssize_t n = d->ops->region_read(d, VFIO_PCI_CONFIG_REGION_INDEX, off, buf, len);

	return n == (ssize_t)len ? 0 : -1;
}

static int config_write(struct vfio_device *d, uint64_t off, const void *buf, size_t len)
{
	ssize_t n = d->ops->region_write(d, VFIO_PCI_CONFIG_REGION_INDEX, off, buf,
					 len, false);

	return n == (ssize_t)len ? 0 : -1;
}

static unsigned long sysfs_hex(const char *bdf, const char *attr)
{
	char path[256], buf[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, attr);
	f = fopen(path, "r");
	if (f == NULL)
		return ~0ul;
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	return strtoul(buf, NULL, 16);
}

/* ---- main: cases -------------------------------------------------------------- */

static int case_auto_mode(struct ctx *ctx)
{
	struct stat st;
	int mode = vfio_mode_resolve(EAL_VFIO_AUTO);

	(void)ctx;
	if (stat("/dev/iommu", &st) == 0)
		CHECK(mode == EAL_VFIO_IOMMUFD || mode == EAL_VFIO_TYPE1, "AUTO gave %d", mode);
	else
		CHECK(mode == EAL_VFIO_TYPE1, "AUTO gave %d without /dev/iommu", mode);
	printf("    AUTO -> %s\n", eal_vfio_mode_name((enum eal_vfio_mode)mode));
	return 0;
}

/* The type1 ops on a container opened by hand (no memory events): the
 * map/unmap rules and the kernel's answers. Uses the virtio NIC. */
static int case_bare_type1_ops(struct ctx *ctx)
{
	const struct vfio_container_ops *ops = &vfio_type1_container_ops;
	struct vfio_container *c;
	struct vfio_device *dev = NULL;
	uint32_t base, now;
	void *buf1, *buf2, *page;
	char *log;
	int ret;

	c = calloc(1, sizeof(*c));
	CHECK(c != NULL, "calloc");
	c->ops = ops;
	CHECK(ops->open(c, NULL) == 0, "type1 open");
	CHECK(!c->address_space_ready, "type1 has an address space before a group");
	buf1 = anon_map(2 * MiB);
	buf2 = anon_map(2 * MiB);
	page = anon_map(4096);
	CHECK(buf1 != NULL && buf2 != NULL && page != NULL, "mmap");
	log_start();
	ret = ops->dma_map(c, (uintptr_t)buf1, buf1, 2 * MiB, -1, 0,
			   VFIO_DMA_READ | VFIO_DMA_WRITE);
	log = log_end();
	CHECK(ret == -ENXIO && has(log, "before a device was attached"), "map before attach: %d", ret);
	free(log);

	CHECK(ops->device_attach(c, ctx->virtio_bdf, &dev) == 0, "attach %s", ctx->virtio_bdf);
	CHECK(c->address_space_ready, "no address space after the first group");
	/* What the guest kernel (6.1 type1 on VT-d) reports. */
	CHECK(c->info.pgsize_bitmap & 4096, "page sizes 0x%" PRIx64, c->info.pgsize_bitmap);
	CHECK(c->info.nb_iova_ranges >= 2, "%u IOVA ranges", c->info.nb_iova_ranges);
	CHECK(vfio_iova_range_find(&c->info, MSI_WINDOW_START, 4096) < 0 &&
	      vfio_iova_range_find(&c->info, MSI_WINDOW_END + 1 - 4096, 4096) < 0,
	      "the MSI window is not cut out of the IOVA ranges");
	CHECK(vfio_iova_range_find(&c->info, MSI_WINDOW_START - 4096, 4096) >= 0 &&
	      vfio_iova_range_find(&c->info, MSI_WINDOW_END + 1, 4096) >= 0,
	      "the IOVAs around the MSI window are not usable");
	CHECK(c->info.dirty_tracking && (c->info.dirty_pgsize_bitmap & 4096) &&
	      c->info.dirty_max_bitmap_bytes > 0, "migration capability missing");
	base = avail(c);
	CHECK(base > 2, "DMA_AVAIL %u", base);
	printf("    type1: %u IOVA ranges, DMA_AVAIL %u, dirty pgsizes 0x%" PRIx64
	       ", max bitmap %" PRIu64 " bytes\n", c->info.nb_iova_ranges, base,
	       c->info.dirty_pgsize_bitmap, c->info.dirty_max_bitmap_bytes);

	/* map, refuse a double map, unmap */
	CHECK(ops->dma_map(c, (uintptr_t)buf1, buf1, 2 * MiB, -1, 0,
			   VFIO_DMA_READ | VFIO_DMA_WRITE) == 0, "map buf1");
	now = avail(c);
	CHECK(now == base - 1, "DMA_AVAIL %u after one map, %u before", now, base);
	log_start();
	ret = ops->dma_map(c, (uintptr_t)buf1, buf1, 2 * MiB, -1, 0, VFIO_DMA_READ);
	log = log_end();
	CHECK(ret == -EEXIST && has(log, "overlaps an existing mapping"), "double map: %d", ret);
	free(log);
	CHECK(ops->dma_unmap(c, (uintptr_t)buf1, 2 * MiB, 0) == 0, "unmap buf1");
	CHECK(avail(c) == base, "DMA_AVAIL not restored by the unmap");

	/* unmap-all */
	CHECK(ops->dma_map(c, (uintptr_t)buf1, buf1, 2 * MiB, -1, 0,
			   VFIO_DMA_READ | VFIO_DMA_WRITE) == 0, "map buf1 again");
	CHECK(ops->dma_map(c, (uintptr_t)buf2, buf2, 2 * MiB, -1, 0,
			   VFIO_DMA_READ | VFIO_DMA_WRITE) == 0, "map buf2");
	CHECK(avail(c) == base - 2, "DMA_AVAIL after two maps");
	CHECK(ops->dma_unmap(c, 0, 0, VFIO_DMA_UNMAP_ALL) == 0, "unmap all");
	CHECK(avail(c) == base, "DMA_AVAIL %u after unmap-all, %u before", avail(c), base);
	CHECK(ops->dma_unmap(c, 4096, 0, VFIO_DMA_UNMAP_ALL) == -EINVAL,
	      "unmap-all with a range accepted");

	/* the MSI window is refused with the reason, before the kernel */
	log_start();
	ret = ops->dma_map(c, MSI_WINDOW_START, page, 4096, -1, 0,
			   VFIO_DMA_READ | VFIO_DMA_WRITE);
	log = log_end();
	CHECK(ret == -ERANGE && has(log, "reserved IOVA range 0xfee00000-0xfeefffff"),
	      "map in the MSI window: %d", ret);
	free(log);
	CHECK(avail(c) == base, "the refused map took a DMA entry");
	/* misaligned */
	CHECK(ops->dma_map(c, (uintptr_t)page + 16, page, 4096, -1, 0, VFIO_DMA_READ) ==
	      -EINVAL, "misaligned IOVA accepted");

	ops->device_detach(c, dev);
	ops->release(c);
	free(c);
	munmap(buf1, 2 * MiB);
	munmap(buf2, 2 * MiB);
	munmap(page, 4096);
	return 0;
}

static int case_two_containers(struct ctx *ctx)
{
	struct seg_walk w;
	struct vfio_device *dup = NULL;
	uint32_t avail_a, avail_b;
	void *big;
	char *log;
	int ret;

	/* Memory that exists before the containers: replayed into them. */
	ctx->resident = eal_dma_zalloc("resident", MiB, 0, EAL_SOCKET_ID_ANY, NULL);
	CHECK(ctx->resident != NULL, "allocate DMA memory");
	ctx->a = vfio_container_create(EAL_VFIO_AUTO, NULL);
	CHECK(ctx->a != NULL, "create A (AUTO): errno %d", errno);
	CHECK(strcmp(ctx->a->ops->name, "type1") == 0, "A is %s", ctx->a->ops->name);
	CHECK(!ctx->a->mem_events, "type1 follows memory before its first group");
	CHECK(vfio_container_attach(ctx->a, ctx->e1000e_bdf, &ctx->e1000e) == 0,
	      "attach e1000e to A");
	CHECK(ctx->a->mem_events, "A does not follow the EAL memory after attach");
	ctx->b = vfio_container_create(EAL_VFIO_TYPE1, NULL);
	CHECK(ctx->b != NULL, "create B: errno %d", errno);
	CHECK(vfio_container_attach(ctx->b, ctx->virtio_bdf, &ctx->virtio) == 0,
	      "attach virtio to B");

	/* Every EAL segment is mapped in both. */
	w = (struct seg_walk){ .c = ctx->a };
	eal_memseg_walk(seg_walk_fn, &w);
	CHECK(w.segs > 0 && w.uncovered == 0, "A: %u of %u segments unmapped", w.uncovered, w.segs);
	w = (struct seg_walk){ .c = ctx->b };
	eal_memseg_walk(seg_walk_fn, &w);
	CHECK(w.uncovered == 0, "B: %u of %u segments unmapped", w.uncovered, w.segs);
	printf("    %u EAL segment(s): A has %u mapping(s), B %u\n", w.segs,
	       vfio_container_mapping_count(ctx->a), vfio_container_mapping_count(ctx->b));

	/* A group serves one container. */
	log_start();
	ret = vfio_container_attach(ctx->b, ctx->e1000e_bdf, &dup);
	log = log_end();
	CHECK(ret == -EBUSY && has(log, "in use"), "e1000e joined B as well: %d", ret);
	free(log);

	/* A new segment goes into both, and out of both. */
	avail_a = avail(ctx->a);
	avail_b = avail(ctx->b);
	big = eal_dma_zalloc("two-containers", BIG_ALLOC, 0, EAL_SOCKET_ID_ANY, NULL);
	CHECK(big != NULL, "allocate %zu MiB", BIG_ALLOC / MiB);
	CHECK(table_covers(ctx->a, (uintptr_t)big, BIG_ALLOC) &&
	      table_covers(ctx->b, (uintptr_t)big, BIG_ALLOC), "new segment not in both");
	CHECK(avail(ctx->a) <= avail_a && avail(ctx->b) <= avail_b, "DMA_AVAIL grew");
	eal_dma_free(big);
	CHECK(!table_touches(ctx->a, (uintptr_t)big, BIG_ALLOC) &&
	      !table_touches(ctx->b, (uintptr_t)big, BIG_ALLOC), "freed segment still mapped");
	CHECK(avail(ctx->a) == avail_a && avail(ctx->b) == avail_b,
	      "DMA_AVAIL not back after the free (A %u/%u, B %u/%u)", avail(ctx->a),
	      avail_a, avail(ctx->b), avail_b);
	return 0;
}

/* Two crafted segments that continue each other take one DMA entry. */
static int case_merge_crafted(struct ctx *ctx)
{
	struct vfio_container *c = ctx->a;
	struct eal_memseg lo, hi, hole;
	unsigned maps0;
	uint32_t base;
	uint8_t *va;
	char *log;
	int ret;

	if (c == NULL)
		SKIP(ctx, "container A was not made");
	va = guarded_map(4 * MiB);
	CHECK(va != NULL, "mmap");
	lo = crafted_seg(9001, va, 2 * MiB);
	hi = crafted_seg(9002, va + 2 * MiB, 2 * MiB);
	base = avail(c);
	maps0 = vfio_container_mapping_count(c);
	CHECK(vfio_container_mem_event(EAL_MEM_EVENT_ALLOC, &lo, c) == 0, "map lo");
	CHECK(avail(c) == base - 1, "DMA_AVAIL %u after lo, %u before", avail(c), base);
	CHECK(vfio_container_mem_event(EAL_MEM_EVENT_ALLOC, &hi, c) == 0, "map hi");
	CHECK(avail(c) == base - 1, "merged pair: DMA_AVAIL %u, expected %u", avail(c), base - 1);
	CHECK(vfio_container_mapping_count(c) == maps0 + 1, "mappings %u, expected %u",
	      vfio_container_mapping_count(c), maps0 + 1);
	CHECK(table_covers(c, (uintptr_t)va, 4 * MiB), "the pair is not one mapping");
	printf("    merged pair: DMA_AVAIL %u -> %u\n", base, avail(c));
	/* Freeing one half splits: the other half stays mapped. */
	CHECK(vfio_container_mem_event(EAL_MEM_EVENT_FREE, &lo, c) == 0, "free lo");
	CHECK(avail(c) == base - 1, "after the split: DMA_AVAIL %u", avail(c));
	CHECK(table_covers(c, (uintptr_t)hi.addr, hi.len) &&
	      !table_touches(c, (uintptr_t)lo.addr, lo.len), "split left the wrong half");
	CHECK(vfio_container_mem_event(EAL_MEM_EVENT_FREE, &hi, c) == 0, "free hi");
	CHECK(avail(c) == base, "DMA_AVAIL %u at the end, %u before", avail(c), base);
	/* IOVA in the MSI window: refused with the range named. */
	hole = crafted_seg(9003, va, 4096);
	hole.iova = MSI_WINDOW_START;
	log_start();
	ret = vfio_container_mem_event(EAL_MEM_EVENT_ALLOC, &hole, c);
	log = log_end();
	CHECK(ret == -ERANGE && has(log, "0xfee00000-0xfeefffff"), "segment in the hole: %d", ret);
	free(log);
	guarded_unmap(va, 4 * MiB);
	return 0;
}

/* Real EAL segments: however the kernel placed them, one DMA entry per
 * run of contiguous segments. */
static int case_merge_eal(struct ctx *ctx)
{
	struct vfio_container *c = ctx->a;
	const struct eal_memseg *s1, *s2;
	unsigned maps0, maps1;
	uint32_t base, after;
	bool contiguous;
	void *p1, *p2;

	if (c == NULL)
		SKIP(ctx, "container A was not made");
	base = avail(c);
	maps0 = vfio_container_mapping_count(c);
	p1 = eal_dma_zalloc("merge-1", BIG_ALLOC, 0, EAL_SOCKET_ID_ANY, NULL);
	p2 = eal_dma_zalloc("merge-2", BIG_ALLOC, 0, EAL_SOCKET_ID_ANY, NULL);
	CHECK(p1 != NULL && p2 != NULL, "allocate 2 x %zu MiB", BIG_ALLOC / MiB);
	s1 = eal_memseg_find(p1);
	s2 = eal_memseg_find(p2);
	CHECK(s1 != NULL && s2 != NULL && s1 != s2, "two new segments");
	contiguous = ((uintptr_t)s2->addr + s2->len == (uintptr_t)s1->addr &&
		      s2->iova + s2->len == s1->iova) ||
		     ((uintptr_t)s1->addr + s1->len == (uintptr_t)s2->addr &&
		      s1->iova + s1->len == s2->iova);
	after = avail(c);
	maps1 = vfio_container_mapping_count(c);
	/* Modular: a segment bridging two mappings shrinks both by one. */
	CHECK(base - after == maps1 - maps0, "DMA_AVAIL dropped by %d, the table grew by %d",
	      (int)(base - after), (int)maps1 - (int)maps0);
	printf("    segments %p+%zu and %p+%zu: %s; DMA_AVAIL %u -> %u, mappings %u -> %u\n",
	       s1->addr, s1->len, s2->addr, s2->len,
	       contiguous ? "contiguous" : "apart", base, after, maps0, maps1);
	if (contiguous)
		CHECK(maps1 <= maps0 + 1 && base - after <= 1,
		      "contiguous segments took %u DMA entries", base - after);
	eal_dma_free(p1);
	eal_dma_free(p2);
	CHECK(avail(c) == base, "DMA_AVAIL %u after the frees, %u before", avail(c), base);
	return 0;
}

/* type1 cannot see device writes: it reports every mapped page dirty. */
static int case_dirty_pages(struct ctx *ctx)
{
	struct vfio_container *c = ctx->a;
	struct eal_memseg seg;
	uint64_t bitmap[512 / 64];
	unsigned i, dirty = 0;
	uint8_t *va;

	if (c == NULL)
		SKIP(ctx, "container A was not made");
	va = guarded_map(2 * MiB);
	CHECK(va != NULL, "mmap");
	seg = crafted_seg(9010, va, 2 * MiB);
	CHECK(vfio_container_mem_event(EAL_MEM_EVENT_ALLOC, &seg, c) == 0, "map 2 MiB");
	CHECK(vfio_container_dirty_bitmap_query(c, seg.iova, seg.len, 4096, bitmap) ==
	      -EALREADY, "query before start accepted");
	CHECK(vfio_container_dirty_tracking_start(c) == 0, "start");
	memset(bitmap, 0, sizeof(bitmap));
	CHECK(vfio_container_dirty_bitmap_query(c, seg.iova, seg.len, 4096, bitmap) == 0,
	      "query");
	for (i = 0; i < 512; i++)
		dirty += (bitmap[i / 64] >> (i % 64)) & 1;
	CHECK(dirty == 512, "%u of 512 pages dirty", dirty);
	printf("    type1 dirty bitmap: %u of 512 pages of an idle 2 MiB mapping dirty\n", dirty);
	/* The rules the kernel imposes are checked first. */
	CHECK(vfio_container_dirty_bitmap_query(c, seg.iova, seg.len, 2 * MiB, bitmap) ==
	      -EINVAL, "2 MiB dirty pages accepted");
	CHECK(vfio_container_dirty_tracking_stop(c) == 0, "stop");
	CHECK(vfio_container_dirty_tracking_stop(c) == -EALREADY, "stop twice");
	CHECK(vfio_container_mem_event(EAL_MEM_EVENT_FREE, &seg, c) == 0, "unmap");
	guarded_unmap(va, 2 * MiB);
	return 0;
}

static int check_config(struct vfio_device *d, const char *bdf, uint32_t ids)
{
	uint32_t id = 0;
	uint16_t cmd = 0, cmd2 = 0, wanted;

	CHECK(config_read(d, PCI_VENDOR_ID, &id, 4) == 0, "%s: read IDs", bdf);
	CHECK(id == ids, "%s: IDs 0x%08x, expected 0x%08x", bdf, id, ids);
	CHECK((id & 0xffff) == sysfs_hex(bdf, "vendor") && (id >> 16) == sysfs_hex(bdf, "device"),
	      "%s: config space and sysfs disagree", bdf);
	CHECK(config_read(d, PCI_COMMAND, &cmd, 2) == 0, "%s: read COMMAND", bdf);
	wanted = (uint16_t)(cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	CHECK(config_write(d, PCI_COMMAND, &wanted, 2) == 0, "%s: write COMMAND", bdf);
	CHECK(config_read(d, PCI_COMMAND, &cmd2, 2) == 0, "%s: read COMMAND back", bdf);
	CHECK((cmd2 & (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)) ==
	      (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER), "%s: COMMAND 0x%04x", bdf, cmd2);
	CHECK(config_write(d, PCI_COMMAND, &cmd, 2) == 0, "%s: restore COMMAND", bdf);
	/* Beyond the config region. */
	CHECK(d->ops->region_read(d, VFIO_PCI_CONFIG_REGION_INDEX, 1u << 20, &id, 4) == -EINVAL,
	      "%s: read past the config region accepted", bdf);
	printf("    %s: IDs %04x:%04x, COMMAND 0x%04x -> 0x%04x\n", bdf, id & 0xffff,
	       id >> 16, cmd, cmd2);
	return 0;
}

static int case_config_space(struct ctx *ctx)
{
	if (ctx->e1000e == NULL || ctx->virtio == NULL)
		SKIP(ctx, "devices not attached");
	if (check_config(ctx->e1000e, ctx->e1000e_bdf, E1000E_IDS) < 0)
		return -1;
	return check_config(ctx->virtio, ctx->virtio_bdf, VIRTIO_NET_IDS);
}

static int case_bar_regions(struct ctx *ctx)
{
	struct vfio_device *d = ctx->e1000e;
	struct vfio_region bar0, cfg;
	volatile uint32_t *regs;
	uint32_t by_read = 0;
	unsigned i;

	if (d == NULL)
		SKIP(ctx, "e1000e not attached");
	CHECK(d->ops->get_region_info(d, VFIO_PCI_BAR0_REGION_INDEX, &bar0) == 0, "BAR0 info");
	CHECK(bar0.size >= 128 * 1024 && (bar0.flags & VFIO_REGION_INFO_FLAG_MMAP) &&
	      bar0.fd >= 0, "BAR0: %" PRIu64 " bytes, flags 0x%x", bar0.size, bar0.flags);
	CHECK(d->ops->get_region_info(d, VFIO_PCI_CONFIG_REGION_INDEX, &cfg) == 0, "config info");
	CHECK(!(cfg.flags & VFIO_REGION_INFO_FLAG_MMAP) && cfg.fd < 0, "config space mmap-able?");
	CHECK(d->ops->region_mmap(d, &cfg, 0, 4096) == NULL && errno == EACCES,
	      "config space mapped");
	printf("    e1000e BAR0: %" PRIu64 " KiB, %u sparse area(s), caps:", bar0.size >> 10,
	       bar0.nb_areas);
	for (i = 0; i < bar0.nb_caps; i++)
		printf(" %u", bar0.cap_ids[i]);
	printf("\n");
	regs = d->ops->region_mmap(d, &bar0, 0, (size_t)bar0.size);
	CHECK(regs != NULL, "mmap BAR0");
	/* STATUS (offset 8) through the mapping and through pread agree. */
	CHECK(d->ops->region_read(d, VFIO_PCI_BAR0_REGION_INDEX, 8, &by_read, 4) == 4,
	      "read STATUS");
	CHECK((regs[2] & 0xffff) == (by_read & 0xffff), "STATUS 0x%08x by mmap, 0x%08x by read",
	      regs[2], by_read);
	munmap((void *)(uintptr_t)regs, (size_t)bar0.size);
	return 0;
}

static int check_msix(struct vfio_device *d, const char *bdf)
{
	struct vfio_cont_irq_info irq;
	struct pollfd pfd;
	uint64_t count = 0;
	int efd;

	CHECK(d->ops->get_irq_info(d, VFIO_PCI_MSIX_IRQ_INDEX, &irq) == 0, "%s: MSI-X info", bdf);
	CHECK(irq.count >= 1 && (irq.flags & VFIO_IRQ_INFO_EVENTFD),
	      "%s: MSI-X %u vectors, flags 0x%x", bdf, irq.count, irq.flags);
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	CHECK(efd >= 0, "eventfd");
	CHECK(d->ops->set_irqs(d, VFIO_PCI_MSIX_IRQ_INDEX, 0, 1,
			       VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
			       &efd) == 0, "%s: eventfd on vector 0", bdf);
	/* DATA_NONE + TRIGGER on an enabled vector: the kernel signals it. */
	CHECK(d->ops->set_irqs(d, VFIO_PCI_MSIX_IRQ_INDEX, 0, 1,
			       VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
			       NULL) == 0, "%s: loopback trigger", bdf);
	pfd.fd = efd;
	pfd.events = POLLIN;
	CHECK(poll(&pfd, 1, 2000) == 1, "%s: eventfd not signalled", bdf);
	CHECK(read(efd, &count, sizeof(count)) == sizeof(count) && count == 1,
	      "%s: eventfd count %" PRIu64, bdf, count);
	CHECK(d->ops->set_irqs(d, VFIO_PCI_MSIX_IRQ_INDEX, 0, 0,
			       VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
			       NULL) == 0, "%s: disable MSI-X", bdf);
	close(efd);
	printf("    %s: MSI-X %u vectors, vector 0 -> eventfd signalled\n", bdf, irq.count);
	return 0;
}

static int case_msix_eventfd(struct ctx *ctx)
{
	if (ctx->e1000e == NULL || ctx->virtio == NULL)
		SKIP(ctx, "devices not attached");
	if (check_msix(ctx->e1000e, ctx->e1000e_bdf) < 0)
		return -1;
	return check_msix(ctx->virtio, ctx->virtio_bdf);
}

static int case_device_reset(struct ctx *ctx)
{
	struct vfio_device *devs[2] = { ctx->e1000e, ctx->virtio };
	unsigned i;

	for (i = 0; i < 2; i++) {
		struct vfio_device *d = devs[i];

		if (d == NULL)
			SKIP(ctx, "devices not attached");
		CHECK(d->info.flags & VFIO_DEVICE_FLAGS_RESET, "%s offers no reset", d->name);
		CHECK(d->ops->reset(d) == 0, "%s: reset", d->name);
		printf("    %s: VFIO_DEVICE_RESET done\n", d->name);
	}
	return 0;
}

/* Neither emulated NIC has a migration driver (vfio-pci proper): every
 * migration op says so instead of pretending, and no data session exists. */
static int case_migration_absent(struct ctx *ctx)
{
	struct vfio_device *devs[2] = { ctx->e1000e, ctx->virtio };
	unsigned i;

	for (i = 0; i < 2; i++) {
		struct vfio_device *d = devs[i];
		uint64_t flags = 0;
		uint32_t state = 0;
		uint8_t buf[8];

		if (d == NULL)
			SKIP(ctx, "devices not attached");
		CHECK(d->ops->migration_get_flags(d, &flags) == -ENOTSUP,
		      "%s: migration flags should be -ENOTSUP", d->name);
		CHECK(d->ops->migration_get_state(d, &state) == -ENOTSUP,
		      "%s: migration state should be -ENOTSUP", d->name);
		CHECK(d->ops->migration_set_state(d, VFIO_CONT_MIG_STOP) == -ENOTSUP,
		      "%s: STOP should be -ENOTSUP", d->name);
		CHECK(d->ops->migration_data_read(d, buf, sizeof(buf)) == -EINVAL,
		      "%s: a read without a data session should be -EINVAL", d->name);
		printf("    %s: no migration, said so\n", d->name);
	}
	return 0;
}

/* The IOMMU proof through the container: the e1000e sends a frame from EAL
 * DMA memory (what mempools are made of) that the container mapped on its
 * own, then from memory the container unmapped when the EAL freed it, then
 * from mapped memory again. The host checks the pcap and the DMAR fault. */
static int case_dma_proof(struct ctx *ctx)
{
	struct vfio_device *d = ctx->e1000e;
	struct vfio_region bar0;
	struct e1000e_tx tx;
	uint64_t ring_iova = 0, frames_iova = 0, big_iova = 0;
	uint16_t cmd = 0, cmd_on;
	uint8_t *ring, *frames, *big;
	char text[96];
	void *regs;
	size_t len;
	int ret;

	if (d == NULL)
		SKIP(ctx, "e1000e not attached");
	ring = eal_dma_zalloc("e1000e-ring", e1000e_tx_ring_bytes(8), 4096,
			      EAL_SOCKET_ID_ANY, &ring_iova);
	frames = eal_dma_zalloc("e1000e-frames", 8192, 4096, EAL_SOCKET_ID_ANY, &frames_iova);
	CHECK(ring != NULL && frames != NULL, "DMA memory");
	CHECK(table_covers(ctx->a, ring_iova, 4096) && table_covers(ctx->a, frames_iova, 8192),
	      "the container did not map the DMA memory");

	CHECK(config_read(d, PCI_COMMAND, &cmd, 2) == 0, "read COMMAND");
	cmd_on = (uint16_t)(cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	CHECK(config_write(d, PCI_COMMAND, &cmd_on, 2) == 0, "bus master on");
	CHECK(d->ops->get_region_info(d, VFIO_PCI_BAR0_REGION_INDEX, &bar0) == 0, "BAR0");
	regs = d->ops->region_mmap(d, &bar0, 0, (size_t)bar0.size);
	CHECK(regs != NULL, "mmap BAR0");
	CHECK(e1000e_tx_start(&tx, regs, ring, ring_iova, 8) == 0, "e1000e start");

	snprintf(text, sizeof(text), "UPDK-VM-VFIO-CONT sent-before %s", ctx->nonce);
	len = e1000e_build_frame(frames, 4096, text);
	CHECK(e1000e_tx_send(&tx, frames_iova, len, TX_TIMEOUT_MS) == 0, "send sent-before");
	printf("VM-SENT sent-before\n");

	/* Memory the container mapped and then unmapped as the EAL freed it.
	 * If the unmap had not happened, type1 would still pin these pages
	 * and the device would read the frame. */
	big = eal_dma_zalloc("blocked", BIG_ALLOC, 4096, EAL_SOCKET_ID_ANY, &big_iova);
	CHECK(big != NULL, "allocate the soon-freed segment");
	CHECK(table_covers(ctx->a, big_iova, BIG_ALLOC), "new segment not mapped");
	snprintf(text, sizeof(text), "UPDK-VM-VFIO-CONT blocked %s", ctx->nonce);
	len = e1000e_build_frame(big, 4096, text);
	eal_dma_free(big);
	CHECK(eal_memseg_find(big) == NULL, "the segment outlived its only allocation");
	CHECK(!table_touches(ctx->a, big_iova, BIG_ALLOC), "freed segment still mapped");
	printf("VM-BLOCKED-IOVA 0x%" PRIx64 "\n", big_iova);
	fflush(stdout);
	ret = e1000e_tx_send(&tx, big_iova, len, TX_TIMEOUT_MS);
	printf("    blocked frame: descriptor %s\n",
	       ret == 0 ? "written back (QEMU completes faulted reads)" : "not written back");

	snprintf(text, sizeof(text), "UPDK-VM-VFIO-CONT sent-after %s", ctx->nonce);
	len = e1000e_build_frame(frames + 4096, 4096, text);
	CHECK(e1000e_tx_send(&tx, frames_iova + 4096, len, TX_TIMEOUT_MS) == 0,
	      "send sent-after");
	printf("VM-SENT sent-after\n");

	e1000e_tx_stop(&tx);
	CHECK(config_write(d, PCI_COMMAND, &cmd, 2) == 0, "bus master off");
	munmap(regs, (size_t)bar0.size);
	eal_dma_free(ring);
	eal_dma_free(frames);
	return 0;
}

static int case_destroy(struct ctx *ctx)
{
	uint32_t base_avail;
	void *p;

	if (ctx->a == NULL || ctx->b == NULL)
		SKIP(ctx, "containers not made");
	/* Detach by the API, destroy with a device still attached. */
	vfio_container_detach(ctx->b, ctx->virtio);
	ctx->virtio = NULL;
	CHECK(ctx->b->devices == NULL, "device list");
	vfio_container_destroy(ctx->b);
	ctx->b = NULL;
	/* A goes on working alone. */
	base_avail = avail(ctx->a);
	p = eal_dma_zalloc("after-b", BIG_ALLOC, 0, EAL_SOCKET_ID_ANY, NULL);
	CHECK(p != NULL && table_covers(ctx->a, (uintptr_t)p, BIG_ALLOC), "A after B went");
	eal_dma_free(p);
	CHECK(avail(ctx->a) == base_avail, "DMA_AVAIL");
	vfio_container_destroy(ctx->a);
	ctx->a = NULL;
	ctx->e1000e = NULL;
	/* The groups are free again: a new container takes both devices. */
	ctx->a = vfio_container_create(EAL_VFIO_TYPE1, NULL);
	CHECK(ctx->a != NULL, "create again");
	CHECK(vfio_container_attach(ctx->a, ctx->e1000e_bdf, &ctx->e1000e) == 0, "e1000e again");
	CHECK(vfio_container_attach(ctx->a, ctx->virtio_bdf, &ctx->virtio) == 0,
	      "virtio into the same container");
	CHECK(ctx->a->devices != NULL && ctx->a->devices->next != NULL, "two devices");
	vfio_container_destroy(ctx->a);
	ctx->a = NULL;
	ctx->e1000e = ctx->virtio = NULL;
	return 0;
}

/* ---- errors: e1000e left on its kernel driver ---------------------------------- */

static int case_device_on_kernel_driver(struct ctx *ctx)
{
	struct vfio_container *c;
	struct vfio_device *d = NULL;
	char expect[160];
	char *log;
	int ret;

	c = ctx->a = vfio_container_create(EAL_VFIO_TYPE1, NULL);
	CHECK(c != NULL, "create: errno %d", errno);
	if (ctx->resident == NULL)
		ctx->resident = eal_dma_zalloc("resident", MiB, 0, EAL_SOCKET_ID_ANY, NULL);
	CHECK(ctx->resident != NULL, "allocate DMA memory");
	log_start();
	ret = vfio_container_attach(c, ctx->e1000e_bdf, &d);
	log = log_end();
	snprintf(expect, sizeof(expect), "PCI device %s is bound to the kernel driver 'e1000e'",
		 ctx->e1000e_bdf);
	CHECK(ret == -EBUSY && d == NULL, "attach gave %d", ret);
	CHECK(has(log, expect), "message");
	snprintf(expect, sizeof(expect), "updk-devbind --bind=vfio-pci %s", ctx->e1000e_bdf);
	CHECK(has(log, expect), "tool hint");
	snprintf(expect, sizeof(expect), "echo %s > /sys/bus/pci/devices/%s/driver/unbind",
		 ctx->e1000e_bdf, ctx->e1000e_bdf);
	CHECK(has(log, expect) && has(log, "driver_override") && has(log, "drivers_probe"),
	      "sysfs hint");
	free(log);
	/* The failure left the container usable. */
	CHECK(vfio_container_attach(c, ctx->virtio_bdf, &d) == 0, "attach virtio after it");
	CHECK(c->mem_events && vfio_container_mapping_count(c) > 0, "memory mapped");
	vfio_container_destroy(c);
	ctx->a = NULL;
	return 0;
}

static int case_bad_bdf(struct ctx *ctx)
{
	struct vfio_container *c;
	struct vfio_device *d = NULL;
	char *log;
	int ret;

	c = ctx->a = vfio_container_create(EAL_VFIO_TYPE1, NULL);
	CHECK(c != NULL, "create");
	log_start();
	ret = vfio_container_attach(c, "0000:0g:00.0", &d);
	log = log_end();
	CHECK(ret == -EINVAL && has(log, "'0000:0g:00.0' is not a PCI address"), "malformed: %d", ret);
	free(log);
	log_start();
	ret = vfio_container_attach(c, "0000:07:1f.7", &d);
	log = log_end();
	CHECK(ret == -ENODEV && has(log, "no PCI device 0000:07:1f.7"), "absent: %d", ret);
	free(log);
	vfio_container_destroy(c);
	ctx->a = NULL;
	return 0;
}

static int sysfs_write(const char *path, const char *value)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (f == NULL)
		return -errno;
	ret = fputs(value, f) < 0 ? -EIO : 0;
	if (fclose(f) != 0 && ret == 0)
		ret = -errno;
	return ret;
}

/* The basename of the symlink /sys/bus/pci/devices/BDF/LINK, "" if none. */
static void pci_link(const char *bdf, const char *link, char *out, size_t len)
{
	char path[256], target[256];
	const char *base;
	ssize_t n;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, link);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base != NULL ? base + 1 : target;
	if (strlen(base) < len)
		memcpy(out, base, strlen(base) + 1);
}

/* Bind @bdf to @driver the way an administrator would. */
static int pci_bind(const char *bdf, const char *driver)
{
	char path[256], now[64];
	int ret;

	pci_link(bdf, "driver", now, sizeof(now));
	if (strcmp(now, driver) == 0)
		return 0;
	if (now[0] != '\0') {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind", bdf);
		sysfs_write(path, bdf);
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", bdf);
	ret = sysfs_write(path, driver);
	if (ret == 0)
		ret = sysfs_write("/sys/bus/pci/drivers_probe", bdf);
	pci_link(bdf, "driver", now, sizeof(now));
	return strcmp(now, driver) == 0 ? 0 : (ret < 0 ? ret : -ENODEV);
}

/*
 * A group is viable only when every device in it is on vfio-pci or on no
 * driver. q35's ICH9 functions 00:1f.{0,2,3} share one group (a
 * multifunction device without ACS), and none has a driver in this guest:
 * the SATA controller goes to vfio-pci, the SMBus controller to a built-in
 * driver whose probe accepts any device it is forced onto (iosf_mbi_pci
 * only enables the device). UPDK_VM_NONVIABLE=BDF names another such
 * device where the guest is set up differently.
 */
#define ICH9_SATA "0000:00:1f.2"
#define ICH9_SMBUS "0000:00:1f.3"
#define HARMLESS_DRIVER "iosf_mbi_pci"

static int case_non_viable_group(struct ctx *ctx)
{
	const char *bdf = getenv("UPDK_VM_NONVIABLE");
	char group_sata[32], group_smbus[32], offender[96];
	struct vfio_container *c;
	struct vfio_device *d = NULL;
	struct stat st;
	char *log;
	int ret;

	offender[0] = '\0';
	if (bdf == NULL || bdf[0] == '\0') {
		pci_link(ICH9_SATA, "iommu_group", group_sata, sizeof(group_sata));
		pci_link(ICH9_SMBUS, "iommu_group", group_smbus, sizeof(group_smbus));
		if (group_sata[0] == '\0' || strcmp(group_sata, group_smbus) != 0)
			SKIP(ctx, "no q35 ICH9 SATA and SMBus functions sharing an IOMMU "
				  "group in this guest; set UPDK_VM_NONVIABLE=BDF");
		if (stat("/sys/bus/pci/drivers/" HARMLESS_DRIVER, &st) != 0)
			SKIP(ctx, "the guest kernel has no built-in %s driver to occupy "
				  "%s with", HARMLESS_DRIVER, ICH9_SMBUS);
		ret = pci_bind(ICH9_SMBUS, HARMLESS_DRIVER);
		if (ret < 0)
			SKIP(ctx, "could not bind %s to %s: %s", ICH9_SMBUS,
			     HARMLESS_DRIVER, strerror(-ret));
		ret = pci_bind(ICH9_SATA, "vfio-pci");
		if (ret < 0)
			SKIP(ctx, "could not bind %s to vfio-pci: %s", ICH9_SATA,
			     strerror(-ret));
		bdf = ICH9_SATA;
		snprintf(offender, sizeof(offender), "%s (driver %s)", ICH9_SMBUS,
			 HARMLESS_DRIVER);
		printf("    IOMMU group %s: %s on vfio-pci, %s on %s\n", group_sata,
		       ICH9_SATA, ICH9_SMBUS, HARMLESS_DRIVER);
	}
	c = ctx->a = vfio_container_create(EAL_VFIO_TYPE1, NULL);
	CHECK(c != NULL, "create");
	log_start();
	ret = vfio_container_attach(c, bdf, &d);
	log = log_end();
	CHECK(ret == -EBUSY && has(log, "is not viable") && has(log, "(driver "),
	      "non-viable group: %d", ret);
	CHECK(offender[0] == '\0' || has(log, offender), "the offender is named");
	CHECK(has(log, "Bind it to vfio-pci too") &&
	      (offender[0] == '\0' || has(log, "--bind=vfio-pci " ICH9_SMBUS)),
	      "the way out is given");
	free(log);
	/* Nothing of it stuck: the container still takes a good device. */
	CHECK(vfio_container_attach(c, ctx->virtio_bdf, &d) == 0, "attach virtio after it");
	vfio_container_destroy(c);
	ctx->a = NULL;
	return 0;
}

static int case_other_backends(struct ctx *ctx)
{
	struct vfio_container c;
	struct stat st;
	char *log;
	int ret;

	(void)ctx;
	memset(&c, 0, sizeof(c));
	log_start();
	ret = vfio_noiommu_container_ops.open(&c, NULL);
	log = log_end();
	/* Off, or (Debian's 6.1) not built: either way the message says what
	 * it takes. */
	CHECK(ret == -ENOTSUP && (strstr(log, "no-IOMMU mode is off") != NULL ||
				  strstr(log, "CONFIG_VFIO_NOIOMMU") != NULL),
	      "noiommu without the module option: %d", ret);
	free(log);
	if (stat("/dev/iommu", &st) == 0)
		return 0; /* iommufd_runtime takes it from here */
	log_start();
	ret = vfio_iommufd_container_ops.open(&c, NULL);
	log = log_end();
	CHECK(ret == -ENOENT && has(log, "no /dev/iommu: kernel < 6.2 or CONFIG_IOMMUFD off"),
	      "iommufd: %d", ret);
	free(log);
	return 0;
}

/* Where the guest kernel has iommufd: open an IOAS, see its ranges. The
 * device side needs the cdev (6.6+), which the test bed's 6.1 lacks. */
static int case_iommufd_runtime(struct ctx *ctx)
{
	struct vfio_container c;
	struct stat st;

	if (stat("/dev/iommu", &st) != 0)
		SKIP(ctx, "no /dev/iommu: kernel < 6.2 or CONFIG_IOMMUFD off");
	memset(&c, 0, sizeof(c));
	CHECK(vfio_iommufd_container_ops.open(&c, NULL) == 0, "open /dev/iommu");
	CHECK(c.address_space_ready && c.info.nb_iova_ranges >= 1, "IOAS ranges");
	vfio_iommufd_container_ops.release(&c);
	return 0;
}

/* ---- main ---------------------------------------------------------------------- */

static int eal_start(const char *prog)
{
	char *argv[] = {
		(char *)(uintptr_t)prog,
		(char *)(uintptr_t)"-l", (char *)(uintptr_t)"0",
		(char *)(uintptr_t)"--file-prefix", (char *)(uintptr_t)"vmvc",
		(char *)(uintptr_t)"--log-level", (char *)(uintptr_t)"notice",
		NULL,
	};

	return eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv);
}

static void usage(void)
{
	fprintf(stderr, "usage: vm_vfio_cont main [--nonce HEX] | errors\n"
			"  NIC addresses from $UPDK_VM_E1000E and $UPDK_VM_VIRTIO\n");
}

int main(int argc, char **argv)
{
	struct ctx ctx;
	double start = now_ms();
	int ret;

	memset(&ctx, 0, sizeof(ctx));
	setvbuf(stdout, NULL, _IOLBF, 0);
	ctx.e1000e_bdf = getenv("UPDK_VM_E1000E");
	ctx.virtio_bdf = getenv("UPDK_VM_VIRTIO");
	ctx.nonce = "0";
	if (argc < 2 || ctx.e1000e_bdf == NULL || ctx.virtio_bdf == NULL) {
		usage();
		return 2;
	}
	if (argc >= 4 && strcmp(argv[2], "--nonce") == 0)
		ctx.nonce = argv[3];
	ret = eal_start(argv[0]);
	if (ret < 0) {
		printf("[ RUN      ] %s.eal_init\neal_init: %d\n[  FAILED  ] %s.eal_init\n",
		       argv[1], ret, argv[1]);
		return 1;
	}
	printf("eal_init took %.0f ms\n", now_ms() - start);
	suite_name = argv[1];
	if (strcmp(argv[1], "main") == 0) {
		run_case(&ctx, "auto_mode", case_auto_mode);
		run_case(&ctx, "bare_type1_ops", case_bare_type1_ops);
		run_case(&ctx, "two_containers", case_two_containers);
		run_case(&ctx, "merge_crafted", case_merge_crafted);
		run_case(&ctx, "merge_eal", case_merge_eal);
		run_case(&ctx, "dirty_pages", case_dirty_pages);
		run_case(&ctx, "config_space", case_config_space);
		run_case(&ctx, "bar_regions", case_bar_regions);
		run_case(&ctx, "msix_eventfd", case_msix_eventfd);
		run_case(&ctx, "device_reset", case_device_reset);
		run_case(&ctx, "migration_absent", case_migration_absent);
		run_case(&ctx, "dma_proof", case_dma_proof);
		run_case(&ctx, "destroy", case_destroy);
	} else if (strcmp(argv[1], "errors") == 0) {
		run_case(&ctx, "auto_mode", case_auto_mode);
		run_case(&ctx, "device_on_kernel_driver", case_device_on_kernel_driver);
		run_case(&ctx, "bad_bdf", case_bad_bdf);
		run_case(&ctx, "non_viable_group", case_non_viable_group);
		run_case(&ctx, "other_backends", case_other_backends);
		run_case(&ctx, "iommufd_runtime", case_iommufd_runtime);
	} else {
		usage();
		eal_cleanup();
		return 2;
	}
	vfio_container_destroy(ctx.b);
	vfio_container_destroy(ctx.a);
	eal_dma_free(ctx.resident);
	eal_cleanup();
	printf("VM-SUMMARY %u passed, %u failed, %u skipped in %.1f s\n", nb_ok, nb_failed,
	       nb_skipped, (now_ms() - start) / 1e3);
	return nb_failed == 0 ? 0 : 1;
}
