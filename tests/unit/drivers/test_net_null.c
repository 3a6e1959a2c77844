/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_null: rx packet sizes, ports and counts (per queue), tx counts and
 * frees (chains too), copy=1 writing the template and copy=0 leaving the
 * data alone, no-rx, rx_nombuf when the pool runs dry, link and MAC, and
 * every mbuf back in its pool after stop and close.
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

#define POOL_SIZE 512
#define TEMPLATE_ETHER_TYPE 0x88B5

static struct mempool *pool;
static uint16_t port_plain, port_copy, port_norx, port_mac;

static int group_setup(void **state)
{
	static const char *const vdevs[] = {
		"--vdev=net_null0,size=100", "--vdev=net_null1,copy=1,size=60",
		"--vdev=net_null2,no-rx=1", "--vdev=net_null3,mac=02:aa:bb:cc:dd:ee", NULL
	};

	(void)state;
	if (fixture_eal_init("test_net_null", vdevs) < 0)
		return -1;
	pool = pktmbuf_pool_create("null_pool", POOL_SIZE, 32, 0, MBUF_DEFAULT_BUF_SIZE,
				   EAL_SOCKET_ID_ANY);
	port_plain = fixture_port_of("net_null0");
	port_copy = fixture_port_of("net_null1");
	port_norx = fixture_port_of("net_null2");
	port_mac = fixture_port_of("net_null3");
	return pool != NULL && port_mac != ETHDEV_PORT_ID_INVALID ? 0 : -1;
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

static void start_port(uint16_t p, uint16_t nb_rx, uint16_t nb_tx, struct mempool *mp)
{
	fixture_start_port(p, nb_rx, nb_tx, mp);
}

static uint64_t xstat(uint16_t p, const char *name)
{
	uint64_t v = UINT64_MAX;

	assert_int_equal(ethdev_xstats_get_by_name(p, name, &v), 0);
	return v;
}

static void test_info_link_mac(void **state)
{
	struct ethdev_info info;
	struct ethdev_link link;
	struct eth_addr a, b;
	char text[ETHER_ADDR_FMT_SIZE];

	(void)state;
	assert_int_equal(ethdev_info_get(port_plain, &info), 0);
	assert_string_equal(info.driver_name, "net_null");
	assert_int_equal(info.max_rx_queues, ETHDEV_MAX_QUEUES_PER_PORT);
	assert_int_equal(info.max_tx_queues, ETHDEV_MAX_QUEUES_PER_PORT);
	assert_int_equal(info.min_rx_bufsize, 100);

	assert_int_equal(ethdev_link_get_nowait(port_plain, &link), 0);
	assert_int_equal(link.link_status, ETHDEV_LINK_DOWN);
	start_port(port_plain, 1, 1, pool);
	assert_int_equal(ethdev_link_get(port_plain, &link), 0);
	assert_int_equal(link.link_status, ETHDEV_LINK_UP);
	assert_int_equal(link.link_speed, ETHDEV_SPEED_NUM_10G);
	assert_int_equal(link.link_duplex, ETHDEV_LINK_FULL_DUPLEX);
	assert_int_equal(ethdev_stop(port_plain), 0);
	assert_int_equal(ethdev_link_get_nowait(port_plain, &link), 0);
	assert_int_equal(link.link_status, ETHDEV_LINK_DOWN);

	/* Random MACs: unicast, locally administered, different per port. */
	assert_int_equal(ethdev_macaddr_get(port_plain, &a), 0);
	assert_int_equal(ethdev_macaddr_get(port_copy, &b), 0);
	assert_true(ether_addr_is_valid_assigned(&a));
	assert_true(ether_addr_is_local_admin(&a));
	assert_false(ether_addr_is_same(&a, &b));
	/* The fixed one from mac=. */
	assert_int_equal(ethdev_macaddr_get(port_mac, &a), 0);
	assert_string_equal(ether_format_addr(text, sizeof(text), &a), "02:AA:BB:CC:DD:EE");

	assert_int_equal(ethdev_promiscuous_enable(port_plain), 0);
	assert_int_equal(ethdev_promiscuous_get(port_plain), 1);
	assert_int_equal(ethdev_promiscuous_disable(port_plain), 0);
}

static void test_rx_tx_counts(void **state)
{
	struct mbuf *pkts[64];
	struct ethdev_stats st;
	uint16_t n0, n1, i;

	(void)state;
	start_port(port_plain, 2, 1, pool);
	n0 = ethdev_rx_burst(port_plain, 0, pkts, 32);
	assert_int_equal(n0, 32);
	n1 = ethdev_rx_burst(port_plain, 1, pkts + 32, 16);
	assert_int_equal(n1, 16);
	for (i = 0; i < 48; i++) {
		assert_int_equal(pkts[i]->pkt_len, 100);
		assert_int_equal(pkts[i]->data_len, 100);
		assert_int_equal(pkts[i]->nb_segs, 1);
		assert_int_equal(pkts[i]->port, port_plain);
		assert_ptr_equal(pkts[i]->pool, pool);
		assert_int_equal(mbuf_check(pkts[i], true, NULL), 0);
	}
	assert_int_equal(mempool_in_use_count(pool), 48);
	assert_int_equal(ethdev_rx_burst(port_plain, 0, pkts + 48, 0), 0);

	assert_int_equal(ethdev_stats_get(port_plain, &st), 0);
	assert_int_equal(st.ipackets, 48);
	assert_int_equal(st.ibytes, 4800);
	assert_int_equal(st.q_ipackets[0], 32);
	assert_int_equal(st.q_ipackets[1], 16);
	assert_int_equal(st.q_ibytes[1], 1600);
	assert_int_equal(st.rx_nombuf, 0);

	/* tx takes everything and frees it. */
	assert_int_equal(ethdev_tx_burst(port_plain, 0, pkts, 48), 48);
	assert_true(mempool_full(pool));
	assert_int_equal(ethdev_stats_get(port_plain, &st), 0);
	assert_int_equal(st.opackets, 48);
	assert_int_equal(st.obytes, 4800);
	assert_int_equal(st.q_opackets[0], 48);
	assert_int_equal(st.oerrors, 0);
	assert_int_equal(xstat(port_plain, "rx_q1_packets"), 16);
	assert_int_equal(xstat(port_plain, "tx_good_bytes"), 4800);

	/* Reset: counting starts again from zero. */
	assert_int_equal(ethdev_stats_reset(port_plain), 0);
	assert_int_equal(ethdev_stats_get(port_plain, &st), 0);
	assert_int_equal(st.ipackets, 0);
	assert_int_equal(st.opackets, 0);
	assert_int_equal(ethdev_rx_burst(port_plain, 1, pkts, 5), 5);
	assert_int_equal(ethdev_stats_get(port_plain, &st), 0);
	assert_int_equal(st.ipackets, 5);
	assert_int_equal(st.q_ipackets[1], 5);
	pktmbuf_free_bulk(pkts, 5);
}

static void test_copy_mode_template(void **state)
{
	struct mbuf *pkts[8];
	struct eth_addr mac;
	const struct eth_addr new_mac = { { 0x02, 0x01, 0x02, 0x03, 0x04, 0x05 } };
	uint16_t i, b;

	(void)state;
	assert_int_equal(ethdev_macaddr_get(port_copy, &mac), 0);
	start_port(port_copy, 1, 1, pool);
	assert_int_equal(ethdev_rx_burst(port_copy, 0, pkts, 8), 8);
	for (i = 0; i < 8; i++) {
		const struct eth_hdr *eth = pktmbuf_mtod(pkts[i], const struct eth_hdr *);
		const uint8_t *payload = pktmbuf_mtod_offset(pkts[i], const uint8_t *, ETHER_HDR_LEN);

		assert_int_equal(pkts[i]->pkt_len, 60);
		assert_true(ether_addr_is_broadcast(&eth->dst_addr));
		assert_true(ether_addr_is_same(&eth->src_addr, &mac));
		assert_int_equal(be_to_cpu_16(eth->ether_type), TEMPLATE_ETHER_TYPE);
		for (b = 0; b < 60 - ETHER_HDR_LEN; b++)
			assert_int_equal(payload[b], (uint8_t)b);
	}
	/* tx reads each packet (ASan would see a read past a short one). */
	assert_int_equal(pktmbuf_trim(pkts[0], 50), 0);
	assert_int_equal(ethdev_tx_burst(port_copy, 0, pkts, 8), 8);

	/* A new MAC shows up in the template. */
	assert_int_equal(ethdev_default_mac_addr_set(port_copy, &new_mac), 0);
	assert_int_equal(ethdev_rx_burst(port_copy, 0, pkts, 1), 1);
	assert_true(ether_addr_is_same(&pktmbuf_mtod(pkts[0], const struct eth_hdr *)->src_addr,
				       &new_mac));
	pktmbuf_free(pkts[0]);
}

/* copy=0 must not write packet data: fill every buffer with a marker
 * first and find it intact after rx. */
static void test_no_copy_leaves_data(void **state)
{
	struct mbuf *all[POOL_SIZE];
	struct mbuf *pkts[32];
	uint16_t i, b;

	(void)state;
	/* One by one: part of the pool sits in the lcore cache. */
	for (i = 0; i < POOL_SIZE; i++) {
		all[i] = pktmbuf_alloc(pool);
		assert_non_null(all[i]);
		memset(pktmbuf_mtod(all[i], void *), 0xab, 100);
	}
	assert_true(mempool_empty(pool));
	pktmbuf_free_bulk(all, POOL_SIZE);

	start_port(port_plain, 1, 1, pool);
	assert_int_equal(ethdev_rx_burst(port_plain, 0, pkts, 32), 32);
	for (i = 0; i < 32; i++) {
		const uint8_t *d = pktmbuf_mtod(pkts[i], const uint8_t *);

		for (b = 0; b < 100; b++)
			assert_int_equal(d[b], 0xab);
	}
	pktmbuf_free_bulk(pkts, 32);
}

static void test_nombuf(void **state)
{
	struct mempool *small = pktmbuf_pool_create("null_small", 40, 0, 0, 256, EAL_SOCKET_ID_ANY);
	struct mbuf *pkts[64];
	struct ethdev_stats st;
	uint16_t p;

	(void)state;
	assert_non_null(small);
	assert_int_equal(ethdev_vdev_probe("net_null9", "size=64"), 0);
	p = fixture_port_of("net_null9");
	start_port(p, 1, 1, small);
	assert_int_equal(ethdev_rx_burst(p, 0, pkts, 32), 32);
	/* 8 left: the burst of 32 cannot be served. */
	assert_int_equal(ethdev_rx_burst(p, 0, pkts + 32, 32), 0);
	assert_int_equal(ethdev_stats_get(p, &st), 0);
	assert_int_equal(st.ipackets, 32);
	assert_int_equal(st.rx_nombuf, 32);
	assert_int_equal(xstat(p, "rx_mbuf_allocation_errors"), 32);
	/* A smaller burst still fits. */
	assert_int_equal(ethdev_rx_burst(p, 0, pkts + 32, 8), 8);
	assert_true(mempool_empty(small));
	assert_int_equal(ethdev_tx_burst(p, 0, pkts, 40), 40);
	assert_true(mempool_full(small));
	assert_int_equal(ethdev_rx_burst(p, 0, pkts, 32), 32);
	pktmbuf_free_bulk(pkts, 32);

	assert_int_equal(ethdev_stop(p), 0);
	assert_int_equal(ethdev_close(p), 0);
	assert_true(mempool_full(small));
	mempool_free(small);
}

static void test_no_rx(void **state)
{
	struct mbuf *pkts[8];
	struct ethdev_stats st;

	(void)state;
	start_port(port_norx, 1, 1, pool);
	assert_int_equal(ethdev_rx_burst(port_norx, 0, pkts, 8), 0);
	assert_int_equal(mempool_in_use_count(pool), 0);
	/* tx still works. */
	assert_int_equal(pktmbuf_alloc_bulk(pool, pkts, 4), 0);
	for (int i = 0; i < 4; i++)
		assert_non_null(pktmbuf_append(pkts[i], 70));
	assert_int_equal(ethdev_tx_burst(port_norx, 0, pkts, 4), 4);
	assert_int_equal(ethdev_stats_get(port_norx, &st), 0);
	assert_int_equal(st.ipackets, 0);
	assert_int_equal(st.rx_nombuf, 0);
	assert_int_equal(st.opackets, 4);
	assert_int_equal(st.obytes, 280);
}

static void test_tx_chains(void **state)
{
	struct mbuf *pkts[4];
	struct ethdev_stats st;
	int i, s;

	(void)state;
	start_port(port_plain, 1, 1, pool);
	for (i = 0; i < 4; i++) {
		pkts[i] = pktmbuf_alloc(pool);
		assert_non_null(pktmbuf_append(pkts[i], 100));
		for (s = 0; s < 2; s++) {
			struct mbuf *seg = pktmbuf_alloc(pool);

			assert_non_null(pktmbuf_append(seg, 50));
			assert_int_equal(pktmbuf_chain(pkts[i], seg), 0);
		}
	}
	assert_int_equal(mempool_in_use_count(pool), 12);
	assert_int_equal(ethdev_tx_burst(port_plain, 0, pkts, 4), 4);
	assert_true(mempool_full(pool));
	assert_int_equal(ethdev_stats_get(port_plain, &st), 0);
	assert_int_equal(st.opackets, 4);
	assert_int_equal(st.obytes, 4 * 200);
}

static void test_pool_too_small_for_size(void **state)
{
	struct mempool *tiny = pktmbuf_pool_create("null_tiny", 16, 0, 0, 64 + MBUF_HEADROOM,
						   EAL_SOCKET_ID_ANY);

	(void)state;
	assert_non_null(tiny);
	assert_int_equal(ethdev_configure(port_plain, 1, 1, NULL), 0);
	/* size=100 does not fit 64-byte buffers. */
	assert_int_equal(ethdev_rx_queue_setup(port_plain, 0, 0, EAL_SOCKET_ID_ANY, NULL, tiny),
			 -EINVAL);
	/* The default 64-byte packets of net_null3 do. */
	assert_int_equal(ethdev_configure(port_mac, 1, 1, NULL), 0);
	assert_int_equal(ethdev_rx_queue_setup(port_mac, 0, 0, EAL_SOCKET_ID_ANY, NULL, tiny), 0);
	assert_int_equal(ethdev_close(port_mac), 0);
	mempool_free(tiny);
	assert_int_equal(ethdev_vdev_probe("net_null3", "mac=02:aa:bb:cc:dd:ee"), 0);
	port_mac = fixture_port_of("net_null3");
}

static void test_bad_args_runtime(void **state)
{
	uint16_t before = ethdev_count_avail();

	(void)state;
	assert_int_equal(ethdev_vdev_probe("net_null8", "size=0"), -EINVAL);
	assert_int_equal(ethdev_vdev_probe("net_null8", "no-rx=maybe"), -EINVAL);
	assert_int_equal(ethdev_vdev_probe("net_null8", "mac=zz"), -EINVAL);
	assert_int_equal(ethdev_vdev_probe("net_null8", "size"), -EINVAL);
	assert_int_equal(ethdev_count_avail(), before);
}

/* Packets held by the application at stop come back when it frees them;
 * close with queues set up leaves nothing behind. */
static void test_stop_close_with_packets_out(void **state)
{
	struct mbuf *pkts[16];
	uint16_t p;

	(void)state;
	assert_int_equal(ethdev_vdev_probe("net_null7", "copy=1"), 0);
	p = fixture_port_of("net_null7");
	start_port(p, 2, 2, pool);
	assert_int_equal(ethdev_rx_burst(p, 1, pkts, 16), 16);
	assert_int_equal(ethdev_stop(p), 0);
	assert_int_equal(ethdev_rx_burst(p, 1, pkts, 16), 0); /* stopped */
	assert_int_equal(ethdev_close(p), 0);
	pktmbuf_free_bulk(pkts, 16);
	assert_true(mempool_full(pool));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_info_link_mac, stop_all_and_check_pool),
		cmocka_unit_test_teardown(test_rx_tx_counts, stop_all_and_check_pool),
		cmocka_unit_test_teardown(test_copy_mode_template, stop_all_and_check_pool),
		cmocka_unit_test_teardown(test_no_copy_leaves_data, stop_all_and_check_pool),
		cmocka_unit_test_teardown(test_nombuf, stop_all_and_check_pool),
		cmocka_unit_test_teardown(test_no_rx, stop_all_and_check_pool),
		cmocka_unit_test_teardown(test_tx_chains, stop_all_and_check_pool),
		cmocka_unit_test_teardown(test_pool_too_small_for_size, stop_all_and_check_pool),
		cmocka_unit_test_teardown(test_bad_args_runtime, stop_all_and_check_pool),
		cmocka_unit_test_teardown(test_stop_close_with_packets_out, stop_all_and_check_pool),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
