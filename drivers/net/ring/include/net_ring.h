/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * net_ring: an ethdev port whose queues are rings of mbuf pointers.
 *
 * As a vdev, --vdev=net_ring0[,queues=<n>][,size=<slots>] is a loopback:
 * what tx queue i sends, rx queue i receives (n rings of `size` mbufs,
 * default 1 and 1024). The rings are the driver's: packets still in them
 * are freed when the port stops.
 *
 * From C, ethdev_from_rings() wraps rings the caller made, for in-process
 * pipelines: one port's tx ring can be another's rx ring. Those rings stay
 * the caller's (not drained, not freed).
 *
 * tx enqueues as many packets as fit and returns that count; the rest stay
 * the caller's and count as tx errors (oerrors), as with a full NIC ring.
 */
#ifndef UPDK_NET_RING_H
#define UPDK_NET_RING_H

#include <stdint.h>
#include "ring.h"

/**
 * Create a port over existing rings.
 * @param name       unique port name
 * @param rx_rings   ring of rx queue i at index i (may be NULL if @p nb_rx is 0)
 * @param nb_rx      rx queues the port offers (0..ETHDEV_MAX_QUEUES_PER_PORT)
 * @param tx_rings   ring of tx queue i at index i
 * @param nb_tx      tx queues the port offers; not both 0
 * @param socket_id  NUMA node recorded for the port
 * @return the port id (>= 0), or a negative errno: -EINVAL (NULL name or
 *         ring, bad counts), -EEXIST (name in use), -ENOSPC (no free port),
 *         -ENOMEM. The port is not configured: call ethdev_configure() with
 *         at most @p nb_rx / @p nb_tx queues.
 */
int ethdev_from_rings(const char *name, struct ring *const rx_rings[], unsigned nb_rx,
		      struct ring *const tx_rings[], unsigned nb_tx, int socket_id);

#endif /* UPDK_NET_RING_H */
