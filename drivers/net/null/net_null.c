/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_null: a virtual port with no wire, for measuring the cost of the
 * layers above a driver.
 *
 *   --vdev=net_null0[,size=<bytes>][,copy=0|1][,no-rx=0|1][,mac=XX:XX:XX:XX:XX:XX]
 *
 * rx hands out freshly allocated mbufs of `size` bytes (default 64) from
 * the queue's pool, as many as asked for; tx frees what it is given. With
 * copy=1 the data is touched as a NIC would: rx copies a template frame
 * into each packet (broadcast destination, the port's MAC as source,
 * EtherType 0x88B5 "local experimental", then bytes 0, 1, 2, ...) and tx
 * reads each packet. no-rx=1 makes rx return nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "eal_kvargs.h"
#include "eal_log.h"
#include "ethdev_driver.h"

#define NULL_DEFAULT_SIZE 64
#define NULL_MAX_SIZE ETHER_MAX_JUMBO_FRAME_LEN
#define NULL_TEMPLATE_ETHER_TYPE 0x88B5
#define NULL_SPEED ETHDEV_SPEED_NUM_10G

EAL_LOG_COMPONENT_REGISTER(null_logtype, "pmd.net.null", EAL_LOG_NOTICE);

struct null_port;

struct null_queue {
	struct null_port *port;
	struct mempool *mp;          /* rx only */
	uint8_t *scratch;            /* tx with copy=1: where packets are read to */
	uint16_t port_id;
	struct ethdev_queue_counters stats;
} __cache_aligned;

struct null_port {
	struct null_queue rxq[ETHDEV_MAX_QUEUES_PER_PORT];
	struct null_queue txq[ETHDEV_MAX_QUEUES_PER_PORT];
	uint16_t packet_size;
	bool copy;
	bool no_rx;
	uint8_t *template;           /* packet_size bytes */
};

static const char *const null_valid_keys[] = { "size", "copy", "no-rx", "mac", NULL };

/* ------------------------------------------------------------------ */
/* Fast path                                                            */

static uint16_t null_rx_burst(void *queue, struct mbuf **pkts, uint16_t nb_pkts)
{
	struct null_queue *rxq = queue;
	const struct null_port *np = rxq->port;
	uint16_t size = np->packet_size;
	uint16_t i;

	if (unlikely(nb_pkts == 0))
		return 0;
	if (unlikely(pktmbuf_alloc_bulk(rxq->mp, pkts, nb_pkts) != 0)) {
		ethdev_counter_add(&rxq->stats.nombuf, nb_pkts);
		return 0;
	}
	for (i = 0; i < nb_pkts; i++) {
		struct mbuf *m = pkts[i];

		m->data_len = size;
		m->pkt_len = size;
		m->port = rxq->port_id;
	}
	if (np->copy)
		for (i = 0; i < nb_pkts; i++)
			memcpy(pktmbuf_mtod(pkts[i], void *), np->template, size);
	ethdev_counter_add(&rxq->stats.packets, nb_pkts);
	ethdev_counter_add(&rxq->stats.bytes, (uint64_t)nb_pkts * size);
	return nb_pkts;
}

static uint16_t null_no_rx_burst(void *queue, struct mbuf **pkts, uint16_t nb_pkts)
{
	(void)queue;
	(void)pkts;
	(void)nb_pkts;
	return 0;
}

static uint16_t null_tx_burst(void *queue, struct mbuf **pkts, uint16_t nb_pkts)
{
	struct null_queue *txq = queue;
	const struct null_port *np = txq->port;
	uint64_t bytes = 0;
	uint16_t i;

	for (i = 0; i < nb_pkts; i++)
		bytes += pkts[i]->pkt_len;
	if (np->copy) {
		for (i = 0; i < nb_pkts; i++) {
			const struct mbuf *m = pkts[i];

			memcpy(txq->scratch, pktmbuf_mtod(m, const void *),
			       EAL_MIN(m->data_len, np->packet_size));
		}
	}
	pktmbuf_free_bulk(pkts, nb_pkts);
	ethdev_counter_add(&txq->stats.packets, nb_pkts);
	ethdev_counter_add(&txq->stats.bytes, bytes);
	return nb_pkts;
}

/* ------------------------------------------------------------------ */
/* Control path                                                         */

static struct null_port *null_port(struct ethdev *dev)
{
	return dev->data.dev_private;
}

static int null_infos_get(struct ethdev *dev, struct ethdev_info *info)
{
	const struct null_port *np = null_port(dev);

	info->max_rx_queues = ETHDEV_MAX_QUEUES_PER_PORT;
	info->max_tx_queues = ETHDEV_MAX_QUEUES_PER_PORT;
	/* Received packets must fit one mbuf. */
	info->min_rx_bufsize = np->packet_size;
	info->max_rx_pktlen = NULL_MAX_SIZE;
	info->max_mtu = NULL_MAX_SIZE - ETHER_HDR_LEN - ETHER_CRC_LEN;
	info->tx_offload_capa = ETHDEV_TX_OFFLOAD_MULTI_SEGS | ETHDEV_TX_OFFLOAD_MBUF_FAST_FREE;
	info->tx_queue_offload_capa = info->tx_offload_capa;
	info->speed_capa = ETHDEV_LINK_SPEED_10G | ETHDEV_LINK_SPEED_FIXED;
	info->default_rxportconf.burst_size = UPDK_DEFAULT_BURST;
	info->default_txportconf.burst_size = UPDK_DEFAULT_BURST;
	return 0;
}

static int null_start(struct ethdev *dev)
{
	dev->data.dev_link.link_status = ETHDEV_LINK_UP;
	return 0;
}

static int null_stop(struct ethdev *dev)
{
	dev->data.dev_link.link_status = ETHDEV_LINK_DOWN;
	return 0;
}

static int null_link_update(struct ethdev *dev, int wait_to_complete)
{
	(void)wait_to_complete;
	dev->data.dev_link = (struct ethdev_link){
		.link_speed = NULL_SPEED,
		.link_duplex = ETHDEV_LINK_FULL_DUPLEX,
		.link_autoneg = ETHDEV_LINK_FIXED,
		.link_status = dev->data.dev_started ? ETHDEV_LINK_UP : ETHDEV_LINK_DOWN,
	};
	return 0;
}

static void null_template_fill(struct null_port *np, const struct eth_addr *src)
{
	struct eth_hdr eth;
	unsigned i;

	for (i = 0; i < np->packet_size; i++)
		np->template[i] = (uint8_t)(i - ETHER_HDR_LEN);
	memset(&eth.dst_addr, 0xff, sizeof(eth.dst_addr));
	eth.src_addr = *src;
	eth.ether_type = cpu_to_be_16(NULL_TEMPLATE_ETHER_TYPE);
	memcpy(np->template, &eth, EAL_MIN((unsigned)sizeof(eth), (unsigned)np->packet_size));
}

static int null_mac_addr_set(struct ethdev *dev, const struct eth_addr *addr)
{
	null_template_fill(null_port(dev), addr);
	return 0;
}

static int null_promiscuous_toggle(struct ethdev *dev)
{
	/* Nothing filters on a port without a wire. */
	(void)dev;
	return 0;
}

static int null_mtu_set(struct ethdev *dev, uint16_t mtu)
{
	(void)dev;
	(void)mtu;
	return 0;
}

static int null_stats_get(struct ethdev *dev, struct ethdev_stats *st)
{
	const struct null_port *np = null_port(dev);
	uint16_t q;

	for (q = 0; q < dev->data.nb_rx_queues; q++)
		ethdev_stats_add_rxq(st, q, &np->rxq[q].stats);
	for (q = 0; q < dev->data.nb_tx_queues; q++)
		ethdev_stats_add_txq(st, q, &np->txq[q].stats);
	return 0;
}

static int null_stats_reset(struct ethdev *dev)
{
	struct null_port *np = null_port(dev);
	unsigned q;

	for (q = 0; q < ETHDEV_MAX_QUEUES_PER_PORT; q++) {
		ethdev_queue_counters_reset(&np->rxq[q].stats);
		ethdev_queue_counters_reset(&np->txq[q].stats);
	}
	return 0;
}

static int null_rx_queue_setup(struct ethdev *dev, uint16_t qid, uint16_t nb_desc,
			       int socket_id, const struct ethdev_rxconf *conf,
			       struct mempool *mp)
{
	struct null_port *np = null_port(dev);
	struct null_queue *rxq = &np->rxq[qid];

	(void)nb_desc;
	(void)socket_id;
	(void)conf;
	memset(rxq, 0, sizeof(*rxq));
	rxq->port = np;
	rxq->mp = mp;
	rxq->port_id = dev->data.port_id;
	dev->data.rx_queues[qid] = rxq;
	return 0;
}

static int null_tx_queue_setup(struct ethdev *dev, uint16_t qid, uint16_t nb_desc,
			       int socket_id, const struct ethdev_txconf *conf)
{
	struct null_port *np = null_port(dev);
	struct null_queue *txq = &np->txq[qid];

	(void)nb_desc;
	(void)socket_id;
	(void)conf;
	memset(txq, 0, sizeof(*txq));
	if (np->copy) {
		txq->scratch = malloc(np->packet_size);
		if (txq->scratch == NULL) {
			EAL_LOG(null_logtype, ERR, "%s: no memory for tx queue %u", dev->data.name, qid);
			return -ENOMEM;
		}
	}
	txq->port = np;
	txq->port_id = dev->data.port_id;
	dev->data.tx_queues[qid] = txq;
	return 0;
}

static void null_rx_queue_release(struct ethdev *dev, uint16_t qid)
{
	memset(&null_port(dev)->rxq[qid], 0, sizeof(struct null_queue));
}

static void null_tx_queue_release(struct ethdev *dev, uint16_t qid)
{
	struct null_queue *txq = &null_port(dev)->txq[qid];

	free(txq->scratch);
	memset(txq, 0, sizeof(*txq));
}

static int null_close(struct ethdev *dev)
{
	struct null_port *np = null_port(dev);

	free(np->template);
	np->template = NULL;
	return 0;
}

static const struct ethdev_ops null_ops = {
	.dev_infos_get = null_infos_get,
	.dev_start = null_start,
	.dev_stop = null_stop,
	.dev_close = null_close,
	.link_update = null_link_update,
	.promiscuous_enable = null_promiscuous_toggle,
	.promiscuous_disable = null_promiscuous_toggle,
	.mac_addr_set = null_mac_addr_set,
	.mtu_set = null_mtu_set,
	.stats_get = null_stats_get,
	.stats_reset = null_stats_reset,
	.rx_queue_setup = null_rx_queue_setup,
	.tx_queue_setup = null_tx_queue_setup,
	.rx_queue_release = null_rx_queue_release,
	.tx_queue_release = null_tx_queue_release,
};

struct null_args {
	uint16_t size;
	bool copy;
	bool no_rx;
	bool mac_given;
	struct eth_addr mac;
};

static int null_parse_args(const char *name, const char *args, struct null_args *out)
{
	struct eal_kvargs kv;
	uint64_t size = NULL_DEFAULT_SIZE;
	const char *mac;
	int rc;

	rc = eal_kvargs_parse(&kv, args, null_valid_keys);
	if (rc == 0) {
		rc = eal_kvargs_get_u64(&kv, "size", 1, NULL_MAX_SIZE, &size);
		if (rc == 0)
			rc = eal_kvargs_get_bool(&kv, "copy", &out->copy);
		if (rc == 0)
			rc = eal_kvargs_get_bool(&kv, "no-rx", &out->no_rx);
		mac = eal_kvargs_get(&kv, "mac");
		if (rc == 0 && mac != NULL) {
			out->mac_given = true;
			if (ether_unformat_addr(mac, &out->mac) < 0 ||
			    !ether_addr_is_valid_assigned(&out->mac)) {
				EAL_LOG(null_logtype, ERR, "%s: mac=%s is not a unicast MAC address",
					name, mac);
				rc = -EINVAL;
			}
		}
		eal_kvargs_free(&kv);
	}
	if (rc < 0) {
		EAL_LOG(null_logtype, ERR,
			"%s: bad arguments '%s': accepted: size=<1..%u>, copy=0|1, no-rx=0|1, mac=XX:XX:XX:XX:XX:XX",
			name, args, NULL_MAX_SIZE);
		return rc;
	}
	out->size = (uint16_t)size;
	return 0;
}

static int null_probe_vdev(const char *name, const char *args);

static struct ethdev_driver null_driver = {
	.name = "net_null",
	.probe_vdev = null_probe_vdev,
};

static int null_probe_vdev(const char *name, const char *args)
{
	struct null_args a = { 0 };
	struct ethdev *dev;
	struct null_port *np;
	int rc;

	rc = null_parse_args(name, args, &a);
	if (rc < 0)
		return rc;
	dev = ethdev_allocate(name, &null_driver, sizeof(struct null_port), EAL_SOCKET_ID_ANY);
	if (dev == NULL)
		return -errno;
	np = null_port(dev);
	np->packet_size = a.size;
	np->copy = a.copy;
	np->no_rx = a.no_rx;
	np->template = malloc(a.size);
	if (np->template == NULL) {
		EAL_LOG(null_logtype, ERR, "%s: no memory for a %u-byte template", name, a.size);
		ethdev_release_port(dev);
		return -ENOMEM;
	}
	if (a.mac_given)
		dev->data.mac_addr = a.mac;
	else
		ether_addr_random(&dev->data.mac_addr);
	null_template_fill(np, &dev->data.mac_addr);
	dev->dev_ops = &null_ops;
	dev->rx_pkt_burst = a.no_rx ? null_no_rx_burst : null_rx_burst;
	dev->tx_pkt_burst = null_tx_burst;
	null_link_update(dev, 0);
	ethdev_probing_finish(dev);
	EAL_LOG(null_logtype, INFO, "%s: port %u, size %u, copy %d, no-rx %d", name,
		dev->data.port_id, a.size, a.copy, a.no_rx);
	return 0;
}

ETHDEV_DRIVER_REGISTER(null_driver)
