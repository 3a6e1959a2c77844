/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL internals shared between its files (and its unit tests). Not installed.
 */
#ifndef UPDK_EAL_PRIVATE_H
#define UPDK_EAL_PRIVATE_H

#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "eal.h"

#define EAL_MAX_ALLOWED_DEVICES 64
#define EAL_MAX_VDEVS 64
#define EAL_MAX_LOG_PATTERNS 32
#define EAL_FILE_PREFIX_MAX 64

/* Everything the command line decides; filled by eal_parse_args(). */
struct eal_config {
	/* lcores: lcore id -> CPU; -1 when the lcore is not enabled */
	int lcore_cpu[EAL_MAX_LCORES];
	unsigned nb_lcores;
	unsigned main_lcore;
	bool main_lcore_set;

	/* memory */
	uint64_t mem_bytes;                        /* -m; 0 = no limit */
	uint64_t socket_mem[UPDK_MAX_NUMA_NODES];  /* --socket-mem; bytes */
	bool socket_mem_set;
	char huge_dir[PATH_MAX];                   /* --huge-dir; "" = search */
	bool no_huge;
	bool in_memory;
	char file_prefix[EAL_FILE_PREFIX_MAX];
	enum eal_iova_mode iova_mode;
	enum eal_vfio_mode vfio_mode;

	/* devices */
	struct eal_device_spec allowed[EAL_MAX_ALLOWED_DEVICES];
	unsigned nb_allowed;
	struct eal_vdev_spec vdevs[EAL_MAX_VDEVS];
	unsigned nb_vdevs;

	/* logging: applied in order, later patterns win */
	struct {
		char pattern[64];
		int level;
	} log_levels[EAL_MAX_LOG_PATTERNS];
	unsigned nb_log_levels;

	bool help;
};

/* Fill @cfg with defaults. */
void eal_config_defaults(struct eal_config *cfg);

/*
 * Parse the EAL options in argv (up to "--") into @cfg. Pure: no side
 * effects but messages to @err, so tests can call it many times (resets
 * getopt itself). Checks that CPUs exist (sysconf / sched_getaffinity).
 * @return arguments consumed (argv[0] and "--" included), or -EINVAL with
 *         a message naming the option and what it accepts.
 */
int eal_parse_args(int argc, char **argv, struct eal_config *cfg, FILE *err);

/* The configuration eal_init() is running with. */
extern struct eal_config eal_cfg;

/* lcores (eal_lcore.c) */
int eal_lcore_init(const struct eal_config *cfg);
void eal_lcore_cleanup(void);
/* The calling thread's CPU affinity in a CPU_ALLOC'ed set (free with
 * CPU_FREE) sized for this machine, its byte size in @size. NULL + errno. */
cpu_set_t *eal_thread_affinity_get(size_t *size);

/* memory (eal_memory.c): set up hugepage discovery and the heap; nothing is
 * mapped until the first allocation (beyond the -m / --socket-mem
 * reservation check). */
int eal_memory_init(const struct eal_config *cfg);
void eal_memory_cleanup(void);

/* hugepages (eal_hugepage.c) */
struct eal_hugepage_info {
	size_t page_size;
	char mount[PATH_MAX];        /* "" when only memfd is usable */
	unsigned free_pages[UPDK_MAX_NUMA_NODES];
	unsigned total_free;
};
/* Find usable hugepage sizes (mounts from /proc/mounts or cfg->huge_dir,
 * free pages from sysfs), best first. @return count, or negative errno with
 * an actionable message logged. */
int eal_hugepage_discover(const struct eal_config *cfg,
			  struct eal_hugepage_info *out, unsigned max);
/* Remove hugepage files of dead processes that used @prefix in @dir.
 * @return number removed. */
int eal_hugepage_reclaim(const char *dir, const char *prefix);

/* The memory files' own log component ("eal.memory"). */
extern struct eal_log_component eal_mem_logtype;

/* Free pages of @page_size per NUMA node (sysfs) into @free_pages (zeroed
 * first); @return the total, or negative errno when sysfs has no such size. */
long eal_hugepage_free_pages(size_t page_size,
			     unsigned free_pages[UPDK_MAX_NUMA_NODES]);
/* Log (at ERR) that @need pages of @page_size are needed on @node (-1: any)
 * while @free_pages are free, with the commands that reserve them. */
void eal_hugepage_log_shortage(const char *what, size_t page_size, int node,
			       unsigned long need, unsigned long free_pages);
/* Take the exclusive lock "<dir>/<prefix>.lock" that marks @prefix as in use.
 * @return the lock fd, -EBUSY (another live process has it: its pid is
 *         logged), or another negative errno. */
int eal_hugepage_prefix_lock(const char *dir, const char *prefix);
/* Release and remove the lock taken by eal_hugepage_prefix_lock(). */
void eal_hugepage_prefix_unlock(int lock_fd, const char *dir, const char *prefix);

/* IOVA (eal_iova.c): select @mode; --iova-mode=pa is checked here (needs
 * pagemap PFNs, so root, and hugepages). @return 0 or negative errno. */
int eal_iova_init(enum eal_iova_mode mode, bool no_huge);
void eal_iova_cleanup(void);

/* TSC (eal.c) */
void eal_tsc_calibrate(void);

/* logging (eal_log.c): apply cfg->log_levels */
void eal_log_apply_config(const struct eal_config *cfg);

/* kvargs (eal_kvargs.c): check "k=v,k,..." syntax without logging, so the
 * option parser can report it on its own stream. On error, @bad_item and
 * @bad_len locate the offending item. @return 0 or -EINVAL. */
int eal_kvargs_syntax_check(const char *args, const char **bad_item,
			    size_t *bad_len);

#endif /* UPDK_EAL_PRIVATE_H */
