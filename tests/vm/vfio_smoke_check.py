#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The vm-vfio-smoke test: build (or reuse) the guest, run vfio_smoke in it,
then check from the host what the e1000e really put on the wire.

    vfio_smoke_check.py --build-guest tests/vm/build-guest.sh \\
                        --binary build/tests/vm/vfio_smoke --out DIR

Passes when, besides vfio_smoke's own exit status 0:
  - e1000e.pcap carries exactly the two frames sent from mapped memory
    (payload "UPDK-VM-SMOKE sent-before|sent-after <nonce>"), in that order;
  - no frame in either pcap carries the payload of the frame whose buffer was
    unmapped (the IOMMU blocked that read);
  - the first frame crossed the cable (virtio.pcap, the other NIC's backend);
  - the guest kernel logged a DMAR read fault from the e1000e for the very
    page vfio_smoke reported as unmapped.
Exit 0 pass, 1 fail, 77 skip (guest unavailable here), 99 harness error.
"""

import os
import re
import secrets
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import run_guest  # noqa: E402  (lives next to this file)
from vm_check import PAGE_MASK, VmCheck, dmar_read_faults, read_pcaps  # noqa: E402

ETHERTYPE = b'\x88\xb5'
PAYLOAD_OFFSET = 14


def payload(kind, nonce):
    return f'UPDK-VM-SMOKE {kind} {nonce}'.encode()


def check(result, nonce):
    """Every host-side condition; returns the list of failures (empty = pass)."""
    failures = []
    out = result.test_output
    if 'SMOKE-OK' not in out.splitlines():
        failures.append('vfio_smoke did not reach SMOKE-OK')

    before, after, blocked = (payload(k, nonce) for k in ('sent-before', 'sent-after',
                                                          'blocked'))
    frames = read_pcaps(result)
    ours = [f[PAYLOAD_OFFSET:] for f in frames['e1000e'] if f[12:14] == ETHERTYPE]
    got = [p.rstrip(b'\0') for p in ours]
    if got != [before, after]:
        failures.append(f'e1000e.pcap frames of ethertype 0x88b5: {got}, expected '
                        f'[{before!r}, {after!r}]')
    for name, fs in frames.items():
        if any(blocked in f for f in fs):
            failures.append(f'{name}.pcap holds the frame whose buffer was unmapped: '
                            'the IOMMU let the DMA through')
    others = [f for f in frames['e1000e'] if f[12:14] != ETHERTYPE]
    for f in others:
        # QEMU 7.2's e1000e still sends a frame when its read faults, filled
        # with what the failed read returned (zeros): harmless, but reported.
        print(f'vfio_smoke_check: note: e1000e also sent a {len(f)}-byte frame that '
              f'is not ours ({"all zero" if not any(f) else f[:16].hex()}...)')
    if not any(before in f for f in frames['virtio']):
        failures.append('the first frame never reached the virtio NIC\'s backend '
                        '(virtio.pcap): the two NICs are not cabled together')

    m = re.search(r'^SMOKE-BLOCKED-IOVA 0x([0-9a-f]+)$', out, re.M)
    if m is None:
        failures.append('vfio_smoke did not report the unmapped IOVA')
    else:
        page = int(m.group(1), 16) & PAGE_MASK
        faults = dmar_read_faults(result.dmesg)
        if page not in faults:
            failures.append(f'no DMAR read fault from 01:00.0 at 0x{page:x} in the guest '
                            f'log (faults seen: {[hex(a) for a in faults]})')
        else:
            print(f'vfio_smoke_check: guest DMAR fault at 0x{page:x}, the unmapped page')
    return failures


def main():
    check_run = VmCheck('vfio_smoke_check', __doc__, binary='the static vfio_smoke')

    def body(chk):
        nonce = secrets.token_hex(8)
        result = chk.boot(command=['vfio_smoke', '--nonce', nonce, '--e1000e',
                                   run_guest.E1000E_BDF, '--virtio', run_guest.VIRTIO_BDF])
        chk.failures += check(result, nonce)

    return check_run.run(body)


if __name__ == '__main__':
    sys.exit(main())
