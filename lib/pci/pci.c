/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PCI bus: driver registry, device attach/detach over DMA containers,
 * and the EAL hook that scans, selects and probes at eal_init().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pci_private.h"

EAL_LOG_COMPONENT_REGISTER(pci_logtype, "pci", EAL_LOG_NOTICE);

static struct pci_driver *pci_drivers;
/* Devices selected by the last pci_bus_probe(), in address order, the
 * vfio-user ones last. */
static struct pci_device *pci_devices;
/* The container every kernel device joins, made on first need. */
static struct vfio_container *kernel_container;
/* --vfio-mode of the current bus run. */
static enum eal_vfio_mode bus_mode = EAL_VFIO_AUTO;

static const struct pci_container_backend default_backend = {
	.mode_resolve = vfio_mode_resolve,
	.create = vfio_container_create,
	.attach = vfio_container_attach,
	.detach = vfio_container_detach,
	.destroy = vfio_container_destroy,
};

static const struct pci_container_backend *backend = &default_backend;

void pci_bus_set_backend(const struct pci_container_backend *b)
{
	if (pci_devices != NULL || kernel_container != NULL) {
		PCI_LOG(ERR, "pci_bus_set_backend: the bus has devices; call pci_bus_cleanup() first");
		return;
	}
	backend = b != NULL ? b : &default_backend;
}

/* ---- drivers ----------------------------------------------------------------- */

void pci_driver_register(struct pci_driver *drv)
{
	struct pci_driver **tail;

	if (drv == NULL || drv->name == NULL || drv->name[0] == '\0' ||
	    drv->id_table == NULL || drv->probe == NULL) {
		PCI_LOG(ERR, "pci_driver_register: driver %s refused: it needs a name, an id table and a probe function",
			drv != NULL && drv->name != NULL ? drv->name : "(unnamed)");
		return;
	}
	for (tail = &pci_drivers; *tail != NULL; tail = &(*tail)->next) {
		if (*tail == drv || strcmp((*tail)->name, drv->name) == 0) {
			PCI_LOG(ERR, "PCI driver %s registered twice: second ignored", drv->name);
			return;
		}
	}
	drv->next = NULL;
	*tail = drv;
}

void pci_driver_unregister(struct pci_driver *drv)
{
	struct pci_driver **pos;

	for (pos = &pci_drivers; *pos != NULL; pos = &(*pos)->next) {
		if (*pos == drv) {
			*pos = drv->next;
			drv->next = NULL;
			return;
		}
	}
}

const struct pci_id *pci_id_match(const struct pci_id *table,
				  const struct pci_device *dev)
{
	const struct pci_id *id;

	if (table == NULL || dev == NULL)
		return NULL;
	for (id = table; id->vendor_id != 0; id++) {
		if ((id->vendor_id == PCI_ANY_ID || id->vendor_id == dev->vendor_id) &&
		    (id->device_id == PCI_ANY_ID || id->device_id == dev->device_id) &&
		    (id->subsystem_vendor_id == PCI_ANY_ID ||
		     id->subsystem_vendor_id == dev->subsystem_vendor_id) &&
		    (id->subsystem_device_id == PCI_ANY_ID ||
		     id->subsystem_device_id == dev->subsystem_device_id))
			return id;
	}
	return NULL;
}

struct pci_driver *pci_driver_find(const struct pci_device *dev)
{
	struct pci_driver *drv;

	for (drv = pci_drivers; drv != NULL; drv = drv->next)
		if (pci_id_match(drv->id_table, dev) != NULL)
			return drv;
	return NULL;
}

void pci_driver_names(char *buf, size_t size)
{
	const struct pci_driver *drv;
	size_t used = 0;

	if (size == 0)
		return;
	buf[0] = '\0';
	for (drv = pci_drivers; drv != NULL && used < size; drv = drv->next) {
		int n = snprintf(buf + used, size - used, "%s%s", used > 0 ? ", " : "",
				 drv->name);

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/* ---- devices ----------------------------------------------------------------- */

struct pci_device *pci_device_next(const struct pci_device *prev)
{
	return prev == NULL ? pci_devices : prev->next;
}

struct pci_device *pci_device_find(const char *name)
{
	struct pci_device *dev;
	char canon[13];
	const char *want = name;

	if (name == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if (strncmp(name, PCI_VFIO_USER_PREFIX, strlen(PCI_VFIO_USER_PREFIX)) != 0) {
		if (eal_pci_addr_parse(name, canon) < 0) {
			errno = EINVAL;
			return NULL;
		}
		want = canon;
	}
	for (dev = pci_devices; dev != NULL; dev = dev->next)
		if (strcmp(dev->name, want) == 0)
			return dev;
	errno = ENOENT;
	return NULL;
}

/* The shared container of the kernel devices, made on first use. */
static struct vfio_container *kernel_container_get(int *err)
{
	int mode;

	if (kernel_container != NULL)
		return kernel_container;
	if (bus_mode == EAL_VFIO_USER) {
		PCI_LOG(ERR, "--vfio-mode=user reaches vfio-user devices only (-a vfio-user:PATH); host PCI devices need --vfio-mode auto, type1, iommufd or noiommu");
		*err = -ENODEV;
		return NULL;
	}
	mode = backend->mode_resolve(bus_mode);
	if (mode < 0) {
		*err = mode;
		return NULL;
	}
	errno = 0;
	kernel_container = backend->create((enum eal_vfio_mode)mode, NULL);
	if (kernel_container == NULL) {
		*err = errno != 0 ? -errno : -ENODEV;
		PCI_LOG(ERR, "cannot create the %s DMA container for PCI devices: %s",
			eal_vfio_mode_name((enum eal_vfio_mode)mode), strerror(-*err));
		return NULL;
	}
	return kernel_container;
}

int pci_device_attach(struct pci_device *dev)
{
	struct vfio_container *c;
	struct vfio_device *vdev = NULL;
	const char *target;
	bool owned = false;
	int rc = 0;

	if (dev == NULL)
		return -EINVAL;
	if (dev->vdev != NULL)
		return 0;
	if (dev->kind == PCI_DEVICE_KERNEL) {
		if (!pci_driver_is_vfio(dev->kernel_driver)) {
			pci_log_not_vfio(dev);
			return -ENODEV;
		}
		c = kernel_container_get(&rc);
		if (c == NULL)
			return rc;
		target = dev->name;
	} else {
		const char *path = dev->name + strlen(PCI_VFIO_USER_PREFIX);

		errno = 0;
		c = backend->create(EAL_VFIO_USER, path);
		if (c == NULL) {
			rc = errno != 0 ? -errno : -ENODEV;
			PCI_LOG(ERR, "%s: cannot connect to the vfio-user server at %s: %s",
				dev->name, path, strerror(-rc));
			return rc;
		}
		owned = true;
		/* The connection is the device. */
		target = "";
	}

	rc = backend->attach(c, target, &vdev);
	if (rc < 0) {
		PCI_LOG(ERR, "%s: cannot attach it to its DMA container: %s", dev->name,
			strerror(-rc));
		goto fail_container;
	}
	rc = pci_device_bind_vfio(dev, vdev);
	if (rc < 0)
		goto fail_detach;
	if (dev->kind == PCI_DEVICE_VFIO_USER) {
		rc = pci_device_read_ids(dev);
		if (rc < 0)
			goto fail_unbind;
	}
	dev->container = c;
	dev->owns_container = owned;
	return 0;

fail_unbind:
	pci_device_unbind_vfio(dev);
fail_detach:
	backend->detach(c, vdev);
fail_container:
	if (owned)
		backend->destroy(c);
	return rc;
}

void pci_device_detach(struct pci_device *dev)
{
	struct vfio_container *c;
	struct vfio_device *vdev;

	if (dev == NULL || dev->vdev == NULL)
		return;
	c = dev->container;
	vdev = dev->vdev;
	pci_device_unbind_vfio(dev);
	backend->detach(c, vdev);
	if (dev->owns_container)
		backend->destroy(c);
	dev->container = NULL;
	dev->owns_container = false;
}

int pci_device_poll_events(struct pci_device *dev)
{
	if (dev == NULL || dev->vdev == NULL)
		return -ENODEV;
	if (dev->vdev->ops->poll_events == NULL)
		return 0;
	return dev->vdev->ops->poll_events(dev->vdev);
}

/* ---- the bus ------------------------------------------------------------------ */

static void log_no_driver(const struct pci_device *dev)
{
	char names[256];

	pci_driver_names(names, sizeof(names));
	if (dev->allowed)
		PCI_LOG(WARNING, "device %s (%04x:%04x, class %06x) named with -a: no PCI driver matches it (linked drivers: %s); it stays unused",
			dev->name, dev->vendor_id, dev->device_id, dev->class_id,
			names[0] != '\0' ? names : "none");
	else
		PCI_LOG(INFO, "device %s (%04x:%04x) is bound to vfio-pci but no linked driver matches it: left alone",
			dev->name, dev->vendor_id, dev->device_id);
}

/* Attach, enable DMA and hand @dev to its driver. @return 0 (also when no
 * driver wants it) or negative errno, logged. */
static int probe_one(struct pci_device *dev)
{
	struct pci_driver *drv = NULL;
	int rc;

	if (dev->kind == PCI_DEVICE_KERNEL) {
		drv = pci_driver_find(dev);
		if (drv == NULL) {
			log_no_driver(dev);
			return 0;
		}
	}
	rc = pci_device_attach(dev);
	if (rc < 0)
		return rc;
	if (drv == NULL) {
		/* vfio-user: the ids came from config space just now. */
		drv = pci_driver_find(dev);
		if (drv == NULL) {
			log_no_driver(dev);
			pci_device_detach(dev);
			return 0;
		}
	}
	rc = pci_bus_master_set(dev, true);
	if (rc < 0)
		goto fail;
	PCI_LOG(INFO, "device %s (%04x:%04x): probing with driver %s", dev->name,
		dev->vendor_id, dev->device_id, drv->name);
	rc = drv->probe(drv, dev);
	if (rc < 0) {
		PCI_LOG(ERR, "device %s: driver %s failed to probe it: %s", dev->name, drv->name,
			strerror(-rc));
		(void)pci_bus_master_set(dev, false);
		goto fail;
	}
	dev->driver = drv;
	dev->probed = true;
	return 0;

fail:
	pci_device_detach(dev);
	dev->driver_data = NULL;
	return rc;
}

int pci_bus_probe(const char *sysfs_root, const struct eal_device_spec *specs,
		  unsigned nb_specs, enum eal_vfio_mode mode)
{
	struct pci_device *list = NULL, *dev;
	bool named_pci = false;
	unsigned i;
	int rc;

	if (pci_devices != NULL || kernel_container != NULL) {
		PCI_LOG(ERR, "pci_bus_probe: the bus has devices already; call pci_bus_cleanup() first");
		return -EALREADY;
	}
	if (sysfs_root == NULL || (specs == NULL && nb_specs > 0))
		return -EINVAL;
	for (i = 0; i < nb_specs; i++)
		named_pci |= specs[i].kind == EAL_DEVICE_PCI;

	bus_mode = mode;
	rc = pci_sysfs_scan(sysfs_root, &list);
	if (rc < 0) {
		/* Without sysfs only vfio-user devices can be reached. */
		if (named_pci || rc != -ENOENT)
			return rc;
		PCI_LOG(WARNING, "no %s/bus/pci: no host PCI device is reachable", sysfs_root);
		list = NULL;
	}
	rc = pci_select(&list, specs, nb_specs);
	if (rc < 0) {
		pci_device_list_free(list);
		return rc;
	}
	pci_devices = list;

	for (dev = pci_devices; dev != NULL; dev = dev->next) {
		rc = probe_one(dev);
		if (rc == 0)
			continue;
		if (dev->allowed) {
			pci_bus_cleanup();
			return rc;
		}
		PCI_LOG(ERR, "device %s: skipped (name it with -a to make this fatal, or bind it to its kernel driver to leave it alone)",
			dev->name);
	}
	return 0;
}

void pci_bus_cleanup(void)
{
	struct pci_device *dev;

	for (dev = pci_devices; dev != NULL; dev = dev->next) {
		if (dev->probed) {
			if (dev->driver->remove != NULL)
				dev->driver->remove(dev);
			dev->probed = false;
			dev->driver = NULL;
			dev->driver_data = NULL;
		}
		if (dev->vdev != NULL) {
			/* Stop DMA before the container unmaps its memory
			 * (a device whose server is gone does none). */
			if (pci_device_poll_events(dev) != -ENOTCONN)
				(void)pci_bus_master_set(dev, false);
			pci_device_detach(dev);
		}
	}
	if (kernel_container != NULL) {
		backend->destroy(kernel_container);
		kernel_container = NULL;
	}
	pci_device_list_free(pci_devices);
	pci_devices = NULL;
	bus_mode = EAL_VFIO_AUTO;
}

/* ---- EAL hook ------------------------------------------------------------------ */

static int pci_bus_hook_init(void)
{
	unsigned n = eal_allowed_device_count(), i;
	struct eal_device_spec *specs = NULL;
	int rc;

	if (n > 0) {
		specs = calloc(n, sizeof(*specs));
		if (specs == NULL)
			return -ENOMEM;
		for (i = 0; i < n; i++)
			specs[i] = *eal_allowed_device(i);
	}
	rc = pci_bus_probe(pci_sysfs_root(), specs, n, eal_vfio_mode());
	free(specs);
	return rc;
}

static struct eal_hook pci_bus_hook = {
	.name = "pci bus",
	.order = EAL_HOOK_ORDER_BUS,
	.init = pci_bus_hook_init,
	.cleanup = pci_bus_cleanup,
};

__attribute__((constructor(110))) static void pci_bus_hook_register(void)
{
	eal_hook_register(&pci_bus_hook);
}
