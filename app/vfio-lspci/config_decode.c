/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Config space decoding for vfio-lspci, close to "lspci -vv" so that a user
 * can compare a vfio-user server's device with a real card side by side.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <linux/pci_regs.h>

#include "config_decode.h"

#define VIRTIO_VENDOR 0x1af4
/* virtio_pci_cap cfg_type values (virtio 1.2, 4.1.4). */
#define VIRTIO_CAP_COMMON 1
#define VIRTIO_CAP_NOTIFY 2
#define VIRTIO_CAP_ISR 3
#define VIRTIO_CAP_DEVICE 4
#define VIRTIO_CAP_PCI 5
#define VIRTIO_CAP_SHM 8

/* Standard capabilities a list can hold: 192 bytes / 4-byte minimum. */
#define MAX_STD_CAPS 48
/* Extended capabilities: 3840 bytes / 4. */
#define MAX_EXT_CAPS 960

struct cfg_view {
	FILE *out;
	const uint8_t *cfg;
	size_t len;
	const struct cfg_context *ctx;
	int problems;
	/* virtio structures seen, by cfg_type (bit n = type n). */
	unsigned virtio_types;
};

static uint8_t rd8(const struct cfg_view *v, size_t off)
{
	return off < v->len ? v->cfg[off] : 0xff;
}

static uint16_t rd16(const struct cfg_view *v, size_t off)
{
	return (uint16_t)(rd8(v, off) | rd8(v, off + 1) << 8);
}

static uint32_t rd32(const struct cfg_view *v, size_t off)
{
	return (uint32_t)rd16(v, off) | (uint32_t)rd16(v, off + 2) << 16;
}

static void problem(struct cfg_view *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void problem(struct cfg_view *v, const char *fmt, ...)
{
	va_list ap;

	v->problems++;
	fputs("\t!! ", v->out);
	va_start(ap, fmt);
	vfprintf(v->out, fmt, ap);
	va_end(ap);
	fputc('\n', v->out);
}

static char flag(bool on)
{
	return on ? '+' : '-';
}

const char *cfg_size_str(uint64_t size, char *buf, size_t buflen)
{
	static const char units[] = { 0, 'K', 'M', 'G', 'T', 'P' };
	unsigned u = 0;

	while (size >= 1024 && size % 1024 == 0 && u + 1 < sizeof(units)) {
		size /= 1024;
		u++;
	}
	if (units[u] != 0)
		snprintf(buf, buflen, "%" PRIu64 "%c", size, units[u]);
	else
		snprintf(buf, buflen, "%" PRIu64, size);
	return buf;
}

/* ---- names --------------------------------------------------------------- */

static const char *vendor_name(uint16_t vendor)
{
	switch (vendor) {
	case 0x1af4: return "Red Hat, Inc.";
	case 0x8086: return "Intel Corporation";
	case 0x15b3: return "Mellanox Technologies";
	case 0x14e4: return "Broadcom Inc.";
	case 0x1d0f: return "Amazon.com, Inc.";
	case 0x1b36: return "Red Hat, Inc. (QEMU)";
	case 0x4e58: return "Nutanix Inc.";
	default: return NULL;
	}
}

static const char *virtio_device_name(uint16_t virtio_id)
{
	switch (virtio_id) {
	case 1: return "network device";
	case 2: return "block device";
	case 3: return "console";
	case 4: return "RNG";
	case 5: return "memory balloon";
	case 8: return "SCSI";
	case 9: return "filesystem (9P)";
	case 16: return "GPU";
	case 18: return "input";
	case 19: return "socket";
	case 26: return "filesystem";
	default: return NULL;
	}
}

const char *cfg_class_name(uint16_t class_sub)
{
	switch (class_sub) {
	case 0x0100: return "SCSI storage controller";
	case 0x0106: return "SATA controller";
	case 0x0108: return "Non-Volatile memory controller";
	case 0x0180: return "Mass storage controller";
	case 0x0200: return "Ethernet controller";
	case 0x0207: return "Infiniband controller";
	case 0x0280: return "Network controller";
	case 0x0300: return "VGA compatible controller";
	case 0x0600: return "Host bridge";
	case 0x0604: return "PCI bridge";
	case 0x0780: return "Communication controller";
	case 0x0880: return "System peripheral";
	case 0x0900: return "Keyboard controller";
	case 0x0c03: return "USB controller";
	case 0x1200: return "Processing accelerators";
	default: break;
	}
	switch (class_sub >> 8) {
	case 0x00: return "Unclassified device";
	case 0x01: return "Mass storage controller";
	case 0x02: return "Network controller";
	case 0x03: return "Display controller";
	case 0x06: return "Bridge";
	case 0x0c: return "Serial bus controller";
	case 0xff: return "Unassigned class";
	default: return NULL;
	}
}

static const char *std_cap_name(uint8_t id)
{
	switch (id) {
	case PCI_CAP_ID_PM: return "Power Management";
	case PCI_CAP_ID_AGP: return "AGP";
	case PCI_CAP_ID_VPD: return "Vital Product Data";
	case PCI_CAP_ID_MSI: return "MSI";
	case PCI_CAP_ID_PCIX: return "PCI-X";
	case PCI_CAP_ID_HT: return "HyperTransport";
	case PCI_CAP_ID_VNDR: return "Vendor Specific Information";
	case PCI_CAP_ID_DBG: return "Debug port";
	case PCI_CAP_ID_SSVID: return "Subsystem";
	case PCI_CAP_ID_SECDEV: return "Secure device";
	case PCI_CAP_ID_EXP: return "Express";
	case PCI_CAP_ID_MSIX: return "MSI-X";
	case PCI_CAP_ID_SATA: return "SATA HBA";
	case PCI_CAP_ID_AF: return "PCI Advanced Features";
	case PCI_CAP_ID_EA: return "Enhanced Allocation";
	default: return NULL;
	}
}

static const char *ext_cap_name(uint16_t id)
{
	switch (id) {
	case PCI_EXT_CAP_ID_ERR: return "Advanced Error Reporting";
	case PCI_EXT_CAP_ID_VC: return "Virtual Channel";
	case PCI_EXT_CAP_ID_DSN: return "Device Serial Number";
	case PCI_EXT_CAP_ID_PWR: return "Power Budgeting";
	case PCI_EXT_CAP_ID_VNDR: return "Vendor Specific Information";
	case PCI_EXT_CAP_ID_ACS: return "Access Control Services";
	case PCI_EXT_CAP_ID_ARI: return "Alternative Routing-ID Interpretation (ARI)";
	case PCI_EXT_CAP_ID_ATS: return "Address Translation Service (ATS)";
	case PCI_EXT_CAP_ID_SRIOV: return "Single Root I/O Virtualization (SR-IOV)";
	case PCI_EXT_CAP_ID_PRI: return "Page Request Interface (PRI)";
	case PCI_EXT_CAP_ID_REBAR: return "Physical Resizable BAR";
	case PCI_EXT_CAP_ID_LTR: return "Latency Tolerance Reporting";
	case PCI_EXT_CAP_ID_SECPCI: return "Secondary PCI Express";
	case PCI_EXT_CAP_ID_PASID: return "Process Address Space ID (PASID)";
	case PCI_EXT_CAP_ID_L1SS: return "L1 PM Substates";
	case PCI_EXT_CAP_ID_DLF: return "Data Link Feature";
	case PCI_EXT_CAP_ID_PL_16GT: return "Physical Layer 16.0 GT/s";
	default: return NULL;
	}
}

/* ---- header -------------------------------------------------------------- */

static void decode_identity(struct cfg_view *v)
{
	uint16_t vendor = rd16(v, PCI_VENDOR_ID), device = rd16(v, PCI_DEVICE_ID);
	uint16_t class_sub = rd16(v, PCI_CLASS_DEVICE);
	const char *vname = vendor_name(vendor), *cname = cfg_class_name(class_sub);
	const char *dname = NULL;
	uint8_t hdr = rd8(v, PCI_HEADER_TYPE);

	if (vendor == VIRTIO_VENDOR && device >= 0x1040 && device <= 0x107f)
		dname = virtio_device_name((uint16_t)(device - 0x1040));
	else if (vendor == VIRTIO_VENDOR && device >= 0x1000 && device <= 0x103f)
		dname = "transitional device";
	fprintf(v->out, "%s [%04x]: %s [%04x] ", cname ? cname : "Class", class_sub,
		vname ? vname : "Vendor", vendor);
	if (vendor == VIRTIO_VENDOR && dname != NULL)
		fprintf(v->out, "Virtio %s%s ", device >= 0x1040 ? "1.0 " : "", dname);
	else
		fprintf(v->out, "Device ");
	fprintf(v->out, "[%04x] (rev %02x", device, rd8(v, PCI_REVISION_ID));
	if (rd8(v, PCI_CLASS_PROG) != 0)
		fprintf(v->out, ", prog-if %02x", rd8(v, PCI_CLASS_PROG));
	fprintf(v->out, ")\n");
	if (vendor == 0xffff || vendor == 0x0000)
		problem(v, "vendor id %04x is not a valid PCI vendor: the device does not answer config reads",
			vendor);
	if ((hdr & 0x7f) == PCI_HEADER_TYPE_NORMAL)
		fprintf(v->out, "\tSubsystem: [%04x:%04x]\n", rd16(v, PCI_SUBSYSTEM_VENDOR_ID),
			rd16(v, PCI_SUBSYSTEM_ID));
	fprintf(v->out, "\tHeader type: %u (%s)%s\n", hdr & 0x7f,
		(hdr & 0x7f) == 0 ? "endpoint" : (hdr & 0x7f) == 1 ? "PCI-to-PCI bridge" :
		(hdr & 0x7f) == 2 ? "CardBus bridge" : "unknown",
		hdr & 0x80 ? ", multi-function" : "");
}

static void decode_command_status(struct cfg_view *v)
{
	uint16_t cmd = rd16(v, PCI_COMMAND), st = rd16(v, PCI_STATUS);
	static const char *const devsel[] = { "fast", "medium", "slow", "??" };

	fprintf(v->out, "\tControl: I/O%c Mem%c BusMaster%c SpecCycle%c MemWINV%c VGASnoop%c "
		"ParErr%c Stepping%c SERR%c FastB2B%c DisINTx%c\n",
		flag(cmd & PCI_COMMAND_IO), flag(cmd & PCI_COMMAND_MEMORY),
		flag(cmd & PCI_COMMAND_MASTER), flag(cmd & PCI_COMMAND_SPECIAL),
		flag(cmd & PCI_COMMAND_INVALIDATE), flag(cmd & PCI_COMMAND_VGA_PALETTE),
		flag(cmd & PCI_COMMAND_PARITY), flag(cmd & PCI_COMMAND_WAIT),
		flag(cmd & PCI_COMMAND_SERR), flag(cmd & PCI_COMMAND_FAST_BACK),
		flag(cmd & PCI_COMMAND_INTX_DISABLE));
	fprintf(v->out, "\tStatus: Cap%c 66MHz%c UDF%c FastB2B%c ParErr%c DEVSEL=%s >TAbort%c "
		"<TAbort%c <MAbort%c >SERR%c <PERR%c INTx%c\n",
		flag(st & PCI_STATUS_CAP_LIST), flag(st & PCI_STATUS_66MHZ),
		flag(st & PCI_STATUS_UDF), flag(st & PCI_STATUS_FAST_BACK),
		flag(st & PCI_STATUS_PARITY), devsel[(st & PCI_STATUS_DEVSEL_MASK) >> 9],
		flag(st & PCI_STATUS_SIG_TARGET_ABORT), flag(st & PCI_STATUS_REC_TARGET_ABORT),
		flag(st & PCI_STATUS_REC_MASTER_ABORT), flag(st & PCI_STATUS_SIG_SYSTEM_ERROR),
		flag(st & PCI_STATUS_DETECTED_PARITY), flag(st & PCI_STATUS_INTERRUPT));
	if (rd8(v, PCI_INTERRUPT_PIN) != 0)
		fprintf(v->out, "\tInterrupt: pin %c routed to IRQ %u\n",
			'A' + rd8(v, PCI_INTERRUPT_PIN) - 1, rd8(v, PCI_INTERRUPT_LINE));
}

static void decode_bars(struct cfg_view *v)
{
	char sz[32];
	unsigned i;

	for (i = 0; i < CFG_MAX_BARS; i++) {
		uint32_t lo = rd32(v, PCI_BASE_ADDRESS_0 + 4 * i);
		uint64_t size = v->ctx->bar_sizes[i];
		bool is64 = false;

		if (lo == 0 && size == 0)
			continue;
		if (lo & PCI_BASE_ADDRESS_SPACE_IO) {
			fprintf(v->out, "\tRegion %u: I/O ports at %04x [size=%s]\n", i,
				(unsigned)(lo & PCI_BASE_ADDRESS_IO_MASK), cfg_size_str(size, sz, sizeof(sz)));
		} else {
			uint64_t base = lo & PCI_BASE_ADDRESS_MEM_MASK;

			is64 = (lo & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64;
			if (is64 && i + 1 < CFG_MAX_BARS)
				base |= (uint64_t)rd32(v, PCI_BASE_ADDRESS_0 + 4 * (i + 1)) << 32;
			fprintf(v->out, "\tRegion %u: Memory at %0*" PRIx64 " (%s, %sprefetchable) [size=%s]\n",
				i, is64 ? 16 : 8, base, is64 ? "64-bit" : "32-bit",
				lo & PCI_BASE_ADDRESS_MEM_PREFETCH ? "" : "non-",
				cfg_size_str(size, sz, sizeof(sz)));
			if (is64 && i + 1 == CFG_MAX_BARS)
				problem(v, "BAR5 claims to be 64-bit but there is no BAR6 for its upper half");
		}
		if (size == 0)
			problem(v, "BAR%u has a base register but no VFIO region: the server does not expose it", i);
		else if (size & (size - 1))
			problem(v, "BAR%u size %" PRIu64 " is not a power of two: PCI BARs must be (QEMU refuses the device)",
				i, size);
		if (is64)
			i++;
	}
}

/* ---- standard capabilities ---------------------------------------------- */

static void decode_pm(struct cfg_view *v, unsigned at)
{
	uint16_t pmc = rd16(v, at + PCI_PM_PMC), ctrl = rd16(v, at + PCI_PM_CTRL);

	fprintf(v->out, " version %u\n", pmc & PCI_PM_CAP_VER_MASK);
	if (v->ctx->verbosity >= 1)
		fprintf(v->out, "\t\tFlags: PMEClk%c DSI%c D1%c D2%c PME(D0%c,D1%c,D2%c,D3hot%c,D3cold%c)\n",
			flag(pmc & PCI_PM_CAP_PME_CLOCK), flag(pmc & PCI_PM_CAP_DSI),
			flag(pmc & PCI_PM_CAP_D1), flag(pmc & PCI_PM_CAP_D2),
			flag(pmc & PCI_PM_CAP_PME_D0), flag(pmc & PCI_PM_CAP_PME_D1),
			flag(pmc & PCI_PM_CAP_PME_D2), flag(pmc & PCI_PM_CAP_PME_D3hot),
			flag(pmc & PCI_PM_CAP_PME_D3cold));
	fprintf(v->out, "\t\tStatus: D%u NoSoftRst%c PME-Enable%c\n", ctrl & PCI_PM_CTRL_STATE_MASK,
		flag(ctrl & PCI_PM_CTRL_NO_SOFT_RESET), flag(ctrl & PCI_PM_CTRL_PME_ENABLE));
}

static void decode_msi(struct cfg_view *v, unsigned at)
{
	uint16_t ctl = rd16(v, at + PCI_MSI_FLAGS);
	bool is64 = ctl & PCI_MSI_FLAGS_64BIT;
	uint64_t addr = rd32(v, at + PCI_MSI_ADDRESS_LO);

	if (is64)
		addr |= (uint64_t)rd32(v, at + PCI_MSI_ADDRESS_HI) << 32;
	fprintf(v->out, ": Enable%c Count=%u/%u Maskable%c 64bit%c\n",
		flag(ctl & PCI_MSI_FLAGS_ENABLE), 1u << ((ctl & PCI_MSI_FLAGS_QSIZE) >> 4),
		1u << ((ctl & PCI_MSI_FLAGS_QMASK) >> 1), flag(ctl & PCI_MSI_FLAGS_MASKBIT),
		flag(is64));
	fprintf(v->out, "\t\tAddress: %016" PRIx64 "  Data: %04x\n", addr,
		rd16(v, at + (is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32)));
}

static void decode_msix(struct cfg_view *v, unsigned at)
{
	uint16_t ctl = rd16(v, at + PCI_MSIX_FLAGS);
	uint32_t table = rd32(v, at + PCI_MSIX_TABLE), pba = rd32(v, at + PCI_MSIX_PBA);
	unsigned count = (ctl & PCI_MSIX_FLAGS_QSIZE) + 1u;
	unsigned tbir = table & PCI_MSIX_TABLE_BIR, pbir = pba & PCI_MSIX_PBA_BIR;
	uint32_t toff = (uint32_t)(table & PCI_MSIX_TABLE_OFFSET);
	uint32_t poff = (uint32_t)(pba & PCI_MSIX_PBA_OFFSET);

	fprintf(v->out, ": Enable%c Count=%u Masked%c\n", flag(ctl & PCI_MSIX_FLAGS_ENABLE),
		count, flag(ctl & PCI_MSIX_FLAGS_MASKALL));
	fprintf(v->out, "\t\tVector table: BAR=%u offset=%08x\n", tbir, toff);
	fprintf(v->out, "\t\tPBA: BAR=%u offset=%08x\n", pbir, poff);
	if (tbir >= CFG_MAX_BARS || v->ctx->bar_sizes[tbir] == 0)
		problem(v, "MSI-X table is in BAR%u, which does not exist", tbir);
	else if ((uint64_t)toff + 16ull * count > v->ctx->bar_sizes[tbir])
		problem(v, "MSI-X table (%u vectors x 16 bytes at 0x%x) does not fit in BAR%u", count,
			toff, tbir);
	if (pbir >= CFG_MAX_BARS || v->ctx->bar_sizes[pbir] == 0)
		problem(v, "MSI-X PBA is in BAR%u, which does not exist", pbir);
	else if ((uint64_t)poff + 8ull * ((count + 63) / 64) > v->ctx->bar_sizes[pbir])
		problem(v, "MSI-X PBA at 0x%x does not fit in BAR%u", poff, pbir);
}

static const char *virtio_cfg_type_name(uint8_t type)
{
	switch (type) {
	case VIRTIO_CAP_COMMON: return "CommonCfg";
	case VIRTIO_CAP_NOTIFY: return "Notify";
	case VIRTIO_CAP_ISR: return "ISR";
	case VIRTIO_CAP_DEVICE: return "DeviceCfg";
	case VIRTIO_CAP_PCI: return "PCICfg";
	case VIRTIO_CAP_SHM: return "SharedMemory";
	default: return "<unknown>";
	}
}

static void decode_virtio_cap(struct cfg_view *v, unsigned at)
{
	uint8_t cap_len = rd8(v, at + 2), type = rd8(v, at + 3), bar = rd8(v, at + 4);
	uint32_t off = rd32(v, at + 8), length = rd32(v, at + 12);
	uint8_t need = type == VIRTIO_CAP_NOTIFY ? 20 : 16;

	fprintf(v->out, ": VirtIO: %s\n", virtio_cfg_type_name(type));
	fprintf(v->out, "\t\tBAR=%u offset=%08x size=%08x", bar, off, length);
	if (type == VIRTIO_CAP_NOTIFY)
		fprintf(v->out, " multiplier=%08x", rd32(v, at + 16));
	if (rd8(v, at + 5) != 0)
		fprintf(v->out, " id=%u", rd8(v, at + 5));
	fputc('\n', v->out);
	if (type < 32)
		v->virtio_types |= 1u << type;
	if (cap_len < need) {
		problem(v, "virtio %s capability is %u bytes long, at least %u are needed",
			virtio_cfg_type_name(type), cap_len, need);
		return;
	}
	/* The PCI access window names no BAR range of its own to check. */
	if (type == VIRTIO_CAP_PCI || type > VIRTIO_CAP_PCI)
		return;
	if (bar >= CFG_MAX_BARS || v->ctx->bar_sizes[bar] == 0)
		problem(v, "virtio %s structure is in BAR%u, which does not exist",
			virtio_cfg_type_name(type), bar);
	else if ((uint64_t)off + length > v->ctx->bar_sizes[bar])
		problem(v, "virtio %s structure [0x%x, +0x%x) goes past the end of BAR%u",
			virtio_cfg_type_name(type), off, length, bar);
}

static const char *pcie_type_name(unsigned type)
{
	switch (type) {
	case PCI_EXP_TYPE_ENDPOINT: return "Endpoint";
	case PCI_EXP_TYPE_LEG_END: return "Legacy Endpoint";
	case PCI_EXP_TYPE_ROOT_PORT: return "Root Port";
	case PCI_EXP_TYPE_UPSTREAM: return "Upstream Port";
	case PCI_EXP_TYPE_DOWNSTREAM: return "Downstream Port";
	case PCI_EXP_TYPE_PCI_BRIDGE: return "PCI-Express to PCI/PCI-X Bridge";
	case PCI_EXP_TYPE_PCIE_BRIDGE: return "PCI/PCI-X to PCI-Express Bridge";
	case PCI_EXP_TYPE_RC_END: return "Root Complex Integrated Endpoint";
	case PCI_EXP_TYPE_RC_EC: return "Root Complex Event Collector";
	default: return "Unknown type";
	}
}

static const char *link_speed(unsigned s)
{
	static const char *const speeds[] = { "unknown", "2.5GT/s", "5GT/s", "8GT/s",
					      "16GT/s", "32GT/s", "64GT/s" };

	return s < sizeof(speeds) / sizeof(speeds[0]) ? speeds[s] : "unknown";
}

static void decode_pcie(struct cfg_view *v, unsigned at)
{
	uint16_t flags = rd16(v, at + PCI_EXP_FLAGS);
	uint32_t devcap = rd32(v, at + PCI_EXP_DEVCAP), lnkcap = rd32(v, at + PCI_EXP_LNKCAP);
	uint16_t devctl = rd16(v, at + PCI_EXP_DEVCTL), lnksta = rd16(v, at + PCI_EXP_LNKSTA);
	unsigned type = (flags & PCI_EXP_FLAGS_TYPE) >> 4;

	fprintf(v->out, " (v%u) %s, MSI %02x\n", flags & PCI_EXP_FLAGS_VERS, pcie_type_name(type),
		(flags & PCI_EXP_FLAGS_IRQ) >> 9);
	fprintf(v->out, "\t\tDevCap: MaxPayload %u bytes, PhantFunc %u, FLReset%c\n",
		128u << (devcap & PCI_EXP_DEVCAP_PAYLOAD), (devcap & PCI_EXP_DEVCAP_PHANTOM) >> 3,
		flag(devcap & PCI_EXP_DEVCAP_FLR));
	if (v->ctx->verbosity < 1)
		return;
	fprintf(v->out, "\t\tDevCtl: CorrErr%c NonFatalErr%c FatalErr%c UnsupReq%c RlxdOrd%c "
		"ExtTag%c NoSnoop%c\n",
		flag(devctl & PCI_EXP_DEVCTL_CERE), flag(devctl & PCI_EXP_DEVCTL_NFERE),
		flag(devctl & PCI_EXP_DEVCTL_FERE), flag(devctl & PCI_EXP_DEVCTL_URRE),
		flag(devctl & PCI_EXP_DEVCTL_RELAX_EN), flag(devctl & PCI_EXP_DEVCTL_EXT_TAG),
		flag(devctl & PCI_EXP_DEVCTL_NOSNOOP_EN));
	fprintf(v->out, "\t\t\tMaxPayload %u bytes, MaxReadReq %u bytes\n",
		128u << ((devctl & PCI_EXP_DEVCTL_PAYLOAD) >> 5),
		128u << ((devctl & PCI_EXP_DEVCTL_READRQ) >> 12));
	fprintf(v->out, "\t\tLnkCap: Port #%u, Speed %s, Width x%u\n", lnkcap >> 24,
		link_speed(lnkcap & PCI_EXP_LNKCAP_SLS), (lnkcap & PCI_EXP_LNKCAP_MLW) >> 4);
	fprintf(v->out, "\t\tLnkSta: Speed %s, Width x%u\n", link_speed(lnksta & PCI_EXP_LNKSTA_CLS),
		(lnksta & PCI_EXP_LNKSTA_NLW) >> PCI_EXP_LNKSTA_NLW_SHIFT);
}

static void decode_std_caps(struct cfg_view *v)
{
	bool seen[256] = { false };
	unsigned at, n = 0;
	uint16_t vendor = rd16(v, PCI_VENDOR_ID);

	if (!(rd16(v, PCI_STATUS) & PCI_STATUS_CAP_LIST)) {
		fprintf(v->out, "\tCapabilities: none (Status.Cap-)\n");
		return;
	}
	at = rd8(v, PCI_CAPABILITY_LIST);
	while (at != 0) {
		uint8_t id;
		const char *name;

		if (at < PCI_STD_HEADER_SIZEOF || at > 0xfc || (at & 3)) {
			problem(v, "capability pointer 0x%02x points %s: the list is cut there", at,
				at < PCI_STD_HEADER_SIZEOF ? "into the header" : "off a dword boundary");
			return;
		}
		if (seen[at] || n++ >= MAX_STD_CAPS) {
			problem(v, "capability list loops back to 0x%02x: the list is cut there", at);
			return;
		}
		seen[at] = true;
		id = rd8(v, at);
		name = std_cap_name(id);
		fprintf(v->out, "\tCapabilities: [%02x] ", at);
		if (name != NULL)
			fputs(name, v->out);
		else
			fprintf(v->out, "Unknown capability %02x", id);
		switch (id) {
		case PCI_CAP_ID_PM: decode_pm(v, at); break;
		case PCI_CAP_ID_MSI: decode_msi(v, at); break;
		case PCI_CAP_ID_MSIX: decode_msix(v, at); break;
		case PCI_CAP_ID_EXP: decode_pcie(v, at); break;
		case PCI_CAP_ID_VNDR:
			if (vendor == VIRTIO_VENDOR)
				decode_virtio_cap(v, at);
			else
				fprintf(v->out, ": Len=%02x <?>\n", rd8(v, at + 2));
			break;
		default: fputc('\n', v->out); break;
		}
		at = rd8(v, at + PCI_CAP_LIST_NEXT) & 0xfc;
	}
}

static void decode_ext_caps(struct cfg_view *v)
{
	unsigned at = PCI_CFG_SPACE_SIZE, n = 0;

	if (v->len <= PCI_CFG_SPACE_SIZE)
		return;
	if (rd32(v, at) == 0 || rd32(v, at) == 0xffffffff)
		return;
	while (at != 0) {
		uint32_t hdr = rd32(v, at);
		uint16_t id = PCI_EXT_CAP_ID(hdr);
		const char *name = ext_cap_name(id);

		if (at < PCI_CFG_SPACE_SIZE || at + 4 > v->len || (at & 3)) {
			problem(v, "extended capability pointer 0x%03x is outside extended config space", at);
			return;
		}
		if (n++ >= MAX_EXT_CAPS) {
			problem(v, "extended capability list loops: cut at 0x%03x", at);
			return;
		}
		fprintf(v->out, "\tCapabilities: [%03x ", at);
		fprintf(v->out, "v%u] ", PCI_EXT_CAP_VER(hdr));
		if (name != NULL)
			fputs(name, v->out);
		else
			fprintf(v->out, "Extended Capability ID %#06x", id);
		if (id == PCI_EXT_CAP_ID_DSN)
			fprintf(v->out, " %08x-%08x", rd32(v, at + 8), rd32(v, at + 4));
		else if (id == PCI_EXT_CAP_ID_VNDR)
			fprintf(v->out, " ID=%04x Rev=%u Len=%03x", rd32(v, at + 4) & 0xffff,
				(rd32(v, at + 4) >> 16) & 0xf, rd32(v, at + 4) >> 20);
		fputc('\n', v->out);
		if (PCI_EXT_CAP_NEXT(hdr) != 0 && PCI_EXT_CAP_NEXT(hdr) <= at) {
			problem(v, "extended capability at 0x%03x points back to 0x%03x: the list is cut there",
				at, PCI_EXT_CAP_NEXT(hdr));
			return;
		}
		at = PCI_EXT_CAP_NEXT(hdr);
	}
}

static void virtio_summary(struct cfg_view *v)
{
	static const uint8_t required[] = { VIRTIO_CAP_COMMON, VIRTIO_CAP_NOTIFY, VIRTIO_CAP_ISR,
					    VIRTIO_CAP_DEVICE };
	uint16_t device = rd16(v, PCI_DEVICE_ID);
	char missing[64] = "";
	size_t used = 0;

	if (rd16(v, PCI_VENDOR_ID) != VIRTIO_VENDOR || device < 0x1040 || device > 0x107f)
		return;
	for (size_t i = 0; i < sizeof(required); i++)
		if (!(v->virtio_types & (1u << required[i])))
			used += (size_t)snprintf(missing + used, sizeof(missing) - used, "%s%s",
						 used ? ", " : "", virtio_cfg_type_name(required[i]));
	if (used == 0)
		fprintf(v->out, "\tVirtio modern layout: CommonCfg, Notify, ISR and DeviceCfg present\n");
	else
		problem(v, "virtio modern device without %s: a virtio driver will refuse it", missing);
}

static void hex_dump(struct cfg_view *v)
{
	for (size_t off = 0; off < v->len; off += 16) {
		fprintf(v->out, "\t%03zx:", off);
		for (size_t i = 0; i < 16 && off + i < v->len; i++)
			fprintf(v->out, " %02x", v->cfg[off + i]);
		fputc('\n', v->out);
	}
}

int cfg_decode(FILE *out, const uint8_t *cfg, size_t len, const struct cfg_context *ctx)
{
	struct cfg_view v = { .out = out, .cfg = cfg, .len = len, .ctx = ctx };

	if (len < PCI_STD_HEADER_SIZEOF) {
		fprintf(out, "\t!! config space is %zu bytes, a PCI header needs %d\n", len,
			PCI_STD_HEADER_SIZEOF);
		return 1;
	}
	decode_identity(&v);
	decode_command_status(&v);
	if ((rd8(&v, PCI_HEADER_TYPE) & 0x7f) == PCI_HEADER_TYPE_NORMAL)
		decode_bars(&v);
	decode_std_caps(&v);
	decode_ext_caps(&v);
	virtio_summary(&v);
	if (ctx->verbosity >= 2) {
		fprintf(out, "\tConfig space, %zu bytes:\n", len);
		hex_dump(&v);
	}
	return v.problems;
}
