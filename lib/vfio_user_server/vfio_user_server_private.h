/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vfio-user server internals shared with its unit tests and fuzz target.
 * Not installed.
 */
#ifndef UPDK_VFIO_USER_SERVER_PRIVATE_H
#define UPDK_VFIO_USER_SERVER_PRIVATE_H

#include <stdbool.h>

#include "eal_log.h"
#include "vfio_user.h"
#include "vfio_user_server.h"

extern struct eal_log_component vus_logtype;

/* Page size the server's DMA mappings are aligned to. */
#define VUS_PAGE_SIZE 4096u
/* Largest dirty bitmap (all ranges together) the server agrees to keep. */
#define VUS_MAX_DIRTY_BITMAP_BYTES (256u << 20)
/* Most ranges one DMA_LOGGING_START may list. */
#define VUS_MAX_LOGGING_RANGES 1024u
/* How long the server waits for a client inside one message or reply. */
#define VUS_CONN_TIMEOUT_MS 2000

/* How long a connected client has to send its VERSION before it is
 * dropped (vus_server_set_handshake_timeout() changes it per server). */
#define VUS_HANDSHAKE_TIMEOUT_MS 2000
/* Largest VERSION message the handshake reads (header, version, JSON). */
#define VUS_VERSION_MAX_BYTES (16u + 4u * 1024u)
/* Client commands kept while the server waits for its own DMA reply on the
 * one socket (no twin socket): at most this many, and this many bytes. */
#define VUS_MAX_CROSSING_CMDS 64u
#define VUS_MAX_CROSSING_BYTES (4u << 20)

struct vus_queued_cmd {
	void *buf;
	size_t len;
	int fds[VFIO_USER_MAX_FDS];
	unsigned nb_fds;
};

/* FIFO of client commands that crossed a server DMA command. */
struct vus_cmd_queue {
	const char *name;   /* the device's, for messages */
	struct vus_queued_cmd cmds[VUS_MAX_CROSSING_CMDS];
	unsigned head;
	unsigned count;
	size_t bytes;
};

/* Connection handler (vfio_user_conn_set_handler(), arg: the queue): keeps
 * a client command that arrives while a server DMA reply is awaited.
 * Beyond the bounds: EBUSY error reply and an error logged. */
int vus_cmd_queue_handler(struct vfio_user_conn *conn, struct vfio_user_msg *msg, void *arg);
/* Oldest kept command into @p msg (buf, capacity given; fds moved).
 * false when empty. */
bool vus_cmd_queue_pop(struct vus_cmd_queue *q, struct vfio_user_msg *msg);
/* Forget every kept command (closing their fds). */
void vus_cmd_queue_clear(struct vus_cmd_queue *q);

/* 1 when the client's next message can be read without waiting (it is
 * whole in the socket, or larger than @p whole_max, or its size is bad),
 * 0 not yet, -ECONNRESET when the client hung up, -errno. */
int vus_msg_ready(int fd, size_t whole_max);

/* One region write by the client (REGION_WRITE, REGION_WRITE_MULTI entry):
 * range and permission checked, config space or the model's callback.
 * @p what names the command for messages. 0 or a negative errno. */
int vus_region_write(struct vus_server *srv, const char *what, uint32_t region,
		     uint64_t offset, const void *data, uint32_t count);

/* Apply the writes of a REGION_WRITE_MULTI in order; *@p done counts those
 * applied. 0, or the errno of the malformed message / first failed write. */
int vus_write_multi_apply(struct vus_server *srv, const struct vfio_user_msg *msg,
			  uint64_t *done);

/*
 * Migration state machine and data stream (vfio_user_server_migration.c).
 * Embedded in struct vus_server; the config pointer is the server's copy of
 * the PCI config space, which the stream carries besides the model's state.
 */
struct vus_migration {
	const char *name;                       /* for log messages */
	const struct vus_migration_callbacks *cb; /* NULL: no migration */
	void *priv;
	uint8_t *config;
	size_t config_size;
	enum vus_migration_state state;
	uint8_t *stream;        /* STOP_COPY: what is read; RESUMING: what came */
	size_t stream_len;      /* bytes in stream */
	size_t stream_pos;      /* STOP_COPY: bytes already read */
	size_t stream_cap;
};

/* Stream framing, before the config space and the model's state (all
 * little-endian). The checksum (FNV-1a, 32 bits) covers what follows. */
#define VUS_MIG_STREAM_MAGIC 0x4d535556u /* "VUSM" */
#define VUS_MIG_STREAM_VERSION 1u
struct vus_mig_stream_header {
	uint32_t magic;
	uint16_t version;
	uint16_t header_size;   /* sizeof(struct vus_mig_stream_header) */
	uint32_t config_size;   /* bytes of config space after the header */
	uint32_t state_size;    /* bytes of model state after the config space */
	uint32_t checksum;
	uint32_t reserved;
};

void vus_migration_init(struct vus_migration *mig, const char *name,
			const struct vus_migration_callbacks *cb, void *priv,
			uint8_t *config, size_t config_size);
/* DEVICE_RESET or a client gone: back to RUNNING, session dropped. */
void vus_migration_reset(struct vus_migration *mig);
/* DEVICE_FEATURE MIGRATION / MIG_DEVICE_STATE: replies itself (returns >= 0)
 * or returns a negative errno for the caller's error reply. */
int vus_migration_feature(struct vus_migration *mig, struct vfio_user_conn *conn,
			  struct vfio_user_msg *msg,
			  const struct vfio_user_device_feature *req, size_t len);
/* MIG_DATA_READ / MIG_DATA_WRITE, @p max_xfer the transfer size we offered. */
int vus_migration_data(struct vus_migration *mig, struct vfio_user_conn *conn,
		       struct vfio_user_msg *msg, const void *payload, size_t len,
		       size_t max_xfer, bool is_write);
/* FNV-1a over @p len bytes (stream checksum; tests build streams with it). */
uint32_t vus_migration_checksum(const void *buf, size_t len);

/*
 * Handle one received command (already framed by the connection) and send
 * its reply. @return 0 (the command may have been refused with an error
 * reply), or a negative errno when the connection should be dropped.
 * Takes the fds it keeps out of msg; the caller releases the rest.
 */
int vus_server_handle_msg(struct vus_server *srv, struct vfio_user_msg *msg);

#endif /* UPDK_VFIO_USER_SERVER_PRIVATE_H */
