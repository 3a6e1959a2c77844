#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Build (or confirm the cache of) the kernel-VFIO test guest, from Debian
# packages only: the kernel that linux-image-amd64 depends on, a handful of its
# modules, and busybox-static. See doc/vm-testbed.md.
#
# Usage: tests/vm/build-guest.sh            (cache in $UPDK_VM_CACHE,
#                                            default /var/cache/updk-vm)
# Exit:  0 the guest is ready, 77 it cannot be built here (reason printed),
#        1 a real failure.
#
# Cache layout (all written atomically; a half-finished run leaves no stamp):
#   debs/                  the downloaded .deb files
#   root/                  unpacked kernel modules (lib/modules/KVER/...)
#   vmlinuz                the guest kernel as packaged (bzImage)
#   vmlinux                the same kernel decompressed, booted through PVH
#   busybox                static busybox taken from busybox-static
#   base.cpio.gz           base initramfs: busybox, modules, /init
#   guest.env              stamp: what the cache was built from (sourced by
#                          run_guest.py as KEY=VALUE lines)
set -eu

SELF_DIR=$(cd "$(dirname "$0")" && pwd)
CACHE=${UPDK_VM_CACHE:-/var/cache/updk-vm}
INIT_SRC="$SELF_DIR/guest-init.sh"
SKIP=77

now() { date +%s.%N; }
T0=$(now)
elapsed() { awk -v a="$T0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
log() { echo "build-guest: $*"; }
skip() { echo "build-guest: SKIP: $*" >&2; exit $SKIP; }
die() { echo "build-guest: ERROR: $*" >&2; exit 1; }

# Module subtrees unpacked from the kernel package, relative to
# lib/modules/KVER. vfio + irqbypass are what the tests need; e1000e and the
# virtio-net stack let a test leave a NIC on its kernel driver (negative tests).
MODULE_PATHS="
kernel/drivers/vfio
kernel/virt/lib
kernel/drivers/net/ethernet/intel/e1000e
kernel/drivers/net/virtio_net.ko
kernel/drivers/net/net_failover.ko
kernel/net/core/failover.ko
kernel/drivers/virtio
"
# The modprobe targets that must resolve after depmod, to catch a package whose
# layout changed.
REQUIRED_MODULES="vfio vfio_iommu_type1 vfio-pci irqbypass e1000e virtio_net virtio_pci"

mkdir -p "$CACHE" 2>/dev/null ||
	skip "cannot create cache dir $CACHE (set UPDK_VM_CACHE to a writable directory)"
[ -w "$CACHE" ] || skip "cache dir $CACHE is not writable (set UPDK_VM_CACHE)"

# One builder at a time; the others wait and then find the cache ready.
exec 9>"$CACHE/.lock"
flock 9

# --- host tools -------------------------------------------------------------
# command:package pairs. busybox is not needed on the host: the guest's own
# copy (from the downloaded busybox-static .deb) runs depmod, which keeps the
# host free of the busybox/busybox-static package conflict.
missing_pkgs=""
for pair in qemu-system-x86_64:qemu-system-x86 cpio:cpio gzip:gzip \
            dpkg-deb:dpkg apt-get:apt; do
	cmd=${pair%%:*}
	pkg=${pair#*:}
	command -v "$cmd" >/dev/null 2>&1 || missing_pkgs="$missing_pkgs $pkg"
done
if [ -n "$missing_pkgs" ]; then
	command -v apt-get >/dev/null 2>&1 || skip "missing$missing_pkgs and no apt-get to install them"
	[ "$(id -u)" -eq 0 ] || skip "missing$missing_pkgs; run as root (or apt-get install$missing_pkgs)"
	log "installing$missing_pkgs"
	install_missing() {
		# shellcheck disable=SC2086 # a list of package names, split on purpose
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing_pkgs
	}
	install_missing || { apt-get update && install_missing; } ||
		skip "apt-get install$missing_pkgs failed (no Debian mirror reachable?)"
fi

# --- is the cache current? ---------------------------------------------------
INIT_SUM=$(sha256sum "$INIT_SRC" | cut -d' ' -f1)
# The builder's own sources: a change to them rebuilds the cache.
SELF_SUM=$(cat "$SELF_DIR/build-guest.sh" "$SELF_DIR/extract_vmlinux.py" |
	sha256sum | cut -d' ' -f1)
STAMP="$CACHE/guest.env"

stamp_value() { sed -n "s/^$1=//p" "$STAMP" 2>/dev/null; }
resolve_kernel_pkg() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}

CACHED_PKG=""
if [ -f "$STAMP" ] &&
   [ "$(stamp_value INIT_SHA256)" = "$INIT_SUM" ] &&
   [ "$(stamp_value BUILDER_SHA256)" = "$SELF_SUM" ] &&
   [ -f "$CACHE/$(stamp_value KERNEL_IMAGE)" ] && [ -f "$CACHE/base.cpio.gz" ]; then
	CACHED_PKG=$(stamp_value KERNEL_PKG)
fi
# apt-cache takes a second or more; its answer can only have changed if the
# apt lists did since the stamp was last confirmed.
if [ -n "$CACHED_PKG" ] &&
   [ -z "$(find /var/lib/apt/lists -maxdepth 1 -newer "$STAMP" -print -quit 2>/dev/null)" ]; then
	log "cached guest is up to date ($CACHED_PKG) in $CACHE, checked in $(elapsed) s"
	exit 0
fi

# --- which kernel -------------------------------------------------------------
KPKG=$(resolve_kernel_pkg || true)
if [ -z "$KPKG" ] && [ -z "$CACHED_PKG" ] && [ "$(id -u)" -eq 0 ]; then
	log "apt lists do not know linux-image-amd64; running apt-get update"
	apt-get update >/dev/null 2>&1 || true
	KPKG=$(resolve_kernel_pkg || true)
fi
if [ -n "$CACHED_PKG" ] && { [ -z "$KPKG" ] || [ "$KPKG" = "$CACHED_PKG" ]; }; then
	[ -n "$KPKG" ] || log "apt cannot resolve linux-image-amd64; using the cached $CACHED_PKG"
	touch "$STAMP"
	log "cached guest is up to date ($CACHED_PKG) in $CACHE, checked in $(elapsed) s"
	exit 0
fi
[ -n "$KPKG" ] ||
	skip "apt-cache cannot resolve what linux-image-amd64 depends on (no Debian apt sources?)"
log "guest kernel package: $KPKG"

# --- download -----------------------------------------------------------------
mkdir -p "$CACHE/debs"
deb_of() {
	for f in "$CACHE"/debs/"$1"_*.deb; do
		[ -e "$f" ] && echo "$f"
		return 0
	done
}
for pkg in "$KPKG" busybox-static; do
	candidate=$(apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate:/ { print $2; exit }')
	have=$(deb_of "$pkg")
	if [ -n "$have" ] && [ -n "$candidate" ] &&
	   [ "$(dpkg-deb -f "$have" Version)" = "$candidate" ]; then
		continue
	fi
	log "downloading $pkg $candidate"
	rm -f "$CACHE"/debs/"$pkg"_*.deb
	# apt's _apt sandbox user may not write into a root-owned cache: download
	# in a private temporary directory it can write, then move into place.
	tmpd=$(mktemp -d "$CACHE/dl.XXXXXX")
	chown _apt "$tmpd" 2>/dev/null || true
	(cd "$tmpd" && apt-get download "$pkg" >/dev/null 2>&1) ||
		(cd "$tmpd" && apt-get -o APT::Sandbox::User=root download "$pkg") ||
		{ rm -rf "$tmpd"; skip "apt-get download $pkg failed (no Debian mirror reachable?)"; }
	mv "$tmpd"/*.deb "$CACHE/debs/"
	rm -rf "$tmpd"
done
KDEB=$(deb_of "$KPKG")
BBDEB=$(deb_of busybox-static)
if [ -z "$KDEB" ] || [ -z "$BBDEB" ]; then
	die "downloaded packages not found in $CACHE/debs"
fi
# A kernel ABI bump changes the package name: drop what the cache no longer uses.
for f in "$CACHE"/debs/*.deb; do
	[ "$f" = "$KDEB" ] || [ "$f" = "$BBDEB" ] || rm -f "$f"
done

# --- unpack -------------------------------------------------------------------
WORK=$(mktemp -d "$CACHE/build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
KVER=${KPKG#linux-image-}

patterns="./boot/vmlinuz-*"
for p in $MODULE_PATHS; do
	patterns="$patterns ./lib/modules/$KVER/$p"
done
patterns="$patterns ./lib/modules/$KVER/modules.builtin* ./lib/modules/$KVER/modules.order"
mkdir -p "$WORK/root"
# shellcheck disable=SC2086 # the patterns are meant to be split
dpkg-deb --fsys-tarfile "$KDEB" | tar -x -C "$WORK/root" --wildcards $patterns ||
	die "unpacking $KDEB failed (has the package layout changed?)"
mv "$WORK"/root/boot/vmlinuz-* "$WORK/vmlinuz"
rmdir "$WORK/root/boot"
dpkg-deb --fsys-tarfile "$BBDEB" | tar -x -C "$WORK" ./bin/busybox
mv "$WORK/bin/busybox" "$WORK/busybox"
rmdir "$WORK/bin"

# The bzImage is xz-compressed: decompressing it under TCG costs the guest
# about 6 s per boot. QEMU boots the plain ELF vmlinux directly through its
# PVH entry point, so unpack it once here. Without python3 (or with a format
# its standard library lacks) the guest boots the bzImage, only slower.
KERNEL_IMAGE=vmlinuz
if command -v python3 >/dev/null 2>&1 &&
   python3 "$SELF_DIR/extract_vmlinux.py" "$WORK/vmlinuz" "$WORK/vmlinux"; then
	KERNEL_IMAGE=vmlinux
else
	log "note: no PVH-bootable vmlinux extracted; the guest will boot the slower bzImage"
fi

BB="$WORK/busybox"
"$BB" depmod -b "$WORK/root" "$KVER" || die "busybox depmod failed"
for m in $REQUIRED_MODULES; do
	name=$(echo "$m" | tr - _)
	grep -Eq "(^|/)($m|$name)\.ko:" "$WORK/root/lib/modules/$KVER/modules.dep" ||
		die "module $m missing from modules.dep after depmod"
done

# --- base initramfs -----------------------------------------------------------
STAGE="$WORK/stage"
mkdir -p "$STAGE/bin" "$STAGE/dev" "$STAGE/proc" "$STAGE/sys" "$STAGE/tmp" \
	"$STAGE/mnt" "$STAGE/lib" "$STAGE/etc"
ln -s bin "$STAGE/sbin"
cp "$BB" "$STAGE/bin/busybox"
for applet in $("$BB" --list); do
	[ "$applet" = busybox ] || ln -s busybox "$STAGE/bin/$applet"
done
cp -a "$WORK/root/lib/modules" "$STAGE/lib/"
cp "$INIT_SRC" "$STAGE/init"
chmod 0755 "$STAGE/init"
# Without /dev/console in the archive the kernel starts /init with no stdio;
# guest-init.sh recovers through devtmpfs, but the node keeps early output.
mknod -m 600 "$STAGE/dev/console" c 5 1 2>/dev/null || true
(cd "$STAGE" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
	gzip -6 > "$WORK/base.cpio.gz"

# --- publish ------------------------------------------------------------------
# No stamp while files are swapped: an interrupted publish means a rebuild.
rm -f "$STAMP"
rm -rf "$CACHE/root"
mv "$WORK/root" "$CACHE/root"
mv "$WORK/vmlinuz" "$CACHE/vmlinuz"
rm -f "$CACHE/vmlinux"
[ "$KERNEL_IMAGE" = vmlinuz ] || mv "$WORK/$KERNEL_IMAGE" "$CACHE/$KERNEL_IMAGE"
mv "$WORK/busybox" "$CACHE/busybox"
mv "$WORK/base.cpio.gz" "$CACHE/base.cpio.gz"
cat > "$STAMP.tmp" <<EOF
KERNEL_PKG=$KPKG
KERNEL_VERSION=$KVER
KERNEL_IMAGE=$KERNEL_IMAGE
KERNEL_DEB=$(basename "$KDEB")
BUSYBOX_DEB=$(basename "$BBDEB")
INIT_SHA256=$INIT_SUM
BUILDER_SHA256=$SELF_SUM
EOF
mv "$STAMP.tmp" "$STAMP"

log "guest ready in $CACHE: kernel $KVER," \
	"initramfs $(du -k "$CACHE/base.cpio.gz" | cut -f1) KiB, built in $(elapsed) s"
