#!/usr/bin/env bash
# Install what xkvm needs (Debian packages by name), build xkvm and its guest programs
# (plain and ASan+UBSan), and fetch Debian's Linux kernel and busybox for the e2e tests.
# Idempotent: a second run only rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }

missing=()
while read -r pkg; do
	[[ -z "$pkg" || "$pkg" == \#* ]] && continue
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done < scripts/deps.txt
if ((${#missing[@]})); then
	log "installing Debian packages: ${missing[*]}"
	SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -f build/build.ninja ]]; then
	log "configuring build/"
	meson setup build >/dev/null
fi
log "building build/"
ninja -C build >/dev/null

if [[ "${XKVM_NO_ASAN:-0}" != 1 ]]; then
	if [[ ! -f build-asan/build.ninja ]]; then
		log "configuring build-asan/ (AddressSanitizer + UndefinedBehaviorSanitizer)"
		meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dguests=true >/dev/null
	fi
	log "building build-asan/"
	ninja -C build-asan >/dev/null
fi

if [[ -x scripts/fetch-linux.sh && "${XKVM_NO_LINUX:-0}" != 1 ]]; then
	scripts/fetch-linux.sh
fi
