/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Logging with levels and named components, to stderr.
 *
 * A component is a static object registered by a constructor:
 *
 *     EAL_LOG_COMPONENT_REGISTER(mempool_logtype, "mempool", EAL_LOG_NOTICE);
 *     EAL_LOG(mempool_logtype, ERR, "pool %s: out of memory", name);
 *
 * A disabled message costs one load and one compare: the level check is
 * inline and the arguments are not evaluated.
 *
 * Levels are set with --log-level=[pattern:]level, where pattern is a
 * component name or an fnmatch(3) glob (for example "pmd.net.*"), and level
 * is a name (err, warning, notice, info, debug) or a number 1..5.
 */
#ifndef UPDK_EAL_LOG_H
#define UPDK_EAL_LOG_H

#include <stdarg.h>
#include "eal_common.h"

enum eal_log_level {
	EAL_LOG_ERR = 1,
	EAL_LOG_WARNING = 2,
	EAL_LOG_NOTICE = 3,
	EAL_LOG_INFO = 4,
	EAL_LOG_DEBUG = 5,
};

struct eal_log_component {
	const char *name;
	int level;                      /**< messages at or below it are printed */
	struct eal_log_component *next; /**< registry link, owned by the EAL */
};

/** Add @p c to the registry and apply any --log-level pattern matching it. */
void eal_log_component_register(struct eal_log_component *c);

/** Find a registered component by exact name, or NULL. */
struct eal_log_component *eal_log_component_find(const char *name);

/**
 * Set the level of every component whose name matches @p pattern (glob),
 * now and for components registered later. NULL or "*" means all.
 * @return 0, -EINVAL for a level outside 1..5, or -ENOMEM (the rule could
 *         not be stored; nothing changed).
 */
int eal_log_set_level(const char *pattern, int level);

/** Parse "err", "warning", ..., or "1".."5". @return level, or -EINVAL. */
int eal_log_level_parse(const char *s);

/** Print one message (a newline is added if missing). Use EAL_LOG(). */
void eal_log_write(const struct eal_log_component *c, int level,
		   const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void eal_log_vwrite(const struct eal_log_component *c, int level,
		    const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

/** Send log output to @p stream instead of stderr (tests capture it). */
void eal_log_set_stream(void *stream /* FILE * */);

#define EAL_LOG_COMPONENT_REGISTER(var, name_str, default_level)        \
	struct eal_log_component var = { .name = (name_str),           \
					 .level = (default_level) };    \
	__attribute__((constructor(101))) static void var##_register(void) \
	{                                                               \
		eal_log_component_register(&var);                       \
	}

#define EAL_LOG_ENABLED(comp, lvl) (unlikely((comp).level >= EAL_LOG_##lvl))

#define EAL_LOG(comp, lvl, ...)                                         \
	do {                                                            \
		if (EAL_LOG_ENABLED(comp, lvl))                         \
			eal_log_write(&(comp), EAL_LOG_##lvl, __VA_ARGS__); \
	} while (0)

/** The EAL's own component ("eal"), usable by the libraries above it. */
extern struct eal_log_component eal_logtype;

#endif /* UPDK_EAL_LOG_H */
