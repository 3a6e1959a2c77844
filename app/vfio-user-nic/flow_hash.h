/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Receive steering of the emulated NIC: which RX queue a frame goes to.
 * Like RSS on a real NIC, a Toeplitz hash (Microsoft's RSS specification,
 * with its well-known default key) over the IPv4 source and destination
 * addresses and, for TCP and UDP, the ports, so that every frame of a flow
 * lands in the same queue and keeps its order there. Frames that are not
 * IPv4 (and IPv4 fragments after the first) hash to 0: queue 0.
 */
#ifndef UPDK_VNIC_FLOW_HASH_H
#define UPDK_VNIC_FLOW_HASH_H

#include <stddef.h>
#include <stdint.h>

/* The default RSS key (40 bytes) of the Microsoft specification, also the
 * default of many NICs and drivers. */
static const uint8_t vnet_rss_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
	0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
	0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
	0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* Toeplitz hash of @p len (at most 36) input bytes. */
static inline uint32_t vnet_toeplitz(const uint8_t *in, size_t len)
{
	uint32_t hash = 0, window = (uint32_t)vnet_rss_key[0] << 24 |
				    (uint32_t)vnet_rss_key[1] << 16 |
				    (uint32_t)vnet_rss_key[2] << 8 | vnet_rss_key[3];

	for (size_t i = 0; i < len; i++) {
		for (int bit = 7; bit >= 0; bit--) {
			if (in[i] & (1u << bit))
				hash ^= window;
			/* Slide the 32-bit key window one bit to the right. */
			window = window << 1 |
				 ((vnet_rss_key[i + 4] >> bit) & 1u);
		}
	}
	return hash;
}

/* Hash of the flow @p frame (an Ethernet frame of @p len bytes) belongs to. */
static inline uint32_t vnet_flow_hash(const uint8_t *frame, size_t len)
{
	uint8_t tuple[12];
	size_t l3 = 14, ihl;
	uint16_t type;

	if (len < l3 + 20)
		return 0;
	type = (uint16_t)(frame[12] << 8 | frame[13]);
	if (type == 0x8100) { /* one VLAN tag */
		if (len < l3 + 4 + 20)
			return 0;
		type = (uint16_t)(frame[16] << 8 | frame[17]);
		l3 += 4;
	}
	if (type != 0x0800 || (frame[l3] >> 4) != 4)
		return 0;
	ihl = (size_t)(frame[l3] & 0xf) * 4;
	if (ihl < 20 || len < l3 + ihl)
		return 0;
	for (size_t i = 0; i < 8; i++)
		tuple[i] = frame[l3 + 12 + i]; /* source, then destination address */
	/* Ports only in a first (or only) fragment of TCP or UDP. */
	if ((frame[l3 + 9] == 6 || frame[l3 + 9] == 17) &&
	    ((frame[l3 + 6] & 0x1f) | frame[l3 + 7]) == 0 && len >= l3 + ihl + 4) {
		for (size_t i = 0; i < 4; i++)
			tuple[8 + i] = frame[l3 + ihl + i];
		return vnet_toeplitz(tuple, 12);
	}
	return vnet_toeplitz(tuple, 8);
}

#endif /* UPDK_VNIC_FLOW_HASH_H */
