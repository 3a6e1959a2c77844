/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Logging: level names, the component registry, glob patterns (including
 * for components registered after the pattern was set), the output format
 * and whole lines under concurrent writers.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "eal_private.h"

EAL_LOG_COMPONENT_REGISTER(alpha_logtype, "test.alpha", EAL_LOG_NOTICE);
EAL_LOG_COMPONENT_REGISTER(beta_logtype, "test.beta", EAL_LOG_WARNING);
EAL_LOG_COMPONENT_REGISTER(other_logtype, "other", EAL_LOG_ERR);

static char *out_text;
static size_t out_len;
static FILE *out;

static void capture_start(void)
{
	free(out_text);
	out_text = NULL;
	out = open_memstream(&out_text, &out_len);
	assert_non_null(out);
	eal_log_set_stream(out);
}

/* Stop capturing; the text is in out_text. */
static void capture_stop(void)
{
	eal_log_set_stream(NULL);
	fclose(out);
	out = NULL;
}

/* Every test starts from: no rules, each component at its own default. */
static int reset_levels(void **state)
{
	(void)state;
	assert_int_equal(eal_log_set_level("*", EAL_LOG_NOTICE), 0);
	alpha_logtype.level = EAL_LOG_NOTICE;
	beta_logtype.level = EAL_LOG_WARNING;
	other_logtype.level = EAL_LOG_ERR;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(out_text);
	return 0;
}

static void test_level_parse(void **state)
{
	static const struct {
		const char *s;
		int level;
	} cases[] = {
		{ "err", EAL_LOG_ERR },         { "warning", EAL_LOG_WARNING },
		{ "notice", EAL_LOG_NOTICE },   { "info", EAL_LOG_INFO },
		{ "debug", EAL_LOG_DEBUG },     { "DEBUG", EAL_LOG_DEBUG },
		{ "1", EAL_LOG_ERR },           { "5", EAL_LOG_DEBUG },
		{ "3", EAL_LOG_NOTICE },        { "", -EINVAL },
		{ "0", -EINVAL },               { "6", -EINVAL },
		{ "-1", -EINVAL },              { "3x", -EINVAL },
		{ "loud", -EINVAL },            { "errr", -EINVAL },
		{ "99999999999999999999", -EINVAL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < EAL_DIM(cases); i++) {
		if (eal_log_level_parse(cases[i].s) != cases[i].level) {
			print_error("'%s' parsed as %d, expected %d\n", cases[i].s,
				    eal_log_level_parse(cases[i].s), cases[i].level);
			fail();
		}
	}
	assert_int_equal(eal_log_level_parse(NULL), -EINVAL);
}

static void test_registry(void **state)
{
	(void)state;
	assert_ptr_equal(eal_log_component_find("test.alpha"), &alpha_logtype);
	assert_ptr_equal(eal_log_component_find("other"), &other_logtype);
	assert_ptr_equal(eal_log_component_find("eal"), &eal_logtype);
	assert_int_equal(eal_logtype.level, EAL_LOG_NOTICE);
	assert_null(eal_log_component_find("test"));
	assert_null(eal_log_component_find("test.*"));
	assert_null(eal_log_component_find(NULL));
	/* Registering again changes nothing. */
	eal_log_component_register(&alpha_logtype);
	eal_log_component_register(NULL);
	assert_ptr_equal(eal_log_component_find("test.alpha"), &alpha_logtype);
}

static void test_set_level_patterns(void **state)
{
	(void)state;
	assert_int_equal(eal_log_set_level("test.alpha", EAL_LOG_DEBUG), 0);
	assert_int_equal(alpha_logtype.level, EAL_LOG_DEBUG);
	assert_int_equal(beta_logtype.level, EAL_LOG_WARNING);

	assert_int_equal(eal_log_set_level("test.*", EAL_LOG_INFO), 0);
	assert_int_equal(alpha_logtype.level, EAL_LOG_INFO);
	assert_int_equal(beta_logtype.level, EAL_LOG_INFO);
	assert_int_equal(other_logtype.level, EAL_LOG_ERR);

	assert_int_equal(eal_log_set_level("t?st.[ab]*", EAL_LOG_ERR), 0);
	assert_int_equal(alpha_logtype.level, EAL_LOG_ERR);
	assert_int_equal(beta_logtype.level, EAL_LOG_ERR);

	/* NULL and "*" are every component. */
	assert_int_equal(eal_log_set_level(NULL, EAL_LOG_WARNING), 0);
	assert_int_equal(other_logtype.level, EAL_LOG_WARNING);
	assert_int_equal(eal_logtype.level, EAL_LOG_WARNING);
	assert_int_equal(eal_log_set_level("*", EAL_LOG_DEBUG), 0);
	assert_int_equal(alpha_logtype.level, EAL_LOG_DEBUG);
	assert_int_equal(other_logtype.level, EAL_LOG_DEBUG);
}

static void test_set_level_bad(void **state)
{
	(void)state;
	assert_int_equal(eal_log_set_level("test.alpha", 0), -EINVAL);
	assert_int_equal(eal_log_set_level("test.alpha", 6), -EINVAL);
	assert_int_equal(eal_log_set_level(NULL, -1), -EINVAL);
	assert_int_equal(alpha_logtype.level, EAL_LOG_NOTICE);
	assert_int_equal(other_logtype.level, EAL_LOG_ERR);
}

static void test_late_registration(void **state)
{
	static struct eal_log_component gamma = { .name = "test.gamma", .level = EAL_LOG_NOTICE };
	static struct eal_log_component delta = { .name = "test.alpha.delta", .level = EAL_LOG_NOTICE };
	static struct eal_log_component unrelated = { .name = "zzz", .level = EAL_LOG_NOTICE };
	static struct eal_log_component epsilon = { .name = "test.alpha.eps", .level = EAL_LOG_NOTICE };

	(void)state;
	/* Rules are kept in order; the last matching one wins. */
	assert_int_equal(eal_log_set_level("test.*", EAL_LOG_DEBUG), 0);
	assert_int_equal(eal_log_set_level("test.alpha.*", EAL_LOG_ERR), 0);
	eal_log_component_register(&gamma);
	eal_log_component_register(&delta);
	eal_log_component_register(&unrelated);
	assert_ptr_equal(eal_log_component_find("test.gamma"), &gamma);
	assert_int_equal(gamma.level, EAL_LOG_DEBUG);
	assert_int_equal(delta.level, EAL_LOG_ERR);
	assert_int_equal(unrelated.level, EAL_LOG_NOTICE);

	/* Setting a pattern again makes it the newest rule. */
	assert_int_equal(eal_log_set_level("test.*", EAL_LOG_INFO), 0);
	eal_log_component_register(&epsilon);
	assert_int_equal(epsilon.level, EAL_LOG_INFO);

	/* A global level replaces every earlier rule, for later ones too. */
	assert_int_equal(eal_log_set_level("*", EAL_LOG_WARNING), 0);
	{
		static struct eal_log_component zeta = { .name = "test.alpha.zeta", .level = EAL_LOG_DEBUG };

		eal_log_component_register(&zeta);
		assert_int_equal(zeta.level, EAL_LOG_WARNING);
	}
}

static void test_apply_config(void **state)
{
	struct eal_config *cfg = calloc(1, sizeof(*cfg));

	(void)state;
	assert_non_null(cfg);
	eal_config_defaults(cfg);
	/* As --log-level=info --log-level=test.b*:debug gives them. */
	snprintf(cfg->log_levels[0].pattern, sizeof(cfg->log_levels[0].pattern), "%s", "");
	cfg->log_levels[0].level = EAL_LOG_INFO;
	snprintf(cfg->log_levels[1].pattern, sizeof(cfg->log_levels[1].pattern), "%s", "test.b*");
	cfg->log_levels[1].level = EAL_LOG_DEBUG;
	cfg->nb_log_levels = 2;
	eal_log_apply_config(cfg);
	assert_int_equal(alpha_logtype.level, EAL_LOG_INFO);
	assert_int_equal(beta_logtype.level, EAL_LOG_DEBUG);
	assert_int_equal(other_logtype.level, EAL_LOG_INFO);
	free(cfg);
}

static int side_effects;

static int bump(void)
{
	return ++side_effects;
}

static void test_output_format(void **state)
{
	char long_msg[2000];

	(void)state;
	capture_start();
	EAL_LOG(alpha_logtype, ERR, "pool %s: %d left", "rx", 3);
	EAL_LOG(alpha_logtype, NOTICE, "already ends in a newline\n");
	EAL_LOG(beta_logtype, WARNING, "warned");
	/* Above the component's level: nothing, arguments not evaluated. */
	side_effects = 0;
	EAL_LOG(alpha_logtype, DEBUG, "hidden %d", bump());
	EAL_LOG(beta_logtype, NOTICE, "hidden %d", bump());
	eal_log_write(&beta_logtype, EAL_LOG_INFO, "hidden too");
	eal_log_write(&beta_logtype, 9, "bad level");
	eal_log_write(NULL, EAL_LOG_ERR, "no component");
	capture_stop();
	assert_int_equal(side_effects, 0);
	assert_string_equal(out_text,
			    "test.alpha: ERR: pool rx: 3 left\n"
			    "test.alpha: NOTICE: already ends in a newline\n"
			    "test.beta: WARNING: warned\n");

	/* Longer than any internal buffer: printed whole. */
	memset(long_msg, 'x', sizeof(long_msg) - 1);
	long_msg[sizeof(long_msg) - 1] = '\0';
	capture_start();
	EAL_LOG(other_logtype, ERR, "%s|end", long_msg);
	capture_stop();
	assert_int_equal(strlen(out_text), strlen("other: ERR: ") + strlen(long_msg) + 5);
	assert_non_null(strstr(out_text, "x|end\n"));

	/* Level names in the output. */
	assert_int_equal(eal_log_set_level("test.alpha", EAL_LOG_DEBUG), 0);
	capture_start();
	EAL_LOG(alpha_logtype, INFO, "i");
	EAL_LOG(alpha_logtype, DEBUG, "d");
	capture_stop();
	assert_string_equal(out_text, "test.alpha: INFO: i\ntest.alpha: DEBUG: d\n");
}

#define NB_WRITERS 4
#define LINES_PER_WRITER 500

static void *writer(void *arg)
{
	int id = (int)(intptr_t)arg;
	int i;

	for (i = 0; i < LINES_PER_WRITER; i++)
		EAL_LOG(alpha_logtype, ERR, "writer %d line %d %s", id, i,
			"padding-padding-padding-padding-padding-padding");
	return NULL;
}

static void test_concurrent_lines(void **state)
{
	pthread_t threads[NB_WRITERS];
	int counts[NB_WRITERS] = { 0 };
	char *line, *save = NULL;
	int i;

	(void)state;
	capture_start();
	for (i = 0; i < NB_WRITERS; i++)
		assert_int_equal(pthread_create(&threads[i], NULL, writer, (void *)(intptr_t)i), 0);
	for (i = 0; i < NB_WRITERS; i++)
		pthread_join(threads[i], NULL);
	capture_stop();

	/* Every line whole: prefix, one writer's text, nothing interleaved. */
	for (line = strtok_r(out_text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		int id, n, end = 0;

		if (sscanf(line, "test.alpha: ERR: writer %d line %d padding-padding-padding-padding-padding-padding%n",
			   &id, &n, &end) != 2 || line[end] != '\0' || id < 0 || id >= NB_WRITERS) {
			print_error("mangled line: %s\n", line);
			fail();
		}
		counts[id]++;
	}
	for (i = 0; i < NB_WRITERS; i++)
		assert_int_equal(counts[i], LINES_PER_WRITER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_level_parse, reset_levels),
		cmocka_unit_test_setup(test_registry, reset_levels),
		cmocka_unit_test_setup(test_set_level_patterns, reset_levels),
		cmocka_unit_test_setup(test_set_level_bad, reset_levels),
		cmocka_unit_test_setup(test_late_registration, reset_levels),
		cmocka_unit_test_setup(test_apply_config, reset_levels),
		cmocka_unit_test_setup(test_output_format, reset_levels),
		cmocka_unit_test_setup(test_concurrent_lines, reset_levels),
	};

	return cmocka_run_group_tests(tests, NULL, group_teardown);
}
