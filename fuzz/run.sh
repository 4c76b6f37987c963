#!/usr/bin/env bash
# Runs every fuzz target for N seconds (default 60) under ASan+UBSan, replaying fuzz/regressions first.
#   fuzz/run.sh [SECONDS] [TARGET...]
# Build folder: build-fuzz (WSUSD_SANITIZE=ON), or FUZZ_BUILD_DIR. A crashing input is left as build-fuzz/fuzz/crash-<target>-<pid>;
# replay it with `build-fuzz/fuzz/<target> --seconds 0 FILE`, fix, and move it into fuzz/regressions/<target>/.
# With LIBFUZZER=1, xpress_decode_fuzz is also run under clang's libFuzzer (coverage-guided; the other targets link
# the whole daemon, which Debian 12's clang 14 cannot compile: see README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(xpress_decode_fuzz update_document_fuzz cookie_fuzz soap_endpoints_fuzz http_request_fuzz cab_reader_fuzz
  admin_json_fuzz)
# FUZZ_BUILD_DIR=build: use an existing build folder as it is configured (e.g. the RelWithDebInfo test build, when
# a separate sanitizer build costs too much on a loaded machine); the targets are still built first.
build_dir=${FUZZ_BUILD_DIR:-build-fuzz}
if [ -z "${FUZZ_BUILD_DIR:-}" ]; then
  cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWSUSD_SANITIZE=ON -DWSUSD_BUILD_TESTS=ON \
    -DWSUSD_BUILD_BENCH=OFF >/dev/null
fi
cmake --build "$build_dir" -j "$(nproc)" --target "${targets[@]}"
status=0
for t in "${targets[@]}"; do
  (cd "$build_dir/fuzz" && "./$t" --seconds "$seconds" "$OLDPWD/fuzz/regressions/$t") || status=1
done
if [ "${LIBFUZZER:-0}" = 1 ]; then
  clang++ -std=c++2b -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -isystem fuzz/expected_shim \
    -Iinclude -Isrc -Ifuzz -DWSUSD_SHARED_DIR="\"$(pwd)/../shared\"" -DWSUSD_LIBFUZZER \
    fuzz/xpress_decode_fuzz.cpp fuzz/driver/captures.cpp src/codec/xpress.cpp -o build-fuzz/xpress_decode_libfuzzer
  mkdir -p build-fuzz/corpus-xpress
  build-fuzz/fuzz/xpress_decode_fuzz --write-seeds build-fuzz/corpus-xpress
  build-fuzz/xpress_decode_libfuzzer -max_total_time="$seconds" -max_len=80000 build-fuzz/corpus-xpress \
    fuzz/regressions/xpress_decode_fuzz || status=1
fi
exit $status
