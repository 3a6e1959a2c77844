/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet generation: txonly sends UDP/IPv4 packets of --txpkts bytes built
 * from a per-stream template; flowgen does the same but rotates the source
 * address and UDP port over --flowgen-flows flows, and frees whatever it
 * receives. --tx-first uses the same burst to prime the other engines.
 */
#include <string.h>

#include "fwd_loop.h"
#include "net_ip.h"
#include "net_udp.h"

/* RFC 2544 benchmarking addresses. */
#define TXGEN_SRC_IP IPV4_ADDR(198, 18, 0, 1)
#define TXGEN_DST_IP IPV4_ADDR(198, 18, 0, 2)
#define TXGEN_SRC_PORT 9   /* discard */
#define TXGEN_DST_PORT 9
#define TXGEN_FLOW_PORT_BASE 1024

#define TXGEN_IP_OFF ETHER_HDR_LEN
#define TXGEN_UDP_OFF (ETHER_HDR_LEN + sizeof(struct ipv4_hdr))

static_assert(TXGEN_UDP_OFF + sizeof(struct udp_hdr) == TXGEN_HDR_LEN,
	      "template is Ethernet + IPv4 + UDP");

/* Builds the headers every packet of the stream starts with. */
static void txgen_stream_init(struct fwd_stream *fs)
{
	struct eth_hdr eth = fs->eth;
	struct ipv4_hdr ip = {
		.version_ihl = IPV4_VHL_DEF,
		.total_length = cpu_to_be_16((uint16_t)(fs->tx_pkt_len - ETHER_HDR_LEN)),
		.time_to_live = IPV4_DEFAULT_TTL,
		.next_proto_id = IP_PROTO_UDP,
		.src_addr = cpu_to_be_32(TXGEN_SRC_IP),
		.dst_addr = cpu_to_be_32(TXGEN_DST_IP),
	};
	struct udp_hdr udp = {
		.src_port = cpu_to_be_16(TXGEN_SRC_PORT),
		.dst_port = cpu_to_be_16(TXGEN_DST_PORT),
		.dgram_len = cpu_to_be_16((uint16_t)(fs->tx_pkt_len - TXGEN_IP_OFF -
						     sizeof(struct ipv4_hdr))),
		.dgram_cksum = 0, /* optional in IPv4 */
	};
	struct ipv4_hdr no_src;

	eth.ether_type = cpu_to_be_16(ETHER_TYPE_IPV4);
	ip.hdr_checksum = ipv4_cksum(&ip);
	memset(fs->pkt_template, 0, sizeof(fs->pkt_template));
	memcpy(fs->pkt_template, &eth, sizeof(eth));
	memcpy(fs->pkt_template + TXGEN_IP_OFF, &ip, sizeof(ip));
	memcpy(fs->pkt_template + TXGEN_UDP_OFF, &udp, sizeof(udp));

	/* flowgen rewrites the source address per packet: keep the sum of
	 * the other header words so the checksum costs two adds. */
	no_src = ip;
	no_src.hdr_checksum = 0;
	no_src.src_addr = 0;
	fs->ip_sum_base = net_cksum_add(&no_src, sizeof(no_src), 0);
	fs->next_flow = 0;
}

static __eal_always_inline void txgen_set_flow(struct fwd_stream *fs, uint8_t *pkt)
{
	uint32_t flow = fs->next_flow;
	be32_t src = cpu_to_be_32(TXGEN_SRC_IP + flow);
	be16_t sport = cpu_to_be_16((uint16_t)(TXGEN_FLOW_PORT_BASE + flow));
	uint16_t cksum = (uint16_t)~net_cksum_fold(fs->ip_sum_base + (src & 0xffff) +
						   (src >> 16));

	memcpy(pkt + TXGEN_IP_OFF + offsetof(struct ipv4_hdr, src_addr), &src, sizeof(src));
	memcpy(pkt + TXGEN_IP_OFF + offsetof(struct ipv4_hdr, hdr_checksum), &cksum,
	       sizeof(cksum));
	memcpy(pkt + TXGEN_UDP_OFF + offsetof(struct udp_hdr, src_port), &sport,
	       sizeof(sport));
	fs->next_flow = (flow + 1 == fs->nb_flows) ? 0 : flow + 1;
}

static __eal_always_inline uint16_t txgen_burst_inline(struct fwd_stream *fs,
						       bool vary_flows)
{
	struct mbuf *pkts[TESTPMD_MAX_BURST];
	const uint16_t nb = fs->burst;
	const uint16_t len = fs->tx_pkt_len;

	if (unlikely(pktmbuf_alloc_bulk(fs->pool, pkts, nb) != 0)) {
		fwd_count(&fs->c.alloc_failed, 1);
		return 0;
	}
	for (uint16_t i = 0; i < nb; i++) {
		struct mbuf *m = pkts[i];
		uint8_t *pkt = pktmbuf_mtod(m, uint8_t *);

		m->data_len = len;
		m->pkt_len = len;
		memcpy(pkt, fs->pkt_template, TXGEN_HDR_LEN);
		if (vary_flows)
			txgen_set_flow(fs, pkt);
	}
	fwd_tx_and_drop_rest(fs, pkts, nb);
	return nb;
}

uint16_t txgen_burst(struct fwd_stream *fs, bool vary_flows)
{
	return txgen_burst_inline(fs, vary_flows);
}

static __eal_always_inline void txonly_stream_fwd(struct fwd_stream *fs)
{
	txgen_burst_inline(fs, false);
}

static __eal_always_inline void flowgen_stream_fwd(struct fwd_stream *fs)
{
	struct mbuf *pkts[TESTPMD_MAX_BURST];
	uint16_t nb_rx = ethdev_rx_burst(fs->rx_port, fs->rx_queue, pkts, fs->burst);

	if (nb_rx != 0) {
		fwd_count(&fs->c.rx_packets, nb_rx);
		pktmbuf_free_bulk(pkts, nb_rx);
	}
	txgen_burst_inline(fs, true);
}

FWD_ENGINE_DEFINE(txonly_engine, "txonly", txonly_stream_fwd, txgen_stream_init, false);
FWD_ENGINE_DEFINE(flowgen_engine, "flowgen", flowgen_stream_fwd, txgen_stream_init, false);

/* --tx-first with the other engines needs the template too. */
void txgen_prepare(struct fwd_stream *fs)
{
	txgen_stream_init(fs);
}
