/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>
#include "virtio_rxtx.h"

/* ---- rx ------------------------------------------------------------------ */

/* Device address and length of the buffer behind an rx mbuf: the header
 * goes into the last bytes of the headroom. */
static inline void rx_desc_fill(volatile struct virtq_desc *d, const struct mbuf *m)
{
	d->addr = m->buf_iova + m->data_off - VIRTIO_NET_HDR_SIZE;
	d->len = (uint32_t)(m->buf_len - m->data_off + VIRTIO_NET_HDR_SIZE);
	d->flags = VIRTQ_DESC_F_WRITE;
}

/* Hand up to all free descriptors to the device, in mempool bulks.
 * @return descriptors added (published by the caller). */
static unsigned rx_refill(struct virtnet_rx *rxq)
{
	struct virtqueue *vq = &rxq->vq;
	struct mbuf *bufs[VIRTIO_RX_REFILL_BATCH];
	unsigned added = 0;

	while (vq->num_free > 0) {
		unsigned n = EAL_MIN((unsigned)vq->num_free, VIRTIO_RX_REFILL_BATCH), i;

		if (unlikely(pktmbuf_alloc_bulk(rxq->mp, bufs, n) != 0)) {
			/* The pool is nearly dry: take what is left one by one. */
			unsigned got = 0;

			while (got < n && (bufs[got] = pktmbuf_alloc(rxq->mp)) != NULL)
				got++;
			ethdev_counter_add(&rxq->stats.nombuf, n - got);
			if (got == 0)
				break;
			n = got;
		}
		for (i = 0; i < n; i++) {
			uint16_t id = virtq_desc_take(vq, 1);

			rx_desc_fill(&vq->desc[id], bufs[i]);
			vq->cookie[id] = bufs[i];
			virtq_avail_add(vq, id);
		}
		added += n;
	}
	return added;
}

int virtnet_rx_ring_init(struct virtnet_rx *rxq, bool event_idx)
{
	int rc = virtq_init(&rxq->vq, rxq->ring_mem, rxq->ring_iova, rxq->nb_desc, event_idx,
			    rxq->chain_len, rxq->cookie);

	if (rc == 0)
		virtq_interrupts_off(&rxq->vq);
	return rc;
}

int virtnet_rx_ring_start(struct virtnet_rx *rxq, bool event_idx)
{
	int rc = virtnet_rx_ring_init(rxq, event_idx);

	return rc < 0 ? rc : virtnet_rx_ring_fill(rxq);
}

int virtnet_rx_ring_fill(struct virtnet_rx *rxq)
{
	rx_refill(rxq);
	virtq_avail_publish(&rxq->vq);
	if (rxq->vq.num_free > 0) {
		VIRTIO_LOG(ERR, "rx queue %u: pool %s could not fill %u of %u descriptors: "
			   "create the pool with more mbufs (at least the descriptors of every "
			   "queue plus the bursts in flight)", rxq->queue_id, mempool_name(rxq->mp),
			   rxq->vq.num_free, rxq->nb_desc);
		return -ENOMEM;
	}
	return 0;
}

void virtnet_rx_ring_drain(struct virtnet_rx *rxq)
{
	uint16_t i;

	if (rxq->vq.cookie == NULL)
		return;
	for (i = 0; i < rxq->vq.size; i++) {
		if (rxq->vq.cookie[i] != NULL) {
			pktmbuf_free(rxq->vq.cookie[i]);
			rxq->vq.cookie[i] = NULL;
		}
	}
}

/* A used entry naming a descriptor we did not hand out: a broken device.
 * The entry is skipped; counting it keeps the fault visible. */
static inline struct mbuf *rx_take(struct virtnet_rx *rxq, uint16_t ahead, uint32_t *len)
{
	struct virtqueue *vq = &rxq->vq;
	const volatile struct virtq_used_elem *e = virtq_used_elem(vq, ahead);
	uint32_t id = e->id;
	struct mbuf *m;

	*len = e->len;
	if (unlikely(id >= vq->size || vq->cookie[id] == NULL))
		return NULL;
	m = vq->cookie[id];
	virtq_desc_give(vq, (uint16_t)id);
	return m;
}

/* Both rx bursts; @p offload is a constant in each, so the checksum code
 * exists only in virtnet_rx_burst_offload(). */
static __eal_always_inline uint16_t rx_burst(void *queue, struct mbuf **pkts, uint16_t nb_pkts,
					     const bool offload)
{
	struct virtnet_rx *rxq = queue;
	struct virtqueue *vq = &rxq->vq;
	uint16_t pending, done = 0, nb_rx = 0;
	uint64_t bytes = 0, errors = 0;

	if (unlikely(__atomic_load_n(&rxq->device_gone, __ATOMIC_RELAXED)))
		return 0;
	pending = virtq_used_pending(vq);
	while (nb_rx < nb_pkts && done < pending) {
		const volatile struct virtq_used_elem *e = virtq_used_elem(vq, 0);
		uint16_t nb_bufs = 1, k;
		struct mbuf *head, *prev;
		uint32_t len;

		/* With MRG_RXBUF the device fills every buffer of a packet but
		 * the last to its full length (5.1.6.4.2): a first buffer it
		 * used less than full holds the whole packet, and num_buffers
		 * (in the frame's own cache line, which the device just wrote)
		 * need not be read. */
		const struct mbuf *first = rxq->mrg_rxbuf && likely(e->id < vq->size) ?
			vq->cookie[e->id] : NULL;

		if (first != NULL && e->len >= (uint32_t)(first->buf_len - first->data_off +
							  VIRTIO_NET_HDR_SIZE)) {
			const struct virtio_net_hdr *hdr = (const struct virtio_net_hdr *)
				(const void *)((const char *)first->buf_addr + first->data_off -
					       VIRTIO_NET_HDR_SIZE);

			nb_bufs = hdr->num_buffers != 0 ? hdr->num_buffers : 1;
			/* The device publishes a packet's buffers together
			 * (5.1.6.4); an index short of them is a broken one. */
			if (unlikely(nb_bufs > pending - done))
				nb_bufs = (uint16_t)(pending - done);
		}
		head = rx_take(rxq, 0, &len);
		if (unlikely(head == NULL || len < VIRTIO_NET_HDR_SIZE)) {
			vq->last_used_idx++;
			done++;
			errors++;
			if (head != NULL)
				pktmbuf_free(head);
			continue;
		}
		head->data_len = (uint16_t)(len - VIRTIO_NET_HDR_SIZE);
		head->pkt_len = head->data_len;
		head->port = rxq->port_id;
		if (offload)
			head->ol_flags = virtnet_rx_csum_flags(
				pktmbuf_mtod_offset(head, const struct virtio_net_hdr *,
						    -(int)VIRTIO_NET_HDR_SIZE));
		prev = head;
		for (k = 1; k < nb_bufs; k++) {
			struct mbuf *seg = rx_take(rxq, k, &len);

			if (unlikely(seg == NULL)) {
				errors++;
				continue;
			}
			/* Only the first buffer carries the header. */
			seg->data_off = (uint16_t)(seg->data_off - VIRTIO_NET_HDR_SIZE);
			seg->data_len = (uint16_t)len;
			head->pkt_len += len;
			head->nb_segs++;
			prev->next = seg;
			prev = seg;
		}
		vq->last_used_idx = (uint16_t)(vq->last_used_idx + nb_bufs);
		done = (uint16_t)(done + nb_bufs);
		bytes += head->pkt_len;
		pkts[nb_rx++] = head;
	}
	if (vq->num_free >= rxq->free_thresh && rx_refill(rxq) > 0) {
		virtq_avail_publish(vq);
		if (virtq_kick_needed(vq))
			virtio_notify(&rxq->notify);
	}
	ethdev_counter_add(&rxq->stats.packets, nb_rx);
	ethdev_counter_add(&rxq->stats.bytes, bytes);
	if (unlikely(errors != 0))
		ethdev_counter_add(&rxq->stats.errors, errors);
	return nb_rx;
}

uint16_t virtnet_rx_burst(void *queue, struct mbuf **pkts, uint16_t nb_pkts)
{
	return rx_burst(queue, pkts, nb_pkts, false);
}

uint16_t virtnet_rx_burst_offload(void *queue, struct mbuf **pkts, uint16_t nb_pkts)
{
	return rx_burst(queue, pkts, nb_pkts, true);
}

/* ---- tx ------------------------------------------------------------------ */

int virtnet_tx_ring_start(struct virtnet_tx *txq, bool event_idx)
{
	int rc = virtq_init(&txq->vq, txq->ring_mem, txq->ring_iova, txq->nb_desc, event_idx,
			    txq->chain_len, txq->cookie);

	if (rc == 0)
		virtq_interrupts_off(&txq->vq);
	/* The burst without offloads relies on zeroed chain headers; a run
	 * with offloads may have left flags in them. */
	if (rc == 0 && txq->hdrs != NULL)
		memset(txq->hdrs, 0, (size_t)txq->nb_desc * VIRTIO_NET_HDR_SIZE);
	return rc;
}

void virtnet_tx_ring_drain(struct virtnet_tx *txq)
{
	uint16_t i;

	if (txq->vq.cookie == NULL)
		return;
	for (i = 0; i < txq->vq.size; i++) {
		if (txq->vq.cookie[i] != NULL) {
			pktmbuf_free(txq->vq.cookie[i]);
			txq->vq.cookie[i] = NULL;
		}
	}
}

uint16_t virtnet_tx_in_flight(const struct virtnet_tx *txq)
{
	const struct virtqueue *vq = &txq->vq;

	if (vq->avail == NULL)
		return 0;
	return (uint16_t)(vq->avail->idx - __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE));
}

/* Free the mbufs of every chain the device finished. */
static void tx_reclaim(struct virtnet_tx *txq)
{
	struct virtqueue *vq = &txq->vq;
	struct mbuf *done[VIRTIO_TX_FREE_BATCH];
	uint16_t pending = virtq_used_pending(vq);
	unsigned n = 0;

	while (pending-- > 0) {
		uint32_t id = virtq_used_elem(vq, 0)->id;

		vq->last_used_idx++;
		if (unlikely(id >= vq->size || vq->cookie[id] == NULL)) {
			ethdev_counter_add(&txq->stats.errors, 1);
			continue;
		}
		done[n++] = vq->cookie[id];
		virtq_desc_give(vq, (uint16_t)id);
		if (n == VIRTIO_TX_FREE_BATCH) {
			pktmbuf_free_bulk(done, n);
			n = 0;
		}
	}
	if (n > 0)
		pktmbuf_free_bulk(done, n);
}

/* May the header go into the frame's own headroom? Only when nobody else
 * sees those bytes and the frame is one segment. */
static inline bool tx_can_push(const struct mbuf *m)
{
	return m->nb_segs == 1 && mbuf_refcnt_read(m) == 1 &&
	       m->data_off >= VIRTIO_NET_HDR_SIZE;
}

/* Both tx bursts; @p offload is a constant in each. Without it the header
 * is all zero: the pushed one is cleared, the chain ones stay zero. */
static __eal_always_inline uint16_t tx_burst(void *queue, struct mbuf **pkts, uint16_t nb_pkts,
					     const bool offload)
{
	struct virtnet_tx *txq = queue;
	struct virtqueue *vq = &txq->vq;
	uint64_t bytes = 0, errors = 0;
	uint16_t nb_tx;

	if (unlikely(__atomic_load_n(&txq->device_gone, __ATOMIC_RELAXED)))
		return 0;
	tx_reclaim(txq);
	for (nb_tx = 0; nb_tx < nb_pkts; nb_tx++) {
		struct mbuf *m = pkts[nb_tx];
		volatile struct virtq_desc *d;
		uint16_t head;

		if (tx_can_push(m)) {
			if (unlikely(vq->num_free < 1))
				break;
			head = virtq_desc_take(vq, 1);
			if (offload) {
				struct virtio_net_hdr hdr = virtnet_tx_hdr(m);

				memcpy((char *)m->buf_addr + m->data_off - VIRTIO_NET_HDR_SIZE,
				       &hdr, VIRTIO_NET_HDR_SIZE);
			} else {
				memset((char *)m->buf_addr + m->data_off - VIRTIO_NET_HDR_SIZE, 0,
				       VIRTIO_NET_HDR_SIZE);
			}
			d = &vq->desc[head];
			d->addr = m->buf_iova + m->data_off - VIRTIO_NET_HDR_SIZE;
			d->len = (uint32_t)m->data_len + VIRTIO_NET_HDR_SIZE;
			d->flags = 0;
		} else {
			uint32_t need = (uint32_t)m->nb_segs + 1u;
			const struct mbuf *seg = m;
			uint16_t k;

			if (unlikely(need > vq->size)) {
				/* Can never fit: dropped, or it would block the queue. */
				pktmbuf_free(m);
				errors++;
				continue;
			}
			if (unlikely(need > vq->num_free))
				break;
			head = virtq_desc_take(vq, (uint16_t)need);
			if (offload)
				txq->hdrs[head] = virtnet_tx_hdr(m);
			d = &vq->desc[head];
			d->addr = txq->hdrs_iova + (uint64_t)head * VIRTIO_NET_HDR_SIZE;
			d->len = VIRTIO_NET_HDR_SIZE;
			d->flags = VIRTQ_DESC_F_NEXT;
			for (k = 1; k < need; k++, seg = seg->next) {
				d = &vq->desc[d->next];
				d->addr = seg->buf_iova + seg->data_off;
				d->len = seg->data_len;
				d->flags = k + 1u < need ? VIRTQ_DESC_F_NEXT : 0;
			}
		}
		vq->cookie[head] = m;
		virtq_avail_add(vq, head);
		bytes += m->pkt_len;
	}
	if (likely(nb_tx > 0)) {
		virtq_avail_publish(vq);
		if (virtq_kick_needed(vq))
			virtio_notify(&txq->notify);
	}
	ethdev_counter_add(&txq->stats.packets, nb_tx - errors);
	ethdev_counter_add(&txq->stats.bytes, bytes);
	if (unlikely(errors != 0))
		ethdev_counter_add(&txq->stats.errors, errors);
	return nb_tx;
}

uint16_t virtnet_tx_burst(void *queue, struct mbuf **pkts, uint16_t nb_pkts)
{
	return tx_burst(queue, pkts, nb_pkts, false);
}

uint16_t virtnet_tx_burst_offload(void *queue, struct mbuf **pkts, uint16_t nb_pkts)
{
	return tx_burst(queue, pkts, nb_pkts, true);
}
