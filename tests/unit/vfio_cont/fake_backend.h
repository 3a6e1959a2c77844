/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A test-only container backend. It behaves like the kernel's type1 where
 * the common layer can tell: it refuses overlapping maps (EEXIST), unmaps
 * only whole mappings (EINVAL otherwise), checks the IOVA ranges it was
 * given, and can set its address space up at open or at the first attach.
 * It records what is mapped, so tests compare that with the segments.
 */
#ifndef FAKE_BACKEND_H
#define FAKE_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vfio_private.h"

#define FAKE_MAX_MAPS 256

struct fake_map {
	uint64_t iova;
	uintptr_t vaddr;
	uint64_t len;
	int fd;
	off_t fd_offset;
};

struct fake_backend {
	/* set by the test before open */
	bool ready_at_open;          /* else: at the first device_attach */
	struct vfio_container_info info;
	int fail_open;               /* error open returns (0: none) */
	int fail_map_countdown;      /* >0: that many maps succeed, then one fails */
	int fail_map_error;
	/* what the backend saw */
	struct fake_map maps[FAKE_MAX_MAPS];
	unsigned nb_maps;
	unsigned nb_map_calls;
	unsigned nb_unmap_calls;
	unsigned nb_attach;
	unsigned nb_detach;
	bool released;
	bool dirty_on;
	unsigned nb_dirty_queries;
};

/* The one fake instance the ops below act on. */
extern struct fake_backend fake;
/* maps_by_fd false (kernel-like) and true (vfio-user-like). */
extern const struct vfio_container_ops fake_ops;
extern const struct vfio_container_ops fake_fd_ops;

/* Forget everything; ranges: the whole space, 4 KiB pages. */
void fake_reset(void);
/* Index of the fake mapping that is exactly [iova, iova + len), or -1. */
int fake_find(uint64_t iova, uint64_t len);
/* Bytes of [iova, iova + len) that some fake mapping covers. */
uint64_t fake_covered(uint64_t iova, uint64_t len);

/* Capture the EAL log into a string (free() the result of _end). */
void log_capture_start(void);
char *log_capture_end(void);

#endif /* FAKE_BACKEND_H */
