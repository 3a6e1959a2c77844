#!/usr/bin/env bash
# End-to-end traffic through the virtio-net PMD over vfio-user (see meson.build):
# a bounded run where every frame comes back intact and in order, an overload
# run whose accounting must hold, and csum mode with and without the offloads.
# Usage: test_virtio_user.sh TESTPMD_LITE VFIO_USER_NIC
set -u
tp=$1 nic=$2
. "$(dirname "$0")/lib.sh"

# 1. A bounded generator, not overloaded: every frame comes back intact, in
#    order, none dropped. A partial tx burst is offered again (--tx-retry, up
#    to 100 ms): without it, io mode drops at once what a full TX ring
#    refuses, which happens when the emulated NIC is scheduled out, and at
#    the start, when a whole RX ring (filled while the ports started) is
#    forwarded faster than the NIC drains its TX ring. Case 2 checks the
#    accounting of such drops.
count=100000
start_server "$dir/srv1.log" --gen --sink --gen-count $count --rate 1000000 || exit 1
run_testpmd "$dir/tp1.log" 3 --tx-retry=100000; rc=$?
stop_server || fail "vfio-user-nic exited with an error"
if [ $rc -ne 0 ]; then
	fail "testpmd-lite exited $rc (1 = accounting or mbufs not all back)"; cat "$dir/tp1.log"
fi
grep -q "Accounting per direction" "$dir/tp1.log" && ! grep -q "MISMATCH" "$dir/tp1.log" \
	|| fail "testpmd-lite accounting not ok"
dropped=$(acc_field "$dir/tp1.log" TX-dropped)
for n in 0 1; do
	ok=$(sink_field "$dir/srv1.log" $n ok); bad=$(sink_field "$dir/srv1.log" $n bad)
	lost=$(sink_field "$dir/srv1.log" $n lost)
	reord=$(sink_field "$dir/srv1.log" $n reordered); gen=$(gen_count "$dir/srv1.log" $n)
	if [ "$gen" = "$count" ] && [ "$ok" = "$count" ] && [ "$bad" = 0 ] && [ "$lost" = 0 ] &&
	   [ "$reord" = 0 ]; then
		pass "nic$n: $count generated, all received intact and in order"
	else
		fail "nic$n: gen $gen ok $ok bad $bad lost $lost reordered $reord (want all $count intact and in order)"
		cat "$dir/srv1.log"
	fi
done
[ "$dropped" = 0 ] || fail "testpmd-lite dropped $dropped frames although not overloaded"

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

# The server killed or restarted mid-run: test_virtio_user_link.sh.

# 3. Checksum offloads (csum mode): the PMD negotiates VIRTIO_NET_F_CSUM and
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

finish virtio_user
