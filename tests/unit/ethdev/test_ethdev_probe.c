/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Probing through eal_init(): --vdev devices become ports in command-line
 * order; an unknown driver, bad driver arguments or a duplicate name fail
 * eal_init() with a message and leave no port behind (and eal_init() can be
 * retried); eal_cleanup() closes the ports.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "eal.h"
#include "ethdev.h"

#define MAX_ARGS 16

static char prefix[64];

/* eal_init() with --no-huge, one lcore, our prefix and @extra arguments
 * (NULL-terminated). The log goes to *log_text (caller frees). */
static int eal_init_with(char **log_text, const char *extra, ...)
{
	char *argv[MAX_ARGS];
	int argc = 0;
	size_t len = 0;
	const char *a;
	va_list ap;
	FILE *f;
	int ret;

	argv[argc++] = (char *)(uintptr_t)"test_ethdev_probe";
	argv[argc++] = (char *)(uintptr_t)"--no-huge";
	argv[argc++] = (char *)(uintptr_t)"-l";
	argv[argc++] = (char *)(uintptr_t)"0";
	argv[argc++] = (char *)(uintptr_t)"--file-prefix";
	argv[argc++] = prefix;
	va_start(ap, extra);
	for (a = extra; a != NULL && argc < MAX_ARGS - 1; a = va_arg(ap, const char *))
		argv[argc++] = (char *)(uintptr_t)a;
	va_end(ap);
	argv[argc] = NULL;

	f = open_memstream(log_text, &len);
	assert_non_null(f);
	eal_log_set_stream(f);
	ret = eal_init(argc, argv);
	eal_log_set_stream(NULL);
	fclose(f);
	if (ret < 0)
		fprintf(stderr, "(expected or not) eal_init failed: %d; log:\n%s", ret, *log_text);
	return ret;
}

static void assert_port(uint16_t expected_id, const char *name, const char *driver)
{
	struct ethdev_info info;
	uint16_t id;

	assert_int_equal(ethdev_get_port_by_name(name, &id), 0);
	assert_int_equal(id, expected_id);
	assert_int_equal(ethdev_info_get(id, &info), 0);
	assert_string_equal(info.driver_name, driver);
	assert_string_equal(info.device_name, name);
}

static void test_two_null_vdevs(void **state)
{
	char *log = NULL;

	(void)state;
	assert_true(eal_init_with(&log, "--vdev=net_null0", "--vdev=net_null1", NULL) >= 0);
	free(log);
	assert_int_equal(ethdev_count_avail(), 2);
	assert_port(0, "net_null0", "net_null");
	assert_port(1, "net_null1", "net_null");
	eal_cleanup();
	assert_int_equal(ethdev_count_avail(), 0);
}

static void test_ring_and_args(void **state)
{
	char *log = NULL;
	struct ethdev_info info;

	(void)state;
	assert_true(eal_init_with(&log, "--vdev=net_ring0,queues=2", "--vdev=net_null5,size=128,copy=1",
				  NULL) >= 0);
	free(log);
	assert_port(0, "net_ring0", "net_ring");
	assert_port(1, "net_null5", "net_null");
	assert_int_equal(ethdev_info_get(0, &info), 0);
	assert_int_equal(info.max_rx_queues, 2);
	assert_int_equal(ethdev_info_get(1, &info), 0);
	assert_int_equal(info.min_rx_bufsize, 128);
	eal_cleanup();
	assert_int_equal(ethdev_count_avail(), 0);
}

static void test_unknown_driver(void **state)
{
	char *log = NULL;

	(void)state;
	assert_true(eal_init_with(&log, "--vdev=net_null0", "--vdev=net_bogus0", NULL) < 0);
	assert_non_null(strstr(log, "vdev net_bogus0: no driver"));
	/* The message lists what is there. */
	assert_non_null(strstr(log, "net_null"));
	assert_non_null(strstr(log, "net_ring"));
	free(log);
	assert_false(eal_initialized());
	/* net_null0, probed before the failure, is gone too. */
	assert_int_equal(ethdev_count_avail(), 0);
}

static void test_bad_driver_args(void **state)
{
	static const char *const bad[] = {
		"--vdev=net_null1,size=abc", "--vdev=net_null1,size=0", "--vdev=net_null1,size=70000",
		"--vdev=net_null1,copy=2", "--vdev=net_null1,colour=red",
		"--vdev=net_null1,mac=01:00:5e:00:00:01", "--vdev=net_ring1,queues=0",
		"--vdev=net_ring1,size=x",
	};
	char *log = NULL;

	(void)state;
	for (size_t i = 0; i < EAL_DIM(bad); i++) {
		int ret = eal_init_with(&log, "--vdev=net_null0", bad[i], NULL);

		if (ret >= 0 || strstr(log, "bad arguments") == NULL) {
			print_error("%s: eal_init returned %d, log:\n%s\n", bad[i], ret, log);
			free(log);
			if (ret >= 0)
				eal_cleanup();
			fail();
		}
		free(log);
		assert_int_equal(ethdev_count_avail(), 0);
	}
}

static void test_duplicate_name(void **state)
{
	char *log = NULL;

	(void)state;
	assert_true(eal_init_with(&log, "--vdev=net_null0", "--vdev=net_null0,size=100", NULL) < 0);
	free(log);
	assert_int_equal(ethdev_count_avail(), 0);
}

/* After all those failures eal_init() still works. */
static void test_retry_after_failures(void **state)
{
	char *log = NULL;

	(void)state;
	assert_true(eal_init_with(&log, "--vdev=net_null0", NULL) >= 0);
	free(log);
	assert_int_equal(ethdev_count_avail(), 1);
	eal_cleanup();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_null_vdevs),
		cmocka_unit_test(test_ring_and_args),
		cmocka_unit_test(test_unknown_driver),
		cmocka_unit_test(test_bad_driver_args),
		cmocka_unit_test(test_duplicate_name),
		cmocka_unit_test(test_retry_after_failures),
	};

	snprintf(prefix, sizeof(prefix), "test_ethdev_probe_%d", (int)getpid());
	return cmocka_run_group_tests(tests, NULL, NULL);
}
