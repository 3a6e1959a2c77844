/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Link watch: the main lcore reads every port's link state periodically
 * (as DPDK's link state change events would tell it), prints each change,
 * and notices a port whose device is gone (a vfio-user server that exited),
 * after which forwarding ends: a gone port's pair can forward nothing, and
 * the program should say so rather than report an idle run as a success.
 */
#include <stdio.h>
#include <string.h>

#include "testpmd.h"

/* "Port 0: link up (Link up at 10 Gbps FDX Autoneg)", "Port 0: link down". */
static void link_print(const struct testpmd_port *port, const char *why)
{
	char text[ETHDEV_LINK_MAX_STR_LEN + 3] = "";

	if (port->link.link_status) {
		text[0] = ' ';
		text[1] = '(';
		ethdev_link_to_str(text + 2, ETHDEV_LINK_MAX_STR_LEN, &port->link);
		strcat(text, ")");
	}
	printf("Port %u: %s%s%s\n", port->port_id, port->link.link_status ? "link up" : "link down",
	       text, why);
}

void link_watch_init(struct testpmd *tp)
{
	for (unsigned i = 0; i < tp->nb_ports; i++) {
		struct testpmd_port *port = &tp->ports[i];

		if (ethdev_link_get_nowait(port->port_id, &port->link) != 0)
			memset(&port->link, 0, sizeof(port->link));
		port->device_gone = false;
		link_print(port, "");
	}
	fflush(stdout);
}

unsigned link_watch_poll(struct testpmd *tp)
{
	unsigned gone = 0;

	for (unsigned i = 0; i < tp->nb_ports; i++) {
		struct testpmd_port *port = &tp->ports[i];
		struct ethdev_link link;
		char why[ETHDEV_NAME_MAX_LEN + 32] = "";
		bool was_gone = port->device_gone;

		if (ethdev_link_get_nowait(port->port_id, &link) != 0)
			continue;
		/* The driver learns that its device is gone in the link update
		 * just made. */
		port->device_gone = ethdev_is_removed(port->port_id) == 1;
		if (port->device_gone) {
			char name[ETHDEV_NAME_MAX_LEN];

			gone++;
			if (was_gone)
				continue;
			if (ethdev_get_name_by_port(port->port_id, name) != 0)
				snprintf(name, sizeof(name), "?");
			snprintf(why, sizeof(why), " (device %s is gone)", name);
		} else if (link.link_status == port->link.link_status) {
			continue;
		}
		port->link = link;
		link_print(port, why);
	}
	fflush(stdout);
	return gone;
}
