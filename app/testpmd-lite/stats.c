/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Statistics in DPDK testpmd's layout, so that scripts written for one read
 * the other: NIC statistics (the port's own counters and rates since the
 * last show) and forward statistics (the streams' counters since start).
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "testpmd.h"

static uint64_t rate(uint64_t diff, uint64_t cycles)
{
	uint64_t hz = eal_tsc_hz();

	if (cycles == 0 || hz == 0)
		return 0;
	/* diff * hz overflows 64 bits only after ~10^9 packets in one
	 * interval at 10 GHz; long double keeps the rate exact enough. */
	return (uint64_t)((long double)diff * hz / cycles);
}

static void show_port(struct testpmd_port *port)
{
	struct ethdev_stats st;
	uint64_t now = eal_rdtsc();
	uint64_t cycles = now - port->last_stats_tsc;
	const struct ethdev_stats *last = &port->last_stats;
	int ret = ethdev_stats_get(port->port_id, &st);

	if (ret != 0) {
		printf("  port %u: cannot read statistics: %s\n", port->port_id,
		       strerror(-ret));
		return;
	}
	/* The first show after start has no earlier sample to compare with. */
	if (port->last_stats_tsc == 0)
		cycles = 0;
	printf("\n  ######################## NIC statistics for port %-2u ########################\n",
	       port->port_id);
	printf("  RX-packets: %-10" PRIu64 " RX-missed: %-10" PRIu64 " RX-bytes:  %-" PRIu64 "\n",
	       st.ipackets, st.imissed, st.ibytes);
	printf("  RX-errors: %-" PRIu64 "\n", st.ierrors);
	printf("  RX-nombuf:  %-10" PRIu64 "\n", st.rx_nombuf);
	printf("  TX-packets: %-10" PRIu64 " TX-errors: %-10" PRIu64 " TX-bytes:  %-" PRIu64 "\n",
	       st.opackets, st.oerrors, st.obytes);
	printf("\n  Throughput (since last show)\n");
	printf("  Rx-pps: %12" PRIu64 "          Rx-bps: %12" PRIu64 "\n",
	       rate(st.ipackets - last->ipackets, cycles),
	       rate((st.ibytes - last->ibytes) * 8, cycles));
	printf("  Tx-pps: %12" PRIu64 "          Tx-bps: %12" PRIu64 "\n",
	       rate(st.opackets - last->opackets, cycles),
	       rate((st.obytes - last->obytes) * 8, cycles));
	printf("  ############################################################################\n");
	port->last_stats = st;
	port->last_stats_tsc = now;
}

void stats_show_ports(struct testpmd *tp)
{
	printf("\nPort statistics ====================================");
	for (unsigned i = 0; i < tp->nb_ports; i++)
		show_port(&tp->ports[i]);
	fflush(stdout);
}

void stats_show_port(struct testpmd *tp, unsigned idx)
{
	show_port(&tp->ports[idx]);
	fflush(stdout);
}

void stats_clear_ports(struct testpmd *tp)
{
	for (unsigned i = 0; i < tp->nb_ports; i++) {
		struct testpmd_port *port = &tp->ports[i];

		ethdev_stats_reset(port->port_id);
		memset(&port->last_stats, 0, sizeof(port->last_stats));
		memset(&port->fwd_start_stats, 0, sizeof(port->fwd_start_stats));
		port->last_stats_tsc = 0;
		printf("\n  NIC statistics for port %u cleared\n", port->port_id);
	}
}

void stats_reset_fwd(struct testpmd *tp)
{
	for (unsigned s = 0; s < tp->nb_streams; s++)
		memset(&tp->streams[s].c, 0, sizeof(tp->streams[s].c));
	for (unsigned i = 0; i < tp->nb_ports; i++) {
		struct testpmd_port *port = &tp->ports[i];

		ethdev_stats_get(port->port_id, &port->fwd_start_stats);
		/* Rates shown next are since this start. */
		port->last_stats = port->fwd_start_stats;
		port->last_stats_tsc = eal_rdtsc();
	}
}

struct fwd_port_totals {
	uint64_t rx, rx_dropped, rx_errors, rx_nombuf;
	uint64_t tx, tx_dropped, tx_first, alloc_failed;
	uint64_t l4_good, l4_bad, l4_none, l4_unknown; /* csum: rx on the port */
	uint64_t l4_hw, l4_sw;                         /* csum: tx on the port */
};

/* @p sum += @p t, counter by counter (the struct is nothing but them). */
static void totals_add(struct fwd_port_totals *sum, const struct fwd_port_totals *t)
{
	uint64_t *dst = (uint64_t *)(void *)sum;
	const uint64_t *src = (const uint64_t *)(const void *)t;

	static_assert(sizeof(*sum) % sizeof(uint64_t) == 0, "fwd_port_totals holds only counters");
	for (size_t k = 0; k < sizeof(*sum) / sizeof(uint64_t); k++)
		dst[k] += src[k];
}

static uint64_t load(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

static void port_totals(const struct testpmd *tp, unsigned idx, struct fwd_port_totals *t)
{
	const struct testpmd_port *port = &tp->ports[idx];
	struct ethdev_stats st;

	memset(t, 0, sizeof(*t));
	for (unsigned s = 0; s < tp->nb_streams; s++) {
		const struct fwd_stream *fs = &tp->streams[s];

		if (fs->rx_port == port->port_id) {
			t->rx += load(&fs->c.rx_packets);
			t->l4_good += load(&fs->c.rx_l4_cksum_good);
			t->l4_bad += load(&fs->c.rx_l4_cksum_bad);
			t->l4_none += load(&fs->c.rx_l4_cksum_none);
			t->l4_unknown += load(&fs->c.rx_l4_cksum_unknown);
		}
		if (fs->tx_port == port->port_id) {
			t->tx += load(&fs->c.tx_packets);
			t->tx_dropped += load(&fs->c.fwd_dropped);
			t->tx_first += load(&fs->c.tx_first_packets);
			t->alloc_failed += load(&fs->c.alloc_failed);
			t->l4_hw += load(&fs->c.tx_l4_cksum_hw);
			t->l4_sw += load(&fs->c.tx_l4_cksum_sw);
		}
	}
	/* What the device itself dropped or failed, since forwarding started. */
	if (ethdev_stats_get(port->port_id, &st) == 0) {
		t->rx_dropped = st.imissed - port->fwd_start_stats.imissed;
		t->rx_errors = st.ierrors - port->fwd_start_stats.ierrors;
		t->rx_nombuf = st.rx_nombuf - port->fwd_start_stats.rx_nombuf;
	}
}

static void print_block(const char *title, const char *fill, const struct fwd_port_totals *t,
			bool csum)
{
	printf("\n  %s\n", title);
	printf("  RX-packets: %-14" PRIu64 " RX-dropped: %-14" PRIu64 " RX-total: %-" PRIu64 "\n",
	       t->rx, t->rx_dropped, t->rx + t->rx_dropped);
	if (t->rx_errors != 0 || t->rx_nombuf != 0)
		printf("  RX-error: %-" PRIu64 "  RX-nombufs: %-14" PRIu64 "\n",
		       t->rx_errors, t->rx_nombuf);
	printf("  TX-packets: %-14" PRIu64 " TX-dropped: %-14" PRIu64 " TX-total: %-" PRIu64 "\n",
	       t->tx, t->tx_dropped, t->tx + t->tx_dropped);
	if (t->alloc_failed != 0)
		printf("  TX-nombuf bursts: %-" PRIu64 "\n", t->alloc_failed);
	if (csum) {
		printf("  RX-L4-cksum: good %" PRIu64 " bad %" PRIu64 " none %" PRIu64
		       " unknown %" PRIu64 "\n", t->l4_good, t->l4_bad, t->l4_none, t->l4_unknown);
		printf("  TX-L4-cksum: offloaded %" PRIu64 " software %" PRIu64 "\n", t->l4_hw,
		       t->l4_sw);
	}
	printf("  %s\n", fill);
}

/*
 * Per direction i -> peer(i): every packet received on i was sent by the
 * peer or dropped; --tx-first packets were sent without being received.
 */
static bool show_accounting(const struct testpmd *tp, const struct fwd_port_totals *t)
{
	bool ok = true;

	printf("\n  Accounting per direction (rx = tx + dropped):\n");
	for (unsigned i = 0; i < tp->nb_ports; i++) {
		unsigned peer = tp->ports[i].peer_port;
		uint64_t in = t[i].rx + t[peer].tx_first;
		uint64_t out = t[peer].tx + t[peer].tx_dropped;
		bool match = in == out;

		printf("    port %u -> port %u: RX-packets %" PRIu64, tp->ports[i].port_id,
		       tp->ports[peer].port_id, t[i].rx);
		if (t[peer].tx_first != 0)
			printf(" + tx-first %" PRIu64, t[peer].tx_first);
		printf(" = TX-packets %" PRIu64 " + TX-dropped %" PRIu64 " : %s\n",
		       t[peer].tx, t[peer].tx_dropped, match ? "ok" : "MISMATCH");
		ok = ok && match;
	}
	return ok;
}

/* With several queues per port, each stream's own counters first (as DPDK
 * testpmd does), so that the spread over the queues shows. */
static void show_streams(const struct testpmd *tp)
{
	for (unsigned s = 0; s < tp->nb_streams; s++) {
		const struct fwd_stream *fs = &tp->streams[s];

		printf("\n  ------- Forward Stats for RX Port=%2u/Queue=%2u -> TX Port=%2u/Queue=%2u -------\n",
		       fs->rx_port, fs->rx_queue, fs->tx_port, fs->tx_queue);
		printf("  RX-packets: %-14" PRIu64 " TX-packets: %-14" PRIu64 " TX-dropped: %-14" PRIu64 "\n",
		       load(&fs->c.rx_packets), load(&fs->c.tx_packets), load(&fs->c.fwd_dropped));
	}
}

bool stats_show_fwd(const struct testpmd *tp)
{
	struct fwd_port_totals t[UPDK_MAX_ETHPORTS], all;
	const struct fwd_engine *e = tp->forwarding ? tp->engine : tp->ran_engine;
	bool csum = e == &csum_engine;
	char title[96];
	bool ok = true;

	if (tp->nb_streams > tp->nb_ports)
		show_streams(tp);
	memset(&all, 0, sizeof(all));
	for (unsigned i = 0; i < tp->nb_ports; i++) {
		port_totals(tp, i, &t[i]);
		snprintf(title, sizeof(title),
			 "---------------------- Forward statistics for port %-2u "
			 "----------------------", tp->ports[i].port_id);
		print_block(title, "----------------------------------------------------------------------------",
			    &t[i], csum);
		totals_add(&all, &t[i]);
	}
	print_block("+++++++++++++++ Accumulated forward statistics for all ports"
		    "+++++++++++++++",
		    "++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++",
		    &all, csum);
	/* While lcores run the counters move between reads: only a stopped
	 * run can be checked. */
	if (tp->ran_engine != NULL && tp->ran_engine->forwards_rx && !tp->forwarding)
		ok = show_accounting(tp, t);
	fflush(stdout);
	return ok;
}
