#!/usr/bin/env bash
# Benchmark of `cxscore score` (not a test): for each N, generates N canonical
# responses (seeded, cached), then times cxscore and `wc -l` on the same file in
# the same run, best of 3 each, and prints MB/s, their ratio and cxscore's peak RSS.
# Targets (issue 2): >= 400 MB/s at 1,000,000 responses; peak RSS <= 100 MiB at any size.
#
#   tests/bench/bench_cxscore.sh [N ...]          default N: 1000000 4000000
#   cmake --build --preset release --target bench  the same, on the release build
#
# CXSCORE / GEN_RESPONSES name the binaries (default: build/release, built if missing);
# BENCH_DIR holds the generated files (default: build/bench-data).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
counts=("$@")
((${#counts[@]})) || counts=(1000000 4000000)

if [[ -z "${CXSCORE:-}" || -z "${GEN_RESPONSES:-}" ]]; then
  (cd "$root" && cmake --preset release >/dev/null && cmake --build --preset release -j2 \
     --target cxscore gen_responses >/dev/null)
  CXSCORE="$root/build/release/scoring/cli/cxscore"
  GEN_RESPONSES="$root/build/release/tests/bench/gen_responses"
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

printf '%-10s %9s  %10s %8s %8s  %10s %8s  %6s  %12s\n' responses "file MB" "cxscore s" "MB/s" \
  "CPU s" "wc -l s" "MB/s" ratio "peak RSS MiB"
for n in "${counts[@]}"; do
  file="$data_dir/responses-$n.jsonl"
  if [[ ! -s "$file" ]]; then
    "$GEN_RESPONSES" "$n" 2026 >"$file.tmp"
    mv "$file.tmp" "$file"
  fi
  cat "$file" >/dev/null  # both commands read from the page cache
  bytes=$(stat -c %s "$file")
  read -r score_ns score_rss score_cpu < <(measure "$CXSCORE" score --responses "$file")
  read -r wc_ns _ _ < <(measure wc -l "$file")
  awk -v n="$n" -v b="$bytes" -v s="$score_ns" -v w="$wc_ns" -v r="$score_rss" -v c="$score_cpu" 'BEGIN {
    mbs = b / 1e6 / (s / 1e9); wmbs = b / 1e6 / (w / 1e9); rss = r / 1024
    printf "%-10d %9.1f  %10.3f %8.1f %8.2f  %10.3f %8.1f  %6.3f  %12.1f\n",
           n, b / 1e6, s / 1e9, mbs, c, w / 1e9, wmbs, mbs / wmbs, rss
    if (n == 1000000) printf "  throughput target >= 400 MB/s at 1M: %s\n", (mbs >= 400 ? "met" : "NOT met")
    printf "  peak RSS target <= 100 MiB: %s\n", (rss <= 100 ? "met" : "NOT met")
  }'
done
