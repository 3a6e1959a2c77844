#!/usr/bin/env bash
# Multiqueue end to end (see meson.build): vfio-user-nic with two queue pairs
# per NIC and a generator cycling through 8 UDP flows; testpmd-lite with two
# rx and two tx queues per port, one forwarding lcore polling all four
# streams. The driver must set the pairs through the control queue
# (VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET), the NIC's flow hash must use both RX
# queues with each flow on one, and every frame must come back intact and in
# order per flow, or be counted dropped.
# Usage: test_virtio_user_mq.sh TESTPMD_LITE VFIO_USER_NIC
set -u
tp=$1 nic=$2
. "$(dirname "$0")/lib.sh"

flows=8

# check_spread SRVLOG TPLOG WHAT: control queue used, both queues carried
# frames at the NIC and in testpmd-lite's per-stream statistics.
check_spread() {
	local srv=$1 tpl=$2 what=$3 n q c
	for n in 0 1; do
		grep -q "nic$n: the driver set 2 queue pairs (VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET)" "$srv" ||
			fail "$what: nic$n was not told to use 2 queue pairs over the control queue"
		for q in 0 1; do
			c=$(rxq_count "$srv" $n $q)
			[ "${c:-0}" -gt 0 ] || fail "$what: nic$n RX queue $q carried no frame"
			c=$(stream_field "$tpl" $n $q RX-packets)
			[ "${c:-0}" -gt 0 ] || fail "$what: testpmd-lite stream port $n queue $q received nothing"
		done
	done
}

# 1. Not overloaded (1 Mpps per NIC; a partial tx burst is retried for up to
#    100 ms, which absorbs the emulated NIC being scheduled out on a busy
#    machine): every frame of every flow arrives intact and in order.
count=50000
start_server "$dir/srv1.log" --queues 2 --gen --sink --gen-flows $flows \
	--gen-count $count --rate 1000000 || exit 1
run_testpmd "$dir/tp1.log" 3 --rxq=2 --txq=2 --tx-retry=100000; rc=$?
stop_server || fail "vfio-user-nic exited with an error"
before=$fails
[ $rc -eq 0 ] || fail "testpmd-lite exited $rc"
grep -q MISMATCH "$dir/tp1.log" && fail "testpmd-lite accounting mismatch"
check_spread "$dir/srv1.log" "$dir/tp1.log" "2 queues"
dropped=$(acc_field "$dir/tp1.log" TX-dropped)
for n in 0 1; do
	gen=$(gen_count "$dir/srv1.log" $n) ok=$(sink_field "$dir/srv1.log" $n ok)
	bad=$(sink_field "$dir/srv1.log" $n bad) reord=$(sink_field "$dir/srv1.log" $n reordered)
	lost=$(sink_field "$dir/srv1.log" $n lost)
	q0=$(rxq_count "$dir/srv1.log" $n 0) q1=$(rxq_count "$dir/srv1.log" $n 1)
	if [ "$gen" = $count ] && [ "$bad" = 0 ] && [ "$reord" = 0 ] && [ "$ok" = $count ] &&
	   [ "$lost" = 0 ] && [ $((q0 + q1)) -eq $count ]; then
		pass "nic$n: $count frames of $flows flows over RX queues $q0 + $q1, all received intact and in order per flow"
	else
		fail "nic$n: gen $gen ok $ok bad $bad lost $lost reordered $reord, queues $q0 + $q1"
	fi
done
[ "$dropped" = 0 ] || fail "testpmd-lite dropped $dropped frames although not overloaded"
[ $fails -eq $before ] || cat "$dir/tp1.log" "$dir/srv1.log"

# 2. Overload (generator at full speed, no retry): whatever testpmd-lite
#    received went out or was counted dropped, the sinks got exactly what it
#    sent, intact and still in order per flow (drops leave gaps, not swaps).
start_server "$dir/srv2.log" --queues 2 --gen --sink --gen-flows $flows || exit 1
run_testpmd "$dir/tp2.log" 2 --rxq=2 --txq=2; rc=$?
stop_server || fail "overload: vfio-user-nic exited with an error"
before=$fails
[ $rc -eq 0 ] || fail "overload: testpmd-lite exited $rc"
grep -q MISMATCH "$dir/tp2.log" && fail "overload: testpmd-lite accounting mismatch"
check_spread "$dir/srv2.log" "$dir/tp2.log" "overload"
txp=$(acc_field "$dir/tp2.log" TX-packets)
ok_sum=$(( $(sink_field "$dir/srv2.log" 0 ok) + $(sink_field "$dir/srv2.log" 1 ok) ))
bad_sum=$(( $(sink_field "$dir/srv2.log" 0 bad) + $(sink_field "$dir/srv2.log" 1 bad) ))
reord_sum=$(( $(sink_field "$dir/srv2.log" 0 reordered) + $(sink_field "$dir/srv2.log" 1 reordered) ))
if [ -n "$txp" ] && [ "$txp" -gt 0 ] && [ "$txp" = "$ok_sum" ] && [ $bad_sum -eq 0 ] &&
   [ $reord_sum -eq 0 ]; then
	pass "overload: testpmd-lite sent $txp over 2 queues, the sinks got $ok_sum intact and in order per flow"
else
	fail "overload: testpmd TX $txp, sinks ok $ok_sum bad $bad_sum reordered $reord_sum"
fi
[ $fails -eq $before ] || cat "$dir/tp2.log" "$dir/srv2.log"

# 3. Overload from a bounded generator at full speed: once it is done and
#    everything drained, every generated frame was received by a sink or
#    counted dropped by testpmd-lite (the NIC never drops: its generator
#    waits for RX buffers).
count=150000
start_server "$dir/srv3.log" --queues 2 --gen --sink --gen-flows $flows --gen-count $count || exit 1
run_testpmd "$dir/tp3.log" 3 --rxq=2 --txq=2; rc=$?
stop_server || fail "bounded overload: vfio-user-nic exited with an error"
before=$fails
[ $rc -eq 0 ] || fail "bounded overload: testpmd-lite exited $rc"
grep -q MISMATCH "$dir/tp3.log" && fail "bounded overload: testpmd-lite accounting mismatch"
dropped=$(acc_field "$dir/tp3.log" TX-dropped)
gen_sum=$(( $(gen_count "$dir/srv3.log" 0) + $(gen_count "$dir/srv3.log" 1) ))
ok_sum=$(( $(sink_field "$dir/srv3.log" 0 ok) + $(sink_field "$dir/srv3.log" 1 ok) ))
bad_sum=$(( $(sink_field "$dir/srv3.log" 0 bad) + $(sink_field "$dir/srv3.log" 1 bad) ))
reord_sum=$(( $(sink_field "$dir/srv3.log" 0 reordered) + $(sink_field "$dir/srv3.log" 1 reordered) ))
nic_drops=$(sed -n 's/^nic[01] (.*dropped \([0-9]*\) |.*/\1/p' "$dir/srv3.log" |
	awk '{ s += $1 } END { print s + 0 }')
if [ $gen_sum -eq $((2 * count)) ] && [ -n "$dropped" ] && [ $((ok_sum + dropped)) -eq $gen_sum ] &&
   [ $bad_sum -eq 0 ] && [ $reord_sum -eq 0 ] && [ "$nic_drops" = 0 ]; then
	pass "bounded overload: $gen_sum generated = $ok_sum received intact and in order per flow + $dropped dropped by testpmd-lite"
else
	fail "bounded overload: generated $gen_sum, sinks ok $ok_sum + testpmd dropped $dropped, bad $bad_sum, reordered $reord_sum, NIC drops $nic_drops"
fi
[ $fails -eq $before ] || cat "$dir/tp3.log" "$dir/srv3.log"

finish "virtio_user multiqueue"
