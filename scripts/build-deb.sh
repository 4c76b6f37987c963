#!/usr/bin/env bash
# Builds the Debian package into build-deb/ (wsusd_<version>_<arch>.deb).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build-deb -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
  -DWSUSD_BUILD_TESTS=OFF -DWSUSD_BUILD_BENCH=OFF
cmake --build build-deb --target wsusd wsusctl wsusd_docs_gz
(cd build-deb && cpack -G DEB)
ls -1 build-deb/*.deb
