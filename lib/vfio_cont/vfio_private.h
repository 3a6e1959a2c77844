/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DMA container internals shared by the common layer, the backends and the
 * unit tests. Not installed.
 *
 * Files:
 *   vfio_container.c      create/destroy, AUTO, memory events, mapping table
 *   vfio_type1.c          vfio_type1_container_ops (legacy container/group)
 *   vfio_noiommu.c        vfio_noiommu_container_ops (no IOMMU, IOVA = PA)
 *   vfio_iommufd.c        vfio_iommufd_container_ops (/dev/iommu + cdev)
 *   vfio_group.c          the legacy container/group API type1 and noiommu share
 *   vfio_kernel_device.c  struct vfio_device_ops over a VFIO device fd
 *   vfio_caps.c           capability chains: type1 IOMMU info, region info
 *   vfio_sysfs.c          sysfs/dev lookups and the messages about them
 */
#ifndef UPDK_VFIO_PRIVATE_H
#define UPDK_VFIO_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "eal_log.h"
#include "vfio_cont.h"

extern struct eal_log_component vfio_cont_logtype;

#define VFIO_LOG(lvl, ...) EAL_LOG(vfio_cont_logtype, lvl, __VA_ARGS__)

/* ---- backends ----------------------------------------------------------- */

extern const struct vfio_container_ops vfio_type1_container_ops;
extern const struct vfio_container_ops vfio_noiommu_container_ops;
extern const struct vfio_container_ops vfio_iommufd_container_ops;
#ifdef VFIO_CONT_HAVE_USER
extern const struct vfio_container_ops vfio_user_container_ops;
#endif

/* ---- common layer ------------------------------------------------------- */

/* One IOMMU mapping the container made for EAL memory: one segment or a
 * run of segments that continue each other. */
struct vfio_dma_mapping {
	uint64_t iova;
	uintptr_t vaddr;
	uint64_t len;
	int fd;
	off_t fd_offset;
};

/* What vfio_container_create() allocates: the public part first. */
struct vfio_container_state {
	struct vfio_container pub;
	struct vfio_dma_mapping *maps; /* sorted by iova, not overlapping */
	unsigned nb_maps;
	unsigned max_maps;
};

/* vfio_container_create() with an explicit backend (tests use a fake one).
 * @mode is recorded in c->mode only. */
struct vfio_container *vfio_container_create_with_ops(
	const struct vfio_container_ops *ops, enum eal_vfio_mode mode,
	const char *target);

/* The container's EAL memory event callback, exposed so tests can feed it
 * crafted segments. @arg is the container. */
int vfio_container_mem_event(enum eal_mem_event ev, const struct eal_memseg *seg,
			     void *arg);

/* The mapping table of a container made by vfio_container_create*(). */
unsigned vfio_container_mapping_count(const struct vfio_container *c);
const struct vfio_dma_mapping *vfio_container_mapping(const struct vfio_container *c,
						      unsigned i);

/* Index in c->info.iova_ranges of the range holding all of
 * [iova, iova + len), -1 when none does. Without ranges (nb_iova_ranges 0)
 * the whole space is usable: returns 0. len 0 is never held. */
int vfio_iova_range_find(const struct vfio_container_info *info, uint64_t iova,
			 uint64_t len);

/* vfio_iova_range_find() that logs, when no range holds the IOVAs, which
 * reserved hole they fall in and what to do (@vaddr hints at IOVA = VA).
 * @return 0 or -ERANGE. */
int vfio_iova_check(const struct vfio_container_info *info, uint64_t iova,
		    uint64_t len, const void *vaddr);

/* Smallest page the address space maps (4 KiB when the backend gave none). */
uint64_t vfio_min_pgsize(const struct vfio_container_info *info);

/* ---- capability chains (vfio_caps.c) ------------------------------------- */

/*
 * Parse a VFIO_IOMMU_GET_INFO answer of @len bytes (struct
 * vfio_iommu_type1_info and its capability chain) into @info: page sizes,
 * IOVA ranges, DMA_AVAIL, the migration capability (dirty page sizes, largest
 * bitmap). Fields the answer lacks are left as they were.
 * @return 0, or -EINVAL for a malformed answer (message logged).
 */
int vfio_type1_info_parse(const void *buf, size_t len,
			  struct vfio_container_info *info);

/*
 * Fill @region from a VFIO_DEVICE_GET_REGION_INFO answer of @len bytes
 * (struct vfio_region_info and its chain): flags, size, offset, sparse mmap
 * areas, capability ids. region->fd is left alone.
 * @return 0, or -EINVAL for a malformed answer (message logged).
 */
int vfio_region_info_parse(const void *buf, size_t len,
			   struct vfio_region *region);

/* ---- sysfs and /dev (vfio_sysfs.c) --------------------------------------- */

/* Where sysfs and /dev are: $UPDK_SYSFS_ROOT / $UPDK_DEV_ROOT when set (the
 * unit tests point them at fake trees), "/sys" and "/dev" otherwise. */
const char *vfio_sysfs_root(void);
const char *vfio_dev_root(void);

/* Canonicalise @name into @bdf, check that the device exists and is bound to
 * vfio-pci. Logs what is wrong and how to fix it (rebind commands).
 * @return 0, -EINVAL (malformed), -ENODEV (no such device), -EBUSY (another
 *         driver or none). */
int vfio_pci_device_check(const char *name, char bdf[13]);

/* IOMMU group number of @bdf. @return it, or -ENODEV (logged: no IOMMU). */
int vfio_pci_iommu_group(const char *bdf);

/* Devices of IOMMU group @group not bound to vfio-pci (bridges and devices
 * without a driver do not count), as "BDF (driver X), ..." into @buf.
 * @return how many. */
int vfio_group_offenders(int group, char *buf, size_t len);

/* The VFIO device cdev of @bdf ("<dev>/vfio/devices/vfioN") into @path.
 * @return 0, or -ENOENT when sysfs lists none (kernel < 6.2 or
 *         CONFIG_VFIO_DEVICE_CDEV off). */
int vfio_pci_device_cdev(const char *bdf, char *path, size_t len);

/* "<dev root>/<rel>" into @path. @return 0 or -ENAMETOOLONG. */
int vfio_dev_path(char *path, size_t len, const char *rel);

/* Read a one-line sysfs file "<sysfs root>/<rel>" into @buf (newline cut).
 * @return length, or negative errno. */
ssize_t vfio_sysfs_read(const char *rel, char *buf, size_t len);

/* ---- legacy container/group API (vfio_group.c) --------------------------- */

struct vfio_group {
	struct vfio_group *next;
	int number;
	int fd;
	unsigned nb_devices;
};

struct vfio_legacy {
	int container_fd;
	int iommu_type;          /* VFIO_TYPE1v2_IOMMU or VFIO_NOIOMMU_IOMMU */
	bool iommu_set;          /* VFIO_SET_IOMMU done (first group joined) */
	struct vfio_group *groups;
};

/* Open <dev>/vfio/vfio, check the API version and that @iommu_type is
 * offered. @return 0 or negative errno (logged with what to do). */
int vfio_legacy_open(struct vfio_legacy *lg, int iommu_type);

/* Check that @name is a PCI address bound to vfio-pci (its canonical form
 * into @bdf), add its group to the container (opening it, checking
 * viability, setting the IOMMU model on the first group), and open the
 * device. *@first_group tells that the IOMMU model was just set.
 * @return the device fd, or negative errno (logged). */
int vfio_legacy_device_open(struct vfio_legacy *lg, const char *name, char bdf[13],
			    struct vfio_group **group, bool *first_group);

/* Unset and close every group, close the container. */
void vfio_legacy_close(struct vfio_legacy *lg);

/* The device half of attach/detach, the same for type1 and noiommu: wrap the
 * fd from vfio_legacy_device_open() (its group's device count drops again on
 * failure), and on detach free it; the group stays in the container. */
int vfio_legacy_device_wrap(struct vfio_container *c, int fd, const char *bdf,
			    struct vfio_group *group, struct vfio_device **dev);
void vfio_legacy_device_detach(struct vfio_container *c, struct vfio_device *dev);

/* ---- kernel VFIO devices (vfio_kernel_device.c) -------------------------- */

/* Region offsets and sizes never change while a device is open: the first
 * VFIO_PCI_NUM_REGIONS-ish are kept so region_read/write cost one syscall. */
#define VFIO_KDEV_REGION_CACHE 16

struct vfio_kernel_device {
	struct vfio_device dev;
	int fd;
	int mig_data_fd;            /* migration data session, -1 = none */
	struct vfio_group *group;   /* type1, noiommu */
	uint32_t iommufd_devid;     /* iommufd */
	struct {
		uint64_t offset;
		uint64_t size;
		bool known;
	} regions[VFIO_KDEV_REGION_CACHE];
};

extern const struct vfio_device_ops vfio_kernel_device_ops;

/* Wrap the open VFIO device @fd (taken over, closed on error) of PCI device
 * @bdf into a device of @c, with its info read.
 * @return 0 with *@out set, or negative errno. */
int vfio_kernel_device_create(struct vfio_container *c, int fd, const char *bdf,
			      struct vfio_kernel_device **out);

/* Disable its interrupts, close the fd, free. */
void vfio_kernel_device_free(struct vfio_kernel_device *kd);

/* Migration device ops of kernel devices (vfio_kernel_migration.c). */
int vfio_kernel_migration_get_flags(struct vfio_device *d, uint64_t *flags);
int vfio_kernel_migration_get_state(struct vfio_device *d, uint32_t *state);
int vfio_kernel_migration_set_state(struct vfio_device *d, uint32_t state);
ssize_t vfio_kernel_migration_data_read(struct vfio_device *d, void *buf, size_t len);
ssize_t vfio_kernel_migration_data_write(struct vfio_device *d, const void *buf,
					 size_t len);

#endif /* UPDK_VFIO_PRIVATE_H */
