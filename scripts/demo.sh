#!/usr/bin/env bash
# Set everything up, then run the demo: a small guest "OS" tells on xkvm's serial console
# what xkvm gave it (how it booted, memory, vCPUs started with INIT/SIPI, ACPI tables,
# devices), while this script drives the VM over QMP with xkvm-qmp: it lists the vCPUs
# with their host threads, hot-adds a vCPU through ACPI, removes it again, and presses the
# power button; the guest powers itself off and xkvm exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
XKVM_NO_ASAN=1 XKVM_NO_LINUX=1 scripts/setup.sh
B=build
DIR=$(mktemp -d /tmp/xkvm-demo-XXXXXX)
SOCK=$DIR/qmp.sock CONSOLE=$DIR/console.log
shown=0

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
qmp() { printf '\033[2m$ xkvm-qmp %s\033[0m\n' "$*"; "$B/src/xkvm-qmp" -s "$SOCK" -w 5 "$@"; }
# Wait (10 s at most) until the guest's console has printed PATTERN, then show what it
# printed since last time: the console is a file so its lines don't interleave with ours.
console() {
	for _ in $(seq 100); do grep -q -- "$1" "$CONSOLE" 2>/dev/null && break; sleep 0.1; done
	tail -n +$((shown + 1)) "$CONSOLE" | tr -d '\r' | sed 's/^/\x1b[36mguest|\x1b[0m /'
	shown=$(wc -l < "$CONSOLE")
}

step "xkvm -kernel demo.elf -smp 2,maxcpus=4 -m 256M -serial file:console.log -qmp unix:qmp.sock,..."
"$B/src/xkvm" -name demo -kernel "$B/tests/guest/demo.elf" -append "serve=1 maxcpus=4" \
	-smp 2,maxcpus=4 -m 256M -serial "file:$CONSOLE" -no-reboot \
	-qmp "unix:$SOCK,server=on,wait=off" &
XKVM=$!
trap 'kill $XKVM 2>/dev/null || true; rm -rf "$DIR"' EXIT
console "serving ACPI CPU hot-plug"

step "the host's view over QMP"
qmp query-status
qmp query-cpus-fast

step "hot-add vCPU 2 (ACPI: the GED rings, the guest walks the register block, INIT/SIPI)"
qmp --events --filter ACPI_DEVICE_OST --count 1 --timeout 10 \
	device_add driver=host-x86_64-cpu id=cpu2 socket-id:=0 core-id:=2 thread-id:=0
console "CPU 2 inserted"
qmp human-monitor-command command-line="info cpus"

step "hot-remove it (the guest parks the CPU and ejects it; xkvm parks the vCPU's fd)"
qmp --events --filter DEVICE_DELETED --count 1 --timeout 10 device_del id=cpu2
console "CPU 2 removal requested"

step "press the power button"
qmp --events --filter SHUTDOWN --count 1 --timeout 10 system_powerdown
status=0
wait $XKVM || status=$?
console "Bye"
trap - EXIT
rm -rf "$DIR"
step "xkvm exited with status $status"
exit $status
