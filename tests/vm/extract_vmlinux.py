#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Unpack the ELF vmlinux from an x86 bzImage, for a PVH boot under QEMU.

Usage: extract_vmlinux.py BZIMAGE OUTPUT

The compressed kernel's place comes from the boot protocol's setup header
(Documentation/arch/x86/boot.rst: setup_sects at 0x1f1, payload_offset at
0x248, payload_length at 0x24c, both relative to the protected-mode code that
starts after the setup sectors). The result must carry the PVH entry note
(XEN_ELFNOTE_PHYS32_ENTRY), or QEMU could not boot it.

Exit: 0 written; 1 not possible (reason on stderr; the caller falls back to
booting the bzImage).
"""

import lzma
import os
import struct
import sys
import zlib

XEN_ELFNOTE_PHYS32_ENTRY = 18
PT_NOTE = 4


def payload(bzimage):
    if bzimage[0x202:0x206] != b'HdrS':
        raise ValueError('no x86 boot protocol header (HdrS) at 0x202: not a bzImage')
    version, = struct.unpack_from('<H', bzimage, 0x206)
    if version < 0x208:
        raise ValueError(f'boot protocol {version:#x} has no payload fields (needs 2.08)')
    setup_sects = bzimage[0x1f1] or 4
    offset, length = struct.unpack_from('<II', bzimage, 0x248)
    start = (setup_sects + 1) * 512 + offset
    return bzimage[start:start + length]


def decompress(data):
    # Decompressor objects stop at the end of the stream: the build appends
    # the uncompressed size after it.
    if data.startswith(b'\xfd7zXZ\x00'):
        return lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data)
    if data.startswith(b'\x1f\x8b'):
        return zlib.decompressobj(wbits=16 + zlib.MAX_WBITS).decompress(data)
    if data.startswith(b'\x5d\x00\x00'):
        return lzma.LZMADecompressor(format=lzma.FORMAT_ALONE).decompress(data)
    raise ValueError(f'payload compression {data[:4].hex()} is not one python3 '
                     'can undo (xz, gzip, lzma)')


def has_pvh_entry(elf):
    if elf[:4] != b'\x7fELF' or elf[4] != 2 or elf[5] != 1:
        raise ValueError('payload is not a 64-bit little-endian ELF')
    phoff, = struct.unpack_from('<Q', elf, 0x20)
    phentsize, phnum = struct.unpack_from('<HH', elf, 0x36)
    for i in range(phnum):
        p_type, _, p_offset, _, _, p_filesz = struct.unpack_from(
            '<IIQQQQ', elf, phoff + i * phentsize)
        if p_type != PT_NOTE:
            continue
        pos, end = p_offset, p_offset + p_filesz
        while pos + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from('<III', elf, pos)
            name = elf[pos + 12:pos + 12 + namesz].rstrip(b'\0')
            if name == b'Xen' and ntype == XEN_ELFNOTE_PHYS32_ENTRY:
                return True
            pos += 12 + (namesz + 3) // 4 * 4 + (descsz + 3) // 4 * 4
    return False


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 1
    src, dst = argv[1], argv[2]
    try:
        with open(src, 'rb') as f:
            elf = decompress(payload(f.read()))
        if not has_pvh_entry(elf):
            raise ValueError('vmlinux has no PVH entry note (kernel built without CONFIG_PVH)')
    except (OSError, ValueError, lzma.LZMAError, zlib.error) as e:
        print(f'extract_vmlinux: {src}: {e}', file=sys.stderr)
        return 1
    tmp = dst + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(elf)
    os.replace(tmp, dst)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
