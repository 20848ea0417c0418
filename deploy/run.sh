#!/usr/bin/env bash
# Quick-start command 1: the main job. Installs what is missing, builds the
# release preset, then runs the central server (cxserver on SQLite in
# $CX_DATA/server) and the kiosk (cxkiosk, its store in $CX_DATA/kiosk)
# uploading to it over loopback. On first run it issues a device token for the
# kiosk ($CX_DATA/kiosk/token, mode 600) and a viewer token for reading scores.
#
# Without $DISPLAY (a headless machine) the kiosk runs on a virtual display
# (Xvfb on the first free display number, printed at start; look at it with
# `DISPLAY=:N import -window root shot.png`).
#
# Ctrl-C: the terminal sends SIGINT to its whole foreground process group, this
# script and the kiosk; the server and Xvfb run in sessions of their own, out of
# its reach. The kiosk, a background job, ignores SIGINT, so this script's trap
# hands it SIGTERM: it stops cleanly first (a survey in progress is saved as
# incomplete); then whatever is still waiting is uploaded, the organisation's
# score as the server computes it is printed, and only then the server and the
# virtual display stop.
#
# Environment: CX_DATA (default ./data), CX_PORT (default 8787),
# CX_WINDOWED=1 for a window instead of fullscreen, CX_BUILD_DIR=DIR to run the
# binaries already built in DIR (e.g. build/dev) without installing or building.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${CX_BUILD_DIR:-}" ]; then
  bin=$CX_BUILD_DIR
else
  ./deploy/install-deps.sh
  cmake --preset release >/dev/null
  cmake --build --preset release -j "$(nproc)" --target cxserver cxkiosk cxscore
  bin=build/release
fi
cxserver=$bin/sync/server/cxserver
cxkiosk=$bin/kiosk/cxkiosk
data=$(realpath -m "${CX_DATA:-data}")
port=${CX_PORT:-8787}
db="sqlite:$data/server/cxserver.sqlite3"
mkdir -p "$data/server" "$data/kiosk"

if [ ! -s "$data/kiosk/kiosk.json" ]; then
  umask 077
  # The device token goes where enrolment puts it (DATA_DIR/token, mode 600),
  # never into argv; the kiosk's public key (created now) is bound to it, so the
  # server trusts that key from the start rather than on first use.
  "$cxserver" add-token --db "$db" --role device --org demo-org --site hq \
    --device kiosk-01 --pubkey "$("$cxkiosk" pubkey --data-dir "$data/kiosk")" \
    | tail -n 1 > "$data/kiosk/token"
  "$cxserver" add-token --db "$db" --role viewer --org demo-org | tail -n 1 \
    > "$data/server/viewer.token"
  python3 - "$data/kiosk/kiosk.json" "http://127.0.0.1:$port" <<'PY'
import json, sys
path, server = sys.argv[1:]
config = json.load(open("config/kiosk.example.json"))
config.pop("token", None)
config.pop("opening_hours", None)  # the demo is open whenever it is tried
config.update(data_dir=".", server=server, sync_interval=60)
json.dump(config, open(path, "w"), ensure_ascii=False, indent=2)
PY
  umask 022
fi

# Helpers stopped at the end, last started first.
helpers=()
stop_helpers() {
  local i
  for ((i = ${#helpers[@]} - 1; i >= 0; i--)); do
    kill -TERM "${helpers[i]}" 2>/dev/null || true
    wait "${helpers[i]}" 2>/dev/null || true
  done
  helpers=()
}
kiosk_pid=
cleanup() {
  [ -n "$kiosk_pid" ] && kill -TERM "$kiosk_pid" 2>/dev/null && wait "$kiosk_pid" 2>/dev/null
  stop_helpers
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# setsid: a session of its own, out of reach of the terminal's Ctrl-C.
setsid "$cxserver" serve --db "$db" --listen "127.0.0.1:$port" \
  </dev/null >/dev/null 2>>"$data/server/cxserver.log" &
server_pid=$!
helpers+=("$server_pid")
for _ in $(seq 50); do
  curl -fsS "http://127.0.0.1:$port/api/v1/health" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$data/server/cxserver.log" >&2; exit 1; }
  sleep 0.1
done
echo "cxserver: http://127.0.0.1:$port (log: $data/server/cxserver.log)"

if [ -z "${DISPLAY:-}" ]; then
  display_file=$data/xvfb.display
  : > "$display_file"
  setsid Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp \
    </dev/null >/dev/null 2>&1 3>"$display_file" &
  helpers+=("$!")
  for _ in $(seq 100); do
    [ -s "$display_file" ] && break
    sleep 0.1
  done
  [ -s "$display_file" ] || { echo "Xvfb did not start" >&2; exit 1; }
  export DISPLAY=":$(cat "$display_file")"
  echo "no display: the kiosk runs on Xvfb $DISPLAY (DISPLAY=$DISPLAY import -window root shot.png)"
fi

kiosk_args=(--config "$data/kiosk/kiosk.json")
[ "${CX_WINDOWED:-0}" = 1 ] && kiosk_args+=(--windowed)
echo "cxkiosk: store in $data/kiosk; Ctrl-C here stops everything." \
     "Staff mode: F10 (set a PIN first: $cxkiosk set-pin --data-dir $data/kiosk)"
"$cxkiosk" "${kiosk_args[@]}" &
kiosk_pid=$!
# Ctrl-C or SIGTERM to the script reaches the kiosk from here as SIGTERM: it
# saves a survey in progress as incomplete and exits 0.
trap 'kill -TERM "$kiosk_pid" 2>/dev/null || true' INT TERM
while kill -0 "$kiosk_pid" 2>/dev/null; do wait "$kiosk_pid" || true; done
wait "$kiosk_pid" && status=0 || status=$?
kiosk_pid=
trap 'exit 130' INT TERM

# What the kiosk's worker had no time to send (the response just given).
"$cxkiosk" sync --once --config "$data/kiosk/kiosk.json" || true
echo "score of demo-org on the server:"
# The header comes from a file descriptor (printf is a builtin), so the viewer
# token never appears in curl's argv.
curl -fsS -H @<(printf 'Authorization: Bearer %s\n' "$(<"$data/server/viewer.token")") \
  "http://127.0.0.1:$port/api/v1/orgs/demo-org/score" || true
echo
stop_helpers
exit "$status"
