#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Run the libFuzzer targets (tests/fuzz) for longer than CI does, keeping a
# corpus between runs so each run starts where the last one stopped.
#   bench/fuzz.sh [BUILD_DIR]   (a clang build; made if missing)
# env: FUZZ_SECONDS per target (default 600), FUZZ_JOBS parallel workers per
#      target (default 1), FUZZ_CORPUS corpus root (default /var/tmp/updk-fuzz),
#      FUZZ_TARGETS space-separated subset (default: every fuzz_* built).
# A crash leaves its input as crash-* in the corpus root (libFuzzer prints the
# reproducer command); the script exits 1 if any target failed.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-fuzz}
secs=${FUZZ_SECONDS:-600}
jobs=${FUZZ_JOBS:-1}
corpus=${FUZZ_CORPUS:-/var/tmp/updk-fuzz}

command -v clang >/dev/null || { echo "fuzz.sh: needs clang with libFuzzer (apt-get install clang)" >&2; exit 1; }
if [ ! -f "$build/build.ninja" ]; then
	CC=clang bash scripts/build.sh "$build" -Db_sanitize=address,undefined -Db_lundef=false ||
		exit 1
else
	meson compile -C "$build" >/dev/null || exit 1
fi
targets=${FUZZ_TARGETS:-$(find "$build/tests/fuzz" -maxdepth 1 -type f -executable -name 'fuzz_*' -printf '%f\n' 2>/dev/null | sort)}
[ -n "$targets" ] || { echo "fuzz.sh: no fuzz targets in $build/tests/fuzz (is the compiler clang with libFuzzer?)" >&2; exit 1; }

failed=0
for t in $targets; do
	exe=$build/tests/fuzz/$t
	[ -x "$exe" ] || { echo "fuzz.sh: $exe not built" >&2; failed=1; continue; }
	mkdir -p "$corpus/$t"
	echo "== $t: ${secs}s, $jobs job(s), corpus $corpus/$t ($(ls "$corpus/$t" | wc -l) inputs)"
	par=()
	[ "$jobs" -gt 1 ] && par=(-jobs="$jobs" -workers="$jobs")
	if "$exe" -max_total_time="$secs" -timeout=10 -max_len=65536 -rss_limit_mb=2048 \
		"${par[@]}" -artifact_prefix="$corpus/" -print_final_stats=1 \
		"$corpus/$t" >"$corpus/$t.log" 2>&1; then
		echo "   ok: $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$corpus/$t.log" | awk '{print $2}') executions, corpus now $(ls "$corpus/$t" | wc -l) inputs"
	else
		echo "   FAILED: see $corpus/$t.log and $corpus/crash-* / timeout-* / leak-*"
		grep -m5 -E 'ERROR|SUMMARY' "$corpus/$t.log" | sed 's/^/   /'
		failed=1
	fi
done
exit $failed
