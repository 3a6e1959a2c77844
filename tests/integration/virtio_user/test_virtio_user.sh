#!/usr/bin/env bash
# End-to-end traffic through the virtio-net PMD over vfio-user (see meson.build):
# a bounded run where every frame comes back intact and in order, and an
# overload run whose accounting must hold.
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

finish virtio_user
