#!/usr/bin/env bash
# The main job on a fresh machine: set up, build, then drive two emulated
# virtio-net NICs end to end. vfio-user-nic serves them over vfio-user with a
# frame generator and a verifying sink behind them; testpmd-lite forwards
# between the two with the virtio PMD for a few seconds; both sides print
# their statistics. Needs no NIC, no root-only device.
#   UPDK_RUN_SECONDS  how long to forward (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-host.sh
scripts/build.sh build
secs=${UPDK_RUN_SECONDS:-5}
nic=build/app/vfio-user-nic/vfio-user-nic
tp=build/app/testpmd-lite/testpmd-lite
if [ ! -x "$nic" ] || [ ! -x "$tp" ]; then
	echo "quickstart: $nic or $tp was not built; running the EAL smoke test instead" >&2
	exec build/app/eal-smoke/eal-smoke -l 0-1 --file-prefix quickstart
fi

sockdir=$(mktemp -d /tmp/updk-quickstart.XXXXXX)
srv_pid=
cleanup() {
	if [ -n "$srv_pid" ]; then
		kill -INT "$srv_pid" 2>/dev/null || true
		wait "$srv_pid" 2>/dev/null || true
	fi
	rm -rf "$sockdir"
}
trap cleanup EXIT INT TERM

"$nic" --socket "$sockdir/nic0.sock" --socket "$sockdir/nic1.sock" --gen --sink \
	>"$sockdir/server.log" 2>&1 &
srv_pid=$!
for _ in $(seq 100); do
	[ -S "$sockdir/nic0.sock" ] && [ -S "$sockdir/nic1.sock" ] && break
	sleep 0.05
done

rc=0
"$tp" -l 0-1 --no-huge --file-prefix quickstart \
	-a "vfio-user:$sockdir/nic0.sock" -a "vfio-user:$sockdir/nic1.sock" -- \
	--forward-mode=io --stats-period=1 --run-time="$secs" || rc=$?

kill -INT "$srv_pid"
wait "$srv_pid" || rc=$?
srv_pid=
echo
echo "---- vfio-user-nic (the two NICs: generated, received by the driver, sink checks) ----"
grep -v '^vfio_user: \(NOTICE\|ERR: vfio-user connection dropped\)' "$sockdir/server.log" || true
exit $rc
