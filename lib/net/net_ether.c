/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MAC address formatting, parsing and generation.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include "net_ether.h"

void ether_addr_random(struct eth_addr *addr)
{
	uint8_t bytes[ETHER_ADDR_LEN];

	if (getrandom(bytes, sizeof(bytes), GRND_NONBLOCK) != (ssize_t)sizeof(bytes)) {
		/* No entropy yet (very early boot): the address only has to
		 * differ between ports and processes, not be unpredictable. */
		static unsigned counter;
		struct timespec ts;
		uint64_t mix;
		unsigned i;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		mix = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^
		      ((uint64_t)getpid() << 16) ^
		      __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
		mix *= 0x9e3779b97f4a7c15ull;
		for (i = 0; i < ETHER_ADDR_LEN; i++)
			bytes[i] = (uint8_t)(mix >> (8 * i + 8));
	}
	bytes[0] &= (uint8_t)~ETHER_GROUP_ADDR;
	bytes[0] |= ETHER_LOCAL_ADMIN_ADDR;
	memcpy(addr->addr_bytes, bytes, ETHER_ADDR_LEN);
}

char *ether_format_addr(char *buf, size_t size, const struct eth_addr *addr)
{
	const uint8_t *b = addr->addr_bytes;

	if (size > 0)
		snprintf(buf, size, "%02X:%02X:%02X:%02X:%02X:%02X",
			 b[0], b[1], b[2], b[3], b[4], b[5]);
	return buf;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Read between min_digits and max_digits hex digits from *s. */
static int parse_hex_group(const char **s, unsigned min_digits, unsigned max_digits,
			   unsigned *value)
{
	unsigned digits = 0;
	unsigned v = 0;
	int h;

	while (digits < max_digits && (h = hex_value((*s)[0])) >= 0) {
		v = v << 4 | (unsigned)h;
		(*s)++;
		digits++;
	}
	if (digits < min_digits || hex_value((*s)[0]) >= 0)
		return -EINVAL;
	*value = v;
	return 0;
}

/* "XX:XX:XX:XX:XX:XX" or with '-', one or two digits per byte. */
static int parse_six_groups(const char *s, struct eth_addr *out)
{
	char sep = 0;
	unsigned i, v;

	for (i = 0; i < ETHER_ADDR_LEN; i++) {
		if (parse_hex_group(&s, 1, 2, &v) < 0)
			return -EINVAL;
		out->addr_bytes[i] = (uint8_t)v;
		if (i == ETHER_ADDR_LEN - 1)
			break;
		if (sep == 0 && (*s == ':' || *s == '-'))
			sep = *s;
		if (*s != sep)
			return -EINVAL;
		s++;
	}
	return *s == '\0' ? 0 : -EINVAL;
}

/* "XXXX.XXXX.XXXX" or "XXXX:XXXX:XXXX", exactly four digits per group. */
static int parse_three_groups(const char *s, struct eth_addr *out)
{
	char sep = 0;
	unsigned i, v;

	for (i = 0; i < 3; i++) {
		if (parse_hex_group(&s, 4, 4, &v) < 0)
			return -EINVAL;
		out->addr_bytes[2 * i] = (uint8_t)(v >> 8);
		out->addr_bytes[2 * i + 1] = (uint8_t)v;
		if (i == 2)
			break;
		if (sep == 0 && (*s == '.' || *s == ':'))
			sep = *s;
		if (*s != sep)
			return -EINVAL;
		s++;
	}
	return *s == '\0' ? 0 : -EINVAL;
}

int ether_unformat_addr(const char *str, struct eth_addr *addr)
{
	struct eth_addr tmp;

	if (str == NULL || addr == NULL)
		return -EINVAL;
	if (parse_six_groups(str, &tmp) == 0 || parse_three_groups(str, &tmp) == 0) {
		*addr = tmp;
		return 0;
	}
	return -EINVAL;
}
