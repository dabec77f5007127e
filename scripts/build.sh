#!/bin/sh
# Configures and builds cs-bridge into ${BUILD_DIR:-build} (extra CMake args pass through).
set -eu
cd "$(dirname "$0")/.."
"./scripts/install-deps.sh"
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" "$@" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
