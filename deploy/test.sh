#!/usr/bin/env bash
# Quick-start command 2: install what is missing, build (Debug, warnings as
# errors) and run the whole test suite with ctest; then build the asan preset
# (AddressSanitizer + UndefinedBehaviorSanitizer) and run the unit and
# integration tests under it (labels e2e and deploy excluded for time). Exit status is
# non-zero when either run fails. Arguments go to the first ctest run.
set -euo pipefail
cd "$(dirname "$0")/.."

./deploy/install-deps.sh --tests
jobs=2  # both presets on 2 cores keep CI time reasonable
cmake --preset dev >/dev/null
cmake --build --preset dev -j "$jobs"
ctest --preset dev --timeout 600 "$@"

cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs"
ctest --preset asan --timeout 600 -j "$jobs"
