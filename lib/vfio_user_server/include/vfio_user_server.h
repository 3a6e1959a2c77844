/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * vfio-user server: makes an emulated PCI device reachable by a vfio-user
 * client (QEMU's vfio-user-pci, SPDK, or updk's own vfio-user backend).
 *
 * The device model describes itself once (config space, regions, IRQs,
 * callbacks) and the server does the protocol: it listens on a UNIX socket,
 * serves one client at a time, and after that client leaves it accepts the
 * next one.
 *
 *     struct vus_device_info info = { ... };
 *     struct vus_server *srv = vus_server_create("/tmp/nic0.sock", &info);
 *     while (running) {
 *         vus_server_poll(srv, 0);     // protocol work, never blocks
 *         device_fast_path(srv);       // uses vus_dma_*() and vus_irq_trigger()
 *     }
 *     vus_server_destroy(srv);
 *
 * Threading: one thread drives a server. The callbacks run inside
 * vus_server_poll(), so a device model that also runs its fast path from the
 * same loop needs no lock.
 *
 * Memory the client maps with an fd is mmap()ed and reached by pointer
 * (vus_dma_translate()); memory mapped without an fd is reached through
 * DMA_READ/DMA_WRITE messages (vus_dma_read()/vus_dma_write() do this on
 * their own; slow, and some clients do not answer them). Those go on the
 * twin socket when the client offered one in VERSION (the server always
 * accepts); otherwise on the one socket, where client commands that arrive
 * while the server waits for its DMA reply are kept (up to 64 commands /
 * 4 MiB, beyond that refused with EBUSY and logged) and handled right after,
 * in order.
 *
 * Protocol coverage: VERSION (twin_socket, write_multiple), DMA_MAP/UNMAP,
 * DEVICE_GET_INFO, GET_REGION_INFO, GET_IRQ_INFO, SET_IRQS, REGION_READ,
 * REGION_WRITE, REGION_WRITE_MULTI, DEVICE_RESET, DEVICE_FEATURE (dirty
 * logging). The VERSION handshake of a new client is a non-blocking step of
 * vus_server_poll() (see vus_server_set_handshake_timeout()).
 *
 * Dirty logging (DEVICE_FEATURE DMA_LOGGING_START/STOP/REPORT): every byte
 * written through vus_dma_write(), or declared with vus_dma_mark_dirty(),
 * marks its pages. A model that writes through vus_dma_translate() pointers
 * must call vus_dma_mark_dirty() for what it wrote.
 *
 * Migration (DEVICE_FEATURE MIGRATION / MIG_DEVICE_STATE, MIG_DATA_READ /
 * MIG_DATA_WRITE; spec "VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE"): a model that
 * fills vus_device_info::migration gets the VFIO migration v2 state machine
 * (RUNNING, STOP, STOP_COPY, RESUMING, PRE_COPY; combination arcs walked
 * one arc at a time as linux/vfio.h prescribes). The server owns the data
 * stream: it frames the model's saved state with the PCI config space the
 * client wrote, a magic, a version, lengths and a checksum, serves it in
 * chunks to MIG_DATA_READ, gathers MIG_DATA_WRITE in RESUMING and checks it
 * all before the model's load() sees it. A model without migration answers
 * those features with ENOTSUP, as before.
 *
 *     source server                      destination server (fresh)
 *     RUNNING -> STOP (model quiesces)   STOP -> RESUMING
 *     STOP -> STOP_COPY (model saves)    MIG_DATA_WRITE... (gathered)
 *     MIG_DATA_READ... until short read  RESUMING -> STOP (checked, loaded)
 *                                        STOP -> RUNNING (model resumes)
 *
 * Outside RUNNING and PRE_COPY the device must not touch client memory nor
 * raise interrupts: the model's fast path checks vus_migration_state() (or
 * the state its state_change callback recorded) before it does.
 */
#ifndef UPDK_VFIO_USER_SERVER_H
#define UPDK_VFIO_USER_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Region indexes of a PCI device (same numbering as VFIO). */
enum vus_pci_region {
	VUS_PCI_BAR0_REGION = 0,
	VUS_PCI_BAR5_REGION = 5,
	VUS_PCI_ROM_REGION = 6,
	VUS_PCI_CONFIG_REGION = 7,
	VUS_PCI_VGA_REGION = 8,
	VUS_PCI_NUM_REGIONS = 9,
};

/** IRQ indexes of a PCI device (same numbering as VFIO). */
enum vus_pci_irq {
	VUS_PCI_INTX_IRQ = 0,
	VUS_PCI_MSI_IRQ = 1,
	VUS_PCI_MSIX_IRQ = 2,
	VUS_PCI_ERR_IRQ = 3,
	VUS_PCI_REQ_IRQ = 4,
	VUS_PCI_NUM_IRQS = 5,
};

/** Region flags (values as in VFIO_REGION_INFO_FLAG_*). */
#define VUS_REGION_READ  (1u << 0)
#define VUS_REGION_WRITE (1u << 1)
#define VUS_REGION_MMAP  (1u << 2)

/** Most mmap()able areas one region may list. */
#define VUS_MAX_SPARSE_AREAS 8
/** Largest PCI config space (PCI Express). */
#define VUS_PCI_CONFIG_SPACE_MAX 4096
/** Most distinct IRQ vectors per index that SET_IRQS may store. */
#define VUS_MAX_IRQS_PER_INDEX 2048
/** Most DMA mappings a client may hold at once. */
#define VUS_MAX_DMA_MAPPINGS 1024

struct vus_server;

/**
 * Region access callback: the client read or wrote @p count bytes at
 * @p offset of the region (the server already checked the range).
 * @param priv      vus_device_info::priv
 * @param offset    byte offset inside the region
 * @param buf       data to write, or where to put what is read
 * @param count     bytes (1..vus_device_info::max_access)
 * @param is_write  direction
 * @return 0, or a negative errno that the client receives as an error reply
 */
typedef int (*vus_region_access_fn)(void *priv, uint64_t offset, void *buf,
				    size_t count, bool is_write);

/** One area of a region that the client may mmap(). */
struct vus_sparse_area {
	uint64_t offset; /**< from the start of the region, page aligned */
	uint64_t size;   /**< bytes, page aligned */
};

/** One region (a BAR, the ROM, the config space...). */
struct vus_region {
	uint64_t size;               /**< bytes; 0 = absent. BARs: a power of two */
	uint32_t flags;              /**< VUS_REGION_* */
	vus_region_access_fn access; /**< REGION_READ/WRITE; NULL = EINVAL */
	int mmap_fd;                 /**< with VUS_REGION_MMAP: the fd to pass */
	uint64_t mmap_offset;        /**< where the region starts in mmap_fd */
	unsigned nr_sparse;          /**< 0 = the whole region is mmap()able */
	struct vus_sparse_area sparse[VUS_MAX_SPARSE_AREAS];
};

/** Device migration states: the values of linux/vfio.h's enum
 *  vfio_device_mig_state (P2P states are not offered: vfio-user has no use
 *  for them). */
enum vus_migration_state {
	VUS_MIGRATION_ERROR = 0,     /**< failed arc: only DEVICE_RESET leaves it */
	VUS_MIGRATION_STOP = 1,      /**< no DMA, no interrupts, state frozen */
	VUS_MIGRATION_RUNNING = 2,   /**< normal operation */
	VUS_MIGRATION_STOP_COPY = 3, /**< stopped, state being read out */
	VUS_MIGRATION_RESUMING = 4,  /**< stopped, state being written in */
	VUS_MIGRATION_PRE_COPY = 6,  /**< running, save session open */
};

/**
 * What a model provides to be migratable. Every callback runs inside
 * vus_server_poll().
 */
struct vus_migration_callbacks {
	/**
	 * The device enters @p state by one direct arc of the FSM (a
	 * combination transition calls it once per arc). Entering STOP (from
	 * RUNNING or PRE_COPY) the model must finish what it was doing and
	 * then stop touching client memory and raising interrupts until it is
	 * told RUNNING again; entering RESUMING it may reset itself.
	 * @return 0, or a negative errno: the transition fails there and the
	 *         device goes to ERROR.
	 */
	int (*state_change)(void *priv, enum vus_migration_state state);
	/**
	 * Write the device's state into @p buf (@p cap bytes, at most
	 * max_state_size). Called when STOP_COPY is entered, the device stopped.
	 * @return bytes written, or a negative errno
	 */
	ssize_t (*save)(void *priv, void *buf, size_t cap);
	/**
	 * Take the state that save() wrote on the source, called on RESUMING ->
	 * STOP. The server already checked the framing and checksum; the model
	 * checks its own format (magic, version, every length and index) and
	 * refuses anything inconsistent with a message saying what, leaving
	 * the device as it was.
	 * @return 0, or a negative errno (the device then goes to ERROR)
	 */
	int (*load)(void *priv, const void *buf, size_t len);
	/** Largest state save() writes and load() accepts, in bytes (> 0). */
	size_t max_state_size;
};

/**
 * What the device is. The server copies it in vus_server_create(); the
 * model keeps ownership of the fds and priv.
 */
struct vus_device_info {
	const char *name;     /**< for log messages */
	void *priv;           /**< passed to every callback */
	bool is_pci;          /**< DEVICE_GET_INFO reports VFIO_DEVICE_FLAGS_PCI */
	bool has_reset;       /**< DEVICE_RESET is supported */

	/**
	 * PCI config space: the server serves region VUS_PCI_CONFIG_REGION
	 * from this copy (size config_size) unless regions[7].access is set.
	 * Writes are applied only to bytes whose bit is set in config_wmask
	 * (NULL: command register and interrupt line only); BAR registers
	 * get the usual size masking so that a client sizing BARs reads back
	 * what real hardware returns.
	 */
	const uint8_t *config_space;
	const uint8_t *config_wmask;
	size_t config_size;   /**< 256 or 4096 */
	/** Told after the server applied a config space write (may be NULL). */
	void (*config_written)(void *priv, uint64_t offset, size_t count);

	struct vus_region regions[VUS_PCI_NUM_REGIONS];
	uint32_t irq_count[VUS_PCI_NUM_IRQS]; /**< vectors per IRQ index */

	/** DEVICE_RESET, and a client disconnect (may be NULL). */
	void (*reset)(void *priv);
	/**
	 * A DMA range is about to go away (DMA_UNMAP or disconnect): the model
	 * must forget pointers into [iova, iova + size). May be NULL.
	 */
	void (*dma_unmap)(void *priv, uint64_t iova, uint64_t size);

	/** Migration support (NULL: none, the features answer ENOTSUP). The
	 *  pointed structure must outlive the server. */
	const struct vus_migration_callbacks *migration;
};

/**
 * Create a server listening on @p socket_path (an existing socket file is
 * replaced; the file is removed by vus_server_destroy()).
 * @param socket_path  UNIX socket path (shorter than sun_path)
 * @param info         device description; checked: BAR sizes must be
 *                     powers of two, sparse areas inside their region, IRQ
 *                     counts at most VUS_MAX_IRQS_PER_INDEX, config space
 *                     256 or 4096 bytes
 * @return the server, or NULL with errno: EINVAL (bad description, the log
 *         says which field), ENAMETOOLONG, ENOMEM, or the socket error
 */
struct vus_server *vus_server_create(const char *socket_path,
				     const struct vus_device_info *info);

/**
 * Create a server on an already connected socket (tests, socket activation).
 * Once that client leaves, the server has nobody to accept: poll returns
 * -ENOTCONN.
 * @param conn_fd  connected SOCK_STREAM UNIX socket; the server owns it
 * @param info     as for vus_server_create()
 * @return the server, or NULL with errno
 */
struct vus_server *vus_server_create_connected(int conn_fd,
					       const struct vus_device_info *info);

/** Disconnect the client, unmap its memory, close and remove the socket.
 *  NULL is accepted. */
void vus_server_destroy(struct vus_server *srv);

/**
 * Do the protocol work that is pending: accept a client, read and answer
 * its messages. Returns after @p timeout_ms at most when nothing happens
 * (0: never blocks; -1: wait for something to do).
 * @return number of messages handled (>= 0), or -ENOTCONN when a server
 *         made by vus_server_create_connected() lost its client, or
 *         another negative errno for a failed poll()
 */
int vus_server_poll(struct vus_server *srv, int timeout_ms);

/**
 * How long a client that connected may take to send its VERSION (default
 * 2000 ms). The handshake is a step of vus_server_poll() and never blocks
 * it: the server reads VERSION only once the whole message has arrived, and
 * drops a client that stays silent past this timeout (logged).
 * @param timeout_ms milliseconds (> 0; other values are ignored)
 */
void vus_server_set_handshake_timeout(struct vus_server *srv, int timeout_ms);

/** @return true while a client is connected and has negotiated VERSION. */
bool vus_server_connected(const struct vus_server *srv);

/** @return number of clients served so far (connections accepted). */
uint64_t vus_server_client_count(const struct vus_server *srv);

/**
 * The server's current copy of the PCI config space (what the client
 * wrote included), for the model to read e.g. the command register.
 */
const uint8_t *vus_server_config_space(const struct vus_server *srv);

/**
 * Signal interrupt @p vector of IRQ index @p irq_index: writes the eventfd
 * the client gave with SET_IRQS. One write(2); meant for the fast path's
 * interrupt moderation points, not per packet.
 * @return 0; -ENOENT when the client has no eventfd on that vector (not
 *         an error for a model: the driver polls); -EINVAL for an index or
 *         vector outside the device's description
 */
int vus_irq_trigger(struct vus_server *srv, uint32_t irq_index, uint32_t vector);

/** @return true when the client set an eventfd for that vector. */
bool vus_irq_has_eventfd(const struct vus_server *srv, uint32_t irq_index,
			 uint32_t vector);

/**
 * Pointer to client memory [iova, iova + len): lies inside ONE fd-mapped
 * DMA range with the needed permission, or NULL. Does not mark pages dirty.
 * Fast: no syscall, remembers the last range it found.
 * @param srv       server
 * @param iova      client I/O virtual address
 * @param len       bytes that will be accessed (> 0)
 * @param is_write  the device will write (range must allow writes)
 */
void *vus_dma_translate(struct vus_server *srv, uint64_t iova, size_t len,
			bool is_write);

/**
 * Copy @p len bytes of client memory at @p iova into @p buf: through the
 * mapping when there is one, otherwise with DMA_READ messages (blocks until
 * the client answers, at most one second).
 * @return 0, -EFAULT (no mapping covers the range, or the client refused),
 *         -ENOTCONN (no client), -EBUSY (the device is stopped for
 *         migration: see vus_migration_state())
 */
int vus_dma_read(struct vus_server *srv, uint64_t iova, void *buf, size_t len);

/**
 * Copy @p buf into client memory at @p iova (mapping or DMA_WRITE messages)
 * and mark the pages dirty while logging is on.
 * @return 0, -EFAULT, -ENOTCONN, -EBUSY (stopped for migration)
 */
int vus_dma_write(struct vus_server *srv, uint64_t iova, const void *buf,
		  size_t len);

/**
 * Declare that the device wrote [iova, iova + len) through a pointer from
 * vus_dma_translate(). One predictable branch while logging is off.
 */
void vus_dma_mark_dirty(struct vus_server *srv, uint64_t iova, size_t len);

/** @return true while the client has dirty logging started. */
bool vus_dma_logging_active(const struct vus_server *srv);

/**
 * The device's migration state (VUS_MIGRATION_RUNNING for a model without
 * migration). One load: a fast path may call it every turn.
 */
enum vus_migration_state vus_migration_state(const struct vus_server *srv);

/** @return true in RUNNING and PRE_COPY: the device may do DMA and raise
 *  interrupts. */
static inline bool vus_migration_state_is_running(enum vus_migration_state s)
{
	return s == VUS_MIGRATION_RUNNING || s == VUS_MIGRATION_PRE_COPY;
}

#ifdef __cplusplus
}
#endif

#endif /* UPDK_VFIO_USER_SERVER_H */
