/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Ethernet devices (ports): the API applications use.
 *
 * A port is created by a driver when it probes a device: --vdev=net_null0
 * on the EAL command line (probed at the end of eal_init()), or a driver's
 * own C API such as ethdev_from_rings(). Ports are numbered from 0 and
 * iterated with ETHDEV_FOREACH_DEV.
 *
 * Life cycle, with the calls allowed in each state:
 *
 *     probed --configure--> configured --queue setup x N--> --start--> started
 *        ^                   |    ^  (configure and queue setup again)     |
 *        |                   |    +-------------------stop-----------------+
 *        +------- close -----+  (close needs a stopped port)
 *
 *     struct ethdev_conf conf = { 0 };
 *     ethdev_configure(port, 1, 1, &conf);
 *     ethdev_rx_queue_setup(port, 0, 1024, EAL_SOCKET_ID_ANY, NULL, pool);
 *     ethdev_tx_queue_setup(port, 0, 1024, EAL_SOCKET_ID_ANY, NULL);
 *     ethdev_start(port);
 *     for (;;) {
 *         uint16_t n = ethdev_rx_burst(port, 0, pkts, 32);
 *         uint16_t sent = ethdev_tx_burst(port, 0, pkts, n);
 *         pktmbuf_free_bulk(pkts + sent, n - sent);   // not sent: still ours
 *     }
 *
 * Control functions return 0 or a negative errno and log why (component
 * "ethdev"); calling them in the wrong state is an error, never a crash.
 * They are not thread-safe for one port: one thread controls a port.
 * Stop and close ports before freeing the pools their queues use: a driver
 * may return mbufs it still holds at stop or close. eal_cleanup() stops
 * and closes the ports that are left.
 *
 * rx/tx bursts are inline: one indirect call through a per-port table.
 * While a port is not started the table points at functions that return 0,
 * so a burst on a stopped port does nothing. Range checks of port and queue
 * ids in the burst functions are compiled in only when ETHDEV_DEBUG is 1
 * (the default when NDEBUG is not defined); otherwise the ids must be valid
 * and the queue set up.
 */
#ifndef UPDK_ETHDEV_H
#define UPDK_ETHDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "eal_common.h"
#include "eal_log.h"
#include "mbuf.h"
#include "mempool.h"
#include "net_ether.h"

#ifndef ETHDEV_DEBUG
#ifdef NDEBUG
#define ETHDEV_DEBUG 0
#else
#define ETHDEV_DEBUG 1
#endif
#endif

#define ETHDEV_MAX_PORTS UPDK_MAX_ETHPORTS
#define ETHDEV_MAX_QUEUES_PER_PORT UPDK_MAX_QUEUES_PER_PORT
/** Queues with their own counters in struct ethdev_stats. */
#define ETHDEV_QUEUE_STAT_CNTRS 16
/** Longest port name, NUL included. */
#define ETHDEV_NAME_MAX_LEN 64
/** Longest extended statistic name, NUL included. */
#define ETHDEV_XSTATS_NAME_SIZE 64
/** Not a port id. */
#define ETHDEV_PORT_ID_INVALID UINT16_MAX

/** Log component "ethdev". */
extern struct eal_log_component ethdev_logtype;

/**
 * @name Offload capabilities and requests (ethdev_info.*_offload_capa,
 * ethdev_conf.rxmode.offloads, ethdev_rxconf.offloads, ...)
 * @{
 */
#define ETHDEV_RX_OFFLOAD_VLAN_STRIP  (1ull << 0)
#define ETHDEV_RX_OFFLOAD_IPV4_CKSUM  (1ull << 1)
#define ETHDEV_RX_OFFLOAD_UDP_CKSUM   (1ull << 2)
#define ETHDEV_RX_OFFLOAD_TCP_CKSUM   (1ull << 3)
#define ETHDEV_RX_OFFLOAD_SCATTER     (1ull << 4)  /**< multi-segment rx */
#define ETHDEV_RX_OFFLOAD_TIMESTAMP   (1ull << 5)
#define ETHDEV_RX_OFFLOAD_RSS_HASH    (1ull << 6)
#define ETHDEV_RX_OFFLOAD_CHECKSUM \
	(ETHDEV_RX_OFFLOAD_IPV4_CKSUM | ETHDEV_RX_OFFLOAD_UDP_CKSUM | ETHDEV_RX_OFFLOAD_TCP_CKSUM)

#define ETHDEV_TX_OFFLOAD_VLAN_INSERT    (1ull << 0)
#define ETHDEV_TX_OFFLOAD_IPV4_CKSUM     (1ull << 1)
#define ETHDEV_TX_OFFLOAD_UDP_CKSUM      (1ull << 2)
#define ETHDEV_TX_OFFLOAD_TCP_CKSUM      (1ull << 3)
#define ETHDEV_TX_OFFLOAD_TCP_TSO        (1ull << 4)
#define ETHDEV_TX_OFFLOAD_MULTI_SEGS     (1ull << 5)  /**< chained mbufs */
/** The application promises: one pool per queue and refcnt 1 on tx. */
#define ETHDEV_TX_OFFLOAD_MBUF_FAST_FREE (1ull << 6)
/** @} */

/**
 * @name RSS hash functions (ethdev_rss_conf.rss_hf)
 * @{
 */
#define ETHDEV_RSS_IPV4          (1ull << 0)
#define ETHDEV_RSS_NONFRAG_IPV4_TCP (1ull << 1)
#define ETHDEV_RSS_NONFRAG_IPV4_UDP (1ull << 2)
#define ETHDEV_RSS_IPV6          (1ull << 3)
#define ETHDEV_RSS_NONFRAG_IPV6_TCP (1ull << 4)
#define ETHDEV_RSS_NONFRAG_IPV6_UDP (1ull << 5)
#define ETHDEV_RSS_IP  (ETHDEV_RSS_IPV4 | ETHDEV_RSS_IPV6)
#define ETHDEV_RSS_UDP (ETHDEV_RSS_NONFRAG_IPV4_UDP | ETHDEV_RSS_NONFRAG_IPV6_UDP)
#define ETHDEV_RSS_TCP (ETHDEV_RSS_NONFRAG_IPV4_TCP | ETHDEV_RSS_NONFRAG_IPV6_TCP)
/** @} */

/**
 * @name Link speeds (ethdev_link.link_speed, in Mb/s) and capabilities
 * @{
 */
#define ETHDEV_SPEED_NUM_NONE    0
#define ETHDEV_SPEED_NUM_10M     10
#define ETHDEV_SPEED_NUM_100M    100
#define ETHDEV_SPEED_NUM_1G      1000
#define ETHDEV_SPEED_NUM_10G     10000
#define ETHDEV_SPEED_NUM_25G     25000
#define ETHDEV_SPEED_NUM_40G     40000
#define ETHDEV_SPEED_NUM_100G    100000
#define ETHDEV_SPEED_NUM_UNKNOWN UINT32_MAX

#define ETHDEV_LINK_SPEED_AUTONEG 0u        /**< ethdev_conf.link_speeds: negotiate */
#define ETHDEV_LINK_SPEED_FIXED   (1u << 0) /**< do not negotiate */
#define ETHDEV_LINK_SPEED_1G      (1u << 1)
#define ETHDEV_LINK_SPEED_10G     (1u << 2)
#define ETHDEV_LINK_SPEED_25G     (1u << 3)
#define ETHDEV_LINK_SPEED_40G     (1u << 4)
#define ETHDEV_LINK_SPEED_100G    (1u << 5)

#define ETHDEV_LINK_HALF_DUPLEX 0
#define ETHDEV_LINK_FULL_DUPLEX 1
#define ETHDEV_LINK_DOWN 0
#define ETHDEV_LINK_UP   1
#define ETHDEV_LINK_FIXED   0  /**< no autonegotiation */
#define ETHDEV_LINK_AUTONEG 1
/** @} */

/** Link state. */
struct ethdev_link {
	uint32_t link_speed;       /**< ETHDEV_SPEED_NUM_* (Mb/s) */
	uint16_t link_duplex : 1;  /**< ETHDEV_LINK_HALF/FULL_DUPLEX */
	uint16_t link_autoneg : 1; /**< ETHDEV_LINK_FIXED/AUTONEG */
	uint16_t link_status : 1;  /**< ETHDEV_LINK_DOWN/UP */
};

/** Longest text of ethdev_link_to_str(), NUL included. */
#define ETHDEV_LINK_MAX_STR_LEN 48

/** Multi-queue receive mode. */
enum ethdev_rx_mq_mode {
	ETHDEV_MQ_RX_NONE = 0, /**< one queue, or the driver's choice */
	ETHDEV_MQ_RX_RSS,      /**< spread flows over the queues by hash */
};

/** RSS settings. */
struct ethdev_rss_conf {
	const uint8_t *rss_key; /**< NULL: the driver's default key */
	uint8_t rss_key_len;    /**< bytes of rss_key */
	uint64_t rss_hf;        /**< ETHDEV_RSS_* */
};

/** Port configuration for ethdev_configure(). All zero is a valid default. */
struct ethdev_conf {
	uint32_t link_speeds;        /**< ETHDEV_LINK_SPEED_*; 0 = autonegotiate */
	struct {
		enum ethdev_rx_mq_mode mq_mode;
		uint32_t mtu;        /**< 0 = ETHER_MTU (1500) */
		uint64_t offloads;   /**< ETHDEV_RX_OFFLOAD_* for every queue */
	} rxmode;
	struct {
		uint64_t offloads;   /**< ETHDEV_TX_OFFLOAD_* for every queue */
	} txmode;
	struct {
		struct ethdev_rss_conf rss_conf;
	} rx_adv_conf;
	uint32_t lpbk_mode;          /**< driver-specific loopback, 0 = none */
};

/** Receive queue settings; NULL in ethdev_rx_queue_setup() means the
 *  driver's defaults (ethdev_info.default_rxconf). */
struct ethdev_rxconf {
	uint16_t rx_free_thresh;  /**< refill descriptors in batches of this */
	uint8_t rx_drop_en;       /**< drop when no descriptor is free */
	uint8_t rx_deferred_start;/**< do not start with the port */
	uint64_t offloads;        /**< per-queue ETHDEV_RX_OFFLOAD_* (on top of the port's) */
};

/** Transmit queue settings; NULL means the driver's defaults. */
struct ethdev_txconf {
	uint16_t tx_rs_thresh;    /**< ask for completion every this many descriptors */
	uint16_t tx_free_thresh;  /**< reclaim sent mbufs when fewer are free */
	uint8_t tx_deferred_start;
	uint64_t offloads;        /**< per-queue ETHDEV_TX_OFFLOAD_* */
};

/** Descriptor ring size limits of a queue. */
struct ethdev_desc_lim {
	uint16_t nb_max;   /**< most descriptors */
	uint16_t nb_min;   /**< fewest descriptors */
	uint16_t nb_align; /**< the count must be a multiple of this (>= 1) */
};

/** Suggested queue settings. */
struct ethdev_portconf {
	uint16_t burst_size; /**< 0: no preference */
	uint16_t ring_size;  /**< 0: no preference */
	uint16_t nb_queues;  /**< 0: no preference */
};

/** What a port can do: ethdev_info_get(). */
struct ethdev_info {
	const char *driver_name;       /**< e.g. "net_null" */
	const char *device_name;       /**< the port's name, e.g. "net_null0" */
	int socket_id;                 /**< NUMA node of the device */
	uint32_t min_rx_bufsize;       /**< smallest mbuf data room minus headroom */
	uint32_t max_rx_pktlen;        /**< largest frame received, CRC excluded */
	uint16_t min_mtu;
	uint16_t max_mtu;
	uint16_t max_rx_queues;
	uint16_t max_tx_queues;
	uint32_t max_mac_addrs;
	uint64_t rx_offload_capa;      /**< ETHDEV_RX_OFFLOAD_* for the port */
	uint64_t tx_offload_capa;      /**< ETHDEV_TX_OFFLOAD_* for the port */
	uint64_t rx_queue_offload_capa;/**< subset settable per queue */
	uint64_t tx_queue_offload_capa;
	uint64_t flow_type_rss_offloads; /**< ETHDEV_RSS_* supported */
	uint16_t reta_size;            /**< RSS redirection table entries */
	uint8_t hash_key_size;         /**< RSS key bytes */
	struct ethdev_desc_lim rx_desc_lim;
	struct ethdev_desc_lim tx_desc_lim;
	struct ethdev_rxconf default_rxconf;
	struct ethdev_txconf default_txconf;
	struct ethdev_portconf default_rxportconf;
	struct ethdev_portconf default_txportconf;
	uint32_t speed_capa;           /**< ETHDEV_LINK_SPEED_* */
	uint16_t nb_rx_queues;         /**< configured now */
	uint16_t nb_tx_queues;         /**< configured now */
};

/** Basic counters: ethdev_stats_get(). */
struct ethdev_stats {
	uint64_t ipackets;  /**< packets received */
	uint64_t opackets;  /**< packets sent */
	uint64_t ibytes;    /**< bytes received */
	uint64_t obytes;    /**< bytes sent */
	uint64_t imissed;   /**< dropped by the device: no rx descriptor free */
	uint64_t ierrors;   /**< bad packets received */
	uint64_t oerrors;   /**< packets that failed to go out */
	uint64_t rx_nombuf; /**< rx mbuf allocation failures */
	uint64_t q_ipackets[ETHDEV_QUEUE_STAT_CNTRS]; /**< per rx queue */
	uint64_t q_opackets[ETHDEV_QUEUE_STAT_CNTRS]; /**< per tx queue */
	uint64_t q_ibytes[ETHDEV_QUEUE_STAT_CNTRS];
	uint64_t q_obytes[ETHDEV_QUEUE_STAT_CNTRS];
	uint64_t q_errors[ETHDEV_QUEUE_STAT_CNTRS];   /**< per rx queue errors */
};

/** One extended statistic: id is its index in ethdev_xstats_get_names(). */
struct ethdev_xstat {
	uint64_t id;
	uint64_t value;
};

/** Name of an extended statistic. */
struct ethdev_xstat_name {
	char name[ETHDEV_XSTATS_NAME_SIZE];
};

/* ------------------------------------------------------------------ */
/* Ports                                                                */

/** Number of ports that exist. */
uint16_t ethdev_count_avail(void);

/** @return true when @p port_id names a port that exists. */
bool ethdev_is_valid_port(uint16_t port_id);

/** The first port >= @p port_id that exists, or ETHDEV_MAX_PORTS. */
uint16_t ethdev_find_next(uint16_t port_id);

/** Iterate over the ports that exist. */
#define ETHDEV_FOREACH_DEV(p) \
	for ((p) = ethdev_find_next(0); (p) < ETHDEV_MAX_PORTS; \
	     (p) = ethdev_find_next((uint16_t)((p) + 1)))

/**
 * Find a port by name (e.g. "net_null0").
 * @return 0 with *@p port_id set, -EINVAL (NULL argument), or -ENODEV
 */
int ethdev_get_port_by_name(const char *name, uint16_t *port_id);

/**
 * Copy the name of a port into @p name (ETHDEV_NAME_MAX_LEN bytes).
 * @return 0, -ENODEV, or -EINVAL (NULL)
 */
int ethdev_get_name_by_port(uint16_t port_id, char *name);

/** NUMA node of the port's device, or -ENODEV / EAL_SOCKET_ID_ANY when unknown. */
int ethdev_socket_id(uint16_t port_id);

/**
 * Create a port with a virtual device driver at run time, as --vdev does
 * at eal_init(): the driver is the one whose name is a prefix of @p name.
 * @param name  port name, e.g. "net_null2"
 * @param args  "key=value,..." (may be NULL or "")
 * @return 0, -ENOENT (no driver for that name; the log lists the drivers),
 *         -EEXIST (name in use), or the driver's error (-EINVAL for bad
 *         arguments)
 */
int ethdev_vdev_probe(const char *name, const char *args);

/**
 * Write the names of the registered drivers, separated by ", ".
 * @return the length of the full text (as snprintf())
 */
int ethdev_driver_list(char *buf, size_t size);

/* ------------------------------------------------------------------ */
/* Configuration and life cycle                                         */

/**
 * Configure a port: number of queues and port-wide settings. Queues beyond
 * the new counts are released; the others keep their setup.
 * @param port_id  the port
 * @param nb_rx_queue  rx queues (<= ethdev_info.max_rx_queues)
 * @param nb_tx_queue  tx queues (<= ethdev_info.max_tx_queues); not both 0
 * @param conf  settings (NULL: all defaults)
 * @return 0; -ENODEV (no such port); -EBUSY (started: stop it first);
 *         -EINVAL (too many queues, unsupported offload or MTU out of range;
 *         the log says which and the limit)
 */
int ethdev_configure(uint16_t port_id, uint16_t nb_rx_queue, uint16_t nb_tx_queue,
		     const struct ethdev_conf *conf);

/**
 * Set up (or set up again) receive queue @p rx_queue_id.
 * @param nb_rx_desc  descriptors, within ethdev_info.rx_desc_lim; 0 takes
 *                    the driver's preferred size
 * @param socket_id   NUMA node for the queue's memory, or EAL_SOCKET_ID_ANY
 * @param rx_conf     NULL for the driver's defaults
 * @param mb_pool     pool the queue allocates received packets from
 * @return 0; -ENODEV; -EINVAL (not configured, queue id >= configured
 *         count, descriptor count out of limits, NULL pool or buffers too
 *         small, unsupported offload); -EBUSY (port started); -ENOMEM
 */
int ethdev_rx_queue_setup(uint16_t port_id, uint16_t rx_queue_id, uint16_t nb_rx_desc,
			  int socket_id, const struct ethdev_rxconf *rx_conf,
			  struct mempool *mb_pool);

/**
 * Set up (or set up again) transmit queue @p tx_queue_id.
 * Parameters and errors as ethdev_rx_queue_setup().
 */
int ethdev_tx_queue_setup(uint16_t port_id, uint16_t tx_queue_id, uint16_t nb_tx_desc,
			  int socket_id, const struct ethdev_txconf *tx_conf);

/**
 * Start a configured port whose queues are all set up: bursts work after
 * this and the link comes up.
 * @return 0 (also when already started); -ENODEV; -EINVAL (not configured,
 *         or a queue is not set up: the log names it); the driver's error
 */
int ethdev_start(uint16_t port_id);

/**
 * Stop a port: bursts return 0 from now on, the link goes down. Queue
 * setup is kept, so ethdev_start() may follow.
 * @return 0 (also when not started), -ENODEV, or the driver's error
 */
int ethdev_stop(uint16_t port_id);

/**
 * Close a stopped port: release its queues and resources; the port id is
 * free afterwards.
 * @return 0, -ENODEV, -EBUSY (still started: stop it first)
 */
int ethdev_close(uint16_t port_id);

/** @return 1 when started, 0 when not, -ENODEV. */
int ethdev_is_started(uint16_t port_id);

/* ------------------------------------------------------------------ */
/* Information                                                          */

/**
 * Fill @p info with the port's capabilities and limits.
 * @return 0, -ENODEV, -EINVAL (NULL @p info)
 */
int ethdev_info_get(uint16_t port_id, struct ethdev_info *info);

/**
 * Read the link state, waiting up to a few seconds for autonegotiation
 * when the driver needs it.
 * @return 0, -ENODEV, -EINVAL (NULL)
 */
int ethdev_link_get(uint16_t port_id, struct ethdev_link *link);

/** Read the link state without waiting. @return 0, -ENODEV, -EINVAL. */
int ethdev_link_get_nowait(uint16_t port_id, struct ethdev_link *link);

/**
 * Is the device behind the port gone (a vfio-user server that exited or
 * disconnected, a device unplugged)? Such a port reports its link down, its
 * bursts return 0, and it can only be stopped and closed: the device must be
 * attached again (a new process, for now). The driver learns it from its
 * link update, so call this after ethdev_link_get_nowait(), e.g. in a
 * periodic link check on the main lcore.
 * @return 1 when gone, 0 when not (also for drivers that cannot tell),
 *         -ENODEV
 */
int ethdev_is_removed(uint16_t port_id);

/**
 * Format @p link as "Link up at 10 Gbps FDX Autoneg" or "Link down".
 * @return as snprintf(), or -EINVAL (NULL)
 */
int ethdev_link_to_str(char *str, size_t len, const struct ethdev_link *link);

/** Copy the port's MAC address. @return 0, -ENODEV, -EINVAL (NULL). */
int ethdev_macaddr_get(uint16_t port_id, struct eth_addr *mac_addr);

/**
 * Change the port's MAC address.
 * @return 0, -ENODEV, -EINVAL (multicast or zero address), -ENOTSUP, or
 *         the driver's error
 */
int ethdev_default_mac_addr_set(uint16_t port_id, const struct eth_addr *mac_addr);

/** @return 0, -ENODEV, -ENOTSUP (the driver cannot), or the driver's error. */
int ethdev_promiscuous_enable(uint16_t port_id);
/** @return 0, -ENODEV, -ENOTSUP, or the driver's error. */
int ethdev_promiscuous_disable(uint16_t port_id);
/** @return 1 when promiscuous, 0 when not, -ENODEV. */
int ethdev_promiscuous_get(uint16_t port_id);

/** @return 0 with *@p mtu set, -ENODEV, -EINVAL (NULL). */
int ethdev_get_mtu(uint16_t port_id, uint16_t *mtu);

/**
 * Change the MTU.
 * @return 0, -ENODEV, -EINVAL (outside ethdev_info min_mtu..max_mtu),
 *         -EBUSY (started and the driver cannot change it live), -ENOTSUP
 */
int ethdev_set_mtu(uint16_t port_id, uint16_t mtu);

/* ------------------------------------------------------------------ */
/* Statistics                                                           */

/**
 * Read the basic counters (since the port was created or last reset).
 * Queues beyond ETHDEV_QUEUE_STAT_CNTRS count in the totals only.
 * @return 0, -ENODEV, -EINVAL (NULL)
 */
int ethdev_stats_get(uint16_t port_id, struct ethdev_stats *stats);

/** Reset the basic and extended counters. @return 0, -ENODEV, -ENOTSUP. */
int ethdev_stats_reset(uint16_t port_id);

/**
 * Names of the extended statistics: the generic ones derived from struct
 * ethdev_stats ("rx_good_packets", "rx_q0_packets", ...) followed by the
 * driver's own. The list is fixed while the port's configuration is.
 * @param names  array of @p size entries, or NULL to ask for the count
 * @return the number of statistics (when > @p size nothing is written),
 *         or -ENODEV
 */
int ethdev_xstats_get_names(uint16_t port_id, struct ethdev_xstat_name *names,
			    unsigned size);

/**
 * Values of the extended statistics, in the order of
 * ethdev_xstats_get_names() (xstats[i].id == i).
 * @param xstats  array of @p n entries, or NULL to ask for the count
 * @return the number of statistics (when > @p n nothing is written),
 *         or -ENODEV
 */
int ethdev_xstats_get(uint16_t port_id, struct ethdev_xstat *xstats, unsigned n);

/** Reset the extended (and basic) counters. @return 0 or -ENODEV. */
int ethdev_xstats_reset(uint16_t port_id);

/**
 * Read one extended statistic by name.
 * @return 0 with *@p value set, -ENODEV, -EINVAL (NULL), -ENOENT (no such
 *         statistic)
 */
int ethdev_xstats_get_by_name(uint16_t port_id, const char *name, uint64_t *value);

/* ------------------------------------------------------------------ */
/* Fast path                                                            */

/** Receive function of a driver: fill @p pkts from queue @p rxq. */
typedef uint16_t (*ethdev_rx_burst_t)(void *rxq, struct mbuf **pkts, uint16_t nb_pkts);
/** Transmit function of a driver: take packets from @p pkts for queue @p txq. */
typedef uint16_t (*ethdev_tx_burst_t)(void *txq, struct mbuf **pkts, uint16_t nb_pkts);

/**
 * What a burst needs of a port, one cache-aligned entry per port so that
 * the hot fields of a port share no line with another's. Not for
 * applications to change: ethdev fills it at start and stop.
 */
struct ethdev_fp_ops {
	ethdev_rx_burst_t rx_pkt_burst;
	ethdev_tx_burst_t tx_pkt_burst;
	uint16_t nb_rx_queues;   /**< for ETHDEV_DEBUG range checks */
	uint16_t nb_tx_queues;
	void *rxq_data[ETHDEV_MAX_QUEUES_PER_PORT];
	void *txq_data[ETHDEV_MAX_QUEUES_PER_PORT];
} __cache_aligned;

/** The fast-path table, indexed by port id. */
extern struct ethdev_fp_ops ethdev_fp_ops[ETHDEV_MAX_PORTS];

/* Logs a burst with a bad port or queue id (ETHDEV_DEBUG only). */
void ethdev_fp_bad_ids(const char *what, uint16_t port_id, uint16_t queue_id);

/**
 * Receive up to @p nb_pkts packets from an rx queue.
 * @param port_id   a started port
 * @param queue_id  a set-up rx queue
 * @param rx_pkts   array of at least @p nb_pkts entries
 * @param nb_pkts   most packets to return
 * @return packets stored in @p rx_pkts (the caller owns them); 0 when none
 *         or when the port is not started
 */
static inline uint16_t ethdev_rx_burst(uint16_t port_id, uint16_t queue_id,
				       struct mbuf **rx_pkts, uint16_t nb_pkts)
{
	const struct ethdev_fp_ops *p;

#if ETHDEV_DEBUG
	if (port_id >= ETHDEV_MAX_PORTS ||
	    queue_id >= ethdev_fp_ops[port_id].nb_rx_queues) {
		ethdev_fp_bad_ids("rx", port_id, queue_id);
		return 0;
	}
#endif
	p = &ethdev_fp_ops[port_id];
	return p->rx_pkt_burst(p->rxq_data[queue_id], rx_pkts, nb_pkts);
}

/**
 * Send up to @p nb_pkts packets on a tx queue.
 * Packets accepted now belong to the driver (it frees them once sent);
 * the rest, @p tx_pkts[return value .. nb_pkts - 1], still belong to the
 * caller, which retries or frees them.
 * @return packets accepted; 0 when the port is not started
 */
static inline uint16_t ethdev_tx_burst(uint16_t port_id, uint16_t queue_id,
				       struct mbuf **tx_pkts, uint16_t nb_pkts)
{
	const struct ethdev_fp_ops *p;

#if ETHDEV_DEBUG
	if (port_id >= ETHDEV_MAX_PORTS ||
	    queue_id >= ethdev_fp_ops[port_id].nb_tx_queues) {
		ethdev_fp_bad_ids("tx", port_id, queue_id);
		return 0;
	}
#endif
	p = &ethdev_fp_ops[port_id];
	return p->tx_pkt_burst(p->txq_data[queue_id], tx_pkts, nb_pkts);
}

#endif /* UPDK_ETHDEV_H */
