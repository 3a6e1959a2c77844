/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * REGION_WRITE_MULTI (QEMU docs/interop/vfio-user.rst,
 * "VFIO_USER_REGION_WRITE_MULTI"): a client that read write_multiple in our
 * VERSION reply (QEMU does) may send several posted region writes as one
 * message. Each write goes through the same checks and callbacks as a
 * REGION_WRITE, in order; the first one refused stops the rest.
 */
#include <errno.h>

#include "eal_log.h"
#include "vfio_user_server_private.h"

int vus_write_multi_apply(struct vus_server *srv, const struct vfio_user_msg *msg,
			  uint64_t *done)
{
	const struct vfio_user_write_multi_entry *wrs;
	uint32_t nb = 0;

	*done = 0;
	wrs = vfio_user_write_multi_entries(msg, &nb);
	if (wrs == NULL)
		return -EINVAL;
	for (uint32_t i = 0; i < nb; i++) {
		int rc = vus_region_write(srv, "REGION_WRITE_MULTI", wrs[i].region,
					  wrs[i].offset, wrs[i].data, wrs[i].count);

		if (rc < 0)
			return rc; /* the writes before it stay done, as posted writes would */
		(*done)++;
	}
	return 0;
}
