/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Logical cores: one pinned thread per lcore given with -l/--lcores.
 *
 * The thread that calls eal_init() becomes the main lcore (--main-lcore,
 * default the lowest). Every other lcore is a worker thread that waits for
 * eal_remote_launch(). The lcore id of the calling thread is kept in
 * thread-local storage, so per-lcore caches (mempool) cost no syscall.
 */
#ifndef UPDK_EAL_LCORE_H
#define UPDK_EAL_LCORE_H

#include <stdbool.h>
#include "eal_common.h"

#define EAL_MAX_LCORES UPDK_MAX_LCORES
/** lcore id of a thread the EAL did not create. */
#define EAL_LCORE_ID_ANY UINT32_MAX

extern __thread unsigned eal_per_lcore_id;

/** The calling thread's lcore id, or EAL_LCORE_ID_ANY. */
static inline unsigned eal_lcore_id(void)
{
	return eal_per_lcore_id;
}

unsigned eal_main_lcore(void);
/** Number of enabled lcores (main included). */
unsigned eal_lcore_count(void);
bool eal_lcore_is_enabled(unsigned lcore_id);
/** The CPU an lcore is pinned to, or -1 when the lcore is not enabled. */
int eal_lcore_cpu(unsigned lcore_id);
/** NUMA node of an lcore's CPU (0 on a machine without NUMA), or -1. */
int eal_lcore_socket(unsigned lcore_id);
/** NUMA node of the calling thread's lcore (0 for non-EAL threads). */
int eal_socket_id(void);
/** The next enabled lcore after @p i (UINT32_MAX -> first), skipping the
 *  main lcore when @p skip_main; EAL_MAX_LCORES when there is none. */
unsigned eal_lcore_next(unsigned i, bool skip_main);

#define EAL_LCORE_FOREACH(i)                                    \
	for ((i) = eal_lcore_next(UINT32_MAX, false);          \
	     (i) < EAL_MAX_LCORES; (i) = eal_lcore_next((i), false))
#define EAL_LCORE_FOREACH_WORKER(i)                             \
	for ((i) = eal_lcore_next(UINT32_MAX, true);           \
	     (i) < EAL_MAX_LCORES; (i) = eal_lcore_next((i), true))

typedef int (*eal_lcore_fn)(void *arg);

enum eal_lcore_state { EAL_LCORE_WAIT, EAL_LCORE_RUNNING, EAL_LCORE_FINISHED };

/**
 * Run @p fn(@p arg) on worker lcore @p worker.
 * @return 0; -EINVAL if @p fn is NULL or @p worker is not an enabled worker
 *         (the main lcore is not one); -EBUSY if it is still running a
 *         previous function, or finished one whose result eal_wait_lcore()
 *         has not collected yet.
 */
int eal_remote_launch(eal_lcore_fn fn, void *arg, unsigned worker);

/** Launch on every worker, and on the main lcore too (in the calling
 *  thread, before returning; its return value is dropped) when
 *  @p call_main. Nothing is launched if one worker is busy.
 *  @return 0, -EBUSY, or -EINVAL for a NULL @p fn. */
int eal_mp_remote_launch(eal_lcore_fn fn, void *arg, bool call_main);

/** Wait for @p worker to finish and make it ready for the next launch.
 *  @return fn's return value (0 if idle), or -EINVAL if @p worker is not
 *  an enabled worker. */
int eal_wait_lcore(unsigned worker);

/** Wait for every worker. */
void eal_mp_wait_lcore(void);

/** State of @p worker (EAL_LCORE_WAIT for an lcore that is not a worker). */
enum eal_lcore_state eal_lcore_state(unsigned worker);

#endif /* UPDK_EAL_LCORE_H */
