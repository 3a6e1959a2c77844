/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vfio_cont "user" backend against a fake vfio-user server thread that
 * records what it receives and answers like a small PCI device.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/vfio.h>

#include "vfio_private.h"
#include "vfio_user.h"

#define BAR0_SIZE 0x4000
#define REGION_DMA_TEST 7   /* a write here makes the server DMA to us */
#define REGION_DIE 8        /* a write here makes the server hang up */
#define REGION_HANG 9       /* a write here is never answered */
#define DMA_IOVA 0x200000ull

struct fake {
	pthread_t thread;
	char path[64];
	int listen_fd;
	/* recorded */
	unsigned hold_maps; /* DMA_MAP replies held until this many arrived */
	unsigned nb_maps, maps_before_first_reply;
	int map_fd[32];
	uint64_t map_offset[32], map_addr[32], map_size[32];
	unsigned nb_unmaps;
	uint32_t last_unmap_flags;
	uint64_t last_unmap_addr;
	unsigned posted_writes, resets, log_ranges;
	uint8_t regs[256];
	int bar_fd;
	unsigned irq_fds;
	int dma_read_status, dma_bad_status;
	uint8_t dma_read_back[8];
	/* migration: what the fake answers, and what it saw */
	bool mig_supported, mig_short_reply, mig_lie;
	uint32_t mig_state;
	uint32_t mig_avail;                /* bytes MIG_DATA_READ hands out */
	uint32_t mig_sizes[16];            /* size of each MIG_DATA_* request */
	unsigned nb_mig;
	uint32_t mig_written;
	uint8_t mig_first_byte;
};

static struct fake F;

static void reply_maps(struct vfio_user_conn *conn, uint16_t *ids, unsigned *n)
{
	for (unsigned i = 0; i < *n; i++) {
		if (F.maps_before_first_reply == 0)
			F.maps_before_first_reply = F.nb_maps;
		assert_int_equal(vfio_user_send(conn, ids[i], VFIO_USER_DMA_MAP,
						VFIO_USER_F_TYPE_REPLY, 0, NULL, 0, NULL, 0), 0);
	}
	*n = 0;
}

/* The server DMAs to the client: writes 8 bytes, reads them back, then tries
 * an IOVA the client never mapped. */
static void server_dma(struct vfio_user_conn *conn)
{
	uint8_t buf[64];
	struct vfio_user_msg r = { .buf = buf, .capacity = sizeof(buf) };
	static const uint8_t pattern[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct vfio_user_dma_access wa = { DMA_IOVA + 16, 8 };
	uint8_t w[sizeof(wa) + 8];
	struct vfio_user_dma_access rd = { DMA_IOVA + 16, 8 }, bad = { 0xdead0000, 8 };
	uint16_t id;

	memcpy(w, &wa, sizeof(wa));
	memcpy(w + sizeof(wa), pattern, 8);
	assert_int_equal(vfio_user_request(conn, VFIO_USER_DMA_WRITE, 0, w, sizeof(w), NULL, 0, &id), 0);
	assert_int_equal(vfio_user_wait_reply(conn, id, &r), 0);
	assert_int_equal(vfio_user_request(conn, VFIO_USER_DMA_READ, 0, &rd, sizeof(rd), NULL, 0, &id), 0);
	F.dma_read_status = vfio_user_wait_reply(conn, id, &r);
	if (F.dma_read_status == 0)
		memcpy(F.dma_read_back, (uint8_t *)buf + 16 + 16, 8);
	assert_int_equal(vfio_user_request(conn, VFIO_USER_DMA_READ, 0, &bad, sizeof(bad), NULL, 0, &id), 0);
	F.dma_bad_status = vfio_user_wait_reply(conn, id, &r);
}

static void serve_region_info(struct vfio_user_conn *conn, struct vfio_user_msg *m)
{
	const struct vfio_user_region_info *q = vfio_user_msg_payload(m, NULL);
	struct vfio_user_region_info ri = { .index = q->index };
	struct vfio_user_region_info_cap_sparse_mmap cap = {
		.header = { VFIO_USER_REGION_INFO_CAP_SPARSE_MMAP, 1, 0 }, .nr_areas = 1 };
	struct vfio_user_sparse_mmap_area area = { 0x1000, 0x1000 };
	const size_t full = sizeof(ri) + sizeof(cap) + sizeof(area);
	struct iovec iov[3] = { { &ri, sizeof(ri) }, { &cap, sizeof(cap) }, { &area, sizeof(area) } };

	if (q->index == 0) {
		ri.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
			   VFIO_REGION_INFO_FLAG_MMAP | VFIO_REGION_INFO_FLAG_CAPS;
		ri.size = BAR0_SIZE;
		ri.argsz = (uint32_t)full;
		if (q->argsz >= full) {
			ri.cap_offset = sizeof(ri);
			assert_int_equal(vfio_user_reply(conn, m, iov, 3, &F.bar_fd, 1), 0);
		} else {
			/* too small for the chain: say how much is needed */
			assert_int_equal(vfio_user_reply(conn, m, iov, 1, &F.bar_fd, 1), 0);
		}
		return;
	}
	ri.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
	ri.size = sizeof(F.regs);
	ri.argsz = sizeof(ri);
	assert_int_equal(vfio_user_reply(conn, m, iov, 1, NULL, 0), 0);
}

static void *server_main(void *arg)
{
	struct vfio_user_conn *conn;
	struct vfio_user_caps mine, peer;
	static uint8_t buf[1 << 16];
	struct vfio_user_msg m = { .buf = buf, .capacity = sizeof(buf) };
	uint16_t held[32];
	unsigned nb_held = 0;

	(void)arg;
	conn = vfio_user_accept(F.listen_fd, 2000);
	if (conn == NULL)
		return NULL;
	vfio_user_caps_default(&mine);
	mine.max_msg_fds = 8;
	mine.max_data_xfer_size = 4096; /* so region access is split */
	mine.migration_pgsize = 4096;
	if (vfio_user_version_server(conn, &mine, &peer) < 0)
		goto out;
	vfio_user_conn_set_timeout(conn, 2000);
	for (;;) {
		int rc = vfio_user_recv(conn, &m);
		if (rc == -ETIMEDOUT)
			continue;
		if (rc < 0)
			break;
		const struct vfio_user_header *h = vfio_user_msg_header(&m);
		void *pl = vfio_user_msg_payload(&m, NULL);
		assert_int_equal(vfio_user_msg_validate(&m), 0);
		if (h->command != VFIO_USER_DMA_MAP)
			reply_maps(conn, held, &nb_held);
		switch (h->command) {
		case VFIO_USER_DMA_MAP: {
			const struct vfio_user_dma_map *dm = pl;
			unsigned i = F.nb_maps++;
			F.map_fd[i] = m.nb_fds ? m.fds[0] : -1;
			m.nb_fds = 0;
			F.map_offset[i] = dm->offset;
			F.map_addr[i] = dm->address;
			F.map_size[i] = dm->size;
			held[nb_held++] = h->msg_id; /* answered later: pipelining */
			if (nb_held >= F.hold_maps || nb_held == 32)
				reply_maps(conn, held, &nb_held);
			break;
		}
		case VFIO_USER_DMA_UNMAP: {
			const struct vfio_user_dma_unmap *u = pl;
			struct iovec iov = { pl, sizeof(*u) };
			F.nb_unmaps++;
			F.last_unmap_flags = u->flags;
			F.last_unmap_addr = u->address;
			vfio_user_reply(conn, &m, &iov, 1, NULL, 0);
			break;
		}
		case VFIO_USER_DEVICE_GET_INFO: {
			struct vfio_user_device_info di = { sizeof(di),
				VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET, 9, 5 };
			struct iovec iov = { &di, sizeof(di) };
			vfio_user_reply(conn, &m, &iov, 1, NULL, 0);
			break;
		}
		case VFIO_USER_DEVICE_GET_REGION_INFO:
			serve_region_info(conn, &m);
			break;
		case VFIO_USER_REGION_READ: {
			struct vfio_user_region_access *ra = pl;
			struct iovec iov[2] = { { ra, sizeof(*ra) }, { F.regs + ra->offset, ra->count } };
			if (ra->offset + ra->count > sizeof(F.regs))
				vfio_user_reply_error(conn, &m, EINVAL);
			else
				vfio_user_reply(conn, &m, iov, 2, NULL, 0);
			break;
		}
		case VFIO_USER_REGION_WRITE: {
			struct vfio_user_region_access *ra = pl;
			struct iovec iov = { ra, sizeof(*ra) };
			if (ra->region == REGION_DIE)
				goto out;
			if (ra->region == REGION_HANG)
				break;
			if (ra->region == REGION_DMA_TEST)
				server_dma(conn);
			else if (ra->offset + ra->count <= sizeof(F.regs))
				memcpy(F.regs + ra->offset, ra->data, ra->count);
			if (h->flags & VFIO_USER_F_NO_REPLY)
				F.posted_writes++;
			vfio_user_reply(conn, &m, &iov, 1, NULL, 0);
			break;
		}
		case VFIO_USER_DEVICE_GET_IRQ_INFO: {
			struct vfio_user_irq_info ii = *(struct vfio_user_irq_info *)pl;
			struct iovec iov = { &ii, sizeof(ii) };
			ii.flags = VFIO_IRQ_INFO_EVENTFD;
			ii.count = 4;
			vfio_user_reply(conn, &m, &iov, 1, NULL, 0);
			break;
		}
		case VFIO_USER_DEVICE_SET_IRQS: {
			uint64_t one = 1;
			F.irq_fds = m.nb_fds;
			for (unsigned i = 0; i < m.nb_fds; i++)
				assert_int_equal(write(m.fds[i], &one, 8), 8); /* interrupt! */
			vfio_user_reply(conn, &m, NULL, 0, NULL, 0);
			break;
		}
		case VFIO_USER_DEVICE_RESET:
			F.resets++;
			vfio_user_reply(conn, &m, NULL, 0, NULL, 0);
			break;
		case VFIO_USER_DEVICE_FEATURE: {
			struct vfio_user_device_feature *f = pl;
			unsigned feat = f->flags & VFIO_USER_DEVICE_FEATURE_MASK;
			if (feat == VFIO_USER_FEATURE_DMA_LOGGING_START) {
				F.log_ranges = ((struct vfio_user_dma_logging_control *)f->data)->num_ranges;
				vfio_user_reply(conn, &m, &(struct iovec){ f, sizeof(*f) }, 1, NULL, 0);
			} else if (feat == VFIO_USER_FEATURE_DMA_LOGGING_REPORT) {
				struct vfio_user_dma_logging_report *r = (void *)f->data;
				uint64_t bitmap = 0x5; /* pages 0 and 2 */
				struct iovec iov[3] = { { f, sizeof(*f) }, { r, sizeof(*r) },
							{ &bitmap, 8 } };
				vfio_user_reply(conn, &m, iov, 3, NULL, 0);
			} else if (feat == VFIO_USER_FEATURE_DMA_LOGGING_STOP) {
				vfio_user_reply(conn, &m, &(struct iovec){ f, sizeof(*f) }, 1, NULL, 0);
			} else if ((feat == VFIO_USER_FEATURE_MIGRATION ||
				    feat == VFIO_USER_FEATURE_MIG_DEVICE_STATE) && F.mig_supported) {
				struct vfio_user_device_feature ans = { sizeof(ans) + 8, f->flags };
				struct vfio_user_feature_mig_state st = { F.mig_state, -1 };
				uint64_t flags = VFIO_USER_MIGRATION_STOP_COPY;
				struct iovec iov[2] = { { &ans, sizeof(ans) }, { &flags, 8 } };

				if (feat == VFIO_USER_FEATURE_MIG_DEVICE_STATE) {
					if (f->flags & VFIO_USER_DEVICE_FEATURE_SET)
						memcpy(&F.mig_state, f->data, 4);
					st.device_state = F.mig_state;
					iov[1].iov_base = &st;
				}
				vfio_user_reply(conn, &m, iov, F.mig_short_reply ? 1 : 2, NULL, 0);
			} else {
				vfio_user_reply_error(conn, &m, ENOTSUP);
			}
			break;
		}
		case VFIO_USER_MIG_DATA_READ: {
			struct vfio_user_mig_data *rq = pl;
			static uint8_t data[4096];
			uint32_t n = rq->size < F.mig_avail ? rq->size : F.mig_avail;
			struct vfio_user_mig_data ans = { sizeof(ans) + n, n };
			struct iovec iov[2] = { { &ans, sizeof(ans) }, { data, n } };

			if (F.nb_mig < 16)
				F.mig_sizes[F.nb_mig++] = rq->size;
			assert_true(rq->argsz >= sizeof(*rq) + rq->size);
			assert_true(n <= sizeof(data));
			memset(data, 0xab, n);
			F.mig_avail -= n;
			if (F.mig_lie)
				ans.size = n + 1; /* says more than it carries */
			vfio_user_reply(conn, &m, iov, 2, NULL, 0);
			break;
		}
		case VFIO_USER_MIG_DATA_WRITE: {
			struct vfio_user_mig_data *rq = pl;

			if (F.nb_mig < 16)
				F.mig_sizes[F.nb_mig++] = rq->size;
			if (F.mig_written == 0)
				F.mig_first_byte = rq->data[0];
			F.mig_written += rq->size;
			vfio_user_reply(conn, &m, NULL, 0, NULL, 0);
			break;
		}
		default:
			vfio_user_reply_error(conn, &m, ENOSYS);
		}
		vfio_user_msg_release(&m);
	}
out:
	vfio_user_msg_release(&m);
	vfio_user_conn_close(conn);
	return NULL;
}

struct env {
	struct vfio_container c;
	const struct vfio_container_ops *ops;
	struct vfio_device *dev;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	memset(&F, 0, sizeof(F));
	F.hold_maps = 1;
	snprintf(F.path, sizeof(F.path), "/tmp/vu-test-%d.sock", (int)getpid());
	F.listen_fd = vfio_user_listen(F.path);
	assert_true(F.listen_fd >= 0);
	F.bar_fd = memfd_create("bar0", MFD_CLOEXEC);
	assert_int_equal(ftruncate(F.bar_fd, BAR0_SIZE), 0);
	assert_int_equal(pwrite(F.bar_fd, "BAR0DATA", 8, 0x1000), 8);
	assert_int_equal(pthread_create(&F.thread, NULL, server_main, NULL), 0);
	setenv("UPDK_VFIO_USER_TIMEOUT_MS", "500", 1);
	e->ops = vfio_container_ops_get(EAL_VFIO_USER);
	assert_non_null(e->ops);
	assert_string_equal(e->ops->name, "user");
	assert_int_equal(e->ops->open(&e->c, F.path), 0);
	assert_int_equal(e->ops->device_attach(&e->c, "", &e->dev), 0);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	if (e->dev != NULL)
		e->ops->device_detach(&e->c, e->dev);
	e->ops->release(&e->c);
	pthread_join(F.thread, NULL);
	close(F.listen_fd);
	close(F.bar_fd);
	for (unsigned i = 0; i < F.nb_maps; i++)
		if (F.map_fd[i] >= 0)
			close(F.map_fd[i]);
	unlink(F.path);
	free(e);
	return 0;
}

static void test_open_info(void **state)
{
	struct env *e = *state;

	assert_true(e->c.address_space_ready);
	assert_int_equal(e->c.info.pgsize_bitmap, 4096);
	assert_true(e->c.info.dirty_tracking);
	assert_int_equal(e->c.info.dirty_pgsize_bitmap, 4096);
	assert_int_equal(e->dev->info.num_regions, 9);
	assert_int_equal(e->dev->info.num_irqs, 5);
	assert_true(e->dev->info.flags & VFIO_DEVICE_FLAGS_RESET);
	assert_int_equal(e->dev->ops->reset(e->dev), 0);
	assert_int_equal(F.resets, 1);
}

static void test_dma_map_fd_pipelined_unmap(void **state)
{
	struct env *e = *state;
	int mfd = memfd_create("guest", MFD_CLOEXEC);
	size_t len = 8 * 4096;
	uint8_t *mem;

	assert_int_equal(ftruncate(mfd, (off_t)len), 0);
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	assert_true(mem != MAP_FAILED);
	for (int i = 0; i < 8; i++)
		memset(mem + i * 4096, 'a' + i, 4096);
	/* eight one-page maps, sent before any reply is read: the server holds
	 * its answers until it has all eight, so waiting for each would hang */
	F.hold_maps = 8;
	for (int i = 0; i < 8; i++)
		assert_int_equal(e->ops->dma_map(&e->c, 0x100000 + (uint64_t)i * 4096, mem + i * 4096,
						 4096, mfd, (off_t)i * 4096,
						 VFIO_DMA_READ | VFIO_DMA_WRITE), 0);
	/* the next request collects the replies */
	assert_int_equal(e->dev->ops->reset(e->dev), 0);
	assert_int_equal(F.nb_maps, 8);
	assert_int_equal(F.maps_before_first_reply, 8);
	for (int i = 0; i < 8; i++) {
		assert_true(F.map_fd[i] >= 0);
		assert_int_equal(F.map_addr[i], 0x100000 + (uint64_t)i * 4096);
		assert_int_equal(F.map_offset[i], (uint64_t)i * 4096);
		assert_int_equal(F.map_size[i], 4096);
		/* the server sees our bytes through the fd it got */
		uint8_t *srv = mmap(NULL, 4096, PROT_READ, MAP_SHARED, F.map_fd[i],
				    (off_t)F.map_offset[i]);
		assert_true(srv != MAP_FAILED);
		assert_int_equal(srv[0], 'a' + i);
		assert_int_equal(srv[4095], 'a' + i);
		munmap(srv, 4096);
	}
	/* exact unmap, wrong unmap, unmap-all */
	assert_int_equal(e->ops->dma_unmap(&e->c, 0x100000, 4096, 0), 0);
	assert_int_equal(F.last_unmap_addr, 0x100000);
	assert_int_equal(e->ops->dma_unmap(&e->c, 0x100000, 4096, 0), -ENOENT);
	assert_int_equal(e->ops->dma_unmap(&e->c, 0x101000, 8192, 0), -ENOENT);
	assert_int_equal(e->ops->dma_map(&e->c, 0x101000, mem, 4096, mfd, 0, VFIO_DMA_READ), -EEXIST);
	assert_int_equal(e->ops->dma_unmap(&e->c, 1, 1, VFIO_DMA_UNMAP_ALL), -EINVAL);
	assert_int_equal(e->ops->dma_unmap(&e->c, 0, 0, VFIO_DMA_UNMAP_ALL), 0);
	assert_int_equal(F.last_unmap_flags, VFIO_USER_DMA_UNMAP_F_ALL);
	assert_int_equal(F.nb_unmaps, 2);
	munmap(mem, len);
	close(mfd);
}

static void test_dma_without_fd_served(void **state)
{
	struct env *e = *state;
	static uint8_t mem[8192];
	uint8_t one = 1;

	memset(mem, 0, sizeof(mem));
	assert_int_equal(e->ops->dma_map(&e->c, DMA_IOVA, mem, sizeof(mem), -1, 0,
					 VFIO_DMA_READ | VFIO_DMA_WRITE), 0);
	/* this write makes the server send DMA_WRITE + DMA_READ before replying */
	assert_int_equal(e->dev->ops->region_write(e->dev, REGION_DMA_TEST, 0, &one, 1, false), 1);
	assert_int_equal(F.map_fd[0], -1);
	static const uint8_t want[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	assert_memory_equal(mem + 16, want, 8);
	assert_int_equal(F.dma_read_status, 0);
	assert_memory_equal(F.dma_read_back, want, 8);
	assert_int_equal(F.dma_bad_status, -EFAULT); /* not mapped: refused */
}

static void test_region_access(void **state)
{
	struct env *e = *state;
	struct vfio_region r;
	uint8_t data[200], back[200];

	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	assert_int_equal(e->dev->ops->region_write(e->dev, 1, 8, data, sizeof(data), false),
			 (ssize_t)sizeof(data));
	assert_int_equal(e->dev->ops->region_write(e->dev, 1, 0, "POST", 4, true), 4);
	assert_int_equal(e->dev->ops->region_read(e->dev, 1, 8, back, sizeof(back)),
			 (ssize_t)sizeof(back));
	assert_memory_equal(back, data, sizeof(data));
	assert_int_equal(e->dev->ops->region_read(e->dev, 1, 0, back, 4), 4);
	assert_memory_equal(back, "POST", 4);
	assert_int_equal(F.posted_writes, 1);
	/* past the end: the server's error comes back */
	assert_int_equal(e->dev->ops->region_read(e->dev, 1, 250, back, 16), -EINVAL);

	/* BAR0: capability chain (asked again with room) and its fd */
	assert_int_equal(e->dev->ops->get_region_info(e->dev, 0, &r), 0);
	assert_int_equal(r.size, BAR0_SIZE);
	assert_true(r.flags & VFIO_REGION_INFO_FLAG_MMAP);
	assert_int_equal(r.nb_areas, 1);
	assert_int_equal(r.areas[0].offset, 0x1000);
	assert_int_equal(r.areas[0].size, 0x1000);
	assert_true(r.fd >= 0);
	uint8_t *p = e->dev->ops->region_mmap(e->dev, &r, 0x1000, 0x1000);
	assert_non_null(p);
	assert_memory_equal(p, "BAR0DATA", 8);
	munmap(p, 0x1000);
	assert_null(e->dev->ops->region_mmap(e->dev, &r, 0, 0x1000)); /* outside the area */
	assert_int_equal(errno, EACCES);
	assert_int_equal(e->dev->ops->get_region_info(e->dev, 1, &r), 0);
	assert_int_equal(r.fd, -1);
}

static void test_irqs(void **state)
{
	struct env *e = *state;
	struct vfio_cont_irq_info ii;
	int fds[2] = { eventfd(0, EFD_CLOEXEC), eventfd(0, EFD_CLOEXEC) };
	uint64_t v = 0;

	assert_int_equal(e->dev->ops->get_irq_info(e->dev, VFIO_PCI_MSIX_IRQ_INDEX, &ii), 0);
	assert_int_equal(ii.count, 4);
	assert_int_equal(ii.index, VFIO_PCI_MSIX_IRQ_INDEX);
	assert_int_equal(e->dev->ops->set_irqs(e->dev, VFIO_PCI_MSIX_IRQ_INDEX, 0, 2,
		VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, fds), 0);
	assert_int_equal(F.irq_fds, 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(read(fds[i], &v, 8), 8); /* the server signalled it */
		assert_int_equal(v, 1);
		close(fds[i]);
	}
	int bad[1] = { -1 };
	assert_int_equal(e->dev->ops->set_irqs(e->dev, VFIO_PCI_MSIX_IRQ_INDEX, 0, 1,
		VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, bad), -EINVAL);
}

static void test_dirty_logging(void **state)
{
	struct env *e = *state;
	static uint8_t mem[4 * 4096];
	uint64_t bitmap = 0;

	assert_int_equal(e->ops->dma_map(&e->c, 0x400000, mem, sizeof(mem), -1, 0,
					 VFIO_DMA_READ | VFIO_DMA_WRITE), 0);
	assert_int_equal(e->ops->dirty_tracking_start(&e->c), 0);
	assert_int_equal(F.log_ranges, 1);
	assert_int_equal(e->ops->dirty_bitmap_query(&e->c, 0x400000, sizeof(mem), 4096, &bitmap), 0);
	assert_int_equal(bitmap, 0x5);
	assert_int_equal(e->ops->dirty_tracking_stop(&e->c), 0);
	/* a feature the server does not know */
	assert_int_equal(e->dev->ops->feature(e->dev, VFIO_USER_DEVICE_FEATURE_PROBE | 3, NULL, 0),
			 -ENOTSUP);
}

/* Migration ops: data split at the server's max_data_xfer_size (4096),
 * a short read ends the stream, every reply checked. */
static void test_migration(void **state)
{
	struct env *e = *state;
	static uint8_t buf[10000];
	uint64_t flags = 0;
	uint32_t st = 0;

	/* a server whose device has no migration */
	assert_int_equal(e->dev->ops->migration_get_flags(e->dev, &flags), -ENOTSUP);
	F.mig_supported = true;
	assert_int_equal(e->dev->ops->migration_get_flags(e->dev, &flags), 0);
	assert_int_equal(flags, VFIO_CONT_MIGRATION_STOP_COPY);
	F.mig_state = VFIO_CONT_MIG_RUNNING;
	assert_int_equal(e->dev->ops->migration_set_state(e->dev, VFIO_CONT_MIG_STOP_COPY), 0);
	assert_int_equal(F.mig_state, VFIO_CONT_MIG_STOP_COPY);
	assert_int_equal(e->dev->ops->migration_get_state(e->dev, &st), 0);
	assert_int_equal(st, VFIO_CONT_MIG_STOP_COPY);

	F.mig_avail = 9000;
	assert_int_equal(e->dev->ops->migration_data_read(e->dev, buf, sizeof(buf)), 9000);
	assert_int_equal(F.nb_mig, 3);
	assert_int_equal(F.mig_sizes[0], 4096);
	assert_int_equal(F.mig_sizes[1], 4096);
	assert_int_equal(F.mig_sizes[2], 10000 - 8192);
	assert_int_equal(buf[8999], 0xab);
	assert_int_equal(e->dev->ops->migration_data_read(e->dev, buf, sizeof(buf)), 0);

	F.nb_mig = 0;
	buf[0] = 0x5a;
	assert_int_equal(e->dev->ops->migration_data_write(e->dev, buf, sizeof(buf)), 10000);
	assert_int_equal(F.nb_mig, 3);
	assert_int_equal(F.mig_sizes[0], 4096);
	assert_int_equal(F.mig_sizes[2], 10000 - 8192);
	assert_int_equal(F.mig_written, 10000);
	assert_int_equal(F.mig_first_byte, 0x5a);

	/* replies that do not add up */
	F.mig_avail = 100;
	F.mig_lie = true;
	assert_int_equal(e->dev->ops->migration_data_read(e->dev, buf, 50), -EPROTO);
	F.mig_lie = false;
	F.mig_state = 99;
	assert_int_equal(e->dev->ops->migration_get_state(e->dev, &st), -EPROTO);
	F.mig_short_reply = true;
	assert_int_equal(e->dev->ops->migration_get_flags(e->dev, &flags), -EPROTO);
}

static void test_server_dies(void **state)
{
	struct env *e = *state;
	uint8_t b = 0;

	assert_true(e->dev->ops->region_write(e->dev, REGION_DIE, 0, &b, 1, false) < 0);
	assert_int_equal(e->dev->ops->region_read(e->dev, 1, 0, &b, 1), -ENOTCONN);
	assert_int_equal(e->dev->ops->reset(e->dev), -ENOTCONN);
	assert_int_equal(e->ops->dma_map(&e->c, 0x1000, &b, 1, -1, 0, VFIO_DMA_READ), -ENOTCONN);
	assert_int_equal(e->ops->dma_unmap(&e->c, 0, 0, VFIO_DMA_UNMAP_ALL), -ENOTCONN);
}

static void test_server_hangs(void **state)
{
	struct env *e = *state;
	uint8_t b = 0;

	assert_int_equal(e->dev->ops->region_write(e->dev, REGION_HANG, 0, &b, 1, false), -ETIMEDOUT);
	assert_int_equal(e->dev->ops->reset(e->dev), -ENOTCONN);
}

static void test_open_errors(void **state)
{
	const struct vfio_container_ops *ops = vfio_container_ops_get(EAL_VFIO_USER);
	struct vfio_container c;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(ops->open(&c, ""), -EINVAL);
	assert_int_equal(ops->open(&c, "/nonexistent/vu.sock"), -ENOENT);
}

/* A driver's fast path posts notifications (REGION_WRITE, NO_REPLY) from
 * its lcore while the control thread polls the device: the backend keeps
 * the two from interleaving on the one connection. */
#define POSTED_FROM_THREAD 20000

/* 200-byte writes fill the socket faster than the server drains it, so
 * that sends are split: without the lock the other thread's messages would
 * land inside them. */
static void *post_writes(void *arg)
{
	struct vfio_device *dev = arg;
	uint32_t buf[50] = { 0 };
	long failures = 0;

	for (uint32_t i = 0; i < POSTED_FROM_THREAD; i++) {
		buf[0] = i;
		if (dev->ops->region_write(dev, 1, 0, buf, sizeof(buf), true) != (ssize_t)sizeof(buf))
			failures++;
	}
	return (void *)failures;
}

static void test_two_threads(void **state)
{
	struct env *e = *state;
	uint8_t back[8];
	pthread_t th;
	void *failures;
	uint32_t last;

	assert_int_equal(e->dev->ops->region_write(e->dev, 1, 208, "CONTROL!", 8, false), 8);
	assert_int_equal(pthread_create(&th, NULL, post_writes, e->dev), 0);
	for (int i = 0; i < 500; i++) {
		assert_int_equal(e->dev->ops->region_read(e->dev, 1, 208, back, 8), 8);
		assert_memory_equal(back, "CONTROL!", 8);
		assert_int_equal(e->dev->ops->poll_events(e->dev), 0);
	}
	pthread_join(th, &failures);
	assert_int_equal((long)failures, 0);
	/* A read after the writes: every posted one was applied, in order. */
	assert_int_equal(e->dev->ops->region_read(e->dev, 1, 0, &last, sizeof(last)), 4);
	assert_int_equal(last, POSTED_FROM_THREAD - 1);
	assert_int_equal(F.posted_writes, POSTED_FROM_THREAD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_map_fd_pipelined_unmap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_without_fd_served, setup, teardown),
		cmocka_unit_test_setup_teardown(test_region_access, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irqs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dirty_logging, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_dies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_hangs, setup, teardown),
		cmocka_unit_test(test_open_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
