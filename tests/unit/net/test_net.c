/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net: header layouts, byte order, MAC address text and generation,
 * and the Internet checksums against published and independently computed
 * vectors, plus a comparison with a byte-by-byte reference sum.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "net_byteorder.h"
#include "net_ether.h"
#include "net_ip.h"
#include "net_tcp.h"
#include "net_udp.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void hex_to_bytes(const char *hex, uint8_t *out, size_t len)
{
	size_t i;

	assert_int_equal(strlen(hex), 2 * len);
	for (i = 0; i < len; i++) {
		unsigned v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* Big-endian one's complement sum the slow way (RFC 1071 definition). */
static uint16_t reference_sum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void test_layouts(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct eth_addr), 6);
	assert_int_equal(sizeof(struct eth_hdr), 14);
	assert_int_equal(sizeof(struct vlan_hdr), 4);
	assert_int_equal(sizeof(struct ipv4_hdr), 20);
	assert_int_equal(sizeof(struct ipv6_hdr), 40);
	assert_int_equal(sizeof(struct udp_hdr), 8);
	assert_int_equal(sizeof(struct tcp_hdr), 20);
	assert_int_equal(offsetof(struct ipv4_hdr, dst_addr), 16);
	assert_int_equal(offsetof(struct ipv6_hdr, dst_addr), 24);
	assert_int_equal(offsetof(struct tcp_hdr, tcp_flags), 13);
	assert_int_equal(ETHER_MTU, 1500);
	/* Headers follow a 14-byte Ethernet header: 2-byte alignment. */
	assert_int_equal(_Alignof(struct ipv4_hdr), 2);
	assert_int_equal(_Alignof(struct ipv6_hdr), 2);
}

static void test_byteorder(void **state)
{
	const uint8_t bytes[8] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	(void)state;
	memcpy(&v16, bytes, 2);
	memcpy(&v32, bytes, 4);
	memcpy(&v64, bytes, 8);
	assert_int_equal(be_to_cpu_16(v16), 0x0102);
	assert_int_equal(be_to_cpu_32(v32), 0x01020304);
	assert_true(be_to_cpu_64(v64) == 0x0102030405060708ull);
	assert_int_equal(cpu_to_be_16(0x0102), v16);
	assert_int_equal(cpu_to_be_32(0x01020304), v32);
	assert_true(cpu_to_be_64(0x0102030405060708ull) == v64);
	assert_int_equal(CPU_TO_BE_16_CONST(0x0102), v16);
	assert_int_equal(CPU_TO_BE_32_CONST(0x01020304), v32);
	assert_int_equal(BE_TO_CPU_16_CONST(v16), 0x0102);
	assert_int_equal(IPV4_ADDR(192, 168, 0, 1), 0xc0a80001);
}

static void test_ether_format_parse(void **state)
{
	const struct eth_addr a = { { 0x02, 0x0a, 0xb0, 0xff, 0x00, 0x9c } };
	struct eth_addr out;
	char buf[ETHER_ADDR_FMT_SIZE];
	char small[6];

	(void)state;
	assert_string_equal(ether_format_addr(buf, sizeof(buf), &a), "02:0A:B0:FF:00:9C");
	/* Truncated, still terminated. */
	assert_string_equal(ether_format_addr(small, sizeof(small), &a), "02:0A");

	static const char *const good[] = {
		"02:0A:B0:FF:00:9C", "02:0a:b0:ff:00:9c", "2:a:b0:ff:0:9c",
		"02-0a-b0-ff-00-9c", "020a.b0ff.009c", "020A:B0FF:009C",
	};
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		memset(&out, 0, sizeof(out));
		assert_int_equal(ether_unformat_addr(good[i], &out), 0);
		assert_true(ether_addr_is_same(&out, &a));
	}

	static const char *const bad[] = {
		"", "02:0a:b0:ff:00", "02:0a:b0:ff:00:9c:11", "02:0a:b0:ff:00:9c ",
		" 02:0a:b0:ff:00:9c", "02:0a-b0:ff:00:9c", "002:0a:b0:ff:00:9c",
		"02:0a:b0:ff:00:9g", "02::b0:ff:00:9c", "020a.b0ff.09c", "020a.b0ff:009c",
		"020ab0ff009c", "hello",
	};
	const struct eth_addr sentinel = { { 1, 2, 3, 4, 5, 6 } };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		out = sentinel;
		if (ether_unformat_addr(bad[i], &out) != -EINVAL) {
			print_error("'%s' was accepted\n", bad[i]);
			fail();
		}
		/* Untouched on error. */
		assert_true(ether_addr_is_same(&out, &sentinel));
	}
	assert_int_equal(ether_unformat_addr(NULL, &out), -EINVAL);
}

static void test_ether_predicates_and_random(void **state)
{
	const struct eth_addr zero = { { 0 } };
	const struct eth_addr bcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	const struct eth_addr mcast = { { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 } };
	const struct eth_addr uni = { { 0x00, 0x1b, 0x21, 0x01, 0x02, 0x03 } };
	struct eth_addr r1, r2, copy;
	int tries;

	(void)state;
	assert_true(ether_addr_is_zero(&zero));
	assert_false(ether_addr_is_valid_assigned(&zero));
	assert_true(ether_addr_is_broadcast(&bcast));
	assert_true(ether_addr_is_multicast(&bcast));
	assert_true(ether_addr_is_multicast(&mcast));
	assert_false(ether_addr_is_broadcast(&mcast));
	assert_false(ether_addr_is_valid_assigned(&mcast));
	assert_true(ether_addr_is_unicast(&uni));
	assert_true(ether_addr_is_universal(&uni));
	assert_true(ether_addr_is_valid_assigned(&uni));
	ether_addr_copy(&uni, &copy);
	assert_true(ether_addr_is_same(&uni, &copy));

	ether_addr_random(&r1);
	assert_true(ether_addr_is_unicast(&r1));
	assert_true(ether_addr_is_local_admin(&r1));
	assert_true(ether_addr_is_valid_assigned(&r1));
	/* 46 random bits: two equal draws in a row are practically impossible. */
	for (tries = 0; tries < 3; tries++) {
		ether_addr_random(&r2);
		if (!ether_addr_is_same(&r1, &r2))
			break;
	}
	assert_true(tries < 3);
	assert_true(ether_addr_is_local_admin(&r2));
}

/* The IPv4 header of the Wikipedia "IPv4 header checksum" example. */
static void test_ipv4_cksum_vector(void **state)
{
	union {
		struct ipv4_hdr h;
		uint8_t b[20];
	} pkt;
	uint16_t ck;

	(void)state;
	hex_to_bytes("450000730000400040110000c0a80001c0a800c7", pkt.b, 20);
	ck = ipv4_cksum(&pkt.h);
	assert_int_equal(be_to_cpu_16(ck), 0xb861);
	/* Whatever the field holds is ignored. */
	pkt.h.hdr_checksum = 0x1234;
	assert_int_equal(ipv4_cksum(&pkt.h), ck);
	assert_false(ipv4_cksum_verify(&pkt.h));
	pkt.h.hdr_checksum = ck;
	assert_true(ipv4_cksum_verify(&pkt.h));
	assert_int_equal(pkt.b[10], 0xb8);
	assert_int_equal(pkt.b[11], 0x61);
	/* A flipped bit is caught. */
	pkt.b[8] ^= 0x01;
	assert_false(ipv4_cksum_verify(&pkt.h));
	pkt.b[8] ^= 0x01;
	/* An IHL below 5 is not a header. */
	pkt.h.version_ihl = 0x44;
	assert_false(ipv4_cksum_verify(&pkt.h));
}

/* An IPv4 packet with L4 header and payload, laid out contiguously at an
 * odd 2-byte offset as after an Ethernet header. */
struct l4_packet {
	uint8_t raw[2 + 20 + 64];
	struct ipv4_hdr *ip;
	uint8_t *l4;
};

static void build_ipv4(struct l4_packet *p, uint8_t proto, const uint8_t *l4, size_t l4_len)
{
	uint8_t ip[20];

	assert_true(l4_len <= 64);
	hex_to_bytes("45000000000040004000" "0000c0a80001c0a800c7", ip, 20);
	ip[9] = proto;
	ip[2] = (uint8_t)((20 + l4_len) >> 8);
	ip[3] = (uint8_t)(20 + l4_len);
	memcpy(p->raw + 2, ip, 20);
	memcpy(p->raw + 22, l4, l4_len);
	p->ip = (struct ipv4_hdr *)(void *)(p->raw + 2);
	p->l4 = p->raw + 22;
}

static void test_udp_tcp_ipv4_vectors(void **state)
{
	/* Computed with an independent Python implementation of RFC 768/793. */
	static const uint8_t udp[] = { 0x04, 0xd2, 0x16, 0x2e, 0x00, 0x14, 0x00, 0x00,
				       'H', 'e', 'l', 'l', 'o', ',', ' ', 'u', 'p', 'd', 'k', '!' };
	static const uint8_t udp_odd[] = { 0x00, 0x35, 0x9c, 0x40, 0x00, 0x0d, 0x00, 0x00,
					   'o', 'd', 'd', '!', '!' };
	static const uint8_t tcp[] = { 0x00, 0x50, 0xc7, 0x38, 0, 0, 0, 1, 0, 0, 0, 2,
				       0x50, 0x18, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
				       'G', 'E', 'T', ' ', '/' };
	struct l4_packet p;
	uint16_t ck;

	(void)state;
	build_ipv4(&p, IP_PROTO_UDP, udp, sizeof(udp));
	ck = ipv4_udptcp_cksum(p.ip, p.l4);
	assert_int_equal(be_to_cpu_16(ck), 0x42b4);
	/* The field is skipped: garbage in it changes nothing. */
	p.l4[6] = 0xde;
	p.l4[7] = 0xad;
	assert_int_equal(ipv4_udptcp_cksum(p.ip, p.l4), ck);
	assert_false(ipv4_udptcp_cksum_verify(p.ip, p.l4));
	memcpy(p.l4 + 6, &ck, 2);
	assert_true(ipv4_udptcp_cksum_verify(p.ip, p.l4));
	p.l4[10] ^= 0x20;
	assert_false(ipv4_udptcp_cksum_verify(p.ip, p.l4));
	/* UDP over IPv4 may be sent without checksum. */
	memset(p.l4 + 6, 0, 2);
	assert_true(ipv4_udptcp_cksum_verify(p.ip, p.l4));

	build_ipv4(&p, IP_PROTO_UDP, udp_odd, sizeof(udp_odd));
	ck = ipv4_udptcp_cksum(p.ip, p.l4);
	assert_int_equal(be_to_cpu_16(ck), 0xecbf);
	memcpy(p.l4 + 6, &ck, 2);
	assert_true(ipv4_udptcp_cksum_verify(p.ip, p.l4));

	build_ipv4(&p, IP_PROTO_TCP, tcp, sizeof(tcp));
	ck = ipv4_udptcp_cksum(p.ip, p.l4);
	assert_int_equal(be_to_cpu_16(ck), 0x9bbd);
	memcpy(p.l4 + 16, &ck, 2);
	assert_true(ipv4_udptcp_cksum_verify(p.ip, p.l4));
	p.l4[21] ^= 0x01;
	assert_false(ipv4_udptcp_cksum_verify(p.ip, p.l4));
}

/* A sum of exactly 0xffff must be sent as 0xffff for UDP (0 means "no
 * checksum") but as 0 for TCP. Build such packets by putting the checksum
 * of the packet into its own payload. */
static void test_l4_cksum_zero_result(void **state)
{
	uint8_t l4[12] = { 0x12, 0x34, 0x56, 0x78, 0x00, 0x0c, 0x00, 0x00, 0, 0, 0, 0 };
	struct l4_packet p;
	uint16_t ck;

	(void)state;
	build_ipv4(&p, IP_PROTO_UDP, l4, sizeof(l4));
	ck = ipv4_udptcp_cksum(p.ip, p.l4);
	memcpy(p.l4 + 8, &ck, 2);
	assert_int_equal(ipv4_udptcp_cksum(p.ip, p.l4), 0xffff);
	memcpy(p.l4 + 6, &(uint16_t){ 0xffff }, 2);
	assert_true(ipv4_udptcp_cksum_verify(p.ip, p.l4));

	uint8_t tcp[22] = { 0 };
	build_ipv4(&p, IP_PROTO_TCP, tcp, sizeof(tcp));
	ck = ipv4_udptcp_cksum(p.ip, p.l4);
	memcpy(p.l4 + 20, &ck, 2);
	assert_int_equal(ipv4_udptcp_cksum(p.ip, p.l4), 0);
}

static void test_udp_ipv6_vector(void **state)
{
	union {
		struct {
			uint8_t pad[2];
			uint8_t bytes[40 + 20];
		} s;
		uint16_t align;
	} pkt;
	static const uint8_t udp[] = { 0x04, 0xd2, 0x16, 0x2e, 0x00, 0x14, 0x00, 0x00,
				       'H', 'e', 'l', 'l', 'o', ',', ' ', 'u', 'p', 'd', 'k', '!' };
	struct ipv6_hdr *ip6 = (struct ipv6_hdr *)(void *)pkt.s.bytes;
	uint8_t *l4 = pkt.s.bytes + 40;
	uint16_t ck;

	(void)state;
	hex_to_bytes("6000000000141140" "20010db8000000000000000000000001"
		     "20010db8000000000000000000000002", pkt.s.bytes, 40);
	memcpy(l4, udp, sizeof(udp));
	ck = ipv6_udptcp_cksum(ip6, l4);
	assert_int_equal(be_to_cpu_16(ck), 0x6958);
	assert_false(ipv6_udptcp_cksum_verify(ip6, l4));
	memcpy(l4 + 6, &ck, 2);
	assert_true(ipv6_udptcp_cksum_verify(ip6, l4));
	ip6->src_addr[15] ^= 1;
	assert_false(ipv6_udptcp_cksum_verify(ip6, l4));
}

/* The word-at-a-time sum against the byte-wise definition, for every length
 * up to 200 at both alignments, and for split buffers. */
static void test_raw_cksum_matches_reference(void **state)
{
	uint8_t buf[256];
	size_t len, off, i;

	(void)state;
	srand(1234);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	for (off = 0; off < 2; off++) {
		for (len = 0; len <= 200; len++) {
			uint16_t ours = net_raw_cksum(buf + off, len);
			uint16_t ref = reference_sum(buf + off, len);

			if (be_to_cpu_16(ours) != ref) {
				print_error("len %zu off %zu: 0x%04x vs 0x%04x\n", len, off,
					    be_to_cpu_16(ours), ref);
				fail();
			}
		}
	}
	/* An even split point gives the same result as one pass. */
	for (len = 0; len <= 200; len += 2) {
		uint32_t sum = net_cksum_add(buf, len, 0);

		sum = net_cksum_add(buf + len, 200 - len, sum);
		assert_int_equal(net_cksum_fold(sum), net_raw_cksum(buf, 200));
	}
	/* All-ones data folds to 0xffff, not 0. */
	memset(buf, 0xff, 64);
	assert_int_equal(net_raw_cksum(buf, 64), 0xffff);
	assert_int_equal(net_raw_cksum(buf, 0), 0);
}

static void test_ipv4_addr_text(void **state)
{
	uint32_t a = 0x01020304;
	char buf[16];

	(void)state;
	assert_int_equal(ipv4_addr_parse("192.168.0.199", &a), 0);
	assert_int_equal(a, IPV4_ADDR(192, 168, 0, 199));
	assert_int_equal(ipv4_addr_parse("0.0.0.0", &a), 0);
	assert_int_equal(a, 0);
	assert_int_equal(ipv4_addr_parse("255.255.255.255", &a), 0);
	assert_int_equal(a, 0xffffffffu);
	static const char *const bad[] = { "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ",
					   "01.2.3.4", "1..3.4", "a.b.c.d", "1.2.3.1000" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		a = 7;
		assert_int_equal(ipv4_addr_parse(bad[i], &a), -EINVAL);
		assert_int_equal(a, 7);
	}
	assert_string_equal(ipv4_addr_format(buf, sizeof(buf), IPV4_ADDR(10, 0, 255, 1)),
			    "10.0.255.1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layouts),
		cmocka_unit_test(test_byteorder),
		cmocka_unit_test(test_ether_format_parse),
		cmocka_unit_test(test_ether_predicates_and_random),
		cmocka_unit_test(test_ipv4_cksum_vector),
		cmocka_unit_test(test_udp_tcp_ipv4_vectors),
		cmocka_unit_test(test_l4_cksum_zero_result),
		cmocka_unit_test(test_udp_ipv6_vector),
		cmocka_unit_test(test_raw_cksum_matches_reference),
		cmocka_unit_test(test_ipv4_addr_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
