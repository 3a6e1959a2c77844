/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/vfio_user: twin socket negotiation and use, vfio_user_poll(), and
 * REGION_WRITE_MULTI encoding (batch) and decoding (validation), over
 * socketpairs. Both ends of the twin tests are the library itself; the
 * wire-level checks against scripted peers are in tests/unit/vfio_user_interop.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "vfio_user.h"

#define HDR sizeof(struct vfio_user_header)

/* ---- REGION_WRITE_MULTI ----------------------------------------------------- */

struct multi_msg {
	struct vfio_user_header h;
	uint64_t wr_cnt;      /* struct vfio_user_write_multi, entries after it */
	struct vfio_user_write_multi_entry e[VFIO_USER_WRITE_MULTI_MAX + 1];
};

static int validate_multi(struct multi_msg *m, uint64_t wr_cnt, unsigned entries, bool reply)
{
	struct vfio_user_msg msg = { .buf = m, .capacity = sizeof(*m) };

	m->h = (struct vfio_user_header){ 1, VFIO_USER_REGION_WRITE_MULTI, 0,
					  reply ? VFIO_USER_F_TYPE_REPLY : 0, 0 };
	m->wr_cnt = wr_cnt;
	m->h.size = (uint32_t)(HDR + sizeof(m->wr_cnt) + entries * sizeof(m->e[0]));
	msg.len = m->h.size;
	return vfio_user_msg_validate(&msg);
}

static void test_write_multi_validate(void **state)
{
	struct multi_msg *m = calloc(1, sizeof(*m));
	struct vfio_user_msg msg = { .buf = m, .capacity = sizeof(*m) };
	uint32_t nb = 0;

	(void)state;
	assert_non_null(m);
	for (unsigned i = 0; i <= VFIO_USER_WRITE_MULTI_MAX; i++)
		m->e[i].count = 4;
	assert_int_equal(validate_multi(m, 3, 3, false), 0);
	msg.len = m->h.size;
	assert_non_null(vfio_user_write_multi_entries(&msg, &nb));
	assert_int_equal(nb, 3);
	assert_int_equal(validate_multi(m, VFIO_USER_WRITE_MULTI_MAX, VFIO_USER_WRITE_MULTI_MAX,
					false), 0);
	/* wr_cnt 0, above the bound, not matching the entries sent */
	assert_int_equal(validate_multi(m, 0, 0, false), -EINVAL);
	assert_int_equal(validate_multi(m, VFIO_USER_WRITE_MULTI_MAX + 1,
					VFIO_USER_WRITE_MULTI_MAX + 1, false), -EINVAL);
	assert_int_equal(validate_multi(m, 3, 2, false), -EINVAL);
	assert_int_equal(validate_multi(m, 2, 3, false), -EINVAL);
	assert_int_equal(validate_multi(m, UINT64_MAX, 3, false), -EINVAL);
	/* an entry of 0 or more than 8 bytes */
	m->e[1].count = 0;
	assert_int_equal(validate_multi(m, 3, 3, false), -EINVAL);
	m->e[1].count = 9;
	assert_int_equal(validate_multi(m, 3, 3, false), -EINVAL);
	m->e[1].count = 8;
	assert_int_equal(validate_multi(m, 3, 3, false), 0);
	/* shorter than wr_cnt itself */
	m->h.size = HDR + 4;
	msg.len = m->h.size;
	assert_int_equal(vfio_user_msg_validate(&msg), -EINVAL);
	/* the reply is wr_cnt only */
	assert_int_equal(validate_multi(m, 3, 0, true), 0);
	m->h.size = HDR + 4;
	msg.len = m->h.size;
	assert_int_equal(vfio_user_msg_validate(&msg), -EINVAL);
	free(m);
}

static void test_write_batch(void **state)
{
	struct vfio_user_write_batch *b = calloc(1, sizeof(*b));
	uint8_t *rx = malloc(1 << 16);
	struct vfio_user_msg msg = { .buf = rx, .capacity = 1 << 16 };
	struct vfio_user_conn *tx, *peer;
	const struct vfio_user_header *h = (const void *)rx;
	int sv[2];

	(void)state;
	assert_non_null(b);
	assert_non_null(rx);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	tx = vfio_user_conn_from_fd(sv[0], 500);
	peer = vfio_user_conn_from_fd(sv[1], 500);
	assert_non_null(tx);
	assert_non_null(peer);

	assert_int_equal(vfio_user_write_batch_add(tx, b, 0, 0, "123456789", 9), -EINVAL);
	assert_int_equal(vfio_user_write_batch_add(tx, b, 0, 0, "x", 0), -EINVAL);
	assert_int_equal(vfio_user_write_batch_flush(tx, b), 0); /* empty: nothing sent */
	for (uint32_t i = 0; i < VFIO_USER_WRITE_MULTI_MAX + 1; i++)
		assert_int_equal(vfio_user_write_batch_add(tx, b, 2, 4 * (uint64_t)i, &i, 4), 0);
	/* the 201st write flushed the full batch */
	assert_int_equal(vfio_user_recv(peer, &msg), 0);
	assert_int_equal(vfio_user_msg_validate(&msg), 0);
	assert_int_equal(h->command, VFIO_USER_REGION_WRITE_MULTI);
	assert_int_equal(h->flags, VFIO_USER_F_NO_REPLY);
	{
		uint32_t nb = 0;
		const struct vfio_user_write_multi_entry *e = vfio_user_write_multi_entries(&msg, &nb);
		uint32_t v;

		assert_non_null(e);
		assert_int_equal(nb, VFIO_USER_WRITE_MULTI_MAX);
		memcpy(&v, e[199].data, 4);
		assert_int_equal(v, 199);
		assert_int_equal(e[199].offset, 4 * 199);
		assert_int_equal(e[199].region, 2);
	}
	/* one left: sent as a plain posted REGION_WRITE */
	assert_int_equal(vfio_user_write_batch_flush(tx, b), 0);
	assert_int_equal(vfio_user_recv(peer, &msg), 0);
	assert_int_equal(vfio_user_msg_validate(&msg), 0);
	assert_int_equal(h->command, VFIO_USER_REGION_WRITE);
	assert_int_equal(h->flags, VFIO_USER_F_NO_REPLY);
	assert_int_equal(((struct vfio_user_region_access *)(void *)(rx + HDR))->count, 4);
	/* two: REGION_WRITE_MULTI of 8 + 2 * 24 bytes */
	assert_int_equal(vfio_user_write_batch_add(tx, b, 0, 8, "ab", 2), 0);
	assert_int_equal(vfio_user_write_batch_add(tx, b, 0, 16, "abcdefgh", 8), 0);
	assert_int_equal(vfio_user_write_batch_flush(tx, b), 0);
	assert_int_equal(vfio_user_recv(peer, &msg), 0);
	assert_int_equal(h->command, VFIO_USER_REGION_WRITE_MULTI);
	assert_int_equal(h->size, HDR + 8 + 2 * 24);
	/* nothing else was sent */
	assert_int_equal(vfio_user_recv(peer, &msg), -ETIMEDOUT);
	vfio_user_conn_close(tx);
	vfio_user_conn_close(peer);
	free(rx);
	free(b);
}

/* ---- twin socket ------------------------------------------------------------- */

struct twin_env {
	struct vfio_user_conn *srv, *cli;
	pthread_t thread;
	int version_rc;
	int dma_rc;
	uint8_t got[8];
	unsigned served;
	uint8_t mem[64];
};

static void *server_version(void *arg)
{
	struct twin_env *t = arg;
	struct vfio_user_caps mine, peer;

	vfio_user_caps_default(&mine);
	mine.max_msg_fds = 8;
	mine.twin_socket = true;
	t->version_rc = vfio_user_version_server(t->srv, &mine, &peer);
	return NULL;
}

/* Client side handler: answer DMA_READ out of t->mem. */
static int client_dma(struct vfio_user_conn *conn, struct vfio_user_msg *msg, void *arg)
{
	struct twin_env *t = arg;
	struct vfio_user_dma_access *a = vfio_user_msg_payload(msg, NULL);
	struct iovec iov[2] = { { a, sizeof(*a) }, { t->mem + a->offset, a->count } };

	t->served++;
	return vfio_user_reply(conn, msg, iov, 2, NULL, 0);
}

static struct twin_env *twin_start(bool client_offers)
{
	struct twin_env *t = calloc(1, sizeof(*t));
	struct vfio_user_caps mine, peer;
	int sv[2];

	assert_non_null(t);
	memcpy(t->mem, "0123456789abcdef", 16);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	t->srv = vfio_user_conn_from_fd(sv[0], 1000);
	t->cli = vfio_user_conn_from_fd(sv[1], 1000);
	assert_non_null(t->srv);
	assert_non_null(t->cli);
	assert_int_equal(pthread_create(&t->thread, NULL, server_version, t), 0);
	vfio_user_caps_default(&mine);
	mine.twin_socket = client_offers;
	assert_int_equal(vfio_user_version_client(t->cli, &mine, &peer), 0);
	pthread_join(t->thread, NULL);
	assert_int_equal(t->version_rc, 0);
	assert_int_equal(peer.twin_socket, client_offers);
	vfio_user_conn_set_handler(t->cli, client_dma, t);
	return t;
}

static void twin_stop(struct twin_env *t)
{
	vfio_user_conn_close(t->cli);
	vfio_user_conn_close(t->srv);
	free(t);
}

/* Server: take one command, DMA_READ 8 bytes at 4 on the command channel,
 * then answer the command. */
static void *server_dma_then_reply(void *arg)
{
	struct twin_env *t = arg;
	uint8_t buf[256], rbuf[256];
	struct vfio_user_msg cmd = { .buf = buf, .capacity = sizeof(buf) };
	struct vfio_user_msg rep = { .buf = rbuf, .capacity = sizeof(rbuf) };
	struct vfio_user_dma_access a = { 4, 8 };
	struct vfio_user_conn *chan = vfio_user_conn_cmd_channel(t->srv);
	uint16_t id;

	t->dma_rc = vfio_user_recv(t->srv, &cmd);
	if (t->dma_rc < 0)
		return NULL;
	t->dma_rc = vfio_user_request(chan, VFIO_USER_DMA_READ, 0, &a, sizeof(a), NULL, 0, &id);
	if (t->dma_rc == 0)
		t->dma_rc = vfio_user_wait_reply(chan, id, &rep);
	if (t->dma_rc == 0)
		memcpy(t->got, rbuf + HDR + sizeof(a), 8);
	vfio_user_reply(t->srv, &cmd, NULL, 0, NULL, 0);
	return NULL;
}

/* The reply the client waits for needs a DMA_READ answered first (the
 * server thread sends it): it must be served inside the wait. */
static void expect_dma_served_in_wait(struct twin_env *t, struct vfio_user_msg *r)
{
	uint16_t id;

	assert_int_equal(pthread_create(&t->thread, NULL, server_dma_then_reply, t), 0);
	assert_int_equal(vfio_user_request(t->cli, VFIO_USER_DEVICE_RESET, 0, NULL, 0, NULL, 0, &id), 0);
	assert_int_equal(vfio_user_wait_reply(t->cli, id, r), 0);
	pthread_join(t->thread, NULL);
	assert_int_equal(t->dma_rc, 0);
	assert_memory_equal(t->got, "456789ab", 8);
}

static void test_twin_negotiated_and_used(void **state)
{
	struct twin_env *t = twin_start(true);
	uint8_t buf[256];
	struct vfio_user_msg r = { .buf = buf, .capacity = sizeof(buf) };
	uint16_t id;

	(void)state;
	assert_true(vfio_user_conn_has_twin(t->srv));
	assert_true(vfio_user_conn_has_twin(t->cli));
	assert_ptr_not_equal(vfio_user_conn_cmd_channel(t->srv), t->srv);
	/* The reply the client waits for needs a DMA_READ answered first:
	 * it arrives on the twin socket and is served inside the wait. */
	expect_dma_served_in_wait(t, &r);
	assert_int_equal(t->served, 1);

	/* A DMA_READ while the client sends nothing: vfio_user_poll() answers
	 * it on the twin socket. */
	{
		struct vfio_user_conn *chan = vfio_user_conn_cmd_channel(t->srv);
		struct vfio_user_dma_access a = { 0, 4 };
		uint8_t rbuf[256];
		struct vfio_user_msg rep = { .buf = rbuf, .capacity = sizeof(rbuf) };

		assert_int_equal(vfio_user_request(chan, VFIO_USER_DMA_READ, 0, &a, sizeof(a), NULL, 0, &id), 0);
		assert_int_equal(vfio_user_poll(t->cli, &r), 1);
		assert_int_equal(vfio_user_wait_reply(chan, id, &rep), 0);
		assert_memory_equal(rbuf + HDR + sizeof(a), "0123", 4);
	}
	/* Nothing pending: 0. The server closes: the poll sees it, the
	 * connection (both sockets) is down from then on. */
	assert_int_equal(vfio_user_poll(t->cli, &r), 0);
	vfio_user_conn_drop(t->srv, -ECONNRESET);
	assert_true(vfio_user_poll(t->cli, &r) < 0);
	assert_false(vfio_user_conn_is_up(t->cli));
	assert_int_equal(vfio_user_poll(t->cli, &r), -ENOTCONN);
	twin_stop(t);
}

/* A client that does not offer the twin socket keeps one socket: server
 * commands travel there and are served while waiting (QEMU, SPDK). */
static void test_twin_not_offered(void **state)
{
	struct twin_env *t = twin_start(false);
	uint8_t buf[256];
	struct vfio_user_msg r = { .buf = buf, .capacity = sizeof(buf) };

	(void)state;
	assert_false(vfio_user_conn_has_twin(t->srv));
	assert_false(vfio_user_conn_has_twin(t->cli));
	assert_ptr_equal(vfio_user_conn_cmd_channel(t->srv), t->srv);
	expect_dma_served_in_wait(t, &r);
	twin_stop(t);
}

/* Client side of a twin reply that does not add up. */
static void test_twin_reply_inconsistent(void **state)
{
	static const char *const replies[] = {
		/* supported without fd_index */
		"{\"capabilities\":{\"twin_socket\":{\"supported\":true}}}",
		/* fd_index beyond the fds sent (one) */
		"{\"capabilities\":{\"twin_socket\":{\"supported\":true,\"fd_index\":3}}}",
	};

	(void)state;
	for (unsigned i = 0; i < 3; i++) {
		struct vfio_user_caps mine, peer;
		struct vfio_user_conn *cli;
		int sv[2], extra[2];
		uint8_t pl[256];
		struct vfio_user_version v = { 0, 2 };
		const char *json = i < 2 ? replies[i] : "{\"capabilities\":{\"twin_socket\":{\"supported\":true,\"fd_index\":0}}}";
		struct vfio_user_conn *raw;

		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, extra), 0);
		cli = vfio_user_conn_from_fd(sv[0], 300);
		raw = vfio_user_conn_from_fd(sv[1], 300);
		memcpy(pl, &v, 4);
		memcpy(pl + 4, json, strlen(json) + 1);
		/* the reply is there before the command: id 1 is the first */
		assert_int_equal(vfio_user_send(raw, 1, VFIO_USER_VERSION, VFIO_USER_F_TYPE_REPLY, 0,
						&(struct iovec){ pl, 4 + strlen(json) + 1 }, 1,
						&extra[1], 1), 0);
		vfio_user_caps_default(&mine);
		/* the third: a twin the client never offered is ignored */
		mine.twin_socket = i < 2;
		if (i < 2) {
			assert_int_equal(vfio_user_version_client(cli, &mine, &peer), -EPROTO);
			assert_false(vfio_user_conn_is_up(cli));
		} else {
			assert_int_equal(vfio_user_version_client(cli, &mine, &peer), 0);
			assert_false(vfio_user_conn_has_twin(cli));
			assert_true(vfio_user_conn_is_up(cli));
		}
		vfio_user_conn_close(cli);
		vfio_user_conn_close(raw);
		close(extra[0]);
		close(extra[1]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_multi_validate),
		cmocka_unit_test(test_write_batch),
		cmocka_unit_test(test_twin_negotiated_and_used),
		cmocka_unit_test(test_twin_not_offered),
		cmocka_unit_test(test_twin_reply_inconsistent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
