#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Runs eal-smoke (path in $1) and checks exit codes and messages:
# bad options exit 2 naming the option, --help exits 0, a --no-huge run
# exits 0 after every lcore reported in, and a hugepage run when the
# machine has free hugepages (skipped with a message otherwise).
set -u

smoke=${1:?usage: test_eal_smoke.sh path/to/eal-smoke}
prefix="eal_smoke_test_$$"
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
failures=0

fail() {
	echo "FAIL: $*"
	echo "--- stdout:"; cat "$out"
	echo "--- stderr:"; cat "$err"
	failures=$((failures + 1))
}

# run EXPECTED_STATUS ARGS...: run eal-smoke, check its exit status.
run() {
	expected=$1
	shift
	"$smoke" --file-prefix "$prefix" "$@" >"$out" 2>"$err"
	status=$?
	if [ "$status" -ne "$expected" ]; then
		fail "eal-smoke $* exited $status, expected $expected"
		return 1
	fi
	echo "ok: eal-smoke $* -> $status"
	return 0
}

# expect_in FILE TEXT: FILE must contain TEXT.
expect_in() {
	if ! grep -qF -- "$2" "$1"; then
		fail "output does not contain '$2'"
	fi
}

# Bad usage: status 2 and the option named on stderr.
run 2 --bogus-option && expect_in "$err" "--bogus-option"
run 2 -l 100000 && { expect_in "$err" "-l"; expect_in "$err" "CPU 100000"; }
run 2 --iova-mode=xx && { expect_in "$err" "--iova-mode"; expect_in "$err" "va, pa"; }
run 2 --no-huge --iova-mode=pa && expect_in "$err" "--no-huge"
run 2 --vdev=Bad && expect_in "$err" "--vdev"
run 2 -a 01:00.9 && expect_in "$err" "-a/--allow"
run 2 --no-huge -- extra && expect_in "$err" "extra"

# Help: status 0, usage on stdout.
run 0 --help && { expect_in "$out" "--lcores"; expect_in "$out" "--vfio-mode"; }

# A full run on 4 KiB memfd pages, default lcores (every CPU this process
# may use): each lcore reports its own id, DMA memory works.
check_lcores_reported() {
	nb=$(sed -n 's/^lcores: \([0-9]*\),.*/\1/p' "$out")
	reported=$(grep -Ec '^  lcore ([0-9]+) reported lcore id \1 ' "$out")
	if [ -z "$nb" ] || [ "$nb" -lt 1 ] || [ "$reported" -ne "$nb" ]; then
		fail "expected every one of '${nb}' lcores to report its id, got $reported"
	fi
}
if run 0 --no-huge; then
	expect_in "$out" "eal-smoke: OK"
	check_lcores_reported
	expect_in "$out" "dma: 4194304 bytes"
	expect_in "$out" "page size 4096"
fi
# The runtime directory is gone afterwards.
for base in /var/run/updk "${XDG_RUNTIME_DIR:-/nonexistent}/updk" "/tmp/updk-$(id -u)"; do
	if [ -e "$base/$prefix" ]; then
		fail "runtime directory $base/$prefix left behind"
	fi
done

# Hugepages, when the machine has some free.
free_pages=0
for f in /sys/kernel/mm/hugepages/hugepages-*/free_hugepages; do
	[ -r "$f" ] && free_pages=$((free_pages + $(cat "$f")))
done
if [ "$free_pages" -ge 4 ]; then
	if run 0 --in-memory; then
		expect_in "$out" "eal-smoke: OK"
		check_lcores_reported
		if grep -q "page size 4096" "$out"; then
			fail "hugepage run used 4 KiB pages"
		fi
	fi
else
	echo "SKIP: hugepage run: no free hugepages (echo 512 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages)"
fi

if [ "$failures" -ne 0 ]; then
	echo "$failures check(s) failed"
	exit 1
fi
echo "all checks passed"
