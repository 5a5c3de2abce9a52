#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Fetch Debian's newest stock cloud kernel and busybox-static for the end-to-end tests,
# without installing either on the host (apt-get download + dpkg-deb -x), and build from
# them everything the tests boot:
#
#   images/vmlinuz              the bzImage (Linux boot protocol entry)
#   images/vmlinux              the uncompressed ELF, checked to carry the PVH entry note
#   images/initramfs.cpio.gz    busybox + scripts/initramfs-init.sh as /init
#   images/linux.env            KERNEL_PACKAGE, KERNEL_VERSION, KERNEL_RELEASE, BUSYBOX_VERSION
#
# Idempotent and quiet when everything is cached.  Environment:
#   XKVM_IMAGES=DIR                  cache directory (default: <repo>/images)
#   XKVM_LINUX_PACKAGE=linux-image-… use this kernel package instead of the newest
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
IMAGES=${XKVM_IMAGES:-$ROOT/images}
PY=/usr/bin/python3
[[ -x $PY ]] || PY=python3
HELPER="$PY $ROOT/scripts/linux-image.py"

log() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }
die() { printf 'fetch-linux.sh: %s\n' "$*" >&2; exit 1; }

candidate_version() { # the version apt would download for package $1 (empty if none)
	apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { if ($2 != "(none)") print $2 }'
}

# The newest linux-image-<release>-cloud-amd64 by Debian version ordering (not by name:
# "6.1.0-9" sorts after "6.1.0-56" as a string).  Only concrete images: the release has
# three numeric components (6.1.0-56, 6.12.117+deb12), which excludes the meta-packages
# (linux-image-cloud-amd64, linux-image-6.12-cloud-amd64), -dbg and -unsigned.
newest_cloud_kernel() {
	local names
	names=$(apt-cache search --names-only '^linux-image-.*-cloud-amd64$' | cut -d' ' -f1 |
		grep -E '^linux-image-[0-9]+\.[0-9]+\.[0-9]+[-+][0-9a-z]+-cloud-amd64$') || return 1
	# One apt-cache call for all candidates; then pick the highest version.
	apt-cache policy $names 2>/dev/null |
		awk '/^[^ ]/ { sub(/:$/, "", $1); pkg = $1 } /Candidate:/ && $2 != "(none)" { print pkg, $2 }' |
		{
			local best="" best_ver="" name ver
			while read -r name ver; do
				if [[ -z $best ]] || dpkg --compare-versions "$ver" gt "$best_ver"; then
					best=$name best_ver=$ver
				fi
			done
			[[ -n $best ]] && printf '%s %s\n' "$best" "$best_ver"
		}
}

# apt's package lists may be missing on a fresh machine.
if [[ -z $(candidate_version busybox-static) ]]; then
	log "apt-get update (package lists missing)"
	SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
	$SUDO apt-get update -qq
fi

if [[ -n ${XKVM_LINUX_PACKAGE:-} ]]; then
	kpkg=$XKVM_LINUX_PACKAGE
	kver=$(candidate_version "$kpkg")
	[[ -n $kver ]] || die "XKVM_LINUX_PACKAGE=$kpkg: no such package in apt's lists"
else
	read -r kpkg kver < <(newest_cloud_kernel) || die "no linux-image-*-cloud-amd64 package found (apt-get update?)"
fi
krel=${kpkg#linux-image-}
bver=$(candidate_version busybox-static)
[[ -n $bver ]] || die "busybox-static is not in apt's lists"

stamp="$kpkg $kver busybox-static $bver $(sha256sum scripts/initramfs-init.sh scripts/linux-image.py | sha256sum | cut -c1-16)"
if [[ -f $IMAGES/.stamp && $(cat "$IMAGES/.stamp") == "$stamp" && -f $IMAGES/vmlinuz &&
      -f $IMAGES/vmlinux && -f $IMAGES/initramfs.cpio.gz ]]; then
	exit 0
fi

mkdir -p "$IMAGES/debs"
# As root, apt drops to _apt for downloads, which cannot write here; stay root.
APT_OPTS=""; [[ $(id -u) -eq 0 ]] && APT_OPTS="-o APT::Sandbox::User=root"
fetch() { # package version -> path of the .deb in the cache
	local pkg=$1 ver=$2 deb
	deb=$(find "$IMAGES/debs" -maxdepth 1 -name "${pkg}_*.deb" | while read -r f; do
		[[ $(dpkg-deb -f "$f" Version) == "$ver" ]] && echo "$f"; done | head -1)
	if [[ -z $deb ]]; then
		log "apt-get download $pkg=$ver"
		(cd "$IMAGES/debs" && apt-get download -qq $APT_OPTS "$pkg=$ver" >/dev/null) ||
			die "apt-get download $pkg=$ver failed"
		deb=$(find "$IMAGES/debs" -maxdepth 1 -name "${pkg}_*.deb" | while read -r f; do
			[[ $(dpkg-deb -f "$f" Version) == "$ver" ]] && echo "$f"; done | head -1)
	fi
	[[ -n $deb ]] || die "$pkg=$ver: downloaded, but no matching .deb found"
	echo "$deb"
}
kdeb=$(fetch "$kpkg" "$kver")
bdeb=$(fetch busybox-static "$bver")

tmp=$(mktemp -d "$IMAGES/.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
log "unpacking $kpkg $kver and busybox-static $bver"
dpkg-deb -x "$kdeb" "$tmp/kernel"
dpkg-deb -x "$bdeb" "$tmp/busybox"
[[ -f $tmp/kernel/boot/vmlinuz-$krel ]] || die "$kdeb has no /boot/vmlinuz-$krel"
[[ -x $tmp/busybox/bin/busybox ]] || die "$bdeb has no /bin/busybox"

cp "$tmp/kernel/boot/vmlinuz-$krel" "$tmp/vmlinuz"
cp "$tmp/kernel/boot/config-$krel" "$tmp/config" 2>/dev/null || true
$HELPER vmlinux "$tmp/vmlinuz" "$tmp/vmlinux"
$HELPER check-pvh "$tmp/vmlinux"
$HELPER initramfs "$tmp/initramfs.cpio.gz" "$tmp/busybox/bin/busybox" scripts/initramfs-init.sh

cat > "$tmp/linux.env" <<EOF
KERNEL_PACKAGE=$kpkg
KERNEL_VERSION=$kver
KERNEL_RELEASE=$krel
BUSYBOX_VERSION=$bver
EOF
for f in vmlinuz vmlinux initramfs.cpio.gz linux.env config; do
	[[ -f $tmp/$f ]] && mv -f "$tmp/$f" "$IMAGES/$f"
done
echo "$stamp" > "$IMAGES/.stamp"
log "images ready in $IMAGES: $krel ($kver), busybox $bver"
