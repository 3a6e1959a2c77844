/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Log components and levels.
 *
 * Components register from constructors, possibly before main() and before
 * any --log-level is known, so level settings are kept as an ordered list of
 * (pattern, level) rules: a component registered later still gets the rules
 * given earlier. The registry lock protects the list and the rules; the
 * level check in EAL_LOG() reads the component's level without it, which is
 * what keeps a disabled message to one load and one compare.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "eal_private.h"

EAL_LOG_COMPONENT_REGISTER(eal_logtype, "eal", EAL_LOG_NOTICE);

struct log_rule {
	char *pattern; /* NULL matches every component */
	int level;
};

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static struct eal_log_component *log_components;
static struct log_rule *log_rules;
static unsigned log_nb_rules;
static unsigned log_rules_cap;
static FILE *log_stream; /* NULL = stderr, looked up at write time */

static const char *const log_level_names[] = {
	[EAL_LOG_ERR] = "err",
	[EAL_LOG_WARNING] = "warning",
	[EAL_LOG_NOTICE] = "notice",
	[EAL_LOG_INFO] = "info",
	[EAL_LOG_DEBUG] = "debug",
};

static const char *const log_level_tags[] = {
	[EAL_LOG_ERR] = "ERR",
	[EAL_LOG_WARNING] = "WARNING",
	[EAL_LOG_NOTICE] = "NOTICE",
	[EAL_LOG_INFO] = "INFO",
	[EAL_LOG_DEBUG] = "DEBUG",
};

static bool log_level_valid(int level)
{
	return level >= EAL_LOG_ERR && level <= EAL_LOG_DEBUG;
}

static bool log_rule_matches(const struct log_rule *rule, const char *name)
{
	return rule->pattern == NULL || fnmatch(rule->pattern, name, 0) == 0;
}

void eal_log_component_register(struct eal_log_component *c)
{
	struct eal_log_component *it;
	unsigned i;

	if (c == NULL || c->name == NULL)
		return;

	pthread_mutex_lock(&log_lock);
	for (it = log_components; it != NULL; it = it->next) {
		if (it == c) {
			pthread_mutex_unlock(&log_lock);
			return;
		}
	}
	for (i = 0; i < log_nb_rules; i++) {
		if (log_rule_matches(&log_rules[i], c->name))
			c->level = log_rules[i].level;
	}
	c->next = log_components;
	log_components = c;
	pthread_mutex_unlock(&log_lock);
}

struct eal_log_component *eal_log_component_find(const char *name)
{
	struct eal_log_component *it;

	if (name == NULL)
		return NULL;
	pthread_mutex_lock(&log_lock);
	for (it = log_components; it != NULL; it = it->next) {
		if (strcmp(it->name, name) == 0)
			break;
	}
	pthread_mutex_unlock(&log_lock);
	return it;
}

static void log_rule_remove(unsigned idx)
{
	free(log_rules[idx].pattern);
	memmove(&log_rules[idx], &log_rules[idx + 1],
		(log_nb_rules - idx - 1) * sizeof(log_rules[0]));
	log_nb_rules--;
}

/* Called with log_lock held. */
static int log_rule_append(const char *pattern, int level)
{
	char *copy = NULL;
	unsigned i;

	if (pattern == NULL) {
		/* A global level supersedes every earlier rule. */
		while (log_nb_rules > 0)
			log_rule_remove(log_nb_rules - 1);
	} else {
		/* Re-setting a pattern moves it to the end: the newest wins. */
		for (i = 0; i < log_nb_rules; i++) {
			if (log_rules[i].pattern != NULL &&
			    strcmp(log_rules[i].pattern, pattern) == 0) {
				log_rule_remove(i);
				break;
			}
		}
		copy = strdup(pattern);
		if (copy == NULL)
			return -ENOMEM;
	}

	if (log_nb_rules == log_rules_cap) {
		unsigned cap = log_rules_cap ? log_rules_cap * 2 : 8;
		struct log_rule *grown = realloc(log_rules, cap * sizeof(*grown));

		if (grown == NULL) {
			free(copy);
			return -ENOMEM;
		}
		log_rules = grown;
		log_rules_cap = cap;
	}
	log_rules[log_nb_rules].pattern = copy;
	log_rules[log_nb_rules].level = level;
	log_nb_rules++;
	return 0;
}

int eal_log_set_level(const char *pattern, int level)
{
	struct eal_log_component *it;
	int ret;

	if (!log_level_valid(level))
		return -EINVAL;
	if (pattern != NULL && strcmp(pattern, "*") == 0)
		pattern = NULL;

	pthread_mutex_lock(&log_lock);
	ret = log_rule_append(pattern, level);
	if (ret == 0) {
		for (it = log_components; it != NULL; it = it->next) {
			if (pattern == NULL || fnmatch(pattern, it->name, 0) == 0)
				it->level = level;
		}
	}
	pthread_mutex_unlock(&log_lock);
	return ret;
}

int eal_log_level_parse(const char *s)
{
	char *end;
	long n;
	int level;

	if (s == NULL || *s == '\0')
		return -EINVAL;
	if (isdigit((unsigned char)s[0])) {
		errno = 0;
		n = strtol(s, &end, 10);
		if (errno != 0 || *end != '\0' || !log_level_valid((int)n))
			return -EINVAL;
		return (int)n;
	}
	for (level = EAL_LOG_ERR; level <= EAL_LOG_DEBUG; level++) {
		if (strcasecmp(s, log_level_names[level]) == 0)
			return level;
	}
	return -EINVAL;
}

void eal_log_set_stream(void *stream)
{
	pthread_mutex_lock(&log_lock);
	log_stream = stream;
	pthread_mutex_unlock(&log_lock);
}

void eal_log_vwrite(const struct eal_log_component *c, int level,
		    const char *fmt, va_list ap)
{
	char small[512];
	char *msg = small;
	char *big = NULL;
	const char *newline;
	FILE *out;
	va_list copy;
	int len;

	if (c == NULL || fmt == NULL || !log_level_valid(level) || c->level < level)
		return;

	/* Format first, then emit with one call, so lines from different
	 * threads do not interleave. */
	va_copy(copy, ap);
	len = vsnprintf(small, sizeof(small), fmt, copy);
	va_end(copy);
	if (len < 0)
		return;
	if ((size_t)len >= sizeof(small)) {
		big = malloc((size_t)len + 1);
		if (big != NULL) {
			vsnprintf(big, (size_t)len + 1, fmt, ap);
			msg = big;
		} else {
			len = (int)sizeof(small) - 1; /* print it truncated */
		}
	}
	newline = (len > 0 && msg[len - 1] == '\n') ? "" : "\n";

	pthread_mutex_lock(&log_lock);
	out = log_stream != NULL ? log_stream : stderr;
	pthread_mutex_unlock(&log_lock);
	fprintf(out, "%s: %s: %s%s", c->name, log_level_tags[level], msg, newline);
	fflush(out);
	free(big);
}

void eal_log_write(const struct eal_log_component *c, int level,
		   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	eal_log_vwrite(c, level, fmt, ap);
	va_end(ap);
}

void eal_log_apply_config(const struct eal_config *cfg)
{
	unsigned i;

	for (i = 0; i < cfg->nb_log_levels; i++) {
		const char *pattern = cfg->log_levels[i].pattern;

		if (eal_log_set_level(pattern[0] != '\0' ? pattern : NULL,
				      cfg->log_levels[i].level) < 0)
			EAL_LOG(eal_logtype, WARNING,
				"cannot apply --log-level=%s:%d: out of memory",
				pattern, cfg->log_levels[i].level);
	}
}
