#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Build the libFuzzer targets with clang (ASan + UBSan) and run each for a bounded time.
#   scripts/fuzz.sh [SECONDS]      (default 60; FUZZ_SECONDS works too)
# Writes build-fuzz/fuzz.xml (JUnit, one test case per target) for scripts/summarize.py;
# a crash input is kept as build-fuzz/<target>/crash-* and the script exits non-zero.
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-${FUZZ_SECONDS:-60}}
out=build-fuzz
mkdir -p "$out"
CC=${FUZZ_CC:-clang}

# target name -> sources it needs (pure logic only: no KVM in a fuzzer)
declare -A sources=(
	[fuzz_msix]="tests/fuzz/fuzz_msix.c src/irq/msix.c src/irq/msi.c src/util/log.c"
	[fuzz_virtq]="tests/fuzz/fuzz_virtq.c src/virtio/queue.c src/virtio/blk_req.c src/vm/memory.c src/util/log.c src/trace/trace.c build-fuzz/trace-events.c"
	[fuzz_qmp]="tests/fuzz/fuzz_qmp.c src/qmp/framer.c src/qmp/dispatch.c src/qmp/commands/control.c -ljansson"
	[fuzz_xen]="tests/fuzz/fuzz_xen.c $(echo src/xen/{evtchn,evtchn_2l,evtchn_ops,shinfo,timer,cpuid,hcall_page,hypercall,guest_access,vcpu_ops,hvm_ops,domain_ops,domain,state,console,pvclock}.c) src/arch/x86/mmu.c src/vm/memory.c src/util/log.c src/trace/trace.c build-fuzz/trace-events.c"
)

# What meson generates and the targets include: the trace-event tables (blk_req.c, the
# Xen code) and xkvm-config.h (the QMP control commands).
python3 scripts/tracetool.py src/trace/trace-events "$out/trace-events.h" "$out/trace-events.c"
sed -n "s/^  version : '\(.*\)',$/#define XKVM_VERSION \"\1\"/p" meson.build >"$out/xkvm-config.h"

xml_cases=""
failures=0
for t in "${!sources[@]}"; do
	bin=$out/bin/$t
	log=$out/$t.log
	corpus=$out/$t/corpus
	mkdir -p "$out/bin"
	mkdir -p "$corpus"
	if [[ $t == fuzz_virtq ]]; then
		# Seed: an 8-entry queue (rings at 0x1000/0x2000/0x3000) with one IN request.
		python3 - "$corpus/seed-one-read" <<'PY'
import struct, sys
ram = bytearray(0x5000)
ram[0x1000:0x1010] = struct.pack('<QIHH', 0x4000, 16, 1, 1)        # header, NEXT
ram[0x1010:0x1020] = struct.pack('<QIHH', 0x4100, 512, 3, 2)       # data, WRITE|NEXT
ram[0x1020:0x1030] = struct.pack('<QIHH', 0x4400, 1, 2, 0)         # status, WRITE
ram[0x2000:0x2006] = struct.pack('<HHH', 0, 1, 0)                  # avail: idx 1, head 0
ram[0x4000:0x4010] = struct.pack('<IIQ', 0, 0, 3)                  # IN, sector 3
open(sys.argv[1], 'wb').write(bytes([3, 3, 1, 2, 3, 0, 0, 0]) + bytes(ram))
PY
	elif [[ $t == fuzz_qmp ]]; then
		# Seeds: a session as a client runs it, in one read and split (first byte).
		printf '\x00{"execute": "qmp_capabilities", "id": 1}\n{"execute": "echo", "arguments": {"s": "x", "a": [1], "e": "red"}, "id": [null]}\n{"execute":"query-commands"}' >"$corpus/seed-session"
		printf '\x3f{"execute": "echo"} "str" 12 ]{"execute": "open", "arguments": {"driver": "d", "extra": {}}}' >"$corpus/seed-oddities"
	elif [[ $t == fuzz_xen ]]; then
		# Seed: a Xen HVM guest's first steps (tests/fuzz/fuzz_xen.c's record layout):
		# hypercall page, shared_info, vcpu_info, callback vector, VIRQ_TIMER, a timer.
		python3 - "$corpus/seed-xen-boot" <<'PY'
import struct, sys
def rec(op, nr, flags, args, payload=b'', vcpu=0, off=0):
    return struct.pack('<BBBBH2x3Q', op, vcpu, nr, flags, off, *args) + payload.ljust(40, b'\0')
LM, SMALL0, P1, P2 = 1, 4, 32, 64
seq = [
    rec(6, 0, LM, [0x30 << 12, 0, 0]),                                         # hypercall page
    rec(0, 12, LM | SMALL0 | P1, [7, 0, 0], struct.pack('<HHIQQ', 0x7ff0, 0, 0, 0, 0x40)),
    rec(0, 34, LM | SMALL0 | P1, [0, 0, 0], struct.pack('<HxxIQ', 0x7ff0, 0, (2 << 56) | 0xf3)),
    rec(0, 24, LM | SMALL0 | P2, [10, 0, 0], struct.pack('<QII', 0x41, 0, 0)),  # vcpu_info
    rec(0, 32, LM | SMALL0 | P1, [1, 0, 0], struct.pack('<III', 0, 0, 0)),      # VIRQ_TIMER
    rec(0, 24, LM | SMALL0 | P2, [4, 0, 0], struct.pack('<QI', 5000001000, 0)), # singleshot
    rec(4, 0, 0, [2000, 0, 0]),                                                 # it expires
    rec(0, 32, LM | SMALL0 | P1, [4, 0, 0], struct.pack('<I', 1)),              # send
]
open(sys.argv[1], 'wb').write(bytes([3]) + b''.join(seq))
PY
	else
	# A few seeds: enable MSI-X, program and unmask vector 0, notify it.
	printf '\x08\x05\x02\x00\x80\x00\x00\x00\x01\x00\x00\x00\x00\x00\x10\xe0\xfe\x00\x00\x00\x00\x01\x08\x00\x41\x00\x00\x00\x00\x00\x00\x00\x01\x0c\x00\x00\x00\x00\x00\x00\x00\x00\x00\x06\x00\x00' \
		>"$corpus/seed-enable-unmask-notify"
	printf '\x83\x17\x0c\x00\x06\x00\x00\x01\x0c\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00' \
		>"$corpus/seed-mask-pending"
	fi
	if ! $CC -g -O1 -std=c11 -D_GNU_SOURCE -Isrc -I. -I"$out" -Wall -Wextra -Werror -Wno-missing-field-initializers \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		${sources[$t]} -o "$bin" >"$log" 2>&1; then
		echo "$t: build failed (is libclang-rt-14-dev installed?):"
		cat "$log"
		failures=$((failures + 1))
		xml_cases+="<testcase classname=\"fuzz\" name=\"$t\"><failure message=\"build failed\"/></testcase>"
		continue
	fi
	if [[ $t == fuzz_xen ]]; then
		# The blob-mode seed: the mode byte, then the state the boot seed builds, as the
		# target saves it.
		FUZZ_XEN_SEED_BLOB="$out/xen-state.bin" "$bin" -runs=1 "$corpus/seed-xen-boot" >>"$log" 2>&1
		{ printf '\x04'; cat "$out/xen-state.bin"; } >"$corpus/seed-xen-blob"
	fi
	echo "== $t for ${secs}s"
	if (cd "$out/$t" && UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"../bin/$t" -max_total_time="$secs" -print_final_stats=1 corpus) >>"$log" 2>&1; then
		grep -E "^stat::number_of_executed_runs|^Done" "$log" | tail -2
		xml_cases+="<testcase classname=\"fuzz\" name=\"$t\"/>"
	else
		echo "$t: FAILED (see $log and $out/$t/crash-*)"
		tail -40 "$log"
		failures=$((failures + 1))
		xml_cases+="<testcase classname=\"fuzz\" name=\"$t\"><failure message=\"crash\"/></testcase>"
	fi
done
n=${#sources[@]}
echo "<testsuite name=\"fuzz\" tests=\"$n\" failures=\"$failures\" errors=\"0\" skipped=\"0\">$xml_cases</testsuite>" >"$out/fuzz.xml"
[[ $failures -eq 0 ]]
