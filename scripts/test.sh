#!/bin/sh
# The test command: installs what is missing, builds, runs every CTest label, then the unit
# and integration tests again under AddressSanitizer + UndefinedBehaviorSanitizer.
#   ./scripts/test.sh            everything (what CI runs)
#   SKIP_SANITIZERS=1 ./scripts/test.sh   the plain build only
set -eu
cd "$(dirname "$0")/.."

echo "== build (RelWithDebInfo) =="
BUILD_DIR=build ./scripts/build.sh -DCSBRIDGE_SYSTEM_TEST=ON
echo "== tests: all labels =="
(cd build && ctest --output-on-failure -j2 --timeout 1500)

if [ -z "${SKIP_SANITIZERS:-}" ]; then
  echo "== build (ASan+UBSan) =="
  BUILD_DIR=build-asan BUILD_TYPE=Debug ./scripts/build.sh -DCSBRIDGE_SANITIZE=ON
  echo "== tests under ASan+UBSan: unit, integration =="
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --output-on-failure -j2 -L 'unit|integration' --timeout 900)
fi
echo "== all tests passed =="
