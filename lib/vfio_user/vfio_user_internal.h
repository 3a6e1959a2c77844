/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/vfio_user internals shared by its source files (connection core,
 * twin socket, REGION_WRITE_MULTI). Not installed.
 */
#ifndef UPDK_VFIO_USER_INTERNAL_H
#define UPDK_VFIO_USER_INTERNAL_H

#include <time.h>

#include <json-c/json.h>

#include "eal_log.h"
#include "vfio_user.h"

extern struct eal_log_component vfio_user_logtype;
#define VU_LOG(lvl, ...) EAL_LOG(vfio_user_logtype, lvl, __VA_ARGS__)

/* twin_socket.fd_index of a VERSION "capabilities" object into @p out
 * (unchanged when absent). 0, or -EINVAL (not a small non-negative int). */
int vfio_user_twin_parse_fd_index(json_object *cap, int32_t *out);

/* Server side: a socket pair for the twin channel. *@p twin wraps our end
 * (timeout @p timeout_ms), *@p client_fd is the end to pass to the client
 * (the caller closes it once sent). 0 or a negative errno (logged). */
int vfio_user_twin_create(int timeout_ms, struct vfio_user_conn **twin, int *client_fd);

/* Client side: take the twin socket out of the VERSION reply @p reply
 * (fd number peer->twin_fd_index) and wrap it. The fd taken is set to -1 in
 * reply->fds. 0, or -EPROTO (the server said supported without a valid
 * fd_index: the spec has the client give up), -ENOMEM. */
int vfio_user_twin_adopt(struct vfio_user_msg *reply, const struct vfio_user_caps *peer,
			 int timeout_ms, struct vfio_user_conn **twin);

/* Serve the commands arriving on @p twin (its handler answers them there)
 * until @p main_fd has something to read or @p deadline passes. @p buf is
 * scratch. 0 (main readable), -ETIMEDOUT, or the twin's error (the twin
 * dropped: the caller drops the main connection too). */
int vfio_user_twin_serve_until(struct vfio_user_conn *twin, int main_fd,
			       struct vfio_user_msg *buf, const struct timespec *deadline);

#endif /* UPDK_VFIO_USER_INTERNAL_H */
