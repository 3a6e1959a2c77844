#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Runs in the kernel-VFIO guest (busybox sh), booted with the e1000e on its
# kernel driver and the virtio NIC on vfio-pci. Exercises updk-devbind for
# real and the PCI bus (pci_vm_test) in both states. Markers, one a line:
#   PCI-VM-STEP <name>        a step starts
#   PCI-VM-FAIL <why>         a step failed (the script stops)
#   PCI-VM-ALL-OK             every step passed
# pci_vm_test prints its own PCI-VM-CHECK / PCI-VM-RESULT lines.

E=${UPDK_VM_E1000E:?}
V=${UPDK_VM_VIRTIO:?}

fail() {
	echo "PCI-VM-FAIL $*"
	exit 1
}
step() { echo "PCI-VM-STEP $*"; }
driver_of() {
	if [ -L "/sys/bus/pci/devices/$1/driver" ]; then
		basename "$(readlink "/sys/bus/pci/devices/$1/driver")"
	else
		echo none
	fi
}

step status-before
updk-devbind --status || fail "updk-devbind --status exited $?"
[ "$(driver_of "$E")" = e1000e ] || fail "the e1000e should start on its kernel driver, it is on $(driver_of "$E")"

step unbound-device-error
pci_vm_test unbound "$E" e1000e || fail "pci_vm_test unbound"

step refuse-interface-up
ifc=""
for n in "/sys/bus/pci/devices/$E"/net/*; do
	[ -d "$n" ] && ifc=${n##*/} && break
done
[ -n "$ifc" ] || fail "the e1000e driver made no network interface"
ip link set "$ifc" up || fail "ip link set $ifc up"
if updk-devbind --bind vfio-pci "$E"; then
	fail "updk-devbind took $E although $ifc is up"
fi
[ "$(driver_of "$E")" = e1000e ] || fail "the refused bind still moved $E"
ip link set "$ifc" down || fail "ip link set $ifc down"

step bind-vfio
updk-devbind --bind vfio-pci "$E" || fail "updk-devbind --bind vfio-pci $E"
[ "$(driver_of "$E")" = vfio-pci ] || fail "$E is on $(driver_of "$E") after binding to vfio-pci"
updk-devbind --bind vfio-pci "$E" | grep -q "already bound" || fail "a second bind is not a no-op"
updk-devbind --status || fail "updk-devbind --status exited $?"

step probe
pci_vm_test probe "$E" "$V" || fail "pci_vm_test probe"

step bind-kernel
updk-devbind --bind e1000e "$E" || fail "updk-devbind --bind e1000e $E"
[ "$(driver_of "$E")" = e1000e ] || fail "$E is on $(driver_of "$E") after binding to e1000e"
[ -d "/sys/bus/pci/devices/$E/net" ] || fail "no network interface after giving $E back to e1000e"
override=$(cat "/sys/bus/pci/devices/$E/driver_override")
[ "$override" = "(null)" ] || fail "driver_override left as '$override' after returning to the kernel"

step unbind-rebind
updk-devbind --unbind "$V" || fail "updk-devbind --unbind $V"
[ "$(driver_of "$V")" = none ] || fail "$V is on $(driver_of "$V") after --unbind"
updk-devbind --bind vfio-pci "$V" || fail "updk-devbind --bind vfio-pci $V"
[ "$(driver_of "$V")" = vfio-pci ] || fail "$V is on $(driver_of "$V") after rebinding"

step status-after
updk-devbind --status || fail "updk-devbind --status exited $?"
echo "PCI-VM-ALL-OK"
