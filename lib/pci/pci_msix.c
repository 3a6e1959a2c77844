/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MSI-X: the capability (table and PBA location) and routing vectors to
 * eventfds through the backend's set_irqs.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "pci_private.h"

/* Bytes of one MSI-X table entry (address, data, control). */
#define MSIX_ENTRY_SIZE 16

int pci_msix_parse(const uint8_t *cfg, size_t len, uint16_t cap_off,
		   const uint64_t bar_sizes[PCI_MAX_BARS], const char *name,
		   struct pci_msix_info *info)
{
	uint16_t ctrl;
	uint32_t table, pba;
	uint64_t table_bytes, pba_bytes;

	if (cfg == NULL || info == NULL || bar_sizes == NULL ||
	    (size_t)cap_off + PCI_CAP_MSIX_SIZEOF > len)
		return -EINVAL;
	if (cfg[cap_off] != PCI_CAP_ID_MSIX)
		return -EINVAL;
	memcpy(&ctrl, cfg + cap_off + PCI_MSIX_FLAGS, sizeof(ctrl));
	memcpy(&table, cfg + cap_off + PCI_MSIX_TABLE, sizeof(table));
	memcpy(&pba, cfg + cap_off + PCI_MSIX_PBA, sizeof(pba));
	ctrl = le16toh(ctrl);
	table = le32toh(table);
	pba = le32toh(pba);

	memset(info, 0, sizeof(*info));
	info->cap_offset = cap_off;
	info->table_size = (uint16_t)((ctrl & PCI_MSIX_FLAGS_QSIZE) + 1);
	info->enabled = (ctrl & PCI_MSIX_FLAGS_ENABLE) != 0;
	info->function_masked = (ctrl & PCI_MSIX_FLAGS_MASKALL) != 0;
	info->table_bar = (uint8_t)(table & PCI_MSIX_TABLE_BIR);
	info->table_offset = table & PCI_MSIX_TABLE_OFFSET;
	info->pba_bar = (uint8_t)(pba & PCI_MSIX_PBA_BIR);
	info->pba_offset = pba & PCI_MSIX_PBA_OFFSET;

	table_bytes = (uint64_t)info->table_size * MSIX_ENTRY_SIZE;
	/* One pending bit per vector, in whole qwords. */
	pba_bytes = ((uint64_t)info->table_size + 63) / 64 * 8;
	if (info->table_bar >= PCI_MAX_BARS || bar_sizes[info->table_bar] == 0 ||
	    info->table_offset + table_bytes > bar_sizes[info->table_bar]) {
		PCI_LOG(ERR, "%s: malformed MSI-X capability at 0x%02x: its %u-entry table at BAR%u+0x%x is not inside an implemented BAR",
			name, cap_off, info->table_size, info->table_bar, info->table_offset);
		return -EIO;
	}
	if (info->pba_bar >= PCI_MAX_BARS || bar_sizes[info->pba_bar] == 0 ||
	    info->pba_offset + pba_bytes > bar_sizes[info->pba_bar]) {
		PCI_LOG(ERR, "%s: malformed MSI-X capability at 0x%02x: its pending bit array at BAR%u+0x%x is not inside an implemented BAR",
			name, cap_off, info->pba_bar, info->pba_offset);
		return -EIO;
	}
	return 0;
}

int pci_msix_info_get(struct pci_device *dev, struct pci_msix_info *info)
{
	uint8_t cap[PCI_CAP_MSIX_SIZEOF];
	uint8_t cfg[256];
	uint64_t sizes[PCI_MAX_BARS];
	unsigned i;
	int off, rc;

	if (dev == NULL || info == NULL)
		return -EINVAL;
	off = pci_cap_find(dev, PCI_CAP_ID_MSIX);
	if (off == -ENOENT)
		return -ENOTSUP;
	if (off < 0)
		return off;
	if ((size_t)off + sizeof(cap) > sizeof(cfg)) {
		PCI_LOG(ERR, "%s: malformed MSI-X capability at 0x%02x: it runs past the standard config space",
			dev->name, off);
		return -EIO;
	}
	rc = pci_config_read(dev, cap, sizeof(cap), (uint64_t)off);
	if (rc < 0)
		return rc;
	/* pci_msix_parse() takes config space; give it the capability where
	 * it lives. */
	memset(cfg, 0, sizeof(cfg));
	memcpy(cfg + off, cap, sizeof(cap));
	for (i = 0; i < PCI_MAX_BARS; i++)
		sizes[i] = dev->bars[i].size;
	return pci_msix_parse(cfg, sizeof(cfg), (uint16_t)off, sizes, dev->name, info);
}

static void close_fds(int *fds, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

int pci_msix_enable(struct pci_device *dev, unsigned nvec, int *eventfds_out)
{
	struct pci_msix_info msix;
	struct vfio_cont_irq_info irq;
	unsigned i, limit;
	int *fds;
	int rc;

	if (dev == NULL)
		return -EINVAL;
	if (dev->vdev == NULL) {
		PCI_LOG(ERR, "%s: MSI-X: the device is not attached", dev->name);
		return -ENODEV;
	}
	if (dev->msix_nb_vectors > 0) {
		PCI_LOG(ERR, "%s: MSI-X is already enabled with %u vectors: pci_msix_disable() first",
			dev->name, dev->msix_nb_vectors);
		return -EBUSY;
	}
	rc = pci_msix_info_get(dev, &msix);
	if (rc == -ENOTSUP) {
		PCI_LOG(ERR, "%s: the device has no MSI-X capability", dev->name);
		return rc;
	}
	if (rc < 0)
		return rc;
	memset(&irq, 0, sizeof(irq));
	if (VFIO_PCI_MSIX_IRQ_INDEX >= dev->vdev->info.num_irqs ||
	    dev->vdev->ops->get_irq_info(dev->vdev, VFIO_PCI_MSIX_IRQ_INDEX, &irq) < 0 ||
	    !(irq.flags & VFIO_IRQ_INFO_EVENTFD)) {
		PCI_LOG(ERR, "%s: the backend offers no MSI-X interrupts with eventfds", dev->name);
		return -ENOTSUP;
	}
	limit = EAL_MIN((unsigned)msix.table_size, irq.count);
	if (nvec == 0 || nvec > limit) {
		PCI_LOG(ERR, "%s: MSI-X: %u vectors asked; the device offers 1 to %u (table %u, backend %u)",
			dev->name, nvec, limit, msix.table_size, irq.count);
		return -EINVAL;
	}

	fds = malloc(nvec * sizeof(*fds));
	if (fds == NULL)
		return -ENOMEM;
	for (i = 0; i < nvec; i++) {
		fds[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (fds[i] < 0) {
			rc = -errno;
			PCI_LOG(ERR, "%s: MSI-X: eventfd for vector %u: %s (raise the open-file limit, ulimit -n?)",
				dev->name, i, strerror(errno));
			close_fds(fds, i);
			free(fds);
			return rc;
		}
	}
	rc = dev->vdev->ops->set_irqs(dev->vdev, VFIO_PCI_MSIX_IRQ_INDEX, 0, nvec,
				      VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
				      fds);
	if (rc < 0) {
		PCI_LOG(ERR, "%s: MSI-X: routing %u vectors to eventfds failed: %s", dev->name,
			nvec, strerror(-rc));
		close_fds(fds, nvec);
		free(fds);
		return rc;
	}
	dev->msix_eventfds = fds;
	dev->msix_nb_vectors = nvec;
	if (eventfds_out != NULL)
		memcpy(eventfds_out, fds, nvec * sizeof(*fds));
	return 0;
}

int pci_msix_disable(struct pci_device *dev)
{
	int rc = 0;

	if (dev == NULL)
		return -EINVAL;
	if (dev->msix_nb_vectors == 0)
		return 0;
	if (dev->vdev != NULL) {
		rc = dev->vdev->ops->set_irqs(dev->vdev, VFIO_PCI_MSIX_IRQ_INDEX, 0, 0,
					      VFIO_IRQ_SET_DATA_NONE |
						      VFIO_IRQ_SET_ACTION_TRIGGER,
					      NULL);
		if (rc < 0)
			PCI_LOG(ERR, "%s: disabling MSI-X failed: %s", dev->name, strerror(-rc));
	}
	close_fds(dev->msix_eventfds, dev->msix_nb_vectors);
	free(dev->msix_eventfds);
	dev->msix_eventfds = NULL;
	dev->msix_nb_vectors = 0;
	return rc;
}
