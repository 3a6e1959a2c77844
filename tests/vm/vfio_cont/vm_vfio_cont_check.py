#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The vm-vfio-cont test: lib/vfio_cont through its real API in the test guest.

    vm_vfio_cont_check.py --build-guest tests/vm/build-guest.sh \\
        --run-guest tests/vm/run_guest.py --binary build/.../vm_vfio_cont --out DIR

Two boots:
  main    both NICs on vfio-pci: type1 ops, two containers, merging (DMA_AVAIL),
          dirty pages, config space, BARs, MSI-X eventfds, reset, and the DMA
          proof: the e1000e sends from EAL memory the container mapped, then
          from memory the container unmapped when the EAL freed it;
  errors  the e1000e left on its kernel driver: the messages for it, a bad
          address, the backends this kernel lacks.
Besides vm_vfio_cont's exit status, the host requires: the two frames sent
from mapped memory, in order, in e1000e.pcap; the blocked frame's payload in
no pcap; a DMAR read fault from 01:00.0 at the page the guest reported.
Exit 0 pass, 1 fail, 77 skip (no guest here), 99 harness error.
"""

import argparse
import importlib.util
import os
import re
import secrets
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree

ETHERTYPE = b'\x88\xb5'
PAYLOAD_OFFSET = 14
PAGE_MASK = ~0xfff


def load_run_guest(path):
    spec = importlib.util.spec_from_file_location('run_guest', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def payload(kind, nonce):
    return f'UPDK-VM-VFIO-CONT {kind} {nonce}'.encode()


def host_case(name, failures):
    """Report a host-side check in cmocka's format, like the guest's cases."""
    print(f'[ RUN      ] host.{name}')
    for f in failures:
        print(f'vm_vfio_cont_check: FAIL: {f}')
    print(f'[  FAILED  ] host.{name}' if failures else f'[       OK ] host.{name}')
    return failures


def check_main(rg, result, nonce):
    failures = []
    out = result.test_output
    frames = {name: rg.read_pcap(path) if os.path.exists(path) else []
              for name, path in result.pcaps.items()}

    ours = [f[PAYLOAD_OFFSET:].rstrip(b'\0') for f in frames['e1000e']
            if f[12:14] == ETHERTYPE]
    expected = [payload('sent-before', nonce), payload('sent-after', nonce)]
    failures += host_case('frames_from_mapped_memory', [] if ours == expected else [
        f'e1000e.pcap frames of ethertype 0x88b5: {ours}, expected {expected}'])

    blocked = payload('blocked', nonce)
    failures += host_case('unmapped_memory_not_sent', [
        f'{name}.pcap holds the frame whose memory the container unmapped: the device read it'
        for name, fs in frames.items() if any(blocked in f for f in fs)])

    dmar = []
    m = re.search(r'^VM-BLOCKED-IOVA 0x([0-9a-f]+)$', out, re.M)
    if m is None:
        dmar.append('the guest did not report the unmapped IOVA')
    else:
        page = int(m.group(1), 16) & PAGE_MASK
        faults = [int(a, 16) for a in re.findall(
            r'DMAR: \[DMA Read[^\]]*\] Request device \[01:00\.0\] fault addr 0x([0-9a-f]+)',
            result.dmesg)]
        if page not in faults:
            dmar.append(f'no DMAR read fault from 01:00.0 at 0x{page:x} in the guest log '
                        f'(faults: {[hex(a) for a in faults]})')
        else:
            print(f'vm_vfio_cont_check: DMAR read fault at 0x{page:x}, the page the '
                  'container unmapped')
    failures += host_case('dmar_fault_at_unmapped_page', dmar)
    return failures


def boot(rg, args, name, command, nic_modes, hugepages):
    guest = rg.GuestRun(out_dir=os.path.join(args.out, name), binaries=[args.binary],
                        command=command, nic_modes=nic_modes, hugepages=hugepages,
                        timeout=args.timeout)
    result = rg.run(guest)
    print(result.test_output)
    print(f'vm_vfio_cont_check: {name}: guest boot {result.boot_seconds:.1f} s, whole run '
          f'{result.total_seconds:.1f} s, exit {result.rc}')
    return result


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--build-guest', help='build-guest.sh to run first (cached)')
    p.add_argument('--run-guest', required=True, help='tests/vm/run_guest.py')
    p.add_argument('--binary', required=True, help='the static vm_vfio_cont')
    p.add_argument('--out', required=True, help='directory for logs and pcaps')
    p.add_argument('--timeout', type=float, default=300)
    args = p.parse_args()
    rg = load_run_guest(args.run_guest)

    if args.build_guest:
        rc = subprocess.call(['sh', args.build_guest])
        if rc == rg.EXIT_SKIP:
            return rc
        if rc != 0:
            print(f'vm_vfio_cont_check: {args.build_guest} failed ({rc})', file=sys.stderr)
            return rg.EXIT_HARNESS

    nonce = secrets.token_hex(8)
    failures = []
    try:
        result = boot(rg, args, 'main', ['vm_vfio_cont', 'main', '--nonce', nonce], {}, 128)
        if result.rc != 0:
            failures.append(f'vm_vfio_cont main exited with {result.rc}')
        failures += check_main(rg, result, nonce)
        result = boot(rg, args, 'errors', ['vm_vfio_cont', 'errors'],
                      {'e1000e': 'kernel'}, 32)
        if result.rc != 0:
            failures.append(f'vm_vfio_cont errors exited with {result.rc}')
    except rg.Unavailable as e:
        print(f'vm_vfio_cont_check: SKIP: {e}')
        return rg.EXIT_SKIP
    except rg.HarnessError as e:
        print(f'vm_vfio_cont_check: ERROR: {e}', file=sys.stderr)
        return rg.EXIT_HARNESS

    print(f'vm_vfio_cont_check: logs and pcaps in {os.path.abspath(args.out)}')
    for f in failures:
        print(f'vm_vfio_cont_check: FAIL: {f}', file=sys.stderr)
    if not failures:
        print('vm_vfio_cont_check: PASS')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
