/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL internals shared between its files (and its unit tests). Not installed.
 */
#ifndef UPDK_EAL_PRIVATE_H
#define UPDK_EAL_PRIVATE_H

#include <limits.h>
#include <stdbool.h>
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

/* TSC (eal.c) */
void eal_tsc_calibrate(void);

/* logging (eal_log.c): apply cfg->log_levels */
void eal_log_apply_config(const struct eal_config *cfg);

#endif /* UPDK_EAL_PRIVATE_H */
