/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vfio_cont "user" backend (our client) against a scripted server that
 * behaves as a libvfio-user server does on the wire (NOTES.md): VERSION 0.2
 * with a subset of capabilities (max_msg_fds, max_data_xfer_size, migration
 * pgsize, twin_socket), DMA_READ / DMA_WRITE sent to the client while the
 * client waits for a reply, on the twin socket or on the one socket.
 * Also: the client's poll_events answering a server DMA_READ and noticing a
 * server that left; REGION_WRITE_MULTI coalescing of posted writes.
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
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "peer.h"
#include "vfio_private.h"
#include "vfio_user.h"

#define DMA_IOVA 0x100000ull

enum twin_mode {
	TWIN_NONE,      /* no twin_socket in the reply: one socket */
	TWIN_FD,        /* twin socket passed as fd_index 0 */
	TWIN_NO_FD,     /* "supported": true without an fd: inconsistent */
};

struct script {
	enum twin_mode twin;
	bool write_multiple;
	char path[64];
	int listen_fd;
	pthread_t thread;
	/* what the client offered and what the server saw */
	bool offered_twin, offered_write_multiple;
	uint16_t offered_minor;
	int dma_read_ok;            /* the DMA_READ reply carried our pattern */
	int dma_write_ok;
	int poll_dma_ok;            /* the DMA_READ answered during poll_events */
	unsigned multi_writes;      /* entries of REGION_WRITE_MULTI received */
	unsigned multi_msgs, single_writes;
	volatile int phase;         /* 1: client asks for the unprompted DMA */
};

static struct script S;

/* Send DMA_WRITE "LIBVFIOU" then DMA_READ of it on @p fd; check answers. */
static void server_dma(int fd, uint16_t first_id)
{
	struct peer_msg *m = malloc(sizeof(*m));
	struct vfio_user_dma_access acc = { DMA_IOVA + 64, 8 };
	struct iovec iov[2] = { { &acc, sizeof(acc) }, { "LIBVFIOU", 8 } };

	assert_non_null(m);
	assert_int_equal(peer_sendv(fd, first_id, VFIO_USER_DMA_WRITE, 0, 0, iov, 2, NULL, 0), 0);
	assert_int_equal(peer_recv(fd, m, 2000), 0);
	S.dma_write_ok = m->hdr.msg_id == first_id && m->hdr.command == VFIO_USER_DMA_WRITE &&
			 m->hdr.flags == VFIO_USER_F_TYPE_REPLY;
	assert_int_equal(peer_sendv(fd, first_id + 1, VFIO_USER_DMA_READ, 0, 0, iov, 1, NULL, 0), 0);
	assert_int_equal(peer_recv(fd, m, 2000), 0);
	S.dma_read_ok = m->hdr.msg_id == first_id + 1 && m->hdr.flags == VFIO_USER_F_TYPE_REPLY &&
			m->len == sizeof(acc) + 8 && memcmp(m->payload + sizeof(acc), "LIBVFIOU", 8) == 0;
	free(m);
}

static void *server_main(void *arg)
{
	struct peer_msg *m = malloc(sizeof(*m));
	int fd, twin[2] = { -1, -1 }, dma_fd;
	char json[512];
	struct vfio_user_caps offered;

	(void)arg;
	assert_non_null(m);
	fd = accept(S.listen_fd, NULL, NULL);
	assert_true(fd >= 0);
	/* VERSION */
	assert_int_equal(peer_recv(fd, m, 2000), 0);
	assert_int_equal(m->hdr.command, VFIO_USER_VERSION);
	S.offered_minor = ((struct vfio_user_version *)(void *)m->payload)->minor;
	vfio_user_caps_default(&offered);
	assert_int_equal(vfio_user_caps_parse((char *)m->payload + 4, &offered), 0);
	S.offered_twin = offered.twin_socket;
	S.offered_write_multiple = offered.write_multiple;
	snprintf(json, sizeof(json),
		 "{\"capabilities\":{\"max_msg_fds\":8,\"max_data_xfer_size\":1048576,"
		 "\"migration\":{\"pgsize\":4096}%s%s}}",
		 S.twin == TWIN_FD ? ",\"twin_socket\":{\"supported\":true,\"fd_index\":0}" :
		 S.twin == TWIN_NO_FD ? ",\"twin_socket\":{\"supported\":true}" : "",
		 S.write_multiple ? ",\"write_multiple\":true" : "");
	{
		struct vfio_user_version v = { 0, 2 };
		struct iovec iov[2] = { { &v, sizeof(v) }, { json, strlen(json) + 1 } };

		if (S.twin == TWIN_FD)
			assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, twin), 0);
		assert_int_equal(peer_sendv(fd, m->hdr.msg_id, VFIO_USER_VERSION, VFIO_USER_F_TYPE_REPLY,
					    0, iov, 2, &twin[1], S.twin == TWIN_FD ? 1 : 0), 0);
		if (twin[1] >= 0)
			close(twin[1]);
	}
	dma_fd = twin[0] >= 0 ? twin[0] : fd;
	for (;;) {
		const void *pl = m->payload;
		int rc = peer_recv(fd, m, 3000);

		if (rc < 0)
			break;
		peer_msg_close_fds(m);
		switch (m->hdr.command) {
		case VFIO_USER_DEVICE_GET_INFO: {
			struct vfio_user_device_info di = { sizeof(di), VFIO_DEVICE_FLAGS_PCI, 9, 5 };

			peer_send(fd, m->hdr.msg_id, m->hdr.command, VFIO_USER_F_TYPE_REPLY, 0,
				  &di, sizeof(di), NULL, 0);
			break;
		}
		case VFIO_USER_REGION_READ: {
			struct vfio_user_region_access a = *(const struct vfio_user_region_access *)pl;
			uint8_t data[64] = { 0 };
			struct iovec iov[2] = { { &a, sizeof(a) }, { data, a.count } };
			uint16_t id = m->hdr.msg_id;

			/* the answer needs guest memory first: DMA while the
			 * client waits for this very reply */
			if (a.offset == 0x100)
				server_dma(dma_fd, 0x4000);
			peer_sendv(fd, id, VFIO_USER_REGION_READ, VFIO_USER_F_TYPE_REPLY, 0, iov, 2,
				   NULL, 0);
			break;
		}
		case VFIO_USER_REGION_WRITE:
			S.single_writes++;
			if (!(m->hdr.flags & VFIO_USER_F_NO_REPLY))
				peer_send(fd, m->hdr.msg_id, m->hdr.command, VFIO_USER_F_TYPE_REPLY, 0,
					  pl, sizeof(struct vfio_user_region_access), NULL, 0);
			break;
		case VFIO_USER_REGION_WRITE_MULTI:
			S.multi_msgs++;
			S.multi_writes += (unsigned)((const struct vfio_user_write_multi *)pl)->wr_cnt;
			break;
		case VFIO_USER_DEVICE_RESET:
			/* the client asks for an unprompted DMA_READ, then polls */
			peer_send(fd, m->hdr.msg_id, m->hdr.command, VFIO_USER_F_TYPE_REPLY, 0,
				  NULL, 0, NULL, 0);
			{
				struct vfio_user_dma_access acc = { DMA_IOVA + 64, 8 };

				assert_int_equal(peer_send(dma_fd, 0x5000, VFIO_USER_DMA_READ, 0, 0,
							   &acc, sizeof(acc), NULL, 0), 0);
				assert_int_equal(peer_recv(dma_fd, m, 3000), 0);
				S.poll_dma_ok = m->hdr.msg_id == 0x5000 &&
						m->hdr.flags == VFIO_USER_F_TYPE_REPLY &&
						memcmp(m->payload + sizeof(acc), "LIBVFIOU", 8) == 0;
			}
			/* then the server goes away */
			goto out;
		default: /* DMA_MAP, DMA_UNMAP: fine */
			peer_send(fd, m->hdr.msg_id, m->hdr.command, VFIO_USER_F_TYPE_REPLY, 0,
				  NULL, 0, NULL, 0);
		}
	}
out:
	if (twin[0] >= 0)
		close(twin[0]);
	close(fd);
	free(m);
	return NULL;
}

struct env {
	struct vfio_container c;
	const struct vfio_container_ops *ops;
	struct vfio_device *dev;
	uint8_t mem[8192];
};

static struct env *start(enum twin_mode twin, bool write_multiple)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	memset(&S, 0, sizeof(S));
	S.twin = twin;
	S.write_multiple = write_multiple;
	snprintf(S.path, sizeof(S.path), "/tmp/vu-interop-c-%d.sock", (int)getpid());
	S.listen_fd = vfio_user_listen(S.path);
	assert_true(S.listen_fd >= 0);
	assert_int_equal(pthread_create(&S.thread, NULL, server_main, NULL), 0);
	setenv("UPDK_VFIO_USER_TIMEOUT_MS", "2000", 1);
	e->ops = vfio_container_ops_get(EAL_VFIO_USER);
	assert_non_null(e->ops);
	return e;
}

static void stop(struct env *e)
{
	if (e->dev != NULL)
		e->ops->device_detach(&e->c, e->dev);
	e->ops->release(&e->c);
	pthread_join(S.thread, NULL);
	close(S.listen_fd);
	unlink(S.path);
	free(e);
}

/* Open, map memory without an fd, read a register whose answer needs the
 * server's DMA, then let poll_events answer an unprompted DMA_READ and see
 * the server leave. */
static void run_libvfio_user_session(enum twin_mode twin)
{
	struct env *e = start(twin, false);
	uint8_t reg[4];
	int rc = -1;

	assert_int_equal(e->ops->open(&e->c, S.path), 0);
	assert_true(S.offered_twin);
	assert_int_equal(S.offered_minor, VFIO_USER_MINOR);
	/* the subset it stated, the defaults for the rest */
	assert_true(e->c.info.dirty_tracking);
	assert_int_equal(e->c.info.dirty_pgsize_bitmap, 4096);
	assert_int_equal(e->c.info.pgsize_bitmap, VFIO_USER_DEFAULT_PGSIZES);
	assert_int_equal(e->ops->dma_map(&e->c, DMA_IOVA, e->mem, sizeof(e->mem), -1, 0,
					 VFIO_DMA_READ | VFIO_DMA_WRITE), 0);
	assert_int_equal(e->ops->device_attach(&e->c, "", &e->dev), 0);
	assert_int_equal(e->dev->ops->region_read(e->dev, 0, 0x100, reg, 4), 4);
	assert_true(S.dma_write_ok);
	assert_true(S.dma_read_ok);
	assert_memory_equal(e->mem + 64, "LIBVFIOU", 8);
	assert_int_equal(e->dev->ops->poll_events(e->dev), 0);
	/* RESET makes the scripted server send DMA_READ unprompted and leave */
	assert_int_equal(e->dev->ops->reset(e->dev), 0);
	for (int i = 0; i < 400; i++) {
		rc = e->dev->ops->poll_events(e->dev);
		if (rc != 0)
			break;
		usleep(5000);
	}
	assert_int_equal(rc, -ENOTCONN);
	assert_true(S.poll_dma_ok);
	assert_int_equal(e->dev->ops->poll_events(e->dev), -ENOTCONN);
	assert_int_equal(e->dev->ops->region_read(e->dev, 0, 0, reg, 4), -ENOTCONN);
	stop(e);
}

static void test_libvfio_user_twin_socket(void **state)
{
	(void)state;
	run_libvfio_user_session(TWIN_FD);
}

static void test_libvfio_user_one_socket(void **state)
{
	(void)state;
	run_libvfio_user_session(TWIN_NONE);
}

/* "supported": true without fd_index: the spec has the client give up. */
static void test_twin_without_fd_refused(void **state)
{
	struct env *e = start(TWIN_NO_FD, false);

	(void)state;
	assert_int_equal(e->ops->open(&e->c, S.path), -EPROTO);
	pthread_join(S.thread, NULL);
	close(S.listen_fd);
	unlink(S.path);
	free(e);
}

/* Posted writes to a write_multiple server: gathered into one message,
 * sent before the next command; to other servers, one message each. */
static void test_posted_writes_coalesced(void **state)
{
	(void)state;
	for (int wm = 0; wm < 2; wm++) {
		struct env *e = start(TWIN_NONE, wm);
		uint32_t v = 0x11223344;
		uint8_t reg[4];

		assert_int_equal(e->ops->open(&e->c, S.path), 0);
		assert_true(S.offered_write_multiple);
		assert_int_equal(e->ops->device_attach(&e->c, "", &e->dev), 0);
		for (int i = 0; i < 5; i++)
			assert_int_equal(e->dev->ops->region_write(e->dev, 0, 4 * (uint64_t)i, &v, 4, true), 4);
		/* not coalesced: more than 8 bytes, or not posted */
		assert_int_equal(e->dev->ops->region_write(e->dev, 0, 0x40, e->mem, 16, true), 16);
		assert_int_equal(e->dev->ops->region_write(e->dev, 0, 0x60, &v, 4, false), 4);
		for (int i = 0; i < 250; i++)
			assert_int_equal(e->dev->ops->region_write(e->dev, 0, 0x80, &v, 2, true), 2);
		assert_int_equal(e->dev->ops->poll_events(e->dev), 0); /* flushes */
		assert_int_equal(e->dev->ops->region_read(e->dev, 0, 0, reg, 4), 4);
		if (wm) {
			/* 5 | 16-byte write | plain write | 200 + 50 */
			assert_int_equal(S.multi_msgs, 3);
			assert_int_equal(S.multi_writes, 255);
			assert_int_equal(S.single_writes, 2);
		} else {
			assert_int_equal(S.multi_msgs, 0);
			assert_int_equal(S.single_writes, 257);
		}
		stop(e);
	}
}

/* The fast path's posted notifications from one thread, the control thread's
 * reads and polls from another: the writes gathered for REGION_WRITE_MULTI
 * are shared state, so every one of them arrives only because the backend
 * serialises the two. */
#define THREAD_POSTS 20000

static void *post_from_thread(void *arg)
{
	struct vfio_device *dev = arg;
	long failures = 0;

	for (uint16_t i = 0; i < THREAD_POSTS; i++)
		if (dev->ops->region_write(dev, 0, 0x80, &i, 2, true) != 2)
			failures++;
	return (void *)failures;
}

static void test_posted_writes_from_another_thread(void **state)
{
	struct env *e = start(TWIN_NONE, true);
	uint8_t reg[4];
	pthread_t th;
	void *failures;

	(void)state;
	assert_int_equal(e->ops->open(&e->c, S.path), 0);
	assert_int_equal(e->ops->device_attach(&e->c, "", &e->dev), 0);
	assert_int_equal(pthread_create(&th, NULL, post_from_thread, e->dev), 0);
	for (int i = 0; i < 500; i++) {
		assert_int_equal(e->dev->ops->region_read(e->dev, 0, 0, reg, 4), 4);
		assert_int_equal(e->dev->ops->poll_events(e->dev), 0);
	}
	pthread_join(th, &failures);
	assert_int_equal((long)failures, 0);
	assert_int_equal(e->dev->ops->poll_events(e->dev), 0); /* flushes the rest */
	assert_int_equal(e->dev->ops->region_read(e->dev, 0, 0, reg, 4), 4);
	assert_int_equal(S.multi_writes + S.single_writes, THREAD_POSTS);
	stop(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_libvfio_user_twin_socket),
		cmocka_unit_test(test_libvfio_user_one_socket),
		cmocka_unit_test(test_twin_without_fd_refused),
		cmocka_unit_test(test_posted_writes_coalesced),
		cmocka_unit_test(test_posted_writes_from_another_thread),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
