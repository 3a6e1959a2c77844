/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The device side of virtio-net's checksum offloads (vfio-user-nic's
 * virtio_net_csum.c): completing a partial checksum as a driver leaves it
 * with NEEDS_CSUM (virtio 1.2, 5.1.6.2) gives the checksum a full software
 * computation gives, for UDP and TCP over IPv4 and IPv6; offsets outside
 * the frame are refused; the check behind DATA_VALID (5.1.6.4) tells good,
 * bad, absent and unparsable frames apart, and never reads past the frame.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "net_ether.h"
#include "net_ip.h"
#include "net_tcp.h"
#include "net_udp.h"
#include "virtio_net_csum.h"

#define PAYLOAD 37 /* odd: the last byte is summed alone */

/* An Ethernet frame with an IPv4 or IPv6 header and a UDP or TCP header,
 * then PAYLOAD bytes. @return its length; *l4_off the L4 header offset. */
static size_t build(uint8_t *f, bool v6, uint8_t proto, size_t *l4_off)
{
	size_t l3 = v6 ? sizeof(struct ipv6_hdr) : sizeof(struct ipv4_hdr);
	size_t l4 = proto == IP_PROTO_UDP ? sizeof(struct udp_hdr) : sizeof(struct tcp_hdr);
	size_t len = ETHER_HDR_LEN + l3 + l4 + PAYLOAD;
	be16_t type = cpu_to_be_16(v6 ? ETHER_TYPE_IPV6 : ETHER_TYPE_IPV4);

	memset(f, 0, len);
	memcpy(f + 12, &type, 2);
	if (v6) {
		struct ipv6_hdr ip = { .vtc_flow = cpu_to_be_32(6u << 28),
				       .payload_len = cpu_to_be_16((uint16_t)(l4 + PAYLOAD)),
				       .proto = proto, .hop_limits = 64 };

		for (unsigned i = 0; i < IPV6_ADDR_SIZE; i++) {
			ip.src_addr[i] = (uint8_t)(0x20 + i);
			ip.dst_addr[i] = (uint8_t)(0x90 - i);
		}
		memcpy(f + ETHER_HDR_LEN, &ip, sizeof(ip));
	} else {
		struct ipv4_hdr ip = { .version_ihl = IPV4_VHL_DEF,
				       .total_length = cpu_to_be_16((uint16_t)(l3 + l4 + PAYLOAD)),
				       .time_to_live = 64, .next_proto_id = proto,
				       .src_addr = cpu_to_be_32(IPV4_ADDR(10, 1, 2, 3)),
				       .dst_addr = cpu_to_be_32(IPV4_ADDR(192, 168, 200, 254)) };

		ip.hdr_checksum = ipv4_cksum(&ip);
		memcpy(f + ETHER_HDR_LEN, &ip, sizeof(ip));
	}
	*l4_off = ETHER_HDR_LEN + l3;
	if (proto == IP_PROTO_UDP) {
		struct udp_hdr u = { .src_port = cpu_to_be_16(5000), .dst_port = cpu_to_be_16(53),
				     .dgram_len = cpu_to_be_16((uint16_t)(l4 + PAYLOAD)) };

		memcpy(f + *l4_off, &u, sizeof(u));
	} else {
		f[*l4_off + 12] = 5 << 4; /* data offset */
		f[*l4_off + 13] = 0x18;   /* PSH ACK */
	}
	for (size_t i = 0; i < PAYLOAD; i++)
		f[*l4_off + l4 + i] = (uint8_t)(i * 13 + 7);
	return len;
}

static uint16_t field_off(uint8_t proto)
{
	return proto == IP_PROTO_UDP ? offsetof(struct udp_hdr, dgram_cksum)
				     : offsetof(struct tcp_hdr, cksum);
}

static void test_complete_matches_software(void **state)
{
	static const uint8_t protos[] = { IP_PROTO_UDP, IP_PROTO_TCP };

	(void)state;
	for (int v6 = 0; v6 <= 1; v6++) {
		for (unsigned p = 0; p < 2; p++) {
			uint8_t f[256], g[256];
			size_t l4, len = build(f, v6, protos[p], &l4);
			uint16_t want, phdr, got;
			const void *l3 = f + ETHER_HDR_LEN;

			want = v6 ? ipv6_udptcp_cksum(l3, f + l4) : ipv4_udptcp_cksum(l3, f + l4);
			/* What a driver does: the pseudo-header sum in the field. */
			phdr = v6 ? ipv6_phdr_cksum(l3) : ipv4_phdr_cksum(l3);
			memcpy(f + l4 + field_off(protos[p]), &phdr, 2);
			memcpy(g, f, len);
			assert_int_equal(vnet_csum_complete(f, len, (uint16_t)l4, field_off(protos[p])), 0);
			memcpy(&got, f + l4 + field_off(protos[p]), 2);
			assert_int_equal(got, want);
			/* Only the field changed. */
			memcpy(g + l4 + field_off(protos[p]), &want, 2);
			assert_memory_equal(f, g, len);
			assert_int_equal(vnet_l4_csum_check(f, len), VNET_L4_CSUM_GOOD);
			/* One flipped payload bit: bad. */
			f[len - 1] ^= 0x10;
			assert_int_equal(vnet_l4_csum_check(f, len), VNET_L4_CSUM_BAD);
		}
	}
}

static void test_complete_bounds(void **state)
{
	uint8_t f[128], g[128];
	size_t l4, len = build(f, false, IP_PROTO_UDP, &l4);

	(void)state;
	memcpy(g, f, len);
	/* The field must lie inside the frame: its last byte at len - 1 at most. */
	assert_int_equal(vnet_csum_complete(f, len, (uint16_t)(len - 1), 0), -EINVAL);
	assert_int_equal(vnet_csum_complete(f, len, 0, (uint16_t)(len - 1)), -EINVAL);
	assert_int_equal(vnet_csum_complete(f, len, 0xffff, 0xffff), -EINVAL);
	assert_memory_equal(f, g, len);
	assert_int_equal(vnet_csum_complete(f, len, (uint16_t)(len - 2), 0), 0);
}

static void test_check_cases(void **state)
{
	uint8_t f[256];
	size_t l4, len;
	uint16_t v;

	(void)state;
	/* UDP over IPv4 without a checksum (0): nothing to check, good. */
	len = build(f, false, IP_PROTO_UDP, &l4);
	assert_true(vnet_l4_csum_absent(f, len));
	assert_int_equal(vnet_l4_csum_check(f, len), VNET_L4_CSUM_GOOD);
	/* A wrong one. */
	v = 0x1234;
	memcpy(f + l4 + 6, &v, 2);
	assert_false(vnet_l4_csum_absent(f, len));
	assert_int_equal(vnet_l4_csum_check(f, len), VNET_L4_CSUM_BAD);
	/* Truncated: the IP length claims more than the frame has. */
	assert_int_equal(vnet_l4_csum_check(f, len - 1), VNET_L4_CSUM_NONE);
	assert_int_equal(vnet_l4_csum_check(f, ETHER_HDR_LEN + 10), VNET_L4_CSUM_NONE);
	assert_int_equal(vnet_l4_csum_check(f, 5), VNET_L4_CSUM_NONE);
	/* A fragment. */
	len = build(f, false, IP_PROTO_UDP, &l4);
	f[ETHER_HDR_LEN + 6] = 0x20; /* MF */
	assert_int_equal(vnet_l4_csum_check(f, len), VNET_L4_CSUM_NONE);
	/* An IHL below 5. */
	len = build(f, false, IP_PROTO_TCP, &l4);
	f[ETHER_HDR_LEN] = 0x44;
	assert_int_equal(vnet_l4_csum_check(f, len), VNET_L4_CSUM_NONE);
	/* ICMP, ARP. */
	len = build(f, false, IP_PROTO_UDP, &l4);
	f[ETHER_HDR_LEN + 9] = IP_PROTO_ICMP;
	assert_int_equal(vnet_l4_csum_check(f, len), VNET_L4_CSUM_NONE);
	f[12] = 0x08;
	f[13] = 0x06;
	assert_int_equal(vnet_l4_csum_check(f, len), VNET_L4_CSUM_NONE);
	/* IPv6 UDP with a 0 checksum is not "absent" (RFC 8200 8.1): bad. */
	len = build(f, true, IP_PROTO_UDP, &l4);
	assert_false(vnet_l4_csum_absent(f, len));
	assert_int_equal(vnet_l4_csum_check(f, len), VNET_L4_CSUM_BAD);
	/* IPv6 payload length beyond the frame. */
	assert_int_equal(vnet_l4_csum_check(f, len - 1), VNET_L4_CSUM_NONE);
}

/* Every prefix of a frame, in a buffer of exactly that size: ASan finds
 * any read past the end. */
static void test_check_every_length(void **state)
{
	uint8_t f[256];
	size_t l4, len = build(f, true, IP_PROTO_TCP, &l4);

	(void)state;
	for (size_t n = 0; n <= len; n++) {
		uint8_t *copy = malloc(n ? n : 1);

		assert_non_null(copy);
		memcpy(copy, f, n);
		(void)vnet_l4_csum_check(copy, n);
		(void)vnet_l4_csum_absent(copy, n);
		free(copy);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_complete_matches_software),
		cmocka_unit_test(test_complete_bounds),
		cmocka_unit_test(test_check_cases),
		cmocka_unit_test(test_check_every_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
