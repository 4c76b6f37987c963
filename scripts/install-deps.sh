#!/usr/bin/env bash
# Installs the Debian 12 packages wsusd needs to build, run and test. Safe to run repeatedly:
# it only calls apt-get when a package is missing. Needs root (or sudo) for apt-get.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  gsoap libgsoap-dev
  libboost-dev libssl-dev libsqlite3-dev zlib1g-dev
  libpugixml-dev libspdlog-dev libfmt-dev libtomlplusplus-dev nlohmann-json3-dev libcli11-dev
  libsystemd-dev libcurl4-openssl-dev libmspack-dev libgcab-dev libarchive-dev
  libgtest-dev libgmock-dev
  python3 python3-lxml libxml2-utils openssl curl
)
if [[ "${1:-}" == "--test" ]]; then
  # Test-only tools: CAB tools to open served blobs, a second SOAP client, clang for fuzzing, debootstrap for
  # the package test in a clean Debian root, lintian for the package, a real SMTP server for notifications.
  PACKAGES+=(gcab cabextract python3-zeep clang libclang-rt-14-dev debootstrap lintian python3-aiosmtpd)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
