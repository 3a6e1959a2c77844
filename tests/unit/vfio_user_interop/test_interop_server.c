/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/vfio_user_server against scripted clients that behave as QEMU's
 * vfio-user-pci and SPDK's client do on the wire (NOTES.md, "vfio-user, as
 * its peers actually behave"). The server runs its poll loop in a thread, as
 * an application does, with a small recording device behind it.
 */
#include <errno.h>
#include <linux/vfio.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "peer.h"
#include "vfio_user.h"
#include "vfio_user_server.h"

#define BAR0_SIZE 0x1000
#define DOORBELL 0x800        /* a write here makes the device DMA_READ 8 bytes */
#define NOFD_IOVA 0x200000ull /* mapped without fd: reached by DMA_READ */
#define ERROR_REPLY (VFIO_USER_F_TYPE_REPLY | VFIO_USER_F_ERROR)

/* The device: records BAR0 writes, reads back the last value written. */
struct rec_dev {
	struct vus_server *srv;
	uint32_t regs[BAR0_SIZE / 4];
	uint64_t wr_off[512];
	unsigned nb_wr;
	uint8_t dma_got[8];
	int dma_rc;
	unsigned doorbells;
};

struct env {
	char path[64];
	struct rec_dev dev;
	uint8_t config[256];
	pthread_t thread;
	volatile int stop;
	volatile unsigned long loops;
	struct peer_msg m;
};

static int bar0_access(void *priv, uint64_t offset, void *buf, size_t count, bool is_write)
{
	struct rec_dev *d = priv;

	if (!is_write) {
		memcpy(buf, (uint8_t *)d->regs + offset, count);
		return 0;
	}
	if (offset == DOORBELL) {
		d->doorbells++;
		d->dma_rc = vus_dma_read(d->srv, NOFD_IOVA, d->dma_got, sizeof(d->dma_got));
		return 0;
	}
	memcpy((uint8_t *)d->regs + offset, buf, count);
	if (d->nb_wr < 512)
		d->wr_off[d->nb_wr++] = offset;
	return 0;
}

static void *server_thread(void *arg)
{
	struct env *e = arg;

	while (!e->stop) {
		vus_server_poll(e->dev.srv, 2);
		__atomic_add_fetch(&e->loops, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	struct vus_device_info info = { .name = "interop", .is_pci = true, .has_reset = true };

	assert_non_null(e);
	snprintf(e->path, sizeof(e->path), "/tmp/vu-interop-%d.sock", (int)getpid());
	e->config[0] = 0xf4;
	e->config[1] = 0x1a;
	info.priv = &e->dev;
	info.config_space = e->config;
	info.config_size = sizeof(e->config);
	info.regions[0] = (struct vus_region){ .size = BAR0_SIZE,
		.flags = VUS_REGION_READ | VUS_REGION_WRITE, .access = bar0_access, .mmap_fd = -1 };
	e->dev.srv = vus_server_create(e->path, &info);
	assert_non_null(e->dev.srv);
	vus_server_set_handshake_timeout(e->dev.srv, 150);
	assert_int_equal(pthread_create(&e->thread, NULL, server_thread, e), 0);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	peer_msg_close_fds(&e->m);
	e->stop = 1;
	pthread_join(e->thread, NULL);
	vus_server_destroy(e->dev.srv);
	free(e);
	return 0;
}

/* A VERSION command with @p json (NULL: none at all, as SPDK sends). */
static void send_version(int fd, uint16_t id, uint16_t minor, const char *json)
{
	struct vfio_user_version v = { 0, minor };
	struct iovec iov[2] = { { &v, sizeof(v) },
				{ (void *)(uintptr_t)json, json ? strlen(json) + 1 : 0 } };

	assert_int_equal(peer_sendv(fd, id, VFIO_USER_VERSION, 0, 0, iov, json ? 2 : 1, NULL, 0), 0);
}

/* Receive the reply to @p id for @p cmd; @return its error field (0 = ok).
 * Fds that came with it stay in e->m for the caller. */
static uint32_t expect_reply(struct env *e, int fd, uint16_t id, uint16_t cmd)
{
	peer_msg_close_fds(&e->m); /* those of the previous message */
	assert_int_equal(peer_recv(fd, &e->m, 2000), 0);
	assert_int_equal(e->m.hdr.msg_id, id);
	assert_int_equal(e->m.hdr.command, cmd);
	assert_int_equal(e->m.hdr.flags & VFIO_USER_F_TYPE_MASK, VFIO_USER_F_TYPE_REPLY);
	if (e->m.hdr.flags & VFIO_USER_F_ERROR) {
		assert_int_equal(e->m.len, 0); /* an error reply is the header only */
		assert_int_not_equal(e->m.hdr.error, 0);
		return e->m.hdr.error;
	}
	return 0;
}

static const char qemu_json[] =
	"{\"capabilities\":{\"max_msg_fds\":16,\"max_data_xfer_size\":1048576,"
	"\"pgsizes\":4096,\"max_dma_maps\":65535,\"write_multiple\":true}}";

/* QEMU's opening: VERSION 0.0 with its capabilities. */
static void qemu_hello(struct env *e, int fd)
{
	struct vfio_user_caps told;
	const struct vfio_user_version *v;

	send_version(fd, 0, 0, qemu_json);
	assert_int_equal(expect_reply(e, fd, 0, VFIO_USER_VERSION), 0);
	v = (const void *)e->m.payload;
	assert_int_equal(v->major, 0);
	assert_int_equal(v->minor, 0);          /* never above what was offered */
	assert_int_equal(e->m.nb_fds, 0);       /* QEMU offered no twin socket */
	vfio_user_caps_default(&told);
	assert_int_equal(vfio_user_caps_parse((const char *)v->data, &told), 0);
	assert_true(told.write_multiple);
	assert_false(told.twin_socket);
	assert_true(told.max_msg_fds >= 1);
}

static void region_write(int fd, uint16_t id, uint32_t flags, uint64_t off, uint32_t val)
{
	struct vfio_user_region_access a = { .offset = off, .region = 0, .count = 4 };
	struct iovec iov[2] = { { &a, sizeof(a) }, { &val, 4 } };

	assert_int_equal(peer_sendv(fd, id, VFIO_USER_REGION_WRITE, flags, 0, iov, 2, NULL, 0), 0);
}

static void dma_map(int fd, uint16_t id, uint64_t iova, uint64_t size, int mfd, uint64_t off)
{
	struct vfio_user_dma_map dm = { sizeof(dm), VFIO_USER_DMA_MAP_F_READ | VFIO_USER_DMA_MAP_F_WRITE,
					mfd >= 0 ? off : 0, iova, size };

	assert_int_equal(peer_send(fd, id, VFIO_USER_DMA_MAP, 0, 0, &dm, sizeof(dm),
				   mfd >= 0 ? &mfd : NULL, mfd >= 0 ? 1 : 0), 0);
}

static void dma_unmap(int fd, uint16_t id, uint64_t iova, uint64_t size, const int *fds,
		      unsigned nb_fds)
{
	struct vfio_user_dma_unmap du = { sizeof(du), 0, iova, size };

	assert_int_equal(peer_send(fd, id, VFIO_USER_DMA_UNMAP, 0, 0, &du, sizeof(du), fds, nb_fds), 0);
}

static void get_info(int fd, uint16_t id)
{
	struct vfio_user_device_info di = { .argsz = sizeof(di) };

	assert_int_equal(peer_send(fd, id, VFIO_USER_DEVICE_GET_INFO, 0, 0, &di, sizeof(di), NULL, 0), 0);
}

/* Posted (NO_REPLY) REGION_WRITE_MULTI of @p n 4-byte writes. */
static void write_multi(int fd, uint16_t id, uint32_t flags, const uint64_t *off,
			const uint32_t *val, unsigned n, uint64_t wr_cnt)
{
	struct vfio_user_write_multi hdr = { .wr_cnt = wr_cnt };
	struct vfio_user_write_multi_entry wrs[8];
	struct iovec iov[2] = { { &hdr, sizeof(hdr) }, { wrs, n * sizeof(wrs[0]) } };

	memset(wrs, 0, sizeof(wrs));
	for (unsigned i = 0; i < n; i++) {
		wrs[i].offset = off[i];
		wrs[i].count = 4;
		memcpy(wrs[i].data, &val[i], 4);
	}
	assert_int_equal(peer_sendv(fd, id, VFIO_USER_REGION_WRITE_MULTI, flags, 0, iov, 2,
				    NULL, 0), 0);
}

/* The device sends DMA_READ on the one socket: receive it, answer it. */
static void answer_dma_read(struct env *e, int fd, const char data[8])
{
	const struct vfio_user_dma_access *a;
	struct vfio_user_dma_access ans;
	struct iovec iov[2] = { { &ans, sizeof(ans) }, { (void *)(uintptr_t)data, 8 } };

	assert_int_equal(peer_recv(fd, &e->m, 2000), 0);
	assert_int_equal(e->m.hdr.command, VFIO_USER_DMA_READ);
	assert_int_equal(e->m.hdr.flags, VFIO_USER_F_TYPE_COMMAND);
	a = (const void *)e->m.payload;
	assert_int_equal(e->m.len, sizeof(*a));
	assert_int_equal(a->offset, NOFD_IOVA);
	assert_int_equal(a->count, 8);
	ans = *a;
	assert_int_equal(peer_sendv(fd, e->m.hdr.msg_id, VFIO_USER_DMA_READ,
				    VFIO_USER_F_TYPE_REPLY, 0, iov, 2, NULL, 0), 0);
}

/* QEMU's vfio-user-pci, from VERSION to disconnect and a new connection. */
static void test_qemu_like_client(void **state)
{
	struct env *e = *state;
	int mfd = memfd_create("guest", MFD_CLOEXEC);
	int fd = peer_connect(e->path);
	uint32_t v;

	assert_true(fd >= 0 && mfd >= 0);
	assert_int_equal(ftruncate(mfd, 0x10000), 0);
	qemu_hello(e, fd);

	/* DMA_MAP / DMA_UNMAP pipelined before any reply is read; some
	 * regions without an fd (QEMU's non-memfd RAM). */
	dma_map(fd, 1, 0x100000, 0x4000, mfd, 0);
	dma_map(fd, 2, NOFD_IOVA, 0x2000, -1, 0);
	dma_map(fd, 3, 0x300000, 0x1000, mfd, 0x4000);
	dma_unmap(fd, 4, 0x100000, 0x4000, NULL, 0);
	dma_map(fd, 5, 0x100000, 0x4000, mfd, 0);
	dma_map(fd, 6, 0x400000, 0x1000, -1, 0);
	for (uint16_t id = 1; id <= 6; id++)
		assert_int_equal(expect_reply(e, fd, id, id == 4 ? VFIO_USER_DMA_UNMAP :
					      VFIO_USER_DMA_MAP), 0);

	/* Posted BAR writes, alone and coalesced, then a read: all applied,
	 * in order, before the read is answered. */
	region_write(fd, 7, VFIO_USER_F_NO_REPLY, 0x10, 1);
	region_write(fd, 8, VFIO_USER_F_NO_REPLY, 0x14, 2);
	{
		uint64_t off[3] = { 0x20, 0x24, 0x28 };
		uint32_t val[3] = { 3, 4, 5 };

		write_multi(fd, 9, VFIO_USER_F_NO_REPLY, off, val, 3, 3);
	}
	{
		struct vfio_user_region_access a = { .offset = 0x28, .region = 0, .count = 4 };

		assert_int_equal(peer_send(fd, 10, VFIO_USER_REGION_READ, 0, 0, &a, sizeof(a), NULL, 0), 0);
		assert_int_equal(expect_reply(e, fd, 10, VFIO_USER_REGION_READ), 0);
		assert_int_equal(e->m.len, sizeof(a) + 4);
		memcpy(&v, e->m.payload + sizeof(a), 4);
		assert_int_equal(v, 5);
	}
	assert_int_equal(e->dev.nb_wr, 5);
	{
		static const uint64_t order[5] = { 0x10, 0x14, 0x20, 0x24, 0x28 };

		for (unsigned i = 0; i < 5; i++)
			assert_int_equal(e->dev.wr_off[i], order[i]);
	}

	/* REGION_WRITE_MULTI with a reply: wr_cnt done comes back; a write
	 * outside the BAR stops it with EINVAL after the ones before it. */
	{
		uint64_t off[2] = { 0x30, 0x34 };
		uint32_t val[2] = { 6, 7 };
		uint64_t bad[3] = { 0x38, BAR0_SIZE - 2, 0x3c };

		write_multi(fd, 11, 0, off, val, 2, 2);
		assert_int_equal(expect_reply(e, fd, 11, VFIO_USER_REGION_WRITE_MULTI), 0);
		assert_int_equal(e->m.len, sizeof(struct vfio_user_write_multi));
		assert_int_equal(((struct vfio_user_write_multi *)(void *)e->m.payload)->wr_cnt, 2);
		static const uint32_t bad_val[3] = { 8, 9, 10 };

		write_multi(fd, 12, 0, bad, bad_val, 3, 3);
		assert_int_equal(expect_reply(e, fd, 12, VFIO_USER_REGION_WRITE_MULTI), EINVAL);
		assert_int_equal(e->dev.regs[0x38 / 4], 8);
		assert_int_equal(e->dev.regs[0x3c / 4], 0);
		/* malformed: wr_cnt 0, wr_cnt above the entries sent */
		write_multi(fd, 13, 0, off, val, 2, 0);
		assert_int_equal(expect_reply(e, fd, 13, VFIO_USER_REGION_WRITE_MULTI), EINVAL);
		write_multi(fd, 14, 0, off, val, 2, 3);
		assert_int_equal(expect_reply(e, fd, 14, VFIO_USER_REGION_WRITE_MULTI), EINVAL);
	}

	/* QEMU has no twin socket: the device's DMA_READ goes on the one
	 * socket and QEMU's own commands cross it. They are handled after
	 * the DMA, in order, not refused. */
	region_write(fd, 20, 0, DOORBELL, 1);
	assert_int_equal(peer_recv(fd, &e->m, 2000), 0);
	assert_int_equal(e->m.hdr.command, VFIO_USER_DMA_READ);
	{
		struct peer_msg *dr = malloc(sizeof(*dr));

		assert_non_null(dr);
		*dr = e->m;
		get_info(fd, 21);                                   /* crossing */
		region_write(fd, 22, VFIO_USER_F_NO_REPLY, 0x40, 11); /* crossing, posted */
		{
			struct vfio_user_dma_access ans = *(struct vfio_user_dma_access *)(void *)dr->payload;
			struct iovec iov[2] = { { &ans, sizeof(ans) }, { "QEMUDATA", 8 } };

			assert_int_equal(peer_sendv(fd, dr->hdr.msg_id, VFIO_USER_DMA_READ,
						    VFIO_USER_F_TYPE_REPLY, 0, iov, 2, NULL, 0), 0);
		}
		free(dr);
	}
	assert_int_equal(expect_reply(e, fd, 20, VFIO_USER_REGION_WRITE), 0);
	assert_int_equal(expect_reply(e, fd, 21, VFIO_USER_DEVICE_GET_INFO), 0);
	assert_int_equal(e->dev.dma_rc, 0);
	assert_memory_equal(e->dev.dma_got, "QEMUDATA", 8);
	get_info(fd, 23); /* a round trip: the posted write is done by now */
	assert_int_equal(expect_reply(e, fd, 23, VFIO_USER_DEVICE_GET_INFO), 0);
	assert_int_equal(e->dev.regs[0x40 / 4], 11);

	/* Beyond the bound of kept commands: a clear EBUSY each, the rest kept. */
	region_write(fd, 30, 0, DOORBELL, 1);
	assert_int_equal(peer_recv(fd, &e->m, 2000), 0);
	assert_int_equal(e->m.hdr.command, VFIO_USER_DMA_READ);
	{
		uint16_t dma_id = e->m.hdr.msg_id;
		struct vfio_user_dma_access ans = *(struct vfio_user_dma_access *)(void *)e->m.payload;
		struct iovec iov[2] = { { &ans, sizeof(ans) }, { "SECONDRD", 8 } };

		for (uint16_t i = 0; i < 66; i++)
			get_info(fd, (uint16_t)(100 + i));
		assert_int_equal(expect_reply(e, fd, 164, VFIO_USER_DEVICE_GET_INFO), EBUSY);
		assert_int_equal(expect_reply(e, fd, 165, VFIO_USER_DEVICE_GET_INFO), EBUSY);
		assert_int_equal(peer_sendv(fd, dma_id, VFIO_USER_DMA_READ, VFIO_USER_F_TYPE_REPLY, 0,
					    iov, 2, NULL, 0), 0);
	}
	assert_int_equal(expect_reply(e, fd, 30, VFIO_USER_REGION_WRITE), 0);
	for (uint16_t i = 0; i < 64; i++)
		assert_int_equal(expect_reply(e, fd, (uint16_t)(100 + i), VFIO_USER_DEVICE_GET_INFO), 0);
	assert_memory_equal(e->dev.dma_got, "SECONDRD", 8);

	/* Shutdown under a vIOMMU: unmaps of ranges never mapped get a plain
	 * error reply and the connection goes on. */
	dma_unmap(fd, 40, 0x900000, 0x1000, NULL, 0);
	dma_unmap(fd, 41, 0xa00000, 0x2000, NULL, 0);
	dma_unmap(fd, 42, NOFD_IOVA, 0x2000, NULL, 0);
	assert_int_not_equal(expect_reply(e, fd, 40, VFIO_USER_DMA_UNMAP), 0);
	assert_int_not_equal(expect_reply(e, fd, 41, VFIO_USER_DMA_UNMAP), 0);
	assert_int_equal(expect_reply(e, fd, 42, VFIO_USER_DMA_UNMAP), 0);

	/* The guest powered off: QEMU disconnects; the next boot connects
	 * again and is served. */
	close(fd);
	fd = peer_connect(e->path);
	assert_true(fd >= 0);
	qemu_hello(e, fd);
	get_info(fd, 1);
	assert_int_equal(expect_reply(e, fd, 1, VFIO_USER_DEVICE_GET_INFO), 0);
	assert_int_equal(((struct vfio_user_device_info *)(void *)e->m.payload)->num_regions,
			 VUS_PCI_NUM_REGIONS);
	assert_int_equal(vus_server_client_count(e->dev.srv), 2);
	close(fd);
	close(mfd);
}

/* SPDK's client: VERSION without any JSON, an fd attached to DMA_UNMAP. */
static void test_spdk_like_client(void **state)
{
	struct env *e = *state;
	int mfd = memfd_create("spdk", MFD_CLOEXEC);
	int fd = peer_connect(e->path);
	const struct vfio_user_version *v;

	assert_true(fd >= 0 && mfd >= 0);
	assert_int_equal(ftruncate(mfd, 0x2000), 0);
	send_version(fd, 7, 1, NULL);
	assert_int_equal(expect_reply(e, fd, 7, VFIO_USER_VERSION), 0);
	v = (const void *)e->m.payload;
	assert_int_equal(v->major, 0);
	assert_int_equal(v->minor, 1);
	assert_int_equal(e->m.nb_fds, 0);
	dma_map(fd, 8, 0x100000, 0x2000, mfd, 0);
	assert_int_equal(expect_reply(e, fd, 8, VFIO_USER_DMA_MAP), 0);
	get_info(fd, 9);
	assert_int_equal(expect_reply(e, fd, 9, VFIO_USER_DEVICE_GET_INFO), 0);
	dma_unmap(fd, 10, 0x100000, 0x2000, &mfd, 1);
	assert_int_equal(expect_reply(e, fd, 10, VFIO_USER_DMA_UNMAP), 0);
	/* the server did not take the fd as anything: the memory is still ours */
	assert_int_equal(pwrite(mfd, "x", 1, 0), 1);
	close(fd);
	close(mfd);
	for (int i = 0; i < 200 && vus_server_connected(e->dev.srv); i++)
		usleep(5000);
	assert_false(vus_server_connected(e->dev.srv));
}

/* A client that connects and stays silent, or sends half a header, does not
 * hold up the poll loop, and is dropped after the handshake timeout. */
static void test_silent_client_dropped(void **state)
{
	struct env *e = *state;
	struct vfio_user_header half = { 1, VFIO_USER_VERSION, 40, 0, 0 };

	for (int round = 0; round < 2; round++) {
		int fd = peer_connect(e->path);
		unsigned long before;
		struct timespec t0, t1;
		long ms;

		assert_true(fd >= 0);
		if (round == 1)
			assert_int_equal(write(fd, &half, 8), 8);
		usleep(20000);
		before = __atomic_load_n(&e->loops, __ATOMIC_RELAXED);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		usleep(60000);
		/* the poll loop kept turning (2 ms polls) during the handshake */
		assert_true(__atomic_load_n(&e->loops, __ATOMIC_RELAXED) - before >= 2);
		assert_true(peer_wait_eof(fd, 2000));
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		assert_true(ms < 1000);
		close(fd);
	}
	assert_int_equal(vus_server_client_count(e->dev.srv), 0);
	/* and the next client is served */
	{
		int fd = peer_connect(e->path);

		assert_true(fd >= 0);
		qemu_hello(e, fd);
		close(fd);
	}
	/* After the handshake too: half a command does not hold up the loop
	 * (the message is read once whole), and a client that never sends the
	 * rest is dropped after the connection timeout. */
	{
		struct vfio_user_header part = { 7, VFIO_USER_DEVICE_GET_INFO, 32, 0, 0 };
		int fd = peer_connect(e->path);
		unsigned long before;

		assert_true(fd >= 0);
		qemu_hello(e, fd);
		assert_int_equal(write(fd, &part, sizeof(part)), (ssize_t)sizeof(part));
		usleep(20000);
		before = __atomic_load_n(&e->loops, __ATOMIC_RELAXED);
		usleep(60000);
		assert_true(__atomic_load_n(&e->loops, __ATOMIC_RELAXED) - before >= 2);
		assert_true(vus_server_connected(e->dev.srv));
		assert_true(peer_wait_eof(fd, 4000));
		close(fd);
	}
}

/* A client that offers the twin socket (updk's own, libvfio-user's) gets
 * one, and the device's DMA_READ goes there, not on the main socket. */
static void test_twin_socket_client(void **state)
{
	struct env *e = *state;
	int fd = peer_connect(e->path);
	int twin;
	struct vfio_user_caps told;
	const struct vfio_user_version *v;

	assert_true(fd >= 0);
	send_version(fd, 1, 2, "{\"capabilities\":{\"max_msg_fds\":8,\"twin_socket\":{\"supported\":true}}}");
	assert_int_equal(expect_reply(e, fd, 1, VFIO_USER_VERSION), 0);
	v = (const void *)e->m.payload;
	vfio_user_caps_default(&told);
	assert_int_equal(vfio_user_caps_parse((const char *)v->data, &told), 0);
	assert_true(told.twin_socket);
	assert_int_equal(told.twin_fd_index, 0);
	assert_int_equal(e->m.nb_fds, 1);
	twin = e->m.fds[0];
	e->m.nb_fds = 0;
	dma_map(fd, 2, NOFD_IOVA, 0x1000, -1, 0);
	assert_int_equal(expect_reply(e, fd, 2, VFIO_USER_DMA_MAP), 0);
	/* a command on the twin socket is not served there */
	get_info(twin, 77);
	region_write(fd, 3, 0, DOORBELL, 1);
	answer_dma_read(e, twin, "TWINSOCK");
	assert_int_equal(expect_reply(e, twin, 77, VFIO_USER_DEVICE_GET_INFO), ENOSYS);
	assert_int_equal(expect_reply(e, fd, 3, VFIO_USER_REGION_WRITE), 0);
	assert_memory_equal(e->dev.dma_got, "TWINSOCK", 8);
	close(twin);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_qemu_like_client, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spdk_like_client, setup, teardown),
		cmocka_unit_test_setup_teardown(test_silent_client_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_twin_socket_client, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
