/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port registry, fast-path table and the control-path state machine.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ethdev_private.h"

EAL_LOG_COMPONENT_REGISTER(ethdev_logtype, "ethdev", EAL_LOG_NOTICE);

struct ethdev_fp_ops ethdev_fp_ops[ETHDEV_MAX_PORTS];

static struct ethdev ethdev_ports[ETHDEV_MAX_PORTS];
/* Guards slot allocation and release; per-port control calls are not
 * thread-safe by contract (one thread controls a port). */
static pthread_mutex_t ethdev_ports_lock = PTHREAD_MUTEX_INITIALIZER;

/* ------------------------------------------------------------------ */
/* Fast path of ports that are not started                             */

static void warn_burst_not_started(void *queue, const char *what)
{
#ifndef NDEBUG
	/* The queue slots of a port that is not started point at the port
	 * itself (or are NULL for a slot never used), see fp_ops_stopped(). */
	struct ethdev *dev = queue;

	if (dev == NULL) {
		EAL_LOG(ethdev_logtype, WARNING, "%s burst on a port that does not exist", what);
		return;
	}
	if (!__atomic_exchange_n(&dev->warned_stopped_burst, true, __ATOMIC_RELAXED))
		EAL_LOG(ethdev_logtype, WARNING,
			"port %u (%s): %s burst while the port is not started: returns 0 (logged once per stop)",
			dev->data.port_id, dev->data.name, what);
#else
	(void)queue;
	(void)what;
#endif
}

static uint16_t stopped_rx_burst(void *rxq, struct mbuf **pkts, uint16_t nb_pkts)
{
	(void)pkts;
	(void)nb_pkts;
	warn_burst_not_started(rxq, "rx");
	return 0;
}

static uint16_t stopped_tx_burst(void *txq, struct mbuf **pkts, uint16_t nb_pkts)
{
	(void)pkts;
	(void)nb_pkts;
	warn_burst_not_started(txq, "tx");
	return 0;
}

/* Point the fast path of @port_id at the do-nothing functions. The queue
 * counts stay, so that a debug build can tell "stopped" from "bad queue". */
static void fp_ops_stopped(uint16_t port_id, struct ethdev *dev)
{
	struct ethdev_fp_ops *fp = &ethdev_fp_ops[port_id];
	unsigned q;

	fp->rx_pkt_burst = stopped_rx_burst;
	fp->tx_pkt_burst = stopped_tx_burst;
	fp->nb_rx_queues = dev != NULL ? dev->data.nb_rx_queues : 0;
	fp->nb_tx_queues = dev != NULL ? dev->data.nb_tx_queues : 0;
	for (q = 0; q < ETHDEV_MAX_QUEUES_PER_PORT; q++) {
		fp->rxq_data[q] = dev;
		fp->txq_data[q] = dev;
	}
}

static void fp_ops_started(struct ethdev *dev)
{
	struct ethdev_fp_ops *fp = &ethdev_fp_ops[dev->data.port_id];
	unsigned q;

	for (q = 0; q < ETHDEV_MAX_QUEUES_PER_PORT; q++) {
		fp->rxq_data[q] = q < dev->data.nb_rx_queues ? dev->data.rx_queues[q] : NULL;
		fp->txq_data[q] = q < dev->data.nb_tx_queues ? dev->data.tx_queues[q] : NULL;
	}
	fp->nb_rx_queues = dev->data.nb_rx_queues;
	fp->nb_tx_queues = dev->data.nb_tx_queues;
	fp->rx_pkt_burst = dev->rx_pkt_burst != NULL ? dev->rx_pkt_burst : stopped_rx_burst;
	fp->tx_pkt_burst = dev->tx_pkt_burst != NULL ? dev->tx_pkt_burst : stopped_tx_burst;
}

__attribute__((constructor(105))) static void ethdev_fp_ops_init(void)
{
	uint16_t p;

	for (p = 0; p < ETHDEV_MAX_PORTS; p++)
		fp_ops_stopped(p, NULL);
}

void ethdev_fp_bad_ids(const char *what, uint16_t port_id, uint16_t queue_id)
{
	static unsigned reported;
	/* A bad id in a polling loop would repeat millions of times. */
	unsigned n = __atomic_fetch_add(&reported, 1, __ATOMIC_RELAXED);
	const char *more = n == 7 ? "; further bad-id messages suppressed" : "";
	unsigned nb_queues;

	if (n >= 8)
		return;
	if (port_id >= ETHDEV_MAX_PORTS) {
		EAL_LOG(ethdev_logtype, ERR, "%s burst: port id %u is out of range (max %u)%s",
			what, port_id, ETHDEV_MAX_PORTS - 1, more);
		return;
	}
	nb_queues = what[0] == 'r' ? ethdev_fp_ops[port_id].nb_rx_queues
				   : ethdev_fp_ops[port_id].nb_tx_queues;
	if (nb_queues == 0)
		EAL_LOG(ethdev_logtype, ERR,
			"%s burst: port %u has no %s queues (not probed, not configured or closed): returns 0%s",
			what, port_id, what, more);
	else
		EAL_LOG(ethdev_logtype, ERR,
			"%s burst: port %u has no %s queue %u (%u configured): returns 0%s",
			what, port_id, what, queue_id, nb_queues, more);
}

/* ------------------------------------------------------------------ */
/* Port registry                                                        */

struct ethdev *ethdev_allocate(const char *name, const struct ethdev_driver *drv,
			       size_t priv_size, int socket_id)
{
	struct ethdev *dev = NULL;
	void *priv = NULL;
	uint16_t p;

	if (name == NULL || name[0] == '\0' || strlen(name) >= ETHDEV_NAME_MAX_LEN) {
		EAL_LOG(ethdev_logtype, ERR, "port name '%s' is empty or longer than %d characters",
			name ? name : "(null)", ETHDEV_NAME_MAX_LEN - 1);
		errno = EINVAL;
		return NULL;
	}
	if (priv_size > 0) {
		/* Cache aligned: drivers keep per-queue data there that must not
		 * share lines between lcores. */
		size_t bytes = EAL_ALIGN_CEIL(priv_size, (size_t)CACHE_LINE_SIZE);

		priv = aligned_alloc(CACHE_LINE_SIZE, bytes);
		if (priv != NULL)
			memset(priv, 0, bytes);
		if (priv == NULL) {
			EAL_LOG(ethdev_logtype, ERR, "port %s: no memory for %zu bytes of driver data",
				name, priv_size);
			errno = ENOMEM;
			return NULL;
		}
	}

	pthread_mutex_lock(&ethdev_ports_lock);
	for (p = 0; p < ETHDEV_MAX_PORTS; p++) {
		if (ethdev_ports[p].state != ETHDEV_PORT_UNUSED &&
		    strcmp(ethdev_ports[p].data.name, name) == 0) {
			pthread_mutex_unlock(&ethdev_ports_lock);
			free(priv);
			EAL_LOG(ethdev_logtype, ERR, "port name %s is already used by port %u", name, p);
			errno = EEXIST;
			return NULL;
		}
	}
	for (p = 0; p < ETHDEV_MAX_PORTS; p++) {
		if (ethdev_ports[p].state == ETHDEV_PORT_UNUSED) {
			dev = &ethdev_ports[p];
			break;
		}
	}
	if (dev == NULL) {
		pthread_mutex_unlock(&ethdev_ports_lock);
		free(priv);
		EAL_LOG(ethdev_logtype, ERR,
			"port %s: all %d ports are in use; close one or build with a larger -Dmax_ethports",
			name, ETHDEV_MAX_PORTS);
		errno = ENOSPC;
		return NULL;
	}
	memset(dev, 0, sizeof(*dev));
	snprintf(dev->data.name, sizeof(dev->data.name), "%s", name);
	dev->data.port_id = p;
	dev->data.socket_id = socket_id;
	dev->data.mtu = ETHER_MTU;
	dev->data.dev_private = priv;
	dev->driver = drv;
	dev->state = ETHDEV_PORT_PROBING;
	fp_ops_stopped(p, dev);
	pthread_mutex_unlock(&ethdev_ports_lock);
	return dev;
}

void ethdev_probing_finish(struct ethdev *dev)
{
	pthread_mutex_lock(&ethdev_ports_lock);
	dev->state = ETHDEV_PORT_ATTACHED;
	pthread_mutex_unlock(&ethdev_ports_lock);
	EAL_LOG(ethdev_logtype, INFO, "port %u: %s (driver %s)", dev->data.port_id,
		dev->data.name, dev->driver ? dev->driver->name : "?");
}

void ethdev_release_port(struct ethdev *dev)
{
	uint16_t port_id;

	if (dev == NULL)
		return;
	pthread_mutex_lock(&ethdev_ports_lock);
	port_id = dev->data.port_id;
	fp_ops_stopped(port_id, NULL);
	free(dev->data.dev_private);
	memset(dev, 0, sizeof(*dev));
	pthread_mutex_unlock(&ethdev_ports_lock);
}

struct ethdev *ethdev_get_dev(uint16_t port_id)
{
	if (port_id >= ETHDEV_MAX_PORTS ||
	    __atomic_load_n(&ethdev_ports[port_id].state, __ATOMIC_ACQUIRE) != ETHDEV_PORT_ATTACHED)
		return NULL;
	return &ethdev_ports[port_id];
}

struct ethdev *ethdev_lookup(uint16_t port_id, const char *caller)
{
	struct ethdev *dev = ethdev_get_dev(port_id);

	if (dev == NULL)
		EAL_LOG(ethdev_logtype, ERR,
			"%s: port %u does not exist (%u ports: iterate with ETHDEV_FOREACH_DEV)",
			caller, port_id, ethdev_count_avail());
	return dev;
}

uint16_t ethdev_count_avail(void)
{
	uint16_t p, n = 0;

	for (p = 0; p < ETHDEV_MAX_PORTS; p++)
		if (ethdev_get_dev(p) != NULL)
			n++;
	return n;
}

bool ethdev_is_valid_port(uint16_t port_id)
{
	return ethdev_get_dev(port_id) != NULL;
}

uint16_t ethdev_find_next(uint16_t port_id)
{
	while (port_id < ETHDEV_MAX_PORTS && ethdev_get_dev(port_id) == NULL)
		port_id++;
	return port_id < ETHDEV_MAX_PORTS ? port_id : ETHDEV_MAX_PORTS;
}

int ethdev_get_port_by_name(const char *name, uint16_t *port_id)
{
	uint16_t p;

	if (name == NULL || port_id == NULL) {
		EAL_LOG(ethdev_logtype, ERR, "ethdev_get_port_by_name: NULL argument");
		return -EINVAL;
	}
	for (p = 0; p < ETHDEV_MAX_PORTS; p++) {
		struct ethdev *dev = ethdev_get_dev(p);

		if (dev != NULL && strcmp(dev->data.name, name) == 0) {
			*port_id = p;
			return 0;
		}
	}
	return -ENODEV;
}

int ethdev_get_name_by_port(uint16_t port_id, char *name)
{
	struct ethdev *dev = ethdev_lookup(port_id, __func__);

	if (dev == NULL)
		return -ENODEV;
	if (name == NULL)
		return -EINVAL;
	snprintf(name, ETHDEV_NAME_MAX_LEN, "%s", dev->data.name);
	return 0;
}

int ethdev_socket_id(uint16_t port_id)
{
	struct ethdev *dev = ethdev_get_dev(port_id);

	return dev != NULL ? dev->data.socket_id : -ENODEV;
}

void ethdev_queue_counters_reset(struct ethdev_queue_counters *c)
{
	c->base_packets = __atomic_load_n(&c->packets, __ATOMIC_RELAXED);
	c->base_bytes = __atomic_load_n(&c->bytes, __ATOMIC_RELAXED);
	c->base_errors = __atomic_load_n(&c->errors, __ATOMIC_RELAXED);
	c->base_nombuf = __atomic_load_n(&c->nombuf, __ATOMIC_RELAXED);
}

void ethdev_stats_add_rxq(struct ethdev_stats *st, uint16_t q,
			  const struct ethdev_queue_counters *c)
{
	uint64_t pk = ethdev_counter_read(&c->packets, &c->base_packets);
	uint64_t by = ethdev_counter_read(&c->bytes, &c->base_bytes);
	uint64_t er = ethdev_counter_read(&c->errors, &c->base_errors);

	st->ipackets += pk;
	st->ibytes += by;
	st->ierrors += er;
	st->rx_nombuf += ethdev_counter_read(&c->nombuf, &c->base_nombuf);
	if (q < ETHDEV_QUEUE_STAT_CNTRS) {
		st->q_ipackets[q] = pk;
		st->q_ibytes[q] = by;
		st->q_errors[q] = er;
	}
}

void ethdev_stats_add_txq(struct ethdev_stats *st, uint16_t q,
			  const struct ethdev_queue_counters *c)
{
	uint64_t pk = ethdev_counter_read(&c->packets, &c->base_packets);
	uint64_t by = ethdev_counter_read(&c->bytes, &c->base_bytes);

	st->opackets += pk;
	st->obytes += by;
	st->oerrors += ethdev_counter_read(&c->errors, &c->base_errors);
	if (q < ETHDEV_QUEUE_STAT_CNTRS) {
		st->q_opackets[q] = pk;
		st->q_obytes[q] = by;
	}
}

/* ------------------------------------------------------------------ */
/* Information                                                          */

int ethdev_info_fill(struct ethdev *dev, struct ethdev_info *info)
{
	int rc;

	memset(info, 0, sizeof(*info));
	info->driver_name = dev->driver != NULL ? dev->driver->name : "";
	info->device_name = dev->data.name;
	info->socket_id = dev->data.socket_id;
	info->min_mtu = ETHER_MIN_MTU;
	info->max_mtu = UINT16_MAX;
	info->max_rx_pktlen = ETHER_MAX_LEN - ETHER_CRC_LEN;
	info->rx_desc_lim = (struct ethdev_desc_lim){ .nb_max = UINT16_MAX, .nb_min = 1, .nb_align = 1 };
	info->tx_desc_lim = info->rx_desc_lim;
	info->max_mac_addrs = 1;
	info->nb_rx_queues = dev->data.nb_rx_queues;
	info->nb_tx_queues = dev->data.nb_tx_queues;

	rc = dev->dev_ops->dev_infos_get(dev, info);
	if (rc < 0) {
		EAL_LOG(ethdev_logtype, ERR, "port %u: driver %s cannot report its capabilities: %s",
			dev->data.port_id, info->driver_name, strerror(-rc));
		return rc;
	}
	/* The fast-path table has room for this many queues whatever the
	 * hardware offers. */
	info->max_rx_queues = EAL_MIN(info->max_rx_queues, (uint16_t)ETHDEV_MAX_QUEUES_PER_PORT);
	info->max_tx_queues = EAL_MIN(info->max_tx_queues, (uint16_t)ETHDEV_MAX_QUEUES_PER_PORT);
	if (info->rx_desc_lim.nb_align == 0)
		info->rx_desc_lim.nb_align = 1;
	if (info->tx_desc_lim.nb_align == 0)
		info->tx_desc_lim.nb_align = 1;
	return 0;
}

int ethdev_info_get(uint16_t port_id, struct ethdev_info *info)
{
	struct ethdev *dev = ethdev_lookup(port_id, __func__);

	if (dev == NULL)
		return -ENODEV;
	if (info == NULL) {
		EAL_LOG(ethdev_logtype, ERR, "ethdev_info_get: port %u: info is NULL", port_id);
		return -EINVAL;
	}
	return ethdev_info_fill(dev, info);
}

/* ------------------------------------------------------------------ */
/* Configuration and life cycle                                         */

static void release_rx_queue(struct ethdev *dev, uint16_t q)
{
	if (dev->data.rx_queues[q] == NULL)
		return;
	if (dev->dev_ops->rx_queue_release != NULL)
		dev->dev_ops->rx_queue_release(dev, q);
	dev->data.rx_queues[q] = NULL;
}

static void release_tx_queue(struct ethdev *dev, uint16_t q)
{
	if (dev->data.tx_queues[q] == NULL)
		return;
	if (dev->dev_ops->tx_queue_release != NULL)
		dev->dev_ops->tx_queue_release(dev, q);
	dev->data.tx_queues[q] = NULL;
}

static int check_offloads(uint16_t port_id, const char *what, uint64_t requested,
			  uint64_t supported)
{
	uint64_t unsupported = requested & ~supported;

	if (unsupported == 0)
		return 0;
	EAL_LOG(ethdev_logtype, ERR,
		"port %u: %s offloads 0x%llx are not supported (requested 0x%llx, supported 0x%llx): see ethdev_info_get()",
		port_id, what, (unsigned long long)unsupported, (unsigned long long)requested,
		(unsigned long long)supported);
	return -EINVAL;
}

static int check_socket(uint16_t port_id, int socket_id)
{
	if (socket_id == EAL_SOCKET_ID_ANY || (socket_id >= 0 && socket_id < UPDK_MAX_NUMA_NODES))
		return 0;
	EAL_LOG(ethdev_logtype, ERR,
		"port %u: socket id %d is not a NUMA node (0..%d) nor EAL_SOCKET_ID_ANY",
		port_id, socket_id, UPDK_MAX_NUMA_NODES - 1);
	return -EINVAL;
}

int ethdev_configure(uint16_t port_id, uint16_t nb_rx_queue, uint16_t nb_tx_queue,
		     const struct ethdev_conf *conf)
{
	static const struct ethdev_conf default_conf;
	struct ethdev *dev = ethdev_lookup(port_id, __func__);
	struct ethdev_info info;
	struct ethdev_conf new_conf;
	uint32_t mtu;
	uint16_t q;
	int rc;

	if (dev == NULL)
		return -ENODEV;
	if (dev->data.dev_started) {
		EAL_LOG(ethdev_logtype, ERR, "port %u: cannot configure a started port: call ethdev_stop() first",
			port_id);
		return -EBUSY;
	}
	if (nb_rx_queue == 0 && nb_tx_queue == 0) {
		EAL_LOG(ethdev_logtype, ERR, "port %u: configure with 0 rx and 0 tx queues: ask for at least one",
			port_id);
		return -EINVAL;
	}
	rc = ethdev_info_fill(dev, &info);
	if (rc < 0)
		return rc;
	if (nb_rx_queue > info.max_rx_queues || nb_tx_queue > info.max_tx_queues) {
		EAL_LOG(ethdev_logtype, ERR,
			"port %u: %u rx / %u tx queues requested, but driver %s offers at most %u rx / %u tx",
			port_id, nb_rx_queue, nb_tx_queue, info.driver_name, info.max_rx_queues,
			info.max_tx_queues);
		return -EINVAL;
	}
	new_conf = conf != NULL ? *conf : default_conf;
	mtu = new_conf.rxmode.mtu != 0 ? new_conf.rxmode.mtu : ETHER_MTU;
	if (mtu < info.min_mtu || mtu > info.max_mtu) {
		EAL_LOG(ethdev_logtype, ERR, "port %u: MTU %u is outside what driver %s accepts (%u..%u)",
			port_id, mtu, info.driver_name, info.min_mtu, info.max_mtu);
		return -EINVAL;
	}
	new_conf.rxmode.mtu = mtu;
	if (check_offloads(port_id, "rx", new_conf.rxmode.offloads, info.rx_offload_capa) < 0 ||
	    check_offloads(port_id, "tx", new_conf.txmode.offloads, info.tx_offload_capa) < 0)
		return -EINVAL;
	if (new_conf.rxmode.mq_mode == ETHDEV_MQ_RX_RSS) {
		if (nb_rx_queue == 0) {
			EAL_LOG(ethdev_logtype, ERR, "port %u: RSS needs rx queues", port_id);
			return -EINVAL;
		}
		if (check_offloads(port_id, "RSS hash", new_conf.rx_adv_conf.rss_conf.rss_hf,
				   info.flow_type_rss_offloads) < 0)
			return -EINVAL;
	} else if (new_conf.rxmode.mq_mode != ETHDEV_MQ_RX_NONE) {
		EAL_LOG(ethdev_logtype, ERR, "port %u: unknown rx mq_mode %d", port_id,
			(int)new_conf.rxmode.mq_mode);
		return -EINVAL;
	}

	for (q = nb_rx_queue; q < ETHDEV_MAX_QUEUES_PER_PORT; q++)
		release_rx_queue(dev, q);
	for (q = nb_tx_queue; q < ETHDEV_MAX_QUEUES_PER_PORT; q++)
		release_tx_queue(dev, q);
	dev->data.nb_rx_queues = nb_rx_queue;
	dev->data.nb_tx_queues = nb_tx_queue;
	dev->data.dev_conf = new_conf;
	dev->data.mtu = (uint16_t)mtu;
	dev->data.dev_configured = false;
	fp_ops_stopped(port_id, dev);

	if (dev->dev_ops->dev_configure != NULL) {
		rc = dev->dev_ops->dev_configure(dev);
		if (rc < 0) {
			EAL_LOG(ethdev_logtype, ERR, "port %u: driver %s refused the configuration: %s",
				port_id, info.driver_name, strerror(-rc));
			return rc;
		}
	}
	dev->data.dev_configured = true;
	return 0;
}

/* Common checks of rx and tx queue setup. */
static int check_queue_setup(struct ethdev *dev, const char *dir, uint16_t queue_id,
			     uint16_t nb_queues, int socket_id)
{
	uint16_t port_id = dev->data.port_id;

	if (!dev->data.dev_configured) {
		EAL_LOG(ethdev_logtype, ERR, "port %u: %s queue setup before configuration: call ethdev_configure() first",
			port_id, dir);
		return -EINVAL;
	}
	if (dev->data.dev_started) {
		EAL_LOG(ethdev_logtype, ERR, "port %u: %s queue %u setup on a started port: call ethdev_stop() first",
			port_id, dir, queue_id);
		return -EBUSY;
	}
	if (queue_id >= nb_queues) {
		EAL_LOG(ethdev_logtype, ERR, "port %u: %s queue %u does not exist: the port is configured with %u",
			port_id, dir, queue_id, nb_queues);
		return -EINVAL;
	}
	return check_socket(port_id, socket_id);
}

/* Default the descriptor count and check it against the driver's limits. */
static int check_nb_desc(uint16_t port_id, const char *dir, uint16_t queue_id, uint16_t *nb_desc,
			 const struct ethdev_desc_lim *lim, uint16_t preferred)
{
	if (*nb_desc == 0) {
		uint32_t n = preferred != 0 ? preferred : 512;

		n = EAL_MAX(EAL_MIN(n, (uint32_t)lim->nb_max), (uint32_t)lim->nb_min);
		n -= n % lim->nb_align;
		*nb_desc = (uint16_t)n;
	}
	if (*nb_desc < lim->nb_min || *nb_desc > lim->nb_max || *nb_desc % lim->nb_align != 0) {
		EAL_LOG(ethdev_logtype, ERR,
			"port %u: %s queue %u: %u descriptors is out of limits: give %u..%u, a multiple of %u (or 0 for the default)",
			port_id, dir, queue_id, *nb_desc, lim->nb_min, lim->nb_max, lim->nb_align);
		return -EINVAL;
	}
	return 0;
}

int ethdev_rx_queue_setup(uint16_t port_id, uint16_t rx_queue_id, uint16_t nb_rx_desc,
			  int socket_id, const struct ethdev_rxconf *rx_conf,
			  struct mempool *mb_pool)
{
	struct ethdev *dev = ethdev_lookup(port_id, __func__);
	struct ethdev_info info;
	struct ethdev_rxconf conf;
	uint32_t buf_room;
	int rc;

	if (dev == NULL)
		return -ENODEV;
	rc = check_queue_setup(dev, "rx", rx_queue_id, dev->data.nb_rx_queues, socket_id);
	if (rc < 0)
		return rc;
	if (mb_pool == NULL) {
		EAL_LOG(ethdev_logtype, ERR, "port %u: rx queue %u: mbuf pool is NULL: give one from pktmbuf_pool_create()",
			port_id, rx_queue_id);
		return -EINVAL;
	}
	rc = ethdev_info_fill(dev, &info);
	if (rc < 0)
		return rc;
	rc = check_nb_desc(port_id, "rx", rx_queue_id, &nb_rx_desc, &info.rx_desc_lim,
			   info.default_rxportconf.ring_size);
	if (rc < 0)
		return rc;
	buf_room = pktmbuf_data_room_size(mb_pool);
	buf_room = buf_room > MBUF_HEADROOM ? buf_room - MBUF_HEADROOM : 0;
	if (buf_room < info.min_rx_bufsize) {
		EAL_LOG(ethdev_logtype, ERR,
			"port %u: rx queue %u: pool %s has %u bytes per mbuf after the headroom; driver %s needs at least %u",
			port_id, rx_queue_id, mempool_name(mb_pool), buf_room, info.driver_name,
			info.min_rx_bufsize);
		return -EINVAL;
	}
	conf = rx_conf != NULL ? *rx_conf : info.default_rxconf;
	/* Offloads enabled for the whole port need not be per-queue capable. */
	rc = check_offloads(port_id, "rx queue", conf.offloads & ~dev->data.dev_conf.rxmode.offloads,
			    info.rx_queue_offload_capa);
	if (rc < 0)
		return rc;
	conf.offloads |= dev->data.dev_conf.rxmode.offloads;

	release_rx_queue(dev, rx_queue_id);
	rc = dev->dev_ops->rx_queue_setup(dev, rx_queue_id, nb_rx_desc, socket_id, &conf, mb_pool);
	if (rc < 0) {
		EAL_LOG(ethdev_logtype, ERR, "port %u: rx queue %u setup failed in driver %s: %s",
			port_id, rx_queue_id, info.driver_name, strerror(-rc));
		return rc;
	}
	if (dev->data.rx_queues[rx_queue_id] == NULL) {
		EAL_LOG(ethdev_logtype, ERR, "port %u: driver %s set up rx queue %u without a queue object",
			port_id, info.driver_name, rx_queue_id);
		return -EIO;
	}
	return 0;
}

int ethdev_tx_queue_setup(uint16_t port_id, uint16_t tx_queue_id, uint16_t nb_tx_desc,
			  int socket_id, const struct ethdev_txconf *tx_conf)
{
	struct ethdev *dev = ethdev_lookup(port_id, __func__);
	struct ethdev_info info;
	struct ethdev_txconf conf;
	int rc;

	if (dev == NULL)
		return -ENODEV;
	rc = check_queue_setup(dev, "tx", tx_queue_id, dev->data.nb_tx_queues, socket_id);
	if (rc < 0)
		return rc;
	rc = ethdev_info_fill(dev, &info);
	if (rc < 0)
		return rc;
	rc = check_nb_desc(port_id, "tx", tx_queue_id, &nb_tx_desc, &info.tx_desc_lim,
			   info.default_txportconf.ring_size);
	if (rc < 0)
		return rc;
	conf = tx_conf != NULL ? *tx_conf : info.default_txconf;
	rc = check_offloads(port_id, "tx queue", conf.offloads & ~dev->data.dev_conf.txmode.offloads,
			    info.tx_queue_offload_capa);
	if (rc < 0)
		return rc;
	conf.offloads |= dev->data.dev_conf.txmode.offloads;

	release_tx_queue(dev, tx_queue_id);
	rc = dev->dev_ops->tx_queue_setup(dev, tx_queue_id, nb_tx_desc, socket_id, &conf);
	if (rc < 0) {
		EAL_LOG(ethdev_logtype, ERR, "port %u: tx queue %u setup failed in driver %s: %s",
			port_id, tx_queue_id, info.driver_name, strerror(-rc));
		return rc;
	}
	if (dev->data.tx_queues[tx_queue_id] == NULL) {
		EAL_LOG(ethdev_logtype, ERR, "port %u: driver %s set up tx queue %u without a queue object",
			port_id, info.driver_name, tx_queue_id);
		return -EIO;
	}
	return 0;
}

static void link_refresh(struct ethdev *dev, int wait)
{
	if (dev->dev_ops->link_update != NULL)
		(void)dev->dev_ops->link_update(dev, wait);
}

int ethdev_start(uint16_t port_id)
{
	struct ethdev *dev = ethdev_lookup(port_id, __func__);
	uint16_t q;
	int rc;

	if (dev == NULL)
		return -ENODEV;
	if (!dev->data.dev_configured) {
		EAL_LOG(ethdev_logtype, ERR, "port %u: start before configuration: call ethdev_configure() and set up the queues first",
			port_id);
		return -EINVAL;
	}
	if (dev->data.dev_started) {
		EAL_LOG(ethdev_logtype, INFO, "port %u: already started", port_id);
		return 0;
	}
	for (q = 0; q < dev->data.nb_rx_queues; q++) {
		if (dev->data.rx_queues[q] == NULL) {
			EAL_LOG(ethdev_logtype, ERR, "port %u: rx queue %u is not set up: call ethdev_rx_queue_setup() for each of the %u rx queues",
				port_id, q, dev->data.nb_rx_queues);
			return -EINVAL;
		}
	}
	for (q = 0; q < dev->data.nb_tx_queues; q++) {
		if (dev->data.tx_queues[q] == NULL) {
			EAL_LOG(ethdev_logtype, ERR, "port %u: tx queue %u is not set up: call ethdev_tx_queue_setup() for each of the %u tx queues",
				port_id, q, dev->data.nb_tx_queues);
			return -EINVAL;
		}
	}
	rc = dev->dev_ops->dev_start(dev);
	if (rc < 0) {
		EAL_LOG(ethdev_logtype, ERR, "port %u: driver %s failed to start: %s", port_id,
			dev->driver->name, strerror(-rc));
		return rc;
	}
	dev->data.dev_started = true;
	__atomic_store_n(&dev->warned_stopped_burst, false, __ATOMIC_RELAXED);
	fp_ops_started(dev);
	link_refresh(dev, 0);
	return 0;
}

int ethdev_stop(uint16_t port_id)
{
	struct ethdev *dev = ethdev_lookup(port_id, __func__);
	int rc;

	if (dev == NULL)
		return -ENODEV;
	if (!dev->data.dev_started) {
		EAL_LOG(ethdev_logtype, INFO, "port %u: already stopped", port_id);
		return 0;
	}
	/* Bursts stop before the driver tears its queues down. */
	fp_ops_stopped(port_id, dev);
	rc = dev->dev_ops->dev_stop(dev);
	dev->data.dev_started = false;
	link_refresh(dev, 0);
	if (rc < 0)
		EAL_LOG(ethdev_logtype, ERR, "port %u: driver %s failed to stop: %s", port_id,
			dev->driver->name, strerror(-rc));
	return rc;
}

int ethdev_close(uint16_t port_id)
{
	struct ethdev *dev = ethdev_lookup(port_id, __func__);
	uint16_t q;
	int rc = 0;

	if (dev == NULL)
		return -ENODEV;
	if (dev->data.dev_started) {
		EAL_LOG(ethdev_logtype, ERR, "port %u: cannot close a started port: call ethdev_stop() first",
			port_id);
		return -EBUSY;
	}
	for (q = 0; q < ETHDEV_MAX_QUEUES_PER_PORT; q++) {
		release_rx_queue(dev, q);
		release_tx_queue(dev, q);
	}
	if (dev->dev_ops->dev_close != NULL)
		rc = dev->dev_ops->dev_close(dev);
	if (rc < 0)
		EAL_LOG(ethdev_logtype, ERR, "port %u: driver %s failed to close: %s", port_id,
			dev->driver->name, strerror(-rc));
	ethdev_release_port(dev);
	return rc;
}

int ethdev_is_started(uint16_t port_id)
{
	struct ethdev *dev = ethdev_lookup(port_id, __func__);

	if (dev == NULL)
		return -ENODEV;
	return dev->data.dev_started ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* Link, address, modes                                                 */

static int link_get(uint16_t port_id, struct ethdev_link *link, int wait, const char *caller)
{
	struct ethdev *dev = ethdev_lookup(port_id, caller);

	if (dev == NULL)
		return -ENODEV;
	if (link == NULL) {
		EAL_LOG(ethdev_logtype, ERR, "%s: port %u: link is NULL", caller, port_id);
		return -EINVAL;
	}
	link_refresh(dev, wait);
	*link = dev->data.dev_link;
	return 0;
}

int ethdev_link_get(uint16_t port_id, struct ethdev_link *link)
{
	return link_get(port_id, link, 1, __func__);
}

int ethdev_link_get_nowait(uint16_t port_id, struct ethdev_link *link)
{
	return link_get(port_id, link, 0, __func__);
}

int ethdev_is_removed(uint16_t port_id)
{
	struct ethdev *dev = ethdev_lookup(port_id, __func__);

	if (dev == NULL)
		return -ENODEV;
	if (dev->dev_ops->is_removed == NULL)
		return 0;
	return dev->dev_ops->is_removed(dev) ? 1 : 0;
}

int ethdev_link_to_str(char *str, size_t len, const struct ethdev_link *link)
{
	char speed[24];

	if (str == NULL || link == NULL)
		return -EINVAL;
	if (link->link_status == ETHDEV_LINK_DOWN)
		return snprintf(str, len, "Link down");
	if (link->link_speed == ETHDEV_SPEED_NUM_UNKNOWN)
		snprintf(speed, sizeof(speed), "Unknown");
	else if (link->link_speed >= 1000 && link->link_speed % 1000 == 0)
		snprintf(speed, sizeof(speed), "%u Gbps", link->link_speed / 1000);
	else
		snprintf(speed, sizeof(speed), "%u Mbps", link->link_speed);
	return snprintf(str, len, "Link up at %s %s %s", speed,
			link->link_duplex == ETHDEV_LINK_FULL_DUPLEX ? "FDX" : "HDX",
			link->link_autoneg == ETHDEV_LINK_AUTONEG ? "Autoneg" : "Fixed");
}

int ethdev_macaddr_get(uint16_t port_id, struct eth_addr *mac_addr)
{
	struct ethdev *dev = ethdev_lookup(port_id, __func__);

	if (dev == NULL)
		return -ENODEV;
	if (mac_addr == NULL) {
		EAL_LOG(ethdev_logtype, ERR, "ethdev_macaddr_get: port %u: mac_addr is NULL", port_id);
		return -EINVAL;
	}
	*mac_addr = dev->data.mac_addr;
	return 0;
}

int ethdev_default_mac_addr_set(uint16_t port_id, const struct eth_addr *mac_addr)
{
	struct ethdev *dev = ethdev_lookup(port_id, __func__);
	char text[ETHER_ADDR_FMT_SIZE];
	int rc;

	if (dev == NULL)
		return -ENODEV;
	if (mac_addr == NULL || !ether_addr_is_valid_assigned(mac_addr)) {
		EAL_LOG(ethdev_logtype, ERR, "port %u: %s is not a valid port address: give a unicast, non-zero one",
			port_id, mac_addr ? ether_format_addr(text, sizeof(text), mac_addr) : "NULL");
		return -EINVAL;
	}
	if (dev->dev_ops->mac_addr_set == NULL) {
		EAL_LOG(ethdev_logtype, ERR, "port %u: driver %s cannot change the MAC address",
			port_id, dev->driver->name);
		return -ENOTSUP;
	}
	rc = dev->dev_ops->mac_addr_set(dev, mac_addr);
	if (rc < 0)
		return rc;
	dev->data.mac_addr = *mac_addr;
	return 0;
}

static int promiscuous_set(uint16_t port_id, bool on, const char *caller)
{
	struct ethdev *dev = ethdev_lookup(port_id, caller);
	int (*op)(struct ethdev *);
	int rc;

	if (dev == NULL)
		return -ENODEV;
	op = on ? dev->dev_ops->promiscuous_enable : dev->dev_ops->promiscuous_disable;
	if (op == NULL) {
		EAL_LOG(ethdev_logtype, ERR, "port %u: driver %s cannot change promiscuous mode",
			port_id, dev->driver->name);
		return -ENOTSUP;
	}
	rc = op(dev);
	if (rc == 0)
		dev->data.promiscuous = on;
	return rc;
}

int ethdev_promiscuous_enable(uint16_t port_id)
{
	return promiscuous_set(port_id, true, __func__);
}

int ethdev_promiscuous_disable(uint16_t port_id)
{
	return promiscuous_set(port_id, false, __func__);
}

int ethdev_promiscuous_get(uint16_t port_id)
{
	struct ethdev *dev = ethdev_lookup(port_id, __func__);

	if (dev == NULL)
		return -ENODEV;
	return dev->data.promiscuous ? 1 : 0;
}

int ethdev_get_mtu(uint16_t port_id, uint16_t *mtu)
{
	struct ethdev *dev = ethdev_lookup(port_id, __func__);

	if (dev == NULL)
		return -ENODEV;
	if (mtu == NULL)
		return -EINVAL;
	*mtu = dev->data.mtu;
	return 0;
}

int ethdev_set_mtu(uint16_t port_id, uint16_t mtu)
{
	struct ethdev *dev = ethdev_lookup(port_id, __func__);
	struct ethdev_info info;
	int rc;

	if (dev == NULL)
		return -ENODEV;
	rc = ethdev_info_fill(dev, &info);
	if (rc < 0)
		return rc;
	if (mtu < info.min_mtu || mtu > info.max_mtu) {
		EAL_LOG(ethdev_logtype, ERR, "port %u: MTU %u is outside what driver %s accepts (%u..%u)",
			port_id, mtu, info.driver_name, info.min_mtu, info.max_mtu);
		return -EINVAL;
	}
	if (dev->dev_ops->mtu_set == NULL) {
		EAL_LOG(ethdev_logtype, ERR, "port %u: driver %s cannot change the MTU",
			port_id, info.driver_name);
		return -ENOTSUP;
	}
	rc = dev->dev_ops->mtu_set(dev, mtu);
	if (rc < 0)
		return rc;
	dev->data.mtu = mtu;
	dev->data.dev_conf.rxmode.mtu = mtu;
	return 0;
}
