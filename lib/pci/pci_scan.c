/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Finding PCI devices: the sysfs scan, the -a selection, and the messages
 * that tell a user how to hand a device to vfio-pci.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pci_private.h"

const char *pci_sysfs_root(void)
{
	const char *root = getenv("UPDK_SYSFS_ROOT");

	return root != NULL && root[0] != '\0' ? root : "/sys";
}

struct pci_device *pci_device_alloc(void)
{
	struct pci_device *dev = calloc(1, sizeof(*dev));

	if (dev == NULL)
		return NULL;
	dev->numa_node = -1;
	dev->iommu_group = -1;
	return dev;
}

void pci_device_list_free(struct pci_device *list)
{
	while (list != NULL) {
		struct pci_device *next = list->next;

		free(list);
		list = next;
	}
}

void pci_addr_format(const struct pci_addr *addr, char *buf, size_t size)
{
	snprintf(buf, size, "%04x:%02x:%02x.%x", addr->domain, addr->bus,
		 addr->devid, addr->function);
}

/* "DDDD:BB:DD.F" exactly as sysfs names it (lower-case hex). */
static int parse_sysfs_bdf(const char *name, struct pci_addr *addr)
{
	char canon[13];
	unsigned domain, bus, devid, function;

	if (eal_pci_addr_parse(name, canon) < 0 || strcmp(canon, name) != 0)
		return -EINVAL;
	if (sscanf(canon, "%x:%x:%x.%x", &domain, &bus, &devid, &function) != 4)
		return -EINVAL;
	addr->domain = domain;
	addr->bus = (uint8_t)bus;
	addr->devid = (uint8_t)devid;
	addr->function = (uint8_t)function;
	return 0;
}

/* One line of "<dir>/<file>" into @buf, newline cut. @return 0 or -errno. */
static int read_attr(const char *dir, const char *file, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* A sysfs number ("0x8086", "-1", "3") no larger than @max. */
static int read_number(const char *dir, const char *file, long long min,
		       long long max, long long *out)
{
	char buf[64], *end;
	long long v;
	int rc;

	rc = read_attr(dir, file, buf, sizeof(buf));
	if (rc < 0)
		return rc;
	errno = 0;
	v = strtoll(buf, &end, 0);
	if (errno != 0 || end == buf || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Last component of the symlink "<dir>/<link>" into @out ("" if absent). */
static void read_link_name(const char *dir, const char *link, char *out, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	out[0] = '\0';
	if (snprintf(path, sizeof(path), "%s/%s", dir, link) >= (int)sizeof(path))
		return;
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base != NULL ? base + 1 : target;
	n = (ssize_t)strlen(base);
	/* Driver and group names are short; a longer one would be a fake. */
	if ((size_t)n >= len)
		return;
	memcpy(out, base, (size_t)n + 1);
}

struct pci_device *pci_sysfs_read_device(const char *root, const char *bdf)
{
	char dir[PATH_MAX], group[NAME_MAX + 1];
	struct pci_device *dev;
	long long v;
	char *end;
	int rc;

	if (root == NULL || bdf == NULL) {
		errno = EINVAL;
		return NULL;
	}
	dev = pci_device_alloc();
	if (dev == NULL)
		return NULL;
	if (parse_sysfs_bdf(bdf, &dev->addr) < 0) {
		free(dev);
		errno = EINVAL;
		return NULL;
	}
	snprintf(dev->name, sizeof(dev->name), "%s", bdf);
	dev->kind = PCI_DEVICE_KERNEL;
	if (snprintf(dir, sizeof(dir), "%s/bus/pci/devices/%s", root, bdf) >= (int)sizeof(dir)) {
		free(dev);
		errno = ENAMETOOLONG;
		return NULL;
	}
	if (access(dir, F_OK) < 0) {
		free(dev);
		errno = ENOENT;
		return NULL;
	}

	/* Without vendor and device the record cannot be matched to anything. */
	rc = read_number(dir, "vendor", 0, 0xffff, &v);
	if (rc == 0)
		dev->vendor_id = (uint16_t)v;
	if (rc == 0)
		rc = read_number(dir, "device", 0, 0xffff, &v);
	if (rc < 0) {
		PCI_LOG(WARNING, "%s: cannot read its vendor/device ids (%s/vendor, %s/device): %s; device ignored",
			bdf, dir, dir, strerror(-rc));
		free(dev);
		errno = EIO;
		return NULL;
	}
	dev->device_id = (uint16_t)v;

	/* The rest is informative: absent or odd values keep their defaults. */
	if (read_number(dir, "subsystem_vendor", 0, 0xffff, &v) == 0)
		dev->subsystem_vendor_id = (uint16_t)v;
	if (read_number(dir, "subsystem_device", 0, 0xffff, &v) == 0)
		dev->subsystem_device_id = (uint16_t)v;
	if (read_number(dir, "class", 0, 0xffffff, &v) == 0)
		dev->class_id = (uint32_t)v;
	if (read_number(dir, "revision", 0, 0xff, &v) == 0)
		dev->revision = (uint8_t)v;
	if (read_number(dir, "numa_node", -1, INT_MAX, &v) == 0)
		dev->numa_node = (int)v;
	read_link_name(dir, "driver", dev->kernel_driver, sizeof(dev->kernel_driver));
	read_link_name(dir, "iommu_group", group, sizeof(group));
	if (group[0] != '\0') {
		errno = 0;
		v = strtoll(group, &end, 10);
		if (errno == 0 && *end == '\0' && v >= 0 && v <= INT_MAX)
			dev->iommu_group = (int)v;
	}
	return dev;
}

static int addr_cmp(const struct pci_addr *a, const struct pci_addr *b)
{
	if (a->domain != b->domain)
		return a->domain < b->domain ? -1 : 1;
	if (a->bus != b->bus)
		return a->bus < b->bus ? -1 : 1;
	if (a->devid != b->devid)
		return a->devid < b->devid ? -1 : 1;
	if (a->function != b->function)
		return a->function < b->function ? -1 : 1;
	return 0;
}

/* Insert @dev into the address-sorted chain @list. */
static void insert_sorted(struct pci_device **list, struct pci_device *dev)
{
	struct pci_device **pos = list;

	while (*pos != NULL && addr_cmp(&(*pos)->addr, &dev->addr) < 0)
		pos = &(*pos)->next;
	dev->next = *pos;
	*pos = dev;
}

int pci_sysfs_scan(const char *root, struct pci_device **list)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct pci_addr addr;
	int count = 0;
	DIR *dir;

	*list = NULL;
	if (snprintf(path, sizeof(path), "%s/bus/pci/devices", root) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	dir = opendir(path);
	if (dir == NULL) {
		int err = -errno;

		PCI_LOG(ERR, "cannot list PCI devices in %s: %s (is sysfs mounted on %s?)",
			path, strerror(errno), root);
		return err;
	}
	while ((de = readdir(dir)) != NULL) {
		struct pci_device *dev;

		if (de->d_name[0] == '.' || parse_sysfs_bdf(de->d_name, &addr) < 0)
			continue;
		dev = pci_sysfs_read_device(root, de->d_name);
		if (dev == NULL) {
			if (errno == ENOMEM) {
				closedir(dir);
				pci_device_list_free(*list);
				*list = NULL;
				return -ENOMEM;
			}
			continue;
		}
		insert_sorted(list, dev);
		count++;
	}
	closedir(dir);
	return count;
}

bool pci_driver_is_vfio(const char *kernel_driver)
{
	static const char suffix[] = "_vfio_pci";
	size_t len = strlen(kernel_driver);

	if (strcmp(kernel_driver, "vfio-pci") == 0)
		return true;
	/* Variant drivers (mlx5_vfio_pci, hisi_acc_vfio_pci) offer the same
	 * VFIO device interface. */
	return len > sizeof(suffix) - 1 &&
	       strcmp(kernel_driver + len - (sizeof(suffix) - 1), suffix) == 0;
}

void pci_log_not_vfio(const struct pci_device *dev)
{
	const char *bdf = dev->name;
	char iommu_note[256] = "";

	if (dev->iommu_group < 0)
		snprintf(iommu_note, sizeof(iommu_note),
			 "\nIt has no IOMMU group either: the IOMMU is off. Boot with intel_iommu=on (or amd_iommu=on), or accept no DMA protection with --vfio-mode=noiommu (vfio.enable_unsafe_noiommu_mode=1).");
	if (dev->kernel_driver[0] == '\0')
		PCI_LOG(ERR,
			"device %s (%04x:%04x) named with -a is not bound to any driver; updk needs it bound to vfio-pci. Bind it with:\n"
			"    %s --bind vfio-pci %s\n"
			"or by hand:\n"
			"    modprobe vfio-pci\n"
			"    echo vfio-pci > /sys/bus/pci/devices/%s/driver_override\n"
			"    echo %s > /sys/bus/pci/drivers_probe%s",
			bdf, dev->vendor_id, dev->device_id, PCI_DEVBIND_TOOL, bdf,
			bdf, bdf, iommu_note);
	else
		PCI_LOG(ERR,
			"device %s (%04x:%04x) named with -a is bound to the kernel driver '%s', not vfio-pci: updk cannot use it while '%s' owns it. Rebind it with:\n"
			"    %s --bind vfio-pci %s\n"
			"or by hand (take its network interface down first):\n"
			"    modprobe vfio-pci\n"
			"    echo vfio-pci > /sys/bus/pci/devices/%s/driver_override\n"
			"    echo %s > /sys/bus/pci/devices/%s/driver/unbind\n"
			"    echo %s > /sys/bus/pci/drivers_probe\n"
			"('%s --bind %s %s' gives it back to the kernel.)%s",
			bdf, dev->vendor_id, dev->device_id, dev->kernel_driver,
			dev->kernel_driver, PCI_DEVBIND_TOOL, bdf, bdf, bdf, bdf, bdf,
			PCI_DEVBIND_TOOL, dev->kernel_driver, bdf, iommu_note);
}

static const struct eal_device_spec *find_spec(const struct eal_device_spec *specs,
					       unsigned nb_specs, const char *bdf)
{
	unsigned i;

	for (i = 0; i < nb_specs; i++)
		if (specs[i].kind == EAL_DEVICE_PCI && strcmp(specs[i].addr, bdf) == 0)
			return &specs[i];
	return NULL;
}

static bool in_list(const struct pci_device *list, const char *bdf)
{
	for (; list != NULL; list = list->next)
		if (strcmp(list->name, bdf) == 0)
			return true;
	return false;
}

int pci_select(struct pci_device **list, const struct eal_device_spec *specs,
	       unsigned nb_specs)
{
	struct pci_device **pos, *dev, **tail;
	int first_err = 0;
	unsigned i;

	if (nb_specs > 0 && specs == NULL)
		return -EINVAL;

	/* Named devices that sysfs does not have. */
	for (i = 0; i < nb_specs; i++) {
		char canon[13];

		if (specs[i].kind != EAL_DEVICE_PCI)
			continue;
		if (eal_pci_addr_parse(specs[i].addr, canon) < 0 ||
		    strcmp(canon, specs[i].addr) != 0) {
			PCI_LOG(ERR, "-a %s: not a canonical PCI address (DDDD:BB:DD.F)",
				specs[i].addr);
			if (first_err == 0)
				first_err = -EINVAL;
			continue;
		}
		if (!in_list(*list, canon)) {
			PCI_LOG(ERR,
				"device %s named with -a does not exist on this machine (no %s/bus/pci/devices/%s): check the address with 'lspci -D' or '%s --status'",
				canon, pci_sysfs_root(), canon, PCI_DEVBIND_TOOL);
			if (first_err == 0)
				first_err = -ENODEV;
		}
	}

	pos = list;
	while ((dev = *pos) != NULL) {
		const struct eal_device_spec *spec = NULL;
		bool keep;

		if (nb_specs == 0) {
			keep = pci_driver_is_vfio(dev->kernel_driver);
		} else {
			spec = find_spec(specs, nb_specs, dev->name);
			keep = spec != NULL;
			if (keep && !pci_driver_is_vfio(dev->kernel_driver)) {
				pci_log_not_vfio(dev);
				if (first_err == 0)
					first_err = -EBUSY;
				keep = false;
			}
		}
		if (!keep) {
			*pos = dev->next;
			free(dev);
			continue;
		}
		if (spec != NULL) {
			dev->allowed = true;
			snprintf(dev->devargs, sizeof(dev->devargs), "%s", spec->args);
		}
		pos = &dev->next;
	}

	tail = pos;
	for (i = 0; i < nb_specs; i++) {
		if (specs[i].kind != EAL_DEVICE_VFIO_USER)
			continue;
		dev = pci_device_alloc();
		if (dev == NULL)
			return -ENOMEM;
		dev->kind = PCI_DEVICE_VFIO_USER;
		dev->allowed = true;
		snprintf(dev->name, sizeof(dev->name), "%s%s", PCI_VFIO_USER_PREFIX,
			 specs[i].addr);
		snprintf(dev->devargs, sizeof(dev->devargs), "%s", specs[i].args);
		*tail = dev;
		tail = &dev->next;
	}
	return first_err;
}
