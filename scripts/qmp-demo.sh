#!/usr/bin/env bash
# The QMP demo: a guest that waits for the ACPI power button, driven with xkvm-qmp.
# Starts xkvm in the background, asks it a few questions, pauses and resumes it, then
# presses the power button and watches the guest power itself off.  Needs a build
# (meson setup build && ninja -C build).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${XKVM_BUILD:-build}
SOCK=$(mktemp -u /tmp/xkvm-demo-XXXXXX.sock)
QMP() { echo "\$ xkvm-qmp -s $SOCK $*" >&2; "$B/src/xkvm-qmp" -s "$SOCK" -w 5 "$@"; }

"$B/src/xkvm" -kernel "$B/tests/guest/ged.elf" -device xkvm-ucall -name demo -serial none \
	-qmp "unix:$SOCK,server=on,wait=off" &
XKVM=$!
trap 'kill $XKVM 2>/dev/null || true' EXIT

QMP query-name
QMP query-status
QMP human-monitor-command command-line="info cpus"
QMP stop
QMP query-status
QMP cont
# The guest takes the GED interrupt, reads the event and powers off (ACPI S5).
QMP --events --filter POWERDOWN --filter SHUTDOWN --count 2 --timeout 30 system_powerdown
status=0
wait $XKVM || status=$?
trap - EXIT
echo "xkvm exited with status $status" >&2
exit $status
