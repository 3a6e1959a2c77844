/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hugepage files and file prefixes: reclaiming the files of a killed
 * process, leaving a live process's files alone, refusing a prefix in use,
 * --huge-dir checks, and the messages that tell the user what to do.
 */
#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "eal_private.h"
#include "mem_test_util.h"

#define MiB ((size_t)1 << 20)

#define REQUIRE_HUGEPAGES(pages)                                            \
	do {                                                                \
		const char *why_ = mt_hugepage_unavailable(true, (pages));  \
		if (why_[0] != '\0') {                                      \
			print_message("skipped: %s\n", why_);               \
			skip();                                             \
		}                                                           \
	} while (0)

static int teardown_eal(void **state)
{
	(void)state;
	eal_cleanup();
	return 0;
}

static char huge_dir[PATH_MAX];

static int count_map_files(const char *prefix)
{
	char name[128];

	snprintf(name, sizeof(name), "%smap_", prefix);
	return mt_count_files(huge_dir, name);
}

/* A process that takes @prefix, allocates, says so and waits: EOF on its
 * release pipe makes it clean up and exit 0. */
struct child {
	pid_t pid;
	int release_fd;
};

static void start_child(const char *prefix, struct child *c)
{
	int ready[2], release[2];
	char status = 0;

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(release), 0);
	c->pid = fork();
	assert_true(c->pid >= 0);
	if (c->pid == 0) {
		char ok = 'r', byte;

		close(ready[0]);
		close(release[1]);
		if (mt_eal_init_prefix(prefix, NULL) < 0)
			ok = 'i';
		else if (eal_dma_zalloc("child", MiB, 0, EAL_SOCKET_ID_ANY, NULL) == NULL)
			ok = 'a';
		if (write(ready[1], &ok, 1) != 1)
			_exit(3);
		while (read(release[0], &byte, 1) > 0)
			;
		eal_cleanup();
		_exit(ok == 'r' ? 0 : 1);
	}
	close(ready[1]);
	close(release[0]);
	assert_int_equal(read(ready[0], &status, 1), 1);
	close(ready[0]);
	if (status != 'r')
		fail_msg("child with prefix %s failed to %s", prefix,
			 status == 'i' ? "eal_init" : "allocate");
	c->release_fd = release[1];
}

static int stop_child(struct child *c)
{
	int status = 0;

	close(c->release_fd);
	assert_int_equal(waitpid(c->pid, &status, 0), c->pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void test_reclaim_after_sigkill(void **state)
{
	char prefix_x[64], prefix_y[64], needle[128], *log;
	struct child a, b;
	int status = 0, ret;
	void *p;

	(void)state;
	REQUIRE_HUGEPAGES(32);
	assert_true(mt_hugetlbfs_mount(mt_default_hugepage_size(), huge_dir));
	snprintf(prefix_x, sizeof(prefix_x), "%sx", mt_prefix);
	snprintf(prefix_y, sizeof(prefix_y), "%sy", mt_prefix);

	start_child(prefix_x, &a);
	assert_true(count_map_files(prefix_x) >= 1);

	/* While it lives, its prefix is taken. */
	mt_log_capture_start();
	ret = mt_eal_init_prefix(prefix_x, NULL);
	log = mt_log_capture_end();
	assert_int_equal(ret, -EBUSY);
	snprintf(needle, sizeof(needle), "file prefix %s is in use by pid %d",
		 prefix_x, (int)a.pid);
	if (strstr(log, needle) == NULL)
		fail_msg("expected '%s' in: %s", needle, log);
	free(log);

	/* Killed: nothing cleans up its files. */
	kill(a.pid, SIGKILL);
	assert_int_equal(waitpid(a.pid, &status, 0), a.pid);
	close(a.release_fd);
	assert_true(WIFSIGNALED(status));
	assert_true(count_map_files(prefix_x) >= 1);

	/* Another live process with a different prefix. */
	start_child(prefix_y, &b);
	assert_true(count_map_files(prefix_y) >= 1);

	mt_log_capture_start();
	ret = mt_eal_init_prefix(prefix_x, NULL);
	log = mt_log_capture_end();
	assert_true(ret >= 0);
	if (strstr(log, "reclaimed 1 hugepage file") == NULL)
		fail_msg("expected a reclaim message in: %s", log);
	free(log);
	assert_int_equal(count_map_files(prefix_x), 0);
	assert_true(count_map_files(prefix_y) >= 1);

	p = eal_dma_zalloc("parent", MiB, 0, EAL_SOCKET_ID_ANY, NULL);
	assert_non_null(p);
	assert_int_equal(count_map_files(prefix_x), 1);
	eal_dma_free(p);
	eal_cleanup();
	assert_int_equal(mt_count_files(huge_dir, prefix_x), 0);

	assert_int_equal(stop_child(&b), 0);
	assert_int_equal(mt_count_files(huge_dir, prefix_y), 0);
}

/* The matching rule and the lock rule, on crafted files. */
static void test_reclaim_rules(void **state)
{
	const char *names[] = { "map_7", "map_12", "map_x", "map_", ".lock",
				"mapx_1", "map_8" };
	char dir[] = "/tmp/updk_reclaimXXXXXX", path[PATH_MAX], prefix[64];
	unsigned i;
	int held, fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(prefix, sizeof(prefix), "%sr", mt_prefix);
	for (i = 0; i < EAL_DIM(names); i++) {
		snprintf(path, sizeof(path), "%s/%s%s", dir, prefix, names[i]);
		fd = open(path, O_CREAT | O_RDWR, 0600);
		assert_true(fd >= 0);
		close(fd);
	}
	/* A prefix that extends ours is another prefix. */
	snprintf(path, sizeof(path), "%s/%s2map_1", dir, prefix);
	fd = open(path, O_CREAT | O_RDWR, 0600);
	assert_true(fd >= 0);
	close(fd);
	/* "map_8" is alive: somebody holds its shared lock. */
	snprintf(path, sizeof(path), "%s/%smap_8", dir, prefix);
	held = open(path, O_RDONLY);
	assert_true(held >= 0);
	assert_int_equal(flock(held, LOCK_SH), 0);

	mt_log_capture_start();
	assert_int_equal(eal_hugepage_reclaim(dir, prefix), 2); /* map_7, map_12 */
	/* the 7 crafted names and the other prefix's file, less the 2 */
	assert_int_equal(mt_count_files(dir, prefix), 6);
	assert_int_equal(access(path, F_OK), 0);
	close(held);
	assert_int_equal(eal_hugepage_reclaim(dir, prefix), 1); /* now map_8 */
	assert_int_equal(eal_hugepage_reclaim(dir, "nothing_here"), 0);
	assert_int_equal(eal_hugepage_reclaim("/nonexistent/dir", prefix), 0);
	free(mt_log_capture_end());

	for (i = 0; i < EAL_DIM(names); i++) {
		snprintf(path, sizeof(path), "%s/%s%s", dir, prefix, names[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/%s2map_1", dir, prefix);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

static void test_huge_dir_not_hugetlbfs(void **state)
{
	const char *const args[] = { "--huge-dir", "/tmp", NULL };
	char *log;
	int ret;

	(void)state;
	mt_log_capture_start();
	ret = mt_eal_init(args);
	log = mt_log_capture_end();
	assert_int_equal(ret, -EINVAL);
	if (strstr(log, "--huge-dir /tmp is not a hugetlbfs mount") == NULL)
		fail_msg("unexpected message: %s", log);
	free(log);
}

static void test_huge_dir_explicit(void **state)
{
	const char *args[] = { "--huge-dir", huge_dir, NULL };
	void *p;

	(void)state;
	REQUIRE_HUGEPAGES(16);
	assert_true(mt_hugetlbfs_mount(mt_default_hugepage_size(), huge_dir));
	assert_true(mt_eal_init(args) >= 0);
	p = eal_dma_zalloc("dir", 4096, 0, 0, NULL);
	assert_non_null(p);
	assert_int_equal(count_map_files(mt_prefix), 1);
	eal_dma_free(p);
	assert_int_equal(count_map_files(mt_prefix), 0);
}

/* -m larger than the free hugepages: the message says how to reserve. */
static void test_shortage_message(void **state)
{
	size_t page = mt_default_hugepage_size();
	unsigned long want;
	char mb[32], *log;
	const char *const args[] = { "-m", mb, NULL };
	int ret;

	(void)state;
	REQUIRE_HUGEPAGES(0);
	want = mt_free_hugepages(page) + 64;
	snprintf(mb, sizeof(mb), "%lu", (unsigned long)(want * page >> 20));
	mt_log_capture_start();
	ret = mt_eal_init(args);
	log = mt_log_capture_end();
	assert_int_equal(ret, -ENOMEM);
	if (strstr(log, "hugeadm --pool-pages-min") == NULL ||
	    strstr(log, "nr_hugepages") == NULL || strstr(log, "--no-huge") == NULL)
		fail_msg("the shortage message does not say what to do: %s", log);
	free(log);
	/* nothing was left behind */
	assert_int_equal(mt_count_files_all_mounts(mt_prefix), 0);
}

/* Without any hugetlbfs mount (a private mount namespace hides them), the
 * error says how to mount one; --in-memory needs none. */
static void test_no_mount(void **state)
{
	int status = 0;
	pid_t pid;

	(void)state;
	if (geteuid() != 0) {
		print_message("skipped: needs root for a private mount namespace\n");
		skip();
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *const in_memory[] = { "--in-memory", NULL };
		struct mntent *m;
		char *log;
		FILE *f;
		int ret;

		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(77);
		for (;;) {
			char dir[PATH_MAX] = "";

			f = setmntent("/proc/mounts", "r");
			while (f != NULL && (m = getmntent(f)) != NULL)
				if (strcmp(m->mnt_type, "hugetlbfs") == 0)
					snprintf(dir, sizeof(dir), "%s", m->mnt_dir);
			if (f != NULL)
				endmntent(f);
			if (dir[0] == '\0')
				break;
			if (umount2(dir, MNT_DETACH) < 0)
				_exit(77);
		}
		mt_log_capture_start();
		ret = mt_eal_init(NULL);
		log = mt_log_capture_end();
		if (ret != -ENOENT)
			_exit(10);
		if (strstr(log, "mount -t hugetlbfs nodev /mnt/huge") == NULL ||
		    strstr(log, "--in-memory") == NULL)
			_exit(11);
		free(log);
		if (mt_hugepage_unavailable(false, 8)[0] != '\0')
			_exit(0);
		if (mt_eal_init(in_memory) < 0)
			_exit(12);
		if (eal_dma_zalloc("nomount", MiB, 0, EAL_SOCKET_ID_ANY, NULL) == NULL)
			_exit(13);
		eal_cleanup();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77) {
		print_message("skipped: cannot make a private mount namespace here\n");
		skip();
	}
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_discover(void **state)
{
	struct eal_hugepage_info hp[8];
	struct eal_config cfg;
	size_t page = mt_default_hugepage_size();
	int n;

	(void)state;
	REQUIRE_HUGEPAGES(1);
	eal_config_defaults(&cfg);
	n = eal_hugepage_discover(&cfg, hp, EAL_DIM(hp));
	assert_true(n >= 1);
	/* The default size comes first when it has free pages. */
	assert_int_equal(hp[0].page_size, page);
	assert_true(hp[0].total_free >= 1);
	assert_true(hp[0].mount[0] == '/');
	cfg.in_memory = true;
	n = eal_hugepage_discover(&cfg, hp, EAL_DIM(hp));
	assert_true(n >= 1);
	assert_string_equal(hp[0].mount, "");
	cfg.no_huge = true;
	assert_int_equal(eal_hugepage_discover(&cfg, hp, EAL_DIM(hp)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_reclaim_after_sigkill, teardown_eal),
		cmocka_unit_test(test_reclaim_rules),
		cmocka_unit_test_teardown(test_huge_dir_not_hugetlbfs, teardown_eal),
		cmocka_unit_test_teardown(test_huge_dir_explicit, teardown_eal),
		cmocka_unit_test_teardown(test_shortage_message, teardown_eal),
		cmocka_unit_test(test_no_mount),
		cmocka_unit_test(test_discover),
	};

	mt_set_prefix("ump");
	return cmocka_run_group_tests_name("eal_memory_prefix", tests, NULL, NULL);
}
