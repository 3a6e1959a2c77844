/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hugepages: which sizes exist, where they are mounted, how many are free
 * on each NUMA node, the file-prefix lock, and reclaiming files left behind
 * by processes that died without cleaning up.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <mntent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "eal_private.h"

#define SYSFS_HUGEPAGES "/sys/kernel/mm/hugepages"
#define SYSFS_NODES "/sys/devices/system/node"

static int read_ulong_file(const char *path, unsigned long *out)
{
	char buf[64], *end;
	unsigned long v;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	errno = 0;
	v = strtoul(buf, &end, 10);
	if (errno != 0 || end == buf)
		return -EIO;
	*out = v;
	return 0;
}

/* The kernel's default hugepage size ("Hugepagesize:" in /proc/meminfo),
 * or 0 when the kernel has no hugetlb support. */
static size_t default_hugepage_size(void)
{
	char line[256];
	size_t size = 0;
	FILE *f;

	f = fopen("/proc/meminfo", "re");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long kb;

		if (sscanf(line, "Hugepagesize: %lu kB", &kb) == 1) {
			size = (size_t)kb * 1024;
			break;
		}
	}
	fclose(f);
	return size;
}

/* "2M", "1G", "2048k", "2097152" -> bytes. */
static int parse_size(const char *s, size_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		return -EINVAL;
	switch (tolower((unsigned char)*end)) {
	case 'k':
		v <<= 10;
		end++;
		break;
	case 'm':
		v <<= 20;
		end++;
		break;
	case 'g':
		v <<= 30;
		end++;
		break;
	default:
		break;
	}
	if (*end != '\0' && *end != ',')
		return -EINVAL;
	*out = (size_t)v;
	return 0;
}

/* "2048 kB" / "1048576 kB": how the kernel names a size in sysfs. */
static unsigned long size_kb(size_t page_size)
{
	return (unsigned long)(page_size >> 10);
}

/* "2MB" / "1GB": how hugeadm names a size. */
static void hugeadm_size_name(size_t page_size, char *buf, size_t len)
{
	if (page_size >= (1ul << 30) && page_size % (1ul << 30) == 0)
		snprintf(buf, len, "%zuGB", page_size >> 30);
	else if (page_size >= (1ul << 20) && page_size % (1ul << 20) == 0)
		snprintf(buf, len, "%zuMB", page_size >> 20);
	else
		snprintf(buf, len, "%zuKB", page_size >> 10);
}

/* Number of NUMA nodes sysfs lists, 0 when it lists none (no NUMA). */
static unsigned count_sysfs_nodes(void)
{
	unsigned count = 0;
	struct dirent *de;
	DIR *d;

	d = opendir(SYSFS_NODES);
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		unsigned node;
		char tail;

		if (sscanf(de->d_name, "node%u%c", &node, &tail) == 1)
			count++;
	}
	closedir(d);
	return count;
}

long eal_hugepage_free_pages(size_t page_size,
			     unsigned free_pages[UPDK_MAX_NUMA_NODES])
{
	char path[PATH_MAX];
	unsigned long v;
	struct dirent *de;
	bool per_node = false;
	long total = 0;
	DIR *d;

	memset(free_pages, 0, sizeof(unsigned) * UPDK_MAX_NUMA_NODES);
	d = opendir(SYSFS_NODES);
	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			unsigned node;
			char tail;

			if (sscanf(de->d_name, "node%u%c", &node, &tail) != 1)
				continue;
			snprintf(path, sizeof(path),
				 SYSFS_NODES "/node%u/hugepages/hugepages-%lukB/free_hugepages",
				 node, size_kb(page_size));
			if (read_ulong_file(path, &v) < 0)
				continue;
			per_node = true;
			if (node >= UPDK_MAX_NUMA_NODES) {
				EAL_LOG(eal_mem_logtype, DEBUG,
					"ignoring NUMA node %u: the build tracks %d "
					"(meson -Dmax_numa_nodes)",
					node, UPDK_MAX_NUMA_NODES);
				continue;
			}
			free_pages[node] = (unsigned)v;
			total += (long)v;
		}
		closedir(d);
	}
	if (per_node)
		return total;

	/* Kernel without NUMA: one pool, counted as node 0. */
	snprintf(path, sizeof(path), SYSFS_HUGEPAGES "/hugepages-%lukB/free_hugepages",
		 size_kb(page_size));
	if (read_ulong_file(path, &v) < 0)
		return -ENOENT;
	free_pages[0] = (unsigned)v;
	return (long)v;
}

void eal_hugepage_log_shortage(const char *what, size_t page_size, int node,
			       unsigned long need, unsigned long free_pages)
{
	char nr_path[PATH_MAX], hugeadm_size[32], where[32] = "";
	unsigned long reserved = 0, target;

	/* On a NUMA machine the pool that must grow is the node's own. */
	if (node >= 0 && count_sysfs_nodes() > 1)
		snprintf(nr_path, sizeof(nr_path),
			 SYSFS_NODES "/node%d/hugepages/hugepages-%lukB/nr_hugepages",
			 node, size_kb(page_size));
	else
		snprintf(nr_path, sizeof(nr_path),
			 SYSFS_HUGEPAGES "/hugepages-%lukB/nr_hugepages",
			 size_kb(page_size));
	if (read_ulong_file(nr_path, &reserved) < 0)
		reserved = 0;
	target = reserved + (need > free_pages ? need - free_pages : 0);
	if (node >= 0)
		snprintf(where, sizeof(where), " on node %d", node);
	hugeadm_size_name(page_size, hugeadm_size, sizeof(hugeadm_size));
	EAL_LOG(eal_mem_logtype, ERR,
		"%s: need %lu pages of %lu kB%s, %lu free: reserve them with "
		"`hugeadm --pool-pages-min %s:%lu` (or echo %lu > %s), "
		"or run with --no-huge",
		what, need, size_kb(page_size), where, free_pages,
		hugeadm_size, target, target, nr_path);
}

/* The first writable hugetlbfs mount of @page_size in /proc/mounts. A mount
 * without pagesize= uses the kernel's default size. */
static bool find_hugetlbfs_mount(size_t page_size, size_t default_size,
				 char *out, size_t outlen)
{
	struct mntent ent, *m;
	char buf[4 * PATH_MAX];
	bool found = false;
	FILE *f;

	f = setmntent("/proc/mounts", "re");
	if (f == NULL)
		return false;
	while (!found && (m = getmntent_r(f, &ent, buf, sizeof(buf))) != NULL) {
		size_t mount_size = default_size;
		const char *opt;

		if (strcmp(m->mnt_type, "hugetlbfs") != 0)
			continue;
		opt = hasmntopt(m, "pagesize");
		if (opt != NULL && parse_size(opt + strlen("pagesize="),
					      &mount_size) < 0)
			continue;
		if (mount_size != page_size)
			continue;
		if (access(m->mnt_dir, W_OK | X_OK) != 0) {
			EAL_LOG(eal_mem_logtype, DEBUG,
				"hugetlbfs mount %s is not writable: skipped",
				m->mnt_dir);
			continue;
		}
		if (strlen(m->mnt_dir) >= outlen)
			continue;
		strcpy(out, m->mnt_dir);
		found = true;
	}
	endmntent(f);
	return found;
}

/* --huge-dir must be a writable directory on hugetlbfs; its block size is
 * the page size. */
static int check_huge_dir(const char *dir, size_t *page_size)
{
	struct statfs sfs;
	struct stat st;

	if (stat(dir, &st) < 0) {
		int err = errno;

		EAL_LOG(eal_mem_logtype, ERR,
			"--huge-dir %s: %s; give the directory of a hugetlbfs "
			"mount (mkdir -p %s && mount -t hugetlbfs nodev %s)",
			dir, strerror(err), dir, dir);
		return -err;
	}
	if (!S_ISDIR(st.st_mode)) {
		EAL_LOG(eal_mem_logtype, ERR,
			"--huge-dir %s is not a directory; give the directory "
			"of a hugetlbfs mount", dir);
		return -ENOTDIR;
	}
	if (statfs(dir, &sfs) < 0) {
		int err = errno;

		EAL_LOG(eal_mem_logtype, ERR, "--huge-dir %s: statfs: %s",
			dir, strerror(err));
		return -err;
	}
	if ((unsigned long)sfs.f_type != (unsigned long)HUGETLBFS_MAGIC) {
		EAL_LOG(eal_mem_logtype, ERR,
			"--huge-dir %s is not a hugetlbfs mount: mount one "
			"there (mount -t hugetlbfs nodev %s), give another "
			"directory, or use --in-memory / --no-huge", dir, dir);
		return -EINVAL;
	}
	if (access(dir, W_OK | X_OK) != 0) {
		EAL_LOG(eal_mem_logtype, ERR,
			"--huge-dir %s is not writable by this user: fix its "
			"permissions (mount option uid=/gid=/mode=) or run as root",
			dir);
		return -EACCES;
	}
	*page_size = (size_t)sfs.f_bsize;
	return 0;
}

/* Order: sizes with free pages first; among those the kernel's default size
 * (the administrator's choice), then larger before smaller. */
static int compare_hugepage_info(const struct eal_hugepage_info *a,
				 const struct eal_hugepage_info *b,
				 size_t default_size)
{
	bool a_free = a->total_free > 0, b_free = b->total_free > 0;

	if (a_free != b_free)
		return a_free ? -1 : 1;
	if ((a->page_size == default_size) != (b->page_size == default_size))
		return a->page_size == default_size ? -1 : 1;
	if (a->page_size != b->page_size)
		return a->page_size > b->page_size ? -1 : 1;
	return 0;
}

static void sort_hugepage_info(struct eal_hugepage_info *hp, unsigned n,
			       size_t default_size)
{
	unsigned i, j;

	/* A handful of sizes: insertion sort, no allocation. */
	for (i = 1; i < n; i++) {
		struct eal_hugepage_info key = hp[i];

		for (j = i; j > 0 &&
		     compare_hugepage_info(&hp[j - 1], &key, default_size) > 0; j--)
			hp[j] = hp[j - 1];
		hp[j] = key;
	}
}

int eal_hugepage_discover(const struct eal_config *cfg,
			  struct eal_hugepage_info *out, unsigned max)
{
	size_t default_size, dir_size = 0;
	bool want_mount = !cfg->in_memory;
	unsigned count = 0, sizes_seen = 0;
	struct dirent *de;
	DIR *d;
	int ret;

	if (cfg->no_huge || max == 0)
		return 0;

	if (want_mount && cfg->huge_dir[0] != '\0') {
		ret = check_huge_dir(cfg->huge_dir, &dir_size);
		if (ret < 0)
			return ret;
	}

	default_size = default_hugepage_size();
	d = opendir(SYSFS_HUGEPAGES);
	if (d == NULL) {
		EAL_LOG(eal_mem_logtype, ERR,
			"this kernel has no hugepage support (%s is missing): "
			"run with --no-huge", SYSFS_HUGEPAGES);
		return -ENOENT;
	}
	while ((de = readdir(d)) != NULL && count < max) {
		struct eal_hugepage_info *hp = &out[count];
		unsigned long kb;
		char tail;
		long total;

		if (sscanf(de->d_name, "hugepages-%lukB%c", &kb, &tail) != 1)
			continue;
		sizes_seen++;
		memset(hp, 0, sizeof(*hp));
		hp->page_size = (size_t)kb << 10;
		if (want_mount) {
			if (dir_size != 0) {
				if (hp->page_size != dir_size)
					continue;
				snprintf(hp->mount, sizeof(hp->mount), "%s",
					 cfg->huge_dir);
			} else if (!find_hugetlbfs_mount(hp->page_size, default_size,
							 hp->mount,
							 sizeof(hp->mount))) {
				EAL_LOG(eal_mem_logtype, DEBUG,
					"no writable hugetlbfs mount for %lu kB pages",
					kb);
				continue;
			}
		}
		total = eal_hugepage_free_pages(hp->page_size, hp->free_pages);
		hp->total_free = total > 0 ? (unsigned)total : 0;
		count++;
	}
	closedir(d);

	if (sizes_seen == 0) {
		EAL_LOG(eal_mem_logtype, ERR,
			"the kernel offers no hugepage size in %s: run with --no-huge",
			SYSFS_HUGEPAGES);
		return -ENOENT;
	}
	if (count == 0 && dir_size != 0) {
		EAL_LOG(eal_mem_logtype, ERR,
			"--huge-dir %s has %zu kB pages, a size this kernel does "
			"not offer", cfg->huge_dir, dir_size >> 10);
		return -EINVAL;
	}
	if (count == 0) {
		EAL_LOG(eal_mem_logtype, ERR,
			"no writable hugetlbfs mount found: mount one: "
			"mkdir -p /mnt/huge && mount -t hugetlbfs nodev /mnt/huge, "
			"or hugeadm --create-global-mounts; or use --in-memory / --no-huge");
		return -ENOENT;
	}
	sort_hugepage_info(out, count, default_size);
	return (int)count;
}

/* "<prefix>map_<digits>": exactly the names this prefix creates, so that a
 * prefix that is a leading part of another ("a" vs "amap_x") never matches
 * the other's files. */
static bool is_prefix_file(const char *name, const char *prefix)
{
	size_t plen = strlen(prefix);
	const char *p;

	if (strncmp(name, prefix, plen) != 0 ||
	    strncmp(name + plen, "map_", 4) != 0)
		return false;
	p = name + plen + 4;
	if (*p == '\0')
		return false;
	for (; *p != '\0'; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

int eal_hugepage_reclaim(const char *dir, const char *prefix)
{
	struct dirent *de;
	int removed = 0;
	DIR *d;

	if (dir == NULL || prefix == NULL || dir[0] == '\0')
		return 0;
	d = opendir(dir);
	if (d == NULL) {
		EAL_LOG(eal_mem_logtype, DEBUG, "reclaim: cannot open %s: %s",
			dir, strerror(errno));
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		int fd;

		if (!is_prefix_file(de->d_name, prefix))
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		/* A live owner holds LOCK_SH: only a dead one's file locks. */
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			if (unlinkat(dirfd(d), de->d_name, 0) == 0)
				removed++;
			else
				EAL_LOG(eal_mem_logtype, WARNING,
					"cannot remove stale hugepage file %s/%s: %s",
					dir, de->d_name, strerror(errno));
		}
		close(fd);
	}
	closedir(d);
	if (removed > 0)
		EAL_LOG(eal_mem_logtype, NOTICE,
			"reclaimed %d hugepage file(s) with prefix '%s' in %s "
			"left by a process that did not clean up",
			removed, prefix, dir);
	return removed;
}

/* Who holds the flock on @fd's file, from /proc/locks; 0 if unknown. */
static pid_t flock_holder(int fd)
{
	char line[256];
	struct stat st;
	pid_t holder = 0;
	FILE *f;

	if (fstat(fd, &st) < 0)
		return 0;
	f = fopen("/proc/locks", "re");
	if (f == NULL)
		return 0;
	while (holder == 0 && fgets(line, sizeof(line), f) != NULL) {
		unsigned maj, min;
		unsigned long ino;
		char type[16];
		int pid;

		/* "1: FLOCK  ADVISORY  WRITE 1234 00:2e:5678 0 EOF"; waiters
		 * have "->" after the index and are skipped by the match. */
		if (sscanf(line, "%*d: %15s %*s %*s %d %x:%x:%lu", type, &pid,
			   &maj, &min, &ino) != 5)
			continue;
		if (strcmp(type, "FLOCK") != 0)
			continue;
		if (ino == (unsigned long)st.st_ino && maj == major(st.st_dev) &&
		    min == minor(st.st_dev))
			holder = (pid_t)pid;
	}
	fclose(f);
	return holder;
}

int eal_hugepage_prefix_lock(const char *dir, const char *prefix)
{
	char path[PATH_MAX];
	int attempt;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s.lock", dir, prefix) >=
	    sizeof(path)) {
		EAL_LOG(eal_mem_logtype, ERR, "hugepage directory path too long: %s",
			dir);
		return -ENAMETOOLONG;
	}
	/* The previous owner unlinks the file on exit: a lock taken on an
	 * unlinked file protects nothing, so retry until the locked file is
	 * the one the path names. */
	for (attempt = 0; attempt < 10; attempt++) {
		struct stat by_fd, by_path;
		int fd, err;

		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0) {
			err = errno;
			EAL_LOG(eal_mem_logtype, ERR, "cannot create lock file %s: %s",
				path, strerror(err));
			return -err;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			pid_t holder;

			err = errno;
			if (err != EWOULDBLOCK) {
				close(fd);
				EAL_LOG(eal_mem_logtype, ERR, "cannot lock %s: %s",
					path, strerror(err));
				return -err;
			}
			holder = flock_holder(fd);
			close(fd);
			if (holder > 0)
				EAL_LOG(eal_mem_logtype, ERR,
					"file prefix %s is in use by pid %d; choose "
					"another --file-prefix", prefix, (int)holder);
			else
				EAL_LOG(eal_mem_logtype, ERR,
					"file prefix %s is in use by another process "
					"(it holds %s); choose another --file-prefix",
					prefix, path);
			return -EBUSY;
		}
		if (fstat(fd, &by_fd) == 0 && stat(path, &by_path) == 0 &&
		    by_fd.st_ino == by_path.st_ino && by_fd.st_dev == by_path.st_dev)
			return fd;
		close(fd);
	}
	EAL_LOG(eal_mem_logtype, ERR,
		"cannot take the lock %s: it keeps being replaced", path);
	return -EAGAIN;
}

void eal_hugepage_prefix_unlock(int lock_fd, const char *dir, const char *prefix)
{
	char path[PATH_MAX];

	if (lock_fd < 0)
		return;
	/* Unlink while still holding the lock so nobody locks a file that is
	 * about to vanish without noticing (see the retry above). */
	if ((size_t)snprintf(path, sizeof(path), "%s/%s.lock", dir, prefix) <
	    sizeof(path))
		unlink(path);
	close(lock_fd);
}
