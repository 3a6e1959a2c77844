/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The legacy VFIO container/group API that type1 and noiommu share:
 * /dev/vfio/vfio is the container, /dev/vfio/<group> (noiommu:
 * /dev/vfio/noiommu-<group>) the groups that join it, and each device fd
 * comes from its group.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "vfio_private.h"

static const char *iommu_type_name(int type)
{
	switch (type) {
	case VFIO_TYPE1v2_IOMMU:
		return "type1v2";
	case VFIO_NOIOMMU_IOMMU:
		return "noiommu";
	default:
		return "?";
	}
}

int vfio_legacy_open(struct vfio_legacy *lg, int iommu_type)
{
	char path[PATH_MAX];
	int fd, ret;

	memset(lg, 0, sizeof(*lg));
	lg->container_fd = -1;
	lg->iommu_type = iommu_type;
	vfio_dev_path(path, sizeof(path), "vfio/vfio");
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		if (ret == -ENOENT)
			VFIO_LOG(ERR, "no %s: load the vfio-pci module (modprobe "
				 "vfio-pci) and check that the kernel has VFIO "
				 "(CONFIG_VFIO)", path);
		else if (ret == -EACCES || ret == -EPERM)
			VFIO_LOG(ERR, "cannot open %s: %s; run as root or give "
				 "this user access to the VFIO nodes", path,
				 strerror(-ret));
		else
			VFIO_LOG(ERR, "cannot open %s: %s", path, strerror(-ret));
		return ret;
	}
	ret = ioctl(fd, VFIO_GET_API_VERSION);
	if (ret != VFIO_API_VERSION) {
		VFIO_LOG(ERR, "%s speaks VFIO API version %d, this program %d",
			 path, ret, VFIO_API_VERSION);
		close(fd);
		return -EPROTO;
	}
	if (ioctl(fd, VFIO_CHECK_EXTENSION, iommu_type) <= 0) {
		if (iommu_type == VFIO_NOIOMMU_IOMMU)
			VFIO_LOG(ERR, "the kernel's VFIO offers no no-IOMMU mode: "
				 "it needs CONFIG_VFIO_NOIOMMU and vfio loaded "
				 "with enable_unsafe_noiommu_mode=1");
		else
			VFIO_LOG(ERR, "the kernel's VFIO offers no %s IOMMU: "
				 "modprobe vfio_iommu_type1, and enable the IOMMU "
				 "(intel_iommu=on or amd_iommu=on)",
				 iommu_type_name(iommu_type));
		close(fd);
		return -ENOTSUP;
	}
	lg->container_fd = fd;
	return 0;
}

static struct vfio_group *group_find(struct vfio_legacy *lg, int number)
{
	struct vfio_group *g;

	for (g = lg->groups; g != NULL; g = g->next)
		if (g->number == number)
			return g;
	return NULL;
}

static int group_check_viable(int fd, int number, const char *bdf)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char offenders[1024];
	int n;

	if (ioctl(fd, VFIO_GROUP_GET_STATUS, &status) < 0) {
		int err = errno;

		VFIO_LOG(ERR, "VFIO_GROUP_GET_STATUS of group %d failed: %s",
			 number, strerror(err));
		return -err;
	}
	if (status.flags & VFIO_GROUP_FLAGS_VIABLE)
		return 0;
	n = vfio_group_offenders(number, offenders, sizeof(offenders));
	if (n > 0) {
		/* Spell the fix out for the first one; the others are alike. */
		char first[32];
		size_t len = strcspn(offenders, " ");

		snprintf(first, sizeof(first), "%.*s", (int)EAL_MIN(len, sizeof(first) - 1),
			 offenders);
		VFIO_LOG(ERR,
			 "IOMMU group %d of %s is not viable: every device of a "
			 "group must be bound to vfio-pci (or have no driver), but "
			 "%d %s not: %s. Bind %s to vfio-pci too (usertools/"
			 "updk-devbind --bind=vfio-pci %s%s) or unbind %s (echo "
			 "%s > /sys/bus/pci/devices/%s/driver/unbind%s)",
			 number, bdf, n, n == 1 ? "is" : "are", offenders,
			 n == 1 ? "it" : "them", first, n == 1 ? "" : " ...",
			 n == 1 ? "it" : "them", first, first, n == 1 ? "" : ", ...");
	} else {
		VFIO_LOG(ERR,
			 "IOMMU group %d of %s is not viable: a device of "
			 "/sys/kernel/iommu_groups/%d/devices is bound to a kernel "
			 "driver; bind every device of the group to vfio-pci",
			 number, bdf, number);
	}
	return -EBUSY;
}

static int group_join(struct vfio_legacy *lg, int number, const char *bdf,
		      struct vfio_group **out, bool *first_group)
{
	char path[PATH_MAX], rel[32];
	struct vfio_group *g;
	int fd, ret;

	*first_group = false;
	g = group_find(lg, number);
	if (g != NULL) {
		*out = g;
		return 0;
	}
	if (lg->iommu_type == VFIO_NOIOMMU_IOMMU)
		snprintf(rel, sizeof(rel), "vfio/noiommu-%d", number);
	else
		snprintf(rel, sizeof(rel), "vfio/%d", number);
	vfio_dev_path(path, sizeof(path), rel);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		if (ret == -EBUSY)
			VFIO_LOG(ERR, "IOMMU group %d (%s) is in use by another "
				 "process or container: a group can serve one "
				 "container at a time", number, path);
		else if (ret == -ENOENT)
			VFIO_LOG(ERR, "no %s for %s: is the device bound to "
				 "vfio-pci%s?", path, bdf,
				 lg->iommu_type == VFIO_NOIOMMU_IOMMU ?
					 " in no-IOMMU mode (the group is not a "
					 "noiommu one)" : "");
		else
			VFIO_LOG(ERR, "cannot open %s: %s", path, strerror(-ret));
		return ret;
	}
	ret = group_check_viable(fd, number, bdf);
	if (ret < 0)
		goto fail;
	if (ioctl(fd, VFIO_GROUP_SET_CONTAINER, &lg->container_fd) < 0) {
		ret = -errno;
		VFIO_LOG(ERR, "VFIO_GROUP_SET_CONTAINER for group %d failed: %s",
			 number, strerror(-ret));
		goto fail;
	}
	if (!lg->iommu_set) {
		/* The IOMMU model can only be chosen once a group is in. */
		if (ioctl(lg->container_fd, VFIO_SET_IOMMU, lg->iommu_type) < 0) {
			ret = -errno;
			VFIO_LOG(ERR, "VFIO_SET_IOMMU(%s) failed: %s",
				 iommu_type_name(lg->iommu_type), strerror(-ret));
			ioctl(fd, VFIO_GROUP_UNSET_CONTAINER);
			goto fail;
		}
		lg->iommu_set = true;
		*first_group = true;
	}
	g = calloc(1, sizeof(*g));
	if (g == NULL) {
		ret = -ENOMEM;
		ioctl(fd, VFIO_GROUP_UNSET_CONTAINER);
		goto fail;
	}
	g->number = number;
	g->fd = fd;
	g->next = lg->groups;
	lg->groups = g;
	*out = g;
	return 0;
fail:
	close(fd);
	return ret;
}

int vfio_legacy_device_open(struct vfio_legacy *lg, const char *name, char bdf[13],
			    struct vfio_group **group, bool *first_group)
{
	struct vfio_group *g;
	int number, fd, ret;

	ret = vfio_pci_device_check(name, bdf);
	if (ret < 0)
		return ret;
	number = vfio_pci_iommu_group(bdf);
	if (number < 0)
		return number;
	ret = group_join(lg, number, bdf, &g, first_group);
	if (ret < 0)
		return ret;
	fd = ioctl(g->fd, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (fd < 0) {
		ret = -errno;
		if (ret == -EBUSY)
			VFIO_LOG(ERR, "%s is already open (by this or another "
				 "container's user)", bdf);
		else
			VFIO_LOG(ERR, "VFIO_GROUP_GET_DEVICE_FD(%s) failed: %s",
				 bdf, strerror(-ret));
		/* An empty group stays: removing the last one would drop the
		 * IOMMU model and every mapping with it. */
		return ret;
	}
	g->nb_devices++;
	*group = g;
	return fd;
}

int vfio_legacy_device_wrap(struct vfio_container *c, int fd, const char *bdf,
			    struct vfio_group *group, struct vfio_device **dev)
{
	struct vfio_kernel_device *kd;
	int ret = vfio_kernel_device_create(c, fd, bdf, &kd);

	if (ret < 0) {
		group->nb_devices--;
		return ret;
	}
	kd->group = group;
	*dev = &kd->dev;
	return 0;
}

void vfio_legacy_device_detach(struct vfio_container *c __eal_unused,
			       struct vfio_device *dev)
{
	struct vfio_kernel_device *kd;

	if (dev == NULL)
		return;
	kd = eal_container_of(dev, struct vfio_kernel_device, dev);
	/* The group stays in the container (see vfio_cont.h). */
	if (kd->group != NULL)
		kd->group->nb_devices--;
	vfio_kernel_device_free(kd);
}

void vfio_legacy_close(struct vfio_legacy *lg)
{
	struct vfio_group *g = lg->groups;

	while (g != NULL) {
		struct vfio_group *next = g->next;

		ioctl(g->fd, VFIO_GROUP_UNSET_CONTAINER);
		close(g->fd);
		free(g);
		g = next;
	}
	lg->groups = NULL;
	if (lg->container_fd >= 0)
		close(lg->container_fd);
	lg->container_fd = -1;
	lg->iommu_set = false;
}
