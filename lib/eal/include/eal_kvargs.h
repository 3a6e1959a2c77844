/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * "key=value,key=value" device arguments (--vdev, -a).
 */
#ifndef UPDK_EAL_KVARGS_H
#define UPDK_EAL_KVARGS_H

#include <stdbool.h>
#include <stdint.h>

#define EAL_KVARGS_MAX 32

struct eal_kvargs {
	unsigned count;
	struct {
		char *key;
		char *value; /**< "" for a bare key */
	} pairs[EAL_KVARGS_MAX];
	char *buf; /* owned copy of the string */
};

/**
 * Parse @p args. When @p valid_keys (NULL-terminated) is given, an unknown
 * key is an error and its name is logged with the accepted ones.
 * @return 0, -EINVAL (syntax or unknown key), -E2BIG, -ENOMEM.
 */
int eal_kvargs_parse(struct eal_kvargs *kv, const char *args,
		     const char *const valid_keys[]);
void eal_kvargs_free(struct eal_kvargs *kv);

/** Last value for @p key, or NULL. */
const char *eal_kvargs_get(const struct eal_kvargs *kv, const char *key);

/** Parse @p key as an unsigned integer within [min, max] into @p out,
 *  leaving it untouched when absent. @return 0, or -EINVAL (logged). */
int eal_kvargs_get_u64(const struct eal_kvargs *kv, const char *key,
		       uint64_t min, uint64_t max, uint64_t *out);
/** Parse a boolean (0/1, yes/no, true/false, on/off, any case; a bare key
 *  means true) into @p out, leaving it untouched when absent.
 *  @return 0, or -EINVAL (logged). */
int eal_kvargs_get_bool(const struct eal_kvargs *kv, const char *key, bool *out);

#endif /* UPDK_EAL_KVARGS_H */
