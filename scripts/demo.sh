#!/usr/bin/env bash
# Set everything up, then boot the demo guest: it shows on xkvm's serial console what
# xkvm gives it (vCPUs started, ACPI tables, devices) and powers off.
set -euo pipefail
cd "$(dirname "$0")/.."
XKVM_NO_ASAN=1 scripts/setup.sh
exec build/src/xkvm -kernel build/tests/guest/demo.elf -smp 2,maxcpus=4 -m 256M \
	-serial stdio -no-reboot -device isa-debug-exit,iobase=0xf4
