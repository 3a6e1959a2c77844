/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vfio-user connection: framing over a non-blocking UNIX stream socket with
 * poll() deadlines, fds by SCM_RIGHTS, reply matching, VERSION handshake.
 *
 * The socket is non-blocking so that every wait is a poll() with the
 * connection's deadline: a peer that stops talking costs one timeout, never
 * a hung caller. Once the byte stream may be out of step (peer gone, size
 * field not trusted, a reply that can no longer be matched) the connection is
 * dropped for good rather than guessed back into step.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "eal_log.h"
#include "vfio_user.h"
#include "vfio_user_internal.h"

EAL_LOG_COMPONENT_REGISTER(vfio_user_logtype, "vfio_user", EAL_LOG_NOTICE);

#define HDR_SIZE sizeof(struct vfio_user_header)
/* Commands awaiting a reply at once; QEMU pipelines a few dozen DMA maps. */
#define MAX_IN_FLIGHT 512
/* Replies that arrived before their waiter asked (out-of-order answers). */
#define MAX_STASHED 64

struct in_flight {
	uint16_t id;
	uint16_t command;
};

struct stashed_reply {
	void *buf;
	size_t len;
	int fds[VFIO_USER_MAX_FDS];
	unsigned nb_fds;
};

struct vfio_user_conn {
	int fd;
	int timeout_ms;
	int error;              /* < 0 once dropped */
	uint16_t next_id;
	size_t recv_max;        /* header included */
	unsigned recv_max_fds;
	size_t send_max;        /* header included */
	unsigned send_max_fds;
	struct vfio_user_caps peer;
	vfio_user_cmd_handler_t handler;
	void *handler_arg;
	struct in_flight in_flight[MAX_IN_FLIGHT];
	unsigned nb_in_flight;
	struct stashed_reply stash[MAX_STASHED];
	unsigned nb_stashed;
	struct vfio_user_conn *twin; /* server commands travel here, if negotiated */
	bool twin_serves_peer;       /* client: the peer's commands arrive on the twin */
};

static const char *const command_names[VFIO_USER_MAX_COMMAND + 1] = {
	[VFIO_USER_VERSION] = "VERSION",
	[VFIO_USER_DMA_MAP] = "DMA_MAP",
	[VFIO_USER_DMA_UNMAP] = "DMA_UNMAP",
	[VFIO_USER_DEVICE_GET_INFO] = "DEVICE_GET_INFO",
	[VFIO_USER_DEVICE_GET_REGION_INFO] = "DEVICE_GET_REGION_INFO",
	[VFIO_USER_DEVICE_GET_REGION_IO_FDS] = "DEVICE_GET_REGION_IO_FDS",
	[VFIO_USER_DEVICE_GET_IRQ_INFO] = "DEVICE_GET_IRQ_INFO",
	[VFIO_USER_DEVICE_SET_IRQS] = "DEVICE_SET_IRQS",
	[VFIO_USER_REGION_READ] = "REGION_READ",
	[VFIO_USER_REGION_WRITE] = "REGION_WRITE",
	[VFIO_USER_DMA_READ] = "DMA_READ",
	[VFIO_USER_DMA_WRITE] = "DMA_WRITE",
	[VFIO_USER_DEVICE_RESET] = "DEVICE_RESET",
	[VFIO_USER_DIRTY_PAGES] = "DIRTY_PAGES",
	[VFIO_USER_REGION_WRITE_MULTI] = "REGION_WRITE_MULTI",
	[VFIO_USER_DEVICE_FEATURE] = "DEVICE_FEATURE",
	[VFIO_USER_MIG_DATA_READ] = "MIG_DATA_READ",
	[VFIO_USER_MIG_DATA_WRITE] = "MIG_DATA_WRITE",
};

const char *vfio_user_command_name(unsigned command)
{
	if (command == 0 || command > VFIO_USER_MAX_COMMAND)
		return "unknown";
	return command_names[command];
}

/* ---- capabilities --------------------------------------------------------- */

void vfio_user_caps_default(struct vfio_user_caps *caps)
{
	memset(caps, 0, sizeof(*caps));
	caps->max_msg_fds = VFIO_USER_DEFAULT_MAX_MSG_FDS;
	caps->max_data_xfer_size = VFIO_USER_DEFAULT_MAX_DATA_XFER_SIZE;
	caps->max_dma_maps = VFIO_USER_DEFAULT_MAX_DMA_MAPS;
	caps->pgsizes = VFIO_USER_DEFAULT_PGSIZES;
	caps->twin_fd_index = -1;
}

static int json_u64(json_object *parent, const char *key, uint64_t min,
		    uint64_t *out)
{
	json_object *o;
	int64_t v;

	if (!json_object_object_get_ex(parent, key, &o))
		return 0;
	if (!json_object_is_type(o, json_type_int)) {
		VU_LOG(ERR, "VERSION capability \"%s\" is not an integer; the peer's JSON is malformed",
		       key);
		return -EINVAL;
	}
	v = json_object_get_int64(o);
	if (v < 0 && v != INT64_MAX) {
		/* json-c keeps values above INT64_MAX as uint64. */
		uint64_t u = json_object_get_uint64(o);
		if ((int64_t)u < 0 && u >= min) {
			*out = u;
			return 0;
		}
		VU_LOG(ERR, "VERSION capability \"%s\" is negative (%" PRId64 ")", key, v);
		return -EINVAL;
	}
	if (v == INT64_MAX)
		*out = json_object_get_uint64(o);
	else
		*out = (uint64_t)v;
	if (*out < min) {
		VU_LOG(ERR, "VERSION capability \"%s\" is %" PRIu64 ", at least %" PRIu64 " is needed",
		       key, *out, min);
		return -EINVAL;
	}
	return 0;
}

static int json_flag(json_object *parent, const char *key, bool *out)
{
	json_object *o, *sup;

	if (!json_object_object_get_ex(parent, key, &o))
		return 0;
	if (json_object_is_type(o, json_type_boolean)) {
		*out = json_object_get_boolean(o);
		return 0;
	}
	/* libvfio-user states twin_socket as {"supported": true, ...}. */
	if (json_object_is_type(o, json_type_object)) {
		if (!json_object_object_get_ex(o, "supported", &sup)) {
			*out = false;
			return 0;
		}
		if (json_object_is_type(sup, json_type_boolean)) {
			*out = json_object_get_boolean(sup);
			return 0;
		}
	}
	VU_LOG(ERR, "VERSION capability \"%s\" is neither a boolean nor {\"supported\": bool}", key);
	return -EINVAL;
}

int vfio_user_caps_parse(const char *json, struct vfio_user_caps *caps)
{
	enum json_tokener_error jerr;
	json_object *root, *cap, *mig;
	uint64_t v;
	int rc = -EINVAL;

	root = json_tokener_parse_verbose(json, &jerr);
	if (root == NULL) {
		VU_LOG(ERR, "VERSION JSON does not parse (%s): '%.80s'",
		       json_tokener_error_desc(jerr), json);
		return -EINVAL;
	}
	if (!json_object_is_type(root, json_type_object)) {
		VU_LOG(ERR, "VERSION JSON is not an object: '%.80s'", json);
		goto out;
	}
	if (!json_object_object_get_ex(root, "capabilities", &cap)) {
		rc = 0; /* nothing stated: the defaults stand */
		goto out;
	}
	if (!json_object_is_type(cap, json_type_object)) {
		VU_LOG(ERR, "VERSION JSON \"capabilities\" is not an object");
		goto out;
	}
	v = caps->max_msg_fds;
	if (json_u64(cap, "max_msg_fds", 0, &v) < 0)
		goto out;
	if (v > UINT32_MAX) {
		VU_LOG(ERR, "VERSION capability max_msg_fds %" PRIu64 " is absurd", v);
		goto out;
	}
	caps->max_msg_fds = (uint32_t)v;
	if (json_u64(cap, "max_data_xfer_size", 1, &caps->max_data_xfer_size) < 0 ||
	    json_u64(cap, "max_dma_maps", 0, &caps->max_dma_maps) < 0 ||
	    json_u64(cap, "pgsizes", 0, &caps->pgsizes) < 0 ||
	    json_flag(cap, "twin_socket", &caps->twin_socket) < 0 ||
	    json_flag(cap, "write_multiple", &caps->write_multiple) < 0)
		goto out;
	if (vfio_user_twin_parse_fd_index(cap, &caps->twin_fd_index) < 0)
		goto out;
	if (json_object_object_get_ex(cap, "migration", &mig)) {
		if (!json_object_is_type(mig, json_type_object)) {
			VU_LOG(ERR, "VERSION capability \"migration\" is not an object");
			goto out;
		}
		if (json_u64(mig, "pgsize", 0, &caps->migration_pgsize) < 0 ||
		    json_u64(mig, "max_bitmap_size", 0, &caps->migration_max_bitmap_size) < 0)
			goto out;
	}
	rc = 0;
out:
	json_object_put(root);
	return rc;
}

int vfio_user_caps_format(const struct vfio_user_caps *caps, char *buf, size_t len)
{
	json_object *root = json_object_new_object();
	json_object *cap = json_object_new_object();
	const char *text;
	size_t n;
	int rc;

	if (root == NULL || cap == NULL) {
		json_object_put(root);
		json_object_put(cap);
		return -ENOMEM;
	}
	json_object_object_add(root, "capabilities", cap);
	json_object_object_add(cap, "max_msg_fds", json_object_new_int64(caps->max_msg_fds));
	json_object_object_add(cap, "max_data_xfer_size",
			       json_object_new_uint64(caps->max_data_xfer_size));
	json_object_object_add(cap, "max_dma_maps", json_object_new_uint64(caps->max_dma_maps));
	json_object_object_add(cap, "pgsizes", json_object_new_uint64(caps->pgsizes));
	if (caps->migration_pgsize != 0) {
		json_object *mig = json_object_new_object();
		json_object_object_add(mig, "pgsize", json_object_new_uint64(caps->migration_pgsize));
		if (caps->migration_max_bitmap_size != 0)
			json_object_object_add(mig, "max_bitmap_size",
				json_object_new_uint64(caps->migration_max_bitmap_size));
		json_object_object_add(cap, "migration", mig);
	}
	if (caps->twin_socket) {
		json_object *twin = json_object_new_object();
		json_object_object_add(twin, "supported", json_object_new_boolean(1));
		if (caps->twin_fd_index >= 0)
			json_object_object_add(twin, "fd_index",
					       json_object_new_int(caps->twin_fd_index));
		json_object_object_add(cap, "twin_socket", twin);
	}
	if (caps->write_multiple)
		json_object_object_add(cap, "write_multiple", json_object_new_boolean(1));
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
	n = text != NULL ? strlen(text) : 0;
	if (text == NULL)
		rc = -ENOMEM;
	else if (n + 1 > len)
		rc = -ENOSPC;
	else {
		memcpy(buf, text, n + 1);
		rc = (int)n;
	}
	json_object_put(root);
	return rc;
}

/* ---- connection ---------------------------------------------------------- */

static void conn_init_limits(struct vfio_user_conn *conn)
{
	struct vfio_user_caps def;

	vfio_user_caps_default(&def);
	conn->peer = def;
	/* Before the handshake we accept what a default peer could send, and
	 * as many fds as we can hold: VERSION carries none anyway. */
	conn->recv_max = HDR_SIZE + def.max_data_xfer_size + VFIO_USER_MSG_OVERHEAD;
	conn->recv_max_fds = VFIO_USER_MAX_FDS;
	conn->send_max = conn->recv_max;
	conn->send_max_fds = VFIO_USER_MAX_FDS;
}

struct vfio_user_conn *vfio_user_conn_from_fd(int fd, int timeout_ms)
{
	struct vfio_user_conn *conn;
	int fl;

	if (fd < 0 || timeout_ms <= 0) {
		if (fd >= 0)
			close(fd);
		errno = EINVAL;
		return NULL;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		int err = errno;
		VU_LOG(ERR, "cannot make socket %d non-blocking: %s", fd, strerror(err));
		close(fd);
		errno = err;
		return NULL;
	}
	conn = calloc(1, sizeof(*conn));
	if (conn == NULL) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	conn->fd = fd;
	conn->timeout_ms = timeout_ms;
	conn->next_id = 1;
	conn_init_limits(conn);
	return conn;
}

static int unix_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (path == NULL || path[0] == '\0') {
		VU_LOG(ERR, "vfio-user socket path is empty: give the server's socket file");
		return -EINVAL;
	}
	if (strlen(path) >= sizeof(sa->sun_path)) {
		VU_LOG(ERR, "vfio-user socket path '%s' is longer than %zu bytes: use a shorter path",
		       path, sizeof(sa->sun_path) - 1);
		return -ENAMETOOLONG;
	}
	strcpy(sa->sun_path, path);
	return 0;
}

struct vfio_user_conn *vfio_user_connect(const char *path, int timeout_ms)
{
	struct sockaddr_un sa;
	int fd, rc;

	rc = unix_addr(path, &sa);
	if (rc < 0) {
		errno = -rc;
		return NULL;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno;
		VU_LOG(ERR, "cannot connect to vfio-user server at '%s': %s (is the server running and listening there?)",
		       path, strerror(err));
		close(fd);
		errno = err;
		return NULL;
	}
	return vfio_user_conn_from_fd(fd, timeout_ms);
}

int vfio_user_listen(const char *path)
{
	struct sockaddr_un sa;
	int fd, rc;

	rc = unix_addr(path, &sa);
	if (rc < 0)
		return rc;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Bind under a temporary name and rename it into place once
	 * listening: a client that sees the socket file can connect (no
	 * ECONNREFUSED between bind() and listen()). */
	struct sockaddr_un tmp = sa;
	bool renamed = snprintf(tmp.sun_path, sizeof(tmp.sun_path), "%s.%d~", path,
				(int)getpid()) < (int)sizeof(tmp.sun_path);

	if (!renamed)
		tmp = sa; /* no room for the suffix: bind in place */
	unlink(tmp.sun_path);
	if (bind(fd, (struct sockaddr *)&tmp, sizeof(tmp)) < 0 || listen(fd, 4) < 0 ||
	    (renamed && rename(tmp.sun_path, path) < 0)) {
		rc = -errno;
		VU_LOG(ERR, "cannot listen on '%s': %s", path, strerror(-rc));
		if (renamed)
			unlink(tmp.sun_path);
		close(fd);
		return rc;
	}
	return fd;
}

struct vfio_user_conn *vfio_user_accept(int listen_fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = listen_fd, .events = POLLIN };
	int rc, fd;

	do
		rc = poll(&pfd, 1, timeout_ms);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return NULL;
	if (rc == 0) {
		errno = ETIMEDOUT;
		return NULL;
	}
	fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return NULL;
	return vfio_user_conn_from_fd(fd, timeout_ms);
}

static void stash_free(struct stashed_reply *s)
{
	for (unsigned i = 0; i < s->nb_fds; i++)
		close(s->fds[i]);
	free(s->buf);
	s->buf = NULL;
	s->nb_fds = 0;
}

void vfio_user_conn_close(struct vfio_user_conn *conn)
{
	if (conn == NULL)
		return;
	for (unsigned i = 0; i < conn->nb_stashed; i++)
		stash_free(&conn->stash[i]);
	vfio_user_conn_close(conn->twin);
	close(conn->fd);
	free(conn);
}

int vfio_user_conn_fd(const struct vfio_user_conn *conn)
{
	return conn->fd;
}

void vfio_user_conn_set_timeout(struct vfio_user_conn *conn, int timeout_ms)
{
	if (timeout_ms > 0)
		conn->timeout_ms = timeout_ms;
	if (conn->twin != NULL)
		vfio_user_conn_set_timeout(conn->twin, timeout_ms);
}

void vfio_user_conn_set_handler(struct vfio_user_conn *conn,
				vfio_user_cmd_handler_t handler, void *arg)
{
	conn->handler = handler;
	conn->handler_arg = arg;
	/* A server's twin carries only replies: commands there stay refused. */
	if (conn->twin != NULL && conn->twin_serves_peer)
		vfio_user_conn_set_handler(conn->twin, handler, arg);
}

void vfio_user_conn_set_limits(struct vfio_user_conn *conn,
			       const struct vfio_user_caps *mine,
			       const struct vfio_user_caps *peer)
{
	conn->peer = *peer;
	conn->recv_max = HDR_SIZE + mine->max_data_xfer_size + VFIO_USER_MSG_OVERHEAD;
	conn->recv_max_fds = mine->max_msg_fds < VFIO_USER_MAX_FDS ?
			     mine->max_msg_fds : VFIO_USER_MAX_FDS;
	conn->send_max = HDR_SIZE + peer->max_data_xfer_size + VFIO_USER_MSG_OVERHEAD;
	conn->send_max_fds = peer->max_msg_fds < VFIO_USER_MAX_FDS ?
			     peer->max_msg_fds : VFIO_USER_MAX_FDS;
	if (conn->twin != NULL)
		vfio_user_conn_set_limits(conn->twin, mine, peer);
}

struct vfio_user_conn *vfio_user_conn_cmd_channel(struct vfio_user_conn *conn)
{
	return conn->twin != NULL ? conn->twin : conn;
}

bool vfio_user_conn_has_twin(const struct vfio_user_conn *conn)
{
	return conn->twin != NULL;
}

size_t vfio_user_conn_max_msg_size(const struct vfio_user_conn *conn)
{
	return conn->recv_max;
}

const struct vfio_user_caps *vfio_user_conn_peer_caps(const struct vfio_user_conn *conn)
{
	return &conn->peer;
}

bool vfio_user_conn_is_up(const struct vfio_user_conn *conn)
{
	return conn->error == 0;
}

int vfio_user_conn_error(const struct vfio_user_conn *conn)
{
	return conn->error;
}

void vfio_user_conn_drop(struct vfio_user_conn *conn, int error)
{
	if (conn->error != 0)
		return;
	conn->error = error < 0 ? error : -ECONNRESET;
	shutdown(conn->fd, SHUT_RDWR);
	if (conn->twin != NULL && conn->twin->error == 0) {
		/* One connection, one message: the twin goes down with it. */
		conn->twin->error = conn->error;
		shutdown(conn->twin->fd, SHUT_RDWR);
	}
	/* A peer that hung up is how every session ends on a server: not an
	 * error there, and the caller reports it as one where it is. */
	if (conn->error == -ECONNRESET)
		VU_LOG(NOTICE, "vfio-user connection closed by the peer; later requests fail with ENOTCONN");
	else
		VU_LOG(ERR, "vfio-user connection dropped: %s; every later request fails with ENOTCONN, reconnect to continue",
		       strerror(-conn->error));
}

/* Milliseconds left until @deadline (CLOCK_MONOTONIC), at least 0. */
static int ms_left(const struct timespec *deadline)
{
	struct timespec now;
	int64_t ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000 +
	     (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (ms > INT32_MAX ? INT32_MAX : (int)ms);
}

static void deadline_in(struct timespec *deadline, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, deadline);
	deadline->tv_sec += ms / 1000;
	deadline->tv_nsec += (long)(ms % 1000) * 1000000;
	if (deadline->tv_nsec >= 1000000000) {
		deadline->tv_sec++;
		deadline->tv_nsec -= 1000000000;
	}
}

/* Wait for @events until @deadline. 0, -ETIMEDOUT or -errno. */
static int wait_fd(int fd, short events, const struct timespec *deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int rc;

	for (;;) {
		rc = poll(&pfd, 1, ms_left(deadline));
		if (rc > 0)
			return 0;
		if (rc == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

/* ---- sending ------------------------------------------------------------- */

int vfio_user_send(struct vfio_user_conn *conn, uint16_t msg_id, uint16_t command,
		   uint32_t flags, uint32_t error, const struct iovec *iov,
		   unsigned iovcnt, const int *fds, unsigned nb_fds)
{
	struct iovec vec[16];
	struct vfio_user_header hdr;
	union {
		char buf[CMSG_SPACE(sizeof(int) * VFIO_USER_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct timespec deadline;
	struct msghdr mh;
	size_t total = HDR_SIZE;
	unsigned nvec = 0, i;
	bool fds_sent = false;
	int rc;

	if (conn->error != 0)
		return -ENOTCONN;
	if (iovcnt > 15)
		return -EINVAL;
	if (nb_fds > conn->send_max_fds) {
		VU_LOG(ERR, "%s carries %u fds, the peer takes at most %u per message",
		       vfio_user_command_name(command), nb_fds, conn->send_max_fds);
		return -E2BIG;
	}
	vec[nvec++] = (struct iovec){ &hdr, HDR_SIZE };
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len == 0)
			continue;
		total += iov[i].iov_len;
		vec[nvec++] = iov[i];
	}
	if (total > UINT32_MAX || total > conn->send_max) {
		VU_LOG(ERR, "%s of %zu bytes exceeds the peer's message limit of %zu",
		       vfio_user_command_name(command), total, conn->send_max);
		return -EMSGSIZE;
	}
	hdr = (struct vfio_user_header){ .msg_id = msg_id, .command = command,
		.size = (uint32_t)total, .flags = flags, .error = error };

	deadline_in(&deadline, conn->timeout_ms);
	struct iovec *cur = vec;
	unsigned left = nvec;
	while (left > 0) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = cur;
		mh.msg_iovlen = left;
		if (nb_fds > 0 && !fds_sent) {
			struct cmsghdr *cm;
			memset(&ctl, 0, sizeof(ctl));
			mh.msg_control = ctl.buf;
			mh.msg_controllen = CMSG_SPACE(sizeof(int) * nb_fds);
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int) * nb_fds);
			memcpy(CMSG_DATA(cm), fds, sizeof(int) * nb_fds);
		}
		ssize_t n = sendmsg(conn->fd, &mh, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				rc = wait_fd(conn->fd, POLLOUT, &deadline);
				if (rc < 0)
					goto fail;
				continue;
			}
			if (errno == EBADF && nb_fds > 0 && !fds_sent) {
				VU_LOG(ERR, "%s: an fd to pass is not open", vfio_user_command_name(command));
				return -EBADF; /* nothing sent, stream intact */
			}
			rc = -errno;
			goto fail;
		}
		fds_sent = true;
		while (left > 0 && (size_t)n >= cur->iov_len) {
			n -= (ssize_t)cur->iov_len;
			cur++;
			left--;
		}
		if (left > 0) {
			cur->iov_base = (char *)cur->iov_base + n;
			cur->iov_len -= (size_t)n;
		}
	}
	return 0;
fail:
	VU_LOG(ERR, "sending %s failed: %s", vfio_user_command_name(command), strerror(-rc));
	vfio_user_conn_drop(conn, rc == -EPIPE ? -ECONNRESET : rc);
	return rc == -EPIPE ? -ECONNRESET : rc;
}

static int in_flight_find(const struct vfio_user_conn *conn, uint16_t id)
{
	for (unsigned i = 0; i < conn->nb_in_flight; i++)
		if (conn->in_flight[i].id == id)
			return (int)i;
	return -1;
}

static void in_flight_remove(struct vfio_user_conn *conn, unsigned i)
{
	conn->in_flight[i] = conn->in_flight[--conn->nb_in_flight];
}

int vfio_user_requestv(struct vfio_user_conn *conn, uint16_t command, uint32_t flags,
		       const struct iovec *iov, unsigned iovcnt, const int *fds,
		       unsigned nb_fds, uint16_t *id)
{
	bool want_reply = !(flags & VFIO_USER_F_NO_REPLY);
	uint16_t msg_id;
	int rc;

	if (conn->error != 0)
		return -ENOTCONN;
	if (want_reply && conn->nb_in_flight == MAX_IN_FLIGHT) {
		VU_LOG(ERR, "%u commands already await replies: collect some first", MAX_IN_FLIGHT);
		return -EBUSY;
	}
	do
		msg_id = conn->next_id++;
	while (in_flight_find(conn, msg_id) >= 0);
	rc = vfio_user_send(conn, msg_id, command, flags & ~VFIO_USER_F_TYPE_MASK, 0,
			    iov, iovcnt, fds, nb_fds);
	if (rc < 0)
		return rc;
	if (want_reply)
		conn->in_flight[conn->nb_in_flight++] =
			(struct in_flight){ .id = msg_id, .command = command };
	if (id != NULL)
		*id = msg_id;
	return 0;
}

int vfio_user_request(struct vfio_user_conn *conn, uint16_t command, uint32_t flags,
		      const void *payload, size_t len, const int *fds,
		      unsigned nb_fds, uint16_t *id)
{
	struct iovec iov = { (void *)(uintptr_t)payload, len };

	return vfio_user_requestv(conn, command, flags, &iov, payload != NULL ? 1 : 0,
				  fds, nb_fds, id);
}

int vfio_user_reply(struct vfio_user_conn *conn, const struct vfio_user_msg *cmd,
		    const struct iovec *iov, unsigned iovcnt, const int *fds,
		    unsigned nb_fds)
{
	const struct vfio_user_header *h = vfio_user_msg_header(cmd);

	if (h->flags & VFIO_USER_F_NO_REPLY)
		return 0;
	return vfio_user_send(conn, h->msg_id, h->command, VFIO_USER_F_TYPE_REPLY, 0,
			      iov, iovcnt, fds, nb_fds);
}

int vfio_user_reply_error(struct vfio_user_conn *conn,
			  const struct vfio_user_msg *cmd, int err)
{
	const struct vfio_user_header *h = vfio_user_msg_header(cmd);

	if (h->flags & VFIO_USER_F_NO_REPLY)
		return 0;
	return vfio_user_send(conn, h->msg_id, h->command,
			      VFIO_USER_F_TYPE_REPLY | VFIO_USER_F_ERROR,
			      (uint32_t)(err > 0 ? err : EIO), NULL, 0, NULL, 0);
}

/* ---- receiving ----------------------------------------------------------- */

void vfio_user_msg_release(struct vfio_user_msg *msg)
{
	for (unsigned i = 0; i < msg->nb_fds; i++)
		if (msg->fds[i] >= 0)
			close(msg->fds[i]);
	msg->nb_fds = 0;
}

/* Read exactly @len bytes into @buf, collecting fds into @msg. 0, -ETIMEDOUT,
 * -ECONNRESET (EOF), -errno. *@got counts bytes read. */
static int read_bytes(struct vfio_user_conn *conn, void *buf, size_t len,
		      struct vfio_user_msg *msg, bool *fds_truncated,
		      const struct timespec *deadline, size_t *got)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * VFIO_USER_MAX_FDS)];
		struct cmsghdr align;
	} ctl;

	*got = 0;
	while (*got < len) {
		struct iovec iov = { (char *)buf + *got, len - *got };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = ctl.buf,
				     .msg_controllen = sizeof(ctl.buf) };
		ssize_t n = recvmsg(conn->fd, &mh, MSG_CMSG_CLOEXEC);

		if (n < 0) {
			int rc;
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return -errno;
			rc = wait_fd(conn->fd, POLLIN, deadline);
			if (rc < 0)
				return rc;
			continue;
		}
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm != NULL;
		     cm = CMSG_NXTHDR(&mh, cm)) {
			if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
				continue;
			size_t nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < nfd; i++) {
				int fd;
				memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
				if (msg->nb_fds < VFIO_USER_MAX_FDS)
					msg->fds[msg->nb_fds++] = fd;
				else {
					close(fd);
					*fds_truncated = true;
				}
			}
		}
		if (mh.msg_flags & MSG_CTRUNC)
			*fds_truncated = true;
		if (n == 0)
			return -ECONNRESET;
		*got += (size_t)n;
	}
	return 0;
}

int vfio_user_recv(struct vfio_user_conn *conn, struct vfio_user_msg *msg)
{
	struct vfio_user_header hdr;
	struct timespec deadline;
	bool fds_truncated = false;
	size_t got;
	int rc;

	msg->nb_fds = 0;
	msg->len = 0;
	if (conn->error != 0)
		return -ENOTCONN;
	if (msg->buf == NULL || msg->capacity < HDR_SIZE)
		return -EINVAL;
	deadline_in(&deadline, conn->timeout_ms);
	rc = read_bytes(conn, &hdr, HDR_SIZE, msg, &fds_truncated, &deadline, &got);
	if (rc == -ETIMEDOUT && got == 0)
		return -ETIMEDOUT; /* nothing started: the stream is still in step */
	if (rc < 0) {
		if (rc == -ECONNRESET && got == 0)
			VU_LOG(NOTICE, "vfio-user peer closed the connection");
		else
			VU_LOG(ERR, "vfio-user peer %s after %zu bytes of a header",
			       rc == -ETIMEDOUT ? "went silent" : "closed", got);
		goto drop;
	}
	if (hdr.size < HDR_SIZE) {
		VU_LOG(ERR, "vfio-user message (id %u, command %u) claims %u bytes, less than its header: peer is broken",
		       hdr.msg_id, hdr.command, hdr.size);
		rc = -EPROTO;
		goto drop;
	}
	if (hdr.size > conn->recv_max || hdr.size > msg->capacity) {
		VU_LOG(ERR, "vfio-user %s message of %u bytes exceeds the limit of %zu (max_data_xfer_size + %u)",
		       vfio_user_command_name(hdr.command), hdr.size,
		       conn->recv_max < msg->capacity ? conn->recv_max : msg->capacity,
		       (unsigned)(HDR_SIZE + VFIO_USER_MSG_OVERHEAD));
		rc = -EMSGSIZE;
		goto drop;
	}
	memcpy(msg->buf, &hdr, HDR_SIZE);
	rc = read_bytes(conn, (char *)msg->buf + HDR_SIZE, hdr.size - HDR_SIZE, msg,
			&fds_truncated, &deadline, &got);
	if (rc < 0) {
		VU_LOG(ERR, "vfio-user peer %s in the middle of a %s message (%zu of %u bytes)",
		       rc == -ETIMEDOUT ? "went silent" : "closed or failed",
		       vfio_user_command_name(hdr.command), got + HDR_SIZE, hdr.size);
		goto drop;
	}
	msg->len = hdr.size;
	if ((hdr.flags & ~VFIO_USER_F_KNOWN) != 0 ||
	    (hdr.flags & VFIO_USER_F_TYPE_MASK) > VFIO_USER_F_TYPE_REPLY) {
		VU_LOG(ERR, "vfio-user message id %u has unknown flags 0x%x: ignored",
		       hdr.msg_id, hdr.flags);
		vfio_user_msg_release(msg);
		return -EPROTO;
	}
	if (fds_truncated || msg->nb_fds > conn->recv_max_fds) {
		VU_LOG(ERR, "vfio-user %s came with more fds than the %u allowed: refused",
		       vfio_user_command_name(hdr.command), conn->recv_max_fds);
		vfio_user_msg_release(msg);
		return -E2BIG;
	}
	return 0;
drop:
	vfio_user_msg_release(msg);
	vfio_user_conn_drop(conn, rc);
	return rc;
}

/* ---- validation ---------------------------------------------------------- */

struct cmd_shape {
	uint32_t cmd_min;     /* command payload at least */
	uint32_t reply_min;   /* reply payload at least */
	bool has_argsz;       /* command starts with argsz that covers cmd_min */
};

static const struct cmd_shape shapes[VFIO_USER_MAX_COMMAND + 1] = {
	[VFIO_USER_VERSION] = { 4, 4, false },
	[VFIO_USER_DMA_MAP] = { sizeof(struct vfio_user_dma_map), 0, true },
	[VFIO_USER_DMA_UNMAP] = { sizeof(struct vfio_user_dma_unmap), 0, true },
	[VFIO_USER_DEVICE_GET_INFO] = { sizeof(struct vfio_user_device_info),
					sizeof(struct vfio_user_device_info), true },
	[VFIO_USER_DEVICE_GET_REGION_INFO] = { sizeof(struct vfio_user_region_info),
					       sizeof(struct vfio_user_region_info), true },
	[VFIO_USER_DEVICE_GET_REGION_IO_FDS] = { 16, 16, true },
	[VFIO_USER_DEVICE_GET_IRQ_INFO] = { sizeof(struct vfio_user_irq_info),
					    sizeof(struct vfio_user_irq_info), true },
	[VFIO_USER_DEVICE_SET_IRQS] = { sizeof(struct vfio_user_irq_set), 0, true },
	[VFIO_USER_REGION_READ] = { sizeof(struct vfio_user_region_access),
				    sizeof(struct vfio_user_region_access), false },
	[VFIO_USER_REGION_WRITE] = { sizeof(struct vfio_user_region_access),
				     sizeof(struct vfio_user_region_access), false },
	[VFIO_USER_DMA_READ] = { sizeof(struct vfio_user_dma_access),
				 sizeof(struct vfio_user_dma_access), false },
	[VFIO_USER_DMA_WRITE] = { sizeof(struct vfio_user_dma_access),
				  sizeof(struct vfio_user_dma_access), false },
	[VFIO_USER_DEVICE_RESET] = { 0, 0, false },
	[VFIO_USER_DIRTY_PAGES] = { 8, 0, true },
	[VFIO_USER_REGION_WRITE_MULTI] = { sizeof(struct vfio_user_write_multi),
					   sizeof(struct vfio_user_write_multi), false },
	[VFIO_USER_DEVICE_FEATURE] = { sizeof(struct vfio_user_device_feature),
				       sizeof(struct vfio_user_device_feature), true },
	[VFIO_USER_MIG_DATA_READ] = { 8, 8, true },
	/* Spec: "There is no reply payload for this message." */
	[VFIO_USER_MIG_DATA_WRITE] = { 8, 0, true },
};

/* Data bytes a REGION/DMA access says it carries. */
static uint64_t access_count(unsigned command, const void *payload)
{
	if (command == VFIO_USER_REGION_READ || command == VFIO_USER_REGION_WRITE) {
		const struct vfio_user_region_access *a = payload;
		return a->count;
	}
	const struct vfio_user_dma_access *d = payload;
	return d->count;
}

int vfio_user_msg_validate(const struct vfio_user_msg *msg)
{
	const struct vfio_user_header *h = vfio_user_msg_header(msg);
	bool reply = (h->flags & VFIO_USER_F_TYPE_MASK) == VFIO_USER_F_TYPE_REPLY;
	const char *name = vfio_user_command_name(h->command);
	size_t len;
	const void *p = vfio_user_msg_payload(msg, &len);
	const struct cmd_shape *s;
	bool carries_data;

	if (msg->len < HDR_SIZE || h->size != msg->len) {
		VU_LOG(ERR, "vfio-user message length %zu does not match its size field %u",
		       msg->len, h->size);
		return -EINVAL;
	}
	if (h->command == 0 || h->command > VFIO_USER_MAX_COMMAND) {
		VU_LOG(ERR, "vfio-user command %u is unknown", h->command);
		return -ENOSYS;
	}
	if (reply && (h->flags & VFIO_USER_F_ERROR))
		return 0; /* an error reply carries nothing we read */
	if (!reply && (h->flags & VFIO_USER_F_ERROR)) {
		VU_LOG(ERR, "vfio-user %s command has the ERROR flag, only replies may", name);
		return -EINVAL;
	}
	s = &shapes[h->command];
	if (len < (reply ? s->reply_min : s->cmd_min)) {
		VU_LOG(ERR, "vfio-user %s %s has %zu payload bytes, needs at least %u",
		       name, reply ? "reply" : "command", len,
		       reply ? s->reply_min : s->cmd_min);
		return -EINVAL;
	}
	if (!reply && s->has_argsz) {
		uint32_t argsz;
		memcpy(&argsz, p, sizeof(argsz));
		if (argsz < s->cmd_min) {
			VU_LOG(ERR, "vfio-user %s argsz %u is below the struct size %u",
			       name, argsz, s->cmd_min);
			return -EINVAL;
		}
	}
	switch (h->command) {
	case VFIO_USER_REGION_WRITE_MULTI:
		if (reply)
			return 0;
		return vfio_user_write_multi_entries(msg, &(uint32_t){ 0 }) != NULL ? 0 : -EINVAL;
	case VFIO_USER_REGION_READ:
	case VFIO_USER_DMA_READ:
		carries_data = reply;
		break;
	case VFIO_USER_REGION_WRITE:
	case VFIO_USER_DMA_WRITE:
		carries_data = !reply;
		break;
	default:
		return 0;
	}
	uint64_t count = access_count(h->command, p);
	uint64_t want = carries_data ? count + 16 : 16;
	if (count > UINT32_MAX || len != want) {
		VU_LOG(ERR, "vfio-user %s %s says count %" PRIu64 " but carries %zu payload bytes (expected %" PRIu64 ")",
		       name, reply ? "reply" : "command", count, len, want);
		return -EINVAL;
	}
	return 0;
}

/* ---- reply matching ------------------------------------------------------ */

static int reply_status(const struct vfio_user_msg *reply)
{
	const struct vfio_user_header *h = vfio_user_msg_header(reply);

	if (!(h->flags & VFIO_USER_F_ERROR))
		return 0;
	if (h->error == 0 || h->error > 4095)
		return -EIO;
	return -(int)h->error;
}

static void msg_move_fds(int *dst, unsigned *nb_dst, struct vfio_user_msg *src)
{
	memcpy(dst, src->fds, src->nb_fds * sizeof(int));
	*nb_dst = src->nb_fds;
	src->nb_fds = 0;
}

static int take_stashed(struct vfio_user_conn *conn, uint16_t id,
			struct vfio_user_msg *reply)
{
	for (unsigned i = 0; i < conn->nb_stashed; i++) {
		struct stashed_reply *s = &conn->stash[i];
		if (vfio_user_msg_header(&(struct vfio_user_msg){ .buf = s->buf })->msg_id != id)
			continue;
		if (s->len > reply->capacity) {
			stash_free(s);
			conn->stash[i] = conn->stash[--conn->nb_stashed];
			VU_LOG(ERR, "reply %u of %zu bytes does not fit the %zu-byte buffer",
			       id, s->len, reply->capacity);
			return -EMSGSIZE;
		}
		memcpy(reply->buf, s->buf, s->len);
		reply->len = s->len;
		memcpy(reply->fds, s->fds, s->nb_fds * sizeof(int));
		reply->nb_fds = s->nb_fds;
		free(s->buf);
		conn->stash[i] = conn->stash[--conn->nb_stashed];
		return 1;
	}
	return 0;
}

static int dispatch_command(struct vfio_user_conn *conn, struct vfio_user_msg *msg)
{
	int rc;

	if (conn->handler == NULL) {
		VU_LOG(WARNING, "vfio-user peer sent %s, which this side does not serve",
		       vfio_user_command_name(vfio_user_msg_header(msg)->command));
		rc = vfio_user_reply_error(conn, msg, ENOSYS);
		vfio_user_msg_release(msg);
		return rc;
	}
	rc = conn->handler(conn, msg, conn->handler_arg);
	vfio_user_msg_release(msg);
	return rc;
}

/* Keep a reply to a command in flight for its own wait; one that answers
 * nothing is logged and dropped (the stream itself is still in step). */
static int stash_reply(struct vfio_user_conn *conn, struct vfio_user_msg *reply)
{
	const struct vfio_user_header *h = vfio_user_msg_header(reply);
	struct stashed_reply *s;

	if (in_flight_find(conn, h->msg_id) < 0 || conn->nb_stashed == MAX_STASHED) {
		VU_LOG(WARNING, "vfio-user reply id %u (%s) answers no command in flight: ignored",
		       h->msg_id, vfio_user_command_name(h->command));
		vfio_user_msg_release(reply);
		return 0;
	}
	s = &conn->stash[conn->nb_stashed];
	s->buf = malloc(reply->len);
	if (s->buf == NULL) {
		vfio_user_msg_release(reply);
		return -ENOMEM;
	}
	memcpy(s->buf, reply->buf, reply->len);
	s->len = reply->len;
	msg_move_fds(s->fds, &s->nb_fds, reply);
	conn->nb_stashed++;
	return 0;
}

int vfio_user_poll(struct vfio_user_conn *conn, struct vfio_user_msg *buf)
{
	int handled = 0;

	if (conn->error != 0)
		return -ENOTCONN;
	for (;;) {
		struct pollfd pfd = { .fd = conn->fd, .events = POLLIN };
		int rc = poll(&pfd, 1, 0);

		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -errno;
		if (rc == 0)
			break;
		/* POLLHUP / POLLERR with nothing left to read: recv() sees the
		 * end of the stream and drops the connection. */
		rc = vfio_user_recv(conn, buf);
		if (rc < 0) {
			if (!vfio_user_conn_is_up(conn))
				conn->nb_in_flight = 0;
			if (rc == -ETIMEDOUT)
				break;
			return rc;
		}
		handled++;
		if ((vfio_user_msg_header(buf)->flags & VFIO_USER_F_TYPE_MASK) ==
		    VFIO_USER_F_TYPE_COMMAND)
			rc = dispatch_command(conn, buf);
		else
			rc = stash_reply(conn, buf);
		if (rc < 0)
			return rc;
	}
	if (conn->twin != NULL) {
		int rc = vfio_user_poll(conn->twin, buf);

		if (rc < 0) {
			if (!vfio_user_conn_is_up(conn->twin)) {
				vfio_user_conn_drop(conn, vfio_user_conn_error(conn->twin));
				conn->nb_in_flight = 0;
			}
			return rc;
		}
		handled += rc;
	}
	return handled;
}

int vfio_user_wait_reply(struct vfio_user_conn *conn, uint16_t id,
			 struct vfio_user_msg *reply)
{
	int slot = in_flight_find(conn, id);
	uint16_t command;
	int rc;

	if (conn->error != 0)
		return -ENOTCONN;
	if (slot < 0) {
		VU_LOG(ERR, "no command with id %u awaits a reply", id);
		return -ENOENT;
	}
	command = conn->in_flight[slot].command;
	rc = take_stashed(conn, id, reply);
	if (rc != 0) {
		in_flight_remove(conn, (unsigned)slot);
		return rc < 0 ? rc : reply_status(reply);
	}
	for (;;) {
		const struct vfio_user_header *h;

		rc = 0;
		if (conn->twin != NULL) {
			struct timespec deadline;

			deadline_in(&deadline, conn->timeout_ms);
			rc = vfio_user_twin_serve_until(conn->twin, conn->fd, reply, &deadline);
			if (rc < 0 && rc != -ETIMEDOUT) {
				if (!vfio_user_conn_is_up(conn->twin)) {
					vfio_user_conn_drop(conn, vfio_user_conn_error(conn->twin));
					conn->nb_in_flight = 0;
				}
				return rc;
			}
		}
		if (rc == 0)
			rc = vfio_user_recv(conn, reply);
		if (rc == -ETIMEDOUT) {
			VU_LOG(ERR, "vfio-user server did not answer %s (id %u) within %d ms",
			       vfio_user_command_name(command), id, conn->timeout_ms);
			vfio_user_conn_drop(conn, -ETIMEDOUT);
		}
		if (rc < 0) {
			if (!vfio_user_conn_is_up(conn))
				conn->nb_in_flight = 0;
			return rc;
		}
		h = vfio_user_msg_header(reply);
		if ((h->flags & VFIO_USER_F_TYPE_MASK) == VFIO_USER_F_TYPE_COMMAND) {
			rc = dispatch_command(conn, reply);
			if (rc < 0)
				return rc;
			continue;
		}
		if (h->msg_id == id) {
			slot = in_flight_find(conn, id);
			in_flight_remove(conn, (unsigned)slot);
			if (h->command != command) {
				VU_LOG(ERR, "reply %u is for command %s, %s was sent: peer is broken",
				       id, vfio_user_command_name(h->command),
				       vfio_user_command_name(command));
				vfio_user_msg_release(reply);
				return -EPROTO;
			}
			return reply_status(reply);
		}
		rc = stash_reply(conn, reply);
		if (rc < 0)
			return rc;
	}
}

/* ---- VERSION ------------------------------------------------------------- */

#define VERSION_JSON_MAX 1024

/* JSON text of a VERSION payload, or NULL when it has none. */
static char *version_json(const struct vfio_user_msg *msg)
{
	size_t len;
	const char *p = vfio_user_msg_payload(msg, &len);
	size_t n = len - sizeof(struct vfio_user_version);
	char *text;

	p += sizeof(struct vfio_user_version);
	while (n > 0 && p[n - 1] == '\0')
		n--;
	if (n == 0)
		return NULL;
	text = malloc(n + 1);
	if (text == NULL)
		return NULL;
	memcpy(text, p, n);
	text[n] = '\0';
	return text;
}

static int version_peer_caps(const struct vfio_user_msg *msg, struct vfio_user_caps *peer)
{
	size_t len;
	char *json;
	int rc = 0;

	vfio_user_caps_default(peer);
	vfio_user_msg_payload(msg, &len);
	if (len <= sizeof(struct vfio_user_version))
		return 0;
	json = version_json(msg);
	if (json == NULL)
		return 0;
	if (strlen(json) != strnlen(json, len))
		rc = -EINVAL;
	else
		rc = vfio_user_caps_parse(json, peer);
	free(json);
	return rc;
}

static int version_payload(const struct vfio_user_caps *mine, uint16_t minor,
			   char *buf, size_t len, size_t *out)
{
	struct vfio_user_version v = { .major = VFIO_USER_MAJOR, .minor = minor };
	int n;

	memcpy(buf, &v, sizeof(v));
	n = vfio_user_caps_format(mine, buf + sizeof(v), len - sizeof(v));
	if (n < 0)
		return n;
	*out = sizeof(v) + (size_t)n + 1;
	return 0;
}

int vfio_user_version_client(struct vfio_user_conn *conn,
			     const struct vfio_user_caps *mine,
			     struct vfio_user_caps *peer)
{
	char payload[VERSION_JSON_MAX];
	struct vfio_user_msg reply = { .buf = NULL };
	const struct vfio_user_version *v;
	size_t len;
	uint16_t id;
	int rc;

	rc = version_payload(mine, VFIO_USER_MINOR, payload, sizeof(payload), &len);
	if (rc < 0)
		return rc;
	reply.capacity = HDR_SIZE + VERSION_JSON_MAX * 4;
	reply.buf = malloc(reply.capacity);
	if (reply.buf == NULL)
		return -ENOMEM;
	rc = vfio_user_request(conn, VFIO_USER_VERSION, 0, payload, len, NULL, 0, &id);
	if (rc == 0)
		rc = vfio_user_wait_reply(conn, id, &reply);
	if (rc < 0) {
		VU_LOG(ERR, "vfio-user VERSION handshake failed: %s", strerror(-rc));
		goto out;
	}
	rc = vfio_user_msg_validate(&reply);
	if (rc < 0)
		goto out;
	v = vfio_user_msg_payload(&reply, NULL);
	if (v->major != VFIO_USER_MAJOR || v->minor > VFIO_USER_MINOR) {
		VU_LOG(ERR, "vfio-user server speaks version %u.%u, this client %u.%u: use a matching server",
		       v->major, v->minor, VFIO_USER_MAJOR, VFIO_USER_MINOR);
		rc = -ENOTSUP;
		goto out;
	}
	rc = version_peer_caps(&reply, peer);
	if (rc < 0) {
		VU_LOG(ERR, "vfio-user server's VERSION capabilities are malformed");
		goto out;
	}
	/* Only an offered twin socket can be enabled by the server. */
	if (mine->twin_socket && peer->twin_socket && conn->twin == NULL) {
		rc = vfio_user_twin_adopt(&reply, peer, conn->timeout_ms, &conn->twin);
		if (rc < 0) {
			vfio_user_conn_drop(conn, rc);
			goto out;
		}
		conn->twin_serves_peer = true;
		vfio_user_conn_set_handler(conn, conn->handler, conn->handler_arg);
	}
	vfio_user_conn_set_limits(conn, mine, peer);
out:
	vfio_user_msg_release(&reply);
	free(reply.buf);
	return rc;
}

int vfio_user_version_server(struct vfio_user_conn *conn,
			     const struct vfio_user_caps *mine,
			     struct vfio_user_caps *peer)
{
	char payload[VERSION_JSON_MAX];
	struct vfio_user_msg msg = { .buf = NULL };
	const struct vfio_user_version *v;
	const struct vfio_user_header *h;
	struct vfio_user_conn *twin = NULL;
	struct vfio_user_caps told;
	int twin_fd = -1;
	struct iovec iov;
	size_t len;
	uint16_t minor;
	int rc;

	msg.capacity = HDR_SIZE + VERSION_JSON_MAX * 4;
	msg.buf = malloc(msg.capacity);
	if (msg.buf == NULL)
		return -ENOMEM;
	rc = vfio_user_recv(conn, &msg);
	if (rc < 0)
		goto out;
	vfio_user_msg_release(&msg);
	h = vfio_user_msg_header(&msg);
	if (h->command != VFIO_USER_VERSION ||
	    (h->flags & VFIO_USER_F_TYPE_MASK) != VFIO_USER_F_TYPE_COMMAND) {
		VU_LOG(ERR, "vfio-user client began with %s, not VERSION: dropping it",
		       vfio_user_command_name(h->command));
		vfio_user_reply_error(conn, &msg, EINVAL);
		rc = -EPROTO;
		goto out;
	}
	rc = vfio_user_msg_validate(&msg);
	if (rc < 0) {
		vfio_user_reply_error(conn, &msg, EINVAL);
		goto out;
	}
	v = vfio_user_msg_payload(&msg, NULL);
	if (v->major != VFIO_USER_MAJOR) {
		VU_LOG(ERR, "vfio-user client speaks version %u.%u, this server %u.x",
		       v->major, v->minor, VFIO_USER_MAJOR);
		vfio_user_reply_error(conn, &msg, ENOTSUP);
		rc = -ENOTSUP;
		goto out;
	}
	minor = v->minor < VFIO_USER_MINOR ? v->minor : VFIO_USER_MINOR;
	rc = version_peer_caps(&msg, peer);
	if (rc < 0) {
		VU_LOG(ERR, "vfio-user client's VERSION capabilities are malformed");
		vfio_user_reply_error(conn, &msg, EINVAL);
		goto out;
	}
	told = *mine;
	told.twin_fd_index = -1;
	/* The reply's capabilities are a subset of the offer: a twin socket
	 * only for a client that asked for one. */
	told.twin_socket = mine->twin_socket && peer->twin_socket && conn->twin == NULL;
	if (told.twin_socket) {
		rc = vfio_user_twin_create(conn->timeout_ms, &twin, &twin_fd);
		if (rc < 0) {
			vfio_user_reply_error(conn, &msg, -rc);
			goto out;
		}
		told.twin_fd_index = 0;
	}
	rc = version_payload(&told, minor, payload, sizeof(payload), &len);
	if (rc < 0)
		goto out;
	iov = (struct iovec){ payload, len };
	rc = vfio_user_reply(conn, &msg, &iov, 1, twin != NULL ? &twin_fd : NULL,
			     twin != NULL ? 1 : 0);
	if (rc == 0 && twin != NULL) {
		conn->twin = twin;
		twin = NULL;
	}
	if (rc == 0)
		vfio_user_conn_set_limits(conn, mine, peer);
out:
	vfio_user_conn_close(twin);
	if (twin_fd >= 0)
		close(twin_fd);
	free(msg.buf);
	return rc;
}
