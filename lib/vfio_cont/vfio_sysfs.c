/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What sysfs and /dev say about a PCI device: its driver, its IOMMU group,
 * its VFIO device node; and the messages that tell a user how to fix each
 * problem. Both roots can be moved with environment variables so the unit
 * tests can build a fake machine in a temporary directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vfio_private.h"

/* The rebind tool this project ships, named in every "wrong driver" message
 * with the sysfs commands that do the same by hand. */
#define DEVBIND_TOOL "usertools/updk-devbind"

const char *vfio_sysfs_root(void)
{
	const char *root = getenv("UPDK_SYSFS_ROOT");

	return root != NULL && root[0] != '\0' ? root : "/sys";
}

const char *vfio_dev_root(void)
{
	const char *root = getenv("UPDK_DEV_ROOT");

	return root != NULL && root[0] != '\0' ? root : "/dev";
}

static int path_join(char *path, size_t len, const char *root, const char *rel)
{
	int n = snprintf(path, len, "%s/%s", root, rel);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int vfio_dev_path(char *path, size_t len, const char *rel)
{
	return path_join(path, len, vfio_dev_root(), rel);
}

static int sysfs_path(char *path, size_t len, const char *rel)
{
	return path_join(path, len, vfio_sysfs_root(), rel);
}

ssize_t vfio_sysfs_read(const char *rel, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	if (len == 0 || sysfs_path(path, sizeof(path), rel) < 0)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return n;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return (ssize_t)strlen(buf);
}

/* Last component of the symlink "<sysfs>/<rel>" into @out ("" if absent).
 * @return 0 or negative errno. */
static int sysfs_link_name(const char *rel, char *out, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	out[0] = '\0';
	if (sysfs_path(path, sizeof(path), rel) < 0)
		return -ENAMETOOLONG;
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base != NULL ? base + 1 : target;
	if (strlen(base) >= len)
		return -ENAMETOOLONG;
	memcpy(out, base, strlen(base) + 1);
	return 0;
}

static void log_rebind_hint(const char *bdf, const char *driver)
{
	char unbind[96] = "";

	if (driver[0] != '\0')
		snprintf(unbind, sizeof(unbind),
			 "echo %s > /sys/bus/pci/devices/%s/driver/unbind; ",
			 bdf, bdf);
	VFIO_LOG(ERR,
		 "to give %s to vfio-pci: %s --bind=vfio-pci %s, or by hand: "
		 "modprobe vfio-pci; %secho vfio-pci > "
		 "/sys/bus/pci/devices/%s/driver_override; echo %s > "
		 "/sys/bus/pci/drivers_probe",
		 bdf, DEVBIND_TOOL, bdf, unbind, bdf, bdf);
}

int vfio_pci_device_check(const char *name, char bdf[13])
{
	char rel[PATH_MAX], driver[NAME_MAX + 1], path[PATH_MAX];
	struct stat st;

	if (name == NULL || eal_pci_addr_parse(name, bdf) < 0) {
		VFIO_LOG(ERR,
			 "'%s' is not a PCI address: expected DDDD:BB:DD.F or "
			 "BB:DD.F in hex, e.g. 0000:01:00.0 (lspci -D lists them)",
			 name != NULL ? name : "(null)");
		return -EINVAL;
	}
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s", bdf);
	if (sysfs_path(path, sizeof(path), rel) < 0 || stat(path, &st) < 0) {
		VFIO_LOG(ERR,
			 "no PCI device %s on this machine (%s is missing): check "
			 "the address with lspci -D", bdf, path);
		return -ENODEV;
	}
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/driver", bdf);
	sysfs_link_name(rel, driver, sizeof(driver));
	if (strcmp(driver, "vfio-pci") == 0)
		return 0;
	if (driver[0] == '\0')
		VFIO_LOG(ERR, "PCI device %s is not bound to any driver; VFIO "
			 "needs it bound to vfio-pci", bdf);
	else
		VFIO_LOG(ERR, "PCI device %s is bound to the kernel driver '%s', "
			 "not vfio-pci: VFIO cannot use it while '%s' owns it",
			 bdf, driver, driver);
	log_rebind_hint(bdf, driver);
	return -EBUSY;
}

int vfio_pci_iommu_group(const char *bdf)
{
	char rel[PATH_MAX], name[NAME_MAX + 1];
	char *end;
	long group;

	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/iommu_group", bdf);
	if (sysfs_link_name(rel, name, sizeof(name)) < 0) {
		VFIO_LOG(ERR,
			 "PCI device %s has no IOMMU group: the IOMMU is off or "
			 "absent. Enable it (VT-d/AMD-Vi in the firmware, "
			 "intel_iommu=on or amd_iommu=on on the kernel command "
			 "line), or accept no protection with --vfio-mode=noiommu",
			 bdf);
		return -ENODEV;
	}
	errno = 0;
	group = strtol(name, &end, 10);
	if (errno != 0 || end == name || *end != '\0' || group < 0 ||
	    group > INT_MAX) {
		VFIO_LOG(ERR, "PCI device %s: IOMMU group '%s' is not a number",
			 bdf, name);
		return -ENODEV;
	}
	return (int)group;
}

/* Drivers that do not stop a group from being viable: the kernel accepts
 * them (vfio_dev_driver_allowed) or the device is a bridge. */
static bool driver_harmless(const char *driver)
{
	return driver[0] == '\0' || strcmp(driver, "vfio-pci") == 0 ||
	       strcmp(driver, "pci-stub") == 0 || strcmp(driver, "pcieport") == 0;
}

int vfio_group_offenders(int group, char *buf, size_t len)
{
	char rel[PATH_MAX], path[PATH_MAX], driver[NAME_MAX + 1];
	struct dirent *de;
	size_t used = 0;
	int count = 0;
	DIR *dir;

	if (len > 0)
		buf[0] = '\0';
	snprintf(rel, sizeof(rel), "kernel/iommu_groups/%d/devices", group);
	if (sysfs_path(path, sizeof(path), rel) < 0)
		return 0;
	dir = opendir(path);
	if (dir == NULL)
		return 0;
	while ((de = readdir(dir)) != NULL) {
		int n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(rel, sizeof(rel), "kernel/iommu_groups/%d/devices/%s/driver",
			 group, de->d_name);
		sysfs_link_name(rel, driver, sizeof(driver));
		if (driver_harmless(driver))
			continue;
		count++;
		if (used >= len)
			continue;
		n = snprintf(buf + used, len - used, "%s%s (driver %s)",
			     used > 0 ? ", " : "", de->d_name, driver);
		if (n > 0)
			used += (size_t)n;
	}
	closedir(dir);
	return count;
}

int vfio_pci_device_cdev(const char *bdf, char *path, size_t len)
{
	char rel[PATH_MAX], dirpath[PATH_MAX];
	struct dirent *de;
	int ret = -ENOENT;
	DIR *dir;

	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/vfio-dev", bdf);
	if (sysfs_path(dirpath, sizeof(dirpath), rel) < 0)
		return -ENOENT;
	dir = opendir(dirpath);
	if (dir == NULL)
		return -ENOENT;
	while ((de = readdir(dir)) != NULL) {
		char node[NAME_MAX + 16];

		if (strncmp(de->d_name, "vfio", 4) != 0)
			continue;
		snprintf(node, sizeof(node), "vfio/devices/%s", de->d_name);
		ret = vfio_dev_path(path, len, node);
		break;
	}
	closedir(dir);
	return ret;
}
