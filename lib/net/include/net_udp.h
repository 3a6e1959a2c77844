/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * UDP header. Checksums: ipv4_udptcp_cksum() / ipv6_udptcp_cksum() in net_ip.h.
 */
#ifndef UPDK_NET_UDP_H
#define UPDK_NET_UDP_H

#include <assert.h>
#include <stddef.h>
#include "net_byteorder.h"

/** UDP header; fields in network order. */
struct udp_hdr {
	be16_t src_port;
	be16_t dst_port;
	be16_t dgram_len;    /**< header + payload bytes */
	uint16_t dgram_cksum; /**< 0 = none (IPv4 only) */
} __attribute__((__packed__, aligned(2)));

static_assert(sizeof(struct udp_hdr) == 8, "udp_hdr is 8 bytes");
static_assert(offsetof(struct udp_hdr, dgram_cksum) == 6, "UDP checksum at byte 6");

#endif /* UPDK_NET_UDP_H */
