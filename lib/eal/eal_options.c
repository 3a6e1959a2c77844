/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL command line: parsing into struct eal_config, and the usage text.
 *
 * The parser has no side effects besides messages to its error stream, so
 * unit tests can feed it every option. Each rejected option gets one message
 * that names the option, the value and what would be accepted.
 */
#include <errno.h>
#include <getopt.h>
#include <numa.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eal_private.h"

/* Long-only options get codes outside the char range. */
enum {
	OPT_LCORES = 256,
	OPT_MAIN_LCORE,
	OPT_SOCKET_MEM,
	OPT_HUGE_DIR,
	OPT_NO_HUGE,
	OPT_IN_MEMORY,
	OPT_FILE_PREFIX,
	OPT_IOVA_MODE,
	OPT_VFIO_MODE,
	OPT_VDEV,
	OPT_LOG_LEVEL,
};

static const char short_options[] = "+:hl:m:a:";

static const struct option long_options[] = {
	{ "lcores", required_argument, NULL, OPT_LCORES },
	{ "main-lcore", required_argument, NULL, OPT_MAIN_LCORE },
	{ "socket-mem", required_argument, NULL, OPT_SOCKET_MEM },
	{ "huge-dir", required_argument, NULL, OPT_HUGE_DIR },
	{ "no-huge", no_argument, NULL, OPT_NO_HUGE },
	{ "in-memory", no_argument, NULL, OPT_IN_MEMORY },
	{ "file-prefix", required_argument, NULL, OPT_FILE_PREFIX },
	{ "iova-mode", required_argument, NULL, OPT_IOVA_MODE },
	{ "vfio-mode", required_argument, NULL, OPT_VFIO_MODE },
	{ "allow", required_argument, NULL, 'a' },
	{ "vdev", required_argument, NULL, OPT_VDEV },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char *const vfio_mode_names[] = {
	[EAL_VFIO_AUTO] = "auto",
	[EAL_VFIO_TYPE1] = "type1",
	[EAL_VFIO_NOIOMMU] = "noiommu",
	[EAL_VFIO_IOMMUFD] = "iommufd",
	[EAL_VFIO_USER] = "user",
};

const char *eal_vfio_mode_name(enum eal_vfio_mode m)
{
	if ((unsigned)m < EAL_DIM(vfio_mode_names))
		return vfio_mode_names[m];
	return "unknown";
}

void eal_config_defaults(struct eal_config *cfg)
{
	unsigned i;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < EAL_MAX_LCORES; i++)
		cfg->lcore_cpu[i] = -1;
	snprintf(cfg->file_prefix, sizeof(cfg->file_prefix), "%s",
		 UPDK_DEFAULT_FILE_PREFIX);
	cfg->iova_mode = EAL_IOVA_VA;
	cfg->vfio_mode = EAL_VFIO_AUTO;
}

static void __attribute__((format(printf, 3, 4)))
opt_error(FILE *err, const char *opt, const char *fmt, ...)
{
	va_list ap;

	fprintf(err, "eal: %s: ", opt);
	va_start(ap, fmt);
	vfprintf(err, fmt, ap);
	va_end(ap);
	fputc('\n', err);
}

/* A decimal number: digits only, no sign, no blanks, no overflow. */
static int parse_decimal(const char *s, unsigned long long max,
			 unsigned long long *out)
{
	unsigned long long n = 0;

	if (s == NULL || *s == '\0')
		return -EINVAL;
	for (; *s != '\0'; s++) {
		unsigned digit;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		digit = (unsigned)(*s - '0');
		if (n > (max - digit) / 10)
			return -ERANGE;
		n = n * 10 + digit;
	}
	*out = n;
	return 0;
}

/* CPUs this process may run on: configured (sysconf) and in its affinity
 * mask. Sized dynamically: machines can have more than CPU_SETSIZE CPUs. */
struct cpu_avail {
	cpu_set_t *set;
	size_t size;
	long nb_conf;
	int max_cpu; /* exclusive bound for loops */
};

static int cpu_avail_get(struct cpu_avail *ca)
{
	ca->nb_conf = sysconf(_SC_NPROCESSORS_CONF);
	if (ca->nb_conf < 1)
		ca->nb_conf = 1;
	ca->set = eal_thread_affinity_get(&ca->size);
	if (ca->set == NULL)
		return -errno;
	ca->max_cpu = (int)(ca->size * 8);
	return 0;
}

static void cpu_avail_put(struct cpu_avail *ca)
{
	CPU_FREE(ca->set);
	ca->set = NULL;
}

static bool cpu_available(const struct cpu_avail *ca, long cpu)
{
	return cpu >= 0 && cpu < ca->nb_conf && cpu < ca->max_cpu &&
	       CPU_ISSET_S((size_t)cpu, ca->size, ca->set);
}

/* "0-3,6" form of the available CPUs, for error messages. */
static void cpu_avail_format(const struct cpu_avail *ca, char *buf, size_t size)
{
	size_t used = 0;
	int cpu = 0;

	buf[0] = '\0';
	while (cpu < ca->max_cpu && used < size) {
		int last;
		int n;

		if (!cpu_available(ca, cpu)) {
			cpu++;
			continue;
		}
		last = cpu;
		while (cpu_available(ca, last + 1))
			last++;
		if (last == cpu)
			n = snprintf(buf + used, size - used, "%s%d",
				     used ? "," : "", cpu);
		else
			n = snprintf(buf + used, size - used, "%s%d-%d",
				     used ? "," : "", cpu, last);
		if (n < 0)
			break;
		used += (size_t)n;
		cpu = last + 1;
	}
}

static void lcore_set_clear(struct eal_config *cfg)
{
	unsigned i;

	for (i = 0; i < EAL_MAX_LCORES; i++)
		cfg->lcore_cpu[i] = -1;
	cfg->nb_lcores = 0;
}

static int lcore_add(struct eal_config *cfg, const struct cpu_avail *ca,
		     FILE *err, const char *opt, const char *arg,
		     unsigned long long lcore, unsigned long long cpu)
{
	char avail[256];

	if (!cpu_available(ca, (long)cpu)) {
		cpu_avail_format(ca, avail, sizeof(avail));
		opt_error(err, opt,
			  "'%s': CPU %llu does not exist or is not in this process's affinity mask; available CPUs: %s",
			  arg, cpu, avail);
		return -EINVAL;
	}
	if (lcore >= EAL_MAX_LCORES) {
		opt_error(err, opt,
			  "'%s': lcore id %llu is too large: lcore ids go from 0 to %d (build option max_lcores); map a high CPU to a low lcore id with --lcores L@C, e.g. 0@%llu",
			  arg, lcore, EAL_MAX_LCORES - 1, cpu);
		return -EINVAL;
	}
	if (cfg->lcore_cpu[lcore] >= 0) {
		opt_error(err, opt, "'%s': lcore %llu is given twice; list each lcore once",
			  arg, lcore);
		return -EINVAL;
	}
	cfg->lcore_cpu[lcore] = (int)cpu;
	cfg->nb_lcores++;
	return 0;
}

/*
 * -l: "0-3,5" (lcore id = CPU number).
 * --lcores: the same, or "L@C" items mapping lcore L to CPU C ("0@2,1@3").
 */
static int parse_lcores(struct eal_config *cfg, const struct cpu_avail *ca,
			FILE *err, const char *opt, const char *arg,
			bool allow_mapping)
{
	const char *syntax = allow_mapping ?
		"use CPU numbers and ranges like 0-3,5, or lcore@CPU pairs like 0@2,1@3" :
		"use CPU numbers and ranges like 0-3,5";
	const char *item = arg;
	char buf[64];
	int ret;

	lcore_set_clear(cfg);
	if (*arg == '\0') {
		opt_error(err, opt, "empty CPU list; %s", syntax);
		return -EINVAL;
	}
	for (;;) {
		size_t len = strcspn(item, ",");
		unsigned long long first, last, cpu;
		char *dash, *at;

		if (len == 0 || len >= sizeof(buf))
			goto bad_syntax;
		memcpy(buf, item, len);
		buf[len] = '\0';

		at = strchr(buf, '@');
		dash = strchr(buf, '-');
		if (at != NULL) {
			if (!allow_mapping)
				goto bad_syntax;
			*at = '\0';
			if (parse_decimal(buf, 1u << 20, &first) < 0 ||
			    parse_decimal(at + 1, 1u << 20, &cpu) < 0)
				goto bad_syntax;
			ret = lcore_add(cfg, ca, err, opt, arg, first, cpu);
			if (ret < 0)
				return ret;
		} else {
			if (dash != NULL)
				*dash = '\0';
			if (parse_decimal(buf, 1u << 20, &first) < 0)
				goto bad_syntax;
			last = first;
			if (dash != NULL &&
			    (parse_decimal(dash + 1, 1u << 20, &last) < 0 || last < first))
				goto bad_syntax;
			for (cpu = first; cpu <= last; cpu++) {
				ret = lcore_add(cfg, ca, err, opt, arg, cpu, cpu);
				if (ret < 0)
					return ret;
			}
		}
		if (item[len] == '\0')
			return 0;
		item += len + 1;
	}

bad_syntax:
	opt_error(err, opt, "'%s' is not a valid CPU list (at '%.*s'); %s",
		  arg, (int)strcspn(item, ","), item, syntax);
	return -EINVAL;
}

static int lcore_set_default(struct eal_config *cfg, const struct cpu_avail *ca,
			     FILE *err)
{
	int cpu;

	lcore_set_clear(cfg);
	for (cpu = 0; cpu < ca->max_cpu && cpu < EAL_MAX_LCORES; cpu++) {
		if (cpu_available(ca, cpu)) {
			cfg->lcore_cpu[cpu] = cpu;
			cfg->nb_lcores++;
		}
	}
	if (cfg->nb_lcores == 0) {
		fprintf(err, "eal: none of the CPUs this process may run on has a number below %d (build option max_lcores); choose lcores with --lcores L@C\n",
			EAL_MAX_LCORES);
		return -EINVAL;
	}
	return 0;
}

static int parse_mem_mb(FILE *err, const char *opt, const char *arg,
			const char *value, bool allow_zero, uint64_t *bytes)
{
	unsigned long long mb;
	int ret = parse_decimal(value, UINT64_MAX >> 20, &mb);

	if (ret == -ERANGE) {
		opt_error(err, opt, "'%s': %s MB is too large", arg, value);
		return -EINVAL;
	}
	if (ret < 0 || (!allow_zero && mb == 0)) {
		opt_error(err, opt, "'%s' is not a valid amount of memory; give megabytes as a %s decimal number, e.g. 1024",
			  arg, allow_zero ? "non-negative" : "positive");
		return -EINVAL;
	}
	*bytes = (uint64_t)mb << 20;
	return 0;
}

static int parse_socket_mem(struct eal_config *cfg, FILE *err, const char *arg)
{
	const char *opt = "--socket-mem";
	int nb_nodes = numa_available() < 0 ? 1 : numa_max_node() + 1;
	const char *item = arg;
	uint64_t total = 0;
	unsigned node = 0;
	char buf[32];

	memset(cfg->socket_mem, 0, sizeof(cfg->socket_mem));
	for (;; node++) {
		size_t len = strcspn(item, ",");
		int ret;

		if (node >= UPDK_MAX_NUMA_NODES) {
			opt_error(err, opt, "'%s' names more than %d NUMA nodes (build option max_numa_nodes)",
				  arg, UPDK_MAX_NUMA_NODES);
			return -EINVAL;
		}
		if (len == 0 || len >= sizeof(buf)) {
			opt_error(err, opt, "'%s' is not a valid list; give megabytes per NUMA node separated by commas, e.g. 1024,0",
				  arg);
			return -EINVAL;
		}
		memcpy(buf, item, len);
		buf[len] = '\0';
		ret = parse_mem_mb(err, opt, arg, buf, true, &cfg->socket_mem[node]);
		if (ret < 0)
			return ret;
		if (cfg->socket_mem[node] != 0 && (int)node >= nb_nodes) {
			if (nb_nodes == 1)
				opt_error(err, opt, "'%s' asks for memory on NUMA node %u but this machine has only node 0",
					  arg, node);
			else
				opt_error(err, opt, "'%s' asks for memory on NUMA node %u but this machine has nodes 0-%d",
					  arg, node, nb_nodes - 1);
			return -EINVAL;
		}
		if (total + cfg->socket_mem[node] < total) {
			opt_error(err, opt, "'%s': the total is too large", arg);
			return -EINVAL;
		}
		total += cfg->socket_mem[node];
		if (item[len] == '\0')
			break;
		item += len + 1;
	}
	if (total == 0) {
		opt_error(err, opt, "'%s' asks for no memory at all; give at least one node a non-zero amount in MB",
			  arg);
		return -EINVAL;
	}
	cfg->socket_mem_set = true;
	return 0;
}

static int parse_file_prefix(struct eal_config *cfg, FILE *err, const char *arg)
{
	const char *opt = "--file-prefix";
	size_t len = strlen(arg);
	size_t good = strspn(arg, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");

	if (len == 0 || good != len) {
		opt_error(err, opt, "'%s' is not a valid prefix; use letters, digits, '_' and '-' only",
			  arg);
		return -EINVAL;
	}
	if (len >= EAL_FILE_PREFIX_MAX) {
		opt_error(err, opt, "'%s' is %zu characters long; the limit is %d",
			  arg, len, EAL_FILE_PREFIX_MAX - 1);
		return -EINVAL;
	}
	memcpy(cfg->file_prefix, arg, len + 1);
	return 0;
}

static int parse_huge_dir(struct eal_config *cfg, FILE *err, const char *arg)
{
	const char *opt = "--huge-dir";
	struct stat st;

	if (*arg == '\0') {
		opt_error(err, opt, "empty path; give the directory where a hugetlbfs is mounted, e.g. /mnt/huge");
		return -EINVAL;
	}
	if (strlen(arg) >= sizeof(cfg->huge_dir)) {
		opt_error(err, opt, "path is longer than %zu characters",
			  sizeof(cfg->huge_dir) - 1);
		return -EINVAL;
	}
	if (stat(arg, &st) < 0 || !S_ISDIR(st.st_mode)) {
		opt_error(err, opt, "'%s' is not a directory; mount hugetlbfs on one first (mount -t hugetlbfs nodev %s)",
			  arg, arg);
		return -EINVAL;
	}
	snprintf(cfg->huge_dir, sizeof(cfg->huge_dir), "%s", arg);
	return 0;
}

static int parse_iova_mode(struct eal_config *cfg, FILE *err, const char *arg)
{
	if (strcmp(arg, "va") == 0) {
		cfg->iova_mode = EAL_IOVA_VA;
	} else if (strcmp(arg, "pa") == 0) {
		cfg->iova_mode = EAL_IOVA_PA;
	} else {
		opt_error(err, "--iova-mode", "unknown mode '%s'; accepted: va, pa", arg);
		return -EINVAL;
	}
	return 0;
}

static int parse_vfio_mode(struct eal_config *cfg, FILE *err, const char *arg)
{
	unsigned i;

	for (i = 0; i < EAL_DIM(vfio_mode_names); i++) {
		if (strcmp(arg, vfio_mode_names[i]) == 0) {
			cfg->vfio_mode = (enum eal_vfio_mode)i;
			return 0;
		}
	}
	opt_error(err, "--vfio-mode",
		  "unknown mode '%s'; accepted: auto, type1, noiommu, iommufd, user", arg);
	return -EINVAL;
}

/* Check "k=v,..." device arguments and copy them into @out. */
static int parse_dev_args(FILE *err, const char *opt, const char *arg,
			  const char *args, char *out, size_t size)
{
	const char *bad;
	size_t bad_len;

	if (strlen(args) >= size) {
		opt_error(err, opt, "'%s': device arguments are longer than %zu characters",
			  arg, size - 1);
		return -EINVAL;
	}
	if (eal_kvargs_syntax_check(args, &bad, &bad_len) < 0) {
		if (bad_len == 0)
			opt_error(err, opt, "'%s': empty device argument (doubled or trailing comma); use key=value pairs separated by commas",
				  arg);
		else
			opt_error(err, opt, "'%s': device argument '%.*s' has no key; use key=value pairs separated by commas",
				  arg, (int)bad_len, bad);
		return -EINVAL;
	}
	snprintf(out, size, "%s", args);
	return 0;
}

#define VFIO_USER_SCHEME "vfio-user:"

static int parse_allow(struct eal_config *cfg, FILE *err, const char *arg)
{
	const char *opt = "-a/--allow";
	struct eal_device_spec *dev;
	const char *comma = strchr(arg, ',');
	size_t addr_len = comma != NULL ? (size_t)(comma - arg) : strlen(arg);
	const char *args = comma != NULL ? comma + 1 : "";
	char addr[64];
	unsigned i;
	int ret;

	if (cfg->nb_allowed == EAL_MAX_ALLOWED_DEVICES) {
		opt_error(err, opt, "'%s': more than %d devices allowed", arg,
			  EAL_MAX_ALLOWED_DEVICES);
		return -EINVAL;
	}
	dev = &cfg->allowed[cfg->nb_allowed];
	memset(dev, 0, sizeof(*dev));

	if (strncmp(arg, VFIO_USER_SCHEME, strlen(VFIO_USER_SCHEME)) == 0) {
		const char *path = arg + strlen(VFIO_USER_SCHEME);
		size_t path_len = addr_len - strlen(VFIO_USER_SCHEME);

		if (path_len == 0) {
			opt_error(err, opt, "'%s': missing socket path; use vfio-user:/path/to/socket", arg);
			return -EINVAL;
		}
		if (path_len >= sizeof(dev->addr)) {
			opt_error(err, opt, "'%s': socket path is longer than %zu characters",
				  arg, sizeof(dev->addr) - 1);
			return -EINVAL;
		}
		dev->kind = EAL_DEVICE_VFIO_USER;
		memcpy(dev->addr, path, path_len);
		dev->addr[path_len] = '\0';
	} else {
		char canon[13];

		if (addr_len >= sizeof(addr))
			addr_len = sizeof(addr) - 1;
		memcpy(addr, arg, addr_len);
		addr[addr_len] = '\0';
		if (eal_pci_addr_parse(addr, canon) < 0) {
			opt_error(err, opt, "'%s' is not a valid device: expected a PCI address BB:DD.F or DDDD:BB:DD.F (hex, e.g. 0000:01:00.0) or vfio-user:/path/to/socket, optionally followed by ,key=value...",
				  arg);
			return -EINVAL;
		}
		dev->kind = EAL_DEVICE_PCI;
		memcpy(dev->addr, canon, sizeof(canon));
	}
	ret = parse_dev_args(err, opt, arg, args, dev->args, sizeof(dev->args));
	if (ret < 0)
		return ret;
	for (i = 0; i < cfg->nb_allowed; i++) {
		if (cfg->allowed[i].kind == dev->kind &&
		    strcmp(cfg->allowed[i].addr, dev->addr) == 0) {
			opt_error(err, opt, "'%s': device %s is already allowed; give each device once",
				  arg, dev->addr);
			return -EINVAL;
		}
	}
	cfg->nb_allowed++;
	return 0;
}

static bool vdev_name_valid(const char *name, size_t len)
{
	size_t letters = 0;
	size_t i = 0;

	while (i < len && ((name[i] >= 'a' && name[i] <= 'z') || name[i] == '_')) {
		i++;
		letters++;
	}
	while (i < len && name[i] >= '0' && name[i] <= '9')
		i++;
	return letters > 0 && i == len;
}

static int parse_vdev(struct eal_config *cfg, FILE *err, const char *arg)
{
	const char *opt = "--vdev";
	struct eal_vdev_spec *vdev;
	const char *comma = strchr(arg, ',');
	size_t name_len = comma != NULL ? (size_t)(comma - arg) : strlen(arg);
	unsigned i;
	int ret;

	if (cfg->nb_vdevs == EAL_MAX_VDEVS) {
		opt_error(err, opt, "'%s': more than %d virtual devices", arg,
			  EAL_MAX_VDEVS);
		return -EINVAL;
	}
	if (!vdev_name_valid(arg, name_len)) {
		opt_error(err, opt, "'%.*s' is not a valid device name; use lower-case letters and '_' followed by an optional number, e.g. net_null0",
			  (int)name_len, arg);
		return -EINVAL;
	}
	vdev = &cfg->vdevs[cfg->nb_vdevs];
	if (name_len >= sizeof(vdev->name)) {
		opt_error(err, opt, "device name '%.*s' is longer than %zu characters",
			  (int)name_len, arg, sizeof(vdev->name) - 1);
		return -EINVAL;
	}
	memset(vdev, 0, sizeof(*vdev));
	memcpy(vdev->name, arg, name_len);
	ret = parse_dev_args(err, opt, arg, comma != NULL ? comma + 1 : "",
			     vdev->args, sizeof(vdev->args));
	if (ret < 0)
		return ret;
	for (i = 0; i < cfg->nb_vdevs; i++) {
		if (strcmp(cfg->vdevs[i].name, vdev->name) == 0) {
			opt_error(err, opt, "'%s': device %s is given twice; number them (%s0, %s1, ...)",
				  arg, vdev->name, vdev->name, vdev->name);
			return -EINVAL;
		}
	}
	cfg->nb_vdevs++;
	return 0;
}

static int parse_log_level(struct eal_config *cfg, FILE *err, const char *arg)
{
	const char *opt = "--log-level";
	const char *colon = strrchr(arg, ':');
	const char *level_str = colon != NULL ? colon + 1 : arg;
	size_t pattern_len = colon != NULL ? (size_t)(colon - arg) : 0;
	int level;

	if (cfg->nb_log_levels == EAL_MAX_LOG_PATTERNS) {
		opt_error(err, opt, "'%s': more than %d log levels given", arg,
			  EAL_MAX_LOG_PATTERNS);
		return -EINVAL;
	}
	if (colon != NULL && pattern_len == 0) {
		opt_error(err, opt, "'%s': empty component pattern; use [pattern:]level, e.g. eal:debug or pmd.*:info",
			  arg);
		return -EINVAL;
	}
	if (pattern_len >= sizeof(cfg->log_levels[0].pattern)) {
		opt_error(err, opt, "'%s': pattern is longer than %zu characters",
			  arg, sizeof(cfg->log_levels[0].pattern) - 1);
		return -EINVAL;
	}
	level = eal_log_level_parse(level_str);
	if (level < 0) {
		opt_error(err, opt, "'%s': unknown level '%s'; accepted: err, warning, notice, info, debug or 1-5, optionally after a component pattern and ':'",
			  arg, level_str);
		return -EINVAL;
	}
	memcpy(cfg->log_levels[cfg->nb_log_levels].pattern, arg, pattern_len);
	cfg->log_levels[cfg->nb_log_levels].pattern[pattern_len] = '\0';
	cfg->log_levels[cfg->nb_log_levels].level = level;
	cfg->nb_log_levels++;
	return 0;
}

/* The long option whose code is @val, or NULL. */
static const struct option *long_option_by_val(int val)
{
	unsigned i;

	for (i = 0; long_options[i].name != NULL; i++) {
		if (long_options[i].val == val)
			return &long_options[i];
	}
	return NULL;
}

/* One message for what getopt rejected ('?' or ':'), naming the option as
 * the user typed it where getopt lets us know. */
static void report_getopt_error(FILE *err, int opt, char **argv)
{
	const char *typed = optind > 0 ? argv[optind - 1] : "";
	const struct option *lo = long_option_by_val(optopt);

	if (opt == ':') {
		if (strncmp(typed, "--", 2) == 0)
			fprintf(err, "eal: option %s needs a value; run with --help for the syntax\n",
				typed);
		else if (lo != NULL && optopt >= 256)
			fprintf(err, "eal: option --%s needs a value; run with --help for the syntax\n",
				lo->name);
		else
			fprintf(err, "eal: option -%c needs a value; run with --help for the syntax\n",
				optopt);
	} else if (optopt == 0) {
		/* glibc: an unknown or ambiguous long option; optind is past it. */
		fprintf(err, "eal: unknown or ambiguous option '%s'; run with --help for the EAL options\n",
			typed);
	} else if (lo != NULL) {
		/* Only a long option that takes no value comes back with its own
		 * code: it was given "=value". */
		fprintf(err, "eal: option --%s does not take a value (got '%s')\n",
			lo->name, typed);
	} else if (optopt > 0 && optopt < 256) {
		fprintf(err, "eal: unknown option '-%c'; run with --help for the EAL options\n",
			optopt);
	} else {
		fprintf(err, "eal: unknown option '%s'; run with --help for the EAL options\n",
			typed);
	}
}

static int check_combinations(struct eal_config *cfg, const struct cpu_avail *ca,
			      FILE *err, bool lcores_given)
{
	unsigned i;
	char avail[256];

	if (cfg->mem_bytes != 0 && cfg->socket_mem_set) {
		fprintf(err, "eal: -m and --socket-mem cannot be used together; give the total with -m or the per-node amounts with --socket-mem\n");
		return -EINVAL;
	}
	if (cfg->no_huge && cfg->iova_mode == EAL_IOVA_PA) {
		fprintf(err, "eal: --no-huge cannot be used with --iova-mode=pa: 4 KiB pages can move in physical memory, so their addresses cannot be given to a device; drop --no-huge (reserve hugepages) or use --iova-mode=va\n");
		return -EINVAL;
	}
	if (cfg->no_huge && cfg->huge_dir[0] != '\0') {
		fprintf(err, "eal: --huge-dir cannot be used with --no-huge; drop one of them\n");
		return -EINVAL;
	}

	if (!lcores_given && lcore_set_default(cfg, ca, err) < 0)
		return -EINVAL;

	if (cfg->main_lcore_set) {
		if (cfg->main_lcore >= EAL_MAX_LCORES ||
		    cfg->lcore_cpu[cfg->main_lcore] < 0) {
			size_t used = 0;

			avail[0] = '\0';
			for (i = 0; i < EAL_MAX_LCORES && used < sizeof(avail); i++) {
				int n;

				if (cfg->lcore_cpu[i] < 0)
					continue;
				n = snprintf(avail + used, sizeof(avail) - used,
					     "%s%u", used ? "," : "", i);
				if (n < 0)
					break;
				used += (size_t)n;
			}
			fprintf(err, "eal: --main-lcore: lcore %u is not in the lcore set; choose one of %s or add it with -l/--lcores\n",
				cfg->main_lcore, avail);
			return -EINVAL;
		}
	} else {
		for (i = 0; i < EAL_MAX_LCORES; i++) {
			if (cfg->lcore_cpu[i] >= 0) {
				cfg->main_lcore = i;
				break;
			}
		}
	}
	return 0;
}

static int parse_one(struct eal_config *cfg, const struct cpu_avail *ca,
		     FILE *err, int opt, const char *arg, bool *lcores_given)
{
	unsigned long long n;

	switch (opt) {
	case 'h':
		cfg->help = true;
		return 0;
	case 'l':
		*lcores_given = true;
		return parse_lcores(cfg, ca, err, "-l", arg, false);
	case OPT_LCORES:
		*lcores_given = true;
		return parse_lcores(cfg, ca, err, "--lcores", arg, true);
	case OPT_MAIN_LCORE:
		if (parse_decimal(arg, UINT32_MAX, &n) < 0) {
			opt_error(err, "--main-lcore", "'%s' is not an lcore id; give a number from the -l/--lcores set",
				  arg);
			return -EINVAL;
		}
		cfg->main_lcore = (unsigned)n;
		cfg->main_lcore_set = true;
		return 0;
	case 'm':
		return parse_mem_mb(err, "-m", arg, arg, false, &cfg->mem_bytes);
	case OPT_SOCKET_MEM:
		return parse_socket_mem(cfg, err, arg);
	case OPT_HUGE_DIR:
		return parse_huge_dir(cfg, err, arg);
	case OPT_NO_HUGE:
		cfg->no_huge = true;
		return 0;
	case OPT_IN_MEMORY:
		cfg->in_memory = true;
		return 0;
	case OPT_FILE_PREFIX:
		return parse_file_prefix(cfg, err, arg);
	case OPT_IOVA_MODE:
		return parse_iova_mode(cfg, err, arg);
	case OPT_VFIO_MODE:
		return parse_vfio_mode(cfg, err, arg);
	case 'a':
		return parse_allow(cfg, err, arg);
	case OPT_VDEV:
		return parse_vdev(cfg, err, arg);
	case OPT_LOG_LEVEL:
		return parse_log_level(cfg, err, arg);
	default:
		/* A table entry without a case: a bug here, not bad usage. */
		fprintf(err, "eal: internal error: option code %d has no handler\n", opt);
		return -EINVAL;
	}
}

int eal_parse_args(int argc, char **argv, struct eal_config *cfg, FILE *err)
{
	struct cpu_avail ca;
	bool lcores_given = false;
	int saved_opterr = opterr;
	int ret = 0;
	int opt;

	if (err == NULL)
		err = stderr;
	if (argc < 1 || argv == NULL || argv[0] == NULL || cfg == NULL) {
		fprintf(err, "eal: no command line: argv must hold at least the program name\n");
		return -EINVAL;
	}
	eal_config_defaults(cfg);
	ret = cpu_avail_get(&ca);
	if (ret < 0) {
		fprintf(err, "eal: cannot read the CPU affinity of this process: %s\n",
			strerror(-ret));
		return ret;
	}

	/* optind = 0 (not 1) makes glibc forget everything from the previous
	 * scan, including a half-read cluster of short options in an argv
	 * that may no longer exist. */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, short_options, long_options, NULL)) != -1) {
		if (opt == '?' || opt == ':') {
			report_getopt_error(err, opt, argv);
			ret = -EINVAL;
			break;
		}
		ret = parse_one(cfg, &ca, err, opt, optarg, &lcores_given);
		if (ret < 0)
			break;
	}
	if (ret == 0)
		ret = check_combinations(cfg, &ca, err, lcores_given);
	if (ret == 0)
		ret = optind;

	cpu_avail_put(&ca);
	/* Leave getopt fresh for the application's own options. */
	optind = 0;
	opterr = saved_opterr;
	return ret;
}

void eal_usage(void *stream)
{
	FILE *out = stream != NULL ? stream : stdout;

	fprintf(out,
		"EAL options (before \"--\"; the application's own options follow it):\n"
		"  -l, --lcores LIST       lcores to use: CPU numbers and ranges (0-3,5), lcore\n"
		"                          id = CPU; --lcores also takes lcore@CPU pairs (0@2,1@3).\n"
		"                          Default: every CPU in the process's affinity mask\n"
		"  --main-lcore ID         lcore that runs the calling thread (default: lowest)\n"
		"  -m MB                   DMA memory limit in megabytes (default: no limit)\n"
		"  --socket-mem MB,MB,...  memory per NUMA node in megabytes (not with -m)\n"
		"  --huge-dir DIR          hugetlbfs mount to use (default: found in /proc/mounts)\n"
		"  --no-huge               use 4 KiB pages from a memfd instead of hugepages\n"
		"  --in-memory             no hugepage files: memfd_create(MFD_HUGETLB) only\n"
		"  --file-prefix NAME      name for this process's files, [A-Za-z0-9_-], < %d\n"
		"                          characters (default: %s)\n"
		"  --iova-mode va|pa       device addresses: virtual (default) or physical\n"
		"  --vfio-mode MODE        auto (default), type1, noiommu, iommufd or user\n"
		"  -a, --allow DEV[,k=v]   use device DEV: a PCI address BB:DD.F or DDDD:BB:DD.F,\n"
		"                          or vfio-user:/path/to/socket; may be repeated\n"
		"  --vdev NAME[,k=v...]    create virtual device NAME ([a-z_]+[0-9]*, e.g.\n"
		"                          net_null0); may be repeated\n"
		"  --log-level [PATTERN:]LEVEL\n"
		"                          log level err, warning, notice, info, debug or 1-5, for\n"
		"                          every component or those matching a glob (pmd.*:debug)\n"
		"  -h, --help              print this help and exit\n",
		EAL_FILE_PREFIX_MAX, UPDK_DEFAULT_FILE_PREFIX);
}
