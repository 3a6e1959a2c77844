/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pci_device_dump(): what a tool prints about a device.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/vfio.h>

#include "pci_private.h"

static void print_size(FILE *f, uint64_t size)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned u = 0;

	while (size >= 1024 && size % 1024 == 0 && u + 1 < EAL_DIM(units)) {
		size /= 1024;
		u++;
	}
	fprintf(f, "%llu %s", (unsigned long long)size, units[u]);
}

static void dump_bars(FILE *f, const struct pci_device *dev)
{
	unsigned i;

	for (i = 0; i < PCI_MAX_BARS; i++) {
		const struct pci_bar *bar = &dev->bars[i];

		if (bar->size == 0)
			continue;
		fprintf(f, "  BAR%u: %s%s, ", i,
			bar->is_io ? "I/O" : bar->is_64bit ? "mem64" : "mem32",
			bar->prefetchable ? " prefetchable" : "");
		print_size(f, bar->size);
		if (bar->is_io)
			fprintf(f, ", region access only");
		else if (!bar->mmap_ok)
			fprintf(f, ", not mappable");
		else if (bar->region.nb_areas > 0)
			fprintf(f, ", mappable in %u sparse area%s", bar->region.nb_areas,
				bar->region.nb_areas > 1 ? "s" : "");
		else
			fprintf(f, ", mappable");
		if (bar->addr != NULL)
			fprintf(f, ", mapped at %p", (const void *)(uintptr_t)bar->addr);
		fputc('\n', f);
	}
}

static void dump_caps(FILE *f, struct pci_device *dev)
{
	struct pci_cap caps[64];
	struct pci_msix_info msix;
	int n, i;

	n = pci_cap_list(dev, caps, EAL_DIM(caps));
	if (n < 0) {
		fprintf(f, "  capabilities: unreadable (%s)\n", strerror(-n));
		return;
	}
	fprintf(f, "  capabilities: %d\n", n);
	for (i = 0; i < n && i < (int)EAL_DIM(caps); i++) {
		fprintf(f, "    0x%03x %s%s (id 0x%02x", caps[i].offset,
			caps[i].extended ? "ext " : "", pci_cap_name(caps[i].id, caps[i].extended),
			caps[i].id);
		if (caps[i].extended)
			fprintf(f, ", version %u", caps[i].version);
		fputc(')', f);
		if (!caps[i].extended && caps[i].id == PCI_CAP_ID_MSIX &&
		    pci_msix_info_get(dev, &msix) == 0)
			fprintf(f, ": %u vectors, table BAR%u+0x%x, PBA BAR%u+0x%x%s",
				msix.table_size, msix.table_bar, msix.table_offset, msix.pba_bar,
				msix.pba_offset, msix.enabled ? ", enabled" : "");
		fputc('\n', f);
	}
}

void pci_device_dump(void *stream, struct pci_device *dev)
{
	FILE *f = stream != NULL ? stream : stdout;

	if (dev == NULL)
		return;
	fprintf(f, "%s: %04x:%04x (subsystem %04x:%04x) class %06x rev %02x\n", dev->name,
		dev->vendor_id, dev->device_id, dev->subsystem_vendor_id,
		dev->subsystem_device_id, dev->class_id, dev->revision);
	if (dev->kind == PCI_DEVICE_KERNEL) {
		fprintf(f, "  kernel driver %s, ", dev->kernel_driver[0] != '\0' ?
			dev->kernel_driver : "(none)");
		if (dev->iommu_group >= 0)
			fprintf(f, "IOMMU group %d, ", dev->iommu_group);
		else
			fprintf(f, "no IOMMU group, ");
		fprintf(f, "NUMA node %d\n", dev->numa_node);
	} else {
		fprintf(f, "  vfio-user device\n");
	}
	if (dev->devargs[0] != '\0')
		fprintf(f, "  arguments: %s\n", dev->devargs);
	if (dev->driver != NULL)
		fprintf(f, "  driver: %s\n", dev->driver->name);
	if (dev->vdev == NULL) {
		fprintf(f, "  not attached (BARs and capabilities need a DMA container)\n");
		return;
	}
	fprintf(f, "  container: %s, config space %llu bytes, reset %s\n",
		dev->container != NULL && dev->container->ops != NULL ?
			dev->container->ops->name : "(none)",
		(unsigned long long)dev->config_size,
		dev->vdev->info.flags & VFIO_DEVICE_FLAGS_RESET ? "yes" : "no");
	dump_bars(f, dev);
	dump_caps(f, dev);
	if (dev->msix_nb_vectors > 0)
		fprintf(f, "  MSI-X: %u vectors routed to eventfds\n", dev->msix_nb_vectors);
}
