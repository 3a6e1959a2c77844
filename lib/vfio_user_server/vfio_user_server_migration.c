/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vfio-user server: device migration (QEMU docs/interop/vfio-user.rst,
 * "VFIO_DEVICE_FEATURE_MIGRATION", "VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE",
 * "VFIO_USER_MIG_DATA_READ", "VFIO_USER_MIG_DATA_WRITE"; the FSM of
 * linux/vfio.h enum vfio_device_mig_state).
 *
 * The state machine walks a combination transition one direct arc at a
 * time, choosing the next arc as the kernel's vfio_mig_get_next_state()
 * does for a device without P2P states: shortest path, saving states
 * (STOP_COPY, PRE_COPY) never in the middle. Any arc that fails leaves the
 * device in ERROR, which only DEVICE_RESET leaves.
 *
 * The data stream is built whole when STOP_COPY is entered (a NIC's state
 * is a few KiB) and served in chunks; in RESUMING it is gathered whole and
 * checked (framing, lengths, checksum) before the model's load() sees it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vfio_user_server_private.h"

#define MIG_LOG(lvl, mig, fmt, ...) \
	EAL_LOG(vus_logtype, lvl, "%s: migration: " fmt, (mig)->name, ##__VA_ARGS__)

#define NONE 0xff /* no arc: the transition is refused */

/*
 * next_arc[current][target]: the state to enter next on the way from
 * current to target (states 0..7 as enum vfio_user_mig_state). ERROR and
 * the P2P states are never targets: they are refused before the lookup.
 */
static const uint8_t next_arc[VFIO_USER_MIG_STATE_COUNT][VFIO_USER_MIG_STATE_COUNT] = {
	[VFIO_USER_MIG_STATE_STOP] = {
		[VFIO_USER_MIG_STATE_STOP] = VFIO_USER_MIG_STATE_STOP,
		[VFIO_USER_MIG_STATE_RUNNING] = VFIO_USER_MIG_STATE_RUNNING,
		[VFIO_USER_MIG_STATE_STOP_COPY] = VFIO_USER_MIG_STATE_STOP_COPY,
		[VFIO_USER_MIG_STATE_RESUMING] = VFIO_USER_MIG_STATE_RESUMING,
		[VFIO_USER_MIG_STATE_PRE_COPY] = VFIO_USER_MIG_STATE_RUNNING,
	},
	[VFIO_USER_MIG_STATE_RUNNING] = {
		[VFIO_USER_MIG_STATE_STOP] = VFIO_USER_MIG_STATE_STOP,
		[VFIO_USER_MIG_STATE_RUNNING] = VFIO_USER_MIG_STATE_RUNNING,
		[VFIO_USER_MIG_STATE_STOP_COPY] = VFIO_USER_MIG_STATE_STOP,
		[VFIO_USER_MIG_STATE_RESUMING] = VFIO_USER_MIG_STATE_STOP,
		[VFIO_USER_MIG_STATE_PRE_COPY] = VFIO_USER_MIG_STATE_PRE_COPY,
	},
	[VFIO_USER_MIG_STATE_STOP_COPY] = {
		[VFIO_USER_MIG_STATE_STOP] = VFIO_USER_MIG_STATE_STOP,
		[VFIO_USER_MIG_STATE_RUNNING] = VFIO_USER_MIG_STATE_STOP,
		[VFIO_USER_MIG_STATE_STOP_COPY] = VFIO_USER_MIG_STATE_STOP_COPY,
		[VFIO_USER_MIG_STATE_RESUMING] = VFIO_USER_MIG_STATE_STOP,
		/* spec: "STOP_COPY -> PRE_COPY is explicitly not allowed" */
		[VFIO_USER_MIG_STATE_PRE_COPY] = NONE,
	},
	[VFIO_USER_MIG_STATE_RESUMING] = {
		[VFIO_USER_MIG_STATE_STOP] = VFIO_USER_MIG_STATE_STOP,
		[VFIO_USER_MIG_STATE_RUNNING] = VFIO_USER_MIG_STATE_STOP,
		[VFIO_USER_MIG_STATE_STOP_COPY] = VFIO_USER_MIG_STATE_STOP,
		[VFIO_USER_MIG_STATE_RESUMING] = VFIO_USER_MIG_STATE_RESUMING,
		[VFIO_USER_MIG_STATE_PRE_COPY] = VFIO_USER_MIG_STATE_STOP,
	},
	[VFIO_USER_MIG_STATE_PRE_COPY] = {
		[VFIO_USER_MIG_STATE_STOP] = VFIO_USER_MIG_STATE_RUNNING,
		[VFIO_USER_MIG_STATE_RUNNING] = VFIO_USER_MIG_STATE_RUNNING,
		[VFIO_USER_MIG_STATE_STOP_COPY] = VFIO_USER_MIG_STATE_STOP_COPY,
		[VFIO_USER_MIG_STATE_RESUMING] = VFIO_USER_MIG_STATE_RUNNING,
		[VFIO_USER_MIG_STATE_PRE_COPY] = VFIO_USER_MIG_STATE_PRE_COPY,
	},
};

static const char *state_name(uint32_t s)
{
	static const char *const names[VFIO_USER_MIG_STATE_COUNT] = {
		"ERROR", "STOP", "RUNNING", "STOP_COPY", "RESUMING",
		"RUNNING_P2P", "PRE_COPY", "PRE_COPY_P2P",
	};

	return s < VFIO_USER_MIG_STATE_COUNT ? names[s] : "unknown";
}

uint32_t vus_migration_checksum(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

void vus_migration_init(struct vus_migration *mig, const char *name,
			const struct vus_migration_callbacks *cb, void *priv,
			uint8_t *config, size_t config_size)
{
	memset(mig, 0, sizeof(*mig));
	mig->name = name;
	mig->cb = cb;
	mig->priv = priv;
	mig->config = config;
	mig->config_size = config_size;
	mig->state = VUS_MIGRATION_RUNNING;
}

static void session_end(struct vus_migration *mig)
{
	free(mig->stream);
	mig->stream = NULL;
	mig->stream_len = mig->stream_pos = mig->stream_cap = 0;
}

void vus_migration_reset(struct vus_migration *mig)
{
	bool was_running = mig->state == VUS_MIGRATION_RUNNING;

	session_end(mig);
	mig->state = VUS_MIGRATION_RUNNING;
	if (!was_running && mig->cb != NULL)
		mig->cb->state_change(mig->priv, VUS_MIGRATION_RUNNING);
}

static size_t stream_max(const struct vus_migration *mig)
{
	return sizeof(struct vus_mig_stream_header) + mig->config_size + mig->cb->max_state_size;
}

/* STOP -> STOP_COPY and PRE_COPY -> STOP_COPY: frame the model's state. */
static int stream_save(struct vus_migration *mig)
{
	struct vus_mig_stream_header h = {
		.magic = VUS_MIG_STREAM_MAGIC, .version = VUS_MIG_STREAM_VERSION,
		.header_size = sizeof(h), .config_size = (uint32_t)mig->config_size,
	};
	size_t cap = stream_max(mig);
	uint8_t *buf = calloc(1, cap);
	ssize_t n;

	if (buf == NULL)
		return -ENOMEM;
	memcpy(buf + sizeof(h), mig->config, mig->config_size);
	n = mig->cb->save(mig->priv, buf + sizeof(h) + mig->config_size,
			  mig->cb->max_state_size);
	if (n < 0 || (size_t)n > mig->cb->max_state_size) {
		MIG_LOG(ERR, mig, "the device model could not save its state (%s)",
			n < 0 ? strerror((int)-n) : "more bytes than its max_state_size");
		free(buf);
		return n < 0 ? (int)n : -EOVERFLOW;
	}
	h.state_size = (uint32_t)n;
	h.checksum = vus_migration_checksum(buf + sizeof(h), mig->config_size + (size_t)n);
	memcpy(buf, &h, sizeof(h));
	session_end(mig);
	mig->stream = buf;
	mig->stream_cap = cap;
	mig->stream_len = sizeof(h) + mig->config_size + (size_t)n;
	MIG_LOG(INFO, mig, "device state saved: %zu bytes to read", mig->stream_len);
	return 0;
}

/* RESUMING -> STOP: check what the client wrote, then load it. */
static int stream_load(struct vus_migration *mig)
{
	struct vus_mig_stream_header h;
	const uint8_t *body;
	int rc;

	if (mig->stream_len < sizeof(h)) {
		MIG_LOG(ERR, mig, "the migration stream is truncated: %zu bytes, not even its %zu-byte header; send the whole stream the source produced",
			mig->stream_len, sizeof(h));
		return -EINVAL;
	}
	memcpy(&h, mig->stream, sizeof(h));
	if (h.magic != VUS_MIG_STREAM_MAGIC) {
		MIG_LOG(ERR, mig, "the migration stream does not start with the vfio-user server magic (%#x, want %#x): not a stream of this server",
			h.magic, VUS_MIG_STREAM_MAGIC);
		return -EINVAL;
	}
	if (h.version != VUS_MIG_STREAM_VERSION || h.header_size != sizeof(h)) {
		MIG_LOG(ERR, mig, "migration stream version %u (header %u bytes) is not the version %u (header %zu bytes) this server reads",
			h.version, h.header_size, VUS_MIG_STREAM_VERSION, sizeof(h));
		return -EINVAL;
	}
	if (h.config_size != mig->config_size || h.state_size > mig->cb->max_state_size) {
		MIG_LOG(ERR, mig, "migration stream has a %u-byte config space and %u bytes of device state; this device has %zu and takes at most %zu",
			h.config_size, h.state_size, mig->config_size, mig->cb->max_state_size);
		return -EINVAL;
	}
	if ((size_t)h.config_size + h.state_size != mig->stream_len - sizeof(h)) {
		MIG_LOG(ERR, mig, "the migration stream is %zu bytes but its header announces %zu: %s",
			mig->stream_len, sizeof(h) + h.config_size + h.state_size,
			mig->stream_len < sizeof(h) + h.config_size + h.state_size ?
			"truncated" : "trailing bytes");
		return -EINVAL;
	}
	body = mig->stream + sizeof(h);
	if (vus_migration_checksum(body, mig->stream_len - sizeof(h)) != h.checksum) {
		MIG_LOG(ERR, mig, "the migration stream is corrupt (checksum mismatch): it was altered on its way from the source");
		return -EINVAL;
	}
	rc = mig->cb->load(mig->priv, body + h.config_size, h.state_size);
	if (rc < 0) {
		MIG_LOG(ERR, mig, "the device model refused the migrated state: %s", strerror(-rc));
		return rc;
	}
	memcpy(mig->config, body, h.config_size);
	MIG_LOG(INFO, mig, "device state loaded (%zu bytes)", mig->stream_len);
	return 0;
}

/* One direct arc from mig->state to @p next. */
static int take_arc(struct vus_migration *mig, uint32_t next)
{
	uint32_t cur = mig->state;
	int rc = 0;

	if (cur == VUS_MIGRATION_RESUMING && next == VUS_MIGRATION_STOP)
		rc = stream_load(mig);
	if (rc == 0 && next == VUS_MIGRATION_RESUMING) {
		session_end(mig);
		mig->stream_cap = stream_max(mig);
		mig->stream = malloc(mig->stream_cap);
		if (mig->stream == NULL)
			rc = -ENOMEM;
	}
	if (rc == 0)
		rc = mig->cb->state_change(mig->priv, (enum vus_migration_state)next);
	/* Saved after the model stopped: nothing moves any more. */
	if (rc == 0 && next == VUS_MIGRATION_STOP_COPY)
		rc = stream_save(mig);
	if (rc == 0 && next == VUS_MIGRATION_PRE_COPY)
		session_end(mig); /* no pre-copy data: all state comes in STOP_COPY */
	if (rc == 0 && (cur == VUS_MIGRATION_STOP_COPY || cur == VUS_MIGRATION_RESUMING ||
			cur == VUS_MIGRATION_PRE_COPY) && next != VUS_MIGRATION_STOP_COPY)
		session_end(mig);
	if (rc < 0) {
		MIG_LOG(ERR, mig, "arc %s -> %s failed (%s): the device is in ERROR until DEVICE_RESET",
			state_name(cur), state_name(next), strerror(-rc));
		session_end(mig);
		mig->state = VUS_MIGRATION_ERROR;
		return rc;
	}
	MIG_LOG(INFO, mig, "%s -> %s", state_name(cur), state_name(next));
	mig->state = (enum vus_migration_state)next;
	return 0;
}

static int set_state(struct vus_migration *mig, uint32_t target)
{
	if (target >= VFIO_USER_MIG_STATE_COUNT || target == VUS_MIGRATION_ERROR ||
	    target == VFIO_USER_MIG_STATE_RUNNING_P2P || target == VFIO_USER_MIG_STATE_PRE_COPY_P2P) {
		MIG_LOG(ERR, mig, "state %u (%s) cannot be asked for: the device offers STOP, RUNNING, STOP_COPY, RESUMING and PRE_COPY",
			target, state_name(target));
		return -EINVAL;
	}
	if (mig->state == VUS_MIGRATION_ERROR) {
		MIG_LOG(ERR, mig, "the device is in ERROR: reset it (DEVICE_RESET) before asking for %s",
			state_name(target));
		return -EINVAL;
	}
	while (mig->state != target) {
		uint8_t next = next_arc[mig->state][target];
		int rc;

		if (next == NONE) {
			MIG_LOG(ERR, mig, "%s -> %s is not a transition of the migration FSM",
				state_name(mig->state), state_name(target));
			return -EINVAL;
		}
		rc = take_arc(mig, next);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int vus_migration_feature(struct vus_migration *mig, struct vfio_user_conn *conn,
			  struct vfio_user_msg *msg,
			  const struct vfio_user_device_feature *req, size_t len)
{
	uint32_t feature = req->flags & VFIO_USER_DEVICE_FEATURE_MASK;
	uint32_t ops = req->flags & ~VFIO_USER_DEVICE_FEATURE_MASK;
	bool get = ops & VFIO_USER_DEVICE_FEATURE_GET, set = ops & VFIO_USER_DEVICE_FEATURE_SET;
	struct vfio_user_device_feature ans = { .argsz = sizeof(ans), .flags = req->flags };
	union {
		struct vfio_user_feature_migration caps;
		struct vfio_user_feature_mig_state st;
	} data;
	struct iovec iov[2] = { { &ans, sizeof(ans) }, { &data, 8 } };
	int rc;

	if (mig->cb == NULL) {
		MIG_LOG(INFO, mig, "DEVICE_FEATURE %u: this device does not support migration", feature);
		return -ENOTSUP;
	}
	if ((get && set) || (!get && !set && !(ops & VFIO_USER_DEVICE_FEATURE_PROBE)) ||
	    (feature == VFIO_USER_FEATURE_MIGRATION && set)) {
		MIG_LOG(ERR, mig, "DEVICE_FEATURE %u flags %#x: MIGRATION takes GET, MIG_DEVICE_STATE GET or SET",
			feature, req->flags);
		return -EINVAL;
	}
	if (ops & VFIO_USER_DEVICE_FEATURE_PROBE)
		return vfio_user_reply(conn, msg, iov, 1, NULL, 0);
	if (get && req->argsz < sizeof(ans) + 8) {
		MIG_LOG(ERR, mig, "DEVICE_FEATURE %u GET with argsz %u: the answer needs %zu bytes",
			feature, req->argsz, sizeof(ans) + 8);
		return -EINVAL;
	}
	if (feature == VFIO_USER_FEATURE_MIGRATION) {
		data.caps.flags = VFIO_USER_MIGRATION_STOP_COPY | VFIO_USER_MIGRATION_PRE_COPY;
	} else if (get) {
		data.st.device_state = mig->state;
		data.st.data_fd = -1;
	} else {
		struct vfio_user_feature_mig_state want;

		if (len < sizeof(*req) + sizeof(want)) {
			MIG_LOG(ERR, mig, "MIG_DEVICE_STATE SET carries %zu bytes, needs %zu",
				len - sizeof(*req), sizeof(want));
			return -EINVAL;
		}
		memcpy(&want, req->data, sizeof(want));
		rc = set_state(mig, want.device_state);
		if (rc < 0)
			return rc;
		data.st.device_state = mig->state;
		data.st.data_fd = -1;
	}
	ans.argsz += 8;
	return vfio_user_reply(conn, msg, iov, 2, NULL, 0);
}

static int data_read(struct vus_migration *mig, struct vfio_user_conn *conn,
		     struct vfio_user_msg *msg, const struct vfio_user_mig_data *req,
		     size_t max_xfer)
{
	struct vfio_user_mig_data ans;
	size_t n;

	if (mig->state != VUS_MIGRATION_STOP_COPY && mig->state != VUS_MIGRATION_PRE_COPY) {
		MIG_LOG(ERR, mig, "MIG_DATA_READ in %s: data is read in STOP_COPY or PRE_COPY only",
			state_name(mig->state));
		return -EINVAL;
	}
	if (req->size > max_xfer || req->argsz < sizeof(*req) + (size_t)req->size) {
		MIG_LOG(ERR, mig, "MIG_DATA_READ of %u bytes (argsz %u): at most %zu bytes a message, argsz at least 8 + size",
			req->size, req->argsz, max_xfer);
		return -EINVAL;
	}
	n = EAL_MIN((size_t)req->size, mig->stream_len - mig->stream_pos);
	ans.argsz = (uint32_t)(sizeof(ans) + n);
	ans.size = (uint32_t)n;
	{
		struct iovec iov[2] = { { &ans, sizeof(ans) },
					{ n ? mig->stream + mig->stream_pos : NULL, n } };

		mig->stream_pos += n;
		return vfio_user_reply(conn, msg, iov, n ? 2 : 1, NULL, 0);
	}
}

static int data_write(struct vus_migration *mig, struct vfio_user_conn *conn,
		      struct vfio_user_msg *msg, const struct vfio_user_mig_data *req,
		      size_t len, size_t max_xfer)
{
	if (mig->state != VUS_MIGRATION_RESUMING) {
		MIG_LOG(ERR, mig, "MIG_DATA_WRITE in %s: data is written in RESUMING only",
			state_name(mig->state));
		return -EINVAL;
	}
	if (req->size > max_xfer || len - sizeof(*req) != req->size) {
		MIG_LOG(ERR, mig, "MIG_DATA_WRITE says %u bytes but carries %zu (at most %zu a message)",
			req->size, len - sizeof(*req), max_xfer);
		return -EINVAL;
	}
	if (req->size > mig->stream_cap - mig->stream_len) {
		MIG_LOG(ERR, mig, "MIG_DATA_WRITE goes past %zu bytes, the largest stream this device takes: not a stream of this device model",
			mig->stream_cap);
		return -EFBIG;
	}
	memcpy(mig->stream + mig->stream_len, req->data, req->size);
	mig->stream_len += req->size;
	return vfio_user_reply(conn, msg, NULL, 0, NULL, 0);
}

int vus_migration_data(struct vus_migration *mig, struct vfio_user_conn *conn,
		       struct vfio_user_msg *msg, const void *payload, size_t len,
		       size_t max_xfer, bool is_write)
{
	const struct vfio_user_mig_data *req = payload;

	if (mig->cb == NULL) {
		MIG_LOG(INFO, mig, "MIG_DATA_%s: this device does not support migration",
			is_write ? "WRITE" : "READ");
		return -ENOTSUP;
	}
	if (len < sizeof(*req)) {
		MIG_LOG(ERR, mig, "MIG_DATA_%s payload of %zu bytes is too short",
			is_write ? "WRITE" : "READ", len);
		return -EINVAL;
	}
	return is_write ? data_write(mig, conn, msg, req, len, max_xfer) :
			  data_read(mig, conn, msg, req, max_xfer);
}
