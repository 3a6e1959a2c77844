/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vfio-user server internals shared with its unit tests and fuzz target.
 * Not installed.
 */
#ifndef UPDK_VFIO_USER_SERVER_PRIVATE_H
#define UPDK_VFIO_USER_SERVER_PRIVATE_H

#include "vfio_user.h"
#include "vfio_user_server.h"

/* Page size the server's DMA mappings are aligned to. */
#define VUS_PAGE_SIZE 4096u
/* Largest dirty bitmap (all ranges together) the server agrees to keep. */
#define VUS_MAX_DIRTY_BITMAP_BYTES (256u << 20)
/* Most ranges one DMA_LOGGING_START may list. */
#define VUS_MAX_LOGGING_RANGES 1024u
/* How long the server waits for a client inside one message or reply. */
#define VUS_CONN_TIMEOUT_MS 2000

/*
 * Handle one received command (already framed by the connection) and send
 * its reply. @return 0 (the command may have been refused with an error
 * reply), or a negative errno when the connection should be dropped.
 * Takes the fds it keeps out of msg; the caller releases the rest.
 */
int vus_server_handle_msg(struct vus_server *srv, struct vfio_user_msg *msg);

#endif /* UPDK_VFIO_USER_SERVER_PRIVATE_H */
