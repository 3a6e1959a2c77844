/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * io: send every received burst unchanged to the peer port; what the peer's
 * tx queue does not take is freed and counted dropped.
 */
#include "fwd_loop.h"

static __eal_always_inline void io_stream_fwd(struct fwd_stream *fs)
{
	struct mbuf *pkts[TESTPMD_MAX_BURST];
	uint16_t nb_rx = ethdev_rx_burst(fs->rx_port, fs->rx_queue, pkts, fs->burst);

	if (unlikely(nb_rx == 0))
		return;
	fwd_count(&fs->c.rx_packets, nb_rx);
	fwd_tx_and_drop_rest(fs, pkts, nb_rx);
}

FWD_ENGINE_DEFINE(io_engine, "io", io_stream_fwd, NULL, true);
