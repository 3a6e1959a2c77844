/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Emulated virtio-net modern PCI NIC (1af4:1041) served over vfio-user.
 *
 * BAR0 (16 KiB, memory): common cfg at 0x0000, ISR at 0x1000, device cfg
 * at 0x2000, notify at 0x3000 (multiplier 4). BAR1 (4 KiB): MSI-X table at
 * 0, PBA at 0x800. Split virtqueues: rx = 2k, tx = 2k + 1, control last.
 *
 * The model is a poll-mode device: vnet_dev_poll() walks the rings of the
 * driver's memory directly (no notification needed, though REGION_WRITEs
 * to the notify area are accepted), so it runs from the same loop as the
 * server and needs no lock.
 *
 * Migration (vus_device_info::migration): the model saves its register
 * file, every queue's configuration and ring indexes, the MSI-X table, MAC
 * and link status, and the packet backend's own state (vnet_params
 * backend_save/backend_load), in a versioned stream with a magic and
 * lengths that load checks field by field. The server adds the PCI config
 * space. A fresh server accepts RESUMING: no option is needed to receive.
 * Outside RUNNING the model touches no client memory: vnet_dev_running()
 * is false, which stops the poll loop, the RX path and the generator.
 */
#ifndef UPDK_VIRTIO_NET_DEV_H
#define UPDK_VIRTIO_NET_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vfio_user_server.h"

#define VNET_MAX_QUEUE_PAIRS 8
#define VNET_MAX_QUEUES (2 * VNET_MAX_QUEUE_PAIRS + 1)
#define VNET_QUEUE_SIZE_MAX 256
#define VNET_HDR_LEN 12          /* virtio_net_hdr with num_buffers (VERSION_1) */
#define VNET_MAX_FRAME 9216

/* Feature bits. */
#define VIRTIO_NET_F_CSUM 0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_STATUS 16
#define VIRTIO_NET_F_CTRL_VQ 17
#define VIRTIO_NET_F_MQ 22
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_ACCESS_PLATFORM 33

/* device_status bits. */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED 0x80

/* BAR0 layout. */
#define VNET_COMMON_OFF 0x0000
#define VNET_ISR_OFF 0x1000
#define VNET_DEVCFG_OFF 0x2000
#define VNET_NOTIFY_OFF 0x3000
#define VNET_NOTIFY_MULT 4
#define VNET_BAR0_SIZE 0x4000
#define VNET_BAR1_SIZE 0x1000
#define VNET_MSIX_PBA_OFF 0x800

/* Common cfg register offsets (virtio 1.2, 4.1.4.3). */
#define VNET_CC_DFSELECT 0
#define VNET_CC_DF 4
#define VNET_CC_GFSELECT 8
#define VNET_CC_GF 12
#define VNET_CC_MSIX 16
#define VNET_CC_NUMQ 18
#define VNET_CC_STATUS 20
#define VNET_CC_CFGGEN 21
#define VNET_CC_Q_SELECT 22
#define VNET_CC_Q_SIZE 24
#define VNET_CC_Q_MSIX 26
#define VNET_CC_Q_ENABLE 28
#define VNET_CC_Q_NOFF 30
#define VNET_CC_Q_DESCLO 32
#define VNET_CC_Q_AVAILLO 40
#define VNET_CC_Q_USEDLO 48
#define VNET_CC_SIZE 56

#define VIRTIO_NO_VECTOR 0xffff

struct vnet_dev;

/* Where transmitted frames go: called once per frame (frame without hdr).
 * @p frame may point into the driver's memory, valid only during the call
 * (the descriptor returns to the driver afterwards): copy what is kept. */
typedef void (*vnet_tx_fn)(void *arg, const uint8_t *frame, size_t len);

/* Most bytes of backend state a migration stream carries. */
#define VNET_BACKEND_STATE_MAX 4096

struct vnet_params {
	const char *name;
	uint8_t mac[6];
	unsigned queue_pairs;      /* 1..VNET_MAX_QUEUE_PAIRS */
	/* Do not offer VIRTIO_NET_F_CSUM and VIRTIO_NET_F_GUEST_CSUM (offered
	 * by default, as QEMU's virtio-net-pci does). With CSUM the model
	 * completes partial checksums before @p tx sees a frame; with
	 * GUEST_CSUM it checks each received frame's TCP/UDP checksum and
	 * sets DATA_VALID when it is right. */
	bool no_csum;
	vnet_tx_fn tx;
	void *tx_arg;
	/* Packet backend state that migrates with the device (both NULL:
	 * none). save writes at most @p cap (VNET_BACKEND_STATE_MAX) bytes
	 * and returns how many; load checks what it gets and returns 0 or a
	 * negative errno (the migration is then refused). arg is tx_arg. */
	size_t (*backend_save)(void *arg, uint8_t *buf, size_t cap);
	int (*backend_load)(void *arg, const uint8_t *buf, size_t len);
};

struct vnet_stats {
	uint64_t rx_packets, rx_bytes, rx_dropped;  /* into the driver */
	uint64_t tx_packets, tx_bytes, tx_errors;   /* from the driver */
	uint64_t tx_csum_completed;  /* NEEDS_CSUM frames finished (VIRTIO_NET_F_CSUM) */
	uint64_t rx_csum_valid;      /* frames given DATA_VALID (VIRTIO_NET_F_GUEST_CSUM) */
	uint64_t kicks, interrupts;
	uint64_t rx_queue_packets[VNET_MAX_QUEUE_PAIRS]; /* per RX queue (flow steering) */
};

/* Create the model (not yet served). @return NULL with errno. */
struct vnet_dev *vnet_dev_create(const struct vnet_params *p);
void vnet_dev_destroy(struct vnet_dev *dev);

/* The description to give vus_server_create(). */
const struct vus_device_info *vnet_dev_info(const struct vnet_dev *dev);

/* Tell the model which server serves it (for DMA and interrupts). */
void vnet_dev_attach(struct vnet_dev *dev, struct vus_server *srv);

/* Process the TX and control queues. @return frames transmitted. */
unsigned vnet_dev_poll(struct vnet_dev *dev);

/*
 * Put @p n frames into the driver's RX buffers (one notification at the
 * end). @return frames delivered; the rest had no buffer and were dropped.
 */
unsigned vnet_dev_rx_burst(struct vnet_dev *dev, const uint8_t *const *frames,
			   const uint16_t *lens, unsigned n);

/*
 * As vnet_dev_rx_burst(), for a source that can wait (the generator): stops
 * at the first frame whose RX queue (the one its flow hashes to) has no
 * buffer, leaving it and the rest to the caller. Nothing is taken while the
 * driver is not running or the link is down. @return frames taken (a
 * frame too big for its buffer is taken and counted dropped).
 */
unsigned vnet_dev_rx_offer(struct vnet_dev *dev, const uint8_t *const *frames,
			   const uint16_t *lens, unsigned n);

/* True when the driver set DRIVER_OK and bus mastering: frames can move. */
bool vnet_dev_running(const struct vnet_dev *dev);

/* RX buffers the driver has posted on the active RX queues right now. */
unsigned vnet_dev_rx_space(struct vnet_dev *dev);

void vnet_dev_stats(const struct vnet_dev *dev, struct vnet_stats *st);

/*
 * Set the link state the driver reads in the device configuration
 * (VIRTIO_NET_S_LINK_UP, with VIRTIO_NET_F_STATUS), and signal a
 * configuration change. While the link is down, frames offered to
 * vnet_dev_rx_burst() are dropped (counted rx_dropped). Up at creation.
 */
void vnet_dev_set_link(struct vnet_dev *dev, bool up);
bool vnet_dev_link_up(const struct vnet_dev *dev);

#endif /* UPDK_VIRTIO_NET_DEV_H */
