/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_ring: ethdev queues backed by rings of mbuf pointers (see net_ring.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "eal_kvargs.h"
#include "eal_log.h"
#include "ethdev_driver.h"
#include "net_ring.h"

#define RING_PORT_DEFAULT_SIZE 1024
#define RING_PORT_MAX_SIZE (1u << 20)
#define RING_PORT_SPEED ETHDEV_SPEED_NUM_10G

EAL_LOG_COMPONENT_REGISTER(ring_pmd_logtype, "pmd.net.ring", EAL_LOG_NOTICE);

struct ring_queue {
	struct ring *ring;
	struct ethdev_queue_counters stats;
	/* Driver-specific statistics, owned by the queue's thread like stats. */
	uint64_t empty_polls, base_empty_polls;  /* rx: bursts that found nothing */
	uint64_t full_bursts, base_full_bursts;  /* tx: bursts that did not all fit */
} __cache_aligned;

struct ring_port {
	struct ring_queue rxq[ETHDEV_MAX_QUEUES_PER_PORT];
	struct ring_queue txq[ETHDEV_MAX_QUEUES_PER_PORT];
	struct ring *rx_rings[ETHDEV_MAX_QUEUES_PER_PORT];
	struct ring *tx_rings[ETHDEV_MAX_QUEUES_PER_PORT];
	uint16_t nb_rx_rings;
	uint16_t nb_tx_rings;
	/* The loopback rings the driver created (vdev); 0 for caller's rings. */
	uint16_t nb_owned;
	struct ring *owned[ETHDEV_MAX_QUEUES_PER_PORT];
};

/* ------------------------------------------------------------------ */
/* Fast path                                                            */

static uint16_t ring_rx_burst(void *queue, struct mbuf **pkts, uint16_t nb_pkts)
{
	struct ring_queue *rxq = queue;
	uint64_t bytes = 0;
	unsigned n, i;

	n = ring_dequeue_burst(rxq->ring, (void **)pkts, nb_pkts, NULL);
	if (n == 0) {
		ethdev_counter_add(&rxq->empty_polls, 1);
		return 0;
	}
	for (i = 0; i < n; i++)
		bytes += pkts[i]->pkt_len;
	ethdev_counter_add(&rxq->stats.packets, n);
	ethdev_counter_add(&rxq->stats.bytes, bytes);
	return (uint16_t)n;
}

static uint16_t ring_tx_burst(void *queue, struct mbuf **pkts, uint16_t nb_pkts)
{
	struct ring_queue *txq = queue;
	uint64_t bytes = 0;
	unsigned n, i;

	/* Read the lengths first: once enqueued, the mbufs are the consumer's. */
	for (i = 0; i < nb_pkts; i++)
		bytes += pkts[i]->pkt_len;
	n = ring_enqueue_burst(txq->ring, (void *const *)pkts, nb_pkts, NULL);
	if (unlikely(n < nb_pkts)) {
		for (i = n; i < nb_pkts; i++)
			bytes -= pkts[i]->pkt_len;
		ethdev_counter_add(&txq->stats.errors, nb_pkts - n);
		ethdev_counter_add(&txq->full_bursts, 1);
	}
	ethdev_counter_add(&txq->stats.packets, n);
	ethdev_counter_add(&txq->stats.bytes, bytes);
	return (uint16_t)n;
}

/* ------------------------------------------------------------------ */
/* Control path                                                         */

static struct ring_port *ring_port(struct ethdev *dev)
{
	return dev->data.dev_private;
}

static int ring_infos_get(struct ethdev *dev, struct ethdev_info *info)
{
	const struct ring_port *rp = ring_port(dev);

	info->max_rx_queues = rp->nb_rx_rings;
	info->max_tx_queues = rp->nb_tx_rings;
	info->max_rx_pktlen = UINT32_MAX;
	info->tx_offload_capa = ETHDEV_TX_OFFLOAD_MULTI_SEGS | ETHDEV_TX_OFFLOAD_MBUF_FAST_FREE;
	info->tx_queue_offload_capa = info->tx_offload_capa;
	info->rx_offload_capa = ETHDEV_RX_OFFLOAD_SCATTER;
	info->rx_queue_offload_capa = info->rx_offload_capa;
	info->speed_capa = ETHDEV_LINK_SPEED_10G | ETHDEV_LINK_SPEED_FIXED;
	info->default_rxportconf.burst_size = UPDK_DEFAULT_BURST;
	info->default_txportconf.burst_size = UPDK_DEFAULT_BURST;
	return 0;
}

/* Free the packets left in the rings the driver owns. */
static void ring_drain_owned(struct ring_port *rp)
{
	struct mbuf *pkts[64];
	unsigned i, n;

	for (i = 0; i < rp->nb_owned; i++)
		while ((n = ring_dequeue_burst(rp->owned[i], (void **)pkts, EAL_DIM(pkts), NULL)) > 0)
			pktmbuf_free_bulk(pkts, n);
}

static int ring_start(struct ethdev *dev)
{
	dev->data.dev_link.link_status = ETHDEV_LINK_UP;
	return 0;
}

static int ring_stop(struct ethdev *dev)
{
	/* A stopped NIC forgets what was in flight; so does the loopback, which
	 * also gives every mbuf back to its pool before the pool may go. */
	ring_drain_owned(ring_port(dev));
	dev->data.dev_link.link_status = ETHDEV_LINK_DOWN;
	return 0;
}

static int ring_link_update(struct ethdev *dev, int wait_to_complete)
{
	(void)wait_to_complete;
	dev->data.dev_link = (struct ethdev_link){
		.link_speed = RING_PORT_SPEED,
		.link_duplex = ETHDEV_LINK_FULL_DUPLEX,
		.link_autoneg = ETHDEV_LINK_FIXED,
		.link_status = dev->data.dev_started ? ETHDEV_LINK_UP : ETHDEV_LINK_DOWN,
	};
	return 0;
}

static int ring_mac_addr_set(struct ethdev *dev, const struct eth_addr *addr)
{
	(void)dev;
	(void)addr;
	return 0;
}

static int ring_promiscuous_toggle(struct ethdev *dev)
{
	/* Rings do not filter by address. */
	(void)dev;
	return 0;
}

static int ring_mtu_set(struct ethdev *dev, uint16_t mtu)
{
	(void)dev;
	(void)mtu;
	return 0;
}

static int ring_stats_get(struct ethdev *dev, struct ethdev_stats *st)
{
	const struct ring_port *rp = ring_port(dev);
	uint16_t q;

	for (q = 0; q < dev->data.nb_rx_queues; q++)
		ethdev_stats_add_rxq(st, q, &rp->rxq[q].stats);
	for (q = 0; q < dev->data.nb_tx_queues; q++)
		ethdev_stats_add_txq(st, q, &rp->txq[q].stats);
	return 0;
}

static int ring_stats_reset(struct ethdev *dev)
{
	struct ring_port *rp = ring_port(dev);
	unsigned q;

	for (q = 0; q < ETHDEV_MAX_QUEUES_PER_PORT; q++) {
		ethdev_queue_counters_reset(&rp->rxq[q].stats);
		ethdev_queue_counters_reset(&rp->txq[q].stats);
		rp->rxq[q].base_empty_polls = __atomic_load_n(&rp->rxq[q].empty_polls, __ATOMIC_RELAXED);
		rp->txq[q].base_full_bursts = __atomic_load_n(&rp->txq[q].full_bursts, __ATOMIC_RELAXED);
	}
	return 0;
}

static const char *const ring_xstat_names[] = { "rx_empty_polls", "tx_full_bursts" };

static int ring_xstats_get_names(struct ethdev *dev, struct ethdev_xstat_name *names,
				 unsigned size)
{
	unsigned i;

	(void)dev;
	if (names != NULL && size >= EAL_DIM(ring_xstat_names))
		for (i = 0; i < EAL_DIM(ring_xstat_names); i++)
			snprintf(names[i].name, sizeof(names[i].name), "%s", ring_xstat_names[i]);
	return (int)EAL_DIM(ring_xstat_names);
}

static int ring_xstats_get(struct ethdev *dev, struct ethdev_xstat *xstats, unsigned n)
{
	const struct ring_port *rp = ring_port(dev);
	uint64_t empty = 0, full = 0;
	uint16_t q;

	if (xstats == NULL || n < EAL_DIM(ring_xstat_names))
		return (int)EAL_DIM(ring_xstat_names);
	for (q = 0; q < dev->data.nb_rx_queues; q++)
		empty += ethdev_counter_read(&rp->rxq[q].empty_polls, &rp->rxq[q].base_empty_polls);
	for (q = 0; q < dev->data.nb_tx_queues; q++)
		full += ethdev_counter_read(&rp->txq[q].full_bursts, &rp->txq[q].base_full_bursts);
	xstats[0].value = empty;
	xstats[1].value = full;
	return (int)EAL_DIM(ring_xstat_names);
}

static int ring_rx_queue_setup(struct ethdev *dev, uint16_t qid, uint16_t nb_desc,
			       int socket_id, const struct ethdev_rxconf *conf,
			       struct mempool *mp)
{
	struct ring_port *rp = ring_port(dev);
	struct ring_queue *rxq = &rp->rxq[qid];

	/* The ring is the queue: its size is fixed, and packets come from
	 * whoever enqueues them, not from a pool. */
	(void)nb_desc;
	(void)socket_id;
	(void)conf;
	(void)mp;
	memset(rxq, 0, sizeof(*rxq));
	rxq->ring = rp->rx_rings[qid];
	dev->data.rx_queues[qid] = rxq;
	return 0;
}

static int ring_tx_queue_setup(struct ethdev *dev, uint16_t qid, uint16_t nb_desc,
			       int socket_id, const struct ethdev_txconf *conf)
{
	struct ring_port *rp = ring_port(dev);
	struct ring_queue *txq = &rp->txq[qid];

	(void)nb_desc;
	(void)socket_id;
	(void)conf;
	memset(txq, 0, sizeof(*txq));
	txq->ring = rp->tx_rings[qid];
	dev->data.tx_queues[qid] = txq;
	return 0;
}

static int ring_close(struct ethdev *dev)
{
	struct ring_port *rp = ring_port(dev);
	unsigned i;

	ring_drain_owned(rp);
	for (i = 0; i < rp->nb_owned; i++) {
		ring_free(rp->owned[i]);
		rp->owned[i] = NULL;
	}
	rp->nb_owned = 0;
	return 0;
}

static const struct ethdev_ops ring_ops = {
	.dev_infos_get = ring_infos_get,
	.dev_start = ring_start,
	.dev_stop = ring_stop,
	.dev_close = ring_close,
	.link_update = ring_link_update,
	.promiscuous_enable = ring_promiscuous_toggle,
	.promiscuous_disable = ring_promiscuous_toggle,
	.mac_addr_set = ring_mac_addr_set,
	.mtu_set = ring_mtu_set,
	.stats_get = ring_stats_get,
	.stats_reset = ring_stats_reset,
	.xstats_get_names = ring_xstats_get_names,
	.xstats_get = ring_xstats_get,
	.rx_queue_setup = ring_rx_queue_setup,
	.tx_queue_setup = ring_tx_queue_setup,
};

static int ring_probe_vdev(const char *name, const char *args);

static struct ethdev_driver ring_driver = {
	.name = "net_ring",
	.probe_vdev = ring_probe_vdev,
};

/* Allocate and publish a port over the given rings. */
static struct ethdev *ring_port_create(const char *name, struct ring *const rx_rings[],
				       unsigned nb_rx, struct ring *const tx_rings[],
				       unsigned nb_tx, int socket_id)
{
	struct ethdev *dev;
	struct ring_port *rp;
	unsigned i;

	dev = ethdev_allocate(name, &ring_driver, sizeof(struct ring_port), socket_id);
	if (dev == NULL)
		return NULL;
	rp = ring_port(dev);
	for (i = 0; i < nb_rx; i++)
		rp->rx_rings[i] = rx_rings[i];
	for (i = 0; i < nb_tx; i++)
		rp->tx_rings[i] = tx_rings[i];
	rp->nb_rx_rings = (uint16_t)nb_rx;
	rp->nb_tx_rings = (uint16_t)nb_tx;
	ether_addr_random(&dev->data.mac_addr);
	dev->dev_ops = &ring_ops;
	dev->rx_pkt_burst = ring_rx_burst;
	dev->tx_pkt_burst = ring_tx_burst;
	ring_link_update(dev, 0);
	return dev;
}

int ethdev_from_rings(const char *name, struct ring *const rx_rings[], unsigned nb_rx,
		      struct ring *const tx_rings[], unsigned nb_tx, int socket_id)
{
	struct ethdev *dev;
	unsigned i;

	if (name == NULL || (nb_rx == 0 && nb_tx == 0) ||
	    nb_rx > ETHDEV_MAX_QUEUES_PER_PORT || nb_tx > ETHDEV_MAX_QUEUES_PER_PORT ||
	    (nb_rx > 0 && rx_rings == NULL) || (nb_tx > 0 && tx_rings == NULL)) {
		EAL_LOG(ring_pmd_logtype, ERR,
			"ethdev_from_rings(%s): give a name and 1..%u rx and/or tx rings (got %u rx, %u tx)",
			name ? name : "NULL", ETHDEV_MAX_QUEUES_PER_PORT, nb_rx, nb_tx);
		return -EINVAL;
	}
	for (i = 0; i < nb_rx; i++)
		if (rx_rings[i] == NULL) {
			EAL_LOG(ring_pmd_logtype, ERR, "ethdev_from_rings(%s): rx ring %u is NULL", name, i);
			return -EINVAL;
		}
	for (i = 0; i < nb_tx; i++)
		if (tx_rings[i] == NULL) {
			EAL_LOG(ring_pmd_logtype, ERR, "ethdev_from_rings(%s): tx ring %u is NULL", name, i);
			return -EINVAL;
		}
	dev = ring_port_create(name, rx_rings, nb_rx, tx_rings, nb_tx, socket_id);
	if (dev == NULL)
		return -errno;
	ethdev_probing_finish(dev);
	return dev->data.port_id;
}

static const char *const ring_valid_keys[] = { "queues", "size", NULL };

static int ring_probe_vdev(const char *name, const char *args)
{
	struct eal_kvargs kv;
	uint64_t nb_queues = 1, size = RING_PORT_DEFAULT_SIZE;
	struct ring *rings[ETHDEV_MAX_QUEUES_PER_PORT];
	struct ethdev *dev;
	struct ring_port *rp;
	unsigned i;
	int rc;

	rc = eal_kvargs_parse(&kv, args, ring_valid_keys);
	if (rc == 0) {
		rc = eal_kvargs_get_u64(&kv, "queues", 1, ETHDEV_MAX_QUEUES_PER_PORT, &nb_queues);
		if (rc == 0)
			rc = eal_kvargs_get_u64(&kv, "size", 1, RING_PORT_MAX_SIZE, &size);
		eal_kvargs_free(&kv);
	}
	if (rc < 0) {
		EAL_LOG(ring_pmd_logtype, ERR,
			"%s: bad arguments '%s': accepted: queues=<1..%u>, size=<1..%u ring slots>",
			name, args, ETHDEV_MAX_QUEUES_PER_PORT, RING_PORT_MAX_SIZE);
		return rc;
	}

	/* Rings are named after the port id, so the port comes first; its
	 * queues point at the rings before anyone can see it. */
	memset(rings, 0, sizeof(rings));
	dev = ring_port_create(name, rings, (unsigned)nb_queues, rings, (unsigned)nb_queues,
			       EAL_SOCKET_ID_ANY);
	if (dev == NULL)
		return -errno;
	rp = ring_port(dev);
	for (i = 0; i < nb_queues; i++) {
		char ring_name[RING_NAMESIZE];

		snprintf(ring_name, sizeof(ring_name), "net_ring_p%u_q%u", dev->data.port_id, i);
		/* One producer (the tx queue's lcore), one consumer (rx's). */
		rp->owned[i] = ring_create(ring_name, (unsigned)size, EAL_SOCKET_ID_ANY,
					   RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
		if (rp->owned[i] == NULL) {
			rc = -errno;
			EAL_LOG(ring_pmd_logtype, ERR, "%s: cannot create ring %s of %u slots: %s",
				name, ring_name, (unsigned)size, strerror(errno));
			ring_close(dev);
			ethdev_release_port(dev);
			return rc;
		}
		rp->nb_owned = (uint16_t)(i + 1);
		rp->rx_rings[i] = rp->owned[i];
		rp->tx_rings[i] = rp->owned[i];
	}
	ethdev_probing_finish(dev);
	EAL_LOG(ring_pmd_logtype, INFO, "%s: port %u, loopback over %u ring(s) of %u slots", name,
		dev->data.port_id, (unsigned)nb_queues, (unsigned)size);
	return 0;
}

ETHDEV_DRIVER_REGISTER(ring_driver)
