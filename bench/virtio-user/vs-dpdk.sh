#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# virtio-net over vfio-user (updk) against virtio-user over vhost-user (DPDK),
# side by side on the same two cores, alternating.
#   DPDK: dpdk-testpmd --vdev=net_vhost0 txonly (core 0) feeding
#         dpdk-testpmd --vdev=net_virtio_user0 rxonly (core 1).
#   updk: vfio-user-nic --gen (core 0) feeding testpmd-lite rxonly (worker lcore 1) with the
#         virtio PMD (core 1).
# The figure is the receiver's Rx-pps, median of its per-second samples after
# a warm-up second. Usage: vs-dpdk.sh [BUILD_DIR] (env: ROUNDS=3 SECS=5)
set -uo pipefail
build=${1:-${UPDK_BUILD:-build}}
rounds=${ROUNDS:-3} secs=${SECS:-5}
nic=$build/app/vfio-user-nic/vfio-user-nic
tp=$build/app/testpmd-lite/testpmd-lite
command -v dpdk-testpmd >/dev/null || { echo "dpdk-testpmd not installed (apt-get install dpdk)" >&2; exit 1; }
[ -x "$nic" ] && [ -x "$tp" ] || { echo "build $build first (vfio-user-nic, testpmd-lite)" >&2; exit 1; }
grep -q hugetlbfs /proc/mounts && [ "$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages)" -ge 600 ] ||
	{ echo "DPDK's vhost/virtio-user pair needs hugepages: echo 1024 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages; mount -t hugetlbfs nodev /mnt/huge" >&2; exit 1; }

work=${KEEP_DIR:-$(mktemp -d /tmp/updk-vs-dpdk.XXXXXX)}
pids=()
cleanup() { for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done; [ -n "${KEEP_DIR:-}" ] || rm -rf "$work"; }
trap cleanup EXIT
trap "exit 130" INT TERM

# median Mpps of the Rx-pps samples of LOG, the first one left out
rx_mpps() {
	grep -o 'Rx-pps: *[0-9]*' "$1" | awk '{print $2}' | tail -n +2 | sort -n |
		awk '{v[NR]=$1} END {if (NR == 0) print "0.00"; else printf "%.2f", v[int((NR + 1) / 2)] / 1e6}'
}

run_dpdk() { # MODE (rxonly|io): the virtio_user side's forwarding mode
	local log=$work/dpdk.log
	rm -f "$work/vhost.sock"
	dpdk-testpmd -l 1,0 --main-lcore 1 --no-pci --single-file-segments -m 400 --file-prefix vhost-bench \
		--vdev="net_vhost0,iface=$work/vhost.sock,queues=1" -- \
		--forward-mode=txonly --total-num-mbufs=16384 --stats-period 1 >"$work/vhost.log" 2>&1 &
	pids+=($!); local vp=$!
	sleep 2
	timeout -s INT "$secs" dpdk-testpmd -l 0,1 --main-lcore 0 --no-pci --single-file-segments -m 400 --file-prefix virtio-bench \
		--vdev="net_virtio_user0,path=$work/vhost.sock" -- \
		--forward-mode="$1" --total-num-mbufs=16384 --stats-period 1 >"$log" 2>&1 || true
	kill -INT "$vp" 2>/dev/null; wait "$vp" 2>/dev/null || true
	rx_mpps "$log"
}

run_updk() { # MODE
	local log=$work/updk.log
	rm -f "$work/nic0.sock"
	taskset -c 0 "$nic" --socket "$work/nic0.sock" --gen >"$work/nic.log" 2>&1 &
	pids+=($!); local sp=$!
	sleep 0.5
	"$tp" -l 0-1 --no-huge --file-prefix updk-bench -a "vfio-user:$work/nic0.sock" -- \
		--forward-mode="$1" --stats-period=1 --run-time="$secs" >"$log" 2>&1 || true
	kill -INT "$sp" 2>/dev/null; wait "$sp" 2>/dev/null || true
	rx_mpps "$log"
}

printf '%-6s %-7s %12s %12s %8s\n' round mode "DPDK Mpps" "updk Mpps" "ratio"
for mode in rxonly; do
	for r in $(seq "$rounds"); do
		d=$(run_dpdk "$mode"); u=$(run_updk "$mode")
		printf '%-6s %-7s %12s %12s %8s\n' "$r" "$mode" "$d" "$u" \
			"$(awk -v u="$u" -v d="$d" 'BEGIN { if (d > 0) printf "%.2f", u / d; else print "n/a" }')"
	done
done
