#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# PID 1 of the kernel-VFIO test guest (busybox sh). It prepares the machine as
# /updk-vm/config asks (written by run_guest.py into the per-run initramfs),
# runs /updk-vm/run.sh, reports on the serial console and powers off.
#
# Console protocol, one marker per line, parsed by run_guest.py:
#   UPDK-VM-DEVICE <bdf> <vendor:device> driver=<name> group=<n>
#   UPDK-VM-SETUP-DONE uptime=<s>
#   UPDK-VM-TEST-BEGIN / UPDK-VM-TEST-END     test stdout+stderr in between
#   UPDK-VM-RESULT rc=<n> stage=<setup|test>  stage=setup: the guest could not
#                                             be prepared, the test never ran
#   UPDK-VM-DMESG-BEGIN / UPDK-VM-DMESG-END   the kernel log after the test
# Booted without a config (the base initramfs alone) it drops to a shell.

export PATH=/updk-vm/bin:/bin
CONFIG=/updk-vm/config

mount -t devtmpfs devtmpfs /dev 2>/dev/null
# When the archive had no /dev/console the kernel started us without stdio.
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /run /var /tmp /mnt/huge
ln -s /run /var/run

UPDK_VM_MODE=shell
UPDK_VM_MODULES=""
UPDK_VM_BIND=""
UPDK_VM_HUGEPAGES=0
# shellcheck source=/dev/null
[ -f "$CONFIG" ] && . "$CONFIG"

finish() {
	echo "UPDK-VM-RESULT rc=$1 stage=$2"
	echo "UPDK-VM-DMESG-BEGIN"
	dmesg
	echo "UPDK-VM-DMESG-END"
	poweroff -f
	sleep 10 # poweroff -f does not return; never fall out of PID 1
}

setup_failed() {
	echo "UPDK-VM-SETUP-FAILED: $*"
	[ "$UPDK_VM_MODE" = shell ] && return 0
	finish 1 setup
}

driver_of() {
	if [ -e "/sys/bus/pci/devices/$1/driver" ]; then
		basename "$(readlink "/sys/bus/pci/devices/$1/driver")"
	else
		echo none
	fi
}

# Every listed device gets its driver_override before any driver module is
# loaded: a driver loaded later then binds only where it was asked to.
for entry in $UPDK_VM_BIND; do
	bdf=${entry%%=*}
	drv=${entry#*=}
	dev=/sys/bus/pci/devices/$bdf
	if [ ! -d "$dev" ]; then
		setup_failed "no PCI device $bdf in the guest (QEMU topology changed?)"
		continue
	fi
	[ "$(driver_of "$bdf")" = none ] || echo "$bdf" > "$dev/driver/unbind"
	echo "$drv" > "$dev/driver_override"
done

for m in $UPDK_VM_MODULES; do
	modprobe "$m" || setup_failed "modprobe $m failed"
done

for entry in $UPDK_VM_BIND; do
	bdf=${entry%%=*}
	drv=${entry#*=}
	dev=/sys/bus/pci/devices/$bdf
	[ -d "$dev" ] || continue
	[ "$(driver_of "$bdf")" = "$drv" ] || echo "$bdf" > /sys/bus/pci/drivers_probe
	got=$(driver_of "$bdf")
	[ "$got" = "$drv" ] || setup_failed "$bdf bound to '$got', expected '$drv'"
	group=none
	[ -e "$dev/iommu_group" ] && group=$(basename "$(readlink "$dev/iommu_group")")
	ids="$(sed 's/^0x//' "$dev/vendor"):$(sed 's/^0x//' "$dev/device")"
	echo "UPDK-VM-DEVICE $bdf $ids driver=$got group=$group"
done

if [ "$UPDK_VM_HUGEPAGES" -gt 0 ]; then
	echo "$UPDK_VM_HUGEPAGES" > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
	got=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages)
	[ "$got" -eq "$UPDK_VM_HUGEPAGES" ] ||
		setup_failed "reserved $got of $UPDK_VM_HUGEPAGES 2 MiB hugepages (give the guest more memory)"
	mount -t hugetlbfs nodev /mnt/huge || setup_failed "mount hugetlbfs on /mnt/huge failed"
fi

echo "UPDK-VM-SETUP-DONE uptime=$(cut -d' ' -f1 /proc/uptime)"

if [ "$UPDK_VM_MODE" = shell ]; then
	echo "updk-vm: shell on the serial console; 'poweroff -f' (or exit) stops the guest"
	[ -f /updk-vm/run.sh ] && echo "updk-vm: the test command is in /updk-vm/run.sh"
	setsid cttyhack sh -l
	poweroff -f
	sleep 10
fi

# Only emergencies reach the console while the test runs, so its output stays
# line-clean; the whole kernel log follows the result.
echo "1 4 1 7" > /proc/sys/kernel/printk
echo "UPDK-VM-TEST-BEGIN"
sh /updk-vm/run.sh
rc=$?
echo "UPDK-VM-TEST-END"
finish "$rc" test
