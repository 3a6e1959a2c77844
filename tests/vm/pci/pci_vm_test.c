/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PCI bus on real (emulated) hardware, inside the kernel-VFIO guest.
 *
 *   pci_vm_test probe E1000E_BDF VIRTIO_BDF
 *       eal_init() without -a: the bus must find both NICs on vfio-pci,
 *       attach them to one type1 container and hand them to this program's
 *       driver. Then, per NIC: config-space ids against sysfs, the
 *       capability walk (MSI-X on both, virtio's vendor capabilities),
 *       BAR0 of the e1000e mapped and its STATUS register read by MMIO and
 *       by region ops, MSI-X vectors enabled as eventfds (on the e1000e an
 *       interrupt cause is raised and must arrive on the right eventfd),
 *       reset, dump; eal_cleanup() must remove both.
 *   pci_vm_test unbound BDF DRIVER
 *       eal_init() with -a BDF while BDF is on its kernel driver DRIVER:
 *       must fail, naming the device, the driver and the rebind command.
 *
 * Prints one "PCI-VM-CHECK ok|FAIL <what>" line per check and finally
 * "PCI-VM-RESULT ok" or "PCI-VM-RESULT FAIL"; exit 0 only when all passed.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pci.h"

/* 82574L registers (datasheet 10.2). */
#define E1000_STATUS 0x0008
#define E1000_STATUS_LU (1u << 1)    /* link up */
#define E1000_ICR 0x00c0
#define E1000_ICS 0x00c8
#define E1000_IMS 0x00d0
#define E1000_IMC 0x00d8
#define E1000_IVAR 0x00e4
#define E1000_ICR_RXQ0 (1u << 20)
#define E1000_ICR_TXQ0 (1u << 22)
#define E1000_IVAR_VALID 0x8u        /* per 4-bit IVAR entry */

/* virtio 1.x vendor capability: cfg_type at +3. */
#define VIRTIO_PCI_CAP_CFG_TYPE 3
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_DEVICE_CFG 4

static unsigned failures;

static void check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("PCI-VM-CHECK %s ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!ok)
		failures++;
}

static int finish(void)
{
	printf("PCI-VM-RESULT %s (%u failed)\n", failures == 0 ? "ok" : "FAIL", failures);
	return failures == 0 ? 0 : 1;
}

/* ---- a driver for both NICs ---------------------------------------------------- */

static struct pci_device *probed[2];
static unsigned nb_probed, nb_removed;

static const struct pci_id nic_ids[] = {
	PCI_ID(0x8086, 0x10d3),
	PCI_ID(0x1af4, 0x1041),
	PCI_ID_END,
};

static int nic_probe(struct pci_driver *drv, struct pci_device *dev)
{
	uint16_t cmd = 0;
	int rc;

	(void)drv;
	printf("probe %s (%04x:%04x) group %d driver %s container %s\n", dev->name,
	       dev->vendor_id, dev->device_id, dev->iommu_group, dev->kernel_driver,
	       dev->container != NULL ? dev->container->ops->name : "none");
	/* Each value is read before check() formats it: argument order is
	 * unspecified. */
	rc = pci_config_read16(dev, PCI_COMMAND, &cmd);
	check(rc == 0 && (cmd & PCI_COMMAND_MASTER),
	      "%s: bus mastering is on when probe() runs (command 0x%04x)", dev->name, cmd);
	if (nb_probed < EAL_DIM(probed))
		probed[nb_probed] = dev;
	nb_probed++;
	return 0;
}

static void nic_remove(struct pci_device *dev)
{
	printf("remove %s\n", dev->name);
	nb_removed++;
}

static struct pci_driver nic_driver = {
	.name = "pci_vm_test", .id_table = nic_ids,
	.probe = nic_probe, .remove = nic_remove,
};
PCI_DRIVER_REGISTER(nic_driver);

/* ---- checks ------------------------------------------------------------------ */

static void check_identity(struct pci_device *dev, uint16_t vendor, uint16_t device)
{
	uint16_t v = 0, d = 0;
	int rc;

	check(dev->vendor_id == vendor && dev->device_id == device,
	      "%s: sysfs ids %04x:%04x, expected %04x:%04x", dev->name, dev->vendor_id,
	      dev->device_id, vendor, device);
	rc = pci_config_read16(dev, PCI_VENDOR_ID, &v);
	if (rc == 0)
		rc = pci_config_read16(dev, PCI_DEVICE_ID, &d);
	check(rc == 0 && v == vendor && d == device, "%s: config space ids %04x:%04x",
	      dev->name, v, d);
	check(strcmp(dev->kernel_driver, "vfio-pci") == 0 && dev->iommu_group >= 0,
	      "%s: bound to %s, IOMMU group %d", dev->name, dev->kernel_driver,
	      dev->iommu_group);
	check(dev->config_size == 4096, "%s: PCIe config space of %llu bytes", dev->name,
	      (unsigned long long)dev->config_size);
}

static void check_caps(struct pci_device *dev, bool virtio)
{
	struct pci_cap caps[32];
	struct pci_msix_info mi;
	uint16_t vendor[8];
	bool types[8] = { false };
	int n, i, nv, rc;

	n = pci_cap_list(dev, caps, EAL_DIM(caps));
	check(n > 0, "%s: capability walk found %d capabilities", dev->name, n);
	for (i = 0; i < n && i < (int)EAL_DIM(caps); i++)
		printf("  cap 0x%03x %s%s\n", caps[i].offset, caps[i].extended ? "ext " : "",
		       pci_cap_name(caps[i].id, caps[i].extended));
	check(pci_cap_find(dev, PCI_CAP_ID_MSIX) > 0, "%s: has MSI-X", dev->name);
	check(pci_cap_find(dev, PCI_CAP_ID_EXP) > 0, "%s: has a PCIe capability", dev->name);
	memset(&mi, 0, sizeof(mi));
	rc = pci_msix_info_get(dev, &mi);
	check(rc == 0 && mi.table_size > 0,
	      "%s: MSI-X table of %u vectors in BAR%u+0x%x, PBA BAR%u+0x%x", dev->name,
	      mi.table_size, mi.table_bar, mi.table_offset, mi.pba_bar, mi.pba_offset);
	if (!virtio)
		return;
	nv = pci_cap_find_all(dev, PCI_CAP_ID_VNDR, vendor, EAL_DIM(vendor));
	check(nv >= 4, "virtio: %d vendor capabilities", nv);
	for (i = 0; i < nv && i < (int)EAL_DIM(vendor); i++) {
		uint8_t type = 0, bar = 0;

		pci_config_read8(dev, vendor[i] + VIRTIO_PCI_CAP_CFG_TYPE, &type);
		pci_config_read8(dev, vendor[i] + 4, &bar);
		printf("  virtio cap at 0x%02x: cfg_type %u, BAR%u\n", vendor[i], type, bar);
		if (type < EAL_DIM(types))
			types[type] = true;
	}
	check(types[VIRTIO_PCI_CAP_COMMON_CFG] && types[2] && types[3] &&
	      types[VIRTIO_PCI_CAP_DEVICE_CFG],
	      "virtio: common, notify, ISR and device config structures all present");
}

/* True when @fd becomes readable within @ms; its counter is then read. */
static bool wait_event(int fd, int ms, uint64_t *count)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	*count = 0;
	if (poll(&p, 1, ms) != 1)
		return false;
	return read(fd, count, sizeof(*count)) == sizeof(*count);
}

static void check_e1000e(struct pci_device *dev)
{
	volatile void *bar0;
	uint32_t status_mmio, status_ops = 0;
	int fds[3] = { -1, -1, -1 };
	uint64_t count;
	bool got;
	int rc;

	bar0 = pci_bar_map(dev, 0);
	check(bar0 != NULL, "e1000e: BAR0 (%llu bytes) mapped: %s",
	      (unsigned long long)dev->bars[0].size, bar0 != NULL ? "yes" : strerror(errno));
	if (bar0 == NULL)
		return;
	status_mmio = pci_mmio_read32(bar0, E1000_STATUS);
	rc = pci_bar_read(dev, 0, E1000_STATUS, &status_ops, 4);
	check(rc == 0, "e1000e: STATUS through region ops");
	printf("e1000e STATUS mmio=0x%08x region=0x%08x\n", status_mmio, status_ops);
	check(status_mmio != 0xffffffffu && status_mmio == status_ops,
	      "e1000e: STATUS 0x%08x by MMIO equals 0x%08x by region ops", status_mmio,
	      status_ops);
	check(status_mmio & E1000_STATUS_LU, "e1000e: STATUS says link up (the cable is in)");
	check(pci_bar_read32(dev, 0, E1000_STATUS) == status_mmio,
	      "e1000e: pci_bar_read32() takes the mapping");

	rc = pci_msix_enable(dev, 3, fds);
	check(rc == 0, "e1000e: 3 MSI-X vectors enabled as eventfds %d %d %d", fds[0], fds[1],
	      fds[2]);
	if (fds[0] < 0)
		return;
	/* Route RX queue 0 to vector 0 and TX queue 0 to vector 1, unmask
	 * both, then raise each cause by software (ICS). */
	pci_mmio_write32(bar0, E1000_IMC, 0xffffffffu);
	(void)pci_mmio_read32(bar0, E1000_ICR);
	pci_mmio_write32(bar0, E1000_IVAR, (E1000_IVAR_VALID | 0) | (E1000_IVAR_VALID | 1) << 8);
	pci_mmio_write32(bar0, E1000_IMS, E1000_ICR_RXQ0 | E1000_ICR_TXQ0);
	pci_mmio_write32(bar0, E1000_ICS, E1000_ICR_RXQ0);
	got = wait_event(fds[0], 2000, &count);
	check(got && count >= 1, "e1000e: RXQ0 cause arrived on vector 0's eventfd (count %llu)",
	      (unsigned long long)count);
	got = wait_event(fds[1], 100, &count);
	check(!got, "e1000e: nothing on vector 1 meanwhile");
	(void)pci_mmio_read32(bar0, E1000_ICR);
	pci_mmio_write32(bar0, E1000_ICS, E1000_ICR_TXQ0);
	got = wait_event(fds[1], 2000, &count);
	check(got && count >= 1, "e1000e: TXQ0 cause arrived on vector 1's eventfd (count %llu)",
	      (unsigned long long)count);
	got = wait_event(fds[0], 100, &count);
	check(!got, "e1000e: nothing more on vector 0");
	pci_mmio_write32(bar0, E1000_IMC, 0xffffffffu);
	(void)pci_mmio_read32(bar0, E1000_ICR);
	check(pci_msix_disable(dev) == 0 && dev->msix_nb_vectors == 0,
	      "e1000e: MSI-X disabled");

	rc = pci_device_reset(dev);
	check(rc == 0, "e1000e: device reset (FLR behind the root port)");
	status_mmio = pci_bar_read32(dev, 0, E1000_STATUS);
	check(status_mmio != 0xffffffffu, "e1000e: STATUS 0x%08x readable after reset",
	      status_mmio);
	pci_bar_unmap(dev, 0);
	check(dev->bars[0].addr == NULL, "e1000e: BAR0 unmapped");
}

static void check_virtio(struct pci_device *dev)
{
	int fds[2] = { -1, -1 };
	unsigned bar;

	for (bar = 0; bar < PCI_MAX_BARS; bar++)
		if (dev->bars[bar].size > 0)
			printf("virtio BAR%u: %llu bytes%s%s\n", bar,
			       (unsigned long long)dev->bars[bar].size,
			       dev->bars[bar].is_64bit ? ", 64-bit" : "",
			       dev->bars[bar].mmap_ok ? ", mappable" : "");
	check(pci_msix_enable(dev, 2, fds) == 0 && fds[0] >= 0 && fds[1] >= 0,
	      "virtio: 2 MSI-X vectors enabled as eventfds");
	check(pci_msix_enable(dev, 1, NULL) == -EBUSY, "virtio: second enable refused");
	check(pci_msix_disable(dev) == 0, "virtio: MSI-X disabled");
	/* The dump lists BARs and capabilities; it must not disturb anything. */
	pci_device_dump(stdout, dev);
}

static int run_probe(const char *e1000e_bdf, const char *virtio_bdf)
{
	char *argv[] = { "pci_vm_test", "--no-huge", "-l", "0", "--file-prefix", "pcivm",
			 "--log-level", "pci:info", NULL };
	struct pci_device *e1000e, *virtio, *dev;
	unsigned n = 0;
	int rc;

	rc = eal_init((int)EAL_DIM(argv) - 1, argv);
	check(rc > 0, "eal_init() without -a: %d", rc);
	if (rc < 0)
		return finish();
	for (dev = pci_device_next(NULL); dev != NULL; dev = pci_device_next(dev))
		n++;
	check(n == 2, "the bus selected %u devices on vfio-pci", n);
	check(nb_probed == 2, "the driver probed %u devices", nb_probed);
	e1000e = pci_device_find(e1000e_bdf);
	virtio = pci_device_find(virtio_bdf);
	check(e1000e != NULL && e1000e->driver == &nic_driver, "e1000e %s probed", e1000e_bdf);
	check(virtio != NULL && virtio->driver == &nic_driver, "virtio %s probed", virtio_bdf);
	if (e1000e == NULL || virtio == NULL || e1000e->vdev == NULL || virtio->vdev == NULL) {
		eal_cleanup();
		return finish();
	}
	check(e1000e->container == virtio->container && e1000e->container != NULL &&
	      strcmp(e1000e->container->ops->name, "type1") == 0,
	      "both share one %s container", e1000e->container->ops->name);

	check_identity(e1000e, 0x8086, 0x10d3);
	check_identity(virtio, 0x1af4, 0x1041);
	check_caps(e1000e, false);
	check_caps(virtio, true);
	check_e1000e(e1000e);
	check_virtio(virtio);
	pci_device_dump(stdout, e1000e);

	eal_cleanup();
	check(nb_removed == 2, "eal_cleanup() removed %u devices", nb_removed);
	check(pci_device_next(NULL) == NULL, "the bus is empty after eal_cleanup()");
	return finish();
}

static int run_unbound(const char *bdf, const char *driver)
{
	char *argv[] = { "pci_vm_test", "--no-huge", "-l", "0", "--file-prefix", "pcivm",
			 "-a", (char *)(uintptr_t)bdf, NULL };
	char want[128];
	char *log = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	f = open_memstream(&log, &len);
	if (f == NULL)
		return 1;
	eal_log_set_stream(f);
	rc = eal_init((int)EAL_DIM(argv) - 1, argv);
	eal_log_set_stream(NULL);
	fclose(f);
	fputs(log, stdout);
	check(rc < 0, "eal_init() with -a %s on %s fails: %d", bdf, driver, rc);
	if (rc >= 0)
		eal_cleanup();
	check(strstr(log, bdf) != NULL, "the error names the device");
	snprintf(want, sizeof(want), "kernel driver '%s'", driver);
	check(strstr(log, want) != NULL, "the error names its driver (%s)", want);
	snprintf(want, sizeof(want), "updk-devbind --bind vfio-pci %s", bdf);
	check(strstr(log, want) != NULL, "the error gives the command (%s)", want);
	check(nb_probed == 0, "nothing was probed");
	free(log);
	return finish();
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && strcmp(argv[1], "probe") == 0)
		return run_probe(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "unbound") == 0)
		return run_unbound(argv[2], argv[3]);
	fprintf(stderr, "usage: %s probe E1000E_BDF VIRTIO_BDF | unbound BDF DRIVER\n",
		argv[0]);
	return 2;
}
