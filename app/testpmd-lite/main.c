/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * testpmd-lite: forward packets between pairs of ports with one of several
 * engines, print DPDK-testpmd-style statistics, and stop cleanly.
 *
 *   testpmd-lite -l 0-1 --vdev=net_null0 --vdev=net_null1 -- \
 *       --forward-mode=io --stats-period=1 --run-time=5
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testpmd.h"

EAL_LOG_COMPONENT_REGISTER(testpmd_logtype, "app.testpmd", EAL_LOG_NOTICE);

static volatile sig_atomic_t quit_signal;

static void on_quit_signal(int sig)
{
	quit_signal = sig;
}

bool testpmd_quit_requested(void)
{
	return quit_signal != 0;
}

/* Worker threads start inside eal_init() and inherit the signal mask: with
 * SIGINT/SIGTERM blocked there, the signals always reach the main thread,
 * whose sleep or read they interrupt. */
static void block_quit_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, set, NULL);
}

static void install_quit_handlers(const sigset_t *set)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_quit_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: a blocking read must return */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	pthread_sigmask(SIG_UNBLOCK, set, NULL);
}

static double monotonic_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Non-interactive run: statistics every --stats-period until --run-time is
 * over, a signal came or a port's device went away (the link is read every
 * TESTPMD_LINK_CHECK_MS). The main lcore sleeps: it is not a forwarding
 * core. @return false when a device went away. */
static bool run_until_done(struct testpmd *tp)
{
	const double start = monotonic_seconds();
	const double end = tp->p.run_time > 0 ? start + tp->p.run_time : 0;
	const double link_period = TESTPMD_LINK_CHECK_MS / 1000.0;
	double next_stats = tp->p.stats_period ? start + tp->p.stats_period : 0;
	double next_link = start + link_period;
	bool devices_ok = true;

	if (end == 0)
		printf("Forwarding until SIGINT or SIGTERM (Ctrl-C)...\n");
	fflush(stdout);
	while (!testpmd_quit_requested()) {
		double now = monotonic_seconds(), wake = now + 0.05;
		struct timespec nap;

		/* Statistics due at the same time as the end still print: a
		 * late wake-up on a busy machine must not swallow them. */
		if (next_stats != 0 && now >= next_stats) {
			stats_show_ports(tp);
			next_stats += tp->p.stats_period;
			if (next_stats <= now) /* stalled for periods: no burst of prints */
				next_stats = now + tp->p.stats_period;
		}
		if (now >= next_link) {
			if (link_watch_poll(tp) > 0) {
				/* Devices often go together (one server serving
				 * several): report all of them before ending. */
				link_watch_poll(tp);
				devices_ok = false;
				break;
			}
			next_link = now + link_period;
		}
		if (end != 0 && now >= end)
			break;
		if (next_link < wake)
			wake = next_link;
		if (end != 0 && end < wake)
			wake = end;
		if (next_stats != 0 && next_stats < wake)
			wake = next_stats;
		if (wake <= now)
			continue;
		nap.tv_sec = (time_t)(wake - now);
		nap.tv_nsec = (long)((wake - now - (double)nap.tv_sec) * 1e9);
		nanosleep(&nap, NULL); /* a signal cuts it short */
	}
	if (testpmd_quit_requested())
		printf("\nSignal %d received, preparing to exit...\n", (int)quit_signal);
	return devices_ok;
}

/* Why the run ended early, naming the ports whose device went away. */
static void report_devices_gone(const struct testpmd *tp)
{
	for (unsigned i = 0; i < tp->nb_ports; i++) {
		char name[ETHDEV_NAME_MAX_LEN];

		if (!tp->ports[i].device_gone)
			continue;
		if (ethdev_get_name_by_port(tp->ports[i].port_id, name) != 0)
			snprintf(name, sizeof(name), "?");
		fprintf(stderr, TESTPMD_PROG ": error: port %u lost its device %s (for vfio-user: "
			"the server exited or closed the connection): forwarding stopped on all "
			"ports; run testpmd-lite again once the device is back\n",
			tp->ports[i].port_id, name);
	}
}

/* After the ports closed, every mbuf must be back: anything else is a leak
 * in a driver or an engine. */
static int pool_release(struct testpmd *tp)
{
	unsigned in_use;

	if (tp->pool == NULL)
		return 0;
	in_use = mempool_in_use_count(tp->pool);
	printf("mbuf pool %s: %u of %u mbufs in use after the ports closed%s\n",
	       mempool_name(tp->pool), in_use, mempool_size(tp->pool),
	       in_use == 0 ? ": all back" : "");
	if (in_use != 0) {
		fprintf(stderr, TESTPMD_PROG ": error: %u mbufs of pool %s still in use after "
			"the ports closed (leaked by a driver or an engine)\n", in_use,
			mempool_name(tp->pool));
		/* Freeing would hide the leak from sanitizers and could let a
		 * driver write into freed memory. */
		return -EBUSY;
	}
	mempool_free(tp->pool);
	tp->pool = NULL;
	return 0;
}

static struct testpmd testpmd;

int main(int argc, char **argv)
{
	struct testpmd *tp = &testpmd;
	char *no_app_args[] = { argv[0], NULL };
	int app_start = argc, app_argc, ret, status = 0;
	sigset_t quit_set;

	/* Own options first, so that a typo fails at once, before any memory
	 * or device is touched. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			app_start = i;
			break;
		}
	}
	app_argc = argc - app_start;
	ret = app_argc > 0 ? testpmd_parse_args(app_argc, argv + app_start, &tp->p)
			   : testpmd_parse_args(1, no_app_args, &tp->p);
	if (ret != 0)
		return ret > 0 ? 0 : 2;
	tp->engine = tp->p.engine;

	block_quit_signals(&quit_set);
	ret = eal_init(argc, argv);
	install_quit_handlers(&quit_set);
	if (ret < 0)
		return eal_exit_status(ret);

	ret = fwd_lcores_check(tp->p.nb_fwd_lcores);
	if (ret == 0)
		ret = ports_init(tp);
	if (ret == 0)
		ret = streams_init(tp);
	if (ret != 0) {
		status = ret == -EINVAL ? 2 : 1;
		goto teardown;
	}

	if (tp->p.interactive) {
		cli_run(tp);
	} else if (!testpmd_quit_requested()) {
		ret = fwd_start(tp, tp->p.tx_first);
		if (ret != 0) {
			status = 1;
			goto teardown;
		}
		bool devices_ok = run_until_done(tp);

		fwd_stop(tp);
		if (!devices_ok) {
			report_devices_gone(tp);
			status = TESTPMD_EXIT_DEVICE_GONE;
		}
	}
	if (tp->accounting_failed) {
		fprintf(stderr, TESTPMD_PROG ": error: packets went missing between rx and "
			"tx (see the accounting lines marked MISMATCH)\n");
		status = 1;
	}

teardown:
	printf("\n");
	ports_fini(tp);
	streams_fini(tp);
	if (pool_release(tp) != 0)
		status = 1;
	eal_cleanup();
	printf("\nBye...\n");
	return status;
}
