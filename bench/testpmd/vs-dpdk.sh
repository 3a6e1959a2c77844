#!/usr/bin/env bash
# Side-by-side benchmark: DPDK's dpdk-testpmd against updk's testpmd-lite on
# two null ports, one forwarding core, 64-byte packets.
#
# Both programs get the same EAL and testpmd options and run alternately
# (ROUNDS times each per mode, the order swapped every round), because these
# shared machines drift by up to 2x over minutes: only numbers from the same
# run, interleaved, are comparable.
#
# Rate: both print NIC statistics every second (--stats-period=1) with
# "Rx-pps:"/"Tx-pps:" per port, computed from the port counters over the
# time since the previous print. The first print of each port (start-up) is
# dropped, the median of the others is the run's rate for that port, and the
# run's figure is the mean over the two ports. io/mac/macswap/txonly count
# Tx-pps (packets forwarded or sent), rxonly Rx-pps.
#
# Usage: bench/testpmd/vs-dpdk.sh [BUILD_DIR]      (default: build)
# Environment:
#   ROUNDS=3              runs of each program per mode
#   RUN_SECONDS=8         wall time of one run (start-up included)
#   MODES="io mac macswap rxonly txonly"
#   MEMORY=huge|nohuge    hugepages (default; -m 1024) or --no-huge for both
#   KEEP_LOGS=DIR         keep every program's output in DIR
set -euo pipefail

cd "$(dirname "$0")/../.."
build=${1:-build}
lite=$build/app/testpmd-lite/testpmd-lite
rounds=${ROUNDS:-3}
run_seconds=${RUN_SECONDS:-8}
modes=${MODES:-io mac macswap rxonly txonly}
memory=${MEMORY:-huge}

dpdk=$(command -v dpdk-testpmd || true)
if [ -z "$dpdk" ]; then
	echo "vs-dpdk: dpdk-testpmd not found: apt-get install dpdk" >&2
	exit 1
fi
if [ ! -x "$lite" ]; then
	echo "vs-dpdk: $lite not found: build first (scripts/build.sh $build)" >&2
	exit 1
fi
if [ "$(nproc)" -lt 2 ]; then
	echo "vs-dpdk: needs 2 CPUs (main lcore 0, forwarding lcore 1)" >&2
	exit 1
fi

case $memory in
huge)
	free_pages=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0)
	if [ "$free_pages" -lt 512 ]; then
		echo "vs-dpdk: $free_pages free 2 MiB hugepages, 512 needed (1 GiB):" >&2
		echo "  echo 1024 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages" >&2
		echo "  or run with MEMORY=nohuge" >&2
		exit 1
	fi
	mem_args=(-m 1024)
	;;
nohuge)
	mem_args=(--no-huge -m 1024)
	;;
*)
	echo "vs-dpdk: MEMORY=$memory: expected huge or nohuge" >&2
	exit 2
	;;
esac

logdir=${KEEP_LOGS:-$(mktemp -d /tmp/vs-dpdk.XXXXXX)}
mkdir -p "$logdir"
[ -n "${KEEP_LOGS:-}" ] || trap 'rm -rf "$logdir"' EXIT

eal_common=(-l 0-1 "${mem_args[@]}" --vdev=net_null0 --vdev=net_null1)
app_common=(--nb-cores=1 --burst=32 --txpkts=64 --rxd=1024 --txd=1024
	--mbcache=250 --total-num-mbufs=32768 --stats-period=1)

# run PROGRAM MODE LOG: one run, stopped with SIGINT after run_seconds.
run() {
	local prog=$1 mode=$2 log=$3
	local -a cmd
	if [ "$prog" = dpdk ]; then
		# --no-pci: DPDK would otherwise probe this machine's virtio NIC;
		# testpmd-lite only touches PCI devices named with -a.
		cmd=("$dpdk" "${eal_common[@]}" --no-pci --huge-unlink
			--file-prefix=vsdpdk-dpdk -- "${app_common[@]}" --forward-mode="$mode")
	else
		cmd=("$lite" "${eal_common[@]}" --file-prefix=vsdpdk-lite --
			"${app_common[@]}" --forward-mode="$mode")
	fi
	echo "+ ${cmd[*]}" >"$log"
	# stdin from /dev/null: DPDK's non-interactive mode waits on it too.
	timeout -s INT -k 5 "$run_seconds" "${cmd[@]}" </dev/null >>"$log" 2>&1 || true
}

# rate LOG MODE: Mpps per port of one run (see the header comment).
rate() {
	local log=$1 mode=$2 field=Tx-pps
	[ "$mode" = rxonly ] && field=Rx-pps
	awk -v field="$field:" '
		/NIC statistics for port/ {
			for (i = 1; i <= NF; i++) if ($i == "port") port = $(i + 1)
		}
		$1 == field {
			n[port]++
			if (n[port] > 1) v[port, n[port] - 1] = $2
		}
		function median(p, k,   i, j, t, a) {
			for (i = 1; i <= k; i++) a[i] = v[p, i]
			for (i = 2; i <= k; i++)
				for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
					t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
				}
			return (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
		}
		END {
			sum = 0; ports = 0
			for (p in n) {
				if (n[p] < 2) continue
				sum += median(p, n[p] - 1); ports++
			}
			if (ports == 0) { print "nan"; exit }
			printf "%.2f\n", sum / ports / 1e6
		}' "$log"
}

median() { # median of the arguments
	printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END {
		if (NR == 0) { print "nan"; exit }
		printf "%.2f\n", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

declare -A results
echo "vs-dpdk: $rounds rounds x {$modes}, ${run_seconds}s per run, memory=$memory"
echo "  machine: $(nproc) CPUs, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  DPDK:        $dpdk ${eal_common[*]} --no-pci --huge-unlink -- ${app_common[*]} --forward-mode=MODE"
echo "  testpmd-lite: $lite ${eal_common[*]} -- ${app_common[*]} --forward-mode=MODE"
for ((r = 1; r <= rounds; r++)); do
	for mode in $modes; do
		if ((r % 2)); then order="dpdk lite"; else order="lite dpdk"; fi
		for prog in $order; do
			log=$logdir/$mode-$prog-$r.log
			run "$prog" "$mode" "$log"
			mpps=$(rate "$log" "$mode")
			if [ "$mpps" = nan ]; then
				echo "vs-dpdk: no rate in $log; its end:" >&2
				tail -20 "$log" >&2
			fi
			results[$mode,$prog]="${results[$mode,$prog]:-} $mpps"
			printf '  round %d %-8s %-5s %8s Mpps/port\n' "$r" "$mode" "$prog" "$mpps"
		done
	done
done

echo
printf '| %-8s | %-15s | %-15s | %-17s |\n' mode "DPDK Mpps/port" "updk Mpps/port" "ratio (updk/DPDK)"
printf '|%s|%s|%s|%s|\n' ---------- ----------------- ----------------- -------------------
for mode in $modes; do
	# shellcheck disable=SC2086
	d=$(median ${results[$mode,dpdk]})
	# shellcheck disable=SC2086
	l=$(median ${results[$mode,lite]})
	ratio=$(awk -v d="$d" -v l="$l" 'BEGIN { if (d > 0) printf "%.2f", l / d; else print "nan" }')
	printf '| %-8s | %15s | %15s | %17s |\n' "$mode" "$d" "$l" "$ratio"
done
echo "(median of $rounds alternating runs each; per-run figures above)"
