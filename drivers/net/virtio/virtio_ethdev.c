/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_virtio: a poll-mode driver for virtio-net 1.x PCI functions
 * (1af4:1041, "modern" only), reached through lib/pci: a kernel vfio-pci
 * device or a vfio-user server, the driver cannot tell which.
 *
 * Probe finds the transport structures, negotiates features once to learn
 * what the device offers and reads its MAC, then leaves it reset. Start
 * runs the whole initialization of spec 3.1.1 with the queues the
 * application set up; stop resets the device (the only way to take rings
 * back from a virtio 1.x device), which makes the rings' mbufs ours again.
 *
 * Features: VERSION_1 (required), ACCESS_PLATFORM (required when offered:
 * the device then translates through the IOMMU), MAC, STATUS, MTU,
 * MRG_RXBUF, CTRL_VQ with CTRL_RX (promiscuous), CTRL_MAC_ADDR and MQ
 * (queue pairs), RING_EVENT_IDX, and the checksum offloads CSUM (tx) and
 * GUEST_CSUM (rx), each negotiated at start only when the application
 * enabled the matching ETHDEV_*_OFFLOAD_{UDP,TCP}_CKSUM (so a port without
 * them never receives partially checksummed frames). No segmentation
 * offloads.
 *
 * Link and liveness (virtio_link_update, the control plane): the link is up
 * while the port runs and, with STATUS, while the device says
 * VIRTIO_NET_S_LINK_UP (5.1.4). Each link update also asks the bus whether
 * the device is still there (pci_device_poll_events: a vfio-user server may
 * exit at any time). A device gone is final: the link stays down, the queues'
 * device_gone flags make the bursts return 0 without touching rings or
 * notify areas, the control paths skip the device, and stop reclaims every
 * mbuf without the reset it can no longer do.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "eal_memory.h"
#include "ethdev_driver.h"
#include "virtio_pci.h"
#include "virtio_rxtx.h"

#define VIRTIO_DEFAULT_RING 256
#define VIRTIO_CTRL_RING 64
#define VIRTIO_CTRL_TIMEOUT_MS 2000
/* How long stop lets the device send what tx_burst accepted. */
#define VIRTIO_TX_FLUSH_MS 100
#define VIRTIO_DEFAULT_MTU 1500
#define VIRTIO_MAX_FRAME_OVERHEAD (ETHER_HDR_LEN + 4) /* Ethernet header + one VLAN tag */
/* Layout of the control command buffer (DMA memory). */
#define CTRL_HDR_OFF  0
#define CTRL_DATA_OFF 64
#define CTRL_ACK_OFF  128
#define CTRL_BUF_LEN  192
#define CTRL_DATA_MAX (CTRL_ACK_OFF - CTRL_DATA_OFF)

/* Features this driver knows; the device's offer is intersected with them. */
#define VIRTIO_DRIVER_FEATURES                                                   \
	(VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM) |   \
	 VIRTIO_BIT(VIRTIO_NET_F_MAC) | VIRTIO_BIT(VIRTIO_NET_F_STATUS) |          \
	 VIRTIO_BIT(VIRTIO_NET_F_MTU) | VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF) |       \
	 VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_RX) |     \
	 VIRTIO_BIT(VIRTIO_NET_F_CTRL_MAC_ADDR) | VIRTIO_BIT(VIRTIO_NET_F_MQ) |    \
	 VIRTIO_BIT(VIRTIO_F_RING_EVENT_IDX) | VIRTIO_BIT(VIRTIO_NET_F_CSUM) |     \
	 VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM))
/* The offloads the checksum features give (5.1.6.2 tx, 5.1.6.4 rx): L4 only,
 * virtio has no IPv4 header checksum offload. */
#define VIRTIO_TX_CKSUM_OFFLOADS (ETHDEV_TX_OFFLOAD_UDP_CKSUM | ETHDEV_TX_OFFLOAD_TCP_CKSUM)
#define VIRTIO_RX_CKSUM_OFFLOADS (ETHDEV_RX_OFFLOAD_UDP_CKSUM | ETHDEV_RX_OFFLOAD_TCP_CKSUM)

struct virtio_port {
	struct virtio_pci hw;
	struct pci_device *pdev;
	struct ethdev *eth;
	uint64_t device_features;
	uint64_t features;           /* negotiated */
	uint16_t max_pairs;
	uint16_t nb_pairs;           /* configured */
	uint16_t ring_max;           /* the device's queue size limit */
	uint16_t mtu_max;
	struct eth_addr device_mac;  /* from the device configuration */
	bool device_gone;            /* final: see virtio_device_gone() */
	/* Control queue: live between start and stop. */
	bool ctrl_live;
	struct virtqueue cvq;
	struct virtio_notify cvq_notify;
	void *cvq_mem;
	uint64_t cvq_iova;
	uint16_t cvq_chain_len[VIRTIO_CTRL_RING];
	void *cvq_cookie[VIRTIO_CTRL_RING];
	uint8_t *ctrl_buf;
	uint64_t ctrl_iova;
};

static const struct ethdev_driver virtio_eth_driver = { .name = "net_virtio" };

static struct virtio_port *vport(struct ethdev *dev)
{
	return dev->data.dev_private;
}

static bool has(const struct virtio_port *p, unsigned bit)
{
	return (p->features & VIRTIO_BIT(bit)) != 0;
}

/* What the device offers, whatever the last start negotiated. */
static bool offered(const struct virtio_port *p, unsigned bit)
{
	return (p->device_features & VIRTIO_BIT(bit)) != 0;
}

/* ---- liveness ------------------------------------------------------------- */

static void queues_mark_gone(struct ethdev *dev)
{
	uint16_t q;

	for (q = 0; q < dev->data.nb_rx_queues; q++) {
		struct virtnet_rx *rxq = dev->data.rx_queues[q];

		if (rxq != NULL)
			__atomic_store_n(&rxq->device_gone, true, __ATOMIC_RELAXED);
	}
	for (q = 0; q < dev->data.nb_tx_queues; q++) {
		struct virtnet_tx *txq = dev->data.tx_queues[q];

		if (txq != NULL)
			__atomic_store_n(&txq->device_gone, true, __ATOMIC_RELAXED);
	}
}

/* Is the device gone (its vfio-user server exited or hung up)? Asks the
 * bus, which never blocks; the first time it says so, the port goes dead
 * for good. Control plane only. */
static bool virtio_device_gone(struct ethdev *dev)
{
	struct virtio_port *p = vport(dev);

	if (p->device_gone)
		return true;
	if (pci_device_poll_events(p->pdev) != -ENOTCONN)
		return false;
	p->device_gone = true;
	p->ctrl_live = false;
	queues_mark_gone(dev);
	VIRTIO_LOG(ERR, "port %u (%s): the device is gone: link down, no more packets; stop "
		   "and close the port, and attach the device again (restart the application "
		   "once its vfio-user server runs again)", dev->data.port_id, dev->data.name);
	return true;
}

/* ---- initialization (spec 3.1.1) ----------------------------------------- */

/* Steps 1-6: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK and its
 * check. Asks for what the device offers of @p known (probe: every
 * feature the driver knows; start: less the offloads not enabled) and
 * fills p->features. */
static int virtio_negotiate(struct virtio_port *p, uint64_t known)
{
	struct virtio_pci *hw = &p->hw;
	uint64_t offered, wanted;
	int rc;

	rc = virtio_pci_reset(hw);
	if (rc < 0)
		return rc;
	virtio_pci_status_add(hw, VIRTIO_STATUS_ACKNOWLEDGE);
	virtio_pci_status_add(hw, VIRTIO_STATUS_DRIVER);
	offered = virtio_pci_features_get(hw);
	p->device_features = offered;
	if (!(offered & VIRTIO_BIT(VIRTIO_F_VERSION_1))) {
		VIRTIO_LOG(ERR, "%s: device does not offer VIRTIO_F_VERSION_1 (features 0x%llx): "
			   "only virtio 1.x devices are supported (QEMU: disable-legacy=on)",
			   p->pdev->name, (unsigned long long)offered);
		virtio_pci_status_add(hw, VIRTIO_STATUS_FAILED);
		return -ENOTSUP;
	}
	wanted = offered & known;
	/* The control-queue commands exist only with the control queue. */
	if (!(wanted & VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ)))
		wanted &= ~(VIRTIO_BIT(VIRTIO_NET_F_CTRL_RX) | VIRTIO_BIT(VIRTIO_NET_F_MQ) |
			    VIRTIO_BIT(VIRTIO_NET_F_CTRL_MAC_ADDR));
	if (!(offered & VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM)))
		VIRTIO_LOG(WARNING, "%s: device does not offer VIRTIO_F_ACCESS_PLATFORM: it will "
			   "use addresses without the IOMMU, which works only when IOVAs are "
			   "physical addresses (--iova-mode=pa)", p->pdev->name);
	virtio_pci_features_set(hw, wanted);
	virtio_pci_status_add(hw, VIRTIO_STATUS_FEATURES_OK);
	if (!(virtio_pci_status_get(hw) & VIRTIO_STATUS_FEATURES_OK)) {
		VIRTIO_LOG(ERR, "%s: device refused the features 0x%llx (FEATURES_OK cleared, "
			   "spec 3.1.1 step 6)", p->pdev->name, (unsigned long long)wanted);
		virtio_pci_status_add(hw, VIRTIO_STATUS_FAILED);
		return -ENOTSUP;
	}
	p->features = wanted;
	return 0;
}

static uint16_t cfg_read16(struct virtio_port *p, uint32_t off, uint16_t fallback)
{
	uint16_t v;

	if (virtio_pci_dev_cfg_read(&p->hw, off, &v, sizeof(v)) < 0)
		return fallback;
	return le16toh(v);
}

/* ---- control queue (spec 5.1.6.5) ---------------------------------------- */

static int ctrl_start(struct virtio_port *p)
{
	uint16_t index = VIRTIO_NET_RXQ(p->max_pairs), qmax;
	int rc;

	if (!has(p, VIRTIO_NET_F_CTRL_VQ))
		return 0;
	qmax = virtio_pci_queue_max_size(&p->hw, index);
	if (qmax < 4) {
		VIRTIO_LOG(ERR, "%s: control queue %u has %u entries: the device offered "
			   "VIRTIO_NET_F_CTRL_VQ without a usable queue", p->pdev->name, index, qmax);
		return -EIO;
	}
	/* A split ring's size is a power of two (2.7). */
	qmax = (uint16_t)(EAL_IS_POWER_OF_2(qmax) ? qmax : eal_align32pow2(qmax) >> 1);
	rc = virtq_init(&p->cvq, p->cvq_mem, p->cvq_iova,
			(uint16_t)EAL_MIN((unsigned)qmax, (unsigned)VIRTIO_CTRL_RING),
			false, p->cvq_chain_len, p->cvq_cookie);
	if (rc < 0)
		return rc;
	virtq_interrupts_off(&p->cvq);
	return virtio_pci_queue_enable(&p->hw, index, p->cvq.size, p->cvq.desc_iova,
				       p->cvq.avail_iova, p->cvq.used_iova, &p->cvq_notify);
}

/* Send one command and wait for the device's ack (control path: sleeps). */
static int ctrl_send(struct virtio_port *p, uint8_t class, uint8_t cmd, const void *data,
		     uint16_t len)
{
	struct virtqueue *vq = &p->cvq;
	volatile uint8_t *ack = p->ctrl_buf + CTRL_ACK_OFF;
	uint16_t n = data != NULL ? 3 : 2, head, id;
	volatile struct virtq_desc *d;
	struct timespec t0, t1;
	unsigned turns = 0;

	if (p->device_gone)
		return -ENOTCONN;
	if (!p->ctrl_live || len > CTRL_DATA_MAX || vq->num_free < n)
		return -EIO;
	p->ctrl_buf[CTRL_HDR_OFF] = class;
	p->ctrl_buf[CTRL_HDR_OFF + 1] = cmd;
	if (data != NULL)
		memcpy(p->ctrl_buf + CTRL_DATA_OFF, data, len);
	*ack = 0xff;
	head = virtq_desc_take(vq, n);
	d = &vq->desc[head];
	d->addr = p->ctrl_iova + CTRL_HDR_OFF;
	d->len = 2;
	d->flags = VIRTQ_DESC_F_NEXT;
	if (data != NULL) {
		d = &vq->desc[d->next];
		d->addr = p->ctrl_iova + CTRL_DATA_OFF;
		d->len = len;
		d->flags = VIRTQ_DESC_F_NEXT;
	}
	d = &vq->desc[d->next];
	d->addr = p->ctrl_iova + CTRL_ACK_OFF;
	d->len = 1;
	d->flags = VIRTQ_DESC_F_WRITE;
	vq->cookie[head] = p;
	virtq_avail_add(vq, head);
	virtq_avail_publish(vq);
	virtq_kick_needed(vq);
	virtio_notify(&p->cvq_notify); /* always: the control path is not batched */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (virtq_used_pending(vq) == 0) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if ((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 >
		    VIRTIO_CTRL_TIMEOUT_MS) {
			VIRTIO_LOG(ERR, "%s: control command class %u cmd %u unanswered after "
				   "%d ms: the device is stuck; stop and start the port",
				   p->pdev->name, class, cmd, VIRTIO_CTRL_TIMEOUT_MS);
			p->ctrl_live = false; /* the chain is the device's now */
			return -ETIMEDOUT;
		}
		/* A server that died meanwhile never answers: look every
		 * 1024 turns (some tens of ms) rather than wait for the timeout. */
		if ((++turns & 1023) == 0 && virtio_device_gone(p->eth))
			return -ENOTCONN;
		usleep(10);
	}
	id = (uint16_t)virtq_used_elem(vq, 0)->id;
	vq->last_used_idx++;
	if (id != head) {
		VIRTIO_LOG(ERR, "%s: control queue returned descriptor %u, %u was sent: "
			   "the device is broken", p->pdev->name, id, head);
		p->ctrl_live = false;
		return -EIO;
	}
	virtq_desc_give(vq, head);
	if (*ack != VIRTIO_NET_OK) {
		VIRTIO_LOG(ERR, "%s: device rejected control command class %u cmd %u (ack %u)",
			   p->pdev->name, class, cmd, *ack);
		return -EIO;
	}
	return 0;
}

static int ctrl_promisc(struct virtio_port *p, bool on)
{
	uint8_t v = on ? 1 : 0;

	return ctrl_send(p, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, &v, sizeof(v));
}

static int ctrl_mac(struct virtio_port *p, const struct eth_addr *mac)
{
	return ctrl_send(p, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_ADDR_SET, mac,
			 sizeof(*mac));
}

static int ctrl_pairs(struct virtio_port *p, uint16_t pairs)
{
	uint16_t v = htole16(pairs);

	return ctrl_send(p, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, &v, sizeof(v));
}

/* ---- ethdev ops ----------------------------------------------------------- */

static int virtio_infos_get(struct ethdev *dev, struct ethdev_info *info)
{
	const struct virtio_port *p = vport(dev);
	uint16_t queues = (uint16_t)EAL_MIN((unsigned)p->max_pairs,
					    (unsigned)ETHDEV_MAX_QUEUES_PER_PORT);

	info->max_rx_queues = queues;
	info->max_tx_queues = queues;
	info->max_mac_addrs = 1;
	info->max_mtu = p->mtu_max;
	info->min_mtu = 68;
	info->max_rx_pktlen = (uint32_t)p->mtu_max + VIRTIO_MAX_FRAME_OVERHEAD;
	/* Without mergeable buffers a whole frame must fit one mbuf. */
	info->min_rx_bufsize = has(p, VIRTIO_NET_F_MRG_RXBUF) ? 128 : info->max_rx_pktlen;
	if (has(p, VIRTIO_NET_F_MRG_RXBUF))
		info->rx_offload_capa = ETHDEV_RX_OFFLOAD_SCATTER;
	info->tx_offload_capa = ETHDEV_TX_OFFLOAD_MULTI_SEGS | ETHDEV_TX_OFFLOAD_MBUF_FAST_FREE;
	info->tx_queue_offload_capa = info->tx_offload_capa;
	/* Port-wide only: the features are the device's, not a queue's. */
	if (offered(p, VIRTIO_NET_F_CSUM))
		info->tx_offload_capa |= VIRTIO_TX_CKSUM_OFFLOADS;
	if (offered(p, VIRTIO_NET_F_GUEST_CSUM))
		info->rx_offload_capa |= VIRTIO_RX_CKSUM_OFFLOADS;
	info->rx_desc_lim = (struct ethdev_desc_lim){ .nb_max = p->ring_max, .nb_min = 8,
						      .nb_align = 8 };
	info->tx_desc_lim = info->rx_desc_lim;
	info->default_rxportconf.ring_size = (uint16_t)EAL_MIN(VIRTIO_DEFAULT_RING, p->ring_max);
	info->default_txportconf.ring_size = info->default_rxportconf.ring_size;
	info->default_rxportconf.burst_size = UPDK_DEFAULT_BURST;
	info->default_txportconf.burst_size = UPDK_DEFAULT_BURST;
	info->default_rxconf.rx_free_thresh = VIRTIO_RX_REFILL_BATCH;
	info->speed_capa = ETHDEV_LINK_SPEED_FIXED;
	return 0;
}

static int virtio_configure(struct ethdev *dev)
{
	struct virtio_port *p = vport(dev);
	uint16_t pairs = EAL_MAX(dev->data.nb_rx_queues, dev->data.nb_tx_queues);

	if (dev->data.nb_rx_queues != dev->data.nb_tx_queues && pairs > 1)
		VIRTIO_LOG(WARNING, "%s: %u rx and %u tx queues: the device gets %u queue pairs "
			   "and drops what it steers to an rx queue that was not set up",
			   dev->data.name, dev->data.nb_rx_queues, dev->data.nb_tx_queues, pairs);
	p->nb_pairs = pairs;
	return 0;
}

static int ring_size_check(struct ethdev *dev, const char *dir, uint16_t qid, uint16_t nb_desc)
{
	if (!EAL_IS_POWER_OF_2(nb_desc)) {
		VIRTIO_LOG(ERR, "%s: %s queue %u: %u descriptors: a split virtqueue needs a power "
			   "of two (spec 2.7); use e.g. %u", dev->data.name, dir, qid, nb_desc,
			   eal_align32pow2(nb_desc) >> 1);
		return -EINVAL;
	}
	return 0;
}

/* Ring memory (DMA) and bookkeeping arrays of a queue of @p nb_desc. */
static int ring_alloc(struct ethdev *dev, const char *dir, uint16_t qid, uint16_t nb_desc,
		      int socket_id, void **mem, uint64_t *iova, uint16_t **chain_len,
		      void ***cookie)
{
	struct virtq_layout lay;
	char name[96];

	if (virtq_layout_get(nb_desc, &lay) < 0)
		return -EINVAL;
	snprintf(name, sizeof(name), "%s_%s%u", dev->data.name, dir, qid);
	*mem = eal_dma_zalloc(name, lay.total, 4096, socket_id, iova);
	*chain_len = calloc(nb_desc, sizeof(**chain_len));
	*cookie = calloc(nb_desc, sizeof(**cookie));
	if (*mem == NULL || *chain_len == NULL || *cookie == NULL) {
		VIRTIO_LOG(ERR, "%s: %s queue %u: no memory for %u descriptors (%zu bytes of DMA "
			   "memory): reserve more hugepages or use fewer descriptors",
			   dev->data.name, dir, qid, nb_desc, lay.total);
		eal_dma_free(*mem);
		free(*chain_len);
		free(*cookie);
		*mem = NULL;
		*chain_len = NULL;
		*cookie = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void virtio_rx_queue_release(struct ethdev *dev, uint16_t qid)
{
	struct virtnet_rx *rxq = dev->data.rx_queues[qid];

	if (rxq == NULL)
		return;
	virtnet_rx_ring_drain(rxq);
	eal_dma_free(rxq->ring_mem);
	free(rxq->chain_len);
	free(rxq->cookie);
	free(rxq);
	dev->data.rx_queues[qid] = NULL;
}

static void virtio_tx_queue_release(struct ethdev *dev, uint16_t qid)
{
	struct virtnet_tx *txq = dev->data.tx_queues[qid];

	if (txq == NULL)
		return;
	virtnet_tx_ring_drain(txq);
	eal_dma_free(txq->ring_mem);
	eal_dma_free(txq->hdrs);
	free(txq->chain_len);
	free(txq->cookie);
	free(txq);
	dev->data.tx_queues[qid] = NULL;
}

static int virtio_rx_queue_setup(struct ethdev *dev, uint16_t qid, uint16_t nb_desc,
				 int socket_id, const struct ethdev_rxconf *conf,
				 struct mempool *mp)
{
	struct virtio_port *p = vport(dev);
	struct virtnet_rx *rxq;
	int rc;

	rc = ring_size_check(dev, "rx", qid, nb_desc);
	if (rc < 0)
		return rc;
	rxq = aligned_alloc(CACHE_LINE_SIZE, sizeof(*rxq));
	if (rxq == NULL)
		return -ENOMEM;
	memset(rxq, 0, sizeof(*rxq));
	rc = ring_alloc(dev, "rx", qid, nb_desc, socket_id, &rxq->ring_mem, &rxq->ring_iova,
			&rxq->chain_len, &rxq->cookie);
	if (rc < 0) {
		free(rxq);
		return rc;
	}
	rxq->nb_desc = nb_desc;
	rxq->mp = mp;
	rxq->port_id = dev->data.port_id;
	rxq->queue_id = qid;
	rxq->mrg_rxbuf = has(p, VIRTIO_NET_F_MRG_RXBUF);
	rxq->free_thresh = conf->rx_free_thresh != 0 ? conf->rx_free_thresh
						     : (uint16_t)VIRTIO_RX_REFILL_BATCH;
	rxq->free_thresh = EAL_MIN(rxq->free_thresh, nb_desc);
	rxq->device_gone = p->device_gone;
	dev->data.rx_queues[qid] = rxq;
	return 0;
}

static int virtio_tx_queue_setup(struct ethdev *dev, uint16_t qid, uint16_t nb_desc,
				 int socket_id, const struct ethdev_txconf *conf)
{
	struct virtnet_tx *txq;
	char name[96];
	int rc;

	(void)conf;
	rc = ring_size_check(dev, "tx", qid, nb_desc);
	if (rc < 0)
		return rc;
	txq = aligned_alloc(CACHE_LINE_SIZE, sizeof(*txq));
	if (txq == NULL)
		return -ENOMEM;
	memset(txq, 0, sizeof(*txq));
	rc = ring_alloc(dev, "tx", qid, nb_desc, socket_id, &txq->ring_mem, &txq->ring_iova,
			&txq->chain_len, &txq->cookie);
	if (rc < 0) {
		free(txq);
		return rc;
	}
	snprintf(name, sizeof(name), "%s_txhdr%u", dev->data.name, qid);
	txq->hdrs = eal_dma_zalloc(name, (size_t)nb_desc * VIRTIO_NET_HDR_SIZE, CACHE_LINE_SIZE,
				   socket_id, &txq->hdrs_iova);
	txq->nb_desc = nb_desc;
	txq->port_id = dev->data.port_id;
	txq->queue_id = qid;
	txq->device_gone = vport(dev)->device_gone;
	dev->data.tx_queues[qid] = txq;
	if (txq->hdrs == NULL) {
		virtio_tx_queue_release(dev, qid);
		VIRTIO_LOG(ERR, "%s: tx queue %u: no DMA memory for %u headers", dev->data.name,
			   qid, nb_desc);
		return -ENOMEM;
	}
	return 0;
}

static void virtio_rings_drain(struct ethdev *dev)
{
	uint16_t q;

	for (q = 0; q < dev->data.nb_rx_queues; q++)
		if (dev->data.rx_queues[q] != NULL)
			virtnet_rx_ring_drain(dev->data.rx_queues[q]);
	for (q = 0; q < dev->data.nb_tx_queues; q++)
		if (dev->data.tx_queues[q] != NULL)
			virtnet_tx_ring_drain(dev->data.tx_queues[q]);
}

static int queue_enable_checked(struct virtio_port *p, uint16_t index, struct virtqueue *vq,
				struct virtio_notify *notify)
{
	uint16_t qmax = virtio_pci_queue_max_size(&p->hw, index);

	if (qmax < vq->size) {
		VIRTIO_LOG(ERR, "%s: virtqueue %u takes at most %u entries, %u were set up",
			   p->pdev->name, index, qmax, vq->size);
		return -EINVAL;
	}
	return virtio_pci_queue_enable(&p->hw, index, vq->size, vq->desc_iova, vq->avail_iova,
				       vq->used_iova, notify);
}

static int virtio_start(struct ethdev *dev)
{
	struct virtio_port *p = vport(dev);
	uint64_t known = VIRTIO_DRIVER_FEATURES;
	bool event_idx;
	uint16_t q;
	int rc;

	if (virtio_device_gone(dev)) {
		VIRTIO_LOG(ERR, "port %u (%s): cannot start: the device is gone; close the port "
			   "and attach the device again", dev->data.port_id, dev->data.name);
		return -ENOTCONN;
	}
	if (!(dev->data.dev_conf.txmode.offloads & VIRTIO_TX_CKSUM_OFFLOADS))
		known &= ~VIRTIO_BIT(VIRTIO_NET_F_CSUM);
	if (!(dev->data.dev_conf.rxmode.offloads & VIRTIO_RX_CKSUM_OFFLOADS))
		known &= ~VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM);
	rc = virtio_negotiate(p, known);
	if (rc < 0)
		return rc;
	event_idx = has(p, VIRTIO_F_RING_EVENT_IDX);
	for (q = 0; q < dev->data.nb_rx_queues && rc == 0; q++) {
		struct virtnet_rx *rxq = dev->data.rx_queues[q];

		/* Empty until the queue pairs are set (below): a device
		 * receives on the first pair only until then (5.1.6.5.5), so
		 * frames taken earlier would land in another queue than the
		 * later ones of their flow, and could overtake them. */
		rc = virtnet_rx_ring_init(rxq, event_idx);
		if (rc == 0)
			rc = queue_enable_checked(p, VIRTIO_NET_RXQ(q), &rxq->vq, &rxq->notify);
	}
	for (q = 0; q < dev->data.nb_tx_queues && rc == 0; q++) {
		struct virtnet_tx *txq = dev->data.tx_queues[q];

		rc = virtnet_tx_ring_start(txq, event_idx);
		if (rc == 0)
			rc = queue_enable_checked(p, VIRTIO_NET_TXQ(q), &txq->vq, &txq->notify);
	}
	if (rc == 0)
		rc = ctrl_start(p);
	if (rc < 0)
		goto fail;
	virtio_pci_status_add(&p->hw, VIRTIO_STATUS_DRIVER_OK);
	if (virtio_pci_status_get(&p->hw) & VIRTIO_STATUS_DEVICE_NEEDS_RESET) {
		VIRTIO_LOG(ERR, "%s: device set DEVICE_NEEDS_RESET after DRIVER_OK: it rejected "
			   "the queue setup", dev->data.name);
		rc = -EIO;
		goto fail;
	}
	p->ctrl_live = has(p, VIRTIO_NET_F_CTRL_VQ);
	if (has(p, VIRTIO_NET_F_MQ))
		rc = ctrl_pairs(p, p->nb_pairs);
	if (rc == 0 && has(p, VIRTIO_NET_F_CTRL_RX))
		rc = ctrl_promisc(p, dev->data.promiscuous);
	if (rc == 0 && has(p, VIRTIO_NET_F_CTRL_MAC_ADDR) &&
	    memcmp(&dev->data.mac_addr, &p->device_mac, sizeof(p->device_mac)) != 0)
		rc = ctrl_mac(p, &dev->data.mac_addr);
	for (q = 0; q < dev->data.nb_rx_queues && rc == 0; q++) {
		struct virtnet_rx *rxq = dev->data.rx_queues[q];

		rc = virtnet_rx_ring_fill(rxq);
		if (rc == 0)
			virtio_notify(&rxq->notify);
	}
	if (rc < 0)
		goto fail;
	dev->rx_pkt_burst = has(p, VIRTIO_NET_F_GUEST_CSUM) ? virtnet_rx_burst_offload
							   : virtnet_rx_burst;
	dev->tx_pkt_burst = has(p, VIRTIO_NET_F_CSUM) ? virtnet_tx_burst_offload
						      : virtnet_tx_burst;
	return 0;
fail:
	p->ctrl_live = false;
	if (virtio_device_gone(dev))
		rc = -ENOTCONN; /* what failed above failed for that reason */
	else
		virtio_pci_reset(&p->hw);
	virtio_rings_drain(dev);
	return rc;
}

/* Frames tx_burst accepted are the device's to send: give it a moment
 * before the reset takes them back unsent, and count those as tx errors
 * so that every frame stays accounted for. */
static void virtio_tx_flush(struct ethdev *dev)
{
	struct timespec t0, t1;
	unsigned left = 0;
	uint16_t q;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		left = 0;
		for (q = 0; q < dev->data.nb_tx_queues; q++)
			left += virtnet_tx_in_flight(dev->data.tx_queues[q]);
		if (left == 0)
			return;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if ((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 >
		    VIRTIO_TX_FLUSH_MS)
			break;
		usleep(100);
	}
	for (q = 0; q < dev->data.nb_tx_queues; q++) {
		struct virtnet_tx *txq = dev->data.tx_queues[q];

		ethdev_counter_add(&txq->stats.errors, virtnet_tx_in_flight(txq));
	}
	VIRTIO_LOG(WARNING, "port %u (%s): the device did not send %u frames within %d ms of "
		   "the stop: dropped by the reset, counted as tx errors", dev->data.port_id,
		   dev->data.name, left, VIRTIO_TX_FLUSH_MS);
}

static int virtio_stop(struct ethdev *dev)
{
	struct virtio_port *p = vport(dev);
	int rc;

	p->ctrl_live = false;
	dev->data.dev_link.link_status = ETHDEV_LINK_DOWN;
	if (virtio_device_gone(dev)) {
		/* Nobody reads the rings any more: they are ours without a reset. */
		virtio_rings_drain(dev);
		VIRTIO_LOG(ERR, "port %u (%s): stopped without a device reset: the device is "
			   "gone (every mbuf of its rings went back to its pool); close the port "
			   "and attach the device again", dev->data.port_id, dev->data.name);
		return -ENOTCONN;
	}
	virtio_tx_flush(dev);
	/* A reset is the only way to take the rings back (spec 4.1.4.3.2). */
	rc = virtio_pci_reset(&p->hw);
	virtio_rings_drain(dev);
	return rc;
}

static int virtio_close(struct ethdev *dev)
{
	struct virtio_port *p = vport(dev);

	p->ctrl_live = false;
	if (!virtio_device_gone(dev)) /* a gone device was reported at stop */
		virtio_pci_reset(&p->hw);
	eal_dma_free(p->cvq_mem);
	eal_dma_free(p->ctrl_buf);
	p->cvq_mem = NULL;
	p->ctrl_buf = NULL;
	if (p->pdev != NULL && p->pdev->driver_data == p)
		p->pdev->driver_data = NULL;
	return 0;
}

static int virtio_link_update(struct ethdev *dev, int wait_to_complete)
{
	struct virtio_port *p = vport(dev);
	bool up = dev->data.dev_started;

	(void)wait_to_complete;
	if (virtio_device_gone(dev))
		up = false;
	else if (up && has(p, VIRTIO_NET_F_STATUS))
		up = (cfg_read16(p, VIRTIO_NET_CFG_STATUS, 0) & VIRTIO_NET_S_LINK_UP) != 0;
	/* A server that went away during the read failed it: say gone now,
	 * not at the next update. */
	if (up && virtio_device_gone(dev))
		up = false;
	dev->data.dev_link = (struct ethdev_link){
		.link_speed = up ? ETHDEV_SPEED_NUM_UNKNOWN : ETHDEV_SPEED_NUM_NONE,
		.link_duplex = ETHDEV_LINK_FULL_DUPLEX,
		.link_autoneg = ETHDEV_LINK_FIXED,
		.link_status = up ? ETHDEV_LINK_UP : ETHDEV_LINK_DOWN,
	};
	return 0;
}

static bool virtio_is_removed(struct ethdev *dev)
{
	return vport(dev)->device_gone;
}

static int promisc_set(struct ethdev *dev, bool on)
{
	struct virtio_port *p = vport(dev);

	/* Applications ask for promiscuous mode as a matter of course; a
	 * device without CTRL_RX has no filter the driver can change (QEMU's
	 * and vfio-user-nic's then deliver every frame): not worth an error. */
	if (!has(p, VIRTIO_NET_F_CTRL_RX)) {
		VIRTIO_LOG(INFO, "%s: the device did not offer VIRTIO_NET_F_CTRL_RX: its receive "
			   "filter, if any, cannot be changed", dev->data.name);
		return -ENOTSUP;
	}
	/* A stopped port gets the setting at start. */
	return dev->data.dev_started ? ctrl_promisc(p, on) : 0;
}

static int virtio_promisc_enable(struct ethdev *dev)
{
	return promisc_set(dev, true);
}

static int virtio_promisc_disable(struct ethdev *dev)
{
	return promisc_set(dev, false);
}

static int virtio_mac_addr_set(struct ethdev *dev, const struct eth_addr *addr)
{
	struct virtio_port *p = vport(dev);

	if (!has(p, VIRTIO_NET_F_CTRL_MAC_ADDR)) {
		VIRTIO_LOG(ERR, "%s: the device did not offer VIRTIO_NET_F_CTRL_MAC_ADDR: its MAC "
			   "address cannot be changed", dev->data.name);
		return -ENOTSUP;
	}
	return dev->data.dev_started ? ctrl_mac(p, addr) : 0;
}

static int virtio_stats_get(struct ethdev *dev, struct ethdev_stats *st)
{
	uint16_t q;

	for (q = 0; q < dev->data.nb_rx_queues; q++) {
		const struct virtnet_rx *rxq = dev->data.rx_queues[q];

		if (rxq != NULL)
			ethdev_stats_add_rxq(st, q, &rxq->stats);
	}
	for (q = 0; q < dev->data.nb_tx_queues; q++) {
		const struct virtnet_tx *txq = dev->data.tx_queues[q];

		if (txq != NULL)
			ethdev_stats_add_txq(st, q, &txq->stats);
	}
	return 0;
}

static int virtio_stats_reset(struct ethdev *dev)
{
	uint16_t q;

	for (q = 0; q < dev->data.nb_rx_queues; q++)
		if (dev->data.rx_queues[q] != NULL)
			ethdev_queue_counters_reset(
				&((struct virtnet_rx *)dev->data.rx_queues[q])->stats);
	for (q = 0; q < dev->data.nb_tx_queues; q++)
		if (dev->data.tx_queues[q] != NULL)
			ethdev_queue_counters_reset(
				&((struct virtnet_tx *)dev->data.tx_queues[q])->stats);
	return 0;
}

static const struct ethdev_ops virtio_ops = {
	.dev_infos_get = virtio_infos_get,
	.dev_configure = virtio_configure,
	.dev_start = virtio_start,
	.dev_stop = virtio_stop,
	.dev_close = virtio_close,
	.link_update = virtio_link_update,
	.is_removed = virtio_is_removed,
	.promiscuous_enable = virtio_promisc_enable,
	.promiscuous_disable = virtio_promisc_disable,
	.mac_addr_set = virtio_mac_addr_set,
	.stats_get = virtio_stats_get,
	.stats_reset = virtio_stats_reset,
	.rx_queue_setup = virtio_rx_queue_setup,
	.tx_queue_setup = virtio_tx_queue_setup,
	.rx_queue_release = virtio_rx_queue_release,
	.tx_queue_release = virtio_tx_queue_release,
};

/* ---- PCI driver ------------------------------------------------------------ */

/* Learn what the device offers: features, MAC, queue pairs, queue size. */
static int virtio_discover(struct virtio_port *p)
{
	uint16_t num_queues, needed;
	int rc;

	rc = virtio_negotiate(p, VIRTIO_DRIVER_FEATURES);
	if (rc < 0)
		return rc;
	if (has(p, VIRTIO_NET_F_MAC)) {
		virtio_pci_dev_cfg_read(&p->hw, VIRTIO_NET_CFG_MAC, &p->device_mac,
					sizeof(p->device_mac));
	} else {
		/* A locally administered unicast address, different per port. */
		unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid() ^
				(unsigned)(uintptr_t)p;
		unsigned i;

		for (i = 0; i < sizeof(p->device_mac); i++)
			p->device_mac.addr_bytes[i] = (uint8_t)rand_r(&seed);
		p->device_mac.addr_bytes[0] = (uint8_t)((p->device_mac.addr_bytes[0] & 0xfe) | 0x02);
		VIRTIO_LOG(NOTICE, "%s: device has no MAC (no VIRTIO_NET_F_MAC): using a random one",
			   p->pdev->name);
	}
	p->max_pairs = 1;
	if (has(p, VIRTIO_NET_F_MQ)) {
		uint16_t pairs = cfg_read16(p, VIRTIO_NET_CFG_MAX_PAIRS, 1);

		if (pairs >= VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MIN &&
		    pairs <= VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MAX)
			p->max_pairs = pairs;
	}
	p->mtu_max = VIRTIO_DEFAULT_MTU;
	if (has(p, VIRTIO_NET_F_MTU))
		p->mtu_max = cfg_read16(p, VIRTIO_NET_CFG_MTU, VIRTIO_DEFAULT_MTU);
	num_queues = virtio_pci_num_queues(&p->hw);
	needed = (uint16_t)(2u * p->max_pairs + (has(p, VIRTIO_NET_F_CTRL_VQ) ? 1u : 0u));
	if (num_queues < needed) {
		VIRTIO_LOG(ERR, "%s: device has %u virtqueues, %u queue pairs%s need %u",
			   p->pdev->name, num_queues, p->max_pairs,
			   has(p, VIRTIO_NET_F_CTRL_VQ) ? " and a control queue" : "", needed);
		return -ENODEV;
	}
	p->ring_max = virtio_pci_queue_max_size(&p->hw, VIRTIO_NET_RXQ(0));
	p->ring_max = EAL_MIN(p->ring_max, virtio_pci_queue_max_size(&p->hw, VIRTIO_NET_TXQ(0)));
	/* Largest power of two the device takes: split rings need one. */
	if (p->ring_max < 8) {
		VIRTIO_LOG(ERR, "%s: device queues hold %u entries, fewer than 8", p->pdev->name,
			   p->ring_max);
		return -ENODEV;
	}
	p->ring_max = (uint16_t)(EAL_IS_POWER_OF_2(p->ring_max) ? p->ring_max
					: eal_align32pow2(p->ring_max) >> 1);
	return virtio_pci_reset(&p->hw);
}

static int virtio_probe(struct pci_driver *drv, struct pci_device *pdev)
{
	struct virtio_port tmp, *p;
	char name[ETHDEV_NAME_MAX_LEN];
	struct virtq_layout lay;
	struct ethdev *eth;
	static unsigned anon_ports;
	int rc;

	(void)drv;
	memset(&tmp, 0, sizeof(tmp));
	tmp.pdev = pdev;
	rc = virtio_pci_init(&tmp.hw, pdev);
	if (rc == 0)
		rc = virtio_discover(&tmp);
	if (rc < 0)
		return rc;
	if (strlen(pdev->name) < sizeof(name))
		memcpy(name, pdev->name, strlen(pdev->name) + 1);
	else
		snprintf(name, sizeof(name), "net_virtio%u", anon_ports++);
	eth = ethdev_allocate(name, &virtio_eth_driver, sizeof(*p), pdev->numa_node);
	if (eth == NULL) {
		rc = -errno;
		VIRTIO_LOG(ERR, "%s: no port for the device: %s", pdev->name, strerror(errno));
		return rc;
	}
	p = eth->data.dev_private;
	*p = tmp;
	p->eth = eth;
	virtq_layout_get(VIRTIO_CTRL_RING, &lay);
	p->cvq_mem = eal_dma_zalloc("virtio_cvq", lay.total, 4096, pdev->numa_node, &p->cvq_iova);
	p->ctrl_buf = eal_dma_zalloc("virtio_ctrl", CTRL_BUF_LEN, CACHE_LINE_SIZE,
				     pdev->numa_node, &p->ctrl_iova);
	if (p->cvq_mem == NULL || p->ctrl_buf == NULL) {
		VIRTIO_LOG(ERR, "%s: no DMA memory for the control queue: reserve hugepages",
			   pdev->name);
		eal_dma_free(p->cvq_mem);
		eal_dma_free(p->ctrl_buf);
		ethdev_release_port(eth);
		return -ENOMEM;
	}
	eth->dev_ops = &virtio_ops;
	eth->data.mac_addr = p->device_mac;
	eth->data.mtu = (uint16_t)EAL_MIN(p->mtu_max, VIRTIO_DEFAULT_MTU);
	pdev->driver_data = p;
	ethdev_probing_finish(eth);
	VIRTIO_LOG(INFO, "%s: port %u, MAC %02x:%02x:%02x:%02x:%02x:%02x, features 0x%llx of "
		   "0x%llx, %u queue pairs of up to %u entries", pdev->name, eth->data.port_id,
		   p->device_mac.addr_bytes[0], p->device_mac.addr_bytes[1],
		   p->device_mac.addr_bytes[2], p->device_mac.addr_bytes[3],
		   p->device_mac.addr_bytes[4], p->device_mac.addr_bytes[5],
		   (unsigned long long)p->features, (unsigned long long)p->device_features,
		   p->max_pairs, p->ring_max);
	return 0;
}

static void virtio_remove(struct pci_device *pdev)
{
	struct virtio_port *p = pdev->driver_data;
	uint16_t port_id;

	if (p == NULL)
		return; /* the port was closed already */
	port_id = p->eth->data.port_id;
	(void)ethdev_stop(port_id);
	(void)ethdev_close(port_id);
}

static const struct pci_id virtio_ids[] = {
	PCI_ID(0x1af4, 0x1041), /* virtio 1.x network device (spec 4.1.2.1: 0x1040 + 1) */
	PCI_ID_END,
};

static struct pci_driver virtio_pci_driver = {
	.name = "net_virtio",
	.id_table = virtio_ids,
	.probe = virtio_probe,
	.remove = virtio_remove,
};
PCI_DRIVER_REGISTER(virtio_pci_driver);
