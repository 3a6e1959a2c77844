/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * eal_init() / eal_cleanup(): the order of set-up steps, their undoing,
 * the runtime directory, TSC calibration, init hooks and config getters.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "eal_private.h"

struct eal_config eal_cfg;

enum eal_state { EAL_STATE_IDLE, EAL_STATE_BUSY, EAL_STATE_READY };
static _Atomic int eal_state = EAL_STATE_IDLE;

static uint64_t eal_tsc_hz_value;

static pthread_mutex_t hook_lock = PTHREAD_MUTEX_INITIALIZER;
static struct eal_hook *hook_list; /* sorted by order, stable */
/* Hooks whose init succeeded, in the order they ran: a hook registered
 * later (a plugin loaded after eal_init) must not shift what is undone. */
static struct eal_hook **hooks_done;
static unsigned hooks_nb_done;

/* Runtime directory and this process's presence marker inside it. */
static char runtime_dir[PATH_MAX];
static char runtime_marker[PATH_MAX];

/* --- TSC ------------------------------------------------------------- */

static uint64_t monotonic_raw_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void eal_tsc_calibrate(void)
{
#if defined(__aarch64__)
	uint64_t freq;

	/* The generic timer states its own frequency. */
	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
	eal_tsc_hz_value = freq;
#else
	struct timespec pause = { .tv_sec = 0, .tv_nsec = 10 * 1000 * 1000 };
	uint64_t ns0, ns1, tsc0, tsc1;

	/* Measured against the raw clock, which NTP does not slew. */
	ns0 = monotonic_raw_ns();
	tsc0 = eal_rdtsc();
	nanosleep(&pause, NULL);
	ns1 = monotonic_raw_ns();
	tsc1 = eal_rdtsc();
	if (ns1 <= ns0 || tsc1 <= tsc0) {
		EAL_LOG(eal_logtype, WARNING, "TSC calibration failed; assuming 1 GHz");
		eal_tsc_hz_value = 1000000000ull;
		return;
	}
	eal_tsc_hz_value = (uint64_t)((double)(tsc1 - tsc0) * 1e9 / (double)(ns1 - ns0));
#endif
	EAL_LOG(eal_logtype, INFO, "TSC frequency %" PRIu64 " Hz", eal_tsc_hz_value);
}

uint64_t eal_tsc_hz(void)
{
	return eal_tsc_hz_value;
}

/* --- runtime directory ------------------------------------------------ */

static int mkdir_owned(const char *path, mode_t mode)
{
	struct stat st;

	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return -errno;
	if (lstat(path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	return 0;
}

/* Parents for the per-prefix directory, best first. A private parent in
 * /tmp must be ours: anyone could have created it first. */
static int runtime_parent(unsigned attempt, char *buf, size_t size)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	struct stat st;
	int ret;

	switch (attempt) {
	case 0:
		snprintf(buf, size, "%s", UPDK_DEFAULT_RUNTIME_DIR);
		return mkdir_owned(buf, 0755);
	case 1:
		if (xdg == NULL || xdg[0] != '/')
			return -ENOENT;
		if ((size_t)snprintf(buf, size, "%s/updk", xdg) >= size)
			return -ENAMETOOLONG;
		return mkdir_owned(buf, 0700);
	case 2:
		snprintf(buf, size, "/tmp/updk-%u", (unsigned)getuid());
		ret = mkdir_owned(buf, 0700);
		if (ret < 0)
			return ret;
		if (lstat(buf, &st) < 0)
			return -errno;
		if (st.st_uid != getuid() || (st.st_mode & 0022) != 0)
			return -EPERM;
		return 0;
	default:
		return -ENOENT;
	}
}

/* Remove markers left by processes that died without eal_cleanup(). */
static void runtime_reclaim_markers(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char path[PATH_MAX];
		char *end;
		long pid;

		if (strncmp(de->d_name, ".pid-", 5) != 0)
			continue;
		pid = strtol(de->d_name + 5, &end, 10);
		if (*end != '\0' || pid <= 0 || pid == (long)getpid())
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) < sizeof(path))
			unlink(path);
	}
	closedir(d);
}

/*
 * Processes with the same --file-prefix share the directory, so it is
 * removed only when the last of them leaves: each one keeps a marker file
 * in it, and creating (mkdir + marker) and removing (unlink + rmdir) happen
 * under a lock on the parent, so no process removes the directory between
 * another's mkdir and its marker.
 */
static int runtime_dir_create(const char *prefix)
{
	char parent[PATH_MAX];
	int last_err = -ENOENT;
	unsigned attempt;

	for (attempt = 0; attempt < 3; attempt++) {
		int lock_fd, fd, ret;

		ret = runtime_parent(attempt, parent, sizeof(parent));
		if (ret < 0 || access(parent, W_OK | X_OK) < 0) {
			last_err = ret < 0 ? ret : -errno;
			continue;
		}
		lock_fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (lock_fd < 0 || flock(lock_fd, LOCK_EX) < 0) {
			last_err = -errno;
			if (lock_fd >= 0)
				close(lock_fd);
			continue;
		}
		ret = -ENAMETOOLONG;
		if ((size_t)snprintf(runtime_dir, sizeof(runtime_dir), "%s/%s",
				     parent, prefix) < sizeof(runtime_dir) &&
		    (size_t)snprintf(runtime_marker, sizeof(runtime_marker), "%s/.pid-%ld",
				     runtime_dir, (long)getpid()) < sizeof(runtime_marker))
			ret = mkdir_owned(runtime_dir, 0700);
		if (ret == 0) {
			runtime_reclaim_markers(runtime_dir);
			fd = open(runtime_marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
			if (fd < 0)
				ret = -errno;
			else
				close(fd);
		}
		close(lock_fd); /* releases the lock */
		if (ret == 0)
			return 0;
		last_err = ret;
	}
	runtime_dir[0] = '\0';
	runtime_marker[0] = '\0';
	EAL_LOG(eal_logtype, ERR,
		"cannot create a runtime directory in %s, $XDG_RUNTIME_DIR or /tmp: %s; make one of them writable",
		UPDK_DEFAULT_RUNTIME_DIR, strerror(-last_err));
	return last_err;
}

static void runtime_dir_remove(void)
{
	char parent[PATH_MAX];
	char *slash;
	int lock_fd;

	if (runtime_dir[0] == '\0')
		return;
	snprintf(parent, sizeof(parent), "%s", runtime_dir);
	slash = strrchr(parent, '/');
	if (slash != NULL)
		*slash = '\0';
	lock_fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lock_fd >= 0)
		(void)flock(lock_fd, LOCK_EX);
	unlink(runtime_marker);
	/* ENOTEMPTY: another process with this prefix still uses it. */
	if (rmdir(runtime_dir) < 0 && errno != ENOTEMPTY && errno != EEXIST)
		EAL_LOG(eal_logtype, WARNING, "cannot remove runtime directory %s: %s",
			runtime_dir, strerror(errno));
	if (lock_fd >= 0)
		close(lock_fd);
	runtime_dir[0] = '\0';
	runtime_marker[0] = '\0';
}

/* --- hooks ------------------------------------------------------------ */

void eal_hook_register(struct eal_hook *h)
{
	struct eal_hook **pos;
	struct eal_hook *it;

	if (h == NULL)
		return;
	pthread_mutex_lock(&hook_lock);
	for (it = hook_list; it != NULL; it = it->next) {
		if (it == h) {
			pthread_mutex_unlock(&hook_lock);
			return;
		}
	}
	/* After every hook of the same order: registration order breaks ties. */
	for (pos = &hook_list; *pos != NULL && (*pos)->order <= h->order;
	     pos = &(*pos)->next)
		;
	h->next = *pos;
	*pos = h;
	pthread_mutex_unlock(&hook_lock);
}

/* Cleanup of the hooks whose init ran, newest first. */
static void hooks_cleanup(void)
{
	while (hooks_nb_done > 0) {
		struct eal_hook *h = hooks_done[--hooks_nb_done];

		if (h->cleanup != NULL)
			h->cleanup();
	}
	free(hooks_done);
	hooks_done = NULL;
}

/* Runs on a snapshot of the list, without the lock, so that a hook may
 * register another one (it runs at the next eal_init()). */
static int hooks_init(void)
{
	struct eal_hook **snapshot;
	struct eal_hook *h;
	unsigned count = 0, i;

	pthread_mutex_lock(&hook_lock);
	for (h = hook_list; h != NULL; h = h->next)
		count++;
	snapshot = calloc(count ? count : 1, sizeof(*snapshot));
	if (snapshot == NULL) {
		pthread_mutex_unlock(&hook_lock);
		return -ENOMEM;
	}
	for (h = hook_list, i = 0; h != NULL; h = h->next)
		snapshot[i++] = h;
	pthread_mutex_unlock(&hook_lock);

	hooks_done = snapshot;
	hooks_nb_done = 0;
	for (i = 0; i < count; i++) {
		int ret;

		h = snapshot[i];
		ret = h->init != NULL ? h->init() : 0;

		if (ret != 0) {
			if (ret > 0)
				ret = -EIO;
			EAL_LOG(eal_logtype, ERR, "init step '%s' failed: %s",
				h->name != NULL ? h->name : "(unnamed)", strerror(-ret));
			hooks_cleanup();
			return ret;
		}
		hooks_nb_done++;
	}
	return 0;
}

/* --- init / cleanup --------------------------------------------------- */

int eal_init(int argc, char **argv)
{
	int expected = EAL_STATE_IDLE;
	int consumed, ret;

	if (!atomic_compare_exchange_strong(&eal_state, &expected, EAL_STATE_BUSY)) {
		EAL_LOG(eal_logtype, ERR, "eal_init() called twice; call eal_cleanup() first");
		return -EALREADY;
	}

	consumed = eal_parse_args(argc, argv, &eal_cfg, stderr);
	if (consumed < 0) {
		ret = consumed;
		goto fail_parse;
	}
	if (eal_cfg.help) {
		eal_usage(stdout);
		ret = EAL_INIT_HELP;
		goto fail_parse;
	}

	/* Log levels first, so that every later step honours them. */
	eal_log_apply_config(&eal_cfg);
	if (eal_tsc_hz_value == 0)
		eal_tsc_calibrate();

	ret = runtime_dir_create(eal_cfg.file_prefix);
	if (ret < 0)
		goto fail_parse;
	ret = eal_memory_init(&eal_cfg);
	if (ret < 0)
		goto fail_runtime_dir;
	ret = eal_lcore_init(&eal_cfg);
	if (ret < 0)
		goto fail_memory;

	/* Hooks use memory and lcores (ethdev probes devices), and the
	 * libraries they call may check eal_initialized(). */
	atomic_store(&eal_state, EAL_STATE_READY);
	ret = hooks_init();
	if (ret < 0) {
		atomic_store(&eal_state, EAL_STATE_BUSY);
		goto fail_lcore;
	}
	return consumed;

fail_lcore:
	eal_lcore_cleanup();
fail_memory:
	eal_memory_cleanup();
fail_runtime_dir:
	runtime_dir_remove();
fail_parse:
	eal_config_defaults(&eal_cfg);
	atomic_store(&eal_state, EAL_STATE_IDLE);
	return ret;
}

void eal_cleanup(void)
{
	int expected = EAL_STATE_READY;

	if (!atomic_compare_exchange_strong(&eal_state, &expected, EAL_STATE_BUSY))
		return;
	hooks_cleanup();
	eal_lcore_cleanup();
	eal_memory_cleanup();
	runtime_dir_remove();
	eal_config_defaults(&eal_cfg);
	atomic_store(&eal_state, EAL_STATE_IDLE);
}

bool eal_initialized(void)
{
	return atomic_load(&eal_state) == EAL_STATE_READY;
}

int eal_exit_status(int eal_init_result)
{
	if (eal_init_result >= 0 || eal_init_result == EAL_INIT_HELP)
		return 0;
	if (eal_init_result == -EINVAL)
		return 2;
	return 1;
}

/* --- configuration getters -------------------------------------------- */

enum eal_vfio_mode eal_vfio_mode(void)
{
	return eal_cfg.vfio_mode;
}

unsigned eal_allowed_device_count(void)
{
	return eal_cfg.nb_allowed;
}

const struct eal_device_spec *eal_allowed_device(unsigned i)
{
	return i < eal_cfg.nb_allowed ? &eal_cfg.allowed[i] : NULL;
}

unsigned eal_vdev_count(void)
{
	return eal_cfg.nb_vdevs;
}

const struct eal_vdev_spec *eal_vdev(unsigned i)
{
	return i < eal_cfg.nb_vdevs ? &eal_cfg.vdevs[i] : NULL;
}

const char *eal_file_prefix(void)
{
	return eal_cfg.file_prefix[0] != '\0' ? eal_cfg.file_prefix
					      : UPDK_DEFAULT_FILE_PREFIX;
}

const char *eal_runtime_dir(void)
{
	return runtime_dir;
}

/* Up to @max_digits hex digits, at least one. */
static const char *parse_hex(const char *s, unsigned max_digits, unsigned *out)
{
	unsigned v = 0, n = 0;

	for (; n < max_digits; n++, s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (*s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (*s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			break;
		v = v * 16 + d;
	}
	if (n == 0)
		return NULL;
	*out = v;
	return s;
}

int eal_pci_addr_parse(const char *s, char out[13])
{
	unsigned f1, f2, domain = 0, bus, dev, func;
	const char *p;

	if (s == NULL || out == NULL)
		return -EINVAL;
	/* Either DDDD:BB:DD.F or BB:DD.F: read two fields, then see whether
	 * a third ':'-field follows. */
	p = parse_hex(s, 4, &f1);
	if (p == NULL || *p != ':')
		return -EINVAL;
	p = parse_hex(p + 1, 2, &f2);
	if (p == NULL)
		return -EINVAL;
	if (*p == ':') {
		domain = f1;
		bus = f2;
		p = parse_hex(p + 1, 2, &dev);
		if (p == NULL)
			return -EINVAL;
	} else {
		if (f1 > 0xff)
			return -EINVAL;
		bus = f1;
		dev = f2;
	}
	if (*p != '.' || p[1] < '0' || p[1] > '7' || p[2] != '\0' || dev > 0x1f)
		return -EINVAL;
	func = (unsigned)(p[1] - '0');
	snprintf(out, 13, "%04x:%02x:%02x.%x", domain, bus, dev, func);
	return 0;
}
