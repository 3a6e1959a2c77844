/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device arguments "key=value,...": parsing, syntax errors, unknown keys
 * (the log must name the key and the accepted ones), typed getters.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "eal_kvargs.h"
#include "eal_private.h"

static char *log_text;
static size_t log_len;
static FILE *log_out;

static void capture_start(void)
{
	free(log_text);
	log_text = NULL;
	log_out = open_memstream(&log_text, &log_len);
	assert_non_null(log_out);
	eal_log_set_stream(log_out);
}

static void capture_stop(void)
{
	eal_log_set_stream(NULL);
	fclose(log_out);
}

static void check_log_mentions(const char *needle)
{
	if (log_text == NULL || strstr(log_text, needle) == NULL) {
		print_error("log does not mention \"%s\":\n%s\n", needle,
			    log_text ? log_text : "(none)");
		fail();
	}
}

static int group_teardown(void **state)
{
	(void)state;
	free(log_text);
	return 0;
}

static void test_parse(void **state)
{
	struct eal_kvargs kv;

	(void)state;
	assert_int_equal(eal_kvargs_parse(&kv, "rxq=2,path=/tmp/a=b,flag,mac=02:00:00:00:00:01", NULL), 0);
	assert_int_equal(kv.count, 4);
	assert_string_equal(kv.pairs[0].key, "rxq");
	assert_string_equal(kv.pairs[0].value, "2");
	/* Only the first '=' separates. */
	assert_string_equal(kv.pairs[1].key, "path");
	assert_string_equal(kv.pairs[1].value, "/tmp/a=b");
	assert_string_equal(kv.pairs[2].key, "flag");
	assert_string_equal(kv.pairs[2].value, "");
	assert_string_equal(eal_kvargs_get(&kv, "mac"), "02:00:00:00:00:01");
	assert_string_equal(eal_kvargs_get(&kv, "flag"), "");
	assert_null(eal_kvargs_get(&kv, "rx"));
	assert_null(eal_kvargs_get(&kv, NULL));
	eal_kvargs_free(&kv);
	assert_null(kv.buf);
	assert_int_equal(kv.count, 0);
	eal_kvargs_free(&kv); /* twice is harmless */
	eal_kvargs_free(NULL);
}

static void test_parse_empty(void **state)
{
	struct eal_kvargs kv;

	(void)state;
	assert_int_equal(eal_kvargs_parse(&kv, "", NULL), 0);
	assert_int_equal(kv.count, 0);
	assert_null(eal_kvargs_get(&kv, "a"));
	eal_kvargs_free(&kv);
	assert_int_equal(eal_kvargs_parse(&kv, NULL, NULL), 0);
	assert_int_equal(kv.count, 0);
	eal_kvargs_free(&kv);
	assert_int_equal(eal_kvargs_parse(NULL, "a=1", NULL), -EINVAL);
}

static void test_last_value_wins(void **state)
{
	struct eal_kvargs kv;

	(void)state;
	assert_int_equal(eal_kvargs_parse(&kv, "a=1,b=x,a=2", NULL), 0);
	assert_int_equal(kv.count, 3);
	assert_string_equal(eal_kvargs_get(&kv, "a"), "2");
	eal_kvargs_free(&kv);
}

static void test_syntax_errors(void **state)
{
	static const char *const bad[] = { "a=1,,b", ",a", "a=1,", "=v", "a,=v", "," };
	struct eal_kvargs kv;
	size_t i;

	(void)state;
	for (i = 0; i < EAL_DIM(bad); i++) {
		capture_start();
		if (eal_kvargs_parse(&kv, bad[i], NULL) != -EINVAL) {
			capture_stop();
			print_error("accepted '%s'\n", bad[i]);
			fail();
		}
		capture_stop();
		check_log_mentions(bad[i]);
		/* Nothing to free, but freeing is safe. */
		assert_int_equal(kv.count, 0);
		assert_null(kv.buf);
		eal_kvargs_free(&kv);
	}
}

static void test_unknown_key(void **state)
{
	static const char *const keys[] = { "size", "copy", "rxq", NULL };
	static const char *const no_keys[] = { NULL };
	struct eal_kvargs kv;

	(void)state;
	assert_int_equal(eal_kvargs_parse(&kv, "size=64,copy", keys), 0);
	assert_int_equal(kv.count, 2);
	eal_kvargs_free(&kv);

	capture_start();
	assert_int_equal(eal_kvargs_parse(&kv, "size=64,sise=3", keys), -EINVAL);
	capture_stop();
	check_log_mentions("'sise'");
	check_log_mentions("size, copy, rxq");
	assert_null(kv.buf);

	capture_start();
	assert_int_equal(eal_kvargs_parse(&kv, "a=1", no_keys), -EINVAL);
	capture_stop();
	check_log_mentions("'a'");
	check_log_mentions("(none)");
}

static void test_too_many(void **state)
{
	char args[EAL_KVARGS_MAX * 8];
	struct eal_kvargs kv;
	size_t used = 0;
	int i;

	(void)state;
	for (i = 0; i < EAL_KVARGS_MAX; i++)
		used += (size_t)snprintf(args + used, sizeof(args) - used, "%sk%d=%d",
					 i ? "," : "", i, i);
	assert_int_equal(eal_kvargs_parse(&kv, args, NULL), 0);
	assert_int_equal(kv.count, EAL_KVARGS_MAX);
	assert_string_equal(eal_kvargs_get(&kv, "k31"), "31");
	eal_kvargs_free(&kv);

	snprintf(args + used, sizeof(args) - used, ",one=more");
	capture_start();
	assert_int_equal(eal_kvargs_parse(&kv, args, NULL), -E2BIG);
	capture_stop();
	check_log_mentions("more than 32");
	assert_null(kv.buf);
}

static void test_get_u64(void **state)
{
	struct eal_kvargs kv;
	uint64_t v;

	(void)state;
	assert_int_equal(eal_kvargs_parse(&kv,
		"n=64,hex=0x40,neg=-1,junk=12x,empty,big=99999999999999999999,max=18446744073709551615,sp= 5",
		NULL), 0);
	v = 1;
	assert_int_equal(eal_kvargs_get_u64(&kv, "n", 1, 128, &v), 0);
	assert_int_equal(v, 64);
	assert_int_equal(eal_kvargs_get_u64(&kv, "hex", 0, 100, &v), 0);
	assert_int_equal(v, 0x40);
	assert_int_equal(eal_kvargs_get_u64(&kv, "max", 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, UINT64_MAX);
	/* Absent: untouched, not an error. */
	v = 77;
	assert_int_equal(eal_kvargs_get_u64(&kv, "absent", 0, 10, &v), 0);
	assert_int_equal(v, 77);

	capture_start();
	assert_int_equal(eal_kvargs_get_u64(&kv, "n", 65, 128, &v), -EINVAL);
	assert_int_equal(eal_kvargs_get_u64(&kv, "n", 0, 63, &v), -EINVAL);
	assert_int_equal(eal_kvargs_get_u64(&kv, "neg", 0, UINT64_MAX, &v), -EINVAL);
	assert_int_equal(eal_kvargs_get_u64(&kv, "junk", 0, UINT64_MAX, &v), -EINVAL);
	assert_int_equal(eal_kvargs_get_u64(&kv, "empty", 0, UINT64_MAX, &v), -EINVAL);
	assert_int_equal(eal_kvargs_get_u64(&kv, "big", 0, UINT64_MAX, &v), -EINVAL);
	assert_int_equal(eal_kvargs_get_u64(&kv, "sp", 0, UINT64_MAX, &v), -EINVAL);
	capture_stop();
	assert_int_equal(v, 77);
	check_log_mentions("n='64': expected an integer from 65 to 128");
	check_log_mentions("neg='-1'");
	check_log_mentions("junk='12x'");
	eal_kvargs_free(&kv);
}

static void test_get_bool(void **state)
{
	static const char *const trues[] = { "1", "yes", "true", "on", "YES", "" };
	static const char *const falses[] = { "0", "no", "false", "off", "Off" };
	struct eal_kvargs kv;
	char args[64];
	size_t i;
	bool b;

	(void)state;
	for (i = 0; i < EAL_DIM(trues); i++) {
		snprintf(args, sizeof(args), trues[i][0] ? "x=%s" : "x%s", trues[i]);
		assert_int_equal(eal_kvargs_parse(&kv, args, NULL), 0);
		b = false;
		assert_int_equal(eal_kvargs_get_bool(&kv, "x", &b), 0);
		assert_true(b);
		eal_kvargs_free(&kv);
	}
	for (i = 0; i < EAL_DIM(falses); i++) {
		snprintf(args, sizeof(args), "x=%s", falses[i]);
		assert_int_equal(eal_kvargs_parse(&kv, args, NULL), 0);
		b = true;
		assert_int_equal(eal_kvargs_get_bool(&kv, "x", &b), 0);
		assert_false(b);
		eal_kvargs_free(&kv);
	}
	assert_int_equal(eal_kvargs_parse(&kv, "x=maybe", NULL), 0);
	b = true;
	assert_int_equal(eal_kvargs_get_bool(&kv, "absent", &b), 0);
	assert_true(b);
	capture_start();
	assert_int_equal(eal_kvargs_get_bool(&kv, "x", &b), -EINVAL);
	capture_stop();
	assert_true(b);
	check_log_mentions("x='maybe'");
	check_log_mentions("yes/no");
	eal_kvargs_free(&kv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_empty),
		cmocka_unit_test(test_last_value_wins),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_get_u64),
		cmocka_unit_test(test_get_bool),
	};

	return cmocka_run_group_tests(tests, NULL, group_teardown);
}
