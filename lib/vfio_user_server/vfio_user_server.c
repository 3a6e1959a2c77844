/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vfio-user server: connection life cycle, message dispatch, DMA table,
 * interrupts and dirty logging. Everything a client sends is checked before
 * use: a malformed command gets an error reply; a broken byte stream drops
 * the connection and the server goes back to accepting.
 */
#include <errno.h>
#include <limits.h>
#include <linux/vfio.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "eal_log.h"
#include "vfio_user_server_private.h"

EAL_LOG_COMPONENT_REGISTER(vus_logtype, "vfio_user_server", EAL_LOG_NOTICE);

#define VUS_LOG(lvl, srv, fmt, ...) \
	EAL_LOG(vus_logtype, lvl, "%s: " fmt, (srv)->info.name, ##__VA_ARGS__)

struct vus_dma_mapping {
	uint64_t iova;
	uint64_t size;
	uint32_t prot;       /* VFIO_USER_DMA_MAP_F_* */
	uint8_t *vaddr;      /* NULL: reached by DMA_READ/WRITE messages */
	void *mmap_base;     /* what munmap() gets (offset rounded down) */
	size_t mmap_len;
};

struct vus_dirty_range {
	uint64_t iova;
	uint64_t length;
	uint64_t *bitmap;    /* one bit per page of the logging page size */
};

struct vus_server {
	struct vus_device_info info;
	char socket_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int listen_fd;                 /* -1 for a pre-connected server */
	struct vfio_user_conn *conn;
	bool negotiated;
	uint64_t clients;
	struct vfio_user_caps peer_caps;
	void *msg_buf;
	size_t msg_capacity;
	struct timespec handshake_deadline; /* a connected client must send VERSION by then */
	int handshake_timeout_ms;
	/* Part of a message is in the socket: it is read once whole (the
	 * thread's other devices keep running meanwhile), and the client is
	 * dropped if it is still part by partial_deadline. */
	bool partial_pending;
	struct timespec partial_deadline;
	size_t whole_msg_max;               /* larger messages are read as they come */
	struct vus_cmd_queue crossing;      /* client commands that crossed our DMA */

	uint8_t config[VUS_PCI_CONFIG_SPACE_MAX];
	uint8_t config_wmask[VUS_PCI_CONFIG_SPACE_MAX];

	int *irq_fds[VUS_PCI_NUM_IRQS];

	struct vus_dma_mapping maps[VUS_MAX_DMA_MAPPINGS];
	unsigned nr_maps;
	unsigned last_map;             /* translate's cache of the last hit */

	bool logging;
	uint64_t log_page_size;
	unsigned log_page_shift;
	struct vus_dirty_range *log_ranges;
	unsigned nr_log_ranges;

	struct vus_migration mig;
};

/* ---------- device description ---------- */

static int check_device_info(const struct vus_device_info *info)
{
	const char *name = info->name ? info->name : "vfio-user device";

	if (info->config_space == NULL ||
	    (info->config_size != 256 && info->config_size != VUS_PCI_CONFIG_SPACE_MAX)) {
		EAL_LOG(vus_logtype, ERR, "%s: config space must be given, 256 or 4096 bytes (got %zu)",
			name, info->config_size);
		return -EINVAL;
	}
	for (unsigned i = 0; i < VUS_PCI_NUM_REGIONS; i++) {
		const struct vus_region *r = &info->regions[i];

		if (r->size == 0)
			continue;
		if (i <= VUS_PCI_BAR5_REGION && !EAL_IS_POWER_OF_2(r->size)) {
			EAL_LOG(vus_logtype, ERR, "%s: BAR%u size %#llx is not a power of two (clients such as QEMU refuse it)",
				name, i, (unsigned long long)r->size);
			return -EINVAL;
		}
		if ((r->flags & VUS_REGION_MMAP) && r->mmap_fd < 0) {
			EAL_LOG(vus_logtype, ERR, "%s: region %u is mmap()able but has no fd", name, i);
			return -EINVAL;
		}
		if (r->nr_sparse > VUS_MAX_SPARSE_AREAS) {
			EAL_LOG(vus_logtype, ERR, "%s: region %u lists %u sparse areas, at most %u",
				name, i, r->nr_sparse, VUS_MAX_SPARSE_AREAS);
			return -EINVAL;
		}
		for (unsigned a = 0; a < r->nr_sparse; a++) {
			const struct vus_sparse_area *s = &r->sparse[a];

			if (s->size == 0 || s->offset > r->size || s->size > r->size - s->offset ||
			    (s->offset | s->size) % VUS_PAGE_SIZE) {
				EAL_LOG(vus_logtype, ERR, "%s: region %u sparse area %u is empty, unaligned or outside the region",
					name, i, a);
				return -EINVAL;
			}
		}
	}
	if (info->regions[VUS_PCI_CONFIG_REGION].size != 0 &&
	    info->regions[VUS_PCI_CONFIG_REGION].access == NULL) {
		EAL_LOG(vus_logtype, ERR, "%s: a config region description needs its own access callback", name);
		return -EINVAL;
	}
	if (info->migration != NULL &&
	    (info->migration->state_change == NULL || info->migration->save == NULL ||
	     info->migration->load == NULL || info->migration->max_state_size == 0 ||
	     info->migration->max_state_size > UINT32_MAX / 2)) {
		EAL_LOG(vus_logtype, ERR, "%s: migration needs state_change, save and load callbacks and a max_state_size of 1 byte..2 GiB",
			name);
		return -EINVAL;
	}
	for (unsigned i = 0; i < VUS_PCI_NUM_IRQS; i++) {
		if (info->irq_count[i] > VUS_MAX_IRQS_PER_INDEX) {
			EAL_LOG(vus_logtype, ERR, "%s: IRQ index %u has %u vectors, at most %u",
				name, i, info->irq_count[i], VUS_MAX_IRQS_PER_INDEX);
			return -EINVAL;
		}
	}
	return 0;
}

/* ---------- DMA table ---------- */

static void unmap_one(struct vus_server *srv, unsigned idx)
{
	struct vus_dma_mapping *m = &srv->maps[idx];

	if (srv->info.dma_unmap != NULL)
		srv->info.dma_unmap(srv->info.priv, m->iova, m->size);
	if (m->mmap_base != NULL)
		munmap(m->mmap_base, m->mmap_len);
	srv->maps[idx] = srv->maps[--srv->nr_maps];
	srv->last_map = 0;
}

static void unmap_all(struct vus_server *srv)
{
	while (srv->nr_maps > 0)
		unmap_one(srv, srv->nr_maps - 1);
}

static struct vus_dma_mapping *find_mapping(struct vus_server *srv, uint64_t iova,
					    size_t len)
{
	unsigned n = srv->nr_maps;

	if (likely(srv->last_map < n)) {
		struct vus_dma_mapping *m = &srv->maps[srv->last_map];

		if (iova >= m->iova && iova - m->iova < m->size &&
		    len <= m->size - (iova - m->iova))
			return m;
	}
	for (unsigned i = 0; i < n; i++) {
		struct vus_dma_mapping *m = &srv->maps[i];

		if (iova >= m->iova && iova - m->iova < m->size &&
		    len <= m->size - (iova - m->iova)) {
			srv->last_map = i;
			return m;
		}
	}
	return NULL;
}

void *vus_dma_translate(struct vus_server *srv, uint64_t iova, size_t len,
			bool is_write)
{
	struct vus_dma_mapping *m;

	if (unlikely(len == 0))
		return NULL;
	m = find_mapping(srv, iova, len);
	if (unlikely(m == NULL || m->vaddr == NULL))
		return NULL;
	if (unlikely(is_write && !(m->prot & VFIO_USER_DMA_MAP_F_WRITE)))
		return NULL;
	if (unlikely(!is_write && !(m->prot & VFIO_USER_DMA_MAP_F_READ)))
		return NULL;
	return m->vaddr + (iova - m->iova);
}

static void mark_dirty_slow(struct vus_server *srv, uint64_t iova, size_t len)
{
	uint64_t end = iova + len; /* len > 0; wrap handled per range below */

	for (unsigned r = 0; r < srv->nr_log_ranges; r++) {
		struct vus_dirty_range *dr = &srv->log_ranges[r];
		uint64_t lo = EAL_MAX(iova, dr->iova);
		uint64_t hi = EAL_MIN(end < iova ? UINT64_MAX : end, dr->iova + dr->length);

		if (lo >= hi)
			continue;
		for (uint64_t pg = (lo - dr->iova) >> srv->log_page_shift;
		     pg <= (hi - 1 - dr->iova) >> srv->log_page_shift; pg++)
			dr->bitmap[pg / 64] |= 1ull << (pg % 64);
	}
}

void vus_dma_mark_dirty(struct vus_server *srv, uint64_t iova, size_t len)
{
	if (unlikely(srv->logging) && len > 0)
		mark_dirty_slow(srv, iova, len);
}

bool vus_dma_logging_active(const struct vus_server *srv)
{
	return srv->logging;
}

/* Message DMA, for memory the client mapped without an fd. */
static int dma_by_message(struct vus_server *srv, uint64_t iova, void *buf,
			  size_t len, bool is_write)
{
	size_t chunk_max = srv->peer_caps.max_data_xfer_size;
	/* Own buffer: the command being handled may still sit in msg_buf. */
	void *reply_buf = malloc(srv->msg_capacity);
	uint8_t *p = buf;

	if (reply_buf == NULL)
		return -ENOMEM;

	if (chunk_max == 0 || chunk_max > VFIO_USER_DEFAULT_MAX_DATA_XFER_SIZE)
		chunk_max = VFIO_USER_DEFAULT_MAX_DATA_XFER_SIZE;
	while (len > 0) {
		size_t n = EAL_MIN(len, chunk_max);
		struct vfio_user_dma_access req = { .offset = iova, .count = n };
		struct iovec iov[2] = { { &req, sizeof(req) }, { p, n } };
		struct vfio_user_msg reply = { .buf = reply_buf, .capacity = srv->msg_capacity };
		uint16_t id;
		int rc;

		/* The twin socket when negotiated: then client commands never
		 * arrive in between; otherwise they are queued (crossing). */
		struct vfio_user_conn *chan = vfio_user_conn_cmd_channel(srv->conn);

		rc = vfio_user_requestv(chan, is_write ? VFIO_USER_DMA_WRITE : VFIO_USER_DMA_READ,
					0, iov, is_write ? 2 : 1, NULL, 0, &id);
		if (rc == 0)
			rc = vfio_user_wait_reply(chan, id, &reply);
		if (rc == 0 && !is_write) {
			size_t plen;
			const struct vfio_user_dma_access *ans = vfio_user_msg_payload(&reply, &plen);

			if (plen < sizeof(*ans) + n || ans->count != n)
				rc = -EFAULT;
			else
				memcpy(p, ans->data, n);
		}
		vfio_user_msg_release(&reply);
		if (rc < 0) {
			VUS_LOG(WARNING, srv, "DMA_%s of %zu bytes at %#llx by message failed: %s",
				is_write ? "WRITE" : "READ", n, (unsigned long long)iova, strerror(-rc));
			free(reply_buf);
			return rc == -ENOTCONN ? rc : -EFAULT;
		}
		iova += n;
		p += n;
		len -= n;
	}
	free(reply_buf);
	return 0;
}

static int dma_copy(struct vus_server *srv, uint64_t iova, void *buf, size_t len,
		    bool is_write)
{
	struct vus_dma_mapping *m;

	if (len == 0)
		return 0;
	if (srv->conn == NULL)
		return -ENOTCONN;
	if (unlikely(!vus_migration_state_is_running(srv->mig.state))) {
		/* A model bug: a stopped device must leave client memory alone
		 * (the source's memory is being handed to another device). */
		VUS_LOG(ERR, srv, "DMA %s of %zu bytes at %#llx while the device is stopped for migration: refused",
			is_write ? "write" : "read", len, (unsigned long long)iova);
		return -EBUSY;
	}
	m = find_mapping(srv, iova, len);
	if (m == NULL)
		return -EFAULT;
	if (!(m->prot & (is_write ? VFIO_USER_DMA_MAP_F_WRITE : VFIO_USER_DMA_MAP_F_READ)))
		return -EFAULT;
	if (m->vaddr == NULL)
		return dma_by_message(srv, iova, buf, len, is_write);
	if (is_write)
		memcpy(m->vaddr + (iova - m->iova), buf, len);
	else
		memcpy(buf, m->vaddr + (iova - m->iova), len);
	return 0;
}

int vus_dma_read(struct vus_server *srv, uint64_t iova, void *buf, size_t len)
{
	return dma_copy(srv, iova, buf, len, false);
}

int vus_dma_write(struct vus_server *srv, uint64_t iova, const void *buf, size_t len)
{
	int rc = dma_copy(srv, iova, (void *)(uintptr_t)buf, len, true);

	if (rc == 0)
		vus_dma_mark_dirty(srv, iova, len);
	return rc;
}

/* ---------- interrupts ---------- */

static void irq_close_range(struct vus_server *srv, uint32_t index, uint32_t start,
			    uint32_t count)
{
	for (uint32_t v = start; v < start + count; v++) {
		if (srv->irq_fds[index][v] >= 0)
			close(srv->irq_fds[index][v]);
		srv->irq_fds[index][v] = -1;
	}
}

static void irq_close_all(struct vus_server *srv)
{
	for (uint32_t i = 0; i < VUS_PCI_NUM_IRQS; i++)
		if (srv->irq_fds[i] != NULL)
			irq_close_range(srv, i, 0, srv->info.irq_count[i]);
}

int vus_irq_trigger(struct vus_server *srv, uint32_t irq_index, uint32_t vector)
{
	uint64_t one = 1;
	int fd;

	if (irq_index >= VUS_PCI_NUM_IRQS || vector >= srv->info.irq_count[irq_index])
		return -EINVAL;
	fd = srv->irq_fds[irq_index][vector];
	if (fd < 0)
		return -ENOENT;
	/* EAGAIN means the counter is saturated: the client is already told. */
	if (write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

bool vus_irq_has_eventfd(const struct vus_server *srv, uint32_t irq_index,
			 uint32_t vector)
{
	return irq_index < VUS_PCI_NUM_IRQS && vector < srv->info.irq_count[irq_index] &&
	       srv->irq_fds[irq_index][vector] >= 0;
}

/* ---------- dirty logging ---------- */

static void logging_stop(struct vus_server *srv)
{
	for (unsigned r = 0; r < srv->nr_log_ranges; r++)
		free(srv->log_ranges[r].bitmap);
	free(srv->log_ranges);
	srv->log_ranges = NULL;
	srv->nr_log_ranges = 0;
	srv->logging = false;
}

static int logging_start(struct vus_server *srv, const void *data, size_t len)
{
	const struct vfio_user_dma_logging_control *ctl = data;
	uint64_t total_bytes = 0;

	if (len < sizeof(*ctl)) {
		VUS_LOG(ERR, srv, "DMA_LOGGING_START payload of %zu bytes is too short", len);
		return -EINVAL;
	}
	if (srv->logging) {
		VUS_LOG(ERR, srv, "DMA_LOGGING_START while logging is already on: stop it first");
		return -EBUSY;
	}
	if (!EAL_IS_POWER_OF_2(ctl->page_size) || ctl->page_size < 512 ||
	    ctl->page_size > (1ull << 30)) {
		VUS_LOG(ERR, srv, "DMA_LOGGING_START page size %llu is not a power of two in 512..1G",
			(unsigned long long)ctl->page_size);
		return -EINVAL;
	}
	if (ctl->num_ranges == 0 || ctl->num_ranges > VUS_MAX_LOGGING_RANGES ||
	    (len - sizeof(*ctl)) / sizeof(ctl->ranges[0]) < ctl->num_ranges) {
		VUS_LOG(ERR, srv, "DMA_LOGGING_START lists %u ranges in %zu bytes (1..%u ranges, 16 bytes each)",
			ctl->num_ranges, len, VUS_MAX_LOGGING_RANGES);
		return -EINVAL;
	}
	srv->log_ranges = calloc(ctl->num_ranges, sizeof(*srv->log_ranges));
	if (srv->log_ranges == NULL)
		return -ENOMEM;
	srv->log_page_size = ctl->page_size;
	srv->log_page_shift = (unsigned)__builtin_ctzll(ctl->page_size);
	for (uint32_t r = 0; r < ctl->num_ranges; r++) {
		const struct vfio_user_dma_logging_range *in = &ctl->ranges[r];
		uint64_t pages;

		if (in->length == 0 || in->iova + in->length < in->iova ||
		    (in->iova | in->length) & (ctl->page_size - 1)) {
			VUS_LOG(ERR, srv, "DMA_LOGGING_START range %u (%#llx+%#llx) is empty, wraps or is not page aligned",
				r, (unsigned long long)in->iova, (unsigned long long)in->length);
			logging_stop(srv);
			return -EINVAL;
		}
		pages = in->length >> srv->log_page_shift;
		total_bytes += (pages + 63) / 64 * 8;
		if (total_bytes > VUS_MAX_DIRTY_BITMAP_BYTES) {
			VUS_LOG(ERR, srv, "DMA_LOGGING_START ranges need more than %u MiB of bitmap: use a larger page size",
				VUS_MAX_DIRTY_BITMAP_BYTES >> 20);
			logging_stop(srv);
			return -E2BIG;
		}
		srv->log_ranges[r].iova = in->iova;
		srv->log_ranges[r].length = in->length;
		srv->log_ranges[r].bitmap = calloc((pages + 63) / 64, 8);
		srv->nr_log_ranges = r + 1;
		if (srv->log_ranges[r].bitmap == NULL) {
			logging_stop(srv);
			return -ENOMEM;
		}
	}
	srv->logging = true;
	VUS_LOG(INFO, srv, "dirty logging started: %u ranges, %llu-byte pages",
		srv->nr_log_ranges, (unsigned long long)srv->log_page_size);
	return 0;
}

/* Reply to DMA_LOGGING_REPORT: the bitmap of the asked range, then cleared. */
static int logging_report(struct vus_server *srv, struct vfio_user_msg *msg,
			  const struct vfio_user_device_feature *feat, const void *data,
			  size_t len)
{
	const struct vfio_user_dma_logging_report *rep = data;
	struct vus_dirty_range *dr = NULL;
	uint64_t pages, first;
	size_t bitmap_bytes;
	uint64_t *bitmap;
	int rc;

	if (len < sizeof(*rep)) {
		VUS_LOG(ERR, srv, "DMA_LOGGING_REPORT payload of %zu bytes is too short", len);
		return -EINVAL;
	}
	if (!srv->logging) {
		VUS_LOG(ERR, srv, "DMA_LOGGING_REPORT without DMA_LOGGING_START");
		return -EINVAL;
	}
	if (rep->page_size != srv->log_page_size || rep->length == 0 ||
	    rep->iova + rep->length < rep->iova ||
	    (rep->iova | rep->length) & (srv->log_page_size - 1)) {
		VUS_LOG(ERR, srv, "DMA_LOGGING_REPORT %#llx+%#llx page %llu: must be page aligned, in the logging page size (%llu)",
			(unsigned long long)rep->iova, (unsigned long long)rep->length,
			(unsigned long long)rep->page_size, (unsigned long long)srv->log_page_size);
		return -EINVAL;
	}
	for (unsigned r = 0; r < srv->nr_log_ranges; r++) {
		struct vus_dirty_range *c = &srv->log_ranges[r];

		if (rep->iova >= c->iova && rep->iova + rep->length <= c->iova + c->length) {
			dr = c;
			break;
		}
	}
	if (dr == NULL) {
		VUS_LOG(ERR, srv, "DMA_LOGGING_REPORT %#llx+%#llx is not inside one logged range",
			(unsigned long long)rep->iova, (unsigned long long)rep->length);
		return -EINVAL;
	}
	pages = rep->length >> srv->log_page_shift;
	bitmap_bytes = (size_t)((pages + 63) / 64 * 8);
	if (bitmap_bytes > srv->peer_caps.max_data_xfer_size) {
		VUS_LOG(ERR, srv, "DMA_LOGGING_REPORT bitmap of %zu bytes exceeds the client's transfer size: ask for a smaller range",
			bitmap_bytes);
		return -E2BIG;
	}
	bitmap = calloc(1, bitmap_bytes);
	if (bitmap == NULL)
		return -ENOMEM;
	first = (rep->iova - dr->iova) >> srv->log_page_shift;
	for (uint64_t p = 0; p < pages; p++) {
		uint64_t src = first + p;

		if (dr->bitmap[src / 64] & (1ull << (src % 64))) {
			bitmap[p / 64] |= 1ull << (p % 64);
			dr->bitmap[src / 64] &= ~(1ull << (src % 64));
		}
	}
	{
		struct vfio_user_device_feature out_feat = {
			.argsz = (uint32_t)(sizeof(out_feat) + sizeof(*rep) + bitmap_bytes),
			.flags = feat->flags,
		};
		struct vfio_user_dma_logging_report out_rep = *rep;
		struct iovec iov[3] = {
			{ &out_feat, sizeof(out_feat) },
			{ &out_rep, sizeof(out_rep) },
			{ bitmap, bitmap_bytes },
		};

		rc = vfio_user_reply(srv->conn, msg, iov, 3, NULL, 0);
	}
	free(bitmap);
	return rc < 0 ? rc : 1; /* 1: reply already sent */
}

/* ---------- config space ---------- */

static void config_init(struct vus_server *srv)
{
	const struct vus_device_info *info = &srv->info;

	memset(srv->config, 0, sizeof(srv->config));
	memcpy(srv->config, info->config_space, info->config_size);
	memset(srv->config_wmask, 0, sizeof(srv->config_wmask));
	if (info->config_wmask != NULL) {
		memcpy(srv->config_wmask, info->config_wmask, info->config_size);
	} else {
		srv->config_wmask[0x04] = 0x07; /* I/O, memory, bus master */
		srv->config_wmask[0x05] = 0x04; /* INTx disable */
		srv->config_wmask[0x3c] = 0xff; /* interrupt line */
	}
	/* BARs follow their own rule (size masking) in config_write(). */
	memset(srv->config_wmask + 0x10, 0, 24);
}

static uint32_t config_read32(const uint8_t *cfg, unsigned off)
{
	uint32_t v;

	memcpy(&v, cfg + off, 4);
	return v;
}

/* The value a BAR register holds after the client wrote @p v into it. */
static uint32_t bar_masked(const struct vus_server *srv, unsigned bar, uint32_t v)
{
	uint32_t orig = config_read32(srv->info.config_space, 0x10 + 4 * bar);
	uint64_t size = srv->info.regions[bar].size;

	if (bar > 0) {
		uint32_t prev = config_read32(srv->info.config_space, 0x10 + 4 * (bar - 1));

		/* Upper half of a 64-bit memory BAR: mask by the lower BAR's size. */
		if (!(prev & 1) && (prev & 6) == 4) {
			uint64_t lsize = srv->info.regions[bar - 1].size;

			return lsize ? (uint32_t)(v & (~(lsize - 1) >> 32)) : 0;
		}
	}
	if (size == 0)
		return 0;
	if (orig & 1) /* I/O */
		return (v & ~(uint32_t)(size - 1) & ~3u) | (orig & 3u);
	return (v & (uint32_t)~(size - 1) & ~0xfu) | (orig & 0xfu);
}

static int config_access(struct vus_server *srv, uint64_t offset, void *buf,
			 size_t count, bool is_write)
{
	if (!is_write) {
		memcpy(buf, srv->config + offset, count);
		return 0;
	}
	for (size_t i = 0; i < count; i++) {
		uint64_t at = offset + i;
		uint8_t nv = ((const uint8_t *)buf)[i];

		if (at >= 0x10 && at < 0x28) {
			unsigned bar = (unsigned)(at - 0x10) / 4;
			uint32_t val = config_read32(srv->config, 0x10 + 4 * bar);

			((uint8_t *)&val)[(at - 0x10) % 4] = nv;
			val = bar_masked(srv, bar, val);
			memcpy(srv->config + 0x10 + 4 * bar, &val, 4);
			continue;
		}
		srv->config[at] = (uint8_t)((srv->config[at] & ~srv->config_wmask[at]) |
					    (nv & srv->config_wmask[at]));
	}
	if (srv->info.config_written != NULL)
		srv->info.config_written(srv->info.priv, offset, count);
	return 0;
}

const uint8_t *vus_server_config_space(const struct vus_server *srv)
{
	return srv->config;
}

/* ---------- command handlers ---------- */

static int reply_struct(struct vus_server *srv, struct vfio_user_msg *msg,
			const void *s, size_t len)
{
	struct iovec iov = { (void *)(uintptr_t)s, len };

	return vfio_user_reply(srv->conn, msg, &iov, len ? 1 : 0, NULL, 0);
}

static int handle_dma_map(struct vus_server *srv, struct vfio_user_msg *msg,
			  const void *payload, size_t len)
{
	const struct vfio_user_dma_map *req = payload;
	struct vus_dma_mapping m = { 0 };
	int prot = 0;

	if (len < sizeof(*req) || req->argsz < sizeof(*req)) {
		VUS_LOG(ERR, srv, "DMA_MAP payload/argsz too short");
		return -EINVAL;
	}
	if (req->flags & ~(VFIO_USER_DMA_MAP_F_READ | VFIO_USER_DMA_MAP_F_WRITE) ||
	    req->size == 0 || req->address + req->size < req->address ||
	    (req->address | req->size) % VUS_PAGE_SIZE) {
		VUS_LOG(ERR, srv, "DMA_MAP %#llx+%#llx flags %#x: needs known flags, a non-empty, page aligned, non-wrapping range",
			(unsigned long long)req->address, (unsigned long long)req->size, req->flags);
		return -EINVAL;
	}
	if (msg->nb_fds > 1) {
		VUS_LOG(ERR, srv, "DMA_MAP carries %u fds, at most 1", msg->nb_fds);
		return -EINVAL;
	}
	for (unsigned i = 0; i < srv->nr_maps; i++) {
		const struct vus_dma_mapping *o = &srv->maps[i];

		if (req->address < o->iova + o->size && o->iova < req->address + req->size) {
			VUS_LOG(ERR, srv, "DMA_MAP %#llx+%#llx overlaps an existing mapping %#llx+%#llx",
				(unsigned long long)req->address, (unsigned long long)req->size,
				(unsigned long long)o->iova, (unsigned long long)o->size);
			return -EEXIST;
		}
	}
	if (srv->nr_maps >= VUS_MAX_DMA_MAPPINGS) {
		VUS_LOG(ERR, srv, "DMA_MAP: the table is full (%u mappings)", VUS_MAX_DMA_MAPPINGS);
		return -ENOSPC;
	}
	m.iova = req->address;
	m.size = req->size;
	m.prot = req->flags;
	if (msg->nb_fds == 1) {
		uint64_t aligned = req->offset & ~(uint64_t)(VUS_PAGE_SIZE - 1);
		uint64_t skew = req->offset - aligned;

		if (req->size > SIZE_MAX - skew || aligned > (uint64_t)LLONG_MAX)
			return -EINVAL;
		if (req->flags & VFIO_USER_DMA_MAP_F_READ)
			prot |= PROT_READ;
		if (req->flags & VFIO_USER_DMA_MAP_F_WRITE)
			prot |= PROT_WRITE;
		m.mmap_len = (size_t)(req->size + skew);
		m.mmap_base = mmap(NULL, m.mmap_len, prot ? prot : PROT_NONE, MAP_SHARED,
				   msg->fds[0], (off_t)aligned);
		if (m.mmap_base == MAP_FAILED) {
			int err = errno;

			VUS_LOG(ERR, srv, "DMA_MAP %#llx+%#llx: mmap of the fd at offset %#llx failed: %s",
				(unsigned long long)req->address, (unsigned long long)req->size,
				(unsigned long long)req->offset, strerror(err));
			return -err;
		}
		m.vaddr = (uint8_t *)m.mmap_base + skew;
	}
	srv->maps[srv->nr_maps++] = m;
	VUS_LOG(DEBUG, srv, "DMA_MAP %#llx+%#llx %s", (unsigned long long)m.iova,
		(unsigned long long)m.size, m.vaddr ? "mmap()ed" : "by message");
	return reply_struct(srv, msg, NULL, 0);
}

static int handle_dma_unmap(struct vus_server *srv, struct vfio_user_msg *msg,
			    const void *payload, size_t len)
{
	const struct vfio_user_dma_unmap *req = payload;
	struct vfio_user_dma_unmap ans;
	unsigned found = 0;

	if (len < sizeof(*req) || req->argsz < sizeof(*req)) {
		VUS_LOG(ERR, srv, "DMA_UNMAP payload/argsz too short");
		return -EINVAL;
	}
	if (req->flags & VFIO_USER_DMA_UNMAP_F_GET_DIRTY_BITMAP) {
		VUS_LOG(ERR, srv, "DMA_UNMAP with the legacy dirty bitmap is not supported: use DMA_LOGGING_REPORT");
		return -ENOTSUP;
	}
	if (req->flags & ~VFIO_USER_DMA_UNMAP_F_ALL)
		return -EINVAL;
	if (req->flags & VFIO_USER_DMA_UNMAP_F_ALL) {
		if (req->address != 0 || req->size != 0)
			return -EINVAL;
		unmap_all(srv);
	} else {
		uint64_t end = req->address + req->size;

		if (req->size == 0 || end < req->address)
			return -EINVAL;
		for (unsigned i = 0; i < srv->nr_maps;) {
			const struct vus_dma_mapping *m = &srv->maps[i];

			if (m->iova >= req->address && m->iova + m->size <= end) {
				unmap_one(srv, i);
				found++;
				continue;
			}
			if (m->iova < end && req->address < m->iova + m->size) {
				VUS_LOG(ERR, srv, "DMA_UNMAP %#llx+%#llx cuts mapping %#llx+%#llx: unmap whole mappings",
					(unsigned long long)req->address, (unsigned long long)req->size,
					(unsigned long long)m->iova, (unsigned long long)m->size);
				return -EINVAL;
			}
			i++;
		}
		if (found == 0) {
			VUS_LOG(DEBUG, srv, "DMA_UNMAP %#llx+%#llx: nothing mapped there",
				(unsigned long long)req->address, (unsigned long long)req->size);
			return -ENOENT;
		}
	}
	ans = *req;
	ans.argsz = sizeof(ans);
	return reply_struct(srv, msg, &ans, sizeof(ans));
}

static int handle_device_info(struct vus_server *srv, struct vfio_user_msg *msg,
			      const void *payload, size_t len)
{
	const struct vfio_user_device_info *req = payload;
	struct vfio_user_device_info ans = {
		.argsz = sizeof(ans),
		.num_regions = VUS_PCI_NUM_REGIONS,
		.num_irqs = VUS_PCI_NUM_IRQS,
	};

	if (len < sizeof(req->argsz) || req->argsz < sizeof(ans)) {
		VUS_LOG(ERR, srv, "DEVICE_GET_INFO argsz too small (need %zu)", sizeof(ans));
		return -EINVAL;
	}
	if (srv->info.is_pci)
		ans.flags |= VFIO_DEVICE_FLAGS_PCI;
	if (srv->info.has_reset)
		ans.flags |= VFIO_DEVICE_FLAGS_RESET;
	return reply_struct(srv, msg, &ans, sizeof(ans));
}

static int handle_region_info(struct vus_server *srv, struct vfio_user_msg *msg,
			      const void *payload, size_t len)
{
	const struct vfio_user_region_info *req = payload;
	/* Reply: the info, then (when sparse areas exist) the capability. */
	union {
		struct vfio_user_region_info info;
		uint8_t bytes[sizeof(struct vfio_user_region_info) +
			      sizeof(struct vfio_user_region_info_cap_sparse_mmap) +
			      VUS_MAX_SPARSE_AREAS * sizeof(struct vfio_user_sparse_mmap_area)];
	} ans;
	struct vfio_user_region_info_cap_sparse_mmap *cap =
		(void *)(ans.bytes + sizeof(struct vfio_user_region_info));
	const struct vus_region *r;
	size_t full, sent;
	int fd = -1;

	if (len < sizeof(*req) || req->argsz < sizeof(*req)) {
		VUS_LOG(ERR, srv, "GET_REGION_INFO payload/argsz too short");
		return -EINVAL;
	}
	if (req->index >= VUS_PCI_NUM_REGIONS) {
		VUS_LOG(ERR, srv, "GET_REGION_INFO for region %u: the device has %u",
			req->index, VUS_PCI_NUM_REGIONS);
		return -EINVAL;
	}
	memset(&ans, 0, sizeof(ans));
	r = &srv->info.regions[req->index];
	ans.info.index = req->index;
	if (req->index == VUS_PCI_CONFIG_REGION && r->size == 0) {
		ans.info.size = srv->info.config_size;
		ans.info.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
	} else if (r->size != 0) {
		ans.info.size = r->size;
		ans.info.flags = r->flags & (VUS_REGION_READ | VUS_REGION_WRITE | VUS_REGION_MMAP);
	}
	full = sizeof(ans.info);
	if (ans.info.flags & VFIO_REGION_INFO_FLAG_MMAP) {
		fd = r->mmap_fd;
		ans.info.offset = r->mmap_offset;
		if (r->nr_sparse > 0) {
			ans.info.flags |= VFIO_REGION_INFO_FLAG_CAPS;
			cap->header.id = VFIO_USER_REGION_INFO_CAP_SPARSE_MMAP;
			cap->header.version = 1;
			cap->nr_areas = r->nr_sparse;
			for (unsigned a = 0; a < r->nr_sparse; a++) {
				cap->areas[a].offset = r->sparse[a].offset;
				cap->areas[a].size = r->sparse[a].size;
			}
			full += sizeof(*cap) + r->nr_sparse * sizeof(cap->areas[0]);
		}
	}
	ans.info.argsz = (uint32_t)full;
	sent = sizeof(ans.info);
	if (full > sizeof(ans.info) && req->argsz >= full) {
		ans.info.cap_offset = sizeof(ans.info);
		sent = full;
	}
	{
		struct iovec iov = { &ans, sent };

		return vfio_user_reply(srv->conn, msg, &iov, 1, fd >= 0 ? &fd : NULL, fd >= 0);
	}
}

static int handle_irq_info(struct vus_server *srv, struct vfio_user_msg *msg,
			   const void *payload, size_t len)
{
	const struct vfio_user_irq_info *req = payload;
	struct vfio_user_irq_info ans;

	if (len < sizeof(*req) || req->argsz < sizeof(*req)) {
		VUS_LOG(ERR, srv, "GET_IRQ_INFO payload/argsz too short");
		return -EINVAL;
	}
	if (req->index >= VUS_PCI_NUM_IRQS) {
		VUS_LOG(ERR, srv, "GET_IRQ_INFO for index %u: there are %u", req->index,
			VUS_PCI_NUM_IRQS);
		return -EINVAL;
	}
	ans.argsz = sizeof(ans);
	ans.index = req->index;
	ans.count = srv->info.irq_count[req->index];
	ans.flags = VFIO_IRQ_INFO_EVENTFD;
	if (req->index == VUS_PCI_INTX_IRQ)
		ans.flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
	else
		ans.flags |= VFIO_IRQ_INFO_NORESIZE;
	return reply_struct(srv, msg, &ans, sizeof(ans));
}

static int handle_set_irqs(struct vus_server *srv, struct vfio_user_msg *msg,
			   const void *payload, size_t len)
{
	const struct vfio_user_irq_set *req = payload;
	uint32_t data_type, action, irq_count;

	if (len < sizeof(*req) || req->argsz < sizeof(*req)) {
		VUS_LOG(ERR, srv, "SET_IRQS payload/argsz too short");
		return -EINVAL;
	}
	data_type = req->flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	action = req->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	if (req->flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK | VFIO_IRQ_SET_ACTION_TYPE_MASK) ||
	    !EAL_IS_POWER_OF_2(data_type) || !EAL_IS_POWER_OF_2(action)) {
		VUS_LOG(ERR, srv, "SET_IRQS flags %#x: need exactly one DATA_* and one ACTION_*",
			req->flags);
		return -EINVAL;
	}
	if (req->index >= VUS_PCI_NUM_IRQS) {
		VUS_LOG(ERR, srv, "SET_IRQS index %u: there are %u", req->index, VUS_PCI_NUM_IRQS);
		return -EINVAL;
	}
	irq_count = srv->info.irq_count[req->index];
	if (req->start > irq_count || req->count > irq_count - req->start) {
		VUS_LOG(ERR, srv, "SET_IRQS index %u vectors %u+%u: the index has %u",
			req->index, req->start, req->count, irq_count);
		return -EINVAL;
	}
	if (data_type == VFIO_IRQ_SET_DATA_EVENTFD && msg->nb_fds != req->count &&
	    msg->nb_fds != 0) {
		VUS_LOG(ERR, srv, "SET_IRQS with %u eventfds for %u vectors", msg->nb_fds, req->count);
		return -EINVAL;
	}
	if (data_type != VFIO_IRQ_SET_DATA_EVENTFD && msg->nb_fds != 0) {
		VUS_LOG(ERR, srv, "SET_IRQS carries %u fds without DATA_EVENTFD", msg->nb_fds);
		return -EINVAL;
	}
	if (data_type == VFIO_IRQ_SET_DATA_BOOL && len - sizeof(*req) < req->count) {
		VUS_LOG(ERR, srv, "SET_IRQS DATA_BOOL needs %u bytes of data", req->count);
		return -EINVAL;
	}
	if (action == VFIO_IRQ_SET_ACTION_TRIGGER) {
		if (data_type == VFIO_IRQ_SET_DATA_EVENTFD) {
			for (uint32_t i = 0; i < req->count; i++) {
				irq_close_range(srv, req->index, req->start + i, 1);
				if (msg->nb_fds != 0) {
					srv->irq_fds[req->index][req->start + i] = msg->fds[i];
					msg->fds[i] = -1;
				}
			}
		} else if (data_type == VFIO_IRQ_SET_DATA_NONE && req->count == 0) {
			irq_close_range(srv, req->index, 0, irq_count);
		} else {
			for (uint32_t i = 0; i < req->count; i++)
				if (data_type == VFIO_IRQ_SET_DATA_NONE || req->data[i])
					vus_irq_trigger(srv, req->index, req->start + i);
		}
	}
	/* MASK/UNMASK: interrupts are edge eventfds here, nothing to gate. */
	return reply_struct(srv, msg, NULL, 0);
}

/* The region @p region as accesses see it, after checking that
 * [offset, offset + count) lies inside it. NULL (logged) otherwise. */
static const struct vus_region *region_for_access(struct vus_server *srv, const char *what,
						  uint32_t region, uint64_t offset,
						  uint32_t count)
{
	const struct vus_region *r;
	uint64_t size;

	if (region >= VUS_PCI_NUM_REGIONS || count == 0 ||
	    count > srv->peer_caps.max_data_xfer_size) {
		VUS_LOG(ERR, srv, "%s region %u count %u: bad region or count", what, region, count);
		return NULL;
	}
	r = &srv->info.regions[region];
	size = (region == VUS_PCI_CONFIG_REGION && r->size == 0) ?
		srv->info.config_size : r->size;
	if (size == 0 || offset > size || count > size - offset) {
		VUS_LOG(ERR, srv, "%s region %u %#llx+%u is outside the region (size %#llx)",
			what, region, (unsigned long long)offset, count, (unsigned long long)size);
		return NULL;
	}
	return r;
}

int vus_region_write(struct vus_server *srv, const char *what, uint32_t region,
		     uint64_t offset, const void *data, uint32_t count)
{
	const struct vus_region *r = region_for_access(srv, what, region, offset, count);

	if (r == NULL)
		return -EINVAL;
	if (region == VUS_PCI_CONFIG_REGION && r->size == 0)
		return config_access(srv, offset, (void *)(uintptr_t)data, count, true);
	if (r->access == NULL || !(r->flags & VUS_REGION_WRITE)) {
		VUS_LOG(ERR, srv, "%s region %u: not allowed on this region", what, region);
		return -EINVAL;
	}
	return r->access(srv->info.priv, offset, (void *)(uintptr_t)data, count, true);
}

static int handle_region_access(struct vus_server *srv, struct vfio_user_msg *msg,
				const void *payload, size_t len, bool is_write)
{
	const struct vfio_user_region_access *req = payload;
	const struct vus_region *r;
	uint8_t *data;
	int rc;

	if (len < sizeof(*req)) {
		VUS_LOG(ERR, srv, "REGION_%s payload too short", is_write ? "WRITE" : "READ");
		return -EINVAL;
	}
	if (is_write && len - sizeof(*req) != req->count) {
		VUS_LOG(ERR, srv, "REGION_WRITE region %u count %u: carries %zu data bytes",
			req->region, req->count, len - sizeof(*req));
		return -EINVAL;
	}
	if (is_write) {
		rc = vus_region_write(srv, "REGION_WRITE", req->region, req->offset, req->data,
				      req->count);
		if (rc < 0)
			return rc;
		return reply_struct(srv, msg, req, sizeof(*req));
	}
	r = region_for_access(srv, "REGION_READ", req->region, req->offset, req->count);
	if (r == NULL)
		return -EINVAL;
	if (req->region == VUS_PCI_CONFIG_REGION && r->size == 0) {
		data = malloc(req->count);
		if (data == NULL)
			return -ENOMEM;
		rc = config_access(srv, req->offset, data, req->count, false);
	} else {
		if (r->access == NULL || !(r->flags & VUS_REGION_READ)) {
			VUS_LOG(ERR, srv, "REGION_READ region %u: not allowed on this region",
				req->region);
			return -EINVAL;
		}
		data = calloc(1, req->count);
		if (data == NULL)
			return -ENOMEM;
		rc = r->access(srv->info.priv, req->offset, data, req->count, false);
	}
	if (rc == 0) {
		struct iovec iov[2] = { { (void *)(uintptr_t)req, sizeof(*req) }, { data, req->count } };

		rc = vfio_user_reply(srv->conn, msg, iov, 2, NULL, 0);
		rc = rc < 0 ? rc : 1;
	}
	free(data);
	return rc;
}

static int handle_device_feature(struct vus_server *srv, struct vfio_user_msg *msg,
				 const void *payload, size_t len)
{
	const struct vfio_user_device_feature *req = payload;
	uint32_t feature, ops;
	int rc;

	if (len < sizeof(*req) || req->argsz < sizeof(*req)) {
		VUS_LOG(ERR, srv, "DEVICE_FEATURE payload/argsz too short");
		return -EINVAL;
	}
	feature = req->flags & VFIO_USER_DEVICE_FEATURE_MASK;
	ops = req->flags & ~VFIO_USER_DEVICE_FEATURE_MASK;
	if (ops & ~(VFIO_USER_DEVICE_FEATURE_GET | VFIO_USER_DEVICE_FEATURE_SET |
		    VFIO_USER_DEVICE_FEATURE_PROBE))
		return -EINVAL;
	switch (feature) {
	case VFIO_USER_FEATURE_DMA_LOGGING_START:
	case VFIO_USER_FEATURE_DMA_LOGGING_STOP:
		if (ops & VFIO_USER_DEVICE_FEATURE_GET)
			return -EINVAL;
		if (ops & VFIO_USER_DEVICE_FEATURE_PROBE)
			break;
		if (!(ops & VFIO_USER_DEVICE_FEATURE_SET))
			return -EINVAL;
		if (feature == VFIO_USER_FEATURE_DMA_LOGGING_STOP) {
			logging_stop(srv);
			break;
		}
		rc = logging_start(srv, req->data, len - sizeof(*req));
		if (rc < 0)
			return rc;
		break;
	case VFIO_USER_FEATURE_DMA_LOGGING_REPORT:
		if (ops & VFIO_USER_DEVICE_FEATURE_SET)
			return -EINVAL;
		if (ops & VFIO_USER_DEVICE_FEATURE_PROBE)
			break;
		if (!(ops & VFIO_USER_DEVICE_FEATURE_GET))
			return -EINVAL;
		return logging_report(srv, msg, req, req->data, len - sizeof(*req));
	case VFIO_USER_FEATURE_MIGRATION:
	case VFIO_USER_FEATURE_MIG_DEVICE_STATE:
		return vus_migration_feature(&srv->mig, srv->conn, msg, req, len);
	default:
		VUS_LOG(INFO, srv, "DEVICE_FEATURE %u is not supported", feature);
		return -ENOTSUP;
	}
	{
		struct vfio_user_device_feature ans = { .argsz = sizeof(ans), .flags = req->flags };

		return reply_struct(srv, msg, &ans, sizeof(ans));
	}
}

static void device_reset(struct vus_server *srv)
{
	vus_migration_reset(&srv->mig);
	irq_close_all(srv);
	config_init(srv);
	if (srv->info.reset != NULL)
		srv->info.reset(srv->info.priv);
}

int vus_server_handle_msg(struct vus_server *srv, struct vfio_user_msg *msg)
{
	const struct vfio_user_header *hdr = vfio_user_msg_header(msg);
	size_t len;
	const void *payload = vfio_user_msg_payload(msg, &len);
	int rc;

	if ((hdr->flags & VFIO_USER_F_TYPE_MASK) != VFIO_USER_F_TYPE_COMMAND) {
		VUS_LOG(ERR, srv, "unexpected reply (id %u) from the client: dropping it",
			hdr->msg_id);
		return -EPROTO;
	}
	rc = vfio_user_msg_validate(msg);
	if (rc == 0) {
		switch (hdr->command) {
		case VFIO_USER_DMA_MAP:
			rc = handle_dma_map(srv, msg, payload, len);
			break;
		case VFIO_USER_DMA_UNMAP:
			rc = handle_dma_unmap(srv, msg, payload, len);
			break;
		case VFIO_USER_DEVICE_GET_INFO:
			rc = handle_device_info(srv, msg, payload, len);
			break;
		case VFIO_USER_DEVICE_GET_REGION_INFO:
			rc = handle_region_info(srv, msg, payload, len);
			break;
		case VFIO_USER_DEVICE_GET_IRQ_INFO:
			rc = handle_irq_info(srv, msg, payload, len);
			break;
		case VFIO_USER_DEVICE_SET_IRQS:
			rc = handle_set_irqs(srv, msg, payload, len);
			break;
		case VFIO_USER_REGION_READ:
		case VFIO_USER_REGION_WRITE:
			rc = handle_region_access(srv, msg, payload, len,
						  hdr->command == VFIO_USER_REGION_WRITE);
			break;
		case VFIO_USER_DEVICE_RESET:
			if (!srv->info.has_reset) {
				rc = -ENOTSUP;
				break;
			}
			device_reset(srv);
			rc = reply_struct(srv, msg, NULL, 0);
			break;
		case VFIO_USER_DEVICE_FEATURE:
			rc = handle_device_feature(srv, msg, payload, len);
			break;
		case VFIO_USER_MIG_DATA_READ:
		case VFIO_USER_MIG_DATA_WRITE:
			rc = vus_migration_data(&srv->mig, srv->conn, msg, payload, len,
						srv->peer_caps.max_data_xfer_size,
						hdr->command == VFIO_USER_MIG_DATA_WRITE);
			break;
		case VFIO_USER_REGION_WRITE_MULTI: {
			struct vfio_user_write_multi done = { 0 };

			rc = vus_write_multi_apply(srv, msg, &done.wr_cnt);
			if (rc == 0)
				rc = reply_struct(srv, msg, &done, sizeof(done));
			break;
		}
		default:
			VUS_LOG(INFO, srv, "command %s (%u) is not supported",
				vfio_user_command_name(hdr->command), hdr->command);
			rc = -ENOTSUP;
			break;
		}
	}
	if (rc < 0 && vfio_user_conn_is_up(srv->conn)) {
		if (hdr->flags & VFIO_USER_F_NO_REPLY)
			VUS_LOG(WARNING, srv, "%s (no reply wanted) failed: %s",
				vfio_user_command_name(hdr->command), strerror(-rc));
		else
			rc = vfio_user_reply_error(srv->conn, msg, -rc);
	}
	if (!vfio_user_conn_is_up(srv->conn))
		return -ENOTCONN;
	return rc < 0 ? rc : 0;
}

/* ---------- connection life cycle ---------- */

static void client_gone(struct vus_server *srv)
{
	if (srv->conn == NULL)
		return;
	VUS_LOG(INFO, srv, "client disconnected (%s)", strerror(-vfio_user_conn_error(srv->conn)));
	logging_stop(srv);
	vus_cmd_queue_clear(&srv->crossing);
	unmap_all(srv);
	device_reset(srv);
	vfio_user_conn_close(srv->conn);
	srv->conn = NULL;
	srv->negotiated = false;
	free(srv->msg_buf);
	srv->msg_buf = NULL;
}

static void deadline_in(struct timespec *t, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, t);
	t->tv_sec += ms / 1000;
	t->tv_nsec += (long)(ms % 1000) * 1000000;
	if (t->tv_nsec >= 1000000000) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000;
	}
}

/* A client just connected: it has handshake_timeout_ms to send VERSION. */
static void handshake_arm(struct vus_server *srv)
{
	int rcvbuf = 0;
	socklen_t len = sizeof(rcvbuf);

	deadline_in(&srv->handshake_deadline, srv->handshake_timeout_ms);
	srv->partial_pending = false;
	/* A message that cannot fit the socket's buffer whole is read as it
	 * arrives (Linux reports twice the buffer it grants data). */
	if (getsockopt(vfio_user_conn_fd(srv->conn), SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len) < 0 ||
	    rcvbuf < 2 * (int)VUS_VERSION_MAX_BYTES)
		rcvbuf = 2 * (int)VUS_VERSION_MAX_BYTES;
	srv->whole_msg_max = (size_t)rcvbuf / 2;
}

static int negotiate(struct vus_server *srv)
{
	struct vfio_user_caps mine;
	int rc;

	vfio_user_caps_default(&mine);
	mine.max_msg_fds = 16;
	/* Every DMA write of ours is logged (DMA_LOGGING_*): say so, or a
	 * client has no reason to ask for dirty pages at all. Any power-of-two
	 * page size from 512 bytes is accepted; 4 KiB is the one offered. */
	mine.migration_pgsize = 4096;
	mine.migration_max_bitmap_size = mine.max_data_xfer_size;
	/* Our DMA commands go on a twin socket for a client that offers one;
	 * REGION_WRITE_MULTI is understood (vus_write_multi_apply()). */
	mine.twin_socket = true;
	mine.write_multiple = true;
	rc = vfio_user_version_server(srv->conn, &mine, &srv->peer_caps);
	if (rc < 0) {
		VUS_LOG(ERR, srv, "VERSION handshake failed: %s", strerror(-rc));
		return rc;
	}
	srv->msg_capacity = vfio_user_conn_max_msg_size(srv->conn);
	srv->msg_buf = malloc(srv->msg_capacity);
	if (srv->msg_buf == NULL)
		return -ENOMEM;
	vfio_user_conn_set_handler(srv->conn, vus_cmd_queue_handler, &srv->crossing);
	srv->negotiated = true;
	srv->clients++;
	VUS_LOG(INFO, srv, "client connected%s", vfio_user_conn_has_twin(srv->conn) ?
		" (twin socket for DMA commands)" : "");
	return 0;
}

static struct vus_server *server_alloc(const struct vus_device_info *info)
{
	struct vus_server *srv;

	if (info == NULL || check_device_info(info) < 0) {
		errno = EINVAL;
		return NULL;
	}
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return NULL;
	srv->info = *info;
	if (srv->info.name == NULL)
		srv->info.name = "vfio-user device";
	srv->listen_fd = -1;
	srv->handshake_timeout_ms = VUS_HANDSHAKE_TIMEOUT_MS;
	srv->crossing.name = srv->info.name;
	vfio_user_caps_default(&srv->peer_caps);
	for (unsigned i = 0; i < VUS_PCI_NUM_IRQS; i++) {
		unsigned n = EAL_MAX(info->irq_count[i], 1u);

		srv->irq_fds[i] = malloc(n * sizeof(int));
		if (srv->irq_fds[i] == NULL) {
			vus_server_destroy(srv);
			errno = ENOMEM;
			return NULL;
		}
		for (unsigned v = 0; v < n; v++)
			srv->irq_fds[i][v] = -1;
	}
	config_init(srv);
	vus_migration_init(&srv->mig, srv->info.name, info->migration, info->priv,
			   srv->config, info->config_size);
	return srv;
}

struct vus_server *vus_server_create(const char *socket_path,
				     const struct vus_device_info *info)
{
	struct vus_server *srv;
	int fd;

	if (socket_path == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if (strlen(socket_path) >= sizeof(srv->socket_path)) {
		EAL_LOG(vus_logtype, ERR, "socket path %s is too long (at most %zu bytes)",
			socket_path, sizeof(srv->socket_path) - 1);
		errno = ENAMETOOLONG;
		return NULL;
	}
	srv = server_alloc(info);
	if (srv == NULL)
		return NULL;
	fd = vfio_user_listen(socket_path);
	if (fd < 0) {
		EAL_LOG(vus_logtype, ERR, "%s: cannot listen on %s: %s", srv->info.name,
			socket_path, strerror(-fd));
		vus_server_destroy(srv);
		errno = -fd;
		return NULL;
	}
	srv->listen_fd = fd;
	strcpy(srv->socket_path, socket_path);
	return srv;
}

struct vus_server *vus_server_create_connected(int conn_fd,
					       const struct vus_device_info *info)
{
	struct vus_server *srv = server_alloc(info);

	if (srv == NULL) {
		int err = errno;

		close(conn_fd);
		errno = err;
		return NULL;
	}
	srv->conn = vfio_user_conn_from_fd(conn_fd, VUS_CONN_TIMEOUT_MS);
	if (srv->conn == NULL) {
		int err = errno;

		vus_server_destroy(srv);
		errno = err;
		return NULL;
	}
	handshake_arm(srv);
	return srv;
}

void vus_server_destroy(struct vus_server *srv)
{
	if (srv == NULL)
		return;
	client_gone(srv);
	if (srv->listen_fd >= 0) {
		close(srv->listen_fd);
		unlink(srv->socket_path);
	}
	for (unsigned i = 0; i < VUS_PCI_NUM_IRQS; i++)
		free(srv->irq_fds[i]);
	vus_migration_reset(&srv->mig);
	free(srv);
}

static int serve_one(struct vus_server *srv)
{
	struct vfio_user_msg msg = { .buf = srv->msg_buf, .capacity = srv->msg_capacity };
	int rc = vfio_user_recv(srv->conn, &msg);

	if (rc == -ETIMEDOUT)
		return 0;
	if (rc == -E2BIG || (rc == -EPROTO && vfio_user_conn_is_up(srv->conn))) {
		/* Read whole but refused: tell the client, stay connected. */
		if (msg.len >= sizeof(struct vfio_user_header))
			vfio_user_reply_error(srv->conn, &msg, -rc);
		vfio_user_msg_release(&msg);
		return vfio_user_conn_is_up(srv->conn) ? 1 : -ENOTCONN;
	}
	if (rc < 0) {
		vfio_user_msg_release(&msg);
		return rc;
	}
	rc = vus_server_handle_msg(srv, &msg);
	vfio_user_msg_release(&msg);
	if (rc == -ENOTCONN || rc == -EPROTO)
		return rc;
	return 1;
}

/* Handle the client commands kept while our DMA command was in flight,
 * before anything newer is read. 1 per command, or -ENOTCONN / -EPROTO. */
static int drain_crossing(struct vus_server *srv)
{
	int handled = 0;

	while (srv->conn != NULL && srv->negotiated) {
		struct vfio_user_msg msg = { .buf = srv->msg_buf, .capacity = srv->msg_capacity };
		int rc;

		if (!vus_cmd_queue_pop(&srv->crossing, &msg))
			break;
		rc = vus_server_handle_msg(srv, &msg);
		vfio_user_msg_release(&msg);
		if (rc == -ENOTCONN || rc == -EPROTO)
			return rc;
		handled++;
	}
	return handled;
}

/* Milliseconds until @p t (CLOCK_MONOTONIC), at least 0. */
static int ms_until(const struct timespec *t)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(t->tv_sec - now.tv_sec) * 1000 + (t->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (ms > INT_MAX ? INT_MAX : (int)ms);
}

/* One step of a connected client's handshake, never longer than
 * @p timeout_ms (-1: until the handshake deadline). 1 once negotiated,
 * 0 still waiting, < 0 the client is to be dropped (reason logged). */
static int handshake_step(struct vus_server *srv, int timeout_ms)
{
	struct pollfd pfd = { .fd = vfio_user_conn_fd(srv->conn), .events = POLLIN };
	int left = ms_until(&srv->handshake_deadline);
	int rc;

	if (timeout_ms < 0 || timeout_ms > left)
		timeout_ms = left;
	rc = poll(&pfd, 1, timeout_ms);
	if (rc < 0)
		return errno == EINTR ? 0 : -errno;
	if (rc > 0) {
		rc = vus_msg_ready(pfd.fd, VUS_VERSION_MAX_BYTES);
		if (rc == -ECONNRESET) {
			VUS_LOG(NOTICE, srv, "client hung up before sending VERSION");
			return rc;
		}
		if (rc < 0) {
			VUS_LOG(WARNING, srv, "client socket failed before VERSION: %s", strerror(-rc));
			return rc;
		}
		if (rc == 1)
			return negotiate(srv) < 0 ? -EPROTO : 1;
	}
	if (ms_until(&srv->handshake_deadline) == 0) {
		VUS_LOG(WARNING, srv, "client sent no complete VERSION within %d ms of connecting: dropped (a vfio-user client starts with VERSION)",
			srv->handshake_timeout_ms);
		return -ETIMEDOUT;
	}
	return 0;
}

int vus_server_poll(struct vus_server *srv, int timeout_ms)
{
	struct pollfd pfd;
	int handled = 0;
	int rc;

	if (srv->conn == NULL) {
		if (srv->listen_fd < 0)
			return -ENOTCONN;
		pfd.fd = srv->listen_fd;
		pfd.events = POLLIN;
		rc = poll(&pfd, 1, timeout_ms);
		if (rc < 0)
			return errno == EINTR ? 0 : -errno;
		if (rc == 0)
			return 0;
		/* The listening socket is readable: accept() does not wait. */
		srv->conn = vfio_user_accept(srv->listen_fd, 1);
		if (srv->conn == NULL) {
			VUS_LOG(WARNING, srv, "accept failed: %s", strerror(errno));
			return 0;
		}
		vfio_user_conn_set_timeout(srv->conn, VUS_CONN_TIMEOUT_MS);
		handshake_arm(srv);
		timeout_ms = 0;
	}
	if (!srv->negotiated) {
		rc = handshake_step(srv, timeout_ms);
		if (rc < 0) {
			client_gone(srv);
			return srv->listen_fd < 0 ? -ENOTCONN : 0;
		}
		if (rc == 0)
			return 0;
		handled++;
		timeout_ms = 0;
	}
	rc = drain_crossing(srv);
	if (rc < 0) {
		client_gone(srv);
		return srv->listen_fd < 0 ? -ENOTCONN : handled;
	}
	handled += rc;
	/* Drain what is queued; bounded so that the fast path keeps running. */
	for (int i = 0; i < 64; i++) {
		pfd.fd = vfio_user_conn_fd(srv->conn);
		pfd.events = POLLIN;
		pfd.revents = 0;
		rc = poll(&pfd, 1, i == 0 ? timeout_ms : 0);
		if (rc < 0)
			return errno == EINTR ? handled : -errno;
		if (rc == 0)
			break;
		rc = vus_msg_ready(pfd.fd, srv->whole_msg_max);
		if (rc == 0) {
			if (!srv->partial_pending) {
				srv->partial_pending = true;
				deadline_in(&srv->partial_deadline, VUS_CONN_TIMEOUT_MS);
			} else if (ms_until(&srv->partial_deadline) == 0) {
				VUS_LOG(WARNING, srv, "client sent part of a message and not the rest within %d ms: dropped",
					VUS_CONN_TIMEOUT_MS);
				client_gone(srv);
				return srv->listen_fd < 0 ? -ENOTCONN : handled;
			}
			break;
		}
		/* Whole, or the peer hung up or failed: serve_one() finds out. */
		srv->partial_pending = false;
		rc = serve_one(srv);
		if (rc >= 0) {
			handled += rc;
			rc = drain_crossing(srv);
		}
		if (rc < 0) {
			client_gone(srv);
			return srv->listen_fd < 0 ? -ENOTCONN : handled;
		}
		handled += rc;
	}
	return handled;
}

enum vus_migration_state vus_migration_state(const struct vus_server *srv)
{
	return srv->mig.state;
}

void vus_server_set_handshake_timeout(struct vus_server *srv, int timeout_ms)
{
	if (timeout_ms > 0)
		srv->handshake_timeout_ms = timeout_ms;
}

bool vus_server_connected(const struct vus_server *srv)
{
	return srv->conn != NULL && srv->negotiated;
}

uint64_t vus_server_client_count(const struct vus_server *srv)
{
	return srv->clients;
}
