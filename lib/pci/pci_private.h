/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PCI bus internals shared between its files and its unit tests. Not
 * installed.
 *
 * Files:
 *   pci.c         driver registry, the bus (select, attach, probe, cleanup)
 *                 and its EAL hook
 *   pci_scan.c    sysfs scan, -a selection and the messages about it
 *   pci_config.c  config space, capabilities, command register, reset
 *   pci_bar.c     BAR discovery, mapping (sparse areas), region accessors
 *   pci_msix.c    MSI-X capability and eventfd routing
 *   pci_dump.c    pci_device_dump()
 */
#ifndef UPDK_PCI_PRIVATE_H
#define UPDK_PCI_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eal_log.h"
#include "pci.h"

extern struct eal_log_component pci_logtype;

#define PCI_LOG(lvl, ...) EAL_LOG(pci_logtype, lvl, __VA_ARGS__)

/* The tool named in every "rebind this device" message. */
#define PCI_DEVBIND_TOOL "usertools/updk-devbind"

/* "vfio-user:" prefix of vfio-user device names. */
#define PCI_VFIO_USER_PREFIX "vfio-user:"

/* ---- sysfs (pci_scan.c) ----------------------------------------------------- */

/* $UPDK_SYSFS_ROOT, or "/sys". */
const char *pci_sysfs_root(void);

/* Read one device "<root>/bus/pci/devices/<bdf>" into a new record.
 * @return it, or NULL with errno (ENOENT: no such device; EIO: its vendor
 * or device file is unreadable, logged). */
struct pci_device *pci_sysfs_read_device(const char *root, const char *bdf);

/* Every device under "<root>/bus/pci/devices", sorted by address, into
 * *@list (a chain through ->next). Entries that are not PCI addresses are
 * ignored; unreadable devices are logged and skipped.
 * @return the count, or a negative errno (-ENOENT: no such directory). */
int pci_sysfs_scan(const char *root, struct pci_device **list);

/* True for vfio-pci and its variant drivers (mlx5_vfio_pci, ...). */
bool pci_driver_is_vfio(const char *kernel_driver);

/*
 * Keep the devices of *@list the allow list selects and free the others.
 * No PCI or vfio-user entry in @specs: every device bound to vfio-pci.
 * Otherwise exactly the PCI entries (in the order of *@list, devargs and
 * "allowed" set), each of which must exist and be bound to vfio-pci: every
 * one that is not is logged with what to do (the rebind commands) and the
 * first such error returned, the list still filtered. vfio-user entries
 * are appended as PCI_DEVICE_VFIO_USER records without ids, in @specs
 * order.
 * @return 0, -ENODEV (a named device does not exist), -EBUSY (one is bound
 *         to another driver or none), -ENOMEM.
 */
int pci_select(struct pci_device **list, const struct eal_device_spec *specs,
	       unsigned nb_specs);

/* Log why @dev (named with -a) cannot be used: not bound to vfio-pci, with
 * its driver and the commands that rebind it. */
void pci_log_not_vfio(const struct pci_device *dev);

/* Free a chain of device records (detached). */
void pci_device_list_free(struct pci_device *list);

/* A fresh record (numa_node and iommu_group -1). NULL + errno. */
struct pci_device *pci_device_alloc(void);

/* ---- attach helpers (pci_bar.c / pci_config.c) ----------------------------- */

/* Adopt @vdev as the device's VFIO device: read the config region size and
 * the BARs (region info + BAR registers). For tests, @vdev may be a fake.
 * @return 0 or negative errno (logged). */
int pci_device_bind_vfio(struct pci_device *dev, struct vfio_device *vdev);

/* Unmap BARs, disable MSI-X, forget the VFIO device (not detached). */
void pci_device_unbind_vfio(struct pci_device *dev);

/* Fill the identity fields (ids, class, revision) from config space, as a
 * vfio-user device needs. @return 0 or a config access error. */
int pci_device_read_ids(struct pci_device *dev);

/*
 * Walk the capability lists in @cfg (@len bytes of config space, 256 or
 * more for the extended list). @return as pci_cap_list(), with the
 * malformation logged against @name.
 */
int pci_cap_parse(const uint8_t *cfg, size_t len, const char *name,
		  struct pci_cap *caps, unsigned max);

/* Parse an MSI-X capability at @cap_off of @cfg (@len bytes) into @info,
 * checking table and PBA against @bar_sizes (0: BAR absent).
 * @return 0, -EIO (malformed, logged against @name), -EINVAL. */
int pci_msix_parse(const uint8_t *cfg, size_t len, uint16_t cap_off,
		   const uint64_t bar_sizes[PCI_MAX_BARS], const char *name,
		   struct pci_msix_info *info);

/* ---- the bus (pci.c) ------------------------------------------------------ */

/* How the bus makes containers and attaches devices: vfio_cont by default,
 * replaced by the unit tests with a fake backend. */
struct pci_container_backend {
	int (*mode_resolve)(enum eal_vfio_mode mode);
	struct vfio_container *(*create)(enum eal_vfio_mode mode, const char *target);
	int (*attach)(struct vfio_container *c, const char *name,
		      struct vfio_device **dev);
	void (*detach)(struct vfio_container *c, struct vfio_device *dev);
	void (*destroy)(struct vfio_container *c);
};

/* Use @backend (NULL: vfio_cont again). Only while the bus is empty. */
void pci_bus_set_backend(const struct pci_container_backend *backend);

/*
 * What the EAL hook does, with its inputs explicit: scan @sysfs_root,
 * select with @specs, attach and probe with the container mode @mode.
 * On failure everything done is undone. @return 0 or negative errno.
 */
int pci_bus_probe(const char *sysfs_root, const struct eal_device_spec *specs,
		  unsigned nb_specs, enum eal_vfio_mode mode);

/* Remove drivers, detach devices, destroy containers, forget the devices. */
void pci_bus_cleanup(void);

/* The names of the registered drivers, ", "-separated, into @buf. */
void pci_driver_names(char *buf, size_t size);

#endif /* UPDK_PCI_PRIVATE_H */
