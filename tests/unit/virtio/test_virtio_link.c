/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_virtio's link and liveness logic against a fake vfio-user virtio-net
 * device (tests/unit/pci's fake VFIO device, BAR0 served through region ops
 * with a small model of the common configuration's side effects):
 * - the link follows the port state and VIRTIO_NET_S_LINK_UP;
 * - a device whose server is gone (poll_events: -ENOTCONN) makes the link
 *   down, ethdev_is_removed() true, the bursts return 0 without touching
 *   the device, start refuse, stop report -ENOTCONN without a reset;
 * - every mbuf is back in the pool after stop and close.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "eal.h"
#include "ethdev.h"
#include "mbuf.h"
#include "pci_fakes.h"
#include "virtio_spec.h"

/* BAR0 layout, as vfio-user-nic's. */
#define COMMON_OFF 0x0000
#define ISR_OFF    0x1000
#define DEVCFG_OFF 0x2000
#define NOTIFY_OFF 0x3000
#define BAR0_SIZE  0x4000
#define NUM_QUEUES 2       /* one pair, no control queue */
#define QUEUE_MAX  256

static const uint64_t device_features = VIRTIO_BIT(VIRTIO_F_VERSION_1) |
					VIRTIO_BIT(VIRTIO_NET_F_MAC) |
					VIRTIO_BIT(VIRTIO_NET_F_STATUS);
static const uint8_t device_mac[6] = { 0x02, 0, 0, 0, 0, 0x42 };

static struct fake_device fake;
static const char *sysfs_root;
static struct mempool *pool;
static uint16_t port_id;

static void poke16(unsigned off, uint16_t v)
{
	fake_bar_poke(&fake, 0, off, &v, sizeof(v));
}

static void poke32(unsigned off, uint32_t v)
{
	fake_bar_poke(&fake, 0, off, &v, sizeof(v));
}


static void set_link(bool up)
{
	poke16(DEVCFG_OFF + VIRTIO_NET_CFG_STATUS, up ? VIRTIO_NET_S_LINK_UP : 0);
}

/* What a virtio 1.x device does on register writes (4.1.4.3): feature
 * select shows the selected half, queue select shows that queue's size and
 * notify offset. Everything else is plain memory. */
static void common_write_hook(struct fake_device *f, unsigned bar, uint64_t off,
			      const void *buf, size_t len)
{
	uint32_t v = 0;

	(void)f;
	if (bar != 0 || off >= ISR_OFF)
		return;
	memcpy(&v, buf, len < sizeof(v) ? len : sizeof(v));
	switch (off - COMMON_OFF) {
	case VIRTIO_PCI_COMMON_DFSELECT:
		poke32(COMMON_OFF + VIRTIO_PCI_COMMON_DF,
		       v < 2 ? (uint32_t)(device_features >> (32 * v)) : 0);
		break;
	case VIRTIO_PCI_COMMON_Q_SELECT:
		poke16(COMMON_OFF + VIRTIO_PCI_COMMON_Q_SIZE, v < NUM_QUEUES ? QUEUE_MAX : 0);
		poke16(COMMON_OFF + VIRTIO_PCI_COMMON_Q_NOFF, (uint16_t)v);
		poke16(COMMON_OFF + VIRTIO_PCI_COMMON_Q_ENABLE, 0);
		break;
	default:
		break;
	}
}

static void add_virtio_cap(uint8_t at, uint8_t type, uint32_t offset, uint32_t length,
			   bool notify)
{
	/* struct virtio_pci_cap after cap_vndr and cap_next (4.1.4). */
	uint8_t body[18] = { 0 };

	body[0] = notify ? 20 : 16; /* cap_len */
	body[1] = type;
	body[2] = 0;                /* BAR0 */
	memcpy(body + 6, &offset, 4);
	memcpy(body + 10, &length, 4);
	if (notify) {
		uint32_t multiplier = 4;

		memcpy(body + 14, &multiplier, 4);
	}
	fake_add_cap(&fake, at, PCI_CAP_ID_VNDR, body, notify ? 18 : 14);
}

static int group_setup(void **state)
{
	char prefix[64], dirs[160];
	char *argv[] = { "test_virtio_link", "--no-huge", "-m", "64", "--file-prefix", prefix,
			 NULL };
	int ret;

	(void)state;
	/* eal_init() probes an empty bus; the test probes the fake itself. */
	snprintf(dirs, sizeof(dirs), "mkdir -p /tmp/test_virtio_link_%d/bus/pci/devices",
		 (int)getpid());
	if (system(dirs) != 0)
		return -1;
	snprintf(dirs, sizeof(dirs), "/tmp/test_virtio_link_%d", (int)getpid());
	setenv("UPDK_SYSFS_ROOT", dirs, 1);
	snprintf(prefix, sizeof(prefix), "test_virtio_link_%d", (int)getpid());
	ret = eal_init((int)EAL_DIM(argv) - 1, argv);
	if (ret < 0) {
		fprintf(stderr, "eal_init(--no-huge) failed: %s\n", strerror(-ret));
		return -1;
	}
	snprintf(dirs, sizeof(dirs), "rm -rf /tmp/test_virtio_link_%d", (int)getpid());
	if (system(dirs) != 0)
		return -1;
	pool = pktmbuf_pool_create("link_pool", 2048, 0, 0, MBUF_DEFAULT_BUF_SIZE,
				   EAL_SOCKET_ID_ANY);
	return pool != NULL ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	mempool_free(pool);
	eal_cleanup();
	return 0;
}

/* A fresh fake device, probed by net_virtio, configured with one queue
 * pair of 64 descriptors and started. */
static int setup(void **state)
{
	struct eal_device_spec spec;
	int ret;

	(void)state;
	sysfs_root = fake_sysfs_create();
	fake_backend_install();
	fake_device_init(&fake, "", 0x1af4, 0x1041, 4096);
	fake_set_bar(&fake, 0, BAR0_SIZE, false, false, NULL, 0);
	add_virtio_cap(0x40, VIRTIO_PCI_CAP_COMMON_CFG, COMMON_OFF, 0x1000, false);
	add_virtio_cap(0x50, VIRTIO_PCI_CAP_ISR_CFG, ISR_OFF, 0x1000, false);
	add_virtio_cap(0x60, VIRTIO_PCI_CAP_DEVICE_CFG, DEVCFG_OFF, 0x1000, false);
	add_virtio_cap(0x70, VIRTIO_PCI_CAP_NOTIFY_CFG, NOTIFY_OFF, 0x1000, true);
	poke16(COMMON_OFF + VIRTIO_PCI_COMMON_NUMQ, NUM_QUEUES);
	fake_bar_poke(&fake, 0, DEVCFG_OFF + VIRTIO_NET_CFG_MAC, device_mac, sizeof(device_mac));
	set_link(true);
	fake.bar_write_hook = common_write_hook;
	fake_backend_add("", &fake);

	memset(&spec, 0, sizeof(spec));
	spec.kind = EAL_DEVICE_VFIO_USER;
	snprintf(spec.addr, sizeof(spec.addr), "/run/updk-test/link.sock");
	ret = pci_bus_probe(sysfs_root, &spec, 1, EAL_VFIO_USER);
	if (ret != 0) {
		fprintf(stderr, "probe of the fake virtio device failed: %s\n", strerror(-ret));
		return -1;
	}
	port_id = ethdev_find_next(0);
	if (!ethdev_is_valid_port(port_id) ||
	    ethdev_configure(port_id, 1, 1, &(struct ethdev_conf){ 0 }) != 0 ||
	    ethdev_rx_queue_setup(port_id, 0, 64, EAL_SOCKET_ID_ANY, NULL, pool) != 0 ||
	    ethdev_tx_queue_setup(port_id, 0, 64, EAL_SOCKET_ID_ANY, NULL) != 0 ||
	    ethdev_start(port_id) != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (ethdev_is_valid_port(port_id)) {
		(void)ethdev_stop(port_id);
		(void)ethdev_close(port_id);
	}
	pci_bus_cleanup();
	pci_bus_set_backend(NULL);
	fake_device_fini(&fake);
	fake_sysfs_destroy(sysfs_root);
	return 0;
}

static uint8_t link_status(void)
{
	struct ethdev_link link;

	assert_int_equal(ethdev_link_get_nowait(port_id, &link), 0);
	return link.link_status;
}

static void test_link_follows_device(void **state)
{
	(void)state;
	assert_int_equal(link_status(), ETHDEV_LINK_UP);
	assert_int_equal(ethdev_is_removed(port_id), 0);
	set_link(false);
	assert_int_equal(link_status(), ETHDEV_LINK_DOWN);
	set_link(true);
	assert_int_equal(link_status(), ETHDEV_LINK_UP);
	/* A stopped port's link is down whatever the device says. */
	assert_int_equal(ethdev_stop(port_id), 0);
	assert_int_equal(link_status(), ETHDEV_LINK_DOWN);
	assert_int_equal(ethdev_is_removed(port_id), 0);
	assert_int_equal(mempool_in_use_count(pool), 0);
}

static void test_device_gone(void **state)
{
	struct mbuf *pkts[8];
	unsigned reads, writes, in_rings;
	const char *log;

	(void)state;
	/* The rx ring holds the pool's mbufs while the port runs. */
	in_rings = mempool_in_use_count(pool);
	assert_int_equal(in_rings, 64);
	fake.gone = true;
	log_capture_begin();
	assert_int_equal(link_status(), ETHDEV_LINK_DOWN);
	log = log_capture_end();
	assert_non_null(strstr(log, "the device is gone"));
	assert_non_null(strstr(log, "vfio-user:/run/updk-test/link.sock"));
	assert_int_equal(ethdev_is_removed(port_id), 1);

	/* The fast path no longer touches the device (nor needs to). */
	reads = fake.region_reads;
	writes = fake.region_writes;
	assert_int_equal(ethdev_rx_burst(port_id, 0, pkts, 8), 0);
	assert_int_equal(pktmbuf_alloc_bulk(pool, pkts, 8), 0);
	assert_int_equal(ethdev_tx_burst(port_id, 0, pkts, 8), 0);
	pktmbuf_free_bulk(pkts, 8); /* not taken: still the caller's */
	/* Nor do link updates, once it is known to be gone. */
	assert_int_equal(link_status(), ETHDEV_LINK_DOWN);
	assert_int_equal(fake.region_reads, reads);
	assert_int_equal(fake.region_writes, writes);

	/* Stop: no reset (it could not be done), a clear error, every mbuf
	 * back; a new start is refused. */
	log_capture_begin();
	assert_int_equal(ethdev_stop(port_id), -ENOTCONN);
	log = log_capture_end();
	assert_non_null(strstr(log, "stopped without a device reset: the device is gone"));
	assert_int_equal(fake.region_writes, writes);
	assert_int_equal(mempool_in_use_count(pool), 0);
	log_capture_begin();
	assert_int_equal(ethdev_start(port_id), -ENOTCONN);
	log = log_capture_end();
	assert_non_null(strstr(log, "cannot start: the device is gone"));
	assert_int_equal(mempool_in_use_count(pool), 0);
	assert_int_equal(ethdev_close(port_id), 0);
	assert_int_equal(fake.region_writes, writes);
	assert_int_equal(mempool_in_use_count(pool), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_link_follows_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_gone, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
