/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Twin socket (QEMU docs/interop/vfio-user.rst, "VFIO_USER_VERSION" reply,
 * twin_socket): the server's commands (DMA_READ / DMA_WRITE) and their
 * replies get their own socket, passed by the server with its VERSION reply.
 *
 * Why: on one socket a server command and a client command cross, and each
 * side must then demultiplex commands from replies while it waits. With the
 * twin socket the server waits for its DMA replies on the twin and never
 * sees client commands there; the client, while it waits for a reply on the
 * main socket, answers what arrives on the twin (the server may need a
 * DMA_READ answered to finish the very command the client waits for).
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vfio_user_internal.h"

/* The fds a VERSION reply may carry: the twin socket and little else. */
#define TWIN_MAX_FD_INDEX (VFIO_USER_MAX_FDS - 1)

int vfio_user_twin_parse_fd_index(json_object *cap, int32_t *out)
{
	json_object *twin, *idx;
	int64_t v;

	if (!json_object_object_get_ex(cap, "twin_socket", &twin) ||
	    !json_object_is_type(twin, json_type_object) ||
	    !json_object_object_get_ex(twin, "fd_index", &idx))
		return 0;
	if (!json_object_is_type(idx, json_type_int)) {
		VU_LOG(ERR, "VERSION capability twin_socket.fd_index is not an integer");
		return -EINVAL;
	}
	v = json_object_get_int64(idx);
	if (v < 0 || v > TWIN_MAX_FD_INDEX) {
		VU_LOG(ERR, "VERSION capability twin_socket.fd_index %lld is outside 0..%d",
		       (long long)v, TWIN_MAX_FD_INDEX);
		return -EINVAL;
	}
	*out = (int32_t)v;
	return 0;
}

int vfio_user_twin_create(int timeout_ms, struct vfio_user_conn **twin, int *client_fd)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		int rc = -errno;

		VU_LOG(ERR, "cannot make the twin socket pair: %s; serving without twin socket would need the client to agree again, dropping",
		       strerror(-rc));
		return rc;
	}
	*twin = vfio_user_conn_from_fd(sv[0], timeout_ms);
	if (*twin == NULL) {
		int rc = -errno;

		close(sv[1]);
		return rc;
	}
	*client_fd = sv[1];
	return 0;
}

int vfio_user_twin_adopt(struct vfio_user_msg *reply, const struct vfio_user_caps *peer,
			 int timeout_ms, struct vfio_user_conn **twin)
{
	int32_t idx = peer->twin_fd_index;
	int fd;

	if (idx < 0 || (uint32_t)idx >= reply->nb_fds || reply->fds[idx] < 0) {
		VU_LOG(ERR, "vfio-user server enabled twin_socket but fd_index %d names none of the %u fds of its VERSION reply: the server is inconsistent, giving up (spec: the client must close)",
		       idx, reply->nb_fds);
		return -EPROTO;
	}
	fd = reply->fds[idx];
	reply->fds[idx] = -1;
	*twin = vfio_user_conn_from_fd(fd, timeout_ms);
	if (*twin == NULL)
		return -errno;
	VU_LOG(INFO, "vfio-user twin socket in use: server commands arrive on their own socket");
	return 0;
}

static int ms_until(const struct timespec *deadline)
{
	struct timespec now;
	int64_t ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000 +
	     (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (ms > INT_MAX ? INT_MAX : (int)ms);
}

/* true when @p fd has something to read right now. */
static bool readable_now(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, 0) > 0;
}

int vfio_user_twin_serve_until(struct vfio_user_conn *twin, int main_fd,
			       struct vfio_user_msg *buf, const struct timespec *deadline)
{
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = main_fd, .events = POLLIN },
			{ .fd = vfio_user_conn_fd(twin), .events = POLLIN },
		};
		int rc;

		/* A server that leaves closes both sockets, the twin maybe
		 * first: what it sent on the main socket before is still
		 * taken; only then is the loss reported. */
		if (!vfio_user_conn_is_up(twin))
			return readable_now(main_fd) ? 0 : -ENOTCONN;
		rc = poll(pfd, 2, ms_until(deadline));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -errno;
		if (rc == 0)
			return -ETIMEDOUT;
		/* The twin first: the reply on the main socket may be what the
		 * server sends only after its DMA is answered, but a reply that
		 * is already there is taken next round at the latest. */
		if (pfd[1].revents != 0) {
			rc = vfio_user_poll(twin, buf);
			if (rc < 0 && vfio_user_conn_is_up(twin))
				return rc; /* the handler's error */
			if (rc < 0)
				continue;
		}
		if (pfd[0].revents != 0)
			return 0;
	}
}
