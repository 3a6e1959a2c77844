/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * End-to-end tests of app/vfio-user-nic and app/vfio-lspci: the server runs
 * as its own process on a temporary socket; vfio-lspci inspects it; a client
 * in this process (the "user" container backend, used as a driver would)
 * drives it to check disconnects and, with libpcap, pcap replay and record,
 * and (as root) the TAP backend through a packet socket on the interface.
 *
 * Usage: test_vfio_user_nic PATH_TO_VFIO_USER_NIC PATH_TO_VFIO_LSPCI
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/vfio.h>

#include "config_decode.h"
#include "vfio_cont.h"
#include "test_files.h"
#include "virtio_driver.h"
#ifdef HAVE_PCAP
#include <pcap/pcap.h>
#endif

#define MAX_ARGS 24
/* A run that takes longer than this is hung: killed, and the case fails. */
#define RUN_DEADLINE_MS 10000

static const char *nic_path, *lspci_path;
static char tmpdir[64];

struct run_result {
	int exit_code;   /* -1 when killed by a signal */
	char *out;       /* stdout and stderr */
	uint64_t elapsed_ms;
};

struct server {
	pid_t pid;
	char sock[128];
	char log[128];
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Start @p argv (NULL-terminated, argv[0] the program) with stdout and
 * stderr into @p log. */
static pid_t spawn(const char *const *argv, const char *log)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		/* A failed assertion leaves this server behind: it dies with
		 * the test process instead of busy-polling on. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);

		if (fd < 0)
			_exit(127);
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
		execv(argv[0], (char *const *)(uintptr_t)argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

/* Wait for @p pid at most @p deadline_ms; kill it if it is still running
 * then (and fail the case: it hung). @return its exit code, -1 if killed. */
static int wait_exit(pid_t pid, unsigned deadline_ms)
{
	uint64_t end = now_ms() + deadline_ms;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		assert_true(r >= 0);
		if (r == pid)
			break;
		if (now_ms() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fail_msg("process %d still running after %u ms: hung", (int)pid, deadline_ms);
		}
		usleep(5000);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void run(struct run_result *r, const char *prog, ...)
{
	const char *argv[MAX_ARGS];
	char log[128];
	unsigned n = 0;
	uint64_t start = now_ms();
	va_list ap;
	const char *a;

	argv[n++] = prog;
	va_start(ap, prog);
	while ((a = va_arg(ap, const char *)) != NULL && n + 1 < MAX_ARGS)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	snprintf(log, sizeof(log), "%s/run.log", tmpdir);
	r->exit_code = wait_exit(spawn(argv, log), RUN_DEADLINE_MS);
	r->elapsed_ms = now_ms() - start;
	r->out = test_slurp(log);
}

static void expect_in(const struct run_result *r, const char *needle)
{
	if (strstr(r->out, needle) == NULL)
		fail_msg("expected \"%s\" in the output:\n%s", needle, r->out);
}

/* Start vfio-user-nic on a fresh socket with the extra @p args (NULL-ended)
 * and wait until it listens. */
static void server_start(struct server *s, const char *name, ...)
{
	const char *argv[MAX_ARGS];
	unsigned n = 0;
	va_list ap;
	const char *a;
	struct stat st;
	uint64_t end;

	snprintf(s->sock, sizeof(s->sock), "%s/%s.sock", tmpdir, name);
	snprintf(s->log, sizeof(s->log), "%s/%s.log", tmpdir, name);
	unlink(s->sock);
	argv[n++] = nic_path;
	argv[n++] = "--socket";
	argv[n++] = s->sock;
	va_start(ap, name);
	while ((a = va_arg(ap, const char *)) != NULL && n + 1 < MAX_ARGS)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	s->pid = spawn(argv, s->log);
	end = now_ms() + 3000;
	while (stat(s->sock, &st) != 0) {
		if (now_ms() > end || waitpid(s->pid, NULL, WNOHANG) == s->pid) {
			char *log = test_slurp(s->log);

			fail_msg("vfio-user-nic did not come up on %s:\n%s", s->sock, log);
		}
		usleep(2000);
	}
}

/* SIGTERM the server; it must exit 0 and remove its socket. @return its
 * output (free it). */
static char *server_stop(struct server *s)
{
	struct stat st;

	assert_int_equal(kill(s->pid, SIGTERM), 0);
	assert_int_equal(wait_exit(s->pid, 5000), 0);
	assert_int_not_equal(stat(s->sock, &st), 0);
	return test_slurp(s->log);
}

/* Parse "[size=16K]" style sizes after every occurrence of @p tag. */
static unsigned check_sizes_pow2(const char *out, const char *tag)
{
	unsigned found = 0;

	for (const char *p = strstr(out, tag); p != NULL; p = strstr(p + 1, tag)) {
		char *end;
		unsigned long long v = strtoull(p + strlen(tag), &end, 10);

		if (*end == 'K')
			v <<= 10;
		else if (*end == 'M')
			v <<= 20;
		assert_true(v > 0);
		if (v & (v - 1))
			fail_msg("BAR size %llu is not a power of two", v);
		found++;
	}
	return found;
}

/* ---- vfio-lspci against the server ---------------------------------------- */

static void test_lspci_output(void **state)
{
	struct server s;
	struct run_result r;
	char *log;

	(void)state;
	server_start(&s, "lspci", "--gen", "--rate", "1000", NULL);
	run(&r, lspci_path, "vfio-user:", NULL); /* no path after the prefix */
	assert_int_equal(r.exit_code, 2);
	free(r.out);
	{
		char target[160];

		snprintf(target, sizeof(target), "vfio-user:%s", s.sock);
		run(&r, lspci_path, target, "-v", NULL);
	}
	assert_int_equal(r.exit_code, 0);
	expect_in(&r, "Backend: user");
	expect_in(&r, "Flags: RESET PCI");
	expect_in(&r, "Red Hat, Inc. [1af4]");
	expect_in(&r, "[1041]");
	expect_in(&r, "Ethernet controller [0200]");
	expect_in(&r, "MSI-X (index 2): count ");
	expect_in(&r, "Capabilities: [40] MSI-X: Enable- Count=");
	expect_in(&r, "Vector table: BAR=1 offset=00000000");
	expect_in(&r, "PBA: BAR=1 offset=00000800");
	expect_in(&r, "VirtIO: CommonCfg");
	expect_in(&r, "VirtIO: Notify");
	expect_in(&r, "multiplier=00000004");
	expect_in(&r, "VirtIO: ISR");
	expect_in(&r, "VirtIO: DeviceCfg");
	expect_in(&r, "Virtio modern layout: CommonCfg, Notify, ISR and DeviceCfg present");
	expect_in(&r, "config  (index 7): size 256");
	assert_int_equal(check_sizes_pow2(r.out, "[size="), 2);
	assert_null(strstr(r.out, "!!"));
	free(r.out);
	/* -vv adds a hex dump starting with the ids, little-endian */
	run(&r, lspci_path, "-vv", s.sock, NULL);
	assert_int_equal(r.exit_code, 0);
	expect_in(&r, "000: f4 1a 41 10");
	free(r.out);
	log = server_stop(&s);
	expect_in(&(struct run_result){ .out = log }, "clients 2");
	free(log);
}

static void test_lspci_dma_test(void **state)
{
	struct server s;
	struct run_result r;

	(void)state;
	server_start(&s, "dma", NULL);
	run(&r, lspci_path, "--dma-test", s.sock, NULL);
	assert_int_equal(r.exit_code, 0);
	expect_in(&r, "DMA test:");
	expect_in(&r, "mapped into the device's address space");
	expect_in(&r, "device DMA logging feature: answers the probe");
	/* When the address space advertises logging, the whole cycle must run. */
	if (strstr(r.out, "Dirty page tracking: yes") != NULL) {
		expect_in(&r, "dirty page logging: started");
		expect_in(&r, "dirty page report: 0 of");
		expect_in(&r, "dirty page logging: stopped");
	} else {
		expect_in(&r, "dirty page logging: not supported");
	}
	free(r.out);
	free(server_stop(&s));
}

static void test_second_client_and_sigterm(void **state)
{
	struct server s;
	struct run_result r;
	char *log;

	(void)state;
	server_start(&s, "twice", NULL);
	for (int i = 0; i < 3; i++) {
		run(&r, lspci_path, s.sock, NULL);
		assert_int_equal(r.exit_code, 0);
		expect_in(&r, "[1041]");
		free(r.out);
		assert_int_equal(kill(s.pid, 0), 0); /* still serving */
	}
	log = server_stop(&s);
	expect_in(&(struct run_result){ .out = log }, "clients 3");
	free(log);
}

/* ---- errors ----------------------------------------------------------------- */

static void test_bad_server_options(void **state)
{
	static const char *const bad[][4] = {
		{ NULL },                                   /* no --socket */
		{ "--socket", "/tmp/x.sock", "--bogus", NULL },
		{ "--socket", "/tmp/x.sock", "--queues", "0" },
		{ "--socket", "/tmp/x.sock", "--rate", "fast" },
		{ "--socket", "/tmp/x.sock", "--cable", NULL },
		{ "--socket", "/tmp/x.sock", "extra", NULL },
	};
	struct run_result r;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		run(&r, nic_path, bad[i][0], bad[i][1], bad[i][2], bad[i][3], NULL);
		if (r.exit_code != 2)
			fail_msg("vfio-user-nic %s %s %s %s: exit %d, 2 expected:\n%s",
				 bad[i][0] ? bad[i][0] : "", bad[i][1] ? bad[i][1] : "",
				 bad[i][2] ? bad[i][2] : "", bad[i][3] ? bad[i][3] : "",
				 r.exit_code, r.out);
		/* It must say why. */
		if (strlen(r.out) == 0)
			fail_msg("vfio-user-nic refused option set %zu without saying why", i);
		free(r.out);
	}
	run(&r, nic_path, "--help", NULL);
	assert_int_equal(r.exit_code, 0);
	expect_in(&r, "--socket PATH");
	free(r.out);
}

static void test_lspci_bad_targets(void **state)
{
	struct run_result r;
	char missing[128], plain[128];
	int fd;

	(void)state;
	snprintf(missing, sizeof(missing), "%s/nobody-here.sock", tmpdir);
	run(&r, lspci_path, missing, NULL);
	assert_int_equal(r.exit_code, 1);
	expect_in(&r, "no vfio-user socket at");
	expect_in(&r, "is the server running?");
	free(r.out);

	snprintf(plain, sizeof(plain), "%s/plain-file", tmpdir);
	fd = open(plain, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	close(fd);
	run(&r, lspci_path, plain, NULL);
	assert_int_equal(r.exit_code, 1);
	expect_in(&r, "is not a UNIX socket");
	free(r.out);

	run(&r, lspci_path, "not-a-device", NULL);
	assert_int_equal(r.exit_code, 2);
	expect_in(&r, "neither a PCI address");
	free(r.out);
	run(&r, lspci_path, NULL);
	assert_int_equal(r.exit_code, 2);
	free(r.out);
	run(&r, lspci_path, "--timeout", "soon", missing, NULL);
	assert_int_equal(r.exit_code, 2);
	free(r.out);
}

/* A socket that accepts connections (in the backlog) but never answers
 * VERSION: the tool gives up after --timeout with a message. */
static void test_lspci_silent_server(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct run_result r;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	(void)state;
	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/silent.sock", tmpdir);
	unlink(sa.sun_path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	run(&r, lspci_path, "--timeout", "300", sa.sun_path, NULL);
	assert_int_equal(r.exit_code, 1);
	expect_in(&r, "did not answer");
	expect_in(&r, "cannot open the vfio-user server");
	assert_true(r.elapsed_ms < 3000);
	free(r.out);
	close(fd);
	unlink(sa.sun_path);
}

/* The server dies while a client is attached: the client's next request
 * fails with an error at once, it does not hang or crash. */
static void test_server_killed_mid_session(void **state)
{
	const struct vfio_container_ops *ops = vfio_container_ops_get(EAL_VFIO_USER);
	struct vfio_container c = { .ops = ops, .mode = EAL_VFIO_USER };
	struct vfio_device *dev = NULL;
	struct server s;
	uint16_t vendor = 0;
	uint64_t start;
	ssize_t rc;

	(void)state;
	assert_non_null(ops);
	server_start(&s, "killed", "--gen", NULL);
	assert_int_equal(ops->open(&c, s.sock), 0);
	assert_int_equal(ops->device_attach(&c, "", &dev), 0);
	assert_int_equal(dev->ops->region_read(dev, VFIO_PCI_CONFIG_REGION_INDEX, 0, &vendor, 2), 2);
	assert_int_equal(vendor, 0x1af4);
	assert_int_equal(kill(s.pid, SIGKILL), 0);
	assert_int_equal(wait_exit(s.pid, 2000), -1);
	start = now_ms();
	rc = dev->ops->region_read(dev, VFIO_PCI_CONFIG_REGION_INDEX, 0, &vendor, 2);
	assert_true(rc < 0);
	/* and stays failed, quickly */
	rc = dev->ops->region_read(dev, VFIO_PCI_BAR0_REGION_INDEX, 0, &vendor, 2);
	assert_true(rc < 0);
	assert_true(now_ms() - start < 1000);
	ops->device_detach(&c, dev);
	ops->release(&c);
	unlink(s.sock);
}

/* ---- traffic through the packet backends --------------------------------- */

#define NB_FRAMES 6

/* Frame @p i: a distinct length and content, a broadcast Ethernet header. */
static size_t make_frame(unsigned i, uint8_t *f)
{
	size_t len = 60 + i * 251;

	memset(f, 0xff, 6);
	memcpy(f + 6, (const uint8_t[]){ 0x02, 0, 0, 0, 0x42, (uint8_t)i }, 6);
	f[12] = 0x88;
	f[13] = 0xb5; /* local experimental EtherType */
	for (size_t k = 14; k < len; k++)
		f[k] = (uint8_t)(k * 7 + i);
	return len;
}

#ifdef HAVE_PCAP
static void test_pcap_replay(void **state)
{
	uint8_t frame[VDRV_BUF_SIZE], got[VDRV_BUF_SIZE];
	char pcap_path[128];
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *dump;
	struct server s;
	struct vdrv d;
	char *log;

	(void)state;
	snprintf(pcap_path, sizeof(pcap_path), "%s/in.pcap", tmpdir);
	assert_non_null(p);
	dump = pcap_dump_open(p, pcap_path);
	assert_non_null(dump);
	for (unsigned i = 0; i < NB_FRAMES; i++) {
		struct pcap_pkthdr h = { .ts = { .tv_sec = i } };

		h.caplen = h.len = (bpf_u_int32)make_frame(i, frame);
		pcap_dump((u_char *)dump, &h, frame);
	}
	pcap_dump_close(dump);
	pcap_close(p);

	server_start(&s, "replay", "--pcap-in", pcap_path, NULL);
	assert_int_equal(vdrv_open(&d, s.sock), 0);
	for (unsigned i = 0; i < NB_FRAMES; i++) {
		size_t len = make_frame(i, frame);
		int n = vdrv_rx(&d, got, 3000);

		assert_int_equal(n, (int)len);
		assert_memory_equal(got, frame, len);
	}
	/* the file is played once: nothing more comes */
	assert_int_equal(vdrv_rx(&d, got, 100), -ETIMEDOUT);
	vdrv_close(&d);
	log = server_stop(&s);
	expect_in(&(struct run_result){ .out = log }, "rx 6 pkts");
	free(log);
}

static void test_pcap_record(void **state)
{
	uint8_t frame[VDRV_BUF_SIZE];
	char pcap_path[128], errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	struct server s;
	struct vdrv d;
	pcap_t *p;
	char *log;

	(void)state;
	snprintf(pcap_path, sizeof(pcap_path), "%s/out.pcap", tmpdir);
	server_start(&s, "record", "--pcap-out", pcap_path, NULL);
	assert_int_equal(vdrv_open(&d, s.sock), 0);
	for (unsigned i = 0; i < NB_FRAMES; i++) {
		size_t len = make_frame(i, frame);

		assert_int_equal(vdrv_tx(&d, frame, len, 3000), 0);
	}
	vdrv_close(&d);
	log = server_stop(&s); /* closes the file */
	expect_in(&(struct run_result){ .out = log }, "tx 6 pkts");
	free(log);

	p = pcap_open_offline(pcap_path, errbuf);
	if (p == NULL)
		fail_msg("%s: %s", pcap_path, errbuf);
	for (unsigned i = 0; i < NB_FRAMES; i++) {
		size_t len = make_frame(i, frame);

		assert_int_equal(pcap_next_ex(p, &h, &data), 1);
		assert_int_equal(h->caplen, len);
		assert_memory_equal(data, frame, len);
	}
	assert_int_equal(pcap_next_ex(p, &h, &data), PCAP_ERROR_BREAK); /* no more */
	pcap_close(p);
}
#else
static void test_pcap_replay(void **state)
{
	(void)state;
	printf("built without libpcap: pcap replay is not tested\n");
	skip();
}

static void test_pcap_record(void **state)
{
	(void)state;
	printf("built without libpcap: pcap record is not tested\n");
	skip();
}
#endif

/* ---- the TAP backend -------------------------------------------------------- */

#define TAP_ETHERTYPE 0x88b5 /* make_frame()'s; the kernel's own frames differ */

/* Next frame of ours that the kernel received on the TAP interface (what
 * the server wrote to the TAP fd), within @p timeout_ms. @return its length
 * or -ETIMEDOUT. */
static int tap_capture(int ps, uint8_t *buf, size_t size, unsigned timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;

	while (now_ms() < end) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(ps, buf, size, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);

		if (n < 0) {
			usleep(1000);
			continue;
		}
		/* Our own injected frames come back as outgoing: not the server's. */
		if (from.sll_pkttype != PACKET_OUTGOING && n >= 14 && buf[12] == (TAP_ETHERTYPE >> 8) &&
		    buf[13] == (TAP_ETHERTYPE & 0xff))
			return (int)n;
	}
	return -ETIMEDOUT;
}

/* Next frame of ours the driver receives (the kernel may send IPv6 or
 * other frames of its own on a fresh interface: skipped). */
static int tap_driver_rx(struct vdrv *d, uint8_t *buf, unsigned timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;

	while (now_ms() < end) {
		int n = vdrv_rx(d, buf, 100);

		if (n >= 14 && buf[12] == (TAP_ETHERTYPE >> 8) && buf[13] == (TAP_ETHERTYPE & 0xff))
			return n;
	}
	return -ETIMEDOUT;
}

/* The TAP server, killed by the teardown if a failed check left it running
 * (it would hold its interface forever). */
static struct server tap_server;

static int tap_teardown(void **state)
{
	(void)state;
	if (tap_server.pid > 0) {
		kill(tap_server.pid, SIGKILL);
		waitpid(tap_server.pid, NULL, 0);
		tap_server.pid = 0;
	}
	return 0;
}

static void test_tap(void **state)
{
	char name[IFNAMSIZ], path[128];
	uint8_t frame[VDRV_BUF_SIZE], got[VDRV_BUF_SIZE];
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(0x0003) };
	struct server *s = &tap_server;
	struct vdrv d;
	unsigned ifindex = 0;
	uint64_t end;
	int ps, fd;
	char *log;

	(void)state;
	if (geteuid() != 0 || access("/dev/net/tun", R_OK | W_OK) != 0) {
		printf("the TAP backend needs root and /dev/net/tun: not tested here\n");
		skip();
	}
	snprintf(name, sizeof(name), "vuntap%u", (unsigned)getpid() % 100000);
	server_start(s, "tap", "--tap", name, NULL);
	end = now_ms() + 3000;
	while ((ifindex = if_nametoindex(name)) == 0 && now_ms() < end)
		usleep(2000);
	if (ifindex == 0)
		fail_msg("vfio-user-nic --tap %s: no such interface appeared", name);
	/* Quiet interface: no IPv6 autoconfiguration chatter (best effort). */
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", name);
	fd = open(path, O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			printf("could not disable IPv6 on %s: frames of the kernel's are skipped\n", name);
		close(fd);
	}
	ps = socket(AF_PACKET, SOCK_RAW, htons(0x0003 /* ETH_P_ALL */));
	assert_true(ps >= 0);
	sll.sll_ifindex = (int)ifindex;
	assert_int_equal(bind(ps, (struct sockaddr *)&sll, sizeof(sll)), 0);
	assert_int_equal(vdrv_open(&d, s->sock), 0);

	/* Driver -> server -> TAP: the kernel receives each frame as sent. The
	 * server brought the interface up itself (a down TAP drops writes). */
	for (unsigned i = 0; i < NB_FRAMES; i++) {
		size_t len = make_frame(i, frame);
		int n;

		assert_int_equal(vdrv_tx(&d, frame, len, 3000), 0);
		n = tap_capture(ps, got, sizeof(got), 3000);
		assert_int_equal(n, (int)len);
		assert_memory_equal(got, frame, len);
	}
	/* TAP -> server -> driver: frames sent on the interface arrive. */
	for (unsigned i = 0; i < NB_FRAMES; i++) {
		size_t len = make_frame(NB_FRAMES - 1 - i, frame); /* another order */
		int n;

		assert_int_equal(sendto(ps, frame, len, 0, (struct sockaddr *)&sll, sizeof(sll)),
				 (ssize_t)len);
		n = tap_driver_rx(&d, got, 3000);
		assert_int_equal(n, (int)len);
		assert_memory_equal(got, frame, len);
	}
	close(ps);
	vdrv_close(&d);
	log = server_stop(s);
	s->pid = 0;
	expect_in(&(struct run_result){ .out = log }, "tx 6 pkts");
	expect_in(&(struct run_result){ .out = log }, "tap: write errors 0");
	free(log);
	/* The server's TAP was not persistent: it went with the server. */
	assert_int_equal(if_nametoindex(name), 0);
}

/* ---- the config space decoder on malformed input ------------------------- */

static void put16(uint8_t *c, unsigned off, uint16_t v) { memcpy(c + off, &v, 2); }
static void put32(uint8_t *c, unsigned off, uint32_t v) { memcpy(c + off, &v, 4); }

/* A virtio-net-like header with capabilities at 0x40 (MSI-X) and 0x50
 * (virtio common cfg), BAR0 16K and BAR1 4K. */
static void base_config(uint8_t *c, struct cfg_context *ctx)
{
	memset(c, 0, 256);
	memset(ctx, 0, sizeof(*ctx));
	put16(c, 0, 0x1af4);
	put16(c, 2, 0x1041);
	put16(c, 6, 0x0010);
	c[0x0b] = 2;
	c[0x34] = 0x40;
	c[0x40] = 0x11;
	c[0x41] = 0x50;
	put16(c, 0x42, 3);
	put32(c, 0x44, 1);
	put32(c, 0x48, 0x800 | 1);
	c[0x50] = 0x09;
	c[0x52] = 16;
	c[0x53] = 1;
	put32(c, 0x58, 0);
	put32(c, 0x5c, 0x1000);
	ctx->bar_sizes[0] = 16384;
	ctx->bar_sizes[1] = 4096;
}

static int decode(const uint8_t *c, size_t len, const struct cfg_context *ctx, char **text)
{
	size_t size;
	FILE *f = open_memstream(text, &size);
	int problems;

	assert_non_null(f);
	problems = cfg_decode(f, c, len, ctx);
	fclose(f);
	return problems;
}

static void expect_problem(const uint8_t *c, size_t len, const struct cfg_context *ctx,
			   const char *needle)
{
	char *text = NULL;
	int problems = decode(c, len, ctx, &text);

	if (problems < 1 || strstr(text, needle) == NULL)
		fail_msg("expected a problem \"%s\", got %d:\n%s", needle, problems, text);
	free(text);
}

static void test_decode_malformed(void **state)
{
	uint8_t c[4096];
	struct cfg_context ctx;
	char *text = NULL;

	(void)state;
	base_config(c, &ctx);
	assert_int_equal(decode(c, 256, &ctx, &text), 1); /* only 1 of 4 virtio structures */
	assert_non_null(strstr(text, "virtio modern device without Notify, ISR, DeviceCfg"));
	free(text);

	base_config(c, &ctx);
	c[0x51] = 0x40; /* the list loops */
	expect_problem(c, 256, &ctx, "loops back to 0x40");
	base_config(c, &ctx);
	c[0x34] = 0x20; /* into the header */
	expect_problem(c, 256, &ctx, "points into the header");
	base_config(c, &ctx);
	ctx.bar_sizes[0] = 12288;
	expect_problem(c, 256, &ctx, "BAR0 size 12288 is not a power of two");
	base_config(c, &ctx);
	put32(c, 0x5c, 0x8000); /* common cfg longer than BAR0 */
	expect_problem(c, 256, &ctx, "goes past the end of BAR0");
	base_config(c, &ctx);
	c[0x54] = 5; /* common cfg in a BAR that does not exist */
	expect_problem(c, 256, &ctx, "in BAR5, which does not exist");
	base_config(c, &ctx);
	c[0x52] = 8; /* too short a virtio capability */
	expect_problem(c, 256, &ctx, "8 bytes long, at least 16");
	base_config(c, &ctx);
	put16(c, 0x42, 2047); /* 2048 vectors do not fit in 4K */
	expect_problem(c, 256, &ctx, "does not fit in BAR1");
	base_config(c, &ctx);
	put32(c, 0x44, 3); /* table in BAR3 */
	expect_problem(c, 256, &ctx, "MSI-X table is in BAR3, which does not exist");
	base_config(c, &ctx);
	put16(c, 0, 0xffff);
	expect_problem(c, 256, &ctx, "not a valid PCI vendor");
	base_config(c, &ctx);
	expect_problem(c, 32, &ctx, "a PCI header needs 64");

	/* extended space: a capability pointing backwards is cut, not looped */
	base_config(c, &ctx);
	memset(c + 256, 0, sizeof(c) - 256);
	put32(c, 0x100, 0x00010000u | (0x140u << 20) | 0x0003); /* DSN v1 -> 0x140 */
	put32(c, 0x140, 0x00010000u | (0x100u << 20) | 0x0001); /* AER v1 -> 0x100 */
	expect_problem(c, sizeof(c), &ctx, "points back to 0x100");

	/* a 64-bit BAR5 has no upper half */
	base_config(c, &ctx);
	put32(c, 0x24, 0x4);
	ctx.bar_sizes[5] = 4096;
	expect_problem(c, 256, &ctx, "BAR5 claims to be 64-bit");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lspci_output),
		cmocka_unit_test(test_lspci_dma_test),
		cmocka_unit_test(test_second_client_and_sigterm),
		cmocka_unit_test(test_bad_server_options),
		cmocka_unit_test(test_lspci_bad_targets),
		cmocka_unit_test(test_lspci_silent_server),
		cmocka_unit_test(test_server_killed_mid_session),
		cmocka_unit_test(test_pcap_replay),
		cmocka_unit_test(test_pcap_record),
		cmocka_unit_test_teardown(test_tap, tap_teardown),
		cmocka_unit_test(test_decode_malformed),
	};
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: %s PATH_TO_VFIO_USER_NIC PATH_TO_VFIO_LSPCI\n", argv[0]);
		return 2;
	}
	nic_path = argv[1];
	lspci_path = argv[2];
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vun-test-XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		fprintf(stderr, "cannot make a temporary directory: %s\n", strerror(errno));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
	return rc;
}
