/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * End-to-end tests of testpmd-lite: run the program on two embedded ports in
 * each forwarding mode, parse the statistics it prints and check that they
 * add up; stop it with signals; drive its interactive mode through stdin;
 * give it bad options.
 *
 * Usage: test_testpmd PATH_TO_TESTPMD_LITE
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#define MAX_ARGS 48
#define MAX_OUTPUT (4u << 20)
/* A run that takes longer than this is hung: killed, and the case fails. */
#define RUN_DEADLINE_MS 30000
#define MAX_PORTS 4

static const char *testpmd_path;

/* One line written to the program's stdin at a given time after start. */
struct stdin_step {
	unsigned at_ms;
	const char *line;
};

struct run_spec {
	const char *args[MAX_ARGS];  /* after the program name; NULL-terminated */
	int sig;                     /* sent when non-zero, ... */
	unsigned sig_at_ms;          /* ... this long after ... */
	const char *sig_after;       /* ... this text appeared in the output */
	const struct stdin_step *steps; /* stdin script; NULL: stdin is /dev/null */
	unsigned nb_steps;
};

struct run_result {
	int exit_code;     /* -1 when killed by a signal */
	int term_signal;
	char *out;         /* stdout and stderr, interleaved as written */
	size_t len;
};

struct port_fwd_stats {
	bool found;
	uint64_t rx, rx_dropped, rx_total, tx, tx_dropped, tx_total;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Common EAL arguments: two lcores, no hugepages (so the tests run anywhere),
 * a file prefix of this test's own. */
static void spec_init(struct run_spec *s, const char *name, const char *vdev0,
		      const char *vdev1)
{
	static char prefix[64];

	memset(s, 0, sizeof(*s));
	snprintf(prefix, sizeof(prefix), "--file-prefix=tpl-%s-%d", name, (int)getpid());
	unsigned i = 0;
	s->args[i++] = "-l";
	s->args[i++] = "0-1";
	s->args[i++] = "--no-huge";
	s->args[i++] = "-m";
	s->args[i++] = "256";
	s->args[i++] = prefix;
	s->args[i++] = vdev0;
	s->args[i++] = vdev1;
	s->args[i++] = "--";
}

static void spec_add(struct run_spec *s, const char *arg)
{
	unsigned i = 0;

	while (s->args[i] != NULL)
		i++;
	assert_true(i + 1 < MAX_ARGS);
	s->args[i] = arg;
}

static void spec_add_many(struct run_spec *s, ...)
{
	va_list ap;
	const char *a;

	va_start(ap, s);
	while ((a = va_arg(ap, const char *)) != NULL)
		spec_add(s, a);
	va_end(ap);
}

static void child_exec(const struct run_spec *s, int out_fd, int in_fd)
{
	const char *argv[MAX_ARGS + 2];
	unsigned i;

	argv[0] = testpmd_path;
	for (i = 0; s->args[i] != NULL; i++)
		argv[i + 1] = s->args[i];
	argv[i + 1] = NULL;
	if (dup2(in_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
	    dup2(out_fd, STDERR_FILENO) < 0)
		_exit(126);
	execv(testpmd_path, (char *const *)(uintptr_t)argv);
	fprintf(stderr, "exec %s: %s\n", testpmd_path, strerror(errno));
	_exit(127);
}

static void append_output(struct run_result *r, size_t *cap, const char *buf, size_t n)
{
	if (r->len + n + 1 > *cap) {
		size_t ncap = (*cap == 0) ? 65536 : *cap * 2;

		while (ncap < r->len + n + 1)
			ncap *= 2;
		r->out = realloc(r->out, ncap);
		assert_non_null(r->out);
		*cap = ncap;
	}
	memcpy(r->out + r->len, buf, n);
	r->len += n;
	r->out[r->len] = '\0';
}

/* Run testpmd-lite as @p s says; collect everything it prints. */
static void run(const struct run_spec *s, struct run_result *r)
{
	int out_pipe[2], in_pipe[2];
	size_t cap = 0;
	unsigned next_step = 0;
	bool signalled = false, out_open = true, killed = false;
	int status;
	pid_t pid;
	uint64_t start, armed_at = UINT64_MAX;

	memset(r, 0, sizeof(*r));
	append_output(r, &cap, "", 0);
	assert_int_equal(pipe2(out_pipe, O_CLOEXEC), 0);
	if (s->steps != NULL) {
		assert_int_equal(pipe2(in_pipe, O_CLOEXEC), 0);
	} else {
		in_pipe[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		in_pipe[1] = -1;
		assert_true(in_pipe[0] >= 0);
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child_exec(s, out_pipe[1], in_pipe[0]);
	close(out_pipe[1]);
	close(in_pipe[0]);
	start = now_ms();

	while (out_open) {
		uint64_t elapsed = now_ms() - start;
		struct pollfd pfd = { .fd = out_pipe[0], .events = POLLIN };
		char buf[8192];
		ssize_t n;

		while (s->steps != NULL && next_step < s->nb_steps &&
		       elapsed >= s->steps[next_step].at_ms) {
			const char *line = s->steps[next_step].line;

			if (line == NULL) { /* end of input */
				close(in_pipe[1]);
				in_pipe[1] = -1;
			} else if (in_pipe[1] >= 0) {
				/* The program may already have quit: EPIPE is fine. */
				if (write(in_pipe[1], line, strlen(line)) < 0 && errno != EPIPE)
					fail_msg("write to stdin: %s", strerror(errno));
			}
			next_step++;
		}
		if (s->sig != 0 && !signalled) {
			if (armed_at == UINT64_MAX && strstr(r->out, s->sig_after) != NULL)
				armed_at = elapsed;
			if (armed_at != UINT64_MAX && elapsed >= armed_at + s->sig_at_ms) {
				kill(pid, s->sig);
				signalled = true;
			}
		}
		if (elapsed > RUN_DEADLINE_MS && !killed) {
			kill(pid, SIGKILL);
			killed = true;
		}
		if (poll(&pfd, 1, 20) <= 0)
			continue;
		n = read(out_pipe[0], buf, sizeof(buf));
		if (n > 0 && r->len < MAX_OUTPUT)
			append_output(r, &cap, buf, (size_t)n);
		else if (n == 0 || (n < 0 && errno != EINTR))
			out_open = false;
	}
	close(out_pipe[0]);
	if (in_pipe[1] >= 0)
		close(in_pipe[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	r->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	r->term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	if (killed)
		fail_msg("testpmd-lite did not finish within %d ms; output:\n%s",
			 RUN_DEADLINE_MS, r->out);
}

static void result_free(struct run_result *r)
{
	free(r->out);
	r->out = NULL;
}

/* The last "Forward statistics for port N" block of each port. */
static void parse_fwd_stats(const char *out, struct port_fwd_stats st[MAX_PORTS])
{
	const char *p = out;

	memset(st, 0, sizeof(*st) * MAX_PORTS);
	while ((p = strstr(p, "Forward statistics for port ")) != NULL) {
		unsigned port;
		struct port_fwd_stats s = { .found = true };
		const char *rx, *tx;

		p += strlen("Forward statistics for port ");
		if (sscanf(p, "%u", &port) != 1 || port >= MAX_PORTS)
			continue;
		rx = strstr(p, "RX-packets:");
		tx = rx ? strstr(rx, "TX-packets:") : NULL;
		if (rx == NULL || tx == NULL)
			break;
		if (sscanf(rx, "RX-packets: %" SCNu64 " RX-dropped: %" SCNu64 " RX-total: %" SCNu64,
			   &s.rx, &s.rx_dropped, &s.rx_total) != 3 ||
		    sscanf(tx, "TX-packets: %" SCNu64 " TX-dropped: %" SCNu64 " TX-total: %" SCNu64,
			   &s.tx, &s.tx_dropped, &s.tx_total) != 3)
			fail_msg("unparsable forward statistics for port %u:\n%.400s", port, p);
		st[port] = s;
	}
}

/* The accumulated block: sums of the per-port blocks. */
static void check_accumulated(const char *out, const struct port_fwd_stats st[MAX_PORTS])
{
	const char *acc = NULL, *p = out;
	uint64_t rx, rxd, rxt, tx, txd, txt;
	uint64_t sum_rx = 0, sum_tx = 0, sum_txd = 0;

	while ((p = strstr(p, "Accumulated forward statistics for all ports")) != NULL)
		acc = p++;
	if (acc == NULL)
		fail_msg("no accumulated forward statistics in the output:\n%s", out);
	acc = strstr(acc, "RX-packets:");
	assert_non_null(acc);
	assert_int_equal(sscanf(acc, "RX-packets: %" SCNu64 " RX-dropped: %" SCNu64
				" RX-total: %" SCNu64, &rx, &rxd, &rxt), 3);
	acc = strstr(acc, "TX-packets:");
	assert_non_null(acc);
	assert_int_equal(sscanf(acc, "TX-packets: %" SCNu64 " TX-dropped: %" SCNu64
				" TX-total: %" SCNu64, &tx, &txd, &txt), 3);
	for (unsigned i = 0; i < MAX_PORTS; i++) {
		if (!st[i].found)
			continue;
		sum_rx += st[i].rx;
		sum_tx += st[i].tx;
		sum_txd += st[i].tx_dropped;
	}
	assert_true(rx == sum_rx);
	assert_true(tx == sum_tx);
	assert_true(txd == sum_txd);
	assert_true(txt == tx + txd);
	assert_true(rxt == rx + rxd);
}

/* A run that ended well: exit 0, both ports reported, totals add up, and no
 * mbuf leak reported at exit. */
static void check_clean_run(const struct run_result *r, struct port_fwd_stats st[MAX_PORTS])
{
	if (r->exit_code != 0)
		fail_msg("exit code %d (signal %d), expected 0; output:\n%s",
			 r->exit_code, r->term_signal, r->out);
	parse_fwd_stats(r->out, st);
	if (!st[0].found || !st[1].found)
		fail_msg("no forward statistics for ports 0 and 1 in:\n%s", r->out);
	for (unsigned i = 0; i < 2; i++) {
		assert_true(st[i].tx_total == st[i].tx + st[i].tx_dropped);
		assert_true(st[i].rx_total == st[i].rx + st[i].rx_dropped);
	}
	check_accumulated(r->out, st);
	assert_null(strstr(r->out, "still in use"));
	assert_non_null(strstr(r->out, "Bye"));
}

/* Every packet a port received went out of its peer or was counted dropped. */
static void check_pair_accounting(const struct port_fwd_stats st[MAX_PORTS],
				  const char *out)
{
	for (unsigned p = 0; p < 2; p++) {
		unsigned peer = p ^ 1;

		if (st[p].rx != st[peer].tx + st[peer].tx_dropped)
			fail_msg("port %u received %" PRIu64 " but port %u sent %" PRIu64
				 " + dropped %" PRIu64 "; output:\n%s", p, st[p].rx, peer,
				 st[peer].tx, st[peer].tx_dropped, out);
		assert_true(st[p].rx > 0);
	}
	assert_non_null(strstr(out, "rx = tx + dropped"));
	assert_null(strstr(out, "MISMATCH"));
}

static void run_mode(const char *mode_opt, const char *name, struct run_result *r,
		     struct port_fwd_stats st[MAX_PORTS])
{
	struct run_spec s;

	spec_init(&s, name, "--vdev=net_null0", "--vdev=net_null1");
	spec_add_many(&s, mode_opt, "--run-time=0.8", NULL);
	run(&s, r);
	check_clean_run(r, st);
}

static void test_io(void **state)
{
	struct run_spec s;
	struct run_result r;
	struct port_fwd_stats st[MAX_PORTS];
	const char *nic;
	uint64_t rx_pps = 0;

	(void)state;
	spec_init(&s, "io", "--vdev=net_null0", "--vdev=net_null1");
	spec_add_many(&s, "--forward-mode=io", "--stats-period=1", "--run-time=1.2", NULL);
	run(&s, &r);
	check_clean_run(&r, st);
	check_pair_accounting(st, r.out);
	/* The periodic NIC statistics: one block per port and a rate. */
	nic = strstr(r.out, "NIC statistics for port 0");
	assert_non_null(nic);
	assert_non_null(strstr(r.out, "NIC statistics for port 1"));
	nic = strstr(nic, "Rx-pps:");
	assert_non_null(nic);
	assert_int_equal(sscanf(nic, "Rx-pps: %" SCNu64, &rx_pps), 1);
	assert_true(rx_pps > 0);
	assert_non_null(strstr(r.out, "io packet forwarding"));
	result_free(&r);
}

static void test_mac(void **state)
{
	struct run_result r;
	struct port_fwd_stats st[MAX_PORTS];

	(void)state;
	run_mode("--forward-mode=mac", "mac", &r, st);
	check_pair_accounting(st, r.out);
	result_free(&r);
}

static void test_macswap(void **state)
{
	struct run_result r;
	struct port_fwd_stats st[MAX_PORTS];

	(void)state;
	run_mode("--forward-mode=macswap", "macswap", &r, st);
	check_pair_accounting(st, r.out);
	result_free(&r);
}

static void test_rxonly(void **state)
{
	struct run_result r;
	struct port_fwd_stats st[MAX_PORTS];

	(void)state;
	run_mode("--forward-mode=rxonly", "rxonly", &r, st);
	for (unsigned p = 0; p < 2; p++) {
		assert_true(st[p].rx > 0);
		assert_true(st[p].tx == 0);
		assert_true(st[p].tx_dropped == 0);
	}
	result_free(&r);
}

static void test_txonly(void **state)
{
	struct run_result r;
	struct port_fwd_stats st[MAX_PORTS];

	(void)state;
	run_mode("--forward-mode=txonly", "txonly", &r, st);
	for (unsigned p = 0; p < 2; p++) {
		assert_true(st[p].rx == 0);
		assert_true(st[p].tx > 0);
	}
	result_free(&r);
}

static void test_flowgen(void **state)
{
	struct run_result r;
	struct port_fwd_stats st[MAX_PORTS];

	(void)state;
	run_mode("--forward-mode=flowgen", "flowgen", &r, st);
	for (unsigned p = 0; p < 2; p++)
		assert_true(st[p].tx > 0);
	result_free(&r);
}

/* Two queues per port: four streams on one lcore, still balanced. */
static void test_multi_queue(void **state)
{
	struct run_result r;
	struct port_fwd_stats st[MAX_PORTS];
	struct run_spec s;

	(void)state;
	spec_init(&s, "mq", "--vdev=net_null0", "--vdev=net_null1");
	spec_add_many(&s, "--rxq=2", "--txq=2", "--burst=64", "--run-time=0.5", NULL);
	run(&s, &r);
	check_clean_run(&r, st);
	check_pair_accounting(st, r.out);
	assert_non_null(strstr(r.out, "streams=4"));
	assert_non_null(strstr(r.out, "RX P=1/Q=1"));
	result_free(&r);
}

static void run_until_signal(int sig, const char *name)
{
	struct run_spec s;
	struct run_result r;
	struct port_fwd_stats st[MAX_PORTS];

	spec_init(&s, name, "--vdev=net_null0", "--vdev=net_null1");
	spec_add(&s, "--forward-mode=io");
	s.sig = sig;
	/* Only once forwarding runs: earlier, the default action would kill
	 * the program, which is not what is tested here. */
	s.sig_after = "Forwarding until SIGINT";
	s.sig_at_ms = 800;
	run(&s, &r);
	check_clean_run(&r, st);
	check_pair_accounting(st, r.out);
	result_free(&r);
}

static void test_sigint(void **state)
{
	(void)state;
	run_until_signal(SIGINT, "sigint");
}

static void test_sigterm(void **state)
{
	(void)state;
	run_until_signal(SIGTERM, "sigterm");
}

static void expect_usage_error(const char *bad, const char *named)
{
	struct run_spec s;
	struct run_result r;

	spec_init(&s, "bad", "--vdev=net_null0", "--vdev=net_null1");
	spec_add_many(&s, bad, "--run-time=0.2", NULL);
	run(&s, &r);
	if (r.exit_code != 2)
		fail_msg("%s: exit code %d, expected 2; output:\n%s", bad, r.exit_code, r.out);
	if (strstr(r.out, named) == NULL)
		fail_msg("%s: the message does not name '%s':\n%s", bad, named, r.out);
	result_free(&r);
}

static void test_bad_options(void **state)
{
	(void)state;
	expect_usage_error("--forward-mode=warp", "--forward-mode=warp");
	expect_usage_error("--forward-mode=warp", "macswap"); /* lists the modes */
	expect_usage_error("--burst=0", "--burst");
	expect_usage_error("--burst=12x", "--burst");
	expect_usage_error("--txpkts=20", "--txpkts");
	expect_usage_error("--eth-peer=0,zz:00", "--eth-peer");
	expect_usage_error("--run-time=-1", "--run-time");
	expect_usage_error("--no-such-option", "--no-such-option");
	expect_usage_error("--nb-cores=4", "--nb-cores"); /* only one worker */
	expect_usage_error("--rxq=2", "--rxq");          /* more rx than tx queues */
}

static void test_interactive(void **state)
{
	static const struct stdin_step steps[] = {
		{ 0, "help\n" },
		{ 0, "start\n" },
		{ 500, "show port stats all\n" },
		{ 500, "show fwd stats all\n" },
		{ 600, "stop\n" },
		{ 700, "set fwd warp\n" },
		{ 700, "set fwd rxonly\n" },
		{ 700, "start\n" },
		{ 1100, "stop\n" },
		{ 1200, "quit\n" },
		{ 1300, NULL },
	};
	struct run_spec s;
	struct run_result r;
	struct port_fwd_stats st[MAX_PORTS];
	const char *second_run;

	(void)state;
	spec_init(&s, "interactive", "--vdev=net_null0", "--vdev=net_null1");
	spec_add(&s, "-i");
	s.steps = steps;
	s.nb_steps = sizeof(steps) / sizeof(steps[0]);
	run(&s, &r);
	check_clean_run(&r, st);
	assert_non_null(strstr(r.out, "testpmd> "));
	assert_non_null(strstr(r.out, "NIC statistics for port 1"));
	assert_non_null(strstr(r.out, "unknown forwarding mode"));
	/* The second run was rxonly: the last forward statistics show rx only. */
	second_run = strstr(r.out, "rxonly packet forwarding");
	assert_non_null(second_run);
	for (unsigned p = 0; p < 2; p++) {
		assert_true(st[p].rx > 0);
		assert_true(st[p].tx == 0);
	}
	result_free(&r);
}

/* EOF on stdin ends an interactive session like 'quit'. */
static void test_interactive_eof(void **state)
{
	static const struct stdin_step steps[] = {
		{ 0, "start\n" },
		{ 300, NULL },
	};
	struct run_spec s;
	struct run_result r;
	struct port_fwd_stats st[MAX_PORTS];

	(void)state;
	spec_init(&s, "ieof", "--vdev=net_null0", "--vdev=net_null1");
	spec_add(&s, "-i");
	s.steps = steps;
	s.nb_steps = sizeof(steps) / sizeof(steps[0]);
	run(&s, &r);
	check_clean_run(&r, st);
	check_pair_accounting(st, r.out);
	result_free(&r);
}

/* Ring ports loop what they send back to themselves: with --tx-first the
 * first bursts circulate 0 -> 1 -> 0 for the whole run. */
static void test_ring_loop(void **state)
{
	struct run_spec s;
	struct run_result r;
	struct port_fwd_stats st[MAX_PORTS];

	(void)state;
	spec_init(&s, "ring", "--vdev=net_ring0", "--vdev=net_ring1");
	spec_add_many(&s, "--forward-mode=io", "--tx-first", "--burst=32", "--run-time=0.8",
		      NULL);
	run(&s, &r);
	if (r.exit_code != 0 && strstr(r.out, "net_ring0: no driver") != NULL) {
		printf("net_ring is not in this build (drivers/net/ring absent): skipped\n");
		result_free(&r);
		skip();
	}
	check_clean_run(&r, st);
	for (unsigned p = 0; p < 2; p++) {
		/* Everything sent reached the peer's ring: received later, or
		 * still in the ring when forwarding stopped (then drained). */
		assert_true(st[p].rx > 0);
		assert_true(st[p].tx > 0);
	}
	/* The accounting holds with the first bursts counted in. */
	assert_non_null(strstr(r.out, "+ tx-first 32 ="));
	assert_null(strstr(r.out, "MISMATCH"));
	result_free(&r);
}

/* csum over ring ports (no checksum offloads): the --tx-first UDP packets
 * circulate, each pass gets its UDP checksum computed in software, the rx
 * side knows nothing of checksums; the accounting holds as in io. */
static void test_csum_software(void **state)
{
	struct run_spec s;
	struct run_result r;
	struct port_fwd_stats st[MAX_PORTS];
	uint64_t good, bad, none, unknown, hw, sw;
	const char *acc;

	(void)state;
	spec_init(&s, "csum", "--vdev=net_ring0", "--vdev=net_ring1");
	spec_add_many(&s, "--forward-mode=csum", "--tx-first", "--run-time=0.8", NULL);
	run(&s, &r);
	if (r.exit_code != 0 && strstr(r.out, "net_ring0: no driver") != NULL) {
		printf("net_ring is not in this build (drivers/net/ring absent): skipped\n");
		result_free(&r);
		skip();
	}
	check_clean_run(&r, st);
	assert_non_null(strstr(r.out, "Port 0: checksum offloads rx tx\n"));
	acc = strstr(r.out, "Accumulated forward statistics");
	assert_non_null(acc);
	acc = strstr(acc, "RX-L4-cksum:");
	assert_non_null(acc);
	assert_int_equal(sscanf(acc, "RX-L4-cksum: good %" SCNu64 " bad %" SCNu64 " none %" SCNu64
				" unknown %" SCNu64, &good, &bad, &none, &unknown), 4);
	acc = strstr(acc, "TX-L4-cksum:");
	assert_non_null(acc);
	assert_int_equal(sscanf(acc, "TX-L4-cksum: offloaded %" SCNu64 " software %" SCNu64, &hw,
				&sw), 2);
	assert_true(unknown > 0);
	assert_int_equal(good + bad + none, 0);
	assert_int_equal(hw, 0);
	assert_int_equal(sw, unknown); /* every packet is UDP/IPv4 */
	assert_null(strstr(r.out, "MISMATCH"));
	result_free(&r);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_io),
		cmocka_unit_test(test_mac),
		cmocka_unit_test(test_macswap),
		cmocka_unit_test(test_rxonly),
		cmocka_unit_test(test_txonly),
		cmocka_unit_test(test_flowgen),
		cmocka_unit_test(test_csum_software),
		cmocka_unit_test(test_multi_queue),
		cmocka_unit_test(test_sigint),
		cmocka_unit_test(test_sigterm),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_interactive),
		cmocka_unit_test(test_interactive_eof),
		cmocka_unit_test(test_ring_loop),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s PATH_TO_TESTPMD_LITE\n", argv[0]);
		return 2;
	}
	testpmd_path = argv[1];
	if (access(testpmd_path, X_OK) != 0) {
		fprintf(stderr, "%s: %s\n", testpmd_path, strerror(errno));
		return 1;
	}
	/* A stdin write after the program quit must not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
