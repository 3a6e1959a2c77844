/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_virtio without a device: the split-ring layout (spec 2.7 sizes and
 * alignments), the free descriptor list, 16-bit index arithmetic across
 * the wrap, event-index and NO_NOTIFY notification decisions, and the rx
 * and tx bursts against a fake device written here that reads the avail
 * ring and writes the used ring in plain DMA memory (--no-huge): zero-copy
 * descriptors, headers, chains, mergeable buffers, bad used entries,
 * checksum offload headers both ways, and every mbuf back in its pool.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "eal.h"
#include "eal_memory.h"
#include "virtio_rxtx.h"

#define POOL_SIZE 256
#define RING 32
#define NOTIFY_OFF 0x10
#define NOTIFY_IDLE 0xbeef

static struct mempool *pool;
static struct pci_device fake_pdev;
static uint16_t notify_area[2048];
static char sysfs_root[64];

/* ---- the fake device ------------------------------------------------------ */

struct fake_dev {
	struct virtqueue *vq;
	uint16_t last_avail;
	uint8_t rx_hdr_flags;   /* virtio_net_hdr.flags of received frames */
};

static void *iova_to_va(uint64_t iova)
{
	/* --no-huge runs in IOVA-as-VA mode (checked in the group setup). */
	return (void *)(uintptr_t)iova;
}

static void used_push(struct virtqueue *vq, uint16_t ahead, uint32_t id, uint32_t len)
{
	uint16_t slot = (uint16_t)(vq->used->idx + ahead) & vq->mask;

	vq->used->ring[slot].id = id;
	vq->used->ring[slot].len = len;
}

static void used_publish(struct virtqueue *vq, uint16_t n)
{
	__atomic_store_n(&vq->used->idx, (uint16_t)(vq->used->idx + n), __ATOMIC_RELEASE);
}

static uint16_t avail_pending(const struct fake_dev *fd)
{
	return (uint16_t)(__atomic_load_n(&fd->vq->avail->idx, __ATOMIC_ACQUIRE) - fd->last_avail);
}

/* Transmit side: read one chain into @p out (header included); complete it. */
static size_t dev_tx_one(struct fake_dev *fd, uint8_t *out, size_t room, unsigned *ndesc)
{
	struct virtqueue *vq = fd->vq;
	uint16_t head = vq->avail->ring[fd->last_avail & vq->mask], id = head;
	size_t len = 0;

	*ndesc = 0;
	for (;;) {
		const volatile struct virtq_desc *d = &vq->desc[id];

		assert_true(id < vq->size);
		assert_false(d->flags & VIRTQ_DESC_F_WRITE);
		assert_true(len + d->len <= room);
		memcpy(out + len, iova_to_va(d->addr), d->len);
		len += d->len;
		(*ndesc)++;
		if (!(d->flags & VIRTQ_DESC_F_NEXT))
			break;
		id = d->next;
	}
	fd->last_avail++;
	used_push(vq, 0, head, 0);
	used_publish(vq, 1);
	return len;
}

/* Receive side: write @p frame into @p nbufs buffers, header in the first. */
static void dev_rx_frame(struct fake_dev *fd, const uint8_t *frame, size_t len, uint16_t nbufs,
			 bool publish)
{
	struct virtqueue *vq = fd->vq;
	struct virtio_net_hdr hdr = { .flags = fd->rx_hdr_flags, .num_buffers = nbufs };
	size_t done = 0;
	uint16_t b;

	assert_true(avail_pending(fd) >= nbufs);
	for (b = 0; b < nbufs; b++) {
		uint16_t id = vq->avail->ring[fd->last_avail++ & vq->mask];
		const volatile struct virtq_desc *d = &vq->desc[id];
		uint8_t *buf = iova_to_va(d->addr);
		size_t chunk, off = 0;

		assert_true(d->flags & VIRTQ_DESC_F_WRITE);
		if (b == 0) {
			memcpy(buf, &hdr, sizeof(hdr));
			off = sizeof(hdr);
		}
		/* Every buffer but the last is filled to its full length, as
		 * the spec requires of a device (5.1.6.4.2). */
		chunk = b + 1u == nbufs ? len - done : d->len - off;
		assert_true(off + chunk <= d->len);
		memcpy(buf + off, frame + done, chunk);
		done += chunk;
		used_push(vq, b, id, (uint32_t)(off + chunk));
	}
	if (publish)
		used_publish(vq, nbufs);
}

/* ---- helpers --------------------------------------------------------------- */

static void frame_fill(uint8_t *f, size_t len, uint32_t seq)
{
	size_t i;

	static const uint8_t src[6] = { 0x02, 0, 0, 0, 0, 0x01 };

	memset(f, 0xff, 6);
	memcpy(f + 6, src, sizeof(src));
	f[12] = 0x88;
	f[13] = 0xb5;
	for (i = 14; i < len; i++)
		f[i] = (uint8_t)(seq * 7u + i);
}

static uint16_t notify_read(void)
{
	return notify_area[NOTIFY_OFF / 2];
}

static void notify_reset(void)
{
	notify_area[NOTIFY_OFF / 2] = NOTIFY_IDLE;
}

static struct virtnet_rx *rxq_new(bool mrg, uint16_t size)
{
	struct virtnet_rx *rxq = aligned_alloc(CACHE_LINE_SIZE, sizeof(*rxq));
	struct virtq_layout lay;

	assert_non_null(rxq);
	memset(rxq, 0, sizeof(*rxq));
	assert_int_equal(virtq_layout_get(size, &lay), 0);
	rxq->ring_mem = eal_dma_zalloc("test_rx", lay.total, 4096, EAL_SOCKET_ID_ANY,
				       &rxq->ring_iova);
	assert_non_null(rxq->ring_mem);
	rxq->chain_len = calloc(size, sizeof(uint16_t));
	rxq->cookie = calloc(size, sizeof(void *));
	rxq->nb_desc = size;
	rxq->mp = pool;
	rxq->mrg_rxbuf = mrg;
	rxq->free_thresh = 8;
	rxq->port_id = 7;
	rxq->notify = (struct virtio_notify){ .pdev = &fake_pdev, .bar = 0, .offset = NOTIFY_OFF,
					      .queue_index = 4 };
	assert_int_equal(virtnet_rx_ring_start(rxq, false), 0);
	return rxq;
}

static void rxq_free(struct virtnet_rx *rxq)
{
	virtnet_rx_ring_drain(rxq);
	eal_dma_free(rxq->ring_mem);
	free(rxq->chain_len);
	free(rxq->cookie);
	free(rxq);
}

static struct virtnet_tx *txq_new(bool event_idx)
{
	struct virtnet_tx *txq = aligned_alloc(CACHE_LINE_SIZE, sizeof(*txq));
	struct virtq_layout lay;

	assert_non_null(txq);
	memset(txq, 0, sizeof(*txq));
	assert_int_equal(virtq_layout_get(RING, &lay), 0);
	txq->ring_mem = eal_dma_zalloc("test_tx", lay.total, 4096, EAL_SOCKET_ID_ANY,
				       &txq->ring_iova);
	txq->hdrs = eal_dma_zalloc("test_hdr", RING * VIRTIO_NET_HDR_SIZE, 64, EAL_SOCKET_ID_ANY,
				   &txq->hdrs_iova);
	assert_non_null(txq->ring_mem);
	assert_non_null(txq->hdrs);
	txq->chain_len = calloc(RING, sizeof(uint16_t));
	txq->cookie = calloc(RING, sizeof(void *));
	txq->nb_desc = RING;
	txq->notify = (struct virtio_notify){ .pdev = &fake_pdev, .bar = 0, .offset = NOTIFY_OFF,
					      .queue_index = 5 };
	assert_int_equal(virtnet_tx_ring_start(txq, event_idx), 0);
	return txq;
}

static void txq_free(struct virtnet_tx *txq)
{
	virtnet_tx_ring_drain(txq);
	eal_dma_free(txq->ring_mem);
	eal_dma_free(txq->hdrs);
	free(txq->chain_len);
	free(txq->cookie);
	free(txq);
}

static struct mbuf *frame_mbuf(size_t len, uint32_t seq)
{
	struct mbuf *m = pktmbuf_alloc(pool);
	uint8_t *data;

	assert_non_null(m);
	data = (uint8_t *)pktmbuf_append(m, (uint16_t)len);
	if (data == NULL)
		fail_msg("no room for %zu bytes in an mbuf", len);
	else
		frame_fill(data, len, seq);
	return m;
}

/* ---- ring arithmetic ------------------------------------------------------- */

static void test_layout(void **state)
{
	struct virtq_layout lay;
	uint32_t size;

	(void)state;
	for (size = 1; size <= VIRTQ_MAX_SIZE; size *= 2) {
		assert_int_equal(virtq_layout_get((uint16_t)size, &lay), 0);
		assert_int_equal(lay.desc_off % VIRTQ_DESC_ALIGN, 0);
		assert_int_equal(lay.avail_off % VIRTQ_AVAIL_ALIGN, 0);
		assert_int_equal(lay.used_off % VIRTQ_USED_ALIGN, 0);
		/* Parts do not overlap and have the sizes of spec 2.7. */
		assert_true(lay.avail_off >= lay.desc_off + 16u * size);
		assert_true(lay.used_off >= lay.avail_off + 6u + 2u * size);
		assert_true(lay.total >= lay.used_off + 6u + 8u * size);
		/* The driver's and the device's rings share no cache line. */
		assert_int_equal(lay.used_off % CACHE_LINE_SIZE, 0);
	}
	assert_int_equal(virtq_layout_get(0, &lay), -EINVAL);
	assert_int_equal(virtq_layout_get(3, &lay), -EINVAL);
	assert_int_equal(virtq_layout_get(48, &lay), -EINVAL);
	assert_int_equal(virtq_layout_get(65535, &lay), -EINVAL);
	assert_int_equal(virtq_layout_get(16, NULL), -EINVAL);
}

static void test_init_rejects(void **state)
{
	struct virtqueue vq;
	uint16_t chain[16];
	void *cookie[16];
	static uint8_t mem[4096] __attribute__((aligned(64)));

	(void)state;
	assert_int_equal(virtq_init(&vq, mem + 8, 0x1000, 16, false, chain, cookie), -EINVAL);
	assert_int_equal(virtq_init(&vq, mem, 0x1008, 16, false, chain, cookie), -EINVAL);
	assert_int_equal(virtq_init(&vq, mem, 0x1000, 12, false, chain, cookie), -EINVAL);
	assert_int_equal(virtq_init(&vq, NULL, 0x1000, 16, false, chain, cookie), -EINVAL);
	assert_int_equal(virtq_init(&vq, mem, 0x1000, 16, false, chain, cookie), 0);
	assert_int_equal(vq.desc_iova, 0x1000);
	assert_int_equal(vq.avail_iova - vq.desc_iova, (uintptr_t)vq.avail - (uintptr_t)mem);
	assert_ptr_equal(vq.used_event, &vq.avail->ring[16]);
	assert_ptr_equal((const volatile void *)vq.avail_event,
			 (const volatile void *)&vq.used->ring[16]);
}

static void test_free_list(void **state)
{
	static uint8_t mem[8192] __attribute__((aligned(64)));
	struct virtqueue vq;
	uint16_t chain[8], heads[8], seen[8] = { 0 };
	void *cookie[8];
	unsigned i, round;

	(void)state;
	assert_int_equal(virtq_init(&vq, mem, 0x10000, 8, false, chain, cookie), 0);
	assert_int_equal(vq.num_free, 8);
	/* Chains of 3 + 3 + 2 use every descriptor exactly once. */
	heads[0] = virtq_desc_take(&vq, 3);
	heads[1] = virtq_desc_take(&vq, 3);
	heads[2] = virtq_desc_take(&vq, 2);
	assert_int_equal(vq.num_free, 0);
	for (i = 0; i < 3; i++) {
		uint16_t id = heads[i], k;

		for (k = 0; k < chain[heads[i]]; k++) {
			assert_true(id < 8);
			seen[id]++;
			id = vq.desc[id].next;
		}
	}
	for (i = 0; i < 8; i++)
		assert_int_equal(seen[i], 1);
	/* Returned out of order, the list stays whole over many rounds. */
	virtq_desc_give(&vq, heads[1]);
	virtq_desc_give(&vq, heads[0]);
	virtq_desc_give(&vq, heads[2]);
	assert_int_equal(vq.num_free, 8);
	for (round = 0; round < 100; round++) {
		uint16_t n = (uint16_t)(1 + round % 8);
		uint16_t h = virtq_desc_take(&vq, n);

		assert_int_equal(vq.num_free, 8 - n);
		virtq_desc_give(&vq, h);
		assert_int_equal(vq.num_free, 8);
	}
}

static void test_index_wrap(void **state)
{
	static uint8_t mem[8192] __attribute__((aligned(64)));
	struct virtqueue vq;
	uint16_t chain[8];
	void *cookie[8];
	unsigned i;

	(void)state;
	assert_int_equal(virtq_init(&vq, mem, 0x10000, 8, false, chain, cookie), 0);
	/* Start just before the 16-bit wrap: slots and distances still work. */
	vq.avail_idx = vq.kicked_idx = 65533;
	vq.last_used_idx = 65533;
	vq.used->idx = 65533;
	for (i = 0; i < 6; i++) {
		uint16_t h = virtq_desc_take(&vq, 1);

		virtq_avail_add(&vq, h);
		assert_int_equal(vq.avail->ring[(65533u + i) & 7u], h);
	}
	virtq_avail_publish(&vq);
	assert_int_equal(vq.avail->idx, 3);
	used_push(&vq, 0, 1, 0);
	used_push(&vq, 1, 2, 0);
	used_push(&vq, 2, 3, 0);
	used_push(&vq, 3, 4, 0);
	used_publish(&vq, 4);
	assert_int_equal(vq.used->idx, 1);
	assert_int_equal(virtq_used_pending(&vq), 4);
	assert_int_equal(virtq_used_elem(&vq, 3)->id, 4);
	vq.last_used_idx = (uint16_t)(vq.last_used_idx + 4);
	assert_int_equal(virtq_used_pending(&vq), 0);
}

static void test_need_event(void **state)
{
	(void)state;
	/* Device asked to be told once the index passes 10. */
	assert_true(virtq_need_event(10, 11, 10));
	assert_true(virtq_need_event(10, 20, 5));
	assert_false(virtq_need_event(10, 10, 5));  /* not past it yet */
	assert_false(virtq_need_event(10, 15, 12)); /* passed before the last decision */
	/* Across the wrap. */
	assert_true(virtq_need_event(65535, 2, 65530));
	assert_false(virtq_need_event(3, 2, 65530));
	assert_true(virtq_need_event(0, 1, 65535));
}

static void test_kick_decision(void **state)
{
	static uint8_t mem[8192] __attribute__((aligned(64)));
	struct virtqueue vq;
	uint16_t chain[8];
	void *cookie[8];

	(void)state;
	/* Flags: NO_NOTIFY suppresses, its absence asks. */
	assert_int_equal(virtq_init(&vq, mem, 0x10000, 8, false, chain, cookie), 0);
	assert_false(virtq_kick_needed(&vq)); /* nothing new */
	virtq_avail_add(&vq, virtq_desc_take(&vq, 1));
	virtq_avail_publish(&vq);
	vq.used->flags = VIRTQ_USED_F_NO_NOTIFY;
	assert_false(virtq_kick_needed(&vq));
	virtq_avail_add(&vq, virtq_desc_take(&vq, 1));
	virtq_avail_publish(&vq);
	vq.used->flags = 0;
	assert_true(virtq_kick_needed(&vq));
	assert_false(virtq_kick_needed(&vq)); /* once per batch */

	/* Event index: the device's avail_event decides, the flag is ignored. */
	assert_int_equal(virtq_init(&vq, mem, 0x10000, 8, true, chain, cookie), 0);
	vq.used->flags = VIRTQ_USED_F_NO_NOTIFY;
	*vq.avail_event = 0;
	virtq_avail_add(&vq, virtq_desc_take(&vq, 1));
	virtq_avail_publish(&vq);
	assert_true(virtq_kick_needed(&vq));  /* 0 -> 1 passes event 0 */
	*vq.avail_event = 5;
	virtq_avail_add(&vq, virtq_desc_take(&vq, 1));
	virtq_avail_publish(&vq);
	assert_false(virtq_kick_needed(&vq)); /* 1 -> 2: event 5 not reached */
	virtq_interrupts_off(&vq);
	assert_int_equal(*vq.used_event, (uint16_t)(vq.last_used_idx - 1));
	assert_int_equal(vq.avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
}

/* ---- bursts against the fake device --------------------------------------- */

static void test_tx_burst(void **state)
{
	struct virtnet_tx *txq = txq_new(false);
	struct fake_dev fd = { .vq = &txq->vq };
	struct mbuf *pkts[40];
	uint8_t out[2048];
	unsigned in_use0 = mempool_in_use_count(pool), i, ndesc;
	uint16_t sent;

	(void)state;
	for (i = 0; i < 40; i++)
		pkts[i] = frame_mbuf(60 + i * 30, i);
	notify_reset();
	/* One descriptor per frame (header in the headroom): 32 fit. */
	sent = virtnet_tx_burst(txq, pkts, 40);
	assert_int_equal(sent, RING);
	assert_int_equal(notify_read(), 5);   /* one notification, queue 5 */
	assert_int_equal(avail_pending(&fd), RING);
	for (i = 0; i < 20; i++) {
		uint8_t expect[2048];
		size_t len = dev_tx_one(&fd, out, sizeof(out), &ndesc);

		assert_int_equal(ndesc, 1);
		assert_int_equal(len, VIRTIO_NET_HDR_SIZE + 60 + i * 30);
		for (size_t k = 0; k < VIRTIO_NET_HDR_SIZE; k++)
			assert_int_equal(out[k], 0);
		frame_fill(expect, len - VIRTIO_NET_HDR_SIZE, i);
		assert_memory_equal(out + VIRTIO_NET_HDR_SIZE, expect, len - VIRTIO_NET_HDR_SIZE);
	}
	/* The device says it is busy: no notification for the rest. */
	txq->vq.used->flags = VIRTQ_USED_F_NO_NOTIFY;
	notify_reset();
	sent = virtnet_tx_burst(txq, pkts + RING, 8);
	assert_int_equal(sent, 8);            /* 20 reclaimed first */
	assert_int_equal(notify_read(), NOTIFY_IDLE);
	while (avail_pending(&fd) > 0)
		dev_tx_one(&fd, out, sizeof(out), &ndesc);
	assert_int_equal(virtnet_tx_burst(txq, NULL, 0), 0); /* reclaims */
	assert_int_equal(txq->vq.num_free, RING);
	assert_int_equal(mempool_in_use_count(pool), in_use0);
	assert_int_equal(txq->stats.packets, 40);
	txq_free(txq);
}

static void test_tx_chain_and_shared(void **state)
{
	struct virtnet_tx *txq = txq_new(true);
	struct fake_dev fd = { .vq = &txq->vq };
	struct mbuf *chain = frame_mbuf(100, 1), *tail = frame_mbuf(50, 2);
	struct mbuf *shared = frame_mbuf(70, 3), *pkts[2];
	unsigned in_use0, ndesc;
	uint8_t out[512], expect[128];
	size_t len;

	(void)state;
	assert_int_equal(pktmbuf_chain(chain, tail), 0);
	mbuf_refcnt_update(shared, 1);           /* someone else holds it too */
	in_use0 = mempool_in_use_count(pool);
	pkts[0] = chain;
	pkts[1] = shared;
	assert_int_equal(virtnet_tx_burst(txq, pkts, 2), 2);
	assert_int_equal(txq->vq.num_free, RING - 3 - 2);
	/* Chained: header from the queue's array, then one descriptor per segment. */
	len = dev_tx_one(&fd, out, sizeof(out), &ndesc);
	assert_int_equal(ndesc, 3);
	assert_int_equal(len, VIRTIO_NET_HDR_SIZE + 150);
	frame_fill(expect, 100, 1);
	assert_memory_equal(out + VIRTIO_NET_HDR_SIZE, expect, 100);
	frame_fill(expect, 50, 2);
	assert_memory_equal(out + VIRTIO_NET_HDR_SIZE + 100, expect, 50);
	/* Shared: its headroom is not ours, so two descriptors and the data intact. */
	len = dev_tx_one(&fd, out, sizeof(out), &ndesc);
	assert_int_equal(ndesc, 2);
	assert_int_equal(len, VIRTIO_NET_HDR_SIZE + 70);
	virtnet_tx_burst(txq, NULL, 0);
	assert_int_equal(txq->vq.num_free, RING);
	/* Our reference to the shared mbuf went back; the other one remains. */
	assert_int_equal(mbuf_refcnt_read(shared), 1);
	assert_int_equal(mempool_in_use_count(pool), in_use0 - 2);
	pktmbuf_free(shared);
	assert_int_equal(mempool_in_use_count(pool), in_use0 - 3);
	txq_free(txq);
}

static void test_rx_burst(void **state)
{
	unsigned in_use0 = mempool_in_use_count(pool), i;
	struct virtnet_rx *rxq = rxq_new(false, RING);
	struct fake_dev fd = { .vq = &rxq->vq };
	struct mbuf *pkts[32];
	uint8_t frame[1600];
	uint16_t n;

	(void)state;
	/* Every descriptor holds an mbuf, zero copy: header ends at the data offset. */
	assert_int_equal(avail_pending(&fd), RING);
	assert_int_equal(mempool_in_use_count(pool), in_use0 + RING);
	for (i = 0; i < RING; i++) {
		const struct mbuf *m = rxq->vq.cookie[rxq->vq.avail->ring[i]];

		assert_int_equal(rxq->vq.desc[rxq->vq.avail->ring[i]].addr,
				 m->buf_iova + m->data_off - VIRTIO_NET_HDR_SIZE);
	}
	for (i = 0; i < 5; i++) {
		frame_fill(frame, 60 + i * 300, 100 + i);
		dev_rx_frame(&fd, frame, 60 + i * 300, 1, true);
	}
	notify_reset();
	n = virtnet_rx_burst(rxq, pkts, 32);
	assert_int_equal(n, 5);
	for (i = 0; i < n; i++) {
		assert_int_equal(pkts[i]->pkt_len, 60 + i * 300);
		assert_int_equal(pkts[i]->data_len, 60 + i * 300);
		assert_int_equal(pkts[i]->data_off, MBUF_HEADROOM);
		assert_int_equal(pkts[i]->port, 7);
		frame_fill(frame, 60 + i * 300, 100 + i);
		assert_memory_equal(pktmbuf_mtod(pkts[i], void *), frame, 60 + i * 300);
	}
	/* Below the refill threshold (8): nothing given back, no notification. */
	assert_int_equal(rxq->vq.num_free, 5);
	assert_int_equal(notify_read(), NOTIFY_IDLE);
	pktmbuf_free_bulk(pkts, n);
	for (i = 0; i < 10; i++) {
		frame_fill(frame, 64, i);
		dev_rx_frame(&fd, frame, 64, 1, true);
	}
	n = virtnet_rx_burst(rxq, pkts, 4);   /* a short burst takes what it asks for */
	assert_int_equal(n, 4);
	pktmbuf_free_bulk(pkts, n);
	/* 9 free reached the threshold: refilled in bulk and the device told. */
	assert_int_equal(rxq->vq.num_free, 0);
	assert_int_equal(notify_read(), 4);
	notify_reset();
	n = virtnet_rx_burst(rxq, pkts, 32);
	assert_int_equal(n, 6);
	pktmbuf_free_bulk(pkts, n);
	assert_int_equal(rxq->vq.num_free, 6);
	assert_int_equal(notify_read(), NOTIFY_IDLE);
	assert_int_equal(rxq->stats.packets, 15);
	rxq_free(rxq);
	assert_int_equal(mempool_in_use_count(pool), in_use0);
}

static void test_rx_mergeable(void **state)
{
	unsigned in_use0 = mempool_in_use_count(pool);
	struct virtnet_rx *rxq = rxq_new(true, RING);
	struct fake_dev fd = { .vq = &rxq->vq };
	struct mbuf *pkts[4];
	uint8_t frame[3000], got[3000];
	uint16_t n;

	(void)state;
	/* A 3000-byte frame over two buffers, then a normal one. */
	frame_fill(frame, 3000, 9);
	dev_rx_frame(&fd, frame, 3000, 2, false);
	used_publish(&rxq->vq, 2);
	frame_fill(got, 80, 10);
	dev_rx_frame(&fd, got, 80, 1, true);
	n = virtnet_rx_burst(rxq, pkts, 4);
	assert_int_equal(n, 2);
	assert_int_equal(pkts[0]->nb_segs, 2);
	assert_int_equal(pkts[0]->pkt_len, 3000);
	assert_non_null(pktmbuf_read(pkts[0], 0, 3000, got));
	assert_memory_equal(pktmbuf_read(pkts[0], 0, 3000, got), frame, 3000);
	assert_int_equal(pkts[1]->nb_segs, 1);
	assert_int_equal(pkts[1]->pkt_len, 80);
	pktmbuf_free_bulk(pkts, n);
	rxq_free(rxq);
	assert_int_equal(mempool_in_use_count(pool), in_use0);
}

static void test_rx_bad_used_entries(void **state)
{
	unsigned in_use0 = mempool_in_use_count(pool);
	struct virtnet_rx *rxq = rxq_new(false, RING);
	struct fake_dev fd = { .vq = &rxq->vq };
	struct mbuf *pkts[4];
	uint8_t frame[64];
	uint16_t n;

	(void)state;
	/* An id beyond the ring and a length shorter than the header. */
	used_push(&rxq->vq, 0, 1000, 100);
	used_publish(&rxq->vq, 1);
	fd.last_avail++;
	used_push(&rxq->vq, 0, rxq->vq.avail->ring[0], 4);
	used_publish(&rxq->vq, 1);
	frame_fill(frame, 64, 1);
	dev_rx_frame(&fd, frame, 64, 1, true);
	n = virtnet_rx_burst(rxq, pkts, 4);
	assert_int_equal(n, 1);
	assert_memory_equal(pktmbuf_mtod(pkts[0], void *), frame, 64);
	assert_int_equal(rxq->stats.errors, 2);
	pktmbuf_free_bulk(pkts, n);
	rxq_free(rxq);
	assert_int_equal(mempool_in_use_count(pool), in_use0);
}

static void test_rx_pool_too_small(void **state)
{
	struct mempool *tiny = pktmbuf_pool_create("virtio_tiny", 16, 0, 0,
						   MBUF_DEFAULT_BUF_SIZE, EAL_SOCKET_ID_ANY);
	struct mempool *saved = pool;
	struct virtnet_rx *rxq;

	(void)state;
	assert_non_null(tiny);
	pool = tiny;
	rxq = aligned_alloc(CACHE_LINE_SIZE, sizeof(*rxq));
	assert_non_null(rxq);
	memset(rxq, 0, sizeof(*rxq));
	{
		struct virtq_layout lay;

		virtq_layout_get(RING, &lay);
		rxq->ring_mem = eal_dma_zalloc("test_rx2", lay.total, 4096, EAL_SOCKET_ID_ANY,
					       &rxq->ring_iova);
	}
	rxq->chain_len = calloc(RING, sizeof(uint16_t));
	rxq->cookie = calloc(RING, sizeof(void *));
	rxq->nb_desc = RING;
	rxq->mp = tiny;
	assert_int_equal(virtnet_rx_ring_start(rxq, false), -ENOMEM);
	assert_int_equal(rxq->vq.num_free, RING - 16);
	rxq_free(rxq);
	assert_int_equal(mempool_in_use_count(tiny), 0);
	pool = saved;
	mempool_free(tiny);
}

/* ---- checksum offloads (spec 5.1.6.2 tx, 5.1.6.4 rx) ---------------------- */

static void test_tx_hdr_fill(void **state)
{
	struct mbuf m;
	struct virtio_net_hdr h;
	static const struct virtio_net_hdr zero;

	(void)state;
	memset(&m, 0, sizeof(m));
	h = virtnet_tx_hdr(&m);
	assert_memory_equal(&h, &zero, sizeof(h));
	/* UDP over IPv4: checksum field 6 bytes into the L4 header at 14 + 20. */
	m.ol_flags = MBUF_F_TX_IPV4 | MBUF_F_TX_UDP_CKSUM;
	m.l2_len = 14;
	m.l3_len = 20;
	h = virtnet_tx_hdr(&m);
	assert_int_equal(h.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(h.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	assert_int_equal(h.csum_start, 34);
	assert_int_equal(h.csum_offset, 6);
	assert_int_equal(h.hdr_len, 0);
	assert_int_equal(h.gso_size, 0);
	assert_int_equal(h.num_buffers, 0);
	/* TCP over IPv6 behind a VLAN tag: field 16 bytes into it at 18 + 40. */
	m.ol_flags = MBUF_F_TX_IPV6 | MBUF_F_TX_TCP_CKSUM;
	m.l2_len = 18;
	m.l3_len = 40;
	h = virtnet_tx_hdr(&m);
	assert_int_equal(h.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(h.csum_start, 58);
	assert_int_equal(h.csum_offset, 16);
	/* No L4 request (an IPv4 header checksum alone, or the fourth L4
	 * value, which no protocol here uses): nothing for the device. */
	m.ol_flags = MBUF_F_TX_IPV4 | MBUF_F_TX_IP_CKSUM;
	h = virtnet_tx_hdr(&m);
	assert_memory_equal(&h, &zero, sizeof(h));
	m.ol_flags = MBUF_F_TX_L4_MASK;
	h = virtnet_tx_hdr(&m);
	assert_memory_equal(&h, &zero, sizeof(h));
}

static void test_rx_csum_flags(void **state)
{
	struct virtio_net_hdr h = { 0 };

	(void)state;
	assert_int_equal(virtnet_rx_csum_flags(&h), MBUF_F_RX_L4_CKSUM_UNKNOWN);
	h.flags = VIRTIO_NET_HDR_F_DATA_VALID;
	assert_int_equal(virtnet_rx_csum_flags(&h), MBUF_F_RX_L4_CKSUM_GOOD);
	h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	assert_int_equal(virtnet_rx_csum_flags(&h), MBUF_F_RX_L4_CKSUM_NONE);
	/* The field holds a partial sum: never "good", whatever else is set. */
	h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID;
	assert_int_equal(virtnet_rx_csum_flags(&h), MBUF_F_RX_L4_CKSUM_NONE);
	/* The four states are distinct values under the mask. */
	assert_int_equal(MBUF_F_RX_L4_CKSUM_NONE & MBUF_F_RX_L4_CKSUM_MASK,
			 MBUF_F_RX_L4_CKSUM_GOOD | MBUF_F_RX_L4_CKSUM_BAD);
	assert_int_equal(MBUF_F_RX_L4_CKSUM_UNKNOWN & MBUF_F_RX_L4_CKSUM_MASK, 0);
}

static void hdr_check(const uint8_t *out, uint8_t flags, uint16_t start, uint16_t offset)
{
	struct virtio_net_hdr h;

	memcpy(&h, out, sizeof(h));
	assert_int_equal(h.flags, flags);
	assert_int_equal(h.csum_start, start);
	assert_int_equal(h.csum_offset, offset);
	assert_int_equal(h.gso_type, 0);
	assert_int_equal(h.num_buffers, 0);
}

static void test_tx_burst_offload(void **state)
{
	struct virtnet_tx *txq = txq_new(false);
	struct fake_dev fd = { .vq = &txq->vq };
	struct mbuf *udp = frame_mbuf(60, 1), *plain = frame_mbuf(60, 2);
	struct mbuf *tcp = frame_mbuf(80, 3), *tail = frame_mbuf(40, 4), *pkts[3];
	unsigned in_use0 = mempool_in_use_count(pool), ndesc;
	uint8_t out[512], expect[128];
	size_t len;

	(void)state;
	/* The headroom holds garbage that the header must overwrite. */
	memset((char *)udp->buf_addr + udp->data_off - VIRTIO_NET_HDR_SIZE, 0xa5,
	       VIRTIO_NET_HDR_SIZE);
	memset((char *)plain->buf_addr + plain->data_off - VIRTIO_NET_HDR_SIZE, 0xa5,
	       VIRTIO_NET_HDR_SIZE);
	udp->ol_flags = MBUF_F_TX_IPV4 | MBUF_F_TX_UDP_CKSUM;
	udp->l2_len = 14;
	udp->l3_len = 20;
	tcp->ol_flags = MBUF_F_TX_IPV4 | MBUF_F_TX_TCP_CKSUM;
	tcp->l2_len = 14;
	tcp->l3_len = 24;
	assert_int_equal(pktmbuf_chain(tcp, tail), 0);
	pkts[0] = udp;
	pkts[1] = plain;
	pkts[2] = tcp;
	assert_int_equal(virtnet_tx_burst_offload(txq, pkts, 3), 3);
	/* Pushed header with the request; frame untouched (the device sums). */
	len = dev_tx_one(&fd, out, sizeof(out), &ndesc);
	assert_int_equal(ndesc, 1);
	hdr_check(out, VIRTIO_NET_HDR_F_NEEDS_CSUM, 34, 6);
	frame_fill(expect, 60, 1);
	assert_memory_equal(out + VIRTIO_NET_HDR_SIZE, expect, len - VIRTIO_NET_HDR_SIZE);
	/* No request: an all-zero header, garbage gone. */
	dev_tx_one(&fd, out, sizeof(out), &ndesc);
	hdr_check(out, 0, 0, 0);
	/* Chained: the request in the queue's header for that descriptor. */
	len = dev_tx_one(&fd, out, sizeof(out), &ndesc);
	assert_int_equal(ndesc, 3);
	assert_int_equal(len, VIRTIO_NET_HDR_SIZE + 120);
	hdr_check(out, VIRTIO_NET_HDR_F_NEEDS_CSUM, 38, 16);
	virtnet_tx_burst_offload(txq, NULL, 0);
	assert_int_equal(mempool_in_use_count(pool), in_use0 - 4);

	/* A restart without offloads: the chain headers are zero again, so
	 * the plain burst (which never writes them) sends no stale request. */
	assert_int_equal(virtnet_tx_ring_start(txq, false), 0);
	fd.last_avail = 0;
	tcp = frame_mbuf(80, 5);
	tail = frame_mbuf(40, 6);
	tcp->ol_flags = MBUF_F_TX_IPV4 | MBUF_F_TX_TCP_CKSUM;
	assert_int_equal(pktmbuf_chain(tcp, tail), 0);
	assert_int_equal(virtnet_tx_burst(txq, &tcp, 1), 1);
	len = dev_tx_one(&fd, out, sizeof(out), &ndesc);
	assert_int_equal(ndesc, 3);
	hdr_check(out, 0, 0, 0);
	virtnet_tx_burst(txq, NULL, 0);
	assert_int_equal(txq->vq.num_free, RING);
	txq_free(txq);
	assert_int_equal(mempool_in_use_count(pool), in_use0 - 4);
}

static void test_rx_burst_offload(void **state)
{
	unsigned in_use0 = mempool_in_use_count(pool), i;
	struct virtnet_rx *rxq = rxq_new(false, RING);
	struct fake_dev fd = { .vq = &rxq->vq };
	static const uint8_t flags[] = { VIRTIO_NET_HDR_F_DATA_VALID, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0,
					 VIRTIO_NET_HDR_F_DATA_VALID | VIRTIO_NET_HDR_F_NEEDS_CSUM };
	static const uint64_t want[] = { MBUF_F_RX_L4_CKSUM_GOOD, MBUF_F_RX_L4_CKSUM_NONE,
					 MBUF_F_RX_L4_CKSUM_UNKNOWN, MBUF_F_RX_L4_CKSUM_NONE };
	struct mbuf *pkts[8];
	uint8_t frame[128];
	uint16_t n;

	(void)state;
	for (i = 0; i < 4; i++) {
		fd.rx_hdr_flags = flags[i];
		frame_fill(frame, 64, i);
		dev_rx_frame(&fd, frame, 64, 1, true);
	}
	n = virtnet_rx_burst_offload(rxq, pkts, 8);
	assert_int_equal(n, 4);
	for (i = 0; i < n; i++) {
		assert_int_equal(pkts[i]->ol_flags, want[i]);
		frame_fill(frame, 64, i);
		assert_memory_equal(pktmbuf_mtod(pkts[i], void *), frame, 64);
	}
	pktmbuf_free_bulk(pkts, n);
	/* Without the offload the header's flags are not looked at. */
	fd.rx_hdr_flags = VIRTIO_NET_HDR_F_DATA_VALID;
	frame_fill(frame, 64, 9);
	dev_rx_frame(&fd, frame, 64, 1, true);
	n = virtnet_rx_burst(rxq, pkts, 8);
	assert_int_equal(n, 1);
	assert_int_equal(pkts[0]->ol_flags, 0);
	pktmbuf_free_bulk(pkts, n);
	rxq_free(rxq);
	assert_int_equal(mempool_in_use_count(pool), in_use0);
}

static int group_setup(void **state)
{
	char prefix[64], devices[128];
	int ret;

	(void)state;
	/* An empty sysfs: the PCI bus linked with the driver finds nothing. */
	snprintf(sysfs_root, sizeof(sysfs_root), "/tmp/test_virtio_sysfs_%d", (int)getpid());
	snprintf(devices, sizeof(devices), "mkdir -p %s/bus/pci/devices", sysfs_root);
	if (system(devices) != 0)
		return -1;
	setenv("UPDK_SYSFS_ROOT", sysfs_root, 1);
	snprintf(prefix, sizeof(prefix), "test_virtio_%d", (int)getpid());
	char *argv[] = { "test_virtio_ring", "--no-huge", "-l", "0", "--file-prefix", prefix,
			 NULL };
	ret = eal_init((int)EAL_DIM(argv) - 1, argv);
	if (ret < 0) {
		fprintf(stderr, "eal_init(--no-huge) failed: %s\n", strerror(-ret));
		return -1;
	}
	if (eal_iova_mode() != EAL_IOVA_VA) {
		fprintf(stderr, "the fake device needs IOVA-as-VA\n");
		return -1;
	}
	pool = pktmbuf_pool_create("virtio_pool", POOL_SIZE, 0, 0, MBUF_DEFAULT_BUF_SIZE,
				   EAL_SOCKET_ID_ANY);
	fake_pdev.bars[0].addr = notify_area;
	fake_pdev.bars[0].size = sizeof(notify_area);
	fake_pdev.bars[0].fully_mapped = true;
	return pool != NULL ? 0 : -1;
}

static int group_teardown(void **state)
{
	char cmd[128];

	(void)state;
	if (pool != NULL)
		assert_int_equal(mempool_in_use_count(pool), 0);
	mempool_free(pool);
	eal_cleanup();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", sysfs_root);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_init_rejects),
		cmocka_unit_test(test_free_list),
		cmocka_unit_test(test_index_wrap),
		cmocka_unit_test(test_need_event),
		cmocka_unit_test(test_kick_decision),
		cmocka_unit_test(test_tx_burst),
		cmocka_unit_test(test_tx_chain_and_shared),
		cmocka_unit_test(test_rx_burst),
		cmocka_unit_test(test_rx_mergeable),
		cmocka_unit_test(test_rx_bad_used_entries),
		cmocka_unit_test(test_rx_pool_too_small),
		cmocka_unit_test(test_tx_hdr_fill),
		cmocka_unit_test(test_rx_csum_flags),
		cmocka_unit_test(test_tx_burst_offload),
		cmocka_unit_test(test_rx_burst_offload),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
