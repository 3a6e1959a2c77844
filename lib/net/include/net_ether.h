/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Ethernet: MAC addresses, the Ethernet and VLAN headers, frame sizes.
 *
 * The types are named eth_* so that they coexist with glibc's struct
 * ether_addr / ether_header (<net/ethernet.h>).
 */
#ifndef UPDK_NET_ETHER_H
#define UPDK_NET_ETHER_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "net_byteorder.h"

#define ETHER_ADDR_LEN 6    /**< bytes in a MAC address */
#define ETHER_TYPE_LEN 2    /**< bytes in the EtherType field */
#define ETHER_CRC_LEN 4     /**< bytes in the frame check sequence */
#define ETHER_HDR_LEN (ETHER_ADDR_LEN * 2 + ETHER_TYPE_LEN) /**< 14 */
#define ETHER_MIN_LEN 64    /**< smallest frame, FCS included */
#define ETHER_MAX_LEN 1518  /**< largest untagged frame, FCS included */
#define ETHER_MTU (ETHER_MAX_LEN - ETHER_HDR_LEN - ETHER_CRC_LEN) /**< 1500 */
#define ETHER_MIN_MTU 68    /**< smallest IPv4 MTU (RFC 791) */
#define ETHER_MAX_JUMBO_FRAME_LEN 0x3f00 /**< 16128: what most NICs accept */
#define VLAN_HLEN 4         /**< bytes a VLAN tag adds */

/** Length of "XX:XX:XX:XX:XX:XX" plus the terminating NUL. */
#define ETHER_ADDR_FMT_SIZE 18

/* EtherType values, host order (compare with be_to_cpu_16(h->ether_type)). */
#define ETHER_TYPE_IPV4 0x0800
#define ETHER_TYPE_ARP  0x0806
#define ETHER_TYPE_VLAN 0x8100
#define ETHER_TYPE_IPV6 0x86DD
#define ETHER_TYPE_QINQ 0x88A8
#define ETHER_TYPE_LLDP 0x88CC

#define ETHER_LOCAL_ADMIN_ADDR 0x02 /**< bit of the first byte: locally administered */
#define ETHER_GROUP_ADDR       0x01 /**< bit of the first byte: multicast/broadcast */

/** A 48-bit MAC address in transmission order. */
struct eth_addr {
	uint8_t addr_bytes[ETHER_ADDR_LEN];
} __attribute__((aligned(2)));

/** Ethernet header (without a VLAN tag). */
struct eth_hdr {
	struct eth_addr dst_addr;
	struct eth_addr src_addr;
	be16_t ether_type;  /**< EtherType or length, network order */
} __attribute__((aligned(2)));

/** 802.1Q tag, following the source address when ether_type is VLAN. */
struct vlan_hdr {
	be16_t vlan_tci;    /**< priority (3), DEI (1), VLAN id (12) */
	be16_t eth_proto;   /**< EtherType of what follows */
} __attribute__((__packed__));

static_assert(sizeof(struct eth_addr) == ETHER_ADDR_LEN, "ether_addr is 6 bytes");
static_assert(sizeof(struct eth_hdr) == ETHER_HDR_LEN, "ether_hdr is 14 bytes");
static_assert(offsetof(struct eth_hdr, ether_type) == 12, "ether_type at byte 12");
static_assert(sizeof(struct vlan_hdr) == VLAN_HLEN, "vlan_hdr is 4 bytes");

/** @return true when @p a and @p b are the same address. */
static inline bool ether_addr_is_same(const struct eth_addr *a,
				      const struct eth_addr *b)
{
	return memcmp(a->addr_bytes, b->addr_bytes, ETHER_ADDR_LEN) == 0;
}

/** @return true for 00:00:00:00:00:00. */
static inline bool ether_addr_is_zero(const struct eth_addr *a)
{
	static const struct eth_addr zero;
	return ether_addr_is_same(a, &zero);
}

/** @return true for a unicast (individual) address. */
static inline bool ether_addr_is_unicast(const struct eth_addr *a)
{
	return (a->addr_bytes[0] & ETHER_GROUP_ADDR) == 0;
}

/** @return true for a multicast address (broadcast included). */
static inline bool ether_addr_is_multicast(const struct eth_addr *a)
{
	return (a->addr_bytes[0] & ETHER_GROUP_ADDR) != 0;
}

/** @return true for ff:ff:ff:ff:ff:ff. */
static inline bool ether_addr_is_broadcast(const struct eth_addr *a)
{
	static const struct eth_addr bcast = {
		.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	return ether_addr_is_same(a, &bcast);
}

/** @return true for a locally administered address. */
static inline bool ether_addr_is_local_admin(const struct eth_addr *a)
{
	return (a->addr_bytes[0] & ETHER_LOCAL_ADMIN_ADDR) != 0;
}

/** @return true for a universally administered (IEEE-assigned) address. */
static inline bool ether_addr_is_universal(const struct eth_addr *a)
{
	return !ether_addr_is_local_admin(a);
}

/** @return true when @p a can be a port's own address: unicast, not zero. */
static inline bool ether_addr_is_valid_assigned(const struct eth_addr *a)
{
	return ether_addr_is_unicast(a) && !ether_addr_is_zero(a);
}

/** Copy @p from into @p to. */
static inline void ether_addr_copy(const struct eth_addr *from,
				   struct eth_addr *to)
{
	*to = *from;
}

/**
 * Fill @p addr with a random unicast, locally administered address (the
 * kind a virtual port gives itself).
 * @param addr  where to write; must not be NULL
 */
void ether_addr_random(struct eth_addr *addr);

/**
 * Format @p addr as "XX:XX:XX:XX:XX:XX" (upper-case hex).
 * @param buf   destination
 * @param size  bytes in @p buf; ETHER_ADDR_FMT_SIZE avoids truncation
 * @param addr  the address
 * @return @p buf (always NUL-terminated when @p size > 0; truncated when
 *         @p size < ETHER_ADDR_FMT_SIZE)
 */
char *ether_format_addr(char *buf, size_t size, const struct eth_addr *addr);

/**
 * Parse a MAC address. Accepts "XX:XX:XX:XX:XX:XX", "XX-XX-XX-XX-XX-XX"
 * (one or two hex digits per byte) and "XXXX.XXXX.XXXX" (Cisco style).
 * Leading or trailing characters are an error.
 * @param str   NUL-terminated text
 * @param addr  result; untouched on error
 * @return 0, or -EINVAL when @p str is not one of the accepted forms
 */
int ether_unformat_addr(const char *str, struct eth_addr *addr);

#endif /* UPDK_NET_ETHER_H */
