/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mac:     rewrite the Ethernet addresses (dst = the peer address of the tx
 *          port, src = the tx port's MAC), then send to the peer port.
 * macswap: swap source and destination addresses, then send to the peer.
 */
#include <string.h>

#include "fwd_loop.h"

/* Packet data is in lines the rx path has not touched; fetching a few
 * packets ahead hides most of that latency. */
#define MAC_PREFETCH_AHEAD 4

static __eal_always_inline void prefetch_data(struct mbuf **pkts, uint16_t i, uint16_t n)
{
	if (i < n)
		__builtin_prefetch(pktmbuf_mtod(pkts[i], void *), 1);
}

static __eal_always_inline void mac_stream_fwd(struct fwd_stream *fs)
{
	struct mbuf *pkts[TESTPMD_MAX_BURST];
	uint16_t nb_rx = ethdev_rx_burst(fs->rx_port, fs->rx_queue, pkts, fs->burst);

	if (unlikely(nb_rx == 0))
		return;
	fwd_count(&fs->c.rx_packets, nb_rx);
	for (uint16_t i = 0; i < MAC_PREFETCH_AHEAD; i++)
		prefetch_data(pkts, i, nb_rx);
	for (uint16_t i = 0; i < nb_rx; i++) {
		prefetch_data(pkts, (uint16_t)(i + MAC_PREFETCH_AHEAD), nb_rx);
		/* dst and src are adjacent: one 12-byte copy from the stream's
		 * prepared header. */
		memcpy(pktmbuf_mtod(pkts[i], void *), &fs->eth, 2 * ETHER_ADDR_LEN);
	}
	fwd_tx_and_drop_rest(fs, pkts, nb_rx);
}

static __eal_always_inline void macswap_stream_fwd(struct fwd_stream *fs)
{
	struct mbuf *pkts[TESTPMD_MAX_BURST];
	uint16_t nb_rx = ethdev_rx_burst(fs->rx_port, fs->rx_queue, pkts, fs->burst);

	if (unlikely(nb_rx == 0))
		return;
	fwd_count(&fs->c.rx_packets, nb_rx);
	for (uint16_t i = 0; i < MAC_PREFETCH_AHEAD; i++)
		prefetch_data(pkts, i, nb_rx);
	for (uint16_t i = 0; i < nb_rx; i++) {
		struct eth_hdr *eth = pktmbuf_mtod(pkts[i], struct eth_hdr *);
		struct eth_addr dst;

		prefetch_data(pkts, (uint16_t)(i + MAC_PREFETCH_AHEAD), nb_rx);
		dst = eth->dst_addr;
		eth->dst_addr = eth->src_addr;
		eth->src_addr = dst;
	}
	fwd_tx_and_drop_rest(fs, pkts, nb_rx);
}

FWD_ENGINE_DEFINE(mac_engine, "mac", mac_stream_fwd, NULL, true);
FWD_ENGINE_DEFINE(macswap_engine, "macswap", macswap_stream_fwd, NULL, true);
