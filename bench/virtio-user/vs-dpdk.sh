#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# virtio-net over vfio-user (updk) against virtio-user over vhost-user (DPDK),
# side by side on the same two cores, alternating round by round. The device
# side (vhost-user backend / vfio-user-nic) runs on core 0, the driver side
# (virtio_user / virtio PMD under a testpmd) forwards on core 1. Modes:
#   rxonly  DPDK: net_vhost0 txonly -> net_virtio_user0 rxonly
#           updk: vfio-user-nic --gen -> testpmd-lite rxonly
#           figure: the driver side's Rx-pps
#   io      DPDK: net_vhost0+1 flowgen (generates into both, frees what comes
#                 back) <-> net_virtio_user0+1 io
#           updk: vfio-user-nic, two NICs, --gen --sink <-> testpmd-lite io
#           figure: the driver side's Rx-pps per port (= its Tx-pps: io)
#   txonly  DPDK: net_virtio_user0 txonly -> net_vhost0 rxonly
#           updk: testpmd-lite txonly -> vfio-user-nic (counts and drops)
#           figure: the driver side's Tx-pps
# Each figure is the median of the per-second samples (all ports) after a
# warm-up second; the last lines give each program's median over the rounds
# and the ratio of those medians. 64-byte frames everywhere.
# Usage: vs-dpdk.sh [BUILD_DIR] (env: ROUNDS=3 SECS=5 MODES="rxonly io txonly")
set -uo pipefail
build=${1:-${UPDK_BUILD:-build}}
rounds=${ROUNDS:-3} secs=${SECS:-5} modes=${MODES:-rxonly io txonly}
nic=$build/app/vfio-user-nic/vfio-user-nic
tp=$build/app/testpmd-lite/testpmd-lite
command -v dpdk-testpmd >/dev/null || { echo "dpdk-testpmd not installed (apt-get install dpdk)" >&2; exit 1; }
[ -x "$nic" ] && [ -x "$tp" ] || { echo "build $build first (vfio-user-nic, testpmd-lite)" >&2; exit 1; }
grep -q hugetlbfs /proc/mounts && [ "$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages)" -ge 600 ] ||
	{ echo "DPDK's vhost/virtio-user pair needs hugepages: echo 1024 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages; mount -t hugetlbfs nodev /mnt/huge" >&2; exit 1; }

work=${KEEP_DIR:-$(mktemp -d /tmp/updk-vs-dpdk.XXXXXX)}
pids=()
# DPDK leaves its --single-file-segments map files behind in hugetlbfs (about
# 400 MiB of hugepages per program): removed with the processes.
cleanup() {
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	awk '$3 == "hugetlbfs" { print $2 }' /proc/mounts | while read -r m; do
		rm -f "$m"/vhost-benchmap_* "$m"/virtio-benchmap_*
	done
	[ -n "${KEEP_DIR:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
trap "exit 130" INT TERM

# median Mpps of the DIR-pps (Rx or Tx) samples of LOG over every port, the
# first sample of each port (a partial second) left out
pps_mpps() {
	grep -o "$2-pps: *[0-9]*" "$1" | awk '{print $2}' | tail -n +"$(( $3 + 1 ))" | sort -n |
		awk '{v[NR]=$1} END {if (NR == 0) print "0.00"; else printf "%.2f", v[int((NR + 1) / 2)] / 1e6}'
}

# figure MODE LOG PORTS: what a mode measures (see the header)
figure() {
	case $1 in
	txonly) pps_mpps "$2" Tx "$3" ;;
	*) pps_mpps "$2" Rx "$3" ;;
	esac
}

run_dpdk() { # MODE: the virtio_user side's forwarding mode
	local log=$work/dpdk.log vhost_vdevs=() virtio_vdevs=() vhost_mode ports=1 i
	case $1 in
	rxonly) vhost_mode=txonly ;;
	io) vhost_mode=flowgen; ports=2 ;;
	txonly) vhost_mode=rxonly ;;
	esac
	for i in $(seq 0 $((ports - 1))); do
		rm -f "$work/vhost$i.sock"
		vhost_vdevs+=("--vdev=net_vhost$i,iface=$work/vhost$i.sock,queues=1")
		virtio_vdevs+=("--vdev=net_virtio_user$i,path=$work/vhost$i.sock")
	done
	dpdk-testpmd -l 1,0 --main-lcore 1 --no-pci --single-file-segments -m 400 --file-prefix vhost-bench \
		"${vhost_vdevs[@]}" -- \
		--forward-mode=$vhost_mode --flowgen-flows=1 --total-num-mbufs=16384 --stats-period 1 >"$work/vhost.log" 2>&1 &
	pids+=($!); local vp=$!
	sleep 2
	timeout -s INT "$secs" dpdk-testpmd -l 0,1 --main-lcore 0 --no-pci --single-file-segments -m 400 --file-prefix virtio-bench \
		"${virtio_vdevs[@]}" -- \
		--forward-mode="$1" --total-num-mbufs=16384 --stats-period 1 >"$log" 2>&1 || true
	kill -INT "$vp" 2>/dev/null; wait "$vp" 2>/dev/null || true
	figure "$1" "$log" $ports
}

run_updk() { # MODE
	local log=$work/updk.log nic_args=() allow=() ports=1 i
	case $1 in
	rxonly) nic_args=(--gen) ;;
	io) nic_args=(--gen --sink); ports=2 ;;
	txonly) nic_args=() ;;
	esac
	for i in $(seq 0 $((ports - 1))); do
		rm -f "$work/nic$i.sock"
		nic_args+=(--socket "$work/nic$i.sock")
		allow+=(-a "vfio-user:$work/nic$i.sock")
	done
	taskset -c 0 "$nic" "${nic_args[@]}" >"$work/nic.log" 2>&1 &
	pids+=($!); local sp=$!
	sleep 0.5
	"$tp" -l 0-1 --no-huge --file-prefix updk-bench "${allow[@]}" -- \
		--forward-mode="$1" --stats-period=1 --run-time="$secs" >"$log" 2>&1 || true
	kill -INT "$sp" 2>/dev/null; wait "$sp" 2>/dev/null || true
	if [ "$1" = io ] && grep -q "sink: .* bad [1-9]" "$work/nic.log"; then
		echo "updk io: the sink found corrupted frames:" >&2; cat "$work/nic.log" >&2
	fi
	figure "$1" "$log" $ports
}

printf '%-6s %-7s %12s %12s %8s\n' round mode "DPDK Mpps" "updk Mpps" "ratio"
for mode in $modes; do
	case $mode in rxonly|io|txonly) ;; *) echo "MODES: unknown mode '$mode' (rxonly, io, txonly)" >&2; exit 2 ;; esac
done
ratio() { awk -v u="$1" -v d="$2" 'BEGIN { if (d > 0) printf "%.2f", u / d; else print "n/a" }'; }
median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR]=$1} END {printf "%.2f", v[int((NR + 1) / 2)]}'; }
summary=()
for mode in $modes; do
	ds= us=
	for r in $(seq "$rounds"); do
		# The order swaps every round: neither program always runs second.
		if [ $((r % 2)) -eq 1 ]; then
			d=$(run_dpdk "$mode"); u=$(run_updk "$mode")
		else
			u=$(run_updk "$mode"); d=$(run_dpdk "$mode")
		fi
		ds="$ds $d" us="$us $u"
		printf '%-6s %-7s %12s %12s %8s\n' "$r" "$mode" "$d" "$u" "$(ratio "$u" "$d")"
	done
	dm=$(echo "$ds" | median) um=$(echo "$us" | median)
	summary+=("$(printf '%-6s %-7s %12s %12s %8s' median "$mode" "$dm" "$um" "$(ratio "$um" "$dm")")")
done
# The medians over the rounds and their ratio: the figures to quote.
printf '%s\n' "${summary[@]}"
