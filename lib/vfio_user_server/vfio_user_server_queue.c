/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Commands that cross the server's own DMA_READ / DMA_WRITE on one socket.
 *
 * Without a twin socket (QEMU has none) the server sends its DMA command on
 * the main socket and waits there for the reply, while the client may be
 * sending commands of its own (a BAR write, the next DMA_MAP). Those are not
 * errors: they are kept, in order, and handled once the DMA is done, before
 * anything newer is read from the socket. The queue is bounded in messages
 * and bytes; a command beyond the bound is refused with EBUSY (or, posted,
 * dropped) and logged, because a client that floods while the server waits
 * for it is broken.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eal_log.h"
#include "vfio_user_server_private.h"


int vus_cmd_queue_handler(struct vfio_user_conn *conn, struct vfio_user_msg *msg, void *arg)
{
	struct vus_cmd_queue *q = arg;
	const struct vfio_user_header *h = vfio_user_msg_header(msg);
	struct vus_queued_cmd *c;

	if (q->count == VUS_MAX_CROSSING_CMDS ||
	    q->bytes + msg->len > VUS_MAX_CROSSING_BYTES) {
		EAL_LOG(vus_logtype, ERR,
			"%s: client sent more than %u commands (or %u MiB) while the server waited for its own DMA reply: %s (id %u) %s",
			q->name, VUS_MAX_CROSSING_CMDS, VUS_MAX_CROSSING_BYTES >> 20,
			vfio_user_command_name(h->command), h->msg_id,
			(h->flags & VFIO_USER_F_NO_REPLY) ? "is dropped (posted)" : "is refused with EBUSY");
		return vfio_user_reply_error(conn, msg, EBUSY) == -ENOTCONN ? -ENOTCONN : 0;
	}
	c = &q->cmds[(q->head + q->count) % VUS_MAX_CROSSING_CMDS];
	c->buf = malloc(msg->len);
	if (c->buf == NULL) {
		EAL_LOG(vus_logtype, ERR, "%s: no memory to keep a crossing %s: refused", q->name,
			vfio_user_command_name(h->command));
		vfio_user_reply_error(conn, msg, ENOMEM);
		return 0;
	}
	memcpy(c->buf, msg->buf, msg->len);
	c->len = msg->len;
	memcpy(c->fds, msg->fds, msg->nb_fds * sizeof(int));
	c->nb_fds = msg->nb_fds;
	msg->nb_fds = 0; /* the queue owns them now */
	q->count++;
	q->bytes += c->len;
	EAL_LOG(vus_logtype, DEBUG, "%s: %s (id %u) crossed our DMA command: handled after it",
		q->name, vfio_user_command_name(h->command), h->msg_id);
	return 0;
}

bool vus_cmd_queue_pop(struct vus_cmd_queue *q, struct vfio_user_msg *msg)
{
	struct vus_queued_cmd *c;

	if (q->count == 0)
		return false;
	c = &q->cmds[q->head];
	q->head = (q->head + 1) % VUS_MAX_CROSSING_CMDS;
	q->count--;
	q->bytes -= c->len;
	/* msg->capacity is the connection's limit, which admitted c. */
	memcpy(msg->buf, c->buf, c->len);
	msg->len = c->len;
	memcpy(msg->fds, c->fds, c->nb_fds * sizeof(int));
	msg->nb_fds = c->nb_fds;
	free(c->buf);
	c->buf = NULL;
	return true;
}

void vus_cmd_queue_clear(struct vus_cmd_queue *q)
{
	while (q->count > 0) {
		struct vus_queued_cmd *c = &q->cmds[q->head];

		for (unsigned i = 0; i < c->nb_fds; i++)
			close(c->fds[i]);
		free(c->buf);
		c->buf = NULL;
		q->head = (q->head + 1) % VUS_MAX_CROSSING_CMDS;
		q->count--;
	}
	q->head = 0;
	q->bytes = 0;
}
