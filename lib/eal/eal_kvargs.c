/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * "key=value,key=value" device arguments.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "eal_kvargs.h"
#include "eal_private.h"

int eal_kvargs_syntax_check(const char *args, const char **bad_item,
			    size_t *bad_len)
{
	const char *item = args;

	if (args == NULL || *args == '\0')
		return 0;
	for (;;) {
		size_t len = strcspn(item, ",");
		size_t key_len = strcspn(item, "=,");

		if (key_len == 0) {
			*bad_item = item;
			*bad_len = len;
			return -EINVAL;
		}
		if (item[len] == '\0')
			return 0;
		item += len + 1;
	}
}

/* "a, b, c" for error messages. */
static void kvargs_format_keys(char *buf, size_t size,
			       const char *const valid_keys[])
{
	size_t used = 0;
	unsigned i;

	buf[0] = '\0';
	for (i = 0; valid_keys[i] != NULL && used < size; i++) {
		int n = snprintf(buf + used, size - used, "%s%s",
				 i ? ", " : "", valid_keys[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (i == 0)
		snprintf(buf, size, "(none)");
}

static bool kvargs_key_known(const char *key, const char *const valid_keys[])
{
	unsigned i;

	for (i = 0; valid_keys[i] != NULL; i++) {
		if (strcmp(key, valid_keys[i]) == 0)
			return true;
	}
	return false;
}

int eal_kvargs_parse(struct eal_kvargs *kv, const char *args,
		     const char *const valid_keys[])
{
	const char *bad_item;
	size_t bad_len;
	char *save = NULL;
	char *item;

	if (kv == NULL)
		return -EINVAL;
	memset(kv, 0, sizeof(*kv));
	if (args == NULL || *args == '\0')
		return 0;

	if (eal_kvargs_syntax_check(args, &bad_item, &bad_len) < 0) {
		if (bad_len == 0)
			EAL_LOG(eal_logtype, ERR,
				"device arguments '%s': empty item (doubled or trailing comma); expected key=value or key, separated by commas",
				args);
		else
			EAL_LOG(eal_logtype, ERR,
				"device arguments '%s': item '%.*s' has no key; expected key=value or key, separated by commas",
				args, (int)bad_len, bad_item);
		return -EINVAL;
	}

	kv->buf = strdup(args);
	if (kv->buf == NULL)
		return -ENOMEM;

	for (item = strtok_r(kv->buf, ",", &save); item != NULL;
	     item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');

		if (kv->count == EAL_KVARGS_MAX) {
			EAL_LOG(eal_logtype, ERR,
				"device arguments '%s': more than %d key=value pairs",
				args, EAL_KVARGS_MAX);
			eal_kvargs_free(kv);
			return -E2BIG;
		}
		if (eq != NULL)
			*eq = '\0';
		if (valid_keys != NULL && !kvargs_key_known(item, valid_keys)) {
			char accepted[512];

			kvargs_format_keys(accepted, sizeof(accepted), valid_keys);
			EAL_LOG(eal_logtype, ERR,
				"device arguments '%s': unknown key '%s'; accepted keys: %s",
				args, item, accepted);
			eal_kvargs_free(kv);
			return -EINVAL;
		}
		kv->pairs[kv->count].key = item;
		kv->pairs[kv->count].value = eq != NULL ? eq + 1 : item + strlen(item);
		kv->count++;
	}
	return 0;
}

void eal_kvargs_free(struct eal_kvargs *kv)
{
	if (kv == NULL)
		return;
	free(kv->buf);
	memset(kv, 0, sizeof(*kv));
}

const char *eal_kvargs_get(const struct eal_kvargs *kv, const char *key)
{
	unsigned i;

	if (kv == NULL || key == NULL)
		return NULL;
	for (i = kv->count; i-- > 0;) {
		if (strcmp(kv->pairs[i].key, key) == 0)
			return kv->pairs[i].value;
	}
	return NULL;
}

int eal_kvargs_get_u64(const struct eal_kvargs *kv, const char *key,
		       uint64_t min, uint64_t max, uint64_t *out)
{
	const char *value = eal_kvargs_get(kv, key);
	unsigned long long n;
	char *end;

	if (value == NULL)
		return 0;
	/* strtoull would accept "-1" as a huge number and leading blanks. */
	if (value[0] < '0' || value[0] > '9')
		goto bad;
	errno = 0;
	n = strtoull(value, &end, 0);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		goto bad;
	*out = n;
	return 0;
bad:
	EAL_LOG(eal_logtype, ERR,
		"device argument %s='%s': expected an integer from %llu to %llu",
		key, value, (unsigned long long)min, (unsigned long long)max);
	return -EINVAL;
}

int eal_kvargs_get_bool(const struct eal_kvargs *kv, const char *key, bool *out)
{
	static const char *const yes[] = { "1", "yes", "true", "on", "" };
	static const char *const no[] = { "0", "no", "false", "off" };
	const char *value = eal_kvargs_get(kv, key);
	unsigned i;

	if (value == NULL)
		return 0;
	for (i = 0; i < EAL_DIM(yes); i++) {
		if (strcasecmp(value, yes[i]) == 0) {
			*out = true;
			return 0;
		}
	}
	for (i = 0; i < EAL_DIM(no); i++) {
		if (strcasecmp(value, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	EAL_LOG(eal_logtype, ERR,
		"device argument %s='%s': expected a boolean (1/0, yes/no, true/false, on/off)",
		key, value);
	return -EINVAL;
}
