#!/usr/bin/env bash
# Long reliability runs (not part of ctest; minutes, not seconds): the hostile
# HTTP suite at full size against the real cxserver on 127.0.0.1 — 1,000 slow
# connections from 20 addresses, 10 GiB of header bytes without a newline over
# 16 parallel floods (and as much again of request-line bytes), 100,000 bad
# tokens from one address — with the same figures asserted as tests/hostile
# (README "cxserver"); the server crash loop with CRASH_KILLS kills (default 100)
# on SQLite and on PostgreSQL (a PostgreSQL 15 the test starts itself); four kiosks
# syncing LOSSY_RESPONSES responses each (default 2000) through the fault proxy
# on both backends; the kiosk crash loop under Xvfb with KIOSK_KILLS kills
# (default 200); the kiosk on powercut_fs with POWER_CUTS power cuts (default 50;
# as root: it mounts a FUSE filesystem); then every
# libFuzzer target for FUZZ_SECONDS each (default 600; tests/fuzz/run-fuzz.sh, its
# own clang-14 build).
# Usage: [CRASH_KILLS=N] [LOSSY_RESPONSES=N] [KIOSK_KILLS=N] [POWER_CUTS=N] [FUZZ_SECONDS=N]
#        tests/reliability/run-long.sh [BUILD_DIR]
#        (default build/release)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${1:-$root/build/release}"
server="$build/sync/server/cxserver"
if [ ! -x "$server" ]; then
  echo "run-long: no cxserver at $server; build first (cmake --build --preset release)" >&2
  exit 2
fi
# 1,000 client sockets in one process need more descriptors than the usual 1,024.
ulimit -n "$(ulimit -Hn)"
python3 "$root/tests/hostile/hostile_http.py" --long --server "$server" \
  --config-dir "$root/config"
for backend in sqlite postgresql; do
  CX_TEST_BACKEND=$backend CX_CRASH_KILLS="${CRASH_KILLS:-100}" \
    "$build/tests/reliability/test_server_crash_loop" --durations yes
  CX_TEST_BACKEND=$backend CX_LOSSY_RESPONSES="${LOSSY_RESPONSES:-2000}" \
    "$build/tests/reliability/test_lossy_network" --durations yes
done
python3 "$here/e2e_kiosk_crash_loop.py" --kiosk "$build/kiosk/cxkiosk" \
  --artifacts "$build/tests/reliability/artifacts-crash-loop-long" \
  --questionnaire "$root/config/questionnaire.json" --kills "${KIOSK_KILLS:-200}"
python3 "$here/e2e_kiosk_power_cut.py" --kiosk "$build/kiosk/cxkiosk" \
  --powercut-fs "$build/tests/reliability/powercut_fs" \
  --artifacts "$build/tests/reliability/artifacts-power-cut-long" \
  --questionnaire "$root/config/questionnaire.json" --cuts "${POWER_CUTS:-50}"
"$root/tests/fuzz/run-fuzz.sh" "${FUZZ_SECONDS:-600}"
