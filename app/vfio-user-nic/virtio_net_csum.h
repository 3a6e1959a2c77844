/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The device side of virtio-net's checksum offloads (virtio 1.2):
 * completing a partial checksum the driver left with
 * VIRTIO_NET_HDR_F_NEEDS_CSUM (VIRTIO_NET_F_CSUM, 5.1.6.2) and checking
 * a frame's TCP/UDP checksum before telling the driver
 * VIRTIO_NET_HDR_F_DATA_VALID (VIRTIO_NET_F_GUEST_CSUM, 5.1.6.4). Also used
 * by the sink to verify what drivers send.
 */
#ifndef UPDK_VIRTIO_NET_CSUM_H
#define UPDK_VIRTIO_NET_CSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* virtio_net_hdr.flags (5.1.6). */
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1
#define VIRTIO_NET_HDR_F_DATA_VALID 2
/* Offsets of virtio_net_hdr fields. */
#define VNET_HDR_FLAGS_OFF 0
#define VNET_HDR_CSUM_START_OFF 6
#define VNET_HDR_CSUM_OFFSET_OFF 8

/*
 * Complete the checksum of @p frame (@p len bytes, no virtio header) as
 * 5.1.6.2 describes: the one's complement sum of the bytes from
 * @p csum_start to the end, checksum field (which holds the pseudo-header
 * sum) included, complemented, stored at csum_start + csum_offset.
 * @return 0, or -EINVAL when the field does not lie inside the frame (the
 *         frame is left as it was).
 */
int vnet_csum_complete(uint8_t *frame, size_t len, uint16_t csum_start, uint16_t csum_offset);

/* What a frame's TCP/UDP checksum says. */
enum vnet_l4_csum {
	VNET_L4_CSUM_NONE,  /* not IPv4/IPv6 TCP/UDP, a fragment, or truncated */
	VNET_L4_CSUM_GOOD,  /* correct, or UDP over IPv4 sent without one (0) */
	VNET_L4_CSUM_BAD,
};

/* Check the TCP/UDP checksum of the Ethernet frame @p frame (untagged
 * IPv4, or IPv6 without extension headers). Every length in the headers
 * is checked against @p len. */
enum vnet_l4_csum vnet_l4_csum_check(const uint8_t *frame, size_t len);

/* True when @p frame is UDP over IPv4 with a checksum field of 0 (none). */
bool vnet_l4_csum_absent(const uint8_t *frame, size_t len);

#endif /* UPDK_VIRTIO_NET_CSUM_H */
