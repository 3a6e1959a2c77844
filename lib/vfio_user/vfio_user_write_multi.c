/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * REGION_WRITE_MULTI (QEMU docs/interop/vfio-user.rst,
 * "VFIO_USER_REGION_WRITE_MULTI"): several small posted region writes in one
 * message. The client gathers posted writes of up to 8 bytes while nothing
 * else is sent, and sends them as one message; the server applies them in
 * order. Encoding (a batch) and checked decoding live here for both sides.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "vfio_user_internal.h"

const struct vfio_user_write_multi_entry *
vfio_user_write_multi_entries(const struct vfio_user_msg *msg, uint32_t *nb)
{
	size_t len;
	const struct vfio_user_write_multi *wm = vfio_user_msg_payload(msg, &len);
	uint64_t n;

	if (len < sizeof(*wm)) {
		VU_LOG(ERR, "REGION_WRITE_MULTI has %zu payload bytes, the wr_cnt field alone needs 8", len);
		return NULL;
	}
	n = wm->wr_cnt;
	if (n == 0 || n > VFIO_USER_WRITE_MULTI_MAX) {
		VU_LOG(ERR, "REGION_WRITE_MULTI wr_cnt %" PRIu64 " is outside 1..%u", n,
		       VFIO_USER_WRITE_MULTI_MAX);
		return NULL;
	}
	if (len != sizeof(*wm) + n * sizeof(wm->wrs[0])) {
		VU_LOG(ERR, "REGION_WRITE_MULTI wr_cnt %" PRIu64 " needs %zu payload bytes, the message has %zu",
		       n, (size_t)(sizeof(*wm) + n * sizeof(wm->wrs[0])), len);
		return NULL;
	}
	for (uint64_t i = 0; i < n; i++) {
		if (wm->wrs[i].count == 0 || wm->wrs[i].count > VFIO_USER_WRITE_MULTI_DATA) {
			VU_LOG(ERR, "REGION_WRITE_MULTI write %" PRIu64 " has count %u, must be 1..%u",
			       i, wm->wrs[i].count, VFIO_USER_WRITE_MULTI_DATA);
			return NULL;
		}
	}
	*nb = (uint32_t)n;
	return wm->wrs;
}

int vfio_user_write_batch_flush(struct vfio_user_conn *conn,
				struct vfio_user_write_batch *batch)
{
	uint32_t n = batch->nb;
	int rc;

	if (n == 0)
		return 0;
	batch->nb = 0;
	if (n == 1) {
		/* One write gains nothing from the multi format. */
		const struct vfio_user_write_multi_entry *e = &batch->wrs[0];
		struct vfio_user_region_access req = { .offset = e->offset,
			.region = e->region, .count = e->count };
		struct iovec iov[2] = { { &req, sizeof(req) },
					{ (void *)(uintptr_t)e->data, e->count } };

		return vfio_user_requestv(conn, VFIO_USER_REGION_WRITE, VFIO_USER_F_NO_REPLY,
					  iov, 2, NULL, 0, NULL);
	}
	{
		struct vfio_user_write_multi hdr = { .wr_cnt = n };
		struct iovec iov[2] = { { &hdr, sizeof(hdr) },
					{ batch->wrs, n * sizeof(batch->wrs[0]) } };

		rc = vfio_user_requestv(conn, VFIO_USER_REGION_WRITE_MULTI, VFIO_USER_F_NO_REPLY,
					iov, 2, NULL, 0, NULL);
	}
	if (rc < 0)
		VU_LOG(ERR, "%u posted region writes (REGION_WRITE_MULTI) not sent: %s",
		       n, strerror(-rc));
	return rc;
}

int vfio_user_write_batch_add(struct vfio_user_conn *conn,
			      struct vfio_user_write_batch *batch, uint32_t region,
			      uint64_t offset, const void *data, uint32_t count)
{
	struct vfio_user_write_multi_entry *e;
	int rc;

	if (count == 0 || count > VFIO_USER_WRITE_MULTI_DATA) {
		VU_LOG(ERR, "a REGION_WRITE_MULTI write carries 1..%u bytes, not %u: send it as REGION_WRITE",
		       VFIO_USER_WRITE_MULTI_DATA, count);
		return -EINVAL;
	}
	if (batch->nb == VFIO_USER_WRITE_MULTI_MAX) {
		rc = vfio_user_write_batch_flush(conn, batch);
		if (rc < 0)
			return rc;
	}
	e = &batch->wrs[batch->nb++];
	memset(e, 0, sizeof(*e));
	e->offset = offset;
	e->region = region;
	e->count = count;
	memcpy(e->data, data, count);
	return 0;
}
