/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * DMA containers: one IOMMU address space, many backends.
 *
 * A container owns an address space that devices reach by DMA. What that
 * space is depends on the backend behind the container's ops vector:
 *
 *   backend   | address space                | transport
 *   ----------|------------------------------|----------------------------
 *   type1     | a VFIO type1 IOMMU container | ioctl on /dev/vfio/vfio
 *   noiommu   | none (IOVA = physical)       | ioctl, unsafe no-IOMMU mode
 *   iommufd   | an IOAS of /dev/iommu        | ioctl on /dev/iommu
 *   user      | the vfio-user server's view  | messages on a UNIX socket,
 *             |                              | memory shared by fd
 *
 * Callers use the ops directly, as QEMU's reviewers asked of the seed patch:
 *
 *     c->ops->dma_map(c, iova, vaddr, len, fd, fd_offset, VFIO_DMA_READ | VFIO_DMA_WRITE);
 *
 * Devices attached to a container have their own ops vector (struct
 * vfio_device_ops): region access, BAR mapping, interrupts, reset and
 * features, so a driver never knows which backend serves it.
 *
 * A container created with vfio_container_create() subscribes to the EAL's
 * memory events: every DMA memory segment, present and future, is mapped
 * into it (and unmapped before it is freed), so a mempool created after a
 * device was attached is usable by that device without extra calls.
 * Contiguous segments are merged into one mapping where the backend allows,
 * so a large pool does not exhaust type1's DMA_AVAIL entries.
 *
 * With type1 the address space exists only once the first group has joined
 * (VFIO_SET_IOMMU needs one), so c->info is complete and memory is mapped
 * from the first vfio_container_attach() on.
 *
 * All functions return 0 or a negative errno and log what went wrong and what
 * to do; none is meant for the per-packet fast path.
 *
 * Types that would clash with <linux/vfio.h> (which drivers include for the
 * region and IRQ index constants) are named vfio_cont_*.
 */
#ifndef UPDK_VFIO_CONT_H
#define UPDK_VFIO_CONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "eal.h"

struct vfio_container;
struct vfio_device;

/** dma_map permissions. */
#define VFIO_DMA_READ  (1u << 0) /**< the device may read */
#define VFIO_DMA_WRITE (1u << 1) /**< the device may write */

/** dma_unmap flags. */
#define VFIO_DMA_UNMAP_ALL (1u << 0) /**< every mapping; iova and len must be 0 */

/** Where IOVAs may be placed (the kernel cuts out e.g. the MSI window). */
struct vfio_cont_iova_range {
	uint64_t start;
	uint64_t end; /**< inclusive */
};

#define VFIO_MAX_IOVA_RANGES 16

/** What a backend's address space offers; filled when the container opens. */
struct vfio_container_info {
	uint64_t pgsize_bitmap;    /**< supported IOMMU page sizes */
	struct vfio_cont_iova_range iova_ranges[VFIO_MAX_IOVA_RANGES];
	unsigned nb_iova_ranges;   /**< 0: the whole 64-bit space */
	uint32_t dma_avail;        /**< mappings left (type1 DMA_AVAIL), 0 = unknown */
	bool dirty_tracking;       /**< dirty_* ops work */
	uint64_t dirty_pgsize_bitmap; /**< page sizes dirty tracking reports in */
	uint64_t dirty_max_bitmap_bytes; /**< largest bitmap one query may ask */
	bool iova_is_pa;           /**< noiommu: IOVA must be the physical address */
};

/**
 * The backend operations of a container, one instance per backend, named in
 * full. Every op returns 0 or a negative errno.
 */
struct vfio_container_ops {
	const char *name; /**< "type1", "noiommu", "iommufd", "user" */
	/**
	 * dma_map takes the memory by @p fd and @p fd_offset (vfio-user), not
	 * only by address: the container then merges two segments into one
	 * mapping only where fd and offset continue too.
	 */
	bool maps_by_fd;

	/**
	 * Open the backend: take the kernel objects or the connection that make
	 * the address space, and fill c->info. @p target is backend-specific:
	 * NULL for the kernel backends, the socket path for "user".
	 */
	int (*open)(struct vfio_container *c, const char *target);
	/** Release everything open() and attach took (devices detached first). */
	void (*release)(struct vfio_container *c);

	/**
	 * Map @p len bytes at @p vaddr to @p iova for the devices of the
	 * container. @p fd and @p fd_offset name the backing memory of vaddr
	 * (a vfio-user server maps it from the fd; kernel backends pin vaddr).
	 * @p fd may be -1 for memory without one (vfio-user then serves DMA by
	 * messages). @p prot is VFIO_DMA_READ | VFIO_DMA_WRITE.
	 */
	int (*dma_map)(struct vfio_container *c, uint64_t iova, void *vaddr,
		       size_t len, int fd, off_t fd_offset, unsigned prot);
	/** Unmap exactly [iova, iova + len) as mapped (whole mappings: the
	 *  kernel backends cannot unmap part of one), or everything with
	 *  VFIO_DMA_UNMAP_ALL. */
	int (*dma_unmap)(struct vfio_container *c, uint64_t iova, size_t len,
			 unsigned flags);

	/** Start recording which pages devices write by DMA. -ENOTSUP if the
	 *  backend cannot. */
	int (*dirty_tracking_start)(struct vfio_container *c);
	/** Stop recording. -ENOTSUP if the backend cannot track. */
	int (*dirty_tracking_stop)(struct vfio_container *c);
	/**
	 * Fill @p bitmap (one bit per @p pgsize page of [iova, iova + len),
	 * bit 0 of word 0 = first page; (len / pgsize + 63) / 64 words) with
	 * the pages written since the last query (or the start), and clear
	 * them in the backend. type1 wants [iova, iova + len) to cover whole
	 * mappings and @p pgsize to be its smallest IOMMU page; it reports
	 * every mapped page dirty (it cannot see device writes).
	 */
	int (*dirty_bitmap_query)(struct vfio_container *c, uint64_t iova,
				  size_t len, size_t pgsize, uint64_t *bitmap);

	/**
	 * Read c->info again from the backend: type1's dma_avail moves with
	 * every mapping, iommufd's IOVA ranges with every device. NULL when
	 * the backend's info never changes after open/attach.
	 */
	int (*refresh_info)(struct vfio_container *c);

	/**
	 * Attach a device into the container's address space. @p name is a PCI
	 * address ("0000:00:03.0" or "00:03.0") for the kernel backends, or ""
	 * for "user" (the connection is the device). On success *dev is the
	 * device, with its own ops. Errors: -EINVAL (malformed address), -ENODEV
	 * (no such device, or no IOMMU group), -EBUSY (bound to another driver
	 * than vfio-pci, or its group is not viable: the message names the
	 * devices and the commands that fix it), -ENOENT (VFIO device nodes
	 * missing), or the kernel's error.
	 */
	int (*device_attach)(struct vfio_container *c, const char *name,
			     struct vfio_device **dev);
	/** Detach and free a device (its fds and IRQs released). With type1 the
	 *  device's group stays in the container until it is released: the
	 *  kernel drops the IOMMU model, and every mapping, when the last group
	 *  leaves. A device attached with vfio_container_attach() is on the
	 *  container's list: detach it with vfio_container_detach(), which
	 *  takes it off the list and calls this op, never with the op alone
	 *  (vfio_container_destroy() would detach it a second time). */
	void (*device_detach)(struct vfio_container *c, struct vfio_device *dev);
};

/** A sparse-mmap area of a region: the part that may be mapped. */
struct vfio_mmap_area {
	uint64_t offset; /**< from the start of the region */
	uint64_t size;
};

#define VFIO_MAX_MMAP_AREAS 8

/** A device region (BAR, config space, ...). */
struct vfio_region {
	uint32_t index;
	uint32_t flags;   /**< VFIO_REGION_INFO_FLAG_READ|WRITE|MMAP (linux/vfio.h) */
	uint64_t size;
	uint64_t offset;  /**< backend cookie: kernel file offset; vfio-user 0 */
	int fd;           /**< fd to mmap, -1 when it cannot be mapped */
	/** Where mmap may go; when none are given and MMAP is set, the whole
	 *  region can be mapped. */
	struct vfio_mmap_area areas[VFIO_MAX_MMAP_AREAS];
	unsigned nb_areas;
	/** Device-specific capability types seen in the chain (for tools). */
	uint32_t cap_ids[8];
	unsigned nb_caps;
};

struct vfio_cont_device_info {
	uint32_t flags;       /**< VFIO_DEVICE_FLAGS_* (linux/vfio.h) */
	uint32_t num_regions;
	uint32_t num_irqs;
};

struct vfio_cont_irq_info {
	uint32_t index;
	uint32_t flags;  /**< VFIO_IRQ_INFO_* */
	uint32_t count;
};

/**
 * Device migration states: the FSM of linux/vfio.h (enum
 * vfio_device_mig_state, "VFIO migration v2"), named here because older
 * kernel headers lack the PRE_COPY states. Direct arcs: RUNNING <-> STOP,
 * STOP -> STOP_COPY -> STOP, STOP -> RESUMING -> STOP, RUNNING <-> PRE_COPY,
 * PRE_COPY -> STOP_COPY (and the P2P variants); any other transition is a
 * combination the device walks by itself (STOP_COPY -> PRE_COPY is refused).
 */
enum vfio_cont_mig_state {
	VFIO_CONT_MIG_ERROR = 0,        /**< failed arc: only reset leaves it */
	VFIO_CONT_MIG_STOP = 1,         /**< no DMA, no interrupts, frozen */
	VFIO_CONT_MIG_RUNNING = 2,
	VFIO_CONT_MIG_STOP_COPY = 3,    /**< stopped; state read with migration_data_read */
	VFIO_CONT_MIG_RESUMING = 4,     /**< stopped; state written with migration_data_write */
	VFIO_CONT_MIG_RUNNING_P2P = 5,
	VFIO_CONT_MIG_PRE_COPY = 6,     /**< running; early state may be read */
	VFIO_CONT_MIG_PRE_COPY_P2P = 7,
};

/** migration_get_flags: what the device's migration offers
 *  (VFIO_MIGRATION_* of linux/vfio.h, DEVICE_FEATURE MIGRATION). */
#define VFIO_CONT_MIGRATION_STOP_COPY (1u << 0) /**< STOP, STOP_COPY, RESUMING */
#define VFIO_CONT_MIGRATION_P2P       (1u << 1) /**< RUNNING_P2P */
#define VFIO_CONT_MIGRATION_PRE_COPY  (1u << 2) /**< PRE_COPY */

/** A device's backend operations; every op returns 0 or a negative errno. */
struct vfio_device_ops {
	/** VFIO_DEVICE_GET_INFO (also cached in d->info at attach). */
	int (*get_info)(struct vfio_device *d, struct vfio_cont_device_info *info);
	/** Region @p index with its capability chain decoded (sparse mmap). */
	int (*get_region_info)(struct vfio_device *d, uint32_t index,
			       struct vfio_region *region);
	/** Read/write @p len bytes at @p offset of region @p index. Returns
	 *  bytes done (all of @p len, or an error) or a negative errno. A
	 *  @p posted write may return before the device has seen it (vfio-user
	 *  NO_REPLY; up to 8 bytes, to a server that states write_multiple,
	 *  gathered into one REGION_WRITE_MULTI); any other request and
	 *  poll_events flush it. Kernel devices: pread/pwrite, so config
	 *  space (VFIO_PCI_CONFIG_REGION_INDEX) and BARs alike. */
	ssize_t (*region_read)(struct vfio_device *d, uint32_t index,
			       uint64_t offset, void *buf, size_t len);
	ssize_t (*region_write)(struct vfio_device *d, uint32_t index,
				uint64_t offset, const void *buf, size_t len,
				bool posted);
	/** Map an mmap-able area of a region (@p r from get_region_info;
	 *  [offset, offset + len) must lie in one of its sparse areas, or in
	 *  the region when it lists none). @return the mapping or NULL with
	 *  errno (EACCES: not mmap-able there). Undo with munmap(). */
	void *(*region_mmap)(struct vfio_device *d, const struct vfio_region *r,
			     uint64_t offset, size_t len);
	/** VFIO_DEVICE_GET_IRQ_INFO for IRQ index @p index
	 *  (VFIO_PCI_MSIX_IRQ_INDEX, ...). */
	int (*get_irq_info)(struct vfio_device *d, uint32_t index,
			    struct vfio_cont_irq_info *info);
	/** VFIO_DEVICE_SET_IRQS: @p flags are VFIO_IRQ_SET_DATA_* |
	 *  VFIO_IRQ_SET_ACTION_*; with DATA_EVENTFD, @p fds holds @p count
	 *  eventfds (-1 disables one); with DATA_BOOL, @p fds holds @p count
	 *  values, non-zero meaning true. count 0 + DATA_NONE + TRIGGER
	 *  disables the index. */
	int (*set_irqs)(struct vfio_device *d, uint32_t index, uint32_t start,
			uint32_t count, uint32_t flags, const int *fds);
	/** VFIO_DEVICE_RESET. -ENOTSUP when the device offers no reset
	 *  (VFIO_DEVICE_FLAGS_RESET clear, e.g. conventional PCI without FLR). */
	int (*reset)(struct vfio_device *d);
	/** VFIO_DEVICE_FEATURE: @p flags carries the feature number and
	 *  GET/SET/PROBE; @p data is the feature payload (may be NULL). */
	int (*feature)(struct vfio_device *d, uint32_t flags, void *data,
		       size_t len);
	/** Control-plane housekeeping that never blocks: answer what the
	 *  device's peer sent meanwhile (a vfio-user server's DMA_READ /
	 *  DMA_WRITE) and notice a peer that went away. Drivers call it from
	 *  their link update (a control thread), never from the fast path,
	 *  which touches only mmap()ed BARs and DMA memory and so cannot see a
	 *  vanished server by itself.
	 *  @return 0 while the device is reachable; -ENOTCONN once a vfio-user
	 *  server disconnected or timed out (every later op fails the same
	 *  way). Kernel devices: always 0. */
	int (*poll_events)(struct vfio_device *d);

	/*
	 * Migration (a device's state moved to another device of the same
	 * kind: another vfio-user server process, or another host's VF). The
	 * source goes RUNNING -> STOP -> STOP_COPY and its state is read until
	 * migration_data_read() returns less than asked; the destination goes
	 * STOP -> RESUMING, gets every byte with migration_data_write() in
	 * order, then RESUMING -> STOP (where it checks and loads the state)
	 * -> RUNNING. The stream is opaque: carry it unchanged. The driver's
	 * rings and buffers stay where they are: the destination device works
	 * on in the same DMA memory.
	 * Devices without migration answer -ENOTSUP (with a message).
	 */
	/** @p flags gets VFIO_CONT_MIGRATION_*. -ENOTSUP: no migration. */
	int (*migration_get_flags)(struct vfio_device *d, uint64_t *flags);
	/** @p state gets the current enum vfio_cont_mig_state. */
	int (*migration_get_state)(struct vfio_device *d, uint32_t *state);
	/**
	 * Move the device to @p state (combination transitions included).
	 * @return 0; -EINVAL for a state or arc the device refuses; another
	 *         errno when an arc failed (e.g. RESUMING -> STOP with a
	 *         truncated or corrupt stream): the device may then be in
	 *         ERROR, which only reset() leaves.
	 */
	int (*migration_set_state)(struct vfio_device *d, uint32_t state);
	/**
	 * Read the next bytes of the device's state (STOP_COPY, PRE_COPY).
	 * vfio-user: in messages of at most the server's max_data_xfer_size.
	 * @return bytes read (< @p len only at the end of the data: 0 once
	 *         everything was read), or a negative errno (-EINVAL outside a
	 *         saving state)
	 */
	ssize_t (*migration_data_read)(struct vfio_device *d, void *buf, size_t len);
	/**
	 * Give the device the next @p len bytes of the state (RESUMING).
	 * @return @p len, or a negative errno (-EINVAL outside RESUMING, the
	 *         device's refusal of a stream larger than it takes)
	 */
	ssize_t (*migration_data_write)(struct vfio_device *d, const void *buf, size_t len);
};

/** A device attached to a container. Backends embed it in their own. */
struct vfio_device {
	const struct vfio_device_ops *ops;
	struct vfio_container *container;
	char name[256];    /**< PCI address or socket path */
	struct vfio_cont_device_info info;
	struct vfio_device *next; /**< container's device list */
};

/** A container. Backends keep their state behind @p priv. */
struct vfio_container {
	const struct vfio_container_ops *ops;
	struct vfio_container_info info;
	enum eal_vfio_mode mode;
	struct vfio_device *devices;
	/** Mappings can be made: set by the backend once its address space
	 *  exists (at open, or for type1 when the first group joined). */
	bool address_space_ready;
	bool mem_events;   /**< subscribed to EAL memory events */
	bool dirty_tracking_on;
	void *priv;
};

/**
 * Create a container with the backend for @p mode (EAL_VFIO_AUTO picks
 * iommufd where /dev/iommu and the VFIO device cdev exist, else type1, else
 * fails saying what is missing), open it (@p target as for ops->open), and
 * map every EAL DMA memory segment now and as segments come and go.
 *
 * Segments whose VA, IOVA (and for maps_by_fd backends fd and offset)
 * continue each other share one mapping. Growing or splitting such a
 * mapping (a neighbour segment comes, a middle one goes) unmaps and remaps
 * it, because no backend can resize a mapping: a device DMA-ing into that
 * memory at that instant faults. Allocate DMA memory before starting
 * devices and free it after stopping them.
 *
 * A segment with an IOVA outside c->info.iova_ranges is refused (the
 * allocation that made it fails) with a message naming the reserved range.
 *
 * @return the container, or NULL with errno set and a message logged:
 *         ENODEV (AUTO found no backend), ENOTSUP (backend not built),
 *         EINVAL, ENOMEM, or the backend's error.
 */
struct vfio_container *vfio_container_create(enum eal_vfio_mode mode,
					     const char *target);

/** Stop following memory events, unmap everything the container mapped,
 *  detach every device, release the backend, free. NULL is ignored.
 *  Devices should be stopped first: unmapped memory makes their DMA fault. */
void vfio_container_destroy(struct vfio_container *c);

/** The ops vector of a backend, by mode (NULL for AUTO or an unknown mode).
 *  Lets tests and tools open a backend without memory events. */
const struct vfio_container_ops *vfio_container_ops_get(enum eal_vfio_mode mode);

/** Resolve EAL_VFIO_AUTO for this machine. @return a concrete mode, or
 *  -ENODEV with a message naming what is missing. */
int vfio_mode_resolve(enum eal_vfio_mode mode);

/**
 * Attach a device through c->ops->device_attach and, if this is the moment
 * the address space came to exist (type1 sets its IOMMU model when the first
 * group joins), map the EAL's memory into it.
 * @param c    container from vfio_container_create()
 * @param name as for ops->device_attach
 * @param dev  where the device goes
 * @return 0, or a negative errno: -EEXIST (already attached to @p c), those
 *         of ops->device_attach, or a memory mapping failure's (the device
 *         is detached again).
 */
int vfio_container_attach(struct vfio_container *c, const char *name,
			  struct vfio_device **dev);

/** Detach a device attached with vfio_container_attach() and free it. */
void vfio_container_detach(struct vfio_container *c, struct vfio_device *dev);

/**
 * Start dirty page tracking (c->ops->dirty_tracking_start) after checking
 * that the backend offers it.
 * @return 0, -ENOTSUP (c->info.dirty_tracking is false: the message says
 *         why), -EALREADY, or the backend's error.
 */
int vfio_container_dirty_tracking_start(struct vfio_container *c);

/** Stop dirty page tracking. @return 0, -EALREADY (not started), or the
 *  backend's error. */
int vfio_container_dirty_tracking_stop(struct vfio_container *c);

/**
 * Query the pages written since the last query, after checking the
 * arguments against c->info (@p pgsize one of dirty_pgsize_bitmap, iova and
 * len multiples of it, the bitmap no larger than dirty_max_bitmap_bytes).
 * @param bitmap (len / pgsize + 63) / 64 words, filled as ops->dirty_bitmap_query
 * @return 0, -EINVAL (bad arguments: the message says which), -ENOTSUP,
 *         -EALREADY (tracking not started), or the backend's error.
 */
int vfio_container_dirty_bitmap_query(struct vfio_container *c, uint64_t iova,
				      size_t len, size_t pgsize, uint64_t *bitmap);

#endif /* UPDK_VFIO_CONT_H */
