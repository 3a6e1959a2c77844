/* SPDX-License-Identifier: BSD-3-Clause */
/* Starting and stopping forwarding on the forwarding lcores. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "testpmd.h"

static const struct fwd_engine *const fwd_engines[] = {
	&io_engine, &mac_engine, &macswap_engine, &rxonly_engine,
	&txonly_engine, &flowgen_engine, &csum_engine,
};

const struct fwd_engine *fwd_engine_find(const char *name)
{
	for (size_t i = 0; i < EAL_DIM(fwd_engines); i++)
		if (strcmp(fwd_engines[i]->name, name) == 0)
			return fwd_engines[i];
	return NULL;
}

void fwd_engine_names(char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < EAL_DIM(fwd_engines) && used < size; i++) {
		int n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
				 fwd_engines[i]->name);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

void fwd_config_show(const struct testpmd *tp)
{
	char mac[ETHER_ADDR_FMT_SIZE];

	printf("%s packet forwarding - ports=%u - cores=%u - streams=%u\n",
	       tp->engine->name, tp->nb_ports, tp->nb_fwd_lcores, tp->nb_streams);
	for (unsigned l = 0; l < tp->nb_fwd_lcores; l++) {
		const struct fwd_lcore *fc = &tp->fwd_lcores[l];

		printf("Logical Core %u (socket %d) forwards packets on %u streams:\n",
		       fc->lcore_id, eal_lcore_socket(fc->lcore_id), fc->nb_streams);
		for (unsigned s = 0; s < fc->nb_streams; s++) {
			const struct fwd_stream *fs = &fc->streams[s];

			ether_format_addr(mac, sizeof(mac), &fs->eth.dst_addr);
			printf("  RX P=%u/Q=%u -> TX P=%u/Q=%u peer=%s\n", fs->rx_port,
			       fs->rx_queue, fs->tx_port, fs->tx_queue, mac);
		}
	}
	printf("\n  %s packet forwarding packets/burst=%u\n", tp->engine->name, tp->p.burst);
	if (tp->engine == &txonly_engine || tp->engine == &flowgen_engine)
		printf("  packet len=%u - nb packet segments=1\n", tp->p.tx_pkt_len);
	printf("  nb forwarding cores=%u - nb forwarding ports=%u\n",
	       tp->nb_fwd_lcores, tp->nb_ports);
	for (unsigned i = 0; i < tp->nb_ports; i++)
		printf("  port %u: RX queue number: %u Tx queue number: %u\n",
		       tp->ports[i].port_id, tp->p.nb_rxq, tp->p.nb_txq);
}

int fwd_start(struct testpmd *tp, bool tx_first)
{
	if (tp->forwarding) {
		printf("Packet forwarding already started\n");
		return -EBUSY;
	}
	for (unsigned s = 0; s < tp->nb_streams; s++) {
		struct fwd_stream *fs = &tp->streams[s];

		if (tp->engine->stream_init != NULL)
			tp->engine->stream_init(fs);
		else if (tx_first)
			txgen_prepare(fs);
	}
	stats_reset_fwd(tp);
	fwd_config_show(tp);
	fflush(stdout);
	for (unsigned l = 0; l < tp->nb_fwd_lcores; l++) {
		struct fwd_lcore *fc = &tp->fwd_lcores[l];
		int ret;

		/* Generated engines need no priming. */
		fc->tx_first = tx_first && tp->engine->stream_init == NULL;
		__atomic_store_n(&fc->stop, false, __ATOMIC_RELAXED);
		/* The launch publishes everything written above to the worker. */
		ret = eal_remote_launch(tp->engine->lcore_loop, fc, fc->lcore_id);
		if (ret != 0) {
			EAL_LOG(testpmd_logtype, ERR, "cannot launch forwarding on lcore %u: %s",
				fc->lcore_id, strerror(-ret));
			for (unsigned k = 0; k < l; k++) {
				__atomic_store_n(&tp->fwd_lcores[k].stop, true, __ATOMIC_RELEASE);
				eal_wait_lcore(tp->fwd_lcores[k].lcore_id);
			}
			return ret;
		}
	}
	tp->ran_engine = tp->engine;
	tp->forwarding = true;
	return 0;
}

void fwd_stop(struct testpmd *tp)
{
	if (!tp->forwarding) {
		printf("Packet forwarding not started\n");
		return;
	}
	printf("Telling cores to stop...\n");
	for (unsigned l = 0; l < tp->nb_fwd_lcores; l++)
		__atomic_store_n(&tp->fwd_lcores[l].stop, true, __ATOMIC_RELEASE);
	printf("Waiting for lcores to finish...\n");
	/* Joining makes the workers' counters visible here. */
	for (unsigned l = 0; l < tp->nb_fwd_lcores; l++)
		eal_wait_lcore(tp->fwd_lcores[l].lcore_id);
	tp->forwarding = false;
	if (!stats_show_fwd(tp))
		tp->accounting_failed = true;
	printf("\nDone.\n");
	fflush(stdout);
}
