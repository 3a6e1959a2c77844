/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * eal_parse_args(): every option with good and bad values. For each bad
 * value the test checks the result (-EINVAL) and that the message names the
 * option and the value, since that message is all a user gets.
 */
#include <errno.h>
#include <numa.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "eal_private.h"

#define MAX_ARGS 128

static struct eal_config *cfg;
static char *err_text;
static int cpu_first = -1;  /* lowest CPU this process may use */
static int cpu_second = -1; /* next one, or -1 on a one-CPU machine */
static unsigned nb_avail_cpus;
static char tmp_dir[64];

static int parse_argv(int argc, char **argv)
{
	size_t len = 0;
	FILE *err;
	int ret;

	free(err_text);
	err_text = NULL;
	err = open_memstream(&err_text, &len);
	assert_non_null(err);
	ret = eal_parse_args(argc, argv, cfg, err);
	fclose(err);
	return ret;
}

/* parse("-l", "0", NULL): argv[0] is added. */
static int parse(const char *first, ...)
{
	char *argv[MAX_ARGS + 1];
	const char *arg;
	va_list ap;
	int argc = 0;

	argv[argc++] = (char *)(uintptr_t)"prog";
	va_start(ap, first);
	for (arg = first; arg != NULL && argc < MAX_ARGS; arg = va_arg(ap, const char *))
		argv[argc++] = (char *)(uintptr_t)arg;
	va_end(ap);
	argv[argc] = NULL;
	return parse_argv(argc, argv);
}

/* The error text must mention @needle; show it when it does not. */
static void check_err_mentions(const char *needle)
{
	if (err_text == NULL || strstr(err_text, needle) == NULL) {
		print_error("error text does not mention \"%s\":\n%s\n", needle,
			    err_text ? err_text : "(none)");
		fail();
	}
}

static void check_no_err(void)
{
	if (err_text != NULL && err_text[0] != '\0') {
		print_error("unexpected error text:\n%s\n", err_text);
		fail();
	}
}

#define EXPECT_OK(...)                                 \
	do {                                           \
		int r_ = parse(__VA_ARGS__, NULL);     \
		check_no_err();                        \
		assert_true(r_ > 0);                   \
	} while (0)

/* Bad usage: -EINVAL, and the message names @opt and @value. */
#define EXPECT_BAD(opt, value, ...)                        \
	do {                                               \
		assert_int_equal(parse(__VA_ARGS__, NULL), -EINVAL); \
		check_err_mentions(opt);                   \
		if ((value) != NULL)                       \
			check_err_mentions(value);         \
	} while (0)

static int group_setup(void **state)
{
	cpu_set_t set;
	int cpu;

	(void)state;
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL)
		return -1;
	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return -1;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &set))
			continue;
		nb_avail_cpus++;
		if (cpu_first < 0)
			cpu_first = cpu;
		else if (cpu_second < 0)
			cpu_second = cpu;
	}
	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/test_eal_options.XXXXXX");
	if (mkdtemp(tmp_dir) == NULL)
		return -1;
	return cpu_first >= 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	rmdir(tmp_dir);
	free(cfg);
	free(err_text);
	return 0;
}

static unsigned count_lcores(void)
{
	unsigned i, n = 0;

	for (i = 0; i < EAL_MAX_LCORES; i++)
		n += cfg->lcore_cpu[i] >= 0;
	return n;
}

static void test_defaults(void **state)
{
	unsigned i;

	(void)state;
	assert_int_equal(parse(NULL), 1);
	check_no_err();
	/* Default lcores: every CPU of the affinity mask, lcore id = CPU. */
	assert_int_equal(cfg->nb_lcores, EAL_MIN(nb_avail_cpus, (unsigned)EAL_MAX_LCORES));
	assert_int_equal(count_lcores(), cfg->nb_lcores);
	for (i = 0; i < EAL_MAX_LCORES; i++) {
		if (cfg->lcore_cpu[i] >= 0)
			assert_int_equal(cfg->lcore_cpu[i], (int)i);
	}
	assert_int_equal(cfg->main_lcore, (unsigned)cpu_first);
	assert_false(cfg->main_lcore_set);
	assert_int_equal(cfg->mem_bytes, 0);
	assert_false(cfg->socket_mem_set);
	assert_string_equal(cfg->huge_dir, "");
	assert_false(cfg->no_huge);
	assert_false(cfg->in_memory);
	assert_string_equal(cfg->file_prefix, UPDK_DEFAULT_FILE_PREFIX);
	assert_int_equal(cfg->iova_mode, EAL_IOVA_VA);
	assert_int_equal(cfg->vfio_mode, EAL_VFIO_AUTO);
	assert_int_equal(cfg->nb_allowed, 0);
	assert_int_equal(cfg->nb_vdevs, 0);
	assert_int_equal(cfg->nb_log_levels, 0);
	assert_false(cfg->help);
}

static void test_consumed_count(void **state)
{
	(void)state;
	/* "--" is consumed; what follows belongs to the application. */
	assert_int_equal(parse("--no-huge", "--", "--app-opt", NULL), 3);
	check_no_err();
	assert_true(cfg->no_huge);
	/* Parsing stops at the first non-option. */
	assert_int_equal(parse("app-arg", "--no-huge", NULL), 1);
	assert_false(cfg->no_huge);
	assert_int_equal(parse("--in-memory", "file.pcap", "-l", "0", NULL), 2);
	assert_true(cfg->in_memory);
	/* An option's value is consumed with it. */
	assert_int_equal(parse("-m", "64", "--file-prefix", "x", NULL), 5);
}

static void test_no_argv(void **state)
{
	char *argv[] = { NULL };
	FILE *err;
	size_t len;

	(void)state;
	free(err_text);
	err_text = NULL;
	err = open_memstream(&err_text, &len);
	assert_int_equal(eal_parse_args(0, argv, cfg, err), -EINVAL);
	assert_int_equal(eal_parse_args(1, argv, cfg, err), -EINVAL);
	fclose(err);
	check_err_mentions("program name");
}

static void test_lcores_l(void **state)
{
	char list[32], cpu[16];

	(void)state;
	snprintf(cpu, sizeof(cpu), "%d", cpu_first);
	EXPECT_OK("-l", cpu);
	assert_int_equal(cfg->nb_lcores, 1);
	assert_int_equal(count_lcores(), 1);
	assert_int_equal(cfg->lcore_cpu[cpu_first], cpu_first);
	assert_int_equal(cfg->main_lcore, (unsigned)cpu_first);

	if (cpu_second >= 0) {
		snprintf(list, sizeof(list), "%d,%d", cpu_first, cpu_second);
		EXPECT_OK("-l", list);
		assert_int_equal(cfg->nb_lcores, 2);
		assert_int_equal(cfg->lcore_cpu[cpu_second], cpu_second);
		if (cpu_second == cpu_first + 1) {
			snprintf(list, sizeof(list), "%d-%d", cpu_first, cpu_second);
			EXPECT_OK("--lcores", list);
			assert_int_equal(cfg->nb_lcores, 2);
			assert_int_equal(cfg->lcore_cpu[cpu_first], cpu_first);
			assert_int_equal(cfg->lcore_cpu[cpu_second], cpu_second);
		}
	}
	/* The last lcore list given wins. */
	if (cpu_second >= 0) {
		snprintf(list, sizeof(list), "%d-%d", cpu_second, cpu_second);
		EXPECT_OK("-l", list, "-l", cpu);
		assert_int_equal(cfg->lcore_cpu[cpu_first], cpu_first);
	}
	assert_int_equal(cfg->nb_lcores, 1);
}

static void test_lcores_l_bad(void **state)
{
	char missing[16];
	long nconf = sysconf(_SC_NPROCESSORS_CONF);

	(void)state;
	EXPECT_BAD("-l", "'x'", "-l", "x");
	EXPECT_BAD("-l", "3-1", "-l", "3-1");
	EXPECT_BAD("-l", "1-", "-l", "1-");
	EXPECT_BAD("-l", "0,,1", "-l", "0,,1");
	EXPECT_BAD("-l", "-1", "-l=-1");
	EXPECT_BAD("-l", "empty", "-l", "");
	/* -l takes no lcore@CPU mapping: that is --lcores. */
	EXPECT_BAD("-l", "0@0", "-l", "0@0");

	/* A CPU that does not exist: named, with the ones that do. */
	snprintf(missing, sizeof(missing), "%ld", nconf);
	EXPECT_BAD("-l", missing, "-l", missing);
	check_err_mentions("CPU ");
	check_err_mentions("available CPUs: ");
	snprintf(missing, sizeof(missing), "%d", cpu_first);
	check_err_mentions(missing);

	snprintf(missing, sizeof(missing), "%d,%d", cpu_first, cpu_first);
	EXPECT_BAD("-l", "given twice", "-l", missing);
	EXPECT_BAD("-l", "99999999999999999999", "-l", "99999999999999999999");
}

static void test_lcores_mapping(void **state)
{
	char map[64];
	int c1 = cpu_second >= 0 ? cpu_second : cpu_first;

	(void)state;
	snprintf(map, sizeof(map), "0@%d,1@%d,5@%d", cpu_first, c1, cpu_first);
	EXPECT_OK("--lcores", map);
	assert_int_equal(cfg->nb_lcores, 3);
	assert_int_equal(count_lcores(), 3);
	assert_int_equal(cfg->lcore_cpu[0], cpu_first);
	assert_int_equal(cfg->lcore_cpu[1], c1);
	assert_int_equal(cfg->lcore_cpu[5], cpu_first);
	assert_int_equal(cfg->main_lcore, 0);

	/* Mapping and plain items mix. */
	snprintf(map, sizeof(map), "%d,7@%d", cpu_first, cpu_first);
	EXPECT_OK("--lcores", map);
	assert_int_equal(cfg->nb_lcores, 2);
	assert_int_equal(cfg->lcore_cpu[7], cpu_first);
}

static void test_lcores_mapping_bad(void **state)
{
	char map[64], missing[16];

	(void)state;
	EXPECT_BAD("--lcores", "1@", "--lcores", "1@");
	EXPECT_BAD("--lcores", "@1", "--lcores", "@1");
	EXPECT_BAD("--lcores", "a@b", "--lcores", "a@b");
	snprintf(missing, sizeof(missing), "%ld", sysconf(_SC_NPROCESSORS_CONF));
	snprintf(map, sizeof(map), "0@%s", missing);
	EXPECT_BAD("--lcores", map, "--lcores", map);
	check_err_mentions(missing);
	/* lcore ids stop at EAL_MAX_LCORES - 1. */
	snprintf(map, sizeof(map), "%d@%d", EAL_MAX_LCORES, cpu_first);
	EXPECT_BAD("--lcores", map, "--lcores", map);
	check_err_mentions("too large");
	snprintf(map, sizeof(map), "0@%d,0@%d", cpu_first, cpu_first);
	EXPECT_BAD("--lcores", "lcore 0", "--lcores", map);
}

static void test_main_lcore(void **state)
{
	char map[64];
	int c1 = cpu_second >= 0 ? cpu_second : cpu_first;

	(void)state;
	snprintf(map, sizeof(map), "0@%d,3@%d", cpu_first, c1);
	EXPECT_OK("--lcores", map, "--main-lcore", "3");
	assert_int_equal(cfg->main_lcore, 3);
	assert_true(cfg->main_lcore_set);
	/* Checked against the final lcore set, whatever the order. */
	EXPECT_OK("--main-lcore", "3", "--lcores", map);
	assert_int_equal(cfg->main_lcore, 3);

	EXPECT_BAD("--main-lcore", "'x'", "--main-lcore", "x", "--lcores", map);
	EXPECT_BAD("--main-lcore", "'-1'", "--main-lcore=-1", "--lcores", map);
	EXPECT_BAD("--main-lcore", "lcore 2", "--lcores", map, "--main-lcore", "2");
	check_err_mentions("0,3"); /* the lcores it could have been */
	EXPECT_BAD("--main-lcore", "99999", "--lcores", map, "--main-lcore", "99999");
}

static void test_mem(void **state)
{
	(void)state;
	EXPECT_OK("-m", "512");
	assert_int_equal(cfg->mem_bytes, 512ull << 20);
	assert_false(cfg->socket_mem_set);

	EXPECT_BAD("-m", "'0'", "-m", "0");
	EXPECT_BAD("-m", "'abc'", "-m", "abc");
	EXPECT_BAD("-m", "'-5'", "-m", "-5");
	EXPECT_BAD("-m", "'12M'", "-m", "12M");
	EXPECT_BAD("-m", "too large", "-m", "99999999999999999999");
	EXPECT_BAD("-m", "needs a value", "-m");
}

static void test_socket_mem(void **state)
{
	int nb_nodes = numa_available() < 0 ? 1 : numa_max_node() + 1;
	char many[256] = "";
	char absent[64];
	int i;

	(void)state;
	EXPECT_OK("--socket-mem", "1024");
	assert_true(cfg->socket_mem_set);
	assert_int_equal(cfg->socket_mem[0], 1024ull << 20);
	assert_int_equal(cfg->mem_bytes, 0);
	/* Zero for a node the machine lacks is harmless. */
	EXPECT_OK("--socket-mem", "256,0");
	assert_int_equal(cfg->socket_mem[0], 256ull << 20);
	assert_int_equal(cfg->socket_mem[1], 0);

	EXPECT_BAD("--socket-mem", "'0'", "--socket-mem", "0");
	EXPECT_BAD("--socket-mem", "'0,0'", "--socket-mem", "0,0");
	EXPECT_BAD("--socket-mem", "'1,,2'", "--socket-mem", "1,,2");
	EXPECT_BAD("--socket-mem", "'x'", "--socket-mem", "x");
	EXPECT_BAD("--socket-mem", "'64,'", "--socket-mem", "64,");
	for (i = 0; i <= UPDK_MAX_NUMA_NODES; i++)
		strcat(many, i ? ",1" : "1");
	EXPECT_BAD("--socket-mem", many, "--socket-mem", many);
	if (nb_nodes < UPDK_MAX_NUMA_NODES) {
		absent[0] = '\0';
		for (i = 0; i <= nb_nodes; i++)
			strcat(absent, i ? ",1" : "1");
		EXPECT_BAD("--socket-mem", "NUMA node", "--socket-mem", absent);
	}
	/* Exclusive with -m, in either order. */
	EXPECT_BAD("-m", "--socket-mem", "-m", "64", "--socket-mem", "64");
	EXPECT_BAD("-m", "--socket-mem", "--socket-mem", "64", "-m", "64");
}

static void test_huge_dir(void **state)
{
	char file[128];
	char longpath[PATH_MAX + 16];
	FILE *f;

	(void)state;
	EXPECT_OK("--huge-dir", tmp_dir);
	assert_string_equal(cfg->huge_dir, tmp_dir);
	/* --in-memory with --huge-dir is fine. */
	EXPECT_OK("--in-memory", "--huge-dir", tmp_dir);
	assert_true(cfg->in_memory);
	assert_string_equal(cfg->huge_dir, tmp_dir);

	EXPECT_BAD("--huge-dir", "/nonexistent/huge", "--huge-dir", "/nonexistent/huge");
	EXPECT_BAD("--huge-dir", "empty", "--huge-dir", "");
	snprintf(file, sizeof(file), "%s/file", tmp_dir);
	f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);
	EXPECT_BAD("--huge-dir", file, "--huge-dir", file);
	unlink(file);
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	EXPECT_BAD("--huge-dir", "longer", "--huge-dir", longpath);
	EXPECT_BAD("--huge-dir", "--no-huge", "--no-huge", "--huge-dir", tmp_dir);
}

static void test_flags(void **state)
{
	(void)state;
	EXPECT_OK("--no-huge");
	assert_true(cfg->no_huge);
	assert_false(cfg->in_memory);
	EXPECT_OK("--in-memory");
	assert_true(cfg->in_memory);
	assert_false(cfg->no_huge);
	EXPECT_OK("--no-huge", "--in-memory", "--iova-mode=va");
	assert_true(cfg->no_huge);
	assert_true(cfg->in_memory);

	EXPECT_BAD("--no-huge", "does not take a value", "--no-huge=1");
	EXPECT_BAD("--in-memory", "does not take a value", "--in-memory=yes");
	/* 4 KiB pages have no stable physical address. */
	EXPECT_BAD("--no-huge", "--iova-mode=pa", "--no-huge", "--iova-mode=pa");
	EXPECT_BAD("--no-huge", "--iova-mode=pa", "--iova-mode", "pa", "--no-huge");
}

static void test_file_prefix(void **state)
{
	char name[EAL_FILE_PREFIX_MAX + 1];

	(void)state;
	EXPECT_OK("--file-prefix", "my_app-2");
	assert_string_equal(cfg->file_prefix, "my_app-2");
	memset(name, 'p', EAL_FILE_PREFIX_MAX - 1);
	name[EAL_FILE_PREFIX_MAX - 1] = '\0';
	EXPECT_OK("--file-prefix", name);
	assert_string_equal(cfg->file_prefix, name);

	EXPECT_BAD("--file-prefix", "'a/b'", "--file-prefix", "a/b");
	EXPECT_BAD("--file-prefix", "'a b'", "--file-prefix", "a b");
	EXPECT_BAD("--file-prefix", "''", "--file-prefix", "");
	EXPECT_BAD("--file-prefix", "'..'", "--file-prefix", "..");
	memset(name, 'p', EAL_FILE_PREFIX_MAX);
	name[EAL_FILE_PREFIX_MAX] = '\0';
	EXPECT_BAD("--file-prefix", name, "--file-prefix", name);
	EXPECT_BAD("--file-prefix", "needs a value", "--file-prefix");
}

static void test_iova_mode(void **state)
{
	(void)state;
	EXPECT_OK("--iova-mode=pa");
	assert_int_equal(cfg->iova_mode, EAL_IOVA_PA);
	EXPECT_OK("--iova-mode", "va");
	assert_int_equal(cfg->iova_mode, EAL_IOVA_VA);

	EXPECT_BAD("--iova-mode", "'xx'", "--iova-mode=xx");
	EXPECT_BAD("--iova-mode", "'VA'", "--iova-mode=VA");
	check_err_mentions("va, pa");
}

static void test_vfio_mode(void **state)
{
	static const struct {
		const char *name;
		enum eal_vfio_mode mode;
	} modes[] = {
		{ "auto", EAL_VFIO_AUTO },       { "type1", EAL_VFIO_TYPE1 },
		{ "noiommu", EAL_VFIO_NOIOMMU }, { "iommufd", EAL_VFIO_IOMMUFD },
		{ "user", EAL_VFIO_USER },
	};
	char arg[64];
	size_t i;

	(void)state;
	for (i = 0; i < EAL_DIM(modes); i++) {
		snprintf(arg, sizeof(arg), "--vfio-mode=%s", modes[i].name);
		EXPECT_OK(arg);
		assert_int_equal(cfg->vfio_mode, modes[i].mode);
		assert_string_equal(eal_vfio_mode_name(modes[i].mode), modes[i].name);
	}
	assert_string_equal(eal_vfio_mode_name((enum eal_vfio_mode)99), "unknown");

	EXPECT_BAD("--vfio-mode", "'type2'", "--vfio-mode", "type2");
	check_err_mentions("iommufd");
}

static void test_allow(void **state)
{
	(void)state;
	EXPECT_OK("-a", "01:00.0", "--allow", "0000:AF:1f.7,rxq=2,txq=4",
		  "-a", "vfio-user:/run/nic.sock,mac=02:00:00:00:00:01");
	assert_int_equal(cfg->nb_allowed, 3);
	assert_int_equal(cfg->allowed[0].kind, EAL_DEVICE_PCI);
	assert_string_equal(cfg->allowed[0].addr, "0000:01:00.0");
	assert_string_equal(cfg->allowed[0].args, "");
	assert_int_equal(cfg->allowed[1].kind, EAL_DEVICE_PCI);
	assert_string_equal(cfg->allowed[1].addr, "0000:af:1f.7");
	assert_string_equal(cfg->allowed[1].args, "rxq=2,txq=4");
	assert_int_equal(cfg->allowed[2].kind, EAL_DEVICE_VFIO_USER);
	assert_string_equal(cfg->allowed[2].addr, "/run/nic.sock");
	assert_string_equal(cfg->allowed[2].args, "mac=02:00:00:00:00:01");

	EXPECT_OK("-a", "ffff:ff:1f.7,flag");
	assert_string_equal(cfg->allowed[0].addr, "ffff:ff:1f.7");
	assert_string_equal(cfg->allowed[0].args, "flag");
}

static void test_allow_bad(void **state)
{
	char many[EAL_MAX_ALLOWED_DEVICES + 1][16];
	char *argv[2 * (EAL_MAX_ALLOWED_DEVICES + 1) + 2];
	char longargs[400];
	int argc = 0, i;

	(void)state;
	EXPECT_BAD("-a", "zz:00.0", "-a", "zz:00.0");
	check_err_mentions("DDDD:BB:DD.F");
	EXPECT_BAD("--allow", "01:00.8", "--allow", "01:00.8");
	EXPECT_BAD("-a", "01:20.0", "-a", "01:20.0");
	EXPECT_BAD("-a", "01:00", "-a", "01:00");
	EXPECT_BAD("-a", "100:00.0", "-a", "100:00.0");
	EXPECT_BAD("-a", "vfio-user:", "-a", "vfio-user:");
	EXPECT_BAD("-a", "01:00.0,,x", "-a", "01:00.0,,x");
	EXPECT_BAD("-a", "=v", "-a", "01:00.0,=v");
	EXPECT_BAD("-a", "already allowed", "-a", "01:00.0", "-a", "0000:01:00.0,x=1");
	EXPECT_BAD("-a", "needs a value", "-a");
	snprintf(longargs, sizeof(longargs), "01:00.0,k=%0300d", 0);
	EXPECT_BAD("-a", "longer than", "-a", longargs);

	argv[argc++] = (char *)(uintptr_t)"prog";
	for (i = 0; i <= EAL_MAX_ALLOWED_DEVICES; i++) {
		snprintf(many[i], sizeof(many[i]), "00:%02x.%d", i / 8, i % 8);
		argv[argc++] = (char *)(uintptr_t)"-a";
		argv[argc++] = many[i];
	}
	argv[argc] = NULL;
	assert_int_equal(parse_argv(argc, argv), -EINVAL);
	check_err_mentions("more than");
	check_err_mentions(many[EAL_MAX_ALLOWED_DEVICES]);
}

static void test_vdev(void **state)
{
	(void)state;
	EXPECT_OK("--vdev=net_null0", "--vdev", "net_null1,size=64,copy", "--vdev=net_ring");
	assert_int_equal(cfg->nb_vdevs, 3);
	assert_string_equal(cfg->vdevs[0].name, "net_null0");
	assert_string_equal(cfg->vdevs[0].args, "");
	assert_string_equal(cfg->vdevs[1].name, "net_null1");
	assert_string_equal(cfg->vdevs[1].args, "size=64,copy");
	assert_string_equal(cfg->vdevs[2].name, "net_ring");
}

static void test_vdev_bad(void **state)
{
	char name[80];

	(void)state;
	EXPECT_BAD("--vdev", "'Net0'", "--vdev=Net0");
	check_err_mentions("net_null0");
	EXPECT_BAD("--vdev", "'0net'", "--vdev=0net");
	EXPECT_BAD("--vdev", "'net-null'", "--vdev=net-null");
	EXPECT_BAD("--vdev", "'net0x'", "--vdev=net0x,a=1");
	EXPECT_BAD("--vdev", "''", "--vdev=,a=1");
	EXPECT_BAD("--vdev", "=x", "--vdev=net_null0,=x");
	EXPECT_BAD("--vdev", "given twice", "--vdev=net_null0", "--vdev=net_null0,a=1");
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	EXPECT_BAD("--vdev", "longer than", "--vdev", name);
}

static void test_log_level(void **state)
{
	(void)state;
	EXPECT_OK("--log-level=debug", "--log-level", "eal:info", "--log-level=pmd.net.*:4");
	assert_int_equal(cfg->nb_log_levels, 3);
	assert_string_equal(cfg->log_levels[0].pattern, "");
	assert_int_equal(cfg->log_levels[0].level, EAL_LOG_DEBUG);
	assert_string_equal(cfg->log_levels[1].pattern, "eal");
	assert_int_equal(cfg->log_levels[1].level, EAL_LOG_INFO);
	assert_string_equal(cfg->log_levels[2].pattern, "pmd.net.*");
	assert_int_equal(cfg->log_levels[2].level, EAL_LOG_INFO);

	EXPECT_BAD("--log-level", "'loud'", "--log-level=loud");
	check_err_mentions("warning");
	EXPECT_BAD("--log-level", "'6'", "--log-level=eal:6");
	EXPECT_BAD("--log-level", "'eal:'", "--log-level=eal:");
	EXPECT_BAD("--log-level", "':info'", "--log-level=:info");
}

static void test_help(void **state)
{
	(void)state;
	assert_int_equal(parse("-h", NULL), 2);
	assert_true(cfg->help);
	assert_int_equal(parse("--no-huge", "--help", NULL), 3);
	assert_true(cfg->help);
	EXPECT_BAD("--help", "does not take a value", "--help=x");
}

static void test_unknown_options(void **state)
{
	(void)state;
	EXPECT_BAD("--bogus", NULL, "--bogus");
	check_err_mentions("--help");
	EXPECT_BAD("--bogus=3", NULL, "--no-huge", "--bogus=3");
	EXPECT_BAD("-x", NULL, "-x");
	/* An unknown letter in a cluster; the next parse must start clean. */
	EXPECT_BAD("-q", NULL, "-hq");
	EXPECT_OK("--no-huge");
	/* Ambiguous abbreviation (--in-memory / --iova-mode). */
	EXPECT_BAD("--i", NULL, "--i");
	EXPECT_BAD("--lcores", "needs a value", "--lcores");
	EXPECT_BAD("-l", "needs a value", "-l");
	EXPECT_BAD("--vdev", "needs a value", "--vdev");
}

static void test_pci_addr_parse(void **state)
{
	static const struct {
		const char *in;
		const char *out;
	} good[] = {
		{ "00:00.0", "0000:00:00.0" },   { "01:00.1", "0000:01:00.1" },
		{ "0000:3b:00.0", "0000:3b:00.0" }, { "abcd:EF:1f.7", "abcd:ef:1f.7" },
		{ "1:2.3", "0000:01:02.3" },
	};
	static const char *const bad[] = {
		"", "00", "00:00", "00:00.", "00:00.8", "00:20.0", "100:00.0",
		"10000:00:00.0", "0000:100:00.0", "00:00.0x", "g0:00.0", "00:00:00:00.0",
		"00:00.0,", " 00:00.0",
	};
	char out[13];
	size_t i;

	(void)state;
	for (i = 0; i < EAL_DIM(good); i++) {
		memset(out, 'X', sizeof(out));
		assert_int_equal(eal_pci_addr_parse(good[i].in, out), 0);
		assert_string_equal(out, good[i].out);
	}
	for (i = 0; i < EAL_DIM(bad); i++) {
		if (eal_pci_addr_parse(bad[i], out) != -EINVAL) {
			print_error("accepted bad PCI address '%s'\n", bad[i]);
			fail();
		}
	}
	assert_int_equal(eal_pci_addr_parse(NULL, out), -EINVAL);
}

static void test_usage(void **state)
{
	static const char *const options[] = {
		"--lcores", "--main-lcore", "-m ", "--socket-mem", "--huge-dir",
		"--no-huge", "--in-memory", "--file-prefix", "--iova-mode",
		"--vfio-mode", "--allow", "--vdev", "--log-level", "--help",
	};
	char *text = NULL;
	size_t len = 0, i;
	FILE *out = open_memstream(&text, &len);

	(void)state;
	assert_non_null(out);
	eal_usage(out);
	fclose(out);
	for (i = 0; i < EAL_DIM(options); i++) {
		if (strstr(text, options[i]) == NULL) {
			print_error("usage does not describe %s\n", options[i]);
			free(text);
			fail();
		}
	}
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_consumed_count),
		cmocka_unit_test(test_no_argv),
		cmocka_unit_test(test_lcores_l),
		cmocka_unit_test(test_lcores_l_bad),
		cmocka_unit_test(test_lcores_mapping),
		cmocka_unit_test(test_lcores_mapping_bad),
		cmocka_unit_test(test_main_lcore),
		cmocka_unit_test(test_mem),
		cmocka_unit_test(test_socket_mem),
		cmocka_unit_test(test_huge_dir),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_file_prefix),
		cmocka_unit_test(test_iova_mode),
		cmocka_unit_test(test_vfio_mode),
		cmocka_unit_test(test_allow),
		cmocka_unit_test(test_allow_bad),
		cmocka_unit_test(test_vdev),
		cmocka_unit_test(test_vdev_bad),
		cmocka_unit_test(test_log_level),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_unknown_options),
		cmocka_unit_test(test_pci_addr_parse),
		cmocka_unit_test(test_usage),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
