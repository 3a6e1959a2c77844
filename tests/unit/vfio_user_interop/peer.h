/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scripted vfio-user peers: raw messages on a socket, written and read byte
 * for byte the way QEMU, SPDK and libvfio-user put them on the wire (see
 * /work/shared/NOTES.md, "vfio-user, as its peers actually behave"). Nothing
 * here goes through lib/vfio_user, so the library is checked against the
 * wire, not against itself.
 */
#ifndef UPDK_TEST_VFIO_USER_PEER_H
#define UPDK_TEST_VFIO_USER_PEER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "vfio_user_proto.h"

#define PEER_MAX_FDS 8

/** One message as a peer received it. */
struct peer_msg {
	struct vfio_user_header hdr;
	uint8_t payload[1 << 16];
	size_t len;            /**< payload bytes */
	int fds[PEER_MAX_FDS];
	unsigned nb_fds;
};

/** Connect to a UNIX socket path; -1 on failure. */
int peer_connect(const char *path);

/** Send one message: header (size computed) then @p iov, with fds.
 *  @return 0 or -errno. */
int peer_sendv(int fd, uint16_t id, uint16_t cmd, uint32_t flags, uint32_t error,
	       const struct iovec *iov, unsigned iovcnt, const int *fds, unsigned nb_fds);

/** peer_sendv() with one payload buffer (may be NULL / 0). */
int peer_send(int fd, uint16_t id, uint16_t cmd, uint32_t flags, uint32_t error,
	      const void *payload, size_t len, const int *fds, unsigned nb_fds);

/** Receive one whole message, waiting at most @p timeout_ms for each part.
 *  @return 0, -ETIMEDOUT, -ECONNRESET (EOF), -EMSGSIZE or -errno. */
int peer_recv(int fd, struct peer_msg *m, int timeout_ms);

/** Close the fds of @p m. */
void peer_msg_close_fds(struct peer_msg *m);

/** true when the other end closed @p fd within @p timeout_ms. */
int peer_wait_eof(int fd, int timeout_ms);

#endif /* UPDK_TEST_VFIO_USER_PEER_H */
