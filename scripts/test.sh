#!/usr/bin/env bash
# The whole test suite on a fresh machine: set up, build with gcc, clang and
# gcc+ASan+UBSan (all -Werror), run every suite, and print one closing line
# 'N passed, N failed, N skipped' counting every test case.
#   UPDK_TEST_SUITES  suites for the gcc build (default: unit integration vm)
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup-host.sh || exit 1

# build-test is portable (x86-64-v2): the vm suite runs its binaries inside a
# QEMU guest whose emulated CPU lacks this host's AVX-512 (-march=native).
# The quickstart's and benchmarks' build/ stays native.
status=0
scripts/build.sh build-test -Dcpu_instruction_set=x86-64-v2 || status=1
CC=clang scripts/build.sh build-clang || status=1
scripts/build.sh build-asan -Db_sanitize=address,undefined -Db_lundef=false \
	-Dbuildtype=debug || status=1
if [ $status -ne 0 ]; then
	echo "test: a build failed (see above)"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi

suites=()
for s in ${UPDK_TEST_SUITES:-unit integration vm}; do suites+=(--suite "$s"); done
meson test -C build-test --print-errorlogs "${suites[@]}"
meson test -C build-clang --print-errorlogs --suite unit --suite fuzz
meson test -C build-asan --print-errorlogs --suite unit
exec python3 scripts/test-summary.py build-test build-clang build-asan
