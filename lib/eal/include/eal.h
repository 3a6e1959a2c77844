/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Environment abstraction layer: process set-up for a poll-mode application.
 *
 *     int n = eal_init(argc, argv);
 *     if (n < 0)
 *         return eal_exit_status(n);   // 0 after --help, 2 for bad usage
 *     argc -= n; argv += n;            // the application's own options
 *     ...
 *     eal_cleanup();
 *
 * eal_init() parses the EAL options (everything before "--"), measures the
 * TSC, sets up logging, the hugepage memory, the lcore threads, and then runs
 * the probe hooks that upper layers registered (ethdev probes --vdev and -a
 * devices this way, so the EAL never names them).
 */
#ifndef UPDK_EAL_H
#define UPDK_EAL_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include "eal_common.h"
#include "eal_lcore.h"
#include "eal_log.h"
#include "eal_memory.h"

/** eal_init() result when --help was given (usage already printed). */
#define EAL_INIT_HELP (-10000)

/**
 * Initialise the EAL from the command line.
 * @return number of argv entries consumed (argv[0] and the "--" included),
 *         EAL_INIT_HELP, or a negative errno: -EINVAL for bad usage (the
 *         message names the option and what it accepts), -EALREADY, or the
 *         error of a failed step (its message says what to do).
 */
int eal_init(int argc, char **argv);

/** Process exit status for a negative eal_init() result: 0 after --help,
 *  2 for bad usage, 1 otherwise. */
int eal_exit_status(int eal_init_result);

/** Undo eal_init(): run cleanup hooks, join workers, release memory and
 *  remove hugepage files. Safe to call twice or without eal_init(). */
void eal_cleanup(void);

/** True from the point where memory and lcores are up (init hooks already
 *  see it) until eal_cleanup(). */
bool eal_initialized(void);

/** Print the EAL options to @p stream (FILE *). */
void eal_usage(void *stream);

enum eal_vfio_mode {
	EAL_VFIO_AUTO = 0,  /**< iommufd if available, else type1 */
	EAL_VFIO_TYPE1,     /**< legacy container/group API */
	EAL_VFIO_NOIOMMU,   /**< no IOMMU, IOVA = physical */
	EAL_VFIO_IOMMUFD,   /**< /dev/iommu + VFIO device cdev */
	EAL_VFIO_USER,      /**< vfio-user over a UNIX socket */
};
enum eal_vfio_mode eal_vfio_mode(void);
const char *eal_vfio_mode_name(enum eal_vfio_mode m);

/** A device named with -a/--allow. */
enum eal_device_kind { EAL_DEVICE_PCI, EAL_DEVICE_VFIO_USER };
struct eal_device_spec {
	enum eal_device_kind kind;
	/** PCI: canonical "DDDD:BB:DD.F"; vfio-user: the socket path. */
	char addr[PATH_MAX];
	/** "key=value,..." after the address (may be empty). */
	char args[256];
};
unsigned eal_allowed_device_count(void);
const struct eal_device_spec *eal_allowed_device(unsigned i);

/** A virtual device named with --vdev=name,key=value,... */
struct eal_vdev_spec {
	char name[64];
	char args[256];
};
unsigned eal_vdev_count(void);
const struct eal_vdev_spec *eal_vdev(unsigned i);

/** Canonicalise a PCI address ("BB:DD.F" or "DDDD:BB:DD.F") into
 *  @p out ("DDDD:BB:DD.F"). @return 0 or -EINVAL. */
int eal_pci_addr_parse(const char *s, char out[13]);

/** The --file-prefix in use (the default one before eal_init()). */
const char *eal_file_prefix(void);
/** Runtime directory (for sockets, locks): UPDK_DEFAULT_RUNTIME_DIR/<prefix>,
 *  or $XDG_RUNTIME_DIR/updk/<prefix> or /tmp/updk-<uid>/<prefix> when that
 *  is not writable. Created by eal_init(); shared by processes with the
 *  same prefix, so names in it should be unique per process; removed by the
 *  last of them at eal_cleanup(). "" when the EAL is not initialised. */
const char *eal_runtime_dir(void);

/**
 * Hooks let upper layers run at the end of eal_init() and at the start of
 * eal_cleanup() without the EAL knowing them. Lower @p order runs first at
 * init and last at cleanup. A failing init hook fails eal_init().
 * Register from a constructor.
 */
struct eal_hook {
	const char *name;
	int order;
	int (*init)(void);     /**< may be NULL */
	void (*cleanup)(void); /**< may be NULL */
	struct eal_hook *next;
};
void eal_hook_register(struct eal_hook *h);

#define EAL_HOOK_ORDER_BUS 100     /* device discovery: PCI scan, vfio-user connect */
#define EAL_HOOK_ORDER_DEVICE 200  /* drivers probe devices: ethdev */

#endif /* UPDK_EAL_H */
