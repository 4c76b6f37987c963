#!/usr/bin/env bash
# Installs dependencies, builds wsusd and starts it in the foreground on its embedded defaults:
# SQLite under ./data, HTTP 8530, HTTPS 8531 (certificate generated on first start), admin API on
# 127.0.0.1:8532. Extra arguments go to `wsusd serve` (e.g. --log-level debug).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWSUSD_BUILD_TESTS=OFF
cmake --build build --target wsusd
exec build/src/app/wsusd serve --config config/wsusd.toml --data-dir data "$@"
