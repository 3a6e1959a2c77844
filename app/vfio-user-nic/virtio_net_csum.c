/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "net_ether.h"
#include "net_ip.h"
#include "net_udp.h"
#include "virtio_net_csum.h"

int vnet_csum_complete(uint8_t *frame, size_t len, uint16_t csum_start, uint16_t csum_offset)
{
	size_t field = (size_t)csum_start + csum_offset;
	uint16_t csum;

	if (field + 2 > len)
		return -EINVAL;
	csum = (uint16_t)~net_cksum_fold(net_cksum_add(frame + csum_start, len - csum_start, 0));
	/* 0 would mean "no checksum" to UDP: all ones is the same sum. */
	if (csum == 0)
		csum = 0xffff;
	memcpy(frame + field, &csum, sizeof(csum));
	return 0;
}

/* The L3 header and L4 bytes of an untagged IPv4/IPv6 TCP/UDP frame.
 * @return the IP version (4 or 6), or 0 when the frame is none of those. */
static int l4_locate(const uint8_t *frame, size_t len, const uint8_t **l3, const uint8_t **l4,
		     size_t *l4_len, uint8_t *proto)
{
	be16_t type;

	if (len < ETHER_HDR_LEN)
		return 0;
	memcpy(&type, frame + 12, sizeof(type));
	*l3 = frame + ETHER_HDR_LEN;
	len -= ETHER_HDR_LEN;
	if (type == cpu_to_be_16(ETHER_TYPE_IPV4)) {
		struct ipv4_hdr ip;
		size_t ihl, total;

		if (len < sizeof(ip))
			return 0;
		memcpy(&ip, *l3, sizeof(ip));
		ihl = ipv4_hdr_len(&ip);
		total = be_to_cpu_16(ip.total_length);
		/* A fragment's checksum covers the whole datagram. */
		if (ihl < sizeof(ip) || total < ihl || total > len ||
		    (be_to_cpu_16(ip.fragment_offset) & (IPV4_HDR_MF_FLAG | IPV4_HDR_OFFSET_MASK)))
			return 0;
		*proto = ip.next_proto_id;
		*l4 = *l3 + ihl;
		*l4_len = total - ihl;
	} else if (type == cpu_to_be_16(ETHER_TYPE_IPV6)) {
		struct ipv6_hdr ip;
		size_t payload;

		if (len < sizeof(ip))
			return 0;
		memcpy(&ip, *l3, sizeof(ip));
		payload = be_to_cpu_16(ip.payload_len);
		if (payload > len - sizeof(ip))
			return 0;
		*proto = ip.proto;
		*l4 = *l3 + sizeof(ip);
		*l4_len = payload;
	} else {
		return 0;
	}
	if (*l4_len < (*proto == IP_PROTO_UDP ? 8u : *proto == IP_PROTO_TCP ? 20u : SIZE_MAX))
		return 0;
	return type == cpu_to_be_16(ETHER_TYPE_IPV4) ? 4 : 6;
}

enum vnet_l4_csum vnet_l4_csum_check(const uint8_t *frame, size_t len)
{
	const uint8_t *l3, *l4;
	size_t l4_len;
	uint8_t proto;
	int ver = l4_locate(frame, len, &l3, &l4, &l4_len, &proto);
	uint32_t sum;

	if (ver == 0)
		return VNET_L4_CSUM_NONE;
	if (ver == 4) {
		struct ipv4_hdr ip;

		memcpy(&ip, l3, sizeof(ip));
		if (vnet_l4_csum_absent(frame, len))
			return VNET_L4_CSUM_GOOD;
		/* The pseudo-header's length is the one the L4 bytes have. */
		sum = ipv4_phdr_cksum(&ip);
	} else {
		struct ipv6_hdr ip;

		memcpy(&ip, l3, sizeof(ip));
		sum = ipv6_phdr_cksum(&ip);
	}
	return net_cksum_fold(net_cksum_add(l4, l4_len, sum)) == 0xffff ? VNET_L4_CSUM_GOOD
									 : VNET_L4_CSUM_BAD;
}

bool vnet_l4_csum_absent(const uint8_t *frame, size_t len)
{
	const uint8_t *l3, *l4;
	size_t l4_len;
	uint8_t proto;
	uint16_t field;

	if (l4_locate(frame, len, &l3, &l4, &l4_len, &proto) != 4 || proto != IP_PROTO_UDP)
		return false;
	memcpy(&field, l4 + offsetof(struct udp_hdr, dgram_cksum), sizeof(field));
	return field == 0;
}
