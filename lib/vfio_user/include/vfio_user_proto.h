/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * vfio-user wire format (QEMU docs/interop/vfio-user.rst, the 10.2 text that
 * matches libvfio-user).
 *
 * Every message is a 16-byte header followed by a command-specific payload;
 * header.size counts both. All fields are little-endian (host order on the
 * platforms updk supports). File descriptors travel beside the bytes as
 * SCM_RIGHTS ancillary data of the message's first byte.
 *
 * The structures here are the exact wire layouts: their sizes are checked at
 * compile time, so a server and a client built from this header agree with
 * each other and with libvfio-user / QEMU / SPDK.
 */
#ifndef UPDK_VFIO_USER_PROTO_H
#define UPDK_VFIO_USER_PROTO_H

#include <assert.h>
#include <stdint.h>

/** Protocol version this implementation speaks (a peer may offer less). */
#define VFIO_USER_MAJOR 0
#define VFIO_USER_MINOR 2

/** Commands (header.command). */
enum vfio_user_command {
	VFIO_USER_VERSION = 1,
	VFIO_USER_DMA_MAP = 2,
	VFIO_USER_DMA_UNMAP = 3,
	VFIO_USER_DEVICE_GET_INFO = 4,
	VFIO_USER_DEVICE_GET_REGION_INFO = 5,
	VFIO_USER_DEVICE_GET_REGION_IO_FDS = 6,
	VFIO_USER_DEVICE_GET_IRQ_INFO = 7,
	VFIO_USER_DEVICE_SET_IRQS = 8,
	VFIO_USER_REGION_READ = 9,
	VFIO_USER_REGION_WRITE = 10,
	VFIO_USER_DMA_READ = 11,
	VFIO_USER_DMA_WRITE = 12,
	VFIO_USER_DEVICE_RESET = 13,
	VFIO_USER_DIRTY_PAGES = 14,        /**< legacy, superseded by DEVICE_FEATURE */
	VFIO_USER_REGION_WRITE_MULTI = 15,
	VFIO_USER_DEVICE_FEATURE = 16,
	VFIO_USER_MIG_DATA_READ = 17,
	VFIO_USER_MIG_DATA_WRITE = 18,
	VFIO_USER_MAX_COMMAND = 18,
};

/** header.flags */
#define VFIO_USER_F_TYPE_MASK    0x0fu        /**< bits 0-3: message type */
#define VFIO_USER_F_TYPE_COMMAND 0x0u
#define VFIO_USER_F_TYPE_REPLY   0x1u
#define VFIO_USER_F_NO_REPLY     (1u << 4)    /**< command wants no reply */
#define VFIO_USER_F_ERROR        (1u << 5)    /**< reply: header.error holds an errno */
#define VFIO_USER_F_KNOWN        (VFIO_USER_F_TYPE_MASK | VFIO_USER_F_NO_REPLY | VFIO_USER_F_ERROR)

/** Every message starts with this. */
struct vfio_user_header {
	uint16_t msg_id;   /**< chosen by the sender of a command, echoed in its reply */
	uint16_t command;  /**< enum vfio_user_command */
	uint32_t size;     /**< whole message in bytes, header included */
	uint32_t flags;    /**< VFIO_USER_F_* */
	uint32_t error;    /**< errno of a failed command (with VFIO_USER_F_ERROR) */
};
static_assert(sizeof(struct vfio_user_header) == 16, "vfio-user header is 16 bytes");

/** VERSION (command and reply): followed by an optional NUL-terminated JSON
 *  object {"capabilities": {...}}. SPDK sends none at all. */
struct vfio_user_version {
	uint16_t major;
	uint16_t minor;
	char data[]; /**< JSON capabilities, NUL-terminated */
};
static_assert(sizeof(struct vfio_user_version) == 4, "VERSION payload");

/** Capability defaults the spec gives when a peer does not state them. */
#define VFIO_USER_DEFAULT_MAX_MSG_FDS        1u
#define VFIO_USER_DEFAULT_MAX_DATA_XFER_SIZE (1024u * 1024u)
#define VFIO_USER_DEFAULT_PGSIZES            4096u
#define VFIO_USER_DEFAULT_MAX_DMA_MAPS       65535u

/** DMA_MAP flags. */
#define VFIO_USER_DMA_MAP_F_READ  (1u << 0)
#define VFIO_USER_DMA_MAP_F_WRITE (1u << 1)

/** DMA_MAP command (reply: header only). An fd may accompany it; without
 *  one the server reaches this memory by DMA_READ / DMA_WRITE messages. */
struct vfio_user_dma_map {
	uint32_t argsz;    /**< sizeof(struct vfio_user_dma_map) */
	uint32_t flags;    /**< VFIO_USER_DMA_MAP_F_* */
	uint64_t offset;   /**< into the fd */
	uint64_t address;  /**< IOVA */
	uint64_t size;
};
static_assert(sizeof(struct vfio_user_dma_map) == 32, "DMA_MAP payload");

/** DMA_UNMAP flags. */
#define VFIO_USER_DMA_UNMAP_F_GET_DIRTY_BITMAP (1u << 0) /**< legacy */
#define VFIO_USER_DMA_UNMAP_F_ALL              (1u << 1) /**< address and size 0 */

/** DMA_UNMAP command and reply. */
struct vfio_user_dma_unmap {
	uint32_t argsz;
	uint32_t flags;    /**< VFIO_USER_DMA_UNMAP_F_* */
	uint64_t address;
	uint64_t size;
};
static_assert(sizeof(struct vfio_user_dma_unmap) == 24, "DMA_UNMAP payload");

/** DEVICE_GET_INFO command (argsz only meaningful) and reply. */
struct vfio_user_device_info {
	uint32_t argsz;
	uint32_t flags;       /**< VFIO_DEVICE_FLAGS_* of linux/vfio.h */
	uint32_t num_regions;
	uint32_t num_irqs;
};
static_assert(sizeof(struct vfio_user_device_info) == 16, "DEVICE_GET_INFO payload");

/** DEVICE_GET_REGION_INFO command and reply. In the reply, argsz is the size
 *  the full answer needs (capabilities included); when the command's argsz
 *  was smaller the capabilities are left out. A mmap-able region's fd comes
 *  with the reply. */
struct vfio_user_region_info {
	uint32_t argsz;
	uint32_t flags;       /**< VFIO_REGION_INFO_FLAG_* */
	uint32_t index;
	uint32_t cap_offset;  /**< from the start of this struct, 0 = none */
	uint64_t size;
	uint64_t offset;      /**< to give mmap() on the fd */
};
static_assert(sizeof(struct vfio_user_region_info) == 32, "REGION_INFO payload");

/** Capability chain entry header (as linux/vfio.h's vfio_info_cap_header). */
struct vfio_user_cap_header {
	uint16_t id;
	uint16_t version;
	uint32_t next;        /**< offset from the start of the region info, 0 = last */
};
static_assert(sizeof(struct vfio_user_cap_header) == 8, "capability header");

#define VFIO_USER_REGION_INFO_CAP_SPARSE_MMAP 1

struct vfio_user_sparse_mmap_area {
	uint64_t offset;
	uint64_t size;
};
static_assert(sizeof(struct vfio_user_sparse_mmap_area) == 16, "sparse area");

struct vfio_user_region_info_cap_sparse_mmap {
	struct vfio_user_cap_header header;
	uint32_t nr_areas;
	uint32_t reserved;
	struct vfio_user_sparse_mmap_area areas[];
};
static_assert(sizeof(struct vfio_user_region_info_cap_sparse_mmap) == 16, "sparse cap");

/** DEVICE_GET_IRQ_INFO command and reply. */
struct vfio_user_irq_info {
	uint32_t argsz;
	uint32_t flags;       /**< VFIO_IRQ_INFO_* */
	uint32_t index;
	uint32_t count;
};
static_assert(sizeof(struct vfio_user_irq_info) == 16, "GET_IRQ_INFO payload");

/** DEVICE_SET_IRQS command (reply: header only). With
 *  VFIO_IRQ_SET_DATA_EVENTFD the eventfds come as fds; with DATA_BOOL a byte
 *  per vector follows. */
struct vfio_user_irq_set {
	uint32_t argsz;
	uint32_t flags;       /**< VFIO_IRQ_SET_DATA_* | VFIO_IRQ_SET_ACTION_* */
	uint32_t index;
	uint32_t start;
	uint32_t count;
	uint8_t data[];
};
static_assert(sizeof(struct vfio_user_irq_set) == 20, "SET_IRQS payload");

/** REGION_READ / REGION_WRITE command and reply: a read's reply and a write's
 *  command carry count data bytes after the struct. */
struct vfio_user_region_access {
	uint64_t offset;
	uint32_t region;
	uint32_t count;
	uint8_t data[];
};
static_assert(sizeof(struct vfio_user_region_access) == 16, "REGION_READ/WRITE payload");

/** DMA_READ / DMA_WRITE (server to client) command and reply: a read's reply
 *  and a write's command carry count data bytes after the struct. */
struct vfio_user_dma_access {
	uint64_t offset;      /**< IOVA */
	uint64_t count;
	uint8_t data[];
};
static_assert(sizeof(struct vfio_user_dma_access) == 16, "DMA_READ/WRITE payload");

/** REGION_WRITE_MULTI (spec "VFIO_USER_REGION_WRITE_MULTI"): most writes one
 *  message may carry (QEMU's client coalesces up to this many), and the
 *  data bytes each write holds at most. */
#define VFIO_USER_WRITE_MULTI_MAX  200u
#define VFIO_USER_WRITE_MULTI_DATA 8u

/** One write of a REGION_WRITE_MULTI: a REGION_WRITE of 1..8 bytes with its
 *  data in a fixed 8-byte field (bytes beyond count are ignored). */
struct vfio_user_write_multi_entry {
	uint64_t offset;
	uint32_t region;
	uint32_t count;
	uint8_t data[VFIO_USER_WRITE_MULTI_DATA];
};
static_assert(sizeof(struct vfio_user_write_multi_entry) == 24, "REGION_WRITE_MULTI entry");

/** REGION_WRITE_MULTI command: wr_cnt entries follow. Reply: wr_cnt only,
 *  the number of writes done. Only sent to a server whose VERSION stated
 *  write_multiple. */
struct vfio_user_write_multi {
	uint64_t wr_cnt;
	struct vfio_user_write_multi_entry wrs[];
};
static_assert(sizeof(struct vfio_user_write_multi) == 8, "REGION_WRITE_MULTI payload");

/** DEVICE_FEATURE flags: feature number in the low 16 bits. */
#define VFIO_USER_DEVICE_FEATURE_MASK  0xffffu
#define VFIO_USER_DEVICE_FEATURE_GET   (1u << 16)
#define VFIO_USER_DEVICE_FEATURE_SET   (1u << 17)
#define VFIO_USER_DEVICE_FEATURE_PROBE (1u << 18)

#define VFIO_USER_FEATURE_MIGRATION          1
#define VFIO_USER_FEATURE_MIG_DEVICE_STATE   2
#define VFIO_USER_FEATURE_DMA_LOGGING_START  6
#define VFIO_USER_FEATURE_DMA_LOGGING_STOP   7
#define VFIO_USER_FEATURE_DMA_LOGGING_REPORT 8

/** DEVICE_FEATURE command and reply, the feature's payload after it. */
struct vfio_user_device_feature {
	uint32_t argsz;
	uint32_t flags;
	uint8_t data[];
};
static_assert(sizeof(struct vfio_user_device_feature) == 8, "DEVICE_FEATURE payload");

struct vfio_user_dma_logging_range {
	uint64_t iova;
	uint64_t length;
};
static_assert(sizeof(struct vfio_user_dma_logging_range) == 16, "logging range");

/** Feature DMA_LOGGING_START / STOP payload: the ranges follow inline. */
struct vfio_user_dma_logging_control {
	uint64_t page_size;
	uint32_t num_ranges;
	uint32_t reserved;
	struct vfio_user_dma_logging_range ranges[];
};
static_assert(sizeof(struct vfio_user_dma_logging_control) == 16, "logging control");

/** Feature DMA_LOGGING_REPORT payload; the reply carries the bitmap after
 *  it, one bit per page_size page of [iova, iova + length), 64-bit words. */
struct vfio_user_dma_logging_report {
	uint64_t iova;
	uint64_t length;
	uint64_t page_size;
	uint8_t bitmap[];
};
static_assert(sizeof(struct vfio_user_dma_logging_report) == 24, "logging report");

/** Feature MIGRATION (GET) reply data: what the device's migration offers. */
#define VFIO_USER_MIGRATION_STOP_COPY (1u << 0) /**< STOP, STOP_COPY, RESUMING */
#define VFIO_USER_MIGRATION_P2P       (1u << 1) /**< RUNNING_P2P (unused by vfio-user) */
#define VFIO_USER_MIGRATION_PRE_COPY  (1u << 2) /**< PRE_COPY */
struct vfio_user_feature_migration {
	uint64_t flags;      /**< VFIO_USER_MIGRATION_* */
};
static_assert(sizeof(struct vfio_user_feature_migration) == 8, "MIGRATION feature data");

/** Device migration states (the FSM of linux/vfio.h's enum
 *  vfio_device_mig_state; spec "VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE"). */
enum vfio_user_mig_state {
	VFIO_USER_MIG_STATE_ERROR = 0,
	VFIO_USER_MIG_STATE_STOP = 1,
	VFIO_USER_MIG_STATE_RUNNING = 2,
	VFIO_USER_MIG_STATE_STOP_COPY = 3,
	VFIO_USER_MIG_STATE_RESUMING = 4,
	VFIO_USER_MIG_STATE_RUNNING_P2P = 5,
	VFIO_USER_MIG_STATE_PRE_COPY = 6,
	VFIO_USER_MIG_STATE_PRE_COPY_P2P = 7,
	VFIO_USER_MIG_STATE_COUNT = 8,
};

/** Feature MIG_DEVICE_STATE data (SET request, GET reply). data_fd is
 *  unused in vfio-user: the data moves with MIG_DATA_READ / MIG_DATA_WRITE. */
struct vfio_user_feature_mig_state {
	uint32_t device_state; /**< enum vfio_user_mig_state */
	int32_t data_fd;       /**< -1 */
};
static_assert(sizeof(struct vfio_user_feature_mig_state) == 8, "MIG_DEVICE_STATE data");

/** MIG_DATA_READ command (no data) and reply (size bytes of data), and
 *  MIG_DATA_WRITE command (size bytes of data; reply: header only).
 *  Spec "VFIO_USER_MIG_DATA_READ": a read reply with size smaller than
 *  asked means the stream has ended. */
struct vfio_user_mig_data {
	uint32_t argsz;      /**< command: most reply payload wanted; reply: 8 + size */
	uint32_t size;
	uint8_t data[];
};
static_assert(sizeof(struct vfio_user_mig_data) == 8, "MIG_DATA payload");

#endif /* UPDK_VFIO_USER_PROTO_H */
