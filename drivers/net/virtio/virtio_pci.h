/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The virtio 1.x PCI transport (spec 4.1, "modern" devices only) over
 * lib/pci: the configuration structures found through vendor
 * capabilities, device status, feature negotiation, queue programming and
 * notification. Every access goes through pci_bar_read / write*, which are
 * MMIO when the backend mapped the BAR and region ops otherwise, so the
 * same code drives a kernel vfio-pci device and a vfio-user one.
 */
#ifndef VIRTIO_PCI_H
#define VIRTIO_PCI_H

#include <stdbool.h>
#include <stdint.h>
#include "eal_log.h"
#include "pci.h"
#include "virtio_spec.h"

extern struct eal_log_component virtio_logtype;
#define VIRTIO_LOG(lvl, ...) EAL_LOG(virtio_logtype, lvl, __VA_ARGS__)

/* One configuration structure: where a capability put it. */
struct virtio_pci_region {
	uint8_t bar;
	uint32_t offset;
	uint32_t length;
	bool present;
};

struct virtio_pci {
	struct pci_device *pdev;
	struct virtio_pci_region common;
	struct virtio_pci_region notify;
	struct virtio_pci_region isr;
	struct virtio_pci_region device;
	uint32_t notify_off_multiplier;
};

/* Where a queue's notifications go (4.1.4.4): the fast path writes the
 * queue index there with pci_bar_write16(). */
struct virtio_notify {
	struct pci_device *pdev;
	uint64_t offset;
	uint16_t queue_index;
	uint8_t bar;
};

static inline void virtio_notify(const struct virtio_notify *n)
{
	pci_bar_write16(n->pdev, n->bar, n->offset, n->queue_index);
}

/* Find the common, notify, ISR and device structures (4.1.4), check they
 * lie inside implemented memory BARs, map those BARs where the backend
 * can. @return 0, or -ENODEV (not a modern virtio device: the log says
 * which structure is missing or bad), or a config access error. */
int virtio_pci_init(struct virtio_pci *hw, struct pci_device *pdev);

uint8_t virtio_pci_status_get(struct virtio_pci *hw);
/* OR @p bits into device_status (3.1.1). */
void virtio_pci_status_add(struct virtio_pci *hw, uint8_t bits);
/* Write 0 to device_status and wait until it reads 0 (4.1.4.3.2).
 * @return 0 or -ETIMEDOUT (logged). */
int virtio_pci_reset(struct virtio_pci *hw);

uint64_t virtio_pci_features_get(struct virtio_pci *hw);
void virtio_pci_features_set(struct virtio_pci *hw, uint64_t features);
uint16_t virtio_pci_num_queues(struct virtio_pci *hw);

/* The device's maximum size for queue @p index; 0 when it has no such
 * queue (4.1.5.1.3). */
uint16_t virtio_pci_queue_max_size(struct virtio_pci *hw, uint16_t index);

/* Program queue @p index (size, ring addresses, no MSI-X vector) and
 * enable it (4.1.5.1.3); fill @p notify. @return 0 or -EIO (the notify
 * address lies outside the notify structure: logged). */
int virtio_pci_queue_enable(struct virtio_pci *hw, uint16_t index, uint16_t size,
			    uint64_t desc_iova, uint64_t avail_iova, uint64_t used_iova,
			    struct virtio_notify *notify);

/* Read @p len bytes of the device configuration at @p offset, again until
 * config_generation is stable (2.5.1, 4.1.4.3). @return 0 or -EINVAL
 * (beyond the structure). */
int virtio_pci_dev_cfg_read(struct virtio_pci *hw, uint32_t offset, void *buf, uint32_t len);

#endif /* VIRTIO_PCI_H */
