/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "user" backend: the address space and the one device of a vfio-user
 * server, reached over its UNIX socket (lib/vfio_user does the framing).
 *
 * DMA_MAP requests are pipelined: dma_map sends and returns, and the replies
 * are collected when MAP_WINDOW are outstanding or before any other request
 * (QEMU maps the same way). A map the server refused is then taken out of the
 * backend's table, logged, and the error is returned by that next request.
 *
 * Memory mapped without an fd is reached by the server through DMA_READ /
 * DMA_WRITE commands, on the twin socket when the server accepted the one we
 * offer in VERSION, else on the main socket; they are served, bounds-checked
 * against the table of mappings, whenever we wait for a reply and in
 * poll_events.
 *
 * Posted region writes (NO_REPLY) of up to 8 bytes to a server that states
 * write_multiple are gathered into one REGION_WRITE_MULTI, sent before any
 * other command, when full, and by poll_events.
 *
 * Every op holds the container's lock (USER_LOCKED): a driver's fast path
 * may post a notification (a REGION_WRITE, when the server offers no
 * mmap()able notify area) while its control thread polls the link, and the
 * connection, its reply buffer and the tables serve one thread at a time.
 * Devices whose notify area is mmap()ed never take it on the fast path.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "vfio_private.h"
#include "vfio_user.h"

#define MAP_WINDOW 16
#define USER_REGION_FDS 16
#define REGION_INFO_MAX 65536

struct user_mapping {
	uint64_t iova;
	uint64_t len;
	uint8_t *vaddr;
	unsigned prot;
};

struct user_container {
	struct vfio_user_conn *conn;
	struct vfio_user_caps peer;
	struct vfio_user_msg rx;      /* reply buffer, one per connection */
	struct user_mapping *maps;
	unsigned nb_maps, max_maps;
	uint16_t pending[MAP_WINDOW]; /* DMA_MAP ids awaiting replies */
	uint64_t pending_iova[MAP_WINDOW];
	unsigned nb_pending;
	int deferred_error;           /* a pipelined map's failure, reported once */
	bool device_attached;
	pthread_mutex_t lock;         /* see USER_LOCKED */
	struct vfio_user_write_batch *posted; /* posted writes not sent yet */
	bool gone_reported;           /* conn_ready() said so once */
	char target[200];             /* socket path, for messages */
};

struct user_device {
	struct vfio_device dev;
	struct user_container *uc;
	int region_fds[USER_REGION_FDS];
};

static struct user_container *uc_of(struct vfio_container *c)
{
	return c->priv;
}

static struct user_device *ud_of(struct vfio_device *d)
{
	return eal_container_of(d, struct user_device, dev);
}

static struct user_container *user_lock(struct user_container *uc)
{
	pthread_mutex_lock(&uc->lock);
	return uc;
}

static void user_unlock(struct user_container **uc)
{
	pthread_mutex_unlock(&(*uc)->lock);
}

/* Hold @p uc's lock until the end of the enclosing block, whichever way it
 * is left. Recursive: an op may use another. */
#define USER_LOCKED(uc) \
	struct user_container *user_locked_ __attribute__((cleanup(user_unlock), unused)) = \
		user_lock(uc)

/* ---- mapping table ------------------------------------------------------- */

static struct user_mapping *mapping_find(struct user_container *uc, uint64_t iova,
					 uint64_t len)
{
	for (unsigned i = 0; i < uc->nb_maps; i++) {
		struct user_mapping *m = &uc->maps[i];
		if (iova >= m->iova && len <= m->len && iova - m->iova <= m->len - len)
			return m;
	}
	return NULL;
}

static void mapping_remove_at(struct user_container *uc, unsigned i)
{
	uc->maps[i] = uc->maps[--uc->nb_maps];
}

static void mapping_remove_iova(struct user_container *uc, uint64_t iova)
{
	for (unsigned i = 0; i < uc->nb_maps; i++)
		if (uc->maps[i].iova == iova) {
			mapping_remove_at(uc, i);
			return;
		}
}

/* ---- requests ------------------------------------------------------------ */

static int conn_ready(struct user_container *uc, const char *what)
{
	int err = vfio_user_conn_error(uc->conn);

	if (err == 0)
		return 0;
	/* Every later request fails the same way: one message says it (a
	 * teardown after the server died would otherwise log each unmap). */
	if (!uc->gone_reported)
		VFIO_LOG(ERR, "vfio-user %s to %s: the connection to the server is gone (%s); "
			 "reopen the container", what, uc->target, strerror(-err));
	uc->gone_reported = true;
	return -ENOTCONN;
}

/* Serve a DMA_READ / DMA_WRITE from the server out of mapped memory. */
static int serve_dma(struct vfio_user_conn *conn, struct vfio_user_msg *msg, void *arg)
{
	struct user_container *uc = arg;
	const struct vfio_user_header *h = vfio_user_msg_header(msg);
	struct vfio_user_dma_access *acc;
	struct user_mapping *m;
	struct iovec iov[2];
	int rc = vfio_user_msg_validate(msg);

	if (rc < 0 || (h->command != VFIO_USER_DMA_READ && h->command != VFIO_USER_DMA_WRITE))
		return vfio_user_reply_error(conn, msg, rc == -ENOSYS || rc == 0 ? ENOSYS : EINVAL);
	acc = vfio_user_msg_payload(msg, NULL);
	m = mapping_find(uc, acc->offset, acc->count);
	if (m == NULL || acc->count == 0 ||
	    !(m->prot & (h->command == VFIO_USER_DMA_READ ? VFIO_DMA_READ : VFIO_DMA_WRITE))) {
		VFIO_LOG(ERR, "vfio-user server %s of %" PRIu64 " bytes at IOVA 0x%" PRIx64 " is outside the mapped memory or its permissions: refused",
			 vfio_user_command_name(h->command), acc->count, acc->offset);
		return vfio_user_reply_error(conn, msg, EFAULT);
	}
	uint8_t *va = m->vaddr + (acc->offset - m->iova);
	if (h->command == VFIO_USER_DMA_WRITE) {
		memcpy(va, acc->data, acc->count);
		iov[0] = (struct iovec){ acc, sizeof(*acc) };
		return vfio_user_reply(conn, msg, iov, 1, NULL, 0);
	}
	iov[0] = (struct iovec){ acc, sizeof(*acc) };
	iov[1] = (struct iovec){ va, acc->count };
	return vfio_user_reply(conn, msg, iov, 2, NULL, 0);
}

/* Collect every pipelined DMA_MAP reply. */
static int maps_flush(struct user_container *uc)
{
	int first_err = 0;

	if (uc->nb_pending > 0 && !vfio_user_conn_is_up(uc->conn)) {
		VFIO_LOG(ERR, "vfio-user: %u DMA_MAP requests lost with the connection", uc->nb_pending);
		uc->nb_pending = 0;
		return -ENOTCONN;
	}
	for (unsigned i = 0; i < uc->nb_pending; i++) {
		int rc = vfio_user_wait_reply(uc->conn, uc->pending[i], &uc->rx);
		vfio_user_msg_release(&uc->rx);
		if (rc < 0) {
			VFIO_LOG(ERR, "vfio-user server refused DMA_MAP of IOVA 0x%" PRIx64 ": %s",
				 uc->pending_iova[i], strerror(-rc));
			mapping_remove_iova(uc, uc->pending_iova[i]);
			if (first_err == 0)
				first_err = rc;
		}
	}
	uc->nb_pending = 0;
	if (first_err != 0 && uc->deferred_error == 0)
		uc->deferred_error = first_err;
	return first_err;
}

/* Send the gathered posted writes: they were made before whatever is sent
 * next. */
static int posted_flush(struct user_container *uc)
{
	if (uc->posted == NULL || uc->posted->nb == 0)
		return 0;
	return vfio_user_write_batch_flush(uc->conn, uc->posted);
}

/* Send a command and wait for its reply in uc->rx (fds left in it). */
static int transact(struct user_container *uc, const char *what, uint16_t command,
		    uint32_t flags, const struct iovec *iov, unsigned iovcnt,
		    const int *fds, unsigned nb_fds)
{
	uint16_t id;
	int rc;

	rc = conn_ready(uc, what);
	if (rc < 0)
		return rc;
	rc = posted_flush(uc);
	if (rc < 0)
		return rc;
	maps_flush(uc);
	if (uc->deferred_error != 0) {
		rc = uc->deferred_error;
		uc->deferred_error = 0;
		return rc;
	}
	rc = vfio_user_requestv(uc->conn, command, flags, iov, iovcnt, fds, nb_fds, &id);
	if (rc == 0 && !(flags & VFIO_USER_F_NO_REPLY)) {
		rc = vfio_user_wait_reply(uc->conn, id, &uc->rx);
		if (rc == 0)
			rc = vfio_user_msg_validate(&uc->rx);
		if (rc < 0)
			vfio_user_msg_release(&uc->rx);
	}
	if (rc < 0)
		VFIO_LOG(ERR, "vfio-user %s failed: %s", what, strerror(-rc));
	return rc;
}

/* ---- container ops ------------------------------------------------------- */

static void user_release(struct vfio_container *c)
{
	struct user_container *uc = uc_of(c);

	if (uc == NULL)
		return;
	if (vfio_user_conn_is_up(uc->conn)) {
		posted_flush(uc);
		maps_flush(uc);
	}
	vfio_user_conn_close(uc->conn);
	pthread_mutex_destroy(&uc->lock);
	free(uc->posted);
	free(uc->rx.buf);
	free(uc->maps);
	free(uc);
	c->priv = NULL;
	c->address_space_ready = false;
}

/* How long a server may take to answer: $UPDK_VFIO_USER_TIMEOUT_MS, for
 * slow emulated devices or for tests that kill servers. */
static int user_timeout_ms(void)
{
	const char *env = getenv("UPDK_VFIO_USER_TIMEOUT_MS");
	char *end;
	long ms;

	if (env == NULL)
		return VFIO_USER_DEFAULT_TIMEOUT_MS;
	ms = strtol(env, &end, 10);
	if (*end != '\0' || ms <= 0 || ms > 3600000) {
		VFIO_LOG(WARNING, "UPDK_VFIO_USER_TIMEOUT_MS='%s' is not 1..3600000 ms: using %d",
			 env, VFIO_USER_DEFAULT_TIMEOUT_MS);
		return VFIO_USER_DEFAULT_TIMEOUT_MS;
	}
	return (int)ms;
}

static int user_open(struct vfio_container *c, const char *target)
{
	struct vfio_user_caps mine;
	struct user_container *uc;
	int rc;

	if (target == NULL || target[0] == '\0') {
		VFIO_LOG(ERR, "vfio-user backend needs the server's socket path as target");
		return -EINVAL;
	}
	uc = calloc(1, sizeof(*uc));
	if (uc == NULL)
		return -ENOMEM;
	snprintf(uc->target, sizeof(uc->target), "%s", target);
	uc->conn = vfio_user_connect(target, user_timeout_ms());
	if (uc->conn == NULL) {
		rc = -errno;
		free(uc);
		return rc;
	}
	vfio_user_caps_default(&mine);
	mine.max_msg_fds = VFIO_USER_MAX_FDS;
	mine.twin_socket = true;      /* server commands on their own socket */
	mine.write_multiple = true;   /* offered, so that a server may state it */
	rc = vfio_user_version_client(uc->conn, &mine, &uc->peer);
	if (rc < 0) {
		vfio_user_conn_close(uc->conn);
		free(uc);
		return rc;
	}
	uc->rx.capacity = vfio_user_conn_max_msg_size(uc->conn);
	uc->rx.buf = malloc(uc->rx.capacity);
	if (uc->rx.buf == NULL) {
		vfio_user_conn_close(uc->conn);
		free(uc);
		return -ENOMEM;
	}
	if (uc->peer.write_multiple) {
		uc->posted = calloc(1, sizeof(*uc->posted));
		if (uc->posted == NULL) {
			vfio_user_conn_close(uc->conn);
			free(uc->rx.buf);
			free(uc);
			return -ENOMEM;
		}
	}
	vfio_user_conn_set_handler(uc->conn, serve_dma, uc);
	{
		pthread_mutexattr_t attr;

		pthread_mutexattr_init(&attr);
		pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
		pthread_mutex_init(&uc->lock, &attr);
		pthread_mutexattr_destroy(&attr);
	}
	c->priv = uc;
	c->info.pgsize_bitmap = uc->peer.pgsizes;
	c->info.nb_iova_ranges = 0;
	c->info.dma_avail = uc->peer.max_dma_maps > UINT32_MAX ?
			    UINT32_MAX : (uint32_t)uc->peer.max_dma_maps;
	c->info.dirty_tracking = uc->peer.migration_pgsize != 0;
	c->info.dirty_pgsize_bitmap = uc->peer.migration_pgsize;
	c->info.dirty_max_bitmap_bytes = uc->peer.migration_max_bitmap_size != 0 ?
		uc->peer.migration_max_bitmap_size : uc->peer.max_data_xfer_size;
	c->address_space_ready = true;
	return 0;
}

static int user_dma_map(struct vfio_container *c, uint64_t iova, void *vaddr,
			size_t len, int fd, off_t fd_offset, unsigned prot)
{
	struct user_container *uc = uc_of(c);
	USER_LOCKED(uc);
	struct vfio_user_dma_map req = {
		.argsz = sizeof(req),
		.flags = ((prot & VFIO_DMA_READ) ? VFIO_USER_DMA_MAP_F_READ : 0) |
			 ((prot & VFIO_DMA_WRITE) ? VFIO_USER_DMA_MAP_F_WRITE : 0),
		.offset = fd >= 0 ? (uint64_t)fd_offset : 0,
		.address = iova,
		.size = len,
	};
	int rc = conn_ready(uc, "DMA_MAP");

	if (rc < 0)
		return rc;
	if (len == 0 || vaddr == NULL || iova + len < iova) {
		VFIO_LOG(ERR, "vfio-user DMA_MAP: empty or wrapping range IOVA 0x%" PRIx64 " + %zu",
			 iova, len);
		return -EINVAL;
	}
	if (mapping_find(uc, iova, 1) != NULL || mapping_find(uc, iova + len - 1, 1) != NULL) {
		VFIO_LOG(ERR, "vfio-user DMA_MAP: IOVA 0x%" PRIx64 " + %zu overlaps a mapping", iova, len);
		return -EEXIST;
	}
	if (uc->nb_pending == MAP_WINDOW) {
		rc = maps_flush(uc);
		if (rc < 0)
			uc->deferred_error = 0; /* reported right here */
		if (rc < 0)
			return rc;
	}
	rc = posted_flush(uc);
	if (rc < 0)
		return rc;
	if (uc->nb_maps == uc->max_maps) {
		unsigned n = uc->max_maps ? uc->max_maps * 2 : 16;
		struct user_mapping *m = realloc(uc->maps, n * sizeof(*m));
		if (m == NULL)
			return -ENOMEM;
		uc->maps = m;
		uc->max_maps = n;
	}
	rc = vfio_user_request(uc->conn, VFIO_USER_DMA_MAP, 0, &req, sizeof(req),
			       fd >= 0 ? &fd : NULL, fd >= 0 ? 1 : 0,
			       &uc->pending[uc->nb_pending]);
	if (rc < 0) {
		VFIO_LOG(ERR, "vfio-user DMA_MAP of IOVA 0x%" PRIx64 " not sent: %s", iova, strerror(-rc));
		return rc;
	}
	uc->pending_iova[uc->nb_pending++] = iova;
	uc->maps[uc->nb_maps++] = (struct user_mapping){
		.iova = iova, .len = len, .vaddr = vaddr, .prot = prot };
	return 0;
}

static int user_dma_unmap(struct vfio_container *c, uint64_t iova, size_t len,
			  unsigned flags)
{
	struct user_container *uc = uc_of(c);
	USER_LOCKED(uc);
	struct vfio_user_dma_unmap req = { .argsz = sizeof(req) };
	struct iovec iov = { &req, sizeof(req) };
	bool all = flags & VFIO_DMA_UNMAP_ALL;
	int rc;

	if (all) {
		if (iova != 0 || len != 0) {
			VFIO_LOG(ERR, "vfio-user DMA_UNMAP all: iova and len must be 0");
			return -EINVAL;
		}
		req.flags = VFIO_USER_DMA_UNMAP_F_ALL;
	} else {
		unsigned i;

		/* With the server gone the unmap cannot be done, whatever
		 * this side still remembers of the mapping. */
		rc = conn_ready(uc, "DMA_UNMAP");
		if (rc < 0)
			return rc;
		for (i = 0; i < uc->nb_maps; i++)
			if (uc->maps[i].iova == iova && uc->maps[i].len == len)
				break;
		if (i == uc->nb_maps) {
			VFIO_LOG(ERR, "vfio-user DMA_UNMAP: IOVA 0x%" PRIx64 " + %zu is not one mapping",
				 iova, len);
			return -ENOENT;
		}
		req.address = iova;
		req.size = len;
	}
	rc = transact(uc, "DMA_UNMAP", VFIO_USER_DMA_UNMAP, 0, &iov, 1, NULL, 0);
	vfio_user_msg_release(&uc->rx);
	/* The server no longer uses the memory after its reply; whatever it
	 * said, we stop serving DMA messages for it. */
	if (all)
		uc->nb_maps = 0;
	else
		mapping_remove_iova(uc, iova);
	return rc;
}

/* The data of a DEVICE_FEATURE reply (in uc->rx) after its struct. */
static int feature_reply_copy(struct user_container *uc, const char *what, void *out,
			      size_t out_len)
{
	size_t got;
	const uint8_t *p = vfio_user_msg_payload(&uc->rx, &got);

	if (got < sizeof(struct vfio_user_device_feature) + out_len) {
		VFIO_LOG(ERR, "vfio-user %s reply has %zu bytes, %zu expected", what, got,
			 sizeof(struct vfio_user_device_feature) + out_len);
		return -EPROTO;
	}
	memcpy(out, p + sizeof(struct vfio_user_device_feature), out_len);
	return 0;
}

static int feature_request(struct user_container *uc, const char *what, uint32_t flags,
			   const void *data, size_t len, void *out, size_t out_len)
{
	struct vfio_user_device_feature f = { .argsz = (uint32_t)(sizeof(f) + len), .flags = flags };
	struct iovec iov[2] = { { &f, sizeof(f) }, { (void *)(uintptr_t)data, len } };
	int rc;

	rc = transact(uc, what, VFIO_USER_DEVICE_FEATURE, 0, iov, len ? 2 : 1, NULL, 0);
	if (rc < 0)
		return rc;
	vfio_user_msg_release(&uc->rx);
	return out == NULL ? 0 : feature_reply_copy(uc, what, out, out_len);
}

static int user_dirty_start(struct vfio_container *c)
{
	struct user_container *uc = uc_of(c);
	USER_LOCKED(uc);
	struct vfio_user_dma_logging_control *ctl;
	size_t len;
	int rc;

	rc = conn_ready(uc, "DMA_LOGGING_START");
	if (rc < 0)
		return rc;
	maps_flush(uc);
	len = sizeof(*ctl) + uc->nb_maps * sizeof(ctl->ranges[0]);
	ctl = calloc(1, len);
	if (ctl == NULL)
		return -ENOMEM;
	ctl->page_size = uc->peer.migration_pgsize;
	ctl->num_ranges = uc->nb_maps;
	for (unsigned i = 0; i < uc->nb_maps; i++)
		ctl->ranges[i] = (struct vfio_user_dma_logging_range){
			.iova = uc->maps[i].iova, .length = uc->maps[i].len };
	rc = feature_request(uc, "DMA_LOGGING_START",
			     VFIO_USER_DEVICE_FEATURE_SET | VFIO_USER_FEATURE_DMA_LOGGING_START,
			     ctl, len, NULL, 0);
	free(ctl);
	return rc;
}

static int user_dirty_stop(struct vfio_container *c)
{
	struct vfio_user_dma_logging_control ctl = { .page_size = 0 };
	USER_LOCKED(uc_of(c));

	return feature_request(uc_of(c), "DMA_LOGGING_STOP",
			       VFIO_USER_DEVICE_FEATURE_SET | VFIO_USER_FEATURE_DMA_LOGGING_STOP,
			       &ctl, sizeof(ctl), NULL, 0);
}

static int user_dirty_query(struct vfio_container *c, uint64_t iova, size_t len,
			    size_t pgsize, uint64_t *bitmap)
{
	struct user_container *uc = uc_of(c);
	USER_LOCKED(uc);
	struct vfio_user_dma_logging_report rep = {
		.iova = iova, .length = len, .page_size = pgsize };
	size_t words, got, want;
	const uint8_t *p;
	int rc;

	if (pgsize == 0 || len == 0)
		return -EINVAL;
	words = (len / pgsize + 63) / 64;
	rc = feature_request(uc, "DMA_LOGGING_REPORT",
			     VFIO_USER_DEVICE_FEATURE_GET | VFIO_USER_FEATURE_DMA_LOGGING_REPORT,
			     &rep, sizeof(rep), NULL, 0);
	if (rc < 0)
		return rc;
	p = vfio_user_msg_payload(&uc->rx, &got);
	want = sizeof(struct vfio_user_device_feature) + sizeof(rep) + words * 8;
	if (got < want) {
		VFIO_LOG(ERR, "vfio-user DMA_LOGGING_REPORT reply has %zu bytes, %zu expected (bitmap of %zu words)",
			 got, want, words);
		return -EPROTO;
	}
	memcpy(bitmap, p + sizeof(struct vfio_user_device_feature) + sizeof(rep), words * 8);
	return 0;
}

/* ---- device ops ---------------------------------------------------------- */

static int dev_get_info(struct vfio_device *d, struct vfio_cont_device_info *info)
{
	struct user_container *uc = ud_of(d)->uc;
	USER_LOCKED(uc);
	struct vfio_user_device_info req = { .argsz = sizeof(req) };
	struct iovec iov = { &req, sizeof(req) };
	int rc = transact(uc, "DEVICE_GET_INFO", VFIO_USER_DEVICE_GET_INFO, 0, &iov, 1, NULL, 0);

	if (rc < 0)
		return rc;
	vfio_user_msg_release(&uc->rx);
	memcpy(&req, vfio_user_msg_payload(&uc->rx, NULL), sizeof(req));
	info->flags = req.flags;
	info->num_regions = req.num_regions;
	info->num_irqs = req.num_irqs;
	return 0;
}

static int dev_get_region_info(struct vfio_device *d, uint32_t index,
			       struct vfio_region *region)
{
	struct user_device *ud = ud_of(d);
	struct user_container *uc = ud->uc;
	USER_LOCKED(uc);
	struct vfio_user_region_info req = { .argsz = sizeof(req), .index = index };
	struct iovec iov = { &req, sizeof(req) };
	const struct vfio_user_region_info *ans;
	size_t len;
	int rc;

	for (int attempt = 0; attempt < 2; attempt++) {
		rc = transact(uc, "DEVICE_GET_REGION_INFO", VFIO_USER_DEVICE_GET_REGION_INFO, 0,
			      &iov, 1, NULL, 0);
		if (rc < 0)
			return rc;
		ans = vfio_user_msg_payload(&uc->rx, &len);
		if (ans->argsz <= req.argsz || ans->argsz > REGION_INFO_MAX || attempt == 1)
			break;
		/* Too small for the capability chain: ask again with room. */
		req.argsz = ans->argsz;
		vfio_user_msg_release(&uc->rx);
	}
	if (len > ans->argsz)
		len = ans->argsz;
	memset(region, 0, sizeof(*region));
	region->index = index;
	rc = vfio_region_info_parse(ans, len, region);
	if (rc < 0) {
		vfio_user_msg_release(&uc->rx);
		return rc;
	}
	region->fd = -1;
	if (uc->rx.nb_fds > 0 && index < USER_REGION_FDS) {
		if (ud->region_fds[index] < 0) {
			ud->region_fds[index] = uc->rx.fds[0];
			uc->rx.fds[0] = -1;
		}
		region->fd = ud->region_fds[index];
	}
	vfio_user_msg_release(&uc->rx);
	return 0;
}

static size_t chunk_max(const struct user_container *uc)
{
	uint64_t m = uc->peer.max_data_xfer_size;
	return m > (1u << 30) ? (1u << 30) : (size_t)m;
}

static ssize_t dev_region_read(struct vfio_device *d, uint32_t index, uint64_t offset,
			       void *buf, size_t len)
{
	struct user_container *uc = ud_of(d)->uc;
	USER_LOCKED(uc);
	size_t done = 0;

	while (done < len) {
		size_t n = len - done < chunk_max(uc) ? len - done : chunk_max(uc);
		struct vfio_user_region_access req = {
			.offset = offset + done, .region = index, .count = (uint32_t)n };
		struct iovec iov = { &req, sizeof(req) };
		const struct vfio_user_region_access *ans;
		int rc = transact(uc, "REGION_READ", VFIO_USER_REGION_READ, 0, &iov, 1, NULL, 0);

		if (rc < 0)
			return rc;
		vfio_user_msg_release(&uc->rx);
		ans = vfio_user_msg_payload(&uc->rx, NULL);
		if (ans->count != n) {
			VFIO_LOG(ERR, "vfio-user REGION_READ returned %u bytes, %zu asked", ans->count, n);
			return -EPROTO;
		}
		memcpy((uint8_t *)buf + done, ans->data, n);
		done += n;
	}
	return (ssize_t)len;
}

static ssize_t dev_region_write(struct vfio_device *d, uint32_t index, uint64_t offset,
				const void *buf, size_t len, bool posted)
{
	struct user_container *uc = ud_of(d)->uc;
	USER_LOCKED(uc);
	size_t done = 0;

	if (posted && uc->posted != NULL && len > 0 && len <= VFIO_USER_WRITE_MULTI_DATA) {
		int rc = conn_ready(uc, "REGION_WRITE");

		if (rc == 0)
			rc = vfio_user_write_batch_add(uc->conn, uc->posted, index, offset, buf,
						       (uint32_t)len);
		return rc < 0 ? rc : (ssize_t)len;
	}
	while (done < len) {
		size_t n = len - done < chunk_max(uc) ? len - done : chunk_max(uc);
		struct vfio_user_region_access req = {
			.offset = offset + done, .region = index, .count = (uint32_t)n };
		struct iovec iov[2] = { { &req, sizeof(req) },
					{ (uint8_t *)(uintptr_t)buf + done, n } };
		int rc = transact(uc, "REGION_WRITE", VFIO_USER_REGION_WRITE,
				  posted ? VFIO_USER_F_NO_REPLY : 0, iov, 2, NULL, 0);
		if (rc < 0)
			return rc;
		if (!posted)
			vfio_user_msg_release(&uc->rx);
		done += n;
	}
	return (ssize_t)len;
}

static void *dev_region_mmap(struct vfio_device *d, const struct vfio_region *r,
			     uint64_t offset, size_t len)
{
	bool inside = r->nb_areas == 0 && offset <= r->size && len <= r->size - offset;
	void *p;

	(void)d;
	for (unsigned i = 0; i < r->nb_areas && !inside; i++)
		inside = offset >= r->areas[i].offset && len <= r->areas[i].size &&
			 offset - r->areas[i].offset <= r->areas[i].size - len;
	if (!(r->flags & VFIO_REGION_INFO_FLAG_MMAP) || r->fd < 0 || len == 0 || !inside) {
		VFIO_LOG(ERR, "vfio-user region %u: [0x%" PRIx64 ", +%zu) cannot be mapped (no fd, or outside its mmap areas)",
			 r->index, offset, len);
		errno = EACCES;
		return NULL;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd,
		 (off_t)(r->offset + offset));
	return p == MAP_FAILED ? NULL : p;
}

static int dev_get_irq_info(struct vfio_device *d, uint32_t index,
			    struct vfio_cont_irq_info *info)
{
	struct user_container *uc = ud_of(d)->uc;
	USER_LOCKED(uc);
	struct vfio_user_irq_info req = { .argsz = sizeof(req), .index = index };
	struct iovec iov = { &req, sizeof(req) };
	int rc = transact(uc, "DEVICE_GET_IRQ_INFO", VFIO_USER_DEVICE_GET_IRQ_INFO, 0,
			  &iov, 1, NULL, 0);

	if (rc < 0)
		return rc;
	vfio_user_msg_release(&uc->rx);
	memcpy(&req, vfio_user_msg_payload(&uc->rx, NULL), sizeof(req));
	info->index = req.index;
	info->flags = req.flags;
	info->count = req.count;
	return 0;
}

static int dev_set_irqs(struct vfio_device *d, uint32_t index, uint32_t start,
			uint32_t count, uint32_t flags, const int *fds)
{
	struct user_container *uc = ud_of(d)->uc;
	USER_LOCKED(uc);
	struct vfio_user_irq_set req = { .argsz = sizeof(req), .flags = flags,
		.index = index, .start = start, .count = count };
	uint8_t bools[VFIO_USER_MAX_FDS];
	struct iovec iov[2] = { { &req, sizeof(req) }, { bools, 0 } };
	const int *pass = NULL;
	unsigned nb_pass = 0;
	int rc;

	if (count > VFIO_USER_MAX_FDS) {
		VFIO_LOG(ERR, "vfio-user SET_IRQS: %u vectors at once, at most %u", count,
			 VFIO_USER_MAX_FDS);
		return -E2BIG;
	}
	if ((flags & VFIO_IRQ_SET_DATA_EVENTFD) && count > 0) {
		for (uint32_t i = 0; i < count; i++)
			if (fds == NULL || fds[i] < 0) {
				VFIO_LOG(ERR, "vfio-user SET_IRQS cannot pass fd -1 (vector %u): disable the index with count 0 instead",
					 start + i);
				return -EINVAL;
			}
		pass = fds;
		nb_pass = count;
	} else if (flags & VFIO_IRQ_SET_DATA_BOOL) {
		for (uint32_t i = 0; i < count; i++)
			bools[i] = fds != NULL && fds[i] != 0;
		iov[1].iov_len = count;
		req.argsz += count;
	}
	rc = transact(uc, "DEVICE_SET_IRQS", VFIO_USER_DEVICE_SET_IRQS, 0, iov, 2, pass, nb_pass);
	if (rc == 0)
		vfio_user_msg_release(&uc->rx);
	return rc;
}

static int dev_reset(struct vfio_device *d)
{
	struct user_container *uc = ud_of(d)->uc;
	USER_LOCKED(uc);
	int rc = transact(uc, "DEVICE_RESET", VFIO_USER_DEVICE_RESET, 0, NULL, 0, NULL, 0);

	if (rc == 0)
		vfio_user_msg_release(&uc->rx);
	return rc;
}

static int dev_feature(struct vfio_device *d, uint32_t flags, void *data, size_t len)
{
	struct user_container *uc = ud_of(d)->uc;
	USER_LOCKED(uc);
	bool get = flags & VFIO_USER_DEVICE_FEATURE_GET;

	return feature_request(uc, "DEVICE_FEATURE", flags, data, len,
			       get ? data : NULL, get ? len : 0);
}

static int dev_poll_events(struct vfio_device *d)
{
	struct user_container *uc = ud_of(d)->uc;
	USER_LOCKED(uc);
	bool was_up = vfio_user_conn_is_up(uc->conn);
	int rc;

	if (was_up) {
		posted_flush(uc);
		maps_flush(uc);
		rc = vfio_user_poll(uc->conn, &uc->rx);
		vfio_user_msg_release(&uc->rx);
	}
	rc = vfio_user_conn_error(uc->conn);
	if (rc == 0)
		return 0;
	if (was_up)
		VFIO_LOG(ERR, "vfio-user server of %s is gone (%s): the device is unusable until it is attached again",
			 d->name, strerror(-rc));
	return -ENOTCONN;
}

/* ---- migration (spec "VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE", "MIG_DATA_*") */

/* A GET of the migration features carries no data; argsz says how much
 * reply fits (spec "VFIO_USER_DEVICE_FEATURE"). */
static int feature_get(struct user_container *uc, const char *what, uint32_t feature,
		       void *out, size_t out_len)
{
	struct vfio_user_device_feature f = { .argsz = (uint32_t)(sizeof(f) + out_len),
		.flags = VFIO_USER_DEVICE_FEATURE_GET | feature };
	struct iovec iov = { &f, sizeof(f) };
	int rc = transact(uc, what, VFIO_USER_DEVICE_FEATURE, 0, &iov, 1, NULL, 0);

	if (rc < 0)
		return rc;
	vfio_user_msg_release(&uc->rx);
	return feature_reply_copy(uc, what, out, out_len);
}

static int dev_migration_get_flags(struct vfio_device *d, uint64_t *flags)
{
	struct user_container *uc = ud_of(d)->uc;
	USER_LOCKED(uc);
	struct vfio_user_feature_migration m = { 0 };
	int rc = feature_get(uc, "DEVICE_FEATURE MIGRATION", VFIO_USER_FEATURE_MIGRATION,
			     &m, sizeof(m));

	if (rc == -ENOTSUP || rc == -ENOSYS || rc == -EOPNOTSUPP) {
		VFIO_LOG(ERR, "the vfio-user server of %s does not support migration: run a server whose device model can save and load its state",
			 d->name);
		return -ENOTSUP;
	}
	if (rc < 0)
		return rc;
	*flags = m.flags;
	return 0;
}

static int dev_migration_get_state(struct vfio_device *d, uint32_t *state)
{
	struct user_container *uc = ud_of(d)->uc;
	USER_LOCKED(uc);
	struct vfio_user_feature_mig_state st = { .data_fd = -1 };
	int rc = feature_get(uc, "DEVICE_FEATURE MIG_DEVICE_STATE GET",
			     VFIO_USER_FEATURE_MIG_DEVICE_STATE, &st, sizeof(st));

	if (rc < 0)
		return rc == -ENOSYS || rc == -EOPNOTSUPP ? -ENOTSUP : rc;
	if (st.device_state >= VFIO_USER_MIG_STATE_COUNT) {
		VFIO_LOG(ERR, "vfio-user server of %s reports migration state %u, which does not exist",
			 d->name, st.device_state);
		return -EPROTO;
	}
	*state = st.device_state;
	return 0;
}

static int dev_migration_set_state(struct vfio_device *d, uint32_t state)
{
	struct user_container *uc = ud_of(d)->uc;
	USER_LOCKED(uc);
	struct vfio_user_feature_mig_state st = { .device_state = state, .data_fd = -1 };
	int rc = feature_request(uc, "DEVICE_FEATURE MIG_DEVICE_STATE SET",
				 VFIO_USER_DEVICE_FEATURE_SET | VFIO_USER_FEATURE_MIG_DEVICE_STATE,
				 &st, sizeof(st), NULL, 0);

	static const char *const names[VFIO_USER_MIG_STATE_COUNT] = {
		"ERROR", "STOP", "RUNNING", "STOP_COPY", "RESUMING", "RUNNING_P2P",
		"PRE_COPY", "PRE_COPY_P2P" };

	if (rc < 0)
		VFIO_LOG(ERR, "vfio-user server refused migration state %s (%u): %s; the server's log says why (a stream it refused shows here, when leaving RESUMING)",
			 state < VFIO_USER_MIG_STATE_COUNT ? names[state] : "unknown", state,
			 strerror(-rc));
	return rc == -ENOSYS || rc == -EOPNOTSUPP ? -ENOTSUP : rc;
}

static ssize_t dev_migration_data_read(struct vfio_device *d, void *buf, size_t len)
{
	struct user_container *uc = ud_of(d)->uc;
	USER_LOCKED(uc);
	size_t done = 0;

	while (done < len) {
		size_t n = EAL_MIN(len - done, chunk_max(uc));
		struct vfio_user_mig_data req = {
			.argsz = (uint32_t)(sizeof(req) + n), .size = (uint32_t)n };
		struct iovec iov = { &req, sizeof(req) };
		const struct vfio_user_mig_data *ans;
		size_t got;
		int rc = transact(uc, "MIG_DATA_READ", VFIO_USER_MIG_DATA_READ, 0, &iov, 1, NULL, 0);

		if (rc < 0)
			return rc;
		vfio_user_msg_release(&uc->rx);
		ans = vfio_user_msg_payload(&uc->rx, &got);
		if (ans->size > n || got != sizeof(*ans) + ans->size) {
			VFIO_LOG(ERR, "vfio-user MIG_DATA_READ reply says %u bytes and carries %zu (%zu asked)",
				 ans->size, got - sizeof(*ans), n);
			return -EPROTO;
		}
		memcpy((uint8_t *)buf + done, ans->data, ans->size);
		done += ans->size;
		if (ans->size < n)
			break; /* a short read ends the stream */
	}
	return (ssize_t)done;
}

static ssize_t dev_migration_data_write(struct vfio_device *d, const void *buf, size_t len)
{
	struct user_container *uc = ud_of(d)->uc;
	USER_LOCKED(uc);
	size_t done = 0;

	while (done < len) {
		size_t n = EAL_MIN(len - done, chunk_max(uc));
		struct vfio_user_mig_data req = {
			.argsz = (uint32_t)(sizeof(req) + n), .size = (uint32_t)n };
		struct iovec iov[2] = { { &req, sizeof(req) },
					{ (uint8_t *)(uintptr_t)buf + done, n } };
		int rc = transact(uc, "MIG_DATA_WRITE", VFIO_USER_MIG_DATA_WRITE, 0, iov, 2, NULL, 0);

		if (rc < 0)
			return rc;
		vfio_user_msg_release(&uc->rx);
		done += n;
	}
	return (ssize_t)len;
}

static const struct vfio_device_ops user_device_ops = {
	.get_info = dev_get_info,
	.get_region_info = dev_get_region_info,
	.region_read = dev_region_read,
	.region_write = dev_region_write,
	.region_mmap = dev_region_mmap,
	.get_irq_info = dev_get_irq_info,
	.set_irqs = dev_set_irqs,
	.reset = dev_reset,
	.feature = dev_feature,
	.poll_events = dev_poll_events,
	.migration_get_flags = dev_migration_get_flags,
	.migration_get_state = dev_migration_get_state,
	.migration_set_state = dev_migration_set_state,
	.migration_data_read = dev_migration_data_read,
	.migration_data_write = dev_migration_data_write,
};

static int user_device_attach(struct vfio_container *c, const char *name,
			      struct vfio_device **out)
{
	struct user_container *uc = uc_of(c);
	struct user_device *ud;
	int rc;

	if (name != NULL && name[0] != '\0') {
		VFIO_LOG(ERR, "vfio-user device name must be \"\" (the connection is the device), not '%s'",
			 name);
		return -EINVAL;
	}
	if (uc->device_attached) {
		VFIO_LOG(ERR, "the vfio-user device of this container is already attached");
		return -EEXIST;
	}
	ud = calloc(1, sizeof(*ud));
	if (ud == NULL)
		return -ENOMEM;
	ud->uc = uc;
	ud->dev.ops = &user_device_ops;
	ud->dev.container = c;
	for (unsigned i = 0; i < USER_REGION_FDS; i++)
		ud->region_fds[i] = -1;
	rc = dev_get_info(&ud->dev, &ud->dev.info);
	if (rc < 0) {
		free(ud);
		return rc;
	}
	snprintf(ud->dev.name, sizeof(ud->dev.name), "vfio-user:%s", uc->target);
	uc->device_attached = true;
	*out = &ud->dev;
	return 0;
}

static void user_device_detach(struct vfio_container *c, struct vfio_device *d)
{
	struct user_device *ud = ud_of(d);

	for (unsigned i = 0; i < USER_REGION_FDS; i++)
		if (ud->region_fds[i] >= 0)
			close(ud->region_fds[i]);
	uc_of(c)->device_attached = false;
	free(ud);
}

const struct vfio_container_ops vfio_user_container_ops = {
	.name = "user",
	.maps_by_fd = true,
	.open = user_open,
	.release = user_release,
	.dma_map = user_dma_map,
	.dma_unmap = user_dma_unmap,
	.dirty_tracking_start = user_dirty_start,
	.dirty_tracking_stop = user_dirty_stop,
	.dirty_bitmap_query = user_dirty_query,
	.refresh_info = NULL,
	.device_attach = user_device_attach,
	.device_detach = user_device_detach,
};
