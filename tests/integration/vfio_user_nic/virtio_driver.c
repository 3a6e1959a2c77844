/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The integration tests' virtio-net driver (see virtio_driver.h). Registers
 * go through the device's region ops; rings live in a memfd the server maps.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "virtio_driver.h"
#include "virtio_net_dev.h"

#define MEM_IOVA 0x100000ull
#define MEM_SIZE (1u << 20)

/* Layout of guest memory: the rings, then the buffers. */
#define RXQ_DESC 0x0000
#define RXQ_AVAIL 0x1000
#define RXQ_USED 0x2000
#define TXQ_DESC 0x3000
#define TXQ_AVAIL 0x4000
#define TXQ_USED 0x5000
#define RX_BUFS 0x10000
#define TX_BUFS (RX_BUFS + VDRV_QSIZE * VDRV_BUF_SIZE)

#define VRING_DESC_F_WRITE 2

static int bar0_write(struct vdrv *d, uint64_t off, uint64_t v, size_t width)
{
	ssize_t rc = d->dev->ops->region_write(d->dev, VFIO_PCI_BAR0_REGION_INDEX, off, &v,
					       width, false);

	return rc == (ssize_t)width ? 0 : rc < 0 ? (int)rc : -EIO;
}

static int bar0_read(struct vdrv *d, uint64_t off, uint64_t *v, size_t width)
{
	ssize_t rc;

	*v = 0;
	rc = d->dev->ops->region_read(d->dev, VFIO_PCI_BAR0_REGION_INDEX, off, v, width);
	return rc == (ssize_t)width ? 0 : rc < 0 ? (int)rc : -EIO;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void put_desc(struct vdrv *d, uint64_t table, unsigned i, uint64_t addr, uint32_t len,
		     uint16_t flags)
{
	uint8_t *p = d->mem + table + 16 * i;

	memcpy(p, &addr, 8);
	memcpy(p + 8, &len, 4);
	memcpy(p + 12, &flags, 2);
	memset(p + 14, 0, 2);
}

/* Publish descriptor @p head in the avail ring at @p avail. */
static void avail_push(struct vdrv *d, uint64_t avail, uint16_t head)
{
	uint16_t *a = (uint16_t *)(void *)(d->mem + avail);
	uint16_t idx = __atomic_load_n(&a[1], __ATOMIC_RELAXED);

	a[2 + idx % VDRV_QSIZE] = head;
	__atomic_store_n(&a[1], (uint16_t)(idx + 1), __ATOMIC_RELEASE);
}

static uint16_t used_idx(struct vdrv *d, uint64_t used)
{
	return __atomic_load_n((uint16_t *)(void *)(d->mem + used + 2), __ATOMIC_ACQUIRE);
}

static int setup_queue(struct vdrv *d, uint16_t q, uint64_t desc, uint64_t avail, uint64_t used)
{
	uint64_t v;
	int rc = 0;

	rc |= bar0_write(d, VNET_CC_Q_SELECT, q, 2);
	rc |= bar0_write(d, VNET_CC_Q_SIZE, VDRV_QSIZE, 2);
	rc |= bar0_write(d, VNET_CC_Q_DESCLO, MEM_IOVA + desc, 8);
	rc |= bar0_write(d, VNET_CC_Q_AVAILLO, MEM_IOVA + avail, 8);
	rc |= bar0_write(d, VNET_CC_Q_USEDLO, MEM_IOVA + used, 8);
	rc |= bar0_write(d, VNET_CC_Q_MSIX, VIRTIO_NO_VECTOR, 2);
	rc |= bar0_write(d, VNET_CC_Q_ENABLE, 1, 2);
	if (rc != 0)
		return -EIO;
	rc = bar0_read(d, VNET_CC_Q_ENABLE, &v, 2);
	return rc < 0 ? rc : v == 1 ? 0 : -EIO;
}

static int device_init(struct vdrv *d)
{
	uint16_t cmd = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	uint64_t lo, hi, status;
	int rc;

	if (d->dev->ops->region_write(d->dev, VFIO_PCI_CONFIG_REGION_INDEX, 4, &cmd, 2, false) != 2)
		return -EIO;
	if ((rc = bar0_write(d, VNET_CC_STATUS, 0, 1)) < 0 ||
	    (rc = bar0_write(d, VNET_CC_STATUS,
			     VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER, 1)) < 0 ||
	    (rc = bar0_write(d, VNET_CC_DFSELECT, 0, 4)) < 0 ||
	    (rc = bar0_read(d, VNET_CC_DF, &lo, 4)) < 0 ||
	    (rc = bar0_write(d, VNET_CC_DFSELECT, 1, 4)) < 0 ||
	    (rc = bar0_read(d, VNET_CC_DF, &hi, 4)) < 0)
		return rc;
	/* Take VERSION_1 and ACCESS_PLATFORM only: one queue pair, no control
	 * queue, no MAC negotiation needed. */
	hi &= (1u << (VIRTIO_F_VERSION_1 - 32)) | (1u << (VIRTIO_F_ACCESS_PLATFORM - 32));
	if ((rc = bar0_write(d, VNET_CC_GFSELECT, 0, 4)) < 0 ||
	    (rc = bar0_write(d, VNET_CC_GF, 0, 4)) < 0 ||
	    (rc = bar0_write(d, VNET_CC_GFSELECT, 1, 4)) < 0 ||
	    (rc = bar0_write(d, VNET_CC_GF, hi, 4)) < 0 ||
	    (rc = bar0_write(d, VNET_CC_STATUS, 0x0b, 1)) < 0 ||
	    (rc = bar0_read(d, VNET_CC_STATUS, &status, 1)) < 0)
		return rc;
	if (!(status & VIRTIO_STATUS_FEATURES_OK)) {
		fprintf(stderr, "virtio driver: the device refused features 0x%llx00000000\n",
			(unsigned long long)hi);
		return -EPROTO;
	}
	if ((rc = setup_queue(d, 0, RXQ_DESC, RXQ_AVAIL, RXQ_USED)) < 0 ||
	    (rc = setup_queue(d, 1, TXQ_DESC, TXQ_AVAIL, TXQ_USED)) < 0)
		return rc;
	for (uint16_t i = 0; i < VDRV_QSIZE; i++) {
		put_desc(d, RXQ_DESC, i, MEM_IOVA + RX_BUFS + (uint64_t)i * VDRV_BUF_SIZE,
			 VDRV_BUF_SIZE, VRING_DESC_F_WRITE);
		avail_push(d, RXQ_AVAIL, i);
	}
	return bar0_write(d, VNET_CC_STATUS, 0x0f, 1);
}

int vdrv_open(struct vdrv *d, const char *sock)
{
	int rc;

	memset(d, 0, sizeof(*d));
	d->memfd = -1;
	d->cont.ops = vfio_container_ops_get(EAL_VFIO_USER);
	d->cont.mode = EAL_VFIO_USER;
	if (d->cont.ops == NULL)
		return -ENOTSUP;
	d->memfd = memfd_create("vdrv", MFD_CLOEXEC);
	if (d->memfd < 0 || ftruncate(d->memfd, MEM_SIZE) < 0)
		return -errno;
	d->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, d->memfd, 0);
	if (d->mem == MAP_FAILED) {
		d->mem = NULL;
		return -errno;
	}
	rc = d->cont.ops->open(&d->cont, sock);
	if (rc < 0)
		return rc;
	rc = d->cont.ops->device_attach(&d->cont, "", &d->dev);
	if (rc < 0)
		return rc;
	rc = d->cont.ops->dma_map(&d->cont, MEM_IOVA, d->mem, MEM_SIZE, d->memfd, 0,
				  VFIO_DMA_READ | VFIO_DMA_WRITE);
	if (rc < 0)
		return rc;
	return device_init(d);
}

int vdrv_rx(struct vdrv *d, uint8_t *frame, unsigned timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;
	uint32_t id, len;
	const uint8_t *elem;

	while (used_idx(d, RXQ_USED) == d->rx_used_seen) {
		if (now_ms() > end)
			return -ETIMEDOUT;
		usleep(500);
	}
	elem = d->mem + RXQ_USED + 4 + 8 * (d->rx_used_seen % VDRV_QSIZE);
	memcpy(&id, elem, 4);
	memcpy(&len, elem + 4, 4);
	d->rx_used_seen++;
	if (id >= VDRV_QSIZE || len < VNET_HDR_LEN || len > VDRV_BUF_SIZE)
		return -EPROTO;
	len -= VNET_HDR_LEN;
	memcpy(frame, d->mem + RX_BUFS + (size_t)id * VDRV_BUF_SIZE + VNET_HDR_LEN, len);
	avail_push(d, RXQ_AVAIL, (uint16_t)id);
	return (int)len;
}

int vdrv_tx_post(struct vdrv *d, const uint8_t *frame, size_t len)
{
	uint16_t slot = d->tx_avail_idx % VDRV_QSIZE;
	uint8_t *buf = d->mem + TX_BUFS + (size_t)slot * VDRV_BUF_SIZE;

	if (len + VNET_HDR_LEN > VDRV_BUF_SIZE)
		return -EMSGSIZE;
	if ((uint16_t)(d->tx_avail_idx - used_idx(d, TXQ_USED)) >= VDRV_QSIZE)
		return -ENOSPC;
	memset(buf, 0, VNET_HDR_LEN);
	memcpy(buf + VNET_HDR_LEN, frame, len);
	put_desc(d, TXQ_DESC, slot, MEM_IOVA + TX_BUFS + (uint64_t)slot * VDRV_BUF_SIZE,
		 (uint32_t)(len + VNET_HDR_LEN), 0);
	avail_push(d, TXQ_AVAIL, slot);
	d->tx_avail_idx++;
	return 0;
}

unsigned vdrv_tx_in_flight(struct vdrv *d)
{
	return (uint16_t)(d->tx_avail_idx - used_idx(d, TXQ_USED));
}

unsigned vdrv_rx_pending(struct vdrv *d)
{
	return (uint16_t)(used_idx(d, RXQ_USED) - d->rx_used_seen);
}

int vdrv_tx_wait(struct vdrv *d, unsigned timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;

	while (used_idx(d, TXQ_USED) != d->tx_avail_idx) {
		if (now_ms() > end)
			return -ETIMEDOUT;
		usleep(500);
	}
	return 0;
}

int vdrv_tx(struct vdrv *d, const uint8_t *frame, size_t len, unsigned timeout_ms)
{
	int rc = vdrv_tx_post(d, frame, len);

	return rc < 0 ? rc : vdrv_tx_wait(d, timeout_ms);
}

int vdrv_attach_same_memory(struct vdrv *to, const struct vdrv *from, const char *sock)
{
	int rc;

	memset(to, 0, sizeof(*to));
	to->memfd = -1;
	to->cont.ops = vfio_container_ops_get(EAL_VFIO_USER);
	to->cont.mode = EAL_VFIO_USER;
	if (to->cont.ops == NULL)
		return -ENOTSUP;
	rc = to->cont.ops->open(&to->cont, sock);
	if (rc < 0)
		return rc;
	rc = to->cont.ops->device_attach(&to->cont, "", &to->dev);
	if (rc < 0)
		return rc;
	return to->cont.ops->dma_map(&to->cont, MEM_IOVA, from->mem, MEM_SIZE, from->memfd, 0,
				     VFIO_DMA_READ | VFIO_DMA_WRITE);
}

void vdrv_take_over(struct vdrv *to, struct vdrv *from)
{
	/* The source device is left as migration left it (stopped): its
	 * server resets it when the connection goes. */
	if (from->dev != NULL)
		from->cont.ops->device_detach(&from->cont, from->dev);
	from->dev = NULL;
	if (from->cont.priv != NULL)
		from->cont.ops->release(&from->cont);
	from->cont.priv = NULL;
	to->mem = from->mem;
	to->memfd = from->memfd;
	to->rx_used_seen = from->rx_used_seen;
	to->tx_avail_idx = from->tx_avail_idx;
	from->mem = NULL;
	from->memfd = -1;
}

void vdrv_close(struct vdrv *d)
{
	if (d->dev != NULL) {
		bar0_write(d, VNET_CC_STATUS, 0, 1);
		d->cont.ops->device_detach(&d->cont, d->dev);
		d->dev = NULL;
	}
	if (d->cont.priv != NULL)
		d->cont.ops->release(&d->cont);
	if (d->mem != NULL)
		munmap(d->mem, MEM_SIZE);
	if (d->memfd >= 0)
		close(d->memfd);
	d->mem = NULL;
	d->memfd = -1;
}
