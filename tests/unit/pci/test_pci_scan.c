/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sysfs scan, the -a selection and its messages, and driver id
 * matching, over a fake sysfs tree.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "pci_fakes.h"

/* The machine every test scans: two NICs on vfio-pci (different groups),
 * one on e1000e with an interface, one without a driver, one on a vfio-pci
 * variant driver, one without an IOMMU group, and a bridge. */
static const struct fake_sysfs_dev machine[] = {
	{ "0000:00:1f.2", 0x8086, 0x2922, 0x1af4, 0x1100, 0x010601, -1, "ahci", 1, NULL, false },
	{ "0000:01:00.0", 0x8086, 0x10d3, 0x8086, 0x0000, 0x020000, 0, "vfio-pci", 7, NULL, false },
	{ "0000:00:02.0", 0x1b36, 0x000c, 0x1b36, 0x0000, 0x060400, -1, "pcieport", 2, NULL, false },
	{ "0000:02:00.0", 0x1af4, 0x1041, 0x1af4, 0x1100, 0x020000, 1, "vfio-pci", 8, NULL, false },
	{ "0000:03:00.0", 0x8086, 0x10d3, 0x8086, 0x0000, 0x020000, -1, "e1000e", 9, "eth1", true },
	{ "0000:04:00.0", 0x8086, 0x1521, 0x8086, 0x0001, 0x020000, -1, NULL, 10, NULL, false },
	{ "0000:05:00.0", 0x15b3, 0x101e, 0x15b3, 0x0001, 0x020000, -1, "mlx5_vfio_pci", 11, NULL, false },
	{ "0001:00:00.0", 0x8086, 0x10d3, 0x8086, 0x0000, 0x020000, -1, "e1000e", -1, NULL, false },
};

static const char *root;

static int setup(void **state)
{
	unsigned i;

	(void)state;
	root = fake_sysfs_create();
	for (i = 0; i < EAL_DIM(machine); i++)
		fake_sysfs_add(root, &machine[i]);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_sysfs_destroy(root);
	return 0;
}

static struct pci_device *find(struct pci_device *list, const char *bdf)
{
	for (; list != NULL; list = list->next)
		if (strcmp(list->name, bdf) == 0)
			return list;
	return NULL;
}

static unsigned count(const struct pci_device *list)
{
	unsigned n = 0;

	for (; list != NULL; list = list->next)
		n++;
	return n;
}

static struct eal_device_spec pci_spec(const char *bdf, const char *args)
{
	struct eal_device_spec s;

	memset(&s, 0, sizeof(s));
	s.kind = EAL_DEVICE_PCI;
	snprintf(s.addr, sizeof(s.addr), "%s", bdf);
	snprintf(s.args, sizeof(s.args), "%s", args);
	return s;
}

static void test_scan_reads_every_device_sorted(void **state)
{
	struct pci_device *list = NULL, *d;
	const char *prev = "";
	int n;

	(void)state;
	n = pci_sysfs_scan(root, &list);
	assert_int_equal(n, EAL_DIM(machine));
	assert_int_equal(count(list), EAL_DIM(machine));
	/* Address order, whatever readdir() gave. */
	for (d = list; d != NULL; d = d->next) {
		assert_true(strcmp(prev, d->name) < 0);
		prev = d->name;
	}
	assert_string_equal(list->name, "0000:00:02.0");
	assert_string_equal(list->next->name, "0000:00:1f.2");

	d = find(list, "0000:02:00.0");
	assert_non_null(d);
	assert_int_equal(d->kind, PCI_DEVICE_KERNEL);
	assert_int_equal(d->addr.domain, 0);
	assert_int_equal(d->addr.bus, 2);
	assert_int_equal(d->addr.devid, 0);
	assert_int_equal(d->addr.function, 0);
	assert_int_equal(d->vendor_id, 0x1af4);
	assert_int_equal(d->device_id, 0x1041);
	assert_int_equal(d->subsystem_vendor_id, 0x1af4);
	assert_int_equal(d->subsystem_device_id, 0x1100);
	assert_int_equal(d->class_id, 0x020000);
	assert_int_equal(d->revision, 1);
	assert_int_equal(d->numa_node, 1);
	assert_string_equal(d->kernel_driver, "vfio-pci");
	assert_int_equal(d->iommu_group, 8);
	assert_null(d->vdev);

	d = find(list, "0000:00:1f.2");
	assert_int_equal(d->addr.devid, 0x1f);
	assert_int_equal(d->addr.function, 2);
	assert_int_equal(d->numa_node, -1);

	d = find(list, "0000:04:00.0");
	assert_string_equal(d->kernel_driver, "");
	d = find(list, "0001:00:00.0");
	assert_int_equal(d->addr.domain, 1);
	assert_int_equal(d->iommu_group, -1);
	pci_device_list_free(list);
}

static void test_scan_skips_junk_and_unreadable(void **state)
{
	char path[PATH_MAX];
	struct pci_device *list = NULL;
	int n;

	(void)state;
	/* Not an address: ignored silently. */
	snprintf(path, sizeof(path), "%s/bus/pci/devices/not-a-device", root);
	assert_int_equal(mkdir(path, 0755), 0);
	/* An address, but its vendor file is gone: skipped with a warning. */
	snprintf(path, sizeof(path), "%s/devices/pci0000:00/0000:04:00.0/vendor", root);
	assert_int_equal(unlink(path), 0);

	log_capture_begin();
	n = pci_sysfs_scan(root, &list);
	const char *log = log_capture_end();

	assert_int_equal(n, EAL_DIM(machine) - 1);
	assert_null(find(list, "0000:04:00.0"));
	assert_non_null(strstr(log, "0000:04:00.0"));
	assert_non_null(strstr(log, "vendor"));
	pci_device_list_free(list);

	/* Put the tree back for the next tests. */
	snprintf(path, sizeof(path), "%s/bus/pci/devices/not-a-device", root);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/devices/pci0000:00/0000:04:00.0/vendor", root);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("0x8086\n", f);
	fclose(f);
}

static void test_scan_without_sysfs(void **state)
{
	struct pci_device *list = (struct pci_device *)1;

	(void)state;
	log_capture_begin();
	assert_int_equal(pci_sysfs_scan("/nonexistent-updk-root", &list), -ENOENT);
	const char *log = log_capture_end();

	assert_null(list);
	assert_non_null(strstr(log, "/nonexistent-updk-root/bus/pci/devices"));
}

static void test_read_one_device(void **state)
{
	struct pci_device *d;

	(void)state;
	d = pci_sysfs_read_device(root, "0000:03:00.0");
	assert_non_null(d);
	assert_string_equal(d->kernel_driver, "e1000e");
	free(d);
	errno = 0;
	assert_null(pci_sysfs_read_device(root, "0000:09:00.0"));
	assert_int_equal(errno, ENOENT);
	assert_null(pci_sysfs_read_device(root, "1:2:3"));
	assert_int_equal(errno, EINVAL);
}

static void test_select_without_allow_list_takes_vfio_devices(void **state)
{
	struct pci_device *list = NULL;

	(void)state;
	assert_true(pci_sysfs_scan(root, &list) > 0);
	assert_int_equal(pci_select(&list, NULL, 0), 0);
	/* vfio-pci and its variant drivers, nothing else. */
	assert_int_equal(count(list), 3);
	assert_string_equal(list->name, "0000:01:00.0");
	assert_string_equal(list->next->name, "0000:02:00.0");
	assert_string_equal(list->next->next->name, "0000:05:00.0");
	assert_false(list->allowed);
	assert_string_equal(list->devargs, "");
	pci_device_list_free(list);
}

static void test_select_allow_list_keeps_only_named(void **state)
{
	struct eal_device_spec specs[2];
	struct pci_device *list = NULL;

	(void)state;
	specs[0] = pci_spec("0000:02:00.0", "rxq=2,txq=2");
	specs[1] = pci_spec("0000:05:00.0", "");
	assert_true(pci_sysfs_scan(root, &list) > 0);
	assert_int_equal(pci_select(&list, specs, 2), 0);
	assert_int_equal(count(list), 2);
	assert_string_equal(list->name, "0000:02:00.0");
	assert_true(list->allowed);
	assert_string_equal(list->devargs, "rxq=2,txq=2");
	assert_string_equal(list->next->name, "0000:05:00.0");
	assert_string_equal(list->next->kernel_driver, "mlx5_vfio_pci");
	pci_device_list_free(list);
}

static void test_select_device_on_kernel_driver_is_an_error(void **state)
{
	struct eal_device_spec specs[2];
	struct pci_device *list = NULL;
	const char *log;

	(void)state;
	specs[0] = pci_spec("0000:01:00.0", "");
	specs[1] = pci_spec("0000:03:00.0", "");
	assert_true(pci_sysfs_scan(root, &list) > 0);
	log_capture_begin();
	assert_int_equal(pci_select(&list, specs, 2), -EBUSY);
	log = log_capture_end();
	/* The usable one stays; the other is out. */
	assert_int_equal(count(list), 1);
	assert_string_equal(list->name, "0000:01:00.0");
	/* The message names the device, its driver and the exact command. */
	assert_non_null(strstr(log, "0000:03:00.0"));
	assert_non_null(strstr(log, "kernel driver 'e1000e'"));
	assert_non_null(strstr(log, "usertools/updk-devbind --bind vfio-pci 0000:03:00.0"));
	assert_non_null(strstr(log, "echo vfio-pci > /sys/bus/pci/devices/0000:03:00.0/driver_override"));
	assert_non_null(strstr(log, "echo 0000:03:00.0 > /sys/bus/pci/devices/0000:03:00.0/driver/unbind"));
	assert_non_null(strstr(log, "echo 0000:03:00.0 > /sys/bus/pci/drivers_probe"));
	assert_non_null(strstr(log, "--bind e1000e 0000:03:00.0"));
	/* Nothing is said about the device that is fine. */
	assert_null(strstr(log, "0000:01:00.0"));
	pci_device_list_free(list);
}

static void test_select_unbound_and_groupless_devices(void **state)
{
	struct eal_device_spec specs[2];
	struct pci_device *list = NULL;
	const char *log;

	(void)state;
	specs[0] = pci_spec("0000:04:00.0", "");
	specs[1] = pci_spec("0001:00:00.0", "");
	assert_true(pci_sysfs_scan(root, &list) > 0);
	log_capture_begin();
	assert_int_equal(pci_select(&list, specs, 2), -EBUSY);
	log = log_capture_end();
	assert_null(list);
	assert_non_null(strstr(log, "0000:04:00.0 (8086:1521) named with -a is not bound to any driver"));
	assert_non_null(strstr(log, "updk-devbind --bind vfio-pci 0000:04:00.0"));
	/* No driver to unbind from: no unbind command for it. */
	assert_null(strstr(log, "0000:04:00.0/driver/unbind"));
	/* The device without an IOMMU group gets the IOMMU advice. */
	assert_non_null(strstr(log, "0001:00:00.0"));
	assert_non_null(strstr(log, "intel_iommu=on"));
	assert_non_null(strstr(log, "noiommu"));
}

static void test_select_missing_device(void **state)
{
	struct eal_device_spec specs[2];
	struct pci_device *list = NULL;
	const char *log;

	(void)state;
	specs[0] = pci_spec("0000:0a:00.0", "");
	specs[1] = pci_spec("0000:01:00.0", "");
	assert_true(pci_sysfs_scan(root, &list) > 0);
	log_capture_begin();
	assert_int_equal(pci_select(&list, specs, 2), -ENODEV);
	log = log_capture_end();
	assert_int_equal(count(list), 1);
	assert_non_null(strstr(log, "0000:0a:00.0 named with -a does not exist"));
	assert_non_null(strstr(log, "lspci -D"));
	pci_device_list_free(list);
}

static void test_select_vfio_user_devices_are_appended(void **state)
{
	struct eal_device_spec specs[3];
	struct pci_device *list = NULL, *d;

	(void)state;
	memset(&specs[0], 0, sizeof(specs[0]));
	specs[0].kind = EAL_DEVICE_VFIO_USER;
	snprintf(specs[0].addr, sizeof(specs[0].addr), "/run/nic0.sock");
	snprintf(specs[0].args, sizeof(specs[0].args), "rxq=1");
	specs[1] = pci_spec("0000:02:00.0", "");
	specs[2] = specs[0];
	snprintf(specs[2].addr, sizeof(specs[2].addr), "/run/nic1.sock");
	assert_true(pci_sysfs_scan(root, &list) > 0);
	assert_int_equal(pci_select(&list, specs, 3), 0);
	assert_int_equal(count(list), 3);
	assert_string_equal(list->name, "0000:02:00.0");
	d = list->next;
	assert_string_equal(d->name, "vfio-user:/run/nic0.sock");
	assert_int_equal(d->kind, PCI_DEVICE_VFIO_USER);
	assert_true(d->allowed);
	assert_string_equal(d->devargs, "rxq=1");
	/* Ids come later, from config space. */
	assert_int_equal(d->vendor_id, 0);
	assert_string_equal(d->next->name, "vfio-user:/run/nic1.sock");
	pci_device_list_free(list);

	/* Only vfio-user devices named: no kernel device is taken. */
	assert_true(pci_sysfs_scan(root, &list) > 0);
	assert_int_equal(pci_select(&list, specs, 1), 0);
	assert_int_equal(count(list), 1);
	assert_int_equal(list->kind, PCI_DEVICE_VFIO_USER);
	pci_device_list_free(list);
}

static void test_vfio_driver_names(void **state)
{
	(void)state;
	assert_true(pci_driver_is_vfio("vfio-pci"));
	assert_true(pci_driver_is_vfio("mlx5_vfio_pci"));
	assert_true(pci_driver_is_vfio("hisi_acc_vfio_pci"));
	assert_false(pci_driver_is_vfio("_vfio_pci"));
	assert_false(pci_driver_is_vfio("vfio"));
	assert_false(pci_driver_is_vfio("e1000e"));
	assert_false(pci_driver_is_vfio(""));
}

static void test_id_match(void **state)
{
	static const struct pci_id table[] = {
		PCI_ID(0x8086, 0x10d3),
		{ .vendor_id = 0x1af4, .device_id = PCI_ANY_ID,
		  .subsystem_vendor_id = 0x1af4, .subsystem_device_id = PCI_ANY_ID },
		{ .vendor_id = PCI_ANY_ID, .device_id = 0xbeef,
		  .subsystem_vendor_id = PCI_ANY_ID, .subsystem_device_id = 0x0042 },
		PCI_ID_END,
		PCI_ID(0x15b3, 0x101e), /* after the end: never seen */
	};
	struct pci_device d;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.vendor_id = 0x8086;
	d.device_id = 0x10d3;
	d.subsystem_vendor_id = 0x1234;
	assert_ptr_equal(pci_id_match(table, &d), &table[0]);
	d.device_id = 0x10d4;
	assert_null(pci_id_match(table, &d));
	/* Any device of the vendor, but only with its subsystem vendor. */
	d.vendor_id = 0x1af4;
	d.device_id = 0x1000;
	d.subsystem_vendor_id = 0x1af4;
	assert_ptr_equal(pci_id_match(table, &d), &table[1]);
	d.subsystem_vendor_id = 0x8086;
	assert_null(pci_id_match(table, &d));
	/* Any vendor, exact device and subsystem device. */
	d.vendor_id = 0x1234;
	d.device_id = 0xbeef;
	d.subsystem_device_id = 0x0042;
	assert_ptr_equal(pci_id_match(table, &d), &table[2]);
	d.subsystem_device_id = 0x0043;
	assert_null(pci_id_match(table, &d));
	d.vendor_id = 0x15b3;
	d.device_id = 0x101e;
	assert_null(pci_id_match(table, &d));
	assert_null(pci_id_match(NULL, &d));
	assert_null(pci_id_match(table, NULL));
}

static int probe_nop(struct pci_driver *drv, struct pci_device *dev)
{
	(void)drv;
	(void)dev;
	return 0;
}

static const struct pci_id ids_a[] = { PCI_ID(0x8086, PCI_ANY_ID), PCI_ID_END };
static const struct pci_id ids_b[] = { PCI_ID(0x8086, 0x10d3), PCI_ID_END };

static void test_driver_registry(void **state)
{
	struct pci_driver a = { .name = "drv_a", .id_table = ids_a, .probe = probe_nop };
	struct pci_driver b = { .name = "drv_b", .id_table = ids_b, .probe = probe_nop };
	struct pci_driver dup = { .name = "drv_a", .id_table = ids_b, .probe = probe_nop };
	struct pci_driver bad = { .name = "bad", .id_table = NULL, .probe = probe_nop };
	struct pci_device d;
	char names[64];
	const char *log;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.vendor_id = 0x8086;
	d.device_id = 0x10d3;
	pci_driver_register(&a);
	pci_driver_register(&b);
	log_capture_begin();
	pci_driver_register(&dup);
	pci_driver_register(&bad);
	log = log_capture_end();
	assert_non_null(strstr(log, "drv_a registered twice"));
	assert_non_null(strstr(log, "bad refused"));
	pci_driver_names(names, sizeof(names));
	assert_string_equal(names, "drv_a, drv_b");
	/* Registration order decides between two matches. */
	assert_ptr_equal(pci_driver_find(&d), &a);
	pci_driver_unregister(&a);
	assert_ptr_equal(pci_driver_find(&d), &b);
	d.device_id = 0x1533;
	assert_null(pci_driver_find(&d));
	pci_driver_unregister(&b);
	pci_driver_names(names, sizeof(names));
	assert_string_equal(names, "");
}

static void test_addr_format(void **state)
{
	struct pci_addr a = { .domain = 0x10, .bus = 0xab, .devid = 0x1f, .function = 7 };
	char buf[13];

	(void)state;
	pci_addr_format(&a, buf, sizeof(buf));
	assert_string_equal(buf, "0010:ab:1f.7");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_reads_every_device_sorted),
		cmocka_unit_test(test_scan_skips_junk_and_unreadable),
		cmocka_unit_test(test_scan_without_sysfs),
		cmocka_unit_test(test_read_one_device),
		cmocka_unit_test(test_select_without_allow_list_takes_vfio_devices),
		cmocka_unit_test(test_select_allow_list_keeps_only_named),
		cmocka_unit_test(test_select_device_on_kernel_driver_is_an_error),
		cmocka_unit_test(test_select_unbound_and_groupless_devices),
		cmocka_unit_test(test_select_missing_device),
		cmocka_unit_test(test_select_vfio_user_devices_are_appended),
		cmocka_unit_test(test_vfio_driver_names),
		cmocka_unit_test(test_id_match),
		cmocka_unit_test(test_driver_registry),
		cmocka_unit_test(test_addr_format),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
