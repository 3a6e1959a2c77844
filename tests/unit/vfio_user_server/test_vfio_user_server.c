/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vfio-user server and the virtio-net model, driven by a test client over
 * the protocol library. The server (and the device model) runs in its own
 * thread, as in the application; the test thread is the client/driver.
 */
#include <errno.h>
#include <linux/vfio.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "eal_common.h"
#include "genframe.h"
#include "vfio_user.h"
#include "vfio_user_server.h"
#include "virtio_net_csum.h"
#include "virtio_net_dev.h"

#define MEM_IOVA 0x100000ull
#define MEM_SIZE (1u << 20)
#define PAGE 4096u

struct harness {
	struct vus_server *srv;
	struct vnet_dev *dev;
	struct vfio_user_conn *conn;
	pthread_t thread;
	volatile int stop;
	volatile int inject;          /* frames for the server thread to deliver */
	uint8_t tx_seen[VNET_MAX_FRAME];
	volatile size_t tx_len;
	volatile unsigned tx_count;
	uint8_t *mem;                 /* the "guest" memory, a memfd */
	int memfd;
	uint8_t reply[1 << 16] __attribute__((aligned(8)));
};

static void test_tx(void *arg, const uint8_t *frame, size_t len)
{
	struct harness *h = arg;

	memcpy(h->tx_seen, frame, EAL_MIN(len, sizeof(h->tx_seen)));
	h->tx_len = len;
	__atomic_add_fetch(&h->tx_count, 1, __ATOMIC_RELEASE);
}

static void *server_thread(void *arg)
{
	struct harness *h = arg;

	while (!h->stop) {
		if (vus_server_poll(h->srv, 1) == -ENOTCONN)
			break;
		vnet_dev_poll(h->dev);
		if (__atomic_load_n(&h->inject, __ATOMIC_ACQUIRE) > 0) {
			uint8_t f[GENFRAME_LEN];
			const uint8_t *fp = f;
			uint16_t len = GENFRAME_LEN;
			uint8_t mac[6] = { 2, 0, 0, 0, 0, 9 };

			genframe_build(f, mac, 42);
			if (vnet_dev_rx_burst(h->dev, &fp, &len, 1) == 1)
				__atomic_sub_fetch(&h->inject, 1, __ATOMIC_RELEASE);
		}
	}
	return NULL;
}

static struct harness *harness_start(bool with_mem)
{
	struct harness *h = calloc(1, sizeof(*h));
	struct vnet_params p = { .name = "test-nic", .mac = { 2, 0, 0, 0, 0, 1 },
				 .queue_pairs = 2, .tx = test_tx };
	struct vfio_user_caps mine, peer;
	int sv[2];

	assert_non_null(h);
	p.tx_arg = h;
	h->dev = vnet_dev_create(&p);
	assert_non_null(h->dev);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	h->srv = vus_server_create_connected(sv[0], vnet_dev_info(h->dev));
	assert_non_null(h->srv);
	vnet_dev_attach(h->dev, h->srv);
	assert_int_equal(pthread_create(&h->thread, NULL, server_thread, h), 0);
	h->conn = vfio_user_conn_from_fd(sv[1], 2000);
	assert_non_null(h->conn);
	vfio_user_caps_default(&mine);
	mine.max_msg_fds = 16;
	assert_int_equal(vfio_user_version_client(h->conn, &mine, &peer), 0);
	h->memfd = -1;
	if (with_mem) {
		h->memfd = memfd_create("guest", MFD_CLOEXEC);
		assert_true(h->memfd >= 0);
		assert_int_equal(ftruncate(h->memfd, MEM_SIZE), 0);
		h->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, h->memfd, 0);
		assert_true(h->mem != MAP_FAILED);
	}
	return h;
}

static void harness_stop(struct harness *h)
{
	vfio_user_conn_close(h->conn);
	h->stop = 1;
	pthread_join(h->thread, NULL);
	vus_server_destroy(h->srv);
	vnet_dev_destroy(h->dev);
	if (h->mem != NULL)
		munmap(h->mem, MEM_SIZE);
	if (h->memfd >= 0)
		close(h->memfd);
	free(h);
}

/* One command, its reply in h->reply. @return 0 or the negative errno. */
static int request(struct harness *h, uint16_t cmd, uint32_t flags, const void *payload,
		   size_t len, const int *fds, unsigned nb_fds, size_t *reply_len)
{
	struct vfio_user_msg reply = { .buf = h->reply, .capacity = sizeof(h->reply) };
	uint16_t id;
	int rc = vfio_user_request(h->conn, cmd, flags, payload, len, fds, nb_fds, &id);

	if (rc < 0 || (flags & VFIO_USER_F_NO_REPLY))
		return rc;
	rc = vfio_user_wait_reply(h->conn, id, &reply);
	if (reply_len != NULL)
		*reply_len = reply.len - sizeof(struct vfio_user_header);
	vfio_user_msg_release(&reply);
	return rc;
}

static void *reply_payload(struct harness *h)
{
	return h->reply + sizeof(struct vfio_user_header);
}

static int region_write(struct harness *h, uint32_t region, uint64_t off, const void *data,
			uint32_t count)
{
	uint8_t buf[sizeof(struct vfio_user_region_access) + 64];
	struct vfio_user_region_access *a = (void *)buf;

	a->offset = off;
	a->region = region;
	a->count = count;
	memcpy(a->data, data, count);
	return request(h, VFIO_USER_REGION_WRITE, 0, buf, sizeof(*a) + count, NULL, 0, NULL);
}

static int region_read(struct harness *h, uint32_t region, uint64_t off, void *data,
		       uint32_t count)
{
	struct vfio_user_region_access a = { .offset = off, .region = region, .count = count };
	int rc = request(h, VFIO_USER_REGION_READ, 0, &a, sizeof(a), NULL, 0, NULL);

	if (rc == 0)
		memcpy(data, ((struct vfio_user_region_access *)reply_payload(h))->data, count);
	return rc;
}

static void bar0_w(struct harness *h, uint64_t off, uint64_t v, uint32_t count)
{
	assert_int_equal(region_write(h, 0, off, &v, count), 0);
}

static uint64_t bar0_r(struct harness *h, uint64_t off, uint32_t count)
{
	uint64_t v = 0;

	assert_int_equal(region_read(h, 0, off, &v, count), 0);
	return v;
}

/* ---------- protocol handling ---------- */

static void test_device_and_region_info(void **state)
{
	struct harness *h = harness_start(false);
	struct vfio_user_device_info di = { .argsz = sizeof(di) };
	struct vfio_user_region_info ri = { .argsz = sizeof(ri), .index = 0 };
	struct vfio_user_irq_info ii = { .argsz = sizeof(ii), .index = VUS_PCI_MSIX_IRQ };
	uint16_t ids[2];
	size_t len;

	(void)state;
	assert_int_equal(request(h, VFIO_USER_DEVICE_GET_INFO, 0, &di, sizeof(di), NULL, 0, &len), 0);
	assert_int_equal(len, sizeof(di));
	di = *(struct vfio_user_device_info *)reply_payload(h);
	assert_int_equal(di.num_regions, VUS_PCI_NUM_REGIONS);
	assert_int_equal(di.num_irqs, VUS_PCI_NUM_IRQS);
	assert_true(di.flags & VFIO_DEVICE_FLAGS_PCI);
	assert_true(di.flags & VFIO_DEVICE_FLAGS_RESET);

	assert_int_equal(request(h, VFIO_USER_DEVICE_GET_REGION_INFO, 0, &ri, sizeof(ri), NULL, 0, NULL), 0);
	ri = *(struct vfio_user_region_info *)reply_payload(h);
	assert_int_equal(ri.size, VNET_BAR0_SIZE);
	assert_true(EAL_IS_POWER_OF_2(ri.size));

	ri.index = VUS_PCI_CONFIG_REGION;
	assert_int_equal(request(h, VFIO_USER_DEVICE_GET_REGION_INFO, 0, &ri, sizeof(ri), NULL, 0, NULL), 0);
	assert_int_equal(((struct vfio_user_region_info *)reply_payload(h))->size, 256);

	assert_int_equal(request(h, VFIO_USER_DEVICE_GET_IRQ_INFO, 0, &ii, sizeof(ii), NULL, 0, NULL), 0);
	assert_int_equal(((struct vfio_user_irq_info *)reply_payload(h))->count, 2 * 2 + 1 + 1);

	/* Config space: vendor/device, and BAR sizing reads back the size mask. */
	{
		uint32_t id = 0, all = 0xffffffff, bar = 0;

		assert_int_equal(region_read(h, VUS_PCI_CONFIG_REGION, 0, &id, 4), 0);
		assert_int_equal(id, 0x10411af4);
		assert_int_equal(region_write(h, VUS_PCI_CONFIG_REGION, 0x10, &all, 4), 0);
		assert_int_equal(region_read(h, VUS_PCI_CONFIG_REGION, 0x10, &bar, 4), 0);
		assert_int_equal(bar, (uint32_t)~(VNET_BAR0_SIZE - 1));
		/* the vendor id is read-only */
		assert_int_equal(region_write(h, VUS_PCI_CONFIG_REGION, 0, &all, 4), 0);
		assert_int_equal(region_read(h, VUS_PCI_CONFIG_REGION, 0, &id, 4), 0);
		assert_int_equal(id, 0x10411af4);
	}

	/* Pipelined: two commands in flight, replies collected by id. */
	assert_int_equal(vfio_user_request(h->conn, VFIO_USER_DEVICE_GET_INFO, 0, &di, sizeof(di),
					   NULL, 0, &ids[0]), 0);
	assert_int_equal(vfio_user_request(h->conn, VFIO_USER_DEVICE_RESET, 0, NULL, 0, NULL, 0,
					   &ids[1]), 0);
	{
		struct vfio_user_msg r = { .buf = h->reply, .capacity = sizeof(h->reply) };

		assert_int_equal(vfio_user_wait_reply(h->conn, ids[1], &r), 0);
		assert_int_equal(vfio_user_wait_reply(h->conn, ids[0], &r), 0);
	}
	harness_stop(h);
}

static void test_bad_messages(void **state)
{
	struct harness *h = harness_start(false);
	struct vfio_user_region_info ri = { .argsz = sizeof(ri), .index = 99 };
	struct vfio_user_irq_set is = { .argsz = sizeof(is), .flags = 0xffff, .index = 2 };
	struct vfio_user_dma_map dm = { .argsz = sizeof(dm), .flags = 3, .address = 0x1001,
					.size = 4096 };
	struct vfio_user_dma_unmap du = { .argsz = sizeof(du), .address = 0x1000, .size = 4096 };
	struct vfio_user_device_feature df = { .argsz = sizeof(df), .flags = 99 |
					       VFIO_USER_DEVICE_FEATURE_GET };
	uint8_t big[8];
	uint32_t v = 0;
	int fds[2];

	(void)state;
	assert_int_equal(request(h, VFIO_USER_DEVICE_GET_REGION_INFO, 0, &ri, sizeof(ri), NULL, 0, NULL), -EINVAL);
	ri.index = 0;
	ri.argsz = 4;
	assert_int_equal(request(h, VFIO_USER_DEVICE_GET_REGION_INFO, 0, &ri, sizeof(ri), NULL, 0, NULL), -EINVAL);
	assert_int_equal(request(h, VFIO_USER_DEVICE_SET_IRQS, 0, &is, sizeof(is), NULL, 0, NULL), -EINVAL);
	is.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
	is.start = 5;
	is.count = 0xfffffffe;  /* wraps start + count */
	assert_int_equal(request(h, VFIO_USER_DEVICE_SET_IRQS, 0, &is, sizeof(is), NULL, 0, NULL), -EINVAL);
	assert_int_equal(request(h, VFIO_USER_DMA_MAP, 0, &dm, sizeof(dm), NULL, 0, NULL), -EINVAL);
	dm.address = 0x1000;
	dm.size = UINT64_MAX & ~0xfffull; /* wraps */
	assert_int_equal(request(h, VFIO_USER_DMA_MAP, 0, &dm, sizeof(dm), NULL, 0, NULL), -EINVAL);
	dm.size = 4096;
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(request(h, VFIO_USER_DMA_MAP, 0, &dm, sizeof(dm), fds, 2, NULL), -EINVAL);
	close(fds[0]);
	close(fds[1]);
	assert_int_equal(request(h, VFIO_USER_DMA_UNMAP, 0, &du, sizeof(du), NULL, 0, NULL), -ENOENT);
	assert_int_equal(request(h, VFIO_USER_DEVICE_FEATURE, 0, &df, sizeof(df), NULL, 0, NULL), -ENOTSUP);
	/* region accesses outside the region, or in an absent one */
	assert_int_equal(region_read(h, 0, VNET_BAR0_SIZE - 2, big, 4), -EINVAL);
	assert_int_equal(region_read(h, 0, UINT64_MAX - 1, big, 4), -EINVAL);
	assert_int_equal(region_read(h, 3, 0, big, 4), -EINVAL);
	assert_int_equal(region_read(h, 42, 0, big, 4), -EINVAL);
	/* logging report without start, DMA_READ from the client */
	{
		uint8_t buf[sizeof(struct vfio_user_device_feature) + sizeof(struct vfio_user_dma_logging_report)] = { 0 };
		struct vfio_user_device_feature *f = (void *)buf;

		f->argsz = sizeof(buf);
		f->flags = VFIO_USER_FEATURE_DMA_LOGGING_REPORT | VFIO_USER_DEVICE_FEATURE_GET;
		assert_int_equal(request(h, VFIO_USER_DEVICE_FEATURE, 0, buf, sizeof(buf), NULL, 0, NULL), -EINVAL);
	}
	/* a second VERSION, unknown command numbers */
	{
		struct vfio_user_version ver = { .major = 0, .minor = 2 };

		assert_true(request(h, VFIO_USER_VERSION, 0, &ver, sizeof(ver), NULL, 0, NULL) < 0);
	}
	/* the connection survived every refusal */
	assert_int_equal(region_read(h, VUS_PCI_CONFIG_REGION, 0, &v, 2), 0);
	assert_int_equal(v, 0x1af4);
	harness_stop(h);
}

/* ---------- virtio-net driven like a driver ---------- */

/* Ring layout inside the guest memory. */
#define RXQ_DESC  0x0000
#define RXQ_AVAIL 0x1000
#define RXQ_USED  0x2000
#define TXQ_DESC  0x3000
#define TXQ_AVAIL 0x4000
#define TXQ_USED  0x5000
#define RX_BUF    0x10000
#define TX_BUF    0x20000
#define QSIZE 8

static void setup_queue(struct harness *h, uint16_t q, uint64_t d, uint64_t a, uint64_t u)
{
	bar0_w(h, VNET_CC_Q_SELECT, q, 2);
	bar0_w(h, VNET_CC_Q_SIZE, QSIZE, 2);
	assert_int_equal(bar0_r(h, VNET_CC_Q_SIZE, 2), QSIZE);
	bar0_w(h, VNET_CC_Q_DESCLO, MEM_IOVA + d, 8);
	bar0_w(h, VNET_CC_Q_AVAILLO, MEM_IOVA + a, 4);      /* two halves */
	bar0_w(h, VNET_CC_Q_AVAILLO + 4, (MEM_IOVA + a) >> 32, 4);
	bar0_w(h, VNET_CC_Q_USEDLO, MEM_IOVA + u, 8);
	bar0_w(h, VNET_CC_Q_MSIX, q, 2);
	bar0_w(h, VNET_CC_Q_ENABLE, 1, 2);
	assert_int_equal(bar0_r(h, VNET_CC_Q_ENABLE, 2), 1);
}

static void put_desc(struct harness *h, uint64_t table, unsigned i, uint64_t addr,
		     uint32_t len, uint16_t flags)
{
	uint8_t *d = h->mem + table + 16 * i;

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memset(d + 14, 0, 2);
}

static void avail_push(struct harness *h, uint64_t avail, uint16_t head)
{
	uint16_t *a = (uint16_t *)(void *)(h->mem + avail);
	uint16_t idx = a[1];

	a[2 + idx % QSIZE] = head;
	__atomic_store_n(&a[1], (uint16_t)(idx + 1), __ATOMIC_RELEASE);
}

static uint16_t used_idx(struct harness *h, uint64_t used)
{
	return __atomic_load_n((uint16_t *)(void *)(h->mem + used + 2), __ATOMIC_ACQUIRE);
}

static bool wait_for(volatile uint16_t *p, uint16_t v)
{
	for (int i = 0; i < 2000; i++) {
		if (__atomic_load_n(p, __ATOMIC_ACQUIRE) == v)
			return true;
		usleep(1000);
	}
	return false;
}

static void driver_init(struct harness *h)
{
	struct vfio_user_dma_map dm = { .argsz = sizeof(dm), .flags = 3, .offset = 0,
					.address = MEM_IOVA, .size = MEM_SIZE };
	uint16_t cmd = 0x06; /* memory + bus master */
	uint64_t feats;

	assert_int_equal(request(h, VFIO_USER_DMA_MAP, 0, &dm, sizeof(dm), &h->memfd, 1, NULL), 0);
	assert_int_equal(region_write(h, VUS_PCI_CONFIG_REGION, 4, &cmd, 2), 0);
	bar0_w(h, VNET_CC_STATUS, 0, 1);
	bar0_w(h, VNET_CC_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER, 1);
	bar0_w(h, VNET_CC_DFSELECT, 0, 4);
	feats = bar0_r(h, VNET_CC_DF, 4);
	bar0_w(h, VNET_CC_DFSELECT, 1, 4);
	feats |= bar0_r(h, VNET_CC_DF, 4) << 32;
	assert_true(feats & (1ull << VIRTIO_F_VERSION_1));
	assert_true(feats & (1ull << VIRTIO_F_ACCESS_PLATFORM));
	assert_true(feats & (1ull << VIRTIO_NET_F_MAC));
	assert_true(feats & (1ull << VIRTIO_NET_F_MQ));
	assert_int_equal(bar0_r(h, VNET_CC_NUMQ, 2), 5);
	/* a feature the device does not offer makes FEATURES_OK fail */
	bar0_w(h, VNET_CC_GFSELECT, 0, 4);
	bar0_w(h, VNET_CC_GF, (uint32_t)feats | (1u << 30), 4);
	bar0_w(h, VNET_CC_GFSELECT, 1, 4);
	bar0_w(h, VNET_CC_GF, feats >> 32, 4);
	bar0_w(h, VNET_CC_STATUS, 0x0b, 1);
	assert_int_equal(bar0_r(h, VNET_CC_STATUS, 1) & VIRTIO_STATUS_FEATURES_OK, 0);
	bar0_w(h, VNET_CC_STATUS, 0, 1); /* reset */
	assert_int_equal(bar0_r(h, VNET_CC_STATUS, 1), 0);
	bar0_w(h, VNET_CC_STATUS, 3, 1);
	bar0_w(h, VNET_CC_GFSELECT, 0, 4);
	bar0_w(h, VNET_CC_GF, (uint32_t)feats, 4);
	bar0_w(h, VNET_CC_GFSELECT, 1, 4);
	bar0_w(h, VNET_CC_GF, feats >> 32, 4);
	bar0_w(h, VNET_CC_STATUS, 0x0b, 1);
	assert_int_equal(bar0_r(h, VNET_CC_STATUS, 1), 0x0b);
	/* MAC in the device config */
	assert_int_equal(bar0_r(h, VNET_DEVCFG_OFF, 4), 0x00000002);
	assert_int_equal(bar0_r(h, VNET_DEVCFG_OFF + 4, 2), 0x0100);
	setup_queue(h, 0, RXQ_DESC, RXQ_AVAIL, RXQ_USED);
	setup_queue(h, 1, TXQ_DESC, TXQ_AVAIL, TXQ_USED);
	bar0_w(h, VNET_CC_STATUS, 0x0f, 1);
}

static void test_virtio_rx_tx_dirty(void **state)
{
	struct harness *h = harness_start(true);
	int efd[6];
	uint64_t cnt;

	(void)state;
	driver_init(h);
	/* MSI-X eventfds for all vectors */
	{
		uint8_t buf[sizeof(struct vfio_user_irq_set)];
		struct vfio_user_irq_set *is = (void *)buf;

		for (int i = 0; i < 6; i++) {
			efd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
			assert_true(efd[i] >= 0);
		}
		is->argsz = sizeof(buf);
		is->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
		is->index = VUS_PCI_MSIX_IRQ;
		is->start = 0;
		is->count = 6;
		assert_int_equal(request(h, VFIO_USER_DEVICE_SET_IRQS, 0, buf, sizeof(buf), efd, 6, NULL), 0);
	}
	/* The device writes VRING_USED_F_NO_NOTIFY into a used ring when it
	 * first takes the queue up, in its own thread: the TX queue is taken up
	 * by the poll loop at once, so wait for it, else the dirty log below
	 * may or may not see that write. (The RX queue is taken up by the
	 * frame injected below, whose used-ring page is dirty anyway.) */
	assert_true(wait_for((volatile uint16_t *)(void *)(h->mem + TXQ_USED), 1));
	/* dirty logging over the whole memory, 4 KiB pages */
	{
		uint8_t buf[sizeof(struct vfio_user_device_feature) +
			    sizeof(struct vfio_user_dma_logging_control) +
			    sizeof(struct vfio_user_dma_logging_range)];
		struct vfio_user_device_feature *f = (void *)buf;
		struct vfio_user_dma_logging_control *c = (void *)f->data;

		f->argsz = sizeof(buf);
		f->flags = VFIO_USER_FEATURE_DMA_LOGGING_START | VFIO_USER_DEVICE_FEATURE_SET;
		c->page_size = PAGE;
		c->num_ranges = 1;
		c->reserved = 0;
		c->ranges[0].iova = MEM_IOVA;
		c->ranges[0].length = MEM_SIZE;
		assert_int_equal(request(h, VFIO_USER_DEVICE_FEATURE, 0, buf, sizeof(buf), NULL, 0, NULL), 0);
		/* starting twice is refused */
		assert_int_equal(request(h, VFIO_USER_DEVICE_FEATURE, 0, buf, sizeof(buf), NULL, 0, NULL), -EBUSY);
	}

	/* RX: one 2 KiB buffer, header and frame go in it */
	put_desc(h, RXQ_DESC, 0, MEM_IOVA + RX_BUF, 2048, 2 /* WRITE */);
	avail_push(h, RXQ_AVAIL, 0);
	__atomic_store_n(&h->inject, 1, __ATOMIC_RELEASE);
	assert_true(wait_for((volatile uint16_t *)(void *)(h->mem + RXQ_USED + 2), 1));
	{
		uint32_t id, len;
		uint64_t seq = 0;
		uint16_t nbuf;

		memcpy(&id, h->mem + RXQ_USED + 4, 4);
		memcpy(&len, h->mem + RXQ_USED + 8, 4);
		assert_int_equal(id, 0);
		assert_int_equal(len, VNET_HDR_LEN + GENFRAME_LEN);
		/* GUEST_CSUM was accepted and the frame's UDP checksum is fine
		 * (none, over IPv4): DATA_VALID; gso and the rest: none */
		assert_int_equal(h->mem[RX_BUF], VIRTIO_NET_HDR_F_DATA_VALID);
		for (int i = 1; i < 10; i++)
			assert_int_equal(h->mem[RX_BUF + i], 0);
		memcpy(&nbuf, h->mem + RX_BUF + 10, 2);
		assert_int_equal(nbuf, 1);
		assert_true(genframe_check(h->mem + RX_BUF + VNET_HDR_LEN, GENFRAME_LEN, &seq));
		assert_int_equal(seq, 42);
		/* the RX queue's vector fired */
		assert_int_equal(read(efd[0], &cnt, 8), 8);
		assert_true(cnt >= 1);
	}
	/* The report holds exactly the pages the device wrote: the buffer and
	 * the used ring; reading clears it. */
	{
		uint8_t buf[sizeof(struct vfio_user_device_feature) +
			    sizeof(struct vfio_user_dma_logging_report)];
		struct vfio_user_device_feature *f = (void *)buf;
		struct vfio_user_dma_logging_report *r = (void *)f->data;
		const uint64_t *bitmap;
		uint64_t words[MEM_SIZE / PAGE / 64];

		f->argsz = sizeof(buf);
		f->flags = VFIO_USER_FEATURE_DMA_LOGGING_REPORT | VFIO_USER_DEVICE_FEATURE_GET;
		r->iova = MEM_IOVA;
		r->length = MEM_SIZE;
		r->page_size = PAGE;
		assert_int_equal(request(h, VFIO_USER_DEVICE_FEATURE, 0, buf, sizeof(buf), NULL, 0, NULL), 0);
		bitmap = (const uint64_t *)(const void *)((uint8_t *)reply_payload(h) + sizeof(buf));
		memcpy(words, bitmap, sizeof(words));
		for (unsigned pg = 0; pg < MEM_SIZE / PAGE; pg++) {
			bool dirty = words[pg / 64] >> (pg % 64) & 1;

			assert_int_equal(dirty, pg == RXQ_USED / PAGE || pg == RX_BUF / PAGE);
		}
		assert_int_equal(request(h, VFIO_USER_DEVICE_FEATURE, 0, buf, sizeof(buf), NULL, 0, NULL), 0);
		bitmap = (const uint64_t *)(const void *)((uint8_t *)reply_payload(h) + sizeof(buf));
		memcpy(words, bitmap, sizeof(words));
		for (unsigned w = 0; w < EAL_DIM(words); w++)
			assert_int_equal(words[w], 0);
	}

	/* TX: header and frame in two descriptors, kicked through the notify area */
	{
		uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
		uint64_t seq = 0;

		memset(h->mem + TX_BUF, 0, VNET_HDR_LEN);
		genframe_build(h->mem + TX_BUF + 0x100, mac, 7);
		put_desc(h, TXQ_DESC, 0, MEM_IOVA + TX_BUF, VNET_HDR_LEN, 1 /* NEXT */);
		memcpy(h->mem + TXQ_DESC + 14, &(uint16_t){ 1 }, 2);
		put_desc(h, TXQ_DESC, 1, MEM_IOVA + TX_BUF + 0x100, GENFRAME_LEN, 0);
		avail_push(h, TXQ_AVAIL, 0);
		bar0_w(h, VNET_NOTIFY_OFF + 4 * 1, 1, 2);
		assert_true(wait_for((volatile uint16_t *)(void *)(h->mem + TXQ_USED + 2), 1));
		assert_int_equal(h->tx_count, 1);
		assert_int_equal(h->tx_len, GENFRAME_LEN);
		assert_true(genframe_check(h->tx_seen, h->tx_len, &seq));
		assert_int_equal(seq, 7);
		assert_int_equal(used_idx(h, TXQ_USED), 1);
	}
	/* A chain that loops on itself breaks the queue, not the server. */
	{
		put_desc(h, TXQ_DESC, 2, MEM_IOVA + TX_BUF, 64, 1);
		memcpy(h->mem + TXQ_DESC + 16 * 2 + 14, &(uint16_t){ 2 }, 2);
		avail_push(h, TXQ_AVAIL, 2);
		for (int i = 0; i < 1000 && !(bar0_r(h, VNET_CC_STATUS, 1) & VIRTIO_STATUS_NEEDS_RESET); i++)
			usleep(1000);
		assert_true(bar0_r(h, VNET_CC_STATUS, 1) & VIRTIO_STATUS_NEEDS_RESET);
		bar0_w(h, VNET_CC_STATUS, 0, 1);
		assert_int_equal(bar0_r(h, VNET_CC_STATUS, 1), 0);
	}
	{
		struct vfio_user_dma_unmap du = { .argsz = sizeof(du), .address = MEM_IOVA,
						  .size = MEM_SIZE };

		assert_int_equal(request(h, VFIO_USER_DMA_UNMAP, 0, &du, sizeof(du), NULL, 0, NULL), 0);
	}
	for (int i = 0; i < 6; i++)
		close(efd[i]);
	harness_stop(h);
}

/* ---------- listening server: one client after another ---------- */

struct listen_ctx {
	struct vus_server *srv;
	volatile int stop;
};

static void *listen_thread(void *arg)
{
	struct listen_ctx *c = arg;

	while (!c->stop)
		vus_server_poll(c->srv, 5);
	return NULL;
}

static void test_reconnect(void **state)
{
	char path[64];
	struct vnet_params p = { .name = "re", .queue_pairs = 1, .tx = test_tx };
	struct vnet_dev *dev;
	struct listen_ctx ctx = { 0 };
	pthread_t th;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/vus-test-%d.sock", (int)getpid());
	dev = vnet_dev_create(&p);
	assert_non_null(dev);
	ctx.srv = vus_server_create(path, vnet_dev_info(dev));
	assert_non_null(ctx.srv);
	vnet_dev_attach(dev, ctx.srv);
	assert_int_equal(pthread_create(&th, NULL, listen_thread, &ctx), 0);
	for (int round = 0; round < 2; round++) {
		struct vfio_user_conn *conn = vfio_user_connect(path, 2000);
		struct vfio_user_caps mine, peer;
		struct vfio_user_device_info di = { .argsz = sizeof(di) };
		uint8_t rbuf[256] __attribute__((aligned(8)));
		struct vfio_user_msg r = { .buf = rbuf, .capacity = sizeof(rbuf) };
		uint16_t id;

		assert_non_null(conn);
		vfio_user_caps_default(&mine);
		assert_int_equal(vfio_user_version_client(conn, &mine, &peer), 0);
		assert_int_equal(vfio_user_request(conn, VFIO_USER_DEVICE_GET_INFO, 0, &di,
						   sizeof(di), NULL, 0, &id), 0);
		assert_int_equal(vfio_user_wait_reply(conn, id, &r), 0);
		vfio_user_conn_close(conn);
	}
	for (int i = 0; i < 1000 && vus_server_client_count(ctx.srv) < 2; i++)
		usleep(1000);
	assert_int_equal(vus_server_client_count(ctx.srv), 2);
	ctx.stop = 1;
	pthread_join(th, NULL);
	vus_server_destroy(ctx.srv);
	assert_int_not_equal(access(path, F_OK), 0); /* socket removed */
	vnet_dev_destroy(dev);
}

static void test_bad_descriptions(void **state)
{
	struct vnet_params p = { .name = "bad", .queue_pairs = 1, .tx = test_tx };
	struct vnet_dev *dev = vnet_dev_create(&p);
	struct vus_device_info info = *vnet_dev_info(dev);

	(void)state;
	info.regions[0].size = 0x3000; /* not a power of two */
	errno = 0;
	assert_null(vus_server_create_connected(-1, &info));
	assert_int_equal(errno, EINVAL);
	info = *vnet_dev_info(dev);
	info.config_size = 100;
	assert_null(vus_server_create("/tmp/never.sock", &info));
	p.queue_pairs = 0;
	assert_null(vnet_dev_create(&p));
	vnet_dev_destroy(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_and_region_info),
		cmocka_unit_test(test_bad_messages),
		cmocka_unit_test(test_virtio_rx_tx_dirty),
		cmocka_unit_test(test_reconnect),
		cmocka_unit_test(test_bad_descriptions),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
