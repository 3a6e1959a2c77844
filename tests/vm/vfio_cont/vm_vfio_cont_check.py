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

import os
import re
import secrets
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from vm_check import PAGE_MASK, VmCheck, dmar_read_faults, read_pcaps  # noqa: E402

ETHERTYPE = b'\x88\xb5'
PAYLOAD_OFFSET = 14


def payload(kind, nonce):
    return f'UPDK-VM-VFIO-CONT {kind} {nonce}'.encode()


def check_main(chk, result, nonce):
    out = result.test_output
    frames = read_pcaps(result)

    ours = [f[PAYLOAD_OFFSET:].rstrip(b'\0') for f in frames['e1000e']
            if f[12:14] == ETHERTYPE]
    expected = [payload('sent-before', nonce), payload('sent-after', nonce)]
    chk.case('frames_from_mapped_memory', [] if ours == expected else [
        f'e1000e.pcap frames of ethertype 0x88b5: {ours}, expected {expected}'])

    blocked = payload('blocked', nonce)
    chk.case('unmapped_memory_not_sent', [
        f'{name}.pcap holds the frame whose memory the container unmapped: the device read it'
        for name, fs in frames.items() if any(blocked in f for f in fs)])

    dmar = []
    m = re.search(r'^VM-BLOCKED-IOVA 0x([0-9a-f]+)$', out, re.M)
    if m is None:
        dmar.append('the guest did not report the unmapped IOVA')
    else:
        page = int(m.group(1), 16) & PAGE_MASK
        faults = dmar_read_faults(result.dmesg)
        if page not in faults:
            dmar.append(f'no DMAR read fault from 01:00.0 at 0x{page:x} in the guest log '
                        f'(faults: {[hex(a) for a in faults]})')
        else:
            print(f'vm_vfio_cont_check: DMAR read fault at 0x{page:x}, the page the '
                  'container unmapped')
    chk.case('dmar_fault_at_unmapped_page', dmar)


def main():
    def body(chk):
        nonce = secrets.token_hex(8)
        result = chk.boot('main', command=['vm_vfio_cont', 'main', '--nonce', nonce],
                          nic_modes={}, hugepages=128)
        check_main(chk, result, nonce)
        chk.boot('errors', command=['vm_vfio_cont', 'errors'],
                 nic_modes={'e1000e': 'kernel'}, hugepages=32)

    return VmCheck('vm_vfio_cont_check', __doc__,
                   binary='the static vm_vfio_cont').run(body)


if __name__ == '__main__':
    sys.exit(main())
