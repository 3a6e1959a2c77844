/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vfio-lspci: what a VFIO device offers, through the same container ops a
 * driver uses: the device's flags, regions (with sparse mmap areas), IRQ
 * indexes, its config space decoded like "lspci -vv", and optionally a DMA
 * and dirty-logging check. Works on a host PCI function bound to vfio-pci
 * and on a vfio-user server alike; it is the first thing to run against an
 * unknown vfio-user server.
 *
 * It reads but never writes the device: config space is read once, BAR
 * sizes come from the VFIO regions rather than from sizing the BARs.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "config_decode.h"
#include "eal.h"
#include "vfio_cont.h"

#define VFIO_USER_PREFIX "vfio-user:"
#define CONFIG_SPACE_MAX 4096
#define DMA_TEST_BYTES (64 * 1024)
#define EAL_ARGS_MAX 16

EAL_LOG_COMPONENT_REGISTER(lspci_logtype, "app.vfio-lspci", EAL_LOG_NOTICE);

struct options {
	const char *target;      /* PCI address or socket path */
	bool is_user;
	int verbosity;
	bool dma_test;
	const char *timeout_ms;
};

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s [EAL options --] DEVICE [-v|-vv] [--dma-test] [--timeout MS]\n"
		"Shows what a VFIO device offers: device flags, regions and their sparse mmap\n"
		"areas, IRQ indexes, PCI config space decoded like lspci -vv.\n"
		"  DEVICE            vfio-user:/path/to.sock (or any path with a '/'): a vfio-user\n"
		"                    server; or a PCI address [DDDD:]BB:DD.F bound to vfio-pci\n"
		"  -a DEVICE         the same, as an option\n"
		"  -v, -vv           more detail (-v: every register field; -vv: config hex dump)\n"
		"  --dma-test        allocate a DMA buffer (mapped into the device's address space)\n"
		"                    and try dirty page logging on it\n"
		"  --timeout MS      how long a vfio-user server may take to answer (default 5000)\n"
		"  -h, --help        this text\n"
		"Without EAL options the tool runs with --no-huge on one CPU: it needs no\n"
		"hugepages. Exit status: 0 done, 1 the device could not be inspected, 2 bad usage.\n",
		prog);
}

/* ---- options --------------------------------------------------------------- */

static int set_target(struct options *o, const char *arg)
{
	char canon[13];

	if (o->target != NULL) {
		fprintf(stderr, "vfio-lspci: one device at a time ('%s' and '%s' given)\n", o->target, arg);
		return -EINVAL;
	}
	if (strncmp(arg, VFIO_USER_PREFIX, strlen(VFIO_USER_PREFIX)) == 0) {
		o->target = arg + strlen(VFIO_USER_PREFIX);
		o->is_user = true;
	} else if (strchr(arg, '/') != NULL) {
		o->target = arg;
		o->is_user = true;
	} else if (eal_pci_addr_parse(arg, canon) == 0) {
		o->target = arg;
		o->is_user = false;
	} else {
		fprintf(stderr, "vfio-lspci: '%s' is neither a PCI address (BB:DD.F or DDDD:BB:DD.F) "
			"nor a vfio-user socket (vfio-user:/path or a path with '/')\n", arg);
		return -EINVAL;
	}
	if (o->target[0] == '\0') {
		fprintf(stderr, "vfio-lspci: '%s' names no socket path\n", arg);
		return -EINVAL;
	}
	return 0;
}

/* @return 0, 1 after --help, or -EINVAL. */
static int parse_tool_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "dma-test", no_argument, NULL, 'd' },
		{ "timeout", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "a:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (set_target(o, optarg) < 0)
				return -EINVAL;
			break;
		case 'v': o->verbosity++; break;
		case 'd': o->dma_test = true; break;
		case 't':
			errno = 0;
			if (strtol(optarg, &end, 10) <= 0 || *end != '\0' || errno != 0) {
				fprintf(stderr, "vfio-lspci: --timeout needs a positive number of milliseconds, got '%s'\n",
					optarg);
				return -EINVAL;
			}
			o->timeout_ms = optarg;
			break;
		case 'h': usage(stdout, argv[0]); return 1;
		default:
			fprintf(stderr, "Try '%s --help'.\n", argv[0]);
			return -EINVAL;
		}
	}
	for (; optind < argc; optind++)
		if (set_target(o, argv[optind]) < 0)
			return -EINVAL;
	if (o->target == NULL) {
		fprintf(stderr, "vfio-lspci: name a device: vfio-user:/path/to.sock or a PCI address "
			"(try '%s --help')\n", argv[0]);
		return -EINVAL;
	}
	return 0;
}

/* A vfio-user socket that is not there gets a message saying so before any
 * EAL set-up, rather than a connect() error three layers down. */
static int check_socket(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			fprintf(stderr, "vfio-lspci: no vfio-user socket at '%s': is the server running? "
				"(for example: vfio-user-nic --socket %s)\n", path, path);
		else
			fprintf(stderr, "vfio-lspci: cannot reach '%s': %s\n", path, strerror(errno));
		return -ENOENT;
	}
	if (!S_ISSOCK(st.st_mode)) {
		fprintf(stderr, "vfio-lspci: '%s' exists but is not a UNIX socket: give the socket "
			"the vfio-user server listens on\n", path);
		return -ENOTSOCK;
	}
	return 0;
}

/* ---- printing --------------------------------------------------------------- */

static void print_flags(uint32_t flags, const char *const names[], unsigned nb_names)
{
	bool any = false;

	for (unsigned i = 0; i < nb_names; i++) {
		if (!(flags & (1u << i)) || names[i] == NULL)
			continue;
		printf("%s%s", any ? " " : "", names[i]);
		any = true;
		flags &= ~(1u << i);
	}
	if (flags != 0)
		printf("%s0x%x", any ? " " : "", flags);
	else if (!any)
		printf("none");
}

static const char *region_name(uint32_t index, char *buf, size_t len)
{
	if (index <= VFIO_PCI_BAR5_REGION_INDEX)
		snprintf(buf, len, "BAR%u", index);
	else if (index == VFIO_PCI_ROM_REGION_INDEX)
		snprintf(buf, len, "ROM");
	else if (index == VFIO_PCI_CONFIG_REGION_INDEX)
		snprintf(buf, len, "config");
	else if (index == VFIO_PCI_VGA_REGION_INDEX)
		snprintf(buf, len, "VGA");
	else
		snprintf(buf, len, "region%u", index);
	return buf;
}

static const char *region_cap_name(uint32_t id)
{
	switch (id) {
	case VFIO_REGION_INFO_CAP_SPARSE_MMAP: return "sparse mmap";
	case VFIO_REGION_INFO_CAP_TYPE: return "type";
	case VFIO_REGION_INFO_CAP_MSIX_MAPPABLE: return "MSI-X mappable";
	default: return "unknown";
	}
}

static const char *irq_name(uint32_t index)
{
	static const char *const names[] = { "INTx", "MSI", "MSI-X", "ERR", "REQ" };

	return index < EAL_DIM(names) ? names[index] : "other";
}

static void print_device_info(const struct vfio_device *dev, const struct vfio_container *c)
{
	static const char *const dev_flags[] = { "RESET", "PCI", "PLATFORM", "AMBA", "CCW", "AP",
						 "FSL_MC", "CAPS", "CDX" };
	char sz[32];

	printf("Device: %s\n", dev->name);
	printf("\tBackend: %s\n", c->ops->name);
	printf("\tFlags: ");
	print_flags(dev->info.flags, dev_flags, EAL_DIM(dev_flags));
	printf("\n\tRegions: %u, IRQ indexes: %u\n", dev->info.num_regions, dev->info.num_irqs);
	printf("\tAddress space: IOMMU page sizes 0x%" PRIx64, c->info.pgsize_bitmap);
	if (c->info.pgsize_bitmap != 0)
		printf(" (smallest %s)",
		       cfg_size_str(c->info.pgsize_bitmap & -c->info.pgsize_bitmap, sz, sizeof(sz)));
	if (c->info.dma_avail != 0)
		printf(", up to %u mappings", c->info.dma_avail);
	printf("\n");
	for (unsigned i = 0; i < c->info.nb_iova_ranges; i++)
		printf("\t\tIOVA range: 0x%" PRIx64 "-0x%" PRIx64 "\n", c->info.iova_ranges[i].start,
		       c->info.iova_ranges[i].end);
	if (c->info.dirty_tracking)
		printf("\tDirty page tracking: yes, page sizes 0x%" PRIx64 ", bitmap up to %" PRIu64 " bytes\n",
		       c->info.dirty_pgsize_bitmap, c->info.dirty_max_bitmap_bytes);
	else
		printf("\tDirty page tracking: no\n");
}

/* Print every region; fills bar_sizes and config_size for the decoder.
 * @return 0, or the first error (regions after it are still tried). */
static int print_regions(struct vfio_device *dev, uint64_t bar_sizes[CFG_MAX_BARS],
			 uint64_t *config_size, int verbosity)
{
	static const char *const region_flags[] = { "read", "write", "mmap", "caps" };
	int first_err = 0;
	char name[24], sz[32];

	printf("Regions:\n");
	for (uint32_t i = 0; i < dev->info.num_regions; i++) {
		struct vfio_region r;
		int rc = dev->ops->get_region_info(dev, i, &r);

		if (rc < 0) {
			printf("\t%-7s (index %u): unreadable: %s\n", region_name(i, name, sizeof(name)), i,
			       strerror(-rc));
			if (first_err == 0)
				first_err = rc;
			continue;
		}
		if (i <= VFIO_PCI_BAR5_REGION_INDEX)
			bar_sizes[i] = r.size;
		if (i == VFIO_PCI_CONFIG_REGION_INDEX)
			*config_size = r.size;
		if (r.size == 0 && verbosity < 1)
			continue;
		printf("\t%-7s (index %u): size %-6s flags ", region_name(i, name, sizeof(name)), i,
		       r.size ? cfg_size_str(r.size, sz, sizeof(sz)) : "0");
		print_flags(r.flags, region_flags, EAL_DIM(region_flags));
		printf(", offset 0x%" PRIx64, r.offset);
		if (r.flags & VFIO_REGION_INFO_FLAG_MMAP)
			printf(", %s", r.fd >= 0 ? "mmap by fd" : "mmap (no fd)");
		printf("\n");
		if ((r.flags & VFIO_REGION_INFO_FLAG_MMAP) && r.nb_areas == 0)
			printf("\t\tmmap: the whole region\n");
		for (unsigned a = 0; a < r.nb_areas; a++) {
			printf("\t\tsparse mmap area %u: [0x%" PRIx64 "-0x%" PRIx64 ") %s\n", a,
			       r.areas[a].offset, r.areas[a].offset + r.areas[a].size,
			       cfg_size_str(r.areas[a].size, sz, sizeof(sz)));
			if (r.areas[a].offset > r.size || r.areas[a].size > r.size - r.areas[a].offset)
				printf("\t!! sparse mmap area %u lies outside the %" PRIu64 "-byte region\n",
				       a, r.size);
		}
		if (verbosity >= 1)
			for (unsigned k = 0; k < r.nb_caps && k < EAL_DIM(r.cap_ids); k++)
				printf("\t\tcapability %u (%s)\n", r.cap_ids[k],
				       region_cap_name(r.cap_ids[k]));
	}
	return first_err;
}

static int print_irqs(struct vfio_device *dev)
{
	static const char *const irq_flags[] = { "eventfd", "maskable", "automasked", "noresize" };
	int first_err = 0;

	printf("IRQ indexes:\n");
	for (uint32_t i = 0; i < dev->info.num_irqs; i++) {
		struct vfio_cont_irq_info irq;
		int rc = dev->ops->get_irq_info(dev, i, &irq);

		if (rc < 0) {
			printf("\t%-5s (index %u): unreadable: %s\n", irq_name(i), i, strerror(-rc));
			if (first_err == 0)
				first_err = rc;
			continue;
		}
		printf("\t%-5s (index %u): count %-4u flags ", irq_name(i), i, irq.count);
		print_flags(irq.flags, irq_flags, EAL_DIM(irq_flags));
		printf("\n");
	}
	return first_err;
}

static int print_config(struct vfio_device *dev, const struct cfg_context *ctx,
			uint64_t config_size)
{
	static uint8_t cfg[CONFIG_SPACE_MAX];
	size_t len = config_size < sizeof(cfg) ? (size_t)config_size : sizeof(cfg);
	ssize_t got;
	int problems;

	printf("PCI config space:\n");
	if (!(dev->info.flags & VFIO_DEVICE_FLAGS_PCI))
		printf("\t(the device does not say it is PCI; decoding its config region anyway)\n");
	if (len == 0) {
		printf("\tno config region: nothing to decode\n");
		return -ENOENT;
	}
	got = dev->ops->region_read(dev, VFIO_PCI_CONFIG_REGION_INDEX, 0, cfg, len);
	if (got < 0) {
		printf("\tunreadable: %s\n", strerror((int)-got));
		return (int)got;
	}
	if ((size_t)got < len) {
		printf("\tshort read: %zd of %zu bytes\n", got, len);
		return -EIO;
	}
	printf("\t");
	problems = cfg_decode(stdout, cfg, len, ctx);
	if (problems > 0)
		printf("\t%d problem%s found in config space (marked !!)\n", problems,
		       problems > 1 ? "s" : "");
	return 0;
}

/* ---- DMA test --------------------------------------------------------------- */

/* Whether the device itself answers a DMA logging probe: a server can
 * implement the feature yet not advertise it in VERSION, and then the
 * container (which goes by the advertisement) will not use it. */
static void dma_logging_probe(struct vfio_device *dev, const struct vfio_container *c)
{
	int rc = dev->ops->feature(dev, VFIO_DEVICE_FEATURE_PROBE |
				   VFIO_DEVICE_FEATURE_DMA_LOGGING_START, NULL, 0);

	if (rc == 0)
		printf("\tdevice DMA logging feature: answers the probe\n");
	else
		printf("\tdevice DMA logging feature: not offered (%s)\n", strerror(-rc));
	if (rc == 0 && !c->info.dirty_tracking)
		printf("\t\tbut the address space advertises no dirty tracking%s, so it is not used\n",
		       c->mode == EAL_VFIO_USER ?
		       " (the server's VERSION reply has no \"migration\" capability)" : "");
}

static int dma_test(struct vfio_container *c, struct vfio_device *dev)
{
	uint64_t iova, pgsize, start, len, *bitmap;
	size_t nb_pages, dirty = 0;
	char sz[32];
	void *buf;
	int rc, rc2;

	printf("DMA test:\n");
	buf = eal_dma_zalloc("vfio-lspci", DMA_TEST_BYTES, 0, EAL_SOCKET_ID_ANY, &iova);
	if (buf == NULL) {
		printf("\tbuffer: allocation failed: %s\n", strerror(errno));
		return -errno;
	}
	printf("\tbuffer: %s at IOVA 0x%" PRIx64 ", mapped into the device's address space\n",
	       cfg_size_str(DMA_TEST_BYTES, sz, sizeof(sz)), iova);
	dma_logging_probe(dev, c);
	if (!c->info.dirty_tracking) {
		printf("\tdirty page logging: not supported\n");
		eal_dma_free(buf);
		return 0;
	}
	rc = vfio_container_dirty_tracking_start(c);
	if (rc < 0) {
		printf("\tdirty page logging: start failed: %s\n", strerror(-rc));
		eal_dma_free(buf);
		return rc;
	}
	printf("\tdirty page logging: started\n");
	pgsize = c->info.dirty_pgsize_bitmap & -c->info.dirty_pgsize_bitmap;
	start = iova & ~(pgsize - 1);
	len = ((iova + DMA_TEST_BYTES + pgsize - 1) & ~(pgsize - 1)) - start;
	nb_pages = (size_t)(len / pgsize);
	bitmap = calloc((nb_pages + 63) / 64, sizeof(*bitmap));
	if (bitmap == NULL) {
		rc = -ENOMEM;
	} else {
		rc = vfio_container_dirty_bitmap_query(c, start, len, pgsize, bitmap);
		for (size_t p = 0; rc == 0 && p < nb_pages; p++)
			dirty += (bitmap[p / 64] >> (p % 64)) & 1;
		free(bitmap);
	}
	if (rc == 0)
		printf("\tdirty page report: %zu of %zu pages of %s dirty\n", dirty, nb_pages,
		       cfg_size_str(pgsize, sz, sizeof(sz)));
	else
		printf("\tdirty page report: failed: %s\n", strerror(-rc));
	rc2 = vfio_container_dirty_tracking_stop(c);
	if (rc2 == 0)
		printf("\tdirty page logging: stopped\n");
	else
		printf("\tdirty page logging: stop failed: %s\n", strerror(-rc2));
	eal_dma_free(buf);
	return rc != 0 ? rc : rc2;
}

/* ---- main -------------------------------------------------------------------- */

static int inspect(const struct options *o)
{
	struct cfg_context ctx = { .verbosity = o->verbosity };
	enum eal_vfio_mode mode = o->is_user ? EAL_VFIO_USER : eal_vfio_mode();
	struct vfio_container *c;
	struct vfio_device *dev = NULL;
	uint64_t config_size = 0;
	int rc, err = 0;

	c = vfio_container_create(mode, o->is_user ? o->target : NULL);
	if (c == NULL) {
		rc = errno;
		if (o->is_user)
			fprintf(stderr, "vfio-lspci: cannot open the vfio-user server at '%s': %s "
				"(a server must answer VERSION within the timeout; see the messages above)\n",
				o->target, strerror(rc));
		else
			fprintf(stderr, "vfio-lspci: cannot open a VFIO container (%s mode): %s\n",
				eal_vfio_mode_name(mode), strerror(rc));
		return 1;
	}
	rc = vfio_container_attach(c, o->is_user ? "" : o->target, &dev);
	if (rc < 0) {
		fprintf(stderr, "vfio-lspci: cannot attach %s: %s\n", o->target, strerror(-rc));
		vfio_container_destroy(c);
		return 1;
	}
	if (o->is_user)
		snprintf(dev->name, sizeof(dev->name), "%s%s", VFIO_USER_PREFIX, o->target);
	print_device_info(dev, c);
	rc = print_regions(dev, ctx.bar_sizes, &config_size, o->verbosity);
	err = err ? err : rc;
	rc = print_irqs(dev);
	err = err ? err : rc;
	rc = print_config(dev, &ctx, config_size);
	err = err ? err : rc;
	if (o->dma_test) {
		rc = dma_test(c, dev);
		err = err ? err : rc;
	}
	fflush(stdout);
	if (err != 0)
		fprintf(stderr, "vfio-lspci: %s could not be fully inspected: %s\n", o->target,
			strerror(-err));
	vfio_container_detach(c, dev);
	vfio_container_destroy(c);
	return err != 0 ? 1 : 0;
}

/* EAL arguments when the user gave none: no hugepages, one CPU (no worker
 * threads), a file prefix of our own so that two runs do not collide. */
static int default_eal_args(const char *prog, char **eal_argv, char *cpu, size_t cpu_len,
			    char *prefix, size_t prefix_len)
{
	cpu_set_t set;
	int n = 0, first = 0;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (first = 0; first < CPU_SETSIZE && !CPU_ISSET(first, &set); first++)
			;
	snprintf(cpu, cpu_len, "%d", first < CPU_SETSIZE ? first : 0);
	snprintf(prefix, prefix_len, "vfio-lspci-%d", (int)getpid());
	eal_argv[n++] = (char *)(uintptr_t)prog;
	eal_argv[n++] = (char *)(uintptr_t)"--no-huge";
	eal_argv[n++] = (char *)(uintptr_t)"-l";
	eal_argv[n++] = cpu;
	eal_argv[n++] = (char *)(uintptr_t)"--file-prefix";
	eal_argv[n++] = prefix;
	eal_argv[n] = NULL;
	return n;
}

int main(int argc, char **argv)
{
	struct options o = { .verbosity = 0 };
	char *eal_argv[EAL_ARGS_MAX], cpu[16], prefix[48];
	int eal_argc, dashdash = -1, rc;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			dashdash = i;
			break;
		}
	/* Tool options first: a bad command line fails before any set-up. */
	if (dashdash >= 0) {
		argv[dashdash] = argv[0];
		rc = parse_tool_args(argc - dashdash, argv + dashdash, &o);
		argv[dashdash] = (char *)(uintptr_t)"--";
	} else {
		rc = parse_tool_args(argc, argv, &o);
	}
	if (rc != 0)
		return rc > 0 ? 0 : 2;
	if (o.timeout_ms != NULL)
		setenv("UPDK_VFIO_USER_TIMEOUT_MS", o.timeout_ms, 1);
	if (o.is_user && check_socket(o.target) < 0)
		return 1;

	if (dashdash >= 0) {
		rc = eal_init(dashdash + 1, argv);
	} else {
		eal_argc = default_eal_args(argv[0], eal_argv, cpu, sizeof(cpu), prefix, sizeof(prefix));
		rc = eal_init(eal_argc, eal_argv);
	}
	if (rc < 0) {
		if (rc != EAL_INIT_HELP)
			fprintf(stderr, "vfio-lspci: EAL set-up failed: %s\n", strerror(-rc));
		return eal_exit_status(rc);
	}
	rc = inspect(&o);
	eal_cleanup();
	return rc;
}
