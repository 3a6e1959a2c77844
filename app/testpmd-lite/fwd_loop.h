/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The forwarding loop shared by every engine, inlined into each engine so
 * that the per-stream packet function is a direct (inlined) call rather than
 * an indirect one per burst.
 */
#ifndef TESTPMD_LITE_FWD_LOOP_H
#define TESTPMD_LITE_FWD_LOOP_H

#include "testpmd.h"

/* Counter update by the stream's owner. A relaxed atomic store makes the
 * main lcore's concurrent reads well defined at no cost (a plain store). */
static __eal_always_inline void fwd_count(uint64_t *counter, uint64_t n)
{
	__atomic_store_n(counter, *counter + n, __ATOMIC_RELAXED);
}

static __eal_always_inline bool fwd_lcore_stop_requested(const struct fwd_lcore *fc)
{
	return __atomic_load_n(&fc->stop, __ATOMIC_ACQUIRE);
}

/* --tx-retry: offer the rest of a partial burst again, 1 us apart, as
 * DPDK testpmd's "retry" forwarding modes do: a device that drains its ring
 * a little late (a burst larger than its ring) then loses nothing. */
static __attribute__((noinline)) uint16_t fwd_tx_retry(struct fwd_stream *fs,
							struct mbuf **pkts, uint16_t nb,
							uint16_t nb_tx)
{
	for (uint32_t r = 0; r < fs->tx_retry && nb_tx < nb; r++) {
		uint64_t until = eal_rdtsc() + fs->tx_retry_delay;

		while (eal_rdtsc() < until)
			eal_pause();
		nb_tx = (uint16_t)(nb_tx + ethdev_tx_burst(fs->tx_port, fs->tx_queue,
							   pkts + nb_tx,
							   (uint16_t)(nb - nb_tx)));
	}
	return nb_tx;
}

/* Send what tx_burst did not take: free it and count it dropped. */
static __eal_always_inline void fwd_tx_and_drop_rest(struct fwd_stream *fs,
						     struct mbuf **pkts, uint16_t nb)
{
	uint16_t nb_tx = ethdev_tx_burst(fs->tx_port, fs->tx_queue, pkts, nb);

	if (unlikely(nb_tx < nb) && fs->tx_retry != 0)
		nb_tx = fwd_tx_retry(fs, pkts, nb, nb_tx);

	fwd_count(&fs->c.tx_packets, nb_tx);
	if (unlikely(nb_tx < nb)) {
		fwd_count(&fs->c.fwd_dropped, (uint64_t)(nb - nb_tx));
		pktmbuf_free_bulk(pkts + nb_tx, (unsigned)(nb - nb_tx));
	}
}

/* Generated burst used by --tx-first and the txonly/flowgen engines
 * (fwd_txgen.c). @return packets handed to tx_burst. */
uint16_t txgen_burst(struct fwd_stream *fs, bool vary_flows);

/* Before the loop: one generated burst per stream when asked (so that ring
 * ports, which only return what was sent, have packets to forward). */
static inline void fwd_lcore_tx_first(struct fwd_lcore *fc)
{
	if (!fc->tx_first)
		return;
	for (unsigned i = 0; i < fc->nb_streams; i++)
		fwd_count(&fc->streams[i].c.tx_first_packets,
			  txgen_burst(&fc->streams[i], false));
}

/*
 * Run @p stream_fwd over every stream of @p fc until the main lcore sets
 * fc->stop. The stop flag is read once per round of streams: one load of a
 * line that stays in this core's cache until the main lcore writes it.
 */
static __eal_always_inline int fwd_lcore_run(struct fwd_lcore *fc,
					     void (*stream_fwd)(struct fwd_stream *))
{
	struct fwd_stream *streams = fc->streams;
	const unsigned nb_streams = fc->nb_streams;

	fwd_lcore_tx_first(fc);
	do {
		for (unsigned i = 0; i < nb_streams; i++)
			stream_fwd(&streams[i]);
	} while (!fwd_lcore_stop_requested(fc));
	return 0;
}

/* Defines the lcore loop and the engine object of a forwarding mode. */
#define FWD_ENGINE_DEFINE(var, name_str, stream_fwd, init, fwd_rx)       \
	static int var##_lcore_loop(void *arg)                           \
	{                                                                \
		return fwd_lcore_run((struct fwd_lcore *)arg, stream_fwd); \
	}                                                                \
	const struct fwd_engine var = {                                  \
		.name = (name_str),                                      \
		.lcore_loop = var##_lcore_loop,                          \
		.stream_init = (init),                                   \
		.forwards_rx = (fwd_rx),                                 \
	}

#endif /* TESTPMD_LITE_FWD_LOOP_H */
