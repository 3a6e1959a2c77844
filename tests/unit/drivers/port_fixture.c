/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "eal.h"
#include "port_fixture.h"

#define MAX_ARGS 32

int fixture_eal_init(const char *prog, const char *const *vdevs)
{
	/* eal_init() may permute argv: give it copies, not the callers' constants. */
	static char copies[MAX_ARGS][128];
	char prefix[64];
	char *argv[MAX_ARGS];
	int argc = 0, ret;

	snprintf(prefix, sizeof(prefix), "%s_%d", prog, (int)getpid());
	snprintf(copies[0], sizeof(copies[0]), "%s", prog);
	argv[argc++] = copies[0];
	argv[argc++] = "--no-huge";
	argv[argc++] = "-l";
	argv[argc++] = "0";
	argv[argc++] = "--file-prefix";
	argv[argc++] = prefix;
	for (; *vdevs != NULL && argc < MAX_ARGS - 1; vdevs++) {
		snprintf(copies[argc], sizeof(copies[argc]), "%s", *vdevs);
		argv[argc] = copies[argc];
		argc++;
	}
	argv[argc] = NULL;
	ret = eal_init(argc, argv);
	if (ret < 0)
		fprintf(stderr, "eal_init(--no-huge) failed: %s\n", strerror(-ret));
	return ret;
}

uint16_t fixture_port_of(const char *name)
{
	uint16_t id = ETHDEV_PORT_ID_INVALID;

	if (ethdev_get_port_by_name(name, &id) != 0)
		fprintf(stderr, "no port %s\n", name);
	return id;
}

void fixture_start_port(uint16_t p, uint16_t nb_rx, uint16_t nb_tx, struct mempool *mp)
{
	uint16_t q;

	assert_int_equal(ethdev_stop(p), 0);
	assert_int_equal(ethdev_configure(p, nb_rx, nb_tx, NULL), 0);
	for (q = 0; q < nb_rx; q++)
		assert_int_equal(ethdev_rx_queue_setup(p, q, 0, EAL_SOCKET_ID_ANY, NULL, mp), 0);
	for (q = 0; q < nb_tx; q++)
		assert_int_equal(ethdev_tx_queue_setup(p, q, 0, EAL_SOCKET_ID_ANY, NULL), 0);
	assert_int_equal(ethdev_stats_reset(p), 0);
	assert_int_equal(ethdev_start(p), 0);
}

int fixture_stop_all_check_pool(struct mempool *mp)
{
	uint16_t p;

	ETHDEV_FOREACH_DEV(p)
		ethdev_stop(p);
	if (!mempool_full(mp)) {
		fprintf(stderr, "mbufs missing from the pool: %u in use\n", mempool_in_use_count(mp));
		return -1;
	}
	return 0;
}

void fixture_teardown(struct mempool *mp)
{
	uint16_t p;

	/* Ports first: stopping a port frees what its queues hold. */
	ETHDEV_FOREACH_DEV(p) {
		ethdev_stop(p);
		ethdev_close(p);
	}
	mempool_free(mp);
	eal_cleanup();
}
