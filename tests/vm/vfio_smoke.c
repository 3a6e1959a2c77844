/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vfio_smoke: proves the VM test bed end to end with nothing but libc and the
 * raw kernel VFIO API (linux/vfio.h). Runs inside the test guest (tests/vm),
 * linked statically.
 *
 * 1. Container and groups: API version, TYPE1v2, one group per NIC, both
 *    groups in one container, VFIO_IOMMU_GET_INFO and its capability chain.
 * 2. Devices: device fd, device info, config space and BAR regions; the IDs
 *    read through the config region must match sysfs and the expected NIC.
 * 3. DMA mappings: a 2 MiB buffer mapped at IOVA = VA and unmapped again.
 * 4. DMA through the IOMMU with the e1000e (82574L): three frames from its TX
 *    ring. The first and last come from mapped memory and must reach the wire
 *    (the host reads QEMU's pcap); the middle one points at an IOVA that was
 *    mapped and then unmapped, so the IOMMU must block it and the frame must
 *    not appear (the host also finds the guest's DMAR fault for that address).
 *
 * Lines starting "SMOKE-" are read by vfio_smoke_check.py on the host.
 * Exit status 0 when every step held; 1 at the first failure, with the step,
 * the condition and errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/vfio.h>

#define DMA_BUFFER_SIZE (2u << 20)
#define PAGE_SIZE_4K 4096u
#define MAX_CAPS 64             /* guards the capability walk against a loop */
#define TX_TIMEOUT_NS 5000000000ll

/* PCI configuration space (PCI Local Bus Specification 3.0, §6.2). */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_COMMAND_MEMORY (1u << 1)
#define PCI_COMMAND_MASTER (1u << 2)

/*
 * Intel 82574 GbE Controller Family datasheet (document 317694). Section
 * numbers as in that datasheet; names and offsets are given as well, since
 * numbering can shift between revisions.
 */
#define E1000_CTRL 0x00000      /* §10.2.2.1 Device Control - CTRL */
#define E1000_CTRL_SLU (1u << 6)        /* set link up */
#define E1000_CTRL_RST (1u << 26)       /* device reset, self-clearing */
#define E1000_STATUS 0x00008    /* §10.2.2.2 Device Status - STATUS */
#define E1000_STATUS_LU (1u << 1)       /* link up */
#define E1000_IMC 0x000d8       /* §10.2.4.5 Interrupt Mask Clear - IMC */
#define E1000_TCTL 0x00400      /* §10.2.6.1 Transmit Control - TCTL */
#define E1000_TCTL_EN (1u << 1)
#define E1000_TCTL_PSP (1u << 3)        /* pad short packets to 64 bytes */
#define E1000_TCTL_CT(x) ((uint32_t)(x) << 4)   /* collision threshold */
#define E1000_TCTL_COLD(x) ((uint32_t)(x) << 12) /* collision distance */
#define E1000_TDBAL 0x03800     /* §10.2.6.4 TX Descriptor Base Address Low */
#define E1000_TDBAH 0x03804     /* §10.2.6.5 TX Descriptor Base Address High */
#define E1000_TDLEN 0x03808     /* §10.2.6.6 TX Descriptor Length */
#define E1000_TDH 0x03810       /* §10.2.6.7 TX Descriptor Head */
#define E1000_TDT 0x03818       /* §10.2.6.8 TX Descriptor Tail */

/* §7.2.10.1 Legacy Transmit Descriptor Format (TDESC.DEXT = 0). */
struct e1000_legacy_tx_desc {
	uint64_t buffer_addr;
	uint16_t length;
	uint8_t cso;
	uint8_t cmd;
	uint8_t status;
	uint8_t css;
	uint16_t special;
};
_Static_assert(sizeof(struct e1000_legacy_tx_desc) == 16,
	       "a legacy TX descriptor is 16 bytes");
#define E1000_TXD_CMD_EOP 0x01  /* end of packet */
#define E1000_TXD_CMD_IFCS 0x02 /* insert FCS */
#define E1000_TXD_CMD_RS 0x08   /* report status: write back DD */
#define E1000_TXD_STA_DD 0x01   /* descriptor done */

/* TDLEN must be a multiple of 128 bytes: 8 legacy descriptors. */
#define TX_RING_ENTRIES 8
#define E1000_BAR0_MIN_SIZE (128u << 10)

/* Where things live in the mapped 2 MiB buffer. */
#define RING_OFFSET 0x0
#define FRAME_BEFORE_OFFSET 0x1000
#define FRAME_AFTER_OFFSET 0x2000

#define ETHERTYPE_LOCAL_EXPERIMENTAL 0x88b5 /* IEEE 802 local experimental 1 */
#define MIN_FRAME_LEN 60                    /* without FCS */

#define E1000E_VENDOR 0x8086
#define E1000E_DEVICE 0x10d3
#define VIRTIO_VENDOR 0x1af4
#define VIRTIO_NET_MODERN_DEVICE 0x1041

static const char *current_step = "start";

static void __attribute__((noreturn, format(printf, 4, 5)))
check_failed(int line, const char *cond, int err, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vfio_smoke: FAILED in step '%s' (line %d): %s: ",
		current_step, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (err != 0)
		fprintf(stderr, " (errno %d: %s)", err, strerror(err));
	fputc('\n', stderr);
	exit(1);
}

/* errno is sampled when the condition fails, before anything can clobber it. */
#define CHECK(cond, ...)                                                      \
	do {                                                                  \
		errno = 0;                                                    \
		if (!(cond))                                                  \
			check_failed(__LINE__, #cond, errno, __VA_ARGS__);    \
	} while (0)

static void step(const char *name)
{
	current_step = name;
	printf("vfio_smoke: step: %s\n", name);
	fflush(stdout);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* ---- sysfs ---------------------------------------------------------------- */

static unsigned int sysfs_hex(const char *bdf, const char *attr)
{
	char path[PATH_MAX];
	char buf[32] = "";
	unsigned long value;
	char *end;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, attr);
	f = fopen(path, "r");
	CHECK(f != NULL, "open %s", path);
	CHECK(fgets(buf, sizeof(buf), f) != NULL, "read %s", path);
	fclose(f);
	value = strtoul(buf, &end, 16);
	CHECK(end != buf, "%s holds '%s', not a hex number", path, buf);
	return (unsigned int)value;
}

static int iommu_group_of(const char *bdf)
{
	char path[PATH_MAX];
	char target[PATH_MAX];
	const char *name;
	ssize_t len;
	char *end;
	long id;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	len = readlink(path, target, sizeof(target) - 1);
	CHECK(len > 0, "readlink %s: is the IOMMU on (intel_iommu=on)?", path);
	target[len] = '\0';
	name = strrchr(target, '/');
	name = name != NULL ? name + 1 : target;
	id = strtol(name, &end, 10);
	CHECK(*name != '\0' && *end == '\0' && id >= 0 && id < INT_MAX,
	      "%s points at '%s', not a group number", path, target);
	return (int)id;
}

/* ---- container and IOMMU ---------------------------------------------------- */

struct iommu_facts {
	uint64_t iova_pgsizes;
	uint32_t nr_iova_ranges;
	struct vfio_iova_range iova_ranges[16];
	bool has_migration;
	uint64_t dirty_pgsizes;
	uint64_t max_dirty_bitmap_size;
	bool has_dma_avail;
	uint32_t dma_avail;
};

static int open_container(void)
{
	int fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	int api;

	CHECK(fd >= 0, "open /dev/vfio/vfio: is the vfio module loaded?");
	api = ioctl(fd, VFIO_GET_API_VERSION);
	CHECK(api == VFIO_API_VERSION, "API version %d, this program speaks %d",
	      api, VFIO_API_VERSION);
	CHECK(ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) == 1,
	      "no VFIO_TYPE1v2_IOMMU: is vfio_iommu_type1 loaded?");
	printf("vfio_smoke: container fd %d, API %d, TYPE1v2 supported\n", fd, api);
	return fd;
}

static void parse_iommu_cap(const struct vfio_info_cap_header *hdr, size_t room,
			    struct iommu_facts *facts)
{
	switch (hdr->id) {
	case VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE: {
		const struct vfio_iommu_type1_info_cap_iova_range *cap =
			(const void *)hdr;

		CHECK(room >= sizeof(*cap) &&
		      room - sizeof(*cap) >= cap->nr_iovas * sizeof(cap->iova_ranges[0]),
		      "IOVA range capability of %u ranges overruns the info buffer",
		      cap->nr_iovas);
		CHECK(cap->nr_iovas > 0 && cap->nr_iovas <= 16,
		      "%u IOVA ranges (expected 1..16)", cap->nr_iovas);
		facts->nr_iova_ranges = cap->nr_iovas;
		for (uint32_t i = 0; i < cap->nr_iovas; i++) {
			facts->iova_ranges[i] = cap->iova_ranges[i];
			printf("vfio_smoke:   IOVA range %u: 0x%" PRIx64 "-0x%" PRIx64 "\n", i,
			       (uint64_t)cap->iova_ranges[i].start,
			       (uint64_t)cap->iova_ranges[i].end);
		}
		break;
	}
	case VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION: {
		const struct vfio_iommu_type1_info_cap_migration *cap = (const void *)hdr;

		CHECK(room >= sizeof(*cap), "migration capability truncated");
		facts->has_migration = true;
		facts->dirty_pgsizes = cap->pgsize_bitmap;
		facts->max_dirty_bitmap_size = cap->max_dirty_bitmap_size;
		printf("vfio_smoke:   migration: flags 0x%x dirty page sizes 0x%" PRIx64
		       " max dirty bitmap %" PRIu64 " bytes\n", cap->flags,
		       (uint64_t)cap->pgsize_bitmap, (uint64_t)cap->max_dirty_bitmap_size);
		break;
	}
	case VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL: {
		const struct vfio_iommu_type1_info_dma_avail *cap = (const void *)hdr;

		CHECK(room >= sizeof(*cap), "DMA-available capability truncated");
		facts->has_dma_avail = true;
		facts->dma_avail = cap->avail;
		printf("vfio_smoke:   DMA mappings available: %u\n", cap->avail);
		break;
	}
	default:
		printf("vfio_smoke:   capability id %u version %u (not decoded)\n",
		       hdr->id, hdr->version);
	}
}

static void query_iommu(int container, struct iommu_facts *facts)
{
	struct vfio_iommu_type1_info probe = { .argsz = sizeof(probe) };
	struct vfio_iommu_type1_info *info;
	uint32_t offset;
	size_t size;
	int n = 0;

	memset(facts, 0, sizeof(*facts));
	CHECK(ioctl(container, VFIO_IOMMU_GET_INFO, &probe) == 0,
	      "VFIO_IOMMU_GET_INFO");
	CHECK(probe.flags & VFIO_IOMMU_INFO_PGSIZES, "no IOVA page sizes reported");
	CHECK(probe.iova_pgsizes & PAGE_SIZE_4K, "IOVA page sizes 0x%" PRIx64
	      " lack 4 KiB", (uint64_t)probe.iova_pgsizes);
	CHECK(probe.flags & VFIO_IOMMU_INFO_CAPS, "no capability chain");
	/* The first call tells how big the buffer with the chain must be. */
	CHECK(probe.argsz > sizeof(probe), "argsz %u leaves no room for capabilities",
	      probe.argsz);
	size = probe.argsz;
	info = calloc(1, size);
	CHECK(info != NULL, "calloc %zu", size);
	info->argsz = (uint32_t)size;
	CHECK(ioctl(container, VFIO_IOMMU_GET_INFO, info) == 0,
	      "VFIO_IOMMU_GET_INFO with %zu bytes", size);
	facts->iova_pgsizes = info->iova_pgsizes;
	printf("vfio_smoke: IOMMU info: flags 0x%x page sizes 0x%" PRIx64 " (%zu bytes)\n",
	       info->flags, (uint64_t)info->iova_pgsizes, size);
	for (offset = info->cap_offset; offset != 0; n++) {
		const struct vfio_info_cap_header *hdr;

		CHECK(n < MAX_CAPS, "capability chain longer than %d: a loop?", MAX_CAPS);
		CHECK(offset >= sizeof(*info) && offset <= size - sizeof(*hdr),
		      "capability offset %u outside the %zu-byte buffer", offset, size);
		hdr = (const void *)((const char *)info + offset);
		parse_iommu_cap(hdr, size - offset, facts);
		offset = hdr->next;
	}
	free(info);
}

static bool iova_usable(const struct iommu_facts *facts, uint64_t iova, uint64_t len)
{
	for (uint32_t i = 0; i < facts->nr_iova_ranges; i++)
		if (iova >= facts->iova_ranges[i].start &&
		    iova + len - 1 <= facts->iova_ranges[i].end)
			return true;
	return false;
}

static int open_group(int container, int group_id)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/dev/vfio/%d", group_id);
	fd = open(path, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0, "open %s: is the device bound to vfio-pci?", path);
	CHECK(ioctl(fd, VFIO_GROUP_GET_STATUS, &status) == 0, "VFIO_GROUP_GET_STATUS");
	CHECK(status.flags & VFIO_GROUP_FLAGS_VIABLE,
	      "group %d not viable: every device in it must be bound to vfio-pci",
	      group_id);
	CHECK(!(status.flags & VFIO_GROUP_FLAGS_CONTAINER_SET),
	      "group %d already in a container", group_id);
	CHECK(ioctl(fd, VFIO_GROUP_SET_CONTAINER, &container) == 0,
	      "VFIO_GROUP_SET_CONTAINER group %d", group_id);
	CHECK(ioctl(fd, VFIO_GROUP_GET_STATUS, &status) == 0, "VFIO_GROUP_GET_STATUS");
	CHECK(status.flags & VFIO_GROUP_FLAGS_CONTAINER_SET,
	      "group %d: container not recorded", group_id);
	printf("vfio_smoke: group %d viable, in the container\n", group_id);
	return fd;
}

static void dma_map(int container, void *va, size_t len)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)va,
		.iova = (uintptr_t)va,
		.size = len,
	};

	CHECK(ioctl(container, VFIO_IOMMU_MAP_DMA, &map) == 0,
	      "VFIO_IOMMU_MAP_DMA iova 0x%" PRIxPTR " size %zu", (uintptr_t)va, len);
}

static void dma_unmap(int container, void *va, size_t len)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = (uintptr_t)va,
		.size = len,
	};

	CHECK(ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap) == 0,
	      "VFIO_IOMMU_UNMAP_DMA iova 0x%" PRIxPTR " size %zu", (uintptr_t)va, len);
	CHECK(unmap.size == len, "unmapped %" PRIu64 " bytes of %zu",
	      (uint64_t)unmap.size, len);
}

/* ---- devices ------------------------------------------------------------------ */

struct nic {
	const char *name;
	const char *bdf;
	uint16_t vendor;
	uint16_t device;
	int group_fd;
	int fd;
	struct vfio_device_info info;
	struct vfio_region_info config;
	struct vfio_region_info bar[VFIO_PCI_BAR5_REGION_INDEX + 1];
};

static struct vfio_region_info region_info(const struct nic *nic, uint32_t index)
{
	struct vfio_region_info r = { .argsz = sizeof(r), .index = index };

	CHECK(ioctl(nic->fd, VFIO_DEVICE_GET_REGION_INFO, &r) == 0,
	      "%s: VFIO_DEVICE_GET_REGION_INFO index %u", nic->name, index);
	return r;
}

static uint32_t config_read(const struct nic *nic, uint32_t offset, size_t width)
{
	uint32_t value = 0;

	CHECK(pread(nic->fd, &value, width, (off_t)(nic->config.offset + offset)) ==
	      (ssize_t)width, "%s: config read of %zu bytes at 0x%x", nic->name, width,
	      offset);
	return value; /* PCI config space is little-endian, as is x86 */
}

static void config_write(const struct nic *nic, uint32_t offset, size_t width,
			 uint32_t value)
{
	CHECK(pwrite(nic->fd, &value, width, (off_t)(nic->config.offset + offset)) ==
	      (ssize_t)width, "%s: config write of %zu bytes at 0x%x", nic->name, width,
	      offset);
}

static void open_nic(struct nic *nic)
{
	unsigned int sys_vendor, sys_device;
	uint16_t vendor, device;

	nic->fd = ioctl(nic->group_fd, VFIO_GROUP_GET_DEVICE_FD, nic->bdf);
	CHECK(nic->fd >= 0, "%s: VFIO_GROUP_GET_DEVICE_FD %s", nic->name, nic->bdf);

	nic->info = (struct vfio_device_info){ .argsz = sizeof(nic->info) };
	CHECK(ioctl(nic->fd, VFIO_DEVICE_GET_INFO, &nic->info) == 0,
	      "%s: VFIO_DEVICE_GET_INFO", nic->name);
	CHECK(nic->info.flags & VFIO_DEVICE_FLAGS_PCI, "%s: not a PCI device (flags 0x%x)",
	      nic->name, nic->info.flags);
	CHECK(nic->info.num_regions > VFIO_PCI_CONFIG_REGION_INDEX,
	      "%s: %u regions, no config region", nic->name, nic->info.num_regions);
	printf("vfio_smoke: %s %s: device fd %d, flags 0x%x (reset %s), %u regions, %u irqs\n",
	       nic->name, nic->bdf, nic->fd, nic->info.flags,
	       nic->info.flags & VFIO_DEVICE_FLAGS_RESET ? "yes" : "no",
	       nic->info.num_regions, nic->info.num_irqs);

	nic->config = region_info(nic, VFIO_PCI_CONFIG_REGION_INDEX);
	CHECK(nic->config.size >= 256 &&
	      (nic->config.flags & VFIO_REGION_INFO_FLAG_READ) &&
	      (nic->config.flags & VFIO_REGION_INFO_FLAG_WRITE),
	      "%s: config region size %" PRIu64 " flags 0x%x", nic->name,
	      (uint64_t)nic->config.size, nic->config.flags);
	printf("vfio_smoke:   config: offset 0x%" PRIx64 " size %" PRIu64 "\n",
	       (uint64_t)nic->config.offset, (uint64_t)nic->config.size);
	for (uint32_t i = VFIO_PCI_BAR0_REGION_INDEX; i <= VFIO_PCI_BAR5_REGION_INDEX; i++) {
		nic->bar[i] = region_info(nic, i);
		if (nic->bar[i].size != 0)
			printf("vfio_smoke:   BAR%u: offset 0x%" PRIx64 " size %" PRIu64
			       " flags 0x%x%s\n", i, (uint64_t)nic->bar[i].offset,
			       (uint64_t)nic->bar[i].size, nic->bar[i].flags,
			       nic->bar[i].flags & VFIO_REGION_INFO_FLAG_MMAP ? " (mmap)" : "");
	}

	vendor = (uint16_t)config_read(nic, PCI_VENDOR_ID, 2);
	device = (uint16_t)config_read(nic, PCI_DEVICE_ID, 2);
	sys_vendor = sysfs_hex(nic->bdf, "vendor");
	sys_device = sysfs_hex(nic->bdf, "device");
	printf("vfio_smoke:   config space says %04x:%04x, sysfs %04x:%04x\n",
	       vendor, device, sys_vendor, sys_device);
	CHECK(vendor == sys_vendor && device == sys_device,
	      "%s: config region and sysfs disagree", nic->name);
	CHECK(vendor == nic->vendor && device == nic->device,
	      "%s: %04x:%04x is not the expected %04x:%04x", nic->name, vendor, device,
	      nic->vendor, nic->device);
}

/* ---- e1000e DMA proof ------------------------------------------------------- */

struct e1000e {
	volatile uint32_t *regs;
	size_t regs_len;
};

static uint32_t reg_read(const struct e1000e *e, uint32_t reg)
{
	return e->regs[reg / 4];
}

static void reg_write(const struct e1000e *e, uint32_t reg, uint32_t value)
{
	e->regs[reg / 4] = value;
}

static size_t build_frame(uint8_t *buf, const char *kind, const char *nonce)
{
	static const uint8_t dst[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t src[6] = { 0x02, 0x75, 0x70, 0x64, 0x6b, 0x01 };
	int payload;

	memset(buf, 0, 128);
	memcpy(buf, dst, sizeof(dst));
	memcpy(buf + 6, src, sizeof(src));
	buf[12] = ETHERTYPE_LOCAL_EXPERIMENTAL >> 8;
	buf[13] = ETHERTYPE_LOCAL_EXPERIMENTAL & 0xff;
	payload = snprintf((char *)buf + 14, 128 - 14, "UPDK-VM-SMOKE %s %s", kind, nonce);
	CHECK(payload > 0 && payload < 128 - 14, "frame payload does not fit");
	return 14 + (size_t)payload < MIN_FRAME_LEN ? MIN_FRAME_LEN : 14 + (size_t)payload;
}

/* Queue one legacy descriptor, ring the tail, wait for the write-back. */
static void transmit(const struct e1000e *e, volatile struct e1000_legacy_tx_desc *ring,
		     uint32_t *tail, uint64_t iova, size_t len, const char *what)
{
	volatile struct e1000_legacy_tx_desc *d = &ring[*tail];
	int64_t deadline;

	d->buffer_addr = iova;
	d->length = (uint16_t)len;
	d->cso = 0;
	d->cmd = E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS;
	d->status = 0;
	d->css = 0;
	d->special = 0;
	*tail = (*tail + 1) % TX_RING_ENTRIES;
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* descriptor before doorbell */
	reg_write(e, E1000_TDT, *tail);
	deadline = now_ns() + TX_TIMEOUT_NS;
	while (!(d->status & E1000_TXD_STA_DD) && now_ns() < deadline)
		;
	CHECK(d->status & E1000_TXD_STA_DD,
	      "%s: descriptor not written back within %lld ms (TDH %u TDT %u)", what,
	      TX_TIMEOUT_NS / 1000000, reg_read(e, E1000_TDH), reg_read(e, E1000_TDT));
	CHECK(reg_read(e, E1000_TDH) == *tail, "%s: TDH %u, expected %u", what,
	      reg_read(e, E1000_TDH), *tail);
	printf("vfio_smoke: e1000e: %s: %zu bytes from IOVA 0x%" PRIx64 " done (DD set)\n",
	       what, len, iova);
}

static void e1000e_dma_proof(struct nic *nic, int container, uint8_t *dma_buf,
			     const char *nonce)
{
	const struct vfio_region_info *bar0 = &nic->bar[VFIO_PCI_BAR0_REGION_INDEX];
	volatile struct e1000_legacy_tx_desc *ring;
	uint32_t command, tail = 0;
	struct e1000e e;
	uint8_t *blocked;
	int64_t deadline;
	void *map;
	size_t len;

	step("e1000e: bus master on through the config region");
	command = config_read(nic, PCI_COMMAND, 2);
	config_write(nic, PCI_COMMAND, 2, command | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	command = config_read(nic, PCI_COMMAND, 2);
	CHECK((command & (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)) ==
	      (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER),
	      "command register reads 0x%04x after setting memory + bus master", command);
	printf("vfio_smoke: e1000e: PCI command 0x%04x\n", command);

	step("e1000e: map BAR0");
	CHECK(bar0->size >= E1000_BAR0_MIN_SIZE && (bar0->flags & VFIO_REGION_INFO_FLAG_MMAP),
	      "BAR0 size %" PRIu64 " flags 0x%x: expected >= 128 KiB and mmap-able",
	      (uint64_t)bar0->size, bar0->flags);
	map = mmap(NULL, bar0->size, PROT_READ | PROT_WRITE, MAP_SHARED, nic->fd,
		   (off_t)bar0->offset);
	CHECK(map != MAP_FAILED, "mmap BAR0");
	e.regs = map;
	e.regs_len = bar0->size;

	step("e1000e: reset and set up the TX ring");
	reg_write(&e, E1000_IMC, 0xffffffffu); /* we poll; no interrupts */
	reg_write(&e, E1000_CTRL, reg_read(&e, E1000_CTRL) | E1000_CTRL_RST);
	deadline = now_ns() + TX_TIMEOUT_NS;
	while ((reg_read(&e, E1000_CTRL) & E1000_CTRL_RST) && now_ns() < deadline)
		;
	CHECK(!(reg_read(&e, E1000_CTRL) & E1000_CTRL_RST), "CTRL.RST did not clear");
	reg_write(&e, E1000_IMC, 0xffffffffu);
	reg_write(&e, E1000_CTRL, reg_read(&e, E1000_CTRL) | E1000_CTRL_SLU);
	deadline = now_ns() + TX_TIMEOUT_NS;
	while (!(reg_read(&e, E1000_STATUS) & E1000_STATUS_LU) && now_ns() < deadline)
		usleep(1000);
	CHECK(reg_read(&e, E1000_STATUS) & E1000_STATUS_LU, "no link (STATUS 0x%08x)",
	      reg_read(&e, E1000_STATUS));

	ring = (volatile struct e1000_legacy_tx_desc *)(void *)(dma_buf + RING_OFFSET);
	memset(dma_buf + RING_OFFSET, 0, TX_RING_ENTRIES * sizeof(*ring));
	reg_write(&e, E1000_TDBAL, (uint32_t)((uintptr_t)ring & 0xffffffffu));
	reg_write(&e, E1000_TDBAH, (uint32_t)((uint64_t)(uintptr_t)ring >> 32));
	reg_write(&e, E1000_TDLEN, TX_RING_ENTRIES * sizeof(*ring));
	reg_write(&e, E1000_TDH, 0);
	reg_write(&e, E1000_TDT, 0);
	reg_write(&e, E1000_TCTL, E1000_TCTL_EN | E1000_TCTL_PSP | E1000_TCTL_CT(0x0f) |
		  E1000_TCTL_COLD(0x3f));
	printf("vfio_smoke: e1000e: link up, ring of %d at IOVA %p, TCTL 0x%08x\n",
	       TX_RING_ENTRIES, (const void *)(dma_buf + RING_OFFSET),
	       reg_read(&e, E1000_TCTL));

	step("e1000e: transmit from mapped memory");
	len = build_frame(dma_buf + FRAME_BEFORE_OFFSET, "sent-before", nonce);
	transmit(&e, ring, &tail, (uintptr_t)(dma_buf + FRAME_BEFORE_OFFSET), len,
		 "sent-before");
	printf("SMOKE-SENT sent-before\n");

	step("e1000e: transmit from an unmapped IOVA (must be blocked)");
	blocked = mmap(NULL, PAGE_SIZE_4K, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	CHECK(blocked != MAP_FAILED, "mmap a page for the blocked frame");
	len = build_frame(blocked, "blocked", nonce);
	/* Mapped and unmapped again: the IOMMU must forget it, not just never
	 * have known it. */
	dma_map(container, blocked, PAGE_SIZE_4K);
	dma_unmap(container, blocked, PAGE_SIZE_4K);
	printf("SMOKE-BLOCKED-IOVA 0x%" PRIxPTR "\n", (uintptr_t)blocked);
	transmit(&e, ring, &tail, (uintptr_t)blocked, len, "blocked");

	step("e1000e: transmit from mapped memory after the fault");
	len = build_frame(dma_buf + FRAME_AFTER_OFFSET, "sent-after", nonce);
	transmit(&e, ring, &tail, (uintptr_t)(dma_buf + FRAME_AFTER_OFFSET), len,
		 "sent-after");
	printf("SMOKE-SENT sent-after\n");

	step("e1000e: stop");
	reg_write(&e, E1000_TCTL, 0);
	config_write(nic, PCI_COMMAND, 2, command & ~PCI_COMMAND_MASTER);
	CHECK(munmap(map, e.regs_len) == 0, "munmap BAR0");
	CHECK(munmap(blocked, PAGE_SIZE_4K) == 0, "munmap blocked page");
}

/* ---- main ----------------------------------------------------------------------- */

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [--e1000e BDF] [--virtio BDF] [--nonce HEX] [--no-dma]\n"
		"  BDFs default to $UPDK_VM_E1000E / $UPDK_VM_VIRTIO (set by the test guest).\n"
		"  --nonce tags the frames so the host can tell this run's from others.\n",
		prog);
}

static bool valid_nonce(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

int main(int argc, char **argv)
{
	struct nic nics[2] = {
		{ .name = "e1000e", .bdf = getenv("UPDK_VM_E1000E"),
		  .vendor = E1000E_VENDOR, .device = E1000E_DEVICE },
		{ .name = "virtio", .bdf = getenv("UPDK_VM_VIRTIO"),
		  .vendor = VIRTIO_VENDOR, .device = VIRTIO_NET_MODERN_DEVICE },
	};
	struct iommu_facts facts, after_map;
	const char *nonce = "0";
	bool dma_proof = true;
	uint8_t *dma_buf;
	int container;
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--e1000e") == 0 && i + 1 < argc) {
			nics[0].bdf = argv[++i];
		} else if (strcmp(argv[i], "--virtio") == 0 && i + 1 < argc) {
			nics[1].bdf = argv[++i];
		} else if (strcmp(argv[i], "--nonce") == 0 && i + 1 < argc) {
			nonce = argv[++i];
		} else if (strcmp(argv[i], "--no-dma") == 0) {
			dma_proof = false;
		} else {
			usage(argv[0]);
			return 2;
		}
	}
	if (nics[0].bdf == NULL || nics[1].bdf == NULL) {
		fprintf(stderr, "vfio_smoke: no BDF for the %s NIC: pass --%s or set $UPDK_VM_%s\n",
			nics[0].bdf == NULL ? "e1000e" : "virtio",
			nics[0].bdf == NULL ? "e1000e" : "virtio",
			nics[0].bdf == NULL ? "E1000E" : "VIRTIO");
		return 2;
	}
	if (!valid_nonce(nonce)) {
		fprintf(stderr, "vfio_smoke: --nonce '%s': expected 1-32 lower-case hex digits\n",
			nonce);
		return 2;
	}

	step("container");
	container = open_container();

	step("groups");
	for (i = 0; i < 2; i++) {
		int id = iommu_group_of(nics[i].bdf);

		printf("vfio_smoke: %s %s is in IOMMU group %d\n", nics[i].name, nics[i].bdf, id);
		nics[i].group_fd = open_group(container, id);
		if (i == 0) {
			/* The IOMMU model is chosen once, after the first group. */
			CHECK(ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) == 0,
			      "VFIO_SET_IOMMU TYPE1v2");
		}
	}

	step("IOMMU info");
	query_iommu(container, &facts);
	CHECK(facts.nr_iova_ranges > 0, "no IOVA range capability");
	CHECK(facts.has_dma_avail && facts.dma_avail > 0, "no DMA mappings available");

	step("devices");
	for (i = 0; i < 2; i++)
		open_nic(&nics[i]);
	CHECK(nics[1].info.flags & VFIO_DEVICE_FLAGS_RESET,
	      "virtio behind a PCIe root port should offer a reset (FLR)");
	CHECK(ioctl(nics[1].fd, VFIO_DEVICE_RESET) == 0, "virtio: VFIO_DEVICE_RESET");
	printf("vfio_smoke: virtio: VFIO_DEVICE_RESET done\n");

	step("DMA map 2 MiB at IOVA = VA");
	dma_buf = mmap(NULL, DMA_BUFFER_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	CHECK(dma_buf != MAP_FAILED, "mmap %u bytes", DMA_BUFFER_SIZE);
	CHECK(iova_usable(&facts, (uintptr_t)dma_buf, DMA_BUFFER_SIZE),
	      "VA %p is outside every IOVA range: IOVA = VA cannot work here",
	      (void *)dma_buf);
	dma_map(container, dma_buf, DMA_BUFFER_SIZE);
	query_iommu(container, &after_map);
	CHECK(after_map.dma_avail == facts.dma_avail - 1,
	      "DMA mappings available %u after one map, expected %u", after_map.dma_avail,
	      facts.dma_avail - 1);
	{
		struct vfio_iommu_type1_dma_map again = {
			.argsz = sizeof(again),
			.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
			.vaddr = (uintptr_t)dma_buf,
			.iova = (uintptr_t)dma_buf,
			.size = DMA_BUFFER_SIZE,
		};
		int rc = ioctl(container, VFIO_IOMMU_MAP_DMA, &again);
		int err = errno;

		CHECK(rc == -1 && err == EEXIST,
		      "mapping the same IOVA twice returned %d (%s), expected EEXIST", rc,
		      rc == -1 ? strerror(err) : "success");
	}
	printf("vfio_smoke: mapped %u bytes at IOVA %p\n", DMA_BUFFER_SIZE, (void *)dma_buf);

	if (dma_proof)
		e1000e_dma_proof(&nics[0], container, dma_buf, nonce);

	step("DMA unmap");
	dma_unmap(container, dma_buf, DMA_BUFFER_SIZE);
	query_iommu(container, &after_map);
	CHECK(after_map.dma_avail == facts.dma_avail,
	      "DMA mappings available %u after unmap, expected %u", after_map.dma_avail,
	      facts.dma_avail);
	CHECK(munmap(dma_buf, DMA_BUFFER_SIZE) == 0, "munmap");

	step("close");
	for (i = 0; i < 2; i++) {
		CHECK(close(nics[i].fd) == 0, "close %s device", nics[i].name);
		CHECK(close(nics[i].group_fd) == 0, "close %s group", nics[i].name);
	}
	CHECK(close(container) == 0, "close container");
	printf("SMOKE-OK\n");
	return 0;
}
