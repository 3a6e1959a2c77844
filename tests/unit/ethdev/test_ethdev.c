/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ethdev against drivers defined here, so that every call the library
 * makes into a driver can be counted and every limit is known:
 *   net_test       4 rx / 2 tx queues, descriptor limits, offloads, RSS,
 *                  driver xstats, failure injection
 *   net_test_bare  only the required ops (the optional ones are -ENOTSUP)
 * Covered: the port registry, the state machine and each misuse error
 * (with its log line), the fast-path table (started, stopped, bad ids),
 * info/link/MAC/promiscuous/MTU, stats and xstats, vdev probe errors and
 * running out of ports.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "eal.h"
#include "eal_kvargs.h"
#include "ethdev.h"
#include "ethdev_driver.h"

/* ------------------------------------------------------------------ */
/* Test drivers                                                         */

struct tdrv_queue {
	struct tdrv_port *port;
	uint16_t qid;
	unsigned bursts;
};

struct tdrv_port {
	unsigned configure_calls, start_calls, stop_calls, close_calls;
	unsigned rxq_releases, txq_releases, mac_set_calls, promisc_calls;
	unsigned stats_reset_calls, xstats_reset_calls;
	int fail_start;
	bool removed;          /* what is_removed reports */
	uint16_t rx_nb_desc[4];
	uint64_t rx_queue_offloads[4];
	struct ethdev_stats stats;
	uint64_t xstat_a, xstat_b;
	struct tdrv_queue *last_queue; /* of the last burst */
};

static struct tdrv_port *tport(uint16_t port_id)
{
	struct ethdev *dev = ethdev_get_dev(port_id);

	assert_non_null(dev);
	return dev->data.dev_private;
}

static uint16_t tdrv_rx_burst(void *q, struct mbuf **pkts, uint16_t n)
{
	struct tdrv_queue *tq = q;

	(void)pkts;
	tq->bursts++;
	tq->port->last_queue = tq;
	return n / 2;
}

static uint16_t tdrv_tx_burst(void *q, struct mbuf **pkts, uint16_t n)
{
	struct tdrv_queue *tq = q;

	(void)pkts;
	tq->bursts++;
	tq->port->last_queue = tq;
	return n;
}

static int tdrv_infos_get(struct ethdev *dev, struct ethdev_info *info)
{
	(void)dev;
	info->max_rx_queues = 4;
	info->max_tx_queues = 2;
	info->rx_desc_lim = (struct ethdev_desc_lim){ .nb_min = 64, .nb_max = 4096, .nb_align = 32 };
	info->tx_desc_lim = (struct ethdev_desc_lim){ .nb_min = 32, .nb_max = 2048, .nb_align = 16 };
	info->default_rxportconf.ring_size = 256;
	info->min_rx_bufsize = 1024;
	info->max_mtu = 9000;
	info->rx_offload_capa = ETHDEV_RX_OFFLOAD_VLAN_STRIP | ETHDEV_RX_OFFLOAD_IPV4_CKSUM;
	info->rx_queue_offload_capa = ETHDEV_RX_OFFLOAD_VLAN_STRIP;
	info->tx_offload_capa = ETHDEV_TX_OFFLOAD_MULTI_SEGS;
	info->flow_type_rss_offloads = ETHDEV_RSS_IP;
	return 0;
}

static int tdrv_configure(struct ethdev *dev)
{
	((struct tdrv_port *)dev->data.dev_private)->configure_calls++;
	return 0;
}

static int tdrv_start(struct ethdev *dev)
{
	struct tdrv_port *tp = dev->data.dev_private;

	tp->start_calls++;
	return tp->fail_start;
}

static int tdrv_stop(struct ethdev *dev)
{
	((struct tdrv_port *)dev->data.dev_private)->stop_calls++;
	return 0;
}

static int tdrv_close(struct ethdev *dev)
{
	((struct tdrv_port *)dev->data.dev_private)->close_calls++;
	return 0;
}

static int tdrv_link_update(struct ethdev *dev, int wait)
{
	(void)wait;
	dev->data.dev_link.link_speed = ETHDEV_SPEED_NUM_10G;
	dev->data.dev_link.link_duplex = ETHDEV_LINK_FULL_DUPLEX;
	dev->data.dev_link.link_autoneg = ETHDEV_LINK_FIXED;
	dev->data.dev_link.link_status = dev->data.dev_started;
	return 0;
}

static bool tdrv_is_removed(struct ethdev *dev)
{
	return ((struct tdrv_port *)dev->data.dev_private)->removed;
}

static int tdrv_promisc(struct ethdev *dev)
{
	((struct tdrv_port *)dev->data.dev_private)->promisc_calls++;
	return 0;
}

static int tdrv_mac_set(struct ethdev *dev, const struct eth_addr *addr)
{
	(void)addr;
	((struct tdrv_port *)dev->data.dev_private)->mac_set_calls++;
	return 0;
}

static int tdrv_mtu_set(struct ethdev *dev, uint16_t mtu)
{
	(void)dev;
	(void)mtu;
	return 0;
}

static int tdrv_stats_get(struct ethdev *dev, struct ethdev_stats *st)
{
	*st = ((struct tdrv_port *)dev->data.dev_private)->stats;
	return 0;
}

static int tdrv_stats_reset(struct ethdev *dev)
{
	struct tdrv_port *tp = dev->data.dev_private;

	tp->stats_reset_calls++;
	memset(&tp->stats, 0, sizeof(tp->stats));
	return 0;
}

static int tdrv_xstats_get_names(struct ethdev *dev, struct ethdev_xstat_name *names,
				 unsigned size)
{
	(void)dev;
	if (names != NULL && size >= 2) {
		strcpy(names[0].name, "test_xstat_a");
		strcpy(names[1].name, "test_xstat_b");
	}
	return 2;
}

static int tdrv_xstats_get(struct ethdev *dev, struct ethdev_xstat *xs, unsigned n)
{
	struct tdrv_port *tp = dev->data.dev_private;

	if (xs != NULL && n >= 2) {
		xs[0].value = tp->xstat_a;
		xs[1].value = tp->xstat_b;
	}
	return 2;
}

static int tdrv_xstats_reset(struct ethdev *dev)
{
	struct tdrv_port *tp = dev->data.dev_private;

	tp->xstats_reset_calls++;
	tp->xstat_a = tp->xstat_b = 0;
	return 0;
}

static int tdrv_queue_new(struct ethdev *dev, uint16_t qid, void **slot)
{
	struct tdrv_queue *q = calloc(1, sizeof(*q));

	if (q == NULL)
		return -ENOMEM;
	q->port = dev->data.dev_private;
	q->qid = qid;
	*slot = q;
	return 0;
}

static int tdrv_rxq_setup(struct ethdev *dev, uint16_t qid, uint16_t nb_desc, int socket,
			  const struct ethdev_rxconf *conf, struct mempool *mp)
{
	struct tdrv_port *tp = dev->data.dev_private;

	(void)socket;
	(void)mp;
	tp->rx_nb_desc[qid] = nb_desc;
	tp->rx_queue_offloads[qid] = conf->offloads;
	return tdrv_queue_new(dev, qid, &dev->data.rx_queues[qid]);
}

static int tdrv_txq_setup(struct ethdev *dev, uint16_t qid, uint16_t nb_desc, int socket,
			  const struct ethdev_txconf *conf)
{
	(void)nb_desc;
	(void)socket;
	(void)conf;
	return tdrv_queue_new(dev, qid, &dev->data.tx_queues[qid]);
}

static void tdrv_rxq_release(struct ethdev *dev, uint16_t qid)
{
	((struct tdrv_port *)dev->data.dev_private)->rxq_releases++;
	free(dev->data.rx_queues[qid]);
}

static void tdrv_txq_release(struct ethdev *dev, uint16_t qid)
{
	((struct tdrv_port *)dev->data.dev_private)->txq_releases++;
	free(dev->data.tx_queues[qid]);
}

static const struct ethdev_ops tdrv_ops = {
	.dev_infos_get = tdrv_infos_get,
	.dev_configure = tdrv_configure,
	.dev_start = tdrv_start,
	.dev_stop = tdrv_stop,
	.dev_close = tdrv_close,
	.link_update = tdrv_link_update,
	.is_removed = tdrv_is_removed,
	.promiscuous_enable = tdrv_promisc,
	.promiscuous_disable = tdrv_promisc,
	.mac_addr_set = tdrv_mac_set,
	.mtu_set = tdrv_mtu_set,
	.stats_get = tdrv_stats_get,
	.stats_reset = tdrv_stats_reset,
	.xstats_get_names = tdrv_xstats_get_names,
	.xstats_get = tdrv_xstats_get,
	.xstats_reset = tdrv_xstats_reset,
	.rx_queue_setup = tdrv_rxq_setup,
	.tx_queue_setup = tdrv_txq_setup,
	.rx_queue_release = tdrv_rxq_release,
	.tx_queue_release = tdrv_txq_release,
};

static int bare_infos_get(struct ethdev *dev, struct ethdev_info *info)
{
	(void)dev;
	/* More than the fast-path table holds, and than the per-queue stats. */
	info->max_rx_queues = 1000;
	info->max_tx_queues = 20;
	return 0;
}

static int bare_stats_get(struct ethdev *dev, struct ethdev_stats *st)
{
	(void)dev;
	st->ipackets = 7;
	return 0;
}

static int bare_queue_setup_rx(struct ethdev *dev, uint16_t qid, uint16_t nb_desc, int socket,
			       const struct ethdev_rxconf *conf, struct mempool *mp)
{
	(void)nb_desc;
	(void)socket;
	(void)conf;
	(void)mp;
	/* No release op: the queue object must need no freeing. */
	dev->data.rx_queues[qid] = dev;
	return 0;
}

static int bare_queue_setup_tx(struct ethdev *dev, uint16_t qid, uint16_t nb_desc, int socket,
			       const struct ethdev_txconf *conf)
{
	(void)nb_desc;
	(void)socket;
	(void)conf;
	dev->data.tx_queues[qid] = dev;
	return 0;
}

static int bare_noop(struct ethdev *dev)
{
	(void)dev;
	return 0;
}

static const struct ethdev_ops bare_ops = {
	.dev_infos_get = bare_infos_get,
	.dev_start = bare_noop,
	.dev_stop = bare_noop,
	.stats_get = bare_stats_get,
	.rx_queue_setup = bare_queue_setup_rx,
	.tx_queue_setup = bare_queue_setup_tx,
};

static int tdrv_probe(const char *name, const char *args);
static int bare_probe(const char *name, const char *args);

static struct ethdev_driver tdrv_driver = { .name = "net_test", .probe_vdev = tdrv_probe };
static struct ethdev_driver bare_driver = { .name = "net_test_bare", .probe_vdev = bare_probe };

static int tdrv_probe(const char *name, const char *args)
{
	static const char *const keys[] = { "fail", NULL };
	struct eal_kvargs kv;
	struct ethdev *dev;
	bool fail = false;
	int rc;

	rc = eal_kvargs_parse(&kv, args, keys);
	if (rc < 0)
		return rc;
	rc = eal_kvargs_get_bool(&kv, "fail", &fail);
	eal_kvargs_free(&kv);
	if (rc < 0 || fail)
		return -EINVAL;
	dev = ethdev_allocate(name, &tdrv_driver, sizeof(struct tdrv_port), 0);
	if (dev == NULL)
		return -errno;
	dev->dev_ops = &tdrv_ops;
	dev->rx_pkt_burst = tdrv_rx_burst;
	dev->tx_pkt_burst = tdrv_tx_burst;
	dev->data.mac_addr = (struct eth_addr){ { 0x02, 0, 0, 0, 0, 0x42 } };
	ethdev_probing_finish(dev);
	return 0;
}

static uint16_t bare_burst(void *q, struct mbuf **pkts, uint16_t n)
{
	(void)q;
	(void)pkts;
	return n;
}

static int bare_probe(const char *name, const char *args)
{
	struct ethdev *dev;

	(void)args;
	dev = ethdev_allocate(name, &bare_driver, 0, 0);
	if (dev == NULL)
		return -errno;
	dev->dev_ops = &bare_ops;
	dev->rx_pkt_burst = bare_burst;
	dev->tx_pkt_burst = bare_burst;
	ethdev_probing_finish(dev);
	return 0;
}

ETHDEV_DRIVER_REGISTER(tdrv_driver)
ETHDEV_DRIVER_REGISTER(bare_driver)

/* ------------------------------------------------------------------ */
/* Helpers                                                              */

static struct mempool *pool;       /* 2048-byte data room */
static struct mempool *small_pool; /* too small for net_test */

static int group_setup(void **state)
{
	char prefix[64];
	int ret;

	(void)state;
	snprintf(prefix, sizeof(prefix), "test_ethdev_%d", (int)getpid());
	char *argv[] = { "test_ethdev", "--no-huge", "-l", "0", "--file-prefix", prefix, NULL };
	ret = eal_init((int)EAL_DIM(argv) - 1, argv);
	if (ret < 0) {
		fprintf(stderr, "eal_init(--no-huge) failed: %s\n", strerror(-ret));
		return -1;
	}
	pool = pktmbuf_pool_create("ethdev_pool", 64, 0, 0, MBUF_DEFAULT_BUF_SIZE, EAL_SOCKET_ID_ANY);
	small_pool = pktmbuf_pool_create("ethdev_small", 16, 0, 0, 512 + MBUF_HEADROOM,
					 EAL_SOCKET_ID_ANY);
	return pool != NULL && small_pool != NULL ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	mempool_free(pool);
	mempool_free(small_pool);
	eal_cleanup();
	return 0;
}

/* Runs @expr with the log captured; checks its result and that the log
 * holds @needle, so that every error is reported, not only returned. */
#define EXPECT_LOGGED(expr, expected, needle)                                   \
	do {                                                                    \
		char *text_ = NULL;                                             \
		size_t len_ = 0;                                                \
		FILE *f_ = open_memstream(&text_, &len_);                       \
		assert_non_null(f_);                                            \
		eal_log_set_stream(f_);                                         \
		long rc_ = (long)(expr);                                        \
		eal_log_set_stream(NULL);                                       \
		fclose(f_);                                                     \
		if (rc_ != (long)(expected) || strstr(text_, (needle)) == NULL) { \
			print_error("%s returned %ld (expected %ld), log:\n%s(wanted \"%s\")\n", \
				    #expr, rc_, (long)(expected), text_, (needle)); \
			free(text_);                                            \
			fail();                                                 \
		}                                                               \
		free(text_);                                                    \
	} while (0)

static uint16_t probe_port(const char *name, const char *args)
{
	uint16_t port_id = ETHDEV_PORT_ID_INVALID;

	assert_int_equal(ethdev_vdev_probe(name, args), 0);
	assert_int_equal(ethdev_get_port_by_name(name, &port_id), 0);
	return port_id;
}

/* net_test port with 2 rx and 2 tx queues set up (not started). */
static uint16_t ready_port(const char *name)
{
	uint16_t p = probe_port(name, NULL);

	assert_int_equal(ethdev_configure(p, 2, 2, NULL), 0);
	for (uint16_t q = 0; q < 2; q++) {
		assert_int_equal(ethdev_rx_queue_setup(p, q, 0, EAL_SOCKET_ID_ANY, NULL, pool), 0);
		assert_int_equal(ethdev_tx_queue_setup(p, q, 0, EAL_SOCKET_ID_ANY, NULL), 0);
	}
	return p;
}

/* ------------------------------------------------------------------ */
/* Tests                                                                */

static void test_registry(void **state)
{
	uint16_t a, b, p, seen = 0, id;
	char name[ETHDEV_NAME_MAX_LEN];

	(void)state;
	assert_int_equal(ethdev_count_avail(), 0);
	assert_int_equal(ethdev_find_next(0), ETHDEV_MAX_PORTS);
	a = probe_port("net_test0", NULL);
	b = probe_port("net_test1", "fail=0");
	assert_int_not_equal(a, b);
	assert_int_equal(ethdev_count_avail(), 2);
	assert_true(ethdev_is_valid_port(a));
	ETHDEV_FOREACH_DEV(p) {
		assert_true(p == a || p == b);
		seen++;
	}
	assert_int_equal(seen, 2);
	assert_int_equal(ethdev_get_name_by_port(b, name), 0);
	assert_string_equal(name, "net_test1");
	assert_int_equal(ethdev_get_port_by_name("net_test9", &id), -ENODEV);
	assert_int_equal(ethdev_get_port_by_name(NULL, &id), -EINVAL);
	assert_int_equal(ethdev_socket_id(a), 0);
	EXPECT_LOGGED(ethdev_get_name_by_port(ETHDEV_MAX_PORTS - 1, name), -ENODEV, "does not exist");

	/* Closing frees the id for the next port. */
	assert_int_equal(ethdev_close(a), 0);
	assert_false(ethdev_is_valid_port(a));
	assert_int_equal(ethdev_count_avail(), 1);
	assert_int_equal(probe_port("net_test2", NULL), a);
	assert_int_equal(ethdev_close(a), 0);
	assert_int_equal(ethdev_close(b), 0);
	assert_int_equal(ethdev_count_avail(), 0);
}

static void test_bad_port_everywhere(void **state)
{
	const uint16_t ids[] = { 5, ETHDEV_MAX_PORTS, ETHDEV_PORT_ID_INVALID };
	struct ethdev_info info;
	struct ethdev_link link;
	struct ethdev_stats st;
	struct ethdev_xstat xs[4];
	struct ethdev_xstat_name xn[4];
	struct eth_addr mac = { { 2, 0, 0, 0, 0, 1 } };
	uint64_t v;
	uint16_t mtu;

	(void)state;
	for (size_t i = 0; i < EAL_DIM(ids); i++) {
		uint16_t p = ids[i];

		assert_false(ethdev_is_valid_port(p));
		EXPECT_LOGGED(ethdev_configure(p, 1, 1, NULL), -ENODEV, "does not exist");
		EXPECT_LOGGED(ethdev_rx_queue_setup(p, 0, 0, -1, NULL, pool), -ENODEV, "does not exist");
		EXPECT_LOGGED(ethdev_tx_queue_setup(p, 0, 0, -1, NULL), -ENODEV, "does not exist");
		EXPECT_LOGGED(ethdev_start(p), -ENODEV, "does not exist");
		EXPECT_LOGGED(ethdev_stop(p), -ENODEV, "does not exist");
		EXPECT_LOGGED(ethdev_close(p), -ENODEV, "does not exist");
		assert_int_equal(ethdev_is_started(p), -ENODEV);
		assert_int_equal(ethdev_info_get(p, &info), -ENODEV);
		assert_int_equal(ethdev_link_get(p, &link), -ENODEV);
		assert_int_equal(ethdev_link_get_nowait(p, &link), -ENODEV);
		assert_int_equal(ethdev_is_removed(p), -ENODEV);
		assert_int_equal(ethdev_macaddr_get(p, &mac), -ENODEV);
		assert_int_equal(ethdev_default_mac_addr_set(p, &mac), -ENODEV);
		assert_int_equal(ethdev_promiscuous_enable(p), -ENODEV);
		assert_int_equal(ethdev_promiscuous_disable(p), -ENODEV);
		assert_int_equal(ethdev_promiscuous_get(p), -ENODEV);
		assert_int_equal(ethdev_get_mtu(p, &mtu), -ENODEV);
		assert_int_equal(ethdev_set_mtu(p, 1500), -ENODEV);
		assert_int_equal(ethdev_stats_get(p, &st), -ENODEV);
		assert_int_equal(ethdev_stats_reset(p), -ENODEV);
		assert_int_equal(ethdev_xstats_get_names(p, xn, 4), -ENODEV);
		assert_int_equal(ethdev_xstats_get(p, xs, 4), -ENODEV);
		assert_int_equal(ethdev_xstats_reset(p), -ENODEV);
		assert_int_equal(ethdev_xstats_get_by_name(p, "rx_good_packets", &v), -ENODEV);
		assert_int_equal(ethdev_socket_id(p), -ENODEV);
	}
}

static void test_configure_errors(void **state)
{
	uint16_t p = probe_port("net_test0", NULL);
	struct ethdev_conf conf;
	struct mbuf *pkts[4];

	(void)state;
	/* Nothing works before configure. */
	EXPECT_LOGGED(ethdev_rx_queue_setup(p, 0, 0, -1, NULL, pool), -EINVAL, "ethdev_configure() first");
	EXPECT_LOGGED(ethdev_tx_queue_setup(p, 0, 0, -1, NULL), -EINVAL, "ethdev_configure() first");
	EXPECT_LOGGED(ethdev_start(p), -EINVAL, "ethdev_configure()");
	assert_int_equal(ethdev_rx_burst(p, 0, pkts, 4), 0);
	assert_int_equal(ethdev_tx_burst(p, 0, pkts, 4), 0);

	EXPECT_LOGGED(ethdev_configure(p, 0, 0, NULL), -EINVAL, "at least one");
	EXPECT_LOGGED(ethdev_configure(p, 5, 1, NULL), -EINVAL, "at most 4 rx / 2 tx");
	EXPECT_LOGGED(ethdev_configure(p, 1, 3, NULL), -EINVAL, "at most 4 rx / 2 tx");

	memset(&conf, 0, sizeof(conf));
	conf.rxmode.offloads = ETHDEV_RX_OFFLOAD_TIMESTAMP;
	EXPECT_LOGGED(ethdev_configure(p, 1, 1, &conf), -EINVAL, "not supported");
	memset(&conf, 0, sizeof(conf));
	conf.txmode.offloads = ETHDEV_TX_OFFLOAD_TCP_TSO;
	EXPECT_LOGGED(ethdev_configure(p, 1, 1, &conf), -EINVAL, "not supported");
	memset(&conf, 0, sizeof(conf));
	conf.rxmode.mtu = 9001;
	EXPECT_LOGGED(ethdev_configure(p, 1, 1, &conf), -EINVAL, "MTU 9001");
	conf.rxmode.mtu = 67;
	EXPECT_LOGGED(ethdev_configure(p, 1, 1, &conf), -EINVAL, "MTU 67");
	memset(&conf, 0, sizeof(conf));
	conf.rxmode.mq_mode = ETHDEV_MQ_RX_RSS;
	conf.rx_adv_conf.rss_conf.rss_hf = ETHDEV_RSS_TCP;
	EXPECT_LOGGED(ethdev_configure(p, 2, 1, &conf), -EINVAL, "RSS hash");
	conf.rx_adv_conf.rss_conf.rss_hf = ETHDEV_RSS_IP;
	EXPECT_LOGGED(ethdev_configure(p, 0, 1, &conf), -EINVAL, "RSS needs rx queues");
	conf.rxmode.mq_mode = (enum ethdev_rx_mq_mode)42;
	EXPECT_LOGGED(ethdev_configure(p, 1, 1, &conf), -EINVAL, "mq_mode");
	/* None of that reached the driver or changed the port. */
	assert_int_equal(tport(p)->configure_calls, 0);
	assert_int_equal(ethdev_start(p), -EINVAL);

	/* Valid: RSS over the IP hash the driver has; MTU applied. */
	conf.rxmode.mq_mode = ETHDEV_MQ_RX_RSS;
	conf.rxmode.mtu = 9000;
	conf.rxmode.offloads = ETHDEV_RX_OFFLOAD_IPV4_CKSUM;
	assert_int_equal(ethdev_configure(p, 4, 2, &conf), 0);
	assert_int_equal(tport(p)->configure_calls, 1);
	uint16_t mtu = 0;
	assert_int_equal(ethdev_get_mtu(p, &mtu), 0);
	assert_int_equal(mtu, 9000);
	assert_int_equal(ethdev_close(p), 0);
}

static void test_queue_setup_errors(void **state)
{
	uint16_t p = probe_port("net_test0", NULL);
	struct ethdev_rxconf rxconf;
	struct tdrv_port *tp = tport(p);

	(void)state;
	assert_int_equal(ethdev_configure(p, 2, 1, NULL), 0);
	EXPECT_LOGGED(ethdev_rx_queue_setup(p, 2, 0, -1, NULL, pool), -EINVAL, "rx queue 2 does not exist");
	EXPECT_LOGGED(ethdev_tx_queue_setup(p, 1, 0, -1, NULL), -EINVAL, "tx queue 1 does not exist");
	EXPECT_LOGGED(ethdev_rx_queue_setup(p, 0, 63, -1, NULL, pool), -EINVAL, "64..4096, a multiple of 32");
	EXPECT_LOGGED(ethdev_rx_queue_setup(p, 0, 4097, -1, NULL, pool), -EINVAL, "out of limits");
	EXPECT_LOGGED(ethdev_rx_queue_setup(p, 0, 100, -1, NULL, pool), -EINVAL, "multiple of 32");
	EXPECT_LOGGED(ethdev_tx_queue_setup(p, 0, 2064, -1, NULL), -EINVAL, "32..2048, a multiple of 16");
	EXPECT_LOGGED(ethdev_rx_queue_setup(p, 0, 0, -1, NULL, NULL), -EINVAL, "pool is NULL");
	EXPECT_LOGGED(ethdev_rx_queue_setup(p, 0, 0, -1, NULL, small_pool), -EINVAL, "needs at least 1024");
	EXPECT_LOGGED(ethdev_rx_queue_setup(p, 0, 0, 1000, NULL, pool), -EINVAL, "socket id 1000");
	EXPECT_LOGGED(ethdev_tx_queue_setup(p, 0, 0, -7, NULL), -EINVAL, "socket id -7");
	/* IPv4 checksum is a port offload only: a queue cannot ask for it alone. */
	memset(&rxconf, 0, sizeof(rxconf));
	rxconf.offloads = ETHDEV_RX_OFFLOAD_IPV4_CKSUM;
	EXPECT_LOGGED(ethdev_rx_queue_setup(p, 0, 0, -1, &rxconf, pool), -EINVAL, "rx queue offloads");
	assert_null(ethdev_get_dev(p)->data.rx_queues[0]);

	/* 0 descriptors: the driver's preferred size. Per-queue offload OK. */
	rxconf.offloads = ETHDEV_RX_OFFLOAD_VLAN_STRIP;
	assert_int_equal(ethdev_rx_queue_setup(p, 0, 0, -1, &rxconf, pool), 0);
	assert_int_equal(tp->rx_nb_desc[0], 256);
	assert_true(tp->rx_queue_offloads[0] == ETHDEV_RX_OFFLOAD_VLAN_STRIP);
	/* Set up again: the old queue is released first. */
	assert_int_equal(ethdev_rx_queue_setup(p, 0, 4096, 0, NULL, pool), 0);
	assert_int_equal(tp->rx_nb_desc[0], 4096);
	assert_int_equal(tp->rxq_releases, 1);

	/* Start refuses while a queue is missing, and names it. */
	EXPECT_LOGGED(ethdev_start(p), -EINVAL, "rx queue 1 is not set up");
	assert_int_equal(ethdev_rx_queue_setup(p, 1, 64, 0, NULL, pool), 0);
	EXPECT_LOGGED(ethdev_start(p), -EINVAL, "tx queue 0 is not set up");
	assert_int_equal(ethdev_tx_queue_setup(p, 0, 32, 0, NULL), 0);
	assert_int_equal(tp->start_calls, 0);
	assert_int_equal(ethdev_start(p), 0);
	assert_int_equal(ethdev_stop(p), 0);

	/* A port-wide offload is allowed on a queue (and inherited). */
	struct ethdev_conf conf = { .rxmode.offloads = ETHDEV_RX_OFFLOAD_IPV4_CKSUM };
	assert_int_equal(ethdev_configure(p, 2, 1, &conf), 0);
	rxconf.offloads = ETHDEV_RX_OFFLOAD_IPV4_CKSUM;
	assert_int_equal(ethdev_rx_queue_setup(p, 0, 0, -1, &rxconf, pool), 0);
	assert_int_equal(ethdev_rx_queue_setup(p, 1, 0, -1, NULL, pool), 0);
	assert_true(tp->rx_queue_offloads[1] & ETHDEV_RX_OFFLOAD_IPV4_CKSUM);
	assert_int_equal(ethdev_close(p), 0);
}

static void test_start_stop_close(void **state)
{
	uint16_t p = ready_port("net_test0");
	struct tdrv_port *tp = tport(p);
	struct ethdev_link link;

	(void)state;
	assert_int_equal(ethdev_is_started(p), 0);
	assert_int_equal(ethdev_link_get_nowait(p, &link), 0);
	assert_int_equal(link.link_status, ETHDEV_LINK_DOWN);

	/* The driver failing to start leaves the port stopped. */
	tp->fail_start = -EIO;
	EXPECT_LOGGED(ethdev_start(p), -EIO, "failed to start");
	assert_int_equal(ethdev_is_started(p), 0);
	tp->fail_start = 0;

	assert_int_equal(ethdev_start(p), 0);
	assert_int_equal(ethdev_is_started(p), 1);
	assert_int_equal(ethdev_link_get(p, &link), 0);
	assert_int_equal(link.link_status, ETHDEV_LINK_UP);
	assert_int_equal(link.link_speed, ETHDEV_SPEED_NUM_10G);
	/* Starting twice is harmless and does not call the driver again. */
	assert_int_equal(ethdev_start(p), 0);
	assert_int_equal(tp->start_calls, 2);

	/* Changes that need a stopped port. */
	EXPECT_LOGGED(ethdev_configure(p, 1, 1, NULL), -EBUSY, "ethdev_stop() first");
	EXPECT_LOGGED(ethdev_rx_queue_setup(p, 0, 0, -1, NULL, pool), -EBUSY, "ethdev_stop() first");
	EXPECT_LOGGED(ethdev_tx_queue_setup(p, 1, 0, -1, NULL), -EBUSY, "ethdev_stop() first");
	EXPECT_LOGGED(ethdev_close(p), -EBUSY, "ethdev_stop() first");
	assert_int_equal(tp->configure_calls, 1);

	assert_int_equal(ethdev_stop(p), 0);
	assert_int_equal(ethdev_stop(p), 0); /* twice: harmless */
	assert_int_equal(tp->stop_calls, 1);
	assert_int_equal(ethdev_is_started(p), 0);
	assert_int_equal(ethdev_link_get(p, &link), 0);
	assert_int_equal(link.link_status, ETHDEV_LINK_DOWN);

	/* Fewer queues: the extra ones are released, the others kept. */
	assert_int_equal(ethdev_configure(p, 1, 1, NULL), 0);
	assert_int_equal(tp->rxq_releases, 1);
	assert_int_equal(tp->txq_releases, 1);
	assert_int_equal(ethdev_start(p), 0);
	assert_int_equal(ethdev_stop(p), 0);
	/* Close releases the rest (ASan checks that no queue leaks). */
	assert_int_equal(tp->close_calls, 0);
	assert_int_equal(ethdev_close(p), 0);
	assert_false(ethdev_is_valid_port(p));
}

static void test_fast_path(void **state)
{
	uint16_t p = ready_port("net_test0");
	struct ethdev *dev = ethdev_get_dev(p);
	struct tdrv_port *tp = dev->data.dev_private;
	struct mbuf *pkts[8] = { 0 };

	(void)state;
	/* Configured but not started: nothing reaches the driver. */
	assert_int_equal(ethdev_rx_burst(p, 0, pkts, 8), 0);
	assert_int_equal(ethdev_tx_burst(p, 1, pkts, 8), 0);
	assert_null(tp->last_queue);

	assert_int_equal(ethdev_start(p), 0);
	assert_int_equal(ethdev_rx_burst(p, 1, pkts, 8), 4);
	assert_ptr_equal(tp->last_queue, dev->data.rx_queues[1]);
	assert_int_equal(ethdev_rx_burst(p, 0, pkts, 8), 4);
	assert_ptr_equal(tp->last_queue, dev->data.rx_queues[0]);
	assert_int_equal(ethdev_tx_burst(p, 1, pkts, 8), 8);
	assert_ptr_equal(tp->last_queue, dev->data.tx_queues[1]);
	assert_int_equal(((struct tdrv_queue *)dev->data.rx_queues[0])->bursts, 1);

	if (ETHDEV_DEBUG) {
		/* Range checks: a bad id returns 0 and the driver is not called. */
		tp->last_queue = NULL;
		EXPECT_LOGGED(ethdev_rx_burst(p, 2, pkts, 8), 0, "no rx queue 2");
		EXPECT_LOGGED(ethdev_tx_burst(p, 2, pkts, 8), 0, "no tx queue 2");
		EXPECT_LOGGED(ethdev_rx_burst(ETHDEV_MAX_PORTS, 0, pkts, 8), 0, "out of range");
		assert_null(tp->last_queue);
	} else {
		fprintf(stderr, "release build (ETHDEV_DEBUG 0): burst id range checks are compiled out, not tested\n");
	}

	/* Stopped: the dummy burst, once more without calling the driver. */
	assert_int_equal(ethdev_stop(p), 0);
	tp->last_queue = NULL;
	assert_int_equal(ethdev_rx_burst(p, 0, pkts, 8), 0);
	assert_int_equal(ethdev_tx_burst(p, 0, pkts, 8), 0);
	assert_null(tp->last_queue);
	/* and back */
	assert_int_equal(ethdev_start(p), 0);
	assert_int_equal(ethdev_rx_burst(p, 0, pkts, 2), 1);
	assert_ptr_equal(tp->last_queue, dev->data.rx_queues[0]);
	assert_int_equal(ethdev_stop(p), 0);
	assert_int_equal(ethdev_close(p), 0);
	/* A closed port's slot bursts nothing. */
	assert_int_equal(ethdev_rx_burst(p, 0, pkts, 8), 0);
}

static void test_info_link_mac_modes(void **state)
{
	uint16_t p = probe_port("net_test0", NULL);
	struct tdrv_port *tp = tport(p);
	struct ethdev_info info;
	struct ethdev_link link;
	struct eth_addr mac, mcast = { { 0x01, 0, 0x5e, 0, 0, 1 } }, zero = { { 0 } };
	const struct eth_addr good = { { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 } };
	char text[ETHDEV_LINK_MAX_STR_LEN];
	uint16_t mtu;

	(void)state;
	assert_int_equal(ethdev_info_get(p, &info), 0);
	assert_string_equal(info.driver_name, "net_test");
	assert_string_equal(info.device_name, "net_test0");
	assert_int_equal(info.max_rx_queues, 4);
	assert_int_equal(info.max_tx_queues, 2);
	assert_int_equal(info.rx_desc_lim.nb_align, 32);
	assert_int_equal(info.min_rx_bufsize, 1024);
	assert_int_equal(info.max_mtu, 9000);
	assert_int_equal(info.nb_rx_queues, 0);
	assert_int_equal(ethdev_info_get(p, NULL), -EINVAL);

	assert_int_equal(ethdev_link_get_nowait(p, &link), 0);
	/* The driver says whether its device is gone. */
	assert_int_equal(ethdev_is_removed(p), 0);
	tp->removed = true;
	assert_int_equal(ethdev_is_removed(p), 1);
	tp->removed = false;
	assert_int_equal(ethdev_link_to_str(text, sizeof(text), &link), (int)strlen("Link down"));
	assert_string_equal(text, "Link down");
	link.link_status = ETHDEV_LINK_UP;
	ethdev_link_to_str(text, sizeof(text), &link);
	assert_string_equal(text, "Link up at 10 Gbps FDX Fixed");
	link.link_speed = 100;
	link.link_duplex = ETHDEV_LINK_HALF_DUPLEX;
	link.link_autoneg = ETHDEV_LINK_AUTONEG;
	ethdev_link_to_str(text, sizeof(text), &link);
	assert_string_equal(text, "Link up at 100 Mbps HDX Autoneg");
	link.link_speed = ETHDEV_SPEED_NUM_UNKNOWN;
	ethdev_link_to_str(text, sizeof(text), &link);
	assert_string_equal(text, "Link up at Unknown HDX Autoneg");
	assert_int_equal(ethdev_link_to_str(NULL, 0, &link), -EINVAL);
	assert_int_equal(ethdev_link_get(p, NULL), -EINVAL);

	assert_int_equal(ethdev_macaddr_get(p, &mac), 0);
	assert_int_equal(mac.addr_bytes[5], 0x42);
	EXPECT_LOGGED(ethdev_default_mac_addr_set(p, &mcast), -EINVAL, "unicast");
	EXPECT_LOGGED(ethdev_default_mac_addr_set(p, &zero), -EINVAL, "unicast");
	EXPECT_LOGGED(ethdev_default_mac_addr_set(p, NULL), -EINVAL, "NULL");
	assert_int_equal(tp->mac_set_calls, 0);
	assert_int_equal(ethdev_default_mac_addr_set(p, &good), 0);
	assert_int_equal(tp->mac_set_calls, 1);
	assert_int_equal(ethdev_macaddr_get(p, &mac), 0);
	assert_true(ether_addr_is_same(&mac, &good));
	assert_int_equal(ethdev_macaddr_get(p, NULL), -EINVAL);

	assert_int_equal(ethdev_promiscuous_get(p), 0);
	assert_int_equal(ethdev_promiscuous_enable(p), 0);
	assert_int_equal(ethdev_promiscuous_get(p), 1);
	assert_int_equal(ethdev_promiscuous_disable(p), 0);
	assert_int_equal(ethdev_promiscuous_get(p), 0);
	assert_int_equal(tp->promisc_calls, 2);

	assert_int_equal(ethdev_get_mtu(p, &mtu), 0);
	assert_int_equal(mtu, ETHER_MTU);
	EXPECT_LOGGED(ethdev_set_mtu(p, 9001), -EINVAL, "MTU 9001");
	EXPECT_LOGGED(ethdev_set_mtu(p, 20), -EINVAL, "MTU 20");
	assert_int_equal(ethdev_set_mtu(p, 4000), 0);
	assert_int_equal(ethdev_get_mtu(p, &mtu), 0);
	assert_int_equal(mtu, 4000);
	assert_int_equal(ethdev_get_mtu(p, NULL), -EINVAL);
	assert_int_equal(ethdev_close(p), 0);
}

static void test_optional_ops_missing(void **state)
{
	uint16_t p = probe_port("net_test_bare0", NULL);
	struct ethdev_info info;
	struct ethdev_link link;
	const struct eth_addr good = { { 0x02, 1, 2, 3, 4, 5 } };
	struct ethdev_xstat_name *names;
	struct ethdev_xstat *values;
	uint64_t v;
	int n;

	(void)state;
	/* Longest prefix: net_test_bare0 went to net_test_bare, not net_test. */
	assert_int_equal(ethdev_info_get(p, &info), 0);
	assert_string_equal(info.driver_name, "net_test_bare");
	/* Queue counts are clamped to what the fast-path table holds. */
	assert_int_equal(info.max_rx_queues, EAL_MIN(1000, ETHDEV_MAX_QUEUES_PER_PORT));
	/* A driver that cannot tell never reports its device gone. */
	assert_int_equal(ethdev_is_removed(p), 0);
	EXPECT_LOGGED(ethdev_promiscuous_enable(p), -ENOTSUP, "cannot change promiscuous");
	EXPECT_LOGGED(ethdev_default_mac_addr_set(p, &good), -ENOTSUP, "cannot change the MAC");
	EXPECT_LOGGED(ethdev_set_mtu(p, 1400), -ENOTSUP, "cannot change the MTU");
	EXPECT_LOGGED(ethdev_stats_reset(p), -ENOTSUP, "cannot reset");
	/* No link op: the link stays as probed (down). */
	assert_int_equal(ethdev_link_get(p, &link), 0);
	assert_int_equal(link.link_status, ETHDEV_LINK_DOWN);

	/* Only the generic xstats, per-queue ones capped at 16 queues. */
	uint16_t nb_rxq = EAL_MIN(20, ETHDEV_MAX_QUEUES_PER_PORT);
	assert_int_equal(ethdev_configure(p, nb_rxq, 1, NULL), 0);
	n = ethdev_xstats_get_names(p, NULL, 0);
	assert_int_equal(n, 8 + EAL_MIN(nb_rxq, ETHDEV_QUEUE_STAT_CNTRS) * 3 + 1 * 2);
	names = calloc((size_t)n, sizeof(*names));
	values = calloc((size_t)n, sizeof(*values));
	assert_int_equal(ethdev_xstats_get_names(p, names, (unsigned)n), n);
	assert_int_equal(ethdev_xstats_get(p, values, (unsigned)n), n);
	assert_string_equal(names[n - 1].name, "tx_q0_bytes");
	assert_int_equal(ethdev_xstats_get_by_name(p, "rx_good_packets", &v), 0);
	assert_int_equal(v, 7);
	free(names);
	free(values);

	/* Queues without a release op, and close without a close op. */
	for (uint16_t q = 0; q < nb_rxq; q++)
		assert_int_equal(ethdev_rx_queue_setup(p, q, 0, -1, NULL, pool), 0);
	assert_int_equal(ethdev_tx_queue_setup(p, 0, 0, -1, NULL), 0);
	assert_int_equal(ethdev_start(p), 0);
	assert_int_equal(ethdev_stop(p), 0);
	assert_int_equal(ethdev_close(p), 0);
}

static void test_stats_xstats(void **state)
{
	uint16_t p = probe_port("net_test0", NULL);
	struct tdrv_port *tp = tport(p);
	struct ethdev_stats st;
	struct ethdev_xstat_name names[32];
	struct ethdev_xstat values[32];
	uint64_t v = 0;
	int n, i;

	(void)state;
	assert_int_equal(ethdev_configure(p, 2, 1, NULL), 0);
	tp->stats.ipackets = 100;
	tp->stats.opackets = 90;
	tp->stats.ibytes = 6400;
	tp->stats.obytes = 5760;
	tp->stats.imissed = 3;
	tp->stats.ierrors = 2;
	tp->stats.oerrors = 1;
	tp->stats.rx_nombuf = 5;
	tp->stats.q_ipackets[0] = 60;
	tp->stats.q_ipackets[1] = 40;
	tp->stats.q_ibytes[1] = 2560;
	tp->stats.q_errors[1] = 2;
	tp->stats.q_opackets[0] = 90;
	tp->stats.q_obytes[0] = 5760;
	tp->xstat_a = 11;
	tp->xstat_b = 22;

	assert_int_equal(ethdev_stats_get(p, &st), 0);
	assert_int_equal(st.ipackets, 100);
	assert_int_equal(st.q_ipackets[1], 40);
	assert_int_equal(ethdev_stats_get(p, NULL), -EINVAL);

	/* 8 port + 2 x 3 rx queue + 1 x 2 tx queue + 2 driver. */
	n = ethdev_xstats_get_names(p, NULL, 0);
	assert_int_equal(n, 18);
	/* Too small: the count, and nothing written. */
	memset(names, 0, sizeof(names));
	assert_int_equal(ethdev_xstats_get_names(p, names, 17), 18);
	assert_string_equal(names[0].name, "");
	values[0].value = 12345;
	assert_int_equal(ethdev_xstats_get(p, values, 17), 18);
	assert_int_equal(values[0].value, 12345);
	assert_int_equal(ethdev_xstats_get(p, NULL, 0), 18);

	assert_int_equal(ethdev_xstats_get_names(p, names, 32), 18);
	assert_int_equal(ethdev_xstats_get(p, values, 32), 18);
	static const struct {
		const char *name;
		uint64_t value;
	} expect[] = {
		{ "rx_good_packets", 100 }, { "tx_good_packets", 90 }, { "rx_good_bytes", 6400 },
		{ "tx_good_bytes", 5760 }, { "rx_missed_errors", 3 }, { "rx_errors", 2 },
		{ "tx_errors", 1 }, { "rx_mbuf_allocation_errors", 5 },
		{ "rx_q0_packets", 60 }, { "rx_q0_bytes", 0 }, { "rx_q0_errors", 0 },
		{ "rx_q1_packets", 40 }, { "rx_q1_bytes", 2560 }, { "rx_q1_errors", 2 },
		{ "tx_q0_packets", 90 }, { "tx_q0_bytes", 5760 },
		{ "test_xstat_a", 11 }, { "test_xstat_b", 22 },
	};
	for (i = 0; i < n; i++) {
		assert_string_equal(names[i].name, expect[i].name);
		assert_int_equal(values[i].id, i);
		assert_int_equal(values[i].value, expect[i].value);
	}
	assert_int_equal(ethdev_xstats_get_by_name(p, "rx_q1_bytes", &v), 0);
	assert_int_equal(v, 2560);
	assert_int_equal(ethdev_xstats_get_by_name(p, "test_xstat_b", &v), 0);
	assert_int_equal(v, 22);
	assert_int_equal(ethdev_xstats_get_by_name(p, "rx_q2_packets", &v), -ENOENT);
	assert_int_equal(ethdev_xstats_get_by_name(p, NULL, &v), -EINVAL);
	assert_int_equal(ethdev_xstats_get_by_name(p, "rx_errors", NULL), -EINVAL);

	/* Reset: basic through stats_reset, driver ones through xstats_reset. */
	assert_int_equal(ethdev_stats_reset(p), 0);
	assert_int_equal(tp->stats_reset_calls, 1);
	assert_int_equal(ethdev_xstats_get_by_name(p, "rx_good_packets", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(ethdev_xstats_get_by_name(p, "test_xstat_a", &v), 0);
	assert_int_equal(v, 11);
	assert_int_equal(ethdev_xstats_reset(p), 0);
	assert_int_equal(tp->xstats_reset_calls, 1);
	assert_int_equal(tp->stats_reset_calls, 2);
	assert_int_equal(ethdev_xstats_get_by_name(p, "test_xstat_a", &v), 0);
	assert_int_equal(v, 0);

	/* The list follows the configuration. */
	assert_int_equal(ethdev_configure(p, 4, 2, NULL), 0);
	assert_int_equal(ethdev_xstats_get_names(p, NULL, 0), 8 + 12 + 4 + 2);
	assert_int_equal(ethdev_close(p), 0);
}

static void test_vdev_probe_errors(void **state)
{
	uint16_t p;

	(void)state;
	EXPECT_LOGGED(ethdev_vdev_probe("net_bogus0", NULL), -ENOENT, "known drivers: net_test");
	EXPECT_LOGGED(ethdev_vdev_probe("net_bogus0", NULL), -ENOENT, "net_test_bare");
	EXPECT_LOGGED(ethdev_vdev_probe("", NULL), -EINVAL, "empty");
	assert_int_equal(ethdev_vdev_probe(NULL, NULL), -EINVAL);
	/* The driver refusing its arguments leaves no port behind. */
	EXPECT_LOGGED(ethdev_vdev_probe("net_test0", "fail=1"), -EINVAL, "failed to probe");
	EXPECT_LOGGED(ethdev_vdev_probe("net_test0", "colour=blue"), -EINVAL, "failed to probe");
	assert_int_equal(ethdev_count_avail(), 0);

	p = probe_port("net_test0", "");
	EXPECT_LOGGED(ethdev_vdev_probe("net_test0", NULL), -EEXIST, "exists already");
	assert_int_equal(ethdev_count_avail(), 1);
	assert_int_equal(ethdev_close(p), 0);

	/* Both drivers, in registration order (not fixed within one file). */
	char list[128];
	int full = (int)strlen("net_test, net_test_bare");
	assert_int_equal(ethdev_driver_list(list, sizeof(list)), full);
	assert_true(strcmp(list, "net_test, net_test_bare") == 0 ||
		    strcmp(list, "net_test_bare, net_test") == 0);
	assert_int_equal(ethdev_driver_list(list, 4), full);
	assert_string_equal(list, "net");
}

static void test_port_exhaustion(void **state)
{
	char name[ETHDEV_NAME_MAX_LEN + 8];
	uint16_t i, p;

	(void)state;
	errno = 0;
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_null(ethdev_allocate(name, &bare_driver, 0, 0));
	assert_int_equal(errno, EINVAL);

	for (i = 0; i < ETHDEV_MAX_PORTS; i++) {
		snprintf(name, sizeof(name), "net_test_bare%u", i);
		assert_int_equal(ethdev_vdev_probe(name, NULL), 0);
	}
	assert_int_equal(ethdev_count_avail(), ETHDEV_MAX_PORTS);
	EXPECT_LOGGED(ethdev_vdev_probe("net_test_bare_extra", NULL), -ENOSPC, "all");
	ETHDEV_FOREACH_DEV(p)
		assert_int_equal(ethdev_close(p), 0);
	assert_int_equal(ethdev_count_avail(), 0);
}

/* eal_cleanup() closes whatever ports are left, started or not. */
static void test_cleanup_closes_ports(void **state)
{
	uint16_t a = ready_port("net_test0");

	(void)state;
	probe_port("net_test_bare0", NULL);
	assert_int_equal(ethdev_start(a), 0);
	/* The pools go first, as they must (no driver here holds mbufs). */
	mempool_free(pool);
	mempool_free(small_pool);
	pool = small_pool = NULL;
	eal_cleanup();
	assert_int_equal(ethdev_count_avail(), 0);
	assert_false(eal_initialized());
}

/* Each test leaves no port behind. */
static int no_ports_left(void **state)
{
	uint16_t p;

	(void)state;
	if (ethdev_count_avail() == 0)
		return 0;
	fprintf(stderr, "ports left open by the test:");
	ETHDEV_FOREACH_DEV(p) {
		fprintf(stderr, " %u", p);
		ethdev_stop(p);
		ethdev_close(p);
	}
	fprintf(stderr, "\n");
	return -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_registry, no_ports_left),
		cmocka_unit_test_teardown(test_bad_port_everywhere, no_ports_left),
		cmocka_unit_test_teardown(test_configure_errors, no_ports_left),
		cmocka_unit_test_teardown(test_queue_setup_errors, no_ports_left),
		cmocka_unit_test_teardown(test_start_stop_close, no_ports_left),
		cmocka_unit_test_teardown(test_fast_path, no_ports_left),
		cmocka_unit_test_teardown(test_info_link_mac_modes, no_ports_left),
		cmocka_unit_test_teardown(test_optional_ops_missing, no_ports_left),
		cmocka_unit_test_teardown(test_stats_xstats, no_ports_left),
		cmocka_unit_test_teardown(test_vdev_probe_errors, no_ports_left),
		cmocka_unit_test_teardown(test_port_exhaustion, no_ports_left),
		cmocka_unit_test_teardown(test_cleanup_closes_ports, no_ports_left),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
