/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Config space through the device's config region, the capability lists,
 * the command register and reset.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <linux/vfio.h>

#include "pci_private.h"

/* Largest config space (PCIe); anything beyond is not config space. */
#define PCI_CFG_SPACE_MAX 4096
/* The standard list lives in the first 256 bytes, after the header. */
#define PCI_STD_CFG_SIZE 256
#define PCI_STD_CAP_START 0x40
#define PCI_EXT_CAP_START 0x100

static uint16_t get_le16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return le16toh(v);
}

static uint32_t get_le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

/* Common checks of a config access. */
static int config_access_check(const struct pci_device *dev, size_t len,
			       uint64_t offset, const char *what)
{
	if (dev->vdev == NULL) {
		PCI_LOG(ERR, "%s: config %s at 0x%llx: the device is not attached to a DMA container (pci_device_attach() first)",
			dev->name, what, (unsigned long long)offset);
		return -ENODEV;
	}
	if (offset > dev->config_size || len > dev->config_size - offset) {
		PCI_LOG(ERR, "%s: config %s of %zu bytes at 0x%llx is beyond its %llu-byte config space",
			dev->name, what, len, (unsigned long long)offset,
			(unsigned long long)dev->config_size);
		return -EINVAL;
	}
	return 0;
}

int pci_config_read(struct pci_device *dev, void *buf, size_t len, uint64_t offset)
{
	ssize_t n;
	int rc;

	if (dev == NULL || (buf == NULL && len > 0))
		return -EINVAL;
	rc = config_access_check(dev, len, offset, "read");
	if (rc < 0)
		return rc;
	if (len == 0)
		return 0;
	n = dev->vdev->ops->region_read(dev->vdev, VFIO_PCI_CONFIG_REGION_INDEX,
					offset, buf, len);
	if (n < 0) {
		PCI_LOG(ERR, "%s: config read of %zu bytes at 0x%llx failed: %s", dev->name,
			len, (unsigned long long)offset, strerror((int)-n));
		return (int)n;
	}
	if ((size_t)n != len) {
		PCI_LOG(ERR, "%s: config read of %zu bytes at 0x%llx returned %zd", dev->name,
			len, (unsigned long long)offset, n);
		return -EIO;
	}
	return 0;
}

int pci_config_write(struct pci_device *dev, const void *buf, size_t len,
		     uint64_t offset)
{
	ssize_t n;
	int rc;

	if (dev == NULL || (buf == NULL && len > 0))
		return -EINVAL;
	rc = config_access_check(dev, len, offset, "write");
	if (rc < 0)
		return rc;
	if (len == 0)
		return 0;
	/* Not posted: config writes change how the device decodes, and the
	 * caller's next step usually depends on that. */
	n = dev->vdev->ops->region_write(dev->vdev, VFIO_PCI_CONFIG_REGION_INDEX,
					 offset, buf, len, false);
	if (n < 0) {
		PCI_LOG(ERR, "%s: config write of %zu bytes at 0x%llx failed: %s", dev->name,
			len, (unsigned long long)offset, strerror((int)-n));
		return (int)n;
	}
	if ((size_t)n != len) {
		PCI_LOG(ERR, "%s: config write of %zu bytes at 0x%llx wrote %zd", dev->name,
			len, (unsigned long long)offset, n);
		return -EIO;
	}
	return 0;
}

int pci_config_read8(struct pci_device *dev, uint64_t offset, uint8_t *val)
{
	if (val == NULL)
		return -EINVAL;
	return pci_config_read(dev, val, 1, offset);
}

int pci_config_read16(struct pci_device *dev, uint64_t offset, uint16_t *val)
{
	uint16_t v;
	int rc;

	if (val == NULL)
		return -EINVAL;
	rc = pci_config_read(dev, &v, sizeof(v), offset);
	if (rc == 0)
		*val = le16toh(v);
	return rc;
}

int pci_config_read32(struct pci_device *dev, uint64_t offset, uint32_t *val)
{
	uint32_t v;
	int rc;

	if (val == NULL)
		return -EINVAL;
	rc = pci_config_read(dev, &v, sizeof(v), offset);
	if (rc == 0)
		*val = le32toh(v);
	return rc;
}

int pci_config_write8(struct pci_device *dev, uint64_t offset, uint8_t val)
{
	return pci_config_write(dev, &val, 1, offset);
}

int pci_config_write16(struct pci_device *dev, uint64_t offset, uint16_t val)
{
	uint16_t v = htole16(val);

	return pci_config_write(dev, &v, sizeof(v), offset);
}

int pci_config_write32(struct pci_device *dev, uint64_t offset, uint32_t val)
{
	uint32_t v = htole32(val);

	return pci_config_write(dev, &v, sizeof(v), offset);
}

/* ---- capabilities ---------------------------------------------------------- */

static void cap_store(struct pci_cap *caps, unsigned max, unsigned idx,
		      uint16_t offset, uint16_t id, uint8_t version, bool extended)
{
	if (idx >= max)
		return;
	caps[idx].offset = offset;
	caps[idx].id = id;
	caps[idx].version = version;
	caps[idx].extended = extended;
}

/* One step of a capability walk: @ptr must leave room for a header before
 * @end, not point into the header (standard) or below 0x100 (extended), and
 * not revisit a dword (@seen: one bit per dword), which would be a loop. */
static int cap_pointer_check(uint8_t *seen, unsigned ptr, size_t end,
			     const char *name, bool extended)
{
	const char *list = extended ? "extended capability list" : "capability list";
	unsigned start = extended ? PCI_EXT_CAP_START : PCI_STD_CAP_START;
	unsigned header = extended ? 4 : 2;
	uint8_t bit = (uint8_t)(1u << (ptr / 4 % 8));

	if (ptr < start || ptr + header > end) {
		PCI_LOG(ERR, "%s: malformed %s: pointer 0x%02x %s", name, list, ptr,
			ptr >= start ? "is beyond config space" :
			extended ? "points below 0x100" : "points into the header");
		return -EIO;
	}
	if (seen[ptr / 32] & bit) {
		PCI_LOG(ERR, "%s: malformed %s: it loops back to 0x%02x", name, list, ptr);
		return -EIO;
	}
	seen[ptr / 32] |= bit;
	return 0;
}

int pci_cap_parse(const uint8_t *cfg, size_t len, const char *name,
		  struct pci_cap *caps, unsigned max)
{
	/* One bit per dword of config space: a revisited one is a loop. */
	uint8_t seen[PCI_CFG_SPACE_MAX / 4 / 8];
	unsigned count = 0;
	unsigned ptr;

	if (cfg == NULL || len < PCI_STD_CAP_START || (caps == NULL && max > 0))
		return -EINVAL;
	if (len > PCI_CFG_SPACE_MAX)
		len = PCI_CFG_SPACE_MAX;
	memset(seen, 0, sizeof(seen));

	if (get_le16(cfg + PCI_STATUS) & PCI_STATUS_CAP_LIST) {
		size_t std_len = len < PCI_STD_CFG_SIZE ? len : PCI_STD_CFG_SIZE;

		/* The two low bits of every pointer are reserved. */
		ptr = cfg[PCI_CAPABILITY_LIST] & ~3u;
		while (ptr != 0) {
			if (cap_pointer_check(seen, ptr, std_len, name, false) < 0)
				return -EIO;
			cap_store(caps, max, count++, (uint16_t)ptr, cfg[ptr], 0, false);
			ptr = cfg[ptr + PCI_CAP_LIST_NEXT] & ~3u;
		}
	}

	if (len <= PCI_STD_CFG_SIZE)
		return (int)count;
	ptr = PCI_EXT_CAP_START;
	{
		uint32_t header = get_le32(cfg + ptr);

		/* Conventional functions behind a PCIe port read 0 or all ones. */
		if (header == 0 || header == 0xffffffffu)
			return (int)count;
	}
	while (ptr != 0) {
		uint32_t header;

		if (cap_pointer_check(seen, ptr, len, name, true) < 0)
			return -EIO;
		header = get_le32(cfg + ptr);
		/* Id 0 is a placeholder some devices put at 0x100. */
		if (PCI_EXT_CAP_ID(header) != 0)
			cap_store(caps, max, count++, (uint16_t)ptr,
				  (uint16_t)PCI_EXT_CAP_ID(header),
				  (uint8_t)PCI_EXT_CAP_VER(header), true);
		ptr = PCI_EXT_CAP_NEXT(header);
	}
	return (int)count;
}

/* The device's config space (at most 4 KiB) into @cfg. @return its length
 * or a negative errno. */
static int config_snapshot(struct pci_device *dev, uint8_t cfg[PCI_CFG_SPACE_MAX])
{
	size_t len;
	int rc;

	if (dev == NULL)
		return -EINVAL;
	if (dev->vdev == NULL) {
		PCI_LOG(ERR, "%s: capabilities are read from config space: attach the device first",
			dev->name);
		return -ENODEV;
	}
	len = dev->config_size < PCI_CFG_SPACE_MAX ? (size_t)dev->config_size :
						     PCI_CFG_SPACE_MAX;
	rc = pci_config_read(dev, cfg, len, 0);
	return rc < 0 ? rc : (int)len;
}

int pci_cap_list(struct pci_device *dev, struct pci_cap *caps, unsigned max)
{
	uint8_t cfg[PCI_CFG_SPACE_MAX];
	int len = config_snapshot(dev, cfg);

	if (len < 0)
		return len;
	return pci_cap_parse(cfg, (size_t)len, dev->name, caps, max);
}

/* Capabilities that fit in the standard space: at most one per dword. */
#define PCI_MAX_CAPS (PCI_CFG_SPACE_MAX / 4)

/* Every capability of @dev into a heap-free static-size array. */
static int cap_walk(struct pci_device *dev, struct pci_cap caps[PCI_MAX_CAPS])
{
	int n = pci_cap_list(dev, caps, PCI_MAX_CAPS);

	return n > PCI_MAX_CAPS ? PCI_MAX_CAPS : n;
}

int pci_cap_find_next(struct pci_device *dev, uint8_t cap_id, int after)
{
	struct pci_cap caps[PCI_MAX_CAPS];
	bool started = after == 0;
	int n, i;

	n = cap_walk(dev, caps);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		if (caps[i].extended)
			break;
		if (started && caps[i].id == cap_id)
			return caps[i].offset;
		if (caps[i].offset == after)
			started = true;
	}
	return -ENOENT;
}

int pci_cap_find(struct pci_device *dev, uint8_t cap_id)
{
	return pci_cap_find_next(dev, cap_id, 0);
}

int pci_cap_find_all(struct pci_device *dev, uint8_t cap_id, uint16_t *offsets,
		     unsigned max)
{
	struct pci_cap caps[PCI_MAX_CAPS];
	unsigned found = 0;
	int n, i;

	if (offsets == NULL && max > 0)
		return -EINVAL;
	n = cap_walk(dev, caps);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		if (caps[i].extended || caps[i].id != cap_id)
			continue;
		if (found < max)
			offsets[found] = caps[i].offset;
		found++;
	}
	return (int)found;
}

int pci_ext_cap_find(struct pci_device *dev, uint16_t cap_id)
{
	struct pci_cap caps[PCI_MAX_CAPS];
	int n, i;

	n = cap_walk(dev, caps);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++)
		if (caps[i].extended && caps[i].id == cap_id)
			return caps[i].offset;
	return -ENOENT;
}

const char *pci_cap_name(uint16_t id, bool extended)
{
	static const char *const std_names[] = {
		[PCI_CAP_ID_PM] = "power management", [PCI_CAP_ID_AGP] = "AGP",
		[PCI_CAP_ID_VPD] = "VPD", [PCI_CAP_ID_SLOTID] = "slot id",
		[PCI_CAP_ID_MSI] = "MSI", [PCI_CAP_ID_CHSWP] = "CompactPCI hot swap",
		[PCI_CAP_ID_PCIX] = "PCI-X", [PCI_CAP_ID_HT] = "HyperTransport",
		[PCI_CAP_ID_VNDR] = "vendor", [PCI_CAP_ID_DBG] = "debug port",
		[PCI_CAP_ID_CCRC] = "CompactPCI CRC", [PCI_CAP_ID_SHPC] = "hot-plug",
		[PCI_CAP_ID_SSVID] = "bridge subsystem id", [PCI_CAP_ID_AGP3] = "AGP3",
		[PCI_CAP_ID_SECDEV] = "secure device", [PCI_CAP_ID_EXP] = "PCIe",
		[PCI_CAP_ID_MSIX] = "MSI-X", [PCI_CAP_ID_SATA] = "SATA",
		[PCI_CAP_ID_AF] = "advanced features", [PCI_CAP_ID_EA] = "enhanced allocation",
	};
	static const char *const ext_names[] = {
		[PCI_EXT_CAP_ID_ERR] = "AER", [PCI_EXT_CAP_ID_VC] = "virtual channel",
		[PCI_EXT_CAP_ID_DSN] = "serial number", [PCI_EXT_CAP_ID_PWR] = "power budget",
		[PCI_EXT_CAP_ID_VNDR] = "vendor", [PCI_EXT_CAP_ID_ACS] = "ACS",
		[PCI_EXT_CAP_ID_ARI] = "ARI", [PCI_EXT_CAP_ID_ATS] = "ATS",
		[PCI_EXT_CAP_ID_SRIOV] = "SR-IOV", [PCI_EXT_CAP_ID_PRI] = "PRI",
		[PCI_EXT_CAP_ID_REBAR] = "resizable BAR", [PCI_EXT_CAP_ID_LTR] = "LTR",
		[PCI_EXT_CAP_ID_SECPCI] = "secondary PCIe", [PCI_EXT_CAP_ID_PASID] = "PASID",
		[PCI_EXT_CAP_ID_DPC] = "DPC", [PCI_EXT_CAP_ID_L1SS] = "L1 PM substates",
		[PCI_EXT_CAP_ID_PTM] = "PTM", [PCI_EXT_CAP_ID_DVSEC] = "DVSEC",
	};
	const char *const *names = extended ? ext_names : std_names;
	size_t nb = extended ? EAL_DIM(ext_names) : EAL_DIM(std_names);

	return id < nb && names[id] != NULL ? names[id] : "?";
}

/* ---- command register, identity, reset ------------------------------------- */

int pci_bus_master_set(struct pci_device *dev, bool enable)
{
	uint16_t cmd = 0, want;
	int rc;

	if (dev == NULL)
		return -EINVAL;
	rc = pci_config_read16(dev, PCI_COMMAND, &cmd);
	if (rc < 0)
		return rc;
	want = enable ? (uint16_t)(cmd | PCI_COMMAND_MASTER) :
			(uint16_t)(cmd & ~PCI_COMMAND_MASTER);
	if (want == cmd)
		return 0;
	return pci_config_write16(dev, PCI_COMMAND, want);
}

int pci_device_read_ids(struct pci_device *dev)
{
	uint8_t hdr[PCI_STD_CAP_START];
	int rc;

	rc = pci_config_read(dev, hdr, sizeof(hdr), 0);
	if (rc < 0)
		return rc;
	if (get_le16(hdr + PCI_VENDOR_ID) == 0xffff) {
		PCI_LOG(ERR, "%s: config space reads all ones: the device is absent or not responding",
			dev->name);
		return -ENODEV;
	}
	dev->vendor_id = get_le16(hdr + PCI_VENDOR_ID);
	dev->device_id = get_le16(hdr + PCI_DEVICE_ID);
	dev->revision = hdr[PCI_REVISION_ID];
	dev->class_id = (uint32_t)hdr[PCI_CLASS_PROG] |
			(uint32_t)get_le16(hdr + PCI_CLASS_DEVICE) << 8;
	/* Only a type 0 header has subsystem ids there. */
	if ((hdr[PCI_HEADER_TYPE] & 0x7f) == PCI_HEADER_TYPE_NORMAL) {
		dev->subsystem_vendor_id = get_le16(hdr + PCI_SUBSYSTEM_VENDOR_ID);
		dev->subsystem_device_id = get_le16(hdr + PCI_SUBSYSTEM_ID);
	}
	return 0;
}

int pci_device_reset(struct pci_device *dev)
{
	int rc;

	if (dev == NULL)
		return -EINVAL;
	if (dev->vdev == NULL) {
		PCI_LOG(ERR, "%s: cannot reset a device that is not attached", dev->name);
		return -ENODEV;
	}
	if (!(dev->vdev->info.flags & VFIO_DEVICE_FLAGS_RESET) || dev->vdev->ops->reset == NULL) {
		PCI_LOG(ERR, "%s: the device offers no reset (no FLR or PM reset; a conventional PCI device has none: on a VM, put it behind a pcie-root-port)",
			dev->name);
		return -ENOTSUP;
	}
	rc = dev->vdev->ops->reset(dev->vdev);
	if (rc < 0)
		PCI_LOG(ERR, "%s: reset failed: %s", dev->name, strerror(-rc));
	return rc;
}
