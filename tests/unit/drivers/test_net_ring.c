/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_ring: the loopback vdev (order, queues kept apart, drops when the
 * ring is full, drained at stop, rings freed at close), ethdev_from_rings()
 * pipelines between two ports (caller's rings left alone) and its argument
 * errors, stats and the driver's xstats.
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
#include "ethdev.h"
#include "port_fixture.h"
#include "net_ring.h"

#define POOL_SIZE 256

static struct mempool *pool;
static uint16_t port_lb, port_small;

static int group_setup(void **state)
{
	static const char *const vdevs[] = {
		"--vdev=net_ring0", "--vdev=net_ring1,queues=2,size=16", NULL
	};

	(void)state;
	if (fixture_eal_init("test_net_ring", vdevs) < 0)
		return -1;
	pool = pktmbuf_pool_create("ring_pool", POOL_SIZE, 0, 0, MBUF_DEFAULT_BUF_SIZE,
				   EAL_SOCKET_ID_ANY);
	port_lb = fixture_port_of("net_ring0");
	port_small = fixture_port_of("net_ring1");
	return pool != NULL && port_small != ETHDEV_PORT_ID_INVALID ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	fixture_teardown(pool);
	return 0;
}

/* After each test: ports stopped, every mbuf home. */
static int stop_all_and_check_pool(void **state)
{
	(void)state;
	return fixture_stop_all_check_pool(pool);
}

static void start_port(uint16_t p, uint16_t nb_q)
{
	fixture_start_port(p, nb_q, nb_q, pool);
}

/* @n packets of @len bytes numbered from @first in seqn. */
static void make_packets(struct mbuf **pkts, unsigned n, uint32_t first, uint16_t len)
{
	unsigned i;

	assert_int_equal(pktmbuf_alloc_bulk(pool, pkts, n), 0);
	for (i = 0; i < n; i++) {
		assert_non_null(pktmbuf_append(pkts[i], len));
		pkts[i]->seqn = first + i;
	}
}

static uint64_t xstat(uint16_t p, const char *name)
{
	uint64_t v = UINT64_MAX;

	assert_int_equal(ethdev_xstats_get_by_name(p, name, &v), 0);
	return v;
}

static void test_info(void **state)
{
	struct ethdev_info info;
	struct ethdev_link link;
	struct eth_addr mac;

	(void)state;
	assert_int_equal(ethdev_info_get(port_lb, &info), 0);
	assert_string_equal(info.driver_name, "net_ring");
	assert_int_equal(info.max_rx_queues, 1);
	assert_int_equal(info.max_tx_queues, 1);
	assert_int_equal(ethdev_info_get(port_small, &info), 0);
	assert_int_equal(info.max_rx_queues, 2);
	/* More queues than rings is refused. */
	assert_int_equal(ethdev_configure(port_lb, 2, 1, NULL), -EINVAL);
	assert_int_equal(ethdev_macaddr_get(port_lb, &mac), 0);
	assert_true(ether_addr_is_valid_assigned(&mac));

	start_port(port_lb, 1);
	assert_int_equal(ethdev_link_get(port_lb, &link), 0);
	assert_int_equal(link.link_status, ETHDEV_LINK_UP);
	assert_int_equal(ethdev_stop(port_lb), 0);
	assert_int_equal(ethdev_link_get(port_lb, &link), 0);
	assert_int_equal(link.link_status, ETHDEV_LINK_DOWN);
}

static void test_loopback_order(void **state)
{
	struct mbuf *tx[10], *rx[32];
	struct ethdev_stats st;
	unsigned i;

	(void)state;
	start_port(port_lb, 1);
	make_packets(tx, 10, 100, 64);
	assert_int_equal(ethdev_tx_burst(port_lb, 0, tx, 10), 10);
	assert_int_equal(ethdev_rx_burst(port_lb, 0, rx, 32), 10);
	for (i = 0; i < 10; i++) {
		assert_ptr_equal(rx[i], tx[i]);
		assert_int_equal(rx[i]->seqn, 100 + i);
	}
	assert_int_equal(ethdev_rx_burst(port_lb, 0, rx + 10, 32), 0);
	assert_int_equal(ethdev_stats_get(port_lb, &st), 0);
	assert_int_equal(st.opackets, 10);
	assert_int_equal(st.obytes, 640);
	assert_int_equal(st.ipackets, 10);
	assert_int_equal(st.ibytes, 640);
	assert_int_equal(st.oerrors, 0);
	assert_int_equal(xstat(port_lb, "rx_empty_polls"), 1);
	assert_int_equal(xstat(port_lb, "tx_full_bursts"), 0);
	pktmbuf_free_bulk(rx, 10);
}

static void test_queues_kept_apart(void **state)
{
	struct mbuf *a[3], *b[5], *rx[16];
	struct ethdev_stats st;
	unsigned i;

	(void)state;
	start_port(port_small, 2);
	make_packets(a, 3, 0, 60);
	make_packets(b, 5, 1000, 60);
	assert_int_equal(ethdev_tx_burst(port_small, 0, a, 3), 3);
	assert_int_equal(ethdev_tx_burst(port_small, 1, b, 5), 5);
	assert_int_equal(ethdev_rx_burst(port_small, 1, rx, 16), 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(rx[i]->seqn, 1000 + i);
	pktmbuf_free_bulk(rx, 5);
	assert_int_equal(ethdev_rx_burst(port_small, 0, rx, 16), 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(rx[i]->seqn, i);
	pktmbuf_free_bulk(rx, 3);
	assert_int_equal(ethdev_stats_get(port_small, &st), 0);
	assert_int_equal(st.q_opackets[0], 3);
	assert_int_equal(st.q_opackets[1], 5);
	assert_int_equal(st.q_ipackets[1], 5);
	assert_int_equal(st.q_ibytes[0], 180);
}

static void test_drops_when_full(void **state)
{
	struct mbuf *tx[20], *rx[32];
	struct ethdev_stats st;
	uint16_t sent;
	unsigned i;

	(void)state;
	start_port(port_small, 2);
	make_packets(tx, 20, 0, 100);
	/* The ring holds 16: the last 4 stay the caller's. */
	sent = ethdev_tx_burst(port_small, 0, tx, 20);
	assert_int_equal(sent, 16);
	assert_int_equal(ethdev_tx_burst(port_small, 0, tx + sent, 4), 0);
	assert_int_equal(ethdev_stats_get(port_small, &st), 0);
	assert_int_equal(st.opackets, 16);
	assert_int_equal(st.obytes, 1600);
	assert_int_equal(st.oerrors, 8);
	assert_int_equal(xstat(port_small, "tx_full_bursts"), 2);
	assert_int_equal(xstat(port_small, "tx_errors"), 8);
	/* Still ours to free; none of them was touched. */
	for (i = 16; i < 20; i++)
		assert_int_equal(mbuf_refcnt_read(tx[i]), 1);
	pktmbuf_free_bulk(tx + 16, 4);

	assert_int_equal(ethdev_rx_burst(port_small, 0, rx, 32), 16);
	for (i = 0; i < 16; i++)
		assert_int_equal(rx[i]->seqn, i);
	pktmbuf_free_bulk(rx, 16);
}

static void test_stop_drains(void **state)
{
	struct mbuf *tx[7], *rx[8];

	(void)state;
	start_port(port_lb, 1);
	make_packets(tx, 7, 0, 64);
	assert_int_equal(ethdev_tx_burst(port_lb, 0, tx, 7), 7);
	assert_int_equal(mempool_in_use_count(pool), 7);
	assert_int_equal(ethdev_stop(port_lb), 0);
	/* Loopback packets in flight are freed by the stop. */
	assert_true(mempool_full(pool));
	assert_int_equal(ethdev_start(port_lb), 0);
	assert_int_equal(ethdev_rx_burst(port_lb, 0, rx, 8), 0);
}

static void test_close_frees_rings(void **state)
{
	char ring_name[RING_NAMESIZE];
	struct mbuf *tx[3];
	uint16_t p;

	(void)state;
	assert_int_equal(ethdev_vdev_probe("net_ring7", "queues=3"), 0);
	p = fixture_port_of("net_ring7");
	snprintf(ring_name, sizeof(ring_name), "net_ring_p%u_q2", p);
	assert_non_null(ring_lookup(ring_name));
	start_port(p, 3);
	make_packets(tx, 3, 0, 64);
	assert_int_equal(ethdev_tx_burst(p, 2, tx, 3), 3);
	assert_int_equal(ethdev_stop(p), 0);
	assert_int_equal(ethdev_close(p), 0);
	assert_null(ring_lookup(ring_name));
	assert_true(mempool_full(pool));
	/* The name can be used again. */
	assert_int_equal(ethdev_vdev_probe("net_ring7", NULL), 0);
	assert_int_equal(ethdev_close(fixture_port_of("net_ring7")), 0);
}

static void test_from_rings_pipeline(void **state)
{
	struct ring *a_to_b = ring_create("a_to_b", 64, EAL_SOCKET_ID_ANY, 0);
	struct ring *b_to_a = ring_create("b_to_a", 64, EAL_SOCKET_ID_ANY, 0);
	struct mbuf *tx[5], *rx[8];
	struct ethdev_info info;
	int a, b;
	unsigned i;

	(void)state;
	assert_non_null(a_to_b);
	assert_non_null(b_to_a);
	a = ethdev_from_rings("ring_port_a", &b_to_a, 1, &a_to_b, 1, 0);
	b = ethdev_from_rings("ring_port_b", &a_to_b, 1, &b_to_a, 1, 0);
	assert_true(a >= 0);
	assert_true(b >= 0);
	assert_int_not_equal(a, b);
	assert_int_equal(ethdev_info_get((uint16_t)a, &info), 0);
	assert_string_equal(info.driver_name, "net_ring");
	assert_string_equal(info.device_name, "ring_port_a");
	start_port((uint16_t)a, 1);
	start_port((uint16_t)b, 1);

	make_packets(tx, 5, 50, 128);
	assert_int_equal(ethdev_tx_burst((uint16_t)a, 0, tx, 5), 5);
	assert_int_equal(ethdev_rx_burst((uint16_t)b, 0, rx, 8), 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(rx[i]->seqn, 50 + i);
	/* and back */
	assert_int_equal(ethdev_tx_burst((uint16_t)b, 0, rx, 5), 5);
	assert_int_equal(ethdev_rx_burst((uint16_t)a, 0, tx, 8), 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(tx[i]->seqn, 50 + i);

	/* The caller's rings are not drained at stop nor freed at close. */
	assert_int_equal(ethdev_tx_burst((uint16_t)a, 0, tx, 5), 5);
	assert_int_equal(ethdev_stop((uint16_t)a), 0);
	assert_int_equal(ethdev_stop((uint16_t)b), 0);
	assert_int_equal(ethdev_close((uint16_t)a), 0);
	assert_int_equal(ethdev_close((uint16_t)b), 0);
	assert_int_equal(ring_count(a_to_b), 5);
	assert_ptr_equal(ring_lookup("a_to_b"), a_to_b);
	assert_int_equal(ring_dequeue_burst(a_to_b, (void **)rx, 8, NULL), 5);
	pktmbuf_free_bulk(rx, 5);
	ring_free(a_to_b);
	ring_free(b_to_a);
}

static void test_from_rings_errors(void **state)
{
	struct ring *r = ring_create("err_ring", 16, EAL_SOCKET_ID_ANY, 0);
	struct ring *rings[ETHDEV_MAX_QUEUES_PER_PORT + 1];
	struct ring *with_null[2] = { NULL, NULL };
	uint16_t before = ethdev_count_avail();
	int p;

	(void)state;
	assert_non_null(r);
	for (size_t i = 0; i < EAL_DIM(rings); i++)
		rings[i] = r;
	with_null[0] = r;
	assert_int_equal(ethdev_from_rings(NULL, rings, 1, rings, 1, 0), -EINVAL);
	assert_int_equal(ethdev_from_rings("x", rings, 0, rings, 0, 0), -EINVAL);
	assert_int_equal(ethdev_from_rings("x", NULL, 1, rings, 1, 0), -EINVAL);
	assert_int_equal(ethdev_from_rings("x", rings, 1, NULL, 1, 0), -EINVAL);
	assert_int_equal(ethdev_from_rings("x", with_null, 2, rings, 1, 0), -EINVAL);
	assert_int_equal(ethdev_from_rings("x", rings, 1, with_null, 2, 0), -EINVAL);
	assert_int_equal(ethdev_from_rings("x", rings, ETHDEV_MAX_QUEUES_PER_PORT + 1, rings, 1, 0),
			 -EINVAL);
	assert_int_equal(ethdev_count_avail(), before);

	/* rx only is a valid port; a second one of the same name is not. */
	p = ethdev_from_rings("rx_only", rings, 1, NULL, 0, 0);
	assert_true(p >= 0);
	assert_int_equal(ethdev_from_rings("rx_only", rings, 1, NULL, 0, 0), -EEXIST);
	assert_int_equal(ethdev_configure((uint16_t)p, 1, 1, NULL), -EINVAL);
	assert_int_equal(ethdev_configure((uint16_t)p, 1, 0, NULL), 0);
	assert_int_equal(ethdev_close((uint16_t)p), 0);
	ring_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_info, stop_all_and_check_pool),
		cmocka_unit_test_teardown(test_loopback_order, stop_all_and_check_pool),
		cmocka_unit_test_teardown(test_queues_kept_apart, stop_all_and_check_pool),
		cmocka_unit_test_teardown(test_drops_when_full, stop_all_and_check_pool),
		cmocka_unit_test_teardown(test_stop_drains, stop_all_and_check_pool),
		cmocka_unit_test_teardown(test_close_frees_rings, stop_all_and_check_pool),
		cmocka_unit_test_teardown(test_from_rings_pipeline, stop_all_and_check_pool),
		cmocka_unit_test_teardown(test_from_rings_errors, stop_all_and_check_pool),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
