/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vfio-user-nic: serves emulated virtio-net NICs over vfio-user, one socket
 * each, with a packet backend behind them (a cable between two NICs, pcap
 * replay/record, a TAP device, a generator and a verifying sink).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_PCAP
#include <pcap/pcap.h>
#endif

#include "eal_log.h"
#include "genframe.h"
#include "virtio_net_csum.h"
#include "virtio_net_dev.h"

#define MAX_NICS 8
#define BURST 32
#define SOCKET_POLL_LOOPS 64
/* --rate credit the generator may save up while the driver posts no RX
 * buffers (one ring): more would come out later as a burst far above the
 * rate, overloading a driver that only started forwarding later. */
#define GEN_MAX_BACKLOG 256

struct nic {
	unsigned idx;
	char name[32];
	struct vnet_dev *dev;
	struct vus_server *srv;
	struct nic *peer;            /* --cable */
	uint64_t gen_seq;
	uint64_t gen_start_ns;       /* --rate counts from the driver's start */
	uint64_t sink_ok, sink_bad, sink_lost, sink_reordered;
	uint64_t sink_next[GENFRAME_MAX_FLOWS]; /* next sequence expected per flow */
	uint64_t sink_l4_good, sink_l4_bad; /* frames with a TCP/UDP checksum */
	int tap_fd;
	uint64_t tap_write_errors;   /* the first is logged, the rest counted */
#ifdef HAVE_PCAP
	pcap_t *pcap_in;
#endif
};

static struct {
	const char *sockets[MAX_NICS];
	unsigned nb_nics;
	bool cable, gen, sink, no_csum;
	uint64_t rate;               /* generator frames/s per NIC, 0 = max */
	uint64_t gen_count;          /* stop generating after that many, 0 = no limit */
	unsigned gen_flows;          /* frame seq goes to flow seq % gen_flows */
	const char *pcap_in, *pcap_out, *tap;
	unsigned queue_pairs;
} opt = { .queue_pairs = 1, .gen_flows = 1 };

static struct nic nics[MAX_NICS];
static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t link_request; /* 1: down, 2: up (SIGUSR1/SIGUSR2) */
#ifdef HAVE_PCAP
static pcap_t *pcap_out_handle;
static pcap_dumper_t *pcap_dumper;
#endif

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void on_link_signal(int sig)
{
	link_request = sig == SIGUSR1 ? 1 : 2;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vfio-user-nic --socket PATH [--socket PATH2 ...] [backend options]\n"
		"Serves one emulated virtio-net modern PCI NIC (1af4:1041) per socket.\n"
		"  --socket PATH     vfio-user socket of one NIC (up to %d)\n"
		"  --queues N        queue pairs per NIC (1..%d, default 1)\n"
		"  --cable           two NICs cabled to each other (needs exactly 2 sockets)\n"
		"  --gen             generate 64-byte UDP frames into each NIC's RX\n"
		"  --rate PPS        generator rate per NIC (default: as fast as buffers allow)\n"
		"  --gen-count N     stop generating after N frames per NIC\n"
		"  --gen-flows N     frames cycle through N UDP flows (source ports 1024..;\n"
		"                    1..%d, default 1): with --queues, RX steering spreads\n"
		"                    them over the queues, each flow staying on one\n"
		"  --sink            count and verify generator frames the driver transmits\n"
		"  --pcap-in FILE    replay FILE into each NIC's RX%s\n"
		"  --pcap-out FILE   record what the NICs transmit%s\n"
		"  --tap NAME        connect NIC 0 to TAP device NAME\n"
		"  --no-csum         do not offer the checksum offloads VIRTIO_NET_F_CSUM and\n"
		"                    VIRTIO_NET_F_GUEST_CSUM (offered by default, as by QEMU)\n"
		"  --help            this text\n"
		"SIGINT/SIGTERM stop it cleanly (sockets removed, statistics printed).\n"
		"Each NIC can be migrated: its client moves the state (registers, rings,\n"
		"generator and sink counters) to a freshly started vfio-user-nic with the\n"
		"same --queues (doc/migration.md).\n"
		"SIGUSR1 takes every NIC's link down (the driver reads it with\n"
		"VIRTIO_NET_F_STATUS; the generator pauses), SIGUSR2 brings it up.\n",
		MAX_NICS, VNET_MAX_QUEUE_PAIRS, GENFRAME_MAX_FLOWS,
#ifdef HAVE_PCAP
		"", ""
#else
		" (not built: libpcap missing)", " (not built: libpcap missing)"
#endif
		);
}

static int parse_u64(const char *name, const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *s == '\0' || *end != '\0' || *s == '-' || v > max) {
		fprintf(stderr, "vfio-user-nic: %s needs a number up to %" PRIu64 ", got '%s'\n",
			name, max, s);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "queues", required_argument, NULL, 'q' },
		{ "cable", no_argument, NULL, 'c' },
		{ "gen", no_argument, NULL, 'g' },
		{ "rate", required_argument, NULL, 'r' },
		{ "gen-count", required_argument, NULL, 'n' },
		{ "gen-flows", required_argument, NULL, 'f' },
		{ "sink", no_argument, NULL, 'k' },
		{ "pcap-in", required_argument, NULL, 'i' },
		{ "pcap-out", required_argument, NULL, 'o' },
		{ "tap", required_argument, NULL, 't' },
		{ "no-csum", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (opt.nb_nics == MAX_NICS) {
				fprintf(stderr, "vfio-user-nic: at most %d --socket\n", MAX_NICS);
				return -EINVAL;
			}
			opt.sockets[opt.nb_nics++] = optarg;
			break;
		case 'q':
			if (parse_u64("--queues", optarg, VNET_MAX_QUEUE_PAIRS, &v) < 0)
				return -EINVAL;
			if (v == 0) {
				fprintf(stderr, "vfio-user-nic: --queues 0: a NIC needs at least "
					"one queue pair (1..%d)\n", VNET_MAX_QUEUE_PAIRS);
				return -EINVAL;
			}
			opt.queue_pairs = (unsigned)v;
			break;
		case 'c': opt.cable = true; break;
		case 'g': opt.gen = true; break;
		case 'k': opt.sink = true; break;
		case 'r':
			if (parse_u64("--rate", optarg, 1000000000ull, &opt.rate) < 0)
				return -EINVAL;
			break;
		case 'n':
			if (parse_u64("--gen-count", optarg, UINT64_MAX, &opt.gen_count) < 0)
				return -EINVAL;
			break;
		case 'f':
			if (parse_u64("--gen-flows", optarg, GENFRAME_MAX_FLOWS, &v) < 0)
				return -EINVAL;
			if (v == 0) {
				fprintf(stderr, "vfio-user-nic: --gen-flows 0: give 1..%d flows\n",
					GENFRAME_MAX_FLOWS);
				return -EINVAL;
			}
			opt.gen_flows = (unsigned)v;
			break;
		case 'i': opt.pcap_in = optarg; break;
		case 'o': opt.pcap_out = optarg; break;
		case 't': opt.tap = optarg; break;
		case 'C': opt.no_csum = true; break;
		case 'h': usage(stdout); return 1;
		default: usage(stderr); return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vfio-user-nic: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (opt.nb_nics == 0) {
		fprintf(stderr, "vfio-user-nic: give at least one --socket PATH\n");
		return -EINVAL;
	}
	if (opt.cable && opt.nb_nics != 2) {
		fprintf(stderr, "vfio-user-nic: --cable needs exactly two --socket\n");
		return -EINVAL;
	}
#ifndef HAVE_PCAP
	if (opt.pcap_in || opt.pcap_out) {
		fprintf(stderr, "vfio-user-nic: built without libpcap: --pcap-in/--pcap-out unavailable\n");
		return -ENOTSUP;
	}
#endif
	return 0;
}

static void nic_tx(void *arg, const uint8_t *frame, size_t len)
{
	struct nic *n = arg;

	if (n->peer != NULL) {
		uint16_t l = (uint16_t)EAL_MIN(len, (size_t)UINT16_MAX);

		vnet_dev_rx_burst(n->peer->dev, &frame, &l, 1);
	}
	if (opt.sink) {
		uint64_t seq, *next;
		unsigned flow;

		/* Order is checked per flow: flows may travel different
		 * queues, and queues overtake each other. */
		if (!genframe_check(frame, len, &seq) ||
		    (flow = genframe_flow(frame)) != seq % opt.gen_flows) {
			n->sink_bad++;
		} else {
			next = &n->sink_next[flow];
			n->sink_ok++;
			if (seq > *next)
				n->sink_lost += (seq - *next) / opt.gen_flows;
			else if (seq < *next)
				n->sink_reordered++;
			if (seq >= *next)
				*next = seq + opt.gen_flows;
			/* Generated frames carry no UDP checksum (0): one a
			 * driver added, or had the device add, must be right.
			 * Two loads when there is none: the sink is benchmarked. */
			if (frame[GENFRAME_PAYLOAD_OFF - 2] | frame[GENFRAME_PAYLOAD_OFF - 1]) {
				enum vnet_l4_csum c = vnet_l4_csum_check(frame, len);

				n->sink_l4_good += c == VNET_L4_CSUM_GOOD;
				n->sink_l4_bad += c != VNET_L4_CSUM_GOOD;
			}
		}
	}
#ifdef HAVE_PCAP
	if (pcap_dumper != NULL) {
		struct pcap_pkthdr h = { .caplen = (bpf_u_int32)len, .len = (bpf_u_int32)len };
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		h.ts.tv_sec = ts.tv_sec;
		h.ts.tv_usec = ts.tv_nsec / 1000;
		pcap_dump((u_char *)pcap_dumper, &h, frame);
	}
#endif
	if (n->tap_fd >= 0 && write(n->tap_fd, frame, len) < 0 && errno != EAGAIN &&
	    n->tap_write_errors++ == 0)
		EAL_LOG(eal_logtype, WARNING, "%s: TAP write failed: %s (is the interface up? "
			"further failures are only counted)", n->name, strerror(errno));
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Backend state that migrates with a NIC, so that the generator's sequence
 * and the sink's per-flow expectations go on where they were: version u32,
 * flows u32 (--gen-flows, which must match), then gen_seq, sink_ok,
 * sink_bad, sink_lost, sink_reordered, sink_l4_good, sink_l4_bad and
 * sink_next[flows] (u64 each).
 */
#define NIC_MIG_VERSION 2u
#define NIC_MIG_FIXED (4 + 4 + 7 * 8)

static size_t nic_backend_save(void *arg, uint8_t *buf, size_t cap)
{
	const struct nic *n = arg;
	uint32_t head[2] = { NIC_MIG_VERSION, opt.gen_flows };
	const uint64_t v[7] = { n->gen_seq, n->sink_ok, n->sink_bad, n->sink_lost,
				n->sink_reordered, n->sink_l4_good, n->sink_l4_bad };
	size_t size = NIC_MIG_FIXED + opt.gen_flows * sizeof(uint64_t);

	if (cap < size)
		return 0;
	memcpy(buf, head, sizeof(head));
	memcpy(buf + sizeof(head), v, sizeof(v));
	memcpy(buf + NIC_MIG_FIXED, n->sink_next, opt.gen_flows * sizeof(uint64_t));
	return size;
}

static int nic_backend_load(void *arg, const uint8_t *buf, size_t len)
{
	struct nic *n = arg;
	uint32_t head[2];
	uint64_t v[7];

	if (len < NIC_MIG_FIXED) {
		fprintf(stderr, "vfio-user-nic: %s: migrated backend state is %zu bytes, at least %d expected: source and destination must run the same vfio-user-nic\n",
			n->name, len, NIC_MIG_FIXED);
		return -EINVAL;
	}
	memcpy(head, buf, sizeof(head));
	if (head[0] != NIC_MIG_VERSION) {
		fprintf(stderr, "vfio-user-nic: %s: migrated backend state version %u, this program reads %u\n",
			n->name, head[0], NIC_MIG_VERSION);
		return -EINVAL;
	}
	if (head[1] != opt.gen_flows || len != NIC_MIG_FIXED + head[1] * sizeof(uint64_t)) {
		fprintf(stderr, "vfio-user-nic: %s: the source ran --gen-flows %u (%zu bytes of state), this one --gen-flows %u: start the destination with the same --gen-flows\n",
			n->name, head[1], len, opt.gen_flows);
		return -EINVAL;
	}
	memcpy(v, buf + sizeof(head), sizeof(v));
	n->gen_seq = v[0];
	n->sink_ok = v[1];
	n->sink_bad = v[2];
	n->sink_lost = v[3];
	n->sink_reordered = v[4];
	n->sink_l4_good = v[5];
	n->sink_l4_bad = v[6];
	memcpy(n->sink_next, buf + NIC_MIG_FIXED, head[1] * sizeof(uint64_t));
	/* --rate: the generator's clock goes on as if it had started here. */
	n->gen_start_ns = opt.rate ? now_ns() - n->gen_seq * 1000000000ull / opt.rate : 0;
	return 0;
}

/* Frames the generator may send now under --rate. */
static unsigned gen_budget(struct nic *n)
{
	uint64_t allowed;

	if (opt.gen_count && n->gen_seq >= opt.gen_count)
		return 0;
	allowed = opt.gen_count ? opt.gen_count - n->gen_seq : BURST;
	if (!vnet_dev_link_up(n->dev))
		return 0;
	if (opt.rate) {
		uint64_t now = now_ns();
		uint64_t due = (now - n->gen_start_ns) * opt.rate / 1000000000ull;

		if (due > n->gen_seq + GEN_MAX_BACKLOG) {
			/* Forget the credit beyond the backlog: restart the clock
			 * as if the rate had been met. */
			due = n->gen_seq + GEN_MAX_BACKLOG;
			n->gen_start_ns = now - due * 1000000000ull / opt.rate;
		}
		allowed = due > n->gen_seq ? EAL_MIN(allowed, due - n->gen_seq) : 0;
	}
	return (unsigned)EAL_MIN(allowed, (uint64_t)BURST);
}

static unsigned feed_rx(struct nic *n)
{
	static uint8_t bufs[BURST][VNET_MAX_FRAME];
	const uint8_t *frames[BURST];
	uint16_t lens[BURST];
	unsigned space = vnet_dev_rx_space(n->dev), cnt = 0, taken = 0;

	if (space == 0)
		return 0;
	space = EAL_MIN(space, (unsigned)BURST);
	if (opt.gen) {
		unsigned want = EAL_MIN(space, gen_budget(n));
		uint8_t mac[6] = { 0x02, 0, 0, 0, 0x99, (uint8_t)n->idx };

		for (; cnt < want; cnt++) {
			uint64_t seq = n->gen_seq + cnt;

			genframe_build_flow(bufs[cnt], mac, seq, (unsigned)(seq % opt.gen_flows));
			frames[cnt] = bufs[cnt];
			lens[cnt] = GENFRAME_LEN;
		}
		/* The generator waits for buffers rather than drop: a frame
		 * whose flow's queue is full is made again next turn. */
		taken = cnt ? vnet_dev_rx_offer(n->dev, frames, lens, cnt) : 0;
		n->gen_seq += taken;
		if (taken < cnt)
			return taken;
		space -= cnt;
		cnt = 0;
	}
#ifdef HAVE_PCAP
	while (n->pcap_in != NULL && cnt < space) {
		struct pcap_pkthdr *h;
		const u_char *data;
		int rc = pcap_next_ex(n->pcap_in, &h, &data);

		if (rc != 1) {
			pcap_close(n->pcap_in);
			n->pcap_in = NULL;
			break;
		}
		lens[cnt] = (uint16_t)EAL_MIN(h->caplen, (bpf_u_int32)VNET_MAX_FRAME);
		memcpy(bufs[cnt], data, lens[cnt]);
		frames[cnt] = bufs[cnt];
		cnt++;
	}
#endif
	while (n->tap_fd >= 0 && cnt < space) {
		ssize_t r = read(n->tap_fd, bufs[cnt], VNET_MAX_FRAME);

		if (r <= 0)
			break;
		lens[cnt] = (uint16_t)r;
		frames[cnt] = bufs[cnt];
		cnt++;
	}
	return taken + (cnt ? vnet_dev_rx_burst(n->dev, frames, lens, cnt) : 0);
}

static int open_tap(const char *name)
{
	struct ifreq ifr = { 0 };
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC), sock;

	if (fd < 0) {
		fprintf(stderr, "vfio-user-nic: cannot open /dev/net/tun: %s (needs root and the tun module)\n",
			strerror(errno));
		return -1;
	}
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "vfio-user-nic: TAP %s: %s\n", name, strerror(errno));
		close(fd);
		return -1;
	}
	/* A TAP that is down refuses every frame written to it (EIO): bring
	 * it up, as a cable plugged in. Its addresses stay the user's job. */
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || ioctl(sock, SIOCGIFFLAGS, &ifr) < 0 ||
	    (!(ifr.ifr_flags & IFF_UP) &&
	     (ifr.ifr_flags = (short)(ifr.ifr_flags | IFF_UP), ioctl(sock, SIOCSIFFLAGS, &ifr) < 0))) {
		fprintf(stderr, "vfio-user-nic: cannot bring TAP %s up: %s (run 'ip link set %s up')\n",
			ifr.ifr_name, strerror(errno), ifr.ifr_name);
		if (sock >= 0)
			close(sock);
		close(fd);
		return -1;
	}
	close(sock);
	return fd;
}

static void print_stats(void)
{
	for (unsigned i = 0; i < opt.nb_nics; i++) {
		struct vnet_stats st;

		if (nics[i].dev == NULL)
			continue;
		vnet_dev_stats(nics[i].dev, &st);
		printf("nic%u (%s): clients %" PRIu64 " rx %" PRIu64 " pkts %" PRIu64 " bytes dropped %" PRIu64
		       " | tx %" PRIu64 " pkts %" PRIu64 " bytes errors %" PRIu64 " | kicks %" PRIu64 " irqs %" PRIu64 "\n",
		       i, opt.sockets[i], vus_server_client_count(nics[i].srv), st.rx_packets,
		       st.rx_bytes, st.rx_dropped, st.tx_packets, st.tx_bytes, st.tx_errors,
		       st.kicks, st.interrupts);
		printf("nic%u rx queues:", i);
		for (unsigned q = 0; q < opt.queue_pairs; q++)
			printf(" %u:%" PRIu64, q, st.rx_queue_packets[q]);
		printf("\n");
		if (opt.gen)
			printf("nic%u gen: %" PRIu64 " frames generated\n", i, nics[i].gen_seq);
		if (opt.sink)
			printf("nic%u sink: ok %" PRIu64 " bad %" PRIu64 " lost %" PRIu64 " reordered %" PRIu64 "\n",
			       i, nics[i].sink_ok, nics[i].sink_bad, nics[i].sink_lost,
			       nics[i].sink_reordered);
		if (opt.sink)
			printf("nic%u sink-l4-cksum: good %" PRIu64 " bad %" PRIu64 "\n", i,
			       nics[i].sink_l4_good, nics[i].sink_l4_bad);
		if (nics[i].tap_fd >= 0)
			printf("nic%u tap: write errors %" PRIu64 "\n", i, nics[i].tap_write_errors);
		if (!opt.no_csum)
			printf("nic%u csum: tx-completed %" PRIu64 " rx-data-valid %" PRIu64 "\n", i,
			       st.tx_csum_completed, st.rx_csum_valid);
	}
	fflush(stdout);
}

static void cleanup(void)
{
	for (unsigned i = 0; i < opt.nb_nics; i++) {
		vus_server_destroy(nics[i].srv);
		vnet_dev_destroy(nics[i].dev);
		if (nics[i].tap_fd >= 0)
			close(nics[i].tap_fd);
#ifdef HAVE_PCAP
		if (nics[i].pcap_in != NULL)
			pcap_close(nics[i].pcap_in);
#endif
	}
#ifdef HAVE_PCAP
	if (pcap_dumper != NULL)
		pcap_dump_close(pcap_dumper);
	if (pcap_out_handle != NULL)
		pcap_close(pcap_out_handle);
#endif
}

static int setup(void)
{
#ifdef HAVE_PCAP
	char errbuf[PCAP_ERRBUF_SIZE];

	if (opt.pcap_out != NULL) {
		pcap_out_handle = pcap_open_dead(DLT_EN10MB, 65535);
		pcap_dumper = pcap_out_handle ? pcap_dump_open(pcap_out_handle, opt.pcap_out) : NULL;
		if (pcap_dumper == NULL) {
			fprintf(stderr, "vfio-user-nic: cannot write %s: %s\n", opt.pcap_out,
				pcap_out_handle ? pcap_geterr(pcap_out_handle) : "out of memory");
			return -1;
		}
	}
#endif
	for (unsigned i = 0; i < opt.nb_nics; i++) {
		struct nic *n = &nics[i];
		struct vnet_params p = {
			.name = n->name,
			.mac = { 0x02, 0x00, 0x00, 0x00, 0x00, (uint8_t)(i + 1) },
			.queue_pairs = opt.queue_pairs,
			.no_csum = opt.no_csum,
			.tx = nic_tx,
			.tx_arg = n,
			.backend_save = nic_backend_save,
			.backend_load = nic_backend_load,
		};

		n->idx = i;
		n->tap_fd = -1;
		snprintf(n->name, sizeof(n->name), "nic%u", i);
		n->dev = vnet_dev_create(&p);
		if (n->dev == NULL)
			return -1;
		n->srv = vus_server_create(opt.sockets[i], vnet_dev_info(n->dev));
		if (n->srv == NULL) {
			fprintf(stderr, "vfio-user-nic: cannot serve on %s: %s\n", opt.sockets[i],
				strerror(errno));
			return -1;
		}
		vnet_dev_attach(n->dev, n->srv);
#ifdef HAVE_PCAP
		if (opt.pcap_in != NULL) {
			n->pcap_in = pcap_open_offline(opt.pcap_in, errbuf);
			if (n->pcap_in == NULL) {
				fprintf(stderr, "vfio-user-nic: cannot read %s: %s\n", opt.pcap_in, errbuf);
				return -1;
			}
		}
#endif
	}
	if (opt.cable) {
		nics[0].peer = &nics[1];
		nics[1].peer = &nics[0];
	}
	if (opt.tap != NULL) {
		nics[0].tap_fd = open_tap(opt.tap);
		if (nics[0].tap_fd < 0)
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned idle_turns = 0;
	int rc = parse_args(argc, argv);

	if (rc != 0)
		return rc > 0 ? 0 : 2;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_link_signal;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (setup() < 0) {
		cleanup();
		return 1;
	}
	for (unsigned i = 0; i < opt.nb_nics; i++)
		printf("nic%u: serving virtio-net on %s\n", i, opt.sockets[i]);
	fflush(stdout);

	for (uint64_t loop = 0; !stop_requested; loop++) {
		/* poll() costs a syscall: while every driver runs, the data path
		 * needs no message, so the sockets are looked at every
		 * SOCKET_POLL_LOOPS turns (a few microseconds) or when a turn
		 * moved nothing. */
		bool all_running = true, any_running = false, check_sockets;
		unsigned moved = 0;

		if (link_request != 0) {
			bool up = link_request == 2;

			link_request = 0;
			for (unsigned i = 0; i < opt.nb_nics; i++)
				vnet_dev_set_link(nics[i].dev, up);
		}

		for (unsigned i = 0; i < opt.nb_nics; i++) {
			bool running = vnet_dev_running(nics[i].dev);

			all_running &= running;
			any_running |= running;
		}
		check_sockets = !all_running || loop % SOCKET_POLL_LOOPS == 0 || idle_turns > 0;
		for (unsigned i = 0; i < opt.nb_nics; i++) {
			struct nic *n = &nics[i];

			if (check_sockets) {
				/* No driver running: sleep in poll() on the last socket. */
				int wait_ms = (!any_running && i == opt.nb_nics - 1) ? 20 : 0;

				vus_server_poll(n->srv, wait_ms);
			}
			if (!vnet_dev_running(n->dev))
				continue;
			moved += vnet_dev_poll(n->dev);
			if (n->gen_start_ns == 0)
				n->gen_start_ns = now_ns();
			moved += feed_rx(n);
		}
		idle_turns = moved == 0 ? idle_turns + 1 : 0;
	}
	print_stats();
	cleanup();
	return 0;
}
