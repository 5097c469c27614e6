#!/usr/bin/env bash
# Sets up a fresh Debian machine and runs every test: installs the packages, builds the given
# CMake preset (default: release) and runs the whole suite with ctest. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
bash deploy/install-deps.sh
cmake --preset "$preset"
cmake --build --preset "$preset"
ctest --preset "$preset" -j2
