#!/usr/bin/env bash
# Runs every libFuzzer target of tests/fuzz for SECONDS each (default 600), on
# a working copy of its committed corpus, under ASan + UBSan (the `fuzz`
# preset: clang-14). Crashes, leaks and timeouts are written to
# build/fuzz/findings/<target>/ and make the run fail; commit each reproducer
# to tests/fuzz/corpus/<target>/ once fixed, so ctest replays it for ever.
# New inputs that widen coverage are merged back into the committed corpus
# with --merge.
# Usage: tests/fuzz/run-fuzz.sh [--merge] [SECONDS] [TARGET…]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
merge=0
if [ "${1:-}" = "--merge" ]; then merge=1; shift; fi
seconds="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_record fuzz_scoring_config fuzz_kiosk_config fuzz_request_body fuzz_form_data)

"$root/deploy/install-deps.sh" --fuzz
cd "$root"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j 2

build="$root/build/fuzz"
failed=0
for target in "${targets[@]}"; do
  work="$build/corpus-work/$target"
  findings="$build/findings/$target"
  mkdir -p "$work" "$findings"
  cp -n "$here/corpus/$target/"* "$work/" 2>/dev/null || true
  echo "run-fuzz: $target for ${seconds}s"
  if ! "$build/tests/fuzz/$target" "$work" -max_total_time="$seconds" -timeout=10 \
       -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
       -artifact_prefix="$findings/" 2>"$build/$target.log"; then
    echo "run-fuzz: $target FAILED; reproducer(s) in $findings, log $build/$target.log" >&2
    failed=1
  fi
  grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^#[0-9]+ *DONE' "$build/$target.log" || true
  if [ "$merge" -eq 1 ]; then
    "$build/tests/fuzz/$target" -merge=1 "$here/corpus/$target" "$work" 2>/dev/null
  fi
done
exit "$failed"
