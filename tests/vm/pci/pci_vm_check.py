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

import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import run_guest  # noqa: E402  (tests/vm/run_guest.py)

STEPS = ['status-before', 'unbound-device-error', 'refuse-interface-up', 'bind-vfio',
         'probe', 'bind-kernel', 'unbind-rebind', 'status-after']


def check(result):
    """Every condition on the guest's output; returns the failures."""
    out = result.test_output
    lines = out.splitlines()
    failures = []
    if result.rc != 0:
        failures.append(f'the guest script exited with {result.rc}')
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
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--build-guest', required=True)
    p.add_argument('--binary', required=True)
    p.add_argument('--devbind', required=True)
    p.add_argument('--script', required=True)
    p.add_argument('--out', required=True)
    args = p.parse_args()

    build = subprocess.run(['sh', args.build_guest])
    if build.returncode == run_guest.EXIT_SKIP:
        print('vm-pci: SKIP: the guest cannot be built here (see above)')
        return run_guest.EXIT_SKIP
    if build.returncode != 0:
        print(f'vm-pci: ERROR: build-guest.sh exited {build.returncode}')
        return run_guest.EXIT_HARNESS

    guest = run_guest.GuestRun(
        out_dir=args.out,
        command=['sh', '/updk-vm/pci_vm_run.sh'],
        binaries=[args.binary, args.devbind],
        files=[(args.script, '/updk-vm/pci_vm_run.sh')],
        nic_modes={'e1000e': 'kernel', 'virtio': 'vfio'},
        timeout=300)
    try:
        result = run_guest.run(guest)
    except run_guest.Unavailable as e:
        print(f'vm-pci: SKIP: {e}')
        return run_guest.EXIT_SKIP
    except (run_guest.HarnessError, OSError) as e:
        print(f'vm-pci: ERROR: {e}')
        return run_guest.EXIT_HARNESS

    print(result.test_output)
    print(f'vm-pci: boot {result.boot_seconds:.1f} s, total {result.total_seconds:.1f} s, '
          f'logs in {os.path.abspath(args.out)}')
    failures = check(result)
    for f in failures:
        print(f'vm-pci: FAIL: {f}')
    if failures:
        return 1
    print('vm-pci: PASS')
    return 0


if __name__ == '__main__':
    sys.exit(main())
