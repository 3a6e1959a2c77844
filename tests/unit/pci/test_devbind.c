/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * usertools/updk-devbind against a fake sysfs tree: its status listing,
 * its usage and safety errors, and the sysfs writes a bind makes. (A fake
 * tree cannot bind for real; the VM test does that.)
 *
 * Usage: test_devbind PATH/TO/updk-devbind
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "pci_fakes.h"

static const char *script;
static const char *root;

static const struct fake_sysfs_dev machine[] = {
	{ "0000:00:1f.2", 0x8086, 0x2922, 0x8086, 0x0000, 0x010601, -1, "ahci", 1, NULL, false },
	{ "0000:01:00.0", 0x8086, 0x10d3, 0x8086, 0x0000, 0x020000, -1, "vfio-pci", 7, NULL, false },
	{ "0000:02:00.0", 0x1af4, 0x1041, 0x1af4, 0x1100, 0x020000, -1, "virtio-pci", 8, "eth0", false },
	{ "0000:03:00.0", 0x8086, 0x10d3, 0x8086, 0x0000, 0x020000, -1, "e1000e", 9, "eth1", true },
	{ "0000:04:00.0", 0x8086, 0x1521, 0x8086, 0x0001, 0x020000, -1, NULL, 10, NULL, false },
	{ "0000:05:00.0", 0x8086, 0x10d3, 0x8086, 0x0000, 0x020000, -1, "e1000e", -1, NULL, false },
	{ "0000:06:00.0", 0x1b36, 0x0010, 0x1af4, 0x1100, 0x010802, -1, "vfio-pci", 11, NULL, false },
};

struct run {
	int status;          /* exit status, or -1 when killed */
	char out[8192];
	char err[8192];
};

static void slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, len - 1) : -1;

	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
}

/* Run the script with @argv (NULL-terminated, without the script itself)
 * on the fake tree, as @uid (or ourselves when -1). */
static void run_devbind(struct run *r, uid_t uid, const char *const *args)
{
	char out_path[PATH_MAX], err_path[PATH_MAX];
	const char *argv[16];
	unsigned n = 0;
	int status;
	pid_t pid;

	snprintf(out_path, sizeof(out_path), "%s/devbind.out", root);
	snprintf(err_path, sizeof(err_path), "%s/devbind.err", root);
	argv[n++] = "sh";
	argv[n++] = script;
	while (*args != NULL && n < EAL_DIM(argv) - 1)
		argv[n++] = *args++;
	argv[n] = NULL;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
		int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0666);

		if (out < 0 || err < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
			_exit(126);
		if (uid != (uid_t)-1 && (setgid(uid) < 0 || setuid(uid) < 0))
			_exit(125);
		setenv("UPDK_SYSFS_ROOT", root, 1);
		execvp("sh", (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	slurp(out_path, r->out, sizeof(r->out));
	slurp(err_path, r->err, sizeof(r->err));
	printf("# updk-devbind exit %d\n%s%s", r->status, r->out, r->err);
}

#define DEVBIND(r, ...) run_devbind((r), (uid_t)-1, (const char *const[]){ __VA_ARGS__, NULL })

static void reset_tree(void)
{
	unsigned i;

	if (root != NULL)
		fake_sysfs_destroy(root);
	root = fake_sysfs_create();
	for (i = 0; i < EAL_DIM(machine); i++)
		fake_sysfs_add(root, &machine[i]);
}

static int setup(void **state)
{
	(void)state;
	reset_tree();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_sysfs_destroy(root);
	root = NULL;
	return 0;
}

static void skip_unless_root(void)
{
	if (geteuid() != 0) {
		printf("skip: binding needs root, and this test runs as uid %u\n",
		       (unsigned)geteuid());
		skip();
	}
}

static const char *line_of(const char *text, const char *bdf, char *buf, size_t len)
{
	const char *p = strstr(text, bdf);
	size_t n;

	if (p == NULL)
		return "";
	n = strcspn(p, "\n");
	if (n >= len)
		n = len - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

static void test_status(void **state)
{
	struct run r;
	char line[256];

	(void)state;
	DEVBIND(&r, "--status");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "Network devices"));
	line_of(r.out, "0000:01:00.0", line, sizeof(line));
	assert_non_null(strstr(line, "8086:10d3"));
	assert_non_null(strstr(line, "020000"));
	assert_non_null(strstr(line, "vfio-pci"));
	assert_non_null(strstr(line, " 7 "));
	assert_non_null(strstr(line, " yes "));
	line_of(r.out, "0000:03:00.0", line, sizeof(line));
	assert_non_null(strstr(line, "e1000e"));
	assert_non_null(strstr(line, " no "));
	assert_non_null(strstr(line, "eth1(up)"));
	line_of(r.out, "0000:02:00.0", line, sizeof(line));
	assert_non_null(strstr(line, "eth0(down)"));
	/* No driver, no group: dashes. */
	line_of(r.out, "0000:04:00.0", line, sizeof(line));
	assert_non_null(strstr(line, " - "));
	line_of(r.out, "0000:05:00.0", line, sizeof(line));
	assert_non_null(strstr(line, "e1000e         -"));
	/* A non-network device is listed only when it is on vfio-pci. */
	assert_null(strstr(r.out, "0000:00:1f.2"));
	assert_non_null(strstr(r.out, "Other devices bound to vfio-pci"));
	assert_non_null(strstr(r.out, "0000:06:00.0"));
	/* Some devices have groups: no IOMMU advice. */
	assert_null(strstr(r.out, "intel_iommu"));
}

static void test_status_without_iommu(void **state)
{
	static const struct fake_sysfs_dev d = {
		"0000:01:00.0", 0x8086, 0x10d3, 0x8086, 0, 0x020000, -1, "e1000e", -1, NULL, false
	};
	struct run r;

	(void)state;
	fake_sysfs_destroy(root);
	root = fake_sysfs_create();
	fake_sysfs_add(root, &d);
	DEVBIND(&r, "-s");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "no device has an IOMMU group"));
	assert_non_null(strstr(r.out, "intel_iommu=on"));
	assert_null(strstr(r.out, "Other devices"));
}

static void test_usage_errors(void **state)
{
	struct run r;

	(void)state;
	run_devbind(&r, (uid_t)-1, (const char *const[]){ NULL });
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "give an action"));
	DEVBIND(&r, "--bind");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "--bind needs a driver name"));
	DEVBIND(&r, "--bind", "vfio-pci");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "needs at least one device"));
	DEVBIND(&r, "--bind", "../x", "01:00.0");
	assert_int_equal(r.status, 2);
	DEVBIND(&r, "--unbind");
	assert_int_equal(r.status, 2);
	DEVBIND(&r, "--frobnicate");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "unknown option '--frobnicate'"));
	DEVBIND(&r, "--status", "--unbind", "01:00.0");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "give one action"));
	DEVBIND(&r, "--help");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "--bind DRIVER BDF"));
}

static void test_bind_bad_devices(void **state)
{
	struct run r;

	(void)state;
	skip_unless_root();
	DEVBIND(&r, "--bind", "vfio-pci", "0000:01:00.x");
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "'0000:01:00.x' is not a PCI address"));
	DEVBIND(&r, "--bind", "vfio-pci", "0a:00.0");
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "no PCI device 0000:0a:00.0 on this machine"));
	/* Already there: nothing to do, short form and upper case accepted. */
	DEVBIND(&r, "-b", "vfio-pci", "01:00.0");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "0000:01:00.0: already bound to vfio-pci"));
	DEVBIND(&r, "--bind=vfio-pci", "0000:06:00.0");
	assert_int_equal(r.status, 0);
	/* One bad device among good ones: the others are still handled. */
	DEVBIND(&r, "--bind", "vfio-pci", "0000:01:00.0", "0000:0b:00.0");
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.out, "already bound"));
}

static void test_bind_without_iommu_group(void **state)
{
	char buf[256];
	struct run r;

	(void)state;
	skip_unless_root();
	DEVBIND(&r, "--bind", "vfio-pci", "0000:05:00.0");
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "0000:05:00.0 has no IOMMU group"));
	assert_non_null(strstr(r.err, "intel_iommu=on"));
	assert_non_null(strstr(r.err, "enable_unsafe_noiommu_mode=1"));
	/* Nothing was touched. */
	fake_sysfs_read(root, "bus/pci/devices/0000:05:00.0/driver_override", buf, sizeof(buf));
	assert_string_equal(buf, "(null)\n");
	/* Giving it back to a kernel driver needs no IOMMU. */
	DEVBIND(&r, "--bind", "e1000e", "0000:05:00.0");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "already bound to e1000e"));
}

static void test_bind_refuses_device_in_use(void **state)
{
	char buf[256];
	struct run r;

	(void)state;
	skip_unless_root();
	DEVBIND(&r, "--bind", "vfio-pci", "0000:03:00.0");
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "0000:03:00.0 is in use: its network interface(s) eth1 are up"));
	assert_non_null(strstr(r.err, "ip link set eth1 down"));
	assert_non_null(strstr(r.err, "--force"));
	fake_sysfs_read(root, "bus/pci/devices/0000:03:00.0/driver_override", buf, sizeof(buf));
	assert_string_equal(buf, "(null)\n");
	DEVBIND(&r, "--unbind", "0000:03:00.0");
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "is in use"));
}

static void test_bind_writes_override_unbind_probe(void **state)
{
	char buf[256];
	struct run r;

	(void)state;
	skip_unless_root();
	/* --force: goes on. The fake kernel does not bind, so the script must
	 * notice and say so, after making exactly the writes a bind needs. */
	DEVBIND(&r, "--force", "--bind", "vfio-pci", "0000:03:00.0");
	assert_non_null(strstr(r.err, "warning: 0000:03:00.0: its interface(s) eth1 are up"));
	fake_sysfs_read(root, "bus/pci/devices/0000:03:00.0/driver_override", buf, sizeof(buf));
	assert_string_equal(buf, "vfio-pci\n");
	fake_sysfs_read(root, "bus/pci/drivers/e1000e/unbind", buf, sizeof(buf));
	assert_string_equal(buf, "0000:03:00.0\n");
	fake_sysfs_read(root, "bus/pci/drivers_probe", buf, sizeof(buf));
	assert_string_equal(buf, "0000:03:00.0\n");
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "0000:03:00.0: binding to vfio-pci failed: the device is now bound to 'e1000e'"));

	/* A device without a driver: no unbind, override then probe. */
	reset_tree();
	DEVBIND(&r, "--bind", "vfio-pci", "04:00.0");
	fake_sysfs_read(root, "bus/pci/devices/0000:04:00.0/driver_override", buf, sizeof(buf));
	assert_string_equal(buf, "vfio-pci\n");
	fake_sysfs_read(root, "bus/pci/drivers_probe", buf, sizeof(buf));
	assert_string_equal(buf, "0000:04:00.0\n");
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "now bound to 'no driver'"));

	/* Back to a kernel driver from vfio-pci. */
	reset_tree();
	DEVBIND(&r, "--bind", "e1000e", "0000:01:00.0");
	fake_sysfs_read(root, "bus/pci/devices/0000:01:00.0/driver_override", buf, sizeof(buf));
	assert_string_equal(buf, "e1000e\n");
	fake_sysfs_read(root, "bus/pci/drivers/vfio-pci/unbind", buf, sizeof(buf));
	assert_string_equal(buf, "0000:01:00.0\n");
	assert_int_equal(r.status, 1);
}

static void test_unbind(void **state)
{
	char buf[256];
	struct run r;

	(void)state;
	skip_unless_root();
	DEVBIND(&r, "--unbind", "0000:04:00.0");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "0000:04:00.0: not bound to any driver"));
	/* The fake driver link stays, so the script reports the failure after
	 * writing the unbind. */
	DEVBIND(&r, "-u", "0000:02:00.0");
	fake_sysfs_read(root, "bus/pci/drivers/virtio-pci/unbind", buf, sizeof(buf));
	assert_string_equal(buf, "0000:02:00.0\n");
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "unbinding from virtio-pci failed"));
}

static void test_needs_root(void **state)
{
	char buf[256];
	struct run r;

	(void)state;
	skip_unless_root();
	/* Let the unprivileged child read the tree (mkdtemp made it 0700). */
	assert_int_equal(chmod(root, 0755), 0);
	run_devbind(&r, 65534, (const char *const[]){ "--bind", "vfio-pci", "0000:04:00.0", NULL });
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "needs root"));
	fake_sysfs_read(root, "bus/pci/devices/0000:04:00.0/driver_override", buf, sizeof(buf));
	assert_string_equal(buf, "(null)\n");
	/* --status does not. */
	run_devbind(&r, 65534, (const char *const[]){ "--status", NULL });
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "0000:01:00.0"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_without_iommu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_usage_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_bad_devices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_without_iommu_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_refuses_device_in_use, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_writes_override_unbind_probe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unbind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_needs_root, setup, teardown),
	};

	if (argc != 2 || access(argv[1], R_OK) != 0) {
		printf("usage: %s PATH/TO/usertools/updk-devbind (given: %s)\n", argv[0],
		       argc > 1 ? argv[1] : "nothing");
		return 1;
	}
	script = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
