/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vm_virtio: net_virtio on the test guest's virtio-net-pci (0000:02:00.0),
 * whose cable ends at the e1000e (0000:01:00.0).
 *
 *   vm_virtio --nonce HEX [--frames N] [--rx-frames M] [--csum-frames K]
 *
 * eal_init probes the virtio port through the PCI bus (-a both NICs; no
 * driver takes the e1000e, which this program attaches and pokes itself).
 * The port is configured, started, its link and MAC read, promiscuous mode
 * switched through the control queue; N frames are sent with a sequence
 * number and a payload checksum (the host finds them in both pcaps); the
 * e1000e receives them (checked here and in the host pcap) and sends M
 * frames that the port must receive with intact payload.
 * With --csum-frames (the host cabled the NICs through TAPs, so that QEMU
 * offers VIRTIO_NET_F_CSUM) the port is configured with UDP checksum
 * offload and also sends K UDP/IPv4 frames whose checksum it leaves to the
 * device (spec 5.1.6.2: pseudo-header sum in the field, NEEDS_CSUM); the
 * e1000e must receive them with correct UDP checksums, and the host checks
 * both pcaps.
 * At the end every mbuf is back in its pool. Prints "VM-VIRTIO-..." lines
 * for the host checker; exit 0 when every guest-side check passed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "eal.h"
#include "eal_memory.h"
#include "ethdev.h"
#include "net_ip.h"
#include "net_udp.h"
#include "pci.h"
#include "e1000e_rx.h"
#include "e1000e_tx.h"

#define VIRTIO_BDF "0000:02:00.0"
#define E1000E_BDF "0000:01:00.0"
#define ETHERTYPE_TEST 0x88b5
#define POOL_MBUFS 1024
#define RING 256
#define BURST 32

static int failures;

static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		failures++;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Payload of tx frame @p seq: text, then bytes derived from seq, then a
 * 32-bit sum of everything before it (big-endian). Frame lengths vary. */
static size_t tx_frame_build(uint8_t *f, const struct eth_addr *src, const char *nonce,
			     uint32_t seq)
{
	size_t len = 64 + (seq * 97u) % 1400u, i, text_len;
	uint32_t sum = 0;

	memset(f, 0xff, 6);
	memcpy(f + 6, src, 6);
	f[12] = ETHERTYPE_TEST >> 8;
	f[13] = ETHERTYPE_TEST & 0xff;
	text_len = (size_t)snprintf((char *)f + 14, len - 14, "UPDK-VIRTIO-TX %s seq=%06u ",
				    nonce, seq);
	for (i = 14 + text_len; i < len - 4; i++)
		f[i] = (uint8_t)(seq + i * 13u);
	for (i = 14; i < len - 4; i++)
		sum += f[i];
	f[len - 4] = (uint8_t)(sum >> 24);
	f[len - 3] = (uint8_t)(sum >> 16);
	f[len - 2] = (uint8_t)(sum >> 8);
	f[len - 1] = (uint8_t)sum;
	return len;
}

static size_t rx_text(char *buf, size_t room, const char *nonce, uint32_t seq)
{
	size_t n = (size_t)snprintf(buf, room, "UPDK-VIRTIO-RX %s seq=%06u ", nonce, seq);

	/* Enough pattern after the text for a long-ish payload check. */
	while (n + 1 < room && n < 200) {
		buf[n] = (char)('a' + (seq + n) % 26);
		n++;
	}
	buf[n] = '\0';
	return n;
}

static int send_frames(uint16_t port, struct mempool *pool, const char *nonce, unsigned count)
{
	struct ethdev_stats st;
	struct eth_addr mac;
	unsigned seq = 0, attempts = 0;
	double t0 = now_s();

	ethdev_macaddr_get(port, &mac);
	while (seq < count && attempts < 100000) {
		struct mbuf *pkts[BURST];
		unsigned n = EAL_MIN((unsigned)BURST, count - seq), i;
		uint16_t sent;

		if (pktmbuf_alloc_bulk(pool, pkts, n) != 0)
			return -ENOMEM;
		for (i = 0; i < n; i++) {
			uint8_t frame[1600];
			size_t len = tx_frame_build(frame, &mac, nonce, seq + i);

			memcpy(pktmbuf_append(pkts[i], (uint16_t)len), frame, len);
		}
		sent = ethdev_tx_burst(port, 0, pkts, (uint16_t)n);
		pktmbuf_free_bulk(pkts + sent, n - sent);
		seq += sent;
		attempts++;
	}
	/* Let the device finish; an empty burst reclaims completed mbufs. */
	while (now_s() - t0 < 5.0) {
		ethdev_tx_burst(port, 0, NULL, 0);
		ethdev_stats_get(port, &st);
		if (st.opackets >= count)
			break;
	}
	printf("VM-VIRTIO-TX-DONE %u frames in %.3f s\n", seq, now_s() - t0);
	return (int)seq;
}

/* UDP frame @p seq for the checksum offload: Ethernet, IPv4 10.0.0.1:1234
 * -> 10.0.0.2:5678, payload "UPDK-VIRTIO-CSUM <nonce> seq=<seq> " and a
 * pattern; odd and even lengths from 100 bytes. The UDP checksum field gets the
 * pseudo-header sum and the mbuf the offload request (mbuf.h's contract). */
#define CSUM_PREFIX "UPDK-VIRTIO-CSUM"
#define CSUM_L4_OFF (14 + 20)

static size_t csum_frame_build(struct mbuf *m, const struct eth_addr *src, const char *nonce,
			       uint32_t seq)
{
	size_t len = 100 + (seq * 37u) % 900u, i, text_len; /* the text fits */
	uint8_t *f = (uint8_t *)pktmbuf_append(m, (uint16_t)len);
	struct ipv4_hdr ip = {
		.version_ihl = IPV4_VHL_DEF, .time_to_live = 64, .next_proto_id = IP_PROTO_UDP,
		.total_length = cpu_to_be_16((uint16_t)(len - 14)),
		.src_addr = cpu_to_be_32(IPV4_ADDR(10, 0, 0, 1)),
		.dst_addr = cpu_to_be_32(IPV4_ADDR(10, 0, 0, 2)),
	};
	struct udp_hdr udp = {
		.src_port = cpu_to_be_16(1234), .dst_port = cpu_to_be_16(5678),
		.dgram_len = cpu_to_be_16((uint16_t)(len - CSUM_L4_OFF)),
	};

	if (f == NULL)
		return 0; /* cannot happen: the default mbuf holds 1500 bytes */
	memset(f, 0xff, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	ip.hdr_checksum = ipv4_cksum(&ip);
	udp.dgram_cksum = ipv4_phdr_cksum(&ip);
	memcpy(f + 14, &ip, sizeof(ip));
	memcpy(f + CSUM_L4_OFF, &udp, sizeof(udp));
	text_len = (size_t)snprintf((char *)f + CSUM_L4_OFF + 8, len - CSUM_L4_OFF - 8,
				    CSUM_PREFIX " %s seq=%06u ", nonce, seq);
	for (i = CSUM_L4_OFF + 8 + text_len; i < len; i++)
		f[i] = (uint8_t)(seq * 3u + i * 7u);
	m->l2_len = 14;
	m->l3_len = sizeof(ip);
	m->ol_flags = MBUF_F_TX_IPV4 | MBUF_F_TX_UDP_CKSUM;
	return len;
}

static int send_csum_frames(uint16_t port, struct mempool *pool, const char *nonce,
			    unsigned count)
{
	struct eth_addr mac;
	unsigned seq = 0, attempts = 0;

	ethdev_macaddr_get(port, &mac);
	while (seq < count && attempts++ < 100000) {
		struct mbuf *pkts[BURST];
		unsigned n = EAL_MIN((unsigned)BURST, count - seq), i;
		uint16_t sent;

		if (pktmbuf_alloc_bulk(pool, pkts, n) != 0)
			return -ENOMEM;
		for (i = 0; i < n; i++)
			csum_frame_build(pkts[i], &mac, nonce, seq + i);
		sent = ethdev_tx_burst(port, 0, pkts, (uint16_t)n);
		pktmbuf_free_bulk(pkts + sent, n - sent);
		seq += sent;
	}
	return (int)seq;
}

/* The e1000e end: the checksum frames, each with a right UDP checksum. */
static unsigned e1000e_receive_csum(struct e1000e_rx *rx, const char *nonce, unsigned count)
{
	char prefix[64];
	unsigned seen = 0, good = 0;
	double t0 = now_s();

	snprintf(prefix, sizeof(prefix), CSUM_PREFIX " %s seq=", nonce);
	while (seen < count && now_s() - t0 < 5.0) {
		const uint8_t *f;
		size_t len = e1000e_rx_poll(rx, &f);

		if (len == 0)
			continue;
		if (len > CSUM_L4_OFF + 8 + strlen(prefix) && f[12] == 0x08 && f[13] == 0x00 &&
		    memcmp(f + CSUM_L4_OFF + 8, prefix, strlen(prefix)) == 0) {
			struct ipv4_hdr ip;
			uint16_t field;

			memcpy(&ip, f + 14, sizeof(ip));
			memcpy(&field, f + CSUM_L4_OFF + 6, sizeof(field));
			seen++;
			if (field != 0 && ipv4_udptcp_cksum_verify(&ip, f + CSUM_L4_OFF))
				good++;
			else
				printf("e1000e rx: checksum frame of %zu bytes: UDP checksum 0x%04x "
				       "wrong\n", len, be_to_cpu_16(field));
		}
		e1000e_rx_release(rx);
	}
	printf("VM-VIRTIO-CSUM-RX %u good of %u (%u seen) in %.3f s\n", good, count, seen,
	       now_s() - t0);
	return good;
}

static int e1000e_send(struct e1000e_tx *tx, const char *nonce, unsigned count)
{
	uint64_t iova;
	uint8_t *buf = eal_dma_zalloc("e1000e_frames", 2048, 64, EAL_SOCKET_ID_ANY, &iova);
	unsigned seq;
	int rc = 0;

	if (buf == NULL)
		return -ENOMEM;
	for (seq = 0; seq < count && rc == 0; seq++) {
		char text[256];
		size_t len;

		rx_text(text, sizeof(text), nonce, seq);
		len = e1000e_build_frame(buf, 2048, text);
		rc = e1000e_tx_send(tx, iova, len, 2000);
	}
	eal_dma_free(buf);
	return rc;
}

static unsigned receive_frames(uint16_t port, const char *nonce, unsigned count,
			       unsigned *intact_out, unsigned *others_out)
{
	bool seen[4096] = { false };
	unsigned got = 0, intact = 0, others = 0;
	char prefix[64];
	double t0 = now_s();

	snprintf(prefix, sizeof(prefix), "UPDK-VIRTIO-RX %s seq=", nonce);
	while (got < count && now_s() - t0 < 10.0) {
		struct mbuf *pkts[BURST];
		uint16_t n = ethdev_rx_burst(port, 0, pkts, BURST), i;

		for (i = 0; i < n; i++) {
			const uint8_t *f = pktmbuf_mtod(pkts[i], const uint8_t *);
			unsigned seq;
			char text[256];
			size_t tl;

			if (pkts[i]->data_len < 14 + strlen(prefix) ||
			    memcmp(f + 14, prefix, strlen(prefix)) != 0 ||
			    sscanf((const char *)f + 14 + strlen(prefix), "%u", &seq) != 1 ||
			    seq >= count || seq >= EAL_DIM(seen)) {
				others++;
				continue;
			}
			tl = rx_text(text, sizeof(text), nonce, seq);
			if (!seen[seq]) {
				seen[seq] = true;
				got++;
				if (pkts[i]->pkt_len == EAL_MAX(60u, 14u + tl) &&
				    memcmp(f + 14, text, tl) == 0 && f[12] == 0x88 && f[13] == 0xb5)
					intact++;
				else
					printf("rx seq %u: payload or length (%u) differs\n", seq,
					       pkts[i]->pkt_len);
			}
		}
		pktmbuf_free_bulk(pkts, n);
	}
	printf("VM-VIRTIO-RX-DONE %u frames in %.3f s\n", got, now_s() - t0);
	*intact_out = intact;
	*others_out = others;
	return got;
}

/* The e1000e end of the cable: the frames the virtio port sent, in order,
 * each with its length and payload checksum. */
static unsigned e1000e_receive(struct e1000e_rx *rx, const char *nonce, unsigned count)
{
	char prefix[64];
	unsigned next_seq = 0, good = 0;
	double t0 = now_s();

	snprintf(prefix, sizeof(prefix), "UPDK-VIRTIO-TX %s seq=", nonce);
	while (next_seq < count && now_s() - t0 < 5.0) {
		const uint8_t *f;
		size_t len = e1000e_rx_poll(rx, &f), i;
		unsigned seq;
		uint32_t sum = 0;

		if (len == 0)
			continue;
		if (len > 14 + strlen(prefix) && memcmp(f + 14, prefix, strlen(prefix)) == 0 &&
		    sscanf((const char *)f + 14 + strlen(prefix), "%u", &seq) == 1) {
			for (i = 14; i + 4 < len; i++)
				sum += f[i];
			if (seq == next_seq && len == 64 + (seq * 97u) % 1400u &&
			    sum == ((uint32_t)f[len - 4] << 24 | (uint32_t)f[len - 3] << 16 |
				    (uint32_t)f[len - 2] << 8 | f[len - 1]))
				good++;
			else
				printf("e1000e rx: seq %u (expected %u), %zu bytes: bad\n", seq,
				       next_seq, len);
			next_seq = seq + 1;
		}
		e1000e_rx_release(rx);
	}
	printf("VM-VIRTIO-E1000E-RX %u good of %u in %.3f s\n", good, count, now_s() - t0);
	return good;
}

int main(int argc, char **argv)
{
	const char *nonce = NULL;
	unsigned nb_tx = 64, nb_rx = 32, nb_csum = 0;
	char *eal_argv[] = { "vm_virtio", "-l", "0", "-a", VIRTIO_BDF, "-a", E1000E_BDF, NULL };
	struct ethdev_conf conf = { 0 };
	struct ethdev_link link;
	struct ethdev_stats st;
	struct ethdev_info info;
	struct pci_device *e1000e;
	struct e1000e_tx etx;
	struct e1000e_rx erx;
	void *erx_mem = NULL;
	uint64_t erx_iova = 0;
	struct mempool *pool;
	struct eth_addr mac;
	uint16_t port;
	void *ering;
	uint64_t ering_iova;
	unsigned intact = 0, others = 0, got;
	double t_start = now_s(), t;
	int i, rc, sent;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--nonce") == 0 && i + 1 < argc)
			nonce = argv[++i];
		else if (strcmp(argv[i], "--frames") == 0 && i + 1 < argc)
			nb_tx = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (strcmp(argv[i], "--rx-frames") == 0 && i + 1 < argc)
			nb_rx = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (strcmp(argv[i], "--csum-frames") == 0 && i + 1 < argc)
			nb_csum = (unsigned)strtoul(argv[++i], NULL, 0);
	}
	if (nonce == NULL || nb_rx > 4096) {
		fprintf(stderr, "usage: vm_virtio --nonce HEX [--frames N] [--rx-frames M<=4096] "
			"[--csum-frames K]\n");
		return 2;
	}
	rc = eal_init((int)EAL_DIM(eal_argv) - 1, eal_argv);
	check(rc >= 0, "eal_init with -a %s -a %s (%s)", VIRTIO_BDF, E1000E_BDF,
	      rc < 0 ? strerror(-rc) : "probed");
	if (rc < 0)
		return 1;
	printf("VM-VIRTIO-PROBE %.3f s\n", now_s() - t_start);
	check(ethdev_get_port_by_name(VIRTIO_BDF, &port) == 0, "virtio port %s exists",
	      VIRTIO_BDF);
	check(ethdev_count_avail() == 1, "exactly one port (the e1000e has no driver here)");
	if (failures)
		goto out;
	ethdev_info_get(port, &info);
	printf("dev info: driver %s, %u rx / %u tx queues, ring %u..%u, max pktlen %u\n",
	       info.driver_name, info.max_rx_queues, info.max_tx_queues, info.rx_desc_lim.nb_min,
	       info.rx_desc_lim.nb_max, info.max_rx_pktlen);
	check(strcmp(info.driver_name, "net_virtio") == 0, "driver name net_virtio");
	printf("VM-VIRTIO-OFFLOADS rx 0x%" PRIx64 " tx 0x%" PRIx64 "\n", info.rx_offload_capa,
	       info.tx_offload_capa);
	if (nb_csum > 0) {
		check((info.tx_offload_capa & ETHDEV_TX_OFFLOAD_UDP_CKSUM) &&
		      (info.rx_offload_capa & ETHDEV_RX_OFFLOAD_UDP_CKSUM),
		      "the device offers VIRTIO_NET_F_CSUM and GUEST_CSUM (UDP checksum "
		      "offloads both ways)");
		conf.txmode.offloads = info.tx_offload_capa & ETHDEV_TX_OFFLOAD_UDP_CKSUM;
	}
	ethdev_macaddr_get(port, &mac);
	printf("VM-VIRTIO-MAC %02x:%02x:%02x:%02x:%02x:%02x\n", mac.addr_bytes[0],
	       mac.addr_bytes[1], mac.addr_bytes[2], mac.addr_bytes[3], mac.addr_bytes[4],
	       mac.addr_bytes[5]);
	check(ether_addr_is_valid_assigned(&mac), "MAC from the device config is unicast");

	pool = pktmbuf_pool_create("vm_virtio_pool", POOL_MBUFS, 0, 0, MBUF_DEFAULT_BUF_SIZE,
				   EAL_SOCKET_ID_ANY);
	check(pool != NULL, "mbuf pool of %u", POOL_MBUFS);
	if (pool == NULL)
		goto out;
	check(ethdev_configure(port, 1, 1, &conf) == 0, "configure 1 rx + 1 tx");
	check(ethdev_rx_queue_setup(port, 0, 100, EAL_SOCKET_ID_ANY, NULL, pool) == -EINVAL,
	      "rx ring of 100 (not a power of two) refused");
	check(ethdev_rx_queue_setup(port, 0, RING, EAL_SOCKET_ID_ANY, NULL, pool) == 0,
	      "rx queue of %u", RING);
	check(ethdev_tx_queue_setup(port, 0, RING, EAL_SOCKET_ID_ANY, NULL) == 0,
	      "tx queue of %u", RING);
	t = now_s();
	rc = ethdev_start(port);
	check(rc == 0, "start (%s) in %.3f s", rc < 0 ? strerror(-rc) : "ok", now_s() - t);
	if (rc < 0)
		goto out;
	ethdev_link_get(port, &link);
	check(link.link_status == ETHDEV_LINK_UP, "link up (device config STATUS)");
	check(ethdev_promiscuous_disable(port) == 0, "promiscuous off through the control queue");
	check(ethdev_promiscuous_enable(port) == 0, "promiscuous on through the control queue");

	e1000e = pci_device_find(E1000E_BDF);
	check(e1000e != NULL && e1000e->driver == NULL, "e1000e selected, no driver");
	if (e1000e == NULL)
		goto stop;
	rc = pci_device_attach(e1000e);
	check(rc == 0, "e1000e attached to the shared container");
	if (rc < 0)
		goto stop;
	pci_bus_master_set(e1000e, true);
	ering = eal_dma_zalloc("e1000e_ring", e1000e_tx_ring_bytes(64), 128, EAL_SOCKET_ID_ANY,
			       &ering_iova);
	check(ering != NULL && pci_bar_map(e1000e, 0) != NULL, "e1000e BAR0 and ring");
	if (ering == NULL || e1000e->bars[0].addr == NULL) {
		eal_dma_free(ering);
		goto stop;
	}
	rc = e1000e_tx_start(&etx, e1000e->bars[0].addr, ering, ering_iova, 64);
	check(rc == 0, "e1000e transmit ring up");
	erx_mem = eal_dma_zalloc("e1000e_rx", e1000e_rx_mem_bytes(256), 4096, EAL_SOCKET_ID_ANY,
				 &erx_iova);
	check(erx_mem != NULL, "e1000e receive ring memory");
	if (rc == 0 && erx_mem != NULL) {
		e1000e_rx_start(&erx, e1000e->bars[0].addr, erx_mem, erx_iova, 256);
		sent = send_frames(port, pool, nonce, nb_tx);
		check(sent == (int)nb_tx, "%d of %u frames sent", sent, nb_tx);
		check(e1000e_receive(&erx, nonce, nb_tx) == nb_tx,
		      "the e1000e received all %u in order with good checksums", nb_tx);
		if (nb_csum > 0) {
			sent = send_csum_frames(port, pool, nonce, nb_csum);
			check(sent == (int)nb_csum, "%d of %u UDP frames sent with checksum offload",
			      sent, nb_csum);
			check(e1000e_receive_csum(&erx, nonce, nb_csum) == nb_csum,
			      "the e1000e received all %u with right UDP checksums", nb_csum);
		}
		e1000e_rx_stop(&erx);
		t = now_s();
		rc = e1000e_send(&etx, nonce, nb_rx);
		check(rc == 0, "e1000e sent %u frames in %.3f s", nb_rx, now_s() - t);
		got = receive_frames(port, nonce, nb_rx, &intact, &others);
		check(got == nb_rx, "virtio received %u of %u e1000e frames", got, nb_rx);
		check(intact == nb_rx, "%u of %u with intact payload and length", intact, nb_rx);
		printf("other frames received: %u\n", others);
		e1000e_tx_stop(&etx);
	}
	eal_dma_free(ering);
	eal_dma_free(erx_mem);

stop:
	ethdev_stats_get(port, &st);
	printf("VM-VIRTIO-STATS ipackets=%" PRIu64 " ibytes=%" PRIu64 " opackets=%" PRIu64
	       " obytes=%" PRIu64 " ierrors=%" PRIu64 " oerrors=%" PRIu64 " nombuf=%" PRIu64 "\n",
	       st.ipackets, st.ibytes, st.opackets, st.obytes, st.ierrors, st.oerrors,
	       st.rx_nombuf);
	check(st.opackets == nb_tx + nb_csum && st.q_opackets[0] == nb_tx + nb_csum,
	      "tx stats count %u", nb_tx + nb_csum);
	check(st.ipackets >= intact && st.ierrors == 0, "rx stats count the frames, no errors");
	check(ethdev_stop(port) == 0, "stop (device reset)");
	check(mempool_in_use_count(pool) == 0, "every mbuf back in the pool after stop (%u out)",
	      mempool_in_use_count(pool));
	/* A second start and stop: the whole initialization runs again. */
	check(ethdev_start(port) == 0, "restart");
	check(mempool_in_use_count(pool) == RING, "rx ring refilled (%u mbufs held)",
	      mempool_in_use_count(pool));
	check(ethdev_stop(port) == 0 && mempool_in_use_count(pool) == 0, "stop again, pool full");
	check(ethdev_close(port) == 0, "close");
	mempool_free(pool);
out:
	eal_cleanup();
	printf("VM-VIRTIO-RESULT failures=%d total %.3f s\n", failures, now_s() - t_start);
	return failures == 0 ? 0 : 1;
}
