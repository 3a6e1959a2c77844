/* SPDX-License-Identifier: BSD-3-Clause */
/* Raw vfio-user messages for the scripted peers (see peer.h). */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "peer.h"

int peer_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	strncpy(sa.sun_path, path, sizeof(sa.sun_path) - 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int peer_sendv(int fd, uint16_t id, uint16_t cmd, uint32_t flags, uint32_t error,
	       const struct iovec *iov, unsigned iovcnt, const int *fds, unsigned nb_fds)
{
	struct vfio_user_header h = { id, cmd, sizeof(h), flags, error };
	struct iovec vec[8] = { { &h, sizeof(h) } };
	union {
		char b[CMSG_SPACE(sizeof(int) * PEER_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct msghdr mh = { .msg_iov = vec, .msg_iovlen = 1 + iovcnt };
	size_t total = sizeof(h), sent = 0;

	if (iovcnt > 7 || nb_fds > PEER_MAX_FDS)
		return -EINVAL;
	for (unsigned i = 0; i < iovcnt; i++) {
		vec[1 + i] = iov[i];
		total += iov[i].iov_len;
	}
	h.size = (uint32_t)total;
	if (nb_fds > 0) {
		struct cmsghdr *cm;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.b;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nb_fds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nb_fds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nb_fds);
	}
	/* Blocking socket: one sendmsg() normally takes it all; the rest (a
	 * large message) follows without fds. */
	while (sent < total) {
		ssize_t n = sendmsg(fd, &mh, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		sent += (size_t)n;
		mh.msg_control = NULL;
		mh.msg_controllen = 0;
		while (n > 0 && (size_t)n >= mh.msg_iov->iov_len) {
			n -= (ssize_t)mh.msg_iov->iov_len;
			mh.msg_iov++;
			mh.msg_iovlen--;
		}
		if (n > 0) {
			mh.msg_iov->iov_base = (char *)mh.msg_iov->iov_base + n;
			mh.msg_iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

int peer_send(int fd, uint16_t id, uint16_t cmd, uint32_t flags, uint32_t error,
	      const void *payload, size_t len, const int *fds, unsigned nb_fds)
{
	struct iovec iov = { (void *)(uintptr_t)payload, len };

	return peer_sendv(fd, id, cmd, flags, error, &iov, len ? 1 : 0, fds, nb_fds);
}

static int read_exact(int fd, void *buf, size_t len, struct peer_msg *m, int timeout_ms)
{
	size_t got = 0;

	while (got < len) {
		union {
			char b[CMSG_SPACE(sizeof(int) * PEER_MAX_FDS)];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = { (char *)buf + got, len - got };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b) };
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;
		int rc = poll(&pfd, 1, timeout_ms);

		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -errno;
		if (rc == 0)
			return -ETIMEDOUT;
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm)) {
			size_t nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (size_t i = 0; i < nfd; i++) {
				int f;

				memcpy(&f, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
				if (m->nb_fds < PEER_MAX_FDS)
					m->fds[m->nb_fds++] = f;
				else
					close(f);
			}
		}
		got += (size_t)n;
	}
	return 0;
}

int peer_recv(int fd, struct peer_msg *m, int timeout_ms)
{
	int rc;

	m->nb_fds = 0;
	m->len = 0;
	rc = read_exact(fd, &m->hdr, sizeof(m->hdr), m, timeout_ms);
	if (rc < 0)
		return rc;
	if (m->hdr.size < sizeof(m->hdr) || m->hdr.size - sizeof(m->hdr) > sizeof(m->payload))
		return -EMSGSIZE;
	m->len = m->hdr.size - sizeof(m->hdr);
	return m->len ? read_exact(fd, m->payload, m->len, m, timeout_ms) : 0;
}

void peer_msg_close_fds(struct peer_msg *m)
{
	for (unsigned i = 0; i < m->nb_fds; i++)
		close(m->fds[i]);
	m->nb_fds = 0;
}

int peer_wait_eof(int fd, int timeout_ms)
{
	char c;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return 0;
	/* A UNIX socket closed with bytes of ours unread reports ECONNRESET. */
	if (recv(fd, &c, 1, MSG_DONTWAIT) == 0)
		return 1;
	return errno == ECONNRESET;
}
