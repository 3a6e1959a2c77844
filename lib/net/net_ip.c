/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 address text conversion.
 */
#include <errno.h>
#include <stdio.h>
#include "net_ip.h"

int ipv4_addr_parse(const char *str, uint32_t *addr)
{
	uint32_t result = 0;
	unsigned part;

	if (str == NULL || addr == NULL)
		return -EINVAL;
	for (part = 0; part < 4; part++) {
		unsigned value = 0, digits = 0;

		while (*str >= '0' && *str <= '9') {
			value = value * 10 + (unsigned)(*str - '0');
			/* Leading zeros would read as octal in inet_aton(): refuse
			 * rather than guess what was meant. */
			if (++digits > 3 || value > 255 || (digits == 2 && value < 10))
				return -EINVAL;
			str++;
		}
		if (digits == 0)
			return -EINVAL;
		result = result << 8 | value;
		if (part < 3 && *str++ != '.')
			return -EINVAL;
	}
	if (*str != '\0')
		return -EINVAL;
	*addr = result;
	return 0;
}

char *ipv4_addr_format(char *buf, size_t size, uint32_t addr)
{
	if (size > 0)
		snprintf(buf, size, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff,
			 (addr >> 8) & 0xff, addr & 0xff);
	return buf;
}
