#!/usr/bin/env bash
# Quick-start command 2: install what is missing, build (Debug, warnings as
# errors) and run the whole test suite with ctest. Exit status is ctest's.
set -euo pipefail
cd "$(dirname "$0")/.."

./deploy/install-deps.sh
cmake --preset dev >/dev/null
cmake --build --preset dev -j "$(nproc)"
ctest --preset dev --timeout 600 "$@"
