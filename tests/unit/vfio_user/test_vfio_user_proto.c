/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/vfio_user over a socketpair: framing, fds, validation of every command,
 * reply matching, timeouts, VERSION negotiation. The "peer" end is driven
 * with raw writes so that malformed streams can be produced.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "vfio_user.h"

#define HDR sizeof(struct vfio_user_header)

struct pair {
	struct vfio_user_conn *conn;
	int peer;       /* raw end */
	struct vfio_user_msg msg;
	uint8_t buf[8192];
};

static int setup(void **state)
{
	struct pair *p = calloc(1, sizeof(*p));
	int sv[2];

	assert_non_null(p);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	p->conn = vfio_user_conn_from_fd(sv[0], 200);
	assert_non_null(p->conn);
	p->peer = sv[1];
	p->msg.buf = p->buf;
	p->msg.capacity = sizeof(p->buf);
	*state = p;
	return 0;
}

static int teardown(void **state)
{
	struct pair *p = *state;

	vfio_user_msg_release(&p->msg);
	vfio_user_conn_close(p->conn);
	if (p->peer >= 0)
		close(p->peer);
	free(p);
	return 0;
}

/* Write a raw message to the peer end: header fields as given (size taken
 * literally when @size is nonzero, else computed), payload, fds. */
static void peer_send(struct pair *p, uint16_t id, uint16_t cmd, uint32_t flags,
		      uint32_t error, uint32_t size, const void *payload, size_t len,
		      const int *fds, unsigned nb_fds)
{
	struct vfio_user_header h = { id, cmd, size ? size : (uint32_t)(HDR + len), flags, error };
	struct iovec iov[2] = { { &h, HDR }, { (void *)(uintptr_t)payload, len } };
	union { char b[CMSG_SPACE(sizeof(int) * 8)]; struct cmsghdr a; } ctl;
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };

	if (nb_fds) {
		mh.msg_control = ctl.b;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nb_fds);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nb_fds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nb_fds);
	}
	assert_int_equal(sendmsg(p->peer, &mh, 0), (ssize_t)(HDR + len));
}

/* Read one message from the peer end (no fds expected). */
static size_t peer_recv(struct pair *p, void *buf, size_t cap)
{
	struct vfio_user_header h;

	assert_int_equal(read(p->peer, &h, HDR), (ssize_t)HDR);
	assert_true(h.size >= HDR && h.size <= cap);
	memcpy(buf, &h, HDR);
	if (h.size > HDR)
		assert_int_equal(read(p->peer, (char *)buf + HDR, h.size - HDR), (ssize_t)(h.size - HDR));
	return h.size;
}

static void test_roundtrip_with_fds(void **state)
{
	struct pair *p = *state;
	int mfd = memfd_create("t", MFD_CLOEXEC);
	char got[6] = { 0 };
	uint8_t rx[256];

	assert_true(mfd >= 0);
	assert_int_equal(write(mfd, "hello", 5), 5);
	peer_send(p, 7, VFIO_USER_DMA_MAP, 0, 0, 0, "abcdefgh", 8, &mfd, 1);
	assert_int_equal(vfio_user_recv(p->conn, &p->msg), 0);
	const struct vfio_user_header *h = vfio_user_msg_header(&p->msg);
	assert_int_equal(h->msg_id, 7);
	assert_int_equal(h->command, VFIO_USER_DMA_MAP);
	assert_int_equal(p->msg.len, HDR + 8);
	assert_memory_equal(vfio_user_msg_payload(&p->msg, NULL), "abcdefgh", 8);
	assert_int_equal(p->msg.nb_fds, 1);
	assert_int_equal(pread(p->msg.fds[0], got, 5, 0), 5);
	assert_string_equal(got, "hello");
	close(mfd);

	/* and the other way, with an iovec in two pieces */
	struct iovec iov[2] = { { "12", 2 }, { "345", 3 } };
	assert_int_equal(vfio_user_send(p->conn, 9, VFIO_USER_REGION_WRITE, 0, 0, iov, 2, NULL, 0), 0);
	assert_int_equal(peer_recv(p, rx, sizeof(rx)), HDR + 5);
	assert_memory_equal(rx + HDR, "12345", 5);
}

static void test_too_many_fds_to_send(void **state)
{
	struct pair *p = *state;
	struct vfio_user_caps mine, peer;
	int fds[2] = { 0, 1 };

	vfio_user_caps_default(&mine);
	vfio_user_caps_default(&peer); /* peer takes 1 fd */
	vfio_user_conn_set_limits(p->conn, &mine, &peer);
	assert_int_equal(vfio_user_send(p->conn, 1, VFIO_USER_DEVICE_SET_IRQS, 0, 0, NULL, 0, fds, 2),
			 -E2BIG);
	assert_true(vfio_user_conn_is_up(p->conn));
}

static void test_too_many_fds_received(void **state)
{
	struct pair *p = *state;
	struct vfio_user_caps mine, peer;
	int fds[3] = { 0, 1, 2 };

	vfio_user_caps_default(&mine); /* we take 1 */
	vfio_user_caps_default(&peer);
	vfio_user_conn_set_limits(p->conn, &mine, &peer);
	peer_send(p, 1, VFIO_USER_DEVICE_RESET, 0, 0, 0, NULL, 0, fds, 3);
	assert_int_equal(vfio_user_recv(p->conn, &p->msg), -E2BIG);
	assert_int_equal(p->msg.nb_fds, 0);
	assert_true(vfio_user_conn_is_up(p->conn));
	peer_send(p, 2, VFIO_USER_DEVICE_RESET, 0, 0, 0, NULL, 0, NULL, 0);
	assert_int_equal(vfio_user_recv(p->conn, &p->msg), 0);
	assert_int_equal(vfio_user_msg_header(&p->msg)->msg_id, 2);
}

static void test_truncated_then_close(void **state)
{
	struct pair *p = *state;
	struct vfio_user_header h = { 1, VFIO_USER_REGION_READ, HDR + 16, 0, 0 };

	assert_int_equal(write(p->peer, &h, HDR), (ssize_t)HDR);
	assert_int_equal(write(p->peer, "1234", 4), 4);
	close(p->peer);
	p->peer = -1;
	assert_int_equal(vfio_user_recv(p->conn, &p->msg), -ECONNRESET);
	assert_false(vfio_user_conn_is_up(p->conn));
	assert_int_equal(vfio_user_recv(p->conn, &p->msg), -ENOTCONN);
	assert_int_equal(vfio_user_request(p->conn, VFIO_USER_DEVICE_RESET, 0, NULL, 0, NULL, 0, NULL),
			 -ENOTCONN);
}

static void test_half_header_timeout(void **state)
{
	struct pair *p = *state;

	assert_int_equal(write(p->peer, "\x01\x00\x09", 3), 3);
	assert_int_equal(vfio_user_recv(p->conn, &p->msg), -ETIMEDOUT);
	assert_false(vfio_user_conn_is_up(p->conn));
}

static void test_idle_timeout_keeps_connection(void **state)
{
	struct pair *p = *state;

	assert_int_equal(vfio_user_recv(p->conn, &p->msg), -ETIMEDOUT);
	assert_true(vfio_user_conn_is_up(p->conn));
}

static void test_bad_size_field(void **state)
{
	struct pair *p = *state;

	peer_send(p, 1, VFIO_USER_DEVICE_RESET, 0, 0, 8, NULL, 0, NULL, 0);
	assert_int_equal(vfio_user_recv(p->conn, &p->msg), -EPROTO);
	assert_false(vfio_user_conn_is_up(p->conn));
}

static void test_oversize(void **state)
{
	struct pair *p = *state;
	struct vfio_user_caps mine, peer;
	static uint8_t big[6000];

	vfio_user_caps_default(&mine);
	vfio_user_caps_default(&peer);
	mine.max_data_xfer_size = 64; /* limit: 16 + 64 + overhead 4096 */
	vfio_user_conn_set_limits(p->conn, &mine, &peer);
	assert_int_equal(vfio_user_conn_max_msg_size(p->conn), HDR + 64 + VFIO_USER_MSG_OVERHEAD);
	peer_send(p, 1, VFIO_USER_REGION_WRITE, 0, 0, 0, big, sizeof(big), NULL, 0);
	assert_int_equal(vfio_user_recv(p->conn, &p->msg), -EMSGSIZE);
	assert_false(vfio_user_conn_is_up(p->conn));
}

static void test_bad_flags(void **state)
{
	struct pair *p = *state;

	peer_send(p, 1, VFIO_USER_DEVICE_RESET, 3, 0, 0, NULL, 0, NULL, 0);       /* type 3 */
	assert_int_equal(vfio_user_recv(p->conn, &p->msg), -EPROTO);
	peer_send(p, 2, VFIO_USER_DEVICE_RESET, 1u << 9, 0, 0, NULL, 0, NULL, 0); /* unknown bit */
	assert_int_equal(vfio_user_recv(p->conn, &p->msg), -EPROTO);
	assert_true(vfio_user_conn_is_up(p->conn));
	peer_send(p, 3, VFIO_USER_DEVICE_RESET, 0, 0, 0, NULL, 0, NULL, 0);
	assert_int_equal(vfio_user_recv(p->conn, &p->msg), 0);
}

/* Build a message in p->buf for vfio_user_msg_validate(). */
static void craft(struct pair *p, uint16_t cmd, uint32_t flags, const void *payload, size_t len)
{
	struct vfio_user_header h = { 1, cmd, (uint32_t)(HDR + len), flags, 0 };

	memcpy(p->buf, &h, HDR);
	memcpy(p->buf + HDR, payload, len);
	p->msg.len = HDR + len;
}

static void test_validate_every_command(void **state)
{
	struct pair *p = *state;
	uint8_t pl[256];
	static const struct { uint16_t cmd; size_t cmd_min; size_t reply_min; bool argsz; } t[] = {
		{ VFIO_USER_VERSION, 4, 4, false },
		{ VFIO_USER_DMA_MAP, 32, 0, true },
		{ VFIO_USER_DMA_UNMAP, 24, 0, true },
		{ VFIO_USER_DEVICE_GET_INFO, 16, 16, true },
		{ VFIO_USER_DEVICE_GET_REGION_INFO, 32, 32, true },
		{ VFIO_USER_DEVICE_GET_REGION_IO_FDS, 16, 16, true },
		{ VFIO_USER_DEVICE_GET_IRQ_INFO, 16, 16, true },
		{ VFIO_USER_DEVICE_SET_IRQS, 20, 0, true },
		{ VFIO_USER_DEVICE_RESET, 0, 0, false },
		{ VFIO_USER_DEVICE_FEATURE, 8, 8, true },
		{ VFIO_USER_MIG_DATA_READ, 8, 8, true },
		{ VFIO_USER_MIG_DATA_WRITE, 8, 0, true }, /* no reply payload (spec) */
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(pl, 0, sizeof(pl));
		uint32_t argsz = (uint32_t)t[i].cmd_min;
		if (t[i].argsz)
			memcpy(pl, &argsz, 4);
		craft(p, t[i].cmd, 0, pl, t[i].cmd_min);
		assert_int_equal(vfio_user_msg_validate(&p->msg), 0);
		if (t[i].cmd_min > 0) {
			craft(p, t[i].cmd, 0, pl, t[i].cmd_min - 1);
			assert_int_equal(vfio_user_msg_validate(&p->msg), -EINVAL);
		}
		if (t[i].argsz) {
			argsz = (uint32_t)t[i].cmd_min - 1;
			memcpy(pl, &argsz, 4);
			craft(p, t[i].cmd, 0, pl, t[i].cmd_min);
			assert_int_equal(vfio_user_msg_validate(&p->msg), -EINVAL);
		}
		craft(p, t[i].cmd, VFIO_USER_F_TYPE_REPLY, pl, t[i].reply_min);
		assert_int_equal(vfio_user_msg_validate(&p->msg), 0);
		if (t[i].reply_min > 0) {
			craft(p, t[i].cmd, VFIO_USER_F_TYPE_REPLY, pl, t[i].reply_min - 1);
			assert_int_equal(vfio_user_msg_validate(&p->msg), -EINVAL);
		}
		/* an error reply carries nothing; ERROR on a command is wrong */
		craft(p, t[i].cmd, VFIO_USER_F_TYPE_REPLY | VFIO_USER_F_ERROR, pl, 0);
		assert_int_equal(vfio_user_msg_validate(&p->msg), 0);
		craft(p, t[i].cmd, VFIO_USER_F_ERROR, pl, t[i].cmd_min);
		assert_int_equal(vfio_user_msg_validate(&p->msg), -EINVAL);
		assert_string_not_equal(vfio_user_command_name(t[i].cmd), "unknown");
	}
	craft(p, 0, 0, pl, 0);
	assert_int_equal(vfio_user_msg_validate(&p->msg), -ENOSYS);
	craft(p, 19, 0, pl, 0);
	assert_int_equal(vfio_user_msg_validate(&p->msg), -ENOSYS);
	assert_string_equal(vfio_user_command_name(77), "unknown");
}

static void test_validate_data_counts(void **state)
{
	struct pair *p = *state;
	uint8_t pl[64] = { 0 };
	struct vfio_user_region_access ra = { .offset = 0, .region = 0, .count = 4 };
	struct vfio_user_dma_access da = { .offset = 0x1000, .count = 8 };

	/* REGION_WRITE command carries count bytes, its reply none */
	memcpy(pl, &ra, sizeof(ra));
	craft(p, VFIO_USER_REGION_WRITE, 0, pl, 16 + 4);
	assert_int_equal(vfio_user_msg_validate(&p->msg), 0);
	craft(p, VFIO_USER_REGION_WRITE, 0, pl, 16 + 3);
	assert_int_equal(vfio_user_msg_validate(&p->msg), -EINVAL);
	craft(p, VFIO_USER_REGION_WRITE, VFIO_USER_F_TYPE_REPLY, pl, 16);
	assert_int_equal(vfio_user_msg_validate(&p->msg), 0);
	/* REGION_READ: command none, reply count */
	craft(p, VFIO_USER_REGION_READ, 0, pl, 16);
	assert_int_equal(vfio_user_msg_validate(&p->msg), 0);
	craft(p, VFIO_USER_REGION_READ, 0, pl, 20);
	assert_int_equal(vfio_user_msg_validate(&p->msg), -EINVAL);
	craft(p, VFIO_USER_REGION_READ, VFIO_USER_F_TYPE_REPLY, pl, 20);
	assert_int_equal(vfio_user_msg_validate(&p->msg), 0);
	craft(p, VFIO_USER_REGION_READ, VFIO_USER_F_TYPE_REPLY, pl, 16);
	assert_int_equal(vfio_user_msg_validate(&p->msg), -EINVAL);
	/* DMA_WRITE / DMA_READ with 64-bit count */
	memcpy(pl, &da, sizeof(da));
	craft(p, VFIO_USER_DMA_WRITE, 0, pl, 24);
	assert_int_equal(vfio_user_msg_validate(&p->msg), 0);
	craft(p, VFIO_USER_DMA_WRITE, 0, pl, 20); /* QEMU's 4-byte-count layout */
	assert_int_equal(vfio_user_msg_validate(&p->msg), -EINVAL);
	craft(p, VFIO_USER_DMA_READ, VFIO_USER_F_TYPE_REPLY, pl, 24);
	assert_int_equal(vfio_user_msg_validate(&p->msg), 0);
	da.count = 1ull << 40;
	memcpy(pl, &da, sizeof(da));
	craft(p, VFIO_USER_DMA_WRITE, 0, pl, 24);
	assert_int_equal(vfio_user_msg_validate(&p->msg), -EINVAL);
	/* size field that disagrees with the length */
	craft(p, VFIO_USER_DEVICE_RESET, 0, pl, 0);
	p->msg.len = HDR + 4;
	assert_int_equal(vfio_user_msg_validate(&p->msg), -EINVAL);
}

static void test_pipelined_out_of_order(void **state)
{
	struct pair *p = *state;
	uint16_t id[3];
	uint32_t v;

	for (int i = 0; i < 3; i++)
		assert_int_equal(vfio_user_request(p->conn, VFIO_USER_DEVICE_RESET, 0, NULL, 0, NULL, 0,
						   &id[i]), 0);
	assert_true(id[0] != id[1] && id[1] != id[2]);
	/* answers 3, then a stray id nobody awaits (ignored), 1, 2 (an error) */
	v = 3;
	peer_send(p, id[2], VFIO_USER_DEVICE_RESET, VFIO_USER_F_TYPE_REPLY, 0, 0, NULL, 0, NULL, 0);
	peer_send(p, 999, VFIO_USER_DEVICE_RESET, VFIO_USER_F_TYPE_REPLY, 0, 0, NULL, 0, NULL, 0);
	peer_send(p, id[0], VFIO_USER_DEVICE_RESET, VFIO_USER_F_TYPE_REPLY, 0, 0, &v, 4, NULL, 0);
	peer_send(p, id[1], VFIO_USER_DEVICE_RESET, VFIO_USER_F_TYPE_REPLY | VFIO_USER_F_ERROR,
		  EBUSY, 0, NULL, 0, NULL, 0);
	assert_int_equal(vfio_user_wait_reply(p->conn, id[0], &p->msg), 0);
	assert_int_equal(p->msg.len, HDR + 4);
	assert_int_equal(vfio_user_wait_reply(p->conn, id[1], &p->msg), -EBUSY);
	assert_int_equal(vfio_user_wait_reply(p->conn, id[2], &p->msg), 0); /* stashed */
	assert_int_equal(vfio_user_wait_reply(p->conn, id[2], &p->msg), -ENOENT);
	assert_true(vfio_user_conn_is_up(p->conn));
}

static void test_reply_for_wrong_command(void **state)
{
	struct pair *p = *state;
	uint16_t id;

	assert_int_equal(vfio_user_request(p->conn, VFIO_USER_DEVICE_RESET, 0, NULL, 0, NULL, 0, &id), 0);
	peer_send(p, id, VFIO_USER_DMA_MAP, VFIO_USER_F_TYPE_REPLY, 0, 0, NULL, 0, NULL, 0);
	assert_int_equal(vfio_user_wait_reply(p->conn, id, &p->msg), -EPROTO);
}

static void test_reply_timeout_drops(void **state)
{
	struct pair *p = *state;
	uint16_t id;

	assert_int_equal(vfio_user_request(p->conn, VFIO_USER_DEVICE_RESET, 0, NULL, 0, NULL, 0, &id), 0);
	assert_int_equal(vfio_user_wait_reply(p->conn, id, &p->msg), -ETIMEDOUT);
	assert_int_equal(vfio_user_conn_error(p->conn), -ETIMEDOUT);
	assert_int_equal(vfio_user_request(p->conn, VFIO_USER_DEVICE_RESET, 0, NULL, 0, NULL, 0, &id),
			 -ENOTCONN);
}

static void test_no_reply_flag(void **state)
{
	struct pair *p = *state;
	uint8_t rx[64];
	uint16_t id;

	assert_int_equal(vfio_user_request(p->conn, VFIO_USER_REGION_WRITE, VFIO_USER_F_NO_REPLY,
					   "0123456789abcdefXY", 18, NULL, 0, &id), 0);
	peer_recv(p, rx, sizeof(rx));
	assert_true(((struct vfio_user_header *)rx)->flags & VFIO_USER_F_NO_REPLY);
	assert_int_equal(vfio_user_wait_reply(p->conn, id, &p->msg), -ENOENT);
}

static int count_handler(struct vfio_user_conn *conn, struct vfio_user_msg *msg, void *arg)
{
	(*(int *)arg)++;
	return vfio_user_reply(conn, msg, NULL, 0, NULL, 0);
}

static void test_commands_while_waiting(void **state)
{
	struct pair *p = *state;
	uint8_t rx[64];
	uint16_t id;
	int served = 0;

	assert_int_equal(vfio_user_request(p->conn, VFIO_USER_DEVICE_RESET, 0, NULL, 0, NULL, 0, &id), 0);
	peer_recv(p, rx, sizeof(rx));
	/* unknown command without a handler: ENOSYS error reply */
	peer_send(p, 50, 99, 0, 0, 0, NULL, 0, NULL, 0);
	peer_send(p, id, VFIO_USER_DEVICE_RESET, VFIO_USER_F_TYPE_REPLY, 0, 0, NULL, 0, NULL, 0);
	assert_int_equal(vfio_user_wait_reply(p->conn, id, &p->msg), 0);
	peer_recv(p, rx, sizeof(rx));
	struct vfio_user_header *h = (struct vfio_user_header *)rx;
	assert_int_equal(h->msg_id, 50);
	assert_int_equal(h->flags, VFIO_USER_F_TYPE_REPLY | VFIO_USER_F_ERROR);
	assert_int_equal(h->error, ENOSYS);

	vfio_user_conn_set_handler(p->conn, count_handler, &served);
	assert_int_equal(vfio_user_request(p->conn, VFIO_USER_DEVICE_RESET, 0, NULL, 0, NULL, 0, &id), 0);
	peer_send(p, 51, VFIO_USER_DMA_READ, 0, 0, 0, NULL, 0, NULL, 0);
	peer_send(p, id, VFIO_USER_DEVICE_RESET, VFIO_USER_F_TYPE_REPLY, 0, 0, NULL, 0, NULL, 0);
	assert_int_equal(vfio_user_wait_reply(p->conn, id, &p->msg), 0);
	assert_int_equal(served, 1);
}

/* ---- VERSION ------------------------------------------------------------- */

static void peer_version_reply(struct pair *p, uint16_t major, uint16_t minor, const char *json)
{
	uint8_t pl[1024];
	struct vfio_user_version v = { major, minor };
	size_t len = sizeof(v);

	memcpy(pl, &v, sizeof(v));
	if (json != NULL) {
		memcpy(pl + len, json, strlen(json) + 1);
		len += strlen(json) + 1;
	}
	/* the client's first command gets id 1 */
	peer_send(p, 1, VFIO_USER_VERSION, VFIO_USER_F_TYPE_REPLY, 0, 0, pl, len, NULL, 0);
}

static void test_version_client_libvfio_user(void **state)
{
	struct pair *p = *state;
	struct vfio_user_caps mine, peer;
	uint8_t rx[2048];

	vfio_user_caps_default(&mine);
	mine.max_msg_fds = 16;
	peer_version_reply(p, 0, 2, "{\"capabilities\":{\"max_msg_fds\":8,\"max_data_xfer_size\":65536,"
			   "\"migration\":{\"pgsize\":4096,\"max_bitmap_size\":1024},"
			   "\"twin_socket\":{\"supported\":true,\"fd_index\":0}}}");
	assert_int_equal(vfio_user_version_client(p->conn, &mine, &peer), 0);
	assert_int_equal(peer.max_msg_fds, 8);
	assert_int_equal(peer.max_data_xfer_size, 65536);
	assert_int_equal(peer.migration_pgsize, 4096);
	assert_int_equal(peer.migration_max_bitmap_size, 1024);
	assert_true(peer.twin_socket);
	assert_int_equal(peer.pgsizes, VFIO_USER_DEFAULT_PGSIZES); /* not stated */
	/* what the client offered */
	peer_recv(p, rx, sizeof(rx));
	struct vfio_user_version *v = (void *)(rx + HDR);
	struct vfio_user_caps offered;
	vfio_user_caps_default(&offered);
	assert_int_equal(v->major, 0);
	assert_int_equal(v->minor, VFIO_USER_MINOR);
	assert_int_equal(vfio_user_caps_parse(v->data, &offered), 0);
	assert_int_equal(offered.max_msg_fds, 16);
}

static void test_version_client_lower_minor_no_json(void **state)
{
	struct pair *p = *state;
	struct vfio_user_caps mine, peer;

	vfio_user_caps_default(&mine);
	peer_version_reply(p, 0, 0, NULL);
	assert_int_equal(vfio_user_version_client(p->conn, &mine, &peer), 0);
	assert_int_equal(peer.max_msg_fds, VFIO_USER_DEFAULT_MAX_MSG_FDS);
	assert_int_equal(peer.max_data_xfer_size, VFIO_USER_DEFAULT_MAX_DATA_XFER_SIZE);
}

static void test_version_client_refusals(void **state)
{
	struct pair *p = *state;
	struct vfio_user_caps mine, peer;

	vfio_user_caps_default(&mine);
	peer_version_reply(p, 1, 0, NULL);
	assert_int_equal(vfio_user_version_client(p->conn, &mine, &peer), -ENOTSUP);
}

static void test_version_client_malformed_json(void **state)
{
	struct pair *p = *state;
	struct vfio_user_caps mine, peer;

	vfio_user_caps_default(&mine);
	peer_version_reply(p, 0, 2, "{\"capabilities\":{\"max_msg_fds\":");
	assert_int_equal(vfio_user_version_client(p->conn, &mine, &peer), -EINVAL);
}

static void test_version_server_spdk_no_json(void **state)
{
	struct pair *p = *state;
	struct vfio_user_caps mine, peer;
	struct vfio_user_version v = { 0, 1 };
	uint8_t rx[2048];

	vfio_user_caps_default(&mine);
	mine.max_msg_fds = 8;
	peer_send(p, 5, VFIO_USER_VERSION, 0, 0, 0, &v, sizeof(v), NULL, 0);
	assert_int_equal(vfio_user_version_server(p->conn, &mine, &peer), 0);
	assert_int_equal(peer.max_msg_fds, VFIO_USER_DEFAULT_MAX_MSG_FDS);
	peer_recv(p, rx, sizeof(rx));
	struct vfio_user_header *h = (void *)rx;
	struct vfio_user_version *rv = (void *)(rx + HDR);
	assert_int_equal(h->msg_id, 5);
	assert_int_equal(h->flags, VFIO_USER_F_TYPE_REPLY);
	assert_int_equal(rv->minor, 1); /* min(theirs, ours) */
	struct vfio_user_caps told;
	vfio_user_caps_default(&told);
	assert_int_equal(vfio_user_caps_parse(rv->data, &told), 0);
	assert_int_equal(told.max_msg_fds, 8);
}

static void test_version_server_qemu_and_errors(void **state)
{
	struct pair *p = *state;
	struct vfio_user_caps mine, peer;
	const char *qemu = "{\"capabilities\":{\"max_msg_fds\":16,\"max_data_xfer_size\":1048576,"
			   "\"pgsizes\":4096,\"max_dma_maps\":65535,\"write_multiple\":true}}";
	uint8_t pl[512], rx[2048];
	struct vfio_user_version v = { 0, 0 };

	vfio_user_caps_default(&mine);
	memcpy(pl, &v, 4);
	memcpy(pl + 4, qemu, strlen(qemu) + 1);
	peer_send(p, 1, VFIO_USER_VERSION, 0, 0, 0, pl, 4 + strlen(qemu) + 1, NULL, 0);
	assert_int_equal(vfio_user_version_server(p->conn, &mine, &peer), 0);
	assert_int_equal(peer.max_msg_fds, 16);
	assert_true(peer.write_multiple);
	peer_recv(p, rx, sizeof(rx));

	/* malformed JSON and a wrong type: EINVAL error replies */
	const char *bad[] = { "{not json", "[1,2]", "{\"capabilities\":{\"max_msg_fds\":\"8\"}}",
			      "{\"capabilities\":{\"max_data_xfer_size\":-5}}",
			      "{\"capabilities\":{\"migration\":3}}" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(pl + 4, bad[i], strlen(bad[i]) + 1);
		peer_send(p, 2, VFIO_USER_VERSION, 0, 0, 0, pl, 4 + strlen(bad[i]) + 1, NULL, 0);
		assert_int_equal(vfio_user_version_server(p->conn, &mine, &peer), -EINVAL);
		peer_recv(p, rx, sizeof(rx));
		assert_int_equal(((struct vfio_user_header *)rx)->error, EINVAL);
	}
	/* wrong major */
	v.major = 3;
	peer_send(p, 3, VFIO_USER_VERSION, 0, 0, 0, &v, 4, NULL, 0);
	assert_int_equal(vfio_user_version_server(p->conn, &mine, &peer), -ENOTSUP);
	peer_recv(p, rx, sizeof(rx));
	/* not VERSION first */
	peer_send(p, 4, VFIO_USER_DEVICE_RESET, 0, 0, 0, NULL, 0, NULL, 0);
	assert_int_equal(vfio_user_version_server(p->conn, &mine, &peer), -EPROTO);
}

static void test_caps_format_roundtrip(void **state)
{
	struct vfio_user_caps a, b;
	char buf[512];

	(void)state;
	vfio_user_caps_default(&a);
	a.max_msg_fds = 3;
	a.max_data_xfer_size = 12345;
	a.pgsizes = 0xfffffffffffff000ull;
	a.migration_pgsize = 4096;
	a.twin_socket = true;
	a.write_multiple = true;
	assert_true(vfio_user_caps_format(&a, buf, sizeof(buf)) > 0);
	vfio_user_caps_default(&b);
	assert_int_equal(vfio_user_caps_parse(buf, &b), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(vfio_user_caps_format(&a, buf, 10), -ENOSPC);
	assert_int_equal(vfio_user_caps_parse("{}", &b), 0); /* no capabilities: fine */
}

static void test_connect_errors(void **state)
{
	char path[200];

	(void)state;
	assert_null(vfio_user_connect("/nonexistent/dir/sock", 100));
	assert_int_equal(errno, ENOENT);
	memset(path, 'a', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	assert_null(vfio_user_connect(path, 100));
	assert_int_equal(errno, ENAMETOOLONG);
	assert_null(vfio_user_connect("", 100));
	assert_int_equal(errno, EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip_with_fds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_many_fds_to_send, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_many_fds_received, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_then_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_half_header_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_timeout_keeps_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_size_field, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversize, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_validate_every_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_validate_data_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipelined_out_of_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reply_for_wrong_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reply_timeout_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_reply_flag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commands_while_waiting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_client_libvfio_user, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_client_lower_minor_no_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_client_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_client_malformed_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_server_spdk_no_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_server_qemu_and_errors, setup, teardown),
		cmocka_unit_test(test_caps_format_roundtrip),
		cmocka_unit_test(test_connect_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
