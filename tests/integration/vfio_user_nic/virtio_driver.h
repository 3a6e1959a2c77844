/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A minimal virtio-net driver for the integration tests: it reaches a
 * vfio-user-nic server through the "user" container backend (as any updk
 * driver would), shares one memfd as guest memory, and runs one RX and one
 * TX split queue by polling the used rings. Just enough to push frames
 * through the server's packet backends and see what comes back.
 */
#ifndef TEST_VIRTIO_DRIVER_H
#define TEST_VIRTIO_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "vfio_cont.h"

#define VDRV_QSIZE 16
#define VDRV_BUF_SIZE 2048

struct vdrv {
	struct vfio_container cont;
	struct vfio_device *dev;
	uint8_t *mem;        /* guest memory, shared with the server by fd */
	int memfd;
	uint16_t rx_used_seen, tx_avail_idx;
};

/* Connect to @p sock, map memory, bring the device to DRIVER_OK with every
 * RX buffer posted. @return 0 or a negative errno (logged). */
int vdrv_open(struct vdrv *d, const char *sock);

/* Wait up to @p timeout_ms for the next received frame; copy it (without
 * the virtio-net header) to @p frame (VDRV_BUF_SIZE bytes) and repost its
 * buffer. @return the frame length, or -ETIMEDOUT / another negative errno. */
int vdrv_rx(struct vdrv *d, uint8_t *frame, unsigned timeout_ms);

/* Transmit @p len bytes and wait up to @p timeout_ms for the device to
 * consume them. @return 0 or a negative errno. */
int vdrv_tx(struct vdrv *d, const uint8_t *frame, size_t len, unsigned timeout_ms);

/* Reset the device and disconnect. */
void vdrv_close(struct vdrv *d);

#endif /* TEST_VIRTIO_DRIVER_H */
