/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * testpmd-lite's own command line (everything after the EAL's "--"), spelled
 * like DPDK's testpmd so that the same command lines work for both.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testpmd.h"

enum {
	OPT_FORWARD_MODE = 256,
	OPT_NB_CORES,
	OPT_NB_PORTS,
	OPT_BURST,
	OPT_RXQ,
	OPT_TXQ,
	OPT_RXD,
	OPT_TXD,
	OPT_TXPKTS,
	OPT_ETH_PEER,
	OPT_TX_FIRST,
	OPT_STATS_PERIOD,
	OPT_RUN_TIME,
	OPT_TOTAL_NUM_MBUFS,
	OPT_MBCACHE,
	OPT_MBUF_SIZE,
	OPT_FLOWGEN_FLOWS,
	OPT_AUTO_START,
	OPT_TX_RETRY,
};

static const struct option long_options[] = {
	{ "forward-mode", required_argument, NULL, OPT_FORWARD_MODE },
	{ "nb-cores", required_argument, NULL, OPT_NB_CORES },
	{ "nb-ports", required_argument, NULL, OPT_NB_PORTS },
	{ "burst", required_argument, NULL, OPT_BURST },
	{ "rxq", required_argument, NULL, OPT_RXQ },
	{ "txq", required_argument, NULL, OPT_TXQ },
	{ "rxd", required_argument, NULL, OPT_RXD },
	{ "txd", required_argument, NULL, OPT_TXD },
	{ "txpkts", required_argument, NULL, OPT_TXPKTS },
	{ "eth-peer", required_argument, NULL, OPT_ETH_PEER },
	{ "tx-first", no_argument, NULL, OPT_TX_FIRST },
	{ "stats-period", required_argument, NULL, OPT_STATS_PERIOD },
	{ "run-time", required_argument, NULL, OPT_RUN_TIME },
	{ "total-num-mbufs", required_argument, NULL, OPT_TOTAL_NUM_MBUFS },
	{ "mbcache", required_argument, NULL, OPT_MBCACHE },
	{ "mbuf-size", required_argument, NULL, OPT_MBUF_SIZE },
	{ "flowgen-flows", required_argument, NULL, OPT_FLOWGEN_FLOWS },
	{ "auto-start", no_argument, NULL, OPT_AUTO_START },
	{ "tx-retry", required_argument, NULL, OPT_TX_RETRY },
	{ "interactive", no_argument, NULL, 'i' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

void testpmd_usage(FILE *out)
{
	char modes[128];

	fwd_engine_names(modes, sizeof(modes));
	fprintf(out,
		"Usage: " TESTPMD_PROG " [EAL options] -- [options]\n"
		"\n"
		"  --forward-mode=MODE   %s (default io)\n"
		"  --nb-cores=N          forwarding lcores, 1..workers (default: all workers;\n"
		"                        the main lcore only prints statistics)\n"
		"  --nb-ports=N          forwarding ports, 1..ports found (default: all)\n"
		"  --burst=N             packets per burst, 1..%d (default %d)\n"
		"  --rxq=N, --txq=N      queues per port, 1..%d (default 1); rxq <= txq\n"
		"  --rxd=N, --txd=N      descriptors per queue, 1..%d (default: the driver's)\n"
		"  --txpkts=N            txonly/flowgen packet size in bytes, %d..%d (default %d)\n"
		"  --flowgen-flows=N     flows flowgen rotates through, 1..%d (default %d)\n"
		"  --eth-peer=N,MAC      destination MAC for packets sent by port N\n"
		"                        (default 02:00:00:00:00:NN)\n"
		"  --tx-first            send one burst on every stream before forwarding\n"
		"  --tx-retry=N          io/mac/macswap: offer a partial tx burst again up to\n"
		"                        N times, 1 us apart, before dropping (0..%d,\n"
		"                        default 0: drop at once)\n"
		"  --stats-period=S      print port statistics every S seconds (1..%d)\n"
		"  --run-time=S          forward for S seconds (decimals allowed), then stop\n"
		"                        and exit (default: until SIGINT/SIGTERM)\n"
		"  --total-num-mbufs=N   mbufs in the pool (default: enough for every queue)\n"
		"  --mbcache=N           per-lcore mbuf cache, 0..%d (default %d)\n"
		"  --mbuf-size=N         mbuf data room in bytes, %d..%d (default %d)\n"
		"  -i, --interactive     read commands from stdin (type 'help')\n"
		"  --auto-start          with -i: start forwarding at once\n"
		"  -h, --help            this text\n",
		modes, TESTPMD_MAX_BURST, UPDK_DEFAULT_BURST, UPDK_MAX_QUEUES_PER_PORT,
		TESTPMD_MAX_DESC, TXGEN_MIN_PKT_LEN,
		TXGEN_MAX_PKT_LEN, TXGEN_DEFAULT_PKT_LEN, TXGEN_MAX_FLOWS,
		TXGEN_DEFAULT_FLOWS, TESTPMD_MAX_TX_RETRY, TESTPMD_MAX_STATS_PERIOD, MEMPOOL_CACHE_MAX_SIZE,
		TESTPMD_DEFAULT_MBCACHE, TESTPMD_MIN_MBUF_SIZE, TESTPMD_MAX_MBUF_SIZE,
		TESTPMD_DEFAULT_MBUF_SIZE);
}

/* Parses a whole decimal number in [min, max]; on failure says which option
 * was wrong and what it accepts. */
static int parse_uint(const char *opt, const char *arg, unsigned long min,
		      unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	if (arg[0] == '\0' || arg[0] == '-' || arg[0] == '+')
		goto bad;
	v = strtoul(arg, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	fprintf(stderr, TESTPMD_PROG ": --%s=%s: expected a whole number in %lu..%lu\n",
		opt, arg, min, max);
	return -EINVAL;
}

static int parse_u16(const char *opt, const char *arg, unsigned long min,
		     unsigned long max, uint16_t *out)
{
	unsigned long v;
	int ret = parse_uint(opt, arg, min, max, &v);

	if (ret == 0)
		*out = (uint16_t)v;
	return ret;
}

static int parse_u32(const char *opt, const char *arg, unsigned long min,
		     unsigned long max, uint32_t *out)
{
	unsigned long v;
	int ret = parse_uint(opt, arg, min, max, &v);

	if (ret == 0)
		*out = (uint32_t)v;
	return ret;
}

static int parse_run_time(const char *arg, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (arg[0] == '\0' || errno != 0 || *end != '\0' || !isfinite(v) ||
	    v <= 0.0 || v > TESTPMD_MAX_RUN_TIME) {
		fprintf(stderr, TESTPMD_PROG ": --run-time=%s: expected seconds, a number "
			"greater than 0 and at most %d (for example 1 or 0.5)\n",
			arg, TESTPMD_MAX_RUN_TIME);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* "N,XX:XX:XX:XX:XX:XX": the destination MAC port N writes in mac mode and
 * in generated packets. */
static int parse_eth_peer(const char *arg, struct testpmd_params *p)
{
	char port_text[16];
	const char *comma = strchr(arg, ',');
	unsigned long port;
	struct eth_addr mac;
	size_t len;

	if (comma == NULL || (len = (size_t)(comma - arg)) == 0 ||
	    len >= sizeof(port_text))
		goto bad;
	memcpy(port_text, arg, len);
	port_text[len] = '\0';
	if (parse_uint("eth-peer", port_text, 0, UPDK_MAX_ETHPORTS - 1, &port) != 0)
		goto bad;
	if (ether_unformat_addr(comma + 1, &mac) != 0)
		goto bad;
	p->peer_addr[port] = mac;
	p->peer_addr_set[port] = true;
	return 0;
bad:
	fprintf(stderr, TESTPMD_PROG ": --eth-peer=%s: expected PORT,MAC with PORT in "
		"0..%d and MAC like 02:00:00:00:00:01\n", arg, UPDK_MAX_ETHPORTS - 1);
	return -EINVAL;
}

void testpmd_params_defaults(struct testpmd_params *p)
{
	memset(p, 0, sizeof(*p));
	p->engine = &io_engine;
	p->burst = UPDK_DEFAULT_BURST;
	p->nb_rxq = 1;
	p->nb_txq = 1;
	/* 0: each driver's preferred ring size (ethdev_*_queue_setup). */
	p->nb_rxd = 0;
	p->nb_txd = 0;
	p->tx_pkt_len = TXGEN_DEFAULT_PKT_LEN;
	p->flowgen_flows = TXGEN_DEFAULT_FLOWS;
	p->mbcache = TESTPMD_DEFAULT_MBCACHE;
	p->mbuf_size = TESTPMD_DEFAULT_MBUF_SIZE;
}

int testpmd_parse_args(int argc, char **argv, struct testpmd_params *p)
{
	int opt, ret = 0;

	testpmd_params_defaults(p);
	/* The EAL ran getopt over the same argv before us. */
	optind = 1;
	opterr = 0;
	while (ret == 0 &&
	       (opt = getopt_long(argc, argv, "+ih", long_options, NULL)) != -1) {
		switch (opt) {
		case OPT_FORWARD_MODE:
			p->engine = fwd_engine_find(optarg);
			if (p->engine == NULL) {
				char modes[128];

				fwd_engine_names(modes, sizeof(modes));
				fprintf(stderr, TESTPMD_PROG ": --forward-mode=%s: unknown mode; "
					"accepted: %s\n", optarg, modes);
				ret = -EINVAL;
			}
			break;
		case OPT_NB_CORES:
			ret = parse_u32("nb-cores", optarg, 1, EAL_MAX_LCORES - 1,
					&p->nb_fwd_lcores);
			break;
		case OPT_NB_PORTS:
			ret = parse_u32("nb-ports", optarg, 1, UPDK_MAX_ETHPORTS,
					&p->nb_fwd_ports);
			break;
		case OPT_BURST:
			ret = parse_u16("burst", optarg, 1, TESTPMD_MAX_BURST, &p->burst);
			break;
		case OPT_RXQ:
			ret = parse_u16("rxq", optarg, 1, UPDK_MAX_QUEUES_PER_PORT, &p->nb_rxq);
			break;
		case OPT_TXQ:
			ret = parse_u16("txq", optarg, 1, UPDK_MAX_QUEUES_PER_PORT, &p->nb_txq);
			break;
		case OPT_RXD:
			ret = parse_u16("rxd", optarg, 1, TESTPMD_MAX_DESC, &p->nb_rxd);
			break;
		case OPT_TXD:
			ret = parse_u16("txd", optarg, 1, TESTPMD_MAX_DESC, &p->nb_txd);
			break;
		case OPT_TXPKTS:
			ret = parse_u16("txpkts", optarg, TXGEN_MIN_PKT_LEN,
					TXGEN_MAX_PKT_LEN, &p->tx_pkt_len);
			break;
		case OPT_FLOWGEN_FLOWS:
			ret = parse_u32("flowgen-flows", optarg, 1, TXGEN_MAX_FLOWS,
					&p->flowgen_flows);
			break;
		case OPT_ETH_PEER:
			ret = parse_eth_peer(optarg, p);
			break;
		case OPT_TX_FIRST:
			p->tx_first = true;
			break;
		case OPT_STATS_PERIOD:
			ret = parse_u32("stats-period", optarg, 1, TESTPMD_MAX_STATS_PERIOD,
					&p->stats_period);
			break;
		case OPT_RUN_TIME:
			ret = parse_run_time(optarg, &p->run_time);
			break;
		case OPT_TOTAL_NUM_MBUFS:
			ret = parse_u32("total-num-mbufs", optarg, 1, TESTPMD_MAX_MBUFS,
					&p->total_num_mbufs);
			break;
		case OPT_MBCACHE:
			ret = parse_u32("mbcache", optarg, 0, MEMPOOL_CACHE_MAX_SIZE,
					&p->mbcache);
			break;
		case OPT_MBUF_SIZE:
			ret = parse_u16("mbuf-size", optarg, TESTPMD_MIN_MBUF_SIZE,
					TESTPMD_MAX_MBUF_SIZE, &p->mbuf_size);
			break;
		case OPT_AUTO_START:
			p->auto_start = true;
			break;
		case OPT_TX_RETRY:
			ret = parse_u32("tx-retry", optarg, 0, TESTPMD_MAX_TX_RETRY, &p->tx_retry);
			break;
		case 'i':
			p->interactive = true;
			break;
		case 'h':
			testpmd_usage(stdout);
			return 1;
		case ':':
			fprintf(stderr, TESTPMD_PROG ": %s needs a value (see --help)\n",
				argv[optind - 1]);
			ret = -EINVAL;
			break;
		default:
			fprintf(stderr, TESTPMD_PROG ": unknown option '%s'; "
				"run with -- --help for the list\n", argv[optind - 1]);
			ret = -EINVAL;
			break;
		}
	}
	if (ret != 0)
		return ret;
	if (optind < argc) {
		fprintf(stderr, TESTPMD_PROG ": unexpected argument '%s' (options are "
			"--name=value; see --help)\n", argv[optind]);
		return -EINVAL;
	}
	if (p->nb_rxq > p->nb_txq) {
		/* Stream (port, q) transmits on queue q of its peer, and a tx
		 * queue belongs to exactly one lcore. */
		fprintf(stderr, TESTPMD_PROG ": --rxq=%u is larger than --txq=%u: each "
			"rx queue forwards to its own tx queue; give --txq >= --rxq\n",
			p->nb_rxq, p->nb_txq);
		return -EINVAL;
	}
	if ((p->engine == &txonly_engine || p->engine == &flowgen_engine) &&
	    p->tx_pkt_len > p->mbuf_size - MBUF_HEADROOM) {
		fprintf(stderr, TESTPMD_PROG ": --txpkts=%u does not fit in --mbuf-size=%u "
			"(%u bytes of it are headroom); raise --mbuf-size or lower --txpkts\n",
			p->tx_pkt_len, p->mbuf_size, MBUF_HEADROOM);
		return -EINVAL;
	}
	if (p->auto_start && !p->interactive) {
		fprintf(stderr, TESTPMD_PROG ": --auto-start only applies with -i "
			"(without -i forwarding always starts at once)\n");
		return -EINVAL;
	}
	return 0;
}
