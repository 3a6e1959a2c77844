/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * IPv4 and IPv6 headers and the Internet checksum (RFC 1071).
 *
 * The checksum helpers sum 16-bit words in host order: the one's
 * complement sum is byte-order independent (RFC 1071 section 2(B)), so the
 * results are stored into headers as they are, without byte swapping.
 *
 * Headers are declared packed with 2-byte alignment because they follow a
 * 14-byte Ethernet header: a 4-byte aligned view would be undefined
 * behaviour in most packets.
 */
#ifndef UPDK_NET_IP_H
#define UPDK_NET_IP_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "net_byteorder.h"

/* IP protocol numbers (ipv4_hdr.next_proto_id, ipv6_hdr.proto). */
#define IP_PROTO_ICMP   1
#define IP_PROTO_TCP    6
#define IP_PROTO_UDP    17
#define IP_PROTO_ICMPV6 58

/** IPv4 address from its four dotted-quad bytes, in host order. */
#define IPV4_ADDR(a, b, c, d) \
	((uint32_t)(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | \
		    ((uint32_t)(c) << 8) | (uint32_t)(d)))

#define IPV4_VERSION 4
#define IPV4_MIN_IHL 5                      /**< header words without options */
#define IPV4_VHL_DEF ((IPV4_VERSION << 4) | IPV4_MIN_IHL) /**< 0x45 */
#define IPV4_HDR_IHL_MASK 0x0f
#define IPV4_IHL_MULTIPLIER 4               /**< bytes per IHL unit */
#define IPV4_HDR_DF_FLAG (1u << 14)         /**< don't fragment (host order) */
#define IPV4_HDR_MF_FLAG (1u << 13)         /**< more fragments (host order) */
#define IPV4_HDR_OFFSET_MASK 0x1fffu        /**< fragment offset in 8-byte units */
#define IPV4_DEFAULT_TTL 64
#define IPV4_MAX_PKT_LEN 65535

/** IPv4 header (options, if any, follow it). Multi-byte fields in network order. */
struct ipv4_hdr {
	uint8_t version_ihl;      /**< version (4 bits), header length in words (4) */
	uint8_t type_of_service;  /**< DSCP (6), ECN (2) */
	be16_t total_length;      /**< header + payload bytes */
	be16_t packet_id;
	be16_t fragment_offset;   /**< flags (3) and offset (13) */
	uint8_t time_to_live;
	uint8_t next_proto_id;    /**< IP_PROTO_* */
	uint16_t hdr_checksum;    /**< as returned by ipv4_cksum() */
	be32_t src_addr;
	be32_t dst_addr;
} __attribute__((__packed__, aligned(2)));

#define IPV6_VERSION 6
#define IPV6_ADDR_SIZE 16

/** IPv6 fixed header. Multi-byte fields in network order. */
struct ipv6_hdr {
	be32_t vtc_flow;          /**< version (4), traffic class (8), flow label (20) */
	be16_t payload_len;       /**< bytes after this header */
	uint8_t proto;            /**< next header */
	uint8_t hop_limits;
	uint8_t src_addr[IPV6_ADDR_SIZE];
	uint8_t dst_addr[IPV6_ADDR_SIZE];
} __attribute__((__packed__, aligned(2)));

static_assert(sizeof(struct ipv4_hdr) == 20, "ipv4_hdr is 20 bytes");
static_assert(offsetof(struct ipv4_hdr, hdr_checksum) == 10, "IPv4 checksum at byte 10");
static_assert(offsetof(struct ipv4_hdr, src_addr) == 12, "IPv4 source at byte 12");
static_assert(sizeof(struct ipv6_hdr) == 40, "ipv6_hdr is 40 bytes");
static_assert(offsetof(struct ipv6_hdr, src_addr) == 8, "IPv6 source at byte 8");

/** Header length in bytes from the IHL field of @p h. */
static inline unsigned ipv4_hdr_len(const struct ipv4_hdr *h)
{
	return (unsigned)(h->version_ihl & IPV4_HDR_IHL_MASK) * IPV4_IHL_MULTIPLIER;
}

/**
 * Add the 16-bit words of @p buf to a running one's complement sum.
 * An odd trailing byte counts as if followed by a zero byte, so a buffer
 * may only be split at even offsets.
 * @param buf  data (any alignment)
 * @param len  bytes
 * @param sum  running sum (0 to start)
 * @return the new running sum, partially folded; finish with net_cksum_fold()
 */
static inline uint32_t net_cksum_add(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = (const uint8_t *)buf;
	uint64_t acc = sum;
	uint16_t word;

	/* 64-bit accumulation cannot overflow for any buffer below 2^48
	 * bytes, so the carries are folded once at the end. */
	for (; len >= 2; len -= 2, p += 2) {
		memcpy(&word, p, 2);
		acc += word;
	}
	if (len) {
		word = 0;
		memcpy(&word, p, 1);
		acc += word;
	}
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

/** Fold a running sum into 16 bits (one's complement addition of carries). */
static inline uint16_t net_cksum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/** One's complement sum of @p buf, folded, not complemented. */
static inline uint16_t net_raw_cksum(const void *buf, size_t len)
{
	return net_cksum_fold(net_cksum_add(buf, len, 0));
}

/**
 * IPv4 header checksum. The current hdr_checksum field is ignored, so it
 * need not be cleared first.
 * @param h  header with a valid IHL (options included in the sum)
 * @return the value to store as is in h->hdr_checksum
 */
static inline uint16_t ipv4_cksum(const struct ipv4_hdr *h)
{
	const uint8_t *p = (const uint8_t *)h;
	size_t len = ipv4_hdr_len(h);
	uint32_t sum;

	if (len < sizeof(*h))
		len = sizeof(*h);
	sum = net_cksum_add(p, offsetof(struct ipv4_hdr, hdr_checksum), 0);
	sum = net_cksum_add(p + offsetof(struct ipv4_hdr, src_addr),
			    len - offsetof(struct ipv4_hdr, src_addr), sum);
	return (uint16_t)~net_cksum_fold(sum);
}

/** @return true when the header checksum of @p h is correct. */
static inline bool ipv4_cksum_verify(const struct ipv4_hdr *h)
{
	size_t len = ipv4_hdr_len(h);

	if (len < sizeof(*h))
		return false;
	return net_raw_cksum(h, len) == 0xffff;
}

/**
 * Sum of the IPv4 pseudo-header (addresses, protocol, L4 length taken from
 * total_length - header length): the seed that TCP/UDP checksum offload
 * expects in the L4 checksum field.
 * @return the folded sum, not complemented
 */
static inline uint16_t ipv4_phdr_cksum(const struct ipv4_hdr *h)
{
	uint16_t l4_len = (uint16_t)(be_to_cpu_16(h->total_length) - ipv4_hdr_len(h));
	struct {
		be32_t src, dst;
		uint8_t zero, proto;
		be16_t len;
	} __attribute__((__packed__)) ph = {
		.src = h->src_addr, .dst = h->dst_addr, .zero = 0,
		.proto = h->next_proto_id, .len = cpu_to_be_16(l4_len),
	};
	return net_raw_cksum(&ph, sizeof(ph));
}

/**
 * Offset of the checksum field in the L4 header of @p proto.
 * @return 6 for UDP, 16 for TCP, 0 for other protocols
 */
static inline size_t net_l4_cksum_offset(uint8_t proto)
{
	return proto == IP_PROTO_UDP ? 6 : proto == IP_PROTO_TCP ? 16 : 0;
}

/**
 * L4 checksum from a pseudo-header sum and the L4 bytes. The checksum
 * field itself (for UDP and TCP) is skipped, so callers need not clear it.
 * @param phdr_sum  ipv4_phdr_cksum() or ipv6_phdr_cksum()
 * @param l4        L4 header and payload, contiguous
 * @param l4_len    bytes at @p l4
 * @param proto     IP_PROTO_*
 * @return the value to store as is in the checksum field
 */
static inline uint16_t net_l4_cksum(uint32_t phdr_sum, const void *l4,
				    size_t l4_len, uint8_t proto)
{
	const uint8_t *p = (const uint8_t *)l4;
	size_t off = net_l4_cksum_offset(proto);
	uint32_t sum = phdr_sum;
	uint16_t cksum;

	if (off != 0 && l4_len >= off + 2) {
		sum = net_cksum_add(p, off, sum);
		sum = net_cksum_add(p + off + 2, l4_len - off - 2, sum);
	} else {
		sum = net_cksum_add(p, l4_len, sum);
	}
	cksum = (uint16_t)~net_cksum_fold(sum);
	/* 0 means "no checksum" in UDP: RFC 768 sends all ones instead. */
	if (cksum == 0 && proto == IP_PROTO_UDP)
		cksum = 0xffff;
	return cksum;
}

/**
 * UDP or TCP checksum over IPv4: pseudo-header, L4 header and payload.
 * The L4 checksum field is ignored, so it need not be cleared first.
 * @param h   IPv4 header; total_length and next_proto_id must be valid
 * @param l4  the UDP or TCP header, followed by the payload (contiguous)
 * @return the value to store as is in the UDP/TCP checksum field
 */
static inline uint16_t ipv4_udptcp_cksum(const struct ipv4_hdr *h, const void *l4)
{
	size_t l4_len = (size_t)be_to_cpu_16(h->total_length) - ipv4_hdr_len(h);

	return net_l4_cksum(ipv4_phdr_cksum(h), l4, l4_len, h->next_proto_id);
}

/**
 * Check a UDP or TCP checksum over IPv4.
 * @return true when correct, or for UDP sent without checksum (field 0)
 */
static inline bool ipv4_udptcp_cksum_verify(const struct ipv4_hdr *h, const void *l4)
{
	size_t l4_len = (size_t)be_to_cpu_16(h->total_length) - ipv4_hdr_len(h);
	uint16_t field;

	if (h->next_proto_id == IP_PROTO_UDP && l4_len >= 8) {
		memcpy(&field, (const uint8_t *)l4 + 6, 2);
		if (field == 0)
			return true;
	}
	return net_cksum_fold(net_cksum_add(l4, l4_len, ipv4_phdr_cksum(h))) == 0xffff;
}

/**
 * Sum of the IPv6 pseudo-header (addresses, upper-layer length from
 * payload_len, next header).
 * @return the folded sum, not complemented
 */
static inline uint16_t ipv6_phdr_cksum(const struct ipv6_hdr *h)
{
	uint32_t sum;
	be32_t len = cpu_to_be_32(be_to_cpu_16(h->payload_len));
	be32_t proto = cpu_to_be_32(h->proto);

	sum = net_cksum_add(h->src_addr, 2 * IPV6_ADDR_SIZE, 0);
	sum = net_cksum_add(&len, sizeof(len), sum);
	sum = net_cksum_add(&proto, sizeof(proto), sum);
	return net_cksum_fold(sum);
}

/**
 * UDP or TCP checksum over IPv6 (no extension headers: @p l4 directly
 * follows the fixed header). The L4 checksum field is ignored.
 * @return the value to store as is in the UDP/TCP checksum field
 */
static inline uint16_t ipv6_udptcp_cksum(const struct ipv6_hdr *h, const void *l4)
{
	return net_l4_cksum(ipv6_phdr_cksum(h), l4, be_to_cpu_16(h->payload_len),
			    h->proto);
}

/** Check a UDP or TCP checksum over IPv6. @return true when correct. */
static inline bool ipv6_udptcp_cksum_verify(const struct ipv6_hdr *h, const void *l4)
{
	return net_cksum_fold(net_cksum_add(l4, be_to_cpu_16(h->payload_len),
					    ipv6_phdr_cksum(h))) == 0xffff;
}

/**
 * Parse a dotted-quad IPv4 address ("192.168.0.1").
 * @param str   NUL-terminated text
 * @param addr  result in host order; untouched on error
 * @return 0, or -EINVAL
 */
int ipv4_addr_parse(const char *str, uint32_t *addr);

/**
 * Format a host-order IPv4 address as a dotted quad.
 * @param buf   destination, at least 16 bytes to avoid truncation
 * @return @p buf
 */
char *ipv4_addr_format(char *buf, size_t size, uint32_t addr);

#endif /* UPDK_NET_IP_H */
