/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * vfio-user transport: one connection over a UNIX stream socket, shared by
 * the client (lib/vfio_cont's "user" backend) and servers.
 *
 * A connection frames messages (vfio_user_proto.h), passes fds beside them,
 * numbers commands, matches replies to commands (several commands may be in
 * flight: send them all, then collect each reply by its id), hands commands
 * that the peer sends meanwhile to a handler, and never blocks longer than its
 * timeout: a silent or dead peer is an error (-ETIMEDOUT, -ECONNRESET), not a
 * hang. An error that leaves the byte stream out of step (peer gone, bad size
 * field, oversize message, timeout inside a message or while awaiting a reply)
 * drops the connection: every later call returns -ENOTCONN.
 *
 * Twin socket (spec "VFIO_USER_VERSION", twin_socket): when both sides set
 * vfio_user_caps::twin_socket, the server's VERSION reply carries one end of
 * a fresh socket pair and from then on the server's own commands (DMA_READ /
 * DMA_WRITE) and their replies travel on it, so that they never cross the
 * client's commands. The connection owns that second socket: a server sends
 * its commands on vfio_user_conn_cmd_channel(); a client serves it inside
 * vfio_user_wait_reply() and vfio_user_poll() with the handler. Without the
 * twin socket (QEMU, SPDK) everything stays on the one socket.
 *
 * Not thread-safe: one thread uses a connection at a time.
 *
 *     struct vfio_user_conn *conn = vfio_user_connect("/run/dev.sock", 5000);
 *     struct vfio_user_caps mine, peer;
 *     vfio_user_caps_default(&mine);
 *     vfio_user_version_client(conn, &mine, &peer);
 *     vfio_user_request(conn, VFIO_USER_DEVICE_RESET, NULL, 0, NULL, 0, &id);
 *     vfio_user_wait_reply(conn, id, &reply);
 */
#ifndef UPDK_VFIO_USER_H
#define UPDK_VFIO_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "vfio_user_proto.h"

struct vfio_user_conn;

/** Most fds one message may carry (the kernel's SCM_MAX_FD is 253). */
#define VFIO_USER_MAX_FDS 64

/** Bytes a message may have beyond max_data_xfer_size (its header and
 *  command struct, a region-info capability chain). */
#define VFIO_USER_MSG_OVERHEAD 4096

/** Default timeout of a connection, in milliseconds. */
#define VFIO_USER_DEFAULT_TIMEOUT_MS 5000

/** Capabilities exchanged in VERSION (JSON "capabilities" object). */
struct vfio_user_caps {
	uint32_t max_msg_fds;        /**< fds one message may carry to us */
	uint64_t max_data_xfer_size; /**< largest data payload of one message */
	uint64_t max_dma_maps;       /**< client: DMA mappings the server may hold */
	uint64_t pgsizes;            /**< IOVA page sizes (bitmap) */
	uint64_t migration_pgsize;   /**< dirty-page granularity, 0 = no migration */
	uint64_t migration_max_bitmap_size; /**< 0 = not stated */
	bool twin_socket;            /**< second socket for server commands */
	/** VERSION reply only: index, in the reply's fds, of the client's end
	 *  of the twin socket; -1 = not stated. */
	int32_t twin_fd_index;
	bool write_multiple;         /**< REGION_WRITE_MULTI understood */
};

/** A received message: the caller owns @p buf; fds[] must be closed or taken
 *  (vfio_user_msg_release() closes those left). */
struct vfio_user_msg {
	void *buf;          /**< header, then payload */
	size_t capacity;    /**< bytes buf can hold */
	size_t len;         /**< bytes received (header.size) */
	int fds[VFIO_USER_MAX_FDS];
	unsigned nb_fds;
};

/**
 * Commands the peer sends while we wait for a reply (a server's DMA_READ /
 * DMA_WRITE). The handler answers with vfio_user_reply() (unless
 * NO_REPLY) and returns 0, or a negative errno that vfio_user_wait_reply()
 * then returns (the connection stays up).
 */
typedef int (*vfio_user_cmd_handler_t)(struct vfio_user_conn *conn,
				       struct vfio_user_msg *msg, void *arg);

/** Fill @p caps with what the spec assumes of a peer that states nothing
 *  (1 fd, 1 MiB transfers, 4 KiB pages, no migration). */
void vfio_user_caps_default(struct vfio_user_caps *caps);

/**
 * Parse a VERSION JSON string into @p caps (fields absent keep their value).
 * @param json NUL-terminated JSON text
 * @return 0, or -EINVAL (not JSON, not an object, a field of the wrong type or
 *         out of range; message logged).
 */
int vfio_user_caps_parse(const char *json, struct vfio_user_caps *caps);

/**
 * Format @p caps as the VERSION JSON ({"capabilities": {...}}).
 * @return the length written (without the NUL), or -ENOSPC / -ENOMEM.
 */
int vfio_user_caps_format(const struct vfio_user_caps *caps, char *buf, size_t len);

/**
 * Connect to a server listening at @p path.
 * @param timeout_ms how long every later wait of the connection may last
 * @return the connection, or NULL with errno (ENOENT: no socket there,
 *         ECONNREFUSED: nobody listening, ENAMETOOLONG, ENOMEM).
 */
struct vfio_user_conn *vfio_user_connect(const char *path, int timeout_ms);

/**
 * Create a listening socket at @p path (an existing socket file there is
 * replaced). @return the fd, or a negative errno.
 */
int vfio_user_listen(const char *path);

/**
 * Accept one client on @p listen_fd, waiting at most @p timeout_ms.
 * @return the connection (its timeout @p timeout_ms), or NULL with errno
 *         (ETIMEDOUT, ENOMEM, accept's error).
 */
struct vfio_user_conn *vfio_user_accept(int listen_fd, int timeout_ms);

/**
 * Wrap a connected stream socket (e.g. one end of socketpair()); the
 * connection owns @p fd from now on, also on failure.
 * @return the connection, or NULL with errno ENOMEM / EINVAL.
 */
struct vfio_user_conn *vfio_user_conn_from_fd(int fd, int timeout_ms);

/** Close the socket and free. NULL is ignored. */
void vfio_user_conn_close(struct vfio_user_conn *conn);

/** The socket, to poll() for commands from the peer. */
int vfio_user_conn_fd(const struct vfio_user_conn *conn);

/** Change how long a wait may last (milliseconds, > 0). */
void vfio_user_conn_set_timeout(struct vfio_user_conn *conn, int timeout_ms);

/** Set the handler for commands arriving while a reply is awaited, or
 *  during vfio_user_poll(), on the connection and (client side) on its twin
 *  socket (NULL: they get an ENOSYS error reply). A server's twin socket
 *  carries only replies: a command there always gets ENOSYS. */
void vfio_user_conn_set_handler(struct vfio_user_conn *conn,
				vfio_user_cmd_handler_t handler, void *arg);

/**
 * Limits from the handshake: we accept messages of up to
 * @p my_max_data_xfer + header + VFIO_USER_MSG_OVERHEAD bytes with up to
 * @p my_max_fds fds, and send the peer no more than its own limits.
 * vfio_user_version_client/server call this; exposed for tests.
 */
void vfio_user_conn_set_limits(struct vfio_user_conn *conn,
			       const struct vfio_user_caps *mine,
			       const struct vfio_user_caps *peer);

/**
 * Where this side sends commands that go the "other way" (a server's
 * DMA_READ / DMA_WRITE): the twin socket once VERSION negotiated one, else
 * @p conn itself. Its replies are awaited there with vfio_user_wait_reply().
 */
struct vfio_user_conn *vfio_user_conn_cmd_channel(struct vfio_user_conn *conn);

/** true when VERSION set up a twin socket on this connection. */
bool vfio_user_conn_has_twin(const struct vfio_user_conn *conn);

/** Largest message this connection accepts (header included). */
size_t vfio_user_conn_max_msg_size(const struct vfio_user_conn *conn);

/** The peer's capabilities (defaults until the handshake). */
const struct vfio_user_caps *vfio_user_conn_peer_caps(const struct vfio_user_conn *conn);

/** false once the connection dropped; vfio_user_conn_error() says why. */
bool vfio_user_conn_is_up(const struct vfio_user_conn *conn);

/** The negative errno that dropped the connection, 0 while up. */
int vfio_user_conn_error(const struct vfio_user_conn *conn);

/** Drop the connection (shutdown; the fd stays until close) recording
 *  @p error (negative errno). */
void vfio_user_conn_drop(struct vfio_user_conn *conn, int error);

/**
 * Send one message: header then @p iov, with @p nb_fds fds.
 * @param msg_id,command,flags,error header fields (size computed)
 * @return 0, or -ENOTCONN (dropped), -E2BIG (more fds than the peer takes),
 *         -EMSGSIZE (larger than 4 GiB or the peer's limit), -ETIMEDOUT, or
 *         the socket's error (the connection is dropped on those).
 */
int vfio_user_send(struct vfio_user_conn *conn, uint16_t msg_id, uint16_t command,
		   uint32_t flags, uint32_t error, const struct iovec *iov,
		   unsigned iovcnt, const int *fds, unsigned nb_fds);

/**
 * Send a command with a fresh message id and remember it as awaiting a reply
 * (unless @p flags has VFIO_USER_F_NO_REPLY).
 * @param payload,len the payload (may be NULL / 0)
 * @param id the message id used (may be NULL)
 * @return as vfio_user_send(), or -EBUSY (too many commands in flight).
 */
int vfio_user_request(struct vfio_user_conn *conn, uint16_t command, uint32_t flags,
		      const void *payload, size_t len, const int *fds,
		      unsigned nb_fds, uint16_t *id);

/** vfio_user_request() with the payload in pieces (struct + data). */
int vfio_user_requestv(struct vfio_user_conn *conn, uint16_t command, uint32_t flags,
		       const struct iovec *iov, unsigned iovcnt, const int *fds,
		       unsigned nb_fds, uint16_t *id);

/**
 * Receive the next message into @p msg (buf and capacity set by the caller),
 * waiting at most the connection's timeout for it to start.
 * Checks the framing: size field at least a header and at most the
 * connection's limit and @p msg->capacity, known flag bits and type, no more
 * fds than allowed. A message refused after it was read whole (bad flags,
 * too many fds) leaves the connection up; one whose size cannot be trusted
 * drops it.
 * @return 0, or -ETIMEDOUT (nothing arrived, connection up), -ECONNRESET
 *         (peer closed, maybe mid-message), -EMSGSIZE (oversize: dropped),
 *         -EPROTO (bad size or flags), -E2BIG (too many fds), -ENOTCONN.
 */
int vfio_user_recv(struct vfio_user_conn *conn, struct vfio_user_msg *msg);

/**
 * Wait for the reply to command @p id: replies to other commands in flight
 * are kept for their own wait, commands from the peer go to the handler,
 * on the connection and (client with a twin socket) on the twin socket, so
 * a server that needs a DMA_READ answered to finish the command gets it.
 * @param reply buf/capacity set by the caller; on success the reply (its
 *        ERROR flag already turned into the return value)
 * @return 0, the peer's error as a negative errno (reply with ERROR; 0 in
 *         the error field reads as -EIO), -ENOENT (@p id is not awaited),
 *         -ETIMEDOUT (the connection is dropped: the reply can no longer be
 *         matched), -EPROTO (a reply nobody awaits: dropped), a handler's
 *         error, or those of vfio_user_recv().
 */
int vfio_user_wait_reply(struct vfio_user_conn *conn, uint16_t id,
			 struct vfio_user_msg *reply);

/**
 * Handle what the peer sent without waiting for more: commands go to the
 * handler (or get an ENOSYS error reply), replies to commands in flight are
 * kept for their vfio_user_wait_reply(). A peer that closed its end is seen
 * here: the connection drops. For a control loop that must notice a dead
 * peer, or answer a server's DMA_READ/DMA_WRITE, while it sends nothing.
 * The twin socket, when there is one, is served too (its loss drops the
 * connection).
 * @param buf receive buffer (buf/capacity set by the caller), scratch
 * @return messages handled (>= 0), or -ENOTCONN / -ECONNRESET (peer gone:
 *         the connection is dropped), or the handler's or recv()'s error
 */
int vfio_user_poll(struct vfio_user_conn *conn, struct vfio_user_msg *buf);

/**
 * Answer command @p cmd (header fields taken from it) with @p iov and fds;
 * nothing is sent when the command had NO_REPLY.
 * @return as vfio_user_send().
 */
int vfio_user_reply(struct vfio_user_conn *conn, const struct vfio_user_msg *cmd,
		    const struct iovec *iov, unsigned iovcnt, const int *fds,
		    unsigned nb_fds);

/** Answer command @p cmd with an error reply carrying errno @p err (> 0). */
int vfio_user_reply_error(struct vfio_user_conn *conn,
			  const struct vfio_user_msg *cmd, int err);

/** Close the fds still in @p msg (taken ones set to -1 by the caller). */
void vfio_user_msg_release(struct vfio_user_msg *msg);

/** Header of a received message. */
static inline const struct vfio_user_header *
vfio_user_msg_header(const struct vfio_user_msg *msg)
{
	return (const struct vfio_user_header *)msg->buf;
}

/** Payload of a received message and its length. */
static inline void *vfio_user_msg_payload(const struct vfio_user_msg *msg, size_t *len)
{
	if (len != NULL)
		*len = msg->len - sizeof(struct vfio_user_header);
	return (char *)msg->buf + sizeof(struct vfio_user_header);
}

/**
 * Check a received message's payload against its command: long enough for
 * the command's struct, data counts that match the size, argsz sane, a
 * known command. Error replies are only checked for an empty payload.
 * @return 0, or -EINVAL (malformed: logged with what was wrong), -ENOSYS
 *         (unknown command).
 */
int vfio_user_msg_validate(const struct vfio_user_msg *msg);

/** Name of a command for messages ("DMA_MAP"), "unknown" otherwise. */
const char *vfio_user_command_name(unsigned command);

/**
 * Client side of VERSION: offer VFIO_USER_MAJOR.VFIO_USER_MINOR and @p mine,
 * read the server's answer (a lower minor, a subset of capabilities or no
 * JSON are fine), apply the limits to the connection. With
 * @p mine->twin_socket the twin socket is offered; a server that accepts
 * passes its fd (taken by the connection), one that states twin_socket
 * supported without a valid fd_index is refused (-EPROTO, as the spec asks).
 * @param peer the server's capabilities (defaults for what it left out)
 * @return 0, -ENOTSUP (other major, or a minor above ours), -EINVAL (malformed
 *         JSON or reply), or the transport's error.
 */
int vfio_user_version_client(struct vfio_user_conn *conn,
			     const struct vfio_user_caps *mine,
			     struct vfio_user_caps *peer);

/**
 * Server side of VERSION: receive the client's VERSION (with or without
 * JSON), answer with min(minor) and @p mine, apply the limits. When
 * @p mine->twin_socket and the client offered it, a socket pair is made and
 * its client end passed with the reply (fd_index 0); the twin socket is then
 * vfio_user_conn_cmd_channel(). A client that did not offer it is told
 * twin_socket false.
 * @return 0, -ENOTSUP (other major: an error reply was sent), -EINVAL
 *         (malformed JSON: error reply sent), -EPROTO (first message not
 *         VERSION), or the transport's error.
 */
int vfio_user_version_server(struct vfio_user_conn *conn,
			     const struct vfio_user_caps *mine,
			     struct vfio_user_caps *peer);

/* ---- REGION_WRITE_MULTI ---------------------------------------------------- */

/**
 * Posted region writes (NO_REPLY, 1..VFIO_USER_WRITE_MULTI_DATA bytes)
 * gathered into one REGION_WRITE_MULTI (spec "VFIO_USER_REGION_WRITE_MULTI").
 * The caller flushes it before any other command (writes must reach the
 * server in the order they were made) and whenever it stops issuing writes.
 */
struct vfio_user_write_batch {
	uint32_t nb;   /**< writes gathered, 0..VFIO_USER_WRITE_MULTI_MAX */
	struct vfio_user_write_multi_entry wrs[VFIO_USER_WRITE_MULTI_MAX];
};

/**
 * Add one write to @p batch; a full batch is sent (flushed) first.
 * @return 0, -EINVAL (@p count 0 or above VFIO_USER_WRITE_MULTI_DATA), or
 *         the error of the flush.
 */
int vfio_user_write_batch_add(struct vfio_user_conn *conn,
			      struct vfio_user_write_batch *batch, uint32_t region,
			      uint64_t offset, const void *data, uint32_t count);

/**
 * Send what @p batch holds as one REGION_WRITE_MULTI with NO_REPLY (a batch
 * of one goes as a plain REGION_WRITE) and empty it.
 * @return 0 (also when empty), or as vfio_user_request().
 */
int vfio_user_write_batch_flush(struct vfio_user_conn *conn,
				struct vfio_user_write_batch *batch);

/**
 * The writes of a received REGION_WRITE_MULTI command, checked: wr_cnt
 * 1..VFIO_USER_WRITE_MULTI_MAX, payload exactly wr_cnt entries, each count
 * 1..VFIO_USER_WRITE_MULTI_DATA. (vfio_user_msg_validate() applies the same
 * checks.)
 * @param nb number of entries (out)
 * @return the entries, or NULL (malformed: logged with what was wrong).
 */
const struct vfio_user_write_multi_entry *
vfio_user_write_multi_entries(const struct vfio_user_msg *msg, uint32_t *nb);

#endif /* UPDK_VFIO_USER_H */
