/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Driver registry and device probing, run from the EAL hook so that the
 * EAL never names a driver.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "eal.h"
#include "ethdev_private.h"

static struct ethdev_driver *ethdev_drivers;

void ethdev_driver_register(struct ethdev_driver *drv)
{
	struct ethdev_driver **tail;

	if (drv == NULL || drv->name == NULL || drv->name[0] == '\0') {
		EAL_LOG(ethdev_logtype, ERR, "ethdev_driver_register: driver without a name ignored");
		return;
	}
	for (tail = &ethdev_drivers; *tail != NULL; tail = &(*tail)->next) {
		if (*tail == drv || strcmp((*tail)->name, drv->name) == 0) {
			EAL_LOG(ethdev_logtype, ERR, "driver %s registered twice: second ignored",
				drv->name);
			return;
		}
	}
	drv->next = NULL;
	*tail = drv;
}

int ethdev_driver_list(char *buf, size_t size)
{
	const struct ethdev_driver *drv;
	size_t len = 0;
	int n;

	if (size > 0)
		buf[0] = '\0';
	for (drv = ethdev_drivers; drv != NULL; drv = drv->next) {
		n = snprintf(len < size ? buf + len : NULL, len < size ? size - len : 0, "%s%s",
			     drv == ethdev_drivers ? "" : ", ", drv->name);
		if (n < 0)
			return n;
		len += (size_t)n;
	}
	return (int)len;
}

/* The vdev driver whose name is the longest prefix of @name. */
static const struct ethdev_driver *find_vdev_driver(const char *name)
{
	const struct ethdev_driver *drv, *best = NULL;
	size_t best_len = 0;

	for (drv = ethdev_drivers; drv != NULL; drv = drv->next) {
		size_t len = strlen(drv->name);

		if (drv->probe_vdev != NULL && len > best_len &&
		    strncmp(name, drv->name, len) == 0) {
			best = drv;
			best_len = len;
		}
	}
	return best;
}

int ethdev_vdev_probe(const char *name, const char *args)
{
	const struct ethdev_driver *drv;
	char known[256];
	uint16_t existing;
	int rc;

	if (name == NULL || name[0] == '\0') {
		EAL_LOG(ethdev_logtype, ERR, "vdev probe: empty device name");
		return -EINVAL;
	}
	drv = find_vdev_driver(name);
	if (drv == NULL) {
		ethdev_driver_list(known, sizeof(known));
		EAL_LOG(ethdev_logtype, ERR,
			"vdev %s: no driver for it: a vdev name is a driver name plus an instance, e.g. net_null0; known drivers: %s",
			name, known[0] ? known : "(none linked)");
		return -ENOENT;
	}
	if (ethdev_get_port_by_name(name, &existing) == 0) {
		EAL_LOG(ethdev_logtype, ERR, "vdev %s: a port of that name exists already (port %u)",
			name, existing);
		return -EEXIST;
	}
	rc = drv->probe_vdev(name, args != NULL ? args : "");
	if (rc < 0)
		EAL_LOG(ethdev_logtype, ERR, "vdev %s: driver %s failed to probe it: %s", name,
			drv->name, strerror(-rc));
	return rc;
}

/* Ports must go before the memory their queues and pools live in. */
static void ethdev_close_all(void)
{
	uint16_t p;

	for (p = 0; p < ETHDEV_MAX_PORTS; p++) {
		struct ethdev *dev = ethdev_get_dev(p);

		if (dev == NULL)
			continue;
		if (dev->data.dev_started)
			(void)ethdev_stop(p);
		(void)ethdev_close(p);
	}
}

static int ethdev_probe_all(void)
{
	unsigned i;
	int rc = 0;

	for (i = 0; i < eal_vdev_count() && rc == 0; i++) {
		const struct eal_vdev_spec *spec = eal_vdev(i);

		rc = ethdev_vdev_probe(spec->name, spec->args);
	}
	/* Devices named with -a belong to their bus (lib/pci): its hook runs
	 * first (EAL_HOOK_ORDER_BUS) and its drivers create their ports. */
	/* eal_init() fails as a whole: leave no half-probed set of ports. */
	if (rc < 0)
		ethdev_close_all();
	return rc;
}

static struct eal_hook ethdev_hook = {
	.name = "ethdev",
	.order = EAL_HOOK_ORDER_DEVICE,
	.init = ethdev_probe_all,
	.cleanup = ethdev_close_all,
};

__attribute__((constructor(110))) static void ethdev_hook_register(void)
{
	eal_hook_register(&ethdev_hook);
}
