/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bus as eal_init() runs it: scan a fake sysfs, select, attach into
 * containers of a fake backend, enable bus mastering, probe the matching
 * driver; and cleanup. Also once through the real EAL hook.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "pci_fakes.h"

#define E1000E_BDF "0000:01:00.0"
#define VIRTIO_BDF "0000:02:00.0"
#define OTHER_BDF  "0000:03:00.0"
#define KERNEL_BDF "0000:04:00.0"

static const struct fake_sysfs_dev machine[] = {
	{ E1000E_BDF, 0x8086, 0x10d3, 0x8086, 0x0000, 0x020000, 0, "vfio-pci", 7, NULL, false },
	{ VIRTIO_BDF, 0x1af4, 0x1041, 0x1af4, 0x1100, 0x020000, 0, "vfio-pci", 8, NULL, false },
	/* On vfio-pci, but no driver of this test knows it. */
	{ OTHER_BDF, 0x15ad, 0x07b0, 0x15ad, 0x07b0, 0x020000, 0, "vfio-pci", 9, NULL, false },
	{ KERNEL_BDF, 0x8086, 0x10d3, 0x8086, 0x0000, 0x020000, 0, "e1000e", 10, "eth0", false },
};

/* ---- two drivers that record what the bus gave them ---------------------------- */

struct probe_record {
	unsigned probes, removes;
	struct pci_device *dev;
	uint16_t cfg_vendor;      /* read from config space inside probe() */
	uint16_t command;         /* PCI_COMMAND seen inside probe() */
	bool container_set;
	char devargs[256];
	int fail_with;            /* probe() returns this when negative */
};

static struct probe_record rec_intel, rec_virtio;

static int record_probe(struct probe_record *r, struct pci_device *dev)
{
	r->probes++;
	r->dev = dev;
	r->container_set = dev->container != NULL && dev->vdev != NULL;
	snprintf(r->devargs, sizeof(r->devargs), "%s", dev->devargs);
	if (pci_config_read16(dev, PCI_VENDOR_ID, &r->cfg_vendor) < 0 ||
	    pci_config_read16(dev, PCI_COMMAND, &r->command) < 0)
		return -EIO;
	if (r->fail_with < 0)
		return r->fail_with;
	dev->driver_data = r;
	return 0;
}

static int intel_probe(struct pci_driver *drv, struct pci_device *dev)
{
	assert_string_equal(drv->name, "test_intel");
	return record_probe(&rec_intel, dev);
}

static int virtio_probe(struct pci_driver *drv, struct pci_device *dev)
{
	(void)drv;
	return record_probe(&rec_virtio, dev);
}

static void intel_remove(struct pci_device *dev)
{
	assert_ptr_equal(dev->driver_data, &rec_intel);
	/* Still attached while the driver stops the device. */
	assert_non_null(dev->vdev);
	rec_intel.removes++;
}

static void virtio_remove(struct pci_device *dev)
{
	(void)dev;
	rec_virtio.removes++;
}

static const struct pci_id intel_ids[] = { PCI_ID(0x8086, 0x10d3), PCI_ID_END };
static const struct pci_id virtio_ids[] = { PCI_ID(0x1af4, 0x1041), PCI_ID_END };

static struct pci_driver intel_driver = {
	.name = "test_intel", .id_table = intel_ids,
	.probe = intel_probe, .remove = intel_remove,
};
static struct pci_driver virtio_driver = {
	.name = "test_virtio", .id_table = virtio_ids,
	.probe = virtio_probe, .remove = virtio_remove,
};
PCI_DRIVER_REGISTER(intel_driver);
PCI_DRIVER_REGISTER(virtio_driver);

/* ---- fixture ---------------------------------------------------------------------- */

static const char *root;
static struct fake_device fake_e1000e, fake_virtio, fake_other, fake_user;

static int setup(void **state)
{
	unsigned i;

	(void)state;
	root = fake_sysfs_create();
	for (i = 0; i < EAL_DIM(machine); i++)
		fake_sysfs_add(root, &machine[i]);
	memset(&rec_intel, 0, sizeof(rec_intel));
	memset(&rec_virtio, 0, sizeof(rec_virtio));
	fake_backend_install();
	fake_device_init(&fake_e1000e, E1000E_BDF, 0x8086, 0x10d3, 4096);
	fake_device_init(&fake_virtio, VIRTIO_BDF, 0x1af4, 0x1041, 4096);
	fake_device_init(&fake_other, OTHER_BDF, 0x15ad, 0x07b0, 4096);
	/* A vfio-user server's device: the bus learns its ids from config. */
	fake_device_init(&fake_user, "", 0x1af4, 0x1041, 4096);
	fake_set_bar(&fake_e1000e, 0, 0x20000, false, true, NULL, 0);
	fake_backend_add(E1000E_BDF, &fake_e1000e);
	fake_backend_add(VIRTIO_BDF, &fake_virtio);
	fake_backend_add(OTHER_BDF, &fake_other);
	fake_backend_add("", &fake_user);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pci_bus_cleanup();
	pci_bus_set_backend(NULL);
	fake_device_fini(&fake_e1000e);
	fake_device_fini(&fake_virtio);
	fake_device_fini(&fake_other);
	fake_device_fini(&fake_user);
	fake_sysfs_destroy(root);
	return 0;
}

static struct eal_device_spec spec(enum eal_device_kind kind, const char *addr,
				   const char *args)
{
	struct eal_device_spec s;

	memset(&s, 0, sizeof(s));
	s.kind = kind;
	snprintf(s.addr, sizeof(s.addr), "%s", addr);
	snprintf(s.args, sizeof(s.args), "%s", args);
	return s;
}

static uint16_t command_of(const struct fake_device *f)
{
	return (uint16_t)(f->config[PCI_COMMAND] | f->config[PCI_COMMAND + 1] << 8);
}

/* ---- tests ------------------------------------------------------------------------- */

static void test_probe_all_vfio_devices(void **state)
{
	struct pci_device *dev;
	unsigned n = 0;
	const char *log;

	(void)state;
	eal_log_set_level("pci", EAL_LOG_INFO);
	log_capture_begin();
	assert_int_equal(pci_bus_probe(root, NULL, 0, EAL_VFIO_AUTO), 0);
	log = log_capture_end();
	eal_log_set_level("pci", EAL_LOG_NOTICE);

	/* Each driver got its device, attached and with DMA enabled. */
	assert_int_equal(rec_intel.probes, 1);
	assert_int_equal(rec_virtio.probes, 1);
	assert_string_equal(rec_intel.dev->name, E1000E_BDF);
	assert_true(rec_intel.container_set);
	assert_int_equal(rec_intel.cfg_vendor, 0x8086);
	assert_true(rec_intel.command & PCI_COMMAND_MASTER);
	assert_int_equal(rec_virtio.cfg_vendor, 0x1af4);
	assert_int_equal(rec_intel.dev->bars[0].size, 0x20000);
	assert_ptr_equal(rec_intel.dev->driver, &intel_driver);
	/* One container, of the resolved mode, shared by both. */
	assert_int_equal(fake_backend.creates, 1);
	assert_int_equal(fake_backend.last_mode, EAL_VFIO_TYPE1);
	assert_ptr_equal(rec_intel.dev->container, rec_virtio.dev->container);
	assert_int_equal(fake_backend.attaches, 2);
	/* The device no driver wants is listed but left alone. */
	dev = pci_device_find(OTHER_BDF);
	assert_non_null(dev);
	assert_null(dev->vdev);
	assert_null(dev->driver);
	assert_non_null(strstr(log, OTHER_BDF " (15ad:07b0) is bound to vfio-pci but no linked driver matches it"));
	/* The kernel's device is not the bus's business. */
	assert_null(pci_device_find(KERNEL_BDF));
	assert_int_equal(errno, ENOENT);
	for (dev = pci_device_next(NULL); dev != NULL; dev = pci_device_next(dev))
		n++;
	assert_int_equal(n, 3);
	assert_ptr_equal(pci_device_find("01:00.0"), rec_intel.dev);

	pci_bus_cleanup();
	assert_int_equal(rec_intel.removes, 1);
	assert_int_equal(rec_virtio.removes, 1);
	assert_int_equal(fake_backend.detaches, 2);
	assert_int_equal(fake_backend.destroys, 1);
	assert_int_equal(fake_backend.live_containers, 0);
	assert_true(fake_e1000e.detached);
	/* DMA was switched off before the device left its container. */
	assert_false(command_of(&fake_e1000e) & PCI_COMMAND_MASTER);
	assert_null(pci_device_next(NULL));
	/* Cleanup twice is harmless. */
	pci_bus_cleanup();
	assert_int_equal(rec_intel.removes, 1);
}

static void test_allow_list_and_devargs(void **state)
{
	struct eal_device_spec specs[] = {
		spec(EAL_DEVICE_PCI, VIRTIO_BDF, "rxq=4"),
	};

	(void)state;
	assert_int_equal(pci_bus_probe(root, specs, EAL_DIM(specs), EAL_VFIO_TYPE1), 0);
	assert_int_equal(rec_intel.probes, 0);
	assert_int_equal(rec_virtio.probes, 1);
	assert_string_equal(rec_virtio.devargs, "rxq=4");
	assert_true(rec_virtio.dev->allowed);
	assert_null(pci_device_find(E1000E_BDF));
	/* A second probe without cleanup is refused. */
	log_capture_begin();
	assert_int_equal(pci_bus_probe(root, specs, EAL_DIM(specs), EAL_VFIO_TYPE1), -EALREADY);
	log_capture_end();
}

static void test_named_device_on_kernel_driver_fails(void **state)
{
	struct eal_device_spec specs[] = {
		spec(EAL_DEVICE_PCI, E1000E_BDF, ""),
		spec(EAL_DEVICE_PCI, KERNEL_BDF, ""),
	};
	const char *log;

	(void)state;
	log_capture_begin();
	assert_int_equal(pci_bus_probe(root, specs, EAL_DIM(specs), EAL_VFIO_AUTO), -EBUSY);
	log = log_capture_end();
	assert_non_null(strstr(log, KERNEL_BDF));
	assert_non_null(strstr(log, "'e1000e'"));
	assert_non_null(strstr(log, "usertools/updk-devbind --bind vfio-pci " KERNEL_BDF));
	/* Nothing was attached or probed, nothing is left. */
	assert_int_equal(rec_intel.probes, 0);
	assert_int_equal(fake_backend.creates, 0);
	assert_null(pci_device_next(NULL));
}

static void test_named_device_without_driver_warns(void **state)
{
	struct eal_device_spec specs[] = { spec(EAL_DEVICE_PCI, OTHER_BDF, "") };
	const char *log;

	(void)state;
	log_capture_begin();
	assert_int_equal(pci_bus_probe(root, specs, EAL_DIM(specs), EAL_VFIO_AUTO), 0);
	log = log_capture_end();
	assert_non_null(strstr(log, "WARNING"));
	assert_non_null(strstr(log, "device " OTHER_BDF " (15ad:07b0, class 020000) named with -a: no PCI driver matches it"));
	assert_non_null(strstr(log, "test_intel, test_virtio"));
	assert_int_equal(fake_backend.creates, 0);
	/* A tool may still attach it by hand. */
	struct pci_device *dev = pci_device_find(OTHER_BDF);
	assert_int_equal(pci_device_attach(dev), 0);
	assert_non_null(dev->vdev);
	assert_int_equal(pci_device_attach(dev), 0);
	assert_int_equal(fake_backend.attaches, 1);
	pci_device_detach(dev);
	assert_null(dev->vdev);
	assert_true(fake_other.detached);
}

static void test_probe_failure(void **state)
{
	struct eal_device_spec specs[] = {
		spec(EAL_DEVICE_PCI, E1000E_BDF, ""),
		spec(EAL_DEVICE_PCI, VIRTIO_BDF, ""),
	};
	const char *log;

	(void)state;
	/* A named device whose driver fails: eal_init() must fail, with
	 * everything undone. */
	rec_virtio.fail_with = -EIO;
	log_capture_begin();
	assert_int_equal(pci_bus_probe(root, specs, EAL_DIM(specs), EAL_VFIO_AUTO), -EIO);
	log = log_capture_end();
	assert_non_null(strstr(log, "device " VIRTIO_BDF ": driver test_virtio failed to probe it"));
	assert_int_equal(rec_intel.probes, 1);
	assert_int_equal(rec_intel.removes, 1);
	assert_int_equal(rec_virtio.removes, 0);
	assert_int_equal(fake_backend.live_containers, 0);
	assert_int_equal(fake_backend.detaches, 2);
	assert_false(command_of(&fake_virtio) & PCI_COMMAND_MASTER);
	assert_null(pci_device_next(NULL));

	/* The same device found without -a: skipped, the rest goes on. */
	memset(&rec_intel, 0, sizeof(rec_intel));
	log_capture_begin();
	assert_int_equal(pci_bus_probe(root, NULL, 0, EAL_VFIO_AUTO), 0);
	log = log_capture_end();
	assert_non_null(strstr(log, "device " VIRTIO_BDF ": skipped"));
	assert_int_equal(rec_intel.probes, 1);
	assert_null(pci_device_find(VIRTIO_BDF)->vdev);
	assert_null(pci_device_find(VIRTIO_BDF)->driver);
}

static void test_container_failures(void **state)
{
	struct eal_device_spec specs[] = { spec(EAL_DEVICE_PCI, E1000E_BDF, "") };
	const char *log;

	(void)state;
	fake_backend.fail_create = ENOENT;
	log_capture_begin();
	assert_int_equal(pci_bus_probe(root, specs, 1, EAL_VFIO_TYPE1), -ENOENT);
	log = log_capture_end();
	assert_non_null(strstr(log, "cannot create the type1 DMA container"));
	assert_int_equal(rec_intel.probes, 0);
	fake_backend.fail_create = 0;

	fake_backend.fail_attach = -EPERM;
	log_capture_begin();
	assert_int_equal(pci_bus_probe(root, specs, 1, EAL_VFIO_TYPE1), -EPERM);
	log = log_capture_end();
	assert_non_null(strstr(log, E1000E_BDF ": cannot attach it to its DMA container"));
	assert_int_equal(fake_backend.live_containers, 0);
	fake_backend.fail_attach = 0;

	fake_backend.fail_resolve = -ENODEV;
	assert_int_equal(pci_bus_probe(root, specs, 1, EAL_VFIO_AUTO), -ENODEV);
	fake_backend.fail_resolve = 0;

	/* --vfio-mode=user cannot reach host devices. */
	log_capture_begin();
	assert_int_equal(pci_bus_probe(root, specs, 1, EAL_VFIO_USER), -ENODEV);
	log = log_capture_end();
	assert_non_null(strstr(log, "--vfio-mode=user reaches vfio-user devices only"));
	assert_int_equal(fake_backend.creates, 1);
}

static void test_vfio_user_device(void **state)
{
	struct eal_device_spec specs[] = {
		spec(EAL_DEVICE_VFIO_USER, "/run/updk-test/nic.sock", "mac=02:00:00:00:00:01"),
	};
	struct pci_device *dev;

	(void)state;
	assert_int_equal(pci_bus_probe(root, specs, EAL_DIM(specs), EAL_VFIO_AUTO), 0);
	/* Its own container, of the user backend, on its socket. */
	assert_int_equal(fake_backend.creates, 1);
	assert_int_equal(fake_backend.last_mode, EAL_VFIO_USER);
	assert_string_equal(fake_backend.last_target, "/run/updk-test/nic.sock");
	/* Matched by the ids its config space gave. */
	assert_int_equal(rec_virtio.probes, 1);
	dev = rec_virtio.dev;
	assert_string_equal(dev->name, "vfio-user:/run/updk-test/nic.sock");
	assert_int_equal(dev->kind, PCI_DEVICE_VFIO_USER);
	assert_int_equal(dev->vendor_id, 0x1af4);
	assert_int_equal(dev->device_id, 0x1041);
	assert_true(dev->owns_container);
	assert_string_equal(rec_virtio.devargs, "mac=02:00:00:00:00:01");
	assert_true(rec_virtio.command & PCI_COMMAND_MASTER);
	assert_ptr_equal(pci_device_find("vfio-user:/run/updk-test/nic.sock"), dev);
	/* No kernel device was touched. */
	assert_int_equal(rec_intel.probes, 0);
	pci_bus_cleanup();
	assert_int_equal(fake_backend.destroys, 1);
	assert_int_equal(fake_backend.live_containers, 0);
	assert_int_equal(rec_virtio.removes, 1);

	/* A server that does not answer: the named device fails eal_init. */
	fake_backend.fail_create = ECONNREFUSED;
	log_capture_begin();
	assert_int_equal(pci_bus_probe(root, specs, EAL_DIM(specs), EAL_VFIO_AUTO),
			 -ECONNREFUSED);
	const char *log = log_capture_end();
	assert_non_null(strstr(log, "cannot connect to the vfio-user server at /run/updk-test/nic.sock"));
	fake_backend.fail_create = 0;

	/* One whose ids no driver knows: warned about, and disconnected. */
	fake_user.config[PCI_DEVICE_ID] = 0x42;
	log_capture_begin();
	assert_int_equal(pci_bus_probe(root, specs, EAL_DIM(specs), EAL_VFIO_AUTO), 0);
	log = log_capture_end();
	assert_non_null(strstr(log, "(1af4:1042, class 020000) named with -a: no PCI driver"));
	assert_int_equal(fake_backend.live_containers, 0);
	assert_true(fake_user.detached);
}

static void test_missing_sysfs(void **state)
{
	struct eal_device_spec user[] = { spec(EAL_DEVICE_VFIO_USER, "/x.sock", "") };
	struct eal_device_spec pci[] = { spec(EAL_DEVICE_PCI, E1000E_BDF, "") };

	(void)state;
	log_capture_begin();
	/* Without sysfs, vfio-user devices still work... */
	assert_int_equal(pci_bus_probe("/nonexistent-updk", user, 1, EAL_VFIO_AUTO), 0);
	assert_int_equal(rec_virtio.probes, 1);
	pci_bus_cleanup();
	/* ...and no device at all is not an error... */
	assert_int_equal(pci_bus_probe("/nonexistent-updk", NULL, 0, EAL_VFIO_AUTO), 0);
	pci_bus_cleanup();
	/* ...but a named host device is. */
	assert_int_equal(pci_bus_probe("/nonexistent-updk", pci, 1, EAL_VFIO_AUTO), -ENOENT);
	log_capture_end();
}

/* The real EAL hook: eal_init() scans $UPDK_SYSFS_ROOT and fails on a
 * named device that is not on vfio-pci; probes and removes otherwise. */
static void test_eal_hook(void **state)
{
	char prefix[32];
	/* A prefix of our own: builds may run this test at the same time. */
	char *bad[] = { "test", "--no-huge", "-l", "0", "--file-prefix", prefix,
			"-a", KERNEL_BDF, NULL };
	char *good[] = { "test", "--no-huge", "-l", "0", "--file-prefix", prefix,
			 "-a", "01:00.0,rxq=1", NULL };
	const char *log;
	int rc;

	(void)state;
	snprintf(prefix, sizeof(prefix), "pcibus%ld", (long)getpid());
	assert_int_equal(setenv("UPDK_SYSFS_ROOT", root, 1), 0);
	log_capture_begin();
	rc = eal_init((int)EAL_DIM(bad) - 1, bad);
	log = log_capture_end();
	assert_true(rc < 0);
	assert_non_null(strstr(log, "updk-devbind --bind vfio-pci " KERNEL_BDF));
	assert_non_null(strstr(log, "init step 'pci bus' failed"));
	assert_false(eal_initialized());

	rc = eal_init((int)EAL_DIM(good) - 1, good);
	assert_int_equal(rc, (int)EAL_DIM(good) - 1);
	assert_int_equal(rec_intel.probes, 1);
	assert_string_equal(rec_intel.devargs, "rxq=1");
	eal_cleanup();
	assert_int_equal(rec_intel.removes, 1);
	assert_int_equal(fake_backend.live_containers, 0);
	assert_null(pci_device_next(NULL));
	unsetenv("UPDK_SYSFS_ROOT");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_probe_all_vfio_devices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allow_list_and_devargs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_named_device_on_kernel_driver_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_named_device_without_driver_warns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_container_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vfio_user_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_sysfs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eal_hook, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
