/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the vfio_cont "user" backend reading whatever a server
 * sends. A server thread accepts the client, answers VERSION properly, then
 * sends the fuzz input as the rest of the byte stream (replies to the
 * client's requests, DMA_READ / DMA_WRITE commands, garbage) and hangs up,
 * while the client runs a fixed series of operations. Any crash, leak,
 * sanitizer report or hang is a bug; errors are expected.
 *
 * The input's first byte picks the server's VERSION capabilities: bit 0
 * write_multiple (the client then coalesces posted writes), bit 1 a twin
 * socket, which gets the first (bits 2-7)/63 of the rest of the input while
 * the main socket gets the remainder.
 *
 * Also feeds the input to the VERSION JSON parser.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "eal_log.h"
#include "vfio_cont.h"
#include "vfio_user.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_MAX_INPUT 65536

static char sock_path[64];
static int listen_fd = -1;

struct feed {
	const uint8_t *data;
	size_t size;
};

static void write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		/* The client may hang up first (that is one of the cases). */
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

/* The VERSION reply with the capabilities @p mode asks for; the twin
 * socket's client end rides along when bit 1 is set. */
static void send_version(int fd, uint8_t mode, int twin_fd)
{
	struct {
		struct vfio_user_header h;
		uint16_t major, minor; /* struct vfio_user_version, JSON after it */
		char json[128];
	} version = { { 1, VFIO_USER_VERSION, 0, VFIO_USER_F_TYPE_REPLY, 0 }, 0, 2, "" };
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	int n = snprintf(version.json, sizeof(version.json), "{\"capabilities\":{%s%s%s}}",
			 (mode & 1) ? "\"write_multiple\":true" : "",
			 (mode & 3) == 3 ? "," : "",
			 (mode & 2) ? "\"twin_socket\":{\"supported\":true,\"fd_index\":0}" : "");

	version.h.size = (uint32_t)(sizeof(version.h) + 4 + (size_t)n + 1);
	iov = (struct iovec){ &version, version.h.size };
	if (twin_fd >= 0) {
		struct cmsghdr *cm;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.b;
		mh.msg_controllen = sizeof(ctl.b);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &twin_fd, sizeof(int));
	}
	if (sendmsg(fd, &mh, MSG_NOSIGNAL) != (ssize_t)version.h.size)
		return; /* the client went away: one of the cases */
}

static void *server(void *arg)
{
	const struct feed *f = arg;
	const uint8_t *data = f->data;
	size_t size = f->size, to_twin = 0;
	uint8_t mode = 0, sink[4096];
	int twin[2] = { -1, -1 };
	int fd = accept(listen_fd, NULL, NULL);

	if (fd < 0)
		return NULL;
	if (size > 0) {
		mode = data[0];
		data++;
		size--;
	}
	if ((mode & 2) && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, twin) == 0)
		to_twin = size * (mode >> 2) / 63;
	send_version(fd, mode, twin[1]);
	if (twin[1] >= 0)
		close(twin[1]);
	if (twin[0] >= 0) {
		write_all(twin[0], data, to_twin);
		shutdown(twin[0], SHUT_WR);
	}
	write_all(fd, data + to_twin, size - to_twin);
	shutdown(fd, SHUT_WR);
	/* keep reading so the client never blocks on a full socket */
	while (read(fd, sink, sizeof(sink)) > 0)
		;
	if (twin[0] >= 0) {
		while (read(twin[0], sink, sizeof(sink)) > 0)
			;
		close(twin[0]);
	}
	close(fd);
	return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(sock_path, sizeof(sock_path), "/tmp/vu-fuzz-%d.sock", (int)getpid());
	listen_fd = vfio_user_listen(sock_path);
	setenv("UPDK_VFIO_USER_TIMEOUT_MS", "50", 1);
	/* Every input provokes error messages: printing them would be most of
	 * the run time. */
	eal_log_set_level("vfio*", EAL_LOG_ERR);
	eal_log_set_stream(fopen("/dev/null", "w"));
	return listen_fd < 0 ? 1 : 0;
}

static void caps_parse_input(const uint8_t *data, size_t size)
{
	struct vfio_user_caps caps;
	char *text = malloc(size + 1);

	if (text == NULL)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	vfio_user_caps_default(&caps);
	vfio_user_caps_parse(text, &caps);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct vfio_container_ops *ops = vfio_container_ops_get(EAL_VFIO_USER);
	struct feed f = { data, size > FUZZ_MAX_INPUT ? FUZZ_MAX_INPUT : size };
	static uint8_t dma_mem[8192];
	struct vfio_container c;
	struct vfio_device *dev = NULL;
	struct vfio_region r;
	struct vfio_cont_irq_info ii;
	uint8_t buf[256];
	uint64_t bitmap[2];
	pthread_t t;

	if (size < 4096)
		caps_parse_input(data, size);
	memset(&c, 0, sizeof(c));
	if (pthread_create(&t, NULL, server, &f) != 0)
		return 0;
	if (ops->open(&c, sock_path) == 0) {
		ops->dma_map(&c, 0x10000, dma_mem, sizeof(dma_mem), -1, 0,
			     VFIO_DMA_READ | VFIO_DMA_WRITE);
		if (ops->device_attach(&c, "", &dev) == 0) {
			dev->ops->region_read(dev, 0, 0, buf, sizeof(buf));
			dev->ops->region_write(dev, 0, 0, buf, 8, true);
			dev->ops->region_write(dev, 0, 8, buf, 4, true);
			dev->ops->poll_events(dev); /* flushes them, serves the twin */
			if (dev->ops->get_region_info(dev, 0, &r) == 0 && r.fd >= 0) {
				void *p = dev->ops->region_mmap(dev, &r, 0, 4096);
				if (p != NULL) /* the fd may be anything: not touched */
					munmap(p, 4096);
			}
			dev->ops->get_irq_info(dev, 0, &ii);
			dev->ops->reset(dev);
		}
		ops->dirty_tracking_start(&c);
		ops->dirty_bitmap_query(&c, 0x10000, sizeof(dma_mem), 4096, bitmap);
		ops->dma_unmap(&c, 0, 0, VFIO_DMA_UNMAP_ALL);
		if (dev != NULL)
			ops->device_detach(&c, dev);
		ops->release(&c);
	}
	pthread_join(t, NULL);
	return 0;
}
