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

import argparse
import os
import re
import secrets
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import run_guest  # noqa: E402  (lives next to this file)

ETHERTYPE = b'\x88\xb5'
PAYLOAD_OFFSET = 14
PAGE_MASK = ~0xfff


def payload(kind, nonce):
    return f'UPDK-VM-SMOKE {kind} {nonce}'.encode()


def check(result, nonce):
    """Every host-side condition; returns the list of failures (empty = pass)."""
    failures = []
    out = result.test_output
    if result.rc != 0:
        failures.append(f'vfio_smoke exited with {result.rc} (see its output above)')
    if 'SMOKE-OK' not in out.splitlines():
        failures.append('vfio_smoke did not reach SMOKE-OK')

    before, after, blocked = (payload(k, nonce) for k in ('sent-before', 'sent-after',
                                                          'blocked'))
    frames = {name: run_guest.read_pcap(path) if os.path.exists(path) else []
              for name, path in result.pcaps.items()}
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
        faults = [int(a, 16) for a in re.findall(
            r'DMAR: \[DMA Read[^\]]*\] Request device \[01:00\.0\] fault addr 0x([0-9a-f]+)',
            result.dmesg)]
        if page not in faults:
            failures.append(f'no DMAR read fault from 01:00.0 at 0x{page:x} in the guest '
                            f'log (faults seen: {[hex(a) for a in faults]})')
        else:
            print(f'vfio_smoke_check: guest DMAR fault at 0x{page:x}, the unmapped page')
    return failures


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--build-guest', help='build-guest.sh to run first (cached)')
    p.add_argument('--binary', required=True, help='the static vfio_smoke')
    p.add_argument('--out', required=True, help='directory for logs and pcaps')
    p.add_argument('--timeout', type=float, default=300)
    args = p.parse_args()

    if args.build_guest:
        rc = subprocess.call(['sh', args.build_guest])
        if rc == run_guest.EXIT_SKIP:
            return rc
        if rc != 0:
            print(f'vfio_smoke_check: {args.build_guest} failed ({rc})', file=sys.stderr)
            return run_guest.EXIT_HARNESS

    nonce = secrets.token_hex(8)
    guest = run_guest.GuestRun(
        out_dir=args.out, binaries=[args.binary], timeout=args.timeout,
        command=['vfio_smoke', '--nonce', nonce, '--e1000e', run_guest.E1000E_BDF,
                 '--virtio', run_guest.VIRTIO_BDF])
    try:
        result = run_guest.run(guest)
    except run_guest.Unavailable as e:
        print(f'vfio_smoke_check: SKIP: {e}')
        return run_guest.EXIT_SKIP
    except run_guest.HarnessError as e:
        print(f'vfio_smoke_check: ERROR: {e}', file=sys.stderr)
        return run_guest.EXIT_HARNESS

    print(result.test_output)
    failures = check(result, nonce)
    print(f'vfio_smoke_check: guest boot {result.boot_seconds:.1f} s, whole run '
          f'{result.total_seconds:.1f} s; logs and pcaps in {os.path.abspath(args.out)}')
    for f in failures:
        print(f'vfio_smoke_check: FAIL: {f}', file=sys.stderr)
    if not failures:
        print('vfio_smoke_check: PASS')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
