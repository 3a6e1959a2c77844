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

/* Post one frame for transmission without waiting. @return 0, -ENOSPC
 * (every TX descriptor in flight) or -EMSGSIZE. */
int vdrv_tx_post(struct vdrv *d, const uint8_t *frame, size_t len);

/* Wait up to @p timeout_ms until the device consumed every posted frame. */
int vdrv_tx_wait(struct vdrv *d, unsigned timeout_ms);

/* TX frames posted and not yet consumed; RX frames the device delivered
 * that vdrv_rx() has not taken yet. */
unsigned vdrv_tx_in_flight(struct vdrv *d);
unsigned vdrv_rx_pending(struct vdrv *d);

/*
 * Migration: connect @p to to the server at @p sock and map into it the
 * guest memory of @p from (the rings and buffers stay where they are).
 * @p to's device is not initialised: it is to receive @p from's state.
 * @return 0 or a negative errno.
 */
int vdrv_attach_same_memory(struct vdrv *to, const struct vdrv *from, const char *sock);

/* Migration done: detach @p from's device (no reset written) and hand its
 * memory and ring positions to @p to. */
void vdrv_take_over(struct vdrv *to, struct vdrv *from);

/* Reset the device and disconnect. */
void vdrv_close(struct vdrv *d);

#endif /* TEST_VIRTIO_DRIVER_H */
