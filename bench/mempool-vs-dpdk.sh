#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Compare updk's mempool and ring with DPDK's on one core, side by side.
#
# Mempool: cycles per object for bulk get+put of 1, 4 and 32 objects
# (n_keep 32), without cache and with a 512-object cache, as in dpdk-test's
# mempool_perf_autotest. Both sides run the same timing loop
# (bench/mempool_perf/mempool_perf_loop.h): updk-mempool-perf against updk,
# dpdk-mempool-perf against rte_mempool (built when libdpdk is installed).
# With --autotest, dpdk-test's own mempool_perf_autotest runs too and its
# rate_persec figures are converted to cycles per object with the TSC rate;
# it needs about 50 minutes on DPDK 22.11 (5 s per case, and the cache=512
# cases come after 550 others), so it is off by default. --autotest-log
# reads a saved autotest output instead.
#
# Ring: the single-lcore cases of dpdk-test's ring_perf_autotest (single,
# burst and bulk of 8 and 32, SP/SC and MP/MC, empty dequeue) against
# updk-ring-perf, in cycles per element.
#
# Every figure is the best of --runs runs: on a shared or virtual machine
# the noise only ever adds cycles.
set -euo pipefail

usage() {
	cat <<EOF
usage: $0 [options]
  -b, --build DIR       meson build directory (default: \$UPDK_BUILD or ./build)
  -c, --cpu N           CPU to run on (default: the last one)
  -r, --runs N          best of N runs (default 3)
  -s, --seconds S       seconds per mempool case and run (default 1)
      --huge | --no-huge  memory for both sides (default: hugepages when
                        some are free, else --no-huge)
      --autotest        also run dpdk-test mempool_perf_autotest (~50 min)
      --autotest-log F  parse a saved mempool_perf_autotest output instead
      --ring-per-element  dpdk-test prints ring burst/bulk figures per element
                        (newer DPDK); default: per burst, as DPDK 22.11 does
  -h, --help
EOF
}

die() {
	echo "$0: $*" >&2
	exit 1
}

build=${UPDK_BUILD:-build}
cpu=$(($(nproc) - 1))
runs=3
seconds=1
mem=auto
autotest=0
autotest_log=
ring_per_burst=1

while [ $# -gt 0 ]; do
	case "$1" in
	-b | --build) build=$2; shift ;;
	-c | --cpu) cpu=$2; shift ;;
	-r | --runs) runs=$2; shift ;;
	-s | --seconds) seconds=$2; shift ;;
	--huge) mem=huge ;;
	--no-huge) mem=nohuge ;;
	--autotest) autotest=1 ;;
	--autotest-log) autotest_log=$2; shift ;;
	--ring-per-element) ring_per_burst=0 ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; die "unknown option '$1'" ;;
	esac
	shift
done

[[ $runs =~ ^[1-9][0-9]*$ ]] || die "--runs '$runs': give a positive number"
[[ $cpu =~ ^[0-9]+$ ]] || die "--cpu '$cpu': give a CPU number"
[ -n "$autotest_log" ] && [ ! -r "$autotest_log" ] && die "--autotest-log: cannot read '$autotest_log'"

updk_mempool=$build/bench/mempool_perf/updk-mempool-perf
dpdk_mempool=$build/bench/mempool_perf/dpdk-mempool-perf
updk_ring=$build/bench/ring_perf/updk-ring-perf
for b in "$updk_mempool" "$updk_ring"; do
	[ -x "$b" ] || die "$b not found: build first (meson setup $build && ninja -C $build) or give -b DIR"
done
have_dpdk_mempool=0
[ -x "$dpdk_mempool" ] && have_dpdk_mempool=1
have_dpdk_test=0
command -v dpdk-test >/dev/null && have_dpdk_test=1
if [ $have_dpdk_mempool = 0 ] && [ $have_dpdk_test = 0 ]; then
	die "neither $dpdk_mempool (needs libdpdk-dev at meson setup) nor dpdk-test is available: nothing to compare with"
fi

if [ $mem = auto ]; then
	free_pages=$(cat /sys/kernel/mm/hugepages/hugepages-*/free_hugepages 2>/dev/null | awk '{s += $1} END {print s + 0}')
	# 600 MB or so for DPDK's -m 512 plus updk's pools.
	if [ "$free_pages" -ge 400 ] && [ "$(id -u)" = 0 ]; then mem=huge; else mem=nohuge; fi
fi
if [ $mem = huge ]; then
	updk_mem=()
	dpdk_mem=(-m 512)
else
	updk_mem=(--no-huge)
	dpdk_mem=(--no-huge -m 512)
fi
prefix=updk-bench-$$
updk_eal=("${updk_mem[@]}" -l "$cpu" --file-prefix "$prefix")
dpdk_eal=("${dpdk_mem[@]}" -l "$cpu" --file-prefix "$prefix-dpdk" --no-pci --log-level=lib.eal:error)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "CPU $cpu, $([ $mem = huge ] && echo hugepages || echo --no-huge), best of $runs runs"

# --- mempool -----------------------------------------------------------
for ((i = 1; i <= runs; i++)); do
	"$updk_mempool" "${updk_eal[@]}" -- --seconds "$seconds" >>"$tmp/mempool" ||
		die "updk-mempool-perf failed"
	if [ $have_dpdk_mempool = 1 ]; then
		"$dpdk_mempool" "${dpdk_eal[@]}" -- --seconds "$seconds" 2>/dev/null |
			grep '^mempool_perf ' >>"$tmp/mempool" || die "dpdk-mempool-perf failed"
	fi
done
tsc_hz=$(sed -n 's/.*impl=updk .*tsc_hz=\([0-9]*\).*/\1/p' "$tmp/mempool" | head -1)

if [ $autotest = 1 ] && [ -z "$autotest_log" ]; then
	[ $have_dpdk_test = 1 ] || die "--autotest: dpdk-test not found"
	echo "running dpdk-test mempool_perf_autotest (about 50 minutes on DPDK 22.11)..."
	autotest_log=$tmp/autotest.log
	# Stop it once the last case needed (cache=512, bulk 32) has printed;
	# stdbuf makes it print each line as it ends rather than in 4 kB blocks.
	echo mempool_perf_autotest |
		timeout 7200 stdbuf -oL dpdk-test "${dpdk_eal[@]}" 2>&1 |
		awk '{print; fflush()} /cache=512 cores=1 n_get_bulk=32 n_put_bulk=32 n_keep=32 constant_n=0/ {exit}' \
			>"$autotest_log" || true
fi
if [ -n "$autotest_log" ]; then
	# First "cores=1" line of each case: the plain pools, not the later
	# user-owned-cache section. rate_persec counts get+put pairs.
	awk -v hz="$tsc_hz" '
		/^mempool_autotest .*cores=1 .*n_keep=32 constant_n=0 rate_persec=/ {
			split("", f)
			for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
			if (f["n_get_bulk"] != f["n_put_bulk"] || f["n_get_bulk"] !~ /^(1|4|32)$/) next
			key = f["cache"] " " f["n_get_bulk"]
			if (key in seen || f["rate_persec"] == 0) next
			seen[key] = 1
			printf "mempool_perf impl=autotest cache=%s bulk=%s keep=32 cycles_per_obj=%.2f\n",
				f["cache"], f["n_get_bulk"], hz / f["rate_persec"]
		}' "$autotest_log" >>"$tmp/mempool"
fi

# --- ring --------------------------------------------------------------
for ((i = 1; i <= runs; i++)); do
	"$updk_ring" "${updk_eal[@]}" >>"$tmp/ring" || die "updk-ring-perf failed"
	if [ $have_dpdk_test = 1 ]; then
		# Only the legacy-API single-lcore sections; stop at the next one.
		echo ring_perf_autotest |
			timeout 300 stdbuf -oL dpdk-test "${dpdk_eal[@]}" 2>&1 |
			awk -v per_burst="$ring_per_burst" '
				/^### Testing single element/ { op = "single" }
				/^### Testing burst enq/ { op = "burst" }
				/^### Testing bulk enq/ { op = "bulk" }
				/^### Testing empty bulk deq/ { op = "empty_bulk_deq" }
				/^### Testing using/ { exit }
				/^legacy APIs: / && op != "" {
					sync = $3; sub(":", "", sync)
					size = 1
					if (match($0, /size: [0-9]+/)) size = substr($0, RSTART + 6, RLENGTH - 6)
					value = $NF
					if ((op == "burst" || op == "bulk") && per_burst) value = value / size
					if (op == "empty_bulk_deq") size = 8
					printf "ring_perf impl=dpdk op=%s sync=%s size=%s cycles=%.2f\n", op, sync, size, value
				}' >>"$tmp/ring" || true
	fi
done

# --- report ------------------------------------------------------------
report() {
	# $1: file, $2: key fields, $3: value field, $4..: implementations
	local file=$1 keys=$2 field=$3
	shift 3
	awk -v keys="$keys" -v field="$field" -v impls="$*" '
		{
			split("", f)
			for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
			nk = split(keys, k, " ")
			key = ""
			for (i = 1; i <= nk; i++) key = key (i > 1 ? " " : "") k[i] "=" f[k[i]]
			if (!(key in order)) { order[key] = ++nkeys; names[nkeys] = key }
			v = f[field] + 0
			id = key SUBSEP f["impl"]
			if (!(id in best) || v < best[id]) best[id] = v
		}
		END {
			ni = split(impls, im, " ")
			printf "%-36s", "case"
			for (j = 1; j <= ni; j++) printf "%12s", im[j]
			for (j = 2; j <= ni; j++) printf "%14s", "updk/" im[j]
			printf "\n"
			for (n = 1; n <= nkeys; n++) {
				key = names[n]
				printf "%-36s", key
				for (j = 1; j <= ni; j++) {
					id = key SUBSEP im[j]
					if (id in best) printf "%12.2f", best[id]; else printf "%12s", "-"
				}
				for (j = 2; j <= ni; j++) {
					a = key SUBSEP im[1]; b = key SUBSEP im[j]
					if ((a in best) && (b in best) && best[b] > 0)
						printf "%14.2f", best[a] / best[b]
					else
						printf "%14s", "-"
				}
				printf "\n"
			}
		}' "$file"
}

echo
echo "Mempool: cycles per object (one get + one put), n_keep 32, lower is better"
impls="updk"
[ $have_dpdk_mempool = 1 ] && impls="$impls dpdk"
[ -n "$autotest_log" ] && impls="$impls autotest"
report "$tmp/mempool" "cache bulk" cycles_per_obj $impls
[ $have_dpdk_mempool = 1 ] && echo "  dpdk: dpdk-mempool-perf (rte_mempool, same loop and compiler)"
[ -n "$autotest_log" ] && echo "  autotest: dpdk-test mempool_perf_autotest, TSC $tsc_hz Hz / rate_persec"

echo
echo "Ring: cycles per element (enqueue + dequeue; single: per pair; empty: per call)"
impls="updk"
[ $have_dpdk_test = 1 ] && impls="$impls dpdk"
report "$tmp/ring" "op sync size" cycles $impls
[ $have_dpdk_test = 1 ] && echo "  dpdk: dpdk-test ring_perf_autotest (legacy APIs)"
exit 0
