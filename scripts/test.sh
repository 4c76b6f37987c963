#!/usr/bin/env bash
# Installs dependencies, builds everything and runs the whole test suite (unit and end-to-end).
# Usage: scripts/test.sh [--sanitize] [ctest arguments...]
#   --sanitize   build with AddressSanitizer + UndefinedBehaviorSanitizer (into build-asan) and run
#                the same suite there; any sanitizer report fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
SANITIZE=OFF
BUILD_DIR="${WSUSD_BUILD_DIR:-build}"
BUILD_TYPE=RelWithDebInfo
if [[ "${1:-}" == "--sanitize" ]]; then
  shift
  SANITIZE=ON
  BUILD_DIR="${WSUSD_BUILD_DIR:-build-asan}"
  BUILD_TYPE=Debug
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
fi
scripts/install-deps.sh --test
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" -DWSUSD_BUILD_TESTS=ON -DWSUSD_SANITIZE="$SANITIZE" \
  -DCMAKE_INSTALL_PREFIX=/usr
cmake --build "$BUILD_DIR" -j "$(nproc)"
cd "$BUILD_DIR"
ctest --output-on-failure -j "$(nproc)" "$@"
