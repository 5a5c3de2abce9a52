#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# /init of the end-to-end tests' initramfs (built by scripts/fetch-linux.sh with busybox).
# It prints markers the tests wait for, one per line, each starting with "XKVM-":
#
#   XKVM-INIT: start                      /init runs (user space reached)
#   XKVM-INIT: cpus=N possible=LIST kernel=RELEASE
#                                         after proc, sys and devtmpfs are mounted
#   XKVM-RUN: begin / XKVM-RUN: end rc=N  around the commands of xkvm_run=
#   XKVM-SHELL: ready                     a shell reads commands from the console
#   XKVM-POWEROFF                         just before the power-off
#
# Kernel command line (the kernel hands unknown name=value words to /init's environment):
#   xkvm_run="CMDS"   run CMDS with sh -c (quote the value; no nested double quotes)
#   xkvm_shell=1      then run a shell on the console; power off when it exits
#   xkvm_halt=reboot  end with "reboot -f" instead of "poweroff -f" (for -no-reboot VMMs
#                     without an ACPI power-off)
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
echo "XKVM-INIT: start"
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "XKVM-INIT: cpus=$(grep -c ^processor /proc/cpuinfo)" \
	"possible=$(cat /sys/devices/system/cpu/possible) kernel=$(uname -r)"

if [ -n "$xkvm_run" ]; then
	echo "XKVM-RUN: begin"
	sh -c "$xkvm_run"
	echo "XKVM-RUN: end rc=$?"
fi
if [ "$xkvm_shell" = 1 ]; then
	echo "XKVM-SHELL: ready"
	sh
fi

echo "XKVM-POWEROFF"
sync
if [ "$xkvm_halt" = reboot ]; then
	reboot -f
else
	poweroff -f
fi
# init must never exit (the kernel would panic): wait for the power to go.
while :; do sleep 1; done
