/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * csum: DPDK testpmd's checksum engine, for TCP/UDP. Each received packet
 * is parsed (untagged Ethernet, IPv4 or IPv6 without extension headers,
 * UDP or TCP); what the rx checksum flags say is counted (good, bad, none
 * = intact but not computed, unknown); then its L4 checksum is redone for
 * transmit: by the tx port when it has the offload enabled (l2_len,
 * l3_len, MBUF_F_TX_*_CKSUM and the pseudo-header sum in the field, as
 * mbuf.h asks), in software otherwise. The packet then goes to the peer
 * port as in io mode. Other packets are forwarded unchanged.
 *
 * In this mode the ports are configured with every rx and tx L4 checksum
 * offload they have (ports.c).
 */
#include <string.h>

#include "fwd_loop.h"
#include "net_ip.h"
#include "net_tcp.h"
#include "net_udp.h"

/* L4 checksum request and pseudo-header or full checksum of one packet.
 * @return true when the packet was TCP/UDP and was prepared. */
static __eal_always_inline bool csum_prepare(struct mbuf *m, uint64_t tx_offloads, bool *hw)
{
	uint8_t *pkt = pktmbuf_mtod(m, uint8_t *);
	uint16_t len = m->data_len, l3_len, cksum_off;
	be16_t type;
	uint8_t proto;
	bool ipv4;
	uint16_t cksum;

	if (unlikely(len < ETHER_HDR_LEN + sizeof(struct ipv4_hdr)))
		return false;
	memcpy(&type, pkt + 12, sizeof(type));
	if (type == cpu_to_be_16(ETHER_TYPE_IPV4)) {
		const struct ipv4_hdr *ip = (const struct ipv4_hdr *)(pkt + ETHER_HDR_LEN);

		l3_len = (uint16_t)ipv4_hdr_len(ip);
		/* Fragments' checksums cover the datagram, not this packet. */
		if (l3_len < sizeof(*ip) || ETHER_HDR_LEN + (unsigned)l3_len > len ||
		    (be_to_cpu_16(ip->fragment_offset) & (IPV4_HDR_MF_FLAG | IPV4_HDR_OFFSET_MASK)) ||
		    ETHER_HDR_LEN + (unsigned)be_to_cpu_16(ip->total_length) > len)
			return false;
		proto = ip->next_proto_id;
		ipv4 = true;
	} else if (type == cpu_to_be_16(ETHER_TYPE_IPV6)) {
		const struct ipv6_hdr *ip = (const struct ipv6_hdr *)(pkt + ETHER_HDR_LEN);

		if (len < ETHER_HDR_LEN + sizeof(*ip) ||
		    ETHER_HDR_LEN + sizeof(*ip) + be_to_cpu_16(ip->payload_len) > len)
			return false;
		l3_len = sizeof(*ip);
		proto = ip->proto;
		ipv4 = false;
	} else {
		return false;
	}
	if (proto == IP_PROTO_UDP)
		cksum_off = offsetof(struct udp_hdr, dgram_cksum);
	else if (proto == IP_PROTO_TCP)
		cksum_off = offsetof(struct tcp_hdr, cksum);
	else
		return false;
	if (ETHER_HDR_LEN + (unsigned)l3_len + (proto == IP_PROTO_UDP ? 8u : 20u) > len)
		return false;
	{
		const void *l3 = pkt + ETHER_HDR_LEN;
		const void *l4 = pkt + ETHER_HDR_LEN + l3_len;
		uint64_t want = proto == IP_PROTO_UDP ? ETHDEV_TX_OFFLOAD_UDP_CKSUM
						      : ETHDEV_TX_OFFLOAD_TCP_CKSUM;

		*hw = (tx_offloads & want) != 0;
		if (*hw) {
			m->l2_len = ETHER_HDR_LEN;
			m->l3_len = l3_len;
			m->ol_flags = (ipv4 ? MBUF_F_TX_IPV4 : MBUF_F_TX_IPV6) |
				      (proto == IP_PROTO_UDP ? MBUF_F_TX_UDP_CKSUM
							     : MBUF_F_TX_TCP_CKSUM);
			cksum = ipv4 ? ipv4_phdr_cksum(l3) : ipv6_phdr_cksum(l3);
		} else {
			cksum = ipv4 ? ipv4_udptcp_cksum(l3, l4) : ipv6_udptcp_cksum(l3, l4);
		}
		memcpy(pkt + ETHER_HDR_LEN + l3_len + cksum_off, &cksum, sizeof(cksum));
	}
	return true;
}

static __eal_always_inline void csum_stream_fwd(struct fwd_stream *fs)
{
	struct mbuf *pkts[TESTPMD_MAX_BURST];
	uint16_t nb_rx = ethdev_rx_burst(fs->rx_port, fs->rx_queue, pkts, fs->burst);
	uint64_t rx_flags[4] = { 0 }, hw = 0, sw = 0;

	if (unlikely(nb_rx == 0))
		return;
	fwd_count(&fs->c.rx_packets, nb_rx);
	for (uint16_t i = 0; i < nb_rx; i++) {
		struct mbuf *m = pkts[i];
		uint64_t l4 = m->ol_flags & MBUF_F_RX_L4_CKSUM_MASK;
		bool offloaded;

		/* UNKNOWN 0, GOOD 1, BAD 2, NONE 3 (GOOD | BAD) */
		rx_flags[l4 / MBUF_F_RX_L4_CKSUM_GOOD]++;
		m->ol_flags = 0;
		if (csum_prepare(m, fs->tx_offloads, &offloaded)) {
			hw += offloaded;
			sw += !offloaded;
		}
	}
	fwd_count(&fs->c.rx_l4_cksum_unknown, rx_flags[0]);
	fwd_count(&fs->c.rx_l4_cksum_good, rx_flags[1]);
	fwd_count(&fs->c.rx_l4_cksum_bad, rx_flags[2]);
	fwd_count(&fs->c.rx_l4_cksum_none, rx_flags[3]);
	fwd_count(&fs->c.tx_l4_cksum_hw, hw);
	fwd_count(&fs->c.tx_l4_cksum_sw, sw);
	fwd_tx_and_drop_rest(fs, pkts, nb_rx);
}

static_assert(MBUF_F_RX_L4_CKSUM_NONE / MBUF_F_RX_L4_CKSUM_GOOD == 3 &&
	      MBUF_F_RX_L4_CKSUM_BAD / MBUF_F_RX_L4_CKSUM_GOOD == 2,
	      "the rx checksum states index a 4-entry table");

FWD_ENGINE_DEFINE(csum_engine, "csum", csum_stream_fwd, NULL, true);
