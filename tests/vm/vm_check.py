# SPDX-License-Identifier: BSD-3-Clause
"""What the host-side halves of the VM tests share: the command line, building
(or reusing) the guest, booting it, host checks reported like cmocka cases,
the guest's DMAR faults, and the verdict with its exit status (0 pass, 1 fail,
77 skip: no guest here, 99 harness error).

    check = VmCheck('vm_virtio_check', __doc__, binary='the static vm_virtio')
    sys.exit(check.run(body))       # body(check) boots and checks

Lives next to run_guest.py; the check scripts import it with tests/vm on
sys.path.
"""

import argparse
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import run_guest  # noqa: E402  (lives next to this file)

PAGE_MASK = ~0xfff


def dmar_read_faults(dmesg, bdf='01:00.0'):
    """Addresses of the DMAR read faults the guest kernel logged for @bdf."""
    return [int(a, 16) for a in re.findall(
        r'DMAR: \[DMA Read[^\]]*\] Request device \[' + re.escape(bdf) +
        r'\] fault addr 0x([0-9a-f]+)', dmesg)]


def read_pcaps(result):
    """Every pcap of a run as {nic name: [frame bytes]} (missing: empty)."""
    return {name: run_guest.read_pcap(path) if os.path.exists(path) else []
            for name, path in result.pcaps.items()}


class VmCheck:
    def __init__(self, tag, doc, binary=None, extra_args=()):
        """@extra_args: (flag, help) pairs of further required options."""
        p = argparse.ArgumentParser(description=doc.splitlines()[0])
        p.add_argument('--build-guest', help='build-guest.sh to run first (cached)')
        p.add_argument('--run-guest', help='tests/vm/run_guest.py (the one next to '
                       'this module is used)')
        if binary is not None:
            p.add_argument('--binary', required=True, help=binary)
        for flag, text in extra_args:
            p.add_argument(flag, required=True, help=text)
        p.add_argument('--out', required=True, help='directory for logs and pcaps')
        p.add_argument('--timeout', type=float, default=300)
        self.args = p.parse_args()
        self.tag = tag
        self.rg = run_guest
        self.failures = []

    def fail(self, problem):
        self.failures.append(problem)

    def case(self, name, problems):
        """Report a host-side check in cmocka's format, like the guest's cases."""
        print(f'[ RUN      ] host.{name}')
        for f in problems:
            print(f'{self.tag}: FAIL: {f}')
        print(f'[  FAILED  ] host.{name}' if problems else f'[       OK ] host.{name}')
        self.failures += problems
        return problems

    def boot(self, out_subdir=None, binaries=None, **guest):
        """Run the guest (run_guest.GuestRun arguments), print its output
        and timing, count a non-zero exit as a failure; return the result."""
        out = self.args.out if out_subdir is None else os.path.join(self.args.out, out_subdir)
        if binaries is None:
            binaries = [self.args.binary]
        guest.setdefault('timeout', self.args.timeout)
        result = run_guest.run(run_guest.GuestRun(out_dir=out, binaries=binaries, **guest))
        print(result.test_output)
        name = guest['command'][0] + ('' if out_subdir is None else ' ' + out_subdir)
        print(f'{self.tag}: {name}: guest boot {result.boot_seconds:.1f} s, whole run '
              f'{result.total_seconds:.1f} s, exit {result.rc}')
        if result.rc != 0:
            self.fail(f'{name} exited with {result.rc}')
        return result

    def run(self, body):
        """Build the guest, run @body(self), print the verdict; exit status."""
        if self.args.build_guest:
            rc = subprocess.call(['sh', self.args.build_guest])
            if rc == run_guest.EXIT_SKIP:
                print(f'{self.tag}: SKIP: the guest cannot be built here (see above)')
                return rc
            if rc != 0:
                print(f'{self.tag}: {self.args.build_guest} failed ({rc})', file=sys.stderr)
                return run_guest.EXIT_HARNESS
        try:
            body(self)
        except run_guest.Unavailable as e:
            print(f'{self.tag}: SKIP: {e}')
            return run_guest.EXIT_SKIP
        except (run_guest.HarnessError, OSError) as e:
            print(f'{self.tag}: ERROR: {e}', file=sys.stderr)
            return run_guest.EXIT_HARNESS
        print(f'{self.tag}: logs and pcaps in {os.path.abspath(self.args.out)}')
        for f in self.failures:
            print(f'{self.tag}: FAIL: {f}', file=sys.stderr)
        if not self.failures:
            print(f'{self.tag}: PASS')
        return 1 if self.failures else 0
