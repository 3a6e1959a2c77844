#!/usr/bin/env bash
# Prepare a Debian 12 machine (as root) to build and run updk: install the
# Debian packages it needs, reserve hugepages and mount hugetlbfs.
# Safe to run again: it only does what is missing.
#
# Environment:
#   UPDK_HUGEPAGES   2 MiB hugepages to have reserved (default 1024 = 2 GiB;
#                    DPDK's testpmd in the benchmarks needs about 1 GiB)
#   UPDK_HUGE_MOUNT  where to mount hugetlbfs if nothing is mounted (/mnt/huge)
set -euo pipefail

want_pages=${UPDK_HUGEPAGES:-1024}
mount_point=${UPDK_HUGE_MOUNT:-/mnt/huge}

if [ "$(id -u)" -ne 0 ]; then
	echo "setup-host: run as root (it installs packages and reserves hugepages): sudo $0" >&2
	exit 1
fi

packages=(meson ninja-build pkg-config gcc clang libclang-rt-14-dev python3
	libnuma-dev libhugetlbfs-bin libjson-c-dev libcmocka-dev libpcap-dev
	dpdk dpdk-dev qemu-system-x86 busybox-static cpio kmod iproute2)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup-host: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Hugepages: hugeadm reserves them (and says clearly when it cannot); check
# the result rather than trusting it, since a fragmented machine may give fewer.
have=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages)
if [ "$have" -lt "$want_pages" ]; then
	hugeadm --pool-pages-min "2MB:${want_pages}" ||
		echo "$want_pages" > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
	have=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages)
	if [ "$have" -lt "$want_pages" ]; then
		echo "setup-host: only $have of $want_pages 2 MiB hugepages could be reserved" \
		     "(memory fragmented?); tests needing more will say so" >&2
	fi
fi

if ! awk '$3 == "hugetlbfs" { found = 1 } END { exit !found }' /proc/mounts; then
	mkdir -p "$mount_point"
	mount -t hugetlbfs -o pagesize=2M nodev "$mount_point"
fi
echo "setup-host: $(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages) of" \
     "$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages) 2 MiB hugepages free;" \
     "hugetlbfs at $(awk '$3 == "hugetlbfs" { print $2; exit }' /proc/mounts)"
