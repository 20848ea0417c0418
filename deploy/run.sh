#!/usr/bin/env bash
# Quick-start command 1: the main job. Installs what is missing, builds the
# release preset, then runs the central server (cxserver on SQLite in
# $CX_DATA/server) and the kiosk (cxkiosk, its store in $CX_DATA/kiosk)
# uploading to it over loopback. On first run it issues a device token for the
# kiosk and a viewer token for reading scores.
#
# Without $DISPLAY (a headless machine) the kiosk runs on a virtual display
# (Xvfb :77); look at it with `DISPLAY=:77 import -window root shot.png`.
# Ctrl-C (or SIGTERM) stops the kiosk and the server cleanly and prints the
# organisation's score as the server computes it.
#
# Environment: CX_DATA (default ./data), CX_PORT (default 8787),
# CX_WINDOWED=1 for a window instead of fullscreen.
set -euo pipefail
cd "$(dirname "$0")/.."

./deploy/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target cxserver cxkiosk cxscore

bin=build/release
cxserver=$bin/sync/server/cxserver
cxkiosk=$bin/kiosk/cxkiosk
data=$(realpath -m "${CX_DATA:-data}")
port=${CX_PORT:-8787}
db="sqlite:$data/server/cxserver.sqlite3"
mkdir -p "$data/server" "$data/kiosk"

if [ ! -s "$data/kiosk/kiosk.json" ]; then
  umask 077
  device_token=$("$cxserver" add-token --db "$db" --role device --org demo-org --site hq \
                   --device kiosk-01 | tail -n 1)
  "$cxserver" add-token --db "$db" --role viewer --org demo-org | tail -n 1 \
    > "$data/server/viewer.token"
  # The kiosk's own config: the example with this server and token (kept out of argv).
  python3 - "$data/kiosk/kiosk.json" "http://127.0.0.1:$port" "$device_token" <<'PY'
import json, sys
path, server, token = sys.argv[1:]
config = json.load(open("config/kiosk.example.json"))
config.update(data_dir=".", server=server, token=token, sync_interval=60)
json.dump(config, open(path, "w"), ensure_ascii=False, indent=2)
PY
  umask 022
fi

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$cxserver" serve --db "$db" --listen "127.0.0.1:$port" 2>>"$data/server/cxserver.log" &
server_pid=$!
pids+=("$server_pid")
for _ in $(seq 50); do
  curl -fsS "http://127.0.0.1:$port/api/v1/health" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$data/server/cxserver.log" >&2; exit 1; }
  sleep 0.1
done
echo "cxserver: http://127.0.0.1:$port (log: $data/server/cxserver.log)"

if [ -z "${DISPLAY:-}" ]; then
  Xvfb :77 -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
  pids+=("$!")
  export DISPLAY=:77
  sleep 0.5
  echo "no display: the kiosk runs on Xvfb $DISPLAY (DISPLAY=:77 import -window root shot.png)"
fi

kiosk_args=(--config "$data/kiosk/kiosk.json")
[ "${CX_WINDOWED:-0}" = 1 ] && kiosk_args+=(--windowed)
echo "cxkiosk: store in $data/kiosk; Ctrl-C here stops everything." \
     "Staff mode: F10 (set a PIN first: $cxkiosk set-pin --data-dir $data/kiosk)"
"$cxkiosk" "${kiosk_args[@]}" &
kiosk_pid=$!
pids+=("$kiosk_pid")
# Background jobs of a script ignore Ctrl-C: hand it to the kiosk as SIGTERM,
# which saves a survey in progress as incomplete and exits 0.
trap 'kill -TERM "$kiosk_pid" 2>/dev/null || true' INT TERM
while kill -0 "$kiosk_pid" 2>/dev/null; do wait "$kiosk_pid" || true; done
wait "$kiosk_pid" && status=0 || status=$?

echo "score of demo-org on the server:"
curl -fsS -H "Authorization: Bearer $(cat "$data/server/viewer.token")" \
  "http://127.0.0.1:$port/api/v1/orgs/demo-org/score" || true
exit "$status"
