/* SPDX-License-Identifier: BSD-3-Clause */
/* The mbuf pool, port set-up and tear-down, and the stream layout. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testpmd.h"

static unsigned desc_or_default(uint16_t asked, const struct ethdev_portconf *pref)
{
	if (asked != 0)
		return asked;
	return pref->ring_size != 0 ? pref->ring_size : TESTPMD_DEFAULT_DESC;
}

/* Enough mbufs for every descriptor of every queue, every lcore cache, and
 * the bursts in flight, like DPDK testpmd's sizing. */
static unsigned pool_size(const struct testpmd *tp, const struct ethdev_info *info)
{
	const struct testpmd_params *p = &tp->p;
	uint64_t per_port = (uint64_t)p->nb_rxq * desc_or_default(p->nb_rxd,
								    &info->default_rxportconf) +
			    (uint64_t)p->nb_txq * desc_or_default(p->nb_txd,
								    &info->default_txportconf);
	uint64_t n = per_port * tp->nb_ports +
		     (uint64_t)eal_lcore_count() * (p->mbcache + TESTPMD_MAX_BURST) +
		     (uint64_t)tp->nb_ports * p->nb_rxq * TESTPMD_MAX_BURST;

	if (n < 8192)
		n = 8192;
	return n > TESTPMD_MAX_MBUFS ? TESTPMD_MAX_MBUFS : (unsigned)n;
}

static int check_port_limits(const struct testpmd *tp, uint16_t port_id,
			     const struct ethdev_info *info)
{
	const struct testpmd_params *p = &tp->p;

	if (p->nb_rxq > info->max_rx_queues || p->nb_txq > info->max_tx_queues) {
		EAL_LOG(testpmd_logtype, ERR,
			"port %u (%s) has at most %u rx and %u tx queues; lower --rxq/--txq",
			port_id, info->device_name, info->max_rx_queues, info->max_tx_queues);
		return -EINVAL;
	}
	if (p->nb_rxd != 0 && (p->nb_rxd < info->rx_desc_lim.nb_min ||
			       p->nb_rxd > info->rx_desc_lim.nb_max)) {
		EAL_LOG(testpmd_logtype, ERR, "port %u (%s): --rxd=%u outside %u..%u",
			port_id, info->device_name, p->nb_rxd, info->rx_desc_lim.nb_min,
			info->rx_desc_lim.nb_max);
		return -EINVAL;
	}
	if (p->nb_txd != 0 && (p->nb_txd < info->tx_desc_lim.nb_min ||
			       p->nb_txd > info->tx_desc_lim.nb_max)) {
		EAL_LOG(testpmd_logtype, ERR, "port %u (%s): --txd=%u outside %u..%u",
			port_id, info->device_name, p->nb_txd, info->tx_desc_lim.nb_min,
			info->tx_desc_lim.nb_max);
		return -EINVAL;
	}
	return 0;
}

/* The csum engine gets every TCP/UDP checksum offload the port has; the
 * other modes none (a device may then skip per-packet checksum work). */
#define TESTPMD_L4_RX_OFFLOADS (ETHDEV_RX_OFFLOAD_UDP_CKSUM | ETHDEV_RX_OFFLOAD_TCP_CKSUM)
#define TESTPMD_L4_TX_OFFLOADS (ETHDEV_TX_OFFLOAD_UDP_CKSUM | ETHDEV_TX_OFFLOAD_TCP_CKSUM)

static int port_setup(struct testpmd *tp, struct testpmd_port *port)
{
	const struct testpmd_params *p = &tp->p;
	struct ethdev_conf conf = { 0 };
	struct ethdev_info info;
	uint16_t id = port->port_id;
	int ret;

	printf("Configuring Port %u (socket %d)\n", id, port->socket_id);
	if (p->engine == &csum_engine) {
		ret = ethdev_info_get(id, &info);
		if (ret != 0)
			goto fail;
		conf.rxmode.offloads = info.rx_offload_capa & TESTPMD_L4_RX_OFFLOADS;
		conf.txmode.offloads = info.tx_offload_capa & TESTPMD_L4_TX_OFFLOADS;
		printf("Port %u: checksum offloads rx%s%s tx%s%s\n", id,
		       conf.rxmode.offloads & ETHDEV_RX_OFFLOAD_UDP_CKSUM ? " udp" : "",
		       conf.rxmode.offloads & ETHDEV_RX_OFFLOAD_TCP_CKSUM ? " tcp" : "",
		       conf.txmode.offloads & ETHDEV_TX_OFFLOAD_UDP_CKSUM ? " udp" : "",
		       conf.txmode.offloads & ETHDEV_TX_OFFLOAD_TCP_CKSUM ? " tcp" : "");
	}
	port->rx_offloads = conf.rxmode.offloads;
	port->tx_offloads = conf.txmode.offloads;
	ret = ethdev_configure(id, p->nb_rxq, p->nb_txq, &conf);
	if (ret != 0)
		goto fail;
	for (uint16_t q = 0; q < p->nb_rxq; q++) {
		ret = ethdev_rx_queue_setup(id, q, p->nb_rxd, port->socket_id, NULL, tp->pool);
		if (ret != 0)
			goto fail;
	}
	for (uint16_t q = 0; q < p->nb_txq; q++) {
		ret = ethdev_tx_queue_setup(id, q, p->nb_txd, port->socket_id, NULL);
		if (ret != 0)
			goto fail;
	}
	ret = ethdev_start(id);
	if (ret != 0)
		goto fail;
	port->started = true;
	/* Not every driver filters addresses; those that do must let all in. */
	ret = ethdev_promiscuous_enable(id);
	if (ret != 0 && ret != -ENOTSUP)
		EAL_LOG(testpmd_logtype, WARNING, "port %u: promiscuous mode: %s", id,
			strerror(-ret));
	ret = ethdev_macaddr_get(id, &port->mac);
	if (ret != 0)
		goto fail;
	return 0;
fail:
	EAL_LOG(testpmd_logtype, ERR, "port %u: set-up failed: %s (see the ethdev message above)",
		id, strerror(-ret));
	return ret;
}

int ports_init(struct testpmd *tp)
{
	const struct testpmd_params *p = &tp->p;
	struct ethdev_info info;
	unsigned avail = ethdev_count_avail();
	unsigned nb_mbufs;
	uint16_t port_id;
	int socket, ret;

	if (avail == 0) {
		EAL_LOG(testpmd_logtype, ERR, "no ports: create some with the EAL option "
			"--vdev (e.g. --vdev=net_null0 --vdev=net_null1) or -a for a NIC");
		return -ENODEV;
	}
	if (p->nb_fwd_ports > avail) {
		fprintf(stderr, TESTPMD_PROG ": --nb-ports=%u but only %u port(s) exist\n",
			p->nb_fwd_ports, avail);
		return -EINVAL;
	}
	tp->nb_ports = p->nb_fwd_ports != 0 ? p->nb_fwd_ports : avail;
	unsigned i = 0;
	ETHDEV_FOREACH_DEV(port_id) {
		struct testpmd_port *port;

		if (i == tp->nb_ports)
			break;
		port = &tp->ports[i++];
		memset(port, 0, sizeof(*port));
		port->port_id = port_id;
		ret = ethdev_info_get(port_id, &info);
		if (ret != 0)
			return ret;
		ret = check_port_limits(tp, port_id, &info);
		if (ret != 0)
			return ret;
		socket = ethdev_socket_id(port_id);
		port->socket_id = socket < 0 ? 0 : socket;
	}
	/* Pairs: 0<->1, 2<->3, ...; an odd last port forwards to itself. */
	for (i = 0; i < tp->nb_ports; i++) {
		struct testpmd_port *port = &tp->ports[i];

		port->peer_port = (uint16_t)((i ^ 1u) < tp->nb_ports ? (i ^ 1u) : i);
		if (p->peer_addr_set[port->port_id]) {
			port->peer_mac = p->peer_addr[port->port_id];
		} else {
			memset(&port->peer_mac, 0, sizeof(port->peer_mac));
			port->peer_mac.addr_bytes[0] = ETHER_LOCAL_ADMIN_ADDR;
			port->peer_mac.addr_bytes[4] = (uint8_t)(port->port_id >> 8);
			port->peer_mac.addr_bytes[5] = (uint8_t)port->port_id;
		}
	}

	nb_mbufs = p->total_num_mbufs != 0 ? p->total_num_mbufs : pool_size(tp, &info);
	printf("testpmd: create a new mbuf pool <mb_pool_0>: n=%u, size=%u, socket=%d\n",
	       nb_mbufs, p->mbuf_size, tp->ports[0].socket_id);
	tp->pool = pktmbuf_pool_create("mb_pool_0", nb_mbufs, p->mbcache, 0, p->mbuf_size,
				       tp->ports[0].socket_id);
	if (tp->pool == NULL) {
		EAL_LOG(testpmd_logtype, ERR, "cannot create the mbuf pool of %u mbufs: %s; "
			"lower --total-num-mbufs or give the EAL more memory (-m)",
			nb_mbufs, strerror(errno));
		return -errno;
	}
	for (i = 0; i < tp->nb_ports; i++) {
		char mac[ETHER_ADDR_FMT_SIZE];

		ret = port_setup(tp, &tp->ports[i]);
		if (ret != 0)
			return ret;
		ether_format_addr(mac, sizeof(mac), &tp->ports[i].mac);
		printf("Port %u: %s\n", tp->ports[i].port_id, mac);
	}
	for (i = 0; i < tp->nb_ports; i++)
		ethdev_stats_get(tp->ports[i].port_id, &tp->ports[i].last_stats);
	printf("Checking link statuses...\n");
	link_watch_init(tp);
	printf("Done\n");
	return 0;
}

/* Whatever is still queued for receive (ring ports hold packets sent just
 * before forwarding stopped) goes back to the pool. Bounded: a null port
 * always has more. */
static void port_drain_rx(const struct testpmd *tp, uint16_t port_id)
{
	struct mbuf *pkts[TESTPMD_MAX_BURST];
	unsigned max_rounds = mempool_size(tp->pool) / TESTPMD_MAX_BURST + 2;

	for (uint16_t q = 0; q < tp->p.nb_rxq; q++) {
		for (unsigned r = 0; r < max_rounds; r++) {
			uint16_t n = ethdev_rx_burst(port_id, q, pkts, TESTPMD_MAX_BURST);

			if (n == 0)
				break;
			pktmbuf_free_bulk(pkts, n);
		}
	}
}

void ports_fini(struct testpmd *tp)
{
	for (unsigned i = 0; i < tp->nb_ports; i++) {
		struct testpmd_port *port = &tp->ports[i];
		int ret;

		if (port->started) {
			port_drain_rx(tp, port->port_id);
			printf("Stopping port %u...\n", port->port_id);
			ret = ethdev_stop(port->port_id);
			if (ret != 0)
				EAL_LOG(testpmd_logtype, ERR, "port %u: stop: %s",
					port->port_id, strerror(-ret));
			port->started = false;
		}
	}
	for (unsigned i = 0; i < tp->nb_ports; i++) {
		uint16_t id = tp->ports[i].port_id;
		int ret;

		printf("Closing port %u...\n", id);
		ret = ethdev_close(id);
		if (ret != 0)
			EAL_LOG(testpmd_logtype, ERR, "port %u: close: %s", id, strerror(-ret));
		else
			printf("Port %u is closed\n", id);
	}
	tp->nb_ports = 0;
}

static unsigned worker_count(void)
{
	unsigned workers = 0, lcore;

	EAL_LCORE_FOREACH_WORKER(lcore)
		workers++;
	return workers;
}

int fwd_lcores_check(uint32_t want)
{
	unsigned workers = worker_count();

	if (workers == 0) {
		fprintf(stderr, TESTPMD_PROG ": forwarding needs a worker lcore besides the "
			"main one: give the EAL at least two, e.g. -l 0-1\n");
		return -EINVAL;
	}
	if (want > workers) {
		fprintf(stderr, TESTPMD_PROG ": --nb-cores=%u but only %u worker lcore(s) "
			"(the main lcore prints statistics); give more with -l or lower "
			"--nb-cores\n", want, workers);
		return -EINVAL;
	}
	return 0;
}

/* The worker lcores that forward: the first --nb-cores of them. */
static int fwd_lcores_pick(struct testpmd *tp, unsigned want)
{
	unsigned lcore, i = 0;
	int ret = fwd_lcores_check(want);

	if (ret != 0)
		return ret;
	if (want == 0)
		want = worker_count();
	if (want > tp->nb_streams) {
		printf("Only %u streams: using %u forwarding cores instead of %u\n",
		       tp->nb_streams, tp->nb_streams, want);
		want = tp->nb_streams;
	}
	tp->fwd_lcores = aligned_alloc(CACHE_LINE_SIZE, sizeof(*tp->fwd_lcores) * want);
	if (tp->fwd_lcores == NULL)
		return -ENOMEM;
	memset(tp->fwd_lcores, 0, sizeof(*tp->fwd_lcores) * want);
	EAL_LCORE_FOREACH_WORKER(lcore) {
		if (i == want)
			break;
		tp->fwd_lcores[i++].lcore_id = lcore;
	}
	tp->nb_fwd_lcores = want;
	return 0;
}

int streams_init(struct testpmd *tp)
{
	const struct testpmd_params *p = &tp->p;
	unsigned s = 0, per_lcore, extra;
	int ret;

	tp->nb_streams = tp->nb_ports * p->nb_rxq;
	tp->streams = aligned_alloc(CACHE_LINE_SIZE, sizeof(*tp->streams) * tp->nb_streams);
	if (tp->streams == NULL)
		return -ENOMEM;
	memset(tp->streams, 0, sizeof(*tp->streams) * tp->nb_streams);
	/* Queue-major order, so that lcores splitting the list get whole
	 * queues of every port rather than all queues of one port. */
	for (uint16_t q = 0; q < p->nb_rxq; q++) {
		for (unsigned i = 0; i < tp->nb_ports; i++) {
			struct fwd_stream *fs = &tp->streams[s++];
			const struct testpmd_port *rx = &tp->ports[i];
			const struct testpmd_port *tx = &tp->ports[rx->peer_port];

			fs->rx_port = rx->port_id;
			fs->rx_queue = q;
			fs->tx_port = tx->port_id;
			fs->tx_queue = q;
			fs->burst = p->burst;
			fs->tx_pkt_len = p->tx_pkt_len;
			fs->tx_retry = p->tx_retry;
			fs->tx_retry_delay = eal_tsc_hz() / 1000000 + 1;
			fs->nb_flows = p->flowgen_flows;
			fs->pool = tp->pool;
			fs->tx_offloads = tx->tx_offloads;
			fs->eth.dst_addr = tx->peer_mac;
			fs->eth.src_addr = tx->mac;
		}
	}
	ret = fwd_lcores_pick(tp, p->nb_fwd_lcores);
	if (ret != 0)
		return ret;
	per_lcore = tp->nb_streams / tp->nb_fwd_lcores;
	extra = tp->nb_streams % tp->nb_fwd_lcores;
	s = 0;
	for (unsigned l = 0; l < tp->nb_fwd_lcores; l++) {
		struct fwd_lcore *fc = &tp->fwd_lcores[l];

		fc->streams = &tp->streams[s];
		fc->nb_streams = per_lcore + (l < extra ? 1 : 0);
		s += fc->nb_streams;
	}
	return 0;
}

void streams_fini(struct testpmd *tp)
{
	free(tp->streams);
	tp->streams = NULL;
	tp->nb_streams = 0;
	free(tp->fwd_lcores);
	tp->fwd_lcores = NULL;
	tp->nb_fwd_lcores = 0;
}
