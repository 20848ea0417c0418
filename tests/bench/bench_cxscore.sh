#!/usr/bin/env bash
# Benchmark of `cxscore score` (not a test): for each N, generates N canonical
# responses (seeded, cached), then times cxscore and its floor (bench_json_floor:
# one thread, simdjson on-demand iterate_many over 16 MiB chunks, touching only each
# record's answers) on the same file in the same run, best of 3 each, and prints
# both in s and MB/s, cxscore's CPU time, their ratio and cxscore's peak RSS.
# Targets (issue 10): cxscore >= 0.8 x the floor's throughput; peak RSS <= 100 MiB
# at any size.
#
#   tests/bench/bench_cxscore.sh [N ...]          default N: 1000000 4000000
#   cmake --build --preset release --target bench  the same, on the release build
#
# CXSCORE / GEN_RESPONSES / JSON_FLOOR name the binaries (default: build/release,
# built if missing); BENCH_DIR holds the generated files (default: build/bench-data).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
counts=("$@")
((${#counts[@]})) || counts=(1000000 4000000)

if [[ -z "${CXSCORE:-}" || -z "${GEN_RESPONSES:-}" || -z "${JSON_FLOOR:-}" ]]; then
  (cd "$root" && cmake --preset release >/dev/null && cmake --build --preset release -j2 \
     --target cxscore gen_responses bench_json_floor >/dev/null)
  CXSCORE="$root/build/release/scoring/cli/cxscore"
  GEN_RESPONSES="$root/build/release/tests/bench/gen_responses"
  JSON_FLOOR="$root/build/release/tests/bench/bench_json_floor"
fi
data_dir="${BENCH_DIR:-$root/build/bench-data}"
mkdir -p "$data_dir"
stats="$(mktemp)"
trap 'rm -f "$stats"' EXIT

# Runs "$@" three times; prints "best_wall_ns peak_rss_kib cpu_seconds_of_best".
measure() {
  local best="" rss=0 cpu=""
  for _ in 1 2 3; do
    local start end
    start=$(date +%s%N)
    /usr/bin/time -f '%M %U %S' -o "$stats" "$@" >/dev/null
    end=$(date +%s%N)
    local elapsed=$((end - start)) peak user sys
    read -r peak user sys < <(tail -n 1 "$stats")
    if [[ -z "$best" || $elapsed -lt $best ]]; then
      best=$elapsed
      cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
    fi
    ((peak > rss)) && rss=$peak
  done
  echo "$best $rss $cpu"
}

# The machine is shared: wall-clock figures depend on what else runs.
echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"

printf '%-10s %9s  %8s %8s  %10s %8s %8s  %6s  %12s\n' responses "file MB" "floor s" "MB/s" \
  "cxscore s" "MB/s" "CPU s" ratio "peak RSS MiB"
for n in "${counts[@]}"; do
  file="$data_dir/responses-$n.jsonl"
  if [[ ! -s "$file" ]]; then
    "$GEN_RESPONSES" "$n" 2026 >"$file.tmp"
    mv "$file.tmp" "$file"
  fi
  cat "$file" >/dev/null  # both commands read from the page cache
  bytes=$(stat -c %s "$file")
  # The floor must have read every record, or its time means nothing.
  floor_says="$("$JSON_FLOOR" "$file")"
  if [[ "$floor_says" != "records $n "* ]]; then
    echo "bench_json_floor read a different file than expected: $floor_says" >&2
    exit 1
  fi
  read -r floor_ns _ _ < <(measure "$JSON_FLOOR" "$file")
  read -r score_ns score_rss score_cpu < <(measure "$CXSCORE" score --responses "$file")
  awk -v n="$n" -v b="$bytes" -v s="$score_ns" -v f="$floor_ns" -v r="$score_rss" -v c="$score_cpu" 'BEGIN {
    mbs = b / 1e6 / (s / 1e9); fmbs = b / 1e6 / (f / 1e9); rss = r / 1024
    printf "%-10d %9.1f  %8.3f %8.1f  %10.3f %8.1f %8.2f  %6.3f  %12.1f\n",
           n, b / 1e6, f / 1e9, fmbs, s / 1e9, mbs, c, mbs / fmbs, rss
    printf "  throughput target >= 0.8 x the floor: %s\n", (mbs >= 0.8 * fmbs ? "met" : "NOT met")
    printf "  peak RSS target <= 100 MiB: %s\n", (rss <= 100 ? "met" : "NOT met")
  }'
done
