/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: one vfio-user command, as a client would send it, into
 * the server's message handler with the virtio-net model behind it. The
 * input is the whole message (header included); replies are drained from
 * the other end of a socketpair. Build with clang -fsanitize=fuzzer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vfio_user_server_private.h"
#include "virtio_net_dev.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void discard_tx(void *arg, const uint8_t *frame, size_t len)
{
	(void)arg;
	(void)frame;
	(void)len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vus_server *srv;
	static struct vnet_dev *dev;
	static int client_fd = -1;
	struct vfio_user_msg msg = { 0 };
	struct vfio_user_header *hdr;
	char sink[4096];

	if (srv == NULL) {
		struct vnet_params p = { .name = "fuzz", .queue_pairs = 2, .tx = discard_tx };
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0)
			abort();
		dev = vnet_dev_create(&p);
		srv = vus_server_create_connected(sv[0], vnet_dev_info(dev));
		if (dev == NULL || srv == NULL)
			abort();
		vnet_dev_attach(dev, srv);
		client_fd = sv[1];
	}
	if (size < sizeof(*hdr) || size > 65536)
		return 0;
	msg.buf = malloc(size);
	if (msg.buf == NULL)
		return 0;
	memcpy(msg.buf, data, size);
	hdr = msg.buf;
	/* The connection has framed it: size and type are consistent. */
	hdr->size = (uint32_t)size;
	hdr->flags &= VFIO_USER_F_KNOWN & ~VFIO_USER_F_TYPE_MASK;
	msg.len = msg.capacity = size;
	vus_server_handle_msg(srv, &msg);
	vfio_user_msg_release(&msg);
	free(msg.buf);
	while (read(client_fd, sink, sizeof(sink)) > 0)
		;
	vnet_dev_poll(dev);
	return 0;
}
