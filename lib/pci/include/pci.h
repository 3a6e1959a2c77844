/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The PCI bus: PCI functions reached through DMA containers (lib/vfio_cont).
 *
 * A PCI device is either a host function bound to vfio-pci (found in sysfs)
 * or a device served by a vfio-user server (-a vfio-user:PATH). Both are
 * reached the same way: through a struct vfio_device attached to a DMA
 * container, whose ops read config space, map BARs and route interrupts. A
 * driver never knows which backend serves it.
 *
 * Drivers register from a constructor:
 *
 *     static const struct pci_id e1000e_ids[] = {
 *         PCI_ID(0x8086, 0x10d3),
 *         PCI_ID_END,
 *     };
 *     static int e1000e_probe(struct pci_driver *drv, struct pci_device *dev)
 *     {
 *         volatile void *regs = pci_bar_map(dev, 0);
 *         if (regs == NULL)
 *             return -errno;
 *         ... create an ethdev port ...
 *     }
 *     static struct pci_driver e1000e_driver = {
 *         .name = "net_e1000e", .id_table = e1000e_ids,
 *         .probe = e1000e_probe, .remove = e1000e_remove,
 *     };
 *     PCI_DRIVER_REGISTER(e1000e_driver);
 *
 * eal_init() then runs the bus (an EAL_HOOK_ORDER_BUS hook): it scans
 * /sys/bus/pci/devices, keeps the devices named with -a (or, when none is
 * named, every device bound to vfio-pci), adds the -a vfio-user:PATH
 * devices, and for each device a driver matches: puts it in a DMA container
 * (one container shared by all kernel devices, of the --vfio-mode backend;
 * one per vfio-user device), enables bus mastering and calls the driver's
 * probe(). eal_cleanup() calls remove(), detaches the devices and destroys
 * the containers.
 *
 * Errors eal_init() reports for devices named with -a: a device that does
 * not exist, or is not bound to vfio-pci (the message names its driver and
 * the updk-devbind command that rebinds it), or whose container, attach or
 * probe failed. A named device no driver matches is a warning only. The
 * same failures on a device found without -a are logged and the device is
 * skipped.
 *
 * $UPDK_SYSFS_ROOT, when set, replaces "/sys" (the unit tests scan a fake
 * tree).
 *
 * Register names and capability ids come from <linux/pci_regs.h>, included
 * here. Nothing in this file but the pci_mmio_* and pci_bar_read / write
 * accessors is meant for a fast path.
 */
#ifndef UPDK_PCI_H
#define UPDK_PCI_H

#include <endian.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/pci_regs.h>
#include "eal.h"
#include "vfio_cont.h"

/** Matches any value in a struct pci_id field. */
#define PCI_ANY_ID 0xffffu

/** Number of BARs of a type 0 (endpoint) header. */
#define PCI_MAX_BARS 6

/** One line of a driver's id table. */
struct pci_id {
	uint16_t vendor_id;           /**< or PCI_ANY_ID */
	uint16_t device_id;           /**< or PCI_ANY_ID */
	uint16_t subsystem_vendor_id; /**< or PCI_ANY_ID */
	uint16_t subsystem_device_id; /**< or PCI_ANY_ID */
};

/** An id table line for @p vend:@p dev with any subsystem. */
#define PCI_ID(vend, dev)                                                \
	{ .vendor_id = (vend), .device_id = (dev),                        \
	  .subsystem_vendor_id = PCI_ANY_ID, .subsystem_device_id = PCI_ANY_ID }

/** Ends an id table (vendor 0 is not a valid PCI vendor). */
#define PCI_ID_END { .vendor_id = 0 }

/** How a device is reached. */
enum pci_device_kind {
	PCI_DEVICE_KERNEL,    /**< a host PCI function bound to vfio-pci */
	PCI_DEVICE_VFIO_USER, /**< a device behind a vfio-user socket */
};

/** A PCI address (kernel devices only). */
struct pci_addr {
	uint32_t domain;
	uint8_t bus;
	uint8_t devid;
	uint8_t function;
};

/** A BAR as the bus learned it at attach time. */
struct pci_bar {
	uint64_t size;        /**< bytes; 0 when the BAR is not implemented */
	bool is_io;           /**< an I/O port BAR (never mappable) */
	bool is_64bit;        /**< a 64-bit memory BAR (uses the next BAR too) */
	bool prefetchable;
	bool mmap_ok;         /**< the backend lets it (or parts of it) be mapped */
	/** The mapping made by pci_bar_map(), NULL while unmapped. */
	volatile void *addr;
	/** True when every byte of the BAR is in the mapping (no sparse
	 *  holes): the inline accessors then never leave the fast path. */
	bool fully_mapped;
	/* Owned by the bus. */
	struct vfio_region region;
	void *map_base;
	size_t map_len;
};

struct pci_driver;

/**
 * A PCI device. The identity fields are filled by the scan (kernel devices,
 * from sysfs) or from config space at attach (vfio-user devices); the rest
 * once the device is attached. Drivers read these fields and may use
 * driver_data; everything else belongs to the bus.
 */
struct pci_device {
	/** "DDDD:BB:DD.F", or "vfio-user:PATH". */
	char name[PATH_MAX + 16];
	enum pci_device_kind kind;
	struct pci_addr addr;          /**< kernel devices */
	uint16_t vendor_id;
	uint16_t device_id;
	uint16_t subsystem_vendor_id;
	uint16_t subsystem_device_id;
	uint32_t class_id;             /**< 24 bits: class, subclass, prog-if */
	uint8_t revision;
	int numa_node;                 /**< -1 when unknown */
	/** Kernel driver bound to it ("" for none). Kernel devices. */
	char kernel_driver[64];
	int iommu_group;               /**< -1 when it has none */
	/** "key=value,..." given after the device with -a ("" otherwise). */
	char devargs[256];
	bool allowed;                  /**< named with -a */

	/* Set while attached. */
	struct vfio_container *container;
	struct vfio_device *vdev;
	uint64_t config_size;          /**< bytes of config space (256 or 4096) */
	struct pci_bar bars[PCI_MAX_BARS];

	const struct pci_driver *driver; /**< the driver that probed it */
	void *driver_data;             /**< the driver's own */

	/* Owned by the bus. */
	unsigned msix_nb_vectors;      /**< enabled MSI-X vectors, 0 = off */
	int *msix_eventfds;
	bool owns_container;           /**< a vfio-user device's own container */
	bool probed;
	struct pci_device *next;
};

/** A PCI driver. */
struct pci_driver {
	const char *name;
	/** Devices it handles, ended by PCI_ID_END. */
	const struct pci_id *id_table;
	/**
	 * Take an attached device (config space, BARs and interrupts usable,
	 * bus mastering on). @return 0, or a negative errno (logged by the
	 * driver): the bus then detaches the device.
	 */
	int (*probe)(struct pci_driver *drv, struct pci_device *dev);
	/** Release the device: stop its DMA, free what probe made. May be NULL.
	 *  The bus then disables MSI-X, unmaps BARs and detaches it. */
	void (*remove)(struct pci_device *dev);
	struct pci_driver *next; /**< registry link, owned by the bus */
};

/**
 * Add @p drv to the registry (use PCI_DRIVER_REGISTER()). A driver without
 * name, id table or probe, or one registered twice, is refused and logged.
 */
void pci_driver_register(struct pci_driver *drv);

/** Remove @p drv from the registry (for tests; devices it probed stay). */
void pci_driver_unregister(struct pci_driver *drv);

/** Register @p drv (a struct pci_driver) before main(). */
#define PCI_DRIVER_REGISTER(drv)                                         \
	__attribute__((constructor(110))) static void drv##_register(void) \
	{                                                                \
		pci_driver_register(&(drv));                             \
	}

/**
 * The line of @p table (ended by PCI_ID_END) that @p dev matches, a
 * PCI_ANY_ID field matching anything. @return it, or NULL.
 */
const struct pci_id *pci_id_match(const struct pci_id *table,
				  const struct pci_device *dev);

/** The first registered driver whose table matches @p dev, or NULL. */
struct pci_driver *pci_driver_find(const struct pci_device *dev);

/* ---- devices of the bus ---------------------------------------------------- */

/**
 * Iterate the devices the bus selected at eal_init() (with or without a
 * driver): pass NULL for the first. @return the next device, or NULL.
 */
struct pci_device *pci_device_next(const struct pci_device *prev);

/**
 * Find a selected device by name: a PCI address in any form
 * eal_pci_addr_parse() takes, or "vfio-user:PATH".
 * @return the device, or NULL with errno ENOENT (or EINVAL for NULL).
 */
struct pci_device *pci_device_find(const char *name);

/**
 * Attach @p dev to a DMA container (for tools that use a device no driver
 * probed): kernel devices join the bus's shared container, a vfio-user
 * device gets its own. Reads the config space size and the BARs. Does not
 * touch the command register. Attaching an attached device does nothing.
 * @return 0, or a negative errno (logged): -ENODEV (not bound to vfio-pci
 *         or the backend is missing), or the container's error.
 */
int pci_device_attach(struct pci_device *dev);

/**
 * Detach @p dev: MSI-X off, BARs unmapped, device out of its container
 * (a vfio-user device's container destroyed). Does not call the driver.
 */
void pci_device_detach(struct pci_device *dev);

/**
 * Control-plane liveness check of an attached device (the container's
 * poll_events op): answers what a vfio-user server sent meanwhile and
 * notices a server that went away. Never blocks; not for the fast path (it
 * may make a syscall).
 * @return 0 while the device is reachable; -ENOTCONN once it is gone for
 *         good (every later access fails); -ENODEV when not attached
 */
int pci_device_poll_events(struct pci_device *dev);

/* ---- config space -------------------------------------------------------- */

/**
 * Read @p len bytes of config space at @p offset through the device's
 * config region.
 * @return 0, or a negative errno: -ENODEV (not attached), -EINVAL (range
 *         beyond config_size), -EIO (short read), or the backend's error.
 */
int pci_config_read(struct pci_device *dev, void *buf, size_t len,
		    uint64_t offset);

/** Write @p len bytes of config space at @p offset. Same errors as
 *  pci_config_read(). The write has reached the device on return. */
int pci_config_write(struct pci_device *dev, const void *buf, size_t len,
		     uint64_t offset);

/** Read a config byte / little-endian word / dword into @p val.
 *  @return as pci_config_read(). */
int pci_config_read8(struct pci_device *dev, uint64_t offset, uint8_t *val);
int pci_config_read16(struct pci_device *dev, uint64_t offset, uint16_t *val);
int pci_config_read32(struct pci_device *dev, uint64_t offset, uint32_t *val);
/** Write a config byte / word / dword. @return as pci_config_write(). */
int pci_config_write8(struct pci_device *dev, uint64_t offset, uint8_t val);
int pci_config_write16(struct pci_device *dev, uint64_t offset, uint16_t val);
int pci_config_write32(struct pci_device *dev, uint64_t offset, uint32_t val);

/** A capability found in config space. */
struct pci_cap {
	uint16_t offset;  /**< of its header in config space */
	uint16_t id;      /**< PCI_CAP_ID_* or, when extended, PCI_EXT_CAP_ID_* */
	uint8_t version;  /**< extended capabilities only */
	bool extended;    /**< in the PCIe extended space (offset >= 0x100) */
};

/**
 * Walk every capability: the standard list, then the extended one (when
 * config space is larger than 256 bytes).
 * @param caps  filled with up to @p max entries, in list order
 * @return the number of capabilities (may exceed @p max: only @p max are
 *         stored), or a negative errno: -EIO for a malformed list (a
 *         pointer into the header, misaligned, or a loop; logged), or the
 *         config read's error.
 */
int pci_cap_list(struct pci_device *dev, struct pci_cap *caps, unsigned max);

/**
 * Offset of the first standard capability @p cap_id (PCI_CAP_ID_*) after
 * offset @p after (0: from the start of the list).
 * @return the offset (>= 0x40), -ENOENT when there is none, or an error
 *         of pci_cap_list().
 */
int pci_cap_find_next(struct pci_device *dev, uint8_t cap_id, int after);

/** pci_cap_find_next(@p dev, @p cap_id, 0). */
int pci_cap_find(struct pci_device *dev, uint8_t cap_id);

/**
 * Offsets of every standard capability @p cap_id, in list order: virtio
 * finds its PCI_CAP_ID_VNDR structures this way.
 * @return how many there are (may exceed @p max; @p max are stored), or an
 *         error of pci_cap_list().
 */
int pci_cap_find_all(struct pci_device *dev, uint8_t cap_id, uint16_t *offsets,
		     unsigned max);

/**
 * Offset of the extended capability @p cap_id (PCI_EXT_CAP_ID_*).
 * @return the offset (>= 0x100), -ENOENT, or an error of pci_cap_list().
 */
int pci_ext_cap_find(struct pci_device *dev, uint16_t cap_id);

/** Name of a capability id ("MSI-X", "PCIe", "vendor", ...; "?" if unknown). */
const char *pci_cap_name(uint16_t id, bool extended);

/* ---- command register, reset ------------------------------------------- */

/**
 * Set or clear Bus Master Enable in the command register: the device may
 * start (or must stop) DMA. The bus sets it before probe().
 * @return 0 or an error of the config access.
 */
int pci_bus_master_set(struct pci_device *dev, bool enable);

/**
 * Reset the device through its backend (VFIO_DEVICE_RESET: FLR, PM or bus
 * reset as the kernel chooses). Config space is restored by the kernel;
 * BAR mappings stay valid; the device's registers are at their defaults.
 * @return 0, -ENOTSUP when the device offers no reset (logged: a
 *         conventional PCI device has no FLR; behind a PCIe port it has),
 *         -ENODEV when not attached, or the backend's error.
 */
int pci_device_reset(struct pci_device *dev);

/* ---- BARs ---------------------------------------------------------------- */

/**
 * Map BAR @p bar into this process. A region with sparse mmap areas (the
 * kernel keeps e.g. the MSI-X table out) is mapped area by area at the
 * right offsets of one reservation; the holes stay inaccessible and are
 * reached through pci_bar_read() / pci_bar_write() (the inline accessors
 * do this on their own). Mapping a mapped BAR returns the same address.
 * @return the BAR's first byte, or NULL with errno: EINVAL (no such BAR),
 *         ENOENT (not implemented), ENODEV (not attached), ENOTSUP (an I/O
 *         BAR or a backend that cannot map it: use pci_bar_read() /
 *         pci_bar_write()), or the mmap error. Logged.
 */
volatile void *pci_bar_map(struct pci_device *dev, unsigned bar);

/** Undo pci_bar_map(). An unmapped BAR is ignored. */
void pci_bar_unmap(struct pci_device *dev, unsigned bar);

/**
 * Read @p len bytes of BAR @p bar at @p offset through the backend's
 * region ops (a syscall or a message: slow, but works for every BAR).
 * @return 0, or a negative errno: -EINVAL (out of the BAR), -ENODEV,
 *         -EIO (short), or the backend's error.
 */
int pci_bar_read(struct pci_device *dev, unsigned bar, uint64_t offset,
		 void *buf, size_t len);

/** Write through the region ops; the write has reached the device on
 *  return. Same errors as pci_bar_read(). */
int pci_bar_write(struct pci_device *dev, unsigned bar, uint64_t offset,
		  const void *buf, size_t len);

/*
 * MMIO accessors on a mapped address. PCI is little-endian. A write is
 * ordered after the caller's earlier stores to memory (descriptors), and a
 * read before its later loads, as a doorbell or a status poll needs.
 */

/** Read a 32-bit register at @p base + @p off. */
static inline uint32_t pci_mmio_read32(const volatile void *base, size_t off)
{
	uint32_t v = *(const volatile uint32_t *)(const volatile void *)
			     ((const volatile char *)base + off);

	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return le32toh(v);
}

/** Read a 16-bit register at @p base + @p off. */
static inline uint16_t pci_mmio_read16(const volatile void *base, size_t off)
{
	uint16_t v = *(const volatile uint16_t *)(const volatile void *)
			     ((const volatile char *)base + off);

	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return le16toh(v);
}

/** Read an 8-bit register at @p base + @p off. */
static inline uint8_t pci_mmio_read8(const volatile void *base, size_t off)
{
	uint8_t v = *((const volatile uint8_t *)base + off);

	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return v;
}

/** Write a 32-bit register at @p base + @p off. */
static inline void pci_mmio_write32(volatile void *base, size_t off, uint32_t v)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
	*(volatile uint32_t *)(volatile void *)((volatile char *)base + off) = htole32(v);
}

/** Write a 16-bit register at @p base + @p off. */
static inline void pci_mmio_write16(volatile void *base, size_t off, uint16_t v)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
	*(volatile uint16_t *)(volatile void *)((volatile char *)base + off) = htole16(v);
}

/** Write an 8-bit register at @p base + @p off. */
static inline void pci_mmio_write8(volatile void *base, size_t off, uint8_t v)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
	*((volatile uint8_t *)base + off) = v;
}

/* Slow paths of the accessors below: region ops, or MMIO inside a sparse
 * area. An access that fails is logged and reads as all ones (what a PCI
 * read of an absent device returns). */
uint32_t pci_bar_read_slow(struct pci_device *dev, unsigned bar, uint64_t off,
			   unsigned width);
void pci_bar_write_slow(struct pci_device *dev, unsigned bar, uint64_t off,
			uint32_t v, unsigned width);

/**
 * Read the 32-bit register at @p off of BAR @p bar: MMIO when the BAR is
 * wholly mapped, otherwise the region ops (or MMIO within a sparse area).
 * @p bar must be < PCI_MAX_BARS. A failed slow access reads 0xffffffff
 * (logged).
 */
static inline uint32_t pci_bar_read32(struct pci_device *dev, unsigned bar,
				      uint64_t off)
{
	const struct pci_bar *b = &dev->bars[bar];

	if (likely(b->fully_mapped && off + 4 <= b->size))
		return pci_mmio_read32(b->addr, (size_t)off);
	return pci_bar_read_slow(dev, bar, off, 4);
}

/** 16-bit pci_bar_read32(). A failed slow access reads 0xffff. */
static inline uint16_t pci_bar_read16(struct pci_device *dev, unsigned bar,
				      uint64_t off)
{
	const struct pci_bar *b = &dev->bars[bar];

	if (likely(b->fully_mapped && off + 2 <= b->size))
		return pci_mmio_read16(b->addr, (size_t)off);
	return (uint16_t)pci_bar_read_slow(dev, bar, off, 2);
}

/** 8-bit pci_bar_read32(). A failed slow access reads 0xff. */
static inline uint8_t pci_bar_read8(struct pci_device *dev, unsigned bar,
				    uint64_t off)
{
	const struct pci_bar *b = &dev->bars[bar];

	if (likely(b->fully_mapped && off + 1 <= b->size))
		return pci_mmio_read8(b->addr, (size_t)off);
	return (uint8_t)pci_bar_read_slow(dev, bar, off, 1);
}

/** Write the 32-bit register at @p off of BAR @p bar (as pci_bar_read32();
 *  a failed slow write is logged). */
static inline void pci_bar_write32(struct pci_device *dev, unsigned bar,
				   uint64_t off, uint32_t v)
{
	const struct pci_bar *b = &dev->bars[bar];

	if (likely(b->fully_mapped && off + 4 <= b->size))
		pci_mmio_write32(b->addr, (size_t)off, v);
	else
		pci_bar_write_slow(dev, bar, off, v, 4);
}

/** 16-bit pci_bar_write32(). */
static inline void pci_bar_write16(struct pci_device *dev, unsigned bar,
				   uint64_t off, uint16_t v)
{
	const struct pci_bar *b = &dev->bars[bar];

	if (likely(b->fully_mapped && off + 2 <= b->size))
		pci_mmio_write16(b->addr, (size_t)off, v);
	else
		pci_bar_write_slow(dev, bar, off, v, 2);
}

/** 8-bit pci_bar_write32(). */
static inline void pci_bar_write8(struct pci_device *dev, unsigned bar,
				  uint64_t off, uint8_t v)
{
	const struct pci_bar *b = &dev->bars[bar];

	if (likely(b->fully_mapped && off + 1 <= b->size))
		pci_mmio_write8(b->addr, (size_t)off, v);
	else
		pci_bar_write_slow(dev, bar, off, v, 1);
}

/* ---- MSI-X --------------------------------------------------------------- */

/** What the MSI-X capability says. */
struct pci_msix_info {
	uint16_t cap_offset;   /**< of the capability in config space */
	uint16_t table_size;   /**< vectors the device has (1..2048) */
	uint8_t table_bar;     /**< BAR holding the vector table */
	uint32_t table_offset; /**< in that BAR */
	uint8_t pba_bar;       /**< BAR holding the pending bit array */
	uint32_t pba_offset;
	bool enabled;          /**< MSI-X Enable is set */
	bool function_masked;  /**< Function Mask is set */
};

/**
 * Read and check the MSI-X capability.
 * @return 0, -ENOTSUP (no MSI-X capability), -EIO (a table or PBA outside
 *         its BAR or in a BAR that does not exist; logged), or a config
 *         access error.
 */
int pci_msix_info_get(struct pci_device *dev, struct pci_msix_info *info);

/**
 * Enable @p nvec MSI-X vectors, each signalling its own new eventfd
 * (non-blocking, close-on-exec): vector i increments eventfds_out[i], which
 * a thread may poll()/read(). The fds stay owned by the bus.
 * @return 0, or a negative errno: -ENOTSUP (no MSI-X), -EINVAL (@p nvec 0
 *         or more than the device or the backend offers; the limit is
 *         logged), -EBUSY (already enabled: disable first), -ENODEV, or the
 *         backend's error.
 */
int pci_msix_enable(struct pci_device *dev, unsigned nvec, int *eventfds_out);

/** Disable MSI-X and close its eventfds. @return 0 or the backend's
 *  error (the fds are closed anyway). Disabling a disabled device is 0. */
int pci_msix_disable(struct pci_device *dev);

/* ---- tools --------------------------------------------------------------- */

/**
 * Print @p dev to @p stream (a FILE *): identity, driver, IOMMU group and,
 * when attached, its BARs and capabilities (MSI-X with its table).
 */
void pci_device_dump(void *stream, struct pci_device *dev);

/** Format "DDDD:BB:DD.F" of @p addr into @p buf (>= 13 bytes). */
void pci_addr_format(const struct pci_addr *addr, char *buf, size_t size);

#endif /* UPDK_PCI_H */
