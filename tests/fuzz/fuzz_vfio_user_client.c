/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the vfio_cont "user" backend reading whatever a server
 * sends. A server thread accepts the client, answers VERSION properly, then
 * sends the fuzz input as the rest of the byte stream (replies to the
 * client's requests, DMA_READ / DMA_WRITE commands, garbage) and hangs up,
 * while the client runs a fixed series of operations. Any crash, leak,
 * sanitizer report or hang is a bug; errors are expected.
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

static void *server(void *arg)
{
	const struct feed *f = arg;
	struct {
		struct vfio_user_header h;
		struct vfio_user_version v;
	} version = { { 1, VFIO_USER_VERSION, sizeof(version), VFIO_USER_F_TYPE_REPLY, 0 },
		      { 0, 2 } };
	uint8_t sink[4096];
	int fd = accept(listen_fd, NULL, NULL);

	if (fd < 0)
		return NULL;
	write_all(fd, &version, sizeof(version));
	write_all(fd, f->data, f->size);
	shutdown(fd, SHUT_WR);
	/* keep reading so the client never blocks on a full socket */
	while (read(fd, sink, sizeof(sink)) > 0)
		;
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
