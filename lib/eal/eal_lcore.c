/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Logical cores: the main lcore is the thread that called eal_init(); each
 * other enabled lcore gets a pinned worker thread that sleeps on a condition
 * variable until eal_remote_launch() hands it a function. Launch and wait
 * are control-path operations, so a mutex per lcore is fine; what runs on
 * the lcore afterwards does not touch it.
 */
#include <errno.h>
#include <numa.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eal_private.h"

__thread unsigned eal_per_lcore_id = EAL_LCORE_ID_ANY;

struct lcore {
	pthread_mutex_t lock;
	pthread_cond_t cond;     /* state changes, both directions */
	enum eal_lcore_state state;
	eal_lcore_fn fn;
	void *arg;
	int ret;
	bool quit;
	bool enabled;
	bool has_thread;
	pthread_t thread;
	int cpu;
	int socket;
} __cache_aligned;

static struct lcore lcores[EAL_MAX_LCORES];
static unsigned lcore_main_id;
static unsigned lcore_nb;
static bool lcore_ready;
/* The caller's affinity before it was pinned to the main lcore's CPU, put
 * back at cleanup so that a later eal_init() sees every CPU again. */
static cpu_set_t *main_saved_affinity;
static size_t main_saved_affinity_size;

cpu_set_t *eal_thread_affinity_get(size_t *size)
{
	int ncpus = 1024;
	long conf = sysconf(_SC_NPROCESSORS_CONF);

	if (conf > ncpus)
		ncpus = (int)conf;
	for (;;) {
		cpu_set_t *set = CPU_ALLOC(ncpus);
		int ret;

		if (set == NULL) {
			errno = ENOMEM;
			return NULL;
		}
		*size = CPU_ALLOC_SIZE(ncpus);
		ret = pthread_getaffinity_np(pthread_self(), *size, set);
		if (ret == 0)
			return set;
		CPU_FREE(set);
		/* EINVAL: the kernel's mask is larger than ours. */
		if (ret != EINVAL || ncpus >= (1 << 20)) {
			errno = ret;
			return NULL;
		}
		ncpus *= 2;
	}
}

static int pin_to_cpu(pthread_t thread, int cpu)
{
	size_t size = CPU_ALLOC_SIZE(cpu + 1);
	cpu_set_t *set = CPU_ALLOC(cpu + 1);
	int ret;

	if (set == NULL)
		return ENOMEM;
	CPU_ZERO_S(size, set);
	CPU_SET_S((size_t)cpu, size, set);
	ret = pthread_setaffinity_np(thread, size, set);
	CPU_FREE(set);
	return ret;
}

static bool lcore_is_worker(unsigned id)
{
	return lcore_ready && id < EAL_MAX_LCORES && lcores[id].enabled &&
	       id != lcore_main_id;
}

static void *lcore_worker_main(void *p)
{
	struct lcore *lc = p;

	eal_per_lcore_id = (unsigned)(lc - lcores);
	pthread_mutex_lock(&lc->lock);
	for (;;) {
		eal_lcore_fn fn;
		void *arg;
		int ret;

		while (lc->state != EAL_LCORE_RUNNING && !lc->quit)
			pthread_cond_wait(&lc->cond, &lc->lock);
		/* A function launched before cleanup still runs. */
		if (lc->state != EAL_LCORE_RUNNING)
			break;
		fn = lc->fn;
		arg = lc->arg;
		pthread_mutex_unlock(&lc->lock);

		ret = fn(arg);

		pthread_mutex_lock(&lc->lock);
		lc->ret = ret;
		lc->fn = NULL;
		lc->arg = NULL;
		lc->state = EAL_LCORE_FINISHED;
		pthread_cond_broadcast(&lc->cond);
	}
	pthread_mutex_unlock(&lc->lock);
	return NULL;
}

static int lcore_start_worker(unsigned id)
{
	struct lcore *lc = &lcores[id];
	char name[16];
	int ret;

	ret = pthread_create(&lc->thread, NULL, lcore_worker_main, lc);
	if (ret != 0) {
		EAL_LOG(eal_logtype, ERR, "cannot create the thread of lcore %u: %s",
			id, strerror(ret));
		return -ret;
	}
	lc->has_thread = true;
	ret = pin_to_cpu(lc->thread, lc->cpu);
	if (ret != 0) {
		EAL_LOG(eal_logtype, ERR, "cannot pin lcore %u to CPU %d: %s",
			id, lc->cpu, strerror(ret));
		return -ret;
	}
	snprintf(name, sizeof(name), "lcore-%u", id);
	/* Only a debugging aid: a failure here changes nothing. */
	(void)pthread_setname_np(lc->thread, name);
	return 0;
}

static void lcore_stop_worker(unsigned id)
{
	struct lcore *lc = &lcores[id];

	pthread_mutex_lock(&lc->lock);
	if (lc->state == EAL_LCORE_RUNNING)
		EAL_LOG(eal_logtype, WARNING,
			"eal_cleanup: lcore %u is still running a function; waiting for it to return",
			id);
	lc->quit = true;
	pthread_cond_broadcast(&lc->cond);
	pthread_mutex_unlock(&lc->lock);
	pthread_join(lc->thread, NULL);
	lc->has_thread = false;
}

static void lcore_reset_table(void)
{
	unsigned id;

	for (id = 0; id < EAL_MAX_LCORES; id++) {
		struct lcore *lc = &lcores[id];

		if (lc->enabled) {
			pthread_cond_destroy(&lc->cond);
			pthread_mutex_destroy(&lc->lock);
		}
		memset(lc, 0, sizeof(*lc));
		lc->cpu = -1;
		lc->socket = -1;
	}
	lcore_nb = 0;
	lcore_main_id = 0;
	lcore_ready = false;
}

static void lcore_restore_main_affinity(void)
{
	if (main_saved_affinity == NULL)
		return;
	if (pthread_setaffinity_np(pthread_self(), main_saved_affinity_size,
				   main_saved_affinity) != 0)
		EAL_LOG(eal_logtype, WARNING,
			"cannot restore the CPU affinity of the main thread");
	CPU_FREE(main_saved_affinity);
	main_saved_affinity = NULL;
}

int eal_lcore_init(const struct eal_config *cfg)
{
	bool have_numa = numa_available() >= 0;
	unsigned id;
	int ret;

	if (lcore_ready)
		return -EALREADY;
	if (cfg->main_lcore >= EAL_MAX_LCORES || cfg->lcore_cpu[cfg->main_lcore] < 0) {
		EAL_LOG(eal_logtype, ERR, "main lcore %u is not enabled", cfg->main_lcore);
		return -EINVAL;
	}

	lcore_reset_table();
	for (id = 0; id < EAL_MAX_LCORES; id++) {
		struct lcore *lc = &lcores[id];
		int node = 0;

		if (cfg->lcore_cpu[id] < 0)
			continue;
		if (have_numa) {
			node = numa_node_of_cpu(cfg->lcore_cpu[id]);
			if (node < 0)
				node = 0;
		}
		pthread_mutex_init(&lc->lock, NULL);
		pthread_cond_init(&lc->cond, NULL);
		lc->state = EAL_LCORE_WAIT;
		lc->cpu = cfg->lcore_cpu[id];
		lc->socket = node;
		lc->enabled = true;
		lcore_nb++;
		EAL_LOG(eal_logtype, DEBUG, "lcore %u: CPU %d, NUMA node %d%s",
			id, lc->cpu, lc->socket, id == cfg->main_lcore ? " (main)" : "");
	}
	lcore_main_id = cfg->main_lcore;

	main_saved_affinity = eal_thread_affinity_get(&main_saved_affinity_size);
	if (main_saved_affinity == NULL) {
		ret = -errno;
		EAL_LOG(eal_logtype, ERR, "cannot read the main thread's CPU affinity: %s",
			strerror(errno));
		lcore_reset_table();
		return ret;
	}
	ret = pin_to_cpu(pthread_self(), lcores[lcore_main_id].cpu);
	if (ret != 0) {
		EAL_LOG(eal_logtype, ERR, "cannot pin the main lcore %u to CPU %d: %s",
			lcore_main_id, lcores[lcore_main_id].cpu, strerror(ret));
		lcore_restore_main_affinity();
		lcore_reset_table();
		return -ret;
	}

	lcore_ready = true;
	for (id = 0; id < EAL_MAX_LCORES; id++) {
		if (!lcore_is_worker(id))
			continue;
		ret = lcore_start_worker(id);
		if (ret < 0) {
			eal_lcore_cleanup();
			return ret;
		}
	}
	eal_per_lcore_id = lcore_main_id;
	return 0;
}

void eal_lcore_cleanup(void)
{
	unsigned id;

	if (!lcore_ready)
		return;
	for (id = 0; id < EAL_MAX_LCORES; id++) {
		if (lcores[id].has_thread)
			lcore_stop_worker(id);
	}
	lcore_restore_main_affinity();
	lcore_reset_table();
	eal_per_lcore_id = EAL_LCORE_ID_ANY;
}

unsigned eal_main_lcore(void)
{
	return lcore_main_id;
}

unsigned eal_lcore_count(void)
{
	return lcore_nb;
}

bool eal_lcore_is_enabled(unsigned lcore_id)
{
	return lcore_ready && lcore_id < EAL_MAX_LCORES && lcores[lcore_id].enabled;
}

int eal_lcore_cpu(unsigned lcore_id)
{
	return eal_lcore_is_enabled(lcore_id) ? lcores[lcore_id].cpu : -1;
}

int eal_lcore_socket(unsigned lcore_id)
{
	return eal_lcore_is_enabled(lcore_id) ? lcores[lcore_id].socket : -1;
}

int eal_socket_id(void)
{
	unsigned id = eal_per_lcore_id;

	return eal_lcore_is_enabled(id) ? lcores[id].socket : 0;
}

unsigned eal_lcore_next(unsigned i, bool skip_main)
{
	unsigned id = (i == UINT32_MAX) ? 0 : i + 1;

	if (i != UINT32_MAX && i >= EAL_MAX_LCORES)
		return EAL_MAX_LCORES;
	for (; id < EAL_MAX_LCORES; id++) {
		if (!eal_lcore_is_enabled(id))
			continue;
		if (skip_main && id == lcore_main_id)
			continue;
		return id;
	}
	return EAL_MAX_LCORES;
}

int eal_remote_launch(eal_lcore_fn fn, void *arg, unsigned worker)
{
	struct lcore *lc;

	if (fn == NULL || !lcore_is_worker(worker))
		return -EINVAL;
	lc = &lcores[worker];
	pthread_mutex_lock(&lc->lock);
	if (lc->state != EAL_LCORE_WAIT) {
		pthread_mutex_unlock(&lc->lock);
		return -EBUSY;
	}
	lc->fn = fn;
	lc->arg = arg;
	lc->state = EAL_LCORE_RUNNING;
	pthread_cond_broadcast(&lc->cond);
	pthread_mutex_unlock(&lc->lock);
	return 0;
}

int eal_mp_remote_launch(eal_lcore_fn fn, void *arg, bool call_main)
{
	unsigned id;
	int ret;

	if (fn == NULL)
		return -EINVAL;
	/* All or nothing: refuse before starting any if one is busy. */
	EAL_LCORE_FOREACH_WORKER(id) {
		if (eal_lcore_state(id) != EAL_LCORE_WAIT)
			return -EBUSY;
	}
	EAL_LCORE_FOREACH_WORKER(id) {
		ret = eal_remote_launch(fn, arg, id);
		if (ret < 0)
			return ret;
	}
	if (call_main)
		(void)fn(arg);
	return 0;
}

int eal_wait_lcore(unsigned worker)
{
	struct lcore *lc;
	int ret = 0;

	if (!lcore_is_worker(worker))
		return -EINVAL;
	lc = &lcores[worker];
	pthread_mutex_lock(&lc->lock);
	while (lc->state == EAL_LCORE_RUNNING)
		pthread_cond_wait(&lc->cond, &lc->lock);
	if (lc->state == EAL_LCORE_FINISHED) {
		ret = lc->ret;
		lc->state = EAL_LCORE_WAIT;
	}
	pthread_mutex_unlock(&lc->lock);
	return ret;
}

void eal_mp_wait_lcore(void)
{
	unsigned id;

	EAL_LCORE_FOREACH_WORKER(id)
		(void)eal_wait_lcore(id);
}

enum eal_lcore_state eal_lcore_state(unsigned worker)
{
	struct lcore *lc;
	enum eal_lcore_state state;

	if (!lcore_is_worker(worker))
		return EAL_LCORE_WAIT;
	lc = &lcores[worker];
	pthread_mutex_lock(&lc->lock);
	state = lc->state;
	pthread_mutex_unlock(&lc->lock);
	return state;
}
