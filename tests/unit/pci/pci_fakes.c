/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test doubles for the PCI bus tests; see pci_fakes.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "pci_fakes.h"

/* Test set-up failures abort: a half-built fixture would only produce
 * misleading failures later. */
static void fixture_fail(const char *what)
{
	fprintf(stderr, "test fixture: %s: %s\n", what, strerror(errno));
	abort();
}

/* ---- fake sysfs ----------------------------------------------------------- */

static void mkdirs(const char *path)
{
	char tmp[PATH_MAX];
	char *p;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (p = tmp + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			fixture_fail(tmp);
		*p = '/';
	}
	if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
		fixture_fail(tmp);
}

static void write_file(const char *path, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void write_file(const char *path, const char *fmt, ...)
{
	va_list ap;
	FILE *f = fopen(path, "w");

	if (f == NULL)
		fixture_fail(path);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

static void symlink_or_die(const char *target, const char *path)
{
	if (symlink(target, path) < 0)
		fixture_fail(path);
}

const char *fake_sysfs_create(void)
{
	static char root[PATH_MAX];
	char path[PATH_MAX + 64];

	snprintf(root, sizeof(root), "/tmp/updk-pci-sysfs.XXXXXX");
	if (mkdtemp(root) == NULL)
		fixture_fail("mkdtemp");
	snprintf(path, sizeof(path), "%s/bus/pci/devices", root);
	mkdirs(path);
	snprintf(path, sizeof(path), "%s/bus/pci/drivers/vfio-pci", root);
	mkdirs(path);
	snprintf(path, sizeof(path), "%s/bus/pci/drivers/vfio-pci/unbind", root);
	write_file(path, "%s", "");
	snprintf(path, sizeof(path), "%s/bus/pci/drivers_probe", root);
	write_file(path, "%s", "");
	snprintf(path, sizeof(path), "%s/devices/pci0000:00", root);
	mkdirs(path);
	return root;
}

void fake_sysfs_add(const char *root, const struct fake_sysfs_dev *d)
{
	char dir[PATH_MAX], path[PATH_MAX + 64], target[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/devices/pci0000:00/%s", root, d->bdf);
	mkdirs(dir);
	/* As in the kernel's sysfs, bus/pci/devices holds links. */
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s", root, d->bdf);
	snprintf(target, sizeof(target), "../../../devices/pci0000:00/%s", d->bdf);
	symlink_or_die(target, path);

	snprintf(path, sizeof(path), "%s/vendor", dir);
	write_file(path, "0x%04x\n", d->vendor);
	snprintf(path, sizeof(path), "%s/device", dir);
	write_file(path, "0x%04x\n", d->device);
	snprintf(path, sizeof(path), "%s/subsystem_vendor", dir);
	write_file(path, "0x%04x\n", d->subsystem_vendor);
	snprintf(path, sizeof(path), "%s/subsystem_device", dir);
	write_file(path, "0x%04x\n", d->subsystem_device);
	snprintf(path, sizeof(path), "%s/class", dir);
	write_file(path, "0x%06x\n", d->class_id);
	snprintf(path, sizeof(path), "%s/revision", dir);
	write_file(path, "0x01\n");
	snprintf(path, sizeof(path), "%s/numa_node", dir);
	write_file(path, "%d\n", d->numa_node);
	snprintf(path, sizeof(path), "%s/driver_override", dir);
	write_file(path, "(null)\n");

	if (d->driver != NULL) {
		snprintf(path, sizeof(path), "%s/bus/pci/drivers/%s", root, d->driver);
		mkdirs(path);
		snprintf(path, sizeof(path), "%s/bus/pci/drivers/%s/unbind", root, d->driver);
		write_file(path, "%s", "");
		snprintf(path, sizeof(path), "%s/driver", dir);
		snprintf(target, sizeof(target), "../../../bus/pci/drivers/%s", d->driver);
		symlink_or_die(target, path);
	}
	if (d->iommu_group >= 0) {
		snprintf(path, sizeof(path), "%s/kernel/iommu_groups/%d/devices", root,
			 d->iommu_group);
		mkdirs(path);
		snprintf(path, sizeof(path), "%s/iommu_group", dir);
		snprintf(target, sizeof(target), "../../../kernel/iommu_groups/%d",
			 d->iommu_group);
		symlink_or_die(target, path);
	}
	if (d->netdev != NULL) {
		snprintf(path, sizeof(path), "%s/net/%s", dir, d->netdev);
		mkdirs(path);
		snprintf(path, sizeof(path), "%s/net/%s/flags", dir, d->netdev);
		/* IFF_UP is bit 0; 0x1002 is what a down Ethernet port shows. */
		write_file(path, "%s\n", d->netdev_up ? "0x1003" : "0x1002");
	}
}

static int rm_tree(const char *path)
{
	char cmd[PATH_MAX + 16];

	/* Only ever our own mkdtemp() directory. */
	if (strncmp(path, "/tmp/updk-pci-sysfs.", 20) != 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	return system(cmd);
}

void fake_sysfs_destroy(const char *root)
{
	if (root != NULL)
		(void)rm_tree(root);
}

void fake_sysfs_read(const char *root, const char *rel, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fd = open(path, O_RDONLY);
	if (fd >= 0) {
		n = read(fd, buf, len - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
}

/* ---- fake VFIO device -------------------------------------------------------- */

static struct fake_device *fake_of(struct vfio_device *d)
{
	return eal_container_of(d, struct fake_device, vdev);
}

static int fake_get_info(struct vfio_device *d, struct vfio_cont_device_info *info)
{
	*info = d->info;
	return 0;
}

static int fake_get_region_info(struct vfio_device *d, uint32_t index,
				struct vfio_region *r)
{
	struct fake_device *f = fake_of(d);

	memset(r, 0, sizeof(*r));
	r->index = index;
	r->fd = -1;
	if (index == VFIO_PCI_CONFIG_REGION_INDEX) {
		r->size = f->config_size;
		r->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
		return 0;
	}
	if (index >= VFIO_PCI_BAR0_REGION_INDEX + PCI_MAX_BARS)
		return 0;
	r->size = f->bars[index].size;
	if (r->size == 0)
		return 0;
	r->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
	if (f->bars[index].mmap) {
		r->flags |= VFIO_REGION_INFO_FLAG_MMAP;
		r->fd = f->bars[index].memfd;
		memcpy(r->areas, f->bars[index].areas, sizeof(r->areas));
		r->nb_areas = f->bars[index].nb_areas;
	}
	return 0;
}

static ssize_t fake_region_read(struct vfio_device *d, uint32_t index, uint64_t off,
				void *buf, size_t len)
{
	struct fake_device *f = fake_of(d);

	f->region_reads++;
	if (f->gone)
		return -ENOTCONN;
	if (index == VFIO_PCI_CONFIG_REGION_INDEX) {
		if (off > f->config_size || len > f->config_size - off)
			return -EINVAL;
		memcpy(buf, f->config + off, len);
		return (ssize_t)len;
	}
	if (index >= PCI_MAX_BARS || f->bars[index].size == 0)
		return -EINVAL;
	return pread(f->bars[index].memfd, buf, len, (off_t)off) < 0 ? -errno :
								      (ssize_t)len;
}

static ssize_t fake_region_write(struct vfio_device *d, uint32_t index, uint64_t off,
				 const void *buf, size_t len, bool posted)
{
	struct fake_device *f = fake_of(d);

	(void)posted;
	f->region_writes++;
	if (f->gone)
		return -ENOTCONN;
	if (index == VFIO_PCI_CONFIG_REGION_INDEX) {
		if (off > f->config_size || len > f->config_size - off)
			return -EINVAL;
		memcpy(f->config + off, buf, len);
		return (ssize_t)len;
	}
	if (index >= PCI_MAX_BARS || f->bars[index].size == 0)
		return -EINVAL;
	if (pwrite(f->bars[index].memfd, buf, len, (off_t)off) < 0)
		return -errno;
	if (f->bar_write_hook != NULL)
		f->bar_write_hook(f, index, off, buf, len);
	return (ssize_t)len;
}

static void *fake_region_mmap(struct vfio_device *d, const struct vfio_region *r,
			      uint64_t offset, size_t len)
{
	struct fake_device *f = fake_of(d);
	void *m;

	if (r->index >= PCI_MAX_BARS || !f->bars[r->index].mmap) {
		errno = EINVAL;
		return NULL;
	}
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, f->bars[r->index].memfd,
		 (off_t)offset);
	if (m == MAP_FAILED)
		return NULL;
	f->mmaps++;
	return m;
}

static int fake_get_irq_info(struct vfio_device *d, uint32_t index,
			     struct vfio_cont_irq_info *info)
{
	struct fake_device *f = fake_of(d);

	memset(info, 0, sizeof(*info));
	info->index = index;
	if (index == VFIO_PCI_MSIX_IRQ_INDEX && f->msix_irq_count > 0) {
		info->count = f->msix_irq_count;
		info->flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE;
	}
	return 0;
}

static int fake_set_irqs(struct vfio_device *d, uint32_t index, uint32_t start,
			 uint32_t count, uint32_t flags, const int *fds)
{
	struct fake_device *f = fake_of(d);

	f->set_irqs_calls++;
	if (f->fail_set_irqs < 0)
		return f->fail_set_irqs;
	f->irq_index = index;
	f->irq_start = start;
	f->irq_count = count;
	f->irq_flags = flags;
	if ((flags & VFIO_IRQ_SET_DATA_EVENTFD) && fds != NULL && count <= 64)
		memcpy(f->irq_fds, fds, count * sizeof(*fds));
	return 0;
}

static int fake_reset(struct vfio_device *d)
{
	fake_of(d)->reset_calls++;
	return 0;
}

static int fake_feature(struct vfio_device *d, uint32_t flags, void *data, size_t len)
{
	(void)d;
	(void)flags;
	(void)data;
	(void)len;
	return -ENOTTY;
}

static int fake_poll_events(struct vfio_device *d)
{
	return fake_of(d)->gone ? -ENOTCONN : 0;
}

/* The fake PCI device has no migration, as most NICs: every migration op
 * answers as such a device does. */
static int fake_migration_get_flags(struct vfio_device *d, uint64_t *flags)
{
	(void)d;
	(void)flags;
	return -ENOTSUP;
}

static int fake_migration_get_state(struct vfio_device *d, uint32_t *state)
{
	(void)d;
	(void)state;
	return -ENOTSUP;
}

static int fake_migration_set_state(struct vfio_device *d, uint32_t state)
{
	(void)d;
	(void)state;
	return -ENOTSUP;
}

static ssize_t fake_migration_data_read(struct vfio_device *d, void *buf, size_t len)
{
	(void)d;
	(void)buf;
	(void)len;
	return -ENOTSUP;
}

static ssize_t fake_migration_data_write(struct vfio_device *d, const void *buf, size_t len)
{
	(void)d;
	(void)buf;
	(void)len;
	return -ENOTSUP;
}

static const struct vfio_device_ops fake_device_ops = {
	.get_info = fake_get_info,
	.get_region_info = fake_get_region_info,
	.region_read = fake_region_read,
	.region_write = fake_region_write,
	.region_mmap = fake_region_mmap,
	.get_irq_info = fake_get_irq_info,
	.set_irqs = fake_set_irqs,
	.reset = fake_reset,
	.feature = fake_feature,
	.poll_events = fake_poll_events,
	.migration_get_flags = fake_migration_get_flags,
	.migration_get_state = fake_migration_get_state,
	.migration_set_state = fake_migration_set_state,
	.migration_data_read = fake_migration_data_read,
	.migration_data_write = fake_migration_data_write,
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

void fake_device_init(struct fake_device *f, const char *name, uint16_t vendor,
		      uint16_t device, uint64_t config_size)
{
	unsigned i;

	memset(f, 0, sizeof(*f));
	f->vdev.ops = &fake_device_ops;
	snprintf(f->vdev.name, sizeof(f->vdev.name), "%s", name);
	f->vdev.info.flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
	f->vdev.info.num_regions = VFIO_PCI_NUM_REGIONS;
	f->vdev.info.num_irqs = VFIO_PCI_NUM_IRQS;
	f->config_size = config_size;
	put16(f->config + PCI_VENDOR_ID, vendor);
	put16(f->config + PCI_DEVICE_ID, device);
	f->config[PCI_REVISION_ID] = 0x03;
	f->config[PCI_CLASS_PROG] = 0x00;
	put16(f->config + PCI_CLASS_DEVICE, 0x0200); /* Ethernet */
	f->config[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_NORMAL;
	put16(f->config + PCI_SUBSYSTEM_VENDOR_ID, vendor);
	put16(f->config + PCI_SUBSYSTEM_ID, 0x1100);
	put16(f->config + PCI_COMMAND, PCI_COMMAND_MEMORY);
	for (i = 0; i < PCI_MAX_BARS; i++)
		f->bars[i].memfd = -1;
}

void fake_device_fini(struct fake_device *f)
{
	unsigned i;

	for (i = 0; i < PCI_MAX_BARS; i++) {
		if (f->bars[i].memfd >= 0)
			close(f->bars[i].memfd);
		f->bars[i].memfd = -1;
	}
}

void fake_add_cap(struct fake_device *f, uint8_t at, uint8_t id, const void *body,
		  size_t len)
{
	f->config[at] = id;
	f->config[at + 1] = 0;
	if (len > 0)
		memcpy(f->config + at + 2, body, len);
	if (f->last_std_cap == 0) {
		f->config[PCI_CAPABILITY_LIST] = at;
		put16(f->config + PCI_STATUS, PCI_STATUS_CAP_LIST);
	} else {
		f->config[f->last_std_cap + 1] = at;
	}
	f->last_std_cap = at;
}

void fake_add_ext_cap(struct fake_device *f, uint16_t at, uint16_t id)
{
	put32(f->config + at, (uint32_t)id | 1u << 16);
	if (f->last_ext_cap != 0) {
		uint32_t prev = (uint32_t)f->config[f->last_ext_cap] |
				(uint32_t)f->config[f->last_ext_cap + 1] << 8 |
				(uint32_t)f->config[f->last_ext_cap + 2] << 16;

		put32(f->config + f->last_ext_cap, prev | (uint32_t)at << 20);
	}
	f->last_ext_cap = at;
}

void fake_add_msix(struct fake_device *f, uint8_t at, uint16_t vectors, uint8_t bir,
		   uint32_t table_off, uint8_t pba_bir, uint32_t pba_off)
{
	uint8_t body[10];

	put16(body, (uint16_t)(vectors - 1));
	put32(body + 2, table_off | bir);
	put32(body + 6, pba_off | pba_bir);
	fake_add_cap(f, at, PCI_CAP_ID_MSIX, body, sizeof(body));
	f->msix_irq_count = vectors;
}

static void bar_backing(struct fake_device *f, unsigned idx, uint64_t size)
{
	char name[32];

	snprintf(name, sizeof(name), "fake-bar%u", idx);
	f->bars[idx].memfd = memfd_create(name, MFD_CLOEXEC);
	if (f->bars[idx].memfd < 0 || ftruncate(f->bars[idx].memfd, (off_t)size) < 0)
		fixture_fail("memfd for a fake BAR");
	f->bars[idx].size = size;
}

void fake_set_bar(struct fake_device *f, unsigned idx, uint64_t size, bool is64,
		  bool mmap_ok, const struct vfio_mmap_area *areas, unsigned nb_areas)
{
	uint32_t reg = PCI_BASE_ADDRESS_SPACE_MEMORY |
		       (is64 ? PCI_BASE_ADDRESS_MEM_TYPE_64 : PCI_BASE_ADDRESS_MEM_TYPE_32);

	bar_backing(f, idx, size);
	f->bars[idx].mmap = mmap_ok;
	f->bars[idx].nb_areas = nb_areas;
	if (nb_areas > 0)
		memcpy(f->bars[idx].areas, areas, nb_areas * sizeof(*areas));
	f->bars[idx].reg = reg;
	/* An address the "firmware" assigned; the type bits are what counts. */
	put32(f->config + PCI_BASE_ADDRESS_0 + 4 * idx, 0xfe000000u | reg);
	if (is64)
		put32(f->config + PCI_BASE_ADDRESS_0 + 4 * (idx + 1), 0);
}

void fake_set_io_bar(struct fake_device *f, unsigned idx, uint64_t size)
{
	bar_backing(f, idx, size);
	f->bars[idx].reg = PCI_BASE_ADDRESS_SPACE_IO;
	put32(f->config + PCI_BASE_ADDRESS_0 + 4 * idx, 0xc000u | PCI_BASE_ADDRESS_SPACE_IO);
}

void fake_bar_peek(struct fake_device *f, unsigned idx, uint64_t off, void *buf,
		   size_t len)
{
	if (pread(f->bars[idx].memfd, buf, len, (off_t)off) != (ssize_t)len)
		fixture_fail("fake BAR peek");
}

void fake_bar_poke(struct fake_device *f, unsigned idx, uint64_t off, const void *buf,
		   size_t len)
{
	if (pwrite(f->bars[idx].memfd, buf, len, (off_t)off) != (ssize_t)len)
		fixture_fail("fake BAR poke");
}

/* ---- fake container backend ------------------------------------------------- */

struct fake_backend_state fake_backend;

static const struct vfio_container_ops fake_container_ops = {
	.name = "fake",
};

static int fake_mode_resolve(enum eal_vfio_mode mode)
{
	if (fake_backend.fail_resolve < 0)
		return fake_backend.fail_resolve;
	return mode == EAL_VFIO_AUTO ? EAL_VFIO_TYPE1 : (int)mode;
}

static struct vfio_container *fake_create(enum eal_vfio_mode mode, const char *target)
{
	struct vfio_container *c;

	if (fake_backend.fail_create != 0) {
		errno = fake_backend.fail_create;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->ops = &fake_container_ops;
	c->mode = mode;
	fake_backend.creates++;
	fake_backend.live_containers++;
	fake_backend.last_mode = mode;
	snprintf(fake_backend.last_target, sizeof(fake_backend.last_target), "%s",
		 target != NULL ? target : "(null)");
	return c;
}

static int fake_attach(struct vfio_container *c, const char *name,
		       struct vfio_device **dev)
{
	unsigned i;

	if (fake_backend.fail_attach < 0)
		return fake_backend.fail_attach;
	for (i = 0; i < fake_backend.nb_devices; i++) {
		if (strcmp(fake_backend.names[i], name) == 0) {
			struct fake_device *f = fake_backend.devices[i];

			f->vdev.container = c;
			f->detached = false;
			*dev = &f->vdev;
			fake_backend.attaches++;
			return 0;
		}
	}
	return -ENODEV;
}

static void fake_detach(struct vfio_container *c, struct vfio_device *dev)
{
	(void)c;
	fake_of(dev)->detached = true;
	dev->container = NULL;
	fake_backend.detaches++;
}

static void fake_destroy(struct vfio_container *c)
{
	fake_backend.destroys++;
	fake_backend.live_containers--;
	free(c);
}

const struct pci_container_backend fake_container_backend = {
	.mode_resolve = fake_mode_resolve,
	.create = fake_create,
	.attach = fake_attach,
	.detach = fake_detach,
	.destroy = fake_destroy,
};

void fake_backend_install(void)
{
	memset(&fake_backend, 0, sizeof(fake_backend));
	pci_bus_set_backend(&fake_container_backend);
}

void fake_backend_add(const char *name, struct fake_device *dev)
{
	if (fake_backend.nb_devices >= FAKE_MAX_DEVICES)
		abort();
	fake_backend.names[fake_backend.nb_devices] = name;
	fake_backend.devices[fake_backend.nb_devices++] = dev;
}

/* ---- log capture -------------------------------------------------------------- */

static FILE *capture_stream;
static char *capture_buf;
static size_t capture_len;

void log_capture_begin(void)
{
	free(capture_buf);
	capture_buf = NULL;
	capture_len = 0;
	capture_stream = open_memstream(&capture_buf, &capture_len);
	if (capture_stream == NULL)
		fixture_fail("open_memstream");
	eal_log_set_stream(capture_stream);
}

const char *log_capture_end(void)
{
	eal_log_set_stream(NULL);
	if (capture_stream != NULL) {
		fclose(capture_stream);
		capture_stream = NULL;
	}
	/* Echo it, so a failing test's output shows what was logged. */
	if (capture_buf != NULL)
		fputs(capture_buf, stderr);
	return capture_buf != NULL ? capture_buf : "";
}
