/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_virtio's receive and transmit queues and their bursts. They depend
 * on a split virtqueue (virtqueue.h) and a notify address only, so the
 * unit tests drive them against a fake device in plain memory.
 *
 * rx: every descriptor is one mbuf, device-writable, starting
 * VIRTIO_NET_HDR_SIZE bytes before the mbuf's data so that the header
 * lands in the headroom and the frame at the data offset (zero copy).
 * tx: a frame whose headroom is its own gets the header pushed there
 * (one descriptor); otherwise (shared or chained mbufs) a per-descriptor
 * header from the queue's header array leads a chain of one descriptor per
 * segment.
 */
#ifndef VIRTIO_RXTX_H
#define VIRTIO_RXTX_H

#include <stdbool.h>
#include <stdint.h>
#include "ethdev_driver.h"
#include "mbuf.h"
#include "virtio_pci.h"
#include "virtqueue.h"

#define VIRTIO_NET_HDR_SIZE ((uint16_t)sizeof(struct virtio_net_hdr))
/* Descriptors refilled (rx) at a time: one mempool bulk get. */
#define VIRTIO_RX_REFILL_BATCH 32u
/* Completed tx mbufs freed at a time. */
#define VIRTIO_TX_FREE_BATCH 64u

struct virtnet_rx {
	struct virtqueue vq;
	struct virtio_notify notify;
	struct mempool *mp;
	/* Set by the control thread once the device is gone (its vfio-user
	 * server exited): the burst then returns 0 without touching the ring
	 * or the notify area. Relaxed atomic: one load per burst. */
	bool device_gone;
	bool mrg_rxbuf;          /* num_buffers may exceed 1 */
	uint16_t port_id;
	uint16_t queue_id;
	uint16_t free_thresh;    /* refill once this many descriptors are free */
	struct ethdev_queue_counters stats;
	/* Owned memory. */
	void *ring_mem;          /* eal_dma_zalloc */
	uint64_t ring_iova;
	uint16_t nb_desc;
	uint16_t *chain_len;
	void **cookie;
} __cache_aligned;

struct virtnet_tx {
	struct virtqueue vq;
	struct virtio_notify notify;
	bool device_gone;        /* as in struct virtnet_rx: nothing is sent */
	uint16_t port_id;
	uint16_t queue_id;
	struct ethdev_queue_counters stats;
	/* One zeroed header per descriptor, for frames that cannot take the
	 * header in their headroom (DMA memory). */
	struct virtio_net_hdr *hdrs;
	uint64_t hdrs_iova;
	void *ring_mem;
	uint64_t ring_iova;
	uint16_t nb_desc;
	uint16_t *chain_len;
	void **cookie;
} __cache_aligned;

/* Burst functions (ethdev_rx_burst_t / ethdev_tx_burst_t). Both return 0
 * once the queue's device_gone is set (tx: the caller keeps the mbufs). */
uint16_t virtnet_rx_burst(void *queue, struct mbuf **pkts, uint16_t nb_pkts);
uint16_t virtnet_tx_burst(void *queue, struct mbuf **pkts, uint16_t nb_pkts);

/* Reset the ring of @p rxq (its memory is kept) and give the device every
 * descriptor: fills it with mbufs. @return 0 or -ENOMEM (pool empty: the
 * log says how many mbufs were missing; what was allocated stays). */
int virtnet_rx_ring_start(struct virtnet_rx *rxq, bool event_idx);
/* The two halves of virtnet_rx_ring_start(): reset the ring (empty), and
 * fill it (all descriptors to the device, published; the caller notifies). */
int virtnet_rx_ring_init(struct virtnet_rx *rxq, bool event_idx);
int virtnet_rx_ring_fill(struct virtnet_rx *rxq);
/* Reset the ring of @p txq: all descriptors free. */
int virtnet_tx_ring_start(struct virtnet_tx *txq, bool event_idx);
/* Return every mbuf the ring holds to its pool (device stopped). */
void virtnet_rx_ring_drain(struct virtnet_rx *rxq);
void virtnet_tx_ring_drain(struct virtnet_tx *txq);
/* Chains handed to the device that it has not marked used yet. */
uint16_t virtnet_tx_in_flight(const struct virtnet_tx *txq);

#endif /* VIRTIO_RXTX_H */
