#!/usr/bin/env bash
# The main job on a fresh machine: set up, build, and run testpmd-lite
# forwarding between two embedded ports for a few seconds, printing the
# statistics. Needs no NIC.
#   UPDK_RUN_SECONDS  how long to forward (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-host.sh
scripts/build.sh build
secs=${UPDK_RUN_SECONDS:-5}
if [ -x build/app/testpmd-lite/testpmd-lite ]; then
	exec build/app/testpmd-lite/testpmd-lite -l 0-1 --file-prefix quickstart \
		--vdev=net_null0 --vdev=net_null1 -- \
		--forward-mode=io --stats-period=1 --run-time="$secs"
fi
exec build/app/eal-smoke/eal-smoke -l 0-1 --file-prefix quickstart
