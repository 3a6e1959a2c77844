/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * eal_init() / eal_cleanup() and the lcore threads: launch and wait on
 * several workers, their TLS lcore ids and pinning, busy launches, init
 * hooks and the runtime directory. Runs with --no-huge (memfd memory), so it
 * needs no hugepages. Four lcores are mapped onto the first two CPUs (or one
 * CPU twice) with --lcores, so it runs on any machine.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "eal_private.h"

#define NB_TEST_LCORES 4

static int cpus[2];
static char prefix[64];
static char lcores_arg[64];

/* --- hooks: registered once, inert unless a test arms them ------------ */

static bool hooks_armed;
static int hook_fail_order = -1; /* order of the hook whose init fails */
static char hook_trace[64];

static void trace(const char *what)
{
	strncat(hook_trace, what, sizeof(hook_trace) - strlen(hook_trace) - 1);
}

#define DEFINE_HOOK(tag, ord)                                                \
	static int hook_##tag##_init(void)                                   \
	{                                                                    \
		if (!hooks_armed)                                            \
			return 0;                                            \
		trace("+" #tag);                                             \
		/* hooks run with memory and lcores up */                    \
		if (!eal_initialized() || eal_lcore_count() == 0)            \
			return -EFAULT;                                      \
		return hook_fail_order == (ord) ? -ENODEV : 0;               \
	}                                                                    \
	static void hook_##tag##_cleanup(void)                               \
	{                                                                    \
		if (hooks_armed)                                             \
			trace("-" #tag);                                     \
	}                                                                    \
	static struct eal_hook hook_##tag = {                                \
		.name = "test-" #tag, .order = (ord),                        \
		.init = hook_##tag##_init, .cleanup = hook_##tag##_cleanup,  \
	};                                                                   \
	__attribute__((constructor)) static void hook_##tag##_register(void) \
	{                                                                    \
		eal_hook_register(&hook_##tag);                              \
	}

/* Registered out of order on purpose: init must run b(100), c(100), a(200). */
DEFINE_HOOK(a, 200)
DEFINE_HOOK(b, 100)
DEFINE_HOOK(c, 100)

/* --- helpers ---------------------------------------------------------- */

static int init_with(const char *first, ...)
{
	char *argv[32];
	const char *arg;
	va_list ap;
	int argc = 0;

	argv[argc++] = (char *)(uintptr_t)"test_eal_lcore";
	argv[argc++] = (char *)(uintptr_t)"--no-huge";
	argv[argc++] = (char *)(uintptr_t)"--file-prefix";
	argv[argc++] = prefix;
	va_start(ap, first);
	for (arg = first; arg != NULL && argc < 31; arg = va_arg(ap, const char *))
		argv[argc++] = (char *)(uintptr_t)arg;
	va_end(ap);
	argv[argc] = NULL;
	return eal_init(argc, argv);
}

static int init_standard(void)
{
	return init_with("--lcores", lcores_arg, NULL);
}

static int setup_eal(void **state)
{
	int ret = init_standard();

	(void)state;
	if (ret != 6) {
		fprintf(stderr, "eal_init failed: %d (%s)\n", ret, strerror(-ret));
		return -1;
	}
	return 0;
}

static int teardown_eal(void **state)
{
	(void)state;
	eal_cleanup();
	return 0;
}

static int group_setup(void **state)
{
	cpu_set_t set;
	int cpu, n = 0;

	(void)state;
	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return -1;
	for (cpu = 0; cpu < CPU_SETSIZE && n < 2; cpu++) {
		if (CPU_ISSET(cpu, &set))
			cpus[n++] = cpu;
	}
	if (n == 0)
		return -1;
	if (n == 1)
		cpus[1] = cpus[0];
	/* lcores 0 and 2 on the first CPU, 1 and 3 on the second. */
	snprintf(lcores_arg, sizeof(lcores_arg), "0@%d,1@%d,2@%d,3@%d",
		 cpus[0], cpus[1], cpus[0], cpus[1]);
	snprintf(prefix, sizeof(prefix), "test_eal_lcore_%ld", (long)getpid());
	return 0;
}

/* --- what a worker reports ------------------------------------------- */

struct report {
	unsigned lcore_id;
	int cpu;
	int socket;
	char name[16];
	atomic_int calls;
};

static struct report reports[NB_TEST_LCORES];

static int report_self(void *arg)
{
	struct report *table = arg;
	unsigned id = eal_lcore_id();

	if (id >= NB_TEST_LCORES)
		return -1;
	table[id].lcore_id = id;
	table[id].cpu = sched_getcpu();
	table[id].socket = eal_socket_id();
	pthread_getname_np(pthread_self(), table[id].name, sizeof(table[id].name));
	atomic_fetch_add(&table[id].calls, 1);
	return 100 + (int)id;
}

/* --- tests ------------------------------------------------------------ */

static void test_lcore_table(void **state)
{
	unsigned id, n;

	(void)state;
	assert_true(eal_initialized());
	assert_int_equal(eal_lcore_count(), NB_TEST_LCORES);
	assert_int_equal(eal_main_lcore(), 0);
	assert_int_equal(eal_lcore_id(), 0);
	for (id = 0; id < NB_TEST_LCORES; id++) {
		assert_true(eal_lcore_is_enabled(id));
		assert_int_equal(eal_lcore_cpu(id), cpus[id % 2]);
		assert_true(eal_lcore_socket(id) >= 0);
	}
	assert_false(eal_lcore_is_enabled(NB_TEST_LCORES));
	assert_int_equal(eal_lcore_cpu(NB_TEST_LCORES), -1);
	assert_int_equal(eal_lcore_socket(NB_TEST_LCORES), -1);
	assert_false(eal_lcore_is_enabled(EAL_LCORE_ID_ANY));
	assert_int_equal(eal_socket_id(), eal_lcore_socket(0));

	n = 0;
	EAL_LCORE_FOREACH(id)
		assert_int_equal(id, n++);
	assert_int_equal(n, NB_TEST_LCORES);
	n = 0;
	EAL_LCORE_FOREACH_WORKER(id) {
		assert_int_not_equal(id, eal_main_lcore());
		n++;
	}
	assert_int_equal(n, NB_TEST_LCORES - 1);
	assert_int_equal(eal_lcore_next(NB_TEST_LCORES - 1, false), EAL_MAX_LCORES);
	assert_int_equal(eal_lcore_next(EAL_MAX_LCORES + 5, false), EAL_MAX_LCORES);
}

static void test_launch_and_wait(void **state)
{
	unsigned id;
	int round;

	(void)state;
	memset(reports, 0, sizeof(reports));
	/* Twice: a worker goes back to waiting after eal_wait_lcore(). */
	for (round = 0; round < 2; round++) {
		EAL_LCORE_FOREACH_WORKER(id)
			assert_int_equal(eal_remote_launch(report_self, reports, id), 0);
		EAL_LCORE_FOREACH_WORKER(id) {
			assert_int_equal(eal_wait_lcore(id), 100 + (int)id);
			assert_int_equal(eal_lcore_state(id), EAL_LCORE_WAIT);
			/* Nothing left to collect. */
			assert_int_equal(eal_wait_lcore(id), 0);
		}
	}
	EAL_LCORE_FOREACH_WORKER(id) {
		char name[16];

		snprintf(name, sizeof(name), "lcore-%u", id);
		assert_int_equal(atomic_load(&reports[id].calls), 2);
		assert_int_equal(reports[id].lcore_id, id);
		assert_int_equal(reports[id].cpu, eal_lcore_cpu(id));
		assert_int_equal(reports[id].socket, eal_lcore_socket(id));
		assert_string_equal(reports[id].name, name);
	}
	/* The main thread was pinned too. */
	assert_int_equal(sched_getcpu(), eal_lcore_cpu(eal_main_lcore()));
}

static void test_mp_launch(void **state)
{
	unsigned id;

	(void)state;
	memset(reports, 0, sizeof(reports));
	assert_int_equal(eal_mp_remote_launch(report_self, reports, true), 0);
	/* The main lcore's share ran before the call returned. */
	assert_int_equal(atomic_load(&reports[0].calls), 1);
	assert_int_equal(reports[0].lcore_id, 0);
	eal_mp_wait_lcore();
	EAL_LCORE_FOREACH(id) {
		assert_int_equal(atomic_load(&reports[id].calls), 1);
		assert_int_equal(reports[id].lcore_id, id);
		assert_int_equal(reports[id].cpu, eal_lcore_cpu(id));
		assert_int_equal(eal_lcore_state(id), EAL_LCORE_WAIT);
	}

	memset(reports, 0, sizeof(reports));
	assert_int_equal(eal_mp_remote_launch(report_self, reports, false), 0);
	eal_mp_wait_lcore();
	assert_int_equal(atomic_load(&reports[0].calls), 0);
	assert_int_equal(atomic_load(&reports[1].calls), 1);
}

static atomic_int gate;

static int wait_for_gate(void *arg)
{
	(void)arg;
	while (atomic_load(&gate) == 0)
		eal_pause();
	return 42;
}

static int return_seven(void *arg)
{
	(void)arg;
	return 7;
}

static void test_busy(void **state)
{
	struct timespec ms = { 0, 1000000 };
	int i;

	(void)state;
	atomic_store(&gate, 0);
	assert_int_equal(eal_remote_launch(wait_for_gate, NULL, 1), 0);
	assert_int_equal(eal_lcore_state(1), EAL_LCORE_RUNNING);
	assert_int_equal(eal_remote_launch(return_seven, NULL, 1), -EBUSY);
	/* All or nothing: lcore 2 must not have been started either. */
	assert_int_equal(eal_mp_remote_launch(return_seven, NULL, false), -EBUSY);
	assert_int_equal(eal_lcore_state(2), EAL_LCORE_WAIT);
	assert_int_equal(eal_wait_lcore(2), 0);

	atomic_store(&gate, 1);
	for (i = 0; i < 5000 && eal_lcore_state(1) != EAL_LCORE_FINISHED; i++)
		nanosleep(&ms, NULL);
	assert_int_equal(eal_lcore_state(1), EAL_LCORE_FINISHED);
	/* Finished but not collected: still busy, the result is kept. */
	assert_int_equal(eal_remote_launch(return_seven, NULL, 1), -EBUSY);
	assert_int_equal(eal_wait_lcore(1), 42);
	assert_int_equal(eal_remote_launch(return_seven, NULL, 1), 0);
	assert_int_equal(eal_wait_lcore(1), 7);
}

static void test_launch_bad(void **state)
{
	(void)state;
	/* The main lcore is not a worker; lcore 4 is not enabled. */
	assert_int_equal(eal_remote_launch(return_seven, NULL, 0), -EINVAL);
	assert_int_equal(eal_remote_launch(return_seven, NULL, NB_TEST_LCORES), -EINVAL);
	assert_int_equal(eal_remote_launch(return_seven, NULL, EAL_LCORE_ID_ANY), -EINVAL);
	assert_int_equal(eal_remote_launch(NULL, NULL, 1), -EINVAL);
	assert_int_equal(eal_mp_remote_launch(NULL, NULL, true), -EINVAL);
	assert_int_equal(eal_wait_lcore(0), -EINVAL);
	assert_int_equal(eal_wait_lcore(NB_TEST_LCORES), -EINVAL);
	assert_int_equal(eal_lcore_state(NB_TEST_LCORES), EAL_LCORE_WAIT);
}

static void *foreign_thread(void *arg)
{
	int *out = arg;

	out[0] = (int)eal_lcore_id();
	out[1] = eal_socket_id();
	return NULL;
}

static void test_foreign_thread(void **state)
{
	pthread_t t;
	int seen[2] = { 0, -1 };

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, foreign_thread, seen), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal((unsigned)seen[0], EAL_LCORE_ID_ANY);
	assert_int_equal(seen[1], 0);
}

static void test_init_twice(void **state)
{
	(void)state;
	assert_int_equal(init_standard(), -EALREADY);
	assert_int_equal(eal_exit_status(-EALREADY), 1);
	/* The running EAL is untouched. */
	assert_true(eal_initialized());
	assert_int_equal(eal_lcore_count(), NB_TEST_LCORES);
}

static void test_runtime_dir_and_getters(void **state)
{
	const char *dir = eal_runtime_dir();
	struct stat st;
	size_t dlen = strlen(dir), plen = strlen(prefix);

	(void)state;
	assert_string_equal(eal_file_prefix(), prefix);
	assert_true(dlen > plen);
	assert_string_equal(dir + dlen - plen, prefix);
	assert_int_equal(stat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(access(dir, W_OK), 0);
	assert_int_equal(eal_vfio_mode(), EAL_VFIO_AUTO);
	assert_int_equal(eal_allowed_device_count(), 0);
	assert_null(eal_allowed_device(0));
	assert_int_equal(eal_vdev_count(), 0);
	assert_null(eal_vdev(0));
}

static void test_tsc_hz(void **state)
{
	struct timespec t0, t1, pause = { 0, 20 * 1000 * 1000 };
	uint64_t c0, c1, hz = eal_tsc_hz();
	double measured;

	(void)state;
	assert_true(hz > 0);
	clock_gettime(CLOCK_MONOTONIC_RAW, &t0);
	c0 = eal_rdtsc();
	nanosleep(&pause, NULL);
	clock_gettime(CLOCK_MONOTONIC_RAW, &t1);
	c1 = eal_rdtsc();
	measured = (double)(c1 - c0) /
		   ((double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	/* Loose bound: a loaded CI machine can stretch either measurement. */
	if (measured < (double)hz * 0.8 || measured > (double)hz * 1.2) {
		print_error("eal_tsc_hz() %llu vs measured %.0f\n",
			    (unsigned long long)hz, measured);
		fail();
	}
}

static void test_cleanup_and_reinit(void **state)
{
	char dir[PATH_MAX];
	cpu_set_t set;
	int i, n;

	(void)state;
	snprintf(dir, sizeof(dir), "%s", eal_runtime_dir());
	eal_cleanup();
	assert_false(eal_initialized());
	assert_int_equal(eal_lcore_count(), 0);
	assert_int_equal((unsigned)eal_lcore_id(), EAL_LCORE_ID_ANY);
	assert_false(eal_lcore_is_enabled(0));
	assert_int_equal(eal_remote_launch(return_seven, NULL, 1), -EINVAL);
	assert_string_equal(eal_runtime_dir(), "");
	assert_int_not_equal(access(dir, F_OK), 0);
	/* The main thread may run anywhere again. */
	CPU_ZERO(&set);
	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	for (i = 0, n = 0; i < 2; i++)
		n += CPU_ISSET(cpus[i], &set);
	assert_int_equal(n, 2);
	eal_cleanup(); /* twice is harmless */

	/* Default lcores this time, with --main-lcore and devices. */
	{
		char main_lcore[16];
		char *argv[] = {
			(char *)(uintptr_t)"prog", (char *)(uintptr_t)"--no-huge",
			(char *)(uintptr_t)"--file-prefix", prefix,
			(char *)(uintptr_t)"--main-lcore", main_lcore,
			(char *)(uintptr_t)"-a", (char *)(uintptr_t)"02:00.0,rxq=2",
			(char *)(uintptr_t)"--vdev=net_null0,size=64",
			(char *)(uintptr_t)"--vfio-mode=noiommu",
			(char *)(uintptr_t)"--", (char *)(uintptr_t)"app", NULL,
		};

		snprintf(main_lcore, sizeof(main_lcore), "%d", cpus[1]);
		assert_int_equal(eal_init(12, argv), 11);
		assert_int_equal(eal_main_lcore(), (unsigned)cpus[1]);
		assert_int_equal(eal_lcore_id(), (unsigned)cpus[1]);
		assert_int_equal(eal_lcore_cpu((unsigned)cpus[1]), cpus[1]);
		assert_int_equal(eal_vfio_mode(), EAL_VFIO_NOIOMMU);
		assert_int_equal(eal_allowed_device_count(), 1);
		assert_string_equal(eal_allowed_device(0)->addr, "0000:02:00.0");
		assert_string_equal(eal_allowed_device(0)->args, "rxq=2");
		assert_int_equal(eal_vdev_count(), 1);
		assert_string_equal(eal_vdev(0)->name, "net_null0");
		assert_string_equal(eal_vdev(0)->args, "size=64");
	}
	/* teardown cleans up */
}

static void test_init_bad_usage(void **state)
{
	int ret;

	(void)state;
	ret = init_with("--lcores", "0@999999", NULL);
	assert_int_equal(ret, -EINVAL);
	assert_int_equal(eal_exit_status(ret), 2);
	assert_false(eal_initialized());
	assert_int_equal((unsigned)eal_lcore_id(), EAL_LCORE_ID_ANY);
	assert_string_equal(eal_runtime_dir(), "");

	ret = init_with("--help", NULL);
	assert_int_equal(ret, EAL_INIT_HELP);
	assert_int_equal(eal_exit_status(ret), 0);
	assert_false(eal_initialized());

	assert_int_equal(eal_exit_status(-ENOMEM), 1);
	assert_int_equal(eal_exit_status(3), 0);

	/* A failed init leaves nothing behind: the next one works. */
	assert_int_equal(init_standard(), 6);
	eal_cleanup();
}

static void test_hooks(void **state)
{
	(void)state;
	hooks_armed = true;
	hook_fail_order = -1;
	hook_trace[0] = '\0';
	assert_int_equal(init_standard(), 6);
	assert_string_equal(hook_trace, "+b+c+a");
	eal_cleanup();
	assert_string_equal(hook_trace, "+b+c+a-a-c-b");

	/* A failing hook fails eal_init() and undoes the ones before it. */
	hook_fail_order = 200;
	hook_trace[0] = '\0';
	assert_int_equal(init_standard(), -ENODEV);
	assert_string_equal(hook_trace, "+b+c+a-c-b");
	assert_false(eal_initialized());
	assert_int_equal(eal_lcore_count(), 0);
	assert_string_equal(eal_runtime_dir(), "");
	eal_cleanup();
	assert_string_equal(hook_trace, "+b+c+a-c-b");

	hooks_armed = false;
	hook_fail_order = -1;
	/* Registering twice does not run a hook twice. */
	eal_hook_register(&hook_a);
	eal_hook_register(NULL);
	assert_int_equal(init_standard(), 6);
	eal_cleanup();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lcore_table, setup_eal, teardown_eal),
		cmocka_unit_test_setup_teardown(test_launch_and_wait, setup_eal, teardown_eal),
		cmocka_unit_test_setup_teardown(test_mp_launch, setup_eal, teardown_eal),
		cmocka_unit_test_setup_teardown(test_busy, setup_eal, teardown_eal),
		cmocka_unit_test_setup_teardown(test_launch_bad, setup_eal, teardown_eal),
		cmocka_unit_test_setup_teardown(test_foreign_thread, setup_eal, teardown_eal),
		cmocka_unit_test_setup_teardown(test_init_twice, setup_eal, teardown_eal),
		cmocka_unit_test_setup_teardown(test_runtime_dir_and_getters, setup_eal, teardown_eal),
		cmocka_unit_test_setup_teardown(test_tsc_hz, setup_eal, teardown_eal),
		cmocka_unit_test_setup_teardown(test_cleanup_and_reinit, setup_eal, teardown_eal),
		cmocka_unit_test(test_init_bad_usage),
		cmocka_unit_test(test_hooks),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
