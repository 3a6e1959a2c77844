/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IOVA mode and virtual-to-physical translation through /proc/self/pagemap.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "eal_private.h"

/* pagemap entry layout (Documentation/admin-guide/mm/pagemap.rst) */
#define PAGEMAP_PRESENT (1ull << 63)
#define PAGEMAP_SWAPPED (1ull << 62)
#define PAGEMAP_PFN_MASK ((1ull << 55) - 1)

static enum eal_iova_mode current_iova_mode = EAL_IOVA_VA;

enum eal_iova_mode eal_iova_mode(void)
{
	return current_iova_mode;
}

uint64_t eal_virt2phys(const void *addr)
{
	long sys_page = sysconf(_SC_PAGESIZE);
	uintptr_t va = (uintptr_t)addr;
	uint64_t entry;
	off_t where;
	ssize_t n;
	int fd, err;

	if (sys_page <= 0)
		sys_page = 4096;
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return EAL_BAD_IOVA; /* errno from open() */

	where = (off_t)(va / (uintptr_t)sys_page) * (off_t)sizeof(entry);
	n = pread(fd, &entry, sizeof(entry), where);
	err = errno;
	close(fd);
	if (n != (ssize_t)sizeof(entry)) {
		errno = n < 0 ? err : EIO;
		return EAL_BAD_IOVA;
	}
	if (!(entry & PAGEMAP_PRESENT) || (entry & PAGEMAP_SWAPPED)) {
		errno = ENOENT;
		return EAL_BAD_IOVA;
	}
	/* Since Linux 4.2 the PFN reads as 0 without CAP_SYS_ADMIN. */
	if ((entry & PAGEMAP_PFN_MASK) == 0) {
		errno = EPERM;
		return EAL_BAD_IOVA;
	}
	return (entry & PAGEMAP_PFN_MASK) * (uint64_t)sys_page +
	       (va % (uintptr_t)sys_page);
}

/* Translate one freshly touched page to learn whether this process may read
 * physical addresses at all, before any DMA memory depends on it. */
static int check_pagemap_readable(void)
{
	long sys_page = sysconf(_SC_PAGESIZE);
	size_t len = sys_page > 0 ? (size_t)sys_page : 4096;
	volatile char *probe;
	uint64_t pa;
	int err;

	probe = mmap(NULL, len, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (probe == MAP_FAILED)
		return -errno;
	probe[0] = 1;
	pa = eal_virt2phys((const void *)(uintptr_t)probe);
	err = errno;
	munmap((void *)(uintptr_t)probe, len);
	if (pa != EAL_BAD_IOVA)
		return 0;
	if (err == EPERM || err == EACCES) {
		EAL_LOG(eal_mem_logtype, ERR,
			"--iova-mode=pa needs root / CAP_SYS_ADMIN to read "
			"/proc/self/pagemap; run as root or use --iova-mode=va");
		return -EPERM;
	}
	EAL_LOG(eal_mem_logtype, ERR,
		"--iova-mode=pa: cannot translate addresses with "
		"/proc/self/pagemap (%s); use --iova-mode=va",
		strerror(err));
	return -err;
}

int eal_iova_init(enum eal_iova_mode mode, bool no_huge)
{
	int ret;

	if (mode != EAL_IOVA_VA && mode != EAL_IOVA_PA) {
		EAL_LOG(eal_mem_logtype, ERR, "unknown IOVA mode %d", (int)mode);
		return -EINVAL;
	}
	if (mode == EAL_IOVA_PA) {
		if (no_huge) {
			/* 4 KiB pages are almost never physically adjacent, so
			 * nothing larger than 4 KiB could be allocated. */
			EAL_LOG(eal_mem_logtype, ERR,
				"--iova-mode=pa cannot be used with --no-huge: "
				"4 KiB pages are not physically contiguous; "
				"use hugepages or --iova-mode=va");
			return -EINVAL;
		}
		ret = check_pagemap_readable();
		if (ret < 0)
			return ret;
	}
	current_iova_mode = mode;
	return 0;
}

void eal_iova_cleanup(void)
{
	current_iova_mode = EAL_IOVA_VA;
}
