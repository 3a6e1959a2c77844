#!/usr/bin/env python3
"""Count test cases across one or more meson build directories.

meson counts programs; a cmocka program holds many cases. This reads each
build's meson-logs/testlog.json and counts every cmocka case (OK / FAILED /
SKIPPED) inside a program's output, so the closing line reports cases, and
every skip is listed with its reason. A program that failed although all its
cases passed (a sanitizer report at exit, a crash after the last case) counts
as one more failure; a program that exited 77 counts as one skip.

Usage: test-summary.py BUILD_DIR [BUILD_DIR ...]
Prints the failures and skips, then 'N passed, N failed, N skipped'.
"""
import json
import os
import re
import sys

RUN = re.compile(r"^\[ RUN      \] (.+)$")
RESULT = re.compile(r"^\[\s*(OK|FAILED|SKIPPED|ERROR)\s*\] (.+)$")


def cases(stdout):
    """Yield (name, result) for every cmocka case in a program's output."""
    running = None
    for line in stdout.splitlines():
        m = RUN.match(line)
        if m:
            if running is not None:  # a RUN with no result: the case died
                yield running, "FAILED"
            running = m.group(1).strip()
            continue
        m = RESULT.match(line)
        if m and running is not None and m.group(2).strip() == running:
            yield running, m.group(1)
            running = None
    if running is not None:
        yield running, "FAILED"


def last_reason(stdout):
    lines = [l.strip() for l in stdout.splitlines() if l.strip()]
    for l in reversed(lines):
        if "skip" in l.lower():
            return l
    return lines[-1] if lines else "(no reason printed)"


def main(dirs):
    passed = failed = skipped = 0
    failures, skips = [], []
    for d in dirs:
        log = os.path.join(d, "meson-logs", "testlog.json")
        if not os.path.exists(log):
            print(f"summary: {log} missing (the build or test run did not happen)")
            failed += 1
            failures.append(f"{d}: no test log")
            continue
        tag = os.path.basename(os.path.normpath(d))
        with open(log) as f:
            for raw in f:
                t = json.loads(raw)
                name, result, out = t["name"], t["result"], t.get("stdout") or ""
                if t.get("stderr"):
                    out += "\n" + t["stderr"]
                found = list(cases(out))
                if result == "SKIP":
                    skipped += 1
                    skips.append(f"{tag}/{name}: {last_reason(out)}")
                    continue
                if not found:
                    if result in ("OK", "EXPECTEDFAIL"):
                        passed += 1
                    else:
                        failed += 1
                        failures.append(f"{tag}/{name}: {result}")
                    continue
                case_failed = False
                for case, r in found:
                    if r == "OK":
                        passed += 1
                    elif r == "SKIPPED":
                        skipped += 1
                        skips.append(f"{tag}/{name}/{case}: {skip_reason(out, case)}")
                    else:
                        failed += 1
                        case_failed = True
                        failures.append(f"{tag}/{name}/{case}: {r}")
                if result not in ("OK", "EXPECTEDFAIL") and not case_failed:
                    failed += 1
                    failures.append(f"{tag}/{name}: program {result} after its cases "
                                    f"(sanitizer report or crash at exit?)")
    for f in failures:
        print("FAILED:", f)
    for s in skips:
        print("SKIPPED:", s)
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed or not passed else 0


def skip_reason(out, case):
    """The line a test printed just before cmocka reported it skipped."""
    prev = None
    for line in out.splitlines():
        if RESULT.match(line) and line.rstrip().endswith(case) and "SKIPPED" in line:
            return prev or "(no reason printed)"
        if line.strip() and not line.startswith("["):
            prev = line.strip()
    return "(no reason printed)"


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))
