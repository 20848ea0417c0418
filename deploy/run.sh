#!/usr/bin/env bash
# Quick-start command 1: install what is missing, build the release preset and
# run the main job. Until the server and kiosk exist, the main job is the
# certifier's desk: cxscore's bilingual report on the bundled sample data
# (config/samples: 400 responses from four kiosks and an auditor's assessment).
# Exit status is cxscore's (see `cxscore --help`).
set -euo pipefail
cd "$(dirname "$0")/.."

./deploy/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"

exec ./build/release/scoring/cli/cxscore score \
  --responses config/samples/responses.jsonl \
  --assessment config/samples/assessment.json \
  --config config \
  --format text
