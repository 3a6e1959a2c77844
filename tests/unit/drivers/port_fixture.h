/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the vdev driver tests share: EAL start with a list of --vdev ports,
 * port lookup and start, and the check after every test that the ports are
 * stopped and every mbuf is back in its pool.
 */
#ifndef UPDK_TEST_PORT_FIXTURE_H
#define UPDK_TEST_PORT_FIXTURE_H

#include <stdint.h>

#include "ethdev.h"
#include "mempool.h"

/** eal_init() with --no-huge, one lcore, a per-process file prefix and
 *  @p vdevs (NULL-terminated "--vdev=..." strings). @return eal_init's. */
int fixture_eal_init(const char *prog, const char *const *vdevs);

/** The port called @p name, or ETHDEV_PORT_ID_INVALID (message printed). */
uint16_t fixture_port_of(const char *name);

/** (Re)configure @p p with @p nb_rx/@p nb_tx queues on @p mp, reset its
 *  stats and start it; every step asserted. */
void fixture_start_port(uint16_t p, uint16_t nb_rx, uint16_t nb_tx,
			struct mempool *mp);

/** Stop every port; -1 (with a message) when mbufs of @p mp are missing. */
int fixture_stop_all_check_pool(struct mempool *mp);

/** Stop and close every port (which frees what they hold), free @p mp,
 *  eal_cleanup(). */
void fixture_teardown(struct mempool *mp);

#endif
