/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Generator frames: 60-byte Ethernet/IPv4/UDP (64 on the wire with the
 * FCS) whose 18-byte payload is a magic, a 64-bit sequence number, filler
 * derived from it and a checksum over the rest, so a sink can tell loss,
 * reordering and corruption apart.
 */
#ifndef UPDK_VNIC_GENFRAME_H
#define UPDK_VNIC_GENFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "net_ether.h"
#include "net_ip.h"
#include "net_udp.h"

#define GENFRAME_LEN 60
#define GENFRAME_PAYLOAD_OFF (ETHER_HDR_LEN + 20 + 8)
#define GENFRAME_MAGIC 0x4755  /* "UG" little-endian */

/* UDP source port of flow 0; flow k uses GENFRAME_FLOW_PORT + k. */
#define GENFRAME_FLOW_PORT 1024
#define GENFRAME_MAX_FLOWS 256

/* Payload: magic u16, seq u64, filler 6 bytes, cksum u16 (over bytes 0..15).
 * @p flow (< GENFRAME_MAX_FLOWS) sets the UDP source port. */
static inline void genframe_build_flow(uint8_t *f, const uint8_t src_mac[6], uint64_t seq,
				       unsigned flow)
{
	struct eth_hdr *eth = (struct eth_hdr *)(void *)f;
	struct ipv4_hdr *ip = (struct ipv4_hdr *)(void *)(f + ETHER_HDR_LEN);
	struct udp_hdr *udp = (struct udp_hdr *)(void *)(f + ETHER_HDR_LEN + 20);
	uint8_t *pl = f + GENFRAME_PAYLOAD_OFF;
	uint16_t magic = GENFRAME_MAGIC, ck;

	memset(f, 0, GENFRAME_LEN);
	memset(eth->dst_addr.addr_bytes, 0xff, 6);
	memcpy(eth->src_addr.addr_bytes, src_mac, 6);
	eth->ether_type = cpu_to_be_16(ETHER_TYPE_IPV4);
	ip->version_ihl = 0x45;
	ip->total_length = cpu_to_be_16(GENFRAME_LEN - ETHER_HDR_LEN);
	ip->time_to_live = 64;
	ip->next_proto_id = 17;
	ip->src_addr = cpu_to_be_32(0x0a000001);
	ip->dst_addr = cpu_to_be_32(0x0a000002);
	ip->hdr_checksum = ipv4_cksum(ip);
	udp->src_port = cpu_to_be_16((uint16_t)(GENFRAME_FLOW_PORT + flow));
	udp->dst_port = cpu_to_be_16(9);
	udp->dgram_len = cpu_to_be_16(GENFRAME_LEN - ETHER_HDR_LEN - 20);
	memcpy(pl, &magic, 2);
	memcpy(pl + 2, &seq, 8);
	for (unsigned i = 0; i < 6; i++)
		pl[10 + i] = (uint8_t)(seq >> (8 * i)) ^ 0x5a;
	ck = (uint16_t)~net_raw_cksum(pl, 16);
	memcpy(pl + 16, &ck, 2);
}

static inline void genframe_build(uint8_t *f, const uint8_t src_mac[6], uint64_t seq)
{
	genframe_build_flow(f, src_mac, seq, 0);
}

/* The flow of generator frame @p f (its UDP source port - GENFRAME_FLOW_PORT). */
static inline unsigned genframe_flow(const uint8_t *f)
{
	const struct udp_hdr *udp = (const struct udp_hdr *)(const void *)(f + ETHER_HDR_LEN + 20);

	return (uint16_t)(be_to_cpu_16(udp->src_port) - GENFRAME_FLOW_PORT);
}

/* @return true when @p f is an intact generator frame; its sequence in *seq. */
static inline bool genframe_check(const uint8_t *f, size_t len, uint64_t *seq)
{
	const uint8_t *pl = f + GENFRAME_PAYLOAD_OFF;
	uint16_t magic, ck;

	if (len < GENFRAME_LEN)
		return false;
	memcpy(&magic, pl, 2);
	memcpy(&ck, pl + 16, 2);
	uint16_t want = (uint16_t)~net_raw_cksum(pl, 16);

	if (magic != GENFRAME_MAGIC || want != ck)
		return false;
	memcpy(seq, pl + 2, 8);
	return true;
}

#endif /* UPDK_VNIC_GENFRAME_H */
