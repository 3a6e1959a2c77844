/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The VERSION handshake as a step of the server's poll loop, and the check
 * that a client's message is whole before it is read.
 *
 * The server must keep its device running while a client connects or sends:
 * it only starts the handshake once the client's whole VERSION message is in
 * the socket (so reading it cannot block), and drops a client that has not
 * sent it within the handshake timeout (see vus_server_set_handshake_timeout());
 * later messages are likewise read once whole.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "vfio_user_server_private.h"

int vus_msg_ready(int fd, size_t whole_max)
{
	struct vfio_user_header hdr;
	ssize_t n = recv(fd, &hdr, sizeof(hdr), MSG_PEEK | MSG_DONTWAIT);
	int avail = 0;

	if (n == 0)
		return -ECONNRESET;
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if ((size_t)n < sizeof(hdr))
		return 0;
	/* A size the reader refuses anyway (too small), or one that may not
	 * fit the socket's buffer whole, is let through: the reader reports
	 * the first and reads the second as it comes. */
	if (hdr.size < sizeof(hdr) || hdr.size > whole_max)
		return 1;
	if (ioctl(fd, FIONREAD, &avail) < 0)
		return -errno;
	return (size_t)avail >= hdr.size ? 1 : 0;
}
