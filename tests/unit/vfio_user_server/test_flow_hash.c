/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vfio-user-nic's receive steering (app/vfio-user-nic/flow_hash.h): the
 * Toeplitz hash against the verification values of Microsoft's RSS
 * specification, what the tuple covers, and the generator's flows spread
 * over two queues with each flow on one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "flow_hash.h"
#include "genframe.h"

/* An Ethernet + IPv4 + TCP frame of the given addresses and ports. */
static size_t tcp_frame(uint8_t *f, const uint8_t src[4], const uint8_t dst[4], uint16_t sport,
			uint16_t dport)
{
	memset(f, 0, 64);
	f[12] = 0x08;
	f[13] = 0x00;
	f[14] = 0x45;
	f[14 + 9] = 6;
	memcpy(f + 14 + 12, src, 4);
	memcpy(f + 14 + 16, dst, 4);
	f[34] = (uint8_t)(sport >> 8);
	f[35] = (uint8_t)sport;
	f[36] = (uint8_t)(dport >> 8);
	f[37] = (uint8_t)dport;
	return 64;
}

static void test_microsoft_vectors(void **state)
{
	/* "Verifying the RSS hash calculation", IPv4 table of the spec. */
	static const struct {
		uint8_t src[4], dst[4];
		uint16_t sport, dport;
		uint32_t ip_only, with_ports;
	} v[] = {
		{ { 66, 9, 149, 187 }, { 161, 142, 100, 80 }, 2794, 1766, 0x323e8fc2, 0x51ccc178 },
		{ { 199, 92, 111, 2 }, { 65, 69, 140, 83 }, 14230, 4739, 0xd718262a, 0xc626b0ea },
		{ { 24, 19, 198, 95 }, { 12, 22, 207, 184 }, 12898, 38024, 0xd2d0a5de, 0x5c2b394a },
	};
	uint8_t f[64], tuple[12];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		memcpy(tuple, v[i].src, 4);
		memcpy(tuple + 4, v[i].dst, 4);
		assert_int_equal(vnet_toeplitz(tuple, 8), v[i].ip_only);
		tcp_frame(f, v[i].src, v[i].dst, v[i].sport, v[i].dport);
		assert_int_equal(vnet_flow_hash(f, 64), v[i].with_ports);
		/* A later fragment has no ports: addresses only. */
		f[14 + 7] = 1;
		assert_int_equal(vnet_flow_hash(f, 64), v[i].ip_only);
	}
}

static void test_not_ipv4(void **state)
{
	uint8_t f[64];
	static const uint8_t a[4] = { 10, 0, 0, 1 }, b[4] = { 10, 0, 0, 2 };

	(void)state;
	tcp_frame(f, a, b, 1, 2);
	assert_int_not_equal(vnet_flow_hash(f, 64), 0);
	assert_int_equal(vnet_flow_hash(f, 30), 0); /* truncated */
	f[12] = 0x86; /* IPv6 ethertype */
	f[13] = 0xdd;
	assert_int_equal(vnet_flow_hash(f, 64), 0);
}

static void test_generator_flows_spread(void **state)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0x99, 0 };
	uint8_t f[GENFRAME_LEN];
	unsigned per_queue[2] = { 0, 0 };

	(void)state;
	for (unsigned flow = 0; flow < 8; flow++) {
		uint32_t h;

		genframe_build_flow(f, mac, flow, flow);
		assert_int_equal(genframe_flow(f), flow);
		h = vnet_flow_hash(f, GENFRAME_LEN);
		/* Sticky: another frame of the flow hashes the same. */
		genframe_build_flow(f, mac, flow + 8 * 1000, flow);
		assert_int_equal(vnet_flow_hash(f, GENFRAME_LEN), h);
		per_queue[h % 2]++;
	}
	/* The end-to-end multiqueue test relies on both queues being used. */
	assert_true(per_queue[0] > 0 && per_queue[1] > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_microsoft_vectors),
		cmocka_unit_test(test_not_ipv4),
		cmocka_unit_test(test_generator_flows_spread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
