/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * eal-smoke: brings the EAL up and exercises each part once, so that a
 * machine's set-up (CPUs, hugepages, permissions) can be checked in one run:
 *
 *     eal-smoke -l 0-1 --no-huge
 *
 * Exit status: 0 when every check passed, 2 for bad usage, 1 otherwise.
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "eal.h"

#define SMOKE_DMA_BYTES (4u << 20)

struct lcore_report {
	unsigned lcore_id; /* as seen through eal_lcore_id() in the thread */
	int cpu;           /* sched_getcpu() in the thread */
	int socket;
	int ran;
};

static struct lcore_report reports[EAL_MAX_LCORES];

static int report_lcore(void *arg)
{
	struct lcore_report *table = arg;
	unsigned id = eal_lcore_id();

	if (id >= EAL_MAX_LCORES)
		return -EINVAL;
	table[id].lcore_id = id;
	table[id].cpu = sched_getcpu();
	table[id].socket = eal_socket_id();
	table[id].ran = 1;
	return (int)id;
}

static int check_lcores(void)
{
	unsigned id;
	int failures = 0;

	printf("lcores: %u, main lcore %u\n", eal_lcore_count(), eal_main_lcore());
	EAL_LCORE_FOREACH(id)
		printf("  lcore %u: CPU %d, NUMA node %d\n", id, eal_lcore_cpu(id),
		       eal_lcore_socket(id));

	memset(reports, 0, sizeof(reports));
	if (eal_mp_remote_launch(report_lcore, reports, true) < 0) {
		fprintf(stderr, "eal-smoke: cannot launch on the worker lcores\n");
		return 1;
	}
	EAL_LCORE_FOREACH_WORKER(id) {
		int ret = eal_wait_lcore(id);

		if (ret != (int)id) {
			fprintf(stderr, "eal-smoke: lcore %u returned %d\n", id, ret);
			failures++;
		}
	}
	EAL_LCORE_FOREACH(id) {
		const struct lcore_report *r = &reports[id];

		if (!r->ran) {
			fprintf(stderr, "eal-smoke: lcore %u did not run the function\n", id);
			failures++;
			continue;
		}
		printf("  lcore %u reported lcore id %u on CPU %d (node %d)\n",
		       id, r->lcore_id, r->cpu, r->socket);
		if (r->cpu != eal_lcore_cpu(id)) {
			fprintf(stderr, "eal-smoke: lcore %u ran on CPU %d, pinned to %d\n",
				id, r->cpu, eal_lcore_cpu(id));
			failures++;
		}
	}
	return failures ? 1 : 0;
}

static int check_dma(void)
{
	const struct eal_memseg *seg;
	uint64_t iova = EAL_BAD_IOVA;
	unsigned char *mem;
	size_t i;

	mem = eal_dma_zalloc("eal-smoke", SMOKE_DMA_BYTES, 0, EAL_SOCKET_ID_ANY, &iova);
	if (mem == NULL) {
		fprintf(stderr, "eal-smoke: cannot allocate %u bytes of DMA memory: %s\n",
			SMOKE_DMA_BYTES, strerror(errno));
		return 1;
	}
	for (i = 0; i < SMOKE_DMA_BYTES; i++) {
		if (mem[i] != 0) {
			fprintf(stderr, "eal-smoke: DMA memory not zeroed at byte %zu\n", i);
			eal_dma_free(mem);
			return 1;
		}
	}
	seg = eal_memseg_find(mem);
	printf("dma: %u bytes at %p, IOVA 0x%" PRIx64 "\n", SMOKE_DMA_BYTES, (void *)mem, iova);
	if (seg == NULL) {
		fprintf(stderr, "eal-smoke: no memory segment holds the allocation\n");
		eal_dma_free(mem);
		return 1;
	}
	printf("  segment %u: %zu bytes, page size %zu, fd %d offset %jd, node %d\n",
	       seg->id, seg->len, seg->page_size, seg->fd, (intmax_t)seg->fd_offset,
	       seg->socket_id);
	eal_dma_free(mem);
	return 0;
}

int main(int argc, char **argv)
{
	int n = eal_init(argc, argv);
	int status = 0;

	if (n < 0)
		return eal_exit_status(n);
	if (n < argc) {
		fprintf(stderr, "eal-smoke: takes no arguments of its own (got '%s')\n",
			argv[n]);
		eal_cleanup();
		return 2;
	}
	printf("eal: file prefix %s, runtime dir %s, TSC %" PRIu64 " Hz, vfio mode %s\n",
	       eal_file_prefix(), eal_runtime_dir(), eal_tsc_hz(),
	       eal_vfio_mode_name(eal_vfio_mode()));

	status |= check_lcores();
	status |= check_dma();

	eal_cleanup();
	printf("eal-smoke: %s\n", status ? "FAILED" : "OK");
	return status;
}
