/* SPDX-License-Identifier: BSD-3-Clause */
#include <dirent.h>
#include <fcntl.h>
#include <mntent.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "mem_test_util.h"

char mt_prefix[32];

void mt_set_prefix(const char *tag)
{
	snprintf(mt_prefix, sizeof(mt_prefix), "%s%ld_", tag, (long)getpid());
}

static int first_allowed_cpu(void)
{
	cpu_set_t set;
	int cpu;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
			if (CPU_ISSET(cpu, &set))
				return cpu;
	return 0;
}

int mt_eal_init_prefix(const char *prefix, const char *const *args)
{
	char cpu[16];
	char *argv[32];
	int argc = 0;

	snprintf(cpu, sizeof(cpu), "%d", first_allowed_cpu());
	argv[argc++] = (char *)(uintptr_t)"test_eal_memory";
	argv[argc++] = (char *)(uintptr_t)"-l";
	argv[argc++] = cpu;
	argv[argc++] = (char *)(uintptr_t)"--file-prefix";
	argv[argc++] = (char *)(uintptr_t)prefix;
	while (args != NULL && *args != NULL && argc < 31)
		argv[argc++] = (char *)(uintptr_t)*args++;
	argv[argc] = NULL;
	return eal_init(argc, argv);
}

int mt_eal_init(const char *const *args)
{
	return mt_eal_init_prefix(mt_prefix, args);
}

size_t mt_default_hugepage_size(void)
{
	char line[256];
	size_t size = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long kb;

		if (sscanf(line, "Hugepagesize: %lu kB", &kb) == 1)
			size = (size_t)kb << 10;
	}
	fclose(f);
	return size;
}

unsigned long mt_free_hugepages(size_t page_size)
{
	char path[256];
	unsigned long n = 0;
	FILE *f;

	snprintf(path, sizeof(path),
		 "/sys/kernel/mm/hugepages/hugepages-%zukB/free_hugepages",
		 page_size >> 10);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	if (fscanf(f, "%lu", &n) != 1)
		n = 0;
	fclose(f);
	return n;
}

/* "pagesize=2M" and friends */
static size_t mount_page_size(const char *opt, size_t def)
{
	const char *v;
	unsigned long n;
	char *end;

	if (opt == NULL)
		return def;
	v = opt + strlen("pagesize=");
	n = strtoul(v, &end, 10);
	switch (*end) {
	case 'G': case 'g': return (size_t)n << 30;
	case 'M': case 'm': return (size_t)n << 20;
	case 'K': case 'k': return (size_t)n << 10;
	default: return n;
	}
}

bool mt_hugetlbfs_mount(size_t page_size, char dir[PATH_MAX])
{
	size_t def = mt_default_hugepage_size();
	struct mntent *m;
	bool found = false;
	FILE *f = setmntent("/proc/mounts", "r");

	if (f == NULL)
		return false;
	while (!found && (m = getmntent(f)) != NULL) {
		if (strcmp(m->mnt_type, "hugetlbfs") != 0)
			continue;
		if (mount_page_size(hasmntopt(m, "pagesize"), def) == page_size &&
		    access(m->mnt_dir, W_OK) == 0) {
			snprintf(dir, PATH_MAX, "%s", m->mnt_dir);
			found = true;
		}
	}
	endmntent(f);
	return found;
}

const char *mt_hugepage_unavailable(bool need_mount, unsigned long need_pages)
{
	static char why[256];
	size_t page = mt_default_hugepage_size();
	char dir[PATH_MAX];

	if (page == 0)
		return "the kernel has no hugepages";
	if (mt_free_hugepages(page) < need_pages) {
		snprintf(why, sizeof(why),
			 "needs %lu free hugepages of %zu kB, %lu free "
			 "(echo 512 > /sys/kernel/mm/hugepages/hugepages-%zukB/nr_hugepages)",
			 need_pages, page >> 10, mt_free_hugepages(page), page >> 10);
		return why;
	}
	if (need_mount && !mt_hugetlbfs_mount(page, dir))
		return "no writable hugetlbfs mount (mount -t hugetlbfs nodev /mnt/huge)";
	return "";
}

int mt_count_files(const char *dir, const char *prefix)
{
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(dir);

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

int mt_count_files_all_mounts(const char *prefix)
{
	struct mntent *m;
	int n = 0;
	FILE *f = setmntent("/proc/mounts", "r");

	if (f == NULL)
		return 0;
	while ((m = getmntent(f)) != NULL)
		if (strcmp(m->mnt_type, "hugetlbfs") == 0)
			n += mt_count_files(m->mnt_dir, prefix);
	endmntent(f);
	return n;
}

uint64_t mt_pagemap_pa(const void *addr)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t entry, pfn;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return UINT64_MAX;
	n = pread(fd, &entry, sizeof(entry),
		  (off_t)((uintptr_t)addr / (uintptr_t)page * sizeof(entry)));
	close(fd);
	if (n != (ssize_t)sizeof(entry) || !(entry >> 63))
		return UINT64_MAX;
	pfn = entry & ((1ull << 55) - 1);
	if (pfn == 0)
		return UINT64_MAX;
	return pfn * (uint64_t)page + (uintptr_t)addr % (uintptr_t)page;
}

static FILE *capture;

void mt_log_capture_start(void)
{
	capture = tmpfile();
	assert_non_null(capture);
	eal_log_set_stream(capture);
}

char *mt_log_capture_end(void)
{
	long len;
	char *text;

	eal_log_set_stream(NULL);
	assert_non_null(capture);
	fflush(capture);
	len = ftell(capture);
	assert_true(len >= 0);
	text = calloc(1, (size_t)len + 1);
	assert_non_null(text);
	rewind(capture);
	if (len > 0)
		assert_int_equal(fread(text, 1, (size_t)len, capture), (size_t)len);
	fclose(capture);
	capture = NULL;
	return text;
}

struct seg_check {
	unsigned n;
	uintptr_t prev_end;
	size_t total;
	size_t page;
	bool ok;
	char why[160];
};

static int check_one_segment(const struct eal_memseg *seg, void *arg)
{
	struct seg_check *c = arg;

	if ((uintptr_t)seg->addr < c->prev_end)
		snprintf(c->why, sizeof(c->why), "segment %u overlaps or is out of order",
			 seg->id);
	else if (seg->len == 0 || seg->len % seg->page_size != 0)
		snprintf(c->why, sizeof(c->why), "segment %u length %zu not pages",
			 seg->id, seg->len);
	else if (seg->page_size != c->page)
		snprintf(c->why, sizeof(c->why), "segment %u page size %zu != %zu",
			 seg->id, seg->page_size, c->page);
	else if (seg->fd < 0 || fcntl(seg->fd, F_GETFD) < 0)
		snprintf(c->why, sizeof(c->why), "segment %u has no open fd", seg->id);
	else if (eal_memseg_find(seg->addr) != seg ||
		 eal_memseg_find((const char *)seg->addr + seg->len - 1) != seg)
		snprintf(c->why, sizeof(c->why), "eal_memseg_find disagrees on %u",
			 seg->id);
	else if (eal_virt2iova(seg->addr) != seg->iova)
		snprintf(c->why, sizeof(c->why), "eal_virt2iova disagrees on %u",
			 seg->id);
	else {
		c->prev_end = (uintptr_t)seg->addr + seg->len;
		c->total += seg->len;
		c->n++;
		return 0;
	}
	c->ok = false;
	return 1;
}

unsigned mt_check_segments(void)
{
	struct seg_check c = { .ok = true, .page = eal_dma_page_size() };
	struct eal_dma_stats st;

	assert_int_equal(eal_memseg_walk(check_one_segment, &c), c.ok ? 0 : 1);
	if (!c.ok)
		fail_msg("%s", c.why);
	eal_dma_stats_get(&st);
	assert_int_equal(st.nb_segs, c.n);
	assert_int_equal(st.total_bytes, c.total);
	assert_int_equal(st.used_bytes + st.free_bytes, st.total_bytes);
	return c.n;
}
