#!/usr/bin/env bash
# Link state and liveness of the virtio-net PMD over vfio-user, end to end
# (see meson.build): the link follows the device; the server killed
# mid-forwarding, or replaced by a new process on the same socket, shows as
# link down, testpmd-lite ends on its own with status 3 and a message naming
# the device, never hangs or crashes, and every mbuf is back in the pool; the
# client killed mid-forwarding leaves the server serving the next one.
# Usage: test_virtio_user_link.sh TESTPMD_LITE VFIO_USER_NIC
set -u
tp=$1 nic=$2
. "$(dirname "$0")/lib.sh"

# pool_all_back LOG: testpmd-lite's exit check of its mbuf pool.
pool_all_back() { grep -qE '^mbuf pool mb_pool_0: 0 of [0-9]+ mbufs in use .*: all back$' "$1"; }

# 1. Link down and up again (SIGUSR1 / SIGUSR2 to the server): testpmd-lite
#    prints both changes for both ports and finishes normally.
start_server "$dir/srv1.log" --gen --sink --rate 100000 || exit 1
run_testpmd "$dir/tp1.log" 5 & tp_pid=$!
if wait_for "$dir/tp1.log" '^Done$' 10; then
	sleep 0.3
	kill -USR1 "$srv_pid"
	wait_for "$dir/tp1.log" '^Port 1: link down$' 2 && down=1 || down=0
	kill -USR2 "$srv_pid"
	wait_for "$dir/tp1.log" '^Port 1: link up' 2 && up=1 || up=0
fi
wait $tp_pid; rc=$?; tp_pid=
stop_server || fail "link flap: vfio-user-nic exited with an error"
ups=$(grep -c '^Port [01]: link up' "$dir/tp1.log")
downs=$(grep -c '^Port [01]: link down$' "$dir/tp1.log")
# Two ups at start, then per port one down and one up.
if [ $rc -eq 0 ] && [ "${down:-0}" = 1 ] && [ "${up:-0}" = 1 ] && [ "$downs" = 2 ] &&
   [ "$ups" = 4 ] && pool_all_back "$dir/tp1.log"; then
	pass "link flap: both ports reported down, then up; exit 0, all mbufs back"
else
	fail "link flap: rc $rc, $downs downs, $ups ups"; cat "$dir/tp1.log" "$dir/srv1.log"
fi

# check_gone LOG RC KILLED_AT_MS WHAT: what a run whose server vanished must show.
check_gone() {
	local log=$1 rc=$2 t_kill=$3 what=$4 n
	if [ "$rc" -eq 137 ]; then
		fail "$what: testpmd-lite hung and was killed by the timeout"; cat "$log"; return
	elif [ "$rc" -gt 128 ]; then
		fail "$what: testpmd-lite crashed (status $rc)"; cat "$log"; return
	fi
	[ "$rc" -eq 3 ] || fail "$what: exit status $rc, want 3 (device gone)"
	for n in 0 1; do
		grep -q "^Port $n: link down (device vfio-user:$dir/nic$n.sock is gone)$" "$log" ||
			fail "$what: no 'Port $n: link down (device ... is gone)' line"
		grep -q "error: port $n lost its device vfio-user:$dir/nic$n.sock" "$log" ||
			fail "$what: no error message naming port $n's device"
	done
	grep -q 'MISMATCH' "$log" && fail "$what: forward accounting mismatch"
	pool_all_back "$log" || fail "$what: mbufs not all back in the pool"
	grep -qE 'Segmentation|Aborted|AddressSanitizer|runtime error' "$log" &&
		fail "$what: crash or sanitizer report"
	[ $fails -eq 0 ] && pass "$what: exit 3, both ports reported gone, all mbufs back"
}

# 2. SIGKILL mid-forwarding: noticed within about a second (the link is read
#    every 100 ms), then a clean end.
start_server "$dir/srv2.log" --gen --sink || exit 1
run_testpmd "$dir/tp2.log" 10 & tp_pid=$!
if ! wait_for "$dir/tp2.log" '^Done$' 10; then
	fail "server killed: testpmd-lite did not start"; cat "$dir/tp2.log"
fi
sleep 0.5
t_kill=$(now_ms)
kill -KILL "$srv_pid"; wait "$srv_pid" 2>/dev/null; srv_pid=
if wait_for "$dir/tp2.log" 'link down \(device .* is gone\)' 3; then
	took=$(( $(now_ms) - t_kill ))
	if [ $took -le 1000 ]; then
		pass "server killed: link down reported after ${took} ms"
	else
		fail "server killed: link down reported only after ${took} ms (want <= 1000)"
	fi
else
	fail "server killed: no link down reported within 3 s"
fi
wait $tp_pid; rc=$?; tp_pid=
took=$(( $(now_ms) - t_kill ))
[ $took -le 5000 ] || fail "server killed: testpmd-lite took ${took} ms to exit"
before=$fails
check_gone "$dir/tp2.log" $rc "$t_kill" "server killed"
[ $fails -eq $before ] || cat "$dir/tp2.log"

# 3. The server replaced by a new process on the same sockets: the old
#    connection is gone all the same (no reattach); the new server serves a
#    new run.
start_server "$dir/srv3.log" --gen --sink || exit 1
run_testpmd "$dir/tp3.log" 10 & tp_pid=$!
wait_for "$dir/tp3.log" '^Done$' 10 || fail "restart: testpmd-lite did not start"
sleep 0.5
t_kill=$(now_ms)
kill -KILL "$srv_pid"; wait "$srv_pid" 2>/dev/null; srv_pid=
start_server "$dir/srv3b.log" --gen --sink --gen-count 20000 --rate 1000000 || exit 1
wait $tp_pid; rc=$?; tp_pid=
before=$fails
check_gone "$dir/tp3.log" $rc "$t_kill" "server restarted"
[ $fails -eq $before ] || cat "$dir/tp3.log"
run_testpmd "$dir/tp3b.log" 2 --tx-retry=100000; rc=$?
stop_server || fail "restart: the new vfio-user-nic exited with an error"
ok=$(( $(sink_field "$dir/srv3b.log" 0 ok) + $(sink_field "$dir/srv3b.log" 1 ok) ))
dropped=$(acc_field "$dir/tp3b.log" TX-dropped)
if [ $rc -eq 0 ] && [ $((ok + ${dropped:-1})) -eq 40000 ]; then
	pass "restart: the new server and a new run account for all 20000 frames per NIC"
else
	fail "restart: second run rc $rc, sinks ok $ok + dropped $dropped != 40000"
	cat "$dir/tp3b.log" "$dir/srv3b.log"
fi

# 4. The client killed mid-forwarding (SIGKILL: no unmap, no reset): the
#    server notices the hang-up, drops the client's memory and resets the
#    NICs, keeps running, and serves the next client, whose run accounts for
#    every frame generated for it.
start_server "$dir/srv4.log" --gen --sink || exit 1
run_testpmd "$dir/tp4.log" 10 & tp_pid=$!
wait_for "$dir/tp4.log" '^Done$' 10 || fail "client killed: testpmd-lite did not start"
sleep 0.5
pkill -KILL -f -- "--file-prefix vutest$$"
wait $tp_pid 2>/dev/null; tp_pid=
sleep 0.3
if ! kill -0 "$srv_pid" 2>/dev/null; then
	fail "client killed: vfio-user-nic died with its client"; cat "$dir/srv4.log"
else
	run_testpmd "$dir/tp4b.log" 2 --tx-retry=100000; rc=$?
	stop_server || fail "client killed: vfio-user-nic exited with an error"
	rx=$(acc_field "$dir/tp4b.log" RX-packets)
	if [ $rc -eq 0 ] && [ "${rx:-0}" -gt 0 ] && grep -q "clients 2" "$dir/srv4.log" &&
	   pool_all_back "$dir/tp4b.log"; then
		pass "client killed: the server kept running and served the next client ($rx frames forwarded)"
	else
		fail "client killed: second run rc $rc, rx ${rx:-none}"; cat "$dir/tp4b.log" "$dir/srv4.log"
	fi
fi

finish "virtio_user link"
