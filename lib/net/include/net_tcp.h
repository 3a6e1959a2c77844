/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * TCP header. Checksums: ipv4_udptcp_cksum() / ipv6_udptcp_cksum() in net_ip.h.
 */
#ifndef UPDK_NET_TCP_H
#define UPDK_NET_TCP_H

#include <assert.h>
#include <stddef.h>
#include "net_byteorder.h"

#define TCP_FIN_FLAG 0x01
#define TCP_SYN_FLAG 0x02
#define TCP_RST_FLAG 0x04
#define TCP_PSH_FLAG 0x08
#define TCP_ACK_FLAG 0x10
#define TCP_URG_FLAG 0x20

/** TCP header without options; fields in network order. */
struct tcp_hdr {
	be16_t src_port;
	be16_t dst_port;
	be32_t sent_seq;
	be32_t recv_ack;
	uint8_t data_off;   /**< header length in words in the upper 4 bits */
	uint8_t tcp_flags;  /**< TCP_*_FLAG */
	be16_t rx_win;
	uint16_t cksum;
	be16_t tcp_urp;
} __attribute__((__packed__, aligned(2)));

static_assert(sizeof(struct tcp_hdr) == 20, "tcp_hdr is 20 bytes");
static_assert(offsetof(struct tcp_hdr, cksum) == 16, "TCP checksum at byte 16");

#endif /* UPDK_NET_TCP_H */
