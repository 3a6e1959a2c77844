/* SPDX-License-Identifier: BSD-3-Clause */
/* rxonly: receive and free; measures the receive side alone. */
#include "fwd_loop.h"

static __eal_always_inline void rxonly_stream_fwd(struct fwd_stream *fs)
{
	struct mbuf *pkts[TESTPMD_MAX_BURST];
	uint16_t nb_rx = ethdev_rx_burst(fs->rx_port, fs->rx_queue, pkts, fs->burst);

	if (unlikely(nb_rx == 0))
		return;
	fwd_count(&fs->c.rx_packets, nb_rx);
	pktmbuf_free_bulk(pkts, nb_rx);
}

FWD_ENGINE_DEFINE(rxonly_engine, "rxonly", rxonly_stream_fwd, NULL, false);
