/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The interface between ethdev and the drivers (not for applications).
 *
 * A driver registers a struct ethdev_driver from a constructor
 * (ETHDEV_DRIVER_REGISTER). At eal_init() ethdev offers each --vdev to the
 * driver whose name is a prefix of the device name ("net_null0" goes to
 * "net_null"); the driver's probe_vdev() parses its arguments, allocates a
 * port with ethdev_allocate(), fills dev->dev_ops, dev->data.mac_addr and
 * its private data, and calls ethdev_probing_finish() to make it visible.
 *
 * ethdev checks the state machine and the arguments (port and queue ids,
 * descriptor limits from dev_infos_get, offloads) before calling an op, so
 * ops only deal with what is valid. Ops return 0 or a negative errno and
 * log their own errors.
 */
#ifndef UPDK_ETHDEV_DRIVER_H
#define UPDK_ETHDEV_DRIVER_H

#include <stdbool.h>
#include <stdint.h>
#include "eal.h"
#include "ethdev.h"

struct ethdev;

/** Device operations; NULL entries are optional unless marked required. */
struct ethdev_ops {
	/** Required. Fill limits and capabilities (ethdev has zeroed @p info
	 *  and set driver_name, device_name, socket_id, nb_*_queues). */
	int (*dev_infos_get)(struct ethdev *dev, struct ethdev_info *info);
	/** Apply dev->data.dev_conf and the queue counts in dev->data. */
	int (*dev_configure)(struct ethdev *dev);
	/** Required. Start rx/tx; set dev->rx_pkt_burst / tx_pkt_burst if not
	 *  set at probe. The link is read with link_update afterwards. */
	int (*dev_start)(struct ethdev *dev);
	/** Required. Stop rx/tx. */
	int (*dev_stop)(struct ethdev *dev);
	/** Release what probe allocated (queues are released before; ethdev
	 *  frees dev_private itself afterwards). */
	int (*dev_close)(struct ethdev *dev);
	/** Refresh dev->data.dev_link; @p wait_to_complete: may block. */
	int (*link_update)(struct ethdev *dev, int wait_to_complete);
	/** True once the device is gone for good (see ethdev_is_removed());
	 *  control plane only. NULL: never. */
	bool (*is_removed)(struct ethdev *dev);
	int (*promiscuous_enable)(struct ethdev *dev);
	int (*promiscuous_disable)(struct ethdev *dev);
	/** Program a new address (ethdev stores it in data.mac_addr after). */
	int (*mac_addr_set)(struct ethdev *dev, const struct eth_addr *addr);
	int (*mtu_set)(struct ethdev *dev, uint16_t mtu);
	/** Required. Fill @p stats (zeroed by ethdev). */
	int (*stats_get)(struct ethdev *dev, struct ethdev_stats *stats);
	int (*stats_reset)(struct ethdev *dev);
	/** Driver-specific statistics: write up to @p size names (when @p
	 *  names is not NULL) and return how many there are. */
	int (*xstats_get_names)(struct ethdev *dev, struct ethdev_xstat_name *names,
				unsigned size);
	/** Write up to @p n values in the order of xstats_get_names (ids are
	 *  set by ethdev) and return how many there are. */
	int (*xstats_get)(struct ethdev *dev, struct ethdev_xstat *xstats, unsigned n);
	/** Reset the driver-specific counters (stats_reset is called too). */
	int (*xstats_reset)(struct ethdev *dev);
	/** Required. Create rx queue @p qid (ethdev released any previous one). */
	int (*rx_queue_setup)(struct ethdev *dev, uint16_t qid, uint16_t nb_desc,
			      int socket_id, const struct ethdev_rxconf *conf,
			      struct mempool *mp);
	/** Required. Create tx queue @p qid. */
	int (*tx_queue_setup)(struct ethdev *dev, uint16_t qid, uint16_t nb_desc,
			      int socket_id, const struct ethdev_txconf *conf);
	/** Free rx queue @p qid (data.rx_queues[qid] is not NULL). */
	void (*rx_queue_release)(struct ethdev *dev, uint16_t qid);
	/** Free tx queue @p qid. */
	void (*tx_queue_release)(struct ethdev *dev, uint16_t qid);
};

/** State shared by ethdev and the driver. */
struct ethdev_data {
	char name[ETHDEV_NAME_MAX_LEN];
	uint16_t port_id;
	int socket_id;
	uint16_t nb_rx_queues;           /**< configured */
	uint16_t nb_tx_queues;
	void *rx_queues[ETHDEV_MAX_QUEUES_PER_PORT]; /**< driver queue objects */
	void *tx_queues[ETHDEV_MAX_QUEUES_PER_PORT];
	struct ethdev_conf dev_conf;     /**< from ethdev_configure() */
	struct ethdev_link dev_link;     /**< kept up to date by link_update */
	struct eth_addr mac_addr;
	uint16_t mtu;
	bool promiscuous;
	bool dev_configured;
	bool dev_started;
	void *dev_private;               /**< the driver's, sized at ethdev_allocate() */
};

/** Where a port slot is in its life. */
enum ethdev_port_state {
	ETHDEV_PORT_UNUSED = 0, /**< free slot */
	ETHDEV_PORT_PROBING,    /**< allocated, driver still probing: invisible */
	ETHDEV_PORT_ATTACHED,   /**< visible to applications */
};

/** A port, as a driver sees it. */
struct ethdev {
	ethdev_rx_burst_t rx_pkt_burst;  /**< installed in the fast-path table at start */
	ethdev_tx_burst_t tx_pkt_burst;
	const struct ethdev_ops *dev_ops;
	const struct ethdev_driver *driver;
	struct ethdev_data data;
	/* ethdev's own bookkeeping */
	enum ethdev_port_state state;
	bool warned_stopped_burst;       /**< rate-limits the debug log */
};

/** A driver. */
struct ethdev_driver {
	/** e.g. "net_null": also the prefix of its vdev names. */
	const char *name;
	/** Create a port for --vdev=@p name,@p args. @return 0 or a negative
	 *  errno (-EINVAL for bad arguments, logged with the accepted keys). */
	int (*probe_vdev)(const char *name, const char *args);
	/* Devices named with -a (PCI, vfio-user) are probed by their bus
	 * (lib/pci, struct pci_driver), whose probe creates the port with
	 * ethdev_allocate(); an ethdev_driver covers virtual devices. */
	/** Optional, for bus devices (PCI, vfio-user): detach the device
	 *  behind @p port_id when the bus removes it. ethdev_close() does not
	 *  call it; vdev drivers release everything in dev_ops->dev_close. */
	int (*remove)(uint16_t port_id);
	struct ethdev_driver *next; /**< registry link, owned by ethdev */
};

/** Add @p drv to the registry. Call from a constructor. */
void ethdev_driver_register(struct ethdev_driver *drv);

/** Register @p drv (a struct ethdev_driver) before main(). */
#define ETHDEV_DRIVER_REGISTER(drv)                                      \
	__attribute__((constructor(110))) static void drv##_register(void) \
	{                                                                \
		ethdev_driver_register(&(drv));                          \
	}

/**
 * Reserve a port for a new device. It stays invisible to applications
 * until ethdev_probing_finish().
 * @param name       unique port name
 * @param drv        the driver
 * @param priv_size  bytes of zeroed, cache-line aligned private data
 *                   (dev->data.dev_private, freed with the port), 0 for none
 * @param socket_id  NUMA node of the device
 * @return the port, or NULL with errno: EEXIST (name in use), ENOSPC (all
 *         ETHDEV_MAX_PORTS in use), EINVAL (name empty or too long), ENOMEM
 */
struct ethdev *ethdev_allocate(const char *name, const struct ethdev_driver *drv,
			       size_t priv_size, int socket_id);

/** Make a port allocated by the driver visible. */
void ethdev_probing_finish(struct ethdev *dev);

/** Undo ethdev_allocate() (on a failed probe). */
void ethdev_release_port(struct ethdev *dev);

/** The port @p port_id, or NULL when it does not exist. */
struct ethdev *ethdev_get_dev(uint16_t port_id);

/**
 * Counters a driver's queue owns. The queue's thread writes them; the
 * control thread reads them, so every access is atomic (relaxed: plain
 * loads and stores on x86, no lock prefix). Reset does not write them
 * (that would race with the queue's thread): it remembers a base that is
 * subtracted when reading.
 */
struct ethdev_queue_counters {
	uint64_t packets;
	uint64_t bytes;
	uint64_t errors;   /**< tx: not sent; rx: bad packets */
	uint64_t nombuf;   /**< rx: mbuf allocation failures */
	uint64_t base_packets, base_bytes, base_errors, base_nombuf;
};

/** Add @p v to a counter owned by the calling thread. */
static inline void ethdev_counter_add(uint64_t *counter, uint64_t v)
{
	__atomic_store_n(counter, __atomic_load_n(counter, __ATOMIC_RELAXED) + v,
			 __ATOMIC_RELAXED);
}

/** Read a counter minus its reset base. */
static inline uint64_t ethdev_counter_read(const uint64_t *counter, const uint64_t *base)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED) - *base;
}

/** Remember the counters of @p c as their new zero. */
void ethdev_queue_counters_reset(struct ethdev_queue_counters *c);

struct ethdev_stats;
/** Add rx queue @p q's counters to the port totals in @p st and set its
 *  per-queue entries (for the first ETHDEV_QUEUE_STAT_CNTRS queues). */
void ethdev_stats_add_rxq(struct ethdev_stats *st, uint16_t q,
			  const struct ethdev_queue_counters *c);
/** The same for tx queue @p q (errors are packets not sent). */
void ethdev_stats_add_txq(struct ethdev_stats *st, uint16_t q,
			  const struct ethdev_queue_counters *c);

#endif /* UPDK_ETHDEV_DRIVER_H */
