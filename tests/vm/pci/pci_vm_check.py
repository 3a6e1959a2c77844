#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The vm-pci test: boot the kernel-VFIO guest with the e1000e on its kernel
driver and the virtio NIC on vfio-pci, run pci_vm_run.sh (updk-devbind for
real, pci_vm_test in both states), and check what it reported.

    pci_vm_check.py --build-guest tests/vm/build-guest.sh \\
        --binary build/tests/vm/pci/pci_vm_test --devbind usertools/updk-devbind \\
        --script tests/vm/pci/pci_vm_run.sh --out DIR

Exit 0 pass, 1 fail, 77 skip (guest unavailable here), 99 harness error.
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from vm_check import VmCheck  # noqa: E402

STEPS = ['status-before', 'unbound-device-error', 'refuse-interface-up', 'bind-vfio',
         'probe', 'bind-kernel', 'unbind-rebind', 'status-after']


def check(result):
    """Every condition on the guest's output; returns the failures."""
    out = result.test_output
    lines = out.splitlines()
    failures = []
    failures += [l for l in lines if l.startswith('PCI-VM-FAIL')]
    failures += [l for l in lines if l.startswith('PCI-VM-CHECK FAIL')]
    steps = [l.split()[1] for l in lines if l.startswith('PCI-VM-STEP ')]
    if steps != STEPS:
        failures.append(f'steps run: {steps}, expected {STEPS}')
    results = [l for l in lines if l.startswith('PCI-VM-RESULT ')]
    if len(results) != 2 or any('RESULT ok' not in r for r in results):
        failures.append(f'pci_vm_test results: {results} (expected two "ok")')
    if 'PCI-VM-ALL-OK' not in lines:
        failures.append('the guest script did not reach PCI-VM-ALL-OK')
    # What must have been seen, whatever the counts: the refusal of a busy
    # device, the STATUS register and the interrupt checks.
    for needle in ('is in use: its network interface(s)',
                   'e1000e STATUS mmio=0x',
                   'RXQ0 cause arrived on vector 0',
                   'virtio: common, notify, ISR and device config structures all present'):
        if needle not in out:
            failures.append(f'not in the guest output: {needle!r}')
    # Nothing here does DMA: any IOMMU fault is a bug.
    if re.search(r'DMAR: \[DMA (Read|Write)', result.dmesg):
        failures.append('the guest kernel logged a DMAR fault (see dmesg.log)')
    return failures


def main():
    check_run = VmCheck('vm-pci', __doc__, binary='the static pci_vm_test',
                        extra_args=[('--devbind', 'usertools/updk-devbind'),
                                    ('--script', 'tests/vm/pci/pci_vm_run.sh')])

    def body(chk):
        args = chk.args
        result = chk.boot(command=['sh', '/updk-vm/pci_vm_run.sh'],
                          binaries=[args.binary, args.devbind],
                          files=[(args.script, '/updk-vm/pci_vm_run.sh')],
                          nic_modes={'e1000e': 'kernel', 'virtio': 'vfio'})
        chk.failures += check(result)

    return check_run.run(body)


if __name__ == '__main__':
    sys.exit(main())
