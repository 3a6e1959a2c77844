#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The vm-virtio test: net_virtio on the guest's virtio-net-pci.

    vm_virtio_check.py --build-guest tests/vm/build-guest.sh \\
        --run-guest tests/vm/run_guest.py --binary build/.../vm_virtio --out DIR

One boot, both NICs on vfio-pci. Besides vm_virtio's exit status (probe,
start, link, control queue, frames received from the e1000e with intact
payload, every mbuf back in its pool), the host requires: the N frames the
virtio port sent, each once, in sequence order, with a good payload checksum,
in virtio.pcap (what the virtio backend carried) and in e1000e.pcap (what
reached the e1000e through the cable).

The NICs are cabled through host TAPs on a bridge (run_guest's cable='tap'),
so that QEMU's virtio-net offers the checksum offloads: the guest also sends
CSUM_FRAMES UDP frames with VIRTIO_NET_F_CSUM (pseudo-header sum in the
field, NEEDS_CSUM). virtio.pcap must show them as the driver left them (the
field holds the pseudo-header sum: the checksum was really offloaded) and
e1000e.pcap with right UDP checksums (the host kernel completed them from
the header's csum_start/csum_offset). Where TAPs cannot be made (not root),
the socket cable is used and that part is left out, saying so.
Exit 0 pass, 1 fail, 77 skip (no guest here), 99 harness error.
"""

import os
import re
import secrets
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import run_guest  # noqa: E402  (tests/vm/run_guest.py)
from vm_check import VmCheck  # noqa: E402

ETHERTYPE = b'\x88\xb5'
FRAMES = 64
RX_FRAMES = 32
CSUM_FRAMES = 16
# QEMU's filter-dump keeps the virtio-net header (12 bytes with VERSION_1) in
# front of each frame of a netdev that carries one: the TAP cable's virtio end.
VNET_HDR_LEN = 12
NEEDS_CSUM = 1


def tx_frames(frames, nonce):
    """Sequence numbers of our frames whose checksum holds, in capture order,
    and a list of problems."""
    prefix = f'UPDK-VIRTIO-TX {nonce} seq='.encode()
    seqs, problems = [], []
    for f in frames:
        if f[12:14] != ETHERTYPE or not f[14:].startswith(prefix):
            continue
        m = re.match(rb'(\d+) ', f[14 + len(prefix):])
        if m is None:
            problems.append(f'frame without a sequence number: {f[:64]!r}')
            continue
        seq = int(m.group(1))
        expected_len = 64 + (seq * 97) % 1400
        body, tail = f[14:-4], f[-4:]
        if len(f) != expected_len:
            problems.append(f'seq {seq}: {len(f)} bytes, sent {expected_len}')
        elif (sum(body) & 0xffffffff) != int.from_bytes(tail, 'big'):
            problems.append(f'seq {seq}: payload checksum does not match')
        seqs.append(seq)
    return seqs, problems


def ones_sum(data):
    """RFC 1071 one's complement sum of DATA (odd length padded), folded."""
    if len(data) % 2:
        data += b'\0'
    total = sum(int.from_bytes(data[i:i + 2], 'big') for i in range(0, len(data), 2))
    while total > 0xffff:
        total = (total & 0xffff) + (total >> 16)
    return total


def csum_frames(frames, nonce):
    """(seq, UDP checksum field, right checksum, pseudo-header sum, virtio-net
    header) of our UDP checksum-offload frames among (header, frame) pairs."""
    prefix = f'UPDK-VIRTIO-CSUM {nonce} seq='.encode()
    out = []
    for hdr, f in frames:
        if f[12:14] != b'\x08\x00' or f[23] != 17 or (f[14] & 0x0f) != 5:
            continue
        udp = f[34:14 + int.from_bytes(f[16:18], 'big')]
        if not udp[8:].startswith(prefix):
            continue
        seq = int(re.match(rb'(\d+)', udp[8 + len(prefix):]).group(1))
        phdr = f[26:34] + b'\0\x11' + len(udp).to_bytes(2, 'big')
        field = int.from_bytes(udp[6:8], 'big')
        right = 0xffff - ones_sum(phdr + udp[:6] + b'\0\0' + udp[8:])
        out.append((seq, field, right or 0xffff, ones_sum(phdr), hdr))
    return out


def check_csum_pcaps(chk, result, nonce):
    for name in ('virtio', 'e1000e'):
        got = csum_frames(pcap_frames(result, name, 'tap'), nonce)
        problems = []
        if sorted(g[0] for g in got) != list(range(CSUM_FRAMES)):
            problems.append(f'{name}.pcap holds checksum frames {[g[0] for g in got]}, '
                            f'expected 0..{CSUM_FRAMES - 1} once each')
        for seq, field, right, phdr, hdr in got:
            if name == 'e1000e' and field != right:
                problems.append(f'e1000e.pcap: frame {seq}: UDP checksum {field:#06x}, '
                                f'right is {right:#06x}')
            if name == 'virtio' and field != phdr:
                problems.append(f'virtio.pcap: frame {seq}: UDP checksum field {field:#06x} is '
                                f'not the pseudo-header sum {phdr:#06x}: not offloaded?')
            # virtio 1.2 5.1.6.2: NEEDS_CSUM, csum_start at the UDP header
            # (14 + 20), csum_offset at its checksum field (6).
            if name == 'virtio' and (hdr[0] != NEEDS_CSUM or
                                     int.from_bytes(hdr[6:8], 'little') != 34 or
                                     int.from_bytes(hdr[8:10], 'little') != 6):
                problems.append(f'virtio.pcap: frame {seq}: virtio-net header {hdr.hex()}: '
                                'want flags NEEDS_CSUM, csum_start 34, csum_offset 6')
        if not problems:
            print(f'vm_virtio_check: {name}.pcap: {CSUM_FRAMES} checksum frames, ' +
                  ('NEEDS_CSUM headers, pseudo-header sums as the driver left them'
                   if name == 'virtio' else 'UDP checksums right'))
        chk.case(f'{name}_pcap_csum_frames', problems)


def pcap_frames(result, name, cable):
    """(virtio-net header or b'', frame) of each frame in NAME.pcap."""
    path = result.pcaps[name]
    frames = run_guest.read_pcap(path) if os.path.exists(path) else []
    hlen = VNET_HDR_LEN if (cable == 'tap' and name == 'virtio') else 0
    return [(f[:hlen], f[hlen:]) for f in frames]


def check_pcaps(chk, result, nonce, cable):
    for name in ('virtio', 'e1000e'):
        frames = [f for _, f in pcap_frames(result, name, cable)]
        seqs, problems = tx_frames(frames, nonce)
        if seqs != list(range(FRAMES)):
            problems.append(f'{name}.pcap holds sequence numbers {seqs[:8]}... '
                            f'({len(seqs)} frames), expected 0..{FRAMES - 1} once each in order')
        else:
            print(f'vm_virtio_check: {name}.pcap: all {FRAMES} frames, in order, checksums good')
        chk.case(f'{name}_pcap_has_tx_frames', problems)
    rx_prefix = f'UPDK-VIRTIO-RX {nonce} seq='.encode()
    frames = [f for _, f in pcap_frames(result, 'virtio', cable)]
    delivered = sum(1 for f in frames if f[14:].startswith(rx_prefix))
    chk.case('virtio_pcap_has_e1000e_frames', [] if delivered == RX_FRAMES else [
        f'virtio.pcap holds {delivered} of the {RX_FRAMES} frames the e1000e sent'])


def main():
    def body(chk):
        nonce = secrets.token_hex(8)
        command = ['vm_virtio', '--nonce', nonce, '--frames', str(FRAMES),
                   '--rx-frames', str(RX_FRAMES)]
        cable = 'tap'
        try:
            with run_guest.TapCable():
                pass
        except run_guest.Unavailable as e:
            print(f'vm_virtio_check: NOTE: {e}: socket cable, checksum offload not tested')
            cable = 'socket'
        if cable == 'tap':
            command += ['--csum-frames', str(CSUM_FRAMES)]
        result = chk.boot(command=command, cable=cable, hugepages=128)
        faults = [line for line in result.dmesg.splitlines()
                  if re.search(r'DMAR: \[DMA (Read|Write)', line)]
        if faults:
            chk.fail('the guest kernel logged IOMMU faults: ' + ' | '.join(faults)[:400])
        check_pcaps(chk, result, nonce, cable)
        if cable == 'tap':
            check_csum_pcaps(chk, result, nonce)

    return VmCheck('vm_virtio_check', __doc__, binary='the static vm_virtio').run(body)


if __name__ == '__main__':
    sys.exit(main())
