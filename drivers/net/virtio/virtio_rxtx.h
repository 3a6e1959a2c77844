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
#include "net_tcp.h"
#include "net_udp.h"
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
/* The same with checksum offloads, installed by start only when
 * VIRTIO_NET_F_GUEST_CSUM (rx) or VIRTIO_NET_F_CSUM (tx) was negotiated,
 * so that a port without offloads pays nothing per packet for them. rx
 * sets the MBUF_F_RX_L4_CKSUM_* flags from the header; tx fills the header
 * from the MBUF_F_TX_*_CKSUM request. */
uint16_t virtnet_rx_burst_offload(void *queue, struct mbuf **pkts, uint16_t nb_pkts);
uint16_t virtnet_tx_burst_offload(void *queue, struct mbuf **pkts, uint16_t nb_pkts);

/*
 * The header for transmitting @p m (spec 5.1.6.2): a UDP or TCP checksum
 * request becomes NEEDS_CSUM with csum_start at the L4 header (l2_len +
 * l3_len) and csum_offset at its checksum field, which the application
 * seeded with the pseudo-header sum as the spec expects; anything else an
 * all-zero header (no offload, GSO_NONE).
 */
static inline struct virtio_net_hdr virtnet_tx_hdr(const struct mbuf *m)
{
	struct virtio_net_hdr hdr = { .gso_type = VIRTIO_NET_HDR_GSO_NONE };
	uint64_t l4 = m->ol_flags & MBUF_F_TX_L4_MASK;

	if (l4 == MBUF_F_TX_UDP_CKSUM || l4 == MBUF_F_TX_TCP_CKSUM) {
		hdr.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		hdr.csum_start = (uint16_t)(m->l2_len + m->l3_len);
		hdr.csum_offset = l4 == MBUF_F_TX_UDP_CKSUM
					  ? (uint16_t)offsetof(struct udp_hdr, dgram_cksum)
					  : (uint16_t)offsetof(struct tcp_hdr, cksum);
	}
	return hdr;
}

/*
 * The MBUF_F_RX_L4_CKSUM_* flags of a frame received with @p hdr when
 * VIRTIO_NET_F_GUEST_CSUM was negotiated (spec 5.1.6.4): NEEDS_CSUM means
 * the data is intact but the checksum field holds only the pseudo-header
 * sum (NONE; it wins over DATA_VALID, since the field is not a checksum
 * yet); DATA_VALID means the device checked it (GOOD); otherwise nothing
 * is known (UNKNOWN). virtio has no "bad checksum" indication.
 */
static inline uint64_t virtnet_rx_csum_flags(const struct virtio_net_hdr *hdr)
{
	if (hdr->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
		return MBUF_F_RX_L4_CKSUM_NONE;
	if (hdr->flags & VIRTIO_NET_HDR_F_DATA_VALID)
		return MBUF_F_RX_L4_CKSUM_GOOD;
	return MBUF_F_RX_L4_CKSUM_UNKNOWN;
}

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
