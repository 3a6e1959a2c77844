/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * virtio-net modern PCI device model: config space, BAR registers and split
 * virtqueues processed in the driver's memory. Every index, address and
 * length read from guest memory is checked before use: a broken driver
 * gets DEVICE_NEEDS_RESET, never a crash of the server.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "eal_log.h"
#include "flow_hash.h"
#include "virtio_net_csum.h"
#include "virtio_net_dev.h"

EAL_LOG_COMPONENT_REGISTER(vnet_logtype, "vfio_user_nic.virtio", EAL_LOG_NOTICE);

#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2
#define VRING_DESC_F_INDIRECT 4
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define VRING_USED_F_NO_NOTIFY 1

#define VIRTIO_NET_S_LINK_UP 1
#define VIRTIO_NET_CTRL_MQ 4
#define VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET 0
#define VIRTIO_NET_OK 0
#define VIRTIO_NET_ERR 1

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vnet_vq {
	uint16_t size;
	uint16_t msix_vector;
	bool enabled;
	bool ready;              /* ring pointers below are valid */
	uint64_t desc_iova, avail_iova, used_iova;
	struct vring_desc *desc;
	uint16_t *avail;         /* flags, idx, ring[size] */
	uint16_t *used;          /* flags, idx, then {u32 id, u32 len}[size] */
	uint16_t last_avail;
	uint16_t used_idx;
};

struct vnet_dev {
	struct vnet_params p;
	struct vus_device_info info;
	struct vus_server *srv;
	uint8_t config[256];
	uint8_t wmask[256];
	uint8_t msix[VNET_BAR1_SIZE];

	uint64_t device_features;
	uint64_t driver_features;
	uint32_t dfselect, gfselect;
	uint16_t msix_config;
	uint8_t status;
	uint8_t isr;
	uint16_t queue_select;
	uint16_t num_queues;
	uint16_t active_pairs;
	struct vnet_vq vq[VNET_MAX_QUEUES];
	uint16_t link_status;    /* device config "status" (VIRTIO_NET_S_*) */
	uint8_t config_generation;
	/* Migration state is RUNNING or PRE_COPY: the device may do DMA. */
	bool mig_running;

	/* BAR0 backing for the client's mmap() of the notify area: a
	 * notification is then a plain store, not a REGION_WRITE round trip.
	 * The model never reads it back: it polls the rings instead. */
	int bar0_fd;

	struct vnet_stats st;
	uint8_t frame[VNET_HDR_LEN + VNET_MAX_FRAME];
};

/* ---------- config space ---------- */

static void put16(uint8_t *b, unsigned off, uint16_t v) { memcpy(b + off, &v, 2); }
static void put32(uint8_t *b, unsigned off, uint32_t v) { memcpy(b + off, &v, 4); }

static unsigned add_virtio_cap(uint8_t *cfg, unsigned at, unsigned next, uint8_t type,
			       uint32_t offset, uint32_t length, bool notify)
{
	cfg[at] = 0x09;                  /* vendor specific */
	cfg[at + 1] = (uint8_t)next;
	cfg[at + 2] = notify ? 20 : 16;
	cfg[at + 3] = type;
	cfg[at + 4] = 0;                 /* BAR0 */
	put32(cfg, at + 8, offset);
	put32(cfg, at + 12, length);
	if (notify)
		put32(cfg, at + 16, VNET_NOTIFY_MULT);
	return next;
}

static void build_config(struct vnet_dev *dev)
{
	uint8_t *c = dev->config;
	uint16_t vectors = (uint16_t)(dev->num_queues + 1);

	put16(c, 0x00, 0x1af4);
	put16(c, 0x02, 0x1041);
	put16(c, 0x06, 0x0010);          /* capability list */
	c[0x08] = 1;                     /* revision: modern */
	c[0x0b] = 0x02;                  /* network controller */
	put32(c, 0x10, 0);               /* BAR0: 32-bit memory */
	put32(c, 0x14, 0);               /* BAR1: 32-bit memory (MSI-X) */
	put16(c, 0x2c, 0x1af4);
	put16(c, 0x2e, 0x1100);
	c[0x34] = 0x40;
	c[0x3d] = 1;                     /* INTA */
	/* MSI-X at 0x40 */
	c[0x40] = 0x11;
	c[0x41] = 0x4c;
	put16(c, 0x42, (uint16_t)(vectors - 1));
	put32(c, 0x44, 0 | 1);           /* table at 0 of BAR1 */
	put32(c, 0x48, VNET_MSIX_PBA_OFF | 1);
	add_virtio_cap(c, 0x4c, 0x5c, 1, VNET_COMMON_OFF, 0x1000, false);
	add_virtio_cap(c, 0x5c, 0x70, 2, VNET_NOTIFY_OFF, 0x1000, true);
	add_virtio_cap(c, 0x70, 0x80, 3, VNET_ISR_OFF, 0x1000, false);
	add_virtio_cap(c, 0x80, 0x00, 4, VNET_DEVCFG_OFF, 0x1000, false);

	dev->wmask[0x04] = 0x07;
	dev->wmask[0x05] = 0x04;
	dev->wmask[0x3c] = 0xff;
	dev->wmask[0x43] = 0xc0;         /* MSI-X enable, function mask */
}

/* ---------- device state ---------- */

static void device_reset(struct vnet_dev *dev)
{
	dev->driver_features = 0;
	dev->dfselect = dev->gfselect = 0;
	dev->msix_config = VIRTIO_NO_VECTOR;
	dev->status = 0;
	dev->isr = 0;
	dev->queue_select = 0;
	dev->active_pairs = 1;
	for (unsigned q = 0; q < VNET_MAX_QUEUES; q++) {
		memset(&dev->vq[q], 0, sizeof(dev->vq[q]));
		dev->vq[q].size = VNET_QUEUE_SIZE_MAX;
		dev->vq[q].msix_vector = VIRTIO_NO_VECTOR;
	}
}

static void reset_cb(void *priv)
{
	device_reset(priv);
}

static void dma_unmap_cb(void *priv, uint64_t iova, uint64_t size)
{
	struct vnet_dev *dev = priv;

	for (unsigned q = 0; q < dev->num_queues; q++) {
		struct vnet_vq *vq = &dev->vq[q];

		/* Rings inside the range are re-translated on next use. */
		if (vq->ready && (vq->desc_iova - iova < size || vq->avail_iova - iova < size ||
				  vq->used_iova - iova < size))
			vq->ready = false;
	}
}

static void needs_reset(struct vnet_dev *dev, const char *why, unsigned q)
{
	if (!(dev->status & VIRTIO_STATUS_NEEDS_RESET))
		EAL_LOG(vnet_logtype, ERR, "%s: queue %u: %s: device needs a reset",
			dev->p.name, q, why);
	dev->status |= VIRTIO_STATUS_NEEDS_RESET;
	dev->isr |= 2;
	if (dev->msix_config != VIRTIO_NO_VECTOR && dev->srv != NULL)
		vus_irq_trigger(dev->srv, VUS_PCI_MSIX_IRQ, dev->msix_config);
}

static bool vq_map(struct vnet_dev *dev, unsigned q)
{
	struct vnet_vq *vq = &dev->vq[q];
	size_t n = vq->size;

	vq->desc = vus_dma_translate(dev->srv, vq->desc_iova, 16 * n, false);
	vq->avail = vus_dma_translate(dev->srv, vq->avail_iova, 4 + 2 * n, false);
	vq->used = vus_dma_translate(dev->srv, vq->used_iova, 4 + 8 * n, true);
	if (vq->desc == NULL || vq->avail == NULL || vq->used == NULL ||
	    (vq->desc_iova & 15) || (vq->avail_iova & 1) || (vq->used_iova & 3)) {
		needs_reset(dev, "ring addresses are not in fd-mapped DMA memory or misaligned", q);
		return false;
	}
	/* The model polls every ring, so a driver that honours the flag
	 * (2.7.10) skips its notifications altogether. */
	__atomic_store_n(&vq->used[0], VRING_USED_F_NO_NOTIFY, __ATOMIC_RELAXED);
	vus_dma_mark_dirty(dev->srv, vq->used_iova, 2);
	vq->ready = true;
	return true;
}

/* The ring can be used: driver ready, bus master on, queue mapped. */
static inline bool vq_usable(struct vnet_dev *dev, unsigned q)
{
	struct vnet_vq *vq = &dev->vq[q];

	if (!vq->enabled)
		return false;
	if (likely(vq->ready))
		return true;
	return vq_map(dev, q);
}

static inline uint16_t avail_idx(const struct vnet_vq *vq)
{
	return __atomic_load_n(&vq->avail[1], __ATOMIC_ACQUIRE);
}

static void vq_push_used(struct vnet_dev *dev, unsigned q, uint32_t id, uint32_t len)
{
	struct vnet_vq *vq = &dev->vq[q];
	uint32_t *elem = (uint32_t *)(void *)(vq->used + 2) + 2 * (vq->used_idx % vq->size);

	elem[0] = id;
	elem[1] = len;
	vus_dma_mark_dirty(dev->srv, vq->used_iova + 4 + 8 * (uint64_t)(vq->used_idx % vq->size), 8);
	vq->used_idx++;
}

static void vq_publish(struct vnet_dev *dev, unsigned q)
{
	struct vnet_vq *vq = &dev->vq[q];

	__atomic_store_n(&vq->used[1], vq->used_idx, __ATOMIC_RELEASE);
	vus_dma_mark_dirty(dev->srv, vq->used_iova + 2, 2);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!(__atomic_load_n(&vq->avail[0], __ATOMIC_RELAXED) & VRING_AVAIL_F_NO_INTERRUPT) &&
	    vq->msix_vector != VIRTIO_NO_VECTOR) {
		if (vus_irq_trigger(dev->srv, VUS_PCI_MSIX_IRQ, vq->msix_vector) == 0)
			dev->st.interrupts++;
	}
}

/*
 * Walk the chain at @p head; readable parts are copied into dev->frame
 * (when @p gather), writable ones counted. @return chain length in
 * descriptors, or -1 for a malformed chain (queue broken).
 */
struct chain_seg {
	uint64_t addr;
	uint32_t len;
	bool writable;
};

static int vq_chain(struct vnet_dev *dev, unsigned q, uint16_t head,
		    struct chain_seg *segs, unsigned max_segs)
{
	struct vnet_vq *vq = &dev->vq[q];
	uint16_t i = head;
	unsigned n = 0;

	for (;;) {
		struct vring_desc d;

		if (i >= vq->size || n >= max_segs || n >= vq->size)
			return -1;
		memcpy(&d, &vq->desc[i], sizeof(d));
		if (d.flags & VRING_DESC_F_INDIRECT)
			return -1; /* not negotiated */
		segs[n].addr = d.addr;
		segs[n].len = d.len;
		segs[n].writable = d.flags & VRING_DESC_F_WRITE;
		n++;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return (int)n;
		i = d.next;
	}
}

#define VNET_MAX_SEGS 64

/*
 * A frame in dev->frame (header first, @p total bytes) whose header asks
 * for a checksum (NEEDS_CSUM, VIRTIO_NET_F_CSUM negotiated) gets it now,
 * so that every backend sees a finished frame (5.1.6.2). The flag is
 * ignored when the feature was not negotiated (the driver must not set it).
 * @return false when csum_start/csum_offset point outside the frame.
 */
static bool tx_csum(struct vnet_dev *dev, size_t total)
{
	uint16_t start, offset;

	if (!(dev->driver_features & (1ull << VIRTIO_NET_F_CSUM)) ||
	    !(dev->frame[VNET_HDR_FLAGS_OFF] & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return true;
	memcpy(&start, dev->frame + VNET_HDR_CSUM_START_OFF, sizeof(start));
	memcpy(&offset, dev->frame + VNET_HDR_CSUM_OFFSET_OFF, sizeof(offset));
	if (vnet_csum_complete(dev->frame + VNET_HDR_LEN, total - VNET_HDR_LEN, start,
			       offset) < 0) {
		EAL_LOG(vnet_logtype, DEBUG, "%s: frame of %zu bytes dropped: csum_start %u + "
			"csum_offset %u is outside it", dev->p.name, total - VNET_HDR_LEN, start,
			offset);
		return false;
	}
	dev->st.tx_csum_completed++;
	return true;
}

/*
 * The frame of a TX chain, header first: a chain of one readable
 * descriptor is used where it lies in the driver's memory (the backend
 * reads it before the used ring returns it: no copy); a scattered chain,
 * or one whose checksum the device must complete (which must not write into
 * a device-readable buffer), is gathered into dev->frame.
 * @return the frame and its length in *@p total (0: drop it as an error).
 */
static const uint8_t *tx_frame(struct vnet_dev *dev, const struct chain_seg *segs, int n,
			       size_t *total)
{
	const bool csum = dev->driver_features & (1ull << VIRTIO_NET_F_CSUM);
	size_t len = 0;

	*total = 0;
	if (n == 1 && !segs[0].writable && segs[0].len > VNET_HDR_LEN &&
	    segs[0].len <= sizeof(dev->frame)) {
		const uint8_t *p = vus_dma_translate(dev->srv, segs[0].addr, segs[0].len, false);

		if (p == NULL)
			return NULL;
		if (!csum || !(p[VNET_HDR_FLAGS_OFF] & VIRTIO_NET_HDR_F_NEEDS_CSUM)) {
			*total = segs[0].len;
			return p;
		}
	}
	for (int s = 0; s < n; s++) {
		const void *src;

		if (segs[s].writable || segs[s].len > sizeof(dev->frame) - len)
			return NULL;
		src = vus_dma_translate(dev->srv, segs[s].addr, segs[s].len, false);
		if (src == NULL && segs[s].len > 0)
			return NULL;
		memcpy(dev->frame + len, src, segs[s].len);
		len += segs[s].len;
	}
	if (len <= VNET_HDR_LEN || !tx_csum(dev, len))
		return NULL;
	*total = len;
	return dev->frame;
}

static unsigned process_tx(struct vnet_dev *dev, unsigned q)
{
	struct vnet_vq *vq = &dev->vq[q];
	uint16_t end = avail_idx(vq);
	unsigned done = 0;

	while (vq->last_avail != end) {
		struct chain_seg segs[VNET_MAX_SEGS];
		uint16_t head = vq->avail[2 + vq->last_avail % vq->size];
		const uint8_t *frame;
		size_t total;
		int n = vq_chain(dev, q, head, segs, VNET_MAX_SEGS);

		if (n < 0) {
			needs_reset(dev, "malformed TX descriptor chain", q);
			break;
		}
		frame = tx_frame(dev, segs, n, &total);
		if (frame != NULL) {
			dev->p.tx(dev->p.tx_arg, frame + VNET_HDR_LEN, total - VNET_HDR_LEN);
			dev->st.tx_packets++;
			dev->st.tx_bytes += total - VNET_HDR_LEN;
		} else {
			dev->st.tx_errors++;
		}
		vq_push_used(dev, q, head, 0);
		vq->last_avail++;
		done++;
	}
	if (done)
		vq_publish(dev, q);
	return done;
}

static void process_ctrl(struct vnet_dev *dev, unsigned q)
{
	struct vnet_vq *vq = &dev->vq[q];
	uint16_t end = avail_idx(vq);

	while (vq->last_avail != end) {
		struct chain_seg segs[8];
		uint16_t head = vq->avail[2 + vq->last_avail % vq->size];
		uint8_t cmd[64];
		size_t clen = 0;
		uint8_t ack = VIRTIO_NET_ERR;
		int n = vq_chain(dev, q, head, segs, 8);
		int s;

		if (n < 2) {
			needs_reset(dev, "malformed control chain", q);
			return;
		}
		for (s = 0; s < n && !segs[s].writable; s++) {
			size_t take = EAL_MIN((size_t)segs[s].len, sizeof(cmd) - clen);

			if (vus_dma_read(dev->srv, segs[s].addr, cmd + clen, take) < 0)
				break;
			clen += take;
		}
		if (clen >= 4 && cmd[0] == VIRTIO_NET_CTRL_MQ &&
		    cmd[1] == VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET) {
			uint16_t pairs;

			memcpy(&pairs, cmd + 2, 2);
			if (pairs >= 1 && pairs <= dev->p.queue_pairs) {
				if (pairs != dev->active_pairs)
					EAL_LOG(vnet_logtype, NOTICE, "%s: the driver set %u queue pairs (VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET)",
						dev->p.name, pairs);
				dev->active_pairs = pairs;
				ack = VIRTIO_NET_OK;
			}
		}
		if (s < n && segs[s].writable && segs[s].len >= 1)
			vus_dma_write(dev->srv, segs[s].addr, &ack, 1);
		vq_push_used(dev, q, head, 1);
		vq->last_avail++;
	}
	vq_publish(dev, q);
}

bool vnet_dev_running(const struct vnet_dev *dev)
{
	return dev->srv != NULL && dev->mig_running && (dev->status & VIRTIO_STATUS_DRIVER_OK) &&
	       !(dev->status & VIRTIO_STATUS_NEEDS_RESET) &&
	       (vus_server_config_space(dev->srv)[0x04] & 0x04);
}

unsigned vnet_dev_poll(struct vnet_dev *dev)
{
	unsigned done = 0;
	unsigned ctrl = 2u * dev->p.queue_pairs;

	if (!vnet_dev_running(dev))
		return 0;
	for (unsigned k = 0; k < dev->p.queue_pairs; k++)
		if (vq_usable(dev, 2 * k + 1))
			done += process_tx(dev, 2 * k + 1);
	if (vq_usable(dev, ctrl) && dev->vq[ctrl].last_avail != avail_idx(&dev->vq[ctrl]))
		process_ctrl(dev, ctrl);
	return done;
}

unsigned vnet_dev_rx_space(struct vnet_dev *dev)
{
	unsigned space = 0;

	if (!vnet_dev_running(dev))
		return 0;
	for (unsigned k = 0; k < dev->active_pairs; k++)
		if (vq_usable(dev, 2 * k))
			space += (uint16_t)(avail_idx(&dev->vq[2 * k]) - dev->vq[2 * k].last_avail);
	return space;
}

/* Write hdr + frame into the chain at @p head. @return bytes written or -1. */
static int rx_fill(struct vnet_dev *dev, unsigned q, uint16_t head,
		   const uint8_t *frame, size_t len, uint8_t hdr_flags)
{
	struct chain_seg segs[VNET_MAX_SEGS];
	uint8_t hdr[VNET_HDR_LEN] = { 0 };
	int n = vq_chain(dev, q, head, segs, VNET_MAX_SEGS);
	size_t want = VNET_HDR_LEN + len, put = 0;

	if (n < 0)
		return -1;
	hdr[VNET_HDR_FLAGS_OFF] = hdr_flags;
	hdr[10] = 1; /* num_buffers */
	for (int s = 0; s < n && put < want; s++) {
		size_t take = EAL_MIN((size_t)segs[s].len, want - put);
		size_t from_hdr = put < VNET_HDR_LEN ? EAL_MIN(take, VNET_HDR_LEN - put) : 0;
		uint8_t *dst;

		if (!segs[s].writable)
			return -1;
		if (take == 0)
			continue;
		dst = vus_dma_translate(dev->srv, segs[s].addr, take, true);
		if (dst == NULL)
			return -1;
		memcpy(dst, hdr + put, from_hdr);
		if (take > from_hdr)
			memcpy(dst + from_hdr, frame + (put + from_hdr - VNET_HDR_LEN),
			       take - from_hdr);
		vus_dma_mark_dirty(dev->srv, segs[s].addr, take);
		put += take;
	}
	return put == want ? (int)put : -1;
}

/* The header flags of a frame for the driver: DATA_VALID when the driver
 * takes checksum information (VIRTIO_NET_F_GUEST_CSUM) and the frame's
 * TCP/UDP checksum is right (5.1.6.4); otherwise none, and the driver
 * checks for itself. */
static uint8_t rx_csum_flags(struct vnet_dev *dev, const uint8_t *frame, size_t len)
{
	if (!(dev->driver_features & (1ull << VIRTIO_NET_F_GUEST_CSUM)) ||
	    vnet_l4_csum_check(frame, len) != VNET_L4_CSUM_GOOD)
		return 0;
	dev->st.rx_csum_valid++;
	return VIRTIO_NET_HDR_F_DATA_VALID;
}

/* Put frames into the RX queues their flows hash to. A frame whose queue
 * has no buffer is dropped, or, when @p wait, ends the burst (it and the
 * rest stay the caller's). @return frames taken (delivered or dropped);
 * *@p delivered: those delivered. */
static unsigned rx_deliver(struct vnet_dev *dev, const uint8_t *const *frames,
			   const uint16_t *lens, unsigned n, bool wait, unsigned *delivered_out)
{
	unsigned delivered = 0, i;
	unsigned touched = 0; /* bitmask of RX queues used */

	*delivered_out = 0;
	if (!vnet_dev_running(dev) || !(dev->link_status & VIRTIO_NET_S_LINK_UP)) {
		if (wait)
			return 0;
		dev->st.rx_dropped += n;
		return n;
	}
	for (i = 0; i < n; i++) {
		/* A flow sticks to one queue (flow_hash.h), as with RSS. */
		unsigned pair = dev->active_pairs > 1 ?
			vnet_flow_hash(frames[i], lens[i]) % dev->active_pairs : 0;
		unsigned q = 2 * pair;
		struct vnet_vq *vq = &dev->vq[q];
		uint16_t head;
		int put;

		if (!vq_usable(dev, q) || vq->last_avail == avail_idx(vq)) {
			if (wait)
				break;
			dev->st.rx_dropped++;
			continue;
		}
		head = vq->avail[2 + vq->last_avail % vq->size];
		put = rx_fill(dev, q, head, frames[i], lens[i],
			      rx_csum_flags(dev, frames[i], lens[i]));
		vq->last_avail++;
		if (put < 0) {
			/* Too small or broken: hand the buffer back empty. */
			vq_push_used(dev, q, head, 0);
			dev->st.rx_dropped++;
		} else {
			vq_push_used(dev, q, head, (uint32_t)put);
			dev->st.rx_packets++;
			dev->st.rx_queue_packets[pair]++;
			dev->st.rx_bytes += lens[i];
			delivered++;
		}
		touched |= 1u << q;
	}
	for (unsigned q = 0; touched; q++, touched >>= 1)
		if (touched & 1)
			vq_publish(dev, q);
	*delivered_out = delivered;
	return i;
}

unsigned vnet_dev_rx_burst(struct vnet_dev *dev, const uint8_t *const *frames,
			   const uint16_t *lens, unsigned n)
{
	unsigned delivered;

	rx_deliver(dev, frames, lens, n, false, &delivered);
	return delivered;
}

unsigned vnet_dev_rx_offer(struct vnet_dev *dev, const uint8_t *const *frames,
			   const uint16_t *lens, unsigned n)
{
	unsigned delivered;

	return rx_deliver(dev, frames, lens, n, true, &delivered);
}

/* ---------- BAR0 registers ---------- */

static uint64_t get_le(const void *buf, size_t count)
{
	uint64_t v = 0;

	memcpy(&v, buf, count);
	return v;
}

static void set_le(void *buf, size_t count, uint64_t v)
{
	memcpy(buf, &v, count);
}

static void set_status(struct vnet_dev *dev, uint8_t v)
{
	if (v == 0) {
		device_reset(dev);
		return;
	}
	if ((v & VIRTIO_STATUS_FEATURES_OK) && !(dev->status & VIRTIO_STATUS_FEATURES_OK)) {
		if ((dev->driver_features & ~dev->device_features) ||
		    !(dev->driver_features & (1ull << VIRTIO_F_VERSION_1))) {
			EAL_LOG(vnet_logtype, ERR, "%s: driver features %#llx refused (device offers %#llx, VERSION_1 required)",
				dev->p.name, (unsigned long long)dev->driver_features,
				(unsigned long long)dev->device_features);
			v &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
		}
	}
	dev->status = (uint8_t)(v | (dev->status & VIRTIO_STATUS_NEEDS_RESET));
}

static int common_access(struct vnet_dev *dev, uint64_t off, void *buf, size_t count,
			 bool is_write)
{
	struct vnet_vq *vq = dev->queue_select < dev->num_queues ? &dev->vq[dev->queue_select] : NULL;
	uint64_t v = is_write ? get_le(buf, count) : 0;
	uint64_t *addr = NULL;

	/* Registers are accessed with their natural width (virtio 4.1.3.1);
	 * 64-bit addresses may be written as two 32-bit halves. */
	switch (off) {
	case VNET_CC_DFSELECT:
		if (is_write) dev->dfselect = (uint32_t)v; else v = dev->dfselect;
		break;
	case VNET_CC_DF:
		v = dev->dfselect < 2 ? (uint32_t)(dev->device_features >> (32 * dev->dfselect)) : 0;
		break;
	case VNET_CC_GFSELECT:
		if (is_write) dev->gfselect = (uint32_t)v; else v = dev->gfselect;
		break;
	case VNET_CC_GF:
		if (is_write) {
			if (dev->gfselect < 2 && !(dev->status & VIRTIO_STATUS_FEATURES_OK)) {
				uint64_t mask = 0xffffffffull << (32 * dev->gfselect);

				dev->driver_features = (dev->driver_features & ~mask) |
						       ((v & 0xffffffffull) << (32 * dev->gfselect));
			}
		} else {
			v = dev->gfselect < 2 ? (uint32_t)(dev->driver_features >> (32 * dev->gfselect)) : 0;
		}
		break;
	case VNET_CC_MSIX:
		if (is_write)
			dev->msix_config = (uint16_t)v < dev->num_queues + 1 ? (uint16_t)v : VIRTIO_NO_VECTOR;
		else
			v = dev->msix_config;
		break;
	case VNET_CC_NUMQ:
		v = dev->num_queues;
		break;
	case VNET_CC_STATUS:
		if (is_write) set_status(dev, (uint8_t)v); else v = dev->status;
		break;
	case VNET_CC_CFGGEN:
		v = dev->config_generation;
		break;
	case VNET_CC_Q_SELECT:
		if (is_write) dev->queue_select = (uint16_t)v; else v = dev->queue_select;
		break;
	case VNET_CC_Q_SIZE:
		if (vq == NULL) { v = 0; break; }
		if (is_write && !vq->enabled && v >= 1 && v <= VNET_QUEUE_SIZE_MAX)
			vq->size = (uint16_t)v;
		v = vq->size;
		break;
	case VNET_CC_Q_MSIX:
		if (vq == NULL) { v = VIRTIO_NO_VECTOR; break; }
		if (is_write)
			vq->msix_vector = (uint16_t)v < dev->num_queues + 1 ? (uint16_t)v : VIRTIO_NO_VECTOR;
		v = vq->msix_vector;
		break;
	case VNET_CC_Q_ENABLE:
		if (vq == NULL) { v = 0; break; }
		if (is_write && v == 1 && !vq->enabled) {
			vq->enabled = true;
			vq->ready = false;
			vq->last_avail = vq->used_idx = 0;
		}
		v = vq->enabled;
		break;
	case VNET_CC_Q_NOFF:
		v = dev->queue_select;
		break;
	default:
		if (vq != NULL && off >= VNET_CC_Q_DESCLO && off < VNET_CC_SIZE &&
		    (count == 8 || count == 4) && (off % count) == 0) {
			unsigned reg = (unsigned)(off - VNET_CC_Q_DESCLO) / 8;
			unsigned shift = (unsigned)(off % 8) * 8;
			uint64_t mask = (count == 8 ? ~0ull : 0xffffffffull) << shift;

			addr = reg == 0 ? &vq->desc_iova : reg == 1 ? &vq->avail_iova : &vq->used_iova;
			if (is_write && !vq->enabled)
				*addr = (*addr & ~mask) | ((v << shift) & mask);
			v = (*addr & mask) >> shift;
			break;
		}
		v = 0; /* reserved: reads 0, writes ignored */
		break;
	}
	if (!is_write)
		set_le(buf, count, v);
	return 0;
}

static int bar0_access(void *priv, uint64_t off, void *buf, size_t count, bool is_write)
{
	struct vnet_dev *dev = priv;

	if (count > 8)
		return -EINVAL;
	if (off < VNET_COMMON_OFF + 0x1000)
		return common_access(dev, off - VNET_COMMON_OFF, buf, count, is_write);
	if (off < VNET_DEVCFG_OFF) {
		if (!is_write) {
			memset(buf, 0, count);
			if (off == VNET_ISR_OFF) {
				((uint8_t *)buf)[0] = dev->isr;
				dev->isr = 0; /* read to clear */
			}
		}
		return 0;
	}
	if (off < VNET_NOTIFY_OFF) {
		uint8_t cfg[16] = { 0 };
		uint64_t o = off - VNET_DEVCFG_OFF;
		uint16_t link = dev->link_status, pairs = (uint16_t)dev->p.queue_pairs;

		memcpy(cfg, dev->p.mac, 6);
		memcpy(cfg + 6, &link, 2);
		memcpy(cfg + 8, &pairs, 2);
		if (!is_write) {
			memset(buf, 0, count);
			if (o < sizeof(cfg))
				memcpy(buf, cfg + o, EAL_MIN(count, sizeof(cfg) - o));
		}
		return 0;
	}
	if (is_write)
		dev->st.kicks++; /* the poll loop finds the work anyway */
	else
		memset(buf, 0, count);
	return 0;
}

static int bar1_access(void *priv, uint64_t off, void *buf, size_t count, bool is_write)
{
	struct vnet_dev *dev = priv;

	/* The client emulates MSI-X delivery itself (SET_IRQS eventfds);
	 * the table just keeps what it wrote. */
	if (is_write)
		memcpy(dev->msix + off, buf, count);
	else
		memcpy(buf, dev->msix + off, count);
	return 0;
}

/* ---------- migration ---------- */

/*
 * Stream of the model (the server frames it with the config space):
 *   header: magic u32, version u16, header bytes u16, total bytes u32,
 *           queues u16, bytes per queue u16, backend bytes u32
 *   device: mac[6], link u16, device/driver features u64, dfselect,
 *           gfselect u32, msix_config u16, status u8, isr u8,
 *           queue_select u16, active_pairs u16, config generation u32
 *   queues: size u16, msix u16, enabled u8, desc/avail/used u64,
 *           last_avail u16, used_idx u16
 *   MSI-X table and PBA (BAR1), backend state.
 * Little-endian; every field is read with a bounds check.
 */
#define VNET_MIG_MAGIC 0x54454e56u /* "VNET" */
#define VNET_MIG_VERSION 1
#define VNET_MIG_HEADER_SIZE 20
#define VNET_MIG_QUEUE_SIZE 33
#define VNET_MIG_DEVICE_SIZE 44
#define VNET_MIG_MAX (VNET_MIG_HEADER_SIZE + VNET_MIG_DEVICE_SIZE + \
		      VNET_MAX_QUEUES * VNET_MIG_QUEUE_SIZE + VNET_BAR1_SIZE + \
		      VNET_BACKEND_STATE_MAX)

struct mig_cursor {
	uint8_t *p;
	size_t len, pos;
	bool short_read;
};

static void mig_put(struct mig_cursor *c, const void *v, size_t n)
{
	if (n > c->len - c->pos) {
		c->short_read = true;
		return;
	}
	memcpy(c->p + c->pos, v, n);
	c->pos += n;
}

static void mig_get(struct mig_cursor *c, void *v, size_t n)
{
	if (c->short_read || n > c->len - c->pos) {
		c->short_read = true;
		memset(v, 0, n);
		return;
	}
	memcpy(v, c->p + c->pos, n);
	c->pos += n;
}

#define MIG_PUT(c, v) mig_put((c), &(v), sizeof(v))
#define MIG_GET(c, v) mig_get((c), &(v), sizeof(v))

static int mig_state_change(void *priv, enum vus_migration_state state)
{
	struct vnet_dev *dev = priv;

	dev->mig_running = vus_migration_state_is_running(state);
	return 0;
}

static ssize_t mig_save(void *priv, void *buf, size_t cap)
{
	struct vnet_dev *dev = priv;
	struct mig_cursor c = { .p = buf, .len = cap };
	uint8_t backend[VNET_BACKEND_STATE_MAX];
	uint32_t magic = VNET_MIG_MAGIC, total, backend_len = 0;
	uint16_t version = VNET_MIG_VERSION, hsize = VNET_MIG_HEADER_SIZE;
	uint16_t qsize = VNET_MIG_QUEUE_SIZE;

	if (dev->p.backend_save != NULL)
		backend_len = (uint32_t)EAL_MIN(dev->p.backend_save(dev->p.tx_arg, backend,
								      sizeof(backend)),
						sizeof(backend));
	total = VNET_MIG_HEADER_SIZE + VNET_MIG_DEVICE_SIZE +
		dev->num_queues * VNET_MIG_QUEUE_SIZE + VNET_BAR1_SIZE + backend_len;
	MIG_PUT(&c, magic);
	MIG_PUT(&c, version);
	MIG_PUT(&c, hsize);
	MIG_PUT(&c, total);
	MIG_PUT(&c, dev->num_queues);
	MIG_PUT(&c, qsize);
	MIG_PUT(&c, backend_len);
	mig_put(&c, dev->p.mac, 6);
	MIG_PUT(&c, dev->link_status);
	MIG_PUT(&c, dev->device_features);
	MIG_PUT(&c, dev->driver_features);
	MIG_PUT(&c, dev->dfselect);
	MIG_PUT(&c, dev->gfselect);
	MIG_PUT(&c, dev->msix_config);
	MIG_PUT(&c, dev->status);
	MIG_PUT(&c, dev->isr);
	MIG_PUT(&c, dev->queue_select);
	MIG_PUT(&c, dev->active_pairs);
	{
		uint32_t generation = dev->config_generation;

		MIG_PUT(&c, generation);
	}
	for (unsigned q = 0; q < dev->num_queues; q++) {
		const struct vnet_vq *vq = &dev->vq[q];
		uint8_t enabled = vq->enabled;

		MIG_PUT(&c, vq->size);
		MIG_PUT(&c, vq->msix_vector);
		MIG_PUT(&c, enabled);
		MIG_PUT(&c, vq->desc_iova);
		MIG_PUT(&c, vq->avail_iova);
		MIG_PUT(&c, vq->used_iova);
		MIG_PUT(&c, vq->last_avail);
		MIG_PUT(&c, vq->used_idx);
	}
	mig_put(&c, dev->msix, VNET_BAR1_SIZE);
	mig_put(&c, backend, backend_len);
	if (c.short_read || c.pos != total) {
		EAL_LOG(vnet_logtype, ERR, "%s: migration: %zu-byte buffer too small for the %u-byte state",
			dev->p.name, cap, total);
		return -EOVERFLOW;
	}
	EAL_LOG(vnet_logtype, INFO, "%s: migration: state saved (%u bytes, %u queues)",
		dev->p.name, total, dev->num_queues);
	return (ssize_t)total;
}

#define MIG_REFUSE(dev, ...) \
	do { \
		EAL_LOG(vnet_logtype, ERR, "migration stream refused by " __VA_ARGS__); \
		free(t); \
		return -EINVAL; \
	} while (0)

static int mig_load(void *priv, const void *buf, size_t len)
{
	struct vnet_dev *dev = priv;
	struct mig_cursor c = { .p = (uint8_t *)(uintptr_t)buf, .len = len };
	uint32_t magic, total, backend_len;
	uint16_t version, hsize, nq, qsize;
	const uint8_t *backend;
	struct vnet_dev *t = malloc(sizeof(*t)); /* parsed here, committed at the end */
	const char *name = dev->p.name;
	int rc;

	if (t == NULL)
		return -ENOMEM;
	*t = *dev;
	MIG_GET(&c, magic);
	MIG_GET(&c, version);
	MIG_GET(&c, hsize);
	MIG_GET(&c, total);
	MIG_GET(&c, nq);
	MIG_GET(&c, qsize);
	MIG_GET(&c, backend_len);
	if (c.short_read)
		MIG_REFUSE(dev, "%s: %zu bytes, shorter than its header", name, len);
	if (magic != VNET_MIG_MAGIC)
		MIG_REFUSE(dev, "%s: magic %#x is not a virtio-net model state (%#x)", name, magic,
			   VNET_MIG_MAGIC);
	if (version != VNET_MIG_VERSION || hsize != VNET_MIG_HEADER_SIZE ||
	    qsize != VNET_MIG_QUEUE_SIZE)
		MIG_REFUSE(dev, "%s: format version %u (header %u, queue %u bytes); this model reads version %u",
			   name, version, hsize, qsize, VNET_MIG_VERSION);
	if (nq != dev->num_queues)
		MIG_REFUSE(dev, "%s: the source had %u queues, this NIC has %u: start it with --queues %u",
			   name, nq, dev->num_queues, (nq - 1) / 2);
	if (backend_len > VNET_BACKEND_STATE_MAX ||
	    total != VNET_MIG_HEADER_SIZE + VNET_MIG_DEVICE_SIZE + nq * VNET_MIG_QUEUE_SIZE +
		     VNET_BAR1_SIZE + backend_len || total != len)
		MIG_REFUSE(dev, "%s: %zu bytes where the header announces %u (backend %u bytes): truncated or corrupt",
			   name, len, total, backend_len);
	mig_get(&c, t->p.mac, 6);
	MIG_GET(&c, t->link_status);
	MIG_GET(&c, t->device_features);
	MIG_GET(&c, t->driver_features);
	MIG_GET(&c, t->dfselect);
	MIG_GET(&c, t->gfselect);
	MIG_GET(&c, t->msix_config);
	MIG_GET(&c, t->status);
	MIG_GET(&c, t->isr);
	MIG_GET(&c, t->queue_select);
	MIG_GET(&c, t->active_pairs);
	{
		uint32_t generation = 0;

		MIG_GET(&c, generation);
		if (generation > UINT8_MAX)
			MIG_REFUSE(dev, "%s: config generation %u out of range", name, generation);
		t->config_generation = (uint8_t)generation;
	}
	if (t->device_features != dev->device_features ||
	    (t->driver_features & ~dev->device_features))
		MIG_REFUSE(dev, "%s: features %#llx/%#llx do not match this device's %#llx",
			   name, (unsigned long long)t->device_features,
			   (unsigned long long)t->driver_features,
			   (unsigned long long)dev->device_features);
	if (t->active_pairs < 1 || t->active_pairs > dev->p.queue_pairs ||
	    (t->msix_config != VIRTIO_NO_VECTOR && t->msix_config > dev->num_queues) ||
	    (t->link_status & ~VIRTIO_NET_S_LINK_UP))
		MIG_REFUSE(dev, "%s: device registers out of range (pairs %u, config vector %u, link %#x)",
			   name, t->active_pairs, t->msix_config, t->link_status);
	for (unsigned q = 0; q < nq; q++) {
		struct vnet_vq *vq = &t->vq[q];
		uint8_t enabled;

		MIG_GET(&c, vq->size);
		MIG_GET(&c, vq->msix_vector);
		MIG_GET(&c, enabled);
		MIG_GET(&c, vq->desc_iova);
		MIG_GET(&c, vq->avail_iova);
		MIG_GET(&c, vq->used_iova);
		MIG_GET(&c, vq->last_avail);
		MIG_GET(&c, vq->used_idx);
		if (vq->size < 1 || vq->size > VNET_QUEUE_SIZE_MAX || enabled > 1 ||
		    (vq->msix_vector != VIRTIO_NO_VECTOR && vq->msix_vector > dev->num_queues))
			MIG_REFUSE(dev, "%s: queue %u size %u, enable %u, vector %u out of range",
				   name, q, vq->size, enabled, vq->msix_vector);
		vq->enabled = enabled;
		/* Rings are translated again in this server's DMA mappings. */
		vq->ready = false;
		vq->desc = NULL;
		vq->avail = vq->used = NULL;
	}
	mig_get(&c, t->msix, VNET_BAR1_SIZE);
	backend = (const uint8_t *)buf + c.pos;
	if (c.short_read || c.pos + backend_len != len)
		MIG_REFUSE(dev, "%s: truncated at byte %zu of %zu", name, c.pos, len);
	if (dev->p.backend_load != NULL) {
		rc = dev->p.backend_load(dev->p.tx_arg, backend, backend_len);
		if (rc < 0) {
			EAL_LOG(vnet_logtype, ERR, "%s: migration stream refused: the packet backend's state: %s",
				name, strerror(-rc));
			free(t);
			return rc;
		}
	}
	t->mig_running = dev->mig_running;
	t->st = dev->st;
	memcpy(dev, t, offsetof(struct vnet_dev, frame));
	free(t);
	EAL_LOG(vnet_logtype, INFO, "%s: migration: state loaded (status %#x, %u queues)",
		name, dev->status, nq);
	return 0;
}

static const struct vus_migration_callbacks vnet_migration = {
	.state_change = mig_state_change,
	.save = mig_save,
	.load = mig_load,
	.max_state_size = VNET_MIG_MAX,
};

/* ---------- life cycle ---------- */

struct vnet_dev *vnet_dev_create(const struct vnet_params *p)
{
	struct vnet_dev *dev;

	if (p == NULL || p->tx == NULL || p->queue_pairs < 1 ||
	    p->queue_pairs > VNET_MAX_QUEUE_PAIRS) {
		EAL_LOG(vnet_logtype, ERR, "virtio-net: need a TX callback and 1..%d queue pairs",
			VNET_MAX_QUEUE_PAIRS);
		errno = EINVAL;
		return NULL;
	}
	dev = calloc(1, sizeof(*dev));
	if (dev == NULL)
		return NULL;
	dev->bar0_fd = memfd_create("vnet-bar0", MFD_CLOEXEC);
	if (dev->bar0_fd < 0 || ftruncate(dev->bar0_fd, VNET_BAR0_SIZE) < 0) {
		int err = errno;

		EAL_LOG(vnet_logtype, ERR, "virtio-net: cannot create the memory behind BAR0's notify area: %s",
			strerror(err));
		if (dev->bar0_fd >= 0)
			close(dev->bar0_fd);
		free(dev);
		errno = err;
		return NULL;
	}
	dev->p = *p;
	if (dev->p.name == NULL)
		dev->p.name = "virtio-net";
	dev->num_queues = (uint16_t)(2 * p->queue_pairs + 1);
	dev->device_features = (1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_F_ACCESS_PLATFORM) |
			       (1ull << VIRTIO_NET_F_MAC) | (1ull << VIRTIO_NET_F_STATUS) |
			       (1ull << VIRTIO_NET_F_CTRL_VQ) | (1ull << VIRTIO_NET_F_MQ);
	if (!p->no_csum)
		dev->device_features |= (1ull << VIRTIO_NET_F_CSUM) |
					(1ull << VIRTIO_NET_F_GUEST_CSUM);
	build_config(dev);
	device_reset(dev);
	dev->link_status = VIRTIO_NET_S_LINK_UP;
	dev->mig_running = true;

	dev->info.name = dev->p.name;
	dev->info.priv = dev;
	dev->info.is_pci = true;
	dev->info.has_reset = true;
	dev->info.config_space = dev->config;
	dev->info.config_wmask = dev->wmask;
	dev->info.config_size = sizeof(dev->config);
	/* Only the notify page is mmap()able: the other registers have side
	 * effects (status, queue enable, read-to-clear ISR) the model must see. */
	dev->info.regions[0] = (struct vus_region){
		.size = VNET_BAR0_SIZE,
		.flags = VUS_REGION_READ | VUS_REGION_WRITE | VUS_REGION_MMAP,
		.access = bar0_access, .mmap_fd = dev->bar0_fd, .mmap_offset = 0,
		.nr_sparse = 1, .sparse = { { .offset = VNET_NOTIFY_OFF, .size = 0x1000 } } };
	dev->info.regions[1] = (struct vus_region){
		.size = VNET_BAR1_SIZE, .flags = VUS_REGION_READ | VUS_REGION_WRITE,
		.access = bar1_access, .mmap_fd = -1 };
	dev->info.irq_count[VUS_PCI_INTX_IRQ] = 1;
	dev->info.irq_count[VUS_PCI_MSIX_IRQ] = (uint32_t)dev->num_queues + 1;
	dev->info.reset = reset_cb;
	dev->info.dma_unmap = dma_unmap_cb;
	dev->info.migration = &vnet_migration;
	return dev;
}

void vnet_dev_destroy(struct vnet_dev *dev)
{
	if (dev == NULL)
		return;
	close(dev->bar0_fd);
	free(dev);
}

const struct vus_device_info *vnet_dev_info(const struct vnet_dev *dev)
{
	return &dev->info;
}

void vnet_dev_attach(struct vnet_dev *dev, struct vus_server *srv)
{
	dev->srv = srv;
}

void vnet_dev_set_link(struct vnet_dev *dev, bool up)
{
	if (!!(dev->link_status & VIRTIO_NET_S_LINK_UP) == up)
		return;
	dev->link_status = up ? VIRTIO_NET_S_LINK_UP : 0;
	/* A configuration change (virtio 1.2, 4.1.4.3 and 4.1.4.5): a new
	 * generation, the ISR's config bit and the config vector. */
	dev->config_generation++;
	dev->isr |= 2;
	if (dev->msix_config != VIRTIO_NO_VECTOR && dev->srv != NULL)
		vus_irq_trigger(dev->srv, VUS_PCI_MSIX_IRQ, dev->msix_config);
	EAL_LOG(vnet_logtype, NOTICE, "%s: link %s", dev->p.name, up ? "up" : "down");
}

bool vnet_dev_link_up(const struct vnet_dev *dev)
{
	return dev->link_status & VIRTIO_NET_S_LINK_UP;
}

void vnet_dev_stats(const struct vnet_dev *dev, struct vnet_stats *st)
{
	*st = dev->st;
}
