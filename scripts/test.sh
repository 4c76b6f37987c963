#!/usr/bin/env bash
# Installs dependencies, builds everything and runs the whole test suite (unit and end-to-end).
# Usage: scripts/test.sh [--sanitize|--tsan] [ctest arguments...]
#   --sanitize   build with AddressSanitizer + UndefinedBehaviorSanitizer (into build-asan) and run
#                the same suite there; any sanitizer report fails the run.
#   --tsan       build only the concurrency tests with ThreadSanitizer (into build-tsan) and run them; the first
#                race report fails the run. scripts/tsan.supp lists third-party false positives only.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--tsan" ]]; then
  shift
  BUILD_DIR="${WSUSD_BUILD_DIR:-build-tsan}"
  # The tests that run threads against each other (docs/security.md lists them as the TSan defence):
  #   store_concurrency_tests  the store under concurrent readers and a writer (WAL snapshots, reader pool)
  #   net_tests      HttpServer sessions: keep-alive clients on two network threads, worker pool, shutdown
  #   admin_concurrency_tests  the maintenance timer thread triggered from several threads while requests write
  #   content_tests  concurrent writers of the same content file
  #   sync_schedule_tests  the sync scheduler (trigger, cancel reaching the running sync, stop) and retry waits
  # (store_ and admin_concurrency_tests exist only in a WSUSD_TSAN build: a subset of store_tests and admin_tests.)
  targets=(store_concurrency_tests net_tests admin_concurrency_tests content_tests sync_schedule_tests)
  scripts/install-deps.sh --test
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWSUSD_BUILD_TESTS=ON -DWSUSD_TSAN=ON \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
    -DWSUSD_BUILD_BENCH=OFF
  cmake --build "$BUILD_DIR" -j "$(nproc)" --target "${targets[@]}"
  export TSAN_OPTIONS="halt_on_error=1:abort_on_error=1:second_deadlock_stack=1:suppressions=$(pwd)/scripts/tsan.supp"
  status=0
  run() {  # run EXECUTABLE [gtest filter]
    echo "== TSan: $1 ${2:-}"
    "$BUILD_DIR/tests/$1" --gtest_filter="${2:-*}" --gtest_brief=1 || status=1
  }
  run store/store_concurrency_tests
  run net/net_tests 'HttpServerConcurrency.*:HttpServerFiles.*'
  run admin/admin_concurrency_tests
  run content/content_tests 'ContentStore*:LookupCache*'
  run sync/sync_schedule_tests
  exit $status
fi
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
# Line tables only (-g1): test failures and sanitizer reports still name file and line, and the build (most of this
# script's time on a fresh machine) is a fifth faster than with full debug information.
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" -DWSUSD_BUILD_TESTS=ON -DWSUSD_SANITIZE="$SANITIZE" \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DCMAKE_CXX_FLAGS_DEBUG="-g1" \
  -DCMAKE_INSTALL_PREFIX=/usr
cmake --build "$BUILD_DIR" -j "$(nproc)"
cd "$BUILD_DIR"
ctest --output-on-failure -j "$(nproc)" "$@"
