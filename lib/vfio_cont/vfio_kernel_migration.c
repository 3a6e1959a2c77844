/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Migration ops of kernel VFIO devices (linux/vfio.h, "VFIO migration v2"):
 * VFIO_DEVICE_FEATURE MIGRATION tells what the device offers;
 * MIG_DEVICE_STATE SET moves the FSM and, on arcs that open a data session
 * (into STOP_COPY, PRE_COPY or RESUMING), returns a data_fd that the state
 * is read from or written to. The fd is kept while the session lasts and
 * closed when the device leaves the saving/resuming states.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "vfio_private.h"

/* Feature numbers and payloads, as in linux/vfio.h (named here so that
 * older headers without them still build). */
#define KMIG_FEATURE_MIGRATION 1
#define KMIG_FEATURE_MIG_DEVICE_STATE 2

struct kmig_state {
	uint32_t device_state;
	int32_t data_fd;
};

static struct vfio_kernel_device *kdev(struct vfio_device *d)
{
	return eal_container_of(d, struct vfio_kernel_device, dev);
}

static int feature_ioctl(struct vfio_kernel_device *kd, uint32_t flags, void *data,
			 size_t len)
{
	union {
		struct vfio_device_feature f;
		uint8_t raw[sizeof(struct vfio_device_feature) + 16];
	} u;

	memset(&u, 0, sizeof(u));
	u.f.argsz = (uint32_t)(sizeof(u.f) + len);
	u.f.flags = flags;
	memcpy(u.f.data, data, len);
	if (ioctl(kd->fd, VFIO_DEVICE_FEATURE, &u) < 0)
		return -errno;
	memcpy(data, u.f.data, len);
	return 0;
}

int vfio_kernel_migration_get_flags(struct vfio_device *d, uint64_t *flags)
{
	uint64_t f = 0;
	int rc = feature_ioctl(kdev(d), VFIO_DEVICE_FEATURE_GET | KMIG_FEATURE_MIGRATION,
			       &f, sizeof(f));

	if (rc < 0) {
		VFIO_LOG(ERR, "%s: the device offers no migration (VFIO_DEVICE_FEATURE_MIGRATION: %s): its vfio-pci variant driver must support VFIO migration v2",
			 d->name, strerror(-rc));
		return rc == -ENOTTY || rc == -EINVAL || rc == -EOPNOTSUPP ? -ENOTSUP : rc;
	}
	*flags = f;
	return 0;
}

int vfio_kernel_migration_get_state(struct vfio_device *d, uint32_t *state)
{
	struct kmig_state st = { .data_fd = -1 };
	int rc = feature_ioctl(kdev(d), VFIO_DEVICE_FEATURE_GET | KMIG_FEATURE_MIG_DEVICE_STATE,
			       &st, sizeof(st));

	if (rc < 0) {
		VFIO_LOG(ERR, "%s: reading the migration state failed: %s", d->name, strerror(-rc));
		return rc == -ENOTTY || rc == -EOPNOTSUPP ? -ENOTSUP : rc;
	}
	*state = st.device_state;
	return 0;
}

static bool has_data_session(uint32_t state)
{
	return state == VFIO_CONT_MIG_STOP_COPY || state == VFIO_CONT_MIG_RESUMING ||
	       state == VFIO_CONT_MIG_PRE_COPY || state == VFIO_CONT_MIG_PRE_COPY_P2P;
}

int vfio_kernel_migration_set_state(struct vfio_device *d, uint32_t state)
{
	struct vfio_kernel_device *kd = kdev(d);
	struct kmig_state st = { .device_state = state, .data_fd = -1 };
	int rc = feature_ioctl(kd, VFIO_DEVICE_FEATURE_SET | KMIG_FEATURE_MIG_DEVICE_STATE,
			       &st, sizeof(st));

	if (rc < 0) {
		VFIO_LOG(ERR, "%s: migration state %" PRIu32 " refused: %s", d->name, state,
			 strerror(-rc));
		return rc == -ENOTTY || rc == -EOPNOTSUPP ? -ENOTSUP : rc;
	}
	/* A new session replaces the old one (PRE_COPY -> STOP_COPY keeps
	 * its fd: the kernel returns none then). */
	if (st.data_fd >= 0 || !has_data_session(state)) {
		if (kd->mig_data_fd >= 0)
			close(kd->mig_data_fd);
		kd->mig_data_fd = st.data_fd >= 0 ? st.data_fd : -1;
	}
	return 0;
}

ssize_t vfio_kernel_migration_data_read(struct vfio_device *d, void *buf, size_t len)
{
	struct vfio_kernel_device *kd = kdev(d);
	size_t done = 0;

	if (kd->mig_data_fd < 0) {
		VFIO_LOG(ERR, "%s: no migration data session: enter STOP_COPY or PRE_COPY first",
			 d->name);
		return -EINVAL;
	}
	while (done < len) {
		ssize_t n = read(kd->mig_data_fd, (uint8_t *)buf + done, len - done);

		if (n == 0)
			break;
		if (n < 0) {
			/* PRE_COPY: no more data for now. */
			if (errno == ENOMSG)
				break;
			if (errno == EINTR)
				continue;
			VFIO_LOG(ERR, "%s: reading migration data failed: %s", d->name,
				 strerror(errno));
			return -errno;
		}
		done += (size_t)n;
	}
	return (ssize_t)done;
}

ssize_t vfio_kernel_migration_data_write(struct vfio_device *d, const void *buf,
					 size_t len)
{
	struct vfio_kernel_device *kd = kdev(d);
	size_t done = 0;

	if (kd->mig_data_fd < 0) {
		VFIO_LOG(ERR, "%s: no migration data session: enter RESUMING first", d->name);
		return -EINVAL;
	}
	while (done < len) {
		ssize_t n = write(kd->mig_data_fd, (const uint8_t *)buf + done, len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			VFIO_LOG(ERR, "%s: writing migration data failed: %s", d->name,
				 strerror(errno));
			return -errno;
		}
		done += (size_t)n;
	}
	return (ssize_t)len;
}
