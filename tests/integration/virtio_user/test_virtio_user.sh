#!/usr/bin/env bash
# End-to-end checks of the virtio-net PMD over vfio-user (see meson.build).
# Usage: test_virtio_user.sh TESTPMD_LITE VFIO_USER_NIC
set -u
tp=$1 nic=$2
dir=$(mktemp -d /tmp/updk-vu-test.XXXXXX)
s0=$dir/nic0.sock s1=$dir/nic1.sock
srv_pid=
fails=0

cleanup() {
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

# run_testpmd LOG SECONDS EXTRA...: io forwarding (unless EXTRA says otherwise)
# between the two NICs.
run_testpmd() {
	local log=$1 secs=$2; shift 2
	timeout -s KILL 20 "$tp" -l 0-1 --no-huge --file-prefix "vutest$$" \
		-a "vfio-user:$s0" -a "vfio-user:$s1" -- \
		--forward-mode=io --stats-period=1 --run-time="$secs" "$@" >"$log" 2>&1
}

# field LOG NIC WORD: the number after WORD on nicN's sink/stat lines.
sink_field() { sed -n "s/^nic$2 sink:.* $3 \([0-9]*\).*/\1/p" "$1"; }
gen_count() { sed -n "s/^nic$2 gen: \([0-9]*\) frames.*/\1/p" "$1"; }
# Accumulated TX-packets and TX-dropped of testpmd-lite.
acc_field() { grep -A2 'Accumulated forward' "$1" | sed -n "s/.*$2: *\([0-9]*\).*/\1/p" | head -1; }

# 1. A bounded generator: every frame comes back intact, in order.
count=200000
start_server "$dir/srv1.log" --gen --sink --gen-count $count --rate 1000000 || exit 1
run_testpmd "$dir/tp1.log" 2; rc=$?
stop_server || fail "vfio-user-nic exited with an error"
if [ $rc -ne 0 ]; then
	fail "testpmd-lite exited $rc (1 = accounting or mbufs not all back)"; cat "$dir/tp1.log"
fi
grep -q "Accounting per direction" "$dir/tp1.log" && ! grep -q "MISMATCH" "$dir/tp1.log" \
	|| fail "testpmd-lite accounting not ok"
# Frames testpmd-lite could not send at once (a TX ring still full while
# the other port starts) are its TX-dropped: each frame is one or the other.
dropped=$(acc_field "$dir/tp1.log" TX-dropped)
sum_ok=0
for n in 0 1; do
	ok=$(sink_field "$dir/srv1.log" $n ok); bad=$(sink_field "$dir/srv1.log" $n bad)
	reord=$(sink_field "$dir/srv1.log" $n reordered); gen=$(gen_count "$dir/srv1.log" $n)
	if [ "$gen" = "$count" ] && [ "$bad" = 0 ] && [ "$reord" = 0 ]; then
		pass "nic$n: $count generated, $ok received intact and in order"
	else
		fail "nic$n: gen $gen ok $ok bad $bad reordered $reord (want $count generated, 0 bad/reordered)"
		cat "$dir/srv1.log"
	fi
	sum_ok=$((sum_ok + ${ok:-0}))
done
if [ -n "$dropped" ] && [ $((sum_ok + dropped)) -eq $((2 * count)) ]; then
	pass "every frame accounted for: $sum_ok received + $dropped dropped by testpmd = $((2 * count))"
else
	fail "accounting: received $sum_ok + testpmd dropped $dropped != $((2 * count))"
fi

# 2. Overload: whatever testpmd received went out or was counted dropped,
#    and the sink saw exactly what testpmd sent.
start_server "$dir/srv2.log" --gen --sink --rate 1000000000 || exit 1
run_testpmd "$dir/tp2.log" 2; rc=$?
stop_server || fail "vfio-user-nic exited with an error"
[ $rc -eq 0 ] || fail "overload: testpmd-lite exited $rc"
txp=$(acc_field "$dir/tp2.log" TX-packets)
ok_sum=$(( $(sink_field "$dir/srv2.log" 0 ok) + $(sink_field "$dir/srv2.log" 1 ok) ))
bad_sum=$(( $(sink_field "$dir/srv2.log" 0 bad) + $(sink_field "$dir/srv2.log" 1 bad) ))
if [ -n "$txp" ] && [ "$txp" = "$ok_sum" ] && [ "$bad_sum" = 0 ] && [ "$txp" -gt 0 ]; then
	pass "overload: testpmd sent $txp, the sinks got $ok_sum intact"
else
	fail "overload: testpmd TX $txp, sinks ok $ok_sum bad $bad_sum"; cat "$dir/tp2.log" "$dir/srv2.log"
fi

# 3. The server killed mid-run: testpmd-lite ends on its own within the
#    timeout (the driver notices at stop, through failed register reads).
start_server "$dir/srv3.log" --gen --sink || exit 1
run_testpmd "$dir/tp3.log" 6 &
tp_pid=$!
sleep 1.5
kill -KILL "$srv_pid"; wait "$srv_pid" 2>/dev/null; srv_pid=
start=$(date +%s)
wait $tp_pid; rc=$?
took=$(( $(date +%s) - start ))
if [ $rc -eq 137 ]; then
	fail "server killed: testpmd-lite hung and was killed by the timeout"; cat "$dir/tp3.log"
elif [ $rc -gt 128 ]; then
	fail "server killed: testpmd-lite crashed (status $rc)"; cat "$dir/tp3.log"
else
	pass "server killed: testpmd-lite exited $rc after ${took}s"
fi

# 4. A new server, a new run: works again.
start_server "$dir/srv4.log" --gen --sink --gen-count 50000 --rate 1000000 || exit 1
run_testpmd "$dir/tp4.log" 1; rc=$?
stop_server || fail "restarted vfio-user-nic exited with an error"
if [ $rc -eq 0 ] && [ $(( $(sink_field "$dir/srv4.log" 0 ok) + $(sink_field "$dir/srv4.log" 1 ok) +
			  $(acc_field "$dir/tp4.log" TX-dropped) )) -eq 100000 ]; then
	pass "restart: a new server and run accounts for all 50000 frames per NIC"
else
	fail "restart: testpmd rc $rc"; cat "$dir/tp4.log" "$dir/srv4.log"
fi

# 5. Checksum offloads (csum mode): the PMD negotiates VIRTIO_NET_F_CSUM and
#    GUEST_CSUM, asks the device to complete every UDP checksum, and gets
#    DATA_VALID (L4 checksum good) on every received frame; the sinks find
#    every checksum right. Then the same with a device that offers neither:
#    testpmd-lite computes them itself and knows nothing on receive.
# l4_field LOG RX|TX WORD: a number of testpmd-lite's accumulated L4 line.
l4_field() { grep -A6 'Accumulated forward' "$1" | sed -n "s/.*$2-L4-cksum:.* $3 \([0-9]*\).*/\1/p" | head -1; }
sink_l4() { sed -n "s/^nic$2 sink-l4-cksum: good \([0-9]*\) bad \([0-9]*\)/\1 \2/p" "$1"; }
for variant in offload software; do
	extra=; [ $variant = software ] && extra=--no-csum
	start_server "$dir/srv5.log" --gen --sink --gen-count 20000 --rate 1000000 $extra || exit 1
	run_testpmd "$dir/tp5.log" 1 --forward-mode=csum; rc=$?
	stop_server || fail "csum $variant: vfio-user-nic exited with an error"
	sent=$(acc_field "$dir/tp5.log" TX-packets)
	read -r g0 b0 <<<"$(sink_l4 "$dir/srv5.log" 0)"; read -r g1 b1 <<<"$(sink_l4 "$dir/srv5.log" 1)"
	ok_sum=$(( $(sink_field "$dir/srv5.log" 0 ok) + $(sink_field "$dir/srv5.log" 1 ok) ))
	if [ $variant = offload ]; then
		want_rx="good 40000 bad 0 none 0 unknown 0"; hw=40000 sw=0
	else
		want_rx="good 0 bad 0 none 0 unknown 40000"; hw=0 sw=40000
	fi
	got_rx=$(grep -A6 'Accumulated forward' "$dir/tp5.log" | sed -n 's/.*RX-L4-cksum: //p' | head -1)
	if [ $rc -eq 0 ] && [ -n "$sent" ] && [ "$sent" -gt 0 ] && [ "$ok_sum" = "$sent" ] &&
	   [ $((g0 + g1)) = "$sent" ] && [ $((b0 + b1)) = 0 ] && [ "$got_rx" = "$want_rx" ] &&
	   [ "$(l4_field "$dir/tp5.log" TX offloaded)" = "$hw" ] &&
	   [ "$(l4_field "$dir/tp5.log" TX software)" = "$sw" ]; then
		pass "csum $variant: $sent frames sent, every UDP checksum right at the sinks; rx flags: $got_rx"
	else
		fail "csum $variant: rc $rc sent $sent sink ok $ok_sum l4 good $((g0 + g1)) bad $((b0 + b1)) rx '$got_rx' (want '$want_rx')"
		cat "$dir/tp5.log" "$dir/srv5.log"
	fi
	if [ $variant = offload ] && ! grep -q "^nic0 csum: tx-completed [1-9]" "$dir/srv5.log"; then
		fail "csum offload: the device completed no checksum"; cat "$dir/srv5.log"
	fi
done

[ $fails -eq 0 ] && echo "all virtio_user checks passed"
exit $(( fails > 0 ))
