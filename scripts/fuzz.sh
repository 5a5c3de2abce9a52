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
)

xml_cases=""
failures=0
for t in "${!sources[@]}"; do
	bin=$out/bin/$t
	log=$out/$t.log
	corpus=$out/$t/corpus
	mkdir -p "$out/bin"
	mkdir -p "$corpus"
	if [[ $t == fuzz_virtq ]]; then
		# The trace-event tables blk_req.c uses (generated as meson does).
		python3 scripts/tracetool.py src/trace/trace-events "$out/trace-events.h" "$out/trace-events.c"
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
	else
	# A few seeds: enable MSI-X, program and unmask vector 0, notify it.
	printf '\x08\x05\x02\x00\x80\x00\x00\x00\x01\x00\x00\x00\x00\x00\x10\xe0\xfe\x00\x00\x00\x00\x01\x08\x00\x41\x00\x00\x00\x00\x00\x00\x00\x01\x0c\x00\x00\x00\x00\x00\x00\x00\x00\x00\x06\x00\x00' \
		>"$corpus/seed-enable-unmask-notify"
	printf '\x83\x17\x0c\x00\x06\x00\x00\x01\x0c\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00' \
		>"$corpus/seed-mask-pending"
	fi
	if ! $CC -g -O1 -std=c11 -D_GNU_SOURCE -Isrc -I. -I"$out" -Wall -Wextra -Werror \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		${sources[$t]} -o "$bin" >"$log" 2>&1; then
		echo "$t: build failed (is libclang-rt-14-dev installed?):"
		cat "$log"
		failures=$((failures + 1))
		xml_cases+="<testcase classname=\"fuzz\" name=\"$t\"><failure message=\"build failed\"/></testcase>"
		continue
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
