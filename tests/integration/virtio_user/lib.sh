#!/usr/bin/env bash
# Helpers shared by the virtio-over-vfio-user end-to-end scripts (sourced).
# The caller sets tp (testpmd-lite) and nic (vfio-user-nic) first.
dir=$(mktemp -d /tmp/updk-vu-test.XXXXXX)
s0=$dir/nic0.sock s1=$dir/nic1.sock
srv_pid=
tp_pid=
fails=0

cleanup() {
	[ -n "$tp_pid" ] && kill -KILL "$tp_pid" 2>/dev/null
	[ -n "$srv_pid" ] && kill -KILL "$srv_pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pass() { echo "ok: $*"; }

# start_server LOG ARGS...: serve both sockets, wait until they exist.
start_server() {
	local log=$1; shift
	rm -f "$s0" "$s1"
	"$nic" --socket "$s0" --socket "$s1" "$@" >"$log" 2>&1 &
	srv_pid=$!
	for _ in $(seq 100); do
		[ -S "$s0" ] && [ -S "$s1" ] && return 0
		sleep 0.05
	done
	fail "vfio-user-nic did not create its sockets: $(cat "$log")"
	return 1
}

stop_server() {
	kill -INT "$srv_pid" 2>/dev/null
	wait "$srv_pid"
	local rc=$?
	srv_pid=
	return $rc
}

# run_testpmd LOG SECONDS EXTRA...: io forwarding between the two NICs.
run_testpmd() {
	local log=$1 secs=$2; shift 2
	timeout -s KILL 20 "$tp" -l 0-1 --no-huge --file-prefix "vutest$$" \
		-a "vfio-user:$s0" -a "vfio-user:$s1" -- \
		--forward-mode=io --run-time="$secs" "$@" >"$log" 2>&1
}

# wait_for LOG REGEX SECONDS: until a line of LOG matches (1) or time is up (0).
wait_for() {
	local log=$1 re=$2 n=$(( $3 * 20 ))
	for _ in $(seq "$n"); do
		grep -qE "$re" "$log" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# Monotonic time in milliseconds.
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# sink_field LOG NIC WORD: the number after WORD on nicN's sink line.
sink_field() { sed -n "s/^nic$2 sink:.* $3 \([0-9]*\).*/\1/p" "$1"; }
gen_count() { sed -n "s/^nic$2 gen: \([0-9]*\) frames.*/\1/p" "$1"; }
# rxq_count LOG NIC Q: frames the NIC put into its RX queue Q.
rxq_count() { sed -n "s/^nic$2 rx queues:.* $3:\([0-9]*\).*/\1/p" "$1"; }
# Accumulated TX-packets and TX-dropped of testpmd-lite.
acc_field() { grep -A2 'Accumulated forward' "$1" | sed -n "s/.*$2: *\([0-9]*\).*/\1/p" | head -1; }
# stream_field LOG RXPORT RXQUEUE WORD: a per-stream forward counter.
stream_field() {
	grep -A1 "RX Port= *$2/Queue= *$3 " "$1" | sed -n "s/.*$4: *\([0-9]*\).*/\1/p" | head -1
}

finish() {
	[ $fails -eq 0 ] && echo "all $1 checks passed"
	exit $(( fails > 0 ))
}
