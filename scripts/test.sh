#!/usr/bin/env bash
# Set everything up, then run every test: unit tests (plain and ASan+UBSan), guest
# programs and end-to-end tests under xkvm, the guest programs again under ASan+UBSan.
# Ends with the line "N passed, N failed" (skips counted on the line before); exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

PY=/usr/bin/python3
mkdir -p build/test-results
rm -f build/test-results/*.xml
stages=()

echo "== unit and KVM tests (build/)"
meson test -C build --print-errorlogs --no-rebuild
stages+=("unit=build/meson-logs/testlog.json")

if [[ -f build-asan/build.ninja ]]; then
	echo "== unit and KVM tests under ASan+UBSan (build-asan/)"
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		meson test -C build-asan --print-errorlogs --no-rebuild
	stages+=("unit-asan=build-asan/meson-logs/testlog.json")
fi

echo "== guest programs and end-to-end tests (build/)"
$PY -m pytest -p no:cacheprovider --junitxml=build/test-results/pytest.xml tests
stages+=("pytest=build/test-results/pytest.xml")

if [[ -f build-asan/build.ninja ]]; then
	echo "== guest programs under ASan+UBSan xkvm (build-asan/)"
	XKVM_BUILD=build-asan ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		$PY -m pytest -p no:cacheprovider -m "not linux and not qemu and not slow" \
		--junitxml=build/test-results/pytest-asan.xml tests/guest \
		tests/e2e/test_qmp.py tests/e2e/test_qmp_hostile.py tests/e2e/test_qmp_cli.py \
		tests/e2e/test_trace.py tests/e2e/test_virtio_routes.py tests/e2e/test_cpu_hotplug.py \
		tests/acpi
	stages+=("pytest-asan=build/test-results/pytest-asan.xml")
fi

echo "== libFuzzer targets, bounded time (build-fuzz/)"
scripts/fuzz.sh "${FUZZ_SECONDS:-60}"
stages+=("fuzz=build-fuzz/fuzz.xml")

echo "== summary"
$PY scripts/summarize.py "${stages[@]}"
