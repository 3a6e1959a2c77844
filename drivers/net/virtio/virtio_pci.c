/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "virtio_pci.h"

EAL_LOG_COMPONENT_REGISTER(virtio_logtype, "pmd.net.virtio", EAL_LOG_NOTICE);

#define VIRTIO_MAX_VNDR_CAPS 16
#define VIRTIO_RESET_TIMEOUT_MS 3000
#define VIRTIO_CFG_READ_RETRIES 100

static const char *cap_type_name(uint8_t type)
{
	switch (type) {
	case VIRTIO_PCI_CAP_COMMON_CFG: return "common";
	case VIRTIO_PCI_CAP_NOTIFY_CFG: return "notify";
	case VIRTIO_PCI_CAP_ISR_CFG: return "ISR";
	case VIRTIO_PCI_CAP_DEVICE_CFG: return "device";
	default: return "other";
	}
}

/* 4.1.4.1: the first capability of each type that the driver can use is
 * the preferred one; later ones of the same type are alternatives. */
static int region_take(struct virtio_pci *hw, const struct virtio_pci_cap *cap,
		       struct virtio_pci_region *reg)
{
	const struct pci_bar *bar;

	if (reg->present)
		return 0;
	if (cap->bar >= PCI_MAX_BARS)
		return 0; /* 4.1.4.1: reserved BAR values are ignored */
	bar = &hw->pdev->bars[cap->bar];
	if (bar->size == 0 || bar->is_io ||
	    (uint64_t)cap->offset + cap->length > bar->size) {
		VIRTIO_LOG(WARNING, "%s: virtio %s structure at BAR%u+0x%x (%u bytes) is outside "
			   "memory BAR%u (%llu bytes): ignored", hw->pdev->name,
			   cap_type_name(cap->cfg_type), cap->bar, cap->offset, cap->length,
			   cap->bar, (unsigned long long)bar->size);
		return 0;
	}
	reg->bar = cap->bar;
	reg->offset = cap->offset;
	reg->length = cap->length;
	reg->present = true;
	return 1;
}

int virtio_pci_init(struct virtio_pci *hw, struct pci_device *pdev)
{
	uint16_t offsets[VIRTIO_MAX_VNDR_CAPS];
	bool map_wanted[PCI_MAX_BARS] = { false };
	int n, i, rc;

	memset(hw, 0, sizeof(*hw));
	hw->pdev = pdev;
	n = pci_cap_find_all(pdev, PCI_CAP_ID_VNDR, offsets, EAL_DIM(offsets));
	if (n < 0)
		return n;
	for (i = 0; i < n && i < (int)EAL_DIM(offsets); i++) {
		struct virtio_pci_cap cap;

		rc = pci_config_read(pdev, &cap, sizeof(cap), offsets[i]);
		if (rc < 0)
			return rc;
		cap.offset = le32toh(cap.offset);
		cap.length = le32toh(cap.length);
		if (cap.cap_len < sizeof(cap))
			continue;
		switch (cap.cfg_type) {
		case VIRTIO_PCI_CAP_COMMON_CFG:
			region_take(hw, &cap, &hw->common);
			break;
		case VIRTIO_PCI_CAP_NOTIFY_CFG: {
			uint32_t mult;

			if (hw->notify.present || cap.cap_len < sizeof(cap) + 4)
				break;
			rc = pci_config_read32(pdev, offsets[i] + VIRTIO_PCI_NOTIFY_CAP_MULT_OFF,
					       &mult);
			if (rc < 0)
				return rc;
			if (region_take(hw, &cap, &hw->notify) > 0)
				hw->notify_off_multiplier = mult;
			break;
		}
		case VIRTIO_PCI_CAP_ISR_CFG:
			region_take(hw, &cap, &hw->isr);
			break;
		case VIRTIO_PCI_CAP_DEVICE_CFG:
			region_take(hw, &cap, &hw->device);
			break;
		default:
			break;
		}
	}
	if (!hw->common.present || !hw->notify.present || !hw->device.present) {
		VIRTIO_LOG(ERR, "%s: not a usable virtio 1.x (modern) PCI device: %s%s%s structure "
			   "missing (spec 4.1.4); legacy-only devices are not supported",
			   pdev->name, hw->common.present ? "" : "common ",
			   hw->notify.present ? "" : "notify ", hw->device.present ? "" : "device ");
		return -ENODEV;
	}
	if (hw->common.length < VIRTIO_PCI_COMMON_CFG_MIN_LEN) {
		VIRTIO_LOG(ERR, "%s: virtio common structure is %u bytes, spec 4.1.4.3 needs %u",
			   pdev->name, hw->common.length, VIRTIO_PCI_COMMON_CFG_MIN_LEN);
		return -ENODEV;
	}
	map_wanted[hw->common.bar] = map_wanted[hw->notify.bar] = true;
	map_wanted[hw->device.bar] = true;
	if (hw->isr.present)
		map_wanted[hw->isr.bar] = true;
	for (i = 0; i < PCI_MAX_BARS; i++) {
		/* A backend that cannot map leaves the region ops to the
		 * accessors: slower, still correct. */
		if (map_wanted[i] && pci_bar_map(pdev, (unsigned)i) == NULL)
			VIRTIO_LOG(INFO, "%s: BAR%d not mapped (%s): register access through "
				   "the backend", pdev->name, i, strerror(errno));
	}
	return 0;
}

static uint8_t common_read8(struct virtio_pci *hw, uint32_t off)
{
	return pci_bar_read8(hw->pdev, hw->common.bar, hw->common.offset + off);
}

static uint16_t common_read16(struct virtio_pci *hw, uint32_t off)
{
	return pci_bar_read16(hw->pdev, hw->common.bar, hw->common.offset + off);
}

static uint32_t common_read32(struct virtio_pci *hw, uint32_t off)
{
	return pci_bar_read32(hw->pdev, hw->common.bar, hw->common.offset + off);
}

static void common_write8(struct virtio_pci *hw, uint32_t off, uint8_t v)
{
	pci_bar_write8(hw->pdev, hw->common.bar, hw->common.offset + off, v);
}

static void common_write16(struct virtio_pci *hw, uint32_t off, uint16_t v)
{
	pci_bar_write16(hw->pdev, hw->common.bar, hw->common.offset + off, v);
}

static void common_write32(struct virtio_pci *hw, uint32_t off, uint32_t v)
{
	pci_bar_write32(hw->pdev, hw->common.bar, hw->common.offset + off, v);
}

/* 4.1.3.1: 64-bit fields are written as two 32-bit halves. */
static void common_write64(struct virtio_pci *hw, uint32_t off_lo, uint32_t off_hi, uint64_t v)
{
	common_write32(hw, off_lo, (uint32_t)v);
	common_write32(hw, off_hi, (uint32_t)(v >> 32));
}

uint8_t virtio_pci_status_get(struct virtio_pci *hw)
{
	return common_read8(hw, VIRTIO_PCI_COMMON_STATUS);
}

void virtio_pci_status_add(struct virtio_pci *hw, uint8_t bits)
{
	common_write8(hw, VIRTIO_PCI_COMMON_STATUS, (uint8_t)(virtio_pci_status_get(hw) | bits));
}

int virtio_pci_reset(struct virtio_pci *hw)
{
	struct timespec start, now;

	common_write8(hw, VIRTIO_PCI_COMMON_STATUS, 0);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (virtio_pci_status_get(hw) == 0)
			return 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 >
		    VIRTIO_RESET_TIMEOUT_MS)
			break;
		usleep(1000);
	}
	VIRTIO_LOG(ERR, "%s: device status still 0x%02x %d ms after a reset (spec 4.1.4.3.2): "
		   "the device is stuck; reset it (updk-devbind --unbind / --bind) and retry",
		   hw->pdev->name, virtio_pci_status_get(hw), VIRTIO_RESET_TIMEOUT_MS);
	return -ETIMEDOUT;
}

uint64_t virtio_pci_features_get(struct virtio_pci *hw)
{
	uint64_t lo, hi;

	common_write32(hw, VIRTIO_PCI_COMMON_DFSELECT, 0);
	lo = common_read32(hw, VIRTIO_PCI_COMMON_DF);
	common_write32(hw, VIRTIO_PCI_COMMON_DFSELECT, 1);
	hi = common_read32(hw, VIRTIO_PCI_COMMON_DF);
	return lo | (hi << 32);
}

void virtio_pci_features_set(struct virtio_pci *hw, uint64_t features)
{
	common_write32(hw, VIRTIO_PCI_COMMON_GFSELECT, 0);
	common_write32(hw, VIRTIO_PCI_COMMON_GF, (uint32_t)features);
	common_write32(hw, VIRTIO_PCI_COMMON_GFSELECT, 1);
	common_write32(hw, VIRTIO_PCI_COMMON_GF, (uint32_t)(features >> 32));
}

uint16_t virtio_pci_num_queues(struct virtio_pci *hw)
{
	return common_read16(hw, VIRTIO_PCI_COMMON_NUMQ);
}

uint16_t virtio_pci_queue_max_size(struct virtio_pci *hw, uint16_t index)
{
	common_write16(hw, VIRTIO_PCI_COMMON_Q_SELECT, index);
	return common_read16(hw, VIRTIO_PCI_COMMON_Q_SIZE);
}

int virtio_pci_queue_enable(struct virtio_pci *hw, uint16_t index, uint16_t size,
			    uint64_t desc_iova, uint64_t avail_iova, uint64_t used_iova,
			    struct virtio_notify *notify)
{
	uint64_t off;
	uint16_t notify_off;

	common_write16(hw, VIRTIO_PCI_COMMON_Q_SELECT, index);
	common_write16(hw, VIRTIO_PCI_COMMON_Q_SIZE, size);
	common_write16(hw, VIRTIO_PCI_COMMON_Q_MSIX, VIRTIO_MSI_NO_VECTOR);
	common_write64(hw, VIRTIO_PCI_COMMON_Q_DESCLO, VIRTIO_PCI_COMMON_Q_DESCHI, desc_iova);
	common_write64(hw, VIRTIO_PCI_COMMON_Q_AVAILLO, VIRTIO_PCI_COMMON_Q_AVAILHI, avail_iova);
	common_write64(hw, VIRTIO_PCI_COMMON_Q_USEDLO, VIRTIO_PCI_COMMON_Q_USEDHI, used_iova);
	notify_off = common_read16(hw, VIRTIO_PCI_COMMON_Q_NOFF);
	/* 4.1.4.4: cap.offset + queue_notify_off * notify_off_multiplier. */
	off = (uint64_t)notify_off * hw->notify_off_multiplier;
	if (off + 2 > hw->notify.length) {
		VIRTIO_LOG(ERR, "%s: queue %u notifies at offset %llu of a %u-byte notify structure "
			   "(spec 4.1.4.4): the device is misconfigured", hw->pdev->name, index,
			   (unsigned long long)off, hw->notify.length);
		return -EIO;
	}
	notify->pdev = hw->pdev;
	notify->bar = hw->notify.bar;
	notify->offset = hw->notify.offset + off;
	notify->queue_index = index;
	common_write16(hw, VIRTIO_PCI_COMMON_Q_ENABLE, 1);
	return 0;
}

int virtio_pci_dev_cfg_read(struct virtio_pci *hw, uint32_t offset, void *buf, uint32_t len)
{
	uint8_t *out = buf, gen_before, gen_after;
	unsigned tries;
	uint32_t i;

	if ((uint64_t)offset + len > hw->device.length)
		return -EINVAL;
	for (tries = 0; tries < VIRTIO_CFG_READ_RETRIES; tries++) {
		uint64_t at = (uint64_t)hw->device.offset + offset;

		gen_before = common_read8(hw, VIRTIO_PCI_COMMON_CFGGENERATION);
		/* 4.1.3.1: fields are read with their natural width. */
		if (len == 2 && (at % 2) == 0) {
			uint16_t v = htole16(pci_bar_read16(hw->pdev, hw->device.bar, at));

			memcpy(out, &v, sizeof(v));
		} else if (len == 4 && (at % 4) == 0) {
			uint32_t v = htole32(pci_bar_read32(hw->pdev, hw->device.bar, at));

			memcpy(out, &v, sizeof(v));
		} else {
			for (i = 0; i < len; i++)
				out[i] = pci_bar_read8(hw->pdev, hw->device.bar, at + i);
		}
		gen_after = common_read8(hw, VIRTIO_PCI_COMMON_CFGGENERATION);
		if (gen_before == gen_after)
			return 0;
	}
	return 0; /* a device changing its config that often: last read stands */
}
