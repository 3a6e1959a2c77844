/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Migration over vfio-user: the server's state machine and data stream
 * (driven with raw protocol messages, malformed ones included) and the
 * client's device ops (lib/vfio_cont "user" backend) against it. A small
 * device model records every arc it is told and saves/loads a state buffer.
 * Each server runs in its own thread, as in an application.
 */
#include <errno.h>
#include <linux/vfio.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "eal_common.h"
#include "vfio_cont.h"
#include "vfio_user.h"
#include "vfio_user_server_private.h"

#define STATE_MAX 512
#define SMALL_XFER 64 /* the raw client's max_data_xfer_size */

struct model {
	uint8_t state[STATE_MAX];
	size_t state_len;
	enum vus_migration_state arcs[16]; /* states entered, in order */
	unsigned nb_arcs;
	bool running;
	int fail_save;                     /* negative errno to return */
};

struct server {
	struct model m;
	struct vus_server *srv;
	uint8_t config[256];
	char path[64];
	pthread_t thread;
	volatile int stop;
};

static int m_state_change(void *priv, enum vus_migration_state s)
{
	struct model *m = priv;

	if (m->nb_arcs < 16)
		m->arcs[m->nb_arcs++] = s;
	m->running = vus_migration_state_is_running(s);
	return 0;
}

static ssize_t m_save(void *priv, void *buf, size_t cap)
{
	struct model *m = priv;

	if (m->fail_save < 0)
		return m->fail_save;
	assert_true(m->state_len <= cap);
	memcpy(buf, m->state, m->state_len);
	return (ssize_t)m->state_len;
}

/* The model's own format check: its states start with 'M'. */
static int m_load(void *priv, const void *buf, size_t len)
{
	struct model *m = priv;

	if (len == 0 || ((const uint8_t *)buf)[0] != 'M')
		return -EINVAL;
	memcpy(m->state, buf, len);
	m->state_len = len;
	return 0;
}

static const struct vus_migration_callbacks model_migration = {
	.state_change = m_state_change,
	.save = m_save,
	.load = m_load,
	.max_state_size = STATE_MAX,
};

static void *server_thread(void *arg)
{
	struct server *s = arg;

	while (!s->stop)
		vus_server_poll(s->srv, 1);
	return NULL;
}

static struct server *server_start(const char *tag, bool migratable)
{
	struct server *s = calloc(1, sizeof(*s));
	struct vus_device_info info = { .name = tag, .is_pci = true, .has_reset = true,
					.config_size = 256 };

	assert_non_null(s);
	s->config[0] = 0x34;
	s->config[1] = 0x12;
	s->m.running = true;
	s->m.state_len = 100;
	s->m.state[0] = 'M';
	for (unsigned i = 1; i < s->m.state_len; i++)
		s->m.state[i] = (uint8_t)(i * 7);
	info.priv = &s->m;
	info.config_space = s->config;
	info.migration = migratable ? &model_migration : NULL;
	snprintf(s->path, sizeof(s->path), "/tmp/vus-mig-%d-%s.sock", (int)getpid(), tag);
	s->srv = vus_server_create(s->path, &info);
	assert_non_null(s->srv);
	assert_int_equal(pthread_create(&s->thread, NULL, server_thread, s), 0);
	return s;
}

static void server_stop(struct server *s)
{
	s->stop = 1;
	pthread_join(s->thread, NULL);
	vus_server_destroy(s->srv);
	free(s);
}

/* ---------- raw protocol client ---------- */

struct raw {
	struct vfio_user_conn *conn;
	uint8_t reply[1 << 16] __attribute__((aligned(8)));
	size_t reply_len;
};

static void raw_open(struct raw *r, const struct server *s)
{
	struct vfio_user_caps mine, peer;

	r->conn = vfio_user_connect(s->path, 2000);
	assert_non_null(r->conn);
	vfio_user_caps_default(&mine);
	mine.max_data_xfer_size = SMALL_XFER;
	assert_int_equal(vfio_user_version_client(r->conn, &mine, &peer), 0);
}

static int raw_request(struct raw *r, uint16_t cmd, const void *payload, size_t len)
{
	struct vfio_user_msg reply = { .buf = r->reply, .capacity = sizeof(r->reply) };
	uint16_t id;
	int rc = vfio_user_request(r->conn, cmd, 0, payload, len, NULL, 0, &id);

	if (rc < 0)
		return rc;
	rc = vfio_user_wait_reply(r->conn, id, &reply);
	r->reply_len = rc == 0 ? reply.len - sizeof(struct vfio_user_header) : 0;
	vfio_user_msg_release(&reply);
	return rc;
}

static void *raw_payload(struct raw *r)
{
	return r->reply + sizeof(struct vfio_user_header);
}

static int raw_feature(struct raw *r, uint32_t flags, const void *data, size_t len)
{
	uint8_t buf[64] = { 0 };
	struct vfio_user_device_feature *f = (void *)buf;

	f->argsz = (uint32_t)(sizeof(*f) + 8);
	f->flags = flags;
	if (len > 0)
		memcpy(f->data, data, len);
	return raw_request(r, VFIO_USER_DEVICE_FEATURE, buf, sizeof(*f) + len);
}

static int raw_set_state(struct raw *r, uint32_t state)
{
	struct vfio_user_feature_mig_state st = { .device_state = state, .data_fd = -1 };

	return raw_feature(r, VFIO_USER_DEVICE_FEATURE_SET | VFIO_USER_FEATURE_MIG_DEVICE_STATE,
			   &st, sizeof(st));
}

static uint32_t raw_get_state(struct raw *r)
{
	struct vfio_user_feature_mig_state st;

	assert_int_equal(raw_feature(r, VFIO_USER_DEVICE_FEATURE_GET |
				     VFIO_USER_FEATURE_MIG_DEVICE_STATE, NULL, 0), 0);
	assert_int_equal(r->reply_len, 16);
	memcpy(&st, (uint8_t *)raw_payload(r) + 8, sizeof(st));
	assert_int_equal(st.data_fd, -1);
	return st.device_state;
}

/* MIG_DATA_READ of @p size: @return bytes got (data copied to @p out). */
static int raw_read(struct raw *r, uint32_t size, uint32_t argsz, uint8_t *out)
{
	struct vfio_user_mig_data req = { .argsz = argsz, .size = size };
	const struct vfio_user_mig_data *ans;
	int rc = raw_request(r, VFIO_USER_MIG_DATA_READ, &req, sizeof(req));

	if (rc < 0)
		return rc;
	ans = raw_payload(r);
	assert_true(ans->size <= size);
	assert_int_equal(r->reply_len, sizeof(*ans) + ans->size);
	assert_int_equal(ans->argsz, sizeof(*ans) + ans->size);
	memcpy(out, ans->data, ans->size);
	return (int)ans->size;
}

static int raw_write(struct raw *r, const uint8_t *data, uint32_t size, uint32_t claimed)
{
	uint8_t buf[sizeof(struct vfio_user_mig_data) + SMALL_XFER * 2];
	struct vfio_user_mig_data *req = (void *)buf;

	assert_true(size <= SMALL_XFER * 2);
	req->argsz = (uint32_t)sizeof(*req) + claimed;
	req->size = claimed;
	memcpy(req->data, data, size);
	return raw_request(r, VFIO_USER_MIG_DATA_WRITE, buf, sizeof(*req) + size);
}

/* Read the whole stream in chunks of @p chunk. @return its length. */
static size_t raw_read_all(struct raw *r, unsigned chunk, uint8_t *out, size_t cap)
{
	size_t total = 0;

	for (;;) {
		int n = raw_read(r, chunk, (uint32_t)(8 + chunk), out + total);

		assert_true(n >= 0);
		total += (size_t)n;
		assert_true(total <= cap);
		if ((unsigned)n < chunk)
			return total;
	}
}

static void raw_reset(struct raw *r)
{
	assert_int_equal(raw_request(r, VFIO_USER_DEVICE_RESET, NULL, 0), 0);
	assert_int_equal(raw_get_state(r), VUS_MIGRATION_RUNNING);
}

/* ---------- tests ---------- */

static void test_feature_and_invalid_states(void **state)
{
	struct server *s = server_start("fsm", true);
	struct raw r;
	uint64_t flags;

	(void)state;
	raw_open(&r, s);
	assert_int_equal(raw_feature(&r, VFIO_USER_DEVICE_FEATURE_GET | VFIO_USER_FEATURE_MIGRATION,
				     NULL, 0), 0);
	memcpy(&flags, (uint8_t *)raw_payload(&r) + 8, 8);
	assert_int_equal(flags, VFIO_USER_MIGRATION_STOP_COPY | VFIO_USER_MIGRATION_PRE_COPY);
	assert_int_equal(raw_feature(&r, VFIO_USER_DEVICE_FEATURE_PROBE |
				     VFIO_USER_DEVICE_FEATURE_GET | VFIO_USER_FEATURE_MIGRATION,
				     NULL, 0), 0);
	/* MIGRATION cannot be set; GET and SET together mean nothing */
	assert_int_equal(raw_feature(&r, VFIO_USER_DEVICE_FEATURE_SET | VFIO_USER_FEATURE_MIGRATION,
				     &flags, 8), -EINVAL);
	assert_int_equal(raw_feature(&r, VFIO_USER_DEVICE_FEATURE_SET | VFIO_USER_DEVICE_FEATURE_GET |
				     VFIO_USER_FEATURE_MIG_DEVICE_STATE, &flags, 8), -EINVAL);
	/* a GET whose argsz leaves no room for the answer */
	{
		struct vfio_user_device_feature f = { .argsz = sizeof(f),
			.flags = VFIO_USER_DEVICE_FEATURE_GET | VFIO_USER_FEATURE_MIG_DEVICE_STATE };

		assert_int_equal(raw_request(&r, VFIO_USER_DEVICE_FEATURE, &f, sizeof(f)), -EINVAL);
	}
	/* SET without its data */
	assert_int_equal(raw_feature(&r, VFIO_USER_DEVICE_FEATURE_SET |
				     VFIO_USER_FEATURE_MIG_DEVICE_STATE, NULL, 0), -EINVAL);
	assert_int_equal(raw_get_state(&r), VUS_MIGRATION_RUNNING);
	/* ERROR, the P2P states and unknown ones cannot be asked for */
	const uint32_t bad[] = { 0, 5, 7, 8, 0xabcd };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(raw_set_state(&r, bad[i]), -EINVAL);
		assert_int_equal(raw_get_state(&r), VUS_MIGRATION_RUNNING);
	}
	assert_int_equal(s->m.nb_arcs, 0);
	vfio_user_conn_close(r.conn);
	server_stop(s);
}

/* Bring the device from RUNNING to @p st (a valid stream at hand for RESUMING). */
static void go_to(struct raw *r, uint32_t st, const uint8_t *stream, size_t len)
{
	if (st == VUS_MIGRATION_RESUMING) {
		assert_int_equal(raw_set_state(r, VUS_MIGRATION_RESUMING), 0);
		for (size_t off = 0; off < len; off += SMALL_XFER) {
			uint32_t n = (uint32_t)EAL_MIN((size_t)SMALL_XFER, len - off);

			assert_int_equal(raw_write(r, stream + off, n, n), 0);
		}
	} else {
		assert_int_equal(raw_set_state(r, st), 0);
	}
	assert_int_equal(raw_get_state(r), st);
}

static void test_every_arc(void **state)
{
	static const uint32_t states[] = { VUS_MIGRATION_STOP, VUS_MIGRATION_RUNNING,
		VUS_MIGRATION_STOP_COPY, VUS_MIGRATION_RESUMING, VUS_MIGRATION_PRE_COPY };
	struct server *s = server_start("arcs", true);
	uint8_t stream[1024];
	size_t len;
	struct raw r;

	(void)state;
	raw_open(&r, s);
	assert_int_equal(raw_set_state(&r, VUS_MIGRATION_STOP_COPY), 0);
	len = raw_read_all(&r, 32, stream, sizeof(stream));
	raw_reset(&r);
	for (unsigned i = 0; i < 5; i++) {
		for (unsigned j = 0; j < 5; j++) {
			uint32_t from = states[i], to = states[j];
			int want = from == VUS_MIGRATION_STOP_COPY && to == VUS_MIGRATION_PRE_COPY ?
				   -EINVAL : 0;

			raw_reset(&r);
			go_to(&r, from, stream, len);
			s->m.nb_arcs = 0;
			assert_int_equal(raw_set_state(&r, to), want);
			assert_int_equal(raw_get_state(&r), want == 0 ? to : from);
			assert_int_equal(s->m.running, vus_migration_state_is_running(
				(enum vus_migration_state)(want == 0 ? to : from)));
		}
	}
	/* Combination arcs pass through the prescribed states, one call each */
	raw_reset(&r);
	s->m.nb_arcs = 0;
	assert_int_equal(raw_set_state(&r, VUS_MIGRATION_STOP_COPY), 0);
	assert_int_equal(s->m.nb_arcs, 2);
	assert_int_equal(s->m.arcs[0], VUS_MIGRATION_STOP);
	assert_int_equal(s->m.arcs[1], VUS_MIGRATION_STOP_COPY);
	raw_reset(&r);
	assert_int_equal(raw_set_state(&r, VUS_MIGRATION_PRE_COPY), 0);
	s->m.nb_arcs = 0;
	assert_int_equal(raw_set_state(&r, VUS_MIGRATION_STOP), 0);
	assert_int_equal(s->m.nb_arcs, 2); /* saving states never in the middle */
	assert_int_equal(s->m.arcs[0], VUS_MIGRATION_RUNNING);
	assert_int_equal(s->m.arcs[1], VUS_MIGRATION_STOP);
	/* a failing arc leaves ERROR, which only reset leaves */
	raw_reset(&r);
	s->m.fail_save = -EIO;
	assert_int_equal(raw_set_state(&r, VUS_MIGRATION_STOP_COPY), -EIO);
	assert_int_equal(raw_get_state(&r), VUS_MIGRATION_ERROR);
	assert_int_equal(raw_set_state(&r, VUS_MIGRATION_RUNNING), -EINVAL);
	s->m.fail_save = 0;
	raw_reset(&r);
	assert_true(s->m.running);
	vfio_user_conn_close(r.conn);
	server_stop(s);
}

static void test_data_read(void **state)
{
	struct server *s = server_start("read", true);
	struct vus_mig_stream_header h;
	uint8_t stream[1024], buf[SMALL_XFER];
	size_t len;
	struct raw r;

	(void)state;
	raw_open(&r, s);
	/* refused outside the saving states */
	assert_int_equal(raw_read(&r, 8, 16, buf), -EINVAL);
	assert_int_equal(raw_set_state(&r, VUS_MIGRATION_STOP), 0);
	assert_int_equal(raw_read(&r, 8, 16, buf), -EINVAL);
	/* PRE_COPY: this device has no early data, the stream ends at once */
	assert_int_equal(raw_set_state(&r, VUS_MIGRATION_PRE_COPY), 0);
	assert_int_equal(raw_read(&r, 8, 16, buf), 0);
	assert_int_equal(raw_set_state(&r, VUS_MIGRATION_STOP_COPY), 0);
	/* more than the client takes in one message, argsz below 8 + size,
	 * a payload shorter than the struct */
	assert_int_equal(raw_read(&r, SMALL_XFER + 1, 8 + SMALL_XFER + 1, buf), -EINVAL);
	assert_int_equal(raw_read(&r, 16, 16, buf), -EINVAL);
	assert_int_equal(raw_request(&r, VFIO_USER_MIG_DATA_READ, buf, 4), -EINVAL);
	/* 7 bytes at a time until the short read */
	len = raw_read_all(&r, 7, stream, sizeof(stream));
	assert_int_equal(len, sizeof(h) + 256 + s->m.state_len);
	memcpy(&h, stream, sizeof(h));
	assert_int_equal(h.magic, VUS_MIG_STREAM_MAGIC);
	assert_int_equal(h.version, VUS_MIG_STREAM_VERSION);
	assert_int_equal(h.config_size, 256);
	assert_int_equal(h.state_size, s->m.state_len);
	assert_int_equal(h.checksum, vus_migration_checksum(stream + sizeof(h), len - sizeof(h)));
	assert_int_equal(stream[sizeof(h)], 0x34);
	assert_memory_equal(stream + sizeof(h) + 256, s->m.state, s->m.state_len);
	/* past the end: nothing more */
	assert_int_equal(raw_read(&r, 8, 16, buf), 0);
	/* leaving STOP_COPY ends the session: a new one starts from byte 0 */
	assert_int_equal(raw_set_state(&r, VUS_MIGRATION_STOP), 0);
	assert_int_equal(raw_read(&r, 8, 16, buf), -EINVAL);
	assert_int_equal(raw_set_state(&r, VUS_MIGRATION_STOP_COPY), 0);
	assert_int_equal(raw_read(&r, 8, 16, buf), 8);
	assert_memory_equal(buf, stream, 8);
	vfio_user_conn_close(r.conn);
	server_stop(s);
}

/* RESUMING with @p data, then RUNNING: @return the SET's result. */
static int resume_with(struct raw *r, const uint8_t *data, size_t len)
{
	raw_reset(r);
	assert_int_equal(raw_set_state(r, VUS_MIGRATION_RESUMING), 0);
	for (size_t off = 0; off < len; off += SMALL_XFER) {
		uint32_t n = (uint32_t)EAL_MIN((size_t)SMALL_XFER, len - off);

		assert_int_equal(raw_write(r, data + off, n, n), 0);
	}
	return raw_set_state(r, VUS_MIGRATION_RUNNING);
}

static void test_resume_checks(void **state)
{
	struct server *src = server_start("src", true), *dst = server_start("dst", true);
	struct vus_mig_stream_header h;
	uint8_t stream[1024], bad[1024], cfg[4];
	struct raw rs, rd;
	size_t len;

	(void)state;
	raw_open(&rs, src);
	raw_open(&rd, dst);
	/* the source's config space as its client left it */
	{
		uint8_t wbuf[sizeof(struct vfio_user_region_access) + 2];
		struct vfio_user_region_access *a = (void *)wbuf;
		uint16_t cmd = 0x6;

		*a = (struct vfio_user_region_access){ .offset = 4, .region = VUS_PCI_CONFIG_REGION,
						       .count = 2 };
		memcpy(a->data, &cmd, 2);
		assert_int_equal(raw_request(&rs, VFIO_USER_REGION_WRITE, wbuf, sizeof(wbuf)), 0);
	}
	src->m.state[5] = 0xee;
	assert_int_equal(raw_set_state(&rs, VUS_MIGRATION_STOP_COPY), 0);
	len = raw_read_all(&rs, SMALL_XFER, stream, sizeof(stream));
	memcpy(&h, stream, sizeof(h));

	/* writes are refused outside RESUMING */
	assert_int_equal(raw_write(&rd, stream, 8, 8), -EINVAL);
	/* a whole, valid stream: state and config space arrive */
	assert_int_equal(resume_with(&rd, stream, len), 0);
	assert_int_equal(raw_get_state(&rd), VUS_MIGRATION_RUNNING);
	assert_int_equal(dst->m.state_len, src->m.state_len);
	assert_memory_equal(dst->m.state, src->m.state, src->m.state_len);
	{
		struct vfio_user_region_access a = { .offset = 4, .region = VUS_PCI_CONFIG_REGION,
						     .count = 2 };

		assert_int_equal(raw_request(&rd, VFIO_USER_REGION_READ, &a, sizeof(a)), 0);
		memcpy(cfg, ((struct vfio_user_region_access *)raw_payload(&rd))->data, 2);
		assert_int_equal(cfg[0], 0x6);
	}
	/* truncated by one byte, or with one byte too many */
	assert_int_equal(resume_with(&rd, stream, len - 1), -EINVAL);
	assert_int_equal(raw_get_state(&rd), VUS_MIGRATION_ERROR);
	memcpy(bad, stream, len);
	bad[len] = 0;
	assert_int_equal(resume_with(&rd, bad, len + 1), -EINVAL);
	/* nothing at all, a header only */
	assert_int_equal(resume_with(&rd, stream, 0), -EINVAL);
	assert_int_equal(resume_with(&rd, stream, sizeof(h)), -EINVAL);
	/* one bit flipped in the device state: the checksum sees it */
	memcpy(bad, stream, len);
	bad[len - 3] ^= 0x10;
	assert_int_equal(resume_with(&rd, bad, len), -EINVAL);
	/* wrong magic, wrong version, other config size */
	memcpy(bad, stream, len);
	bad[0] ^= 1;
	assert_int_equal(resume_with(&rd, bad, len), -EINVAL);
	memcpy(bad, stream, len);
	((struct vus_mig_stream_header *)(void *)bad)->version = 99;
	assert_int_equal(resume_with(&rd, bad, len), -EINVAL);
	memcpy(bad, stream, len);
	((struct vus_mig_stream_header *)(void *)bad)->config_size = 4096;
	assert_int_equal(resume_with(&rd, bad, len), -EINVAL);
	/* framed right but refused by the model (its own check) */
	memcpy(bad, stream, len);
	bad[sizeof(h) + 256] = 'X';
	((struct vus_mig_stream_header *)(void *)bad)->checksum =
		vus_migration_checksum(bad + sizeof(h), len - sizeof(h));
	assert_int_equal(resume_with(&rd, bad, len), -EINVAL);
	assert_int_equal(raw_get_state(&rd), VUS_MIGRATION_ERROR);
	assert_memory_equal(dst->m.state, src->m.state, src->m.state_len); /* untouched */
	/* malformed writes: size and payload disagree; more than one message
	 * may carry; a stream larger than the device takes */
	raw_reset(&rd);
	assert_int_equal(raw_set_state(&rd, VUS_MIGRATION_RESUMING), 0);
	assert_int_equal(raw_write(&rd, stream, 8, 9), -EINVAL);
	assert_int_equal(raw_write(&rd, stream, 4, 8), -EINVAL);
	assert_int_equal(raw_write(&rd, bad, SMALL_XFER + 1, SMALL_XFER + 1), -EINVAL);
	assert_int_equal(raw_request(&rd, VFIO_USER_MIG_DATA_WRITE, stream, 4), -EINVAL);
	{
		size_t cap = sizeof(h) + 256 + STATE_MAX, sent = 0;
		int rc = 0;

		memset(bad, 'M', sizeof(bad));
		while (sent <= cap && rc == 0) {
			rc = raw_write(&rd, bad, SMALL_XFER, SMALL_XFER);
			sent += SMALL_XFER;
		}
		assert_int_equal(rc, -EFBIG);
		assert_true(sent > cap - SMALL_XFER);
	}
	raw_reset(&rd);
	vfio_user_conn_close(rs.conn);
	vfio_user_conn_close(rd.conn);
	server_stop(src);
	server_stop(dst);
}

static void test_no_migration(void **state)
{
	struct server *s = server_start("nomig", false);
	struct vfio_container c = { .ops = vfio_container_ops_get(EAL_VFIO_USER),
				    .mode = EAL_VFIO_USER };
	struct vfio_device *d;
	uint8_t buf[16];
	uint64_t flags;
	struct raw r;

	(void)state;
	raw_open(&r, s);
	assert_int_equal(raw_feature(&r, VFIO_USER_DEVICE_FEATURE_GET | VFIO_USER_FEATURE_MIGRATION,
				     NULL, 0), -ENOTSUP);
	assert_int_equal(raw_set_state(&r, VUS_MIGRATION_STOP), -ENOTSUP);
	assert_int_equal(raw_read(&r, 8, 16, buf), -ENOTSUP);
	vfio_user_conn_close(r.conn);
	/* the client op says so */
	assert_non_null(c.ops);
	assert_int_equal(c.ops->open(&c, s->path), 0);
	assert_int_equal(c.ops->device_attach(&c, "", &d), 0);
	assert_int_equal(d->ops->migration_get_flags(d, &flags), -ENOTSUP);
	assert_int_equal(d->ops->migration_set_state(d, VFIO_CONT_MIG_STOP), -ENOTSUP);
	c.ops->device_detach(&c, d);
	c.ops->release(&c);
	server_stop(s);
}

static void client_open(struct vfio_container *c, struct vfio_device **d, const struct server *s)
{
	*c = (struct vfio_container){ .ops = vfio_container_ops_get(EAL_VFIO_USER),
				      .mode = EAL_VFIO_USER };
	assert_non_null(c->ops);
	assert_int_equal(c->ops->open(c, s->path), 0);
	assert_int_equal(c->ops->device_attach(c, "", d), 0);
}

static void test_client_ops(void **state)
{
	struct server *src = server_start("csrc", true), *dst = server_start("cdst", true);
	struct vfio_container cs, cd;
	struct vfio_device *ds, *dd;
	uint8_t stream[1024];
	uint64_t flags;
	uint32_t st;
	size_t len = 0;
	ssize_t n;

	(void)state;
	client_open(&cs, &ds, src);
	client_open(&cd, &dd, dst);
	assert_int_equal(ds->ops->migration_get_flags(ds, &flags), 0);
	assert_true(flags & VFIO_CONT_MIGRATION_STOP_COPY);
	assert_int_equal(ds->ops->migration_get_state(ds, &st), 0);
	assert_int_equal(st, VFIO_CONT_MIG_RUNNING);
	/* reading while running is refused by the server */
	assert_int_equal(ds->ops->migration_data_read(ds, stream, 8), -EINVAL);
	assert_int_equal(ds->ops->migration_set_state(ds, VFIO_CONT_MIG_STOP), 0);
	assert_false(src->m.running);
	assert_int_equal(ds->ops->migration_set_state(ds, VFIO_CONT_MIG_STOP_COPY), 0);
	assert_int_equal(ds->ops->migration_set_state(ds, VFIO_CONT_MIG_PRE_COPY), -EINVAL);
	/* small reads until one comes back short */
	do {
		n = ds->ops->migration_data_read(ds, stream + len, 5);
		assert_true(n >= 0);
		len += (size_t)n;
	} while (n == 5);
	assert_int_equal(len, sizeof(struct vus_mig_stream_header) + 256 + src->m.state_len);
	assert_int_equal(ds->ops->migration_data_read(ds, stream, 5), 0);

	dst->m.state[3] = 0;
	src->m.state[3] = 0x77;
	assert_int_equal(dd->ops->migration_set_state(dd, VFIO_CONT_MIG_RESUMING), 0);
	assert_int_equal(dd->ops->migration_get_state(dd, &st), 0);
	assert_int_equal(st, VFIO_CONT_MIG_RESUMING);
	assert_false(dst->m.running);
	assert_int_equal(dd->ops->migration_data_write(dd, stream, 10), 10);
	assert_int_equal(dd->ops->migration_data_write(dd, stream + 10, len - 10),
			 (ssize_t)(len - 10));
	assert_int_equal(dd->ops->migration_set_state(dd, VFIO_CONT_MIG_RUNNING), 0);
	assert_true(dst->m.running);
	/* what the source saved when it stopped, not what it has now */
	assert_int_equal(dst->m.state[3], (uint8_t)(3 * 7));
	assert_memory_equal(dst->m.state + 4, src->m.state + 4, src->m.state_len - 4);
	/* a write outside RESUMING; an invalid state */
	assert_int_equal(dd->ops->migration_data_write(dd, stream, 4), -EINVAL);
	assert_int_equal(dd->ops->migration_set_state(dd, 42), -EINVAL);

	cs.ops->device_detach(&cs, ds);
	cs.ops->release(&cs);
	cd.ops->device_detach(&cd, dd);
	cd.ops->release(&cd);
	server_stop(src);
	server_stop(dst);
}

/* The server refuses DMA of a stopped device (a model bug caught). The
 * test thread polls the server itself here, so it may call vus_dma_*(). */
static void test_no_dma_while_stopped(void **state)
{
	struct server *s = server_start("dma", true);
	struct vfio_user_dma_map map = { .argsz = sizeof(map),
		.flags = VFIO_USER_DMA_MAP_F_READ | VFIO_USER_DMA_MAP_F_WRITE,
		.offset = 0, .address = 0x10000, .size = 4096 };
	struct vfio_user_feature_mig_state st = { .device_state = VUS_MIGRATION_STOP,
						  .data_fd = -1 };
	uint8_t fbuf[sizeof(struct vfio_user_device_feature) + sizeof(st)];
	struct vfio_user_device_feature *f = (void *)fbuf;
	struct vfio_user_msg reply;
	uint32_t word = 0x12345678;
	int memfd = memfd_create("dma", MFD_CLOEXEC);
	struct raw r;
	uint16_t id;

	(void)state;
	assert_true(memfd >= 0);
	assert_int_equal(ftruncate(memfd, 4096), 0);
	raw_open(&r, s);
	assert_int_equal(vfio_user_request(r.conn, VFIO_USER_DMA_MAP, 0, &map, sizeof(map),
					   &memfd, 1, &id), 0);
	reply = (struct vfio_user_msg){ .buf = r.reply, .capacity = sizeof(r.reply) };
	assert_int_equal(vfio_user_wait_reply(r.conn, id, &reply), 0);
	vfio_user_msg_release(&reply);
	s->stop = 1;
	pthread_join(s->thread, NULL);

	assert_int_equal(vus_dma_write(s->srv, 0x10000, &word, 4), 0);
	f->argsz = sizeof(fbuf);
	f->flags = VFIO_USER_DEVICE_FEATURE_SET | VFIO_USER_FEATURE_MIG_DEVICE_STATE;
	memcpy(f->data, &st, sizeof(st));
	assert_int_equal(vfio_user_request(r.conn, VFIO_USER_DEVICE_FEATURE, 0, fbuf, sizeof(fbuf),
					   NULL, 0, &id), 0);
	assert_true(vus_server_poll(s->srv, 1000) > 0);
	reply = (struct vfio_user_msg){ .buf = r.reply, .capacity = sizeof(r.reply) };
	assert_int_equal(vfio_user_wait_reply(r.conn, id, &reply), 0);
	vfio_user_msg_release(&reply);
	assert_int_equal(vus_migration_state(s->srv), VUS_MIGRATION_STOP);
	assert_int_equal(vus_dma_write(s->srv, 0x10000, &word, 4), -EBUSY);
	assert_int_equal(vus_dma_read(s->srv, 0x10000, &word, 4), -EBUSY);
	vfio_user_conn_close(r.conn);
	vus_server_destroy(s->srv);
	free(s);
	close(memfd);
}

static void test_bad_description(void **state)
{
	static const struct vus_migration_callbacks no_load = {
		.state_change = m_state_change, .save = m_save, .max_state_size = 16 };
	uint8_t cfg[256] = { 0 };
	struct vus_device_info info = { .name = "bad", .config_space = cfg, .config_size = 256,
					.migration = &no_load };

	(void)state;
	errno = 0;
	assert_null(vus_server_create("/tmp/vus-mig-bad.sock", &info));
	assert_int_equal(errno, EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_feature_and_invalid_states),
		cmocka_unit_test(test_every_arc),
		cmocka_unit_test(test_data_read),
		cmocka_unit_test(test_resume_checks),
		cmocka_unit_test(test_no_migration),
		cmocka_unit_test(test_client_ops),
		cmocka_unit_test(test_no_dma_while_stopped),
		cmocka_unit_test(test_bad_description),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
