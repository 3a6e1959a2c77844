#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Boot the kernel-VFIO test guest once and run one command in it.

The guest (built by build-guest.sh) is a Debian 6.1 kernel under QEMU TCG with
an emulated Intel IOMMU and two NICs cabled to each other:

    e1000e      (82574L, 8086:10d3)  at E1000E_BDF, behind pcie-root-port rp1
    virtio-net  (modern, 1af4:1041)  at VIRTIO_BDF, behind pcie-root-port rp2

Each NIC is bound to vfio-pci (default), to its kernel driver, or left without
a driver. The given static binaries and files go into a per-run initramfs next
to the cached base one; the command runs as /updk-vm/run.sh. QEMU records what
each NIC's backend carries in <out>/e1000e.pcap and <out>/virtio.pcap.

The cable is a pair of UDP sockets by default. cable='tap' (--cable tap, root
only) puts each NIC on a host TAP instead, both on a bridge of their own: the
virtio NIC's TAP carries the virtio-net header (vnet_hdr), so QEMU's
virtio-net offers the checksum offloads VIRTIO_NET_F_CSUM/GUEST_CSUM (over a
socket it offers neither), and the host kernel completes a partial checksum
when it forwards the frame to the e1000e's TAP, which has no offloads.

Command line (see --help):
    run_guest.py --out DIR --bin ./vfio_smoke -- vfio_smoke --e1000e 0000:01:00.0
A meson test can use it as is (add --build-guest tests/vm/build-guest.sh); a
test that must also check things on the host uses it as a library:

    result = run_guest.run(GuestRun(out_dir=..., binaries=[...], command=[...]))
    result.rc, result.test_output, result.dmesg, read_pcap(result.pcaps['e1000e'])

Exit status of the command line: the test's exit status; 77 when the guest
cannot run here (reason printed); 99 when the harness failed (timeout, guest
setup error, no result from the guest).
"""

import argparse
import dataclasses
import gzip
import os
import re
import select
import shlex
import shutil
import socket
import stat
import struct
import subprocess
import sys
import time

EXIT_SKIP = 77
EXIT_HARNESS = 99

DEFAULT_CACHE = '/var/cache/updk-vm'
DEFAULT_TIMEOUT = 180

E1000E_BDF = '0000:01:00.0'
VIRTIO_BDF = '0000:02:00.0'


@dataclasses.dataclass(frozen=True)
class Nic:
    """One emulated NIC: where it sits and how each binding mode loads it."""
    name: str
    bdf: str
    port_addr: int            # slot of its pcie-root-port on pcie.0
    qemu_device: str
    mac: str
    kernel_driver: str        # PCI driver name when left to the kernel
    kernel_modules: tuple


NICS = {
    'e1000e': Nic('e1000e', E1000E_BDF, 0x2, 'e1000e', '52:54:00:00:10:d3',
                  'e1000e', ('e1000e',)),
    'virtio': Nic('virtio', VIRTIO_BDF, 0x3,
                  'virtio-net-pci,disable-legacy=on,iommu_platform=on',
                  '52:54:00:00:10:41', 'virtio-pci', ('virtio_pci', 'virtio_net')),
}
NIC_MODES = ('vfio', 'kernel', 'none')
CABLES = ('socket', 'tap')
VFIO_MODULES = ('vfio_iommu_type1', 'vfio-pci')


class Unavailable(Exception):
    """The guest cannot run on this machine (maps to exit 77)."""


class HarnessError(Exception):
    """QEMU or the guest failed before the test could report (exit 99)."""


class _PortTaken(Exception):
    """QEMU lost the race for a UDP port it was given."""


PORT_ATTEMPTS = 3


@dataclasses.dataclass
class GuestRun:
    """What to run in one boot."""
    out_dir: str
    command: list
    binaries: list = dataclasses.field(default_factory=list)
    files: list = dataclasses.field(default_factory=list)   # (host, guest) pairs
    nic_modes: dict = dataclasses.field(default_factory=dict)  # name -> mode
    cable: str = 'socket'     # one of CABLES
    timeout: float = DEFAULT_TIMEOUT
    hugepages: int = 0
    memory: str = '1G'
    smp: int = 2
    append: str = ''
    cache_dir: str = ''
    shell: bool = False
    verbose: bool = False


@dataclasses.dataclass
class GuestResult:
    """What one boot produced (the files are also in the output directory)."""
    rc: int                   # the command's exit status
    test_output: str
    dmesg: str
    console_log: str
    pcaps: dict
    devices: list
    boot_seconds: float       # QEMU start to the guest's SETUP-DONE line
    total_seconds: float      # QEMU start to QEMU exit


# --- initramfs overlay --------------------------------------------------------

class NewcArchive:
    """A cpio 'newc' archive built in memory, as the kernel's initramfs reads it.

    Written here rather than with cpio(1) so that a device node needs no root
    and nothing is staged on disk.
    """

    def __init__(self):
        self._chunks = []
        self._length = 0
        self._ino = 1
        self._dirs = set()

    def _entry(self, name, mode, data=b'', nlink=1, rdev=(0, 0)):
        # Header fields: ino mode uid gid nlink mtime filesize devmajor
        # devminor rdevmajor rdevminor namesize check, 8 hex digits each;
        # name and data are each padded to a multiple of 4 bytes.
        fields = (self._ino, mode, 0, 0, nlink, 0, len(data), 0, 0,
                  rdev[0], rdev[1], len(name) + 1, 0)
        self._ino += 1
        header = b'070701' + b''.join(b'%08X' % v for v in fields)
        self._append(header + name.encode() + b'\0')
        self._append(data)

    def _append(self, chunk):
        self._chunks.append(chunk)
        self._length += len(chunk)
        pad = -self._length % 4
        self._chunks.append(b'\0' * pad)
        self._length += pad

    def add_dir(self, name):
        name = name.strip('/')
        if not name or name in self._dirs:
            return
        self.add_dir(os.path.dirname(name))
        self._dirs.add(name)
        self._entry(name, stat.S_IFDIR | 0o755, nlink=2)

    def add_file(self, name, data, mode=0o755):
        name = name.strip('/')
        self.add_dir(os.path.dirname(name))
        self._entry(name, stat.S_IFREG | mode, data)

    def add_char_device(self, name, major, minor):
        name = name.strip('/')
        self.add_dir(os.path.dirname(name))
        self._entry(name, stat.S_IFCHR | 0o600, rdev=(major, minor))

    def finish(self):
        self._entry('TRAILER!!!', 0)
        return b''.join(self._chunks)


def check_static(path):
    """Refuse an ELF binary that needs a dynamic loader: the guest has none."""
    with open(path, 'rb') as f:
        head = f.read(64)
        if head[:2] == b'#!':
            return
        if head[:4] != b'\x7fELF' or head[4] != 2 or head[5] != 1:
            raise HarnessError(f'{path}: not a 64-bit little-endian ELF file or script')
        phoff, = struct.unpack_from('<Q', head, 0x20)
        phentsize, phnum = struct.unpack_from('<HH', head, 0x36)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    pt_interp = 3
    for i in range(phnum):
        p_type, = struct.unpack_from('<I', table, i * phentsize)
        if p_type == pt_interp:
            raise HarnessError(f'{path} is dynamically linked; the guest has no '
                               'shared libraries: link it with -static')


def guest_config(run):
    """The /updk-vm/config that guest-init.sh sources."""
    binds, modules = [], []
    for nic in NICS.values():
        mode = run.nic_modes.get(nic.name, 'vfio')
        if mode == 'vfio':
            binds.append(f'{nic.bdf}=vfio-pci')
            modules.extend(m for m in VFIO_MODULES if m not in modules)
        elif mode == 'kernel':
            binds.append(f'{nic.bdf}={nic.kernel_driver}')
            modules.extend(m for m in nic.kernel_modules if m not in modules)
    lines = [
        f'UPDK_VM_MODE={"shell" if run.shell else "test"}',
        f'UPDK_VM_MODULES={shlex.quote(" ".join(modules))}',
        f'UPDK_VM_BIND={shlex.quote(" ".join(binds))}',
        f'UPDK_VM_HUGEPAGES={int(run.hugepages)}',
    ]
    return '\n'.join(lines) + '\n'


def guest_run_script(run):
    """The /updk-vm/run.sh that runs the command, with the NICs' addresses."""
    env = {'UPDK_VM_E1000E': E1000E_BDF, 'UPDK_VM_VIRTIO': VIRTIO_BDF}
    lines = ['#!/bin/sh', 'cd /updk-vm']
    lines += [f'export {k}={shlex.quote(v)}' for k, v in env.items()]
    lines.append('exec ' + shlex.join(run.command) if run.command else 'true')
    return '\n'.join(lines) + '\n'


def build_initrd(run, base_initrd, init_script, path):
    """Base initramfs + this run's overlay (later archive entries win)."""
    overlay = NewcArchive()
    overlay.add_char_device('dev/console', 5, 1)
    with open(init_script, 'rb') as f:
        overlay.add_file('init', f.read())
    overlay.add_dir('updk-vm/bin')
    for b in run.binaries:
        check_static(b)
        with open(b, 'rb') as f:
            overlay.add_file('updk-vm/bin/' + os.path.basename(b), f.read())
    for host_path, guest_path in run.files:
        with open(host_path, 'rb') as f:
            mode = os.stat(host_path).st_mode & 0o777
            overlay.add_file(guest_path, f.read(), mode)
    overlay.add_file('updk-vm/config', guest_config(run).encode(), 0o644)
    overlay.add_file('updk-vm/run.sh', guest_run_script(run).encode())
    with open(base_initrd, 'rb') as f:
        base = f.read()
    with open(path, 'wb') as f:
        f.write(base)
        # The kernel unpacks concatenated archives in order; gzip level 1
        # because the overlay is rebuilt on every run.
        f.write(gzip.compress(overlay.finish(), compresslevel=1))


# --- QEMU ---------------------------------------------------------------------

def free_udp_ports(count):
    """Distinct UDP ports free on 127.0.0.1 right now."""
    socks, ports = [], []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(('127.0.0.1', 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


class TapCable:
    """Host side of cable='tap': a bridge and one TAP per NIC, named after
    this process, removed again on exit."""

    def __init__(self):
        tag = f'updk{os.getpid() % 100000}'
        self.bridge = f'{tag}br'
        self.taps = {name: f'{tag}{name[0]}' for name in NICS}

    def _ip(self, *args):
        r = subprocess.run(['ip', *args], capture_output=True, text=True, check=False)
        if r.returncode != 0:
            raise HarnessError(f'ip {" ".join(args)}: {r.stderr.strip()}')

    @staticmethod
    def _quiet(dev):
        # No IPv6 autoconfiguration frames from the host on the cable.
        path = f'/proc/sys/net/ipv6/conf/{dev}/disable_ipv6'
        if os.path.exists(path):
            with open(path, 'w', encoding='ascii') as f:
                f.write('1')

    def __enter__(self):
        if os.geteuid() != 0 or not os.path.exists('/dev/net/tun') or shutil.which('ip') is None:
            raise Unavailable('the TAP cable needs root, /dev/net/tun and ip (iproute2)')
        try:
            self._ip('link', 'add', self.bridge, 'type', 'bridge')
            self._quiet(self.bridge)
            for tap in self.taps.values():
                self._ip('tuntap', 'add', 'dev', tap, 'mode', 'tap')
                self._quiet(tap)
                self._ip('link', 'set', tap, 'master', self.bridge)
                self._ip('link', 'set', tap, 'up')
            self._ip('link', 'set', self.bridge, 'up')
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        for dev in list(self.taps.values()) + [self.bridge]:
            subprocess.run(['ip', 'link', 'del', dev], capture_output=True, check=False)
        return False


def qemu_command(run, qemu, kernel, initrd, pcaps, tap_cable=None):
    port_a, port_b = free_udp_ports(2)
    # The two socket backends point at each other: a frame one NIC sends is
    # what the other receives.
    links = {'e1000e': (port_a, port_b), 'virtio': (port_b, port_a)}
    append = 'intel_iommu=on console=ttyS0 panic=-1'
    if run.append:
        append += ' ' + run.append
    cmd = [
        qemu, '-nodefaults', '-no-user-config', '-nographic', '-no-reboot',
        '-accel', 'tcg,thread=multi', '-cpu', 'max',
        '-m', run.memory, '-smp', str(run.smp),
        '-machine', 'q35,kernel-irqchip=split',
        # The vIOMMU must exist before the devices it translates for.
        # aw-bits=48: IOVA = process virtual address needs 48-bit IOVAs.
        '-device', 'intel-iommu,intremap=on,caching-mode=on,aw-bits=48',
        '-serial', 'mon:stdio',
        '-kernel', kernel, '-initrd', initrd, '-append', append,
    ]
    for chassis, nic in enumerate(NICS.values(), start=1):
        local, peer = links[nic.name]
        port = f'rp{chassis}'
        cmd += [
            # Behind a root port a function is PCIe: FLR, so VFIO can reset it.
            '-device', f'pcie-root-port,id={port},bus=pcie.0,chassis={chassis},'
                       f'addr={nic.port_addr:#x}',
            '-netdev', (f'tap,id=net-{nic.name},ifname={tap_cable.taps[nic.name]},'
                        'script=no,downscript=no,'
                        f'vnet_hdr={"on" if nic.name == "virtio" else "off"}'
                        if tap_cable is not None else
                        f'socket,id=net-{nic.name},udp=127.0.0.1:{peer},'
                        f'localaddr=127.0.0.1:{local}'),
            # romfile=: no iPXE option ROM, whose boot prompt costs seconds.
            '-device', f'{nic.qemu_device},netdev=net-{nic.name},bus={port},'
                       f'mac={nic.mac},romfile=',
            '-object', f'filter-dump,id=dump-{nic.name},netdev=net-{nic.name},'
                       f'file={pcaps[nic.name]}',
        ]
    return cmd


def read_guest_env(cache_dir):
    env = {}
    path = os.path.join(cache_dir, 'guest.env')
    try:
        with open(path, encoding='utf-8') as f:
            for line in f:
                key, sep, value = line.strip().partition('=')
                if sep:
                    env[key] = value
    except FileNotFoundError:
        raise Unavailable(f'no guest in {cache_dir} ({path} missing): run '
                          'tests/vm/build-guest.sh first (or set UPDK_VM_CACHE)') from None
    return env


def _section(lines, begin, end):
    out, inside = [], False
    for line in lines:
        if line.startswith(begin):
            inside, out = True, []
        elif line.startswith(end) and inside:
            return out
        elif inside:
            out.append(line)
    return out if inside else None


def _tail(text, n=40):
    return '\n'.join(text.splitlines()[-n:])


def run(guest):
    """Boot once, run guest.command, collect everything into guest.out_dir.

    Raises Unavailable when QEMU or the cached guest is missing, HarnessError
    when the guest did not produce a result. Returns a GuestResult otherwise
    (rc is the command's exit status).
    """
    cache = guest.cache_dir or os.environ.get('UPDK_VM_CACHE', DEFAULT_CACHE)
    qemu = os.environ.get('UPDK_VM_QEMU', 'qemu-system-x86_64')
    if shutil.which(qemu) is None:
        raise Unavailable(f'{qemu} not found: apt-get install qemu-system-x86 '
                          '(tests/vm/build-guest.sh does it)')
    env = read_guest_env(cache)
    # vmlinux (PVH entry) when build-guest.sh could unpack it: no in-guest
    # decompression, several seconds less per boot.
    kernel = os.path.join(cache, env.get('KERNEL_IMAGE', 'vmlinuz'))
    base = os.path.join(cache, 'base.cpio.gz')
    for p in (kernel, base):
        if not os.path.isfile(p):
            raise Unavailable(f'{p} missing: run tests/vm/build-guest.sh')
    for name, mode in guest.nic_modes.items():
        if name not in NICS or mode not in NIC_MODES:
            raise HarnessError(f'bad NIC binding {name}={mode}: NIC is one of '
                               f'{", ".join(NICS)}, mode one of {", ".join(NIC_MODES)}')
    if guest.cable not in CABLES:
        raise HarnessError(f'bad cable {guest.cable!r}: one of {", ".join(CABLES)}')
    if guest.cable == 'tap':
        with TapCable() as tap_cable:
            return _run_booted(guest, qemu, kernel, base, tap_cable)
    return _run_booted(guest, qemu, kernel, base, None)


def _run_booted(guest, qemu, kernel, base, tap_cable):

    out = os.path.abspath(guest.out_dir)
    os.makedirs(out, exist_ok=True)
    pcaps = {name: os.path.join(out, f'{name}.pcap') for name in NICS}
    for p in list(pcaps.values()) + [os.path.join(out, n) for n in
                                     ('console.log', 'test.log', 'dmesg.log',
                                      'qemu-stderr.log')]:
        if os.path.exists(p):
            os.unlink(p)
    initrd = os.path.join(out, 'initrd.img')
    init_script = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'guest-init.sh')
    build_initrd(guest, base, init_script, initrd)
    for attempt in range(1, PORT_ATTEMPTS + 1):
        cmd = qemu_command(guest, qemu, kernel, initrd, pcaps, tap_cable)
        with open(os.path.join(out, 'qemu-cmdline.txt'), 'w', encoding='utf-8') as f:
            f.write(shlex.join(cmd) + '\n')
        if guest.shell:
            # Interactive: the serial console is this terminal (Ctrl-A x quits).
            start = time.monotonic()
            rc = subprocess.call(cmd)
            return GuestResult(rc, '', '', '', pcaps, [], 0.0, time.monotonic() - start)
        try:
            return _run_captured(guest, cmd, out, pcaps)
        except _PortTaken:
            # Another process bound one of the free ports between our check and
            # QEMU's bind: pick again.
            if attempt == PORT_ATTEMPTS:
                raise HarnessError(f'QEMU could not bind its UDP ports {PORT_ATTEMPTS} '
                                   'times in a row (see qemu-stderr.log)') from None
    raise AssertionError('unreachable')


def _run_captured(guest, cmd, out, pcaps):
    start = time.monotonic()
    deadline = start + guest.timeout
    boot_seconds = 0.0
    raw = bytearray()
    pending = b''
    # QEMU's own diagnostics (vIOMMU translation faults among them) go to a
    # file of their own, so they cannot split the guest's console lines.
    stderr_path = os.path.join(out, 'qemu-stderr.log')
    with open(stderr_path, 'wb') as stderr_file:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=stderr_file)
    timed_out = False
    try:
        fd = proc.stdout.fileno()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([fd], [], [], min(left, 1.0))
            if not ready:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            raw += chunk
            pending += chunk
            *lines, pending = pending.split(b'\n')
            for line in lines:
                text = line.decode(errors='replace').rstrip('\r')
                if not boot_seconds and text.startswith('UPDK-VM-SETUP-DONE'):
                    boot_seconds = time.monotonic() - start
                if guest.verbose:
                    print(text, flush=True)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()
    total = time.monotonic() - start

    console = raw.decode(errors='replace').replace('\r\n', '\n').replace('\r', '')
    with open(os.path.join(out, 'console.log'), 'w', encoding='utf-8') as f:
        f.write(console)
    with open(stderr_path, encoding='utf-8', errors='replace') as f:
        qemu_stderr = f.read()
    last_words = f'last console lines ({out}/console.log):\n{_tail(console)}'
    if qemu_stderr.strip():
        last_words += f'\nQEMU stderr ({stderr_path}):\n{_tail(qemu_stderr, 10)}'
    lines = console.splitlines()
    if 'Address already in use' in qemu_stderr and 'UPDK-VM-' not in console:
        raise _PortTaken()
    if timed_out:
        raise HarnessError(f'guest timed out after {guest.timeout:.0f} s and was '
                           f'killed; {last_words}')

    failures = [l for l in lines if l.startswith('UPDK-VM-SETUP-FAILED')]
    result = None
    for line in lines:
        m = re.match(r'UPDK-VM-RESULT rc=(\d+) stage=(\w+)', line)
        if m:
            result = (int(m.group(1)), m.group(2))
    if result is None:
        raise HarnessError(
            f'QEMU exited (status {proc.returncode}) after {total:.1f} s without a '
            f'result from the guest (kernel panic? QEMU error?); {last_words}')
    if result[1] != 'test':
        raise HarnessError('guest setup failed, the test did not run:\n' +
                           '\n'.join(failures or [_tail(console)]))

    test_output = '\n'.join(_section(lines, 'UPDK-VM-TEST-BEGIN', 'UPDK-VM-TEST-END') or [])
    dmesg = '\n'.join(_section(lines, 'UPDK-VM-DMESG-BEGIN', 'UPDK-VM-DMESG-END') or [])
    for name, text in (('test.log', test_output), ('dmesg.log', dmesg)):
        with open(os.path.join(out, name), 'w', encoding='utf-8') as f:
            f.write(text + '\n')
    devices = [l.split()[1:] for l in lines if l.startswith('UPDK-VM-DEVICE ')]
    return GuestResult(result[0], test_output, dmesg, console, pcaps, devices,
                       boot_seconds, total)


# --- pcap ---------------------------------------------------------------------

def read_pcap(path):
    """Frames of a classic pcap file (as QEMU's filter-dump writes), in order."""
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError(f'{path}: {len(data)} bytes, not a pcap file')
    magic, = struct.unpack_from('<I', data, 0)
    if magic in (0xa1b2c3d4, 0xa1b23c4d):
        endian = '<'
    elif magic in (0xd4c3b2a1, 0x4d3cb2a1):
        endian = '>'
    else:
        raise ValueError(f'{path}: bad pcap magic {magic:#x}')
    frames, off = [], 24
    while off + 16 <= len(data):
        _, _, caplen, _ = struct.unpack_from(endian + 'IIII', data, off)
        off += 16
        frames.append(bytes(data[off:off + caplen]))
        off += caplen
    return frames


# --- command line -------------------------------------------------------------

def _parse_args(argv):
    p = argparse.ArgumentParser(
        description='Boot the kernel-VFIO test guest and run a command in it.',
        epilog='Exit: the command\'s status; 77 guest unavailable here; 99 harness failure.')
    p.add_argument('--out', required=True, help='directory for logs, pcaps and the initrd')
    p.add_argument('--bin', action='append', default=[], metavar='PATH',
                   help='static binary copied to /updk-vm/bin (on PATH); repeatable')
    p.add_argument('--file', action='append', default=[], metavar='HOST:GUEST',
                   help='extra file, e.g. data.bin:/updk-vm/data.bin; repeatable')
    p.add_argument('--nic', action='append', default=[], metavar='NAME=MODE',
                   help=f'NAME in {{{",".join(NICS)}}}, MODE in {{{",".join(NIC_MODES)}}} '
                        '(default vfio); repeatable')
    p.add_argument('--cable', choices=CABLES, default='socket',
                   help='what connects the two NICs: UDP sockets (default) or host TAPs '
                        'on a bridge (root; the virtio TAP carries the vnet header)')
    p.add_argument('--timeout', type=float, default=DEFAULT_TIMEOUT,
                   help=f'seconds before QEMU is killed (default {DEFAULT_TIMEOUT})')
    p.add_argument('--hugepages', type=int, default=0,
                   help='2 MiB hugepages to reserve, mounted on /mnt/huge')
    p.add_argument('--memory', default='1G', help='guest RAM (default 1G)')
    p.add_argument('--append', default='', help='extra kernel arguments')
    p.add_argument('--cache', default='', help='guest cache dir (default $UPDK_VM_CACHE '
                                               f'or {DEFAULT_CACHE})')
    p.add_argument('--build-guest', metavar='SCRIPT',
                   help='run this build-guest.sh first (a no-op when the cache is '
                        'current): what a meson test passes')
    p.add_argument('--shell', action='store_true',
                   help='interactive shell on the serial console instead of the '
                        'command (Ctrl-A x quits QEMU)')
    p.add_argument('-v', '--verbose', action='store_true', help='echo the whole console')
    p.add_argument('command', nargs='*', help='command to run in the guest (after --)')
    args = p.parse_args(argv)
    if not args.command and not args.shell:
        p.error('give a command after -- (or --shell)')
    return args


def main(argv=None):
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    files = []
    for spec in args.file:
        host, sep, guest_path = spec.partition(':')
        if not sep or not guest_path:
            print(f'run_guest: --file {spec!r}: expected HOST:GUEST', file=sys.stderr)
            return EXIT_HARNESS
        files.append((host, guest_path))
    nic_modes = {}
    for spec in args.nic:
        name, _, mode = spec.partition('=')
        nic_modes[name] = mode
    if args.build_guest:
        env = dict(os.environ)
        if args.cache:
            env['UPDK_VM_CACHE'] = args.cache
        rc = subprocess.call(['sh', args.build_guest], env=env)
        if rc == EXIT_SKIP:
            return rc
        if rc != 0:
            print(f'run_guest: ERROR: {args.build_guest} failed with status {rc}',
                  file=sys.stderr)
            return EXIT_HARNESS
    guest = GuestRun(out_dir=args.out, command=args.command, binaries=args.bin,
                     files=files, nic_modes=nic_modes, cable=args.cable, timeout=args.timeout,
                     hugepages=args.hugepages, memory=args.memory, append=args.append,
                     cache_dir=args.cache, shell=args.shell, verbose=args.verbose)
    try:
        result = run(guest)
    except Unavailable as e:
        print(f'run_guest: SKIP: {e}', file=sys.stderr)
        return EXIT_SKIP
    except (HarnessError, OSError) as e:
        print(f'run_guest: ERROR: {e}', file=sys.stderr)
        return EXIT_HARNESS
    if guest.shell:
        return result.rc
    if not guest.verbose:
        print(result.test_output)
    print(f'run_guest: rc={result.rc} boot={result.boot_seconds:.1f}s '
          f'total={result.total_seconds:.1f}s out={os.path.abspath(args.out)}')
    return result.rc


if __name__ == '__main__':
    sys.exit(main())
