/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test doubles for the PCI bus tests:
 *  - a fake sysfs tree in a temporary directory (devices, drivers, IOMMU
 *    groups, network interfaces), laid out like the kernel's;
 *  - a fake VFIO device whose ops serve a byte array as config space and
 *    memfds as BARs (so MMIO through a mapping and region reads see the
 *    same bytes), and record interrupt and reset requests;
 *  - a fake container backend that hands those devices out by name.
 *  - capture of the EAL log into a string.
 */
#ifndef UPDK_TEST_PCI_FAKES_H
#define UPDK_TEST_PCI_FAKES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pci_private.h"

/* ---- fake sysfs ----------------------------------------------------------- */

struct fake_sysfs_dev {
	const char *bdf;
	uint16_t vendor, device, subsystem_vendor, subsystem_device;
	uint32_t class_id;
	int numa_node;
	const char *driver;   /* NULL: no driver */
	int iommu_group;      /* -1: none */
	const char *netdev;   /* NULL: no interface; else its name */
	bool netdev_up;
};

/* Make an empty tree in a new temporary directory (bus/pci/devices,
 * bus/pci/drivers/vfio-pci, drivers_probe). @return its path (static). */
const char *fake_sysfs_create(void);
/* Add a device to the tree made by fake_sysfs_create(). */
void fake_sysfs_add(const char *root, const struct fake_sysfs_dev *d);
/* Remove the tree. */
void fake_sysfs_destroy(const char *root);
/* Read the whole file "<root>/<rel>" into @buf ("" if absent). */
void fake_sysfs_read(const char *root, const char *rel, char *buf, size_t len);

/* ---- fake VFIO device -------------------------------------------------------- */

#define FAKE_CFG_SIZE 4096

struct fake_bar {
	uint64_t size;
	uint32_t reg;          /* BAR register value (type bits) */
	bool mmap;             /* offer VFIO_REGION_INFO_FLAG_MMAP */
	struct vfio_mmap_area areas[VFIO_MAX_MMAP_AREAS];
	unsigned nb_areas;
	int memfd;             /* backing bytes */
};

struct fake_device {
	struct vfio_device vdev;
	uint8_t config[FAKE_CFG_SIZE];
	uint64_t config_size;
	struct fake_bar bars[PCI_MAX_BARS];
	uint32_t msix_irq_count;  /* what get_irq_info offers (0: no MSI-X) */
	uint8_t last_std_cap;     /* for fake_add_cap() */
	uint16_t last_ext_cap;
	/* recorded */
	unsigned set_irqs_calls;
	uint32_t irq_index, irq_start, irq_count, irq_flags;
	int irq_fds[64];
	unsigned reset_calls;
	bool gone;            /* poll_events reports the peer gone; region
			       * reads and writes fail with ENOTCONN */
	/* Called after each region write to a BAR (a device model's side
	 * effects: register selects, resets); NULL: plain memory. */
	void (*bar_write_hook)(struct fake_device *f, unsigned bar, uint64_t off,
			       const void *buf, size_t len);
	unsigned region_reads, region_writes, mmaps;
	bool detached;
	/* injected failures */
	int fail_set_irqs;       /* negative errno to return */
};

/* A device with @vendor:@device, a type 0 header, @config_size bytes of
 * config space (256 or 4096) and no capability or BAR yet. */
void fake_device_init(struct fake_device *f, const char *name, uint16_t vendor,
		      uint16_t device, uint64_t config_size);
void fake_device_fini(struct fake_device *f);
/* Append a standard capability @id with @len bytes of body (after the two
 * header bytes) at config offset @at. */
void fake_add_cap(struct fake_device *f, uint8_t at, uint8_t id, const void *body,
		  size_t len);
/* Append an extended capability @id (version 1) at @at (>= 0x100). */
void fake_add_ext_cap(struct fake_device *f, uint16_t at, uint16_t id);
/* An MSI-X capability at @at: @vectors, table in BAR @bir at @table_off,
 * PBA in BAR @pba_bir at @pba_off; the backend offers @vectors too. */
void fake_add_msix(struct fake_device *f, uint8_t at, uint16_t vectors, uint8_t bir,
		   uint32_t table_off, uint8_t pba_bir, uint32_t pba_off);
/* A memory BAR (@is64: two BAR registers) of @size bytes, mappable or not,
 * with @nb_areas sparse areas (0: whole). */
void fake_set_bar(struct fake_device *f, unsigned idx, uint64_t size, bool is64,
		  bool mmap, const struct vfio_mmap_area *areas, unsigned nb_areas);
/* An I/O port BAR of @size bytes. */
void fake_set_io_bar(struct fake_device *f, unsigned idx, uint64_t size);
/* Bytes of a BAR's backing store (as the "device" sees them). */
void fake_bar_peek(struct fake_device *f, unsigned idx, uint64_t off, void *buf,
		   size_t len);
void fake_bar_poke(struct fake_device *f, unsigned idx, uint64_t off, const void *buf,
		   size_t len);

/* ---- fake container backend ------------------------------------------------- */

#define FAKE_MAX_DEVICES 8

struct fake_backend_state {
	/* devices handed out by attach: name ("" for vfio-user) -> device */
	const char *names[FAKE_MAX_DEVICES];
	struct fake_device *devices[FAKE_MAX_DEVICES];
	unsigned nb_devices;
	/* recorded */
	unsigned creates, destroys, attaches, detaches, live_containers;
	enum eal_vfio_mode last_mode;
	char last_target[256];
	/* injected failures */
	int fail_resolve;   /* negative errno from mode_resolve */
	int fail_create;    /* errno for create */
	int fail_attach;    /* negative errno from attach */
};

extern struct fake_backend_state fake_backend;
extern const struct pci_container_backend fake_container_backend;

/* Reset fake_backend and make the bus use it. */
void fake_backend_install(void);
/* Let attach hand @dev out for @name. */
void fake_backend_add(const char *name, struct fake_device *dev);

/* ---- log capture -------------------------------------------------------------- */

/* Send the EAL log into a memory buffer until log_capture_end(). */
void log_capture_begin(void);
/* Stop capturing; @return what was logged (valid until the next begin). */
const char *log_capture_end(void);

#endif /* UPDK_TEST_PCI_FAKES_H */
